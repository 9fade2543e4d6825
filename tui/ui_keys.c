/*
 * tui/ui_keys.c - the console's key table and what is generated from it
 * (see ui_keys.h).
 */
#include "config.h"
#include <stdio.h>
#include <string.h>

#include "mbx/check.h"
#include "ui_adjust.h"
#include "ui_dialog.h"
#include "ui_export.h"
#include "ui_help.h"
#include "ui_import.h"
#include "ui_keys.h"
#include "ui_logview.h"
#include "ui_panels.h"
#include "ui_plan.h"
#include "ui_job.h"
#include "ui_walk.h"

/* ---- the handlers that are not a screen's own function ---------------------- */

static void key_quit(ui *u)
{
	if (ui_job_running(u) &&
	    !ui_confirm(u, "Quit?", "An export is running. Quit anyway? It stops cleanly (no "
	                "partial PST is left) and the next start offers to resume it.", 0))
		return;
	u->quit = 1;
}

static void key_adjust(ui *u)
{
	ui_adjust(u, MBX_ADJ_CREATE_MAILBOXES, NULL);
}

static void key_fixup(ui *u)
{
	if (!ui_fixup(u))
		ui_status(u, "No recreated recipient needs a primary account or unhiding.");
}

static void key_log_back(ui *u)
{
	u->log_scroll += u->log_rows > 1 ? (size_t)u->log_rows - 1 : 1;
}

static void key_log_forward(ui *u)
{
	u->log_scroll = u->log_scroll > (size_t)u->log_rows ?
	                u->log_scroll - (size_t)u->log_rows + 1 : 0;
}

static void key_redraw(ui *u)
{
	u->full_redraw = 1;
	u->reload = 1;   /* and read the store again (console.c) */
}

/* ---- the table ---------------------------------------------------------------- */

#define MAIN(g) UI_KC_MAIN, UI_KG_##g
#define DLG(c) UI_KC_##c, UI_KG_DIALOGS, UI_KP_WAIT, NULL, NULL

