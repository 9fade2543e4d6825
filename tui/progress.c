/*
 * tui/progress.c - the batch commands' progress bar (tui/progress.h).
 */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"

#define PROGRESS_INTERVAL 0.2   /* at most five redraws a second */
#define BAR_WIDTH 24

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void progress_init(progress *p, int quiet)
{
	memset(p, 0, sizeof(*p));
	pthread_mutex_init(&p->lock, NULL);
	p->on = !quiet && isatty(STDERR_FILENO);
	p->last = -1;
}

void progress_destroy(progress *p)
{
	progress_clear(p);
	pthread_mutex_destroy(&p->lock);
}

static int columns(void)
{
	struct winsize ws;

	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
		return ws.ws_col;
	return 80;
}

void progress_draw(progress *p, double frac, const char *text, int force)
{
	char line[512];
	double t = now_s();
	size_t len = 0;
	int width, i, fill;

	if (!p->on)
		return;
	pthread_mutex_lock(&p->lock);
	if (!force && p->last >= 0 && t - p->last < PROGRESS_INTERVAL) {
		pthread_mutex_unlock(&p->lock);
		return;
	}
	p->last = t;
	if (frac >= 0) {
		if (frac > 1)
			frac = 1;
		fill = (int)(frac * BAR_WIDTH + 0.5);
		line[len++] = '[';
		for (i = 0; i < BAR_WIDTH; i++)
			line[len++] = i < fill ? '#' : '.';
		len += (size_t)snprintf(line + len, sizeof(line) - len, "] %3d%%  ",
		                        (int)(frac * 100 + 0.5));
	}
	snprintf(line + len, sizeof(line) - len, "%s", text);
	/* One line: a wrapped line could not be redrawn in place. */
	width = columns() - 1;
	if ((int)strlen(line) > width)
		line[width] = '\0';
	fprintf(stderr, "\r\033[K%s", line);
	fflush(stderr);
	p->shown = 1;
	pthread_mutex_unlock(&p->lock);
}

void progress_clear_locked(progress *p)
{
	if (p->shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		p->shown = 0;
	}
}

void progress_clear(progress *p)
{
	pthread_mutex_lock(&p->lock);
	progress_clear_locked(p);
	pthread_mutex_unlock(&p->lock);
}

const char *progress_eta(double seconds, char *buf, size_t len)
{
	long s;

	if (seconds < 0 || seconds > 360000) {
		snprintf(buf, len, "%s", "");
		return buf;
	}
	s = (long)(seconds + 0.5);
	if (s >= 3600)
		snprintf(buf, len, "ETA %ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
	else
		snprintf(buf, len, "ETA %ld:%02ld", s / 60, s % 60);
	return buf;
}
