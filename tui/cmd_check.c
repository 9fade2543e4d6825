/*
 * tui/cmd_check.c - the batch commands of the consistency check and the
 * adjuster: check, adjust, fix-recipient.
 */
#include "config.h"
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>

#include "mbx/check.h"
#include "mbx/store.h"
#include "mbx/text.h"
#include "cli.h"
#include "cmds.h"

static const char *date_of(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0 || !gmtime_r(&tt, &tm))
		snprintf(buf, len, "unknown");
	else
		strftime(buf, len, "%Y-%m-%d", &tm);
	return buf;
}

static int open_store(const tui_opts *o, mbx_store **st, unsigned flags)
{
	if (mbx_store_open(st, o->db_path, flags) < 0)
		return cli_fail(EXIT_USAGE, "%s", mbx_error_last());
	return EXIT_OK;
}

static void server_line(const tui_opts *o, mbx_store *st, const char *what)
{
	mbx_server_info si;

	if (mbx_store_server_get(st, &si) < 0)
		return;
	printf("%s ", what);
	cli_put(o, si.server);
	printf(" (site ");
	cli_put(o, si.site);
	printf(", organization ");
	cli_put(o, si.organization);
	printf(")\n");
	mbx_server_info_clear(&si);
}

/* ---- check --------------------------------------------------------------- */

static int check_json(mbx_store *st, const mbx_findings *f, size_t problems)
{
	json_t *root = json_object(), *arr = json_array(), *counts = json_object();
	mbx_server_info si;
	char date[32];
	size_t i;
	int k;

	if (mbx_store_server_get(st, &si) == 0) {
		json_object_set_new(root, "server", cli_json_text(si.server));
		json_object_set_new(root, "site", cli_json_text(si.site));
		json_object_set_new(root, "organization", cli_json_text(si.organization));
		mbx_server_info_clear(&si);
	}
	json_object_set_new(root, "store", cli_json_text(mbx_store_path(st)));
	json_object_set_new(root, "consistent", json_boolean(problems == 0));
	for (k = 0; k < MBX_FIND_KIND_COUNT; k++)
		json_object_set_new(counts, mbx_finding_kind_name((mbx_finding_kind)k),
		                    json_integer(0));
	for (i = 0; i < f->count; i++) {
		const mbx_finding *x = &f->items[i];
		const char *kn = mbx_finding_kind_name(x->kind);
		json_t *o = json_object();

		json_object_set_new(o, "kind", json_string(kn));
		json_object_set_new(o, "warning", json_boolean(mbx_finding_is_warning(x->kind)));
		json_object_set_new(o, "object_id", json_integer(x->object_id));
		json_object_set_new(o, "object", cli_json_text(x->object));
		json_object_set_new(o, "alias", x->alias ? cli_json_text(x->alias) : json_null());
		json_object_set_new(o, "reason", cli_json_text(x->reason));
		json_object_set_new(o, "since", x->since > 0 ? json_string(date_of(x->since, date,
		                    sizeof(date))) : json_null());
		json_array_append_new(arr, o);
		json_object_set_new(counts, kn,
		                    json_integer(json_integer_value(json_object_get(counts, kn)) + 1));
	}
	json_object_set_new(root, "inconsistencies", json_integer((json_int_t)problems));
	json_object_set_new(root, "warnings", json_integer((json_int_t)(f->count - problems)));
	json_object_set_new(root, "counts", counts);
	json_object_set_new(root, "findings", arr);
	json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(root);
	return 0;
}

static void check_text(const tui_opts *o, mbx_store *st, const mbx_findings *f, size_t problems)
{
	char date[32];
	size_t i;

	server_line(o, st, "Consistency check of");
	for (i = 0; i < f->count; i++) {
		const mbx_finding *x = &f->items[i];

		printf("%-7s %-27s ", mbx_finding_is_warning(x->kind) ? "WARNING" : "FINDING",
		       mbx_finding_kind_name(x->kind));
		cli_put(o, x->object);
		if (x->since > 0)
			printf("  (since %s)", date_of(x->since, date, sizeof(date)));
		printf("\n        ");
		cli_put(o, x->reason);
		printf("\n");
	}
	if (problems == 0 && f->count == 0)
		printf("The directory and the information store are consistent.\n");
	else
		printf("%zu inconsistenc%s, %zu warning%s.\n", problems, problems == 1 ? "y" : "ies",
		       f->count - problems, f->count - problems == 1 ? "" : "s");
}

