/* tests/t_store_search.c - the search index (mbx/search.h): the "mbx"
 * tokenizer, the index kept by message add and delete (every kind of body,
 * recipients, attachments), every operator of the language on a small
 * corpus, order and paging, an index not built and rebuilt, cancelling,
 * key collisions, and deleting items with undo and purge. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>

#include "mbx/query.h"
#include "mbx/rtf.h"
#include "mbx/search.h"
#include "mbx/store.h"
#include "store/store_int.h"
#include "store/search_int.h"
#include "tap.h"

static char dir[] = "/tmp/t_store_search.XXXXXX";

/* ---- the tokenizer --------------------------------------------------------- */

typedef struct toks {
	char buf[1024];
	size_t n;
} toks;

static void collect(void *ud, const char *tok, int len, int colocated)
{
	toks *t = ud;

	if (t->n)
		t->buf[t->n++] = colocated ? '+' : ' ';
	memcpy(t->buf + t->n, tok, (size_t)len);
	t->n += (size_t)len;
	t->buf[t->n] = '\0';
}

static void tok_is(sqlite3 *db, const char *in, int query, const char *want)
{
	toks t;

	memset(&t, 0, sizeof(t));
	ok(store_tok_run(db, in, -1, query, collect, &t) == SQLITE_OK, "tokenize [%s]", in);
	is_str(t.buf, want, "[%s] as a %s", in, query ? "query" : "document");
}

static void tokenizer(void)
{
	sqlite3 *db = NULL;
	char longw[200];

	ok(sqlite3_open(":memory:", &db) == SQLITE_OK && store_tok_register(db) == SQLITE_OK,
	   "register the tokenizer");
	tok_is(db, "Crème Brûlée, RÉSUMÉ!", 0, "creme brulee resume");
	tok_is(db, "jsmith@contoso.com", 0, "jsmith contoso com");
	/* CJK: pairs, each with its first character colocated; the last alone */
	tok_is(db, "陈伟说", 0, "陈伟+陈 伟说+伟 说");
	tok_is(db, "陈伟说", 1, "陈伟 伟说");
	tok_is(db, "陈伟", 1, "陈伟");
	tok_is(db, "陈", 1, "陈");
	tok_is(db, "陈", 0, "陈");
	tok_is(db, "Windows用户", 0, "windows 用户+用 户");
	tok_is(db, "田中 由紀", 0, "田中+田 中 由紀+由 紀");
	tok_is(db, "会議。議事録", 0, "会議+会 議 議事+議 事録+事 録");
	tok_is(db, "회의를", 1, "회의 의를");
	/* Arabic: marks and tatweel dropped, letter variants folded */
	tok_is(db, "الْكِتَابُ", 0, "الكتاب");
	tok_is(db, "الكتـــاب", 0, "الكتاب");
	tok_is(db, "أحمد إبراهيم آمال", 0, "احمد ابراهيم امال");
	tok_is(db, "مدرسة مستشفى", 0, "مدرسه مستشفي");
	tok_is(db, "٢٠٢٤ ۱۲۳", 0, "2024 123");
	tok_is(db, "شُكْرًا", 1, "شكرا");
	/* Hebrew points, full-width forms */
	tok_is(db, "שָׁלוֹם", 0, "שלום");
	tok_is(db, "ＡＢＣ１２３", 0, "abc123");
	/* a very long word is cut */
	memset(longw, 'x', sizeof(longw) - 1);
	longw[sizeof(longw) - 1] = '\0';
	{
		toks t;

		memset(&t, 0, sizeof(t));
		store_tok_run(db, longw, -1, 0, collect, &t);
		is_int(t.n, STORE_TOK_MAX, "a 199-letter word is indexed by its first %d", STORE_TOK_MAX);
		memset(&t, 0, sizeof(t));
		store_tok_run(db, "ǅǅǅǅǅǅǅǅǅǅǅǅǅǅǅǅǅǅǅǅǅǅǅǅǅǅǅǅǅǅǅǅǅǅǅǅǅǅǅǅ", -1, 0, collect, &t);
		ok(t.n <= STORE_TOK_MAX, "a long non-ASCII word too (%zu bytes)", t.n);
	}
	tok_is(db, "...", 0, "");
	sqlite3_close(db);
}

