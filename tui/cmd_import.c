/*
 * tui/cmd_import.c - the import commands of the batch command line:
 *
 *   import-pst FILE.pst --mailbox ALIAS [--create] [--mode copy|merge|replace]
 *              [--folder PATH] [--display-name NAME] [--log FILE] [--log-level N]
 *              [--timeout SECONDS] [--bad-item-limit N|unlimited
 *              [--accept-large-data-loss] | --skip-damaged]
 *   import-pst (DIR | FILE.pst)... [--mailbox-map FILE.csv] [--threads N] [the same
 *              options but --mailbox/--display-name]: one mailbox per file
 *   import-directory FILE.ldif|FILE.csv|ldap[s]://HOST[:PORT] [--dry-run] [LDAP options]
 *   export-directory --created-by-adjuster [--out FILE | --ldap URI] [--base DN] [LDAP options]
 * (the directory server side is in tui/cmd_ldap.c)
 *
 * Exit status: 0 done; 1 done, but some PST items were damaged and left
 * out (without --bad-item-limit or --skip-damaged), or more than
 * --bad-item-limit were (nothing of the file kept), or a file of several
 * failed; 2 usage or input error (not a PST, malformed directory file),
 * nothing changed.
 *
 * Damaged items, as Exchange's New-MailboxImportRequest treats them:
 *   (no option)            damaged items are not imported, each is listed
 *                          (folder, subject, what is damaged), the intact
 *                          ones are imported; exit 1
 *   --bad-item-limit N     the same, exit 0, when at most N items and folders
 *                          are damaged; more: nothing of the file is kept,
 *                          exit 1.  N over 50 (or "unlimited") needs
 *                          --accept-large-data-loss, as -BadItemLimit needs
 *                          -AcceptLargeDataLoss
 *   --skip-damaged         --bad-item-limit unlimited --accept-large-data-loss:
 *                          damaged items left out and listed, exit 0
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mbx/common.h"
#include "mbx/import.h"
#include "mbx/log.h"
#include "mbx/store.h"
#include "mbx/text.h"
#include "cli.h"
#include "progress.h"
#include "cmds.h"

static char *clean(const tui_opts *o, const char *s)
{
	return mbx_text_clean(s, -1, o->ascii ? MBX_TEXT_ASCII : 0, NULL);
}

/* The bar of a single-file import-pst, while one is drawn: log lines come
 * from the import's thread and clear it first. */
static progress *log_bar;

static void print_log_line(void *ud, int level, const char *line)
{
	(void)ud;
	(void)level;
	if (log_bar) {
		pthread_mutex_lock(&log_bar->lock);
		progress_clear_locked(log_bar);
	}
	printf("%s\n", line);
	fflush(stdout);
	if (log_bar)
		pthread_mutex_unlock(&log_bar->lock);
}

/* One file on the import's thread, with a progress bar (items, MB/s, ETA)
 * on the terminal; the same result as mbx_import_run. */
static int import_one_bar(const mbx_import_opts *opts, progress *bar, mbx_import_result *res)
{
	mbx_import *im = NULL;
	mbx_import_progress p;
	int rc;

	memset(res, 0, sizeof(*res));
	rc = mbx_import_start(&im, opts);
	if (rc < 0) {
		res->status = rc;
		res->error = mbx_strdup(mbx_error_last());
		return rc;
	}
	log_bar = bar;
	for (;;) {
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		char text[400], eta[32], items[48];
		double frac = -1, left = -1;

		mbx_import_progress_get(im, &p);
		if (p.items_total > 0) {
			frac = (double)p.items_done / (double)p.items_total;
			if (p.items_done > 0)
				left = p.elapsed_seconds * (double)(p.items_total - p.items_done) /
				       (double)p.items_done;
		}
		if (p.items_total > 0)
			snprintf(items, sizeof(items), "%lld/%lld", (long long)p.items_done,
			         (long long)p.items_total);
		else
			snprintf(items, sizeof(items), "%lld", (long long)p.items_done);
		snprintf(text, sizeof(text), "%d/1 mailboxes  %s items  %.1f MB/s  %s  %s", p.finished, items,
		         p.elapsed_seconds > 0 ? (double)p.bytes_done / p.elapsed_seconds / 1e6 : 0.0,
		         progress_eta(left, eta, sizeof(eta)), p.folder);
		/* Drawn once at least, however short the import. */
		progress_draw(bar, frac, text, 0);
		if (p.finished)
			break;
		nanosleep(&ts, NULL);
	}
	progress_clear(bar);
	log_bar = NULL;
	rc = mbx_import_wait(im, res);
	mbx_import_free(im);
	return rc;
}

