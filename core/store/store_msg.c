/*
 * core/store/store_msg.c - messages in the store: insert (with recipients,
 * attachments and embedded messages), load, iterate, find, delete, the
 * content hash, and streaming reads of attachment data.
 *
 * An embedded message is a message row with folder_id NULL, reached from
 * the attachment that holds it (attachment.embedded_id).
 */
#include "config.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <nettle/sha2.h>

#include "store/store_int.h"
#include "store/search_int.h"

#define MAX_EMBED_DEPTH STORE_EMBED_DEPTH

/* ---- Schema-4 properties -------------------------------------------------- */

/* "00062002-0000-0000-C000-000000000046" (37 bytes with the NUL), or ""
 * for a plain property (g NULL).  The GUID's first three fields are
 * little-endian in the 16 bytes. */
static void prop_guid_text(const uint8_t *g, char out[37])
{
	if (!g) {
		memset(out, 0, 37);
		return;
	}
	/* "%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X...", by hand: the
	 * hash formats one per property of every message */
	{
		static const int order[16] = { 3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15 };
		static const char hex[] = "0123456789ABCDEF";
		size_t i, k = 0;

		for (i = 0; i < 16; i++) {
			if (i == 4 || i == 6 || i == 8 || i == 10)
				out[k++] = '-';
			out[k++] = hex[g[order[i]] >> 4];
			out[k++] = hex[g[order[i]] & 15];
		}
		out[k] = '\0';
	}
}

static int prop_guid_parse(const char *t, uint8_t g[16])
{
	static const int order[16] = { 3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15 };
	size_t i, k = 0;

	memset(g, 0, 16);
	if (!t)
		return 0;
	for (i = 0; t[i] && k < 32; i++) {
		unsigned char ch = (unsigned char)t[i];
		int v;

		if (ch == '-')
			continue;
		if (ch >= '0' && ch <= '9')
			v = ch - '0';
		else if ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'f')
			v = (ch | 0x20) - 'a' + 10;
		else
			return -1;
		g[order[k / 2]] |= (uint8_t)(k % 2 ? v : v << 4);
		k++;
	}
	return k == 32 && !t[i] ? 0 : -1;
}

/* Whether the file holds any schema-4 property rows (looked at once). */
static int legacy_props(mbx_store *st)
{
	sqlite3_stmt *s;
	int rc;

	if (st->legacy_props >= 0)
		return st->legacy_props;
	rc = store_stmt(st, "SELECT EXISTS (SELECT 1 FROM message_prop)", &s);
	if (rc < 0)
		return rc;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		st->legacy_props = sqlite3_column_int(s, 0) != 0;
		rc = st->legacy_props;
	} else {
		rc = store_sqlerr(st, "reading the messages' properties");
	}
	store_done(s);
	return rc;
}

/* The rows a message written with schema 4 has in message_prop, into its
 * bag (before the fields' properties are put in front of them). */
static int load_legacy_props(mbx_store *st, mbx_message *m)
{
	sqlite3_stmt *s;
	int rc = legacy_props(st);

	if (rc <= 0)
		return rc;
	rc = store_stmt(st, "SELECT guid, prop_id, type, value FROM message_prop "
	                    "WHERE message_id = ?1 ORDER BY id", &s);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, m->id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		unsigned type = (unsigned)sqlite3_column_int(s, 2);
		mbx_msg_prop p;

		memset(&p, 0, sizeof(p));
		p.id = (uint32_t)sqlite3_column_int64(s, 1);
		p.type = (uint16_t)type;
		if (type == MBX_PT_UNICODE)
			p.s = (char *)sqlite3_column_text(s, 3);
		else if (type == MBX_PT_DOUBLE)
			p.d = sqlite3_column_double(s, 3);
		else
			p.i = sqlite3_column_int64(s, 3);
		if (prop_guid_parse((const char *)sqlite3_column_text(s, 0), p.guid) < 0 ||
		    !store_prop_type_typed(type) || mbx_message_prop_set(m, &p) < 0) {
			rc = mbx_error_set(MBX_ECORRUPT, "%s: message %" PRId64 " has a malformed property "
			                   "row; the store is damaged", mbx_store_path(st), m->id);
			store_done(s);
			return rc;
		}
	}
	rc = rc == SQLITE_DONE ? 0 : store_sqlerr(st, "reading a message's properties");
	store_done(s);
	return rc;
}

/* ---- Content hash ------------------------------------------------------- */

static void hash_bytes(struct sha256_ctx *c, char tag, const void *p, size_t n)
{
	uint8_t len[8];
	uint64_t v = n;
	int i;

	for (i = 0; i < 8; i++)
		len[i] = (uint8_t)(v >> (8 * i));
	sha256_update(c, 1, (const uint8_t *)&tag);
	sha256_update(c, 8, len);
	if (n)
		sha256_update(c, n, p);
}

