/*
 * tests/pst-richsource OUT.pst [--store DB ALIAS] [--many N] [--bad-value] [--altered]
 *
 * A source PST holding what the shared reference files lack, written by
 * our writer from property bags (every bag whole, as a PST held it):
 *
 *   Inbox     RTF-only bodies (PidTagRtfCompressed LZFu, and the
 *             uncompressed MELA form); an HTML body with inline cid:
 *             images (attachments with PidTagAttachContentId, hidden);
 *             a delegated sender (sent-representing is not the sender);
 *             PidTagInternetCodepage 65001 with PidTagMessageCodepage 1252;
 *             PidTagConversationIndex; times with 100 ns fractions; EX
 *             recipients with PidTagSmtpAddress; a message of unknown
 *             tags, an unknown named-property set (numeric and string
 *             names), a string name of PS_INTERNET_HEADERS, every fixed
 *             size type, multi-valued types and an undefined type (raw
 *             bytes); an embedded message with its own recipient and
 *             attachment; an associated (FAI) item
 *   Calendar  a weekly (Mondays) and a daily recurring appointment with
 *             PidLidAppointmentRecur per [MS-OXOCAL] 2.2.1.44; a meeting
 *             request with a response status and attendee strings
 *   Many      one message with N recipients and N attachments (--many,
 *             default 1000)
 *
 * With --store the same objects (the same bags) go into a new store file
 * DB as mailbox ALIAS (with its directory entry), so that `mbxrescue
 * export` of it must give OUT.pst back, property for property.  With
 * --bad-value the store copy of the HTML message also holds a value of the
 * wrong size for its type (PidTagImportance of 3 bytes), which the export
 * must report and leave out (the store's column is written directly: no
 * API makes such a bag).  With --altered the store then no longer holds
 * what OUT.pst does: the weekly appointment's PidLidLocation is "Room 5.01"
 * there, and the bytes of contract.pdf (in the embedded message) are
 * zeros; the property-level verification must name both.  Exit 0, 1 on
 * failure.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "mbx/common.h"
#include "mbx/pst.h"
#include "mbx/props.h"
#include "mbx/rtf.h"
#include "mbx/store.h"

#define FT_1601 116444736000000000ULL

/* A FILETIME of Unix seconds t and a fraction of a second (100 ns units). */
static uint64_t ft(int64_t t, uint32_t frac)
{
	return (uint64_t)t * 10000000ULL + FT_1601 + frac;
}

static const unsigned char own_set[16] = {
	0xDE, 0xC0, 0xAD, 0x0B, 0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC, 0xDE, 0xF0, 0x01, 0x02, 0x03, 0x04 };

static int failed;

static void chk(int rc, const char *what)
{
	if (rc < 0) {
		fprintf(stderr, "pst-richsource: %s: %s\n", what, mbx_error_last());
		failed = 1;
	}
}

static void p_str(mbx_props *b, uint16_t id, const char *s)
{
	chk(mbx_props_set_utf8(b, &MBX_KEY(id), s), "a string");
}

static void p_u32(mbx_props *b, uint16_t id, uint16_t type, uint32_t v)
{
	chk(mbx_props_set_u32(b, &MBX_KEY(id), type, v), "an integer");
}

static void p_raw(mbx_props *b, uint16_t id, uint16_t type, const void *v, size_t len)
{
	chk(mbx_props_set(b, &MBX_KEY(id), type, v, len), "a value");
}

static void p_time(mbx_props *b, uint16_t id, uint64_t t)
{
	chk(mbx_props_set_i64(b, &MBX_KEY(id), MBX_PT_SYSTIME, (int64_t)t), "a time");
}

static void n_raw(mbx_props *b, const char *set, uint32_t lid, uint16_t type, const void *v, size_t len)
{
	chk(mbx_props_set(b, &MBX_LIDKEY(set, lid), type, v, len), "a named value");
}

static void n_str(mbx_props *b, const char *set, uint32_t lid, const char *s)
{
	chk(mbx_props_set_utf8(b, &MBX_LIDKEY(set, lid), s), "a named string");
}

static void n_u32(mbx_props *b, const char *set, uint32_t lid, uint16_t type, uint32_t v)
{
	chk(mbx_props_set_u32(b, &MBX_LIDKEY(set, lid), type, v), "a named integer");
}

static void n_time(mbx_props *b, const char *set, uint32_t lid, uint64_t t)
{
	chk(mbx_props_set_i64(b, &MBX_LIDKEY(set, lid), MBX_PT_SYSTIME, (int64_t)t), "a named time");
}

/* ---- the objects ------------------------------------------------------------ */

typedef struct src_folder {
	const char *name;
	const char *klass;
	mbx_folder_role role;
	mbx_props bag;
	mbx_message **msgs;
	size_t n;
	mbx_pst_nid nid;
} src_folder;

static mbx_message *msg_new(const char *klass, const char *subject, int64_t t)
{
	mbx_message *m = mbx_calloc(1, sizeof(*m));
	char *marked = mbx_asprintf("\x01\x01%s", subject);

	p_str(&m->bag, MBX_PID_TAG_MESSAGE_CLASS, klass);
	p_str(&m->bag, MBX_PID_TAG_SUBJECT, marked);
	p_str(&m->bag, MBX_PID_TAG_NORMALIZED_SUBJECT, subject);
	p_str(&m->bag, MBX_PID_TAG_CONVERSATION_TOPIC, subject);
	p_time(&m->bag, MBX_PID_TAG_CLIENT_SUBMIT_TIME, ft(t, 1234567));
	p_time(&m->bag, MBX_PID_TAG_MESSAGE_DELIVERY_TIME, ft(t + 61, 7654321));
	p_time(&m->bag, MBX_PID_TAG_CREATION_TIME, ft(t + 62, 1));
	p_time(&m->bag, MBX_PID_TAG_LAST_MODIFICATION_TIME, ft(t + 63, 9999999));
	p_u32(&m->bag, MBX_PID_TAG_MESSAGE_FLAGS, MBX_PT_LONG, MBX_MSG_READ);
	p_u32(&m->bag, MBX_PID_TAG_IMPORTANCE, MBX_PT_LONG, 1);
	mbx_free(marked);
	return m;
}

