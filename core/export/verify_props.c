/*
 * core/export/verify_props.c - the property-level half of verify-after-
 * write: every property of every object the export wrote, read back from
 * the finished file with our property-level reader (mbx/pstprop.h) and
 * compared with what the store holds.  Only the properties the writer
 * regenerates (mbx_pst_regenerated) are left out, and of PidTagMessageFlags
 * (adjusted) only the bit the writer sets.  libpst's read (verify.c) stays
 * beside it: the independent reader.
 *
 * Cost.  The store object and the folders are compared property by
 * property from memory.  Messages are not kept: while the export writes
 * one it sums a 64-bit hash of each property the file must hold (an
 * order-free sum per object, so no sorting), folds recipients, attachments
 * (with their data's size and a hash of it taken from the chunks as they
 * are written) and embedded messages in, and keeps 16 bytes per message
 * (store id, digest).  The read back computes the same digest from the
 * file; only a message whose digests differ is loaded from the store
 * again and compared property by property, to say what differs.  Memory
 * is the reader's folder list and one message at a time; attachment data
 * is streamed in 1 MiB chunks.  The cancel callback is polled for each
 * message and each chunk.
 */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "mbx/pst.h"
#include "mbx/pstprop.h"
#include "mbx/text.h"
#include "export_int.h"

#define DATA_CHUNK (1024 * 1024)
#define MAX_REPORTED 20     /* differences logged for one mailbox */

/* ---- a 64-bit hash (XXH64: fast, and a good spread for a sum) --------------- */

#define P1 11400714785092497761ULL
#define P2 14029467366897019727ULL
#define P3 1609587929392839161ULL
#define P4 9650029242287828579ULL
#define P5 2870177450012600261ULL

