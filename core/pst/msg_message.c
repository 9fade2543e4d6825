/*
 * core/pst/msg_message.c - messages, recipients and attachments
 * ([MS-PST] 2.4.5, 2.4.6).
 *
 * A message's PC heap is filled while the message is open; recipients go
 * to its recipient table, attachment data straight to data blocks.  At
 * the end come the tables, the PC (its size property is the node's size:
 * heap plus every subnode's data), the subnode tree, the NBT entry and the
 * row in the folder's contents table.  An embedded message (attach method
 * 5) is the same thing stored as a subnode of its attachment.
 */
#include <stdlib.h>
#include <string.h>

#include "mbx/common.h"
#include "pst/pst_int.h"

#define PST_EXTRA_MAX        384u   /* extra properties of one message */

typedef struct pst_attach {
	pst_pc pc;
	pst_subnodes sn;
	pst_dstream data;
	uint32_t nid;
	int method;
	char *short_name;
} pst_attach;

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
	pst_tc recips;
	uint32_t nrecips;
	char *disp[3];               /* display To, Cc, Bcc */
	pst_tc attachments;
	uint32_t nattach;
	pst_attach *att;             /* the open attachment */
	/* copies for the contents table row */
	char *klass, *subject, *sender, *topic;
	uint32_t flags;
	int importance;
	uint64_t submit, delivery, modified;
};

static const uint32_t recip_cols[] = {
	MBX_TAG_RECIPIENT_TYPE, MBX_TAG_RESPONSIBILITY, MBX_TAG_OBJECT_TYPE, MBX_TAG_DISPLAY_NAME_W,
	MBX_TAG_ADDRESS_TYPE, MBX_TAG_EMAIL_ADDRESS_W, MBX_TAG_SEARCH_KEY, MBX_TAG_DISPLAY_TYPE,
	MBX_TAG_SMTP_ADDRESS, MBX_TAG_SEND_RICH_INFO, MBX_TAG_RECORD_KEY, MBX_TAG_ENTRY_ID,
	MBX_TAG_7_BIT_DISPLAY_NAME,
};

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

static int put_time(pst_pc *pc, uint16_t id, int64_t t, uint64_t *copy)
{
	if (t == 0)
		return 0;
	*copy = pst_filetime(t);
	return pst_pc_i64(pc, id, MBX_PT_SYSTIME, *copy);
}

static int put_extra(mbx_pst_msg *m, const mbx_pst_message_props *p);