static void sender(mbx_message *m, const char *name, const char *addr, const char *rep_name,
                   const char *rep_addr)
{
	p_str(&m->bag, MBX_PID_TAG_SENDER_NAME, name);
	p_str(&m->bag, MBX_PID_TAG_SENDER_EMAIL_ADDRESS, addr);
	p_str(&m->bag, MBX_PID_TAG_SENDER_ADDRESS_TYPE, "SMTP");
	p_str(&m->bag, MBX_PID_TAG_SENDER_SMTP_ADDRESS, addr);
	p_str(&m->bag, MBX_PID_TAG_SENT_REPRESENTING_NAME, rep_name);
	p_str(&m->bag, MBX_PID_TAG_SENT_REPRESENTING_EMAIL_ADDRESS, rep_addr);
	p_str(&m->bag, MBX_PID_TAG_SENT_REPRESENTING_ADDRESS_TYPE, "SMTP");
	p_str(&m->bag, MBX_PID_TAG_SENT_REPRESENTING_SMTP_ADDRESS, rep_addr);
}

static mbx_msg_recipient *rcpt_add(mbx_message *m, int type, const char *name, const char *ex_dn,
                                   const char *smtp)
{
	mbx_msg_recipient *r;
	unsigned char eid[28];
	size_t i;

	m->recipients = mbx_reallocarray(m->recipients, m->n_recipients + 1, sizeof(*m->recipients));
	r = &m->recipients[m->n_recipients++];
	memset(r, 0, sizeof(*r));
	p_u32(&r->bag, MBX_PID_TAG_RECIPIENT_TYPE, MBX_PT_LONG, (uint32_t)type);
	p_str(&r->bag, MBX_PID_TAG_DISPLAY_NAME, name);
	p_u32(&r->bag, MBX_PID_TAG_OBJECT_TYPE, MBX_PT_LONG, 6);
	p_u32(&r->bag, MBX_PID_TAG_DISPLAY_TYPE, MBX_PT_LONG, 0);
	if (ex_dn) {
		p_str(&r->bag, MBX_PID_TAG_ADDRESS_TYPE, "EX");
		p_str(&r->bag, MBX_PID_TAG_EMAIL_ADDRESS, ex_dn);
		/* an address book entry ID: flags, the provider's UID, then
		 * something of the entry (made up) */
		for (i = 0; i < sizeof(eid); i++)
			eid[i] = (unsigned char)(i * 7 + m->n_recipients);
		memset(eid, 0, 4);
		p_raw(&r->bag, MBX_PID_TAG_ENTRY_ID, MBX_PT_BINARY, eid, sizeof(eid));
	} else {
		p_str(&r->bag, MBX_PID_TAG_ADDRESS_TYPE, "SMTP");
		p_str(&r->bag, MBX_PID_TAG_EMAIL_ADDRESS, smtp);
	}
	p_str(&r->bag, MBX_PID_TAG_SMTP_ADDRESS, smtp);
	p_u32(&r->bag, MBX_PID_TAG_RESPONSIBILITY, MBX_PT_BOOLEAN, 1);
	return r;
}

static mbx_attachment *att_add(mbx_message *m, const char *name, const char *mime, const void *data,
                               size_t len)
{
	mbx_attachment *a;

	m->attachments = mbx_reallocarray(m->attachments, m->n_attachments + 1, sizeof(*m->attachments));
	a = &m->attachments[m->n_attachments++];
	memset(a, 0, sizeof(*a));
	p_u32(&a->bag, MBX_PID_TAG_ATTACH_METHOD, MBX_PT_LONG, 1);
	p_str(&a->bag, MBX_PID_TAG_ATTACH_LONG_FILENAME, name);
	p_str(&a->bag, MBX_PID_TAG_DISPLAY_NAME, name);
	if (mime)
		p_str(&a->bag, MBX_PID_TAG_ATTACH_MIME_TAG, mime);
	p_u32(&a->bag, MBX_PID_TAG_RENDERING_POSITION, MBX_PT_LONG, 0xFFFFFFFFu);
	p_time(&a->bag, MBX_PID_TAG_LAST_MODIFICATION_TIME, ft(1704700000, 5555555));
	if (data) {
		void *copy = mbx_malloc(len ? len : 1);

		memcpy(copy, data, len);
		a->data = copy;
		a->size = (int64_t)len;
	}
	return a;
}

/* The display lists, as a PST has them. */
static void display_lists(mbx_message *m)
{
	static const uint16_t ids[3] = { MBX_PID_TAG_DISPLAY_TO, MBX_PID_TAG_DISPLAY_CC, MBX_PID_TAG_DISPLAY_BCC };
	char *l[3] = { NULL, NULL, NULL };
	size_t i;

	for (i = 0; i < m->n_recipients; i++) {
		uint32_t t = 1;
		char *name = NULL;

		mbx_props_u32(&m->recipients[i].bag, &MBX_KEY(MBX_PID_TAG_RECIPIENT_TYPE), &t);
		mbx_props_utf8(&m->recipients[i].bag, &MBX_KEY(MBX_PID_TAG_DISPLAY_NAME), 0, &name);
		if (t >= 1 && t <= 3 && name) {
			char *j = l[t - 1] ? mbx_asprintf("%s; %s", l[t - 1], name) : mbx_strdup(name);

			mbx_free(l[t - 1]);
			l[t - 1] = j;
		}
		mbx_free(name);
	}
	for (i = 0; i < 3; i++) {
		p_str(&m->bag, ids[i], l[i] ? l[i] : "");
		mbx_free(l[i]);
	}
}

static void le16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static void le32(unsigned char *p, uint32_t v)
{
	le16(p, (uint16_t)v);
	le16(p + 2, (uint16_t)(v >> 16));
}

/* Minutes since 1601-01-01 of Unix seconds t. */
static uint32_t minutes(int64_t t)
{
	return (uint32_t)((t + 11644473600LL) / 60);
}

/*
 * PidLidAppointmentRecur: an AppointmentRecurrencePattern ([MS-OXOCAL]
 * 2.2.1.44.1 and 2.2.1.44.5) without exceptions.  weekly: every week on
 * the weekdays of mask (bit 0 Sunday, bit 1 Monday, ...); else daily.
 * start: the first day at 00:00 (Unix seconds); n occurrences; the
 * instance from start_min to end_min minutes after midnight.
 */
