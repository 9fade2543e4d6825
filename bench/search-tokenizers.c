/*
 * bench/search-tokenizers.c - the search index's tokenizer against
 * SQLite's own, on a generated multilingual corpus whose relevant
 * documents are known (bench/bench-search.sh runs it; BENCHMARKS.md has
 * the figures):
 *
 *   search-tokenizers [DOCS] [DIR]     (default 100000 documents, $TMPDIR)
 *
 * Each document is a few sentences of Latin-script words (English,
 * French, German, Portuguese; some with diacritics, sometimes written
 * without them), Chinese and Japanese text without spaces, and Arabic
 * written with and without vowel marks, tatweel and hamza forms.  Into
 * some documents the generator puts the words the queries look for, in
 * one of their written forms; those documents are the relevant ones.
 * Every tokenizer indexes the same documents into a contentless FTS5
 * table of its own file: "mbx" (core/store/search_tok.c), unicode61
 * (remove_diacritics 2) and trigram.  For each query: precision and
 * recall; for each tokenizer: build time and index size.
 */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sqlite3.h>

#include <locale.h>

#include "mbx/common.h"
#include "mbx/text.h"
#include "store/search_int.h"

static uint64_t rs = 0x9E3779B97F4A7C15ull;

static uint32_t rnd(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return (uint32_t)(rs >> 11);
}

static uint32_t below(uint32_t n)
{
	return rnd() % n;
}

/* ---- the corpus ---------------------------------------------------------------- */

static const char *const latin[] = {
	"the", "report", "figures", "quarter", "meeting", "please", "review", "attached", "budget",
	"delivery", "warehouse", "customer", "invoice", "contract", "supplier", "tomorrow", "office",
	"schedule", "approval", "signed", "pour", "votre", "réunion", "rapide", "nous", "vendredi",
	"die", "Unterlagen", "liegen", "jetzt", "Ordner", "bitte", "prüfen", "Änderungen", "Woche",
	"reunião", "relatório", "também", "obrigado", "entrega", "cliente", "semana", "pasta",
	"server", "backup", "mailbox", "archive", "quota", "thread", "lobby", "escalation",
};
static const char *const cjk[] = {
	"会议", "报告", "项目", "进度", "附件", "客户", "仓库", "发货", "日期", "确认", "今天",
	"明日", "資料", "確認", "お願い", "します", "会議室", "予定", "来週", "水曜日", "議事録",
	"送ります", "経理", "契約", "更新", "担当", "部長",
};
static const char *const arabic[] = {
	"يرجى", "مراجعة", "المرفق", "وإرسال", "ملاحظاتكم", "قبل", "نهاية", "الأسبوع", "الاجتماع",
	"العميل", "الفاتورة", "المستودع", "موعد", "التسليم", "شكرا", "اليوم", "غدا", "المدير",
};

/* What the queries look for, each in the written forms documents use. */
typedef struct target {
	const char *query;         /* as an administrator types it */
	const char *cat;           /* Latin, CJK, Arabic */
	const char *forms[4];      /* how documents write it */
	const char *decoy;         /* a word that is NOT it but holds it (NULL: none) */
} target;

static const target targets[] = {
	{ "résumé", "Latin", { "résumé", "resume", "Résumé", NULL }, "resumed" },
	{ "Zurich", "Latin", { "Zürich", "Zurich", "ZÜRICH", NULL }, "Zurichsee" },
	{ "cat", "Latin", { "cat", "Cat", NULL, NULL }, "category" },
	{ "Sao Paulo", "Latin", { "São Paulo", "Sao Paulo", NULL, NULL }, NULL },
	{ "陈伟", "CJK", { "陈伟", NULL, NULL, NULL }, NULL },           /* a two-character name */
	{ "由紀", "CJK", { "由紀", NULL, NULL, NULL }, NULL },
	{ "田中由紀", "CJK", { "田中由紀", NULL, NULL, NULL }, NULL },
	{ "王", "CJK", { "王", NULL, NULL, NULL }, NULL },              /* one character */
	{ "請求書", "CJK", { "請求書", NULL, NULL, NULL }, NULL },
	{ "الكتاب", "Arabic", { "الكتاب", "الْكِتَابُ", "الكتـــاب", "الكِتاب" }, NULL },
	{ "أحمد", "Arabic", { "أحمد", "احمد", "أَحْمَد", NULL }, NULL },
	{ "مدرسة", "Arabic", { "مدرسة", "مدرسه", "مَدْرَسَة", NULL }, NULL },
};
#define N_TARGETS (sizeof(targets) / sizeof(targets[0]))

