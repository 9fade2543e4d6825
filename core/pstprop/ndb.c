/*
 * core/pstprop/ndb.c - the NDB layer of the property-level reader: the
 * HEADER of the three formats ([MS-PST] 2.2.2.6 for ANSI and Unicode;
 * the 4 KiB-page OST of Outlook 2013 as libpff's "Personal Folder File
 * (PFF) format" documents it), the NBT and BBT read once into sorted
 * arrays, and blocks read with every check: the BBT entry, the size, the
 * trailer's cb, BID and signature, the CRC, then decoding (and for 4 KiB
 * files inflation with zlib).  Data trees (XBLOCK/XXBLOCK) and subnode
 * trees (SLBLOCK/SIBLOCK) are walked depth-limited.  Nothing here reports
 * damage: a failure fills a pp_why for the caller, who knows the object.
 */
#include "config.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include "mbx/common.h"
#include "pstprop_int.h"
#include "pstcheck/pstcheck.h"
#include "pstcheck/pstcheck_crypt.h"

/* ANSI HEADER offsets ([MS-PST] 2.2.2.6, ANSI; libpff's "32-bit header data") */
#define ANSI_HDR_SIZE       512u
#define ANSI_HDR_FILE_EOF   168
#define ANSI_HDR_NBT_BID    184
#define ANSI_HDR_NBT_IB     188
#define ANSI_HDR_BBT_BID    192
#define ANSI_HDR_BBT_IB     196
#define ANSI_HDR_CRYPT      461
/* The 4 KiB-page OST (wVer 36) */
#define PST_VER_4K          36
#define K4_PAGE             4096u
#define K4_TRAILER          24u      /* cb, wSig, dwCRC, bid, 2 unknown, cbInflated, 4 unknown */
#define K4_ALIGN            512u
#define K4_BLOCK_MAX        65536u
#define MAGIC_CLIENT_OST    0x4F53   /* "SO" */
#define MAGIC_CLIENT_PAB    0x4241   /* "AB" */

uint16_t pp_le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
uint32_t pp_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
uint64_t pp_le64(const uint8_t *p) { return (uint64_t)pp_le32(p) | (uint64_t)pp_le32(p + 4) << 32; }

void pp_why_set(pp_why *w, uint64_t bid, const char *fmt, ...)
{
	va_list ap;

	if (!w)
		return;
	w->bid = bid;
	va_start(ap, fmt);
	vsnprintf(w->what, sizeof(w->what), fmt, ap);
	va_end(ap);
}

/* n bytes at off; -1 outside the file or on an I/O error. */
static int rd(mbx_pstprop *p, uint64_t off, void *buf, size_t n)
{
	size_t done = 0;

	if (off > p->size || n > p->size - off)
		return -1;
	while (done < n) {
		ssize_t r = pread(p->fd, (uint8_t *)buf + done, n - done, (off_t)(off + done));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		done += (size_t)r;
	}
	return 0;
}

static uint32_t crc(const void *buf, size_t n)
{
	return pc_crc(buf, n);
}

static uint16_t sig(uint64_t ib, uint64_t bid)
{
	uint32_t y = (uint32_t)(ib ^ bid);

	return (uint16_t)((y >> 16) ^ (y & 0xFFFF));
}

/* An id field of the format (4 bytes ANSI, 8 Unicode). */
static uint64_t idf(const mbx_pstprop *p, const uint8_t *b)
{
	return p->ansi ? pp_le32(b) : pp_le64(b);
}

/* ---- header ---------------------------------------------------------------- */