const ui_key_entry ui_keys[] = {
	/* The bar's entries come first, in the bar's order. */
	{ { KEY_F(1), '?', 'h' }, "Help", "this help",
	  MAIN(ACTIONS), UI_KP_ALWAYS, ui_help, NULL },
	{ { KEY_F(2), 'a' }, "Adjust",
	  "DS/IS consistency adjuster: plan, functions, time filter, apply",
	  MAIN(ACTIONS), UI_KP_WAIT, key_adjust, NULL },
	{ { KEY_F(5), 'e' }, "Export",
	  "export the marked mailboxes (or the selected one) to PST files, in the background "
	  "(an interrupted run is offered for resume)",
	  MAIN(ACTIONS), UI_KP_WAIT, ui_export_key, NULL },
	{ { KEY_F(6), 'i' }, "Import", "import PST files into the store",
	  MAIN(ACTIONS), UI_KP_WAIT, ui_import, NULL },
	{ { KEY_F(9), 'r' }, "Recover",
	  "recover: one plan (the adjuster's changes, the mailboxes to export: the marked ones, "
	  "else all; the destination; PSTs already there), one question, then it runs in the "
	  "background",
	  MAIN(ACTIONS), UI_KP_WAIT, ui_recover, NULL },
	{ { 'w' }, "Walkthrough",
	  "guided recovery walkthrough (KB Q265438) of the selected mailbox, resumes where "
	  "it was left",
	  MAIN(ACTIONS), UI_KP_WAIT, ui_walk, "Walk" },
	{ { 'l' }, NULL, "the session log full screen: wrapped, scrolled, searched (/)",
	  MAIN(ACTIONS), UI_KP_ALWAYS, ui_logview, NULL },
	{ { 'f' }, NULL, "fix recreated recipients: primary NT account, unhide (KB Q197970)",
	  MAIN(ACTIONS), UI_KP_WAIT, key_fixup, NULL },
	{ { '/' }, "Search",
	  "incremental search by display name or alias (Enter keeps, Esc returns, "
	  "Down: next match)",
	  MAIN(SEARCH), UI_KP_WAIT, ui_search_begin, "Find" },
	{ { KEY_F(10), 'q' }, "Quit", "quit",
	  MAIN(ACTIONS), UI_KP_WAIT, key_quit, NULL },

	{ { 'p' }, NULL, "the running export's progress window, or the summary of the last one",
	  MAIN(ACTIONS), UI_KP_ALWAYS, ui_job_key, NULL },
	{ { 'n' }, NULL, "next match of the last search",
	  MAIN(SEARCH), UI_KP_WAIT, ui_search_next, NULL },
	{ { 's' }, NULL, "cycle the sort order of the focused panel",
	  MAIN(SEARCH), UI_KP_WAIT, ui_panels_sort, NULL },

	{ { '\t', KEY_BTAB }, NULL, "switch between Mailbox Resources and Recipients",
	  MAIN(MOVE), UI_KP_WAIT, ui_panels_switch, NULL },
	{ { KEY_UP, 'k' }, NULL, "previous line",
	  MAIN(MOVE), UI_KP_ALWAYS, ui_panels_line_prev, NULL },
	{ { KEY_DOWN, 'j' }, NULL, "next line",
	  MAIN(MOVE), UI_KP_NEXT_ROW, ui_panels_line_next, NULL },
	{ { KEY_PPAGE }, NULL, "previous page",
	  MAIN(MOVE), UI_KP_WAIT, ui_panels_page_prev, NULL },
	{ { KEY_NPAGE }, NULL, "next page",
	  MAIN(MOVE), UI_KP_WAIT, ui_panels_page_next, NULL },
	{ { KEY_HOME, 'g' }, NULL, "first line",
	  MAIN(MOVE), UI_KP_WAIT, ui_panels_first, NULL },
	{ { KEY_END, 'G' }, NULL, "last line",
	  MAIN(MOVE), UI_KP_WAIT, ui_panels_last, NULL },
	{ { '\n', '\r', KEY_ENTER }, NULL, "details of the selected mailbox (folders) or recipient",
	  MAIN(MOVE), UI_KP_WAIT, ui_details, NULL },
	{ { '<' }, NULL, "scroll the log pane back",
	  MAIN(MOVE), UI_KP_WAIT, key_log_back, NULL },
	{ { '>' }, NULL, "scroll the log pane forward",
	  MAIN(MOVE), UI_KP_WAIT, key_log_forward, NULL },
	{ { 12 }, NULL, "redraw the whole screen (the terminal got garbled) and read the store "
	  "again (changes by other programs show by themselves within a few seconds)",
	  MAIN(MOVE), UI_KP_ALWAYS, key_redraw, NULL },

	{ { ' ' }, NULL, "mark / unmark the selected mailbox",
	  MAIN(MARKS), UI_KP_WAIT, ui_mark_toggle, NULL },
	{ { '*' }, NULL, "mark every orphaned mailbox",
	  MAIN(MARKS), UI_KP_WAIT, ui_mark_orphans, NULL },
	{ { 'u' }, NULL, "clear all marks",
	  MAIN(MARKS), UI_KP_WAIT, ui_mark_clear, NULL },

	{ { '\n', '\r', KEY_ENTER }, NULL, "OK / apply (a confirmation always starts on No)",
	  DLG(DIALOG) },
	{ { 27 }, NULL, "cancel; during an export (it asks first) or an import: stop it cleanly",
	  DLG(DIALOG) },
	{ { '\t', KEY_DOWN }, NULL, "next field", DLG(FORM) },
	{ { KEY_BTAB, KEY_UP }, NULL, "previous field", DLG(FORM) },
	{ { 21 }, NULL, "clear the field", DLG(FORM) },
	{ { ' ' }, NULL, "toggle the function under the cursor", DLG(ADJUST) },
	{ { 't' }, NULL, "time filter", DLG(ADJUST) },
	{ { KEY_LEFT, KEY_RIGHT, 'p', 'n' }, NULL, "previous / next step", DLG(WALK) },
};
const size_t ui_n_keys = sizeof ui_keys / sizeof ui_keys[0];

const char *const ui_key_group_title[UI_KG_COUNT] = {
	[UI_KG_ACTIONS] = "Actions",
	[UI_KG_SEARCH] = "Searching and sorting",
	[UI_KG_MOVE] = "Moving around",
	[UI_KG_MARKS] = "Marking mailboxes",
	[UI_KG_DIALOGS] = "In dialogs",
};

/* What the help puts before a dialog key's line. */
static const char *const ctx_prefix[UI_KC_COUNT] = {
	[UI_KC_FORM] = "forms: ",
	[UI_KC_ADJUST] = "adjuster: ",
	[UI_KC_WALK] = "walkthrough: ",
};

