/*
 * core/store/store_bag.c - the store's model of property bags: what the
 * first-class fields of a mailbox, folder, message, recipient and
 * attachment give as properties (and back), the typed view of a message's
 * extra item properties, and the form a bag takes in a `props` column.
 * No SQL here: store_msg.c and store_is.c bind and read the columns.
 *
 * A props column holds NULL (the bag is what the fields give) or one
 * byte of STORE_BAG_* flags followed by mbx_props_pack's bytes:
 *   STORE_BAG_PREFIX   the bag is what the fields give, then the packed
 *                      properties (the demo's appointment details, the
 *                      details the libpst import reads);
 *   otherwise          the packed bag is the whole bag, in which the
 *                      values of a message's PidTagBody_W, PidTagHtml and
 *                      PidTagTransportMessageHeaders_W are left empty when
 *                      STORE_BAG_BODY, _HTML, _HEADERS say that their
 *                      column rebuilds them exactly.
 * An attachment's PidTagAttachDataBinary is never in it (its data column).
 */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mbx/pstdefs.h"
#include "mbx/text.h"
#include "store/store_int.h"

/* ---- Keys of each kind --------------------------------------------------- */

/* What mbx_message_bag_from_fields may give. */
static const uint16_t message_keys[] = {
	MBX_PID_TAG_MESSAGE_CLASS, MBX_PID_TAG_SUBJECT, MBX_PID_TAG_SUBJECT_PREFIX,
	MBX_PID_TAG_NORMALIZED_SUBJECT, MBX_PID_TAG_CONVERSATION_TOPIC, MBX_PID_TAG_SENDER_NAME,
	MBX_PID_TAG_SENT_REPRESENTING_NAME, MBX_PID_TAG_SENDER_EMAIL_ADDRESS,
	MBX_PID_TAG_SENT_REPRESENTING_EMAIL_ADDRESS, MBX_PID_TAG_SENDER_ADDRESS_TYPE,
	MBX_PID_TAG_SENT_REPRESENTING_ADDRESS_TYPE, MBX_PID_TAG_SENDER_SMTP_ADDRESS, MBX_PID_TAG_BODY,
	MBX_PID_TAG_HTML, MBX_PID_TAG_INTERNET_CODEPAGE, MBX_PID_TAG_TRANSPORT_MESSAGE_HEADERS,
	MBX_PID_TAG_INTERNET_MESSAGE_ID, MBX_PID_TAG_CLIENT_SUBMIT_TIME,
	MBX_PID_TAG_MESSAGE_DELIVERY_TIME, MBX_PID_TAG_CREATION_TIME,
	MBX_PID_TAG_LAST_MODIFICATION_TIME, MBX_PID_TAG_IMPORTANCE, MBX_PID_TAG_SENSITIVITY,
	MBX_PID_TAG_PRIORITY, MBX_PID_TAG_FLAG_STATUS, MBX_PID_TAG_MESSAGE_FLAGS,
};
/* What the writer computes itself when a message ends. */
static const uint16_t message_computed[] = {
	MBX_PID_TAG_DISPLAY_TO, MBX_PID_TAG_DISPLAY_CC, MBX_PID_TAG_DISPLAY_BCC,
	MBX_PID_TAG_MESSAGE_SIZE,
};
static const uint16_t recipient_keys[] = {
	MBX_PID_TAG_RECIPIENT_TYPE, MBX_PID_TAG_RESPONSIBILITY, MBX_PID_TAG_OBJECT_TYPE,
	MBX_PID_TAG_DISPLAY_TYPE, MBX_PID_TAG_SEND_RICH_INFO, MBX_PID_TAG_DISPLAY_NAME,
	MBX_PID_TAG_ADDRESS_TYPE, MBX_PID_TAG_EMAIL_ADDRESS, MBX_PID_TAG_SMTP_ADDRESS,
};
static const uint16_t attachment_keys[] = {
	MBX_PID_TAG_ATTACH_LONG_FILENAME, MBX_PID_TAG_DISPLAY_NAME, MBX_PID_TAG_ATTACH_FILENAME,
	MBX_PID_TAG_ATTACH_EXTENSION, MBX_PID_TAG_ATTACH_MIME_TAG, MBX_PID_TAG_ATTACH_METHOD,
	MBX_PID_TAG_RENDERING_POSITION,
};
static const uint16_t folder_keys[] = { MBX_PID_TAG_DISPLAY_NAME, MBX_PID_TAG_CONTAINER_CLASS };
static const uint16_t mailbox_keys[] = { MBX_PID_TAG_DISPLAY_NAME };

typedef struct bag_kind {
	const uint16_t *keys;
	size_t nkeys;
	uint16_t whole;         /* every whole bag of the kind has it */
} bag_kind;

#define KIND(k, whole) { k, sizeof(k) / sizeof(k[0]), whole }
static const bag_kind kind_message = KIND(message_keys, MBX_PID_TAG_MESSAGE_CLASS);
static const bag_kind kind_recipient = KIND(recipient_keys, MBX_PID_TAG_RECIPIENT_TYPE);
static const bag_kind kind_attachment = KIND(attachment_keys, MBX_PID_TAG_ATTACH_METHOD);
static const bag_kind kind_folder = KIND(folder_keys, MBX_PID_TAG_DISPLAY_NAME);
static const bag_kind kind_mailbox = KIND(mailbox_keys, MBX_PID_TAG_DISPLAY_NAME);

static int in_keys(const uint16_t *keys, size_t n, uint16_t id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (keys[i] == id)
			return 1;
	return 0;
}

static int kind_has(const bag_kind *k, const mbx_prop *p)
{
	return p->name == 0 && in_keys(k->keys, k->nkeys, p->id);
}

int mbx_message_prop_derived(const mbx_propkey *k)
{
	if (k->guid)
		return 0;
	return in_keys(message_keys, sizeof(message_keys) / sizeof(message_keys[0]), k->id) ||
	       in_keys(message_computed, sizeof(message_computed) / sizeof(message_computed[0]), k->id);
}

/* ---- Reading a bag without setting the thread's error -------------------- */

static const mbx_prop *plain(const mbx_props *b, uint16_t id)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		if (b->p[i].name == 0 && b->p[i].id == id)
			return &b->p[i];
	return NULL;
}

static uint32_t rd32(const unsigned char *v)
{
	return (uint32_t)v[0] | (uint32_t)v[1] << 8 | (uint32_t)v[2] << 16 | (uint32_t)v[3] << 24;
}

