/*
 * tui/ui_export.c - export from the console (see ui_export.h): the F5
 * form, the PSTs already in the destination, the summary.  The run itself
 * is a background job (ui_job.c).
 */
#include "config.h"
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mbx/check.h"
#include "mbx/export.h"
#include "mbx/text.h"
#include "ui_adjust.h"
#include "ui_dialog.h"
#include "ui_export.h"
#include "ui_job.h"
#include "ui_panels.h"
#include "ui_text.h"
#include "ui_work.h"

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

/* ---- PSTs already in the destination ---------------------------------------- */

static const char *const exist_names[UI_EXIST_COUNT] = {
	[UI_EXIST_ASK] = "ask", [UI_EXIST_SKIP] = "skip", [UI_EXIST_OVERWRITE] = "overwrite",
	[UI_EXIST_KEEP] = "keep",
};

const char *ui_exist_name(ui_exist_policy p)
{
	return (int)p >= 0 && p < UI_EXIST_COUNT ? exist_names[p] : "ask";
}

int ui_exist_parse(const char *s)
{
	int i;

	while (s && *s == ' ')
		s++;
	if (!s || !*s)
		return UI_EXIST_ASK;
	for (i = 0; i < UI_EXIST_COUNT; i++)
		if (strncasecmp(s, exist_names[i], strlen(s)) == 0)
			return i;
	return -1;
}

void ui_exist_scan_free(ui_exist_scan *s)
{
	mbx_free(s->names);
	mbx_free(s->hit);
	memset(s, 0, sizeof *s);
}

static int cmp_str(const void *a, const void *b)
{
	return strcasecmp(*(char *const *)a, *(char *const *)b);
}

int ui_exist_scan_run(const char *dir, const char *const *aliases, size_t n, ui_exist_scan *out)
{
	char **files = NULL;
	size_t nf = 0, cap = 0, i, shown = 0;
	struct dirent *e;
	DIR *d;
	char buf[256];

	memset(out, 0, sizeof *out);
	if (!(d = opendir(dir)))
		return 0;   /* no directory yet: nothing is there */
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);

		if (len < 5 || strcasecmp(e->d_name + len - 4, ".PST") != 0)
			continue;
		if (nf == cap) {
			cap = cap ? cap * 2 : 256;
			files = mbx_reallocarray(files, cap, sizeof *files);
		}
		files[nf++] = mbx_strdup(e->d_name);
	}
	closedir(d);
	if (nf) {
		qsort(files, nf, sizeof *files, cmp_str);
		buf[0] = '\0';
		for (i = 0; i < n; i++) {
			char *name = mbx_export_file_name(aliases[i], 1);

			if (bsearch(&name, files, nf, sizeof *files, cmp_str)) {
				if (!out->hit)
					out->hit = mbx_calloc(n, 1);
				out->hit[i] = 1;
				if (out->count++ < 4) {
					snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s",
					         shown++ ? ", " : "", name);
				}
			}
			mbx_free(name);
		}
		if (out->count)
			out->names = out->count > 4 ? mbx_asprintf("%s, ...", buf) : mbx_strdup(buf);
	}
	for (i = 0; i < nf; i++)
		mbx_free(files[i]);
	mbx_free(files);
	return 0;
}

int ui_exist_ask(ui *u, const ui_exist_scan *s, size_t total, const char *dir)
{
	static const char *const labels[] = { "Skip", "Overwrite", "Keep both", "Cancel" };
	char *q;
	int c;

	q = mbx_asprintf("%zu of the %zu mailboxes already have a PST in %s (%s). Skip: leave "
	                 "those mailboxes out. Overwrite: export them again over the files. Keep "
	                 "both: the file there is renamed BASE-old.PST first, and the new one gets "
	                 "the usual name.", s->count, total, dir, s->names ? s->names : "");
	c = ui_choose(u, "PSTs already there", q, labels, 4, 3);
	mbx_free(q);
	switch (c) {
	case 0: return UI_EXIST_SKIP;
	case 1: return UI_EXIST_OVERWRITE;
	case 2: return UI_EXIST_KEEP;
	default: return -1;
	}
}

/* ---- the dialog ------------------------------------------------------------ */

void ui_exp_params_free(ui_exp_params *p)
{
	size_t i;

	for (i = 0; i < p->n_paths; i++)
		mbx_free(p->paths[i]);
	mbx_free(p->paths);
	mbx_free(p->inc);
	mbx_free(p->exc);
	mbx_free(p->out_dir);
	mbx_free(p->subject);
	mbx_free(p->filters);
	memset(p, 0, sizeof *p);
}

/* "Inbox, -Deleted Items": '-' excludes. */
static void parse_folders(ui_exp_params *p, const char *s)
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

#define N_FIELDS 7

