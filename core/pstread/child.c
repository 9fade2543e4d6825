/*
 * core/pstread/child.c - the isolated reader child (child.h): start, wait
 * with a silence limit, read, reap, and say why it stopped.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pstread/child.h"

const char *mbx_child_exe(void)
{
	const char *exe = getenv("MBX_READER_EXE");

	return exe && *exe ? exe : "/proc/self/exe";
}

char **mbx_child_env(const char *drop, const char *const *add, size_t n)
{
	extern char **environ;
	size_t have = 0, k = 0, i, dl = drop ? strlen(drop) : 0;
	char **env;

	while (environ && environ[have])
		have++;
	env = mbx_calloc(have + n + 1, sizeof(*env));
	for (i = 0; i < have; i++)
		if (!dl || strncmp(environ[i], drop, dl) != 0)
			env[k++] = mbx_strdup(environ[i]);
	for (i = 0; i < n; i++)
		env[k++] = mbx_strdup(add[i]);
	env[k] = NULL;
	return env;
}

void mbx_child_env_free(char **env)
{
	size_t i;

	for (i = 0; env && env[i]; i++)
		mbx_free(env[i]);
	mbx_free(env);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void mbx_child_prepare(int out, int req, int64_t max_memory)
{
	struct rlimit rl;
	int null;

	/* out and req may sit where the other must go: req out of the way first */
	if (req >= 0 && req <= MBX_CHILD_REQ_FD) {
		int moved = fcntl(req, F_DUPFD, MBX_CHILD_REQ_FD + 1);

		if (moved < 0)
			_exit(4);
		req = moved;
	}
	if (out != MBX_CHILD_OUT_FD) {
		if (dup2(out, MBX_CHILD_OUT_FD) < 0)
			_exit(4);
		close(out);
	}
	if (req >= 0) {
		if (dup2(req, MBX_CHILD_REQ_FD) < 0)
			_exit(4);
		close(req);
	}
	null = open("/dev/null", O_RDWR);
	if (null < 0)
		_exit(4);
	dup2(null, 0);
	dup2(null, 1);
	dup2(null, 2);
	close_range(req >= 0 ? MBX_CHILD_REQ_FD + 1 : MBX_CHILD_REQ_FD, ~0U, 0);
	signal(SIGPIPE, SIG_DFL);
#if !defined(__SANITIZE_ADDRESS__)
	/* AddressSanitizer reserves terabytes of address space: no limit then. */
	rl.rlim_cur = rl.rlim_max = (rlim_t)max_memory;
	setrlimit(RLIMIT_AS, &rl);
#else
	(void)rl;
	(void)max_memory;
#endif
}

/* The forked copy: never returns. */
static void child_main(int out, int64_t max_memory, const char *exe, const char *arg0, char **env,
                       mbx_child_fallback fallback, void *ud)
{
	char *argv[2];

	argv[0] = (char *)arg0;
	argv[1] = NULL;
	mbx_child_prepare(out, -1, max_memory);
	execve(exe, argv, env);
	_exit(fallback ? fallback(ud, MBX_CHILD_OUT_FD) : 4);
}

