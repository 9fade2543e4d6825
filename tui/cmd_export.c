/*
 * tui/cmd_export.c - `export`, `batch -F ExMerge.ini` and `verify`: the
 * batch front ends of the export module (mbx/export.h).
 */
#include "config.h"
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mbx/common.h"
#include "mbx/export.h"
#include "mbx/pstread.h"
#include "mbx/import.h"
#include "mbx/store.h"
#include "mbx/text.h"
#include "cli.h"
#include "cmds.h"

/* Log lines come from worker threads; the progress line from ours. */
typedef struct out_ctx {
	pthread_mutex_t lock;
	int tty;               /* stderr is a terminal: draw a progress line */
	int line_shown;        /* a progress line is on screen */
} out_ctx;

static void clear_line(out_ctx *c)
{
	if (c->line_shown) {
		fputs("\r\033[K", stderr);
		c->line_shown = 0;
	}
}

static void on_log(void *ud, int level, const char *line)
{
	out_ctx *c = ud;

	(void)level;
	pthread_mutex_lock(&c->lock);
	clear_line(c);
	printf("%s\n", line);   /* already sanitized by the log */
	fflush(stdout);
	pthread_mutex_unlock(&c->lock);
}

static void show_progress(out_ctx *c, mbx_export *ex)
{
	mbx_export_progress p;
	char done[16], total[16], rate[16], eta[32] = "";

	if (!c->tty)
		return;
	mbx_export_progress_get(ex, &p, NULL, 0, NULL);
	mbx_text_size(p.bytes_done, done, sizeof(done));
	mbx_text_size(p.bytes_total, total, sizeof(total));
	mbx_text_size((int64_t)p.bytes_per_sec, rate, sizeof(rate));
	if (p.eta_seconds >= 0)
		snprintf(eta, sizeof(eta), "  ETA %d:%02d", (int)p.eta_seconds / 60, (int)p.eta_seconds % 60);
	pthread_mutex_lock(&c->lock);
	fprintf(stderr, "\r\033[K%zu/%zu mailboxes  %.1f/s  %lld/%lld items  %s/%s  %s/s%s",
	        p.mailboxes_done, p.mailboxes_total, p.mailboxes_per_sec, (long long)p.items_done,
	        (long long)p.items_total, done, total, rate, eta);
	fflush(stderr);
	c->line_shown = 1;
	pthread_mutex_unlock(&c->lock);
}

/* Run an export to its end: progress on a terminal; Ctrl-C, SIGTERM or
 * SIGHUP (the SSH session dropping) cancels cleanly: the lookups and the
 * workers stop within half a second, no partial file is left, and
 * --resume finishes the run later. */
static int run_export(mbx_export_opts *eo, const char *const *aliases, size_t n, out_ctx *oc)
{
	sigset_t set, old;
	mbx_export *ex = NULL;
	const mbx_export_result *res;
	size_t nres, i;
	int rc, cancelled = 0;

	/* Block the signals before the workers start so that only this
	 * thread takes them (sigtimedwait below). */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	eo->log_cb = on_log;
	eo->log_ud = oc;
	rc = mbx_export_start(&ex, eo, aliases, n);
	if (rc < 0) {
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		return cli_fail(EXIT_USAGE, "%s", mbx_error_last());
	}
	for (unsigned tick = 0;; tick++) {
		mbx_export_progress p;
		/* Look often, so that the end of the run is seen at once; draw
		 * the progress line at most five times a second. */
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		int sig;

		mbx_export_progress_get(ex, &p, NULL, 0, NULL);
		if (p.finished)
			break;
		if (tick % 10 == 0)
			show_progress(oc, ex);
		sig = sigtimedwait(&set, NULL, &ts);
		if (sig > 0 && !cancelled) {
			cancelled = 1;
			mbx_export_cancel(ex);
			pthread_mutex_lock(&oc->lock);
			clear_line(oc);
			/* After a hang-up the terminal is gone: the log has it all. */
			if (sig != SIGHUP)
				fprintf(stderr, "mbxrescue export: %s: cancelling (no partial file is kept; "
				        "--resume finishes the run later)...\n", sig == SIGINT ? "interrupted" :
				        "terminated");
			else
				oc->tty = 0;
			pthread_mutex_unlock(&oc->lock);
		}
	}
	rc = mbx_export_wait(ex);
	pthread_mutex_lock(&oc->lock);
	clear_line(oc);
	pthread_mutex_unlock(&oc->lock);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (mbx_export_results(ex, &res, &nres) == 0)
		for (i = 0; i < nres; i++) {
			char *a, *e, *f;

			if (res[i].state != MBX_EXP_FAILED || !res[i].error)
				continue;
			a = mbx_text_clean(res[i].alias, -1, 0, NULL);
			e = mbx_text_clean(res[i].error, -1, 0, NULL);
			f = mbx_text_clean(res[i].fix, -1, 0, NULL);
			fprintf(stderr, "mbxrescue export: mailbox '%s': %s%s%s\n", a, e,
			        res[i].fix ? "; to fix: " : "", f);
			mbx_free(a);
			mbx_free(e);
			mbx_free(f);
		}
	mbx_export_free(ex);
	if (rc < 0)
		return cli_fail(EXIT_FINDINGS, "%s", mbx_error_last());
	return rc == 0 && !cancelled ? EXIT_OK : EXIT_FINDINGS;
}

