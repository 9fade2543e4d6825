/*
 * core/store/store_is.c - the information store: the Mailbox Resources
 * (with their links to the directory) and their folders.  Messages are in
 * store_msg.c.
 */
#include "config.h"
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "store/store_int.h"
#include "base/names.h"

/* ---- Mailboxes ---------------------------------------------------------- */

/*
 * The link from a store mailbox to its directory entry: a mailbox-recipient
 * with the mailbox's GUID, else one whose legacy DN or DN is the mailbox's
 * legacy DN.  Each alternative is one index lookup (schema 2).
 */
#define MAILBOX_SELECT \
	"SELECT m.id, m.guid, m.display_name, m.legacy_dn, m.item_count, m.total_size, " \
	"m.last_logon, m.created_time, r.id, r.alias, m.props FROM mailbox m " \
	"LEFT JOIN recipient r ON r.id = COALESCE(" \
	"(SELECT x.id FROM recipient x WHERE x.mailbox_guid = m.guid AND x.object_class = 0), " \
	"(SELECT x.id FROM recipient x WHERE x.legacy_dn = m.legacy_dn AND x.object_class = 0), " \
	"(SELECT x.id FROM recipient x WHERE x.dn = m.legacy_dn AND x.object_class = 0)) "

/* Columns 0-7 of MAILBOX_SELECT and of the plain mailbox scan. */
void store_mailbox_cols(sqlite3_stmt *s, mbx_mailbox *m)
{
	m->id = sqlite3_column_int64(s, 0);
	m->guid = store_col_str(s, 1);
	m->display_name = store_col_str(s, 2);
	m->legacy_dn = store_col_str(s, 3);
	m->item_count = sqlite3_column_int64(s, 4);
	m->total_size = sqlite3_column_int64(s, 5);
	m->last_logon = sqlite3_column_int64(s, 6);
	m->created_time = sqlite3_column_int64(s, 7);
}

/* An unlinked mailbox's alias: the cn of its legacy DN, else its GUID. */
void store_mailbox_alias_fallback(mbx_mailbox *m)
{
	if (!m->alias)
		m->alias = store_dn_cn(m->legacy_dn);
	if (!m->alias)
		m->alias = mbx_strdup(m->guid);
}

/* A row of MAILBOX_SELECT, with the bag. */
static int mailbox_row(sqlite3_stmt *s, mbx_mailbox *m)
{
	store_mailbox_cols(s, m);
	m->recipient_id = sqlite3_column_int64(s, 8);
	m->alias = store_col_str(s, 9);
	store_mailbox_alias_fallback(m);
	return store_mailbox_bag_load(m, sqlite3_column_blob(s, 10), (size_t)sqlite3_column_bytes(s, 10));
}

/*
 * mbx_store_mailboxes resolves the same link as MAILBOX_SELECT for all
 * mailboxes at once, the way the check does (base/names.h): both tables
 * read once in rowid order, fingerprints sorted and merged.  Three kinds of
 * link, in order of preference; a fingerprint's idx is row * STORE_LINK_KINDS +
 * kind on both sides, and equal tags make equal kinds meet.
 */
/* The directory's side: mailbox-recipients in id order. */
typedef struct link_dir {
	int64_t *id;
	size_t *alias_off;     /* into `alias`, NUL-separated: one block */
	char *alias;
	size_t n, cap, alias_len, alias_cap;
	fplist fp;
} link_dir;

static void link_dir_free(link_dir *d)
{
	mbx_free(d->id);
	mbx_free(d->alias_off);
	mbx_free(d->alias);
	fplist_free(&d->fp);
}

