/*
 * tui/cli.c - the batch command line: global options, the command table
 * (tmux-style: name, usage, summary, handler), help and version, and the
 * resolution of the store file (--db or the embedded demo copy).
 */
#include "config.h"
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mbx/common.h"
#include "mbx/demo.h"
#include "mbx/store.h"
#include "mbx/text.h"
#include "cli.h"
#include "cmds.h"

static const cmd_entry commands[] = {
	/* commands: one line each (name, usage, summary, handler, needs_db, describe) */
	{ "init", "--organization ORG --site SITE --server NAME [--smtp-policy POLICY]", "create a new, empty recovery server in the --db file (which must not exist yet)", cmd_init, 0, NULL },
	{ "check", "[--json]", "find directory/store inconsistencies (exit 1 when there are any)", cmd_check, CMD_DB_READ, NULL },
	{ "adjust", NULL, NULL, cmd_adjust, 1, cmd_adjust_describe },
	{ "fix-recipient", "ALIAS --account DOMAIN\\USER [--unhide]", "assign a recreated recipient's primary account and unhide it (KB Q197970)", cmd_fix_recipient, 1, NULL },
	{ "pst-check", "[-q] [--strict] FILE.pst...", "check a Unicode PST file strictly against [MS-PST]", cmd_pst_check, 0, NULL },
	{ "pst-dump", "FILE.pst [--values]", "every property of every object of a PST or OST file, one line each (tests/PROPDUMP.md); exit 1 when items are damaged", cmd_pst_dump, 0, NULL },
	{ "export", "(--all | ALIAS... | --mailbox-list FILE) --out DIR [--from DATE] [--to DATE] [--date-field received|sent] [--include-folder PATH]... [--exclude-folder PATH]... [--subject TEXT] [--attachment GLOB] [--class PREFIX] [--no-associated] [--threads N] [--max-pst-size SIZE] [--log-level 0-3] [--resume] [--force-out-dir]", "copy mailboxes to verified PST files (Exmerge step 1)", cmd_export, 1, NULL },
	{ "batch", "-F ExMerge.ini", "run Exmerge's batch mode from its ini file", cmd_batch, 1, NULL },
	{ "verify", "FILE.pst...", "read a PST with libpst: folders with message and attachment counts", cmd_verify, 0, NULL },
	{ "import-pst", "FILE.pst --mailbox ALIAS [--create] [--display-name NAME] [--mode copy|merge|replace] [--folder PATH] [--log FILE] [--log-level 0-3] [--timeout SECONDS]  |  (DIR | FILE.pst)... [--mailbox-map FILE.csv] [--threads N] [...]", "copy a PST into a store mailbox with libpst (Exmerge step 2); or a folder of .pst/.ost files (not its subfolders), one mailbox per file named after it, several at a time; all or nothing per file", cmd_import_pst, 1, NULL },
	{ "import-directory", "FILE.ldif|FILE.csv|ldap[s]://HOST[:PORT] [--dry-run] [--base DN] [--filter FILTER] [--bind-dn DN] [--password-file FILE] [--starttls] [--ca-file FILE] [--timeout SECONDS]", "create or update recipients from ldifde/slapcat LDIF, csvde CSV or a directory server (paged search; password from --password-file, MBX_LDAP_PASSWORD or a prompt); all or nothing", cmd_import_directory, 1, NULL },
	{ "export-directory", "--created-by-adjuster [--out FILE | --ldap URI] [--base DN] [--bind-dn DN] [--password-file FILE] [--starttls] [--ca-file FILE] [--timeout SECONDS]", "write the recipients the adjuster created as LDIF for ldapadd or ldifde -i, or add them to a directory server (entries already there are reported, not changed)", cmd_export_directory, CMD_DB_READ, NULL },
	{ "search", "QUERY [--mailbox ALIAS]... [--limit N] [--offset N] [--count] [--json]", "find messages in every mailbox: words, \"phrases\", from: to: subject: body: attachment: folder: mailbox: has:attachment before: after: class:, OR, -word (search --help)", cmd_search, CMD_DB_READ, NULL },
	{ "show", "ID [--headers]", "a message as text: headers, recipients, attachments, body", cmd_show, CMD_DB_READ, NULL },
	{ "export-items", "(ID... | --search QUERY [--mailbox ALIAS]...) --out FILE.pst [--log FILE] [--log-level 0-3]", "exactly these messages into one verified PST, under MAILBOX/FOLDER folders, with an Exmerge-format log", cmd_export_items, CMD_DB_READ, NULL },
	{ "delete-items", "(ID... | --search QUERY [--mailbox ALIAS]...) [--dry-run] | --undo [RUN] | --purge [RUN] | --list", "remove messages from every mailbox (a virus, a mis-sent mail): listed first, audited, undone with --undo until --purge", cmd_delete_items, 1, NULL },
	{ "reindex", "", "build the search index afresh (a store upgraded from an older version needs it once)", cmd_reindex, 1, NULL },
	{ NULL, NULL, NULL, NULL, 0, NULL }
};