static int header(mbx_pstprop *p)
{
	uint8_t h[PST_HEADER_SIZE];
	size_t n = p->size < sizeof(h) ? (size_t)p->size : sizeof(h);
	unsigned ver, client;
	uint32_t want, got;

	memset(h, 0, sizeof(h));
	if (p->size < 24 || rd(p, 0, h, n) < 0)
		return mbx_error_set(MBX_ECORRUPT, "%s: not a PST or OST file (too short to have a header)", p->path);
	if (memcmp(h, PST_HDR_MAGIC, 4) != 0)
		return mbx_error_set(MBX_ECORRUPT, "%s: not a PST or OST file (no !BDN signature at the start)",
		                     p->path);
	ver = pp_le16(h + PST_HDR_VER);
	client = pp_le16(h + PST_HDR_MAGIC_CLIENT);
	p->info.wver = ver;
	p->info.wver_client = pp_le16(h + PST_HDR_VER_CLIENT);
	p->info.ost = client == MAGIC_CLIENT_OST;
	if (ver == 14 || ver == 15) {
		p->ansi = 1;
		p->info.format = MBX_PSTPROP_ANSI;
		p->page = PST_PAGE;
		p->page_crc = 500;   /* the ANSI PAGETRAILER follows 500 bytes of page data */
		p->bt_area = 496;
		p->bt_meta = 496;
		p->trailer = 12;
		p->align = PST_BLOCK_ALIGN;
		p->block_max = PST_BLOCK_MAX;
	} else if (ver == PST_VER_4K) {
		p->k4 = 1;
		p->info.format = MBX_PSTPROP_UNICODE_4K;
		p->info.ost = 1;
		p->page = K4_PAGE;
		p->page_crc = 4072;
		p->bt_area = 4056;
		p->bt_meta = 4056;
		p->trailer = K4_TRAILER;
		p->align = K4_ALIGN;
		p->block_max = K4_BLOCK_MAX;
	} else if (ver >= 21) {
		p->info.format = MBX_PSTPROP_UNICODE;
		p->page = PST_PAGE;
		p->page_crc = PST_PAGE_DATA;
		p->bt_area = 488;
		p->bt_meta = 488;
		p->trailer = PST_TRAILER;
		p->align = PST_BLOCK_ALIGN;
		p->block_max = PST_BLOCK_MAX;
		if (ver != PST_VER_UNICODE)
			p->info.note = "wVer is not 23: read as a Unicode file";
	} else {
		return mbx_error_set(MBX_ECORRUPT, "%s: unknown PST version %u (ANSI files have 14 or 15, Unicode 23, "
		                     "Outlook 2013 OST files 36)", p->path, ver);
	}
	if (p->ansi) {
		if (p->size < ANSI_HDR_SIZE)
			return mbx_error_set(MBX_ECORRUPT, "%s: truncated (%llu bytes; the ANSI header alone has 512)",
			                     p->path, (unsigned long long)p->size);
		want = pp_le32(h + PST_HDR_CRC_PARTIAL);
		got = crc(h + PST_HDR_MAGIC_CLIENT, PST_HDR_CRC_PARTIAL_LEN);
		p->nbt_bid = pp_le32(h + ANSI_HDR_NBT_BID);
		p->nbt_ib = pp_le32(h + ANSI_HDR_NBT_IB);
		p->bbt_bid = pp_le32(h + ANSI_HDR_BBT_BID);
		p->bbt_ib = pp_le32(h + ANSI_HDR_BBT_IB);
		p->crypt = h[ANSI_HDR_CRYPT];
	} else {
		if (p->size < PST_HEADER_SIZE)
			return mbx_error_set(MBX_ECORRUPT, "%s: truncated (%llu bytes; the header alone has 564)",
			                     p->path, (unsigned long long)p->size);
		want = pp_le32(h + PST_HDR_CRC_FULL);
		got = crc(h + PST_HDR_MAGIC_CLIENT, PST_HDR_CRC_FULL_LEN);
		p->nbt_bid = pp_le64(h + PST_HDR_NBT_BID);
		p->nbt_ib = pp_le64(h + PST_HDR_NBT_IB);
		p->bbt_bid = pp_le64(h + PST_HDR_BBT_BID);
		p->bbt_ib = pp_le64(h + PST_HDR_BBT_IB);
		p->crypt = h[PST_HDR_CRYPT];
	}
	if (want != got)
		pp_damage(p, "header", 0, 0, "header CRC 0x%08x does not match its bytes (0x%08x): the B-tree roots "
		          "may be wrong", want, got);
	p->info.crypt = p->crypt;
	if (p->crypt > PST_CRYPT_CYCLIC)
		return mbx_error_set(MBX_ECORRUPT, "%s: data encoded with method 0x%02x, which this reader does not know "
		                     "(only none, compressible and high encryption)", p->path, p->crypt);
	snprintf(p->desc, sizeof(p->desc), "%s%s (wVer %u%s)",
	         p->ansi ? "ANSI " : p->k4 ? "" : "Unicode ",
	         p->k4 ? "OST file with 4 KiB pages (Outlook 2013 and later)" :
	         p->info.ost ? "OST file" : client == MAGIC_CLIENT_PAB ? "PAB file" : "PST file", ver,
	         p->crypt == 1 ? ", compressible encoding" : p->crypt == 2 ? ", high encryption" : "");
	p->info.description = p->desc;
	return 0;
}

/* ---- B-trees --------------------------------------------------------------- */

typedef struct bt_load {
	mbx_pstprop *p;
	uint8_t ptype;
	const char *name;
	pc_set seen;
	size_t cap;
	int bad;          /* pages that could not be read */
} bt_load;

