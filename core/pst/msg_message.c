/*
 * core/pst/msg_message.c - messages, recipients and attachments
 * ([MS-PST] 2.4.5, 2.4.6).
 *
 * A message's PC heap is filled while the message is open: first every
 * property of its bag, then the fields for what the bag lacks.
 * Attachment data goes straight to data blocks.  Recipients are kept (as
 * the cells of their rows) until the message ends: the recipient table's
 * columns are the standard ones and every property any recipient has,
 * and a table's columns are fixed when it starts.  At the end come the
 * tables, the PC (its size property is the node's size: heap plus every
 * subnode's data), the subnode tree, the NBT entry and the row in the
 * folder's contents table, which repeats the message's own values.  An
 * embedded message (attach method 5) is the same thing stored as a
 * subnode of its attachment.
 *
 * Recipient row IDs.  libpst reads a message's recipient table as a list
 * of attachments too (its "DSN/MDN" pass) and then looks every row's
 * PidTagLtpRowId up among the message's subnode NIDs: a row ID that is
 * the NID of a subnode makes libpst read that subnode as one more
 * attachment (the NID of a real attachment: that attachment twice).  So
 * recipient row IDs count 0, 1, 2, ... skipping every NID of the
 * message's subnodes (the attachment and recipient tables, 0x671 and
 * 0x692, included), and subnode NIDs start at index 0x400 (NID 0x8000 and
 * up) as Outlook's do, so that no skip is needed below 1,649 rows.
 * `pst-check --strict` reports a file where a row ID is a subnode NID.
 */
#include <stdlib.h>
#include <string.h>

#include "mbx/common.h"
#include "pst/pst_int.h"

#define PST_TC_MAX_COLS      253u   /* cCols is one byte; LtpRowId/Ver are two */

typedef struct pst_attach {
	pst_pc pc;
	pst_subnodes sn;
	pst_dstream data;
	uint32_t nid;
	int method;
	int bag_data;                /* the bag gave PidTagAttachDataBinary */
	int wrote;                   /* mbx_pst_attach_write was called */
	pst_rowvals row;             /* its row in the attachment table */
} pst_attach;

/* One cell of a recipient row, kept until the message ends. */
typedef struct pst_rcell {
	uint32_t tag;
	uint32_t len;
	size_t off;                  /* in mbx_pst_msg.rdata */
} pst_rcell;

struct mbx_pst_msg {
	mbx_pst *pst;
	mbx_pst_msg *outer;          /* the message holding this embedded one */
	mbx_pst_msg *inner;          /* the open embedded message */
	pst_folder *folder;
	uint32_t nid;
	int assoc;
	uint32_t next_sub_own;
	uint32_t *next_sub;          /* unique subnode NIDs in the whole tree */
	pst_pc pc;
	pst_subnodes sn;
	/* recipients: the cells of every row, back to back */
	pst_rcell *rc;
	size_t nrc, arc;
	unsigned char *rdata;
	size_t nrdata, ardata;
	int rother;                  /* a cell not of the standard columns */
	size_t *rfirst;              /* first cell of each recipient; [nrecips] = nrc */
	uint32_t nrecips;
	size_t arecips;
	char *disp[3];               /* display To, Cc, Bcc */
	int have_disp[3];            /* ... given by the bag */
	pst_tc attachments;
	uint32_t nattach;
	pst_attach *att;             /* the open attachment */
	pst_rowvals row;             /* its row in the contents table */
	const mbx_props *bag;        /* the caller's bag, during begin only */
	char *label;                 /* the subject, for messages */
	uint32_t flags;
	int bag_flags;               /* flags from the bag: mfHasAttach follows the attachments */
	int want_hasattach;          /* the bag had PidTagHasAttachments */
	int whole;                   /* the bag is the whole message (opts.bags_whole) */
	unsigned cp;                 /* code page of PtypString8 values */
};

static const uint32_t recip_cols[] = {
	MBX_TAG_RECIPIENT_TYPE, MBX_TAG_RESPONSIBILITY, MBX_TAG_OBJECT_TYPE, MBX_TAG_DISPLAY_NAME_W,
	MBX_TAG_ADDRESS_TYPE, MBX_TAG_EMAIL_ADDRESS_W, MBX_TAG_SEARCH_KEY, MBX_TAG_DISPLAY_TYPE,
	MBX_TAG_SMTP_ADDRESS, MBX_TAG_SEND_RICH_INFO, MBX_TAG_RECORD_KEY, MBX_TAG_ENTRY_ID,
	MBX_TAG_7_BIT_DISPLAY_NAME,
};
#define N_RECIP_COLS (sizeof(recip_cols) / sizeof(recip_cols[0]))

static int check_open(mbx_pst_msg *msg)
{
	if (msg->pst->ndb.err)
		return msg->pst->ndb.err;
	if (msg->inner)
		return mbx_error_set(MBX_EINVAL, "an embedded message is open in %s: end it first", msg->pst->path);
	return 0;
}

/* "RE: Lunch" -> prefix "RE: ", rest "Lunch" ([MS-PST] 2.5.3.1.1.1.1:
 * up to three characters, a colon, a space). */
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

/* ---- writing a message's properties -------------------------------------- */

/* Every property of a message goes through here: its PC, and the copy
 * its contents table row takes the value from. */
static int put(mbx_pst_msg *m, uint16_t id, uint16_t type, const void *v, size_t len)
{
	int rc = pst_pc_prop(&m->pc, id, type, v, len);

	if (rc == 0 && !m->outer && pst_contents_col(id))
		pst_rowvals_set(&m->row, id, type, v, len);
	return rc;
}

static int put_u32(mbx_pst_msg *m, uint16_t id, uint16_t type, uint32_t v)
{
	unsigned char b[4];

	pst_put32(b, v);
	return put(m, id, type, b, type == MBX_PT_BOOLEAN ? 1 : type == MBX_PT_SHORT ? 2 : 4);
}

