/*
 * tui/ui_work.h - long work off the UI thread.  The console never waits
 * for the store in its input loop: computing the adjuster's plan,
 * applying it and looking files up run on a thread with a store
 * connection of their own (u->wst, used by one such thread at a time)
 * while ui_work_run keeps answering keys; after UI_WORK_SHOW_MS a window
 * says what runs, and Esc answers at once.
 */
#ifndef MBX_UI_WORK_H
#define MBX_UI_WORK_H

#include <stdatomic.h>

#include "ui_screen.h"

#define UI_WORK_SHOW_MS 150

/* The work: its own connection st (the console's worker connection). */
typedef int (*ui_work_fn)(mbx_store *st, void *arg);

/*
 * Run fn(st, arg) on a thread and wait for it without blocking the keys.
 * Esc: when no_cancel is NULL it means "stop": *cancel (if given) is set
 * for fn to look at, and the result is MBX_ECANCELLED once fn has ended
 * (the caller drops what fn made); with no_cancel (work that can not stop
 * halfway, such as one transaction) the window says so and fn's result
 * stands.  Returns fn's result (<0 with the error set).
 */
int ui_work_run(ui *u, const char *title, const char *text, ui_work_fn fn, void *arg,
                atomic_int *cancel, const char *no_cancel);
/* Read the lists again and wait for them without blocking the keys (a
 * window after UI_WORK_SHOW_MS; Esc stops waiting, the lists come in by
 * themselves later).  1 read, 0 not waited for, <0 error (shown). */
int ui_reload_now(ui *u);
/* The worker connection (opened on first use, freed with the console). */
int ui_work_store(ui *u, mbx_store **out);

#endif
