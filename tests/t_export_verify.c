/*
 * tests/t_export_verify.c - verify-after-write (core/export/verify.c).
 * Verification learns attachment sizes from the PST's block index instead
 * of reading every byte with libpst: an intact file must verify and give
 * the same sizes as the full read the import does, and a file whose
 * attachment data can not be read back whole (a data tree page damaged,
 * a block missing, the file truncated) must fail verification.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mbx/pst.h"
#include "export/export_int.h"
#include "pstread/pstread.h"
#include "tap.h"

static char tmpdir[] = "/tmp/t_export_verify.XXXXXX";

/* Attachment sizes: in the property heap, one data block, an XBLOCK tree,
 * an XXBLOCK tree (more than 1021 data blocks of 8176 bytes), in an
 * embedded message, and in a subfolder. */
#define SZ_HEAP 1000
#define SZ_BLOCK 6000
#define SZ_X 300000
#define SZ_XX 9000000
#define SZ_EMB 20000
#define SZ_SUB 50000

static void fill(unsigned char *p, size_t n, unsigned seed)
{
	size_t i;

	for (i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (unsigned char)(seed >> 16);
	}
}

static int attach(mbx_pst_msg *m, const char *name, size_t size)
{
	mbx_pst_attach_props ap;
	unsigned char *buf = mbx_malloc(size ? size : 1);
	size_t off;
	int rc;

	memset(&ap, 0, sizeof(ap));
	ap.filename = name;
	ap.mime_type = "application/octet-stream";
	ap.size = (int64_t)size;
	fill(buf, size, (unsigned)size);
	rc = mbx_pst_attach_begin(m, &ap);
	for (off = 0; rc == 0 && off < size; off += 65536)
		rc = mbx_pst_attach_write(m, buf + off, size - off < 65536 ? size - off : 65536);
	if (rc == 0)
		rc = mbx_pst_attach_end(m);
	mbx_free(buf);
	return rc;
}

static int message(mbx_pst *pst, mbx_pst_nid folder, const char *subject, mbx_pst_msg **out)
{
	mbx_pst_message_props p;

	memset(&p, 0, sizeof(p));
	p.subject = subject;
	p.body = "verify test";
	p.importance = 1;
	return mbx_pst_message_begin(pst, folder, &p, out);
}

/* The test PST and what verification must find in it. */
static int write_pst(const char *path, exp_expect *e, int with_xx)
{
	mbx_pst_opts o;
	mbx_pst *pst = NULL;
	mbx_pst_nid inbox, sub;
	mbx_pst_msg *m, *em;
	mbx_pst_message_props p;
	exp_expect_folder *f;
	size_t k;
	int rc;

	mbx_pst_opts_init(&o);
	o.fsync = 0;
	o.keep_temp = 1;
	o.display_name = "Verify test";
	rc = mbx_pst_create(&pst, path, &o);
	if (rc == 0)
		rc = mbx_pst_folder_add(pst, mbx_pst_top_folder(pst), "Inbox", NULL, &inbox);
	if (rc == 0)
		rc = mbx_pst_folder_add(pst, inbox, "Sub", NULL, &sub);
	if (rc == 0)
		rc = message(pst, inbox, "four sizes", &m);
	if (rc == 0)
		rc = attach(m, "heap.bin", SZ_HEAP);
	if (rc == 0)
		rc = attach(m, "block.bin", SZ_BLOCK);
	if (rc == 0)
		rc = attach(m, "x.bin", SZ_X);
	if (rc == 0 && with_xx)
		rc = attach(m, "xx.bin", SZ_XX);
	if (rc == 0)
		rc = mbx_pst_message_end(m, NULL);
	if (rc == 0)
		rc = message(pst, inbox, "embedded", &m);
	memset(&p, 0, sizeof(p));
	p.subject = "inner";
	if (rc == 0)
		rc = mbx_pst_attach_message_begin(m, "inner", &p, &em);
	if (rc == 0)
		rc = attach(em, "inner.bin", SZ_EMB);
	if (rc == 0)
		rc = mbx_pst_message_end(em, NULL);
	if (rc == 0)
		rc = mbx_pst_message_end(m, NULL);
	if (rc == 0)
		rc = message(pst, sub, "sub", &m);
	if (rc == 0)
		rc = attach(m, "sub.bin", SZ_SUB);
	if (rc == 0)
		rc = mbx_pst_message_end(m, NULL);
	if (rc == 0)
		rc = mbx_pst_close(pst);
	mbx_pst_free(pst);

	/* Embedded messages' own attachments are not counted (like the
	 * export's expectation: by-value attachments of the messages). */
	k = exp_expect_folder_at(e, "Inbox");   /* (may move e->folders) */
	f = &e->folders[k];
	f->want.messages = 2;
	f->want.attachments = 4;
	f->want.embedded = 1;
	f->want.attach_bytes = SZ_HEAP + SZ_BLOCK + SZ_X + (with_xx ? SZ_XX : 0);
	f->want.attachments -= !with_xx;
	k = exp_expect_folder_at(e, "Inbox/Sub");
	f = &e->folders[k];
	f->want.messages = 1;
	f->want.attachments = 1;
	f->want.attach_bytes = SZ_SUB;
	return rc;
}