static int put_i64(mbx_pst_msg *m, uint16_t id, uint16_t type, uint64_t v)
{
	unsigned char b[8];

	pst_put64(b, v);
	return put(m, id, type, b, 8);
}

static int put_str(mbx_pst_msg *m, uint16_t id, const char *utf8, const char *what)
{
	unsigned char *w;
	size_t wl;
	int rc;

	if (!utf8)
		return 0;
	rc = pst_utf16(m->pst->cd, utf8, &w, &wl, what);
	if (rc == 0)
		rc = put(m, id, MBX_PT_UNICODE, w, wl);
	mbx_free(w);
	return rc;
}

/* 1 when the message's bag does not hold plain property id: a field may
 * fill it. */
static int lacks(const mbx_pst_msg *m, uint16_t id)
{
	return !pst_bag_has(m->bag, id);
}

static int put_time(mbx_pst_msg *m, uint16_t id, int64_t t)
{
	if (t == 0 || !lacks(m, id))
		return 0;
	return put_i64(m, id, MBX_PT_SYSTIME, pst_filetime(t));
}

static uint32_t le_u32(const unsigned char *p, size_t len)
{
	uint32_t v = 0;
	size_t i;

	for (i = 0; i < len && i < 4; i++)
		v |= (uint32_t)p[i] << (8 * i);
	return v;
}

/* Every property of the message's bag, but those the writer regenerates. */
static int put_bag(mbx_pst_msg *m, const mbx_props *b)
{
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < b->n; i++) {
		const mbx_prop *p = &b->p[i];
		const unsigned char *v = mbx_props_val(b, p);
		mbx_propkey k = mbx_props_key(b, i);
		uint16_t id;

		if (p->name == 0) {
			const mbx_pst_regen *r = pst_regen_find(MBX_PST_OBJ_MESSAGE, p->id, p->type);

			if (p->id == MBX_PID_TAG_MESSAGE_CODEPAGE && p->type == MBX_PT_LONG && p->len == 4)
				m->cp = le_u32(v, 4);
			if (r && r->rule == MBX_PST_REGEN_ADJUSTED) {   /* PidTagMessageFlags */
				if (p->type == MBX_PT_LONG && p->len == 4) {
					m->flags = le_u32(v, 4);
					m->bag_flags = 1;
				}
				continue;
			}
			if (r && r->rule == MBX_PST_REGEN_PRESENT)
				m->want_hasattach = 1;
			if (r)
				continue;
			if (p->id == MBX_PID_TAG_DISPLAY_TO)
				m->have_disp[0] = 1;
			else if (p->id == MBX_PID_TAG_DISPLAY_CC)
				m->have_disp[1] = 1;
			else if (p->id == MBX_PID_TAG_DISPLAY_BCC)
				m->have_disp[2] = 1;
		}
		rc = pst_key_id(m->pst, &k, &id);
		if (rc == 0)
			rc = put(m, id, p->type, v, p->len);
	}
	return rc;
}

