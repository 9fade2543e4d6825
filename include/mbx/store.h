/*
 * mbx/store.h - the recovery server: one SQLite file holding the
 * directory (Recipients), the information store (Mailbox Resources, their
 * folders and messages), public folders, the audit log and export jobs.
 *
 * Ownership: an mbx_store is owned by whoever opened it and released with
 * mbx_store_free().  One mbx_store is one SQLite connection: use it from
 * one thread at a time (open one per worker thread).  Arrays and structs
 * filled by mbx_store_* belong to the caller and are released with the
 * matching *_free function.  Structs passed *into* the store are only
 * read; the store copies what it keeps.
 *
 * Times are Unix seconds (UTC).  Text is UTF-8.
 *
 * Property bags.  Every store mailbox, folder, message (embedded ones
 * included), message recipient and attachment carries `bag`, every MAPI
 * property of the object as its source had it (mbx/props.h); the other
 * members are the first-class fields the console, the filters and the
 * check use.  An importer fills the bag and derives the fields from it
 * (mbx_*_fields_from_bag); the demo and generators fill the fields, and
 * the bag follows from them (mbx_*_bag_from_fields).  The store keeps
 * both.  What the store does with the bag of an object it is given:
 *   - an empty bag: the fields are all there is; loads give the bag
 *     mbx_*_bag_from_fields derives from them;
 *   - a bag without the property every object of its kind has
 *     (PidTagMessageClass, PidTagRecipientType, PidTagAttachMethod, a
 *     folder's or mailbox's PidTagDisplayName): properties beside the
 *     fields (a demo appointment's start and end), kept after what the
 *     fields give, as mbx_*_bag_from_fields merges them;
 *   - any other bag is the object's whole bag, kept exactly (loads give
 *     the same properties, in the same order, with the same values), but
 *     for an attachment's PidTagAttachDataBinary, which is its data (the
 *     `data` member going in, mbx_store_attachment_read coming out) and
 *     never in the bag a load gives.
 * Loads give every object a complete bag, except the lists that do not
 * read the bags at all (said where they are).  A stored value of the wrong
 * size for its type (a damaged store file) is loaded as it is, not
 * refused with the whole object: mbx_props_check_value tells it, and the
 * export reports it with its item and leaves it out.
 */
#ifndef MBX_STORE_H
#define MBX_STORE_H

#include "mbx/common.h"
#include "mbx/mapitags.h"
#include "mbx/props.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mbx_store mbx_store;

/* Open flags. */
enum {
	MBX_STORE_READONLY = 1 << 0, /* never write; fails on a missing file.  Works
	                              * on a read-only file; a file we may write is
	                              * opened so that closing it still removes the
	                              * -wal and -shm files */
	MBX_STORE_CREATE = 1 << 1    /* create the file (and schema) if missing */
};

/*
 * Open (and migrate to the current schema) the store at `path`.  Fails with
 * a message naming the file and what to do when it is missing, unreadable,
 * read-only (unless MBX_STORE_READONLY), not SQLite, corrupt, or of a newer
 * schema (MBX_ESCHEMA); in all those cases the file is not modified.
 */
int mbx_store_open(mbx_store **out, const char *path, unsigned flags);
void mbx_store_free(mbx_store *st);
const char *mbx_store_path(const mbx_store *st);  /* owned by st */

/*
 * How long a connection waits for another writer before it gives up with
 * MBX_EBUSY and "store file F is busy: PROGRAM (PID N) is writing it".
 * Process-wide, for every connection opened afterwards (the CLI's --wait);
 * default MBX_STORE_BUSY_DEFAULT_MS.
 */
#define MBX_STORE_BUSY_DEFAULT_MS 10000
void mbx_store_set_busy_timeout(int ms);
int mbx_store_busy_timeout(void);
int mbx_store_schema_version(mbx_store *st);      /* PRAGMA user_version */
int mbx_store_schema_latest(void);

/*
 * Noticing another writer (core/store/store_watch.c).  A console keeps the
 * lists on screen while batch commands change the file: it asks now and
 * then whether anything changed and reloads only then.
 *
 * mbx_store_data_version: SQLite's PRAGMA data_version for this
 * connection.  It changes whenever another connection, of this process or
 * any other, commits to the file; this connection's own commits leave it
 * as it is.  Costs no I/O beyond a lock check.
 *
 * mbx_store_stamp_get: what the lists show, at a glance: the highest id
 * of mailboxes and of recipients (a new one), the newest audit entry
 * (every change the adjuster and its undo, fix-recipient, import-pst and
 * import-directory make is recorded there, removals included) and the
 * newest message.  Four index lookups: microseconds on 100,000 rows.
 * Export jobs are not in it (an export's job rows change data_version all
 * the time and nothing a list shows); equal stamps mean the lists need no
 * reload.
 */
int mbx_store_data_version(mbx_store *st, int64_t *out);
typedef struct mbx_store_stamp {
	int64_t max_mailbox_id, max_recipient_id;
	int64_t max_audit_id, max_message_id;
} mbx_store_stamp;
int mbx_store_stamp_get(mbx_store *st, mbx_store_stamp *out);
/* 1 when a and b are the same stamp. */
int mbx_store_stamp_equal(const mbx_store_stamp *a, const mbx_store_stamp *b);

