/*
 * core/pstread/pstread.h - read a PST with libpst, isolated in a child process.
 *
 * libpst is neither hardened against corrupt files nor thread-safe (its
 * UTF-16 conversion keeps iconv handles in static globals), so every read
 * forks a child that runs libpst and streams folders and messages back over
 * a pipe; the parent decodes them and calls the callbacks.  A crash, hang
 * (timeout) or allocation blow-up (memory limit) in the child becomes an
 * error "FILE: not a readable PST (libpst stopped at item N)".  Safe to call
 * from several threads at once (each call has its own child).
 *
 * Internal to the core (export verification and import share it); the
 * public part, mbx_pst_describe, is in include/mbx/pstread.h.
 * Ownership: everything passed to a callback is owned by the reader and
 * valid only during the call; copy what you keep.
 */
#ifndef MBX_PSTREAD_CORE_H
#define MBX_PSTREAD_CORE_H

#include "mbx/common.h"
#include "mbx/pstread.h"
#include "mbx/store.h"

typedef struct mbx_pstread_opts {
	int timeout_seconds;     /* 0 = 600 s */
	int64_t max_memory;      /* child's RLIMIT_AS in bytes; 0 = 4 GiB */
	int want_data;           /* 1: attachment bytes in the messages; 0: sizes only,
	                          * from the block index without reading the data */
	int want_bodies;         /* 1: bodies and headers; 0: leave them NULL */
	int spool;               /* 1: keep the child's whole output in a temporary file
	                          * first (in $TMPDIR, unlinked; as large as the file's
	                          * data), so that libpst runs to its end without waiting
	                          * for the callbacks; a file libpst can not read then
	                          * fails before any callback, and the callbacks follow
	                          * from the file (`total` first, as always) */
	int keep_reader;         /* 1: after a whole read the child stays for this
	                          * thread's next read with the same options (starting
	                          * one costs more than reading a small file);
	                          * mbx_pstread_release, or the thread's end, ends it */
} mbx_pstread_opts;

typedef struct mbx_pstread_folder {
	int64_t id;              /* reader's id, unique in this file */
	int64_t parent_id;       /* 0 = child of Top of Personal Folders */
	const char *name;
	const char *container_class;  /* may be NULL */
	const char *path;        /* "Inbox/Projects" below Top of Personal Folders */
	mbx_folder_role role;    /* recognized by well-known name, else NONE */
	int64_t item_count;      /* as libpst counts the folder's items */
} mbx_pstread_folder;

typedef struct mbx_pstread_cb {
	/* Folders come parents first, before their messages.  Return 0 to go
	 * on, non-zero to stop the read (that value is returned). */
	int (*folder)(void *ud, const mbx_pstread_folder *f);
	/* A message of folder folder_id: the fields libpst exposes, with
	 * recipients and attachments (data filled when want_data).
	 * m->folder_id is folder_id; m->id is the reader's item number. */
	int (*message)(void *ud, int64_t folder_id, const mbx_message *m);
	/* May be NULL.  Called once before the first folder with the number of
	 * messages the file's node tree holds (for a progress bar). */
	int (*total)(void *ud, int64_t messages);
} mbx_pstread_cb;

typedef struct mbx_pstread_stats {
	int64_t folders;
	int64_t messages;
	int64_t attachments;
	int64_t attachment_bytes;
	char *store_name;        /* the message store's display name (caller frees) */
	int64_t skipped;         /* items libpst could not parse (not passed to a callback) */
	int64_t damaged;         /* want_data 0: attachments whose data libpst could not
	                          * read back whole (blocks missing, outside the file, or
	                          * not adding up); their size is given as 0 */
} mbx_pstread_stats;

void mbx_pstread_opts_init(mbx_pstread_opts *opts);
/* 0 when the whole file was read, <0 on error (message names the file). */
int mbx_pstread_run(const char *path, const mbx_pstread_opts *opts, const mbx_pstread_cb *cb,
                    void *ud, mbx_pstread_stats *stats);
/* End the calling thread's kept child (keep_reader), if any. */
void mbx_pstread_release(void);

/* ---- pstread_tally.c: what a file holds, folder by folder ----
 *
 * An export's verification compares what it wrote with what libpst reads
 * back, folder by folder.  Both sides count with the same walk
 * (mbx_pstread_count_message) and name folders with the same join
 * (mbx_pstread_path_join), so that they can only differ where the file
 * does.  mbx_pst_describe prints the same counts. */

/* What one folder holds, as a verification compares it. */
typedef struct mbx_pstread_counts {
	int64_t messages;        /* normal messages */
	int64_t associated;      /* FAI messages */
	int64_t attachments;     /* by-value attachments of those messages */
	int64_t embedded;        /* embedded messages (attach method 5) */
	int64_t attach_bytes;    /* sum of the by-value attachments' sizes */
} mbx_pstread_counts;

/*
 * The one walk over a message: adds m to c.  A message counts as
 * associated when m->associated is set (the reader sets it from
 * PR_MESSAGE_FLAGS' MSGFLAG_ASSOCIATED; the store keeps both in step).
 * Only m's own attachments count: the attachments and recipients of an
 * embedded message are not walked (libpst's attachment table of the
 * outer message is what both sides see).
 */
void mbx_pstread_count_message(mbx_pstread_counts *c, const mbx_message *m);

/* parent + "/" + name, with '/' and '\\' inside name escaped by '\\'
 * (tests/PSTDESC.md), so that a folder called "A/B" is not the folder B
 * below A; parent "" or NULL for top-level folders.  Caller frees. */
char *mbx_pstread_path_join(const char *parent, const char *name);

/* One folder libpst read: its id, path (mbx_pstread_path_join of the
 * names) and counts. */
typedef struct mbx_pstread_tally_folder {
	int64_t id;
	char *path;              /* owned by the tally */
	mbx_pstread_counts got;
} mbx_pstread_tally_folder;

typedef struct mbx_pstread_tally {
	/* in: set before mbx_pstread_tally_run (zero = defaults) */
	int strict;              /* 1: a message of a folder not read before is
	                          * an error (MBX_ECORRUPT); 0: it is not counted */
	int (*cancelled)(void *ud);   /* may be NULL; polled per folder and message;
	                               * non-zero stops the read with MBX_ECANCELLED */
	void *cancel_ud;
	/* out: the folders in the reader's order (parents first) */
	mbx_pstread_tally_folder *folders;
	size_t n;
} mbx_pstread_tally;

/*
 * Read `path` (opts NULL: mbx_pstread_opts_init's defaults) and count
 * every folder's messages into t.  Returns what mbx_pstread_run returns;
 * t holds what was read so far either way.  stats (may be NULL) as for
 * mbx_pstread_run: the caller frees stats->store_name.  Release t with
 * mbx_pstread_tally_clear (its in-fields are kept).
 */
int mbx_pstread_tally_run(mbx_pstread_tally *t, const char *path, const mbx_pstread_opts *opts,
                          mbx_pstread_stats *stats);
void mbx_pstread_tally_clear(mbx_pstread_tally *t);

#endif
