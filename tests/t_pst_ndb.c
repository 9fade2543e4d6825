/*
 * tests/t_pst_ndb - unit tests of the PST writer's NDB layer: CRC against
 * known values (and the header CRCs of Outlook's own empty PST), the
 * permutative encoding, signatures, the map page schedule, blocks with
 * their trailer, data trees (XBLOCK/XXBLOCK), subnode trees (SLBLOCK/
 * SIBLOCK), B-trees with index levels and AMap pages.
 */
#include "config.h"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tap.h"
#include "mbx/common.h"
#include "mbx/crc.h"
#include "pst/pst_int.h"

static char path[256];

/* The BBT goes to disk as blocks are written: the tests keep their own
 * list of the entries through the writer's hook to find blocks again. */
typedef struct bbt_log {
	pst_bbt_ent *e;
	size_t n, cap;
} bbt_log;
static bbt_log blocks;

static void bbt_record(void *ctx, const pst_bbt_ent *e)
{
	bbt_log *lg = ctx;

	if (lg->n == lg->cap) {
		lg->cap = lg->cap ? lg->cap * 2 : 256;
		lg->e = mbx_reallocarray(lg->e, lg->cap, sizeof(*lg->e));
	}
	lg->e[lg->n++] = *e;
}

static void ndb_open(pst_ndb *ndb, int crypt)
{
	memset(ndb, 0, sizeof(*ndb));
	ndb->crypt = crypt;
	blocks.n = 0;
	ndb->bbt_hook = bbt_record;
	ndb->bbt_hook_ctx = &blocks;
	if (pst_io_open(ndb, path) != 0 || pst_amap_init(ndb) != 0) {
		printf("Bail out! cannot create %s: %s\n", path, mbx_error_last());
		exit(1);
	}
}

static void ndb_close(pst_ndb *ndb)
{
	pst_io_close(ndb, 0);
	mbx_free(ndb->buf);
	mbx_free(ndb->nbt);
	mbx_free(ndb->path);
	unlink(path);
}

static int pread_all(const char *p, uint64_t ib, void *buf, size_t n)
{
	int fd = open(p, O_RDONLY);
	ssize_t r;

	if (fd < 0)
		return -1;
	r = pread(fd, buf, n, (off_t)ib);
	close(fd);
	return r == (ssize_t)n ? 0 : -1;
}

static const pst_bbt_ent *bbt_find(uint64_t bid)
{
	size_t i;

	for (i = 0; i < blocks.n; i++)
		if (blocks.e[i].bid == bid)
			return &blocks.e[i];
	return NULL;
}

/* Read a block as written; check its trailer; decode data blocks. */
static int read_block(pst_ndb *ndb, uint64_t bid, unsigned char *out, size_t *cb)
{
	const pst_bbt_ent *e = bbt_find(bid);
	unsigned char raw[PST_BLOCK_MAX];
	size_t size;
	const unsigned char *t;

	if (!e || pst_io_flush(ndb))
		return -1;
	size = (e->cb + PST_TRAILER + 63) & ~(size_t)63;
	if (pread_all(path, e->ib, raw, size))
		return -1;
	t = raw + size - PST_TRAILER;
	if (pst_get16(t) != e->cb || pst_get16(t + 2) != pst_sig(e->ib, bid) ||
	    pst_get32(t + 4) != pst_crc(raw, e->cb) || pst_get64(t + 8) != bid)
		return -2;
	memcpy(out, raw, e->cb);
	if (!(bid & 2) && ndb->crypt == MBX_PST_CRYPT_PERMUTE)
		pst_permute(out, e->cb, 0);
	*cb = e->cb;
	return 0;
}

