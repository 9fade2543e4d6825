/*
 * tui/cmd_check.c - the batch commands of the consistency check and the
 * adjuster: check, adjust, fix-recipient.
 */
#include "config.h"
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>

#include "mbx/check.h"
#include "mbx/store.h"
#include "mbx/text.h"
#include "cli.h"
#include "cmds.h"

/* Print one outside string on its own terms: sanitized, ASCII if asked. */
static void put(const tui_opts *o, const char *s)
{
	char *c = mbx_text_clean(s, -1, o->ascii ? MBX_TEXT_ASCII : 0, NULL);

	fputs(c, stdout);
	mbx_free(c);
}

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

/* Who the audit log names: the login, else the user id's name. */
static const char *actor_name(void)
{
	const char *u = getenv("SUDO_USER");
	struct passwd *pw;

	if (!u || !*u)
		u = getenv("USER");
	if (!u || !*u) {
		pw = getpwuid(getuid());
		u = pw ? pw->pw_name : NULL;
	}
	return u && *u ? u : "mbxrescue";
}

/* Exit status for a failed core call: bad input (a corrupt or unusable
 * store, an unknown name) is 2, anything else 1. */
static int fail_status(int rc)
{
	switch (rc) {
	case MBX_EINVAL:
	case MBX_ENOTFOUND:
	case MBX_ECORRUPT:
	case MBX_ESCHEMA:
	case MBX_EREADONLY:
		return EXIT_USAGE;
	default:
		return EXIT_FINDINGS;
	}
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
	put(o, si.server);
	printf(" (site ");
	put(o, si.site);
	printf(", organization ");
	put(o, si.organization);
	printf(")\n");
	mbx_server_info_clear(&si);
}

/* ---- check --------------------------------------------------------------- */

static json_t *jstr(const char *s)
{
	char *c = mbx_text_clean(s, -1, 0, NULL);
	json_t *j = json_string(c);

	mbx_free(c);
	return j ? j : json_string("");
}

