/*
 * tui/cmd_audit.c - `audit` (the consistency adjuster's runs, their changes
 * and whether each run can be undone) and `list` (the store's mailboxes or
 * the directory's recipients, or only the orphans of either).
 */
#include "config.h"
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>

#include "mbx/check.h"
#include "mbx/store.h"
#include "mbx/text.h"
#include "cli.h"
#include "cmds.h"

/* Text in exactly `width` display columns (padded; clipped with "..."). */
static void put_col(const tui_opts *o, const char *s, int width)
{
	char *c = mbx_text_clean(s ? s : "", width, MBX_TEXT_ELLIPSIS |
	                         (o->ascii ? MBX_TEXT_ASCII : 0), NULL);
	int pad = width - mbx_text_width(c);

	printf("%s%*s", c, pad > 0 ? pad : 0, "");
	mbx_free(c);
}

/* NULL is null here: a field the audit record does not have. */
static json_t *jstr(const char *s)
{
	return s ? cli_json_text(s) : json_null();
}

static json_t *jtime(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char buf[32];

	if (t <= 0 || !gmtime_r(&tt, &tm))
		return json_null();
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

/* ---- audit ----------------------------------------------------------------- */

static json_t *functions_json(unsigned functions)
{
	const mbx_adjust_rule *rules;
	json_t *a = json_array();
	size_t n, i;

	rules = mbx_adjust_rules(&n);
	for (i = 0; i < n; i++)
		if (functions & rules[i].flag)
			json_array_append_new(a, json_string(rules[i].name));
	return a;
}

static json_t *record_json(const mbx_adjust_record *r, int undoable_run)
{
	json_t *o = json_object(), *x;

	json_object_set_new(o, "audit_id", json_integer(r->audit_id));
	json_object_set_new(o, "kind", json_string(mbx_change_kind_name(r->kind)));
	json_object_set_new(o, "undo", json_boolean(r->undo));
	json_object_set_new(o, "object_id", json_integer(r->object_id));
	json_object_set_new(o, "object", jstr(r->object));
	json_object_set_new(o, "detail", jstr(r->detail));
	switch (r->kind) {
	case MBX_CHANGE_CREATE_RECIPIENT:
		x = json_object();
		json_object_set_new(x, "id", json_integer(r->recipient.id));
		json_object_set_new(x, "alias", jstr(r->recipient.alias));
		json_object_set_new(x, "display_name", jstr(r->recipient.display_name));
		json_object_set_new(x, "dn", jstr(r->recipient.dn));
		json_object_set_new(x, "smtp", jstr(r->recipient.smtp));
		json_object_set_new(x, "mailbox_guid", jstr(r->recipient.mailbox_guid));
		json_object_set_new(x, "legacy_dn", jstr(r->recipient.legacy_dn));
		json_object_set_new(o, "recipient", x);
		break;
	case MBX_CHANGE_REHOME_FOLDER:
		x = json_object();
		json_object_set_new(x, "server", jstr(r->home_before));
		json_object_set_new(x, "site", jstr(r->site_before));
		json_object_set_new(o, "from", x);
		x = json_object();
		json_object_set_new(x, "server", jstr(r->home_after));
		json_object_set_new(x, "site", jstr(r->site_after));
		json_object_set_new(o, "to", x);
		break;
	default:
		x = json_object();
		json_object_set_new(x, "id", json_integer(r->permission.id));
		json_object_set_new(x, "folder_id", json_integer(r->permission.folder_id));
		json_object_set_new(x, "account", jstr(r->permission.account));
		json_object_set_new(x, "rights", jstr(r->permission.rights));
		json_object_set_new(x, "granted", jtime(r->permission.granted_time));
		json_object_set_new(o, "permission", x);
		break;
	}
	if (undoable_run) {
		json_object_set_new(o, "can_undo", json_boolean(r->can_undo));
		json_object_set_new(o, "why_not", jstr(r->why_not));
	}
	return o;
}

static json_t *run_json(const mbx_adjust_run *run)
{
	json_t *o = json_object(), *ch = json_array();
	size_t i;

	json_object_set_new(o, "id", json_integer(run->id));
	json_object_set_new(o, "time", jtime(run->time));
	json_object_set_new(o, "actor", jstr(run->actor));
	json_object_set_new(o, "functions", functions_json(run->functions));
	json_object_set_new(o, "undo_of", run->undo_of ? json_integer(run->undo_of) : json_null());
	json_object_set_new(o, "undone_by", run->undone_by ? json_integer(run->undone_by)
	                                                   : json_null());
	json_object_set_new(o, "summary", jstr(run->summary));
	json_object_set_new(o, "can_undo", json_boolean(run->can_undo));
	json_object_set_new(o, "why_not", jstr(run->why_not));
	for (i = 0; i < run->count; i++)
		json_array_append_new(ch, record_json(&run->records[i],
		                                      !run->undo_of && !run->undone_by));
	json_object_set_new(o, "changes", ch);
	return o;
}

static void run_text(const tui_opts *o, const mbx_adjust_run *run)
{
	const mbx_adjust_rule *rules;
	char when[40];
	size_t n, i;
	int first = 1;

	printf("Run %" PRId64 "  %s  ", run->id, cli_when(run->time, when, sizeof(when)));
	cli_put(o, run->actor);
	if (run->undo_of) {
		printf("  undo of run %" PRId64, run->undo_of);
	} else {
		printf("  ");
		rules = mbx_adjust_rules(&n);
		for (i = 0; i < n; i++)
			if (run->functions & rules[i].flag) {
				printf("%s%s", first ? "" : ", ", rules[i].name);
				first = 0;
			}
	}
	printf("\n  ");
	cli_put(o, run->summary ? run->summary : "(no summary)");
	printf("\n");
	for (i = 0; i < run->count; i++) {
		const mbx_adjust_record *r = &run->records[i];
		char kind[64];

		snprintf(kind, sizeof(kind), "%s%s", r->undo ? "undo-" : "",
		         mbx_change_kind_name(r->kind));
		printf("  %-26s ", kind);
		cli_put(o, r->detail);
		printf("\n");
		if (r->why_not) {
			printf("    ! ");
			cli_put(o, r->why_not);
			printf("\n");
		}
	}
	if (run->undone_by)
		printf("  Undone by run %" PRId64 ".\n", run->undone_by);
	else if (run->undo_of)
		printf("  An undo: not undone itself (run the adjuster again instead).\n");
	else if (run->can_undo)
		printf("  Can be undone: mbxrescue adjust --undo %" PRId64 "\n", run->id);
	else
		printf("  Can not be undone now: %zu of its changes are blocked by later changes "
		       "(marked !).\n", run->blocked);
}

int cmd_audit(const tui_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	mbx_store *st = NULL;
	mbx_adjust_run *runs = NULL;
	size_t n = 0, i;
	int64_t id = 0;
	int ch, json = o->json, rc, status = EXIT_OK;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (ch == 'j')
			json = 1;
		else
			return cli_usage_error("audit", "unknown option '%s'", argv[optind - 1]);
	}
	if (optind < argc) {
		char *end;
		long long v;

		errno = 0;
		v = strtoll(argv[optind], &end, 10);
		if (errno || end == argv[optind] || *end || v <= 0)
			return cli_usage_error("audit", "RUN is the number of an adjuster run, not '%s'",
			                       argv[optind]);
		id = (int64_t)v;
		if (optind + 1 < argc)
			return cli_usage_error("audit", "unexpected argument '%s'", argv[optind + 1]);
	}
	if (mbx_store_open(&st, o->db_path, MBX_STORE_READONLY) < 0)
		return cli_fail(EXIT_USAGE, "%s", mbx_error_last());
	if (id) {
		rc = mbx_adjust_run_get(st, id, &runs);
		n = runs ? 1 : 0;
	} else {
		rc = mbx_adjust_runs(st, &runs, &n);
	}
	if (rc < 0) {
		status = cli_fail(cli_status_of(rc), "%s", mbx_error_last());
		goto out;
	}
	if (json) {
		json_t *root = json_object(), *arr = json_array();

		json_object_set_new(root, "store", jstr(mbx_store_path(st)));
		for (i = 0; i < n; i++)
			json_array_append_new(arr, run_json(&runs[i]));
		json_object_set_new(root, "runs", arr);
		json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
		json_decref(root);
		goto out;
	}
	if (n == 0) {
		printf("No consistency adjuster runs are recorded in ");
		cli_put(o, mbx_store_path(st));
		printf(".\n");
		goto out;
	}
	printf("Consistency adjuster runs in ");
	cli_put(o, mbx_store_path(st));
	printf(", newest first:\n");
	for (i = 0; i < n; i++) {
		printf("\n");
		run_text(o, &runs[i]);
	}
out:
	if (id)
		mbx_adjust_run_free(runs);
	else
		mbx_adjust_runs_free(runs, n);
	mbx_store_free(st);
	return status;
}

