/*
 * core/base/text.c - the sanitizer every outside string passes through before
 * a screen or a log, and display-width helpers (see mbx/text.h).
 */
#include "config.h"
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "mbx/text.h"

/*
 * Decode one UTF-8 sequence at s (n bytes left).  Returns its length and
 * sets *cp, or returns 0 for an invalid sequence (overlong, surrogate,
 * beyond U+10FFFF, truncated, stray continuation byte).
 */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c;
	size_t len, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		len = 2;
		c = s[0] & 0x1F;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		len = 3;
		c = s[0] & 0x0F;
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		len = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10FFFF)) ||
	    (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return len;
}

int mbx_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k;
	uint32_t cp;

	while (i < len) {
		k = utf8_decode(p + i, len - i, &cp);
		if (!k)
			return 0;
		i += k;
	}
	return 1;
}

/* Bidirectional embedding/override/isolate controls: dropped, because they
 * can make a file name or subject read differently from what it is. */
static int is_bidi_control(uint32_t cp)
{
	return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

/* Columns of a printable code point; 1 where the locale does not know it. */
static int cp_width(uint32_t cp)
{
	int w;

	if (cp < 0x80)
		return 1;
	w = wcwidth((wchar_t)cp);
	return w < 0 ? 1 : w;
}

/* One output token of the cleaned text. */
typedef struct token {
	char buf[8];
	size_t len;
	int cols;
} token;

/* Turn the next input character of s into a token; returns bytes consumed
 * (0 at the end).  A dropped character gives an empty token. */
static size_t next_token(const unsigned char *s, size_t n, unsigned flags, token *t)
{
	uint32_t cp;
	size_t k;

	t->len = 0;
	t->cols = 0;
	if (n == 0)
		return 0;
	k = utf8_decode(s, n, &cp);
	if (!k) {
		if (flags & MBX_TEXT_ASCII) {
			t->buf[0] = '?';
			t->len = 1;
		} else {
			memcpy(t->buf, "\xEF\xBF\xBD", 3);  /* U+FFFD */
			t->len = 3;
		}
		t->cols = 1;
		return 1;
	}
	if (cp < 0x20 || cp == 0x7F) {
		t->buf[0] = '^';
		t->buf[1] = cp == 0x7F ? '?' : (char)(cp + 0x40);
		t->len = 2;
		t->cols = 2;
	} else if (cp >= 0x80 && cp <= 0x9F) {
		snprintf(t->buf, sizeof(t->buf), "\\x%02X", (unsigned)cp);
		t->len = 4;
		t->cols = 4;
	} else if (is_bidi_control(cp)) {
		/* dropped */
	} else if (cp < 0x80) {
		t->buf[0] = (char)cp;
		t->len = 1;
		t->cols = 1;
	} else if (flags & MBX_TEXT_ASCII) {
		t->buf[0] = '?';
		t->len = 1;
		t->cols = 1;
	} else {
		memcpy(t->buf, s, k);
		t->len = k;
		t->cols = cp_width(cp);
	}
	return k;
}

char *mbx_text_clean(const char *s, int max_cols, unsigned flags, int *cols)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p), i, k, olen = 0, ocap;
	int total = 0, used = 0, limit = INT_MAX, truncated = 0;
	const char *ell = (flags & MBX_TEXT_ASCII) ? "~" : "\xE2\x80\xA6";
	char *out;
	token t;

	/* Printable ASCII that fits is its own cleaned form (the common case:
	 * a report prints 10,000s of names). */
	for (i = 0; i < n && p[i] >= 0x20 && p[i] < 0x7F; i++)
		;
	if (i == n && n <= INT_MAX && (max_cols < 0 || n <= (size_t)max_cols)) {
		out = mbx_malloc(n + 1);
		memcpy(out, p, n + 1);
		if (cols)
			*cols = (int)n;
		return out;
	}
	/* Pass 1: the full width, to know whether truncation happens at all. */
	for (i = 0; (k = next_token(p + i, n - i, flags, &t)) > 0; i += k)
		total += t.cols;
	if (max_cols >= 0 && total > max_cols) {
		truncated = 1;
		limit = max_cols;
		if ((flags & MBX_TEXT_ELLIPSIS) && max_cols >= 1)
			limit = max_cols - 1;
	}
	/* Worst case growth: 4 bytes of "\xNN" per input byte. */
	ocap = n * 4 + 8;
	out = mbx_malloc(ocap);
	for (i = 0; (k = next_token(p + i, n - i, flags, &t)) > 0; i += k) {
		if (used + t.cols > limit)
			break;
		memcpy(out + olen, t.buf, t.len);
		olen += t.len;
		used += t.cols;
	}
	if (truncated && (flags & MBX_TEXT_ELLIPSIS) && max_cols >= 1) {
		memcpy(out + olen, ell, strlen(ell));
		olen += strlen(ell);
		used += 1;
	}
	out[olen] = '\0';
	if (cols)
		*cols = used;
	return out;
}

int mbx_text_width(const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p), i = 0, k;
	uint32_t cp;
	int w = 0;

	while (i < n) {
		k = utf8_decode(p + i, n - i, &cp);
		if (!k) {
			w++;
			i++;
			continue;
		}
		if (cp >= 0x20 && cp != 0x7F && !(cp >= 0x80 && cp <= 0x9F))
			w += cp_width(cp);
		i += k;
	}
	return w;
}

const char *mbx_text_size(int64_t bytes, char *buf, size_t buflen)
{
	static const char *const units[] = { "KB", "MB", "GB", "TB", "PB" };
	double v;
	int u = -1;

	if (bytes < 1024) {
		snprintf(buf, buflen, "%" PRId64 " B", bytes < 0 ? (int64_t)0 : bytes);
		return buf;
	}
	v = (double)bytes;
	do {
		v /= 1024.0;
		u++;
	} while (v >= 1024.0 && u < 4);
	snprintf(buf, buflen, "%.1f %s", v, units[u]);
	return buf;
}
