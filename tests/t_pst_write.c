/*
 * tests/t_pst_write - writes one PST scenario through the mbx/pst.h API
 * and, beside it, the description (tests/PSTDESC.md) of what it wrote, for
 * tests/t_pst_e2e.sh to compare with what independent readers see.
 *
 *   t_pst_write SCENARIO OUT.pst OUT.desc
 *
 * Scenarios: empty demo unicode attach many recips deep embedded fai.
 * Exit 0 written, 1 a writer call failed (the message is printed).
 */
#include "config.h"
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mbx/pst.h"

typedef struct desc {
	FILE *f;
} desc;

static void put_text(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	for (; *p; p++) {
		if (*p == '\\')
			fputs("\\\\", f);
		else if (*p == '\t')
			fputs("\\t", f);
		else if (*p == '\n')
			fputs("\\n", f);
		else if (*p == '\r')
			fputs("\\r", f);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\x%02X", *p);
		else
			fputc(*p, f);
	}
}

static void sha_hex(const void *p, size_t n, char out[65])
{
	struct sha256_ctx c;
	uint8_t d[SHA256_DIGEST_SIZE];
	int i;

	sha256_init(&c);
	sha256_update(&c, n, p);
	sha256_digest(&c, sizeof(d), d);
	for (i = 0; i < SHA256_DIGEST_SIZE; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

static int fail(const char *what)
{
	fprintf(stderr, "t_pst_write: %s: %s\n", what, mbx_error_last());
	exit(1);
}

#define CHECK(call) do { if ((call) != 0) fail(#call); } while (0)

/* One message as the tests build it. */
typedef struct tmsg {
	const char *subject, *sender, *address, *body, *html, *klass;
	size_t nrecip;
	const mbx_pst_recipient *recips;
} tmsg;

static void desc_message(desc *d, const char *path, const tmsg *m, size_t nattach)
{
	char hex[65];
	size_t i;

	fputs("M\t", d->f);
	put_text(d->f, path);
	fputc('\t', d->f);
	put_text(d->f, m->subject);
	fputc('\t', d->f);
	put_text(d->f, m->sender);
	fputc('\t', d->f);
	put_text(d->f, m->address);
	fputc('\t', d->f);
	put_text(d->f, m->klass ? m->klass : "IPM.Note");
	if (m->body && *m->body) {
		sha_hex(m->body, strlen(m->body), hex);
		fprintf(d->f, "\t%s", hex);
	} else {
		fputs("\t-", d->f);
	}
	fprintf(d->f, "\t%zu\t%zu\n", m->nrecip, nattach);
	for (i = 0; i < m->nrecip; i++) {
		static const char *types[] = { "to", "to", "cc", "bcc" };

		fputs("R\t", d->f);
		put_text(d->f, path);
		fputc('\t', d->f);
		put_text(d->f, m->subject);
		fprintf(d->f, "\t%s\t", types[m->recips[i].type & 3]);
		put_text(d->f, m->recips[i].name ? m->recips[i].name : m->recips[i].address);
		fputc('\t', d->f);
		put_text(d->f, m->recips[i].address);
		fputc('\n', d->f);
	}
}

static void desc_attach(desc *d, const char *path, const char *subject, const char *name,
                        uint64_t size, const char *hex)
{
	fputs("A\t", d->f);
	put_text(d->f, path);
	fputc('\t', d->f);
	put_text(d->f, subject);
	fputc('\t', d->f);
	put_text(d->f, name);
	fprintf(d->f, "\t%llu\t%s\n", (unsigned long long)size, hex);
}

static void desc_folder(desc *d, const char *path, unsigned count)
{
	fputs("F\t", d->f);
	put_text(d->f, path);
	fprintf(d->f, "\t%u\n", count);
}

static void props_of(const tmsg *m, mbx_pst_message_props *p, int64_t t)
{
	memset(p, 0, sizeof(*p));
	p->message_class = m->klass;
	p->subject = m->subject;
	p->sender_name = m->sender;
	p->sender_address = m->address;
	p->body = m->body;
	p->html_body = m->html;
	p->submit_time = t;
	p->delivery_time = t + 60;
	p->importance = 1;
	p->flags = 0x01;   /* read */
	p->internet_message_id = "<t@example.com>";
	p->transport_headers = "Received: by test\r\n";
}

/* Begin a message and add its recipients. */
static mbx_pst_msg *message(mbx_pst *pst, mbx_pst_nid folder, const tmsg *m, int64_t t)
{
	mbx_pst_message_props p;
	mbx_pst_msg *msg;
	size_t i;

	props_of(m, &p, t);
	CHECK(mbx_pst_message_begin(pst, folder, &p, &msg));
	for (i = 0; i < m->nrecip; i++)
		CHECK(mbx_pst_message_add_recipient(msg, &m->recips[i]));
	return msg;
}

/* A by-value attachment of size bytes from a simple generator, written in
 * chunks of `chunk` bytes; its SHA-256 goes to hex. */
static void attach(mbx_pst_msg *msg, const char *name, uint64_t size, size_t chunk, char hex[65])
{
	mbx_pst_attach_props ap = { name, "application/octet-stream", (int64_t)size, 1600000000, NULL };
	struct sha256_ctx c;
	uint8_t d[SHA256_DIGEST_SIZE];
	unsigned char *buf = malloc(chunk ? chunk : 1);
	uint64_t done = 0;
	uint32_t x = (uint32_t)size * 2654435761u + 1;
	int i;

	sha256_init(&c);
	CHECK(mbx_pst_attach_begin(msg, &ap));
	while (done < size) {
		size_t n = size - done < chunk ? (size_t)(size - done) : chunk, k;

		for (k = 0; k < n; k++) {
			x = x * 1103515245u + 12345u;
			buf[k] = (unsigned char)(x >> 16);
		}
		sha256_update(&c, n, buf);
		CHECK(mbx_pst_attach_write(msg, buf, n));
		done += n;
	}
	CHECK(mbx_pst_attach_end(msg));
	sha256_digest(&c, sizeof(d), d);
	for (i = 0; i < SHA256_DIGEST_SIZE; i++)
		sprintf(hex + 2 * i, "%02x", d[i]);
	free(buf);
}

static const mbx_pst_recipient two_recips[] = {
	{ 1, "Bob Builder", "bob@example.com", NULL, NULL },
	{ 2, "Carol Danvers", "carol@example.com", NULL, NULL },
};

static void scenario_demo(mbx_pst *pst, desc *d)
{
	mbx_pst_nid inbox, sent, proj;
	char hex[65];
	tmsg m1 = { "Quarterly numbers", "Alice Smith", "alice@example.com",
	            "Hi Bob,\r\nthe numbers are attached.\r\n", "<p>Hi Bob,</p><p>the numbers</p>",
	            NULL, 2, two_recips };
	tmsg m2 = { "RE: Lunch", "Bob Builder", "bob@example.com", "Sure, at noon.", NULL, NULL, 1,
	            two_recips };
	tmsg m3 = { "Plans", "Alice Smith", "alice@example.com", NULL, "<b>html only</b>", NULL, 2,
	            two_recips };
	mbx_pst_msg *msg;

	CHECK(mbx_pst_folder_add(pst, mbx_pst_top_folder(pst), "Inbox", "IPF.Note", &inbox));
	CHECK(mbx_pst_folder_add(pst, mbx_pst_top_folder(pst), "Sent Items", NULL, &sent));
	CHECK(mbx_pst_folder_add(pst, inbox, "Projects", NULL, &proj));
	msg = message(pst, inbox, &m1, 1600000000);
	attach(msg, "numbers.xlsx", 12000, 4096, hex);
	CHECK(mbx_pst_message_end(msg, NULL));
	desc_message(d, "Inbox", &m1, 1);
	desc_attach(d, "Inbox", m1.subject, "numbers.xlsx", 12000, hex);
	msg = message(pst, inbox, &m2, 1600000100);
	CHECK(mbx_pst_message_end(msg, NULL));
	desc_message(d, "Inbox", &m2, 0);
	msg = message(pst, sent, &m3, 1600000200);
	CHECK(mbx_pst_message_end(msg, NULL));
	desc_message(d, "Sent Items", &m3, 0);
	desc_folder(d, "Inbox", 2);
	desc_folder(d, "Sent Items", 1);
	desc_folder(d, "Inbox/Projects", 0);
}

static void scenario_unicode(mbx_pst *pst, desc *d)
{
	static const mbx_pst_recipient r[] = {
		{ 1, "Jürgen Größe", "juergen@example.de", NULL, NULL },
		{ 3, "李小龍 🐉", "li@example.cn", NULL, NULL },
		{ 2, "שלום עליכם", "shalom@example.il", NULL, NULL },
	};
	tmsg m = { "Ünïcödé 😀 𝄞 日本語 — test", "Zoë Ωmega 🦄", "zoe@example.com",
	           "Body with astral 😀🎉𝄞 and CJK 漢字 and RTL עברית\r\n", "<p>😀</p>", NULL, 3, r };
	mbx_pst_nid f, g;
	mbx_pst_msg *msg;
	char hex[65];

	CHECK(mbx_pst_folder_add(pst, mbx_pst_top_folder(pst), "Пошта 📬", NULL, &f));
	CHECK(mbx_pst_folder_add(pst, f, "子フォルダ 𝄞", NULL, &g));
	msg = message(pst, g, &m, 1600000000);
	attach(msg, "résumé 📄.pdf", 3000, 1000, hex);
	CHECK(mbx_pst_message_end(msg, NULL));
	desc_message(d, "Пошта 📬/子フォルダ 𝄞", &m, 1);
	desc_attach(d, "Пошта 📬/子フォルダ 𝄞", m.subject, "résumé 📄.pdf", 3000, hex);
	desc_folder(d, "Пошта 📬", 0);
	desc_folder(d, "Пошта 📬/子フォルダ 𝄞", 1);
}

static void scenario_attach(mbx_pst *pst, desc *d)
{
	static const struct { const char *name; uint64_t size; size_t chunk; } a[] = {
		{ "empty.bin", 0, 100 }, { "one-block.bin", 8176, 8176 }, { "two-blocks.bin", 8177, 1000 },
		{ "big.bin", 1100000, 65536 }, { "odd.bin", 20000, 7 },
	};
	tmsg m = { "Attachments of every size", "Alice", "alice@example.com", "see attached", NULL, NULL,
	           1, two_recips };
	mbx_pst_nid f;
	mbx_pst_msg *msg;
	char hex[5][65];
	size_t i;

	CHECK(mbx_pst_folder_add(pst, mbx_pst_top_folder(pst), "Files", NULL, &f));
	msg = message(pst, f, &m, 1600000000);
	for (i = 0; i < 5; i++)
		attach(msg, a[i].name, a[i].size, a[i].chunk, hex[i]);
	CHECK(mbx_pst_message_end(msg, NULL));
	desc_message(d, "Files", &m, 5);
	for (i = 0; i < 5; i++)
		desc_attach(d, "Files", m.subject, a[i].name, a[i].size, hex[i]);
	desc_folder(d, "Files", 1);
}

static void scenario_many(mbx_pst *pst, desc *d, unsigned n)
{
	mbx_pst_nid f;
	unsigned i;

	CHECK(mbx_pst_folder_add(pst, mbx_pst_top_folder(pst), "Bulk", NULL, &f));
	for (i = 0; i < n; i++) {
		char subj[64], body[128];
		tmsg m = { subj, "Sender", "sender@example.com", body, NULL, NULL, 1, two_recips };
		mbx_pst_msg *msg;

		snprintf(subj, sizeof(subj), "Message number %u", i);
		snprintf(body, sizeof(body), "This is the body of message %u.\r\n", i);
		msg = message(pst, f, &m, 1600000000 + i);
		CHECK(mbx_pst_message_end(msg, NULL));
		desc_message(d, "Bulk", &m, 0);
	}
	desc_folder(d, "Bulk", n);
}

/* Values too big for a table's heap (over 3,580 bytes): a 3,000-character
 * subject (contents table) or, with long_name, a 2,000-character recipient
 * name (recipient table, and the contents table's display-to), which the
 * tables must hold in subnodes of their own. */
static void scenario_long(mbx_pst *pst, desc *d, int long_name)
{
	static char subj[3001], name[2001];
	mbx_pst_recipient r[1] = { { 1, name, "long@example.com", NULL, NULL } };
	tmsg big = { subj, "Alice", "alice@example.com", "a long subject", NULL, NULL, 1, r };
	tmsg small = { "Short one", "Bob", "bob@example.com", "short", NULL, NULL, 1, two_recips };
	mbx_pst_nid f;
	mbx_pst_msg *msg;
	size_t i;

	for (i = 0; i < 3000; i++)
		subj[i] = (char)('a' + i % 26);
	for (i = 0; i < (long_name ? 2000 : 20); i++)
		name[i] = (char)('A' + i % 26);
	CHECK(mbx_pst_folder_add(pst, mbx_pst_top_folder(pst), "Long", NULL, &f));
	msg = message(pst, f, &big, 1600000000);
	CHECK(mbx_pst_message_end(msg, NULL));
	desc_message(d, "Long", &big, 0);
	msg = message(pst, f, &small, 1600000100);
	CHECK(mbx_pst_message_end(msg, NULL));
	desc_message(d, "Long", &small, 0);
	desc_folder(d, "Long", 2);
}

static void scenario_recips(mbx_pst *pst, desc *d)
{
	mbx_pst_recipient *r = calloc(1000, sizeof(*r));
	char (*names)[32] = calloc(1000, 32), (*addrs)[48] = calloc(1000, 48);
	tmsg m = { "A thousand recipients", "Alice", "alice@example.com", "hello all", NULL, NULL, 1000, r };
	mbx_pst_nid f;
	mbx_pst_msg *msg;
	size_t i;

	for (i = 0; i < 1000; i++) {
		snprintf(names[i], 32, "Person %zu", i);
		snprintf(addrs[i], 48, "person%zu@example.com", i);
		r[i].type = (int)(i % 3) + 1;
		r[i].name = names[i];
		r[i].address = addrs[i];
	}
	CHECK(mbx_pst_folder_add(pst, mbx_pst_top_folder(pst), "Announcements", NULL, &f));
	msg = message(pst, f, &m, 1600000000);
	CHECK(mbx_pst_message_end(msg, NULL));
	desc_message(d, "Announcements", &m, 0);
	desc_folder(d, "Announcements", 1);
	free(r);
	free(names);
	free(addrs);
}

static void scenario_deep(mbx_pst *pst, desc *d)
{
	mbx_pst_nid f = mbx_pst_top_folder(pst);
	char path[50 * 8] = "";
	int i;

	for (i = 0; i < 50; i++) {
		char name[16];

		snprintf(name, sizeof(name), "L%02d", i);
		CHECK(mbx_pst_folder_add(pst, f, name, NULL, &f));
		if (i)
			strcat(path, "/");
		strcat(path, name);
		if (i == 49) {
			tmsg m = { "At the bottom", "Alice", "alice@example.com", "deep", NULL, NULL, 0, NULL };
			mbx_pst_msg *msg = message(pst, f, &m, 1600000000);

			CHECK(mbx_pst_message_end(msg, NULL));
			desc_message(d, path, &m, 0);
		}
		desc_folder(d, path, i == 49);
	}
}

static void scenario_embedded(mbx_pst *pst, desc *d)
{
	tmsg outer = { "Fwd: the plan", "Alice", "alice@example.com", "see the forwarded mail", NULL,
	               NULL, 1, two_recips };
	tmsg inner = { "The plan", "Bob Builder", "bob@example.com", "step 1, step 2", NULL, NULL, 2,
	               two_recips };
	mbx_pst_message_props p;
	mbx_pst_msg *msg, *emb, *emb2;
	mbx_pst_nid f;
	char hex[65], hex2[65];

	CHECK(mbx_pst_folder_add(pst, mbx_pst_top_folder(pst), "Forwarded", NULL, &f));
	msg = message(pst, f, &outer, 1600000000);
	attach(msg, "cover.txt", 100, 100, hex);
	props_of(&inner, &p, 1590000000);
	CHECK(mbx_pst_attach_message_begin(msg, "The plan", &p, &emb));
	CHECK(mbx_pst_message_add_recipient(emb, &two_recips[0]));
	CHECK(mbx_pst_message_add_recipient(emb, &two_recips[1]));
	attach(emb, "plan.pdf", 9000, 4000, hex2);
	/* an embedded message inside the embedded one */
	props_of(&inner, &p, 1580000000);
	p.subject = "Older plan";
	CHECK(mbx_pst_attach_message_begin(emb, "Older plan", &p, &emb2));
	CHECK(mbx_pst_message_end(emb2, NULL));
	CHECK(mbx_pst_message_end(emb, NULL));
	CHECK(mbx_pst_message_end(msg, NULL));
	desc_message(d, "Forwarded", &outer, 2);
	desc_attach(d, "Forwarded", outer.subject, "cover.txt", 100, hex);
	fputs("E\tForwarded\tFwd: the plan\tThe plan\t2\t2\n", d->f);
	desc_folder(d, "Forwarded", 1);
}

static void scenario_fai(mbx_pst *pst, desc *d)
{
	tmsg m = { "Normal", "Alice", "alice@example.com", "normal message", NULL, NULL, 0, NULL };
	mbx_pst_message_props p;
	mbx_pst_msg *msg;
	mbx_pst_nid f;
	int i;

	CHECK(mbx_pst_folder_add(pst, mbx_pst_top_folder(pst), "Calendar", "IPF.Appointment", &f));
	for (i = 0; i < 3; i++) {
		memset(&p, 0, sizeof(p));
		p.message_class = "IPM.Microsoft.FolderDesign.NamedView";
		p.subject = "View";
		p.associated = 1;
		CHECK(mbx_pst_message_begin(pst, f, &p, &msg));
		CHECK(mbx_pst_message_end(msg, NULL));
	}
	msg = message(pst, f, &m, 1600000000);
	CHECK(mbx_pst_message_end(msg, NULL));
	desc_message(d, "Calendar", &m, 0);
	desc_folder(d, "Calendar", 1);
}

int main(int argc, char **argv)
{
	mbx_pst_opts o;
	mbx_pst *pst;
	desc d;
	const char *s;

	if (argc != 4) {
		fprintf(stderr, "usage: t_pst_write SCENARIO OUT.pst OUT.desc\n");
		return 2;
	}
	s = argv[1];
	d.f = fopen(argv[3], "w");
	if (!d.f) {
		perror(argv[3]);
		return 1;
	}
	mbx_pst_opts_init(&o);
	o.display_name = "Test store";
	o.fsync = 0;
	if (strcmp(s, "plain") == 0)
		o.crypt = MBX_PST_CRYPT_NONE;
	CHECK(mbx_pst_create(&pst, argv[2], &o));
	desc_folder(&d, "Deleted Items", 0);
	if (strcmp(s, "demo") == 0 || strcmp(s, "plain") == 0)
		scenario_demo(pst, &d);
	else if (strcmp(s, "unicode") == 0)
		scenario_unicode(pst, &d);
	else if (strcmp(s, "attach") == 0)
		scenario_attach(pst, &d);
	else if (strcmp(s, "many") == 0)
		scenario_many(pst, &d, 2000);
	else if (strcmp(s, "recips") == 0)
		scenario_recips(pst, &d);
	else if (strcmp(s, "deep") == 0)
		scenario_deep(pst, &d);
	else if (strcmp(s, "embedded") == 0)
		scenario_embedded(pst, &d);
	else if (strcmp(s, "fai") == 0)
		scenario_fai(pst, &d);
	else if (strcmp(s, "long") == 0)
		scenario_long(pst, &d, 0);
	else if (strcmp(s, "longrecip") == 0)
		scenario_long(pst, &d, 1);
	else if (strcmp(s, "empty") != 0) {
		fprintf(stderr, "t_pst_write: unknown scenario %s\n", s);
		mbx_pst_free(pst);
		return 2;
	}
	CHECK(mbx_pst_close(pst));
	mbx_pst_free(pst);
	return fclose(d.f) == 0 ? 0 : 1;
}
