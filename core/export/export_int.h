/*
 * core/export/export_int.h - what the parts of the export module share
 * (internal to core/export).
 */
#ifndef MBX_EXPORT_INT_H
#define MBX_EXPORT_INT_H

#include <stdint.h>
#include "mbx/export.h"
#include "mbx/log.h"
#include "mbx/store.h"
#include "pstread/pstread.h"

/* ---- naming.c ---- */

/* The sanitized, upper-cased base name of an alias ("JSMITH"), never
 * empty, never a reserved device name; caller frees. */
char *exp_base_name(const char *alias);
/* base + part suffix + ".PST" ("JSMITH.PST", "JSMITH-002.PST"). */
char *exp_part_name(const char *base, int part);
/*
 * The base names taken in an output directory, ASCII case-insensitive
 * (Exmerge's names are upper-cased, and Windows shares, where the files
 * end up, do not tell case apart): a hash table, so that naming 100,000
 * mailboxes costs O(1) each.  Zero-initialise; exp_names_free.  It owns
 * the names it hands out.
 */
typedef struct exp_name_slot {
	char *name;
	uint64_t hash;
	unsigned next;         /* the next "_N" to try for this base */
} exp_name_slot;

typedef struct exp_names {
	exp_name_slot *slot;
	size_t cap, count;
} exp_names;

int exp_names_has(const exp_names *ns, const char *name);
/* Take name (again, if it is taken): returns the table's copy, valid
 * until exp_names_free (the strings stay where they are as it grows). */
const char *exp_names_take(exp_names *ns, const char *name);
/* base when it is free, else base_2, base_3, ... (the first free one),
 * now taken: the table's copy, as exp_names_take's. */
const char *exp_names_unique(exp_names *ns, const char *base);
void exp_names_free(exp_names *ns);

/* ---- filter.c ---- */

/*
 * Decide which folders of a mailbox are exported.  folders come parents
 * first (mbx_store_folders).  selected[i] = 1 when folder i's messages
 * are exported; written[i] = 1 when folder i is created in the PST
 * (selected, or an ancestor of a selected folder, so paths stay intact).
 */
void exp_filter_folders(const mbx_export_filter *f, const mbx_folder *folders, size_t n,
                        int *selected, int *written);
/* 1 when message m passes the message filters. */
int exp_filter_message(const mbx_export_filter *f, const mbx_message *m);
/* Write the filters in effect to the log (medium level; "no filters" too). */
void exp_filter_log(const mbx_export_filter *f, mbx_log *log);
/* Depth of folder i (top-level folders are 1). */
int exp_folder_depth(const mbx_folder *folders, size_t n, size_t i);

/* ---- verify.c ---- */

/* What one PST part must hold, built while writing it: each message
 * written is counted with mbx_pstread_count_message, the walk the
 * verification counts what libpst reads back with; paths are
 * mbx_pstread_path_join's, as the verification builds them. */
typedef struct exp_expect_folder {
	char *path;                 /* "Inbox/Projects" (owned) */
	mbx_pstread_counts want;
} exp_expect_folder;

typedef struct exp_expect {
	exp_expect_folder *folders;
	size_t n, cap;
} exp_expect;

/* Index of path in e, adding it when missing. */
size_t exp_expect_folder_at(exp_expect *e, const char *path);
void exp_expect_clear(exp_expect *e);

typedef int (*exp_cancel_fn)(void *ud);

/*
 * Read `path` back with libpst and compare with e.  0 identical; MBX_ECORRUPT
 * with a message saying what differs; other <0 when it could not be read.
 * cancelled (may be NULL) is polled; a cancel returns MBX_ECANCELLED.
 */
int exp_verify(const char *path, const exp_expect *e, exp_cancel_fn cancelled, void *ud);

/* ---- verify_props.c: every property read back (our reader) ---- */

