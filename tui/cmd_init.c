/*
 * tui/cmd_init.c - `mbxrescue --db PATH init --organization ORG --site SITE
 * --server NAME [--smtp-policy POLICY]`: a new, empty recovery server in a
 * file that does not exist yet (mbx_store_init), and what to do next.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "mbx/common.h"
#include "mbx/store.h"
#include "mbx/text.h"
#include "cli.h"
#include "cmds.h"

static char *clean(const tui_opts *o, const char *s)
{
	return mbx_text_clean(s ? s : "", -1, o->ascii ? MBX_TEXT_ASCII : 0, NULL);
}

int cmd_init(const tui_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "organization", required_argument, NULL, 'o' },
		{ "organisation", required_argument, NULL, 'o' },
		{ "site", required_argument, NULL, 's' },
		{ "server", required_argument, NULL, 'S' },
		{ "smtp-policy", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 }
	};
	mbx_server_info si;
	mbx_store *st = NULL;
	char *path, *srv, *site, *org, *pol;
	int ch;

	memset(&si, 0, sizeof(si));
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'o': si.organization = optarg; break;
		case 's': si.site = optarg; break;
		case 'S': si.server = optarg; break;
		case 'p': si.smtp_policy = optarg; break;
		default:
			return cli_usage_error(argv[0], "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc)
		return cli_usage_error(argv[0], "unexpected argument '%s'", argv[optind]);
	if (!o->db_path)
		return cli_usage_error(argv[0], "name the new store file with --db PATH (before "
		                                "'init')");
	if (!si.organization || !si.site || !si.server)
		return cli_usage_error(argv[0], "give the restored server's --organization, --site "
		                                "and --server (as in its legacy DNs: "
		                                "/o=ORG/ou=SITE/cn=Configuration/cn=Servers/cn=NAME)");
	if (mbx_store_init(o->db_path, &si) < 0) {
		char *msg = clean(o, mbx_error_last());

		cli_fail(EXIT_USAGE, "%s", msg);
		mbx_free(msg);
		return EXIT_USAGE;
	}
	/* Read back what was stored: the default SMTP policy among it. */
	memset(&si, 0, sizeof(si));
	if (mbx_store_open(&st, o->db_path, MBX_STORE_READONLY) < 0 ||
	    mbx_store_server_get(st, &si) < 0) {
		char *msg = clean(o, mbx_error_last());

		cli_fail(EXIT_USAGE, "%s", msg);
		mbx_free(msg);
		mbx_store_free(st);
		return EXIT_USAGE;
	}
	mbx_store_free(st);
	path = clean(o, o->db_path);
	srv = clean(o, si.server);
	site = clean(o, si.site);
	org = clean(o, si.organization);
	pol = clean(o, si.smtp_policy);
	printf("Created an empty recovery server in %s:\n"
	       "  server %s, site %s, organization %s; SMTP addresses %s\n\n"
	       "Next:\n"
	       "  1. the mailboxes, from PST files (one mailbox per file, a folder at a time):\n"
	       "       mbxrescue --db %s import-pst /path/to/psts\n"
	       "  2. the recipients, from the directory (LDIF, CSV, or a directory server):\n"
	       "       mbxrescue --db %s import-directory users.ldif\n"
	       "       mbxrescue --db %s import-directory ldap://dc1.example.com --base DC=example,DC=com \\\n"
	       "           --bind-dn 'CN=reader,CN=Users,DC=example,DC=com' --password-file pw.txt\n"
	       "  3. then the consistency check, or the console:\n"
	       "       mbxrescue --db %s check\n"
	       "       mbxrescue --db %s\n",
	       path, srv, site, org, pol, path, path, path, path, path);
	mbx_free(path);
	mbx_free(srv);
	mbx_free(site);
	mbx_free(org);
	mbx_free(pol);
	mbx_server_info_clear(&si);
	return EXIT_OK;
}
