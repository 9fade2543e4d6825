/*
 * tui/ui_job.c - the export running in the background (see ui_job.h).
 * Only the UI thread touches curses and `ui`: the job's preparing thread
 * (the adjuster's transaction, renaming PSTs kept) and the core's export
 * threads report through atomics, the core's snapshot and the log ring.
 */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mbx/common.h"
#include "mbx/text.h"
#include "ui_adjust.h"
#include "ui_dialog.h"
#include "ui_job.h"
#include "ui_panels.h"
#include "ui_text.h"
#include "ui_work.h"

/* Mailboxes the progress window lists one by one (the snapshot of each
 * is copied at every frame); a larger run shows its newest log lines. */
#define PER_MAX 200

enum { STAGE_PREP = 0, STAGE_EXPORT, STAGE_ENDED };

struct ui_job {
	ui_job_spec s;
	int stage;
	/* The preparing thread (the adjuster, the files kept). */
	pthread_t prep;
	int has_prep;
	atomic_int prep_done;
	int prep_rc;
	char prep_err[512];
	mbx_store *prep_st;
	/* The export.  A thread of the job's copies the core's snapshot every
	 * POLL_MS (the core's lock can be held by its workers for a while on
	 * a busy machine: the keys never wait for it); the UI thread takes
	 * the copy under snap_mu, held for a memcpy. */
	mbx_export *ex;
	mbx_export_progress ov;
	mbx_export_mailbox_progress *per;
	size_t n_per;
	pthread_t poller;
	int has_poller;
	pthread_mutex_t snap_mu;
	mbx_export_progress snap_ov;
	mbx_export_mailbox_progress *snap_per;
	size_t snap_n;
	atomic_int stop_poll, poll_done;
	int cancelling, cancel_asked;
	int ended_ok;            /* the results are in u->last_export */
	char fail[512];          /* why it could not start, or "" */
	int window;              /* the progress window is up */
	int seen;                /* the operator saw the end (window or summary) */
	char status[256];
	ui_dlg d;
};

void ui_job_spec_free(ui_job_spec *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		mbx_free(s->aliases[i]);
	mbx_free(s->aliases);
	for (i = 0; i < s->n_keep; i++)
		mbx_free(s->keep[i]);
	mbx_free(s->keep);
	mbx_adjust_plan_free(s->plan);
	ui_exp_params_free(&s->p);
	memset(s, 0, sizeof *s);
}

int ui_job_running(const ui *u)
{
	return u->job && u->job->stage != STAGE_ENDED;
}

/* ---- the run record ---------------------------------------------------------- */

