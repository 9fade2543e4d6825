/*
 * core/store/store_jobs.c - export jobs: one row per output directory and
 * mailbox, for mbx/export.h's resume and verification.
 */
#include "config.h"
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "store/store_int.h"

/* ---- Export jobs -------------------------------------------------------- */

int mbx_store_job_upsert(mbx_store *st, const char *out_dir, int64_t mailbox_id, int64_t *out_id)
{
	sqlite3_stmt *s;
	int rc;

	rc = store_stmt(st, "INSERT INTO export_job (out_dir, mailbox_id, state, updated_time) "
	                    "VALUES (?1, ?2, 0, ?3) ON CONFLICT (out_dir, mailbox_id) DO UPDATE SET "
	                    "state = 0, temp_path = NULL, final_path = NULL, error = NULL, "
	                    "final_check = NULL, updated_time = excluded.updated_time RETURNING id", &s);
	if (rc < 0)
		return rc;
	store_bind_text(s, 1, out_dir);
	sqlite3_bind_int64(s, 2, mailbox_id);
	sqlite3_bind_int64(s, 3, (int64_t)time(NULL));
	if (sqlite3_step(s) == SQLITE_ROW) {
		if (out_id)
			*out_id = sqlite3_column_int64(s, 0);
		rc = 0;
	} else {
		rc = store_sqlerr(st, "recording an export job");
	}
	store_done(s);
	return rc;
}

int mbx_store_job_begin(mbx_store *st, const char *out_dir, int64_t mailbox_id,
                        const char *temp_path, int64_t *out_id)
{
	sqlite3_stmt *s;
	int rc;

	rc = store_stmt(st, "INSERT INTO export_job (out_dir, mailbox_id, state, temp_path, updated_time) "
	                    "VALUES (?1, ?2, 1, ?3, ?4) ON CONFLICT (out_dir, mailbox_id) DO UPDATE SET "
	                    "state = 1, temp_path = excluded.temp_path, final_path = NULL, error = NULL, "
	                    "final_check = NULL, updated_time = excluded.updated_time RETURNING id", &s);
	if (rc < 0)
		return rc;
	store_bind_text(s, 1, out_dir);
	sqlite3_bind_int64(s, 2, mailbox_id);
	store_bind_text(s, 3, temp_path);
	sqlite3_bind_int64(s, 4, (int64_t)time(NULL));
	if (sqlite3_step(s) == SQLITE_ROW) {
		if (out_id)
			*out_id = sqlite3_column_int64(s, 0);
		rc = 0;
	} else {
		rc = store_sqlerr(st, "recording an export job");
	}
	store_done(s);
	return rc;
}

int mbx_store_job_verified(mbx_store *st, int64_t job_id, const char *final_path,
                           const char *final_check)
{
	sqlite3_stmt *s;
	int rc = store_stmt(st, "UPDATE export_job SET state = 2, temp_path = NULL, final_path = ?1, "
	                        "error = NULL, final_check = ?2, updated_time = ?3 WHERE id = ?4", &s);

	if (rc < 0)
		return rc;
	store_bind_text(s, 1, final_path);
	store_bind_text(s, 2, final_check);
	sqlite3_bind_int64(s, 3, (int64_t)time(NULL));
	sqlite3_bind_int64(s, 4, job_id);
	rc = store_step_done(st, s, "updating an export job");
	if (rc == 0 && sqlite3_changes(st->db) == 0)
		rc = mbx_error_set(MBX_ENOTFOUND, "export job %" PRId64 " does not exist", job_id);
	return rc;
}

int mbx_store_job_set(mbx_store *st, int64_t job_id, mbx_job_state state,
                      const char *temp_path, const char *final_path, const char *error)
{
	sqlite3_stmt *s;
	int rc = store_stmt(st, "UPDATE export_job SET state = ?1, temp_path = ?2, final_path = ?3, "
	                        "error = ?4, final_check = NULL, updated_time = ?5 WHERE id = ?6", &s);

	if (rc < 0)
		return rc;
	sqlite3_bind_int(s, 1, (int)state);
	store_bind_text(s, 2, temp_path);
	store_bind_text(s, 3, final_path);
	store_bind_text(s, 4, error);
	sqlite3_bind_int64(s, 5, (int64_t)time(NULL));
	sqlite3_bind_int64(s, 6, job_id);
	rc = store_step_done(st, s, "updating an export job");
	if (rc == 0 && sqlite3_changes(st->db) == 0)
		rc = mbx_error_set(MBX_ENOTFOUND, "export job %" PRId64 " does not exist", job_id);
	return rc;
}

