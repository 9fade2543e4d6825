/*
 * core/store/store_dir.c - the directory: the server this store is, the
 * servers and sites it knows, and the Recipients.
 */
#include "config.h"
#include <string.h>

#include "store/store_int.h"
#include "base/names.h"

/* ---- The server --------------------------------------------------------- */

int mbx_store_server_get(mbx_store *st, mbx_server_info *out)
{
	sqlite3_stmt *s;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = store_stmt(st, "SELECT organization, site, server, smtp_policy FROM server "
	                    "WHERE id = 1", &s);
	if (rc < 0)
		return rc;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		out->organization = store_col_str(s, 0);
		out->site = store_col_str(s, 1);
		out->server = store_col_str(s, 2);
		out->smtp_policy = store_col_str(s, 3);
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = mbx_error_set(MBX_ENOTFOUND, "store file %s names no server (organization, "
		                   "site, server); it is not a complete recovery server", st->path);
	} else {
		rc = store_sqlerr(st, "reading the server");
	}
	store_done(s);
	return rc;
}

int mbx_store_server_set(mbx_store *st, const mbx_server_info *info)
{
	sqlite3_stmt *s;
	int rc;

	if (!info->organization || !info->site || !info->server || !info->smtp_policy)
		return mbx_error_set(MBX_EINVAL, "the server needs an organization, a site, a name "
		                     "and an SMTP policy");
	rc = store_stmt(st, "INSERT INTO server (id, organization, site, server, smtp_policy) "
	                    "VALUES (1, ?1, ?2, ?3, ?4) ON CONFLICT (id) DO UPDATE SET "
	                    "organization = excluded.organization, site = excluded.site, "
	                    "server = excluded.server, smtp_policy = excluded.smtp_policy", &s);
	if (rc < 0)
		return rc;
	store_bind_text(s, 1, info->organization);
	store_bind_text(s, 2, info->site);
	store_bind_text(s, 3, info->server);
	store_bind_text(s, 4, info->smtp_policy);
	return store_step_done(st, s, "saving the server");
}

void mbx_server_info_clear(mbx_server_info *info)
{
	if (!info)
		return;
	mbx_free(info->organization);
	mbx_free(info->site);
	mbx_free(info->server);
	mbx_free(info->smtp_policy);
	memset(info, 0, sizeof(*info));
}

int mbx_store_known_server_add(mbx_store *st, const char *server, const char *site)
{
	sqlite3_stmt *s;
	int rc = store_stmt(st, "INSERT OR IGNORE INTO known_server (server, site) VALUES (?1, ?2)",
	                    &s);

	if (rc < 0)
		return rc;
	store_bind_text(s, 1, server);
	store_bind_text(s, 2, site);
	return store_step_done(st, s, "adding a known server");
}

int mbx_store_known_server(mbx_store *st, const char *server, const char *site)
{
	sqlite3_stmt *s;
	int rc = store_stmt(st, "SELECT EXISTS (SELECT 1 FROM server WHERE server = ?1 "
	                        "COLLATE NOCASE AND site = ?2 COLLATE NOCASE) OR EXISTS "
	                        "(SELECT 1 FROM known_server WHERE server = ?1 AND site = ?2)", &s);

	if (rc < 0)
		return rc;
	store_bind_text(s, 1, server);
	store_bind_text(s, 2, site);
	if (sqlite3_step(s) == SQLITE_ROW)
		rc = sqlite3_column_int(s, 0) ? 1 : 0;
	else
		rc = store_sqlerr(st, "looking up a server");
	store_done(s);
	return rc;
}

/* ---- Recipients --------------------------------------------------------- */