static int link_dir_read(mbx_store *st, link_dir *d)
{
	sqlite3_stmt *s;
	int rc;

	rc = store_stmt(st, "SELECT id, mailbox_guid, legacy_dn, dn, alias FROM recipient "
	                    "WHERE object_class = 0 ORDER BY id", &s);
	if (rc < 0)
		return rc;
	d->cap = store_rows_hint(st, STORE_RECIPIENT_ROWS_HINT);
	if (d->cap) {
		d->id = mbx_reallocarray(NULL, d->cap, sizeof(*d->id));
		d->alias_off = mbx_reallocarray(NULL, d->cap, sizeof(*d->alias_off));
		fplist_reserve(&d->fp, d->cap * STORE_LINK_KINDS);
		d->alias_cap = d->cap * 16;
		d->alias = mbx_malloc(d->alias_cap);
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *alias = (const char *)sqlite3_column_text(s, 4);
		size_t len = (size_t)sqlite3_column_bytes(s, 4);

		if (d->n >= UINT32_MAX / STORE_LINK_KINDS) {
			rc = mbx_error_set(MBX_ELIMIT, "more than %u recipients",
			                   (unsigned)(UINT32_MAX / STORE_LINK_KINDS));
			break;
		}
		if (d->n == d->cap) {
			d->cap = d->cap ? d->cap * 2 : 1024;
			d->id = mbx_reallocarray(d->id, d->cap, sizeof(*d->id));
			d->alias_off = mbx_reallocarray(d->alias_off, d->cap, sizeof(*d->alias_off));
		}
		while (d->alias_len + len + 1 > d->alias_cap) {
			d->alias_cap = d->alias_cap ? d->alias_cap * 2 : 65536;
			d->alias = mbx_realloc(d->alias, d->alias_cap);
		}
		memcpy(d->alias + d->alias_len, alias ? alias : "", len);
		d->alias[d->alias_len + len] = '\0';
		d->alias_off[d->n] = d->alias_len;
		d->alias_len += len + 1;
		d->id[d->n] = sqlite3_column_int64(s, 0);
		store_link_fp(&d->fp, STORE_LINK_GUID, s, 1, d->n);
		store_link_fp(&d->fp, STORE_LINK_LEGACY_DN, s, 2, d->n);
		store_link_fp(&d->fp, STORE_LINK_DN, s, 3, d->n);
		d->n++;
	}
	rc = rc == SQLITE_DONE ? 0 : (rc < 0 ? rc : store_sqlerr(st, "reading the directory"));
	store_done(s);
	return rc;
}

/* The store's side, in id order, with their fingerprints. */
static int link_mailboxes_read(mbx_store *st, mbx_mailbox **out, size_t *n, fplist *fp)
{
	sqlite3_stmt *s;
	mbx_mailbox *v = NULL;
	size_t cnt = 0, cap = 0;
	int rc;

	rc = store_stmt(st, "SELECT id, guid, display_name, legacy_dn, item_count, total_size, "
	                    "last_logon, created_time FROM mailbox ORDER BY id", &s);
	if (rc < 0)
		return rc;
	cap = store_rows_hint(st, STORE_MAILBOX_ROWS_HINT);
	if (cap) {
		v = mbx_reallocarray(NULL, cap, sizeof(*v));
		fplist_reserve(fp, cap * STORE_LINK_KINDS);
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (cnt >= UINT32_MAX / STORE_LINK_KINDS) {
			rc = mbx_error_set(MBX_ELIMIT, "more than %u mailboxes",
			                   (unsigned)(UINT32_MAX / STORE_LINK_KINDS));
			break;
		}
		if (cnt == cap) {
			cap = cap ? cap * 2 : 64;
			v = mbx_reallocarray(v, cap, sizeof(*v));
		}
		memset(&v[cnt], 0, sizeof(v[cnt]));
		store_mailbox_cols(s, &v[cnt]);
		store_link_fp(fp, STORE_LINK_GUID, s, 1, cnt);
		store_link_fp(fp, STORE_LINK_LEGACY_DN, s, 3, cnt);
		store_link_fp(fp, STORE_LINK_DN, s, 3, cnt);
		cnt++;
	}
	rc = rc == SQLITE_DONE ? 0 : (rc < 0 ? rc : store_sqlerr(st, "reading the mailboxes"));
	store_done(s);
	*out = v;
	*n = cnt;
	return rc;
}

