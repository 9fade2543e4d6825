/*
 * mbx/export_items.h - single-item recovery to a PST (core/export/
 * export_items.c): exactly the messages named, from any mailboxes, into
 * one PST file, under folders "MAILBOX DISPLAY NAME/original folder path".
 * Written, read back with libpst and compared, and renamed into place
 * like a mailbox export (mbx/export.h): under FILE.tmp until verified, a
 * file that fails verification left as FILE.unverified, never under
 * FILE.  An Exmerge-format log beside it.
 *
 * Runs on the caller's thread and store connection (a console runs it on
 * a worker with its own mbx_store).  Ownership: opts are only read; the
 * result's strings belong to the result (mbx_export_items_result_clear).
 */
#ifndef MBX_EXPORT_ITEMS_H
#define MBX_EXPORT_ITEMS_H

#include "mbx/common.h"
#include "mbx/log.h"
#include "mbx/store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mbx_export_items_opts {
	const char *out_path;    /* FILE.pst; missing directories created 0700, the file 0600 */
	const char *log_path;    /* NULL: FILE with ".log" for its ".pst" (appended to) */
	int log_level;           /* MBX_LOG_* (default MIN) */
	mbx_log_fn log_cb;       /* may be NULL */
	void *log_ud;
	int crypt;               /* MBX_PST_CRYPT_* (default PERMUTE) */
	/* may be NULL: after each message, and once with done == total */
	void (*progress)(void *ud, size_t done, size_t total);
	/* may be NULL: polled between messages and while verifying; non-zero
	 * stops with MBX_ECANCELLED and no file left behind */
	int (*cancelled)(void *ud);
	void *ud;
} mbx_export_items_opts;

void mbx_export_items_opts_init(mbx_export_items_opts *opts);

typedef struct mbx_export_items_result {
	char *path;              /* the file written (set once verified) */
	char *log_path;
	size_t mailboxes;
	int64_t folders, items, attachments, bytes;
	int verified;            /* libpst read it back as written */
} mbx_export_items_result;

/*
 * Export messages ids[0..n) of st (each a message of a folder; one that is
 * missing, attached to another or deleted by delete-items fails the call
 * before anything is written; an id given twice is exported once).  res
 * (may be NULL) is filled either way.
 */
int mbx_export_items(mbx_store *st, const mbx_export_items_opts *opts, const int64_t *ids,
                     size_t n, mbx_export_items_result *res);
void mbx_export_items_result_clear(mbx_export_items_result *res);

#ifdef __cplusplus
}
#endif
#endif