static void hash_str(struct sha256_ctx *c, char tag, const char *s)
{
	hash_bytes(c, tag, s ? s : "", s ? strlen(s) : 0);
}

static void hash_int(struct sha256_ctx *c, char tag, int64_t v)
{
	char buf[24], *p = buf + sizeof(buf) - 1;
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

	/* "%" PRId64, without printf's cost (several per message) */
	*p = '\0';
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	hash_str(c, tag, p);
}

/* "%s:%u:%u" of a property's set, id and type, without printf (the hash
 * formats one per named property of every message); out holds 64. */
static void hash_key(char *out, const char *guid, uint32_t id, unsigned type)
{
	size_t n = strlen(guid);
	char num[16];
	int k, j;

	memcpy(out, guid, n);
	for (j = 0; j < 2; j++) {
		uint32_t v = j ? type : id;

		out[n++] = ':';
		k = 0;
		do {
			num[k++] = (char)('0' + v % 10);
			v /= 10;
		} while (v);
		while (k)
			out[n++] = num[--k];
	}
	out[n] = '\0';
}

/* A property of a bag the hash counts, with what orders it. */
typedef struct hash_item {
	uint8_t guid[16];      /* zero: plain */
	int str;               /* named by string */
	uint32_t id;           /* plain id or LID */
	const char *name;
	size_t i;
} hash_item;

static int hash_item_cmp(const void *a, const void *b)
{
	const hash_item *x = a, *y = b;
	int c = memcmp(x->guid, y->guid, 16);

	if (c)
		return c;
	if (x->str != y->str)
		return x->str - y->str;
	if (x->str)
		return strcmp(x->name, y->name);
	return x->id < y->id ? -1 : x->id > y->id;
}

/*
 * The bag's part of the hash (mbx/store.h): its extra item properties
 * (plain or named by LID, of the five types, not given by the fields nor
 * computed by the writer), hashed exactly as schema 4's extra properties
 * were, and its other named properties (string names, other types) by
 * their bytes.  Last, and only when there are any, in a fixed order (set,
 * id or name) whatever the bag's: a message without them keeps the hash it
 * had before they existed.
 */
static void hash_bag(struct sha256_ctx *c, const mbx_props *b)
{
	hash_item *v = NULL;
	size_t n = 0, i;

	for (i = 0; i < b->n; i++) {
		mbx_propkey k = mbx_props_key(b, i);
		hash_item *h;

		if (!k.guid && (!store_prop_type_typed(b->p[i].type) || mbx_message_prop_derived(&k)))
			continue;
		if (!v)
			v = mbx_reallocarray(NULL, b->n, sizeof(*v));
		h = &v[n++];
		memset(h, 0, sizeof(*h));
		if (k.guid)
			memcpy(h->guid, k.guid, 16);
		h->str = k.name != NULL;
		h->id = k.guid ? k.lid : k.id;
		h->name = k.name;
		h->i = i;
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), hash_item_cmp);
	for (i = 0; i < n; i++) {
		const mbx_prop *p = &b->p[v[i].i];
		mbx_propkey k = mbx_props_key(b, v[i].i);
		mbx_msg_prop t;
		char guid[37], key[64];

		prop_guid_text(k.guid, guid);
		if (store_bag_typed(b, v[i].i, &t)) {
			hash_key(key, guid, t.id, (unsigned)t.type);
			hash_str(c, 'P', key);
			if (t.type == MBX_PT_UNICODE) {
				hash_str(c, 'V', t.s);
			} else if (t.type == MBX_PT_DOUBLE) {
				char num[32];

				snprintf(num, sizeof(num), "%.17g", t.d);
				hash_str(c, 'V', num);
			} else {
				hash_int(c, 'V', t.i);
			}
			mbx_msg_prop_clear(&t);
			continue;
		}
		if (k.name) {
			char *kt = mbx_asprintf("%s:'%s':%u", guid, k.name, (unsigned)p->type);

			hash_str(c, 'Q', kt);
			mbx_free(kt);
		} else {
			hash_key(key, guid, v[i].id, (unsigned)p->type);
			hash_str(c, 'P', key);
		}
		hash_bytes(c, 'W', mbx_props_val(b, p), p->len);
	}
	mbx_free(v);
}

/* Attachment data read through a->data_read in chunks of this many bytes
 * (hashing and inserting alike). */
#define DATA_CHUNK (256u << 10)

/* The 'D' of hash_bytes over data that comes in chunks: the same bytes
 * hashed.  A read that fails hashes what came (the insert, which reads it
 * again, fails then). */
