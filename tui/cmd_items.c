/*
 * tui/cmd_items.c - single items out of the store: `export-items` (into
 * one verified PST, mbx/export_items.h) and `delete-items` (from every
 * mailbox, with undo until purged; mbx/search.h).  Both take message ids
 * (the first column of `mbxrescue search`) or a query.
 */
#include "config.h"
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mbx/export_items.h"
#include "mbx/log.h"
#include "mbx/search.h"
#include "mbx/store.h"
#include "mbx/text.h"
#include "cli.h"
#include "cmds.h"

/* What a command was asked to work on. */
typedef struct items_args {
	int64_t *ids;
	size_t n;
	const char *query;
	char **aliases;
	size_t naliases;
} items_args;

static void items_args_free(items_args *a)
{
	mbx_free(a->ids);
	mbx_free(a->aliases);
}

static int add_id(const char *cmd, items_args *a, const char *s)
{
	int64_t id;

	if (cmd_parse_id(s, &id) < 0)
		return cli_usage_error(cmd, "'%s' is not a message id (the first column of mbxrescue "
		                       "search); for a query use --search", s);
	a->ids = mbx_reallocarray(a->ids, a->n + 1, sizeof(*a->ids));
	a->ids[a->n++] = id;
	return EXIT_OK;
}

/* The ids: as given, or every hit of the query. */
static int resolve_ids(const tui_opts *o, const char *cmd, mbx_store *st, items_args *a)
{
	mbx_search *s = NULL;
	int64_t *mb = NULL;
	int status;

	if (!a->query)
		return EXIT_OK;
	status = cmd_mailbox_ids(st, cmd, a->aliases, a->naliases, &mb);
	if (status == EXIT_OK)
		status = cmd_search_prepare(o, cmd, st, a->query, mb, a->naliases, &s);
	mbx_free(mb);
	if (status != EXIT_OK)
		return status;
	mbx_free(a->ids);
	a->ids = NULL;
	if (mbx_search_ids(s, &a->ids, &a->n) < 0)
		status = cli_fail(EXIT_FINDINGS, "%s", mbx_error_last());
	mbx_search_free(s);
	return status;
}

/* The items as search lists them. */
static int list_items(const tui_opts *o, mbx_store *st, const int64_t *ids, size_t n)
{
	mbx_search_hit *h = mbx_calloc(n ? n : 1, sizeof(*h));
	size_t i;
	int rc = 0;

	for (i = 0; i < n && rc == 0; i++)
		rc = mbx_store_search_hit_get(st, ids[i], &h[i]);
	if (rc == 0)
		cmd_print_hits(o, h, n);
	mbx_search_hits_free(h, n);
	return rc;
}

/* ---- export-items ------------------------------------------------------------------ */

static void on_log(void *ud, int level, const char *line)
{
	(void)ud;
	(void)level;
	printf("%s\n", line);   /* sanitized by the log */
	fflush(stdout);
}

