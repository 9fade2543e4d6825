/*
 * core/store/search_tok.c - the search index's tokenizer, "mbx": SQLite's
 * unicode61 for what it does well (case and diacritic folding of every
 * alphabet), with what it cannot do added per token (search_int.h):
 *   - scripts written without spaces (Chinese, Japanese, Korean):
 *     unicode61 keeps a whole run as one token, so "陈伟" would only be
 *     found where a run is exactly those two characters.  Runs become
 *     overlapping character pairs (bigrams); in documents each pair also
 *     carries its first character at the same position, and the run's
 *     last character stands alone, so a query of one character finds it
 *     anywhere and a query of n >= 2 characters (n-1 pairs, a phrase)
 *     finds every run holding it.  trigram would need three characters.
 *   - Arabic: unicode61 treats vowel marks (harakat) as separators and so
 *     cuts "كِتَاب" into letters; marks are kept as word characters here
 *     and then dropped, with tatweel, and the hamza forms of alef, teh
 *     marbuta and alef maksura folded (the usual Arabic search
 *     normalization); Persian keheh and yeh too.  Hebrew points dropped.
 *   - digits and Latin letters in Arabic-Indic and full-width forms
 *     folded to ASCII.
 * BENCHMARKS.md ("Search") has the measurements against unicode61 and
 * trigram.
 */
#include "config.h"
#include <string.h>

#include "store/search_int.h"
#include "mbx/common.h"

typedef struct mbx_tok {
	fts5_tokenizer base;       /* unicode61's methods */
	Fts5Tokenizer *inner;      /* a unicode61 instance */
} mbx_tok;

static int tok_create(void *ud, const char **argv, int argc, Fts5Tokenizer **out)
{
	static const char *const args[] = { "remove_diacritics", "2", "categories", "L* N* Co M*" };
	fts5_api *api = ud;
	fts5_tokenizer base;
	void *base_ud = NULL;
	mbx_tok *t;
	int rc;

	(void)argv;
	*out = NULL;
	if (argc != 0)
		return SQLITE_ERROR;
	rc = api->xFindTokenizer(api, "unicode61", &base_ud, &base);
	if (rc != SQLITE_OK)
		return rc;
	t = sqlite3_malloc(sizeof(*t));
	if (!t)
		return SQLITE_NOMEM;
	memset(t, 0, sizeof(*t));
	t->base = base;
	rc = base.xCreate(base_ud, (const char **)args, 4, &t->inner);
	if (rc != SQLITE_OK) {
		sqlite3_free(t);
		return rc;
	}
	*out = (Fts5Tokenizer *)t;
	return SQLITE_OK;
}

static void tok_delete(Fts5Tokenizer *p)
{
	mbx_tok *t = (mbx_tok *)p;

	if (!t)
		return;
	if (t->inner)
		t->base.xDelete(t->inner);
	sqlite3_free(t);
}

/* ---- Characters --------------------------------------------------------- */

/* Chinese, Japanese and Korean: written without spaces between words. */
static int is_cjk(uint32_t c)
{
	return (c >= 0x3040 && c <= 0x30FF) ||      /* hiragana, katakana */
	       (c >= 0x3400 && c <= 0x4DBF) ||      /* CJK extension A */
	       (c >= 0x4E00 && c <= 0x9FFF) ||      /* CJK unified ideographs */
	       (c >= 0xAC00 && c <= 0xD7AF) ||      /* Hangul syllables */
	       (c >= 0x1100 && c <= 0x11FF) ||      /* Hangul jamo */
	       (c >= 0x3130 && c <= 0x318F) ||      /* Hangul compatibility jamo */
	       (c >= 0x3005 && c <= 0x3007) ||      /* 々 〆 〇 */
	       (c >= 0x3021 && c <= 0x3029) || (c >= 0x3031 && c <= 0x3035) ||
	       (c >= 0x3100 && c <= 0x312F) ||      /* bopomofo */
	       (c >= 0x31A0 && c <= 0x31BF) || (c >= 0x31F0 && c <= 0x31FF) ||
	       (c >= 0x2E80 && c <= 0x2FDF) ||      /* radicals */
	       (c >= 0xA960 && c <= 0xA97F) || (c >= 0xD7B0 && c <= 0xD7FF) ||
	       (c >= 0xF900 && c <= 0xFAFF) ||      /* compatibility ideographs */
	       (c >= 0xFF66 && c <= 0xFF9F) ||      /* half-width katakana */
	       (c >= 0x20000 && c <= 0x3FFFF);      /* extensions B-H */
}

