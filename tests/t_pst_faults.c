/*
 * tests/t_pst_faults - the writer's bad input and I/O failures: invalid
 * UTF-8 is refused with MBX_EINVAL and the file stays usable; a file size
 * limit (EFBIG under `ulimit -f`) gives MBX_ENOSPC naming the file; an
 * unfinished file is never left under its final name; mbx_pst_free
 * without close removes the temporary file; misuse is refused.
 */
#include "config.h"
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include "tap.h"
#include "mbx/pst.h"

static char dir[256];

static int exists(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0;
}

static void test_bad_input(void)
{
	char path[300], tmp[310];
	mbx_pst_opts o;
	mbx_pst *pst;
	mbx_pst_msg *m;
	mbx_pst_nid f;
	mbx_pst_message_props p;
	mbx_pst_recipient r = { 1, "Bad \xFF name", "x@example.com", NULL, NULL };
	struct stat st;

	snprintf(path, sizeof(path), "%s/bad.pst", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	mbx_pst_opts_init(&o);
	o.fsync = 0;
	o.crypt = 7;
	ok(mbx_pst_create(&pst, path, &o) == MBX_EINVAL && !pst, "unknown encoding refused");
	o.crypt = MBX_PST_CRYPT_PERMUTE;
	umask(0);
	if (mbx_pst_create(&pst, path, &o) != 0) {
		ok(0, "create: %s", mbx_error_last());
		return;
	}
	umask(022);
	ok(exists(tmp) && !exists(path), "written under PATH.tmp");
	ok(stat(tmp, &st) == 0 && (st.st_mode & 0777) == 0600, "mode 0600 whatever the umask");
	is_int(mbx_pst_folder_add(pst, mbx_pst_top_folder(pst), "Bad \xC3\x28", NULL, &f), MBX_EINVAL,
	       "invalid UTF-8 folder name refused");
	ok(strstr(mbx_error_last(), "UTF-8") != NULL, "message says why: %s", mbx_error_last());
	is_int(mbx_pst_folder_add(pst, 0x12345, "X", NULL, &f), MBX_EINVAL, "unknown parent refused");
	is_int(mbx_pst_folder_add(pst, mbx_pst_top_folder(pst), "Good", NULL, &f), 0, "a good folder after that");
	memset(&p, 0, sizeof(p));
	p.subject = "\xED\xA0\x80 surrogate";
	is_int(mbx_pst_message_begin(pst, f, &p, &m), MBX_EINVAL, "UTF-8-encoded surrogate subject refused");
	p.subject = "ok";
	p.body = "overlong \xC0\xAF";
	is_int(mbx_pst_message_begin(pst, f, &p, &m), MBX_EINVAL, "overlong UTF-8 body refused");
	p.body = "fine";
	is_int(mbx_pst_message_begin(pst, f, &p, &m), 0, "a good message");
	is_int(mbx_pst_message_add_recipient(m, &r), MBX_EINVAL, "invalid UTF-8 recipient refused");
	r.type = 9;
	r.name = "ok";
	is_int(mbx_pst_message_add_recipient(m, &r), MBX_EINVAL, "recipient type 9 refused");
	is_int(mbx_pst_attach_write(m, "x", 1), MBX_EINVAL, "attachment data without an attachment refused");
	is_int(mbx_pst_close(pst), MBX_EINVAL, "close with a message open refused");
	is_int(mbx_pst_message_end(m, NULL), 0, "the message ends");
	is_int(mbx_pst_close(pst), 0, "close");
	ok(exists(path) && !exists(tmp), "renamed to the final name");
	is_int(mbx_pst_close(pst), MBX_EINVAL, "second close refused");
	mbx_pst_free(pst);
	ok(exists(path), "free after close keeps the file");
	unlink(path);
	mbx_pst_free(NULL);

	ok(mbx_pst_create(&pst, path, &o) == 0, "create again");
	mbx_pst_free(pst);
	ok(!exists(tmp) && !exists(path), "free without close removes PATH.tmp");
	snprintf(path, sizeof(path), "%s/no/such/dir/x.pst", dir);
	is_int(mbx_pst_create(&pst, path, &o), MBX_EIO, "a missing directory is an I/O error");
	ok(strstr(mbx_error_last(), "x.pst.tmp") != NULL, "naming the file: %s", mbx_error_last());
}

/* Write until the size limit bites: the error is MBX_ENOSPC, names the
 * file, sticks, and free leaves nothing behind. */
static void test_file_size_limit(void)
{
	char path[300], tmp[310];
	static unsigned char chunk[65536];
	struct rlimit old, lim;
	mbx_pst_opts o;
	mbx_pst *pst;
	mbx_pst_msg *m;
	mbx_pst_message_props p;
	mbx_pst_attach_props ap = { "big.bin", NULL, -1, 0, NULL };
	int rc = 0, i;

	snprintf(path, sizeof(path), "%s/limit.pst", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	lim = old;
	lim.rlim_cur = 2 * 1024 * 1024;
	if (setrlimit(RLIMIT_FSIZE, &lim) != 0) {
		ok(1, "# SKIP cannot set a file size limit");
		return;
	}
	mbx_pst_opts_init(&o);
	o.fsync = 0;
	memset(&p, 0, sizeof(p));
	p.subject = "too big";
	if (mbx_pst_create(&pst, path, &o) != 0) {
		ok(0, "create: %s", mbx_error_last());
		setrlimit(RLIMIT_FSIZE, &old);
		return;
	}
	rc = mbx_pst_message_begin(pst, mbx_pst_top_folder(pst), &p, &m);
	if (rc == 0)
		rc = mbx_pst_attach_begin(m, &ap);
	for (i = 0; rc == 0 && i < 200; i++)
		rc = mbx_pst_attach_write(m, chunk, sizeof(chunk));
	if (rc == 0)
		rc = mbx_pst_attach_end(m);
	if (rc == 0)
		rc = mbx_pst_message_end(m, NULL);
	if (rc == 0)
		rc = mbx_pst_close(pst);
	is_int(rc, MBX_ENOSPC, "writing 12 MB under a 2 MB limit: MBX_ENOSPC");
	ok(strstr(mbx_error_last(), "limit.pst.tmp") != NULL, "the message names the file: %s", mbx_error_last());
	is_int(mbx_pst_close(pst), MBX_ENOSPC, "the failure sticks");
	ok(!exists(path), "nothing under the final name");
	mbx_pst_free(pst);
	ok(!exists(tmp), "free removes the temporary file");
	setrlimit(RLIMIT_FSIZE, &old);
}

int main(void)
{
	snprintf(dir, sizeof(dir), "%s/t_pst_faults.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir)) {
		perror(dir);
		return 1;
	}
	test_bad_input();
	test_file_size_limit();
	rmdir(dir);
	return tap_done();
}
