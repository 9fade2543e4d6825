/*
 * tui/ui_plan.c - Recover (F9): one plan before anything runs (see
 * ui_plan.h).  The plan is computed off the UI thread (the adjuster's
 * plan, the destination's files), shown with its details a line at a
 * time as they scroll by (100,000 mailboxes cost what a page costs), and
 * run as one background job after one question.
 */
#include "config.h"
#include <stdio.h>
#include <string.h>

#include "mbx/check.h"
#include "mbx/demo.h"
#include "mbx/text.h"
#include "ui_adjust.h"
#include "ui_dialog.h"
#include "ui_export.h"
#include "ui_job.h"
#include "ui_panels.h"
#include "ui_plan.h"
#include "ui_text.h"
#include "ui_work.h"

typedef struct plan {
	ui_job_spec spec;          /* what will run (the aliases, all, params) */
	size_t *mb_idx;            /* u->mb index of each mailbox exported */
	size_t n_creates;          /* the adjuster's changes */
	ui_exist_scan scan;        /* PSTs already there */
	char *scan_dir;            /* the destination the scan looked at */
	size_t n_head;             /* lines before the details */
	size_t top;
	int rows;
	ui_dlg d;
	char note[160];
} plan;

/* ---- computing it ---------------------------------------------------------- */

typedef struct plan_work_arg {
	plan *pl;
	int do_plan;
} plan_work_arg;

static int plan_work(mbx_store *st, void *arg)
{
	plan_work_arg *a = arg;
	plan *pl = a->pl;
	int rc = 0;

	if (a->do_plan)
		rc = mbx_adjust_plan_compute(st, &pl->spec.aopts, &pl->spec.plan);
	if (rc == 0) {
		ui_exist_scan_free(&pl->scan);
		rc = ui_exist_scan_run(pl->spec.p.out_dir, (const char *const *)pl->spec.aliases,
		                       pl->spec.n, &pl->scan);
	}
	return rc;
}

static int compute(ui *u, plan *pl, int do_plan)
{
	plan_work_arg a = { pl, do_plan };
	size_t i;
	int rc;

	rc = ui_work_run(u, "Recover", do_plan ? "Preparing the plan: the adjuster's changes and "
	                 "the PSTs already in the destination" : "Looking at the destination's files",
	                 plan_work, &a, NULL, NULL);
	if (rc < 0)
		return rc;
	mbx_free(pl->scan_dir);
	pl->scan_dir = mbx_strdup(pl->spec.p.out_dir);
	pl->n_creates = 0;
	for (i = 0; pl->spec.plan && i < pl->spec.plan->count; i++)
		pl->n_creates += pl->spec.plan->changes[i].kind != MBX_CHANGE_SKIP_LIMITED_FOLDER;
	return 0;
}

/* ---- showing it --------------------------------------------------------------- */

/* The plan's summary (wrapped to the dialog: nothing of it is cut). */
static void plan_head(const ui *u, const plan *pl, ui_lines *l)
{
	size_t n = pl->spec.n;

	ui_lines_add(l, "Recovery plan for %s: nothing has changed yet.",
	             u->srv.server ? u->srv.server : "this server");
	if (pl->n_creates)
		ui_lines_add(l, " 1. Adjuster: create %zu directory entr%s for the orphaned mailboxes "
		             "(KB Q265438).", pl->n_creates, pl->n_creates == 1 ? "y" : "ies");
	else
		ui_lines_add(l, " 1. Adjuster: nothing to do, every mailbox has a directory entry.");
	ui_lines_add(l, " 2. Export %zu mailbox%s (%s) to PST files, each read back and verified.",
	             n, n == 1 ? "" : "es", u->n_marked ? "the marked ones" : "all: none is marked");
	ui_lines_add(l, " 3. Destination: %s%s%s  (d: change it, with F5's filters)",
	             pl->spec.p.out_dir, pl->spec.p.filters && pl->spec.p.filters[0] ? "; " : "",
	             pl->spec.p.filters ? pl->spec.p.filters : "");
	if (!pl->scan.count)
		ui_lines_add(l, " 4. PSTs already there: none of these mailboxes has one (x: what "
		             "happens if one has: %s).", ui_exist_name(pl->spec.p.exist));
	else
		ui_lines_add(l, " 4. PSTs already there: %zu (%s): %s  (x: ask / skip / overwrite / "
		             "keep both)", pl->scan.count, pl->scan.names,
		             pl->spec.p.exist == UI_EXIST_ASK ? "asked before it runs" :
		             pl->spec.p.exist == UI_EXIST_SKIP ? "skip those mailboxes" :
		             pl->spec.p.exist == UI_EXIST_OVERWRITE ? "overwrite them" :
		             "keep both (the old one renamed BASE-old.PST)");
	ui_lines_add(l, "Enter runs the plan (one question first), Esc leaves it. The other "
	             "adjuster functions (public folders, permissions): F2.");
	ui_lines_add(l, "%s", "");
}