/* ---- a small corpus ----------------------------------------------------------- */

typedef struct corpus {
	mbx_store *st;
	int64_t mb[2], inbox[2], projects, posteingang, sent;
	int64_t id[16];
} corpus;

static int64_t add_folder(mbx_store *st, int64_t mb, int64_t parent, const char *name,
                          mbx_folder_role role)
{
	mbx_folder f;
	int64_t id = 0;

	memset(&f, 0, sizeof(f));
	f.mailbox_id = mb;
	f.parent_id = parent;
	f.name = (char *)name;
	f.role = role;
	mbx_store_folder_add(st, &f, &id);
	return id;
}

static int64_t add_mailbox(mbx_store *st, const char *guid, const char *name, const char *alias)
{
	mbx_mailbox m;
	int64_t id = 0;
	char *dn = mbx_asprintf("/o=T/ou=S/cn=Recipients/cn=%s", alias);

	memset(&m, 0, sizeof(m));
	m.guid = (char *)guid;
	m.display_name = (char *)name;
	m.legacy_dn = dn;
	mbx_store_mailbox_add(st, &m, &id);
	mbx_free(dn);
	return id;
}

typedef struct spec {
	const char *subject, *sender, *addr, *body, *html, *rtf;
	const char *to_name, *to_addr;
	const char *attach;          /* file name */
	const char *embedded;        /* subject of an attached message */
	const char *cls;
	int64_t date;
	int fai;
} spec;

static int64_t add(corpus *c, int64_t folder, const spec *s)
{
	mbx_message m, emb;
	mbx_msg_recipient r;
	mbx_attachment a[2];
	int64_t id = 0;
	int rc;

	memset(&m, 0, sizeof(m));
	memset(&emb, 0, sizeof(emb));
	memset(&r, 0, sizeof(r));
	memset(a, 0, sizeof(a));
	m.folder_id = folder;
	m.message_class = (char *)(s->cls ? s->cls : "IPM.Note");
	m.subject = (char *)s->subject;
	m.sender_name = (char *)s->sender;
	m.sender_address = (char *)s->addr;
	m.sender_addrtype = (char *)(s->addr && s->addr[0] == '/' ? "EX" : "SMTP");
	m.body = (char *)s->body;
	m.html_body = (char *)s->html;
	m.received_time = s->date;
	m.sent_time = s->date - 60;
	m.associated = s->fai;
	if (s->to_addr) {
		r.type = MBX_RECIP_TO;
		r.name = (char *)s->to_name;
		r.address = (char *)s->to_addr;
		m.recipients = &r;
		m.n_recipients = 1;
	}
	if (s->attach) {
		a[m.n_attachments].filename = (char *)s->attach;
		a[m.n_attachments].data = "data";
		a[m.n_attachments].size = 4;
		m.n_attachments++;
	}
	if (s->embedded) {
		emb.subject = (char *)s->embedded;
		emb.message_class = "IPM.Note";
		a[m.n_attachments].embedded = &emb;
		m.n_attachments++;
	}
	if (m.n_attachments)
		m.attachments = a;
	if (s->rtf) {
		unsigned char *z = NULL;
		size_t zl = 0;
		mbx_propkey k = MBX_KEY(MBX_PID_TAG_RTF_COMPRESSED);

		mbx_rtf_compress(s->rtf, strlen(s->rtf), 1, &z, &zl);
		mbx_props_set(&m.bag, &k, MBX_PT_BINARY, z, zl);
		mbx_free(z);
	}
	rc = mbx_store_message_add(c->st, &m, &id);
	mbx_props_clear(&m.bag);
	if (rc < 0)
		diag("add '%s': %s", s->subject, mbx_error_last());
	return id;
}

#define DAY 86400
#define T0 1700000000LL   /* 2023-11-14 22:13:20 UTC */

