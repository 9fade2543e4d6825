/*
 * core/pstcheck/ndb.c - the NDB layer: the HEADER and ROOT ([MS-PST]
 * 2.2.2.5-6), every block's trailer, CRC, signature and size (2.2.2.8),
 * data trees (XBLOCK/XXBLOCK) and subnode trees (SLBLOCK/SIBLOCK), and the
 * BBT reference counts (2.2.2.7.7.3.1).
 */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mbx/common.h"
#include "pstcheck.h"

/* Not in [MS-PST]: OST files (libpff's "Personal Folder File (PFF) format") */
#define PC_VER_OST_4K          36      /* wVer of Outlook 2013 OST files, 4 KiB pages */
#define PC_MAGIC_CLIENT_OST    0x4F53  /* wMagicClient "SO" */

int pc_header_check(pc_ctx *c)
{
	const uint8_t *h = c->hdr;
	const char *w = "header";
	size_t i;

	if (c->size < 24 || pc_pread(c, 0, c->hdr, c->size < PST_HEADER_SIZE ? (size_t)c->size : PST_HEADER_SIZE) < 0)
		return mbx_error_set(MBX_ECORRUPT, "%s: not a PST file (too short)", c->path);
	if (memcmp(h, PST_HDR_MAGIC, 4) != 0)
		return mbx_error_set(MBX_ECORRUPT, "%s: not a PST file (no !BDN signature)", c->path);
	c->wver = pc_le16(h + PST_HDR_VER);
	if (c->wver == PC_VER_OST_4K)
		return mbx_error_set(MBX_ECORRUPT, "%s: an OST file with 4 KiB pages (Outlook 2013 and later): pst-check "
		                     "checks PST files with 512-byte pages only; `mbxrescue pst-dump` reads it", c->path);
	if (c->wver == 14 || c->wver == 15)
		return mbx_error_set(MBX_ECORRUPT, "%s: ANSI PST: only Unicode files are checked", c->path);
	if (c->wver < PST_VER_UNICODE)
		return mbx_error_set(MBX_ECORRUPT, "%s: unknown PST version %u (Unicode files have 23)", c->path,
		                     c->wver);
	if (c->size < PST_HEADER_SIZE)
		return mbx_error_set(MBX_ECORRUPT, "%s: truncated PST (%llu bytes, the header alone has 564)",
		                     c->path, (unsigned long long)c->size);
	if (c->wver > PST_VER_UNICODE)
		pc_note(c, w, "wVer %u: newer than 23, which libpst and pst-extractor require", c->wver);
	if (pc_le16(h + PST_HDR_MAGIC_CLIENT) == PC_MAGIC_CLIENT_OST)
		pc_note(c, w, "an OST file (Outlook's offline store, wMagicClient \"SO\"): checked by the rules for "
		        "Unicode PST files");
	else if (pc_le16(h + PST_HDR_MAGIC_CLIENT) != PST_MAGIC_CLIENT)
		pc_problem(c, w, "wMagicClient is 0x%04x, expected 0x4d53", pc_le16(h + PST_HDR_MAGIC_CLIENT));
	if (pc_crc(h + PST_HDR_MAGIC_CLIENT, PST_HDR_CRC_PARTIAL_LEN) != pc_le32(h + PST_HDR_CRC_PARTIAL))
		pc_problem(c, w, "dwCRCPartial 0x%08x does not match the header (0x%08x)", pc_le32(h + PST_HDR_CRC_PARTIAL),
		           pc_crc(h + PST_HDR_MAGIC_CLIENT, PST_HDR_CRC_PARTIAL_LEN));
	if (pc_crc(h + PST_HDR_MAGIC_CLIENT, PST_HDR_CRC_FULL_LEN) != pc_le32(h + PST_HDR_CRC_FULL))
		pc_problem(c, w, "dwCRCFull 0x%08x does not match the header (0x%08x)", pc_le32(h + PST_HDR_CRC_FULL),
		           pc_crc(h + PST_HDR_MAGIC_CLIENT, PST_HDR_CRC_FULL_LEN));
	if (h[PST_HDR_PLATFORM_CREATE] != PST_PLATFORM || h[PST_HDR_PLATFORM_ACCESS] != PST_PLATFORM)
		pc_problem(c, w, "bPlatformCreate/bPlatformAccess are %u/%u, expected 1/1", h[PST_HDR_PLATFORM_CREATE],
		           h[PST_HDR_PLATFORM_ACCESS]);
	c->bid_next_p = pc_le64(h + PST_HDR_BID_NEXT_P);
	c->eof = pc_le64(h + PST_HDR_FILE_EOF);
	c->amap_last = pc_le64(h + PST_HDR_AMAP_LAST);
	c->amap_free = pc_le64(h + PST_HDR_AMAP_FREE);
	c->pmap_free = pc_le64(h + PST_HDR_PMAP_FREE);
	c->nbt_bid = pc_le64(h + PST_HDR_NBT_BID);
	c->nbt_ib = pc_le64(h + PST_HDR_NBT_IB);
	c->bbt_bid = pc_le64(h + PST_HDR_BBT_BID);
	c->bbt_ib = pc_le64(h + PST_HDR_BBT_IB);
	c->amap_valid = h[PST_HDR_AMAP_VALID];
	c->crypt = h[PST_HDR_CRYPT];
	c->bid_next_b = pc_le64(h + PST_HDR_BID_NEXT_B);
	if (h[PST_HDR_SENTINEL] != PST_SENTINEL)
		pc_problem(c, w, "bSentinel is 0x%02x, expected 0x80", h[PST_HDR_SENTINEL]);
	if (c->crypt > PST_CRYPT_CYCLIC) {
		pc_problem(c, w, "bCryptMethod 0x%02x is not none (0), compressible (1) or cyclic (2)", c->crypt);
		return mbx_error_set(MBX_ECORRUPT, "%s: unknown encoding 0x%02x: data can not be read", c->path,
		                     c->crypt);
	}
	if (c->eof != c->size)
		pc_problem(c, w, "ibFileEof is %llu but the file has %llu bytes", (unsigned long long)c->eof,
		           (unsigned long long)c->size);
	if (c->eof > c->size)
		c->eof = c->size;  /* never read past the real end */
	if (c->eof < PST_AMAP_FIRST + PST_PAGE)
		return mbx_error_set(MBX_ECORRUPT, "%s: truncated PST (%llu bytes, no allocation map)", c->path,
		                     (unsigned long long)c->size);
	if ((c->eof - PST_AMAP_FIRST) % PST_AMAP_SPAN)
		pc_problem(c, w, "ibFileEof %llu does not end an AMap interval (0x4400 + n * 253952)",
		           (unsigned long long)c->eof);
	if (c->amap_last < PST_AMAP_FIRST || (c->amap_last - PST_AMAP_FIRST) % PST_AMAP_SPAN ||
	    c->amap_last >= c->eof)
		pc_problem(c, w, "ibAMapLast 0x%llx is not the offset of an AMap page in the file",
		           (unsigned long long)c->amap_last);
	else if (c->amap_last + PST_AMAP_SPAN < c->eof)
		pc_problem(c, w, "ibAMapLast 0x%llx is not the last AMap (file ends at 0x%llx)",
		           (unsigned long long)c->amap_last, (unsigned long long)c->eof);
	if (c->amap_valid != PST_AMAP_VALID2)
		pc_problem(c, w, "fAMapValid is %u: the AMaps are %s", c->amap_valid,
		           c->amap_valid == 1 ? "marked with the deprecated value 1" : "marked invalid (file not finished)");
	if (c->pmap_free)
		pc_note(c, w, "cbPMapFree is %llu (new files write 0)", (unsigned long long)c->pmap_free);
	for (i = PST_HDR_RGBFM; i < PST_HDR_SENTINEL; i++)
		if (h[i] != 0xFF) {
			pc_problem(c, w, "rgbFM/rgbFP byte at offset %zu is 0x%02x, expected 0xff", i, h[i]);
			break;
		}
	if (h[PST_HDR_CRYPT + 1] || h[PST_HDR_CRYPT + 2])
		pc_problem(c, w, "rgbReserved after bCryptMethod is not zero");
	if ((c->bid_next_b & 3) != 0)
		pc_note(c, w, "bidNextB 0x%llx has its low bits set", (unsigned long long)c->bid_next_b);
	return 0;
}