int mbx_store_mailboxes(mbx_store *st, mbx_mailbox **out, size_t *n)
{
	link_dir d = { 0 };
	fplist mfp = { 0 }, scratch = { 0 };
	mbx_mailbox *v = NULL;
	name_key *k = NULL;
	uint32_t *row = NULL;
	size_t cnt = 0, i;
	int rc;

	*out = NULL;
	*n = 0;
	rc = link_dir_read(st, &d);
	if (rc < 0)
		goto out;
	rc = link_mailboxes_read(st, &v, &cnt, &mfp);
	if (rc < 0)
		goto out;
	fplist_sort(&d.fp, &scratch);
	fplist_sort(&mfp, &scratch);
	row = store_link_resolve(&d.fp, &mfp, cnt);
	k = mbx_reallocarray(NULL, cnt ? cnt : 1, sizeof(*k));
	for (i = 0; i < cnt; i++) {
		if (row[i] != STORE_LINK_NONE) {
			v[i].recipient_id = d.id[row[i]];
			v[i].alias = mbx_strdup(d.alias + d.alias_off[row[i]]);
		}
		store_mailbox_alias_fallback(&v[i]);
		name_key_set(&k[i], v[i].display_name, v[i].id, i);
	}
	name_keys_sort(k, cnt);
	store_rows_reorder(v, cnt, sizeof(*v), k);
out:
	link_dir_free(&d);
	fplist_free(&mfp);
	fplist_free(&scratch);
	mbx_free(row);
	mbx_free(k);
	if (rc < 0) {
		mbx_mailboxes_free(v, cnt);
		return rc;
	}
	*out = v;
	*n = cnt;
	return 0;
}

void mbx_mailbox_clear(mbx_mailbox *m)
{
	if (!m)
		return;
	mbx_free(m->guid);
	mbx_free(m->display_name);
	mbx_free(m->legacy_dn);
	mbx_free(m->alias);
	mbx_props_clear(&m->bag);
	memset(m, 0, sizeof(*m));
}

void mbx_mailboxes_free(mbx_mailbox *m, size_t n)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < n; i++)
		mbx_mailbox_clear(&m[i]);
	mbx_free(m);
}

static int mailbox_one(mbx_store *st, sqlite3_stmt *s, mbx_mailbox *out, const char *what)
{
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW) {
		rc = mailbox_row(s, out);
		if (rc < 0)
			mbx_mailbox_clear(out);
	} else if (rc == SQLITE_DONE) {
		rc = mbx_error_set(MBX_ENOTFOUND, "no mailbox %s in the information store", what);
	} else {
		rc = store_sqlerr(st, "reading a mailbox");
	}
	store_done(s);
	return rc;
}

static int lower_cmp(const char *a, const char *b)
{
	for (;; a++, b++) {
		int x = (unsigned char)*a, y = (unsigned char)*b;

		x = x >= 'A' && x <= 'Z' ? x + 32 : x;
		y = y >= 'A' && y <= 'Z' ? y + 32 : y;
		if (x != y || !x)
			return x - y;
	}
}

static const char *const *sort_aliases;

static int by_alias(const void *a, const void *b)
{
	return lower_cmp(sort_aliases[*(const size_t *)a], sort_aliases[*(const size_t *)b]);
}

/* JSON text of the aliases in the order of perm, ASCII-lowered (the cn
 * column is lowered, the directory's alias is NOCASE): for json_each. */
static char *alias_json(const char *const *aliases, const size_t *perm, size_t n)
{
	size_t cap = 64, len = 0, i;
	char *j = mbx_malloc(cap);

	j[len++] = '[';
	for (i = 0; i < n; i++) {
		const unsigned char *c = (const unsigned char *)(aliases[perm[i]] ? aliases[perm[i]] : "");

		if (len + 8 + 6 * strlen((const char *)c) >= cap) {
			cap = 2 * cap + 8 + 6 * strlen((const char *)c);
			j = mbx_realloc(j, cap);
		}
		if (i)
			j[len++] = ',';
		j[len++] = '"';
		for (; *c; c++) {
			if (*c == '"' || *c == '\\') {
				j[len++] = '\\';
				j[len++] = (char)*c;
			} else if (*c < 0x20) {
				len += (size_t)snprintf(j + len, 7, "\\u%04x", *c);
			} else {
				j[len++] = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
			}
		}
		j[len++] = '"';
	}
	j[len++] = ']';
	j[len] = '\0';
	return j;
}

/*
 * Every candidate of every alias of the chunk, each found through an index
 * (schema 5: the cn column): the mailboxes of the directory entry with
 * that alias (by each kind of link), and those whose legacy DN ends in
 * /cn=ALIAS.  A candidate counts when the alias is the one of the entry
 * it really links to (MAILBOX_SELECT's r), or its cn; per alias the first
 * row wins: linked by alias first, then the lowest id.
 */