static void hash_stream(struct sha256_ctx *c, const mbx_attachment *a)
{
	uint8_t len[8], *buf;
	uint64_t v = (uint64_t)a->size;
	int64_t off = 0;
	char tag = 'D';
	int i;

	for (i = 0; i < 8; i++)
		len[i] = (uint8_t)(v >> (8 * i));
	sha256_update(c, 1, (const uint8_t *)&tag);
	sha256_update(c, 8, len);
	buf = mbx_malloc(DATA_CHUNK);
	while (off < a->size) {
		size_t want = (uint64_t)(a->size - off) < DATA_CHUNK ? (size_t)(a->size - off) : DATA_CHUNK;
		size_t got = 0;

		if (a->data_read(a->data_ud, off, buf, want, &got) < 0 || got == 0 || got > want)
			break;
		sha256_update(c, got, buf);
		off += (int64_t)got;
	}
	mbx_free(buf);
}

/*
 * What makes two messages the same message: class, subject, sender, submit
 * time, bodies, recipients, attachments (names, types, bytes, embedded
 * messages).  Not the read state, folder, delivery time or store size,
 * which change when a message is copied or re-imported.
 */
static void hash_message(struct sha256_ctx *c, const mbx_message *m, int depth)
{
	size_t i;

	hash_str(c, 'c', m->message_class);
	hash_str(c, 's', m->subject);
	hash_str(c, 'n', m->sender_name);
	hash_str(c, 'a', m->sender_address);
	hash_int(c, 't', m->sent_time);
	hash_str(c, 'b', m->body);
	hash_str(c, 'h', m->html_body);
	for (i = 0; i < m->n_recipients; i++) {
		hash_int(c, 'R', m->recipients[i].type);
		hash_str(c, 'N', m->recipients[i].name);
		hash_str(c, 'A', m->recipients[i].address);
	}
	for (i = 0; i < m->n_attachments; i++) {
		const mbx_attachment *a = &m->attachments[i];

		hash_str(c, 'F', a->filename);
		hash_str(c, 'M', a->mime_type);
		if (a->data && a->size > 0)
			hash_bytes(c, 'D', a->data, (size_t)a->size);
		else if (a->data_read && a->size > 0)
			hash_stream(c, a);
		if (a->embedded && depth < MAX_EMBED_DEPTH) {
			hash_str(c, 'E', "");
			hash_message(c, a->embedded, depth + 1);
		}
	}
	hash_bag(c, &m->bag);
}

