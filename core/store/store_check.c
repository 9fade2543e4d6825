/*
 * core/store/store_check.c - the queries of the DS/IS consistency check
 * and the adjuster (store_check.h): the mailbox/directory links, public
 * folders on unknown servers, permissions of unknown accounts, recipients
 * the adjuster recreated, and the lookups of the adjuster's plan and
 * apply.  core/adjust turns these rows into findings and plans.
 */
#include "config.h"
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "store/store_int.h"
#include "store/store_check.h"
#include "base/names.h"

/* Grow-by-doubling push for the arrays below. */
#define PUSH(v, cnt, cap) do { \
	if ((cnt) == (cap)) { \
		(cap) = (cap) ? (cap) * 2 : 64; \
		(v) = mbx_reallocarray((v), (cap), sizeof(*(v))); \
	} \
	memset(&(v)[(cnt)], 0, sizeof((v)[(cnt)])); \
} while (0)

void store_missing_free(store_missing *v, size_t n)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < n; i++) {
		mbx_free(v[i].display_name);
		mbx_free(v[i].alias);
		mbx_free(v[i].dn);
	}
	mbx_free(v);
}

static int missing_cmp(const void *a, const void *b)
{
	const store_missing *x = a, *y = b;
	int c = strcasecmp(x->display_name, y->display_name);

	return c ? c : (x->id > y->id) - (x->id < y->id);
}

static int orphan_cmp(const void *a, const void *b)
{
	const store_orphan *x = a, *y = b;
	int c = strcasecmp(x->display_name, y->display_name);

	return c ? c : (x->id > y->id) - (x->id < y->id);
}

/* The details of the few mailboxes the scan picked, by id. */
static int orphan_details(mbx_store *st, const int64_t *ids, size_t n, store_orphan **out)
{
	sqlite3_stmt *s;
	store_orphan *v = mbx_calloc(n ? n : 1, sizeof(*v));
	size_t k = 0;
	int rc = store_stmt(st, "SELECT id, guid, display_name, legacy_dn, created_time "
	                        "FROM mailbox WHERE id = ?1", &s);

	*out = NULL;
	if (rc < 0) {
		mbx_free(v);
		return rc;
	}
	for (k = 0; k < n; k++) {
		sqlite3_bind_int64(s, 1, ids[k]);
		if (sqlite3_step(s) != SQLITE_ROW) {
			rc = store_sqlerr(st, "reading a mailbox");
			break;
		}
		v[k].id = ids[k];
		v[k].guid = store_col_str(s, 1);
		v[k].display_name = store_col_str(s, 2);
		v[k].legacy_dn = store_col_str(s, 3);
		v[k].created = sqlite3_column_int64(s, 4);
		sqlite3_reset(s);
	}
	store_done(s);
	if (rc < 0) {
		store_orphans_free(v, k);
		return rc;
	}
	*out = v;
	return 0;
}

static int missing_details(mbx_store *st, const int64_t *ids, size_t n, store_missing **out)
{
	sqlite3_stmt *s;
	store_missing *v = mbx_calloc(n ? n : 1, sizeof(*v));
	size_t k;
	int rc = store_stmt(st, "SELECT display_name, alias, dn, created_time FROM recipient "
	                        "WHERE id = ?1", &s);

	*out = NULL;
	if (rc < 0) {
		mbx_free(v);
		return rc;
	}
	for (k = 0; k < n; k++) {
		sqlite3_bind_int64(s, 1, ids[k]);
		if (sqlite3_step(s) != SQLITE_ROW) {
			rc = store_sqlerr(st, "reading a recipient");
			break;
		}
		v[k].id = ids[k];
		v[k].display_name = store_col_str(s, 0);
		v[k].alias = store_col_str(s, 1);
		v[k].dn = store_col_str(s, 2);
		v[k].created = sqlite3_column_int64(s, 3);
		sqlite3_reset(s);
	}
	store_done(s);
	if (rc < 0) {
		store_missing_free(v, k);
		return rc;
	}
	*out = v;
	return 0;
}

