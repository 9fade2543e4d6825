/*
 * tests/t_pstprop_fuzz.c - hostile input for the property-level reader: a
 * deterministic mutation test (as tests/t_import_fuzz.c does for the
 * import) over the shared PSTs, files written through mbx/pst.h in both
 * encodings and one laid out as a 4 KiB-page OST with compressed blocks.
 * Each mutant is read whole (mbx_pstprop_dump: every folder, message,
 * recipient, attachment stream and embedded message) and must end without
 * a crash (AddressSanitizer/UBSan with --enable-asan), within a time
 * limit (no hang) and without runaway memory.
 *
 * Mutations, chosen by a fixed-seed generator:
 *   raw      1-3 bytes flipped anywhere (most end at a CRC check)
 *   block    1-4 bytes of a block's data changed and its CRC made right
 *            again, so that the heap, BTH, PC, TC and subnode parsers see
 *            the garbage (encoded like the file, so values decode as set)
 *   field    a 2- or 4-byte field of a block set to a boundary value
 *            (0, 1, 0xFF.., 0x7F.., 0x80..) with the CRC made right
 *   page     1-3 bytes of a B-tree page changed, its CRC made right
 *   truncate the file cut at a random length
 * MBX_FUZZ_N sets the number of mutants (default 4000, split over the
 * files); MBX_FUZZ_SEED the seed.
 */
#include "config.h"
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mbx/common.h"
#include "mbx/pstprop.h"
#include "pstprop/pstprop_int.h"
#include "pstcheck/pstcheck.h"
#include "pstcheck/pstcheck_crypt.h"
#include "tap.h"
#include "pstprop_testfile.h"

#define TIME_LIMIT 60   /* seconds for one mutant: far over what any takes */

static char tmpdir[] = "/tmp/t_pstprop_fuzz.XXXXXX";
static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

typedef struct blk {
	uint64_t ib;
	uint32_t cb, span;
	int external;
} blk;

typedef struct target {
	const char *name;
	char *path;            /* the working copy */
	uint8_t *orig;
	size_t size;
	int ansi, k4, crypt;
	unsigned trailer, page, page_crc;
	blk *b;
	size_t nb;
	uint64_t *pg;
	size_t npg;
} target;

static int load(target *t, const char *src)
{
	FILE *fp = fopen(src, "rb");
	struct stat sb;
	mbx_pstprop *p;
	size_t i;

	if (!fp || stat(src, &sb) != 0)
		return -1;
	t->size = (size_t)sb.st_size;
	t->orig = mbx_malloc(t->size);
	if (fread(t->orig, 1, t->size, fp) != t->size) {
		fclose(fp);
		return -1;
	}
	fclose(fp);
	if (mbx_pstprop_open(&p, src, 0) < 0)
		return -1;
	t->ansi = p->ansi;
	t->k4 = p->k4;
	t->crypt = p->crypt;
	t->trailer = p->trailer;
	t->page = p->page;
	t->page_crc = p->page_crc;
	t->b = mbx_calloc(p->nbbt + 1, sizeof(*t->b));
	for (i = 0; i < p->nbbt; i++) {
		blk *b = &t->b[t->nb];

		b->ib = p->bbt[i].ibcb >> 16;
		b->cb = (uint32_t)(p->bbt[i].ibcb & 0xFFFF);
		b->span = (b->cb + p->trailer + p->align - 1) / p->align * p->align;
		b->external = !(p->bbt[i].bid & 2);
		if (b->ib + b->span <= t->size && b->cb > 0)
			t->nb++;
	}
	mbx_pstprop_free(p);
	/* B-tree pages: page-aligned, both type bytes a B-tree's, CRC right */
	t->pg = mbx_calloc(t->size / t->page + 1, sizeof(*t->pg));
	for (i = 0; i + t->page <= t->size; i += t->page) {
		const uint8_t *pg = t->orig + i, *tr = pg + t->page_crc;
		uint32_t crc = t->ansi ? pp_le32(tr + 8) : pp_le32(tr + 4);

		if ((tr[0] == PST_PTYPE_NBT || tr[0] == PST_PTYPE_BBT) && tr[1] == tr[0] && pc_crc(pg, t->page_crc) == crc)
			t->pg[t->npg++] = i;
	}
	t->path = mbx_asprintf("%s/%s", tmpdir, t->name);
	fp = fopen(t->path, "wb");
	if (!fp || fwrite(t->orig, 1, t->size, fp) != t->size || fclose(fp) != 0)
		return -1;
	return 0;
}

typedef struct change {
	uint64_t off;
	uint8_t *old;
	size_t n;
} change;

static int fd_of(target *t)
{
	int fd = open(t->path, O_RDWR);

	if (fd < 0)
		abort();
	return fd;
}

