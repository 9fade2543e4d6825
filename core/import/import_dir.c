/*
 * core/import/import_dir.c - folders of PST files into the store, one
 * mailbox per file (mbx/import.h: mbx_import_files_*): Exmerge's step 2
 * for a whole server's worth of ALIAS.PST files at once.
 *
 * A folder's .pst and .ost files are taken, not its subfolders: Exmerge
 * and `mbxrescue export` write one flat folder, and a recursive walk would
 * pick up copies and backups kept below it.  Each file's mailbox alias is
 * its name, upper-cased and made safe as export names are
 * (core/export/naming.c), unique; a split part ALIAS-002.PST next to
 * ALIAS.PST goes into the same mailbox.  A mailbox map (CSV: file, alias,
 * display name) names mailboxes explicitly.
 *
 * The files are imported by several threads, each through mbx_import_run
 * with its own store connection and the file all or nothing; with more
 * than one thread the imports spool (mbx_import_opts.spool): libpst reads
 * the next files while one import writes.
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <stdarg.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csv.h>

#include "mbx/import.h"
#include "mbx/text.h"

/* Longest alias in bytes (as export file names: room for suffixes). */
#define IF_ALIAS_MAX 64

void mbx_import_files_clear(mbx_import_files *f)
{
	size_t i;

	if (!f)
		return;
	for (i = 0; i < f->n; i++) {
		mbx_free(f->v[i].path);
		mbx_free(f->v[i].alias);
		mbx_free(f->v[i].display_name);
		mbx_free(f->v[i].real);
	}
	mbx_free(f->v);
	memset(f, 0, sizeof(*f));
}

static int if_is_pst_name(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && n > 4 &&
	       (strcasecmp(name + n - 4, ".pst") == 0 || strcasecmp(name + n - 4, ".ost") == 0);
}

static int if_cmp_path(const void *a, const void *b)
{
	return strcmp(((const mbx_import_file *)a)->path, ((const mbx_import_file *)b)->path);
}

/* Add one file unless it is there already (the same file by two names). */
static void if_add(mbx_import_files *f, const char *path)
{
	char *real = realpath(path, NULL);
	size_t i;

	for (i = 0; real && i < f->n; i++) {
		if (f->v[i].real && strcmp(f->v[i].real, real) == 0) {
			free(real);
			return;
		}
	}
	f->v = mbx_reallocarray(f->v, f->n + 1, sizeof(*f->v));
	memset(&f->v[f->n], 0, sizeof(f->v[f->n]));
	f->v[f->n].path = mbx_strdup(path);
	f->v[f->n].real = real ? mbx_strdup(real) : NULL;
	f->n++;
	free(real);
}

int mbx_import_files_add(mbx_import_files *f, const char *path)
{
	struct stat sb;
	struct dirent *de;
	DIR *d;
	size_t first = f->n, found = 0;

	if (!path || !*path)
		return mbx_error_set(MBX_EINVAL, "an empty file name; give .pst files or folders");
	if (stat(path, &sb) != 0)
		return mbx_error_set(errno == ENOENT ? MBX_ENOTFOUND : MBX_EIO, "%s: %s", path,
		                     strerror(errno));
	if (S_ISREG(sb.st_mode)) {
		if_add(f, path);
		return 0;
	}
	if (!S_ISDIR(sb.st_mode))
		return mbx_error_set(MBX_EINVAL, "%s is neither a file nor a folder; give .pst files "
		                     "or folders of them", path);
	d = opendir(path);
	if (!d)
		return mbx_error_set(MBX_EIO, "can not read the folder %s: %s", path, strerror(errno));
	while ((errno = 0, de = readdir(d)) != NULL) {
		char *p;

		if (!if_is_pst_name(de->d_name))
			continue;
		p = mbx_asprintf("%s%s%s", path, path[strlen(path) - 1] == '/' ? "" : "/", de->d_name);
		if (stat(p, &sb) == 0 && S_ISREG(sb.st_mode)) {
			if_add(f, p);
			found++;
		}
		mbx_free(p);
	}
	if (errno) {
		int e = errno;
		closedir(d);
		return mbx_error_set(MBX_EIO, "can not read the folder %s: %s", path, strerror(e));
	}
	closedir(d);
	if (!found)
		return mbx_error_set(MBX_ENOTFOUND, "no .pst or .ost files in %s (its subfolders are "
		                     "not searched: give them too)", path);
	/* A folder's files in name order: the same run every time. */
	qsort(f->v + first, f->n - first, sizeof(*f->v), if_cmp_path);
	return 0;
}

/* ---- Aliases ------------------------------------------------------------------ */

