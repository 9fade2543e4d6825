/*
 * tui/ui_logview.c - the session log full screen (l): every line the log
 * pane keeps, wrapped to the width (w: cut instead), scrolled, searched
 * (/ text, n next, N previous); new lines come in while it is open and it
 * follows them when it is at the end.
 */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <wchar.h>

#include "mbx/common.h"
#include "mbx/text.h"
#include "ui_dialog.h"
#include "ui_logview.h"
#include "ui_text.h"

typedef struct logview {
	ui_dlg d;
	ui_lines wrapped;
	size_t *src;            /* the log line each wrapped line comes from */
	size_t n_src_built;     /* log lines wrapped so far */
	int width, wrap;
	size_t top;
	int rows;               /* text rows */
	int follow;             /* at the end: stay there as lines come */
	int searching;
	char search[128];
	size_t hit;             /* log line of the current match, UI_NONE */
	char note[128];
} logview;

static void lv_reset(logview *v)
{
	ui_lines_free(&v->wrapped);
	mbx_free(v->src);
	v->src = NULL;
	v->n_src_built = 0;
}

/* Wrap the log lines not wrapped yet (all of them after a resize). */
static void lv_build(ui *u, logview *v)
{
	size_t i, k;

	if (v->n_src_built > u->n_log)   /* the oldest lines were dropped */
		lv_reset(v);
	for (i = v->n_src_built; i < u->n_log; i++) {
		ui_lines one = { 0 }, out = { 0 };

		ui_lines_add(&one, "%s", u->log[i]);
		if (v->wrap)
			ui_wrap(u, &one, v->width, &out);
		else
			ui_lines_add(&out, "%s", u->log[i]);
		v->src = mbx_reallocarray(v->src, v->wrapped.n + out.n + 1, sizeof *v->src);
		for (k = 0; k < out.n; k++) {
			v->src[v->wrapped.n] = i;
			ui_lines_add(&v->wrapped, "%s", out.v[k]);
		}
		ui_lines_free(&one);
		ui_lines_free(&out);
	}
	v->n_src_built = u->n_log;
}

static size_t lv_max_top(const logview *v)
{
	return v->wrapped.n > (size_t)v->rows ? v->wrapped.n - (size_t)v->rows : 0;
}

static void lv_draw(ui *u, void *ud)
{
	logview *v = ud;
	int y, W;
	char title[96], pos[48];

	ui_dlg_place_at(u, &v->d, 0, 0, u->rows, u->cols, "");
	W = v->d.wd - 2;
	if (W != v->width) {
		lv_reset(v);
		v->width = W;
	}
	lv_build(u, v);
	v->rows = v->d.h - 3;
	if (v->follow)
		v->top = lv_max_top(v);
	if (v->top > lv_max_top(v))
		v->top = lv_max_top(v);
	snprintf(title, sizeof title, "Session log (%zu lines, %s)", u->n_log,
	         v->wrap ? "wrapped" : "cut at the edge");
	ui_box(u, v->d.w, title, 1);
	for (y = 0; y < v->rows; y++) {
		size_t k = v->top + (size_t)y;
		chtype a = A_NORMAL;

		if (k < v->wrapped.n && v->hit != UI_NONE && v->src[k] == v->hit)
			a = A_REVERSE;
		else if (k < v->wrapped.n && (strstr(u->log[v->src[k]], "MSEMS") ||
		                              strstr(u->log[v->src[k]], "rror")))
			a = ui_attr(u, UI_C_ORPHAN);
		ui_text_put(u, v->d.w, 1 + y, 1, k < v->wrapped.n ? v->wrapped.v[k] : "", W, 0, a);
	}
	snprintf(pos, sizeof pos, " %zu-%zu/%zu ", v->wrapped.n ? v->top + 1 : 0,
	         v->top + (size_t)v->rows < v->wrapped.n ? v->top + (size_t)v->rows : v->wrapped.n,
	         v->wrapped.n);
	if (v->searching)
		ui_text_putf(u, v->d.w, v->d.h - 2, 1, W - (int)strlen(pos), A_BOLD,
		             "Search: %s_  %s", v->search, v->note[0] ? v->note :
		             "(Enter keeps, Esc cancels)");
	else if (v->note[0])
		ui_text_put(u, v->d.w, v->d.h - 2, 1, v->note, W - (int)strlen(pos), 0,
		            ui_attr(u, UI_C_WARN));
	else {
		const char *const foot[] = {
			"Up/Down PgUp/PgDn Home/End scroll  / search  n/N next/previous  w wrap  "
			"Esc/q close",
			"Up/Down/PgUp/PgDn  / search  n/N next/prev  w wrap  Esc close",
			"/ search  n/N  w wrap  Esc close"
		};

		ui_text_fit(u, v->d.w, v->d.h - 2, 1, W - (int)strlen(pos), A_BOLD, foot, 3);
	}
	ui_text_put(u, v->d.w, v->d.h - 2, W + 1 - (int)strlen(pos), pos, (int)strlen(pos), 0,
	            A_NORMAL);
}

