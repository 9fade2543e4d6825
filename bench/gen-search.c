/*
 * bench/gen-search.c - a recovery server with many messages of made-up
 * text for the search benchmark (bench/bench-search.sh):
 *
 *   gen-search OUT.db [MESSAGES [MAILBOXES]] [--index]
 *   (default 1,000,000 messages over 1,000 mailboxes)
 *
 * Each mailbox has eight folders; each message a subject of 4-7 words, a
 * sender of 5,000 people, two recipients, a body of 60-120 words (about
 * 700 bytes; now and then a Chinese, Japanese or Arabic sentence), and
 * every tenth one a small attachment; dates spread over 2019-2024.  Words
 * come from 30,000 made-up ones with Zipf frequencies, so "the" is in
 * nearly every message; "quixoticfrobnicate" is in exactly one message in
 * 100,000 and "supply contract" in one in 100.  Without --index the
 * index is switched off while generating (the benchmark builds it with
 * `mbxrescue reindex`); with --index every message is indexed as it is
 * added, as an import would.
 */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mbx/store.h"
#include "store/store_meta.h"

#define N_WORDS 30000
#define BASE 1546300800LL            /* 2019-01-01 */
#define SPAN (6LL * 365 * 86400)

static uint64_t rs = 88172645463325252ull;

static uint64_t rnd48(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return rs >> 16;
}

static uint32_t rnd(void)
{
	return (uint32_t)rnd48();
}

static char *words[N_WORDS];
static double cdf[N_WORDS];

static void make_words(void)
{
	static const char *const syl[] = {
		"ka", "ro", "mi", "ten", "sa", "lo", "ver", "an", "de", "po", "li", "mar", "in", "to",
		"ba", "se", "nor", "qui", "el", "da", "fi", "gu", "ha", "jo", "ne", "ple", "stra", "vo"
	};
	static const char *const common[] = {
		"the", "and", "to", "of", "for", "please", "meeting", "report", "contract", "supply",
		"invoice", "customer", "delivery", "budget", "review", "attached", "thanks", "today",
		"tomorrow", "order", "price", "project", "team", "update", "office", "warehouse"
	};
	size_t ns = sizeof(syl) / sizeof(syl[0]), i;
	double sum = 0;

	for (i = 0; i < N_WORDS; i++) {
		if (i < sizeof(common) / sizeof(common[0])) {
			words[i] = strdup(common[i]);
		} else {
			char w[32];
			size_t k = i, n = 0;

			do {
				n += (size_t)snprintf(w + n, sizeof(w) - n, "%s", syl[k % ns]);
				k /= ns;
			} while (k && n < 20);
			words[i] = strdup(w);
		}
		sum += 1.0 / (i + 1);
		cdf[i] = sum;
	}
	for (i = 0; i < N_WORDS; i++)
		cdf[i] /= sum;
}

static const char *word(void)
{
	double u = (double)rnd48() / 281474976710656.0;   /* 48 bits */
	size_t lo = 0, hi = N_WORDS - 1;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return words[lo];
}

static void words_into(char *b, size_t cap, size_t *n, int count)
{
	int i;

	for (i = 0; i < count && *n + 32 < cap; i++)
		*n += (size_t)snprintf(b + *n, cap - *n, "%s%s", *n ? " " : "", word());
}

static int fail(void)
{
	fprintf(stderr, "gen-search: %s\n", mbx_error_last());
	return 1;
}