static int put_props(mbx_pst_msg *m, const mbx_pst_message_props *p)
{
	const char *addrtype = p->sender_addrtype ? p->sender_addrtype : "SMTP";
	size_t pre = p->subject ? subject_prefix(p->subject) : 0;
	int rc = 0;

	m->bag = p->props;
	m->cp = 1252;
	m->flags = p->flags;
	m->label = mbx_strdup(p->subject ? p->subject + pre : "");
	m->whole = m->pst->opts.bags_whole && p->props && p->props->n;
	if (p->props)
		rc = put_bag(m, p->props);
	if (rc == 0 && lacks(m, MBX_PID_TAG_MESSAGE_CLASS))
		rc = put_str(m, MBX_PID_TAG_MESSAGE_CLASS, p->message_class ? p->message_class : "IPM.Note",
		             "the message class");
	if (m->whole) {
		/* nothing beside the bag: what it lacks, its source lacked */
		m->have_disp[0] = m->have_disp[1] = m->have_disp[2] = 1;
		m->bag = NULL;
		return rc;
	}
	if (rc == 0 && p->subject && lacks(m, MBX_PID_TAG_SUBJECT)) {
		/* as Outlook stores it: 0x01, then 1 + the prefix length, then the
		 * subject; every reader strips the two, and libpff mangles a first
		 * non-ASCII character without them.  The field's prefix, normalized
		 * subject and topic only with the field's subject. */
		char *marked = mbx_asprintf("\x01%c%s", (char)(pre + 1), p->subject);
		char *prefix = mbx_strndup(p->subject, pre);

		rc = put_str(m, MBX_PID_TAG_SUBJECT, marked, "the subject");
		if (rc == 0 && lacks(m, MBX_PID_TAG_SUBJECT_PREFIX))
			rc = put_str(m, MBX_PID_TAG_SUBJECT_PREFIX, prefix, "the subject");
		if (rc == 0 && lacks(m, MBX_PID_TAG_NORMALIZED_SUBJECT))
			rc = put_str(m, MBX_PID_TAG_NORMALIZED_SUBJECT, p->subject + pre, "the subject");
		if (rc == 0 && lacks(m, MBX_PID_TAG_CONVERSATION_TOPIC))
			rc = put_str(m, MBX_PID_TAG_CONVERSATION_TOPIC, p->subject + pre, "the subject");
		mbx_free(marked);
		mbx_free(prefix);
	}
	if (rc == 0 && p->sender_name) {
		if (lacks(m, MBX_PID_TAG_SENDER_NAME))
			rc = put_str(m, MBX_PID_TAG_SENDER_NAME, p->sender_name, "the sender name");
		if (rc == 0 && lacks(m, MBX_PID_TAG_SENT_REPRESENTING_NAME))
			rc = put_str(m, MBX_PID_TAG_SENT_REPRESENTING_NAME, p->sender_name, "the sender name");
	}
	if (rc == 0 && p->sender_address) {
		if (lacks(m, MBX_PID_TAG_SENDER_EMAIL_ADDRESS))
			rc = put_str(m, MBX_PID_TAG_SENDER_EMAIL_ADDRESS, p->sender_address, "the sender address");
		if (rc == 0 && lacks(m, MBX_PID_TAG_SENT_REPRESENTING_EMAIL_ADDRESS))
			rc = put_str(m, MBX_PID_TAG_SENT_REPRESENTING_EMAIL_ADDRESS, p->sender_address,
			             "the sender address");
		if (rc == 0 && lacks(m, MBX_PID_TAG_SENDER_ADDRESS_TYPE))
			rc = put_str(m, MBX_PID_TAG_SENDER_ADDRESS_TYPE, addrtype, "the sender address type");
		if (rc == 0 && lacks(m, MBX_PID_TAG_SENT_REPRESENTING_ADDRESS_TYPE))
			rc = put_str(m, MBX_PID_TAG_SENT_REPRESENTING_ADDRESS_TYPE, addrtype, "the sender address type");
		if (rc == 0 && strcmp(addrtype, "SMTP") == 0 && lacks(m, MBX_PID_TAG_SENDER_SMTP_ADDRESS))
			rc = put_str(m, MBX_PID_TAG_SENDER_SMTP_ADDRESS, p->sender_address, "the sender address");
	}
	if (rc == 0 && p->body && lacks(m, MBX_PID_TAG_BODY))
		rc = put_str(m, MBX_PID_TAG_BODY, p->body, "the body");
	if (rc == 0 && p->html_body && lacks(m, MBX_PID_TAG_HTML)) {
		rc = put(m, MBX_PID_TAG_HTML, MBX_PT_BINARY, p->html_body, strlen(p->html_body));
		if (rc == 0 && lacks(m, MBX_PID_TAG_INTERNET_CODEPAGE))
			rc = put_u32(m, MBX_PID_TAG_INTERNET_CODEPAGE, MBX_PT_LONG, 65001);   /* UTF-8 */
	}
	if (rc == 0 && p->transport_headers && lacks(m, MBX_PID_TAG_TRANSPORT_MESSAGE_HEADERS))
		rc = put_str(m, MBX_PID_TAG_TRANSPORT_MESSAGE_HEADERS, p->transport_headers, "the transport headers");
	if (rc == 0 && p->internet_message_id && lacks(m, MBX_PID_TAG_INTERNET_MESSAGE_ID))
		rc = put_str(m, MBX_PID_TAG_INTERNET_MESSAGE_ID, p->internet_message_id, "the message id");
	if (rc == 0)
		rc = put_time(m, MBX_PID_TAG_CLIENT_SUBMIT_TIME, p->submit_time);
	if (rc == 0)
		rc = put_time(m, MBX_PID_TAG_MESSAGE_DELIVERY_TIME, p->delivery_time);
	if (rc == 0)
		rc = put_time(m, MBX_PID_TAG_CREATION_TIME, p->creation_time ? p->creation_time :
		              p->delivery_time ? p->delivery_time : p->submit_time);
	if (rc == 0)
		rc = put_time(m, MBX_PID_TAG_LAST_MODIFICATION_TIME, p->modification_time ? p->modification_time :
		              p->creation_time ? p->creation_time :
		              p->delivery_time ? p->delivery_time : p->submit_time);
	if (rc == 0 && lacks(m, MBX_PID_TAG_IMPORTANCE))
		rc = put_u32(m, MBX_PID_TAG_IMPORTANCE, MBX_PT_LONG,
		             (uint32_t)(p->importance < 0 || p->importance > 2 ? 1 : p->importance));
	if (rc == 0 && lacks(m, MBX_PID_TAG_SENSITIVITY))
		rc = put_u32(m, MBX_PID_TAG_SENSITIVITY, MBX_PT_LONG, 0);   /* none */
	if (rc == 0 && lacks(m, MBX_PID_TAG_PRIORITY))
		rc = put_u32(m, MBX_PID_TAG_PRIORITY, MBX_PT_LONG, 0);      /* normal */
	if (rc == 0 && p->flag_status && lacks(m, MBX_PID_TAG_FLAG_STATUS))
		rc = put_u32(m, MBX_PID_TAG_FLAG_STATUS, MBX_PT_LONG, (uint32_t)p->flag_status);
	m->bag = NULL;   /* the caller's: not kept */
	return rc;
}

static mbx_pst_msg *msg_new(mbx_pst *pst, uint32_t nid)
{
	mbx_pst_msg *m = mbx_calloc(1, sizeof(*m));

	m->pst = pst;
	m->nid = nid;
	m->next_sub_own = pst->test_old_rowids ? 1 : PST_SUBNODE_FIRST;
	m->next_sub = &m->next_sub_own;
	m->rfirst = mbx_malloc(sizeof(*m->rfirst));
	m->rfirst[0] = 0;
	m->arecips = 1;
	pst_pc_init(&m->pc, &pst->ndb, &m->sn, m->next_sub, pst->cd);
	return m;
}

static void attach_free(pst_attach *a)
{
	if (!a)
		return;
	pst_pc_free(&a->pc);
	pst_subnodes_free(&a->sn);
	pst_dstream_free(&a->data);
	pst_rowvals_free(&a->row);
	mbx_free(a);
}

void pst_msg_free_all(mbx_pst_msg *m)
{
	size_t i;

	if (!m)
		return;
	if (m->inner)
		pst_msg_free_all(m->inner);
	attach_free(m->att);
	pst_pc_free(&m->pc);
	pst_subnodes_free(&m->sn);
	if (m->nattach || m->attachments.cols)
		pst_tc_free(&m->attachments);
	for (i = 0; i < 3; i++)
		mbx_free(m->disp[i]);
	mbx_free(m->rc);
	mbx_free(m->rdata);
	mbx_free(m->rfirst);
	pst_rowvals_free(&m->row);
	mbx_free(m->label);
	mbx_free(m);
}

