/*
 * tui/ui_screen.c - curses setup, layout, the single KEY_RESIZE handler,
 * the too-small screen, header, key bar, log pane and the session log
 * ring (see ui_screen.h).
 */
#include "config.h"
#include <langinfo.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mbx/common.h"
#include "mbx/text.h"
#include "ui_job.h"
#include "ui_keys.h"
#include "ui_screen.h"
#include "ui_panels.h"
#include "ui_text.h"

/* ---- the log ring (filled from any thread) ---------------------------- */

int ui_ring_init(ui_ring *r, size_t cap)
{
	memset(r, 0, sizeof *r);
	if (pthread_mutex_init(&r->mu, NULL) != 0)
		return mbx_error_set(MBX_ERROR, "can not create the console's log lock");
	r->cap = cap;
	r->lines = mbx_calloc(cap, sizeof *r->lines);
	return 0;
}

void ui_ring_free(ui_ring *r)
{
	size_t i;

	if (!r->lines)
		return;
	for (i = 0; i < r->cap; i++)
		mbx_free(r->lines[i]);
	mbx_free(r->lines);
	r->lines = NULL;
	pthread_mutex_destroy(&r->mu);
}

void ui_ring_push(ui_ring *r, const char *line)
{
	char *copy = mbx_strdup(line ? line : "");
	char *old = NULL;
	size_t slot;

	pthread_mutex_lock(&r->mu);
	slot = (r->head + r->count) % r->cap;
	if (r->count == r->cap) {
		old = r->lines[r->head];
		r->head = (r->head + 1) % r->cap;
	} else {
		r->count++;
	}
	r->lines[slot] = copy;
	r->seq++;
	pthread_mutex_unlock(&r->mu);
	mbx_free(old);
}

void ui_ring_log_cb(void *ud, int level, const char *line)
{
	(void)level;
	ui_ring_push(ud, line);
}

#define UI_LOG_KEEP 4000

int ui_log_drain(ui *u)
{
	char **got;
	size_t n, i;

	pthread_mutex_lock(&u->ring.mu);
	n = u->ring.count;
	got = n ? mbx_calloc(n, sizeof *got) : NULL;
	for (i = 0; i < n; i++) {
		got[i] = u->ring.lines[(u->ring.head + i) % u->ring.cap];
		u->ring.lines[(u->ring.head + i) % u->ring.cap] = NULL;
	}
	u->ring.head = 0;
	u->ring.count = 0;
	pthread_mutex_unlock(&u->ring.mu);
	if (!n)
		return 0;
	for (i = 0; i < n; i++) {
		if (u->n_log == UI_LOG_KEEP) {
			mbx_free(u->log[0]);
			memmove(u->log, u->log + 1, (u->n_log - 1) * sizeof *u->log);
			u->n_log--;
		}
		if (u->n_log == u->log_cap) {
			u->log_cap = u->log_cap ? u->log_cap * 2 : 64;
			u->log = mbx_reallocarray(u->log, u->log_cap, sizeof *u->log);
		}
		u->log[u->n_log++] = got[i];
	}
	mbx_free(got);
	return 1;
}

/* ---- colours and drawing helpers -------------------------------------- */

chtype ui_attr(const ui *u, int c)
{
	if (!u->color) {
		switch (c) {
		case UI_C_HEADER: return A_REVERSE;
		case UI_C_ORPHAN: return A_BOLD;
		case UI_C_WARN: return A_BOLD;
		case UI_C_KEY: return A_BOLD;
		case UI_C_KEYLABEL: return A_REVERSE;
		case UI_C_TITLE: return A_BOLD;
		case UI_C_BAR: return A_REVERSE;
		default: return A_NORMAL;
		}
	}
	switch (c) {
	case UI_C_ORPHAN:
		/* Colour alone: orphan rows pass by all the time while the
		 * list scrolls, and bold adds attribute resets around them. */
		return COLOR_PAIR(c);
	case UI_C_WARN: case UI_C_TITLE: case UI_C_OK:
		return COLOR_PAIR(c) | A_BOLD;
	case UI_C_NORMAL:
		return A_NORMAL;
	default:
		return COLOR_PAIR(c);
	}
}

static void colors_init(ui *u)
{
	if (!u->color)
		return;
	start_color();
	use_default_colors();
	init_pair(UI_C_HEADER, COLOR_BLACK, COLOR_CYAN);
	init_pair(UI_C_ORPHAN, COLOR_RED, -1);
	init_pair(UI_C_WARN, COLOR_YELLOW, -1);
	init_pair(UI_C_KEY, COLOR_WHITE, -1);
	init_pair(UI_C_KEYLABEL, COLOR_BLACK, COLOR_CYAN);
	init_pair(UI_C_TITLE, COLOR_CYAN, -1);
	init_pair(UI_C_OK, COLOR_GREEN, -1);
	init_pair(UI_C_BAR, COLOR_BLACK, COLOR_GREEN);
}

