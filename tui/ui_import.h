/*
 * tui/ui_import.h - import a PST into a store mailbox (F6 / i).
 */
#ifndef MBX_UI_IMPORT_H
#define MBX_UI_IMPORT_H

#include "ui_screen.h"

/* Ask for the PST, the target alias, the mode and folder; import with
 * progress (Esc cancels; nothing of the file stays); reload the panels. */
void ui_import(ui *u);

#endif
