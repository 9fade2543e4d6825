/*
 * core/store/store_search.c - the search index and queries on it
 * (mbx/search.h).
 *
 * Tables (schema.c, migration "search"):
 *   search_fts  FTS5, contentless (it keeps no copy of the text), columns
 *               subject, sender, rcpt, body, attach; tokenizer "mbx"
 *               (search_tok.c)
 *   search_doc  key (= search_fts's rowid) -> message_id.  The key is the
 *               message's date (received, else sent) in seconds, or, should
 *               another message have it, the next free one: FTS5 hands out
 *               rowids in descending order for nothing, so the newest hits
 *               come first, and stop after a page, however many messages
 *               hold a common word; before:/after: are ranges of keys (a
 *               burst of messages of one second spills into the seconds
 *               after it).  Keys are dense on purpose: FTS5 keeps rowid
 *               deltas as varints, and the date shifted by 24 bits (with
 *               the low bits of the message id) made the index 60% larger
 *               than plain message ids, seconds 18% (BENCHMARKS.md).
 *   meta 'search_index' = STORE_SEARCH_VERSION when the index is built.
 *
 * A contentless FTS5 table forgets a row only when given the text it was
 * indexed with: store_search_unindex rebuilds that text from the stored
 * message with the same code (text_*) that indexed it, and indexing from
 * an mbx_message uses the very values the store keeps.
 */
#include "config.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mbx/rtf.h"
#include "mbx/search.h"
#include "store/store_int.h"
#include "store/search_int.h"

#define STORE_SEARCH_VERSION "mbx-1"
#define STORE_BODY_MAX (512 * 1024)   /* bytes of body text indexed */
#define KEY_DATE_MAX ((INT64_C(1) << 48) - 1)

/* ---- The text of a message --------------------------------------------- */

enum { COL_SUBJECT, COL_SENDER, COL_RCPT, COL_BODY, COL_ATTACH, N_COLS };

typedef struct tbuf {
	char *p;
	size_t n, cap;
} tbuf;

typedef struct stext {
	tbuf col[N_COLS];
} stext;

static void tbuf_put(tbuf *b, const char *s, size_t n)
{
	if (!s || !n)
		return;
	if (b->n + n + 2 > b->cap) {
		b->cap = (b->n + n + 2) * 2;
		b->p = mbx_realloc(b->p, b->cap);
	}
	if (b->n)
		b->p[b->n++] = '\n';
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static void tbuf_str(tbuf *b, const char *s)
{
	if (s)
		tbuf_put(b, s, strlen(s));
}

static void stext_reset(stext *t)
{
	int i;

	for (i = 0; i < N_COLS; i++)
		t->col[i].n = 0;
}

static void stext_free(stext *t)
{
	int i;

	for (i = 0; i < N_COLS; i++)
		mbx_free(t->col[i].p);
	memset(t, 0, sizeof(*t));
}

/* An address for the index: of an Exchange DN (/o=ORG/.../cn=ALIAS) only
 * the alias, not the words every DN has. */
static void text_address(tbuf *b, const char *addr)
{
	if (addr && strncasecmp(addr, "/o=", 3) == 0) {
		char *cn = store_dn_cn(addr);

		if (cn) {
			tbuf_str(b, cn);
			mbx_free(cn);
			return;
		}
	}
	tbuf_str(b, addr);
}

/* The body's text: plain, else HTML reduced, else RTF; NULL when none.
 * *owned gets what the caller frees. */
static const char *body_text(const char *body, const char *html, const void *rtf, size_t rtflen,
                             char **owned, size_t *len)
{
	*owned = NULL;
	if (body && *body) {
		*len = strlen(body);
		return body;
	}
	if (html && *html) {
		*owned = mbx_html_to_text(html, strlen(html));
	} else if (rtf && rtflen) {
		unsigned char *raw = NULL;
		size_t rawlen = 0;

		if (mbx_rtf_decompress(rtf, rtflen, &raw, &rawlen) == 0) {
			*owned = mbx_rtf_to_text(raw, rawlen);
			mbx_free(raw);
		} else {
			mbx_error_clear();   /* a damaged RTF body is left out of the index */
		}
	}
	*len = *owned ? strlen(*owned) : 0;
	return *owned;
}

static void text_body(stext *t, const char *body, const char *html, const void *rtf, size_t rtflen)
{
	char *owned;
	size_t len;
	const char *s = body_text(body, html, rtf, rtflen, &owned, &len);

	if (s) {
		if (len > STORE_BODY_MAX) {
			len = STORE_BODY_MAX;
			while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
				len--;   /* not inside a character */
		}
		tbuf_put(&t->col[COL_BODY], s, len);
	}
	mbx_free(owned);
}

static const mbx_prop *rtf_prop(const mbx_props *bag)
{
	mbx_propkey k = MBX_KEY(MBX_PID_TAG_RTF_COMPRESSED);
	const mbx_prop *p = mbx_props_get(bag, &k);

	return p && p->type == MBX_PT_BINARY ? p : NULL;
}

char *mbx_message_text(const mbx_message *m)
{
	const mbx_prop *rtf = rtf_prop(&m->bag);
	char *owned;
	size_t len;
	const char *s = body_text(m->body, m->html_body, rtf ? mbx_props_val(&m->bag, rtf) : NULL,
	                          rtf ? rtf->len : 0, &owned, &len);

	if (owned)
		return owned;
	return mbx_strdup(s ? s : "");
}

#define MSG_TEXT_COLS "subject, sender_name, sender_address, body, html_body, " \
	"CASE WHEN coalesce(body, '') = '' AND coalesce(html_body, '') = '' THEN props END"

/* The compressed RTF of a props column (a flags byte, then the packed
 * bag; store_bag.c), or NULL. */
static const void *blob_rtf(const void *blob, size_t len, mbx_props *tmp, size_t *rtflen)
{
	const mbx_prop *p;

	mbx_props_init(tmp);
	if (!blob || len < 2 || mbx_props_unpack(tmp, (const unsigned char *)blob + 1, len - 1) < 0) {
		mbx_error_clear();
		return NULL;
	}
	p = rtf_prop(tmp);
	if (!p)
		return NULL;
	*rtflen = p->len;
	return mbx_props_val(tmp, p);
}

/* The text of stored message id whose row s (MSG_TEXT_COLS from column
 * `col`) is at: as text_of_message made it from the message added. */
static int text_of_row(mbx_store *st, sqlite3_stmt *row, int col, int64_t id, stext *t)
{
	sqlite3_stmt *s;
	mbx_props tmp;
	size_t rtflen = 0;
	const void *rtf;
	int rc;

	stext_reset(t);
	tbuf_str(&t->col[COL_SUBJECT], (const char *)sqlite3_column_text(row, col));
	tbuf_str(&t->col[COL_SENDER], (const char *)sqlite3_column_text(row, col + 1));
	text_address(&t->col[COL_SENDER], (const char *)sqlite3_column_text(row, col + 2));
	rtf = blob_rtf(sqlite3_column_blob(row, col + 5), (size_t)sqlite3_column_bytes(row, col + 5),
	               &tmp, &rtflen);
	text_body(t, (const char *)sqlite3_column_text(row, col + 3),
	          (const char *)sqlite3_column_text(row, col + 4), rtf, rtflen);
	mbx_props_clear(&tmp);

	rc = store_stmt(st, "SELECT name, address FROM message_recipient WHERE message_id = ?1 "
	                    "ORDER BY id", &s);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		tbuf_str(&t->col[COL_RCPT], (const char *)sqlite3_column_text(s, 0));
		text_address(&t->col[COL_RCPT], (const char *)sqlite3_column_text(s, 1));
	}
	rc = rc == SQLITE_DONE ? 0 : store_sqlerr(st, "reading a message's recipients");
	store_done(s);
	if (rc < 0)
		return rc;
	rc = store_stmt(st, "SELECT a.filename, e.subject FROM attachment a LEFT JOIN message e "
	                    "ON e.id = a.embedded_id WHERE a.message_id = ?1 ORDER BY a.seq, a.id", &s);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(s, 0);

		if (name && *name)
			tbuf_str(&t->col[COL_ATTACH], name);
		else if (sqlite3_column_type(s, 1) != SQLITE_NULL)
			tbuf_str(&t->col[COL_ATTACH], (const char *)sqlite3_column_text(s, 1));
	}
	rc = rc == SQLITE_DONE ? 0 : store_sqlerr(st, "reading a message's attachments");
	store_done(s);
	return rc;
}

