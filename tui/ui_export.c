/*
 * tui/ui_export.c - export from the console (see ui_export.h).  The core
 * exports on its own threads; this UI thread polls the progress snapshot
 * at most five times a second and drains the log ring the workers fill,
 * so curses is only ever touched here.
 */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mbx/check.h"
#include "mbx/export.h"
#include "mbx/text.h"
#include "ui_adjust.h"
#include "ui_dialog.h"
#include "ui_export.h"
#include "ui_panels.h"
#include "ui_text.h"

#define FRAME_MS 200   /* at most ~5 progress frames a second */

char *ui_export_default_dir(const ui *u)
{
	const char *p = u->o->db_path ? u->o->db_path : "";
	const char *slash = strrchr(p, '/');

	if (!slash)
		return mbx_strdup("pst");
	if (slash == p)
		return mbx_strdup("/pst");
	return mbx_asprintf("%.*s/pst", (int)(slash - p), p);
}

void ui_export_summary_free(ui_export_summary *s)
{
	size_t i;

	for (i = 0; i < s->n_lines; i++)
		mbx_free(s->lines[i]);
	for (i = 0; i < s->n_psts; i++)
		mbx_free(s->psts[i]);
	mbx_free(s->lines);
	mbx_free(s->psts);
	mbx_free(s->out_dir);
	memset(s, 0, sizeof *s);
}

/* ---- the dialog ------------------------------------------------------------ */

typedef struct exp_params {
	char *out_dir, *subject;
	int64_t from, to;
	mbx_folder_sel *inc, *exc;
	size_t n_inc, n_exc;
	char **paths;      /* folder path strings (owned) */
	size_t n_paths;
	int threads;
} exp_params;

static void params_free(exp_params *p)
{
	size_t i;

	for (i = 0; i < p->n_paths; i++)
		mbx_free(p->paths[i]);
	mbx_free(p->paths);
	mbx_free(p->inc);
	mbx_free(p->exc);
	mbx_free(p->out_dir);
	mbx_free(p->subject);
	memset(p, 0, sizeof *p);
}

/* "Inbox, -Deleted Items": '-' excludes. */
static void parse_folders(exp_params *p, const char *s)
{
	char *copy = mbx_strdup(s), *tok, *save = NULL;

	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *e;
		int ex = 0;

		while (*tok == ' ')
			tok++;
		if (*tok == '-') {
			ex = 1;
			tok++;
		}
		e = tok + strlen(tok);
		while (e > tok && e[-1] == ' ')
			*--e = '\0';
		if (!*tok)
			continue;
		p->paths = mbx_reallocarray(p->paths, p->n_paths + 1, sizeof *p->paths);
		p->paths[p->n_paths] = mbx_strdup(tok);
		if (ex) {
			p->exc = mbx_reallocarray(p->exc, p->n_exc + 1, sizeof *p->exc);
			p->exc[p->n_exc].path = p->paths[p->n_paths];
			p->exc[p->n_exc++].subtree = 1;
		} else {
			p->inc = mbx_reallocarray(p->inc, p->n_inc + 1, sizeof *p->inc);
			p->inc[p->n_inc].path = p->paths[p->n_paths];
			p->inc[p->n_inc++].subtree = 1;
		}
		p->n_paths++;
	}
	mbx_free(copy);
}

