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
#include <time.h>
#include <unistd.h>

#include "mbx/common.h"
#include "mbx/log.h"
#include "mbx/store.h"
#include "mbx/text.h"
#include "tui.h"
#include "ui_export.h"
#include "ui_job.h"
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
	if (ui_start_empty(u)) {
		ui_status(u, "An empty recovery server: F6 imports PSTs (a file or a folder of them), "
		          "F1 help");
	} else if (u->n_orphans) {
		/* The whole hint on one line at 80 columns too. */
		char l[256];

		snprintf(l, sizeof l, "%zu mailbox%s no directory entry (Exmerge fails): w guided "
		         "walkthrough, F9 recover, F1 help", u->n_orphans,
		         u->n_orphans == 1 ? " has" : "es have");
		if ((int)strlen(l) > u->cols)
			snprintf(l, sizeof l, "%zu orphaned mailbox%s (Exmerge fails): w guided "
			         "walkthrough, F9 recover", u->n_orphans, u->n_orphans == 1 ? "" : "es");
		if ((int)strlen(l) > u->cols)
			snprintf(l, sizeof l, "%zu orphaned: w guided walkthrough, F9 recover",
			         u->n_orphans);
		ui_status(u, "%s", l);
	}
}

/* A run that did not finish last time: offer to resume it, once the
 * first screen is up. */
static void resume_at_start(ui *u)
{
	ui_run_record r;

	if (!ui_run_record_find(u, &r))
		return;
	ui_run_record_free(&r);
	if (u->first_page && u->loader) {
		u->resume_pending = 1;   /* once the full lists are in (run) */
		return;
	}
	ui_resume_offer(u, 0);
	ui_redraw(u);
}

static void session_start(ui *u)
{
	mbx_log_write(u->slog, MBX_LOG_MIN, "mbxrescue %s console on server '%s' (site '%s', "
	              "organization '%s')", mbx_version(), u->srv.server ? u->srv.server : "",
	              u->srv.site ? u->srv.site : "", u->srv.organization ? u->srv.organization : "");
	mbx_log_write(u->slog, MBX_LOG_MIN, "Store %s: %zu mailboxes, %zu recipients, %zu orphaned "
	              "mailboxes", u->o->db_path, u->total_mb, u->total_rc, u->n_orphans);
}

/* How often the main loop looks for the loaded lists meanwhile, and for
 * another program's changes to the store. */
#define LOADER_POLL_MS 20
#define WATCH_MS 2000

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* Has another program changed what the lists show?  PRAGMA data_version
 * first (free), the stamp only when it moved (an export's job rows move
 * it all the time and change nothing listed). */
static void watch(ui *u, int64_t *version)
{
	mbx_store_stamp now;
	int64_t v;

	if (!u->st || u->loader || mbx_store_data_version(u->st, &v) < 0) {
		mbx_error_clear();
		return;
	}
	if (v == *version)
		return;
	*version = v;
	if (mbx_store_stamp_get(u->st, &now) < 0) {
		mbx_error_clear();
		return;
	}
	if (mbx_store_stamp_equal(&now, &u->stamp))
		return;
	mbx_log_write(u->slog, MBX_LOG_MIN, "The store was changed by another program: reading "
	              "the lists again");
	u->reload_note = 1;
	ui_reload_start(u);
}

static int run(ui *u)
{
	int ch, rc, queued = ERR;
	int64_t version = 0;
	double next_watch = now_ms() + WATCH_MS;

	if (u->st)
		mbx_store_data_version(u->st, &version);
	ui_log_drain(u);
	ui_redraw(u);
	for (;;) {
		int busy = u->loader || u->tick;

		if (u->quit)
			break;
		ch = ui_getkey(u, u->loader ? LOADER_POLL_MS : busy ? UI_TICK_MS : 500);
		if (u->quit)
			break;
		ui_job_main(u);
		if ((rc = ui_loader_poll(u)) < 0)
			return rc;
		if (rc) {
			if (u->reload_note) {
				ui_status(u, "The store was changed by another program: the lists are read "
				          "again (%zu orphaned)", u->n_orphans);
				u->reload_note = 0;
			} else if (u->status[0] && queued == ERR && !strncmp(u->status, "Reading all", 11)) {
				offer_walkthrough(u);
			}
			ui_redraw(u);
			if (u->resume_pending && !u->loader) {
				u->resume_pending = 0;
				ui_resume_offer(u, 0);
				ui_redraw(u);
			}
			if (queued != ERR && !u->loader) {
				/* The key that waited for the full lists. */
				ch = queued;
				queued = ERR;
				u->status[0] = '\0';
				if (!ui_key_main(u, ch))
					break;
				ui_log_drain(u);
				ui_redraw(u);
				continue;
			}
		}
		if (now_ms() >= next_watch) {
			watch(u, &version);
			next_watch = now_ms() + WATCH_MS;
		}
		if (ch == ERR || ch == KEY_RESIZE) {
			if (ch == ERR && ui_log_drain(u))
				ui_draw_log(u);
			continue;
		}
		/* Esc, then a digit: F1 .. F10, however long after (mc's way);
		 * ui_getkey takes a quick one itself. */
		if (u->esc_pending) {
			u->esc_pending = 0;
			if (ch >= '0' && ch <= '9')
				ch = KEY_F(ch == '0' ? 10 : ch - '0');
		} else if (ch == 27 && !u->searching) {
			u->esc_pending = 1;
			queued = ERR;
			ui_status(u, "Esc: a digit now is an F-key (Esc 1 help ... Esc 0 quit)");
			ui_redraw(u);
			continue;
		}
		if (u->first_page && u->loader && !ui_first_page_key(u, ch)) {
			/* Needs the full lists: it acts once they are in (Esc drops it). */
			queued = ch;
			ui_status(u, "Reading all %zu mailboxes and %zu recipients: the key acts once "
			          "they are in (Esc: not)", u->total_mb, u->total_rc);
			continue;
		}
		u->status[0] = '\0';
		if (!ui_key_main(u, ch))
			break;
		if (u->reload) {
			u->reload = 0;
			ui_reload_start(u);
		}
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
	/* Before initscr: curses then leaves these to us (a clean stop). */
	ui_signals_init();
	if (ui_ring_init(&u.ring, 1024) < 0 ||
	    mbx_log_open(&u.slog, NULL, MBX_LOG_MED, ui_ring_log_cb, &u.ring) < 0) {
		fprintf(stderr, "mbxrescue: %s\n", mbx_error_last());
		status = EXIT_USAGE;
		goto out;
	}
	u.db_name = mbx_strdup(ui_base_name(o->db_path));
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
	if (ui_loader_start(&u) < 0 || (resume_at_start(&u), run(&u)) < 0) {
		ui_loader_wait(&u);
		ui_job_quit(&u);
		ui_screen_end(&u);
		fprintf(stderr, "mbxrescue: %s\n", mbx_error_last());
		status = EXIT_USAGE;
		goto out;
	}
	if (ui_job_running(&u)) {
		/* Quitting with an export running: it stops cleanly (no partial
		 * file) and is offered for resume the next time; as on the command
		 * line, a cancelled export is exit status 1. */
		ui_status(&u, "Stopping the export: the next start offers to resume it");
		ui_redraw(&u);
		status = EXIT_FINDINGS;
	}
	ui_job_quit(&u);
	ui_screen_end(&u);
	if (ui_signal_caught())
		fprintf(stderr, "mbxrescue: stopped by signal %d; an export that was running is "
		        "offered for resume at the next start\n", ui_signal_caught());
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
	mbx_store_free(u.wst);
	mbx_store_free(u.st);
	return status;
}