int ui_export_form(ui *u, size_t n, ui_exp_params *p)
{
	ui_field_spec f[N_FIELDS] = {
		{ "Destination", NULL }, { "PSTs already there", NULL }, { "Received from", NULL },
		{ "Received to", NULL }, { "Folders", NULL }, { "Subject contains", NULL },
		{ "Threads", NULL }
	};
	char *intro;
	int ok = 0, ex;
	size_t i;

	f[0].value = mbx_strdup(p->out_dir ? p->out_dir : "");
	f[1].value = mbx_strdup(ui_exist_name(p->exist));
	for (i = 2; i < 6; i++)
		f[i].value = mbx_strdup("");
	f[6].value = mbx_asprintf("%d", p->threads);
	intro = mbx_asprintf("Export %zu mailbox%s to PST files (ALIAS.PST), each read back and "
	                     "verified. PSTs already there: ask, skip, overwrite or keep (both). "
	                     "Dates YYYY-MM-DD (empty: no limit). Folders: comma-separated paths, "
	                     "-PATH excludes (empty: all). Threads 0: one per CPU.",
	                     n, n == 1 ? "" : "es");
	for (;;) {
		ui_exp_params q;
		char *end;
		long th;

		if (!ui_form(u, "Export mailboxes to PST", intro, f, N_FIELDS))
			break;
		memset(&q, 0, sizeof q);
		q.out_dir = mbx_strdup(f[0].value);
		if (!q.out_dir[0]) {
			ui_message(u, "Export", "Give a destination directory.");
			ui_exp_params_free(&q);
			continue;
		}
		if ((ex = ui_exist_parse(f[1].value)) < 0) {
			ui_message(u, "Export: PSTs already there", "Give ask, skip, overwrite or keep.");
			ui_exp_params_free(&q);
			continue;
		}
		q.exist = (ui_exist_policy)ex;
		if (f[2].value[0] && mbx_export_parse_date(f[2].value, 0, &q.from) < 0) {
			ui_message(u, "Export: received from", mbx_error_last());
			ui_exp_params_free(&q);
			continue;
		}
		if (f[3].value[0] && mbx_export_parse_date(f[3].value, 1, &q.to) < 0) {
			ui_message(u, "Export: received to", mbx_error_last());
			ui_exp_params_free(&q);
			continue;
		}
		th = strtol(f[6].value, &end, 10);
		if (*end || th < 0 || th > 256) {
			ui_message(u, "Export: threads", "Give a number of threads from 0 (one per CPU) to 256.");
			ui_exp_params_free(&q);
			continue;
		}
		q.threads = (int)th;
		parse_folders(&q, f[4].value);
		q.subject = f[5].value[0] ? mbx_strdup(f[5].value) : NULL;
		q.filters = mbx_asprintf("%s%s%s%s%s%s%s%s%s", f[2].value[0] ? "received from " : "",
		                         f[2].value, f[2].value[0] ? "; " : "",
		                         f[3].value[0] ? "received to " : "", f[3].value,
		                         f[3].value[0] ? "; " : "", f[4].value[0] ? "folders " : "",
		                         f[4].value, f[5].value[0] ? "; subject" : "");
		ui_exp_params_free(p);
		*p = q;
		ok = 1;
		break;
	}
	mbx_free(intro);
	for (i = 0; i < N_FIELDS; i++)
		mbx_free(f[i].value);
	return ok;
}

/* ---- results ------------------------------------------------------------------------- */

/* What the summary says to do about a failure: the console's keys, not
 * the command line's (the core's advice names the batch commands). */
static const char *console_fix(const mbx_export_result *r)
{
	switch (r->cause) {
	case MBX_EXP_CAUSE_NO_DIRECTORY_ENTRY:
		return "press F2 (adjuster, create directory entries) or F9 (recover), then export again";
	case MBX_EXP_CAUSE_NOT_FOUND:
		return "the store has no such mailbox (/ searches the lists)";
	case MBX_EXP_CAUSE_CANCELLED:
		return "F5 resumes the run";
	default:
		return r->fix;
	}
}

/* Summary lines: every failure (up to this many), the verified ones up to
 * this many (a 100,000-mailbox run is summed up, not listed). */
#define SUM_OK_MAX 1000
#define SUM_FAIL_MAX 5000

