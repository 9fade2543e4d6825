/*
 * tui/ui_help.h - the help screen (F1 / ?) and the details of the
 * selected item (Enter).
 */
#ifndef MBX_UI_HELP_H
#define MBX_UI_HELP_H

#include "ui_screen.h"

/* Every key of the key table (ui_keys.h), grouped, and the panels'
 * markers, in one scrollable dialog. */
void ui_help(ui *u);
/* Details of the selected mailbox (with its folders) or recipient. */
void ui_details(ui *u);

#endif