static void put(int fd, uint64_t off, const void *buf, size_t n)
{
	if (pwrite(fd, buf, n, (off_t)off) != (ssize_t)n)
		abort();
}

/* The block's bytes as they are now in the working copy. */
static void fix_block_crc(target *t, int fd, const blk *b, const uint8_t *data)
{
	uint8_t c[4];
	uint32_t v = pc_crc(data, b->cb);
	uint64_t at = b->ib + b->span - t->trailer + (t->ansi ? 8 : 4);

	c[0] = (uint8_t)v;
	c[1] = (uint8_t)(v >> 8);
	c[2] = (uint8_t)(v >> 16);
	c[3] = (uint8_t)(v >> 24);
	put(fd, at, c, 4);
}

static const char *mutate(target *t, int fd, int *truncated)
{
	unsigned kind = (unsigned)below(100);
	uint8_t buf[65536 + 64];

	*truncated = 0;
	if (kind < 20 || t->nb == 0) {
		unsigned n = 1 + (unsigned)below(3), i;

		for (i = 0; i < n; i++) {
			uint64_t off = below(10) == 0 ? below(t->size < 600 ? t->size : 600) : below(t->size);
			uint8_t x = t->orig[off] ^ (uint8_t)(1 + below(255));

			put(fd, off, &x, 1);
		}
		return "raw";
	}
	if (kind < 60) {
		const blk *b = &t->b[below(t->nb)];
		unsigned n = 1 + (unsigned)below(4), i;

		memcpy(buf, t->orig + b->ib, b->cb);
		for (i = 0; i < n; i++)
			buf[below(b->cb)] ^= (uint8_t)(1 + below(255));
		put(fd, b->ib, buf, b->cb);
		fix_block_crc(t, fd, b, buf);
		return "block";
	}
	if (kind < 85) {
		const blk *b = &t->b[below(t->nb)];
		static const uint32_t vals[] = { 0, 1, 2, 0xFF, 0xFFFF, 0xFFFFFFFFu, 0x7FFF, 0x7FFFFFFFu, 0x8000,
		                                 0x80000000u, 0x1000, 0xFFFE, 0x20, 0x21 };
		uint32_t v = vals[below(sizeof(vals) / sizeof(vals[0]))];
		unsigned w = below(2) ? 4 : 2, i;
		uint64_t at;

		if (b->cb < w)
			return "none";
		/* structure lives at the start of a block (headers, page maps at the
		 * end of heap blocks): favour both ends */
		at = below(3) == 0 ? b->cb - w - below(b->cb - w + 1 < 16 ? b->cb - w + 1 : 16) :
		     below(3) == 0 ? below(b->cb - w + 1) : below(b->cb - w + 1 < 64 ? b->cb - w + 1 : 64);
		at &= ~(uint64_t)1;
		memcpy(buf, t->orig + b->ib, b->cb);
		for (i = 0; i < w; i++) {
			uint8_t x = (uint8_t)(v >> (8 * i));

			/* encode like the file so that the value decodes as set */
			if (b->external && t->crypt == 1 && !t->k4)
				x = pc_crypt_table[x];
			if (at + i < b->cb)
				buf[at + i] = x;
		}
		put(fd, b->ib, buf, b->cb);
		fix_block_crc(t, fd, b, buf);
		return "field";
	}
	if (kind < 95 && t->npg) {
		uint64_t ib = t->pg[below(t->npg)];
		unsigned n = 1 + (unsigned)below(3), i;
		uint32_t v;
		uint8_t c[4];

		memcpy(buf, t->orig + ib, t->page);
		for (i = 0; i < n; i++)
			buf[below(t->page_crc)] ^= (uint8_t)(1 + below(255));
		put(fd, ib, buf, t->page);
		v = pc_crc(buf, t->page_crc);
		c[0] = (uint8_t)v;
		c[1] = (uint8_t)(v >> 8);
		c[2] = (uint8_t)(v >> 16);
		c[3] = (uint8_t)(v >> 24);
		put(fd, ib + t->page_crc + (t->ansi ? 8 : 4), c, 4);
		return "page";
	}
	if (ftruncate(fd, (off_t)below(t->size)) != 0)
		abort();
	*truncated = 1;
	return "truncate";
}

static void restore(target *t, int fd, int truncated)
{
	(void)truncated;
	if (ftruncate(fd, (off_t)t->size) != 0)
		abort();
	put(fd, 0, t->orig, t->size);
}

