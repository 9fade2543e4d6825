/*
 * core/base/names.h - a case-insensitive (ASCII) set of strings: open
 * addressing, FNV-1a.  Copies what it is given; nameset_free releases all.
 */
#ifndef MBX_BASE_NAMES_H
#define MBX_BASE_NAMES_H

#include <stddef.h>
#include <stdint.h>
#include "mbx/common.h"

typedef struct nameset_slot {
	char *name;
	uint64_t hash;
} nameset_slot;

typedef struct nameset {
	nameset_slot *slot;
	size_t cap, count;
} nameset;

/* 1 when s is in the set (ASCII case-insensitive). */
int nameset_has(const nameset *ns, const char *s);
/* Add a copy of s (no-op when present). */
void nameset_add(nameset *ns, const char *s);
void nameset_free(nameset *ns);

/*
 * fplist: lists of 96-bit fingerprints of case-insensitive names (two
 * independent 64-bit hashes and a tag for the kind of name), joined by
 * sorting and merging.  For the link scan over 100,000s of GUIDs and DNs:
 * sequential memory access instead of one cache miss per hash lookup, and
 * a false match would need a 96-bit collision.
 */
typedef struct fingerprint {
	uint64_t h1;
	uint32_t h2;           /* 96 bits in all: 16 bytes an entry */
	uint32_t idx;          /* the caller's row index */
} fingerprint;

typedef struct fplist {
	fingerprint *v;
	size_t count, cap;
} fplist;

/* Make room for n entries at once (growing by doubling copies 10s of MB). */
void fplist_reserve(fplist *l, size_t n);
/* Add the fingerprint of (tag, s), s being len bytes; s NULL is skipped. */
void fplist_add(fplist *l, char tag, const char *s, size_t len, uint32_t idx);
/* Sort by fingerprint; `scratch` is working space the caller keeps for the
 * next sort and frees with fplist_free. */
void fplist_sort(fplist *l, fplist *scratch);
/* Both sorted: found_a[idx] = 1 for every entry of a that is also in b,
 * and found_b[idx] = 1 for every entry of b that is also in a. */
void fplist_link(const fplist *a, const fplist *b, unsigned char *found_a,
                 unsigned char *found_b);
/* Both sorted: fn(ra, na, rb, nb, arg) once for every fingerprint that is
 * in both, with its run of na entries in a and nb entries in b.  The
 * general form of fplist_link, for callers that need the pairs. */
typedef void fplist_match_fn(const fingerprint *ra, size_t na, const fingerprint *rb,
                             size_t nb, void *arg);
void fplist_join(const fplist *a, const fplist *b, fplist_match_fn *fn, void *arg);
void fplist_free(fplist *l);

/*
 * Ordering rows by name like SQL's "ORDER BY name COLLATE NOCASE, id", in
 * C: reading a table in rowid order and sorting here is several times
 * faster than SQLite's sorter on 100,000 rows.  A key holds the first 16
 * ASCII-folded bytes, so most comparisons never touch the strings.
 */
typedef struct name_key {
	uint64_t k0, k1;       /* folded prefix, big-endian, zero-padded */
	const char *name;      /* borrowed; NULL sorts as "" */
	int64_t id;
	size_t row;            /* the caller's row index */
} name_key;

void name_key_set(name_key *k, const char *name, int64_t id, size_t row);
void name_keys_sort(name_key *k, size_t n);

#endif
