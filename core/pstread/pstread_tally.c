/*
 * core/pstread/pstread_tally.c - what a PST holds, folder by folder, as
 * libpst reads it: the walk over a message that both sides of an export's
 * verification count with, the folder paths they compare, the tally of a
 * whole file, and mbx_pst_describe (include/mbx/pstread.h).
 */
#include "config.h"
#include <string.h>
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
	rc = mbx_pstread_tally_run(&t, path, &o, NULL);
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
