/*
 * core/store/store_meta.h - the store's internal key/value settings (the
 * meta table), for the parts of the core that mark a store (core/demo: a
 * demo server).  No SQLite here.  Not public.
 */
#ifndef MBX_STORE_META_H
#define MBX_STORE_META_H

#include "mbx/store.h"

int store_meta_set(mbx_store *st, const char *key, const char *value);
/* *out NULL when not set; caller frees. */
int store_meta_get(mbx_store *st, const char *key, char **out);

#endif
