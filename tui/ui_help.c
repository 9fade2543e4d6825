/*
 * tui/ui_help.c - help and details (see ui_help.h).  The help's keys are
 * generated from the key table (ui_keys.c).
 */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "mbx/store.h"
#include "mbx/text.h"
#include "ui_dialog.h"
#include "ui_help.h"
#include "ui_keys.h"
#include "ui_panels.h"

/* The markers in the panels (the keys come from the key table). */
static const struct {
	const char *mark, *what;
} markers[] = {
	{ ">", "the selection, and in the other panel the item linked to it (named on the info "
	       "line); the focused panel's title stands out" },
	{ "!", "Mailbox Resources: orphaned, no directory entry (Exmerge fails, MSEMS)" },
	{ "+", "Mailbox Resources: marked" },
	{ "-", "Recipients: mailbox homed on this server but not in the store" },
	{ "~", "Recipients: recreated by the adjuster, still hidden or without primary account" },
	{ "H", "Recipients: hidden from the address book" },
};

void ui_help(ui *u)
{
	ui_lines l = { 0 };
	char keys[64], what[256];
	size_t i;
	int g;

	ui_lines_add(&l, "mbxrescue %s: recover mailboxes of an information store restored without "
	             "its directory.", mbx_version());
	for (g = 0; g < UI_KG_COUNT; g++) {
		ui_lines_add(&l, "%s", "");
		ui_lines_add(&l, "%s", ui_key_group_title[g]);
		for (i = 0; i < ui_n_keys; i++) {
			if (ui_keys[i].group != g)
				continue;
			ui_key_names(&ui_keys[i], keys, sizeof keys);
			ui_key_help(&ui_keys[i], what, sizeof what);
			ui_lines_add(&l, "  %-16s\t %s", keys, what);
		}
	}
	ui_lines_add(&l, "%s", "");
	ui_lines_add(&l, "%s", "Markers");
	for (i = 0; i < sizeof markers / sizeof markers[0]; i++)
		ui_lines_add(&l, "  %-16s\t %s", markers[i].mark, markers[i].what);
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
	int64_t msgs = 0, assoc;
	char sz[24], t1[40], t2[40];

	mbx_text_size(m->total_size, sz, sizeof sz);
	fmt_time(m->last_logon, t1, sizeof t1);
	fmt_time(m->created_time, t2, sizeof t2);
	ui_lines_add(l, "Display name:  %s", m->display_name);
	ui_lines_add(l, "Alias:         %s", m->alias ? m->alias : "");
	ui_lines_add(l, "Legacy DN:     %s", m->legacy_dn ? m->legacy_dn : "");
	ui_lines_add(l, "Mailbox GUID:  %s", m->guid ? m->guid : "");
	if (mbx_store_folders(u->st, m->id, &f, &nf) < 0) {
		ui_lines_add(l, "Items:         %lld   Size: %s", (long long)m->item_count, sz);
		ui_lines_add(l, "Folders: %s", mbx_error_last());
		return;
	}
	for (k = 0; k < nf; k++)
		msgs += f[k].message_count;
	/* The same numbers everywhere, or what differs said: the Items column
	 * leaves out associated (hidden) items, verify and pst-check count
	 * every message, and pst-check the PST's own folders too. */
	assoc = msgs - m->item_count;
	ui_lines_add(l, "Items:         %lld (the Items column)   Size: %s", (long long)m->item_count, sz);
	if (assoc > 0)
		ui_lines_add(l, "Messages:      %lld = %lld items + %lld associated (hidden: views, "
		             "rules, forms); verify and pst-check count %lld messages", (long long)msgs,
		             (long long)m->item_count, (long long)assoc, (long long)msgs);
	else
		ui_lines_add(l, "Messages:      %lld, as verify and pst-check count them", (long long)msgs);
	ui_lines_add(l, "Last logon:    %s   In the store since: %s", t1, t2);
	if (u->rc_of_mb[i] == UI_NONE)
		ui_lines_add(l, "Directory:     NONE - orphaned: Exmerge fails with MSEMS errors; "
		             "press F2 (adjuster) or F9 (recover)");
	else
		ui_lines_add(l, "Directory:     %s (%s)", u->rc[u->rc_of_mb[i]].display_name,
		             u->rc[u->rc_of_mb[i]].dn ? u->rc[u->rc_of_mb[i]].dn : "");
	ui_lines_add(l, "%s", "");
	ui_lines_add(l, "Folders (%zu, %lld messages; pst-check also counts the PST's own folders: "
	             "its root, Top of Personal Folders, the search and view folders):", nf,
	             (long long)msgs);
	for (k = 0; k < nf; k++)
		ui_lines_add(l, "  %s\t: %lld messages, %lld unread", f[k].path ? f[k].path : f[k].name,
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
