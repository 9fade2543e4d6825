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
