/*
 * tui/ui_work.c - long work off the UI thread (see ui_work.h): a thread
 * runs it on a store connection of its own while this thread keeps
 * reading keys and drawing; a small window says what runs once it has
 * taken longer than UI_WORK_SHOW_MS.
 */
#include "config.h"
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "mbx/common.h"
#include "ui_dialog.h"
#include "ui_panels.h"
#include "ui_text.h"
#include "ui_work.h"

struct work {
	ui_work_fn fn;
	void *arg;
	mbx_store *st;
	int rc;
	char err[512];
	atomic_int done;
};

static void *work_main(void *p)
{
	struct work *w = p;

	w->rc = w->fn(w->st, w->arg);
	if (w->rc < 0)
		snprintf(w->err, sizeof w->err, "%s", mbx_error_last());
	atomic_store(&w->done, 1);
	return NULL;
}

int ui_work_store(ui *u, mbx_store **out)
{
	if (!u->wst) {
		int rc = mbx_store_open(&u->wst, u->o->db_path, 0);

		if (rc < 0) {
			u->wst = NULL;
			return rc;
		}
	}
	*out = u->wst;
	return 0;
}

typedef struct workview {
	ui_dlg d;
	const char *title, *text;
	int cancelled;
	const char *no_cancel;   /* why Esc can not stop it, or NULL */
	double started;
} workview;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void work_draw(ui *u, void *ud)
{
	workview *v = ud;
	const char *foot;
	char el[64];

	ui_dlg_place(u, &v->d, 7, 72, v->title);
	ui_text_put(u, v->d.w, 1, 2, v->text, v->d.wd - 4, 0, A_NORMAL);
	snprintf(el, sizeof el, "%.1f s", now_s() - v->started);
	ui_text_put(u, v->d.w, 2, 2, el, v->d.wd - 4, 0, A_NORMAL);
	if (v->cancelled)
		foot = v->no_cancel ? v->no_cancel : "Stopping: it ends in a moment";
	else
		foot = v->no_cancel ? "It can not be stopped halfway; it ends by itself" : "Esc: stop";
	ui_text_put(u, v->d.w, v->d.h - 2, 2, foot, v->d.wd - 4, 0, A_BOLD);
}

int ui_work_run(ui *u, const char *title, const char *text, ui_work_fn fn, void *arg,
                atomic_int *cancel, const char *no_cancel)
{
	struct work w;
	workview v;
	pthread_t th;
	int shown = 0, rc;

	memset(&w, 0, sizeof w);
	memset(&v, 0, sizeof v);
	w.fn = fn;
	w.arg = arg;
	if ((rc = ui_work_store(u, &w.st)) < 0)
		return rc;
	v.title = title;
	v.text = text;
	v.no_cancel = no_cancel;
	v.started = now_s();
	if (pthread_create(&th, NULL, work_main, &w) != 0)
		return mbx_error_set(MBX_ERROR, "cannot start a thread: free some memory");
	while (!atomic_load(&w.done)) {
		int ch;

		if (u->quit) {
			/* Quitting: the work ends by itself (or by *cancel). */
			if (cancel)
				atomic_store(cancel, 1);
			break;
		}
		if (!shown && now_s() - v.started >= UI_WORK_SHOW_MS / 1000.0) {
			ui_push_layer(u, work_draw, &v);
			shown = 1;
		}
		if (shown)
			work_draw(u, &v);
		ch = ui_getkey(u, 50);
		if (ch == 27 && !v.cancelled) {
			v.cancelled = 1;
			if (cancel)
				atomic_store(cancel, 1);
			if (!shown) {
				ui_push_layer(u, work_draw, &v);
				shown = 1;
			}
		}
	}
	pthread_join(th, NULL);
	if (shown) {
		ui_pop_layer(u);
		ui_dlg_close(&v.d);
		ui_redraw(u);
	}
	if (w.rc < 0)
		mbx_error_set(w.rc, "%s", w.err);
	else if (v.cancelled && !v.no_cancel)
		return mbx_error_set(MBX_ECANCELLED, "stopped");
	return w.rc;
}

int ui_reload_now(ui *u)
{
	workview v;
	int shown = 0, rc = 0;

	memset(&v, 0, sizeof v);
	v.title = "Reading the store";
	v.text = "Reading the lists again: mailboxes and recipients";
	v.started = now_s();
	if (ui_reload_start(u) < 0) {
		ui_message(u, "Reload failed", mbx_error_last());
		return -1;
	}
	while (u->loader) {
		int ch;

		if ((rc = ui_loader_poll(u)) != 0 || u->quit)
			break;
		if (!shown && now_s() - v.started >= UI_WORK_SHOW_MS / 1000.0) {
			ui_push_layer(u, work_draw, &v);
			shown = 1;
		}
		if (shown)
			work_draw(u, &v);
		ch = ui_getkey(u, 30);
		if (ch == 27)
			break;
	}
	if (shown) {
		ui_pop_layer(u);
		ui_dlg_close(&v.d);
	}
	if (rc < 0)
		ui_message(u, "Reload failed", mbx_error_last());
	ui_redraw(u);
	return rc < 0 ? rc : u->loader ? 0 : 1;
}
