/*
 * tests/pstdesc-pstprop FILE.pst - describe a PST (or OST) as our
 * property-level reader (mbx/pstprop.h) reads it, in the format of
 * tests/PSTDESC.md (unsorted: pipe through LC_ALL=C sort), so that its
 * reading can be compared with what the writer's tests wrote and with the
 * other readers.  Unlike libpst it has recipient rows: R records are
 * printed.  P records only with PSTDESC_DETAILS=1.
 *
 * Rules as the other describers: sender name PidTagSenderName, else
 * PidTagSentRepresentingName; sender email PidTagSenderEmailAddress, else
 * PidTagSentRepresentingEmailAddress; folders below the IPM subtree (the
 * store's PidTagIpmSubTreeEntryId), normal messages only; the attachment
 * count counts attachments with a method.  Exit 0, 1 when the reader
 * reported damage (the description is still printed), 2 when the file can
 * not be opened.
 */
#include "config.h"
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "mbx/common.h"
#include "mbx/props.h"
#include "mbx/pstprop.h"
#include "mbx/pstdefs.h"

static mbx_pstprop *pp;
static int want_details;

static void put_text(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t i;

	if (!s)
		n = 0;
	while (n > 0 && p[n - 1] == '\0')
		n--;
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

/* Text of a property (caller frees), NULL when absent. */
static char *text(const mbx_props *b, mbx_propkey k)
{
	char *s = NULL;

	if (mbx_props_utf8(b, &k, 0, &s) < 0)
		return NULL;
	return s;
}

static char *text2(const mbx_props *b, uint16_t a, uint16_t c)
{
	char *s = text(b, MBX_KEY(a));

	return s ? s : text(b, MBX_KEY(c));
}

static void sha_hex(struct sha256_ctx *c, char out[65])
{
	uint8_t d[SHA256_DIGEST_SIZE];
	int i;

	sha256_digest(c, sizeof(d), d);
	for (i = 0; i < SHA256_DIGEST_SIZE; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

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

static void prop_text(const char *path, const char *subject, const char *key, const mbx_props *b, mbx_propkey k)
{
	char *s = text(b, k);

	prop(path, subject, key, s && *s ? s : NULL);   /* empty as absent, as libpst gives it */
	mbx_free(s);
}

static void prop_time(const char *path, const char *subject, const char *key, const mbx_props *b, mbx_propkey k)
{
	int64_t t;
	time_t secs;
	struct tm tm;
	char buf[32];

	if (mbx_props_time(b, &k, &t) < 0)
		return;
	secs = (time_t)t;
	gmtime_r(&secs, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
	prop(path, subject, key, buf);
}

static void details(const char *path, const char *subject, const mbx_props *b, const char *cls)
{
	if (cls && strncmp(cls, "IPM.Appointment", 15) == 0) {
		mbx_propkey k = MBX_LIDKEY(MBX_PSETID_APPOINTMENT, MBX_LID_BUSY_STATUS);
		uint32_t busy;
		char buf[16];

		prop_time(path, subject, "start", b, MBX_LIDKEY(MBX_PSETID_APPOINTMENT, MBX_LID_APPOINTMENT_START_WHOLE));
		prop_time(path, subject, "end", b, MBX_LIDKEY(MBX_PSETID_APPOINTMENT, MBX_LID_APPOINTMENT_END_WHOLE));
		prop_text(path, subject, "location", b, MBX_LIDKEY(MBX_PSETID_APPOINTMENT, MBX_LID_LOCATION));
		if (mbx_props_u32(b, &k, &busy) == 0) {
			snprintf(buf, sizeof(buf), "%d", (int)busy);
			prop(path, subject, "busy", buf);
		}
	}
	if (cls && strncmp(cls, "IPM.Contact", 11) == 0) {
		prop_text(path, subject, "file-as", b, MBX_LIDKEY(MBX_PSETID_ADDRESS, MBX_LID_FILE_UNDER));
		prop_text(path, subject, "given", b, MBX_KEY(MBX_PID_TAG_GIVEN_NAME));
		prop_text(path, subject, "surname", b, MBX_KEY(MBX_PID_TAG_SURNAME));
		prop_text(path, subject, "company", b, MBX_KEY(MBX_PID_TAG_COMPANY_NAME));
		prop_text(path, subject, "title", b, MBX_KEY(MBX_PID_TAG_TITLE));
		prop_text(path, subject, "email1", b, MBX_LIDKEY(MBX_PSETID_ADDRESS, MBX_LID_EMAIL1_EMAIL_ADDRESS));
		prop_text(path, subject, "email2", b, MBX_LIDKEY(MBX_PSETID_ADDRESS, MBX_LID_EMAIL2_EMAIL_ADDRESS));
		prop_text(path, subject, "email3", b, MBX_LIDKEY(MBX_PSETID_ADDRESS, MBX_LID_EMAIL3_EMAIL_ADDRESS));
		prop_text(path, subject, "business-phone", b, MBX_KEY(MBX_PID_TAG_BUSINESS_TELEPHONE_NUMBER));
		prop_text(path, subject, "home-phone", b, MBX_KEY(MBX_PID_TAG_HOME_TELEPHONE_NUMBER));
		prop_text(path, subject, "mobile-phone", b, MBX_KEY(MBX_PID_TAG_MOBILE_TELEPHONE_NUMBER));
	}
	if (cls && strncmp(cls, "IPM.Task", 8) == 0) {
		mbx_propkey k = MBX_LIDKEY(MBX_PSETID_TASK, MBX_LID_PERCENT_COMPLETE);
		const mbx_prop *p = mbx_props_get(b, &k);

		prop_time(path, subject, "task-start", b, MBX_LIDKEY(MBX_PSETID_TASK, MBX_LID_TASK_START_DATE));
		prop_time(path, subject, "task-due", b, MBX_LIDKEY(MBX_PSETID_TASK, MBX_LID_TASK_DUE_DATE));
		if (p && p->type == MBX_PT_DOUBLE && p->len == 8) {
			double d;
			char buf[16];

			memcpy(&d, mbx_props_val(b, p), 8);
			snprintf(buf, sizeof(buf), "%d", (int)(d * 100 + 0.5));
			prop(path, subject, "percent", buf);
		}
	}
}

/* A subject stored with its prefix length ("\x01" and a count,
 * [MS-OXCMSG] 2.2.1.46): the text after it, as the other readers give. */
static char *subject_of(const mbx_props *b)
{
	char *subject = text(b, MBX_KEY(MBX_PID_TAG_SUBJECT)), *s;

	if (subject && subject[0] == 1 && subject[1]) {
		s = mbx_strdup(subject + 2);
		mbx_free(subject);
		subject = s;
	}
	return subject;
}

static size_t att_count(const mbx_pstprop_msg *m)
{
	size_t i, n = 0;

	for (i = 0; i < m->natt; i++)
		if (m->att[i].method != MBX_ATTACH_NONE)
			n++;
	return n;
}

static void message(const char *path, const mbx_pstprop_msg *m)
{
	const mbx_props *b = &m->bag.props;
	char *subject = subject_of(b), *s, *cls, sha[65];
	struct sha256_ctx c;
	size_t i;

	fputs("M\t", stdout);
	put_str(path);
	putchar('\t');
	put_str(subject);
	putchar('\t');
	s = text2(b, MBX_PID_TAG_SENDER_NAME, MBX_PID_TAG_SENT_REPRESENTING_NAME);
	put_str(s);
	mbx_free(s);
	putchar('\t');
	s = text2(b, MBX_PID_TAG_SENDER_EMAIL_ADDRESS, MBX_PID_TAG_SENT_REPRESENTING_EMAIL_ADDRESS);
	put_str(s);
	mbx_free(s);
	putchar('\t');
	cls = text(b, MBX_KEY(MBX_PID_TAG_MESSAGE_CLASS));
	put_str(cls);
	putchar('\t');
	if ((s = text(b, MBX_KEY(MBX_PID_TAG_BODY))) != NULL) {
		size_t n = strlen(s);

		sha256_init(&c);
		sha256_update(&c, n, (const uint8_t *)s);
		sha_hex(&c, sha);
		fputs(sha, stdout);
		mbx_free(s);
	} else {
		putchar('-');
	}
	printf("\t%zu\t%zu\n", m->nrcpt, att_count(m));
	if (want_details)
		details(path, subject, b, cls);
	for (i = 0; i < m->nrcpt; i++) {
		const mbx_props *r = &m->rcpt[i].props;
		uint32_t type = 0;
		mbx_propkey k = MBX_KEY(MBX_PID_TAG_RECIPIENT_TYPE);

		mbx_props_u32(r, &k, &type);
		fputs("R\t", stdout);
		put_str(path);
		putchar('\t');
		put_str(subject);
		printf("\t%s\t", (type & 0xFF) == MBX_MAPI_CC ? "cc" : (type & 0xFF) == MBX_MAPI_BCC ? "bcc" : "to");
		s = text(r, MBX_KEY(MBX_PID_TAG_DISPLAY_NAME));
		put_str(s);
		mbx_free(s);
		putchar('\t');
		s = text(r, MBX_KEY(MBX_PID_TAG_EMAIL_ADDRESS));
		put_str(s);
		mbx_free(s);
		putchar('\n');
	}
	for (i = 0; i < m->natt; i++) {
		const mbx_pstprop_attach *a = &m->att[i];

		if (a->method == MBX_ATTACH_EMBEDDED_MSG) {
			char *es;

			if (!a->embedded)
				continue;
			es = subject_of(&a->embedded->bag.props);
			fputs("E\t", stdout);
			put_str(path);
			putchar('\t');
			put_str(subject);
			putchar('\t');
			put_str(es);
			printf("\t%zu\t%zu\n", a->embedded->nrcpt, att_count(a->embedded));
			mbx_free(es);
		} else if (a->method != MBX_ATTACH_NONE) {
			unsigned char buf[65536];
			uint64_t off = 0;
			size_t got;

			sha256_init(&c);
			while (mbx_pstprop_attach_read(pp, a, off, buf, sizeof(buf), &got) == 0 && got) {
				sha256_update(&c, got, buf);
				off += got;
			}
			sha_hex(&c, sha);
			fputs("A\t", stdout);
			put_str(path);
			putchar('\t');
			put_str(subject);
			putchar('\t');
			s = text2(&a->bag.props, MBX_PID_TAG_ATTACH_LONG_FILENAME, MBX_PID_TAG_ATTACH_FILENAME);
			put_str(s);
			mbx_free(s);
			printf("\t%llu\t%s\n", (unsigned long long)off, sha);
		}
	}
	mbx_free(cls);
	mbx_free(subject);
}

int main(int argc, char **argv)
{
	const mbx_pstprop_bag *st;
	const mbx_prop *e;
	mbx_propkey k = MBX_KEY(MBX_PID_TAG_IPM_SUB_TREE_ENTRY_ID);
	uint32_t top = PST_NID_IPM_SUBTREE;
	unsigned top_depth = 0;
	int in_top = 0;
	size_t f, i;

	if (argc != 2) {
		fprintf(stderr, "usage: pstdesc-pstprop FILE.pst\n");
		return 2;
	}
	want_details = getenv("PSTDESC_DETAILS") && strcmp(getenv("PSTDESC_DETAILS"), "1") == 0;
	if (mbx_pstprop_open(&pp, argv[1], 0) < 0) {
		fprintf(stderr, "pstdesc-pstprop: %s\n", mbx_error_last());
		return 2;
	}
	st = mbx_pstprop_store_bag(pp);
	if ((e = mbx_props_get(&st->props, &k)) != NULL && e->len >= 24)
		memcpy(&top, mbx_props_val(&st->props, e) + 20, 4);
	for (f = 0; f < mbx_pstprop_folder_count(pp); f++) {
		const mbx_pstprop_folder *fo = mbx_pstprop_folder_at(pp, f);
		uint32_t *nids;
		size_t n;
		char *path;

		if (fo->nid == top) {
			in_top = 1;
			top_depth = fo->depth;
		} else if (in_top && fo->depth <= top_depth) {
			in_top = 0;
		}
		if (!in_top || fo->kind != MBX_PSTPROP_FOLDER_NORMAL)
			continue;
		/* the path below the IPM subtree: after the subtree's own path */
		{
			const mbx_pstprop_folder *t = mbx_pstprop_folder_find(pp, top);
			size_t tl = strlen(t->path);

			path = mbx_strdup(fo->nid == top ? "" : tl ? fo->path + tl + 1 : fo->path);
		}
		mbx_pstprop_folder_contents(pp, fo->nid, 0, &nids, &n);
		if (fo->nid != top) {
			fputs("F\t", stdout);
			put_str(path);
			printf("\t%zu\n", n);
		}
		for (i = 0; i < n; i++) {
			mbx_pstprop_msg *m;

			if (mbx_pstprop_message_read(pp, nids[i], &m) == 0) {
				message(path, m);
				mbx_pstprop_message_free(m);
			}
		}
		mbx_free(nids);
		mbx_free(path);
	}
	for (i = 0; i < mbx_pstprop_damage_count(pp); i++)
		fprintf(stderr, "pstdesc-pstprop: %s: %s\n", mbx_pstprop_damage_at(pp, i)->object,
		        mbx_pstprop_damage_at(pp, i)->what);
	i = mbx_pstprop_damage_count(pp);
	mbx_pstprop_free(pp);
	return i ? 1 : 0;
}
