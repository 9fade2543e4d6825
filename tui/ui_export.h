/*
 * tui/ui_export.h - the export dialog (F5), the progress view while the
 * core exports in the background, and the summary with each PST's
 * verification; Recover (F9) = adjuster then export.
 */
#ifndef MBX_UI_EXPORT_H
#define MBX_UI_EXPORT_H

#include "ui_screen.h"

/* The default destination: a "pst" directory next to the store file
 * (caller frees). */
char *ui_export_default_dir(const ui *u);

enum {
	UI_EXP_ASK = 1 << 0,    /* show the dialog (destination, filters, threads) */
	UI_EXP_QUIET = 1 << 1   /* no summary and no adjuster offer (the walkthrough) */
};

/*
 * Export mailboxes by alias, with the defaults unless UI_EXP_ASK.  Shows
 * progress, then the summary; when a mailbox failed for want of a
 * directory entry it says why and offers the adjuster.  Returns 1 when
 * every mailbox was exported and verified, 0 when some failed or it was
 * cancelled (or the dialog was left), <0 when it could not start (message
 * shown).  Results go to u->last_export.
 */
int ui_export(ui *u, const char *const *aliases, size_t n, unsigned flags);

/* F5: the marked mailboxes, else the selected one. */
void ui_export_key(ui *u);
/* F9: the adjuster with create-mailboxes preselected, then the export of
 * the marked mailboxes (all when none is marked) with the defaults. */
void ui_recover(ui *u);
void ui_export_summary_free(ui_export_summary *s);

#endif
