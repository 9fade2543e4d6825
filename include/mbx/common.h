/*
 * mbx/common.h - error codes, error messages and the allocation family
 * shared by every part of mbxrescue.
 *
 * Conventions (libgit2's): functions return int, 0 on success and a
 * negative MBX_E* code on failure; after a failure mbx_error_last() gives a
 * message for a human, naming the thing that failed and what to do.
 * Objects are opaque; every *_free(NULL) is a no-op.  Strings handed out by
 * the core are owned by the caller only where the comment says so.
 */
#ifndef MBX_COMMON_H
#define MBX_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
	MBX_OK = 0,
	MBX_ERROR = -1,      /* generic failure */
	MBX_EINVAL = -2,     /* bad argument or malformed input (usage/input error) */
	MBX_ENOTFOUND = -3,  /* the named object does not exist */
	MBX_EEXISTS = -4,    /* the object already exists */
	MBX_EIO = -5,        /* an I/O error (read, write, fsync, rename) */
	MBX_ENOSPC = -6,     /* disk full or file size limit reached */
	MBX_ECORRUPT = -7,   /* a file is not what it claims to be */
	MBX_EREADONLY = -8,  /* the target can not be written */
	MBX_ECANCELLED = -9, /* the caller asked to stop */
	MBX_ESCHEMA = -10,   /* database schema newer than this program */
	MBX_ELIMIT = -11,    /* a field or object over a format limit */
	MBX_EBUSY = -12      /* another process holds it (a store being written, an
	                      * output directory being exported to); the message names it */
};

/*
 * The message of the last error on this thread (thread-local, like
 * libgit2's git_error_last).  Never NULL; "" when there was none.  Valid
 * until the next failing call on this thread.
 */
const char *mbx_error_last(void);

/* Set the thread's error message (printf-style) and return `code`. */
int mbx_error_set(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Prefix the thread's current error message with more context. */
int mbx_error_prefix(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void mbx_error_clear(void);

/* A short name for an error code ("I/O error", "invalid input", ...). */
const char *mbx_error_name(int code);

/*
 * The allocation family.  These never return NULL: on exhaustion they
 * print one line and abort, because no caller could do anything better.
 * Release with mbx_free (free(3) works too; mbx_free(NULL) is a no-op).
 */
void *mbx_malloc(size_t n);
void *mbx_calloc(size_t count, size_t size);
void *mbx_realloc(void *p, size_t n);
/* Grow an array: returns p resized for `count` elements of `size`, checked for overflow. */
void *mbx_reallocarray(void *p, size_t count, size_t size);
char *mbx_strdup(const char *s);          /* mbx_strdup(NULL) == NULL */
char *mbx_strndup(const char *s, size_t n);
char *mbx_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *mbx_vasprintf(const char *fmt, va_list ap);
void mbx_free(void *p);

/* The program version string, e.g. "0.1.0". */
const char *mbx_version(void);

#ifdef __cplusplus
}
#endif
#endif