static void test_crc(void)
{
	const char *shared = getenv("MBX_SHARED");
	char file[512];
	unsigned char h[564];

	is_int(pst_crc("123456789", 9), 0x2DFD2D88u, "CRC of \"123456789\" (no pre/post inversion)");
	is_int(pst_crc("", 0), 0, "CRC of nothing is 0");
	{   /* the build's CRC (ISA-L or zlib) equals zlib's at every length
	     * and alignment, across ISA-L's 16/64/256-byte folding steps */
		unsigned char *buf = mbx_malloc(8192 + 64 + 64);
		size_t len, off;
		int same = 1;

		for (len = 0; len < 8192 + 64 + 64; len++)
			buf[len] = (unsigned char)(len * 197 + (len >> 8) * 13 + 1);
		for (off = 0; off < 64; off++)
			for (len = 0; len <= 8192 + 64; len++)
				if (len <= 1100 || len % 61 == 0 || len == 8192 + 64)
					same &= mbx_pst_crc(buf + off, len) == mbx_pst_crc_zlib(buf + off, len);
		ok(same, "%s CRC equals zlib's for 0-1100 bytes and more up to 8 KiB, at 64 alignments",
		   mbx_pst_crc_impl());
		mbx_free(buf);
	}
	if (!shared) {
		diag("MBX_SHARED unset: Outlook header CRCs not checked");
		return;
	}
	snprintf(file, sizeof(file), "%s/testdata/pst/outlook-empty.pst", shared);
	if (pread_all(file, 0, h, sizeof(h)) != 0) {
		diag("%s not readable: Outlook header CRCs not checked", file);
		return;
	}
	is_int(pst_crc(h + 8, 471), pst_get32(h + 4), "dwCRCPartial of outlook-empty.pst");
	is_int(pst_crc(h + 8, 516), pst_get32(h + 524), "dwCRCFull of outlook-empty.pst");
}

static void test_header(void)
{
	pst_header_info hi;
	unsigned char h[564];

	memset(&hi, 0, sizeof(hi));
	hi.file_eof = 0x42400;
	hi.amap_last = 0x4400;
	hi.nbt_bid = 7;
	hi.nbt_ib = 0x7000;
	hi.amap_valid = 1;
	hi.crypt = MBX_PST_CRYPT_PERMUTE;
	pst_header_build(h, &hi);
	ok(memcmp(h, "!BDN", 4) == 0, "header magic");
	is_int(pst_get16(h + 8), 0x4D53, "wMagicClient SM");
	is_int(pst_get16(h + 10), 23, "wVer 23 (Unicode)");
	is_int(pst_get32(h + 4), pst_crc(h + 8, 471), "dwCRCPartial");
	is_int(pst_get32(h + 524), pst_crc(h + 8, 516), "dwCRCFull");
	is_int(pst_get64(h + 184), 0x42400, "ibFileEof at 184");
	is_int(pst_get64(h + 224), 0x7000, "BREF NBT ib at 224");
	is_int(h[248], 2, "fAMapValid 2 when valid");
	is_int(h[512], 0x80, "bSentinel");
	is_int(h[513], 1, "bCryptMethod permute");
	ok(h[256] == 0xFF && h[511] == 0xFF, "rgbFM/rgbFP all 0xFF");
	hi.amap_valid = 0;
	pst_header_build(h, &hi);
	is_int(h[248], 0, "fAMapValid 0 while writing");
}

static void test_permute_sig(void)
{
	unsigned char b[256], c[256];
	int i, same = 1;

	for (i = 0; i < 256; i++)
		b[i] = c[i] = (unsigned char)i;
	pst_permute(b, 256, 1);
	is_int(b[0], 65, "mpbbCrypt[0] = 65");
	is_int(b[255], 61, "mpbbCrypt[255] = 61");
	pst_permute(b, 256, 0);
	for (i = 0; i < 256; i++)
		same &= b[i] == c[i];
	ok(same, "decode(encode(x)) = x for every byte");
	{   /* whole buffers (the 64-byte path where the CPU has it) encode
	     * exactly as byte by byte, at any length and alignment */
		static const size_t lens[] = { 63, 64, 65, 127, 128, 200, 256, 1000, 8176 };
		unsigned char big[8192 + 8], one[8192 + 8];
		size_t k, j, off;

		same = 1;
		for (k = 0; k < sizeof lens / sizeof lens[0]; k++)
			for (off = 0; off < 4; off++) {
				for (j = 0; j < lens[k]; j++)
					big[off + j] = one[off + j] = (unsigned char)(j * 131 + k * 7 + off);
				pst_permute(big + off, lens[k], 1);
				for (j = 0; j < lens[k]; j++)
					pst_permute(one + off + j, 1, 1);
				same &= memcmp(big + off, one + off, lens[k]) == 0;
			}
		ok(same, "buffers of 63 to 8176 bytes at 4 alignments encode as byte by byte");
	}
	is_int(pst_sig(0x4400, 4), (uint16_t)(0x4404 ^ 0), "signature = low16(ib^bid) ^ high16(ib^bid)");
	is_int(pst_sig(0x123456789ull, 0x10004), (uint16_t)(((0x123456789ull ^ 0x10004) >> 16) ^ ((0x123456789ull ^ 0x10004) & 0xFFFF)),
	       "signature of a high offset");
}

