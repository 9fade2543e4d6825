/*
 * core/import/pstread_child.c - the forked child of mbx_pstread_run: walks
 * a PST with libpst and streams folders and messages to the parent in the
 * format of pstwire.h.  It runs in its own process because libpst trusts
 * the file: a corrupt PST may crash it, loop or allocate without bound.
 *
 * Only this file includes libpst.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pstread_int.h"

/* MS-PST node id types (the low 5 bits of a NID). */
enum {
	PW_NID_FOLDER = 0x02, PW_NID_SEARCH_FOLDER = 0x03,
	PW_NID_MESSAGE = 0x04, PW_NID_ASSOC_MESSAGE = 0x08
};

typedef struct pw_out {
	int fd;
	size_t len;
	unsigned char buf[65536];
} pw_out;

typedef struct pw_walk {
	pst_file *pf;
	const mbx_pstread_opts *opts;
	pw_out *out;
	int64_t item_no;          /* items sent or skipped so far */
	int64_t item_limit;       /* a corrupt tree may loop: never more than this */
	int looped;
	uint64_t role_nid[MBX_ROLE_COUNT];  /* folders the message store names */
	int64_t folders, messages, attachments, bytes, skipped;
} pw_walk;

/* The parent went away (pipe closed) or the pipe broke: nothing to save. */
static void pw_die(void)
{
	_exit(3);
}

static void pw_write_all(int fd, const unsigned char *p, size_t n);

static void pw_flush(pw_out *o)
{
	pw_write_all(o->fd, o->buf, o->len);
	o->len = 0;
}

static void pw_write_all(int fd, const unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			pw_die();
		p += k;
		n -= (size_t)k;
	}
}

static void pw_bytes(pw_out *o, const void *p, size_t n)
{
	const unsigned char *s = p;

	if (n >= sizeof(o->buf)) {
		/* Attachment data: straight to the pipe, not through the buffer. */
		pw_flush(o);
		pw_write_all(o->fd, s, n);
		return;
	}

	while (n > 0) {
		size_t room = sizeof(o->buf) - o->len;
		size_t k = n < room ? n : room;
		memcpy(o->buf + o->len, s, k);
		o->len += k;
		s += k;
		n -= k;
		if (o->len == sizeof(o->buf))
			pw_flush(o);
	}
}

static void pw_u8(pw_out *o, unsigned v)
{
	unsigned char b = (unsigned char)v;
	pw_bytes(o, &b, 1);
}

static void pw_i64(pw_out *o, int64_t v)
{
	pw_bytes(o, &v, sizeof(v));
}

static void pw_strn(pw_out *o, const char *s, size_t n)
{
	uint32_t len;

	if (!s) {
		len = PW_NULL;
		pw_bytes(o, &len, sizeof(len));
		return;
	}
	if (n >= PW_NULL)
		n = PW_NULL - 1;
	len = (uint32_t)n;
	pw_bytes(o, &len, sizeof(len));
	pw_bytes(o, s, n);
}

static void pw_str(pw_out *o, const char *s)
{
	pw_strn(o, s, s ? strlen(s) : 0);
}

/* A libpst string as UTF-8 (libpst converts 8-bit strings with the item's
 * code page). */
static const char *pw_utf8(pst_item *item, pst_string *s)
{
	if (!s->str)
		return NULL;
	pst_convert_utf8_null(item, s);
	return s->str;
}

static void pw_field_str(pw_out *o, unsigned field, const char *s)
{
	if (!s)
		return;
	pw_u8(o, PW_STR);
	pw_u8(o, field);
	pw_str(o, s);
}

static void pw_field_int(pw_out *o, unsigned field, int64_t v)
{
	pw_u8(o, PW_INT);
	pw_u8(o, field);
	pw_i64(o, v);
}

/* FILETIME (100 ns since 1601) to Unix seconds, rounding down. */
static int64_t pw_time(const FILETIME *ft)
{
	uint64_t t;
	int64_t secs;

	if (!ft)
		return 0;
	t = ((uint64_t)ft->dwHighDateTime << 32) | ft->dwLowDateTime;
	secs = (int64_t)(t / 10000000u);
	return secs - INT64_C(11644473600);
}

/* libpst reads the recipient table (0x692) into attachment records that
 * carry no attachment properties; real attachments always have a method,
 * data or a data block. */
