/*
 * core/adjust/adjust.c - the DS/IS consistency adjuster (Exchange 5.5's, KB
 * Q182979, Q163713): a plan computed without changing anything, applied in
 * one transaction, audit-logged; and the fix-up the adjuster leaves to the
 * admin (KB Q197970).
 */
#include "config.h"
#include <ctype.h>
#include <inttypes.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "adjust/check_int.h"

#define DAY 86400LL

static const char *const change_names[] = {
	"create-recipient", "rehome-public-folder", "remove-permission", "skip-limited-folder"
};

const char *mbx_change_kind_name(mbx_change_kind kind)
{
	if ((int)kind < 0 || kind > MBX_CHANGE_SKIP_LIMITED_FOLDER)
		return "unknown";
	return change_names[kind];
}

/* ---- Names for recreated entries ------------------------------------------ */

/* `base`, else base1, base2, ... : the first one free in the directory and
 * in this plan (set `taken`), as recipient name `which`. */
static int unique_name(mbx_store *st, store_name which, nameset *taken, const char *base,
                       char *(*variant)(const char *, unsigned), char **out)
{
	unsigned k;
	int rc;

	*out = NULL;
	for (k = 0; k < 100000; k++) {
		char *cand = k ? variant(base, k) : mbx_strdup(base);

		if (!nameset_has(taken, cand)) {
			rc = store_check_name_taken(st, which, cand);
			if (rc < 0) {
				mbx_free(cand);
				return rc;
			}
			if (rc == 0) {
				nameset_add(taken, cand);
				*out = cand;
				return 0;
			}
		}
		mbx_free(cand);
	}
	return mbx_error_set(MBX_ELIMIT, "no free name like '%s' in the directory", base);
}

static char *suffix_variant(const char *base, unsigned k)
{
	return mbx_asprintf("%s%u", base, k);
}

/* For an address: the number goes before the '@'. */
static char *smtp_variant(const char *base, unsigned k)
{
	const char *at = strchr(base, '@');

	if (!at)
		return mbx_asprintf("%s%u", base, k);
	return mbx_asprintf("%.*s%u%s", (int)(at - base), base, k, at);
}

/* Keep what an SMTP local part can hold without quoting. */
static void append_local(char **buf, size_t *len, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x80 && (isalnum(c) || c == '.' || c == '-' || c == '_')) {
			*buf = mbx_realloc(*buf, *len + 2);
			(*buf)[(*len)++] = (char)c;
			(*buf)[*len] = '\0';
		}
	}
}

/* Given name and surname from "Surname, Given (anything)" or "Given Surname". */
static void split_name(const char *display, char **given, char **surname)
{
	char *d = mbx_strdup(display ? display : ""), *p, *comma, *sp;

	p = strchr(d, '(');
	if (p)
		*p = '\0';
	comma = strchr(d, ',');
	if (comma) {
		*comma = '\0';
		*surname = mbx_strdup(d);
		p = comma + 1;
		while (*p == ' ')
			p++;
		*given = mbx_strdup(p);
	} else if ((sp = strrchr(d, ' ')) != NULL) {
		*sp = '\0';
		*given = mbx_strdup(d);
		*surname = mbx_strdup(sp + 1);
	} else {
		*given = mbx_strdup("");
		*surname = mbx_strdup(d);
	}
	mbx_free(d);
}

/* Expand the site's SMTP policy: %a alias, %g given name, %s surname, %%. */
static char *smtp_from_policy(const char *policy, const char *alias, const char *display)
{
	char *given, *surname, *out = mbx_strdup(""), *local;
	size_t len = 0;
	const char *p, *at = strchr(policy, '@');

	split_name(display, &given, &surname);
	for (p = policy; *p; p++) {
		int in_local = !at || p < at;

		if (*p == '%' && p[1]) {
			const char *v = p[1] == 'a' ? alias : p[1] == 'g' ? given :
			                p[1] == 's' ? surname : p[1] == '%' ? "%" : NULL;

			if (v) {
				if (in_local && p[1] != '%') {
					append_local(&out, &len, v);
				} else {
					out = mbx_realloc(out, len + strlen(v) + 1);
					strcpy(out + len, v);
					len += strlen(v);
				}
				p++;
				continue;
			}
		}
		out = mbx_realloc(out, len + 2);
		out[len++] = *p;
		out[len] = '\0';
	}
	/* A policy giving an empty local part (say %g for a mailbox with no
	 * given name) falls back to the alias. */
	local = strchr(out, '@');
	if (out[0] == '@' || !out[0]) {
		char *fixed = mbx_asprintf("%s%s", alias, local ? local : "");

		mbx_free(out);
		out = fixed;
	}
	mbx_free(given);
	mbx_free(surname);
	return out;
}