static void bt_push_nbt(bt_load *w, const uint8_t *e)
{
	mbx_pstprop *p = w->p;
	pp_nbt *n;

	if (p->nnbt == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 1024;
		p->nbt = mbx_reallocarray(p->nbt, w->cap, sizeof(*p->nbt));
	}
	n = &p->nbt[p->nnbt++];
	if (p->ansi) {
		n->nid = pp_le32(e);
		n->bid_data = pp_le32(e + 4);
		n->bid_sub = pp_le32(e + 8);
		n->parent = pp_le32(e + 12);
	} else {
		n->nid = pp_le32(e);
		n->bid_data = pp_le64(e + 8);
		n->bid_sub = pp_le64(e + 16);
		n->parent = pp_le32(e + 24);
	}
}

static void bt_push_bbt(bt_load *w, const uint8_t *e, const char *where)
{
	mbx_pstprop *p = w->p;
	uint64_t ib = idf(p, e + (p->ansi ? 4 : 8));
	unsigned cb = pp_le16(e + (p->ansi ? 8 : 16));
	pp_bbt *b;

	if (ib >> 48) {
		pp_damage(p, where, 0, idf(p, e), "block offset 0x%llx is beyond any file", (unsigned long long)ib);
		return;
	}
	if (p->nbbt == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 1024;
		p->bbt = mbx_reallocarray(p->bbt, w->cap, sizeof(*p->bbt));
	}
	b = &p->bbt[p->nbbt++];
	b->bid = idf(p, e) & ~(uint64_t)1;
	b->ibcb = ib << 16 | cb;
}

/* Read the page at (bid, ib), level `level` (-1: the root). */
static int bt_page(bt_load *w, uint64_t bid, uint64_t ib, int level, int depth)
{
	mbx_pstprop *p = w->p;
	uint8_t *pg = p->raw;
	char where[64];
	unsigned cent, cbent, clev, i, want_ent;
	const uint8_t *t;
	uint64_t tbid;
	uint32_t tcrc;

	snprintf(where, sizeof(where), "%s page at 0x%llx", w->name, (unsigned long long)ib);
	if (depth > PP_BT_DEPTH) {
		pp_damage(p, where, 0, bid, "B-tree deeper than %d levels", PP_BT_DEPTH);
		return -1;
	}
	if (rd(p, ib, pg, p->page) < 0) {
		pp_damage(p, where, 0, bid, "page lies outside the file (%llu bytes)", (unsigned long long)p->size);
		return -1;
	}
	if (!pc_set_add(&w->seen, ib)) {
		pp_damage(p, where, 0, bid, "page is reached twice (a cycle)");
		return -1;
	}
	t = pg + p->page_crc;
	if (t[0] != w->ptype || t[1] != w->ptype) {
		pp_damage(p, where, 0, bid, "page type 0x%02x/0x%02x, expected 0x%02x", t[0], t[1], w->ptype);
		return -1;
	}
	if (p->ansi) {
		tbid = pp_le32(t + 4);
		tcrc = pp_le32(t + 8);
	} else {
		tcrc = pp_le32(t + 4);
		tbid = pp_le64(t + 8);
	}
	if (crc(pg, p->page_crc) != tcrc) {
		pp_damage(p, where, 0, bid, "page CRC 0x%08x does not match its data (0x%08x)", tcrc,
		          crc(pg, p->page_crc));
		return -1;
	}
	if ((tbid & ~(uint64_t)1) != (bid & ~(uint64_t)1)) {
		pp_damage(p, where, 0, bid, "page BID 0x%llx, but its parent says 0x%llx", (unsigned long long)tbid,
		          (unsigned long long)bid);
		return -1;
	}
	if (p->k4) {
		cent = pp_le16(pg + p->bt_meta);
		cbent = pg[p->bt_meta + 4];
		clev = pg[p->bt_meta + 5];
	} else {
		cent = pg[p->bt_meta];
		cbent = pg[p->bt_meta + 2];
		clev = pg[p->bt_meta + 3];
	}
	if (level >= 0 && (int)clev != level) {
		pp_damage(p, where, 0, bid, "page level %u where its parent expects %d", clev, level);
		return -1;
	}
	if (clev > PP_BT_DEPTH) {
		pp_damage(p, where, 0, bid, "page level %u is implausible", clev);
		return -1;
	}
	want_ent = clev ? (p->ansi ? 12 : 24) : w->ptype == PST_PTYPE_NBT ? (p->ansi ? 16 : 32) : (p->ansi ? 12 : 24);
	if (cbent < want_ent || (size_t)cent * cbent > p->bt_area) {
		pp_damage(p, where, 0, bid, "%u entries of %u bytes do not fit the page", cent, cbent);
		return -1;
	}
	if (clev == 0) {
		for (i = 0; i < cent; i++) {
			if (w->ptype == PST_PTYPE_NBT)
				bt_push_nbt(w, pg + i * cbent);
			else
				bt_push_bbt(w, pg + i * cbent, where);
		}
		return 0;
	}
	/* Branch: copy the entries out, the scratch page is reused below. */
	{
		uint8_t *ents = mbx_malloc((size_t)cent * cbent + 1);

		memcpy(ents, pg, (size_t)cent * cbent);
		for (i = 0; i < cent; i++) {
			const uint8_t *e = ents + i * cbent;
			uint64_t cbid = idf(p, e + (p->ansi ? 4 : 8)), cib = idf(p, e + (p->ansi ? 8 : 16));

			if (bt_page(w, cbid, cib, (int)clev - 1, depth + 1) < 0)
				w->bad++;
		}
		mbx_free(ents);
	}
	return 0;
}

