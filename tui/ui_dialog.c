/*
 * tui/ui_dialog.c - dialogs (see ui_dialog.h): panels for stacking, the
 * menu library for the Yes/No buttons, the form library for fields.
 */
#include "config.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <form.h>
#include <menu.h>

#include "mbx/common.h"
#include "mbx/text.h"
#include "ui_dialog.h"
#include "ui_text.h"

/* ---- placement ------------------------------------------------------------ */

void ui_dlg_place_at(ui *u, ui_dlg *d, int y, int x, int h, int wd, const char *title)
{
	if (h > u->rows - 2)
		h = u->rows - 2;
	if (wd > u->cols - 2)
		wd = u->cols - 2;
	if (h < 5)
		h = 5;
	/* Only while the terminal is below the minimum can it be smaller
	 * still; the too-small screen covers the dialog then. */
	if (h > u->rows)
		h = u->rows > 0 ? u->rows : 1;
	if (wd > u->cols)
		wd = u->cols > 0 ? u->cols : 1;
	if (y < 0 || y + h > u->rows)
		y = (u->rows - h) / 2 > 0 ? (u->rows - h) / 2 : 0;
	if (x < 0 || x + wd > u->cols)
		x = (u->cols - wd) / 2 > 0 ? (u->cols - wd) / 2 : 0;
	if (!d->w || d->h != h || d->wd != wd) {
		WINDOW *nw = newwin(h, wd, y, x);

		if (nw) {
			if (d->p)
				replace_panel(d->p, nw);
			else
				d->p = new_panel(nw);
			if (d->w)
				delwin(d->w);
			d->w = nw;
			d->h = h;
			d->wd = wd;
			keypad(nw, TRUE);
		}
	}
	if (!d->w)
		return;
	move_panel(d->p, y, x);
	top_panel(d->p);
	if (u->small && u->p_small)
		top_panel(u->p_small);
	werase(d->w);
	ui_box(u, d->w, title, 1);
}

void ui_dlg_place(ui *u, ui_dlg *d, int h, int wd, const char *title)
{
	ui_dlg_place_at(u, d, -1, -1, h, wd, title);
}

void ui_dlg_close(ui_dlg *d)
{
	if (d->p)
		del_panel(d->p);
	if (d->w)
		delwin(d->w);
	d->p = NULL;
	d->w = NULL;
}

/* ---- lines and wrapping ----------------------------------------------------- */

void ui_lines_add(ui_lines *l, const char *fmt, ...)
{
	va_list ap;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 32;
		l->v = mbx_reallocarray(l->v, l->cap, sizeof *l->v);
	}
	va_start(ap, fmt);
	l->v[l->n++] = mbx_vasprintf(fmt, ap);
	va_end(ap);
}

void ui_lines_free(ui_lines *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		mbx_free(l->v[i]);
	mbx_free(l->v);
	memset(l, 0, sizeof *l);
}

/* Wrap each line (cleaned first, so widths are what the screen shows) at
 * spaces to `width` columns.  Continuations hang under the first tab of
 * the line when it has one (key<TAB>meaning), else under its indentation. */
void ui_wrap(const ui *u, const ui_lines *in, int width, ui_lines *out)
{
	size_t i;

	for (i = 0; i < in->n; i++) {
		const char *tab = strchr(in->v[i], '\t');
		char *c, *p;
		int indent = 0;

		if (tab) {
			char *head = mbx_strndup(in->v[i], (size_t)(tab - in->v[i]));
			char *hc = ui_text(u, head, -1, &indent);
			char *tc = ui_text(u, tab + 1, -1, NULL);

			c = mbx_asprintf("%s%s", hc, tc);
			indent += tc[0] == ' ';
			mbx_free(head);
			mbx_free(hc);
			mbx_free(tc);
		} else {
			c = ui_text(u, in->v[i], -1, NULL);
			while (c[indent] == ' ')
				indent++;
			if (indent)
				indent += 2;   /* an indented item: hang under its text */
		}
		if (indent > width / 2)
			indent = 0;
		p = c;
		if (!*p)
			ui_lines_add(out, "%s", "");
		while (*p) {
			char *q = p, *last_space = NULL;
			int cols = 0, first = p == c;
			char save;

			while (*q) {
				char ch[8] = { 0 };
				size_t len = 1;
				int w;

				while (((unsigned char)q[len] & 0xC0) == 0x80 && len < 7)
					len++;
				memcpy(ch, q, len);
				w = mbx_text_width(ch);
				if (cols + w > width - (first ? 0 : indent) && q != p)
					break;
				if (*q == ' ')
					last_space = q;
				cols += w;
				q += len;
			}
			if (*q && last_space && last_space > p)
				q = last_space;
			save = *q;
			*q = '\0';
			ui_lines_add(out, "%*s%s", first ? 0 : indent, "", p);
			*q = save;
			while (*q == ' ')
				q++;
			p = q;
		}
		mbx_free(c);
	}
}

