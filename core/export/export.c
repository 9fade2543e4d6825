/* The export job: mailboxes, worker threads, progress, cancel, job table. */
#include "config.h"
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "mbx/pst.h"
#include "export_int.h"

typedef struct item {
	mbx_mailbox mb;
	char *base;            /* unique file base name */
	int64_t job_id;
	int skip;              /* resume: verified by an earlier run */
	char *skip_path;
} item;

struct mbx_export {
	/* copies of the options */
	mbx_export_opts opts;
	char *db_path, *out_dir, *log_path, *server;
	char *subject, *glob, *class_prefix;
	mbx_folder_sel *inc, *exc;
	mbx_log *log;

	item *items;
	size_t n;

	pthread_mutex_t lock;  /* guards everything below */
	size_t next;           /* next item to start */
	mbx_export_mailbox_progress *prog;
	mbx_export_result *res;
	size_t done, failed;
	int finished;
	double started;
	double elapsed_final;

	int cancel;            /* read and written with __atomic builtins */
	pthread_t *threads;
	int n_threads;
	int waited;
	int rc;
};

/* The fork gate (export_int.h).  Process-wide by nature: pthread_atfork
 * handlers can not be per-export. */
static pthread_rwlock_t fork_gate;
#if defined(__SANITIZE_ADDRESS__)
static pthread_mutex_t verify_mutex = PTHREAD_MUTEX_INITIALIZER;
#endif
static pthread_once_t gate_once = PTHREAD_ONCE_INIT;

static void gate_prepare(void)
{
	pthread_rwlock_wrlock(&fork_gate);
}

static void gate_parent(void)
{
	pthread_rwlock_unlock(&fork_gate);
}

static void gate_init(void)
{
	pthread_rwlockattr_t a;

	pthread_rwlockattr_init(&a);
	/* A waiting fork must not be starved by workers re-entering. */
	pthread_rwlockattr_setkind_np(&a, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&fork_gate, &a);
	pthread_rwlockattr_destroy(&a);
	/* The child only runs the reader and exits: it leaves the lock alone. */
	pthread_atfork(gate_prepare, gate_parent, NULL);
}

void exp_gate_enter(void)
{
	pthread_once(&gate_once, gate_init);
	pthread_rwlock_rdlock(&fork_gate);
}

void exp_gate_leave(void)
{
	pthread_rwlock_unlock(&fork_gate);
}

void exp_gate_yield(void)
{
	exp_gate_leave();
	exp_gate_enter();
}

/* glibc's malloc is safe across fork (it takes its arenas' locks around
 * it), so in a normal build verifications run in parallel: the reader's
 * parent side only allocates and decodes.  AddressSanitizer's allocator is
 * not fork-safe: there one verification runs at a time. */
void exp_verify_lock(void)
{
#if defined(__SANITIZE_ADDRESS__)
	pthread_mutex_lock(&verify_mutex);
#endif
}