/* A line-drawing cell as a plain UTF-8 character: unlike the terminal's
 * alternate character set it needs no charset switch (and reset) around
 * every border cell curses redraws. */
static cchar_t *box_char(cchar_t *c, wchar_t wc)
{
	wchar_t s[2] = { wc, 0 };

	setcchar(c, s, A_NORMAL, 0, NULL);
	return c;
}

void ui_box(ui *u, WINDOW *w, const char *title, int active)
{
	int cols = getmaxx(w);
	cchar_t v, h, tl, tr, bl, br;

	/* Focus shows in the title only: coloured border cells would cost
	 * colour escapes on every line curses redraws. */
	wattrset(w, A_NORMAL);
	if (u->ascii)
		wborder(w, '|', '|', '-', '-', '+', '+', '+', '+');
	else
		wborder_set(w, box_char(&v, 0x2502), &v, box_char(&h, 0x2500), &h,
		            box_char(&tl, 0x250C), box_char(&tr, 0x2510), box_char(&bl, 0x2514),
		            box_char(&br, 0x2518));
	wattrset(w, A_NORMAL);
	if (title && cols > 6) {
		int tcols;
		char *t = ui_text(u, title, cols - 5, &tcols);

		wattrset(w, active ? ui_attr(u, UI_C_TITLE) | A_REVERSE : A_BOLD);
		mvwaddch(w, 0, 2, ' ');
		waddstr(w, t);
		waddch(w, ' ');
		wattrset(w, A_NORMAL);
		mbx_free(t);
	}
}

void ui_hline(ui *u, WINDOW *w, int y, int x, int n)
{
	cchar_t h;

	wmove(w, y, x);
	if (u->ascii)
		whline(w, '-', n);
	else
		whline_set(w, box_char(&h, 0x2500), n);
}

void ui_status(ui *u, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(u->status, sizeof u->status, fmt, ap);
	va_end(ap);
	ui_draw_bar(u);
}

/* ---- the base screen --------------------------------------------------- */

void ui_draw_header(ui *u)
{
	char counts[160];
	int w = u->cols, ccols;
	chtype a = ui_attr(u, UI_C_HEADER);
	char *org, *site, *srv, *left;

	snprintf(counts, sizeof counts, " mailboxes %zu  recipients %zu  orphans %zu ",
	         u->total_mb, u->total_rc, u->n_orphans);
	ccols = (int)strlen(counts);
	org = ui_text(u, u->srv.organization, 24, NULL);
	site = ui_text(u, u->srv.site, 16, NULL);
	srv = ui_text(u, u->srv.server, 16, NULL);
	left = mbx_asprintf(" %s / %s / %s  %s", org, site, srv, u->db_name ? u->db_name : "");
	ui_text_put(u, u->w_hdr, 0, 0, left, w - ccols, 0, a);
	ui_text_put(u, u->w_hdr, 0, w - ccols, counts, ccols, 1, a | A_BOLD);
	mbx_free(org);
	mbx_free(site);
	mbx_free(srv);
	mbx_free(left);
}

/* An entry's bar label: the long one, or the short one (80 columns). */
static const char *bar_label(const ui_key_entry *k, int shrt)
{
	return shrt && k->bar_short ? k->bar_short : k->bar;
}

/* The key bar's width: with or without a space after each entry, with
 * the long or the short labels. */
static int bar_width(int spaced, int shrt)
{
	size_t i;
	int n = 0;

	for (i = 0; i < ui_n_keys; i++) {
		char key[16];

		if (ui_keys[i].ctx != UI_KC_MAIN || !ui_keys[i].bar)
			continue;
		ui_key_bar_name(&ui_keys[i], 1, key, sizeof key);
		n += (int)strlen(key) + (int)strlen(bar_label(&ui_keys[i], shrt)) + (n && spaced);
	}
	return n;
}

