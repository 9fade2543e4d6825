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
 * handle is valid until its mbx_pst_message_end.  Strings and property
 * bags passed in are copied or written before the call returns.  Text is
 * UTF-8 and must be valid (MBX_EINVAL otherwise); the file stores UTF-16LE.
 *
 * Property bags (mbx/props.h).  Every object can carry a bag: the store
 * (opts.store_props), folders (mbx_pst_folder_add_props), messages and
 * embedded messages (mbx_pst_message_props.props), recipients
 * (mbx_pst_recipient.props) and attachments (mbx_pst_attach_props.props).
 * The writer writes every property of a bag as stored: values of 4 bytes
 * or less inline, all others (8-byte types, PtypGuid, strings, binaries,
 * multi-valued and unknown types) in the heap or, over 3,580 bytes, in a
 * subnode; PtypObject as a subnode; PtypString8 stays PtypString8.  Named
 * properties (LIDs and string names) get NPIDs of this file's name-to-ID
 * map.  Only what must be computed for the new file is regenerated
 * (mbx_pst_regenerated, below); a bag property with such a key is ignored
 * or adjusted as the list says.  The first-class fields (subject, sender,
 * body, times, recipient name, attachment file name, ...) are written only
 * for the properties the bag does not hold: a caller passing only fields
 * gets the same output as without bags, a caller passing a complete bag
 * gets the bag.  Table rows (contents, hierarchy, recipient and
 * attachment tables) repeat the object's own values exactly.
 */
#ifndef MBX_PST_H
#define MBX_PST_H

#include "mbx/common.h"
#include "mbx/props.h"

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
	const mbx_props *store_props;   /* the message store's properties (its
	                                 * PidTagDisplayName wins over
	                                 * display_name), or NULL */
	int bags_whole;                 /* 1: every non-empty bag given is its
	                                 * object's whole bag (what a PST held):
	                                 * the fields add nothing beside it but
	                                 * what every object of its kind has
	                                 * (a message's class, a folder's name,
	                                 * a recipient's type, an attachment's
	                                 * method); no display lists computed,
	                                 * no defaults.  The export sets it: the
	                                 * store gives every object a complete
	                                 * bag.  Default 0 */
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
/* The same with the folder's property bag (may be NULL); name may be NULL
 * when the bag has PidTagDisplayName, and the bag's PidTagContainerClass
 * wins over container_class. */
int mbx_pst_folder_add_props(mbx_pst *pst, mbx_pst_nid parent, const char *name,
                             const char *container_class, const mbx_props *props, mbx_pst_nid *out);

/* Replace the bag of a folder the file already has: one added, or one
 * every PST has (the root folder, mbx_pst_top_folder, Search Root,
 * mbx_pst_deleted_items, IPM_COMMON_VIEWS; mbx_pst_root_folder,
 * mbx_pst_search_root, mbx_pst_common_views give their NIDs), so that a
 * copy of a PST keeps those folders' properties too (their display names
 * included).  props NULL: back to the writer's defaults.  The SPAM search
 * folder takes none. */
int mbx_pst_folder_set_props(mbx_pst *pst, mbx_pst_nid nid, const mbx_props *props);
mbx_pst_nid mbx_pst_root_folder(const mbx_pst *pst);
mbx_pst_nid mbx_pst_search_root(const mbx_pst *pst);
mbx_pst_nid mbx_pst_common_views(const mbx_pst *pst);

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
	const mbx_props *props;         /* every property of the message, or NULL:
	                                 * the fields above fill only what it lacks
	                                 * (subject: its prefix, normalized subject
	                                 * and topic only when the bag has no
	                                 * PidTagSubject).  Kept as given: times to
	                                 * the 100 ns, PidTagRtfCompressed, display
	                                 * To/Cc/Bcc (computed from the recipients
	                                 * only when absent), the conversation
	                                 * topic.  PidTagMessageFlags: the bag's
	                                 * value, but MSGFLAG_HASATTACH set when the
	                                 * message has attachments in the file and
	                                 * cleared when it has none (without a bag:
	                                 * flags, set when it has some, as before) */
} mbx_pst_message_props;

typedef struct mbx_pst_recipient {
	int type;                       /* 1 To, 2 Cc, 3 Bcc */
	const char *name;
	const char *address;
	const char *addrtype;           /* NULL = "SMTP" */
	const mbx_props *props;         /* every property of the recipient, or NULL;
	                                 * with PidTagRecipientType, type may be 0 */
} mbx_pst_recipient;

