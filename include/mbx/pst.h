/*
 * mbx/pst.h - the Unicode PST writer ([MS-PST], wVer 23) and the strict
 * validator.
 *
 * The writer streams: folders and messages are written as they are added,
 * only per-node and per-block bookkeeping stays in memory, never message
 * bodies or attachment data of earlier messages.
 *
 *   mbx_pst_create(&pst, path, &opts)    file is written under path + ".tmp"
 *   mbx_pst_folder_add(...)              any depth, any order (parent first)
 *   mbx_pst_message_begin(...)           one open message per writer at a time
 *     mbx_pst_message_add_recipient(...)
 *     mbx_pst_attach_begin / _write / _end   data in chunks, any size
 *     mbx_pst_attach_message_begin(...)      embedded message, same calls, then
 *     mbx_pst_message_end(embedded)
 *   mbx_pst_message_end(msg)
 *   mbx_pst_close(pst)                   finalizes, fsyncs, renames to path
 *   mbx_pst_free(pst)                    after close; without close it
 *                                        removes the temporary file
 *
 * Ownership: the writer owns every mbx_pst_msg handle it gives out; a
 * handle is valid until its mbx_pst_message_end.  Strings passed in are
 * copied or written before the call returns.  Text is UTF-8 and must be
 * valid (MBX_EINVAL otherwise); the file stores UTF-16LE.
 */
#ifndef MBX_PST_H
#define MBX_PST_H

#include "mbx/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mbx_pst mbx_pst;
typedef struct mbx_pst_msg mbx_pst_msg;
typedef uint32_t mbx_pst_nid;

enum {
	MBX_PST_CRYPT_NONE = 0,
	MBX_PST_CRYPT_PERMUTE = 1   /* "compressible", Outlook's default */
};

typedef struct mbx_pst_opts {
	int crypt;                  /* MBX_PST_CRYPT_*; default PERMUTE */
	const char *display_name;   /* the store's display name */
	int fsync;                  /* fsync file and directory at close (default 1) */
	int keep_temp;              /* 1: write directly to path (no .tmp/rename) */
} mbx_pst_opts;

/* Fill opts with the defaults. */
void mbx_pst_opts_init(mbx_pst_opts *opts);

int mbx_pst_create(mbx_pst **out, const char *path, const mbx_pst_opts *opts);

/* The NIDs of the folders every PST has. */
mbx_pst_nid mbx_pst_top_folder(const mbx_pst *pst);      /* Top of Personal Folders */
mbx_pst_nid mbx_pst_deleted_items(const mbx_pst *pst);   /* Deleted Items (under Top) */

/* Add a folder under parent; container_class may be NULL ("IPF.Note"). */
int mbx_pst_folder_add(mbx_pst *pst, mbx_pst_nid parent, const char *name,
                       const char *container_class, mbx_pst_nid *out);

/*
 * An extra property of a message (appointment, contact and task details),
 * written into the message's property context.  guid NULL: a plain
 * property, id 0x0001-0x7FFF, none the writer sets itself (class,
 * subject, sender, bodies, times, flags, sizes, display lists:
 * MBX_EINVAL).  Otherwise guid is the 16-byte property set as a PST
 * stores it and id the LID: the writer gives the name an NPID (0x8000+)
 * in the file's name-to-ID map.  type: 0x0003 PT_LONG, 0x0005 PT_DOUBLE,
 * 0x000B PT_BOOLEAN, 0x001F PT_UNICODE, 0x0040 PT_SYSTIME; the value is
 * in i (LONG, BOOLEAN, SYSTIME as Unix seconds), d or s (UTF-8).
 */
typedef struct mbx_pst_prop {
	const unsigned char *guid;
	uint32_t id;
	uint16_t type;
	int64_t i;
	double d;
	const char *s;
} mbx_pst_prop;

