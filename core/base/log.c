/* The Exmerge-format log (see mbx/log.h). */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "mbx/log.h"
#include "mbx/text.h"

struct mbx_log {
	pthread_mutex_t lock;   /* one line at a time, from any worker */
	int fd;                 /* -1: no file */
	char *path;
	int level;
	mbx_log_fn cb;
	void *ud;
	int write_failed;       /* report a failing log file once, not per line */
};

/*
 * The log goes where outputs go, often a directory others can write to
 * too: never through a symbolic link (someone else's link would make us
 * append to any file we may write, as root any file at all), never to
 * something that is not a plain file of its own.  A new file is created
 * exclusively, an existing one appended to.
 */
static int open_file(const char *path, int *out)
{
	struct stat sb;
	int fd, e, tries;

	*out = -1;
	for (tries = 0; tries < 10; tries++) {
		fd = open(path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT) {
			fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
			if (fd < 0 && errno == EEXIST)
				continue;          /* created meanwhile: open that one */
		}
		break;
	}
	if (fd < 0) {
		e = errno;
		if (e == ELOOP)
			return mbx_error_set(MBX_EINVAL, "log file '%s' is a symbolic link: refusing to follow "
			                     "it (someone may have put it there to have this program write "
			                     "elsewhere); remove it or choose another log file", path);
		return mbx_error_set(e == EROFS || e == EACCES ? MBX_EREADONLY : MBX_EIO,
		                     "cannot open log file '%s': %s (choose another log file or directory)",
		                     path, strerror(e));
	}
	/* A device (/dev/null) is fine; a file with other names is not ours. */
	if (fstat(fd, &sb) < 0 || !(S_ISREG(sb.st_mode) || S_ISCHR(sb.st_mode)) ||
	    (S_ISREG(sb.st_mode) && sb.st_nlink > 1)) {
		close(fd);
		return mbx_error_set(MBX_EINVAL, "log file '%s' is not a plain file of its own (%s); "
		                     "remove it or choose another log file", path,
		                     !S_ISREG(sb.st_mode) ? "not a regular file" : "it has other hard links");
	}
	*out = fd;
	return 0;
}

int mbx_log_open(mbx_log **out, const char *path, int level, mbx_log_fn cb, void *ud)
{
	mbx_log *log;

	*out = NULL;
	if (level < MBX_LOG_NONE || level > MBX_LOG_MAX)
		return mbx_error_set(MBX_EINVAL, "log level %d is out of range: use 0 (none) to 3 (maximum)",
		                     level);
	log = mbx_calloc(1, sizeof(*log));
	log->fd = -1;
	if (path) {
		int rc = open_file(path, &log->fd);

		if (rc < 0) {
			mbx_free(log);
			return rc;
		}
		log->path = mbx_strdup(path);
	}
	pthread_mutex_init(&log->lock, NULL);
	log->level = level;
	log->cb = cb;
	log->ud = ud;
	*out = log;
	return 0;
}

int mbx_log_level(const mbx_log *log)
{
	return log ? log->level : MBX_LOG_NONE;
}

static void write_all(mbx_log *log, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(log->fd, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			/* The export itself must not fail because its log can not
			 * be written; tell the callback once. */
			if (!log->write_failed && log->cb) {
				char *msg = mbx_asprintf("Warning: cannot write log file '%s': %s",
				                         log->path, strerror(errno));
				char *clean = mbx_text_clean(msg, -1, 0, NULL);

				log->cb(log->ud, MBX_LOG_MIN, clean);
				mbx_free(clean);
				mbx_free(msg);
			}
			log->write_failed = 1;
			return;
		}
		s += w;
		n -= (size_t)w;
	}
}

void mbx_log_write(mbx_log *log, int level, const char *fmt, ...)
{
	va_list ap;
	char *text, *clean, *line;
	char stamp[16];
	struct tm tm;
	time_t now;
	int to_file, to_cb;

	if (!log)
		return;
	to_file = log->fd >= 0 && level <= log->level && level > MBX_LOG_NONE;
	to_cb = log->cb && (level <= log->level || level == MBX_LOG_MIN);
	if (!to_file && !to_cb)
		return;
	va_start(ap, fmt);
	text = mbx_vasprintf(fmt, ap);
	va_end(ap);
	/* A line is one line: names from the store may hold anything. */
	clean = mbx_text_clean(text, -1, 0, NULL);
	now = time(NULL);
	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "[%H:%M:%S]", &tm);
	line = mbx_asprintf("%s %s\n", stamp, clean);

	pthread_mutex_lock(&log->lock);
	if (to_file && !log->write_failed)
		write_all(log, line, strlen(line));
	if (to_cb) {
		line[strlen(line) - 1] = '\0';
		log->cb(log->ud, level, line);
	}
	pthread_mutex_unlock(&log->lock);
	mbx_free(line);
	mbx_free(clean);
	mbx_free(text);
}

void mbx_log_free(mbx_log *log)
{
	if (!log)
		return;
	if (log->fd >= 0) {
		fsync(log->fd);
		close(log->fd);
	}
	pthread_mutex_destroy(&log->lock);
	mbx_free(log->path);
	mbx_free(log);
}
