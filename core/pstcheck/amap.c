/*
 * core/pstcheck/amap.c - the allocation metadata ([MS-PST] 2.2.2.7.2-6):
 * every AMap page (one per 253,952 bytes from 0x4400), the PMap, FMap and
 * FPMap pages at their intervals, the optional DList; the AMap bits
 * against the pages and blocks actually in use, and cbAMapFree.
 */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include "mbx/common.h"
#include "pstcheck.h"

#define UNITS (PST_AMAP_SPAN / 64)   /* 3968 bits per AMap */

/* A map page (AMap, PMap, FMap, FPMap): its BID is its offset, wSig 0. */
static void map_page(pc_ctx *c, uint64_t ib, uint8_t ptype, const char *name, uint8_t *pg)
{
	char where[48];
	const uint8_t *t = pg + PST_PAGE_DATA;

	snprintf(where, sizeof(where), "%s page at 0x%llx", name, (unsigned long long)ib);
	c->st->pages++;
	if (pc_pread(c, ib, pg, PST_PAGE) < 0) {
		pc_problem(c, where, "page lies beyond the end of the file");
		memset(pg, 0, PST_PAGE);
		return;
	}
	if (t[0] != ptype || t[1] != ptype) {
		pc_problem(c, where, "page type 0x%02x/0x%02x, expected 0x%02x", t[0], t[1], ptype);
		return;
	}
	if (pc_le16(t + 2) != 0)
		pc_problem(c, where, "wSig 0x%04x, expected 0 for a map page", pc_le16(t + 2));
	if (pc_le64(t + 8) != ib)
		pc_problem(c, where, "page BID 0x%llx, expected its offset", (unsigned long long)pc_le64(t + 8));
	if (pc_crc(pg, PST_PAGE_DATA) != pc_le32(t + 4))
		pc_problem(c, where, "page CRC 0x%08x does not match its data (0x%08x)", pc_le32(t + 4),
		           pc_crc(pg, PST_PAGE_DATA));
}

static void dlist(pc_ctx *c)
{
	uint8_t pg[PST_PAGE];
	const uint8_t *t = pg + PST_PAGE_DATA;
	const char *where = "DList page at 0x4200";

	if (pc_pread(c, PST_DLIST_IB, pg, PST_PAGE) < 0 || t[0] != PST_PTYPE_DL)
		return;   /* optional, and the area is shared with transient data */
	if (t[1] != PST_PTYPE_DL || pc_crc(pg, PST_PAGE_DATA) != pc_le32(t + 4)) {
		pc_note(c, where, "DList is not valid (Outlook rebuilds it from the AMaps)");
		return;
	}
	if (pc_le16(t + 2) != pc_sig(PST_DLIST_IB, pc_le64(t + 8)))
		pc_problem(c, where, "signature 0x%04x, expected 0x%04x", pc_le16(t + 2),
		           pc_sig(PST_DLIST_IB, pc_le64(t + 8)));
	if (pg[1] > 476 / 4)
		pc_problem(c, where, "cEntDList %u is more than 119", pg[1]);
	c->st->pages++;
}

void pc_amap_check(pc_ctx *c)
{
	uint8_t pg[PST_PAGE], exp[UNITS / 8];
	uint64_t ib, nfree = 0, i = 0;
	size_t j = 0;

	dlist(c);
	for (ib = PST_AMAP_FIRST; ib + PST_PAGE <= c->eof && !c->fatal; ib += PST_AMAP_SPAN, i++) {
		unsigned nmaps = 1, u, used_free = 0, leaked = 0;
		uint64_t first_bad = 0, end = ib + PST_AMAP_SPAN;
		char where[48];

		snprintf(where, sizeof(where), "AMap page at 0x%llx", (unsigned long long)ib);
		if (i % 8 == 0) {
			map_page(c, ib + PST_PAGE * nmaps, PST_PTYPE_PMAP, "PMap", pg);
			nmaps++;
		}
		if (i >= 128 && (i - 128) % 496 == 0) {
			map_page(c, ib + PST_PAGE * nmaps, PST_PTYPE_FMAP, "FMap", pg);
			nmaps++;
		}
		if (i >= 8192 && (i - 8192) % 31744 == 0) {
			map_page(c, ib + PST_PAGE * nmaps, PST_PTYPE_FPMAP, "FPMap", pg);
			nmaps++;
		}
		map_page(c, ib, PST_PTYPE_AMAP, "AMap", pg);
		memset(exp, 0, sizeof(exp));
		for (u = 0; u < nmaps * 8; u++)
			exp[u / 8] |= (uint8_t)(0x80 >> (u % 8));
		/* Extents are sorted by offset (pc_blocks_check). */
		while (j < c->next && c->ext[j].ib + c->ext[j].size <= ib)
			j++;
		for (; j < c->next && c->ext[j].ib < end; j++) {
			const pc_extent *e = &c->ext[j];
			uint64_t a = e->ib < ib ? ib : e->ib, z = e->ib + e->size > end ? end : e->ib + e->size;

			for (; a < z; a += 64) {
				u = (unsigned)((a - ib) / 64);
				if (exp[u / 8] & (0x80 >> (u % 8)) && u < nmaps * 8) {
					pc_problem(c, where, "%s at 0x%llx overlaps the map pages of this interval",
					           e->kind ? "page" : "block", (unsigned long long)e->ib);
					break;
				}
				exp[u / 8] |= (uint8_t)(0x80 >> (u % 8));
			}
		}
		if (j > 0 && c->ext[j - 1].ib + c->ext[j - 1].size > end)
			j--;   /* an extent crossing into the next interval is looked at again there */
		for (u = 0; u < UNITS; u++) {
			/* The spec numbers AMap bits from the most significant bit of each byte. */
			int want = !!(exp[u / 8] & (0x80 >> (u % 8)));
			int have = !!(pg[u / 8] & (0x80 >> (u % 8)));

			if (ib + (uint64_t)u * 64 >= c->eof)
				break;
			if (!have)
				nfree++;
			if (want && !have) {
				if (!used_free++)
					first_bad = ib + (uint64_t)u * 64;
			} else if (!want && have) {
				leaked++;
			}
		}
		if (used_free)
			pc_problem(c, where, "%u slots of 64 bytes are in use but marked free (first at 0x%llx)",
			           used_free, (unsigned long long)first_bad);
		if (leaked)
			pc_note(c, where, "%u slots of 64 bytes are marked used but hold no page or block", leaked);
	}
	if (nfree * 64 != c->amap_free)
		pc_warn(c, "header", "cbAMapFree is %llu but the AMaps show %llu bytes free",
		           (unsigned long long)c->amap_free, (unsigned long long)(nfree * 64));
}