/* A 64-bit hash (XXH64), streamed. */
typedef struct exp_hash {
	uint64_t v[4], seed, total;
	unsigned char buf[32];
	unsigned nbuf;
} exp_hash;

void exp_hash_init(exp_hash *h, uint64_t seed);
void exp_hash_update(exp_hash *h, const void *data, size_t len);
uint64_t exp_hash_final(const exp_hash *h);

/* 1 when property i of bag b (of an object of MBX_PST_OBJ_* kind) is one
 * the file must hold as b holds it: all but the regenerated ones
 * (mbx_pst_regenerated; PidTagMessageFlags, adjusted, is compared without
 * MSGFLAG_HASATTACH) and an attachment's data (compared apart). */
int exp_prop_kept(int kind, const mbx_props *b, size_t i);
/* "0x0037 PidTagSubject": mbx_propkey_describe and the name when known
 * (caller frees). */
char *exp_prop_describe(const mbx_propkey *k);
/* b, or when some of its values have the wrong size for their type
 * (mbx_props_check_value) a copy in *tmp without them, each reported to
 * log as a warning naming item and the property; *dropped (may be NULL)
 * counts them.  tmp must be initialised; the caller clears it. */
const mbx_props *exp_bag_screen(const mbx_props *b, mbx_log *log, const char *item, mbx_props *tmp,
                                size_t *dropped);

/* An attachment's data as written: whether the file holds data for it
 * (exp_data_present), its size and hash. */
typedef struct exp_data {
	int present;
	int64_t size;
	uint64_t hash;
} exp_data;

/* 1 when the writer writes data for attachment a (bytes to write, or
 * attach method 1 by value). */
int exp_data_present(const mbx_attachment *a);
/* The digest of message m as the file must hold it: every kept property
 * of it, its recipients and attachments, in their order, embedded
 * messages, and the data of its attachments (data: one per attachment
 * without an embedded message, depth first, as written). */
uint64_t exp_message_digest(const mbx_message *m, const exp_data *data, size_t n);
/* The same with the data read from the store (m loaded from st). */
int exp_store_digest(mbx_store *st, const mbx_message *m, uint64_t *digest);

/* What one part must hold, message by message. */
typedef struct exp_pmsg {
	int64_t id;                 /* the store's message id */
	uint64_t digest;            /* exp_message_digest */
} exp_pmsg;

typedef struct exp_pfolder {
	size_t fi;                  /* the store folder (index in the mailbox's folders) */
	uint32_t nid;               /* its folder in the file */
	exp_pmsg *msg[2];           /* [0] contents, [1] associated contents, in write order */
	size_t n[2], cap[2];
} exp_pfolder;

typedef struct exp_pexpect {
	exp_pfolder *f;
	size_t n, cap;
} exp_pexpect;

/* The entry of store folder fi (its file folder nid), added when missing. */
exp_pfolder *exp_pexpect_folder(exp_pexpect *e, size_t fi, uint32_t nid);
void exp_pexpect_add(exp_pfolder *f, int assoc, int64_t id, uint64_t digest);
void exp_pexpect_clear(exp_pexpect *e);

typedef struct exp_pstats {
	int64_t folders, messages;
} exp_pstats;

typedef struct exp_pverify {
	const char *path;           /* the file */
	mbx_store *st;              /* to read a message again when it differs */
	mbx_log *log;               /* differences (the first 20) */
	const mbx_props *store_bag; /* the message store's bag as written, or NULL */
	const mbx_folder *folders;  /* the mailbox's folders (bags as written) */
	char *const *paths;         /* their paths in the file */
	exp_cancel_fn cancelled;
	void *ud;
	void (*yield)(void);        /* called between messages (may be NULL) */
	exp_pstats *stats;          /* counted up */
} exp_pverify;

/* Read the file back with our property-level reader and compare every
 * property of the store object, the folders of e and their messages.
 * 0 identical; MBX_ECORRUPT naming the first difference (item, property,
 * both values; the first 20 logged); MBX_ECANCELLED. */
