/* File names of exported mailboxes: Exmerge's ALIAS.PST, made safe. */
#include "config.h"
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <strings.h>
#include "mbx/text.h"
#include "export_int.h"

/* Longest base name in bytes: leaves room for "-002.PST.unverified" in a
 * 255-byte file name and keeps names readable. */
#define BASE_MAX 64

/* Windows device names: a PST called CON.PST can not be copied to a
 * Windows share, where these files usually end up. */
static int reserved_name(const char *s)
{
	static const char *const names[] = { "CON", "PRN", "AUX", "NUL", "CLOCK$" };
	size_t len = strcspn(s, ".");
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == len && strncasecmp(s, names[i], len) == 0)
			return 1;
	if (len == 4 && (strncasecmp(s, "COM", 3) == 0 || strncasecmp(s, "LPT", 3) == 0) &&
	    s[3] >= '0' && s[3] <= '9')
		return 1;
	return 0;
}

/* Length of the valid UTF-8 sequence at s, 0 when invalid. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return mbx_utf8_valid((const char *)s, n) ? n : 0;
}

char *exp_base_name(const char *alias)
{
	const unsigned char *s = (const unsigned char *)(alias ? alias : "");
	char *out = mbx_malloc(BASE_MAX + 2);
	size_t o = 0, start, end;
	char *res;

	while (*s && o < BASE_MAX) {
		size_t n = utf8_len(s);

		if (n == 0 || *s < 0x20 || *s == 0x7f) {
			out[o++] = '_';          /* control or invalid byte */
			s += n ? n : 1;
		} else if (n > 1) {
			if (o + n > BASE_MAX)
				break;
			/* C1 controls (U+0080..U+009F) are controls too. */
			if (s[0] == 0xc2 && s[1] < 0xa0) {
				out[o++] = '_';
			} else {
				memcpy(out + o, s, n);
				o += n;
			}
			s += n;
		} else if (strchr("/\\:*?\"<>|", *s)) {
			out[o++] = '_';          /* path separators, Windows' forbidden */
			s++;
		} else if (*s == '.' && o > 0 && out[o - 1] == '.') {
			s++;                     /* no ".." anywhere */
		} else {
			out[o++] = (char)toupper(*s);
			s++;
		}
	}
	out[o] = '\0';
	/* No leading dots (hidden files, ".."), no trailing dots or spaces
	 * (Windows drops them), no leading spaces. */
	start = 0;
	while (out[start] == '.' || out[start] == ' ')
		start++;
	end = strlen(out);
	while (end > start && (out[end - 1] == '.' || out[end - 1] == ' '))
		end--;
	if (end == start)
		res = mbx_strdup("MAILBOX");
	else
		res = mbx_strndup(out + start, end - start);
	mbx_free(out);
	if (reserved_name(res)) {
		/* Windows looks at the part before the first dot. */
		size_t dev = strcspn(res, ".");
		char *r = mbx_asprintf("%.*s_%s", (int)dev, res, res + dev);

		mbx_free(res);
		res = r;
	}
	return res;
}

char *exp_part_name(const char *base, int part)
{
	if (part <= 1)
		return mbx_asprintf("%s.PST", base);
	return mbx_asprintf("%s-%03d.PST", base, part);
}

char *mbx_export_file_name(const char *alias, int part)
{
	char *base = exp_base_name(alias);
	char *name = exp_part_name(base, part);

	mbx_free(base);
	return name;
}

static int used_has(const char *name, char *const *used, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcasecmp(used[i], name) == 0)
			return 1;
	return 0;
}

char *exp_unique_base(const char *base, char *const *used, size_t n)
{
	char *name = mbx_strdup(base);
	unsigned k;

	/* "-NNN" is taken by split parts, so collisions use "_N". */
	for (k = 2; used_has(name, used, n); k++) {
		mbx_free(name);
		name = mbx_asprintf("%s_%u", base, k);
	}
	return name;
}

int mbx_export_parse_size(const char *s, int64_t *out)
{
	char *end;
	double v;
	double mult = 1;

	if (!s || !*s)
		return mbx_error_set(MBX_EINVAL, "empty size: give bytes or a number with K, M, G or T");
	v = strtod(s, &end);
	if (end == s || v <= 0)
		goto bad;
	switch (toupper((unsigned char)*end)) {
	case '\0': break;
	case 'K': mult = 1024.0; end++; break;
	case 'M': mult = 1024.0 * 1024; end++; break;
	case 'G': mult = 1024.0 * 1024 * 1024; end++; break;
	case 'T': mult = 1024.0 * 1024 * 1024 * 1024; end++; break;
	default: goto bad;
	}
	if (toupper((unsigned char)*end) == 'B')
		end++;
	if (*end || v * mult > 9.0e18 || v * mult < 1)
		goto bad;
	*out = (int64_t)(v * mult);
	return 0;
bad:
	return mbx_error_set(MBX_EINVAL, "invalid size '%s': give bytes or a number with K, M, G or T (e.g. 2G)", s);
}
