/*
 * core/pstcheck/ltp.c - the LTP layer ([MS-PST] 2.3): heap-on-node pages
 * (HNHDR, HNPAGEHDR, HNBITMAPHDR at the right block indexes, page maps),
 * BTree-on-heap (sizes, index levels, key order), property contexts
 * (value placement by type) and table contexts (TCINFO, column
 * descriptors, row matrix blocks, RowIndex, cell existence bitmaps).
 */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mbx/common.h"
#include "pstcheck.h"

#define HN_MAX_BYTES (512ull << 20)   /* 65,536 blocks of 8 KB: the HN's own limit */
#define HN_ALLOC_MAX 3580u
#define BTH_MAX_LEVELS 8

typedef struct hn {
	pc_data d;
	uint16_t *hnpm;      /* per block: offset of its page map (0: unusable) */
	uint16_t *nalloc;    /* per block: cAlloc */
	uint8_t client;
	uint32_t user_root;
} hn;

static unsigned hn_hdr_size(size_t b)
{
	if (b == 0)
		return 12;
	if (b == 8 || (b > 8 && (b - 8) % 128 == 0))
		return 66;
	return 2;
}

static void hn_free(hn *h)
{
	pc_data_free(&h->d);
	mbx_free(h->hnpm);
	mbx_free(h->nalloc);
	memset(h, 0, sizeof(*h));
}

/* Load and check the heap of a node (or subnode) whose data is bid. */
static int hn_open(pc_ctx *c, const char *where, uint64_t bid, hn *h)
{
	size_t b;

	memset(h, 0, sizeof(*h));
	if (!bid) {
		pc_problem(c, where, "node has no data (bidData 0) where a heap is expected");
		return -1;
	}
	if (pc_data_load(c, bid, HN_MAX_BYTES, &h->d) < 0) {
		pc_problem(c, where, "heap data can not be read (bad block or data tree)");
		return -1;
	}
	if (h->d.n == 0 || h->d.cb[0] < 16) {
		pc_problem(c, where, "heap is too small for an HNHDR");
		hn_free(h);
		return -1;
	}
	if (h->d.n > 65536) {
		pc_problem(c, where, "heap has %zu blocks, more than 65,536", h->d.n);
		hn_free(h);
		return -1;
	}
	h->hnpm = mbx_calloc(h->d.n, sizeof(*h->hnpm));
	h->nalloc = mbx_calloc(h->d.n, sizeof(*h->nalloc));
	if (h->d.blk[0][2] != PST_HN_SIG) {
		pc_problem(c, where, "HNHDR bSig is 0x%02x, expected 0xec", h->d.blk[0][2]);
		hn_free(h);
		return -1;
	}
	h->client = h->d.blk[0][3];
	switch (h->client) {
	case PST_BTYPE_RESERVED1: case PST_BTYPE_TC: case PST_BTYPE_RESERVED2: case PST_BTYPE_RESERVED3:
	case PST_BTYPE_RESERVED4: case PST_BTYPE_RESERVED5: case PST_BTYPE_BTH: case PST_BTYPE_PC:
	case PST_BTYPE_RESERVED6:
		break;
	default:
		pc_problem(c, where, "HNHDR bClientSig 0x%02x is not a defined value", h->client);
	}
	h->user_root = pc_le32(h->d.blk[0] + 4);
	for (b = 0; b < h->d.n; b++) {
		const uint8_t *p = h->d.blk[b];
		unsigned cb = h->d.cb[b], hs = hn_hdr_size(b), pm, n, nfree, k, prev;
		char bw[160];

		snprintf(bw, sizeof(bw), "%s: heap block %zu", where, b);
		if (cb < hs + 4) {
			pc_problem(c, bw, "block of %u bytes is too small for its %s", cb,
			           hs == 12 ? "HNHDR" : hs == 66 ? "HNBITMAPHDR" : "HNPAGEHDR");
			continue;
		}
		pm = pc_le16(p);
		if (pm % 2)
			pc_problem(c, bw, "page map offset %u is not 2-byte aligned", pm);
		if (pm < hs || pm + 4 > cb) {
			pc_problem(c, bw, "page map offset %u outside the block (%u bytes, header %u)", pm, cb, hs);
			continue;
		}
		n = pc_le16(p + pm);
		nfree = pc_le16(p + pm + 2);
		if (pm + 4 + 2 * (n + 1) > cb) {
			pc_problem(c, bw, "page map with %u allocations does not fit the block", n);
			continue;
		}
		if (nfree > n)
			pc_problem(c, bw, "cFree %u is more than cAlloc %u", nfree, n);
		prev = hs;
		for (k = 0; k <= n; k++) {
			unsigned off = pc_le16(p + pm + 4 + 2 * k);

			if (off < prev || off > pm) {
				pc_problem(c, bw, "allocation %u offset %u out of order or outside the heap area", k, off);
				n = 0;
				break;
			}
			if (k > 0 && off - prev > HN_ALLOC_MAX)
				pc_problem(c, bw, "allocation %u is %u bytes, more than 3580", k, off - prev);
			prev = off;
		}
		if (n > 2047) {
			pc_problem(c, bw, "cAlloc %u is more than an HID index can address", n);
			n = 2047;
		}
		h->hnpm[b] = (uint16_t)pm;
		h->nalloc[b] = (uint16_t)n;
	}
	return 0;
}

