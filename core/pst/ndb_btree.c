/*
 * core/pst/ndb_btree.c - the BBT and NBT ([MS-PST] 2.2.2.7.7): leaf pages
 * of 20 BBTENTRYs or 15 NBTENTRYs, then levels of 20 BTENTRYs until one
 * page remains, the root.  Both are written as their entries come, so
 * the writer's memory does not grow with the file: block IDs rise, so
 * BBT entries arrive rising; message NIDs are handed out falling, so
 * message nodes arrive falling (the NBT's few other nodes are kept and
 * written at close, below them).  A full leaf page goes out at once and
 * its reference up to its level's buffer (pst_bt_stream); at close the
 * partial pages are flushed bottom-up, at the right edge of the BBT and
 * the left edge of the NBT.
 */
#include <stdlib.h>
#include <string.h>

#include "mbx/common.h"
#include "pst/pst_int.h"

static int page_out(pst_ndb *ndb, unsigned char *page, int nbt, uint8_t cent, uint8_t cmax,
                    uint8_t cb, uint8_t level, pst_bt_ref *ref)
{
	int rc = pst_amap_alloc(ndb, PST_PAGE, PST_PAGE, &ref->ib);

	if (rc)
		return rc;
	page[488] = cent;
	page[489] = cmax;
	page[490] = cb;
	page[491] = level;
	memset(page + 492, 0, 4);
	ref->bid = ndb->next_pbid++;
	return pst_page_write(ndb, ref->ib, page, nbt ? PST_PTYPE_NBT : PST_PTYPE_BBT, ref->bid);
}

/* Write an index page of cnt refs at level and pass its own ref up; refs
 * come in arrival order (falling keys when `falling`), the page holds
 * them rising. */
static int index_out(pst_ndb *ndb, int nbt, const pst_bt_ref *refs, size_t cnt, uint8_t level,
                     int falling, pst_bt_ref *up)
{
	unsigned char page[PST_PAGE];
	size_t j;

	memset(page, 0, sizeof(page));
	for (j = 0; j < cnt; j++) {
		const pst_bt_ref *r = &refs[falling ? cnt - 1 - j : j];

		pst_put64(page + 24 * j, r->key);
		pst_put64(page + 24 * j + 8, r->bid);
		pst_put64(page + 24 * j + 16, r->ib);
	}
	up->key = refs[falling ? cnt - 1 : 0].key;
	return page_out(ndb, page, nbt, (uint8_t)cnt, PST_BT_FANOUT, 24, level, up);
}

/* An internal limit or bug: sticky like I/O failures, nothing half-done
 * is ever called a PST. */
static int bt_fail(pst_ndb *ndb, const char *what)
{
	if (ndb->err)
		return ndb->err;
	ndb->err = MBX_ERROR;
	return mbx_error_set(MBX_ERROR, "PST writer: %s of %s; the file is not usable", what, ndb->path);
}

/* Give the ref of a finished level-(level - 1) page to its parent level,
 * writing the parent page when it is full. */
static int bt_push(pst_ndb *ndb, pst_bt_stream *s, int nbt, size_t level, const pst_bt_ref *ref)
{
	pst_bt_ref up;
	int rc;

	if (level >= PST_BT_LEVELS)
		return bt_fail(ndb, nbt ? "too many nodes for the node B-tree" :
		                          "too many blocks for the block B-tree");
	s->up[level][s->nup[level]++] = *ref;
	if (s->nup[level] < PST_BT_FANOUT)
		return 0;
	rc = index_out(ndb, nbt, s->up[level], PST_BT_FANOUT, (uint8_t)level, s->falling, &up);
	s->nup[level] = 0;
	s->pages[level]++;
	return rc ? rc : bt_push(ndb, s, nbt, level + 1, &up);
}

/* At close, the leaves written: flush the partial pages bottom-up; the
 * root is the one page of the first level that has no page beside it. */
static int bt_finish(pst_ndb *ndb, pst_bt_stream *s, int nbt, uint64_t *root_bid, uint64_t *root_ib)
{
	size_t level;
	int rc = 0;

	for (level = 1; rc == 0 && level < PST_BT_LEVELS; level++) {
		pst_bt_ref up;

		if (s->pages[level] == 0 && s->nup[level] == 1) {
			*root_bid = s->up[level][0].bid;
			*root_ib = s->up[level][0].ib;
			s->nup[level] = 0;
			return 0;
		}
		if (s->nup[level] == 0)
			continue;
		rc = index_out(ndb, nbt, s->up[level], s->nup[level], (uint8_t)level, s->falling, &up);
		s->nup[level] = 0;
		s->pages[level]++;
		if (rc == 0)
			rc = bt_push(ndb, s, nbt, level + 1, &up);
	}
	return rc ? rc : bt_fail(ndb, nbt ? "too many nodes for the node B-tree" :
	                                    "too many blocks for the block B-tree");
}

/* ---- NBT ------------------------------------------------------------------ */

/* Write the buffered NBT entries (falling) as leaf pages of 15, back to
 * back; each page holds its entries rising.  One empty page for a tree
 * without nodes. */
