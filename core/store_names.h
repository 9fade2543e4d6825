/*
 * core/store_names.h - a case-insensitive (ASCII) set of strings: open
 * addressing, FNV-1a.  Copies what it is given; nameset_free releases all.
 */
#ifndef MBX_STORE_NAMES_H
#define MBX_STORE_NAMES_H

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
 * keyset: membership of case-insensitive names by a 128-bit fingerprint
 * (two independent 64-bit hashes), without keeping the strings: for the
 * link scan over 100,000s of GUIDs and DNs, where a false match would need
 * a 128-bit collision.
 */
typedef struct keyset_slot {
	uint64_t h1, h2;       /* h2 == 0: empty */
} keyset_slot;

typedef struct keyset {
	keyset_slot *slot;
	size_t cap, count;
} keyset;

void keyset_reserve(keyset *ks, size_t n);
void keyset_add(keyset *ks, const char *s);
int keyset_has(const keyset *ks, const char *s);
void keyset_free(keyset *ks);

#endif
