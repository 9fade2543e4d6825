/*
 * core/store/store_audit.c - the audit log: who changed what, newest
 * first; and the consistency adjuster's runs, whose rows carry what each
 * change was before and after (schema 7), for undoing a run.
 */
#include "config.h"
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "store/store_int.h"

/* ---- Audit log ---------------------------------------------------------- */

int mbx_store_audit(mbx_store *st, const char *actor, const char *action,
                    const char *object, const char *detail)
{
	mbx_audit_entry e;

	memset(&e, 0, sizeof(e));
	e.actor = (char *)actor;
	e.action = (char *)action;
	e.object = (char *)object;
	e.detail = (char *)detail;
	return mbx_store_audit_add(st, &e, NULL);
}

int mbx_store_audit_add(mbx_store *st, const mbx_audit_entry *e, int64_t *out_id)
{
	sqlite3_stmt *s;
	int rc = store_stmt(st, "INSERT INTO audit (time, actor, action, object, detail, run_id, "
	                        "object_id, before_image, after_image) "
	                        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)", &s);

	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, (int64_t)time(NULL));
	store_bind_text(s, 2, e->actor ? e->actor : "mbxrescue");
	store_bind_text(s, 3, e->action ? e->action : "");
	store_bind_text(s, 4, e->object);
	store_bind_text(s, 5, e->detail);
	if (e->run_id)
		sqlite3_bind_int64(s, 6, e->run_id);
	if (e->object_id)
		sqlite3_bind_int64(s, 7, e->object_id);
	store_bind_text(s, 8, e->before);
	store_bind_text(s, 9, e->after);
	rc = store_step_done(st, s, "writing the audit log");
	if (rc == 0 && out_id)
		*out_id = sqlite3_last_insert_rowid(st->db);
	return rc;
}

#define AUDIT_COLS "id, time, actor, action, object, detail, coalesce(run_id, 0), " \
	"coalesce(object_id, 0), before_image, after_image"

static void audit_row(sqlite3_stmt *s, void *elem)
{
	mbx_audit_entry *e = elem;

	e->id = sqlite3_column_int64(s, 0);
	e->time = sqlite3_column_int64(s, 1);
	e->actor = store_col_str(s, 2);
	e->action = store_col_str(s, 3);
	e->object = store_col_str(s, 4);
	e->detail = store_col_str(s, 5);
	e->run_id = sqlite3_column_int64(s, 6);
	e->object_id = sqlite3_column_int64(s, 7);
	e->before = store_col_str(s, 8);
	e->after = store_col_str(s, 9);
}

static void audit_free_v(void *v, size_t n)
{
	mbx_audit_free(v, n);
}

int mbx_store_audit_list(mbx_store *st, size_t limit, mbx_audit_entry **out, size_t *n)
{
	sqlite3_stmt *s;
	int rc;

	*out = NULL;
	*n = 0;
	rc = store_stmt(st, "SELECT " AUDIT_COLS " FROM audit ORDER BY id DESC LIMIT ?1", &s);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, limit ? (int64_t)limit : -1);
	return store_collect(st, s, sizeof(**out), audit_row, audit_free_v,
	                     "reading the audit log", (void **)out, n);
}

int mbx_store_audit_run_entries(mbx_store *st, int64_t run_id, mbx_audit_entry **out,
                                size_t *n)
{
	sqlite3_stmt *s;
	int rc;

	*out = NULL;
	*n = 0;
	rc = store_stmt(st, "SELECT " AUDIT_COLS " FROM audit WHERE run_id = ?1 ORDER BY id", &s);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, run_id);
	return store_collect(st, s, sizeof(**out), audit_row, audit_free_v,
	                     "reading the audit log of an adjuster run", (void **)out, n);
}

void mbx_audit_free(mbx_audit_entry *e, size_t n)
{
	size_t i;

	if (!e)
		return;
	for (i = 0; i < n; i++) {
		mbx_free(e[i].actor);
		mbx_free(e[i].action);
		mbx_free(e[i].object);
		mbx_free(e[i].detail);
		mbx_free(e[i].before);
		mbx_free(e[i].after);
	}
	mbx_free(e);
}

/* ---- Adjuster runs -------------------------------------------------------- */