/* The next log line from `from` (dir +1 / -1, wrapping) that holds the
 * search text; 1 found (shown), 0 not. */
static int lv_find(ui *u, logview *v, size_t from, int dir)
{
	size_t k, i, n = u->n_log;

	if (!v->search[0] || !n)
		return 0;
	for (k = 0; k < n; k++) {
		i = dir > 0 ? (from + k) % n : (from + n - k % n) % n;
		if (strcasestr(u->log[i], v->search)) {
			size_t j;

			v->hit = i;
			lv_build(u, v);
			for (j = 0; j < v->wrapped.n && v->src[j] != i; j++)
				;
			v->top = j > (size_t)v->rows / 2 ? j - (size_t)v->rows / 2 : 0;
			v->follow = 0;
			return 1;
		}
	}
	return 0;
}

static void lv_search_key(ui *u, logview *v, int ch)
{
	size_t len = strlen(v->search);

	if (ch == 27) {
		v->searching = 0;
		v->search[0] = '\0';
		v->hit = UI_NONE;
	} else if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
		v->searching = 0;
	} else if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
		while (len && ((unsigned char)v->search[len - 1] & 0xC0) == 0x80)
			len--;
		if (len)
			len--;
		v->search[len] = '\0';
	} else if ((ch & UI_WCHAR) || (ch >= 32 && ch < 256 && ch != 127)) {
		char buf[8];
		wchar_t wc = (wchar_t)(ch & ~UI_WCHAR);
		mbstate_t ps;
		size_t k;

		memset(&ps, 0, sizeof ps);
		k = wcrtomb(buf, wc, &ps);
		if (k != (size_t)-1 && len + k + 1 < sizeof v->search) {
			memcpy(v->search + len, buf, k);
			v->search[len + k] = '\0';
		}
	} else {
		return;
	}
	if (v->searching && v->search[0] &&
	    !lv_find(u, v, v->hit != UI_NONE ? v->hit : 0, 1)) {
		snprintf(v->note, sizeof v->note, "no line holds \"%.80s\"", v->search);
		v->hit = UI_NONE;
	}
}

void ui_logview(ui *u)
{
	logview v;
	int ch;

	memset(&v, 0, sizeof v);
	v.wrap = 1;
	v.follow = 1;
	v.hit = UI_NONE;
	ui_log_drain(u);
	ui_push_layer(u, lv_draw, &v);
	for (;;) {
		size_t page;

		lv_draw(u, &v);
		ch = ui_getkey(u, 500);
		if (ch == ERR) {
			ui_log_drain(u);   /* an export's lines come in meanwhile */
			continue;
		}
		if (ch == KEY_RESIZE)
			continue;
		v.note[0] = '\0';
		if (v.searching) {
			lv_search_key(u, &v, ch);
			if (!v.searching)
				v.note[0] = '\0';
			continue;
		}
		page = v.rows > 1 ? (size_t)v.rows - 1 : 1;
		if (ch == 27 || ch == 'q' || ch == KEY_F(10) || ch == 'l' || ch == KEY_F(3))
			break;
		v.follow = 0;
		switch (ch) {
		case KEY_UP: case 'k':
			if (v.top)
				v.top--;
			break;
		case KEY_DOWN: case 'j': case '\n': case '\r': case KEY_ENTER:
			v.top++;
			break;
		case KEY_PPAGE: case 'b':
			v.top = v.top > page ? v.top - page : 0;
			break;
		case KEY_NPAGE: case ' ':
			v.top += page;
			break;
		case KEY_HOME: case 'g':
			v.top = 0;
			break;
		case KEY_END: case 'G':
			v.follow = 1;
			break;
		case 'w':
			v.wrap = !v.wrap;
			lv_reset(&v);
			break;
		case '/':
			v.searching = 1;
			v.search[0] = '\0';
			v.hit = UI_NONE;
			break;
		case 'n': case 'N':
			if (!v.search[0])
				snprintf(v.note, sizeof v.note, "no search yet: / searches");
			else if (!lv_find(u, &v, v.hit == UI_NONE ? 0 : ch == 'n' ? v.hit + 1 :
			                  v.hit + u->n_log - 1, ch == 'n' ? 1 : -1))
				snprintf(v.note, sizeof v.note, "no line holds \"%.80s\"", v.search);
			break;
		default:
			snprintf(v.note, sizeof v.note, "not a key of the log viewer: Esc closes it");
		}
		if (v.top >= lv_max_top(&v)) {
			v.top = lv_max_top(&v);
			v.follow = 1;
		}
	}
	ui_pop_layer(u);
	ui_dlg_close(&v.d);
	lv_reset(&v);
	ui_redraw(u);
}