void exp_verify_unlock(void)
{
#if defined(__SANITIZE_ADDRESS__)
	pthread_mutex_unlock(&verify_mutex);
#endif
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void mbx_export_opts_init(mbx_export_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->log_level = MBX_LOG_MIN;
	opts->crypt = MBX_PST_CRYPT_PERMUTE;
}

const char *mbx_export_state_name(mbx_export_state s)
{
	switch (s) {
	case MBX_EXP_QUEUED: return "queued";
	case MBX_EXP_RUNNING: return "running";
	case MBX_EXP_VERIFYING: return "verifying";
	case MBX_EXP_DONE: return "done";
	case MBX_EXP_FAILED: return "failed";
	case MBX_EXP_SKIPPED: return "skipped";
	case MBX_EXP_CANCELLED: return "cancelled";
	}
	return "unknown";
}

static mbx_folder_sel *copy_sels(const mbx_folder_sel *s, size_t n)
{
	mbx_folder_sel *c;
	size_t i;

	if (n == 0)
		return NULL;
	c = mbx_calloc(n, sizeof(*c));
	for (i = 0; i < n; i++) {
		c[i].path = mbx_strdup(s[i].path ? s[i].path : "");
		c[i].subtree = s[i].subtree;
	}
	return c;
}

static void free_sels(mbx_folder_sel *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		mbx_free((char *)s[i].path);
	mbx_free(s);
}

static void copy_opts(mbx_export *ex, const mbx_export_opts *o)
{
	ex->opts = *o;
	ex->db_path = mbx_strdup(o->db_path);
	ex->subject = mbx_strdup(o->filter.subject);
	ex->glob = mbx_strdup(o->filter.attachment_glob);
	ex->class_prefix = mbx_strdup(o->filter.class_prefix);
	ex->inc = copy_sels(o->filter.include, o->filter.n_include);
	ex->exc = copy_sels(o->filter.exclude, o->filter.n_exclude);
	ex->opts.db_path = ex->db_path;
	ex->opts.out_dir = NULL;
	ex->opts.log_path = NULL;
	ex->opts.filter.subject = ex->subject;
	ex->opts.filter.attachment_glob = ex->glob;
	ex->opts.filter.class_prefix = ex->class_prefix;
	ex->opts.filter.include = ex->inc;
	ex->opts.filter.exclude = ex->exc;
}

/* mkdir -p with mode 0700 for what it creates; an existing directory must
 * be writable. */
static int make_out_dir(const char *dir)
{
	char *p = mbx_strdup(dir);
	char *s;
	struct stat sb;
	int rc = 0;

	for (s = p + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;

			*s = '\0';
			if (mkdir(p, 0700) < 0 && errno != EEXIST) {
				rc = mbx_error_set(errno == EROFS || errno == EACCES ? MBX_EREADONLY : MBX_EIO,
				                   "cannot create output directory '%s': %s (choose another with --out)",
				                   p, strerror(errno));
				goto out;
			}
			*s = c;
			if (!c)
				break;
		}
	}
	if (stat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
		rc = mbx_error_set(MBX_EINVAL, "output '%s' is not a directory: choose a directory with --out", dir);
		goto out;
	}
	if (access(dir, W_OK | X_OK) < 0) {
		rc = mbx_error_set(MBX_EREADONLY, "output directory '%s' is not writable: %s (fix its permissions "
		                   "or choose another with --out)", dir, strerror(errno));
		goto out;
	}
out:
	mbx_free(p);
	return rc;
}

static int resolve(mbx_export *ex, mbx_store *st, const char *const *aliases, size_t n)
{
	size_t i;
	int rc;

	if (n == 0) {
		mbx_mailbox *all;
		size_t na;

		rc = mbx_store_mailboxes(st, &all, &na);
		if (rc < 0)
			return rc;
		ex->items = mbx_calloc(na ? na : 1, sizeof(*ex->items));
		for (i = 0; i < na; i++) {
			ex->items[i].mb = all[i];
			memset(&all[i], 0, sizeof(all[i]));
		}
		ex->n = na;
		mbx_mailboxes_free(all, na);
		return 0;
	}
	ex->items = mbx_calloc(n, sizeof(*ex->items));
	for (i = 0; i < n; i++) {
		rc = mbx_store_mailbox_by_alias(st, aliases[i], &ex->items[i].mb);
		if (rc == MBX_ENOTFOUND)
			return mbx_error_set(rc, "no mailbox '%s' in store '%s' (list them with `mbxrescue check`)",
			                     aliases[i], ex->db_path);
		if (rc < 0)
			return rc;
		ex->n = i + 1;
	}
	return 0;
}

/* The base name an earlier run gave a mailbox ("DIR/JSMITH.PST" ->
 * "JSMITH"), NULL when it had none. */
static char *job_base(const mbx_job *j)
{
	const char *slash, *name;
	size_t len;

	if (!j->final_path)
		return NULL;
	slash = strrchr(j->final_path, '/');
	name = slash ? slash + 1 : j->final_path;
	len = strlen(name);
	if (len <= 4 || strcmp(name + len - 4, ".PST") != 0)
		return NULL;
	return mbx_strndup(name, len - 4);
}

/*
 * File names.  A mailbox keeps the name an earlier run into the same
 * directory gave it, and no mailbox takes a name that belongs to another
 * mailbox's file there: exporting a subset never overwrites the PST of a
 * mailbox that is not part of the run.
 */