static int pw_is_attachment(const pst_item_attach *a)
{
	return a->method != PST_ATTACH_NONE || a->data.data || a->i_id;
}

/* Send the names of a "a; b; c" display list as recipients of `type`. */
static size_t pw_recipient_list(pw_out *o, unsigned type, const char *list)
{
	size_t n = 0;
	const char *p = list;

	while (p && *p) {
		const char *end = strchr(p, ';');
		const char *stop = end ? end : p + strlen(p);
		while (p < stop && (*p == ' ' || *p == '\t'))
			p++;
		const char *e = stop;
		while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (e > p) {
			pw_u8(o, PW_RCP);
			pw_u8(o, type);
			pw_strn(o, p, (size_t)(e - p));
			pw_str(o, NULL);
			pw_str(o, NULL);
			n++;
		}
		p = end ? end + 1 : NULL;
	}
	return n;
}

/*
 * Recipients: libpst keeps only the display lists (PR_DISPLAY_TO/CC/BCC)
 * and, overwritten row after row, the last recipient row's name, address
 * type and address.  With exactly one recipient that row is the whole
 * table, so its address is sent too.
 */
static void pw_recipients(pw_out *o, pst_item *item, size_t rows)
{
	pst_item_email *e = item->email;
	const char *to, *cc, *bcc;

	if (!e)
		return;
	to = pw_utf8(item, &e->sentto_address);
	cc = pw_utf8(item, &e->cc_address);
	bcc = pw_utf8(item, &e->bcc_address);
	if (rows == 1 && item->type != PST_TYPE_CONTACT && item->contact && item->contact->address1.str) {
		const char *name = pw_utf8(item, &item->file_as);
		unsigned type = (to && *to) ? MBX_RECIP_TO : (cc && *cc) ? MBX_RECIP_CC :
		                (bcc && *bcc) ? MBX_RECIP_BCC : MBX_RECIP_TO;
		pw_u8(o, PW_RCP);
		pw_u8(o, type);
		pw_str(o, name);
		pw_str(o, pw_utf8(item, &item->contact->address1));
		pw_str(o, pw_utf8(item, &item->contact->address1_transport));
		return;
	}
	pw_recipient_list(o, MBX_RECIP_TO, to);
	pw_recipient_list(o, MBX_RECIP_CC, cc);
	pw_recipient_list(o, MBX_RECIP_BCC, bcc);
}

static void pw_message_body(pw_walk *w, pst_item *item, const pst_desc_tree *d,
                            const pst_id2_tree *id2, int depth);

static void pw_embedded(pw_walk *w, pst_item_attach *a, int depth)
{
	pst_desc_tree d;
	pst_item *sub;

	if (depth >= PW_MAX_DEPTH)
		return;
	memset(&d, 0, sizeof(d));
	d.desc = pst_getID(w->pf, a->i_id);
	if (!d.desc)
		return;
	sub = pst_parse_item(w->pf, &d, a->id2_head);
	if (!sub)
		return;
	pw_u8(w->out, PW_EMB);
	pw_message_body(w, sub, NULL, a->id2_head, depth + 1);
	pw_u8(w->out, PW_END);
	pst_freeItem(sub);
}

static void pw_attachment(pw_walk *w, pst_item *item, pst_item_attach *a, int depth)
{
	const char *name = pw_utf8(item, &a->filename2);
	pst_binary bin = { 0, NULL };

	if (!name)
		name = pw_utf8(item, &a->filename1);
	if (a->method != PST_ATTACH_EMBEDDED)
		bin = pst_attach_to_mem(w->pf, a);
	pw_u8(w->out, PW_ATT);
	pw_str(w->out, name);
	pw_str(w->out, pw_utf8(item, &a->mimetype));
	pw_i64(w->out, (int64_t)bin.size);
	pw_u8(w->out, w->opts->want_data ? 1 : 0);
	if (w->opts->want_data && bin.size)
		pw_bytes(w->out, bin.data, bin.size);
	free(bin.data);
	w->attachments++;
	w->bytes += (int64_t)bin.size;
	if (a->method == PST_ATTACH_EMBEDDED)
		pw_embedded(w, a, depth);
}

/* The fields of one message (top-level or embedded), up to but not
 * including its PW_END. */
