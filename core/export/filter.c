/* Export filters: which folders and messages go into the PST. */
#include "config.h"
#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "export_int.h"

static size_t parent_index(const mbx_folder *folders, size_t n, size_t i)
{
	size_t j;

	if (folders[i].parent_id == 0)
		return (size_t)-1;
	/* Parents come first: search backwards from i. */
	for (j = i; j-- > 0;)
		if (folders[j].id == folders[i].parent_id)
			return j;
	return (size_t)-1;
}

int exp_folder_depth(const mbx_folder *folders, size_t n, size_t i)
{
	int d = 1;

	while ((i = parent_index(folders, n, i)) != (size_t)-1)
		d++;
	return d;
}

/* Split a selector path into components.  "/Inbox/Projects/", "Inbox\Projects"
 * and a leading "Top of Information Store" or "Top of Personal Folders" are
 * accepted as Exmerge users write them. */
static char **split_path(const char *path, size_t *n)
{
	char **parts = NULL;
	size_t count = 0;
	const char *p = path;

	while (*p) {
		size_t len;

		while (*p == '/' || *p == '\\')
			p++;
		len = strcspn(p, "/\\");
		if (len == 0)
			break;
		parts = mbx_reallocarray(parts, count + 1, sizeof(*parts));
		parts[count++] = mbx_strndup(p, len);
		p += len;
	}
	if (count > 0 && (strcasecmp(parts[0], "Top of Information Store") == 0 ||
	                  strcasecmp(parts[0], "Top of Personal Folders") == 0)) {
		mbx_free(parts[0]);
		memmove(parts, parts + 1, (count - 1) * sizeof(*parts));
		count--;
	}
	*n = count;
	return parts;
}

static void free_parts(char **parts, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		mbx_free(parts[i]);
	mbx_free(parts);
}

/* A component names a folder by its name, or by its role when it is a
 * well-known English name ("Inbox" finds "Posteingang" too). */
static int component_matches(const char *comp, const mbx_folder *f)
{
	mbx_folder_role role;

	if (f->name && strcasecmp(comp, f->name) == 0)
		return 1;
	role = mbx_folder_role_parse(comp);
	return role != MBX_ROLE_NONE && f->role == role;
}

/* 1 when the selector's components name exactly folder i. */
static int sel_names(char **parts, size_t np, const mbx_folder *folders, size_t n, size_t i)
{
	size_t k = np;

	while (k > 0) {
		if (i == (size_t)-1 || !component_matches(parts[k - 1], &folders[i]))
			return 0;
		i = parent_index(folders, n, i);
		k--;
	}
	return i == (size_t)-1;
}

/* 1 when one of sels covers folder i (itself, or an ancestor with subtree). */
static int sels_cover(const mbx_folder_sel *sels, size_t ns, const mbx_folder *folders,
                      size_t n, size_t i)
{
	size_t s;

	for (s = 0; s < ns; s++) {
		size_t np, j = i;
		char **parts = split_path(sels[s].path ? sels[s].path : "", &np);
		int hit = 0;

		if (np > 0) {
			hit = sel_names(parts, np, folders, n, j);
			while (!hit && sels[s].subtree && (j = parent_index(folders, n, j)) != (size_t)-1)
				hit = sel_names(parts, np, folders, n, j);
		}
		free_parts(parts, np);
		if (hit)
			return 1;
	}
	return 0;
}

void exp_filter_folders(const mbx_export_filter *f, const mbx_folder *folders, size_t n,
                        int *selected, int *written)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int in = f->n_include == 0 || sels_cover(f->include, f->n_include, folders, n, i);

		if (in && f->n_exclude > 0 && sels_cover(f->exclude, f->n_exclude, folders, n, i))
			in = 0;
		selected[i] = in;
		written[i] = in;
	}
	/* Keep the ancestors of every selected folder so its path survives. */
	for (i = n; i-- > 0;) {
		size_t p;

		if (!written[i])
			continue;
		for (p = parent_index(folders, n, i); p != (size_t)-1; p = parent_index(folders, n, p))
			written[p] = 1;
	}
}

static int any_attachment_matches(const char *glob, const mbx_message *m)
{
	size_t i;

	for (i = 0; i < m->n_attachments; i++) {
		const mbx_attachment *a = &m->attachments[i];

		if (a->filename && fnmatch(glob, a->filename, FNM_CASEFOLD) == 0)
			return 1;
		if (a->embedded && any_attachment_matches(glob, a->embedded))
			return 1;
	}
	return 0;
}

