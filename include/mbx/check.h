/*
 * mbx/check.h - the DS/IS consistency check and the consistency adjuster
 * (Exchange 5.5's, KB Q182979, Q163713, Q197970).
 *
 * Ownership: findings and plans are allocated by the core and released by
 * the caller with mbx_findings_free / mbx_adjust_plan_free; the rule table
 * is the core's (static, never freed).  Nothing here keeps a pointer to
 * the store after returning.
 */
#ifndef MBX_CHECK_H
#define MBX_CHECK_H

#include "mbx/store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
	MBX_FIND_ORPHAN_MAILBOX = 0,     /* in the store, no directory entry */
	MBX_FIND_MISSING_MAILBOX,        /* directory mailbox homed here, not in the store */
	MBX_FIND_PF_UNKNOWN_HOME,        /* public folder homed on an unknown server/site */
	MBX_FIND_UNKNOWN_PERMISSION,     /* permission entry naming an unknown account */
	MBX_FIND_RECREATED_HIDDEN,       /* recreated by the adjuster, still hidden */
	MBX_FIND_RECREATED_NO_ACCOUNT,   /* recreated by the adjuster, no primary account */
	MBX_FIND_KIND_COUNT
} mbx_finding_kind;

typedef struct mbx_finding {
	mbx_finding_kind kind;
	int64_t object_id;     /* mailbox, recipient, public folder or permission id */
	char *object;          /* human name of the object */
	char *alias;           /* the mailbox's or recipient's alias (an orphaned
	                        * mailbox: the cn of its legacy DN; an unknown
	                        * permission: the account it names); NULL for a
	                        * public folder */
	char *reason;          /* one sentence: why this is a finding */
	int64_t since;         /* when the inconsistency began (0 = unknown) */
} mbx_finding;

typedef struct mbx_findings {
	mbx_finding *items;
	size_t count;
} mbx_findings;

/* Stable short name of a kind: "orphaned-mailbox", "missing-mailbox", ... */
const char *mbx_finding_kind_name(mbx_finding_kind kind);

/* 1 for the kinds that are warnings, not inconsistencies: the Q197970
 * leftovers (RECREATED_*), which wait for mbx_recipient_fixup. */
int mbx_finding_is_warning(mbx_finding_kind kind);

/* Run every check; *out is set (possibly empty) on success. */
int mbx_check_run(mbx_store *st, mbx_findings **out);
void mbx_findings_free(mbx_findings *f);

/* ---- The adjuster -------------------------------------------------------- */

/* The adjuster's functions, one bit per rule (mbx_adjust_rules). */
enum {
	MBX_ADJ_CREATE_MAILBOXES = 1 << 0,   /* directory entries for orphaned mailboxes */
	MBX_ADJ_REHOME_PUBLIC_FOLDERS = 1 << 1,
	MBX_ADJ_REMOVE_UNKNOWN_PERMISSIONS = 1 << 2,
	/* Every rule's bit. */
	MBX_ADJ_ALL = MBX_ADJ_CREATE_MAILBOXES | MBX_ADJ_REHOME_PUBLIC_FOLDERS |
	              MBX_ADJ_REMOVE_UNKNOWN_PERMISSIONS
};

typedef struct mbx_adjust_opts {
	unsigned functions;     /* MBX_ADJ_* bits */
	int older_than_days;    /* only inconsistencies older than this; <0 = all */
	int64_t now;            /* reference time for the filter; 0 = time(NULL) */
	const char *actor;      /* recorded in the audit log; NULL = "mbxrescue" */
	/* Test hook: fail after this many applied changes (0 = never). */
	size_t fail_after;
} mbx_adjust_opts;

typedef enum {
	MBX_CHANGE_CREATE_RECIPIENT = 0,
	MBX_CHANGE_REHOME_FOLDER,
	MBX_CHANGE_REMOVE_PERMISSION,
	MBX_CHANGE_SKIP_LIMITED_FOLDER   /* shown in the plan, never applied */
} mbx_change_kind;

