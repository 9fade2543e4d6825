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
#include <time.h>
#include <unistd.h>
#include <jansson.h>

#include "mbx/common.h"
#include "mbx/demo.h"
#include "mbx/store.h"
#include "mbx/text.h"
#include "cli.h"
#include "cmds.h"

/* ---- What each command takes: its --help, the man page's check, did-you-mean */

#define LDAP_OPTS \
	{ "--base", "DN", "the search base (import) or the DN under which entries are added " \
	  "(export), e.g. CN=Users,DC=contoso,DC=com" }, \
	{ "--bind-dn", "DN", "bind as DN (without it: an anonymous bind)" }, \
	{ "--password-file", "FILE", "the bind password, read from FILE, which only its owner " \
	  "may read (0600); without it MBX_LDAP_PASSWORD, else a prompt at a terminal" }, \
	{ "--starttls", NULL, "upgrade an ldap:// connection with StartTLS (refused if the " \
	  "server can not)" }, \
	{ "--ca-file", "FILE", "trust the certificate authorities in FILE (PEM) for ldaps:// " \
	  "and --starttls" }, \
	{ "--timeout", "SECONDS", "give up on a directory server that does not answer within " \
	  "SECONDS" }

static const cmd_opt init_opts[] = {
	{ "--organization", "ORG", "the Exchange organization (as in the legacy DNs: /o=ORG)" },
	{ "--site", "SITE", "the site of the recovery server (/ou=SITE)" },
	{ "--server", "NAME", "the recovery server's computer name" },
	{ "--smtp-policy", "POLICY", "the site's SMTP address policy for recreated recipients: %a "
	  "alias, %g given name, %s surname (default %a@SITE.ORGANIZATION.com, lower case)" },
	{ NULL, NULL, NULL }
};

static const cmd_opt check_opts[] = {
	{ "--json", NULL, "print the findings as one JSON object (each finding with its kind, "
	  "object, alias, reason and date)" },
	{ NULL, NULL, NULL }
};

static const cmd_opt fix_recipient_opts[] = {
	{ "ALIAS", NULL, "the recipient (a mailbox the adjuster recreated, or any mailbox entry)" },
	{ "--account", "DOMAIN\\USER", "its primary Windows NT account" },
	{ "--unhide", NULL, "show it in the address book" },
	{ NULL, NULL, NULL }
};

static const cmd_opt audit_opts[] = {
	{ "RUN", NULL, "one adjuster run only (its number, as the list shows it)" },
	{ "--json", NULL, "print the runs as one JSON object" },
	{ NULL, NULL, NULL }
};

static const cmd_opt list_opts[] = {
	{ "mailboxes", NULL, "the store's mailboxes (Mailbox Resources; the default)" },
	{ "recipients", NULL, "the directory's recipients" },
	{ "--orphans", NULL, "mailboxes: only those with no directory entry (KB Q265438); "
	  "recipients: only directory mailboxes homed here that have no store mailbox" },
	{ "--json", NULL, "print the list as a JSON array" },
	{ NULL, NULL, NULL }
};

static const cmd_opt pst_check_opts[] = {
	{ "FILE.pst...", NULL, "the files to check" },
	{ "-q, --quiet", NULL, "print only the files with problems and their problems" },
	{ "--strict", NULL, "report what Outlook tolerates but [MS-PST] forbids as problems too" },
	{ NULL, NULL, NULL }
};

static const cmd_opt pst_dump_opts[] = {
	{ "FILE.pst", NULL, "the PST or OST file (ANSI, Unicode or 4 KiB pages)" },
	{ "--values", NULL, "print every property's value, not only its tag and type" },
	{ "--regenerated", NULL, "instead of a file: the properties the writer regenerates rather "
	  "than copies (kind, key, type, rule, name, what the new file holds)" },
	{ NULL, NULL, NULL }
};