static size_t recur_blob(unsigned char *b, int weekly, uint32_t mask, int64_t start, uint32_t n,
                         uint32_t start_min, uint32_t end_min)
{
	uint32_t sd = minutes(start), period = weekly ? 1 : 1440;
	size_t k = 0;

	le16(b + k, 0x3004); k += 2;                       /* ReaderVersion */
	le16(b + k, 0x3004); k += 2;                       /* WriterVersion */
	le16(b + k, weekly ? 0x200B : 0x200A); k += 2;     /* RecurFrequency */
	le16(b + k, weekly ? 1 : 0); k += 2;               /* PatternType: Week, Day */
	le16(b + k, 0); k += 2;                            /* CalendarType: Gregorian */
	/* FirstDateTime: daily, the start date modulo the period; weekly, the
	 * first day of the start's week (FirstDOW Sunday) modulo the period */
	if (weekly) {
		uint32_t dow = (uint32_t)(((start / 86400) + 4) % 7);   /* 1970-01-01 was a Thursday */

		le32(b + k, (sd - dow * 1440) % (period * 10080));
	} else {
		le32(b + k, sd % period);
	}
	k += 4;
	le32(b + k, period); k += 4;                       /* Period: weeks, or minutes */
	le32(b + k, 0); k += 4;                            /* SlidingFlag */
	if (weekly) {
		le32(b + k, mask);                         /* PatternTypeSpecific: the days */
		k += 4;
	}
	le32(b + k, 0x2022); k += 4;                       /* EndType: after n occurrences */
	le32(b + k, n); k += 4;                            /* OccurrenceCount */
	le32(b + k, 0); k += 4;                            /* FirstDOW: Sunday */
	le32(b + k, 0); k += 4;                            /* DeletedInstanceCount */
	le32(b + k, 0); k += 4;                            /* ModifiedInstanceCount */
	le32(b + k, sd); k += 4;                           /* StartDate */
	le32(b + k, sd + (n - 1) * (weekly ? 10080 : 1440)); k += 4;   /* EndDate */
	le32(b + k, 0x3006); k += 4;                       /* ReaderVersion2 */
	le32(b + k, 0x3009); k += 4;                       /* WriterVersion2 */
	le32(b + k, start_min); k += 4;                    /* StartTimeOffset */
	le32(b + k, end_min); k += 4;                      /* EndTimeOffset */
	le16(b + k, 0); k += 2;                            /* ExceptionCount */
	le32(b + k, 0); k += 4;                            /* ReservedBlock1Size */
	le32(b + k, 0); k += 4;                            /* ReservedBlock2Size */
	return k;
}

/* A multi-valued variable-size value ([MS-PST] 2.3.3.4.2): ulCount, the
 * offsets, then the values. */
static size_t mv_var(unsigned char *out, const void *const *v, const size_t *len, size_t n)
{
	size_t k = 4 + 4 * n, i;

	le32(out, (uint32_t)n);
	for (i = 0; i < n; i++) {
		le32(out + 4 + 4 * i, (uint32_t)k);
		memcpy(out + k, v[i], len[i]);
		k += len[i];
	}
	return k;
}

static void appointment(mbx_message *m, int64_t start, int64_t end)
{
	const char *a = MBX_PSETID_APPOINTMENT;

	n_time(&m->bag, a, MBX_LID_APPOINTMENT_START_WHOLE, ft(start, 0));
	n_time(&m->bag, a, MBX_LID_APPOINTMENT_END_WHOLE, ft(end, 0));
	n_u32(&m->bag, a, MBX_LID_BUSY_STATUS, MBX_PT_LONG, 2);
	n_str(&m->bag, a, MBX_LID_LOCATION, "Room 4.12");
	n_u32(&m->bag, a, 0x8215, MBX_PT_BOOLEAN, 0);   /* PidLidAppointmentSubType */
}

static void recurring(mbx_message *m, int weekly, int64_t day, uint32_t n, const char *text)
{
	const char *a = MBX_PSETID_APPOINTMENT;
	unsigned char blob[128];
	size_t len = recur_blob(blob, weekly, 0x02, day, n, 10 * 60, 10 * 60 + 30);

	appointment(m, day + 36000, day + 37800);
	n_raw(&m->bag, a, 0x8216, MBX_PT_BINARY, blob, len);              /* PidLidAppointmentRecur */
	n_u32(&m->bag, a, MBX_LID_RECURRING, MBX_PT_BOOLEAN, 1);
	n_u32(&m->bag, a, 0x8231, MBX_PT_LONG, weekly ? 2 : 1);          /* PidLidRecurrenceType */
	n_str(&m->bag, a, MBX_LID_RECURRENCE_PATTERN, text);
	n_time(&m->bag, a, MBX_LID_CLIP_START, ft(day, 0));
	n_time(&m->bag, a, MBX_LID_CLIP_END, ft(day + (int64_t)(n - 1) * (weekly ? 604800 : 86400), 0));
}

