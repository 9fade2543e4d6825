/*
 * core/store_names.c - a case-insensitive set of names (aliases, DNs,
 * GUIDs, addresses), for the check's link scan and the adjuster's plan.
 */
#include "config.h"
#include <string.h>

#include "store_names.h"

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

/* ---- keyset: 128-bit fingerprints only ---------------------------------- */

/* A second, independent 64-bit hash (different basis and multiplier). */
static uint64_t name_hash2(const char *s)
{
	uint64_t h = 0x9E3779B97F4A7C15ULL;

	for (; *s; s++)
		h = (h + fold((unsigned char)*s)) * 0xC2B2AE3D27D4EB4FULL;
	h ^= h >> 29;
	h *= 0xBF58476D1CE4E5B9ULL;
	h ^= h >> 32;
	return h | 1;    /* never 0: 0 marks an empty slot */
}

static size_t key_find(const keyset *ks, uint64_t h1, uint64_t h2)
{
	size_t j;

	for (j = h1 & (ks->cap - 1); ks->slot[j].h2; j = (j + 1) & (ks->cap - 1))
		if (ks->slot[j].h1 == h1 && ks->slot[j].h2 == h2)
			break;
	return j;
}

static void keyset_grow(keyset *ks)
{
	size_t cap = ks->cap ? ks->cap * 2 : 1024, i, j;
	keyset_slot *slot = mbx_calloc(cap, sizeof(*slot));

	for (i = 0; i < ks->cap; i++) {
		if (!ks->slot[i].h2)
			continue;
		for (j = ks->slot[i].h1 & (cap - 1); slot[j].h2; j = (j + 1) & (cap - 1))
			;
		slot[j] = ks->slot[i];
	}
	mbx_free(ks->slot);
	ks->slot = slot;
	ks->cap = cap;
}

void keyset_reserve(keyset *ks, size_t n)
{
	while ((n + 1) * 2 > ks->cap)
		keyset_grow(ks);
}

void keyset_add(keyset *ks, const char *s)
{
	uint64_t h1 = name_hash(s), h2 = name_hash2(s);
	size_t j;

	if ((ks->count + 1) * 2 > ks->cap)
		keyset_grow(ks);
	j = key_find(ks, h1, h2);
	if (ks->slot[j].h2)
		return;
	ks->slot[j].h1 = h1;
	ks->slot[j].h2 = h2;
	ks->count++;
}

int keyset_has(const keyset *ks, const char *s)
{
	if (!ks->cap)
		return 0;
	return ks->slot[key_find(ks, name_hash(s), name_hash2(s))].h2 != 0;
}

void keyset_free(keyset *ks)
{
	mbx_free(ks->slot);
	memset(ks, 0, sizeof(*ks));
}