/* $XDG_DATA_HOME/mbxrescue/console-runs/HASH.run, HASH of the store's path. */
static char *record_path(const ui *u, int mkdirs)
{
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	char *base, *dir, *abs = realpath(u->o->db_path, NULL), *path;
	const char *p;
	uint64_t h = 1469598103934665603ULL;

	if (xdg && *xdg) {
		if (mkdirs)
			mkdir(xdg, 0700);
		base = mbx_asprintf("%s/mbxrescue", xdg);
	}
	else if (home && *home) {
		if (mkdirs) {
			char *l = mbx_asprintf("%s/.local", home), *sh = mbx_asprintf("%s/.local/share", home);

			mkdir(l, 0700);
			mkdir(sh, 0700);
			mbx_free(l);
			mbx_free(sh);
		}
		base = mbx_asprintf("%s/.local/share/mbxrescue", home);
	}
	else
		return NULL;
	for (p = abs ? abs : u->o->db_path; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	free(abs);
	dir = mbx_asprintf("%s/console-runs", base);
	if (mkdirs) {
		mkdir(base, 0700);
		mkdir(dir, 0700);
	}
	path = mbx_asprintf("%s/%016llx.run", dir, (unsigned long long)h);
	mbx_free(base);
	mbx_free(dir);
	return path;
}

static void record_write(const ui *u, const ui_job_spec *s)
{
	char *path = record_path(u, 1), *abs, *tmp;
	FILE *f;
	size_t i;
	int fd;

	if (!path)
		return;
	tmp = mbx_asprintf("%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		if (fd >= 0)
			close(fd);
		mbx_free(tmp);
		mbx_free(path);
		return;
	}
	abs = realpath(u->o->db_path, NULL);
	fprintf(f, "mbxrescue console export\nstore=%s\nout=%s\nall=%d\nexist=%s\nstarted=%lld\n"
	        "mailboxes=%zu\n--\n", abs ? abs : u->o->db_path, s->p.out_dir, s->all,
	        ui_exist_name(s->p.exist), (long long)time(NULL), s->all ? 0 : s->n);
	free(abs);
	for (i = 0; !s->all && i < s->n; i++)
		fprintf(f, "%s\n", s->aliases[i]);
	if (fclose(f) == 0)
		rename(tmp, path);
	else
		unlink(tmp);
	mbx_free(tmp);
	mbx_free(path);
}

void ui_run_record_drop(const ui *u)
{
	char *path = record_path(u, 0);

	if (path)
		unlink(path);
	mbx_free(path);
}

void ui_run_record_free(ui_run_record *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		mbx_free(r->aliases[i]);
	mbx_free(r->aliases);
	mbx_free(r->out_dir);
	mbx_free(r->path);
	memset(r, 0, sizeof *r);
}

int ui_run_record_find(const ui *u, ui_run_record *r)
{
	char *path = record_path(u, 0), *line = NULL;
	size_t cap = 0, want = 0;
	int body = 0, ok = 0;
	ssize_t len;
	FILE *f;

	memset(r, 0, sizeof *r);
	if (!path || !(f = fopen(path, "r"))) {
		mbx_free(path);
		return 0;
	}
	r->path = path;
	while ((len = getline(&line, &cap, f)) > 0) {
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (body) {
			if (r->n < want && *line) {
				r->aliases[r->n++] = mbx_strdup(line);
			}
			continue;
		}
		if (!strcmp(line, "--"))
			body = 1;
		else if (!strncmp(line, "out=", 4))
			r->out_dir = mbx_strdup(line + 4);
		else if (!strncmp(line, "all=", 4))
			r->all = atoi(line + 4);
		else if (!strncmp(line, "started=", 8))
			r->started = atoll(line + 8);
		else if (!strncmp(line, "exist=", 6))
			r->exist = (ui_exist_policy)(ui_exist_parse(line + 6) < 0 ? 0 : ui_exist_parse(line + 6));
		else if (!strncmp(line, "mailboxes=", 10)) {
			want = (size_t)strtoull(line + 10, NULL, 10);
			if (want > 100000000)
				want = 0;
			r->aliases = mbx_calloc(want ? want : 1, sizeof *r->aliases);
		}
	}
	free(line);
	fclose(f);
	ok = body && r->out_dir && (r->all || (r->n && r->n == want));
	if (!ok)
		ui_run_record_free(r);
	return ok;
}

int ui_resume_offer(ui *u, int forget)
{
	ui_run_record r;
	ui_job_spec s;
	char when[32], *q;
	time_t t;
	struct tm tm;
	int yes;

	if (ui_job_running(u) || !ui_run_record_find(u, &r))
		return 0;
	t = (time_t)r.started;
	if (!localtime_r(&t, &tm) || !strftime(when, sizeof when, "%Y-%m-%d %H:%M", &tm))
		snprintf(when, sizeof when, "earlier");
	if (r.all)
		q = mbx_asprintf("The export of every mailbox to %s, started %s, did not finish (it "
		                 "was cancelled, or the console was closed). Resume it? Mailboxes whose "
		                 "verified PSTs are still there are skipped.%s", r.out_dir, when,
		                 forget ? " No: a new export, and this one is forgotten." : "");
	else
		q = mbx_asprintf("The export of %zu mailbox%s to %s, started %s, did not finish (it "
		                 "was cancelled, or the console was closed). Resume it? Mailboxes whose "
		                 "verified PSTs are still there are skipped.%s", r.n,
		                 r.n == 1 ? "" : "es", r.out_dir, when,
		                 forget ? " No: a new export, and this one is forgotten." : "");
	yes = ui_confirm(u, "Resume the export?", q, 1);
	mbx_free(q);
	if (!yes) {
		if (forget)
			ui_run_record_drop(u);
		else
			ui_status(u, "Not resumed: F5 offers it again");
		ui_run_record_free(&r);
		return 0;
	}
	memset(&s, 0, sizeof s);
	s.p.out_dir = r.out_dir;
	r.out_dir = NULL;
	s.p.exist = r.exist;
	s.all = r.all;
	s.aliases = r.aliases;
	s.n = r.n;
	r.aliases = NULL;
	r.n = 0;
	s.resume = 1;
	s.title = "Export (resumed)";
	ui_run_record_free(&r);
	return ui_job_start(u, &s) == 0;
}

/* ---- preparing: the adjuster's transaction, the PSTs kept ---------------------- */

/* DIR/BASE.PST -> DIR/BASE-old.PST (-old2, -old3, ...), never over a file. */
static int keep_file(const char *path, mbx_log *slog)
{
	size_t len = strlen(path);
	char *to = NULL;
	int k;

	if (len < 4)
		return 0;
	for (k = 1; k < 1000; k++) {
		mbx_free(to);
		to = k == 1 ? mbx_asprintf("%.*s-old.PST", (int)(len - 4), path) :
		              mbx_asprintf("%.*s-old%d.PST", (int)(len - 4), path, k);
		if (link(path, to) == 0)
			break;
		if (errno != EEXIST) {
			/* No hard links there (a share): rename if the name is free. */
			struct stat sb;

			if (lstat(to, &sb) != 0 && errno == ENOENT && rename(path, to) == 0) {
				mbx_log_write(slog, MBX_LOG_MIN, "Kept the earlier %s as %s", path, to);
				mbx_free(to);
				return 0;
			}
			if (errno == ENOENT)
				continue;
			mbx_log_write(slog, MBX_LOG_MIN, "Could not keep %s: %s", path, strerror(errno));
			mbx_free(to);
			return mbx_error_set(MBX_EIO, "cannot keep %s as %s: %s", path, to, strerror(errno));
		}
	}
	if (k < 1000 && unlink(path) == 0)
		mbx_log_write(slog, MBX_LOG_MIN, "Kept the earlier %s as %s", path, to);
	mbx_free(to);
	return 0;
}

typedef struct prep_arg {
	struct ui_job *j;
	mbx_log *slog;
} prep_arg;

static void *prep_main(void *p)
{
	prep_arg *a = p;
	struct ui_job *j = a->j;
	int rc = 0;
	size_t i;

	if (j->s.plan)
		rc = ui_adjust_apply_on(j->prep_st, j->s.plan, &j->s.aopts, a->slog);
	for (i = 0; rc == 0 && i < j->s.n_keep; i++)
		rc = keep_file(j->s.keep[i], a->slog);
	j->prep_rc = rc;
	if (rc < 0)
		snprintf(j->prep_err, sizeof j->prep_err, "%s", mbx_error_last());
	mbx_free(a);
	atomic_store(&j->prep_done, 1);
	return NULL;
}

/* ---- the export ------------------------------------------------------------------ */

#define POLL_MS 100

static void *poll_main(void *arg)
{
	struct ui_job *j = arg;
	mbx_export_progress ov;
	mbx_export_mailbox_progress *per = j->per ? mbx_calloc(PER_MAX, sizeof *per) : NULL;
	size_t n = 0;

	for (;;) {
		struct timespec ts = { 0, POLL_MS * 1000000L };

		mbx_export_progress_get(j->ex, &ov, per, per ? PER_MAX : 0, &n);
		pthread_mutex_lock(&j->snap_mu);
		j->snap_ov = ov;
		if (per)
			memcpy(j->snap_per, per, n * sizeof *per);
		j->snap_n = n;
		pthread_mutex_unlock(&j->snap_mu);
		if (ov.finished || atomic_load(&j->stop_poll))
			break;
		nanosleep(&ts, NULL);
	}
	mbx_free(per);
	atomic_store(&j->poll_done, 1);
	return NULL;
}

/* Stop the poller (the export has ended, or is being taken down). */
static void poll_stop(struct ui_job *j)
{
	if (!j->has_poller)
		return;
	atomic_store(&j->stop_poll, 1);
	pthread_join(j->poller, NULL);
	j->has_poller = 0;
	pthread_mutex_destroy(&j->snap_mu);
	mbx_free(j->snap_per);
	j->snap_per = NULL;
}

static int export_start(ui *u, struct ui_job *j)
{
	mbx_export_opts opts;
	const ui_exp_params *p = &j->s.p;
	int rc;

	mbx_export_opts_init(&opts);
	opts.db_path = u->o->db_path;
	opts.out_dir = p->out_dir;
	opts.log_level = MBX_LOG_MED;
	opts.log_cb = ui_ring_log_cb;
	opts.log_ud = &u->ring;
	opts.threads = p->threads;
	opts.resume = j->s.resume;
	opts.filter.from = p->from;
	opts.filter.to = p->to;
	opts.filter.include = p->inc;
	opts.filter.n_include = p->n_inc;
	opts.filter.exclude = p->exc;
	opts.filter.n_exclude = p->n_exc;
	opts.filter.subject = p->subject;
	rc = mbx_export_start(&j->ex, &opts, (const char *const *)j->s.aliases,
	                      j->s.all ? 0 : j->s.n);
	if (rc < 0) {
		snprintf(j->fail, sizeof j->fail, "%s", mbx_error_last());
		mbx_log_write(u->slog, MBX_LOG_MIN, "Export could not start: %s", j->fail);
		j->ex = NULL;
		j->stage = STAGE_ENDED;
		return rc;
	}
	record_write(u, &j->s);
	if ((j->s.all ? u->n_mb : j->s.n) <= PER_MAX) {
		j->per = mbx_calloc(PER_MAX, sizeof *j->per);
		j->snap_per = mbx_calloc(PER_MAX, sizeof *j->snap_per);
	}
	pthread_mutex_init(&j->snap_mu, NULL);
	if (pthread_create(&j->poller, NULL, poll_main, j) == 0)
		j->has_poller = 1;
	else
		pthread_mutex_destroy(&j->snap_mu);
	j->stage = STAGE_EXPORT;
	return 0;
}

static void fmt_dur(double s, char *buf, size_t len)
{
	long t = s < 0 ? 0 : (long)(s + 0.5);

	if (s < 0)
		snprintf(buf, len, "--:--");
	else if (t >= 3600)
		snprintf(buf, len, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
	else
		snprintf(buf, len, "%ld:%02ld", t / 60, t % 60);
}

/* Everything the job does between keys: the preparing thread's end, the
 * export's snapshot, the end of the export (results kept). */
static void job_poll(ui *u)
{
	struct ui_job *j = u->job;

	if (!j || j->stage == STAGE_ENDED)
		return;
	if (j->stage == STAGE_PREP) {
		if (!atomic_load(&j->prep_done))
			return;
		pthread_join(j->prep, NULL);
		j->has_prep = 0;
		mbx_store_free(j->prep_st);
		j->prep_st = NULL;
		if (j->s.plan) {
			u->walk_adjusted = 1;
			ui_reload_start(u);   /* the orphans are gone: read the lists again */
		}
		if (j->prep_rc < 0) {
			snprintf(j->fail, sizeof j->fail, "%s", j->prep_err);
			j->stage = STAGE_ENDED;
			return;
		}
		if (j->cancelling) {
			snprintf(j->fail, sizeof j->fail, "the export was cancelled before it started");
			j->stage = STAGE_ENDED;
			return;
		}
		if (export_start(u, j) < 0)
			return;
	}
	if (j->has_poller) {
		pthread_mutex_lock(&j->snap_mu);
		j->ov = j->snap_ov;
		if (j->per)
			memcpy(j->per, j->snap_per, j->snap_n * sizeof *j->per);
		j->n_per = j->snap_n;
		pthread_mutex_unlock(&j->snap_mu);
		if (!atomic_load(&j->poll_done))
			return;
		poll_stop(j);
	} else {
		/* No thread to spare: the snapshot here. */
		mbx_export_progress_get(j->ex, &j->ov, j->per, j->per ? PER_MAX : 0, &j->n_per);
	}
	if (j->ov.finished) {
		mbx_export_wait(j->ex);
		ui_export_keep_results(u, j->ex, j->s.p.out_dir, j->cancelling, j->ov.mailboxes_total);
		mbx_export_free(j->ex);
		j->ex = NULL;
		j->ended_ok = 1;
		j->stage = STAGE_ENDED;
		/* A run that copied every mailbox needs no resume; one cancelled
		 * (or whose lookups failed) keeps its record. */
		if (!j->cancelling && !u->last_export.n_cancelled)
			ui_run_record_drop(u);
	}
}

int ui_job_status(const ui *u, char *buf, size_t len)
{
	const struct ui_job *j = u->job;
	const mbx_export_progress *o;
	char eta[24];

	if (!j)
		return 0;
	o = &j->ov;
	if (j->stage == STAGE_PREP)
		snprintf(buf, len, "%s: %s... p: progress", j->s.title, j->s.plan ?
		         "applying the adjuster" : "keeping the PSTs there");
	else if (j->stage == STAGE_EXPORT) {
		fmt_dur(o->eta_seconds, eta, sizeof eta);
		snprintf(buf, len, "%s%s %zu/%zu, %zu failed, ETA %s - p: progress",
		         j->cancelling ? "Cancelling: " : "", j->s.title, o->mailboxes_done,
		         o->mailboxes_total, o->mailboxes_failed, eta);
	} else if (j->fail[0])
		snprintf(buf, len, "%s did not run: %s", j->s.title, j->fail);
	else
		snprintf(buf, len, "%s %s: %zu of %zu verified, %zu failed - p: summary", j->s.title,
		         u->last_export.cancelled ? "cancelled" : "finished", u->last_export.verified,
		         u->last_export.total, u->last_export.failed);
	return 1;
}

/* u->tick: every UI_TICK_MS whatever waits for a key. */
static void job_tick(ui *u)
{
	struct ui_job *j = u->job;
	char st[256];

	job_poll(u);
	if (ui_log_drain(u) && !u->small)
		ui_draw_log(u);
	if (!j)
		return;
	if (ui_job_status(u, st, sizeof st) && strcmp(st, j->status) != 0) {
		snprintf(j->status, sizeof j->status, "%s", st);
		if (!u->small)
			ui_draw_log(u);
	}
	if (j->stage == STAGE_ENDED)
		u->tick = NULL;
}

int ui_job_start(ui *u, ui_job_spec *spec)
{
	struct ui_job *j;
	prep_arg *a;
	int rc;

	if (ui_job_running(u)) {
		ui_job_spec_free(spec);
		ui_message(u, "Export", "An export is running: p shows it. One export at a time.");
		return MBX_EBUSY;
	}
	if (u->job) {
		mbx_free(u->job->per);
		ui_job_spec_free(&u->job->s);
		mbx_free(u->job);
		u->job = NULL;
	}
	j = mbx_calloc(1, sizeof *j);
	j->s = *spec;
	memset(spec, 0, sizeof *spec);
	if (!j->s.title)
		j->s.title = "Export";
	u->job = j;
	if (j->s.plan || j->s.n_keep) {
		j->stage = STAGE_PREP;
		if ((rc = mbx_store_open(&j->prep_st, u->o->db_path, 0)) < 0) {
			snprintf(j->fail, sizeof j->fail, "%s", mbx_error_last());
			j->stage = STAGE_ENDED;
		} else {
			a = mbx_calloc(1, sizeof *a);
			a->j = j;
			a->slog = u->slog;
			if (pthread_create(&j->prep, NULL, prep_main, a) != 0) {
				mbx_free(a);
				mbx_store_free(j->prep_st);
				j->prep_st = NULL;
				snprintf(j->fail, sizeof j->fail, "cannot start a thread: free some memory");
				j->stage = STAGE_ENDED;
			} else {
				j->has_prep = 1;
			}
		}
	} else {
		export_start(u, j);
	}
	if (j->stage == STAGE_ENDED && j->fail[0]) {
		ui_message(u, "Export could not start", j->fail);
		return MBX_ERROR;
	}
	u->tick = job_tick;
	mbx_log_write(u->slog, MBX_LOG_MIN, "%s of %s to %s started%s", j->s.title,
	              j->s.all ? "every mailbox" : "the chosen mailboxes", j->s.p.out_dir,
	              j->s.resume ? " (resuming)" : "");
	ui_job_window(u);
	return 0;
}

/* ---- the progress window -------------------------------------------------------- */

static int state_rank(mbx_export_state s)
{
	switch (s) {
	case MBX_EXP_RUNNING: case MBX_EXP_VERIFYING: return 0;
	case MBX_EXP_FAILED: return 1;
	case MBX_EXP_QUEUED: return 2;
	default: return 3;
	}
}

static void prog_draw(ui *u, void *ud)
{
	struct ui_job *j = ud;
	const mbx_export_progress *o = &j->ov;
	int h = getmaxy(u->w_left) + u->log_rows + 2, W, y, rank, rows;
	char a[24], b[24], c[24], el[24], eta[24], title[64];
	size_t i;

	snprintf(title, sizeof title, "%s%s", j->s.title, j->cancelling ? " - cancelling" :
	         j->stage == STAGE_ENDED ? " - ended" : "");
	ui_dlg_place_at(u, &j->d, 1, 0, h, u->cols, title);
	W = j->d.wd - 4;
	if (j->stage == STAGE_PREP) {
		ui_text_putf(u, j->d.w, 1, 2, W, A_BOLD, "%s", j->s.plan ?
		             "Step 1 of 2: applying the adjuster (one transaction)" :
		             "Renaming the PSTs already there (keeping both)");
		ui_text_putf(u, j->d.w, 2, 2, W, A_NORMAL, "Then: exporting %s%zu mailbox%s to %s",
		             j->s.all ? "every one of the " : "", j->s.all ? u->total_mb : j->s.n,
		             (j->s.all ? u->total_mb : j->s.n) == 1 ? "" : "es", j->s.p.out_dir);
	} else {
		ui_text_putf(u, j->d.w, 1, 2, W, A_BOLD, "%sExporting %zu mailbox%s to %s",
		             j->s.plan ? "Step 2 of 2: " : "", o->mailboxes_total,
		             o->mailboxes_total == 1 ? "" : "es", j->s.p.out_dir);
		ui_text_put(u, j->d.w, 2, 2, "Overall", 10, 0, A_NORMAL);
		ui_text_bar(u, j->d.w, 2, 12, W - 10,
		            o->bytes_total ? o->bytes_done : (int64_t)o->mailboxes_done,
		            o->bytes_total ? o->bytes_total : (int64_t)o->mailboxes_total);
	}
	fmt_dur(o->elapsed_seconds, el, sizeof el);
	fmt_dur(o->eta_seconds, eta, sizeof eta);
	if (j->stage == STAGE_PREP) {
		ui_text_put(u, j->d.w, 3, 2, "", W, 0, A_NORMAL);
		ui_text_put(u, j->d.w, 4, 2, "", W, 0, A_NORMAL);
	} else {
	ui_text_putf(u, j->d.w, 3, 2, W, A_NORMAL,
	             "Mailboxes %zu/%zu (%zu failed)  Items %lld/%lld  MB %.1f/%.1f",
	             o->mailboxes_done, o->mailboxes_total, o->mailboxes_failed,
	             (long long)o->items_done, (long long)o->items_total,
	             (double)o->bytes_done / 1048576.0, (double)o->bytes_total / 1048576.0);
	mbx_text_size((int64_t)o->bytes_per_sec, a, sizeof a);
	ui_text_putf(u, j->d.w, 4, 2, W, A_NORMAL, "Throughput %s/s, %.1f mailboxes/s  Elapsed %s  "
	             "ETA %s", a, o->mailboxes_per_sec, el, eta);
	}
	ui_hline(u, j->d.w, 5, 1, j->d.wd - 2);
	rows = j->d.h - 8;
	y = 0;
	if (j->per) {
		for (rank = 0; rank < 4 && y < rows; rank++)
			for (i = 0; i < j->n_per && y < rows; i++) {
				const mbx_export_mailbox_progress *m = &j->per[i];
				int nw = W - 48 > 10 ? W - 48 : 10;

				if (state_rank(m->state) != rank)
					continue;
				mbx_text_size(m->bytes_done, b, sizeof b);
				snprintf(c, sizeof c, "%lld/%lld", (long long)m->items_done,
				         (long long)m->items_total);
				ui_text_put(u, j->d.w, 6 + y, 2, m->display_name[0] ? m->display_name :
				            m->alias, nw, 0,
				            m->state == MBX_EXP_FAILED ? ui_attr(u, UI_C_ORPHAN) : A_NORMAL);
				ui_text_put(u, j->d.w, 6 + y, 2 + nw, mbx_export_state_name(m->state), 10, 1,
				            m->state == MBX_EXP_DONE ? ui_attr(u, UI_C_OK) : A_NORMAL);
				ui_text_bar(u, j->d.w, 6 + y, 3 + nw + 10, 16, m->bytes_total ? m->bytes_done :
				            m->items_done, m->bytes_total ? m->bytes_total : m->items_total);
				ui_text_put(u, j->d.w, 6 + y, 4 + nw + 26, c, 11, 1, A_NORMAL);
				ui_text_put(u, j->d.w, 6 + y, 4 + nw + 37, b, W - nw - 37 - 2, 1, A_NORMAL);
				y++;
			}
	} else {
		/* A large run: its newest log lines (the core names each mailbox). */
		size_t first = u->n_log > (size_t)rows ? u->n_log - (size_t)rows : 0;

		for (i = first; i < u->n_log && y < rows; i++, y++)
			ui_text_put(u, j->d.w, 6 + y, 2, u->log[i], W, 0, A_NORMAL);
	}
	for (; y < rows; y++)
		ui_text_put(u, j->d.w, 6 + y, 2, "", W, 0, A_NORMAL);
	{
		const char *const busy[] = {
			"Esc: cancel (asks first)  Enter: keep it running in the background (p brings "
			"this back)",
			"Esc: cancel (asks)  Enter: run in the background (p: back here)",
			"Esc cancel  Enter background"
		};
		const char *const wait[] = { "Esc: cancel (asks first)" };
		const char *const stop[] = {
			"Cancelling: waiting for the workers to stop (no partial PST is left)"
		};

		if (j->cancelling)
			ui_text_fit(u, j->d.w, j->d.h - 2, 2, W, A_BOLD, stop, 1);
		else if (j->s.flags & UI_EXP_WAIT)
			ui_text_fit(u, j->d.w, j->d.h - 2, 2, W, A_BOLD, wait, 1);
		else
			ui_text_fit(u, j->d.w, j->d.h - 2, 2, W, A_BOLD, busy, 3);
	}
}

static void job_cancel(ui *u, struct ui_job *j)
{
	if (j->cancelling || j->stage == STAGE_ENDED)
		return;
	j->cancelling = 1;
	if (j->ex)
		mbx_export_cancel(j->ex);
	mbx_log_write(u->slog, MBX_LOG_MIN, "Export cancelled by the operator");
}

/* After the end: the summary (once), unless the job is quiet. */
static void job_seen(ui *u)
{
	struct ui_job *j = u->job;

	if (!j || j->stage != STAGE_ENDED || j->seen)
		return;
	j->seen = 1;
	if (j->fail[0]) {
		ui_message(u, "Export did not run", j->fail);
		return;
	}
	if (!(j->s.flags & UI_EXP_QUIET))
		ui_export_show_summary(u);
	if (j->s.plan && !u->quit) {
		/* KB Q197970's follow-up to the adjuster, on the lists it changed. */
		ui_reload_now(u);
		ui_fixup(u);
	}
}

int ui_job_window(ui *u)
{
	struct ui_job *j = u->job;
	int ch, ended = 0;

	if (!j)
		return 0;
	j->window = 1;
	ui_push_layer(u, prog_draw, j);
	for (;;) {
		job_poll(u);
		if (j->stage == STAGE_ENDED) {
			ended = 1;
			break;
		}
		if (!u->small)
			prog_draw(u, j);
		/* Cancelling: look often, the summary follows the workers' stop. */
		ch = ui_getkey(u, j->cancelling ? 40 : UI_TICK_MS);
		if (u->quit)
			break;   /* quitting: the main loop cancels it */
		if (ch == 27 && !j->cancelling) {
			char *q = mbx_asprintf("Cancel the export? %zu of %zu mailboxes are done; the "
			                       "rest can be resumed later (F5 offers it).",
			                       j->ov.mailboxes_done, j->ov.mailboxes_total);

			if (ui_confirm(u, "Cancel the export?", q, 0))
				job_cancel(u, j);
			mbx_free(q);
		} else if ((ch == '\n' || ch == '\r' || ch == KEY_ENTER || ch == 'b' || ch == 'p') &&
		           !(j->s.flags & UI_EXP_WAIT)) {
			break;
		}
	}
	ui_pop_layer(u);
	ui_dlg_close(&j->d);
	j->window = 0;
	ui_redraw(u);
	if (ended)
		job_seen(u);
	return ended;
}

void ui_job_key(ui *u)
{
	if (!u->job) {
		ui_export_show_summary(u);
		return;
	}
	if (u->job->stage != STAGE_ENDED) {
		ui_job_window(u);
		return;
	}
	u->job->seen = 0;
	job_seen(u);
}

void ui_job_main(ui *u)
{
	struct ui_job *j = u->job;
	char st[256];

	if (!j)
		return;
	job_poll(u);
	if (j->stage == STAGE_ENDED && !j->seen && (j->s.flags & UI_EXP_WAIT))
		j->seen = 1;   /* the walkthrough shows it its own way */
	if (j->stage == STAGE_ENDED && !j->seen && ui_job_status(u, st, sizeof st)) {
		/* Ended while the operator browsed: say so, the summary on p. */
		ui_status(u, "%s", st);
		j->seen = 1;
	}
}

void ui_job_quit(ui *u)
{
	struct ui_job *j = u->job;

	if (!j)
		return;
	if (j->has_prep) {
		pthread_join(j->prep, NULL);   /* one transaction: it ends by itself */
		j->has_prep = 0;
		mbx_store_free(j->prep_st);
		j->prep_st = NULL;
	}
	if (j->ex) {
		mbx_export_cancel(j->ex);
		poll_stop(j);
		mbx_export_wait(j->ex);
		mbx_export_free(j->ex);
		j->ex = NULL;
		/* The record stays: the next start offers to resume. */
	}
	u->tick = NULL;
	mbx_free(j->per);
	ui_dlg_close(&j->d);
	ui_job_spec_free(&j->s);
	mbx_free(j);
	u->job = NULL;
}
