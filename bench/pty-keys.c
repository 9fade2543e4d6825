/*
 * bench/pty-keys.c - run a full-screen program on a pseudo-terminal and
 * measure what a user over a slow link would feel: time to the first
 * full screen, and for each key press the time until the program stops
 * writing and the bytes it wrote.  Used by bench/bench-console.sh.
 *
 * usage: pty-keys COLS ROWS READY KEYS N1 N2 -- CMD [ARGS...]
 *   READY  text that shows the first screen is complete (e.g. "Quit")
 *   KEYS   the bytes one key press sends (e.g. "j")
 *   N1     presses measured as "cursor moves" (within the first page)
 *   N2     presses measured after them ("view scrolls")
 * Output lines "NAME VALUE": first_ms; move_ms_mean, move_ms_max (until
 * the program is quiet), move_first_ms_mean, move_first_ms_max (until its
 * first byte: the answer, when the program also writes on its own, such as
 * a progress line), move_bytes_mean, move_bytes_median; the same with
 * scroll_ for N2.
 * With PTY_KEYS_DUMP=FILE the raw output goes to FILE too.  With
 * PTY_KEYS_SETTLED=TEXT the presses start only once TEXT has been written
 * after the first screen (a program that goes on loading after it), and
 * settled_ms says when.  With PTY_KEYS_PRE="KEYS::TEXT;;KEYS::TEXT..." the
 * program is first driven through those steps (each sends KEYS, C
 * escapes \e \r \n \xHH, then waits for TEXT), say to start an export
 * whose run the presses are then measured during.
 */
#include "config.h"
#include <errno.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define QUIET_MS 40   /* no output for this long: the redraw is over */
#define MAX_PRESSES 1000

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	if (n <= 0)
		return 0;
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/*
 * Read until `ready` has been seen (when not NULL) and then the program
 * has been quiet for QUIET_MS, or until timeout.  *last gets the time of
 * the last byte; returns the bytes read, -1 on timeout or EOF.
 */
static double first_byte;   /* when drain() read its first byte */

static long drain(int fd, const char *ready, double timeout_ms, double *last, FILE *dump)
{
	char buf[65536], tail[256] = "";
	double start = now_ms();
	long total = 0;
	int seen = ready == NULL;

	*last = start;
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		double t = now_ms();
		int r;

		if (t - start > timeout_ms)
			return -1;
		r = poll(&p, 1, QUIET_MS);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0) {
			if (seen && total > 0)
				return total;
			continue;
		}
		{
			ssize_t n = read(fd, buf, sizeof buf - 1);
			size_t tl;

			if (n <= 0)
				return -1;
			*last = now_ms();
			if (!total)
				first_byte = *last;
			total += n;
			if (dump)
				fwrite(buf, 1, (size_t)n, dump);
			if (!seen) {
				/* Keep a tail across reads so READY split in two is found. */
				buf[n] = '\0';
				tl = strlen(tail);
				if (tl + (size_t)n < sizeof tail) {
					memcpy(tail + tl, buf, (size_t)n + 1);
				} else {
					size_t keep = sizeof tail - 1 < (size_t)n ? sizeof tail - 1 : (size_t)n;

					memcpy(tail, buf + n - keep, keep);
					tail[keep] = '\0';
				}
				if (memmem(buf, (size_t)n, ready, strlen(ready)) || strstr(tail, ready))
					seen = 1;
			}
		}
	}
}

/* KEYS with C escapes into out (NUL-terminated). */
static void unescape(const char *in, size_t n, char *out, size_t cap)
{
	size_t o = 0, i;

	for (i = 0; i < n && o + 1 < cap; i++) {
		if (in[i] != '\\' || i + 1 >= n) {
			out[o++] = in[i];
			continue;
		}
		switch (in[++i]) {
		case 'e': out[o++] = 27; break;
		case 'r': out[o++] = '\r'; break;
		case 'n': out[o++] = '\n'; break;
		case 'x':
			if (i + 2 < n) {
				char hex[3] = { in[i + 1], in[i + 2], 0 };

				out[o++] = (char)strtol(hex, NULL, 16);
				i += 2;
			}
			break;
		default: out[o++] = in[i];
		}
	}
	out[o] = '\0';
}

/* Drive the program through PTY_KEYS_PRE's steps; 0, or -1 when a text
 * never came. */