/* Transactions (nestable: only the outermost begin/commit reach SQLite). */
int mbx_store_begin(mbx_store *st);
int mbx_store_commit(mbx_store *st);
int mbx_store_rollback(mbx_store *st);
/*
 * A read transaction: one snapshot for several reads, without the write
 * lock (so it works on a read-only store and never waits for a writer).
 * Ended by mbx_store_commit or mbx_store_rollback like mbx_store_begin's;
 * nested inside another transaction it is part of that one.  Do not write
 * in it.
 */
int mbx_store_begin_read(mbx_store *st);

/* ---- The server this store is ---------------------------------------- */

typedef struct mbx_server_info {
	char *organization;  /* e.g. "Contoso" */
	char *site;          /* e.g. "HQ" */
	char *server;        /* e.g. "EXCH1" */
	char *smtp_policy;   /* e.g. "%a@example.com" (%a alias, %g given, %s surname) */
} mbx_server_info;

int mbx_store_server_get(mbx_store *st, mbx_server_info *out);
int mbx_store_server_set(mbx_store *st, const mbx_server_info *info);
void mbx_server_info_clear(mbx_server_info *info);   /* frees members */

/* Servers and sites the directory knows (besides this server). */
int mbx_store_known_server_add(mbx_store *st, const char *server, const char *site);
/* 1 when the directory knows server (in site), 0 when not, <0 error. */
int mbx_store_known_server(mbx_store *st, const char *server, const char *site);

/* ---- Directory: Recipients --------------------------------------------- */

typedef enum {
	MBX_OBJ_MAILBOX = 0,
	MBX_OBJ_CUSTOM = 1,        /* custom recipient */
	MBX_OBJ_DISTLIST = 2
} mbx_object_class;

typedef struct mbx_recipient {
	int64_t id;
	char *display_name;
	char *alias;
	char *dn;              /* /o=ORG/ou=SITE/cn=Recipients/cn=ALIAS */
	char *smtp;
	char *home_server;     /* NULL for custom recipients / lists */
	char *primary_account; /* DOMAIN\user, NULL or "" when none */
	mbx_object_class object_class;
	int hidden;            /* hidden from the address book */
	int created_by_adjuster;
	int64_t created_time;  /* when the adjuster created it, else 0 */
	char *mailbox_guid;    /* link to the store mailbox, may be NULL */
	char *legacy_dn;       /* link to the store mailbox, may be NULL */
} mbx_recipient;

/* All recipients ordered by display name. */
int mbx_store_recipients(mbx_store *st, mbx_recipient **out, size_t *n);
void mbx_recipients_free(mbx_recipient *r, size_t n);
/* One recipient by alias (case-insensitive); MBX_ENOTFOUND when none. */
int mbx_store_recipient_by_alias(mbx_store *st, const char *alias, mbx_recipient *out);
void mbx_recipient_clear(mbx_recipient *r);    /* frees members of one */
int mbx_store_recipient_add(mbx_store *st, const mbx_recipient *r, int64_t *out_id);
/* Update every field of recipient r->id (audit logged by the caller). */
int mbx_store_recipient_update(mbx_store *st, const mbx_recipient *r);
/* One recipient by id; MBX_ENOTFOUND when none. */
int mbx_store_recipient_by_id(mbx_store *st, int64_t id, mbx_recipient *out);
/* Remove recipient id (audit logged by the caller); MBX_ENOTFOUND when none. */
int mbx_store_recipient_delete(mbx_store *st, int64_t id);

/* ---- Information store: Mailbox Resources ---------------------------- */

typedef struct mbx_mailbox {
	int64_t id;
	char *guid;            /* 36-char GUID text */
	char *display_name;
	char *legacy_dn;       /* /o=ORG/ou=SITE/cn=Recipients/cn=ALIAS */
	char *alias;           /* directory alias, or derived from legacy_dn */
	int64_t item_count;
	int64_t total_size;    /* bytes */
	int64_t last_logon;    /* 0 = never */
	int64_t created_time;  /* when the mailbox appeared in the store */
	int64_t recipient_id;  /* linked directory entry, 0 = orphaned */
	mbx_props bag;         /* the properties of the message store object of
	                        * the PST it was imported from (its
	                        * PidTagDisplayName, ...); from the fields (the
	                        * display name) otherwise */
} mbx_mailbox;

/* All store mailboxes ordered by display name, with recipient_id resolved
 * (link by GUID, else by legacy DN, case-insensitive).  A list: the bags
 * are left empty (mbx_store_mailbox_by_id reads one). */
int mbx_store_mailboxes(mbx_store *st, mbx_mailbox **out, size_t *n);
void mbx_mailboxes_free(mbx_mailbox *m, size_t n);
/* A mailbox by alias: the mailbox whose directory entry has this alias,
 * else one whose legacy DN ends in the component /cn=ALIAS (all an
 * orphaned mailbox has); both ASCII case-insensitive, the lowest id first.
 * Index lookups only.  With its bag. */