static const cmd_opt export_opts[] = {
	{ "ALIAS...", NULL, "the mailboxes to copy, by alias (or legacy DN)" },
	{ "--all", NULL, "every mailbox of the store" },
	{ "--mailbox-list", "FILE", "the mailboxes named in FILE, one alias or legacy DN a line" },
	{ "--out", "DIR", "the output directory: DIR/ALIAS.PST each (created 0700; files 0600)" },
	{ "--from", "DATE", "only messages from DATE on (YYYY-MM-DD [HH:MM[:SS]] or MM/DD/YYYY, "
	  "UTC)" },
	{ "--to", "DATE", "only messages up to DATE" },
	{ "--date-field", "received|sent", "the date --from and --to apply to (default received)" },
	{ "--include-folder", "PATH", "only this folder and its subfolders (repeatable); PATH/ "
	  "without subfolders; Inbox, Sent Items, ... match the well-known folder in any language" },
	{ "--exclude-folder", "PATH", "leave out this folder and its subfolders (repeatable)" },
	{ "--subject", "TEXT", "only messages whose subject contains TEXT" },
	{ "--attachment", "GLOB", "only messages with an attachment whose name matches GLOB" },
	{ "--class", "PREFIX", "only messages whose class starts with PREFIX (IPM.Note, ...)" },
	{ "--no-associated", NULL, "leave out associated (FAI) items" },
	{ "--threads", "N", "worker threads, 1 to 256 (default: the online CPUs)" },
	{ "--max-pst-size", "SIZE", "split into ALIAS.PST, ALIAS-002.PST, ... at SIZE (e.g. 2G)" },
	{ "--log-level", "0-3", "none, minimum (default), medium, maximum" },
	{ "--log", "FILE", "the log file (default DIR/mbxrescue.log)" },
	{ "--resume", NULL, "skip the mailboxes an earlier run into DIR verified whose files are "
	  "unchanged (size and SHA-256 checked); export the others" },
	{ "--force-out-dir", NULL, "use an existing DIR that other users may write to" },
	{ "-q, --quiet", NULL, "no progress bar on the terminal" },
	{ NULL, NULL, NULL }
};

static const cmd_opt batch_opts[] = {
	{ "-F", "ExMerge.ini", "Exmerge's configuration file ([EXMERGE] keys MergeAction, "
	  "DataDirectoryName, LogFileName, LoggingLevel, the date, folder, subject and attachment "
	  "filters, FileContainingListOfMailboxes, DataImportMethod; [Folders] lines); -B and -D, "
	  "Exmerge's batch and no-dialog switches, are implied" },
	{ NULL, NULL, NULL }
};

static const cmd_opt verify_opts[] = {
	{ "FILE.pst...", NULL, "the files to read" },
	{ NULL, NULL, NULL }
};

static const cmd_opt import_pst_opts[] = {
	{ "FILE.pst", NULL, "one file into the mailbox --mailbox names" },
	{ "DIR", NULL, "a folder of .pst and .ost files (not its subfolders): one mailbox per "
	  "file, named after it; several files likewise" },
	{ "--mailbox", "ALIAS", "the target mailbox of one file" },
	{ "--create", NULL, "create the mailbox when the store has none of that alias" },
	{ "--display-name", "NAME", "the display name of a mailbox --create makes" },
	{ "--mode", "copy|merge|replace", "copy: add every item; merge: skip items already "
	  "there; replace: overwrite them (default copy)" },
	{ "--folder", "PATH", "import into this folder of the mailbox instead of its top" },
	{ "--log", "FILE", "write the Exmerge-format log to FILE too" },
	{ "--log-level", "0-3", "none, minimum (default), medium, maximum" },
	{ "--timeout", "SECONDS", "give up on a file the reader has not read within SECONDS" },
	{ "--bad-item-limit", "N|unlimited", "more than N damaged items or folders and nothing of "
	  "the file is kept (damaged items are never imported; over 50 needs "
	  "--accept-large-data-loss, as Exchange's -BadItemLimit)" },
	{ "--accept-large-data-loss", NULL, "allow a --bad-item-limit over 50 or unlimited" },
	{ "--skip-damaged", NULL, "leave damaged items out, list them and exit 0" },
	{ "--mailbox-map", "FILE.csv", "name the mailboxes of several files: file,alias,display "
	  "name lines" },
	{ "--threads", "N", "files imported at a time, 1 to 64" },
	{ "-q, --quiet", NULL, "no progress bar on the terminal" },
	{ NULL, NULL, NULL }
};