int cmd_check(const tui_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	mbx_store *st = NULL;
	mbx_findings *f = NULL;
	size_t i, problems = 0;
	int ch, json = o->json, status, rc;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (ch == 'j')
			json = 1;
		else
			return cli_usage_error("check", "unknown option '%s'", argv[optind - 1]);
	}
	if (optind < argc)
		return cli_usage_error("check", "unexpected argument '%s'", argv[optind]);
	/* The check only reads: a read-only store will do. */
	status = open_store(o, &st, MBX_STORE_READONLY);
	if (status != EXIT_OK)
		return status;
	rc = mbx_check_run(st, &f);
	if (rc < 0) {
		status = cli_fail(cli_status_of(rc), "%s", mbx_error_last());
		goto out;
	}
	for (i = 0; i < f->count; i++)
		if (!mbx_finding_is_warning(f->items[i].kind))
			problems++;
	if (json)
		check_json(st, f, problems);
	else
		check_text(o, st, f, problems);
	status = problems ? EXIT_FINDINGS : EXIT_OK;
out:
	mbx_findings_free(f);
	mbx_store_free(st);
	return status;
}

/* ---- adjust -------------------------------------------------------------- */

static int parse_days(const char *s, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > 365000)
		return -1;
	*out = (int)v;
	return 0;
}

/* The functions a plan or a run is for: "create-mailboxes (KB Q163713), ..." */
static void put_functions(unsigned functions)
{
	const mbx_adjust_rule *rules;
	size_t n, i;
	int first = 1;

	rules = mbx_adjust_rules(&n);
	for (i = 0; i < n; i++)
		if (functions & rules[i].flag) {
			printf("%s%s (KB %s)", first ? "" : ", ", rules[i].name, rules[i].kb);
			first = 0;
		}
	if (first)
		printf("none");
}

static void print_plan(const tui_opts *o, mbx_store *st, const mbx_adjust_plan *p,
                       int defaulted, size_t *n_apply)
{
	size_t i, rehome = 0, perms = 0;

	*n_apply = 0;
	server_line(o, st, "Consistency adjuster plan for");
	printf("Functions: ");
	put_functions(p->functions);
	printf("\n");
	if (defaulted)
		printf("(No function flag was given, so all of them are included, the two KB Q182979\n"
		       "warns about too: name the ones you want, e.g. --create-mailboxes.)\n");
	for (i = 0; i < p->count; i++) {
		const mbx_change *x = &p->changes[i];

		if (x->kind != MBX_CHANGE_SKIP_LIMITED_FOLDER)
			(*n_apply)++;
		rehome += x->kind == MBX_CHANGE_REHOME_FOLDER;
		perms += x->kind == MBX_CHANGE_REMOVE_PERMISSION;
		printf("%-5s %-21s ", x->kind == MBX_CHANGE_SKIP_LIMITED_FOLDER ? "SKIP" : "DO",
		       mbx_change_kind_name(x->kind));
		cli_put(o, x->detail);
		printf("\n");
	}
	printf("%zu change%s to make, %zu left alone.\n", *n_apply, *n_apply == 1 ? "" : "s",
	       p->count - *n_apply);
	/* The side effects an admin must know before saying yes (KB Q182979). */
	if (rehome)
		printf("WARNING (KB Q182979): %zu public folder%s will be rehomed to this server. When this\n"
		       "site is reconnected to the organization, the rehomed folders win replication\n"
		       "conflicts and permissions of users elsewhere in the organization are lost.\n",
		       rehome, rehome == 1 ? "" : "s");
	if (perms)
		printf("WARNING (KB Q182979): %zu permission entr%s of accounts this directory does not\n"
		       "know will be removed; those accounts may well exist elsewhere in the\n"
		       "organization.\n", perms, perms == 1 ? "y" : "ies");
}