static void build(corpus *c)
{
	static const char rtf[] = "{\\rtf1\\ansi\\ansicpg1252 {\\fonttbl{\\f0 Arial;}}"
	                          "\\f0 Quarterly \\b figures\\b0  attached\\par Regards}";
	int i = 0;

	c->mb[0] = add_mailbox(c->st, "00000000-0000-0000-0000-000000000001", "Smith, John", "JSmith");
	c->mb[1] = add_mailbox(c->st, "00000000-0000-0000-0000-000000000002", "Tanaka, Yuki (田中 由紀)",
	                       "YTanaka");
	c->inbox[0] = add_folder(c->st, c->mb[0], 0, "Inbox", MBX_ROLE_INBOX);
	c->projects = add_folder(c->st, c->mb[0], c->inbox[0], "Projects", MBX_ROLE_NONE);
	c->sent = add_folder(c->st, c->mb[0], 0, "Sent Items", MBX_ROLE_SENT);
	c->posteingang = add_folder(c->st, c->mb[1], 0, "Posteingang", MBX_ROLE_INBOX);
	c->inbox[1] = c->posteingang;
	/* 0 */ c->id[i++] = add(c, c->inbox[0], &(spec){ "Supply contract draft", "Ana Souza",
	        "ana@fornecedor.example", "Please find the supply contract attached.", NULL, NULL,
	        "Smith, John", "jsmith@contoso.com", "contract-v2.pdf", NULL, NULL, T0 + 1 * DAY, 0 });
	/* 1 */ c->id[i++] = add(c, c->projects, &(spec){ "Meeting notes", "陈伟", "wchen@contoso.com",
	        NULL, "<html><body><p>本日の会議の議事録を送ります</p><p>contract signed</p></body></html>",
	        NULL, "田中 由紀", "ytanaka@contoso.com", NULL, NULL, NULL, T0 + 2 * DAY, 0 });
	/* 2 */ c->id[i++] = add(c, c->sent, &(spec){ "Figures", "Smith, John",
	        "/o=Contoso/ou=HQ/cn=Recipients/cn=JSmith", NULL, NULL, rtf, "Layla",
	        "lnasser@contoso.com", NULL, "Fwd: the old offer", NULL, T0 + 3 * DAY, 0 });
	/* 3 */ c->id[i++] = add(c, c->posteingang, &(spec){ "تقرير الكتاب", "ليلى ناصر",
	        "layla@gulf.example", "مرحباً، الْكِتَابُ جاهز", NULL, NULL, "Yuki", "ytanaka@contoso.com",
	        "报告书.docx", NULL, NULL, T0 + 4 * DAY, 0 });
	/* 4 */ c->id[i++] = add(c, c->posteingang, &(spec){ "Team lunch", "Ana Souza",
	        "ana@fornecedor.example", "Lunch on Friday? No contract talk.", NULL, NULL, NULL, NULL, NULL,
	        NULL, "IPM.Appointment", T0 + 5 * DAY, 0 });
	/* 5 */ c->id[i++] = add(c, c->inbox[0], &(spec){ "Contractor invoice", "Nordic Parts",
	        "billing@nordic.example", "Invoice 2023-0413 for contractors", NULL, NULL, NULL, NULL,
	        NULL, NULL, "IPM.Note.SMIME", T0 - 400 * DAY, 0 });
	/* 6: FAI, never indexed */
	c->id[i++] = add(c, c->inbox[0], &(spec){ "contract view settings", NULL, NULL, "contract",
	        NULL, NULL, NULL, NULL, NULL, NULL, "IPM.Configuration.View", T0 + 6 * DAY, 1 });
}