static const cmd_opt import_directory_opts[] = {
	{ "FILE.ldif", NULL, "an LDIF export (ldifde, slapcat, ldapsearch)" },
	{ "FILE.csv", NULL, "a csvde export" },
	{ "ldap[s]://HOST[:PORT]", NULL, "a directory server, searched page by page" },
	{ "--dry-run", NULL, "say what would be created and updated, change nothing" },
	{ "--filter", "FILTER", "an LDAP filter for the search (default: mailboxes and custom "
	  "recipients)" },
	LDAP_OPTS,
	{ NULL, NULL, NULL }
};

static const cmd_opt export_directory_opts[] = {
	{ "--created-by-adjuster", NULL, "the recipients the adjuster created (required)" },
	{ "--out", "FILE", "write them as LDIF to FILE (default: standard output)" },
	{ "--ldap", "URI", "add them to the directory server at URI instead" },
	LDAP_OPTS,
	{ NULL, NULL, NULL }
};

static const cmd_opt search_opts[] = {
	{ "QUERY", NULL, "words (anywhere: subject, sender, recipients, body, attachment names), "
	  "\"exact phrases\", prefixes (contr*); from: to: subject: body: attachment:NAME (in one "
	  "of them); folder:PATH mailbox:ALIAS has:attachment class:CLASS; before:DATE after:DATE "
	  "(YYYY-MM-DD, UTC); a b (both), a OR b, -a or NOT a, ( ... ); OR binds tighter than AND. "
	  "Quote the query for the shell" },
	{ "--mailbox", "ALIAS", "only this mailbox (repeatable)" },
	{ "--limit", "N", "at most N hits (default 100; 0: all)" },
	{ "--offset", "N", "skip the first N hits" },
	{ "--count", NULL, "print the number of hits only" },
	{ "--json", NULL, "a JSON list of objects: id, mailbox, mailbox_name, folder, date, from, "
	  "from_address, subject, class, size, attachments" },
	{ NULL, NULL, NULL }
};

static const cmd_opt show_opts[] = {
	{ "ID", NULL, "the message id (the first column of mbxrescue search)" },
	{ "--headers", NULL, "also its Internet headers as they came" },
	{ NULL, NULL, NULL }
};

static const cmd_opt export_items_opts[] = {
	{ "ID...", NULL, "message ids (the first column of mbxrescue search)" },
	{ "--search", "QUERY", "every hit of QUERY instead (mbxrescue search --help)" },
	{ "--mailbox", "ALIAS", "with --search: only this mailbox (repeatable)" },
	{ "--out", "FILE.pst", "the file to write (its directory is created 0700)" },
	{ "--log", "FILE", "the log (default: FILE.pst's name with .log)" },
	{ "--log-level", "0-3", "none, minimum (default), medium, maximum" },
	{ NULL, NULL, NULL }
};

static const cmd_opt delete_items_opts[] = {
	{ "ID...", NULL, "message ids (the first column of mbxrescue search)" },
	{ "--search", "QUERY", "every hit of QUERY instead" },
	{ "--mailbox", "ALIAS", "with --search: only this mailbox (repeatable)" },
	{ "--dry-run", NULL, "only list what would be deleted (or purged)" },
	{ "--undo", "[RUN]", "restore a run (default: the newest one still held)" },
	{ "--purge", "[RUN]", "delete held items for good (default: every run's)" },
	{ "--list", NULL, "the runs, with how many items each still holds" },
	{ NULL, NULL, NULL }
};