void store_recipient_row(sqlite3_stmt *s, mbx_recipient *r)
{
	r->id = sqlite3_column_int64(s, 0);
	r->display_name = store_col_str(s, 1);
	r->alias = store_col_str(s, 2);
	r->dn = store_col_str(s, 3);
	r->smtp = store_col_str(s, 4);
	r->home_server = store_col_str(s, 5);
	r->primary_account = store_col_str(s, 6);
	r->object_class = (mbx_object_class)sqlite3_column_int(s, 7);
	r->hidden = sqlite3_column_int(s, 8);
	r->created_by_adjuster = sqlite3_column_int(s, 9);
	r->created_time = sqlite3_column_int64(s, 10);
	r->mailbox_guid = store_col_str(s, 11);
	r->legacy_dn = store_col_str(s, 12);
}

int mbx_store_recipients(mbx_store *st, mbx_recipient **out, size_t *n)
{
	sqlite3_stmt *s;
	mbx_recipient *v = NULL;
	name_key *k = NULL;
	size_t cnt = 0, cap = 0, i;
	int rc;

	*out = NULL;
	*n = 0;
	cap = store_rows_hint(st, STORE_RECIPIENT_ROWS_HINT);
	if (cap)
		v = mbx_reallocarray(NULL, cap, sizeof(*v));
	/* In rowid order, sorted by name here (see name_key). */
	rc = store_stmt(st, "SELECT " STORE_RECIPIENT_COLS " FROM recipient ORDER BY id", &s);
	if (rc < 0)
		return rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (cnt == cap) {
			cap = cap ? cap * 2 : 64;
			v = mbx_reallocarray(v, cap, sizeof(*v));
		}
		memset(&v[cnt], 0, sizeof(v[cnt]));
		store_recipient_row(s, &v[cnt++]);
	}
	if (rc != SQLITE_DONE) {
		rc = store_sqlerr(st, "reading the recipients");
		store_done(s);
		mbx_recipients_free(v, cnt);
		return rc;
	}
	store_done(s);
	k = mbx_reallocarray(NULL, cnt ? cnt : 1, sizeof(*k));
	for (i = 0; i < cnt; i++)
		name_key_set(&k[i], v[i].display_name, v[i].id, i);
	name_keys_sort(k, cnt);
	store_rows_reorder(v, cnt, sizeof(*v), k);
	*out = v;
	*n = cnt;
	mbx_free(k);
	return 0;
}

void mbx_recipient_clear(mbx_recipient *r)
{
	if (!r)
		return;
	mbx_free(r->display_name);
	mbx_free(r->alias);
	mbx_free(r->dn);
	mbx_free(r->smtp);
	mbx_free(r->home_server);
	mbx_free(r->primary_account);
	mbx_free(r->mailbox_guid);
	mbx_free(r->legacy_dn);
	memset(r, 0, sizeof(*r));
}

void mbx_recipients_free(mbx_recipient *r, size_t n)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < n; i++)
		mbx_recipient_clear(&r[i]);
	mbx_free(r);
}

int mbx_store_recipient_by_alias(mbx_store *st, const char *alias, mbx_recipient *out)
{
	sqlite3_stmt *s;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = store_stmt(st, "SELECT " STORE_RECIPIENT_COLS " FROM recipient WHERE alias = ?1", &s);
	if (rc < 0)
		return rc;
	store_bind_text(s, 1, alias);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		store_recipient_row(s, out);
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = mbx_error_set(MBX_ENOTFOUND, "no recipient with alias '%s' in the directory",
		                   alias);
	} else {
		rc = store_sqlerr(st, "reading a recipient");
	}
	store_done(s);
	return rc;
}

static void bind_recipient(sqlite3_stmt *s, const mbx_recipient *r)
{
	store_bind_text(s, 1, r->display_name);
	store_bind_text(s, 2, r->alias);
	store_bind_text(s, 3, r->dn);
	store_bind_text(s, 4, r->smtp);
	store_bind_text(s, 5, r->home_server);
	store_bind_text(s, 6, r->primary_account && *r->primary_account ? r->primary_account : NULL);
	sqlite3_bind_int(s, 7, (int)r->object_class);
	sqlite3_bind_int(s, 8, r->hidden ? 1 : 0);
	sqlite3_bind_int(s, 9, r->created_by_adjuster ? 1 : 0);
	sqlite3_bind_int64(s, 10, r->created_time);
	store_bind_text(s, 11, r->mailbox_guid);
	store_bind_text(s, 12, r->legacy_dn);
}

