/*
 * core/store/store_pub.c - public folders (with their paths and home
 * servers) and their permission entries.
 */
#include "config.h"
#include <inttypes.h>
#include <string.h>

#include "store/store_int.h"

/* ---- Public folders and permissions ------------------------------------- */

void mbx_public_folders_free(mbx_public_folder *f, size_t n)
{
	size_t i;

	if (!f)
		return;
	for (i = 0; i < n; i++) {
		mbx_free(f[i].name);
		mbx_free(f[i].path);
		mbx_free(f[i].home_server);
		mbx_free(f[i].home_site);
	}
	mbx_free(f);
}

static void public_folder_row(sqlite3_stmt *s, void *elem)
{
	mbx_public_folder *f = elem;

	f->id = sqlite3_column_int64(s, 0);
	f->parent_id = sqlite3_column_int64(s, 1);
	f->name = store_col_str(s, 2);
	f->path = store_col_str(s, 3);
	f->home_server = store_col_str(s, 4);
	f->home_site = store_col_str(s, 5);
	f->limit_admin_access = sqlite3_column_int(s, 6);
	f->modified_time = sqlite3_column_int64(s, 7);
}

static void public_folders_free_v(void *v, size_t n)
{
	mbx_public_folders_free(v, n);
}

int mbx_store_public_folders(mbx_store *st, mbx_public_folder **out, size_t *n)
{
	sqlite3_stmt *s;
	int rc;

	*out = NULL;
	*n = 0;
	/* Paths by a recursive walk from the top, ordered by path. */
	rc = store_stmt(st, "WITH RECURSIVE t(id, path) AS ("
	                    " SELECT id, name FROM public_folder WHERE parent_id IS NULL"
	                    " UNION ALL SELECT p.id, t.path || '/' || p.name FROM public_folder p"
	                    " JOIN t ON p.parent_id = t.id) "
	                    "SELECT p.id, coalesce(p.parent_id, 0), p.name, t.path, p.home_server, "
	                    "p.home_site, p.limit_admin_access, p.modified_time "
	                    "FROM public_folder p JOIN t ON t.id = p.id ORDER BY t.path, p.id", &s);
	if (rc < 0)
		return rc;
	return store_collect(st, s, sizeof(**out), public_folder_row, public_folders_free_v,
	                     "reading the public folders", (void **)out, n);
}

int mbx_store_public_folder_add(mbx_store *st, const mbx_public_folder *f, int64_t *out_id)
{
	sqlite3_stmt *s;
	int rc;

	if (!f->name || !*f->name || !f->home_server || !f->home_site)
		return mbx_error_set(MBX_EINVAL, "a public folder needs a name, a home server and "
		                     "a home site");
	rc = store_stmt(st, "INSERT INTO public_folder (parent_id, name, home_server, home_site, "
	                    "limit_admin_access, modified_time) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", &s);
	if (rc < 0)
		return rc;
	if (f->parent_id)
		sqlite3_bind_int64(s, 1, f->parent_id);
	store_bind_text(s, 2, f->name);
	store_bind_text(s, 3, f->home_server);
	store_bind_text(s, 4, f->home_site);
	sqlite3_bind_int(s, 5, f->limit_admin_access ? 1 : 0);
	sqlite3_bind_int64(s, 6, f->modified_time);
	rc = store_step_done(st, s, "adding a public folder");
	if (rc == 0 && out_id)
		*out_id = sqlite3_last_insert_rowid(st->db);
	return rc;
}

int mbx_store_public_folder_rehome(mbx_store *st, int64_t id, const char *server, const char *site)
{
	sqlite3_stmt *s;
	int rc = store_stmt(st, "UPDATE public_folder SET home_server = ?1, home_site = ?2 "
	                        "WHERE id = ?3", &s);

	if (rc < 0)
		return rc;
	store_bind_text(s, 1, server);
	store_bind_text(s, 2, site);
	sqlite3_bind_int64(s, 3, id);
	rc = store_step_done(st, s, "rehoming a public folder");
	if (rc == 0 && sqlite3_changes(st->db) == 0)
		rc = mbx_error_set(MBX_ENOTFOUND, "public folder %" PRId64 " no longer exists", id);
	return rc;
}

void mbx_permissions_free(mbx_permission *p, size_t n)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < n; i++) {
		mbx_free(p[i].account);
		mbx_free(p[i].rights);
	}
	mbx_free(p);
}

static void permission_row(sqlite3_stmt *s, void *elem)
{
	mbx_permission *p = elem;

	p->id = sqlite3_column_int64(s, 0);
	p->folder_id = sqlite3_column_int64(s, 1);
	p->account = store_col_str(s, 2);
	p->rights = store_col_str(s, 3);
	p->granted_time = sqlite3_column_int64(s, 4);
}

static void permissions_free_v(void *v, size_t n)
{
	mbx_permissions_free(v, n);
}

int mbx_store_permissions(mbx_store *st, mbx_permission **out, size_t *n)
{
	sqlite3_stmt *s;
	int rc;

	*out = NULL;
	*n = 0;
	rc = store_stmt(st, "SELECT id, folder_id, account, rights, granted_time FROM permission "
	                    "ORDER BY folder_id, id", &s);
	if (rc < 0)
		return rc;
	return store_collect(st, s, sizeof(**out), permission_row, permissions_free_v,
	                     "reading the permissions", (void **)out, n);
}

