/*
 * core/export/export_items.c - single-item recovery (mbx/export_items.h):
 * the messages named, from any mailboxes, into one PST under
 * "MAILBOX DISPLAY NAME/folder path", through the mailbox export's own
 * writing (exp_item_write, export_mailbox.c) and verification (exp_verify,
 * verify.c): written as FILE.tmp, made durable, read back with libpst and
 * compared folder by folder, then renamed to FILE.
 */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mbx/export_items.h"
#include "mbx/search.h"
#include "mbx/text.h"
#include "export_int.h"

void mbx_export_items_opts_init(mbx_export_items_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->log_level = MBX_LOG_MIN;
	opts->crypt = MBX_PST_CRYPT_PERMUTE;
}

void mbx_export_items_result_clear(mbx_export_items_result *res)
{
	if (!res)
		return;
	mbx_free(res->path);
	mbx_free(res->log_path);
	memset(res, 0, sizeof(*res));
}

/* A mailbox some of the items come from. */
typedef struct xmbx {
	int64_t id;
	char *alias, *name;      /* as the store has them */
	char *top;               /* its folder in the PST (unique among the mailboxes) */
	mbx_pst_nid nid;
	char *path;              /* the verification's path of that folder */
	mbx_folder *f;           /* its folders, parents first */
	size_t nf;
	mbx_pst_nid *fnid;       /* per folder: 0 until created */
	char **fpath;            /* per folder: the verification's path */
	int64_t items;
} xmbx;

typedef struct xitem {
	int64_t id;
	size_t mb;               /* index into the mailboxes */
	size_t fi;               /* index into its mailbox's folders */
} xitem;

typedef struct xctx {
	mbx_store *st;
	const mbx_export_items_opts *o;
	mbx_log *log;
	xmbx *mb;
	size_t nmb;
	xitem *it;
	size_t nit;
	mbx_pst *pst;
	exp_expect expect;
	char *tmp, *final, *dir, *server;
	int64_t folders;
} xctx;

static int cancelled_cb(void *ud)
{
	const mbx_export_items_opts *o = ud;

	return o->cancelled && o->cancelled(o->ud);
}

/* Names for the writer must be valid UTF-8. */
static char *valid_dup(const char *s)
{
	if (!s)
		return mbx_strdup("");
	if (mbx_utf8_valid(s, strlen(s)))
		return mbx_strdup(s);
	return mbx_text_clean(s, -1, 0, NULL);
}

static int mb_cmp(const void *a, const void *b)
{
	const xmbx *x = a, *y = b;
	int c = strcasecmp(x->name ? x->name : "", y->name ? y->name : "");

	return c ? c : (x->id > y->id) - (x->id < y->id);
}