/* ---- The plan ------------------------------------------------------------ */

int plan_in_scope(const mbx_plan_ctx *c, int64_t since)
{
	return !c->filtered || (since > 0 && since <= c->cutoff);
}

mbx_change *plan_add(mbx_plan_ctx *c, mbx_change_kind kind, int64_t id)
{
	mbx_adjust_plan *p = c->plan;
	mbx_change *x;

	if (p->count == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64;
		p->changes = mbx_reallocarray(p->changes, c->cap, sizeof(*p->changes));
	}
	x = &p->changes[p->count++];
	memset(x, 0, sizeof(*x));
	x->kind = kind;
	x->object_id = id;
	return x;
}

int plan_create(mbx_plan_ctx *c)
{
	store_orphan *v;
	size_t n, i;
	int rc = store_check_links(c->st, NULL, &v, &n, NULL, NULL);

	if (rc < 0)
		return rc;
	for (i = 0; rc == 0 && i < n; i++) {
		char *cn, *alias = NULL, *dn = NULL, *smtp = NULL, *want;
		mbx_change *x;

		if (!plan_in_scope(c, v[i].created))
			continue;
		/* The alias is the cn of the legacy DN, as the real adjuster takes it. */
		cn = store_dn_cn(v[i].legacy_dn);
		if (!cn || !*cn) {
			mbx_free(cn);
			cn = mbx_asprintf("MBX%.8s", v[i].guid);
		}
		rc = unique_name(c->st, STORE_NAME_ALIAS, &c->aliases, cn, suffix_variant, &alias);
		if (rc == 0) {
			want = strcasecmp(alias, cn) == 0 ? mbx_strdup(v[i].legacy_dn)
			       : mbx_asprintf("/o=%s/ou=%s/cn=Recipients/cn=%s", c->si.organization,
			                      c->si.site, alias);
			rc = unique_name(c->st, STORE_NAME_DN, &c->dns, want, suffix_variant, &dn);
			mbx_free(want);
		}
		if (rc == 0) {
			want = smtp_from_policy(c->si.smtp_policy, alias, v[i].display_name);
			rc = unique_name(c->st, STORE_NAME_SMTP, &c->smtps, want, smtp_variant, &smtp);
			mbx_free(want);
		}
		mbx_free(cn);
		if (rc < 0) {
			mbx_free(alias);
			mbx_free(dn);
			mbx_free(smtp);
			break;
		}
		x = plan_add(c, MBX_CHANGE_CREATE_RECIPIENT, v[i].id);
		x->object = mbx_strdup(v[i].display_name);
		x->alias = alias;
		x->dn = dn;
		x->smtp = smtp;
		x->detail = mbx_asprintf("create directory entry %s for mailbox '%s': DN %s, SMTP %s, "
		                         "hidden from the address book, no primary account",
		                         alias, v[i].display_name, dn, smtp);
	}
	store_orphans_free(v, n);
	return rc;
}

int plan_rehome(mbx_plan_ctx *c)
{
	store_unknown_pf *v;
	size_t n, i;
	int rc = store_check_unknown_pfs(c->st, &v, &n);

	if (rc < 0)
		return rc;
	for (i = 0; i < n; i++) {
		mbx_change *x;

		if (!plan_in_scope(c, v[i].modified))
			continue;
		x = plan_add(c, v[i].limited ? MBX_CHANGE_SKIP_LIMITED_FOLDER
		                               : MBX_CHANGE_REHOME_FOLDER, v[i].id);
		x->object = mbx_strdup(v[i].path);
		x->from = mbx_asprintf("%s (%s)", v[i].server, v[i].site);
		x->to = mbx_asprintf("%s (%s)", c->si.server, c->si.site);
		if (v[i].limited)
			x->detail = mbx_asprintf("leave public folder %s on %s: 'limit administrative "
			                         "access' is set", v[i].path, x->from);
		else
			x->detail = mbx_asprintf("rehome public folder %s from %s to %s", v[i].path,
			                         x->from, x->to);
	}
	store_unknown_pfs_free(v, n);
	return 0;
}

