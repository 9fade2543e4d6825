/*
 * tests/t_store_bag.c - the store keeps the whole property bag of every
 * mailbox, folder, message (embedded too), recipient and attachment:
 *   - whole bags come back exactly (the same packed bytes), named
 *     properties by LID and by string name included; an attachment's
 *     PidTagAttachDataBinary is its data, not part of the bag a load gives;
 *   - a message's body, HTML and headers are not stored twice;
 *   - objects given without a bag get the one their fields give (as the
 *     PST writer derives it), and bags of extras beside the fields are
 *     kept as the extras only;
 *   - fields from a bag: PT_STRING8 in the message's code page (1252, 932,
 *     65001), the HTML decoded and its charset meta corrected in the
 *     column only, the subject's prefix mark, sender not sent-representing;
 *   - a schema-4 store written before bags (tests/store-schema4.sql) opens,
 *     its message_prop rows are in the bags and its hashes still match;
 *   - folders list in the order they were added.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>

#include "mbx/store.h"
#include "store/store_int.h"
#include "tap.h"

static char dir[] = "/tmp/t_store_bag.XXXXXX";

/* ---- helpers -------------------------------------------------------------- */

static const unsigned char own_set[16] = {
	0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF, 0x10, 0x32, 0x54, 0x76, 0x98, 0xBA, 0xDC, 0xFE };

static int same_bag(const mbx_props *a, const mbx_props *b)
{
	unsigned char *pa = NULL, *pb = NULL;
	size_t la = 0, ca = 0, lb = 0, cb = 0;
	int same;

	mbx_props_pack(a, &pa, &la, &ca);
	mbx_props_pack(b, &pb, &lb, &cb);
	same = la == lb && memcmp(pa, pb, la) == 0;
	if (!same)
		diag("bags differ: %zu against %zu packed bytes (%zu and %zu properties)", la, lb, a->n, b->n);
	mbx_free(pa);
	mbx_free(pb);
	return same;
}