static void test_layout(void)
{
	int p, f, fp;

	pst_amap_layout(0, &p, &f, &fp);
	ok(p && !f && !fp, "interval 0: AMap + PMap (0x4600)");
	pst_amap_layout(1, &p, &f, &fp);
	ok(!p && !f && !fp, "interval 1: AMap only");
	pst_amap_layout(8, &p, &f, &fp);
	ok(p && !f && !fp, "interval 8: a PMap every 8 AMaps");
	pst_amap_layout(128, &p, &f, &fp);
	ok(p && f && !fp, "interval 128: first FMap (rgbFM covers 128 AMaps)");
	pst_amap_layout(128 + 496, &p, &f, &fp);
	ok(f, "next FMap 496 AMaps later");
	pst_amap_layout(8192, &p, &f, &fp);
	ok(p && !f && fp, "interval 8192 (~2 GB): first FPMap, packed at +1024");
	pst_amap_layout(8192 + 31744, &p, &f, &fp);
	ok(fp, "next FPMap 31,744 AMaps later");
	pst_amap_layout(8193, &p, &f, &fp);
	ok(!fp && !f, "interval 8193: no FPMap");
}

static void test_blocks(void)
{
	pst_ndb ndb;
	unsigned char data[PST_BLOCK_DATA], back[PST_BLOCK_DATA];
	uint64_t bid;
	size_t cb, i;
	pst_dtree dt;
	int rc;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 7);
	ndb_open(&ndb, MBX_PST_CRYPT_PERMUTE);
	rc = pst_block_write(&ndb, data, 100, 0, &bid);
	is_int(rc, 0, "write a 100-byte data block");
	is_int(bid, 4, "first BID is 4");
	is_int(blocks.n == 1 ? blocks.e[0].ib % 64 : 1, 0, "blocks are 64-byte aligned");
	is_int(read_block(&ndb, bid, back, &cb), 0, "trailer: cb, signature, CRC, BID check");
	ok(cb == 100 && memcmp(back, data, 100) == 0, "data decodes to what was written");
	rc = pst_block_write(&ndb, data, PST_BLOCK_DATA, 0, &bid);
	is_int(rc, 0, "a full 8,176-byte block");
	is_int(bid, 8, "BIDs step by 4");
	ok(pst_block_write(&ndb, data, PST_BLOCK_DATA + 1, 0, &bid) != 0, "8,177 bytes do not fit one block");

	/* XXBLOCK: more than 1,021 blocks */
	memset(&dt, 0, sizeof(dt));
	for (i = 0; i < 1100 && rc == 0; i++)
		rc = pst_dtree_add(&ndb, &dt, data, 8);
	rc = rc ? rc : pst_dtree_finish(&ndb, &dt, &bid);
	is_int(rc, 0, "a data tree of 1,100 blocks");
	ok(bid & 2, "its root is an internal block");
	is_int(read_block(&ndb, bid, back, &cb), 0, "the XXBLOCK reads back");
	ok(back[0] == 1 && back[1] == 2 && pst_get16(back + 2) == 2 && pst_get32(back + 4) == 8800,
	   "XXBLOCK: type 1, level 2, 2 XBLOCKs, lcbTotal 8,800");
	if (read_block(&ndb, pst_get64(back + 8), back, &cb) == 0)
		ok(back[1] == 1 && pst_get16(back + 2) == 1021 && pst_get32(back + 4) == 1021 * 8,
		   "first XBLOCK: level 1, 1,021 BIDs, lcbTotal of its own blocks");
	else
		ok(0, "first XBLOCK readable");
	/* XBLOCK: 2 blocks */
	memset(&dt, 0, sizeof(dt));
	pst_dtree_add(&ndb, &dt, data, PST_BLOCK_DATA);
	pst_dtree_add(&ndb, &dt, data, 1);
	rc = pst_dtree_finish(&ndb, &dt, &bid);
	if (rc == 0 && read_block(&ndb, bid, back, &cb) == 0)
		ok(back[1] == 1 && pst_get16(back + 2) == 2 && pst_get32(back + 4) == 8177 && cb == 24,
		   "8,177 bytes: XBLOCK of 2 blocks");
	else
		ok(0, "XBLOCK readable");
	ndb_close(&ndb);
}