/* Unknown after this plan: accounts the plan creates count as known. */
int plan_permissions(mbx_plan_ctx *c)
{
	store_unknown_perm *v;
	size_t n, i;
	int creating = !!(c->plan->functions & MBX_ADJ_CREATE_MAILBOXES);
	int rc = store_check_unknown_perms(c->st, &v, &n);

	if (rc < 0)
		return rc;
	for (i = 0; i < n; i++) {
		mbx_change *x;

		if (creating && nameset_has(&c->aliases, v[i].account))
			continue;
		if (!plan_in_scope(c, v[i].granted))
			continue;
		x = plan_add(c, MBX_CHANGE_REMOVE_PERMISSION, v[i].id);
		x->object = mbx_strdup(v[i].account);
		x->detail = mbx_asprintf("remove unknown account '%s' (%s) from the permissions of "
		                         "public folder %s", v[i].account, v[i].rights,
		                         v[i].folder_path);
	}
	store_unknown_perms_free(v, n);
	return 0;
}

int mbx_adjust_plan_compute(mbx_store *st, const mbx_adjust_opts *opts, mbx_adjust_plan **out)
{
	const mbx_adjust_rule *rules;
	mbx_plan_ctx c;
	int64_t now;
	size_t n_rules, i;
	unsigned known = 0;
	int rc;

	*out = NULL;
	memset(&c, 0, sizeof(c));
	rules = mbx_adjust_rules(&n_rules);
	for (i = 0; i < n_rules; i++)
		known |= rules[i].flag;
	if (opts->functions & ~known)
		return mbx_error_set(MBX_EINVAL, "unknown adjuster function bits 0x%x",
		                     opts->functions);
	c.st = st;
	c.plan = mbx_calloc(1, sizeof(*c.plan));
	c.plan->functions = opts->functions;
	now = opts->now ? opts->now : (int64_t)time(NULL);
	c.filtered = opts->older_than_days >= 0;
	c.cutoff = now - (int64_t)opts->older_than_days * DAY;
	/* One read transaction: a consistent snapshot, and no lock round trip
	 * for each of the plan's many small lookups. */
	rc = mbx_store_begin_read(st);
	if (rc < 0)
		goto out;
	rc = mbx_store_server_get(st, &c.si);
	for (i = 0; rc == 0 && i < n_rules; i++)
		if (opts->functions & rules[i].flag)
			rc = rules[i].plan(&c);
	if (rc == 0)
		rc = store_check_state(st, &c.plan->seen_store, &c.plan->seen_version,
		                       &c.plan->seen_changes);
	if (rc == 0)
		rc = mbx_store_commit(st);
	else
		mbx_store_rollback(st);
out:
	mbx_server_info_clear(&c.si);
	nameset_free(&c.aliases);
	nameset_free(&c.dns);
	nameset_free(&c.smtps);
	if (rc < 0) {
		mbx_adjust_plan_free(c.plan);
		return rc;
	}
	*out = c.plan;
	return 0;
}

void mbx_adjust_plan_free(mbx_adjust_plan *plan)
{
	size_t i;

	if (!plan)
		return;
	for (i = 0; i < plan->count; i++) {
		mbx_change *x = &plan->changes[i];

		mbx_free(x->object);
		mbx_free(x->alias);
		mbx_free(x->dn);
		mbx_free(x->smtp);
		mbx_free(x->from);
		mbx_free(x->to);
		mbx_free(x->detail);
	}
	mbx_free(plan->changes);
	mbx_free(plan);
}

/* ---- Applying ------------------------------------------------------------ */

/*
 * The mailbox of a create change, when the store is as the plan saw it
 * (every such mailbox was an orphan then) and no recipient this apply
 * created links to it: one row read instead of three index lookups.
 * 1: found and still an orphan; 0: look it up the long way.
 */
static int orphan_fast(mbx_apply_ctx *a, int64_t id, mbx_mailbox *mb)
{
	int rc;

	memset(mb, 0, sizeof(*mb));
	if (!a->unchanged)
		return 0;
	rc = store_check_mailbox_keys(a->st, id, mb);
	if (rc == 1 && (!mb->guid || !mb->legacy_dn || nameset_has(&a->guids, mb->guid) ||
	                nameset_has(&a->dns, mb->legacy_dn))) {
		mbx_mailbox_clear(mb);
		rc = 0;
	}
	return rc;
}