/* Length of the valid UTF-8 sequence at s, 0 when invalid. */
static size_t if_utf8_len(const unsigned char *s)
{
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return mbx_utf8_valid((const char *)s, n) ? n : 0;
}

/* Windows device names (a mailbox exported again would get this name). */
static int if_reserved(const char *s)
{
	static const char *const names[] = { "CON", "PRN", "AUX", "NUL", "CLOCK$" };
	size_t len = strcspn(s, "."), i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == len && strncasecmp(s, names[i], len) == 0)
			return 1;
	return len == 4 && (strncasecmp(s, "COM", 3) == 0 || strncasecmp(s, "LPT", 3) == 0) &&
	       s[3] >= '0' && s[3] <= '9';
}

/*
 * The alias for a file name without its extension, as export names are
 * made (core/export/naming.c): upper-cased, controls, invalid UTF-8 and
 * the characters Windows forbids in file names replaced by '_', no ".."
 * and no dots or spaces at the ends, at most 64 bytes, not a device name;
 * and, for an alias, no space, ',' or '=' (a legacy DN's separators).
 */
char *mbx_import_alias_from_name(const char *name)
{
	const unsigned char *s = (const unsigned char *)(name ? name : "");
	char *out = mbx_malloc(IF_ALIAS_MAX + 2), *res;
	size_t o = 0, start, end;

	while (*s && o < IF_ALIAS_MAX) {
		size_t n = if_utf8_len(s);

		if (n == 0 || *s < 0x20 || *s == 0x7f) {
			out[o++] = '_';
			s += n ? n : 1;
		} else if (n > 1) {
			if (o + n > IF_ALIAS_MAX)
				break;
			if (s[0] == 0xc2 && s[1] < 0xa0) {
				out[o++] = '_';      /* C1 controls */
			} else {
				memcpy(out + o, s, n);
				o += n;
			}
			s += n;
		} else if (strchr("/\\:*?\"<>| ,=", *s)) {
			out[o++] = '_';
			s++;
		} else if (*s == '.' && o > 0 && out[o - 1] == '.') {
			s++;
		} else {
			out[o++] = (char)toupper(*s);
			s++;
		}
	}
	out[o] = '\0';
	start = 0;
	while (out[start] == '.')
		start++;
	end = strlen(out);
	while (end > start && out[end - 1] == '.')
		end--;
	res = end == start ? mbx_strdup("MAILBOX") : mbx_strndup(out + start, end - start);
	mbx_free(out);
	if (if_reserved(res)) {
		size_t dev = strcspn(res, ".");
		char *r = mbx_asprintf("%.*s_%s", (int)dev, res, res + dev);
		mbx_free(res);
		res = r;
	}
	return res;
}

/* The file name without folder and extension ("/x/JSMITH.PST" -> "JSMITH"). */
static char *if_stem(const char *path)
{
	const char *b = strrchr(path, '/');
	size_t n;

	b = b ? b + 1 : path;
	n = strlen(b);
	if (n > 4 && (strcasecmp(b + n - 4, ".pst") == 0 || strcasecmp(b + n - 4, ".ost") == 0))
		n -= 4;
	return mbx_strndup(b, n);
}

static const char *if_base(const char *path)
{
	const char *b = strrchr(path, '/');

	return b ? b + 1 : path;
}

/* An alias a store mailbox can have (as import_pst.c checks it). */
static int if_alias_ok(const char *a)
{
	size_t n = strlen(a);

	if (n == 0 || n > IF_ALIAS_MAX || !mbx_utf8_valid(a, n))
		return 0;
	for (; *a; a++)
		if ((unsigned char)*a < 0x21 || *a == 0x7f || *a == '/' || *a == ',' || *a == '=' ||
		    *a == '"')
			return 0;
	return 1;
}

/* ---- The mailbox map ------------------------------------------------------------ */

typedef struct if_map {
	mbx_import_files *f;
	const char *path;
	int64_t line, row_line;
	char *fields[4];
	size_t n_fields;
	int rows;
	int rc;                  /* the first error, MBX_EINVAL */
} if_map;

static void if_map_field(void *s, size_t len, void *ud)
{
	if_map *m = ud;

	if (m->row_line == 0)
		m->row_line = m->line;
	if (m->n_fields < 4)
		m->fields[m->n_fields] = mbx_strndup(s ? s : "", s ? len : 0);
	m->n_fields++;
}

static void if_map_fields_clear(if_map *m)
{
	size_t i;

	for (i = 0; i < 4; i++) {
		mbx_free(m->fields[i]);
		m->fields[i] = NULL;
	}
	m->n_fields = 0;
	m->row_line = 0;
}