int mbx_pst_message_begin(mbx_pst *pst, mbx_pst_nid folder, const mbx_pst_message_props *props,
                          mbx_pst_msg **out)
{
	pst_folder *f = pst_folder_find(pst, folder);
	mbx_pst_msg *m;
	uint32_t nid;
	int rc;

	*out = NULL;
	if (pst->ndb.err)
		return pst->ndb.err;
	if (pst->open)
		return mbx_error_set(MBX_EINVAL, "a message is already open in %s: end it first", pst->path);
	if (!f || f->search || f->nid == PST_NID_ROOT_FOLDER)
		return mbx_error_set(MBX_EINVAL, "0x%x is not a mail folder of %s", folder, pst->path);
	/* handed out downwards (msg_store.c), above every folder's index */
	if (pst->next_message <= pst->next_folder)
		return mbx_error_set(MBX_ELIMIT, "too many messages in %s", pst->path);
	nid = PST_NID(props->associated ? PST_NID_TYPE_ASSOC_MESSAGE : PST_NID_TYPE_NORMAL_MESSAGE,
	              pst->next_message--);
	m = msg_new(pst, nid);
	m->folder = f;
	m->assoc = props->associated;
	rc = put_props(m, props);
	if (rc) {
		pst_msg_free_all(m);
		return rc;
	}
	pst->open = m;
	*out = m;
	return 0;
}

static char *join(char *list, const char *name)
{
	char *s;

	if (!list)
		return mbx_strdup(name);
	s = mbx_asprintf("%s; %s", list, name);
	mbx_free(list);
	return s;
}

/* ---- recipients ------------------------------------------------------------ */

static void rcell(mbx_pst_msg *m, uint32_t tag, const void *v, size_t len)
{
	pst_rcell *c;
	size_t i;

	for (i = 0; !m->rother && i < N_RECIP_COLS && recip_cols[i] != tag; i++)
		;
	if (i == N_RECIP_COLS)
		m->rother = 1;

	if (m->nrc == m->arc) {
		m->arc = m->arc ? m->arc * 2 : 16;
		m->rc = mbx_reallocarray(m->rc, m->arc, sizeof(*m->rc));
	}
	if (m->nrdata + len > m->ardata) {
		size_t cap = m->ardata ? m->ardata : 256;

		while (m->nrdata + len > cap)
			cap *= 2;
		m->rdata = mbx_realloc(m->rdata, cap);
		m->ardata = cap;
	}
	c = &m->rc[m->nrc++];
	c->tag = tag;
	c->len = (uint32_t)len;
	c->off = m->nrdata;
	if (len)
		memcpy(m->rdata + m->nrdata, v, len);
	m->nrdata += len;
}

static void rcell_u32(mbx_pst_msg *m, uint32_t tag, uint32_t v)
{
	unsigned char b[4];

	pst_put32(b, v);
	rcell(m, tag, b, MBX_PROP_TYPE(tag) == MBX_PT_BOOLEAN ? 1 : 4);
}

static int rcell_str(mbx_pst_msg *m, uint32_t tag, const char *utf8, const char *what)
{
	unsigned char *w;
	size_t wl;
	int rc;

	if (!utf8)
		return 0;
	rc = pst_utf16(m->pst->cd, utf8, &w, &wl, what);
	if (rc == 0)
		rcell(m, tag, w, wl);
	mbx_free(w);
	return rc;
}

/* The recipient's display name for the display lists (caller frees). */
static char *recip_name(const mbx_pst_msg *m, const mbx_pst_recipient *r)
{
	if (r->props) {
		mbx_propkey k = MBX_KEY(MBX_PID_TAG_DISPLAY_NAME);
		char *s = NULL;

		if (mbx_props_utf8(r->props, &k, m->cp, &s) == 0)
			return s;
		k = MBX_KEY(MBX_PID_TAG_EMAIL_ADDRESS);
		if (!r->name && mbx_props_utf8(r->props, &k, m->cp, &s) == 0)
			return s;
	}
	if (r->name && *r->name)
		return mbx_strdup(r->name);
	return r->address ? mbx_strdup(r->address) : NULL;
}