#define ALIAS_CHUNK 256
#define ALIAS_RESOLVE \
	"WITH w(k, a) AS (SELECT key, value FROM json_each(?1)), " \
	"cand(k, a, mid) AS (" \
	"SELECT w.k, w.a, m.id FROM w JOIN recipient x ON x.alias = w.a AND x.object_class = 0 " \
	"JOIN mailbox m ON m.guid = x.mailbox_guid " \
	"UNION SELECT w.k, w.a, m.id FROM w JOIN recipient x ON x.alias = w.a AND x.object_class = 0 " \
	"JOIN mailbox m ON m.legacy_dn = x.legacy_dn " \
	"UNION SELECT w.k, w.a, m.id FROM w JOIN recipient x ON x.alias = w.a AND x.object_class = 0 " \
	"JOIN mailbox m ON m.legacy_dn = x.dn " \
	"UNION SELECT w.k, w.a, m.id FROM w JOIN mailbox m ON m.cn = w.a) " \
	"SELECT m.id, m.guid, m.display_name, m.legacy_dn, m.item_count, m.total_size, " \
	"m.last_logon, m.created_time, r.id, r.alias, m.props, c.k, (r.alias = c.a) AS by_alias " \
	"FROM cand c JOIN mailbox m ON m.id = c.mid " \
	"LEFT JOIN recipient r ON r.id = COALESCE(" \
	"(SELECT x.id FROM recipient x WHERE x.mailbox_guid = m.guid AND x.object_class = 0), " \
	"(SELECT x.id FROM recipient x WHERE x.legacy_dn = m.legacy_dn AND x.object_class = 0), " \
	"(SELECT x.id FROM recipient x WHERE x.dn = m.legacy_dn AND x.object_class = 0)) " \
	"WHERE r.alias = c.a OR m.cn = c.a " \
	"ORDER BY c.k, by_alias DESC, m.id"

/*
 * The chunk goes in alias order: neighbouring aliases share index and
 * table pages (the directory's aliases, DNs and GUIDs tend to grow
 * together), and with 64 KiB pages every page not read twice counts.
 */
static int resolve_chunk(mbx_store *st, const char *const *aliases, size_t n, mbx_mailbox *out,
                         unsigned char *found)
{
	static pthread_mutex_t sort_lock = PTHREAD_MUTEX_INITIALIZER;
	sqlite3_stmt *s;
	size_t perm[ALIAS_CHUNK], i;
	char *json;
	int rc;

	for (i = 0; i < n; i++)
		perm[i] = i;
	pthread_mutex_lock(&sort_lock);      /* qsort has no user pointer */
	sort_aliases = aliases;
	qsort(perm, n, sizeof(perm[0]), by_alias);
	pthread_mutex_unlock(&sort_lock);
	rc = store_stmt(st, ALIAS_RESOLVE, &s);
	if (rc < 0)
		return rc;
	json = alias_json(aliases, perm, n);
	sqlite3_bind_text(s, 1, json, -1, mbx_free);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t k = sqlite3_column_int64(s, 11);

		if (k < 0 || (size_t)k >= n || found[perm[k]])
			continue;
		if ((rc = mailbox_row(s, &out[perm[k]])) < 0)
			break;
		found[perm[k]] = 1;
	}
	rc = rc == SQLITE_DONE ? 0 : rc < 0 ? rc : store_sqlerr(st, "looking up mailboxes by alias");
	store_done(s);
	return rc;
}

int mbx_store_mailboxes_by_alias(mbx_store *st, const char *const *aliases, size_t n,
                                 mbx_mailbox *out, unsigned char *found)
{
	size_t i;
	int rc = 0;

	memset(out, 0, n * sizeof(*out));
	memset(found, 0, n);
	for (i = 0; i < n && rc == 0; i += ALIAS_CHUNK)
		rc = resolve_chunk(st, aliases + i, n - i < ALIAS_CHUNK ? n - i : ALIAS_CHUNK, out + i,
		                   found + i);
	if (rc < 0) {
		for (i = 0; i < n; i++)
			mbx_mailbox_clear(&out[i]);
		memset(found, 0, n);
	}
	return rc;
}

