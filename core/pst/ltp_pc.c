/*
 * core/pst/ltp_pc.c - property contexts ([MS-PST] 2.3.3): a BTH of
 * (property id -> type, value) records.  Values of 4 bytes or less are
 * inline, larger ones in the heap, over 3,580 bytes in a subnode of the
 * owning node.
 */
#include <stdlib.h>
#include <string.h>

#include "mbx/common.h"
#include "pst/pst_int.h"

void pst_pc_init(pst_pc *pc, pst_ndb *ndb, pst_subnodes *sn, uint32_t *next_sub, iconv_t cd)
{
	memset(pc, 0, sizeof(*pc));
	pst_heap_init(&pc->heap, ndb, PST_BTYPE_PC);
	pc->sn = sn;
	pc->next_sub = next_sub;
	pc->cd = cd;
	pst_heap_alloc(&pc->heap, "\0\0\0\0\0\0\0", 8, &pc->hdr);   /* cannot fail: empty heap */
}

void pst_pc_hnid(pst_pc *pc, uint16_t id, uint16_t type, uint32_t hnid)
{
	if (pc->n == pc->cap) {
		pc->cap = pc->cap ? pc->cap * 2 : 32;
		pc->p = mbx_reallocarray(pc->p, pc->cap, sizeof(*pc->p));
	}
	pc->p[pc->n].id = id;
	pc->p[pc->n].type = type;
	pc->p[pc->n].val = hnid;
	pc->n++;
}

void pst_pc_u32(pst_pc *pc, uint16_t id, uint16_t type, uint32_t v)
{
	pst_pc_hnid(pc, id, type, v);
}

int pst_pc_i64(pst_pc *pc, uint16_t id, uint16_t type, uint64_t v)
{
	unsigned char b[8];
	uint32_t hid;
	int rc;

	pst_put64(b, v);
	rc = pst_heap_alloc(&pc->heap, b, 8, &hid);
	if (rc == 0)
		pst_pc_hnid(pc, id, type, hid);
	return rc;
}

/* A variable-size value: heap, or a subnode of its own when large. */
int pst_pc_bin(pst_pc *pc, uint16_t id, uint16_t type, const void *p, size_t len)
{
	pst_dstream ds;
	uint64_t bid, total;
	uint32_t hid, nid;
	int rc;

	if (len == 0) {
		pst_pc_hnid(pc, id, type, 0);
		return 0;
	}
	if (len <= PST_HEAP_ALLOC_MAX) {
		rc = pst_heap_alloc(&pc->heap, p, len, &hid);
		if (rc == 0)
			pst_pc_hnid(pc, id, type, hid);
		return rc;
	}
	memset(&ds, 0, sizeof(ds));
	rc = pst_dstream_write(pc->heap.ndb, &ds, p, len);
	if (rc == 0)
		rc = pst_dstream_finish(pc->heap.ndb, &ds, &bid, &total);
	pst_dstream_free(&ds);
	if (rc)
		return rc;
	nid = PST_NID(PST_NID_TYPE_LTP, (*pc->next_sub)++);
	pst_subnodes_add(pc->sn, nid, bid, 0, total);
	pst_pc_hnid(pc, id, type, nid);
	return 0;
}

int pst_pc_str(pst_pc *pc, uint16_t id, const char *utf8, const char *what)
{
	unsigned char *w;
	size_t wl;
	int rc;

	if (!utf8)
		return 0;
	rc = pst_utf16(pc->cd, utf8, &w, &wl, what);
	if (rc == 0)
		rc = pst_pc_bin(pc, id, MBX_PT_UNICODE, w, wl);
	mbx_free(w);
	return rc;
}

static int by_id(const void *a, const void *b)
{
	uint16_t x = ((const pst_prop *)a)->id, y = ((const pst_prop *)b)->id;

	return x < y ? -1 : x > y;
}

int pst_pc_finish(pst_pc *pc, uint64_t *bid, uint64_t *bytes)
{
	return pst_pc_finish_sized(pc, 0, 0, bid, bytes);
}

static size_t dedup(pst_pc *pc)
{
	size_t i, n = 0;

	qsort(pc->p, pc->n, sizeof(*pc->p), by_id);
	for (i = 0; i < pc->n; i++) {
		if (n > 0 && pc->p[n - 1].id == pc->p[i].id)
			n--;   /* set twice: one record (callers set each once) */
		pc->p[n++] = pc->p[i];
	}
	pc->n = n;
	return n;
}

int pst_pc_finish_sized(pst_pc *pc, uint16_t size_id, uint64_t extra, uint64_t *bid, uint64_t *bytes)
{
	unsigned char *recs = mbx_malloc(pc->n * 8 + 9);
	size_t i, n = 0;
	int rc;

	if (size_id) {
		size_t sizes[64], k;
		uint64_t total;

		pst_pc_u32(pc, size_id, MBX_PT_LONG, 0);
		n = dedup(pc);
		k = pst_bth_alloc_sizes(2, 6, n, sizes, 64);
		total = pst_heap_size_after(&pc->heap, sizes, k) + extra;
		for (i = 0; i < n; i++)
			if (pc->p[i].id == size_id)
				pc->p[i].val = total > UINT32_MAX ? UINT32_MAX : (uint32_t)total;
	}
	n = dedup(pc);
	for (i = 0; i < n; i++) {
		pst_put16(recs + 8 * i, pc->p[i].id);
		pst_put16(recs + 8 * i + 2, pc->p[i].type);
		pst_put32(recs + 8 * i + 4, pc->p[i].val);
	}
	rc = pst_bth_build(&pc->heap, 2, 6, recs, n, pc->hdr);
	mbx_free(recs);
	if (rc == 0)
		rc = pst_heap_finish(&pc->heap, pc->hdr, bid, bytes);
	pst_pc_free(pc);
	return rc;
}

void pst_pc_free(pst_pc *pc)
{
	pst_heap_free(&pc->heap);
	mbx_free(pc->p);
	pc->p = NULL;
	pc->n = pc->cap = 0;
}
