/*
 * tests/tap.h - a small TAP producer for C tests.  Each check prints
 * "ok N - name" or "not ok N - name"; tap_done() prints the plan and
 * returns the exit status (0 all passed, 1 otherwise).  Exit 77 = skip.
 */
#ifndef MBX_TEST_TAP_H
#define MBX_TEST_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>

static int tap_n, tap_failed;

#define ok(cond, ...) tap_ok_(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(got, want, ...) tap_is_int_((int64_t)(got), (int64_t)(want), __FILE__, __LINE__, __VA_ARGS__)
#define is_str(got, want, ...) tap_is_str_((got), (want), __FILE__, __LINE__, __VA_ARGS__)

static inline int tap_ok_(int pass, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static inline int tap_ok_(int pass, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	printf("%sok %d - ", pass ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!pass) {
		tap_failed++;
		printf("#   failed at %s:%d\n", file, line);
	}
	fflush(stdout);
	return pass;
}

#define tap_is_int_(g, w, f, l, ...) \
	(tap_ok_((g) == (w), f, l, __VA_ARGS__) ? 1 : \
	 (printf("#   got %" PRId64 ", want %" PRId64 "\n", (int64_t)(g), (int64_t)(w)), 0))

static inline int tap_streq_(const char *a, const char *b)
{
	return a && b ? strcmp(a, b) == 0 : a == b;
}

#define tap_is_str_(g, w, f, l, ...) \
	(tap_ok_(tap_streq_((g), (w)), f, l, __VA_ARGS__) ? 1 : \
	 (printf("#   got '%s', want '%s'\n", (g) ? (g) : "(null)", (w) ? (w) : "(null)"), 0))

static inline void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline void diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static inline void tap_skip_all(const char *why)
{
	printf("1..0 # SKIP %s\n", why);
	exit(77);
}

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	if (tap_failed)
		printf("# %d of %d failed\n", tap_failed, tap_n);
	return tap_failed ? 1 : 0;
}

#endif