int exp_filter_message(const mbx_export_filter *f, const mbx_message *m)
{
	int64_t t;

	/* Associated items (views, rules, forms) belong to their folder, not
	 * to a date or subject: only --no-associated drops them. */
	if (m->associated)
		return !f->no_associated;
	t = f->date_field == MBX_DATE_SENT ? m->sent_time : m->received_time;
	if ((f->from || f->to) && t == 0)
		return 0;            /* undated: can not be shown to be in range */
	if (f->from && t < f->from)
		return 0;
	if (f->to && t > f->to)
		return 0;
	if (f->subject && *f->subject && !(m->subject && strcasestr(m->subject, f->subject)))
		return 0;
	if (f->attachment_glob && *f->attachment_glob && !any_attachment_matches(f->attachment_glob, m))
		return 0;
	if (f->class_prefix && *f->class_prefix &&
	    !(m->message_class &&
	      strncasecmp(m->message_class, f->class_prefix, strlen(f->class_prefix)) == 0))
		return 0;
	return 1;
}

static void fmt_time(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

void exp_filter_log(const mbx_export_filter *f, mbx_log *log)
{
	char a[40], b[40];
	size_t i;
	int any = 0;
	const char *field = f->date_field == MBX_DATE_SENT ? "sent" : "received";

	if (f->from) {
		fmt_time(f->from, a, sizeof(a));
		mbx_log_write(log, MBX_LOG_MED, "Filter: messages %s on or after %s", field, a);
		any = 1;
	}
	if (f->to) {
		fmt_time(f->to, b, sizeof(b));
		mbx_log_write(log, MBX_LOG_MED, "Filter: messages %s on or before %s", field, b);
		any = 1;
	}
	for (i = 0; i < f->n_include; i++, any = 1)
		mbx_log_write(log, MBX_LOG_MED, "Filter: include folder '%s'%s", f->include[i].path,
		              f->include[i].subtree ? " and its subfolders" : "");
	for (i = 0; i < f->n_exclude; i++, any = 1)
		mbx_log_write(log, MBX_LOG_MED, "Filter: exclude folder '%s'%s", f->exclude[i].path,
		              f->exclude[i].subtree ? " and its subfolders" : "");
	if (f->subject && *f->subject) {
		mbx_log_write(log, MBX_LOG_MED, "Filter: subject contains '%s'", f->subject);
		any = 1;
	}
	if (f->attachment_glob && *f->attachment_glob) {
		mbx_log_write(log, MBX_LOG_MED, "Filter: attachment name matches '%s'", f->attachment_glob);
		any = 1;
	}
	if (f->class_prefix && *f->class_prefix) {
		mbx_log_write(log, MBX_LOG_MED, "Filter: message class starts with '%s'", f->class_prefix);
		any = 1;
	}
	if (f->no_associated) {
		mbx_log_write(log, MBX_LOG_MED, "Filter: associated (FAI) items are not copied");
		any = 1;
	}
	if (!any)
		mbx_log_write(log, MBX_LOG_MED, "Filter: none (every folder and message is copied)");
}

static int all_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

int mbx_export_parse_date(const char *s, int end_of_day, int64_t *out)
{
	struct tm tm;
	int y, mo, d, h = 0, mi = 0, sec = 0, n = 0, timed = 0;
	const char *rest;

	memset(&tm, 0, sizeof(tm));
	if (!s)
		goto bad;
	while (isspace((unsigned char)*s))
		s++;
	if (strlen(s) >= 10 && s[4] == '-' && s[7] == '-' && all_digits(s, 4)) {
		if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3)
			goto bad;
	} else if (strlen(s) >= 10 && s[2] == '/' && s[5] == '/' && all_digits(s, 2)) {
		if (sscanf(s, "%2d/%2d/%4d%n", &mo, &d, &y, &n) != 3)
			goto bad;
	} else {
		goto bad;
	}
	rest = s + n;
	if (*rest == 'T' || *rest == ' ') {
		int m2 = 0;

		while (*rest == 'T' || *rest == ' ')
			rest++;
		if (*rest) {
			if (sscanf(rest, "%2d:%2d%n", &h, &mi, &m2) != 2)
				goto bad;
			rest += m2;
			if (*rest == ':') {
				if (sscanf(rest, ":%2d%n", &sec, &m2) != 1)
					goto bad;
				rest += m2;
			}
			timed = 1;
		}
	}
	while (isspace((unsigned char)*rest))
		rest++;
	if (*rest || y < 1601 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 ||
	    h > 23 || mi > 59 || sec > 60)
		goto bad;
	if (!timed && end_of_day) {
		h = 23;
		mi = 59;
		sec = 59;
	}
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*out = (int64_t)timegm(&tm);
	/* timegm normalizes 31 February into March: reject instead. */
	{
		time_t t = (time_t)*out;
		struct tm back;

		gmtime_r(&t, &back);
		if (back.tm_mday != d || back.tm_mon != mo - 1)
			goto bad;
	}
	return 0;
bad:
	return mbx_error_set(MBX_EINVAL,
	                     "invalid date '%s': use YYYY-MM-DD [HH:MM[:SS]] or MM/DD/YYYY [HH:MM:SS] (UTC)",
	                     s ? s : "");
}