void ui_draw_bar(ui *u)
{
	WINDOW *w = u->w_bar;
	size_t i;
	int spaced, shrt;

	if (u->small || !w)
		return;   /* the too-small screen is up; ui_redraw repaints later */

	/* Row 0: the news of the moment, or what the selection is. */
	if (u->status[0])
		ui_text_put(u, w, 0, 0, u->status, u->cols, 0, ui_attr(u, UI_C_WARN));
	else if (u->searching)
		ui_text_putf(u, w, 0, 0, u->cols, A_BOLD, "Search: %s_   (Enter keeps, Esc cancels)",
		             u->search);
	else
		ui_panels_draw_info(u, w, 0);
	/* Row 1: the keys, mc style: every F-key with its letter ("F2/a"); at
	 * 80 columns the short labels, and when even they do not fit, the
	 * labels set apart by their colour alone. */
	/* The last column stays empty: writing the bottom right cell costs
	 * the terminal's autowrap switched off and on. */
	shrt = bar_width(1, 0) >= u->cols;
	spaced = bar_width(1, shrt) < u->cols;
	wmove(w, 1, 0);
	wattrset(w, A_NORMAL);
	for (i = 0; i < ui_n_keys; i++) {
		const ui_key_entry *k = &ui_keys[i];
		const char *label = bar_label(k, shrt);
		char key[16];

		if (k->ctx != UI_KC_MAIN || !k->bar)
			continue;
		ui_key_bar_name(k, 1, key, sizeof key);
		if (getcurx(w) + (int)strlen(key) + (int)strlen(label) >= u->cols)
			break;
		wattrset(w, ui_attr(u, UI_C_KEY));
		waddstr(w, key);
		wattrset(w, ui_attr(u, UI_C_KEYLABEL));
		waddstr(w, label);
		wattrset(w, A_NORMAL);
		if (getcury(w) != 1)
			break;
		if (spaced && getcurx(w) < u->cols - 1)
			waddch(w, ' ');
	}
	wattrset(w, ui_attr(u, UI_C_KEYLABEL));
	while (getcury(w) == 1 && getcurx(w) < u->cols - 1)
		waddch(w, ' ');
	wattrset(w, A_NORMAL);
}

const char *ui_base_name(const char *path)
{
	const char *slash = path ? strrchr(path, '/') : NULL;

	return slash && slash[1] ? slash + 1 : path ? path : "";
}

void ui_draw_log(ui *u)
{
	WINDOW *w = u->w_log;
	int inner = u->log_rows, width = u->cols - 2, i;
	size_t end, first;
	char title[256];

	if (u->small || !w)
		return;

	if (u->log_scroll > u->n_log)
		u->log_scroll = u->n_log;
	end = u->n_log - u->log_scroll;
	first = end > (size_t)inner ? end - (size_t)inner : 0;
	/* While an export runs, its progress is the title: one line that
	 * changes a few digits at a time. */
	if (ui_job_status(u, title, sizeof title))
		;
	else if (u->log_scroll)
		snprintf(title, sizeof title, "Log (%zu lines back, > newer)", u->log_scroll);
	else
		snprintf(title, sizeof title, "Log (this session; l: full screen)");
	ui_box(u, w, title, 0);
	for (i = 0; i < inner; i++) {
		size_t k = first + (size_t)i;
		const char *line = k < end ? u->log[k] : "";
		chtype a = A_NORMAL;

		if (k < end && (strstr(line, "MSEMS") || strstr(line, "rror")))
			a = ui_attr(u, UI_C_ORPHAN);
		ui_text_put(u, w, 1 + i, 1, line, width, 0, a);
	}
}

static void draw_small(ui *u)
{
	const char *msg = "terminal too small (need 80x24)";
	const char *quit = "q, F10 or Esc 0: quit";
	char now[48];
	int y = u->rows / 2 - 1;

	werase(u->w_small);
	snprintf(now, sizeof now, "now %dx%d: enlarge the window", u->cols, u->rows);
	if (y < 0)
		y = 0;
	mvwaddnstr(u->w_small, y, 0, msg, u->cols);
	if (y + 1 < u->rows)
		mvwaddnstr(u->w_small, y + 1, 0, now, u->cols);
	if (y + 2 < u->rows)
		mvwaddnstr(u->w_small, y + 2, 0, quit, u->cols);
}

void ui_redraw(ui *u)
{
	int i;

	if (u->small) {
		draw_small(u);
		ui_flush(u);
		return;
	}
	ui_log_drain(u);
	ui_draw_header(u);
	ui_panels_draw(u);
	ui_draw_log(u);
	ui_draw_bar(u);
	for (i = 0; i < u->n_layers; i++)
		u->layers[i].draw(u, u->layers[i].ud);
	ui_flush(u);
}

void ui_flush(ui *u)
{
	if (u->full_redraw) {
		/* After a resize the terminal's idea of the screen is unknown. */
		clearok(curscr, TRUE);
		u->full_redraw = 0;
	}
	update_panels();
	doupdate();
}