/* 1 accepted, 0 left. */
static int ask_params(ui *u, size_t n, exp_params *p)
{
	ui_field_spec f[6] = {
		{ "Destination", NULL }, { "Received from", NULL }, { "Received to", NULL },
		{ "Folders", NULL }, { "Subject contains", NULL }, { "Threads", NULL }
	};
	char *intro;
	int ok = 0;
	size_t i;

	f[0].value = mbx_strdup(p->out_dir);
	for (i = 1; i < 5; i++)
		f[i].value = mbx_strdup("");
	f[5].value = mbx_strdup("0");
	intro = mbx_asprintf("Export %zu mailbox%s to PST files (ALIAS.PST), each read back and "
	                     "verified. Dates YYYY-MM-DD (empty: no limit). Folders: comma-separated "
	                     "paths, -PATH excludes (empty: all). Threads 0: one per CPU.",
	                     n, n == 1 ? "" : "es");
	for (;;) {
		char *end;
		long th;

		if (!ui_form(u, "Export mailboxes to PST", intro, f, 6))
			break;
		params_free(p);
		p->out_dir = mbx_strdup(f[0].value);
		if (!p->out_dir[0]) {
			ui_message(u, "Export", "Give a destination directory.");
			continue;
		}
		if (f[1].value[0] && mbx_export_parse_date(f[1].value, 0, &p->from) < 0) {
			ui_message(u, "Export: received from", mbx_error_last());
			continue;
		}
		if (f[2].value[0] && mbx_export_parse_date(f[2].value, 1, &p->to) < 0) {
			ui_message(u, "Export: received to", mbx_error_last());
			continue;
		}
		th = strtol(f[5].value, &end, 10);
		if (*end || th < 0 || th > 256) {
			ui_message(u, "Export: threads", "Give a number of threads from 0 (one per CPU) to 256.");
			continue;
		}
		p->threads = (int)th;
		parse_folders(p, f[3].value);
		p->subject = f[4].value[0] ? mbx_strdup(f[4].value) : NULL;
		ok = 1;
		break;
	}
	mbx_free(intro);
	for (i = 0; i < 6; i++)
		mbx_free(f[i].value);
	return ok;
}

/* ---- the progress view --------------------------------------------------------- */

typedef struct progview {
	ui_dlg d;
	mbx_export *ex;
	exp_params *p;
	mbx_export_progress ov;
	mbx_export_mailbox_progress *per;
	size_t n, n_per;
	int cancelling;
} progview;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
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
	progview *v = ud;
	const mbx_export_progress *o = &v->ov;
	int h = getmaxy(u->w_left), W, y, rank, rows;
	char a[24], b[24], c[24], el[24], eta[24];
	size_t i;

	ui_dlg_place_at(u, &v->d, 1, 0, h, u->cols, v->cancelling ? "Export - cancelling" : "Export");
	W = v->d.wd - 4;
	ui_text_putf(u, v->d.w, 1, 2, W, A_BOLD, "Exporting %zu mailbox%s to %s", o->mailboxes_total,
	             o->mailboxes_total == 1 ? "" : "es", v->p->out_dir);
	ui_text_put(u, v->d.w, 2, 2, "Overall", 10, 0, A_NORMAL);
	ui_text_bar(u, v->d.w, 2, 12, W - 10, o->bytes_total ? o->bytes_done : (int64_t)o->mailboxes_done,
	            o->bytes_total ? o->bytes_total : (int64_t)o->mailboxes_total);
	fmt_dur(o->elapsed_seconds, el, sizeof el);
	fmt_dur(o->eta_seconds, eta, sizeof eta);
	ui_text_putf(u, v->d.w, 3, 2, W, A_NORMAL,
	             "Mailboxes %zu/%zu (%zu failed)  Items %lld/%lld  MB %.1f/%.1f",
	             o->mailboxes_done, o->mailboxes_total, o->mailboxes_failed,
	             (long long)o->items_done, (long long)o->items_total,
	             (double)o->bytes_done / 1048576.0, (double)o->bytes_total / 1048576.0);
	mbx_text_size((int64_t)o->bytes_per_sec, a, sizeof a);
	ui_text_putf(u, v->d.w, 4, 2, W, A_NORMAL, "Throughput %s/s  Elapsed %s  ETA %s", a, el, eta);
	ui_hline(u, v->d.w, 5, 1, v->d.wd - 2);
	rows = v->d.h - 8;
	y = 0;
	for (rank = 0; rank < 4 && y < rows; rank++)
		for (i = 0; i < v->n_per && y < rows; i++) {
			const mbx_export_mailbox_progress *m = &v->per[i];
			int nw = W - 48 > 10 ? W - 48 : 10;

			if (state_rank(m->state) != rank)
				continue;
			mbx_text_size(m->bytes_done, b, sizeof b);
			snprintf(c, sizeof c, "%lld/%lld", (long long)m->items_done, (long long)m->items_total);
			ui_text_put(u, v->d.w, 6 + y, 2, m->display_name, nw, 0,
			            m->state == MBX_EXP_FAILED ? ui_attr(u, UI_C_ORPHAN) : A_NORMAL);
			ui_text_put(u, v->d.w, 6 + y, 2 + nw, mbx_export_state_name(m->state), 10, 1,
			            m->state == MBX_EXP_DONE ? ui_attr(u, UI_C_OK) : A_NORMAL);
			ui_text_bar(u, v->d.w, 6 + y, 3 + nw + 10, 16, m->bytes_total ? m->bytes_done :
			            m->items_done, m->bytes_total ? m->bytes_total : m->items_total);
			ui_text_put(u, v->d.w, 6 + y, 4 + nw + 26, c, 11, 1, A_NORMAL);
			ui_text_put(u, v->d.w, 6 + y, 4 + nw + 37, b, W - nw - 37 - 2, 1, A_NORMAL);
			y++;
		}
	for (; y < rows; y++)
		ui_text_put(u, v->d.w, 6 + y, 2, "", W, 0, A_NORMAL);
	ui_text_put(u, v->d.w, v->d.h - 2, 2, v->cancelling ? "Cancelling: waiting for the workers "
	            "to stop (no partial PST is left)" : "Esc: cancel", W, 0, A_BOLD);
}

