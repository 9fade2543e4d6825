/*
 * mbx/pstprop.h - the property-level PST reader: every MAPI property of
 * every object of a PST or OST file (message store, folders, messages,
 * FAI messages, recipient rows, attachments, embedded messages), named
 * properties resolved through the file's name-to-ID map.
 *
 * It reads ANSI PST files (wVer 14/15), Unicode PST and OST files (wVer
 * 23; higher versions with a note) and OST files with 4 KiB pages (wVer 36,
 * Outlook 2013 and later, zlib-compressed blocks).  Nothing in the file is
 * trusted: every block is checked (size, trailer BID, signature, CRC,
 * decoding) and every offset bounded, every walk depth-limited; what can
 * not be read makes the object that needs it damaged (reported in the
 * damage list with the object, the block and what is wrong), and the rest
 * of the file is still read.
 *
 *   mbx_pstprop_open(&p, path, 0)           header, B-trees, name map, store, folders
 *   mbx_pstprop_info_get(p)                 format, version, encoding, size
 *   mbx_pstprop_store_bag(p)                the message store's properties
 *   mbx_pstprop_folder_count / _folder_at   the folder tree, depth first in
 *                                           hierarchy-table order (0 is the root)
 *   mbx_pstprop_folder_contents(p, nid, assoc, &nids, &n)
 *                                           message NIDs in table row order
 *   mbx_pstprop_message_read(p, nid, &m)    a message: bag, recipients, attachments,
 *                                           embedded messages
 *   mbx_pstprop_attach_read(p, att, off, buf, len, &got)   attachment data, streamed
 *   mbx_pstprop_damage_count / _damage_at   what could not be read
 *   mbx_pstprop_message_free(m), mbx_pstprop_free(p)
 *
 * Ownership: the reader owns its info, store bag, folders and damage list
 * (valid until mbx_pstprop_free).  A message from mbx_pstprop_message_read
 * belongs to the caller (mbx_pstprop_message_free), with everything in it
 * (recipients, attachments, embedded messages); it stays usable after
 * other reads but mbx_pstprop_attach_read needs the reader that made it.
 * Arrays from mbx_pstprop_folder_contents belong to the caller (mbx_free).
 * A reader is not thread-safe: one thread at a time per mbx_pstprop.
 *
 * Property values are in the raw form mbx/props.h defines.  Values that
 * are not in a bag:
 *   - PidTagAttachDataBinary (and the data of a PtypObject attachment that
 *     is not an embedded message, e.g. OLE storage): never loaded; its size
 *     is mbx_pstprop_attach.data_size, its bytes come from
 *     mbx_pstprop_attach_read;
 *   - PidTagAttachDataObject of an embedded message (method 5): the message
 *     is mbx_pstprop_attach.embedded;
 *   - values that could not be read (a damaged block, a value of the wrong
 *     size for its type, a named property id with no name-to-ID map entry):
 *     listed in the bag's `bad` array and in the damage list.
 */
#ifndef MBX_PSTPROP_H
#define MBX_PSTPROP_H

#include "mbx/common.h"
#include <stdio.h>
#include "mbx/props.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mbx_pstprop mbx_pstprop;

enum {
	MBX_PSTPROP_ANSI = 1,        /* 32-bit ANSI PST (wVer 14, 15) */
	MBX_PSTPROP_UNICODE = 2,     /* 64-bit Unicode PST/OST, 512-byte pages (wVer 23+) */
	MBX_PSTPROP_UNICODE_4K = 3   /* 64-bit OST with 4 KiB pages (wVer 36, Outlook 2013+) */
};

typedef struct mbx_pstprop_info {
	int format;               /* MBX_PSTPROP_* */
	int ost;                  /* 1: an OST (wMagicClient "SO", or 4 KiB pages) */
	unsigned wver, wver_client;
	unsigned crypt;           /* bCryptMethod: 0 none, 1 compressible, 2 high */
	uint64_t size;            /* bytes of the file */
	size_t nodes, blocks;     /* NBT and BBT leaf entries */
	const char *description;  /* e.g. "Unicode PST (wVer 23)" */
	const char *note;         /* NULL, or a remark (e.g. a wVer newer than known) */
} mbx_pstprop_info;

/* A property that is in the file but whose value could not be read. */
typedef struct mbx_pstprop_bad {
	uint16_t id;              /* plain id, or the file's own id (0x8000+) when unnamed */
	uint16_t type;            /* as stored */
	int named;                /* 1: guid and lid/name below are set */
	uint8_t guid[16];
	uint32_t lid;
	char *name;               /* string name (UTF-8) or NULL */
	char *reason;
} mbx_pstprop_bad;

/* The properties of one object. */
typedef struct mbx_pstprop_bag {
	mbx_props props;
	mbx_pstprop_bad *bad;
	size_t nbad;
} mbx_pstprop_bag;

enum {
	MBX_PSTPROP_FOLDER_NORMAL = 0,
	MBX_PSTPROP_FOLDER_SEARCH = 1,
	MBX_PSTPROP_FOLDER_ROOT = 2
};

