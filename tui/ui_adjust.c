/*
 * tui/ui_adjust.c - the consistency adjuster dialog: the core's plan, one
 * checkbox per function (menu library), the time filter, the KB Q182979
 * rehoming warning, a confirmation that defaults to No, and the KB
 * Q197970 fix-up of recreated recipients afterwards.
 */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <menu.h>

#include "mbx/check.h"
#include "mbx/demo.h"
#include "mbx/text.h"
#include "ui_adjust.h"
#include "ui_dialog.h"
#include "ui_panels.h"
#include "ui_text.h"
#include "ui_work.h"

/* One checkbox per rule of the core's (mbx_adjust_rules), in its order. */
typedef struct adj {
	const mbx_adjust_rule *rules;
	size_t n_rules;
	unsigned functions;
	int older_than;            /* days, <0 = all */
	size_t *counts;            /* changes each rule would make */
	mbx_adjust_plan *plan;
	ui_lines planl;            /* the lines before the changes (warning, summary) */
	ui_lines head;             /* planl wrapped to the dialog */
	int head_width;
	size_t top;
	int plan_rows;
	ui_dlg d;
	MENU *m;
	ITEM **items;              /* n_rules + 1, NULL-terminated */
	char **names;              /* n_rules */
	WINDOW *sub;
	int cur;
} adj;

const char *ui_actor(void)
{
	const char *user = getenv("USER");

	return user && *user ? user : "mbxrescue";
}

static void adj_opts(const ui *u, const adj *a, unsigned functions, mbx_adjust_opts *o)
{
	memset(o, 0, sizeof *o);
	o->functions = functions;
	o->older_than_days = a->older_than;
	/* The demo server lives at a fixed date; "older than" counts from it. */
	o->now = u->o->db_is_demo ? mbx_demo_base_time() : 0;
	o->actor = ui_actor();
}

/* The changes the rule with this flag would make (0 when not a rule). */
static size_t count_of(const adj *a, unsigned flag)
{
	size_t i;

	for (i = 0; i < a->n_rules; i++)
		if (a->rules[i].flag == flag)
			return a->counts[i];
	return 0;
}

void ui_adjust_change_line(const mbx_change *c, char *buf, size_t len)
{
	switch (c->kind) {
	case MBX_CHANGE_CREATE_RECIPIENT:
		snprintf(buf, len, "  create  %s  alias %s  %s  <%s>", c->object, c->alias ? c->alias : "",
		         c->dn ? c->dn : "", c->smtp ? c->smtp : "");
		break;
	case MBX_CHANGE_REHOME_FOLDER:
		snprintf(buf, len, "  rehome  %s  from %s to %s", c->object, c->from ? c->from : "?",
		         c->to ? c->to : "?");
		break;
	case MBX_CHANGE_REMOVE_PERMISSION:
		snprintf(buf, len, "  remove  permission of %s  %s", c->object, c->detail ? c->detail : "");
		break;
	case MBX_CHANGE_SKIP_LIMITED_FOLDER:
		snprintf(buf, len, "  skip    %s  %s", c->object,
		         c->detail ? c->detail : "(limited administrative access)");
		break;
	default:
		snprintf(buf, len, "  %-7s %s  %s", mbx_change_kind_name(c->kind), c->object ? c->object : "",
		         c->detail ? c->detail : "");
		break;
	}
}

/* Plan text before the changes: the warning first when folders would be
 * rehomed.  The changes themselves (10,000s on a large server) are made
 * into lines only as they are shown, one line each. */
static void plan_lines(adj *a)
{
	size_t i, rehome = 0;
	const mbx_adjust_plan *p = a->plan;

	ui_lines_free(&a->planl);
	ui_lines_free(&a->head);
	a->head_width = 0;
	for (i = 0; i < p->count; i++)
		rehome += p->changes[i].kind == MBX_CHANGE_REHOME_FOLDER;
	if (rehome) {
		ui_lines_add(&a->planl, "WARNING (KB Q182979): %zu public folder%s will be rehomed to this "
		             "server. When this site is reconnected to the organization, the rehomed "
		             "folders win replication conflicts, and permissions of users elsewhere in "
		             "the organization are lost.", rehome, rehome == 1 ? "" : "s");
		ui_lines_add(&a->planl, "%s", "");
	}
	if (!p->count)
		ui_lines_add(&a->planl, "Nothing to change for the chosen functions%s.",
		             a->older_than >= 0 ? " and time filter" : "");
	else
		ui_lines_add(&a->planl, "The adjuster will make %zu change%s:", p->count,
		             p->count == 1 ? "" : "s");
}