static const char global_usage[] =
	"usage: mbxrescue [--db PATH] [--wait SECONDS] [--reset-demo] [--ascii] [--no-color] [COMMAND [ARGS]]\n"
	"       mbxrescue --help | --version\n";

static const cmd_entry *cmd_find(const char *name)
{
	const cmd_entry *c;

	for (c = commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

/* Messages carry outside strings (file names, aliases, arguments): one
 * sanitized line. */
static void put_clean(FILE *fp, const char *fmt, va_list ap)
{
	char *raw = mbx_vasprintf(fmt, ap), *c = mbx_text_clean(raw, -1, 0, NULL);

	fprintf(fp, "%s\n", c);
	mbx_free(c);
	mbx_free(raw);
}

/* A command's usage and summary: its own, or from its describe(). */
static const char *cmd_usage(const cmd_entry *c)
{
	const char *usage = c->usage, *summary;

	if (c->describe)
		c->describe(&usage, &summary);
	return usage;
}

static const char *cmd_summary(const cmd_entry *c)
{
	const char *usage, *summary = c->summary;

	if (c->describe)
		c->describe(&usage, &summary);
	return summary;
}

static void print_cmd_usage(FILE *fp, const cmd_entry *c)
{
	const char *usage = cmd_usage(c);

	fprintf(fp, "usage: mbxrescue [--db PATH] %s%s%s\n", c->name,
	        usage && *usage ? " " : "", usage ? usage : "");
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	const cmd_entry *c = cmd ? cmd_find(cmd) : NULL;
	va_list ap;

	if (fmt) {
		fprintf(stderr, "mbxrescue%s%s: ", cmd ? " " : "", cmd ? cmd : "");
		va_start(ap, fmt);
		put_clean(stderr, fmt, ap);
		va_end(ap);
	}
	if (c)
		print_cmd_usage(stderr, c);
	else
		fputs(global_usage, stderr);
	return EXIT_USAGE;
}

int cli_fail(int status, const char *fmt, ...)
{
	va_list ap;

	fputs("mbxrescue: ", stderr);
	va_start(ap, fmt);
	put_clean(stderr, fmt, ap);
	va_end(ap);
	return status;
}

static void print_help(void)
{
	const cmd_entry *c;

	printf("mbxrescue %s - recover Exchange mailboxes from a restored information store\n\n",
	       mbx_version());
	fputs(global_usage, stdout);
	fputs("\nWith no COMMAND on a terminal, mbxrescue opens the console.\n\n"
	      "Global options:\n"
	      "  --db PATH      the recovery server store (an SQLite file); without it, a\n"
	      "                 writable copy of the bundled demo server is used:\n"
	      "                 $XDG_DATA_HOME/mbxrescue/demo.db (~/.local/share/mbxrescue/demo.db)\n"
	      "  --wait SECONDS how long to wait for another program writing the store before\n"
	      "                 giving up with \"store ... is busy: PROGRAM (PID N) is writing\n"
	      "                 it\" (default 10)\n"
	      "  --reset-demo   recreate the demo server (at PATH with --db; only a file that\n"
	      "                 is a demo server is ever replaced)\n"
	      "  --ascii        draw and print with ASCII characters only\n"
	      "  --no-color     no colours (also when NO_COLOR is set and not empty)\n"
	      "  --help         this text;  mbxrescue COMMAND --help: one command's usage\n"
	      "  --version      the program version\n\n"
	      "Commands:\n", stdout);
	for (c = commands; c->name; c++) {
		const char *usage = cmd_usage(c), *summary = cmd_summary(c);

		printf("  %s%s%s\n", c->name, usage && *usage ? " " : "", usage ? usage : "");
		printf("      %s\n", summary ? summary : "");
	}
	fputs("\n'check' exits 1 only for the four directory/store inconsistencies (orphaned\n"
	      "mailboxes, missing mailboxes, public folders on unknown servers, unknown\n"
	      "permission accounts).  Recipients the adjuster recreated that are still hidden\n"
	      "or have no primary account (KB Q197970) are reported as warnings until\n"
	      "'fix-recipient' is run; they do not change the exit status.\n\n"
	      "'export' runs until it is done or cancelled: Ctrl-C, SIGTERM and SIGHUP (an SSH\n"
	      "session dropping) stop it cleanly, and 'export ... --resume' finishes it later;\n"
	      "start it with nohup (or in tmux or screen) to keep it running after logging out.\n\n"
	      "Exit status:\n"
	      "  0  success; 'check': the server is consistent\n"
	      "  1  findings ('check'), or some items failed (partial success)\n"
	      "  2  usage error, or bad input (missing, unreadable, read-only, corrupt or\n"
	      "     newer-schema store file, bad argument); nothing was changed\n", stdout);
}

/* mkdir -p with mode 0700 for the directories it creates. */
static int mkdir_p(const char *dir)
{
	char *p = mbx_strdup(dir), *s;
	int rc = 0;

	for (s = p + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;

			*s = '\0';
			if (mkdir(p, 0700) != 0 && errno != EEXIST) {
				rc = mbx_error_set(MBX_EIO, "can not create directory %s: %s; "
				                   "set XDG_DATA_HOME or use --db PATH", p, strerror(errno));
				break;
			}
			*s = c;
			if (c == '\0')
				break;
		}
	}
	mbx_free(p);
	return rc;
}

/* $XDG_DATA_HOME/mbxrescue/demo.db, creating the directories (0700). */
static int demo_path(char **out)
{
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	char *base, *dir;
	int rc;

	*out = NULL;
	if (xdg && xdg[0] == '/') {
		base = mbx_strdup(xdg);
	} else {
		if (!home || !*home) {
			struct passwd *pw = getpwuid(getuid());

			home = pw ? pw->pw_dir : NULL;
		}
		if (!home || !*home)
			return mbx_error_set(MBX_EINVAL, "no home directory to keep the demo server in; "
			                     "set HOME or XDG_DATA_HOME, or use --db PATH");
		base = mbx_asprintf("%s/.local/share", home);
	}
	dir = mbx_asprintf("%s/mbxrescue", base);
	rc = mkdir_p(dir);
	if (rc == 0)
		*out = mbx_asprintf("%s/demo.db", dir);
	mbx_free(dir);
	mbx_free(base);
	return rc;
}

/* Recreate the demo server at path; refuse to replace anything that is not
 * already a demo server, because --reset-demo next to a real --db is an
 * easy slip. */
static int reset_demo(const char *path)
{
	struct stat sb;
	int is;

	if (stat(path, &sb) == 0) {
		is = mbx_demo_is_demo(path);
		if (is < 0)
			return cli_fail(EXIT_USAGE, "%s; --reset-demo only replaces a demo server",
			                mbx_error_last());
		if (is == 0)
			return cli_fail(EXIT_USAGE, "%s is not a demo server; --reset-demo only replaces "
			                "a demo server (choose another --db PATH)", path);
	}
	if (mbx_demo_create(path) < 0)
		return cli_fail(EXIT_USAGE, "%s", mbx_error_last());
	return EXIT_OK;
}

/* Fill o->db_path; create the demo copy on first use. */
static int resolve_db(tui_opts *o, const char *db, int reset, char **owned)
{
	struct stat sb;
	int rc;

	*owned = NULL;
	if (db) {
		o->db_path = db;
		o->db_is_demo = 0;
	} else {
		if (demo_path(owned) < 0)
			return cli_fail(EXIT_USAGE, "%s", mbx_error_last());
		o->db_path = *owned;
		o->db_is_demo = 1;
	}
	if (reset)
		return reset_demo(o->db_path);
	if (o->db_is_demo && stat(o->db_path, &sb) != 0) {
		rc = mbx_demo_create(o->db_path);
		if (rc < 0)
			return cli_fail(EXIT_USAGE, "%s", mbx_error_last());
	}
	return EXIT_OK;
}

/* Open and close the store once so that a bad file gets its one clear
 * error line (and exit 2) before any command starts.  A command that only
 * reads works on a store it can not write; one it can write is still
 * brought to the current schema. */
static int validate_db(const tui_opts *o, int needs)
{
	mbx_store *st = NULL;
	struct stat sb;
	unsigned flags = 0;

	if (!o->db_is_demo && stat(o->db_path, &sb) != 0 && errno == ENOENT)
		return cli_fail(EXIT_USAGE, "store file %s does not exist; check the path, or create "
		                "a new recovery server there: mbxrescue --db %s init --organization "
		                "ORG --site SITE --server NAME", o->db_path, o->db_path);
	if (needs == CMD_DB_READ && access(o->db_path, W_OK) != 0)
		flags = MBX_STORE_READONLY;
	if (mbx_store_open(&st, o->db_path, flags) < 0 &&
	    (needs != CMD_DB_READ || flags || mbx_store_open(&st, o->db_path, MBX_STORE_READONLY) < 0))
		return cli_fail(EXIT_USAGE, "%s", mbx_error_last());
	mbx_store_free(st);
	return EXIT_OK;
}

/* --wait SECONDS */
static int parse_wait(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < 0 || v > 86400)
		return -1;
	mbx_store_set_busy_timeout((int)v * 1000);
	return 0;
}