/* ---- the pager --------------------------------------------------------------- */

typedef struct pager {
	const char *title, *footer;
	const ui_lines *in;
	ui_lines wrapped;
	size_t top;
	int view;   /* rows of text inside */
	ui_dlg d;
} pager;

static void pager_draw(ui *u, void *ud)
{
	pager *pg = ud;
	int wd = u->cols - 4 > 96 ? 96 : u->cols - 4, inner = wd - 4, h, y;
	char more[32];

	ui_lines_free(&pg->wrapped);
	ui_wrap(u, pg->in, inner, &pg->wrapped);
	h = (int)pg->wrapped.n + 4;
	if (h > u->rows - 2)
		h = u->rows - 2;
	ui_dlg_place(u, &pg->d, h, wd, pg->title);
	pg->view = pg->d.h - 4;
	if (pg->top + (size_t)pg->view > pg->wrapped.n)
		pg->top = pg->wrapped.n > (size_t)pg->view ? pg->wrapped.n - (size_t)pg->view : 0;
	for (y = 0; y < pg->view; y++) {
		size_t k = pg->top + (size_t)y;

		ui_text_put(u, pg->d.w, 1 + y, 2, k < pg->wrapped.n ? pg->wrapped.v[k] : "",
		            pg->d.wd - 4, 0, A_NORMAL);
	}
	if (pg->wrapped.n > (size_t)pg->view)
		snprintf(more, sizeof more, " %zu-%zu/%zu ", pg->top + 1,
		         pg->top + (size_t)pg->view, pg->wrapped.n);
	else
		more[0] = '\0';
	ui_text_put(u, pg->d.w, pg->d.h - 2, 2, pg->footer ? pg->footer : "Esc/Enter close",
	            pg->d.wd - 4 - (int)strlen(more), 0, A_BOLD);
	ui_text_put(u, pg->d.w, pg->d.h - 2, pg->d.wd - 2 - (int)strlen(more), more,
	            (int)strlen(more), 0, A_NORMAL);
}

static int in_keys(const int *keys, int ch)
{
	if (!keys)
		return ch == 27 || ch == 'q' || ch == '\n' || ch == '\r' || ch == KEY_ENTER ||
		       ch == KEY_F(10);
	for (; *keys; keys++)
		if (*keys == ch)
			return 1;
	return 0;
}

int ui_pager(ui *u, const char *title, const ui_lines *l, const char *footer, const int *keys)
{
	pager pg;
	int ch;

	memset(&pg, 0, sizeof pg);
	pg.title = title;
	pg.footer = footer;
	pg.in = l;
	ui_push_layer(u, pager_draw, &pg);
	for (;;) {
		size_t n, page;

		pager_draw(u, &pg);
		ch = ui_getkey(u, -1);
		n = pg.wrapped.n;
		page = pg.view > 1 ? (size_t)pg.view - 1 : 1;
		if (in_keys(keys, ch))
			break;
		switch (ch) {
		case KEY_UP: case 'k':
			if (pg.top)
				pg.top--;
			break;
		case KEY_DOWN: case 'j':
			if (pg.top + (size_t)pg.view < n)
				pg.top++;
			break;
		case KEY_PPAGE:
			pg.top = pg.top > page ? pg.top - page : 0;
			break;
		case KEY_NPAGE: case ' ':
			pg.top += page;
			break;
		case KEY_HOME: case 'g':
			pg.top = 0;
			break;
		case KEY_END: case 'G':
			pg.top = n;
			break;
		}
	}
	ui_pop_layer(u);
	ui_dlg_close(&pg.d);
	ui_lines_free(&pg.wrapped);
	ui_flush(u);
	return ch;
}

/* ---- Yes / No ------------------------------------------------------------------ */

typedef struct confirm {
	const char *title;
	ui_lines text;
	ui_lines wrapped;
	ui_dlg d;
	MENU *m;
	ITEM *items[8];
	WINDOW *sub;
	int n, bw;             /* buttons, their row's width */
} confirm;