/* Append a row id to a growing array. */
static void push_id(int64_t **v, size_t *n, size_t *cap, int64_t id)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 1024;
		*v = mbx_reallocarray(*v, *cap, sizeof(**v));
	}
	(*v)[(*n)++] = id;
}

/* Add column `col` of the current row to a fingerprint list. */
static void add_col(fplist *l, char tag, sqlite3_stmt *s, int col, uint32_t idx)
{
	const char *v = (const char *)sqlite3_column_text(s, col);

	if (v)
		fplist_add(l, tag, v, (size_t)sqlite3_column_bytes(s, col), idx);
}

/* The ids of the rows whose `found` flag is clear (and `want`, when
 * given, set). */
static void pick_unfound(const int64_t *ids, const unsigned char *found,
                         const unsigned char *want, size_t n, int64_t **pick, size_t *npick)
{
	size_t cap = 0, i;

	*pick = NULL;
	*npick = 0;
	for (i = 0; i < n; i++)
		if (!found[i] && (!want || want[i]))
			push_id(pick, npick, &cap, ids[i]);
}

/*
 * The link between store mailboxes and directory mailbox-recipients (GUID,
 * else legacy DN, else the recipient's DN equal to the mailbox's legacy
 * DN; case-insensitive), both ways at once, as one sort-merge join of
 * fingerprints over two sequential scans: on 100,000 mailboxes several
 * times faster than three index lookups per row.  Tags: 'g' GUIDs, 'd' DNs.
 * `server` NULL: orphans only.
 */
int store_check_links(mbx_store *st, const char *server, store_orphan **orph, size_t *no,
                      store_missing **miss, size_t *nm)
{
	fplist rset = { 0 }, mset = { 0 }, scratch = { 0 };
	sqlite3_stmt *s;
	int64_t *rids = NULL, *mids = NULL, *pick = NULL;
	size_t nr = 0, cr = 0, nmb = 0, cm = 0, npick = 0, chome = 0;
	unsigned char *found_r = NULL, *found_m = NULL, *home = NULL;
	int rc;

	*orph = NULL;
	*no = 0;
	if (miss) {
		*miss = NULL;
		*nm = 0;
	}
	/* Size the lists once from the row counts' upper bounds. */
	rc = store_stmt(st, "SELECT (SELECT coalesce(max(id), 0) FROM recipient), "
	                    "(SELECT coalesce(max(id), 0) FROM mailbox)", &s);
	if (rc < 0)
		goto out;
	if (sqlite3_step(s) == SQLITE_ROW) {
		size_t r = (size_t)sqlite3_column_int64(s, 0), m = (size_t)sqlite3_column_int64(s, 1);

		fplist_reserve(&rset, 2 * r);
		fplist_reserve(&mset, 2 * m);
	}
	store_done(s);
	/* The directory's mailboxes, with whether each is homed here. */
	rc = store_stmt(st, "SELECT id, mailbox_guid, legacy_dn, dn, home_server = ?1 "
	                    "FROM recipient WHERE object_class = 0 ORDER BY id", &s);
	if (rc < 0)
		goto out;
	if (server)
		store_bind_text(s, 1, server);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (nr >= UINT32_MAX) {
			rc = mbx_error_set(MBX_ELIMIT, "more than %u recipients", (unsigned)UINT32_MAX);
			break;
		}
		add_col(&rset, 'g', s, 1, (uint32_t)nr);
		add_col(&rset, 'd', s, 2, (uint32_t)nr);
		add_col(&rset, 'd', s, 3, (uint32_t)nr);
		if (nr == chome) {
			chome = chome ? chome * 2 : 1024;
			home = mbx_realloc(home, chome);
		}
		home[nr] = (unsigned char)sqlite3_column_int(s, 4);
		push_id(&rids, &nr, &cr, sqlite3_column_int64(s, 0));
	}
	rc = rc == SQLITE_DONE ? 0 : (rc < 0 ? rc : store_sqlerr(st, "reading the directory"));
	store_done(s);
	if (rc < 0)
		goto out;
	/* The store's mailboxes, in id order. */
	rc = store_stmt(st, "SELECT id, guid, legacy_dn FROM mailbox ORDER BY id", &s);
	if (rc < 0)
		goto out;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (nmb >= UINT32_MAX) {
			rc = mbx_error_set(MBX_ELIMIT, "more than %u mailboxes", (unsigned)UINT32_MAX);
			break;
		}
		add_col(&mset, 'g', s, 1, (uint32_t)nmb);
		add_col(&mset, 'd', s, 2, (uint32_t)nmb);
		push_id(&mids, &nmb, &cm, sqlite3_column_int64(s, 0));
	}
	rc = rc == SQLITE_DONE ? 0 : (rc < 0 ? rc : store_sqlerr(st, "reading the information store"));
	store_done(s);
	if (rc < 0)
		goto out;
	fplist_sort(&rset, &scratch);
	fplist_sort(&mset, &scratch);
	found_r = mbx_calloc(nr ? nr : 1, 1);
	found_m = mbx_calloc(nmb ? nmb : 1, 1);
	fplist_link(&rset, &mset, found_r, found_m);

	pick_unfound(mids, found_m, NULL, nmb, &pick, &npick);
	rc = orphan_details(st, pick, npick, orph);
	if (rc < 0)
		goto out;
	*no = npick;
	if (npick)
		qsort(*orph, npick, sizeof(**orph), orphan_cmp);
	if (!miss)
		goto out;
	/* Directory mailboxes homed here that no mailbox links to. */
	mbx_free(pick);
	pick_unfound(rids, found_r, home, nr, &pick, &npick);
	rc = missing_details(st, pick, npick, miss);
	if (rc < 0)
		goto out;
	*nm = npick;
	if (npick)
		qsort(*miss, npick, sizeof(**miss), missing_cmp);