/* ---- Keeping the index --------------------------------------------------- */

/* The key a message of this date asks for (the next free one is taken
 * when it is not free). */
static int64_t key_of(int64_t date)
{
	if (date < 0)
		date = 0;
	return date > KEY_DATE_MAX ? KEY_DATE_MAX : date;
}

static int64_t date_of(int64_t received, int64_t sent)
{
	return received > 0 ? received : sent > 0 ? sent : 0;
}

/* 1 when the index is built (and so kept), 0 when not. */
static int index_built(mbx_store *st)
{
	sqlite3_stmt *s;
	int rc = store_stmt(st, "SELECT value = ?1 FROM meta WHERE key = 'search_index'", &s);

	if (rc < 0)
		return rc;
	store_bind_text(s, 1, STORE_SEARCH_VERSION);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		rc = sqlite3_column_int(s, 0) != 0;
	else if (rc == SQLITE_DONE)
		rc = 0;
	else
		rc = store_sqlerr(st, "reading the search index's state");
	store_done(s);
	return rc;
}

static int bind_cols(sqlite3_stmt *s, int first, const stext *t)
{
	int i;

	for (i = 0; i < N_COLS; i++) {
		if (t->col[i].n)
			sqlite3_bind_text(s, first + i, t->col[i].p, (int)t->col[i].n, SQLITE_STATIC);
		else
			sqlite3_bind_null(s, first + i);
	}
	return 0;
}

/* Map key to message id in search_doc; should key be taken (another
 * message of the same second), the next free key: *key is set to the one
 * used. */
static int doc_add(mbx_store *st, int64_t id, int64_t *key)
{
	sqlite3_stmt *s;
	int rc, e;

	rc = store_stmt(st, "INSERT INTO search_doc (key, message_id) VALUES (?1, ?2)", &s);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, *key);
	sqlite3_bind_int64(s, 2, id);
	rc = sqlite3_step(s);
	e = sqlite3_extended_errcode(st->db);
	store_done(s);
	if (rc != SQLITE_DONE && e == SQLITE_CONSTRAINT_PRIMARYKEY) {
		rc = store_stmt(st, "SELECT k.key + 1 FROM search_doc k WHERE k.key >= ?1 AND NOT EXISTS "
		                    "(SELECT 1 FROM search_doc n WHERE n.key = k.key + 1) ORDER BY k.key "
		                    "LIMIT 1", &s);
		if (rc < 0)
			return rc;
		sqlite3_bind_int64(s, 1, *key);
		if (sqlite3_step(s) == SQLITE_ROW)
			*key = sqlite3_column_int64(s, 0);
		store_done(s);
		rc = store_stmt(st, "INSERT INTO search_doc (key, message_id) VALUES (?1, ?2)", &s);
		if (rc < 0)
			return rc;
		sqlite3_bind_int64(s, 1, *key);
		sqlite3_bind_int64(s, 2, id);
		rc = sqlite3_step(s);
		store_done(s);
	}
	return rc == SQLITE_DONE ? 0 : store_sqlerr(st, "adding a message to the search index");
}

/* Index text t under key. */
static int fts_add(mbx_store *st, int64_t key, const stext *t)
{
	sqlite3_stmt *s;
	int rc = store_stmt(st, "INSERT INTO search_fts (rowid, subject, sender, rcpt, body, attach) "
	                        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)", &s);

	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, key);
	bind_cols(s, 2, t);
	return store_step_done(st, s, "adding a message to the search index");
}

/* The text of stored message id into t: 1, or 0 when there is no such
 * message (any more). */
static int text_of_id(mbx_store *st, int64_t id, stext *t)
{
	sqlite3_stmt *s;
	int rc = store_stmt(st, "SELECT " MSG_TEXT_COLS " FROM message WHERE id = ?1", &s);

	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		/* the row's statement stays as it is while the recipients and
		 * attachments are read with others */
		rc = text_of_row(st, s, 0, id, t);
		if (rc == 0)
			rc = 1;
	} else {
		rc = rc == SQLITE_DONE ? 0 : store_sqlerr(st, "reading a message");
	}
	store_done(s);
	return rc;
}

/* ---- Messages waiting for the index ------------------------------------------ */

#define FLUSH_EVERY 8192        /* messages noted before they are indexed */
#define FLUSH_CACHE_KB 16384    /* page cache while a large batch goes in */

typedef struct pending {
	int64_t key, id;
} pending;

struct store_search {
	pending *p;
	size_t n, cap;
};