static void test_subnodes(void)
{
	pst_ndb ndb;
	pst_subnodes sn;
	unsigned char b[PST_BLOCK_DATA], sl[PST_BLOCK_DATA];
	uint64_t bid;
	size_t cb, i;
	int sorted = 1;

	ndb_open(&ndb, MBX_PST_CRYPT_NONE);
	memset(&sn, 0, sizeof(sn));
	for (i = 0; i < 700; i++)   /* added in reverse: must come out sorted */
		pst_subnodes_add(&sn, PST_NID(PST_NID_TYPE_LTP, 700 - i), 4 * (i + 1), 0, 10);
	is_int(sn.bytes, 7000, "subnode sizes add up");
	is_int(pst_subnodes_write(&ndb, &sn, &bid), 0, "700 subnodes written");
	if (read_block(&ndb, bid, b, &cb) == 0) {
		ok(b[0] == 2 && b[1] == 1 && pst_get16(b + 2) == 3, "an SIBLOCK over 3 SLBLOCKs");
		if (read_block(&ndb, pst_get64(b + 16), sl, &cb) == 0) {
			ok(sl[0] == 2 && sl[1] == 0 && pst_get16(sl + 2) == 340, "first SLBLOCK holds 340");
			for (i = 1; i < 340; i++)
				sorted &= pst_get64(sl + 8 + 24 * i) > pst_get64(sl + 8 + 24 * (i - 1));
			ok(sorted && pst_get64(sl + 8) == PST_NID(PST_NID_TYPE_LTP, 1), "entries sorted by NID");
			is_int(pst_get64(b + 8), pst_get64(sl + 8), "SIENTRY key is the first NID below it");
		} else {
			ok(0, "SLBLOCK readable");
		}
	} else {
		ok(0, "SIBLOCK readable");
	}
	pst_subnodes_free(&sn);
	pst_subnodes_add(&sn, 0x3F, 4, 0, 0);
	is_int(pst_subnodes_write(&ndb, &sn, &bid), 0, "one subnode");
	if (read_block(&ndb, bid, b, &cb) == 0)
		ok(b[0] == 2 && b[1] == 0 && pst_get16(b + 2) == 1 && cb == 32, "an SLBLOCK of one entry");
	else
		ok(0, "SLBLOCK readable");
	pst_subnodes_free(&sn);
	ndb_close(&ndb);
}