/* ---- blocks -------------------------------------------------------------- */

static uint32_t block_size(uint16_t cb)
{
	return ((uint32_t)cb + PST_TRAILER + 63u) & ~63u;
}

static int ext_cmp(const void *a, const void *b)
{
	uint64_t x = ((const pc_extent *)a)->ib, y = ((const pc_extent *)b)->ib;

	return x < y ? -1 : x > y;
}

static int bbt_ib_cmp(const void *a, const void *b)
{
	uint64_t x = (*(pc_bbt *const *)a)->ib, y = (*(pc_bbt *const *)b)->ib;

	return x < y ? -1 : x > y;
}

/* Every BBT block: placement, size, trailer, CRC, signature.  Read in file
 * order so that a large file streams. */
void pc_blocks_check(pc_ctx *c)
{
	pc_bbt **order = mbx_reallocarray(NULL, c->nbbt ? c->nbbt : 1, sizeof(*order));
	uint8_t *buf = mbx_malloc(PST_BLOCK_MAX);
	size_t i;

	for (i = 0; i < c->nbbt; i++)
		order[i] = &c->bbt[i];
	if (c->nbbt)
		qsort(order, c->nbbt, sizeof(*order), bbt_ib_cmp);
	for (i = 0; i < c->nbbt && !c->fatal; i++) {
		pc_bbt *b = order[i];
		char where[64];
		uint32_t size;
		const uint8_t *t;

		snprintf(where, sizeof(where), "block 0x%llx at 0x%llx", (unsigned long long)b->bid,
		         (unsigned long long)b->ib);
		if (b->dup) {
			b->bad = 1;
			continue;
		}
		if (b->bid & 1)
			pc_problem(c, where, "BID has the reserved bit 0 set");
		if (b->bid >= c->bid_next_b)
			pc_problem(c, where, "BID is not below the header's bidNextB 0x%llx",
			           (unsigned long long)c->bid_next_b);
		if (b->cb > PST_BLOCK_DATA) {
			pc_problem(c, where, "cb %u is more than 8176 bytes", b->cb);
			b->bad = 1;
			continue;
		}
		size = block_size(b->cb);
		if (b->ib % 64 || b->ib < PST_AMAP_FIRST) {
			pc_problem(c, where, "block is not 64-byte aligned in the data area");
			b->bad = 1;
			continue;
		}
		if (b->ib + size > c->eof || pc_pread(c, b->ib, buf, size) < 0) {
			pc_problem(c, where, "block (%u bytes) extends past the end of the file", size);
			b->bad = 1;
			continue;
		}
		c->st->blocks++;
		pc_extent_add(c, b->ib, size, 0);
		t = buf + size - PST_TRAILER;
		if (pc_le16(t) != b->cb) {
			pc_problem(c, where, "trailer cb %u, but the BBT says %u", pc_le16(t), b->cb);
			b->bad = 1;
		}
		if (pc_le64(t + 8) != b->bid) {
			pc_problem(c, where, "trailer BID 0x%llx differs from the BBT's",
			           (unsigned long long)pc_le64(t + 8));
			b->bad = 1;
		}
		if (pc_le16(t + 2) != pc_sig(b->ib, b->bid)) {
			pc_problem(c, where, "signature 0x%04x, expected 0x%04x", pc_le16(t + 2), pc_sig(b->ib, b->bid));
			b->bad = 1;
		}
		if (pc_crc(buf, b->cb) != pc_le32(t + 4)) {
			pc_problem(c, where, "CRC 0x%08x does not match its data (0x%08x)", pc_le32(t + 4),
			           pc_crc(buf, b->cb));
			b->bad = 1;
		}
	}
	mbx_free(buf);
	mbx_free(order);
	/* Nothing may be allocated twice: pages and blocks must not overlap. */
	if (c->next)
		qsort(c->ext, c->next, sizeof(*c->ext), ext_cmp);
	for (i = 1; i < c->next; i++) {
		const pc_extent *a = &c->ext[i - 1], *b = &c->ext[i];

		if (a->ib + a->size > b->ib) {
			char where[48];

			snprintf(where, sizeof(where), "offset 0x%llx", (unsigned long long)b->ib);
			pc_problem(c, where, "%s overlaps the %s at 0x%llx (space used twice)",
			           b->kind ? "page" : "block", a->kind ? "page" : "block", (unsigned long long)a->ib);
		}
	}
}

