/*
 * core/pstcheck/check.c - mbx_pstcheck_run: open the file and run the
 * layers in order (header, B-trees, blocks, trees and reference counts,
 * allocation maps, LTP and messaging).
 */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "mbx/common.h"
#include "mbx/pst.h"
#include "pstcheck.h"

int mbx_pstcheck_run(const char *path, mbx_pstcheck_fn cb, void *ud, mbx_pstcheck_stats *stats)
{
	pc_ctx c;
	mbx_pstcheck_stats local;
	struct stat sb;
	int rc = 0;

	if (!stats)
		stats = &local;
	memset(stats, 0, sizeof(*stats));
	memset(&c, 0, sizeof(c));
	c.path = path;
	c.cb = cb;
	c.ud = ud;
	c.st = stats;
	c.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (c.fd < 0)
		return mbx_error_set(errno == ENOENT ? MBX_ENOTFOUND : MBX_EIO, "%s: can not open: %s", path,
		                     strerror(errno));
	if (fstat(c.fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		rc = mbx_error_set(MBX_EINVAL, "%s: not a regular file", path);
		goto out;
	}
	c.size = (uint64_t)sb.st_size;
	stats->file_size = c.size;
	if ((rc = pc_header_check(&c)) < 0)
		goto out;
	pc_btrees_read(&c);
	if (!c.fatal)
		pc_blocks_check(&c);
	if (!c.fatal)
		pc_trees_check(&c);
	if (!c.fatal)
		pc_refcounts_check(&c);
	if (!c.fatal)
		pc_amap_check(&c);
	if (!c.fatal)
		pc_messaging_check(&c);
	if (c.fatal)
		rc = MBX_EIO;   /* the message was set by pc_pread */
out:
	mbx_free(c.bbt);
	mbx_free(c.nbt);
	mbx_free(c.ext);
	close(c.fd);
	return rc;
}