/* Detail line k (after the summary) into buf. */
static void plan_detail(const ui *u, const plan *pl, size_t k, char *buf, size_t len,
                        chtype *attr)
{
	size_t n_changes = pl->spec.plan ? pl->spec.plan->count : 0;
	size_t n = pl->spec.n;

	*attr = A_NORMAL;
	buf[0] = '\0';
	if (k == 0) {
		snprintf(buf, len, "The adjuster's changes (%zu):", n_changes);
		*attr = A_UNDERLINE;
		return;
	}
	k--;
	if (k < n_changes) {
		ui_adjust_change_line(&pl->spec.plan->changes[k], buf, len);
		return;
	}
	k -= n_changes;
	if (k == 0)
		return;
	if (k == 1) {
		snprintf(buf, len, "The mailboxes to export (%zu):", n);
		*attr = A_UNDERLINE;
		return;
	}
	k -= 2;
	if (k < n) {
		const mbx_mailbox *m = pl->mb_idx ? &u->mb[pl->mb_idx[k]] : NULL;

		snprintf(buf, len, "  %s%s (%s)%s", pl->scan.hit && pl->scan.hit[k] ? "* " : "",
		         m ? m->display_name : pl->spec.aliases[k], pl->spec.aliases[k],
		         pl->scan.hit && pl->scan.hit[k] ? ": a PST is already there" : "");
	}
}

static size_t plan_lines(const plan *pl)
{
	return pl->n_head + 1 + (pl->spec.plan ? pl->spec.plan->count : 0) + 2 + pl->spec.n;
}

static void plan_draw(ui *u, void *ud)
{
	plan *pl = ud;
	ui_lines head = { 0 }, wrapped = { 0 };
	size_t total;
	int y, W;
	char buf[600], pos[48];
	static const char *const foot[] = {
		"Enter: run (asks once)  d: destination  x: PSTs already there  PgUp/PgDn: details  "
		"Esc: cancel",
		"Enter run (asks)  d destination  x PSTs there  PgUp/PgDn  Esc cancel",
		"Enter run  d dest  x PSTs  Esc cancel"
	};

	ui_dlg_place(u, &pl->d, u->rows - 3, u->cols, "Recover: the plan");
	W = pl->d.wd - 4;
	plan_head(u, pl, &head);
	ui_wrap(u, &head, W, &wrapped);
	pl->n_head = wrapped.n;
	total = plan_lines(pl);
	pl->rows = pl->d.h - 3;
	if (pl->top + (size_t)pl->rows > total)
		pl->top = total > (size_t)pl->rows ? total - (size_t)pl->rows : 0;
	for (y = 0; y < pl->rows; y++) {
		size_t k = pl->top + (size_t)y;
		chtype a = A_NORMAL;

		if (k < wrapped.n) {
			snprintf(buf, sizeof buf, "%s", wrapped.v[k]);
			a = k == 0 ? A_BOLD : A_NORMAL;
		} else if (k < total) {
			plan_detail(u, pl, k - wrapped.n, buf, sizeof buf, &a);
		} else {
			buf[0] = '\0';
		}
		ui_text_put(u, pl->d.w, 1 + y, 2, buf, W, 0, a);
	}
	ui_lines_free(&head);
	ui_lines_free(&wrapped);
	snprintf(pos, sizeof pos, " %zu/%zu ", pl->top + 1, total);
	if (pl->note[0])
		ui_text_put(u, pl->d.w, pl->d.h - 2, 2, pl->note, W - (int)strlen(pos), 0,
		            ui_attr(u, UI_C_WARN));
	else
		ui_text_fit(u, pl->d.w, pl->d.h - 2, 2, W - (int)strlen(pos), A_BOLD, foot, 3);
	ui_text_put(u, pl->d.w, pl->d.h - 2, pl->d.wd - 2 - (int)strlen(pos), pos, (int)strlen(pos),
	            0, A_NORMAL);
}

