/*
 * core/pst/ndb_amap.c - space allocation and the allocation map pages
 * ([MS-PST] 2.2.2.7.2 - 2.2.2.7.6).
 *
 * The file is cut in intervals of 253,952 bytes starting at 0x4400; each
 * begins with its AMap page, every 8th also with a PMap, the FMap and
 * FPMap intervals with those (packed after the AMap/PMap: FMap and FPMap
 * intervals never coincide).  Space is handed out front to back, so an
 * interval's AMap is final, and written, as soon as allocation moves on.
 */
#include <string.h>

#include "mbx/common.h"
#include "pst/pst_int.h"

/* Which map pages interval k (0-based) carries besides its AMap. */
void pst_amap_layout(uint64_t k, int *pmap, int *fmap, int *fpmap)
{
	*pmap = k % 8 == 0;
	/* the header's rgbFM covers 128 AMaps, each FMap page 496 more */
	*fmap = k >= 128 && (k - 128) % 496 == 0;
	/* rgbFP covers 1,024 PMaps (8,192 AMaps), each FPMap 496 * 8 PMaps */
	*fpmap = k >= 8192 && (k - 8192) % (496u * 8 * 8) == 0;
}

int pst_page_write(pst_ndb *ndb, uint64_t ib, unsigned char *page, uint8_t ptype, uint64_t bid)
{
	unsigned char *t = page + PST_PAGE_DATA;
	int is_map = ptype >= PST_PTYPE_FMAP && ptype <= PST_PTYPE_FPMAP;

	t[0] = ptype;
	t[1] = ptype;
	pst_put16(t + 2, is_map ? 0 : pst_sig(ib, bid));
	pst_put32(t + 4, pst_crc(page, PST_PAGE_DATA));
	pst_put64(t + 8, bid);
	return pst_io_write(ndb, ib, page, PST_PAGE);
}

static void mark(pst_ndb *ndb, uint64_t ib, uint64_t size)
{
	uint64_t u = (ib - ndb->amap_ib) / 64, n = size / 64;

	for (; n > 0; n--, u++)
		ndb->amap[u / 8] |= (unsigned char)(0x80u >> (u % 8));
}

/* Start interval at ib: reserve and write its PMap/FMap/FPMap pages. */
static int interval_open(pst_ndb *ndb, uint64_t ib)
{
	unsigned char page[PST_PAGE];
	uint64_t k = (ib - PST_AMAP_FIRST) / PST_AMAP_SPAN, at = ib + PST_PAGE;
	int pmap, fmap, fpmap, rc = 0;

	ndb->amap_ib = ib;
	memset(ndb->amap, 0, sizeof(ndb->amap));
	mark(ndb, ib, PST_PAGE);
	pst_amap_layout(k, &pmap, &fmap, &fpmap);
	/* PMap, FMap and FPMap are deprecated: "all allocated, nothing free",
	 * like the header's rgbFM/rgbFP, so old clients never use them. */
	memset(page, 0xFF, PST_PAGE_DATA);
	if (pmap) {
		mark(ndb, at, PST_PAGE);
		rc = pst_page_write(ndb, at, page, PST_PTYPE_PMAP, at);
		at += PST_PAGE;
	}
	if (rc == 0 && fmap) {
		mark(ndb, at, PST_PAGE);
		rc = pst_page_write(ndb, at, page, PST_PTYPE_FMAP, at);
		at += PST_PAGE;
	}
	if (rc == 0 && fpmap) {
		mark(ndb, at, PST_PAGE);
		rc = pst_page_write(ndb, at, page, PST_PTYPE_FPMAP, at);
		at += PST_PAGE;
	}
	ndb->eof = at;
	return rc;
}

/* Write the current interval's AMap page and count its free space. */
static int interval_close(pst_ndb *ndb)
{
	unsigned char page[PST_PAGE];
	size_t i;
	uint64_t used = 0;

	for (i = 0; i < PST_PAGE_DATA; i++)
		used += (uint64_t)__builtin_popcount(ndb->amap[i]);
	ndb->amap_free += (PST_PAGE_DATA * 8 - used) * 64;
	ndb->amap_last = ndb->amap_ib;
	memcpy(page, ndb->amap, PST_PAGE_DATA);
	return pst_page_write(ndb, ndb->amap_ib, page, PST_PTYPE_AMAP, ndb->amap_ib);
}

int pst_amap_init(pst_ndb *ndb)
{
	ndb->next_bid = 4;
	ndb->next_pbid = 1;
	return interval_open(ndb, PST_AMAP_FIRST);
}

int pst_amap_alloc(pst_ndb *ndb, uint32_t size, uint32_t align, uint64_t *ib)
{
	uint64_t pos = (ndb->eof + align - 1) & ~(uint64_t)(align - 1);
	int rc;

	if (ndb->err)
		return ndb->err;
	if (pos + size > ndb->amap_ib + PST_AMAP_SPAN) {
		rc = interval_close(ndb);
		if (rc == 0)
			rc = interval_open(ndb, ndb->amap_ib + PST_AMAP_SPAN);
		if (rc)
			return rc;
		pos = (ndb->eof + align - 1) & ~(uint64_t)(align - 1);
	}
	mark(ndb, pos, size);
	ndb->eof = pos + size;
	*ib = pos;
	return 0;
}

/* Close the last interval; the file ends with it, as Outlook's do. */
int pst_amap_finish(pst_ndb *ndb, uint64_t *file_eof)
{
	int rc = interval_close(ndb);

	*file_eof = ndb->amap_ib + PST_AMAP_SPAN;
	return rc;
}
