/*
 * core/import/directory_int.h - what the directory readers (LDIF, CSV,
 * LDAP) hand to the directory import (directory.c): entries as lists of
 * attribute values, each with the line it came from (for LDAP, the
 * entry's number in the search result).  A reader collects entries into a
 * dir_list and hands them over with dir_sink_flush as it goes, so that a
 * large directory never sits in memory whole.  Malformed input is
 * reported into the mbx_dir_report as MBX_DIR_ERROR lines, not returned.
 */
#ifndef MBX_DIRECTORY_INT_H
#define MBX_DIRECTORY_INT_H

#include "mbx/import.h"

typedef struct dir_attr {
	char *name;              /* attribute type as written ("displayName") */
	char *value;             /* NUL-terminated; binary values may hold NULs */
	size_t len;
	int64_t line;
} dir_attr;

typedef struct dir_entry {
	int64_t line;            /* first line of the entry */
	char *dn;
	dir_attr *attrs;
	size_t n_attrs;
} dir_entry;

typedef struct dir_list {
	dir_entry *entries;
	size_t n;
} dir_list;

/* Add an attribute value to the last entry (value copied, len bytes). */
void dir_attr_add(dir_entry *e, const char *name, size_t name_len, const char *value,
                  size_t len, int64_t line);
/* Append an empty entry and return it. */
dir_entry *dir_entry_new(dir_list *l, int64_t line, const char *dn, size_t dn_len);
void dir_list_clear(dir_list *l);
/* Record a malformed line (printf-style detail). */
void dir_report_error(mbx_dir_report *rep, int64_t line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The import's side of a reader: dir_sink_flush maps and applies the
 * entries of l (inside the import's transaction) and empties l.  0, or <0
 * when the store failed (error set): the reader stops and returns it. */
typedef struct dir_sink dir_sink;
int dir_sink_flush(dir_sink *s, dir_list *l);

/* The readers: 0 read (errors, if any, in rep), <0 when the source can
 * not be read at all (error set, naming it) or the sink failed. */
int dir_read_ldif(const char *path, dir_sink *sink, mbx_dir_report *rep);
int dir_read_csv(const char *path, dir_sink *sink, mbx_dir_report *rep);

/* Run a reader inside one transaction of st: every entry mapped and
 * applied as it comes; rolled back when any entry was malformed (then
 * MBX_EINVAL naming `source`), when the reader failed, or for a dry run. */
typedef int (*dir_reader_fn)(void *ud, dir_sink *sink, mbx_dir_report *rep);
int dir_import_run(mbx_store *st, const char *source, dir_reader_fn read, void *ud, int dry_run,
                   mbx_dir_report *out);

/* libldap and liblber print some parse errors to stderr themselves: route
 * them nowhere (our messages say what went wrong).  Idempotent. */
void dir_ldap_quiet(void);

/* ---- The entries an export writes (directory.c), for LDIF and LDAP ---- */

/* The adjuster's recipients as entries to add below base_dn (NULL: the
 * default base, see mbx_directory_export); their attributes in order. */
int dir_export_entries(mbx_store *st, const char *base_dn, dir_list *out, char **server);

#endif
