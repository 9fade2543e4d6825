/*
 * tests/t_base_log.c - the Exmerge-format log (core/base/log.c, mbx/log.h):
 * levels 0-3 and what each lets through to the file and to the callback,
 * the "[HH:MM:SS] text" line, appending to a 0600 file, one line per call
 * whatever the text holds, a failing file reported once, bad arguments,
 * and whole lines from several threads at once.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mbx/log.h"
#include "tap.h"

static char tmpdir[] = "/tmp/t_base_log.XXXXXX";

/* What the callback received. */
typedef struct seen {
	pthread_mutex_t lock;
	size_t n;
	int level[64];
	char line[64][256];
} seen;

static void on_line(void *ud, int level, const char *line)
{
	seen *s = ud;

	pthread_mutex_lock(&s->lock);
	if (s->n < 64) {
		s->level[s->n] = level;
		snprintf(s->line[s->n], sizeof(s->line[s->n]), "%s", line);
	}
	s->n++;
	pthread_mutex_unlock(&s->lock);
}

static void seen_reset(seen *s)
{
	s->n = 0;
	memset(s->line, 0, sizeof(s->line));
	memset(s->level, 0, sizeof(s->level));
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return mbx_strdup("");
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = mbx_malloc((size_t)n + 1);
	buf[fread(buf, 1, (size_t)n, f)] = '\0';
	fclose(f);
	return buf;
}

static size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* 1 when line is "[HH:MM:SS] text" (text exactly, no newline) with a
 * stamp in [lo, hi] (both "[HH:MM:SS]"; lo > hi when midnight passed). */
static int stamped(const char *line, const char *text, const char *lo, const char *hi)
{
	char stamp[11];

	if (strlen(line) < 11 || line[0] != '[' || line[3] != ':' || line[6] != ':' || line[9] != ']' ||
	    line[10] != ' ')
		return 0;
	for (int i = 1; i < 9; i++)
		if (i != 3 && i != 6 && (line[i] < '0' || line[i] > '9'))
			return 0;
	if (strcmp(line + 11, text) != 0)
		return 0;
	memcpy(stamp, line, 10);
	stamp[10] = '\0';
	if (strcmp(lo, hi) <= 0)
		return strcmp(stamp, lo) >= 0 && strcmp(stamp, hi) <= 0;
	return strcmp(stamp, lo) >= 0 || strcmp(stamp, hi) <= 0;
}

static void now_stamp(char out[11])
{
	struct tm tm;
	time_t t = time(NULL);

	localtime_r(&t, &tm);
	strftime(out, 11, "[%H:%M:%S]", &tm);
}

/* The file's line i (0-based) without its newline, or "" when none. */
static const char *file_line(const char *all, size_t i, char *buf, size_t cap)
{
	const char *p = all, *e;

	while (i-- > 0 && (p = strchr(p, '\n')))
		p++;
	if (!p || !*p)
		return "";
	e = strchr(p, '\n');
	snprintf(buf, cap, "%.*s", (int)(e ? e - p : (long)strlen(p)), p);
	return buf;
}

/* Write one line at each level 1..3, texts "L1".."L3" (nothing writes
 * at level 0: it is a log's level, "none", not a line's). */
static void write_levels(mbx_log *log)
{
	mbx_log_write(log, MBX_LOG_MIN, "L%d", 1);
	mbx_log_write(log, MBX_LOG_MED, "L%d", 2);
	mbx_log_write(log, MBX_LOG_MAX, "L%d", 3);
}