static uint64_t rd64(const unsigned char *v)
{
	return (uint64_t)rd32(v) | (uint64_t)rd32(v + 4) << 32;
}

/* A 32-bit integer (LONG, SHORT, BOOLEAN), or dflt. */
static int64_t get_int(const mbx_props *b, uint16_t id, int64_t dflt)
{
	const mbx_prop *p = plain(b, id);
	const unsigned char *v;

	if (!p)
		return dflt;
	v = mbx_props_val(b, p);
	if ((p->type == MBX_PT_LONG || p->type == MBX_PT_ERROR) && p->len == 4)
		return (int32_t)rd32(v);
	if (p->type == MBX_PT_SHORT && p->len == 2)
		return (int16_t)(v[0] | v[1] << 8);
	if (p->type == MBX_PT_BOOLEAN && p->len == 1)
		return v[0] != 0;
	return dflt;
}

/* A PT_SYSTIME as Unix seconds, or 0. */
static int64_t get_time(const mbx_props *b, uint16_t id)
{
	const mbx_prop *p = plain(b, id);

	if (!p || p->type != MBX_PT_SYSTIME || p->len != 8)
		return 0;
	return mbx_filetime_to_unix(rd64(mbx_props_val(b, p)));
}

/* Text (UNICODE, STRING8 in cp) as UTF-8, or NULL (caller frees). */
static char *get_str(const mbx_props *b, uint16_t id, unsigned cp)
{
	const mbx_prop *p = plain(b, id);

	if (!p)
		return NULL;
	if (p->type == MBX_PT_UNICODE)
		return mbx_utf8_from_utf16(mbx_props_val(b, p), p->len, NULL);
	if (p->type == MBX_PT_STRING8)
		return mbx_utf8_from_codepage(mbx_props_val(b, p), p->len, cp ? cp : 1252);
	return NULL;
}

/* ---- Writing a bag ------------------------------------------------------- */

/* s as valid UTF-8: bad bytes become U+FFFD, everything else stays (line
 * breaks included).  NULL when s already is (no copy). */
static char *utf8_repair(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, o = 0;
	char *out;

	if (mbx_utf8_valid(s, n))
		return NULL;
	out = mbx_malloc(3 * n + 1);
	while (i < n) {
		unsigned char c = p[i];
		size_t k = c < 0x80 ? 1 : c >= 0xC2 && c < 0xE0 ? 2 : c >= 0xE0 && c < 0xF0 ? 3 :
		           c >= 0xF0 && c < 0xF5 ? 4 : 0;

		if (k && i + k <= n && mbx_utf8_valid(s + i, k)) {
			memcpy(out + o, s + i, k);
			o += k;
			i += k;
		} else {
			memcpy(out + o, "\xEF\xBF\xBD", 3);
			o += 3;
			i++;
		}
	}
	out[o] = '\0';
	return out;
}

static void put_str(mbx_props *b, uint16_t id, const char *s)
{
	mbx_propkey k = MBX_KEY(id);
	char *fixed;

	if (!s || mbx_props_set_utf8(b, &k, s) == 0)
		return;
	/* not UTF-8 (a restored store's bytes): repaired */
	fixed = utf8_repair(s);
	mbx_props_set_utf8(b, &k, fixed ? fixed : s);
	mbx_free(fixed);
}

/* An empty bag with room for n properties and len bytes of values: what
 * the fields give is built without growing. */
static void bag_reserve(mbx_props *b, size_t n, size_t len)
{
	mbx_props_init(b);
	b->p = mbx_reallocarray(NULL, n, sizeof(*b->p));
	b->cap = n;
	b->data = mbx_malloc(len);
	b->capdata = len;
}

static size_t slen(const char *s)
{
	return s ? strlen(s) : 0;
}

static void put_u32(mbx_props *b, uint16_t id, uint16_t type, uint32_t v)
{
	mbx_propkey k = MBX_KEY(id);

	mbx_props_set_u32(b, &k, type, v);
}

static void put_time(mbx_props *b, uint16_t id, int64_t t)
{
	mbx_propkey k = MBX_KEY(id);

	if (t)
		mbx_props_set_time(b, &k, t);
}

static void put_bin(mbx_props *b, uint16_t id, uint16_t type, const void *v, size_t len)
{
	mbx_propkey k = MBX_KEY(id);

	mbx_props_set(b, &k, type, v, len);
}

/* Property i of src onto the end of dst (dst does not have its key). */
static void append(mbx_props *dst, const mbx_props *src, size_t i)
{
	mbx_propkey k = mbx_props_key(src, i);
	const mbx_prop *p = &src->p[i];

	mbx_props_set(dst, &k, p->type, mbx_props_val(src, p), p->len);
}

/* dst (what the fields give) followed by the properties of bag that the
 * kind's fields do not give, in their order. */
static void merge(mbx_props *dst, const mbx_props *bag, const bag_kind *kind)
{
	size_t i;

	for (i = 0; i < bag->n; i++)
		if (!kind_has(kind, &bag->p[i]))
			append(dst, bag, i);
}

/* ---- From fields to bag -------------------------------------------------- */

/* "RE: Lunch" -> 4 (the writer's rule, [MS-PST] 2.5.3.1.1.1.1: up to three
 * letters or digits, a colon, a space). */
static size_t subject_prefix(const char *s)
{
	size_t i;

	for (i = 0; i < 4 && s[i]; i++) {
		if (s[i] == ':')
			return i > 0 && s[i + 1] == ' ' ? i + 2 : 0;
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9')))
			return 0;
	}
	return 0;
}

uint32_t store_message_flags(const mbx_message *m)
{
	uint32_t flags = m->flags;

	if (m->n_attachments)
		flags |= MBX_MSG_HASATTACH;
	if (m->associated)
		flags |= MBX_MSG_ASSOCIATED;
	return flags;
}

/* PidTagDisplayTo, Cc and Bcc as the writer makes them from the
 * recipients: their display names (the bag's, else the field's, else the
 * address) joined by "; " per recipient type, empty when none. */
