/* tests/t_adjust.c - the DS/IS consistency adjuster on the demo server:
 * each function, the plan, dry run, apply, idempotence, the time filter,
 * 'limit administrative access', rollback on an injected failure, and the
 * Q197970 fix-up. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>

#include "mbx/check.h"
#include "mbx/demo.h"
#include "mbx/store.h"
#include "tap.h"

static char dir[] = "/tmp/t_adjust.XXXXXX";

typedef struct buf {
	char *p;
	size_t len, cap;
} buf;

static void buf_add(buf *b, const void *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = mbx_realloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

/* The whole content of a store file, table by table, row by row. */
static buf dump(const char *path)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *t = NULL, *s = NULL;
	buf b = { NULL, 0, 0 };

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		return b;
	sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
	                   -1, &t, NULL);
	while (sqlite3_step(t) == SQLITE_ROW) {
		char *q = sqlite3_mprintf("SELECT * FROM \"%w\" ORDER BY rowid",
		                          (const char *)sqlite3_column_text(t, 0));
		int i;

		buf_add(&b, sqlite3_column_text(t, 0), (size_t)sqlite3_column_bytes(t, 0));
		sqlite3_prepare_v2(db, q, -1, &s, NULL);
		sqlite3_free(q);
		while (sqlite3_step(s) == SQLITE_ROW) {
			for (i = 0; i < sqlite3_column_count(s); i++) {
				const void *v = sqlite3_column_blob(s, i);
				int n = sqlite3_column_bytes(s, i);

				buf_add(&b, "\x1f", 1);
				if (v)
					buf_add(&b, v, (size_t)n);
				else
					buf_add(&b, "\x01NULL", 5);
			}
			buf_add(&b, "\x1e", 1);
		}
		sqlite3_finalize(s);
	}
	sqlite3_finalize(t);
	sqlite3_close(db);
	return b;
}

static int same(buf a, buf b)
{
	return a.p && b.p && a.len == b.len && memcmp(a.p, b.p, a.len) == 0;
}

static char *fresh(const char *name, mbx_store **st)
{
	char *path = mbx_asprintf("%s/%s", dir, name);

	if (mbx_demo_create(path) < 0 || mbx_store_open(st, path, 0) < 0) {
		diag("%s", mbx_error_last());
		exit(99);
	}
	return path;
}

static size_t count_change(const mbx_adjust_plan *p, mbx_change_kind k)
{
	size_t i, n = 0;

	for (i = 0; i < p->count; i++)
		n += p->changes[i].kind == k;
	return n;
}

static const mbx_change *change_for(const mbx_adjust_plan *p, mbx_change_kind k, const char *obj)
{
	size_t i;

	for (i = 0; i < p->count; i++)
		if (p->changes[i].kind == k && strcmp(p->changes[i].object, obj) == 0)
			return &p->changes[i];
	return NULL;
}

static size_t count_kind(const mbx_findings *f, mbx_finding_kind k)
{
	size_t i, n = 0;

	for (i = 0; i < f->count; i++)
		n += f->items[i].kind == k;
	return n;
}

static mbx_adjust_opts opts_for(unsigned functions)
{
	mbx_adjust_opts o;

	memset(&o, 0, sizeof(o));
	o.functions = functions;
	o.older_than_days = -1;
	o.now = mbx_demo_base_time();
	o.actor = "t_adjust";
	return o;
}

