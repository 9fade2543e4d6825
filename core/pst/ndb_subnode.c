/*
 * core/pst/ndb_subnode.c - subnode B-trees ([MS-PST] 2.2.2.8.3.3): up to
 * 340 subnodes fit in one SLBLOCK; more need SLBLOCKs under an SIBLOCK.
 */
#include <stdlib.h>
#include <string.h>

#include "mbx/common.h"
#include "pst/pst_int.h"

void pst_subnodes_add(pst_subnodes *sn, uint32_t nid, uint64_t bid_data, uint64_t bid_sub, uint64_t bytes)
{
	if (sn->n == sn->cap) {
		sn->cap = sn->cap ? sn->cap * 2 : 8;
		sn->e = mbx_reallocarray(sn->e, sn->cap, sizeof(*sn->e));
	}
	sn->e[sn->n].nid = nid;
	sn->e[sn->n].bid_data = bid_data;
	sn->e[sn->n].bid_sub = bid_sub;
	sn->n++;
	sn->bytes += bytes;
}

static int by_nid(const void *a, const void *b)
{
	uint32_t x = ((const pst_snent *)a)->nid, y = ((const pst_snent *)b)->nid;

	return x < y ? -1 : x > y;
}

static int slblock(pst_ndb *ndb, const pst_snent *e, size_t n, uint64_t *bid)
{
	unsigned char b[PST_BLOCK_DATA];
	size_t i;

	memset(b, 0, 8);
	b[0] = PST_SLBLOCK_BTYPE;
	b[1] = 0;
	pst_put16(b + 2, (uint16_t)n);
	for (i = 0; i < n; i++) {
		unsigned char *p = b + 8 + 24 * i;

		pst_put64(p, e[i].nid);
		pst_put64(p + 8, e[i].bid_data);
		pst_put64(p + 16, e[i].bid_sub);
	}
	return pst_block_write(ndb, b, 8 + 24 * n, 1, bid);
}

int pst_subnodes_write(pst_ndb *ndb, pst_subnodes *sn, uint64_t *bid)
{
	unsigned char b[PST_BLOCK_DATA];
	size_t i, nsl;
	int rc = 0;

	*bid = 0;
	if (sn->n == 0)
		return 0;
	qsort(sn->e, sn->n, sizeof(*sn->e), by_nid);
	if (sn->n <= PST_SL_MAX)
		return slblock(ndb, sn->e, sn->n, bid);
	nsl = (sn->n + PST_SL_MAX - 1) / PST_SL_MAX;
	if (nsl > PST_SI_MAX)
		return mbx_error_set(MBX_ELIMIT, "more than %u subnodes in one node of %s",
		                     PST_SL_MAX * PST_SI_MAX, ndb->path);
	memset(b, 0, 8);
	b[0] = PST_SLBLOCK_BTYPE;
	b[1] = 1;
	pst_put16(b + 2, (uint16_t)nsl);
	for (i = 0; rc == 0 && i < nsl; i++) {
		size_t first = i * PST_SL_MAX, cnt = sn->n - first < PST_SL_MAX ? sn->n - first : PST_SL_MAX;
		uint64_t sl;

		rc = slblock(ndb, sn->e + first, cnt, &sl);
		pst_put64(b + 8 + 16 * i, sn->e[first].nid);
		pst_put64(b + 16 + 16 * i, sl);
	}
	if (rc == 0)
		rc = pst_block_write(ndb, b, 8 + 16 * nsl, 1, bid);
	return rc;
}

void pst_subnodes_free(pst_subnodes *sn)
{
	mbx_free(sn->e);
	memset(sn, 0, sizeof(*sn));
}
