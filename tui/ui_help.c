/*
 * tui/ui_help.c - help and details (see ui_help.h).
 */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "mbx/store.h"
#include "mbx/text.h"
#include "ui_dialog.h"
#include "ui_help.h"
#include "ui_panels.h"

typedef struct help_key {
	const char *keys, *what;
} help_key;

typedef struct help_group {
	const char *title;
	const help_key *keys;
} help_group;

static const help_key k_actions[] = {
	{ "F1  ?", "this help" },
	{ "F2  a", "DS/IS consistency adjuster: plan, functions, time filter, apply" },
	{ "F5  e", "export the marked mailboxes (or the selected one) to PST files" },
	{ "F9  r", "recover: adjuster (create-mailboxes) then export of the marked "
	           "mailboxes, or of all when none is marked" },
	{ "F6  i", "import PST files into the store" },
	{ "w", "guided recovery walkthrough (KB Q265438), resumes where it was left" },
	{ "f", "fix recreated recipients: primary NT account, unhide (KB Q197970)" },
	{ "F10 q", "quit" },
	{ NULL, NULL }
};
static const help_key k_move[] = {
	{ "Tab", "switch between Mailbox Resources and Recipients" },
	{ "Up Down  k j", "previous / next line" },
	{ "PgUp PgDn", "previous / next page" },
	{ "Home End  g G", "first / last line" },
	{ "/", "incremental search by display name or alias (Enter keeps, Esc returns, "
	       "Down: next match)" },
	{ "n", "next match of the last search" },
	{ "s", "cycle the sort order of the focused panel" },
	{ "Enter", "details of the selected mailbox (folders) or recipient" },
	{ "< >", "scroll the log pane back / forward" },
	{ NULL, NULL }
};
static const help_key k_marks[] = {
	{ "Space", "mark / unmark the selected mailbox" },
	{ "*", "mark every orphaned mailbox" },
	{ "u", "clear all marks" },
	{ NULL, NULL }
};
static const help_key k_dialogs[] = {
	{ "Enter", "OK / apply (a confirmation always starts on No)" },
	{ "Esc", "cancel; during an export: stop it cleanly" },
	{ "Tab Up Down", "next field; ^U clears a field" },
	{ "Space", "toggle the adjuster function under the cursor" },
	{ "t", "adjuster time filter" },
	{ "Left Right  p n", "walkthrough: previous / next step" },
	{ NULL, NULL }
};
static const help_key k_marks_legend[] = {
	{ ">", "the item linked to the selection, in the other panel (named on the info line)" },
	{ "!", "Mailbox Resources: orphaned, no directory entry (Exmerge fails, MSEMS)" },
	{ "+", "Mailbox Resources: marked" },
	{ "-", "Recipients: mailbox homed on this server but not in the store" },
	{ "~", "Recipients: recreated by the adjuster, still hidden or without primary account" },
	{ "H", "Recipients: hidden from the address book" },
	{ NULL, NULL }
};

static const help_group groups[] = {
	{ "Actions", k_actions },
	{ "Moving around", k_move },
	{ "Marking mailboxes", k_marks },
	{ "In dialogs", k_dialogs },
	{ "Markers", k_marks_legend },
};

void ui_help(ui *u)
{
	ui_lines l = { 0 };
	size_t g;
	const help_key *k;

	ui_lines_add(&l, "mbxrescue %s: recover mailboxes of an information store restored without "
	             "its directory.", mbx_version());
	for (g = 0; g < sizeof groups / sizeof groups[0]; g++) {
		ui_lines_add(&l, "%s", "");
		ui_lines_add(&l, "%s", groups[g].title);
		for (k = groups[g].keys; k->keys; k++)
			ui_lines_add(&l, "  %-16s\t %s", k->keys, k->what);
	}
	ui_lines_add(&l, "%s", "");
	ui_lines_add(&l, "Options: --ascii (ASCII drawing), --no-color or NO_COLOR (monochrome). "
	             "Scripts: the batch commands (mbxrescue --help).");
	ui_pager(u, "Help", &l, "Up/Down/PgUp/PgDn scroll  Esc/q/Enter close", NULL);
	ui_lines_free(&l);
}

static void fmt_time(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0 || !gmtime_r(&tt, &tm))
		snprintf(buf, len, "never");
	else
		strftime(buf, len, "%Y-%m-%d %H:%M UTC", &tm);
}

