/*
 * tests/pstprop-mk4k.c - make a 4 KiB-page OST (wVer 36, the Outlook 2013
 * layout libpff's "Personal Folder File (PFF) format" documents) from a
 * Unicode PST, for the reader's tests: no such file is at hand, so the
 * same nodes and blocks are laid out the 4 KiB way -- 4096-byte B-tree
 * pages (2-byte cEnt/cEntMax, trailer at 4072 with the CRC of 4072 bytes),
 * blocks on 512-byte boundaries with the 24-byte trailer, and each block
 * data block zlib-compressed when that makes it smaller (cb < cbInflated).
 * --compress-internal compresses XBLOCKs and SLBLOCKs too: our reader
 * inflates any block, libpff 20180714 only data blocks (it then reads no
 * data tree and no nested subnode of such a file).
 *
 *   tests/pstprop-mk4k IN.pst OUT.ost [--no-compress | --compress-internal]
 *   tests/pstprop-mk4k --unicode-ost IN.pst OUT.ost
 *
 * The second form only marks a Unicode PST as an OST (wMagicClient "SO",
 * header CRCs made right): what pst-check must recognise.
 *
 * The data is copied as stored (still encoded); a reader inflates, then
 * decodes.  AMaps are not written (the reader does not use them).
 */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include "mbx/common.h"
#include "mbx/pstprop.h"
#include "pstprop/pstprop_int.h"
#include "pstcheck/pstcheck.h"

#define PG 4096u
#define TR 24u

static void put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, v & 0xFFFF); put16(p + 2, v >> 16); }
static void put64(uint8_t *p, uint64_t v) { put32(p, (uint32_t)v); put32(p + 4, (uint32_t)(v >> 32)); }
static uint16_t sig(uint64_t ib, uint64_t bid)
{
	uint32_t y = (uint32_t)(ib ^ bid);

	return (uint16_t)((y >> 16) ^ (y & 0xFFFF));
}

static FILE *out;
static uint64_t eof = 0x22000 + PG;   /* data from after the first AMap page of a 4K file */
static uint64_t next_pbid = 0x100000;

static uint64_t put_at_end(const void *buf, size_t n, size_t align)
{
	uint64_t at = (eof + align - 1) / align * align;

	if (fseeko(out, (off_t)at, SEEK_SET) != 0 || fwrite(buf, 1, n, out) != n) {
		perror("write");
		exit(2);
	}
	eof = at + n;
	return at;
}

/* Write a B-tree page; returns its offset. */
static uint64_t page(uint8_t ptype, unsigned level, const uint8_t *ents, unsigned n, unsigned esz, uint64_t *bid)
{
	uint8_t pg[PG];
	uint64_t at;

	memset(pg, 0, sizeof(pg));
	memcpy(pg, ents, (size_t)n * esz);
	put16(pg + 4056, n);
	put16(pg + 4058, 4056 / esz);
	pg[4060] = (uint8_t)esz;
	pg[4061] = (uint8_t)level;
	*bid = next_pbid;
	next_pbid += 4;
	at = (eof + PG - 1) / PG * PG;
	pg[4072] = ptype;
	pg[4073] = ptype;
	put16(pg + 4074, sig(at, *bid));
	put32(pg + 4076, pc_crc(pg, 4072));
	put64(pg + 4080, *bid);
	put_at_end(pg, PG, PG);
	return at;
}

/* A tree of leaf entries (esz bytes, key = first 8 bytes): returns the root. */
static void tree(uint8_t ptype, const uint8_t *ents, size_t n, unsigned esz, uint64_t *rbid, uint64_t *rib)
{
	unsigned per = 4056 / esz, bper = 4056 / 24;
	size_t npages = n ? (n + per - 1) / per : 1, i;
	uint8_t *br = mbx_calloc(npages, 24);

	if (npages == 1) {
		*rib = page(ptype, 0, ents, (unsigned)n, esz, rbid);
		mbx_free(br);
		return;
	}
	if (npages > bper) {
		fprintf(stderr, "too many entries for a two-level tree\n");
		exit(2);
	}
	for (i = 0; i < npages; i++) {
		size_t k = i * per, m = n - k < per ? n - k : per;
		uint64_t b, ib = page(ptype, 0, ents + k * esz, (unsigned)m, esz, &b);

		memcpy(br + 24 * i, ents + k * esz, 8);
		put64(br + 24 * i + 8, b);
		put64(br + 24 * i + 16, ib);
	}
	*rib = page(ptype, 1, br, (unsigned)npages, 24, rbid);
	mbx_free(br);
}