static void base_free(ui *u)
{
	WINDOW **ws[5] = { &u->w_hdr, &u->w_left, &u->w_right, &u->w_log, &u->w_bar };
	int i;

	for (i = 0; i < 5; i++) {
		if (u->p_base[i])
			del_panel(u->p_base[i]);
		if (*ws[i])
			delwin(*ws[i]);
		u->p_base[i] = NULL;
		*ws[i] = NULL;
	}
	if (u->p_small)
		del_panel(u->p_small);
	if (u->w_small)
		delwin(u->w_small);
	u->p_small = NULL;
	u->w_small = NULL;
}

void ui_layout(ui *u)
{
	WINDOW **ws[5] = { &u->w_hdr, &u->w_left, &u->w_right, &u->w_log, &u->w_bar };
	int rows, cols, panel_h, left_w, log_h, i;

	getmaxyx(stdscr, rows, cols);
	u->rows = rows;
	u->cols = cols;
	u->small = rows < UI_MIN_ROWS || cols < UI_MIN_COLS;
	base_free(u);
	u->full_redraw = 1;
	if (u->small) {
		u->w_small = newwin(rows > 0 ? rows : 1, cols > 0 ? cols : 1, 0, 0);
		u->p_small = new_panel(u->w_small);
		top_panel(u->p_small);
		keypad(u->w_small, TRUE);
		return;
	}
	log_h = rows / 4 > 6 ? rows / 4 : 6;
	panel_h = rows - 1 - 2 - log_h;
	left_w = cols * 60 / 100;   /* 48 of 80: the names get the room they need */
	u->w_hdr = newwin(1, cols, 0, 0);
	u->w_left = newwin(panel_h, left_w, 1, 0);
	u->w_right = newwin(panel_h, cols - left_w, 1, left_w);
	u->w_log = newwin(log_h, cols, 1 + panel_h, 0);
	u->w_bar = newwin(2, cols, rows - 2, 0);
	keypad(u->w_bar, TRUE);
	u->list_rows = panel_h - 3;   /* border, column heads, border */
	u->log_rows = log_h - 2;
	for (i = 0; i < 5; i++) {
		/* The cursor is hidden: never spend bytes moving it.  idlok lets
		 * curses scroll the terminal when whole lines move. */
		leaveok(*ws[i], TRUE);
		idlok(*ws[i], TRUE);
		u->p_base[i] = new_panel(*ws[i]);
		bottom_panel(u->p_base[i]);
	}
	ui_panels_clamp(u);
}

/* ---- keys ------------------------------------------------------------------ */

static volatile sig_atomic_t caught_signal;

static void on_signal(int sig)
{
	caught_signal = sig;
}

void ui_signals_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a key wait ends at once and sees the flag. */
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

int ui_signal_caught(void)
{
	return caught_signal;
}

/* Escape sequences terminals send whatever their terminfo entry says:
 * xterm's and the Linux console's function keys, PgUp/PgDn, Home/End. */
static const struct {
	const char *seq;
	int code;
} extra_keys[] = {
	{ "\033OP", KEY_F(1) }, { "\033OQ", KEY_F(2) }, { "\033OR", KEY_F(3) }, { "\033OS", KEY_F(4) },
	{ "\033[11~", KEY_F(1) }, { "\033[12~", KEY_F(2) }, { "\033[13~", KEY_F(3) },
	{ "\033[14~", KEY_F(4) }, { "\033[15~", KEY_F(5) }, { "\033[17~", KEY_F(6) },
	{ "\033[18~", KEY_F(7) }, { "\033[19~", KEY_F(8) }, { "\033[20~", KEY_F(9) },
	{ "\033[21~", KEY_F(10) }, { "\033[23~", KEY_F(11) }, { "\033[24~", KEY_F(12) },
	{ "\033[[A", KEY_F(1) }, { "\033[[B", KEY_F(2) }, { "\033[[C", KEY_F(3) },
	{ "\033[[D", KEY_F(4) }, { "\033[[E", KEY_F(5) },
	{ "\033[A", KEY_UP }, { "\033[B", KEY_DOWN }, { "\033[C", KEY_RIGHT }, { "\033[D", KEY_LEFT },
	{ "\033OA", KEY_UP }, { "\033OB", KEY_DOWN }, { "\033OC", KEY_RIGHT }, { "\033OD", KEY_LEFT },
	{ "\033[5~", KEY_PPAGE }, { "\033[6~", KEY_NPAGE }, { "\033[2~", KEY_IC },
	{ "\033[3~", KEY_DC }, { "\033[1~", KEY_HOME }, { "\033[4~", KEY_END },
	{ "\033[7~", KEY_HOME }, { "\033[8~", KEY_END }, { "\033[H", KEY_HOME },
	{ "\033[F", KEY_END }, { "\033OH", KEY_HOME }, { "\033OF", KEY_END }, { "\033[Z", KEY_BTAB },
};

