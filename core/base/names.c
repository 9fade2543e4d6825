/*
 * core/base/names.c - a case-insensitive set of names (aliases, DNs,
 * GUIDs, addresses), for the check's link scan and the adjuster's plan.
 */
#include "config.h"
#include <stdlib.h>
#include <string.h>

#include "base/names.h"

/* ASCII-only folding, like SQLite's NOCASE, whatever the locale. */
static unsigned char fold(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

static int same_name(const char *a, const char *b)
{
	for (; *a && fold((unsigned char)*a) == fold((unsigned char)*b); a++, b++)
		;
	return fold((unsigned char)*a) == fold((unsigned char)*b);
}

static uint64_t name_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;   /* FNV-1a of the ASCII-lowered text */

	for (; *s; s++)
		h = (h ^ (uint64_t)fold((unsigned char)*s)) * 1099511628211ULL;
	/* Mix the high bits down: names that differ only at the end (U000001,
	 * U000002) would otherwise crowd the low bits used as the index. */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

static void nameset_grow(nameset *ns)
{
	size_t cap = ns->cap ? ns->cap * 2 : 256, i, j;
	nameset_slot *slot = mbx_calloc(cap, sizeof(*slot));

	for (i = 0; i < ns->cap; i++) {
		if (!ns->slot[i].name)
			continue;
		for (j = ns->slot[i].hash & (cap - 1); slot[j].name; j = (j + 1) & (cap - 1))
			;
		slot[j] = ns->slot[i];
	}
	mbx_free(ns->slot);
	ns->slot = slot;
	ns->cap = cap;
}

/* The slot holding s, or the empty slot where it would go. */
static size_t find(const nameset *ns, const char *s, uint64_t h)
{
	size_t j;

	for (j = h & (ns->cap - 1); ns->slot[j].name; j = (j + 1) & (ns->cap - 1))
		if (ns->slot[j].hash == h && same_name(ns->slot[j].name, s))
			break;
	return j;
}

int nameset_has(const nameset *ns, const char *s)
{
	if (!ns->cap)
		return 0;
	return ns->slot[find(ns, s, name_hash(s))].name != NULL;
}

void nameset_add(nameset *ns, const char *s)
{
	uint64_t h = name_hash(s);
	size_t j;

	if (ns->cap && ns->slot[find(ns, s, h)].name)
		return;
	if ((ns->count + 1) * 2 > ns->cap)
		nameset_grow(ns);
	j = find(ns, s, h);
	ns->slot[j].name = mbx_strdup(s);
	ns->slot[j].hash = h;
	ns->count++;
}

void nameset_free(nameset *ns)
{
	size_t i;

	for (i = 0; i < ns->cap; i++)
		mbx_free(ns->slot[i].name);
	mbx_free(ns->slot);
	memset(ns, 0, sizeof(*ns));
}

/* ---- Fingerprint lists ---------------------------------------------------- */

/* Mix the high bits of a 64-bit hash down (MurmurHash3's finalizer). */
static uint64_t fmix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

void fplist_reserve(fplist *l, size_t n)
{
	if (n > l->cap) {
		l->v = mbx_reallocarray(l->v, n, sizeof(*l->v));
		l->cap = n;
	}
}

/*
 * ASCII case folding of 8 bytes at once, like fold() on each: a byte gets
 * 0x20 added when it is 'A'..'Z' (bytes >= 0x80 are left alone).
 */
static uint64_t fold8(uint64_t w)
{
	const uint64_t hi = 0x8080808080808080ULL;
	uint64_t low7 = w & ~hi;
	uint64_t ge_a = low7 + 0x3f3f3f3f3f3f3f3fULL;   /* top bit: byte >= 'A' */
	uint64_t gt_z = low7 + 0x2525252525252525ULL;   /* top bit: byte > 'Z' */

	return w | (((ge_a & ~gt_z & ~w) & hi) >> 2);
}

static uint64_t rotl64(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

/* One 8-byte word into both hashes: different operations per lane, so
 * that the two are independent. */
static void mix8(uint64_t *a, uint64_t *b, uint64_t w)
{
	*a = (*a ^ w) * 0x9FB21C651E98DF25ULL;
	*a ^= *a >> 29;
	*b = rotl64(*b + w, 31) * 0xC2B2AE3D27D4EB4FULL;
}

/* The 96-bit fingerprint of (tag, s), s being len bytes. */
static void fp_compute(char tag, const char *s, size_t len, uint64_t *h1, uint32_t *h2)
{
	uint64_t a = 0x243F6A8885A308D3ULL ^ (uint64_t)(unsigned char)tag;
	uint64_t b = 0x9E3779B97F4A7C15ULL + (uint64_t)(unsigned char)tag;
	uint64_t w;
	size_t i;

	/* Word at a time: the names are 30-60 bytes, and a byte loop was the
	 * largest cost of the check. */
	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&w, s + i, 8);
		mix8(&a, &b, fold8(w));
	}
	w = 0;
	memcpy(&w, s + i, len - i);
	mix8(&a, &b, fold8(w));
	mix8(&a, &b, (uint64_t)len);
	*h1 = fmix(a);
	*h2 = (uint32_t)(fmix(b ^ 0x5bd1e9955bd1e995ULL) >> 32);
}

void fplist_add(fplist *l, char tag, const char *s, size_t len, uint32_t idx)
{
	fingerprint *f;

	if (!s)
		return;
	if (l->count == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 1024;
		l->v = mbx_reallocarray(l->v, l->cap, sizeof(*l->v));
	}
	f = &l->v[l->count++];
	fp_compute(tag, s, len, &f->h1, &f->h2);
	f->idx = idx;
}