static void display_lists(const mbx_message *m, mbx_props *b)
{
	static const uint16_t ids[3] = { MBX_PID_TAG_DISPLAY_TO, MBX_PID_TAG_DISPLAY_CC, MBX_PID_TAG_DISPLAY_BCC };
	char *list[3] = { NULL, NULL, NULL };
	size_t i;

	for (i = 0; i < m->n_recipients; i++) {
		const mbx_msg_recipient *r = &m->recipients[i];
		mbx_propkey k = MBX_KEY(MBX_PID_TAG_DISPLAY_NAME);
		int64_t type = get_int(&r->bag, MBX_PID_TAG_RECIPIENT_TYPE, r->type) & 0x0F;
		char *shown = NULL;

		if (mbx_props_utf8(&r->bag, &k, 0, &shown) != 0) {
			k = MBX_KEY(MBX_PID_TAG_EMAIL_ADDRESS);
			shown = NULL;
			if (!r->name && r->bag.n && mbx_props_utf8(&r->bag, &k, 0, &shown) == 0)
				;
			else if (r->name && *r->name)
				shown = mbx_strdup(r->name);
			else
				shown = r->address ? mbx_strdup(r->address) : NULL;
		}
		if (shown && type >= MBX_RECIP_TO && type <= MBX_RECIP_BCC) {
			char *j = list[type - 1] ? mbx_asprintf("%s; %s", list[type - 1], shown) : mbx_strdup(shown);

			mbx_free(list[type - 1]);
			list[type - 1] = j;
		}
		mbx_free(shown);
	}
	for (i = 0; i < 3; i++) {
		put_str(b, ids[i], list[i] ? list[i] : "");
		mbx_free(list[i]);
	}
}

void store_message_synth(const mbx_message *m, mbx_props *b)
{
	const char *addrtype = m->sender_addrtype ? m->sender_addrtype : "SMTP";
	int64_t created = m->received_time ? m->received_time : m->sent_time;

	/* UTF-16 takes at most two bytes per byte of UTF-8 */
	bag_reserve(b, 32, 256 + 2 * (slen(m->message_class) + 4 * slen(m->subject) +
	            2 * slen(m->sender_name) + 5 * slen(m->sender_address) + slen(m->body) +
	            slen(m->transport_headers) + slen(m->internet_message_id)) + slen(m->html_body));
	put_str(b, MBX_PID_TAG_MESSAGE_CLASS, m->message_class ? m->message_class : "IPM.Note");
	if (m->subject) {
		size_t pre = subject_prefix(m->subject);
		char *prefix = mbx_strndup(m->subject, pre);
		/* as the writer and Outlook store it: 0x01, then 1 + the prefix
		 * length (libpff mangles a first non-ASCII character without) */
		char *marked = mbx_asprintf("\x01%c%s", (char)(pre + 1), m->subject);

		put_str(b, MBX_PID_TAG_SUBJECT, marked);
		mbx_free(marked);
		put_str(b, MBX_PID_TAG_SUBJECT_PREFIX, prefix);
		put_str(b, MBX_PID_TAG_NORMALIZED_SUBJECT, m->subject + pre);
		put_str(b, MBX_PID_TAG_CONVERSATION_TOPIC, m->subject + pre);
		mbx_free(prefix);
	}
	if (m->sender_name) {
		put_str(b, MBX_PID_TAG_SENDER_NAME, m->sender_name);
		put_str(b, MBX_PID_TAG_SENT_REPRESENTING_NAME, m->sender_name);
	}
	if (m->sender_address) {
		put_str(b, MBX_PID_TAG_SENDER_EMAIL_ADDRESS, m->sender_address);
		put_str(b, MBX_PID_TAG_SENT_REPRESENTING_EMAIL_ADDRESS, m->sender_address);
		put_str(b, MBX_PID_TAG_SENDER_ADDRESS_TYPE, addrtype);
		put_str(b, MBX_PID_TAG_SENT_REPRESENTING_ADDRESS_TYPE, addrtype);
		if (strcmp(addrtype, "SMTP") == 0)
			put_str(b, MBX_PID_TAG_SENDER_SMTP_ADDRESS, m->sender_address);
	}
	put_str(b, MBX_PID_TAG_BODY, m->body);
	if (m->html_body) {
		put_bin(b, MBX_PID_TAG_HTML, MBX_PT_BINARY, m->html_body, strlen(m->html_body));
		put_u32(b, MBX_PID_TAG_INTERNET_CODEPAGE, MBX_PT_LONG, 65001);
	}
	put_str(b, MBX_PID_TAG_TRANSPORT_MESSAGE_HEADERS, m->transport_headers);
	put_str(b, MBX_PID_TAG_INTERNET_MESSAGE_ID, m->internet_message_id);
	put_time(b, MBX_PID_TAG_CLIENT_SUBMIT_TIME, m->sent_time);
	put_time(b, MBX_PID_TAG_MESSAGE_DELIVERY_TIME, m->received_time);
	put_time(b, MBX_PID_TAG_CREATION_TIME, created);
	put_time(b, MBX_PID_TAG_LAST_MODIFICATION_TIME, created);
	put_u32(b, MBX_PID_TAG_IMPORTANCE, MBX_PT_LONG,
	        (uint32_t)(m->importance < 0 || m->importance > 2 ? 1 : m->importance));
	put_u32(b, MBX_PID_TAG_SENSITIVITY, MBX_PT_LONG, 0);
	put_u32(b, MBX_PID_TAG_PRIORITY, MBX_PT_LONG, 0);
	if (m->flag_status)
		put_u32(b, MBX_PID_TAG_FLAG_STATUS, MBX_PT_LONG, (uint32_t)m->flag_status);
	put_u32(b, MBX_PID_TAG_MESSAGE_FLAGS, MBX_PT_LONG, store_message_flags(m));
	display_lists(m, b);
}

void store_recipient_synth(const mbx_msg_recipient *r, mbx_props *b)
{
	const char *addrtype = r->addrtype ? r->addrtype : "SMTP";

	bag_reserve(b, 12, 64 + 2 * (slen(r->name) + 3 * slen(r->address) + slen(r->addrtype)));
	put_u32(b, MBX_PID_TAG_RECIPIENT_TYPE, MBX_PT_LONG, (uint32_t)r->type);
	put_u32(b, MBX_PID_TAG_RESPONSIBILITY, MBX_PT_BOOLEAN, 1);
	put_u32(b, MBX_PID_TAG_OBJECT_TYPE, MBX_PT_LONG, MBX_MAPI_MAILUSER);
	put_u32(b, MBX_PID_TAG_DISPLAY_TYPE, MBX_PT_LONG, MBX_DT_MAILUSER);
	put_u32(b, MBX_PID_TAG_SEND_RICH_INFO, MBX_PT_BOOLEAN, 0);
	put_str(b, MBX_PID_TAG_DISPLAY_NAME, r->name && *r->name ? r->name : r->address);
	put_str(b, MBX_PID_TAG_ADDRESS_TYPE, addrtype);
	put_str(b, MBX_PID_TAG_EMAIL_ADDRESS, r->address);
	if (r->address && strcmp(addrtype, "SMTP") == 0)
		put_str(b, MBX_PID_TAG_SMTP_ADDRESS, r->address);
}