int mbx_store_mailbox_by_alias(mbx_store *st, const char *alias, mbx_mailbox *out)
{
	unsigned char found = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!alias || !*alias)
		return mbx_error_set(MBX_EINVAL, "no mailbox alias given");
	rc = mbx_store_mailboxes_by_alias(st, &alias, 1, out, &found);
	if (rc == 0 && !found)
		rc = mbx_error_set(MBX_ENOTFOUND, "no mailbox with alias '%s' in the information "
		                   "store", alias);
	return rc;
}

int mbx_store_mailboxes_page(mbx_store *st, const char *after_name, int64_t after_id,
                             size_t limit, mbx_mailbox **out, size_t *n)
{
	sqlite3_stmt *s;
	mbx_mailbox *v;
	size_t cnt = 0;
	int rc;

	*out = NULL;
	*n = 0;
	/* ">= name AND NOT (= name AND id <= after)" rather than a row value:
	 * SQLite seeks the name index with the first, scans it with the other. */
	rc = store_stmt(st, MAILBOX_SELECT "WHERE m.display_name >= ?1 COLLATE NOCASE AND NOT "
	                    "(m.display_name = ?1 COLLATE NOCASE AND m.id <= ?2) "
	                    "ORDER BY m.display_name COLLATE NOCASE, m.id LIMIT ?3", &s);
	if (rc < 0)
		return rc;
	store_bind_text(s, 1, after_name ? after_name : "");
	sqlite3_bind_int64(s, 2, after_name ? after_id : INT64_MIN);
	sqlite3_bind_int64(s, 3, limit > INT64_MAX ? INT64_MAX : (int64_t)limit);
	v = mbx_calloc(limit ? limit : 1, sizeof(*v));
	rc = 0;
	while (rc == 0 && cnt < limit) {
		int step = sqlite3_step(s);

		if (step == SQLITE_DONE)
			break;
		if (step != SQLITE_ROW) {
			rc = store_sqlerr(st, "reading the mailboxes");
		} else if ((rc = mailbox_row(s, &v[cnt])) < 0) {
			mbx_mailbox_clear(&v[cnt]);
		} else {
			cnt++;
		}
	}
	store_done(s);
	if (rc < 0) {
		mbx_mailboxes_free(v, cnt);
		return rc;
	}
	*out = v;
	*n = cnt;
	return 0;
}

int mbx_store_mailbox_count(mbx_store *st, size_t *n)
{
	sqlite3_stmt *s;
	int rc = store_stmt(st, "SELECT count(*) FROM mailbox", &s);

	*n = 0;
	if (rc < 0)
		return rc;
	if (sqlite3_step(s) == SQLITE_ROW)
		*n = (size_t)sqlite3_column_int64(s, 0);
	else
		rc = store_sqlerr(st, "counting the mailboxes");
	store_done(s);
	return rc;
}

int mbx_store_mailbox_by_id(mbx_store *st, int64_t id, mbx_mailbox *out)
{
	sqlite3_stmt *s;
	char what[48];
	int rc;

	memset(out, 0, sizeof(*out));
	rc = store_stmt(st, MAILBOX_SELECT "WHERE m.id = ?1", &s);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, id);
	snprintf(what, sizeof(what), "with id %" PRId64, id);
	return mailbox_one(st, s, out, what);
}