char *mbx_message_hash(const mbx_message *m)
{
	struct sha256_ctx c;
	uint8_t d[SHA256_DIGEST_SIZE];
	char *hex = mbx_malloc(2 * SHA256_DIGEST_SIZE + 1);
	size_t i;

	sha256_init(&c);
	hash_message(&c, m, 0);
	sha256_digest(&c, sizeof(d), d);
	for (i = 0; i < sizeof(d); i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	return hex;
}

/* Size as the store accounts it when the caller gives none. */
static int64_t message_size(const mbx_message *m)
{
	int64_t n = 256;   /* fixed properties */
	size_t i;

	n += m->subject ? (int64_t)strlen(m->subject) : 0;
	n += m->body ? (int64_t)strlen(m->body) : 0;
	n += m->html_body ? (int64_t)strlen(m->html_body) : 0;
	n += m->transport_headers ? (int64_t)strlen(m->transport_headers) : 0;
	for (i = 0; i < m->n_recipients; i++)
		n += 64 + (m->recipients[i].address ? (int64_t)strlen(m->recipients[i].address) : 0);
	for (i = 0; i < m->n_attachments; i++) {
		n += 128 + (m->attachments[i].size > 0 ? m->attachments[i].size : 0);
		if (m->attachments[i].embedded)
			n += message_size(m->attachments[i].embedded);
	}
	return n;
}

/* ---- Insert ------------------------------------------------------------- */

static int insert_message(mbx_store *st, const mbx_message *m, int64_t folder_id,
                          int64_t *out_id, int depth, const char *given_hash);

static int insert_recipients(mbx_store *st, const mbx_message *m, int64_t id, store_blob *blob)
{
	sqlite3_stmt *s;
	size_t i;
	int rc = 0;

	for (i = 0; i < m->n_recipients; i++) {
		const mbx_msg_recipient *r = &m->recipients[i];

		if (r->type < MBX_RECIP_TO || r->type > MBX_RECIP_BCC)
			return mbx_error_set(MBX_EINVAL, "message '%s': recipient %zu has an unknown "
			                     "type %d", m->subject ? m->subject : "", i + 1, (int)r->type);
		rc = store_stmt(st, "INSERT INTO message_recipient (message_id, type, name, address, "
		                    "addrtype, props) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", &s);
		if (rc < 0)
			break;
		store_recipient_blob(r, blob);
		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_int(s, 2, (int)r->type);
		store_bind_text(s, 3, r->name);
		store_bind_text(s, 4, r->address);
		store_bind_text(s, 5, r->addrtype ? r->addrtype : "SMTP");
		store_bind_blob(s, 6, blob);
		rc = sqlite3_step(s) == SQLITE_DONE ? 0 : store_sqlerr(st, "adding a recipient of a message");
		store_done(s);
		if (rc < 0)
			break;
	}
	return rc;
}

/* The data of attachment row `row` (inserted as a zeroblob of a->size
 * bytes) from a->data_read, chunk by chunk; and its props column
 * (inserted as a zeroblob of props->len bytes). */
static int stream_data(mbx_store *st, const mbx_attachment *a, int64_t row, const store_blob *props)
{
	sqlite3_blob *b = NULL;
	unsigned char *buf;
	int64_t off = 0;
	int rc = 0;

	if (props->len) {
		if (sqlite3_blob_open(st->db, "main", "attachment", "props", row, 1, &b) != SQLITE_OK)
			return store_sqlerr(st, "writing an attachment's properties");
		if (sqlite3_blob_write(b, props->p, (int)props->len, 0) != SQLITE_OK)
			rc = store_sqlerr(st, "writing an attachment's properties");
		if (sqlite3_blob_close(b) != SQLITE_OK && rc == 0)
			rc = store_sqlerr(st, "writing an attachment's properties");
		if (rc < 0)
			return rc;
	}
	if (sqlite3_blob_open(st->db, "main", "attachment", "data", row, 1, &b) != SQLITE_OK)
		return store_sqlerr(st, "writing an attachment's data");
	buf = mbx_malloc(DATA_CHUNK);
	while (off < a->size) {
		size_t want = (uint64_t)(a->size - off) < DATA_CHUNK ? (size_t)(a->size - off) : DATA_CHUNK;
		size_t got = 0;

		rc = a->data_read(a->data_ud, off, buf, want, &got);
		if (rc < 0)
			break;
		if (got == 0 || got > want) {
			rc = mbx_error_set(MBX_EIO, "attachment '%s': its data ended after %lld of %lld bytes",
			                   a->filename ? a->filename : "", (long long)off, (long long)a->size);
			break;
		}
		if (sqlite3_blob_write(b, buf, (int)got, (int)off) != SQLITE_OK) {
			rc = store_sqlerr(st, "writing an attachment's data");
			break;
		}
		off += (int64_t)got;
	}
	mbx_free(buf);
	if (sqlite3_blob_close(b) != SQLITE_OK && rc == 0)
		rc = store_sqlerr(st, "writing an attachment's data");
	return rc;
}

static int insert_attachments(mbx_store *st, const mbx_message *m, int64_t id, int depth,
                              store_blob *blob)
{
	sqlite3_stmt *s;
	size_t i;
	int rc, stream;

	for (i = 0; i < m->n_attachments; i++) {
		const mbx_attachment *a = &m->attachments[i];
		int64_t emb = 0;

		if (a->embedded) {
			if (depth >= MAX_EMBED_DEPTH)
				return mbx_error_set(MBX_ELIMIT, "embedded messages nest more than %d deep",
				                     MAX_EMBED_DEPTH);
			rc = insert_message(st, a->embedded, 0, &emb, depth + 1, NULL);
			if (rc < 0)
				return rc;
		} else if (a->size < 0 || (a->size > 0 && !a->data && !a->data_read) ||
		           a->size > INT32_MAX) {
			if (a->size > INT32_MAX)
				return mbx_error_set(MBX_ELIMIT, "attachment '%s' has %lld bytes: more than "
				                     "the store holds in one attachment (2 GiB)",
				                     a->filename ? a->filename : "", (long long)a->size);
			return mbx_error_set(MBX_EINVAL, "attachment '%s' has no data",
			                     a->filename ? a->filename : "");
		}
		rc = store_stmt(st, "INSERT INTO attachment (message_id, seq, filename, mime_type, size, "
		                    "data, embedded_id, props) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", &s);
		if (rc < 0)
			return rc;
		store_attachment_blob(a, blob);
		store_bind_blob(s, 8, blob);
		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_int64(s, 2, (int64_t)i);
		store_bind_text(s, 3, a->filename);
		store_bind_text(s, 4, a->mime_type);
		sqlite3_bind_int64(s, 5, a->embedded ? 0 : a->size);
		/* Data that comes in chunks is written into the row's pages after
		 * the insert, zeroblobs first: the data's, and (written after it)
		 * the props column's.  Only zeros at the end of a row stay out of
		 * memory, so the columns after the data (embedded_id NULL, props)
		 * are zeros or nothing too.  (Data in memory is bound: doing the
		 * same with it measured no faster.) */
		stream = !a->embedded && a->size > 0 && !a->data;
		if (!a->embedded && !stream)
			sqlite3_bind_blob64(s, 6, a->size ? a->data : "", (sqlite3_uint64)a->size,
			                    SQLITE_STATIC);
		else if (stream)
			sqlite3_bind_zeroblob64(s, 6, (sqlite3_uint64)a->size);
		if (stream && blob->len)
			sqlite3_bind_zeroblob64(s, 8, (sqlite3_uint64)blob->len);
		if (emb)
			sqlite3_bind_int64(s, 7, emb);
		rc = sqlite3_step(s) == SQLITE_DONE ? 0 : store_sqlerr(st, "adding an attachment");
		store_done(s);
		if (rc == 0 && stream)
			rc = stream_data(st, a, sqlite3_last_insert_rowid(st->db), blob);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int insert_message(mbx_store *st, const mbx_message *m, int64_t folder_id,
                          int64_t *out_id, int depth, const char *given_hash)
{
	sqlite3_stmt *s;
	char *hash = given_hash ? mbx_strdup(given_hash) : mbx_message_hash(m);
	uint32_t flags = store_message_flags(m);
	store_blob blob = { NULL, 0, 0 };
	int64_t id;
	int rc;

	rc = store_stmt(st, "INSERT INTO message (folder_id, message_class, subject, sender_name, "
	                    "sender_address, sender_addrtype, sent_time, received_time, flags, "
	                    "flag_status, importance, associated, body, html_body, transport_headers, "
	                    "internet_message_id, size, content_hash, props) VALUES (?1, ?2, ?3, ?4, "
	                    "?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)", &s);
	if (rc < 0)
		goto out;
	store_message_blob(m, &blob);
	store_bind_blob(s, 19, &blob);
	if (folder_id)
		sqlite3_bind_int64(s, 1, folder_id);
	store_bind_text(s, 2, m->message_class ? m->message_class : "IPM.Note");
	store_bind_text(s, 3, m->subject);
	store_bind_text(s, 4, m->sender_name);
	store_bind_text(s, 5, m->sender_address);
	store_bind_text(s, 6, m->sender_addrtype);
	sqlite3_bind_int64(s, 7, m->sent_time);
	sqlite3_bind_int64(s, 8, m->received_time);
	sqlite3_bind_int64(s, 9, flags);
	sqlite3_bind_int(s, 10, m->flag_status);
	sqlite3_bind_int(s, 11, m->importance);
	sqlite3_bind_int(s, 12, m->associated ? 1 : 0);
	store_bind_text(s, 13, m->body);
	store_bind_text(s, 14, m->html_body);
	store_bind_text(s, 15, m->transport_headers);
	store_bind_text(s, 16, m->internet_message_id);
	sqlite3_bind_int64(s, 17, m->size > 0 ? m->size : message_size(m));
	store_bind_text(s, 18, hash);
	rc = sqlite3_step(s) == SQLITE_DONE ? 0 : store_sqlerr(st, "adding a message");
	store_done(s);
	if (rc < 0)
		goto out;
	id = sqlite3_last_insert_rowid(st->db);
	rc = insert_recipients(st, m, id, &blob);
	if (rc == 0)
		rc = insert_attachments(st, m, id, depth, &blob);
	/* a message of a folder goes into the search index with it */
	if (rc == 0 && depth == 0 && folder_id)
		rc = store_search_index(st, m, id);
	if (rc == 0 && out_id)
		*out_id = id;
out:
	store_blob_free(&blob);
	mbx_free(hash);
	return rc;
}

int mbx_store_message_add(mbx_store *st, const mbx_message *m, int64_t *out_id)
{
	return mbx_store_message_add_hashed(st, m, NULL, out_id);
}

int mbx_store_message_add_hashed(mbx_store *st, const mbx_message *m, const char *hash,
                                 int64_t *out_id)
{
	int rc;

	if (m->folder_id <= 0)
		return mbx_error_set(MBX_EINVAL, "a message needs a folder");
	rc = mbx_store_begin(st);
	if (rc < 0)
		return rc;
	rc = insert_message(st, m, m->folder_id, out_id, 0, hash);
	if (rc < 0) {
		mbx_store_rollback(st);
		return rc;
	}
	return mbx_store_commit(st);
}

/* ---- Delete ------------------------------------------------------------- */

static int delete_message(mbx_store *st, int64_t id, int depth)
{
	sqlite3_stmt *s;
	int64_t *emb = NULL;
	size_t n = 0, i;
	int rc;

	if (depth > MAX_EMBED_DEPTH)
		return 0;
	rc = store_stmt(st, "SELECT embedded_id FROM attachment WHERE message_id = ?1 "
	                    "AND embedded_id IS NOT NULL", &s);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		emb = mbx_reallocarray(emb, n + 1, sizeof(*emb));
		emb[n++] = sqlite3_column_int64(s, 0);
	}
	rc = rc == SQLITE_DONE ? 0 : store_sqlerr(st, "reading attachments");
	store_done(s);
	if (rc == 0 && depth == 0)
		rc = store_search_unindex(st, id);
	if (rc == 0)
		rc = store_stmt(st, "DELETE FROM message WHERE id = ?1", &s);
	if (rc == 0) {
		sqlite3_bind_int64(s, 1, id);
		rc = sqlite3_step(s) == SQLITE_DONE ? 0 : store_sqlerr(st, "deleting a message");
		if (rc == 0 && depth == 0 && sqlite3_changes(st->db) == 0)
			rc = mbx_error_set(MBX_ENOTFOUND, "message %" PRId64 " does not exist", id);
		store_done(s);
	}
	for (i = 0; rc == 0 && i < n; i++)
		rc = delete_message(st, emb[i], depth + 1);
	mbx_free(emb);
	return rc;
}

int mbx_store_message_delete(mbx_store *st, int64_t message_id)
{
	int rc = mbx_store_begin(st);

	if (rc < 0)
		return rc;
	rc = delete_message(st, message_id, 0);
	if (rc < 0) {
		mbx_store_rollback(st);
		return rc;
	}
	return mbx_store_commit(st);
}

/* ---- Find --------------------------------------------------------------- */

static int find_one(mbx_store *st, sqlite3_stmt *s, int64_t *out_id)
{
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW) {
		*out_id = sqlite3_column_int64(s, 0);
		rc = 0;
	} else {
		rc = rc == SQLITE_DONE ? 0 : store_sqlerr(st, "looking up a message");
	}
	store_done(s);
	return rc;
}

int mbx_store_message_find(mbx_store *st, int64_t folder_id, const char *internet_message_id,
                           const char *content_hash, int64_t *out_id)
{
	sqlite3_stmt *s;
	int rc;

	*out_id = 0;
	if (internet_message_id && *internet_message_id) {
		rc = store_stmt(st, "SELECT id FROM message WHERE folder_id = ?1 "
		                    "AND internet_message_id = ?2 ORDER BY id LIMIT 1", &s);
		if (rc < 0)
			return rc;
		sqlite3_bind_int64(s, 1, folder_id);
		store_bind_text(s, 2, internet_message_id);
		rc = find_one(st, s, out_id);
		if (rc < 0 || *out_id)
			return rc;
	}
	if (content_hash && *content_hash) {
		rc = store_stmt(st, "SELECT id FROM message WHERE folder_id = ?1 "
		                    "AND content_hash = ?2 ORDER BY id LIMIT 1", &s);
		if (rc < 0)
			return rc;
		sqlite3_bind_int64(s, 1, folder_id);
		store_bind_text(s, 2, content_hash);
		return find_one(st, s, out_id);
	}
	return 0;
}

/* ---- Load --------------------------------------------------------------- */

void mbx_message_clear(mbx_message *m)
{
	size_t i;

	if (!m)
		return;
	mbx_free(m->message_class);
	mbx_free(m->subject);
	mbx_free(m->sender_name);
	mbx_free(m->sender_address);
	mbx_free(m->sender_addrtype);
	mbx_free(m->body);
	mbx_free(m->html_body);
	mbx_free(m->transport_headers);
	mbx_free(m->internet_message_id);
	mbx_free(m->content_hash);
	for (i = 0; i < m->n_recipients; i++) {
		mbx_free(m->recipients[i].name);
		mbx_free(m->recipients[i].address);
		mbx_free(m->recipients[i].addrtype);
		mbx_props_clear(&m->recipients[i].bag);
	}
	mbx_free(m->recipients);
	/* Attachment data is not the message's (see mbx/store.h). */
	for (i = 0; i < m->n_attachments; i++) {
		mbx_free(m->attachments[i].filename);
		mbx_free(m->attachments[i].mime_type);
		mbx_message_free(m->attachments[i].embedded);
		mbx_props_clear(&m->attachments[i].bag);
	}
	mbx_free(m->attachments);
	mbx_props_clear(&m->bag);
	memset(m, 0, sizeof(*m));
}

void mbx_message_free(mbx_message *m)
{
	if (!m)
		return;
	mbx_message_clear(m);
	mbx_free(m);
}

static int load_message(mbx_store *st, int64_t id, mbx_message **out, int depth);

/* The message row; *blob its props column (caller frees). */
static int load_row(mbx_store *st, int64_t id, mbx_message *m, store_blob *blob)
{
	sqlite3_stmt *s;
	int rc = store_stmt(st, "SELECT id, coalesce(folder_id, 0), message_class, subject, "
	                        "sender_name, sender_address, sender_addrtype, sent_time, "
	                        "received_time, flags, flag_status, importance, associated, body, "
	                        "html_body, transport_headers, internet_message_id, size, "
	                        "content_hash, props FROM message WHERE id = ?1", &s);

	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		m->id = sqlite3_column_int64(s, 0);
		m->folder_id = sqlite3_column_int64(s, 1);
		m->message_class = store_col_str(s, 2);
		m->subject = store_col_str(s, 3);
		m->sender_name = store_col_str(s, 4);
		m->sender_address = store_col_str(s, 5);
		m->sender_addrtype = store_col_str(s, 6);
		m->sent_time = sqlite3_column_int64(s, 7);
		m->received_time = sqlite3_column_int64(s, 8);
		m->flags = (uint32_t)sqlite3_column_int64(s, 9);
		m->flag_status = sqlite3_column_int(s, 10);
		m->importance = sqlite3_column_int(s, 11);
		m->associated = sqlite3_column_int(s, 12);
		m->body = store_col_str(s, 13);
		m->html_body = store_col_str(s, 14);
		m->transport_headers = store_col_str(s, 15);
		m->internet_message_id = store_col_str(s, 16);
		m->size = sqlite3_column_int64(s, 17);
		m->content_hash = store_col_str(s, 18);
		store_col_blob(s, 19, blob);
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = mbx_error_set(MBX_ENOTFOUND, "message %" PRId64 " does not exist", id);
	} else {
		rc = store_sqlerr(st, "reading a message");
	}
	store_done(s);
	return rc;
}

