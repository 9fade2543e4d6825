/*
 * mbx/pstread.h - read a PST back with libpst, the way Outlook's own
 * library sees it: what `mbxrescue verify` and the console's "verify"
 * step show, and what the export's verification compares.
 *
 * libpst is not hardened against corrupt files, so every read runs it in
 * a child process (a crash, hang or allocation blow-up there becomes an
 * error naming the file, never a crash of the caller).  Safe to call from
 * several threads at once.
 *
 * The reader's full interface (callbacks per folder and message) is
 * internal to the core: core/pstread/pstread.h.
 *
 * Ownership: strings returned through an out-parameter are the caller's
 * (release with mbx_free); nothing the caller passes in is kept.
 */
#ifndef MBX_PSTREAD_H
#define MBX_PSTREAD_H

#include "mbx/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Read the PST at `path` with libpst and describe it: one line per folder,
 * parents first, "PATH\tMESSAGES\tATTACHMENTS\tBYTES\n", where
 *   PATH         is the folder path below Top of Personal Folders
 *                ("Inbox/Projects"; a '/' or '\' inside a folder name is
 *                written "\/" or "\\", tests/PSTDESC.md),
 *   MESSAGES     counts the folder's messages, associated (FAI) ones included,
 *   ATTACHMENTS  counts their attachments, embedded messages included (the
 *                attachments of an embedded message are not counted),
 *   BYTES        sums the sizes of the by-value attachments.
 * Returns 0 when libpst read the whole file, <0 when it could not (the
 * message names the file).  On success *out is a NUL-terminated string
 * the caller frees with mbx_free; on failure *out is NULL.
 */
int mbx_pst_describe(const char *path, char **out);

/*
 * mbx_pst_describe for several files with one reader process for them all
 * (starting one per file would cost more than reading small files):
 * fn(ud, i, rc, desc) for each file in order, desc NULL when rc < 0 (the
 * message in mbx_error_last()), valid only during the call.  A non-zero
 * return from fn stops and is returned; else 0.
 */
typedef int (*mbx_pst_describe_fn)(void *ud, size_t i, int rc, const char *desc);
int mbx_pst_describe_each(const char *const *paths, size_t n, mbx_pst_describe_fn fn, void *ud);

#ifdef __cplusplus
}
#endif
#endif