int mbx_store_mailbox_add(mbx_store *st, const mbx_mailbox *m, int64_t *out_id)
{
	sqlite3_stmt *s;
	store_blob blob = { NULL, 0, 0 };
	int rc;

	if (!m->guid || !*m->guid || !m->display_name || !m->legacy_dn)
		return mbx_error_set(MBX_EINVAL, "a mailbox needs a GUID, a display name and a "
		                     "legacy DN");
	rc = store_stmt(st, "INSERT INTO mailbox (guid, display_name, legacy_dn, item_count, "
	                    "total_size, last_logon, created_time, props) VALUES "
	                    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", &s);
	if (rc < 0)
		return rc;
	store_mailbox_bag_blob(&m->bag, m->display_name, &blob);
	store_bind_blob(s, 8, &blob);
	store_bind_text(s, 1, m->guid);
	store_bind_text(s, 2, m->display_name);
	store_bind_text(s, 3, m->legacy_dn);
	sqlite3_bind_int64(s, 4, m->item_count);
	sqlite3_bind_int64(s, 5, m->total_size);
	sqlite3_bind_int64(s, 6, m->last_logon);
	sqlite3_bind_int64(s, 7, m->created_time);
	if (sqlite3_step(s) != SQLITE_DONE) {
		rc = store_sqlerr(st, "adding a mailbox");
		if (rc == MBX_EEXISTS)
			rc = mbx_error_set(MBX_EEXISTS, "a mailbox with GUID %s is already in the "
			                   "information store", m->guid);
		store_done(s);
		store_blob_free(&blob);
		return rc;
	}
	store_done(s);
	store_blob_free(&blob);
	if (out_id)
		*out_id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int mbx_store_mailbox_bag_set(mbx_store *st, int64_t id, const mbx_props *bag)
{
	sqlite3_stmt *s;
	store_blob blob = { NULL, 0, 0 };
	char *name = NULL;
	int rc;

	/* the display name the fields' form of the bag would give */
	rc = store_stmt(st, "SELECT display_name FROM mailbox WHERE id = ?1", &s);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		name = store_col_str(s, 0);
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = mbx_error_set(MBX_ENOTFOUND, "no mailbox with id %" PRId64 " in the information "
		                   "store", id);
	} else {
		rc = store_sqlerr(st, "reading a mailbox");
	}
	store_done(s);
	if (rc < 0)
		return rc;
	store_mailbox_bag_blob(bag, name, &blob);
	mbx_free(name);
	rc = store_stmt(st, "UPDATE mailbox SET props = ?2 WHERE id = ?1", &s);
	if (rc == 0) {
		sqlite3_bind_int64(s, 1, id);
		store_bind_blob(s, 2, &blob);
		rc = store_step_done(st, s, "setting a mailbox's properties");
	}
	store_blob_free(&blob);
	return rc;
}

int mbx_store_mailbox_refresh_counts(mbx_store *st, int64_t mailbox_id)
{
	sqlite3_stmt *s;
	int rc = store_stmt(st, "UPDATE mailbox SET "
	                        "item_count = (SELECT count(*) FROM message g JOIN folder f "
	                        "ON f.id = g.folder_id WHERE f.mailbox_id = ?1 AND g.associated = 0), "
	                        "total_size = (SELECT coalesce(sum(g.size), 0) FROM message g "
	                        "JOIN folder f ON f.id = g.folder_id WHERE f.mailbox_id = ?1) "
	                        "WHERE id = ?1", &s);

	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, mailbox_id);
	return store_step_done(st, s, "counting a mailbox's messages");
}

/* ---- Folders ------------------------------------------------------------ */

static const char *const role_names[MBX_ROLE_COUNT] = {
	"", "Inbox", "Outbox", "Sent Items", "Deleted Items", "Drafts", "Calendar",
	"Contacts", "Tasks", "Notes", "Journal"
};

const char *mbx_folder_role_name(mbx_folder_role role)
{
	if ((int)role <= 0 || role >= MBX_ROLE_COUNT)
		return "";
	return role_names[role];
}

mbx_folder_role mbx_folder_role_parse(const char *name)
{
	int i;

	for (i = 1; name && i < MBX_ROLE_COUNT; i++)
		if (strcasecmp(name, role_names[i]) == 0)
			return (mbx_folder_role)i;
	return MBX_ROLE_NONE;
}

void mbx_folders_free(mbx_folder *f, size_t n)
{
	size_t i;

	if (!f)
		return;
	for (i = 0; i < n; i++) {
		mbx_free(f[i].name);
		mbx_free(f[i].container_class);
		mbx_free(f[i].path);
		mbx_props_clear(&f[i].bag);
	}
	mbx_free(f);
}

static void folder_row(sqlite3_stmt *s, void *elem)
{
	mbx_folder *f = elem;

	f->id = sqlite3_column_int64(s, 0);
	f->mailbox_id = sqlite3_column_int64(s, 1);
	f->parent_id = sqlite3_column_int64(s, 2);
	f->name = store_col_str(s, 3);
	f->container_class = store_col_str(s, 4);
	f->role = (mbx_folder_role)sqlite3_column_int(s, 5);
	f->message_count = sqlite3_column_int64(s, 6);
	f->unread_count = sqlite3_column_int64(s, 7);
	/* a malformed bag leaves the folder without one: the check below */
	if (store_folder_bag_load(f, sqlite3_column_blob(s, 8), (size_t)sqlite3_column_bytes(s, 8)) < 0)
		f->role = (mbx_folder_role)-1;
}