static int load_recipients(mbx_store *st, mbx_message *m)
{
	sqlite3_stmt *s;
	int rc = store_stmt(st, "SELECT type, name, address, addrtype, props FROM message_recipient "
	                        "WHERE message_id = ?1 ORDER BY id", &s);

	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, m->id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		mbx_msg_recipient *r;

		m->recipients = mbx_reallocarray(m->recipients, m->n_recipients + 1,
		                                 sizeof(*m->recipients));
		r = &m->recipients[m->n_recipients++];
		memset(r, 0, sizeof(*r));
		r->type = (mbx_recip_type)sqlite3_column_int(s, 0);
		r->name = store_col_str(s, 1);
		r->address = store_col_str(s, 2);
		r->addrtype = store_col_str(s, 3);
		if (store_recipient_bag_load(r, sqlite3_column_blob(s, 4),
		                             (size_t)sqlite3_column_bytes(s, 4)) < 0) {
			store_done(s);
			return mbx_error_prefix(MBX_ECORRUPT, "%s: message %" PRId64, mbx_store_path(st), m->id);
		}
	}
	rc = rc == SQLITE_DONE ? 0 : store_sqlerr(st, "reading a message's recipients");
	store_done(s);
	return rc;
}

/* Attachments without their data; embedded messages loaded after the
 * statement is finished, because loading them reuses it. */