/* An 8.3 name from a long one, as the writer makes it:
 * "Quarterly report.xlsx" -> "QUARTE~1.XLS". */
static char *short_name(const char *name)
{
	const char *dot = strrchr(name, '.');
	char base[9], ext[4];
	size_t i, n = 0, blen = dot ? (size_t)(dot - name) : strlen(name);

	for (i = 0; i < blen && n < 6; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c < 0x80 && (c >= '0' && c <= '9' ? 1 : (c | 0x20) >= 'a' && (c | 0x20) <= 'z'))
			base[n++] = (char)(c >= 'a' && c <= 'z' ? c - 32 : c);
	}
	if (n == 0)
		base[n++] = 'A';
	base[n] = 0;
	n = 0;
	for (i = 1; dot && dot[i] && n < 3; i++) {
		unsigned char c = (unsigned char)dot[i];

		if (c < 0x80 && (c >= '0' && c <= '9' ? 1 : (c | 0x20) >= 'a' && (c | 0x20) <= 'z'))
			ext[n++] = (char)(c >= 'a' && c <= 'z' ? c - 32 : c);
	}
	ext[n] = 0;
	return n ? mbx_asprintf("%s~1.%s", base, ext) : mbx_asprintf("%s~1", base);
}

void store_attachment_synth(const mbx_attachment *a, mbx_props *b)
{
	const char *name = a->filename;

	mbx_props_init(b);
	if (a->embedded && !name)
		name = a->embedded->subject;
	if (name && *name) {
		char *fixed = utf8_repair(name);
		const char *nm = fixed ? fixed : name, *dot = strrchr(nm, '.');
		char *sn = short_name(nm);

		put_str(b, MBX_PID_TAG_ATTACH_LONG_FILENAME, nm);
		put_str(b, MBX_PID_TAG_DISPLAY_NAME, nm);
		put_str(b, MBX_PID_TAG_ATTACH_FILENAME, sn);
		if (dot)
			put_str(b, MBX_PID_TAG_ATTACH_EXTENSION, dot);
		mbx_free(sn);
		mbx_free(fixed);
	}
	put_str(b, MBX_PID_TAG_ATTACH_MIME_TAG, a->mime_type);
	put_u32(b, MBX_PID_TAG_ATTACH_METHOD, MBX_PT_LONG,
	        a->embedded ? MBX_ATTACH_EMBEDDED_MSG : MBX_ATTACH_BY_VALUE);
	put_u32(b, MBX_PID_TAG_RENDERING_POSITION, MBX_PT_LONG, 0xFFFFFFFFu);
}

void store_folder_synth(const mbx_folder *f, mbx_props *b)
{
	mbx_props_init(b);
	put_str(b, MBX_PID_TAG_DISPLAY_NAME, f->name ? f->name : "");
	put_str(b, MBX_PID_TAG_CONTAINER_CLASS, f->container_class ? f->container_class : "IPF.Note");
}

void store_mailbox_synth(const mbx_mailbox *m, mbx_props *b)
{
	mbx_props_init(b);
	put_str(b, MBX_PID_TAG_DISPLAY_NAME, m->display_name ? m->display_name : "");
}

/* bag = synth + bag's others. */
static void from_fields(mbx_props *bag, mbx_props *synth, const bag_kind *kind)
{
	merge(synth, bag, kind);
	mbx_props_clear(bag);
	*bag = *synth;
}

void mbx_msg_recipient_bag_from_fields(mbx_msg_recipient *r)
{
	mbx_props s;

	store_recipient_synth(r, &s);
	from_fields(&r->bag, &s, &kind_recipient);
}

void mbx_attachment_bag_from_fields(mbx_attachment *a)
{
	mbx_props s;

	store_attachment_synth(a, &s);
	from_fields(&a->bag, &s, &kind_attachment);
}

void mbx_folder_bag_from_fields(mbx_folder *f)
{
	mbx_props s;

	store_folder_synth(f, &s);
	from_fields(&f->bag, &s, &kind_folder);
}

void mbx_mailbox_bag_from_fields(mbx_mailbox *m)
{
	mbx_props s;

	store_mailbox_synth(m, &s);
	from_fields(&m->bag, &s, &kind_mailbox);
}

static void message_bag_from_fields(mbx_message *m, int depth)
{
	mbx_props s;
	size_t i;

	store_message_synth(m, &s);
	from_fields(&m->bag, &s, &kind_message);
	for (i = 0; i < m->n_recipients; i++)
		mbx_msg_recipient_bag_from_fields(&m->recipients[i]);
	for (i = 0; i < m->n_attachments; i++) {
		if (m->attachments[i].embedded && depth < STORE_EMBED_DEPTH)
			message_bag_from_fields(m->attachments[i].embedded, depth + 1);
		mbx_attachment_bag_from_fields(&m->attachments[i]);
	}
}

void mbx_message_bag_from_fields(mbx_message *m)
{
	message_bag_from_fields(m, 0);
}

/* ---- From bag to fields -------------------------------------------------- */

static void set_field(char **field, char *v)
{
	mbx_free(*field);
	*field = v;
}

static int ieq_n(const char *a, const char *b, size_t n)
{
	return strncasecmp(a, b, n) == 0;
}

/*
 * html (UTF-8 now) with the charset of every <meta ... charset=X ...>
 * that is not UTF-8 changed to utf-8; NULL when there is none.
 */
