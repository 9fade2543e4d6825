/*
 * core/pstread/pstread_tally.c - what a PST holds, folder by folder, as
 * libpst reads it: the walk over a message that both sides of an export's
 * verification count with, the folder paths they compare, the tally of a
 * whole file, and mbx_pst_describe (include/mbx/pstread.h).
 */
#include "config.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "pstread/pstread.h"

void mbx_pstread_count_message(mbx_pstread_counts *c, const mbx_message *m)
{
	size_t i;

	if (m->associated)
		c->associated++;
	else
		c->messages++;
	for (i = 0; i < m->n_attachments; i++) {
		if (m->attachments[i].embedded) {
			c->embedded++;
		} else {
			c->attachments++;
			c->attach_bytes += m->attachments[i].size;
		}
	}
}

char *mbx_pstread_path_join(const char *parent, const char *name)
{
	size_t n = strlen(name), i, o = 0;
	char *esc = mbx_malloc(2 * n + 1);
	char *r;

	for (i = 0; i < n; i++) {
		if (name[i] == '/' || name[i] == '\\')
			esc[o++] = '\\';
		esc[o++] = name[i];
	}
	esc[o] = '\0';
	r = parent && *parent ? mbx_asprintf("%s/%s", parent, esc) : mbx_strdup(esc);
	mbx_free(esc);
	return r;
}

static mbx_pstread_tally_folder *find_folder(mbx_pstread_tally *t, int64_t id)
{
	size_t i;

	for (i = t->n; i-- > 0;)   /* messages follow their folder: search from the end */
		if (t->folders[i].id == id)
			return &t->folders[i];
	return NULL;
}

static int on_folder(void *ud, const mbx_pstread_folder *f)
{
	mbx_pstread_tally *t = ud;
	mbx_pstread_tally_folder *parent, *s;
	char *path;

	if (t->cancelled && t->cancelled(t->cancel_ud))
		return MBX_ECANCELLED;
	parent = f->parent_id ? find_folder(t, f->parent_id) : NULL;
	/* (parent points into t->folders: the path is built before the array grows) */
	path = mbx_pstread_path_join(parent ? parent->path : "", f->name ? f->name : "");
	t->folders = mbx_reallocarray(t->folders, t->n + 1, sizeof(*t->folders));
	s = &t->folders[t->n++];
	memset(s, 0, sizeof(*s));
	s->id = f->id;
	s->path = path;
	return 0;
}

static int on_message(void *ud, int64_t folder_id, const mbx_message *m)
{
	mbx_pstread_tally *t = ud;
	mbx_pstread_tally_folder *s;

	if (t->cancelled && t->cancelled(t->cancel_ud))
		return MBX_ECANCELLED;
	s = find_folder(t, folder_id);
	if (!s) {
		if (!t->strict)
			return 0;
		return mbx_error_set(MBX_ECORRUPT, "libpst read a message of an unknown folder (id %lld)",
		                     (long long)folder_id);
	}
	mbx_pstread_count_message(&s->got, m);
	return 0;
}

int mbx_pstread_tally_run(mbx_pstread_tally *t, const char *path, const mbx_pstread_opts *opts,
                          mbx_pstread_stats *stats)
{
	mbx_pstread_cb cb = { .folder = on_folder, .message = on_message };
	mbx_pstread_stats local;
	mbx_pstread_opts o;
	int rc;

	if (!opts) {
		mbx_pstread_opts_init(&o);
		opts = &o;
	}
	memset(&local, 0, sizeof(local));
	rc = mbx_pstread_run(path, opts, &cb, t, stats ? stats : &local);
	mbx_free(local.store_name);
	return rc;
}

/* ---- split read -------------------------------------------------------- */

typedef struct split_part {
	pthread_t th;
	int started;
	const char *path;
	mbx_pstread_opts opts;
	mbx_pstread_tally t;
	mbx_pstread_stats stats;
	int rc;
	char err[512];           /* the part's error message (errors are per thread) */
} split_part;

static void *split_run(void *arg)
{
	split_part *p = arg;

	p->rc = mbx_pstread_tally_run(&p->t, p->path, &p->opts, &p->stats);
	if (p->rc < 0)
		snprintf(p->err, sizeof(p->err), "%s", mbx_error_last());
	return NULL;
}

/* Add part q's folders to t: counts of known folders summed, folders only
 * q walked (a subtree under an item of a message type) appended. */
static int split_merge(mbx_pstread_tally *t, mbx_pstread_tally *q)
{
	size_t i;

	for (i = 0; i < q->n; i++) {
		mbx_pstread_tally_folder *f = find_folder(t, q->folders[i].id), *g = &q->folders[i];

		if (!f) {
			t->folders = mbx_reallocarray(t->folders, t->n + 1, sizeof(*t->folders));
			t->folders[t->n++] = *g;
			g->path = NULL;
			continue;
		}
		if (strcmp(f->path, g->path) != 0)
			return mbx_error_set(MBX_ECORRUPT, "libpst children read folder %lld as '%s' and '%s'",
			                     (long long)f->id, f->path, g->path);
		f->got.messages += g->got.messages;
		f->got.associated += g->got.associated;
		f->got.attachments += g->got.attachments;
		f->got.embedded += g->got.embedded;
		f->got.attach_bytes += g->got.attach_bytes;
	}
	return 0;
}