static void build(src_folder *f, size_t nf, mbx_props *store_bag, long many)
{
	const int64_t t0 = 1704700000;   /* 2024-01-08 */
	mbx_message *m, *e;
	mbx_attachment *a;
	unsigned char buf[512];
	size_t i, len;

	p_str(store_bag, MBX_PID_TAG_DISPLAY_NAME, "Rich source");
	(void)nf;

	/* Deleted Items (the PST's own) */
	f[0].name = "Deleted Items";
	f[0].klass = "IPF.Note";
	f[0].role = MBX_ROLE_DELETED;
	p_str(&f[0].bag, MBX_PID_TAG_DISPLAY_NAME, "Deleted Items");
	p_str(&f[0].bag, MBX_PID_TAG_CONTAINER_CLASS, "IPF.Note");
	p_str(&f[0].bag, MBX_PID_TAG_COMMENT, "Deleted Items folder");

	/* Inbox */
	f[1].name = "Inbox";
	f[1].klass = "IPF.Note";
	f[1].role = MBX_ROLE_INBOX;
	p_str(&f[1].bag, MBX_PID_TAG_DISPLAY_NAME, "Inbox");
	p_str(&f[1].bag, MBX_PID_TAG_CONTAINER_CLASS, "IPF.Note");
	p_time(&f[1].bag, MBX_PID_TAG_CREATION_TIME, ft(t0 - 86400, 3141592));
	p_u32(&f[1].bag, 0x6635, MBX_PT_LONG, 0x0007);   /* unknown to MAPI: kept */
	p_u32(&f[1].bag, MBX_PID_TAG_ATTRIBUTE_HIDDEN, MBX_PT_BOOLEAN, 0);
	f[1].msgs = mbx_calloc(8, sizeof(*f[1].msgs));

	/* RTF only, LZFu */
	{
		static const char rtf[] = "{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0 Arial;}}"
		                          "\\f0\\fs20 Only RTF here, {\\b bold} and {\\i italic}.\\par}";
		unsigned char *c;
		size_t cl;

		m = msg_new("IPM.Note", "RTF only (LZFu)", t0);
		sender(m, "Adams, Mary", "madams@contoso.com", "Adams, Mary", "madams@contoso.com");
		rcpt_add(m, 1, "Brown, David", NULL, "dbrown@contoso.com");
		mbx_rtf_compress(rtf, sizeof(rtf) - 1, 1, &c, &cl);
		p_raw(&m->bag, MBX_PID_TAG_RTF_COMPRESSED, MBX_PT_BINARY, c, cl);
		mbx_free(c);
		p_u32(&m->bag, MBX_PID_TAG_RTF_IN_SYNC, MBX_PT_BOOLEAN, 1);
		display_lists(m);
		f[1].msgs[f[1].n++] = m;

		m = msg_new("IPM.Note", "RTF only (MELA)", t0 + 100);
		sender(m, "Adams, Mary", "madams@contoso.com", "Adams, Mary", "madams@contoso.com");
		rcpt_add(m, 1, "Brown, David", NULL, "dbrown@contoso.com");
		mbx_rtf_compress(rtf, sizeof(rtf) - 1, 0, &c, &cl);
		p_raw(&m->bag, MBX_PID_TAG_RTF_COMPRESSED, MBX_PT_BINARY, c, cl);
		mbx_free(c);
		p_u32(&m->bag, MBX_PID_TAG_RTF_IN_SYNC, MBX_PT_BOOLEAN, 0);
		display_lists(m);
		f[1].msgs[f[1].n++] = m;
	}

	/* HTML with inline images; delegated sender; code pages; EX recipients */
	{
		static const char html[] = "<html><head><meta charset=\"utf-8\"></head><body>"
		                           "<p>Caf\xC3\xA9 menu: <img src=\"cid:logo@contoso.example\"></p>"
		                           "<p>Chart: <img src=\"cid:chart@contoso.example\"></p></body></html>";
		static const unsigned char conv[22] = { 0x01, 0xD9, 0x42, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
		                                        0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF, 0x00, 0x10,
		                                        0x20, 0x30 };
		static const char *const cids[2] = { "logo@contoso.example", "chart@contoso.example" };
		int k;

		m = msg_new("IPM.Note", "Inline images, sent on behalf", t0 + 200);
		sender(m, "Assistant, Anna", "aassistant@contoso.com", "Boss, Bob", "bboss@contoso.com");
		p_raw(&m->bag, MBX_PID_TAG_HTML, MBX_PT_BINARY, html, sizeof(html) - 1);
		p_u32(&m->bag, MBX_PID_TAG_INTERNET_CODEPAGE, MBX_PT_LONG, 65001);
		p_u32(&m->bag, MBX_PID_TAG_MESSAGE_CODEPAGE, MBX_PT_LONG, 1252);
		p_raw(&m->bag, MBX_PID_TAG_CONVERSATION_INDEX, MBX_PT_BINARY, conv, sizeof(conv));
		p_str(&m->bag, MBX_PID_TAG_INTERNET_MESSAGE_ID, "<inline.1@contoso.example>");
		rcpt_add(m, 1, "Smith, John", "/o=Contoso/ou=HQ/cn=Recipients/cn=JSmith", "jsmith@contoso.com");
		rcpt_add(m, 2, "Chen, Wei (\xE9\x99\x88\xE4\xBC\x9F)", "/o=Contoso/ou=HQ/cn=Recipients/cn=WChen",
		         "wchen@contoso.com");
		rcpt_add(m, 3, "Outside, Olga", NULL, "olga@fornecedor.example");
		for (k = 0; k < 2; k++) {
			static const unsigned char png[8] = { 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A };
			char name[32];

			memcpy(buf, png, 8);
			for (i = 8; i < 300; i++)
				buf[i] = (unsigned char)(i * (k + 3));
			snprintf(name, sizeof(name), "image%03d.png", k + 1);
			a = att_add(m, name, "image/png", buf, 300);
			p_str(&a->bag, MBX_PID_TAG_ATTACH_CONTENT_ID, cids[k]);
			p_u32(&a->bag, MBX_PID_TAG_ATTACHMENT_HIDDEN, MBX_PT_BOOLEAN, 1);
			p_u32(&a->bag, MBX_PID_TAG_ATTACH_FLAGS, MBX_PT_LONG, 4);   /* ATT_MHTML_REF */
		}
		p_u32(&m->bag, MBX_PID_TAG_MESSAGE_FLAGS, MBX_PT_LONG, MBX_MSG_READ | MBX_MSG_HASATTACH);
		display_lists(m);
		f[1].msgs[f[1].n++] = m;
	}

	/* unknown tags and sets, every fixed-size type, multi-valued, undefined */
	{
		static const unsigned char cur[8] = { 0x10, 0x27, 0, 0, 0, 0, 0, 0 };   /* 1.0000 */
		static const unsigned char apptime[8] = { 0, 0, 0, 0, 0, 0x60, 0xE5, 0x40 };
		static const unsigned char clsid[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
		static const unsigned char odd[5] = { 0xCA, 0xFE, 0xBA, 0xBE, 0x00 };
		static const unsigned char svreid[21] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A,
		                                          0x0B, 0x0C, 0x0D, 0x0E, 0x0F, 0x10, 0x11, 0x12, 0x13, 0x14,
		                                          0x15 };
		const char *strs[3] = { "one", "zw\xC3\xB6lf", "\xE4\xB8\x89" };
		const void *vals[3];
		size_t lens[3];
		unsigned char *w[3], mv[256], longs[12];
		int k;

		m = msg_new("IPM.Note", "Odd properties", t0 + 300);
		sender(m, "Adams, Mary", "madams@contoso.com", "Adams, Mary", "madams@contoso.com");
		p_str(&m->bag, MBX_PID_TAG_BODY, "Properties no reader names.");
		p_u32(&m->bag, 0x6123, MBX_PT_LONG, 0x12345678);                  /* unknown tags */
		p_raw(&m->bag, 0x6124, MBX_PT_BINARY, odd, 4);
		p_u32(&m->bag, 0x6125, MBX_PT_SHORT, 0x7FFF);
		p_raw(&m->bag, 0x6126, MBX_PT_CURRENCY, cur, 8);
		p_raw(&m->bag, 0x6127, MBX_PT_APPTIME, apptime, 8);
		p_u32(&m->bag, 0x6128, MBX_PT_ERROR, 0x8004010F);
		chk(mbx_props_set_i64(&m->bag, &MBX_KEY(0x6129), MBX_PT_I8, -1234567890123LL), "I8");
		p_raw(&m->bag, 0x612A, MBX_PT_CLSID, clsid, 16);
		p_raw(&m->bag, 0x612B, 0x00FB, svreid, sizeof(svreid));           /* PtypServerEntryId */
		p_raw(&m->bag, 0x612C, 0x0049, odd, sizeof(odd));                  /* no such type: raw bytes */
		{
			float fl = 1.5f;
			double d = -2.25;

			p_raw(&m->bag, 0x612D, MBX_PT_FLOAT, &fl, 4);
			p_raw(&m->bag, 0x612E, MBX_PT_DOUBLE, &d, 8);
		}
		for (k = 0; k < 3; k++) {
			chk(mbx_utf16_from_utf8(strs[k], strlen(strs[k]), &w[k], &lens[k]), "UTF-16");
			vals[k] = w[k];
		}
		len = mv_var(mv, vals, lens, 3);
		p_raw(&m->bag, 0x6130, 0x101F, mv, len);                           /* PtypMultipleString */
		for (k = 0; k < 3; k++)
			mbx_free(w[k]);
		for (k = 0; k < 3; k++)
			le32(longs + 4 * k, (uint32_t)(k * 1000 - 1));
		p_raw(&m->bag, 0x6131, 0x1003, longs, 12);                         /* PtypMultipleInteger32 */
		vals[0] = odd;
		lens[0] = 5;
		vals[1] = clsid;
		lens[1] = 16;
		len = mv_var(mv, vals, lens, 2);
		p_raw(&m->bag, 0x6132, 0x1102, mv, len);                           /* PtypMultipleBinary */
		n_u32(&m->bag, (const char *)own_set, 0x0001, MBX_PT_LONG, 42);   /* an unknown property set */
		chk(mbx_props_set_utf8(&m->bag, &MBX_NAMEKEY((const char *)own_set, "X-Rescue-Note"), "kept"),
		    "a string name");
		chk(mbx_props_set_utf8(&m->bag, &MBX_NAMEKEY(MBX_PS_INTERNET_HEADERS, "x-mailer"),
		                       "Microsoft Exchange Server 5.5"), "x-mailer");
		rcpt_add(m, 1, "Brown, David", NULL, "dbrown@contoso.com");
		display_lists(m);
		f[1].msgs[f[1].n++] = m;
	}

	/* a forward with an embedded message, which has its own attachment */
	{
		m = msg_new("IPM.Note", "FW: Contract", t0 + 400);
		sender(m, "Adams, Mary", "madams@contoso.com", "Adams, Mary", "madams@contoso.com");
		p_str(&m->bag, MBX_PID_TAG_BODY, "See the attached mail.");
		rcpt_add(m, 1, "Brown, David", NULL, "dbrown@contoso.com");
		e = msg_new("IPM.Note", "Contract", t0 - 3600);
		sender(e, "Lawyer, Lea", "lea@law.example", "Lawyer, Lea", "lea@law.example");
		p_str(&e->bag, MBX_PID_TAG_BODY, "The contract, signed.");
		rcpt_add(e, 1, "Adams, Mary", NULL, "madams@contoso.com");
		for (i = 0; i < sizeof(buf); i++)
			buf[i] = (unsigned char)(i ^ 0x5A);
		att_add(e, "contract.pdf", "application/pdf", buf, sizeof(buf));
		p_u32(&e->bag, MBX_PID_TAG_MESSAGE_FLAGS, MBX_PT_LONG, MBX_MSG_READ | MBX_MSG_HASATTACH);
		display_lists(e);
		a = att_add(m, "Contract", NULL, NULL, 0);
		p_u32(&a->bag, MBX_PID_TAG_ATTACH_METHOD, MBX_PT_LONG, 5);
		mbx_props_remove(&a->bag, &MBX_KEY(MBX_PID_TAG_ATTACH_MIME_TAG));
		a->embedded = e;
		p_u32(&m->bag, MBX_PID_TAG_MESSAGE_FLAGS, MBX_PT_LONG, MBX_MSG_READ | MBX_MSG_HASATTACH);
		display_lists(m);
		f[1].msgs[f[1].n++] = m;
	}

	/* an associated item */
	{
		static const unsigned char dict[12] = { '<', '?', 'x', 'm', 'l', '?', '>', '<', 'a', '/', '>', 0 };

		m = mbx_calloc(1, sizeof(*m));
		p_str(&m->bag, MBX_PID_TAG_MESSAGE_CLASS, "IPM.Configuration.Rescue");
		p_u32(&m->bag, MBX_PID_TAG_MESSAGE_FLAGS, MBX_PT_LONG, MBX_MSG_READ | MBX_MSG_ASSOCIATED);
		p_raw(&m->bag, MBX_PID_TAG_ROAMING_DICTIONARY, MBX_PT_BINARY, dict, sizeof(dict));
		p_time(&m->bag, MBX_PID_TAG_LAST_MODIFICATION_TIME, ft(t0, 42));
		m->associated = 1;
		f[1].msgs[f[1].n++] = m;
	}

	/* Calendar */
	f[2].name = "Calendar";
	f[2].klass = "IPF.Appointment";
	f[2].role = MBX_ROLE_CALENDAR;
	p_str(&f[2].bag, MBX_PID_TAG_DISPLAY_NAME, "Calendar");
	p_str(&f[2].bag, MBX_PID_TAG_CONTAINER_CLASS, "IPF.Appointment");
	f[2].msgs = mbx_calloc(4, sizeof(*f[2].msgs));
	m = msg_new("IPM.Appointment", "Weekly status", t0);
	sender(m, "Adams, Mary", "madams@contoso.com", "Adams, Mary", "madams@contoso.com");
	recurring(m, 1, 1704672000, 10, "every Monday from 10:00 to 10:30");   /* 2024-01-08, a Monday */
	display_lists(m);
	f[2].msgs[f[2].n++] = m;
	m = msg_new("IPM.Appointment", "Daily stand-up", t0 + 10);
	sender(m, "Adams, Mary", "madams@contoso.com", "Adams, Mary", "madams@contoso.com");
	recurring(m, 0, 1704672000, 20, "every day from 10:00 to 10:30");
	display_lists(m);
	f[2].msgs[f[2].n++] = m;
	{
		static const unsigned char goid[36] = {
			0x04, 0x00, 0x00, 0x00, 0x82, 0x00, 0xE0, 0x00, 0x74, 0xC5, 0xB7, 0x10, 0x1A, 0x82, 0xE0, 0x08,
			0, 0, 0, 0, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0, 0, 0, 0, 0, 0, 0, 0 };

		m = msg_new("IPM.Schedule.Meeting.Request", "Budget review", t0 + 20);
		sender(m, "Boss, Bob", "bboss@contoso.com", "Boss, Bob", "bboss@contoso.com");
		appointment(m, t0 + 86400 * 3, t0 + 86400 * 3 + 3600);
		n_u32(&m->bag, MBX_PSETID_APPOINTMENT, MBX_LID_RESPONSE_STATUS, MBX_PT_LONG, 5);   /* not responded */
		n_u32(&m->bag, MBX_PSETID_APPOINTMENT, MBX_LID_INTENDED_BUSY_STATUS, MBX_PT_LONG, 2);
		n_str(&m->bag, MBX_PSETID_APPOINTMENT, MBX_LID_TO_ATTENDEES_STRING, "Adams, Mary; Smith, John");
		n_str(&m->bag, MBX_PSETID_APPOINTMENT, MBX_LID_CC_ATTENDEES_STRING, "Chen, Wei");
		n_raw(&m->bag, MBX_PSETID_MEETING, MBX_LID_GLOBAL_OBJECT_ID, MBX_PT_BINARY, goid, sizeof(goid));
		n_raw(&m->bag, MBX_PSETID_MEETING, MBX_LID_CLEAN_GLOBAL_OBJECT_ID, MBX_PT_BINARY, goid, sizeof(goid));
		n_u32(&m->bag, MBX_PSETID_MEETING, 0x0026, MBX_PT_LONG, 1);   /* PidLidMeetingType: initial */
		p_u32(&m->bag, 0x0C17, MBX_PT_BOOLEAN, 1);                      /* PidTagReplyRequested */
		p_u32(&m->bag, 0x0063, MBX_PT_BOOLEAN, 1);                      /* PidTagResponseRequested */
		rcpt_add(m, 1, "Adams, Mary", "/o=Contoso/ou=HQ/cn=Recipients/cn=MAdams", "madams@contoso.com");
		rcpt_add(m, 1, "Smith, John", "/o=Contoso/ou=HQ/cn=Recipients/cn=JSmith", "jsmith@contoso.com");
		rcpt_add(m, 2, "Chen, Wei", "/o=Contoso/ou=HQ/cn=Recipients/cn=WChen", "wchen@contoso.com");
		display_lists(m);
		f[2].msgs[f[2].n++] = m;
	}

	/* Many: one message with `many` recipients and attachments */
	f[3].name = "Many";
	f[3].klass = "IPF.Note";
	p_str(&f[3].bag, MBX_PID_TAG_DISPLAY_NAME, "Many");
	p_str(&f[3].bag, MBX_PID_TAG_CONTAINER_CLASS, "IPF.Note");
	f[3].msgs = mbx_calloc(1, sizeof(*f[3].msgs));
	m = msg_new("IPM.Note", "To everybody, with everything", t0 + 500);
	sender(m, "Adams, Mary", "madams@contoso.com", "Adams, Mary", "madams@contoso.com");
	p_str(&m->bag, MBX_PID_TAG_BODY, "Many recipients, many attachments.");
	for (i = 0; i < (size_t)many; i++) {
		char name[64], addr[64];

		snprintf(name, sizeof(name), "Receiver %zu", i + 1);
		snprintf(addr, sizeof(addr), "r%zu@contoso.com", i + 1);
		if (i % 2)
			rcpt_add(m, 1 + (int)(i % 3), name, NULL, addr);
		else {
			char dn[96];

			snprintf(dn, sizeof(dn), "/o=Contoso/ou=HQ/cn=Recipients/cn=r%zu", i + 1);
			rcpt_add(m, 1 + (int)(i % 3), name, dn, addr);
		}
	}
	for (i = 0; i < (size_t)many; i++) {
		char name[32];
		size_t j;

		snprintf(name, sizeof(name), "part%04zu.bin", i + 1);
		for (j = 0; j < 64; j++)
			buf[j] = (unsigned char)(i + j * 3);
		att_add(m, name, "application/octet-stream", buf, 16 + i % 48);
	}
	p_u32(&m->bag, MBX_PID_TAG_MESSAGE_FLAGS, MBX_PT_LONG, MBX_MSG_READ | (many ? MBX_MSG_HASATTACH : 0));
	display_lists(m);
	f[3].msgs[f[3].n++] = m;
}