static void test_btree_amap(void)
{
	pst_ndb ndb;
	unsigned char page[PST_PAGE], data[PST_BLOCK_DATA];
	uint64_t bid, ib, eof;
	size_t i;
	int rc = 0, bits = 0;

	ndb_open(&ndb, MBX_PST_CRYPT_PERMUTE);
	memset(data, 0x5A, sizeof(data));
	for (i = 0; i < 400; i++)
		pst_ndb_node_add(&ndb, PST_NID(PST_NID_TYPE_NORMAL_MESSAGE, 400 - i), 4, 0, 0x8022);
	/* 40 full blocks: past the first AMap interval */
	for (i = 0; i < 40 && rc == 0; i++)
		rc = pst_block_write(&ndb, data, PST_BLOCK_DATA, 0, &bid);
	is_int(rc, 0, "40 blocks of 8 KB");
	ok(ndb.amap_ib == PST_AMAP_FIRST + PST_AMAP_SPAN, "allocation moved to the second interval");
	rc = pst_btree_write(&ndb, 1, &bid, &ib);
	is_int(rc, 0, "NBT of 400 nodes");
	pst_io_flush(&ndb);
	if (pread_all(path, ib, page, sizeof(page)) == 0) {
		is_int(page[491], 2, "27 leaves, 2 index pages: root at level 2");
		is_int(page[488], 2, "root has 2 entries");
		ok(page[496] == PST_PTYPE_NBT && page[497] == PST_PTYPE_NBT, "ptype NBT");
		is_int(pst_get32(page + 500), pst_crc(page, 496), "page CRC");
		is_int(pst_get16(page + 498), pst_sig(ib, bid), "page signature");
	} else {
		ok(0, "NBT root readable");
	}
	is_int(ndb.nnbt, 0, "message nodes written as they come, none kept");
	rc = pst_amap_finish(&ndb, &eof);
	is_int(rc, 0, "last AMap written");
	is_int(eof, PST_AMAP_FIRST + 2 * PST_AMAP_SPAN, "the file ends with its last interval");
	pst_io_flush(&ndb);
	if (pread_all(path, PST_AMAP_FIRST, page, sizeof(page)) == 0) {
		for (i = 0; i < PST_PAGE_DATA; i++)
			bits += __builtin_popcount(page[i]);
		ok(page[0] == 0xFF, "first AMap maps itself and the PMap");
		is_int(page[496], PST_PTYPE_AMAP, "ptype AMap");
		is_int(pst_get16(page + 498), 0, "AMap wSig 0");
		is_int(pst_get64(page + 504), PST_AMAP_FIRST, "AMap BID = its offset");
		is_int(pst_get32(page + 500), pst_crc(page, 496), "AMap CRC");
		ok(bits > 3500 && bits < 3968, "first interval nearly full (%d of 3,968 units)", bits);
	} else {
		ok(0, "AMap readable");
	}
	ok(ndb.amap_free % 64 == 0 && ndb.amap_free > 0 && ndb.amap_free < 2 * PST_AMAP_SPAN,
	   "cbAMapFree counted from the bitmaps (%llu)", (unsigned long long)ndb.amap_free);
	ndb_close(&ndb);
}

/* Walk a BBT page from disk: check its trailer and level, collect the
 * leaf entries in order into out.  Returns -1 on any inconsistency. */
static int bbt_walk(uint64_t ib, uint64_t bid, uint64_t key, int level, pst_bbt_ent *out, size_t *n,
                    size_t max, int *root_level)
{
	unsigned char page[PST_PAGE];
	size_t j, cnt;

	if (pread_all(path, ib, page, sizeof(page)) || page[496] != PST_PTYPE_BBT || page[497] != PST_PTYPE_BBT ||
	    pst_get32(page + 500) != pst_crc(page, 496) || pst_get16(page + 498) != pst_sig(ib, bid) ||
	    pst_get64(page + 504) != bid || page[490] != 24 || page[489] != 20 || page[488] > 20)
		return -1;
	if (level < 0)
		*root_level = level = page[491];
	if (page[491] != level)
		return -1;
	cnt = page[488];
	if (cnt > 0 && pst_get64(page) != key)
		return -1;   /* the parent's key is the page's first key */
	for (j = 0; j < cnt; j++) {
		const unsigned char *p = page + 24 * j;

		if (level > 0) {
			if (cnt < 2 && *root_level == level)
				return -1;   /* a root index page with one entry is a wasted level */
			if (bbt_walk(pst_get64(p + 16), pst_get64(p + 8), pst_get64(p), level - 1, out, n, max,
			             root_level))
				return -1;
			continue;
		}
		if (*n == max)
			return -1;
		out[*n].bid = pst_get64(p);
		out[*n].ib = pst_get64(p + 8);
		out[*n].cb = pst_get16(p + 16);
		out[*n].cref = pst_get16(p + 18);
		(*n)++;
	}
	return 0;
}

/* The BBT written as blocks come: for n blocks, read the tree back from
 * the root and compare it with every block recorded. */