static int put_props(mbx_pst_msg *m, const mbx_pst_message_props *p)
{
	pst_pc *pc = &m->pc;
	const char *addrtype = p->sender_addrtype ? p->sender_addrtype : "SMTP";
	size_t pre = p->subject ? subject_prefix(p->subject) : 0;
	char *prefix = p->subject ? mbx_strndup(p->subject, pre) : NULL;
	uint64_t created = 0;
	int rc;

	m->klass = mbx_strdup(p->message_class ? p->message_class : "IPM.Note");
	/* as Outlook stores it: 0x01, then 1 + the prefix length, then the
	 * subject; every reader strips the two, and libpff mangles a first
	 * non-ASCII character without them */
	m->subject = p->subject ? mbx_asprintf("\x01%c%s", (char)(pre + 1), p->subject) : NULL;
	m->topic = p->subject ? mbx_strdup(p->subject + pre) : NULL;
	m->sender = mbx_strdup(p->sender_name);
	m->flags = p->flags;
	m->importance = p->importance;
	rc = pst_pc_str(pc, MBX_PID_TAG_MESSAGE_CLASS, m->klass, "the message class");
	if (rc == 0 && p->subject) {
		rc = pst_pc_str(pc, MBX_PID_TAG_SUBJECT, m->subject, "the subject");
		if (rc == 0)
			rc = pst_pc_str(pc, MBX_PID_TAG_SUBJECT_PREFIX, prefix, "the subject");
		if (rc == 0)
			rc = pst_pc_str(pc, MBX_PID_TAG_NORMALIZED_SUBJECT, m->topic, "the subject");
		if (rc == 0)
			rc = pst_pc_str(pc, MBX_PID_TAG_CONVERSATION_TOPIC, m->topic, "the subject");
	}
	mbx_free(prefix);
	if (rc == 0 && p->sender_name) {
		rc = pst_pc_str(pc, MBX_PID_TAG_SENDER_NAME, p->sender_name, "the sender name");
		if (rc == 0)
			rc = pst_pc_str(pc, MBX_PID_TAG_SENT_REPRESENTING_NAME, p->sender_name, "the sender name");
	}
	if (rc == 0 && p->sender_address) {
		rc = pst_pc_str(pc, MBX_PID_TAG_SENDER_EMAIL_ADDRESS, p->sender_address, "the sender address");
		if (rc == 0)
			rc = pst_pc_str(pc, MBX_PID_TAG_SENT_REPRESENTING_EMAIL_ADDRESS, p->sender_address,
			                "the sender address");
		if (rc == 0)
			rc = pst_pc_str(pc, MBX_PID_TAG_SENDER_ADDRESS_TYPE, addrtype, "the sender address type");
		if (rc == 0)
			rc = pst_pc_str(pc, MBX_PID_TAG_SENT_REPRESENTING_ADDRESS_TYPE, addrtype, "the sender address type");
		if (rc == 0 && strcmp(addrtype, "SMTP") == 0)
			rc = pst_pc_str(pc, MBX_PID_TAG_SENDER_SMTP_ADDRESS, p->sender_address, "the sender address");
	}
	if (rc == 0 && p->body)
		rc = pst_pc_str(pc, MBX_PID_TAG_BODY, p->body, "the body");
	if (rc == 0 && p->html_body) {
		rc = pst_pc_bin(pc, MBX_PID_TAG_HTML, MBX_PT_BINARY, p->html_body, strlen(p->html_body));
		pst_pc_u32(pc, MBX_PID_TAG_INTERNET_CODEPAGE, MBX_PT_LONG, 65001);   /* UTF-8 */
	}
	if (rc == 0 && p->transport_headers)
		rc = pst_pc_str(pc, MBX_PID_TAG_TRANSPORT_MESSAGE_HEADERS, p->transport_headers,
		                "the transport headers");
	if (rc == 0 && p->internet_message_id)
		rc = pst_pc_str(pc, MBX_PID_TAG_INTERNET_MESSAGE_ID, p->internet_message_id, "the message id");
	if (rc == 0)
		rc = put_time(pc, MBX_PID_TAG_CLIENT_SUBMIT_TIME, p->submit_time, &m->submit);
	if (rc == 0)
		rc = put_time(pc, MBX_PID_TAG_MESSAGE_DELIVERY_TIME, p->delivery_time, &m->delivery);
	if (rc == 0)
		rc = put_time(pc, MBX_PID_TAG_CREATION_TIME, p->creation_time ? p->creation_time :
		              p->delivery_time ? p->delivery_time : p->submit_time, &created);
	if (rc == 0)
		rc = put_time(pc, MBX_PID_TAG_LAST_MODIFICATION_TIME, p->modification_time ? p->modification_time :
		              p->creation_time ? p->creation_time :
		              p->delivery_time ? p->delivery_time : p->submit_time, &m->modified);
	pst_pc_u32(pc, MBX_PID_TAG_IMPORTANCE, MBX_PT_LONG,
	           (uint32_t)(p->importance < 0 || p->importance > 2 ? 1 : p->importance));
	pst_pc_u32(pc, MBX_PID_TAG_SENSITIVITY, MBX_PT_LONG, 0);   /* none */
	pst_pc_u32(pc, MBX_PID_TAG_PRIORITY, MBX_PT_LONG, 0);      /* normal */
	if (p->flag_status)
		pst_pc_u32(pc, MBX_PID_TAG_FLAG_STATUS, MBX_PT_LONG, (uint32_t)p->flag_status);
	if (rc == 0 && p->n_extra)
		rc = put_extra(m, p);
	return rc;
}

