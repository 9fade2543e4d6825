/*
 * core/import/directory_int.h - what the directory readers (LDIF, CSV)
 * hand to the directory import (directory.c): entries as lists of
 * attribute values, each with the line it came from.  Malformed input is
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

/* The readers: 0 read (errors, if any, in rep), <0 when the file can not
 * be read at all (error set, naming it). */
int dir_read_ldif(const char *path, dir_list *out, mbx_dir_report *rep);
int dir_read_csv(const char *path, dir_list *out, mbx_dir_report *rep);

#endif
