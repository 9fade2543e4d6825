/*
 * core/store/store_check.h - the store's side of the DS/IS consistency
 * check and the adjuster (core/adjust): the inconsistency queries, one
 * scan or indexed query each, and the few lookups the adjuster's plan and
 * apply make.  Internal to the core; no SQLite here, so that core/adjust
 * sees rows only as these structs.
 *
 * Ownership: the arrays returned belong to the caller, who releases them
 * with the matching *_free (NULL is a no-op).  Strings passed to a
 * callback belong to the store and last only for the call.
 */
#ifndef MBX_STORE_CHECK_H
#define MBX_STORE_CHECK_H

#include "mbx/store.h"

/* A store mailbox no directory entry links to. */
typedef struct store_orphan {
	int64_t id;            /* mailbox */
	char *guid;
	char *display_name;
	char *legacy_dn;
	int64_t created;
} store_orphan;

/* A directory mailbox homed on this server with no store mailbox. */
typedef struct store_missing {
	int64_t id;            /* recipient */
	char *display_name;
	char *alias;
	char *dn;
	int64_t created;
} store_missing;

/* A public folder homed on a server (or site) the directory does not know. */
typedef struct store_unknown_pf {
	int64_t id;
	char *path;            /* "Top/Sub/Leaf" */
	char *server;
	char *site;
	int limited;           /* 'limit administrative access' */
	int site_known;        /* the site is known, only the server is not */
	int64_t modified;
} store_unknown_pf;

/* A permission entry naming an account that is not in the directory. */
typedef struct store_unknown_perm {
	int64_t id;
	int64_t folder_id;
	char *account;
	char *rights;
	char *folder_path;
	int64_t granted;
} store_unknown_perm;

/*
 * The links between store mailboxes and directory mailbox-recipients, both
 * ways in one pass: the orphans (ordered by display name, case-insensitive,
 * then id) and, when `server` is not NULL (then `miss` and `nm` must be
 * given too), the directory mailboxes homed on `server` that no mailbox
 * links to (same order).  Either list may be empty (NULL).
 */
int store_check_links(mbx_store *st, const char *server, store_orphan **orph, size_t *no,
                      store_missing **miss, size_t *nm);
void store_orphans_free(store_orphan *v, size_t n);
void store_missing_free(store_missing *v, size_t n);

/* Public folders on unknown servers, ordered by path (bytewise), then id. */
int store_check_unknown_pfs(mbx_store *st, store_unknown_pf **out, size_t *n);
void store_unknown_pfs_free(store_unknown_pf *v, size_t n);

/* Permission entries of unknown accounts (never Default or Anonymous),
 * ordered by folder path (bytewise), then id. */
int store_check_unknown_perms(mbx_store *st, store_unknown_perm **out, size_t *n);
void store_unknown_perms_free(store_unknown_perm *v, size_t n);

/* A recipient the adjuster created that is still hidden or has no primary
 * account (KB Q197970). */
typedef struct store_recreated {
	int64_t id;
	const char *display_name;
	const char *alias;
	int hidden;
	int no_account;
	int64_t created;
} store_recreated;

/* Call fn for each such recipient, by display name (case-insensitive),
 * then id; a negative return from fn stops the walk and is returned. */
int store_check_recreated(mbx_store *st, int (*fn)(void *ctx, const store_recreated *r),
                          void *ctx);

/* Which name of a recipient store_check_name_taken looks up. */
typedef enum { STORE_NAME_ALIAS, STORE_NAME_DN, STORE_NAME_SMTP } store_name;

/* 1 when a recipient already has `value` as its `which`, 0 when none has,
 * <0 on error.  One index lookup. */
int store_check_name_taken(mbx_store *st, store_name which, const char *value);

/*
 * What tells the store as a plan saw it from a changed one: the handle's
 * random id (never 0), PRAGMA data_version (moves when another connection
 * commits) and this connection's change count (moves when it writes).
 */
int store_check_state(mbx_store *st, uint64_t *handle, int64_t *version, int64_t *changes);

/* The cn of a legacy DN ("/o=O/ou=S/cn=Recipients/cn=JSmith" -> "JSmith"),
 * caller frees; NULL when the DN has no cn.  (The alias the adjuster
 * gives a recreated entry, and an orphan's alias in the store.) */
char *store_dn_cn(const char *dn);

/* A mailbox's id, GUID, display name and legacy DN only (no link lookups):
 * 1 and *out filled (mbx_mailbox_clear), 0 when there is no such mailbox,
 * <0 on error. */
int store_check_mailbox_keys(mbx_store *st, int64_t id, mbx_mailbox *out);

#endif