static int name_files(mbx_export *ex, mbx_store *st)
{
	mbx_job *jobs = NULL;
	size_t nj = 0, nused = 0, i, k;
	char **used;
	int rc = mbx_store_jobs(st, ex->out_dir, &jobs, &nj);

	if (rc < 0)
		return rc;
	used = mbx_calloc(ex->n + nj + 1, sizeof(char *));
	for (i = 0; i < ex->n; i++)
		for (k = 0; k < nj && !ex->items[i].base; k++)
			if (jobs[k].mailbox_id == ex->items[i].mb.id && (ex->items[i].base = job_base(&jobs[k])))
				used[nused++] = mbx_strdup(ex->items[i].base);
	for (k = 0; k < nj; k++) {
		int ours = 0;

		for (i = 0; i < ex->n && !ours; i++)
			ours = jobs[k].mailbox_id == ex->items[i].mb.id;
		if (!ours && (used[nused] = job_base(&jobs[k])))
			nused++;
	}
	for (i = 0; i < ex->n; i++) {
		char *b;

		if (ex->items[i].base)
			continue;
		b = exp_base_name(ex->items[i].mb.alias ? ex->items[i].mb.alias : ex->items[i].mb.display_name);
		ex->items[i].base = exp_unique_base(b, used, nused);
		used[nused++] = mbx_strdup(ex->items[i].base);
		mbx_free(b);
	}
	mbx_export_list_free(used, nused);
	mbx_jobs_free(jobs, nj);
	return 0;
}

/* Job rows: resume skips verified mailboxes whose files are still there;
 * every other mailbox gets a fresh queued row and loses its temporaries. */
static int prepare_jobs(mbx_export *ex, mbx_store *st)
{
	mbx_job *jobs = NULL;
	size_t nj = 0, i, k;
	int rc;

	rc = mbx_store_jobs(st, ex->out_dir, &jobs, &nj);
	if (rc < 0)
		return rc;
	rc = mbx_store_begin(st);
	if (rc < 0)
		goto out;
	for (i = 0; i < ex->n; i++) {
		item *it = &ex->items[i];

		for (k = 0; ex->opts.resume && k < nj; k++)
			if (jobs[k].mailbox_id == it->mb.id && jobs[k].state == MBX_JOB_VERIFIED &&
			    jobs[k].final_path && access(jobs[k].final_path, R_OK) == 0) {
				it->skip = 1;
				it->skip_path = mbx_strdup(jobs[k].final_path);
				it->job_id = jobs[k].id;
			}
		if (it->skip)
			continue;
		for (k = 0; k < nj; k++)
			if (jobs[k].mailbox_id == it->mb.id && jobs[k].temp_path)
				unlink(jobs[k].temp_path);
		exp_remove_temporaries(ex->out_dir, it->base);
		rc = mbx_store_job_upsert(st, ex->out_dir, it->mb.id, &it->job_id);
		if (rc < 0) {
			mbx_store_rollback(st);
			goto out;
		}
	}
	rc = mbx_store_commit(st);
out:
	mbx_jobs_free(jobs, nj);
	return rc;
}

static int is_cancelled(void *ud)
{
	mbx_export *ex = ud;

	return __atomic_load_n(&ex->cancel, __ATOMIC_RELAXED);
}

typedef struct worker_ud {
	mbx_export *ex;
	size_t idx;
} worker_ud;

static void on_progress(void *ud, int64_t items, int64_t bytes)
{
	worker_ud *w = ud;

	pthread_mutex_lock(&w->ex->lock);
	w->ex->prog[w->idx].items_done = items;
	w->ex->prog[w->idx].bytes_done = bytes;
	pthread_mutex_unlock(&w->ex->lock);
}

static void on_total(void *ud, int64_t items)
{
	worker_ud *w = ud;

	pthread_mutex_lock(&w->ex->lock);
	w->ex->prog[w->idx].items_total = items;
	pthread_mutex_unlock(&w->ex->lock);
}

static void on_verifying(void *ud)
{
	worker_ud *w = ud;

	pthread_mutex_lock(&w->ex->lock);
	w->ex->prog[w->idx].state = MBX_EXP_VERIFYING;
	pthread_mutex_unlock(&w->ex->lock);
}

static int worker_cancelled(void *ud)
{
	return is_cancelled(((worker_ud *)ud)->ex);
}

static void set_state(mbx_export *ex, size_t idx, mbx_export_state s)
{
	pthread_mutex_lock(&ex->lock);
	ex->prog[idx].state = s;
	pthread_mutex_unlock(&ex->lock);
}

