/*
 * tui/ui_dialog.h - dialogs on panels above the screen: a scrollable text
 * viewer, Yes/No confirmation (menu library), forms of labelled fields
 * (form library).  Each dialog pushes a layer so that a resize redraws
 * it centred on the new screen; the caller's loop just reads keys.
 */
#ifndef MBX_UI_DIALOG_H
#define MBX_UI_DIALOG_H

#include "ui_screen.h"

typedef struct ui_dlg {
	WINDOW *w;
	PANEL *p;
	int h, wd;
} ui_dlg;

/* (Re)create d centred, h x wd clamped to the screen, border and title
 * drawn; the inside is erased. */
void ui_dlg_place(ui *u, ui_dlg *d, int h, int wd, const char *title);
/* The same at (y, x); -1 centres. */
void ui_dlg_place_at(ui *u, ui_dlg *d, int y, int x, int h, int wd, const char *title);
void ui_dlg_close(ui_dlg *d);

/* Text lines (wrapped to the dialog width when drawn; every line passes
 * through the sanitizer).  Owned by the caller. */
typedef struct ui_lines {
	char **v;
	size_t n, cap;
} ui_lines;
void ui_lines_add(ui_lines *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ui_lines_free(ui_lines *l);
/* Clean each line and wrap it at spaces to `width` columns into out. */
void ui_wrap(const ui *u, const ui_lines *in, int width, ui_lines *out);

/*
 * Show lines in a scrollable dialog until a key in `keys` (or Esc / q /
 * Enter when keys is NULL) is pressed; returns that key.  footer is the
 * last line (which keys do what).
 */
int ui_pager(ui *u, const char *title, const ui_lines *l, const char *footer, const int *keys);
/* Yes/No on a menu; Enter takes the highlighted button, which starts on
 * No unless def_yes.  1 yes, 0 no (Esc is no). */
int ui_confirm(ui *u, const char *title, const char *text, int def_yes);
/* Buttons labels[0..n-1] (up to 7), def highlighted first; Enter takes the
 * highlighted one, its first letter takes one at once.  Its index, or -1
 * on Esc. */
int ui_choose(ui *u, const char *title, const char *text, const char *const *labels, int n,
              int def);
/* A message with an OK button. */
void ui_message(ui *u, const char *title, const char *text);

/* A form: n labelled one-line fields.  value is in/out (owned, replaced).
 * Tab/Up/Down move between fields, ^U clears a field, Enter accepts (1),
 * Esc cancels (0). */
typedef struct ui_field_spec {
	const char *label;
	char *value;
} ui_field_spec;
int ui_form(ui *u, const char *title, const char *intro, ui_field_spec *f, size_t n);

#endif