/* What the worker computes: the plan of the chosen functions and the
 * counts of every function. */
typedef struct plan_job {
	mbx_adjust_opts all, chosen;
	const mbx_adjust_rule *rules;
	size_t n_rules;
	size_t *counts;
	mbx_adjust_plan *plan;
} plan_job;

static int plan_work(mbx_store *st, void *arg)
{
	plan_job *j = arg;
	mbx_adjust_plan *all = NULL;
	size_t i, k;
	int rc;

	if ((rc = mbx_adjust_plan_compute(st, &j->all, &all)) < 0)
		return rc;
	memset(j->counts, 0, j->n_rules * sizeof(*j->counts));
	for (i = 0; i < all->count; i++) {
		if (all->changes[i].kind == MBX_CHANGE_SKIP_LIMITED_FOLDER)
			continue;
		for (k = 0; k < j->n_rules && j->rules[k].change != all->changes[i].kind; k++)
			;
		if (k < j->n_rules)
			j->counts[k]++;
	}
	mbx_adjust_plan_free(all);
	return mbx_adjust_plan_compute(st, &j->chosen, &j->plan);
}

static int recompute(ui *u, adj *a)
{
	plan_job j;
	unsigned every = 0;
	size_t i;
	int rc;

	memset(&j, 0, sizeof j);
	for (i = 0; i < a->n_rules; i++)
		every |= a->rules[i].flag;
	adj_opts(u, a, every, &j.all);
	adj_opts(u, a, a->functions, &j.chosen);
	j.rules = a->rules;
	j.n_rules = a->n_rules;
	j.counts = mbx_calloc(a->n_rules ? a->n_rules : 1, sizeof(*j.counts));
	rc = ui_work_run(u, "Consistency adjuster", "Computing the plan: which mailboxes, "
	                 "public folders and permissions the adjuster would change", plan_work,
	                 &j, NULL, NULL);
	if (rc < 0) {
		mbx_adjust_plan_free(j.plan);
		mbx_free(j.counts);
		return rc;
	}
	memcpy(a->counts, j.counts, a->n_rules * sizeof(*a->counts));
	mbx_free(j.counts);
	mbx_adjust_plan_free(a->plan);
	a->plan = j.plan;
	plan_lines(a);
	a->top = 0;
	return 0;
}

static void build_menu(adj *a)
{
	size_t i;

	if (a->m) {
		a->cur = item_index(current_item(a->m));
		unpost_menu(a->m);
		free_menu(a->m);
		for (i = 0; i < a->n_rules; i++) {
			free_item(a->items[i]);
			mbx_free(a->names[i]);
		}
	}
	for (i = 0; i < a->n_rules; i++) {
		a->names[i] = mbx_asprintf("[%c] %s (%zu)", a->functions & a->rules[i].flag ? 'x' : ' ',
		                           a->rules[i].help, a->counts[i]);
		a->items[i] = new_item(a->names[i], "");
	}
	a->items[a->n_rules] = NULL;
	a->m = new_menu(a->items);
	menu_opts_off(a->m, O_SHOWDESC);
	set_menu_mark(a->m, "> ");
	set_current_item(a->m, a->items[a->cur]);
}