/* At a terminal: ask, default No.  1 yes, 0 no. */
static int confirm(const char *question)
{
	char line[64];
	size_t i;

	printf("%s [y/N] ", question);
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 0;
	for (i = 0; line[i] == ' ' || line[i] == '\t'; i++)
		;
	return strncasecmp(line + i, "y", 1) == 0 &&
	       (line[i + 1] == '\n' || line[i + 1] == '\0' || strncasecmp(line + i, "yes", 3) == 0);
}

/* getopt_long's name of an option: without the leading "--". */
static const char *long_name(const char *option)
{
	return strncmp(option, "--", 2) == 0 ? option + 2 : option;
}

/* The rules' options get values from OPT_RULE up, by their index. */
enum { OPT_RULE = 256 };

void cmd_adjust_describe(const char **usage, const char **summary, const cmd_opt **opts)
{
	static const char *const count[] = {
		"none", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"
	};
	static char *u, *s;
	static cmd_opt *opt;
	const mbx_adjust_rule *rules;
	size_t n, i, k = 0;

	/* Built once from the rule table; kept for the life of the program. */
	if (!u) {
		rules = mbx_adjust_rules(&n);
		opt = mbx_calloc(n + 6, sizeof(*opt));
		u = mbx_strdup("[--dry-run] [--yes]");
		opt[k++] = (cmd_opt){ "--dry-run", NULL, "print the plan (with --undo: what the undo "
		                      "would revert, and whether it can) and change nothing" };
		opt[k++] = (cmd_opt){ "--yes", NULL, "apply without asking: at a terminal adjust "
		                      "asks first (the default answer is No); without one it applies "
		                      "at once, as scripts expect" };
		for (i = 0; i < n; i++) {
			char *t = mbx_asprintf("%s [%s]", u, rules[i].option);

			mbx_free(u);
			u = t;
			opt[k++] = (cmd_opt){ rules[i].option, NULL,
			                      mbx_asprintf("%s (KB %s)", rules[i].help, rules[i].kb) };
		}
		{
			char *t = mbx_asprintf("%s [--older-than DAYS]  |  --undo [RUN] [--dry-run] "
			                       "[--yes]", u);

			mbx_free(u);
			u = t;
		}
		opt[k++] = (cmd_opt){ "--older-than", "DAYS", "only inconsistencies that began more "
		                      "than DAYS days ago" };
		opt[k++] = (cmd_opt){ "--undo", "[RUN]", "revert adjuster run RUN (default: the last "
		                      "one) from its audit records, in one transaction: created "
		                      "recipients removed, public folders rehomed back, permissions "
		                      "put back; refused, changing nothing, where a later change makes "
		                      "that unsafe ('mbxrescue audit' lists the runs). An undo is not "
		                      "undone, and a run is undone once" };
		if (n < sizeof(count) / sizeof(count[0]))
			s = mbx_asprintf("DS/IS consistency adjuster: print the plan, ask at a terminal, "
			                 "then apply it in one transaction unless --dry-run (no function "
			                 "flag: all %s); or undo a run", count[n]);
		else
			s = mbx_asprintf("DS/IS consistency adjuster: print the plan, ask at a terminal, "
			                 "then apply it in one transaction unless --dry-run (no function "
			                 "flag: all %zu); or undo a run", n);
	}
	*usage = u;
	*summary = s;
	*opts = opt;
}

