/*
 * core/adjust/check.c - the DS/IS consistency check: store mailboxes and
 * directory entries that do not match, public folders homed where the
 * directory does not know, permission entries for unknown accounts, and
 * the recipients the adjuster recreated that still need the admin
 * (KB Q182979, Q163713, Q197970, Q265438).
 */
#include "config.h"
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "adjust/check_int.h"

static const char *const kind_names[MBX_FIND_KIND_COUNT] = {
	"orphaned-mailbox", "missing-mailbox", "public-folder-unknown-home",
	"unknown-permission", "recreated-hidden", "recreated-no-account"
};

const char *mbx_finding_kind_name(mbx_finding_kind kind)
{
	if ((int)kind < 0 || kind >= MBX_FIND_KIND_COUNT)
		return "unknown";
	return kind_names[kind];
}

int mbx_finding_is_warning(mbx_finding_kind kind)
{
	return kind == MBX_FIND_RECREATED_HIDDEN || kind == MBX_FIND_RECREATED_NO_ACCOUNT;
}

/* ---- Findings ------------------------------------------------------------ */

/* The two kinds of one recreated recipient stay together, recipient by
 * recipient, as the store lists them. */
static size_t list_of(mbx_finding_kind kind)
{
	return kind == MBX_FIND_RECREATED_NO_ACCOUNT ? MBX_FIND_RECREATED_HIDDEN : (size_t)kind;
}

mbx_finding *check_add(mbx_check_ctx *c, mbx_finding_kind kind, int64_t id, int64_t since)
{
	size_t k = list_of(kind);
	mbx_findings *f = &c->kinds[k];
	mbx_finding *x;

	if (f->count == c->caps[k]) {
		c->caps[k] = c->caps[k] ? c->caps[k] * 2 : 64;
		f->items = mbx_reallocarray(f->items, c->caps[k], sizeof(*f->items));
	}
	x = &f->items[f->count++];
	memset(x, 0, sizeof(*x));
	x->kind = kind;
	x->object_id = id;
	x->since = since;
	return x;
}

int check_links(mbx_check_ctx *c)
{
	int rc;

	if (c->links_read)
		return 0;
	rc = store_check_links(c->st, c->server, &c->orph, &c->n_orph, &c->miss, &c->n_miss);
	if (rc == 0)
		c->links_read = 1;
	return rc;
}

int check_orphans(mbx_check_ctx *c)
{
	size_t i;
	int rc = check_links(c);

	if (rc < 0)
		return rc;
	for (i = 0; i < c->n_orph; i++) {
		const store_orphan *v = &c->orph[i];
		mbx_finding *x = check_add(c, MBX_FIND_ORPHAN_MAILBOX, v->id, v->created);

		x->object = mbx_strdup(v->display_name);
		x->alias = store_dn_cn(v->legacy_dn);
		if (!x->alias || !*x->alias) {
			mbx_free(x->alias);
			x->alias = mbx_strdup(v->guid);
		}
		x->reason = mbx_asprintf("mailbox %s is in the information store but has no "
		                         "directory entry, so it can not be opened or exported "
		                         "(KB Q265438)", v->legacy_dn);
	}
	return 0;
}

/* Not the adjuster's: a mailbox the information store creates on first logon. */
static int check_missing(mbx_check_ctx *c)
{
	size_t i;
	int rc = check_links(c);

	if (rc < 0)
		return rc;
	for (i = 0; i < c->n_miss; i++) {
		const store_missing *m = &c->miss[i];
		mbx_finding *x = check_add(c, MBX_FIND_MISSING_MAILBOX, m->id, m->created);

		x->object = mbx_asprintf("%s (%s)", m->display_name, m->alias);
		x->alias = mbx_strdup(m->alias);
		x->reason = mbx_asprintf("directory mailbox %s is homed on %s but the information "
		                         "store has no mailbox for it", m->dn, c->server);
	}
	return 0;
}

int check_unknown_pfs(mbx_check_ctx *c)
{
	store_unknown_pf *v;
	size_t n, i;
	int rc = store_check_unknown_pfs(c->st, &v, &n);

	if (rc < 0)
		return rc;
	for (i = 0; i < n; i++) {
		mbx_finding *x = check_add(c, MBX_FIND_PF_UNKNOWN_HOME, v[i].id, v[i].modified);

		x->object = mbx_strdup(v[i].path);
		if (v[i].site_known)
			x->reason = mbx_asprintf("public folder is homed on server %s, which site %s "
			                         "does not have%s", v[i].server, v[i].site,
			                         v[i].limited ? "; 'limit administrative access' is "
			                         "set, so the adjuster leaves it alone" : "");
		else
			x->reason = mbx_asprintf("public folder is homed on server %s in site %s, a "
			                         "site the directory does not know%s", v[i].server,
			                         v[i].site, v[i].limited ? "; 'limit administrative "
			                         "access' is set, so the adjuster leaves it alone" : "");
	}
	store_unknown_pfs_free(v, n);
	return 0;
}