/* ---- the PST --------------------------------------------------------------- */

static int write_msg(mbx_pst_msg *pm, const mbx_message *m);

static int write_parts(mbx_pst_msg *pm, const mbx_message *m)
{
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < m->n_recipients; i++) {
		mbx_pst_recipient r;

		memset(&r, 0, sizeof(r));
		r.props = &m->recipients[i].bag;
		rc = mbx_pst_message_add_recipient(pm, &r);
	}
	for (i = 0; rc == 0 && i < m->n_attachments; i++) {
		const mbx_attachment *a = &m->attachments[i];
		mbx_pst_attach_props ap;

		memset(&ap, 0, sizeof(ap));
		ap.props = &a->bag;
		if (a->embedded) {
			mbx_pst_message_props p;
			mbx_pst_msg *em;

			memset(&p, 0, sizeof(p));
			p.props = &a->embedded->bag;
			rc = mbx_pst_attach_message_begin_props(pm, &ap, &p, &em);
			if (rc == 0)
				rc = write_msg(em, a->embedded);
			continue;
		}
		ap.size = a->size;
		rc = mbx_pst_attach_begin(pm, &ap);
		if (rc == 0 && a->size)
			rc = mbx_pst_attach_write(pm, a->data, (size_t)a->size);
		if (rc == 0)
			rc = mbx_pst_attach_end(pm);
	}
	return rc;
}

