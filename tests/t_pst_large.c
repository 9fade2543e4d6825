/*
 * tests/t_pst_large - the writer at scale (`make check-large`, not `make
 * check`): a folder of 100,000 messages, a 100 MB attachment and a file
 * over 4 GB (past the first FPMap at ~2 GB and 32-bit offsets), each read
 * back by libpst (tests/pstdesc-libpst) and `mbxrescue pst-check
 * --strict`, with the writer's peak memory kept under 64 MB.
 *
 * Needs about 5 GB in $TMPDIR (default /tmp).  Environment as make check:
 * MBX, top_builddir.
 */
#include "config.h"
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include "tap.h"
#include "mbx/pst.h"

#define RSS_LIMIT_KB (64 * 1024)

static char dir[256];

static long peak_rss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static void fill(unsigned char *p, size_t n, uint32_t *x)
{
	size_t i;

	for (i = 0; i < n; i++) {
		*x = *x * 1103515245u + 12345u;
		p[i] = (unsigned char)(*x >> 16);
	}
}

static mbx_pst *create(const char *path)
{
	mbx_pst_opts o;
	mbx_pst *pst;

	mbx_pst_opts_init(&o);
	o.fsync = 0;
	if (mbx_pst_create(&pst, path, &o) != 0) {
		printf("Bail out! %s\n", mbx_error_last());
		exit(1);
	}
	return pst;
}

/* Run a shell command, return its first output line (or "" on failure). */
static void run(const char *cmd, char *out, size_t n)
{
	FILE *f = popen(cmd, "r");

	out[0] = 0;
	if (!f)
		return;
	if (!fgets(out, (int)n, f))
		out[0] = 0;
	out[strcspn(out, "\n")] = 0;
	pclose(f);
}

/* libpst's description and pst-check of a file: the M count (want_msgs
 * >= 0) and the A line's "size sha" of the given attachment name. */
static void readers(const char *path, long want_msgs, const char *att, const char *att_want)
{
	const char *mbx = getenv("MBX"), *bd = getenv("top_builddir");
	char cmd[1024], out[512];
	const char *got = out;   /* a pointer: tap.h tests it for NULL */

	if (!mbx || !bd) {
		ok(1, "# SKIP MBX/top_builddir unset: readers not run on %s", path);
		return;
	}
	if (want_msgs >= 0) {
		snprintf(cmd, sizeof(cmd), "'%s/tests/pstdesc-libpst' '%s' | grep -c '^M'", bd, path);
		run(cmd, out, sizeof(out));
		is_int(atol(out), want_msgs, "libpst reads every message of %s", strrchr(path, '/') + 1);
	}
	if (att) {
		snprintf(cmd, sizeof(cmd), "'%s/tests/pstdesc-libpst' '%s' | awk -F'\\t' '$1 == \"A\" && $4 == \"%s\" { print $5 \" \" $6; exit }'",
		         bd, path, att);
		run(cmd, out, sizeof(out));
		is_str(got, att_want, "libpst reads %s back byte for byte", att);
	}
	if (want_msgs < 0)
		return;
	snprintf(cmd, sizeof(cmd), "'%s' pst-check -q --strict '%s' >/dev/null 2>&1; echo $?", mbx, path);
	run(cmd, out, sizeof(out));
	is_str(got, "0", "pst-check --strict is clean on %s", strrchr(path, '/') + 1);
}

static void many_messages(void)
{
	char path[300];
	mbx_pst *pst = NULL;
	mbx_pst_nid f;
	long i;
	int rc = 0;

	snprintf(path, sizeof(path), "%s/many.pst", dir);
	pst = create(path);
	rc = mbx_pst_folder_add(pst, mbx_pst_top_folder(pst), "Bulk", NULL, &f);
	for (i = 0; rc == 0 && i < 100000; i++) {
		mbx_pst_message_props p;
		mbx_pst_msg *m;
		mbx_pst_recipient r = { 1, "Someone", "someone@example.com", NULL, NULL };
		char subject[64];

		snprintf(subject, sizeof(subject), "Message %ld", i);
		memset(&p, 0, sizeof(p));
		p.subject = subject;
		p.sender_name = "Sender";
		p.sender_address = "sender@example.com";
		p.body = "A short body.";
		p.submit_time = 1600000000 + i;
		rc = mbx_pst_message_begin(pst, f, &p, &m);
		if (rc == 0)
			rc = mbx_pst_message_add_recipient(m, &r);
		if (rc == 0)
			rc = mbx_pst_message_end(m, NULL);
	}
	if (rc == 0)
		rc = mbx_pst_close(pst);
	is_int(rc, 0, "100,000 messages in one folder written (%s)", rc ? mbx_error_last() : "ok");
	mbx_pst_free(pst);
	ok(peak_rss_kb() <= RSS_LIMIT_KB, "peak RSS %ld KB <= 64 MB", peak_rss_kb());
	readers(path, 100000, NULL, NULL);
	unlink(path);
}