int check_unknown_perms(mbx_check_ctx *c)
{
	store_unknown_perm *v;
	size_t n, i;
	int rc = store_check_unknown_perms(c->st, &v, &n);

	if (rc < 0)
		return rc;
	for (i = 0; i < n; i++) {
		mbx_finding *x = check_add(c, MBX_FIND_UNKNOWN_PERMISSION, v[i].id, v[i].granted);

		x->object = mbx_asprintf("%s on %s", v[i].account, v[i].folder_path);
		x->alias = mbx_strdup(v[i].account);
		x->reason = mbx_asprintf("permission entry (%s) names account '%s', which is not "
		                         "in the directory", v[i].rights, v[i].account);
	}
	store_unknown_perms_free(v, n);
	return 0;
}

static int add_recreated(void *ctx, const store_recreated *r)
{
	mbx_check_ctx *c = ctx;
	mbx_finding *x;

	if (r->hidden) {
		x = check_add(c, MBX_FIND_RECREATED_HIDDEN, r->id, r->created);
		x->object = mbx_asprintf("%s (%s)", r->display_name, r->alias);
		x->alias = mbx_strdup(r->alias);
		x->reason = mbx_strdup("recreated by the consistency adjuster and still hidden "
		                       "from the address book (KB Q197970); run fix-recipient "
		                       "--unhide");
	}
	if (r->no_account) {
		x = check_add(c, MBX_FIND_RECREATED_NO_ACCOUNT, r->id, r->created);
		x->object = mbx_asprintf("%s (%s)", r->display_name, r->alias);
		x->alias = mbx_strdup(r->alias);
		x->reason = mbx_strdup("recreated by the consistency adjuster without a primary "
		                       "Windows NT account (KB Q197970); run fix-recipient "
		                       "--account DOMAIN\\user");
	}
	return 0;
}

/* Not the adjuster's either: what it leaves to mbx_recipient_fixup. */
static int check_recreated(mbx_check_ctx *c)
{
	return store_check_recreated(c->st, add_recreated, c);
}

/* All lists, in kind order, into one. */
static mbx_findings *check_collect(mbx_check_ctx *c)
{
	mbx_findings *f = mbx_calloc(1, sizeof(*f));
	size_t k, total = 0;

	for (k = 0; k < MBX_FIND_KIND_COUNT; k++)
		total += c->kinds[k].count;
	if (total)
		f->items = mbx_reallocarray(NULL, total, sizeof(*f->items));
	for (k = 0; k < MBX_FIND_KIND_COUNT; k++) {
		if (!c->kinds[k].count)
			continue;
		memcpy(f->items + f->count, c->kinds[k].items,
		       c->kinds[k].count * sizeof(*f->items));
		f->count += c->kinds[k].count;
		mbx_free(c->kinds[k].items);
		memset(&c->kinds[k], 0, sizeof(c->kinds[k]));
	}
	return f;
}

static void check_ctx_clear(mbx_check_ctx *c)
{
	size_t k, i;

	for (k = 0; k < MBX_FIND_KIND_COUNT; k++) {
		for (i = 0; i < c->kinds[k].count; i++) {
			mbx_free(c->kinds[k].items[i].object);
			mbx_free(c->kinds[k].items[i].alias);
			mbx_free(c->kinds[k].items[i].reason);
		}
		mbx_free(c->kinds[k].items);
	}
	store_orphans_free(c->orph, c->n_orph);
	store_missing_free(c->miss, c->n_miss);
	memset(c, 0, sizeof(*c));
}

int mbx_check_run(mbx_store *st, mbx_findings **out)
{
	/* The checks no rule resolves. */
	static int (*const others[])(mbx_check_ctx *c) = { check_missing, check_recreated };
	const mbx_adjust_rule *rules;
	mbx_check_ctx c;
	mbx_server_info si;
	size_t n_rules, i;
	int rc;

	*out = NULL;
	memset(&c, 0, sizeof(c));
	rc = mbx_store_server_get(st, &si);
	if (rc < 0)
		return rc;
	c.st = st;
	c.server = si.server;
	rules = mbx_adjust_rules(&n_rules);
	/* One read transaction (no write lock, works read-only), so that
	 * every query sees the same state. */
	rc = mbx_store_begin_read(st);
	if (rc == 0) {
		for (i = 0; rc == 0 && i < n_rules; i++)
			if (rules[i].check)
				rc = rules[i].check(&c);
		for (i = 0; rc == 0 && i < sizeof(others) / sizeof(others[0]); i++)
			rc = others[i](&c);
		if (rc == 0)
			rc = mbx_store_commit(st);
		else
			mbx_store_rollback(st);
	}
	if (rc == 0)
		*out = check_collect(&c);
	check_ctx_clear(&c);
	mbx_server_info_clear(&si);
	return rc;
}

void mbx_findings_free(mbx_findings *f)
{
	size_t i;

	if (!f)
		return;
	for (i = 0; i < f->count; i++) {
		mbx_free(f->items[i].object);
		mbx_free(f->items[i].alias);
		mbx_free(f->items[i].reason);
	}
	mbx_free(f->items);
	mbx_free(f);
}
