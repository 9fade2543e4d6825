/*
 * The export job: the mailboxes looked up as they stream in (a thread of
 * their own), worker threads that take each one as soon as it is named,
 * progress, cancel, the job table, the output directory's lock.
 */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "mbx/pst.h"
#include "mbx/text.h"
#include "export_int.h"

/* Mailboxes looked up per statement (and between two looks at cancel). */
#define RESOLVE_CHUNK 256

/* What an earlier run left of a mailbox: rare, so apart. */
typedef struct earlier {
	char *check;           /* resume: its files' fingerprints ("" none recorded) */
	char *stale_tmp;       /* its temporary, to remove */
} earlier;

/* What the export keeps of a mailbox besides its public result: little,
 * since a run keeps one for each of 100,000s of mailboxes. */
typedef struct item {
	int64_t job_id;
	const char *base;      /* unique file base name ("JSMITH"), in ex->names */
	earlier *earlier;      /* NULL: nothing from an earlier run to look at */
	int64_t items_done, items_total, bytes_done, bytes_total;
	unsigned char state;   /* mbx_export_state */
	unsigned char finished;/* its result is final */
	unsigned char orphan;  /* no directory entry (KB Q265438) */
} item;

/* A set of mailbox ids (a list may name one mailbox twice). */
typedef struct idset {
	int64_t *v;            /* 0 = empty (ids are > 0) */
	size_t cap, count;
} idset;

/* Strings that live as long as the export (the results' aliases, names,
 * paths), packed in 64 KiB blocks: a malloc each would cost as much again
 * in headers and rounding, for 100,000s of them.  One user at a time. */
typedef struct arena {
	char **blocks;
	size_t n_blocks;
	size_t used, cap;      /* in the last block */
} arena;

static void *arena_alloc(arena *a, size_t n)
{
	char *p;

	n = (n + 7) & ~(size_t)7;
	if (!a->n_blocks || a->used + n > a->cap) {
		size_t cap = n > 65536 ? n : 65536;

		a->blocks = mbx_reallocarray(a->blocks, a->n_blocks + 1, sizeof(char *));
		a->blocks[a->n_blocks++] = mbx_malloc(cap);
		a->used = 0;
		a->cap = cap;
	}
	p = a->blocks[a->n_blocks - 1] + a->used;
	a->used += n;
	return p;
}

static char *arena_dup(arena *a, const char *s)
{
	size_t n;
	char *p;

	if (!s)
		return NULL;
	n = strlen(s) + 1;
	p = arena_alloc(a, n);
	memcpy(p, s, n);
	return p;
}

static void arena_free(arena *a)
{
	size_t i;

	for (i = 0; i < a->n_blocks; i++)
		mbx_free(a->blocks[i]);
	mbx_free(a->blocks);
	memset(a, 0, sizeof(*a));
}

struct mbx_export {
	/* copies of the options */
	mbx_export_opts opts;
	char *db_path, *out_dir, *log_path, *server;
	char *subject, *glob, *class_prefix;
	mbx_folder_sel *inc, *exc;
	mbx_log *log;
	mbx_export_lock *dirlock;

	/* the mailboxes: a list (aliases) or every one (all) */
	char **aliases;
	int all;
	size_t n;              /* entries: the list's, or the store's count at the start */
	mbx_export_result *res;
	item *items;
	/* looked up by mbx_export_start (the first MBX_EXPORT_CHECKED_FIRST) */
	mbx_mailbox *pre;
	size_t n_pre;
	mbx_store *rst;        /* the resolver's connection (start's, handed over) */
	exp_names names;       /* the directory's file names (the resolver's) */
	arena strings_r;       /* the resolver's strings */
	arena strings_w;       /* the workers' (under lock) */

	pthread_mutex_t lock;  /* guards everything below */
	pthread_cond_t more;   /* items resolved, or the end */
	pthread_cond_t room;   /* a worker took an item: the lookups may go on */
	size_t resolved;       /* items [0, resolved) are looked up and named */
	int resolver_done;
	size_t next;           /* next item a worker takes */
	size_t done, failed, cancelled, copied;
	int64_t items_done, items_total, bytes_done, bytes_total;
	int live;              /* threads still running (resolver and workers) */
	int finished;
	double started;
	double elapsed_final;