/* One message with an attachment of `size` bytes, written in 1 MB chunks;
 * its "size sha256" goes to want. */
static int big_attachment(mbx_pst *pst, mbx_pst_nid f, const char *name, uint64_t size, uint32_t seed,
                          char want[100])
{
	static unsigned char chunk[1 << 20];
	mbx_pst_attach_props ap = { name, "application/octet-stream", (int64_t)size, 0, NULL };
	mbx_pst_message_props p;
	mbx_pst_msg *m;
	struct sha256_ctx c;
	uint8_t d[SHA256_DIGEST_SIZE];
	uint64_t done = 0;
	int rc, i, n;

	memset(&p, 0, sizeof(p));
	p.subject = name;
	p.body = "big attachment";
	sha256_init(&c);
	rc = mbx_pst_message_begin(pst, f, &p, &m);
	if (rc == 0)
		rc = mbx_pst_attach_begin(m, &ap);
	while (rc == 0 && done < size) {
		size_t k = size - done < sizeof(chunk) ? (size_t)(size - done) : sizeof(chunk);

		fill(chunk, k, &seed);
		sha256_update(&c, k, chunk);
		rc = mbx_pst_attach_write(m, chunk, k);
		done += k;
	}
	if (rc == 0)
		rc = mbx_pst_attach_end(m);
	if (rc == 0)
		rc = mbx_pst_message_end(m, NULL);
	sha256_digest(&c, sizeof(d), d);
	n = snprintf(want, 100, "%llu ", (unsigned long long)size);
	for (i = 0; i < SHA256_DIGEST_SIZE; i++)
		n += snprintf(want + n, (size_t)(100 - n), "%02x", d[i]);
	return rc;
}

static void attachment_100mb(void)
{
	char path[300], want[100];
	mbx_pst *pst;
	mbx_pst_nid f;
	int rc;

	snprintf(path, sizeof(path), "%s/attach.pst", dir);
	pst = create(path);
	rc = mbx_pst_folder_add(pst, mbx_pst_top_folder(pst), "Big", NULL, &f);
	if (rc == 0)
		rc = big_attachment(pst, f, "hundred.bin", 100u << 20, 1, want);
	if (rc == 0)
		rc = mbx_pst_close(pst);
	is_int(rc, 0, "a 100 MB attachment written (%s)", rc ? mbx_error_last() : "ok");
	mbx_pst_free(pst);
	ok(peak_rss_kb() <= RSS_LIMIT_KB, "peak RSS %ld KB <= 64 MB", peak_rss_kb());
	readers(path, 1, "hundred.bin", want);
	unlink(path);
}

static void file_over_4gb(void)
{
	char path[300], want[100], last[100];
	mbx_pst *pst;
	mbx_pst_nid f;
	struct stat st;
	int rc, i;

	snprintf(path, sizeof(path), "%s/huge.pst", dir);
	pst = create(path);
	rc = mbx_pst_folder_add(pst, mbx_pst_top_folder(pst), "Huge", NULL, &f);
	if (rc == 0)
		rc = big_attachment(pst, f, "first.bin", 200u << 20, 7, want);
	/* 43 more of 100 MB: past 2 GB (the first FPMap) and 4 GB */
	for (i = 0; rc == 0 && i < 43; i++) {
		char name[32];

		snprintf(name, sizeof(name), "part%02d.bin", i);
		rc = big_attachment(pst, f, name, 100u << 20, (uint32_t)(100 + i), last);
	}
	if (rc == 0)
		rc = mbx_pst_close(pst);
	is_int(rc, 0, "a file over 4 GB written (%s)", rc ? mbx_error_last() : "ok");
	mbx_pst_free(pst);
	if (stat(path, &st) != 0)
		st.st_size = 0;
	ok(st.st_size > (4ll << 30), "it is %lld bytes", (long long)st.st_size);
	ok(peak_rss_kb() <= RSS_LIMIT_KB, "peak RSS %ld KB <= 64 MB", peak_rss_kb());
	readers(path, 44, "first.bin", want);
	readers(path, -1, "part42.bin", last);
	unlink(path);
}

int main(void)
{
	snprintf(dir, sizeof(dir), "%s/t_pst_large.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir)) {
		perror(dir);
		return 1;
	}
	many_messages();
	attachment_100mb();
	file_over_4gb();
	rmdir(dir);
	return tap_done();
}