static char *html_meta_utf8(const char *html)
{
	const char *p = html, *tag;
	char *out = NULL;
	size_t olen = 0, ocap = 0, from = 0;

	while ((tag = strchr(p, '<')) != NULL) {
		const char *end, *cs;

		p = tag + 1;
		if (!ieq_n(p, "meta", 4))
			continue;
		end = strchr(p, '>');
		if (!end)
			break;
		for (cs = p; cs + 7 <= end; cs++) {
			const char *v, *ve;

			if (!ieq_n(cs, "charset", 7))
				continue;
			v = cs + 7;
			while (v < end && (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n'))
				v++;
			if (v >= end || *v != '=')
				continue;
			v++;
			while (v < end && (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n' || *v == '"' ||
			                   *v == '\''))
				v++;
			for (ve = v; ve < end && ((*ve >= 'A' && *ve <= 'Z') || (*ve >= 'a' && *ve <= 'z') ||
			                          (*ve >= '0' && *ve <= '9') || *ve == '-' || *ve == '_' ||
			                          *ve == '.' || *ve == ':'); ve++)
				;
			if (ve == v || ((size_t)(ve - v) == 5 && ieq_n(v, "utf-8", 5)) ||
			    ((size_t)(ve - v) == 4 && ieq_n(v, "utf8", 4)))
				break;
			/* copy up to v, then "utf-8" instead of v..ve */
			{
				size_t keep = (size_t)(v - html) - from;

				if (olen + keep + 6 > ocap) {
					ocap = 2 * (olen + keep + 6) + strlen(html);
					out = mbx_realloc(out, ocap);
				}
				memcpy(out + olen, html + from, keep);
				olen += keep;
				memcpy(out + olen, "utf-8", 5);
				olen += 5;
				from = (size_t)(ve - html);
			}
			break;
		}
		p = end + 1;
	}
	if (!out)
		return NULL;
	{
		size_t rest = strlen(html + from);

		if (olen + rest + 1 > ocap)
			out = mbx_realloc(out, olen + rest + 1);
		memcpy(out + olen, html + from, rest + 1);
	}
	return out;
}

/* The HTML body as the column keeps it (UTF-8, its meta made to say so). */
static char *html_text(const mbx_props *b, unsigned cp8)
{
	const mbx_prop *p = plain(b, MBX_PID_TAG_HTML);
	const unsigned char *v;
	char *html, *fixed;

	if (!p)
		return NULL;
	v = mbx_props_val(b, p);
	if (p->type == MBX_PT_UNICODE) {
		html = mbx_utf8_from_utf16(v, p->len, NULL);
	} else if (p->type == MBX_PT_STRING8) {
		html = mbx_utf8_from_codepage(v, p->len, cp8);
	} else if (p->type == MBX_PT_BINARY) {
		int64_t cp = get_int(b, MBX_PID_TAG_INTERNET_CODEPAGE, 0);

		if (cp <= 0)
			cp = mbx_utf8_valid((const char *)v, p->len) ? 65001 : 1252;
		html = mbx_utf8_from_codepage(v, p->len, (unsigned)cp);
	} else {
		return NULL;
	}
	fixed = html_meta_utf8(html);
	if (fixed) {
		mbx_free(html);
		html = fixed;
	}
	return html;
}

static unsigned message_codepage(const mbx_props *b)
{
	int64_t cp = get_int(b, MBX_PID_TAG_MESSAGE_CODEPAGE, 0);

	if (cp <= 0)
		cp = get_int(b, MBX_PID_TAG_INTERNET_CODEPAGE, 0);
	return cp > 0 ? (unsigned)cp : 1252;
}

void mbx_msg_recipient_fields_from_bag(mbx_msg_recipient *r, unsigned cp)
{
	const mbx_props *b = &r->bag;
	int64_t type = get_int(b, MBX_PID_TAG_RECIPIENT_TYPE, MBX_RECIP_TO) & 0x0F;
	char *addr = get_str(b, MBX_PID_TAG_EMAIL_ADDRESS, cp);

	if (!addr)
		addr = get_str(b, MBX_PID_TAG_SMTP_ADDRESS, cp);
	r->type = type >= MBX_RECIP_TO && type <= MBX_RECIP_BCC ? (mbx_recip_type)type : MBX_RECIP_TO;
	set_field(&r->name, get_str(b, MBX_PID_TAG_DISPLAY_NAME, cp));
	set_field(&r->address, addr);
	set_field(&r->addrtype, get_str(b, MBX_PID_TAG_ADDRESS_TYPE, cp));
}

void mbx_attachment_fields_from_bag(mbx_attachment *a, unsigned cp)
{
	const mbx_props *b = &a->bag;
	const mbx_prop *data = plain(b, MBX_PID_TAG_ATTACH_DATA_BINARY);
	char *name = get_str(b, MBX_PID_TAG_ATTACH_LONG_FILENAME, cp);

	if (!name)
		name = get_str(b, MBX_PID_TAG_ATTACH_FILENAME, cp);
	if (!name)
		name = get_str(b, MBX_PID_TAG_DISPLAY_NAME, cp);
	set_field(&a->filename, name);
	set_field(&a->mime_type, get_str(b, MBX_PID_TAG_ATTACH_MIME_TAG, cp));
	if (data && data->type == MBX_PT_BINARY) {
		a->data = mbx_props_val(b, data);
		a->size = data->len;
	}
}

static void message_fields_from_bag(mbx_message *m, int depth)
{
	const mbx_props *b = &m->bag;
	unsigned cp = message_codepage(b);
	char *subject = get_str(b, MBX_PID_TAG_SUBJECT, cp);
	int64_t flags = get_int(b, MBX_PID_TAG_MESSAGE_FLAGS, 0);
	int64_t importance = get_int(b, MBX_PID_TAG_IMPORTANCE, 1);
	size_t i;

	if (subject && subject[0] == 0x01 && subject[1]) {
		/* "\x01" and a length before the subject ([MS-PST] 2.5.3.1.1.1.1) */
		memmove(subject, subject + 2, strlen(subject + 2) + 1);
	} else if (!subject) {
		char *pre = get_str(b, MBX_PID_TAG_SUBJECT_PREFIX, cp);
		char *norm = get_str(b, MBX_PID_TAG_NORMALIZED_SUBJECT, cp);

		if (norm)
			subject = mbx_asprintf("%s%s", pre ? pre : "", norm);
		mbx_free(pre);
		mbx_free(norm);
	}
	set_field(&m->message_class, get_str(b, MBX_PID_TAG_MESSAGE_CLASS, cp));
	set_field(&m->subject, subject);
	set_field(&m->sender_name, get_str(b, MBX_PID_TAG_SENDER_NAME, cp));
	set_field(&m->sender_address, get_str(b, MBX_PID_TAG_SENDER_EMAIL_ADDRESS, cp));
	set_field(&m->sender_addrtype, get_str(b, MBX_PID_TAG_SENDER_ADDRESS_TYPE, cp));
	set_field(&m->body, get_str(b, MBX_PID_TAG_BODY, cp));
	set_field(&m->html_body, html_text(b, cp));
	set_field(&m->transport_headers, get_str(b, MBX_PID_TAG_TRANSPORT_MESSAGE_HEADERS, cp));
	set_field(&m->internet_message_id, get_str(b, MBX_PID_TAG_INTERNET_MESSAGE_ID, cp));
	m->sent_time = get_time(b, MBX_PID_TAG_CLIENT_SUBMIT_TIME);
	m->received_time = get_time(b, MBX_PID_TAG_MESSAGE_DELIVERY_TIME);
	m->flags = (uint32_t)flags;
	if (flags & MBX_MSG_ASSOCIATED)
		m->associated = 1;
	m->flag_status = (int)get_int(b, MBX_PID_TAG_FLAG_STATUS, 0);
	m->importance = importance >= 0 && importance <= 2 ? (int)importance : 1;
	for (i = 0; i < m->n_recipients; i++)
		mbx_msg_recipient_fields_from_bag(&m->recipients[i], cp);
	for (i = 0; i < m->n_attachments; i++) {
		mbx_attachment_fields_from_bag(&m->attachments[i], cp);
		if (m->attachments[i].embedded && depth < STORE_EMBED_DEPTH)
			message_fields_from_bag(m->attachments[i].embedded, depth + 1);
	}
}

void mbx_message_fields_from_bag(mbx_message *m)
{
	message_fields_from_bag(m, 0);
}

void mbx_folder_fields_from_bag(mbx_folder *f)
{
	char *name = get_str(&f->bag, MBX_PID_TAG_DISPLAY_NAME, 0);

	set_field(&f->name, name ? name : mbx_strdup(""));
	set_field(&f->container_class, get_str(&f->bag, MBX_PID_TAG_CONTAINER_CLASS, 0));
}

void mbx_mailbox_fields_from_bag(mbx_mailbox *m)
{
	char *name = get_str(&m->bag, MBX_PID_TAG_DISPLAY_NAME, 0);

	if (name)
		set_field(&m->display_name, name);
}

/* ---- Extra item properties: the typed view ------------------------------- */

static const uint8_t zero_guid[16];

int mbx_msg_prop_named(const mbx_msg_prop *p)
{
	return memcmp(p->guid, zero_guid, sizeof(zero_guid)) != 0;
}

void mbx_msg_prop_clear(mbx_msg_prop *p)
{
	if (!p)
		return;
	mbx_free(p->s);
	p->s = NULL;
}

void mbx_msg_props_free(mbx_msg_prop *p, size_t n)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < n; i++)
		mbx_free(p[i].s);
	mbx_free(p);
}

