/*
 * tui/cmd_ldap.c - the directory server side of import-directory and
 * export-directory (called from tui/cmd_import.c when the source is an
 * ldap:// or ldaps:// URI, or with --ldap URI):
 *
 *   import-directory ldap[s]://HOST[:PORT] --base DN [--filter FILTER]
 *       [--bind-dn DN] [--password-file FILE] [--starttls] [--ca-file FILE]
 *       [--timeout SECONDS] [--dry-run]
 *   export-directory --created-by-adjuster --ldap URI --base DN [the same
 *       connection options]
 *
 * The password is never an argument (other users see arguments in ps):
 * it comes from --password-file (a file only its owner can read), from
 * MBX_LDAP_PASSWORD, or from a prompt without echo when stdin is a terminal.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "mbx/common.h"
#include "mbx/import.h"
#include "mbx/store.h"
#include "mbx/text.h"
#include "cli.h"
#include "cmds.h"

#define PW_MAX 1024

static char *clean(const tui_opts *o, const char *s)
{
	return mbx_text_clean(s ? s : "", -1, o->ascii ? MBX_TEXT_ASCII : 0, NULL);
}

static int fail_last(const tui_opts *o, int status)
{
	char *msg = clean(o, mbx_error_last());

	cli_fail(status, "%s", msg);
	mbx_free(msg);
	return status;
}

int cmd_ldap_is_uri(const char *s)
{
	return s && (strncasecmp(s, "ldap://", 7) == 0 || strncasecmp(s, "ldaps://", 8) == 0);
}

/* Strip the line end; 0, or -1 when nothing is left. */
static int pw_trim(char *pw)
{
	size_t n = strcspn(pw, "\r\n");

	pw[n] = '\0';
	return n ? 0 : -1;
}

static int pw_from_file(const char *path, char **out)
{
	struct stat sb;
	char *buf;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return mbx_error_set(MBX_EINVAL, "can not read the password file %s: %s", path,
		                     strerror(errno));
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return mbx_error_set(MBX_EINVAL, "the password file %s is not a regular file", path);
	}
	/* As ssh does with keys: a password others can read is no secret. */
	if (sb.st_mode & 077) {
		close(fd);
		return mbx_error_set(MBX_EINVAL, "the password file %s can be read by other users "
		                     "(mode %04o); make it private: chmod 600 %s", path,
		                     (unsigned)(sb.st_mode & 07777), path);
	}
	buf = mbx_calloc(1, PW_MAX + 1);
	n = read(fd, buf, PW_MAX);
	close(fd);
	if (n < 0 || pw_trim(buf) < 0) {
		mbx_free(buf);
		return mbx_error_set(MBX_EINVAL, "the password file %s is empty; put the password on "
		                     "its first line", path);
	}
	*out = buf;
	return 0;
}

static struct termios pw_saved;
static volatile sig_atomic_t pw_echo_off;

/* Ctrl-C at the prompt: give the terminal its echo back first. */
static void pw_sigint(int sig)
{
	if (pw_echo_off)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &pw_saved);
	signal(sig, SIG_DFL);
	raise(sig);
}

static int pw_prompt(const tui_opts *o, const char *uri, const char *bind_dn, char **out)
{
	struct termios t;
	struct sigaction sa, old_int, old_term;
	char *buf, *u = clean(o, uri), *d = clean(o, bind_dn);
	int got;

	fprintf(stderr, "Password for %s at %s: ", d, u);
	fflush(stderr);
	mbx_free(u);
	mbx_free(d);
	if (tcgetattr(STDIN_FILENO, &pw_saved) < 0)
		return mbx_error_set(MBX_EINVAL, "can not read a password from this terminal");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = pw_sigint;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	t = pw_saved;
	t.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL);
	pw_echo_off = 1;
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &t);
	buf = mbx_calloc(1, PW_MAX + 1);
	got = fgets(buf, PW_MAX, stdin) != NULL;
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &pw_saved);
	pw_echo_off = 0;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	fputc('\n', stderr);
	if (!got || pw_trim(buf) < 0) {
		mbx_free(buf);
		return mbx_error_set(MBX_EINVAL, "no password given for %s", bind_dn);
	}
	*out = buf;
	return 0;
}

/* The bind password: --password-file, MBX_LDAP_PASSWORD, or a prompt. */
static int ldap_password(const tui_opts *o, const char *uri, const char *bind_dn,
                         const char *file, char **out)
{
	const char *env = getenv("MBX_LDAP_PASSWORD");

	*out = NULL;
	if (!bind_dn)
		return 0;
	if (file)
		return pw_from_file(file, out);
	if (env && *env) {
		*out = mbx_strdup(env);
		return 0;
	}
	if (isatty(STDIN_FILENO))
		return pw_prompt(o, uri, bind_dn, out);
	return mbx_error_set(MBX_EINVAL, "no password for %s: give --password-file FILE (mode "
	                     "0600), set MBX_LDAP_PASSWORD, or run at a terminal to be asked",
	                     bind_dn);
}

static void pw_free(char *pw)
{
	if (pw) {
		explicit_bzero(pw, strlen(pw));
		mbx_free(pw);
	}
}