/* Resolve an HID; 0 when found. */
static int hn_get(const hn *h, uint32_t hid, const uint8_t **ptr, uint32_t *size)
{
	uint32_t idx = (hid >> 5) & 0x7FF, blk = hid >> 16;
	const uint8_t *p;
	uint16_t a, z;

	if (PST_NID_TYPE(hid) != PST_NID_TYPE_HID || idx == 0 || blk >= h->d.n || idx > h->nalloc[blk] || !h->hnpm[blk])
		return -1;
	p = h->d.blk[blk];
	a = pc_le16(p + h->hnpm[blk] + 4 + 2 * (idx - 1));
	z = pc_le16(p + h->hnpm[blk] + 4 + 2 * idx);
	*ptr = p + a;
	*size = (uint32_t)(z - a);
	return 0;
}

/* ---- BTH ----------------------------------------------------------------- */

typedef void (*bth_fn)(void *ud, const uint8_t *key, const uint8_t *data);

typedef struct bth {
	pc_ctx *c;
	const char *where;
	const hn *h;
	unsigned cbkey, cbent;
	pc_set seen;
	bth_fn fn;
	void *ud;
	size_t count;
} bth;

static int key_cmp(const uint8_t *a, const uint8_t *b, unsigned n)
{
	while (n--) {
		if (a[n] != b[n])
			return a[n] < b[n] ? -1 : 1;
	}
	return 0;
}

/* Walk the records at hid, level `level`; first gets the first key. */
static int bth_level(bth *t, uint32_t hid, int level, uint8_t *first)
{
	const uint8_t *p;
	uint32_t size, rec, i, n;

	if (hn_get(t->h, hid, &p, &size) < 0) {
		pc_problem(t->c, t->where, "BTH level %d HID 0x%x does not resolve in the heap", level, hid);
		return -1;
	}
	if (!pc_set_add(&t->seen, hid)) {
		pc_problem(t->c, t->where, "BTH HID 0x%x is referenced twice (cycle)", hid);
		return -1;
	}
	rec = level > 0 ? t->cbkey + 4 : t->cbkey + t->cbent;
	if (size == 0 || size % rec) {
		pc_problem(t->c, t->where, "BTH level %d record array of %u bytes is not a multiple of %u", level,
		           size, rec);
		if (size < rec)
			return -1;
	}
	n = size / rec;
	memcpy(first, p, t->cbkey);
	for (i = 0; i < n; i++) {
		const uint8_t *r = p + i * rec;

		if (i > 0 && key_cmp(r - rec, r, t->cbkey) >= 0)
			pc_problem(t->c, t->where, "BTH level %d record %u key is not greater than the previous one",
			           level, i);
		if (level > 0) {
			uint8_t cfirst[16];

			if (bth_level(t, pc_le32(r + t->cbkey), level - 1, cfirst) == 0 &&
			    key_cmp(cfirst, r, t->cbkey) != 0)
				pc_problem(t->c, t->where, "BTH index record %u key differs from its child's first key", i);
		} else {
			t->count++;
			if (t->fn)
				t->fn(t->ud, r, r + t->cbkey);
		}
	}
	return 0;
}

