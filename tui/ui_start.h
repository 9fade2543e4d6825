/*
 * tui/ui_start.h - the console before there is data: creating a store at a
 * --db path that does not exist, and the start screen of an empty one.
 */
#ifndef MBX_UI_START_H
#define MBX_UI_START_H

#include "ui_screen.h"

/* 1 when o->db_path (not the demo) does not exist: the console offers to
 * create it. */
int ui_start_missing(const tui_opts *o);
/* The screen is up, no store open: ask for the organization, site and
 * server (and SMTP policy) and create the store.  1 created, 0 the
 * operator declined (Esc: nothing created). */
int ui_start_new_store(ui *u);
/* 1 when there is nothing to list: no store yet, or no mailboxes and no
 * recipients; the panels then show the start screen (ui_start_draw). */
int ui_start_empty(const ui *u);
void ui_start_draw(ui *u);

#endif
