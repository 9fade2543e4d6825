/*
 * core/store/store_audit.c - the audit log: who changed what, newest first.
 */
#include "config.h"
#include <string.h>
#include <time.h>

#include "store/store_int.h"

/* ---- Audit log ---------------------------------------------------------- */

int mbx_store_audit(mbx_store *st, const char *actor, const char *action,
                    const char *object, const char *detail)
{
	sqlite3_stmt *s;
	int rc = store_stmt(st, "INSERT INTO audit (time, actor, action, object, detail) "
	                        "VALUES (?1, ?2, ?3, ?4, ?5)", &s);

	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, (int64_t)time(NULL));
	store_bind_text(s, 2, actor ? actor : "mbxrescue");
	store_bind_text(s, 3, action ? action : "");
	store_bind_text(s, 4, object);
	store_bind_text(s, 5, detail);
	return store_step_done(st, s, "writing the audit log");
}

static void audit_row(sqlite3_stmt *s, void *elem)
{
	mbx_audit_entry *e = elem;

	e->id = sqlite3_column_int64(s, 0);
	e->time = sqlite3_column_int64(s, 1);
	e->actor = store_col_str(s, 2);
	e->action = store_col_str(s, 3);
	e->object = store_col_str(s, 4);
	e->detail = store_col_str(s, 5);
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
	rc = store_stmt(st, "SELECT id, time, actor, action, object, detail FROM audit "
	                    "ORDER BY id DESC LIMIT ?1", &s);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, limit ? (int64_t)limit : -1);
	return store_collect(st, s, sizeof(**out), audit_row, audit_free_v,
	                     "reading the audit log", (void **)out, n);
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
	}
	mbx_free(e);
}