static void job_set(mbx_store *st, mbx_export *ex, item *it, mbx_job_state s,
                    const char *tmp, const char *final, const char *err)
{
	if (st && mbx_store_job_set(st, it->job_id, s, tmp, final, err) < 0)
		mbx_log_write(ex->log, MBX_LOG_MIN, "Warning: cannot record the state of mailbox '%s' in the "
		              "store: %s", it->mb.display_name, mbx_error_last());
}

static void finish_item(mbx_export *ex, size_t idx, mbx_export_state s)
{
	pthread_mutex_lock(&ex->lock);
	ex->prog[idx].state = s;
	ex->res[idx].state = s;
	ex->done++;
	if (s == MBX_EXP_FAILED || s == MBX_EXP_CANCELLED)
		ex->failed++;
	pthread_mutex_unlock(&ex->lock);
}

static void export_one(mbx_export *ex, mbx_store *st, size_t idx)
{
	item *it = &ex->items[idx];
	mbx_export_result *r = &ex->res[idx];
	const char *dn = it->mb.display_name ? it->mb.display_name : "";
	const char *alias = it->mb.alias ? it->mb.alias : "";
	char *first = exp_part_name(it->base, 1);
	char *final = mbx_asprintf("%s/%s", ex->out_dir, first);
	char *tmp = mbx_asprintf("%s.tmp", final);
	worker_ud wu = { ex, idx };
	exp_mailbox_job j;
	int rc;

	mbx_free(first);
	if (is_cancelled(ex)) {
		r->cause = MBX_EXP_CAUSE_CANCELLED;
		r->error = mbx_strdup("cancelled before it started");
		job_set(st, ex, it, MBX_JOB_FAILED, NULL, NULL, "cancelled");
		finish_item(ex, idx, MBX_EXP_CANCELLED);
		goto out;
	}
	set_state(ex, idx, MBX_EXP_RUNNING);
	mbx_log_write(ex->log, MBX_LOG_MIN, "Copying data from mailbox '%s' ('%s') on Server '%s' to file '%s'.",
	              dn, alias, ex->server, final);
	if (!st) {
		r->cause = MBX_EXP_CAUSE_OTHER;
		r->error = mbx_strdup(mbx_error_last());
		mbx_log_write(ex->log, MBX_LOG_MIN, "Error opening the store: %s", r->error);
		mbx_log_write(ex->log, MBX_LOG_MIN, "Errors encountered. Copy process aborted.");
		finish_item(ex, idx, MBX_EXP_FAILED);
		goto out;
	}
	/* KB Q265438: Exmerge logs on to a mailbox through its directory
	 * entry; a mailbox restored without one can not be opened. */
	if (it->mb.recipient_id == 0) {
		mbx_log_write(ex->log, MBX_LOG_MIN, "Error configuring message service (MSEMS) (UNKNOWN ERROR) "
		              "(CMapiSession::CreateEMSPSTProfile)");
		mbx_log_write(ex->log, MBX_LOG_MIN, "Errors encountered. Copy process aborted.");
		r->cause = MBX_EXP_CAUSE_NO_DIRECTORY_ENTRY;
		r->error = mbx_strdup("no directory entry for this mailbox");
		r->fix = mbx_strdup("run the DS/IS consistency adjuster with create-mailboxes "
		                    "(mbxrescue adjust --create-mailboxes)");
		job_set(st, ex, it, MBX_JOB_FAILED, NULL, NULL, r->error);
		finish_item(ex, idx, MBX_EXP_FAILED);
		goto out;
	}
	job_set(st, ex, it, MBX_JOB_RUNNING, tmp, NULL, NULL);

	memset(&j, 0, sizeof(j));
	j.st = st;
	j.filter = &ex->opts.filter;
	j.log = ex->log;
	j.out_dir = ex->out_dir;
	j.base = it->base;
	j.mb = &it->mb;
	j.crypt = ex->opts.crypt;
	j.max_pst_size = ex->opts.max_pst_size;
	j.progress = on_progress;
	j.total = on_total;
	j.verifying = on_verifying;
	j.cancelled = worker_cancelled;
	j.ud = &wu;
	rc = exp_mailbox_export(&j);

	r->folders = j.folders;
	r->items = j.items;
	r->attachments = j.attachments;
	r->bytes = j.bytes;
	r->verified = j.verified;
	r->paths = j.paths;
	r->n_paths = j.n_paths;
	r->cause = j.cause;
	r->error = j.error;
	r->fix = j.fix;
	if (rc == 0) {
		mbx_log_write(ex->log, MBX_LOG_MIN, "Successfully completed copying mailbox '%s' ('%s') to file '%s'%s",
		              dn, alias, final, j.n_paths > 1 ? " and the files after it" : "");
		if (j.n_paths > 1)
			mbx_log_write(ex->log, MBX_LOG_MED, "Mailbox '%s' was split into %zu files (--max-pst-size)",
			              dn, j.n_paths);
		job_set(st, ex, it, MBX_JOB_VERIFIED, NULL, final, NULL);
		finish_item(ex, idx, MBX_EXP_DONE);
	} else if (rc == MBX_ECANCELLED) {
		mbx_log_write(ex->log, MBX_LOG_MIN, "Copy of mailbox '%s' ('%s') cancelled; no file was left behind.",
		              dn, alias);
		job_set(st, ex, it, MBX_JOB_FAILED, NULL, NULL, "cancelled");
		finish_item(ex, idx, MBX_EXP_CANCELLED);
	} else {
		mbx_log_write(ex->log, MBX_LOG_MIN, "Error copying mailbox '%s' ('%s'): %s", dn, alias,
		              r->error ? r->error : "unknown error");
		if (r->fix)
			mbx_log_write(ex->log, MBX_LOG_MIN, "To fix: %s", r->fix);
		mbx_log_write(ex->log, MBX_LOG_MIN, "Errors encountered. Copy process aborted.");
		job_set(st, ex, it, MBX_JOB_FAILED, NULL, NULL, r->error);
		finish_item(ex, idx, MBX_EXP_FAILED);
	}
out:
	mbx_free(final);
	mbx_free(tmp);
}