int apply_create(mbx_apply_ctx *a, const mbx_change *x)
{
	mbx_mailbox mb;
	mbx_recipient r;
	int64_t id = 0;
	int rc = orphan_fast(a, x->object_id, &mb);

	if (rc == 0)
		rc = mbx_store_mailbox_by_id(a->st, x->object_id, &mb);
	if (rc < 0)
		return rc;
	if (mb.recipient_id) {
		rc = mbx_error_set(MBX_EEXISTS, "mailbox '%s' already has a directory entry; compute "
		                   "the plan again", mb.display_name);
		goto out;
	}
	memset(&r, 0, sizeof(r));
	r.display_name = mb.display_name;
	r.alias = x->alias;
	r.dn = x->dn;
	r.smtp = x->smtp;
	r.home_server = a->si->server;
	r.object_class = MBX_OBJ_MAILBOX;
	/* As the real adjuster left them (KB Q197970). */
	r.hidden = 1;
	r.created_by_adjuster = 1;
	r.created_time = a->now;
	r.mailbox_guid = mb.guid;
	r.legacy_dn = mb.legacy_dn;
	rc = mbx_store_recipient_add(a->st, &r, &id);
	if (rc == 0) {
		/* What undo removes, and how it must still look then. */
		r.id = id;
		a->object_id = id;
		a->after = image_recipient(&r);
		/* Later mailboxes with these keys are linked now (the link rule
		 * of mbx_store_mailbox_by_id). */
		if (mb.guid)
			nameset_add(&a->guids, mb.guid);
		if (mb.legacy_dn)
			nameset_add(&a->dns, mb.legacy_dn);
		nameset_add(&a->dns, x->dn);
	}
out:
	mbx_mailbox_clear(&mb);
	return rc;
}

int apply_rehome(mbx_apply_ctx *a, const mbx_change *x)
{
	mbx_public_folder *f = NULL;
	int rc = mbx_store_public_folder_get(a->st, x->object_id, &f);

	if (rc == 0)
		rc = mbx_store_public_folder_rehome(a->st, x->object_id, a->si->server, a->si->site);
	if (rc == 0) {
		a->object_id = x->object_id;
		a->before = image_home(f->home_server, f->home_site);
		a->after = image_home(a->si->server, a->si->site);
	}
	mbx_public_folders_free(f, f ? 1 : 0);
	return rc;
}

int apply_remove_permission(mbx_apply_ctx *a, const mbx_change *x)
{
	mbx_permission *p = NULL;
	int rc = mbx_store_permission_get(a->st, x->object_id, &p);

	if (rc == 0)
		rc = mbx_store_permission_delete(a->st, x->object_id);
	if (rc == 0) {
		a->object_id = x->object_id;
		a->before = image_permission(p);
	}
	mbx_permissions_free(p, p ? 1 : 0);
	return rc;
}

/* By the rule whose change it is; a kind no rule applies is left alone. */
static int apply_one(mbx_apply_ctx *a, const mbx_change *x)
{
	const mbx_adjust_rule *rules;
	size_t n_rules, i;
	int rc;

	rules = mbx_adjust_rules(&n_rules);
	for (i = 0; i < n_rules && rules[i].change != x->kind; i++)
		;
	if (i == n_rules)
		return 0;
	a->object_id = 0;
	rc = rules[i].apply(a, x);
	/* The run is recorded with its first change. */
	if (rc == 0 && !a->run_id) {
		mbx_audit_run run;

		memset(&run, 0, sizeof(run));
		run.time = a->now;
		run.actor = (char *)a->actor;
		run.functions = a->functions;
		rc = mbx_store_audit_run_add(a->st, &run, &a->run_id);
	}
	if (rc == 0) {
		mbx_audit_entry e;

		memset(&e, 0, sizeof(e));
		e.actor = (char *)a->actor;
		e.action = (char *)mbx_change_kind_name(x->kind);
		e.object = x->object;
		e.detail = x->detail;
		e.run_id = a->run_id;
		e.object_id = a->object_id;
		e.before = a->before;
		e.after = a->after;
		rc = mbx_store_audit_add(a->st, &e, NULL);
	}
	mbx_free(a->before);
	mbx_free(a->after);
	a->before = a->after = NULL;
	return rc;
}

