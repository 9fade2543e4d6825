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
	                    "updated_time = excluded.updated_time RETURNING id", &s);
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

int mbx_store_job_set(mbx_store *st, int64_t job_id, mbx_job_state state,
                      const char *temp_path, const char *final_path, const char *error)
{
	sqlite3_stmt *s;
	int rc = store_stmt(st, "UPDATE export_job SET state = ?1, temp_path = ?2, final_path = ?3, "
	                        "error = ?4, updated_time = ?5 WHERE id = ?6", &s);

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
	rc = store_stmt(st, "SELECT id, out_dir, mailbox_id, state, temp_path, final_path, error, "
	                    "updated_time FROM export_job WHERE out_dir = ?1 ORDER BY id", &s);
	if (rc < 0)
		return rc;
	store_bind_text(s, 1, out_dir);
	return store_collect(st, s, sizeof(**out), job_row, jobs_free_v,
	                     "reading export jobs", (void **)out, n);
}

void mbx_jobs_free(mbx_job *j, size_t n)
{
	size_t i;

	if (!j)
		return;
	for (i = 0; i < n; i++) {
		mbx_free(j[i].out_dir);
		mbx_free(j[i].temp_path);
		mbx_free(j[i].final_path);
		mbx_free(j[i].error);
	}
	mbx_free(j);
}
