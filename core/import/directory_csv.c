/*
 * core/import/directory_csv.c - read CSV as csvde writes it, with libcsv:
 * a header row of attribute names (one of them "DN"), then one entry per
 * row.  csvde writes multiple values separated by ';' and binary values
 * as X'hex'; both are unpacked here.  The file is fed to libcsv line by
 * line so that every row knows the line it started on; each row goes to
 * the import as it is read.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <csv.h>

#include "directory_int.h"

typedef struct cv_state {
	dir_list out;            /* the row being handed over */
	dir_sink *sink;
	int sink_rc;             /* <0: the import failed, stop */
	mbx_dir_report *rep;
	int64_t line;            /* the line being fed */
	int64_t row_line;        /* where the current row started, 0 = no row yet */
	char **header;
	size_t n_header;
	int64_t dn_col;          /* column of "DN", -1 before the header */
	char **fields;           /* the current row */
	size_t n_fields, cap_fields;
	int header_done;
	int stop;                /* a fatal header error */
} cv_state;

static void cv_field(void *s, size_t len, void *ud)
{
	cv_state *c = ud;

	if (c->row_line == 0)
		c->row_line = c->line;
	if (c->n_fields == c->cap_fields) {
		c->cap_fields = c->cap_fields ? c->cap_fields * 2 : 16;
		c->fields = mbx_reallocarray(c->fields, c->cap_fields, sizeof(*c->fields));
	}
	c->fields[c->n_fields++] = mbx_strndup(s ? s : "", s ? len : 0);
}

static int cv_hex(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = tolower((unsigned char)ch);
	return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

/* One csvde value (a part between ';'): X'hex' becomes its bytes. */
static int cv_value(dir_entry *e, const char *name, const char *v, size_t len, int64_t line,
                    mbx_dir_report *rep)
{
	if (len >= 3 && (v[0] == 'X' || v[0] == 'x') && v[1] == '\'' && v[len - 1] == '\'') {
		size_t n = (len - 3) / 2, i;
		char *bin;

		if ((len - 3) % 2) {
			dir_report_error(rep, line, "%s: X'...' needs an even number of hex digits", name);
			return -1;
		}
		bin = mbx_malloc(n + 1);
		for (i = 0; i < n; i++) {
			int hi = cv_hex(v[2 + 2 * i]), lo = cv_hex(v[3 + 2 * i]);
			if (hi < 0 || lo < 0) {
				mbx_free(bin);
				dir_report_error(rep, line, "%s: X'...' holds a character that is not hex", name);
				return -1;
			}
			bin[i] = (char)(hi << 4 | lo);
		}
		bin[n] = '\0';
		dir_attr_add(e, name, strlen(name), bin, n, line);
		mbx_free(bin);
		return 0;
	}
	dir_attr_add(e, name, strlen(name), v, len, line);
	return 0;
}

static void cv_fields_clear(cv_state *c)
{
	size_t i;

	for (i = 0; i < c->n_fields; i++)
		mbx_free(c->fields[i]);
	c->n_fields = 0;
	c->row_line = 0;
}

static void cv_header(cv_state *c)
{
	size_t i;

	c->header = c->fields;
	c->n_header = c->n_fields;
	c->fields = NULL;
	c->n_fields = c->cap_fields = 0;
	c->header_done = 1;
	c->dn_col = -1;
	for (i = 0; i < c->n_header; i++) {
		/* Excel and others may put a byte order mark before "DN". */
		const char *h = c->header[i];
		if (i == 0 && strncmp(h, "\xEF\xBB\xBF", 3) == 0)
			h += 3;
		if (strcasecmp(h, "DN") == 0)
			c->dn_col = (int64_t)i;
		if (!*h)
			dir_report_error(c->rep, c->row_line, "column %zu of the header row has no name", i + 1);
	}
	if (c->dn_col < 0) {
		dir_report_error(c->rep, c->row_line, "the header row has no 'DN' column: give the "
		                 "file as csvde -f writes it (DN,objectClass,...)");
		c->stop = 1;
	}
}

static void cv_row(int term, void *ud)
{
	cv_state *c = ud;
	dir_entry *e;
	size_t i;

	(void)term;
	if (c->stop)
		goto out;
	if (!c->header_done) {
		cv_header(c);
		c->row_line = 0;
		return;
	}
	if (c->n_fields != c->n_header) {
		dir_report_error(c->rep, c->row_line, "%zu fields where the header row has %zu",
		                 c->n_fields, c->n_header);
		goto out;
	}
	e = dir_entry_new(&c->out, c->row_line, c->fields[c->dn_col], strlen(c->fields[c->dn_col]));
	for (i = 0; i < c->n_fields; i++) {
		const char *v = c->fields[i], *p;
		const char *name = c->header[i];

		if ((int64_t)i == c->dn_col || !*v)
			continue;
		if (i == 0 && strncmp(name, "\xEF\xBB\xBF", 3) == 0)
			name += 3;
		/* csvde: several values of one attribute are separated by ';'. */
		for (p = v;;) {
			const char *semi = strchr(p, ';');
			size_t len = semi ? (size_t)(semi - p) : strlen(p);
			if (len > 0 && cv_value(e, name, p, len, c->row_line, c->rep) < 0)
				break;
			if (!semi)
				break;
			p = semi + 1;
		}
	}
	/* Each row goes to the import as soon as it is read. */
	if ((c->sink_rc = dir_sink_flush(c->sink, &c->out)) < 0)
		c->stop = 1;
out:
	cv_fields_clear(c);
}

int dir_read_csv(const char *path, dir_sink *sink, mbx_dir_report *rep)
{
	struct csv_parser p;
	cv_state c;
	FILE *fp;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	size_t i;
	int rc = 0;

	fp = fopen(path, "r");
	if (!fp)
		return mbx_error_set(errno == ENOENT ? MBX_ENOTFOUND : MBX_EIO, "%s: %s", path,
		                     strerror(errno));
	memset(&c, 0, sizeof(c));
	c.sink = sink;
	c.rep = rep;
	c.dn_col = -1;
	if (csv_init(&p, CSV_STRICT | CSV_APPEND_NULL | CSV_STRICT_FINI) != 0) {
		fclose(fp);
		return mbx_error_set(MBX_ERROR, "%s: can not start the CSV parser", path);
	}
	while (!c.stop && (n = getline(&line, &cap, fp)) >= 0) {
		c.line++;
		if (csv_parse(&p, line, (size_t)n, cv_field, cv_row, &c) != (size_t)n) {
			dir_report_error(rep, c.line, "malformed CSV (%s)", csv_strerror(csv_error(&p)));
			c.stop = 1;
		}
	}
	if (c.sink_rc < 0)
		rc = c.sink_rc;
	else if (ferror(fp))
		rc = mbx_error_set(MBX_EIO, "%s: read error: %s", path, strerror(errno));
	else if (!c.stop && csv_fini(&p, cv_field, cv_row, &c) != 0)
		dir_report_error(rep, c.line, "malformed CSV at the end of the file (%s)",
		                 csv_strerror(csv_error(&p)));
	else if (!c.header_done && !c.stop)
		dir_report_error(rep, 1, "the file is empty: a csvde file starts with a header row");
	if (rc == 0 && c.sink_rc < 0)
		rc = c.sink_rc;     /* the last row, handed over by csv_fini */
	csv_free(&p);
	fclose(fp);
	free(line);
	cv_fields_clear(&c);
	dir_list_clear(&c.out);
	mbx_free(c.fields);
	for (i = 0; i < c.n_header; i++)
		mbx_free(c.header[i]);
	mbx_free(c.header);
	return rc;
}
