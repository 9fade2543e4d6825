/*
 * mbx/log.h - the Exmerge-format log: "[HH:MM:SS] text" lines, levels
 * none (0), minimum (1), medium (2), maximum (3), written to a file and
 * handed to a callback (the console's log pane).  Thread-safe: workers
 * share one mbx_log.
 *
 * Ownership: the creator owns the mbx_log and frees it after every thread
 * that writes to it has finished.  The callback gets a line valid only
 * during the call, already sanitized (no control characters).
 */
#ifndef MBX_LOG_H
#define MBX_LOG_H

#include "mbx/common.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
	MBX_LOG_NONE = 0,
	MBX_LOG_MIN = 1,   /* errors and per-mailbox results (always shown) */
	MBX_LOG_MED = 2,   /* folders, filters */
	MBX_LOG_MAX = 3    /* every item */
};

typedef void (*mbx_log_fn)(void *ud, int level, const char *line);

typedef struct mbx_log mbx_log;

/* path may be NULL (no file); cb may be NULL.  The file is appended to,
 * created 0600. */
int mbx_log_open(mbx_log **out, const char *path, int level, mbx_log_fn cb, void *ud);
/* Write one line at `level` if level <= the log's level; "[HH:MM:SS] " is
 * prepended (local time).  Level MBX_LOG_MIN lines are written even at
 * MBX_LOG_NONE to the callback, never to the file. */
void mbx_log_write(mbx_log *log, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int mbx_log_level(const mbx_log *log);
void mbx_log_free(mbx_log *log);

#ifdef __cplusplus
}
#endif
#endif