static const cmd_entry commands[] = {
	/* commands: one line each (name, usage, summary, handler, needs_db, describe, opts) */
	{ "init", "--organization ORG --site SITE --server NAME [--smtp-policy POLICY]", "create a new, empty recovery server in the --db file (which must not exist yet)", cmd_init, 0, NULL, init_opts },
	{ "check", "[--json]", "find directory/store inconsistencies (exit 1 when there are any)", cmd_check, CMD_DB_READ, NULL, check_opts },
	{ "list", "[mailboxes|recipients] [--orphans] [--json]", "list the store's mailboxes or the directory's recipients, or only the orphans", cmd_list, CMD_DB_READ, NULL, list_opts },
	{ "adjust", NULL, NULL, cmd_adjust, 1, cmd_adjust_describe, NULL },
	{ "audit", "[RUN] [--json]", "the adjuster's runs with their changes, and whether each run can be undone", cmd_audit, CMD_DB_READ, NULL, audit_opts },
	{ "fix-recipient", "ALIAS --account DOMAIN\\USER [--unhide]", "assign a recreated recipient's primary account and unhide it (KB Q197970)", cmd_fix_recipient, 1, NULL, fix_recipient_opts },
	{ "pst-check", "[-q] [--strict] FILE.pst...", "check a Unicode PST file strictly against [MS-PST]", cmd_pst_check, 0, NULL, pst_check_opts },
	{ "pst-dump", "FILE.pst [--values] | --regenerated", "every property of every object of a PST or OST file, one line each (tests/PROPDUMP.md); exit 1 when items are damaged; --regenerated: the properties the writer regenerates (kind, key, type, rule, name, value)", cmd_pst_dump, 0, NULL, pst_dump_opts },
	{ "export", "(--all | ALIAS... | --mailbox-list FILE) --out DIR [--from DATE] [--to DATE] [--date-field received|sent] [--include-folder PATH]... [--exclude-folder PATH]... [--subject TEXT] [--attachment GLOB] [--class PREFIX] [--no-associated] [--threads N] [--max-pst-size SIZE] [--log-level 0-3] [--log FILE] [--resume] [--force-out-dir] [--quiet]", "copy mailboxes to verified PST files (Exmerge step 1)", cmd_export, 1, NULL, export_opts },
	{ "batch", "-F ExMerge.ini", "run Exmerge's batch mode from its ini file", cmd_batch, 1, NULL, batch_opts },
	{ "verify", "FILE.pst...", "read a PST with libpst: folders with message and attachment counts", cmd_verify, 0, NULL, verify_opts },
	{ "import-pst", "FILE.pst --mailbox ALIAS [--create] [--display-name NAME] [--mode copy|merge|replace] [--folder PATH] [--log FILE] [--log-level 0-3] [--timeout SECONDS] [--bad-item-limit N|unlimited [--accept-large-data-loss] | --skip-damaged] [--quiet]  |  (DIR | FILE.pst)... [--mailbox-map FILE.csv] [--threads N] [...]", "copy a PST or OST into a store mailbox, every property of every item (Exmerge step 2); or a folder of .pst/.ost files (not its subfolders), one mailbox per file named after it, several at a time; all or nothing per file. Every block is checked: a damaged item is never imported but listed (folder, subject, what), the rest is, exit 1; --bad-item-limit N: more than N damaged items or folders and nothing of the file is kept (over 50 needs --accept-large-data-loss, as Exchange's New-MailboxImportRequest); --skip-damaged: leave them out and exit 0", cmd_import_pst, 1, NULL, import_pst_opts },
	{ "import-directory", "FILE.ldif|FILE.csv|ldap[s]://HOST[:PORT] [--dry-run] [--base DN] [--filter FILTER] [--bind-dn DN] [--password-file FILE] [--starttls] [--ca-file FILE] [--timeout SECONDS]", "create or update recipients from ldifde/slapcat LDIF, csvde CSV or a directory server (paged search; password from --password-file, MBX_LDAP_PASSWORD or a prompt); all or nothing", cmd_import_directory, 1, NULL, import_directory_opts },
	{ "export-directory", "--created-by-adjuster [--out FILE | --ldap URI] [--base DN] [--bind-dn DN] [--password-file FILE] [--starttls] [--ca-file FILE] [--timeout SECONDS]", "write the recipients the adjuster created as LDIF for ldapadd or ldifde -i, or add them to a directory server (entries already there are reported, not changed)", cmd_export_directory, CMD_DB_READ, NULL, export_directory_opts },
	{ "search", "QUERY [--mailbox ALIAS]... [--limit N] [--offset N] [--count] [--json]", "find messages in every mailbox: one line per hit (id, date, mailbox alias, folder, sender, subject), newest first; exit 0 with or without hits, 2 for a malformed query, an unknown mailbox or a store whose index is not built (mbxrescue reindex)", cmd_search, CMD_DB_READ, NULL, search_opts },
	{ "show", "ID [--headers]", "a message as text: where it is, its headers, recipients, attachments (name, size) and body (the plain body; else the HTML or RTF body reduced to text)", cmd_show, CMD_DB_READ, NULL, show_opts },
	{ "export-items", "(ID... | --search QUERY [--mailbox ALIAS]...) --out FILE.pst [--log FILE] [--log-level 0-3]", "exactly these messages into one PST, under folders 'MAILBOX DISPLAY NAME/original folder path': written as FILE.tmp, read back and compared, then renamed (FILE.unverified when it does not read back as written), with an Exmerge-format log beside it; exit 0 written and verified, 1 failed or nothing matched, 2 usage or input error", cmd_export_items, CMD_DB_READ, NULL, export_items_opts },
	{ "delete-items", "(ID... | --search QUERY [--mailbox ALIAS]...) [--dry-run] | --undo [RUN] | --purge [RUN] | --list", "remove messages from every mailbox (a virus, a mis-sent mail): listed first, then moved out of their folders into a holding area (no longer listed, counted, exported or found) as one numbered run with an audit record per item; --undo puts a run back until --purge deletes it for good; exit 0 done, 1 nothing matched or nothing to undo, 2 usage or input error", cmd_delete_items, 1, NULL, delete_items_opts },
	{ "reindex", "", "build the search index afresh (a store upgraded from an older version needs it once)", cmd_reindex, 1, NULL, NULL },
	{ NULL, NULL, NULL, NULL, 0, NULL, NULL }
};

