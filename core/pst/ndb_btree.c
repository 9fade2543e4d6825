/*
 * core/pst/ndb_btree.c - the BBT and NBT ([MS-PST] 2.2.2.7.7): leaf pages
 * of 20 BBTENTRYs or 15 NBTENTRYs, then levels of 20 BTENTRYs until one
 * page remains, the root.  Written at close from the sorted entry lists.
 */
#include <stdlib.h>
#include <string.h>

#include "mbx/common.h"
#include "pst/pst_int.h"

typedef struct bt_ref {
	uint64_t key, bid, ib;
} bt_ref;

static int page_out(pst_ndb *ndb, unsigned char *page, int nbt, uint8_t cent, uint8_t cmax,
                    uint8_t cb, uint8_t level, bt_ref *ref)
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

static size_t leaves(pst_ndb *ndb, int nbt, bt_ref *refs, int *rc)
{
	unsigned char page[PST_PAGE];
	size_t n = nbt ? ndb->nnbt : ndb->nbbt, per = nbt ? 15 : 20, cb = nbt ? 32 : 24;
	size_t i, j, np = 0;

	for (i = 0; *rc == 0 && (i < n || np == 0); i += per) {
		size_t cnt = n - i < per ? n - i : per;

		memset(page, 0, sizeof(page));
		for (j = 0; j < cnt; j++) {
			unsigned char *p = page + cb * j;

			if (nbt) {
				const pst_nbt_ent *e = &ndb->nbt[i + j];

				pst_put64(p, e->nid);
				pst_put64(p + 8, e->bid_data);
				pst_put64(p + 16, e->bid_sub);
				pst_put32(p + 24, e->parent);
			} else {
				const pst_bbt_ent *e = &ndb->bbt[i + j];

				pst_put64(p, e->bid);
				pst_put64(p + 8, e->ib);
				pst_put16(p + 16, e->cb);
				pst_put16(p + 18, e->cref);
			}
		}
		refs[np].key = cnt == 0 ? 0 : nbt ? ndb->nbt[i].nid : ndb->bbt[i].bid;
		*rc = page_out(ndb, page, nbt, (uint8_t)cnt, (uint8_t)per, (uint8_t)cb, 0, &refs[np]);
		np++;
	}
	return np;
}

static int by_nid(const void *a, const void *b)
{
	uint32_t x = ((const pst_nbt_ent *)a)->nid, y = ((const pst_nbt_ent *)b)->nid;

	return x < y ? -1 : x > y;
}

int pst_btree_write(pst_ndb *ndb, int nbt, uint64_t *root_bid, uint64_t *root_ib)
{
	size_t n = nbt ? ndb->nnbt : ndb->nbbt, per = nbt ? 15 : 20;
	bt_ref *refs = mbx_calloc(n / per + 1, sizeof(*refs));
	size_t np, i, j;
	uint8_t level = 0;
	int rc = 0;

	if (nbt)
		qsort(ndb->nbt, ndb->nnbt, sizeof(*ndb->nbt), by_nid);
	np = leaves(ndb, nbt, refs, &rc);
	while (rc == 0 && np > 1) {
		size_t nout = 0;

		level++;
		for (i = 0; rc == 0 && i < np; i += 20) {
			unsigned char page[PST_PAGE];
			size_t cnt = np - i < 20 ? np - i : 20;
			bt_ref up;

			memset(page, 0, sizeof(page));
			for (j = 0; j < cnt; j++) {
				pst_put64(page + 24 * j, refs[i + j].key);
				pst_put64(page + 24 * j + 8, refs[i + j].bid);
				pst_put64(page + 24 * j + 16, refs[i + j].ib);
			}
			up.key = refs[i].key;
			rc = page_out(ndb, page, nbt, (uint8_t)cnt, 20, 24, level, &up);
			refs[nout++] = up;   /* nout <= i: never overwrites unread refs */
		}
		np = nout;
	}
	*root_bid = refs[0].bid;
	*root_ib = refs[0].ib;
	mbx_free(refs);
	return rc;
}