static int nbt_leaves_out(pst_ndb *ndb)
{
	unsigned char page[PST_PAGE];
	size_t i = 0, j, n = ndb->nbt_nleaf;
	int rc = 0;

	ndb->nbt_nleaf = 0;
	ndb->nbt_s.falling = 1;
	do {
		size_t cnt = n - i < PST_NBT_LEAF ? n - i : PST_NBT_LEAF;
		pst_bt_ref ref;

		memset(page, 0, sizeof(page));
		for (j = 0; j < cnt; j++) {
			unsigned char *p = page + 32 * j;
			const pst_nbt_ent *e = &ndb->nbt_leaf[i + cnt - 1 - j];

			pst_put64(p, e->nid);
			pst_put64(p + 8, e->bid_data);
			pst_put64(p + 16, e->bid_sub);
			pst_put32(p + 24, e->parent);
		}
		ref.key = cnt ? ndb->nbt_leaf[i + cnt - 1].nid : 0;
		rc = page_out(ndb, page, 1, (uint8_t)cnt, PST_NBT_LEAF, 32, 0, &ref);
		ndb->nbt_s.pages[0]++;
		if (rc == 0)
			rc = bt_push(ndb, &ndb->nbt_s, 1, 1, &ref);
		i += cnt;
	} while (rc == 0 && i < n);
	return rc;
}

int pst_nbt_stream_add(pst_ndb *ndb, const pst_nbt_ent *e)
{
	if (ndb->err)
		return ndb->err;
	if (ndb->nbt_low != 0 && e->nid >= ndb->nbt_low)
		return bt_fail(ndb, "node IDs out of order for the node B-tree");
	ndb->nbt_low = e->nid;
	ndb->nbt_leaf[ndb->nbt_nleaf++] = *e;
	return ndb->nbt_nleaf == PST_BBT_BATCH * PST_NBT_LEAF ? nbt_leaves_out(ndb) : 0;
}

static int by_nid(const void *a, const void *b)
{
	uint32_t x = ((const pst_nbt_ent *)a)->nid, y = ((const pst_nbt_ent *)b)->nid;

	return x < y ? -1 : x > y;
}

/* At close: the kept nodes, sorted, go below the streamed ones (highest
 * first), then the partial pages. */
static int nbt_finish(pst_ndb *ndb, uint64_t *root_bid, uint64_t *root_ib)
{
	size_t i;
	int rc = 0;

	qsort(ndb->nbt, ndb->nnbt, sizeof(*ndb->nbt), by_nid);
	for (i = ndb->nnbt; rc == 0 && i > 0; i--)
		rc = pst_nbt_stream_add(ndb, &ndb->nbt[i - 1]);
	if (rc == 0 && (ndb->nbt_nleaf > 0 || ndb->nbt_s.pages[0] == 0))
		rc = nbt_leaves_out(ndb);
	return rc ? rc : bt_finish(ndb, &ndb->nbt_s, 1, root_bid, root_ib);
}

/* ---- BBT ------------------------------------------------------------------ */
/* Write the buffered BBT entries as leaf pages of 20, back to back
 * (one empty page for a file without blocks). */
static int bbt_leaves_out(pst_ndb *ndb)
{
	unsigned char page[PST_PAGE];
	size_t i = 0, j, n = ndb->bbt_nleaf;
	int rc = 0;

	ndb->bbt_nleaf = 0;
	do {
		size_t cnt = n - i < PST_BBT_LEAF ? n - i : PST_BBT_LEAF;
		pst_bt_ref ref;

		memset(page, 0, sizeof(page));
		for (j = 0; j < cnt; j++) {
			unsigned char *p = page + 24 * j;
			const pst_bbt_ent *e = &ndb->bbt_leaf[i + j];

			pst_put64(p, e->bid);
			pst_put64(p + 8, e->ib);
			pst_put16(p + 16, e->cb);
			pst_put16(p + 18, e->cref);
		}
		ref.key = cnt ? ndb->bbt_leaf[i].bid : 0;
		rc = page_out(ndb, page, 0, (uint8_t)cnt, PST_BBT_LEAF, 24, 0, &ref);
		ndb->bbt_s.pages[0]++;
		if (rc == 0)
			rc = bt_push(ndb, &ndb->bbt_s, 0, 1, &ref);
		i += cnt;
	} while (rc == 0 && i < n);
	return rc;
}

/* Record a block just written.  Every block has one user besides the
 * BBT and none is ever shared or freed, so cRef is final now (2). */
int pst_bbt_add(pst_ndb *ndb, uint64_t bid, uint64_t ib, uint16_t cb)
{
	pst_bbt_ent *e;

	if (ndb->bbt_nleaf > 0 && bid <= ndb->bbt_leaf[ndb->bbt_nleaf - 1].bid)
		return bt_fail(ndb, "block IDs out of order for the block B-tree");
	e = &ndb->bbt_leaf[ndb->bbt_nleaf++];
	e->bid = bid;
	e->ib = ib;
	e->cb = cb;
	e->cref = 2;   /* the BBT's own reference + the one user (see notes) */
	ndb->nbbt++;
	if (ndb->bbt_hook)
		ndb->bbt_hook(ndb->bbt_hook_ctx, e);
	return ndb->bbt_nleaf == PST_BBT_BATCH * PST_BBT_LEAF ? bbt_leaves_out(ndb) : 0;
}

static int bbt_finish(pst_ndb *ndb, uint64_t *root_bid, uint64_t *root_ib)
{
	int rc = 0;

	if (ndb->bbt_nleaf > 0 || ndb->bbt_s.pages[0] == 0)
		rc = bbt_leaves_out(ndb);
	return rc ? rc : bt_finish(ndb, &ndb->bbt_s, 0, root_bid, root_ib);
}

int pst_btree_write(pst_ndb *ndb, int nbt, uint64_t *root_bid, uint64_t *root_ib)
{
	return nbt ? nbt_finish(ndb, root_bid, root_ib) : bbt_finish(ndb, root_bid, root_ib);
}
