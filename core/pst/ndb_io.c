/*
 * core/pst/ndb_io.c - the only code that writes the PST file.
 *
 * Space is allocated front to back, so nearly every write appends: it goes
 * to a buffer that is written out in large pieces.  Writes behind the
 * buffer (AMap pages of a finished interval, the header) use pwrite.
 * The first failure sticks in ndb->err: every later call returns it.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "mbx/common.h"
#include "pst/pst_int.h"

#define IO_BUF (1u << 20)

int pst_io_fail(pst_ndb *ndb, int err, const char *what)
{
	int code = (err == ENOSPC || err == EFBIG || err == EDQUOT) ? MBX_ENOSPC : MBX_EIO;

	if (ndb->err)
		return ndb->err;
	ndb->err = code;
	return mbx_error_set(code, "%s %s: %s%s", what, ndb->path, strerror(err),
	                     code == MBX_ENOSPC ? " (free some space or choose another disk)" : "");
}

int pst_io_open(pst_ndb *ndb, const char *path)
{
	ndb->path = mbx_strdup(path);
	ndb->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (ndb->fd < 0)
		return pst_io_fail(ndb, errno, "cannot create");
	/* O_CREAT honours the umask; PST files hold mail: 0600 whatever it is */
	if (fchmod(ndb->fd, 0600) < 0)
		return pst_io_fail(ndb, errno, "cannot set the mode of");
	ndb->buf_cap = IO_BUF;
	ndb->buf = mbx_malloc(ndb->buf_cap);
	return 0;
}

static int write_all(pst_ndb *ndb, uint64_t ib, const unsigned char *p, size_t len)
{
	while (len > 0) {
		ssize_t w = pwrite(ndb->fd, p, len, (off_t)ib);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return pst_io_fail(ndb, errno, "cannot write");
		if (w == 0)
			return pst_io_fail(ndb, ENOSPC, "cannot write");
		p += w;
		ib += (uint64_t)w;
		len -= (size_t)w;
	}
	return 0;
}

int pst_io_flush(pst_ndb *ndb)
{
	int rc;

	if (ndb->err)
		return ndb->err;
	if (ndb->buf_len == 0)
		return 0;
	rc = write_all(ndb, ndb->buf_off, ndb->buf, ndb->buf_len);
	ndb->buf_off += ndb->buf_len;
	ndb->buf_len = 0;
	return rc;
}

/* Write len bytes at ib: appended to the buffer (gaps become zeros),
 * copied into it, or written directly when ib is behind it. */
int pst_io_write(pst_ndb *ndb, uint64_t ib, const void *p, size_t len)
{
	uint64_t end = ndb->buf_off + ndb->buf_len;

	if (ndb->err)
		return ndb->err;
	if (ib < ndb->buf_off) {
		if (ib + len > ndb->buf_off)
			return mbx_error_set(MBX_ERROR, "PST writer: overlapping write at %llu in %s",
			                     (unsigned long long)ib, ndb->path);
		return write_all(ndb, ib, p, len);
	}
	if (ib + len <= end) {
		memcpy(ndb->buf + (ib - ndb->buf_off), p, len);
		return 0;
	}
	if (ib < end)
		return mbx_error_set(MBX_ERROR, "PST writer: write across the end at %llu in %s",
		                     (unsigned long long)ib, ndb->path);
	if (ib - end + len + ndb->buf_len > ndb->buf_cap) {
		int rc = pst_io_flush(ndb);

		if (rc)
			return rc;
		ndb->buf_off = ib;   /* the gap stays a hole: it reads as zeros */
		end = ib;
		if (len > ndb->buf_cap)
			return write_all(ndb, ib, p, len);
	}
	memset(ndb->buf + ndb->buf_len, 0, (size_t)(ib - end));
	ndb->buf_len += (size_t)(ib - end);
	memcpy(ndb->buf + ndb->buf_len, p, len);
	ndb->buf_len += len;
	if (ndb->buf_len > ndb->buf_cap - PST_BLOCK_MAX)
		return pst_io_flush(ndb);
	return 0;
}

int pst_io_close(pst_ndb *ndb, int do_fsync)
{
	int rc = pst_io_flush(ndb);

	if (rc == 0 && do_fsync && fsync(ndb->fd) < 0)
		rc = pst_io_fail(ndb, errno, "cannot flush to disk");
	if (ndb->fd >= 0 && close(ndb->fd) < 0 && rc == 0)
		rc = pst_io_fail(ndb, errno, "cannot close");
	ndb->fd = -1;
	return rc;
}