int mbx_pst_message_add_recipient(mbx_pst_msg *msg, const mbx_pst_recipient *r)
{
	const char *addrtype = r->addrtype ? r->addrtype : "SMTP";
	const char *name = r->name && *r->name ? r->name : r->address;
	const mbx_props *b = r->props;
	size_t first = msg->nrc, first_data = msg->nrdata, i;
	uint32_t type = (uint32_t)r->type;
	char *shown;
	int rc = check_open(msg);

	if (rc)
		return rc;
	if (b && pst_bag_has(b, MBX_PID_TAG_RECIPIENT_TYPE)) {
		mbx_propkey k = MBX_KEY(MBX_PID_TAG_RECIPIENT_TYPE);

		if (mbx_props_u32(b, &k, &type) != 0)
			type = (uint32_t)r->type;
	} else if (r->type < MBX_MAPI_TO || r->type > MBX_MAPI_BCC) {
		return mbx_error_set(MBX_EINVAL, "recipient type %d (1 To, 2 Cc, 3 Bcc) in %s", r->type,
		                     msg->pst->path);
	}
	/* the bag: every property, by this file's ids */
	for (i = 0; b && rc == 0 && i < b->n; i++) {
		const mbx_prop *p = &b->p[i];
		mbx_propkey k = mbx_props_key(b, i);
		uint16_t id;

		if (p->name == 0 && pst_regen_find(MBX_PST_OBJ_RECIPIENT, p->id, p->type))
			continue;
		rc = pst_key_id(msg->pst, &k, &id);
		if (rc == 0)
			rcell(msg, MBX_PROP_TAG(id, p->type), mbx_props_val(b, p), p->len);
	}
	/* the fields, for what the bag lacks (a whole bag: only the type) */
	if (rc == 0 && !pst_bag_has(b, MBX_PID_TAG_RECIPIENT_TYPE))
		rcell_u32(msg, MBX_TAG_RECIPIENT_TYPE, type);
	if (msg->pst->opts.bags_whole && b && b->n)
		goto fields_done;
	if (rc == 0 && !pst_bag_has(b, MBX_PID_TAG_RESPONSIBILITY))
		rcell_u32(msg, MBX_TAG_RESPONSIBILITY, 1);
	if (rc == 0 && !pst_bag_has(b, MBX_PID_TAG_OBJECT_TYPE))
		rcell_u32(msg, MBX_TAG_OBJECT_TYPE, MBX_MAPI_MAILUSER);
	if (rc == 0 && !pst_bag_has(b, MBX_PID_TAG_DISPLAY_TYPE))
		rcell_u32(msg, MBX_TAG_DISPLAY_TYPE, MBX_DT_MAILUSER);
	if (rc == 0 && !pst_bag_has(b, MBX_PID_TAG_SEND_RICH_INFO))
		rcell_u32(msg, MBX_TAG_SEND_RICH_INFO, 0);
	if (rc == 0 && !pst_bag_has(b, MBX_PID_TAG_DISPLAY_NAME))
		rc = rcell_str(msg, MBX_TAG_DISPLAY_NAME_W, name, "a recipient name");
	if (rc == 0 && !pst_bag_has(b, MBX_PID_TAG_ADDRESS_TYPE))
		rc = rcell_str(msg, MBX_TAG_ADDRESS_TYPE, addrtype, "a recipient address type");
	if (rc == 0 && !pst_bag_has(b, MBX_PID_TAG_EMAIL_ADDRESS))
		rc = rcell_str(msg, MBX_TAG_EMAIL_ADDRESS_W, r->address, "a recipient address");
	if (rc == 0 && r->address && strcmp(addrtype, "SMTP") == 0 && !pst_bag_has(b, MBX_PID_TAG_SMTP_ADDRESS))
		rc = rcell_str(msg, MBX_TAG_SMTP_ADDRESS, r->address, "a recipient address");
fields_done:
	if (rc) {
		msg->nrc = first;
		msg->nrdata = first_data;
		return rc;
	}
	if (msg->nrecips + 2 > msg->arecips) {
		msg->arecips = msg->arecips * 2 + 2;
		msg->rfirst = mbx_reallocarray(msg->rfirst, msg->arecips, sizeof(*msg->rfirst));
	}
	msg->rfirst[++msg->nrecips] = msg->nrc;
	shown = recip_name(msg, r);
	type &= 0x0F;   /* without MAPI_P1 and MAPI_SUBMITTED */
	if (shown && type >= MBX_MAPI_TO && type <= MBX_MAPI_BCC)
		msg->disp[type - 1] = join(msg->disp[type - 1], shown);
	mbx_free(shown);
	return 0;
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The recipient table, from the cells kept: its columns are the standard
 * ones and every tag any recipient has. */
static int recip_table(mbx_pst_msg *m, uint64_t *bd, uint64_t *bs, uint64_t *bytes)
{
	size_t ntags = N_RECIP_COLS + m->nrc, n = 0, navoid = m->sn.n + 2, i, a = 0;
	uint32_t *tags = mbx_malloc(ntags * sizeof(*tags)), *avoid = mbx_malloc(navoid * sizeof(*avoid));
	uint32_t r, rowid = 0;
	pst_tc tc;
	int rc = 0;

	memcpy(tags, recip_cols, sizeof(recip_cols));
	if (!m->rother) {
		n = N_RECIP_COLS;   /* the standard columns hold every cell */
	} else {
		for (i = 0; i < m->nrc; i++)
			tags[N_RECIP_COLS + i] = m->rc[i].tag;
		qsort(tags, ntags, sizeof(*tags), u32_cmp);
		for (i = 0; i < ntags; i++)
			if (n == 0 || tags[n - 1] != tags[i])
				tags[n++] = tags[i];
	}
	if (n > PST_TC_MAX_COLS) {
		mbx_free(tags);
		mbx_free(avoid);
		return mbx_error_set(MBX_ELIMIT, "message '%s' in %s: its recipients have %zu different "
		                     "properties, a table holds at most %u columns", m->label, m->pst->path, n,
		                     PST_TC_MAX_COLS);
	}
	/* row IDs: never the NID of one of the message's subnodes */
	for (i = 0; i < m->sn.n; i++)
		avoid[i] = m->sn.e[i].nid;
	avoid[m->sn.n] = PST_NID_ATTACHMENT_TABLE;
	avoid[m->sn.n + 1] = PST_NID_RECIPIENT_TABLE;
	if (m->nrecips)
		qsort(avoid, navoid, sizeof(*avoid), u32_cmp);
	pst_tc_init(&tc, &m->pst->ndb, tags, n, m->pst->cd);
	tc.next_sub = m->next_sub;
	if (m->pst->test_old_rowids)
		navoid = 0;
	for (r = 0; rc == 0 && r < m->nrecips; r++, rowid++) {
		for (;;) {
			while (a < navoid && avoid[a] < rowid)
				a++;
			if (a < navoid && avoid[a] == rowid)
				rowid++;
			else
				break;
		}
		pst_tc_row_begin(&tc, rowid);
		for (i = m->rfirst[r]; rc == 0 && i < m->rfirst[r + 1]; i++)
			rc = pst_tc_cell(&tc, m->rc[i].tag, m->rdata + m->rc[i].off, m->rc[i].len);
		if (rc == 0)
			rc = pst_tc_row_end(&tc);
	}
	mbx_free(tags);
	mbx_free(avoid);
	if (rc) {
		pst_tc_free(&tc);
		return rc;
	}
	return pst_tc_finish(&tc, PST_NID(PST_NID_TYPE_LTP, (*m->next_sub)++), bd, bs, bytes);
}

/* ---- attachments ------------------------------------------------------------ */

/* An 8.3 name from a long one: "Quarterly report.xlsx" -> "QUARTE~1.XLS". */
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

static int attach_col(uint16_t id)
{
	size_t i;

	for (i = 0; i < pst_nattach_cols; i++)
		if (MBX_PROP_ID(pst_attach_cols[i]) == id)
			return 1;
	return 0;
}

/* Every property of an attachment: its PC, and its table row's copy. */
static int att_put(pst_attach *a, uint16_t id, uint16_t type, const void *v, size_t len)
{
	int rc = pst_pc_prop(&a->pc, id, type, v, len);

	if (rc == 0 && attach_col(id))
		pst_rowvals_set(&a->row, id, type, v, len);
	return rc;
}

static int att_u32(pst_attach *a, uint16_t id, uint32_t v)
{
	unsigned char b[4];

	pst_put32(b, v);
	return att_put(a, id, MBX_PT_LONG, b, 4);
}

static int att_str(mbx_pst *pst, pst_attach *a, uint16_t id, const char *utf8, const char *what)
{
	unsigned char *w;
	size_t wl;
	int rc = pst_utf16(pst->cd, utf8, &w, &wl, what);

	if (rc == 0)
		rc = att_put(a, id, MBX_PT_UNICODE, w, wl);
	mbx_free(w);
	return rc;
}

static int lacks_att(const mbx_props *b, uint16_t id)
{
	return !pst_bag_has(b, id);
}

static int att_bag(mbx_pst_msg *msg, pst_attach *a, const mbx_props *b, int embedded)
{
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < b->n; i++) {
		const mbx_prop *p = &b->p[i];
		const unsigned char *v = mbx_props_val(b, p);
		mbx_propkey k = mbx_props_key(b, i);
		uint16_t id;

		if (p->name == 0) {
			if (p->id == MBX_PID_TAG_ATTACH_DATA_BINARY) {
				/* of an embedded message: the data object is that message
				 * (regenerated); else the data, as given (PtypObject too:
				 * OLE storage) */
				if (embedded)
					continue;
				a->bag_data = 1;
			} else if (pst_regen_find(MBX_PST_OBJ_ATTACHMENT, p->id, p->type)) {
				continue;
			}
			if (p->id == MBX_PID_TAG_ATTACH_METHOD) {
				if (embedded)
					continue;   /* 5, written by attach_start */
				if (p->type == MBX_PT_LONG && p->len == 4) {
					a->method = (int)le_u32(v, 4);
					if (a->method == MBX_ATTACH_EMBEDDED_MSG)
						return mbx_error_set(MBX_EINVAL, "an attachment of message '%s' in %s has "
						                     "attach method 5 (embedded message) but no message: use "
						                     "mbx_pst_attach_message_begin_props", msg->label,
						                     msg->pst->path);
				}
			}
		}
		rc = pst_key_id(msg->pst, &k, &id);
		if (rc == 0)
			rc = att_put(a, id, p->type, v, p->len);
	}
	return rc;
}