int store_prop_type_typed(unsigned t)
{
	return t == MBX_PT_LONG || t == MBX_PT_DOUBLE || t == MBX_PT_BOOLEAN || t == MBX_PT_UNICODE ||
	       t == MBX_PT_SYSTIME;
}

int store_bag_typed(const mbx_props *b, size_t i, mbx_msg_prop *out)
{
	const mbx_prop *p = &b->p[i];
	const unsigned char *v = mbx_props_val(b, p);
	mbx_propkey k;

	memset(out, 0, sizeof(*out));
	if (!store_prop_type_typed(p->type))
		return 0;
	k = mbx_props_key(b, i);
	if (k.name)
		return 0;
	if (k.guid) {
		memcpy(out->guid, k.guid, 16);
		out->id = k.lid;
	} else {
		out->id = k.id;
	}
	out->type = p->type;
	switch (p->type) {
	case MBX_PT_LONG:
		out->i = (int32_t)rd32(v);
		break;
	case MBX_PT_BOOLEAN:
		out->i = v[0] != 0;
		break;
	case MBX_PT_SYSTIME:
		out->i = mbx_filetime_to_unix(rd64(v));
		break;
	case MBX_PT_DOUBLE: {
		uint64_t bits = rd64(v);

		memcpy(&out->d, &bits, sizeof(out->d));
		break;
	}
	default:
		out->s = mbx_utf8_from_utf16(v, p->len, NULL);
	}
	return 1;
}

int mbx_message_prop_set(mbx_message *m, const mbx_msg_prop *p)
{
	mbx_propkey k = mbx_msg_prop_named(p) ? MBX_LIDKEY(p->guid, p->id) : MBX_KEY(0);

	if (!mbx_msg_prop_named(p)) {
		if (p->id == 0 || p->id >= 0x8000)
			return mbx_error_set(MBX_EINVAL, "message '%s': plain property id 0x%04X is outside "
			                     "0x0001-0x7FFF (named properties need a property set)",
			                     m->subject ? m->subject : "", (unsigned)p->id);
		k.id = (uint16_t)p->id;
	}
	switch (p->type) {
	case MBX_PT_LONG:
		return mbx_props_set_u32(&m->bag, &k, MBX_PT_LONG, (uint32_t)p->i);
	case MBX_PT_BOOLEAN:
		return mbx_props_set_u32(&m->bag, &k, MBX_PT_BOOLEAN, p->i != 0);
	case MBX_PT_SYSTIME:
		return mbx_props_set_time(&m->bag, &k, p->i);
	case MBX_PT_DOUBLE: {
		uint64_t bits;

		memcpy(&bits, &p->d, sizeof(bits));
		return mbx_props_set_i64(&m->bag, &k, MBX_PT_DOUBLE, (int64_t)bits);
	}
	case MBX_PT_UNICODE:
		return mbx_props_set_utf8(&m->bag, &k, p->s ? p->s : "");
	default:
		return mbx_error_set(MBX_EINVAL, "message '%s': property 0x%04X has type 0x%04X (use LONG, "
		                     "DOUBLE, BOOLEAN, UNICODE or SYSTIME, or set it in the bag)",
		                     m->subject ? m->subject : "", (unsigned)p->id, (unsigned)p->type);
	}
}

int mbx_message_prop_get(const mbx_message *m, const void *guid, uint32_t id, mbx_msg_prop *out)
{
	mbx_propkey k = guid && memcmp(guid, zero_guid, 16) != 0 ? MBX_LIDKEY(guid, id) : MBX_KEY(id);
	long i;

	memset(out, 0, sizeof(*out));
	if (!k.guid && (id == 0 || id >= 0x8000))
		return MBX_ENOTFOUND;
	i = mbx_props_find(&m->bag, &k);
	if (i < 0)
		return MBX_ENOTFOUND;
	if (!store_bag_typed(&m->bag, (size_t)i, out))
		return mbx_error_set(MBX_EINVAL, "property 0x%04X has type %s", (unsigned)id,
		                     mbx_proptype_name(m->bag.p[i].type));
	return 0;
}