int mbx_child_start(mbx_child *c, const char *what, const char *arg0, char **env,
                    int64_t max_memory, int timeout_seconds, int pipe_size,
                    mbx_child_fallback fallback, void *ud)
{
	const char *exe = mbx_child_exe();
	int fds[2];
	int rc;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return mbx_error_set(MBX_EIO, "%s: can not start the PST reader: %s", what, strerror(errno));
	if (pipe_size > 0)
		(void)fcntl(fds[0], F_SETPIPE_SZ, pipe_size);
	/* Flush our stdio so the child can not write our buffers twice. */
	fflush(NULL);
	c->pid = fork();
	if (c->pid < 0) {
		rc = mbx_error_set(MBX_EIO, "%s: can not start the PST reader: %s", what, strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return rc;
	}
	if (c->pid == 0) {
		close(fds[0]);
		child_main(fds[1], max_memory, exe, arg0, env, fallback, ud);
	}
	close(fds[1]);
	c->fd = fds[0];
	c->timeout_ms = (timeout_seconds > 0 ? timeout_seconds : 600) * 1000;
	return 0;
}

void mbx_child_reap(mbx_child *c, int nohang)
{
	pid_t got;

	if (c->exited || c->pid <= 0)
		return;
	do
		got = waitpid(c->pid, &c->status, nohang ? WNOHANG : 0);
	while (got < 0 && errno == EINTR);
	if (got == c->pid || (got < 0 && errno == ECHILD))
		c->exited = 1;
}

int mbx_child_wait(mbx_child *c)
{
	int64_t start = now_ms();

	for (;;) {
		struct pollfd p = { c->fd, POLLIN, 0 };
		int rc = poll(&p, 1, 200);

		if (rc < 0 && errno != EINTR)
			return -1;
		if (rc > 0)
			return 0;
		if (rc == 0) {
			mbx_child_reap(c, 1);
			if (c->exited) {
				/* Anything it wrote before exiting is readable now. */
				struct pollfd q = { c->fd, POLLIN, 0 };

				return poll(&q, 1, 0) > 0 && (q.revents & POLLIN) ? 0 : -1;
			}
			if (now_ms() - start > c->timeout_ms) {
				c->timed_out = 1;
				return -1;
			}
		}
	}
}

ssize_t mbx_child_read(mbx_child *c, void *buf, size_t n)
{
	for (;;) {
		ssize_t got;

		if (mbx_child_wait(c) < 0)
			return -1;
		got = read(c->fd, buf, n);
		if (got < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		return got;
	}
}

int mbx_child_spool(mbx_child *c, void *buf, size_t n, const char *what, int *out)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	*out = -1;
	if (!dir || !*dir)
		dir = "/tmp";
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0) {
		char *tmpl = mbx_asprintf("%s/mbxrescue-spool.XXXXXX", dir);

		fd = mkostemp(tmpl, O_CLOEXEC);
		if (fd >= 0)
			unlink(tmpl);
		mbx_free(tmpl);
	}
	if (fd < 0)
		return mbx_error_set(MBX_EIO, "%s: can not create a temporary file in %s: %s; set "
		                     "TMPDIR to a writable directory", what, dir, strerror(errno));
	for (;;) {
		ssize_t got = mbx_child_read(c, buf, n), off = 0;

		if (got <= 0)
			break;
		while (off < got) {
			ssize_t w = write(fd, (char *)buf + off, (size_t)(got - off));

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				int rc = mbx_error_set(errno == ENOSPC ? MBX_ENOSPC : MBX_EIO, "%s: can not "
				                       "keep the reader's output in %s: %s; free some space "
				                       "there or set TMPDIR", what, dir, strerror(errno));

				close(fd);
				return rc;
			}
			off += w;
		}
	}
	*out = fd;
	return 0;
}

void mbx_child_finish(mbx_child *c)
{
	int64_t start = now_ms();

	while (!c->exited && c->pid > 0) {
		mbx_child_reap(c, 1);
		if (c->exited)
			break;
		if (now_ms() - start > c->timeout_ms) {
			c->timed_out = 1;
			kill(c->pid, SIGKILL);
			mbx_child_reap(c, 0);
			break;
		}
		usleep(1000);
	}
}

void mbx_child_end(mbx_child *c)
{
	if (c->pid > 0 && !c->exited) {
		mbx_child_reap(c, 1);
		if (!c->exited)
			kill(c->pid, SIGKILL);
		mbx_child_reap(c, 0);
	}
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

int mbx_child_ok(const mbx_child *c)
{
	return c->exited && !c->timed_out && WIFEXITED(c->status) && WEXITSTATUS(c->status) == 0;
}

void mbx_child_why(const mbx_child *c, int64_t max_memory, char *buf, size_t len)
{
	if (c->timed_out)
		snprintf(buf, len, "the reader made no progress for %d s", c->timeout_ms / 1000);
	else if (c->exited && WIFSIGNALED(c->status) && WTERMSIG(c->status) == SIGABRT)
		snprintf(buf, len, "the reader crashed (%s; also what running out of its %lld MiB of "
		         "memory looks like)", strsignal(WTERMSIG(c->status)),
		         (long long)(max_memory >> 20));
	else if (c->exited && WIFSIGNALED(c->status))
		snprintf(buf, len, "the reader crashed (%s)", strsignal(WTERMSIG(c->status)));
	else if (c->exited && WIFEXITED(c->status) && WEXITSTATUS(c->status) != 0)
		snprintf(buf, len, "the reader exited with status %d", WEXITSTATUS(c->status));
	else
		snprintf(buf, len, "the reader stopped early");
}