int cmd_export_items(const tui_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "search", required_argument, NULL, 's' },
		{ "mailbox", required_argument, NULL, 'm' },
		{ "out", required_argument, NULL, 'o' },
		{ "log", required_argument, NULL, 'l' },
		{ "log-level", required_argument, NULL, 'L' },
		{ NULL, 0, NULL, 0 }
	};
	mbx_export_items_opts eo;
	mbx_export_items_result res;
	items_args a;
	mbx_store *st = NULL;
	int ch, status = EXIT_OK, rc;

	memset(&a, 0, sizeof(a));
	memset(&res, 0, sizeof(res));
	mbx_export_items_opts_init(&eo);
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 's': a.query = optarg; break;
		case 'm':
			a.aliases = mbx_reallocarray(a.aliases, a.naliases + 1, sizeof(*a.aliases));
			a.aliases[a.naliases++] = optarg;
			break;
		case 'o': eo.out_path = optarg; break;
		case 'l': eo.log_path = optarg; break;
		case 'L':
			if (strlen(optarg) != 1 || optarg[0] < '0' || optarg[0] > '3') {
				status = cli_usage_error("export-items", "--log-level takes 0, 1, 2 or 3");
				goto out;
			}
			eo.log_level = optarg[0] - '0';
			break;
		default:
			status = cli_usage_error("export-items", "unknown or incomplete option '%s'",
			                         argv[optind - 1]);
			goto out;
		}
	}
	for (; optind < argc && status == EXIT_OK; optind++)
		status = add_id("export-items", &a, argv[optind]);
	if (status != EXIT_OK)
		goto out;
	if (!eo.out_path || !*eo.out_path) {
		status = cli_usage_error("export-items", "--out FILE.pst is required");
		goto out;
	}
	if ((a.n > 0) == (a.query != NULL)) {
		status = cli_usage_error("export-items", a.n ? "give message ids or --search, not both"
		                                             : "which messages? give ids or --search QUERY");
		goto out;
	}
	if (a.naliases && !a.query) {
		status = cli_usage_error("export-items", "--mailbox goes with --search");
		goto out;
	}
	if (mbx_store_open(&st, o->db_path, MBX_STORE_READONLY) < 0) {
		status = cli_fail(EXIT_USAGE, "%s", mbx_error_last());
		goto out;
	}
	status = resolve_ids(o, "export-items", st, &a);
	if (status != EXIT_OK)
		goto out;
	if (a.n == 0) {
		status = cli_fail(EXIT_FINDINGS, "no messages match; nothing was written");
		goto out;
	}
	eo.log_cb = on_log;
	rc = mbx_export_items(st, &eo, a.ids, a.n, &res);
	if (rc == MBX_EINVAL || rc == MBX_ENOTFOUND)
		status = cli_fail(EXIT_USAGE, "%s", mbx_error_last());
	else if (rc < 0)
		status = cli_fail(EXIT_FINDINGS, "%s", mbx_error_last());
out:
	mbx_export_items_result_clear(&res);
	mbx_store_free(st);
	items_args_free(&a);
	return status;
}

/* ---- delete-items ------------------------------------------------------------------ */

static int list_runs(const tui_opts *o, mbx_store *st)
{
	mbx_delete_run *r = NULL;
	size_t n = 0, i;

	if (mbx_store_delete_runs(st, &r, &n) < 0)
		return cli_fail(EXIT_USAGE, "%s", mbx_error_last());
	if (n == 0)
		fprintf(stderr, "mbxrescue delete-items: no delete runs\n");
	for (i = 0; i < n; i++) {
		char d[32];
		time_t t = (time_t)r[i].time;
		struct tm tm;
		char *actor = mbx_text_clean(r[i].actor, -1, o->ascii ? MBX_TEXT_ASCII : 0, NULL);
		char *q = mbx_text_clean(r[i].query, -1, o->ascii ? MBX_TEXT_ASCII : 0, NULL);

		gmtime_r(&t, &tm);
		strftime(d, sizeof(d), "%Y-%m-%d %H:%M", &tm);
		printf("run %" PRId64 "  %s  %s  %" PRId64 " items, %" PRId64 " held  %s\n", r[i].id, d,
		       actor, r[i].items, r[i].held, q);
		mbx_free(actor);
		mbx_free(q);
	}
	mbx_delete_runs_free(r, n);
	return EXIT_OK;
}

