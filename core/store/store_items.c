/*
 * core/store/store_items.c - deleting items from every mailbox of the
 * store, with undo (mbx/search.h): Exmerge's other recovery use, the
 * virus mail or the mis-sent message removed wherever it landed.
 *
 * A deleted item is moved, not destroyed: its message row loses its
 * folder (folder_id NULL, as only embedded messages otherwise have),
 * deleted_item remembers the run, the folder and the mailbox, and its
 * search_doc row is marked held.  Every listing, count and export reaches
 * messages through their folders and every search through search_doc's
 * rows not held, so the item is gone from all of them; its recipients,
 * attachments, bag and index entry stay with it until it is restored or
 * purged (the message deleted).
 */
#include "config.h"
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "mbx/search.h"
#include "store/store_int.h"
#include "store/search_int.h"

/* "run R: mailbox ALIAS, folder PATH, YYYY-MM-DD HH:MM, from SENDER: SUBJECT" */
static char *describe(const mbx_search_hit *h, int64_t run)
{
	char date[32] = "no date";

	if (h->date > 0) {
		time_t t = (time_t)h->date;
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(date, sizeof(date), "%Y-%m-%d %H:%M", &tm);
	}
	return mbx_asprintf("run %" PRId64 ": mailbox %s, folder %s, %s, from %s: %s", run,
	                    h->mailbox ? h->mailbox : "?", h->folder ? h->folder : "?", date,
	                    h->from ? h->from : "", h->subject ? h->subject : "");
}

static int audit_item(mbx_store *st, const char *actor, const char *action, int64_t id,
                      const mbx_search_hit *h, int64_t run)
{
	char object[48], *detail = describe(h, run);
	int rc;

	snprintf(object, sizeof(object), "message %" PRId64, id);
	rc = mbx_store_audit(st, actor, action, object, detail);
	mbx_free(detail);
	return rc;
}

/* Add id to the set v (mailboxes to recount). */
static void add_unique(int64_t **v, size_t *n, int64_t id)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if ((*v)[i] == id)
			return;
	*v = mbx_reallocarray(*v, *n + 1, sizeof(**v));
	(*v)[(*n)++] = id;
}

static int recount(mbx_store *st, const int64_t *mb, size_t n)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < n && rc == 0; i++)
		rc = mbx_store_mailbox_refresh_counts(st, mb[i]);
	return rc;
}

/* Mark a message's search_doc row (if it has one) held or not. */
static int set_held(mbx_store *st, int64_t id, int held)
{
	sqlite3_stmt *s;
	int rc = store_stmt(st, "UPDATE search_doc SET held = ?2 WHERE message_id = ?1", &s);

	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int(s, 2, held);
	return store_step_done(st, s, "marking an item in the search index");
}