static int write_msg(mbx_pst_msg *pm, const mbx_message *m)
{
	int rc = write_parts(pm, m);

	return rc ? rc : mbx_pst_message_end(pm, NULL);
}

static int write_pst(const char *path, src_folder *f, size_t nf, const mbx_props *store_bag)
{
	mbx_pst_opts o;
	mbx_pst *pst;
	size_t i, j;
	int rc;

	mbx_pst_opts_init(&o);
	o.fsync = 0;
	o.store_props = store_bag;
	o.bags_whole = 1;
	rc = mbx_pst_create(&pst, path, &o);
	if (rc)
		return rc;
	for (i = 0; rc == 0 && i < nf; i++) {
		if (f[i].role == MBX_ROLE_DELETED) {
			f[i].nid = mbx_pst_deleted_items(pst);
			rc = mbx_pst_folder_set_props(pst, f[i].nid, &f[i].bag);
		} else {
			rc = mbx_pst_folder_add_props(pst, mbx_pst_top_folder(pst), NULL, NULL, &f[i].bag, &f[i].nid);
		}
		for (j = 0; rc == 0 && j < f[i].n; j++) {
			mbx_pst_message_props p;
			mbx_pst_msg *pm;

			memset(&p, 0, sizeof(p));
			p.props = &f[i].msgs[j]->bag;
			p.associated = f[i].msgs[j]->associated;
			rc = mbx_pst_message_begin(pst, f[i].nid, &p, &pm);
			if (rc == 0)
				rc = write_msg(pm, f[i].msgs[j]);
		}
	}
	if (rc == 0)
		rc = mbx_pst_close(pst);
	mbx_pst_free(pst);
	return rc;
}