static uint64_t rotl(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

static uint64_t rd64(const unsigned char *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
	       (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}

static uint32_t rd32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t round1(uint64_t acc, uint64_t in)
{
	acc += in * P2;
	acc = rotl(acc, 31);
	return acc * P1;
}

static uint64_t merge(uint64_t acc, uint64_t v)
{
	acc ^= round1(0, v);
	return acc * P1 + P4;
}

void exp_hash_init(exp_hash *h, uint64_t seed)
{
	memset(h, 0, sizeof(*h));
	h->v[0] = seed + P1 + P2;
	h->v[1] = seed + P2;
	h->v[2] = seed;
	h->v[3] = seed - P1;
	h->seed = seed;
}

void exp_hash_update(exp_hash *h, const void *data, size_t len)
{
	const unsigned char *p = data;

	h->total += len;
	if (h->nbuf + len < 32) {
		memcpy(h->buf + h->nbuf, p, len);
		h->nbuf += (unsigned)len;
		return;
	}
	if (h->nbuf) {
		size_t take = 32 - h->nbuf;

		memcpy(h->buf + h->nbuf, p, take);
		h->v[0] = round1(h->v[0], rd64(h->buf));
		h->v[1] = round1(h->v[1], rd64(h->buf + 8));
		h->v[2] = round1(h->v[2], rd64(h->buf + 16));
		h->v[3] = round1(h->v[3], rd64(h->buf + 24));
		p += take;
		len -= take;
		h->nbuf = 0;
	}
	while (len >= 32) {
		h->v[0] = round1(h->v[0], rd64(p));
		h->v[1] = round1(h->v[1], rd64(p + 8));
		h->v[2] = round1(h->v[2], rd64(p + 16));
		h->v[3] = round1(h->v[3], rd64(p + 24));
		p += 32;
		len -= 32;
	}
	memcpy(h->buf, p, len);
	h->nbuf = (unsigned)len;
}

uint64_t exp_hash_final(const exp_hash *h)
{
	const unsigned char *p = h->buf;
	size_t len = h->nbuf;
	uint64_t acc;

	if (h->total >= 32) {
		acc = rotl(h->v[0], 1) + rotl(h->v[1], 7) + rotl(h->v[2], 12) + rotl(h->v[3], 18);
		acc = merge(acc, h->v[0]);
		acc = merge(acc, h->v[1]);
		acc = merge(acc, h->v[2]);
		acc = merge(acc, h->v[3]);
	} else {
		acc = h->seed + P5;
	}
	acc += h->total;
	while (len >= 8) {
		acc ^= round1(0, rd64(p));
		acc = rotl(acc, 27) * P1 + P4;
		p += 8;
		len -= 8;
	}
	if (len >= 4) {
		acc ^= (uint64_t)rd32(p) * P1;
		acc = rotl(acc, 23) * P2 + P3;
		p += 4;
		len -= 4;
	}
	while (len > 0) {
		acc ^= (*p) * P5;
		acc = rotl(acc, 11) * P1;
		p++;
		len--;
	}
	acc ^= acc >> 33;
	acc *= P2;
	acc ^= acc >> 29;
	acc *= P3;
	acc ^= acc >> 32;
	return acc;
}

/* ---- which properties a file must hold as the store holds them ---------------- */

int exp_prop_kept(int kind, const mbx_props *b, size_t i)
{
	const mbx_prop *p = &b->p[i];
	int rule;

	if (p->name)
		return 1;   /* named properties are never regenerated */
	if (kind == MBX_PST_OBJ_ATTACHMENT && p->id == MBX_PID_TAG_ATTACH_DATA_BINARY)
		return 0;   /* the data: compared apart (size and hash) */
	{
		mbx_propkey k = MBX_KEY(p->id);

		rule = mbx_pst_regenerated_type(kind, &k, p->type);
	}
	return rule == 0 || rule == MBX_PST_REGEN_ADJUSTED;
}

/* The value as compared: PidTagMessageFlags without the bit the writer
 * sets (MSGFLAG_HASATTACH); everything else as it is.  *tmp holds the
 * masked copy. */
static const unsigned char *cmp_value(int kind, const mbx_prop *p, const unsigned char *v,
                                      unsigned char tmp[4])
{
	if (kind == MBX_PST_OBJ_MESSAGE && !p->name && p->id == MBX_PID_TAG_MESSAGE_FLAGS && p->len == 4) {
		memcpy(tmp, v, 4);
		tmp[0] &= (unsigned char)~0x10u;
		return tmp;
	}
	return v;
}

/* The hash of one property: key, type, value. */
static uint64_t prop_hash(int kind, const mbx_props *b, size_t i)
{
	const mbx_prop *p = &b->p[i];
	unsigned char head[32], tmp[4];
	size_t n = 0;
	exp_hash h;

	exp_hash_init(&h, (uint64_t)kind);
	if (!p->name) {
		head[n++] = 'P';
		head[n++] = (unsigned char)p->id;
		head[n++] = (unsigned char)(p->id >> 8);
		exp_hash_update(&h, head, n);
	} else {
		const mbx_propname *nm = &b->names[p->name - 1];

		exp_hash_update(&h, nm->str ? "S" : "L", 1);
		exp_hash_update(&h, nm->guid, 16);
		if (nm->str) {
			exp_hash_update(&h, nm->str, strlen(nm->str) + 1);
		} else {
			head[0] = (unsigned char)nm->lid;
			head[1] = (unsigned char)(nm->lid >> 8);
			head[2] = (unsigned char)(nm->lid >> 16);
			head[3] = (unsigned char)(nm->lid >> 24);
			exp_hash_update(&h, head, 4);
		}
		n = 0;
	}
	head[0] = (unsigned char)p->type;
	head[1] = (unsigned char)(p->type >> 8);
	head[2] = (unsigned char)p->len;
	head[3] = (unsigned char)(p->len >> 8);
	head[4] = (unsigned char)(p->len >> 16);
	head[5] = (unsigned char)(p->len >> 24);
	exp_hash_update(&h, head, 6);
	exp_hash_update(&h, cmp_value(kind, p, mbx_props_val(b, p), tmp), p->len);
	return exp_hash_final(&h);
}

/* A bag's share of a digest: the sum of its kept properties' hashes and
 * their count (order-free). */
typedef struct bagsum {
	uint64_t sum, count;
} bagsum;

static bagsum bag_sum(int kind, const mbx_props *b)
{
	bagsum s = { 0, 0 };
	size_t i;

	for (i = 0; i < b->n; i++)
		if (exp_prop_kept(kind, b, i) && mbx_props_check_value(b->p[i].type, mbx_props_val(b, &b->p[i]),
		                                                       b->p[i].len) == 0) {
			s.sum += prop_hash(kind, b, i);
			s.count++;
		}
	return s;
}

static void fold(exp_hash *h, uint64_t a, uint64_t b)
{
	unsigned char x[16];
	int i;

	for (i = 0; i < 8; i++) {
		x[i] = (unsigned char)(a >> (8 * i));
		x[8 + i] = (unsigned char)(b >> (8 * i));
	}
	exp_hash_update(h, x, 16);
}

/* ---- bags fit for the writer ---------------------------------------------------- */

const mbx_props *exp_bag_screen(const mbx_props *b, mbx_log *log, const char *item, mbx_props *tmp,
                                size_t *dropped)
{
	size_t i, bad = 0;

	for (i = 0; i < b->n; i++)
		if (mbx_props_check_value(b->p[i].type, mbx_props_val(b, &b->p[i]), b->p[i].len) != 0)
			bad++;
	if (!bad)
		return b;
	mbx_props_copy(tmp, b);
	for (i = tmp->n; i-- > 0;) {
		const mbx_prop *p = &tmp->p[i];

		if (mbx_props_check_value(p->type, mbx_props_val(tmp, p), p->len) != 0) {
			mbx_propkey k = mbx_props_key(tmp, i);
			char *d = exp_prop_describe(&k);

			mbx_log_write(log, MBX_LOG_MIN, "Warning: %s: property %s holds %u bytes, not a %s value: "
			              "left out of the PST", item, d, p->len, mbx_proptype_name(p->type));
			mbx_free(d);
			mbx_props_remove_at(tmp, i);
		}
	}
	if (dropped)
		*dropped += bad;
	return tmp;
}

char *exp_prop_describe(const mbx_propkey *k)
{
	char *d = mbx_propkey_describe(k);
	const char *name = mbx_propkey_name(k);
	char *s;

	if (!name)
		return d;
	s = mbx_asprintf("%s %s", d, name);
	mbx_free(d);
	return s;
}

/* ---- the digest of a message ---------------------------------------------------- */

/* One attachment's data as written: present, size, hash. */
typedef struct dataref {
	const exp_data *v;
	size_t n, at;
} dataref;

static uint32_t attach_method(const mbx_props *b)
{
	mbx_propkey k = MBX_KEY(MBX_PID_TAG_ATTACH_METHOD);
	uint32_t m = 1;

	if (mbx_props_u32(b, &k, &m) != 0)
		m = 1;
	return m;
}

static uint64_t store_digest(const mbx_message *m, dataref *d, int depth)
{
	bagsum s = bag_sum(MBX_PST_OBJ_MESSAGE, &m->bag);
	exp_hash h;
	size_t i;

	exp_hash_init(&h, 0x6d7367u);
	fold(&h, s.sum, s.count);
	fold(&h, m->n_recipients, m->n_attachments);
	for (i = 0; i < m->n_recipients; i++) {
		s = bag_sum(MBX_PST_OBJ_RECIPIENT, &m->recipients[i].bag);
		fold(&h, s.sum, s.count);
	}
	for (i = 0; i < m->n_attachments; i++) {
		const mbx_attachment *a = &m->attachments[i];

		s = bag_sum(MBX_PST_OBJ_ATTACHMENT, &a->bag);
		fold(&h, s.sum, s.count);
		if (a->embedded && depth < 64) {
			fold(&h, 2, store_digest(a->embedded, d, depth + 1));
		} else if (d->at < d->n) {
			const exp_data *x = &d->v[d->at++];

			fold(&h, x->present, 0);
			if (x->present)
				fold(&h, (uint64_t)x->size, x->hash);
		} else {
			fold(&h, 3, 0);   /* not written: never equal */
		}
	}
	return exp_hash_final(&h);
}

uint64_t exp_message_digest(const mbx_message *m, const exp_data *data, size_t n)
{
	dataref d = { data, n, 0 };

	return store_digest(m, &d, 0);
}

int exp_data_present(const mbx_attachment *a)
{
	return a->size > 0 || attach_method(&a->bag) == 1;
}

/* The data of m's attachments as the store holds them, depth first. */
static int store_data_all(mbx_store *st, const mbx_message *m, unsigned char *buf, exp_data **v, size_t *n,
                          size_t *cap, int depth)
{
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < m->n_attachments; i++) {
		const mbx_attachment *a = &m->attachments[i];
		exp_hash h;
		int64_t off = 0;

		if (a->embedded && depth < 64) {
			rc = store_data_all(st, a->embedded, buf, v, n, cap, depth + 1);
			continue;
		}
		exp_hash_init(&h, 0);
		while (rc == 0 && off < a->size) {
			size_t want = a->size - off > DATA_CHUNK ? DATA_CHUNK : (size_t)(a->size - off), got = 0;

			rc = mbx_store_attachment_read(st, a->id, off, buf, want, &got);
			if (rc == 0 && got == 0)
				rc = mbx_error_set(MBX_ECORRUPT, "attachment %lld ends early in the store", (long long)a->id);
			exp_hash_update(&h, buf, got);
			off += (int64_t)got;
		}
		if (*n == *cap) {
			*cap = *cap ? 2 * *cap : 16;
			*v = mbx_reallocarray(*v, *cap, sizeof(**v));
		}
		(*v)[*n].present = exp_data_present(a);
		(*v)[*n].size = off;
		(*v)[*n].hash = exp_hash_final(&h);
		(*n)++;
	}
	return rc;
}

int exp_store_digest(mbx_store *st, const mbx_message *m, uint64_t *digest)
{
	unsigned char *buf = mbx_malloc(DATA_CHUNK);
	exp_data *v = NULL;
	size_t n = 0, cap = 0;
	int rc = store_data_all(st, m, buf, &v, &n, &cap, 0);

	if (rc == 0)
		*digest = exp_message_digest(m, v, n);
	mbx_free(v);
	mbx_free(buf);
	return rc;
}

/* ---- the expectation of one part -------------------------------------------------- */

exp_pfolder *exp_pexpect_folder(exp_pexpect *e, size_t fi, uint32_t nid)
{
	size_t i;

	for (i = e->n; i-- > 0;)
		if (e->f[i].fi == fi)
			return &e->f[i];
	if (e->n == e->cap) {
		e->cap = e->cap ? 2 * e->cap : 16;
		e->f = mbx_reallocarray(e->f, e->cap, sizeof(*e->f));
	}
	memset(&e->f[e->n], 0, sizeof(e->f[e->n]));
	e->f[e->n].fi = fi;
	e->f[e->n].nid = nid;
	return &e->f[e->n++];
}

void exp_pexpect_add(exp_pfolder *f, int assoc, int64_t id, uint64_t digest)
{
	int a = assoc ? 1 : 0;

	if (f->n[a] == f->cap[a]) {
		f->cap[a] = f->cap[a] ? 2 * f->cap[a] : 16;
		f->msg[a] = mbx_reallocarray(f->msg[a], f->cap[a], sizeof(*f->msg[a]));
	}
	f->msg[a][f->n[a]].id = id;
	f->msg[a][f->n[a]].digest = digest;
	f->n[a]++;
}

void exp_pexpect_clear(exp_pexpect *e)
{
	size_t i;

	for (i = 0; i < e->n; i++) {
		mbx_free(e->f[i].msg[0]);
		mbx_free(e->f[i].msg[1]);
	}
	mbx_free(e->f);
	memset(e, 0, sizeof(*e));
}

/* ---- reading back ----------------------------------------------------------------- */

typedef struct vctx {
	const exp_pverify *v;
	mbx_pstprop *p;
	unsigned char *buf;
	size_t ndiff;             /* differences found */
	char *first;              /* the first, for the error */
	int stop;                 /* cancelled or failed to read */
	int rc;
} vctx;

static int cancelled(vctx *c)
{
	if (c->v->cancelled && c->v->cancelled(c->v->ud)) {
		c->stop = 1;
		c->rc = mbx_error_set(MBX_ECANCELLED, "cancelled");
		return 1;
	}
	return 0;
}

static void differ(vctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void differ(vctx *c, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = mbx_vasprintf(fmt, ap);
	va_end(ap);
	c->ndiff++;
	if (c->ndiff <= MAX_REPORTED)
		mbx_log_write(c->v->log, MBX_LOG_MIN, "Error: %s: %s", c->v->path, s);
	if (!c->first)
		c->first = s;
	else
		mbx_free(s);
}

/* A value for a person: text quoted and cut, numbers and times read,
 * other bytes in hex and cut. */
static char *value_text(uint16_t type, const unsigned char *v, size_t len)
{
	char *s, *t;

	switch (type) {
	case MBX_PT_UNICODE:
	case MBX_PT_STRING8:
		s = type == MBX_PT_UNICODE ? mbx_utf8_from_utf16(v, len, NULL) : mbx_utf8_from_codepage(v, len, 1252);
		t = mbx_text_clean(s, 48, 0, NULL);
		mbx_free(s);
		s = mbx_asprintf("'%s'%s", t, strlen(t) >= 48 ? "..." : "");
		mbx_free(t);
		return s;
	case MBX_PT_BOOLEAN:
		if (len == 1)
			return mbx_asprintf("%u", v[0]);
		break;
	case MBX_PT_SHORT:
		if (len == 2)
			return mbx_asprintf("%u", (unsigned)(v[0] | v[1] << 8));
		break;
	case MBX_PT_LONG:
	case MBX_PT_ERROR:
		if (len == 4)
			return mbx_asprintf("%lu (0x%08lx)", (unsigned long)rd32(v), (unsigned long)rd32(v));
		break;
	case MBX_PT_SYSTIME:
		if (len == 8) {
			uint64_t ft = rd64(v);
			time_t t0 = (time_t)mbx_filetime_to_unix(ft);
			struct tm tm;
			char when[32];

			gmtime_r(&t0, &tm);
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
			return mbx_asprintf("%s.%07u UTC", when, (unsigned)(ft % 10000000u));
		}
		break;
	default:
		break;
	}
	{
		size_t n = len > 16 ? 16 : len, i;

		s = mbx_malloc(2 * n + 1);
		for (i = 0; i < n; i++)
			snprintf(s + 2 * i, 3, "%02x", v[i]);
		t = mbx_asprintf("%s%s (%zu bytes)", s, len > n ? "..." : "", len);
		mbx_free(s);
		return t;
	}
}

static char *prop_text(const mbx_props *b, const mbx_prop *p)
{
	char *v = value_text(p->type, mbx_props_val(b, p), p->len);
	char *s = mbx_asprintf("%s %s", mbx_proptype_name(p->type), v);

	mbx_free(v);
	return s;
}

/* Compare what the store holds (want, screened as written) with what the
 * file holds (got): every difference reported against item. */
static void bag_diff(vctx *c, int kind, const mbx_props *want, const mbx_pstprop_bag *got, const char *item)
{
	size_t i;

	for (i = 0; i < want->n; i++) {
		const mbx_prop *w = &want->p[i];
		mbx_propkey k;
		const mbx_prop *g;
		unsigned char t1[4], t2[4];
		char *d;

		if (!exp_prop_kept(kind, want, i) ||
		    mbx_props_check_value(w->type, mbx_props_val(want, w), w->len) != 0)
			continue;
		k = mbx_props_key(want, i);
		g = mbx_props_get(&got->props, &k);
		if (g && g->type == w->type && g->len == w->len &&
		    memcmp(cmp_value(kind, w, mbx_props_val(want, w), t1),
		           cmp_value(kind, g, mbx_props_val(&got->props, g), t2), w->len) == 0)
			continue;
		d = exp_prop_describe(&k);
		if (!g) {
			char *sv = prop_text(want, w);
			size_t j;
			int unreadable = 0;

			for (j = 0; j < got->nbad; j++) {
				const mbx_pstprop_bad *x = &got->bad[j];
				mbx_propkey bk = x->named ? (mbx_propkey){ 0, x->guid, x->lid, x->name } : MBX_KEY(x->id);

				if (mbx_propkey_equal(&bk, &k)) {
					differ(c, "%s: property %s: the store holds %s, the PST's can not be read (%s)",
					       item, d, sv, x->reason);
					unreadable = 1;
					break;
				}
			}
			if (!unreadable)
				differ(c, "%s: property %s is missing from the PST (the store holds %s)", item, d, sv);
			mbx_free(sv);
		} else {
			char *sv = prop_text(want, w), *pv = prop_text(&got->props, g);

			differ(c, "%s: property %s differs: the store holds %s, the PST %s", item, d, sv, pv);
			mbx_free(sv);
			mbx_free(pv);
		}
		mbx_free(d);
	}
	for (i = 0; i < got->props.n; i++) {
		mbx_propkey k = mbx_props_key(&got->props, i);
		const mbx_prop *w;
		char *d, *pv;

		if (!exp_prop_kept(kind, &got->props, i))
			continue;
		w = mbx_props_get(want, &k);
		if (w && mbx_props_check_value(w->type, mbx_props_val(want, w), w->len) == 0)
			continue;   /* compared above */
		d = exp_prop_describe(&k);
		pv = prop_text(&got->props, &got->props.p[i]);
		differ(c, "%s: property %s is in the PST (%s) but not in the store", item, d, pv);
		mbx_free(d);
		mbx_free(pv);
	}
	for (i = 0; i < got->nbad; i++) {
		const mbx_pstprop_bad *x = &got->bad[i];
		mbx_propkey bk = x->named ? (mbx_propkey){ 0, x->guid, x->lid, x->name } : MBX_KEY(x->id);

		if (mbx_props_get(want, &bk))
			continue;   /* reported above */
		{
			char *d = exp_prop_describe(&bk);

			differ(c, "%s: property %s of the PST can not be read: %s", item, d, x->reason);
			mbx_free(d);
		}
	}
}

/* The hash and size of an attachment's data in the file. */
static int file_data(vctx *c, const mbx_pstprop_attach *a, uint64_t *size, uint64_t *hash)
{
	exp_hash h;
	uint64_t off = 0;

	exp_hash_init(&h, 0);
	while (off < a->data_size) {
		size_t got = 0;

		if (cancelled(c))
			return -1;
		if (mbx_pstprop_attach_read(c->p, a, off, c->buf, DATA_CHUNK, &got) < 0 || got == 0)
			return -2;
		exp_hash_update(&h, c->buf, got);
		off += got;
	}
	*size = off;
	*hash = exp_hash_final(&h);
	return 0;
}

static uint64_t file_digest(vctx *c, const mbx_pstprop_msg *m, int depth)
{
	bagsum s;
	exp_hash h;
	size_t i;

	s = bag_sum(MBX_PST_OBJ_MESSAGE, &m->bag.props);
	exp_hash_init(&h, 0x6d7367u);
	fold(&h, s.sum + m->bag.nbad * 7919u, s.count);   /* unreadable properties never match */
	fold(&h, m->nrcpt, m->natt);
	for (i = 0; i < m->nrcpt; i++) {
		s = bag_sum(MBX_PST_OBJ_RECIPIENT, &m->rcpt[i].props);
		fold(&h, s.sum + m->rcpt[i].nbad * 7919u, s.count);
	}
	for (i = 0; i < m->natt && !c->stop; i++) {
		const mbx_pstprop_attach *a = &m->att[i];

		s = bag_sum(MBX_PST_OBJ_ATTACHMENT, &a->bag.props);
		fold(&h, s.sum + a->bag.nbad * 7919u, s.count);
		if (a->method == 5 && depth < 64) {
			fold(&h, 2, a->embedded ? file_digest(c, a->embedded, depth + 1) : 0);
		} else if (a->data_type == MBX_PT_BINARY || a->data_type == MBX_PT_OBJECT) {
			uint64_t size = 0, hash = 0;
			int rc = file_data(c, a, &size, &hash);

			fold(&h, 1, 0);
			fold(&h, rc == 0 ? size : UINT64_MAX, rc == 0 ? hash : 0);
		} else {
			fold(&h, 0, 0);
		}
	}
	return exp_hash_final(&h) ^ (m->damaged ? 0x5a5a5a5a5a5a5a5aull : 0);
}

/* The store's data of an attachment: size and hash, read again. */
static int store_data(vctx *c, const mbx_attachment *a, uint64_t *size, uint64_t *hash)
{
	exp_hash h;
	int64_t off = 0;

	exp_hash_init(&h, 0);
	while (off < a->size) {
		size_t want = a->size - off > DATA_CHUNK ? DATA_CHUNK : (size_t)(a->size - off), got = 0;

		if (cancelled(c))
			return -1;
		if (mbx_store_attachment_read(c->v->st, a->id, off, c->buf, want, &got) < 0 || got == 0)
			return -2;
		exp_hash_update(&h, c->buf, got);
		off += (int64_t)got;
	}
	*size = (uint64_t)off;
	*hash = exp_hash_final(&h);
	return 0;
}

static char *short_text(const char *s)
{
	char *t = mbx_text_clean(s ? s : "", 60, 0, NULL);
	char *r = mbx_asprintf("'%s'", t);

	mbx_free(t);
	return r;
}

/* Say what differs between a store message and the file's. */
static void msg_diff(vctx *c, const mbx_message *m, const mbx_pstprop_msg *pm, const char *item, int depth)
{
	size_t i, n;

	bag_diff(c, MBX_PST_OBJ_MESSAGE, &m->bag, &pm->bag, item);
	if (m->n_recipients != pm->nrcpt)
		differ(c, "%s: %zu recipients in the store, %zu in the PST", item, m->n_recipients, pm->nrcpt);
	n = m->n_recipients < pm->nrcpt ? m->n_recipients : pm->nrcpt;
	for (i = 0; i < n; i++) {
		char *nm = short_text(m->recipients[i].name ? m->recipients[i].name : m->recipients[i].address);
		char *it = mbx_asprintf("recipient %zu (%s) of %s", i + 1, nm, item);

		bag_diff(c, MBX_PST_OBJ_RECIPIENT, &m->recipients[i].bag, &pm->rcpt[i], it);
		mbx_free(it);
		mbx_free(nm);
	}
	if (m->n_attachments != pm->natt)
		differ(c, "%s: %zu attachments in the store, %zu in the PST", item, m->n_attachments, pm->natt);
	n = m->n_attachments < pm->natt ? m->n_attachments : pm->natt;
	for (i = 0; i < n && !c->stop; i++) {
		const mbx_attachment *a = &m->attachments[i];
		const mbx_pstprop_attach *pa = &pm->att[i];
		char *nm = short_text(a->filename);
		char *it = mbx_asprintf("attachment %zu (%s) of %s", i + 1, nm, item);

		bag_diff(c, MBX_PST_OBJ_ATTACHMENT, &a->bag, &pa->bag, it);
		if (a->embedded && depth < 64) {
			if (!pa->embedded) {
				differ(c, "%s: an embedded message in the store, none the PST can read", it);
			} else {
				char *sub = short_text(a->embedded->subject);
				char *eit = mbx_asprintf("item %s attached to %s", sub, item);

				msg_diff(c, a->embedded, pa->embedded, eit, depth + 1);
				mbx_free(eit);
				mbx_free(sub);
			}
		} else {
			int want = exp_data_present(a), have = pa->data_type == MBX_PT_BINARY ||
			                                       pa->data_type == MBX_PT_OBJECT;
			uint64_t ws = 0, wh = 0, hs = 0, hh = 0;

			if (want != have) {
				differ(c, "%s: %s data in the store, %s in the PST", it, want ? "its" : "no",
				       have ? "data" : "none");
			} else if (want) {
				int r1 = store_data(c, a, &ws, &wh), r2 = r1 == 0 ? file_data(c, pa, &hs, &hh) : 0;

				if (c->stop)
					;
				else if (r1 < 0)
					differ(c, "%s: its data can not be read from the store again", it);
				else if (r2 < 0)
					differ(c, "%s: its data can not be read from the PST", it);
				else if (ws != hs || wh != hh)
					differ(c, "%s: its data differs: %llu bytes (hash %016llx) in the store, %llu bytes "
					       "(hash %016llx) in the PST", it, (unsigned long long)ws, (unsigned long long)wh,
					       (unsigned long long)hs, (unsigned long long)hh);
			}
		}
		mbx_free(it);
		mbx_free(nm);
	}
}

static void verify_msg(vctx *c, const exp_pmsg *x, uint32_t nid, const char *folder_path, int assoc)
{
	mbx_pstprop_msg *pm = NULL;
	mbx_message *m = NULL;
	uint64_t d;
	size_t before = c->ndiff;

	if (mbx_pstprop_message_read(c->p, nid, &pm) < 0) {
		differ(c, "folder '%s': the PST's %s 0x%x is not a message", folder_path,
		       assoc ? "associated item" : "item", nid);
		return;
	}
	d = file_digest(c, pm, 0);
	if (c->stop || d == x->digest) {
		mbx_pstprop_message_free(pm);
		c->v->stats->messages++;
		return;
	}
	/* they differ: what, exactly */
	if (mbx_store_message_get(c->v->st, x->id, &m) < 0) {
		differ(c, "folder '%s': message %lld of the store can not be read again to compare it: %s",
		       folder_path, (long long)x->id, mbx_error_last());
	} else {
		char *subj = short_text(m->subject);
		char *item = mbx_asprintf("%s %s in folder '%s'", assoc ? "associated item" : "item", subj,
		                          folder_path);

		msg_diff(c, m, pm, item, 0);
		if (pm->damaged && c->ndiff == before)
			differ(c, "%s: part of it can not be read from the PST", item);
		if (c->ndiff == before && !c->stop)
			differ(c, "%s: its properties read back differently (the digests differ)", item);
		mbx_free(item);
		mbx_free(subj);
		mbx_message_free(m);
	}
	mbx_pstprop_message_free(pm);
	c->v->stats->messages++;
}

static void verify_folder(vctx *c, const exp_pfolder *ef)
{
	const mbx_folder *sf = &c->v->folders[ef->fi];
	const char *path = c->v->paths[ef->fi];
	const mbx_pstprop_folder *pf = mbx_pstprop_folder_find(c->p, ef->nid);
	mbx_props tmp;
	const mbx_props *want;
	char *item;
	int assoc;

	if (!pf) {
		differ(c, "folder '%s' is not in the PST", path);
		return;
	}
	item = mbx_asprintf("folder '%s'", path);
	mbx_props_init(&tmp);
	want = exp_bag_screen(&sf->bag, NULL, item, &tmp, NULL);
	bag_diff(c, MBX_PST_OBJ_FOLDER, want, &pf->bag, item);
	mbx_props_clear(&tmp);
	c->v->stats->folders++;
	for (assoc = 0; assoc < 2 && !c->stop; assoc++) {
		uint32_t *nids = NULL;
		size_t n = 0, i;

		if (mbx_pstprop_folder_contents(c->p, ef->nid, assoc, &nids, &n) < 0) {
			differ(c, "%s: its %s table can not be read from the PST", item,
			       assoc ? "associated contents" : "contents");
			continue;
		}
		if (n != ef->n[assoc])
			differ(c, "%s: %zu %s written, %zu in the PST", item, ef->n[assoc],
			       assoc ? "associated items" : "items", n);
		for (i = 0; i < n && i < ef->n[assoc] && !c->stop; i++) {
			if (cancelled(c))
				break;
			verify_msg(c, &ef->msg[assoc][i], nids[i], path, assoc);
			if (c->v->yield)
				c->v->yield();
		}
		mbx_free(nids);
	}
	mbx_free(item);
}

int exp_verify_props(const exp_pverify *v, const exp_pexpect *e)
{
	vctx c;
	size_t i;
	int rc;

	memset(&c, 0, sizeof(c));
	c.v = v;
	rc = mbx_pstprop_open(&c.p, v->path, 0);
	if (rc < 0)
		return mbx_error_prefix(rc, "%s: our property-level reader can not open it", v->path);
	c.buf = mbx_malloc(DATA_CHUNK);
	if (v->store_bag) {
		const mbx_pstprop_bag *sb = mbx_pstprop_store_bag(c.p);

		bag_diff(&c, MBX_PST_OBJ_STORE, v->store_bag, sb, "the message store");
	}
	for (i = 0; i < e->n && !c.stop; i++)
		verify_folder(&c, &e->f[i]);
	if (!c.stop && mbx_pstprop_damage_count(c.p) > 0) {
		const mbx_pstprop_damage *d = mbx_pstprop_damage_at(c.p, 0);

		differ(&c, "%s: %s", d->object ? d->object : "the file", d->what ? d->what : "damaged");
	}
	if (c.stop)
		rc = c.rc;
	else if (c.ndiff)
		rc = mbx_error_set(MBX_ECORRUPT, "%s: %zu difference%s between the store and the PST, read "
		                   "back property by property; the first: %s", v->path, c.ndiff,
		                   c.ndiff == 1 ? "" : "s", c.first);
	else
		rc = 0;
	mbx_free(c.first);
	mbx_free(c.buf);
	mbx_pstprop_free(c.p);
	return rc;
}