static unsigned char *slurp(const char *path, size_t *n)
{
	struct stat sb;
	unsigned char *buf;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &sb) < 0) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	buf = mbx_malloc((size_t)sb.st_size + 1);
	*n = (size_t)read(fd, buf, (size_t)sb.st_size);
	close(fd);
	return buf;
}

static int spit(const char *path, const unsigned char *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	int ok = fd >= 0 && write(fd, p, n) == (ssize_t)n;

	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

/* Offset of the XBLOCK (level 1) or XXBLOCK (level 2) of a data tree of
 * `total` bytes: btype 0x01, cLevel, cEnt, lcbTotal ([MS-PST] 2.2.2.8.3.2). */
static long find_xblock(const unsigned char *p, size_t n, unsigned level, uint32_t total)
{
	size_t i;

	for (i = 0; i + 8 <= n; i += 64) {   /* blocks start on 64-byte boundaries */
		uint32_t t = (uint32_t)p[i + 4] | (uint32_t)p[i + 5] << 8 |
		             (uint32_t)p[i + 6] << 16 | (uint32_t)p[i + 7] << 24;
		if (p[i] == 0x01 && p[i + 1] == level && t == total)
			return (long)i;
	}
	return -1;
}

static uint64_t get_le64(const unsigned char *p)
{
	uint64_t v = 0;
	int k;

	for (k = 7; k >= 0; k--)
		v = v << 8 | p[k];
	return v;
}

static void put_le64(unsigned char *p, uint64_t v)
{
	int k;

	for (k = 0; k < 8; k++, v >>= 8)
		p[k] = (unsigned char)v;
}

/* Offset of the block B-tree leaf entry of the full data block (8176
 * bytes) whose BID is at `bid`: BREF (bid, ib), cb, cRef ([MS-PST]
 * 2.2.2.7.7.3), told from the block's trailer and the XBLOCK by an ib
 * inside the file and the cb. */
static size_t find_bbt_entry(const unsigned char *p, size_t n, const unsigned char *bid)
{
	size_t i;

	for (i = 8; i + 24 <= n; i += 8)
		if (memcmp(p + i, bid, 8) == 0 && get_le64(p + i + 8) > 0 && get_le64(p + i + 8) < n &&
		    get_le64(p + i + 8) % 64 == 0 && (p[i + 16] | p[i + 17] << 8) == 8176)
			return i;
	return 0;
}

/* Write a damaged copy: `edit` applied at `off`. */
static char *damaged(const unsigned char *orig, size_t n, const char *name, long off,
                     const unsigned char *edit, size_t len)
{
	char *path = mbx_asprintf("%s/%s", tmpdir, name);
	unsigned char *c = mbx_malloc(n);

	memcpy(c, orig, n);
	if (off >= 0)
		memcpy(c + off, edit, len);
	spit(path, c, n);
	mbx_free(c);
	return path;
}

typedef struct sizes {
	int64_t v[16];
	size_t n;
	int with_data;     /* every attachment carried its bytes */
	int bytes_ok;      /* and they were the bytes written */
} sizes;

static void collect(sizes *s, const mbx_message *m)
{
	size_t i;

	for (i = 0; i < m->n_attachments; i++) {
		const mbx_attachment *a = &m->attachments[i];
		if (a->embedded) {
			collect(s, a->embedded);
			continue;
		}
		if (s->n < 16)
			s->v[s->n++] = a->size;
		if (a->size > 0 && !a->data)
			s->with_data = 0;
		if (a->data && a->size > 0) {
			unsigned char *want = mbx_malloc((size_t)a->size);
			fill(want, (size_t)a->size, (unsigned)a->size);
			if (memcmp(want, a->data, (size_t)a->size) != 0)
				s->bytes_ok = 0;
			mbx_free(want);
		}
	}
}

static int on_msg(void *ud, int64_t folder_id, const mbx_message *m)
{
	(void)folder_id;
	collect(ud, m);
	return 0;
}

static int read_sizes(const char *path, int want_data, sizes *s, mbx_pstread_stats *st)
{
	mbx_pstread_opts o;
	mbx_pstread_cb cb = { NULL, on_msg, NULL };

	memset(s, 0, sizeof(*s));
	s->with_data = s->bytes_ok = 1;
	mbx_pstread_opts_init(&o);
	o.want_data = want_data;
	o.want_bodies = want_data;
	o.timeout_seconds = 30;
	return mbx_pstread_run(path, &o, &cb, s, st);
}

static void expect_fail(const char *path, const exp_expect *e, const char *what, const char *needle)
{
	int rc = exp_verify(path, e, NULL, NULL);
	const char *msg = mbx_error_last();

	ok(rc < 0 && (!needle || strstr(msg, needle)), "%s: verification fails (%s)", what,
	   rc < 0 ? msg : "it passed");
}

int main(void)
{
	exp_expect e;
	exp_expect_folder *in, *sub;   /* both exist: looking them up moves nothing */
	char *path, *bad, *cmp;
	size_t want_n;
	unsigned char *orig, edit[8];
	mbx_pstread_stats st;
	sizes full, quick;
	size_t n = 0, i;
	long x, xx;
	int rc;

	if (!mkdtemp(tmpdir)) {
		printf("1..0 # SKIP no temporary directory\n");
		return 77;
	}
	memset(&e, 0, sizeof(e));
	path = mbx_asprintf("%s/v.pst", tmpdir);
	rc = write_pst(path, &e, 1);
	ok(rc == 0, "test PST written (%s)", rc ? mbx_error_last() : "ok");

	rc = exp_verify(path, &e, NULL, NULL);
	ok(rc == 0, "the intact file verifies (%s)", rc ? mbx_error_last() : "ok");

	/* Sizes from the block index are the sizes the full read (import)
	 * gives.  Under the sanitizers libpst takes minutes to read the
	 * 9 MB attachment (a realloc per block): compare on a file without it. */
	if (getenv("MBX_ASAN")) {
		exp_expect small;

		memset(&small, 0, sizeof(small));
		cmp = mbx_asprintf("%s/small.pst", tmpdir);
		rc = write_pst(cmp, &small, 0);
		exp_expect_clear(&small);
		want_n = 5;
	} else {
		cmp = mbx_strdup(path);
		want_n = 6;
	}
	rc = rc == 0 ? read_sizes(cmp, 1, &full, &st) : rc;
	ok(rc == 0 && full.n == want_n && full.with_data && full.bytes_ok,
	   "full read: %zu attachments with their bytes, byte-exact (%s)", want_n,
	   rc ? mbx_error_last() : "ok");
	mbx_free(st.store_name);
	rc = read_sizes(cmp, 0, &quick, &st);
	ok(rc == 0 && quick.n == full.n && st.damaged == 0, "sizes-only read: %zu attachments, none damaged (%s)",
	   quick.n, rc ? mbx_error_last() : "ok");
	mbx_free(st.store_name);
	for (i = 0; i < full.n && i < quick.n; i++)
		is_int(quick.v[i], full.v[i], "attachment %zu: %lld bytes either way", i, (long long)full.v[i]);
	mbx_free(cmp);

	/* What the store holds differs from the file: each count is compared. */
	in = &e.folders[exp_expect_folder_at(&e, "Inbox")];
	sub = &e.folders[exp_expect_folder_at(&e, "Inbox/Sub")];
	in->want.attach_bytes++;
	expect_fail(path, &e, "one byte more expected", "bytes");
	in->want.attach_bytes--;
	sub->want.attachments++;
	expect_fail(path, &e, "one attachment more expected", "attachments");
	sub->want.attachments--;
	sub->want.messages++;
	expect_fail(path, &e, "one message more expected", "messages");
	sub->want.messages--;
	ok(exp_verify(path, &e, NULL, NULL) == 0, "and the intact file verifies again");

	/* Damaged attachment data. */
	orig = slurp(path, &n);
	ok(orig && n > SZ_XX, "read the file back (%zu bytes)", n);
	if (!orig) {
		exp_expect_clear(&e);
		return tap_done();
	}
	x = find_xblock(orig, n, 1, SZ_X);
	xx = find_xblock(orig, n, 2, SZ_XX);
	ok(x > 0 && xx > 0, "found the XBLOCK and XXBLOCK of the data trees (%ld, %ld)", x, xx);

	/* A data block of the XBLOCK that is not in the file's index. */
	memset(edit, 0, sizeof(edit));
	edit[0] = 0xF0;
	edit[3] = 0x7F;
	bad = damaged(orig, n, "nobid.pst", x + 8, edit, 8);
	expect_fail(bad, &e, "a data block missing from the index", "can not read back");
	rc = read_sizes(bad, 0, &quick, &st);
	ok(rc == 0 && st.damaged == 1, "the reader counts 1 damaged attachment (%lld)", (long long)st.damaged);
	mbx_free(st.store_name);
	mbx_free(bad);

	/* The XBLOCK's total does not match its blocks. */
	memcpy(edit, orig + x + 4, 4);
	edit[0] ^= 0x01;
	bad = damaged(orig, n, "total.pst", x + 4, edit, 4);
	expect_fail(bad, &e, "an XBLOCK whose blocks do not add up to its total", "can not read back");
	mbx_free(bad);

	/* The XXBLOCK overwritten (a disk error in the middle of the tree). */
	memset(edit, 0xFF, sizeof(edit));
	bad = damaged(orig, n, "xx.pst", xx, edit, 8);
	expect_fail(bad, &e, "an overwritten XXBLOCK", "can not read back");
	mbx_free(bad);

	/* An XXBLOCK entry pointing at a data block instead of an XBLOCK:
	 * the first data block of the 300000-byte tree. */
	memcpy(edit, orig + x + 8, 8);
	bad = damaged(orig, n, "xxleaf.pst", xx + 8, edit, 8);
	expect_fail(bad, &e, "an XXBLOCK entry that is no XBLOCK", NULL);
	mbx_free(bad);

	/* Attachment data cut off: the index places a data block of the
	 * 300000-byte tree past the end of the file. */
	i = find_bbt_entry(orig, n, orig + x + 8);
	ok(i > 0, "found the block index entry of its first data block (%zu)", i);
	put_le64(edit, (uint64_t)n + 8192);
	bad = damaged(orig, n, "past.pst", (long)i + 8, edit, 8);
	expect_fail(bad, &e, "a data block past the end of the file", "can not read back");
	mbx_free(bad);

	/* A file cut in half (a crash while it was written). */
	bad = mbx_asprintf("%s/trunc.pst", tmpdir);
	spit(bad, orig, n / 2);
	expect_fail(bad, &e, "a file cut in half", NULL);
	unlink(bad);
	mbx_free(bad);

	mbx_free(orig);
	exp_expect_clear(&e);
	{
		const char *names[] = { "small.pst", "v.pst", "nobid.pst", "total.pst", "xx.pst", "xxleaf.pst", "past.pst" };
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			char *p = mbx_asprintf("%s/%s", tmpdir, names[i]);
			unlink(p);
			mbx_free(p);
		}
	}
	rmdir(tmpdir);
	mbx_free(path);
	return tap_done();
}
