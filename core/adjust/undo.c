/*
 * core/adjust/undo.c - undoing a consistency adjuster run from its audit
 * records: the images the audit rows carry (JSON objects of the changed
 * row before and after), each rule's undo, the runs as the console and
 * the command line see them, and mbx_adjust_undo.
 *
 * What a later change makes unsafe (the undo then refuses, changing
 * nothing): a created recipient that is no longer exactly as the run
 * created it (fix-recipient, a directory import that matched it) or is
 * gone; a public folder that is no longer where the run put it (rehomed
 * again) or is gone; a removed permission whose folder is gone or whose
 * account has been given rights on that folder again.
 */
#include "config.h"
#include <inttypes.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <jansson.h>

#include "adjust/check_int.h"

/* ---- Images ------------------------------------------------------------- */

static json_t *jtext(const char *s)
{
	return s ? json_string(s) : json_null();
}

static char *dump(json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	char *out = mbx_strdup(s ? s : "{}");

	free(s);
	json_decref(o);
	return out;
}

char *image_recipient(const mbx_recipient *r)
{
	json_t *o = json_object();

	json_object_set_new(o, "id", json_integer(r->id));
	json_object_set_new(o, "display_name", jtext(r->display_name));
	json_object_set_new(o, "alias", jtext(r->alias));
	json_object_set_new(o, "dn", jtext(r->dn));
	json_object_set_new(o, "smtp", jtext(r->smtp));
	json_object_set_new(o, "home_server", jtext(r->home_server));
	json_object_set_new(o, "primary_account",
	                    jtext(r->primary_account && *r->primary_account ? r->primary_account
	                                                                    : NULL));
	json_object_set_new(o, "object_class", json_integer((json_int_t)r->object_class));
	json_object_set_new(o, "hidden", json_integer(r->hidden ? 1 : 0));
	json_object_set_new(o, "created_by_adjuster", json_integer(r->created_by_adjuster ? 1 : 0));
	json_object_set_new(o, "created_time", json_integer(r->created_time));
	json_object_set_new(o, "mailbox_guid", jtext(r->mailbox_guid));
	json_object_set_new(o, "legacy_dn", jtext(r->legacy_dn));
	return dump(o);
}

char *image_home(const char *server, const char *site)
{
	json_t *o = json_object();

	json_object_set_new(o, "home_server", jtext(server));
	json_object_set_new(o, "home_site", jtext(site));
	return dump(o);
}

char *image_permission(const mbx_permission *p)
{
	json_t *o = json_object();

	json_object_set_new(o, "id", json_integer(p->id));
	json_object_set_new(o, "folder_id", json_integer(p->folder_id));
	json_object_set_new(o, "account", jtext(p->account));
	json_object_set_new(o, "rights", jtext(p->rights));
	json_object_set_new(o, "granted_time", json_integer(p->granted_time));
	return dump(o);
}

static char *get_str(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_string(v) ? mbx_strdup(json_string_value(v)) : NULL;
}