typedef struct mbx_change {
	mbx_change_kind kind;
	int64_t object_id;     /* mailbox / public folder / permission id */
	char *object;          /* display name / folder path / account */
	/* CREATE_RECIPIENT: the entry that will be created. */
	char *alias;
	char *dn;
	char *smtp;
	/* REHOME_FOLDER: from and to. */
	char *from;            /* "SERVER (SITE)" */
	char *to;
	char *detail;          /* one line for humans */
} mbx_change;

typedef struct mbx_adjust_plan {
	mbx_change *changes;
	size_t count;
	unsigned functions;    /* what it was computed for */
	/* Set by mbx_adjust_plan_compute for mbx_adjust_apply, not for callers:
	 * the store and its state the plan saw, so that applying it on an
	 * unchanged store need not look every mailbox's link up again. */
	uint64_t seen_store;   /* the handle's random id, 0: none */
	int64_t seen_version, seen_changes;
} mbx_adjust_plan;

const char *mbx_change_kind_name(mbx_change_kind kind);

/* Compute what the adjuster would do; changes nothing. */
int mbx_adjust_plan_compute(mbx_store *st, const mbx_adjust_opts *opts, mbx_adjust_plan **out);
/* Apply a plan in one transaction (all or nothing), audit-logged. */
int mbx_adjust_apply(mbx_store *st, const mbx_adjust_plan *plan, const mbx_adjust_opts *opts);
void mbx_adjust_plan_free(mbx_adjust_plan *plan);

/* ---- Adjuster runs: the audit and undo ---------------------------------- */

/*
 * Every mbx_adjust_apply that changes anything is one run in the audit log
 * (mbx_audit_run in mbx/store.h), and every change of it one audit row
 * with what the changed row was before and after.  mbx_adjust_undo
 * reverts a whole run from those records in one transaction:
 *   create-recipient      the recipient is removed, if it is still exactly
 *                         as the run created it (not changed since by
 *                         fix-recipient or a directory import);
 *   rehome-public-folder  the folder goes back to its old home server and
 *                         site, if it is still where the run put it;
 *   remove-permission     the entry is put back (under its old id when
 *                         free), if its folder still exists and the
 *                         account has not been given rights there since.
 * Where a later change makes any record unsafe to revert, the undo
 * changes nothing and says why (MBX_ECONFLICT).  An undo is a run of its
 * own (undo_of), audit-logged the same way; it can not itself be undone,
 * and a run is undone at most once.
 */

/* One change of a run, as its audit row recorded it. */
typedef struct mbx_adjust_record {
	int64_t audit_id;        /* its audit row */
	mbx_change_kind kind;    /* the change (for an undo's record: the change reverted) */
	int undo;                /* 1: a record of an undo, reverting `kind` */
	int64_t object_id;       /* the recipient created, the public folder, the
	                          * permission entry removed */
	char *object;            /* as the audit row names it: display name /
	                          * folder path / account */
	char *detail;            /* one line for humans */
	/* What the row was (kind decides which are set; all owned here):
	 * CREATE_RECIPIENT: the entry as created (recipient.id = object_id);
	 * REHOME_FOLDER: its home before and after;
	 * REMOVE_PERMISSION: the entry as removed (permission.id = its id then). */
	mbx_recipient recipient;
	char *home_before, *site_before;
	char *home_after, *site_after;
	mbx_permission permission;
	/* Whether the run's undo could revert it now (for records of runs
	 * that are not undone and not undos): */
	int can_undo;
	char *why_not;           /* NULL when can_undo */
} mbx_adjust_record;