/* Check the BTH whose header is at hid; want_key/want_ent 0 = any. */
static int bth_walk(pc_ctx *c, const char *where, const hn *h, uint32_t hid, unsigned want_key,
                    unsigned want_ent, bth_fn fn, void *ud, size_t *count)
{
	const uint8_t *p;
	uint32_t size;
	bth t;
	uint8_t first[16];
	int r = 0;

	*count = 0;
	if (hn_get(h, hid, &p, &size) < 0 || size < 8) {
		pc_problem(c, where, "BTHHEADER HID 0x%x does not resolve to 8 bytes", hid);
		return -1;
	}
	if (size != 8)
		pc_problem(c, where, "BTHHEADER allocation is %u bytes, expected 8", size);
	if (p[0] != PST_BTYPE_BTH) {
		pc_problem(c, where, "BTHHEADER bType 0x%02x, expected 0xb5", p[0]);
		return -1;
	}
	if ((p[1] != 2 && p[1] != 4 && p[1] != 8 && p[1] != 16) || p[2] == 0 || p[2] > 32) {
		pc_problem(c, where, "BTH cbKey %u / cbEnt %u invalid", p[1], p[2]);
		return -1;
	}
	if ((want_key && p[1] != want_key) || (want_ent && p[2] != want_ent)) {
		pc_problem(c, where, "BTH cbKey %u / cbEnt %u, expected %u / %u", p[1], p[2], want_key, want_ent);
		return -1;
	}
	if (p[3] > BTH_MAX_LEVELS) {
		pc_problem(c, where, "BTH bIdxLevels %u is implausible", p[3]);
		return -1;
	}
	if (!pc_le32(p + 4))
		return 0;   /* empty */
	memset(&t, 0, sizeof(t));
	t.c = c;
	t.where = where;
	t.h = h;
	t.cbkey = p[1];
	t.cbent = p[2];
	t.fn = fn;
	t.ud = ud;
	pc_set_init(&t.seen);
	r = bth_level(&t, pc_le32(p + 4), p[3], first);
	pc_set_free(&t.seen);
	*count = t.count;
	return r;
}

/* ---- PC ------------------------------------------------------------------ */

/* Size of a fixed-size property type, 0 for variable-size, -1 unknown. */
static int type_size(uint16_t type)
{
	switch (type) {
	case MBX_PT_SHORT: return 2;
	case MBX_PT_LONG: case MBX_PT_FLOAT: case MBX_PT_ERROR: return 4;
	case MBX_PT_BOOLEAN: return 1;
	case MBX_PT_DOUBLE: case MBX_PT_CURRENCY: case MBX_PT_APPTIME: case MBX_PT_I8: case MBX_PT_SYSTIME: return 8;
	case MBX_PT_CLSID: return 16;
	case MBX_PT_OBJECT: case MBX_PT_STRING8: case MBX_PT_UNICODE: case MBX_PT_BINARY: case MBX_PT_SVREID:
	case MBX_PT_SRESTRICT: case MBX_PT_ACTIONS:
		return 0;
	}
	if (type & MBX_PT_MV_FLAG) {
		int base = type_size((uint16_t)(type & ~MBX_PT_MV_FLAG));

		return base < 0 || (type & ~MBX_PT_MV_FLAG) == MBX_PT_OBJECT || (type & ~MBX_PT_MV_FLAG) == MBX_PT_BOOLEAN ?
		       -1 : 0;
	}
	return -1;
}