out:
	fplist_free(&rset);
	fplist_free(&mset);
	fplist_free(&scratch);
	mbx_free(rids);
	mbx_free(mids);
	mbx_free(pick);
	mbx_free(found_r);
	mbx_free(found_m);
	mbx_free(home);
	if (rc < 0) {
		store_orphans_free(*orph, *no);
		*orph = NULL;
		*no = 0;
		if (miss) {
			store_missing_free(*miss, *nm);
			*miss = NULL;
			*nm = 0;
		}
		return rc;
	}
	return 0;
}

void store_orphans_free(store_orphan *v, size_t n)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < n; i++) {
		mbx_free(v[i].guid);
		mbx_free(v[i].display_name);
		mbx_free(v[i].legacy_dn);
	}
	mbx_free(v);
}

/*
 * Public folder paths ("Top/Sub/Leaf"), built in memory from one scan:
 * the recursive query that did this cost more than the check's questions
 * themselves.  Folders that do not reach a root (a parent missing, or a
 * loop) have no path and are left out, as the recursive join left them.
 */
typedef struct pf_paths {
	int64_t *id;           /* ascending */
	int64_t *parent;
	unsigned char *has_parent;
	unsigned char *state;  /* 0 not yet, 1 being resolved, 2 done */
	char **name;
	char **path;           /* NULL: not reachable from a root */
	size_t n;
} pf_paths;

static void pf_paths_free(pf_paths *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		mbx_free(p->name[i]);
		mbx_free(p->path[i]);
	}
	mbx_free(p->id);
	mbx_free(p->parent);
	mbx_free(p->has_parent);
	mbx_free(p->state);
	mbx_free(p->name);
	mbx_free(p->path);
	memset(p, 0, sizeof(*p));
}