typedef struct buf {
	char *p;
	size_t n, cap;
} buf;

static void put(buf *b, const char *s)
{
	size_t n = strlen(s);

	if (b->n + n + 1 > b->cap) {
		b->cap = (b->n + n + 1) * 2;
		b->p = mbx_realloc(b->p, b->cap);
	}
	memcpy(b->p + b->n, s, n + 1);
	b->n += n;
}

/* A document; rel[t] = 1 when target t is in it. */
static void document(buf *b, unsigned char *rel)
{
	int s, w, n;
	size_t t;

	b->n = 0;
	put(b, "");
	memset(rel, 0, N_TARGETS);
	for (s = 0; s < 6; s++) {
		int kind = (int)below(3);

		n = 4 + (int)below(8);
		for (w = 0; w < n; w++) {
			/* a target, now and then, in its script's sentences */
			if (below(40) == 0) {
				const target *tg = &targets[below(N_TARGETS)];
				int ok = (kind == 0 && strcmp(tg->cat, "Latin") == 0) ||
				         (kind == 1 && strcmp(tg->cat, "CJK") == 0) ||
				         (kind == 2 && strcmp(tg->cat, "Arabic") == 0);

				if (ok) {
					int nf = 0;

					while (nf < 4 && tg->forms[nf])
						nf++;
					if (tg->decoy && below(3) == 0) {
						put(b, tg->decoy);
					} else {
						const char *f = tg->forms[below((uint32_t)nf)];
						size_t t2, k2;

						put(b, f);
						rel[tg - targets] = 1;
						/* a CJK target inside another (由紀 in 田中由紀) is in it too */
						for (t2 = 0; kind == 1 && t2 < N_TARGETS; t2++)
							for (k2 = 0; k2 < 4 && targets[t2].forms[k2]; k2++)
								if (strcmp(targets[t2].cat, "CJK") == 0 &&
								    strstr(f, targets[t2].forms[k2]))
									rel[t2] = 1;
					}
					put(b, kind == 1 ? "" : " ");
					continue;
				}
			}
			if (kind == 0) {
				put(b, latin[below(sizeof(latin) / sizeof(latin[0]))]);
				put(b, " ");
			} else if (kind == 1) {
				put(b, cjk[below(sizeof(cjk) / sizeof(cjk[0]))]);
			} else {
				put(b, arabic[below(sizeof(arabic) / sizeof(arabic[0]))]);
				put(b, " ");
			}
		}
		put(b, kind == 1 ? "。" : kind == 2 ? "، " : ". ");
	}
	/* the generator's words make no target by accident: the CJK
	 * vocabulary holds none of the targets' characters */
	(void)t;
}

/* ---- running ------------------------------------------------------------------- */

static const char *const tokenizers[] = { "mbx", "unicode61 remove_diacritics 2", "trigram" };
#define N_TOK 3

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* An FTS5 string for a query: each word quoted, as the store does. */
static char *fts_query(const char *q)
{
	buf b = { NULL, 0, 0 };
	const char *p = q;

	put(&b, "");
	while (*p) {
		size_t n = strcspn(p, " ");

		if (n) {
			char *w = mbx_strndup(p, n);

			if (b.n)
				put(&b, " AND ");
			put(&b, "\"");
			put(&b, w);
			put(&b, "\"");
			mbx_free(w);
		}
		p += n;
		while (*p == ' ')
			p++;
	}
	return b.p;
}