static int wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return 0;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return 1;
	}
	return 0;
}

int cli_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "wait", required_argument, NULL, 'w' },
		{ "reset-demo", no_argument, NULL, 'r' },
		{ "ascii", no_argument, NULL, 'a' },
		{ "no-color", no_argument, NULL, 'n' },
		{ "no-colour", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	tui_opts o;
	const cmd_entry *c;
	struct stat sb;
	const char *db = NULL, *nc = getenv("NO_COLOR");
	char *owned = NULL;
	int ch, reset = 0, status;

	memset(&o, 0, sizeof(o));
	o.no_color = nc && *nc;
	/* A file size limit (ulimit -f) must be an error we report like a full
	 * disk (EFBIG), not a signal that kills us mid-file; a closed pipe or
	 * a hung-up session likewise an error, not death. */
	signal(SIGXFSZ, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	opterr = 0;
	/* '+': stop at the command name; the command parses the rest. */
	while ((ch = getopt_long(argc, argv, "+hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			if (!*optarg)
				return cli_usage_error(NULL, "--db needs a file name");
			db = optarg;
			break;
		case 'w':
			if (parse_wait(optarg) < 0)
				return cli_usage_error(NULL, "--wait '%s': give the seconds to wait for a busy "
				                       "store (0 to 86400)", optarg);
			break;
		case 'r': reset = 1; break;
		case 'a': o.ascii = 1; break;
		case 'n': o.no_color = 1; break;
		case 'h': print_help(); return EXIT_OK;
		case 'V': printf("mbxrescue %s\n", mbx_version()); return EXIT_OK;
		default:
			if (optopt == 'd')
				return cli_usage_error(NULL, "--db needs a file name");
			return cli_usage_error(NULL, "unknown option '%s'", argv[optind - 1]);
		}
	}
	argc -= optind;
	argv += optind;

	if (argc == 0) {
		int tty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);

		status = resolve_db(&o, db, reset, &owned);
		if (status != EXIT_OK)
			goto out;
		if (reset && !tty) {
			char *shown = mbx_text_clean(o.db_path, -1, o.ascii ? MBX_TEXT_ASCII : 0, NULL);

			printf("Recreated the demo server at %s\n", shown);
			mbx_free(shown);
			goto out;
		}
		if (!tty) {
			status = cli_fail(EXIT_USAGE, "the console needs a terminal; "
			                  "see 'mbxrescue --help' for the batch commands");
			goto out;
		}
		/* A store that does not exist yet: the console offers to create it. */
		status = !o.db_is_demo && stat(o.db_path, &sb) != 0 && errno == ENOENT ? EXIT_OK :
		         validate_db(&o, 1);
		if (status == EXIT_OK)
			status = console_main(&o);
		goto out;
	}

	c = cmd_find(argv[0]);
	if (!c)
		return cli_usage_error(NULL, "unknown command '%s' (see 'mbxrescue --help')", argv[0]);
	if (wants_help(argc, argv)) {
		print_cmd_usage(stdout, c);
		printf("%s\n", cmd_summary(c) ? cmd_summary(c) : "");
		return EXIT_OK;
	}
	if (c->needs_db || reset) {
		status = resolve_db(&o, db, reset, &owned);
		if (status == EXIT_OK && c->needs_db)
			status = validate_db(&o, c->needs_db);
		if (status != EXIT_OK)
			goto out;
	} else {
		o.db_path = db;
	}
	optind = 0;   /* glibc: the handler's getopt starts afresh */
	status = c->fn(&o, argc, argv);
out:
	mbx_free(owned);
	return status;
}