static int attach_start(mbx_pst_msg *msg, const mbx_pst_attach_props *ap, const char *name, int method)
{
	const mbx_props *b = ap ? ap->props : NULL;
	const char *mime = ap ? ap->mime_type : NULL;
	int64_t mtime = ap ? ap->modification_time : 0;
	pst_attach *a;
	int rc = check_open(msg);

	if (rc)
		return rc;
	if (msg->att)
		return mbx_error_set(MBX_EINVAL, "an attachment is already open in %s: end it first", msg->pst->path);
	a = mbx_calloc(1, sizeof(*a));
	a->nid = PST_NID(PST_NID_TYPE_ATTACHMENT, (*msg->next_sub)++);
	a->method = method;
	pst_pc_init(&a->pc, &msg->pst->ndb, &a->sn, msg->next_sub, msg->pst->cd);
	if (b)
		rc = att_bag(msg, a, b, method == MBX_ATTACH_EMBEDDED_MSG);
	if (msg->pst->opts.bags_whole && b && b->n) {
		/* a whole bag: only the method every attachment has */
		if (rc == 0 && (method == MBX_ATTACH_EMBEDDED_MSG || lacks_att(b, MBX_PID_TAG_ATTACH_METHOD)))
			rc = att_u32(a, MBX_PID_TAG_ATTACH_METHOD, (uint32_t)method);
		goto done;
	}
	if (rc == 0 && name && *name) {
		const char *dot = strrchr(name, '.');

		if (lacks_att(b, MBX_PID_TAG_ATTACH_LONG_FILENAME))
			rc = att_str(msg->pst, a, MBX_PID_TAG_ATTACH_LONG_FILENAME, name, "the attachment name");
		if (rc == 0 && lacks_att(b, MBX_PID_TAG_DISPLAY_NAME))
			rc = att_str(msg->pst, a, MBX_PID_TAG_DISPLAY_NAME, name, "the attachment name");
		if (rc == 0 && lacks_att(b, MBX_PID_TAG_ATTACH_FILENAME)) {
			char *sn = short_name(name);

			rc = att_str(msg->pst, a, MBX_PID_TAG_ATTACH_FILENAME, sn, "the attachment name");
			mbx_free(sn);
		}
		if (rc == 0 && dot && lacks_att(b, MBX_PID_TAG_ATTACH_EXTENSION))
			rc = att_str(msg->pst, a, MBX_PID_TAG_ATTACH_EXTENSION, dot, "the attachment name");
	}
	if (rc == 0 && mime && lacks_att(b, MBX_PID_TAG_ATTACH_MIME_TAG))
		rc = att_str(msg->pst, a, MBX_PID_TAG_ATTACH_MIME_TAG, mime, "the attachment MIME type");
	if (rc == 0 && mtime && lacks_att(b, MBX_PID_TAG_LAST_MODIFICATION_TIME)) {
		unsigned char t[8];

		pst_put64(t, pst_filetime(mtime));
		rc = att_put(a, MBX_PID_TAG_LAST_MODIFICATION_TIME, MBX_PT_SYSTIME, t, 8);
	}
	if (rc == 0 && (method == MBX_ATTACH_EMBEDDED_MSG || lacks_att(b, MBX_PID_TAG_ATTACH_METHOD)))
		rc = att_u32(a, MBX_PID_TAG_ATTACH_METHOD, (uint32_t)method);
	if (rc == 0 && lacks_att(b, MBX_PID_TAG_RENDERING_POSITION))
		rc = att_u32(a, MBX_PID_TAG_RENDERING_POSITION, 0xFFFFFFFFu);   /* not rendered inline */
done:
	if (rc) {
		attach_free(a);
		return rc;
	}
	msg->att = a;
	return 0;
}