static void bbt_case(size_t nblocks, int want_level, const char *what)
{
	pst_ndb ndb;
	unsigned char data[100];
	pst_bbt_ent *got = mbx_calloc(nblocks + 1, sizeof(*got));
	uint64_t bid, root_bid = 0, root_ib = 0;
	size_t i, n = 0;
	int rc = 0, level = -1, same = 1;

	memset(data, 0x33, sizeof(data));
	ndb_open(&ndb, MBX_PST_CRYPT_NONE);
	for (i = 0; i < nblocks && rc == 0; i++)
		rc = pst_block_write(&ndb, data, sizeof(data), (int)(i % 3 == 0), &bid);
	if (rc == 0)
		rc = pst_btree_write(&ndb, 0, &root_bid, &root_ib);
	is_int(rc, 0, "%s: %zu blocks and their BBT written", what, nblocks);
	pst_io_flush(&ndb);
	ok(bbt_walk(root_ib, root_bid, nblocks ? blocks.e[0].bid : 0, -1, got, &n, nblocks + 1, &level) == 0,
	   "%s: every BBT page valid, keys match the pages below", what);
	is_int(level, want_level, "%s: root at level %d", what, want_level);
	is_int(n, nblocks, "%s: the BBT lists every block once", what);
	for (i = 0; i < n && i < blocks.n; i++)
		if (memcmp(&got[i], &blocks.e[i], sizeof(got[i])) || got[i].cref != 2 ||
		    (i > 0 && got[i].bid <= got[i - 1].bid))
			same = 0;
	ok(same && n == blocks.n, "%s: BID, offset, size, cRef 2 of each, in BID order", what);
	is_int(ndb.nbbt, nblocks, "%s: blocks counted", what);
	mbx_free(got);
	ndb_close(&ndb);
}

/* Walk an NBT page from disk like bbt_walk: entries in order into out. */
static int nbt_walk(uint64_t ib, uint64_t bid, uint64_t key, int level, pst_nbt_ent *out, size_t *n,
                    size_t max, int *root_level)
{
	unsigned char page[PST_PAGE];
	size_t j, cnt;
	int leaf;

	if (pread_all(path, ib, page, sizeof(page)) || page[496] != PST_PTYPE_NBT || page[497] != PST_PTYPE_NBT ||
	    pst_get32(page + 500) != pst_crc(page, 496) || pst_get16(page + 498) != pst_sig(ib, bid) ||
	    pst_get64(page + 504) != bid)
		return -1;
	if (level < 0)
		*root_level = level = page[491];
	if (page[491] != level)
		return -1;
	leaf = level == 0;
	if (page[490] != (leaf ? 32 : 24) || page[489] != (leaf ? 15 : 20) || page[488] > page[489])
		return -1;
	cnt = page[488];
	if (cnt > 0 && pst_get64(page) != key)
		return -1;
	for (j = 0; j < cnt; j++) {
		if (!leaf) {
			const unsigned char *p = page + 24 * j;

			if (cnt < 2 && *root_level == level)
				return -1;
			if (nbt_walk(pst_get64(p + 16), pst_get64(p + 8), pst_get64(p), level - 1, out, n, max,
			             root_level))
				return -1;
			continue;
		}
		if (*n == max)
			return -1;
		out[*n].nid = (uint32_t)pst_get64(page + 32 * j);
		out[*n].bid_data = pst_get64(page + 32 * j + 8);
		out[*n].bid_sub = pst_get64(page + 32 * j + 16);
		out[*n].parent = pst_get32(page + 32 * j + 24);
		(*n)++;
	}
	return 0;
}

/* The NBT: `kept` folder nodes added in no order, `msgs` message nodes
 * (normal and associated) with falling NIDs, streamed as they come; read
 * the tree back from the root and find every node once, in NID order. */