/* Copy the snapshot; 1 when the export has finished. */
static int poll(progview *v)
{
	mbx_export_progress_get(v->ex, &v->ov, v->per, v->n, &v->n_per);
	return v->ov.finished || v->ov.mailboxes_done >= v->ov.mailboxes_total;
}

static void run_progress(ui *u, progview *v)
{
	double last = 0;
	int done = 0, ch;

	ui_push_layer(u, prog_draw, v);
	while (!done) {
		double t;

		ch = ui_getkey(u, FRAME_MS);
		if (ch == 27 && !v->cancelling) {
			mbx_export_cancel(v->ex);
			v->cancelling = 1;
			mbx_log_write(u->slog, MBX_LOG_MIN, "Export cancelled by the operator");
		}
		t = now_ms();
		if (ch == KEY_RESIZE || ch == 27 || t - last >= FRAME_MS) {
			done = poll(v);
			if (ui_log_drain(u))
				ui_draw_log(u);
			if (!u->small)
				prog_draw(u, v);
			ui_flush(u);
			last = t;
		}
	}
	ui_pop_layer(u);
	ui_dlg_close(&v->d);
}

/* ---- results ------------------------------------------------------------------------- */

static void keep_results(ui *u, mbx_export *ex, const char *out_dir, int cancelled)
{
	ui_export_summary *s = &u->last_export;
	const mbx_export_result *r;
	size_t n, i, k;
	char sz[24];

	ui_export_summary_free(s);
	s->out_dir = mbx_strdup(out_dir);
	s->cancelled = cancelled;
	if (mbx_export_results(ex, &r, &n) < 0)
		return;
	s->total = n;
	s->lines = mbx_calloc(n ? n : 1, sizeof *s->lines);
	for (i = 0; i < n; i++) {
		mbx_text_size(r[i].bytes, sz, sizeof sz);
		if (r[i].state == MBX_EXP_DONE && r[i].verified) {
			s->verified++;
			s->lines[s->n_lines++] = mbx_asprintf("OK  %s: %s  %lld items, %lld folders, %s - "
			                                      "read back with libpst: identical",
			                                      r[i].alias, r[i].n_paths ? r[i].paths[0] : "",
			                                      (long long)r[i].items, (long long)r[i].folders, sz);
		} else if (r[i].state == MBX_EXP_SKIPPED) {
			s->verified++;
			s->lines[s->n_lines++] = mbx_asprintf("OK  %s: verified by an earlier run", r[i].alias);
		} else {
			s->failed++;
			if (r[i].cause == MBX_EXP_CAUSE_NO_DIRECTORY_ENTRY)
				s->no_dir_entry++;
			s->lines[s->n_lines++] = mbx_asprintf("FAILED  %s (%s): %s%s%s", r[i].alias,
			                                      mbx_export_state_name(r[i].state),
			                                      r[i].error ? r[i].error : "failed",
			                                      r[i].fix ? "; fix: " : "", r[i].fix ? r[i].fix : "");
		}
		for (k = 0; k < r[i].n_paths; k++) {
			s->psts = mbx_reallocarray(s->psts, s->n_psts + 1, sizeof *s->psts);
			s->psts[s->n_psts++] = mbx_strdup(r[i].paths[k]);
		}
	}
}