/* The ids a query finds, as "i j k" of corpus indexes (newest first). */
static char *found(corpus *c, const char *text, const char *mailbox)
{
	mbx_query *q = NULL;
	mbx_search *s = NULL;
	int64_t *ids = NULL, mb = 0;
	size_t n = 0, i, k, len = 0;
	char *out = mbx_calloc(1, 256);

	if (mailbox) {
		mbx_mailbox m;

		if (mbx_store_mailbox_by_alias(c->st, mailbox, &m) == 0)
			mb = m.id;
		mbx_mailbox_clear(&m);
	}
	if (mbx_query_parse(text, &q, NULL) < 0 ||
	    mbx_search_prepare(c->st, q, mailbox ? &mb : NULL, mailbox ? 1 : 0, &s, NULL) < 0 ||
	    mbx_search_ids(s, &ids, &n) < 0) {
		snprintf(out, 256, "error: %s", mbx_error_last());
	} else {
		for (i = 0; i < n; i++) {
			for (k = 0; k < 16; k++)
				if (c->id[k] == ids[i])
					break;
			len += (size_t)snprintf(out + len, 256 - len, "%s%zu", i ? " " : "", k);
		}
	}
	mbx_free(ids);
	mbx_search_free(s);
	mbx_query_free(q);
	return out;
}

static void finds(corpus *c, const char *text, const char *want)
{
	char *got = found(c, text, NULL);

	is_str(got, want, "[%s] finds %s", text, *want ? want : "nothing");
	mbx_free(got);
}

static void operators(corpus *c)
{
	/* words, anywhere: subject, sender, recipients, body, attachments */
	finds(c, "contract", "4 1 0");
	finds(c, "CONTRACT", "4 1 0");
	finds(c, "contract*", "4 1 0 5");
	finds(c, "\"supply contract\"", "0");
	finds(c, "\"contract supply\"", "");
	finds(c, "supply contract", "0");
	finds(c, "fornecedor", "4 0");
	finds(c, "jsmith", "2 0");                      /* an EX DN's alias; a recipient */
	finds(c, "recipients", "");                     /* not the words every DN has */
	finds(c, "pdf", "0");
	finds(c, "offer", "2");                         /* an attached message's subject */
	/* bodies: HTML reduced, RTF decompressed */
	finds(c, "signed", "1");
	finds(c, "html OR body OR p", "");
	finds(c, "figures", "2");
	finds(c, "quarterly", "2");
	finds(c, "fonttbl OR arial", "");
	/* Chinese, Japanese, Arabic */
	finds(c, "陈伟", "1");
	finds(c, "会議", "1");
	finds(c, "議", "1");
	finds(c, "议事录", "");
	finds(c, "由紀", "1");
	finds(c, "报告", "3");
	finds(c, "الكتاب", "3");
	finds(c, "الكتـاب", "3");
	finds(c, "مرحبا", "3");
	finds(c, "ليلى", "3");
	/* fields */
	finds(c, "from:ana", "4 0");
	finds(c, "from:\"Ana Souza\"", "4 0");
	finds(c, "from:fornecedor.example", "4 0");
	finds(c, "from:contract", "");
	finds(c, "to:jsmith", "0");
	finds(c, "to:ytanaka@contoso.com", "3 1");
	finds(c, "subject:contract", "0");
	finds(c, "subject:contract*", "0 5");
	finds(c, "body:contract", "4 1 0");
	finds(c, "body:supply", "0");
	finds(c, "attachment:contract-v2.pdf", "0");
	finds(c, "attachment:docx", "3");
	finds(c, "attachment:contract", "0");
	/* filters */
	finds(c, "has:attachment", "3 2 0");
	finds(c, "-has:attachment", "4 1 5");
	finds(c, "folder:Inbox", "4 3 1 0 5");          /* Posteingang is an Inbox too */
	finds(c, "folder:Posteingang", "4 3");
	finds(c, "folder:Projects", "1");
	finds(c, "folder:Inbox/Projects", "1");
	finds(c, "folder:inbox/projects", "1");
	finds(c, "folder:Projects/Inbox", "");
	finds(c, "folder:\"Sent Items\"", "2");
	finds(c, "mailbox:JSmith", "2 1 0 5");
	finds(c, "mailbox:ytanaka contract", "4");
	finds(c, "class:Appointment", "4");
	finds(c, "class:IPM.Note", "3 2 1 0 5");
	finds(c, "class:ipm.note.smime", "5");
	finds(c, "before:2023-11-17", "1 0 5");        /* before the start of that day */
	finds(c, "after:2023-11-17", "4 3 2");
	finds(c, "after:2023-11-16 before:2023-11-18", "2 1");
	finds(c, "before:2023-01-01", "5");
	/* operators */
	finds(c, "contract OR figures", "4 2 1 0");
	finds(c, "contract -lunch", "1 0");
	finds(c, "contract NOT from:ana", "1");
	finds(c, "-contract", "3 2 5");
	finds(c, "-contract -has:attachment", "5");
	finds(c, "(contract OR figures) has:attachment", "2 0");
	finds(c, "contract OR has:attachment", "4 3 2 1 0");
	finds(c, "from:ana (lunch OR pdf)", "4 0");
	finds(c, "--contract", "4 1 0");
	finds(c, "-(contract OR figures) before:2023-12-01", "3 5");
	finds(c, "mailbox:JSmith OR folder:Posteingang", "4 3 2 1 0 5");
	finds(c, "\"view settings\"", "");               /* FAI items are not indexed */
	{
		char *g = found(c, "contract", "YTanaka");

		is_str(g, "4", "--mailbox YTanaka restricts");
		mbx_free(g);
	}
}