static int64_t sql_int(mbx_store *st, const char *sql)
{
	sqlite3_stmt *s = NULL;
	int64_t v = -1;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

static void set_str(mbx_props *b, uint16_t id, const char *s)
{
	mbx_propkey k = MBX_KEY(id);

	mbx_props_set_utf8(b, &k, s);
}

static void set_raw(mbx_props *b, uint16_t id, uint16_t type, const void *v, size_t len)
{
	mbx_propkey k = MBX_KEY(id);

	mbx_props_set(b, &k, type, v, len);
}

static void set_long(mbx_props *b, uint16_t id, uint32_t v)
{
	mbx_propkey k = MBX_KEY(id);

	mbx_props_set_u32(b, &k, MBX_PT_LONG, v);
}

/* A string property's value as UTF-8, or NULL (caller frees). */
static char *str_of(const mbx_props *b, uint16_t id)
{
	mbx_propkey k = MBX_KEY(id);
	char *s = NULL;

	mbx_props_utf8(b, &k, 0, &s);
	return s;
}

static int str_is(const mbx_props *b, uint16_t id, const char *want)
{
	char *s = str_of(b, id);
	int same = s && want && strcmp(s, want) == 0;

	if (!same)
		diag("0x%04X: '%s', want '%s'", (unsigned)id, s ? s : "(none)", want ? want : "(none)");
	mbx_free(s);
	return same;
}

static int64_t long_of(const mbx_props *b, uint16_t id)
{
	mbx_propkey k = MBX_KEY(id);
	int64_t v = -12345;

	mbx_props_i64(b, &k, &v);
	return v;
}

static int has(const mbx_props *b, uint16_t id)
{
	mbx_propkey k = MBX_KEY(id);

	return mbx_props_get(b, &k) != NULL;
}

static mbx_store *new_store(const char *name, int64_t *mailbox, int64_t *folder)
{
	char *path = mbx_asprintf("%s/%s", dir, name);
	mbx_store *st = NULL;
	mbx_mailbox mb;
	mbx_folder f;
	int rc = mbx_store_open(&st, path, MBX_STORE_CREATE);

	mbx_free(path);
	if (rc < 0)
		return NULL;
	memset(&mb, 0, sizeof(mb));
	mb.guid = mbx_asprintf("6f1c0000-2b7d-4c1e-9a55-%012d", (int)strlen(name));
	mb.display_name = "Bags";
	mb.legacy_dn = "/o=Contoso/ou=HQ/cn=Recipients/cn=Bags";
	rc = mbx_store_mailbox_add(st, &mb, mailbox);
	mbx_free(mb.guid);
	memset(&f, 0, sizeof(f));
	f.mailbox_id = *mailbox;
	f.name = "Inbox";
	f.role = MBX_ROLE_INBOX;
	if (rc == 0)
		rc = mbx_store_folder_add(st, &f, folder);
	if (rc < 0) {
		mbx_store_free(st);
		return NULL;
	}
	return st;
}

/* ---- whole bags ------------------------------------------------------------ */

/* A message's whole bag as a property-level reader would give it: plain
 * and named properties (LID and string), STRING8, binary, multi-valued. */
static void whole_message_bag(mbx_props *b, const char *body, const char *html, const char *headers)
{
	static const unsigned char entry[] = { 0, 0, 0, 0, 0xDE, 0xAD, 0xBE, 0xEF, 1, 2, 3, 4 };
	/* two strings "a", "bc" as PtypMultipleString: count, offsets, UTF-16 */
	static const unsigned char mv[] = { 2, 0, 0, 0, 12, 0, 0, 0, 14, 0, 0, 0, 'a', 0, 'b', 0, 'c', 0 };
	mbx_propkey k;
	unsigned char *w;
	size_t wl;

	mbx_props_init(b);
	set_long(b, MBX_PID_TAG_IMPORTANCE, 2);
	set_str(b, MBX_PID_TAG_MESSAGE_CLASS, "IPM.Note.Custom");
	set_raw(b, MBX_PID_TAG_SUBJECT, MBX_PT_UNICODE, "\x01\x00\x05\x00R\0E\0:\0 \0H\0i\0", 16);
	set_raw(b, MBX_PID_TAG_SENDER_NAME, MBX_PT_STRING8, "Caf\xE9", 4);
	set_long(b, MBX_PID_TAG_MESSAGE_CODEPAGE, 1252);
	set_raw(b, MBX_PID_TAG_ENTRY_ID, MBX_PT_BINARY, entry, sizeof(entry));
	if (body)
		set_str(b, MBX_PID_TAG_BODY, body);
	if (html) {
		set_raw(b, MBX_PID_TAG_HTML, MBX_PT_BINARY, html, strlen(html));
		set_long(b, MBX_PID_TAG_INTERNET_CODEPAGE, 65001);
	}
	if (headers) {
		mbx_utf16_from_utf8(headers, strlen(headers), &w, &wl);
		set_raw(b, MBX_PID_TAG_TRANSPORT_MESSAGE_HEADERS, MBX_PT_UNICODE, w, wl);
		mbx_free(w);
	}
	k = MBX_LIDKEY(MBX_PSETID_APPOINTMENT, 0x8208);
	mbx_props_set_utf8(b, &k, "Room 4.12");
	k = MBX_LIDKEY(own_set, 0x9001);
	mbx_props_set_u32(b, &k, MBX_PT_LONG, 77);
	k = MBX_NAMEKEY(MBX_PS_INTERNET_HEADERS, "x-mailer");
	mbx_props_set_utf8(b, &k, "mbxrescue test");
	k = MBX_NAMEKEY(MBX_PS_PUBLIC_STRINGS, "Keywords");
	mbx_props_set(b, &k, MBX_PT_MV_UNICODE, mv, sizeof(mv));
	set_long(b, MBX_PID_TAG_MESSAGE_FLAGS, MBX_MSG_READ);
}

static void test_whole_bags(void)
{
	mbx_store *st;
	int64_t mid, fid, id = 0, fid2 = 0;
	mbx_mailbox mb, back_mb;
	mbx_folder f, *fv = NULL;
	mbx_message m, inner, *back = NULL;
	mbx_msg_recipient r[2];
	mbx_attachment a[2];
	mbx_props want_att;
	static const char data[] = "attachment bytes";
	char *body = mbx_malloc(200001), *html, hbuf[64];
	size_t n, i;
	int rc;

	st = new_store("whole.db", &mid, &fid);
	if (!ok(st != NULL, "a new store"))
		return;

	/* a mailbox: the PST's message store object */
	memset(&mb, 0, sizeof(mb));
	mb.guid = "6f1c0000-2b7d-4c1e-9a55-00000000aaaa";
	mb.display_name = "Personal Folders of Mary";
	mb.legacy_dn = "/o=Contoso/ou=HQ/cn=Recipients/cn=MAdamsPst";
	set_str(&mb.bag, MBX_PID_TAG_DISPLAY_NAME, "Personal Folders of Mary");
	set_raw(&mb.bag, MBX_PID_TAG_RECORD_KEY, MBX_PT_BINARY, "0123456789abcdef", 16);
	{
		mbx_propkey k = MBX_NAMEKEY(MBX_PS_PUBLIC_STRINGS, "store-tag");

		mbx_props_set_utf8(&mb.bag, &k, "kept");
	}
	rc = mbx_store_mailbox_add(st, &mb, &mid);
	memset(&back_mb, 0, sizeof(back_mb));
	ok(rc == 0 && mbx_store_mailbox_by_id(st, mid, &back_mb) == 0 && same_bag(&back_mb.bag, &mb.bag),
	   "a mailbox's bag comes back exactly");
	mbx_mailbox_clear(&back_mb);
	ok(mbx_store_mailbox_by_alias(st, "MAdamsPst", &back_mb) == 0 && same_bag(&back_mb.bag, &mb.bag),
	   "by alias too");
	mbx_mailbox_clear(&back_mb);
	{
		mbx_mailbox *all = NULL;
		size_t nm = 0, empty = 0;

		ok(mbx_store_mailboxes(st, &all, &nm) == 0, "the list of mailboxes");
		for (i = 0; i < nm; i++)
			empty += all[i].bag.n == 0;
		is_int(empty, nm, "reads no bags");
		mbx_mailboxes_free(all, nm);
	}
	{
		mbx_props nb;

		mbx_props_init(&nb);
		set_str(&nb, MBX_PID_TAG_DISPLAY_NAME, "Renamed store");
		ok(mbx_store_mailbox_bag_set(st, mid, &nb) == 0 && mbx_store_mailbox_by_id(st, mid, &back_mb) == 0 &&
		   same_bag(&back_mb.bag, &nb) && strcmp(back_mb.display_name, "Personal Folders of Mary") == 0,
		   "mbx_store_mailbox_bag_set replaces the bag, not the display name");
		mbx_mailbox_clear(&back_mb);
		mbx_props_clear(&nb);
		is_int(mbx_store_mailbox_bag_set(st, 99999, &mb.bag), MBX_ENOTFOUND, "of a mailbox that exists");
	}
	mbx_props_clear(&mb.bag);

	/* a folder */
	memset(&f, 0, sizeof(f));
	f.mailbox_id = mid;
	f.name = "Kalender";
	f.container_class = "IPF.Appointment";
	set_str(&f.bag, MBX_PID_TAG_CONTAINER_CLASS, "IPF.Appointment");
	set_str(&f.bag, MBX_PID_TAG_DISPLAY_NAME, "Kalender");
	set_long(&f.bag, MBX_PID_TAG_CONTENT_COUNT, 3);
	{
		mbx_propkey k = MBX_LIDKEY(own_set, 0x1234);

		mbx_props_set_u32(&f.bag, &k, MBX_PT_BOOLEAN, 1);
	}
	rc = mbx_store_folder_add(st, &f, &fid2);
	ok(rc == 0 && mbx_store_folders(st, mid, &fv, &n) == 0 && n == 1 && same_bag(&fv[0].bag, &f.bag),
	   "a folder's bag comes back exactly");
	mbx_folders_free(fv, n);
	mbx_props_clear(&f.bag);

	/* a message with recipients, an attachment and an embedded message */
	memset(body, 'x', 200000);
	body[200000] = '\0';
	memcpy(body, "Grüße, ", 8);
	html = mbx_asprintf("<html><head><meta charset=\"utf-8\"></head><body>%.*s</body></html>", 150000, body);
	memset(&m, 0, sizeof(m));
	m.folder_id = fid2;
	m.message_class = "IPM.Note.Custom";
	m.subject = "RE: Hi";
	m.sender_name = "Café";
	m.body = body;
	m.html_body = html;
	m.transport_headers = "Received: from a by b\r\nX-Mailer: test\r\n";
	m.importance = 2;
	m.flags = MBX_MSG_READ;
	whole_message_bag(&m.bag, m.body, m.html_body, m.transport_headers);
	memset(r, 0, sizeof(r));
	r[0].type = MBX_RECIP_TO;
	r[0].name = "Ann";
	r[0].address = "ann@example.com";
	set_long(&r[0].bag, MBX_PID_TAG_RECIPIENT_TYPE, 1 | 0x10000000);   /* MAPI_P1 */
	set_str(&r[0].bag, MBX_PID_TAG_DISPLAY_NAME, "Ann");
	set_str(&r[0].bag, MBX_PID_TAG_EMAIL_ADDRESS, "ann@example.com");
	set_raw(&r[0].bag, MBX_PID_TAG_ENTRY_ID, MBX_PT_BINARY, "\0\0\0\0abc", 7);
	r[1].type = MBX_RECIP_CC;
	r[1].name = "Bob";
	r[1].address = "bob@example.com";   /* no bag: what the fields give */
	r[1].addrtype = "SMTP";
	memset(a, 0, sizeof(a));
	a[0].filename = "notes.txt";
	a[0].mime_type = "text/plain";
	a[0].size = (int64_t)strlen(data);
	a[0].data = data;
	set_long(&a[0].bag, MBX_PID_TAG_ATTACH_METHOD, 1);
	set_str(&a[0].bag, MBX_PID_TAG_ATTACH_LONG_FILENAME, "notes.txt");
	set_raw(&a[0].bag, MBX_PID_TAG_ATTACH_DATA_BINARY, MBX_PT_BINARY, data, strlen(data));
	set_str(&a[0].bag, MBX_PID_TAG_ATTACH_MIME_TAG, "text/plain");
	set_long(&a[0].bag, MBX_PID_TAG_ATTACH_FLAGS, 4);
	memset(&inner, 0, sizeof(inner));
	inner.message_class = "IPM.Note";
	inner.subject = "Inner";
	set_str(&inner.bag, MBX_PID_TAG_MESSAGE_CLASS, "IPM.Note");
	set_str(&inner.bag, MBX_PID_TAG_SUBJECT, "Inner");
	set_long(&inner.bag, MBX_PID_TAG_INTERNET_CODEPAGE, 28591);
	a[1].embedded = &inner;
	set_long(&a[1].bag, MBX_PID_TAG_ATTACH_METHOD, 5);
	set_str(&a[1].bag, MBX_PID_TAG_DISPLAY_NAME, "Inner");
	m.recipients = r;
	m.n_recipients = 2;
	m.attachments = a;
	m.n_attachments = 2;
	rc = mbx_store_message_add(st, &m, &id);
	is_int(rc, 0, "a message with whole bags on every part");
	/* what a load gives: the attachment's bag without its data */
	mbx_props_init(&want_att);
	mbx_props_copy(&want_att, &a[0].bag);
	mbx_props_remove(&want_att, &MBX_KEY(MBX_PID_TAG_ATTACH_DATA_BINARY));
	if (rc == 0 && mbx_store_message_get(st, id, &back) == 0) {
		mbx_message *again = NULL;
		mbx_props bob;
		size_t got = 0;

		ok(same_bag(&back->bag, &m.bag), "the message's bag comes back exactly");
		ok(back->n_recipients == 2 && same_bag(&back->recipients[0].bag, &r[0].bag),
		   "a recipient's bag too");
		store_recipient_synth(&r[1], &bob);
		ok(back->n_recipients == 2 && same_bag(&back->recipients[1].bag, &bob),
		   "a recipient without one gets what its fields give");
		mbx_props_clear(&bob);
		ok(back->n_attachments == 2 && same_bag(&back->attachments[0].bag, &want_att),
		   "an attachment's bag without PidTagAttachDataBinary");
		ok(back->n_attachments == 2 && mbx_store_attachment_read(st, back->attachments[0].id, 0, hbuf,
		   sizeof(hbuf), &got) == 0 && got == strlen(data) && memcmp(hbuf, data, got) == 0,
		   "whose data is the attachment's data");
		ok(back->n_attachments == 2 && same_bag(&back->attachments[1].bag, &a[1].bag) &&
		   back->attachments[1].embedded && same_bag(&back->attachments[1].embedded->bag, &inner.bag),
		   "an embedded message and its attachment keep theirs");
		{
			char *h1, *h2;

			back->attachments[0].data = data;   /* a load gives no data */
			h1 = mbx_message_hash(&m);
			h2 = mbx_message_hash(back);
			back->attachments[0].data = NULL;

			is_str(h2, h1, "the hash of the message read back is the one it was stored with");
			is_str(back->content_hash, h1, "(the stored one)");
			mbx_free(h1);
			mbx_free(h2);
		}
		{
			int64_t found = 0;

			ok(mbx_store_message_find(st, fid2, NULL, back->content_hash, &found) == 0 && found == id,
			   "and finds it (merge skips a message imported twice)");
		}
		/* stored again from what was read: the same bags again */
		back->folder_id = fid2;
		back->attachments[0].data = data;
		ok(mbx_store_message_add(st, back, &id) == 0 && mbx_store_message_get(st, id, &again) == 0 &&
		   same_bag(&again->bag, &m.bag) && same_bag(&again->recipients[1].bag, &back->recipients[1].bag),
		   "a message read back stores the same bags again");
		mbx_message_free(again);
		mbx_message_free(back);
	} else {
		ok(0, "the message reads back");
	}
	/* kept once: the blob holds no body, HTML or headers */
	{
		int64_t blob = sql_int(st, "SELECT length(props) FROM message WHERE subject = 'RE: Hi' ORDER BY id LIMIT 1");
		int64_t cols = sql_int(st, "SELECT length(body) + length(html_body) FROM message "
		                           "WHERE subject = 'RE: Hi' ORDER BY id LIMIT 1");

		ok(blob > 0 && blob < 1024 && cols > 350000,
		   "body, HTML and headers are kept once: a %lld-byte bag beside %lld bytes of columns",
		   (long long)blob, (long long)cols);
		is_int(sql_int(st, "SELECT count(*) FROM attachment WHERE props IS NOT NULL "
		                   "AND instr(props, CAST('attachment bytes' AS BLOB)) > 0"), 0,
		       "no attachment data in an attachment's bag");
	}
	/* a body the column does not rebuild (an unpaired surrogate) stays */
	{
		mbx_message *b2 = NULL;

		mbx_props_clear(&m.bag);
		whole_message_bag(&m.bag, NULL, NULL, NULL);
		set_raw(&m.bag, MBX_PID_TAG_BODY, MBX_PT_UNICODE, "o\0k\0\x00\xD8", 6);
		m.body = "ok\xEF\xBF\xBD";
		m.html_body = NULL;
		m.transport_headers = NULL;
		m.subject = "surrogate";
		m.n_attachments = 0;
		m.n_recipients = 0;
		ok(mbx_store_message_add(st, &m, &id) == 0 && mbx_store_message_get(st, id, &b2) == 0 &&
		   same_bag(&b2->bag, &m.bag), "a body its column cannot rebuild is kept in the bag");
		mbx_message_free(b2);
		m.body = body;
		m.html_body = html;
	}
	mbx_props_clear(&want_att);
	mbx_props_clear(&m.bag);
	for (i = 0; i < 2; i++) {
		mbx_props_clear(&r[i].bag);
		mbx_props_clear(&a[i].bag);
	}
	mbx_props_clear(&inner.bag);
	mbx_free(body);
	mbx_free(html);
	mbx_store_free(st);
}

/* ---- synthesis from fields ------------------------------------------------- */

static void test_from_fields(void)
{
	mbx_store *st;
	int64_t mid, fid, id = 0;
	mbx_message m, inner, *back = NULL;
	mbx_msg_recipient r[2];
	mbx_attachment a[2];
	mbx_folder *fv = NULL;
	mbx_mailbox mb;
	size_t n;
	static const char data[] = "Q1 numbers";

	st = new_store("fields.db", &mid, &fid);
	if (!ok(st != NULL, "a new store"))
		return;
	memset(&m, 0, sizeof(m));
	memset(r, 0, sizeof(r));
	memset(a, 0, sizeof(a));
	memset(&inner, 0, sizeof(inner));
	m.folder_id = fid;
	m.subject = "RE: Lunch";
	m.sender_name = "Adams, Mary";
	m.sender_address = "madams@contoso.com";
	m.body = "Hello\nworld";
	m.html_body = "<p>Hello</p>";
	m.transport_headers = "Received: x\r\n";
	m.internet_message_id = "<1@contoso.com>";
	m.sent_time = 1790812800;
	m.received_time = 1790812860;
	m.flags = MBX_MSG_READ;
	m.flag_status = 2;
	m.importance = 0;
	r[0].type = MBX_RECIP_TO;
	r[0].name = "Smith, John";
	r[0].address = "jsmith@contoso.com";
	r[1].type = MBX_RECIP_BCC;
	r[1].address = "/o=Contoso/cn=Bob";
	r[1].addrtype = "EX";
	a[0].filename = "Quarterly report.xlsx";
	a[0].mime_type = "application/vnd.ms-excel";
	a[0].size = (int64_t)strlen(data);
	a[0].data = data;
	inner.subject = "Forwarded";
	a[1].embedded = &inner;
	m.recipients = r;
	m.n_recipients = 2;
	m.attachments = a;
	m.n_attachments = 2;
	is_int(mbx_store_message_add(st, &m, &id), 0, "a message of fields only");
	is_int(sql_int(st, "SELECT count(*) FROM message WHERE props IS NOT NULL"), 0, "no bag is stored");
	if (mbx_store_message_get(st, id, &back) == 0) {
		const mbx_props *b = &back->bag;
		mbx_propkey k = MBX_KEY(MBX_PID_TAG_HTML);
		const mbx_prop *p = mbx_props_get(b, &k);
		int64_t t = 0;

		ok(str_is(b, MBX_PID_TAG_MESSAGE_CLASS, "IPM.Note") && str_is(b, MBX_PID_TAG_SUBJECT, "RE: Lunch") &&
		   str_is(b, MBX_PID_TAG_SUBJECT_PREFIX, "RE: ") && str_is(b, MBX_PID_TAG_NORMALIZED_SUBJECT, "Lunch") &&
		   str_is(b, MBX_PID_TAG_CONVERSATION_TOPIC, "Lunch"), "class, subject, prefix, normalized, topic");
		ok(str_is(b, MBX_PID_TAG_SENDER_NAME, "Adams, Mary") &&
		   str_is(b, MBX_PID_TAG_SENT_REPRESENTING_NAME, "Adams, Mary") &&
		   str_is(b, MBX_PID_TAG_SENDER_EMAIL_ADDRESS, "madams@contoso.com") &&
		   str_is(b, MBX_PID_TAG_SENT_REPRESENTING_EMAIL_ADDRESS, "madams@contoso.com") &&
		   str_is(b, MBX_PID_TAG_SENDER_ADDRESS_TYPE, "SMTP") &&
		   str_is(b, MBX_PID_TAG_SENT_REPRESENTING_ADDRESS_TYPE, "SMTP") &&
		   str_is(b, MBX_PID_TAG_SENDER_SMTP_ADDRESS, "madams@contoso.com"), "sender and sent-representing");
		ok(str_is(b, MBX_PID_TAG_BODY, "Hello\nworld") && p && p->type == MBX_PT_BINARY && p->len == 12 &&
		   memcmp(mbx_props_val(b, p), "<p>Hello</p>", 12) == 0 &&
		   long_of(b, MBX_PID_TAG_INTERNET_CODEPAGE) == 65001 &&
		   str_is(b, MBX_PID_TAG_TRANSPORT_MESSAGE_HEADERS, "Received: x\r\n") &&
		   str_is(b, MBX_PID_TAG_INTERNET_MESSAGE_ID, "<1@contoso.com>"),
		   "body, HTML (UTF-8 bytes, code page 65001), headers, message id");
		k = MBX_KEY(MBX_PID_TAG_CLIENT_SUBMIT_TIME);
		ok(mbx_props_time(b, &k, &t) == 0 && t == 1790812800, "submit time");
		k = MBX_KEY(MBX_PID_TAG_MESSAGE_DELIVERY_TIME);
		ok(mbx_props_time(b, &k, &t) == 0 && t == 1790812860, "delivery time");
		k = MBX_KEY(MBX_PID_TAG_CREATION_TIME);
		ok(mbx_props_time(b, &k, &t) == 0 && t == 1790812860, "creation time (delivery)");
		k = MBX_KEY(MBX_PID_TAG_LAST_MODIFICATION_TIME);
		ok(mbx_props_time(b, &k, &t) == 0 && t == 1790812860, "modification time");
		ok(long_of(b, MBX_PID_TAG_IMPORTANCE) == 0 && long_of(b, MBX_PID_TAG_SENSITIVITY) == 0 &&
		   long_of(b, MBX_PID_TAG_PRIORITY) == 0 && long_of(b, MBX_PID_TAG_FLAG_STATUS) == 2,
		   "importance, sensitivity, priority, flag status");
		is_int(long_of(b, MBX_PID_TAG_MESSAGE_FLAGS), MBX_MSG_READ | MBX_MSG_HASATTACH,
		       "message flags, with mfHasAttach");
		ok(!has(b, MBX_PID_TAG_DISPLAY_TO) && !has(b, MBX_PID_TAG_MESSAGE_SIZE),
		   "not what the writer computes (display lists, size)");
		b = &back->recipients[0].bag;
		ok(long_of(b, MBX_PID_TAG_RECIPIENT_TYPE) == 1 && long_of(b, MBX_PID_TAG_RESPONSIBILITY) == 1 &&
		   long_of(b, MBX_PID_TAG_OBJECT_TYPE) == 6 && long_of(b, MBX_PID_TAG_DISPLAY_TYPE) == 0 &&
		   long_of(b, MBX_PID_TAG_SEND_RICH_INFO) == 0 && str_is(b, MBX_PID_TAG_DISPLAY_NAME, "Smith, John") &&
		   str_is(b, MBX_PID_TAG_ADDRESS_TYPE, "SMTP") &&
		   str_is(b, MBX_PID_TAG_EMAIL_ADDRESS, "jsmith@contoso.com") &&
		   str_is(b, MBX_PID_TAG_SMTP_ADDRESS, "jsmith@contoso.com"), "a recipient's properties");
		b = &back->recipients[1].bag;
		ok(long_of(b, MBX_PID_TAG_RECIPIENT_TYPE) == 3 &&
		   str_is(b, MBX_PID_TAG_DISPLAY_NAME, "/o=Contoso/cn=Bob") && str_is(b, MBX_PID_TAG_ADDRESS_TYPE, "EX") &&
		   !has(b, MBX_PID_TAG_SMTP_ADDRESS), "an EX recipient without a name: its address, no SMTP address");
		b = &back->attachments[0].bag;
		ok(str_is(b, MBX_PID_TAG_ATTACH_LONG_FILENAME, "Quarterly report.xlsx") &&
		   str_is(b, MBX_PID_TAG_DISPLAY_NAME, "Quarterly report.xlsx") &&
		   str_is(b, MBX_PID_TAG_ATTACH_FILENAME, "QUARTE~1.XLS") &&
		   str_is(b, MBX_PID_TAG_ATTACH_EXTENSION, ".xlsx") &&
		   str_is(b, MBX_PID_TAG_ATTACH_MIME_TAG, "application/vnd.ms-excel") &&
		   long_of(b, MBX_PID_TAG_ATTACH_METHOD) == 1 &&
		   long_of(b, MBX_PID_TAG_RENDERING_POSITION) == -1 && !has(b, MBX_PID_TAG_ATTACH_DATA_BINARY),
		   "an attachment's properties (8.3 name, extension, method, position), no data");
		b = &back->attachments[1].bag;
		ok(long_of(b, MBX_PID_TAG_ATTACH_METHOD) == 5 && str_is(b, MBX_PID_TAG_DISPLAY_NAME, "Forwarded"),
		   "an embedded message's attachment: method 5, named by its subject");
		ok(back->attachments[1].embedded && str_is(&back->attachments[1].embedded->bag,
		   MBX_PID_TAG_SUBJECT, "Forwarded"), "the embedded message has its bag");
		{
			mbx_message copy;
			mbx_msg_recipient rc2[2];
			mbx_attachment ac2[2];

			/* the public function gives the same as a load */
			copy = m;
			memcpy(rc2, r, sizeof(rc2));
			memcpy(ac2, a, sizeof(ac2));
			copy.recipients = rc2;
			copy.attachments = ac2;
			mbx_message_bag_from_fields(&copy);
			ok(same_bag(&copy.bag, &back->bag) && same_bag(&rc2[0].bag, &back->recipients[0].bag) &&
			   same_bag(&ac2[0].bag, &back->attachments[0].bag),
			   "mbx_message_bag_from_fields gives what a load of the fields gives");
			mbx_props_clear(&copy.bag);
			mbx_props_clear(&rc2[0].bag);
			mbx_props_clear(&rc2[1].bag);
			mbx_props_clear(&ac2[0].bag);
			mbx_props_clear(&ac2[1].bag);
			mbx_props_clear(&inner.bag);
		}
		mbx_message_free(back);
	} else {
		ok(0, "the message reads back");
	}

	/* extras beside the fields (the demo, the libpst import): kept as the
	 * extras alone, after what the fields give */
	{
		mbx_msg_prop p;
		mbx_message *b2 = NULL;
		mbx_props want;

		memset(&p, 0, sizeof(p));
		memcpy(p.guid, MBX_PSETID_APPOINTMENT, 16);
		p.id = 0x820D;
		p.type = MBX_PT_SYSTIME;
		p.i = 1790848800;
		m.n_attachments = 0;
		m.subject = "extras";
		mbx_message_prop_set(&m, &p);
		ok(mbx_store_message_add(st, &m, &id) == 0 && mbx_store_message_get(st, id, &b2) == 0,
		   "a message of fields and one extra property");
		store_message_synth(&m, &want);
		mbx_props_set_time(&want, &MBX_LIDKEY(MBX_PSETID_APPOINTMENT, 0x820D), 1790848800);
		ok(b2 && same_bag(&b2->bag, &want), "reads back as what the fields give, then the extra");
		mbx_props_clear(&want);
		ok(sql_int(st, "SELECT length(props) FROM message WHERE subject = 'extras'") < 64,
		   "and stores only the extra (%lld bytes)",
		   (long long)sql_int(st, "SELECT length(props) FROM message WHERE subject = 'extras'"));
		mbx_message_free(b2);
		mbx_props_clear(&m.bag);
		/* the fields' bag given whole: nothing to store */
		m.subject = "fields bag";
		mbx_message_bag_from_fields(&m);
		ok(mbx_store_message_add(st, &m, &id) == 0 &&
		   sql_int(st, "SELECT props IS NULL FROM message WHERE subject = 'fields bag'") == 1,
		   "a bag that is just what the fields give is not stored");
		mbx_props_clear(&m.bag);
		mbx_props_clear(&r[0].bag);
		mbx_props_clear(&r[1].bag);
	}

	/* folder and mailbox */
	if (mbx_store_folders(st, mid, &fv, &n) == 0 && n == 1) {
		ok(str_is(&fv[0].bag, MBX_PID_TAG_DISPLAY_NAME, "Inbox") &&
		   str_is(&fv[0].bag, MBX_PID_TAG_CONTAINER_CLASS, "IPF.Note") && fv[0].bag.n == 2,
		   "a folder's bag: display name and container class");
		mbx_folders_free(fv, n);
	} else {
		ok(0, "folders");
	}
	memset(&mb, 0, sizeof(mb));
	ok(mbx_store_mailbox_by_id(st, mid, &mb) == 0 && str_is(&mb.bag, MBX_PID_TAG_DISPLAY_NAME, "Bags") &&
	   mb.bag.n == 1, "a mailbox's bag: its display name");
	mbx_mailbox_clear(&mb);
	mbx_store_free(st);
}

/* ---- fields from a bag ----------------------------------------------------- */

static void test_fields_from_bag(void)
{
	mbx_message m;
	mbx_msg_recipient *rp = mbx_calloc(1, sizeof(*rp));
	mbx_attachment *ap = mbx_calloc(1, sizeof(*ap));
	mbx_folder f;
	mbx_mailbox mb;
	const char *html1252 = "<html><head><META http-equiv=\"Content-Type\" content=\"text/html; "
	                       "charset=windows-1252\"></head><body>Caf\xE9 \x80</body></html>";

	memset(&m, 0, sizeof(m));
	/* 1252 */
	set_long(&m.bag, MBX_PID_TAG_MESSAGE_CODEPAGE, 1252);
	set_raw(&m.bag, MBX_PID_TAG_SUBJECT, MBX_PT_STRING8, "\x01\x05RE: Caf\xE9 \x80", 12);
	set_str(&m.bag, MBX_PID_TAG_SENDER_NAME, "Assistant");
	set_str(&m.bag, MBX_PID_TAG_SENDER_EMAIL_ADDRESS, "assistant@contoso.com");
	set_str(&m.bag, MBX_PID_TAG_SENDER_ADDRESS_TYPE, "SMTP");
	set_str(&m.bag, MBX_PID_TAG_SENT_REPRESENTING_NAME, "Boss");
	set_str(&m.bag, MBX_PID_TAG_SENT_REPRESENTING_EMAIL_ADDRESS, "boss@contoso.com");
	set_raw(&m.bag, MBX_PID_TAG_HTML, MBX_PT_BINARY, html1252, strlen(html1252));
	set_long(&m.bag, MBX_PID_TAG_INTERNET_CODEPAGE, 1252);
	mbx_props_set_time(&m.bag, &MBX_KEY(MBX_PID_TAG_CLIENT_SUBMIT_TIME), 1790812800);
	mbx_props_set_time(&m.bag, &MBX_KEY(MBX_PID_TAG_MESSAGE_DELIVERY_TIME), 1790812900);
	set_long(&m.bag, MBX_PID_TAG_MESSAGE_FLAGS, MBX_MSG_READ | MBX_MSG_ASSOCIATED);
	set_raw(&rp->bag, MBX_PID_TAG_DISPLAY_NAME, MBX_PT_STRING8, "M\xFCller", 6);
	set_long(&rp->bag, MBX_PID_TAG_RECIPIENT_TYPE, 2 | 0x10000000);
	set_str(&rp->bag, MBX_PID_TAG_SMTP_ADDRESS, "mueller@contoso.com");
	set_str(&ap->bag, MBX_PID_TAG_ATTACH_FILENAME, "NOTES~1.TXT");
	set_raw(&ap->bag, MBX_PID_TAG_ATTACH_DATA_BINARY, MBX_PT_BINARY, "data!", 5);
	m.recipients = rp;
	m.n_recipients = 1;
	m.attachments = ap;
	m.n_attachments = 1;
	m.subject = mbx_strdup("old value");   /* replaced */
	mbx_message_fields_from_bag(&m);
	is_str(m.subject, "RE: Café €", "code page 1252; the \\x01 mark before the subject dropped");
	ok(m.sender_name && strcmp(m.sender_name, "Assistant") == 0 && m.sender_address &&
	   strcmp(m.sender_address, "assistant@contoso.com") == 0 && m.sender_addrtype &&
	   strcmp(m.sender_addrtype, "SMTP") == 0, "the sender, not who it was sent for");
	ok(m.html_body && strstr(m.html_body, "charset=utf-8\"") && strstr(m.html_body, "Café €") &&
	   !strstr(m.html_body, "windows-1252"), "HTML decoded from 1252, its meta now says utf-8");
	{
		const mbx_prop *p = mbx_props_get(&m.bag, &MBX_KEY(MBX_PID_TAG_HTML));

		ok(p && p->len == strlen(html1252) && memcmp(mbx_props_val(&m.bag, p), html1252, p->len) == 0,
		   "the bag keeps the original bytes");
	}
	ok(m.sent_time == 1790812800 && m.received_time == 1790812900, "times from FILETIMEs");
	ok(m.importance == 1 && m.associated == 1 && m.flags == (MBX_MSG_READ | MBX_MSG_ASSOCIATED),
	   "importance 1 when absent; mfFAI makes it associated");
	ok(m.message_class == NULL && m.body == NULL, "absent properties leave fields empty");
	ok(rp->type == MBX_RECIP_CC && rp->name && strcmp(rp->name, "Müller") == 0 && rp->address &&
	   strcmp(rp->address, "mueller@contoso.com") == 0, "a recipient: type without flags, STRING8 name, "
	   "the SMTP address when there is no other");
	ok(ap->filename && strcmp(ap->filename, "NOTES~1.TXT") == 0 && ap->size == 5 && ap->data &&
	   memcmp(ap->data, "data!", 5) == 0, "an attachment: its short name, data in the bag");
	{
		/* the HTML kept in a store: the original bytes in the bag */
		mbx_store *st;
		int64_t mid, fid, id = 0;
		mbx_message *back = NULL;
		mbx_attachment *att = m.attachments;

		st = new_store("html.db", &mid, &fid);
		m.folder_id = fid;
		m.associated = 0;
		m.attachments = NULL;
		m.n_attachments = 0;
		set_str(&m.bag, MBX_PID_TAG_MESSAGE_CLASS, "IPM.Note");
		ok(st && mbx_store_message_add(st, &m, &id) == 0 && mbx_store_message_get(st, id, &back) == 0 &&
		   same_bag(&back->bag, &m.bag) && back->html_body && strcmp(back->html_body, m.html_body) == 0,
		   "a corrected HTML body: the column says utf-8, the bag keeps the 1252 bytes");
		ok(sql_int(st, "SELECT length(props) FROM message") > (int64_t)strlen(html1252),
		   "(which are in the stored bag)");
		mbx_message_free(back);
		mbx_store_free(st);
		m.attachments = att;
		m.n_attachments = 1;
	}
	mbx_message_clear(&m);   /* the recipient and attachment with it */

	/* 932 */
	memset(&m, 0, sizeof(m));
	set_long(&m.bag, MBX_PID_TAG_MESSAGE_CODEPAGE, 932);
	set_raw(&m.bag, MBX_PID_TAG_SUBJECT, MBX_PT_STRING8, "\x89\xEF\x8B\x63", 4);
	set_raw(&m.bag, MBX_PID_TAG_BODY, MBX_PT_STRING8, "\x89\xEF\x8B\x63 ok", 7);
	set_long(&m.bag, MBX_PID_TAG_IMPORTANCE, 2);
	mbx_message_fields_from_bag(&m);
	ok(m.subject && strcmp(m.subject, "会議") == 0 && m.body && strcmp(m.body, "会議 ok") == 0,
	   "code page 932 (Shift_JIS)");
	is_int(m.importance, 2, "importance");
	mbx_message_clear(&m);

	/* 65001, and PidTagInternetCodepage when there is no message code page */
	memset(&m, 0, sizeof(m));
	set_long(&m.bag, MBX_PID_TAG_INTERNET_CODEPAGE, 65001);
	set_raw(&m.bag, MBX_PID_TAG_SUBJECT, MBX_PT_STRING8, "Gr\xC3\xBC\xC3\x9F" "e", 7);
	set_raw(&m.bag, MBX_PID_TAG_HTML, MBX_PT_BINARY, "<meta charset=utf-8><p>\xC3\xBC</p>", 29);
	mbx_message_fields_from_bag(&m);
	is_str(m.subject, "Grüße", "code page 65001");
	is_str(m.html_body, "<meta charset=utf-8><p>ü</p>", "a UTF-8 HTML body as it is");
	mbx_message_clear(&m);

	/* round trip: fields -> bag -> fields */
	{
		mbx_message x;

		memset(&x, 0, sizeof(x));
		x.message_class = mbx_strdup("IPM.Note");
		x.subject = mbx_strdup("FW: Ünïcode 会議");
		x.sender_name = mbx_strdup("Adams, Mary");
		x.sender_address = mbx_strdup("madams@contoso.com");
		x.sender_addrtype = mbx_strdup("SMTP");
		x.body = mbx_strdup("body\r\n");
		x.html_body = mbx_strdup("<p>x</p>");
		x.sent_time = 1790812800;
		x.received_time = 1790812801;
		x.importance = 2;
		x.flag_status = 1;
		x.flags = MBX_MSG_READ;
		mbx_message_bag_from_fields(&x);
		memset(&m, 0, sizeof(m));
		mbx_props_copy(&m.bag, &x.bag);
		mbx_message_fields_from_bag(&m);
		ok(strcmp(m.subject, x.subject) == 0 && strcmp(m.sender_name, x.sender_name) == 0 &&
		   strcmp(m.sender_address, x.sender_address) == 0 && strcmp(m.body, x.body) == 0 &&
		   strcmp(m.html_body, x.html_body) == 0 && strcmp(m.message_class, x.message_class) == 0 &&
		   m.sent_time == x.sent_time && m.received_time == x.received_time &&
		   m.importance == 2 && m.flag_status == 1 && m.flags == MBX_MSG_READ,
		   "fields -> bag -> fields gives the same fields");
		mbx_message_clear(&m);
		mbx_message_clear(&x);
	}

	memset(&f, 0, sizeof(f));
	set_raw(&f.bag, MBX_PID_TAG_DISPLAY_NAME, MBX_PT_STRING8, "Entw\xFCrfe", 8);
	set_str(&f.bag, MBX_PID_TAG_CONTAINER_CLASS, "IPF.Note");
	mbx_folder_fields_from_bag(&f);
	ok(f.name && strcmp(f.name, "Entwürfe") == 0 && f.container_class &&
	   strcmp(f.container_class, "IPF.Note") == 0, "a folder's name and class");
	mbx_free(f.name);
	mbx_free(f.container_class);
	mbx_props_clear(&f.bag);
	memset(&mb, 0, sizeof(mb));
	set_str(&mb.bag, MBX_PID_TAG_DISPLAY_NAME, "Outlook-Datendatei");
	mbx_mailbox_fields_from_bag(&mb);
	is_str(mb.display_name, "Outlook-Datendatei", "a mailbox's display name");
	mbx_mailbox_clear(&mb);
}

/* ---- a store of schema 4 --------------------------------------------------- */

static char *slurp(const char *path)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	long n;

	if (!fp)
		return NULL;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	buf = mbx_malloc((size_t)n + 1);
	if (fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		fclose(fp);
		mbx_free(buf);
		return NULL;
	}
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

/* Attachment data into memory (the hash counts it; loads leave it out). */
static void load_data(mbx_store *st, mbx_message *m, int on)
{
	size_t i, got;

	for (i = 0; i < m->n_attachments; i++) {
		mbx_attachment *a = &m->attachments[i];

		if (a->embedded)
			load_data(st, a->embedded, on);
		if (!on) {
			mbx_free((void *)a->data);
			a->data = NULL;
		} else if (a->size > 0) {
			a->data = mbx_malloc((size_t)a->size);
			if (mbx_store_attachment_read(st, a->id, 0, (void *)a->data, (size_t)a->size, &got) < 0)
				diag("attachment %lld: %s", (long long)a->id, mbx_error_last());
		}
	}
}

/* The message_prop rows of message id as "guid|id|type|value" lines. */
static char *legacy_rows(sqlite3 *db, int64_t id)
{
	sqlite3_stmt *s = NULL;
	char *out = mbx_strdup("");

	if (sqlite3_prepare_v2(db, "SELECT coalesce(guid, ''), prop_id, type, value FROM message_prop "
	                           "WHERE message_id = ?1 ORDER BY id", -1, &s, NULL) != SQLITE_OK)
		return out;
	sqlite3_bind_int64(s, 1, id);
	while (sqlite3_step(s) == SQLITE_ROW) {
		int type = sqlite3_column_int(s, 2);
		char *v = type == MBX_PT_DOUBLE ? mbx_asprintf("%.6f", sqlite3_column_double(s, 3))
		                                : mbx_strdup((const char *)sqlite3_column_text(s, 3));
		char *line = mbx_asprintf("%s%s|%lld|%d|%s\n", out, (const char *)sqlite3_column_text(s, 0),
		                          (long long)sqlite3_column_int64(s, 1), type, v);

		mbx_free(out);
		mbx_free(v);
		out = line;
	}
	sqlite3_finalize(s);
	return out;
}

/* The same lines from a loaded message's extra properties. */
static char *extra_rows(const mbx_message *m)
{
	mbx_msg_prop *x;
	size_t n, i;
	char *out = mbx_strdup("");

	mbx_message_props_extra(m, &x, &n);
	for (i = 0; i < n; i++) {
		const uint8_t *g = x[i].guid;
		char guid[40] = "", *v, *line;

		if (mbx_msg_prop_named(&x[i]))
			snprintf(guid, sizeof(guid), "%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X",
			         g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9], g[10], g[11], g[12],
			         g[13], g[14], g[15]);
		v = x[i].type == MBX_PT_UNICODE ? mbx_strdup(x[i].s) :
		    x[i].type == MBX_PT_DOUBLE ? mbx_asprintf("%.6f", x[i].d) : mbx_asprintf("%lld", (long long)x[i].i);
		line = mbx_asprintf("%s%s|%u|%u|%s\n", out, guid, (unsigned)x[i].id, (unsigned)x[i].type, v);
		mbx_free(out);
		mbx_free(v);
		out = line;
	}
	mbx_msg_props_free(x, n);
	return out;
}