int mbx_store_items_delete(mbx_store *st, const int64_t *ids, size_t n, const char *actor,
                           const char *query, int64_t *run)
{
	sqlite3_stmt *s;
	int64_t r = 0, *mb = NULL;
	size_t nmb = 0, i;
	int rc;

	if (run)
		*run = 0;
	if (n == 0)
		return mbx_error_set(MBX_EINVAL, "no items to delete");
	actor = actor ? actor : "mbxrescue";
	rc = mbx_store_begin(st);
	if (rc < 0)
		return rc;
	rc = store_stmt(st, "INSERT INTO delete_run (time, actor, query, items) VALUES (?1, ?2, ?3, ?4)", &s);
	if (rc == 0) {
		sqlite3_bind_int64(s, 1, (int64_t)time(NULL));
		store_bind_text(s, 2, actor);
		store_bind_text(s, 3, query);
		sqlite3_bind_int64(s, 4, (int64_t)n);
		rc = store_step_done(st, s, "recording a delete run");
		r = sqlite3_last_insert_rowid(st->db);
	}
	for (i = 0; i < n && rc == 0; i++) {
		mbx_search_hit h;

		rc = mbx_store_search_hit_get(st, ids[i], &h);
		if (rc < 0)
			break;
		if (h.deleted_run) {
			rc = mbx_error_set(MBX_EEXISTS, "message %" PRId64 " was deleted already (run %" PRId64
			                   "; `mbxrescue delete-items --undo %" PRId64 "` restores it)",
			                   ids[i], h.deleted_run, h.deleted_run);
			mbx_search_hit_clear(&h);
			break;
		}
		rc = store_stmt(st, "INSERT INTO deleted_item (message_id, run, folder_id, mailbox_id, time) "
		                    "VALUES (?1, ?2, ?3, ?4, ?5)", &s);
		if (rc == 0) {
			sqlite3_bind_int64(s, 1, ids[i]);
			sqlite3_bind_int64(s, 2, r);
			sqlite3_bind_int64(s, 3, h.folder_id);
			sqlite3_bind_int64(s, 4, h.mailbox_id);
			sqlite3_bind_int64(s, 5, (int64_t)time(NULL));
			rc = store_step_done(st, s, "deleting an item");
		}
		if (rc == MBX_EEXISTS)
			rc = mbx_error_set(MBX_EINVAL, "message %" PRId64 " is given twice", ids[i]);
		if (rc == 0)
			rc = store_stmt(st, "UPDATE message SET folder_id = NULL WHERE id = ?1", &s);
		if (rc == 0) {
			sqlite3_bind_int64(s, 1, ids[i]);
			rc = store_step_done(st, s, "deleting an item");
		}
		/* searches find the rows of search_doc not held */
		if (rc == 0)
			rc = set_held(st, ids[i], 1);
		if (rc == 0)
			rc = audit_item(st, actor, "delete-item", ids[i], &h, r);
		if (rc == 0)
			add_unique(&mb, &nmb, h.mailbox_id);
		mbx_search_hit_clear(&h);
	}
	if (rc == 0)
		rc = recount(st, mb, nmb);
	mbx_free(mb);
	if (rc < 0) {
		mbx_store_rollback(st);
		return rc;
	}
	rc = mbx_store_commit(st);
	if (rc == 0 && run)
		*run = r;
	return rc;
}

int mbx_store_items_held(mbx_store *st, int64_t run, int64_t **ids, size_t *n)
{
	sqlite3_stmt *s;
	int64_t *v = NULL;
	size_t cnt = 0;
	int rc;

	*ids = NULL;
	*n = 0;
	rc = store_stmt(st, "SELECT message_id FROM deleted_item WHERE ?1 = 0 OR run = ?1 "
	                    "ORDER BY run, message_id", &s);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, run);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		v = mbx_reallocarray(v, cnt + 1, sizeof(*v));
		v[cnt++] = sqlite3_column_int64(s, 0);
	}
	rc = rc == SQLITE_DONE ? 0 : store_sqlerr(st, "reading the deleted items");
	store_done(s);
	if (rc < 0) {
		mbx_free(v);
		return rc;
	}
	*ids = v;
	*n = cnt;
	return 0;
}

