/*
 * core/adjust/check.c - the DS/IS consistency check: store mailboxes and
 * directory entries that do not match, public folders homed where the
 * directory does not know, permission entries for unknown accounts, and
 * the recipients the adjuster recreated that still need the admin
 * (KB Q182979, Q163713, Q197970, Q265438).
 */
#include "config.h"
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "adjust/check_int.h"
#include "store/store_int.h"
#include "base/names.h"

static const char *const kind_names[MBX_FIND_KIND_COUNT] = {
	"orphaned-mailbox", "missing-mailbox", "public-folder-unknown-home",
	"unknown-permission", "recreated-hidden", "recreated-no-account"
};

const char *mbx_finding_kind_name(mbx_finding_kind kind)
{
	if ((int)kind < 0 || kind >= MBX_FIND_KIND_COUNT)
		return "unknown";
	return kind_names[kind];
}

int mbx_finding_is_warning(mbx_finding_kind kind)
{
	return kind == MBX_FIND_RECREATED_HIDDEN || kind == MBX_FIND_RECREATED_NO_ACCOUNT;
}

/* ---- The raw queries ---------------------------------------------------- */

/* Grow-by-doubling push for the arrays below. */
#define PUSH(v, cnt, cap) do { \
	if ((cnt) == (cap)) { \
		(cap) = (cap) ? (cap) * 2 : 64; \
		(v) = mbx_reallocarray((v), (cap), sizeof(*(v))); \
	} \
	memset(&(v)[(cnt)], 0, sizeof((v)[(cnt)])); \
} while (0)

/* A directory mailbox homed on this server with no store mailbox. */
typedef struct check_missing {
	int64_t id;
	char *display_name;
	char *alias;
	char *dn;
	int64_t created;
} check_missing;

static void missing_free(check_missing *v, size_t n)
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
	const check_missing *x = a, *y = b;
	int c = strcasecmp(x->display_name, y->display_name);

	return c ? c : (x->id > y->id) - (x->id < y->id);
}

static int orphan_cmp(const void *a, const void *b)
{
	const check_orphan *x = a, *y = b;
	int c = strcasecmp(x->display_name, y->display_name);

	return c ? c : (x->id > y->id) - (x->id < y->id);
}

/* The details of the few mailboxes the scan picked, by id. */
static int orphan_details(mbx_store *st, const int64_t *ids, size_t n, check_orphan **out)
{
	sqlite3_stmt *s;
	check_orphan *v = mbx_calloc(n ? n : 1, sizeof(*v));
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
		check_orphans_free(v, k);
		return rc;
	}
	*out = v;
	return 0;
}

static int missing_details(mbx_store *st, const int64_t *ids, size_t n, check_missing **out)
{
	sqlite3_stmt *s;
	check_missing *v = mbx_calloc(n ? n : 1, sizeof(*v));
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
		missing_free(v, k);
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
static int link_scan(mbx_store *st, const char *server, check_orphan **orph, size_t *no,
                     check_missing **miss, size_t *nm)
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
		check_orphans_free(*orph, *no);
		*orph = NULL;
		*no = 0;
		if (miss) {
			missing_free(*miss, *nm);
			*miss = NULL;
			*nm = 0;
		}
		return rc;
	}
	return 0;
}

int check_orphans(mbx_store *st, check_orphan **out, size_t *n)
{
	return link_scan(st, NULL, out, n, NULL, NULL);
}

void check_orphans_free(check_orphan *v, size_t n)
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
	const check_pf *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	return c ? c : (x->id > y->id) - (x->id < y->id);
}

static int perm_cmp(const void *a, const void *b)
{
	const check_perm *x = a, *y = b;
	int c = strcmp(x->folder_path, y->folder_path);

	return c ? c : (x->id > y->id) - (x->id < y->id);
}

int check_unknown_pfs(mbx_store *st, check_pf **out, size_t *n)
{
	sqlite3_stmt *s;
	check_pf *v = NULL;
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
		check_pfs_free(v, cnt);
		return rc;
	}
	if (cnt > 1)
		qsort(v, cnt, sizeof(*v), pf_cmp);
	*out = v;
	*n = cnt;
	return 0;
}

void check_pfs_free(check_pf *v, size_t n)
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

int check_unknown_perms(mbx_store *st, check_perm **out, size_t *n)
{
	sqlite3_stmt *s;
	check_perm *v = NULL;
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
		check_perms_free(v, cnt);
		return rc;
	}
	if (cnt > 1)
		qsort(v, cnt, sizeof(*v), perm_cmp);
	*out = v;
	*n = cnt;
	return 0;
}

void check_perms_free(check_perm *v, size_t n)
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

/* ---- Findings ------------------------------------------------------------ */

static mbx_finding *add(mbx_findings *f, size_t *cap, mbx_finding_kind kind, int64_t id,
                        int64_t since)
{
	mbx_finding *x;

	if (f->count == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		f->items = mbx_reallocarray(f->items, *cap, sizeof(*f->items));
	}
	x = &f->items[f->count++];
	memset(x, 0, sizeof(*x));
	x->kind = kind;
	x->object_id = id;
	x->since = since;
	return x;
}

