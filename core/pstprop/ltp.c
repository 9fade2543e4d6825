/*
 * core/pstprop/ltp.c - the LTP layer of the property-level reader
 * ([MS-PST] 2.3): heap-on-node, BTree-on-heap, property contexts (every
 * property, its value resolved from the inline field, the heap or a
 * subnode) and table contexts (columns, the row matrix streamed block by
 * block, cells by the cell existence bitmap).
 */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mbx/common.h"
#include "mbx/props.h"
#include "pstprop_int.h"
#include "pstcheck/pstcheck.h"

#define BTH_MAX_LEVELS 8

/* ---- heap-on-node ---------------------------------------------------------- */

int pp_hn_open(mbx_pstprop *p, uint64_t bid, pp_hn *h, pp_why *why)
{
	const uint8_t *b0;

	memset(h, 0, sizeof(*h));
	if (!bid) {
		pp_why_set(why, 0, "node has no data where a heap is expected");
		return -1;
	}
	if (pp_data_load(p, bid, PP_HEAP_MAX, &h->d, why) < 0)
		return -1;
	b0 = h->d.buf;
	if (h->d.n == 0 || h->d.off[1] < 12) {
		pp_why_set(why, bid, "heap of %zu bytes is too small for its header", h->d.len);
		pp_hn_free(h);
		return -1;
	}
	if (b0[2] != PST_HN_SIG) {
		pp_why_set(why, bid, "heap signature 0x%02x, expected 0xec", b0[2]);
		pp_hn_free(h);
		return -1;
	}
	h->client = b0[3];
	h->root = pp_le32(b0 + 4);
	return 0;
}

void pp_hn_free(pp_hn *h)
{
	pp_data_free(&h->d);
	memset(h, 0, sizeof(*h));
}

int pp_hn_get(const pp_hn *h, uint32_t hid, const uint8_t **ptr, uint32_t *size)
{
	uint32_t idx = (hid >> 5) & 0x7FF, blk = hid >> 16, cb, pm, nalloc, a, z;
	const uint8_t *b;

	if (PST_NID_TYPE(hid) != PST_NID_TYPE_HID || idx == 0 || blk >= h->d.n)
		return -1;
	b = h->d.buf + h->d.off[blk];
	cb = h->d.off[blk + 1] - h->d.off[blk];
	if (cb < 4)
		return -1;
	pm = pp_le16(b);
	if (pm < 2 || pm + 4u > cb)
		return -1;
	nalloc = pp_le16(b + pm);
	if (idx > nalloc || pm + 4u + 2u * (nalloc + 1) > cb)
		return -1;
	a = pp_le16(b + pm + 4 + 2 * (idx - 1));
	z = pp_le16(b + pm + 4 + 2 * idx);
	if (a > z || z > pm)
		return -1;
	*ptr = b + a;
	*size = z - a;
	return 0;
}

/* ---- BTH ------------------------------------------------------------------- */

typedef int (*bth_fn)(void *ud, const uint8_t *key, const uint8_t *data);

typedef struct bth {
	const pp_hn *h;
	unsigned cbkey, cbent;
	pc_set seen;
	bth_fn fn;
	void *ud;
	pp_why *why;
	uint64_t bid;
} bth;