typedef struct pc_load {
	pc_ctx *c;
	const char *where;
	const hn *h;
	const pc_subs *subs;
	pc_pcx *pc;
} pc_load;

/* Check an HNID that holds a variable-size value; fills data/size when in the heap. */
static void hnid_check(pc_ctx *c, const char *where, const hn *h, const pc_subs *subs, uint32_t hnid,
                       const char *what, const uint8_t **data, uint32_t *size)
{
	if (!hnid)
		return;
	if (PST_NID_TYPE(hnid) == PST_NID_TYPE_HID) {
		if (hn_get(h, hnid, data, size) < 0)
			pc_problem(c, where, "%s: HID 0x%x does not resolve in the heap", what, hnid);
	} else if (!pc_subs_find(subs, hnid)) {
		pc_problem(c, where, "%s: subnode 0x%x does not exist", what, hnid);
	}
}

static void pc_rec(void *ud, const uint8_t *key, const uint8_t *data)
{
	pc_load *l = ud;
	pc_prop *p;
	int sz;
	char what[32];

	l->pc->p = mbx_reallocarray(l->pc->p, l->pc->n + 1, sizeof(*l->pc->p));
	p = &l->pc->p[l->pc->n++];
	memset(p, 0, sizeof(*p));
	p->id = pc_le16(key);
	p->type = pc_le16(data);
	p->value = pc_le32(data + 2);
	snprintf(what, sizeof(what), "property 0x%04x%04x", p->id, p->type);
	sz = type_size(p->type);
	if (sz < 0) {
		pc_problem(l->c, l->where, "%s has an unknown type", what);
	} else if (sz > 4) {
		if (hn_get(l->h, p->value, &p->data, &p->size) < 0)
			pc_problem(l->c, l->where, "%s: HID 0x%x does not resolve in the heap", what, p->value);
		else if (p->size != (uint32_t)sz)
			pc_problem(l->c, l->where, "%s: value is %u bytes, expected %d", what, p->size, sz);
	} else if (sz == 0) {
		hnid_check(l->c, l->where, l->h, l->subs, p->value, what, &p->data, &p->size);
		if (p->type == MBX_PT_UNICODE && p->data && p->size % 2)
			pc_problem(l->c, l->where, "%s: UTF-16 string of odd length %u", what, p->size);
		if (p->type == MBX_PT_OBJECT && p->data) {
			if (p->size != 8)
				pc_problem(l->c, l->where, "%s: object reference is %u bytes, expected 8", what, p->size);
			else if (!pc_subs_find(l->subs, pc_le32(p->data)))
				pc_problem(l->c, l->where, "%s: object subnode 0x%x does not exist", what, pc_le32(p->data));
		}
	}
}

int pc_pc_load(pc_ctx *c, const char *where, uint64_t bid_data, const pc_subs *subs, pc_pcx *pc)
{
	hn h;
	pc_load l;
	size_t n;

	memset(pc, 0, sizeof(*pc));
	if (hn_open(c, where, bid_data, &h) < 0)
		return -1;
	if (h.client != PST_BTYPE_PC)
		pc_problem(c, where, "heap bClientSig 0x%02x, expected 0xbc (property context)", h.client);
	l.c = c;
	l.where = where;
	l.h = &h;
	l.subs = subs;
	l.pc = pc;
	bth_walk(c, where, &h, h.user_root, 2, 6, pc_rec, &l, &n);
	/* Keep the heap: the properties point into it. */
	pc->data = h.d;
	h.d.blk = NULL;
	h.d.cb = NULL;
	h.d.n = 0;
	hn_free(&h);
	return 0;
}

void pc_pc_free(pc_pcx *pc)
{
	mbx_free(pc->p);
	pc_data_free(&pc->data);
	memset(pc, 0, sizeof(*pc));
}

