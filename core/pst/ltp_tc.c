/*
 * core/pst/ltp_tc.c - table contexts ([MS-PST] 2.3.4).
 *
 * Rows are laid out as the spec orders cells (dwRowID, dwRowVer, 8- and
 * 4-byte cells, 2-byte, 1-byte, then the cell existence bitmap).  A block
 * of the row matrix holds a whole number of rows (8,176 bytes with the
 * padding, but the last) and is written as soon as it is full, so a table of any length costs one block of rows plus
 * four bytes a row (the row IDs, for the row index BTH built at finish).
 * Variable-size cells go to the table's heap, itself streamed; cells
 * too big for the heap go to a subnode of the table node, as in a PC.
 */
#include <stdlib.h>
#include <string.h>

#include "mbx/common.h"
#include "pst/pst_int.h"

static size_t cell_size(uint32_t tag)
{
	switch (MBX_PROP_TYPE(tag)) {
	case MBX_PT_I8:
	case MBX_PT_SYSTIME:
	case MBX_PT_DOUBLE:
	case MBX_PT_CURRENCY:
		return 8;
	case MBX_PT_BOOLEAN:
		return 1;
	case MBX_PT_SHORT:
		return 2;
	default:
		return 4;   /* 32-bit values and HNIDs of variable-size values */
	}
}

static int by_tag(const void *a, const void *b)
{
	uint32_t x = ((const pst_tccol *)a)->tag, y = ((const pst_tccol *)b)->tag;

	return x < y ? -1 : x > y;
}

void pst_tc_init(pst_tc *tc, pst_ndb *ndb, const uint32_t *tags, size_t ntags, iconv_t cd)
{
	static const size_t order[] = { 8, 4, 2, 1 };
	size_t i, k, ib = 8, bit = 2, rowsize;

	memset(tc, 0, sizeof(*tc));
	pst_heap_init(&tc->heap, ndb, PST_BTYPE_TC);
	tc->cd = cd;
	tc->next_sub_own = 2;
	tc->cols = mbx_calloc(ntags + 2, sizeof(*tc->cols));
	tc->cols[0].tag = MBX_TAG_LTP_ROW_ID;
	tc->cols[0].cb = 4;
	tc->cols[1].tag = MBX_TAG_LTP_ROW_VER;
	tc->cols[1].ib = 4;
	tc->cols[1].cb = 4;
	tc->cols[1].bit = 1;
	tc->ncols = 2;
	for (k = 0; k < 4; k++) {
		for (i = 0; i < ntags; i++) {
			pst_tccol *c;

			if (cell_size(tags[i]) != order[k] || tags[i] == MBX_TAG_LTP_ROW_ID || tags[i] == MBX_TAG_LTP_ROW_VER)
				continue;
			c = &tc->cols[tc->ncols++];
			c->tag = tags[i];
			c->cb = (uint8_t)order[k];
			c->ib = (uint16_t)ib;
			c->bit = (uint8_t)bit++;
			ib += order[k];
		}
		if (k == 1)
			tc->rgib[0] = (uint16_t)ib;
		else if (k == 2)
			tc->rgib[1] = (uint16_t)ib;
		else if (k == 3)
			tc->rgib[2] = (uint16_t)ib;
	}
	tc->rgib[3] = (uint16_t)(ib + (tc->ncols + 7) / 8);
	qsort(tc->cols, tc->ncols, sizeof(*tc->cols), by_tag);
	rowsize = tc->rgib[3];
	tc->rows_per_block = PST_BLOCK_DATA / rowsize;
	tc->rows = mbx_calloc(1, PST_BLOCK_DATA);
	tc->row = mbx_calloc(1, 22 + 8 * tc->ncols > rowsize ? 22 + 8 * tc->ncols : rowsize);
	/* readers expect the row index header at 0x20 and TCINFO at 0x40:
	 * reserve both now, fill them at finish (cannot fail: empty heap) */
	pst_heap_alloc(&tc->heap, tc->row, 8, &tc->ri_hdr);
	pst_heap_alloc(&tc->heap, tc->row, 22 + 8 * tc->ncols, &tc->info_hid);
}

static pst_tccol *col(pst_tc *tc, uint32_t tag)
{
	size_t i;

	for (i = 0; i < tc->ncols; i++)
		if (tc->cols[i].tag == tag)
			return &tc->cols[i];
	return NULL;
}