/* Index of folder `id`, or SIZE_MAX. */
static size_t pf_find(const pf_paths *p, int64_t id)
{
	size_t lo = 0, hi = p->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->id[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < p->n && p->id[lo] == id ? lo : SIZE_MAX;
}

/* Walk up from folder i to a resolved folder or a root, then set the
 * paths on the way back down.  `stack` has room for every folder. */
static void pf_resolve(pf_paths *p, size_t i, size_t *stack)
{
	size_t k = 0, j = i, pj, m;
	int broken = 0;

	for (;;) {
		if (p->state[j] == 2)
			break;
		if (p->state[j] == 1) {          /* a loop */
			broken = 1;
			break;
		}
		p->state[j] = 1;
		stack[k++] = j;
		if (!p->has_parent[j])
			break;
		pj = pf_find(p, p->parent[j]);
		if (pj == SIZE_MAX) {            /* parent missing */
			broken = 1;
			break;
		}
		j = pj;
	}
	while (k > 0) {
		m = stack[--k];
		if (broken) {
			p->path[m] = NULL;
		} else if (!p->has_parent[m]) {
			p->path[m] = mbx_strdup(p->name[m]);
		} else {
			const char *pp = p->path[pf_find(p, p->parent[m])];

			p->path[m] = pp ? mbx_asprintf("%s/%s", pp, p->name[m]) : NULL;
		}
		p->state[m] = 2;
	}
}

static int pf_paths_load(mbx_store *st, pf_paths *p)
{
	sqlite3_stmt *s;
	size_t cap = 0, i, *stack;
	int rc;

	memset(p, 0, sizeof(*p));
	rc = store_stmt(st, "SELECT id, parent_id, name FROM public_folder ORDER BY id", &s);
	if (rc < 0)
		return rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (p->n == cap) {
			cap = cap ? cap * 2 : 256;
			p->id = mbx_reallocarray(p->id, cap, sizeof(*p->id));
			p->parent = mbx_reallocarray(p->parent, cap, sizeof(*p->parent));
			p->has_parent = mbx_realloc(p->has_parent, cap);
			p->name = mbx_reallocarray(p->name, cap, sizeof(*p->name));
		}
		p->id[p->n] = sqlite3_column_int64(s, 0);
		p->has_parent[p->n] = sqlite3_column_type(s, 1) != SQLITE_NULL;
		p->parent[p->n] = sqlite3_column_int64(s, 1);
		p->name[p->n] = store_col_str(s, 2);
		if (!p->name[p->n])
			p->name[p->n] = mbx_strdup("");
		p->n++;
	}
	rc = rc == SQLITE_DONE ? 0 : store_sqlerr(st, "reading the public folders");
	store_done(s);
	p->state = mbx_calloc(p->n ? p->n : 1, 1);
	p->path = mbx_calloc(p->n ? p->n : 1, sizeof(*p->path));
	if (rc < 0) {
		pf_paths_free(p);
		return rc;
	}
	stack = mbx_reallocarray(NULL, p->n ? p->n : 1, sizeof(*stack));
	for (i = 0; i < p->n; i++)
		if (p->state[i] != 2)
			pf_resolve(p, i, stack);
	mbx_free(stack);
	return 0;
}

/* The path of folder `id`, or NULL when it has none. */
static const char *pf_path(const pf_paths *p, int64_t id)
{
	size_t i = pf_find(p, id);

	return i == SIZE_MAX ? NULL : p->path[i];
}

/* ORDER BY path, id (BINARY: byte order). */
static int pf_cmp(const void *a, const void *b)
{
	const store_unknown_pf *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	return c ? c : (x->id > y->id) - (x->id < y->id);
}

static int perm_cmp(const void *a, const void *b)
{
	const store_unknown_perm *x = a, *y = b;
	int c = strcmp(x->folder_path, y->folder_path);

	return c ? c : (x->id > y->id) - (x->id < y->id);
}