static const char export_help[] =
	"Copy mailboxes to PST files (Exmerge step 1): DIR/ALIAS.PST each, verified\n"
	"by reading it back with libpst before it gets its final name.\n"
	"  --all | ALIAS... | --mailbox-list FILE   which mailboxes (FILE: one alias\n"
	"                         or legacy DN a line)\n"
	"  --out DIR              output directory (created 0700; files are 0600)\n"
	"  --from DATE --to DATE  date range (YYYY-MM-DD [HH:MM[:SS]] or MM/DD/YYYY, UTC)\n"
	"  --date-field received|sent   the date the range applies to (received)\n"
	"  --include-folder PATH  only this folder and its subfolders (repeatable);\n"
	"                         'PATH/' without subfolders; Inbox, Sent Items, ... match\n"
	"                         the well-known folder in any language\n"
	"  --exclude-folder PATH  skip this folder and its subfolders (repeatable)\n"
	"  --subject TEXT         only messages whose subject contains TEXT\n"
	"  --attachment GLOB      only messages with an attachment matching GLOB\n"
	"  --class PREFIX         only messages whose class starts with PREFIX\n"
	"  --no-associated        leave out associated (FAI) items\n"
	"  --threads N            worker threads (default: online CPUs)\n"
	"  --max-pst-size SIZE    split into ALIAS.PST, ALIAS-002.PST, ... (e.g. 2G)\n"
	"  --log-level 0-3        none, minimum (default), medium, maximum\n"
	"  --log FILE             log file (default DIR/mbxrescue.log)\n"
	"  --resume               skip mailboxes verified by an earlier run into DIR whose\n"
	"                         files are unchanged (size and SHA-256 checked)\n"
	"  --force-out-dir        use an existing DIR that other users may write to\n"
	"Only one export at a time writes into DIR (a lock in DIR/.mbxrescue.lock).\n"
	"Ctrl-C, SIGTERM and SIGHUP (an SSH session dropping) cancel cleanly: no partial\n"
	"file is left, and the same command with --resume finishes the run.  To keep an\n"
	"export running after logging out, start it with nohup (or in tmux or screen).\n"
	"Exit status: 0 all succeeded, 1 some failed or were cancelled, 2 usage or input\n"
	"error.\n";

/* "Inbox/" (trailing slash) = the folder only; otherwise with its subtree. */
static void add_sel(mbx_folder_sel **v, size_t *n, char *path)
{
	size_t len = strlen(path);
	int subtree = 1;

	if (len > 1 && (path[len - 1] == '/' || path[len - 1] == '\\')) {
		path[len - 1] = '\0';
		subtree = 0;
	}
	*v = mbx_reallocarray(*v, *n + 1, sizeof(**v));
	(*v)[*n].path = path;
	(*v)[*n].subtree = subtree;
	(*n)++;
}