/* ---- list ------------------------------------------------------------------ */

static int list_mailboxes(const tui_opts *o, mbx_store *st, int orphans, int json)
{
	mbx_mailbox *m = NULL;
	size_t n = 0, i, shown = 0;
	json_t *arr = NULL;
	char size[16];

	if (mbx_store_mailboxes(st, &m, &n) < 0)
		return cli_fail(EXIT_USAGE, "%s", mbx_error_last());
	if (json)
		arr = json_array();
	else
		printf("%-20s %-32s %8s %9s  %s\n", "ALIAS", "DISPLAY NAME", "ITEMS", "SIZE",
		       "DIRECTORY ENTRY");
	for (i = 0; i < n; i++) {
		if (orphans && m[i].recipient_id)
			continue;
		shown++;
		if (json) {
			json_t *x = json_object();

			json_object_set_new(x, "id", json_integer(m[i].id));
			json_object_set_new(x, "alias", jstr(m[i].alias));
			json_object_set_new(x, "display_name", jstr(m[i].display_name));
			json_object_set_new(x, "legacy_dn", jstr(m[i].legacy_dn));
			json_object_set_new(x, "guid", jstr(m[i].guid));
			json_object_set_new(x, "items", json_integer(m[i].item_count));
			json_object_set_new(x, "size", json_integer(m[i].total_size));
			json_object_set_new(x, "last_logon", jtime(m[i].last_logon));
			json_object_set_new(x, "recipient_id", m[i].recipient_id ?
			                    json_integer(m[i].recipient_id) : json_null());
			json_object_set_new(x, "orphaned", json_boolean(!m[i].recipient_id));
			json_array_append_new(arr, x);
			continue;
		}
		mbx_text_size(m[i].total_size, size, sizeof(size));
		put_col(o, m[i].alias, 20);
		printf(" ");
		put_col(o, m[i].display_name, 32);
		printf(" %8" PRId64 " %9s  %s\n", m[i].item_count, size,
		       m[i].recipient_id ? "yes" : "none (orphaned)");
	}
	if (json) {
		json_dumpf(arr, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
		json_decref(arr);
	} else {
		printf("%zu mailbox%s%s.\n", shown, shown == 1 ? "" : "es",
		       orphans ? " without a directory entry" : "");
	}
	mbx_mailboxes_free(m, n);
	return EXIT_OK;
}

static const char *class_name(mbx_object_class c)
{
	return c == MBX_OBJ_MAILBOX ? "mailbox" : c == MBX_OBJ_CUSTOM ? "custom" : "list";
}

static int list_recipients(const tui_opts *o, mbx_store *st, int orphans, int json)
{
	mbx_recipient *r = NULL;
	mbx_store_links *links = NULL;
	size_t n = 0, i, shown = 0;
	json_t *arr = NULL;
	int status = EXIT_OK;

	if (mbx_store_begin_read(st) < 0 || mbx_store_recipients(st, &r, &n) < 0 ||
	    mbx_store_links_load(st, &links) < 0) {
		status = cli_fail(EXIT_USAGE, "%s", mbx_error_last());
		mbx_store_rollback(st);
		goto out;
	}
	mbx_store_commit(st);
	if (json)
		arr = json_array();
	else
		printf("%-20s %-32s %-8s %-10s %s\n", "ALIAS", "DISPLAY NAME", "CLASS", "HOME",
		       "NOTES");
	for (i = 0; i < n; i++) {
		unsigned f = mbx_store_links_flags(links, r[i].id);

		if (orphans && !(f & MBX_RCPT_NO_MAILBOX))
			continue;
		shown++;
		if (json) {
			json_t *x = json_object();

			json_object_set_new(x, "id", json_integer(r[i].id));
			json_object_set_new(x, "alias", jstr(r[i].alias));
			json_object_set_new(x, "display_name", jstr(r[i].display_name));
			json_object_set_new(x, "class", json_string(class_name(r[i].object_class)));
			json_object_set_new(x, "dn", jstr(r[i].dn));
			json_object_set_new(x, "smtp", jstr(r[i].smtp));
			json_object_set_new(x, "home_server", jstr(r[i].home_server));
			json_object_set_new(x, "primary_account", jstr(r[i].primary_account &&
			                    *r[i].primary_account ? r[i].primary_account : NULL));
			json_object_set_new(x, "hidden", json_boolean(r[i].hidden));
			json_object_set_new(x, "created_by_adjuster",
			                    json_boolean(r[i].created_by_adjuster));
			json_object_set_new(x, "no_mailbox", json_boolean(f & MBX_RCPT_NO_MAILBOX));
			json_array_append_new(arr, x);
			continue;
		}
		put_col(o, r[i].alias, 20);
		printf(" ");
		put_col(o, r[i].display_name, 32);
		printf(" %-8s ", class_name(r[i].object_class));
		put_col(o, r[i].home_server ? r[i].home_server : "-", 10);
		printf(" %s%s%s%s\n", f & MBX_RCPT_NO_MAILBOX ? "no store mailbox " : "",
		       r[i].created_by_adjuster ? "recreated " : "", f & MBX_RCPT_HIDDEN ? "hidden " : "",
		       f & MBX_RCPT_NO_ACCOUNT ? "no-account" : "");
	}
	if (json) {
		json_dumpf(arr, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
		json_decref(arr);
	} else {
		printf("%zu recipient%s%s.\n", shown, shown == 1 ? "" : "s",
		       orphans ? " homed here without a store mailbox" : "");
	}
out:
	mbx_store_links_free(links);
	mbx_recipients_free(r, n);
	return status;
}

int cmd_list(const tui_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "orphans", no_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	mbx_store *st = NULL;
	int ch, json = o->json, orphans = 0, recipients = 0, status;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (ch == 'j')
			json = 1;
		else if (ch == 'o')
			orphans = 1;
		else
			return cli_usage_error("list", "unknown option '%s'", argv[optind - 1]);
	}
	if (optind < argc) {
		if (strcmp(argv[optind], "recipients") == 0)
			recipients = 1;
		else if (strcmp(argv[optind], "mailboxes") != 0)
			return cli_usage_error("list", "list mailboxes or recipients, not '%s'",
			                       argv[optind]);
		if (optind + 1 < argc)
			return cli_usage_error("list", "unexpected argument '%s'", argv[optind + 1]);
	}
	if (mbx_store_open(&st, o->db_path, MBX_STORE_READONLY) < 0)
		return cli_fail(EXIT_USAGE, "%s", mbx_error_last());
	status = recipients ? list_recipients(o, st, orphans, json)
	                    : list_mailboxes(o, st, orphans, json);
	mbx_store_free(st);
	return status;
}
