/*
 * tui/ui_adjust.h - the DS/IS consistency adjuster dialog (F2) and the
 * follow-up fix for recreated recipients (KB Q197970).
 */
#ifndef MBX_UI_ADJUST_H
#define MBX_UI_ADJUST_H

#include "mbx/check.h"
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

/* Apply a plan on st (any thread: a worker's connection) and name its
 * changes in the session log slog (the first 200; the audit log has them
 * all).  0 or <0 with the error set. */
int ui_adjust_apply_on(mbx_store *st, const mbx_adjust_plan *plan, const mbx_adjust_opts *o,
                       mbx_log *slog);
/* One line of a plan listing for change c. */
void ui_adjust_change_line(const mbx_change *c, char *buf, size_t len);

/* The actor recorded in the audit log for console actions. */
const char *ui_actor(void);

#endif