static void full_run(void)
{
	mbx_store *st;
	char *path = fresh("full.db", &st);
	mbx_adjust_opts o = opts_for(MBX_ADJ_ALL);
	mbx_adjust_plan *p = NULL, *p2 = NULL;
	mbx_findings *f = NULL;
	mbx_audit_entry *a = NULL;
	mbx_recipient r;
	mbx_mailbox mb;
	const mbx_change *c;
	buf before, after;
	size_t n;

	before = dump(path);
	ok(mbx_adjust_plan_compute(st, &o, &p) == 0, "plan all three functions");
	after = dump(path);
	ok(same(before, after), "computing the plan (a dry run) changes nothing");
	mbx_free(after.p);
	is_int(p->count, 12, "12 entries in the plan");
	is_int(count_change(p, MBX_CHANGE_CREATE_RECIPIENT), 5, "5 directory entries to create");
	is_int(count_change(p, MBX_CHANGE_REHOME_FOLDER), 3, "3 public folders to rehome");
	is_int(count_change(p, MBX_CHANGE_SKIP_LIMITED_FOLDER), 1, "1 folder left alone");
	is_int(count_change(p, MBX_CHANGE_REMOVE_PERMISSION), 3,
	       "3 permissions to remove: JSmith and YTanaka are known once recreated");
	c = change_for(p, MBX_CHANGE_CREATE_RECIPIENT, "Smith, John");
	ok(c != NULL, "Smith, John gets an entry");
	is_str(c ? c->alias : NULL, "JSmith", "alias from the legacy DN");
	is_str(c ? c->dn : NULL, "/o=Contoso/ou=HQ/cn=Recipients/cn=JSmith", "DN from the legacy DN");
	is_str(c ? c->smtp : NULL, "JSmith@contoso.com", "SMTP address from the site policy");
	c = change_for(p, MBX_CHANGE_SKIP_LIMITED_FOLDER, "Legal");
	ok(c != NULL, "Legal ('limit administrative access') is a SKIP");
	is_str(c ? c->from : NULL, "NYC-EX01 (NEWYORK)", "where Legal is homed");
	c = change_for(p, MBX_CHANGE_REHOME_FOLDER, "Sales/Leads");
	is_str(c ? c->to : NULL, "EXCH1 (HQ)", "Sales/Leads goes to this server");
	ok(change_for(p, MBX_CHANGE_REMOVE_PERMISSION, "OldTemp") &&
	   change_for(p, MBX_CHANGE_REMOVE_PERMISSION, "BPatel") &&
	   change_for(p, MBX_CHANGE_REMOVE_PERMISSION, "FormerEmployee") &&
	   !change_for(p, MBX_CHANGE_REMOVE_PERMISSION, "JSmith"),
	   "the removals are OldTemp, BPatel, FormerEmployee");

	ok(mbx_adjust_apply(st, p, &o) == 0, "apply the plan");
	ok(mbx_check_run(st, &f) == 0, "check after the adjuster");
	is_int(count_kind(f, MBX_FIND_ORPHAN_MAILBOX), 0, "no orphaned mailboxes left");
	is_int(count_kind(f, MBX_FIND_UNKNOWN_PERMISSION), 0, "no unknown permissions left");
	is_int(count_kind(f, MBX_FIND_PF_UNKNOWN_HOME), 1, "only the limited folder stays unknown");
	is_int(count_kind(f, MBX_FIND_MISSING_MAILBOX), 3,
	       "missing mailboxes are not the adjuster's to fix (created at first logon)");
	is_int(count_kind(f, MBX_FIND_RECREATED_HIDDEN), 5, "5 recreated entries still hidden");
	is_int(count_kind(f, MBX_FIND_RECREATED_NO_ACCOUNT), 5, "5 without a primary account");
	mbx_findings_free(f);

	ok(mbx_store_recipient_by_alias(st, "JSmith", &r) == 0, "JSmith is in the directory");
	ok(r.hidden && r.created_by_adjuster && !r.primary_account && r.created_time ==
	   mbx_demo_base_time(), "hidden, made by the adjuster, no primary account");
	is_str(r.home_server, "EXCH1", "homed on this server");
	mbx_recipient_clear(&r);
	ok(mbx_store_mailbox_by_alias(st, "JSmith", &mb) == 0 && mb.recipient_id > 0,
	   "Smith, John's mailbox is linked");
	mbx_mailbox_clear(&mb);
	ok(mbx_store_audit_list(st, 0, &a, &n) == 0, "read the audit log");
	is_int(n, 12, "11 changes and a summary in the audit log");
	ok(n > 0 && !strcmp(a[0].action, "adjust") && !strcmp(a[0].actor, "t_adjust"),
	   "newest entry: the summary, by the actor");
	mbx_audit_free(a, n);

	before.len = 0;
	mbx_free(before.p);
	before = dump(path);
	ok(mbx_adjust_plan_compute(st, &o, &p2) == 0, "plan again");
	is_int(p2->count, 1, "running it again finds nothing to do (one SKIP)");
	ok(p2->count == 1 && p2->changes[0].kind == MBX_CHANGE_SKIP_LIMITED_FOLDER, "the SKIP");
	ok(mbx_adjust_apply(st, p2, &o) == 0, "applying that plan works");
	after = dump(path);
	ok(same(before, after), "and changes nothing");
	mbx_free(after.p);
	mbx_free(before.p);

	/* The Q197970 fix-up. */
	ok(mbx_recipient_fixup(st, "JSmith", "jsmith", 1, "t") == MBX_EINVAL,
	   "an account without a domain is refused");
	ok(mbx_recipient_fixup(st, "NoSuchAlias", "CONTOSO\\x", 1, "t") == MBX_ENOTFOUND,
	   "an unknown alias is refused");
	ok(mbx_recipient_fixup(st, "jsmith", "CONTOSO\\jsmith", 1, "t") == 0, "fix up JSmith");
	ok(mbx_store_recipient_by_alias(st, "JSmith", &r) == 0 && !r.hidden &&
	   r.primary_account && !strcmp(r.primary_account, "CONTOSO\\jsmith"),
	   "JSmith is visible with a primary account");
	mbx_recipient_clear(&r);
	ok(mbx_check_run(st, &f) == 0, "check");
	is_int(count_kind(f, MBX_FIND_RECREATED_HIDDEN) + count_kind(f, MBX_FIND_RECREATED_NO_ACCOUNT),
	       8, "JSmith's two warnings are gone");
	mbx_findings_free(f);

	mbx_adjust_plan_free(p);
	mbx_adjust_plan_free(p2);
	mbx_store_free(st);
	mbx_free(path);
}