/* Ids the writer sets only when the message ends. */
static int set_at_end(uint16_t id)
{
	return id == MBX_PID_TAG_DISPLAY_BCC || id == MBX_PID_TAG_DISPLAY_CC || id == MBX_PID_TAG_DISPLAY_TO ||
	       id == MBX_PID_TAG_MESSAGE_FLAGS || id == MBX_PID_TAG_MESSAGE_SIZE;
}

static int put_extra(mbx_pst_msg *m, const mbx_pst_message_props *p)
{
	pst_pc *pc = &m->pc;
	size_t i, k;
	int rc = 0;

	/* A property context of more than 447 records needs a BTH index
	 * level, which libpst and pst-extractor do not read: keep well below,
	 * beside the writer's own properties. */
	if (p->n_extra > PST_EXTRA_MAX)
		return mbx_error_set(MBX_ELIMIT, "message '%s' in %s: %zu extra properties, at most %u "
		                     "fit in a property context every reader reads", m->topic ? m->topic : "",
		                     m->pst->path, p->n_extra, PST_EXTRA_MAX);
	for (i = 0; rc == 0 && i < p->n_extra; i++) {
		const mbx_pst_prop *x = &p->extra[i];
		uint16_t id;

		if (x->guid) {
			rc = pst_nameid_get(m->pst, x->guid, x->id, &id);
			if (rc)
				return rc;
		} else if (x->id == 0 || x->id >= PST_NPID_FIRST) {
			return mbx_error_set(MBX_EINVAL, "property 0x%04x of message '%s' in %s: a plain "
			                     "property id is 0x0001-0x7FFF", (unsigned)x->id,
			                     m->topic ? m->topic : "", m->pst->path);
		} else {
			id = (uint16_t)x->id;
		}
		for (k = 0; k < pc->n; k++)
			if (pc->p[k].id == id)
				break;
		if (k < pc->n || set_at_end(id))
			return mbx_error_set(MBX_EINVAL, "property 0x%04x of message '%s' in %s is given "
			                     "twice or is one the writer sets itself", (unsigned)x->id,
			                     m->topic ? m->topic : "", m->pst->path);
		switch (x->type) {
		case MBX_PT_LONG:
			pst_pc_u32(pc, id, MBX_PT_LONG, (uint32_t)x->i);
			break;
		case MBX_PT_BOOLEAN:
			pst_pc_u32(pc, id, MBX_PT_BOOLEAN, x->i ? 1 : 0);
			break;
		case MBX_PT_DOUBLE: {   /* IEEE 754, little-endian */
			uint64_t v;

			memcpy(&v, &x->d, sizeof(v));
			rc = pst_pc_i64(pc, id, MBX_PT_DOUBLE, v);
			break;
		}
		case MBX_PT_SYSTIME:
			rc = pst_pc_i64(pc, id, MBX_PT_SYSTIME, pst_filetime(x->i));
			break;
		case MBX_PT_UNICODE:
			rc = pst_pc_str(pc, id, x->s ? x->s : "", "a property of the message");
			break;
		default:
			return mbx_error_set(MBX_EINVAL, "property 0x%04x of message '%s' in %s has type "
			                     "0x%04x, which the writer does not take", (unsigned)x->id,
			                     m->topic ? m->topic : "", m->pst->path, (unsigned)x->type);
		}
	}
	return rc;
}

static mbx_pst_msg *msg_new(mbx_pst *pst, uint32_t nid)
{
	mbx_pst_msg *m = mbx_calloc(1, sizeof(*m));

	m->pst = pst;
	m->nid = nid;
	m->next_sub_own = 1;
	m->next_sub = &m->next_sub_own;
	pst_pc_init(&m->pc, &pst->ndb, &m->sn, m->next_sub, pst->cd);
	pst_tc_init(&m->recips, &pst->ndb, recip_cols, sizeof(recip_cols) / sizeof(recip_cols[0]), pst->cd);
	m->recips.next_sub = m->next_sub;
	return m;
}