static void confirm_draw(ui *u, void *ud)
{
	confirm *c = ud;
	int wd = u->cols - 4 > 72 ? 72 : u->cols - 4, y, h;

	ui_lines_free(&c->wrapped);
	ui_wrap(u, &c->text, wd - 4, &c->wrapped);
	h = (int)c->wrapped.n + 5 - 1;
	if (c->m)
		unpost_menu(c->m);
	if (c->sub)
		delwin(c->sub);
	c->sub = NULL;
	ui_dlg_place(u, &c->d, h, wd, c->title);
	for (y = 0; y < c->d.h - 4 && (size_t)y < c->wrapped.n; y++)
		ui_text_put(u, c->d.w, 1 + y, 2, c->wrapped.v[y], c->d.wd - 4, 0, A_NORMAL);
	c->sub = derwin(c->d.w, 1, c->bw, c->d.h - 2, (c->d.wd - c->bw) / 2);
	set_menu_win(c->m, c->d.w);
	set_menu_sub(c->m, c->sub);
	post_menu(c->m);
}

/* Buttons labels[0..n-1], def highlighted first; the first letter of a
 * label takes it.  Returns its index, -1 on Esc. */
static int choose_run(ui *u, const char *title, const char *text, const char *const *labels,
                      int n, int def)
{
	confirm c;
	char *names[8];
	int ch, pick = -1, i;

	memset(&c, 0, sizeof c);
	c.title = title;
	c.n = n > 7 ? 7 : n;
	ui_lines_add(&c.text, "%s", text);
	for (i = 0; i < c.n; i++) {
		names[i] = mbx_asprintf(" %s ", labels[i]);
		c.items[i] = new_item(names[i], "");
		c.bw += (int)strlen(names[i]) + (i ? 4 : 0);
	}
	c.m = new_menu(c.items);
	set_menu_format(c.m, 1, c.n);
	set_menu_mark(c.m, "");
	menu_opts_off(c.m, O_SHOWDESC);
	set_menu_spacing(c.m, 0, 1, 4);
	confirm_draw(u, &c);
	if (def >= 0 && def < c.n)
		set_current_item(c.m, c.items[def]);
	ui_push_layer(u, confirm_draw, &c);
	for (;;) {
		ui_flush(u);
		ch = ui_getkey(u, -1);
		if (ch == 27)
			break;
		if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
			pick = item_index(current_item(c.m));
			break;
		}
		for (i = 0; i < c.n && c.n > 1; i++)
			if (ch < 128 && ch > 32 && (labels[i][0] | 32) == (ch | 32))
				pick = i;
		if (pick >= 0)
			break;
		if (ch == KEY_LEFT || ch == KEY_BTAB || ch == 'h')
			menu_driver(c.m, REQ_LEFT_ITEM);
		else if (ch == KEY_RIGHT || ch == '\t' || ch == 'l')
			menu_driver(c.m, REQ_RIGHT_ITEM);
	}
	ui_pop_layer(u);
	unpost_menu(c.m);
	free_menu(c.m);
	for (i = 0; i < c.n; i++) {
		free_item(c.items[i]);
		mbx_free(names[i]);
	}
	if (c.sub)
		delwin(c.sub);
	ui_dlg_close(&c.d);
	ui_lines_free(&c.text);
	ui_lines_free(&c.wrapped);
	ui_flush(u);
	return pick;
}

int ui_choose(ui *u, const char *title, const char *text, const char *const *labels, int n,
              int def)
{
	return choose_run(u, title, text, labels, n, def);
}

int ui_confirm(ui *u, const char *title, const char *text, int def_yes)
{
	static const char *const yn[] = { "Yes", "No" };

	return choose_run(u, title, text, yn, 2, def_yes ? 0 : 1) == 0;
}

void ui_message(ui *u, const char *title, const char *text)
{
	static const char *const ok[] = { " OK " };

	choose_run(u, title, text, ok, 1, 0);
}

/* ---- forms ------------------------------------------------------------------------ */

#define FORM_W 76

typedef struct formdlg {
	const char *title;
	ui_lines intro, wrapped;
	ui_field_spec *spec;
	size_t n;
	FIELD **fields;
	FORM *form;
	WINDOW *sub;
	int label_w;
	ui_dlg d;
} formdlg;

