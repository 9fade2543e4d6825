/*
 * tui/ui_logview.h - the session log full screen (l / F3): wrapped or cut
 * at the edge (w), scrolled, searched (/, n, N); it follows new lines.
 */
#ifndef MBX_UI_LOGVIEW_H
#define MBX_UI_LOGVIEW_H

#include "ui_screen.h"

void ui_logview(ui *u);

#endif