int mbx_store_permission_add(mbx_store *st, const mbx_permission *p, int64_t *out_id)
{
	sqlite3_stmt *s;
	int rc;

	if (!p->account || !*p->account || !p->rights)
		return mbx_error_set(MBX_EINVAL, "a permission entry needs an account and rights");
	rc = store_stmt(st, "INSERT INTO permission (folder_id, account, rights, granted_time) "
	                    "VALUES (?1, ?2, ?3, ?4)", &s);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, p->folder_id);
	store_bind_text(s, 2, p->account);
	store_bind_text(s, 3, p->rights);
	sqlite3_bind_int64(s, 4, p->granted_time);
	rc = store_step_done(st, s, "adding a permission entry");
	if (rc == 0 && out_id)
		*out_id = sqlite3_last_insert_rowid(st->db);
	return rc;
}

int mbx_store_permission_delete(mbx_store *st, int64_t id)
{
	sqlite3_stmt *s;
	int rc = store_stmt(st, "DELETE FROM permission WHERE id = ?1", &s);

	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, id);
	rc = store_step_done(st, s, "removing a permission entry");
	if (rc == 0 && sqlite3_changes(st->db) == 0)
		rc = mbx_error_set(MBX_ENOTFOUND, "permission entry %" PRId64 " no longer exists", id);
	return rc;
}

int mbx_store_public_folder_get(mbx_store *st, int64_t id, mbx_public_folder **out)
{
	sqlite3_stmt *s;
	size_t n = 0;
	int rc;

	*out = NULL;
	/* The path by a walk up from the folder. */
	rc = store_stmt(st, "WITH RECURSIVE up(id, parent, path) AS ("
	                    " SELECT id, parent_id, name FROM public_folder WHERE id = ?1"
	                    " UNION ALL SELECT p.id, p.parent_id, p.name || '/' || up.path"
	                    " FROM public_folder p JOIN up ON p.id = up.parent) "
	                    "SELECT f.id, coalesce(f.parent_id, 0), f.name, "
	                    "(SELECT path FROM up WHERE parent IS NULL), f.home_server, "
	                    "f.home_site, f.limit_admin_access, f.modified_time "
	                    "FROM public_folder f WHERE f.id = ?1", &s);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, id);
	rc = store_collect(st, s, sizeof(**out), public_folder_row, public_folders_free_v,
	                   "reading a public folder", (void **)out, &n);
	if (rc == 0 && n == 0)
		rc = mbx_error_set(MBX_ENOTFOUND, "public folder %" PRId64 " no longer exists", id);
	return rc;
}

int mbx_store_permission_get(mbx_store *st, int64_t id, mbx_permission **out)
{
	sqlite3_stmt *s;
	size_t n = 0;
	int rc;

	*out = NULL;
	rc = store_stmt(st, "SELECT id, folder_id, account, rights, granted_time FROM permission "
	                    "WHERE id = ?1", &s);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, id);
	rc = store_collect(st, s, sizeof(**out), permission_row, permissions_free_v,
	                   "reading a permission entry", (void **)out, &n);
	if (rc == 0 && n == 0)
		rc = mbx_error_set(MBX_ENOTFOUND, "permission entry %" PRId64 " no longer exists", id);
	return rc;
}

int mbx_store_permission_find(mbx_store *st, int64_t folder_id, const char *account,
                              int64_t after_id, mbx_permission **out)
{
	sqlite3_stmt *s;
	size_t n = 0;
	int rc;

	*out = NULL;
	rc = store_stmt(st, "SELECT id, folder_id, account, rights, granted_time FROM permission "
	                    "WHERE folder_id = ?1 AND account = ?2 AND id > ?3 ORDER BY id LIMIT 1",
	                &s);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, folder_id);
	store_bind_text(s, 2, account);
	sqlite3_bind_int64(s, 3, after_id);
	rc = store_collect(st, s, sizeof(**out), permission_row, permissions_free_v,
	                   "looking up a permission entry", (void **)out, &n);
	if (rc < 0)
		return rc;
	if (n == 0) {
		mbx_permissions_free(*out, 0);
		*out = NULL;
		return 0;
	}
	return 1;
}

int mbx_store_permission_restore(mbx_store *st, const mbx_permission *p, int64_t *out_id)
{
	sqlite3_stmt *s;
	int rc;

	if (!p->account || !*p->account || !p->rights)
		return mbx_error_set(MBX_EINVAL, "a permission entry needs an account and rights");
	/* The old id when nothing has taken it since, else a new one. */
	rc = store_stmt(st, "INSERT INTO permission (id, folder_id, account, rights, granted_time) "
	                    "VALUES ((SELECT CASE WHEN ?1 > 0 AND NOT EXISTS (SELECT 1 FROM "
	                    "permission WHERE id = ?1) THEN ?1 END), ?2, ?3, ?4, ?5)", &s);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, p->id);
	sqlite3_bind_int64(s, 2, p->folder_id);
	store_bind_text(s, 3, p->account);
	store_bind_text(s, 4, p->rights);
	sqlite3_bind_int64(s, 5, p->granted_time);
	rc = store_step_done(st, s, "putting a permission entry back");
	if (rc == 0 && out_id)
		*out_id = sqlite3_last_insert_rowid(st->db);
	return rc;
}