static int nbt_cmp(const void *a, const void *b)
{
	uint32_t x = ((const pp_nbt *)a)->nid, y = ((const pp_nbt *)b)->nid;

	return x < y ? -1 : x > y;
}

static int bbt_cmp(const void *a, const void *b)
{
	uint64_t x = ((const pp_bbt *)a)->bid, y = ((const pp_bbt *)b)->bid;

	return x < y ? -1 : x > y;
}

int pp_ndb_open(mbx_pstprop *p)
{
	bt_load w;
	int rc;
	size_t i, k;

	if ((rc = header(p)) < 0)
		return rc;
	p->raw = mbx_malloc(p->block_max > p->page ? p->block_max : p->page);
	memset(&w, 0, sizeof(w));
	w.p = p;
	pc_set_init(&w.seen);
	w.ptype = PST_PTYPE_NBT;
	w.name = "NBT";
	rc = bt_page(&w, p->nbt_bid, p->nbt_ib, -1, 0);
	if (rc == 0) {
		w.ptype = PST_PTYPE_BBT;
		w.name = "BBT";
		w.cap = 0;
		rc = bt_page(&w, p->bbt_bid, p->bbt_ib, -1, 0);
	}
	pc_set_free(&w.seen);
	if (rc < 0)
		return mbx_error_set(MBX_ECORRUPT, "%s: the root of the %s is unreadable (%s): nothing in the file can be "
		                     "found; pst-check tells more", p->path, w.name,
		                     p->damage.n ? p->damage.e[p->damage.n - 1].what : "damaged");
	/* Sorted already when the trees are right; sort anyway so that look-ups
	 * work on a damaged file too, and keep the first of duplicates. */
	for (i = 1; i < p->nnbt && p->nbt[i - 1].nid < p->nbt[i].nid; i++)
		;
	if (i < p->nnbt)
		qsort(p->nbt, p->nnbt, sizeof(*p->nbt), nbt_cmp);
	for (i = 1; i < p->nbbt && p->bbt[i - 1].bid < p->bbt[i].bid; i++)
		;
	if (i < p->nbbt)
		qsort(p->bbt, p->nbbt, sizeof(*p->bbt), bbt_cmp);
	for (i = k = 0; i < p->nnbt; i++)
		if (k == 0 || p->nbt[k - 1].nid != p->nbt[i].nid)
			p->nbt[k++] = p->nbt[i];
	p->nnbt = k;
	for (i = k = 0; i < p->nbbt; i++)
		if (k == 0 || p->bbt[k - 1].bid != p->bbt[i].bid)
			p->bbt[k++] = p->bbt[i];
	p->nbbt = k;
	p->info.nodes = p->nnbt;
	p->info.blocks = p->nbbt;
	return 0;
}

