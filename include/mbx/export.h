/*
 * mbx/export.h - export store mailboxes to PST files, Exmerge's way
 * (step 1 of ExMerge: "copy data from mailbox to file").
 *
 * An export runs on its own worker threads; each worker opens its own
 * connection to the store file and exports whole mailboxes.  The caller
 * (console or batch CLI) never blocks: it polls mbx_export_progress_get(),
 * which copies a consistent snapshot under a lock (progress is never
 * pushed to the caller), and receives log lines through the mbx_log
 * callback (called on worker threads: copy the line, do not draw from
 * it).  The core never draws.
 *
 * Every PST is written under a temporary name, fsynced, read back with
 * libpst (the reader of mbx/pstread.h) and compared with what the store
 * holds after filters, and only then renamed to DIR/ALIAS.PST.  A job table in the store records each
 * mailbox's state so that `resume` finishes an interrupted run.
 *
 * Scale: the mailboxes stream in.  A list is looked up a chunk at a time
 * (index lookups), --all a page at a time, on a thread of their own, and
 * the workers take each mailbox as soon as it is looked up and named: the
 * first PST is being written within a second whatever the number of
 * mailboxes, and memory stays flat (a few hundred bytes a mailbox).
 *
 * One export at a time per output directory: the run holds a lock on
 * DIR/.mbxrescue.lock (mbx_export_lock_dir) from before it writes anything
 * there until its workers have stopped; a second export into DIR fails at
 * once with MBX_EBUSY naming the process that holds it.
 *
 * Ownership: mbx_export_start copies everything in opts; the caller owns
 * the mbx_export and frees it after mbx_export_wait.  Results returned by
 * mbx_export_results are owned by the mbx_export.
 */
#ifndef MBX_EXPORT_H
#define MBX_EXPORT_H

#include "mbx/common.h"
#include "mbx/log.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mbx_export mbx_export;

typedef struct mbx_folder_sel {
	const char *path;        /* "Inbox/Projects"; well-known names in any language */
	int subtree;             /* 1: the folder and everything below it */
} mbx_folder_sel;

typedef enum { MBX_DATE_RECEIVED = 0, MBX_DATE_SENT = 1 } mbx_date_field;

typedef struct mbx_export_filter {
	int64_t from;                   /* Unix seconds, 0 = no lower bound */
	int64_t to;                     /* Unix seconds, 0 = no upper bound */
	mbx_date_field date_field;
	const mbx_folder_sel *include;  /* NULL/0 = every folder */
	size_t n_include;
	const mbx_folder_sel *exclude;
	size_t n_exclude;
	const char *subject;            /* subject contains (case-insensitive) */
	const char *attachment_glob;    /* keep messages with an attachment matching */
	const char *class_prefix;       /* message class starts with */
	int no_associated;              /* skip FAI (associated) items */
} mbx_export_filter;

typedef struct mbx_export_opts {
	const char *db_path;            /* the store file (each worker opens it) */
	const char *out_dir;            /* created 0700 if missing */
	const char *log_path;           /* NULL = out_dir/mbxrescue.log */
	int log_level;                  /* MBX_LOG_* */
	mbx_log_fn log_cb;              /* may be NULL */
	void *log_ud;
	int threads;                    /* 0 = online CPUs */
	int64_t max_pst_size;           /* 0 = no split */
	int resume;                     /* skip verified mailboxes of an earlier run */
	int crypt;                      /* MBX_PST_CRYPT_* */
	mbx_export_filter filter;
	/* An existing output directory that other users may write to (group
	 * or world writable) and that is not ours is refused: they could put
	 * a symbolic link or a file of their own where ours go.  1 = use it
	 * anyway (--force-out-dir); files are still opened without following
	 * symbolic links. */
	int force_out_dir;
} mbx_export_opts;

void mbx_export_opts_init(mbx_export_opts *opts);

typedef enum {
	MBX_EXP_QUEUED = 0,
	MBX_EXP_RUNNING,
	MBX_EXP_VERIFYING,
	MBX_EXP_DONE,        /* written and verified */
	MBX_EXP_FAILED,
	MBX_EXP_SKIPPED,     /* resume: verified by an earlier run */
	MBX_EXP_CANCELLED
} mbx_export_state;