int mbx_store_mailbox_by_alias(mbx_store *st, const char *alias, mbx_mailbox *out);
/*
 * Many aliases at once, as mbx_store_mailbox_by_alias each: found[i] = 1
 * and out[i] filled (caller clears each with mbx_mailbox_clear) when
 * aliases[i] names a mailbox, else found[i] = 0 and out[i] zeroed.  One
 * statement per 256 aliases: for lists of 10,000s of mailboxes.
 */
int mbx_store_mailboxes_by_alias(mbx_store *st, const char *const *aliases, size_t n,
                                 mbx_mailbox *out, unsigned char *found);
/*
 * The mailboxes in the order of mbx_store_mailboxes, a page at a time: up
 * to `limit` after (after_name, after_id), the display name and id of the
 * last one of the previous page (after_name NULL: from the first).  *n < limit
 * at the end.  Free with mbx_mailboxes_free.  For going through 100,000s
 * of mailboxes without holding them all; each page is its own snapshot.
 */
int mbx_store_mailboxes_page(mbx_store *st, const char *after_name, int64_t after_id,
                             size_t limit, mbx_mailbox **out, size_t *n);
/* The number of store mailboxes. */
int mbx_store_mailbox_count(mbx_store *st, size_t *n);
int mbx_store_mailbox_by_id(mbx_store *st, int64_t id, mbx_mailbox *out);
/* Free the members (the bag too) and zero *m. */
void mbx_mailbox_clear(mbx_mailbox *m);
/* Add a mailbox, with its bag (see "Property bags" above). */
int mbx_store_mailbox_add(mbx_store *st, const mbx_mailbox *m, int64_t *out_id);
/* Replace the bag of mailbox id (an import that created the mailbox
 * before it read the PST's message store object). */
int mbx_store_mailbox_bag_set(mbx_store *st, int64_t id, const mbx_props *bag);
/* Recompute item_count and total_size of a mailbox from its messages. */
int mbx_store_mailbox_refresh_counts(mbx_store *st, int64_t mailbox_id);

/* ---- The links at a glance (a first screen before the full lists) ------ */

/* Why a directory entry needs attention. */
enum {
	MBX_RCPT_NO_MAILBOX = 1 << 0,  /* a mailbox homed on this server, not in the store */
	MBX_RCPT_HIDDEN = 1 << 1,      /* created by the adjuster, still hidden */
	MBX_RCPT_NO_ACCOUNT = 1 << 2   /* created by the adjuster, no primary account */
};

/*
 * Which mailbox links to which recipient, and the counts, without any of
 * the text: the same links mbx_store_mailboxes resolves, at a fraction of
 * its cost on 100,000s of rows.  With the two *_first_page functions a
 * console draws its first screen before the full lists are loaded.  The
 * caller owns *out (mbx_store_links_free; NULL is a no-op); it is a
 * snapshot and does not follow later changes.
 */
typedef struct mbx_store_links mbx_store_links;

typedef struct mbx_links_counts {
	size_t mailboxes, orphans;   /* orphans: no directory entry */
	size_t recipients, flagged;  /* flagged: any MBX_RCPT_* */
} mbx_links_counts;

int mbx_store_links_load(mbx_store *st, mbx_store_links **out);
void mbx_store_links_free(mbx_store_links *l);
void mbx_store_links_counts(const mbx_store_links *l, mbx_links_counts *out);
/* The recipient id a mailbox links to; 0 when orphaned or unknown. */
int64_t mbx_store_links_recipient_of(const mbx_store_links *l, int64_t mailbox_id);
/* MBX_RCPT_* of a recipient; 0 when none or unknown. */
unsigned mbx_store_links_flags(const mbx_store_links *l, int64_t recipient_id);

/* The first `limit` mailboxes (recipients) in the order of
 * mbx_store_mailboxes (mbx_store_recipients), through an index: the
 * mailboxes' recipient_id and alias resolved through `links`.  Free with
 * mbx_mailboxes_free (mbx_recipients_free). */
int mbx_store_mailboxes_first_page(mbx_store *st, const mbx_store_links *links, size_t limit,
                                   mbx_mailbox **out, size_t *n);
int mbx_store_recipients_first_page(mbx_store *st, size_t limit, mbx_recipient **out,
                                    size_t *n);

/* ---- Folders ----------------------------------------------------------- */

typedef enum {
	MBX_ROLE_NONE = 0,
	MBX_ROLE_INBOX, MBX_ROLE_OUTBOX, MBX_ROLE_SENT, MBX_ROLE_DELETED,
	MBX_ROLE_DRAFTS, MBX_ROLE_CALENDAR, MBX_ROLE_CONTACTS, MBX_ROLE_TASKS,
	MBX_ROLE_NOTES, MBX_ROLE_JOURNAL,
	MBX_ROLE_COUNT
} mbx_folder_role;