static int load_attachments(mbx_store *st, mbx_message *m, int depth)
{
	sqlite3_stmt *s;
	int64_t *emb = NULL;
	store_blob *bags = NULL;
	size_t i;
	int rc = store_stmt(st, "SELECT id, filename, mime_type, size, coalesce(embedded_id, 0), "
	                        "props FROM attachment WHERE message_id = ?1 ORDER BY seq, id", &s);

	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, m->id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		mbx_attachment *a;

		m->attachments = mbx_reallocarray(m->attachments, m->n_attachments + 1,
		                                  sizeof(*m->attachments));
		emb = mbx_reallocarray(emb, m->n_attachments + 1, sizeof(*emb));
		bags = mbx_reallocarray(bags, m->n_attachments + 1, sizeof(*bags));
		memset(&bags[m->n_attachments], 0, sizeof(*bags));
		store_col_blob(s, 5, &bags[m->n_attachments]);
		a = &m->attachments[m->n_attachments];
		memset(a, 0, sizeof(*a));
		a->id = sqlite3_column_int64(s, 0);
		a->filename = store_col_str(s, 1);
		a->mime_type = store_col_str(s, 2);
		a->size = sqlite3_column_int64(s, 3);
		emb[m->n_attachments++] = sqlite3_column_int64(s, 4);
	}
	rc = rc == SQLITE_DONE ? 0 : store_sqlerr(st, "reading a message's attachments");
	store_done(s);
	for (i = 0; rc == 0 && i < m->n_attachments; i++)
		if (emb[i] && depth < MAX_EMBED_DEPTH)
			rc = load_message(st, emb[i], &m->attachments[i].embedded, depth + 1);
	/* after the embedded messages: an attachment's bag says whether it is one */
	for (i = 0; rc == 0 && i < m->n_attachments; i++)
		if (store_attachment_bag_load(&m->attachments[i], bags[i].len ? bags[i].p : NULL,
		                              bags[i].len) < 0)
			rc = mbx_error_prefix(MBX_ECORRUPT, "%s: message %" PRId64, mbx_store_path(st), m->id);
	for (i = 0; i < m->n_attachments; i++)
		store_blob_free(&bags[i]);
	mbx_free(bags);
	mbx_free(emb);
	return rc;
}