int mbx_adjust_apply(mbx_store *st, const mbx_adjust_plan *plan, const mbx_adjust_opts *opts)
{
	const char *actor = opts && opts->actor ? opts->actor : "mbxrescue";
	int64_t now = opts && opts->now ? opts->now : (int64_t)time(NULL);
	mbx_server_info si;
	mbx_apply_ctx a;
	size_t i, applied = 0, skipped = 0;
	uint64_t handle;
	int64_t version, changes;
	char *summary;
	int rc;

	memset(&a, 0, sizeof(a));
	rc = mbx_store_server_get(st, &si);
	if (rc < 0)
		return rc;
	rc = mbx_store_begin(st);
	if (rc < 0)
		goto out;
	/* Holding the write lock: nobody can change the store under us now. */
	rc = store_check_state(st, &handle, &version, &changes);
	if (rc < 0) {
		mbx_store_rollback(st);
		goto out;
	}
	a.st = st;
	a.si = &si;
	a.now = now;
	a.actor = actor;
	a.unchanged = plan->seen_store == handle && plan->seen_version == version &&
	              plan->seen_changes == changes;
	a.functions = plan->functions;
	for (i = 0; i < plan->count; i++) {
		const mbx_change *x = &plan->changes[i];

		if (x->kind == MBX_CHANGE_SKIP_LIMITED_FOLDER) {
			skipped++;
			continue;
		}
		rc = apply_one(&a, x);
		if (rc < 0) {
			mbx_error_prefix(rc, "adjuster: %s", x->detail ? x->detail : "a change");
			break;
		}
		applied++;
		if (opts && opts->fail_after && applied == opts->fail_after) {
			rc = mbx_error_set(MBX_ECANCELLED, "adjuster stopped on purpose after %zu "
			                   "changes (test hook)", applied);
			break;
		}
	}
	if (rc == 0 && applied) {
		mbx_audit_entry e;

		summary = mbx_asprintf("%zu changes applied, %zu folders left alone ('limit "
		                       "administrative access')", applied, skipped);
		memset(&e, 0, sizeof(e));
		e.actor = (char *)actor;
		e.action = (char *)"adjust";
		e.object = (char *)mbx_store_path(st);
		e.detail = summary;
		e.run_id = a.run_id;
		rc = mbx_store_audit_add(st, &e, NULL);
		if (rc == 0)
			rc = mbx_store_audit_run_set_summary(st, a.run_id, summary);
		mbx_free(summary);
	}
	if (rc < 0) {
		mbx_store_rollback(st);
		mbx_error_prefix(rc, "nothing was changed");
		goto out;
	}
	rc = mbx_store_commit(st);
out:
	nameset_free(&a.guids);
	nameset_free(&a.dns);
	mbx_server_info_clear(&si);
	return rc;
}

/* ---- The Q197970 fix-up --------------------------------------------------- */

/* DOMAIN\user: one backslash, both parts present, nothing unprintable. */
static int valid_account(const char *a)
{
	const char *bs = strchr(a, '\\'), *p;

	if (!bs || bs == a || !bs[1] || strchr(bs + 1, '\\'))
		return 0;
	for (p = a; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c < 0x20 || c == 0x7f || strchr("/:*?\"<>|", c))
			return 0;
	}
	return 1;
}

int mbx_recipient_fixup(mbx_store *st, const char *alias, const char *account,
                        int unhide, const char *actor)
{
	mbx_recipient r;
	char *detail;
	int rc;

	if (!alias || !*alias)
		return mbx_error_set(MBX_EINVAL, "no recipient alias given");
	if (!account && !unhide)
		return mbx_error_set(MBX_EINVAL, "nothing to do for '%s': give an account, or unhide "
		                     "it", alias);
	if (account && !valid_account(account))
		return mbx_error_set(MBX_EINVAL, "'%s' is not a Windows NT account; write it as "
		                     "DOMAIN\\user", account);
	rc = mbx_store_begin(st);
	if (rc < 0)
		return rc;
	rc = mbx_store_recipient_by_alias(st, alias, &r);
	if (rc < 0)
		goto fail;
	if (r.object_class != MBX_OBJ_MAILBOX) {
		rc = mbx_error_set(MBX_EINVAL, "recipient '%s' is not a mailbox", r.alias);
		goto fail_r;
	}
	if (account) {
		mbx_free(r.primary_account);
		r.primary_account = mbx_strdup(account);
	}
	if (unhide)
		r.hidden = 0;
	rc = mbx_store_recipient_update(st, &r);
	if (rc < 0)
		goto fail_r;
	detail = mbx_asprintf("primary account %s%s", r.primary_account ? r.primary_account :
	                      "(none)", unhide ? ", shown in the address book" : "");
	rc = mbx_store_audit(st, actor, "fix-recipient", r.alias, detail);
	mbx_free(detail);
	if (rc < 0)
		goto fail_r;
	mbx_recipient_clear(&r);
	return mbx_store_commit(st);
fail_r:
	mbx_recipient_clear(&r);
fail:
	mbx_store_rollback(st);
	return rc;
}