static void errors(corpus *c)
{
	mbx_query *q = NULL;
	mbx_search *s = NULL;
	size_t pos = 0;

	ok(mbx_query_parse("contract mailbox:nobody", &q, NULL) == 0, "parse");
	ok(mbx_search_prepare(c->st, q, NULL, 0, &s, &pos) == MBX_EINVAL && pos == 9 &&
	   strstr(mbx_error_last(), "no mailbox with alias 'nobody'"), "an unknown mailbox, at its position");
	mbx_query_free(q);
	ok(mbx_query_parse("contract \"...\"", &q, NULL) == 0, "parse");
	ok(mbx_search_prepare(c->st, q, NULL, 0, &s, &pos) == MBX_EINVAL && pos == 9 &&
	   strstr(mbx_error_last(), "no letters or digits"), "a word of punctuation, at its position");
	mbx_query_free(q);
	ok(s == NULL, "nothing prepared");
}

static int always(void *ud)
{
	(void)ud;
	return 1;
}

static void paging(corpus *c)
{
	mbx_query *q = NULL;
	mbx_search *s = NULL;
	mbx_search_hit *h = NULL;
	size_t n = 0;
	int64_t cnt = 0;

	ok(mbx_query_parse("-nothingatall", &q, NULL) == 0 && mbx_search_prepare(c->st, q, NULL, 0, &s, NULL) == 0,
	   "every message");
	ok(mbx_search_count(s, &cnt) == 0 && cnt == 6, "count: 6 (not the FAI item)");
	ok(mbx_search_run(s, 0, 2, &h, &n) == 0 && n == 2 && h[0].id == c->id[4] && h[1].id == c->id[3],
	   "the first page, newest first");
	if (n == 2) {
		is_str(h[0].mailbox, "YTanaka", "a hit's mailbox alias");
		is_str(h[0].mailbox_name, "Tanaka, Yuki (田中 由紀)", "and display name");
		is_str(h[0].folder, "Posteingang", "its folder");
		is_int(h[0].date, T0 + 5 * DAY, "its date (received)");
		is_str(h[0].from, "Ana Souza", "its sender");
		is_str(h[1].subject, "تقرير الكتاب", "a subject");
		is_int(h[1].attachments, 1, "attachments counted");
	}
	mbx_search_hits_free(h, n);
	ok(mbx_search_run(s, 4, 10, &h, &n) == 0 && n == 2 && h[0].id == c->id[0] && h[1].id == c->id[5],
	   "the last page");
	if (n == 2)
		is_str(h[0].folder, "Inbox", "a folder path");
	mbx_search_hits_free(h, n);
	ok(mbx_search_run(s, 6, 10, &h, &n) == 0 && n == 0, "past the end: nothing");
	mbx_search_hits_free(h, n);
	mbx_search_set_cancel(s, always, NULL);
	ok(mbx_search_count(s, &cnt) == MBX_ECANCELLED, "a cancelled count says so");
	mbx_search_set_cancel(s, NULL, NULL);
	ok(mbx_search_count(s, &cnt) == 0 && cnt == 6, "and the search still works");
	mbx_search_free(s);
	mbx_query_free(q);
	{
		mbx_search_hit one;

		ok(mbx_store_search_hit_get(c->st, c->id[1], &one) == 0, "one message's place");
		is_str(one.folder, "Inbox/Projects", "a nested folder's path");
		is_str(one.mailbox, "JSmith", "its mailbox");
		mbx_search_hit_clear(&one);
	}
}