static int if_map_err(if_map *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int if_map_err(if_map *m, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (m->rc < 0)
		return m->rc;
	va_start(ap, fmt);
	msg = mbx_vasprintf(fmt, ap);
	va_end(ap);
	m->rc = mbx_error_set(MBX_EINVAL, "%s:%lld: %s; correct the mailbox map and run again "
	                      "(nothing was imported)", m->path, (long long)m->row_line, msg);
	mbx_free(msg);
	return m->rc;
}

static void if_map_row(int term, void *ud)
{
	if_map *m = ud;
	const char *file, *alias, *name;
	mbx_import_file *hit = NULL;
	size_t i;

	(void)term;
	if (m->rc < 0)
		goto out;
	m->rows++;
	/* An empty line, and a header row, are not entries. */
	if (m->n_fields == 1 && !*m->fields[0])
		goto out;
	if (m->rows == 1 && m->n_fields >= 1 && strcasecmp(m->fields[0], "file") == 0)
		goto out;
	if (m->n_fields < 2 || m->n_fields > 3) {
		if_map_err(m, "%zu field%s; give file,alias[,display name]", m->n_fields,
		           m->n_fields == 1 ? "" : "s");
		goto out;
	}
	file = m->fields[0];
	alias = m->fields[1];
	name = m->n_fields == 3 ? m->fields[2] : "";
	if (!*file)
		goto bad_file;
	if (!if_alias_ok(alias)) {
		if_map_err(m, "'%s' can not be a mailbox alias: give 1 to 64 letters, digits, '.', "
		           "'-' or '_'", alias);
		goto out;
	}
	if (!mbx_utf8_valid(name, strlen(name))) {
		if_map_err(m, "the display name is not UTF-8 text");
		goto out;
	}
	for (i = 0; name[i]; i++) {
		if ((unsigned char)name[i] < 0x20) {
			if_map_err(m, "the display name holds a control character");
			goto out;
		}
	}
	for (i = 0; i < m->f->n; i++) {
		mbx_import_file *x = &m->f->v[i];
		if (strcmp(x->path, file) == 0 || strcasecmp(if_base(x->path), file) == 0) {
			hit = x;
			break;
		}
	}
	if (!hit) {
bad_file:
		if_map_err(m, "'%s' is not among the files being imported; give the file's name "
		           "(JSMITH.PST) or its path as given", file);
		goto out;
	}
	if (hit->map_line) {
		if_map_err(m, "%s is named already on line %lld", file, (long long)hit->map_line);
		goto out;
	}
	hit->map_line = m->row_line;
	hit->alias = mbx_strdup(alias);
	hit->display_name = *name ? mbx_strdup(name) : NULL;
out:
	if_map_fields_clear(m);
}

static int if_map_read(mbx_import_files *f, const char *path)
{
	struct csv_parser p;
	if_map m;
	FILE *fp;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;

	fp = fopen(path, "r");
	if (!fp)
		return mbx_error_set(MBX_EINVAL, "can not read the mailbox map %s: %s", path,
		                     strerror(errno));
	memset(&m, 0, sizeof(m));
	m.f = f;
	m.path = path;
	if (csv_init(&p, CSV_STRICT | CSV_APPEND_NULL | CSV_STRICT_FINI) != 0) {
		fclose(fp);
		return mbx_error_set(MBX_ERROR, "%s: can not start the CSV parser", path);
	}
	while (m.rc == 0 && (n = getline(&line, &cap, fp)) >= 0) {
		m.line++;
		if (csv_parse(&p, line, (size_t)n, if_map_field, if_map_row, &m) != (size_t)n) {
			m.row_line = m.row_line ? m.row_line : m.line;
			if_map_err(&m, "malformed CSV (%s)", csv_strerror(csv_error(&p)));
		}
	}
	if (m.rc == 0 && ferror(fp))
		rc = mbx_error_set(MBX_EIO, "%s: read error: %s", path, strerror(errno));
	else if (m.rc == 0 && csv_fini(&p, if_map_field, if_map_row, &m) != 0) {
		m.row_line = m.line;
		if_map_err(&m, "malformed CSV at the end of the file (%s)",
		           csv_strerror(csv_error(&p)));
	}
	csv_free(&p);
	fclose(fp);
	free(line);
	if_map_fields_clear(&m);
	return m.rc < 0 ? m.rc : rc;
}

static int if_alias_used(const mbx_import_files *f, const char *a, size_t except)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (i != except && f->v[i].alias && strcasecmp(f->v[i].alias, a) == 0)
			return 1;
	return 0;
}

