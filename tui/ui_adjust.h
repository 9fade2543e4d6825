/*
 * tui/ui_adjust.h - the DS/IS consistency adjuster dialog (F2) and the
 * follow-up fix for recreated recipients (KB Q197970).
 */
#ifndef MBX_UI_ADJUST_H
#define MBX_UI_ADJUST_H

#include "ui_screen.h"

/*
 * Show the core's plan for the functions in `preselect` (MBX_ADJ_* bits),
 * let the admin change functions and the time filter, confirm (default
 * No), apply, reload the panels and offer the recipient fix-up.
 * Returns 1 applied, 0 cancelled or nothing to do (*nothing set to 1 when
 * there was nothing to do), <0 error (already shown).
 */
int ui_adjust(ui *u, unsigned preselect, int *nothing);

/* Offer KB Q197970's fix-up for recreated recipients (hidden / no
 * primary account).  Returns how many were fixed. */
int ui_fixup(ui *u);

/* The actor recorded in the audit log for console actions. */
const char *ui_actor(void);

#endif