/* Terms in the index (fts5vocab), after merging everything. */
static int vocab_terms(mbx_store *st)
{
	sqlite3_stmt *s = NULL;
	int n = -1;

	sqlite3_exec(st->db, "INSERT INTO search_fts (search_fts) VALUES ('optimize');"
	             "CREATE VIRTUAL TABLE IF NOT EXISTS temp.v USING fts5vocab(main, search_fts, 'row')",
	             NULL, NULL, NULL);
	if (sqlite3_prepare_v2(st->db, "SELECT count(*) FROM temp.v", -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return n;
}

static void delete_and_rebuild(corpus *c)
{
	mbx_search_status ss;
	int64_t n = 0;
	size_t i;

	ok(mbx_store_search_status(c->st, &ss) == 0 && ss.built && ss.indexed == 6 && ss.messages == 6,
	   "status: built, 6 of 6 indexed");
	ok(vocab_terms(c->st) > 50, "the index holds terms");
	ok(mbx_store_message_delete(c->st, c->id[0]) == 0, "delete a message");
	finds(c, "\"supply contract\"", "");
	finds(c, "contract", "4 1");
	/* rebuilt: the same hits */
	ok(mbx_store_reindex(c->st, NULL, &n) == 0 && n == 5, "reindex: 5 messages");
	finds(c, "contract", "4 1");
	finds(c, "陈伟", "1");
	finds(c, "quarterly", "2");
	/* a message added again after the rebuild is found */
	c->id[0] = add(c, c->inbox[0], &(spec){ "Supply contract draft", "Ana Souza",
	               "ana@fornecedor.example", "Please find the supply contract attached.", NULL, NULL,
	               "Smith, John", "jsmith@contoso.com", "contract-v2.pdf", NULL, NULL, T0 + 1 * DAY, 0 });
	finds(c, "contract", "4 1 0");
	/* Deleting every message leaves no term behind: the contentless
	 * index was given back exactly the text it was given. */
	for (i = 0; i < 7; i++)
		mbx_store_message_delete(c->st, c->id[i]);
	is_int(vocab_terms(c->st), 0, "every message deleted: no term is left in the index");
	ok(mbx_store_search_status(c->st, &ss) == 0 && ss.indexed == 0 && ss.messages == 0, "status: 0 of 0");
}

/* Messages of the same second: the second one takes the next key. */
static void collision(corpus *c)
{
	int64_t a, b, d;
	char *g;
	int i;

	for (i = 0; i < 16; i++)
		c->id[i] = -1;   /* deleted: their ids come back */
	a = add(c, c->inbox[0], &(spec){ "alpha collision", NULL, NULL, "same second", NULL, NULL, NULL,
	        NULL, NULL, NULL, NULL, T0, 0 });
	b = add(c, c->inbox[0], &(spec){ "beta collision", NULL, NULL, "same second", NULL, NULL, NULL,
	        NULL, NULL, NULL, NULL, T0, 0 });
	d = add(c, c->inbox[0], &(spec){ "delta collision", NULL, NULL, "next second", NULL, NULL, NULL,
	        NULL, NULL, NULL, NULL, T0 + 1, 0 });
	c->id[13] = a;
	c->id[14] = b;
	c->id[15] = d;
	g = found(c, "collision", NULL);
	is_str(g, "15 14 13", "all three found, in the order they were dated and added");
	mbx_free(g);
	finds(c, "beta", "14");
	finds(c, "collision before:2023-11-15", "15 14 13");
	ok(mbx_store_message_delete(c->st, b) == 0 && mbx_store_message_delete(c->st, a) == 0 &&
	   mbx_store_message_delete(c->st, d) == 0, "all deleted");
	is_int(vocab_terms(c->st), 0, "and the index is empty again");
}

static void not_built(void)
{
	char *path = mbx_asprintf("%s/old.db", dir);
	corpus c;
	mbx_query *q = NULL;
	mbx_search *s = NULL;
	mbx_search_status ss;
	int64_t n = 0;

	memset(&c, 0, sizeof(c));
	ok(mbx_store_open(&c.st, path, MBX_STORE_CREATE) == 0, "a new store");
	build(&c);
	/* as a store upgraded from an earlier schema with messages is */
	ok(sqlite3_exec(c.st->db, "DELETE FROM meta WHERE key = 'search_index'; DELETE FROM search_doc; "
	                "INSERT INTO search_fts (search_fts) VALUES ('delete-all')", NULL, NULL, NULL) ==
	   SQLITE_OK, "forget the index");
	ok(mbx_query_parse("contract", &q, NULL) == 0, "parse");
	ok(mbx_search_prepare(c.st, q, NULL, 0, &s, NULL) == MBX_ENOTFOUND &&
	   strstr(mbx_error_last(), "mbxrescue reindex"), "search says: run reindex (%s)", mbx_error_last());
	add(&c, c.inbox[0], &(spec){ "late contract", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	    NULL, NULL, T0, 0 });
	ok(mbx_store_search_status(c.st, &ss) == 0 && !ss.built && ss.indexed == 0 && ss.messages == 7,
	   "not built: nothing indexed as messages come");
	ok(mbx_store_message_delete(c.st, c.id[4]) == 0, "deleting works without an index");
	ok(mbx_store_reindex(c.st, NULL, &n) == 0 && n == 6, "reindex builds it");
	ok(mbx_search_prepare(c.st, q, NULL, 0, &s, NULL) == 0, "search works");
	{
		int64_t cnt = 0;

		ok(mbx_search_count(s, &cnt) == 0 && cnt == 3, "contract: 3 hits");
	}
	mbx_search_free(s);
	mbx_query_free(q);
	mbx_store_free(c.st);
	mbx_free(path);
}

static int cancel_after(void *ud)
{
	return ++*(int *)ud > 0;
}

static void items(corpus *c)
{
	mbx_folder *f = NULL;
	mbx_mailbox mb;
	mbx_delete_run *runs = NULL;
	mbx_audit_entry *au = NULL;
	mbx_search_hit h;
	int64_t run = 0, ids[2], *held = NULL, cnt = 0, before = 0;
	size_t nf = 0, nr = 0, na = 0, nh = 0, i;
	int inbox_count = -1;
	char *path = mbx_asprintf("%s/items.db", dir);

	mbx_store_free(c->st);
	memset(c, 0, sizeof(*c));
	ok(mbx_store_open(&c->st, path, MBX_STORE_CREATE) == 0, "a fresh store");
	mbx_free(path);
	build(c);
	mbx_store_mailbox_refresh_counts(c->st, c->mb[0]);
	mbx_store_mailbox_by_id(c->st, c->mb[0], &mb);
	before = mb.item_count;
	mbx_mailbox_clear(&mb);
	ids[0] = c->id[0];
	ids[1] = c->id[1];
	ok(mbx_store_items_delete(c->st, ids, 2, "tester", "contract mailbox:JSmith", &run) == 0 && run > 0,
	   "delete two items as a run");
	finds(c, "contract", "4");
	ok(mbx_store_search_hit_get(c->st, ids[0], &h) == 0 && h.deleted_run == run, "held, with its run");
	is_str(h.folder, "Inbox", "and where it was");
	mbx_search_hit_clear(&h);
	mbx_store_mailbox_by_id(c->st, c->mb[0], &mb);
	is_int(mb.item_count, before - 2, "the mailbox counts two items fewer");
	mbx_mailbox_clear(&mb);
	mbx_store_folders(c->st, c->mb[0], &f, &nf);
	for (i = 0; i < nf; i++)
		if (f[i].id == c->inbox[0])
			inbox_count = (int)f[i].message_count;
	mbx_folders_free(f, nf);
	is_int(inbox_count, 2, "Inbox lists 2 messages (the FAI one and the invoice)");
	ok(mbx_store_items_delete(c->st, ids, 1, "tester", NULL, NULL) == MBX_EEXISTS, "deleting again is refused");
	ok(mbx_store_items_held(c->st, run, &held, &nh) == 0 && nh == 2, "the run holds 2");
	mbx_free(held);
	ok(mbx_store_delete_runs(c->st, &runs, &nr) == 0 && nr == 1 && runs[0].items == 2 &&
	   runs[0].held == 2 && strcmp(runs[0].query, "contract mailbox:JSmith") == 0, "the run is listed");
	mbx_delete_runs_free(runs, nr);
	ok(mbx_store_audit_list(c->st, 0, &au, &na) == 0 && na >= 2 && strcmp(au[0].action, "delete-item") == 0 &&
	   strstr(au[0].detail, "mailbox JSmith, folder") != NULL, "an audit record per item (%s)",
	   na ? au[0].detail : "");
	mbx_audit_free(au, na);
	/* undo */
	ok(mbx_store_items_undo(c->st, 0, "tester", &run, &cnt) == 0 && cnt == 2, "undo the newest run");
	finds(c, "contract", "4 1 0");
	ok(mbx_store_items_undo(c->st, 0, "tester", NULL, NULL) == MBX_ENOTFOUND, "nothing more to undo");
	mbx_store_mailbox_by_id(c->st, c->mb[0], &mb);
	is_int(mb.item_count, before, "the counts are back");
	mbx_mailbox_clear(&mb);
	/* reindex keeps held items (so that undo finds them in the index) */
	ok(mbx_store_items_delete(c->st, ids, 1, "tester", NULL, &run) == 0, "delete one again");
	ok(mbx_store_reindex(c->st, NULL, NULL) == 0, "reindex");
	finds(c, "\"supply contract\"", "");
	ok(mbx_store_items_undo(c->st, run, "tester", NULL, NULL) == 0, "undo it by number");
	finds(c, "\"supply contract\"", "0");
	/* purge */
	ok(mbx_store_items_delete(c->st, ids, 2, "tester", NULL, &run) == 0, "delete both");
	ok(mbx_store_items_purge(c->st, 0, "tester", &cnt) == 0 && cnt == 2, "purge");
	{
		mbx_message *gone = NULL;

		ok(mbx_store_message_get(c->st, ids[0], &gone) == MBX_ENOTFOUND, "gone for good");
		mbx_message_free(gone);
	}
	ok(mbx_store_items_undo(c->st, run, "tester", NULL, NULL) == MBX_ENOTFOUND, "nothing to undo");
	finds(c, "contract", "4");
	ok(mbx_store_audit_list(c->st, 1, &au, &na) == 0 && na == 1 && strcmp(au[0].action, "purge-item") == 0,
	   "purges are audited");
	mbx_audit_free(au, na);
	/* a reindex can be cancelled: the index stays */
	{
		int calls = 0;
		mbx_reindex_opts ro;

		memset(&ro, 0, sizeof(ro));
		ro.cancelled = cancel_after;
		ro.ud = &calls;
		/* only polled every 1,000 messages: none here, so it completes */
		ok(mbx_store_reindex(c->st, &ro, NULL) == 0, "a short reindex is not polled");
	}
}

int main(void)
{
	corpus c;
	char *path;

	if (!mkdtemp(dir))
		return 99;
	tokenizer();
	memset(&c, 0, sizeof(c));
	path = mbx_asprintf("%s/s.db", dir);
	if (mbx_store_open(&c.st, path, MBX_STORE_CREATE) < 0) {
		diag("%s", mbx_error_last());
		return 99;
	}
	build(&c);
	operators(&c);
	errors(&c);
	paging(&c);
	delete_and_rebuild(&c);
	collision(&c);
	items(&c);
	mbx_store_free(c.st);
	not_built();
	mbx_free(path);
	{
		char *cmd = mbx_asprintf("rm -rf %s", dir);

		if (system(cmd) != 0)
			diag("could not remove %s", dir);
		mbx_free(cmd);
	}
	return tap_done();
}
