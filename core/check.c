/*
 * core/check.c - the DS/IS consistency check: store mailboxes and
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

#include "check_int.h"
#include "store_int.h"
#include "store_names.h"

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

/*
 * The link between store mailboxes and directory mailbox-recipients (GUID,
 * else legacy DN, else the recipient's DN equal to the mailbox's legacy
 * DN; case-insensitive), both ways, as a hash join over two sequential
 * scans: on 100,000 mailboxes this is several times faster than three
 * index lookups per row.  `server` NULL: orphans only.
 */
static int link_scan(mbx_store *st, const char *server, check_orphan **orph, size_t *no,
                     check_missing **miss, size_t *nm)
{
	keyset rg = { 0 }, rd = { 0 }, mg = { 0 }, ml = { 0 };
	sqlite3_stmt *s;
	check_orphan *ov = NULL;
	check_missing *cand = NULL, *mv = NULL;
	size_t ocnt = 0, ocap = 0, ccnt = 0, ccap = 0, mcnt = 0, i;
	int rc;

	*orph = NULL;
	*no = 0;
	if (miss) {
		*miss = NULL;
		*nm = 0;
	}
	/* Size the sets once: growing them means rehashing 100,000s of keys. */
	rc = store_stmt(st, "SELECT (SELECT coalesce(max(id), 0) FROM recipient), "
	                    "(SELECT coalesce(max(id), 0) FROM mailbox)", &s);
	if (rc < 0)
		return rc;
	if (sqlite3_step(s) == SQLITE_ROW) {
		size_t nr = (size_t)sqlite3_column_int64(s, 0), nmb = (size_t)sqlite3_column_int64(s, 1);

		keyset_reserve(&rg, nr);
		keyset_reserve(&rd, nr);
		if (miss) {
			keyset_reserve(&mg, nmb);
			keyset_reserve(&ml, nmb);
		}
	}
	store_done(s);
	rc = store_stmt(st, "SELECT mailbox_guid, legacy_dn, dn, id, home_server, display_name, "
	                    "alias, created_time FROM recipient WHERE object_class = 0", &s);
	if (rc < 0)
		return rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *g = (const char *)sqlite3_column_text(s, 0);
		const char *l = (const char *)sqlite3_column_text(s, 1);
		const char *d = (const char *)sqlite3_column_text(s, 2);
		const char *home = (const char *)sqlite3_column_text(s, 4);

		if (g)
			keyset_add(&rg, g);
		if (l)
			keyset_add(&rd, l);
		if (d)
			keyset_add(&rd, d);
		if (server && home && strcasecmp(home, server) == 0) {
			PUSH(cand, ccnt, ccap);
			cand[ccnt].id = sqlite3_column_int64(s, 3);
			cand[ccnt].display_name = store_col_str(s, 5);
			cand[ccnt].alias = store_col_str(s, 6);
			cand[ccnt].dn = mbx_strdup(d);
			cand[ccnt].created = sqlite3_column_int64(s, 7);
			ccnt++;
		}
	}
	rc = rc == SQLITE_DONE ? 0 : store_sqlerr(st, "reading the directory");
	store_done(s);
	if (rc < 0)
		goto out;
	/* In table order (sequential reads); the orphans are sorted below. */
	rc = store_stmt(st, "SELECT id, guid, display_name, legacy_dn, created_time FROM mailbox",
	                &s);
	if (rc < 0)
		goto out;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *g = (const char *)sqlite3_column_text(s, 1);
		const char *l = (const char *)sqlite3_column_text(s, 3);

		if (miss) {
			keyset_add(&mg, g);
			keyset_add(&ml, l);
		}
		if (keyset_has(&rg, g) || keyset_has(&rd, l))
			continue;
		PUSH(ov, ocnt, ocap);
		ov[ocnt].id = sqlite3_column_int64(s, 0);
		ov[ocnt].guid = mbx_strdup(g);
		ov[ocnt].display_name = store_col_str(s, 2);
		ov[ocnt].legacy_dn = mbx_strdup(l);
		ov[ocnt].created = sqlite3_column_int64(s, 4);
		ocnt++;
	}
	rc = rc == SQLITE_DONE ? 0 : store_sqlerr(st, "reading the information store");
	store_done(s);
	qsort(ov, ocnt, sizeof(*ov), orphan_cmp);
	if (rc < 0 || !miss || !ccnt)
		goto out;
	/* The candidates' GUIDs and legacy DNs: a second, narrow read. */
	rc = store_stmt(st, "SELECT mailbox_guid, legacy_dn FROM recipient WHERE id = ?1", &s);
	if (rc < 0)
		goto out;
	for (i = 0; i < ccnt; i++) {
		const char *g, *l;
		int linked = keyset_has(&ml, cand[i].dn);

		if (!linked) {
			sqlite3_bind_int64(s, 1, cand[i].id);
			if (sqlite3_step(s) != SQLITE_ROW) {
				rc = store_sqlerr(st, "reading the directory");
				store_done(s);
				goto out;
			}
			g = (const char *)sqlite3_column_text(s, 0);
			l = (const char *)sqlite3_column_text(s, 1);
			linked = (g && keyset_has(&mg, g)) || (l && keyset_has(&ml, l));
			sqlite3_reset(s);
		}
		if (linked)
			continue;
		mv = mbx_reallocarray(mv, mcnt + 1, sizeof(*mv));
		mv[mcnt++] = cand[i];
		memset(&cand[i], 0, sizeof(cand[i]));
	}
	store_done(s);
	qsort(mv, mcnt, sizeof(*mv), missing_cmp);