static void plan_free(plan *pl)
{
	ui_job_spec_free(&pl->spec);
	ui_exist_scan_free(&pl->scan);
	mbx_free(pl->mb_idx);
	mbx_free(pl->scan_dir);
	ui_dlg_close(&pl->d);
}

/* The one question: 1 run (spec ready to start), 0 not. */
static int ask_run(ui *u, plan *pl)
{
	ui_job_spec *s = &pl->spec;
	char *q;
	int policy = s->p.exist, yes;
	size_t i, k;

	if (!pl->n_creates && !s->n) {
		ui_message(u, "Recover", "Nothing to do: no adjuster change and no mailbox to export.");
		return 0;
	}
	if (pl->scan.count && policy == UI_EXIST_ASK) {
		/* The question about the PSTs there is the confirmation too. */
		static const char *const labels[] = { "Skip them", "Overwrite", "Keep both", "Cancel" };

		q = mbx_asprintf("Run the plan: %zu directory entr%s created, then %zu mailbox%s "
		                 "exported to %s. %zu of them already have a PST there (%s): skip "
		                 "those mailboxes, overwrite the files, or keep both (the old file "
		                 "renamed BASE-old.PST)?", pl->n_creates, pl->n_creates == 1 ? "y" : "ies",
		                 s->n, s->n == 1 ? "" : "es", s->p.out_dir, pl->scan.count,
		                 pl->scan.names);
		policy = ui_choose(u, "Run the recovery plan?", q, labels, 4, 3);
		mbx_free(q);
		if (policy < 0 || policy == 3)
			return 0;
		policy = policy == 0 ? UI_EXIST_SKIP : policy == 1 ? UI_EXIST_OVERWRITE : UI_EXIST_KEEP;
	} else {
		q = mbx_asprintf("Run the plan: %zu directory entr%s created (recorded in the audit "
		                 "log), then %zu mailbox%s exported to %s%s?", pl->n_creates,
		                 pl->n_creates == 1 ? "y" : "ies", s->n, s->n == 1 ? "" : "es",
		                 s->p.out_dir, !pl->scan.count ? "" : policy == UI_EXIST_SKIP ?
		                 ", those with a PST there skipped" : policy == UI_EXIST_OVERWRITE ?
		                 ", overwriting the PSTs there" : ", keeping the PSTs there as BASE-old.PST");
		yes = ui_confirm(u, "Run the recovery plan?", q, 0);
		mbx_free(q);
		if (!yes)
			return 0;
	}
	s->p.exist = (ui_exist_policy)policy;
	if (pl->scan.count && policy == UI_EXIST_SKIP) {
		for (i = k = 0; i < s->n; i++) {
			if (pl->scan.hit[i])
				mbx_free(s->aliases[i]);
			else
				s->aliases[k++] = s->aliases[i];
		}
		s->n = k;
		s->all = 0;
	} else if (pl->scan.count && policy == UI_EXIST_KEEP) {
		s->keep = mbx_calloc(pl->scan.count, sizeof *s->keep);
		for (i = 0; i < s->n; i++)
			if (pl->scan.hit[i]) {
				char *name = mbx_export_file_name(s->aliases[i], 1);

				s->keep[s->n_keep++] = mbx_asprintf("%s/%s", s->p.out_dir, name);
				mbx_free(name);
			}
	}
	if (!pl->n_creates) {
		mbx_adjust_plan_free(s->plan);
		s->plan = NULL;
	}
	return 1;
}