static void *worker(void *arg)
{
	mbx_export *ex = arg;
	mbx_store *st = NULL;

	exp_gate_enter();
	if (mbx_store_open(&st, ex->db_path, 0) < 0)
		st = NULL;   /* each mailbox then fails with the error */
	for (;;) {
		size_t idx;

		pthread_mutex_lock(&ex->lock);
		idx = ex->next;
		while (idx < ex->n && ex->items[idx].skip)
			idx++;
		ex->next = idx < ex->n ? idx + 1 : idx;
		pthread_mutex_unlock(&ex->lock);
		if (idx >= ex->n)
			break;
		export_one(ex, st, idx);
		exp_gate_yield();
	}
	mbx_store_free(st);
	exp_gate_leave();
	return NULL;
}

static int online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (int)(n > 64 ? 64 : n) : 1;
}

static void init_progress(mbx_export *ex)
{
	size_t i;

	ex->prog = mbx_calloc(ex->n ? ex->n : 1, sizeof(*ex->prog));
	ex->res = mbx_calloc(ex->n ? ex->n : 1, sizeof(*ex->res));
	for (i = 0; i < ex->n; i++) {
		item *it = &ex->items[i];
		mbx_export_mailbox_progress *p = &ex->prog[i];
		mbx_export_result *r = &ex->res[i];

		p->mailbox_id = it->mb.id;
		snprintf(p->alias, sizeof(p->alias), "%s", it->mb.alias ? it->mb.alias : "");
		snprintf(p->display_name, sizeof(p->display_name), "%s",
		         it->mb.display_name ? it->mb.display_name : "");
		p->items_total = it->mb.item_count;
		p->bytes_total = it->mb.total_size;
		p->state = it->skip ? MBX_EXP_SKIPPED : MBX_EXP_QUEUED;
		r->mailbox_id = it->mb.id;
		r->alias = mbx_strdup(it->mb.alias);
		r->display_name = mbx_strdup(it->mb.display_name);
		r->state = p->state;
		if (it->skip) {
			p->items_done = p->items_total;
			p->bytes_done = p->bytes_total;
			r->verified = 1;
			r->paths = mbx_calloc(1, sizeof(char *));
			r->paths[0] = mbx_strdup(it->skip_path);
			r->n_paths = 1;
			ex->done++;
		}
	}
}