int mbx_store_items_undo(mbx_store *st, int64_t run, const char *actor, int64_t *run_out,
                         int64_t *restored)
{
	sqlite3_stmt *s;
	int64_t *ids = NULL, *mb = NULL, done = 0;
	size_t n = 0, nmb = 0, i;
	int rc;

	if (run_out)
		*run_out = 0;
	if (restored)
		*restored = 0;
	actor = actor ? actor : "mbxrescue";
	rc = mbx_store_begin(st);
	if (rc < 0)
		return rc;
	if (run == 0) {
		rc = store_stmt(st, "SELECT coalesce(max(run), 0) FROM deleted_item", &s);
		if (rc == 0) {
			if (sqlite3_step(s) == SQLITE_ROW)
				run = sqlite3_column_int64(s, 0);
			store_done(s);
		}
	}
	if (rc == 0)
		rc = mbx_store_items_held(st, run, &ids, &n);
	if (rc == 0 && (run == 0 || n == 0))
		rc = mbx_error_set(MBX_ENOTFOUND, run ? "run %" PRId64 " holds no deleted items (undone or "
		                   "purged already?)" : "there are no deleted items to restore", run);
	for (i = 0; i < n && rc == 0; i++) {
		int64_t folder = 0, mailbox = 0;
		mbx_search_hit h;

		rc = store_stmt(st, "SELECT d.folder_id, d.mailbox_id, EXISTS (SELECT 1 FROM folder f "
		                    "WHERE f.id = d.folder_id) FROM deleted_item d WHERE d.message_id = ?1", &s);
		if (rc < 0)
			break;
		sqlite3_bind_int64(s, 1, ids[i]);
		if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int(s, 2)) {
			folder = sqlite3_column_int64(s, 0);
			mailbox = sqlite3_column_int64(s, 1);
		}
		store_done(s);
		if (!folder) {
			rc = mbx_error_set(MBX_ENOTFOUND, "message %" PRId64 " can not go back: its folder is "
			                   "gone from the store", ids[i]);
			break;
		}
		rc = store_stmt(st, "UPDATE message SET folder_id = ?2 WHERE id = ?1", &s);
		if (rc == 0) {
			sqlite3_bind_int64(s, 1, ids[i]);
			sqlite3_bind_int64(s, 2, folder);
			rc = store_step_done(st, s, "restoring an item");
		}
		if (rc == 0)
			rc = set_held(st, ids[i], 0);
		if (rc == 0)
			rc = store_stmt(st, "DELETE FROM deleted_item WHERE message_id = ?1", &s);
		if (rc == 0) {
			sqlite3_bind_int64(s, 1, ids[i]);
			rc = store_step_done(st, s, "restoring an item");
		}
		if (rc == 0)
			rc = mbx_store_search_hit_get(st, ids[i], &h);
		if (rc == 0) {
			rc = audit_item(st, actor, "undelete-item", ids[i], &h, run);
			mbx_search_hit_clear(&h);
		}
		add_unique(&mb, &nmb, mailbox);
		done++;
	}
	if (rc == 0)
		rc = recount(st, mb, nmb);
	mbx_free(mb);
	mbx_free(ids);
	if (rc < 0) {
		mbx_store_rollback(st);
		return rc;
	}
	rc = mbx_store_commit(st);
	if (rc == 0) {
		if (run_out)
			*run_out = run;
		if (restored)
			*restored = done;
	}
	return rc;
}

int mbx_store_items_purge(mbx_store *st, int64_t run, const char *actor, int64_t *purged)
{
	int64_t *ids = NULL, done = 0;
	size_t n = 0, i;
	int rc;

	if (purged)
		*purged = 0;
	actor = actor ? actor : "mbxrescue";
	rc = mbx_store_begin(st);
	if (rc < 0)
		return rc;
	rc = mbx_store_items_held(st, run, &ids, &n);
	for (i = 0; i < n && rc == 0; i++) {
		mbx_search_hit h;

		rc = mbx_store_search_hit_get(st, ids[i], &h);
		if (rc == 0) {
			rc = audit_item(st, actor, "purge-item", ids[i], &h, h.deleted_run);
			mbx_search_hit_clear(&h);
		}
		/* the index entry, the message and all it holds; deleted_item
		 * goes with it (ON DELETE CASCADE) */
		if (rc == 0)
			rc = mbx_store_message_delete(st, ids[i]);
		if (rc == 0)
			done++;
	}
	mbx_free(ids);
	if (rc < 0) {
		mbx_store_rollback(st);
		return rc;
	}
	rc = mbx_store_commit(st);
	if (rc == 0 && purged)
		*purged = done;
	return rc;
}

static void run_row(sqlite3_stmt *s, void *elem)
{
	mbx_delete_run *r = elem;

	r->id = sqlite3_column_int64(s, 0);
	r->time = sqlite3_column_int64(s, 1);
	r->actor = store_col_str(s, 2);
	r->query = store_col_str(s, 3);
	r->items = sqlite3_column_int64(s, 4);
	r->held = sqlite3_column_int64(s, 5);
}

void mbx_delete_runs_free(mbx_delete_run *r, size_t n)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < n; i++) {
		mbx_free(r[i].actor);
		mbx_free(r[i].query);
	}
	mbx_free(r);
}

static void runs_free_v(void *v, size_t n)
{
	mbx_delete_runs_free(v, n);
}

int mbx_store_delete_runs(mbx_store *st, mbx_delete_run **out, size_t *n)
{
	sqlite3_stmt *s;
	int rc;

	*out = NULL;
	*n = 0;
	rc = store_stmt(st, "SELECT r.id, r.time, r.actor, r.query, r.items, (SELECT count(*) FROM "
	                    "deleted_item d WHERE d.run = r.id) FROM delete_run r ORDER BY r.id DESC", &s);
	if (rc < 0)
		return rc;
	return store_collect(st, s, sizeof(mbx_delete_run), run_row, runs_free_v,
	                     "reading the delete runs", (void **)out, n);
}