static void mailbox_details(ui *u, size_t i, ui_lines *l)
{
	const mbx_mailbox *m = &u->mb[i];
	mbx_folder *f = NULL;
	size_t nf = 0, k;
	char sz[24], t1[40], t2[40];

	mbx_text_size(m->total_size, sz, sizeof sz);
	fmt_time(m->last_logon, t1, sizeof t1);
	fmt_time(m->created_time, t2, sizeof t2);
	ui_lines_add(l, "Display name:  %s", m->display_name);
	ui_lines_add(l, "Alias:         %s", m->alias ? m->alias : "");
	ui_lines_add(l, "Legacy DN:     %s", m->legacy_dn ? m->legacy_dn : "");
	ui_lines_add(l, "Mailbox GUID:  %s", m->guid ? m->guid : "");
	ui_lines_add(l, "Items:         %lld   Size: %s", (long long)m->item_count, sz);
	ui_lines_add(l, "Last logon:    %s   In the store since: %s", t1, t2);
	if (u->rc_of_mb[i] == UI_NONE)
		ui_lines_add(l, "Directory:     NONE - orphaned: Exmerge fails with MSEMS errors; "
		             "F2 runs the adjuster, F9 recovers");
	else
		ui_lines_add(l, "Directory:     %s (%s)", u->rc[u->rc_of_mb[i]].display_name,
		             u->rc[u->rc_of_mb[i]].dn ? u->rc[u->rc_of_mb[i]].dn : "");
	ui_lines_add(l, "%s", "");
	if (mbx_store_folders(u->st, m->id, &f, &nf) < 0) {
		ui_lines_add(l, "Folders: %s", mbx_error_last());
		return;
	}
	ui_lines_add(l, "Folders (%zu):", nf);
	for (k = 0; k < nf; k++)
		ui_lines_add(l, "  %s\t: %lld items, %lld unread", f[k].path ? f[k].path : f[k].name,
		             (long long)f[k].message_count, (long long)f[k].unread_count);
	mbx_folders_free(f, nf);
}

static void recipient_details(ui *u, size_t i, ui_lines *l)
{
	const mbx_recipient *r = &u->rc[i];
	char t[40];

	ui_lines_add(l, "Display name:     %s", r->display_name);
	ui_lines_add(l, "Alias:            %s", r->alias ? r->alias : "");
	ui_lines_add(l, "Distinguished name: %s", r->dn ? r->dn : "");
	ui_lines_add(l, "SMTP address:     %s", r->smtp ? r->smtp : "");
	ui_lines_add(l, "Type:             %s", r->object_class == MBX_OBJ_MAILBOX ? "mailbox" :
	             r->object_class == MBX_OBJ_CUSTOM ? "custom recipient" : "distribution list");
	ui_lines_add(l, "Home server:      %s", r->home_server ? r->home_server : "-");
	ui_lines_add(l, "Primary account:  %s", r->primary_account && *r->primary_account ?
	             r->primary_account : "(none)");
	ui_lines_add(l, "Hidden:           %s", r->hidden ? "yes" : "no");
	if (r->created_by_adjuster) {
		fmt_time(r->created_time, t, sizeof t);
		ui_lines_add(l, "Recreated by the consistency adjuster on %s%s", t,
		             u->rflags[i] ? ": press f to assign an account and unhide (KB Q197970)" : "");
	}
	if (u->mb_of_rc[i] != UI_NONE)
		ui_lines_add(l, "Mailbox:          %s", u->mb[u->mb_of_rc[i]].display_name);
	else if (u->rflags[i] & UI_R_NO_MAILBOX)
		ui_lines_add(l, "Mailbox:          homed here but NOT in the information store");
	else
		ui_lines_add(l, "Mailbox:          none on this server");
}

void ui_details(ui *u)
{
	ui_lines l = { 0 };
	size_t i;

	if (u->focus == 0) {
		i = ui_sel_mailbox(u);
		if (i == UI_NONE)
			return;
		mailbox_details(u, i, &l);
		ui_pager(u, "Mailbox details", &l, NULL, NULL);
	} else {
		if (!u->lr.n || u->lr.sel >= u->lr.n)
			return;
		recipient_details(u, u->lr.order[u->lr.sel], &l);
		ui_pager(u, "Recipient details", &l, NULL, NULL);
	}
	ui_lines_free(&l);
}