/* ---- the store --------------------------------------------------------------- */

/* The fields from the bags, as an import makes them; the data stays. */
static void fields(mbx_message *m)
{
	size_t i, n = m->n_attachments;
	const void **data = mbx_calloc(n ? n : 1, sizeof(*data));
	int64_t *size = mbx_calloc(n ? n : 1, sizeof(*size));

	for (i = 0; i < n; i++) {
		data[i] = m->attachments[i].data;
		size[i] = m->attachments[i].size;
	}
	mbx_message_fields_from_bag(m);
	for (i = 0; i < n; i++) {
		m->attachments[i].data = data[i];
		m->attachments[i].size = size[i];
		if (m->attachments[i].embedded)
			fields(m->attachments[i].embedded);
	}
	mbx_free(data);
	mbx_free((void *)size);
}

/*
 * Change one property of message id's bag in the store's column (plain id,
 * or named by set and lid), value as it is: what a restored store might
 * hold (a value of the wrong size for its type), or a store that no longer
 * matches a file.  The column is a flag byte, then the bag as
 * mbx_props_pack writes it; no API makes such a bag, so sqlite writes it.
 */
static int alter_bag(const char *db, int64_t id, uint16_t pid, const char *set, uint16_t type, const void *v,
                     size_t vlen)
{
	mbx_propkey k = set ? MBX_LIDKEY(set, pid) : MBX_KEY(pid);
	sqlite3 *db3;
	sqlite3_stmt *s;
	mbx_props b;
	unsigned char *blob = NULL;
	size_t len = 0, cap = 0;
	int rc;

	mbx_props_init(&b);
	if (sqlite3_open(db, &db3) != SQLITE_OK)
		return mbx_error_set(MBX_EIO, "sqlite3_open %s", db);
	rc = sqlite3_prepare_v2(db3, "SELECT props FROM message WHERE id = ?", -1, &s, NULL);
	sqlite3_bind_int64(s, 1, id);
	if (rc == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW && sqlite3_column_bytes(s, 0) > 1) {
		const unsigned char *p = sqlite3_column_blob(s, 0);
		size_t n = (size_t)sqlite3_column_bytes(s, 0);

		rc = mbx_props_unpack_keep(&b, p + 1, n - 1, NULL);
		blob = mbx_malloc(1);
		blob[0] = p[0];
		len = cap = 1;
	} else {
		rc = -1;
	}
	sqlite3_finalize(s);
	if (rc == 0) {
		mbx_props_remove(&b, &k);
		mbx_props_set_raw(&b, &k, type, v, vlen);
		mbx_props_pack(&b, &blob, &len, &cap);
		rc = sqlite3_prepare_v2(db3, "UPDATE message SET props = ? WHERE id = ?", -1, &s, NULL);
		sqlite3_bind_blob(s, 1, blob, (int)len, SQLITE_TRANSIENT);
		sqlite3_bind_int64(s, 2, id);
		if (rc == SQLITE_OK && sqlite3_step(s) != SQLITE_DONE)
			rc = -1;
		sqlite3_finalize(s);
	}
	mbx_free(blob);
	mbx_props_clear(&b);
	sqlite3_close(db3);
	return rc != 0 ? mbx_error_set(MBX_EIO, "could not change a bag in %s", db) : 0;
}

