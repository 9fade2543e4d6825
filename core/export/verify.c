/* Verify-after-write: read a written PST back with libpst (in a child
 * process, core/pstread/pstread.h) and compare it with what was written.
 * Both sides count with mbx_pstread_count_message and name folders with
 * mbx_pstread_path_join. */
#include "config.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <nettle/sha2.h>
#include "pstread/pstread.h"
#include "export_int.h"

size_t exp_expect_folder_at(exp_expect *e, const char *path)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		if (strcmp(e->folders[i].path, path) == 0)
			return i;
	if (e->n == e->cap) {
		e->cap = e->cap ? e->cap * 2 : 16;
		e->folders = mbx_reallocarray(e->folders, e->cap, sizeof(*e->folders));
	}
	memset(&e->folders[e->n], 0, sizeof(e->folders[e->n]));
	e->folders[e->n].path = mbx_strdup(path);
	return e->n++;
}

void exp_expect_clear(exp_expect *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		mbx_free(e->folders[i].path);
	mbx_free(e->folders);
	memset(e, 0, sizeof(*e));
}

static int compare(const char *path, const exp_expect *e, const mbx_pstread_tally *t)
{
	size_t i, j;

	for (i = 0; i < e->n; i++) {
		const char *xpath = e->folders[i].path;
		const mbx_pstread_counts *x = &e->folders[i].want;
		const mbx_pstread_counts *g = NULL;

		for (j = 0; j < t->n; j++)
			if (strcmp(t->folders[j].path, xpath) == 0) {
				g = &t->folders[j].got;
				break;
			}
		if (!g)
			return mbx_error_set(MBX_ECORRUPT, "%s: libpst does not see folder '%s'", path, xpath);
		/* libpst does not tell associated items from normal ones in every
		 * version: compare the sum, and the split when it is reported. */
		if (g->messages + g->associated != x->messages + x->associated ||
		    (g->associated && g->associated != x->associated))
			return mbx_error_set(MBX_ECORRUPT,
			                     "%s: folder '%s' holds %lld messages for libpst, %lld were written",
			                     path, xpath, (long long)(g->messages + g->associated),
			                     (long long)(x->messages + x->associated));
		if (g->attachments != x->attachments || g->embedded != x->embedded)
			return mbx_error_set(MBX_ECORRUPT,
			                     "%s: folder '%s' holds %lld attachments and %lld embedded messages for "
			                     "libpst, %lld and %lld were written", path, xpath,
			                     (long long)g->attachments, (long long)g->embedded,
			                     (long long)x->attachments, (long long)x->embedded);
		if (g->attach_bytes != x->attach_bytes)
			return mbx_error_set(MBX_ECORRUPT,
			                     "%s: attachments of folder '%s' hold %lld bytes for libpst, %lld were written",
			                     path, xpath, (long long)g->attach_bytes, (long long)x->attach_bytes);
	}
	for (j = 0; j < t->n; j++) {
		int known = strcmp(t->folders[j].path, "Deleted Items") == 0;   /* every PST has it */

		for (i = 0; !known && i < e->n; i++)
			known = strcmp(t->folders[j].path, e->folders[i].path) == 0;
		if (!known)
			return mbx_error_set(MBX_ECORRUPT, "%s: libpst sees folder '%s' that was not written",
			                     path, t->folders[j].path);
	}
	return 0;
}

int exp_verify(const char *path, const exp_expect *e, exp_cancel_fn cancelled, void *ud)
{
	mbx_pstread_opts o;
	mbx_pstread_stats stats;
	mbx_pstread_tally t;
	int rc;

	memset(&t, 0, sizeof(t));
	memset(&stats, 0, sizeof(stats));
	t.strict = 1;
	t.cancelled = cancelled;
	t.cancel_ud = ud;
	mbx_pstread_opts_init(&o);
	o.want_data = 0;
	o.want_bodies = 0;
	/* A worker verifies file after file: one reader process for them all
	 * (the worker releases it when it is done). */
	o.keep_reader = 1;
	rc = mbx_pstread_tally_run(&t, path, &o, &stats);
	if (rc == 0 && stats.skipped > 0)
		rc = mbx_error_set(MBX_ECORRUPT, "%s: libpst could not read %lld items", path,
		                   (long long)stats.skipped);
	if (rc == 0 && stats.damaged > 0)
		rc = mbx_error_set(MBX_ECORRUPT, "%s: libpst can not read back the data of %lld attachments "
		                   "(blocks missing, outside the file or not adding up)", path,
		                   (long long)stats.damaged);
	if (rc == 0)
		rc = compare(path, e, &t);
	mbx_free(stats.store_name);
	mbx_pstread_tally_clear(&t);
	return rc;
}

/* ---- what a final file was when it was verified --------------------------- */

int exp_file_fingerprint(int fd, const char *path, exp_cancel_fn cancelled, void *ud, char **out)
{
	enum { BUF = 1 << 20 };
	struct sha256_ctx c;
	uint8_t digest[SHA256_DIGEST_SIZE];
	char hex[2 * SHA256_DIGEST_SIZE + 1];
	unsigned char *buf;
	struct stat sb;
	off_t off = 0;
	size_t i;
	int rc = 0;

	*out = NULL;
	if (fstat(fd, &sb) < 0)
		return mbx_error_set(MBX_EIO, "cannot read '%s': %s", path, strerror(errno));
	buf = mbx_malloc(BUF);
	sha256_init(&c);
	for (;;) {
		ssize_t n = pread(fd, buf, BUF, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = mbx_error_set(MBX_EIO, "cannot read '%s': %s", path, strerror(errno));
			break;
		}
		if (n == 0)
			break;
		sha256_update(&c, (size_t)n, buf);
		off += n;
		if (cancelled && cancelled(ud)) {
			rc = mbx_error_set(MBX_ECANCELLED, "cancelled");
			break;
		}
	}
	mbx_free(buf);
	if (rc < 0)
		return rc;
	if (off != sb.st_size)
		return mbx_error_set(MBX_EIO, "'%s' changed while it was read", path);
	sha256_digest(&c, sizeof(digest), digest);
	for (i = 0; i < sizeof(digest); i++)
		snprintf(hex + 2 * i, 3, "%02x", digest[i]);
	*out = mbx_asprintf("%lld %lld %s", (long long)sb.st_size,
	                    (long long)sb.st_mtim.tv_sec * 1000000000LL + sb.st_mtim.tv_nsec, hex);
	return 0;
}
