/*
 * mbx/import.h - bring data into the recovery server: PST files into
 * store mailboxes (Exmerge's step 2, "copy data from file to mailbox"),
 * and directory entries from LDIF (ldifde, slapcat) or CSV (csvde) files;
 * and write the entries the consistency adjuster created as LDIF.
 *
 * PST import.  libpst reads the file in a child process (a corrupt PST
 * can crash or hang libpst, never mbxrescue); everything of one file goes
 * into the store in one transaction, so a file that can not be read to
 * its end leaves the store exactly as it was.  An import runs on its own
 * thread (mbx_import_start) with its own store connection; the caller
 * polls mbx_import_progress_get (a snapshot taken under a lock; progress
 * is never pushed to the caller), may cancel, and gets log lines through
 * the mbx_log callback (called on the import thread: copy the line, do
 * not draw from it).  mbx_import_run does the same on the calling thread.
 *
 * Ownership: mbx_import_start copies everything in opts; the caller owns
 * the mbx_import and frees it after mbx_import_wait.  Results and reports
 * are filled into caller structs and released with their *_clear.
 */
#ifndef MBX_IMPORT_H
#define MBX_IMPORT_H

#include "mbx/common.h"
#include "mbx/log.h"
#include "mbx/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Exmerge's DataImportMethod. */
typedef enum {
	MBX_IMPORT_COPY = 0,     /* add every item, even when already there */
	MBX_IMPORT_MERGE = 1,    /* skip items already in the target folder */
	MBX_IMPORT_REPLACE = 2   /* overwrite items already in the target folder */
} mbx_import_mode;

/* "copy", "merge", "replace". */
const char *mbx_import_mode_name(mbx_import_mode mode);
/* Parse a mode name (case-insensitive); MBX_EINVAL naming the word if unknown. */
int mbx_import_mode_parse(const char *name, mbx_import_mode *out);

typedef struct mbx_import_opts {
	const char *db_path;     /* the store file (the import opens its own connection) */
	const char *pst_path;    /* the .pst to read */
	const char *alias;       /* target store mailbox */
	int create;              /* create the store mailbox when it does not exist
	                          * (no directory entry: the check reports it orphaned) */
	const char *display_name;/* with create: NULL = the alias */
	mbx_import_mode mode;
	const char *folder;      /* NULL/"" = below the mailbox's top; else below this
	                          * folder path ("Restored/2001"), created as needed */
	const char *log_path;    /* NULL = no log file */
	int log_level;           /* MBX_LOG_* */
	mbx_log_fn log_cb;       /* may be NULL */
	void *log_ud;
	int timeout_seconds;     /* libpst silence limit, 0 = 600 s */
	int64_t max_memory;      /* libpst child's address space, 0 = 4 GiB */
	int name_from_pst;       /* with create: name the new mailbox after the file's message
	                          * store (PidTagDisplayName) when that is not a generic name
	                          * such as "Personal Folders"; else display_name or the alias */
	int spool;               /* other imports into this store run at the same time (in this
	                          * process): libpst reads the whole file first into a temporary
	                          * file in $TMPDIR (as large as the file's data), then the import
	                          * waits for its turn at the store and writes it; a file libpst
	                          * can not read never touches the store */
} mbx_import_opts;

void mbx_import_opts_init(mbx_import_opts *opts);

typedef struct mbx_import_progress {
	int64_t items_total;     /* messages in the file, -1 while unknown */
	int64_t items_done;      /* messages read so far */
	int64_t folders_done;
	int64_t imported, skipped, replaced, failed;
	int64_t bytes_done;      /* attachment bytes read */
	char folder[256];        /* the folder being read ("Inbox/Projects") */
	double elapsed_seconds;
	int finished;            /* the import thread has stopped */
} mbx_import_progress;

typedef struct mbx_import_result {
	int status;              /* 0 or the MBX_E* code of the failure */
	char *error;             /* what went wrong (NULL when status is 0) */
	char *alias;
	char *display_name;      /* the mailbox's display name (NULL on failure) */
	int64_t mailbox_id;
	int mailbox_created;     /* --create made the mailbox */
	int64_t folders;         /* folders read from the file */
	int64_t folders_created; /* of them, new in the mailbox */
	int64_t imported;        /* items added */
	int64_t skipped;         /* merge: already in the target folder */
	int64_t replaced;        /* replace: overwritten */
	int64_t failed;          /* items libpst could not parse (not imported) */
	int64_t attachments, bytes;
	double seconds;
} mbx_import_result;

