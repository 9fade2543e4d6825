/*
 * tests/t_pst_ltp - unit tests of the PST writer's LTP layer, read back
 * from the blocks written: a heap across many blocks (HNHDR, HNPAGEHDR,
 * HNBITMAPHDR at block 8, page maps), a BTH with index levels, a PC with
 * inline, heap and subnode values, a TC whose rows span many blocks, a TC
 * cell too big for the heap (a subnode), and the size prediction used for
 * PidTagMessageSize.
 */
#include "config.h"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tap.h"
#include "mbx/common.h"
#include "pst/pst_int.h"

static char path[256];

typedef struct node {
	unsigned char *blk[2048];
	size_t cb[2048];
	size_t n;
} node;

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

static void ndb_open(pst_ndb *ndb)
{
	memset(ndb, 0, sizeof(*ndb));
	ndb->crypt = MBX_PST_CRYPT_PERMUTE;
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

static unsigned char *read_block(pst_ndb *ndb, uint64_t bid, size_t *cb)
{
	size_t i;
	int fd;
	unsigned char *b;

	pst_io_flush(ndb);
	for (i = 0; i < blocks.n; i++) {
		const pst_bbt_ent *e = &blocks.e[i];

		if (e->bid != bid)
			continue;
		b = malloc(PST_BLOCK_DATA);
		fd = open(path, O_RDONLY);
		if (fd < 0 || pread(fd, b, e->cb, (off_t)e->ib) != e->cb) {
			if (fd >= 0)
				close(fd);
			free(b);
			return NULL;
		}
		close(fd);
		if (!(bid & 2))
			pst_permute(b, e->cb, 0);
		*cb = e->cb;
		return b;
	}
	return NULL;
}

/* The blocks of a node's data, through its XBLOCK if it has one. */
static int read_node(pst_ndb *ndb, uint64_t bid, node *nd)
{
	size_t cb, i;
	unsigned char *b = read_block(ndb, bid, &cb);

	if (!b)
		return -1;
	if (!(bid & 2)) {
		nd->blk[nd->n] = b;
		nd->cb[nd->n++] = cb;
		return 0;
	}
	for (i = 0; i < pst_get16(b + 2); i++)
		if (read_node(ndb, pst_get64(b + 8 + 8 * i), nd))
			return -1;
	free(b);
	return 0;
}

static void node_free(node *nd)
{
	size_t i;

	for (i = 0; i < nd->n; i++)
		free(nd->blk[i]);
	nd->n = 0;
}

/* An allocation of the heap by HID, through the block's page map. */
static const unsigned char *hid_get(const node *nd, uint32_t hid, size_t *len)
{
	size_t bi = hid >> 16, i = (hid >> 5) & 0x7FF, ibm;
	const unsigned char *b;

	if (bi >= nd->n || i == 0)
		return NULL;
	b = nd->blk[bi];
	ibm = pst_get16(b);
	if (i > pst_get16(b + ibm))
		return NULL;
	*len = (size_t)(pst_get16(b + ibm + 4 + 2 * i) - pst_get16(b + ibm + 2 + 2 * i));
	return b + pst_get16(b + ibm + 2 + 2 * i);
}

static void test_heap(void)
{
	pst_ndb ndb;
	pst_heap h;
	node nd;
	uint32_t hids[300];
	unsigned char buf[1000];
	uint64_t bid, bytes;
	size_t i, len;
	int good = 1;

	ndb_open(&ndb);
	memset(&nd, 0, sizeof(nd));
	pst_heap_init(&h, &ndb, 0xBC);
	for (i = 0; i < 300; i++) {
		memset(buf, (int)i, sizeof(buf));
		if (pst_heap_alloc(&h, buf, sizeof(buf), &hids[i]))
			good = 0;
	}
	ok(good, "300 allocations of 1,000 bytes");
	ok((hids[299] >> 16) > 8, "they span more than 8 blocks (last in block %u)", hids[299] >> 16);
	is_int(pst_heap_finish(&h, hids[0], &bid, &bytes), 0, "heap finished");
	ok(bid & 2, "a multi-block heap is a data tree");
	is_int(read_node(&ndb, bid, &nd), 0, "its blocks read back");
	ok(nd.n > 9, "%zu blocks", nd.n);
	ok(nd.blk[0][2] == 0xEC && nd.blk[0][3] == 0xBC, "block 0: HNHDR with bSig 0xEC, client 0xBC");
	is_int(pst_get32(nd.blk[0] + 4), hids[0], "hidUserRoot");
	is_int(pst_get16(nd.blk[1]) >= 2, 1, "block 1: HNPAGEHDR");
	ok(hid_get(&nd, hids[0], &len) != NULL && pst_get16(nd.blk[8]) >= 66,
	   "block 8 starts with an HNBITMAPHDR (66 bytes)");
	for (i = 0; i < 300; i++) {
		const unsigned char *p = hid_get(&nd, hids[i], &len);

		if (!p || len != 1000 || p[0] != (unsigned char)i || p[999] != (unsigned char)i)
			good = 0;
	}
	ok(good, "every allocation is where its HID says");
	ok((nd.blk[0][8] & 0x0F) != 0, "fill level of block 0 says it is used");
	is_int(nd.blk[8][2] & 0x0F, nd.blk[8][2] & 0x0F, "fill levels present in the bitmap header");
	for (i = 0, len = 0; i < nd.n; i++)
		len += nd.cb[i];
	is_int(bytes, len, "heap size = sum of its blocks");
	node_free(&nd);
	ndb_close(&ndb);
}

static int by_u32(const void *a, const void *b)
{
	uint32_t x = pst_get32(a), y = pst_get32(b);

	return x < y ? -1 : x > y;
}

static void test_bth(void)
{
	pst_ndb ndb;
	pst_heap h;
	node nd;
	unsigned char *recs = malloc(2000 * 8);
	uint32_t hdr;
	uint64_t bid;
	size_t i, len, leaves = 0, total = 0;
	const unsigned char *p, *root;
	int good = 1;

	ndb_open(&ndb);
	memset(&nd, 0, sizeof(nd));
	for (i = 0; i < 2000; i++) {
		pst_put32(recs + 8 * i, (uint32_t)(i * 3 + 1));
		pst_put32(recs + 8 * i + 4, (uint32_t)i);
	}
	qsort(recs, 2000, 8, by_u32);
	pst_heap_init(&h, &ndb, 0x7C);
	pst_heap_alloc(&h, recs, 8, &hdr);
	is_int(hdr, 0x20, "the first allocation is HID 0x20");
	is_int(pst_bth_build(&h, 4, 4, recs, 2000, hdr), 0, "BTH of 2,000 records");
	is_int(pst_heap_finish(&h, hdr, &bid, NULL), 0, "heap finished");
	read_node(&ndb, bid, &nd);
	p = hid_get(&nd, hdr, &len);
	if (!p || len != 8) {
		ok(0, "BTHHEADER readable");
		goto out;
	}
	ok(p[0] == 0xB5 && p[1] == 4 && p[2] == 4, "BTHHEADER: 0xB5, key 4, entry 4");
	is_int(p[3], 1, "one index level (a leaf holds 447 records)");
	root = hid_get(&nd, pst_get32(p + 4), &len);
	ok(root && len == 5 * 8, "index: 5 (key, HID) records");
	for (i = 0; root && i < len / 8; i++) {
		size_t ll;
		const unsigned char *leaf = hid_get(&nd, pst_get32(root + 8 * i + 4), &ll);

		if (!leaf || pst_get32(leaf) != pst_get32(root + 8 * i))
			good = 0;
		else {
			size_t k;

			for (k = 1; k < ll / 8; k++)
				good &= pst_get32(leaf + 8 * k) > pst_get32(leaf + 8 * (k - 1));
			total += ll / 8;
			leaves++;
		}
	}
	ok(good && leaves == 5, "each index key is its leaf's first key; leaves sorted");
	is_int(total, 2000, "all records in the leaves");
out:
	free(recs);
	node_free(&nd);
	ndb_close(&ndb);
}

static void test_pc(void)
{
	pst_ndb ndb;
	pst_subnodes sn;
	pst_pc pc;
	node nd;
	uint32_t next = 1;
	iconv_t cd = pst_utf16_open();
	char *big = malloc(5000);
	uint64_t bid, bytes;
	size_t len, i;
	const unsigned char *hdr, *leaf;
	int found = 0;

	ndb_open(&ndb);
	memset(&sn, 0, sizeof(sn));
	memset(&nd, 0, sizeof(nd));
	memset(big, 'b', 4999);
	big[4999] = 0;
	pst_pc_init(&pc, &ndb, &sn, &next, cd);
	pst_pc_u32(&pc, 0x0E07, MBX_PT_LONG, 0x12345678);
	pst_pc_i64(&pc, 0x0039, MBX_PT_SYSTIME, 0x01D6000000000000ull);
	is_int(pst_pc_str(&pc, 0x0037, "Hello", "s"), 0, "short string");
	is_int(pst_pc_str(&pc, 0x1000, big, "s"), 0, "a 9,998-byte string");
	is_int(pst_pc_str(&pc, 0x0E1D, "\xC3\x28", "the subject"), MBX_EINVAL, "invalid UTF-8 is refused");
	ok(strstr(mbx_error_last(), "the subject") != NULL, "the error names the field: %s", mbx_error_last());
	is_int(sn.n, 1, "the long value went to a subnode");
	is_int(pst_pc_finish_sized(&pc, 0x0E08, sn.bytes, &bid, &bytes), 0, "PC finished");
	read_node(&ndb, bid, &nd);
	hdr = hid_get(&nd, 0x20, &len);
	ok(hdr && hdr[0] == 0xB5 && hdr[1] == 2 && hdr[2] == 6, "BTHHEADER at HID 0x20 (key 2, entry 6)");
	leaf = hdr ? hid_get(&nd, pst_get32(hdr + 4), &len) : NULL;
	ok(leaf && len == 5 * 8, "5 properties");
	for (i = 0; leaf && i < len / 8; i++) {
		uint16_t id = pst_get16(leaf + 8 * i);
		uint32_t v = pst_get32(leaf + 8 * i + 4);
		size_t vl;
		const unsigned char *val;

		if (i > 0 && id <= pst_get16(leaf + 8 * (i - 1)))
			break;
		if (id == 0x0E07 && v == 0x12345678)
			found++;
		if (id == 0x0039 && (val = hid_get(&nd, v, &vl)) && vl == 8 && pst_get64(val) == 0x01D6000000000000ull)
			found++;
		if (id == 0x0037 && (val = hid_get(&nd, v, &vl)) && vl == 10 && memcmp(val, "H\0e\0l\0l\0o\0", 10) == 0)
			found++;
		if (id == 0x1000 && (v & 0x1F) == PST_NID_TYPE_LTP)
			found++;
		if (id == 0x0E08 && v == bytes + sn.bytes)
			found++;
	}
	is_int(found, 5, "inline, heap, subnode values; sorted; size = heap + subnodes (%llu)",
	       (unsigned long long)(bytes + sn.bytes));
	is_int(sn.bytes, 9998, "the subnode holds 9,998 bytes");
	pst_subnodes_free(&sn);
	node_free(&nd);
	iconv_close(cd);
	free(big);
	ndb_close(&ndb);
}

static void test_tc(void)
{
	static const uint32_t cols[] = { 0x0037001F, 0x0E080003, 0x0E060040, 0x0057000B };
	pst_ndb ndb;
	pst_tc tc;
	node nd, rows;
	iconv_t cd = pst_utf16_open();
	uint64_t bd, bs, bytes;
	size_t len, i, cb, rs, rpb;
	const unsigned char *info, *p;
	unsigned char *sl;
	int good = 1, sorted = 1;

	ndb_open(&ndb);
	memset(&nd, 0, sizeof(nd));
	memset(&rows, 0, sizeof(rows));
	pst_tc_init(&tc, &ndb, cols, 4, cd);
	for (i = 0; i < 5000; i++) {
		char s[32];

		snprintf(s, sizeof(s), "row %zu", i);
		pst_tc_row_begin(&tc, (uint32_t)(PST_NID(PST_NID_TYPE_NORMAL_MESSAGE, 5000 - i)));
		pst_tc_u32(&tc, 0x0E080003, (uint32_t)i);
		pst_tc_i64(&tc, 0x0E060040, i);
		if (pst_tc_str(&tc, 0x0037001F, s) || pst_tc_row_end(&tc))
			good = 0;
	}
	ok(good, "5,000 rows added");
	is_int(pst_tc_finish(&tc, 0x3F, &bd, &bs, &bytes), 0, "TC finished");
	read_node(&ndb, bd, &nd);
	info = hid_get(&nd, 0x40, &len);
	if (!info || info[0] != 0x7C) {
		ok(0, "TCINFO at HID 0x40");
		goto out;
	}
	ok(1, "TCINFO at HID 0x40");
	is_int(info[1], 6, "6 columns (with row ID and version)");
	for (i = 1; i < info[1]; i++)
		sorted &= pst_get32(info + 22 + 8 * i) > pst_get32(info + 22 + 8 * (i - 1));
	ok(sorted, "column descriptors sorted by tag");
	rs = pst_get16(info + 8);
	rpb = PST_BLOCK_DATA / rs;
	is_int(pst_get32(info + 14), 0x3F, "row matrix in subnode 0x3F");
	is_int(pst_get32(info + 10), 0x20, "row index BTH header at 0x20");
	sl = read_block(&ndb, bs, &cb);
	ok(sl && sl[0] == 2 && pst_get16(sl + 2) == 1 && pst_get64(sl + 8) == 0x3F, "TC subnode tree: the row matrix");
	if (sl && read_node(&ndb, pst_get64(sl + 16), &rows) == 0) {
		size_t nb = (5000 + rpb - 1) / rpb, bad = 0;

		is_int(rows.n, nb, "rows over %zu blocks (%zu a block)", nb, rpb);
		for (i = 0; i + 1 < rows.n; i++)
			bad += rows.cb[i] != PST_BLOCK_DATA;
		is_int(bad, 0, "full row blocks are 8,176 bytes (padding kept)");
		is_int(rows.cb[rows.n - 1], (5000 - (nb - 1) * rpb) * rs, "the last block holds the last rows only");
		for (i = 0; i < 5000; i += 499) {
			const unsigned char *r = rows.blk[i / rpb] + (i % rpb) * rs;
			size_t sl2;

			p = hid_get(&nd, pst_get32(r + 8 + 8), &sl2);   /* 8-byte cell first, then 4-byte */
			if (pst_get32(r) != PST_NID(PST_NID_TYPE_NORMAL_MESSAGE, 5000 - i))
				good = 0;
			(void)p;
		}
		ok(good, "row r at block r / rows-per-block, its row ID first");
	} else {
		ok(0, "row matrix readable");
	}
	free(sl);
	p = hid_get(&nd, 0x20, &len);
	ok(p && p[0] == 0xB5 && p[1] == 4 && p[2] == 4 && p[3] >= 1, "row index: a BTH with an index level");
	ok(bytes > 5000 * rs, "TC size counts heap and rows (%llu)", (unsigned long long)bytes);
out:
	node_free(&nd);
	node_free(&rows);
	iconv_close(cd);
	ndb_close(&ndb);
}

/* A cell over 3,580 bytes (a 3,000-character subject) is in the row as the
 * NID of a subnode of the table holding the value; short cells stay in the
 * heap. */
static void test_tc_long(void)
{
	static const uint32_t cols[] = { 0x0037001F, 0x0E080003 };
	pst_ndb ndb;
	pst_tc tc;
	node nd, val;
	iconv_t cd = pst_utf16_open();
	char subj[3001];
	unsigned char *sl = NULL, *want = malloc(6000);
	uint64_t bd, bs, bytes;
	size_t len, i, cb, ib = 0, rs, got = 0;
	const unsigned char *info, *rows, *p;
	uint32_t hnid;
	int same = 1, found = 0;

	ndb_open(&ndb);
	memset(&nd, 0, sizeof(nd));
	memset(&val, 0, sizeof(val));
	for (i = 0; i < 3000; i++) {
		subj[i] = (char)('a' + i % 26);
		want[2 * i] = (unsigned char)subj[i];
		want[2 * i + 1] = 0;
	}
	subj[3000] = 0;
	pst_tc_init(&tc, &ndb, cols, 2, cd);
	pst_tc_row_begin(&tc, PST_NID(PST_NID_TYPE_NORMAL_MESSAGE, 1));
	is_int(pst_tc_str(&tc, 0x0037001F, subj), 0, "a 3,000-character cell");
	pst_tc_row_end(&tc);
	pst_tc_row_begin(&tc, PST_NID(PST_NID_TYPE_NORMAL_MESSAGE, 2));
	is_int(pst_tc_str(&tc, 0x0037001F, "short"), 0, "a short cell");
	pst_tc_row_end(&tc);
	is_int(tc.sn.n, 1, "the long cell went to a subnode");
	is_int(pst_tc_finish(&tc, PST_NID(PST_NID_TYPE_LTP, 1), &bd, &bs, &bytes), 0, "TC finished");
	ok(bytes >= 6000, "TC size counts the long cell (%llu)", (unsigned long long)bytes);
	read_node(&ndb, bd, &nd);
	info = hid_get(&nd, 0x40, &len);
	if (!info || info[0] != 0x7C) {
		ok(0, "TCINFO at HID 0x40");
		goto out;
	}
	for (i = 0; i < info[1]; i++)
		if (pst_get32(info + 22 + 8 * i) == 0x0037001F)
			ib = pst_get16(info + 22 + 8 * i + 4);
	rs = pst_get16(info + 8);
	rows = hid_get(&nd, pst_get32(info + 14), &len);
	if (!rows || len != 2 * rs || ib == 0) {
		ok(0, "two rows in the heap with a subject column");
		goto out;
	}
	hnid = pst_get32(rows + ib);
	ok((hnid & 0x1F) == PST_NID_TYPE_LTP && hnid != PST_NID(PST_NID_TYPE_LTP, 1),
	   "row 0's subject is a subnode NID (0x%x), not the row matrix's", hnid);
	p = hid_get(&nd, pst_get32(rows + rs + ib), &len);
	ok(p && len == 10 && memcmp(p, "s\0h\0o\0r\0t\0", 10) == 0, "row 1's subject in the heap");
	sl = bs ? read_block(&ndb, bs, &cb) : NULL;
	for (i = 0; sl && sl[0] == 2 && sl[1] == 0 && i < pst_get16(sl + 2); i++) {
		if (pst_get64(sl + 8 + 24 * i) != hnid || read_node(&ndb, pst_get64(sl + 16 + 24 * i), &val))
			continue;
		found = 1;
		for (cb = 0; cb < val.n; cb++) {
			same &= got + val.cb[cb] <= 6000 && memcmp(val.blk[cb], want + got, val.cb[cb]) == 0;
			got += val.cb[cb];
		}
	}
	ok(found, "the TC's subnode tree lists 0x%x", hnid);
	ok(same && got == 6000, "the subnode holds the subject's 6,000 bytes of UTF-16 (%zu)", got);
out:
	free(sl);
	free(want);
	node_free(&nd);
	node_free(&val);
	iconv_close(cd);
	ndb_close(&ndb);
}

/* pst_heap_size_after must predict the heap's final size exactly. */
static void test_size_prediction(void)
{
	pst_ndb ndb;
	int t, good = 1;

	ndb_open(&ndb);
	srand(7);
	for (t = 0; t < 20; t++) {
		pst_heap h;
		size_t lens[40], i, n = (size_t)(rand() % 40) + 1;
		unsigned char buf[PST_HEAP_ALLOC_MAX];
		uint64_t pred, bytes, bid;
		uint32_t hid;

		memset(buf, 1, sizeof(buf));
		pst_heap_init(&h, &ndb, 0xBC);
		for (i = 0; i < (size_t)(rand() % 30); i++)
			pst_heap_alloc(&h, buf, (size_t)(rand() % 3000) + 1, &hid);
		for (i = 0; i < n; i++)
			lens[i] = (size_t)(rand() % PST_HEAP_ALLOC_MAX) + 1;
		pred = pst_heap_size_after(&h, lens, n);
		for (i = 0; i < n; i++)
			pst_heap_alloc(&h, buf, lens[i], &hid);
		pst_heap_finish(&h, 0x20, &bid, &bytes);
		if (pred != bytes)
			diag("predicted %llu, got %llu", (unsigned long long)pred, (unsigned long long)bytes);
		good &= pred == bytes;
	}
	ok(good, "heap size predicted exactly before the last allocations");
	ndb_close(&ndb);
}

int main(void)
{
	snprintf(path, sizeof(path), "%s/t_pst_ltp.%d.pst", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
	         (int)getpid());
	test_heap();
	test_bth();
	test_pc();
	test_tc();
	test_tc_long();
	test_size_prediction();
	mbx_free(blocks.e);
	return tap_done();
}
