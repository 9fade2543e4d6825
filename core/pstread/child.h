/*
 * core/pstread/child.h - a reader in a child process of its own: the
 * isolation both PST readers share (the libpst reader, pstread.c, and the
 * property-level reader, propread.c).  A file is read by a fresh image of
 * this program (fork, then execve of /proc/self/exe or $MBX_READER_EXE)
 * with its output on a pipe, an address-space limit and a silence limit:
 * a crash, hang or allocation blow-up in the reader ends the child, never
 * the caller, who gets the reason as text.
 *
 * Why exec and not just fork: a forked copy of a multi-threaded parent
 * can inherit a lock another thread held at fork time (iconv's, the
 * allocator's, the sanitizers') and hang on it; a new image holds none.
 * The image finds out that it is a reader child from its environment, in
 * a constructor that runs before main (see mbx_child_env).
 *
 * Internal to the core.  Thread-safe: each call has its own child.
 */
#ifndef MBX_PSTREAD_CHILD_H
#define MBX_PSTREAD_CHILD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "mbx/common.h"

/* The descriptor the child writes its output to, and the one a child
 * kept for further files reads its requests from. */
#define MBX_CHILD_OUT_FD 3
#define MBX_CHILD_REQ_FD 4

typedef struct mbx_child {
	pid_t pid;
	int fd;                  /* read end of the child's output (the parent's) */
	int exited;              /* reaped */
	int status;              /* its wait status, once reaped */
	int timed_out;           /* silent for longer than timeout_ms */
	int timeout_ms;
} mbx_child;

/* The program a reader child runs: $MBX_READER_EXE when set (the same
 * binary under a name a tool can follow: `valgrind --trace-children=yes`
 * runs what execve names, not /proc/self/exe), else /proc/self/exe. */
const char *mbx_child_exe(void);

/*
 * The child's environment, built before fork (nothing is allocated after
 * it): the caller's, without the variables whose names start with `drop`
 * (a reader's own, e.g. "MBX_PROPREAD_"), then the n strings of `add`
 * ("NAME=value", copied).  Free with mbx_child_env_free.
 */
char **mbx_child_env(const char *drop, const char *const *add, size_t n);
void mbx_child_env_free(char **env);

/*
 * In a forked child, before execve: out becomes fd 3 (MBX_CHILD_OUT_FD),
 * req (when >= 0) fd 4; stdin, stdout and stderr go to /dev/null (a
 * reader never writes to the terminal); every other descriptor the
 * parent had (the store's database, other children's pipes) is closed;
 * SIGPIPE is back to its default; the address space is limited to
 * max_memory (not under AddressSanitizer, which reserves terabytes).
 * _exit(4) when that fails.  Allocates nothing.
 */
void mbx_child_prepare(int out, int req, int64_t max_memory);

/* What the forked copy runs when execve fails (no /proc): reads into fd
 * and returns the exit status. */
typedef int (*mbx_child_fallback)(void *ud, int fd);

/*
 * Start a reader child: a pipe whose write end is the child's fd 3
 * (MBX_CHILD_OUT_FD), mbx_child_prepare, then execve(mbx_child_exe(),
 * {arg0}, env).
 * pipe_size (0: the default) is asked for the pipe.  0 and *c set, or <0
 * with the error naming `what` (the file).
 */
int mbx_child_start(mbx_child *c, const char *what, const char *arg0, char **env,
                    int64_t max_memory, int timeout_seconds, int pipe_size,
                    mbx_child_fallback fallback, void *ud);

/*
 * Wait until c->fd is readable: at most timeout_ms of silence, polling in
 * short steps so that a child that died while another process (forked by
 * another thread) still holds the pipe's write end is noticed.  0
 * readable, -1 at the end (the child exited and nothing more is there, a
 * poll error, or the silence limit: c->timed_out).
 */
int mbx_child_wait(mbx_child *c);
/* Read up to n bytes when readable: >0 bytes, 0 at the end, <0 at the
 * end for a reason mbx_child_wait gives. */
ssize_t mbx_child_read(mbx_child *c, void *buf, size_t n);
/* Reap the child if it has exited (nohang) or wait for it. */
void mbx_child_reap(mbx_child *c, int nohang);
/* Wait for a child that has said all it had to say to exit: at most
 * timeout_ms, then it is killed (timed_out). */
void mbx_child_finish(mbx_child *c);
/* Kill (SIGKILL) a child that has not exited, reap it, close c->fd. */
void mbx_child_end(mbx_child *c);
/*
 * Copy all the child's output (until it ends, exits or times out) into an
 * unlinked temporary file in $TMPDIR (default /tmp), through buf (n
 * bytes): for a caller that must read the output again or at its own
 * pace.  0 and *out (the file, positioned at its end) or <0 with the
 * error naming `what` (nothing left open).  The child is not reaped.
 */
int mbx_child_spool(mbx_child *c, void *buf, size_t n, const char *what, int *out);
/* 1 when the child exited by itself with status 0. */
int mbx_child_ok(const mbx_child *c);
/* Why the child stopped, for an error message: "made no progress for 600
 * s", "crashed (Segmentation fault)", "ran out of memory (its limit is 4
 * GiB)", "exited with status 3" (into buf). */
void mbx_child_why(const mbx_child *c, int64_t max_memory, char *buf, size_t len);

#endif