/* The folded form of c within a word; 0: dropped. */
static uint32_t fold(uint32_t c)
{
	if (c < 0x300)
		return c;
	if (c <= 0x36F)                                           /* combining diacritics */
		return 0;
	if (c >= 0x0591 && c <= 0x05C7)                           /* Hebrew points and accents */
		return (c <= 0x05BD || c == 0x05BF || c == 0x05C1 || c == 0x05C2 || c == 0x05C4 ||
		        c == 0x05C5 || c == 0x05C7) ? 0 : c;
	if (c >= 0x0600 && c <= 0x06FF) {                         /* Arabic */
		if ((c >= 0x0610 && c <= 0x061A) || (c >= 0x064B && c <= 0x065F) || c == 0x0670 ||
		    c == 0x0640 || (c >= 0x06D6 && c <= 0x06DC) || (c >= 0x06DF && c <= 0x06E4) ||
		    c == 0x06E7 || c == 0x06E8 || (c >= 0x06EA && c <= 0x06ED))
			return 0;                                     /* harakat, tatweel, Quranic marks */
		if (c == 0x0622 || c == 0x0623 || c == 0x0625 || c == 0x0671)
			return 0x0627;                                /* alef with hamza/madda -> alef */
		if (c == 0x0629)
			return 0x0647;                                /* teh marbuta -> heh */
		if (c == 0x0649 || c == 0x06CC)
			return 0x064A;                                /* alef maksura, Farsi yeh -> yeh */
		if (c == 0x06A9)
			return 0x0643;                                /* keheh -> kaf */
		if (c >= 0x0660 && c <= 0x0669)
			return '0' + (c - 0x0660);
		if (c >= 0x06F0 && c <= 0x06F9)
			return '0' + (c - 0x06F0);
		return c;
	}
	if (c >= 0xFF10 && c <= 0xFF19)                           /* full-width digits */
		return '0' + (c - 0xFF10);
	if (c >= 0xFF21 && c <= 0xFF3A)                           /* full-width letters */
		return 'a' + (c - 0xFF21);
	if (c >= 0xFF41 && c <= 0xFF5A)
		return 'a' + (c - 0xFF41);
	if ((c >= 0x1AB0 && c <= 0x1AFF) || (c >= 0x1DC0 && c <= 0x1DFF) ||
	    (c >= 0x20D0 && c <= 0x20FF) || (c >= 0xFE20 && c <= 0xFE2F))
		return 0;                                             /* more combining diacritics */
	return c;
}