int mbx_store_audit_run_add(mbx_store *st, const mbx_audit_run *r, int64_t *out_id)
{
	sqlite3_stmt *s;
	int rc = store_stmt(st, "INSERT INTO adjust_run (time, actor, functions, undo_of) "
	                        "VALUES (?1, ?2, ?3, ?4)", &s);

	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, r->time ? r->time : (int64_t)time(NULL));
	store_bind_text(s, 2, r->actor ? r->actor : "mbxrescue");
	sqlite3_bind_int64(s, 3, (int64_t)r->functions);
	if (r->undo_of)
		sqlite3_bind_int64(s, 4, r->undo_of);
	if (sqlite3_step(s) != SQLITE_DONE) {
		rc = store_sqlerr(st, "recording an adjuster run");
		store_done(s);
		if (rc == MBX_EEXISTS)
			rc = mbx_error_set(MBX_EEXISTS, "adjuster run %" PRId64 " has been undone "
			                   "already", r->undo_of);
		return rc;
	}
	store_done(s);
	if (out_id)
		*out_id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int mbx_store_audit_run_set_summary(mbx_store *st, int64_t id, const char *summary)
{
	sqlite3_stmt *s;
	int rc = store_stmt(st, "UPDATE adjust_run SET summary = ?1 WHERE id = ?2", &s);

	if (rc < 0)
		return rc;
	store_bind_text(s, 1, summary);
	sqlite3_bind_int64(s, 2, id);
	rc = store_step_done(st, s, "recording an adjuster run");
	if (rc == 0 && sqlite3_changes(st->db) == 0)
		rc = mbx_error_set(MBX_ENOTFOUND, "no adjuster run %" PRId64, id);
	return rc;
}

#define RUN_SELECT "SELECT r.id, r.time, r.actor, r.functions, coalesce(r.undo_of, 0), " \
	"coalesce((SELECT u.id FROM adjust_run u WHERE u.undo_of = r.id), 0), r.summary, " \
	"(SELECT count(*) FROM audit a WHERE a.run_id = r.id) FROM adjust_run r "

static void run_row(sqlite3_stmt *s, void *elem)
{
	mbx_audit_run *r = elem;

	r->id = sqlite3_column_int64(s, 0);
	r->time = sqlite3_column_int64(s, 1);
	r->actor = store_col_str(s, 2);
	r->functions = (unsigned)sqlite3_column_int64(s, 3);
	r->undo_of = sqlite3_column_int64(s, 4);
	r->undone_by = sqlite3_column_int64(s, 5);
	r->summary = store_col_str(s, 6);
	r->n_entries = (size_t)sqlite3_column_int64(s, 7);
}

static void runs_free_v(void *v, size_t n)
{
	mbx_audit_runs_free(v, n);
}

int mbx_store_audit_runs(mbx_store *st, mbx_audit_run **out, size_t *n)
{
	sqlite3_stmt *s;
	int rc;

	*out = NULL;
	*n = 0;
	rc = store_stmt(st, RUN_SELECT "ORDER BY r.id DESC", &s);
	if (rc < 0)
		return rc;
	return store_collect(st, s, sizeof(**out), run_row, runs_free_v,
	                     "reading the adjuster runs", (void **)out, n);
}

int mbx_store_audit_run_get(mbx_store *st, int64_t id, mbx_audit_run *out)
{
	sqlite3_stmt *s;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = store_stmt(st, RUN_SELECT "WHERE r.id = ?1", &s);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		run_row(s, out);
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = mbx_error_set(MBX_ENOTFOUND, "there is no adjuster run %" PRId64 " in store "
		                   "file %s; 'mbxrescue audit' lists the runs", id, st->path);
	} else {
		rc = store_sqlerr(st, "reading an adjuster run");
	}
	store_done(s);
	return rc;
}

int mbx_store_audit_run_last(mbx_store *st, int64_t *id)
{
	sqlite3_stmt *s;
	int rc;

	*id = 0;
	rc = store_stmt(st, "SELECT max(id) FROM adjust_run WHERE undo_of IS NULL", &s);
	if (rc < 0)
		return rc;
	if (sqlite3_step(s) == SQLITE_ROW) {
		*id = sqlite3_column_int64(s, 0);
		rc = 0;
	} else {
		rc = store_sqlerr(st, "reading the adjuster runs");
	}
	store_done(s);
	return rc;
}

void mbx_audit_run_clear(mbx_audit_run *r)
{
	if (!r)
		return;
	mbx_free(r->actor);
	mbx_free(r->summary);
	memset(r, 0, sizeof(*r));
}

void mbx_audit_runs_free(mbx_audit_run *r, size_t n)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < n; i++)
		mbx_audit_run_clear(&r[i]);
	mbx_free(r);
}