/* ---- data and subnode trees ---------------------------------------------- */

/* Count one reference to bid from `from`; returns the entry or NULL. */
static pc_bbt *ref(pc_ctx *c, const char *where, const char *from, uint64_t bid)
{
	pc_bbt *b = pc_bbt_find(c, bid);

	if (!b) {
		pc_problem(c, where, "%s 0x%llx is not in the BBT", from, (unsigned long long)bid);
		return NULL;
	}
	if (b->refs < UINT32_MAX)
		b->refs++;
	return b;
}

static void data_tree(pc_ctx *c, const char *where, uint64_t bid, int want_level);

/* An XBLOCK (level 1) or XXBLOCK (level 2): checked once per block. */
static void xblock(pc_ctx *c, const char *where, pc_bbt *b, int want_level)
{
	uint8_t buf[PST_BLOCK_MAX];
	uint16_t cb, n, i;
	uint64_t total = 0;
	char bw[96];

	b->walked = 1;
	snprintf(bw, sizeof(bw), "%s: XBLOCK 0x%llx", where, (unsigned long long)b->bid);
	if (pc_block_get(c, b->bid, buf, &cb) < 0)
		return;
	if (cb < 8 || buf[0] != 1) {
		pc_problem(c, bw, "internal block is not an XBLOCK/XXBLOCK (btype %u)", cb ? buf[0] : 0);
		return;
	}
	if (buf[1] != want_level && !(want_level == 0 && (buf[1] == 1 || buf[1] == 2))) {
		pc_problem(c, bw, "cLevel %u where level %d is expected", buf[1], want_level);
		return;
	}
	n = pc_le16(buf + 2);
	if (n == 0 || 8u + 8u * n != cb) {
		pc_problem(c, bw, "cEnt %u does not match cb %u", n, cb);
		if (8u + 8u * n > cb)
			return;
	}
	for (i = 0; i < n; i++) {
		uint64_t child = pc_le64(buf + 8 + 8 * i);
		pc_bbt *cbk = ref(c, bw, "child BID", child);

		if (!cbk)
			continue;
		if (buf[1] == 1) {
			if (child & 2) {
				pc_problem(c, bw, "XBLOCK entry %u 0x%llx is not a data block", i, (unsigned long long)child);
				continue;
			}
			total += cbk->cb;   /* heap blocks need not be full: no size rule here */
		} else {
			uint8_t cbuf[PST_BLOCK_MAX];
			uint16_t ccb;

			if (!(child & 2)) {
				pc_problem(c, bw, "XXBLOCK entry %u 0x%llx is not an XBLOCK", i, (unsigned long long)child);
				continue;
			}
			if (pc_block_get(c, child, cbuf, &ccb) == 0 && ccb >= 8)
				total += pc_le32(cbuf + 4);
			if (!cbk->walked)
				xblock(c, where, cbk, 1);
		}
	}
	if (total != pc_le32(buf + 4))
		pc_problem(c, bw, "lcbTotal %u, but its blocks hold %llu bytes", pc_le32(buf + 4),
		           (unsigned long long)total);
}