static const char global_usage[] =
	"usage: mbxrescue [--db PATH] [--wait SECONDS] [--reset-demo] [--ascii] [--no-color] [COMMAND [ARGS]]\n"
	"       mbxrescue --help | --version\n";

/* Messages carry outside strings (file names, aliases, arguments): one
 * sanitized line. */
static void put_clean(FILE *fp, const char *fmt, va_list ap)
{
	char *raw = mbx_vasprintf(fmt, ap), *c = mbx_text_clean(raw, -1, 0, NULL);

	fprintf(fp, "%s\n", c);
	mbx_free(c);
	mbx_free(raw);
}

/* A command's usage, summary and options: its own, or from its describe(). */
static const char *cmd_usage(const cmd_entry *c)
{
	const char *usage = c->usage, *summary;
	const cmd_opt *opts;

	if (c->describe)
		c->describe(&usage, &summary, &opts);
	return usage;
}

static const char *cmd_summary(const cmd_entry *c)
{
	const char *usage, *summary = c->summary;
	const cmd_opt *opts;

	if (c->describe)
		c->describe(&usage, &summary, &opts);
	return summary;
}

static const cmd_opt *cmd_opts(const cmd_entry *c)
{
	const char *usage, *summary;
	const cmd_opt *opts = c->opts;

	if (c->describe)
		c->describe(&usage, &summary, &opts);
	return opts;
}