static void test_levels(seen *s)
{
	/* file and callback lines expected for a log at level 0..3: the file
	 * gets levels 1..lvl, the callback 1..lvl (and level 1 even at 0) */
	static const char *const want_file[4] = { "", "L1", "L1 L2", "L1 L2 L3" };
	static const char *const want_cb[4] = { "L1", "L1", "L1 L2", "L1 L2 L3" };
	int lvl;

	for (lvl = MBX_LOG_NONE; lvl <= MBX_LOG_MAX; lvl++) {
		char *path = mbx_asprintf("%s/level%d.log", tmpdir, lvl);
		char got_file[64] = "", got_cb[64] = "", buf[256], lo[11], hi[11];
		const char *gf = got_file, *gc = got_cb;
		mbx_log *log = NULL;
		char *all;
		size_t i, n;
		int rc, stamps_ok = 1, levels_ok = 1;

		seen_reset(s);
		rc = mbx_log_open(&log, path, lvl, on_line, s);
		ok(rc == 0 && log, "level %d: opened (%s)", lvl, rc ? mbx_error_last() : "ok");
		if (!log) {
			mbx_free(path);
			continue;
		}
		is_int(mbx_log_level(log), lvl, "level %d: mbx_log_level gives it back", lvl);
		now_stamp(lo);
		write_levels(log);
		now_stamp(hi);
		mbx_log_free(log);

		all = slurp(path);
		n = count_lines(all);
		for (i = 0; i < n; i++) {
			const char *l = file_line(all, i, buf, sizeof(buf));
			const char *text = strlen(l) > 11 ? l + 11 : "";

			snprintf(got_file + strlen(got_file), sizeof(got_file) - strlen(got_file), "%s%s",
			         i ? " " : "", text);
			stamps_ok &= stamped(l, text, lo, hi);
		}
		is_str((const char *)gf, want_file[lvl], "level %d: the file holds the lines of levels 1..%d", lvl, lvl);
		ok(stamps_ok, "level %d: every file line is '[HH:MM:SS] text', stamped now", lvl);
		for (i = 0; i < s->n && i < 64; i++) {
			const char *text = strlen(s->line[i]) > 11 ? s->line[i] + 11 : "";

			snprintf(got_cb + strlen(got_cb), sizeof(got_cb) - strlen(got_cb), "%s%s", i ? " " : "", text);
			stamps_ok &= stamped(s->line[i], text, lo, hi);
			levels_ok &= s->level[i] == text[1] - '0';
		}
		is_str((const char *)gc, want_cb[lvl], "level %d: the callback gets %s", lvl,
		       lvl == 0 ? "level-1 lines only (errors and results always show)" : "the same lines");
		ok(stamps_ok && levels_ok, "level %d: callback lines are stamped, without newline, with their level",
		   lvl);
		mbx_free(all);
		mbx_free(path);
	}
}

static void test_file(seen *s)
{
	char *path = mbx_asprintf("%s/append.log", tmpdir), *all, buf[512], lo[11], mid[11], hi[11];
	mbx_log *log = NULL;
	struct stat sb;
	FILE *f;

	/* created 0600 */
	now_stamp(lo);
	ok(mbx_log_open(&log, path, MBX_LOG_MED, NULL, NULL) == 0, "a log without callback opens");
	memset(&sb, 0, sizeof(sb));
	ok(stat(path, &sb) == 0, "the file exists");
	ok((sb.st_mode & 0777) == 0600, "the file is created 0600 (mode %03o)", (unsigned)(sb.st_mode & 0777));
	mbx_log_write(log, MBX_LOG_MIN, "first run: %s %d", "value", 42);
	now_stamp(mid);
	mbx_log_free(log);

	/* appended to, never truncated */
	f = fopen(path, "a");
	fputs("a line someone else wrote\n", f);
	fclose(f);
	seen_reset(s);
	log = NULL;
	ok(mbx_log_open(&log, path, MBX_LOG_MAX, on_line, s) == 0, "the same file opens again");
	mbx_log_write(log, MBX_LOG_MAX, "second run");
	/* one line per call, whatever the text holds */
	mbx_log_write(log, MBX_LOG_MIN, "Mailbox 'Evil\nName\r\x1b[2J' failed\t(x)");
	now_stamp(hi);
	mbx_log_free(log);
	all = slurp(path);
	is_int(count_lines(all), 4, "the file holds 4 lines: nothing was truncated");
	ok(stamped(file_line(all, 0, buf, sizeof(buf)), "first run: value 42", lo, mid),
	   "line 1: the printf-style text of the first run");
	is_str(file_line(all, 1, buf, sizeof(buf)), "a line someone else wrote", "line 2: kept");
	ok(stamped(file_line(all, 2, buf, sizeof(buf)), "second run", lo, hi), "line 3: the second run, appended");
	file_line(all, 3, buf, sizeof(buf));
	ok(strncmp(buf + 10, " Mailbox 'Evil", 14) == 0 && strstr(buf, "' failed") && !strchr(buf, '\r') &&
	   !strchr(buf, '\x1b') && !strchr(buf, '\t'),
	   "line 4: control characters in the text are shown, not written (%s)", buf);
	is_int(s->n, 2, "the callback got both lines");
	ok(strcmp(s->line[1], buf) == 0, "and the same sanitized line as the file");
	mbx_free(all);
	mbx_free(path);
}