static void nbt_case(size_t kept, size_t msgs, int want_level, const char *what)
{
	pst_ndb ndb;
	size_t total = kept + msgs, i, n = 0;
	pst_nbt_ent *got = mbx_calloc(total + 1, sizeof(*got));
	uint64_t root_bid = 0, root_ib = 0, first = UINT32_MAX;
	int rc = 0, level = -1, same = 1;
	size_t nk = 0, nm = 0;

	ndb_open(&ndb, MBX_PST_CRYPT_NONE);
	for (i = 0; i < kept + msgs && rc == 0; i++) {
		/* kept nodes between the messages, in a scrambled order */
		uint32_t nid;

		if (nk < kept && (i % 3 == 0 || nm == msgs)) {
			/* 11 and kept share no factor for the sizes below: a permutation */
			nid = PST_NID(PST_NID_TYPE_NORMAL_FOLDER, 0x405 + (uint32_t)((nk++ * 11) % kept));
			rc = pst_ndb_node_add(&ndb, nid, i + 4, 0, 0x122);
		} else {
			uint32_t idx = 0x2000000u - (uint32_t)nm++;

			nid = PST_NID(i % 2 ? PST_NID_TYPE_NORMAL_MESSAGE : PST_NID_TYPE_ASSOC_MESSAGE, idx);
			rc = pst_ndb_node_add(&ndb, nid, idx * 4, idx * 8, 0x8022);
		}
		if (nid < first)
			first = nid;
	}
	if (rc == 0)
		rc = pst_btree_write(&ndb, 1, &root_bid, &root_ib);
	is_int(rc, 0, "%s: %zu kept and %zu streamed nodes written", what, kept, msgs);
	is_int(ndb.nnbt, kept, "%s: only the %zu non-message nodes kept in memory", what, kept);
	pst_io_flush(&ndb);
	ok(nbt_walk(root_ib, root_bid, first, -1, got, &n, total + 1, &level) == 0,
	   "%s: every NBT page valid, keys match the pages below", what);
	is_int(level, want_level, "%s: root at level %d", what, want_level);
	is_int(n, total, "%s: the NBT lists every node once", what);
	for (i = 0; i < n; i++) {
		uint32_t t = PST_NID_TYPE(got[i].nid), idx = PST_NID_INDEX(got[i].nid);

		if (i > 0 && got[i].nid <= got[i - 1].nid)
			same = 0;
		if (t == PST_NID_TYPE_NORMAL_FOLDER ? got[i].parent != 0x122 :
		    (got[i].bid_data != (uint64_t)idx * 4 || got[i].bid_sub != (uint64_t)idx * 8 || got[i].parent != 0x8022))
			same = 0;
	}
	ok(same, "%s: in NID order, each with its own BIDs and parent", what);
	mbx_free(got);
	ndb_close(&ndb);
}

static void test_nbt_stream(void)
{
	pst_ndb ndb;
	int rc;

	nbt_case(0, 0, 0, "no nodes");
	nbt_case(3, 0, 0, "only kept nodes");
	nbt_case(1, 14, 0, "one full leaf");
	nbt_case(1, 15, 1, "a leaf and one node");
	nbt_case(5, 295, 1, "20 full leaves");
	nbt_case(5, 296, 2, "21 leaves");
	nbt_case(7, 480 * 3 + 1, 2, "three batches of leaves and one node");
	nbt_case(0, 6000, 2, "400 full leaves");
	nbt_case(40, 5961, 3, "401 leaves");
	ndb_open(&ndb, MBX_PST_CRYPT_NONE);
	pst_ndb_node_add(&ndb, PST_NID(PST_NID_TYPE_NORMAL_MESSAGE, 0x1000), 4, 0, 0x8022);
	rc = pst_ndb_node_add(&ndb, PST_NID(PST_NID_TYPE_NORMAL_MESSAGE, 0x1001), 4, 0, 0x8022);
	ok(rc != 0 && ndb.err != 0, "a message node above the last one is refused: %s", mbx_error_last());
	ndb_close(&ndb);
	ndb_open(&ndb, MBX_PST_CRYPT_NONE);
	pst_ndb_node_add(&ndb, PST_NID(PST_NID_TYPE_NORMAL_MESSAGE, 0x1000), 4, 0, 0x8022);
	pst_ndb_node_add(&ndb, PST_NID(PST_NID_TYPE_NORMAL_FOLDER, 0x1001), 4, 0, 0x122);
	{
		uint64_t b, i;
		rc = pst_btree_write(&ndb, 1, &b, &i);
	}
	ok(rc != 0, "a kept node above the streamed messages is refused at close");
	ndb_close(&ndb);
}

static void test_bbt_stream(void)
{
	bbt_case(0, 0, "empty");
	bbt_case(19, 0, "one partial leaf");
	bbt_case(20, 0, "one full leaf");
	bbt_case(21, 1, "a leaf and a bit");
	bbt_case(400, 1, "20 full leaves");
	bbt_case(401, 2, "21 leaves");
	bbt_case(8000, 2, "400 full leaves");
	bbt_case(8001, 3, "401 leaves");
}

int main(void)
{
	snprintf(path, sizeof(path), "%s/t_pst_ndb.%d.pst", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
	         (int)getpid());
	test_crc();
	test_header();
	test_permute_sig();
	test_layout();
	test_blocks();
	test_subnodes();
	test_btree_amap();
	test_bbt_stream();
	test_nbt_stream();
	mbx_free(blocks.e);
	return tap_done();
}