static void adj_draw(ui *u, void *ud)
{
	adj *a = ud;
	int wd = u->cols - 4 > 110 ? 110 : u->cols - 4, y, nr = (int)a->n_rules;
	static const char *const foot[] = {
		"Enter: apply (asks first)  Space: toggle  t: time filter  PgUp/PgDn: plan  Esc: cancel",
		"Enter apply (asks)  Space toggle  t time filter  PgUp/PgDn plan  Esc cancel",
		"Enter apply  Space toggle  t filter  PgUp/PgDn  Esc cancel"
	};
	char filt[96];
	size_t warn_end, total;

	if (a->m)
		unpost_menu(a->m);
	if (a->sub)
		delwin(a->sub);
	a->sub = NULL;
	ui_dlg_place(u, &a->d, u->rows - 2, wd, "Consistency adjuster (DS/IS)");
	ui_text_put(u, a->d.w, 1, 2, "Functions (Up/Down choose, Space toggles):", a->d.wd - 4, 0, A_BOLD);
	a->sub = derwin(a->d.w, nr, a->d.wd - 6, 2, 3);
	set_menu_win(a->m, a->d.w);
	set_menu_sub(a->m, a->sub);
	post_menu(a->m);
	if (a->older_than < 0)
		snprintf(filt, sizeof filt, "Time filter (t): all inconsistencies, whatever their age");
	else
		snprintf(filt, sizeof filt, "Time filter (t): only inconsistencies older than %d day%s",
		         a->older_than, a->older_than == 1 ? "" : "s");
	ui_text_put(u, a->d.w, 2 + nr, 3, filt, a->d.wd - 6, 0, A_NORMAL);
	ui_hline(u, a->d.w, 3 + nr, 1, a->d.wd - 2);
	a->plan_rows = a->d.h - (4 + nr) - 3;
	/* The lines before the changes are wrapped (the warning paragraph, up
	 * to its blank line, stands out); each change is one line, cut at the
	 * edge, made as it is shown. */
	if (a->head_width != a->d.wd - 4) {
		ui_lines_free(&a->head);
		ui_wrap(u, &a->planl, a->d.wd - 4, &a->head);
		a->head_width = a->d.wd - 4;
	}
	for (warn_end = 0; a->planl.n && strncmp(a->planl.v[0], "WARNING", 7) == 0 &&
	     warn_end < a->head.n && a->head.v[warn_end][0]; warn_end++)
		;
	total = a->head.n + (a->plan ? a->plan->count : 0);
	if (a->top + (size_t)a->plan_rows > total)
		a->top = total > (size_t)a->plan_rows ? total - (size_t)a->plan_rows : 0;
	for (y = 0; y < a->plan_rows; y++) {
		size_t k = a->top + (size_t)y;
		char line[512];
		chtype at = k < warn_end ? ui_attr(u, UI_C_WARN) : A_NORMAL;

		if (k < a->head.n)
			snprintf(line, sizeof line, "%s", a->head.v[k]);
		else if (k < total)
			ui_adjust_change_line(&a->plan->changes[k - a->head.n], line, sizeof line);
		else
			line[0] = '\0';
		ui_text_put(u, a->d.w, 4 + nr + y, 2, line, a->d.wd - 4, 0, at);
	}
	ui_hline(u, a->d.w, a->d.h - 3, 1, a->d.wd - 2);
	ui_text_fit(u, a->d.w, a->d.h - 2, 2, a->d.wd - 4, A_BOLD, foot, 3);
}

static void adj_free(adj *a)
{
	size_t i;

	if (a->m) {
		unpost_menu(a->m);
		free_menu(a->m);
	}
	for (i = 0; i < a->n_rules; i++) {
		if (a->items[i])
			free_item(a->items[i]);
		mbx_free(a->names[i]);
	}
	mbx_free(a->items);
	mbx_free(a->names);
	mbx_free(a->counts);
	if (a->sub)
		delwin(a->sub);
	ui_dlg_close(&a->d);
	mbx_adjust_plan_free(a->plan);
	ui_lines_free(&a->planl);
	ui_lines_free(&a->head);
}

static int ask_days(ui *u, adj *a)
{
	ui_field_spec f = { "Older than (days)", NULL };
	int ok;

	f.value = a->older_than >= 0 ? mbx_asprintf("%d", a->older_than) : mbx_strdup("");
	ok = ui_form(u, "Time filter", "Only act on inconsistencies older than this many days "
	             "(empty: all, whatever their age).", &f, 1);
	if (ok) {
		char *end;
		long v = strtol(f.value, &end, 10);

		if (!f.value[0])
			a->older_than = -1;
		else if (*end || v < 0 || v > 100000)
			ui_message(u, "Time filter", "Give a whole number of days (0 or more), or leave it empty.");
		else
			a->older_than = (int)v;
	}
	mbx_free(f.value);
	return ok;
}

/* The session log names each change, up to this many (the audit log,
 * A, has them all). */
#define LOG_CHANGES_MAX 200

