/*
 * tui/cmds.h - the batch subcommands' handlers.  Each lives in its own
 * tui/cmd_*.c file; tui/cli.c holds the table (name, usage, handler).
 */
#ifndef MBX_CMDS_H
#define MBX_CMDS_H

#include "tui.h"
#include "mbx/import.h"

/* tui/cmd_init.c */
int cmd_init(const tui_opts *o, int argc, char **argv);
/* tui/cmd_check.c */
int cmd_check(const tui_opts *o, int argc, char **argv);
int cmd_adjust(const tui_opts *o, int argc, char **argv);
/* adjust's usage, summary and options, from the adjuster's rules (kept for
 * the life of the program). */
void cmd_adjust_describe(const char **usage, const char **summary, const cmd_opt **opts);
int cmd_fix_recipient(const tui_opts *o, int argc, char **argv);
/* tui/cmd_audit.c */
int cmd_audit(const tui_opts *o, int argc, char **argv);
int cmd_list(const tui_opts *o, int argc, char **argv);
/* tui/cmd_export.c */
int cmd_export(const tui_opts *o, int argc, char **argv);
int cmd_batch(const tui_opts *o, int argc, char **argv);
int cmd_verify(const tui_opts *o, int argc, char **argv);
/* tui/cmd_pstcheck.c */
int cmd_pst_check(const tui_opts *o, int argc, char **argv);
/* tui/cmd_pstdump.c */
int cmd_pst_dump(const tui_opts *o, int argc, char **argv);
/* tui/cmd_import.c */
int cmd_import_pst(const tui_opts *o, int argc, char **argv);
int cmd_import_directory(const tui_opts *o, int argc, char **argv);
int cmd_export_directory(const tui_opts *o, int argc, char **argv);
/* tui/cmd_search.c: granular recovery (search, show, reindex) */
int cmd_search(const tui_opts *o, int argc, char **argv);
int cmd_show(const tui_opts *o, int argc, char **argv);
int cmd_reindex(const tui_opts *o, int argc, char **argv);
/* tui/cmd_items.c: export-items, delete-items */
int cmd_export_items(const tui_opts *o, int argc, char **argv);
int cmd_delete_items(const tui_opts *o, int argc, char **argv);
/* shared by cmd_search.c and cmd_items.c */
struct mbx_store;
struct mbx_search;
char *cmd_join_args(int argc, char **argv);
int cmd_parse_id(const char *s, int64_t *out);
/* Parse and prepare a query; on a mistake print it with a caret under it
 * and return EXIT_USAGE. */
int cmd_search_prepare(const tui_opts *o, const char *cmd, struct mbx_store *st, const char *text,
                       const int64_t *mailboxes, size_t nmb, struct mbx_search **out);
struct mbx_search_hit;
/* One line per hit: id, date, mailbox, folder, sender, subject. */
void cmd_print_hits(const tui_opts *o, const struct mbx_search_hit *h, size_t n);
int cmd_mailbox_ids(struct mbx_store *st, const char *cmd, char **aliases, size_t n, int64_t **ids);
/* tui/cmd_ldap.c: the directory server options of import-directory and
 * export-directory (getopt values; the option table is the caller's). */
enum {
	CMD_LDAP_BASE = 0x1000, CMD_LDAP_FILTER, CMD_LDAP_BIND_DN, CMD_LDAP_PASSWORD_FILE,
	CMD_LDAP_STARTTLS, CMD_LDAP_CA_FILE, CMD_LDAP_TIMEOUT
};
#define CMD_LDAP_LONGOPTS \
	{ "base", required_argument, NULL, CMD_LDAP_BASE }, \
	{ "filter", required_argument, NULL, CMD_LDAP_FILTER }, \
	{ "bind-dn", required_argument, NULL, CMD_LDAP_BIND_DN }, \
	{ "password-file", required_argument, NULL, CMD_LDAP_PASSWORD_FILE }, \
	{ "starttls", no_argument, NULL, CMD_LDAP_STARTTLS }, \
	{ "ca-file", required_argument, NULL, CMD_LDAP_CA_FILE }, \
	{ "timeout", required_argument, NULL, CMD_LDAP_TIMEOUT }
typedef struct cmd_ldap_args {
	mbx_ldap_opts o;         /* strings point into argv */
	const char *password_file;
	int used;                /* the first LDAP option given (CMD_LDAP_*), 0 = none */
} cmd_ldap_args;
/* 1 when ch was an LDAP option (stored in a), 0 when not, <0 bad value. */
int cmd_ldap_parse_opt(int ch, const char *arg, cmd_ldap_args *a);
const char *cmd_ldap_opt_name(int ch);
/* "ldap://..." or "ldaps://...". */
int cmd_ldap_is_uri(const char *s);
int cmd_ldap_import(const tui_opts *o, const char *cmd, cmd_ldap_args *a, int dry);
int cmd_ldap_export(const tui_opts *o, const char *cmd, cmd_ldap_args *a);

#endif
