/*
 * core/import/directory_ldif.c - read LDIF as ldifde and slapcat write it,
 * with OpenLDAP's LDIF routines (ldif.h): records, folded lines, base64
 * ("attr:: ...") values.  Each value keeps the line it started on so that
 * errors name it; each record goes to the import as it is read.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <lber.h>
#include <ldif.h>

#include "directory_int.h"

/* Line number of every byte offset of a record: where each physical line
 * starts, found before ldif_getline unfolds the buffer in place. */
typedef struct ld_lines {
	size_t *start;
	size_t n;
} ld_lines;

static void ld_lines_scan(ld_lines *l, const char *buf)
{
	size_t i, cap = 16;

	l->start = mbx_malloc(cap * sizeof(*l->start));
	l->n = 0;
	l->start[l->n++] = 0;
	for (i = 0; buf[i]; i++) {
		if (buf[i] == '\n' && buf[i + 1]) {
			if (l->n == cap) {
				cap *= 2;
				l->start = mbx_reallocarray(l->start, cap, sizeof(*l->start));
			}
			l->start[l->n++] = i + 1;
		}
	}
}

static int64_t ld_line_of(const ld_lines *l, size_t off, int64_t first)
{
	size_t i = 0;

	while (i + 1 < l->n && l->start[i + 1] <= off)
		i++;
	return first + (int64_t)i;
}

/* One record: its logical lines parsed into a new entry (or errors). */
static void ld_record(char *buf, int64_t first, dir_list *out, mbx_dir_report *rep)
{
	ld_lines lines;
	char *next = buf, *line;
	dir_entry *e = NULL;
	int skip = 0;

	ld_lines_scan(&lines, buf);
	while ((line = ldif_getline(&next)) != NULL) {
		int64_t ln = ld_line_of(&lines, (size_t)(line - buf), first);
		struct berval type = { 0, NULL }, val = { 0, NULL };
		int freeval = 0;

		if (skip)
			continue;
		if (ldif_parse_line2(line, &type, &val, &freeval) < 0 || !type.bv_val) {
			dir_report_error(rep, ln, "not an LDIF 'attribute: value' line");
			continue;
		}
		if (!e) {
			if (type.bv_len == 7 && strncasecmp(type.bv_val, "version", 7) == 0) {
				skip = 1;     /* the "version: 1" header record */
			} else if (type.bv_len != 2 || strncasecmp(type.bv_val, "dn", 2) != 0) {
				dir_report_error(rep, ln, "an LDIF entry must start with 'dn:', not '%.*s:'",
				                 (int)(type.bv_len > 60 ? 60 : type.bv_len), type.bv_val);
				skip = 1;
			} else {
				e = dir_entry_new(out, ln, val.bv_val ? val.bv_val : "", val.bv_len);
			}
		} else if (type.bv_len == 10 && strncasecmp(type.bv_val, "changetype", 10) == 0) {
			if (!val.bv_val || strcasecmp(val.bv_val, "add") != 0)
				dir_report_error(rep, ln, "changetype '%s' is not supported: give entries to add "
				                 "(as ldifde -f or slapcat write them)",
				                 val.bv_val ? val.bv_val : "");
		} else {
			dir_attr_add(e, type.bv_val, type.bv_len, val.bv_val ? val.bv_val : "", val.bv_len, ln);
		}
		if (freeval)
			ber_memfree(val.bv_val);
	}
	mbx_free(lines.start);
}

int dir_read_ldif(const char *path, dir_sink *sink, mbx_dir_report *rep)
{
	dir_list list = { NULL, 0 };
	LDIFFP *fp;
	unsigned long lineno = 0;
	char *buf = NULL;
	int buflen = 0, rc, src = 0;

	errno = 0;
	fp = ldif_open(path, "r");
	if (!fp)
		return mbx_error_set(errno == ENOENT ? MBX_ENOTFOUND : MBX_EIO, "%s: %s", path,
		                     errno ? strerror(errno) : "can not open the file");
	while ((rc = ldif_read_record(fp, &lineno, &buf, &buflen)) > 0) {
		/* ldif_read_record counts the blank line that ends a record, unless
		 * the file ended first: from that, the record's first line. */
		int64_t last = (int64_t)lineno - (feof(fp->fp) ? 0 : 1);
		size_t k, nl = 0;

		for (k = 0; buf[k]; k++)
			if (buf[k] == '\n' && buf[k + 1])
				nl++;
		ld_record(buf, last - (int64_t)nl, &list, rep);
		/* Each record goes to the import as soon as it is read. */
		if ((src = dir_sink_flush(sink, &list)) < 0)
			break;
	}
	if (src < 0) {
		ber_memfree(buf);
		ldif_close(fp);
		return src;
	}
	if (rc < 0)
		dir_report_error(rep, (int64_t)lineno, "the LDIF reader stopped here (malformed record)");
	if (ferror(fp->fp)) {
		int e = errno;
		ber_memfree(buf);
		ldif_close(fp);
		return mbx_error_set(MBX_EIO, "%s: read error: %s", path, strerror(e));
	}
	ber_memfree(buf);
	ldif_close(fp);
	return 0;
}