static int parse_int_arg(const char *s, int lo, int hi, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

int cmd_export(const tui_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "mailbox-list", required_argument, NULL, 'L' },
		{ "out", required_argument, NULL, 'o' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "date-field", required_argument, NULL, 'd' },
		{ "include-folder", required_argument, NULL, 'i' },
		{ "exclude-folder", required_argument, NULL, 'x' },
		{ "subject", required_argument, NULL, 's' },
		{ "attachment", required_argument, NULL, 'A' },
		{ "class", required_argument, NULL, 'c' },
		{ "no-associated", no_argument, NULL, 'N' },
		{ "threads", required_argument, NULL, 'T' },
		{ "max-pst-size", required_argument, NULL, 'M' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "log", required_argument, NULL, 'g' },
		{ "resume", no_argument, NULL, 'r' },
		{ "force-out-dir", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	mbx_export_opts eo;
	mbx_folder_sel *inc = NULL, *exc = NULL;
	size_t n_inc = 0, n_exc = 0, n_names = 0;
	char **names = NULL;
	const char *list = NULL;
	int all = 0, c, status;
	out_ctx oc;

	mbx_export_opts_init(&eo);
	eo.db_path = o->db_path;
	optind = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': all = 1; break;
		case 'L': list = optarg; break;
		case 'o': eo.out_dir = optarg; break;
		case 'f':
			if (mbx_export_parse_date(optarg, 0, &eo.filter.from) < 0)
				goto usage_err;
			break;
		case 't':
			if (mbx_export_parse_date(optarg, 1, &eo.filter.to) < 0)
				goto usage_err;
			break;
		case 'd':
			if (strcmp(optarg, "received") == 0)
				eo.filter.date_field = MBX_DATE_RECEIVED;
			else if (strcmp(optarg, "sent") == 0)
				eo.filter.date_field = MBX_DATE_SENT;
			else {
				status = cli_usage_error("export", "--date-field '%s': use received or sent", optarg);
				goto out;
			}
			break;
		case 'i': add_sel(&inc, &n_inc, optarg); break;
		case 'x': add_sel(&exc, &n_exc, optarg); break;
		case 's': eo.filter.subject = optarg; break;
		case 'A': eo.filter.attachment_glob = optarg; break;
		case 'c': eo.filter.class_prefix = optarg; break;
		case 'N': eo.filter.no_associated = 1; break;
		case 'T':
			if (parse_int_arg(optarg, 1, 256, &eo.threads) < 0) {
				status = cli_usage_error("export", "--threads '%s': give a number from 1 to 256", optarg);
				goto out;
			}
			break;
		case 'M':
			if (mbx_export_parse_size(optarg, &eo.max_pst_size) < 0)
				goto usage_err;
			break;
		case 'l':
			if (parse_int_arg(optarg, 0, 3, &eo.log_level) < 0) {
				status = cli_usage_error("export", "--log-level '%s': use 0 (none) to 3 (maximum)", optarg);
				goto out;
			}
			break;
		case 'g': eo.log_path = optarg; break;
		case 'r': eo.resume = 1; break;
		case 'F': eo.force_out_dir = 1; break;
		case 'h':
			printf("usage: mbxrescue [--db PATH] export (--all | ALIAS... | --mailbox-list FILE) --out DIR "
			       "[OPTIONS]\n%s", export_help);
			status = EXIT_OK;
			goto out;
		default:
			status = cli_usage_error("export", NULL);
			goto out;
		}
	}
	if (!eo.out_dir) {
		status = cli_usage_error("export", "--out DIR is required (where the PST files go)");
		goto out;
	}
	if (all + (list != NULL) + (optind < argc) != 1) {
		status = cli_usage_error("export", "name the mailboxes: --all, ALIAS..., or --mailbox-list FILE "
		                         "(exactly one of them)");
		goto out;
	}
	if (list && mbx_export_read_mailbox_list(list, &names, &n_names) < 0) {
		status = cli_fail(EXIT_USAGE, "%s", mbx_error_last());
		goto out;
	}
	if (list && n_names == 0) {
		status = cli_fail(EXIT_USAGE, "mailbox list '%s' names no mailbox", list);
		goto out;
	}
	eo.filter.include = inc;
	eo.filter.n_include = n_inc;
	eo.filter.exclude = exc;
	eo.filter.n_exclude = n_exc;
	memset(&oc, 0, sizeof(oc));
	pthread_mutex_init(&oc.lock, NULL);
	oc.tty = isatty(STDERR_FILENO);
	if (list)
		status = run_export(&eo, (const char *const *)names, n_names, &oc);
	else if (all)
		status = run_export(&eo, NULL, 0, &oc);
	else
		status = run_export(&eo, (const char *const *)(argv + optind), (size_t)(argc - optind), &oc);
	pthread_mutex_destroy(&oc.lock);
	goto out;
usage_err:
	status = cli_usage_error("export", "%s", mbx_error_last());
out:
	mbx_free(inc);
	mbx_free(exc);
	mbx_export_list_free(names, n_names);
	return status;
}

/* ---- batch -F ExMerge.ini ------------------------------------------------ */

static void log_line(FILE *fp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void log_line(FILE *fp, const char *fmt, ...)
{
	char stamp[16], *text, *clean;
	time_t now = time(NULL);
	struct tm tm;
	va_list ap;

	va_start(ap, fmt);
	text = mbx_vasprintf(fmt, ap);
	va_end(ap);
	clean = mbx_text_clean(text, -1, 0, NULL);
	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "[%H:%M:%S]", &tm);
	fprintf(fp, "%s %s\n", stamp, clean);
	mbx_free(clean);
	mbx_free(text);
}