typedef struct mbx_adjust_run {
	int64_t id;
	int64_t time;
	char *actor;
	unsigned functions;      /* MBX_ADJ_* bits it ran with; 0 for an undo */
	int64_t undo_of;         /* an undo: the run it reverted, else 0 */
	int64_t undone_by;       /* the undo that reverted it, else 0 */
	char *summary;
	mbx_adjust_record *records;
	size_t count;
	/* Whether mbx_adjust_undo(id) would revert it now; when not, why not
	 * (the first reason: an undo, undone already, or a record's why_not)
	 * and how many of its records a later change blocks. */
	int can_undo;
	char *why_not;
	size_t blocked;
} mbx_adjust_run;

/* Every run, newest first, each with its records and whether it can be
 * undone now (one read transaction).  The caller frees *out. */
int mbx_adjust_runs(mbx_store *st, mbx_adjust_run **out, size_t *n);
void mbx_adjust_runs_free(mbx_adjust_run *runs, size_t n);
/* One run (run_id 0: the newest adjuster run that is not an undo), the
 * same way; MBX_ENOTFOUND when there is none.  The caller frees *out. */
int mbx_adjust_run_get(mbx_store *st, int64_t run_id, mbx_adjust_run **out);
void mbx_adjust_run_free(mbx_adjust_run *run);

/*
 * Undo run run_id (0: the newest adjuster run that is not an undo) in one
 * transaction, audit-logged as a new run (opts: actor, now; may be NULL).
 * *out_undo (may be NULL) gets the undo's run id.  MBX_ENOTFOUND: no such
 * run; MBX_EINVAL: it is an undo, or was undone already; MBX_ECONFLICT: a
 * later change makes reverting it unsafe (the message names the first
 * record and why; mbx_adjust_run_get gives them all).  Nothing is changed
 * on any failure.
 */
int mbx_adjust_undo(mbx_store *st, int64_t run_id, const mbx_adjust_opts *opts,
                    int64_t *out_undo);

/* ---- The adjuster's rules ------------------------------------------------- */

/* The core's working state for a rule's functions (opaque). */
typedef struct mbx_check_ctx mbx_check_ctx;
typedef struct mbx_plan_ctx mbx_plan_ctx;
typedef struct mbx_apply_ctx mbx_apply_ctx;

/*
 * One function of the adjuster.  The command line's options and help, the
 * console's checkboxes and counts, the check and the plan all go through
 * the table, so a new rule is one entry in it and its functions (with its
 * MBX_ADJ_* bit, its change kind and its findings' kind above).
 */
typedef struct mbx_adjust_rule {
	const char *name;        /* "create-mailboxes" */
	unsigned flag;           /* its MBX_ADJ_* bit */
	const char *option;      /* the command line's flag: "--create-mailboxes" */
	const char *kb;          /* the KB article that describes it: "Q163713" */
	const char *help;        /* one line, the console's checkbox */
	mbx_change_kind change;  /* the change it plans and applies */
	/* The core's (callers use the fields above).  check: add the findings
	 * it resolves; plan: add its changes to the plan; apply: make one of
	 * its changes, inside the apply's transaction, and say what the row
	 * was before and after (the audit's images); undo: revert one change
	 * an earlier run made, from its audit record, inside the undo's
	 * transaction, or (the context's check mode) only say whether it can:
	 * MBX_ECONFLICT with the reason when a later change makes it unsafe. */
	int (*check)(mbx_check_ctx *c);
	int (*plan)(mbx_plan_ctx *c);
	int (*apply)(mbx_apply_ctx *a, const mbx_change *x);
	int (*undo)(mbx_apply_ctx *a, const struct mbx_adjust_record *r);
} mbx_adjust_rule;

/* The rules, in the order the check and the plan run them; *n is set to
 * their number. */
const mbx_adjust_rule *mbx_adjust_rules(size_t *n);

/*
 * The fix-up the real adjuster leaves to the admin (KB Q197970): assign a
 * primary Windows NT account (DOMAIN\user; NULL keeps it) and optionally
 * unhide a recipient, by alias.  Audit-logged.
 */
int mbx_recipient_fixup(mbx_store *st, const char *alias, const char *account,
                        int unhide, const char *actor);

#ifdef __cplusplus
}
#endif
#endif
