/*
 * tui/ui_start.c - the console before there is anything to show: a --db
 * path that does not exist yet (a form for the new server's names, then
 * mbx_store_init), and an empty recovery server (a start screen in the
 * two panels' place that says how to load it).
 */
#include "config.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "mbx/store.h"
#include "mbx/text.h"
#include "ui_dialog.h"
#include "ui_start.h"
#include "ui_text.h"

int ui_start_missing(const tui_opts *o)
{
	struct stat sb;

	return !o->db_is_demo && o->db_path && stat(o->db_path, &sb) != 0 && errno == ENOENT;
}

int ui_start_new_store(ui *u)
{
	ui_field_spec f[4] = {
		{ "Organization", NULL }, { "Site", NULL }, { "Server", NULL },
		{ "SMTP policy (optional)", NULL }
	};
	mbx_server_info si;
	char *intro;
	size_t i;
	int created = 0;

	for (i = 0; i < 4; i++)
		f[i].value = mbx_strdup("");
	intro = mbx_asprintf("%s does not exist. Create a new, empty recovery server there? Give "
	                     "the names of the server whose information store was restored, as in "
	                     "its legacy DNs (/o=ORGANIZATION/ou=SITE/cn=Configuration/cn=Servers/"
	                     "cn=SERVER). SMTP policy: empty for %%a@site.organization.com. "
	                     "Esc: quit without creating anything.", u->o->db_path);
	ui_redraw(u);
	while (ui_form(u, "New recovery server", intro, f, 4)) {
		memset(&si, 0, sizeof si);
		si.organization = f[0].value;
		si.site = f[1].value;
		si.server = f[2].value;
		si.smtp_policy = f[3].value[0] ? f[3].value : NULL;
		if (!f[0].value[0] || !f[1].value[0] || !f[2].value[0]) {
			ui_message(u, "New recovery server", "Give the organization, the site and the "
			           "server name.");
			continue;
		}
		if (mbx_store_init(u->o->db_path, &si) < 0) {
			ui_message(u, "The store was not created", mbx_error_last());
			continue;
		}
		mbx_log_write(u->slog, MBX_LOG_MIN, "Created the recovery server '%s' (site '%s', "
		              "organization '%s') in %s", si.server, si.site, si.organization,
		              u->o->db_path);
		created = 1;
		break;
	}
	mbx_free(intro);
	for (i = 0; i < 4; i++)
		mbx_free(f[i].value);
	return created;
}

int ui_start_empty(const ui *u)
{
	return !u->st || (u->total_mb == 0 && u->total_rc == 0 && !u->first_page);
}

/* Lines into a panel from row 1, clipped to its width. */
static void put_lines(ui *u, WINDOW *w, const char *const *lines, size_t n, int bold_first)
{
	int W = getmaxx(w) - 2, H = getmaxy(w) - 2, y;

	for (y = 0; y < H; y++)
		ui_text_put(u, w, 1 + y, 1, (size_t)y < n ? lines[y] : "", W, 0,
		            y == 0 && bold_first ? A_BOLD : A_NORMAL);
}

void ui_start_draw(ui *u)
{
	const char *left[] = {
		"This recovery server is empty.",
		"",
		"Its mailboxes come from PST files:",
		"  F6  import a .pst file, or a folder of",
		"      .pst/.ost files: one mailbox each,",
		"      named after the file",
		"",
		"Then F2 adjust (directory entries for the",
		"mailboxes), F5 export, F9 recover.",
	};
	const char *nostore[] = {
		"No store yet.",
		"",
		"Give the names of the restored server",
		"in the form to create an empty one.",
	};
	char *db = mbx_text_clean(u->o->db_path, -1, u->ascii ? MBX_TEXT_ASCII : 0, NULL);
	char *l0 = mbx_asprintf("mbxrescue --db %s", db);
	const char *right[] = {
		"No recipients yet. Load the",
		"directory from the shell:",
		"",
		l0,
		" import-directory users.ldif",
		"(ldifde, slapcat; csvde .csv)",
		"or from a directory server:",
		" import-directory ldap://DC",
		"  --base DC=example,DC=com",
		"  [--bind-dn DN]",
	};

	ui_box(u, u->w_left, u->st ? "Mailbox Resources (empty)" : "New recovery server", 1);
	ui_box(u, u->w_right, "Recipients (empty)", 0);
	if (u->st)
		put_lines(u, u->w_left, left, sizeof left / sizeof left[0], 1);
	else
		put_lines(u, u->w_left, nostore, sizeof nostore / sizeof nostore[0], 1);
	put_lines(u, u->w_right, right, sizeof right / sizeof right[0], 0);
	mbx_free(l0);
	mbx_free(db);
}