out:
	keyset_free(&rg);
	keyset_free(&rd);
	keyset_free(&mg);
	keyset_free(&ml);
	missing_free(cand, ccnt);
	if (rc < 0) {
		check_orphans_free(ov, ocnt);
		missing_free(mv, mcnt);
		return rc;
	}
	*orph = ov;
	*no = ocnt;
	if (miss) {
		*miss = mv;
		*nm = mcnt;
	} else {
		missing_free(mv, mcnt);
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

#define PF_PATHS "WITH RECURSIVE t(id, path) AS (" \
	" SELECT id, name FROM public_folder WHERE parent_id IS NULL" \
	" UNION ALL SELECT p.id, t.path || '/' || p.name FROM public_folder p" \
	" JOIN t ON p.parent_id = t.id) "

int check_unknown_pfs(mbx_store *st, check_pf **out, size_t *n)
{
	sqlite3_stmt *s;
	check_pf *v = NULL;
	size_t cnt = 0, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	rc = store_stmt(st, PF_PATHS
	                "SELECT p.id, t.path, p.home_server, p.home_site, p.limit_admin_access, "
	                "p.modified_time, "
	                "EXISTS (SELECT 1 FROM known_server k WHERE k.site = p.home_site) OR "
	                "EXISTS (SELECT 1 FROM server v WHERE v.site = p.home_site COLLATE NOCASE) "
	                "FROM public_folder p JOIN t ON t.id = p.id "
	                "WHERE NOT EXISTS (SELECT 1 FROM server v WHERE v.server = p.home_server "
	                "COLLATE NOCASE AND v.site = p.home_site COLLATE NOCASE) "
	                "AND NOT EXISTS (SELECT 1 FROM known_server k WHERE k.server = p.home_server "
	                "AND k.site = p.home_site) ORDER BY t.path, p.id", &s);
	if (rc < 0)
		return rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		PUSH(v, cnt, cap);
		v[cnt].id = sqlite3_column_int64(s, 0);
		v[cnt].path = store_col_str(s, 1);
		v[cnt].server = store_col_str(s, 2);
		v[cnt].site = store_col_str(s, 3);
		v[cnt].limited = sqlite3_column_int(s, 4);
		v[cnt].modified = sqlite3_column_int64(s, 5);
		v[cnt].site_known = sqlite3_column_int(s, 6);
		cnt++;
	}
	rc = rc == SQLITE_DONE ? 0 : store_sqlerr(st, "looking for public folders on unknown servers");
	store_done(s);
	if (rc < 0) {
		check_pfs_free(v, cnt);
		return rc;
	}
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
	size_t cnt = 0, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	/* Default and Anonymous are the built-in entries of every folder. */
	rc = store_stmt(st, PF_PATHS
	                "SELECT e.id, e.folder_id, e.account, e.rights, t.path, e.granted_time "
	                "FROM permission e JOIN t ON t.id = e.folder_id "
	                "WHERE e.account NOT IN ('Default', 'Anonymous') "
	                "AND NOT EXISTS (SELECT 1 FROM recipient r WHERE r.alias = e.account) "
	                "ORDER BY t.path, e.id", &s);
	if (rc < 0)
		return rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		PUSH(v, cnt, cap);
		v[cnt].id = sqlite3_column_int64(s, 0);
		v[cnt].folder_id = sqlite3_column_int64(s, 1);
		v[cnt].account = store_col_str(s, 2);
		v[cnt].rights = store_col_str(s, 3);
		v[cnt].folder_path = store_col_str(s, 4);
		v[cnt].granted = sqlite3_column_int64(s, 5);
		cnt++;
	}
	rc = rc == SQLITE_DONE ? 0 : store_sqlerr(st, "looking for unknown permission accounts");
	store_done(s);
	if (rc < 0) {
		check_perms_free(v, cnt);
		return rc;
	}
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
