/*
 * tests/pstdesc-libpst FILE.pst - describe a PST as libpst reads it, in the
 * format of tests/PSTDESC.md (unsorted: pipe through LC_ALL=C sort).
 *
 * What libpst (Debian 0.6.76) can not give, and how this describer copes:
 * - It has no recipient rows: it turns each row of the recipient table into
 *   an "attachment" without data and without an attach method, so R records
 *   are not printed and the recipient count is the number of such entries.
 *   Attachments are the entries with a method (by value, embedded, ...).
 * - Sender name is PidTagSenderName (0x0C1A), else PidTagSentRepresentingName
 *   (0x0042); sender email PidTagSenderEmailAddress (0x0C1F), else 0x0065 -
 *   the same rule the other describers follow.
 * - Folders are those below Top of Personal Folders, found from each node's
 *   parent id (libpst's tree); normal messages only (NID type 4).
 * - P records (item details) only with PSTDESC_DETAILS=1 in the
 *   environment (tests/pst-compare.sh sets it when the expected
 *   description has P records).  libpst 0.6 has appointment start, end,
 *   location and busy status (this last printed for IPM.Appointment items
 *   only: libpst can not tell 0 from absent) and the contact fields; it
 *   exposes no task property, so task-start, task-due and percent are
 *   never printed here (tests/pst-compare.sh compares them with the other
 *   readers).
 *
 * libpst is not hardened against corrupt files: tests run this as its own
 * process.  Exit 0 ok, 2 when the file can not be opened as a PST.
 */
#include "config.h"
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <libpst/libpst.h>

static pst_file pf;
static int want_details;   /* PSTDESC_DETAILS=1: P records too */

static void put_text(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t i;

	if (!s)
		n = 0;
	while (n > 0 && p[n - 1] == '\0')
		n--;   /* trailing NULs are dropped */
	for (i = 0; i < n; i++) {
		if (p[i] == '\\')
			fputs("\\\\", stdout);
		else if (p[i] == '\t')
			fputs("\\t", stdout);
		else if (p[i] == '\n')
			fputs("\\n", stdout);
		else if (p[i] == '\r')
			fputs("\\r", stdout);
		else if (p[i] < 0x20 || p[i] == 0x7f)
			printf("\\x%02X", p[i]);
		else
			putchar(p[i]);
	}
}

static void put_str(const char *s)
{
	put_text(s, s ? strlen(s) : 0);
}

static const char *utf8(pst_item *item, pst_string *s)
{
	if (!s->str)
		return NULL;
	if (!s->is_utf8)
		pst_convert_utf8(item, s);
	return s->str;
}