static void data_tree(pc_ctx *c, const char *where, uint64_t bid, int want_level)
{
	pc_bbt *b = ref(c, where, "bidData", bid);

	if (!b || !(bid & 2) || b->walked || b->bad)
		return;
	xblock(c, where, b, want_level);
}

static void sub_tree(pc_ctx *c, const char *where, pc_bbt *b, int depth);

static void sub_ref(pc_ctx *c, const char *where, uint64_t bid, int depth)
{
	pc_bbt *b;

	if (!bid)
		return;
	if (!(bid & 2)) {
		pc_problem(c, where, "bidSub 0x%llx is not an internal (subnode) block", (unsigned long long)bid);
		ref(c, where, "bidSub", bid);
		return;
	}
	b = ref(c, where, "bidSub", bid);
	if (b && !b->walked && !b->bad)
		sub_tree(c, where, b, depth);
}

/* An SLBLOCK or SIBLOCK, checked once per block; depth bounds nesting of
 * subnodes within subnodes. */
static void sub_tree(pc_ctx *c, const char *where, pc_bbt *b, int depth)
{
	uint8_t buf[PST_BLOCK_MAX];
	uint16_t cb, n, i;
	char bw[96];
	uint64_t prev = 0;
	unsigned esz;

	b->walked = 1;
	snprintf(bw, sizeof(bw), "%s: subnode block 0x%llx", where, (unsigned long long)b->bid);
	if (depth > 32) {
		pc_problem(c, bw, "subnodes nested more than 32 deep");
		return;
	}
	if (pc_block_get(c, b->bid, buf, &cb) < 0)
		return;
	if (cb < 8 || buf[0] != 2 || buf[1] > 1) {
		pc_problem(c, bw, "not an SLBLOCK/SIBLOCK (btype %u, cLevel %u)", cb ? buf[0] : 0, cb > 1 ? buf[1] : 0);
		return;
	}
	esz = buf[1] ? 16 : 24;
	n = pc_le16(buf + 2);
	if (pc_le32(buf + 4))
		pc_problem(c, bw, "dwPadding is not zero");
	if (n == 0 || 8u + esz * n != cb) {
		pc_problem(c, bw, "cEnt %u does not match cb %u", n, cb);
		if (n == 0 || 8u + esz * n > cb)
			return;
	}
	for (i = 0; i < n; i++) {
		const uint8_t *e = buf + 8 + esz * i;
		uint64_t nid = pc_le64(e);

		if (i > 0 && nid <= prev)
			pc_problem(c, bw, "entry %u NID 0x%llx not greater than 0x%llx", i, (unsigned long long)nid,
			           (unsigned long long)prev);
		prev = nid;
		if (buf[1] == 0) {
			char sw[128];

			snprintf(sw, sizeof(sw), "%s: subnode 0x%llx", where, (unsigned long long)nid);
			data_tree(c, sw, pc_le64(e + 8), 0);
			sub_ref(c, sw, pc_le64(e + 16), depth + 1);
		} else {
			uint64_t child = pc_le64(e + 8);
			pc_bbt *cbk = ref(c, bw, "SIENTRY BID", child);
			uint8_t cbuf[PST_BLOCK_MAX];
			uint16_t ccb;

			if (!cbk)
				continue;
			if (!(child & 2)) {
				pc_problem(c, bw, "SIENTRY %u points to a data block", i);
				continue;
			}
			if (pc_block_get(c, child, cbuf, &ccb) == 0 && ccb >= 16 && cbuf[0] == 2) {
				if (cbuf[1] != 0)
					pc_problem(c, bw, "SIENTRY %u points to a block of level %u, not an SLBLOCK", i, cbuf[1]);
				else if (pc_le64(cbuf + 8) != nid)
					pc_problem(c, bw, "SIENTRY %u key 0x%llx differs from its SLBLOCK's first NID 0x%llx", i,
					           (unsigned long long)nid, (unsigned long long)pc_le64(cbuf + 8));
			}
			if (!cbk->walked && !cbk->bad)
				sub_tree(c, where, cbk, depth);
		}
	}
}