/* Exmerge step 2: DIR/ALIAS.PST into each mailbox (list, else all). */
static int batch_import(const tui_opts *o, const mbx_exmerge_ini *ini)
{
	static const mbx_import_mode modes[] = { MBX_IMPORT_COPY, MBX_IMPORT_MERGE, MBX_IMPORT_REPLACE };
	mbx_store *st = NULL;
	mbx_mailbox *mbs = NULL;
	mbx_server_info si;
	size_t nmb = 0, i, ok = 0, errors = 0;
	int rc;

	memset(&si, 0, sizeof(si));
	if (mbx_store_open(&st, o->db_path, 0) < 0)
		return cli_fail(EXIT_USAGE, "%s", mbx_error_last());
	if (mbx_store_server_get(st, &si) < 0) {
		rc = cli_fail(EXIT_USAGE, "%s", mbx_error_last());
		goto out;
	}
	if (ini->n_mailboxes) {
		mbs = mbx_calloc(ini->n_mailboxes, sizeof(*mbs));
		for (i = 0; i < ini->n_mailboxes; i++, nmb++)
			if (mbx_store_mailbox_by_alias(st, ini->mailboxes[i], &mbs[i]) < 0) {
				rc = cli_fail(EXIT_USAGE, "no mailbox '%s' in store '%s' (FileContainingListOfMailboxes)",
				              ini->mailboxes[i], o->db_path);
				goto out;
			}
	} else if (mbx_store_mailboxes(st, &mbs, &nmb) < 0) {
		rc = cli_fail(EXIT_USAGE, "%s", mbx_error_last());
		goto out;
	}
	mbx_store_free(st);
	st = NULL;
	for (i = 0; i < nmb; i++) {
		char *name = mbx_export_file_name(mbs[i].alias, 1);
		char *path = mbx_asprintf("%s/%s", ini->data_dir, name);
		mbx_import_opts io;
		mbx_import_result r;

		log_line(stdout, "Merging data from file '%s' to mailbox '%s' ('%s') on server '%s'.", path,
		         mbs[i].display_name, mbs[i].alias, si.server ? si.server : "");
		if (access(path, R_OK) < 0) {
			log_line(stdout, "Error. File '%s' not found. Cannot merge data into mailbox for user '%s' ('%s').",
			         path, mbs[i].display_name, mbs[i].alias);
			errors++;
		} else {
			mbx_import_opts_init(&io);
			io.db_path = o->db_path;
			io.pst_path = path;
			io.alias = mbs[i].alias;
			io.mode = modes[ini->data_import_method >= 0 ? ini->data_import_method : 1];
			io.log_path = ini->log_file;
			io.log_level = ini->log_level >= 0 ? ini->log_level : 1;
			memset(&r, 0, sizeof(r));
			if (mbx_import_run(&io, &r) == 0) {
				log_line(stdout, "Successfully completed merging data from file '%s' to mailbox '%s' "
				         "(%lld items added, %lld already there)", path, mbs[i].display_name,
				         (long long)r.imported, (long long)r.skipped);
				ok++;
			} else {
				log_line(stdout, "Error merging data from file '%s': %s", path,
				         r.error ? r.error : mbx_error_last());
				errors++;
			}
			mbx_import_result_clear(&r);
		}
		mbx_free(path);
		mbx_free(name);
	}
	log_line(stdout, "%zu mailboxes successfully processed. %zu errors encountered", ok, errors);
	rc = errors ? EXIT_FINDINGS : EXIT_OK;
out:
	mbx_store_free(st);
	mbx_mailboxes_free(mbs, nmb);
	mbx_server_info_clear(&si);
	return rc;
}