const pp_nbt *pp_nbt_find(const mbx_pstprop *p, uint32_t nid)
{
	size_t lo = 0, hi = p->nnbt;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->nbt[mid].nid == nid)
			return &p->nbt[mid];
		if (p->nbt[mid].nid < nid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static const pp_bbt *bbt_find(const mbx_pstprop *p, uint64_t bid)
{
	size_t lo = 0, hi = p->nbbt;

	bid &= ~(uint64_t)1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->bbt[mid].bid == bid)
			return &p->bbt[mid];
		if (p->bbt[mid].bid < bid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* ---- blocks ---------------------------------------------------------------- */

static void decode(const mbx_pstprop *p, uint8_t *data, size_t n, uint64_t bid)
{
	const uint8_t *r = pc_crypt_table, *s = pc_crypt_table + 256, *inv = pc_crypt_table + 512;
	size_t i;

	if (p->crypt == PST_CRYPT_PERMUTE) {
		for (i = 0; i < n; i++)
			data[i] = inv[data[i]];
	} else if (p->crypt == PST_CRYPT_CYCLIC) {
		uint32_t key = (uint32_t)bid;
		uint16_t w = (uint16_t)(key ^ (key >> 16));

		for (i = 0; i < n; i++, w++) {
			uint8_t b = data[i];

			b = (uint8_t)(b + (uint8_t)w);
			b = r[b];
			b = (uint8_t)(b + (uint8_t)(w >> 8));
			b = s[b];
			b = (uint8_t)(b - (uint8_t)(w >> 8));
			b = inv[b];
			data[i] = (uint8_t)(b - (uint8_t)w);
		}
	}
}

/* Inflate n bytes (zlib stream, or raw deflate) into out, exactly want bytes. */
static int inflate_block(const uint8_t *in, uint32_t n, uint8_t *out, uint32_t want)
{
	int pass;

	for (pass = 0; pass < 2; pass++) {
		z_stream z;
		int r;

		memset(&z, 0, sizeof(z));
		if (inflateInit2(&z, pass == 0 ? 15 : -15) != Z_OK)
			return -1;
		z.next_in = (Bytef *)(uintptr_t)in;
		z.avail_in = n;
		z.next_out = out;
		z.avail_out = want;
		r = inflate(&z, Z_FINISH);
		inflateEnd(&z);
		if (r == Z_STREAM_END && z.total_out == want)
			return 0;
		if (pass == 0 && r != Z_DATA_ERROR)
			return -1;
	}
	return -1;
}

static uint32_t block_span(const mbx_pstprop *p, uint32_t cb)
{
	return (cb + p->trailer + p->align - 1) / p->align * p->align;
}

int pp_block_read(mbx_pstprop *p, uint64_t bid, uint8_t *out, uint32_t *cbout, pp_why *why)
{
	const pp_bbt *b = bbt_find(p, bid);
	uint64_t ib;
	uint32_t cb, span, tcb, tcrc, infl = 0;
	uint64_t tbid;
	const uint8_t *t;

	if (!bid) {
		pp_why_set(why, bid, "BID 0 (no block)");
		return -1;
	}
	if (!b) {
		pp_why_set(why, bid, "block 0x%llx is not in the BBT", (unsigned long long)bid);
		return -1;
	}
	ib = b->ibcb >> 16;
	cb = (uint32_t)(b->ibcb & 0xFFFF);
	span = block_span(p, cb);
	if (span > p->block_max) {
		pp_why_set(why, bid, "block 0x%llx: size %u is more than a block holds", (unsigned long long)bid, cb);
		return -1;
	}
	if (rd(p, ib, p->raw, span) < 0) {
		pp_why_set(why, bid, "block 0x%llx at 0x%llx (%u bytes) lies outside the file (%llu bytes)",
		           (unsigned long long)bid, (unsigned long long)ib, span, (unsigned long long)p->size);
		return -1;
	}
	t = p->raw + span - p->trailer;
	tcb = pp_le16(t);
	if (p->ansi) {
		tbid = pp_le32(t + 4);
		tcrc = pp_le32(t + 8);
	} else {
		tcrc = pp_le32(t + 4);
		tbid = pp_le64(t + 8);
		if (p->k4)
			infl = pp_le16(t + 18);
	}
	if (tcb != cb) {
		pp_why_set(why, bid, "block 0x%llx at 0x%llx: trailer size %u, the BBT says %u", (unsigned long long)bid,
		           (unsigned long long)ib, tcb, cb);
		return -1;
	}
	if ((tbid & ~(uint64_t)1) != (bid & ~(uint64_t)1)) {
		pp_why_set(why, bid, "block 0x%llx at 0x%llx: trailer BID 0x%llx (another block's data)",
		           (unsigned long long)bid, (unsigned long long)ib, (unsigned long long)tbid);
		return -1;
	}
	if (pp_le16(t + 2) != sig(ib, b->bid)) {
		pp_why_set(why, bid, "block 0x%llx at 0x%llx: signature 0x%04x, expected 0x%04x", (unsigned long long)bid,
		           (unsigned long long)ib, pp_le16(t + 2), sig(ib, b->bid));
		return -1;
	}
	if (crc(p->raw, cb) != tcrc) {
		pp_why_set(why, bid, "block 0x%llx at 0x%llx: CRC 0x%08x does not match its data (0x%08x)",
		           (unsigned long long)bid, (unsigned long long)ib, tcrc, crc(p->raw, cb));
		return -1;
	}
	if (p->k4 && infl && infl != cb) {
		if (inflate_block(p->raw, cb, out, infl) < 0) {
			pp_why_set(why, bid, "block 0x%llx at 0x%llx: compressed data (%u bytes) does not inflate to %u",
			           (unsigned long long)bid, (unsigned long long)ib, cb, infl);
			return -1;
		}
		cb = infl;
	} else {
		memcpy(out, p->raw, cb);
	}
	if (!(bid & PST_BID_INTERNAL))
		decode(p, out, cb, bid);
	*cbout = cb;
	return 0;
}

/* ---- data trees ------------------------------------------------------------ */

typedef struct dwalk {
	mbx_pstprop *p;
	pp_block_fn fn;
	void *ud;
	uint8_t *buf[3];
	uint64_t delivered;
	pp_why *why;
	int leaves_only;      /* pp_data_leaves: do not read data blocks */
} dwalk;

static int dwalk_node(dwalk *w, uint64_t bid, int depth, int want_level)
{
	mbx_pstprop *p = w->p;
	uint8_t *buf;
	uint32_t cb, n, i, esz = p->ansi ? 4 : 8;
	uint64_t before = w->delivered;

	if (!(bid & PST_BID_INTERNAL)) {
		if (want_level > 0) {
			pp_why_set(w->why, bid, "data tree: 0x%llx is a data block where an XBLOCK is expected",
			           (unsigned long long)bid);
			return -1;
		}
		if (w->leaves_only)
			return w->fn(w->ud, bid, NULL, 0);
		if (pp_block_read(p, bid, w->buf[depth], &cb, w->why) < 0)
			return -1;
		w->delivered += cb;
		return w->fn(w->ud, bid, w->buf[depth], cb);
	}
	if (depth >= 2) {
		pp_why_set(w->why, bid, "data tree deeper than an XXBLOCK");
		return -1;
	}
	buf = w->buf[depth];
	if (pp_block_read(p, bid, buf, &cb, w->why) < 0)
		return -1;
	if (cb < 8 || buf[0] != PST_XBLOCK_BTYPE || buf[1] < 1 || buf[1] > 2 ||
	    (want_level >= 0 && buf[1] != want_level)) {
		pp_why_set(w->why, bid, "block 0x%llx is not the XBLOCK/XXBLOCK its node expects (btype %u, level %u)",
		           (unsigned long long)bid, cb ? buf[0] : 0, cb > 1 ? buf[1] : 0);
		return -1;
	}
	n = pp_le16(buf + 2);
	if (n == 0 || 8u + esz * n > cb) {
		pp_why_set(w->why, bid, "XBLOCK 0x%llx: %u entries do not fit its %u bytes", (unsigned long long)bid, n, cb);
		return -1;
	}
	{
		/* the entries, before deeper reads reuse the buffers */
		uint64_t *kids = mbx_malloc(sizeof(*kids) * n), total = pp_le32(buf + 4);
		int level = buf[1], rc = 0;

		for (i = 0; i < n; i++)
			kids[i] = p->ansi ? pp_le32(buf + 8 + 4 * i) : pp_le64(buf + 8 + 8 * i);
		for (i = 0; i < n && rc == 0; i++)
			rc = dwalk_node(w, kids[i], depth + 1, level - 1);
		mbx_free(kids);
		if (rc == 0 && !w->leaves_only && w->delivered - before != total) {
			pp_why_set(w->why, bid, "XBLOCK 0x%llx: lcbTotal %llu, but its blocks hold %llu bytes",
			           (unsigned long long)bid, (unsigned long long)total,
			           (unsigned long long)(w->delivered - before));
			return -1;
		}
		return rc;
	}
}

static int dwalk_run(mbx_pstprop *p, uint64_t bid, pp_block_fn fn, void *ud, pp_why *why, int leaves)
{
	dwalk w;
	int rc, i;

	memset(&w, 0, sizeof(w));
	w.p = p;
	w.fn = fn;
	w.ud = ud;
	w.why = why;
	w.leaves_only = leaves;
	for (i = 0; i < 3; i++)
		w.buf[i] = mbx_malloc(p->block_max);
	rc = dwalk_node(&w, bid, 0, -1);
	for (i = 0; i < 3; i++)
		mbx_free(w.buf[i]);
	return rc;
}

int pp_data_walk(mbx_pstprop *p, uint64_t bid, pp_block_fn fn, void *ud, pp_why *why)
{
	return dwalk_run(p, bid, fn, ud, why, 0);
}

typedef struct leaves {
	mbx_pstprop *p;
	uint64_t *bid;
	uint32_t *size;
	size_t n, cap;
	pp_why *why;
} leaves;

static int leaf_add(void *ud, uint64_t bid, const uint8_t *data, uint32_t cb)
{
	leaves *l = ud;
	const pp_bbt *b = bbt_find(l->p, bid);
	uint32_t size;

	(void)data;
	(void)cb;
	if (!b) {
		pp_why_set(l->why, bid, "block 0x%llx is not in the BBT", (unsigned long long)bid);
		return -1;
	}
	size = (uint32_t)(b->ibcb & 0xFFFF);
	if (l->p->k4) {
		/* the inflated size is in the trailer */
		uint8_t t[K4_TRAILER];
		uint64_t ib = b->ibcb >> 16;
		uint32_t span = block_span(l->p, size);

		if (span > l->p->block_max || rd(l->p, ib + span - K4_TRAILER, t, sizeof(t)) < 0) {
			pp_why_set(l->why, bid, "block 0x%llx lies outside the file", (unsigned long long)bid);
			return -1;
		}
		if (pp_le16(t + 18))
			size = pp_le16(t + 18);
	}
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->bid = mbx_reallocarray(l->bid, l->cap, sizeof(*l->bid));
		l->size = mbx_reallocarray(l->size, l->cap, sizeof(*l->size));
	}
	l->bid[l->n] = bid;
	l->size[l->n] = size;
	l->n++;
	return 0;
}

int pp_data_leaves(mbx_pstprop *p, uint64_t bid, uint64_t **bids, uint32_t **sizes, size_t *n, pp_why *why)
{
	leaves l;

	memset(&l, 0, sizeof(l));
	l.p = p;
	l.why = why;
	if (dwalk_run(p, bid, leaf_add, &l, why, 1) < 0) {
		mbx_free(l.bid);
		mbx_free(l.size);
		return -1;
	}
	*bids = l.bid;
	*sizes = l.size;
	*n = l.n;
	return 0;
}

typedef struct dload {
	pp_data *d;
	size_t max;
	pp_why *why;
} dload;

static int data_add(void *ud, uint64_t bid, const uint8_t *data, uint32_t cb)
{
	dload *l = ud;
	pp_data *d = l->d;

	if (d->len + cb > l->max) {
		pp_why_set(l->why, bid, "data of more than %zu bytes", l->max);
		return -1;
	}
	if (d->len + cb > d->cap) {
		d->cap = d->cap ? d->cap : 8192;
		while (d->cap < d->len + cb)
			d->cap *= 2;
		d->buf = mbx_realloc(d->buf, d->cap);
	}
	if (d->n + 2 > d->capn) {
		d->capn = d->capn ? d->capn * 2 : 8;
		d->off = mbx_reallocarray(d->off, d->capn, sizeof(*d->off));
	}
	memcpy(d->buf + d->len, data, cb);
	d->off[d->n++] = (uint32_t)d->len;
	d->len += cb;
	d->off[d->n] = (uint32_t)d->len;
	return 0;
}

int pp_data_load(mbx_pstprop *p, uint64_t bid, size_t max, pp_data *d, pp_why *why)
{
	dload l;

	memset(d, 0, sizeof(*d));
	l.d = d;
	l.max = max;
	l.why = why;
	if (pp_data_walk(p, bid, data_add, &l, why) < 0) {
		pp_data_free(d);
		return -1;
	}
	if (!d->off) {
		d->off = mbx_calloc(1, sizeof(*d->off));
	}
	return 0;
}

void pp_data_free(pp_data *d)
{
	mbx_free(d->buf);
	mbx_free(d->off);
	memset(d, 0, sizeof(*d));
}

/* ---- subnode trees --------------------------------------------------------- */

static int subs_walk(mbx_pstprop *p, uint64_t bid, int depth, pp_subs *s, size_t *cap, uint8_t *buf, pp_why *why)
{
	uint32_t cb, n, i, hdr = p->ansi ? 4 : 8, isz = p->ansi ? 4 : 8;

	if (depth > 1) {
		pp_why_set(why, bid, "subnode tree deeper than an SIBLOCK");
		return -1;
	}
	if (!(bid & PST_BID_INTERNAL)) {
		pp_why_set(why, bid, "subnode tree 0x%llx is a data block, not an SLBLOCK/SIBLOCK", (unsigned long long)bid);
		return -1;
	}
	if (pp_block_read(p, bid, buf, &cb, why) < 0)
		return -1;
	if (cb < hdr || buf[0] != PST_SLBLOCK_BTYPE || buf[1] > 1 || (depth == 1 && buf[1] != 0)) {
		pp_why_set(why, bid, "block 0x%llx is not an SLBLOCK/SIBLOCK (btype %u, level %u)", (unsigned long long)bid,
		           cb ? buf[0] : 0, cb > 1 ? buf[1] : 0);
		return -1;
	}
	n = pp_le16(buf + 2);
	if (buf[1] == 0) {
		uint32_t esz = 3 * isz;

		if (hdr + esz * n > cb) {
			pp_why_set(why, bid, "SLBLOCK 0x%llx: %u entries do not fit its %u bytes", (unsigned long long)bid, n, cb);
			return -1;
		}
		if (s->n + n > PP_SUBNODES_MAX) {
			pp_why_set(why, bid, "more than %u subnodes", PP_SUBNODES_MAX);
			return -1;
		}
		if (s->n + n > *cap) {
			while (*cap < s->n + n)
				*cap = *cap ? *cap * 2 : 16;
			s->e = mbx_reallocarray(s->e, *cap, sizeof(*s->e));
		}
		for (i = 0; i < n; i++) {
			const uint8_t *e = buf + hdr + esz * i;

			s->e[s->n].nid = pp_le32(e);
			s->e[s->n].bid_data = idf(p, e + isz);
			s->e[s->n].bid_sub = idf(p, e + 2 * isz);
			s->n++;
		}
		return 0;
	}
	if (hdr + 2 * isz * n > cb) {
		pp_why_set(why, bid, "SIBLOCK 0x%llx: %u entries do not fit its %u bytes", (unsigned long long)bid, n, cb);
		return -1;
	}
	{
		uint64_t *kids = mbx_malloc(sizeof(*kids) * (n ? n : 1));
		uint8_t *cbuf = mbx_malloc(p->block_max);
		int rc = 0;

		for (i = 0; i < n; i++)
			kids[i] = idf(p, buf + hdr + 2 * isz * i + isz);
		for (i = 0; i < n && rc == 0; i++)
			rc = subs_walk(p, kids[i], depth + 1, s, cap, cbuf, why);
		mbx_free(cbuf);
		mbx_free(kids);
		return rc;
	}
}

static int sub_cmp(const void *a, const void *b)
{
	uint32_t x = ((const pp_sub *)a)->nid, y = ((const pp_sub *)b)->nid;

	return x < y ? -1 : x > y;
}

int pp_subs_load(mbx_pstprop *p, uint64_t bid, pp_subs *s, pp_why *why)
{
	size_t cap = 0, i;
	uint8_t *buf;
	int rc;

	memset(s, 0, sizeof(*s));
	if (!bid)
		return 0;
	buf = mbx_malloc(p->block_max);
	rc = subs_walk(p, bid, 0, s, &cap, buf, why);
	mbx_free(buf);
	if (rc < 0) {
		pp_subs_free(s);
		return -1;
	}
	for (i = 1; i < s->n && s->e[i - 1].nid < s->e[i].nid; i++)
		;
	if (i < s->n)
		qsort(s->e, s->n, sizeof(*s->e), sub_cmp);
	return 0;
}

void pp_subs_free(pp_subs *s)
{
	mbx_free(s->e);
	memset(s, 0, sizeof(*s));
}

const pp_sub *pp_subs_find(const pp_subs *s, uint32_t nid)
{
	size_t lo = 0, hi = s ? s->n : 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->e[mid].nid == nid)
			return &s->e[mid];
		if (s->e[mid].nid < nid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int pp_data_size(mbx_pstprop *p, uint64_t bid, uint64_t *size, pp_why *why)
{
	uint8_t *buf;
	uint32_t cb;
	int rc = 0;

	*size = 0;
	if (!bid)
		return 0;
	if (!(bid & PST_BID_INTERNAL) && !p->k4) {
		const pp_bbt *b = bbt_find(p, bid);

		if (!b) {
			pp_why_set(why, bid, "block 0x%llx is not in the BBT", (unsigned long long)bid);
			return -1;
		}
		*size = b->ibcb & 0xFFFF;
		return 0;
	}
	buf = mbx_malloc(p->block_max);
	if (pp_block_read(p, bid, buf, &cb, why) < 0)
		rc = -1;
	else if (!(bid & PST_BID_INTERNAL))
		*size = cb;
	else if (cb < 8 || buf[0] != PST_XBLOCK_BTYPE) {
		pp_why_set(why, bid, "block 0x%llx is not an XBLOCK/XXBLOCK", (unsigned long long)bid);
		rc = -1;
	} else
		*size = pp_le32(buf + 4);
	mbx_free(buf);
	return rc;
}