static int bth_level(bth *t, uint32_t hid, int level)
{
	const uint8_t *r;
	uint32_t size, rec, i, n;

	if (pp_hn_get(t->h, hid, &r, &size) < 0) {
		pp_why_set(t->why, t->bid, "BTree-on-heap record HID 0x%x does not resolve in the heap", hid);
		return -1;
	}
	if (level > 0 && !pc_set_add(&t->seen, hid)) {
		pp_why_set(t->why, t->bid, "BTree-on-heap HID 0x%x is reached twice (a cycle)", hid);
		return -1;
	}
	rec = level > 0 ? t->cbkey + 4 : t->cbkey + t->cbent;
	if (size % rec) {
		pp_why_set(t->why, t->bid, "BTree-on-heap level %d: %u bytes are not a whole number of %u-byte records",
		           level, size, rec);
		return -1;
	}
	n = size / rec;
	for (i = 0; i < n; i++, r += rec) {
		int rc = level > 0 ? bth_level(t, pp_le32(r + t->cbkey), level - 1) : t->fn(t->ud, r, r + t->cbkey);

		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Walk the BTH whose header is at hid; want_key/want_ent: the sizes. */
static int bth_walk(const pp_hn *h, uint64_t bid, uint32_t hid, unsigned want_key, unsigned want_ent, bth_fn fn,
                    void *ud, pp_why *why)
{
	const uint8_t *b;
	uint32_t size;
	bth t;
	int rc;

	if (pp_hn_get(h, hid, &b, &size) < 0 || size < 8) {
		pp_why_set(why, bid, "BTree-on-heap header HID 0x%x does not resolve", hid);
		return -1;
	}
	if (b[0] != PST_BTYPE_BTH || b[1] != want_key || b[2] != want_ent || b[3] > BTH_MAX_LEVELS) {
		pp_why_set(why, bid, "BTree-on-heap header: type 0x%02x, key %u, entry %u, %u levels (expected 0xb5, %u, %u)",
		           b[0], b[1], b[2], b[3], want_key, want_ent);
		return -1;
	}
	if (!pp_le32(b + 4))
		return 0;   /* empty */
	memset(&t, 0, sizeof(t));
	t.h = h;
	t.cbkey = b[1];
	t.cbent = b[2];
	t.fn = fn;
	t.ud = ud;
	t.why = why;
	t.bid = bid;
	pc_set_init(&t.seen);
	rc = bth_level(&t, pp_le32(b + 4), b[3]);
	pc_set_free(&t.seen);
	return rc;
}

/* ---- values ---------------------------------------------------------------- */

/* Size of a fixed-size type; 0 variable-size or unknown. */
static uint32_t fixed_size(uint16_t type)
{
	return (uint32_t)mbx_proptype_size(type);
}

static int known_type(uint16_t type)
{
	uint16_t base = (uint16_t)(type & ~MBX_PT_MV_FLAG);

	if (type & MBX_PT_MV_INSTANCE)
		return 0;
	switch (base) {
	case MBX_PT_SHORT: case MBX_PT_LONG: case MBX_PT_FLOAT: case MBX_PT_DOUBLE: case MBX_PT_CURRENCY:
	case MBX_PT_APPTIME: case MBX_PT_ERROR: case MBX_PT_BOOLEAN: case MBX_PT_I8: case MBX_PT_SYSTIME:
	case MBX_PT_CLSID: case MBX_PT_STRING8: case MBX_PT_UNICODE: case MBX_PT_BINARY:
		return 1;
	case MBX_PT_OBJECT: case MBX_PT_SVREID: case MBX_PT_SRESTRICT: case MBX_PT_ACTIONS: case MBX_PT_NULL:
		return !(type & MBX_PT_MV_FLAG);
	}
	return 0;
}

/* Resolve a variable-size value's HNID into r (heap or subnode). */
static int hnid_value(mbx_pstprop *p, const pp_hn *h, const pp_subs *subs, uint32_t hnid, int lazy, pp_raw *r,
                      pp_why *why)
{
	const pp_sub *s;
	pp_data d;

	r->hnid = hnid;
	if (!hnid) {
		r->val = (const uint8_t *)"";
		r->len = 0;
		return 0;
	}
	if (PST_NID_TYPE(hnid) == PST_NID_TYPE_HID) {
		if (pp_hn_get(h, hnid, &r->val, &r->len) < 0) {
			pp_why_set(why, 0, "value HID 0x%x does not resolve in the heap", hnid);
			return -1;
		}
		return 0;
	}
	if (!(s = pp_subs_find(subs, hnid))) {
		pp_why_set(why, 0, "value subnode 0x%x does not exist", hnid);
		return -1;
	}
	if (lazy) {
		r->lazy = 1;
		r->sub = s;
		return 0;
	}
	if (!s->bid_data) {
		r->val = (const uint8_t *)"";
		r->len = 0;
		return 0;
	}
	if (pp_data_load(p, s->bid_data, PP_VALUE_MAX, &d, why) < 0)
		return -1;
	r->own = d.buf ? d.buf : mbx_malloc(1);
	r->val = r->own;
	r->len = (uint32_t)d.len;
	mbx_free(d.off);
	return 0;
}

/* ---- PC -------------------------------------------------------------------- */

typedef struct pc_read {
	mbx_pstprop *p;
	const pp_hn *h;
	const pp_subs *subs;
	uint16_t lazy_id;
	pp_prop_fn fn;
	void *ud;
	uint64_t bid;
} pc_read;

static int pc_rec(void *ud, const uint8_t *key, const uint8_t *data)
{
	pc_read *l = ud;
	pp_raw r;
	pp_why why;
	uint32_t v = pp_le32(data + 2), fs;
	uint8_t inl[4];
	int rc, bad = 0;

	memset(&r, 0, sizeof(r));
	why.bid = 0;
	why.what[0] = 0;
	r.id = pp_le16(key);
	r.type = pp_le16(data);
	fs = fixed_size(r.type);
	if (known_type(r.type) && fs && fs <= 4) {
		inl[0] = (uint8_t)v;
		inl[1] = (uint8_t)(v >> 8);
		inl[2] = (uint8_t)(v >> 16);
		inl[3] = (uint8_t)(v >> 24);
		r.val = inl;
		r.len = fs;
	} else if (known_type(r.type) && fs) {
		if (pp_hn_get(l->h, v, &r.val, &r.len) < 0) {
			pp_why_set(&why, l->bid, "value HID 0x%x does not resolve in the heap", v);
			bad = 1;
		}
	} else if (known_type(r.type)) {
		if (hnid_value(l->p, l->h, l->subs, v, r.id == l->lazy_id, &r, &why) < 0)
			bad = 1;
	} else {
		/* Unknown type: the value as an HNID when it resolves, else the 4 bytes. */
		if (hnid_value(l->p, l->h, l->subs, v, 0, &r, &why) < 0) {
			inl[0] = (uint8_t)v;
			inl[1] = (uint8_t)(v >> 8);
			inl[2] = (uint8_t)(v >> 16);
			inl[3] = (uint8_t)(v >> 24);
			r.val = inl;
			r.len = 4;
		}
	}
	if (bad) {
		r.val = NULL;
		r.len = 0;
	}
	rc = l->fn(l->ud, &r, bad ? &why : NULL);
	mbx_free(r.own);
	return rc;
}

int pp_pc_read(mbx_pstprop *p, uint64_t bid_data, const pp_subs *subs, uint16_t lazy_id, pp_prop_fn fn, void *ud,
               pp_why *why)
{
	pp_hn h;
	pc_read l;
	int rc;

	if (pp_hn_open(p, bid_data, &h, why) < 0)
		return -1;
	if (h.client != PST_BTYPE_PC) {
		pp_why_set(why, bid_data, "heap client signature 0x%02x where a property context (0xbc) is expected",
		           h.client);
		pp_hn_free(&h);
		return -1;
	}
	l.p = p;
	l.h = &h;
	l.subs = subs;
	l.lazy_id = lazy_id;
	l.fn = fn;
	l.ud = ud;
	l.bid = bid_data;
	rc = bth_walk(&h, bid_data, h.root, 2, 6, pc_rec, &l, why);
	pp_hn_free(&h);
	return rc;
}

/* ---- TC -------------------------------------------------------------------- */

static int count_rec(void *ud, const uint8_t *key, const uint8_t *data)
{
	(void)key;
	(void)data;
	(*(size_t *)ud)++;
	return 0;
}

int pp_tc_open(mbx_pstprop *p, uint64_t bid_data, const pp_subs *subs, pp_tc *t, pp_why *why)
{
	const uint8_t *ti;
	uint32_t size;
	unsigned i, cebsz;

	memset(t, 0, sizeof(*t));
	t->subs = subs;
	if (pp_hn_open(p, bid_data, &t->hn, why) < 0)
		return -1;
	if (t->hn.client != PST_BTYPE_TC) {
		pp_why_set(why, bid_data, "heap client signature 0x%02x where a table context (0x7c) is expected",
		           t->hn.client);
		goto bad;
	}
	if (pp_hn_get(&t->hn, t->hn.root, &ti, &size) < 0 || size < 22 || ti[0] != PST_BTYPE_TC ||
	    size < 22u + 8u * ti[1]) {
		pp_why_set(why, bid_data, "table header (TCINFO) does not resolve or is malformed");
		goto bad;
	}
	t->ncols = ti[1];
	t->ceb = pp_le16(ti + 6);
	t->rowsize = pp_le16(ti + 8);
	t->hnid_rows = pp_le32(ti + 14);
	cebsz = (t->ncols + 7) / 8;
	if (t->rowsize == 0 || t->rowsize > p->block_max || t->ceb + cebsz > t->rowsize) {
		pp_why_set(why, bid_data, "table rows of %u bytes with the cell bitmap at %u do not fit", t->rowsize,
		           t->ceb);
		goto bad;
	}
	t->col = mbx_calloc(t->ncols ? t->ncols : 1, sizeof(*t->col));
	for (i = 0; i < t->ncols; i++) {
		const uint8_t *d = ti + 22 + 8 * i;
		pp_col *c = &t->col[i];

		c->tag = pp_le32(d);
		c->ib = pp_le16(d + 4);
		c->cb = d[6];
		c->ibit = d[7];
		if ((unsigned)c->ib + c->cb > t->rowsize || c->ibit >= t->ncols) {
			pp_why_set(why, bid_data, "column 0x%08x (offset %u, %u bytes, bit %u) lies outside the %u-byte row",
			           c->tag, c->ib, c->cb, c->ibit, t->rowsize);
			goto bad;
		}
	}
	if (bth_walk(&t->hn, bid_data, pp_le32(ti + 10), 4, p->ansi ? 2 : 4, count_rec, &t->nrows, why) < 0) {
		/* ANSI RowIndex entries: dwRowIndex is 2 bytes there; retry with 4 */
		if (!p->ansi || (t->nrows = 0, bth_walk(&t->hn, bid_data, pp_le32(ti + 10), 4, 4, count_rec, &t->nrows,
		                                        why) < 0))
			goto bad;
	}
	return 0;
bad:
	pp_tc_free(t);
	return -1;
}

void pp_tc_free(pp_tc *t)
{
	pp_hn_free(&t->hn);
	mbx_free(t->col);
	memset(t, 0, sizeof(*t));
}

typedef struct rows {
	pp_tc *t;
	pp_row_fn fn;
	void *ud;
	size_t i;
} rows;

static int rows_block(void *ud, uint64_t bid, const uint8_t *data, uint32_t cb)
{
	rows *r = ud;
	uint32_t k;

	(void)bid;
	for (k = 0; k + r->t->rowsize <= cb && r->i < r->t->nrows; k += r->t->rowsize, r->i++) {
		int rc = r->fn(r->ud, r->i, data + k);

		if (rc)
			return rc;
	}
	return r->i >= r->t->nrows ? 1 : 0;   /* every row read: stop the walk */
}

int pp_tc_rows(mbx_pstprop *p, pp_tc *t, pp_row_fn fn, void *ud, pp_why *why)
{
	rows r;
	int rc;

	r.t = t;
	r.fn = fn;
	r.ud = ud;
	r.i = 0;
	if (!t->hnid_rows) {
		rc = 0;
	} else if (PST_NID_TYPE(t->hnid_rows) == PST_NID_TYPE_HID) {
		const uint8_t *b;
		uint32_t size;

		if (pp_hn_get(&t->hn, t->hnid_rows, &b, &size) < 0) {
			pp_why_set(why, 0, "table row matrix HID 0x%x does not resolve", t->hnid_rows);
			return -1;
		}
		rc = rows_block(&r, 0, b, size);
	} else {
		const pp_sub *s = pp_subs_find(t->subs, t->hnid_rows);

		if (!s) {
			pp_why_set(why, 0, "table row matrix subnode 0x%x does not exist", t->hnid_rows);
			return -1;
		}
		rc = pp_data_walk(p, s->bid_data, rows_block, &r, why);
	}
	if (rc < 0 || (rc > 0 && r.i < t->nrows))
		return rc;
	if (r.i < t->nrows) {
		pp_why_set(why, 0, "table index lists %zu rows, the row matrix holds %zu", t->nrows, r.i);
		return -1;
	}
	return 0;
}

int pp_tc_cells(mbx_pstprop *p, pp_tc *t, const uint8_t *row, pp_prop_fn fn, void *ud)
{
	const uint8_t *ceb = row + t->ceb;
	unsigned i;

	for (i = 0; i < t->ncols; i++) {
		const pp_col *c = &t->col[i];
		pp_raw r;
		pp_why why;
		uint32_t fs;
		int bad = 0, rc;

		if (!(ceb[c->ibit / 8] & (0x80 >> (c->ibit % 8))))
			continue;
		memset(&r, 0, sizeof(r));
		why.bid = 0;
		why.what[0] = 0;
		r.id = (uint16_t)(c->tag >> 16);
		r.type = (uint16_t)c->tag;
		fs = fixed_size(r.type);
		if (known_type(r.type) && fs && fs <= 8) {
			if (c->cb != fs) {
				pp_why_set(&why, 0, "column 0x%08x is %u bytes wide, its type needs %u", c->tag, c->cb, fs);
				bad = 1;
			} else {
				r.val = row + c->ib;
				r.len = fs;
			}
		} else if (c->cb == 4) {
			if (hnid_value(p, &t->hn, t->subs, pp_le32(row + c->ib), 0, &r, &why) < 0) {
				if (known_type(r.type)) {
					bad = 1;
				} else {
					r.val = row + c->ib;
					r.len = 4;
				}
			}
		} else if (!known_type(r.type)) {
			r.val = row + c->ib;
			r.len = c->cb;
		} else {
			pp_why_set(&why, 0, "column 0x%08x is %u bytes wide, not an HNID", c->tag, c->cb);
			bad = 1;
		}
		if (bad) {
			r.val = NULL;
			r.len = 0;
		}
		rc = fn(ud, &r, bad ? &why : NULL);
		mbx_free(r.own);
		if (rc)
			return rc;
	}
	return 0;
}
