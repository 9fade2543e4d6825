/* Verify-after-write: read a written PST back with libpst (in a child
 * process, core/pstread.h) and compare it with what was written. */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include "pstread/pstread.h"
#include "export_int.h"

size_t exp_expect_folder_at(exp_expect *e, const char *path)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		if (strcmp(e->folders[i].path, path) == 0)
			return i;
	if (e->n == e->cap) {
		e->cap = e->cap ? e->cap * 2 : 16;
		e->folders = mbx_reallocarray(e->folders, e->cap, sizeof(*e->folders));
	}
	memset(&e->folders[e->n], 0, sizeof(e->folders[e->n]));
	e->folders[e->n].path = mbx_strdup(path);
	return e->n++;
}

void exp_expect_clear(exp_expect *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		mbx_free(e->folders[i].path);
	mbx_free(e->folders);
	memset(e, 0, sizeof(*e));
}

/* The reader's folders by id, with the path we build from names. */
typedef struct seen_folder {
	int64_t id;
	char *path;
	exp_expect_folder got;
} seen_folder;

typedef struct vctx {
	seen_folder *f;
	size_t n;
	exp_cancel_fn cancelled;
	void *ud;
} vctx;

static seen_folder *find_seen(vctx *v, int64_t id)
{
	size_t i;

	for (i = v->n; i-- > 0;)   /* messages follow their folder: search from the end */
		if (v->f[i].id == id)
			return &v->f[i];
	return NULL;
}

/* "a/b" joined with '/' inside names written "\/" (tests/PSTDESC.md), so
 * that a folder called "A/B" is not the folder B below A. */
char *exp_path_join(const char *parent, const char *name)
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

static int on_folder(void *ud, const mbx_pstread_folder *f)
{
	vctx *v = ud;
	seen_folder *parent = f->parent_id ? find_seen(v, f->parent_id) : NULL;
	char *path = exp_path_join(parent ? parent->path : "", f->name ? f->name : "");
	seen_folder *s;

	if (v->cancelled && v->cancelled(v->ud)) {
		mbx_free(path);
		return MBX_ECANCELLED;
	}
	/* (parent points into v->f: the path is built before the array grows) */
	v->f = mbx_reallocarray(v->f, v->n + 1, sizeof(*v->f));
	s = &v->f[v->n++];
	memset(s, 0, sizeof(*s));
	s->id = f->id;
	s->path = path;
	return 0;
}

static void count_message(exp_expect_folder *c, const mbx_message *m)
{
	size_t i;

	if (m->associated || (m->flags & MBX_MSG_ASSOCIATED))
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

static int on_message(void *ud, int64_t folder_id, const mbx_message *m)
{
	vctx *v = ud;
	seen_folder *s = find_seen(v, folder_id);

	if (v->cancelled && v->cancelled(v->ud))
		return MBX_ECANCELLED;
	if (!s)
		return mbx_error_set(MBX_ECORRUPT, "libpst read a message of an unknown folder (id %lld)",
		                     (long long)folder_id);
	count_message(&s->got, m);
	return 0;
}

static void vctx_clear(vctx *v)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		mbx_free(v->f[i].path);
	mbx_free(v->f);
}

