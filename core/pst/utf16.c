/*
 * core/pst/utf16.c - UTF-8 (the API) to UTF-16LE (the file) with iconv.
 * Invalid UTF-8 is refused, never replaced.
 */
#include <errno.h>
#include <string.h>

#include "mbx/common.h"
#include "pst/pst_int.h"

iconv_t pst_utf16_open(void)
{
	return iconv_open("UTF-16LE", "UTF-8");
}

/* *out (caller frees) gets the UTF-16LE text without terminator. */
int pst_utf16(iconv_t cd, const char *utf8, unsigned char **out, size_t *outlen, const char *what)
{
	size_t inleft = strlen(utf8), cap = inleft * 2 + 2, outleft = cap;
	char *in = (char *)utf8, *o;
	unsigned char *buf = mbx_malloc(cap);

	o = (char *)buf;
	iconv(cd, NULL, NULL, NULL, NULL);
	if (iconv(cd, &in, &inleft, &o, &outleft) == (size_t)-1) {
		int e = errno;

		mbx_free(buf);
		*out = NULL;
		*outlen = 0;
		return mbx_error_set(MBX_EINVAL, "%s is not valid UTF-8 (byte %zu): %s; fix the source text",
		                     what, (size_t)(in - utf8), e == E2BIG ? "too long" : "invalid sequence");
	}
	*out = buf;
	*outlen = cap - outleft;
	return 0;
}