static int item_cmp(const void *a, const void *b)
{
	const xitem *x = a, *y = b;

	if (x->mb != y->mb)
		return x->mb < y->mb ? -1 : 1;
	if (x->fi != y->fi)
		return x->fi < y->fi ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

/* Gather where every item is; fail on one that can not be exported. */
static int gather(xctx *x, const int64_t *ids, size_t n)
{
	int64_t *folder_of = mbx_calloc(n ? n : 1, sizeof(*folder_of));
	size_t *mb_of = mbx_calloc(n ? n : 1, sizeof(*mb_of)), i, j, k;
	int rc = 0;

	for (i = 0; i < n && rc == 0; i++) {
		mbx_search_hit h;

		for (j = 0; j < i; j++)
			if (ids[j] == ids[i])
				break;
		if (j < i) {
			folder_of[i] = 0;   /* given twice: once is enough */
			continue;
		}
		rc = mbx_store_search_hit_get(x->st, ids[i], &h);
		if (rc < 0)
			break;
		if (h.deleted_run) {
			rc = mbx_error_set(MBX_EINVAL, "message %" PRId64 " was deleted by delete-items run %"
			                   PRId64 "; restore it first (mbxrescue delete-items --undo %" PRId64 ")",
			                   ids[i], h.deleted_run, h.deleted_run);
			mbx_search_hit_clear(&h);
			break;
		}
		for (k = 0; k < x->nmb; k++)
			if (x->mb[k].id == h.mailbox_id)
				break;
		if (k == x->nmb) {
			x->mb = mbx_reallocarray(x->mb, x->nmb + 1, sizeof(*x->mb));
			memset(&x->mb[x->nmb], 0, sizeof(*x->mb));
			x->mb[x->nmb].id = h.mailbox_id;
			x->mb[x->nmb].alias = h.mailbox;
			x->mb[x->nmb].name = h.mailbox_name;
			h.mailbox = h.mailbox_name = NULL;
			x->nmb++;
		}
		folder_of[i] = h.folder_id;
		mbx_search_hit_clear(&h);
	}
	if (rc == 0) {
		qsort(x->mb, x->nmb, sizeof(*x->mb), mb_cmp);
		for (k = 0; k < x->nmb && rc == 0; k++) {
			xmbx *m = &x->mb[k];

			rc = mbx_store_folders(x->st, m->id, &m->f, &m->nf);
			m->fnid = mbx_calloc(m->nf ? m->nf : 1, sizeof(*m->fnid));
			m->fpath = mbx_calloc(m->nf ? m->nf : 1, sizeof(*m->fpath));
		}
	}
	/* each item's mailbox and folder index */
	for (i = 0; i < n && rc == 0; i++) {
		xitem *t;

		if (!folder_of[i])
			continue;
		for (k = 0; k < x->nmb; k++) {
			for (j = 0; j < x->mb[k].nf; j++)
				if (x->mb[k].f[j].id == folder_of[i])
					break;
			if (j < x->mb[k].nf)
				break;
		}
		if (k == x->nmb) {
			rc = mbx_error_set(MBX_ECORRUPT, "message %" PRId64 " is in folder %" PRId64 ", which "
			                   "its mailbox's folder tree does not reach", ids[i], folder_of[i]);
			break;
		}
		x->it = mbx_reallocarray(x->it, x->nit + 1, sizeof(*x->it));
		t = &x->it[x->nit++];
		t->id = ids[i];
		t->mb = k;
		t->fi = j;
		x->mb[k].items++;
		mb_of[i] = k;
	}
	qsort(x->it, x->nit, sizeof(*x->it), item_cmp);
	mbx_free(folder_of);
	mbx_free(mb_of);
	return rc;
}

/* Each mailbox's folder name in the PST: its display name, made unique
 * (and never the PST's own Deleted Items) with its alias. */
static void name_tops(xctx *x)
{
	size_t i, j;

	for (i = 0; i < x->nmb; i++) {
		xmbx *m = &x->mb[i];
		char *name = valid_dup(m->name && *m->name ? m->name : m->alias);
		int clash = strcasecmp(name, "Deleted Items") == 0;

		for (j = 0; j < x->nmb && !clash; j++)
			clash = j != i && x->mb[j].name && m->name && strcasecmp(x->mb[j].name, m->name) == 0;
		if (clash) {
			char *a = valid_dup(m->alias), *u = mbx_asprintf("%s (%s)", name, a);

			mbx_free(a);
			mbx_free(name);
			name = u;
		}
		m->top = name;
		m->path = mbx_pstread_path_join("", name);
	}
}

static int ensure_folder(xctx *x, xmbx *m, size_t fi, mbx_pst_nid *out)
{
	const mbx_folder *f = &m->f[fi];
	mbx_pst_nid parent;
	const char *ppath;
	size_t p;
	int rc;

	if (m->fnid[fi]) {
		*out = m->fnid[fi];
		return 0;
	}
	for (p = fi; p-- > 0;)
		if (m->f[p].id == f->parent_id)
			break;
	if (f->parent_id && p != (size_t)-1) {
		rc = ensure_folder(x, m, p, &parent);
		if (rc < 0)
			return rc;
		ppath = m->fpath[p];
	} else {
		if (!m->nid) {
			rc = mbx_pst_folder_add(x->pst, mbx_pst_top_folder(x->pst), m->top, "IPF.Note", &m->nid);
			if (rc < 0)
				return mbx_error_prefix(rc, "folder '%s'", m->top);
			exp_expect_folder_at(&x->expect, m->path);
			x->folders++;
		}
		parent = m->nid;
		ppath = m->path;
	}
	{
		char *name = valid_dup(f->name && *f->name ? f->name : "(no name)");
		char *cls = valid_dup(f->container_class ? f->container_class : "IPF.Note");

		rc = mbx_pst_folder_add(x->pst, parent, name, cls, &m->fnid[fi]);
		m->fpath[fi] = mbx_pstread_path_join(ppath, f->name ? f->name : "");
		mbx_free(name);
		mbx_free(cls);
	}
	if (rc < 0)
		return mbx_error_prefix(rc, "folder '%s'", m->fpath[fi]);
	exp_expect_folder_at(&x->expect, m->fpath[fi]);
	x->folders++;
	*out = m->fnid[fi];
	return 0;
}

static int write_all(xctx *x, mbx_export_items_result *res)
{
	exp_mailbox_job job;
	unsigned char *buf = mbx_malloc(EXP_ITEM_BUF);
	mbx_pst_opts po;
	size_t i, last_mb = (size_t)-1;
	int rc;

	memset(&job, 0, sizeof(job));
	job.st = x->st;
	job.cancelled = cancelled_cb;
	job.ud = (void *)x->o;
	unlink(x->tmp);
	mbx_pst_opts_init(&po);
	po.crypt = x->o->crypt;
	po.display_name = "Recovered items";
	po.fsync = 0;
	po.keep_temp = 1;
	rc = mbx_pst_create(&x->pst, x->tmp, &po);
	if (rc == 0 && chmod(x->tmp, 0600) < 0)
		rc = mbx_error_set(MBX_EIO, "cannot chmod '%s': %s", x->tmp, strerror(errno));
	exp_gate_enter();
	for (i = 0; i < x->nit && rc == 0; i++) {
		xitem *t = &x->it[i];
		xmbx *m = &x->mb[t->mb];
		mbx_message *msg = NULL;
		mbx_pst_nid nid;
		size_t k, a;

		if (cancelled_cb((void *)x->o)) {
			rc = mbx_error_set(MBX_ECANCELLED, "cancelled");
			break;
		}
		if (t->mb != last_mb) {
			mbx_log_write(x->log, MBX_LOG_MIN, "Copying data from mailbox '%s' ('%s') on Server '%s' "
			              "to file '%s'.", m->name, m->alias, x->server, x->final);
			last_mb = t->mb;
		}
		rc = ensure_folder(x, m, t->fi, &nid);
		if (rc == 0)
			rc = mbx_store_message_get(x->st, t->id, &msg);
		if (rc == 0)
			rc = exp_item_write(&job, x->pst, nid, msg, buf);
		if (rc == 0) {
			k = exp_expect_folder_at(&x->expect, m->fpath[t->fi]);
			mbx_pstread_count_message(&x->expect.folders[k].want, msg);
			res->items++;
			res->bytes += msg->size;
			for (a = 0; a < msg->n_attachments; a++)
				res->attachments++;
			mbx_log_write(x->log, MBX_LOG_MAX, "Copied message '%s' (%" PRId64 ") in folder '%s'",
			              msg->subject ? msg->subject : "", t->id, m->fpath[t->fi]);
		} else if (rc != MBX_ECANCELLED) {
			mbx_error_prefix(rc, "message %" PRId64, t->id);
		}
		mbx_message_free(msg);
		if (x->o->progress)
			x->o->progress(x->o->ud, i + 1, x->nit);
		exp_gate_yield();
	}
	exp_gate_leave();
	if (rc == 0) {
		rc = mbx_pst_close(x->pst);
		if (rc < 0)
			mbx_error_prefix(rc, "PST file '%s'", x->tmp);
	}
	mbx_free(buf);
	res->folders = x->folders;
	return rc;
}

/* fsync the written file, read it back, compare, rename. */
static int verify_and_rename(xctx *x, mbx_export_items_result *res)
{
	int fd = open(x->tmp, O_RDONLY | O_CLOEXEC), rc = 0;

	if (fd < 0 || fsync(fd) < 0)
		rc = mbx_error_set(errno == ENOSPC ? MBX_ENOSPC : MBX_EIO, "cannot write '%s' to disk: %s",
		                   x->tmp, strerror(errno));
	if (fd >= 0)
		close(fd);
	if (rc < 0)
		return rc;
	exp_verify_lock();
	rc = exp_verify(x->tmp, &x->expect, cancelled_cb, (void *)x->o);
	exp_verify_unlock();
	if (rc == MBX_ECANCELLED)
		return rc;
	if (rc < 0) {
		char *bad = mbx_asprintf("%s.unverified", x->final);

		if (rename(x->tmp, bad) < 0)
			unlink(x->tmp);
		mbx_free(bad);
		exp_fsync_dir(x->dir);
		return mbx_error_prefix(rc, "verification failed (the file is kept as '%s.unverified'; "
		                        "the store still holds every message)", x->final);
	}
	res->verified = 1;
	if (rename(x->tmp, x->final) < 0)
		return mbx_error_set(errno == ENOSPC ? MBX_ENOSPC : MBX_EIO, "cannot rename '%s' to '%s': %s",
		                     x->tmp, x->final, strerror(errno));
	res->path = mbx_strdup(x->final);
	return exp_fsync_dir(x->dir);
}

/* mkdir -p, 0700 for what it creates. */
static int make_dir(const char *dir)
{
	char *p = mbx_strdup(dir), *s;
	int rc = 0;

	for (s = p + 1;; s++) {
		if (*s == '/' || !*s) {
			char c = *s;

			*s = '\0';
			if (mkdir(p, 0700) < 0 && errno != EEXIST) {
				rc = mbx_error_set(MBX_EIO, "cannot create directory '%s': %s", p, strerror(errno));
				break;
			}
			*s = c;
			if (!c)
				break;
		}
	}
	mbx_free(p);
	return rc;
}

static char *default_log(const char *out)
{
	size_t n = strlen(out);

	if (n > 4 && strcasecmp(out + n - 4, ".pst") == 0)
		return mbx_asprintf("%.*s.log", (int)(n - 4), out);
	return mbx_asprintf("%s.log", out);
}

static void ctx_free(xctx *x)
{
	size_t i, j;

	mbx_pst_free(x->pst);
	for (i = 0; i < x->nmb; i++) {
		xmbx *m = &x->mb[i];

		for (j = 0; j < m->nf; j++)
			mbx_free(m->fpath[j]);
		mbx_free(m->fpath);
		mbx_free(m->fnid);
		mbx_folders_free(m->f, m->nf);
		mbx_free(m->alias);
		mbx_free(m->name);
		mbx_free(m->top);
		mbx_free(m->path);
	}
	mbx_free(x->mb);
	mbx_free(x->it);
	exp_expect_clear(&x->expect);
	mbx_free(x->tmp);
	mbx_free(x->final);
	mbx_free(x->dir);
	mbx_free(x->server);
	mbx_log_free(x->log);
}

int mbx_export_items(mbx_store *st, const mbx_export_items_opts *opts, const int64_t *ids,
                     size_t n, mbx_export_items_result *res_out)
{
	mbx_export_items_result local, *res = res_out ? res_out : &local;
	mbx_server_info si;
	xctx x;
	char *slash, *log_path;
	size_t i;
	int rc;

	memset(res, 0, sizeof(*res));
	memset(&x, 0, sizeof(x));
	if (!opts || !opts->out_path || !*opts->out_path)
		return mbx_error_set(MBX_EINVAL, "no output file given");
	if (n == 0)
		return mbx_error_set(MBX_EINVAL, "no messages to export");
	x.st = st;
	x.o = opts;
	x.final = mbx_strdup(opts->out_path);
	x.tmp = mbx_asprintf("%s.tmp", x.final);
	x.dir = mbx_strdup(x.final);
	slash = strrchr(x.dir, '/');
	if (slash)
		*(slash == x.dir ? slash + 1 : slash) = '\0';
	else
		strcpy(x.dir, ".");
	log_path = opts->log_path ? mbx_strdup(opts->log_path) : default_log(x.final);
	res->log_path = log_path;
	memset(&si, 0, sizeof(si));
	if (mbx_store_server_get(st, &si) == 0)
		x.server = mbx_strdup(si.server);
	mbx_server_info_clear(&si);
	if (!x.server)
		x.server = mbx_strdup("");
	rc = make_dir(x.dir);
	if (rc == 0)
		rc = mbx_log_open(&x.log, log_path, opts->log_level, opts->log_cb, opts->log_ud);
	if (rc < 0)
		goto out;
	rc = mbx_store_begin_read(st);
	if (rc == 0) {
		rc = gather(&x, ids, n);
		if (rc == 0)
			name_tops(&x);
		mbx_log_write(x.log, MBX_LOG_MIN, "Copying %zu items from %zu mailboxes on Server '%s' to "
		              "file '%s'.", x.nit, x.nmb, x.server, x.final);
		if (rc == 0)
			rc = write_all(&x, res);
		if (rc < 0)
			mbx_store_rollback(st);
		else
			rc = mbx_store_commit(st);
	}
	if (rc == 0) {
		mbx_log_write(x.log, MBX_LOG_MED, "Verifying '%s' with libpst", x.tmp);
		rc = verify_and_rename(&x, res);
	}
	res->mailboxes = x.nmb;
	if (rc == 0) {
		for (i = 0; i < x.nmb; i++)
			mbx_log_write(x.log, MBX_LOG_MIN, "Successfully completed copying %" PRId64 " items of "
			              "mailbox '%s' ('%s') to file '%s'", x.mb[i].items, x.mb[i].name,
			              x.mb[i].alias, x.final);
		mbx_log_write(x.log, MBX_LOG_MIN, "%zu mailboxes successfully processed. 0 errors "
		              "encountered", x.nmb);
	} else if (rc == MBX_ECANCELLED) {
		mbx_log_write(x.log, MBX_LOG_MIN, "Copy of %zu items cancelled; no file was left behind.",
		              x.nit);
	} else {
		char *why = mbx_strdup(mbx_error_last());

		mbx_log_write(x.log, MBX_LOG_MIN, "Error copying items to file '%s': %s", x.final, why);
		mbx_log_write(x.log, MBX_LOG_MIN, "Errors encountered. Copy process aborted.");
		mbx_error_set(rc, "%s", why);
		mbx_free(why);
	}
out:
	if (rc < 0)
		unlink(x.tmp);
	{
		char *keep = rc < 0 ? mbx_strdup(mbx_error_last()) : NULL;

		ctx_free(&x);
		if (keep) {
			mbx_error_set(rc, "%s", keep);
			mbx_free(keep);
		}
	}
	if (res == &local)
		mbx_export_items_result_clear(&local);
	return rc;
}
