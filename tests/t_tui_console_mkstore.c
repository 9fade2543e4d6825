/*
 * tests/t_tui_console_mkstore.c - helper of the console's shell tests (not a
 * test itself).
 *
 *   t_tui_console_mkstore hostile PATH   build a store whose display names
 *       carry escape sequences, invalid UTF-8, 200-character names, CJK,
 *       combining marks and right-to-left text
 *   t_tui_console_mkstore big PATH N     a store of N mailboxes (the benchmark)
 *   t_tui_console_mkstore columns FILE   for every line of a captured screen,
 *       print the display column where the two panels meet ("||" or the
 *       line-drawing pair), or -1
 *   t_tui_console_mkstore widths FILE    the display width of every line
 */
#include "config.h"
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mbx/common.h"
#include "mbx/store.h"
#include "mbx/text.h"

static const char *const hostile[] = {
	"Evil \033]0;PWNED\007 Title",
	"Red \033[31mALERT\033[0m Name",
	"Clear \033[2J\033[H Screen",
	"Bad \xff\xfe UTF-8 \xc3",
	"山田 太郎 (営業部)",
	"Zoë Cafe\xcc\x81 Ñandú",
	"\xd9\x84\xd9\x8a\xd9\x84\xd9\x89 \xd9\x86\xd8\xa7\xd8\xb5\xd8\xb1 RTL \xe2\x80\xae override",
	"Tab\there\rCR\bBS",
	NULL  /* the 200-character name is added in code */
};

static int add_one(mbx_store *st, int i, const char *name, int with_recipient)
{
	mbx_mailbox m;
	mbx_recipient r;
	char guid[40], dn[96], alias[32];
	int rc;

	memset(&m, 0, sizeof m);
	snprintf(alias, sizeof alias, "user%06d", i);
	snprintf(guid, sizeof guid, "%08x-0000-4000-8000-%012d", (unsigned)i, i);
	snprintf(dn, sizeof dn, "/o=Hostile/ou=Site/cn=Recipients/cn=%s", alias);
	m.guid = guid;
	m.display_name = (char *)name;
	m.legacy_dn = dn;
	m.item_count = i * 7 % 1000;
	m.total_size = (int64_t)i * 104729 % 900000000;
	m.last_logon = 946684800 + (int64_t)i * 86400 % 700000000;
	m.created_time = 946684800;
	if ((rc = mbx_store_mailbox_add(st, &m, NULL)) < 0 || !with_recipient)
		return rc;
	memset(&r, 0, sizeof r);
	r.display_name = (char *)name;
	r.alias = alias;
	r.dn = dn;
	r.smtp = mbx_asprintf("%s@hostile.example", alias);
	r.home_server = "HOST1";
	r.object_class = MBX_OBJ_MAILBOX;
	r.mailbox_guid = guid;
	r.legacy_dn = dn;
	rc = mbx_store_recipient_add(st, &r, NULL);
	mbx_free(r.smtp);
	return rc;
}

static int make(const char *path, int big)
{
	mbx_store *st = NULL;
	mbx_server_info si = { "Hostile \033[5mOrg", "Site", "HOST1", "%a@hostile.example" };
	char name200[256];
	int rc, i;

	remove(path);
	if ((rc = mbx_store_open(&st, path, MBX_STORE_CREATE)) < 0)
		goto out;
	if ((rc = mbx_store_begin(st)) < 0 || (rc = mbx_store_server_set(st, &si)) < 0)
		goto out;
	if (big > 0) {
		for (i = 0; i < big && rc >= 0; i++) {
			char name[64];

			snprintf(name, sizeof name, "User %06d, Synthetic", i);
			rc = add_one(st, i, name, i % 10 != 0);
		}
	} else {
		for (i = 0; hostile[i] && rc >= 0; i++)
			rc = add_one(st, i, hostile[i], i % 2 == 0);
		memset(name200, 'W', 200);
		name200[200] = '\0';
		if (rc >= 0)
			rc = add_one(st, i, name200, 1);
	}
	if (rc >= 0)
		rc = mbx_store_commit(st);
out:
	if (rc < 0)
		fprintf(stderr, "t_tui_console_mkstore: %s\n", mbx_error_last());
	mbx_store_free(st);
	return rc < 0 ? 1 : 0;
}

/* Display column of the panels' meeting point on each line, or (widths)
 * the display width of each line. */
static int columns(const char *file, int widths)
{
	FILE *fp = fopen(file, "r");
	char line[8192];

	if (!fp) {
		perror(file);
		return 1;
	}
	while (fgets(line, sizeof line, fp)) {
		char *p, *q;

		line[strcspn(line, "\n")] = '\0';
		if (widths) {
			printf("%d\n", mbx_text_width(line));
			continue;
		}
		p = strstr(line, "\xe2\x94\x82\xe2\x94\x82");
		q = strstr(line, "||");
		if (!p || (q && q < p))
			p = q;
		if (!p) {
			printf("-1\n");
			continue;
		}
		*p = '\0';
		printf("%d\n", mbx_text_width(line));
	}
	fclose(fp);
	return 0;
}

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	if (argc == 3 && strcmp(argv[1], "hostile") == 0)
		return make(argv[2], 0);
	if (argc == 4 && strcmp(argv[1], "big") == 0)
		return make(argv[2], atoi(argv[3]));
	if (argc == 3 && strcmp(argv[1], "columns") == 0)
		return columns(argv[2], 0);
	if (argc == 3 && strcmp(argv[1], "widths") == 0)
		return columns(argv[2], 1);
	fprintf(stderr, "usage: t_tui_console_mkstore hostile PATH | big PATH N | columns FILE | widths FILE\n");
	return 2;
}