int main(int argc, char **argv)
{
	static const char *const fnames[] = { "Inbox", "Projects", "Sent Items", "Deleted Items",
		"Archive", "2023", "Customers", "Drafts" };
	static const int fparent[] = { -1, 0, -1, -1, -1, 4, -1, -1 };
	static const mbx_folder_role froles[] = { MBX_ROLE_INBOX, MBX_ROLE_NONE, MBX_ROLE_SENT,
		MBX_ROLE_DELETED, MBX_ROLE_NONE, MBX_ROLE_NONE, MBX_ROLE_NONE, MBX_ROLE_DRAFTS };
	static const char *const cjk[] = { "本日の会議の議事録を送ります。", "项目第一阶段已经完成，请查看附件中的进度报告。",
		"陈伟和田中由紀明天开会。" };
	static const char *const ar[] = { "يرجى مراجعة التقرير المرفق وإرسال ملاحظاتكم قبل نهاية الأسبوع.",
		"شكرا على الاجتماع اليوم." };
	static char given[][10] = { "Anna", "John", "Maria", "Wei", "Yuki", "Omar", "Layla", "Piotr",
		"Rosa", "David" };
	mbx_server_info si = { "Bench", "HQ", "EXCH1", "%a@bench.example" };
	mbx_store *st = NULL;
	long n = 1000000, nmb = 1000, i;
	int index = 0, a, pos = 0;
	int64_t (*fid)[8], *mbid;
	char subject[256], body[4096], sname[64], saddr[64], rname[2][64], raddr[2][64], fname[64];
	unsigned char data[64];

	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--index") == 0)
			index = 1;
		else if (pos == 0)
			pos++;
		else if (pos == 1 && (n = atol(argv[a])) > 0)
			pos++;
		else if (pos == 2 && (nmb = atol(argv[a])) > 0)
			pos++;
		else
			pos = 99;
	}
	if (argc < 2 || pos > 3 || n < 1 || nmb < 1) {
		fprintf(stderr, "usage: gen-search OUT.db [MESSAGES [MAILBOXES]] [--index]\n");
		return 2;
	}
	make_words();
	memset(data, 'x', sizeof(data));
	unlink(argv[1]);
	if (mbx_store_open(&st, argv[1], MBX_STORE_CREATE) < 0 || mbx_store_server_set(st, &si) < 0)
		return fail();
	if (!index && store_meta_set(st, "search_index", "off") < 0)
		return fail();
	fid = calloc((size_t)nmb, sizeof(*fid));
	mbid = calloc((size_t)nmb, sizeof(*mbid));
	if (mbx_store_begin(st) < 0)
		return fail();
	for (i = 0; i < nmb; i++) {
		mbx_mailbox mb;
		char guid[40], dn[80], name[64];
		int64_t id;
		int f;

		memset(&mb, 0, sizeof(mb));
		snprintf(guid, sizeof(guid), "00000000-0000-4000-8000-%012lx", i);
		snprintf(dn, sizeof(dn), "/o=Bench/ou=HQ/cn=Recipients/cn=user%05ld", i);
		snprintf(name, sizeof(name), "User %05ld, %s", i, given[i % 10]);
		mb.guid = guid;
		mb.legacy_dn = dn;
		mb.display_name = name;
		if (mbx_store_mailbox_add(st, &mb, &id) < 0)
			return fail();
		mbid[i] = id;
		for (f = 0; f < 8; f++) {
			mbx_folder fo;

			memset(&fo, 0, sizeof(fo));
			fo.mailbox_id = id;
			fo.parent_id = fparent[f] < 0 ? 0 : fid[i][fparent[f]];
			fo.name = (char *)fnames[f];
			fo.role = froles[f];
			if (mbx_store_folder_add(st, &fo, &fid[i][f]) < 0)
				return fail();
		}
	}
	for (i = 0; i < n; i++) {
		mbx_message m;
		mbx_msg_recipient r[2];
		mbx_attachment at;
		size_t k = 0;
		int p = (int)(rnd() % 5000), q;

		memset(&m, 0, sizeof(m));
		memset(r, 0, sizeof(r));
		memset(&at, 0, sizeof(at));
		words_into(subject, sizeof(subject), &k, 4 + (int)(rnd() % 4));
		if (i % 100 == 42)
			k += (size_t)snprintf(subject + k, sizeof(subject) - k, " supply contract");
		k = 0;
		words_into(body, sizeof(body), &k, 60 + (int)(rnd() % 61));
		if (i % 100000 == 7)
			k += (size_t)snprintf(body + k, sizeof(body) - k, " quixoticfrobnicate");
		if (rnd() % 20 == 0)
			k += (size_t)snprintf(body + k, sizeof(body) - k, "\n%s", cjk[rnd() % 3]);
		if (rnd() % 33 == 0)
			k += (size_t)snprintf(body + k, sizeof(body) - k, "\n%s", ar[rnd() % 2]);
		snprintf(sname, sizeof(sname), "%s %s", given[p % 10], words[100 + p % 4000]);
		snprintf(saddr, sizeof(saddr), "%s.%s@corp%d.example", given[p % 10], words[100 + p % 4000], p % 50);
		for (q = 0; q < 2; q++) {
			int rp = (int)(rnd() % 5000);

			snprintf(rname[q], sizeof(rname[q]), "%s %s", given[rp % 10], words[100 + rp % 4000]);
			snprintf(raddr[q], sizeof(raddr[q]), "%s@corp%d.example", words[100 + rp % 4000], rp % 50);
			r[q].type = q ? MBX_RECIP_CC : MBX_RECIP_TO;
			r[q].name = rname[q];
			r[q].address = raddr[q];
			r[q].addrtype = "SMTP";
		}
		m.folder_id = fid[i % nmb][rnd() % 8];
		m.message_class = "IPM.Note";
		m.subject = subject;
		m.sender_name = sname;
		m.sender_address = saddr;
		m.sender_addrtype = "SMTP";
		m.body = body;
		m.received_time = BASE + (int64_t)(rnd48() % SPAN);
		m.sent_time = m.received_time - 30;
		m.flags = MBX_MSG_READ;
		m.importance = 1;
		m.recipients = r;
		m.n_recipients = 2;
		if (i % 10 == 3) {
			snprintf(fname, sizeof(fname), "%s-%ld.pdf", word(), i % 1000);
			at.filename = fname;
			at.mime_type = "application/pdf";
			at.data = data;
			at.size = sizeof(data);
			m.attachments = &at;
			m.n_attachments = 1;
		}
		if (mbx_store_message_add(st, &m, NULL) < 0)
			return fail();
		if ((i + 1) % 20000 == 0) {
			if (mbx_store_commit(st) < 0 || mbx_store_begin(st) < 0)
				return fail();
			fprintf(stderr, "\r%ld messages", i + 1);
		}
	}
	for (i = 0; i < nmb; i++)
		if (mbx_store_mailbox_refresh_counts(st, mbid[i]) < 0)
			return fail();
	if (mbx_store_commit(st) < 0)
		return fail();
	fprintf(stderr, "\r%ld messages in %ld mailboxes%s\n", n, nmb, index ? ", indexed" : "");
	mbx_store_free(st);
	free(fid);
	free(mbid);
	return 0;
}