static void test_schema4(void)
{
	const char *src = getenv("top_srcdir");
	char *sqlpath = mbx_asprintf("%s/tests/store-schema4.sql", src ? src : ".");
	char *sql = slurp(sqlpath), *path = mbx_asprintf("%s/schema4.db", dir);
	sqlite3 *db = NULL;
	mbx_store *st = NULL;
	mbx_mailbox mb;
	mbx_folder *f = NULL;
	size_t nf = 0, i;
	int64_t messages = 0, with_props = 0, rows_ok = 0, hash_ok = 0, bag_ok = 0;
	int rc;

	if (!ok(sql != NULL, "tests/store-schema4.sql reads")) {
		mbx_free(sqlpath);
		mbx_free(path);
		return;
	}
	rc = sqlite3_open(path, &db);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	is_int(rc, SQLITE_OK, "loaded into a file");
	mbx_free(sql);
	ok(mbx_store_open(&st, path, 0) == 0, "the current store opens it");
	if (!st)
		goto out;
	is_int(mbx_store_schema_version(st), mbx_store_schema_latest(), "migrated to the latest schema");
	ok(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK, "a second look at the rows");
	memset(&mb, 0, sizeof(mb));
	ok(mbx_store_mailbox_by_alias(st, "JSmith", &mb) == 0 && mb.bag.n == 1 &&
	   str_is(&mb.bag, MBX_PID_TAG_DISPLAY_NAME, "Smith, John"), "JSmith's mailbox, its bag from its name");
	ok(mbx_store_folders(st, mb.id, &f, &nf) == 0 && nf == 13, "its 13 folders");
	for (i = 0; i < nf; i++) {
		mbx_msg_iter *it;
		mbx_message *m;

		if (mbx_store_messages(st, f[i].id, &it) < 0)
			continue;
		while (mbx_msg_iter_next(it, &m) == 1) {
			char *want = legacy_rows(db, m->id), *got = extra_rows(m), *h;

			load_data(st, m, 1);
			h = mbx_message_hash(m);
			load_data(st, m, 0);

			messages++;
			with_props += *want != '\0';
			if (strcmp(want, got) == 0)
				rows_ok++;
			else
				diag("message %lld:\nwant %s\ngot  %s", (long long)m->id, want, got);
			hash_ok += strcmp(h, m->content_hash) == 0;
			bag_ok += str_is(&m->bag, MBX_PID_TAG_MESSAGE_CLASS, m->message_class) &&
			          (!m->subject || str_is(&m->bag, MBX_PID_TAG_SUBJECT, m->subject));
			mbx_free(want);
			mbx_free(got);
			mbx_free(h);
			mbx_message_free(m);
		}
		mbx_msg_iter_free(it);
	}
	ok(messages == 43 && with_props == 8, "43 messages, 8 with schema-4 properties (%lld, %lld)",
	   (long long)messages, (long long)with_props);
	is_int(rows_ok, messages, "every message_prop row is in its message's bag, in order");
	is_int(hash_ok, messages, "every stored hash is the hash of the message read back");
	is_int(bag_ok, messages, "every message has the bag its fields give");
	mbx_folders_free(f, nf);
	mbx_mailbox_clear(&mb);
	sqlite3_close(db);
	mbx_store_free(st);
out:
	mbx_free(sqlpath);
	mbx_free(path);
}