int ui_adjust_apply_on(mbx_store *st, const mbx_adjust_plan *plan, const mbx_adjust_opts *o,
                       mbx_log *slog)
{
	size_t i, n = 0, logged = 0;
	int rc = mbx_adjust_apply(st, plan, o);

	if (rc < 0) {
		mbx_log_write(slog, MBX_LOG_MIN, "Consistency adjuster failed: %s", mbx_error_last());
		return rc;
	}
	for (i = 0; i < plan->count; i++) {
		const mbx_change *c = &plan->changes[i];

		if (c->kind == MBX_CHANGE_SKIP_LIMITED_FOLDER)
			continue;
		n++;
		if (logged++ >= LOG_CHANGES_MAX)
			continue;
		if (c->kind == MBX_CHANGE_CREATE_RECIPIENT)
			mbx_log_write(slog, MBX_LOG_MIN, "Consistency adjuster: created directory entry "
			              "%s for mailbox '%s'", c->dn ? c->dn : "", c->object);
		else if (c->kind == MBX_CHANGE_REHOME_FOLDER)
			mbx_log_write(slog, MBX_LOG_MIN, "Consistency adjuster: rehomed public folder "
			              "'%s' from %s to %s", c->object, c->from ? c->from : "?",
			              c->to ? c->to : "?");
		else if (c->kind == MBX_CHANGE_REMOVE_PERMISSION)
			mbx_log_write(slog, MBX_LOG_MIN, "Consistency adjuster: removed permission of "
			              "unknown account %s", c->object);
		else
			mbx_log_write(slog, MBX_LOG_MIN, "Consistency adjuster: %s",
			              c->detail ? c->detail : mbx_change_kind_name(c->kind));
	}
	if (logged > LOG_CHANGES_MAX)
		mbx_log_write(slog, MBX_LOG_MIN, "Consistency adjuster: ... and %zu more (A shows the "
		              "audit log, which names every one)", logged - LOG_CHANGES_MAX);
	mbx_log_write(slog, MBX_LOG_MIN, "Consistency adjuster: %zu change%s applied", n,
	              n == 1 ? "" : "s");
	return 0;
}

typedef struct apply_job {
	const mbx_adjust_plan *plan;
	mbx_adjust_opts o;
	mbx_log *slog;
} apply_job;

static int apply_work(mbx_store *st, void *arg)
{
	apply_job *j = arg;

	return ui_adjust_apply_on(st, j->plan, &j->o, j->slog);
}

/* Apply after a confirmation that defaults to No; 1 applied, 0 not. */
static int apply(ui *u, adj *a)
{
	apply_job j;
	char *q, *what;
	size_t i, n = 0;
	int yes, rc;

	for (i = 0; i < a->plan->count; i++)
		n += a->plan->changes[i].kind != MBX_CHANGE_SKIP_LIMITED_FOLDER;
	if (!n) {
		ui_message(u, "Consistency adjuster", "The plan has no changes: nothing to apply.");
		return 0;
	}
	q = mbx_asprintf("Apply %zu change%s to the directory and information store of %s? "
	                 "This is recorded in the audit log.%s", n, n == 1 ? "" : "s",
	                 u->srv.server ? u->srv.server : "this server",
	                 count_of(a, MBX_ADJ_REHOME_PUBLIC_FOLDERS) &&
	                 (a->functions & MBX_ADJ_REHOME_PUBLIC_FOLDERS) ?
	                 " Public folders will be rehomed (KB Q182979)." : "");
	yes = ui_confirm(u, "Apply the adjuster?", q, 0);
	mbx_free(q);
	if (!yes)
		return 0;
	memset(&j, 0, sizeof j);
	j.plan = a->plan;
	adj_opts(u, a, a->functions, &j.o);
	j.slog = u->slog;
	what = mbx_asprintf("Applying %zu change%s in one transaction", n, n == 1 ? "" : "s");
	rc = ui_work_run(u, "Consistency adjuster", what, apply_work, &j, NULL,
	                 "One transaction: it can not stop halfway, and ends in a moment");
	mbx_free(what);
	if (rc < 0) {
		ui_message(u, "Consistency adjuster failed", mbx_error_last());
		return rc;
	}
	return 1;
}

