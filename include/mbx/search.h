/*
 * mbx/search.h - granular recovery on a store (core/store/store_search.c,
 * store_items.c): the full-text index of its messages, queries in the
 * language of mbx/query.h, one message's place and text for a preview,
 * and deleting items from every mailbox with undo.
 *
 * The index.  One SQLite FTS5 table over every message of a folder (not
 * the folder-associated items, not embedded messages on their own): its
 * subject, sender (name and address; of an Exchange DN only the alias),
 * recipients (To, Cc, Bcc: names and addresses), body text (the plain
 * body; else the HTML body reduced to text; else the compressed RTF body
 * decompressed and reduced to text; the first STORE_BODY_MAX bytes) and
 * attachment file names (and the subjects of attached messages).
 * mbx_store_message_add and mbx_store_message_delete keep it up to date in
 * their own transaction, so import, the demo and the generators maintain
 * it with no separate step.  A store that had messages before it had an
 * index (one upgraded from an earlier schema) has no index until
 * mbx_store_reindex builds it (`mbxrescue reindex`); until then searches
 * fail with a message saying so, and adding messages does not index them.
 *
 * Hits come newest first (by the date the message was received, else
 * sent), ties by insertion.
 *
 * Ownership: an mbx_search belongs to the caller (mbx_search_free; NULL
 * is a no-op) and uses the store it was prepared on, which must outlive
 * it; use both from one thread (a console runs searches on a worker with
 * its own mbx_store).  Hits, id arrays and runs handed out belong to the
 * caller (the *_free functions).
 */
#ifndef MBX_SEARCH_H
#define MBX_SEARCH_H

#include "mbx/common.h"
#include "mbx/query.h"
#include "mbx/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- The index ---------------------------------------------------------- */

typedef struct mbx_search_status {
	int built;             /* 1: built and maintained */
	int64_t indexed;       /* messages a search can find */
	int64_t messages;      /* messages of folders, not FAI (what a built
	                        * index covers) */
} mbx_search_status;

int mbx_store_search_status(mbx_store *st, mbx_search_status *out);

typedef struct mbx_reindex_opts {
	/* may be NULL: called every 1,000 messages and at the end */
	void (*progress)(void *ud, int64_t done, int64_t total);
	/* may be NULL: polled between messages; non-zero stops the rebuild
	 * with MBX_ECANCELLED and the index stays as it was */
	int (*cancelled)(void *ud);
	void *ud;
} mbx_reindex_opts;

/*
 * Build the index afresh from the store's messages, in one transaction
 * (a bulk load when no other connection has the store open).  opts may be
 * NULL; *indexed (may be NULL) gets the number of messages indexed.
 */
int mbx_store_reindex(mbx_store *st, const mbx_reindex_opts *opts, int64_t *indexed);

/* ---- Queries -------------------------------------------------------------- */

typedef struct mbx_search mbx_search;

/*
 * Compile query q for store st: check that every word holds something the
 * index keeps, resolve mailbox: aliases, build the SQL.  mailbox_ids (n of
 * them; n 0: every mailbox) restricts the hits further (`--mailbox`).
 * A query the store can not run (a word of only punctuation, an unknown
 * mailbox alias) is MBX_EINVAL with a message "malformed query at
 * character N: ..." and *err_pos (may be NULL) its byte offset, like
 * mbx_query_parse's; an index that is not built is MBX_ENOTFOUND with a
 * message saying to run `mbxrescue reindex`.
 */
int mbx_search_prepare(mbx_store *st, const mbx_query *q, const int64_t *mailbox_ids, size_t n,
                       mbx_search **out, size_t *err_pos);
void mbx_search_free(mbx_search *s);
/* Poll cancelled(ud) while a query runs (NULL: never); a cancel makes the
 * running call return MBX_ECANCELLED. */
void mbx_search_set_cancel(mbx_search *s, int (*cancelled)(void *ud), void *ud);

