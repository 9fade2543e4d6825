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
#define STORE_STMT_CACHE 128

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
	/* Whether the file has schema-4 rows in message_prop (properties of
	 * messages written before bags): -1 not looked at yet, 0 none, 1 some. */
	int legacy_props;
	/* Messages added in the open transaction, for the search index
	 * (store_search.c, search_int.h); NULL until the first. */
	struct store_search *search;
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

/* Props columns (store_blob, below): len 0 binds SQL NULL (the blob must
 * live until the statement is stepped); reading copies the column into
 * out (len 0 for NULL). */
typedef struct store_blob store_blob;
int store_bind_blob(sqlite3_stmt *s, int i, const store_blob *b);
void store_col_blob(sqlite3_stmt *s, int i, store_blob *out);

/* Close the attachment kept open for sequential reads, if any: an open
 * blob holds a read snapshot, so any other statement releases it. */
void store_blob_release(mbx_store *st);

/* ---- Property bags (store_bag.c): the model, no SQL ---------------------- */

/* Embedded messages nest; a loop in the rows must not recurse forever. */
#define STORE_EMBED_DEPTH 16

/* The first byte of a props column (see store_bag.c). */
enum {
	STORE_BAG_PREFIX = 1 << 0,   /* what the fields give, then the packed properties */
	STORE_BAG_BODY = 1 << 1,     /* PidTagBody_W's value is the body column */
	STORE_BAG_HTML = 1 << 2,     /* PidTagHtml's value is the html_body column */
	STORE_BAG_HEADERS = 1 << 3,  /* PidTagTransportMessageHeaders_W's: transport_headers */
	STORE_BAG_ALL = 0x0F
};

/* A props column's bytes; len 0 means SQL NULL. */
struct store_blob {
	unsigned char *p;
	size_t len, cap;
};
void store_blob_free(store_blob *o);

/* What the fields of an object give (b initialised here; caller clears). */
void store_message_synth(const mbx_message *m, mbx_props *b);
void store_recipient_synth(const mbx_msg_recipient *r, mbx_props *b);
void store_attachment_synth(const mbx_attachment *a, mbx_props *b);
void store_folder_synth(const mbx_folder *f, mbx_props *b);
void store_mailbox_synth(const mbx_mailbox *m, mbx_props *b);
/* m->flags as the store keeps them (mfHasAttach, mfFAI added). */
uint32_t store_message_flags(const mbx_message *m);

/* The props column of an object about to be inserted (its bag alone;
 * never its recipients', attachments' or embedded messages'). */
void store_message_blob(const mbx_message *m, store_blob *o);
void store_recipient_blob(const mbx_msg_recipient *r, store_blob *o);
void store_attachment_blob(const mbx_attachment *a, store_blob *o);
void store_folder_blob(const mbx_folder *f, store_blob *o);
void store_mailbox_bag_blob(const mbx_props *bag, const char *display_name, store_blob *o);

/* Fill the bag of an object whose fields are loaded from its props column
 * (blob NULL: SQL NULL).  A message's bag may hold its schema-4
 * properties already.  MBX_ECORRUPT for a malformed column. */
int store_message_bag_load(mbx_message *m, const void *blob, size_t len);
int store_recipient_bag_load(mbx_msg_recipient *r, const void *blob, size_t len);
int store_attachment_bag_load(mbx_attachment *a, const void *blob, size_t len);
int store_folder_bag_load(mbx_folder *f, const void *blob, size_t len);
int store_mailbox_bag_load(mbx_mailbox *m, const void *blob, size_t len);

/* 1 for the five types of extra item properties. */
int store_prop_type_typed(unsigned type);
/* Property i of b as a typed extra (out->s allocated): 1 when it is of the
 * five types and plain or named by LID, else 0 (out zeroed). */
int store_bag_typed(const mbx_props *b, size_t i, mbx_msg_prop *out);

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