/* "Inbox", "Sent Items", ... (the English name of a role). */
const char *mbx_folder_role_name(mbx_folder_role role);
/* The role of an English well-known name, case-insensitive; NONE if not one. */
mbx_folder_role mbx_folder_role_parse(const char *name);

typedef struct mbx_folder {
	int64_t id;
	int64_t mailbox_id;
	int64_t parent_id;     /* 0 = top of the mailbox */
	char *name;
	char *container_class; /* IPF.Note, IPF.Appointment, ... */
	mbx_folder_role role;
	int64_t message_count; /* filled by mbx_store_folders */
	int64_t unread_count;
	char *path;            /* "Inbox/Projects" (filled by mbx_store_folders) */
	mbx_props bag;         /* every property of the folder */
} mbx_folder;

/* The deepest folder level mbx_store_folders lists (deeper chains are left
 * out, and export then fails the mailbox rather than drop them). */
#define MBX_FOLDER_DEPTH_MAX 4096

/* A mailbox's folders with their bags, parents before children, depth
 * first, siblings in the order they were added (the order of the PST
 * they came from). */
int mbx_store_folders(mbx_store *st, int64_t mailbox_id, mbx_folder **out, size_t *n);
void mbx_folders_free(mbx_folder *f, size_t n);
int mbx_store_folder_add(mbx_store *st, const mbx_folder *f, int64_t *out_id);

/* ---- Messages ----------------------------------------------------------- */

typedef enum { MBX_RECIP_TO = 1, MBX_RECIP_CC = 2, MBX_RECIP_BCC = 3 } mbx_recip_type;

typedef struct mbx_msg_recipient {
	mbx_recip_type type;
	char *name;
	char *address;
	char *addrtype;        /* "SMTP" or "EX" */
	mbx_props bag;         /* every property of the recipient (its row) */
} mbx_msg_recipient;

typedef struct mbx_message mbx_message;

typedef struct mbx_attachment {
	int64_t id;            /* set by the store */
	char *filename;
	char *mime_type;
	int64_t size;          /* bytes of data (0 for embedded) */
	const void *data;      /* only for mbx_store_message_add: `size` bytes */
	mbx_message *embedded; /* an attached message (attach method 5), or NULL */
	mbx_props bag;         /* every property of the attachment but its data */
	/* Instead of `data` (NULL), for mbx_store_message_add and
	 * mbx_message_hash: the `size` bytes come through this, read in order
	 * from offset 0 in bounded chunks (never one buffer of the whole
	 * attachment); *got < len only at the end.  0, or <0 with the error
	 * set (the insert then fails).  Not freed by mbx_message_clear. */
	int (*data_read)(void *ud, int64_t offset, void *buf, size_t len, size_t *got);
	void *data_ud;
} mbx_attachment;

/* Message flags, MAPI's PidTagMessageFlags values. */
enum {
	MBX_MSG_READ = 0x01,
	MBX_MSG_UNMODIFIED = 0x02,
	MBX_MSG_SUBMIT = 0x04,
	MBX_MSG_UNSENT = 0x08,
	MBX_MSG_HASATTACH = 0x10,
	MBX_MSG_FROMME = 0x20,
	MBX_MSG_ASSOCIATED = 0x40
};

/*
 * Extra item properties: what an appointment, contact or task holds beyond
 * the fields of mbx_message (start and end, location, e-mail addresses,
 * phones, due date, percent complete, ...), each one MAPI property.  They
 * live in the message's bag; mbx_msg_prop is a typed view of one of them.
 * A plain property has an all-zero guid and its property id (0x0001-0x7FFF,
 * e.g. 0x3A16 PidTagCompanyName); a named property has the 16 bytes of its
 * property set GUID as a PST stores them (MBX_PSETID_*) and its LID (e.g.
 * PSETID_Appointment 0x820D PidLidAppointmentStartWhole).  The value is in
 * `i` (PT_LONG, PT_BOOLEAN 0/1, PT_SYSTIME as Unix seconds), `d`
 * (PT_DOUBLE) or `s` (PT_UNICODE, UTF-8).
 */
/* One of MBX_PT_LONG, MBX_PT_DOUBLE, MBX_PT_BOOLEAN, MBX_PT_UNICODE,
 * MBX_PT_SYSTIME; the type codes and the property set GUIDs (MBX_PSETID_*,
 * 16 bytes in PST byte order) are in mbx/mapitags.h.  (An unsigned int,
 * as the enum that held the five codes was.) */
typedef unsigned int mbx_prop_type;

typedef struct mbx_msg_prop {
	uint8_t guid[16];      /* property set of a named property; all zero: plain */
	uint32_t id;           /* plain: property id; named: the LID */
	uint16_t type;         /* mbx_prop_type */
	int64_t i;             /* LONG, BOOLEAN, SYSTIME */
	double d;              /* DOUBLE */
	char *s;               /* UNICODE; owned by whoever holds the mbx_msg_prop */
} mbx_msg_prop;

