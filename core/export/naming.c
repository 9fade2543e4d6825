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

/* ---- names taken in a directory -------------------------------------------- */

static unsigned char fold(unsigned char c)
{
	return c >= 'a' && c <= 'z' ? (unsigned char)(c - 32) : c;
}

static uint64_t name_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;   /* FNV-1a of the ASCII-folded name */

	for (; *s; s++)
		h = (h ^ fold((unsigned char)*s)) * 1099511628211ULL;
	h ^= h >> 33;                          /* U000001, U000002: mix the tail in */
	h *= 0xff51afd7ed558ccdULL;
	return h ^ (h >> 33);
}

static int same(const char *a, const char *b)
{
	for (; *a && fold((unsigned char)*a) == fold((unsigned char)*b); a++, b++)
		;
	return fold((unsigned char)*a) == fold((unsigned char)*b);
}

/* The slot of name, or the empty one where it would go (cap > 0). */
static exp_name_slot *slot_of(const exp_names *ns, const char *name, uint64_t h)
{
	size_t j;

	for (j = h & (ns->cap - 1); ns->slot[j].name; j = (j + 1) & (ns->cap - 1))
		if (ns->slot[j].hash == h && same(ns->slot[j].name, name))
			break;
	return &ns->slot[j];
}

static void grow(exp_names *ns)
{
	exp_names bigger = { NULL, ns->cap ? ns->cap * 2 : 1024, ns->count };
	size_t i;

	bigger.slot = mbx_calloc(bigger.cap, sizeof(*bigger.slot));
	for (i = 0; i < ns->cap; i++)
		if (ns->slot[i].name)
			*slot_of(&bigger, ns->slot[i].name, ns->slot[i].hash) = ns->slot[i];
	mbx_free(ns->slot);
	*ns = bigger;
}

static exp_name_slot *find_or_add(exp_names *ns, const char *name, int *added)
{
	uint64_t h = name_hash(name);
	exp_name_slot *sl;

	if ((ns->count + 1) * 2 > ns->cap)
		grow(ns);
	sl = slot_of(ns, name, h);
	*added = sl->name == NULL;
	if (*added) {
		sl->name = mbx_strdup(name);
		sl->hash = h;
		sl->next = 2;
		ns->count++;
	}
	return sl;
}

int exp_names_has(const exp_names *ns, const char *name)
{
	return ns->cap && slot_of(ns, name, name_hash(name))->name != NULL;
}

const char *exp_names_take(exp_names *ns, const char *name)
{
	int added;

	return find_or_add(ns, name, &added)->name;
}

const char *exp_names_unique(exp_names *ns, const char *base)
{
	exp_name_slot *sl;
	const char *taken;
	unsigned k;
	int added;
	char *name;

	sl = find_or_add(ns, base, &added);
	if (added)
		return sl->name;
	/* "-NNN" is taken by split parts, so collisions use "_N".  The base
	 * remembers how far its suffixes went: many mailboxes with one base
	 * cost one step each, not a search from _2 every time. */
	for (k = sl->next;; k++) {
		name = mbx_asprintf("%s_%u", base, k);
		if (!exp_names_has(ns, name))
			break;
		mbx_free(name);
	}
	taken = exp_names_take(ns, name);
	mbx_free(name);
	sl = find_or_add(ns, base, &added);     /* the table may have moved */
	sl->next = k + 1;
	return taken;
}

void exp_names_free(exp_names *ns)
{
	size_t i;

	if (!ns)
		return;
	for (i = 0; i < ns->cap; i++)
		mbx_free(ns->slot[i].name);
	mbx_free(ns->slot);
	memset(ns, 0, sizeof(*ns));
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
