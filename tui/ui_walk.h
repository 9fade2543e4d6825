/*
 * tui/ui_walk.h - the guided recovery walkthrough (w): KB Q265438's
 * symptom, cause and resolution, acting on the real data; it can be left
 * at any step and resumed.
 */
#ifndef MBX_UI_WALK_H
#define MBX_UI_WALK_H

#include "ui_screen.h"

void ui_walk(ui *u);
void ui_walk_free(ui *u);

#endif
