/*
 * tui/ui_loader.c - the full lists, loaded on a thread while the first
 * page is on screen (see ui_panels.h).  The thread fills a `ui` of its own
 * through the same ui_data_load as every later refresh, over its own store
 * connection; it never touches curses or the screen's `ui`.  The UI
 * thread adopts the result: the data fields move over, the view (focus,
 * selection, scroll position) stays, since the first page is the head of
 * the same order.
 */
#include "config.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <string.h>

#include "mbx/common.h"
#include "mbx/store.h"
#include "ui_keys.h"
#include "ui_panels.h"

struct ui_loader {
	pthread_t thread;
	ui data;               /* the thread's: only its data fields are used */
	int rc;
	char err[512];
	atomic_int done;
};

static void *load_main(void *arg)
{
	struct ui_loader *l = arg;
	int rc;

	/* Behind the keys: the UI thread answers a key first when the CPUs
	 * are busy (an export runs, other programs run). */
	setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10);

	rc = ui_data_load(&l->data);
	if (rc < 0)
		snprintf(l->err, sizeof l->err, "%s", mbx_error_last());
	l->rc = rc;
	atomic_store(&l->done, 1);
	return NULL;
}

static int start(ui *u)
{
	struct ui_loader *l;
	int rc;

	l = mbx_calloc(1, sizeof *l);
	/* A second connection: one mbx_store is used by one thread at a time. */
	rc = mbx_store_open(&l->data.st, mbx_store_path(u->st), MBX_STORE_READONLY);
	if (rc < 0) {
		mbx_free(l);
		return rc;
	}
	l->data.lm.sort = u->lm.sort;
	l->data.lr.sort = u->lr.sort;
	if (pthread_create(&l->thread, NULL, load_main, l) != 0) {
		mbx_store_free(l->data.st);
		mbx_free(l);
		return mbx_error_set(MBX_ERROR, "cannot start a thread to load the lists; "
		                     "free some memory and start the console again");
	}
	u->loader = l;
	return 0;
}

int ui_loader_start(ui *u)
{
	if (u->loader || !u->first_page)
		return 0;
	return start(u);
}

int ui_reload_start(ui *u)
{
	if (!u->st)
		return 0;
	if (u->loader) {
		u->reload_again = 1;   /* what it reads may be older than the change */
		return 0;
	}
	return start(u);
}

static void *free_main(void *arg)
{
	ui *old = arg;

	ui_data_free(old);
	mbx_free(old);
	return NULL;
}

/* Free u's lists on a thread of their own: 200,000 rows' strings are tens
 * of milliseconds the keys need not wait for. */
static void data_free_later(ui *u)
{
	ui *old = mbx_calloc(1, sizeof *old);
	pthread_attr_t at;
	pthread_t th;
	int started = 0;

	old->srv = u->srv;
	old->mb = u->mb;
	old->n_mb = u->n_mb;
	old->rc = u->rc;
	old->n_rc = u->n_rc;
	old->rc_of_mb = u->rc_of_mb;
	old->mb_of_rc = u->mb_of_rc;
	old->mark = u->mark;
	old->rflags = u->rflags;
	old->lm = u->lm;
	old->lr = u->lr;
	old->first_link = u->first_link;
	memset(&u->srv, 0, sizeof u->srv);
	u->mb = NULL;
	u->rc = NULL;
	u->rc_of_mb = u->mb_of_rc = NULL;
	u->mark = u->rflags = NULL;
	u->lm.order = u->lm.pos = u->lr.order = u->lr.pos = NULL;
	u->first_link = NULL;
	if (pthread_attr_init(&at) == 0) {
		pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
		started = pthread_create(&th, &at, free_main, old) == 0;
		pthread_attr_destroy(&at);
	}
	if (!started)
		free_main(old);
	ui_data_free(u);   /* the counts and the rest, now without lists */
}

static int cmp_i64(const void *a, const void *b)
{
	const int64_t *x = a, *y = b;

	return *x < *y ? -1 : *x > *y;
}

/* Move the loaded data into u.  What the operator did meanwhile stays:
 * the marks and the selection by id, the selection's row on the screen. */
