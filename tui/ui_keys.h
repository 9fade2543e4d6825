/*
 * tui/ui_keys.h - the console's one key table, tmux's cmd_entry habit:
 * each entry has its key codes (an F-key and its letter alternatives), a
 * short key-bar label, its help line, the context where it applies and its
 * handler.  Generated from it: the key bar (ui_draw_bar), the help screen
 * (ui_help), the main screen's dispatch (ui_key_main) and which keys work
 * while only the first page is loaded (ui_first_page_key).
 *
 * KEY_RESIZE is not in the table: ui_getkey handles it, and only there.
 */
#ifndef MBX_UI_KEYS_H
#define MBX_UI_KEYS_H

#include "ui_screen.h"

/* Where an entry's keys apply. */
enum {
	UI_KC_MAIN = 0,   /* the main screen, the two panels: ui_key_main calls fn */
	/* Inside a dialog.  Each dialog reads these in its own loop (fn is
	 * NULL); the table describes them for the help. */
	UI_KC_DIALOG,     /* any dialog */
	UI_KC_FORM,       /* a form of fields (export destination, import, ...) */
	UI_KC_ADJUST,     /* the adjuster's plan */
	UI_KC_WALK,       /* the guided walkthrough */
	UI_KC_COUNT
};

/* The help screen's headings, in their order. */
enum {
	UI_KG_ACTIONS = 0,
	UI_KG_SEARCH,
	UI_KG_MOVE,
	UI_KG_MARKS,
	UI_KG_DIALOGS,
	UI_KG_COUNT
};

/* Whether a main-screen key can act while only the first page of each list
 * is loaded (ui_first_page_key); the others wait for the full lists. */
enum {
	UI_KP_WAIT = 0,
	UI_KP_ALWAYS,
	UI_KP_NEXT_ROW    /* when the next row of the focused list is loaded */
};

#define UI_KEY_CODES 5

typedef struct ui_key_entry {
	/* The codes, 0-terminated, in the order the help names them; the bar
	 * names the first F-key and the first other code ("F2/a"). */
	int keys[UI_KEY_CODES];
	const char *bar;       /* key-bar label; NULL: not on the bar */
	const char *help;      /* the help screen's line */
	int ctx;               /* UI_KC_* */
	int group;             /* UI_KG_*: the help's heading */
	int first_page;        /* UI_KP_* (main screen only) */
	void (*fn)(ui *u);     /* the handler (main screen only) */
	const char *bar_short; /* the bar's label when the long ones do not fit
	                        * (80 columns); NULL: the same */
} ui_key_entry;

/* The table.  The bar shows the entries with a label in table order; the
 * help lists every entry under its group's heading in table order. */
extern const ui_key_entry ui_keys[];
extern const size_t ui_n_keys;
extern const char *const ui_key_group_title[UI_KG_COUNT];

/* The entry of context ctx that `ch` belongs to, or NULL. */
const ui_key_entry *ui_key_find(int ctx, int ch);
/* One code's name: "F2", "a", "PgUp", "Enter", "Space", "^L". */
const char *ui_key_name(int code, char *buf, size_t len);
/* All of an entry's codes as the help shows them: "F1  ? h", "Up  k". */
void ui_key_names(const ui_key_entry *k, char *buf, size_t len);
/* The bar's name of an entry: "F2/a" (wide: every width the console runs
 * at), "F2" (narrow), "w" (no F-key). */
void ui_key_bar_name(const ui_key_entry *k, int wide, char *buf, size_t len);
/* The help line of an entry, prefixed with its dialog ("adjuster: ..."). */
void ui_key_help(const ui_key_entry *k, char *buf, size_t len);
/* One key of the main screen: the open search's text input, or the
 * table's handler for it; a key the table does not know gets a hint in
 * the status line.  0 once it was quit. */
int ui_key_main(ui *u, int ch);

#endif
