/*
 * tui/ui_plan.h - Recover (F9): ONE plan before anything runs.  The
 * adjuster's changes (create-mailboxes), the mailboxes that will be
 * exported (the marked ones, else all), the destination (d: the F5 form)
 * and what happens to the PSTs already there (x: ask, skip, overwrite,
 * keep both); then one question, and the whole runs as one background
 * job (ui_job.h).
 */
#ifndef MBX_UI_PLAN_H
#define MBX_UI_PLAN_H

#include "ui_screen.h"

void ui_recover(ui *u);

#endif