	int cancel;            /* read and written with __atomic builtins */
	pthread_t resolver;
	int resolver_started;
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

/* ---- mailbox ids seen ------------------------------------------------------ */

/* 1 when id was already in the set; adds it. */
static int idset_add(idset *s, int64_t id)
{
	size_t j;

	if ((s->count + 1) * 2 > s->cap) {
		idset bigger = { NULL, s->cap ? s->cap * 2 : 1024, s->count };
		size_t i;

		bigger.v = mbx_calloc(bigger.cap, sizeof(*bigger.v));
		for (i = 0; i < s->cap; i++) {
			if (!s->v[i])
				continue;
			for (j = (size_t)((uint64_t)s->v[i] * 0x9e3779b97f4a7c15ULL >> 20) & (bigger.cap - 1);
			     bigger.v[j]; j = (j + 1) & (bigger.cap - 1))
				;
			bigger.v[j] = s->v[i];
		}
		mbx_free(s->v);
		*s = bigger;
	}
	for (j = (size_t)((uint64_t)id * 0x9e3779b97f4a7c15ULL >> 20) & (s->cap - 1); s->v[j];
	     j = (j + 1) & (s->cap - 1))
		if (s->v[j] == id)
			return 1;
	s->v[j] = id;
	s->count++;
	return 0;
}

/* ---- looking the mailboxes up ---------------------------------------------- */

static int is_cancelled(void *ud)
{
	mbx_export *ex = ud;

	return __atomic_load_n(&ex->cancel, __ATOMIC_RELAXED);
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

static int take_job_name(void *ud, const mbx_job *j)
{
	char *b = job_base(j);

	if (b)
		exp_names_take(ud, b);
	mbx_free(b);
	return 0;
}

/* An entry whose result is final before any worker sees it. */
static void settle(mbx_export *ex, size_t idx, mbx_export_state s)
{
	item *it = &ex->items[idx];

	pthread_mutex_lock(&ex->lock);
	it->state = s;
	it->finished = 1;
	ex->res[idx].state = s;
	ex->done++;
	if (s == MBX_EXP_FAILED)
		ex->failed++;
	else if (s == MBX_EXP_CANCELLED)
		ex->cancelled++;
	pthread_mutex_unlock(&ex->lock);
}

/*
 * Entry idx: the mailbox mb (NULL: the alias names none), its job row in
 * this directory, and its file name.  Mailboxes keep the name an earlier
 * run into the directory gave them, and none takes a name that belongs to
 * another mailbox's file there: exporting a subset never overwrites the
 * PST of a mailbox that is not part of the run.
 */
static int add_item(mbx_export *ex, mbx_store *st, idset *seen, size_t idx, mbx_mailbox *mb)
{
	mbx_export_result *r = &ex->res[idx];
	item *it = &ex->items[idx];
	mbx_job job;
	char *b;
	int rc;

	if (!mb) {
		r->alias = arena_dup(&ex->strings_r, ex->aliases[idx]);
		r->cause = MBX_EXP_CAUSE_NOT_FOUND;
		r->error = mbx_asprintf("no mailbox '%s' in store '%s'", ex->aliases[idx], ex->db_path);
		r->fix = mbx_strdup("check the alias in the mailbox list (list the mailboxes with "
		                    "`mbxrescue check`)");
		mbx_log_write(ex->log, MBX_LOG_MIN, "Error: %s (entry %zu of the mailbox list); skipped.",
		              r->error, idx + 1);
		settle(ex, idx, MBX_EXP_FAILED);
		return 0;
	}
	r->mailbox_id = mb->id;
	r->alias = arena_dup(&ex->strings_r, mb->alias);
	r->display_name = arena_dup(&ex->strings_r, mb->display_name);
	it->orphan = mb->recipient_id == 0;
	it->items_total = mb->item_count;
	it->bytes_total = mb->total_size;
	mbx_mailbox_clear(mb);
	/* --all has each mailbox once; a list may repeat one. */
	if (seen && idset_add(seen, r->mailbox_id)) {
		mbx_log_write(ex->log, MBX_LOG_MIN, "Mailbox '%s' ('%s') is listed more than once: it is "
		              "exported once.", r->display_name, r->alias);
		settle(ex, idx, MBX_EXP_SKIPPED);
		return 0;
	}
	rc = mbx_store_job_get(st, ex->out_dir, r->mailbox_id, &job);
	if (rc == MBX_ENOTFOUND)
		rc = 0;
	else if (rc < 0)
		return rc;
	b = job_base(&job);
	if (b) {
		it->base = exp_names_take(&ex->names, b);
		if (ex->opts.resume && job.state == MBX_JOB_VERIFIED) {
			it->earlier = mbx_calloc(1, sizeof(*it->earlier));
			it->job_id = job.id;
			/* An older mbxrescue recorded no fingerprint: "" = export again. */
			it->earlier->check = mbx_strdup(job.final_check ? job.final_check : "");
		}
	} else {
		b = exp_base_name(r->alias ? r->alias : r->display_name);
		it->base = exp_names_unique(&ex->names, b);
	}
	mbx_free(b);
	if (job.temp_path) {
		if (!it->earlier)
			it->earlier = mbx_calloc(1, sizeof(*it->earlier));
		it->earlier->stale_tmp = job.temp_path;
		job.temp_path = NULL;
	}
	mbx_job_clear(&job);
	pthread_mutex_lock(&ex->lock);
	ex->items_total += it->items_total;
	ex->bytes_total += it->bytes_total;
	pthread_mutex_unlock(&ex->lock);
	return 0;
}

/* Items [from, to) are ready for the workers. */
static void publish(mbx_export *ex, size_t to)
{
	pthread_mutex_lock(&ex->lock);
	ex->resolved = to;
	pthread_cond_broadcast(&ex->more);
	pthread_mutex_unlock(&ex->lock);
}

/* The lookups stay at most LOOKAHEAD mailboxes ahead of the workers:
 * what is looked up is kept, and a cancelled run need not have looked up
 * 100,000 mailboxes it will never copy. */
#define LOOKAHEAD 4096

static void wait_for_room(mbx_export *ex)
{
	pthread_mutex_lock(&ex->lock);
	while (!is_cancelled(ex) && ex->resolved > ex->next + LOOKAHEAD)
		pthread_cond_wait(&ex->room, &ex->lock);
	pthread_mutex_unlock(&ex->lock);
}

static int resolve_list(mbx_export *ex, mbx_store *st, idset *seen)
{
	mbx_mailbox mbs[RESOLVE_CHUNK];
	unsigned char found[RESOLVE_CHUNK];
	size_t i = 0, k, n;
	int rc = 0;

	/* The entries mbx_export_start looked up already. */
	for (; i < ex->n_pre && rc == 0; i++)
		rc = add_item(ex, st, seen, i, &ex->pre[i]);
	if (rc == 0)
		publish(ex, i);
	while (rc == 0 && i < ex->n && (wait_for_room(ex), !is_cancelled(ex))) {
		n = ex->n - i < RESOLVE_CHUNK ? ex->n - i : RESOLVE_CHUNK;
		/* One snapshot a chunk: the workers' writes would otherwise
		 * empty this connection's page cache before every statement. */
		rc = mbx_store_begin_read(st);
		if (rc < 0)
			break;
		rc = mbx_store_mailboxes_by_alias(st, (const char *const *)ex->aliases + i, n, mbs, found);
		for (k = 0; k < n && rc == 0; k++)
			rc = add_item(ex, st, seen, i + k, found[k] ? &mbs[k] : NULL);
		for (k = 0; k < n; k++)
			mbx_mailbox_clear(&mbs[k]);
		if (rc == 0)
			rc = mbx_store_commit(st);
		else
			mbx_store_rollback(st);
		if (rc == 0)
			publish(ex, i + n);
		i += n;
	}
	return rc;
}

static int resolve_all(mbx_export *ex, mbx_store *st)
{
	mbx_mailbox *page = NULL;
	char *after = NULL;
	int64_t after_id = 0;
	size_t i = 0, k, n = 0;
	int rc = 0;

	while (rc == 0 && i < ex->n && (wait_for_room(ex), !is_cancelled(ex))) {
		size_t want = ex->n - i < RESOLVE_CHUNK ? ex->n - i : RESOLVE_CHUNK;

		rc = mbx_store_begin_read(st);   /* one snapshot a page, as above */
		if (rc < 0)
			break;
		rc = mbx_store_mailboxes_page(st, after, after_id, want, &page, &n);
		if (rc < 0) {
			mbx_store_rollback(st);
			break;
		}
		if (n > 0) {
			mbx_free(after);
			after = mbx_strdup(page[n - 1].display_name);
			after_id = page[n - 1].id;
		}
		for (k = 0; k < n && rc == 0; k++)
			rc = add_item(ex, st, NULL, i + k, &page[k]);
		mbx_mailboxes_free(page, n);
		page = NULL;
		if (rc == 0)
			rc = mbx_store_commit(st);
		else
			mbx_store_rollback(st);
		if (rc < 0)
			break;
		i += n;
		publish(ex, i);
		if (n < want)
			break;         /* mailboxes deleted meanwhile: the run is shorter */
	}
	mbx_free(after);
	if (rc == 0 && !is_cancelled(ex) && i < ex->n) {
		pthread_mutex_lock(&ex->lock);
		ex->n = i;
		pthread_mutex_unlock(&ex->lock);
	}
	return rc;
}

static void thread_exit(mbx_export *ex);

static void *resolver_main(void *arg)
{
	mbx_export *ex = arg;
	mbx_store *st = ex->rst;
	idset seen = { 0 };
	size_t done;
	int rc;

	ex->rst = NULL;
	/* Names the directory's files already have, by any mailbox. */
	rc = mbx_store_jobs_each_final(st, ex->out_dir, take_job_name, &ex->names);
	if (rc == 0)
		rc = ex->all ? resolve_all(ex, st) : resolve_list(ex, st, &seen);
	pthread_mutex_lock(&ex->lock);
	done = ex->resolved;
	pthread_mutex_unlock(&ex->lock);
	if (rc == 0 && is_cancelled(ex) && done < ex->n)
		mbx_log_write(ex->log, MBX_LOG_MED, "Cancelled while looking up the mailboxes (%zu of %zu "
		              "looked up, in %.2f s)", done, ex->n, now_s() - ex->started);
	else if (rc == 0)
		mbx_log_write(ex->log, MBX_LOG_MED, "Looked up and named %zu mailboxes in %.2f s", done,
		              now_s() - ex->started);
	if (rc < 0) {
		/* The store failed under us: what is looked up is exported, the
		 * rest is an error each (at the end, in thread_exit). */
		mbx_log_write(ex->log, MBX_LOG_MIN, "Error looking up the mailboxes: %s", mbx_error_last());
		pthread_mutex_lock(&ex->lock);
		ex->rc = rc;
		pthread_mutex_unlock(&ex->lock);
	}
	mbx_free(seen.v);
	mbx_store_free(st);
	pthread_mutex_lock(&ex->lock);
	ex->resolver_done = 1;
	pthread_cond_broadcast(&ex->more);
	pthread_mutex_unlock(&ex->lock);
	thread_exit(ex);
	return NULL;
}

/* ---- the workers ------------------------------------------------------------- */

typedef struct worker_ud {
	mbx_export *ex;
	size_t idx;
} worker_ud;

static void on_progress(void *ud, int64_t items, int64_t bytes)
{
	worker_ud *w = ud;
	item *it = &w->ex->items[w->idx];

	pthread_mutex_lock(&w->ex->lock);
	w->ex->items_done += items - it->items_done;
	w->ex->bytes_done += bytes - it->bytes_done;
	it->items_done = items;
	it->bytes_done = bytes;
	pthread_mutex_unlock(&w->ex->lock);
}

static void on_total(void *ud, int64_t items)
{
	worker_ud *w = ud;
	item *it = &w->ex->items[w->idx];

	pthread_mutex_lock(&w->ex->lock);
	w->ex->items_total += items - it->items_total;
	it->items_total = items;
	pthread_mutex_unlock(&w->ex->lock);
}

static void on_verifying(void *ud)
{
	worker_ud *w = ud;

	pthread_mutex_lock(&w->ex->lock);
	w->ex->items[w->idx].state = MBX_EXP_VERIFYING;
	pthread_mutex_unlock(&w->ex->lock);
}

static int worker_cancelled(void *ud)
{
	return is_cancelled(((worker_ud *)ud)->ex);
}

static void set_state(mbx_export *ex, size_t idx, mbx_export_state s)
{
	pthread_mutex_lock(&ex->lock);
	ex->items[idx].state = s;
	pthread_mutex_unlock(&ex->lock);
}

static void job_set(mbx_store *st, mbx_export *ex, size_t idx, mbx_job_state s,
                    const char *tmp, const char *final, const char *err)
{
	item *it = &ex->items[idx];

	if (st && it->job_id && mbx_store_job_set(st, it->job_id, s, tmp, final, err) < 0)
		mbx_log_write(ex->log, MBX_LOG_MIN, "Warning: cannot record the state of mailbox '%s' in the "
		              "store: %s", ex->res[idx].display_name, mbx_error_last());
}

/* A worker's mailbox has its final result. */
static void finish_item(mbx_export *ex, size_t idx, mbx_export_state s)
{
	item *it = &ex->items[idx];

	pthread_mutex_lock(&ex->lock);
	it->state = s;
	it->finished = 1;
	ex->res[idx].state = s;
	ex->done++;
	if (s == MBX_EXP_FAILED)
		ex->failed++;
	else if (s == MBX_EXP_CANCELLED)
		ex->cancelled++;
	if (s == MBX_EXP_DONE || s == MBX_EXP_FAILED)
		ex->copied++;
	/* Done or not, the mailbox is through: its whole size counts. */
	if (s != MBX_EXP_CANCELLED) {
		ex->items_done += it->items_total - it->items_done;
		ex->bytes_done += it->bytes_total - it->bytes_done;
		it->items_done = it->items_total;
		it->bytes_done = it->bytes_total;
	}
	pthread_mutex_unlock(&ex->lock);
}

/* The final files of entry idx: DIR/BASE.PST, DIR/BASE-002.PST, ...; in
 * the workers' arena (call with the lock held). */
static void set_paths(mbx_export *ex, size_t idx, size_t n)
{
	mbx_export_result *r = &ex->res[idx];
	size_t k;

	r->paths = arena_alloc(&ex->strings_w, (n ? n : 1) * sizeof(char *));
	for (k = 0; k < n; k++) {
		char *name = exp_part_name(ex->items[idx].base, (int)k + 1);
		char *path = mbx_asprintf("%s/%s", ex->out_dir, name);

		r->paths[k] = arena_dup(&ex->strings_w, path);
		mbx_free(path);
		mbx_free(name);
	}
	r->n_paths = n;
}

/*
 * --resume: are the files an earlier run verified still what they were?
 * 1 yes (skip the mailbox), 0 no (*why says how; export it again), <0
 * cancelled.  Size first, then the SHA-256 of every byte: a file that was
 * truncated, overwritten or replaced since is never taken for verified.
 */
static int resume_check(mbx_export *ex, size_t idx, char **why, size_t *n_parts)
{
	item *it = &ex->items[idx];
	const char *line = it->earlier->check;
	size_t k = 0;
	int rc = 1;

	*why = NULL;
	*n_parts = 0;
	if (!*line) {
		*why = mbx_strdup("its run recorded no fingerprint of the file (an older mbxrescue)");
		return 0;
	}
	while (*line && rc == 1) {
		size_t len = strcspn(line, "\n");
		char *name = exp_part_name(it->base, (int)++k);
		char *path = mbx_asprintf("%s/%s", ex->out_dir, name);
		char *want = mbx_strndup(line, len), *got = NULL;
		long long want_size = atoll(want);
		int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		struct stat sb;

		if (fd < 0 || fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
			*why = mbx_asprintf("'%s' is %s", path, fd < 0 && errno == ENOENT ? "gone" :
			                    "no longer a readable file");
			rc = 0;
		} else if ((long long)sb.st_size != want_size) {
			*why = mbx_asprintf("'%s' is %lld bytes, not the %lld it had when it was verified",
			                    path, (long long)sb.st_size, want_size);
			rc = 0;
		} else if ((rc = exp_file_fingerprint(fd, path, is_cancelled, ex, &got)) < 0) {
			if (rc != MBX_ECANCELLED) {
				*why = mbx_asprintf("'%s' can not be read: %s", path, mbx_error_last());
				rc = 0;
			}
		} else if (strchr(got, ' ') && strchr(want, ' ') &&
		           strcmp(strrchr(got, ' '), strrchr(want, ' ')) != 0) {
			*why = mbx_asprintf("the content of '%s' changed since it was verified", path);
			rc = 0;
		} else {
			rc = 1;
		}
		if (fd >= 0)
			close(fd);
		mbx_free(got);
		mbx_free(want);
		mbx_free(path);
		mbx_free(name);
		line += len;
		if (*line == '\n')
			line++;
	}
	*n_parts = k;
	return rc;
}

static void export_one(mbx_export *ex, mbx_store *st, size_t idx)
{
	item *it = &ex->items[idx];
	mbx_export_result *r = &ex->res[idx];
	const char *dn = r->display_name ? r->display_name : "";
	const char *alias = r->alias ? r->alias : "";
	char *first = exp_part_name(it->base, 1);
	char *final = mbx_asprintf("%s/%s", ex->out_dir, first);
	char *tmp = mbx_asprintf("%s.tmp", final);
	worker_ud wu = { ex, idx };
	exp_mailbox_job j;
	mbx_mailbox mb;
	int rc;

	mbx_free(first);
	if (it->earlier && it->earlier->check) {
		char *why = NULL;
		size_t parts;

		rc = resume_check(ex, idx, &why, &parts);
		if (rc == 1) {
			mbx_log_write(ex->log, MBX_LOG_MIN, "Skipping mailbox '%s' ('%s'): verified by an earlier "
			              "run in '%s', and the file is unchanged", dn, alias, final);
			pthread_mutex_lock(&ex->lock);
			set_paths(ex, idx, parts);
			pthread_mutex_unlock(&ex->lock);
			r->verified = 1;
			finish_item(ex, idx, MBX_EXP_SKIPPED);
			goto out;
		}
		if (rc < 0) {
			r->cause = MBX_EXP_CAUSE_CANCELLED;
			finish_item(ex, idx, MBX_EXP_CANCELLED);
			goto out;
		}
		mbx_log_write(ex->log, MBX_LOG_MIN, "Mailbox '%s' ('%s') was verified by an earlier run, but %s: "
		              "exporting it again.", dn, alias, why);
		mbx_free(why);
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
	if (mbx_store_job_begin(st, ex->out_dir, r->mailbox_id, tmp, &it->job_id) < 0) {
		it->job_id = 0;
		mbx_log_write(ex->log, MBX_LOG_MIN, "Warning: cannot record the export of mailbox '%s' in the "
		              "store: %s", dn, mbx_error_last());
	}
	/* An interrupted run's leftovers (there is no job row without them). */
	if (it->earlier && it->earlier->stale_tmp && strcmp(it->earlier->stale_tmp, tmp) != 0)
		unlink(it->earlier->stale_tmp);
	if (it->earlier || it->job_id)
		exp_remove_temporaries(ex->out_dir, it->base);
	/* KB Q265438: Exmerge logs on to a mailbox through its directory
	 * entry; a mailbox restored without one can not be opened. */
	if (it->orphan) {
		mbx_log_write(ex->log, MBX_LOG_MIN, "Error configuring message service (MSEMS) (UNKNOWN ERROR) "
		              "(CMapiSession::CreateEMSPSTProfile)");
		mbx_log_write(ex->log, MBX_LOG_MIN, "Errors encountered. Copy process aborted.");
		r->cause = MBX_EXP_CAUSE_NO_DIRECTORY_ENTRY;
		r->error = mbx_strdup("no directory entry for this mailbox");
		r->fix = mbx_strdup("run the DS/IS consistency adjuster with create-mailboxes "
		                    "(mbxrescue adjust --create-mailboxes)");
		job_set(st, ex, idx, MBX_JOB_FAILED, NULL, NULL, r->error);
		finish_item(ex, idx, MBX_EXP_FAILED);
		goto out;
	}

	/* The whole mailbox (its bag too) for the writer, from the store now:
	 * one index lookup, where holding 100,000s of them would not do. */
	if (mbx_store_mailbox_by_id(st, r->mailbox_id, &mb) < 0) {
		r->cause = MBX_EXP_CAUSE_OTHER;
		r->error = mbx_strdup(mbx_error_last());
		mbx_log_write(ex->log, MBX_LOG_MIN, "Error reading mailbox '%s' ('%s'): %s", dn, alias, r->error);
		mbx_log_write(ex->log, MBX_LOG_MIN, "Errors encountered. Copy process aborted.");
		job_set(st, ex, idx, MBX_JOB_FAILED, NULL, NULL, r->error);
		finish_item(ex, idx, MBX_EXP_FAILED);
		goto out;
	}
	memset(&j, 0, sizeof(j));
	j.st = st;
	j.filter = &ex->opts.filter;
	j.log = ex->log;
	j.out_dir = ex->out_dir;
	j.base = it->base;
	j.mb = &mb;
	j.crypt = ex->opts.crypt;
	j.max_pst_size = ex->opts.max_pst_size;
	j.progress = on_progress;
	j.total = on_total;
	j.verifying = on_verifying;
	j.cancelled = worker_cancelled;
	j.ud = &wu;
	rc = exp_mailbox_export(&j);
	mbx_mailbox_clear(&mb);

	r->folders = j.folders;
	r->items = j.items;
	r->attachments = j.attachments;
	r->bytes = j.bytes;
	r->verified = j.verified;
	if (j.n_paths) {
		pthread_mutex_lock(&ex->lock);
		set_paths(ex, idx, j.n_paths);
		pthread_mutex_unlock(&ex->lock);
	}
	for (size_t k = 0; k < j.n_paths; k++)
		mbx_free(j.paths[k]);
	mbx_free(j.paths);
	r->cause = j.cause;
	r->error = j.error;
	r->fix = j.fix;
	if (rc == 0) {
		mbx_log_write(ex->log, MBX_LOG_MIN, "Successfully completed copying mailbox '%s' ('%s') to file '%s'%s",
		              dn, alias, final, j.n_paths > 1 ? " and the files after it" : "");
		if (j.n_paths > 1)
			mbx_log_write(ex->log, MBX_LOG_MED, "Mailbox '%s' was split into %zu files (--max-pst-size)",
			              dn, j.n_paths);
		if (it->job_id && mbx_store_job_verified(st, it->job_id, final, j.check) < 0)
			mbx_log_write(ex->log, MBX_LOG_MIN, "Warning: cannot record the state of mailbox '%s' in "
			              "the store: %s", dn, mbx_error_last());
		finish_item(ex, idx, MBX_EXP_DONE);
	} else if (rc == MBX_ECANCELLED) {
		mbx_log_write(ex->log, MBX_LOG_MIN, "Copy of mailbox '%s' ('%s') cancelled; no file was left behind.",
		              dn, alias);
		job_set(st, ex, idx, MBX_JOB_FAILED, NULL, NULL, "cancelled");
		finish_item(ex, idx, MBX_EXP_CANCELLED);
	} else {
		mbx_log_write(ex->log, MBX_LOG_MIN, "Error copying mailbox '%s' ('%s'): %s", dn, alias,
		              r->error ? r->error : "unknown error");
		if (r->fix)
			mbx_log_write(ex->log, MBX_LOG_MIN, "To fix: %s", r->fix);
		mbx_log_write(ex->log, MBX_LOG_MIN, "Errors encountered. Copy process aborted.");
		job_set(st, ex, idx, MBX_JOB_FAILED, NULL, NULL, r->error);
		finish_item(ex, idx, MBX_EXP_FAILED);
	}
	mbx_free(j.check);
out:
	if (it->earlier) {
		mbx_free(it->earlier->check);
		mbx_free(it->earlier->stale_tmp);
		mbx_free(it->earlier);
		it->earlier = NULL;
	}
	mbx_free(final);
	mbx_free(tmp);
}

/* The next entry for a worker, waiting for the lookups; SIZE_MAX at the end. */
static size_t take(mbx_export *ex)
{
	size_t idx = SIZE_MAX;

	pthread_mutex_lock(&ex->lock);
	for (;;) {
		while (ex->next < ex->resolved && ex->items[ex->next].finished)
			ex->next++;
		if (is_cancelled(ex))
			break;
		if (ex->next < ex->resolved) {
			idx = ex->next++;
			pthread_cond_signal(&ex->room);
			break;
		}
		if (ex->resolver_done)
			break;
		pthread_cond_wait(&ex->more, &ex->lock);
	}
	pthread_mutex_unlock(&ex->lock);
	return idx;
}

static void *worker(void *arg)
{
	mbx_export *ex = arg;
	mbx_store *st = NULL;
	size_t idx;

	exp_gate_enter();
	if (mbx_store_open(&st, ex->db_path, 0) < 0)
		st = NULL;   /* each mailbox then fails with the error */
	while ((idx = take(ex)) != SIZE_MAX) {
		export_one(ex, st, idx);
		exp_gate_yield();
	}
	mbx_pstread_release();   /* this worker's verification reader */
	mbx_store_free(st);
	exp_gate_leave();
	thread_exit(ex);
	return NULL;
}

/*
 * The last thread out settles the rest: what was never started was
 * cancelled (or, when the lookups failed, could not be looked up).
 */
static void thread_exit(mbx_export *ex)
{
	size_t i, unresolved;
	int lookup_failed;

	pthread_mutex_lock(&ex->lock);
	if (--ex->live > 0) {
		pthread_mutex_unlock(&ex->lock);
		return;
	}
	lookup_failed = ex->rc < 0 && !is_cancelled(ex);
	/* --all: the entries past the lookups are not even touched. */
	for (i = 0; i < (ex->all ? ex->resolved : ex->n); i++) {
		item *it = &ex->items[i];
		mbx_export_result *r = &ex->res[i];

		if (it->finished)
			continue;
		if (!r->alias && ex->aliases)
			r->alias = arena_dup(&ex->strings_w, ex->aliases[i]);
		it->finished = 1;
		if (lookup_failed && i >= ex->resolved) {
			r->cause = MBX_EXP_CAUSE_OTHER;
			r->error = mbx_strdup("the mailbox could not be looked up in the store");
			r->state = it->state = MBX_EXP_FAILED;
			ex->failed++;
		} else {
			r->cause = MBX_EXP_CAUSE_CANCELLED;
			r->state = it->state = MBX_EXP_CANCELLED;
			ex->cancelled++;
		}
		ex->done++;
	}
	/* --all: entries never looked up have no result, but they count. */
	unresolved = ex->all && ex->resolved < ex->n ? ex->n - ex->resolved : 0;
	if (lookup_failed)
		ex->failed += unresolved;
	else
		ex->cancelled += unresolved;
	ex->done += unresolved;
	ex->finished = 1;
	ex->elapsed_final = now_s() - ex->started;
	pthread_mutex_unlock(&ex->lock);
}

static int online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (int)(n > 64 ? 64 : n) : 1;
}

/* Look the first aliases up now: an unknown one among them is a usage
 * error before anything is created. */
static int check_first(mbx_export *ex, mbx_store *st)
{
	size_t n = ex->n < MBX_EXPORT_CHECKED_FIRST ? ex->n : MBX_EXPORT_CHECKED_FIRST;
	unsigned char *found = mbx_calloc(n ? n : 1, 1);
	size_t i, bad = 0, first = 0;
	int rc;

	ex->pre = mbx_calloc(n ? n : 1, sizeof(*ex->pre));
	rc = mbx_store_mailboxes_by_alias(st, (const char *const *)ex->aliases, n, ex->pre, found);
	if (rc == 0) {
		ex->n_pre = n;
		for (i = n; i-- > 0;)
			if (!found[i]) {
				bad++;
				first = i;
			}
		if (bad)
			rc = mbx_error_set(MBX_ENOTFOUND, "no mailbox '%s' in store '%s'%s (list them with "
			                   "`mbxrescue check`)", ex->aliases[first], ex->db_path,
			                   bad > 1 ? ", and other aliases are unknown too" : "");
	}
	mbx_free(found);
	return rc;
}

int mbx_export_start(mbx_export **out, const mbx_export_opts *opts,
                     const char *const *aliases, size_t n)
{
	mbx_export *ex;
	mbx_store *st = NULL;
	mbx_server_info si;
	char *abs = NULL;
	size_t i;
	int rc, t;

	*out = NULL;
	if (!opts || !opts->db_path || !opts->out_dir || !*opts->out_dir)
		return mbx_error_set(MBX_EINVAL, "export needs a store and an output directory (--out DIR)");
	if (opts->filter.from && opts->filter.to && opts->filter.from > opts->filter.to)
		return mbx_error_set(MBX_EINVAL, "the --from date is after the --to date");
	if (opts->max_pst_size < 0 || (opts->max_pst_size > 0 && opts->max_pst_size < 1024 * 1024))
		return mbx_error_set(MBX_EINVAL, "--max-pst-size must be at least 1M");
	for (i = 0; i < n; i++)
		if (!aliases[i] || !*aliases[i])
			return mbx_error_set(MBX_EINVAL, "mailbox %zu of the list has no alias", i + 1);

	pthread_once(&gate_once, gate_init);
	ex = mbx_calloc(1, sizeof(*ex));
	pthread_mutex_init(&ex->lock, NULL);
	pthread_cond_init(&ex->more, NULL);
	pthread_cond_init(&ex->room, NULL);
	copy_opts(ex, opts);
	memset(&si, 0, sizeof(si));
	ex->all = n == 0;
	if (!ex->all) {
		ex->aliases = mbx_calloc(n, sizeof(char *));
		for (i = 0; i < n; i++)
			ex->aliases[i] = mbx_strdup(aliases[i]);
		ex->n = n;
	}

	/* Look the mailboxes up first: an unknown alias creates nothing. */
	rc = mbx_store_open(&st, ex->db_path, 0);
	if (rc < 0)
		goto fail;
	rc = ex->all ? mbx_store_mailbox_count(st, &ex->n) : check_first(ex, st);
	if (rc < 0)
		goto fail;
	rc = exp_make_out_dir(opts->out_dir, opts->force_out_dir);
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
	/* Nothing is written into the directory before the lock is ours. */
	rc = mbx_export_lock_dir(ex->out_dir, &ex->dirlock);
	if (rc < 0)
		goto fail;
	ex->log_path = opts->log_path ? mbx_strdup(opts->log_path)
	                              : mbx_asprintf("%s/mbxrescue.log", ex->out_dir);
	ex->opts.out_dir = ex->out_dir;
	ex->opts.log_path = ex->log_path;
	rc = mbx_store_server_get(st, &si);
	if (rc < 0)
		goto fail;
	ex->server = mbx_strdup(si.server ? si.server : "");
	rc = mbx_log_open(&ex->log, ex->log_path, opts->log_level, opts->log_cb, opts->log_ud);
	if (rc < 0)
		goto fail;
	ex->res = mbx_calloc(ex->n ? ex->n : 1, sizeof(*ex->res));
	ex->items = mbx_calloc(ex->n ? ex->n : 1, sizeof(*ex->items));

	t = opts->threads > 0 ? opts->threads : online_cpus();
	if ((size_t)t > ex->n)
		t = ex->n ? (int)ex->n : 1;
	mbx_log_write(ex->log, MBX_LOG_MED, "Exporting %zu mailboxes from '%s' to '%s' with %d threads",
	              ex->n, ex->db_path, ex->out_dir, t);
	exp_filter_log(&ex->opts.filter, ex->log);
	ex->started = now_s();
	ex->threads = mbx_calloc((size_t)t, sizeof(pthread_t));
	ex->rst = st;
	st = NULL;
	/* Every thread counts from the start: the last one out settles the
	 * run, and the lookups may well be done before a worker is up. */
	ex->live = 1 + t;
	if (pthread_create(&ex->resolver, NULL, resolver_main, ex) != 0) {
		st = ex->rst;
		ex->rst = NULL;
		rc = mbx_error_set(MBX_ERROR, "cannot start the export's threads: %s", strerror(errno));
		goto fail;
	}
	ex->resolver_started = 1;
	for (ex->n_threads = 0; ex->n_threads < t; ex->n_threads++) {
		if (pthread_create(&ex->threads[ex->n_threads], NULL, worker, ex) != 0) {
			int k;

			if (ex->n_threads == 0) {
				/* No worker: stop the lookups; wait and free settle the rest. */
				mbx_export_cancel(ex);
				for (k = 0; k < t; k++)
					thread_exit(ex);
				pthread_join(ex->resolver, NULL);
				ex->resolver_started = 0;
				rc = mbx_error_set(MBX_ERROR, "cannot start export threads: %s", strerror(errno));
				goto fail;
			}
			for (k = ex->n_threads; k < t; k++)
				thread_exit(ex);
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
	size_t k;
	double el;

	pthread_mutex_lock(&ex->lock);
	if (overall) {
		memset(overall, 0, sizeof(*overall));
		overall->mailboxes_total = ex->n;
		overall->mailboxes_done = ex->done;
		overall->mailboxes_failed = ex->failed;
		overall->mailboxes_cancelled = ex->cancelled;
		overall->mailboxes_resolved = ex->resolved;
		overall->items_done = ex->items_done;
		overall->items_total = ex->items_total;
		overall->bytes_done = ex->bytes_done;
		overall->bytes_total = ex->bytes_total;
		el = ex->finished ? ex->elapsed_final : now_s() - ex->started;
		overall->elapsed_seconds = el;
		overall->bytes_per_sec = el > 0 ? (double)overall->bytes_done / el : 0;
		overall->mailboxes_per_sec = el > 0 ? (double)ex->copied / el : 0;
		overall->eta_seconds = -1;
		if (overall->bytes_per_sec > 0 && overall->bytes_total >= overall->bytes_done)
			overall->eta_seconds = (double)(overall->bytes_total - overall->bytes_done) /
			                       overall->bytes_per_sec;
		overall->finished = ex->finished;
	}
	k = 0;
	if (per) {
		/* Entries not looked up yet (the lookup writes them without the
		 * lock) show as queued, with the alias they were given. */
		for (k = 0; k < ex->n && k < max_per; k++) {
			mbx_export_mailbox_progress *p = &per[k];
			const item *it = &ex->items[k];
			const mbx_export_result *r = &ex->res[k];
			const char *alias;

			memset(p, 0, sizeof(*p));
			if (k >= ex->resolved && !it->finished) {
				snprintf(p->alias, sizeof(p->alias), "%s", ex->aliases ? ex->aliases[k] : "");
				continue;
			}
			alias = r->alias ? r->alias : ex->aliases ? ex->aliases[k] : "";
			p->mailbox_id = r->mailbox_id;
			snprintf(p->alias, sizeof(p->alias), "%s", alias);
			snprintf(p->display_name, sizeof(p->display_name), "%s",
			         r->display_name ? r->display_name : "");
			p->state = it->state;
			p->items_done = it->items_done;
			p->items_total = it->items_total;
			p->bytes_done = it->bytes_done;
			p->bytes_total = it->bytes_total;
		}
	}
	if (n_per)
		*n_per = k;
	pthread_mutex_unlock(&ex->lock);
	return 0;
}

void mbx_export_cancel(mbx_export *ex)
{
	if (!ex)
		return;
	__atomic_store_n(&ex->cancel, 1, __ATOMIC_RELAXED);
	/* Workers waiting for the lookups, and the lookups waiting for the
	 * workers, look again. */
	pthread_mutex_lock(&ex->lock);
	pthread_cond_broadcast(&ex->more);
	pthread_cond_broadcast(&ex->room);
	pthread_mutex_unlock(&ex->lock);
}

int mbx_export_wait(mbx_export *ex)
{
	size_t ok, failed, cancelled, copied;
	double el;
	int i;

	if (!ex)
		return mbx_error_set(MBX_EINVAL, "no export to wait for");
	if (ex->waited)
		return ex->rc;
	if (ex->resolver_started)
		pthread_join(ex->resolver, NULL);
	for (i = 0; i < ex->n_threads; i++)
		pthread_join(ex->threads[i], NULL);
	pthread_mutex_lock(&ex->lock);
	ok = ex->done - ex->failed - ex->cancelled;
	failed = ex->failed;
	cancelled = ex->cancelled;
	copied = ex->copied;
	el = ex->elapsed_final;
	pthread_mutex_unlock(&ex->lock);
	ex->rc = failed || cancelled ? 1 : 0;
	ex->waited = 1;
	if (cancelled)
		mbx_log_write(ex->log, MBX_LOG_MIN, "Export cancelled: %zu mailboxes were not copied; run the "
		              "same export again with --resume to finish it.", cancelled);
	mbx_log_write(ex->log, MBX_LOG_MIN, "%zu mailboxes successfully processed. %zu errors encountered. "
	              "%zu cancelled. %.1f mailboxes/s", ok, failed, cancelled,
	              el > 0 ? (double)copied / el : 0.0);
	/* Done with the directory: the next export may have it. */
	mbx_export_lock_free(ex->dirlock);
	ex->dirlock = NULL;
	return ex->rc;
}

int mbx_export_results(mbx_export *ex, const mbx_export_result **out, size_t *n)
{
	if (!ex || !ex->waited)
		return mbx_error_set(MBX_EINVAL, "export results are ready only after mbx_export_wait");
	*out = ex->res;
	*n = ex->all ? ex->resolved : ex->n;
	return 0;
}

void mbx_export_free(mbx_export *ex)
{
	size_t i;

	if (!ex)
		return;
	if ((ex->n_threads || ex->resolver_started) && !ex->waited) {
		mbx_export_cancel(ex);
		mbx_export_wait(ex);
	}
	/* Strings and paths are in the arenas; errors are one's own. */
	for (i = 0; ex->items && i < (ex->all ? ex->resolved : ex->n); i++) {
		item *it = &ex->items[i];
		mbx_export_result *r = &ex->res[i];

		if (it->earlier) {
			mbx_free(it->earlier->check);
			mbx_free(it->earlier->stale_tmp);
			mbx_free(it->earlier);
		}
		mbx_free(r->error);
		mbx_free(r->fix);
	}
	arena_free(&ex->strings_r);
	arena_free(&ex->strings_w);
	exp_names_free(&ex->names);
	for (i = 0; ex->aliases && i < ex->n; i++)
		mbx_free(ex->aliases[i]);
	mbx_free(ex->aliases);
	mbx_mailboxes_free(ex->pre, ex->n_pre);
	mbx_store_free(ex->rst);
	mbx_free(ex->items);
	mbx_free(ex->res);
	mbx_free(ex->threads);
	mbx_export_lock_free(ex->dirlock);
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
	pthread_cond_destroy(&ex->more);
	pthread_cond_destroy(&ex->room);
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