static int64_t get_int(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

/* An image's JSON object, or NULL (with the error set) when it is not one. */
static json_t *parse_image(const mbx_audit_entry *e, const char *text, const char *which)
{
	json_t *o;

	if (!text) {
		mbx_error_set(MBX_ECORRUPT, "audit entry %" PRId64 " (%s) has no %s image; it can "
		              "not be undone", e->id, e->action, which);
		return NULL;
	}
	o = json_loads(text, 0, NULL);
	if (!json_is_object(o)) {
		json_decref(o);
		mbx_error_set(MBX_ECORRUPT, "audit entry %" PRId64 " (%s): its %s image is not a "
		              "JSON object; it can not be undone", e->id, e->action, which);
		return NULL;
	}
	return o;
}

/* The record of an audit row: 1 when it is a change (or an undo's), 0 when
 * it is not one (the run's summary), <0 when its images are unreadable. */
static int record_from_entry(const mbx_audit_entry *e, mbx_adjust_record *r)
{
	const char *action = e->action ? e->action : "";
	json_t *b = NULL, *a = NULL;
	int k, rc = 0;

	memset(r, 0, sizeof(*r));
	if (strncmp(action, "undo-", 5) == 0) {
		r->undo = 1;
		action += 5;
	}
	for (k = MBX_CHANGE_CREATE_RECIPIENT; k < MBX_CHANGE_SKIP_LIMITED_FOLDER; k++)
		if (strcmp(action, mbx_change_kind_name((mbx_change_kind)k)) == 0)
			break;
	if (k == MBX_CHANGE_SKIP_LIMITED_FOLDER)
		return 0;
	r->kind = (mbx_change_kind)k;
	r->audit_id = e->id;
	r->object_id = e->object_id;
	r->object = mbx_strdup(e->object);
	r->detail = mbx_strdup(e->detail);
	/* An undo's images are the other way round: before the undo is after
	 * the change it reverts. */
	switch (r->kind) {
	case MBX_CHANGE_CREATE_RECIPIENT:
		a = parse_image(e, r->undo ? e->before : e->after, r->undo ? "before" : "after");
		if (!a) {
			rc = MBX_ECORRUPT;
			break;
		}
		r->recipient.id = get_int(a, "id");
		r->recipient.display_name = get_str(a, "display_name");
		r->recipient.alias = get_str(a, "alias");
		r->recipient.dn = get_str(a, "dn");
		r->recipient.smtp = get_str(a, "smtp");
		r->recipient.home_server = get_str(a, "home_server");
		r->recipient.primary_account = get_str(a, "primary_account");
		r->recipient.object_class = (mbx_object_class)get_int(a, "object_class");
		r->recipient.hidden = (int)get_int(a, "hidden");
		r->recipient.created_by_adjuster = (int)get_int(a, "created_by_adjuster");
		r->recipient.created_time = get_int(a, "created_time");
		r->recipient.mailbox_guid = get_str(a, "mailbox_guid");
		r->recipient.legacy_dn = get_str(a, "legacy_dn");
		break;
	case MBX_CHANGE_REHOME_FOLDER:
		b = parse_image(e, e->before, "before");
		a = b ? parse_image(e, e->after, "after") : NULL;
		if (!a) {
			rc = MBX_ECORRUPT;
			break;
		}
		r->home_before = get_str(r->undo ? a : b, "home_server");
		r->site_before = get_str(r->undo ? a : b, "home_site");
		r->home_after = get_str(r->undo ? b : a, "home_server");
		r->site_after = get_str(r->undo ? b : a, "home_site");
		break;
	default:
		b = parse_image(e, r->undo ? e->after : e->before, r->undo ? "after" : "before");
		if (!b) {
			rc = MBX_ECORRUPT;
			break;
		}
		r->permission.id = get_int(b, "id");
		r->permission.folder_id = get_int(b, "folder_id");
		r->permission.account = get_str(b, "account");
		r->permission.rights = get_str(b, "rights");
		r->permission.granted_time = get_int(b, "granted_time");
		break;
	}
	json_decref(a);
	json_decref(b);
	return rc < 0 ? rc : 1;
}

static void record_clear(mbx_adjust_record *r)
{
	mbx_free(r->object);
	mbx_free(r->detail);
	mbx_recipient_clear(&r->recipient);
	mbx_free(r->home_before);
	mbx_free(r->site_before);
	mbx_free(r->home_after);
	mbx_free(r->site_after);
	mbx_free(r->permission.account);
	mbx_free(r->permission.rights);
	mbx_free(r->why_not);
	memset(r, 0, sizeof(*r));
}

/* ---- The rules' undos ----------------------------------------------------- */

static int str_eq(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* What about recipient `now` differs from how the run created it `was`. */
static char *recipient_changes(const mbx_recipient *was, const mbx_recipient *now)
{
	char buf[512] = "";
	struct { const char *name; int differs; } f[] = {
		{ "display name", !str_eq(was->display_name, now->display_name) },
		{ "alias", !str_eq(was->alias, now->alias) },
		{ "DN", !str_eq(was->dn, now->dn) },
		{ "SMTP address", !str_eq(was->smtp, now->smtp) },
		{ "home server", !str_eq(was->home_server, now->home_server) },
		{ "primary account", !str_eq(was->primary_account, now->primary_account) },
		{ "object class", was->object_class != now->object_class },
		{ "hidden", !was->hidden != !now->hidden },
		{ "created by the adjuster", !was->created_by_adjuster != !now->created_by_adjuster },
		{ "creation time", was->created_time != now->created_time },
		{ "mailbox GUID", !str_eq(was->mailbox_guid, now->mailbox_guid) },
		{ "legacy DN", !str_eq(was->legacy_dn, now->legacy_dn) },
	};
	size_t i;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (f[i].differs)
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s", *buf ? ", " : "",
			         f[i].name);
	return *buf ? mbx_strdup(buf) : NULL;
}

int undo_create(mbx_apply_ctx *a, const mbx_adjust_record *r)
{
	mbx_recipient now;
	char *changed;
	int rc = mbx_store_recipient_by_id(a->st, r->object_id, &now);

	if (rc == MBX_ENOTFOUND)
		return mbx_error_set(MBX_ECONFLICT, "recipient '%s' (id %" PRId64 "), which run %"
		                     PRId64 " created, is no longer in the directory",
		                     r->recipient.alias, r->object_id, a->undoing);
	if (rc < 0)
		return rc;
	changed = recipient_changes(&r->recipient, &now);
	if (changed) {
		rc = mbx_error_set(MBX_ECONFLICT, "recipient '%s', which run %" PRId64 " created, "
		                   "has been changed since (%s: fix-recipient or a directory "
		                   "import); removing it would lose that, so it is left alone",
		                   r->recipient.alias, a->undoing, changed);
		mbx_free(changed);
		mbx_recipient_clear(&now);
		return rc;
	}
	if (!a->check_only) {
		rc = mbx_store_recipient_delete(a->st, r->object_id);
		if (rc == 0) {
			a->object_id = r->object_id;
			a->before = image_recipient(&now);
		}
	}
	mbx_recipient_clear(&now);
	return rc;
}

int undo_rehome(mbx_apply_ctx *a, const mbx_adjust_record *r)
{
	mbx_public_folder *f = NULL;
	int rc = mbx_store_public_folder_get(a->st, r->object_id, &f);

	if (rc == MBX_ENOTFOUND)
		return mbx_error_set(MBX_ECONFLICT, "public folder %s (id %" PRId64 "), which run %"
		                     PRId64 " rehomed, no longer exists", r->object, r->object_id,
		                     a->undoing);
	if (rc < 0)
		return rc;
	if (strcasecmp(f->home_server, r->home_after ? r->home_after : "") != 0 ||
	    strcasecmp(f->home_site, r->site_after ? r->site_after : "") != 0) {
		rc = mbx_error_set(MBX_ECONFLICT, "public folder %s, which run %" PRId64 " rehomed "
		                   "to %s (%s), has been rehomed again since, to %s (%s); moving it "
		                   "back to %s (%s) would undo that too, so it is left alone",
		                   f->path, a->undoing, r->home_after, r->site_after, f->home_server,
		                   f->home_site, r->home_before, r->site_before);
		goto out;
	}
	if (!a->check_only) {
		rc = mbx_store_public_folder_rehome(a->st, r->object_id, r->home_before,
		                                    r->site_before);
		if (rc == 0) {
			a->object_id = r->object_id;
			a->before = image_home(f->home_server, f->home_site);
			a->after = image_home(r->home_before, r->site_before);
		}
	}
out:
	mbx_public_folders_free(f, 1);
	return rc;
}

static int restored_by_us(const mbx_apply_ctx *a, int64_t id)
{
	size_t i;

	for (i = 0; i < a->n_restored; i++)
		if (a->restored[i] == id)
			return 1;
	return 0;
}

int undo_remove_permission(mbx_apply_ctx *a, const mbx_adjust_record *r)
{
	const mbx_permission *was = &r->permission;
	mbx_public_folder *f = NULL;
	mbx_permission *p = NULL;
	int64_t after = 0, id;
	int rc = mbx_store_public_folder_get(a->st, was->folder_id, &f);

	if (rc == MBX_ENOTFOUND)
		return mbx_error_set(MBX_ECONFLICT, "the permission entry of '%s' that run %" PRId64
		                     " removed was on public folder %" PRId64 ", which no longer "
		                     "exists", was->account, a->undoing, was->folder_id);
	if (rc < 0)
		return rc;
	/* Rights given to the account on that folder since (not by this undo). */
	while ((rc = mbx_store_permission_find(a->st, was->folder_id, was->account, after,
	                                       &p)) == 1 && restored_by_us(a, p->id)) {
		after = p->id;
		mbx_permissions_free(p, 1);
		p = NULL;
	}
	if (rc == 1) {
		rc = mbx_error_set(MBX_ECONFLICT, "account '%s', whose permission entry (%s) on "
		                   "public folder %s run %" PRId64 " removed, has been given rights "
		                   "there again since (%s, entry %" PRId64 "); putting the old entry "
		                   "back would make two, so it is left alone", was->account,
		                   was->rights, f->path, a->undoing, p->rights, p->id);
		goto out;
	}
	if (rc < 0 || a->check_only)
		goto out;
	rc = mbx_store_permission_restore(a->st, was, &id);
	if (rc == 0) {
		mbx_permission now = *was;

		if (a->n_restored == a->cap_restored) {
			a->cap_restored = a->cap_restored ? a->cap_restored * 2 : 16;
			a->restored = mbx_reallocarray(a->restored, a->cap_restored,
			                               sizeof(*a->restored));
		}
		a->restored[a->n_restored++] = id;
		now.id = id;
		a->object_id = id;
		a->after = image_permission(&now);
	}
out:
	mbx_permissions_free(p, p ? 1 : 0);
	mbx_public_folders_free(f, 1);
	return rc;
}

/* ---- Runs ----------------------------------------------------------------- */

static const mbx_adjust_rule *rule_of(mbx_change_kind kind)
{
	const mbx_adjust_rule *rules;
	size_t n, i;

	rules = mbx_adjust_rules(&n);
	for (i = 0; i < n; i++)
		if (rules[i].change == kind)
			return &rules[i];
	return NULL;
}

static void run_clear(mbx_adjust_run *run)
{
	size_t i;

	mbx_free(run->actor);
	mbx_free(run->summary);
	mbx_free(run->why_not);
	for (i = 0; i < run->count; i++)
		record_clear(&run->records[i]);
	mbx_free(run->records);
	memset(run, 0, sizeof(*run));
}

void mbx_adjust_runs_free(mbx_adjust_run *runs, size_t n)
{
	size_t i;

	if (!runs)
		return;
	for (i = 0; i < n; i++)
		run_clear(&runs[i]);
	mbx_free(runs);
}

void mbx_adjust_run_free(mbx_adjust_run *run)
{
	mbx_adjust_runs_free(run, run ? 1 : 0);
}

static char *date_text(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char buf[32];

	if (t <= 0 || !gmtime_r(&tt, &tm))
		return mbx_strdup("an unknown time");
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M UTC", &tm);
	return mbx_strdup(buf);
}

/* Whether each record of run can be reverted now (a->check_only set);
 * the run's verdict from them. */
static int run_verdicts(mbx_apply_ctx *a, mbx_adjust_run *run)
{
	size_t i;

	a->undoing = run->id;
	for (i = run->count; i-- > 0;) {
		mbx_adjust_record *r = &run->records[i];
		const mbx_adjust_rule *rule = rule_of(r->kind);
		int rc;

		if (!rule || !rule->undo) {
			rc = mbx_error_set(MBX_EINVAL, "no rule undoes a %s change",
			                   mbx_change_kind_name(r->kind));
		} else {
			rc = rule->undo(a, r);
		}
		if (rc == 0) {
			r->can_undo = 1;
			continue;
		}
		if (rc != MBX_ECONFLICT && rc != MBX_EINVAL)
			return rc;
		r->why_not = mbx_strdup(mbx_error_last());
		run->blocked++;
	}
	for (i = 0; i < run->count; i++)
		if (run->records[i].why_not) {
			run->why_not = mbx_strdup(run->records[i].why_not);
			break;
		}
	run->can_undo = run->blocked == 0;
	return 0;
}

/* A run from the store, with its records and (check) its verdict; inside
 * the caller's transaction. */
static int run_load(mbx_store *st, const mbx_audit_run *ar, int check, mbx_adjust_run *run)
{
	mbx_audit_entry *e = NULL;
	mbx_apply_ctx a;
	size_t n = 0, i;
	int rc;

	memset(run, 0, sizeof(*run));
	run->id = ar->id;
	run->time = ar->time;
	run->actor = mbx_strdup(ar->actor);
	run->functions = ar->functions;
	run->undo_of = ar->undo_of;
	run->undone_by = ar->undone_by;
	run->summary = mbx_strdup(ar->summary);
	rc = mbx_store_audit_run_entries(st, ar->id, &e, &n);
	if (rc < 0)
		return rc;
	run->records = mbx_calloc(n ? n : 1, sizeof(*run->records));
	for (i = 0; i < n; i++) {
		rc = record_from_entry(&e[i], &run->records[run->count]);
		if (rc < 0) {
			record_clear(&run->records[run->count]);
			goto out;
		}
		if (rc == 1)
			run->count++;
	}
	rc = 0;
	if (!check)
		goto out;
	if (run->undo_of) {
		run->why_not = mbx_asprintf("run %" PRId64 " is the undo of run %" PRId64 "; an undo "
		                            "is not undone: run the adjuster again instead",
		                            run->id, run->undo_of);
	} else if (run->undone_by) {
		mbx_audit_run u;
		char *when = NULL;

		if (mbx_store_audit_run_get(st, run->undone_by, &u) == 0)
			when = date_text(u.time);
		run->why_not = mbx_asprintf("run %" PRId64 " was undone already, by run %" PRId64
		                            "%s%s; a run is undone only once", run->id,
		                            run->undone_by, when ? " on " : "", when ? when : "");
		mbx_free(when);
		mbx_audit_run_clear(&u);
	} else {
		memset(&a, 0, sizeof(a));
		a.st = st;
		a.check_only = 1;
		rc = run_verdicts(&a, run);
	}
out:
	mbx_audit_free(e, n);
	return rc;
}

int mbx_adjust_runs(mbx_store *st, mbx_adjust_run **out, size_t *n)
{
	mbx_audit_run *ar = NULL;
	mbx_adjust_run *v = NULL;
	size_t na = 0, i, cnt = 0;
	int rc;

	*out = NULL;
	*n = 0;
	rc = mbx_store_begin_read(st);
	if (rc < 0)
		return rc;
	rc = mbx_store_audit_runs(st, &ar, &na);
	if (rc == 0)
		v = mbx_calloc(na ? na : 1, sizeof(*v));
	for (i = 0; rc == 0 && i < na; i++) {
		rc = run_load(st, &ar[i], 1, &v[i]);
		cnt = i + 1;
	}
	mbx_audit_runs_free(ar, na);
	if (rc < 0) {
		mbx_store_rollback(st);
		mbx_adjust_runs_free(v, cnt);
		return rc;
	}
	rc = mbx_store_commit(st);
	if (rc < 0) {
		mbx_adjust_runs_free(v, cnt);
		return rc;
	}
	*out = v;
	*n = cnt;
	return 0;
}

/* run_id, or the newest adjuster run for 0. */
static int resolve_run(mbx_store *st, int64_t run_id, mbx_audit_run *ar)
{
	int rc;

	if (run_id == 0) {
		rc = mbx_store_audit_run_last(st, &run_id);
		if (rc < 0)
			return rc;
		if (run_id == 0)
			return mbx_error_set(MBX_ENOTFOUND, "store file %s has no adjuster run to undo "
			                     "(runs are recorded from this version on)",
			                     mbx_store_path(st));
	}
	return mbx_store_audit_run_get(st, run_id, ar);
}

int mbx_adjust_run_get(mbx_store *st, int64_t run_id, mbx_adjust_run **out)
{
	mbx_audit_run ar;
	mbx_adjust_run *run;
	int rc;

	*out = NULL;
	memset(&ar, 0, sizeof(ar));
	rc = mbx_store_begin_read(st);
	if (rc < 0)
		return rc;
	run = mbx_calloc(1, sizeof(*run));
	rc = resolve_run(st, run_id, &ar);
	if (rc == 0)
		rc = run_load(st, &ar, 1, run);
	mbx_audit_run_clear(&ar);
	if (rc < 0) {
		mbx_store_rollback(st);
		mbx_adjust_run_free(run);
		return rc;
	}
	rc = mbx_store_commit(st);
	if (rc < 0) {
		mbx_adjust_run_free(run);
		return rc;
	}
	*out = run;
	return 0;
}

/* Revert the records, newest first, each audit-logged under the undo's run. */
static int undo_records(mbx_apply_ctx *a, const mbx_adjust_run *run)
{
	size_t i;
	int rc = 0;

	for (i = run->count; rc == 0 && i-- > 0;) {
		const mbx_adjust_record *r = &run->records[i];
		const mbx_adjust_rule *rule = rule_of(r->kind);
		mbx_audit_entry e;
		char *action, *detail;

		a->object_id = 0;
		rc = rule->undo(a, r);
		if (rc < 0)
			break;
		action = mbx_asprintf("undo-%s", mbx_change_kind_name(r->kind));
		detail = mbx_asprintf("undo of run %" PRId64 ": %s", run->id,
		                      r->detail ? r->detail : "");
		memset(&e, 0, sizeof(e));
		e.actor = (char *)a->actor;
		e.action = action;
		e.object = r->object;
		e.detail = detail;
		e.run_id = a->run_id;
		e.object_id = a->object_id;
		e.before = a->before;
		e.after = a->after;
		rc = mbx_store_audit_add(a->st, &e, NULL);
		mbx_free(action);
		mbx_free(detail);
		mbx_free(a->before);
		mbx_free(a->after);
		a->before = a->after = NULL;
	}
	return rc;
}

int mbx_adjust_undo(mbx_store *st, int64_t run_id, const mbx_adjust_opts *opts,
                    int64_t *out_undo)
{
	const char *actor = opts && opts->actor ? opts->actor : "mbxrescue";
	int64_t now = opts && opts->now ? opts->now : (int64_t)time(NULL);
	mbx_audit_run ar, ur;
	mbx_adjust_run run;
	mbx_apply_ctx a;
	mbx_audit_entry e;
	char *summary = NULL;
	int rc;

	if (out_undo)
		*out_undo = 0;
	memset(&ar, 0, sizeof(ar));
	memset(&run, 0, sizeof(run));
	memset(&a, 0, sizeof(a));
	rc = mbx_store_begin(st);
	if (rc < 0)
		return rc;
	/* Holding the write lock: what is checked stays so until the commit. */
	rc = resolve_run(st, run_id, &ar);
	if (rc < 0)
		goto fail;
	rc = run_load(st, &ar, 1, &run);
	if (rc < 0)
		goto fail;
	if (run.undo_of || run.undone_by) {
		rc = mbx_error_set(MBX_EINVAL, "%s", run.why_not);
		goto fail;
	}
	if (!run.can_undo) {
		if (run.blocked > 1)
			rc = mbx_error_set(MBX_ECONFLICT, "can not undo adjuster run %" PRId64 ": %s; "
			                   "and %zu more of its changes can not be reverted either "
			                   "('mbxrescue audit %" PRId64 "' lists them)", run.id,
			                   run.why_not, run.blocked - 1, run.id);
		else
			rc = mbx_error_set(MBX_ECONFLICT, "can not undo adjuster run %" PRId64 ": %s",
			                   run.id, run.why_not);
		goto fail;
	}
	memset(&ur, 0, sizeof(ur));
	ur.time = now;
	ur.actor = (char *)actor;
	ur.undo_of = run.id;
	rc = mbx_store_audit_run_add(st, &ur, &a.run_id);
	if (rc < 0)
		goto fail;
	a.st = st;
	a.now = now;
	a.actor = actor;
	a.undoing = run.id;
	rc = undo_records(&a, &run);
	if (rc < 0)
		goto fail;
	summary = mbx_asprintf("undo of run %" PRId64 ": %zu change%s reverted", run.id, run.count,
	                       run.count == 1 ? "" : "s");
	memset(&e, 0, sizeof(e));
	e.actor = (char *)actor;
	e.action = (char *)"adjust-undo";
	e.object = (char *)mbx_store_path(st);
	e.detail = summary;
	e.run_id = a.run_id;
	rc = mbx_store_audit_add(st, &e, NULL);
	if (rc == 0)
		rc = mbx_store_audit_run_set_summary(st, a.run_id, summary);
	if (rc < 0)
		goto fail;
	rc = mbx_store_commit(st);
	if (rc == 0 && out_undo)
		*out_undo = a.run_id;
	goto out;
fail:
	mbx_store_rollback(st);
	if (rc != MBX_ECONFLICT && rc != MBX_EINVAL && rc != MBX_ENOTFOUND)
		mbx_error_prefix(rc, "undoing adjuster run %" PRId64 ", nothing was changed",
		                 run.id ? run.id : run_id);
out:
	mbx_free(summary);
	mbx_free(a.restored);
	mbx_free(a.before);
	mbx_free(a.after);
	run_clear(&run);
	mbx_audit_run_clear(&ar);
	return rc;
}