static void pw_message_body(pw_walk *w, pst_item *item, const pst_desc_tree *d,
                            const pst_id2_tree *id2, int depth)
{
	pw_out *o = w->out;
	pst_item_email *e = item->email;
	pst_item_attach *a;
	size_t rows = 0, n_table = 0;
	pw_rcpt *table = NULL;
	const char *s;

	pw_field_str(o, PW_F_CLASS, item->ascii_type);
	pw_field_str(o, PW_F_SUBJECT, pw_utf8(item, &item->subject));
	pw_field_int(o, PW_F_FLAGS, item->flags);
	pw_field_int(o, PW_F_SIZE, item->message_size);
	if (e) {
		s = pw_utf8(item, &e->outlook_sender_name);
		pw_field_str(o, PW_F_SENDER_NAME, s ? s : pw_utf8(item, &e->outlook_sender_name2));
		s = pw_utf8(item, &e->sender_address);
		if (s) {
			pw_field_str(o, PW_F_SENDER_ADDR, s);
			pw_field_str(o, PW_F_SENDER_TYPE, pw_utf8(item, &e->sender_access));
		} else {
			pw_field_str(o, PW_F_SENDER_ADDR, pw_utf8(item, &e->sender2_address));
			pw_field_str(o, PW_F_SENDER_TYPE, pw_utf8(item, &e->sender2_access));
		}
		if (e->sent_date)
			pw_field_int(o, PW_F_SENT, pw_time(e->sent_date));
		if (e->arrival_date)
			pw_field_int(o, PW_F_RECEIVED, pw_time(e->arrival_date));
		pw_field_int(o, PW_F_IMPORTANCE, e->importance);
		pw_field_str(o, PW_F_MSGID, pw_utf8(item, &e->messageid));
		if (w->opts->want_bodies) {
			pw_field_str(o, PW_F_HTML, pw_utf8(item, &e->htmlbody));
			pw_field_str(o, PW_F_HEADERS, pw_utf8(item, &e->header));
		}
	} else {
		pw_field_int(o, PW_F_IMPORTANCE, 1);
	}
	if (w->opts->want_bodies)
		pw_field_str(o, PW_F_BODY, pw_utf8(item, &item->body));
	for (a = item->attach; a; a = a->next)
		if (!pw_is_attachment(a))
			rows++;
	if (rows > 0 && pw_read_recipients(w->pf, d, id2, &table, &n_table) == 0 && n_table == rows) {
		size_t i;
		for (i = 0; i < n_table; i++) {
			pw_u8(o, PW_RCP);
			pw_u8(o, (unsigned)table[i].type);
			pw_str(o, table[i].name);
			pw_str(o, table[i].addr);
			pw_str(o, table[i].addrtype);
		}
	} else {
		pw_recipients(o, item, rows);
	}
	pw_rcpt_free(table, n_table);
	/* libpst lists the attachment table's rows last first: send them in
	 * table order (the order Outlook shows them). */
	{
		size_t n_att = 0, i;
		pst_item_attach **v;

		for (a = item->attach; a; a = a->next)
			if (pw_is_attachment(a))
				n_att++;
		v = n_att ? malloc(n_att * sizeof(*v)) : NULL;
		if (n_att && !v)
			_exit(5);
		i = n_att;
		for (a = item->attach; a; a = a->next)
			if (pw_is_attachment(a))
				v[--i] = a;
		for (i = 0; i < n_att; i++)
			pw_attachment(w, item, v[i], depth);
		free(v);
	}
}

static void pw_folder(pw_walk *w, pst_item *item, pst_desc_tree *d, int64_t parent)
{
	int64_t role = MBX_ROLE_NONE;
	int i;

	for (i = 1; i < MBX_ROLE_COUNT; i++)
		if (w->role_nid[i] && w->role_nid[i] == d->d_id)
			role = i;
	pw_u8(w->out, PW_FOLDER);
	pw_i64(w->out, (int64_t)d->d_id);
	pw_i64(w->out, parent);
	pw_i64(w->out, item->folder ? item->folder->item_count : 0);
	pw_str(w->out, pw_utf8(item, &item->file_as));
	pw_str(w->out, item->ascii_type);
	pw_i64(w->out, role);
	w->folders++;
}