static void each_function(void)
{
	mbx_store *st;
	char *path = fresh("each.db", &st);
	mbx_adjust_opts o;
	mbx_adjust_plan *p = NULL;
	mbx_findings *f = NULL;

	o = opts_for(MBX_ADJ_CREATE_MAILBOXES);
	ok(mbx_adjust_plan_compute(st, &o, &p) == 0 && p->count == 5 &&
	   count_change(p, MBX_CHANGE_CREATE_RECIPIENT) == 5, "create-mailboxes alone: 5 entries");
	mbx_adjust_plan_free(p);
	o = opts_for(MBX_ADJ_REHOME_PUBLIC_FOLDERS);
	ok(mbx_adjust_plan_compute(st, &o, &p) == 0 && p->count == 4 &&
	   count_change(p, MBX_CHANGE_REHOME_FOLDER) == 3, "rehome alone: 3 and a SKIP");
	mbx_adjust_plan_free(p);
	o = opts_for(MBX_ADJ_REMOVE_UNKNOWN_PERMISSIONS);
	ok(mbx_adjust_plan_compute(st, &o, &p) == 0 && p->count == 5 &&
	   change_for(p, MBX_CHANGE_REMOVE_PERMISSION, "JSmith"),
	   "remove-permissions alone: 5, JSmith's too (nobody recreates him)");
	ok(mbx_adjust_apply(st, p, &o) == 0, "apply it");
	mbx_adjust_plan_free(p);
	ok(mbx_check_run(st, &f) == 0 && count_kind(f, MBX_FIND_UNKNOWN_PERMISSION) == 0 &&
	   count_kind(f, MBX_FIND_ORPHAN_MAILBOX) == 5 && count_kind(f, MBX_FIND_PF_UNKNOWN_HOME) == 4,
	   "only the permissions changed");
	mbx_findings_free(f);
	o = opts_for(MBX_ADJ_REHOME_PUBLIC_FOLDERS);
	ok(mbx_adjust_plan_compute(st, &o, &p) == 0 && mbx_adjust_apply(st, p, &o) == 0,
	   "rehome");
	mbx_adjust_plan_free(p);
	ok(mbx_check_run(st, &f) == 0 && count_kind(f, MBX_FIND_PF_UNKNOWN_HOME) == 1 &&
	   count_kind(f, MBX_FIND_ORPHAN_MAILBOX) == 5, "only the folders changed, Legal stayed");
	mbx_findings_free(f);
	o = opts_for(0);
	ok(mbx_adjust_plan_compute(st, &o, &p) == 0 && p->count == 0, "no function: empty plan");
	mbx_adjust_plan_free(p);
	o = opts_for(8);
	ok(mbx_adjust_plan_compute(st, &o, &p) == MBX_EINVAL, "unknown function bits refused");
	mbx_store_free(st);
	mbx_free(path);
}