/* 1 when p is a named property (its guid is not all zero). */
int mbx_msg_prop_named(const mbx_msg_prop *p);
/* Free p->s. */
void mbx_msg_prop_clear(mbx_msg_prop *p);
void mbx_msg_props_free(mbx_msg_prop *p, size_t n);
/* Set p in m's bag (added, or replacing the property with its key).
 * MBX_EINVAL for a type not of the five, a plain id outside
 * 0x0001-0x7FFF or a string that is not UTF-8. */
int mbx_message_prop_set(mbx_message *m, const mbx_msg_prop *p);
/* The property of m's bag with this set (NULL: a plain property) and id:
 * 0 and *out filled (out->s is the caller's: mbx_msg_prop_clear),
 * MBX_ENOTFOUND, or MBX_EINVAL when it has a type not of the five. */
int mbx_message_prop_get(const mbx_message *m, const void *guid, uint32_t id, mbx_msg_prop *out);
/*
 * m's extra item properties: the properties of its bag of the five types,
 * plain or named by LID, that the first-class fields do not give and the
 * PST writer does not compute (mbx_message_prop_derived), in the bag's
 * order.  *out is the caller's (mbx_msg_props_free).  These are what the
 * export hands the writer beside the fields, and what the content hash
 * counts of a bag (with the bag's other properties of that kind: named
 * ones of any type).
 */
void mbx_message_props_extra(const mbx_message *m, mbx_msg_prop **out, size_t *n);
/* 1 when a message's property k is one its first-class fields give
 * (mbx_message_bag_from_fields) or the PST writer computes (display
 * lists, size): never an extra property. */
int mbx_message_prop_derived(const mbx_propkey *k);

struct mbx_message {
	int64_t id;
	int64_t folder_id;     /* 0 for an embedded message */
	char *message_class;   /* IPM.Note, IPM.Appointment, ... */
	char *subject;
	char *sender_name;
	char *sender_address;
	char *sender_addrtype; /* "SMTP" or "EX" */
	int64_t sent_time;     /* client submit time */
	int64_t received_time; /* delivery time */
	uint32_t flags;        /* MBX_MSG_* */
	int flag_status;       /* 0 none, 1 complete, 2 flagged for follow-up */
	int importance;        /* 0 low, 1 normal, 2 high */
	int associated;        /* FAI item (folder-associated information) */
	char *body;            /* plain text, may be NULL */
	char *html_body;       /* may be NULL */
	char *transport_headers;
	char *internet_message_id;
	int64_t size;          /* bytes as the store accounts them */
	char *content_hash;    /* hex SHA-256 of the content (set by the store) */
	mbx_msg_recipient *recipients;
	size_t n_recipients;
	mbx_attachment *attachments;
	size_t n_attachments;
	mbx_props bag;         /* every property of the message; extra item
	                        * properties (above) among them */
};

/*
 * Insert a message (with its recipients, attachments, embedded messages
 * and the bags of all of them, see "Property bags" above) into folder
 * m->folder_id.  Attachment data is copied (from `data`, or streamed from
 * `data_read` into the row in chunks).  The content hash is computed
 * here.  A message's body, HTML body and transport headers are kept once:
 * when the bag's PidTagBody_W, PidTagHtml or PidTagTransportMessageHeaders_W
 * is what its column rebuilds (the UTF-16 of `body`, the bytes of
 * `html_body`, ...), the bag's copy is left out and put back on load.
 * out_id may be NULL.
 */
int mbx_store_message_add(mbx_store *st, const mbx_message *m, int64_t *out_id);
/* The same with the content hash the caller has already computed for m
 * with mbx_message_hash (an importer that looked m up by it): not
 * computed again.  hash NULL: as mbx_store_message_add. */
int mbx_store_message_add_hashed(mbx_store *st, const mbx_message *m, const char *hash,
                                 int64_t *out_id);
int mbx_store_message_delete(mbx_store *st, int64_t message_id);
/* The id of a message in folder_id with this internet message id, else
 * with this content hash; 0 when none.  <0 on error. */
int mbx_store_message_find(mbx_store *st, int64_t folder_id, const char *internet_message_id,
                           const char *content_hash, int64_t *out_id);
/*
 * Compute the content hash the store would give m (hex, caller frees):
 * class, subject, sender, submit time, bodies, recipients (type, name,
 * address), attachments (name, type, data when m holds it, embedded
 * messages, hashed the same way).  Of the bags only the messages' own
 * count, and of those only what the fields do not say: the extra item
 * properties (mbx_message_props_extra) hashed exactly as schema 4 hashed
 * its extra properties, and the other named properties (string names,
 * other types) by their bytes; in a fixed order (set, id or name)
 * whatever the bag's.  Not the properties the fields give or the writer
 * computes, nor plain properties of other types (entry ids, search and
 * change keys, ...).  So a message with no such properties hashes as it
 * did before bags existed (stores written earlier are merged against),
 * with or without the bag its fields give, and a PST imported twice gives
 * the same hashes (merge skips the second copy).
 */
char *mbx_message_hash(const mbx_message *m);

/* Iterate the messages of a folder in id order, fully loaded except for
 * attachment data (see mbx_store_attachment_read). */