const pc_prop *pc_pc_get(const pc_pcx *pc, uint16_t id)
{
	size_t i;

	for (i = 0; i < pc->n; i++)
		if (pc->p[i].id == id)
			return &pc->p[i];
	return NULL;
}

/* ---- TC ------------------------------------------------------------------ */

typedef struct tc_col {
	uint32_t tag;
	uint16_t ib;
	uint8_t cb, ibit;
} tc_col;

typedef struct tc_idx {
	uint32_t rowid, row;
} tc_idx;

typedef struct tc_idxs {
	tc_idx *e;
	size_t n;
} tc_idxs;

static void tc_rec(void *ud, const uint8_t *key, const uint8_t *data)
{
	tc_idxs *x = ud;

	x->e = mbx_reallocarray(x->e, x->n + 1, sizeof(*x->e));
	x->e[x->n].rowid = pc_le32(key);
	x->e[x->n].row = pc_le32(data);
	x->n++;
}

static int col_cb_ok(uint32_t tag, uint8_t cb)
{
	int sz = type_size((uint16_t)tag);

	if (sz < 0)
		return 0;
	if (sz == 0 || sz == 16)
		return cb == 4;   /* an HNID */
	return cb == sz;
}

/* Check the columns; 0 when rows can be read with them. */
static int tc_columns(pc_ctx *c, const char *where, const uint8_t *ti, unsigned ncols, tc_col *col)
{
	unsigned i, rg0 = pc_le16(ti + 2), rg1 = pc_le16(ti + 4), rg2 = pc_le16(ti + 6), rg3 = pc_le16(ti + 8);
	uint8_t used[256];
	int ok = 0;

	if (!(rg0 <= rg1 && rg1 <= rg2 && rg2 <= rg3) || rg3 - rg2 != (ncols + 7) / 8) {
		pc_problem(c, where, "TCINFO rgib %u/%u/%u/%u inconsistent with %u columns", rg0, rg1, rg2, rg3, ncols);
		ok = -1;
	}
	memset(used, 0, sizeof(used));
	for (i = 0; i < ncols; i++) {
		const uint8_t *d = ti + 22 + 8 * i;
		tc_col *k = &col[i];

		k->tag = pc_le32(d);
		k->ib = pc_le16(d + 4);
		k->cb = d[6];
		k->ibit = d[7];
		if (i > 0 && k->tag <= col[i - 1].tag)
			pc_problem(c, where, "column %u tag 0x%08x not greater than 0x%08x (columns must be sorted)", i,
			           k->tag, col[i - 1].tag);
		if (!col_cb_ok(k->tag, k->cb))
			pc_problem(c, where, "column 0x%08x is %u bytes wide, wrong for its type", k->tag, k->cb);
		if (k->ibit >= ncols || used[k->ibit]++) {
			pc_problem(c, where, "column 0x%08x iBit %u is out of range or used twice", k->tag, k->ibit);
			ok = -1;
		}
		unsigned at = k->ib, end = (unsigned)k->ib + k->cb;

		if (k->cb >= 4 ? end > rg0 : k->cb == 2 ? (at < rg0 || end > rg1) : (at < rg1 || end > rg2)) {
			pc_problem(c, where, "column 0x%08x at offset %u (%u bytes) is outside its size group", k->tag,
			           k->ib, k->cb);
			ok = -1;
		}
		if (k->tag == MBX_TAG_LTP_ROW_ID && (k->ibit != 0 || k->ib != 0))
			pc_problem(c, where, "PidTagLtpRowId column must have iBit 0 and ibData 0");
		if (k->tag == MBX_TAG_LTP_ROW_VER && (k->ibit != 1 || k->ib != 4))
			pc_problem(c, where, "PidTagLtpRowVer column must have iBit 1 and ibData 4");
	}
	return ok;
}