static void time_filter(void)
{
	mbx_store *st;
	char *path = fresh("time.db", &st);
	mbx_adjust_opts o = opts_for(MBX_ADJ_ALL);
	mbx_adjust_plan *p = NULL;

	o.older_than_days = 100;
	ok(mbx_adjust_plan_compute(st, &o, &p) == 0, "plan with --older-than 100");
	is_int(count_change(p, MBX_CHANGE_CREATE_RECIPIENT), 2, "orphans older than 100 days: 2");
	ok(change_for(p, MBX_CHANGE_CREATE_RECIPIENT, "Smith, John") &&
	   change_for(p, MBX_CHANGE_CREATE_RECIPIENT, "Müller, Jürgen"), "JSmith and JMueller");
	ok(count_change(p, MBX_CHANGE_REHOME_FOLDER) == 1 &&
	   change_for(p, MBX_CHANGE_REHOME_FOLDER, "Sales"), "only Sales is rehomed");
	is_int(count_change(p, MBX_CHANGE_SKIP_LIMITED_FOLDER), 1, "Legal (200 days) still a SKIP");
	ok(count_change(p, MBX_CHANGE_REMOVE_PERMISSION) == 2 &&
	   change_for(p, MBX_CHANGE_REMOVE_PERMISSION, "OldTemp") &&
	   change_for(p, MBX_CHANGE_REMOVE_PERMISSION, "BPatel"), "OldTemp and BPatel removed");
	mbx_adjust_plan_free(p);
	o.older_than_days = 100000;
	ok(mbx_adjust_plan_compute(st, &o, &p) == 0 && p->count == 0, "nothing is that old");
	mbx_adjust_plan_free(p);
	o.older_than_days = 0;
	ok(mbx_adjust_plan_compute(st, &o, &p) == 0 && p->count == 12, "--older-than 0: everything");
	mbx_adjust_plan_free(p);
	mbx_store_free(st);
	mbx_free(path);
}

static void rollback(void)
{
	mbx_store *st;
	char *path = fresh("fail.db", &st);
	mbx_adjust_opts o = opts_for(MBX_ADJ_ALL);
	mbx_adjust_plan *p = NULL;
	buf before, after;
	size_t k;

	before = dump(path);
	ok(mbx_adjust_plan_compute(st, &o, &p) == 0, "plan");
	for (k = 1; k <= 11; k += 5) {
		o.fail_after = k;
		ok(mbx_adjust_apply(st, p, &o) < 0, "apply fails when told to after %zu changes", k);
		ok(strstr(mbx_error_last(), "nothing was changed") != NULL, "the error says so: %s",
		   mbx_error_last());
		after = dump(path);
		ok(same(before, after), "the store content is unchanged after failing at %zu", k);
		mbx_free(after.p);
	}
	o.fail_after = 0;
	ok(mbx_adjust_apply(st, p, &o) == 0, "the same plan then applies in full");
	mbx_adjust_plan_free(p);
	mbx_free(before.p);
	mbx_store_free(st);
	mbx_free(path);
}