typedef struct mbx_msg_iter mbx_msg_iter;
int mbx_store_messages(mbx_store *st, int64_t folder_id, mbx_msg_iter **out);
/* 1 and *out set (caller frees with mbx_message_free), 0 at the end, <0 error. */
int mbx_msg_iter_next(mbx_msg_iter *it, mbx_message **out);
void mbx_msg_iter_free(mbx_msg_iter *it);
int mbx_store_message_get(mbx_store *st, int64_t message_id, mbx_message **out);
void mbx_message_free(mbx_message *m);
/*
 * Free what m owns (strings, bags, recipients, attachments and their
 * embedded messages, recursively) and zero *m, leaving the struct itself
 * to the caller: for messages built on the stack.  Attachment `data` is never
 * freed: the message does not own it (the store does not set it, and
 * readers point it into their own buffers).  mbx_message_free(m) is
 * mbx_message_clear(m) and then freeing m.
 */
void mbx_message_clear(mbx_message *m);

/* Read up to len bytes of attachment data from offset; *got is set. */
int mbx_store_attachment_read(mbx_store *st, int64_t attachment_id, int64_t offset,
                              void *buf, size_t len, size_t *got);

/* ---- Bags and fields (core/store/store_bag.c) -------------------------- */

/*
 * From fields to bag: the properties the PST writer derives from an
 * object's first-class fields, as it writes them (UTF-16 strings,
 * FILETIMEs), in a fixed order, replacing those the bag has; the bag's
 * other properties follow in their order.  What the store gives an object
 * it holds without a bag.
 *   message     PidTagMessageClass; with a subject PidTagSubject (as the
 *               writer and Outlook store it: 0x01, 1 + the prefix length,
 *               the subject), SubjectPrefix, NormalizedSubject and
 *               ConversationTopic;
 *               Sender- and SentRepresentingName, with an address their
 *               EmailAddress and AddressType, and SenderSmtpAddress for
 *               SMTP; PidTagBody; PidTagHtml (the UTF-8 bytes) with
 *               PidTagInternetCodepage 65001; TransportMessageHeaders;
 *               InternetMessageId; ClientSubmitTime, MessageDeliveryTime,
 *               CreationTime and LastModificationTime (delivery, else
 *               submit time); Importance; Sensitivity and Priority 0;
 *               FlagStatus when set; MessageFlags (with mfHasAttach and
 *               mfFAI as the store keeps them); DisplayTo, DisplayCc and
 *               DisplayBcc as the writer makes them (the recipients'
 *               display names, by type, joined by "; "; empty when none)
 *   recipient   RecipientType, Responsibility, ObjectType (mail user),
 *               DisplayType, SendRichInfo, DisplayName (else the address),
 *               AddressType ("SMTP" when none), EmailAddress, SmtpAddress
 *   attachment  AttachLongFilename, DisplayName, AttachFilename (8.3) and
 *               AttachExtension (an embedded message without a name takes
 *               its subject); AttachMimeTag; AttachMethod (1, 5 embedded);
 *               RenderingPosition -1
 *   folder      DisplayName, ContainerClass ("IPF.Note" when none)
 *   mailbox     DisplayName
 * Text that is not UTF-8 is cleaned first (bad bytes become U+FFFD).
 * mbx_message_bag_from_fields does m's recipients, attachments and
 * embedded messages too.
 */
void mbx_message_bag_from_fields(mbx_message *m);
void mbx_msg_recipient_bag_from_fields(mbx_msg_recipient *r);
void mbx_attachment_bag_from_fields(mbx_attachment *a);
void mbx_folder_bag_from_fields(mbx_folder *f);
void mbx_mailbox_bag_from_fields(mbx_mailbox *m);

/*
 * From bag to fields, for importers: the fields an object's bag gives,
 * replacing the old values (freed: the strings must be the object's own,
 * as the *_clear functions expect).  Text is PT_UNICODE, or PT_STRING8 in
 * `codepage` (the message's PidTagMessageCodepage, else its
 * PidTagInternetCodepage, else 1252).  A message's subject drops the
 * "\x01 + length" a PST may put before it; its sender is PidTagSenderName
 * and PidTagSenderEmailAddress / AddressType (not who it was sent on
 * behalf of); html_body is PidTagHtml decoded from PidTagInternetCodepage
 * (without one: UTF-8 when the bytes are, else 1252), with any
 * <meta ... charset=...> naming another charset changed to utf-8 (the
 * bag keeps the original); times come from FILETIMEs; importance is 1
 * when absent; mfFAI in PidTagMessageFlags sets `associated`.  An
 * attachment's data and size point into its bag's PidTagAttachDataBinary
 * when it has one (valid while the bag is unchanged).
 * mbx_message_fields_from_bag does m's recipients, attachments and
 * embedded messages too, with m's code page.
 */
void mbx_message_fields_from_bag(mbx_message *m);
void mbx_msg_recipient_fields_from_bag(mbx_msg_recipient *r, unsigned codepage);
void mbx_attachment_fields_from_bag(mbx_attachment *a, unsigned codepage);
void mbx_folder_fields_from_bag(mbx_folder *f);
void mbx_mailbox_fields_from_bag(mbx_mailbox *m);

