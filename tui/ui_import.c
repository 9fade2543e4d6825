/*
 * tui/ui_import.c - import a PST into a store mailbox from the console
 * (F6 / i; Exmerge's step 2).  The core imports on its own thread; this
 * UI thread polls its progress at most five times a second and drains
 * the log ring, as the export view does.
 */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "mbx/export.h"
#include "mbx/import.h"
#include "mbx/text.h"
#include "ui_dialog.h"
#include "ui_export.h"
#include "ui_import.h"
#include "ui_panels.h"
#include "ui_text.h"
#include "ui_work.h"

#define FRAME_MS 200

typedef struct impview {
	ui_dlg d;
	mbx_import *im;
	mbx_import_progress pr;
	const char *pst, *alias;
	int cancelling;
	size_t file_no, n_files;    /* a folder: which file of how many (else 0) */
} impview;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static void imp_draw(ui *u, void *ud)
{
	impview *v = ud;
	const mbx_import_progress *p = &v->pr;
	int W;

	ui_dlg_place(u, &v->d, 10, 76, v->cancelling ? "Import - cancelling" : "Import");
	W = v->d.wd - 4;
	if (v->n_files)
		ui_text_putf(u, v->d.w, 1, 2, W, A_BOLD, "File %zu of %zu: %s -> mailbox %s",
		             v->file_no, v->n_files, v->pst, v->alias);
	else
		ui_text_putf(u, v->d.w, 1, 2, W, A_BOLD, "%s -> mailbox %s", v->pst, v->alias);
	ui_text_bar(u, v->d.w, 2, 2, W, p->items_done, p->items_total > 0 ? p->items_total : 0);
	if (p->items_total < 0)
		ui_text_putf(u, v->d.w, 3, 2, W, A_NORMAL, "Items %lld (counting)  imported %lld, "
		             "skipped %lld, replaced %lld, damaged %lld", (long long)p->items_done,
		             (long long)p->imported, (long long)p->skipped, (long long)p->replaced,
		             (long long)p->damaged);
	else
		ui_text_putf(u, v->d.w, 3, 2, W, A_NORMAL, "Items %lld/%lld  imported %lld, skipped "
		             "%lld, replaced %lld, damaged %lld", (long long)p->items_done,
		             (long long)p->items_total, (long long)p->imported, (long long)p->skipped,
		             (long long)p->replaced, (long long)p->damaged);
	ui_text_putf(u, v->d.w, 4, 2, W, A_NORMAL, "Folder: %s", p->folder);
	ui_text_putf(u, v->d.w, 5, 2, W, A_NORMAL, "Elapsed %.1f s", p->elapsed_seconds);
	ui_text_put(u, v->d.w, v->d.h - 2, 2, v->cancelling ? "Cancelling: the store is left as "
	            "it was" : v->n_files ? "Esc: cancel this file (nothing of it stays) and the "
	            "rest" : "Esc: cancel (nothing of the file stays)", W, 0, A_BOLD);
}

static void run_progress(ui *u, impview *v)
{
	double last = 0;
	int ch;

	ui_push_layer(u, imp_draw, v);
	for (;;) {
		double t;

		ch = ui_getkey(u, FRAME_MS);
		if (ch == 27 && !v->cancelling) {
			mbx_import_cancel(v->im);
			v->cancelling = 1;
			mbx_log_write(u->slog, MBX_LOG_MIN, "Import cancelled by the operator");
		}
		t = now_ms();
		if (ch == KEY_RESIZE || ch == 27 || t - last >= FRAME_MS) {
			mbx_import_progress_get(v->im, &v->pr);
			if (ui_log_drain(u))
				ui_draw_log(u);
			if (!u->small)
				imp_draw(u, v);
			ui_flush(u);
			last = t;
			if (v->pr.finished)
				break;
		}
	}
	ui_pop_layer(u);
	ui_dlg_close(&v->d);
}

/* The PST the console would have exported for the selected mailbox. */
static char *default_pst(const ui *u, const char *alias)
{
	char *dir = ui_export_default_dir(u), *name, *path;

	if (!alias || !*alias) {
		path = mbx_asprintf("%s/", dir);
		mbx_free(dir);
		return path;
	}
	name = mbx_export_file_name(alias, 0);
	path = mbx_asprintf("%s/%s", dir, name);
	mbx_free(name);
	mbx_free(dir);
	return path;
}