#define JOB_COLS "id, out_dir, mailbox_id, state, temp_path, final_path, error, updated_time, " \
	"final_check"

static void job_row(sqlite3_stmt *s, void *elem)
{
	mbx_job *j = elem;

	j->id = sqlite3_column_int64(s, 0);
	j->out_dir = store_col_str(s, 1);
	j->mailbox_id = sqlite3_column_int64(s, 2);
	j->state = (mbx_job_state)sqlite3_column_int(s, 3);
	j->temp_path = store_col_str(s, 4);
	j->final_path = store_col_str(s, 5);
	j->error = store_col_str(s, 6);
	j->updated_time = sqlite3_column_int64(s, 7);
	j->final_check = store_col_str(s, 8);
}

static void jobs_free_v(void *v, size_t n)
{
	mbx_jobs_free(v, n);
}

int mbx_store_jobs(mbx_store *st, const char *out_dir, mbx_job **out, size_t *n)
{
	sqlite3_stmt *s;
	int rc;

	*out = NULL;
	*n = 0;
	rc = store_stmt(st, "SELECT " JOB_COLS " FROM export_job WHERE out_dir = ?1 ORDER BY id", &s);
	if (rc < 0)
		return rc;
	store_bind_text(s, 1, out_dir);
	return store_collect(st, s, sizeof(**out), job_row, jobs_free_v,
	                     "reading export jobs", (void **)out, n);
}

int mbx_store_job_get(mbx_store *st, const char *out_dir, int64_t mailbox_id, mbx_job *out)
{
	sqlite3_stmt *s;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = store_stmt(st, "SELECT " JOB_COLS " FROM export_job WHERE out_dir = ?1 AND mailbox_id = ?2",
	                &s);
	if (rc < 0)
		return rc;
	store_bind_text(s, 1, out_dir);
	sqlite3_bind_int64(s, 2, mailbox_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		job_row(s, out);
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = mbx_error_set(MBX_ENOTFOUND, "no export job for mailbox %" PRId64 " in '%s'",
		                   mailbox_id, out_dir);
	} else {
		rc = store_sqlerr(st, "reading an export job");
	}
	store_done(s);
	return rc;
}

int mbx_store_jobs_each_final(mbx_store *st, const char *out_dir,
                              int (*fn)(void *ud, const mbx_job *j), void *ud)
{
	sqlite3_stmt *s;
	mbx_job j;
	int rc;

	rc = store_stmt(st, "SELECT " JOB_COLS " FROM export_job WHERE out_dir = ?1 AND "
	                    "final_path IS NOT NULL ORDER BY id", &s);
	if (rc < 0)
		return rc;
	store_bind_text(s, 1, out_dir);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int stop;

		memset(&j, 0, sizeof(j));
		job_row(s, &j);
		stop = fn(ud, &j);
		mbx_job_clear(&j);
		if (stop) {
			store_done(s);
			return stop;
		}
	}
	rc = rc == SQLITE_DONE ? 0 : store_sqlerr(st, "reading export jobs");
	store_done(s);
	return rc;
}

void mbx_job_clear(mbx_job *j)
{
	if (!j)
		return;
	mbx_free(j->out_dir);
	mbx_free(j->temp_path);
	mbx_free(j->final_path);
	mbx_free(j->error);
	mbx_free(j->final_check);
	memset(j, 0, sizeof(*j));
}

void mbx_jobs_free(mbx_job *j, size_t n)
{
	size_t i;

	if (!j)
		return;
	for (i = 0; i < n; i++)
		mbx_job_clear(&j[i]);
	mbx_free(j);
}
