/*
 * core/export/outdir.c - the output directory of an export: created 0700,
 * refused when others may write to it and it is not ours, and locked for
 * one export at a time (mbx_export_lock_dir, `.mbxrescue.lock`).
 */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "mbx/text.h"
#include "export_int.h"

struct mbx_export_lock {
	int fd;
};

/* ---- the output directory ------------------------------------------------- */

/*
 * An existing directory others may write to, and not ours: they could
 * replace what we are about to write (a symbolic link as the log, a file
 * of theirs as a PST) before we get there.
 */
static int check_dir_owner(const char *dir, const struct stat *sb, int force)
{
	if (force || !(sb->st_mode & (S_IWGRP | S_IWOTH)) || sb->st_uid == geteuid())
		return 0;
	return mbx_error_set(MBX_EINVAL, "output directory '%s' is writable by %s and belongs to "
	                     "user %ld, not to you: another user could plant files or symbolic "
	                     "links where the PST files and the log go; use a directory of your own "
	                     "(a new one is created 0700), or --force-out-dir to use it anyway", dir,
	                     (sb->st_mode & S_IWOTH) ? "everyone" : "its group", (long)sb->st_uid);
}

/* mkdir -p with mode 0700 for what it creates; an existing directory must
 * be writable, and ours unless only we can write to it. */
int exp_make_out_dir(const char *dir, int force)
{
	char *p = mbx_strdup(dir);
	char *s;
	struct stat sb;
	int rc = 0;

	if (stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode) && (rc = check_dir_owner(dir, &sb, force)) < 0)
		goto out;
	for (s = p + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;

			*s = '\0';
			if (mkdir(p, 0700) < 0 && errno != EEXIST) {
				rc = mbx_error_set(errno == EROFS || errno == EACCES ? MBX_EREADONLY : MBX_EIO,
				                   "cannot create output directory '%s': %s (choose another with --out)",
				                   p, strerror(errno));
				goto out;
			}
			*s = c;
			if (!c)
				break;
		}
	}
	if (stat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
		rc = mbx_error_set(MBX_EINVAL, "output '%s' is not a directory: choose a directory with --out", dir);
		goto out;
	}
	if (access(dir, W_OK | X_OK) < 0) {
		rc = mbx_error_set(MBX_EREADONLY, "output directory '%s' is not writable: %s (fix its permissions "
		                   "or choose another with --out)", dir, strerror(errno));
		goto out;
	}
out:
	mbx_free(p);
	return rc;
}

/* This process's command line, one line ("mbxrescue --db x.db export ..."). */
static char *own_command_line(void)
{
	char buf[256];
	ssize_t n, i;
	int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);

	n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return mbx_strdup("mbxrescue");
	buf[n] = '\0';
	for (i = 0; i < n - 1; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	return mbx_text_clean(buf, -1, 0, NULL);
}

int mbx_export_lock_dir(const char *dir, mbx_export_lock **out)
{
	char *path = mbx_asprintf("%s/%s", dir, MBX_EXPORT_LOCK_NAME);
	char *who, *line;
	int fd, rc = 0;

	*out = NULL;
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = mbx_error_set(errno == ELOOP ? MBX_EINVAL : MBX_EIO, "cannot open the lock file '%s' of "
		                   "output directory '%s': %s%s", path, dir, strerror(errno),
		                   errno == ELOOP ? " (it is a symbolic link: remove it)" : "");
		goto out;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		char held[256];
		ssize_t n = errno == EWOULDBLOCK ? pread(fd, held, sizeof(held) - 1, 0) : -1;
		char *clean;

		if (n < 0 && errno != EWOULDBLOCK) {
			rc = mbx_error_set(MBX_EIO, "cannot lock output directory '%s': %s", dir, strerror(errno));
			close(fd);
			goto out;
		}
		held[n > 0 ? n : 0] = '\0';
		held[strcspn(held, "\n")] = '\0';
		clean = mbx_text_clean(held, -1, 0, NULL);
		rc = mbx_error_set(MBX_EBUSY, "output directory '%s' is in use by another export: PID %s "
		                   "(lock file %s); wait for it to finish or choose another --out", dir,
		                   *clean ? clean : "unknown", path);
		mbx_free(clean);
		close(fd);
		goto out;
	}
	who = own_command_line();
	line = mbx_asprintf("%ld %s\n", (long)getpid(), who);
	if (ftruncate(fd, 0) < 0 || pwrite(fd, line, strlen(line), 0) < 0) {
		/* The lock holds without its note; say who we are another time. */
	}
	mbx_free(line);
	mbx_free(who);
	*out = mbx_calloc(1, sizeof(**out));
	(*out)->fd = fd;
out:
	mbx_free(path);
	return rc;
}

void mbx_export_lock_free(mbx_export_lock *l)
{
	if (!l)
		return;
	/* Emptied first: a note naming a finished process would mislead. */
	if (ftruncate(l->fd, 0) < 0) {
		/* harmless: the next holder rewrites it */
	}
	close(l->fd);
	mbx_free(l);
}