void pc_trees_check(pc_ctx *c)
{
	size_t i;

	for (i = 0; i < c->nnbt && !c->fatal; i++) {
		const pc_nbt *n = &c->nbt[i];
		char where[32];

		snprintf(where, sizeof(where), "NID 0x%x", n->nid);
		if (PST_NID_TYPE(n->nid) == PST_NID_TYPE_HID)
			pc_problem(c, where, "node has NID type HID (0)");
		if (n->bid_data)
			data_tree(c, where, n->bid_data, 0);
		sub_ref(c, where, n->bid_sub, 0);
	}
}

void pc_refcounts_check(pc_ctx *c)
{
	size_t i;

	for (i = 0; i < c->nbbt; i++) {
		const pc_bbt *b = &c->bbt[i];
		uint64_t want = (uint64_t)b->refs + 1;   /* the BBT entry holds one */
		char where[48];

		if (b->dup)
			continue;
		snprintf(where, sizeof(where), "block 0x%llx", (unsigned long long)b->bid);
		if (b->refs == 0) {
			pc_note(c, where, "leak: block is in the BBT (cRef %u) but nothing refers to it", b->cref);
			continue;
		}
		if (b->cref < 2)
			pc_problem(c, where, "cRef %u for a block in use (Outlook writes at least 2)", b->cref);
		else if (b->cref != want)
			pc_problem(c, where, "cRef %u, but %llu references were found (counting the BBT's own)",
			           b->cref, (unsigned long long)want);
	}
}