static void collisions(void)
{
	mbx_store *st;
	char *path = fresh("coll.db", &st);
	mbx_adjust_opts o = opts_for(MBX_ADJ_CREATE_MAILBOXES);
	mbx_adjust_plan *p = NULL;
	mbx_server_info si;
	mbx_recipient r;
	const mbx_change *c;

	memset(&r, 0, sizeof(r));
	r.display_name = "Rosa Garcia (partner)";
	r.alias = "RGarcia";
	r.dn = "/o=Contoso/ou=HQ/cn=Recipients/cn=RGarcia-ext";
	r.smtp = "rgarcia1@contoso.com";
	r.object_class = MBX_OBJ_CUSTOM;
	ok(mbx_store_recipient_add(st, &r, NULL) == 0, "a custom recipient takes alias RGarcia");
	ok(mbx_store_server_get(st, &si) == 0, "read the server");
	mbx_free(si.smtp_policy);
	si.smtp_policy = mbx_strdup("%g.%s@contoso.com");
	ok(mbx_store_server_set(st, &si) == 0, "policy %%g.%%s@contoso.com");
	mbx_server_info_clear(&si);
	ok(mbx_adjust_plan_compute(st, &o, &p) == 0, "plan");
	c = change_for(p, MBX_CHANGE_CREATE_RECIPIENT, "García, Rosa");
	is_str(c ? c->alias : NULL, "RGarcia1", "a taken alias gets a number");
	is_str(c ? c->dn : NULL, "/o=Contoso/ou=HQ/cn=Recipients/cn=RGarcia1", "and so does its DN");
	c = change_for(p, MBX_CHANGE_CREATE_RECIPIENT, "Smith, John");
	is_str(c ? c->smtp : NULL, "John.Smith@contoso.com", "given and surname from the policy");
	ok(mbx_adjust_apply(st, p, &o) == 0, "apply");
	mbx_adjust_plan_free(p);
	ok(mbx_store_recipient_by_alias(st, "RGarcia1", &r) == 0 && r.object_class == MBX_OBJ_MAILBOX,
	   "RGarcia1 is a mailbox entry");
	mbx_recipient_clear(&r);
	mbx_store_free(st);
	mbx_free(path);
}

/* The rule table: one entry per MBX_ADJ_* bit, each complete. */
static void rules(void)
{
	const mbx_adjust_rule *r = NULL;
	size_t n = 0, i;
	unsigned flags = 0, dup = 0;
	int whole = 1;

	r = mbx_adjust_rules(&n);
	is_int(n, 3, "three rules");
	for (i = 0; r && i < n; i++) {
		dup |= flags & r[i].flag;
		flags |= r[i].flag;
		whole &= r[i].name && r[i].option && strncmp(r[i].option, "--", 2) == 0 &&
		         strcmp(r[i].option + 2, r[i].name) == 0 && r[i].kb && r[i].help &&
		         r[i].check && r[i].plan && r[i].apply && r[i].undo;
	}
	ok(flags == MBX_ADJ_ALL && !dup, "their flags are MBX_ADJ_ALL, each once");
	ok(whole, "each has its name, option, KB article, help and functions (undo too)");
	ok(n == 3 && strcmp(r[0].name, "create-mailboxes") == 0 &&
	   r[0].change == MBX_CHANGE_CREATE_RECIPIENT && r[1].change == MBX_CHANGE_REHOME_FOLDER &&
	   r[2].change == MBX_CHANGE_REMOVE_PERMISSION, "create first (the permissions rule "
	   "counts its accounts), each with its change");
}

int main(void)
{
	char *cmd;

	if (!mkdtemp(dir))
		return 99;
	rules();
	full_run();
	each_function();
	time_filter();
	rollback();
	collisions();
	cmd = mbx_asprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
	mbx_free(cmd);
	return tap_done();
}