int store_check_unknown_pfs(mbx_store *st, store_unknown_pf **out, size_t *n)
{
	sqlite3_stmt *s;
	store_unknown_pf *v = NULL;
	pf_paths paths;
	size_t cnt = 0, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	rc = pf_paths_load(st, &paths);
	if (rc < 0)
		return rc;
	rc = store_stmt(st, "SELECT p.id, p.home_server, p.home_site, p.limit_admin_access, "
	                "p.modified_time, "
	                "EXISTS (SELECT 1 FROM known_server k WHERE k.site = p.home_site) OR "
	                "EXISTS (SELECT 1 FROM server v WHERE v.site = p.home_site COLLATE NOCASE) "
	                "FROM public_folder p "
	                "WHERE NOT EXISTS (SELECT 1 FROM server v WHERE v.server = p.home_server "
	                "COLLATE NOCASE AND v.site = p.home_site COLLATE NOCASE) "
	                "AND NOT EXISTS (SELECT 1 FROM known_server k WHERE k.server = p.home_server "
	                "AND k.site = p.home_site)", &s);
	if (rc < 0) {
		pf_paths_free(&paths);
		return rc;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(s, 0);
		const char *path = pf_path(&paths, id);

		if (!path)
			continue;
		PUSH(v, cnt, cap);
		v[cnt].id = id;
		v[cnt].path = mbx_strdup(path);
		v[cnt].server = store_col_str(s, 1);
		v[cnt].site = store_col_str(s, 2);
		v[cnt].limited = sqlite3_column_int(s, 3);
		v[cnt].modified = sqlite3_column_int64(s, 4);
		v[cnt].site_known = sqlite3_column_int(s, 5);
		cnt++;
	}
	rc = rc == SQLITE_DONE ? 0 : store_sqlerr(st, "looking for public folders on unknown servers");
	store_done(s);
	pf_paths_free(&paths);
	if (rc < 0) {
		store_unknown_pfs_free(v, cnt);
		return rc;
	}
	if (cnt > 1)
		qsort(v, cnt, sizeof(*v), pf_cmp);
	*out = v;
	*n = cnt;
	return 0;
}

void store_unknown_pfs_free(store_unknown_pf *v, size_t n)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < n; i++) {
		mbx_free(v[i].path);
		mbx_free(v[i].server);
		mbx_free(v[i].site);
	}
	mbx_free(v);
}

int store_check_unknown_perms(mbx_store *st, store_unknown_perm **out, size_t *n)
{
	sqlite3_stmt *s;
	store_unknown_perm *v = NULL;
	pf_paths paths;
	size_t cnt = 0, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	rc = pf_paths_load(st, &paths);
	if (rc < 0)
		return rc;
	/* Default and Anonymous are the built-in entries of every folder. */
	rc = store_stmt(st, "SELECT e.id, e.folder_id, e.account, e.rights, e.granted_time "
	                "FROM permission e "
	                "WHERE e.account NOT IN ('Default', 'Anonymous') "
	                "AND NOT EXISTS (SELECT 1 FROM recipient r WHERE r.alias = e.account)", &s);
	if (rc < 0) {
		pf_paths_free(&paths);
		return rc;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t folder = sqlite3_column_int64(s, 1);
		const char *path = pf_path(&paths, folder);

		if (!path)
			continue;
		PUSH(v, cnt, cap);
		v[cnt].id = sqlite3_column_int64(s, 0);
		v[cnt].folder_id = folder;
		v[cnt].account = store_col_str(s, 2);
		v[cnt].rights = store_col_str(s, 3);
		v[cnt].folder_path = mbx_strdup(path);
		v[cnt].granted = sqlite3_column_int64(s, 4);
		cnt++;
	}
	rc = rc == SQLITE_DONE ? 0 : store_sqlerr(st, "looking for unknown permission accounts");
	store_done(s);
	pf_paths_free(&paths);
	if (rc < 0) {
		store_unknown_perms_free(v, cnt);
		return rc;
	}
	if (cnt > 1)
		qsort(v, cnt, sizeof(*v), perm_cmp);
	*out = v;
	*n = cnt;
	return 0;
}