/* ---- Public folders ----------------------------------------------------- */

typedef struct mbx_public_folder {
	int64_t id;
	int64_t parent_id;     /* 0 = top of the hierarchy */
	char *name;
	char *path;            /* filled on read: "Company/Announcements" */
	char *home_server;
	char *home_site;
	int limit_admin_access;
	int64_t modified_time;
} mbx_public_folder;

typedef struct mbx_permission {
	int64_t id;
	int64_t folder_id;
	char *account;         /* directory alias, or "Default" / "Anonymous" */
	char *rights;          /* "Owner", "Editor", "Reviewer", ... */
	int64_t granted_time;
} mbx_permission;

int mbx_store_public_folders(mbx_store *st, mbx_public_folder **out, size_t *n);
void mbx_public_folders_free(mbx_public_folder *f, size_t n);
int mbx_store_public_folder_add(mbx_store *st, const mbx_public_folder *f, int64_t *out_id);
int mbx_store_public_folder_rehome(mbx_store *st, int64_t id, const char *server, const char *site);
int mbx_store_permissions(mbx_store *st, mbx_permission **out, size_t *n);
void mbx_permissions_free(mbx_permission *p, size_t n);
int mbx_store_permission_add(mbx_store *st, const mbx_permission *p, int64_t *out_id);
int mbx_store_permission_delete(mbx_store *st, int64_t id);
/* One public folder by id, with its path; MBX_ENOTFOUND when none.  The
 * caller frees it with mbx_public_folders_free(f, 1). */
int mbx_store_public_folder_get(mbx_store *st, int64_t id, mbx_public_folder **out);
/* One permission entry by id; MBX_ENOTFOUND when none (free: mbx_permissions_free(p, 1)). */
int mbx_store_permission_get(mbx_store *st, int64_t id, mbx_permission **out);
/* A permission entry of `account` (case-insensitive) on folder_id: the one
 * with the lowest id above after_id (0: any), 1 and *out set (free:
 * mbx_permissions_free(*out, 1)), 0 when none, <0 error. */
int mbx_store_permission_find(mbx_store *st, int64_t folder_id, const char *account,
                              int64_t after_id, mbx_permission **out);
/* Put a removed permission entry back: under p->id when that id is free,
 * else a new one (*out_id, may be NULL, says which). */
int mbx_store_permission_restore(mbx_store *st, const mbx_permission *p, int64_t *out_id);

/* ---- Audit log ---------------------------------------------------------- */

/*
 * Every change the programs make to the directory or the public folders
 * is one audit row.  The rows of one consistency adjuster run (and of an
 * undo of one) carry that run's id, the id of the row they changed, and
 * that row as it was before and after the change (JSON objects the
 * adjuster writes and reads, core/adjust/undo.c; NULL where there was
 * no row: before a creation, after a removal).  Rows written before
 * schema 7 have none of these.
 */
typedef struct mbx_audit_entry {
	int64_t id;
	int64_t time;
	char *actor;           /* who: user name or "mbxrescue" */
	char *action;          /* what: "create-recipient", "rehome-public-folder", ... */
	char *object;          /* which object */
	char *detail;          /* free text */
	int64_t run_id;        /* the adjuster run (mbx_audit_run) it belongs to, 0 none */
	int64_t object_id;     /* the row it changed (recipient, public folder,
	                        * permission id), 0 none */
	char *before;          /* that row before the change (JSON), NULL none */
	char *after;           /* and after it */
} mbx_audit_entry;

int mbx_store_audit(mbx_store *st, const char *actor, const char *action,
                    const char *object, const char *detail);
/* An audit row with all of e's fields but id and time (now); *out_id (may
 * be NULL) gets its id.  e->run_id, when not 0, must name a run. */
int mbx_store_audit_add(mbx_store *st, const mbx_audit_entry *e, int64_t *out_id);
/* The newest `limit` entries (all when limit is 0), newest first. */
int mbx_store_audit_list(mbx_store *st, size_t limit, mbx_audit_entry **out, size_t *n);
/* The entries of one run in the order they were written (id order). */
int mbx_store_audit_run_entries(mbx_store *st, int64_t run_id, mbx_audit_entry **out,
                                size_t *n);
void mbx_audit_free(mbx_audit_entry *e, size_t n);

/* One run of the consistency adjuster, or an undo of one. */
typedef struct mbx_audit_run {
	int64_t id;
	int64_t time;
	char *actor;
	unsigned functions;    /* the adjuster's function bits (mbx/check.h), 0 for an undo */
	int64_t undo_of;       /* an undo: the run it reverted; 0 for an adjuster run */
	int64_t undone_by;     /* the undo that reverted this run, 0 none (filled on read) */
	char *summary;         /* one line, NULL until the run has finished */
	size_t n_entries;      /* its audit rows (filled on read) */
} mbx_audit_run;

/* A new run (r's time, actor, functions and undo_of; time 0 = now), inside
 * the caller's transaction.  MBX_EEXISTS when r->undo_of has been undone
 * already. */
