/*
 * tui/ui_walk.c - the guided recovery walkthrough (see ui_walk.h).  Six
 * steps mirroring KB Q265438; each step's Enter does the real thing (an
 * export that fails, the adjuster, the export, reading the PSTs back).
 */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mbx/check.h"
#include "mbx/export.h"
#include "mbx/pstread.h"
#include "mbx/text.h"
#include "ui_adjust.h"
#include "ui_dialog.h"
#include "ui_export.h"
#include "ui_panels.h"
#include "ui_walk.h"

#define N_STEPS 6

static const char *const step_names[N_STEPS + 1] = {
	"", "Symptom", "Cause", "Resolution", "Export", "Verify", "Done"
};

static void strv_free(char ***v, size_t *n)
{
	size_t i;

	for (i = 0; i < *n; i++)
		mbx_free((*v)[i]);
	mbx_free(*v);
	*v = NULL;
	*n = 0;
}

static void strv_add(char ***v, size_t *n, char *s)
{
	*v = mbx_reallocarray(*v, *n + 1, sizeof **v);
	(*v)[(*n)++] = s;
}

void ui_walk_free(ui *u)
{
	strv_free(&u->walk_sym, &u->n_walk_sym);
	strv_free(&u->walk_ver, &u->n_walk_ver);
}

/* ---- the steps' text ------------------------------------------------------- */

/* The mailbox the walkthrough shows things on: the selected one when it is
 * orphaned, else the first orphan (UI_NONE when there is none). */
static size_t subject(const ui *u, const size_t *o, size_t n)
{
	size_t sel = ui_sel_mailbox(u);

	if (sel != UI_NONE && u->rc_of_mb[sel] == UI_NONE && u->mb[sel].recipient_id == 0)
		return sel;
	return n ? o[0] : UI_NONE;
}

static void step_symptom(ui *u, ui_lines *l, const char **action)
{
	size_t i, n;
	size_t *o = ui_orphans(u, &n);
	size_t subj = subject(u, o, n), sel = ui_sel_mailbox(u);

	ui_lines_add(l, "After the information store of %s was restored on a recovery server "
	             "without its directory, Exmerge fails to export some mailboxes to .pst files: "
	             "the log shows \"Error configuring message service (MSEMS)\" and \"Copy "
	             "process aborted\".", u->srv.server ? u->srv.server : "this server");
	ui_lines_add(l, "%s", "");
	if (u->n_walk_sym) {
		ui_lines_add(l, "What happened when this console exported one of them just now:");
		for (i = 0; i < u->n_walk_sym; i++)
			ui_lines_add(l, "  %s", u->walk_sym[i]);
	} else if (n) {
		ui_lines_add(l, "Press Enter to try the export of '%s' now and see the real log lines.",
		             u->mb[subj].display_name);
		if (subj == sel)
			ui_lines_add(l, "(It is the mailbox selected in Mailbox Resources: Esc, select "
			             "another orphan (!), w comes back here with it.)");
		else if (sel != UI_NONE)
			ui_lines_add(l, "(The selected mailbox, '%s', has a directory entry: Exmerge "
			             "exports it. Esc, select an orphan (!), w comes back here with it.)",
			             u->mb[sel].display_name);
		*action = "try the export";
	} else {
		ui_lines_add(l, "No mailbox on this server lacks a directory entry right now, so "
		             "Exmerge would export every mailbox.%s", u->walk_adjusted ?
		             " (The adjuster has been run in this session.)" : "");
	}
	mbx_free(o);
}

static void step_cause(ui *u, ui_lines *l)
{
	size_t i, n;
	size_t *o = ui_orphans(u, &n);
	size_t subj = subject(u, o, n);
	char sz[24];

	ui_lines_add(l, "Exmerge logs on to each mailbox through its directory entry. These "
	             "mailboxes are in Mailbox Resources (the information store) but not in "
	             "Recipients (the directory), so Exmerge can not open them:");
	if (subj != UI_NONE)
		ui_lines_add(l, "'%s' among them: its row in Mailbox Resources has '!' and the "
		             "Recipients panel has no '>' for it.", u->mb[subj].display_name);
	ui_lines_add(l, "%s", "");
	for (i = 0; i < n; i++) {
		const mbx_mailbox *m = &u->mb[o[i]];

		mbx_text_size(m->total_size, sz, sizeof sz);
		ui_lines_add(l, "  %s %s (%s)  %lld items, %s", o[i] == subj ? ">" : "!",
		             m->display_name, m->alias ? m->alias : "", (long long)m->item_count, sz);
	}
	if (!n)
		ui_lines_add(l, "  (none now: every mailbox has a directory entry)");
	ui_lines_add(l, "%s", "");
	ui_lines_add(l, "%zu of %zu mailboxes are orphaned.", n, u->n_mb);
	mbx_free(o);
}