const char *mbx_export_state_name(mbx_export_state s);

typedef struct mbx_export_mailbox_progress {
	int64_t mailbox_id;
	char alias[64];
	char display_name[128];
	mbx_export_state state;
	int64_t items_done, items_total;
	int64_t bytes_done, bytes_total;
} mbx_export_mailbox_progress;

typedef struct mbx_export_progress {
	size_t mailboxes_total;         /* the list's length, or the store's mailboxes at the start */
	size_t mailboxes_done;          /* finished: done, failed, skipped or cancelled */
	size_t mailboxes_failed;        /* errors (cancelled ones are not errors) */
	int64_t items_done, items_total;
	int64_t bytes_done, bytes_total;
	double bytes_per_sec;
	double eta_seconds;             /* <0 unknown */
	double elapsed_seconds;
	int finished;                   /* all workers have stopped */
	size_t mailboxes_cancelled;     /* cancelled before or while being copied */
	size_t mailboxes_resolved;      /* looked up and named so far (the list streams in) */
	double mailboxes_per_sec;       /* mailboxes copied (or failed trying) per second */
} mbx_export_progress;

/* Why a mailbox failed, for the console to act on. */
typedef enum {
	MBX_EXP_CAUSE_NONE = 0,
	MBX_EXP_CAUSE_NO_DIRECTORY_ENTRY,   /* KB Q265438: run the adjuster */
	MBX_EXP_CAUSE_IO,
	MBX_EXP_CAUSE_VERIFY,
	MBX_EXP_CAUSE_CANCELLED,
	MBX_EXP_CAUSE_OTHER,
	MBX_EXP_CAUSE_NOT_FOUND            /* an alias of a long list that names no mailbox */
} mbx_export_cause;

typedef struct mbx_export_result {
	int64_t mailbox_id;
	char *alias;
	char *display_name;
	mbx_export_state state;
	mbx_export_cause cause;
	char *error;                    /* what went wrong */
	char *fix;                      /* what to do about it */
	char **paths;                   /* final PST files (several when split) */
	size_t n_paths;
	int64_t folders, items, attachments, bytes;
	int verified;                   /* 1 when libpst read it back identical */
} mbx_export_result;

/*
 * Start exporting the mailboxes named by alias (n == 0: every mailbox of
 * the store there is at the start).  The first MBX_EXPORT_CHECKED_FIRST
 * aliases are looked up here: an unknown one among them fails with
 * MBX_ENOTFOUND before anything is created.  Further down a longer list
 * an unknown alias fails as that entry's result (MBX_EXP_CAUSE_NOT_FOUND)
 * while the others are exported; an alias listed twice is exported once
 * (the second entry is skipped).  An output directory another export
 * holds fails with MBX_EBUSY.  Returns within a fraction of a second.
 */
#define MBX_EXPORT_CHECKED_FIRST 1000
int mbx_export_start(mbx_export **out, const mbx_export_opts *opts,
                     const char *const *aliases, size_t n);

/* Snapshot of progress; per may be NULL; *n_per gets the count written. */
int mbx_export_progress_get(mbx_export *ex, mbx_export_progress *overall,
                            mbx_export_mailbox_progress *per, size_t max_per, size_t *n_per);
/* Ask workers to stop; returns at once (safe from any thread, not from a
 * signal handler).  The lookups and the workers stop within half a
 * second and leave no partial final file; what was not copied is counted
 * as cancelled (not as errors), and --resume finishes the run later. */
void mbx_export_cancel(mbx_export *ex);
/* Wait for the workers.  0 all succeeded, 1 some failed or were
 * cancelled, <0 error.  Writes the run's summary to the log: "N mailboxes
 * successfully processed. M errors encountered. K cancelled. R mailboxes/s". */
int mbx_export_wait(mbx_export *ex);
/* After wait: one result per mailbox, in the order given (--all: the
 * store's order; a run cancelled before it had looked up every mailbox
 * has results for those it had). */
int mbx_export_results(mbx_export *ex, const mbx_export_result **out, size_t *n);
void mbx_export_free(mbx_export *ex);

/* Start + wait in one call (the batch CLI). */
int mbx_export_run(const mbx_export_opts *opts, const char *const *aliases, size_t n,
                   mbx_export **out);