static void exists(pst_tc *tc, const pst_tccol *c)
{
	tc->row[tc->rgib[2] + c->bit / 8] |= (unsigned char)(0x80u >> (c->bit % 8));
}

void pst_tc_row_begin(pst_tc *tc, uint32_t rowid)
{
	memset(tc->row, 0, tc->rgib[3]);
	pst_tc_u32(tc, MBX_TAG_LTP_ROW_ID, rowid);
	pst_tc_u32(tc, MBX_TAG_LTP_ROW_VER, tc->nrows + 1);
}

void pst_tc_u32(pst_tc *tc, uint32_t tag, uint32_t v)
{
	pst_tccol *c = col(tc, tag);

	if (!c)
		return;
	if (c->cb == 4)
		pst_put32(tc->row + c->ib, v);
	else if (c->cb == 2)
		pst_put16(tc->row + c->ib, (uint16_t)v);
	else if (c->cb == 1)
		tc->row[c->ib] = (unsigned char)v;
	else
		pst_put64(tc->row + c->ib, v);
	exists(tc, c);
}

void pst_tc_i64(pst_tc *tc, uint32_t tag, uint64_t v)
{
	pst_tccol *c = col(tc, tag);

	if (!c || c->cb != 8)
		return;
	pst_put64(tc->row + c->ib, v);
	exists(tc, c);
}

/* A cell over 3,580 bytes: a data stream in a subnode; the HNID is its NID. */
static int long_cell(pst_tc *tc, const void *p, size_t len, uint32_t *hnid)
{
	uint32_t *next = tc->next_sub ? tc->next_sub : &tc->next_sub_own;
	pst_dstream ds;
	uint64_t bid, total;
	int rc;

	memset(&ds, 0, sizeof(ds));
	rc = pst_dstream_write(tc->heap.ndb, &ds, p, len);
	if (rc == 0)
		rc = pst_dstream_finish(tc->heap.ndb, &ds, &bid, &total);
	pst_dstream_free(&ds);
	if (rc)
		return rc;
	*hnid = PST_NID(PST_NID_TYPE_LTP, (*next)++);
	pst_subnodes_add(&tc->sn, *hnid, bid, 0, total);
	return 0;
}

/* A variable-size cell: in the heap, or in a subnode when over 3,580
 * bytes, so rows repeat the values of the objects they list. */
int pst_tc_bin(pst_tc *tc, uint32_t tag, const void *p, size_t len)
{
	pst_tccol *c = col(tc, tag);
	uint32_t hid = 0;
	int rc = 0;

	if (!c)
		return 0;
	/* past what one subnode tree holds (row matrix included), the cell
	 * is left out: the object itself still has the value */
	if (len > PST_HEAP_ALLOC_MAX && tc->sn.n + 2 > (size_t)PST_SL_MAX * PST_SI_MAX)
		return 0;
	if (len > PST_HEAP_ALLOC_MAX)
		rc = long_cell(tc, p, len, &hid);
	else if (len > 0)
		rc = pst_heap_alloc(&tc->heap, p, len, &hid);
	if (rc)
		return rc;
	pst_put32(tc->row + c->ib, hid);
	exists(tc, c);
	return 0;
}

int pst_tc_str(pst_tc *tc, uint32_t tag, const char *utf8)
{
	unsigned char *w;
	size_t wl;
	int rc;

	if (!utf8 || !col(tc, tag))
		return 0;
	rc = pst_utf16(tc->cd, utf8, &w, &wl, "a table cell");
	if (rc == 0)
		rc = pst_tc_bin(tc, tag, w, wl);
	mbx_free(w);
	return rc;
}

int pst_tc_row_end(pst_tc *tc)
{
	size_t rs = tc->rgib[3];

	memcpy(tc->rows + tc->nrows_cur * rs, tc->row, rs);
	tc->nrows_cur++;
	if (tc->nrows == tc->arows) {
		tc->arows = tc->arows ? tc->arows * 2 : 16;
		tc->rowids = mbx_reallocarray(tc->rowids, tc->arows, sizeof(*tc->rowids));
	}
	tc->rowids[tc->nrows++] = pst_get32(tc->row);
	if (tc->nrows_cur == tc->rows_per_block) {
		tc->nrows_cur = 0;
		/* full blocks keep their tail padding: readers find row r at
		 * (r / rows_per_block) * 8176 + (r % rows_per_block) * size */
		return pst_dtree_add(tc->heap.ndb, &tc->rows_dt, tc->rows, PST_BLOCK_DATA);
	}
	return 0;
}