void store_unknown_perms_free(store_unknown_perm *v, size_t n)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < n; i++) {
		mbx_free(v[i].account);
		mbx_free(v[i].rights);
		mbx_free(v[i].folder_path);
	}
	mbx_free(v);
}
/* ---- Recreated recipients ------------------------------------------------ */

int store_check_recreated(mbx_store *st, int (*fn)(void *ctx, const store_recreated *r),
                          void *ctx)
{
	sqlite3_stmt *s;
	store_recreated r;
	int rc = store_stmt(st, "SELECT id, display_name, alias, hidden, "
	                        "coalesce(primary_account, '') = '', created_time FROM recipient "
	                        "WHERE created_by_adjuster = 1 AND (hidden = 1 OR "
	                        "coalesce(primary_account, '') = '') "
	                        "ORDER BY display_name COLLATE NOCASE, id", &s);

	if (rc < 0)
		return rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		r.id = sqlite3_column_int64(s, 0);
		r.display_name = (const char *)sqlite3_column_text(s, 1);
		r.alias = (const char *)sqlite3_column_text(s, 2);
		r.hidden = sqlite3_column_int(s, 3);
		r.no_account = sqlite3_column_int(s, 4);
		r.created = sqlite3_column_int64(s, 5);
		rc = fn(ctx, &r);
		if (rc < 0)
			break;
	}
	if (rc >= 0)
		rc = rc == SQLITE_DONE ? 0 : store_sqlerr(st, "looking for recreated recipients");
	store_done(s);
	return rc;
}

/* ---- The adjuster's lookups ----------------------------------------------- */

/* (One index lookup each: loading every name of the directory into a hash
 * set first measured slower, even for 10,000 new entries in 100,000.) */
int store_check_name_taken(mbx_store *st, store_name which, const char *value)
{
	static const char *const sql[] = {
		"SELECT EXISTS (SELECT 1 FROM recipient WHERE alias = ?1)",
		"SELECT EXISTS (SELECT 1 FROM recipient WHERE dn = ?1)",
		"SELECT EXISTS (SELECT 1 FROM recipient WHERE smtp = ?1)",
	};
	sqlite3_stmt *s;
	int rc;

	if ((int)which < 0 || which > STORE_NAME_SMTP)
		return mbx_error_set(MBX_EINVAL, "unknown recipient name %d", (int)which);
	rc = store_stmt(st, sql[which], &s);
	if (rc < 0)
		return rc;
	store_bind_text(s, 1, value);
	rc = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0)
	                                   : store_sqlerr(st, "looking up the directory");
	store_done(s);
	return rc;
}

int store_check_state(mbx_store *st, uint64_t *handle, int64_t *version, int64_t *changes)
{
	sqlite3_stmt *s;
	int rc = store_stmt(st, "PRAGMA data_version", &s);

	if (rc < 0)
		return rc;
	if (sqlite3_step(s) == SQLITE_ROW)
		*version = sqlite3_column_int64(s, 0);
	else
		rc = store_sqlerr(st, "reading the store's state");
	store_done(s);
	*changes = (int64_t)sqlite3_total_changes64(st->db);
	*handle = st->handle_id;
	return rc;
}

int store_check_mailbox_keys(mbx_store *st, int64_t id, mbx_mailbox *out)
{
	sqlite3_stmt *s;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = store_stmt(st, "SELECT guid, display_name, legacy_dn FROM mailbox WHERE id = ?1", &s);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		out->id = id;
		out->guid = store_col_str(s, 0);
		out->display_name = store_col_str(s, 1);
		out->legacy_dn = store_col_str(s, 2);
		rc = 1;
	} else {
		rc = rc == SQLITE_DONE ? 0 : store_sqlerr(st, "reading a mailbox");
	}
	store_done(s);
	return rc;
}