static void step_resolution(ui *u, ui_lines *l, const char **action)
{
	ui_lines_add(l, "Run the DS/IS consistency adjuster (Exchange Administrator: Server, "
	             "Advanced, Consistency Adjuster) with \"Synchronize with the directory, "
	             "create mailboxes\": it creates a directory entry for every mailbox that has "
	             "none. Its other functions rehome public folders and remove unknown "
	             "permissions; KB Q182979 warns that rehomed folders win conflicts when the site "
	             "is reconnected, and permissions of users elsewhere are lost. The dialog shows "
	             "the plan and asks before it changes anything.");
	ui_lines_add(l, "%s", "");
	if (u->walk_adjusted)
		ui_lines_add(l, "The adjuster was applied in this session: %zu orphaned mailbox%s left "
		             "(there were %zu).", u->n_orphans, u->n_orphans == 1 ? "" : "es",
		             u->walk_orphans_before);
	else
		ui_lines_add(l, "%zu orphaned mailbox%s now.", u->n_orphans, u->n_orphans == 1 ? "" : "es");
	ui_lines_add(l, "%s", "");
	ui_lines_add(l, "Outside the walkthrough: F2 opens the adjuster, F9 shows the whole "
	             "recovery (adjuster and export) as one plan.");
	*action = "open the adjuster";
}

static void step_export(ui *u, ui_lines *l, const char **action)
{
	const ui_export_summary *s = &u->last_export;

	ui_lines_add(l, "Now run Exmerge's step 1 for every mailbox: copy each mailbox to a .pst "
	             "file. Each PST is written under a temporary name, read back with libpst and "
	             "compared with the store before it gets its final name ALIAS.PST.");
	ui_lines_add(l, "%s", "");
	if (u->walk_exported)
		ui_lines_add(l, "Exported: %zu of %zu verified, %zu failed, to %s.", s->verified,
		             s->total, s->failed, s->out_dir ? s->out_dir : "");
	else
		ui_lines_add(l, "%zu mailbox%s to export (%zu orphaned).", u->n_mb,
		             u->n_mb == 1 ? "" : "es", u->n_orphans);
	*action = "export all mailboxes";
}

static void step_verify(ui *u, ui_lines *l, const char **action)
{
	const ui_export_summary *s = &u->last_export;
	size_t i;

	if (!u->walk_exported) {
		ui_lines_add(l, "Nothing exported yet in this walkthrough: go back (p) to step 4.");
		return;
	}
	ui_lines_add(l, "Each PST was verified by the export; press Enter to read every PST back "
	             "with libpst once more and list what it holds.");
	ui_lines_add(l, "%s", "");
	if (u->n_walk_ver) {
		ui_lines_add(l, "Read back now:");
		for (i = 0; i < u->n_walk_ver; i++)
			ui_lines_add(l, "  %s", u->walk_ver[i]);
		ui_lines_add(l, "%s", "");
	}
	ui_lines_add(l, "The export's own verification (%zu of %zu verified):", s->verified, s->total);
	for (i = 0; i < s->n_lines; i++)
		ui_lines_add(l, "  %s", s->lines[i]);
	*action = "read the PSTs back";
}

static void step_done(ui *u, ui_lines *l)
{
	const ui_export_summary *s = &u->last_export;
	size_t i, pending = 0;

	for (i = 0; i < u->n_rc; i++)
		pending += (u->rflags[i] & (UI_R_HIDDEN | UI_R_NO_ACCOUNT)) != 0;
	ui_lines_add(l, "What was fixed:");
	if (u->walk_adjusted)
		ui_lines_add(l, "  The adjuster created directory entries: %zu orphaned mailbox%s "
		             "before, %zu now.", u->walk_orphans_before,
		             u->walk_orphans_before == 1 ? "" : "es", u->n_orphans);
	else
		ui_lines_add(l, "  The adjuster was not run in this session (%zu orphaned now).",
		             u->n_orphans);
	if (u->walk_exported)
		ui_lines_add(l, "  %zu of %zu mailboxes exported and verified%s.", s->verified, s->total,
		             s->failed ? " (see the failures above in the log)" : "");
	ui_lines_add(l, "%s", "");
	ui_lines_add(l, "Where the PSTs are:");
	if (u->walk_exported)
		ui_lines_add(l, "  %s (the Exmerge log is mbxrescue.log there)", s->out_dir);
	else
		ui_lines_add(l, "  nothing exported yet");
	ui_lines_add(l, "%s", "");
	ui_lines_add(l, "Next steps:");
	ui_lines_add(l, "  - Assign a primary Windows NT account to every recreated recipient and "
	             "unhide it (KB Q197970)%s.", pending ? ": press f now" : ": done");
	ui_lines_add(l, "  - Merge the PSTs into the mailboxes of the production server (Exmerge "
	             "step 2, F6 import).");
	ui_lines_add(l, "  - Keep the log (l shows it) and the audit trail (A) with the recovery "
	             "records.");
}

/* ---- the steps' actions ------------------------------------------------------ */

