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

/* fn(ud, folder path, message) for every message of the mailbox `alias`,
 * folder by folder; the message is freed after the call.  <0 when the
 * mailbox or its folders can not be read. */
typedef void test_msg_fn(void *ud, const char *path, mbx_message *m);

static inline int test_each_message(mbx_store *st, const char *alias, test_msg_fn *fn, void *ud)
{
	mbx_mailbox mb;
	mbx_folder *f;
	size_t n, i;
	int rc = mbx_store_mailbox_by_alias(st, alias, &mb);

	if (rc < 0)
		return rc;
	rc = mbx_store_folders(st, mb.id, &f, &n);
	for (i = 0; rc == 0 && i < n; i++) {
		mbx_msg_iter *it;
		mbx_message *m;

		if (mbx_store_messages(st, f[i].id, &it) < 0)
			continue;
		while (mbx_msg_iter_next(it, &m) == 1) {
			fn(ud, f[i].path, m);
			mbx_message_free(m);
		}
		mbx_msg_iter_free(it);
	}
	if (rc == 0)
		mbx_folders_free(f, n);
	mbx_mailbox_clear(&mb);
	return rc;
}

#endif
