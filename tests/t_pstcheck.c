/*
 * tests/t_pstcheck.c - the strict PST validator (core/pstcheck) on real
 * Outlook files (clean) and on damaged copies: each kind of damage must be
 * reported as the right problem, and a couple hundred random mutations
 * must never crash it or make it run away.
 */
#include "config.h"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "mbx/common.h"
#include "mbx/pst.h"
#include "tap.h"

typedef struct seen {
	char text[8192];
	size_t len;
	unsigned problems;
} seen;

static void collect(void *ud, const char *where, const char *what)
{
	seen *s = ud;
	int n;

	if (strncmp(what, "note: ", 6) && strncmp(what, "warning: ", 9))
		s->problems++;
	if (s->len + 1 >= sizeof(s->text))
		return;
	n = snprintf(s->text + s->len, sizeof(s->text) - s->len, "%s: %s\n", where, what);
	if (n > 0)
		s->len += (size_t)n < sizeof(s->text) - s->len ? (size_t)n : sizeof(s->text) - s->len - 1;
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = mbx_malloc((size_t)n);
	if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		mbx_free(buf);
		return NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void spill(const char *path, const uint8_t *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(buf, 1, len, f) != len) {
		perror(path);
		exit(99);
	}
	fclose(f);
}

static uint32_t le32(const uint8_t *p) { return (uint32_t)p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t le64(const uint8_t *p) { return le32(p) | (uint64_t)le32(p + 4) << 32; }
static void put32(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24); }
static uint32_t crc(const uint8_t *b, size_t n) { return (uint32_t)crc32(0xFFFFFFFFul, b, (uInt)n) ^ 0xFFFFFFFFu; }

/* Fix a page's CRC after editing it, so that only the intended damage shows. */
static void page_recrc(uint8_t *pg) { put32(pg + 496 + 4, crc(pg, 496)); }

/* Run the checker on buf (written to path); rc and what it said. */
static int run(const char *path, const uint8_t *buf, size_t len, seen *s)
{
	mbx_pstcheck_stats st;

	memset(s, 0, sizeof(*s));
	spill(path, buf, len);
	return mbx_pstcheck_run(path, collect, s, &st);
}

static int said(const seen *s, const char *needle)
{
	return strstr(s->text, needle) != NULL;
}

/* The first leaf entry of the B-tree whose root page is at ib: follow
 * the first entry down (all test files have shallow trees). */
static size_t first_leaf_page(const uint8_t *f, size_t len, uint64_t ib)
{
	int guard = 0;

	while (ib + 512 <= len && f[ib + 491] > 0 && guard++ < 8)
		ib = le64(f + ib + 16);
	return (size_t)ib;
}