void mbx_message_props_extra(const mbx_message *m, mbx_msg_prop **out, size_t *n)
{
	const mbx_props *b = &m->bag;
	size_t i;

	*out = NULL;
	*n = 0;
	for (i = 0; i < b->n; i++) {
		mbx_propkey k = mbx_props_key(b, i);
		mbx_msg_prop p;

		if (mbx_message_prop_derived(&k) || !store_bag_typed(b, i, &p))
			continue;
		if (*n == 0)
			*out = mbx_reallocarray(NULL, b->n, sizeof(**out));
		(*out)[(*n)++] = p;
	}
}

/* ---- The props column ---------------------------------------------------- */

void store_blob_free(store_blob *o)
{
	mbx_free(o->p);
	memset(o, 0, sizeof(*o));
}

static int prop_equal(const mbx_props *a, size_t i, const mbx_props *b, size_t j)
{
	const mbx_prop *p = &a->p[i], *q = &b->p[j];
	mbx_propkey ka, kb;

	if (p->type != q->type || p->len != q->len || (p->name == 0) != (q->name == 0))
		return 0;
	if (p->name == 0 && p->id != q->id)
		return 0;
	if (p->name) {
		ka = mbx_props_key(a, i);
		kb = mbx_props_key(b, j);
		if (!mbx_propkey_equal(&ka, &kb))
			return 0;
	}
	return p->len == 0 || memcmp(mbx_props_val(a, p), mbx_props_val(b, q), p->len) == 0;
}

static int starts_with(const mbx_props *bag, const mbx_props *pre)
{
	size_t i;

	if (bag->n < pre->n)
		return 0;
	for (i = 0; i < pre->n; i++)
		if (!prop_equal(bag, i, pre, i))
			return 0;
	return 1;
}

static int is_data(const mbx_prop *p)
{
	return p->name == 0 && p->id == MBX_PID_TAG_ATTACH_DATA_BINARY && p->type == MBX_PT_BINARY;
}

/* flags, then the packed properties of b from index `from` on (empty ones
 * in place of those the message's columns rebuild: `empty` per property,
 * or NULL; those the fields of `skip` give left out, skip NULL: none); the
 * attachment data left out.  Nothing (SQL NULL) when the PREFIX form has
 * no properties after the fields'. */
static void blob_put(store_blob *o, unsigned flags, const mbx_props *b, size_t from,
                     const unsigned char *empty, const bag_kind *skip)
{
	unsigned char *sel = mbx_malloc(b->n ? b->n : 1);
	size_t i, n = 0;

	/* packed straight from b: no copy of the bag to build first */
	for (i = 0; i < b->n; i++) {
		sel[i] = i >= from && !is_data(&b->p[i]) && !(skip && kind_has(skip, &b->p[i]));
		if (sel[i] && empty && empty[i])
			sel[i] = 2;
		n += sel[i] != 0;
	}
	if (n == 0 && (flags & STORE_BAG_PREFIX)) {
		mbx_free(sel);
		return;
	}
	o->len = 0;
	if (o->cap < 1) {
		o->cap = 256;
		o->p = mbx_realloc(o->p, o->cap);
	}
	o->p[o->len++] = (unsigned char)flags;
	mbx_props_pack_sel(b, sel, &o->p, &o->len, &o->cap);
	mbx_free(sel);
}

/* 1 when bag is properties beside the fields (it lacks the one property a
 * whole bag of the kind has): their PREFIX form is the bag without what
 * the fields give, no need to build that. */
static int beside_fields(const mbx_props *bag, const bag_kind *kind, store_blob *o)
{
	if (plain(bag, kind->whole))
		return 0;
	blob_put(o, STORE_BAG_PREFIX, bag, 0, NULL, kind);
	return 1;
}

/* The column of a whole bag, `synth` what the fields give. */
static void encode(const mbx_props *bag, const mbx_props *synth, store_blob *o)
{
	if (starts_with(bag, synth))
		blob_put(o, STORE_BAG_PREFIX, bag, synth->n, NULL, NULL);
	else
		blob_put(o, 0, bag, 0, NULL, NULL);
}

void store_recipient_blob(const mbx_msg_recipient *r, store_blob *o)
{
	mbx_props s;

	o->len = 0;
	if (r->bag.n == 0 || beside_fields(&r->bag, &kind_recipient, o))
		return;
	store_recipient_synth(r, &s);
	encode(&r->bag, &s, o);
	mbx_props_clear(&s);
}

void store_attachment_blob(const mbx_attachment *a, store_blob *o)
{
	mbx_props s;

	o->len = 0;
	if (a->bag.n == 0 || beside_fields(&a->bag, &kind_attachment, o))
		return;
	store_attachment_synth(a, &s);
	encode(&a->bag, &s, o);
	mbx_props_clear(&s);
}

void store_folder_blob(const mbx_folder *f, store_blob *o)
{
	mbx_props s;

	o->len = 0;
	if (f->bag.n == 0 || beside_fields(&f->bag, &kind_folder, o))
		return;
	store_folder_synth(f, &s);
	encode(&f->bag, &s, o);
	mbx_props_clear(&s);
}

void store_mailbox_bag_blob(const mbx_props *bag, const char *display_name, store_blob *o)
{
	mbx_mailbox m;
	mbx_props s;

	o->len = 0;
	if (bag->n == 0 || beside_fields(bag, &kind_mailbox, o))
		return;
	memset(&m, 0, sizeof(m));
	m.display_name = (char *)display_name;
	store_mailbox_synth(&m, &s);
	encode(bag, &s, o);
	mbx_props_clear(&s);
}

/* 1 when the UTF-16 value v is what text (UTF-8) gives. */
static int utf16_is(const char *text, const unsigned char *v, size_t len)
{
	unsigned char *w;
	size_t wl;
	int same;

	if (!text || mbx_utf16_from_utf8(text, strlen(text), &w, &wl) != 0)
		return 0;
	same = wl == len && (len == 0 || memcmp(w, v, len) == 0);
	mbx_free(w);
	return same;
}