static int check_json(mbx_store *st, const mbx_findings *f, size_t problems)
{
	json_t *root = json_object(), *arr = json_array(), *counts = json_object();
	mbx_server_info si;
	char date[32];
	size_t i;
	int k;

	if (mbx_store_server_get(st, &si) == 0) {
		json_object_set_new(root, "server", jstr(si.server));
		json_object_set_new(root, "site", jstr(si.site));
		json_object_set_new(root, "organization", jstr(si.organization));
		mbx_server_info_clear(&si);
	}
	json_object_set_new(root, "store", jstr(mbx_store_path(st)));
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
		json_object_set_new(o, "object", jstr(x->object));
		json_object_set_new(o, "reason", jstr(x->reason));
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
		put(o, x->object);
		if (x->since > 0)
			printf("  (since %s)", date_of(x->since, date, sizeof(date)));
		printf("\n        ");
		put(o, x->reason);
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
		status = cli_fail(fail_status(rc), "%s", mbx_error_last());
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

static void print_plan(const tui_opts *o, mbx_store *st, const mbx_adjust_plan *p,
                       size_t *n_apply)
{
	size_t i, rehome = 0;

	*n_apply = 0;
	server_line(o, st, "Consistency adjuster plan for");
	for (i = 0; i < p->count; i++) {
		const mbx_change *x = &p->changes[i];

		if (x->kind != MBX_CHANGE_SKIP_LIMITED_FOLDER)
			(*n_apply)++;
		rehome += x->kind == MBX_CHANGE_REHOME_FOLDER;
		printf("%-5s %-21s ", x->kind == MBX_CHANGE_SKIP_LIMITED_FOLDER ? "SKIP" : "DO",
		       mbx_change_kind_name(x->kind));
		put(o, x->detail);
		printf("\n");
	}
	printf("%zu change%s to make, %zu left alone.\n", *n_apply, *n_apply == 1 ? "" : "s",
	       p->count - *n_apply);
	/* The one side effect an admin must know before saying yes (KB Q182979). */
	if (rehome)
		printf("WARNING (KB Q182979): %zu public folder%s will be rehomed to this server. When this\n"
		       "site is reconnected to the organization, the rehomed folders win replication\n"
		       "conflicts and permissions of users elsewhere in the organization are lost.\n",
		       rehome, rehome == 1 ? "" : "s");
}

/* getopt_long's name of an option: without the leading "--". */
static const char *long_name(const char *option)
{
	return strncmp(option, "--", 2) == 0 ? option + 2 : option;
}

/* The rules' options get values from OPT_RULE up, by their index. */
enum { OPT_RULE = 256 };

void cmd_adjust_describe(const char **usage, const char **summary)
{
	static const char *const count[] = {
		"none", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"
	};
	static char *u, *s;
	const mbx_adjust_rule *rules;
	size_t n, i;

	/* Built once from the rule table; kept for the life of the program. */
	if (!u) {
		rules = mbx_adjust_rules(&n);
		u = mbx_strdup("[--dry-run]");
		for (i = 0; i < n; i++) {
			char *t = mbx_asprintf("%s [%s]", u, rules[i].option);

			mbx_free(u);
			u = t;
		}
		{
			char *t = mbx_asprintf("%s [--older-than DAYS]", u);

			mbx_free(u);
			u = t;
		}
		if (n < sizeof(count) / sizeof(count[0]))
			s = mbx_asprintf("DS/IS consistency adjuster: print the plan, then apply it "
			                 "unless --dry-run (no function flag: all %s)", count[n]);
		else
			s = mbx_asprintf("DS/IS consistency adjuster: print the plan, then apply it "
			                 "unless --dry-run (no function flag: all %zu)", n);
	}
	*usage = u;
	*summary = s;
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
	int ch, dry = 0, status = EXIT_OK, rc;

	/* --dry-run, one option per rule, --older-than, the terminator. */
	rules = mbx_adjust_rules(&n_rules);
	longopts = mbx_calloc(n_rules + 3, sizeof(*longopts));
	longopts[k++] = (struct option){ "dry-run", no_argument, NULL, 'n' };
	for (i = 0; i < n_rules; i++) {
		longopts[k++] = (struct option){ long_name(rules[i].option), no_argument, NULL,
		                                 OPT_RULE + (int)i };
		every |= rules[i].flag;
	}
	longopts[k++] = (struct option){ "older-than", required_argument, NULL, 'o' };
	memset(&ao, 0, sizeof(ao));
	ao.older_than_days = -1;
	ao.actor = actor_name();
	opterr = 0;
	while (status == EXIT_OK && (ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (ch >= OPT_RULE && (size_t)(ch - OPT_RULE) < n_rules) {
			ao.functions |= rules[ch - OPT_RULE].flag;
			continue;
		}
		switch (ch) {
		case 'n': dry = 1; break;
		case 'o':
			if (parse_days(optarg, &ao.older_than_days) < 0)
				status = cli_usage_error("adjust", "--older-than needs a number of days "
				                         "(0 or more), not '%s'", optarg);
			break;
		default:
			if (optopt == 'o')
				status = cli_usage_error("adjust", "--older-than needs a number of days");
			else
				status = cli_usage_error("adjust", "unknown option '%s'", argv[optind - 1]);
			break;
		}
	}
	mbx_free(longopts);
	if (status != EXIT_OK)
		return status;
	if (optind < argc)
		return cli_usage_error("adjust", "unexpected argument '%s'", argv[optind]);
	if (!ao.functions)
		ao.functions = every;
	status = open_store(o, &st, 0);
	if (status != EXIT_OK)
		return status;
	rc = mbx_adjust_plan_compute(st, &ao, &plan);
	if (rc < 0) {
		status = cli_fail(fail_status(rc), "%s", mbx_error_last());
		goto out;
	}
	print_plan(o, st, plan, &n_apply);
	if (dry) {
		printf("Dry run: nothing was changed.\n");
	} else if (n_apply == 0) {
		printf("Nothing to do.\n");
	} else if ((rc = mbx_adjust_apply(st, plan, &ao)) < 0) {
		status = cli_fail(fail_status(rc), "%s", mbx_error_last());
	} else {
		printf("Applied %zu change%s (recorded in the audit log).\n", n_apply,
		       n_apply == 1 ? "" : "s");
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
	rc = mbx_recipient_fixup(st, alias, account, unhide, actor_name());
	if (rc < 0) {
		status = cli_fail(fail_status(rc), "%s", mbx_error_last());
	} else {
		printf("Recipient ");
		put(o, alias);
		if (account) {
			printf(": primary account ");
			put(o, account);
		}
		printf("%s.\n", unhide ? (account ? ", shown in the address book"
		                                    : ": shown in the address book") : "");
	}
	mbx_store_free(st);
	return status;
}