static void act_symptom(ui *u)
{
	size_t n, from;
	size_t *o = ui_orphans(u, &n);
	const char *alias;

	if (!n) {
		mbx_free(o);
		return;
	}
	alias = u->mb[subject(u, o, n)].alias;
	ui_log_drain(u);
	from = u->n_log;
	ui_export(u, &alias, 1, UI_EXP_QUIET | UI_EXP_WAIT);
	strv_free(&u->walk_sym, &u->n_walk_sym);
	for (; from < u->n_log; from++)
		strv_add(&u->walk_sym, &u->n_walk_sym, mbx_strdup(u->log[from]));
	strv_add(&u->walk_sym, &u->n_walk_sym, mbx_asprintf("Result: %s",
	         u->last_export.n_lines ? u->last_export.lines[0] : "no result"));
	mbx_free(o);
}

static void act_verify(ui *u)
{
	size_t i;

	strv_free(&u->walk_ver, &u->n_walk_ver);
	for (i = 0; i < u->last_export.n_psts; i++) {
		const char *path = u->last_export.psts[i];
		char *desc = NULL, *line, *save = NULL;
		long long folders = 0, msgs = 0;

		if (mbx_pst_describe(path, &desc) < 0) {
			strv_add(&u->walk_ver, &u->n_walk_ver,
			         mbx_asprintf("%s: NOT readable: %s", path, mbx_error_last()));
			continue;
		}
		for (line = strtok_r(desc, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			const char *tab = strchr(line, '\t');

			folders++;
			if (tab)
				msgs += strtoll(tab + 1, NULL, 10);
		}
		strv_add(&u->walk_ver, &u->n_walk_ver,
		         mbx_asprintf("%s: readable, %lld folders, %lld messages", path, folders, msgs));
		mbx_free(desc);
	}
	if (!u->last_export.n_psts)
		strv_add(&u->walk_ver, &u->n_walk_ver, mbx_strdup("no PST was written"));
}

void ui_walk(ui *u)
{
	static const int keys[] = { '\n', '\r', KEY_ENTER, KEY_LEFT, KEY_RIGHT, 'p', 'n',
	                            27, 'q', KEY_F(10), 'f', 0 };

	if (u->walk_step < 1) {
		u->walk_step = 1;
		u->walk_orphans_before = u->n_orphans;
	}
	for (;;) {
		ui_lines l = { 0 };
		const char *action = NULL;
		char title[64], *footer;
		int ch;

		switch (u->walk_step) {
		case 1: step_symptom(u, &l, &action); break;
		case 2: step_cause(u, &l); break;
		case 3: step_resolution(u, &l, &action); break;
		case 4: step_export(u, &l, &action); break;
		case 5: step_verify(u, &l, &action); break;
		default: step_done(u, &l); break;
		}
		snprintf(title, sizeof title, "Recovery walkthrough: step %d of %d - %s",
		         u->walk_step, N_STEPS, step_names[u->walk_step]);
		footer = mbx_asprintf("%s%s%sn/Right next  p/Left back  Esc leave (w resumes)",
		                      action ? "Enter: " : (u->walk_step == N_STEPS ? "Enter: close  " : ""),
		                      action ? action : "", action ? "  " : "");
		ch = ui_pager(u, title, &l, footer, keys);
		mbx_free(footer);
		ui_lines_free(&l);
		if (ch == 27 || ch == 'q' || ch == KEY_F(10))
			break;
		if (ch == KEY_LEFT || ch == 'p') {
			if (u->walk_step > 1)
				u->walk_step--;
		} else if (ch == KEY_RIGHT || ch == 'n') {
			if (u->walk_step < N_STEPS)
				u->walk_step++;
		} else if (ch == 'f') {
			ui_fixup(u);
		} else if (!action) {
			if (u->walk_step == N_STEPS)
				break;
			u->walk_step++;
		} else {
			switch (u->walk_step) {
			case 1: act_symptom(u); break;
			case 3:
				if (ui_adjust(u, MBX_ADJ_CREATE_MAILBOXES, NULL) == 1)
					u->walk_step++;
				break;
			case 4: {
				size_t n;
				const char **a = ui_export_aliases(u, 1, &n);
				size_t i, k = 0;

				/* Step 4 is "all mailboxes", whatever is marked. */
				for (i = 0; i < u->lm.n; i++)
					a[k++] = u->mb[u->lm.order[i]].alias;
				n = k;
				/* Results of this export only (not of step 1's). */
				ui_export_summary_free(&u->last_export);
				if (ui_export(u, a, n, UI_EXP_ASK | UI_EXP_QUIET | UI_EXP_WAIT) >= 0 && u->last_export.total) {
					u->walk_exported = 1;
					u->walk_step++;
				}
				mbx_free(a);
				break;
			}
			case 5: act_verify(u); break;
			}
		}
		ui_redraw(u);
	}
	ui_redraw(u);
}