void ui_recover(ui *u)
{
	plan pl;
	size_t i, k;
	int ch, run = 0;

	if (ui_job_running(u)) {
		ui_job_key(u);
		return;
	}
	if (ui_resume_offer(u, 1))
		return;
	memset(&pl, 0, sizeof pl);
	pl.spec.title = "Recover";
	pl.spec.p.out_dir = ui_export_default_dir(u);
	pl.spec.aopts.functions = MBX_ADJ_CREATE_MAILBOXES;
	pl.spec.aopts.older_than_days = -1;
	pl.spec.aopts.now = u->o->db_is_demo ? mbx_demo_base_time() : 0;
	pl.spec.aopts.actor = ui_actor();
	/* The marked mailboxes, or all: copied, the lists may be read again. */
	pl.mb_idx = mbx_calloc(u->n_mb ? u->n_mb : 1, sizeof *pl.mb_idx);
	for (i = k = 0; i < u->lm.n; i++)
		if (u->mark[u->lm.order[i]] || !u->n_marked)
			pl.mb_idx[k++] = u->lm.order[i];
	pl.spec.n = k;
	pl.spec.all = !u->n_marked;
	pl.spec.aliases = mbx_calloc(k ? k : 1, sizeof *pl.spec.aliases);
	for (i = 0; i < k; i++)
		pl.spec.aliases[i] = mbx_strdup(u->mb[pl.mb_idx[i]].alias);
	if (compute(u, &pl, 1) < 0) {
		if (!u->quit && mbx_error_last()[0] && strcmp(mbx_error_last(), "stopped") != 0)
			ui_message(u, "Recover", mbx_error_last());
		plan_free(&pl);
		return;
	}
	ui_push_layer(u, plan_draw, &pl);
	for (;;) {
		size_t page;

		plan_draw(u, &pl);
		ch = ui_getkey(u, -1);
		pl.note[0] = '\0';
		page = pl.rows > 1 ? (size_t)pl.rows - 1 : 1;
		if (ch == 27 || ch == 'q' || ch == KEY_F(10))
			break;
		switch (ch) {
		case KEY_UP: case 'k':
			if (pl.top)
				pl.top--;
			break;
		case KEY_DOWN: case 'j':
			pl.top++;
			break;
		case KEY_PPAGE:
			pl.top = pl.top > page ? pl.top - page : 0;
			break;
		case KEY_NPAGE: case ' ':
			pl.top += page;
			break;
		case KEY_HOME: case 'g':
			pl.top = 0;
			break;
		case KEY_END: case 'G':
			pl.top = plan_lines(&pl);
			break;
		case 'd':
			if (ui_export_form(u, pl.spec.n, &pl.spec.p) &&
			    strcmp(pl.scan_dir, pl.spec.p.out_dir) != 0 && compute(u, &pl, 0) < 0)
				snprintf(pl.note, sizeof pl.note, "%.150s", mbx_error_last());
			break;
		case 'x':
			pl.spec.p.exist = (ui_exist_policy)((pl.spec.p.exist + 1) % UI_EXIST_COUNT);
			break;
		case '\n': case '\r': case KEY_ENTER: case KEY_F(9):
			run = ask_run(u, &pl);
			break;
		default:
			if (ch != ERR && ch != KEY_RESIZE)
				snprintf(pl.note, sizeof pl.note, "Enter runs the plan, Esc leaves it, d "
				         "changes the destination, x what happens to PSTs there");
		}
		if (run || u->quit)
			break;
	}
	ui_pop_layer(u);
	ui_dlg_close(&pl.d);
	ui_redraw(u);
	if (run) {
		mbx_log_write(u->slog, MBX_LOG_MIN, "Recover: %zu directory entries to create, then "
		              "%zu mailboxes to export to %s", pl.n_creates, pl.spec.n,
		              pl.spec.p.out_dir);
		ui_job_start(u, &pl.spec);
	}
	plan_free(&pl);
}