static void form_draw(ui *u, void *ud)
{
	formdlg *f = ud;
	int y, h;
	size_t i;

	ui_lines_free(&f->wrapped);
	ui_wrap(u, &f->intro, FORM_W - 4, &f->wrapped);
	h = (int)f->wrapped.n + (int)f->n + 5;
	if (f->form)
		unpost_form(f->form);
	if (f->sub)
		delwin(f->sub);
	f->sub = NULL;
	ui_dlg_place(u, &f->d, h, FORM_W, f->title);
	for (y = 0; (size_t)y < f->wrapped.n; y++)
		ui_text_put(u, f->d.w, 1 + y, 2, f->wrapped.v[y], FORM_W - 4, 0, A_NORMAL);
	for (i = 0; i < f->n; i++)
		ui_text_put(u, f->d.w, 2 + y + (int)i, 2, f->spec[i].label, f->label_w, 0, A_BOLD);
	ui_text_put(u, f->d.w, f->d.h - 2, 2,
	            "Tab/Up/Down: next field  ^U: clear  Enter: OK  Esc: cancel",
	            FORM_W - 4, 0, A_NORMAL);
	f->sub = derwin(f->d.w, (int)f->n, FORM_W - 5 - f->label_w, 2 + y, 3 + f->label_w);
	set_form_win(f->form, f->d.w);
	set_form_sub(f->form, f->sub);
	post_form(f->form);
	curs_set(1);
	pos_form_cursor(f->form);
}

static char *field_value(FIELD *fl)
{
	char *s = mbx_strdup(field_buffer(fl, 0));
	size_t len = strlen(s);

	while (len && s[len - 1] == ' ')
		s[--len] = '\0';
	return s;
}

int ui_form(ui *u, const char *title, const char *intro, ui_field_spec *spec, size_t n)
{
	formdlg f;
	int ch, ok = 0;
	size_t i;

	memset(&f, 0, sizeof f);
	f.title = title;
	f.spec = spec;
	f.n = n;
	if (intro)
		ui_lines_add(&f.intro, "%s", intro);
	for (i = 0; i < n; i++) {
		int lw = mbx_text_width(spec[i].label);

		if (lw > f.label_w)
			f.label_w = lw;
	}
	if (f.label_w > 24)
		f.label_w = 24;
	f.fields = mbx_calloc(n + 1, sizeof *f.fields);
	for (i = 0; i < n; i++) {
		f.fields[i] = new_field(1, FORM_W - 5 - f.label_w, (int)i, 0, 0, 0);
		field_opts_off(f.fields[i], O_STATIC | O_AUTOSKIP | O_BLANK);
		set_max_field(f.fields[i], 4096);
		set_field_back(f.fields[i], A_UNDERLINE);
		set_field_buffer(f.fields[i], 0, spec[i].value ? spec[i].value : "");
	}
	f.form = new_form(f.fields);
	form_draw(u, &f);
	form_driver(f.form, REQ_END_LINE);
	ui_push_layer(u, form_draw, &f);
	for (;;) {
		ui_flush(u);
		ch = ui_getkey(u, -1);
		if (ch == KEY_RESIZE)
			continue;
		if (ch == 27)
			break;
		if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
			ok = form_driver(f.form, REQ_VALIDATION) == E_OK;
			if (ok)
				break;
			continue;
		}
		switch (ch) {
		case '\t': case KEY_DOWN:
			form_driver(f.form, REQ_NEXT_FIELD);
			form_driver(f.form, REQ_END_LINE);
			break;
		case KEY_BTAB: case KEY_UP:
			form_driver(f.form, REQ_PREV_FIELD);
			form_driver(f.form, REQ_END_LINE);
			break;
		case KEY_LEFT: form_driver(f.form, REQ_PREV_CHAR); break;
		case KEY_RIGHT: form_driver(f.form, REQ_NEXT_CHAR); break;
		case KEY_HOME: case 1: form_driver(f.form, REQ_BEG_LINE); break;
		case KEY_END: case 5: form_driver(f.form, REQ_END_LINE); break;
		case KEY_BACKSPACE: case 127: case 8: form_driver(f.form, REQ_DEL_PREV); break;
		case KEY_DC: form_driver(f.form, REQ_DEL_CHAR); break;
		case 21: form_driver(f.form, REQ_CLR_FIELD); break;
		default:
			if (ch & UI_WCHAR)
				form_driver_w(f.form, OK, (wchar_t)(ch & ~UI_WCHAR));
			else if (ch >= 32 && ch < 256 && ch != 127)
				form_driver_w(f.form, OK, (wchar_t)ch);
		}
	}
	if (ok)
		for (i = 0; i < n; i++) {
			mbx_free(spec[i].value);
			spec[i].value = field_value(f.fields[i]);
		}
	ui_pop_layer(u);
	curs_set(0);
	unpost_form(f.form);
	free_form(f.form);
	for (i = 0; i < n; i++)
		free_field(f.fields[i]);
	mbx_free(f.fields);
	if (f.sub)
		delwin(f.sub);
	ui_dlg_close(&f.d);
	ui_lines_free(&f.intro);
	ui_lines_free(&f.wrapped);
	ui_flush(u);
	return ok;
}