/* Messages below d, from the node tree alone (nothing parsed). */
static int64_t pw_count(const pst_desc_tree *first, int depth, int64_t limit)
{
	const pst_desc_tree *d;
	int64_t n = 0, seen = 0;

	if (depth > PW_MAX_FOLDER_DEPTH)
		return 0;
	for (d = first; d && seen < limit; d = d->next, seen++) {
		unsigned t = (unsigned)(d->d_id & 0x1F);
		if (t == PW_NID_MESSAGE || t == PW_NID_ASSOC_MESSAGE)
			n++;
		else if (t == PW_NID_FOLDER && d->child)
			n += pw_count(d->child, depth + 1, limit);
	}
	return n;
}

static void pw_walk_children(pw_walk *w, pst_desc_tree *first, int64_t parent, int depth)
{
	pst_desc_tree *d;

	if (depth > PW_MAX_FOLDER_DEPTH) {
		w->looped = 1;
		return;
	}
	for (d = first; d; d = d->next) {
		pst_item *item;
		unsigned nid_type;

		if (!d->desc)
			continue;
		if (++w->item_no > w->item_limit) {
			w->looped = 1;
			return;
		}
		item = pst_parse_item(w->pf, d, NULL);
		if (!item) {
			pw_u8(w->out, PW_SKIP);
			pw_i64(w->out, w->item_no);
			w->skipped++;
			continue;
		}
		nid_type = (unsigned)(d->d_id & 0x1F);
		if (nid_type == PW_NID_SEARCH_FOLDER) {
			/* Search folders hold no items of their own. */
			pst_freeItem(item);
			continue;
		}
		if (item->folder || nid_type == PW_NID_FOLDER) {
			pw_folder(w, item, d, parent);
			pst_freeItem(item);
			if (d->child)
				pw_walk_children(w, d->child, (int64_t)d->d_id, depth + 1);
			if (w->looped)
				return;
			continue;
		}
		pw_u8(w->out, PW_MSG);
		pw_i64(w->out, parent);
		pw_i64(w->out, w->item_no);
		pw_message_body(w, item, d, NULL, 0);
		pw_u8(w->out, PW_END);
		w->messages++;
		pst_freeItem(item);
	}
}

int mbx_pstread_child(const char *path, const mbx_pstread_opts *opts, int fd)
{
	static pw_out out;   /* 64 KiB: off the stack, and this process is single-threaded */
	pst_file pf;
	pst_item *root;
	pst_desc_tree *top;
	pw_walk w;

	memset(&w, 0, sizeof(w));
	out.fd = fd;
	out.len = 0;
	w.out = &out;
	w.opts = opts;
	w.pf = &pf;
	/* 8-bit (ANSI) strings without a code page of their own are Western. */
	if (pst_open(&pf, path, "windows-1252") != 0)
		return 10;
	if (pst_load_index(&pf) != 0)
		return 11;
	pst_load_extended_attributes(&pf);
	/* Every item needs at least one block: more items than blocks means
	 * libpst is going round a loop in a damaged tree. */
	w.item_limit = (int64_t)pf.i_count + 16;
	root = pst_parse_item(&pf, pf.d_head, NULL);
	if (!root)
		return 12;
	if (root->message_store) {
		pst_item_message_store *ms = root->message_store;
		if (ms->deleted_items_folder)
			w.role_nid[MBX_ROLE_DELETED] = ms->deleted_items_folder->id;
		if (ms->sent_items_folder)
			w.role_nid[MBX_ROLE_SENT] = ms->sent_items_folder->id;
		if (ms->default_outbox_folder)
			w.role_nid[MBX_ROLE_OUTBOX] = ms->default_outbox_folder->id;
	}
	top = pst_getTopOfFolders(&pf, root);
	if (!top) {
		pst_freeItem(root);
		return 13;
	}
	pw_u8(&out, PW_STORE);
	pw_str(&out, pw_utf8(root, &root->file_as));
	pw_u8(&out, PW_TOTAL);
	pw_i64(&out, pw_count(top->child, 0, w.item_limit));
	pw_walk_children(&w, top->child, 0, 0);
	pst_freeItem(root);
	if (w.looped) {
		pw_flush(&out);
		return 14;
	}
	pw_u8(&out, PW_DONE);
	pw_i64(&out, w.folders);
	pw_i64(&out, w.messages);
	pw_i64(&out, w.attachments);
	pw_i64(&out, w.bytes);
	pw_i64(&out, w.skipped);
	pw_flush(&out);
	pst_close(&pf);
	return 0;
}