static int fail_last(const tui_opts *o, int status)
{
	char *msg = clean(o, mbx_error_last());

	cli_fail(status, "%s", msg);
	mbx_free(msg);
	return status;
}

/* Text in exactly `width` display columns (padded; clipped with "..."). */
static void put_col(const tui_opts *o, const char *s, int width, int right)
{
	char *c = mbx_text_clean(s ? s : "", width, MBX_TEXT_ELLIPSIS |
	                         (o->ascii ? MBX_TEXT_ASCII : 0), NULL);
	int pad = width - mbx_text_width(c);

	if (right)
		printf("%*s%s", pad > 0 ? pad : 0, "", c);
	else
		printf("%s%*s", c, pad > 0 ? pad : 0, "");
	mbx_free(c);
}

static int max_width(int w, const char *s, int cap)
{
	int n = mbx_text_width(s ? s : "");

	if (n > cap)
		n = cap;
	return n > w ? n : w;
}

/* The damaged items and folders of one file, one line each. */
static void print_damage(const tui_opts *o, const char *file, const mbx_import_result *r)
{
	char *f = clean(o, file);
	size_t i;

	printf("\n%s: %lld damaged item%s%s, %lld damaged folder%s%s:\n", f, (long long)r->damaged,
	       r->damaged == 1 ? "" : "s", r->limit_exceeded ? "" : " not imported",
	       (long long)r->damaged_folders, r->damaged_folders == 1 ? "" : "s",
	       r->limit_exceeded ? " (more than --bad-item-limit: nothing of the file was kept)" : "");
	for (i = 0; i < r->n_damage; i++) {
		const mbx_import_damage *d = &r->damage[i];
		char *folder = clean(o, *d->folder ? d->folder : d->is_item ? "Top of Personal Folders" :
		                     "(the file)");
		char *what = clean(o, d->what ? d->what : "");

		if (d->is_item) {
			char *subj = clean(o, d->subject ? d->subject : "");

			printf("  %s: %s'%s': %s\n", folder, d->associated ? "associated item " : "", subj,
			       what);
			mbx_free(subj);
		} else {
			printf("  %s%s: %s\n", folder, *d->folder ? " (folder)" : "", what);
		}
		mbx_free(folder);
		mbx_free(what);
	}
	mbx_free(f);
}

