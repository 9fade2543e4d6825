/* tests/t_adjust_undo.c - undoing consistency adjuster runs (issue 16):
 * a full run undone leaves the directory and the public folders exactly as
 * before (ids included); each later change that makes an undo unsafe is
 * refused with nothing changed; an undo is not undone, and a run is undone
 * once; the runs as the console reads them. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>

#include "mbx/check.h"
#include "mbx/demo.h"
#include "mbx/store.h"
#include "tap.h"

static char dir[] = "/tmp/t_adjust_undo.XXXXXX";

/* The tables the adjuster changes (and the mailboxes), row by row. */
static char *dump(const char *path)
{
	static const char *const tables[] = {
		"recipient", "public_folder", "permission", "mailbox", "known_server", "server"
	};
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	char *out = NULL;
	size_t len = 0, k;
	FILE *fp = open_memstream(&out, &len);

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		goto done;
	for (k = 0; k < sizeof(tables) / sizeof(tables[0]); k++) {
		char *q = sqlite3_mprintf("SELECT * FROM \"%w\" ORDER BY rowid", tables[k]);
		int i;

		sqlite3_prepare_v2(db, q, -1, &s, NULL);
		sqlite3_free(q);
		fprintf(fp, "%s\n", tables[k]);
		while (sqlite3_step(s) == SQLITE_ROW) {
			for (i = 0; i < sqlite3_column_count(s); i++) {
				const char *v = (const char *)sqlite3_column_text(s, i);

				fprintf(fp, "|%s", v ? v : "NULL");
			}
			fputc('\n', fp);
		}
		sqlite3_finalize(s);
	}
done:
	sqlite3_close(db);
	fclose(fp);
	return out;
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

static mbx_adjust_opts opts_for(unsigned functions)
{
	mbx_adjust_opts o;

	memset(&o, 0, sizeof(o));
	o.functions = functions;
	o.older_than_days = -1;
	o.actor = "t_adjust_undo";
	return o;
}

static int adjust(mbx_store *st, unsigned functions)
{
	mbx_adjust_opts o = opts_for(functions);
	mbx_adjust_plan *p = NULL;
	int rc = mbx_adjust_plan_compute(st, &o, &p);

	if (rc == 0)
		rc = mbx_adjust_apply(st, p, &o);
	if (rc < 0)
		diag("%s", mbx_error_last());
	mbx_adjust_plan_free(p);
	return rc;
}

static int has(const char *s, const char *part)
{
	return s && strstr(s, part) != NULL;
}

static void whole_run(void)
{
	mbx_store *st;
	char *path = fresh("whole.db", &st), *before, *after;
	mbx_adjust_opts o = opts_for(0);
	mbx_adjust_run *run = NULL, *runs = NULL;
	mbx_findings *f = NULL;
	size_t n = 0, i, kinds[4] = { 0, 0, 0, 0 };
	int64_t undo = 0;

	ok(mbx_adjust_run_get(st, 0, &run) == MBX_ENOTFOUND && !run, "no run yet: nothing to undo");
	ok(mbx_adjust_undo(st, 0, &o, &undo) == MBX_ENOTFOUND && undo == 0 &&
	   has(mbx_error_last(), "no adjuster run"), "undo without a run says so");
	before = dump(path);
	ok(adjust(st, MBX_ADJ_ALL) == 0, "run the adjuster, all three functions");
	ok(mbx_adjust_run_get(st, 0, &run) == 0 && run, "the last run");
	if (!run)
		return;
	ok(run->id > 0 && run->functions == MBX_ADJ_ALL && !run->undo_of && !run->undone_by &&
	   !strcmp(run->actor, "t_adjust_undo") && has(run->summary, "11 changes"),
	   "its id, functions, actor and summary");
	is_int(run->count, 11, "11 records (the SKIP and the summary are none)");
	for (i = 0; i < run->count; i++)
		kinds[run->records[i].kind]++;
	ok(kinds[MBX_CHANGE_CREATE_RECIPIENT] == 5 && kinds[MBX_CHANGE_REHOME_FOLDER] == 3 &&
	   kinds[MBX_CHANGE_REMOVE_PERMISSION] == 3, "5 created, 3 rehomed, 3 removed");
	ok(run->can_undo && !run->why_not && run->blocked == 0, "it can be undone");
	for (i = 0; i < run->count; i++) {
		const mbx_adjust_record *r = &run->records[i];

		if (r->kind == MBX_CHANGE_CREATE_RECIPIENT && !strcmp(r->recipient.alias, "JSmith"))
			ok(r->object_id > 0 && r->recipient.id == r->object_id && r->recipient.hidden &&
			   !r->recipient.primary_account, "JSmith's record: the entry as created");
		if (r->kind == MBX_CHANGE_REHOME_FOLDER && !strcmp(r->object, "Projects"))
			ok(!strcmp(r->home_before, "EXCH9") && !strcmp(r->site_before, "HQ") &&
			   !strcmp(r->home_after, "EXCH1"), "Projects' record: from EXCH9 (HQ) to EXCH1");
		if (r->kind == MBX_CHANGE_REMOVE_PERMISSION && !strcmp(r->object, "OldTemp"))
			ok(r->permission.id == r->object_id && r->permission.folder_id > 0 &&
			   r->permission.rights && r->permission.granted_time > 0,
			   "OldTemp's record: the whole entry removed");
	}
	mbx_adjust_run_free(run);
	run = NULL;

	ok(mbx_adjust_undo(st, 0, &o, &undo) == 0 && undo > 0, "undo the last run");
	after = dump(path);
	ok(!strcmp(before, after), "directory, public folders and permissions exactly as before "
	   "the run, ids included");
	free(after);
	ok(mbx_check_run(st, &f) == 0 && f->count == 17, "check finds the 17 inconsistencies again");
	mbx_findings_free(f);

	ok(mbx_adjust_run_get(st, undo, &run) == 0 && run->undo_of > 0 && run->count == 11 &&
	   run->records[0].undo && !run->can_undo && has(run->why_not, "is not undone"),
	   "the undo is a run of its own, 11 records, and can not be undone");
	ok(mbx_adjust_undo(st, undo, &o, NULL) == MBX_EINVAL &&
	   has(mbx_error_last(), "an undo is not undone"), "undoing the undo is refused");
	mbx_adjust_run_free(run);
	run = NULL;
	ok(mbx_adjust_undo(st, 0, &o, NULL) == MBX_EINVAL &&
	   has(mbx_error_last(), "undone already"), "undoing the run again is refused: undone already");
	ok(mbx_adjust_undo(st, 999, &o, NULL) == MBX_ENOTFOUND &&
	   has(mbx_error_last(), "no adjuster run 999"), "an unknown run is named");

	ok(mbx_adjust_runs(st, &runs, &n) == 0 && n == 2 && runs[0].undo_of == runs[1].id &&
	   runs[1].undone_by == runs[0].id && !runs[1].can_undo, "the runs, newest first");
	mbx_adjust_runs_free(runs, n);

	/* Once undone, the adjuster can run again, and that run be undone. */
	ok(adjust(st, MBX_ADJ_ALL) == 0 && mbx_adjust_undo(st, 0, &o, NULL) == 0,
	   "a new run after the undo, undone too");
	after = dump(path);
	ok(!strcmp(before, after), "and the store is as before again");
	free(after);
	free(before);
	mbx_store_free(st);
	mbx_free(path);
}

/* Each later change that makes the undo unsafe: refused, nothing changed. */
static void refused(const char *name, const char *want, void (*later)(mbx_store *st))
{
	mbx_store *st;
	char *path = fresh(name, &st), *b, *a;
	mbx_adjust_opts o = opts_for(0);
	mbx_adjust_run *run = NULL;
	size_t i, blocked = 0;

	ok(adjust(st, MBX_ADJ_ALL) == 0, "%s: adjust", name);
	later(st);
	b = dump(path);
	ok(mbx_adjust_run_get(st, 0, &run) == 0 && !run->can_undo && run->blocked == 1 &&
	   has(run->why_not, want), "%s: the run can not be undone, one record says why", name);
	for (i = 0; run && i < run->count; i++)
		blocked += run->records[i].why_not != NULL;
	is_int(blocked, 1, "%s: that record and no other", name);
	ok(mbx_adjust_undo(st, 0, &o, NULL) == MBX_ECONFLICT && has(mbx_error_last(), want),
	   "%s: undo refused: %s", name, mbx_error_last());
	a = dump(path);
	ok(!strcmp(a, b), "%s: nothing was changed", name);
	mbx_adjust_run_free(run);
	free(a);
	free(b);
	mbx_store_free(st);
	mbx_free(path);
}

static void fixed_recipient(mbx_store *st)
{
	if (mbx_recipient_fixup(st, "JSmith", "CONTOSO\\jsmith", 1, "admin") < 0)
		diag("%s", mbx_error_last());
}

static void directory_changed(mbx_store *st)
{
	mbx_recipient r;

	if (mbx_store_recipient_by_alias(st, "KMuller", &r) < 0) {
		/* Whichever alias Müller got: take the first recreated one. */
		mbx_recipient *v = NULL;
		size_t n = 0, i;

		mbx_store_recipients(st, &v, &n);
		for (i = 0; i < n && !v[i].created_by_adjuster; i++)
			;
		if (i == n) {
			mbx_recipients_free(v, n);
			return;
		}
		r = v[i];
		memset(&v[i], 0, sizeof(v[i]));
		mbx_recipients_free(v, n);
	}
	mbx_free(r.smtp);
	r.smtp = mbx_strdup("someone.else@contoso.com");
	if (mbx_store_recipient_update(st, &r) < 0)
		diag("%s", mbx_error_last());
	mbx_recipient_clear(&r);
}

static void rehomed_again(mbx_store *st)
{
	mbx_public_folder *f = NULL;
	size_t n = 0, i;

	mbx_store_public_folders(st, &f, &n);
	for (i = 0; i < n; i++)
		if (!strcmp(f[i].path, "Projects"))
			mbx_store_public_folder_rehome(st, f[i].id, "EXCH2", "HQ");
	mbx_public_folders_free(f, n);
}

static void permission_readded(mbx_store *st)
{
	mbx_public_folder *f = NULL;
	mbx_permission p;
	size_t n = 0, i;

	mbx_store_public_folders(st, &f, &n);
	for (i = 0; i < n; i++)
		if (!strcmp(f[i].path, "Company")) {
			memset(&p, 0, sizeof(p));
			p.folder_id = f[i].id;
			p.account = (char *)"OldTemp";
			p.rights = (char *)"Reviewer";
			p.granted_time = 1;
			mbx_store_permission_add(st, &p, NULL);
		}
	mbx_public_folders_free(f, n);
}

/* The default is the newest adjuster run; older runs can be undone by id
 * as long as nothing later is in the way. */
static void two_runs(void)
{
	mbx_store *st;
	char *path = fresh("two.db", &st), *before, *mid, *after;
	mbx_adjust_opts o = opts_for(0);
	mbx_adjust_run *run = NULL;
	int64_t first;

	before = dump(path);
	ok(adjust(st, MBX_ADJ_CREATE_MAILBOXES) == 0, "run 1: create mailboxes");
	ok(mbx_adjust_run_get(st, 0, &run) == 0, "run 1 read");
	first = run ? run->id : 0;
	mbx_adjust_run_free(run);
	mid = dump(path);
	ok(adjust(st, MBX_ADJ_REHOME_PUBLIC_FOLDERS) == 0, "run 2: rehome folders");
	ok(mbx_adjust_undo(st, 0, &o, NULL) == 0, "undo with no run named: run 2");
	after = dump(path);
	ok(!strcmp(mid, after), "the store is as after run 1");
	free(after);
	ok(mbx_adjust_undo(st, first, &o, NULL) == 0, "undo run 1 by its id");
	after = dump(path);
	ok(!strcmp(before, after), "the store is as before both");
	free(after);
	free(mid);
	free(before);
	mbx_store_free(st);
	mbx_free(path);
}

int main(void)
{
	char *cmd;

	if (!mkdtemp(dir))
		return 99;
	whole_run();
	refused("fixed.db", "JSmith', which run", fixed_recipient);
	refused("fixed2.db", "primary account, hidden", fixed_recipient);
	refused("dir.db", "SMTP address", directory_changed);
	refused("rehomed.db", "rehomed again since, to EXCH2 (HQ)", rehomed_again);
	refused("readded.db", "given rights there again", permission_readded);
	two_runs();
	cmd = mbx_asprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
	mbx_free(cmd);
	return tap_done();
}