int mbx_export_start(mbx_export **out, const mbx_export_opts *opts,
                     const char *const *aliases, size_t n)
{
	mbx_export *ex;
	mbx_store *st = NULL;
	mbx_server_info si;
	char *abs = NULL;
	size_t i, pending = 0;
	int rc, t;

	*out = NULL;
	if (!opts || !opts->db_path || !opts->out_dir || !*opts->out_dir)
		return mbx_error_set(MBX_EINVAL, "export needs a store and an output directory (--out DIR)");
	if (opts->filter.from && opts->filter.to && opts->filter.from > opts->filter.to)
		return mbx_error_set(MBX_EINVAL, "the --from date is after the --to date");
	if (opts->max_pst_size < 0 || (opts->max_pst_size > 0 && opts->max_pst_size < 1024 * 1024))
		return mbx_error_set(MBX_EINVAL, "--max-pst-size must be at least 1M");

	pthread_once(&gate_once, gate_init);
	ex = mbx_calloc(1, sizeof(*ex));
	pthread_mutex_init(&ex->lock, NULL);
	copy_opts(ex, opts);
	memset(&si, 0, sizeof(si));

	/* Resolve the mailboxes first: an unknown alias creates nothing. */
	rc = mbx_store_open(&st, ex->db_path, 0);
	if (rc < 0)
		goto fail;
	rc = resolve(ex, st, aliases, n);
	if (rc < 0)
		goto fail;
	rc = make_out_dir(opts->out_dir);
	if (rc < 0)
		goto fail;
	abs = realpath(opts->out_dir, NULL);
	if (!abs) {
		rc = mbx_error_set(MBX_EIO, "cannot resolve output directory '%s': %s", opts->out_dir,
		                   strerror(errno));
		goto fail;
	}
	ex->out_dir = mbx_strdup(abs);
	free(abs);
	ex->log_path = opts->log_path ? mbx_strdup(opts->log_path)
	                              : mbx_asprintf("%s/mbxrescue.log", ex->out_dir);
	ex->opts.out_dir = ex->out_dir;
	ex->opts.log_path = ex->log_path;
	rc = mbx_store_server_get(st, &si);
	if (rc < 0)
		goto fail;
	ex->server = mbx_strdup(si.server ? si.server : "");
	rc = name_files(ex, st);
	if (rc < 0)
		goto fail;
	rc = prepare_jobs(ex, st);
	if (rc < 0)
		goto fail;
	mbx_store_free(st);
	st = NULL;

	rc = mbx_log_open(&ex->log, ex->log_path, opts->log_level, opts->log_cb, opts->log_ud);
	if (rc < 0)
		goto fail;
	init_progress(ex);
	for (i = 0; i < ex->n; i++)
		pending += !ex->items[i].skip;
	t = opts->threads > 0 ? opts->threads : online_cpus();
	if ((size_t)t > pending)
		t = (int)pending;
	mbx_log_write(ex->log, MBX_LOG_MED, "Exporting %zu mailboxes from '%s' to '%s' with %d threads",
	              ex->n, ex->db_path, ex->out_dir, t);
	exp_filter_log(&ex->opts.filter, ex->log);
	for (i = 0; i < ex->n; i++)
		if (ex->items[i].skip)
			mbx_log_write(ex->log, MBX_LOG_MIN, "Skipping mailbox '%s' ('%s'): verified by an earlier run "
			              "in '%s'", ex->items[i].mb.display_name, ex->items[i].mb.alias,
			              ex->items[i].skip_path);
	ex->started = now_s();
	ex->threads = mbx_calloc(t > 0 ? (size_t)t : 1, sizeof(pthread_t));
	for (ex->n_threads = 0; ex->n_threads < t; ex->n_threads++) {
		if (pthread_create(&ex->threads[ex->n_threads], NULL, worker, ex) != 0) {
			if (ex->n_threads == 0) {
				rc = mbx_error_set(MBX_ERROR, "cannot start export threads: %s", strerror(errno));
				goto fail;
			}
			break;   /* fewer threads still finish the job */
		}
	}
	mbx_server_info_clear(&si);
	*out = ex;
	return 0;
fail:
	mbx_server_info_clear(&si);
	mbx_store_free(st);
	mbx_export_free(ex);
	return rc;
}