/* import-pst with several files or folders: one mailbox per file. */
static int import_many(const tui_opts *o, const mbx_import_opts *base, char **paths, int n,
                       const char *map, int threads, int accepted)
{
	mbx_import_files f;
	mbx_import_result *res;
	struct timespec t0, t1;
	int64_t items = 0, bad_items = 0;
	double secs = 0;
	size_t i, failed = 0, created = 0;
	int fw = 4, mw = 7, nthreads, status;
	char num[32];

	memset(&f, 0, sizeof(f));
	for (i = 0; i < (size_t)n; i++) {
		if (mbx_import_files_add(&f, paths[i]) < 0) {
			mbx_import_files_clear(&f);
			return fail_last(o, EXIT_USAGE);
		}
	}
	if (mbx_import_files_name(&f, map) < 0) {
		mbx_import_files_clear(&f);
		return fail_last(o, EXIT_USAGE);
	}
	nthreads = mbx_import_files_threads(threads, f.n);
	printf("Importing %zu PST file%s, %d at a time: one store mailbox each\n", f.n,
	       f.n == 1 ? "" : "s", nthreads);
	fflush(stdout);
	res = mbx_calloc(f.n, sizeof(*res));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	mbx_import_files_run(base, &f, threads, res);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;

	for (i = 0; i < f.n; i++) {
		fw = max_width(fw, f.v[i].path, 60);
		mw = max_width(mw, f.v[i].alias, 30);
	}
	printf("\n");
	put_col(o, "FILE", fw, 0);
	printf("  ");
	put_col(o, "MAILBOX", mw + 6, 0);
	printf("     ITEMS  DAMAGED      TIME\n");
	for (i = 0; i < f.n; i++) {
		const mbx_import_result *r = &res[i];
		char *mb = mbx_asprintf("%s%s", f.v[i].alias, r->mailbox_created ? " (new)" : "");

		put_col(o, f.v[i].path, fw, 0);
		printf("  ");
		put_col(o, mb, mw + 6, 0);
		if (r->status == 0) {
			snprintf(num, sizeof(num), "%lld", (long long)r->imported);
			printf("  ");
			put_col(o, num, 8, 1);
			printf("  %7lld  %6.2f s\n", (long long)(r->damaged + r->damaged_folders),
			       r->seconds);
			items += r->imported;
			bad_items += r->damaged + r->damaged_folders;
			created += r->mailbox_created != 0;
		} else {
			printf("  %8s  %7s  %6.2f s\n", "-", r->limit_exceeded ? "many" : "-", r->seconds);
			{
				char *e = clean(o, r->error ? r->error : "failed");
				printf("    error: %s\n", e);
				mbx_free(e);
			}
			failed++;
		}
		mbx_free(mb);
	}
	for (i = 0; i < f.n; i++)
		if (res[i].n_damage)
			print_damage(o, f.v[i].path, &res[i]);
	printf("\n%zu file%s: %zu imported (%lld items, %lld damaged; %zu new mailbox%s), "
	       "%zu failed, in %.2f s\n", f.n, f.n == 1 ? "" : "s", f.n - failed, (long long)items,
	       (long long)bad_items, created, created == 1 ? "" : "es", failed, secs);
	if (failed)
		printf("A failed file left nothing in the store: correct or replace it and import it "
		       "again.\n");
	status = failed || (bad_items && !accepted) ? EXIT_FINDINGS : EXIT_OK;
	for (i = 0; i < f.n; i++)
		mbx_import_result_clear(&res[i]);
	mbx_free(res);
	mbx_import_files_clear(&f);
	return status;
}

