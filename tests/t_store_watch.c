/*
 * tests/t_store_watch.c - noticing another writer (core/store/store_watch.c):
 * PRAGMA data_version moves when another connection (of this process or
 * another one) commits and not for a connection's own commits; the stamp
 * of what the console lists moves with the adjuster, a fix-up and a new
 * mailbox, and not with an export's job rows.
 */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mbx/check.h"
#include "mbx/demo.h"
#include "mbx/store.h"
#include "tap.h"
#include "test_util.h"

static int64_t version(mbx_store *st)
{
	int64_t v = -1;

	if (mbx_store_data_version(st, &v) < 0)
		diag("data_version: %s", mbx_error_last());
	return v;
}

static mbx_store_stamp stamp(mbx_store *st)
{
	mbx_store_stamp s;

	if (mbx_store_stamp_get(st, &s) < 0)
		diag("stamp: %s", mbx_error_last());
	return s;
}

int main(void)
{
	char dir[] = "/tmp/t_store_watch.XXXXXX", path[256], cmd[600];
	mbx_store *a = NULL, *b = NULL;
	mbx_store_stamp s0, s1, s2;
	mbx_mailbox mb;
	int64_t v0, v1, v2, job;
	pid_t pid;
	int status;

	if (!mkdtemp(dir))
		return 99;
	snprintf(path, sizeof path, "%s/demo.db", dir);
	ok(mbx_demo_create(path) == 0, "demo store");
	ok(mbx_store_open(&a, path, 0) == 0, "connection A");
	ok(mbx_store_open(&b, path, 0) == 0, "connection B");

	v0 = version(a);
	s0 = stamp(a);
	is_int(s0.max_mailbox_id, 12, "the stamp has the demo's newest mailbox");
	ok(s0.max_recipient_id > 0 && s0.max_audit_id >= 0 && s0.max_message_id > 0, "and the rest");
	is_int(version(a), v0, "nothing changed: the same data version");
	ok(mbx_store_stamp_equal(&s0, &s0), "a stamp equals itself");

	/* A's own commit: its data version stays, the stamp moves. */
	ok(mbx_store_audit(a, "test", "note", "x", "a's own change") == 0, "A writes");
	is_int(version(a), v0, "A's own commit leaves A's data version");
	s1 = stamp(a);
	ok(!mbx_store_stamp_equal(&s0, &s1), "the stamp sees A's audit entry");
	ok(version(b) >= 0, "B reads");

	/* Another connection's job rows: the version moves, the stamp stays. */
	ok(mbx_store_mailbox_by_alias(b, "ASchmidt", &mb) == 0, "B finds a mailbox");
	ok(mbx_store_job_upsert(b, dir, mb.id, &job) == 0, "B records an export job");
	mbx_mailbox_clear(&mb);
	v1 = version(a);
	ok(v1 != v0, "A sees B's commit in its data version (%lld -> %lld)", (long long)v0,
	   (long long)v1);
	s2 = stamp(a);
	ok(mbx_store_stamp_equal(&s1, &s2), "an export job does not change the stamp");

	/* Another process runs the adjuster (as `mbxrescue adjust` would). */
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(test_adjust_create_mailboxes(path) == 0 ? 0 : 1);
	ok(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	   WEXITSTATUS(status) == 0, "another process runs the adjuster");
	v2 = version(a);
	ok(v2 != v1, "A sees the other process's commit (%lld -> %lld)", (long long)v1,
	   (long long)v2);
	s2 = stamp(a);
	ok(s2.max_recipient_id > s1.max_recipient_id && s2.max_audit_id > s1.max_audit_id,
	   "the stamp sees the recreated recipients (%lld -> %lld)", (long long)s1.max_recipient_id,
	   (long long)s2.max_recipient_id);
	is_int(version(a), v2, "and stays until the next change");

	/* A fix-up updates rows in place: the audit entry shows it. */
	s1 = s2;
	ok(mbx_recipient_fixup(b, "JSmith", "CONTOSO\\jsmith", 1, "test") == 0, "B fixes a recipient");
	s2 = stamp(a);
	ok(s2.max_audit_id > s1.max_audit_id && s2.max_recipient_id == s1.max_recipient_id,
	   "the stamp sees an update in place");

	mbx_store_free(a);
	mbx_store_free(b);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
	return tap_done();
}