int mbx_pst_attach_begin(mbx_pst_msg *msg, const mbx_pst_attach_props *props)
{
	return attach_start(msg, props, props->filename, MBX_ATTACH_BY_VALUE);
}

int mbx_pst_attach_write(mbx_pst_msg *msg, const void *data, size_t len)
{
	int rc = check_open(msg);

	if (rc)
		return rc;
	if (!msg->att || msg->att->method == MBX_ATTACH_EMBEDDED_MSG)
		return mbx_error_set(MBX_EINVAL, "no attachment open in %s", msg->pst->path);
	if (msg->att->bag_data)
		return mbx_error_set(MBX_EINVAL, "the attachment's data is in its property bag "
		                     "(PidTagAttachDataBinary) in %s", msg->pst->path);
	msg->att->wrote = 1;
	return pst_dstream_write(&msg->pst->ndb, &msg->att->data, data, len);
}

/* Finish the open attachment: PC, subnodes, its row. */
static int attach_finish(mbx_pst_msg *msg)
{
	pst_attach *a = msg->att;
	uint64_t bid, bid_sub = 0, heap = 0, size;
	pst_tc *tc = &msg->attachments;
	int rc = 0;

	if (a->method != MBX_ATTACH_EMBEDDED_MSG && (a->wrote || (!a->bag_data && a->method == MBX_ATTACH_BY_VALUE))) {
		pst_dstream *ds = &a->data;

		if (ds->dt.n == 0 && ds->len <= PST_HEAP_ALLOC_MAX) {
			rc = pst_pc_bin(&a->pc, MBX_PID_TAG_ATTACH_DATA_BINARY, MBX_PT_BINARY, ds->buf, ds->len);
			pst_dstream_free(ds);
		} else {
			uint64_t total;
			uint32_t nid = PST_NID(PST_NID_TYPE_LTP, (*msg->next_sub)++);

			rc = pst_dstream_finish(&msg->pst->ndb, ds, &bid, &total);
			if (rc == 0) {
				pst_subnodes_add(&a->sn, nid, bid, 0, total);
				pst_pc_hnid(&a->pc, MBX_PID_TAG_ATTACH_DATA_BINARY, MBX_PT_BINARY, nid);
			}
		}
	}
	if (rc == 0)
		rc = pst_pc_finish_sized(&a->pc, MBX_PID_TAG_ATTACH_SIZE, a->sn.bytes, &bid, &heap);
	size = heap + a->sn.bytes;
	if (rc == 0)
		rc = pst_subnodes_write(&msg->pst->ndb, &a->sn, &bid_sub);
	if (rc == 0) {
		unsigned char sz[4];

		pst_subnodes_add(&msg->sn, a->nid, bid, bid_sub, size);
		if (msg->nattach == 0) {
			pst_tc_init(tc, &msg->pst->ndb, pst_attach_cols, pst_nattach_cols, msg->pst->cd);
			tc->next_sub = msg->next_sub;
		}
		pst_put32(sz, (uint32_t)(size > UINT32_MAX ? UINT32_MAX : size));
		pst_rowvals_set(&a->row, MBX_PID_TAG_ATTACH_SIZE, MBX_PT_LONG, sz, 4);
		pst_tc_row_begin(tc, a->nid);
		rc = pst_tc_row_fill(tc, &a->row, msg->cp);
		if (rc == 0)
			rc = pst_tc_row_end(tc);
		msg->nattach++;
	}
	attach_free(a);
	msg->att = NULL;
	return rc;
}

int mbx_pst_attach_end(mbx_pst_msg *msg)
{
	int rc = check_open(msg);

	if (rc)
		return rc;
	if (!msg->att || msg->att->method == MBX_ATTACH_EMBEDDED_MSG)
		return mbx_error_set(MBX_EINVAL, "no attachment open in %s", msg->pst->path);
	return attach_finish(msg);
}

int mbx_pst_attach_message_begin_props(mbx_pst_msg *msg, const mbx_pst_attach_props *att,
                                       const mbx_pst_message_props *props, mbx_pst_msg **out)
{
	mbx_pst_msg *m;
	int rc;

	*out = NULL;
	rc = attach_start(msg, att, att ? att->filename : NULL, MBX_ATTACH_EMBEDDED_MSG);
	if (rc)
		return rc;
	m = msg_new(msg->pst, PST_NID(PST_NID_TYPE_NORMAL_MESSAGE, (*msg->next_sub)++));
	/* one NID space for the whole tree: libpst looks subnodes up by NID */
	m->next_sub = msg->next_sub;
	m->pc.next_sub = msg->next_sub;
	m->outer = msg;
	rc = put_props(m, props);
	if (rc) {
		pst_msg_free_all(m);
		attach_free(msg->att);
		msg->att = NULL;
		return rc;
	}
	msg->inner = m;
	*out = m;
	return 0;
}

int mbx_pst_attach_message_begin(mbx_pst_msg *msg, const char *display_name,
                                 const mbx_pst_message_props *props, mbx_pst_msg **out)
{
	mbx_pst_attach_props ap;

	memset(&ap, 0, sizeof(ap));
	ap.filename = display_name;
	return mbx_pst_attach_message_begin_props(msg, &ap, props, out);
}

/* ---- the end of a message ---------------------------------------------------- */

