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
void ui_data_free(ui *u);

void ui_panels_draw(ui *u);
/* One line about the selection (or its missing link) at row y of w. */
void ui_panels_draw_info(ui *u, WINDOW *w, int y);
/* Keep selections and scroll positions inside the lists. */
void ui_panels_clamp(ui *u);
/* Navigation, marks, sort and search keys; 1 when the key was used. */
int ui_panels_key(ui *u, int ch);

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