/* The file name Exmerge would use for an alias: upper-cased, sanitized
 * ("JSMITH.PST"); caller frees. */
char *mbx_export_file_name(const char *alias, int part);

/*
 * The lock of an output directory: flock(2) on DIR/.mbxrescue.lock (created
 * 0600, never followed if it is a symbolic link), which then holds "PID
 * COMMAND LINE" of its holder.  mbx_export_start takes it itself; the
 * function is here for callers that write into DIR outside an export.
 * MBX_EBUSY when another export (of any process, this one included) holds
 * it, with a message naming that process; nothing in DIR is changed then.
 * The lock goes with the process, so a killed export leaves none behind.
 * mbx_export_lock_free releases it (NULL is a no-op).
 */
typedef struct mbx_export_lock mbx_export_lock;
#define MBX_EXPORT_LOCK_NAME ".mbxrescue.lock"
int mbx_export_lock_dir(const char *dir, mbx_export_lock **out);
void mbx_export_lock_free(mbx_export_lock *l);

/* ---- Additions for the batch CLI (appended) ------------------------------ */

/* Parse a date for the filters: "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS]" or
 * Exmerge's "MM/DD/YYYY [HH:MM:SS]", UTC.  A date without a time means the
 * start of that day, or its last second when end_of_day is 1. */
int mbx_export_parse_date(const char *s, int end_of_day, int64_t *out);
/* Parse a size: "1048576", "500K", "700M", "2G", "1T" (binary units). */
int mbx_export_parse_size(const char *s, int64_t *out);
/* Read a list of mailboxes, one a line: an alias or a legacy DN
 * ("/o=ORG/ou=SITE/cn=Recipients/cn=JSmith"; the last cn is used).  Blank
 * lines and lines starting with '#' or ';' are skipped.  *out (array and
 * strings) caller frees with mbx_export_list_free. */
int mbx_export_read_mailbox_list(const char *path, char ***out, size_t *n);
void mbx_export_list_free(char **list, size_t n);

/* ExMerge.ini as Exmerge 3.x/2003 wrote it (batch -F). */
typedef enum {
	MBX_MERGE_EXPORT = 0,   /* MergeAction=0: step 1, copy mailboxes to PST files */
	MBX_MERGE_IMPORT = 1,   /* MergeAction=1: step 2, merge PST files into mailboxes */
	MBX_MERGE_BOTH = 2      /* MergeAction=2: one step (export, then import) */
} mbx_merge_action;

typedef struct mbx_exmerge_ini {
	mbx_merge_action merge_action;
	char *data_dir;               /* DataDirectoryName (resolved against the ini's directory) */
	char *log_file;               /* LogFileName, NULL = default */
	int log_level;                /* LoggingLevel, -1 = not given */
	int64_t start_date, end_date; /* SelectMessageStartDate/EndDate, 0 = none */
	mbx_date_field date_field;    /* DateField=received|sent (mbxrescue's key) */
	char *mailbox_list_file;      /* FileContainingListOfMailboxes */
	char **mailboxes;             /* aliases read from that file */
	size_t n_mailboxes;
	mbx_folder_sel *include;      /* folder-name sections / folder list (paths owned) */
	size_t n_include;
	mbx_folder_sel *exclude;
	size_t n_exclude;
	char *subject;                /* one subject (MessageSubject / list file) */
	char *attachment_glob;        /* one attachment name (AttachmentName / list file) */
	int no_associated;            /* CopyAssociatedFolderData=0 */
	int data_import_method;       /* DataImportMethod 0 copy, 1 merge, 2 replace; -1 = not given */
	char **ignored;               /* "Key (line N)" for every key that does not apply */
	size_t n_ignored;
} mbx_exmerge_ini;

/* Read an ExMerge.ini; a malformed file or value fails with MBX_EINVAL and
 * a message "FILE line N: ...".  *out caller frees. */
int mbx_exmerge_ini_read(const char *path, mbx_exmerge_ini **out);
void mbx_exmerge_ini_free(mbx_exmerge_ini *ini);
/* Point opts (out_dir, log_path, log_level, filter) into ini; ini must
 * outlive opts. */
void mbx_exmerge_ini_apply(const mbx_exmerge_ini *ini, mbx_export_opts *opts);

#ifdef __cplusplus
}
#endif
#endif
