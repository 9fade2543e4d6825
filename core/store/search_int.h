/*
 * core/store/search_int.h - the search index's parts inside the store
 * (core/store/search_tok.c, store_search.c, store_items.c) and the hooks
 * the rest of the store calls.  Internal to core/store (and its tests).
 */
#ifndef MBX_SEARCH_INT_H
#define MBX_SEARCH_INT_H

#include <sqlite3.h>
#include "mbx/store.h"

/* ---- search_tok.c: the "mbx" FTS5 tokenizer ------------------------------
 *
 * unicode61 (remove_diacritics 2, marks kept inside words) underneath,
 * then per token: Arabic vowel marks, tatweel and Hebrew points dropped,
 * Arabic letter variants and Arabic-Indic and full-width digits and
 * letters folded; runs of Chinese, Japanese and Korean characters as
 * overlapping character pairs (each pair with its first character at the
 * same position in documents; a one-character run as that character), so
 * that a two-character word is found inside a run without spaces; tokens
 * cut to STORE_TOK_MAX bytes.  Register it on every connection before the
 * search table is touched.
 */
#define STORE_TOK_NAME "mbx"
#define STORE_TOK_MAX 64
int store_tok_register(sqlite3 *db);
/* Tokenize text as FTS5 would (query: as a query term, else as a
 * document) and call cb for every token (colocated: at the position of
 * the token before).  0, or an SQLite error code. */
typedef void (*store_tok_fn)(void *ud, const char *tok, int len, int colocated);
int store_tok_run(sqlite3 *db, const char *text, int len, int query, store_tok_fn cb, void *ud);

/* ---- store_search.c: the index ------------------------------------------------ */

/*
 * Index message id (just inserted from m, a message of a folder) when the
 * store's index is built; FAI messages are not indexed.  The message is
 * noted and indexed by store_search_flush, which mbx_store_commit calls
 * before the outermost COMMIT (and which runs by itself every few
 * thousand messages): FTS5 writes its pending terms out whenever a rowid
 * is lower than the one before, and the rowids are date-ordered keys, so
 * messages go in sorted by key, many at a time.  The text indexed is read
 * back from the stored rows, as store_search_unindex reads it.
 */
int store_search_index(mbx_store *st, const mbx_message *m, int64_t id);
/* Take message id out of the index (before it is deleted). */
int store_search_unindex(mbx_store *st, int64_t id);
/* Index the noted messages (in the open transaction). */
int store_search_flush(mbx_store *st);
/* Forget the noted messages (their transaction is rolled back). */
void store_search_discard(mbx_store *st);
/* Release st->search (mbx_store_free). */
void store_search_free(mbx_store *st);

#endif