typedef struct result {
	unsigned mutants, refused, damaged, clean;
	double slowest;
	const char *slowest_kind;
} result;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void run(target *t, unsigned n, FILE *devnull, result *r)
{
	unsigned i;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < n; i++) {
		int fd = fd_of(t), truncated;
		const char *kind = mutate(t, fd, &truncated);
		mbx_pstprop *p;
		double t0 = now(), dt;

		alarm(TIME_LIMIT);
		if (mbx_pstprop_open(&p, t->path, 0) < 0) {
			r->refused++;
		} else {
			int rc = mbx_pstprop_dump(p, devnull, 0);

			if (rc == 1 || mbx_pstprop_damage_count(p))
				r->damaged++;
			else
				r->clean++;
			mbx_pstprop_free(p);
		}
		alarm(0);
		dt = now() - t0;
		if (dt > r->slowest) {
			r->slowest = dt;
			r->slowest_kind = kind;
		}
		restore(t, fd, truncated);
		close(fd);
		r->mutants++;
	}
}

int main(void)
{
	const char *sh = getenv("MBX_SHARED"), *bd = getenv("top_builddir");
	unsigned total = getenv("MBX_FUZZ_N") ? (unsigned)strtoul(getenv("MBX_FUZZ_N"), NULL, 10) : 4000;
	uint64_t seed = getenv("MBX_FUZZ_SEED") ? strtoull(getenv("MBX_FUZZ_SEED"), NULL, 0) : 0x5eed1234abcdull;
	target t[8];
	const char *src[8];
	size_t nt = 0, i;
	char *w0, *w1, *w4 = NULL;
	FILE *devnull = fopen("/dev/null", "w");
	struct rusage ru;

	if (!mkdtemp(tmpdir) || !devnull)
		return 99;
	memset(t, 0, sizeof(t));
	w0 = mbx_asprintf("%s/written-none.src", tmpdir);
	w1 = mbx_asprintf("%s/written-permute.src", tmpdir);
	if (tf_write(w0, MBX_PST_CRYPT_NONE) < 0 || tf_write(w1, MBX_PST_CRYPT_PERMUTE) < 0) {
		printf("not ok 1 - test files written: %s\n", mbx_error_last());
		return 1;
	}
	t[nt].name = "written-none.pst";
	src[nt++] = w0;
	t[nt].name = "written-permute.pst";
	src[nt++] = w1;
	if (bd) {
		char *cmd;

		w4 = mbx_asprintf("%s/written-4k.src", tmpdir);
		cmd = mbx_asprintf("'%s/tests/pstprop-mk4k' '%s' '%s'", bd, w1, w4);
		if (system(cmd) == 0) {
			t[nt].name = "written-4k.ost";
			src[nt++] = w4;
		}
		mbx_free(cmd);
	}
	if (sh) {
		static const char *names[] = { "support.pst", "ansi-32bit.pst", "outlook-empty.pst" };

		for (i = 0; i < 3; i++) {
			char *s = mbx_asprintf("%s/testdata/pst/%s", sh, names[i]);

			if (access(s, R_OK) == 0) {
				t[nt].name = names[i];
				src[nt++] = s;
			} else {
				mbx_free(s);
			}
		}
	}
	for (i = 0; i < nt; i++) {
		result r;

		int loaded = load(&t[i], src[i]) == 0;

		if (!ok(loaded, "%s: loaded (%zu blocks, %zu B-tree pages)", t[i].name, t[i].nb, t[i].npg))
			continue;
		rng_state = seed ^ (0x9E3779B97F4A7C15ull * (i + 1));
		run(&t[i], total / nt, devnull, &r);
		ok(r.mutants == total / nt, "%s: %u mutants read without a crash or a hang: %u refused at open, %u with "
		   "damage reported, %u read clean; slowest %.3f s (%s)", t[i].name, r.mutants, r.refused, r.damaged,
		   r.clean, r.slowest, r.slowest_kind ? r.slowest_kind : "-");
		ok(r.damaged > 0, "%s: the mutants' damage is found and reported", t[i].name);
	}
	getrusage(RUSAGE_SELF, &ru);
	ok(ru.ru_maxrss < 1024 * 1024, "peak memory %ld KB: no runaway allocation", ru.ru_maxrss);
	for (i = 0; i < nt; i++) {
		mbx_free(t[i].orig);
		mbx_free(t[i].b);
		mbx_free(t[i].pg);
		mbx_free(t[i].path);
		if (src[i] != w0 && src[i] != w1 && src[i] != w4)
			mbx_free((char *)src[i]);
	}
	mbx_free(w0);
	mbx_free(w1);
	mbx_free(w4);
	fclose(devnull);
	{
		char *cmd = mbx_asprintf("rm -rf '%s'", tmpdir);

		if (system(cmd) != 0)
			diag("could not remove %s", tmpdir);
		mbx_free(cmd);
	}
	return tap_done();
}