int exp_verify_props(const exp_pverify *v, const exp_pexpect *e);
/*
 * What a final file is: "SIZE MTIME_NS SHA256HEX" of the open file fd
 * (*out caller frees).  Recorded in the job table when a file gets its
 * final name; --resume skips a mailbox only while its files still match.
 * cancelled (may be NULL) is polled every MB.
 */
int exp_file_fingerprint(int fd, const char *path, exp_cancel_fn cancelled, void *ud, char **out);

/* ---- export.c: the fork gate ----
 *
 * Verification forks a libpst child from a process whose other workers
 * keep allocating and converting text.  A fork while another thread holds
 * a lock (malloc's under AddressSanitizer, iconv's gconv lock) leaves the
 * child waiting forever.  So workers hold the gate (shared) while they
 * work and step out of it between messages; a fork in this process
 * (pthread_atfork) takes it exclusively, i.e. happens only while every
 * worker stands at such a safe point.  Under AddressSanitizer, whose
 * allocator is not fork-safe, verifications also run one at a time. */
void exp_gate_enter(void);
void exp_gate_leave(void);
/* Let a waiting fork through (between messages). */
void exp_gate_yield(void);
/* Serialize verifications under AddressSanitizer (call with the gate left). */
void exp_verify_lock(void);
void exp_verify_unlock(void);

/* ---- export_mailbox.c ---- */

/* One mailbox to export, and what came of it. */
typedef struct exp_mailbox_job {
	/* in */
	mbx_store *st;                    /* the worker's own connection */
	const mbx_export_filter *filter;
	mbx_log *log;
	const char *out_dir;              /* absolute */
	const char *base;                 /* unique base name ("JSMITH") */
	const mbx_mailbox *mb;
	int crypt;
	int64_t max_pst_size;             /* 0 = one file */
	/* called after each message: items and bytes processed so far */
	void (*progress)(void *ud, int64_t items, int64_t bytes);
	/* called once the folders are known: items (FAI included) to go through */
	void (*total)(void *ud, int64_t items);
	/* called when the file(s) are written and reading back starts */
	void (*verifying)(void *ud);
	exp_cancel_fn cancelled;
	void *ud;
	/* out */
	char **paths;                     /* final files, caller frees */
	size_t n_paths;
	int64_t folders, items, attachments, bytes;
	int verified;
	mbx_export_cause cause;
	char *error;                      /* caller frees */
	char *fix;                        /* caller frees */
	char *check;                      /* the final files' fingerprints, a line
	                                   * each (exp_file_fingerprint); caller frees */
} exp_mailbox_job;

/* Write, verify and rename the mailbox's PST file(s).  0 ok, <0 failed
 * (job->cause, error, fix set; nothing left under a final name unless it
 * is ALIAS.PST.unverified). */
int exp_mailbox_export(exp_mailbox_job *job);
/* Remove leftovers of an interrupted run for base (its *.PST.tmp parts). */
void exp_remove_temporaries(const char *out_dir, const char *base);
/* fsync a directory so renames in it survive a power loss. */
int exp_fsync_dir(const char *dir);

/* ---- export_mailbox.c, for export_items.c ---- */

#include "mbx/pst.h"
/* The size of the buffer exp_item_write needs. */
#define EXP_ITEM_BUF (1024 * 1024)
/* Write message m (recipients, attachments, embedded messages) into
 * folder of pst as a mailbox export writes it; job->st, cancelled and ud
 * are used. */
int exp_item_write(exp_mailbox_job *job, mbx_pst *pst, mbx_pst_nid folder, const mbx_message *m,
                   unsigned char *buf);

/* The output directory dir: made 0700 (with its parents) when missing;
 * an existing one others may write to and not ours is refused unless
 * force (outdir.c).  0 or <0 with the error set. */
int exp_make_out_dir(const char *dir, int force);

#endif
