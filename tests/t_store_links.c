/*
 * tests/t_store_links.c - the console's first screen (mbx_store_links and
 * the first pages) agrees with the full lists on the demo server, before
 * and after the adjuster, on an empty store and on a store built to have
 * every kind of link; and a second connection opened and closed in the
 * same process leaves the first one's locks alone (another process must
 * not take the write-ahead log away from it).
 */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mbx/check.h"
#include "mbx/demo.h"
#include "mbx/store.h"
#include "tap.h"

/* Every field the console shows must agree between the two ways. */
static void compare(mbx_store *st, const char *what)
{
	mbx_store_links *l = NULL;
	mbx_mailbox *mb = NULL, *pm = NULL;
	mbx_recipient *rc = NULL, *pr = NULL;
	mbx_server_info srv;
	mbx_links_counts c;
	size_t nmb = 0, nrc = 0, npm = 0, npr = 0, i, j, orphans = 0, flagged = 0;
	int same = 1;

	if (!ok(mbx_store_links_load(st, &l) == 0, "%s: links load%s%s", what, *mbx_error_last() ? ": " : "", mbx_error_last()) ||
	    !ok(mbx_store_mailboxes(st, &mb, &nmb) == 0 && mbx_store_recipients(st, &rc, &nrc) == 0,
	        "%s: full lists load", what))
		goto out;
	mbx_store_links_counts(l, &c);
	is_int(c.mailboxes, nmb, "%s: mailbox count", what);
	is_int(c.recipients, nrc, "%s: recipient count", what);
	for (i = 0; i < nmb; i++) {
		orphans += mb[i].recipient_id == 0;
		if (mbx_store_links_recipient_of(l, mb[i].id) != mb[i].recipient_id)
			same = 0;
	}
	ok(same, "%s: every mailbox links to the same recipient", what);
	is_int(c.orphans, orphans, "%s: orphan count (%zu)", what, orphans);
	memset(&srv, 0, sizeof srv);
	mbx_store_server_get(st, &srv);
	same = 1;
	for (j = 0; j < nrc; j++) {
		unsigned want = 0, got = mbx_store_links_flags(l, rc[j].id);
		int linked = 0;

		for (i = 0; i < nmb; i++)
			linked |= mb[i].recipient_id == rc[j].id;
		if (rc[j].object_class == MBX_OBJ_MAILBOX && !linked && rc[j].home_server &&
		    srv.server && strcasecmp(rc[j].home_server, srv.server) == 0)
			want |= MBX_RCPT_NO_MAILBOX;
		if (rc[j].created_by_adjuster && rc[j].hidden)
			want |= MBX_RCPT_HIDDEN;
		if (rc[j].created_by_adjuster && (!rc[j].primary_account || !rc[j].primary_account[0]))
			want |= MBX_RCPT_NO_ACCOUNT;
		flagged += want != 0;
		if (want != got) {
			same = 0;
			printf("# %s: flags %u, want %u\n", rc[j].alias, got, want);
		}
	}
	mbx_server_info_clear(&srv);
	ok(same, "%s: every recipient's flags", what);
	is_int(c.flagged, flagged, "%s: flagged count (%zu)", what, flagged);
	ok(mbx_store_mailboxes_first_page(st, l, 5, &pm, &npm) == 0 &&
	   mbx_store_recipients_first_page(st, 5, &pr, &npr) == 0, "%s: first pages load", what);
	is_int(npm, nmb < 5 ? nmb : 5, "%s: mailbox page size", what);
	is_int(npr, nrc < 5 ? nrc : 5, "%s: recipient page size", what);
	same = 1;
	for (i = 0; i < npm; i++)
		if (pm[i].id != mb[i].id || pm[i].recipient_id != mb[i].recipient_id ||
		    strcmp(pm[i].alias, mb[i].alias) != 0 ||
		    strcmp(pm[i].display_name, mb[i].display_name) != 0 ||
		    pm[i].item_count != mb[i].item_count || pm[i].total_size != mb[i].total_size)
			same = 0;
	ok(same, "%s: the mailbox page is the head of the full list", what);
	same = 1;
	for (i = 0; i < npr; i++)
		if (pr[i].id != rc[i].id || strcmp(pr[i].alias, rc[i].alias) != 0 ||
		    pr[i].hidden != rc[i].hidden || pr[i].object_class != rc[i].object_class)
			same = 0;
	ok(same, "%s: the recipient page is the head of the full list", what);
out:
	mbx_store_links_free(l);
	mbx_mailboxes_free(mb, nmb);
	mbx_mailboxes_free(pm, npm);
	mbx_recipients_free(rc, nrc);
	mbx_recipients_free(pr, npr);
}

/* Names that sort differently by case, by bytes above ASCII and by id;
 * links by GUID, legacy DN and DN in upper and lower case. */