static int load_message(mbx_store *st, int64_t id, mbx_message **out, int depth)
{
	mbx_message *m = mbx_calloc(1, sizeof(*m));
	store_blob blob = { NULL, 0, 0 };
	int rc;

	*out = NULL;
	rc = load_row(st, id, m, &blob);
	if (rc == 0)
		rc = load_recipients(st, m);
	if (rc == 0)
		rc = load_attachments(st, m, depth);
	if (rc == 0 && !blob.len)
		rc = load_legacy_props(st, m);
	if (rc == 0 && store_message_bag_load(m, blob.len ? blob.p : NULL, blob.len) < 0)
		rc = mbx_error_prefix(MBX_ECORRUPT, "%s: message %" PRId64, mbx_store_path(st), m->id);
	store_blob_free(&blob);
	if (rc < 0) {
		mbx_message_free(m);
		return rc;
	}
	*out = m;
	return 0;
}

int mbx_store_message_get(mbx_store *st, int64_t message_id, mbx_message **out)
{
	return load_message(st, message_id, out, 0);
}

/* ---- Iteration ---------------------------------------------------------- */

struct mbx_msg_iter {
	mbx_store *st;
	sqlite3_stmt *ids;     /* its own statement: iterators may overlap */
};

int mbx_store_messages(mbx_store *st, int64_t folder_id, mbx_msg_iter **out)
{
	mbx_msg_iter *it;

	*out = NULL;
	it = mbx_calloc(1, sizeof(*it));
	it->st = st;
	if (sqlite3_prepare_v2(st->db, "SELECT id FROM message WHERE folder_id = ?1 ORDER BY id",
	                       -1, &it->ids, NULL) != SQLITE_OK) {
		int rc = store_sqlerr(st, "listing a folder's messages");

		mbx_free(it);
		return rc;
	}
	sqlite3_bind_int64(it->ids, 1, folder_id);
	*out = it;
	return 0;
}

