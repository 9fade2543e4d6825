/*
 * tui/progress.h - the progress bar of the batch commands (export,
 * import-pst) on stderr: only when stderr is a terminal and --quiet was
 * not given, redrawn at most five times a second, one line that never
 * wraps, and a clean line left when it is cleared.
 */
#ifndef MBX_PROGRESS_H
#define MBX_PROGRESS_H

#include <pthread.h>

typedef struct progress {
	int on;                /* drawing at all */
	int shown;             /* a bar is on screen */
	double last;           /* when it was last drawn (monotonic seconds) */
	pthread_mutex_t lock;  /* the bar and log lines from other threads */
} progress;

/* Drawing when stderr is a terminal and not quiet. */
void progress_init(progress *p, int quiet);
void progress_destroy(progress *p);
/* Draw "[#####.....]  42%  TEXT" (frac < 0: no bar, unknown share) unless
 * one was drawn less than 0.2 s ago; force: draw anyway. */
void progress_draw(progress *p, double frac, const char *text, int force);
/* Erase the bar, leaving the cursor at the start of an empty line;
 * callers that print other lines take p->lock around both. */
void progress_clear_locked(progress *p);
void progress_clear(progress *p);
/* "ETA 1:02:03" / "ETA 4:05" for seconds (< 0: ""), into buf. */
const char *progress_eta(double seconds, char *buf, size_t len);

#endif