int mbx_export_progress_get(mbx_export *ex, mbx_export_progress *overall,
                            mbx_export_mailbox_progress *per, size_t max_per, size_t *n_per)
{
	size_t i;
	double el;

	pthread_mutex_lock(&ex->lock);
	if (overall) {
		memset(overall, 0, sizeof(*overall));
		overall->mailboxes_total = ex->n;
		overall->mailboxes_done = ex->done;
		overall->mailboxes_failed = ex->failed;
		for (i = 0; i < ex->n; i++) {
			overall->items_done += ex->prog[i].items_done;
			overall->items_total += ex->prog[i].items_total;
			overall->bytes_done += ex->prog[i].bytes_done;
			overall->bytes_total += ex->prog[i].bytes_total;
		}
		el = ex->finished ? ex->elapsed_final : now_s() - ex->started;
		overall->elapsed_seconds = el;
		overall->bytes_per_sec = el > 0 ? (double)overall->bytes_done / el : 0;
		overall->eta_seconds = -1;
		if (overall->bytes_per_sec > 0 && overall->bytes_total >= overall->bytes_done)
			overall->eta_seconds = (double)(overall->bytes_total - overall->bytes_done) /
			                       overall->bytes_per_sec;
		overall->finished = ex->finished;
	}
	if (per) {
		size_t k = ex->n < max_per ? ex->n : max_per;

		memcpy(per, ex->prog, k * sizeof(*per));
		if (n_per)
			*n_per = k;
	} else if (n_per) {
		*n_per = 0;
	}
	pthread_mutex_unlock(&ex->lock);
	return 0;
}

void mbx_export_cancel(mbx_export *ex)
{
	if (ex)
		__atomic_store_n(&ex->cancel, 1, __ATOMIC_RELAXED);
}

int mbx_export_wait(mbx_export *ex)
{
	size_t ok;
	int i;

	if (!ex)
		return mbx_error_set(MBX_EINVAL, "no export to wait for");
	if (ex->waited)
		return ex->rc;
	for (i = 0; i < ex->n_threads; i++)
		pthread_join(ex->threads[i], NULL);
	pthread_mutex_lock(&ex->lock);
	ex->finished = 1;
	ex->elapsed_final = now_s() - ex->started;
	ok = ex->done - ex->failed;
	ex->rc = ex->failed ? 1 : 0;
	pthread_mutex_unlock(&ex->lock);
	ex->waited = 1;
	mbx_log_write(ex->log, MBX_LOG_MIN, "%zu mailboxes successfully processed. %zu errors encountered",
	              ok, ex->failed);
	return ex->rc;
}

int mbx_export_results(mbx_export *ex, const mbx_export_result **out, size_t *n)
{
	if (!ex || !ex->waited)
		return mbx_error_set(MBX_EINVAL, "export results are ready only after mbx_export_wait");
	*out = ex->res;
	*n = ex->n;
	return 0;
}

void mbx_export_free(mbx_export *ex)
{
	size_t i, k;

	if (!ex)
		return;
	if (ex->n_threads && !ex->waited) {
		mbx_export_cancel(ex);
		mbx_export_wait(ex);
	}
	for (i = 0; i < ex->n; i++) {
		mbx_mailbox_clear(&ex->items[i].mb);
		mbx_free(ex->items[i].base);
		mbx_free(ex->items[i].skip_path);
		if (ex->res) {
			mbx_export_result *r = &ex->res[i];

			mbx_free(r->alias);
			mbx_free(r->display_name);
			mbx_free(r->error);
			mbx_free(r->fix);
			for (k = 0; k < r->n_paths; k++)
				mbx_free(r->paths[k]);
			mbx_free(r->paths);
		}
	}
	mbx_free(ex->items);
	mbx_free(ex->prog);
	mbx_free(ex->res);
	mbx_free(ex->threads);
	mbx_log_free(ex->log);
	free_sels(ex->inc, ex->opts.filter.n_include);
	free_sels(ex->exc, ex->opts.filter.n_exclude);
	mbx_free(ex->db_path);
	mbx_free(ex->out_dir);
	mbx_free(ex->log_path);
	mbx_free(ex->server);
	mbx_free(ex->subject);
	mbx_free(ex->glob);
	mbx_free(ex->class_prefix);
	pthread_mutex_destroy(&ex->lock);
	mbx_free(ex);
}

int mbx_export_run(const mbx_export_opts *opts, const char *const *aliases, size_t n,
                   mbx_export **out)
{
	mbx_export *ex;
	int rc;

	if (out)
		*out = NULL;
	rc = mbx_export_start(&ex, opts, aliases, n);
	if (rc < 0)
		return rc;
	rc = mbx_export_wait(ex);
	if (out)
		*out = ex;
	else
		mbx_export_free(ex);
	return rc;
}