static int by_key(const void *a, const void *b)
{
	uint32_t x = pst_get32(a), y = pst_get32(b);

	return x < y ? -1 : x > y;
}

static int row_index(pst_tc *tc)
{
	unsigned char *recs = mbx_malloc((size_t)tc->nrows * 8 + 1);
	uint32_t i;
	int rc;

	for (i = 0; i < tc->nrows; i++) {
		pst_put32(recs + 8 * i, tc->rowids[i]);
		pst_put32(recs + 8 * i + 4, i);
	}
	qsort(recs, tc->nrows, 8, by_key);
	rc = pst_bth_build(&tc->heap, 4, 4, recs, tc->nrows, tc->ri_hdr);
	mbx_free(recs);
	return rc;
}

/* The row matrix: in the heap when small, else a subnode data tree.
 * The subnode tree (row matrix and long cells) is written here. */
static int row_matrix(pst_tc *tc, uint32_t rows_nid, uint32_t *hnid, uint64_t *bid_sub, uint64_t *bytes)
{
	size_t rs = tc->rgib[3], cur = tc->nrows_cur * rs;
	uint64_t bid;
	int rc = 0;

	*hnid = 0;
	*bid_sub = 0;
	*bytes = 0;
	if (tc->nrows > 0 && tc->rows_dt.n == 0 && cur <= PST_HEAP_ALLOC_MAX) {
		rc = pst_heap_alloc(&tc->heap, tc->rows, cur, hnid);
	} else if (tc->nrows > 0) {
		uint64_t total;

		if (cur > 0)
			rc = pst_dtree_add(tc->heap.ndb, &tc->rows_dt, tc->rows, cur);
		total = tc->rows_dt.total;   /* pst_dtree_finish clears rows_dt */
		if (rc == 0)
			rc = pst_dtree_finish(tc->heap.ndb, &tc->rows_dt, &bid);
		if (rc == 0) {
			pst_subnodes_add(&tc->sn, rows_nid, bid, 0, total);
			*hnid = rows_nid;
		}
	}
	if (rc == 0)
		rc = pst_subnodes_write(tc->heap.ndb, &tc->sn, bid_sub);
	*bytes = tc->sn.bytes;
	return rc;
}

int pst_tc_finish(pst_tc *tc, uint32_t rows_nid, uint64_t *bid_data, uint64_t *bid_sub, uint64_t *bytes)
{
	unsigned char *info = mbx_malloc(22 + 8 * tc->ncols);
	uint32_t hnid_rows = 0;
	uint64_t rows_bytes = 0, heap_bytes = 0;
	size_t i;
	int rc;

	rc = row_index(tc);
	if (rc == 0)
		rc = row_matrix(tc, rows_nid, &hnid_rows, bid_sub, &rows_bytes);
	if (rc == 0) {
		info[0] = PST_BTYPE_TC;
		info[1] = (unsigned char)tc->ncols;
		for (i = 0; i < 4; i++)
			pst_put16(info + 2 + 2 * i, tc->rgib[i]);
		pst_put32(info + 10, tc->ri_hdr);
		pst_put32(info + 14, hnid_rows);
		pst_put32(info + 18, 0);   /* hidIndex, deprecated */
		for (i = 0; i < tc->ncols; i++) {
			unsigned char *d = info + 22 + 8 * i;

			pst_put32(d, tc->cols[i].tag);
			pst_put16(d + 4, tc->cols[i].ib);
			d[6] = tc->cols[i].cb;
			d[7] = tc->cols[i].bit;
		}
		rc = pst_heap_patch(&tc->heap, tc->info_hid, info, 22 + 8 * tc->ncols);
	}
	mbx_free(info);
	if (rc == 0)
		rc = pst_heap_finish(&tc->heap, tc->info_hid, bid_data, &heap_bytes);
	if (bytes)
		*bytes = heap_bytes + rows_bytes;
	pst_tc_free(tc);
	return rc;
}

void pst_tc_free(pst_tc *tc)
{
	pst_heap_free(&tc->heap);
	pst_dtree_free(&tc->rows_dt);
	pst_subnodes_free(&tc->sn);
	mbx_free(tc->cols);
	mbx_free(tc->rows);
	mbx_free(tc->rowids);
	mbx_free(tc->row);
	memset(tc, 0, sizeof(*tc));
}