int ui_adjust(ui *u, unsigned preselect, int *nothing)
{
	adj a;
	size_t i, pending = 0;
	int ch, rc = 0, done = 0;

	if (nothing)
		*nothing = 0;
	memset(&a, 0, sizeof a);
	a.rules = mbx_adjust_rules(&a.n_rules);
	a.counts = mbx_calloc(a.n_rules, sizeof(*a.counts));
	a.items = mbx_calloc(a.n_rules + 1, sizeof(*a.items));
	a.names = mbx_calloc(a.n_rules ? a.n_rules : 1, sizeof(*a.names));
	a.functions = preselect;
	a.older_than = -1;
	if ((rc = recompute(u, &a)) < 0) {
		ui_message(u, "Consistency adjuster", mbx_error_last());
		adj_free(&a);
		return rc;
	}
	for (i = 0; i < a.n_rules; i++)
		pending += a.counts[i];
	if (!pending) {
		if (nothing)
			*nothing = 1;
		ui_message(u, "Consistency adjuster", "The directory and the information store are "
		           "consistent: the adjuster has nothing to do.");
		adj_free(&a);
		return 0;
	}
	build_menu(&a);
	ui_push_layer(u, adj_draw, &a);
	while (!done) {
		adj_draw(u, &a);
		ch = ui_getkey(u, -1);
		switch (ch) {
		case KEY_UP: case 'k':
			menu_driver(a.m, REQ_UP_ITEM);
			break;
		case KEY_DOWN: case 'j':
			menu_driver(a.m, REQ_DOWN_ITEM);
			break;
		case ' ':
			a.functions ^= a.rules[item_index(current_item(a.m))].flag;
			if ((rc = recompute(u, &a)) < 0)
				ui_message(u, "Consistency adjuster", mbx_error_last());
			build_menu(&a);
			break;
		case 't':
			if (ask_days(u, &a) && (rc = recompute(u, &a)) < 0)
				ui_message(u, "Consistency adjuster", mbx_error_last());
			build_menu(&a);
			break;
		case KEY_NPAGE:
			a.top += a.plan_rows > 1 ? (size_t)a.plan_rows - 1 : 1;
			break;
		case KEY_PPAGE:
			a.top = a.top > (size_t)a.plan_rows ? a.top - (size_t)a.plan_rows + 1 : 0;
			break;
		case '\n': case '\r': case KEY_ENTER: case KEY_F(2):
			rc = apply(u, &a);
			if (rc != 0)
				done = 1;
			break;
		case 27: case 'q': case KEY_F(10):
			rc = 0;
			done = 1;
			break;
		}
	}
	ui_pop_layer(u);
	adj_free(&a);
	ui_flush(u);
	if (rc == 1) {
		ui_reload_now(u);
		u->walk_adjusted = 1;
		ui_status(u, "Adjuster applied: %zu orphaned mailbox%s left", u->n_orphans,
		          u->n_orphans == 1 ? "" : "es");
		ui_redraw(u);
		ui_fixup(u);
	}
	return rc;
}

/* ---- KB Q197970: recreated recipients ------------------------------------- */

/* The NT domain most existing accounts are in ("CONTOSO" of
 * "CONTOSO\\jsmith"), as they spell it; NULL when none has one. */
static char *accounts_domain(const ui *u)
{
	size_t i, j, best = 0, best_n = 0;

	for (i = 0; i < u->n_rc; i++) {
		const char *a = u->rc[i].primary_account, *bs;
		size_t len, n = 0;

		if (!a || !(bs = strchr(a, '\\')) || bs == a)
			continue;
		len = (size_t)(bs - a);
		/* Count the accounts of this domain (the first 2,000 suffice). */
		for (j = 0; j < u->n_rc && j < 2000; j++) {
			const char *b = u->rc[j].primary_account;

			n += b && strncmp(b, a, len) == 0 && b[len] == '\\';
		}
		if (n > best_n) {
			best_n = n;
			best = i;
		}
		if (i >= 2000)
			break;
	}
	if (!best_n)
		return NULL;
	return mbx_strndup(u->rc[best].primary_account,
	                   (size_t)(strchr(u->rc[best].primary_account, '\\') -
	                            u->rc[best].primary_account));
}

typedef struct fix_job {
	char **alias, **acct;
	size_t n, fixed;
	int unhide;
	mbx_log *slog;
	atomic_int cancel;
} fix_job;

