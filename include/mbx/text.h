/*
 * mbx/text.h - the one sanitizer every outside string passes through
 * before it reaches a screen or a log (htop's RichString idea), and
 * display-width helpers.
 *
 * Needs an UTF-8 LC_CTYPE (setlocale) for wcwidth to know wide and
 * combining characters; in the C locale every printable character counts 1.
 */
#ifndef MBX_TEXT_H
#define MBX_TEXT_H

#include "mbx/common.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
	MBX_TEXT_ASCII = 1 << 0,   /* replace every non-ASCII character with '?' */
	MBX_TEXT_ELLIPSIS = 1 << 1 /* mark truncation with "~" (ASCII) or "…" */
};

/*
 * Return a new string (caller frees) that is valid UTF-8 with no control
 * characters: C0/C1 controls and DEL are shown visibly as ^X / \xNN,
 * invalid UTF-8 bytes become U+FFFD, bidi overrides are dropped.  At most
 * max_cols display columns (max_cols < 0: no limit); *cols (may be NULL)
 * gets the width of the result.  NULL input gives "".
 */
char *mbx_text_clean(const char *s, int max_cols, unsigned flags, int *cols);

/* Display width in columns of a UTF-8 string, invalid bytes counting 1. */
int mbx_text_width(const char *s);

/* 1 when s is valid UTF-8 (no overlongs, no surrogates), else 0. */
int mbx_utf8_valid(const char *s, size_t len);

/* Format a byte count for people: "512 B", "1.4 MB", "3.0 GB". buf >= 16. */
const char *mbx_text_size(int64_t bytes, char *buf, size_t buflen);

#ifdef __cplusplus
}
#endif
#endif