static void sha256_hex(const void *data, size_t len, char out[65])
{
	struct sha256_ctx c;
	uint8_t d[SHA256_DIGEST_SIZE];
	int i;

	sha256_init(&c);
	sha256_update(&c, len, data);
	sha256_digest(&c, sizeof(d), d);
	for (i = 0; i < SHA256_DIGEST_SIZE; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

/* A folder name as a path element: "/" and "\" inside a name get a
 * backslash before them (as tests/export-desc and core/export do); the
 * whole path is then escaped like any text field. */
static char *path_join(const char *parent, const char *name)
{
	size_t pl = parent ? strlen(parent) : 0, nl = strlen(name ? name : ""), i, o = 0;
	char *p = malloc(pl + 2 * nl + 2);

	if (!p)
		exit(3);
	if (pl) {
		memcpy(p, parent, pl);
		o = pl;
		p[o++] = '/';
	}
	for (i = 0; i < nl; i++) {
		if (name[i] == '/' || name[i] == '\\')
			p[o++] = '\\';
		p[o++] = name[i];
	}
	p[o] = '\0';
	return p;
}

typedef struct counts {
	int recipients, attachments;
} counts;

static void count(pst_item *m, counts *c)
{
	pst_item_attach *a;

	c->recipients = c->attachments = 0;
	/* The per-recipient entries carry no PidTagAttachMethod (method 0,
	 * PST_ATTACH_NONE); real attachments have one, even when empty. */
	for (a = m->attach; a; a = a->next) {
		if (a->method != PST_ATTACH_NONE)
			c->attachments++;
		else
			c->recipients++;
	}
}

static const char *sender_name(pst_item *m)
{
	const char *s = m->email ? utf8(m, &m->email->outlook_sender_name2) : NULL;

	return s ? s : m->email ? utf8(m, &m->email->outlook_sender_name) : NULL;
}

static const char *sender_email(pst_item *m)
{
	const char *s = m->email ? utf8(m, &m->email->sender2_address) : NULL;

	return s ? s : m->email ? utf8(m, &m->email->sender_address) : NULL;
}

/* An embedded message, parsed the way readpst does it. */
static pst_item *embedded(pst_item_attach *a)
{
	pst_desc_tree d;

	memset(&d, 0, sizeof(d));
	d.desc = pst_getID(&pf, a->i_id);
	if (!d.desc)
		return NULL;
	return pst_parse_item(&pf, &d, a->id2_head);
}

/* A P record (tests/PSTDESC.md): path, subject, key, value. */
static void prop(const char *path, const char *subject, const char *key, const char *value)
{
	if (!value)
		return;
	fputs("P\t", stdout);
	put_str(path);
	putchar('\t');
	put_str(subject);
	printf("\t%s\t", key);
	put_str(value);
	putchar('\n');
}

static void prop_time(const char *path, const char *subject, const char *key, const FILETIME *ft)
{
	uint64_t t;
	time_t secs;
	struct tm tm;
	char buf[32];

	if (!ft)
		return;
	t = ((uint64_t)ft->dwHighDateTime << 32) | ft->dwLowDateTime;
	secs = (time_t)((int64_t)(t / 10000000u) - INT64_C(11644473600));
	gmtime_r(&secs, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
	prop(path, subject, key, buf);
}

static int class_is(const pst_item *m, const char *prefix)
{
	return m->ascii_type && strncmp(m->ascii_type, prefix, strlen(prefix)) == 0;
}

static void details(const char *path, const char *subject, pst_item *m)
{
	pst_item_appointment *a = m->appointment;
	pst_item_contact *c = m->contact;

	if (a && class_is(m, "IPM.Appointment")) {
		char busy[16];

		prop_time(path, subject, "start", a->start);
		prop_time(path, subject, "end", a->end);
		prop(path, subject, "location", utf8(m, &a->location));
		snprintf(busy, sizeof(busy), "%d", (int)a->showas);
		prop(path, subject, "busy", busy);
	}
	if (c && class_is(m, "IPM.Contact")) {
		prop(path, subject, "file-as", utf8(m, &c->fullname));
		prop(path, subject, "given", utf8(m, &c->first_name));
		prop(path, subject, "surname", utf8(m, &c->surname));
		prop(path, subject, "company", utf8(m, &c->company_name));
		prop(path, subject, "title", utf8(m, &c->job_title));
		prop(path, subject, "email1", utf8(m, &c->address1));
		prop(path, subject, "email2", utf8(m, &c->address2));
		prop(path, subject, "email3", utf8(m, &c->address3));
		prop(path, subject, "business-phone", utf8(m, &c->business_phone));
		prop(path, subject, "home-phone", utf8(m, &c->home_phone));
		prop(path, subject, "mobile-phone", utf8(m, &c->mobile_phone));
	}
}

static void message(const char *path, pst_item *m)
{
	pst_item_attach *a;
	counts c;
	char sha[65];
	const char *subject = utf8(m, &m->subject);

	count(m, &c);
	fputs("M\t", stdout);
	put_str(path);
	putchar('\t');
	put_str(subject);
	putchar('\t');
	put_str(sender_name(m));
	putchar('\t');
	put_str(sender_email(m));
	putchar('\t');
	put_str(m->ascii_type);
	putchar('\t');
	if (utf8(m, &m->body)) {
		size_t n = strlen(m->body.str);

		sha256_hex(m->body.str, n, sha);
		fputs(sha, stdout);
	} else {
		putchar('-');
	}
	printf("\t%d\t%d\n", c.recipients, c.attachments);
	if (want_details)
		details(path, subject, m);

	for (a = m->attach; a; a = a->next) {
		if (a->method == PST_ATTACH_EMBEDDED) {
			pst_item *e = embedded(a);
			counts ec;

			if (!e) {
				fprintf(stderr, "pstdesc-libpst: an embedded message can not be read\n");
				continue;
			}
			count(e, &ec);
			fputs("E\t", stdout);
			put_str(path);
			putchar('\t');
			put_str(subject);
			putchar('\t');
			put_str(utf8(e, &e->subject));
			printf("\t%d\t%d\n", ec.recipients, ec.attachments);
			pst_freeItem(e);
		} else if (a->method != PST_ATTACH_NONE) {
			pst_binary b = a->data;
			const char *name = utf8(m, &a->filename2);

			if (!name)
				name = utf8(m, &a->filename1);
			if (!b.data)
				b = pst_attach_to_mem(&pf, a);
			sha256_hex(b.data ? b.data : "", b.data ? b.size : 0, sha);
			fputs("A\t", stdout);
			put_str(path);
			putchar('\t');
			put_str(subject);
			putchar('\t');
			put_str(name);
			printf("\t%zu\t%s\n", b.data ? b.size : (size_t)0, sha);
			if (b.data != a->data.data)
				free(b.data);
		}
	}
}

static void folder(pst_desc_tree *d, const char *path)
{
	pst_desc_tree *k;
	int n = 0;

	for (k = d->child; k; k = k->next)
		if ((k->d_id & 0x1F) == 0x04)
			n++;
	if (path) {
		fputs("F\t", stdout);
		put_str(path);
		printf("\t%d\n", n);
	}
	for (k = d->child; k; k = k->next) {
		unsigned type = (unsigned)(k->d_id & 0x1F);
		pst_item *it;

		if (type != 0x02 && type != 0x04)
			continue;   /* search folders, FAI messages: not described */
		it = pst_parse_item(&pf, k, NULL);
		if (!it) {
			fprintf(stderr, "pstdesc-libpst: node 0x%llx can not be read\n", (unsigned long long)k->d_id);
			continue;
		}
		if (type == 0x02) {
			char *p = path_join(path, utf8(it, &it->file_as));

			pst_freeItem(it);
			folder(k, p);
			free(p);
		} else {
			message(path ? path : "", it);
			pst_freeItem(it);
		}
	}
}

int main(int argc, char **argv)
{
	pst_item *root;
	pst_desc_tree *top;

	if (argc != 2) {
		fprintf(stderr, "usage: pstdesc-libpst FILE.pst\n");
		return 2;
	}
	want_details = getenv("PSTDESC_DETAILS") && strcmp(getenv("PSTDESC_DETAILS"), "1") == 0;
	if (pst_open(&pf, argv[1], NULL) < 0 || pst_load_index(&pf) < 0) {
		fprintf(stderr, "pstdesc-libpst: %s: libpst can not open it as a PST\n", argv[1]);
		return 2;
	}
	pst_load_extended_attributes(&pf);
	root = pst_parse_item(&pf, pf.d_head, NULL);
	top = root ? pst_getTopOfFolders(&pf, root) : NULL;
	if (!top) {
		fprintf(stderr, "pstdesc-libpst: %s: no Top of Personal Folders\n", argv[1]);
		return 2;
	}
	folder(top, NULL);
	pst_freeItem(root);
	pst_close(&pf);
	return fflush(stdout) == 0 ? 0 : 1;
}
