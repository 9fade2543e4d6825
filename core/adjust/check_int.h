/*
 * core/adjust/check_int.h - the raw inconsistency queries shared by the check
 * (check.c, which turns them into findings) and the adjuster (adjust.c,
 * which turns them into a plan).  One query each, indexed.
 */
#ifndef MBX_CHECK_INT_H
#define MBX_CHECK_INT_H

#include "mbx/check.h"

typedef struct check_orphan {
	int64_t id;            /* mailbox */
	char *guid;
	char *display_name;
	char *legacy_dn;
	int64_t created;
} check_orphan;

typedef struct check_pf {
	int64_t id;
	char *path;
	char *server;
	char *site;
	int limited;           /* 'limit administrative access' */
	int site_known;        /* the site is known, only the server is not */
	int64_t modified;
} check_pf;

typedef struct check_perm {
	int64_t id;
	int64_t folder_id;
	char *account;
	char *rights;
	char *folder_path;
	int64_t granted;
} check_perm;

int check_orphans(mbx_store *st, check_orphan **out, size_t *n);
void check_orphans_free(check_orphan *v, size_t n);
int check_unknown_pfs(mbx_store *st, check_pf **out, size_t *n);
void check_pfs_free(check_pf *v, size_t n);
int check_unknown_perms(mbx_store *st, check_perm **out, size_t *n);
void check_perms_free(check_perm *v, size_t n);

#endif
