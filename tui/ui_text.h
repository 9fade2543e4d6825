/*
 * tui/ui_text.h - drawing outside text: every string passes through
 * mbx_text_clean (no raw control characters reach the terminal), is
 * clipped by display columns and padded so that columns line up whatever
 * the mix of wide, combining and right-to-left characters.
 */
#ifndef MBX_UI_TEXT_H
#define MBX_UI_TEXT_H

#include "ui_screen.h"

/* A cleaned copy of s, at most maxcols columns (<0 no limit); *cols gets
 * its width.  Caller frees. */
char *ui_text(const ui *u, const char *s, int maxcols, int *cols);
/* Draw s at (y, x) in exactly `width` columns: clipped with an ellipsis
 * and padded with spaces (right-aligned when right != 0). */
void ui_text_put(const ui *u, WINDOW *w, int y, int x, const char *s, int width,
                 int right, chtype attr);
/* Like ui_text, but a text too wide loses its middle ("Sales EMEA…North"),
 * not its end: the start and the end together tell most names apart. */
char *ui_text_mid(const ui *u, const char *s, int maxcols, int *cols);
/* ui_text_put of ui_text_mid's text, left-aligned and padded. */
void ui_text_put_mid(const ui *u, WINDOW *w, int y, int x, const char *s, int width, chtype attr);
/* Draw the first of n texts (long to short forms of one line) that fits
 * in width columns, padded (the last one cut when none fits). */
void ui_text_fit(const ui *u, WINDOW *w, int y, int x, int width, chtype attr,
                 const char *const *alts, size_t n);
/* Like ui_text_put for a printf-formatted program string. */
void ui_text_putf(const ui *u, WINDOW *w, int y, int x, int width, chtype attr,
                  const char *fmt, ...) __attribute__((format(printf, 7, 8)));
/* A progress bar of `width` cells for done/total. */
void ui_text_bar(const ui *u, WINDOW *w, int y, int x, int width, int64_t done, int64_t total);

#endif
