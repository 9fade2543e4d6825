/*
 * core/pst/ndb_btree.c - the BBT and NBT ([MS-PST] 2.2.2.7.7): leaf pages
 * of 20 BBTENTRYs or 15 NBTENTRYs, then levels of 20 BTENTRYs until one
 * page remains, the root.  The NBT is written at close from its sorted
 * entry list; the BBT as blocks are written, since block IDs rise: a
 * full leaf goes out at once and its reference up to its level's buffer,
 * so the writer's memory does not grow with the file.
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

static size_t nbt_leaves(pst_ndb *ndb, pst_bt_ref *refs, int *rc)
{
	unsigned char page[PST_PAGE];
	size_t n = ndb->nnbt, i, j, np = 0;

	for (i = 0; *rc == 0 && (i < n || np == 0); i += 15) {
		size_t cnt = n - i < 15 ? n - i : 15;

		memset(page, 0, sizeof(page));
		for (j = 0; j < cnt; j++) {
			unsigned char *p = page + 32 * j;
			const pst_nbt_ent *e = &ndb->nbt[i + j];

			pst_put64(p, e->nid);
			pst_put64(p + 8, e->bid_data);
			pst_put64(p + 16, e->bid_sub);
			pst_put32(p + 24, e->parent);
		}
		refs[np].key = cnt == 0 ? 0 : ndb->nbt[i].nid;
		*rc = page_out(ndb, page, 1, (uint8_t)cnt, 15, 32, 0, &refs[np]);
		np++;
	}
	return np;
}

/* Write an index page of cnt refs at level and pass its own ref up. */
static int index_out(pst_ndb *ndb, int nbt, const pst_bt_ref *refs, size_t cnt, uint8_t level,
                     pst_bt_ref *up)
{
	unsigned char page[PST_PAGE];
	size_t j;

	memset(page, 0, sizeof(page));
	for (j = 0; j < cnt; j++) {
		pst_put64(page + 24 * j, refs[j].key);
		pst_put64(page + 24 * j + 8, refs[j].bid);
		pst_put64(page + 24 * j + 16, refs[j].ib);
	}
	up->key = refs[0].key;
	return page_out(ndb, page, nbt, (uint8_t)cnt, PST_BT_FANOUT, 24, level, up);
}

static int by_nid(const void *a, const void *b)
{
	uint32_t x = ((const pst_nbt_ent *)a)->nid, y = ((const pst_nbt_ent *)b)->nid;

	return x < y ? -1 : x > y;
}

/* The NBT, at close: sorted, then built bottom-up. */
static int nbt_write(pst_ndb *ndb, uint64_t *root_bid, uint64_t *root_ib)
{
	pst_bt_ref *refs = mbx_calloc(ndb->nnbt / 15 + 1, sizeof(*refs));
	size_t np, i;
	uint8_t level = 0;
	int rc = 0;

	qsort(ndb->nbt, ndb->nnbt, sizeof(*ndb->nbt), by_nid);
	np = nbt_leaves(ndb, refs, &rc);
	while (rc == 0 && np > 1) {
		size_t nout = 0;

		level++;
		for (i = 0; rc == 0 && i < np; i += PST_BT_FANOUT) {
			size_t cnt = np - i < PST_BT_FANOUT ? np - i : PST_BT_FANOUT;
			pst_bt_ref up;

			rc = index_out(ndb, 1, refs + i, cnt, level, &up);
			refs[nout++] = up;   /* nout <= i: never overwrites unread refs */
		}
		np = nout;
	}
	*root_bid = refs[0].bid;
	*root_ib = refs[0].ib;
	mbx_free(refs);
	return rc;
}

/* An internal limit or bug: sticky like I/O failures, nothing half-done
 * is ever called a PST. */
static int bbt_fail(pst_ndb *ndb, const char *what)
{
	if (ndb->err)
		return ndb->err;
	ndb->err = MBX_ERROR;
	return mbx_error_set(MBX_ERROR, "PST writer: %s of %s; the file is not usable", what, ndb->path);
}

/* Give the ref of a finished level-(level - 1) page to its parent level,
 * writing the parent page when it is full. */
static int bbt_push(pst_ndb *ndb, size_t level, const pst_bt_ref *ref)
{
	pst_bt_ref up;
	int rc;

	if (level >= PST_BT_LEVELS)
		return bbt_fail(ndb, "too many blocks for the block B-tree");
	ndb->bbt_up[level][ndb->bbt_nup[level]++] = *ref;
	if (ndb->bbt_nup[level] < PST_BT_FANOUT)
		return 0;
	rc = index_out(ndb, 0, ndb->bbt_up[level], PST_BT_FANOUT, (uint8_t)level, &up);
	ndb->bbt_nup[level] = 0;
	ndb->bbt_pages[level]++;
	return rc ? rc : bbt_push(ndb, level + 1, &up);
}

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
		ndb->bbt_pages[0]++;
		if (rc == 0)
			rc = bbt_push(ndb, 1, &ref);
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
		return bbt_fail(ndb, "block IDs out of order for the block B-tree");
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

/* At close: flush the partial pages bottom-up; the root is the one page
 * of the first level that has no page beside it. */
static int bbt_finish(pst_ndb *ndb, uint64_t *root_bid, uint64_t *root_ib)
{
	size_t level;
	int rc = 0;

	if (ndb->bbt_nleaf > 0 || ndb->bbt_pages[0] == 0)
		rc = bbt_leaves_out(ndb);
	for (level = 1; rc == 0 && level < PST_BT_LEVELS; level++) {
		pst_bt_ref up;

		if (ndb->bbt_pages[level] == 0 && ndb->bbt_nup[level] == 1) {
			*root_bid = ndb->bbt_up[level][0].bid;
			*root_ib = ndb->bbt_up[level][0].ib;
			ndb->bbt_nup[level] = 0;
			return 0;
		}
		if (ndb->bbt_nup[level] == 0)
			continue;
		rc = index_out(ndb, 0, ndb->bbt_up[level], ndb->bbt_nup[level], (uint8_t)level, &up);
		ndb->bbt_nup[level] = 0;
		ndb->bbt_pages[level]++;
		if (rc == 0)
			rc = bbt_push(ndb, level + 1, &up);
	}
	return rc ? rc : bbt_fail(ndb, "too many blocks for the block B-tree");
}

int pst_btree_write(pst_ndb *ndb, int nbt, uint64_t *root_bid, uint64_t *root_ib)
{
	return nbt ? nbt_write(ndb, root_bid, root_ib) : bbt_finish(ndb, root_bid, root_ib);
}