void ui_export_keep_results(ui *u, mbx_export *ex, const char *out_dir, int cancelled,
                            size_t run_total)
{
	ui_export_summary *s = &u->last_export;
	const mbx_export_result *r;
	size_t n, i, k, ok_lines = 0, fail_lines = 0;
	char sz[24];

	ui_export_summary_free(s);
	s->out_dir = mbx_strdup(out_dir);
	s->cancelled = cancelled;
	if (mbx_export_results(ex, &r, &n) < 0)
		return;
	s->total = n;
	s->lines = mbx_calloc(n ? n + 2 : 1, sizeof *s->lines);
	for (i = 0; i < n; i++) {
		mbx_text_size(r[i].bytes, sz, sizeof sz);
		if (r[i].state == MBX_EXP_DONE && r[i].verified) {
			s->verified++;
			if (ok_lines++ < SUM_OK_MAX)
				s->lines[s->n_lines++] = mbx_asprintf("OK  %s: %s  %lld messages, %lld folders, "
				                                      "%s - read back with libpst: identical",
				                                      r[i].alias, r[i].n_paths ? r[i].paths[0] : "",
				                                      (long long)r[i].items,
				                                      (long long)r[i].folders, sz);
		} else if (r[i].state == MBX_EXP_SKIPPED) {
			s->verified++;
			if (ok_lines++ < SUM_OK_MAX)
				s->lines[s->n_lines++] = mbx_asprintf("OK  %s: verified by an earlier run",
				                                      r[i].alias);
		} else {
			const char *fix = console_fix(&r[i]);

			if (r[i].state == MBX_EXP_CANCELLED)
				s->n_cancelled++;
			else
				s->failed++;
			if (r[i].cause == MBX_EXP_CAUSE_NO_DIRECTORY_ENTRY)
				s->no_dir_entry++;
			if (fail_lines++ < SUM_FAIL_MAX && r[i].state != MBX_EXP_CANCELLED)
				s->lines[s->n_lines++] = mbx_asprintf("FAILED  %s (%s): %s%s%s", r[i].alias,
				                                      mbx_export_state_name(r[i].state),
				                                      r[i].error ? r[i].error : "failed",
				                                      fix ? "; fix: " : "", fix ? fix : "");
		}
		for (k = 0; k < r[i].n_paths && s->n_psts < SUM_OK_MAX; k++) {
			s->psts = mbx_reallocarray(s->psts, s->n_psts + 1, sizeof *s->psts);
			s->psts[s->n_psts++] = mbx_strdup(r[i].paths[k]);
		}
	}
	/* A run cancelled before it had looked every mailbox up has results
	 * for those it had: the others were not copied either. */
	if (run_total > s->total) {
		s->n_cancelled += run_total - s->total;
		s->total = run_total;
	}
	if (ok_lines > SUM_OK_MAX)
		s->lines[s->n_lines++] = mbx_asprintf("... and %zu more exported and verified (each "
		                                      "named in mbxrescue.log there)",
		                                      ok_lines - SUM_OK_MAX);
	if (fail_lines > SUM_FAIL_MAX)
		s->lines[s->n_lines++] = mbx_asprintf("... and %zu more failed (the log, l, names each)",
		                                      fail_lines - SUM_FAIL_MAX);
}

static void offer_adjuster(ui *u)
{
	ui_export_summary *s = &u->last_export;
	char *q;

	if (!s->no_dir_entry || !u->n_orphans)
		return;
	q = mbx_asprintf("%zu mailbox%s could not be exported: Exmerge logs on to a mailbox through "
	                 "its directory entry, and %s restored without one (the MSEMS lines in the log, "
	                 "KB Q265438). The DS/IS consistency adjuster (F2) creates the missing "
	                 "directory entries; F9 does that and exports in one go. Run the adjuster now?",
	                 s->no_dir_entry, s->no_dir_entry == 1 ? "" : "es",
	                 s->no_dir_entry == 1 ? "it was" : "they were");
	if (ui_confirm(u, "Mailboxes without a directory entry", q, 0))
		ui_adjust(u, MBX_ADJ_CREATE_MAILBOXES, NULL);
	mbx_free(q);
}

void ui_export_show_summary(ui *u)
{
	ui_export_summary *s = &u->last_export;
	ui_lines l = { 0 };
	size_t i;

	if (!s->out_dir) {
		ui_status(u, "No export has run in this session: F5 exports, F9 recovers");
		return;
	}
	ui_lines_add(&l, "%zu of %zu mailbox%s exported and verified%s; %zu failed%s.", s->verified,
	             s->total, s->total == 1 ? "" : "es", s->cancelled ? " (cancelled)" : "", s->failed,
	             s->n_cancelled ? "" : "");
	if (s->n_cancelled)
		ui_lines_add(&l, "%zu not copied (cancelled): F5 offers to resume the run.",
		             s->n_cancelled);
	ui_lines_add(&l, "Destination: %s (log: mbxrescue.log there)", s->out_dir);
	ui_lines_add(&l, "%s", "");
	for (i = 0; i < s->n_lines; i++)
		ui_lines_add(&l, "%s", s->lines[i]);
	ui_pager(u, "Export summary", &l, "Enter/Esc: close", NULL);
	ui_lines_free(&l);
	offer_adjuster(u);
}

/* ---- starting an export --------------------------------------------------------------- */