void store_message_blob(const mbx_message *m, store_blob *o)
{
	const mbx_props *bag = &m->bag;
	mbx_props s;
	unsigned char *empty;
	unsigned flags = 0;
	size_t i;

	o->len = 0;
	if (bag->n == 0 || beside_fields(bag, &kind_message, o))
		return;
	/* A whole bag of the fields' form starts as they do: only then is it
	 * worth building what they give. */
	if (bag->p[0].name == 0 && bag->p[0].id == MBX_PID_TAG_MESSAGE_CLASS) {
		store_message_synth(m, &s);
		if (starts_with(bag, &s)) {
			blob_put(o, STORE_BAG_PREFIX, bag, s.n, NULL, NULL);
			mbx_props_clear(&s);
			return;
		}
		mbx_props_clear(&s);
	}
	/* The whole bag, the big values its columns rebuild left empty. */
	empty = mbx_calloc(bag->n, 1);
	for (i = 0; i < bag->n; i++) {
		const mbx_prop *p = &bag->p[i];
		const unsigned char *v = mbx_props_val(bag, p);

		if (p->name)
			continue;
		if (p->id == MBX_PID_TAG_BODY && p->type == MBX_PT_UNICODE && !(flags & STORE_BAG_BODY) &&
		    utf16_is(m->body, v, p->len)) {
			empty[i] = 1;
			flags |= STORE_BAG_BODY;
		} else if (p->id == MBX_PID_TAG_HTML && p->type == MBX_PT_BINARY && !(flags & STORE_BAG_HTML) &&
		           m->html_body && strlen(m->html_body) == p->len &&
		           memcmp(m->html_body, v, p->len) == 0) {
			empty[i] = 1;
			flags |= STORE_BAG_HTML;
		} else if (p->id == MBX_PID_TAG_TRANSPORT_MESSAGE_HEADERS && p->type == MBX_PT_UNICODE &&
		           !(flags & STORE_BAG_HEADERS) && utf16_is(m->transport_headers, v, p->len)) {
			empty[i] = 1;
			flags |= STORE_BAG_HEADERS;
		}
	}
	blob_put(o, flags, bag, 0, empty, NULL);
	mbx_free(empty);
}

/* ---- Back from the column ------------------------------------------------ */

static int corrupt(const char *what)
{
	return mbx_error_set(MBX_ECORRUPT, "%s has a malformed property bag; the store is damaged", what);
}

/* bag (holding what came before, for messages the schema-4 properties) from
 * the column: synth is what the fields give (consumed). */
static int decode(mbx_props *bag, mbx_props *synth, const bag_kind *kind, const void *blob,
                  size_t len, unsigned *flags_out, const char *what)
{
	const unsigned char *p = blob;
	mbx_props t;
	unsigned flags;
	size_t i;
	int rc;

	*flags_out = 0;
	if (!blob) {
		from_fields(bag, synth, kind);
		return 0;
	}
	if (len < 1 || (p[0] & ~(unsigned)STORE_BAG_ALL)) {
		mbx_props_clear(synth);
		return corrupt(what);
	}
	flags = p[0];
	mbx_props_init(&t);
	/* a value of the wrong size for its type stays: the export reports it
	 * with its item and leaves it out, rather than the whole item failing */
	rc = mbx_props_unpack_keep(&t, p + 1, len - 1, NULL);
	if (rc < 0) {
		mbx_props_clear(synth);
		return corrupt(what);
	}
	*flags_out = flags;
	mbx_props_clear(bag);
	if (flags & STORE_BAG_PREFIX) {
		for (i = 0; i < t.n; i++) {
			mbx_propkey k = mbx_props_key(&t, i);

			mbx_props_set_raw(synth, &k, t.p[i].type, mbx_props_val(&t, &t.p[i]), t.p[i].len);
		}
		mbx_props_clear(&t);
		*bag = *synth;
	} else {
		mbx_props_clear(synth);
		*bag = t;
	}
	return 0;
}

int store_recipient_bag_load(mbx_msg_recipient *r, const void *blob, size_t len)
{
	mbx_props s;
	unsigned flags;

	store_recipient_synth(r, &s);
	return decode(&r->bag, &s, &kind_recipient, blob, len, &flags, "a message recipient");
}

int store_attachment_bag_load(mbx_attachment *a, const void *blob, size_t len)
{
	mbx_props s;
	unsigned flags;

	store_attachment_synth(a, &s);
	return decode(&a->bag, &s, &kind_attachment, blob, len, &flags, "an attachment");
}

int store_folder_bag_load(mbx_folder *f, const void *blob, size_t len)
{
	mbx_props s;
	unsigned flags;

	store_folder_synth(f, &s);
	return decode(&f->bag, &s, &kind_folder, blob, len, &flags, "a folder");
}

int store_mailbox_bag_load(mbx_mailbox *m, const void *blob, size_t len)
{
	mbx_props s;
	unsigned flags;

	store_mailbox_synth(m, &s);
	return decode(&m->bag, &s, &kind_mailbox, blob, len, &flags, "a mailbox");
}

/* The placeholder of property id gets the value its column gives. */
static void refill(mbx_props *b, uint16_t id, uint16_t type, const char *text, int utf16)
{
	mbx_propkey k = MBX_KEY(id);
	const mbx_prop *p = plain(b, id);

	if (!p || p->type != type || !text)
		return;
	if (utf16)
		mbx_props_set_utf8(b, &k, text);
	else
		mbx_props_set(b, &k, type, text, strlen(text));
}

int store_message_bag_load(mbx_message *m, const void *blob, size_t len)
{
	mbx_props s;
	unsigned flags;
	int rc;

	if (blob && len >= 1 && !(((const unsigned char *)blob)[0] & STORE_BAG_PREFIX))
		mbx_props_init(&s);   /* a whole bag: the fields' form is not needed */
	else
		store_message_synth(m, &s);
	rc = decode(&m->bag, &s, &kind_message, blob, len, &flags, "a message");
	if (rc < 0)
		return rc;
	if (flags & STORE_BAG_BODY)
		refill(&m->bag, MBX_PID_TAG_BODY, MBX_PT_UNICODE, m->body, 1);
	if (flags & STORE_BAG_HTML)
		refill(&m->bag, MBX_PID_TAG_HTML, MBX_PT_BINARY, m->html_body, 0);
	if (flags & STORE_BAG_HEADERS)
		refill(&m->bag, MBX_PID_TAG_TRANSPORT_MESSAGE_HEADERS, MBX_PT_UNICODE, m->transport_headers, 1);
	return 0;
}
