/*
 * core/store/store_watch.c - noticing that another connection changed the
 * store (see mbx/store.h): PRAGMA data_version, and a stamp of what the
 * console's lists show.
 */
#include "config.h"
#include <string.h>

#include "store/store_int.h"

int mbx_store_data_version(mbx_store *st, int64_t *out)
{
	sqlite3_stmt *s;
	int rc;

	*out = 0;
	if ((rc = store_stmt(st, "PRAGMA data_version", &s)) < 0)
		return rc;
	if (sqlite3_step(s) == SQLITE_ROW) {
		*out = sqlite3_column_int64(s, 0);
		rc = 0;
	} else {
		rc = store_sqlerr(st, "reading the store's data version");
	}
	store_done(s);
	return rc;
}

int mbx_store_stamp_get(mbx_store *st, mbx_store_stamp *out)
{
	sqlite3_stmt *s;
	int rc;

	memset(out, 0, sizeof(*out));
	/* One read transaction: the numbers are of one state of the file. */
	rc = store_stmt(st, "SELECT (SELECT coalesce(max(id), 0) FROM mailbox), "
	                    "(SELECT coalesce(max(id), 0) FROM recipient), "
	                    "(SELECT coalesce(max(id), 0) FROM audit), "
	                    "(SELECT coalesce(max(id), 0) FROM message)", &s);
	if (rc < 0)
		return rc;
	if (sqlite3_step(s) == SQLITE_ROW) {
		out->max_mailbox_id = sqlite3_column_int64(s, 0);
		out->max_recipient_id = sqlite3_column_int64(s, 1);
		out->max_audit_id = sqlite3_column_int64(s, 2);
		out->max_message_id = sqlite3_column_int64(s, 3);
		rc = 0;
	} else {
		rc = store_sqlerr(st, "reading what the store holds");
	}
	store_done(s);
	return rc;
}

int mbx_store_stamp_equal(const mbx_store_stamp *a, const mbx_store_stamp *b)
{
	return a->max_mailbox_id == b->max_mailbox_id && a->max_recipient_id == b->max_recipient_id &&
	       a->max_audit_id == b->max_audit_id && a->max_message_id == b->max_message_id;
}