static int is_dir(const char *p)
{
	struct stat sb;

	return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

int cmd_import_pst(const tui_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "mailbox", required_argument, NULL, 'm' },
		{ "create", no_argument, NULL, 'c' },
		{ "mode", required_argument, NULL, 'M' },
		{ "folder", required_argument, NULL, 'f' },
		{ "display-name", required_argument, NULL, 'n' },
		{ "log", required_argument, NULL, 'l' },
		{ "log-level", required_argument, NULL, 'L' },
		{ "timeout", required_argument, NULL, 't' },
		{ "mailbox-map", required_argument, NULL, 'p' },
		{ "threads", required_argument, NULL, 'j' },
		{ "bad-item-limit", required_argument, NULL, 'B' },
		{ "accept-large-data-loss", no_argument, NULL, 'A' },
		{ "skip-damaged", no_argument, NULL, 'S' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 }
	};
	mbx_import_opts opts;
	mbx_import_result res;
	progress bar;
	const char *map = NULL;
	char *end;
	int ch, rc, threads = 0, limit_given = 0, large_loss = 0, skip = 0, quiet = 0;

	mbx_import_opts_init(&opts);
	opts.db_path = o->db_path;
	opts.log_cb = print_log_line;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "q", longopts, NULL)) != -1) {
		switch (ch) {
		case 'q': quiet = 1; break;
		case 'm': opts.alias = optarg; break;
		case 'c': opts.create = 1; break;
		case 'M':
			if (mbx_import_mode_parse(optarg, &opts.mode) < 0)
				return cli_usage_error(argv[0], "%s", mbx_error_last());
			break;
		case 'f': opts.folder = optarg; break;
		case 'n': opts.display_name = optarg; break;
		case 'l': opts.log_path = optarg; break;
		case 'L':
			opts.log_level = (int)strtol(optarg, &end, 10);
			if (*end || opts.log_level < 0 || opts.log_level > 3)
				return cli_usage_error(argv[0], "--log-level takes 0 to 3, not '%s'", optarg);
			break;
		case 't':
			opts.timeout_seconds = (int)strtol(optarg, &end, 10);
			if (*end || opts.timeout_seconds <= 0)
				return cli_usage_error(argv[0], "--timeout takes a number of seconds, not '%s'",
				                       optarg);
			break;
		case 'p': map = optarg; break;
		case 'B':
			limit_given = 1;
			if (strcasecmp(optarg, "unlimited") == 0) {
				opts.bad_item_limit = MBX_IMPORT_ANY_DAMAGE;
				break;
			}
			opts.bad_item_limit = strtoll(optarg, &end, 10);
			if (*end || !*optarg || opts.bad_item_limit < 0)
				return cli_usage_error(argv[0], "--bad-item-limit takes a number of items or "
				                       "'unlimited', not '%s'", optarg);
			break;
		case 'A': large_loss = 1; break;
		case 'S': skip = 1; break;
		case 'j':
			threads = (int)strtol(optarg, &end, 10);
			if (*end || !*optarg || threads <= 0 || threads > 64)
				return cli_usage_error(argv[0], "--threads takes 1 to 64, not '%s'", optarg);
			break;
		default:
			return cli_usage_error(argv[0], "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (skip && limit_given)
		return cli_usage_error(argv[0], "--skip-damaged is --bad-item-limit unlimited: give one "
		                                "of them");
	if (limit_given && !large_loss &&
	    (opts.bad_item_limit == MBX_IMPORT_ANY_DAMAGE || opts.bad_item_limit > 50))
		return cli_usage_error(argv[0], "a --bad-item-limit over 50 (or unlimited) needs "
		                                "--accept-large-data-loss, as Exchange's "
		                                "-BadItemLimit needs -AcceptLargeDataLoss; or use "
		                                "--skip-damaged");
	if (skip)
		opts.bad_item_limit = MBX_IMPORT_ANY_DAMAGE;
	if (optind >= argc)
		return cli_usage_error(argv[0], "name the .pst file, or the folder of .pst files, "
		                                "to import");
	/* Several files, a folder, or a map: one mailbox per file. */
	if (argc - optind > 1 || map || is_dir(argv[optind])) {
		if (opts.alias)
			return cli_usage_error(argv[0], "--mailbox names the mailbox of one file; several "
			                                "files get one each, named after the file or by "
			                                "--mailbox-map FILE.csv");
		if (opts.display_name)
			return cli_usage_error(argv[0], "--display-name is for one file; name the "
			                                "mailboxes of several with --mailbox-map FILE.csv");
		return import_many(o, &opts, argv + optind, argc - optind, map, threads,
		                   skip || limit_given);
	}
	if (threads)
		return cli_usage_error(argv[0], "--threads is for several files or a folder");
	if (!opts.alias || !*opts.alias)
		return cli_usage_error(argv[0], "name the target mailbox with --mailbox ALIAS (or "
		                                "give a folder, or several files: one mailbox each, "
		                                "named after the file)");
	opts.pst_path = argv[optind];

	progress_init(&bar, quiet);
	if (bar.on)
		rc = import_one_bar(&opts, &bar, &res);
	else
		rc = mbx_import_run(&opts, &res);
	progress_destroy(&bar);
	if (rc < 0 && res.limit_exceeded) {
		char *msg = clean(o, res.error ? res.error : mbx_error_last());

		print_damage(o, opts.pst_path, &res);
		cli_fail(EXIT_FINDINGS, "%s: nothing of the file was imported", msg);
		mbx_free(msg);
		mbx_import_result_clear(&res);
		return EXIT_FINDINGS;
	}
	if (rc < 0) {
		char *msg = clean(o, res.error ? res.error : mbx_error_last());
		cli_fail(EXIT_USAGE, "%s", msg);
		mbx_free(msg);
		mbx_import_result_clear(&res);
		return EXIT_USAGE;
	}
	if (res.n_damage)
		print_damage(o, opts.pst_path, &res);
	{
		char *file = clean(o, opts.pst_path), *alias = clean(o, res.alias);
		printf("%s -> %s%s: %lld folders (%lld new), %lld items imported, %lld skipped, "
		       "%lld replaced, %lld damaged; %lld attachments, %lld bytes in %.2f s\n",
		       file, alias, res.mailbox_created ? " (new store mailbox, no directory entry)" : "",
		       (long long)res.folders, (long long)res.folders_created, (long long)res.imported,
		       (long long)res.skipped, (long long)res.replaced,
		       (long long)(res.damaged + res.damaged_folders), (long long)res.attachments,
		       (long long)res.bytes, res.seconds);
		mbx_free(file);
		mbx_free(alias);
	}
	rc = (res.damaged || res.damaged_folders) && !skip && !limit_given ? EXIT_FINDINGS : EXIT_OK;
	mbx_import_result_clear(&res);
	return rc;
}

int cmd_import_directory(const tui_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		CMD_LDAP_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	cmd_ldap_args la;
	mbx_dir_report rep;
	mbx_store *st = NULL;
	char *file;
	size_t i;
	int ch, dry = 0, rc, status;

	memset(&la, 0, sizeof(la));
	mbx_ldap_opts_init(&la.o);
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (ch == 'n')
			dry = 1;
		else if ((rc = cmd_ldap_parse_opt(ch, optarg, &la)) < 0)
			return cli_usage_error(argv[0], "%s", mbx_error_last());
		else if (rc == 0)
			return cli_usage_error(argv[0], "unknown option '%s'", argv[optind - 1]);
	}
	if (optind != argc - 1)
		return cli_usage_error(argv[0], "name one .ldif or .csv file, or one ldap:// or "
		                                "ldaps:// server");
	if (cmd_ldap_is_uri(argv[optind])) {
		la.o.uri = argv[optind];
		return cmd_ldap_import(o, argv[0], &la, dry);
	}
	if (la.used)
		return cli_usage_error(argv[0], "%s is for a directory server (ldap://HOST), not a "
		                                "file", cmd_ldap_opt_name(la.used));
	if (mbx_store_open(&st, o->db_path, 0) < 0)
		return fail_last(o, EXIT_USAGE);
	rc = mbx_directory_import(st, argv[optind], dry, &rep);
	file = clean(o, argv[optind]);
	for (i = 0; i < rep.n_entries; i++) {
		const mbx_dir_entry_report *e = &rep.entries[i];
		char *alias = clean(o, e->alias ? e->alias : ""), *detail = clean(o, e->detail);
		printf("%s:%lld: %s%s%s%s%s\n", file, (long long)e->line, mbx_dir_action_name(e->action),
		       *alias ? " " : "", alias, *detail ? ": " : "", detail);
		mbx_free(alias);
		mbx_free(detail);
	}
	if (rc < 0) {
		status = fail_last(o, EXIT_USAGE);
	} else {
		printf("%s: %lld created, %lld updated, %lld skipped%s\n", file, (long long)rep.created,
		       (long long)rep.updated, (long long)rep.skipped,
		       dry ? " (dry run: nothing was changed)" : "");
		status = EXIT_OK;
	}
	mbx_free(file);
	mbx_dir_report_clear(&rep);
	mbx_store_free(st);
	return status;
}

/* Write text to path through a temporary file (0600) and a rename, so
 * that path is complete or untouched. */
static int write_file(const char *path, const char *text)
{
	char *tmp = mbx_asprintf("%s.tmp.XXXXXX", path);
	size_t len = strlen(text), off = 0;
	int fd = mkstemp(tmp), rc = 0;

	if (fd < 0) {
		rc = mbx_error_set(MBX_EIO, "%s: can not create: %s", path, strerror(errno));
		goto out;
	}
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = mbx_error_set(errno == ENOSPC ? MBX_ENOSPC : MBX_EIO, "%s: write failed: %s",
			                   path, strerror(errno));
			break;
		}
		off += (size_t)n;
	}
	if (rc == 0 && fsync(fd) < 0)
		rc = mbx_error_set(MBX_EIO, "%s: write failed: %s", path, strerror(errno));
	if (close(fd) < 0 && rc == 0)
		rc = mbx_error_set(MBX_EIO, "%s: write failed: %s", path, strerror(errno));
	if (rc == 0 && rename(tmp, path) < 0)
		rc = mbx_error_set(MBX_EIO, "%s: can not rename the new file into place: %s", path,
		                   strerror(errno));
	if (rc < 0)
		unlink(tmp);
