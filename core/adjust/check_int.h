/*
 * core/adjust/check_int.h - what the check (check.c), the adjuster
 * (adjust.c) and the rule table (rules.c) share: the state a rule's
 * functions work on, and each rule's functions.  The rows come from the
 * store's named queries (store/store_check.h); no SQL here.
 */
#ifndef MBX_CHECK_INT_H
#define MBX_CHECK_INT_H

#include "mbx/check.h"
#include "store/store_check.h"
#include "base/names.h"

/* The check (mbx_check_run). */
struct mbx_check_ctx {
	mbx_store *st;
	const char *server;    /* this server's name */
	/* Findings by kind: listed in the order of mbx_finding_kind, whichever
	 * check found them (check_add). */
	mbx_findings kinds[MBX_FIND_KIND_COUNT];
	size_t caps[MBX_FIND_KIND_COUNT];
	/* The orphans and the missing mailboxes come from one pass over the
	 * links (check_links reads it once). */
	int links_read;
	store_orphan *orph;
	size_t n_orph;
	store_missing *miss;
	size_t n_miss;
};

/* Append a finding; all but kind, object_id and since zero. */
mbx_finding *check_add(mbx_check_ctx *c, mbx_finding_kind kind, int64_t id, int64_t since);
/* The link pass, read on first use. */
int check_links(mbx_check_ctx *c);

/* The plan (mbx_adjust_plan_compute). */
struct mbx_plan_ctx {
	mbx_store *st;
	mbx_adjust_plan *plan; /* its functions: the MBX_ADJ_* bits asked for */
	size_t cap;
	mbx_server_info si;
	int64_t cutoff;        /* include items with 0 < since <= cutoff */
	int filtered;
	nameset aliases, dns, smtps;
};

/* 1 when an inconsistency that began at `since` passes the time filter. */
int plan_in_scope(const mbx_plan_ctx *c, int64_t since);
/* Append a change; all but kind and object_id zero. */
mbx_change *plan_add(mbx_plan_ctx *c, mbx_change_kind kind, int64_t id);

/* Applying a plan (mbx_adjust_apply): what the recipients created so far
 * in this apply link to. */
struct mbx_apply_ctx {
	mbx_store *st;
	const mbx_server_info *si;
	int64_t now;
	const char *actor;
	int unchanged;         /* the store is as the plan saw it */
	nameset guids, dns;
	/* The run being recorded (0 until its first change), and what the
	 * change just made was (set by apply and undo, written to its audit
	 * row by the caller, who frees the images). */
	int64_t run_id;
	unsigned functions;
	int64_t object_id;
	char *before, *after;  /* JSON images (undo.c), NULL: no row */
	/* Undoing: only say whether a record can be reverted (no change); the
	 * run undone; the permission entries this undo has put back so far. */
	int check_only;
	int64_t undoing;
	int64_t *restored;
	size_t n_restored, cap_restored;
};

/* The images of audit rows (undo.c): JSON objects, caller frees. */
char *image_recipient(const mbx_recipient *r);
char *image_home(const char *server, const char *site);
char *image_permission(const mbx_permission *p);

/* The rules' functions (rules.c lists them): the checks in check.c, the
 * plans and applies in adjust.c. */
int check_orphans(mbx_check_ctx *c);
int check_unknown_pfs(mbx_check_ctx *c);
int check_unknown_perms(mbx_check_ctx *c);
int plan_create(mbx_plan_ctx *c);
int plan_rehome(mbx_plan_ctx *c);
int plan_permissions(mbx_plan_ctx *c);
int apply_create(mbx_apply_ctx *a, const mbx_change *x);
int apply_rehome(mbx_apply_ctx *a, const mbx_change *x);
int apply_remove_permission(mbx_apply_ctx *a, const mbx_change *x);
/* and the undos, in undo.c. */
int undo_create(mbx_apply_ctx *a, const mbx_adjust_record *r);
int undo_rehome(mbx_apply_ctx *a, const mbx_adjust_record *r);
int undo_remove_permission(mbx_apply_ctx *a, const mbx_adjust_record *r);

#endif
