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

/* One checkbox per rule of the core's (mbx_adjust_rules), in its order. */
typedef struct adj {
	const mbx_adjust_rule *rules;
	size_t n_rules;
	unsigned functions;
	int older_than;            /* days, <0 = all */
	size_t *counts;            /* changes each rule would make */
	mbx_adjust_plan *plan;
	ui_lines planl;
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

/* The index of the rule that makes changes of kind k; n_rules: none. */
static size_t rule_of(const adj *a, mbx_change_kind k)
{
	size_t i;

	for (i = 0; i < a->n_rules && a->rules[i].change != k; i++)
		;
	return i;
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

/* Plan text: the warning first when folders would be rehomed. */
static void plan_lines(adj *a)
{
	size_t i, rehome = 0;
	const mbx_adjust_plan *p = a->plan;

	ui_lines_free(&a->planl);
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
	for (i = 0; i < p->count; i++) {
		const mbx_change *c = &p->changes[i];

		switch (c->kind) {
		case MBX_CHANGE_CREATE_RECIPIENT:
			ui_lines_add(&a->planl, "  create  %s  alias %s  %s  <%s>", c->object,
			             c->alias ? c->alias : "", c->dn ? c->dn : "", c->smtp ? c->smtp : "");
			break;
		case MBX_CHANGE_REHOME_FOLDER:
			ui_lines_add(&a->planl, "  rehome  %s  from %s to %s", c->object,
			             c->from ? c->from : "?", c->to ? c->to : "?");
			break;
		case MBX_CHANGE_REMOVE_PERMISSION:
			ui_lines_add(&a->planl, "  remove  permission of %s  %s", c->object,
			             c->detail ? c->detail : "");
			break;
		case MBX_CHANGE_SKIP_LIMITED_FOLDER:
			ui_lines_add(&a->planl, "  skip    %s  %s", c->object,
			             c->detail ? c->detail : "(limited administrative access)");
			break;
		default:
			ui_lines_add(&a->planl, "  %-7s %s  %s", mbx_change_kind_name(c->kind),
			             c->object ? c->object : "", c->detail ? c->detail : "");
			break;
		}
	}
}

static int recompute(ui *u, adj *a)
{
	mbx_adjust_opts o;
	mbx_adjust_plan *all = NULL;
	unsigned every = 0;
	size_t i, k;
	int rc;

	for (i = 0; i < a->n_rules; i++)
		every |= a->rules[i].flag;
	adj_opts(u, a, every, &o);
	if ((rc = mbx_adjust_plan_compute(u->st, &o, &all)) < 0)
		return rc;
	memset(a->counts, 0, a->n_rules * sizeof(*a->counts));
	for (i = 0; i < all->count; i++)
		if (all->changes[i].kind != MBX_CHANGE_SKIP_LIMITED_FOLDER &&
		    (k = rule_of(a, all->changes[i].kind)) < a->n_rules)
			a->counts[k]++;
	mbx_adjust_plan_free(all);
	mbx_adjust_plan_free(a->plan);
	a->plan = NULL;
	adj_opts(u, a, a->functions, &o);
	if ((rc = mbx_adjust_plan_compute(u->st, &o, &a->plan)) < 0)
		return rc;
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
	ui_lines wrapped = { 0 };
	char filt[96];
	size_t warn_end;

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
	/* Plan lines: wrapped to the dialog, scrolled by PgUp/PgDn; the
	 * warning paragraph (up to its blank line) stands out. */
	ui_wrap(u, &a->planl, a->d.wd - 4, &wrapped);
	for (warn_end = 0; a->planl.n && strncmp(a->planl.v[0], "WARNING", 7) == 0 &&
	     warn_end < wrapped.n && wrapped.v[warn_end][0]; warn_end++)
		;
	if (a->top + (size_t)a->plan_rows > wrapped.n)
		a->top = wrapped.n > (size_t)a->plan_rows ? wrapped.n - (size_t)a->plan_rows : 0;
	for (y = 0; y < a->plan_rows; y++) {
		size_t k = a->top + (size_t)y;
		const char *line = k < wrapped.n ? wrapped.v[k] : "";
		chtype at = k < warn_end ? ui_attr(u, UI_C_WARN) : A_NORMAL;

		ui_text_put(u, a->d.w, 4 + nr + y, 2, line, a->d.wd - 4, 0, at);
	}
	ui_hline(u, a->d.w, a->d.h - 3, 1, a->d.wd - 2);
	ui_text_put(u, a->d.w, a->d.h - 2, 2,
	            "Enter: apply (asks first)  Space: toggle  t: time filter  PgUp/PgDn: plan  Esc: cancel",
	            a->d.wd - 4, 0, A_BOLD);
	ui_lines_free(&wrapped);
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

/* Apply after a confirmation that defaults to No; 1 applied, 0 not. */
static int apply(ui *u, adj *a)
{
	mbx_adjust_opts o;
	char *q;
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
	adj_opts(u, a, a->functions, &o);
	rc = mbx_adjust_apply(u->st, a->plan, &o);
	if (rc < 0) {
		mbx_log_write(u->slog, MBX_LOG_MIN, "Consistency adjuster failed: %s", mbx_error_last());
		ui_message(u, "Consistency adjuster failed", mbx_error_last());
		return rc;
	}
	for (i = 0; i < a->plan->count; i++) {
		const mbx_change *c = &a->plan->changes[i];

		if (c->kind == MBX_CHANGE_CREATE_RECIPIENT)
			mbx_log_write(u->slog, MBX_LOG_MIN, "Consistency adjuster: created directory entry "
			              "%s for mailbox '%s'", c->dn ? c->dn : "", c->object);
		else if (c->kind == MBX_CHANGE_REHOME_FOLDER)
			mbx_log_write(u->slog, MBX_LOG_MIN, "Consistency adjuster: rehomed public folder "
			              "'%s' from %s to %s", c->object, c->from ? c->from : "?",
			              c->to ? c->to : "?");
		else if (c->kind == MBX_CHANGE_REMOVE_PERMISSION)
			mbx_log_write(u->slog, MBX_LOG_MIN, "Consistency adjuster: removed permission of "
			              "unknown account %s", c->object);
		else if (c->kind != MBX_CHANGE_SKIP_LIMITED_FOLDER)
			mbx_log_write(u->slog, MBX_LOG_MIN, "Consistency adjuster: %s",
			              c->detail ? c->detail : mbx_change_kind_name(c->kind));
	}
	mbx_log_write(u->slog, MBX_LOG_MIN, "Consistency adjuster: %zu change%s applied", n,
	              n == 1 ? "" : "s");
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
		if (ui_data_load(u) < 0)
			ui_message(u, "Reload failed", mbx_error_last());
		u->walk_adjusted = 1;
		ui_status(u, "Adjuster applied: %zu orphaned mailbox%s left", u->n_orphans,
		          u->n_orphans == 1 ? "" : "es");
		ui_redraw(u);
		ui_fixup(u);
	}
	return rc;
}

/* ---- KB Q197970: recreated recipients ------------------------------------- */

int ui_fixup(ui *u)
{
	ui_field_spec f[2] = { { "NT domain", NULL }, { "Unhide (y/n)", NULL } };
	size_t i, n = 0, fixed = 0;
	char *q;
	int yes, rc;

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
	f[0].value = mbx_strdup(u->srv.organization ? u->srv.organization : "DOMAIN");
	f[1].value = mbx_strdup("y");
	if (!ui_form(u, "Fix recreated recipients", "Each recipient gets the primary account "
	             "DOMAIN\\alias (leave the domain empty to keep accounts as they are).", f, 2))
		goto out;
	for (i = 0; i < u->n_rc; i++) {
		const mbx_recipient *r = &u->rc[i];
		char *acct = NULL;

		if (!(u->rflags[i] & (UI_R_HIDDEN | UI_R_NO_ACCOUNT)))
			continue;
		if (f[0].value[0] && (u->rflags[i] & UI_R_NO_ACCOUNT))
			acct = mbx_asprintf("%s\\%s", f[0].value, r->alias);
		rc = mbx_recipient_fixup(u->st, r->alias, acct,
		                         f[1].value[0] == 'y' || f[1].value[0] == 'Y', ui_actor());
		if (rc < 0) {
			mbx_log_write(u->slog, MBX_LOG_MIN, "Fix-up of %s failed: %s", r->alias,
			              mbx_error_last());
		} else {
			mbx_log_write(u->slog, MBX_LOG_MIN, "Fixed recipient %s%s%s", r->alias,
			              acct ? ": primary account " : "", acct ? acct : "");
			fixed++;
		}
		mbx_free(acct);
	}
	if (ui_data_load(u) < 0)
		ui_message(u, "Reload failed", mbx_error_last());
	ui_status(u, "%zu recipient%s fixed", fixed, fixed == 1 ? "" : "s");
	ui_redraw(u);
out:
	mbx_free(f[0].value);
	mbx_free(f[1].value);
	return (int)fixed;
}