int mbx_pstread_tally_run_split(mbx_pstread_tally *t, const char *path, const mbx_pstread_opts *opts,
                                int children, mbx_pstread_stats *stats)
{
	split_part *parts;
	mbx_pstread_opts o;
	int k, rc = 0;

	if (children <= 1)
		return mbx_pstread_tally_run(t, path, opts, stats);
	if (children > 16)
		children = 16;
	if (!opts) {
		mbx_pstread_opts_init(&o);
		opts = &o;
	}
	parts = mbx_calloc((size_t)children, sizeof(*parts));
	for (k = 0; k < children; k++) {
		split_part *p = &parts[k];

		p->path = path;
		p->opts = *opts;
		p->opts.stripes = children;
		p->opts.stripe = k;
		p->opts.keep_reader = 0;
		p->t.strict = t->strict;
		p->t.cancelled = t->cancelled;
		p->t.cancel_ud = t->cancel_ud;
		/* part 0 runs in this thread, the others in threads of their own
		 * (each mbx_pstread_run has its own child) */
		if (k > 0 && pthread_create(&p->th, NULL, split_run, p) == 0)
			p->started = 1;
		else if (k > 0) {
			p->rc = mbx_error_set(MBX_ERROR, "cannot start a thread to read %s", path);
			snprintf(p->err, sizeof(p->err), "%s", mbx_error_last());
		}
	}
	split_run(&parts[0]);
	for (k = 1; k < children; k++)
		if (parts[k].started)
			pthread_join(parts[k].th, NULL);
	/* the first failure, else the folders of part 0 with the others' counts */
	for (k = 0; k < children && rc == 0; k++)
		if (parts[k].rc < 0)
			rc = mbx_error_set(parts[k].rc, "%s", parts[k].err);
	mbx_pstread_tally_clear(t);
	t->folders = parts[0].t.folders;
	t->n = parts[0].t.n;
	parts[0].t.folders = NULL;
	parts[0].t.n = 0;
	for (k = 1; k < children; k++)
		if (rc == 0)
			rc = split_merge(t, &parts[k].t);
	if (stats) {
		memset(stats, 0, sizeof(*stats));
		stats->folders = parts[0].stats.folders;
		stats->store_name = parts[0].stats.store_name;
		parts[0].stats.store_name = NULL;
		for (k = 0; k < children; k++) {
			stats->messages += parts[k].stats.messages;
			stats->attachments += parts[k].stats.attachments;
			stats->attachment_bytes += parts[k].stats.attachment_bytes;
			stats->skipped += parts[k].stats.skipped;
			stats->damaged += parts[k].stats.damaged;
		}
	}
	for (k = 0; k < children; k++) {
		mbx_pstread_tally_clear(&parts[k].t);
		mbx_free(parts[k].stats.store_name);
	}
	mbx_free(parts);
	return rc;
}

int mbx_pstread_split_count(const char *path)
{
	const char *e = getenv("MBX_PSTREAD_CHILDREN");
	struct stat sb;
	long n;

	if (e && *e) {
		n = strtol(e, NULL, 10);
		if (n >= 1 && n <= 16)
			return (int)n;
	}
	if (stat(path, &sb) < 0 || sb.st_size < (off_t)32 << 20)
		return 1;
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 4 ? 4 : (int)n;
}

void mbx_pstread_tally_clear(mbx_pstread_tally *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->n; i++)
		mbx_free(t->folders[i].path);
	mbx_free(t->folders);
	t->folders = NULL;
	t->n = 0;
}

static int describe(const char *path, int keep, char **out)
{
	mbx_pstread_tally t;
	mbx_pstread_opts o;
	size_t i, len = 0, cap = 256;
	char *buf = NULL;
	int rc;

	*out = NULL;
	memset(&t, 0, sizeof(t));
	mbx_pstread_opts_init(&o);
	o.keep_reader = keep;
	rc = mbx_pstread_tally_run_split(&t, path, &o, mbx_pstread_split_count(path), NULL);
	if (rc < 0)
		goto out;
	buf = mbx_malloc(cap);
	buf[0] = '\0';
	for (i = 0; i < t.n; i++) {
		const mbx_pstread_counts *g = &t.folders[i].got;
		char *line = mbx_asprintf("%s\t%lld\t%lld\t%lld\n", t.folders[i].path,
		                          (long long)(g->messages + g->associated),
		                          (long long)(g->attachments + g->embedded),
		                          (long long)g->attach_bytes);
		size_t l = strlen(line);

		while (len + l + 1 > cap) {
			cap *= 2;
			buf = mbx_realloc(buf, cap);
		}
		memcpy(buf + len, line, l + 1);
		len += l;
		mbx_free(line);
	}
	*out = buf;
out:
	mbx_pstread_tally_clear(&t);
	return rc;
}

int mbx_pst_describe(const char *path, char **out)
{
	return describe(path, 0, out);
}

int mbx_pst_describe_each(const char *const *paths, size_t n, mbx_pst_describe_fn fn, void *ud)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < n && rc == 0; i++) {
		char *desc = NULL;
		int r = describe(paths[i], 1, &desc);

		rc = fn(ud, i, r, desc);
		mbx_free(desc);
	}
	mbx_pstread_release();
	return rc;
}
