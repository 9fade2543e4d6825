/*
 * tui/ui_export.h - export from the console: the export dialog (F5) with
 * what to do about PSTs already in the destination, the summary with each
 * PST's verification.  The export itself runs in the background
 * (ui_job.h); Recover (F9) shows its plan first (ui_plan.h).
 */
#ifndef MBX_UI_EXPORT_H
#define MBX_UI_EXPORT_H

#include "mbx/export.h"
#include "ui_screen.h"

/* The default destination: a "pst" directory next to the store file
 * (caller frees). */
char *ui_export_default_dir(const ui *u);

enum {
	UI_EXP_ASK = 1 << 0,    /* show the dialog (destination, filters, threads) */
	UI_EXP_QUIET = 1 << 1,  /* no summary and no adjuster offer (the walkthrough) */
	UI_EXP_WAIT = 1 << 2    /* stay in the progress window until the end (the
	                         * walkthrough); otherwise Enter sends it to the
	                         * background */
};

/* What happens to a mailbox whose ALIAS.PST is already in the destination. */
typedef enum {
	UI_EXIST_ASK = 0,       /* ask once, before anything runs */
	UI_EXIST_SKIP,          /* leave those mailboxes out */
	UI_EXIST_OVERWRITE,     /* export them again over the file */
	UI_EXIST_KEEP,          /* keep both: the file there is renamed BASE-old.PST
	                         * (BASE-old2.PST, ...) first; ALIAS-002.PST would be
	                         * taken for a part of a split export */
	UI_EXIST_COUNT
} ui_exist_policy;
const char *ui_exist_name(ui_exist_policy p);
/* "ask", "skip", "overwrite", "keep" (or their first letter); -1 if none. */
int ui_exist_parse(const char *s);

/* Destination, filters and threads (the F5 form). */
typedef struct ui_exp_params {
	char *out_dir, *subject;
	int64_t from, to;
	mbx_folder_sel *inc, *exc;
	size_t n_inc, n_exc;
	char **paths;      /* folder path strings (owned) */
	size_t n_paths;
	int threads;
	ui_exist_policy exist;
	char *filters;     /* one line saying which filters are set ("" none) */
} ui_exp_params;
void ui_exp_params_free(ui_exp_params *p);
/* The F5 form for n mailboxes, starting from *p (out_dir must be set).
 * 1 accepted (p replaced), 0 left. */
int ui_export_form(ui *u, size_t n, ui_exp_params *p);

/* Mailboxes whose ALIAS.PST is already in dir: how many, the first few
 * names, and which (a flag per alias; NULL when none). */
typedef struct ui_exist_scan {
	size_t count;
	char *names;               /* "JSMITH.PST, ASCHMIDT.PST, ..." */
	unsigned char *hit;        /* per alias */
} ui_exist_scan;
/* Look at dir once (readdir) and at each alias's file name.  Any thread. */
int ui_exist_scan_run(const char *dir, const char *const *aliases, size_t n, ui_exist_scan *out);
void ui_exist_scan_free(ui_exist_scan *s);
/* Ask what to do with the PSTs already there: the policy, or -1 (leave). */
int ui_exist_ask(ui *u, const ui_exist_scan *s, size_t total, const char *dir);

/*
 * Export mailboxes by alias (n == 0: every mailbox), with the defaults
 * unless UI_EXP_ASK.  The export runs in the background with its progress
 * window up (Enter leaves it running, p brings the window back; Esc asks
 * before it cancels); its summary follows when it ends in the window.
 * With UI_EXP_WAIT it returns once the export has ended: 1 when every
 * mailbox was exported and verified, 0 when some failed, were cancelled
 * or the dialog was left; results in u->last_export.  Without it: 1
 * started, 0 not.  <0 when it could not start (message shown).
 */
int ui_export(ui *u, const char *const *aliases, size_t n, unsigned flags);

/* F5: the marked mailboxes, else the selected one. */
void ui_export_key(ui *u);
void ui_export_summary_free(ui_export_summary *s);
/* The summary of the last export (and the adjuster's offer when mailboxes
 * failed for want of a directory entry). */
void ui_export_show_summary(ui *u);

#endif
