/*
 * mbx/demo.h - the bundled demo recovery server: server EXCH1 after a
 * restore without its directory (KB Q265438).  Built deterministically
 * (fixed seed, fixed clock): the same data every time, whatever the date.
 */
#ifndef MBX_DEMO_H
#define MBX_DEMO_H

#include "mbx/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Build the demo server at `path`, replacing a file that is already there.
 * The store is built in a temporary file next to `path` and renamed over
 * it, so `path` is never left half-written.  The file is created 0600.
 */
int mbx_demo_create(const char *path);

/* 1 when the store file at `path` is a demo server built by
 * mbx_demo_create, 0 when it is some other store, <0 when it can not be
 * opened (error set). */
int mbx_demo_is_demo(const char *path);

/* The fixed clock of the demo data ("now" for the demo), Unix seconds. */
int64_t mbx_demo_base_time(void);

#ifdef __cplusplus
}
#endif
#endif
