/*
 * core/pst/ndb_xblock.c - data trees ([MS-PST] 2.2.2.8.3.2): node data of
 * more than one block is described by an XBLOCK (up to 1,021 BIDs) or an
 * XXBLOCK of XBLOCKs.  Blocks are written as they come; only their BIDs
 * are kept until the tree is finished.
 */
#include <string.h>

#include "mbx/common.h"
#include "pst/pst_int.h"

static void push(pst_dtree *dt, uint64_t bid, size_t len)
{
	if (dt->n == dt->cap) {
		dt->cap = dt->cap ? dt->cap * 2 : 16;
		dt->bids = mbx_reallocarray(dt->bids, dt->cap, sizeof(*dt->bids));
		dt->sizes = mbx_reallocarray(dt->sizes, dt->cap, sizeof(*dt->sizes));
	}
	dt->sizes[dt->n] = (uint16_t)len;
	dt->bids[dt->n++] = bid;
}

int pst_dtree_add(pst_ndb *ndb, pst_dtree *dt, const void *p, size_t len)
{
	uint64_t bid;
	int rc = pst_block_write(ndb, p, len, 0, &bid);

	if (rc)
		return rc;
	push(dt, bid, len);
	dt->total += len;
	return 0;
}

/* A slot for a block written later (a heap's first block). */
size_t pst_dtree_reserve(pst_dtree *dt)
{
	push(dt, 0, 0);
	return dt->n - 1;
}

void pst_dtree_set(pst_dtree *dt, size_t idx, uint64_t bid, size_t len)
{
	dt->bids[idx] = bid;
	dt->sizes[idx] = (uint16_t)len;
	dt->total += len;
}

/* One XBLOCK (level 1) or XXBLOCK (level 2) over bids[0..n). */
static int xblock(pst_ndb *ndb, int level, const uint64_t *bids, size_t n, uint64_t total, uint64_t *bid)
{
	unsigned char b[PST_BLOCK_DATA];
	size_t i;

	b[0] = PST_XBLOCK_BTYPE;
	b[1] = (unsigned char)level;
	pst_put16(b + 2, (uint16_t)n);
	pst_put32(b + 4, (uint32_t)total);
	for (i = 0; i < n; i++)
		pst_put64(b + 8 + 8 * i, bids[i]);
	return pst_block_write(ndb, b, 8 + 8 * n, 1, bid);
}

int pst_dtree_finish(pst_ndb *ndb, pst_dtree *dt, uint64_t *bid)
{
	uint64_t x[PST_XBLOCK_MAX];
	size_t i, nx = 0;
	int rc = 0;

	*bid = 0;
	if (dt->total > UINT32_MAX || dt->n > (size_t)PST_XBLOCK_MAX * PST_XBLOCK_MAX)
		return mbx_error_set(MBX_ELIMIT, "a value of %llu bytes is over the PST limit of 4 GB in %s",
		                     (unsigned long long)dt->total, ndb->path);
	if (dt->n == 1)
		*bid = dt->bids[0];
	else if (dt->n > 1 && dt->n <= PST_XBLOCK_MAX)
		rc = xblock(ndb, 1, dt->bids, dt->n, dt->total, bid);
	else if (dt->n > PST_XBLOCK_MAX) {
		for (i = 0; rc == 0 && i < dt->n; i += PST_XBLOCK_MAX) {
			size_t j, cnt = dt->n - i < PST_XBLOCK_MAX ? dt->n - i : PST_XBLOCK_MAX;
			uint64_t part = 0;

			for (j = 0; j < cnt; j++)
				part += dt->sizes[i + j];
			rc = xblock(ndb, 1, dt->bids + i, cnt, part, &x[nx++]);
		}
		if (rc == 0)
			rc = xblock(ndb, 2, x, nx, dt->total, bid);
	}
	pst_dtree_free(dt);
	return rc;
}

void pst_dtree_free(pst_dtree *dt)
{
	mbx_free(dt->bids);
	mbx_free(dt->sizes);
	memset(dt, 0, sizeof(*dt));
}

int pst_dstream_write(pst_ndb *ndb, pst_dstream *ds, const void *p, size_t len)
{
	const unsigned char *s = p;

	if (!ds->buf)
		ds->buf = mbx_malloc(PST_BLOCK_DATA);
	while (len > 0) {
		size_t n = PST_BLOCK_DATA - ds->len;

		if (n > len)
			n = len;
		memcpy(ds->buf + ds->len, s, n);
		ds->len += n;
		s += n;
		len -= n;
		if (ds->len == PST_BLOCK_DATA) {
			int rc = pst_dtree_add(ndb, &ds->dt, ds->buf, ds->len);

			if (rc)
				return rc;
			ds->len = 0;
		}
	}
	return 0;
}

int pst_dstream_finish(pst_ndb *ndb, pst_dstream *ds, uint64_t *bid, uint64_t *total)
{
	int rc = 0;

	if (ds->len > 0)
		rc = pst_dtree_add(ndb, &ds->dt, ds->buf, ds->len);
	*total = ds->dt.total;
	if (rc == 0)
		rc = pst_dtree_finish(ndb, &ds->dt, bid);
	pst_dstream_free(ds);
	return rc;
}

void pst_dstream_free(pst_dstream *ds)
{
	pst_dtree_free(&ds->dt);
	mbx_free(ds->buf);
	memset(ds, 0, sizeof(*ds));
}