static int pending_cmp(const void *a, const void *b)
{
	const pending *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

static void note(mbx_store *st, int64_t key, int64_t id)
{
	struct store_search *ss = st->search;

	if (!ss)
		ss = st->search = mbx_calloc(1, sizeof(*ss));
	if (ss->n == ss->cap) {
		ss->cap = ss->cap ? ss->cap * 2 : 64;
		ss->p = mbx_reallocarray(ss->p, ss->cap, sizeof(*ss->p));
	}
	ss->p[ss->n].key = key;
	ss->p[ss->n].id = id;
	ss->n++;
}

void store_search_discard(mbx_store *st)
{
	if (st->search)
		st->search->n = 0;
}

void store_search_free(mbx_store *st)
{
	if (!st->search)
		return;
	mbx_free(st->search->p);
	mbx_free(st->search);
	st->search = NULL;
}

/* SQLite's page cache size (PRAGMA cache_size's value), 0 unknown. */
static int64_t cache_size(mbx_store *st)
{
	sqlite3_stmt *s = NULL;
	int64_t v = 0;

	if (sqlite3_prepare_v2(st->db, "PRAGMA cache_size", -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

int store_search_flush(mbx_store *st)
{
	struct store_search *ss = st->search;
	int64_t old_cache = 0;
	stext t;
	size_t i;
	int rc = 0;

	if (!ss || ss->n == 0)
		return 0;
	qsort(ss->p, ss->n, sizeof(*ss->p), pending_cmp);
	/* FTS5 merges segments and the rows are read back at random within
	 * the batch: SQLite's default 2 MB are 31 pages of 64 KiB */
	if (ss->n >= 256) {
		char pragma[48];

		old_cache = cache_size(st);
		snprintf(pragma, sizeof(pragma), "PRAGMA cache_size = -%d", FLUSH_CACHE_KB);
		if (old_cache > -FLUSH_CACHE_KB && old_cache < FLUSH_CACHE_KB * 1024 / 65536)
			store_exec(st, pragma);
		else
			old_cache = 0;
	}
	/* the keys first (a taken key moves on; the batch stays in order),
	 * then the text */
	for (i = 0; i < ss->n && rc == 0; i++) {
		if (i > 0 && ss->p[i].key <= ss->p[i - 1].key)
			ss->p[i].key = ss->p[i - 1].key + 1;
		rc = doc_add(st, ss->p[i].id, &ss->p[i].key);
	}
	memset(&t, 0, sizeof(t));
	for (i = 0; i < ss->n && rc == 0; i++) {
		rc = text_of_id(st, ss->p[i].id, &t);
		if (rc > 0)
			rc = fts_add(st, ss->p[i].key, &t);
	}
	stext_free(&t);
	ss->n = 0;
	if (old_cache) {
		char pragma[48];

		snprintf(pragma, sizeof(pragma), "PRAGMA cache_size = %lld", (long long)old_cache);
		store_exec(st, pragma);
	}
	return rc < 0 ? rc : 0;
}

int store_search_index(mbx_store *st, const mbx_message *m, int64_t id)
{
	int rc;

	if (m->associated)
		return 0;
	rc = index_built(st);
	if (rc <= 0)
		return rc;
	note(st, key_of(date_of(m->received_time, m->sent_time)), id);
	return st->search->n >= FLUSH_EVERY ? store_search_flush(st) : 0;
}

int store_search_unindex(mbx_store *st, int64_t id)
{
	struct store_search *ss = st->search;
	sqlite3_stmt *s;
	int64_t key = 0;
	stext t;
	size_t i;
	int rc;

	/* not indexed yet: forget it */
	for (i = 0; ss && i < ss->n; i++) {
		if (ss->p[i].id == id) {
			ss->p[i] = ss->p[--ss->n];
			return 0;
		}
	}
	rc = store_stmt(st, "SELECT key FROM search_doc WHERE message_id = ?1", &s);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		key = sqlite3_column_int64(s, 0);
	rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_sqlerr(st, "reading the search index");
	store_done(s);
	if (rc < 0 || !key)
		return rc;
	memset(&t, 0, sizeof(t));
	rc = text_of_id(st, id, &t);
	if (rc == 0)
		rc = mbx_error_set(MBX_ENOTFOUND, "message %" PRId64 " does not exist", id);
	if (rc > 0)
		rc = store_stmt(st, "INSERT INTO search_fts (search_fts, rowid, subject, sender, rcpt, "
		                    "body, attach) VALUES ('delete', ?1, ?2, ?3, ?4, ?5, ?6)", &s);
	if (rc == 0) {
		sqlite3_bind_int64(s, 1, key);
		bind_cols(s, 2, &t);
		rc = store_step_done(st, s, "taking a message out of the search index");
	}
	if (rc == 0)
		rc = store_stmt(st, "DELETE FROM search_doc WHERE key = ?1", &s);
	if (rc == 0) {
		sqlite3_bind_int64(s, 1, key);
		rc = store_step_done(st, s, "taking a message out of the search index");
	}
	stext_free(&t);
	return rc;
}

/* ---- Status and rebuilding -------------------------------------------------- */

/* Messages the index is for: of a folder, or held by delete-items; not FAI. */
#define INDEXABLE "FROM message WHERE associated = 0 AND (folder_id IS NOT NULL OR id IN " \
	"(SELECT message_id FROM deleted_item))"

static int count_of(mbx_store *st, const char *sql, int64_t *out)
{
	sqlite3_stmt *s;
	int rc = store_stmt(st, sql, &s);

	if (rc < 0)
		return rc;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(s, 0);
		rc = 0;
	} else {
		rc = store_sqlerr(st, "counting messages");
	}
	store_done(s);
	return rc;
}

int mbx_store_search_status(mbx_store *st, mbx_search_status *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	rc = mbx_store_begin_read(st);
	if (rc < 0)
		return rc;
	rc = index_built(st);
	if (rc >= 0) {
		out->built = rc;
		rc = count_of(st, "SELECT count(*) FROM search_doc WHERE held = 0", &out->indexed);
	}
	if (rc == 0)
		rc = count_of(st, "SELECT count(*) FROM message WHERE associated = 0 AND folder_id IS NOT NULL",
		              &out->messages);
	if (rc < 0) {
		mbx_store_rollback(st);
		return rc;
	}
	return mbx_store_commit(st);
}

static int rebuild(mbx_store *st, const mbx_reindex_opts *o, int64_t total, int64_t *done)
{
	sqlite3_stmt *rows = NULL;
	int rc;

	store_search_discard(st);
	/* no merging while building: the segments are merged once at the
	 * end ('optimize') */
	rc = store_exec(st, "DELETE FROM search_doc;"
	                    "INSERT INTO search_fts (search_fts) VALUES ('delete-all');"
	                    "INSERT INTO search_fts (search_fts, rank) VALUES ('automerge', 0);"
	                    "DELETE FROM meta WHERE key = 'search_index'");
	if (rc < 0)
		return rc;
	/* Its own statement: the cached ones run inside the loop. */
	if (sqlite3_prepare_v2(st->db, "SELECT id, received_time, sent_time " INDEXABLE " ORDER BY id",
	                       -1, &rows, NULL) != SQLITE_OK)
		return store_sqlerr(st, "reading the messages");
	while ((rc = sqlite3_step(rows)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(rows, 0);

		note(st, key_of(date_of(sqlite3_column_int64(rows, 1), sqlite3_column_int64(rows, 2))), id);
		if (st->search->n >= FLUSH_EVERY) {
			rc = store_search_flush(st);
			if (rc < 0)
				break;
		}
		if (++*done % 1000 == 0) {
			if (o && o->cancelled && o->cancelled(o->ud)) {
				rc = mbx_error_set(MBX_ECANCELLED, "rebuilding the search index was cancelled; "
				                   "the index is as it was");
				break;
			}
			if (o && o->progress)
				o->progress(o->ud, *done, total);
		}
	}
	if (rc == SQLITE_DONE)
		rc = store_search_flush(st);
	else if (rc > 0)
		rc = store_sqlerr(st, "reading the messages");
	sqlite3_finalize(rows);
	/* held items: indexed (undo brings them back), not found */
	if (rc == 0)
		rc = store_exec(st, "UPDATE search_doc SET held = 1 WHERE message_id IN "
		                    "(SELECT message_id FROM deleted_item)");
	if (rc == 0)
		rc = store_meta_set(st, "search_index", STORE_SEARCH_VERSION);
	/* one b-tree per term: queries read one segment instead of dozens */
	if (rc == 0)
		rc = store_exec(st, "INSERT INTO search_fts (search_fts) VALUES ('optimize');"
		                    "INSERT INTO search_fts (search_fts, rank) VALUES ('automerge', 4)");
	if (rc == 0 && o && o->progress)
		o->progress(o->ud, *done, total);
	return rc;
}

int mbx_store_reindex(mbx_store *st, const mbx_reindex_opts *opts, int64_t *indexed)
{
	int64_t total = 0, done = 0;
	int bulk, rc;

	if (indexed)
		*indexed = 0;
	bulk = mbx_store_bulk_begin(st);
	if (bulk < 0)
		return bulk;
	rc = mbx_store_begin(st);
	if (rc == 0)
		rc = count_of(st, "SELECT count(*) " INDEXABLE, &total);
	if (rc == 0)
		rc = rebuild(st, opts, total, &done);
	if (rc < 0) {
		mbx_store_rollback(st);
	} else {
		rc = mbx_store_commit(st);
	}
	mbx_store_bulk_end(st);
	if (rc < 0)
		return mbx_error_prefix(rc, "%s: rebuilding the search index", mbx_store_path(st));
	if (indexed)
		*indexed = done;
	return 0;
}

/* ---- Compiling a query ------------------------------------------------------- */

typedef struct bindv {
	int text;              /* 1: s, 0: i */
	char *s;
	int64_t i;
} bindv;

struct mbx_search {
	mbx_store *st;
	char *from_where;      /* "FROM ... WHERE ..." */
	char *order;           /* " ORDER BY ... DESC" */
	bindv *b;
	size_t nb;
	int (*cancelled)(void *ud);
	void *cancel_ud;
	/* caches for hits: folder paths and mailboxes */
	struct fcache { int64_t id; char *path; int64_t mailbox_id; } *fc;
	size_t nfc;
	struct mcache { int64_t id; char *alias, *name; } *mc;
	size_t nmc;
};

typedef struct qb {
	mbx_search *s;
	tbuf sql;              /* the conditions (sql_put; no separators) */
	int err;
	size_t err_pos;
	int need_m;            /* a condition reads the message row (m) */
	int need_fo;           /* ... its folder (fo) */
} qb;

static void sql_put(qb *b, const char *s)
{
	size_t n = strlen(s);

	if (b->sql.n + n + 1 > b->sql.cap) {
		b->sql.cap = (b->sql.n + n + 1) * 2;
		b->sql.p = mbx_realloc(b->sql.p, b->sql.cap);
	}
	memcpy(b->sql.p + b->sql.n, s, n);
	b->sql.n += n;
	b->sql.p[b->sql.n] = '\0';
}

/* "?N" for a new bound value. */
static void bind_text(qb *b, const char *v)
{
	char ph[24];

	b->s->b = mbx_reallocarray(b->s->b, b->s->nb + 1, sizeof(*b->s->b));
	b->s->b[b->s->nb].text = 1;
	b->s->b[b->s->nb].s = mbx_strdup(v);
	b->s->b[b->s->nb].i = 0;
	b->s->nb++;
	snprintf(ph, sizeof(ph), "?%zu", b->s->nb);
	sql_put(b, ph);
}

static void bind_int(qb *b, int64_t v)
{
	char ph[24];

	b->s->b = mbx_reallocarray(b->s->b, b->s->nb + 1, sizeof(*b->s->b));
	b->s->b[b->s->nb].text = 0;
	b->s->b[b->s->nb].s = NULL;
	b->s->b[b->s->nb].i = v;
	b->s->nb++;
	snprintf(ph, sizeof(ph), "?%zu", b->s->nb);
	sql_put(b, ph);
}

static int qfail(qb *b, size_t pos, int code, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int qfail(qb *b, size_t pos, int code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (b->err)
		return b->err;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	b->err = code;
	b->err_pos = pos;
	return mbx_error_set(code, "%s", msg);
}

/* A subtree the full-text index can answer alone, with at least one
 * positive term: a term of an indexed field; AND of such (NOTs of such
 * beside them); OR of such. */
static int fts_able(const mbx_query *q)
{
	size_t i, pos = 0;

	switch (q->op) {
	case MBX_QOP_TERM:
		return mbx_query_field_indexed(q->field);
	case MBX_QOP_OR:
		for (i = 0; i < q->n_kids; i++)
			if (!fts_able(q->kids[i]))
				return 0;
		return 1;
	case MBX_QOP_AND:
		for (i = 0; i < q->n_kids; i++) {
			const mbx_query *k = q->kids[i];

			if (k->op == MBX_QOP_NOT && fts_able(k->kids[0]))
				continue;
			if (!fts_able(k))
				return 0;
			pos++;
		}
		return pos > 0;
	default:
		return 0;
	}
}

static const char *const column_of[] = {
	/* MBX_QF_TEXT .. MBX_QF_ATTACHMENT */
	"", "{sender} : ", "{rcpt} : ", "{subject} : ", "{body} : ", "{attach} : "
};

/* The FTS5 expression of an fts_able subtree: every term a quoted phrase
 * (quotes doubled), never the text as query syntax. */
static void fts_expr(tbuf *e, const mbx_query *q)
{
	size_t i, n = 0;
	const char *t;

#define PUT(s) do { const char *s_ = (s); size_t l_ = strlen(s_); \
	if (e->n + l_ + 1 > e->cap) { e->cap = (e->n + l_ + 1) * 2; e->p = mbx_realloc(e->p, e->cap); } \
	memcpy(e->p + e->n, s_, l_); e->n += l_; e->p[e->n] = '\0'; } while (0)
	switch (q->op) {
	case MBX_QOP_TERM:
		PUT(column_of[q->field]);
		PUT("\"");
		for (t = q->text; *t; t++) {
			char one[2];

			one[0] = *t;
			one[1] = '\0';
			PUT(*t == '"' ? "\"\"" : one);
		}
		PUT(q->prefix ? "\"*" : "\"");
		break;
	case MBX_QOP_OR:
		PUT("(");
		for (i = 0; i < q->n_kids; i++) {
			if (i)
				PUT(" OR ");
			fts_expr(e, q->kids[i]);
		}
		PUT(")");
		break;
	case MBX_QOP_AND:
		PUT("((");
		for (i = 0; i < q->n_kids; i++) {
			if (q->kids[i]->op == MBX_QOP_NOT)
				continue;
			if (n++)
				PUT(" AND ");
			fts_expr(e, q->kids[i]);
		}
		PUT(")");
		for (i = 0; i < q->n_kids; i++) {
			if (q->kids[i]->op != MBX_QOP_NOT)
				continue;
			PUT(" NOT ");
			fts_expr(e, q->kids[i]->kids[0]);
		}
		PUT(")");
		break;
	default:
		break;
	}
#undef PUT
}

static void count_token(void *ud, const char *tok, int len, int colocated)
{
	(void)tok;
	(void)len;
	(void)colocated;
	++*(size_t *)ud;
}

/* Every word must give the index something to look up. */
static int check_terms(qb *b, const mbx_query *q)
{
	size_t i, n = 0;

	if (q->op != MBX_QOP_TERM) {
		for (i = 0; i < q->n_kids && !b->err; i++)
			check_terms(b, q->kids[i]);
		return b->err;
	}
	if (!mbx_query_field_indexed(q->field))
		return 0;
	if (store_tok_run(b->s->st->db, q->text, -1, 1, count_token, &n) != SQLITE_OK)
		return qfail(b, q->pos, store_sqlerr(b->s->st, "reading a query"), "%s", mbx_error_last());
	if (n == 0)
		return qfail(b, q->pos, MBX_EINVAL, "'%s' holds no letters or digits to search for", q->text);
	return 0;
}

/* "a/b\/c" -> components, '\' escaping the next character. */
static char **path_parts(const char *path, size_t *n)
{
	char **v = NULL, *cur = mbx_malloc(strlen(path) + 1);
	size_t k = 0;
	const char *p;

	*n = 0;
	for (p = path;; p++) {
		if (*p == '\\' && p[1]) {
			cur[k++] = *++p;
			continue;
		}
		if (*p == '/' || !*p) {
			if (k) {
				cur[k] = '\0';
				v = mbx_reallocarray(v, *n + 1, sizeof(*v));
				v[(*n)++] = mbx_strdup(cur);
			}
			k = 0;
			if (!*p)
				break;
			continue;
		}
		cur[k++] = *p;
	}
	mbx_free(cur);
	return v;
}

/* SQL selecting the ids of the folders folder:PATH names, and below them. */
static void folder_set(qb *b, const mbx_query *q)
{
	size_t n, i;
	char **parts = path_parts(q->text, &n);
	mbx_folder_role role;

	if (n == 0) {
		sql_put(b, "SELECT NULL WHERE 0");
		return;
	}
	sql_put(b, "WITH RECURSIVE fs(id) AS (");
	if (n == 1) {
		/* one name: at any depth; a well-known folder's role too */
		sql_put(b, "SELECT id FROM folder WHERE name = ");
		bind_text(b, parts[0]);
		sql_put(b, " COLLATE NOCASE");
		role = mbx_folder_role_parse(parts[0]);
		if (role != MBX_ROLE_NONE) {
			sql_put(b, " OR (parent_id IS NULL AND role = ");
			bind_int(b, (int64_t)role);
			sql_put(b, ")");
		}
	} else {
		/* a path from the top: nested, the last component outermost */
		for (i = n; i-- > 1;) {
			sql_put(b, "SELECT id FROM folder WHERE name = ");
			bind_text(b, parts[i]);
			sql_put(b, " COLLATE NOCASE AND parent_id IN (");
		}
		sql_put(b, "SELECT id FROM folder WHERE parent_id IS NULL AND (name = ");
		bind_text(b, parts[0]);
		sql_put(b, " COLLATE NOCASE");
		role = mbx_folder_role_parse(parts[0]);
		if (role != MBX_ROLE_NONE) {
			sql_put(b, " OR role = ");
			bind_int(b, (int64_t)role);
		}
		sql_put(b, ")");
		for (i = 1; i < n; i++)
			sql_put(b, ")");
	}
	sql_put(b, " UNION SELECT c.id FROM folder c JOIN fs ON c.parent_id = fs.id) SELECT id FROM fs");
	for (i = 0; i < n; i++)
		mbx_free(parts[i]);
	mbx_free(parts);
}

static char *like_escape(const char *s)
{
	char *o = mbx_malloc(2 * strlen(s) + 3), *p = o;

	for (; *s; s++) {
		if (*s == '%' || *s == '_' || *s == '\\')
			*p++ = '\\';
		*p++ = *s;
	}
	*p++ = '.';
	*p++ = '%';
	*p = '\0';
	return o;
}

/* The SQL condition of a subtree; `key` the column that holds the key. */
static void sql_cond(qb *b, const mbx_query *q, const char *key)
{
	size_t i;

	if (b->err)
		return;
	if (fts_able(q)) {
		tbuf e = { NULL, 0, 0 };

		fts_expr(&e, q);
		sql_put(b, "sd.key IN (SELECT rowid FROM search_fts WHERE search_fts MATCH ");
		bind_text(b, e.p);
		sql_put(b, ")");
		mbx_free(e.p);
		return;
	}
	switch (q->op) {
	case MBX_QOP_AND:
	case MBX_QOP_OR:
		sql_put(b, "(");
		for (i = 0; i < q->n_kids; i++) {
			if (i)
				sql_put(b, q->op == MBX_QOP_AND ? " AND " : " OR ");
			sql_cond(b, q->kids[i], key);
		}
		sql_put(b, ")");
		return;
	case MBX_QOP_NOT:
		sql_put(b, "NOT (");
		sql_cond(b, q->kids[0], key);
		sql_put(b, ")");
		return;
	default:
		break;
	}
	switch (q->field) {
	case MBX_QF_FOLDER:
		b->need_m = 1;
		sql_put(b, "m.folder_id IN (");
		folder_set(b, q);
		sql_put(b, ")");
		break;
	case MBX_QF_MAILBOX: {
		mbx_mailbox mb;
		int rc = mbx_store_mailbox_by_alias(b->s->st, q->text, &mb);

		if (rc == MBX_ENOTFOUND) {
			qfail(b, q->pos, MBX_EINVAL, "there is no mailbox with alias '%s' (`mbxrescue "
			      "check` lists the mailboxes)", q->text);
			return;
		}
		if (rc < 0) {
			qfail(b, q->pos, rc, "%s", mbx_error_last());
			return;
		}
		b->need_m = b->need_fo = 1;
		sql_put(b, "fo.mailbox_id = ");
		bind_int(b, mb.id);
		mbx_mailbox_clear(&mb);
		break;
	}
	case MBX_QF_HAS_ATTACHMENT:
		sql_put(b, "EXISTS (SELECT 1 FROM attachment a WHERE a.message_id = sd.message_id)");
		break;
	case MBX_QF_BEFORE:
	case MBX_QF_AFTER:
		sql_put(b, key);
		sql_put(b, q->field == MBX_QF_BEFORE ? " < " : " >= ");
		bind_int(b, key_of(q->time));
		break;
	case MBX_QF_CLASS: {
		char *cls = strchr(q->text, '.') ? mbx_strdup(q->text) : mbx_asprintf("IPM.%s", q->text);
		char *like = like_escape(cls);

		b->need_m = 1;
		sql_put(b, "(m.message_class = ");
		bind_text(b, cls);
		sql_put(b, " COLLATE NOCASE OR m.message_class LIKE ");
		bind_text(b, like);
		sql_put(b, " ESCAPE '\\')");
		mbx_free(cls);
		mbx_free(like);
		break;
	}
	default:
		sql_put(b, "0");
		break;
	}
}

/* Whether conjunct c goes into the MATCH. */
static int in_match(const mbx_query *c)
{
	return c->op == MBX_QOP_NOT ? fts_able(c->kids[0]) : fts_able(c);
}

/*
 * Build FROM/WHERE: the full-text conjuncts of the top level (at least
 * one of them positive) become one MATCH that drives the query in key
 * order, newest first, so that a page needs only its own rows; the rest
 * are conditions on each row.  search_doc's rows not held (by
 * delete-items) are exactly the messages a search may find, so the
 * message and folder rows are joined only for conditions that read them.
 */
static int compile(qb *b, const mbx_query *q, const int64_t *mb, size_t nmb)
{
	mbx_query *const *c = (mbx_query *const *)&q;
	size_t nc = 1, i, pos = 0;
	int first = 1;
	char *from;

	if (q->op == MBX_QOP_AND) {
		c = q->kids;
		nc = q->n_kids;
	}
	for (i = 0; i < nc; i++)
		if (c[i]->op != MBX_QOP_NOT && fts_able(c[i]))
			pos++;
	if (pos) {
		mbx_query and;
		tbuf m = { NULL, 0, 0 };
		size_t k = 0;

		memset(&and, 0, sizeof(and));
		and.op = MBX_QOP_AND;
		and.kids = mbx_calloc(nc, sizeof(*and.kids));
		for (i = 0; i < nc; i++)
			if (in_match(c[i]))
				and.kids[k++] = c[i];
		and.n_kids = k;
		fts_expr(&m, k == 1 ? and.kids[0] : &and);
		mbx_free(and.kids);
		sql_put(b, "f.search_fts MATCH ");
		bind_text(b, m.p);
		mbx_free(m.p);
		sql_put(b, " AND sd.held = 0");
		first = 0;
		b->s->order = mbx_strdup(" ORDER BY f.rowid DESC");
	} else {
		sql_put(b, "sd.held = 0");
		first = 0;
		b->s->order = mbx_strdup(" ORDER BY sd.key DESC");
	}
	for (i = 0; i < nc && !b->err; i++) {
		if (pos && in_match(c[i]))
			continue;
		if (!first)
			sql_put(b, " AND ");
		first = 0;
		sql_cond(b, c[i], pos ? "f.rowid" : "sd.key");
	}
	if (nmb) {
		if (!first)
			sql_put(b, " AND ");
		first = 0;
		b->need_m = b->need_fo = 1;
		sql_put(b, "fo.mailbox_id IN (");
		for (i = 0; i < nmb; i++) {
			if (i)
				sql_put(b, ", ");
			bind_int(b, mb[i]);
		}
		sql_put(b, ")");
	}
	if (b->err)
		return b->err;
	/* CROSS JOIN keeps the index as the outer loop */
	from = mbx_asprintf("FROM %s%s%s%s%s", pos ? "search_fts f CROSS JOIN search_doc sd ON sd.key = f.rowid"
	                                            : "search_doc sd",
	                    b->need_m ? (pos ? " CROSS JOIN" : " JOIN") : "",
	                    b->need_m ? " message m ON m.id = sd.message_id" : "",
	                    b->need_fo ? (pos ? " CROSS JOIN" : " JOIN") : "",
	                    b->need_fo ? " folder fo ON fo.id = m.folder_id" : "");
	b->s->from_where = first ? from : mbx_asprintf("%s WHERE %s", from, b->sql.p);
	if (!first)
		mbx_free(from);
	mbx_free(b->sql.p);
	b->sql.p = NULL;
	return 0;
}

/* ---- Running ------------------------------------------------------------------ */

void mbx_search_free(mbx_search *s)
{
	size_t i;

	if (!s)
		return;
	mbx_free(s->from_where);
	mbx_free(s->order);
	for (i = 0; i < s->nb; i++)
		mbx_free(s->b[i].s);
	mbx_free(s->b);
	for (i = 0; i < s->nfc; i++)
		mbx_free(s->fc[i].path);
	mbx_free(s->fc);
	for (i = 0; i < s->nmc; i++) {
		mbx_free(s->mc[i].alias);
		mbx_free(s->mc[i].name);
	}
	mbx_free(s->mc);
	mbx_free(s);
}

void mbx_search_set_cancel(mbx_search *s, int (*cancelled)(void *ud), void *ud)
{
	s->cancelled = cancelled;
	s->cancel_ud = ud;
}

int mbx_search_prepare(mbx_store *st, const mbx_query *q, const int64_t *mailbox_ids, size_t n,
                       mbx_search **out, size_t *err_pos)
{
	mbx_search *s;
	qb b;
	int rc;

	*out = NULL;
	if (err_pos)
		*err_pos = 0;
	if (!q)
		return mbx_error_set(MBX_EINVAL, "no query given");
	rc = index_built(st);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return mbx_error_set(MBX_ENOTFOUND, "%s: the search index is not built (the store "
		                     "had messages before it had an index); build it with `mbxrescue "
		                     "reindex`", mbx_store_path(st));
	s = mbx_calloc(1, sizeof(*s));
	s->st = st;
	memset(&b, 0, sizeof(b));
	b.s = s;
	rc = check_terms(&b, q);
	if (rc == 0)
		rc = compile(&b, q, mailbox_ids, n);
	if (rc < 0) {
		if (err_pos)
			*err_pos = b.err_pos;
		mbx_free(b.sql.p);
		mbx_search_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

static int on_progress(void *ud)
{
	mbx_search *s = ud;

	return s->cancelled && s->cancelled(s->cancel_ud);
}

/* Prepare "SELECT what from_where [order] [LIMIT ? OFFSET ?]" with the
 * bound values. */
static int prepare_sql(mbx_search *s, const char *what, int order, int paged, size_t limit,
                       size_t offset, sqlite3_stmt **out)
{
	char *sql;
	sqlite3_stmt *st = NULL;
	size_t i;
	int rc = 0;

	*out = NULL;
	if (s->cancelled && s->cancelled(s->cancel_ud))
		return mbx_error_set(MBX_ECANCELLED, "the search was cancelled");
	sql = mbx_asprintf("SELECT %s %s%s%s", what, s->from_where, order ? s->order : "",
	                   paged ? " LIMIT ? OFFSET ?" : "");
	store_blob_release(s->st);
	if (sqlite3_prepare_v2(s->st->db, sql, -1, &st, NULL) != SQLITE_OK) {
		rc = store_sqlerr(s->st, "preparing a search");
		mbx_free(sql);
		return rc;
	}
	mbx_free(sql);
	for (i = 0; i < s->nb; i++) {
		if (s->b[i].text)
			sqlite3_bind_text(st, (int)i + 1, s->b[i].s, -1, SQLITE_STATIC);
		else
			sqlite3_bind_int64(st, (int)i + 1, s->b[i].i);
	}
	if (paged) {
		sqlite3_bind_int64(st, (int)s->nb + 1, limit ? (int64_t)limit : -1);
		sqlite3_bind_int64(st, (int)s->nb + 2, (int64_t)offset);
	}
	if (s->cancelled)
		sqlite3_progress_handler(s->st->db, 1000, on_progress, s);
	*out = st;
	return 0;
}

static int finish_sql(mbx_search *s, sqlite3_stmt *st, int rc)
{
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		if (rc == SQLITE_INTERRUPT || (s->cancelled && s->cancelled(s->cancel_ud)))
			rc = mbx_error_set(MBX_ECANCELLED, "the search was cancelled");
		else
			rc = store_sqlerr(s->st, "searching");
	} else {
		rc = 0;
	}
	sqlite3_progress_handler(s->st->db, 0, NULL, NULL);
	sqlite3_finalize(st);
	return rc;
}

static int collect_ids(mbx_search *s, int paged, size_t offset, size_t limit, int64_t **ids, size_t *n)
{
	sqlite3_stmt *st;
	int64_t *v = NULL;
	size_t cnt = 0, cap = 0;
	int rc;

	*ids = NULL;
	*n = 0;
	rc = prepare_sql(s, "sd.message_id", 1, paged, limit, offset, &st);
	if (rc < 0)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (cnt == cap) {
			cap = cap ? cap * 2 : 64;
			v = mbx_reallocarray(v, cap, sizeof(*v));
		}
		v[cnt++] = sqlite3_column_int64(st, 0);
	}
	rc = finish_sql(s, st, rc);
	if (rc < 0) {
		mbx_free(v);
		return rc;
	}
	*ids = v;
	*n = cnt;
	return 0;
}

int mbx_search_ids(mbx_search *s, int64_t **ids, size_t *n)
{
	return collect_ids(s, 0, 0, 0, ids, n);
}

int mbx_search_count(mbx_search *s, int64_t *count)
{
	sqlite3_stmt *st;
	int rc;

	*count = 0;
	rc = prepare_sql(s, "count(*)", 0, 0, 0, 0, &st);
	if (rc < 0)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*count = sqlite3_column_int64(st, 0);
	return finish_sql(s, st, rc);
}

/* ---- Hits -------------------------------------------------------------------- */

void mbx_search_hit_clear(mbx_search_hit *h)
{
	if (!h)
		return;
	mbx_free(h->mailbox);
	mbx_free(h->mailbox_name);
	mbx_free(h->folder);
	mbx_free(h->from);
	mbx_free(h->from_address);
	mbx_free(h->subject);
	mbx_free(h->message_class);
	memset(h, 0, sizeof(*h));
}

void mbx_search_hits_free(mbx_search_hit *h, size_t n)
{
	size_t i;

	if (!h)
		return;
	for (i = 0; i < n; i++)
		mbx_search_hit_clear(&h[i]);
	mbx_free(h);
}

/* name with '/' and '\' escaped, after prefix and a '/'. */
static char *path_join(const char *prefix, const char *name)
{
	size_t np = prefix ? strlen(prefix) : 0, k = 0;
	char *o = mbx_malloc(np + 2 * strlen(name ? name : "") + 2);
	const char *c;

	if (np) {
		memcpy(o, prefix, np);
		k = np;
		o[k++] = '/';
	}
	for (c = name ? name : ""; *c; c++) {
		if (*c == '/' || *c == '\\')
			o[k++] = '\\';
		o[k++] = *c;
	}
	o[k] = '\0';
	return o;
}

/* The path of folder id from its mailbox's top (caller frees). */
static int folder_path(mbx_store *st, int64_t id, char **out, int64_t *mailbox_id)
{
	char **names = NULL;
	size_t n = 0, i;
	int64_t cur = id;
	int rc = 0;

	*out = NULL;
	while (cur && n < MBX_FOLDER_DEPTH_MAX) {
		sqlite3_stmt *s;

		rc = store_stmt(st, "SELECT coalesce(parent_id, 0), name, mailbox_id FROM folder "
		                    "WHERE id = ?1", &s);
		if (rc < 0)
			break;
		sqlite3_bind_int64(s, 1, cur);
		rc = sqlite3_step(s);
		if (rc != SQLITE_ROW) {
			rc = rc == SQLITE_DONE ? mbx_error_set(MBX_ENOTFOUND, "folder %" PRId64 " does not "
			                                       "exist", cur)
			                       : store_sqlerr(st, "reading a folder");
			store_done(s);
			break;
		}
		names = mbx_reallocarray(names, n + 1, sizeof(*names));
		names[n++] = store_col_str(s, 1);
		if (cur == id && mailbox_id)
			*mailbox_id = sqlite3_column_int64(s, 2);
		cur = sqlite3_column_int64(s, 0);
		store_done(s);
		rc = 0;
	}
	if (rc == 0) {
		char *p = NULL;

		for (i = n; i-- > 0;) {
			char *q = path_join(p, names[i]);

			mbx_free(p);
			p = q;
		}
		*out = p ? p : mbx_strdup("");
	}
	for (i = 0; i < n; i++)
		mbx_free(names[i]);
	mbx_free(names);
	return rc;
}

/* Folder path and mailbox of a hit, through the search's caches (s may
 * be NULL: no cache). */
static int place(mbx_store *st, mbx_search *s, mbx_search_hit *h)
{
	size_t i;
	int rc;

	for (i = 0; s && i < s->nfc; i++)
		if (s->fc[i].id == h->folder_id)
			break;
	if (s && i < s->nfc) {
		h->folder = mbx_strdup(s->fc[i].path);
		h->mailbox_id = s->fc[i].mailbox_id;
	} else {
		rc = folder_path(st, h->folder_id, &h->folder, &h->mailbox_id);
		if (rc < 0)
			return rc;
		if (s && s->nfc < 4096) {
			s->fc = mbx_reallocarray(s->fc, s->nfc + 1, sizeof(*s->fc));
			s->fc[s->nfc].id = h->folder_id;
			s->fc[s->nfc].path = mbx_strdup(h->folder);
			s->fc[s->nfc].mailbox_id = h->mailbox_id;
			s->nfc++;
		}
	}
	for (i = 0; s && i < s->nmc; i++)
		if (s->mc[i].id == h->mailbox_id)
			break;
	if (s && i < s->nmc) {
		h->mailbox = mbx_strdup(s->mc[i].alias);
		h->mailbox_name = mbx_strdup(s->mc[i].name);
	} else {
		mbx_mailbox mb;

		rc = mbx_store_mailbox_by_id(st, h->mailbox_id, &mb);
		if (rc < 0)
			return rc;
		h->mailbox = mb.alias;
		h->mailbox_name = mb.display_name;
		mb.alias = mb.display_name = NULL;
		mbx_mailbox_clear(&mb);
		if (s && s->nmc < 4096) {
			s->mc = mbx_reallocarray(s->mc, s->nmc + 1, sizeof(*s->mc));
			s->mc[s->nmc].id = h->mailbox_id;
			s->mc[s->nmc].alias = mbx_strdup(h->mailbox);
			s->mc[s->nmc].name = mbx_strdup(h->mailbox_name);
			s->nmc++;
		}
	}
	return 0;
}

/* One message's hit (s may be NULL). */
static int hit_of(mbx_store *st, mbx_search *s, int64_t id, mbx_search_hit *h)
{
	sqlite3_stmt *q;
	int rc;

	memset(h, 0, sizeof(*h));
	rc = store_stmt(st, "SELECT coalesce(m.folder_id, d.folder_id, 0), m.subject, m.sender_name, "
	                    "m.sender_address, m.received_time, m.sent_time, m.message_class, m.size, "
	                    "(SELECT count(*) FROM attachment a WHERE a.message_id = m.id), "
	                    "CASE WHEN m.folder_id IS NULL THEN coalesce(d.run, 0) ELSE 0 END "
	                    "FROM message m LEFT JOIN deleted_item d ON d.message_id = m.id "
	                    "WHERE m.id = ?1", &q);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(q, 1, id);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		h->id = id;
		h->folder_id = sqlite3_column_int64(q, 0);
		h->subject = store_col_str(q, 1);
		h->from = store_col_str(q, 2);
		h->from_address = store_col_str(q, 3);
		if (!h->from || !*h->from) {
			mbx_free(h->from);
			h->from = mbx_strdup(h->from_address);
		}
		h->date = date_of(sqlite3_column_int64(q, 4), sqlite3_column_int64(q, 5));
		h->message_class = store_col_str(q, 6);
		h->size = sqlite3_column_int64(q, 7);
		h->attachments = sqlite3_column_int(q, 8);
		h->deleted_run = sqlite3_column_int64(q, 9);
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = mbx_error_set(MBX_ENOTFOUND, "message %" PRId64 " does not exist", id);
	} else {
		rc = store_sqlerr(st, "reading a message");
	}
	store_done(q);
	if (rc == 0 && h->folder_id == 0)
		rc = mbx_error_set(MBX_ENOTFOUND, "message %" PRId64 " is not in a folder (an attached "
		                   "message: show the message it is attached to)", id);
	if (rc == 0)
		rc = place(st, s, h);
	if (rc < 0)
		mbx_search_hit_clear(h);
	return rc;
}

int mbx_store_search_hit_get(mbx_store *st, int64_t id, mbx_search_hit *out)
{
	return hit_of(st, NULL, id, out);
}

int mbx_search_run(mbx_search *s, size_t offset, size_t limit, mbx_search_hit **out, size_t *n)
{
	int64_t *ids;
	size_t cnt, i;
	mbx_search_hit *h;
	int rc;

	*out = NULL;
	*n = 0;
	rc = mbx_store_begin_read(s->st);
	if (rc < 0)
		return rc;
	rc = collect_ids(s, 1, offset, limit, &ids, &cnt);
	if (rc < 0) {
		mbx_store_rollback(s->st);
		return rc;
	}
	h = mbx_calloc(cnt ? cnt : 1, sizeof(*h));
	for (i = 0; i < cnt && rc == 0; i++)
		rc = hit_of(s->st, s, ids[i], &h[i]);
	mbx_free(ids);
	if (rc < 0) {
		mbx_search_hits_free(h, cnt);
		mbx_store_rollback(s->st);
		return rc;
	}
	rc = mbx_store_commit(s->st);
	if (rc < 0) {
		mbx_search_hits_free(h, cnt);
		return rc;
	}
	*out = h;
	*n = cnt;
	return 0;
}