static int utf8_put(char *o, uint32_t c)
{
	if (c < 0x80) {
		o[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		o[0] = (char)(0xC0 | (c >> 6));
		o[1] = (char)(0x80 | (c & 0x3F));
		return 2;
	}
	if (c < 0x10000) {
		o[0] = (char)(0xE0 | (c >> 12));
		o[1] = (char)(0x80 | ((c >> 6) & 0x3F));
		o[2] = (char)(0x80 | (c & 0x3F));
		return 3;
	}
	o[0] = (char)(0xF0 | (c >> 18));
	o[1] = (char)(0x80 | ((c >> 12) & 0x3F));
	o[2] = (char)(0x80 | ((c >> 6) & 0x3F));
	o[3] = (char)(0x80 | (c & 0x3F));
	return 4;
}

/* The code point at *p (unicode61 hands over valid UTF-8); advances. */
static uint32_t utf8_get(const unsigned char **p, const unsigned char *end)
{
	const unsigned char *s = *p;
	uint32_t c = *s++;
	int n = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;

	if (n)
		c &= 0x3F >> n;
	while (n-- > 0 && s < end && (*s & 0xC0) == 0x80)
		c = (c << 6) | (*s++ & 0x3F);
	*p = s;
	return c;
}

/* ---- Tokenizing ---------------------------------------------------------- */

typedef struct tok_ctx {
	void *ctx;
	int (*xToken)(void *, int, const char *, int, int, int);
	int query;
	/* the current token's pieces */
	char word[STORE_TOK_MAX + 4];   /* a run of other characters, folded */
	int nword;
	uint32_t prev;                  /* the CJK run's last character */
	int nrun;                       /* characters in the CJK run so far */
	int start, end;                 /* the unicode61 token's offsets */
} tok_ctx;

static int emit(tok_ctx *c, int flags, const char *t, int n)
{
	return c->xToken(c->ctx, flags, t, n, c->start, c->end);
}

static int flush_word(tok_ctx *c)
{
	int rc = SQLITE_OK;

	if (c->nword > 0)
		rc = emit(c, 0, c->word, c->nword);
	c->nword = 0;
	return rc;
}

/* End of a CJK run: its last character alone (documents), or the only one. */
static int flush_run(tok_ctx *c)
{
	char b[4];
	int rc = SQLITE_OK;

	if (c->nrun == 1 || (c->nrun > 1 && !c->query))
		rc = emit(c, 0, b, utf8_put(b, c->prev));
	c->nrun = 0;
	return rc;
}

static int cjk_char(tok_ctx *c, uint32_t ch)
{
	char b[8];
	int n, rc;

	if (c->nrun > 0) {
		n = utf8_put(b, c->prev);
		n += utf8_put(b + n, ch);
		rc = emit(c, 0, b, n);
		if (rc == SQLITE_OK && !c->query)
			rc = emit(c, FTS5_TOKEN_COLOCATED, b, utf8_put(b, c->prev));
		if (rc != SQLITE_OK)
			return rc;
	}
	c->prev = ch;
	c->nrun++;
	return SQLITE_OK;
}

static int on_token(void *ud, int tflags, const char *tok, int len, int start, int end)
{
	tok_ctx *c = ud;
	const unsigned char *p = (const unsigned char *)tok, *e = p + len;
	int i, rc = SQLITE_OK;

	(void)tflags;
	for (i = 0; i < len && !(p[i] & 0x80); i++)
		;
	if (i == len)   /* ASCII: unicode61 has folded it already */
		return c->xToken(c->ctx, 0, tok, len < STORE_TOK_MAX ? len : STORE_TOK_MAX, start, end);
	c->start = start;
	c->end = end;
	c->nword = 0;
	c->nrun = 0;
	while (p < e && rc == SQLITE_OK) {
		uint32_t ch = utf8_get(&p, e);

		if (is_cjk(ch)) {
			rc = flush_word(c);
			if (rc == SQLITE_OK)
				rc = cjk_char(c, ch);
			continue;
		}
		ch = fold(ch);
		if (!ch)
			continue;
		if (c->nrun)
			rc = flush_run(c);
		if (c->nword + 4 <= STORE_TOK_MAX)
			c->nword += utf8_put(c->word + c->nword, ch);
	}
	if (rc == SQLITE_OK)
		rc = c->nrun ? flush_run(c) : flush_word(c);
	return rc;
}

static int tok_tokenize(Fts5Tokenizer *p, void *ctx, int flags, const char *text, int len,
                        int (*xToken)(void *, int, const char *, int, int, int))
{
	mbx_tok *t = (mbx_tok *)p;
	tok_ctx c;

	c.ctx = ctx;
	c.xToken = xToken;
	c.query = (flags & FTS5_TOKENIZE_QUERY) != 0;
	c.nword = 0;
	c.nrun = 0;
	c.prev = 0;
	c.start = c.end = 0;
	return t->base.xTokenize(t->inner, &c, flags, text, len, on_token);
}

/* ---- Registration ---------------------------------------------------------- */

static fts5_api *fts5_of(sqlite3 *db)
{
	fts5_api *api = NULL;
	sqlite3_stmt *s = NULL;

	if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &s, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_pointer(s, 1, (void *)&api, "fts5_api_ptr", NULL);
	sqlite3_step(s);
	sqlite3_finalize(s);
	return api;
}

int store_tok_register(sqlite3 *db)
{
	fts5_api *api = fts5_of(db);
	fts5_tokenizer t = { tok_create, tok_delete, tok_tokenize };

	if (!api || api->iVersion < 2)
		return SQLITE_ERROR;
	return api->xCreateTokenizer(api, STORE_TOK_NAME, api, &t, NULL);
}

typedef struct run_ctx {
	store_tok_fn cb;
	void *ud;
} run_ctx;

static int run_token(void *ud, int tflags, const char *tok, int len, int start, int end)
{
	run_ctx *r = ud;

	(void)start;
	(void)end;
	r->cb(r->ud, tok, len, (tflags & FTS5_TOKEN_COLOCATED) != 0);
	return SQLITE_OK;
}

int store_tok_run(sqlite3 *db, const char *text, int len, int query, store_tok_fn cb, void *ud)
{
	fts5_api *api = fts5_of(db);
	fts5_tokenizer t;
	Fts5Tokenizer *inst = NULL;
	void *tud = NULL;
	run_ctx r = { cb, ud };
	int rc;

	if (!api)
		return SQLITE_ERROR;
	rc = api->xFindTokenizer(api, STORE_TOK_NAME, &tud, &t);
	if (rc == SQLITE_OK)
		rc = t.xCreate(tud, NULL, 0, &inst);
	if (rc != SQLITE_OK)
		return rc;
	rc = t.xTokenize(inst, &r, query ? FTS5_TOKENIZE_QUERY : FTS5_TOKENIZE_DOCUMENT,
	                 text, len < 0 ? (int)strlen(text) : len, run_token);
	t.xDelete(inst);
	return rc;
}