void mbx_import_result_clear(mbx_import_result *r);

typedef struct mbx_import mbx_import;

/* Start importing on a new thread.  Bad options (no PST path, no alias)
 * fail here with MBX_EINVAL; everything else is reported by the result. */
int mbx_import_start(mbx_import **out, const mbx_import_opts *opts);
/* A consistent snapshot of the progress (taken under a lock). */
void mbx_import_progress_get(mbx_import *im, mbx_import_progress *out);
/* Ask the import to stop; returns at once.  The import stops within a
 * second and rolls its transaction back (nothing of the file stays). */
void mbx_import_cancel(mbx_import *im);
/* Wait for the thread; 0 when the file was imported, else its MBX_E* code.
 * *out (may be NULL) gets the result (caller clears it). */
int mbx_import_wait(mbx_import *im, mbx_import_result *out);
void mbx_import_free(mbx_import *im);

/* Import on the calling thread (the batch CLI).  Returns result->status. */
int mbx_import_run(const mbx_import_opts *opts, mbx_import_result *result);

/* ---- Folders of PST files: one mailbox per file ------------------------ */

typedef struct mbx_import_file {
	char *path;              /* the .pst or .ost, as given or found */
	char *alias;             /* its store mailbox (mbx_import_files_name) */
	char *display_name;      /* from the mailbox map; NULL: the file's message store
	                          * name when it has its own, else the alias */
	int64_t map_line;        /* the mailbox map's line that named it, 0 = none */
	char *real;              /* internal: the resolved path (one file, one entry) */
	size_t part_of;          /* internal: 1 + index of the file this is a split part of */
} mbx_import_file;

typedef struct mbx_import_files {
	mbx_import_file *v;
	size_t n;
} mbx_import_files;

/*
 * Add a file, or a folder's .pst and .ost files (not its subfolders';
 * hidden files are left out), in name order.  A file given twice (or by
 * two names) is added once.  A folder without any is MBX_ENOTFOUND.
 */
int mbx_import_files_add(mbx_import_files *f, const char *path);
/*
 * Give every file its mailbox: from the mailbox map map_path (may be
 * NULL; CSV rows "file,alias[,display name]", an optional header row
 * "file,..."; file is the name, JSMITH.PST, or the path as given), else
 * from its name as mbx_import_alias_from_name makes it, made unique with
 * "_2", "_3"...; a split part ALIAS-002.PST next to ALIAS.PST takes
 * ALIAS's mailbox.  A malformed map: MBX_EINVAL "MAP:LINE: ..." (the
 * first error), nothing changed.
 */
int mbx_import_files_name(mbx_import_files *f, const char *map_path);
void mbx_import_files_clear(mbx_import_files *f);
/* A mailbox alias from a file name without extension: upper-cased and made
 * safe as export file names are (core/export/naming.c), no space, ',' or
 * '='; never empty.  Caller frees. */
char *mbx_import_alias_from_name(const char *name);
/* How many threads mbx_import_files_run uses for n files (threads 0: one
 * per CPU core). */
int mbx_import_files_threads(int threads, size_t n_files);
/*
 * Import every file into its mailbox, `threads` files at a time (0: one
 * per CPU core), each through mbx_import_run with its own store
 * connection, all or nothing per file; mailboxes are created as needed
 * (named per mbx_import_file.display_name).  base gives db_path, mode,
 * folder, logging and limits; its file fields are ignored.  With more
 * than one thread the imports spool (mbx_import_opts.spool).  results
 * (f->n of them, caller clears each) in the files' order.  Returns the
 * number of files that failed, or <0 when none could be started.
 */
int mbx_import_files_run(const mbx_import_opts *base, const mbx_import_files *f, int threads,
                         mbx_import_result *results);

/* ---- Directory import and export ------------------------------------ */

typedef enum {
	MBX_DIR_CREATED = 0,     /* a new recipient */
	MBX_DIR_UPDATED = 1,     /* an existing recipient (same alias) changed */
	MBX_DIR_SKIPPED = 2,     /* nothing to do (not a mailbox entry, or unchanged) */
	MBX_DIR_ERROR = 3        /* malformed: nothing of the file is applied */
} mbx_dir_action;

const char *mbx_dir_action_name(mbx_dir_action a);

typedef struct mbx_dir_entry_report {
	int64_t line;            /* first line of the entry in the file; from LDAP, the
	                          * entry's number in the search result (1, 2, ...) */
	mbx_dir_action action;
	char *alias;             /* may be NULL for errors */
	char *dn;                /* the entry's DN; NULL for a line that is no entry */
	char *detail;            /* what changed, why skipped, or the error */
	int64_t mailbox_id;      /* the store mailbox linked (by legacy DN or GUID), 0 = none */
} mbx_dir_entry_report;

