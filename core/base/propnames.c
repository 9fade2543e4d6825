/*
 * core/base/propnames.c - the [MS-OXPROPS] name of a property key
 * (mbx_propkey_name), from the names of include/mbx/mapitags.h: the build
 * makes core/base/mapinames.inc from that header (tools/gen-mapinames.awk).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "mbx/props.h"

typedef struct tagname {
	uint16_t id;
	const char *name;
} tagname;

typedef struct lidname {
	uint32_t lid;
	const char *guid;
	const char *name;
} lidname;

#define TAG(id, name) { id, name },
#define LID(lid, guid, name)
static tagname tags[] = {
#include "core/base/mapinames.inc"
};
#undef TAG
#undef LID
#define TAG(id, name)
#define LID(lid, guid, name) { lid, guid, name },
static const lidname lids[] = {
#include "core/base/mapinames.inc"
};
#undef TAG
#undef LID

static pthread_once_t sorted_once = PTHREAD_ONCE_INIT;

static int by_id(const void *a, const void *b)
{
	const tagname *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static void sort_tags(void)
{
	qsort(tags, sizeof(tags) / sizeof(tags[0]), sizeof(tags[0]), by_id);
}

const char *mbx_propkey_name(const mbx_propkey *k)
{
	size_t i;

	if (!k)
		return NULL;
	if (!k->guid) {
		tagname key = { k->id, NULL };
		const tagname *t;

		pthread_once(&sorted_once, sort_tags);
		t = bsearch(&key, tags, sizeof(tags) / sizeof(tags[0]), sizeof(tags[0]), by_id);
		return t ? t->name : NULL;
	}
	if (k->name)
		return NULL;   /* string names: the list has none */
	for (i = 0; i < sizeof(lids) / sizeof(lids[0]); i++)
		if (lids[i].lid == k->lid && memcmp(lids[i].guid, k->guid, 16) == 0)
			return lids[i].name;
	return NULL;
}