static void folders_free_v(void *v, size_t n)
{
	mbx_folders_free(v, n);
}

/* Depth-first order and paths, from the flat list in id (source) order. */
static void folders_order(mbx_folder *in, size_t n, int64_t parent, const char *prefix,
                          mbx_folder *out, size_t *k, int depth)
{
	size_t i;

	/* Each folder is taken once (its name moves out), so a cycle in the
	 * parent links is never entered; the bound only keeps the recursion
	 * off the end of the stack on a pathological chain.  Real trees stop
	 * far earlier (Microsoft 365 import refuses 300 levels). */
	if (depth > MBX_FOLDER_DEPTH_MAX)
		return;
	for (i = 0; i < n; i++) {
		if (in[i].parent_id != parent || !in[i].name)
			continue;
		out[*k] = in[i];
		out[*k].path = prefix ? mbx_asprintf("%s/%s", prefix, in[i].name)
		                      : mbx_strdup(in[i].name);
		in[i].name = NULL;         /* moved */
		in[i].container_class = NULL;
		mbx_props_init(&in[i].bag);
		(*k)++;
		folders_order(in, n, out[*k - 1].id, out[*k - 1].path, out, k, depth + 1);
	}
}

int mbx_store_folders(mbx_store *st, int64_t mailbox_id, mbx_folder **out, size_t *n)
{
	sqlite3_stmt *s;
	mbx_folder *v = NULL, *ordered;
	size_t cnt = 0, k = 0, i;
	int rc;

	*out = NULL;
	*n = 0;
	rc = store_stmt(st, "SELECT f.id, f.mailbox_id, coalesce(f.parent_id, 0), f.name, "
	                    "f.container_class, f.role, "
	                    "(SELECT count(*) FROM message g WHERE g.folder_id = f.id), "
	                    "(SELECT count(*) FROM message g WHERE g.folder_id = f.id "
	                    "AND g.associated = 0 AND (g.flags & 1) = 0), f.props "
	                    "FROM folder f WHERE f.mailbox_id = ?1 ORDER BY f.id", &s);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, mailbox_id);
	rc = store_collect(st, s, sizeof(*v), folder_row, folders_free_v, "reading the folders",
	                   (void **)&v, &cnt);
	if (rc < 0)
		return rc;
	for (i = 0; i < cnt; i++) {
		if ((int)v[i].role == -1) {
			mbx_folders_free(v, cnt);
			return mbx_error_set(MBX_ECORRUPT, "%s: folder %" PRId64 " has a malformed property "
			                     "bag; the store is damaged", mbx_store_path(st), v[i].id);
		}
	}
	ordered = mbx_calloc(cnt ? cnt : 1, sizeof(*ordered));
	folders_order(v, cnt, 0, NULL, ordered, &k, 0);
	mbx_folders_free(v, cnt);
	*out = ordered;
	*n = k;
	return 0;
}

int mbx_store_folder_add(mbx_store *st, const mbx_folder *f, int64_t *out_id)
{
	sqlite3_stmt *s;
	store_blob blob = { NULL, 0, 0 };
	int rc;

	if (!f->name || !*f->name)
		return mbx_error_set(MBX_EINVAL, "a folder needs a name");
	rc = store_stmt(st, "INSERT INTO folder (mailbox_id, parent_id, name, container_class, role, "
	                    "props) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", &s);
	if (rc < 0)
		return rc;
	store_folder_blob(f, &blob);
	store_bind_blob(s, 6, &blob);
	sqlite3_bind_int64(s, 1, f->mailbox_id);
	if (f->parent_id)
		sqlite3_bind_int64(s, 2, f->parent_id);
	else
		sqlite3_bind_null(s, 2);
	store_bind_text(s, 3, f->name);
	store_bind_text(s, 4, f->container_class ? f->container_class : "IPF.Note");
	sqlite3_bind_int(s, 5, (int)f->role);
	rc = store_step_done(st, s, "adding a folder");
	store_blob_free(&blob);
	if (rc == 0 && out_id)
		*out_id = sqlite3_last_insert_rowid(st->db);
	return rc;
}