/* adjust --undo [RUN]: what would be reverted, then (asked) the undo. */
static int adjust_undo(const tui_opts *o, int64_t run_id, int dry, int yes,
                       const mbx_adjust_opts *ao)
{
	mbx_store *st = NULL;
	mbx_adjust_run *run = NULL;
	char when[40];
	int64_t undo = 0;
	size_t i;
	int status, rc;

	status = open_store(o, &st, 0);
	if (status != EXIT_OK)
		return status;
	rc = mbx_adjust_run_get(st, run_id, &run);
	if (rc < 0) {
		status = cli_fail(cli_status_of(rc), "%s", mbx_error_last());
		goto out;
	}
	if (run->undo_of || run->undone_by) {
		status = cli_fail(EXIT_USAGE, "%s", run->why_not);
		goto out;
	}
	server_line(o, st, "Undo of a consistency adjuster run on");
	printf("Run %" PRId64 " of %s by ", run->id, cli_when(run->time, when, sizeof(when)));
	cli_put(o, run->actor);
	printf(": ");
	put_functions(run->functions);
	printf("\n");
	for (i = run->count; i-- > 0;) {
		const mbx_adjust_record *r = &run->records[i];

		printf("%-7s %-21s ", r->why_not ? "BLOCKED" : "UNDO", mbx_change_kind_name(r->kind));
		cli_put(o, r->detail);
		printf("\n");
		if (r->why_not) {
			printf("        ");
			cli_put(o, r->why_not);
			printf("\n");
		}
	}
	if (!run->can_undo) {
		status = cli_fail(EXIT_FINDINGS, "can not undo adjuster run %" PRId64 ": %zu of its %zu "
		                  "changes can not be reverted (BLOCKED above); nothing was changed",
		                  run->id, run->blocked, run->count);
		goto out;
	}
	printf("%zu change%s to revert.\n", run->count, run->count == 1 ? "" : "s");
	if (dry) {
		printf("Dry run: nothing was changed.\n");
		goto out;
	}
	if (!yes && isatty(STDIN_FILENO)) {
		char *q = mbx_asprintf("Revert run %" PRId64 "?", run->id);
		int go = confirm(q);

		mbx_free(q);
		if (!go) {
			printf("Nothing was changed.\n");
			status = EXIT_FINDINGS;
			goto out;
		}
	}
	rc = mbx_adjust_undo(st, run->id, ao, &undo);
	if (rc < 0) {
		status = cli_fail(cli_status_of(rc), "%s", mbx_error_last());
		goto out;
	}
	printf("Run %" PRId64 " undone: %zu change%s reverted, recorded in the audit log as run %"
	       PRId64 ".\n", run->id, run->count, run->count == 1 ? "" : "s", undo);
out:
	mbx_adjust_run_free(run);
	mbx_store_free(st);
	return status;
}

/* RUN: a positive number. */
static int parse_run(const char *s, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v <= 0)
		return -1;
	*out = (int64_t)v;
	return 0;
}