static int pre_steps(int fd, const char *pre, FILE *dump)
{
	while (pre && *pre) {
		const char *end = strstr(pre, ";;"), *sep;
		size_t len = end ? (size_t)(end - pre) : strlen(pre);
		char keys[256], text[256];
		double last;

		sep = memmem(pre, len, "::", 2);
		if (!sep)
			return -1;
		unescape(pre, (size_t)(sep - pre), keys, sizeof keys);
		snprintf(text, sizeof text, "%.*s", (int)(pre + len - sep - 2), sep + 2);
		if (write(fd, keys, strlen(keys)) < 0)
			return -1;
		if (text[0] == '@') {
			/* "@MS": read for that long instead of waiting for a text */
			double until = now_ms() + atof(text + 1);

			while (now_ms() < until)
				drain(fd, NULL, until - now_ms(), &last, dump);
		} else if (drain(fd, text, 60000, &last, dump) < 0) {
			fprintf(stderr, "pty-keys: '%s' never appeared\n", text);
			return -1;
		}
		pre += len + (end ? 2 : 0);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct winsize ws;
	int fd, n1, n2, i;
	pid_t pid;
	double t0, last, sum_m = 0, max_m = 0, sum_s = 0, max_s = 0;
	double fsum_m = 0, fmax_m = 0, fsum_s = 0, fmax_s = 0;
	double bm[MAX_PRESSES], bs[MAX_PRESSES];
	long b, bytes_m = 0, bytes_s = 0;
	const char *keys;
	FILE *dump = NULL;

	if (argc < 9 || strcmp(argv[7], "--") != 0) {
		fprintf(stderr, "usage: pty-keys COLS ROWS READY KEYS N1 N2 -- CMD [ARGS...]\n");
		return 2;
	}
	memset(&ws, 0, sizeof ws);
	ws.ws_col = (unsigned short)atoi(argv[1]);
	ws.ws_row = (unsigned short)atoi(argv[2]);
	keys = argv[4];
	n1 = atoi(argv[5]);
	n2 = atoi(argv[6]);
	if (n1 < 0 || n2 < 0 || n1 > MAX_PRESSES || n2 > MAX_PRESSES) {
		fprintf(stderr, "pty-keys: N1 and N2 from 0 to %d\n", MAX_PRESSES);
		return 2;
	}
	/* PTY_KEYS_DUMP=FILE keeps every byte written, each press after a
	 * marker line, to see where the bytes go. */
	if (getenv("PTY_KEYS_DUMP") && !(dump = fopen(getenv("PTY_KEYS_DUMP"), "w"))) {
		perror(getenv("PTY_KEYS_DUMP"));
		return 2;
	}
	t0 = now_ms();
	pid = forkpty(&fd, NULL, NULL, &ws);
	if (pid < 0) {
		perror("forkpty");
		return 1;
	}
	if (pid == 0) {
		execvp(argv[8], argv + 8);
		perror(argv[8]);
		_exit(127);
	}
	if (drain(fd, argv[3], 30000, &last, dump) < 0) {
		fprintf(stderr, "pty-keys: '%s' never appeared\n", argv[3]);
		kill(pid, SIGTERM);
		return 1;
	}
	printf("first_ms %.1f\n", last - t0);
	if (getenv("PTY_KEYS_SETTLED")) {
		if (drain(fd, getenv("PTY_KEYS_SETTLED"), 30000, &last, dump) < 0) {
			fprintf(stderr, "pty-keys: '%s' never appeared\n", getenv("PTY_KEYS_SETTLED"));
			kill(pid, SIGTERM);
			return 1;
		}
		printf("settled_ms %.1f\n", last - t0);
	}
	if (getenv("PTY_KEYS_PRE") && pre_steps(fd, getenv("PTY_KEYS_PRE"), dump) < 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
		return 1;
	}
	for (i = 0; i < n1 + n2; i++) {
		double ts = now_ms(), ms;

		if (write(fd, keys, strlen(keys)) < 0)
			break;
		if (dump)
			fprintf(dump, "\n=== press %d\n", i + 1);
		b = drain(fd, NULL, 10000, &last, dump);
		if (b < 0)
			break;
		ms = last - ts;
		if (dump)
			fprintf(dump, "\n=== press %d took %.1f ms (first byte %.1f ms), %ld bytes\n", i + 1,
			        ms, first_byte - ts, b);
		if (i < n1) {
			fsum_m += first_byte - ts;
			if (first_byte - ts > fmax_m)
				fmax_m = first_byte - ts;
		} else {
			fsum_s += first_byte - ts;
			if (first_byte - ts > fmax_s)
				fmax_s = first_byte - ts;
		}
		if (i < n1) {
			bm[i] = (double)b;
			sum_m += ms;
			bytes_m += b;
			if (ms > max_m)
				max_m = ms;
		} else {
			bs[i - n1] = (double)b;
			sum_s += ms;
			bytes_s += b;
			if (ms > max_s)
				max_s = ms;
		}
	}
	if (n1)
		printf("move_ms_mean %.2f\nmove_ms_max %.2f\nmove_bytes_mean %.1f\nmove_bytes_median %.1f\n"
		       "move_first_ms_mean %.2f\nmove_first_ms_max %.2f\n",
		       sum_m / n1, max_m, (double)bytes_m / n1, median(bm, n1), fsum_m / n1, fmax_m);
	if (n2)
		printf("scroll_ms_mean %.2f\nscroll_ms_max %.2f\nscroll_bytes_mean %.1f\n"
		       "scroll_bytes_median %.1f\nscroll_first_ms_mean %.2f\nscroll_first_ms_max %.2f\n",
		       sum_s / n2, max_s, (double)bytes_s / n2, median(bs, n2), fsum_s / n2, fmax_s);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	close(fd);
	if (dump)
		fclose(dump);
	return 0;
}