int mbx_import_files_name(mbx_import_files *f, const char *map_path)
{
	size_t i, j;
	int rc;

	if (map_path && (rc = if_map_read(f, map_path)) < 0)
		return rc;
	/* Whole files first, so that split parts find their mailbox. */
	for (i = 0; i < f->n; i++) {
		char *stem, *alias;
		unsigned k;

		if (f->v[i].alias)
			continue;
		stem = if_stem(f->v[i].path);
		{
			size_t n = strlen(stem);
			/* ALIAS-002 next to ALIAS: a part of the same mailbox (export
			 * --max-pst-size); taken in the second pass. */
			if (n > 4 && stem[n - 4] == '-' && isdigit((unsigned char)stem[n - 3]) &&
			    isdigit((unsigned char)stem[n - 2]) && isdigit((unsigned char)stem[n - 1])) {
				for (j = 0; j < f->n; j++) {
					char *other = if_stem(f->v[j].path);
					int part = j != i && strlen(other) == n - 4 &&
					           strncasecmp(other, stem, n - 4) == 0 &&
					           strcmp(if_base(f->v[j].path), if_base(f->v[i].path)) != 0;
					mbx_free(other);
					if (part)
						break;
				}
				if (j < f->n) {
					f->v[i].part_of = j + 1;
					mbx_free(stem);
					continue;
				}
			}
		}
		alias = mbx_import_alias_from_name(stem);
		mbx_free(stem);
		/* Unique: "_2", "_3"... ("-NNN" means a split part). */
		for (k = 2; if_alias_used(f, alias, i); k++) {
			char *st = if_stem(f->v[i].path), *base = mbx_import_alias_from_name(st);
			mbx_free(alias);
			alias = mbx_asprintf("%s_%u", base, k);
			mbx_free(base);
			mbx_free(st);
		}
		f->v[i].alias = alias;
	}
	for (i = 0; i < f->n; i++) {
		if (!f->v[i].alias && f->v[i].part_of) {
			f->v[i].alias = mbx_strdup(f->v[f->v[i].part_of - 1].alias);
			if (f->v[f->v[i].part_of - 1].display_name)
				f->v[i].display_name = mbx_strdup(f->v[f->v[i].part_of - 1].display_name);
		}
	}
	return 0;
}

/* ---- Running them ---------------------------------------------------------------- */

typedef struct if_pool {
	const mbx_import_opts *base;
	const mbx_import_files *f;
	mbx_import_result *results;
	pthread_mutex_t mu;
	size_t next;
	int spool;
} if_pool;

static void *if_worker(void *arg)
{
	if_pool *p = arg;

	for (;;) {
		mbx_import_opts o;
		size_t i;

		pthread_mutex_lock(&p->mu);
		i = p->next++;
		pthread_mutex_unlock(&p->mu);
		if (i >= p->f->n)
			break;
		o = *p->base;
		o.pst_path = p->f->v[i].path;
		o.alias = p->f->v[i].alias;
		o.display_name = p->f->v[i].display_name;
		o.create = 1;
		o.name_from_pst = p->f->v[i].display_name == NULL;
		o.spool = p->spool;
		mbx_import_run(&o, &p->results[i]);
	}
	return NULL;
}

int mbx_import_files_threads(int threads, size_t n_files)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);

	if (threads <= 0)
		threads = cores > 0 ? (int)(cores > 64 ? 64 : cores) : 1;
	if ((size_t)threads > n_files)
		threads = n_files ? (int)n_files : 1;
	return threads;
}

int mbx_import_files_run(const mbx_import_opts *base, const mbx_import_files *f, int threads,
                         mbx_import_result *results)
{
	if_pool p;
	pthread_t *t;
	size_t i;
	int n, started = 0, failed = 0;

	memset(results, 0, f->n * sizeof(*results));
	for (i = 0; i < f->n; i++)
		if (!f->v[i].alias)
			return mbx_error_set(MBX_EINVAL, "%s has no mailbox yet: call "
			                     "mbx_import_files_name first", f->v[i].path);
	n = mbx_import_files_threads(threads, f->n);
	memset(&p, 0, sizeof(p));
	p.base = base;
	p.f = f;
	p.results = results;
	p.spool = n > 1;
	pthread_mutex_init(&p.mu, NULL);
	t = mbx_calloc((size_t)n, sizeof(*t));
	for (started = 0; started < n; started++)
		if (pthread_create(&t[started], NULL, if_worker, &p) != 0)
			break;
	if (started == 0)
		if_worker(&p);     /* no thread to be had: do it here */
	for (i = 0; i < (size_t)started; i++)
		pthread_join(t[i], NULL);
	mbx_free(t);
	pthread_mutex_destroy(&p.mu);
	for (i = 0; i < f->n; i++)
		failed += results[i].status < 0;
	return failed;
}