out:
	mbx_free(tmp);
	return rc;
}

int cmd_export_directory(const tui_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "created-by-adjuster", no_argument, NULL, 'a' },
		{ "out", required_argument, NULL, 'o' },
		{ "ldap", required_argument, NULL, 'L' },
		CMD_LDAP_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	cmd_ldap_args la;
	const char *out_path = NULL, *base = NULL;
	mbx_store *st = NULL;
	char *text = NULL;
	size_t n = 0;
	int ch, rc, adjuster = 0, status = EXIT_OK;

	memset(&la, 0, sizeof(la));
	mbx_ldap_opts_init(&la.o);
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'a': adjuster = 1; break;
		case 'o': out_path = optarg; break;
		case 'L': la.o.uri = optarg; break;
		default:
			if ((rc = cmd_ldap_parse_opt(ch, optarg, &la)) < 0)
				return cli_usage_error(argv[0], "%s", mbx_error_last());
			if (rc == 0)
				return cli_usage_error(argv[0], "unknown option '%s'", argv[optind - 1]);
			if (ch == CMD_LDAP_BASE)
				base = optarg;
		}
	}
	if (optind != argc)
		return cli_usage_error(argv[0], "unexpected argument '%s'", argv[optind]);
	if (!adjuster)
		return cli_usage_error(argv[0], "say which entries: --created-by-adjuster");
	if (la.o.uri) {
		if (out_path)
			return cli_usage_error(argv[0], "give --out FILE or --ldap URI, not both");
		if (!cmd_ldap_is_uri(la.o.uri))
			return cli_usage_error(argv[0], "--ldap takes ldap://HOST[:PORT] or "
			                                "ldaps://HOST[:PORT], not '%s'", la.o.uri);
		return cmd_ldap_export(o, argv[0], &la);
	}
	if (la.used && la.used != CMD_LDAP_BASE)
		return cli_usage_error(argv[0], "%s is for a directory server (--ldap URI)",
		                       cmd_ldap_opt_name(la.used));
	if (mbx_store_open(&st, o->db_path, MBX_STORE_READONLY) < 0)
		return fail_last(o, EXIT_USAGE);
	if (mbx_directory_export(st, base, &text, &n) < 0) {
		status = fail_last(o, EXIT_USAGE);
	} else if (out_path) {
		if (write_file(out_path, text) < 0) {
			status = fail_last(o, EXIT_USAGE);
		} else {
			char *p = clean(o, out_path);
			printf("%zu entr%s written to %s\n", n, n == 1 ? "y" : "ies", p);
			mbx_free(p);
		}
	} else {
		fputs(text, stdout);
	}
	mbx_free(text);
	mbx_store_free(st);
	return status;
}