static void print_cmd_usage(FILE *fp, const cmd_entry *c)
{
	const char *usage = cmd_usage(c);

	fprintf(fp, "usage: mbxrescue [--db PATH] %s%s%s\n", c->name,
	        usage && *usage ? " " : "", usage ? usage : "");
}

/* ---- Did you mean ---------------------------------------------------------- */

/* Optimal string alignment distance (Levenshtein with transpositions, as
 * git's "did you mean"): "exprot" is 1 from "export". */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, r;
	size_t *d;

	if (la > 64 || lb > 64)
		return (size_t)-1;
	d = mbx_calloc((la + 1) * (lb + 1), sizeof(*d));
#define D(x, y) d[(x) * (lb + 1) + (y)]
	for (i = 0; i <= la; i++)
		D(i, 0) = i;
	for (j = 0; j <= lb; j++)
		D(0, j) = j;
	for (i = 1; i <= la; i++)
		for (j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1, v = D(i - 1, j) + 1;

			if (D(i, j - 1) + 1 < v)
				v = D(i, j - 1) + 1;
			if (D(i - 1, j - 1) + cost < v)
				v = D(i - 1, j - 1) + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    D(i - 2, j - 2) + 1 < v)
				v = D(i - 2, j - 2) + 1;
			D(i, j) = v;
		}
	r = D(la, lb);
#undef D
	mbx_free(d);
	return r;
}

typedef struct guess {
	const char *best;
	size_t dist;
	int prefix_of;          /* candidates `word` is a prefix of */
	const char *prefixed;
} guess;

static void guess_add(guess *g, const char *word, const char *cand)
{
	size_t d = edit_distance(word, cand);

	if (strlen(word) >= 2 && strncmp(cand, word, strlen(word)) == 0) {
		g->prefix_of++;
		g->prefixed = cand;
	}
	if (!g->best || d < g->dist) {
		g->best = cand;
		g->dist = d;
	}
}

/* The closest candidate, when it is close enough to be what was meant. */
static const char *guess_result(const guess *g, const char *word)
{
	size_t len = strlen(word), limit = len < 4 ? 1 : len < 8 ? 2 : 3;

	if (g->prefix_of == 1)
		return g->prefixed;
	return g->best && g->dist <= limit ? g->best : NULL;
}