static void show_summary(ui *u)
{
	ui_export_summary *s = &u->last_export;
	ui_lines l = { 0 };
	size_t i;

	ui_lines_add(&l, "%zu of %zu mailbox%s exported and verified%s; %zu failed.", s->verified,
	             s->total, s->total == 1 ? "" : "es", s->cancelled ? " (cancelled)" : "", s->failed);
	ui_lines_add(&l, "Destination: %s (log: mbxrescue.log there)", s->out_dir);
	ui_lines_add(&l, "%s", "");
	for (i = 0; i < s->n_lines; i++)
		ui_lines_add(&l, "%s", s->lines[i]);
	ui_pager(u, "Export summary", &l, "Enter/Esc: close", NULL);
	ui_lines_free(&l);
}

static void offer_adjuster(ui *u)
{
	ui_export_summary *s = &u->last_export;
	char *q;

	if (!s->no_dir_entry)
		return;
	q = mbx_asprintf("%zu mailbox%s could not be exported: Exmerge logs on to a mailbox through "
	                 "its directory entry, and %s restored without one (the MSEMS lines in the log, "
	                 "KB Q265438). The DS/IS consistency adjuster creates the missing directory "
	                 "entries. Run the adjuster now?", s->no_dir_entry,
	                 s->no_dir_entry == 1 ? "" : "es", s->no_dir_entry == 1 ? "it was" : "they were");
	if (ui_confirm(u, "Mailboxes without a directory entry", q, 0))
		ui_adjust(u, MBX_ADJ_CREATE_MAILBOXES, NULL);
	mbx_free(q);
}

int ui_export(ui *u, const char *const *aliases, size_t n, unsigned flags)
{
	exp_params p;
	mbx_export_opts opts;
	progview v;
	int rc;

	memset(&p, 0, sizeof p);
	memset(&v, 0, sizeof v);
	p.out_dir = ui_export_default_dir(u);
	if (!n) {
		ui_message(u, "Export", "No mailbox to export.");
		params_free(&p);
		return 0;
	}
	if ((flags & UI_EXP_ASK) && !ask_params(u, n, &p)) {
		params_free(&p);
		return 0;
	}
	mbx_export_opts_init(&opts);
	opts.db_path = u->o->db_path;
	opts.out_dir = p.out_dir;
	opts.log_level = MBX_LOG_MED;
	opts.log_cb = ui_ring_log_cb;
	opts.log_ud = &u->ring;
	opts.threads = p.threads;
	opts.filter.from = p.from;
	opts.filter.to = p.to;
	opts.filter.include = p.inc;
	opts.filter.n_include = p.n_inc;
	opts.filter.exclude = p.exc;
	opts.filter.n_exclude = p.n_exc;
	opts.filter.subject = p.subject;
	rc = mbx_export_start(&v.ex, &opts, aliases, n);
	if (rc < 0) {
		mbx_log_write(u->slog, MBX_LOG_MIN, "Export could not start: %s", mbx_error_last());
		ui_message(u, "Export could not start", mbx_error_last());
		params_free(&p);
		return rc;
	}
	v.p = &p;
	v.n = n;
	v.per = mbx_calloc(n, sizeof *v.per);
	run_progress(u, &v);
	mbx_export_wait(v.ex);
	ui_log_drain(u);
	keep_results(u, v.ex, p.out_dir, v.cancelling);
	mbx_export_free(v.ex);
	mbx_free(v.per);
	params_free(&p);
	ui_redraw(u);
	if (!(flags & UI_EXP_QUIET)) {
		show_summary(u);
		offer_adjuster(u);
	}
	return u->last_export.failed == 0 && !u->last_export.cancelled ? 1 : 0;
}

void ui_export_key(ui *u)
{
	size_t n;
	const char **a = ui_export_aliases(u, 0, &n);

	ui_export(u, a, n, UI_EXP_ASK);
	mbx_free(a);
}

void ui_recover(ui *u)
{
	const char **a;
	size_t n;
	int nothing = 0, rc;

	rc = ui_adjust(u, MBX_ADJ_CREATE_MAILBOXES, &nothing);
	if (rc < 0 || (rc == 0 && !nothing))
		return;
	/* After the adjuster the panels were reloaded; marks survive by id. */
	a = ui_export_aliases(u, 1, &n);
	ui_export(u, a, n, 0);
	mbx_free(a);
}