typedef struct mbx_dir_report {
	mbx_dir_entry_report *entries;
	size_t n_entries;
	int64_t created, updated, skipped, errors;
	int applied;             /* 1 when the changes were committed */
} mbx_dir_report;

void mbx_dir_report_clear(mbx_dir_report *r);

/*
 * Create or update recipients from an LDIF (.ldif/.ldf) or CSV (.csv)
 * file, chosen by the extension, else by the content.  One transaction:
 * when any entry is malformed, the report lists every error with its line
 * number, nothing is applied and MBX_EINVAL is returned.  dry_run: report
 * only.  Each change is written to the audit log (actor "mbxrescue").
 */
int mbx_directory_import(mbx_store *st, const char *path, int dry_run, mbx_dir_report *out);

/* A live directory (Active Directory, OpenLDAP, ...) through libldap. */
typedef struct mbx_ldap_opts {
	const char *uri;         /* "ldap://HOST[:PORT]" or "ldaps://HOST[:PORT]", nothing after */
	const char *base;        /* the search base (import) or where entries go (export) */
	const char *filter;      /* import: NULL = people, contacts and groups */
	const char *bind_dn;     /* NULL = anonymous (simple bind) */
	const char *password;    /* with bind_dn; never copied, logged or shown */
	int starttls;            /* StartTLS on an ldap:// connection (required: no fallback) */
	const char *ca_file;     /* PEM CA certificates to trust; NULL = the system's */
	int timeout_seconds;     /* connect and each operation; 0 = 30 */
	int page_size;           /* RFC 2696 page size; 0 = 500 (AD allows 1000) */
} mbx_ldap_opts;

void mbx_ldap_opts_init(mbx_ldap_opts *o);

/*
 * The same import from a directory server: a subtree search of o->base
 * with o->filter, paged (RFC 2696) so that the server's size limits do not
 * cut it short (a search the server still cuts short fails; nothing is
 * applied), mapped and applied exactly like a file (one transaction, dry
 * run, the same report; `line` is the entry's number in the result).  A
 * server that can not be reached, refuses the bind, fails TLS, or has no
 * o->base fails with one message naming the server and what to do, before
 * anything is written.
 */
int mbx_directory_import_ldap(mbx_store *st, const mbx_ldap_opts *o, int dry_run,
                              mbx_dir_report *out);

/*
 * LDIF of the recipients the consistency adjuster created, for ldapadd or
 * ldifde -i: dn "cn=ALIAS,<base_dn>" (base_dn NULL: derived from the
 * organization and site, "cn=Recipients,ou=SITE,o=ORG").  *out (caller
 * frees) gets the text, *n the number of entries.
 */
int mbx_directory_export(mbx_store *st, const char *base_dn, char **out, size_t *n);

/* What happened to one entry of an export to a directory server. */
typedef enum {
	MBX_LDAP_ADDED = 0,      /* added */
	MBX_LDAP_EXISTS = 1,     /* already there with the same values: nothing to do */
	MBX_LDAP_DIFFERS = 2,    /* already there with other values: left alone */
	MBX_LDAP_FAILED = 3      /* the server refused it */
} mbx_ldap_result;

const char *mbx_ldap_result_name(mbx_ldap_result r);

typedef struct mbx_ldap_export_entry {
	char *dn;
	mbx_ldap_result result;
	char *detail;            /* what differs, or the server's reason; may be NULL */
} mbx_ldap_export_entry;

typedef struct mbx_ldap_export_report {
	mbx_ldap_export_entry *entries;
	size_t n_entries;
	int64_t added, exists, differs, failed;
} mbx_ldap_export_report;

void mbx_ldap_export_report_clear(mbx_ldap_export_report *r);

/*
 * Add the entries mbx_directory_export writes (the same DNs and values,
 * below o->base) to a directory server, one by one, as ldapadd would;
 * idempotent: an entry already there with the same values (compared
 * ignoring case, as the schema compares these attributes) is MBX_LDAP_EXISTS.
 * Returns 0 when every entry was tried (see the report), <0 with one
 * message when the server could not be used at all (nothing added then).
 */
int mbx_directory_export_ldap(mbx_store *st, const mbx_ldap_opts *o, mbx_ldap_export_report *out);

#ifdef __cplusplus
}
#endif
#endif
