/* ExMerge.ini (batch -F) and mailbox list files. */
#include "config.h"
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "mbx/text.h"
#include "export_int.h"

/* ---- list files --------------------------------------------------------- */

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* Read the non-blank, non-comment lines of a text file. */
static int read_lines(const char *path, const char *what, char ***out, size_t *n)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, count = 0, lineno = 0;
	char **list = NULL;
	ssize_t len;
	int rc = 0;

	*out = NULL;
	*n = 0;
	if (!f)
		return mbx_error_set(errno == ENOENT ? MBX_ENOTFOUND : MBX_EIO,
		                     "cannot read %s '%s': %s", what, path, strerror(errno));
	while ((len = getline(&line, &cap, f)) >= 0) {
		char *t;

		lineno++;
		if (lineno == 1 && len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0)
			memmove(line, line + 3, (size_t)len - 2);   /* UTF-8 BOM (Notepad) */
		t = trim(line);
		if (!*t || *t == '#' || *t == ';')
			continue;
		if (!mbx_utf8_valid(t, strlen(t))) {
			rc = mbx_error_set(MBX_EINVAL, "%s '%s' line %zu is not valid UTF-8: save the file as UTF-8",
			                   what, path, lineno);
			goto out;
		}
		list = mbx_reallocarray(list, count + 1, sizeof(*list));
		list[count++] = mbx_strdup(t);
	}
	if (ferror(f))
		rc = mbx_error_set(MBX_EIO, "cannot read %s '%s': %s", what, path, strerror(errno));
out:
	free(line);
	fclose(f);
	if (rc < 0) {
		mbx_export_list_free(list, count);
		return rc;
	}
	*out = list;
	*n = count;
	return 0;
}

/* "/o=ORG/ou=SITE/cn=Recipients/cn=JSmith" -> "JSmith" (Exmerge's list
 * files hold distinguished names); anything else is an alias. */
static char *mailbox_from_line(const char *s)
{
	const char *p = NULL, *q;

	for (q = s; *q; q++)
		if (*q == '/' && strncasecmp(q + 1, "cn=", 3) == 0)
			p = q + 4;
	if (!p)
		return mbx_strdup(s);
	return mbx_strndup(p, strcspn(p, "/"));
}

int mbx_export_read_mailbox_list(const char *path, char ***out, size_t *n)
{
	size_t i;
	int rc = read_lines(path, "mailbox list", out, n);

	if (rc < 0)
		return rc;
	for (i = 0; i < *n; i++) {
		char *m = mailbox_from_line((*out)[i]);

		mbx_free((*out)[i]);
		(*out)[i] = m;
		if (!*m) {
			rc = mbx_error_set(MBX_EINVAL, "mailbox list '%s': entry %zu names no mailbox", path, i + 1);
			mbx_export_list_free(*out, *n);
			*out = NULL;
			*n = 0;
			return rc;
		}
	}
	return 0;
}

void mbx_export_list_free(char **list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		mbx_free(list[i]);
	mbx_free(list);
}

/* ---- ExMerge.ini ---------------------------------------------------------- */

typedef struct ini_ctx {
	const char *path;
	char *dir;                 /* the ini's directory, for relative paths */
	FILE *f;
	int lineno;                /* line being parsed (counted by the reader) */
	int in_line;               /* the reader stopped inside a line */
	int err_line;
	char *err;                 /* first error */
	mbx_exmerge_ini *ini;
	/* folder selection, applied after parsing (order of keys is free) */
	int folders_processed;     /* 0 all, 1 only listed, 2 all but listed */
	int apply_to_subfolders;
	char **folders;
	size_t n_folders;
	char *folder_list_file;
	int folder_list_line;
	char *subject_list_file, *attachment_list_file;
	int subject_list_line, attachment_list_line;
} ini_ctx;

static char *count_lines_reader(char *str, int num, void *stream)
{
	ini_ctx *c = stream;
	char *r = fgets(str, num, c->f);

	/* A line longer than inih's buffer comes in several pieces. */
	if (r && !c->in_line)
		c->lineno++;
	if (r)
		c->in_line = r[strlen(r) - 1] != '\n';
	return r;
}