typedef struct mbx_pst_attach_props {
	const char *filename;           /* long file name; short name derived */
	const char *mime_type;
	int64_t size;                   /* total bytes that will be written (-1 unknown) */
	int64_t modification_time;
	const mbx_props *props;         /* every property of the attachment, or NULL.
	                                 * Its PidTagAttachMethod is kept (not 5: use
	                                 * mbx_pst_attach_message_begin_props); its
	                                 * PidTagAttachDataBinary is the data (then
	                                 * mbx_pst_attach_write is refused) */
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
/* The same with the attachment object's fields and bag (att may be NULL;
 * att->filename is the display name, att->size is not used). */
int mbx_pst_attach_message_begin_props(mbx_pst_msg *msg, const mbx_pst_attach_props *att,
                                       const mbx_pst_message_props *props, mbx_pst_msg **out);

/* Finish a message; *size_out (may be NULL) gets PidTagMessageSize. */
int mbx_pst_message_end(mbx_pst_msg *msg, int64_t *size_out);

/* What mbx_pst_message_end_info tells of the message it finished. */
typedef struct mbx_pst_msg_info {
	int64_t size;               /* PidTagMessageSize */
	int subnode_levels;         /* 1; 2 when the message has more subnodes
	                             * (attachments, its tables, large values)
	                             * than one SLBLOCK holds (340) and the tree
	                             * has an SIBLOCK ([MS-PST] 2.2.2.8.3.2),
	                             * which libpst does not read: it sees no
	                             * attachments of such a message */
} mbx_pst_msg_info;

/* mbx_pst_message_end, telling what it wrote (info may be NULL). */
int mbx_pst_message_end_info(mbx_pst_msg *msg, mbx_pst_msg_info *info);

/* Bytes written so far (for splitting by size). */
int64_t mbx_pst_size(const mbx_pst *pst);

/* Finalize: tables, B-trees, AMaps, header; fsync; rename to the final name. */
int mbx_pst_close(mbx_pst *pst);
void mbx_pst_free(mbx_pst *pst);

/* ---- What the writer regenerates ------------------------------------------ */

/* The kinds of objects (embedded and FAI messages are messages). */
enum {
	MBX_PST_OBJ_STORE = 1,
	MBX_PST_OBJ_FOLDER,
	MBX_PST_OBJ_MESSAGE,
	MBX_PST_OBJ_RECIPIENT,
	MBX_PST_OBJ_ATTACHMENT
};

/* How the writer treats a bag property it regenerates. */
enum {
	MBX_PST_REGEN_ALWAYS = 1,   /* always written, with the writer's value */
	MBX_PST_REGEN_PRESENT,      /* the writer's value, when the bag has the property */
	MBX_PST_REGEN_DROPPED,      /* never written (names an object of the source store) */
	MBX_PST_REGEN_ADJUSTED      /* the bag's value with bits the writer sets */
};

typedef struct mbx_pst_regen {
	int kind;                   /* MBX_PST_OBJ_* */
	uint16_t id;                /* property id (regenerated properties are never named) */
	uint16_t type;              /* 0: any type */
	const char *name;           /* "PidTagMessageSize" */
	int rule;                   /* MBX_PST_REGEN_* */
	const char *value;          /* what the new file holds instead */
} mbx_pst_regen;

/* 0 when the writer writes property k of an object of this kind as the
 * bag holds it, else the MBX_PST_REGEN_* rule.  Entries for one type only
 * (PidTagAttachDataObject: PtypObject; the same id as PtypBinary is the
 * attachment's data, written as given) count only in the _type form with
 * that type; type 0 there matches every entry. */
int mbx_pst_regenerated(int kind, const mbx_propkey *k);
int mbx_pst_regenerated_type(int kind, const mbx_propkey *k, uint16_t type);
/* The whole list, *n entries, in a fixed order (for pst-dump --regenerated). */
const mbx_pst_regen *mbx_pst_regenerated_list(size_t *n);
/* "store", "folder", "message", "recipient", "attachment". */
const char *mbx_pst_object_kind_name(int kind);
/* "always", "when present", "dropped", "adjusted". */
const char *mbx_pst_regen_rule_name(int rule);

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
