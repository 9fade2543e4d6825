/*
 * tui/ui_panels.h - the two lists: Mailbox Resources (the information
 * store) and Recipients (the directory); loading them from the store,
 * linking, markers, sorting, marks, incremental search and drawing.
 */
#ifndef MBX_UI_PANELS_H
#define MBX_UI_PANELS_H

#include "ui_screen.h"

/* (Re)load server, mailboxes and recipients; keeps marks and selection by
 * mailbox id.  0 or a negative MBX_E* with the message set. */
int ui_data_load(ui *u);
/*
 * Load only what the first screen shows: the counts and links of the whole
 * store (mbx_store_links) and the first page of each list, so that the
 * console is on screen before 100,000s of rows are read.  Keys are not
 * taken until ui_data_load has replaced it with the full lists.
 */
int ui_data_load_first(ui *u, size_t rows);
/*
 * Load the full lists on a thread of their own (its own store connection)
 * while the first page is on screen.  ui_loader_poll adopts them when
 * they are ready (1 then: redraw), ui_loader_wait blocks until they are;
 * both keep the selection where it was.  <0 when loading failed (the
 * message is the thread's error).  Neither does anything without a loader.
 */
int ui_loader_start(ui *u);
/* Read the lists again on the loader's thread, the ones on screen staying
 * usable meanwhile (a change by another program, Ctrl-L, the console's own
 * changes); ui_loader_poll adopts them, keeping the marks and the
 * selection by id.  A reload asked for while one runs follows it. */
int ui_reload_start(ui *u);
int ui_loader_poll(ui *u);
int ui_loader_wait(ui *u);
/* 1 when `ch` can act on the first page alone (moving within it, help);
 * every other key waits for the full lists first. */
int ui_first_page_key(const ui *u, int ch);
void ui_data_free(ui *u);

void ui_panels_draw(ui *u);
/* One line about the selection (or its missing link) at row y of w. */
void ui_panels_draw_info(ui *u, WINDOW *w, int y);
/* Keep selections and scroll positions inside the lists. */
void ui_panels_clamp(ui *u);
/* A key typed while an incremental search is open (u->searching): the
 * text, Backspace, Enter keeps, Esc returns, Down / ^N next match.  0 when
 * no search is open. */
int ui_search_key(ui *u, int ch);

/* What the panel keys do, one function each; ui_keys.c binds them to
 * their keys (the help and the dispatch come from that table). */
void ui_panels_switch(ui *u);       /* the other panel */
void ui_panels_line_prev(ui *u);
void ui_panels_line_next(ui *u);
void ui_panels_page_prev(ui *u);
void ui_panels_page_next(ui *u);
void ui_panels_first(ui *u);
void ui_panels_last(ui *u);
void ui_panels_sort(ui *u);         /* the focused panel's next sort order */
void ui_search_begin(ui *u);        /* open an incremental search */
void ui_search_next(ui *u);         /* the next match of the last search */
void ui_mark_toggle(ui *u);         /* the selected mailbox, then down */
void ui_mark_orphans(ui *u);        /* every orphaned mailbox */
void ui_mark_clear(ui *u);

/* The selected mailbox (index into u->mb), UI_NONE when none. */
size_t ui_sel_mailbox(const ui *u);
/* Select the mailbox with this index. */
void ui_select_mailbox(ui *u, size_t idx);
/* Aliases of the marked mailboxes, or of the selected one when none is
 * marked (all = 1: of every mailbox when none is marked).  The array is
 * the caller's (free with mbx_free); the strings belong to u->mb. */
const char **ui_export_aliases(const ui *u, int all, size_t *n);
/* Indexes of orphaned mailboxes (caller frees). */
size_t *ui_orphans(const ui *u, size_t *n);

#endif
