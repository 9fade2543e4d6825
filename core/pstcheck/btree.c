/*
 * core/pstcheck/btree.c - the NBT and BBT ([MS-PST] 2.2.2.7.7): every page's
 * trailer, CRC and signature, levels, entry counts and sizes, key order
 * and key ranges; the leaf entries are collected for the other layers.
 */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mbx/common.h"
#include "pstcheck.h"

#define BT_MAX_LEVEL 8

typedef struct bt_walk {
	pc_ctx *c;
	uint8_t ptype;
	const char *name;    /* "NBT" / "BBT" */
	pc_set seen;         /* page offsets visited: a page reached twice is a cycle or a share */
} bt_walk;

/* Check a page's trailer; returns 0 when it is usable. */
static int page_trailer(pc_ctx *c, const char *where, const uint8_t *pg, uint64_t ib, uint8_t ptype,
                        uint64_t want_bid)
{
	const uint8_t *t = pg + 496;
	uint64_t bid = pc_le64(t + 8);
	int ok = 0;

	if (t[0] != ptype || t[1] != ptype) {
		pc_problem(c, where, "page type 0x%02x/0x%02x, expected 0x%02x", t[0], t[1], ptype);
		return -1;
	}
	if (pc_crc(pg, 496) != pc_le32(t + 4)) {
		pc_problem(c, where, "page CRC 0x%08x does not match its data (0x%08x)", pc_le32(t + 4),
		           pc_crc(pg, 496));
		ok = -1;
	}
	if (bid != want_bid)
		pc_problem(c, where, "page BID 0x%llx, but its reference says 0x%llx",
		           (unsigned long long)bid, (unsigned long long)want_bid);
	if (pc_le16(t + 2) != pc_sig(ib, bid))
		pc_problem(c, where, "page signature 0x%04x, expected 0x%04x", pc_le16(t + 2), pc_sig(ib, bid));
	return ok;
}

static void leaf_nbt(bt_walk *w, const uint8_t *e, const char *where, int i)
{
	pc_ctx *c = w->c;
	pc_nbt *n;
	uint64_t nid64 = pc_le64(e);

	if (nid64 >> 32)
		pc_problem(c, where, "entry %d: NID 0x%llx has non-zero upper 32 bits", i, (unsigned long long)nid64);
	if (pc_le32(e + 28))
		pc_problem(c, where, "entry %d: dwPadding is not zero", i);
	if (c->nnbt == c->anbt) {
		c->anbt = c->anbt ? c->anbt * 2 : 1024;
		c->nbt = mbx_reallocarray(c->nbt, c->anbt, sizeof(*c->nbt));
	}
	n = &c->nbt[c->nnbt++];
	n->nid = (uint32_t)nid64;
	n->bid_data = pc_le64(e + 8);
	n->bid_sub = pc_le64(e + 16);
	n->parent = pc_le32(e + 24);
}

static void leaf_bbt(bt_walk *w, const uint8_t *e, const char *where, int i)
{
	pc_ctx *c = w->c;
	pc_bbt *b;

	if (pc_le32(e + 20))
		pc_problem(c, where, "entry %d: dwPadding is not zero", i);
	if (c->nbbt == c->abbt) {
		c->abbt = c->abbt ? c->abbt * 2 : 1024;
		c->bbt = mbx_reallocarray(c->bbt, c->abbt, sizeof(*c->bbt));
	}
	b = &c->bbt[c->nbbt++];
	memset(b, 0, sizeof(*b));
	b->bid = pc_le64(e);
	b->ib = pc_le64(e + 8);
	b->cb = pc_le16(e + 16);
	b->cref = pc_le16(e + 18);
}

/*
 * Walk the page at (bid, ib).  level is the level the parent expects (-1
 * for the root); keys of this page must be >= lo and < hi (hi 0: none);
 * *first gets the page's first key.
 */