int cmd_batch(const tui_opts *o, int argc, char **argv)
{
	const char *file = NULL;
	mbx_exmerge_ini *ini = NULL;
	mbx_export_opts eo;
	out_ctx oc;
	size_t i;
	int c, status = EXIT_OK;

	optind = 0;
	/* -B and -D are Exmerge's batch and no-dialog switches: implied here. */
	while ((c = getopt(argc, argv, "+F:f:BbDdh")) != -1) {
		switch (c) {
		case 'F': case 'f': file = optarg; break;
		case 'B': case 'b': case 'D': case 'd': break;
		case 'h':
			printf("usage: mbxrescue [--db PATH] batch -F ExMerge.ini\n"
			       "Runs Exmerge's batch mode from its ini file.  [EXMERGE] keys used:\n"
			       "  MergeAction (0 export, 1 import, 2 both), DataDirectoryName, LogFileName,\n"
			       "  LoggingLevel, SelectMessageStartDate, SelectMessageEndDate, DateField\n"
			       "  (received|sent), FileContainingListOfMailboxes, FoldersProcessed (0 all,\n"
			       "  1 only the listed folders, 2 all but them), FileContainingListOfFolders,\n"
			       "  ApplyFolderFilterToSubFolders, MessageSubject,\n"
			       "  FileContainingListOfMessageSubjects, AttachmentName,\n"
			       "  FileContainingListOfAttachmentNames, CopyAssociatedFolderData,\n"
			       "  DataImportMethod (0 copy, 1 merge, 2 replace).\n"
			       "  [Folders] Folder=PATH lines list folders too.  Other keys are named and ignored.\n");
			return EXIT_OK;
		default:
			return cli_usage_error("batch", NULL);
		}
	}
	if (!file || optind < argc)
		return cli_usage_error("batch", "give the ini file with -F ExMerge.ini");
	if (mbx_exmerge_ini_read(file, &ini) < 0)
		return cli_fail(EXIT_USAGE, "%s", mbx_error_last());
	if (ini->n_ignored) {
		fprintf(stderr, "mbxrescue batch: ignoring keys that do not apply here:");
		for (i = 0; i < ini->n_ignored; i++) {
			char *k = mbx_text_clean(ini->ignored[i], -1, 0, NULL);

			fprintf(stderr, "%s %s", i ? "," : "", k);
			mbx_free(k);
		}
		fputc('\n', stderr);
	}
	if (ini->merge_action != MBX_MERGE_IMPORT) {
		mbx_export_opts_init(&eo);
		eo.db_path = o->db_path;
		mbx_exmerge_ini_apply(ini, &eo);
		memset(&oc, 0, sizeof(oc));
		pthread_mutex_init(&oc.lock, NULL);
		oc.tty = isatty(STDERR_FILENO);
		status = run_export(&eo, (const char *const *)ini->mailboxes, ini->n_mailboxes, &oc);
		pthread_mutex_destroy(&oc.lock);
	}
	if (status == EXIT_OK && ini->merge_action != MBX_MERGE_EXPORT)
		status = batch_import(o, ini);
	mbx_exmerge_ini_free(ini);
	return status;
}

/* ---- verify ------------------------------------------------------------- */

typedef struct verify_ctx {
	char **files;
	int status;
} verify_ctx;

static int verify_one(void *ud, size_t i, int rc, const char *desc_in)
{
	verify_ctx *v = ud;
	char *desc, *line, *save = NULL, *clean;
	long long folders = 0, msgs = 0, atts = 0, bytes = 0;

	if (rc < 0) {
		/* Bad input, as pst-check and import-pst say it: 2; the other
		 * files are still read. */
		v->status = cli_fail(EXIT_USAGE, "%s", mbx_error_last());
		return 0;
	}
	clean = mbx_text_clean(v->files[i], -1, 0, NULL);
	printf("%s:\n%-50s %8s %11s %12s\n", clean, "FOLDER", "MESSAGES", "ATTACHMENTS", "BYTES");
	mbx_free(clean);
	desc = mbx_strdup(desc_in);
	for (line = strtok_r(desc, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f2 = strchr(line, '\t');
		long long m = 0, a = 0, b = 0;

		if (!f2)
			continue;
		*f2++ = '\0';
		sscanf(f2, "%lld\t%lld\t%lld", &m, &a, &b);
		clean = mbx_text_clean(line, -1, 0, NULL);
		printf("%-50s %8lld %11lld %12lld\n", clean, m, a, b);
		mbx_free(clean);
		folders++;
		msgs += m;
		atts += a;
		bytes += b;
	}
	printf("%lld folders, %lld messages, %lld attachments (%lld bytes): readable by libpst\n",
	       folders, msgs, atts, bytes);
	mbx_free(desc);
	return 0;
}

int cmd_verify(const tui_opts *o, int argc, char **argv)
{
	verify_ctx v;

	(void)o;
	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		printf("usage: mbxrescue verify FILE.pst...\n"
		       "Reads each PST with libpst and prints its folders with message and attachment\n"
		       "counts.  Exit status 0 when every file is readable, 2 when one is missing or\n"
		       "not a readable PST (as pst-check and import-pst).\n");
		return EXIT_OK;
	}
	if (argc < 2)
		return cli_usage_error("verify", "give the PST file to read");
	v.files = argv + 1;
	v.status = EXIT_OK;
	mbx_pst_describe_each((const char *const *)argv + 1, (size_t)argc - 1, verify_one, &v);
	return v.status;
}