int mbx_store_audit_run_add(mbx_store *st, const mbx_audit_run *r, int64_t *out_id);
int mbx_store_audit_run_set_summary(mbx_store *st, int64_t id, const char *summary);
/* Every run, newest first. */
int mbx_store_audit_runs(mbx_store *st, mbx_audit_run **out, size_t *n);
/* One run; MBX_ENOTFOUND when there is none.  *out cleared by the caller
 * (mbx_audit_run_clear). */
int mbx_store_audit_run_get(mbx_store *st, int64_t id, mbx_audit_run *out);
/* The newest adjuster run that is not an undo (undone or not); 0 in *id
 * when there is none. */
int mbx_store_audit_run_last(mbx_store *st, int64_t *id);
void mbx_audit_run_clear(mbx_audit_run *r);
void mbx_audit_runs_free(mbx_audit_run *r, size_t n);

/* ---- Export jobs (used by mbx/export.h) -------------------------------- */

typedef enum {
	MBX_JOB_QUEUED = 0, MBX_JOB_RUNNING, MBX_JOB_VERIFIED, MBX_JOB_FAILED
} mbx_job_state;

typedef struct mbx_job {
	int64_t id;
	char *out_dir;         /* absolute output directory */
	int64_t mailbox_id;
	mbx_job_state state;
	char *temp_path;       /* temporary file while running */
	char *final_path;      /* ALIAS.PST once verified */
	char *error;           /* why it failed */
	int64_t updated_time;
	char *final_check;     /* what the final file(s) were when verified: one
	                        * line "SIZE MTIME_NS SHA256HEX" per part, or NULL */
} mbx_job;

/* Create or reset the job row for (out_dir, mailbox); returns its id. */
int mbx_store_job_upsert(mbx_store *st, const char *out_dir, int64_t mailbox_id, int64_t *out_id);
/* The same, straight to RUNNING with its temporary file: one write. */
int mbx_store_job_begin(mbx_store *st, const char *out_dir, int64_t mailbox_id,
                        const char *temp_path, int64_t *out_id);
int mbx_store_job_set(mbx_store *st, int64_t job_id, mbx_job_state state,
                      const char *temp_path, const char *final_path, const char *error);
/* VERIFIED, with the final file and what it was then (final_check). */
int mbx_store_job_verified(mbx_store *st, int64_t job_id, const char *final_path,
                           const char *final_check);
/* Jobs for an output directory. */
int mbx_store_jobs(mbx_store *st, const char *out_dir, mbx_job **out, size_t *n);
/* The job of one mailbox in out_dir (an index lookup); MBX_ENOTFOUND when
 * none.  *out caller clears with mbx_job_clear. */
int mbx_store_job_get(mbx_store *st, const char *out_dir, int64_t mailbox_id, mbx_job *out);
void mbx_job_clear(mbx_job *j);
/* Call fn for every job of out_dir that has a final file, in id order,
 * without holding them all (j is valid during the call); a non-zero
 * return from fn stops and is returned. */
int mbx_store_jobs_each_final(mbx_store *st, const char *out_dir,
                              int (*fn)(void *ud, const mbx_job *j), void *ud);
void mbx_jobs_free(mbx_job *j, size_t n);

/*
 * Bulk loading, around one large transaction that mostly appends (a PST
 * import): the store leaves write-ahead logging for a rollback journal
 * with full syncs, so the new pages are written once instead of to the WAL
 * and then again by its checkpoint.  Only possible while no other
 * connection has the file open (returns 0 then, and nothing changes); 1
 * when entered.  Call before mbx_store_begin; mbx_store_bulk_end (after
 * the commit or rollback; NULL and "not entered" are no-ops) returns to
 * WAL and keeps the thread's error message.  Other processes wait for the
 * file meanwhile instead of reading it.
 */
int mbx_store_bulk_begin(mbx_store *st);
void mbx_store_bulk_end(mbx_store *st);
/* Start the kernel writing the store file's new pages to disk now (a hint,
 * Linux only): a bulk load calls it every few MB so that its commit's
 * fsync finds little left to write.  Durability is still the commit's. */
void mbx_store_writeback(mbx_store *st);

/* ---- A new recovery server (core/store/store_init.c) --------------------- */

/*
 * Create the store file `path` for a new, empty recovery server: the
 * organization, site and server of `info` (checked: names a legacy DN can
 * hold, a Windows computer name), its SMTP policy (NULL or "": Exchange
 * 5.5's default, "%a@SITE.ORGANIZATION.com" in lower case).  The file is
 * 0600; missing directories are created 0700.  An existing path is never
 * touched (MBX_EEXISTS); on any failure nothing is left behind.
 */
int mbx_store_init(const char *path, const mbx_server_info *info);
/* Rename a store mailbox (a PST import names a mailbox it created after the
 * file's message store); MBX_ENOTFOUND when there is no such mailbox. */
int mbx_store_mailbox_set_display_name(mbx_store *st, int64_t id, const char *name);

#ifdef __cplusplus
}
#endif
#endif