static void walk(bt_walk *w, uint64_t bid, uint64_t ib, int level, uint64_t lo, uint64_t hi,
                 uint64_t *first, int *ok)
{
	pc_ctx *c = w->c;
	uint8_t pg[PST_PAGE];
	char where[64];
	unsigned cent, cmax, cbent, clev, min_ent, i;
	uint64_t prev = 0;

	*ok = 0;
	snprintf(where, sizeof(where), "%s page at 0x%llx", w->name, (unsigned long long)ib);
	if (ib % PST_PAGE || ib < PST_AMAP_FIRST) {
		pc_problem(c, where, "page offset is not a 512-byte page in the data area");
		return;
	}
	if (ib + PST_PAGE > c->eof || pc_pread(c, ib, pg, PST_PAGE) < 0) {
		pc_problem(c, where, "page lies beyond the end of the file");
		return;
	}
	if (!pc_set_add(&w->seen, ib)) {
		pc_problem(c, where, "page is referenced more than once (cycle or shared page)");
		return;
	}
	pc_extent_add(c, ib, PST_PAGE, w->ptype);
	c->st->pages++;
	if (page_trailer(c, where, pg, ib, w->ptype, bid) < 0)
		return;
	cent = pg[488];
	cmax = pg[489];
	cbent = pg[490];
	clev = pg[491];
	if (pc_le32(pg + 492))
		pc_problem(c, where, "dwPadding is not zero");
	if (clev > BT_MAX_LEVEL) {
		pc_problem(c, where, "cLevel %u is more than %d", clev, BT_MAX_LEVEL);
		return;
	}
	if (level >= 0 && (int)clev != level) {
		pc_problem(c, where, "cLevel %u, but its parent is at level %d", clev, level + 1);
		return;
	}
	min_ent = clev ? 24 : (w->ptype == PST_PTYPE_NBT ? 32 : 24);
	if (cbent < min_ent || cbent * cmax > 488) {
		pc_problem(c, where, "cbEnt %u / cEntMax %u do not fit %s entries", cbent, cmax,
		           clev ? "BTENTRY" : w->name);
		return;
	}
	if (cmax != 488 / cbent)
		pc_problem(c, where, "cEntMax %u, expected %u for %u-byte entries", cmax, 488 / cbent, cbent);
	if (cent > cmax) {
		pc_problem(c, where, "cEnt %u is more than cEntMax %u", cent, cmax);
		return;
	}
	if (cent == 0 && (level >= 0 || clev > 0))
		pc_problem(c, where, "page has no entries");
	for (i = 0; i < cent; i++) {
		const uint8_t *e = pg + i * cbent;
		uint64_t key = pc_le64(e);
		char wi[96];

		snprintf(wi, sizeof(wi), "%s", where);
		if (i > 0 && key <= prev)
			pc_problem(c, where, "entry %u key 0x%llx not greater than 0x%llx", i,
			           (unsigned long long)key, (unsigned long long)prev);
		if (key < lo || (hi && key >= hi))
			pc_problem(c, where, "entry %u key 0x%llx outside the range its parent gives", i,
			           (unsigned long long)key);
		if (i == 0)
			*first = key;
		prev = key;
		if (clev > 0) {
			uint64_t cfirst = key, next_key = 0;
			int cok;

			if (i + 1 < cent)
				next_key = pc_le64(e + cbent);
			else
				next_key = hi;
			walk(w, pc_le64(e + 8), pc_le64(e + 16), (int)clev - 1, key, next_key, &cfirst, &cok);
			if (cok && cfirst != key)
				pc_problem(c, where, "entry %u key 0x%llx differs from its child's first key 0x%llx", i,
				           (unsigned long long)key, (unsigned long long)cfirst);
		} else if (w->ptype == PST_PTYPE_NBT) {
			leaf_nbt(w, e, wi, (int)i);
		} else {
			leaf_bbt(w, e, wi, (int)i);
		}
	}
	*ok = cent > 0;
}

static int nbt_cmp(const void *a, const void *b)
{
	uint32_t x = ((const pc_nbt *)a)->nid, y = ((const pc_nbt *)b)->nid;

	return x < y ? -1 : x > y;
}

static int bbt_cmp(const void *a, const void *b)
{
	uint64_t x = ((const pc_bbt *)a)->bid & ~(uint64_t)1, y = ((const pc_bbt *)b)->bid & ~(uint64_t)1;

	return x < y ? -1 : x > y;
}

void pc_btrees_read(pc_ctx *c)
{
	bt_walk w;
	uint64_t first = 0;
	int ok;
	size_t i;

	memset(&w, 0, sizeof(w));
	w.c = c;
	pc_set_init(&w.seen);
	w.ptype = PST_PTYPE_NBT;
	w.name = "NBT";
	walk(&w, c->nbt_bid, c->nbt_ib, -1, 0, 0, &first, &ok);
	w.ptype = PST_PTYPE_BBT;
	w.name = "BBT";
	walk(&w, c->bbt_bid, c->bbt_ib, -1, 0, 0, &first, &ok);
	pc_set_free(&w.seen);

	/* Sorted by key already when the trees are right; sort anyway so that
	 * look-ups work on a damaged file too. */
	if (c->nnbt)
		qsort(c->nbt, c->nnbt, sizeof(*c->nbt), nbt_cmp);
	if (c->nbbt)
		qsort(c->bbt, c->nbbt, sizeof(*c->bbt), bbt_cmp);
	for (i = 1; i < c->nnbt; i++)
		if (c->nbt[i].nid == c->nbt[i - 1].nid) {
			char where[32];

			snprintf(where, sizeof(where), "NID 0x%x", c->nbt[i].nid);
			pc_problem(c, where, "node appears more than once in the NBT");
		}
	for (i = 1; i < c->nbbt; i++)
		if ((c->bbt[i].bid & ~(uint64_t)1) == (c->bbt[i - 1].bid & ~(uint64_t)1)) {
			char where[48];

			snprintf(where, sizeof(where), "block 0x%llx", (unsigned long long)c->bbt[i].bid);
			pc_problem(c, where, "block appears more than once in the BBT");
			c->bbt[i].dup = 1;
		}
	c->st->nodes = c->nnbt;
}