static int fix_work(mbx_store *st, void *arg)
{
	fix_job *j = arg;
	size_t i;

	for (i = 0; i < j->n && !atomic_load(&j->cancel); i++) {
		if (mbx_recipient_fixup(st, j->alias[i], j->acct[i], j->unhide, ui_actor()) < 0) {
			mbx_log_write(j->slog, MBX_LOG_MIN, "Fix-up of %s failed: %s", j->alias[i],
			              mbx_error_last());
		} else {
			if (j->fixed < LOG_CHANGES_MAX)
				mbx_log_write(j->slog, MBX_LOG_MIN, "Fixed recipient %s%s%s", j->alias[i],
				              j->acct[i] ? ": primary account " : "",
				              j->acct[i] ? j->acct[i] : "");
			j->fixed++;
		}
	}
	if (j->fixed > LOG_CHANGES_MAX)
		mbx_log_write(j->slog, MBX_LOG_MIN, "Fixed %zu more recipients (the audit log names "
		              "each)", j->fixed - LOG_CHANGES_MAX);
	return 0;
}

int ui_fixup(ui *u)
{
	ui_field_spec f[2] = { { "NT domain", NULL }, { "Unhide (y/n)", NULL } };
	size_t i, n = 0;
	fix_job j;
	char *q, *dom;
	int yes;

	memset(&j, 0, sizeof j);
	for (i = 0; i < u->n_rc; i++)
		n += (u->rflags[i] & (UI_R_HIDDEN | UI_R_NO_ACCOUNT)) != 0;
	if (!n)
		return 0;
	q = mbx_asprintf("%zu recipient%s recreated by the adjuster %s hidden from the address book "
	                 "or without a primary Windows NT account (KB Q197970). Users can not log "
	                 "on to such mailboxes. Assign accounts DOMAIN\\alias and unhide now?",
	                 n, n == 1 ? "" : "s", n == 1 ? "is" : "are");
	yes = ui_confirm(u, "Fix recreated recipients?", q, 0);
	mbx_free(q);
	if (!yes)
		return 0;
	/* The domain the existing accounts use; the organization's name only
	 * when no recipient has an account yet. */
	dom = accounts_domain(u);
	f[0].value = dom ? dom : mbx_strdup(u->srv.organization ? u->srv.organization : "DOMAIN");
	f[1].value = mbx_strdup("y");
	q = mbx_asprintf("Each recipient gets the primary account DOMAIN\\alias (leave the domain "
	                 "empty to keep accounts as they are).%s%s%s", dom ? " The existing accounts "
	                 "are in " : "", dom ? dom : "", dom ? "." : "");
	yes = ui_form(u, "Fix recreated recipients", q, f, 2);
	mbx_free(q);
	if (!yes)
		goto out;
	j.alias = mbx_calloc(n, sizeof *j.alias);
	j.acct = mbx_calloc(n, sizeof *j.acct);
	j.unhide = f[1].value[0] == 'y' || f[1].value[0] == 'Y';
	j.slog = u->slog;
	for (i = 0; i < u->n_rc && j.n < n; i++) {
		if (!(u->rflags[i] & (UI_R_HIDDEN | UI_R_NO_ACCOUNT)))
			continue;
		j.alias[j.n] = mbx_strdup(u->rc[i].alias);
		if (f[0].value[0] && (u->rflags[i] & UI_R_NO_ACCOUNT))
			j.acct[j.n] = mbx_asprintf("%s\\%s", f[0].value, u->rc[i].alias);
		j.n++;
	}
	q = mbx_asprintf("Fixing %zu recipient%s", j.n, j.n == 1 ? "" : "s");
	if (ui_work_run(u, "Fix recreated recipients", q, fix_work, &j, &j.cancel, NULL) < 0 &&
	    mbx_error_last()[0] && !atomic_load(&j.cancel))
		ui_message(u, "Fix-up failed", mbx_error_last());
	mbx_free(q);
	for (i = 0; i < j.n; i++) {
		mbx_free(j.alias[i]);
		mbx_free(j.acct[i]);
	}
	mbx_free(j.alias);
	mbx_free(j.acct);
	ui_reload_now(u);
	ui_status(u, "%zu recipient%s fixed", j.fixed, j.fixed == 1 ? "" : "s");
	ui_redraw(u);
out:
	mbx_free(f[0].value);
	mbx_free(f[1].value);
	return (int)j.fixed;
}