typedef struct mbx_search_hit {
	int64_t id;            /* message id: mbx_store_message_get, `show`,
	                        * `export-items`, `delete-items` */
	int64_t mailbox_id;
	char *mailbox;         /* the mailbox's alias */
	char *mailbox_name;    /* its display name */
	int64_t folder_id;
	char *folder;          /* path from the mailbox's top ("Inbox/Projects";
	                        * a '/' or '\' inside a name escaped with '\') */
	int64_t date;          /* received, else sent (Unix seconds; 0 none) */
	char *from;            /* sender name, else address */
	char *from_address;
	char *subject;
	char *message_class;
	int64_t size;
	int attachments;       /* how many */
	int64_t deleted_run;   /* held by delete-items run N (only
	                        * mbx_store_search_hit_get gives such), else 0 */
} mbx_search_hit;

/*
 * Hits offset .. offset+limit-1 (limit 0: all from offset on), newest
 * first.  Text in hits is as stored: pass it through mbx_text_clean
 * before it reaches a screen.
 */
int mbx_search_run(mbx_search *s, size_t offset, size_t limit, mbx_search_hit **out, size_t *n);
/* How many hits there are. */
int mbx_search_count(mbx_search *s, int64_t *count);
/* The ids of every hit, newest first (caller frees with mbx_free). */
int mbx_search_ids(mbx_search *s, int64_t **ids, size_t *n);
void mbx_search_hit_clear(mbx_search_hit *h);
void mbx_search_hits_free(mbx_search_hit *h, size_t n);

/* Where message id is (any message of a folder, or one held by
 * delete-items: deleted_run, and the folder it was in); MBX_ENOTFOUND for
 * no such message or an embedded one. */
int mbx_store_search_hit_get(mbx_store *st, int64_t id, mbx_search_hit *out);

/* The text of m's body for people and the index: the plain body, else the
 * HTML body reduced to text, else the compressed RTF of its bag
 * decompressed and reduced to text; "" when it has none.  Caller frees.
 * Not sanitized. */
char *mbx_message_text(const mbx_message *m);

/* ---- Deleting items (Exmerge's other recovery use) ------------------------
 *
 * A deleted item leaves its folder for a holding area: it is no longer
 * listed, counted, exported or found, but kept with everything it holds
 * until purged, so that a run can be undone.  Every item deleted,
 * restored or purged gets an audit record (mbx_store_audit_list):
 * "delete-item", "undelete-item", "purge-item", object "message ID",
 * detail "run R: mailbox ALIAS, folder PATH, DATE, from SENDER: SUBJECT".
 */
typedef struct mbx_delete_run {
	int64_t id;
	int64_t time;
	char *actor;
	char *query;           /* what chose the items (query or ids), may be NULL */
	int64_t items;         /* deleted by the run */
	int64_t held;          /* of those, still held (not undone or purged) */
} mbx_delete_run;

/* Delete messages ids[0..n) (messages of folders; all or none) as one new
 * run; *run (may be NULL) gets its id. */
int mbx_store_items_delete(mbx_store *st, const int64_t *ids, size_t n, const char *actor,
                           const char *query, int64_t *run);
/* Put the items run still holds back into their folders (run 0: the newest
 * run holding any; *run_out, may be NULL, gets the run undone);
 * *restored (may be NULL) how many.  MBX_ENOTFOUND when there is nothing
 * to undo. */
int mbx_store_items_undo(mbx_store *st, int64_t run, const char *actor, int64_t *run_out,
                         int64_t *restored);
/* Delete for good the items run holds (run 0: every run's). */
int mbx_store_items_purge(mbx_store *st, int64_t run, const char *actor, int64_t *purged);
/* The ids run holds (run 0: every run's), oldest first; caller frees. */
int mbx_store_items_held(mbx_store *st, int64_t run, int64_t **ids, size_t *n);
/* Every run, newest first. */
int mbx_store_delete_runs(mbx_store *st, mbx_delete_run **out, size_t *n);
void mbx_delete_runs_free(mbx_delete_run *r, size_t n);

#ifdef __cplusplus
}
#endif
#endif
