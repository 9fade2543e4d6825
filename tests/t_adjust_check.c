/* tests/t_adjust_check.c - the consistency check: the exact findings on the demo
 * server, and how each kind appears and disappears. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mbx/check.h"
#include "mbx/demo.h"
#include "mbx/store.h"
#include "tap.h"

static char dir[] = "/tmp/t_check.XXXXXX";

static mbx_store *fresh(const char *name)
{
	char *path = mbx_asprintf("%s/%s", dir, name);
	mbx_store *st = NULL;

	if (mbx_demo_create(path) < 0 || mbx_store_open(&st, path, 0) < 0) {
		diag("%s", mbx_error_last());
		exit(99);
	}
	mbx_free(path);
	return st;
}

static size_t count_kind(const mbx_findings *f, mbx_finding_kind k)
{
	size_t i, n = 0;

	for (i = 0; i < f->count; i++)
		n += f->items[i].kind == k;
	return n;
}

/* The objects of one kind joined with '|', for exact comparison. */
static char *objects(const mbx_findings *f, mbx_finding_kind k)
{
	char *s = mbx_strdup(""), *t;
	size_t i;

	for (i = 0; i < f->count; i++) {
		if (f->items[i].kind != k)
			continue;
		t = mbx_asprintf("%s%s%s", s, *s ? "|" : "", f->items[i].object);
		mbx_free(s);
		s = t;
	}
	return s;
}

static void demo_findings(void)
{
	mbx_store *st = fresh("a.db");
	mbx_findings *f = NULL;
	char *s;
	size_t i;

	ok(mbx_check_run(st, &f) == 0, "check runs on the demo server");
	is_int(f->count, 17, "17 findings on the demo server");
	s = objects(f, MBX_FIND_ORPHAN_MAILBOX);
	is_str(s, "García, Rosa|Müller, Jürgen|Nasser, Layla (ليلى ناصر)|Smith, John|"
	       "Tanaka, Yuki (田中 由紀)", "orphaned mailboxes, Smith, John among them");
	mbx_free(s);
	s = objects(f, MBX_FIND_MISSING_MAILBOX);
	is_str(s, "Fischer, Lena (LFischer)|O'Brien, Siobhán (SOBrien)|Wilson, Peter (PWilson)",
	       "directory mailboxes on EXCH1 without a store mailbox (not KJones of EXCH2)");
	mbx_free(s);
	s = objects(f, MBX_FIND_PF_UNKNOWN_HOME);
	is_str(s, "Legal|Projects|Sales|Sales/Leads", "public folders on unknown servers/sites");
	mbx_free(s);
	s = objects(f, MBX_FIND_UNKNOWN_PERMISSION);
	is_str(s, "OldTemp on Company|YTanaka on Company/Announcements|BPatel on Legal|"
	       "FormerEmployee on Projects|JSmith on Sales",
	       "permissions naming unknown accounts (not Default/Anonymous)");
	mbx_free(s);
	is_int(count_kind(f, MBX_FIND_RECREATED_HIDDEN) + count_kind(f, MBX_FIND_RECREATED_NO_ACCOUNT),
	       0, "no recreated recipients before the adjuster ran");
	for (i = 0; i < f->count; i++)
		if (!f->items[i].reason || !*f->items[i].reason)
			break;
	ok(i == f->count, "every finding has a reason");
	for (i = 0; i < f->count; i++)
		if (f->items[i].kind == MBX_FIND_ORPHAN_MAILBOX &&
		    strcmp(f->items[i].object, "Smith, John") == 0)
			break;
	ok(i < f->count && strstr(f->items[i].reason, "/o=Contoso/ou=HQ/cn=Recipients/cn=JSmith"),
	   "the orphan's reason names its legacy DN");
	ok(i < f->count && f->items[i].since == mbx_demo_base_time() - 400 * 86400LL,
	   "an orphan's 'since' is when the mailbox appeared");
	for (i = 0; i < f->count; i++)
		if (f->items[i].kind == MBX_FIND_PF_UNKNOWN_HOME && !strcmp(f->items[i].object, "Legal"))
			break;
	ok(i < f->count && strstr(f->items[i].reason, "limit administrative access"),
	   "the limited folder's reason says the adjuster leaves it alone");
	mbx_findings_free(f);
	mbx_store_free(st);
}