static int check_recipient(const mbx_recipient *r)
{
	if (!r->display_name || !*r->display_name || !r->alias || !*r->alias || !r->dn || !*r->dn)
		return mbx_error_set(MBX_EINVAL, "a recipient needs a display name, an alias and a "
		                     "distinguished name");
	if ((int)r->object_class < 0 || r->object_class > MBX_OBJ_DISTLIST)
		return mbx_error_set(MBX_EINVAL, "recipient '%s': unknown object class %d", r->alias,
		                     (int)r->object_class);
	return 0;
}

int mbx_store_recipient_add(mbx_store *st, const mbx_recipient *r, int64_t *out_id)
{
	sqlite3_stmt *s;
	int rc = check_recipient(r);

	if (rc < 0)
		return rc;
	rc = store_stmt(st, "INSERT INTO recipient (display_name, alias, dn, smtp, home_server, "
	                    "primary_account, object_class, hidden, created_by_adjuster, "
	                    "created_time, mailbox_guid, legacy_dn) VALUES "
	                    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)", &s);
	if (rc < 0)
		return rc;
	bind_recipient(s, r);
	if (sqlite3_step(s) != SQLITE_DONE) {
		rc = store_sqlerr(st, "adding a recipient");
		if (rc == MBX_EEXISTS)
			rc = mbx_error_set(MBX_EEXISTS, "a recipient with alias '%s' or DN %s is already "
			                   "in the directory", r->alias, r->dn);
		store_done(s);
		return rc;
	}
	store_done(s);
	if (out_id)
		*out_id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int mbx_store_recipient_update(mbx_store *st, const mbx_recipient *r)
{
	sqlite3_stmt *s;
	int rc = check_recipient(r);

	if (rc < 0)
		return rc;
	rc = store_stmt(st, "UPDATE recipient SET display_name = ?1, alias = ?2, dn = ?3, "
	                    "smtp = ?4, home_server = ?5, primary_account = ?6, object_class = ?7, "
	                    "hidden = ?8, created_by_adjuster = ?9, created_time = ?10, "
	                    "mailbox_guid = ?11, legacy_dn = ?12 WHERE id = ?13", &s);
	if (rc < 0)
		return rc;
	bind_recipient(s, r);
	sqlite3_bind_int64(s, 13, r->id);
	rc = store_step_done(st, s, "updating a recipient");
	if (rc == 0 && sqlite3_changes(st->db) == 0)
		rc = mbx_error_set(MBX_ENOTFOUND, "recipient '%s' is no longer in the directory",
		                   r->alias);
	return rc;
}

int mbx_store_recipient_by_id(mbx_store *st, int64_t id, mbx_recipient *out)
{
	sqlite3_stmt *s;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = store_stmt(st, "SELECT " STORE_RECIPIENT_COLS " FROM recipient WHERE id = ?1", &s);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		store_recipient_row(s, out);
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = mbx_error_set(MBX_ENOTFOUND, "recipient %lld is not in the directory",
		                   (long long)id);
	} else {
		rc = store_sqlerr(st, "reading a recipient");
	}
	store_done(s);
	return rc;
}

int mbx_store_recipient_delete(mbx_store *st, int64_t id)
{
	sqlite3_stmt *s;
	int rc = store_stmt(st, "DELETE FROM recipient WHERE id = ?1", &s);

	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, id);
	rc = store_step_done(st, s, "removing a recipient");
	if (rc == 0 && sqlite3_changes(st->db) == 0)
		rc = mbx_error_set(MBX_ENOTFOUND, "recipient %lld is not in the directory",
		                   (long long)id);
	return rc;
}