/* ---- lookups and names -------------------------------------------------------- */

const ui_key_entry *ui_key_find(int ctx, int ch)
{
	size_t i;
	int j;

	for (i = 0; i < ui_n_keys; i++)
		if (ui_keys[i].ctx == ctx)
			for (j = 0; j < UI_KEY_CODES && ui_keys[i].keys[j]; j++)
				if (ui_keys[i].keys[j] == ch)
					return &ui_keys[i];
	return NULL;
}

static const struct {
	int code;
	const char *name;
} key_names[] = {
	{ KEY_UP, "Up" }, { KEY_DOWN, "Down" }, { KEY_LEFT, "Left" }, { KEY_RIGHT, "Right" },
	{ KEY_PPAGE, "PgUp" }, { KEY_NPAGE, "PgDn" }, { KEY_HOME, "Home" }, { KEY_END, "End" },
	{ KEY_BTAB, "S-Tab" }, { KEY_ENTER, "Enter" }, { '\n', "Enter" }, { '\r', "Enter" },
	{ '\t', "Tab" }, { ' ', "Space" }, { 27, "Esc" },
};

static int is_fkey(int code)
{
	return code >= KEY_F(1) && code <= KEY_F(63);
}

const char *ui_key_name(int code, char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof key_names / sizeof key_names[0]; i++)
		if (key_names[i].code == code) {
			snprintf(buf, len, "%s", key_names[i].name);
			return buf;
		}
	if (is_fkey(code))
		snprintf(buf, len, "F%d", code - KEY_F0);
	else if (code > 0 && code < 32)
		snprintf(buf, len, "^%c", code + '@');
	else if (code > 32 && code < 127)
		snprintf(buf, len, "%c", code);
	else if (code == KEY_DC)
		snprintf(buf, len, "Delete");
	else if (code == KEY_IC)
		snprintf(buf, len, "Insert");
	else
		snprintf(buf, len, "#%d", code);
	return buf;
}

void ui_key_names(const ui_key_entry *k, char *buf, size_t len)
{
	char name[16], prev[16] = "";
	size_t n = 0;
	int j;

	buf[0] = '\0';
	for (j = 0; j < UI_KEY_CODES && k->keys[j] && n < len; j++) {
		ui_key_name(k->keys[j], name, sizeof name);
		if (!strcmp(name, prev))
			continue;   /* Enter is three codes */
		/* Named keys, then two spaces, then the letters: "Up Down  k j". */
		n += (size_t)snprintf(buf + n, len - n, "%s%s", !prev[0] ? "" :
		                      strlen(prev) > 1 && strlen(name) == 1 ? "  " : " ", name);
		snprintf(prev, sizeof prev, "%s", name);
	}
}

void ui_key_bar_name(const ui_key_entry *k, int wide, char *buf, size_t len)
{
	int j, fkey = 0, other = 0;
	char a[16], b[16];

	for (j = 0; j < UI_KEY_CODES && k->keys[j]; j++)
		if (is_fkey(k->keys[j]) ? !fkey : !other)
			*(is_fkey(k->keys[j]) ? &fkey : &other) = k->keys[j];
	if (fkey && other && wide)
		snprintf(buf, len, "%s/%s", ui_key_name(fkey, a, sizeof a),
		         ui_key_name(other, b, sizeof b));
	else
		ui_key_name(fkey ? fkey : other, buf, len);
}

void ui_key_help(const ui_key_entry *k, char *buf, size_t len)
{
	const char *p = k->ctx >= 0 && k->ctx < UI_KC_COUNT ? ctx_prefix[k->ctx] : NULL;

	snprintf(buf, len, "%s%s", p ? p : "", k->help);
}

/* ---- the main screen's dispatch ------------------------------------------------ */

int ui_key_main(ui *u, int ch)
{
	const ui_key_entry *k;

	if (ui_search_key(u, ch))
		return 1;   /* the search's text input */
	if ((k = ui_key_find(UI_KC_MAIN, ch)) && k->fn) {
		k->fn(u);
	} else if (ch != KEY_RESIZE && ch != ERR) {
		char name[16];

		if (ch & UI_WCHAR)
			snprintf(name, sizeof name, "that key");
		else
			ui_key_name(ch, name, sizeof name);
		ui_status(u, "%s does nothing here: F1 help (or Esc 1, or ?)", name);
	}
	return !u->quit;
}