static int fail(ini_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(ini_ctx *c, const char *fmt, ...)
{
	va_list ap;

	if (!c->err) {
		va_start(ap, fmt);
		c->err = mbx_vasprintf(fmt, ap);
		va_end(ap);
		c->err_line = c->lineno;
	}
	return 0;   /* inih: handler error */
}

static int parse_int(const char *v, int lo, int hi, int *out)
{
	char *end;
	long x;

	errno = 0;
	x = strtol(v, &end, 10);
	if (end == v || *trim(end) || errno || x < lo || x > hi)
		return -1;
	*out = (int)x;
	return 0;
}

/* A path from the ini: Windows paths can not be used here; relative ones
 * are taken from the ini's directory. */
static int ini_path(ini_ctx *c, const char *key, const char *v, char **out)
{
	if (!*v)
		return fail(c, "%s is empty: give a path", key);
	if ((isalpha((unsigned char)v[0]) && v[1] == ':') || (v[0] == '\\' && v[1] == '\\'))
		return fail(c, "%s '%s' is a Windows path: give a path on this system", key, v);
	mbx_free(*out);
	*out = v[0] == '/' ? mbx_strdup(v) : mbx_asprintf("%s/%s", c->dir, v);
	return 1;
}

static int set_date(ini_ctx *c, const char *key, const char *v, int end, int64_t *out)
{
	if (mbx_export_parse_date(v, end, out) < 0)
		return fail(c, "%s: %s", key, mbx_error_last());
	return 1;
}

static void ignore(ini_ctx *c, const char *section, const char *name)
{
	mbx_exmerge_ini *ini = c->ini;
	char *s;
	size_t i;

	if (strcasecmp(section, "EXMERGE") == 0)
		s = mbx_asprintf("%s (line %d)", name, c->lineno);
	else
		s = mbx_asprintf("[%s] %s (line %d)", section, name, c->lineno);
	for (i = 0; i < ini->n_ignored; i++)   /* multi-line values repeat a key */
		if (strcmp(ini->ignored[i], s) == 0) {
			mbx_free(s);
			return;
		}
	ini->ignored = mbx_reallocarray(ini->ignored, ini->n_ignored + 1, sizeof(*ini->ignored));
	ini->ignored[ini->n_ignored++] = s;
}

static int handle_exmerge(ini_ctx *c, const char *name, const char *v)
{
	mbx_exmerge_ini *ini = c->ini;
	int x;

	if (strcasecmp(name, "MergeAction") == 0) {
		if (parse_int(v, 0, 2, &x) < 0)
			return fail(c, "MergeAction '%s': use 0 (export), 1 (import) or 2 (both)", v);
		ini->merge_action = (mbx_merge_action)x;
	} else if (strcasecmp(name, "DataDirectoryName") == 0) {
		return ini_path(c, name, v, &ini->data_dir);
	} else if (strcasecmp(name, "LogFileName") == 0) {
		return ini_path(c, name, v, &ini->log_file);
	} else if (strcasecmp(name, "LoggingLevel") == 0) {
		if (parse_int(v, 0, 3, &ini->log_level) < 0)
			return fail(c, "LoggingLevel '%s': use 0 (none) to 3 (maximum)", v);
	} else if (strcasecmp(name, "SelectMessageStartDate") == 0) {
		return set_date(c, name, v, 0, &ini->start_date);
	} else if (strcasecmp(name, "SelectMessageEndDate") == 0) {
		return set_date(c, name, v, 1, &ini->end_date);
	} else if (strcasecmp(name, "DateField") == 0) {
		if (strcasecmp(v, "received") == 0)
			ini->date_field = MBX_DATE_RECEIVED;
		else if (strcasecmp(v, "sent") == 0)
			ini->date_field = MBX_DATE_SENT;
		else
			return fail(c, "DateField '%s': use received or sent", v);
	} else if (strcasecmp(name, "FileContainingListOfMailboxes") == 0) {
		return ini_path(c, name, v, &ini->mailbox_list_file);
	} else if (strcasecmp(name, "FoldersProcessed") == 0) {
		if (parse_int(v, 0, 2, &c->folders_processed) < 0)
			return fail(c, "FoldersProcessed '%s': use 0 (all), 1 (only the listed folders) or "
			            "2 (all but the listed folders)", v);
	} else if (strcasecmp(name, "ApplyFolderFilterToSubFolders") == 0) {
		if (parse_int(v, 0, 1, &c->apply_to_subfolders) < 0)
			return fail(c, "ApplyFolderFilterToSubFolders '%s': use 0 or 1", v);
	} else if (strcasecmp(name, "FileContainingListOfFolders") == 0) {
		c->folder_list_line = c->lineno;
		return ini_path(c, name, v, &c->folder_list_file);
	} else if (strcasecmp(name, "MessageSubject") == 0) {
		if (ini->subject)
			return fail(c, "MessageSubject given twice: mbxrescue filters on one subject per run");
		ini->subject = mbx_strdup(v);
	} else if (strcasecmp(name, "FileContainingListOfMessageSubjects") == 0) {
		c->subject_list_line = c->lineno;
		return ini_path(c, name, v, &c->subject_list_file);
	} else if (strcasecmp(name, "AttachmentName") == 0) {
		if (ini->attachment_glob)
			return fail(c, "AttachmentName given twice: mbxrescue filters on one name pattern per run");
		ini->attachment_glob = mbx_strdup(v);
	} else if (strcasecmp(name, "FileContainingListOfAttachmentNames") == 0) {
		c->attachment_list_line = c->lineno;
		return ini_path(c, name, v, &c->attachment_list_file);
	} else if (strcasecmp(name, "CopyAssociatedFolderData") == 0) {
		if (parse_int(v, 0, 1, &x) < 0)
			return fail(c, "CopyAssociatedFolderData '%s': use 0 or 1", v);
		ini->no_associated = !x;
	} else if (strcasecmp(name, "DataImportMethod") == 0) {
		if (parse_int(v, 0, 2, &ini->data_import_method) < 0)
			return fail(c, "DataImportMethod '%s': use 0 (copy), 1 (merge) or 2 (replace); 3 (archive) "
			            "deletes mail from the source and is not supported", v);
	} else {
		ignore(c, "EXMERGE", name);
	}
	return 1;
}

static int handler(void *ud, const char *section, const char *name, const char *value)
{
	ini_ctx *c = ud;
	char *v = mbx_strdup(value ? value : "");
	char *tv = trim(v);
	int rc;

	if (!mbx_utf8_valid(tv, strlen(tv))) {
		rc = fail(c, "%s is not valid UTF-8: save the file as UTF-8", name);
	} else if (strcasecmp(section, "EXMERGE") == 0) {
		rc = handle_exmerge(c, name, tv);
	} else if (strcasecmp(section, "Folders") == 0 && strcasecmp(name, "Folder") == 0) {
		c->folders = mbx_reallocarray(c->folders, c->n_folders + 1, sizeof(*c->folders));
		c->folders[c->n_folders++] = mbx_strdup(tv);
		rc = 1;
	} else if (!*section) {
		rc = fail(c, "'%s' is outside any section: Exmerge's keys belong under [EXMERGE]", name);
	} else {
		ignore(c, section, name);
		rc = 1;
	}
	mbx_free(v);
	return rc;
}

/* A list file with at most one entry (the filters take one value). */
static int one_from_list(ini_ctx *c, const char *key, const char *file, int line, char **dst)
{
	char **list;
	size_t n;

	if (!file)
		return 0;
	if (read_lines(file, key, &list, &n) < 0) {
		c->lineno = line;
		fail(c, "%s: %s", key, mbx_error_last());
		return -1;
	}
	if (n > 1 || (n == 1 && *dst)) {
		c->lineno = line;
		fail(c, "%s '%s' gives %zu entries: mbxrescue filters on one per run; run batch once per entry",
		     key, file, n + (*dst ? 1 : 0));
		mbx_export_list_free(list, n);
		return -1;
	}
	if (n == 1) {
		*dst = list[0];
		list[0] = NULL;
	}
	mbx_export_list_free(list, n);
	return 0;
}

static int finish(ini_ctx *c)
{
	mbx_exmerge_ini *ini = c->ini;
	mbx_folder_sel **dst;
	size_t *ndst, i;

	if (c->folder_list_file) {
		char **list;
		size_t n;

		if (read_lines(c->folder_list_file, "FileContainingListOfFolders", &list, &n) < 0) {
			c->lineno = c->folder_list_line;
			fail(c, "FileContainingListOfFolders: %s", mbx_error_last());
			return -1;
		}
		c->folders = mbx_reallocarray(c->folders, c->n_folders + n, sizeof(*c->folders));
		for (i = 0; i < n; i++)
			c->folders[c->n_folders++] = list[i];
		mbx_free(list);
	}
	if (c->n_folders > 0 && c->folders_processed == 0) {
		c->lineno = 0;
		fail(c, "folders are listed but FoldersProcessed is 0 (all folders): set it to 1 (only the "
		     "listed folders) or 2 (all but the listed folders)");
		return -1;
	}
	dst = c->folders_processed == 1 ? &ini->include : &ini->exclude;
	ndst = c->folders_processed == 1 ? &ini->n_include : &ini->n_exclude;
	if (c->folders_processed != 0) {
		*dst = mbx_calloc(c->n_folders, sizeof(**dst));
		for (i = 0; i < c->n_folders; i++) {
			(*dst)[i].path = c->folders[i];
			(*dst)[i].subtree = c->apply_to_subfolders;
		}
		*ndst = c->n_folders;
		mbx_free(c->folders);
		c->folders = NULL;
		c->n_folders = 0;
	}
	if (one_from_list(c, "FileContainingListOfMessageSubjects", c->subject_list_file,
	                  c->subject_list_line, &ini->subject) < 0 ||
	    one_from_list(c, "FileContainingListOfAttachmentNames", c->attachment_list_file,
	                  c->attachment_list_line, &ini->attachment_glob) < 0)
		return -1;
	if (ini->mailbox_list_file &&
	    mbx_export_read_mailbox_list(ini->mailbox_list_file, &ini->mailboxes, &ini->n_mailboxes) < 0) {
		c->lineno = 0;
		fail(c, "FileContainingListOfMailboxes: %s", mbx_error_last());
		return -1;
	}
	if (!ini->data_dir) {
		c->lineno = 0;
		fail(c, "DataDirectoryName is missing: add it under [EXMERGE] (where the PST files go)");
		return -1;
	}
	if (ini->start_date && ini->end_date && ini->start_date > ini->end_date) {
		c->lineno = 0;
		fail(c, "SelectMessageStartDate is after SelectMessageEndDate");
		return -1;
	}
	return 0;
}

int mbx_exmerge_ini_read(const char *path, mbx_exmerge_ini **out)
{
	ini_ctx c;
	const char *slash;
	int rc = 0, prc;
	size_t i;

	*out = NULL;
	memset(&c, 0, sizeof(c));
	c.path = path;
	c.apply_to_subfolders = 1;
	c.f = fopen(path, "r");
	if (!c.f)
		return mbx_error_set(errno == ENOENT ? MBX_ENOTFOUND : MBX_EIO,
		                     "cannot read ExMerge.ini '%s': %s", path, strerror(errno));
	slash = strrchr(path, '/');
	c.dir = slash ? mbx_strndup(path, slash == path ? 1 : (size_t)(slash - path)) : mbx_strdup(".");
	c.ini = mbx_calloc(1, sizeof(*c.ini));
	c.ini->log_level = -1;
	c.ini->data_import_method = -1;

	prc = ini_parse_stream(count_lines_reader, &c, handler, &c);
	if (prc == 0 && !c.err)
		finish(&c);
	if (c.err || prc != 0) {
		if (prc > 0 && (!c.err || c.err_line <= 0 || prc < c.err_line))
			rc = mbx_error_set(MBX_EINVAL, "%s line %d: not an ini line: write [SECTION] or KEY=VALUE "
			                   "(';' starts a comment)", path, prc);
		else if (c.err && c.err_line > 0)
			rc = mbx_error_set(MBX_EINVAL, "%s line %d: %s", path, c.err_line, c.err);
		else if (c.err)
			rc = mbx_error_set(MBX_EINVAL, "%s: %s", path, c.err);
		else if (prc > 0)
			rc = mbx_error_set(MBX_EINVAL, "%s line %d: not an ini line: write [SECTION] or KEY=VALUE "
			                   "(';' starts a comment)", path, prc);
		else
			rc = mbx_error_set(MBX_EIO, "cannot read ExMerge.ini '%s'", path);
	}
	fclose(c.f);
	for (i = 0; i < c.n_folders; i++)
		mbx_free(c.folders[i]);
	mbx_free(c.folders);
	mbx_free(c.folder_list_file);
	mbx_free(c.subject_list_file);
	mbx_free(c.attachment_list_file);
	mbx_free(c.dir);
	mbx_free(c.err);
	if (rc < 0) {
		mbx_exmerge_ini_free(c.ini);
		return rc;
	}
	*out = c.ini;
	return 0;
}

void mbx_exmerge_ini_free(mbx_exmerge_ini *ini)
{
	size_t i;

	if (!ini)
		return;
	mbx_free(ini->data_dir);
	mbx_free(ini->log_file);
	mbx_free(ini->mailbox_list_file);
	mbx_export_list_free(ini->mailboxes, ini->n_mailboxes);
	for (i = 0; i < ini->n_include; i++)
		mbx_free((char *)ini->include[i].path);
	mbx_free(ini->include);
	for (i = 0; i < ini->n_exclude; i++)
		mbx_free((char *)ini->exclude[i].path);
	mbx_free(ini->exclude);
	mbx_free(ini->subject);
	mbx_free(ini->attachment_glob);
	mbx_export_list_free(ini->ignored, ini->n_ignored);
	mbx_free(ini);
}

void mbx_exmerge_ini_apply(const mbx_exmerge_ini *ini, mbx_export_opts *opts)
{
	opts->out_dir = ini->data_dir;
	if (ini->log_file)
		opts->log_path = ini->log_file;
	if (ini->log_level >= 0)
		opts->log_level = ini->log_level;
	opts->filter.from = ini->start_date;
	opts->filter.to = ini->end_date;
	opts->filter.date_field = ini->date_field;
	opts->filter.include = ini->include;
	opts->filter.n_include = ini->n_include;
	opts->filter.exclude = ini->exclude;
	opts->filter.n_exclude = ini->n_exclude;
	opts->filter.subject = ini->subject;
	opts->filter.attachment_glob = ini->attachment_glob;
	opts->filter.no_associated = ini->no_associated;
}