typedef struct mbx_pstprop_folder {
	uint32_t nid, parent;     /* parent: the folder whose hierarchy table lists it */
	int kind;                 /* MBX_PSTPROP_FOLDER_* */
	unsigned depth;           /* 0 for the root folder */
	char *name;               /* PidTagDisplayName in UTF-8 ("" when absent) */
	char *path;               /* names from below the root joined by '/' ('/' and '\' escaped
	                             with '\', control characters \xNN, the k-th same-named
	                             sibling "#k"): the OBJECT of tests/PROPDUMP.md without
	                             "folder:" */
	mbx_pstprop_bag bag;
	size_t nsub;              /* rows of its hierarchy table */
	size_t nmsg, nfai;        /* rows of its contents and associated contents tables */
	uint32_t content_count, unread_count, assoc_count;  /* PidTagContent*Count (0 when absent) */
	int damaged;
} mbx_pstprop_folder;

typedef struct mbx_pstprop_msg mbx_pstprop_msg;

typedef struct mbx_pstprop_attach {
	uint32_t nid;             /* the attachment's subnode */
	mbx_pstprop_bag bag;      /* the attachment object (data not included, see above) */
	uint32_t method;          /* PidTagAttachMethod, 0 when absent */
	uint16_t data_type;       /* MBX_PT_BINARY, MBX_PT_OBJECT (OLE), or 0: no data */
	uint64_t data_size;       /* bytes mbx_pstprop_attach_read gives */
	mbx_pstprop_msg *embedded;/* method 5: the embedded message (NULL when unreadable) */
	void *priv;               /* the reader's: where the data is */
} mbx_pstprop_attach;

struct mbx_pstprop_msg {
	uint32_t nid;             /* NBT node, or subnode for an embedded message */
	mbx_pstprop_bag bag;
	mbx_pstprop_bag *rcpt;    /* one per recipient-table row, every column present in it */
	size_t nrcpt;
	mbx_pstprop_attach *att;  /* one per attachment-table row */
	size_t natt;
	int damaged;              /* 1: part of it (or of its recipients, attachments) was unreadable */
};

/* Open a PST/OST.  flags: 0.  MBX_ENOTFOUND / MBX_EIO when the file can
 * not be opened, MBX_ECORRUPT when it is not a PST/OST or its header or
 * B-trees can not be read at all; a file with damaged items opens. */
int mbx_pstprop_open(mbx_pstprop **out, const char *path, unsigned flags);
void mbx_pstprop_free(mbx_pstprop *p);

const mbx_pstprop_info *mbx_pstprop_info_get(const mbx_pstprop *p);
const mbx_pstprop_bag *mbx_pstprop_store_bag(const mbx_pstprop *p);

/* Folders: 0 is the root folder, then depth first in hierarchy-table order. */
size_t mbx_pstprop_folder_count(const mbx_pstprop *p);
const mbx_pstprop_folder *mbx_pstprop_folder_at(const mbx_pstprop *p, size_t i);
const mbx_pstprop_folder *mbx_pstprop_folder_find(const mbx_pstprop *p, uint32_t nid);

/* The message NIDs of a folder's contents table (assoc 0) or associated
 * contents table (assoc 1) in row order; *nids caller frees.  A search
 * folder has none.  A damaged table gives the rows read before the damage
 * (reported) and still returns 0. */
int mbx_pstprop_folder_contents(mbx_pstprop *p, uint32_t folder_nid, int assoc, uint32_t **nids, size_t *n);

/* Read a message (NBT node).  0 and *out set even when parts were
 * damaged (then (*out)->damaged, and the damage list says what); <0 only
 * for a NID that is not a message node. */
int mbx_pstprop_message_read(mbx_pstprop *p, uint32_t nid, mbx_pstprop_msg **out);
void mbx_pstprop_message_free(mbx_pstprop_msg *m);

/* Read up to len bytes of an attachment's data from offset; *got bytes
 * read (0 at the end).  MBX_ECORRUPT when a block of it is damaged
 * (reported in the damage list). */
int mbx_pstprop_attach_read(mbx_pstprop *p, const mbx_pstprop_attach *a, uint64_t offset, void *buf,
                            size_t len, size_t *got);

/* What could not be read, in the order found. */
typedef struct mbx_pstprop_damage {
	char *object;             /* e.g. "folder Inbox, message 0x200024 'Budget'" */
	uint32_t nid;             /* the node (0 when none) */
	uint64_t bid;             /* the block (0 when not a block's fault) */
	char *what;
} mbx_pstprop_damage;

size_t mbx_pstprop_damage_count(const mbx_pstprop *p);
const mbx_pstprop_damage *mbx_pstprop_damage_at(const mbx_pstprop *p, size_t i);

/*
 * The property dump of tests/PROPDUMP.md for the whole file, written to
 * fp.  flags: MBX_PSTPROP_DUMP_VALUES writes every value in hex (no
 * sha256: for values over 48 bytes).  Returns 0, 1 when any item was
 * damaged (after dumping what could be read), or <0 on a write error.
 */
#define MBX_PSTPROP_DUMP_VALUES 0x1u
int mbx_pstprop_dump(mbx_pstprop *p, FILE *fp, unsigned flags);

#ifdef __cplusplus
}
#endif
#endif