int cmd_ldap_parse_opt(int ch, const char *arg, cmd_ldap_args *a)
{
	char *end;

	switch (ch) {
	case CMD_LDAP_BASE: a->o.base = arg; break;
	case CMD_LDAP_FILTER: a->o.filter = arg; break;
	case CMD_LDAP_BIND_DN: a->o.bind_dn = arg; break;
	case CMD_LDAP_PASSWORD_FILE: a->password_file = arg; break;
	case CMD_LDAP_STARTTLS: a->o.starttls = 1; break;
	case CMD_LDAP_CA_FILE: a->o.ca_file = arg; break;
	case CMD_LDAP_TIMEOUT:
		a->o.timeout_seconds = (int)strtol(arg, &end, 10);
		if (*end || !*arg || a->o.timeout_seconds <= 0 || a->o.timeout_seconds > 86400)
			return mbx_error_set(MBX_EINVAL, "--timeout takes a number of seconds, not '%s'",
			                     arg);
		break;
	default:
		return 0;
	}
	a->used = a->used ? a->used : ch;
	return 1;
}

const char *cmd_ldap_opt_name(int ch)
{
	switch (ch) {
	case CMD_LDAP_BASE: return "--base";
	case CMD_LDAP_FILTER: return "--filter";
	case CMD_LDAP_BIND_DN: return "--bind-dn";
	case CMD_LDAP_PASSWORD_FILE: return "--password-file";
	case CMD_LDAP_STARTTLS: return "--starttls";
	case CMD_LDAP_CA_FILE: return "--ca-file";
	case CMD_LDAP_TIMEOUT: return "--timeout";
	}
	return "?";
}

/* Checks shared by import and export; the password read last. */
static int ldap_prepare(const tui_opts *o, const char *cmd, cmd_ldap_args *a, char **pw)
{
	*pw = NULL;
	if (!a->o.base || !*a->o.base)
		return cli_usage_error(cmd, "name the base DN with --base DN (for example "
		                            "dc=contoso,dc=com)");
	if (a->password_file && !a->o.bind_dn)
		return cli_usage_error(cmd, "--password-file is for --bind-dn DN (without it the "
		                            "bind is anonymous)");
	if (ldap_password(o, a->o.uri, a->o.bind_dn, a->password_file, pw) < 0)
		return fail_last(o, EXIT_USAGE);
	a->o.password = *pw;
	return EXIT_OK;
}

int cmd_ldap_import(const tui_opts *o, const char *cmd, cmd_ldap_args *a, int dry)
{
	mbx_dir_report rep;
	mbx_store *st = NULL;
	char *pw = NULL, *uri;
	size_t i;
	int rc, status;

	status = ldap_prepare(o, cmd, a, &pw);
	if (status != EXIT_OK)
		return status;
	if (mbx_store_open(&st, o->db_path, 0) < 0) {
		pw_free(pw);
		return fail_last(o, EXIT_USAGE);
	}
	rc = mbx_directory_import_ldap(st, &a->o, dry, &rep);
	pw_free(pw);
	uri = clean(o, a->o.uri);
	for (i = 0; i < rep.n_entries; i++) {
		const mbx_dir_entry_report *e = &rep.entries[i];
		char *alias = clean(o, e->alias), *detail = clean(o, e->detail), *dn = clean(o, e->dn);

		if (e->dn)
			printf("%s: %s%s%s%s%s\n", dn, mbx_dir_action_name(e->action), *alias ? " " : "",
			       alias, *detail ? ": " : "", detail);
		else
			printf("%s: entry %lld: %s%s%s\n", uri, (long long)e->line,
			       mbx_dir_action_name(e->action), *detail ? ": " : "", detail);
		mbx_free(alias);
		mbx_free(detail);
		mbx_free(dn);
	}
	if (rc < 0) {
		status = fail_last(o, EXIT_USAGE);
	} else {
		printf("%s: %lld created, %lld updated, %lld skipped%s\n", uri, (long long)rep.created,
		       (long long)rep.updated, (long long)rep.skipped,
		       dry ? " (dry run: nothing was changed)" : "");
		status = EXIT_OK;
	}
	mbx_free(uri);
	mbx_dir_report_clear(&rep);
	mbx_store_free(st);
	return status;
}

int cmd_ldap_export(const tui_opts *o, const char *cmd, cmd_ldap_args *a)
{
	mbx_ldap_export_report rep;
	mbx_store *st = NULL;
	char *pw = NULL, *uri;
	size_t i;
	int rc, status;

	if (!a->o.bind_dn)
		return cli_usage_error(cmd, "adding entries to %s needs an account that may: give "
		                            "--bind-dn DN (and the password)", a->o.uri);
	status = ldap_prepare(o, cmd, a, &pw);
	if (status != EXIT_OK)
		return status;
	if (mbx_store_open(&st, o->db_path, MBX_STORE_READONLY) < 0) {
		pw_free(pw);
		return fail_last(o, EXIT_USAGE);
	}
	rc = mbx_directory_export_ldap(st, &a->o, &rep);
	pw_free(pw);
	uri = clean(o, a->o.uri);
	for (i = 0; i < rep.n_entries; i++) {
		const mbx_ldap_export_entry *e = &rep.entries[i];
		char *dn = clean(o, e->dn), *detail = clean(o, e->detail);

		printf("%s: %s%s%s\n", dn, e->result == MBX_LDAP_DIFFERS ?
		       "exists but differs (left unchanged)" : mbx_ldap_result_name(e->result),
		       *detail ? ": " : "", detail);
		mbx_free(dn);
		mbx_free(detail);
	}
	if (rc < 0) {
		status = fail_last(o, EXIT_USAGE);
	} else {
		printf("%s: %lld added, %lld already there, %lld differ, %lld failed\n", uri,
		       (long long)rep.added, (long long)rep.exists, (long long)rep.differs,
		       (long long)rep.failed);
		status = rep.differs || rep.failed ? EXIT_FINDINGS : EXIT_OK;
	}
	mbx_free(uri);
	mbx_ldap_export_report_clear(&rep);
	mbx_store_free(st);
	return status;
}