static int fp_cmp(const void *a, const void *b)
{
	const fingerprint *x = a, *y = b;

	if (x->h1 != y->h1)
		return x->h1 < y->h1 ? -1 : 1;
	if (x->h2 != y->h2)
		return x->h2 < y->h2 ? -1 : 1;
	return 0;
}

static int fp_less(const fingerprint *x, const fingerprint *y)
{
	return x->h1 < y->h1 || (x->h1 == y->h1 && x->h2 < y->h2);
}

/*
 * LSD radix sort on the top 22 bits of h1 (two stable passes of 11 bits,
 * counts in L1), then one insertion-sort pass for the few neighbours that
 * share those bits: the hashes are uniform, so this is linear and streams
 * through memory where qsort would not.
 */
void fplist_sort(fplist *l, fplist *scratch)
{
	fingerprint *tmp, *src = l->v, *dst, *t, x;
	size_t cnt[2048], i, j, pos;
	int shift;

	if (l->count < 64) {
		if (l->count > 1)
			qsort(l->v, l->count, sizeof(*l->v), fp_cmp);
		return;
	}
	fplist_reserve(scratch, l->count);
	tmp = scratch->v;
	dst = tmp;
	for (shift = 42; shift < 64; shift += 11) {
		memset(cnt, 0, sizeof(cnt));
		for (i = 0; i < l->count; i++)
			cnt[(src[i].h1 >> shift) & 0x7ff]++;
		for (i = 0, pos = 0; i < 2048; i++) {
			size_t c = cnt[i];

			cnt[i] = pos;
			pos += c;
		}
		for (i = 0; i < l->count; i++)
			dst[cnt[(src[i].h1 >> shift) & 0x7ff]++] = src[i];
		t = src;
		src = dst;
		dst = t;
	}
	/* Two passes: the data is back in l->v. */
	for (i = 1; i < l->count; i++) {
		if (!fp_less(&l->v[i], &l->v[i - 1]))
			continue;
		x = l->v[i];
		for (j = i; j > 0 && fp_less(&x, &l->v[j - 1]); j--)
			l->v[j] = l->v[j - 1];
		l->v[j] = x;
	}
}

void fplist_join(const fplist *a, const fplist *b, fplist_match_fn *fn, void *arg)
{
	size_t i = 0, j = 0, ie, je;

	while (i < a->count && j < b->count) {
		int c = fp_cmp(&a->v[i], &b->v[j]);

		if (c < 0) {
			i++;
		} else if (c > 0) {
			j++;
		} else {
			for (ie = i + 1; ie < a->count && !fp_cmp(&a->v[ie], &a->v[i]); ie++)
				;
			for (je = j + 1; je < b->count && !fp_cmp(&b->v[je], &b->v[j]); je++)
				;
			fn(&a->v[i], ie - i, &b->v[j], je - j, arg);
			i = ie;
			j = je;
		}
	}
}

struct link_flags {
	unsigned char *found_a, *found_b;
};

/* Equal runs on both sides: every entry of each is matched. */
static void link_mark(const fingerprint *ra, size_t na, const fingerprint *rb, size_t nb,
                      void *arg)
{
	struct link_flags *f = arg;
	size_t k;

	for (k = 0; k < na; k++)
		f->found_a[ra[k].idx] = 1;
	for (k = 0; k < nb; k++)
		f->found_b[rb[k].idx] = 1;
}

void fplist_link(const fplist *a, const fplist *b, unsigned char *found_a,
                 unsigned char *found_b)
{
	struct link_flags f = { found_a, found_b };

	fplist_join(a, b, link_mark, &f);
}

void fplist_free(fplist *l)
{
	mbx_free(l->v);
	memset(l, 0, sizeof(*l));
}

/* ---- Ordering by name ------------------------------------------------------ */

static uint64_t load_be64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

void name_key_set(name_key *k, const char *name, int64_t id, size_t row)
{
	unsigned char buf[16] = { 0 };
	uint64_t w;
	size_t len = name ? strnlen(name, sizeof(buf)) : 0;

	/* Fold a word at a time (fold8 works byte by byte, whatever the
	 * endianness), then read big-endian so that numbers compare as the
	 * bytes do. */
	memcpy(buf, name ? name : "", len);
	memcpy(&w, buf, 8);
	w = fold8(w);
	memcpy(buf, &w, 8);
	memcpy(&w, buf + 8, 8);
	w = fold8(w);
	memcpy(buf + 8, &w, 8);
	k->k0 = load_be64(buf);
	k->k1 = load_be64(buf + 8);
	k->name = name;
	k->id = id;
	k->row = row;
}

/* SQLite's NOCASE: folded bytes compared unsigned, a prefix first. */
static int nocase_cmp(const char *a, const char *b)
{
	const unsigned char *x = (const unsigned char *)(a ? a : "");
	const unsigned char *y = (const unsigned char *)(b ? b : "");

	for (; *x && fold(*x) == fold(*y); x++, y++)
		;
	return (int)fold(*x) - (int)fold(*y);
}

static int name_key_cmp(const void *pa, const void *pb)
{
	const name_key *a = pa, *b = pb;
	int c;

	if (a->k0 != b->k0)
		return a->k0 < b->k0 ? -1 : 1;
	if (a->k1 != b->k1)
		return a->k1 < b->k1 ? -1 : 1;
	c = nocase_cmp(a->name, b->name);
	if (c)
		return c;
	return a->id < b->id ? -1 : a->id > b->id;
}

void name_keys_sort(name_key *k, size_t n)
{
	if (n > 1)
		qsort(k, n, sizeof(*k), name_key_cmp);
}