typedef struct mbx_pst_message_props {
	const char *message_class;      /* NULL = "IPM.Note" */
	const char *subject;            /* may start with a prefix such as "RE: " */
	const char *sender_name;
	const char *sender_address;
	const char *sender_addrtype;    /* NULL = "SMTP" */
	const char *body;               /* plain text */
	const char *html_body;          /* written as PidTagHtml (binary) */
	const char *transport_headers;
	const char *internet_message_id;
	int64_t submit_time;            /* Unix seconds; 0 = unset */
	int64_t delivery_time;
	int64_t creation_time;          /* 0 = delivery or submit time */
	int64_t modification_time;
	uint32_t flags;                 /* PidTagMessageFlags (MSGFLAG_*) */
	int importance;                 /* 0 low, 1 normal, 2 high */
	int flag_status;                /* PidTagFlagStatus: 0, 1 complete, 2 flagged */
	int associated;                 /* FAI message in the associated contents */
	const mbx_pst_prop *extra;      /* n_extra extra properties, or NULL */
	size_t n_extra;
} mbx_pst_message_props;

typedef struct mbx_pst_recipient {
	int type;                       /* 1 To, 2 Cc, 3 Bcc */
	const char *name;
	const char *address;
	const char *addrtype;           /* NULL = "SMTP" */
} mbx_pst_recipient;

typedef struct mbx_pst_attach_props {
	const char *filename;           /* long file name; short name derived */
	const char *mime_type;
	int64_t size;                   /* total bytes that will be written (-1 unknown) */
	int64_t modification_time;
} mbx_pst_attach_props;

/* Start a message in folder (or, for attach_message_begin, embedded). */
int mbx_pst_message_begin(mbx_pst *pst, mbx_pst_nid folder,
                          const mbx_pst_message_props *props, mbx_pst_msg **out);
int mbx_pst_message_add_recipient(mbx_pst_msg *msg, const mbx_pst_recipient *r);

/* Attachment by value: begin, write data in chunks, end. */
int mbx_pst_attach_begin(mbx_pst_msg *msg, const mbx_pst_attach_props *props);
int mbx_pst_attach_write(mbx_pst_msg *msg, const void *data, size_t len);
int mbx_pst_attach_end(mbx_pst_msg *msg);

/* Embedded message (attach method 5): returns a message handle that takes
 * recipients and attachments, and is finished with mbx_pst_message_end
 * before the outer message continues. */
int mbx_pst_attach_message_begin(mbx_pst_msg *msg, const char *display_name,
                                 const mbx_pst_message_props *props, mbx_pst_msg **out);

/* Finish a message; *size_out (may be NULL) gets PidTagMessageSize. */
int mbx_pst_message_end(mbx_pst_msg *msg, int64_t *size_out);

/* Bytes written so far (for splitting by size). */
int64_t mbx_pst_size(const mbx_pst *pst);

/* Finalize: tables, B-trees, AMaps, header; fsync; rename to the final name. */
int mbx_pst_close(mbx_pst *pst);
void mbx_pst_free(mbx_pst *pst);

/* ---- Strict validator (mbxrescue pst-check) ------------------------------ */

/* Called for each problem: where ("BBT page at 0x4800", "NID 0x8022") and what. */
typedef void (*mbx_pstcheck_fn)(void *ud, const char *where, const char *problem);

typedef struct mbx_pstcheck_stats {
	uint64_t file_size;
	uint64_t pages;
	uint64_t blocks;
	uint64_t nodes;
	uint64_t folders;
	uint64_t messages;
	uint64_t attachments;
	uint64_t problems;
} mbx_pstcheck_stats;

/*
 * Check a Unicode PST.  Returns 0 when the file could be read (problems,
 * if any, went to cb and stats->problems), <0 when it could not be read at
 * all (not a PST, I/O error).
 */
int mbx_pstcheck_run(const char *path, mbx_pstcheck_fn cb, void *ud, mbx_pstcheck_stats *stats);

#ifdef __cplusplus
}
#endif
#endif