static void test_errors(seen *s)
{
	mbx_log *log = (mbx_log *)&log;
	char *path = mbx_asprintf("%s/no/such/dir/x.log", tmpdir);
	int rc;

	is_int(mbx_log_open(&log, NULL, -1, NULL, NULL), MBX_EINVAL, "level -1 is refused");
	ok(log == NULL, "and *out is NULL");
	ok(strstr(mbx_error_last(), "0 (none) to 3 (maximum)") != NULL, "the message gives the range: %s",
	   mbx_error_last());
	is_int(mbx_log_open(&log, NULL, 4, NULL, NULL), MBX_EINVAL, "level 4 is refused");

	rc = mbx_log_open(&log, path, MBX_LOG_MIN, NULL, NULL);
	ok(rc == MBX_EIO && !log, "a log in a missing directory is an I/O error");
	ok(strstr(mbx_error_last(), path) != NULL, "naming the file: %s", mbx_error_last());
	rc = mbx_log_open(&log, tmpdir, MBX_LOG_MIN, NULL, NULL);
	ok(rc < 0 && !log, "a directory is not a log file (%s)", mbx_error_last());
	mbx_free(path);

	/* NULL log, no file */
	mbx_log_write(NULL, MBX_LOG_MIN, "into nothing");
	is_int(mbx_log_level(NULL), MBX_LOG_NONE, "mbx_log_level(NULL) is NONE");
	mbx_log_free(NULL);
	ok(1, "mbx_log_write(NULL) and mbx_log_free(NULL) do nothing");
	seen_reset(s);
	ok(mbx_log_open(&log, NULL, MBX_LOG_MED, on_line, s) == 0, "a log without a file opens");
	mbx_log_write(log, MBX_LOG_MED, "only to the callback");
	mbx_log_write(log, MBX_LOG_MAX, "above the level");
	mbx_log_free(log);
	ok(s->n == 1 && strcmp(s->line[0] + 11, "only to the callback") == 0 && s->level[0] == MBX_LOG_MED,
	   "it hands lines up to its level to the callback");

	/* a file that can not be written: the export goes on, told once */
	if (access("/dev/full", W_OK) == 0) {
		seen_reset(s);
		log = NULL;
		rc = mbx_log_open(&log, "/dev/full", MBX_LOG_MAX, on_line, s);
		ok(rc == 0, "/dev/full opens as a log");
		mbx_log_write(log, MBX_LOG_MED, "one");
		mbx_log_write(log, MBX_LOG_MED, "two");
		mbx_log_write(log, MBX_LOG_MAX, "three");
		mbx_log_free(log);
		ok(s->n == 4 && s->level[0] == MBX_LOG_MIN && strstr(s->line[0], "Warning: cannot write log file "
		   "'/dev/full'") && strcmp(s->line[1] + 11, "one") == 0 && strcmp(s->line[3] + 11, "three") == 0,
		   "a full disk is reported once, at level 1, and the lines still reach the callback (%zu calls)",
		   s->n);
	} else {
		ok(1, "# SKIP no /dev/full");
		ok(1, "# SKIP no /dev/full");
	}
}

/* Several workers share one log: every line whole, none lost. */
#define THREADS 4
#define LINES 500

typedef struct worker {
	mbx_log *log;
	int id;
} worker;

static void *worker_main(void *arg)
{
	worker *w = arg;
	int i;

	for (i = 0; i < LINES; i++)
		mbx_log_write(w->log, MBX_LOG_MAX, "worker %d line %04d %s", w->id, i,
		              "padding padding padding padding padding padding padding padding");
	return NULL;
}

static void test_threads(void)
{
	char *path = mbx_asprintf("%s/threads.log", tmpdir), *all, *p, *e;
	mbx_log *log = NULL;
	pthread_t t[THREADS];
	worker w[THREADS];
	int i, good = 0, bad = 0, per[THREADS] = { 0 };

	ok(mbx_log_open(&log, path, MBX_LOG_MAX, NULL, NULL) == 0, "a log for %d threads", THREADS);
	for (i = 0; i < THREADS; i++) {
		w[i].log = log;
		w[i].id = i;
		pthread_create(&t[i], NULL, worker_main, &w[i]);
	}
	for (i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	mbx_log_free(log);
	all = slurp(path);
	for (p = all; *p; p = e + 1) {
		int id, n;
		char rest[128];

		e = strchr(p, '\n');
		if (!e)
			break;
		*e = '\0';
		if (sscanf(p + 10, " worker %d line %d %127[a-z ]", &id, &n, rest) == 3 && id >= 0 &&
		    id < THREADS && strlen(p) == 11 + strlen("worker 0 line 0000 ") + 63 && per[id] == n) {
			per[id]++;
			good++;
		} else {
			bad++;
		}
	}
	is_int(good, THREADS * LINES, "all %d lines arrived whole, each thread's in its order", THREADS * LINES);
	is_int(bad, 0, "no torn or interleaved line");
	mbx_free(all);
	mbx_free(path);
}

int main(void)
{
	seen s;

	if (!mkdtemp(tmpdir))
		tap_skip_all("no temporary directory");
	memset(&s, 0, sizeof(s));
	pthread_mutex_init(&s.lock, NULL);
	test_levels(&s);
	test_file(&s);
	test_errors(&s);
	test_threads();
	pthread_mutex_destroy(&s.lock);
	{
		char *cmd = mbx_asprintf("rm -rf '%s'", tmpdir);

		if (system(cmd) != 0)
			diag("could not remove %s", tmpdir);
		mbx_free(cmd);
	}
	return tap_done();
}
