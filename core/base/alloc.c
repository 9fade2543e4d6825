/* The allocation family: never returns NULL (see mbx/common.h). */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mbx/common.h"

static void oom(size_t n)
{
	fprintf(stderr, "mbxrescue: out of memory (allocating %zu bytes)\n", n);
	abort();
}

void *mbx_malloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		oom(n);
	return p;
}

void *mbx_calloc(size_t count, size_t size)
{
	void *p = calloc(count ? count : 1, size ? size : 1);

	if (!p)
		oom(count * size);
	return p;
}

void *mbx_realloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		oom(n);
	return q;
}

void *mbx_reallocarray(void *p, size_t count, size_t size)
{
	if (size && count > SIZE_MAX / size)
		oom(SIZE_MAX);
	return mbx_realloc(p, count * size);
}

char *mbx_strdup(const char *s)
{
	return s ? mbx_strndup(s, strlen(s)) : NULL;
}

char *mbx_strndup(const char *s, size_t n)
{
	char *d;
	size_t len = strnlen(s, n);

	d = mbx_malloc(len + 1);
	memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

char *mbx_vasprintf(const char *fmt, va_list ap)
{
	va_list aq;
	int n;
	char *s;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		n = 0;
	s = mbx_malloc((size_t)n + 1);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

char *mbx_asprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = mbx_vasprintf(fmt, ap);
	va_end(ap);
	return s;
}

void mbx_free(void *p)
{
	free(p);
}
