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
 * Internal to the core (export verification and import share it).
 * Ownership: everything passed to a callback is owned by the reader and
 * valid only during the call; copy what you keep.
 */
#ifndef MBX_PSTREAD_H
#define MBX_PSTREAD_H

#include "mbx/common.h"
#include "mbx/store.h"

typedef struct mbx_pstread_opts {
	int timeout_seconds;     /* 0 = 600 s */
	int64_t max_memory;      /* child's RLIMIT_AS in bytes; 0 = 4 GiB */
	int want_data;           /* 1: attachment bytes in the messages; 0: sizes only,
	                          * from the block index without reading the data */
	int want_bodies;         /* 1: bodies and headers; 0: leave them NULL */
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

#endif