/* Check one row; rowid gets its dwRowID. */
static void tc_row(pc_ctx *c, const char *where, const hn *h, const pc_subs *subs, const uint8_t *row,
                   unsigned rg2, unsigned ncols, const tc_col *col, size_t r)
{
	const uint8_t *ceb = row + rg2;
	unsigned i;
	char w[200];

	snprintf(w, sizeof(w), "%s: row %zu", where, r);
	for (i = ncols; i < ((ncols + 7) / 8) * 8; i++)
		if (ceb[i / 8] & (0x80 >> (i % 8))) {
			pc_problem(c, w, "cell existence bitmap has bits set past the last column");
			break;
		}
	for (i = 0; i < ncols; i++) {
		const tc_col *k = &col[i];
		const uint8_t *d;
		uint32_t size;
		char what[32];

		if (!(ceb[k->ibit / 8] & (0x80 >> (k->ibit % 8))) || type_size((uint16_t)k->tag) != 0 || k->cb != 4)
			continue;
		snprintf(what, sizeof(what), "column 0x%08x", k->tag);
		hnid_check(c, w, h, subs, pc_le32(row + k->ib), what, &d, &size);
	}
}

int pc_tc_check(pc_ctx *c, const char *where, uint64_t bid_data, const pc_subs *subs,
                uint32_t **row_ids, size_t *nrows_out)
{
	hn h;
	const uint8_t *ti;
	uint32_t tsize, hnid_rows;
	unsigned ncols, rowsize, rg2;
	tc_col *col = NULL;
	tc_idxs idx = { NULL, 0 };
	size_t nidx = 0, nrows = 0, r, i;
	uint32_t *ids = NULL;
	uint8_t *seen = NULL;
	pc_data rows;
	int rows_ok = 0;

	memset(&rows, 0, sizeof(rows));
	if (row_ids)
		*row_ids = NULL;
	if (nrows_out)
		*nrows_out = 0;
	if (hn_open(c, where, bid_data, &h) < 0)
		return -1;
	if (h.client != PST_BTYPE_TC)
		pc_problem(c, where, "heap bClientSig 0x%02x, expected 0x7c (table context)", h.client);
	if (hn_get(&h, h.user_root, &ti, &tsize) < 0 || tsize < 22) {
		pc_problem(c, where, "TCINFO (HID 0x%x) does not resolve", h.user_root);
		goto out;
	}
	if (ti[0] != PST_BTYPE_TC)
		pc_problem(c, where, "TCINFO bType 0x%02x, expected 0x7c", ti[0]);
	ncols = ti[1];
	if (tsize != 22 + 8 * ncols) {
		pc_problem(c, where, "TCINFO is %u bytes, expected %u for %u columns", tsize, 22 + 8 * ncols, ncols);
		if (tsize < 22 + 8 * ncols)
			goto out;
	}
	if (pc_le32(ti + 18))
		pc_note(c, where, "TCINFO hidIndex is not zero (deprecated)");
	col = mbx_calloc(ncols ? ncols : 1, sizeof(*col));
	rows_ok = tc_columns(c, where, ti, ncols, col) == 0;
	rowsize = pc_le16(ti + 8);
	rg2 = pc_le16(ti + 6);
	if (rowsize == 0 || rowsize > PST_BLOCK_DATA)
		rows_ok = 0;
	bth_walk(c, where, &h, pc_le32(ti + 10), 4, 4, tc_rec, &idx, &nidx);

	hnid_rows = pc_le32(ti + 14);
	if (hnid_rows && rows_ok) {
		if (PST_NID_TYPE(hnid_rows) == PST_NID_TYPE_HID) {
			const uint8_t *p;
			uint32_t size;

			if (hn_get(&h, hnid_rows, &p, &size) < 0) {
				pc_problem(c, where, "row matrix HID 0x%x does not resolve", hnid_rows);
				rows_ok = 0;
			} else {
				if (size % rowsize)
					pc_problem(c, where, "row matrix of %u bytes is not a whole number of %u-byte rows", size,
					           rowsize);
				rows.blk = mbx_malloc(sizeof(*rows.blk));
				rows.cb = mbx_malloc(sizeof(*rows.cb));
				rows.blk[0] = mbx_malloc(size ? size : 1);
				memcpy(rows.blk[0], p, size);
				rows.cb[0] = (uint16_t)size;
				rows.n = 1;
			}
		} else {
			const pc_sub *s = pc_subs_find(subs, hnid_rows);

			if (!s) {
				pc_problem(c, where, "row matrix subnode 0x%x does not exist", hnid_rows);
				rows_ok = 0;
			} else if (pc_data_load(c, s->bid_data, 1ull << 30, &rows) < 0) {
				pc_problem(c, where, "row matrix subnode 0x%x can not be read", hnid_rows);
				rows_ok = 0;
			} else {
				size_t per = PST_BLOCK_DATA / rowsize;

				/* Every block but the last holds exactly `per` rows; a block
				 * may carry dead space after its last row (2.3.4.4). */
				for (i = 0; i < rows.n; i++) {
					if (i + 1 < rows.n && rows.cb[i] / rowsize != per)
						pc_problem(c, where, "row matrix block %zu holds %u bytes, not the %zu whole rows "
						           "every block but the last must hold", i, rows.cb[i], per);
					else if (rows.cb[i] % rowsize && rows.cb[i] != PST_BLOCK_DATA)
						pc_problem(c, where, "row matrix block %zu holds %u bytes: a partial row", i,
						           rows.cb[i]);
				}
			}
		}
	}
	if (rows_ok && hnid_rows) {
		size_t cap = 0, before_last = 0;

		for (i = 0; i < rows.n; i++) {
			size_t in = rows.cb[i] / rowsize;

			if (in > PST_BLOCK_DATA / rowsize)
				in = PST_BLOCK_DATA / rowsize;
			if (i + 1 == rows.n)
				before_last = cap;
			cap += in;
		}
		/* The last block may end in dead space: the RowIndex says how many
		 * rows there are, as long as that fits the blocks. */
		nrows = cap;
		if (nidx <= cap && nidx > before_last)
			nrows = nidx;
		ids = mbx_calloc(nrows ? nrows : 1, sizeof(*ids));
		r = 0;
		for (i = 0; i < rows.n && r < nrows; i++) {
			unsigned k;

			for (k = 0; k + rowsize <= rows.cb[i] && r < nrows; k += rowsize, r++) {
				ids[r] = pc_le32(rows.blk[i] + k);
				tc_row(c, where, &h, subs, rows.blk[i] + k, rg2, ncols, col, r);
			}
		}
	}
	if (rows_ok) {
		if (nidx != nrows)
			pc_problem(c, where, "RowIndex has %zu entries but the row matrix has %zu rows", nidx, nrows);
		seen = mbx_calloc(nrows ? nrows : 1, 1);
		for (i = 0; i < idx.n; i++) {
			if (idx.e[i].row >= nrows) {
				pc_problem(c, where, "RowIndex entry 0x%x points to row %u of %zu", idx.e[i].rowid,
				           idx.e[i].row, nrows);
				continue;
			}
			if (seen[idx.e[i].row]++)
				pc_problem(c, where, "row %u is indexed twice", idx.e[i].row);
			if (ids[idx.e[i].row] != idx.e[i].rowid)
				pc_problem(c, where, "RowIndex says row %u has RowID 0x%x, the row says 0x%x", idx.e[i].row,
				           idx.e[i].rowid, ids[idx.e[i].row]);
		}
		if (row_ids) {
			*row_ids = ids;
			ids = NULL;
		}
		if (nrows_out)
			*nrows_out = nrows;
	}
out:
	mbx_free(seen);
	mbx_free(ids);
	mbx_free(idx.e);
	mbx_free(col);
	pc_data_free(&rows);
	hn_free(&h);
	return rows_ok ? 0 : -1;
}