int main(void)
{
	const char *shared = getenv("MBX_SHARED");
	char empty[1024], support[1024], ansi[1024], tmp[] = "/tmp/t_pstcheck.XXXXXX", path[1100];
	uint8_t *orig, *buf;
	size_t len, slen, bbt_leaf, nbt_root;

	seen s;
	mbx_pstcheck_stats st;
	int rc, i;
	time_t t0;

	if (!shared || access(shared, R_OK) != 0)
		tap_skip_all("no ../shared test data");
	snprintf(empty, sizeof(empty), "%s/testdata/pst/outlook-empty.pst", shared);
	snprintf(support, sizeof(support), "%s/testdata/pst/support.pst", shared);
	snprintf(ansi, sizeof(ansi), "%s/testdata/pst/ansi-32bit.pst", shared);
	if (!mkdtemp(tmp))
		return 99;
	snprintf(path, sizeof(path), "%s/x.pst", tmp);

	/* Real Outlook files are clean. */
	memset(&s, 0, sizeof(s));
	rc = mbx_pstcheck_run(empty, collect, &s, &st);
	is_int(rc, 0, "outlook-empty.pst is readable");
	is_int(st.problems, 0, "outlook-empty.pst has no problems");
	if (st.problems)
		diag("%s", s.text);
	is_int(st.nodes, 47, "outlook-empty.pst: 47 NBT nodes");
	is_int(st.folders, 5, "outlook-empty.pst: 5 folders");
	memset(&s, 0, sizeof(s));
	rc = mbx_pstcheck_run(support, collect, &s, &st);
	is_int(rc, 0, "support.pst is readable");
	is_int(st.problems, 0, "support.pst has no problems");
	if (st.problems)
		diag("%s", s.text);
	ok(st.messages >= 17 && st.attachments == 2, "support.pst: %llu messages, %llu attachments",
	   (unsigned long long)st.messages, (unsigned long long)st.attachments);
	ok(said(&s, "warning: cbAMapFree"), "support.pst's stale cbAMapFree is a warning, not a problem");

	/* Not PSTs. */
	rc = mbx_pstcheck_run(ansi, collect, &s, &st);
	ok(rc < 0 && strstr(mbx_error_last(), "ANSI PST: only Unicode files are checked"),
	   "ANSI file: unreadable with a clear message (%s)", mbx_error_last());
	rc = mbx_pstcheck_run(tmp, collect, &s, &st);
	ok(rc < 0, "a directory is not a PST");
	snprintf(path, sizeof(path), "%s/none.pst", tmp);
	rc = mbx_pstcheck_run(path, collect, &s, &st);
	ok(rc < 0 && strstr(mbx_error_last(), "none.pst"), "a missing file: error names it");
	snprintf(path, sizeof(path), "%s/x.pst", tmp);

	orig = slurp(empty, &len);
	if (!orig)
		return 99;
	buf = mbx_malloc(len);
	nbt_root = (size_t)le64(orig + 224);
	bbt_leaf = first_leaf_page(orig, len, le64(orig + 240));

	/* A byte flipped inside a data block: its CRC. */
	memcpy(buf, orig, len);
	{
		const uint8_t *e = orig + bbt_leaf + 24 * 3;   /* 4th block of the BBT */
		uint64_t ib = le64(e + 8);

		buf[ib + 5] ^= 0x40;
		rc = run(path, buf, len, &s);
		ok(rc == 0 && s.problems > 0 && said(&s, "CRC") && said(&s, "block 0x"),
		   "flipped byte in a block: CRC problem named by block");
	}

	/* A byte flipped in a BT page. */
	memcpy(buf, orig, len);
	buf[nbt_root + 40] ^= 0x01;
	rc = run(path, buf, len, &s);
	ok(rc == 0 && said(&s, "NBT page at") && said(&s, "page CRC"), "flipped byte in the NBT root: page CRC");

	/* Header damage. */
	memcpy(buf, orig, len);
	buf[0x30] ^= 0x10;
	rc = run(path, buf, len, &s);
	ok(rc == 0 && said(&s, "dwCRCPartial") && said(&s, "dwCRCFull"), "flipped header byte: both CRCs");
	memcpy(buf, orig, len);
	buf[512] = 0;
	put32(buf + 4, crc(buf + 8, 471));
	put32(buf + 524, crc(buf + 8, 516));
	rc = run(path, buf, len, &s);
	ok(rc == 0 && said(&s, "bSentinel"), "bad bSentinel (CRCs fixed)");
	memcpy(buf, orig, len);
	buf[248] = 0;
	put32(buf + 4, crc(buf + 8, 471));
	put32(buf + 524, crc(buf + 8, 516));
	rc = run(path, buf, len, &s);
	ok(rc == 0 && said(&s, "fAMapValid"), "fAMapValid 0 is a problem");
	memcpy(buf, orig, len);
	memcpy(buf, "XXXX", 4);
	rc = run(path, buf, len, &s);
	ok(rc < 0 && strstr(mbx_error_last(), "not a PST"), "no !BDN: not a PST");

	/* Truncation. */
	rc = run(path, orig, 0x3000, &s);
	ok(rc < 0 && strstr(mbx_error_last(), "truncated"), "truncated to 12 KB: unreadable (%s)", mbx_error_last());
	rc = run(path, orig, len / 2, &s);
	ok(rc == 0 && said(&s, "ibFileEof") && s.problems > 1, "truncated to half: ibFileEof and more");

	/* A zeroed AMap: with its CRC fixed, the bits are the problem. */
	memcpy(buf, orig, len);
	memset(buf + 0x4400, 0, 496);
	page_recrc(buf + 0x4400);
	rc = run(path, buf, len, &s);
	ok(rc == 0 && said(&s, "in use but marked free") && said(&s, "cbAMapFree"), "zeroed AMap: used space marked free");
	memcpy(buf, orig, len);
	memset(buf + 0x4400, 0, 496);
	rc = run(path, buf, len, &s);
	ok(rc == 0 && said(&s, "AMap page at 0x4400: page CRC"), "zeroed AMap without CRC fix: page CRC");

	/* Two BBT entries swapped (page CRC fixed): key order. */
	memcpy(buf, orig, len);
	{
		uint8_t tmpe[24];

		memcpy(tmpe, buf + bbt_leaf + 24, 24);
		memcpy(buf + bbt_leaf + 24, buf + bbt_leaf + 48, 24);
		memcpy(buf + bbt_leaf + 48, tmpe, 24);
		page_recrc(buf + bbt_leaf);
		rc = run(path, buf, len, &s);
		ok(rc == 0 && said(&s, "BBT page at") && said(&s, "not greater than"), "swapped BBT entries: key order");
	}

	/* A reference count lowered to 1 (page CRC fixed). */
	memcpy(buf, orig, len);
	buf[bbt_leaf + 24 * 2 + 18] = 1;
	buf[bbt_leaf + 24 * 2 + 19] = 0;
	page_recrc(buf + bbt_leaf);
	rc = run(path, buf, len, &s);
	ok(rc == 0 && said(&s, "cRef 1"), "cRef 1 on a block in use");

	/* An NBT entry's parent changed (page CRC fixed): the folder tables disagree. */
	memcpy(buf, orig, len);
	{
		size_t pg;
		int moved = 0;

		/* Find Deleted Items (0x8062) in whichever NBT leaf page holds it
		 * and move it under the root folder. */
		for (pg = 0x4400; pg + 512 <= len && !moved; pg += 512) {
			unsigned n = buf[pg + 488], k;

			if (buf[pg + 496] != 0x81 || buf[pg + 491] != 0)
				continue;
			for (k = 0; k < n && k < 15; k++) {
				uint8_t *e = buf + pg + 32 * k;

				if (le32(e) == 0x8062) {
					put32(e + 24, 0x122);
					page_recrc(buf + pg);
					moved = 1;
					break;
				}
			}
		}
		rc = run(path, buf, len, &s);
		ok(moved && rc == 0 && said(&s, "is not in its hierarchy table") && said(&s, "has no node with this folder"),
		   "nidParent against the hierarchy tables, both directions");
		if (!(moved && rc == 0 && said(&s, "hierarchy table")))
			diag("%s", s.text);
	}

	/* Random damage: never a crash, always an answer, in bounded time. */
	mbx_free(orig);
	mbx_free(buf);
	orig = slurp(support, &slen);
	if (!orig)
		return 99;
	buf = mbx_malloc(slen);
	srand(20261123);
	t0 = time(NULL);
	{
		int found = 0, unread = 0, n = 0;

		for (i = 0; i < 200 && time(NULL) - t0 < 45; i++, n++) {
			int k, nflip = 1 + rand() % 8;

			memcpy(buf, orig, slen);
			for (k = 0; k < nflip; k++) {
				size_t at = (size_t)rand() % slen;

				if (rand() % 4 == 0)
					at = (size_t)rand() % 600;   /* the header, too */
				buf[at] = (uint8_t)rand();
			}
			rc = run(path, buf, rand() % 20 ? slen : (size_t)rand() % slen, &s);
			if (rc < 0)
				unread++;
			else if (s.problems)
				found++;
		}
		ok(n >= 100, "%d random mutations checked in %ld s without a crash", n, (long)(time(NULL) - t0));
		ok(found + unread > n / 2, "most mutations were noticed (%d problems, %d unreadable of %d)", found, unread, n);
	}
	mbx_free(orig);
	mbx_free(buf);
	unlink(path);
	rmdir(tmp);
	return tap_done();
}
