/*
 * tests/desc_msg.h - a stored message as tests/PSTDESC.md lines (desc_msg.c).
 */
#ifndef MBX_TESTS_DESC_MSG_H
#define MBX_TESTS_DESC_MSG_H
#include "mbx/store.h"

/* Print message m of folder path (M, then R, E and A lines) to stdout;
 * attachment data is read from st for its hash. */
void test_describe_message(mbx_store *st, const char *path, const mbx_message *m);

#endif
