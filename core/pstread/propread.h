/*
 * core/pstread/propread.h - read a PST or OST with our property-level
 * reader (core/pstprop, mbx/pstprop.h), isolated in a child process: the
 * reader of the import.
 *
 * The child (propchild.c) reads the file and streams it (propwire.h);
 * this side starts it (child.h: fork/exec, address-space and silence
 * limits), checks every record like any outside input, and hands the
 * caller, in the file's order: the file's description, the message
 * store's bag, every folder (depth first in hierarchy order, the root
 * first) with its bag, then every message of every folder (contents table
 * rows, then associated contents table rows) as an mbx_message holding
 * bags only -- its own, its recipients', its attachments' (data streamed,
 * see below) and its embedded messages' -- with what could not be read.
 * A crash, hang or memory blow-up of the child, or a stream that breaks
 * the format, is one error: "FILE: not a readable PST (reader stopped at
 * item N); WHY".
 *
 * Attachment data never sits in one buffer as a whole: the chunks of a
 * message's attachments are kept in memory up to mem_budget bytes a
 * message, the rest in a temporary file (or, spooled, where it already is
 * in the spool file), and an attachment beyond the budget comes with
 * data_read/data_ud (mbx/store.h) instead of data.
 *
 * Ownership: everything passed to a callback is the reader's and valid
 * during the call only, but for the message, which the callback may
 * change (derive its fields, ...): the reader clears it afterwards.
 * Thread-safe: each call has its own child.
 */
#ifndef MBX_PROPREAD_H
#define MBX_PROPREAD_H

#include "mbx/common.h"
#include "mbx/props.h"
#include "mbx/store.h"

typedef struct mbx_propread_opts {
	int timeout_seconds;     /* longest silence of the child; 0 = 600 s */
	int64_t max_memory;      /* the child's RLIMIT_AS; 0 = 4 GiB */
	int spool;               /* 1: the child's whole output goes to a temporary file
	                          * (unlinked, in $TMPDIR) before the first callback: the
	                          * child reads to its end without waiting for the caller,
	                          * and a file it can not read fails before any callback */
	size_t mem_budget;       /* attachment bytes of one message kept in memory; 0 =
	                          * 8 MiB */
} mbx_propread_opts;

void mbx_propread_opts_init(mbx_propread_opts *o);

typedef struct mbx_propread_info {
	int format;              /* MBX_PSTPROP_ANSI, _UNICODE, _UNICODE_4K */
	int ost;
	unsigned wver, wver_client, crypt;
	const char *description; /* "Unicode PST file (wVer 23)", ... */
	const char *note;        /* or NULL */
} mbx_propread_info;

typedef struct mbx_propread_damage {
	int scope;               /* PV_SCOPE_FILE, _FOLDER, _MESSAGE (propwire.h) */
	uint32_t scope_nid;      /* the folder or message */
	const char *object;      /* "folder 'Inbox', message 0x200024 'Budget'" */
	uint32_t nid;
	uint64_t bid;
	const char *what;        /* "block 0x1234: CRC 0x... does not match its data" */
} mbx_propread_damage;

typedef struct mbx_propread_folder {
	uint32_t nid, parent;    /* parent: the folder whose hierarchy table lists it */
	int kind;                /* MBX_PSTPROP_FOLDER_NORMAL, _SEARCH, _ROOT */
	int damaged;             /* its properties or one of its tables are damaged */
	unsigned depth;          /* 0: the root */
	uint32_t nsub, nmsg, nfai;  /* rows of its hierarchy, contents and associated
	                          * contents tables */
	const mbx_props *bag;
} mbx_propread_folder;

typedef struct mbx_propread_msg {
	uint32_t folder, nid;
	int assoc;               /* a row of the associated contents table (FAI) */
	int unlisted;            /* not in the folder's (damaged) table: found by its node */
	int damaged;             /* something of it could not be read: m holds what came */
	const char *subject;     /* damaged: the best subject known, or NULL */
	const mbx_propread_damage *damage;  /* what was found while reading it */
	size_t n_damage;
	mbx_message *m;          /* bags, recipients, attachments (data or data_read,
	                          * size), embedded messages; the fields are not derived */
} mbx_propread_msg;

/* Each returns 0 to go on, non-zero to stop the read (that value is
 * returned).  Any may be NULL. */
typedef struct mbx_propread_cb {
	int (*info)(void *ud, const mbx_propread_info *info);
	int (*store)(void *ud, const mbx_props *bag, uint32_t unreadable);
	int (*folder)(void *ud, const mbx_propread_folder *f);
	/* After the last folder, before the first message: rows of all
	 * non-search folders' tables. */
	int (*total)(void *ud, int64_t messages);
	int (*message)(void *ud, mbx_propread_msg *m);
	/* Damage outside any message: the file's own (scope FILE) or a
	 * folder's (scope FOLDER: after that folder's callback). */
	int (*damage)(void *ud, const mbx_propread_damage *d);
} mbx_propread_cb;

typedef struct mbx_propread_stats {
	int64_t folders, messages, damaged_messages;
	int64_t attachments, attachment_bytes;
	int64_t damage_reports;
} mbx_propread_stats;

/* 0 when the whole file was read (damaged items included: see the
 * callbacks), <0 with the error set (naming the file).  stats may be NULL. */
int mbx_propread_run(const char *path, const mbx_propread_opts *opts, const mbx_propread_cb *cb,
                     void *ud, mbx_propread_stats *stats);

#endif