static void attach_free(pst_attach *a)
{
	if (!a)
		return;
	pst_pc_free(&a->pc);
	pst_subnodes_free(&a->sn);
	pst_dstream_free(&a->data);
	mbx_free(a->short_name);
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
	pst_tc_free(&m->recips);
	if (m->nattach || m->attachments.cols)
		pst_tc_free(&m->attachments);
	for (i = 0; i < 3; i++)
		mbx_free(m->disp[i]);
	mbx_free(m->klass);
	mbx_free(m->subject);
	mbx_free(m->sender);
	mbx_free(m->topic);
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
	if (pst->next_message >= (1u << 27))
		return mbx_error_set(MBX_ELIMIT, "too many messages in %s", pst->path);
	nid = PST_NID(props->associated ? PST_NID_TYPE_ASSOC_MESSAGE : PST_NID_TYPE_NORMAL_MESSAGE,
	              pst->next_message++);
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

int mbx_pst_message_add_recipient(mbx_pst_msg *msg, const mbx_pst_recipient *r)
{
	const char *addrtype = r->addrtype ? r->addrtype : "SMTP";
	const char *name = r->name && *r->name ? r->name : r->address;
	pst_tc *tc = &msg->recips;
	int rc = check_open(msg);

	if (rc)
		return rc;
	if (r->type < MBX_MAPI_TO || r->type > MBX_MAPI_BCC)
		return mbx_error_set(MBX_EINVAL, "recipient type %d (1 To, 2 Cc, 3 Bcc) in %s", r->type,
		                     msg->pst->path);
	pst_tc_row_begin(tc, msg->nrecips);
	pst_tc_u32(tc, MBX_TAG_RECIPIENT_TYPE, (uint32_t)r->type);
	pst_tc_u32(tc, MBX_TAG_RESPONSIBILITY, 1);
	pst_tc_u32(tc, MBX_TAG_OBJECT_TYPE, MBX_MAPI_MAILUSER);
	pst_tc_u32(tc, MBX_TAG_DISPLAY_TYPE, MBX_DT_MAILUSER);
	pst_tc_u32(tc, MBX_TAG_SEND_RICH_INFO, 0);
	rc = pst_tc_str(tc, MBX_TAG_DISPLAY_NAME_W, name);
	if (rc == 0)
		rc = pst_tc_str(tc, MBX_TAG_ADDRESS_TYPE, addrtype);
	if (rc == 0)
		rc = pst_tc_str(tc, MBX_TAG_EMAIL_ADDRESS_W, r->address);
	if (rc == 0 && r->address && strcmp(addrtype, "SMTP") == 0)
		rc = pst_tc_str(tc, MBX_TAG_SMTP_ADDRESS, r->address);
	if (rc == 0)
		rc = pst_tc_row_end(tc);
	if (rc)
		return rc;
	msg->nrecips++;
	if (name)
		msg->disp[r->type - 1] = join(msg->disp[r->type - 1], name);
	return 0;
}

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

static int attach_start(mbx_pst_msg *msg, const char *name, const char *mime, int64_t mtime, int method)
{
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
	if (name && *name) {
		const char *dot = strrchr(name, '.');

		a->short_name = short_name(name);
		rc = pst_pc_str(&a->pc, MBX_PID_TAG_ATTACH_LONG_FILENAME, name, "the attachment name");
		if (rc == 0)
			rc = pst_pc_str(&a->pc, MBX_PID_TAG_DISPLAY_NAME, name, "the attachment name");
		if (rc == 0)
			rc = pst_pc_str(&a->pc, MBX_PID_TAG_ATTACH_FILENAME, a->short_name, "the attachment name");
		if (rc == 0 && dot)
			rc = pst_pc_str(&a->pc, MBX_PID_TAG_ATTACH_EXTENSION, dot, "the attachment name");
	}
	if (rc == 0 && mime)
		rc = pst_pc_str(&a->pc, MBX_PID_TAG_ATTACH_MIME_TAG, mime, "the attachment MIME type");
	if (rc == 0 && mtime) {
		uint64_t t;

		rc = put_time(&a->pc, MBX_PID_TAG_LAST_MODIFICATION_TIME, mtime, &t);
	}
	pst_pc_u32(&a->pc, MBX_PID_TAG_ATTACH_METHOD, MBX_PT_LONG, (uint32_t)method);
	pst_pc_u32(&a->pc, MBX_PID_TAG_RENDERING_POSITION, MBX_PT_LONG, 0xFFFFFFFFu);   /* not rendered inline */
	if (rc) {
		attach_free(a);
		return rc;
	}
	msg->att = a;
	return 0;
}

int mbx_pst_attach_begin(mbx_pst_msg *msg, const mbx_pst_attach_props *props)
{
	return attach_start(msg, props->filename, props->mime_type, props->modification_time,
	                    MBX_ATTACH_BY_VALUE);
}

int mbx_pst_attach_write(mbx_pst_msg *msg, const void *data, size_t len)
{
	int rc = check_open(msg);

	if (rc)
		return rc;
	if (!msg->att || msg->att->method != MBX_ATTACH_BY_VALUE)
		return mbx_error_set(MBX_EINVAL, "no attachment open in %s", msg->pst->path);
	return pst_dstream_write(&msg->pst->ndb, &msg->att->data, data, len);
}

/* Finish the open attachment: PC, subnodes, its row. */
static int attach_finish(mbx_pst_msg *msg)
{
	pst_attach *a = msg->att;
	uint64_t bid, bid_sub = 0, heap = 0, size;
	pst_tc *tc = &msg->attachments;
	int rc = 0;

	if (a->method == MBX_ATTACH_BY_VALUE) {
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
		pst_subnodes_add(&msg->sn, a->nid, bid, bid_sub, size);
		if (msg->nattach == 0) {
			pst_tc_init(tc, &msg->pst->ndb, pst_attach_cols, pst_nattach_cols, msg->pst->cd);
			tc->next_sub = msg->next_sub;
		}
		pst_tc_row_begin(tc, a->nid);
		pst_tc_u32(tc, MBX_TAG_ATTACH_SIZE, (uint32_t)(size > UINT32_MAX ? UINT32_MAX : size));
		pst_tc_u32(tc, MBX_TAG_ATTACH_METHOD, (uint32_t)a->method);
		pst_tc_u32(tc, MBX_TAG_RENDERING_POSITION, 0xFFFFFFFFu);
		rc = pst_tc_str(tc, MBX_TAG_ATTACH_FILENAME_W, a->short_name);
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
	if (!msg->att || msg->att->method != MBX_ATTACH_BY_VALUE)
		return mbx_error_set(MBX_EINVAL, "no attachment open in %s", msg->pst->path);
	return attach_finish(msg);
}

int mbx_pst_attach_message_begin(mbx_pst_msg *msg, const char *display_name,
                                 const mbx_pst_message_props *props, mbx_pst_msg **out)
{
	mbx_pst_msg *m;
	int rc;

	*out = NULL;
	rc = attach_start(msg, display_name, NULL, 0, MBX_ATTACH_EMBEDDED_MSG);
	if (rc)
		return rc;
	m = msg_new(msg->pst, PST_NID(PST_NID_TYPE_NORMAL_MESSAGE, (*msg->next_sub)++));
	/* one NID space for the whole tree: libpst looks subnodes up by NID */
	m->next_sub = msg->next_sub;
	m->pc.next_sub = msg->next_sub;
	m->recips.next_sub = msg->next_sub;
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

/* Tables, PC and subnode tree of a message: its data, sub and size. */
static int msg_write(mbx_pst_msg *m, uint64_t *bid, uint64_t *bid_sub, uint64_t *size)
{
	uint64_t bd, bs, bytes, heap = 0;
	int rc = 0, i;
	static const uint16_t disp_ids[3] = {
		MBX_PID_TAG_DISPLAY_TO, MBX_PID_TAG_DISPLAY_CC, MBX_PID_TAG_DISPLAY_BCC
	};

	for (i = 0; rc == 0 && i < 3; i++)
		rc = pst_pc_str(&m->pc, disp_ids[i], m->disp[i] ? m->disp[i] : "", "a recipient name");
	if (rc == 0)
		rc = pst_tc_finish(&m->recips, PST_NID(PST_NID_TYPE_LTP, (*m->next_sub)++), &bd, &bs, &bytes);
	if (rc == 0)
		pst_subnodes_add(&m->sn, PST_NID_RECIPIENT_TABLE, bd, bs, bytes);
	if (rc == 0 && m->nattach > 0) {
		rc = pst_tc_finish(&m->attachments, PST_NID(PST_NID_TYPE_LTP, (*m->next_sub)++), &bd, &bs, &bytes);
		if (rc == 0)
			pst_subnodes_add(&m->sn, PST_NID_ATTACHMENT_TABLE, bd, bs, bytes);
		m->flags |= MBX_MSGFLAG_HASATTACH;
	}
	pst_pc_u32(&m->pc, MBX_PID_TAG_MESSAGE_FLAGS, MBX_PT_LONG, m->flags);
	if (rc == 0)
		rc = pst_pc_finish_sized(&m->pc, MBX_PID_TAG_MESSAGE_SIZE, m->sn.bytes, bid, &heap);
	*size = heap + m->sn.bytes;
	if (rc == 0)
		rc = pst_subnodes_write(&m->pst->ndb, &m->sn, bid_sub);
	return rc;
}

static int contents_row(mbx_pst_msg *m, uint64_t size)
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
	pst_tc_u32(tc, MBX_TAG_IMPORTANCE, (uint32_t)(m->importance < 0 || m->importance > 2 ? 1 : m->importance));
	pst_tc_u32(tc, MBX_TAG_SENSITIVITY, 0);
	pst_tc_u32(tc, MBX_TAG_MESSAGE_TO_ME, 0);
	pst_tc_u32(tc, MBX_TAG_MESSAGE_CC_ME, 0);
	pst_tc_u32(tc, MBX_TAG_MESSAGE_FLAGS, m->flags);
	pst_tc_u32(tc, MBX_TAG_MESSAGE_SIZE, (uint32_t)(size > UINT32_MAX ? UINT32_MAX : size));
	if (m->submit)
		pst_tc_i64(tc, MBX_TAG_CLIENT_SUBMIT_TIME, m->submit);
	if (m->delivery)
		pst_tc_i64(tc, MBX_TAG_MESSAGE_DELIVERY_TIME, m->delivery);
	if (m->modified)
		pst_tc_i64(tc, MBX_TAG_LAST_MODIFICATION_TIME, m->modified);
	rc = pst_tc_str(tc, MBX_TAG_MESSAGE_CLASS_W, m->klass);
	if (rc == 0)
		rc = pst_tc_str(tc, MBX_TAG_SUBJECT_W, m->subject);
	if (rc == 0)
		rc = pst_tc_str(tc, MBX_TAG_DISPLAY_NAME_W, m->subject);
	if (rc == 0)
		rc = pst_tc_str(tc, MBX_TAG_SENT_REPRESENTING_NAME_W, m->sender);
	if (rc == 0)
		rc = pst_tc_str(tc, MBX_TAG_CONVERSATION_TOPIC_W, m->topic);
	if (rc == 0)
		rc = pst_tc_str(tc, MBX_TAG_DISPLAY_TO_W, m->disp[0] ? m->disp[0] : "");
	if (rc == 0)
		rc = pst_tc_str(tc, MBX_TAG_DISPLAY_CC_W, m->disp[1] ? m->disp[1] : "");
	if (rc == 0)
		rc = pst_tc_row_end(tc);
	return rc;
}

int mbx_pst_message_end(mbx_pst_msg *msg, int64_t *size_out)
{
	mbx_pst *pst = msg->pst;
	mbx_pst_msg *outer = msg->outer;
	uint64_t bid, bid_sub = 0, size = 0;
	int rc = check_open(msg);

	if (rc == 0 && msg->att)
		rc = mbx_error_set(MBX_EINVAL, "an attachment is still open in %s: end it first", pst->path);
	if (rc)
		return rc;
	rc = msg_write(msg, &bid, &bid_sub, &size);
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
		pst_ndb_node_add(&pst->ndb, msg->nid, bid, bid_sub, msg->folder->nid);
		rc = contents_row(msg, size);
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
