/*
 * tui/ui_job.h - the export running in the background.  The core exports
 * on its own threads; the console polls its snapshot (UI_TICK_MS, from
 * ui_getkey whatever dialog is up), shows one line of progress in the log
 * pane's title while the operator browses, and the progress window on
 * demand (p).  Esc in the window asks before it cancels.  A run is
 * recorded before it starts (in $XDG_DATA_HOME/mbxrescue/console-runs/,
 * one file per store) and the record is dropped when it ends complete: a
 * run cancelled, or cut short by a killed console or a dropped SSH
 * session, is offered for resume (--resume: mailboxes whose verified
 * files are still there are skipped) the next time.
 *
 * Recover (F9) runs as one job: the adjuster's plan is applied first on
 * the job's own thread (one transaction), then the export starts.
 */
#ifndef MBX_UI_JOB_H
#define MBX_UI_JOB_H

#include "mbx/check.h"
#include "ui_export.h"

/* What a job does; ui_job_start takes it over (and frees it). */
typedef struct ui_job_spec {
	ui_exp_params p;
	char **aliases;            /* the mailboxes, owned */
	size_t n;
	int all;                   /* every mailbox of the store: the core's --all */
	int resume;                /* --resume: skip what an earlier run verified */
	mbx_adjust_plan *plan;     /* applied first when not NULL (owned) */
	mbx_adjust_opts aopts;
	char **keep;               /* files to rename BASE-old.PST first (owned) */
	size_t n_keep;
	unsigned flags;            /* UI_EXP_QUIET, UI_EXP_WAIT */
	const char *title;         /* "Export", "Recover" */
} ui_job_spec;
void ui_job_spec_free(ui_job_spec *s);

/* Start the job and show its progress window (ui_job_window).  0 started,
 * <0 could not (the message shown).  One job at a time. */
int ui_job_start(ui *u, ui_job_spec *spec);
/* The progress window, until Enter sends it back to the background or
 * the job ends (then the summary, unless quiet).  1 when it ended. */
int ui_job_window(ui *u);
int ui_job_running(const ui *u);
/* p: the progress window, or the summary of the run that ended. */
void ui_job_key(ui *u);
/* The log pane's title while a job runs or has just ended; 0 when none. */
int ui_job_status(const ui *u, char *buf, size_t len);
/* The main loop, between keys: a job that ended is taken down (results
 * kept, the record dropped or kept). */
void ui_job_main(ui *u);
/* Quitting: cancel a running job and wait for it (half a second). */
void ui_job_quit(ui *u);

/* The results of an export that ended into u->last_export (ui_export.c). */
void ui_export_keep_results(ui *u, mbx_export *ex, const char *out_dir, int cancelled,
                            size_t run_total);
/* The PSTs already in spec's destination, by spec->p.exist (asking when it
 * says so): skip takes those mailboxes out, keep lists their files for
 * renaming.  0 go on, -1 the operator left. */
int ui_export_existing(ui *u, ui_job_spec *spec);

/* A run recorded and not finished (cancelled or interrupted). */
typedef struct ui_run_record {
	char *path;                /* the record file */
	char *out_dir;
	int all;
	char **aliases;
	size_t n;
	int64_t started;
	ui_exist_policy exist;
} ui_run_record;
/* 1 found (out filled), 0 none. */
int ui_run_record_find(const ui *u, ui_run_record *out);
void ui_run_record_free(ui_run_record *r);
void ui_run_record_drop(const ui *u);
/* Offer to resume a recorded run: 1 resumed (started), 0 declined or
 * none (a declined record is forgotten when `forget`). */
int ui_resume_offer(ui *u, int forget);

#endif