int cmd_adjust(const tui_opts *o, int argc, char **argv)
{
	const mbx_adjust_rule *rules;
	struct option *longopts;
	mbx_adjust_opts ao;
	mbx_adjust_plan *plan = NULL;
	mbx_store *st = NULL;
	size_t n_apply, n_rules, i, k = 0;
	unsigned every = 0;
	int64_t run_id = 0;
	int ch, dry = 0, yes = 0, undo = 0, defaulted = 0, older = 0, status = EXIT_OK, rc;

	/* --dry-run, --yes, one option per rule, --older-than, --undo, the terminator. */
	rules = mbx_adjust_rules(&n_rules);
	longopts = mbx_calloc(n_rules + 5, sizeof(*longopts));
	longopts[k++] = (struct option){ "dry-run", no_argument, NULL, 'n' };
	longopts[k++] = (struct option){ "yes", no_argument, NULL, 'y' };
	for (i = 0; i < n_rules; i++) {
		longopts[k++] = (struct option){ long_name(rules[i].option), no_argument, NULL,
		                                 OPT_RULE + (int)i };
		every |= rules[i].flag;
	}
	longopts[k++] = (struct option){ "older-than", required_argument, NULL, 'o' };
	longopts[k++] = (struct option){ "undo", optional_argument, NULL, 'u' };
	memset(&ao, 0, sizeof(ao));
	ao.older_than_days = -1;
	ao.actor = cli_actor();
	opterr = 0;
	while (status == EXIT_OK && (ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (ch >= OPT_RULE && (size_t)(ch - OPT_RULE) < n_rules) {
			ao.functions |= rules[ch - OPT_RULE].flag;
			continue;
		}
		switch (ch) {
		case 'n': dry = 1; break;
		case 'y': yes = 1; break;
		case 'o':
			older = 1;
			if (parse_days(optarg, &ao.older_than_days) < 0)
				status = cli_usage_error("adjust", "--older-than needs a number of days "
				                         "(0 or more), not '%s'", optarg);
			break;
		case 'u':
			undo = 1;
			if (optarg && parse_run(optarg, &run_id) < 0)
				status = cli_usage_error("adjust", "--undo takes the number of an adjuster "
				                         "run ('mbxrescue audit' lists them), not '%s'", optarg);
			break;
		default:
			if (optopt == 'o')
				status = cli_usage_error("adjust", "option --older-than needs a value: DAYS "
				                         "(a number of days)");
			else
				status = cli_usage_error("adjust", "unknown option '%s'", argv[optind - 1]);
			break;
		}
	}
	mbx_free(longopts);
	if (status != EXIT_OK)
		return status;
	/* --undo RUN as well as --undo=RUN. */
	if (undo && !run_id && optind < argc && parse_run(argv[optind], &run_id) == 0)
		optind++;
	if (optind < argc)
		return cli_usage_error("adjust", undo ? "--undo takes the number of an adjuster run "
		                       "('mbxrescue audit' lists them), not '%s'" :
		                       "unexpected argument '%s'", argv[optind]);
	if (undo && (ao.functions || older))
		return cli_usage_error("adjust", "--undo reverts a whole run: give no function flag "
		                       "and no --older-than with it");
	if (undo)
		return adjust_undo(o, run_id, dry, yes, &ao);
	if (!ao.functions) {
		ao.functions = every;
		defaulted = 1;
	}
	status = open_store(o, &st, 0);
	if (status != EXIT_OK)
		return status;
	rc = mbx_adjust_plan_compute(st, &ao, &plan);
	if (rc < 0) {
		status = cli_fail(cli_status_of(rc), "%s", mbx_error_last());
		goto out;
	}
	print_plan(o, st, plan, defaulted, &n_apply);
	if (dry) {
		printf("Dry run: nothing was changed.\n");
		goto out;
	}
	if (n_apply == 0) {
		printf("Nothing to do.\n");
		goto out;
	}
	/* At a terminal, a person decides (default No); a script goes on. */
	if (!yes && isatty(STDIN_FILENO)) {
		char *q = mbx_asprintf("Apply %s%zu change%s?", defaulted ? "all " : "", n_apply,
		                       n_apply == 1 ? "" : "s");
		int go = confirm(q);

		mbx_free(q);
		if (!go) {
			printf("Nothing was changed.\n");
			status = EXIT_FINDINGS;
			goto out;
		}
	}
	if ((rc = mbx_adjust_apply(st, plan, &ao)) < 0) {
		status = cli_fail(cli_status_of(rc), "%s", mbx_error_last());
	} else {
		printf("Applied %zu change%s (recorded in the audit log; 'mbxrescue adjust --undo' "
		       "reverts them).\n", n_apply, n_apply == 1 ? "" : "s");
		if (ao.functions & MBX_ADJ_CREATE_MAILBOXES)
			printf("Recreated entries are hidden and have no primary account (KB Q197970): "
			       "run 'mbxrescue fix-recipient ALIAS --account DOMAIN\\USER --unhide'.\n");
	}
out:
	mbx_adjust_plan_free(plan);
	mbx_store_free(st);
	return status;
}

/* ---- fix-recipient ------------------------------------------------------- */

int cmd_fix_recipient(const tui_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "account", required_argument, NULL, 'a' },
		{ "unhide", no_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 }
	};
	const char *account = NULL, *alias;
	mbx_store *st = NULL;
	int ch, unhide = 0, rc, status;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'a': account = optarg; break;
		case 'u': unhide = 1; break;
		default:
			if (optopt == 'a')
				return cli_usage_error("fix-recipient", "--account needs DOMAIN\\USER");
			return cli_usage_error("fix-recipient", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("fix-recipient", optind >= argc ? "which recipient? give its alias"
		                       : "give one alias");
	alias = argv[optind];
	if (!account && !unhide)
		return cli_usage_error("fix-recipient", "give --account DOMAIN\\USER and/or --unhide");
	status = open_store(o, &st, 0);
	if (status != EXIT_OK)
		return status;
	rc = mbx_recipient_fixup(st, alias, account, unhide, cli_actor());
	if (rc < 0) {
		status = cli_fail(cli_status_of(rc), "%s", mbx_error_last());
	} else {
		printf("Recipient ");
		cli_put(o, alias);
		if (account) {
			printf(": primary account ");
			cli_put(o, account);
		}
		printf("%s.\n", unhide ? (account ? ", shown in the address book"
		                                    : ": shown in the address book") : "");
	}
	mbx_store_free(st);
	return status;
}