/* Tables, PC and subnode tree of a message: its data, sub and size. */
static int msg_write(mbx_pst_msg *m, uint64_t *bid, uint64_t *bid_sub, uint64_t *size)
{
	uint64_t bd, bs, bytes, heap = 0;
	unsigned char sz[4];
	int rc = 0, i;
	static const uint16_t disp_ids[3] = {
		MBX_PID_TAG_DISPLAY_TO, MBX_PID_TAG_DISPLAY_CC, MBX_PID_TAG_DISPLAY_BCC
	};

	for (i = 0; rc == 0 && i < 3; i++)
		if (!m->have_disp[i])
			rc = put_str(m, disp_ids[i], m->disp[i] ? m->disp[i] : "", "a recipient name");
	/* after every other subnode of the message: row IDs avoid their NIDs */
	if (rc == 0)
		rc = recip_table(m, &bd, &bs, &bytes);
	if (rc == 0)
		pst_subnodes_add(&m->sn, PST_NID_RECIPIENT_TABLE, bd, bs, bytes);
	if (rc == 0 && m->nattach > 0) {
		rc = pst_tc_finish(&m->attachments, PST_NID(PST_NID_TYPE_LTP, (*m->next_sub)++), &bd, &bs, &bytes);
		if (rc == 0)
			pst_subnodes_add(&m->sn, PST_NID_ATTACHMENT_TABLE, bd, bs, bytes);
	}
	if (m->nattach > 0)
		m->flags |= MBX_MSGFLAG_HASATTACH;
	else if (m->bag_flags)
		m->flags &= ~(uint32_t)MBX_MSGFLAG_HASATTACH;
	if (rc == 0)
		rc = put_u32(m, MBX_PID_TAG_MESSAGE_FLAGS, MBX_PT_LONG, m->flags);
	if (rc == 0 && m->want_hasattach)
		rc = put_u32(m, MBX_PID_TAG_HAS_ATTACHMENTS, MBX_PT_BOOLEAN, m->nattach > 0);
	if (rc == 0)
		rc = pst_pc_finish_sized(&m->pc, MBX_PID_TAG_MESSAGE_SIZE, m->sn.bytes, bid, &heap);
	*size = heap + m->sn.bytes;
	pst_put32(sz, (uint32_t)(*size > UINT32_MAX ? UINT32_MAX : *size));
	pst_rowvals_set(&m->row, MBX_PID_TAG_MESSAGE_SIZE, MBX_PT_LONG, sz, 4);
	if (rc == 0)
		rc = pst_subnodes_write(&m->pst->ndb, &m->sn, bid_sub);
	return rc;
}

/* The message's row in its folder's contents (or FAI contents) table:
 * its own values, as its PC has them. */
static int contents_row(mbx_pst_msg *m)
{
	pst_folder *f = m->folder;
	pst_tc **tcp = m->assoc ? &f->assoc : &f->contents;
	pst_tc *tc;
	int rc;

	if (!*tcp) {
		*tcp = mbx_malloc(sizeof(**tcp));
		if (m->assoc)
			pst_tc_init(*tcp, &m->pst->ndb, pst_assoc_cols, pst_nassoc_cols, m->pst->cd);
		else
			pst_tc_init(*tcp, &m->pst->ndb, pst_contents_cols, pst_ncontents_cols, m->pst->cd);
	}
	tc = *tcp;
	pst_tc_row_begin(tc, m->nid);
	rc = pst_tc_row_fill(tc, &m->row, m->cp);
	if (rc == 0)
		rc = pst_tc_row_end(tc);
	return rc;
}

int mbx_pst_message_end(mbx_pst_msg *msg, int64_t *size_out)
{
	mbx_pst_msg_info info;
	int rc = mbx_pst_message_end_info(msg, &info);

	if (rc == 0 && size_out)
		*size_out = info.size;
	return rc;
}

int mbx_pst_message_end_info(mbx_pst_msg *msg, mbx_pst_msg_info *info)
{
	mbx_pst *pst = msg->pst;
	mbx_pst_msg *outer = msg->outer;
	uint64_t bid, bid_sub = 0, size = 0;
	int64_t *size_out = info ? &info->size : NULL;
	int rc = check_open(msg);

	if (info)
		memset(info, 0, sizeof(*info));
	if (rc == 0 && msg->att)
		rc = mbx_error_set(MBX_EINVAL, "an attachment is still open in %s: end it first", pst->path);
	if (rc)
		return rc;
	rc = msg_write(msg, &bid, &bid_sub, &size);
	if (info)
		info->subnode_levels = msg->sn.n > PST_SL_MAX ? 2 : 1;
	if (rc == 0 && outer) {
		unsigned char obj[8];
		uint32_t hid;
		pst_attach *a = outer->att;

		/* PtypObject: the HID of (subnode NID, size) */
		pst_subnodes_add(&a->sn, msg->nid, bid, bid_sub, size);
		pst_put32(obj, msg->nid);
		pst_put32(obj + 4, (uint32_t)(size > UINT32_MAX ? UINT32_MAX : size));
		rc = pst_heap_alloc(&a->pc.heap, obj, sizeof(obj), &hid);
		if (rc == 0) {
			pst_pc_hnid(&a->pc, MBX_PID_TAG_ATTACH_DATA_OBJECT, MBX_PT_OBJECT, hid);
			outer->inner = NULL;
			rc = attach_finish(outer);
		}
	} else if (rc == 0) {
		rc = pst_ndb_node_add(&pst->ndb, msg->nid, bid, bid_sub, msg->folder->nid);
		if (rc == 0)
			rc = contents_row(msg);
		if (msg->assoc)
			msg->folder->fai_count++;
		else {
			msg->folder->count++;
			if (!(msg->flags & MBX_MSGFLAG_READ))
				msg->folder->unread++;
		}
	}
	if (rc == 0 && size_out)
		*size_out = (int64_t)size;
	if (outer)
		outer->inner = NULL;
	else
		pst->open = NULL;
	/* written or failed, the handle is spent; a failure is sticky */
	if (rc && !pst->ndb.err)
		pst->ndb.err = rc;
	pst_msg_free_all(msg);
	return rc;
}
