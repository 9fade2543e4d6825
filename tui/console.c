/*
 * tui/console.c - the ncurses console: entry point and main loop.
 * Refuses to start without a terminal on both ends (scripts use the batch
 * commands), opens the store, and hands each key to its handler in the
 * key table (ui_keys.c).  Each frame redraws into curses' buffers and
 * flushes once, so only the cells that changed reach the terminal.
 */
#include "config.h"
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mbx/common.h"
#include "mbx/log.h"
#include "mbx/store.h"
#include "mbx/text.h"
#include "tui.h"
#include "ui_export.h"
#include "ui_keys.h"
#include "ui_panels.h"
#include "ui_screen.h"
#include "ui_start.h"
#include "ui_walk.h"

/* Rows of each list read for the first screen: more than any terminal
 * shows, so it is complete however tall the window. */
#define UI_FIRST_PAGE 256

static void offer_walkthrough(ui *u)
{
	u->status[0] = '\0';
	if (ui_start_empty(u))
		ui_status(u, "An empty recovery server: F6 imports PSTs (a file or a folder of them), "
		          "F1 help");
	else if (u->n_orphans)
		ui_status(u, "%zu mailbox%s no directory entry (Exmerge fails): w guided walkthrough, "
		          "F9 recover, F1 help", u->n_orphans, u->n_orphans == 1 ? " has" : "es have");
}

static void session_start(ui *u)
{
	mbx_log_write(u->slog, MBX_LOG_MIN, "mbxrescue %s console on server '%s' (site '%s', "
	              "organization '%s')", mbx_version(), u->srv.server ? u->srv.server : "",
	              u->srv.site ? u->srv.site : "", u->srv.organization ? u->srv.organization : "");
	mbx_log_write(u->slog, MBX_LOG_MIN, "Store %s: %zu mailboxes, %zu recipients, %zu orphaned "
	              "mailboxes", u->o->db_path, u->total_mb, u->total_rc, u->n_orphans);
}

/* How often the main loop looks for the loaded lists meanwhile. */
#define LOADER_POLL_MS 20

static int run(ui *u)
{
	int ch, rc;

	ui_log_drain(u);
	ui_redraw(u);
	for (;;) {
		ch = ui_getkey(u, u->loader ? LOADER_POLL_MS : -1);
		if (ch == ERR) {
			if ((rc = ui_loader_poll(u)) < 0)
				return rc;
			if (rc && u->status[0])   /* still the "Reading" line: no key yet */
				offer_walkthrough(u);
			if (rc)
				ui_redraw(u);
			continue;
		}
		if (ch == KEY_RESIZE)
			continue;
		if (u->loader && !ui_first_page_key(u, ch) && (rc = ui_loader_wait(u)) < 0)
			return rc;
		u->status[0] = '\0';
		if (!ui_key_main(u, ch))
			break;
		ui_log_drain(u);
		ui_redraw(u);
	}
	return ui_loader_wait(u);
}

int console_main(const tui_opts *o)
{
	ui u;
	int rc, status = EXIT_OK, screen = 0;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "mbxrescue: the console needs a terminal on stdin and stdout; "
		        "for scripts use the batch commands (mbxrescue --help)\n");
		return EXIT_USAGE;
	}
	memset(&u, 0, sizeof u);
	u.o = o;
	setlocale(LC_ALL, "");
	if (ui_ring_init(&u.ring, 1024) < 0 ||
	    mbx_log_open(&u.slog, NULL, MBX_LOG_MED, ui_ring_log_cb, &u.ring) < 0) {
		fprintf(stderr, "mbxrescue: %s\n", mbx_error_last());
		status = EXIT_USAGE;
		goto out;
	}
	u.db_name = mbx_strdup(o->db_path);
	/* A --db path that does not exist yet: offer to create the store. */
	if (ui_start_missing(o)) {
		if (ui_screen_init(&u) < 0) {
			fprintf(stderr, "mbxrescue: %s\n", mbx_error_last());
			status = EXIT_USAGE;
			goto out;
		}
		screen = 1;
		if (!ui_start_new_store(&u)) {
			char *p = mbx_text_clean(o->db_path, -1, o->ascii ? MBX_TEXT_ASCII : 0, NULL);

			ui_screen_end(&u);
			fprintf(stderr, "mbxrescue: nothing was created at %s\n", p);
			mbx_free(p);
			goto out;
		}
	}
	if ((rc = mbx_store_open(&u.st, o->db_path, 0)) < 0 ||
	    ui_data_load_first(&u, UI_FIRST_PAGE) < 0) {
		if (screen)
			ui_screen_end(&u);
		fprintf(stderr, "mbxrescue: %s\n", mbx_error_last());
		status = EXIT_USAGE;
		goto out;
	}
	if (!screen && ui_screen_init(&u) < 0) {
		fprintf(stderr, "mbxrescue: %s\n", mbx_error_last());
		status = EXIT_USAGE;
		goto out;
	}
	session_start(&u);
	/* The first page is on screen at once; the full lists follow from a
	 * thread (started after that screen, not to compete with it) while the
	 * keys that need them wait (ui_first_page_key). */
	if (u.first_page)
		ui_status(&u, "Reading all %zu mailboxes and %zu recipients...", u.total_mb,
		          u.total_rc);
	else
		offer_walkthrough(&u);
	ui_log_drain(&u);
	ui_redraw(&u);
	if (ui_loader_start(&u) < 0 || run(&u) < 0) {
		ui_loader_wait(&u);
		ui_screen_end(&u);
		fprintf(stderr, "mbxrescue: %s\n", mbx_error_last());
		status = EXIT_USAGE;
		goto out;
	}
	ui_screen_end(&u);
out:
	mbx_log_free(u.slog);
	ui_ring_free(&u.ring);
	ui_walk_free(&u);
	ui_export_summary_free(&u.last_export);
	ui_data_free(&u);
	for (size_t i = 0; i < u.n_log; i++)
		mbx_free(u.log[i]);
	mbx_free(u.log);
	mbx_free(u.db_name);
	mbx_store_free(u.st);
	return status;
}