static void keys_init(void)
{
	size_t i;

	for (i = 0; i < sizeof extra_keys / sizeof extra_keys[0]; i++)
		if (key_defined(extra_keys[i].seq) == 0)
			define_key(extra_keys[i].seq, extra_keys[i].code);
}

static double mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* One key from curses (or the one read ahead): OK/KEY_CODE_YES in *r. */
static int read_raw(ui *u, WINDOW *w, int ms, int *r, wint_t *wc)
{
	if (u->has_pending) {
		u->has_pending = 0;
		*r = u->pending_r;
		*wc = u->pending_wc;
		return 1;
	}
	wtimeout(w, ms);
	*r = wget_wch(w, wc);
	return *r != ERR;
}

static int key_of(int r, wint_t wc)
{
	if (r == KEY_CODE_YES)
		return (int)wc;
	/* Characters past Latin-1 would collide with KEY_* codes. */
	return wc < 256 ? (int)wc : (int)(wc | UI_WCHAR);
}

int ui_getkey(ui *u, int timeout_ms)
{
	double deadline = timeout_ms < 0 ? -1 : mono_ms() + timeout_ms;
	WINDOW *w;
	wint_t wc;
	int r, key;

	ui_flush(u);
	for (;;) {
		int slice = 1000;

		if (caught_signal)
			u->quit = 1;
		if (u->quit)
			return 27;   /* unwinding: every dialog closes */
		if (deadline >= 0) {
			double left = deadline - mono_ms();

			slice = left > 0 ? (int)left + 1 : 0;
		}
		if (u->tick && slice > UI_TICK_MS)
			slice = UI_TICK_MS;
		w = u->small ? u->w_small : u->w_bar;
		if (!read_raw(u, w, slice, &r, &wc)) {
			if (u->tick && !u->small) {
				u->tick(u);
				ui_flush(u);
			}
			if (deadline >= 0 && mono_ms() >= deadline)
				return ERR;
			continue;
		}
		if (r == KEY_CODE_YES && wc == KEY_RESIZE) {
			ui_layout(u);
			ui_redraw(u);
			if (u->small)
				continue;
			return KEY_RESIZE;
		}
		key = key_of(r, wc);
		if (key == 27) {
			/* Esc and a digit soon after: F1 .. F10 (Alt+digit sends the same). */
			if (read_raw(u, w, UI_ESC_DIGIT_MS, &r, &wc)) {
				if (r == OK && wc >= '0' && wc <= '9')
					key = KEY_F(wc == '0' ? 10 : (int)(wc - '0'));
				else {
					u->has_pending = 1;
					u->pending_r = r;
					u->pending_wc = wc;
				}
			}
		}
		if (u->small) {
			/* Nothing to act on until the screen is usable, but quitting. */
			if (key == 'q' || key == 'Q' || key == KEY_F(10))
				u->quit = 1;
			continue;
		}
		return key;
	}
}

void ui_push_layer(ui *u, void (*draw)(ui *, void *), void *ud)
{
	if (u->n_layers == UI_MAX_LAYERS)
		return;
	u->layers[u->n_layers].draw = draw;
	u->layers[u->n_layers].ud = ud;
	u->n_layers++;
}

void ui_pop_layer(ui *u)
{
	if (u->n_layers > 0)
		u->n_layers--;
}

/* ---- init and end -------------------------------------------------------- */

int ui_screen_init(ui *u)
{
	const char *cs = nl_langinfo(CODESET);

	u->utf8 = cs && strcmp(cs, "UTF-8") == 0;
	u->ascii = u->o->ascii || !u->utf8;
	if (!initscr())
		return mbx_error_set(MBX_ERROR, "can not initialise the terminal (TERM=%s); "
		                     "use the batch commands", getenv("TERM") ? getenv("TERM") : "");
	u->color = !u->o->no_color && has_colors();
	cbreak();
	noecho();
	nonl();
	curs_set(0);
	set_escdelay(25);
	keys_init();
	colors_init(u);
	refresh();
	ui_layout(u);
	return 0;
}

void ui_screen_end(ui *u)
{
	base_free(u);
	endwin();
}