static void adopt(ui *u, ui *t)
{
	ui_list lm = u->lm, lr = u->lr;
	int64_t sel_mb = 0, sel_rc = 0, *marked = NULL;
	size_t n_marked = 0, i;

	if ((i = ui_sel_mailbox(u)) != UI_NONE)
		sel_mb = u->mb[i].id;
	if (u->lr.n && u->lr.sel < u->lr.n)
		sel_rc = u->rc[u->lr.order[u->lr.sel]].id;
	if (u->n_marked) {
		marked = mbx_calloc(u->n_marked, sizeof *marked);
		for (i = 0; i < u->n_mb && n_marked < u->n_marked; i++)
			if (u->mark[i])
				marked[n_marked++] = u->mb[i].id;
		qsort(marked, n_marked, sizeof *marked, cmp_i64);
	}
	data_free_later(u);
	u->srv = t->srv;
	u->mb = t->mb;
	u->n_mb = t->n_mb;
	u->n_orphans = t->n_orphans;
	u->rc = t->rc;
	u->n_rc = t->n_rc;
	u->total_mb = t->total_mb;
	u->total_rc = t->total_rc;
	u->rc_of_mb = t->rc_of_mb;
	u->mb_of_rc = t->mb_of_rc;
	u->mark = t->mark;
	u->n_marked = 0;
	u->rflags = t->rflags;
	u->n_flagged = t->n_flagged;
	u->stamp = t->stamp;
	u->lm = t->lm;
	u->lr = t->lr;
	for (i = 0; n_marked && i < u->n_mb; i++)
		if (bsearch(&u->mb[i].id, marked, n_marked, sizeof *marked, cmp_i64)) {
			u->mark[i] = 1;
			u->n_marked++;
		}
	mbx_free(marked);
	/* The selection: the same item, on the same row of the screen. */
	u->lm.sel = lm.sel;
	u->lr.sel = lr.sel;
	for (i = 0; sel_mb && i < u->n_mb; i++)
		if (u->mb[i].id == sel_mb) {
			u->lm.sel = u->lm.pos[i];
			break;
		}
	for (i = 0; sel_rc && i < u->n_rc; i++)
		if (u->rc[i].id == sel_rc) {
			u->lr.sel = u->lr.pos[i];
			break;
		}
	u->lm.top = u->lm.sel >= lm.sel - lm.top ? u->lm.sel - (lm.sel - lm.top) : 0;
	u->lr.top = u->lr.sel >= lr.sel - lr.top ? u->lr.sel - (lr.sel - lr.top) : 0;
	ui_panels_clamp(u);
	memset(&t->srv, 0, sizeof t->srv);
	t->mb = NULL;
	t->rc = NULL;
	t->rc_of_mb = t->mb_of_rc = NULL;
	t->mark = t->rflags = NULL;
	memset(&t->lm, 0, sizeof t->lm);
	memset(&t->lr, 0, sizeof t->lr);
	t->n_mb = t->n_rc = 0;
}

static int finish(ui *u)
{
	struct ui_loader *l = u->loader;
	int rc;

	pthread_join(l->thread, NULL);
	u->loader = NULL;
	rc = l->rc;
	if (rc == 0)
		adopt(u, &l->data);
	else
		mbx_error_set(rc, "%s", l->err);
	ui_data_free(&l->data);
	mbx_store_free(l->data.st);
	mbx_free(l);
	if (rc == 0 && u->reload_again) {
		u->reload_again = 0;
		rc = start(u);
	}
	return rc;
}

int ui_loader_poll(ui *u)
{
	int rc;

	if (!u->loader || !atomic_load(&u->loader->done))
		return 0;
	rc = finish(u);
	return rc < 0 ? rc : 1;
}

int ui_loader_wait(ui *u)
{
	int rc = 0;

	while (u->loader && rc == 0)
		rc = finish(u);
	return rc;
}

int ui_first_page_key(const ui *u, int ch)
{
	const ui_list *l = u->focus == 0 ? &u->lm : &u->lr;
	const ui_key_entry *k;

	if (!u->first_page)
		return 1;   /* a reload: the lists on screen are whole */
	if (u->searching || !(k = ui_key_find(UI_KC_MAIN, ch)))
		return 0;
	return k->first_page == UI_KP_ALWAYS ||
	       (k->first_page == UI_KP_NEXT_ROW && l->sel + 1 < l->n);
}