/* The store no longer what the file holds: a location, an attachment's bytes. */
static int alter(const char *db, int64_t weekly_id)
{
	unsigned char *w;
	size_t wl;
	sqlite3 *db3;
	int rc;

	if (mbx_utf16_from_utf8("Room 5.01", 9, &w, &wl) < 0)
		return -1;
	rc = alter_bag(db, weekly_id, MBX_LID_LOCATION, MBX_PSETID_APPOINTMENT, MBX_PT_UNICODE, w, wl);
	mbx_free(w);
	if (rc == 0 && sqlite3_open(db, &db3) == SQLITE_OK) {
		if (sqlite3_exec(db3, "UPDATE attachment SET data = zeroblob(size) WHERE filename = 'contract.pdf'",
		                 NULL, NULL, NULL) != SQLITE_OK)
			rc = mbx_error_set(MBX_EIO, "could not change an attachment in %s", db);
		sqlite3_close(db3);
	}
	return rc;
}

static int write_store(const char *db, const char *alias, src_folder *f, size_t nf, const mbx_props *store_bag,
                       int bad_value, int altered)
{
	mbx_server_info si = { (char *)"Contoso", (char *)"HQ", (char *)"EXCH1", (char *)"%a@contoso.com" };
	mbx_store *st;
	mbx_recipient r;
	mbx_mailbox mb;
	char *dn = mbx_asprintf("/o=Contoso/ou=HQ/cn=Recipients/cn=%s", alias);
	char *smtp = mbx_asprintf("%s@contoso.com", alias);
	int64_t mid, bad_id = 0, weekly_id = 0;
	size_t i, j;
	int rc;

	rc = mbx_store_init(db, &si);
	if (rc == 0)
		rc = mbx_store_open(&st, db, 0);
	if (rc)
		return rc;
	rc = mbx_store_begin(st);
	memset(&r, 0, sizeof(r));
	r.display_name = "Rich, Source";
	r.alias = (char *)alias;
	r.dn = dn;
	r.smtp = smtp;
	r.home_server = "EXCH1";
	r.object_class = MBX_OBJ_MAILBOX;
	r.mailbox_guid = "0badc0de-0000-4000-8000-000000000001";
	r.legacy_dn = dn;
	if (rc == 0)
		rc = mbx_store_recipient_add(st, &r, NULL);
	memset(&mb, 0, sizeof(mb));
	mb.guid = r.mailbox_guid;
	mb.display_name = "Rich, Source";
	mb.legacy_dn = dn;
	mb.created_time = 1704700000;
	mbx_props_copy(&mb.bag, store_bag);
	if (rc == 0)
		rc = mbx_store_mailbox_add(st, &mb, &mid);
	mbx_props_clear(&mb.bag);
	for (i = 0; rc == 0 && i < nf; i++) {
		mbx_folder sf;
		int64_t fid;

		memset(&sf, 0, sizeof(sf));
		sf.mailbox_id = mid;
		sf.name = (char *)f[i].name;
		sf.container_class = (char *)f[i].klass;
		sf.role = f[i].role;
		sf.bag = f[i].bag;
		rc = mbx_store_folder_add(st, &sf, &fid);
		for (j = 0; rc == 0 && j < f[i].n; j++) {
			mbx_message *m = f[i].msgs[j];
			int64_t id;

			fields(m);
			m->folder_id = fid;
			rc = mbx_store_message_add(st, m, &id);
			if (m->subject && strcmp(m->subject, "Inline images, sent on behalf") == 0)
				bad_id = id;
			if (m->subject && strcmp(m->subject, "Weekly status") == 0)
				weekly_id = id;
		}
	}
	if (rc == 0)
		rc = mbx_store_mailbox_refresh_counts(st, mid);
	if (rc == 0)
		rc = mbx_store_commit(st);
	else
		mbx_store_rollback(st);
	mbx_store_free(st);
	mbx_free(dn);
	mbx_free(smtp);
	if (rc == 0 && bad_value)
		rc = alter_bag(db, bad_id, MBX_PID_TAG_IMPORTANCE, NULL, MBX_PT_LONG, "\x01\x02\x03", 3);
	if (rc == 0 && altered)
		rc = alter(db, weekly_id);
	return rc;
}

/* The messages do not own their attachments' data: this program does. */
static void free_data(mbx_message *m)
{
	size_t k;

	for (k = 0; k < m->n_attachments; k++) {
		mbx_free((void *)m->attachments[k].data);
		m->attachments[k].data = NULL;
		if (m->attachments[k].embedded)
			free_data(m->attachments[k].embedded);
	}
}

int main(int argc, char **argv)
{
	src_folder f[4];
	mbx_props store_bag;
	const char *db = NULL, *alias = NULL;
	long many = 1000;
	int bad = 0, altered = 0, a, rc;
	size_t i, j;

	if (argc < 2) {
		fprintf(stderr, "usage: pst-richsource OUT.pst [--store DB ALIAS] [--many N] [--bad-value] [--altered]\n");
		return 2;
	}
	for (a = 2; a < argc; a++) {
		if (strcmp(argv[a], "--store") == 0 && a + 2 < argc) {
			db = argv[++a];
			alias = argv[++a];
		} else if (strcmp(argv[a], "--many") == 0 && a + 1 < argc) {
			many = atol(argv[++a]);
		} else if (strcmp(argv[a], "--bad-value") == 0) {
			bad = 1;
		} else if (strcmp(argv[a], "--altered") == 0) {
			altered = 1;
		} else {
			fprintf(stderr, "pst-richsource: unknown argument %s\n", argv[a]);
			return 2;
		}
	}
	memset(f, 0, sizeof(f));
	mbx_props_init(&store_bag);
	build(f, 4, &store_bag, many);
	if (failed)
		return 1;
	rc = write_pst(argv[1], f, 4, &store_bag);
	if (rc == 0 && db)
		rc = write_store(db, alias, f, 4, &store_bag, bad, altered);
	if (rc < 0)
		fprintf(stderr, "pst-richsource: %s\n", mbx_error_last());
	for (i = 0; i < 4; i++) {
		for (j = 0; j < f[i].n; j++) {
			free_data(f[i].msgs[j]);
			mbx_message_free(f[i].msgs[j]);
		}
		mbx_free(f[i].msgs);
		mbx_props_clear(&f[i].bag);
	}
	mbx_props_clear(&store_bag);
	return rc < 0 ? 1 : 0;
}