static void kinds_change(void)
{
	mbx_store *st = fresh("b.db");
	mbx_findings *f = NULL;
	mbx_recipient r;
	mbx_mailbox mb;
	int64_t id;

	/* A directory entry for Smith, John (by DN only) ends his orphanhood
	 * and makes the JSmith permission known. */
	memset(&r, 0, sizeof(r));
	r.display_name = "Smith, John";
	r.alias = "JSmith";
	r.dn = "/o=Contoso/ou=HQ/cn=Recipients/cn=JSmith";
	r.smtp = "jsmith@contoso.com";
	r.home_server = "EXCH1";
	r.primary_account = "CONTOSO\\jsmith";
	ok(mbx_store_recipient_add(st, &r, &id) == 0, "add JSmith to the directory");
	ok(mbx_check_run(st, &f) == 0, "check again");
	is_int(count_kind(f, MBX_FIND_ORPHAN_MAILBOX), 4, "4 orphans left");
	is_int(count_kind(f, MBX_FIND_UNKNOWN_PERMISSION), 4, "JSmith's permission is known now");
	mbx_findings_free(f);
	ok(mbx_store_mailbox_by_alias(st, "jsmith", &mb) == 0 && mb.recipient_id == id,
	   "the mailbox links to the new entry (case-insensitive alias)");
	mbx_mailbox_clear(&mb);

	/* A store mailbox for PWilson (linked by GUID) ends a missing-mailbox finding. */
	ok(mbx_store_recipient_by_alias(st, "PWilson", &r) == 0, "read PWilson");
	mbx_free(r.mailbox_guid);
	r.mailbox_guid = mbx_strdup("aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
	ok(mbx_store_recipient_update(st, &r) == 0, "give PWilson a mailbox GUID");
	memset(&mb, 0, sizeof(mb));
	mb.guid = "AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE";
	mb.display_name = "Wilson, Peter";
	mb.legacy_dn = "/o=Contoso/ou=HQ/cn=Recipients/cn=PWilson-old";
	ok(mbx_store_mailbox_add(st, &mb, NULL) == 0, "add a store mailbox with that GUID");
	mbx_recipient_clear(&r);
	ok(mbx_check_run(st, &f) == 0, "check again");
	is_int(count_kind(f, MBX_FIND_MISSING_MAILBOX), 2, "PWilson is no longer missing");
	is_int(count_kind(f, MBX_FIND_ORPHAN_MAILBOX), 4, "and the new mailbox is linked by GUID");
	mbx_findings_free(f);

	/* Learning of site NEWYORK's server makes Sales, Leads and Legal known. */
	ok(mbx_store_known_server_add(st, "nyc-ex01", "newyork") == 0, "learn NYC-EX01 (NEWYORK)");
	ok(mbx_check_run(st, &f) == 0, "check again");
	is_int(count_kind(f, MBX_FIND_PF_UNKNOWN_HOME), 1, "only Projects (EXCH9) stays unknown");
	mbx_findings_free(f);
	mbx_store_free(st);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 99;
	ok(strcmp(mbx_finding_kind_name(MBX_FIND_ORPHAN_MAILBOX), "orphaned-mailbox") == 0,
	   "kind names are stable");
	ok(mbx_finding_is_warning(MBX_FIND_RECREATED_HIDDEN) &&
	   !mbx_finding_is_warning(MBX_FIND_UNKNOWN_PERMISSION), "only Q197970 kinds are warnings");
	demo_findings();
	kinds_change();
	{
		char *cmd = mbx_asprintf("rm -rf '%s'", dir);

		if (system(cmd) != 0)
			diag("could not remove %s", dir);
		mbx_free(cmd);
	}
	return tap_done();
}