static int find_links(mbx_store *st, mbx_findings *f, size_t *cap, const char *server)
{
	check_orphan *v;
	check_missing *m;
	size_t n, nm, i;
	int rc = link_scan(st, server, &v, &n, &m, &nm);

	if (rc < 0)
		return rc;
	for (i = 0; i < n; i++) {
		mbx_finding *x = add(f, cap, MBX_FIND_ORPHAN_MAILBOX, v[i].id, v[i].created);

		x->object = mbx_strdup(v[i].display_name);
		x->reason = mbx_asprintf("mailbox %s is in the information store but has no "
		                         "directory entry, so it can not be opened or exported "
		                         "(KB Q265438)", v[i].legacy_dn);
	}
	for (i = 0; i < nm; i++) {
		mbx_finding *x = add(f, cap, MBX_FIND_MISSING_MAILBOX, m[i].id, m[i].created);

		x->object = mbx_asprintf("%s (%s)", m[i].display_name, m[i].alias);
		x->reason = mbx_asprintf("directory mailbox %s is homed on %s but the information "
		                         "store has no mailbox for it", m[i].dn, server);
	}
	check_orphans_free(v, n);
	missing_free(m, nm);
	return 0;
}

static int find_pfs(mbx_store *st, mbx_findings *f, size_t *cap)
{
	check_pf *v;
	size_t n, i;
	int rc = check_unknown_pfs(st, &v, &n);

	if (rc < 0)
		return rc;
	for (i = 0; i < n; i++) {
		mbx_finding *x = add(f, cap, MBX_FIND_PF_UNKNOWN_HOME, v[i].id, v[i].modified);

		x->object = mbx_strdup(v[i].path);
		if (v[i].site_known)
			x->reason = mbx_asprintf("public folder is homed on server %s, which site %s "
			                         "does not have%s", v[i].server, v[i].site,
			                         v[i].limited ? "; 'limit administrative access' is "
			                         "set, so the adjuster leaves it alone" : "");
		else
			x->reason = mbx_asprintf("public folder is homed on server %s in site %s, a "
			                         "site the directory does not know%s", v[i].server,
			                         v[i].site, v[i].limited ? "; 'limit administrative "
			                         "access' is set, so the adjuster leaves it alone" : "");
	}
	check_pfs_free(v, n);
	return 0;
}

static int find_perms(mbx_store *st, mbx_findings *f, size_t *cap)
{
	check_perm *v;
	size_t n, i;
	int rc = check_unknown_perms(st, &v, &n);

	if (rc < 0)
		return rc;
	for (i = 0; i < n; i++) {
		mbx_finding *x = add(f, cap, MBX_FIND_UNKNOWN_PERMISSION, v[i].id, v[i].granted);

		x->object = mbx_asprintf("%s on %s", v[i].account, v[i].folder_path);
		x->reason = mbx_asprintf("permission entry (%s) names account '%s', which is not "
		                         "in the directory", v[i].rights, v[i].account);
	}
	check_perms_free(v, n);
	return 0;
}

static int find_recreated(mbx_store *st, mbx_findings *f, size_t *cap)
{
	sqlite3_stmt *s;
	int rc = store_stmt(st, "SELECT id, display_name, alias, hidden, "
	                        "coalesce(primary_account, '') = '', created_time FROM recipient "
	                        "WHERE created_by_adjuster = 1 AND (hidden = 1 OR "
	                        "coalesce(primary_account, '') = '') "
	                        "ORDER BY display_name COLLATE NOCASE, id", &s);

	if (rc < 0)
		return rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(s, 0), since = sqlite3_column_int64(s, 5);
		const char *name = (const char *)sqlite3_column_text(s, 1);
		const char *alias = (const char *)sqlite3_column_text(s, 2);
		mbx_finding *x;

		if (sqlite3_column_int(s, 3)) {
			x = add(f, cap, MBX_FIND_RECREATED_HIDDEN, id, since);
			x->object = mbx_asprintf("%s (%s)", name, alias);
			x->reason = mbx_strdup("recreated by the consistency adjuster and still hidden "
			                       "from the address book (KB Q197970); run fix-recipient "
			                       "--unhide");
		}
		if (sqlite3_column_int(s, 4)) {
			x = add(f, cap, MBX_FIND_RECREATED_NO_ACCOUNT, id, since);
			x->object = mbx_asprintf("%s (%s)", name, alias);
			x->reason = mbx_strdup("recreated by the consistency adjuster without a primary "
			                       "Windows NT account (KB Q197970); run fix-recipient "
			                       "--account DOMAIN\\user");
		}
	}
	rc = rc == SQLITE_DONE ? 0 : store_sqlerr(st, "looking for recreated recipients");
	store_done(s);
	return rc;
}

int mbx_check_run(mbx_store *st, mbx_findings **out)
{
	mbx_findings *f = mbx_calloc(1, sizeof(*f));
	mbx_server_info si;
	size_t cap = 0;
	int rc, own_txn;

	*out = NULL;
	rc = mbx_store_server_get(st, &si);
	if (rc < 0) {
		mbx_free(f);
		return rc;
	}
	/* One read transaction (deferred: no write lock, works read-only), so
	 * that every query sees the same state. */
	own_txn = st->txn_depth == 0;
	rc = own_txn ? store_exec(st, "BEGIN") : 0;
	if (rc == 0) {
		rc = find_links(st, f, &cap, si.server);
		if (rc == 0)
			rc = find_pfs(st, f, &cap);
		if (rc == 0)
			rc = find_perms(st, f, &cap);
		if (rc == 0)
			rc = find_recreated(st, f, &cap);
		if (own_txn)
			store_exec(st, rc == 0 ? "COMMIT" : "ROLLBACK");
	}
	mbx_server_info_clear(&si);
	if (rc < 0) {
		mbx_findings_free(f);
		return rc;
	}
	*out = f;
	return 0;
}

void mbx_findings_free(mbx_findings *f)
{
	size_t i;

	if (!f)
		return;
	for (i = 0; i < f->count; i++) {
		mbx_free(f->items[i].object);
		mbx_free(f->items[i].reason);
	}
	mbx_free(f->items);
	mbx_free(f);
}