static int compare(const char *path, const exp_expect *e, vctx *v)
{
	size_t i, j;

	for (i = 0; i < e->n; i++) {
		const exp_expect_folder *x = &e->folders[i];
		const exp_expect_folder *g = NULL;

		for (j = 0; j < v->n; j++)
			if (strcmp(v->f[j].path, x->path) == 0) {
				g = &v->f[j].got;
				break;
			}
		if (!g)
			return mbx_error_set(MBX_ECORRUPT, "%s: libpst does not see folder '%s'", path, x->path);
		/* libpst does not tell associated items from normal ones in every
		 * version: compare the sum, and the split when it is reported. */
		if (g->messages + g->associated != x->messages + x->associated ||
		    (g->associated && g->associated != x->associated))
			return mbx_error_set(MBX_ECORRUPT,
			                     "%s: folder '%s' holds %lld messages for libpst, %lld were written",
			                     path, x->path, (long long)(g->messages + g->associated),
			                     (long long)(x->messages + x->associated));
		if (g->attachments != x->attachments || g->embedded != x->embedded)
			return mbx_error_set(MBX_ECORRUPT,
			                     "%s: folder '%s' holds %lld attachments and %lld embedded messages for "
			                     "libpst, %lld and %lld were written", path, x->path,
			                     (long long)g->attachments, (long long)g->embedded,
			                     (long long)x->attachments, (long long)x->embedded);
		if (g->attach_bytes != x->attach_bytes)
			return mbx_error_set(MBX_ECORRUPT,
			                     "%s: attachments of folder '%s' hold %lld bytes for libpst, %lld were written",
			                     path, x->path, (long long)g->attach_bytes, (long long)x->attach_bytes);
	}
	for (j = 0; j < v->n; j++) {
		int known = strcmp(v->f[j].path, "Deleted Items") == 0;   /* every PST has it */

		for (i = 0; !known && i < e->n; i++)
			known = strcmp(v->f[j].path, e->folders[i].path) == 0;
		if (!known)
			return mbx_error_set(MBX_ECORRUPT, "%s: libpst sees folder '%s' that was not written",
			                     path, v->f[j].path);
	}
	return 0;
}

int exp_verify(const char *path, const exp_expect *e, exp_cancel_fn cancelled, void *ud)
{
	mbx_pstread_opts o;
	mbx_pstread_cb cb = { .folder = on_folder, .message = on_message };
	mbx_pstread_stats stats;
	vctx v;
	int rc;

	memset(&v, 0, sizeof(v));
	memset(&stats, 0, sizeof(stats));
	v.cancelled = cancelled;
	v.ud = ud;
	mbx_pstread_opts_init(&o);
	o.want_data = 0;
	o.want_bodies = 0;
	rc = mbx_pstread_run(path, &o, &cb, &v, &stats);
	if (rc == 0 && stats.skipped > 0)
		rc = mbx_error_set(MBX_ECORRUPT, "%s: libpst could not read %lld items", path,
		                   (long long)stats.skipped);
	if (rc == 0 && stats.damaged > 0)
		rc = mbx_error_set(MBX_ECORRUPT, "%s: libpst can not read back the data of %lld attachments "
		                   "(blocks missing, outside the file or not adding up)", path,
		                   (long long)stats.damaged);
	if (rc == 0)
		rc = compare(path, e, &v);
	mbx_free(stats.store_name);
	vctx_clear(&v);
	return rc;
}

/* ---- mbx_pst_describe ---- */

static int describe_message(void *ud, int64_t folder_id, const mbx_message *m)
{
	vctx *v = ud;
	seen_folder *s = find_seen(v, folder_id);

	if (s)
		count_message(&s->got, m);
	return 0;
}

int mbx_pst_describe(const char *path, char **out)
{
	mbx_pstread_opts o;
	mbx_pstread_cb cb = { .folder = on_folder, .message = describe_message };
	mbx_pstread_stats stats;
	vctx v;
	size_t i, len = 0, cap = 256;
	char *buf;
	int rc;

	*out = NULL;
	memset(&v, 0, sizeof(v));
	memset(&stats, 0, sizeof(stats));
	mbx_pstread_opts_init(&o);
	rc = mbx_pstread_run(path, &o, &cb, &v, &stats);
	if (rc < 0)
		goto out;
	buf = mbx_malloc(cap);
	buf[0] = '\0';
	for (i = 0; i < v.n; i++) {
		const exp_expect_folder *g = &v.f[i].got;
		char *line = mbx_asprintf("%s\t%lld\t%lld\t%lld\n", v.f[i].path,
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
	mbx_free(stats.store_name);
	vctx_clear(&v);
	return rc;
}
