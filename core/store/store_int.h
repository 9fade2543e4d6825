/*
 * core/store/store_int.h - what the parts of the store (the .c files in
 * core/store) share, SQLite included.  Only for core/store and the tests:
 * the rest of the core uses include/mbx/store.h and, for the check and the
 * adjuster, store/store_check.h (the demo: store/store_meta.h).
 */
#ifndef MBX_STORE_INT_H
#define MBX_STORE_INT_H

#include <sqlite3.h>
#include "mbx/store.h"
#include "store/store_check.h"
#include "store/store_meta.h"
#include "base/names.h"

/* "mbxR" in PRAGMA application_id: marks a file as an mbxrescue store. */
#define MBX_STORE_APP_ID 0x6d627852

/* Prepared statements kept for the life of the connection, found by the
 * address of their (static) SQL text. */
#define STORE_STMT_CACHE 64

struct mbx_store {
	sqlite3 *db;
	char *path;
	int txn_depth;
	int txn_failed;        /* an inner level rolled back: the outer one must too */
	uint64_t handle_id;    /* random, never 0: tells this handle from a later
	                        * one at the same address (mbx_adjust_plan) */
	struct {
		const char *sql;
		sqlite3_stmt *stmt;
	} cache[STORE_STMT_CACHE];
	size_t n_cache;
	/* The attachment being read in chunks (mbx_store_attachment_read):
	 * kept open between consecutive calls only; store_stmt and store_exec
	 * close it first (store_blob_release). */
	sqlite3_blob *blob;
	int64_t blob_id;
	int64_t blob_size;
	int bulk;              /* in mbx_store_bulk_begin's rollback-journal mode */
};

/* A cached, reset statement for `sql` (a string literal), or <0 with the
 * error set.  Call store_done() when finished with it. */
int store_stmt(mbx_store *st, const char *sql, sqlite3_stmt **out);
void store_done(sqlite3_stmt *s);

/* Set the thread's error from SQLite's state: corruption, full disk,
 * read-only and busy get their own codes and advice.  Returns the code. */
int store_sqlerr(mbx_store *st, const char *what);

/* Run SQL without results (schema, pragmas). */
int store_exec(mbx_store *st, const char *sql);
/* Step a statement that returns no rows; resets it. */
int store_step_done(mbx_store *st, sqlite3_stmt *s, const char *what);

/*
 * Step s to its end into a growing array of `size`-byte elements that
 * row() fills (zeroed first).  On an SQL error the partial array goes to
 * free_list() and the error names `what`.  s is finished in every case.
 */
typedef void (*store_row_fn)(sqlite3_stmt *s, void *elem);
typedef void (*store_list_free_fn)(void *v, size_t n);
int store_collect(mbx_store *st, sqlite3_stmt *s, size_t size, store_row_fn row,
                  store_list_free_fn free_list, const char *what, void **out, size_t *n);

/* Binding and reading helpers: NULL strings bind as SQL NULL. */
int store_bind_text(sqlite3_stmt *s, int i, const char *v);
char *store_col_str(sqlite3_stmt *s, int i);   /* mbx_strdup, NULL stays NULL */

/* Close the attachment kept open for sequential reads, if any: an open
 * blob holds a read snapshot, so any other statement releases it. */
void store_blob_release(mbx_store *st);

/* Schema (schema.c). */
int store_schema_latest(void);
/* Migrate from the file's user_version up to `target` in one transaction. */
int store_migrate(mbx_store *st, int target);

/* Internal key/value settings (the meta table): store_meta.h. */

/* How many rows to make room for before reading a whole table: `sql`
 * selects its largest rowid (capped; 0 when unknown). */
size_t store_rows_hint(mbx_store *st, const char *sql);
#define STORE_RECIPIENT_ROWS_HINT "SELECT max(id) FROM recipient"
#define STORE_MAILBOX_ROWS_HINT "SELECT max(id) FROM mailbox"
/* Put rows read in rowid order into the order of `k` (sorted name keys),
 * in place.  Spoils k[].row. */
void store_rows_reorder(void *v, size_t n, size_t size, name_key *k);
/* Row readers shared by store_dir.c, store_is.c and store_links.c. */
#define STORE_RECIPIENT_COLS "id, display_name, alias, dn, smtp, home_server, " \
	"primary_account, object_class, hidden, created_by_adjuster, created_time, " \
	"mailbox_guid, legacy_dn"
void store_recipient_row(sqlite3_stmt *s, mbx_recipient *r);   /* STORE_RECIPIENT_COLS */
/* Columns id, guid, display_name, legacy_dn, item_count, total_size,
 * last_logon, created_time (0-7). */
void store_mailbox_cols(sqlite3_stmt *s, mbx_mailbox *m);
/* An unlinked mailbox's alias: the cn of its legacy DN, else its GUID. */
void store_mailbox_alias_fallback(mbx_mailbox *m);

/*
 * Linking mailboxes to directory entries (store_links.c): fingerprints of
 * each mailbox's GUID / legacy DN / legacy DN and of each mailbox-
 * recipient's GUID / legacy DN / DN, tagged by kind so that equal kinds
 * meet; idx = row * STORE_LINK_KINDS + kind on both sides.
 */
enum { STORE_LINK_GUID, STORE_LINK_LEGACY_DN, STORE_LINK_DN, STORE_LINK_KINDS };
#define STORE_LINK_NONE UINT32_MAX
void store_link_fp(fplist *l, int kind, sqlite3_stmt *s, int col, size_t row);
/* Both lists sorted (fplist_sort): returns (caller frees) the recipient
 * row linked to each of the n_mb mailbox rows, by the first kind that
 * matches (the lowest recipient row within a kind), or STORE_LINK_NONE. */
uint32_t *store_link_resolve(const fplist *dir, const fplist *mb, size_t n_mb);
#endif