int main(int argc, char **argv)
{
	mbx_pstprop *p;
	uint8_t hdr[PST_HEADER_SIZE], *bbt, *nbt, *blk, *z;
	size_t i;
	int compress = !(argc > 3 && strcmp(argv[3], "--no-compress") == 0);
	int internal = argc > 3 && strcmp(argv[3], "--compress-internal") == 0;
	uint64_t nb, ni, bb, bi;
	static const uint8_t zero[PG];

	if (argc == 4 && strcmp(argv[1], "--unicode-ost") == 0) {
		FILE *in = fopen(argv[2], "rb");
		char buf[65536];
		size_t n;

		if (!in || !(out = fopen(argv[3], "wb"))) {
			perror("open");
			return 2;
		}
		while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
			fwrite(buf, 1, n, out);
		fclose(in);
		if (fseeko(out, 0, SEEK_SET) != 0)
			return 2;
		in = fopen(argv[2], "rb");
		if (!in || fread(hdr, 1, sizeof(hdr), in) != sizeof(hdr))
			return 2;
		fclose(in);
		put16(hdr + PST_HDR_MAGIC_CLIENT, 0x4F53);
		put32(hdr + PST_HDR_CRC_PARTIAL, pc_crc(hdr + PST_HDR_MAGIC_CLIENT, PST_HDR_CRC_PARTIAL_LEN));
		put32(hdr + PST_HDR_CRC_FULL, pc_crc(hdr + PST_HDR_MAGIC_CLIENT, PST_HDR_CRC_FULL_LEN));
		if (fwrite(hdr, 1, sizeof(hdr), out) != sizeof(hdr) || fclose(out) != 0)
			return 2;
		return 0;
	}
	if (argc < 3) {
		fprintf(stderr, "usage: %s IN.pst OUT.ost [--no-compress]\n", argv[0]);
		return 2;
	}
	if (mbx_pstprop_open(&p, argv[1], 0) < 0 || p->ansi || p->k4) {
		fprintf(stderr, "%s: %s\n", argv[1], p ? "not a Unicode PST" : mbx_error_last());
		return 2;
	}
	if (!(out = fopen(argv[2], "wb"))) {
		perror(argv[2]);
		return 2;
	}
	if (pread(p->fd, hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr))
		return 2;
	bbt = mbx_calloc(p->nbbt + 1, 24);
	nbt = mbx_calloc(p->nnbt + 1, 32);
	blk = mbx_malloc(PST_BLOCK_MAX);
	z = mbx_malloc(2 * PST_BLOCK_MAX + 64);
	put_at_end(zero, PG, PG);   /* the first AMap's place */
	for (i = 0; i < p->nbbt; i++) {
		uint64_t ib = p->bbt[i].ibcb >> 16, bid = p->bbt[i].bid, at;
		uint32_t cb = (uint32_t)(p->bbt[i].ibcb & 0xFFFF), scb = cb, span;
		uLongf zl = 2 * PST_BLOCK_MAX;
		uint8_t *data = blk, *t, buf[PST_BLOCK_MAX * 2 + 1024];

		if (pread(p->fd, blk, cb, (off_t)ib) != (ssize_t)cb)
			return 2;
		if (compress && cb > 64 && (internal || !(bid & PST_BID_INTERNAL)) && compress2(z, &zl, blk, cb, 9) == Z_OK && zl < cb) {
			data = z;
			scb = (uint32_t)zl;
		}
		span = (scb + TR + 511) / 512 * 512;
		memset(buf, 0, span);
		memcpy(buf, data, scb);
		t = buf + span - TR;
		at = (eof + 511) / 512 * 512;
		put16(t, scb);
		put16(t + 2, sig(at, bid));
		put32(t + 4, pc_crc(data, scb));
		put64(t + 8, bid);
		put16(t + 18, cb);
		put_at_end(buf, span, 512);
		put64(bbt + 24 * i, bid);
		put64(bbt + 24 * i + 8, at);
		put16(bbt + 24 * i + 16, scb);
		put16(bbt + 24 * i + 18, 2);
	}
	for (i = 0; i < p->nnbt; i++) {
		put64(nbt + 32 * i, p->nbt[i].nid);
		put64(nbt + 32 * i + 8, p->nbt[i].bid_data);
		put64(nbt + 32 * i + 16, p->nbt[i].bid_sub);
		put32(nbt + 32 * i + 24, p->nbt[i].parent);
	}
	tree(PST_PTYPE_NBT, nbt, p->nnbt, 32, &nb, &ni);
	tree(PST_PTYPE_BBT, bbt, p->nbbt, 24, &bb, &bi);
	eof = (eof + PG - 1) / PG * PG;
	put16(hdr + PST_HDR_MAGIC_CLIENT, 0x4F53);   /* "SO" */
	put16(hdr + PST_HDR_VER, 36);
	put64(hdr + PST_HDR_FILE_EOF, eof);
	put64(hdr + PST_HDR_NBT_BID, nb);
	put64(hdr + PST_HDR_NBT_IB, ni);
	put64(hdr + PST_HDR_BBT_BID, bb);
	put64(hdr + PST_HDR_BBT_IB, bi);
	put64(hdr + PST_HDR_BID_NEXT_P, next_pbid);
	put32(hdr + PST_HDR_CRC_PARTIAL, pc_crc(hdr + PST_HDR_MAGIC_CLIENT, PST_HDR_CRC_PARTIAL_LEN));
	put32(hdr + PST_HDR_CRC_FULL, pc_crc(hdr + PST_HDR_MAGIC_CLIENT, PST_HDR_CRC_FULL_LEN));
	if (fseeko(out, 0, SEEK_SET) != 0 || fwrite(hdr, 1, sizeof(hdr), out) != sizeof(hdr) ||
	    ftruncate(fileno(out), (off_t)eof) != 0 || fclose(out) != 0) {
		perror(argv[2]);
		return 2;
	}
	mbx_free(bbt);
	mbx_free(nbt);
	mbx_free(blk);
	mbx_free(z);
	mbx_pstprop_free(p);
	return 0;
}