int cmd_delete_items(const tui_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "search", required_argument, NULL, 's' },
		{ "mailbox", required_argument, NULL, 'm' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "undo", no_argument, NULL, 'u' },
		{ "purge", no_argument, NULL, 'p' },
		{ "list", no_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 }
	};
	items_args a;
	mbx_store *st = NULL;
	int ch, status = EXIT_OK, dry = 0, undo = 0, purge = 0, list = 0, rc;
	int64_t run = 0, count = 0;

	memset(&a, 0, sizeof(a));
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 's': a.query = optarg; break;
		case 'm':
			a.aliases = mbx_reallocarray(a.aliases, a.naliases + 1, sizeof(*a.aliases));
			a.aliases[a.naliases++] = optarg;
			break;
		case 'n': dry = 1; break;
		case 'u': undo = 1; break;
		case 'p': purge = 1; break;
		case 'l': list = 1; break;
		default:
			status = cli_usage_error("delete-items", "unknown or incomplete option '%s'",
			                         argv[optind - 1]);
			goto out;
		}
	}
	if (undo + purge + list > 1) {
		status = cli_usage_error("delete-items", "--undo, --purge and --list go alone");
		goto out;
	}
	if (undo || purge) {
		if (optind < argc && (optind + 1 < argc || cmd_parse_id(argv[optind], &run) < 0)) {
			status = cli_usage_error("delete-items", "%s takes at most one run number",
			                         undo ? "--undo" : "--purge");
			goto out;
		}
		if (a.query || a.naliases) {
			status = cli_usage_error("delete-items", "%s does not take --search",
			                         undo ? "--undo" : "--purge");
			goto out;
		}
	} else if (!list) {
		for (; optind < argc && status == EXIT_OK; optind++)
			status = add_id("delete-items", &a, argv[optind]);
		if (status != EXIT_OK)
			goto out;
		if ((a.n > 0) == (a.query != NULL)) {
			status = cli_usage_error("delete-items", a.n ? "give message ids or --search, not both"
			                                             : "which messages? give ids or --search QUERY");
			goto out;
		}
	} else if (optind < argc) {
		status = cli_usage_error("delete-items", "--list takes no arguments");
		goto out;
	}
	if (mbx_store_open(&st, o->db_path, dry || list ? MBX_STORE_READONLY : 0) < 0) {
		status = cli_fail(EXIT_USAGE, "%s", mbx_error_last());
		goto out;
	}
	if (list) {
		status = list_runs(o, st);
		goto out;
	}
	if (undo) {
		if (dry) {
			status = cli_usage_error("delete-items", "--undo has no --dry-run (it only puts items back)");
			goto out;
		}
		rc = mbx_store_items_undo(st, run, cli_actor(), &run, &count);
		if (rc == MBX_ENOTFOUND)
			status = cli_fail(EXIT_FINDINGS, "%s", mbx_error_last());
		else if (rc < 0)
			status = cli_fail(EXIT_USAGE, "%s", mbx_error_last());
		else
			printf("Restored %" PRId64 " items of run %" PRId64 " to their folders.\n", count, run);
		goto out;
	}
	if (purge) {
		if (mbx_store_items_held(st, run, &a.ids, &a.n) < 0 || list_items(o, st, a.ids, a.n) < 0) {
			status = cli_fail(EXIT_USAGE, "%s", mbx_error_last());
			goto out;
		}
		if (a.n == 0) {
			status = cli_fail(EXIT_FINDINGS, "no deleted items are held%s; nothing to purge",
			                  run ? " by that run" : "");
			goto out;
		}
		if (dry) {
			printf("Would purge %zu items for good (--dry-run: nothing changed).\n", a.n);
			goto out;
		}
		if (mbx_store_items_purge(st, run, cli_actor(), &count) < 0) {
			status = cli_fail(EXIT_FINDINGS, "%s", mbx_error_last());
			goto out;
		}
		printf("Purged %" PRId64 " items for good.\n", count);
		goto out;
	}
	status = resolve_ids(o, "delete-items", st, &a);
	if (status != EXIT_OK)
		goto out;
	if (a.n == 0) {
		status = cli_fail(EXIT_FINDINGS, "no messages match; nothing was deleted");
		goto out;
	}
	if (list_items(o, st, a.ids, a.n) < 0) {
		status = cli_fail(EXIT_USAGE, "%s", mbx_error_last());
		goto out;
	}
	if (dry) {
		printf("Would delete %zu items (--dry-run: nothing changed).\n", a.n);
		goto out;
	}
	{
		char *what = a.query ? mbx_strdup(a.query) : NULL;

		if (!what) {
			size_t i, len = 0;

			what = mbx_malloc(a.n * 21 + 8);
			len += (size_t)sprintf(what, "ids");
			for (i = 0; i < a.n; i++)
				len += (size_t)sprintf(what + len, " %" PRId64, a.ids[i]);
		}
		rc = mbx_store_items_delete(st, a.ids, a.n, cli_actor(), what, &run);
		mbx_free(what);
	}
	if (rc < 0) {
		status = cli_fail(rc == MBX_ENOTFOUND || rc == MBX_EEXISTS || rc == MBX_EINVAL ? EXIT_USAGE
		                                                                               : EXIT_FINDINGS,
		                  "%s", mbx_error_last());
		goto out;
	}
	printf("Deleted %zu items as run %" PRId64 "; undo with: mbxrescue delete-items --undo %" PRId64
	       " (until --purge)\n", a.n, run, run);
out:
	mbx_store_free(st);
	items_args_free(&a);
	return status;
}