typedef struct scan_job {
	const char *dir;
	const char *const *aliases;
	size_t n;
	ui_exist_scan s;
} scan_job;

static int scan_work(mbx_store *st, void *arg)
{
	scan_job *j = arg;

	(void)st;
	return ui_exist_scan_run(j->dir, j->aliases, j->n, &j->s);
}

/* Apply the policy on the PSTs already there to spec: skip takes those
 * mailboxes out, keep lists their files for renaming.  0 go on, -1 the
 * operator left.  The aliases are spec's. */
int ui_export_existing(ui *u, ui_job_spec *spec)
{
	scan_job j;
	int policy;
	size_t i, k;

	memset(&j, 0, sizeof j);
	j.dir = spec->p.out_dir;
	j.aliases = (const char *const *)spec->aliases;
	j.n = spec->n;
	if (spec->resume || spec->p.exist == UI_EXIST_OVERWRITE)
		return 0;
	if (ui_work_run(u, "PSTs already there", "Looking at the destination's files", scan_work,
	                &j, NULL, NULL) < 0) {
		ui_exist_scan_free(&j.s);
		return -1;
	}
	if (!j.s.count) {
		ui_exist_scan_free(&j.s);
		return 0;
	}
	policy = spec->p.exist;
	if (policy == UI_EXIST_ASK && (policy = ui_exist_ask(u, &j.s, spec->n, j.dir)) < 0) {
		ui_exist_scan_free(&j.s);
		return -1;
	}
	spec->p.exist = (ui_exist_policy)policy;
	if (policy == UI_EXIST_SKIP) {
		for (i = k = 0; i < spec->n; i++) {
			if (j.s.hit[i])
				mbx_free(spec->aliases[i]);
			else
				spec->aliases[k++] = spec->aliases[i];
		}
		mbx_log_write(u->slog, MBX_LOG_MIN, "Export: %zu mailboxes left out, their PST is "
		              "already in %s", spec->n - k, j.dir);
		spec->n = k;
		spec->all = 0;
	} else if (policy == UI_EXIST_KEEP) {
		spec->keep = mbx_calloc(j.s.count, sizeof *spec->keep);
		for (i = 0; i < spec->n; i++)
			if (j.s.hit[i]) {
				char *name = mbx_export_file_name(spec->aliases[i], 1);

				spec->keep[spec->n_keep++] = mbx_asprintf("%s/%s", j.dir, name);
				mbx_free(name);
			}
	}
	ui_exist_scan_free(&j.s);
	return 0;
}

int ui_export(ui *u, const char *const *aliases, size_t n, unsigned flags)
{
	ui_job_spec spec;
	size_t i;
	int rc;

	if (ui_job_running(u)) {
		ui_message(u, "Export", "An export is running: p shows its progress. One export at a "
		           "time.");
		return 0;
	}
	memset(&spec, 0, sizeof spec);
	spec.p.out_dir = ui_export_default_dir(u);
	spec.flags = flags;
	spec.title = "Export";
	if (!n && !u->n_mb) {
		ui_message(u, "Export", "No mailbox to export.");
		ui_job_spec_free(&spec);
		return 0;
	}
	if ((flags & UI_EXP_ASK) && !ui_export_form(u, n ? n : u->n_mb, &spec.p)) {
		ui_job_spec_free(&spec);
		return 0;
	}
	/* The job keeps its own copy: the lists may be read again meanwhile. */
	spec.all = n == 0;
	spec.n = n ? n : u->n_mb;
	spec.aliases = mbx_calloc(spec.n ? spec.n : 1, sizeof *spec.aliases);
	for (i = 0; i < spec.n; i++)
		spec.aliases[i] = mbx_strdup(n ? aliases[i] : u->mb[u->lm.order[i]].alias);
	if (ui_export_existing(u, &spec) < 0 || (!spec.n && !spec.all)) {
		if (!spec.n)
			ui_message(u, "Export", "Nothing left to export: every mailbox has its PST there.");
		ui_job_spec_free(&spec);
		return 0;
	}
	if ((rc = ui_job_start(u, &spec)) < 0)
		return rc;
	if (!(flags & UI_EXP_WAIT))
		return 1;
	while (ui_job_running(u) && !u->quit)
		ui_job_window(u);
	ui_job_main(u);
	return u->last_export.failed == 0 && !u->last_export.cancelled &&
	       !u->last_export.n_cancelled ? 1 : 0;
}

void ui_export_key(ui *u)
{
	size_t n;
	const char **a;

	if (ui_job_running(u)) {
		ui_job_key(u);
		return;
	}
	if (ui_resume_offer(u, 1))
		return;
	a = ui_export_aliases(u, 0, &n);
	if (n)
		ui_export(u, a, n, UI_EXP_ASK);
	else
		ui_message(u, "Export", "No mailbox to export.");
	mbx_free(a);
}