/* ---- folder order ------------------------------------------------------------ */

static void test_folder_order(void)
{
	static const struct { const char *name; int parent; } add[] = {
		{ "Zebra", -1 }, { "Alpha", -1 }, { "Mitte", -1 }, { "z-child", 1 }, { "a-child", 1 },
		{ "Beta", 0 }, { "Aardvark", 0 }, { "deep", 5 },
	};
	static const char *const want[] = {
		"Zebra", "Zebra/Beta", "Zebra/Beta/deep", "Zebra/Aardvark", "Alpha", "Alpha/z-child",
		"Alpha/a-child", "Mitte",
	};
	int64_t mid, fid, ids[8];
	mbx_store *st = new_store("order.db", &mid, &fid);
	mbx_folder *fv = NULL;
	size_t n = 0, i, k = 0;
	int same = 1;

	if (!ok(st != NULL, "a new store"))
		return;
	for (i = 0; i < sizeof(add) / sizeof(add[0]); i++) {
		mbx_folder f;

		memset(&f, 0, sizeof(f));
		f.mailbox_id = mid;
		f.parent_id = add[i].parent < 0 ? 0 : ids[add[i].parent];
		f.name = (char *)add[i].name;
		if (mbx_store_folder_add(st, &f, &ids[i]) < 0)
			same = 0;
	}
	ok(same && mbx_store_folders(st, mid, &fv, &n) == 0 && n == 9, "9 folders");
	/* Inbox came first (new_store) */
	for (i = 1; same && i < n; i++, k++)
		if (k >= 8 || strcmp(fv[i].path, want[k]) != 0) {
			diag("folder %zu: %s, want %s", i, fv[i].path, k < 8 ? want[k] : "none");
			same = 0;
		}
	ok(same && n == 9 && strcmp(fv[0].path, "Inbox") == 0,
	   "in the order they were added, each followed by its subfolders");
	mbx_folders_free(fv, n);
	mbx_store_free(st);
}

int main(void)
{
	char *cmd;

	if (!mkdtemp(dir))
		tap_skip_all("no temporary directory");
	test_whole_bags();
	test_from_fields();
	test_fields_from_bag();
	test_schema4();
	test_folder_order();
	cmd = mbx_asprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
	mbx_free(cmd);
	return tap_done();
}
