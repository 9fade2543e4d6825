/*
 * tui/ui_text.c - sanitized, column-exact text drawing (see ui_text.h).
 */
#include "config.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mbx/common.h"
#include "mbx/text.h"
#include "ui_text.h"

char *ui_text(const ui *u, const char *s, int maxcols, int *cols)
{
	unsigned flags = MBX_TEXT_ELLIPSIS | (u->utf8 ? 0 : MBX_TEXT_ASCII);

	return mbx_text_clean(s, maxcols, flags, cols);
}

/* Width of the UTF-8 character at s; *len gets its bytes. */
static int char_cols(const char *s, size_t *len)
{
	char ch[8] = { 0 };
	size_t n = 1;

	while (((unsigned char)s[n] & 0xC0) == 0x80 && n < 7)
		n++;
	memcpy(ch, s, n);
	*len = n;
	return mbx_text_width(ch);
}

char *ui_text_mid(const ui *u, const char *s, int maxcols, int *cols)
{
	char *c = ui_text(u, s, -1, NULL), *out;
	const char *dots = u->utf8 ? "\xe2\x80\xa6" : "~";
	int w = mbx_text_width(c), head, tail, hc = 0, tc = 0;
	size_t hb = 0, tb, len = strlen(c), l;

	if (w <= maxcols || maxcols < 16) {
		mbx_free(c);
		return ui_text(u, s, maxcols, cols);
	}
	/* The start names most; the end often tells apart what starts alike
	 * ("Sales EMEA North" / "... South"). */
	head = (maxcols - 1) * 2 / 3;
	tail = maxcols - 1 - head;
	while (c[hb]) {
		int cw = char_cols(c + hb, &l);

		if (hc + cw > head)
			break;
		hc += cw;
		hb += l;
	}
	tb = len;
	while (tb > hb) {
		size_t p = tb - 1;
		int cw;

		while (p > hb && ((unsigned char)c[p] & 0xC0) == 0x80)
			p--;
		cw = char_cols(c + p, &l);
		if (tc + cw > tail)
			break;
		tc += cw;
		tb = p;
	}
	out = mbx_asprintf("%.*s%s%s", (int)hb, c, dots, c + tb);
	if (cols)
		*cols = hc + 1 + tc;
	mbx_free(c);
	return out;
}

void ui_text_put_mid(const ui *u, WINDOW *w, int y, int x, const char *s, int width, chtype attr)
{
	int cols = 0;
	char *t;

	if (width <= 0)
		return;
	t = ui_text_mid(u, s, width, &cols);
	wattrset(w, attr);
	wmove(w, y, x);
	waddstr(w, t);
	while (cols++ < width)
		waddch(w, ' ');
	wattrset(w, A_NORMAL);
	mbx_free(t);
}

/* The first of the texts that fits in width columns (the last one, cut,
 * when none does): a long and a short form of the same line. */
void ui_text_fit(const ui *u, WINDOW *w, int y, int x, int width, chtype attr,
                 const char *const *alts, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i++) {
		char *t = ui_text(u, alts[i], -1, NULL);
		int fits = mbx_text_width(t) <= width;

		mbx_free(t);
		if (fits)
			break;
	}
	ui_text_put(u, w, y, x, alts[i], width, 0, attr);
}

static void pad(WINDOW *w, int n)
{
	while (n-- > 0)
		waddch(w, ' ');
}

void ui_text_put(const ui *u, WINDOW *w, int y, int x, const char *s, int width,
                 int right, chtype attr)
{
	char *t;
	int cols = 0;

	if (width <= 0)
		return;
	t = ui_text(u, s, width, &cols);
	wattrset(w, attr);
	wmove(w, y, x);
	if (right)
		pad(w, width - cols);
	waddstr(w, t);
	if (!right)
		pad(w, width - cols);
	wattrset(w, A_NORMAL);
	mbx_free(t);
}

void ui_text_putf(const ui *u, WINDOW *w, int y, int x, int width, chtype attr,
                  const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = mbx_vasprintf(fmt, ap);
	va_end(ap);
	ui_text_put(u, w, y, x, s, width, 0, attr);
	mbx_free(s);
}

void ui_text_bar(const ui *u, WINDOW *w, int y, int x, int width, int64_t done, int64_t total)
{
	int inner = width - 2, fill, i;
	char pct[8];

	if (inner < 1)
		return;
	if (total <= 0)
		fill = done > 0 ? inner : 0;
	else
		fill = (int)((double)(done > total ? total : done) * inner / (double)total);
	snprintf(pct, sizeof pct, "%3d%%", total > 0 ? (int)(done * 100 / (total ? total : 1)) : 0);
	wmove(w, y, x);
	waddch(w, '[');
	for (i = 0; i < inner; i++) {
		int in_pct = inner >= 8 && i >= (inner - 4) / 2 && i < (inner - 4) / 2 + 4;
		chtype c = in_pct ? (chtype)(unsigned char)pct[i - (inner - 4) / 2] : (i < fill ? '#' : '.');

		waddch(w, c | (i < fill ? ui_attr(u, UI_C_BAR) : A_NORMAL));
	}
	waddch(w, ']');
}