static int is_dir(const char *p)
{
	struct stat sb;

	return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* A folder: each .pst/.ost file into its own mailbox, one after another. */
static void import_folder(ui *u, const char *dir, mbx_import_mode mode, const char *folder)
{
	mbx_import_files files;
	ui_lines sum;
	size_t i, ok = 0, failed = 0;
	int64_t items = 0;
	char *q;
	int stop = 0;

	memset(&files, 0, sizeof files);
	memset(&sum, 0, sizeof sum);
	if (mbx_import_files_add(&files, dir) < 0 || mbx_import_files_name(&files, NULL) < 0) {
		ui_message(u, "Import a folder", mbx_error_last());
		goto out;
	}
	q = mbx_asprintf("%zu PST file%s in %s, each into its own mailbox named after the file "
	                 "(created when it does not exist; subfolders are not searched). Import "
	                 "them?", files.n, files.n == 1 ? "" : "s", dir);
	stop = !ui_confirm(u, "Import a folder", q, 1);
	mbx_free(q);
	if (stop)
		goto out;
	for (i = 0; i < files.n && !stop; i++) {
		mbx_import_opts opts;
		mbx_import_result res;
		impview v;
		int rc;

		memset(&v, 0, sizeof v);
		mbx_import_opts_init(&opts);
		opts.db_path = u->o->db_path;
		opts.pst_path = files.v[i].path;
		opts.alias = files.v[i].alias;
		opts.create = 1;
		opts.name_from_pst = 1;
		opts.mode = mode;
		opts.folder = folder;
		opts.log_level = MBX_LOG_MED;
		opts.log_cb = ui_ring_log_cb;
		opts.log_ud = &u->ring;
		if (mbx_import_start(&v.im, &opts) < 0) {
			ui_lines_add(&sum, "%s: could not start: %s", files.v[i].path, mbx_error_last());
			failed++;
			continue;
		}
		v.pst = files.v[i].path;
		v.alias = files.v[i].alias;
		v.file_no = i + 1;
		v.n_files = files.n;
		run_progress(u, &v);
		rc = mbx_import_wait(v.im, &res);
		mbx_import_free(v.im);
		if (rc == 0) {
			size_t k;

			ui_lines_add(&sum, "%s -> %s%s: %lld messages imported, %lld skipped, %lld damaged",
			             files.v[i].path, files.v[i].alias, res.mailbox_created ? " (new)" : "",
			             (long long)res.imported, (long long)res.skipped,
			             (long long)(res.damaged + res.damaged_folders));
			for (k = 0; k < res.n_damage; k++)
				ui_lines_add(&sum, "  damaged, not imported: %s%s%s%s: %s",
				             *res.damage[k].folder ? res.damage[k].folder : "(the file)",
				             res.damage[k].is_item ? ": '" : " (folder)",
				             res.damage[k].is_item && res.damage[k].subject ? res.damage[k].subject : "",
				             res.damage[k].is_item ? "'" : "", res.damage[k].what ? res.damage[k].what : "");
			items += res.imported;
			ok++;
		} else {
			ui_lines_add(&sum, "%s: %s: %s", files.v[i].path, rc == MBX_ECANCELLED ?
			             "cancelled" : "not imported", res.error ? res.error : mbx_error_last());
			failed++;
			stop = rc == MBX_ECANCELLED;
		}
		mbx_import_result_clear(&res);
		ui_log_drain(u);
	}
	if (stop)
		ui_lines_add(&sum, "Cancelled: %zu file%s not tried.", files.n - ok - failed,
		             files.n - ok - failed == 1 ? "" : "s");
	ui_lines_add(&sum, "%zu imported (%lld messages), %zu failed; a failed file left nothing in "
	             "the store.", ok, (long long)items, failed);
	mbx_log_write(u->slog, MBX_LOG_MIN, "Folder %s: %zu files imported (%lld messages), %zu failed",
	              dir, ok, (long long)items, failed);
	ui_reload_now(u);
	ui_pager(u, failed ? "Import finished, with errors" : "Import finished", &sum,
	         "Enter/Esc: close", NULL);
out:
	ui_lines_free(&sum);
	mbx_import_files_clear(&files);
}

void ui_import(ui *u)
{
	ui_field_spec f[4] = {
		{ "PST file or folder", NULL }, { "Into mailbox (alias)", NULL },
		{ "Mode", NULL }, { "Below folder", NULL }
	};
	mbx_import_opts opts;
	mbx_import_result res;
	mbx_import_mode mode = MBX_IMPORT_MERGE;
	impview v;
	size_t sel = ui_sel_mailbox(u), i;
	const char *alias = sel != UI_NONE ? u->mb[sel].alias : "";
	char *msg;
	int rc;

	memset(&v, 0, sizeof v);
	memset(&res, 0, sizeof res);
	f[0].value = default_pst(u, alias);
	f[1].value = mbx_strdup(alias ? alias : "");
	f[2].value = mbx_strdup(mbx_import_mode_name(MBX_IMPORT_MERGE));
	f[3].value = mbx_strdup("");
	for (;;) {
		if (!ui_form(u, "Import a PST into a mailbox", "Exmerge's step 2: copy the data of a "
		             "PST file into a store mailbox (created when it does not exist); a "
		             "folder: each .pst/.ost file in it into its own mailbox, named after the "
		             "file. Mode: merge skips items already there, copy adds everything, "
		             "replace overwrites. Below folder: empty = the mailbox's top.", f, 4))
			goto out;
		if (f[0].value[0] && is_dir(f[0].value)) {
			if (mbx_import_mode_parse(f[2].value, &mode) < 0) {
				ui_message(u, "Import: mode", mbx_error_last());
				continue;
			}
			import_folder(u, f[0].value, mode, f[3].value[0] ? f[3].value : NULL);
			goto out;
		}
		if (!f[0].value[0] || !f[1].value[0]) {
			ui_message(u, "Import", "Give the PST file and the alias of the target mailbox.");
			continue;
		}
		if (mbx_import_mode_parse(f[2].value, &mode) < 0) {
			ui_message(u, "Import: mode", mbx_error_last());
			continue;
		}
		break;
	}
	mbx_import_opts_init(&opts);
	opts.db_path = u->o->db_path;
	opts.pst_path = f[0].value;
	opts.alias = f[1].value;
	opts.create = 1;
	opts.mode = mode;
	opts.folder = f[3].value[0] ? f[3].value : NULL;
	opts.log_level = MBX_LOG_MED;
	opts.log_cb = ui_ring_log_cb;
	opts.log_ud = &u->ring;
	if ((rc = mbx_import_start(&v.im, &opts)) < 0) {
		mbx_log_write(u->slog, MBX_LOG_MIN, "Import could not start: %s", mbx_error_last());
		ui_message(u, "Import could not start", mbx_error_last());
		goto out;
	}
	v.pst = f[0].value;
	v.alias = f[1].value;
	run_progress(u, &v);
	rc = mbx_import_wait(v.im, &res);
	mbx_import_free(v.im);
	ui_log_drain(u);
	ui_reload_now(u);
	for (i = 0; i < u->n_mb; i++)
		if (u->mb[i].alias && strcasecmp(u->mb[i].alias, f[1].value) == 0)
			ui_select_mailbox(u, i);
	ui_redraw(u);
	if (rc == 0)
		msg = mbx_asprintf("%s imported into mailbox %s%s: %lld messages imported, %lld skipped, "
		                   "%lld replaced, %lld damaged, in %lld folders (%.1f s). Messages count the "
		                   "associated (hidden) ones too; the Items column does not.%s", f[0].value,
		                   f[1].value, res.mailbox_created ? " (created: it has no directory "
		                   "entry until the adjuster runs: F2 or F9)" : "", (long long)res.imported,
		                   (long long)res.skipped, (long long)res.replaced,
		                   (long long)(res.damaged + res.damaged_folders), (long long)res.folders,
		                   res.seconds, res.damaged || res.damaged_folders ? " Damaged items were "
		                   "not imported: the log lists them." : "");
	else
		msg = mbx_asprintf("The import of %s was %s: %s. The mailbox is as it was before.",
		                   f[0].value, rc == MBX_ECANCELLED ? "cancelled" : "not done",
		                   res.error ? res.error : mbx_error_last());
	mbx_log_write(u->slog, MBX_LOG_MIN, "%s", msg);
	ui_message(u, rc == 0 ? "Import finished" : "Import failed", msg);
	mbx_free(msg);
	mbx_import_result_clear(&res);
out:
	for (i = 0; i < 4; i++)
		mbx_free(f[i].value);
}