static void build_mixed(mbx_store *st)
{
	static const char *const names[] = {
		"alpha", "Alpha", "ALPHA", "_under", "Zulu", "zulu", "\xc3\x89mile", "beta", "", "b"
	};
	mbx_server_info srv = { "Org", "Site", "SRV1", "%a@example.com" };
	size_t i;

	mbx_store_server_set(st, &srv);
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		mbx_mailbox m;
		mbx_recipient r;
		char guid[40], ldn[80], alias[16];

		snprintf(guid, sizeof guid, "0000000%zu-0000-0000-0000-%012zu", i, i);
		snprintf(alias, sizeof alias, "A%zu", i);
		snprintf(ldn, sizeof ldn, "/o=Org/ou=Site/cn=Recipients/cn=%s", alias);
		memset(&m, 0, sizeof m);
		m.guid = guid;
		m.display_name = (char *)names[i];
		m.legacy_dn = ldn;
		mbx_store_mailbox_add(st, &m, NULL);
		if (i % 4 == 3)
			continue;   /* orphaned */
		memset(&r, 0, sizeof r);
		r.display_name = (char *)names[(i + 3) % 10];
		r.alias = alias;
		r.object_class = MBX_OBJ_MAILBOX;
		r.home_server = "srv1";
		if (i % 4 == 0) {
			r.mailbox_guid = guid;       /* by GUID, other case below */
			if (i == 4)
				r.mailbox_guid = "00000004-0000-0000-0000-000000000004";
		} else if (i % 4 == 1) {
			r.legacy_dn = ldn;
		} else {
			char up[80];
			size_t k;

			for (k = 0; ldn[k]; k++)
				up[k] = (char)(ldn[k] >= 'a' && ldn[k] <= 'z' ? ldn[k] - 32 : ldn[k]);
			up[k] = '\0';
			r.dn = up;
			mbx_store_recipient_add(st, &r, NULL);
			continue;
		}
		mbx_store_recipient_add(st, &r, NULL);
	}
	{   /* homed here, no store mailbox; and recreated, hidden, no account */
		mbx_recipient r;

		memset(&r, 0, sizeof r);
		r.display_name = "Nobody";
		r.alias = "Nobody";
		r.object_class = MBX_OBJ_MAILBOX;
		r.home_server = "SRV1";
		r.legacy_dn = "/o=Org/ou=Site/cn=Recipients/cn=Nobody";
		mbx_store_recipient_add(st, &r, NULL);
		r.display_name = "Recreated";
		r.alias = "Recreated";
		r.home_server = "OTHER";
		r.legacy_dn = NULL;
		r.hidden = 1;
		r.created_by_adjuster = 1;
		mbx_store_recipient_add(st, &r, NULL);
		r.display_name = "List";
		r.alias = "List";
		r.object_class = MBX_OBJ_DISTLIST;
		r.hidden = 0;
		r.created_by_adjuster = 0;
		mbx_store_recipient_add(st, &r, NULL);
	}
}

/* In a child process: open the store, read, close; exit status 0 when
 * the known server is there as expected. */
static int child_reads(const char *path, int want_known)
{
	pid_t pid = fork();
	int status = 0;

	if (pid == 0) {
		mbx_store *st;
		int k;

		if (mbx_store_open(&st, path, 0) < 0)
			_exit(2);
		k = mbx_store_known_server(st, "LOCKTEST", "LOCKSITE");
		mbx_store_free(st);
		_exit(k == want_known ? 0 : 1);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_locks(const char *path)
{
	mbx_store *a = NULL, *b = NULL;
	char wal[4300];

	snprintf(wal, sizeof wal, "%s-wal", path);
	ok(mbx_store_open(&a, path, 0) == 0, "locks: first connection");
	ok(mbx_store_known_server(a, "LOCKTEST", "LOCKSITE") == 0, "locks: it reads");
	ok(mbx_store_open(&b, path, MBX_STORE_READONLY) == 0, "locks: a second one in this process");
	mbx_store_free(b);
	is_int(child_reads(path, 0), 0, "locks: another process opens and closes the store");
	ok(access(wal, F_OK) == 0, "locks: the write-ahead log is still there");
	ok(mbx_store_known_server_add(a, "LOCKTEST", "LOCKSITE") == 0,
	   "locks: the first connection writes");
	is_int(child_reads(path, 1), 0, "locks: another process sees what it wrote");
	mbx_store_free(a);
	is_int(child_reads(path, 1), 0, "locks: and so after it closed");
}

int main(void)
{
	char dir[] = "/tmp/t_store_links.XXXXXX", path[4200];
	mbx_store *st = NULL;
	mbx_adjust_plan *plan = NULL;
	mbx_adjust_opts opts = { .functions = MBX_ADJ_CREATE_MAILBOXES, .older_than_days = -1 };

	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof path, "%s/demo.db", dir);
	ok(mbx_demo_create(path) == 0, "demo store");
	ok(mbx_store_open(&st, path, 0) == 0, "opens");
	compare(st, "demo");
	ok(mbx_adjust_plan_compute(st, &opts, &plan) == 0 &&
	   mbx_adjust_apply(st, plan, &opts) == 0, "the adjuster applies");
	mbx_adjust_plan_free(plan);
	compare(st, "demo after adjust");
	mbx_store_free(st);
	test_locks(path);

	snprintf(path, sizeof path, "%s/empty.db", dir);
	ok(mbx_store_open(&st, path, MBX_STORE_CREATE) == 0, "empty store");
	compare(st, "empty");
	build_mixed(st);
	compare(st, "mixed");
	mbx_store_free(st);
	{
		char cmd[4300];

		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", dir);
	}
	return tap_done();
}