static const cmd_entry *cmd_find(const char *name)
{
	const cmd_entry *c;

	for (c = commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

static const char *cmd_guess(const char *name)
{
	const cmd_entry *c;
	guess g;

	memset(&g, 0, sizeof(g));
	for (c = commands; c->name; c++)
		guess_add(&g, name, c->name);
	return guess_result(&g, name);
}

/* Each name an option entry has: "-q, --quiet" is "-q" and "--quiet". */
static int opt_names(const cmd_opt *o, const char *names[2])
{
	static char buf[2][64];
	const char *comma = strstr(o->name, ", ");

	if (o->name[0] != '-')
		return 0;
	if (!comma) {
		names[0] = o->name;
		return 1;
	}
	snprintf(buf[0], sizeof(buf[0]), "%.*s", (int)(comma - o->name), o->name);
	snprintf(buf[1], sizeof(buf[1]), "%s", comma + 2);
	names[0] = buf[0];
	names[1] = buf[1];
	return 2;
}

/* The option `word` (up to its '=') names: exact, else the one option it
 * is a prefix of (as getopt_long takes it); NULL when none or several. */
static const cmd_opt *opt_find(const cmd_opt *opts, const char *word, size_t len)
{
	const cmd_opt *o, *hit = NULL;
	const char *names[2];
	int n, k, hits = 0;

	for (o = opts; o->name; o++) {
		n = opt_names(o, names);
		for (k = 0; k < n; k++) {
			if (strlen(names[k]) == len && strncmp(names[k], word, len) == 0)
				return o;
			if (len > 2 && strncmp(names[k], "--", 2) == 0 &&
			    strncmp(names[k], word, len) == 0 && hit != o) {
				hit = o;
				hits++;
			}
		}
	}
	return hits == 1 ? hit : NULL;
}

static const char *opt_guess(const cmd_opt *opts, const char *word)
{
	const cmd_opt *o;
	const char *names[2];
	guess g;
	int n, k;

	memset(&g, 0, sizeof(g));
	for (o = opts; o->name; o++) {
		n = opt_names(o, names);
		for (k = 0; k < n; k++)
			if (strncmp(names[k], "--", 2) == 0)
				guess_add(&g, word, names[k]);
	}
	return guess_result(&g, word);
}

/*
 * Check a command's options against its table before it runs, so that a
 * typo gets "did you mean" and a missing value says which option lacks
 * what.  What the table does not describe (arguments, short options other
 * than the listed ones) is left to the command.
 */
static int cmd_check_opts(const cmd_entry *c, int argc, char **argv)
{
	const cmd_opt *opts = cmd_opts(c), *o;
	int i;

	if (!opts)
		return EXIT_OK;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *eq;
		size_t len;

		if (strcmp(a, "--") == 0)
			break;
		if (a[0] != '-' || !a[1])
			continue;
		if (a[1] != '-') {
			/* A listed short option with a value takes the next word. */
			for (o = opts; o->name; o++)
				if (o->arg && o->arg[0] != '[' && strcmp(o->name, a) == 0)
					break;
			if (o->name && i + 1 >= argc)
				return cli_usage_error(c->name, "option %s needs a value, %s: %s", a,
				                       o->arg, o->help);
			if (o->name)
				i++;
			continue;
		}
		eq = strchr(a, '=');
		len = eq ? (size_t)(eq - a) : strlen(a);
		o = opt_find(opts, a, len);
		if (!o) {
			char *word = mbx_strndup(a, len);
			const char *g = opt_guess(opts, word);
			int st;

			if (g)
				st = cli_usage_error(c->name, "unknown option '%s'; did you mean '%s'? "
				                     "('mbxrescue %s --help' explains every option)", word, g,
				                     c->name);
			else
				st = cli_usage_error(c->name, "unknown option '%s' ('mbxrescue %s --help' "
				                     "explains every option)", word, c->name);
			mbx_free(word);
			return st;
		}
		if (!o->arg || o->arg[0] == '[') {
			if (eq && !o->arg)
				return cli_usage_error(c->name, "option %.*s takes no value", (int)len, a);
			continue;
		}
		if (eq)
			continue;
		if (i + 1 >= argc)
			return cli_usage_error(c->name, "option %s needs a value, %s: %s", o->name,
			                       o->arg, o->help);
		/* "--out --all": the value is missing, not the directory "--all". */
		if (strncmp(argv[i + 1], "--", 2) == 0 && argv[i + 1][2] &&
		    opt_find(opts, argv[i + 1], strcspn(argv[i + 1], "=")))
			return cli_usage_error(c->name, "option %s needs a value, %s (%s), not the "
			                       "option '%s'", o->name, o->arg, o->help, argv[i + 1]);
		i++;
	}
	return EXIT_OK;
}

/* ---- Help ------------------------------------------------------------------ */

/* Print text wrapped at 79 columns, each line indented by `indent`. */
static void put_wrapped(FILE *fp, const char *text, int indent)
{
	const char *p = text;
	int col = 0;

	while (*p) {
		size_t w = strcspn(p, " ");

		if (col > indent && col + 1 + (int)w > 79) {
			fputc('\n', fp);
			col = 0;
		}
		if (col == 0) {
			fprintf(fp, "%*s", indent, "");
			col = indent;
		} else {
			fputc(' ', fp);
			col++;
		}
		fprintf(fp, "%.*s", (int)w, p);
		col += (int)w;
		p += w;
		while (*p == ' ')
			p++;
	}
	if (col)
		fputc('\n', fp);
}

/* COMMAND --help: the usage line, what it does, every option explained. */
static void print_cmd_help(const cmd_entry *c)
{
	const cmd_opt *opts = cmd_opts(c), *o;
	const char *summary = cmd_summary(c);
	int args = 0, options = 0;

	print_cmd_usage(stdout, c);
	if (summary) {
		fputc('\n', stdout);
		put_wrapped(stdout, summary, 0);
	}
	for (o = opts; o && o->name; o++)
		if (o->name[0] == '-')
			options++;
		else
			args++;
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 0 ? !args : !options)
			continue;
		printf("\n%s:\n", pass == 0 ? "Arguments" : "Options");
		for (o = opts; o->name; o++) {
			if ((o->name[0] == '-') != pass)
				continue;
			printf("  %s%s%s\n", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
			put_wrapped(stdout, o->help, 6);
		}
	}
	printf("\nSee mbxrescue(1) for the exit status, the files and the environment.\n");
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
	      "                 and every option explained (and the manual: man mbxrescue)\n"
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

/* An unknown global option, with the closest one when it is close. */
static int global_unknown(const char *arg)
{
	static const char *const names[] = {
		"--db", "--wait", "--reset-demo", "--ascii", "--no-color", "--help", "--version"
	};
	char *word = mbx_strndup(arg, strcspn(arg, "="));
	const char *g;
	guess gs;
	size_t i;
	int st;

	memset(&gs, 0, sizeof(gs));
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		guess_add(&gs, word, names[i]);
	g = strncmp(word, "--", 2) == 0 ? guess_result(&gs, word) : NULL;
	if (g)
		st = cli_usage_error(NULL, "unknown option '%s'; did you mean '%s'?", word, g);
	else
		st = cli_usage_error(NULL, "unknown option '%s'", word);
	mbx_free(word);
	return st;
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
				return cli_usage_error(NULL, "option --db needs a value: PATH (the store file)");
			if (optopt == 'w')
				return cli_usage_error(NULL, "option --wait needs a value: SECONDS (how long "
				                       "to wait for a busy store)");
			return global_unknown(argv[optind - 1]);
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
	if (!c) {
		const char *g = cmd_guess(argv[0]);

		if (g)
			return cli_usage_error(NULL, "unknown command '%s'; did you mean '%s'? (see "
			                       "'mbxrescue --help')", argv[0], g);
		return cli_usage_error(NULL, "unknown command '%s' (see 'mbxrescue --help')", argv[0]);
	}
	if (wants_help(argc, argv)) {
		print_cmd_help(c);
		return EXIT_OK;
	}
	status = cmd_check_opts(c, argc, argv);
	if (status != EXIT_OK)
		return status;
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

/* ---- What the command handlers share ----------------------------------- */

const char *cli_actor(void)
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

int cli_status_of(int rc)
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

void cli_put(const tui_opts *o, const char *s)
{
	char *c = mbx_text_clean(s ? s : "", -1, o->ascii ? MBX_TEXT_ASCII : 0, NULL);

	fputs(c, stdout);
	mbx_free(c);
}

const char *cli_when(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0 || !gmtime_r(&tt, &tm))
		snprintf(buf, len, "unknown time");
	else
		strftime(buf, len, "%Y-%m-%d %H:%M UTC", &tm);
	return buf;
}

json_t *cli_json_text(const char *s)
{
	char *c = mbx_text_clean(s, -1, 0, NULL);
	json_t *j = json_string(c);

	mbx_free(c);
	return j ? j : json_string("");
}
