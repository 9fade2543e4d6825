/*
 * tests/test_util.h - small helpers several tests and describers share.
 */
#ifndef MBX_TEST_UTIL_H
#define MBX_TEST_UTIL_H

#include <stdio.h>
#include <string.h>

#include "mbx/check.h"
#include "mbx/store.h"

/* Text of a description field (tests/PSTDESC.md): backslash, tab, CR,
 * LF and other control bytes escaped, everything else as is. */
static inline void test_put_text(const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	for (; *p; p++) {
		if (*p == '\\')
			fputs("\\\\", stdout);
		else if (*p == '\t')
			fputs("\\t", stdout);
		else if (*p == '\n')
			fputs("\\n", stdout);
		else if (*p == '\r')
			fputs("\\r", stdout);
		else if (*p < 0x20 || *p == 0x7f)
			printf("\\x%02X", *p);
		else
			putchar(*p);
	}
}

/* Run the adjuster's create-mailboxes function on the store at db. */
static inline int test_adjust_create_mailboxes(const char *db)
{
	mbx_store *st;
	mbx_adjust_opts ao;
	mbx_adjust_plan *plan = NULL;
	int rc = mbx_store_open(&st, db, 0);

	memset(&ao, 0, sizeof(ao));
	ao.functions = MBX_ADJ_CREATE_MAILBOXES;
	ao.older_than_days = -1;
	if (rc == 0)
		rc = mbx_adjust_plan_compute(st, &ao, &plan);
	if (rc == 0)
		rc = mbx_adjust_apply(st, plan, &ao);
	mbx_adjust_plan_free(plan);
	mbx_store_free(st);
	return rc;
}

#endif