int main(int argc, char **argv)
{
	long docs = argc > 1 ? atol(argv[1]) : 100000;
	const char *dir = argc > 2 ? argv[2] : (getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	unsigned char *rel = mbx_calloc((size_t)docs * N_TARGETS, 1);
	long relevant[N_TARGETS] = { 0 };
	buf doc = { NULL, 0, 0 };
	sqlite3 *db[N_TOK];
	char *path[N_TOK];
	double build[N_TOK];
	int k;
	long d;
	size_t t;

	setlocale(LC_ALL, "");
	for (d = 0; d < docs; d++) {
		document(&doc, rel + d * N_TARGETS);
		for (t = 0; t < N_TARGETS; t++)
			relevant[t] += rel[d * N_TARGETS + t];
	}
	for (k = 0; k < N_TOK; k++) {
		sqlite3_stmt *ins = NULL;
		char *sql;
		double t0;

		path[k] = mbx_asprintf("%s/search-tok-%d.db", dir, k);
		unlink(path[k]);
		if (sqlite3_open(path[k], &db[k]) != SQLITE_OK || store_tok_register(db[k]) != SQLITE_OK)
			return 1;
		sql = mbx_asprintf("PRAGMA page_size = 65536; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
		                   "CREATE VIRTUAL TABLE f USING fts5(body, content='', columnsize=0, tokenize='%s')",
		                   tokenizers[k]);
		if (sqlite3_exec(db[k], sql, NULL, NULL, NULL) != SQLITE_OK) {
			fprintf(stderr, "%s\n", sqlite3_errmsg(db[k]));
			return 1;
		}
		mbx_free(sql);
		rs = 0x9E3779B97F4A7C15ull;   /* the same documents for each */
		t0 = now();
		sqlite3_exec(db[k], "BEGIN", NULL, NULL, NULL);
		sqlite3_prepare_v2(db[k], "INSERT INTO f (rowid, body) VALUES (?1, ?2)", -1, &ins, NULL);
		for (d = 0; d < docs; d++) {
			unsigned char scratch[N_TARGETS];

			document(&doc, scratch);
			sqlite3_bind_int64(ins, 1, d + 1);
			sqlite3_bind_text(ins, 2, doc.p, (int)doc.n, SQLITE_STATIC);
			sqlite3_step(ins);
			sqlite3_reset(ins);
		}
		sqlite3_finalize(ins);
		sqlite3_exec(db[k], "COMMIT; INSERT INTO f (f) VALUES ('optimize')", NULL, NULL, NULL);
		build[k] = now() - t0;
	}
	printf("corpus: %ld documents (Latin, Chinese/Japanese, Arabic sentences), %zu queries\n\n",
	       docs, N_TARGETS);
	printf("%-16s %-7s %8s", "query", "script", "relevant");
	for (k = 0; k < N_TOK; k++)
		printf("  %-9.9s P / R   ", tokenizers[k]);
	printf("\n");
	for (t = 0; t < N_TARGETS; t++) {
		char *q = fts_query(targets[t].query);

		int w = mbx_text_width(targets[t].query);

		printf("%s%*s %-7s %8ld", targets[t].query, w < 16 ? 16 - w : 0, "", targets[t].cat,
		       relevant[t]);
		for (k = 0; k < N_TOK; k++) {
			sqlite3_stmt *s = NULL;
			long hits = 0, good = 0;
			int rc = sqlite3_prepare_v2(db[k], "SELECT rowid FROM f WHERE f MATCH ?1", -1, &s, NULL);

			if (rc == SQLITE_OK) {
				sqlite3_bind_text(s, 1, q, -1, SQLITE_STATIC);
				while (sqlite3_step(s) == SQLITE_ROW) {
					long id = (long)sqlite3_column_int64(s, 0) - 1;

					hits++;
					good += rel[id * N_TARGETS + t];
				}
			}
			sqlite3_finalize(s);
			printf("  %6.2f / %-6.2f   ", hits ? (double)good / hits : 0.0,
			       relevant[t] ? (double)good / relevant[t] : 0.0);
		}
		printf("\n");
		mbx_free(q);
	}
	printf("\n%-32s %12s %12s %14s\n", "tokenizer", "build s", "docs/s", "index MB");
	for (k = 0; k < N_TOK; k++) {
		struct stat sb;

		sqlite3_close(db[k]);
		stat(path[k], &sb);
		printf("%-32s %12.2f %12.0f %14.1f\n", tokenizers[k], build[k], docs / build[k],
		       sb.st_size / 1048576.0);
		unlink(path[k]);
		mbx_free(path[k]);
	}
	mbx_free(rel);
	mbx_free(doc.p);
	return 0;
}