int mbx_msg_iter_next(mbx_msg_iter *it, mbx_message **out)
{
	int rc;

	*out = NULL;
	rc = sqlite3_step(it->ids);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return store_sqlerr(it->st, "listing a folder's messages");
	rc = load_message(it->st, sqlite3_column_int64(it->ids, 0), out, 0);
	return rc < 0 ? rc : 1;
}

void mbx_msg_iter_free(mbx_msg_iter *it)
{
	if (!it)
		return;
	sqlite3_finalize(it->ids);
	mbx_free(it);
}

/* ---- Attachment data ---------------------------------------------------- */

void store_blob_release(mbx_store *st)
{
	if (st->blob)
		sqlite3_blob_close(st->blob);
	st->blob = NULL;
	st->blob_id = 0;
	st->blob_size = 0;
}

/* The size of an attachment's data; 0 for none. */
static int attachment_size(mbx_store *st, int64_t attachment_id, int64_t *size)
{
	sqlite3_stmt *s;
	int rc;

	rc = store_stmt(st, "SELECT coalesce(length(data), 0) FROM attachment WHERE id = ?1", &s);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, attachment_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*size = sqlite3_column_int64(s, 0);
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = mbx_error_set(MBX_ENOTFOUND, "attachment %" PRId64 " does not exist",
		                   attachment_id);
	} else {
		rc = store_sqlerr(st, "reading an attachment");
	}
	store_done(s);
	return rc;
}

/*
 * Incremental blob I/O: the attachment is never loaded whole.  The export
 * reads an attachment in consecutive chunks, so its blob stays open from
 * one call to the next (opening one costs a query and two b-tree
 * descents); it is closed at its last byte, and before any other statement
 * of the store runs (store_stmt, store_exec), so that it never pins a read
 * snapshot behind the caller's back.
 */
int mbx_store_attachment_read(mbx_store *st, int64_t attachment_id, int64_t offset,
                              void *buf, size_t len, size_t *got)
{
	int64_t size = 0;
	size_t n;
	int rc;

	*got = 0;
	if (offset < 0)
		return mbx_error_set(MBX_EINVAL, "negative attachment offset");
	if (!st->blob || st->blob_id != attachment_id) {
		rc = attachment_size(st, attachment_id, &size);
		if (rc < 0 || offset >= size || len == 0)
			return rc;
		if (sqlite3_blob_open(st->db, "main", "attachment", "data", attachment_id, 0,
		                      &st->blob) != SQLITE_OK) {
			rc = store_sqlerr(st, "opening an attachment");
			store_blob_release(st);
			return rc;
		}
		st->blob_id = attachment_id;
		st->blob_size = size;
	}
	size = st->blob_size;
	if (offset >= size || len == 0)
		return 0;
	n = (size_t)(size - offset) < len ? (size_t)(size - offset) : len;
	if (sqlite3_blob_read(st->blob, buf, (int)n, (int)offset) != SQLITE_OK) {
		rc = store_sqlerr(st, "reading an attachment");
		store_blob_release(st);
		return rc;
	}
	*got = n;
	if (offset + (int64_t)n >= size)
		store_blob_release(st);
	return 0;
}
