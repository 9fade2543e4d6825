/*
 * tui/cmd_search.c - granular recovery on the command line: `search`,
 * `show` and `reindex` (mbx/search.h, the language of mbx/query.h), and
 * what `export-items` and `delete-items` (tui/cmd_items.c) share with
 * them: the query and its error with a caret, the ids a command names.
 */
#include "config.h"
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>

#include "mbx/query.h"
#include "mbx/search.h"
#include "mbx/store.h"
#include "mbx/text.h"
#include "cli.h"
#include "cmds.h"

#define DEFAULT_LIMIT 100

/* ---- Shared with cmd_items.c ------------------------------------------------- */

/* A query's mistake: the message, then the query with a caret under the
 * character at byte offset pos. */
static int query_error(const tui_opts *o, const char *cmd, const char *text, size_t pos)
{
	unsigned f = o->ascii ? MBX_TEXT_ASCII : 0;
	char *shown = mbx_text_clean(text, -1, f, NULL), *head, *head_c;
	int col;

	fprintf(stderr, "mbxrescue %s: ", cmd);
	{
		char *m = mbx_text_clean(mbx_error_last(), -1, f, NULL);

		fprintf(stderr, "%s\n", m);
		mbx_free(m);
	}
	if (pos > strlen(text))
		pos = strlen(text);
	head = mbx_strndup(text, pos);
	head_c = mbx_text_clean(head, -1, f, &col);
	fprintf(stderr, "  %s\n  %*s^\n", shown, col, "");
	mbx_free(head_c);
	mbx_free(head);
	mbx_free(shown);
	return EXIT_USAGE;
}

char *cmd_join_args(int argc, char **argv)
{
	size_t n = 1;
	char *s;
	int i;

	for (i = 0; i < argc; i++)
		n += strlen(argv[i]) + 1;
	s = mbx_malloc(n);
	s[0] = '\0';
	for (i = 0; i < argc; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

int cmd_search_prepare(const tui_opts *o, const char *cmd, mbx_store *st, const char *text,
                       const int64_t *mailboxes, size_t nmb, mbx_search **out)
{
	mbx_query *q = NULL;
	size_t pos = 0;
	int rc;

	*out = NULL;
	rc = mbx_query_parse(text, &q, &pos);
	if (rc < 0)
		return query_error(o, cmd, text, pos);
	rc = mbx_search_prepare(st, q, mailboxes, nmb, out, &pos);
	mbx_query_free(q);
	if (rc == MBX_EINVAL)
		return query_error(o, cmd, text, pos);
	if (rc < 0)
		return cli_fail(EXIT_USAGE, "%s", mbx_error_last());
	return EXIT_OK;
}

int cmd_parse_id(const char *s, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (!*s || *end || errno || v <= 0)
		return -1;
	*out = (int64_t)v;
	return 0;
}

/* ---- search -------------------------------------------------------------------- */

static const char *date_text(int64_t t, char *buf, size_t len, int iso)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0 || !gmtime_r(&tt, &tm))
		snprintf(buf, len, iso ? "" : "-");
	else
		strftime(buf, len, iso ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%d %H:%M", &tm);
	return buf;
}

static void print_json(const mbx_search_hit *h, size_t n)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < n; i++) {
		json_t *x = json_object();
		char d[32];

		json_object_set_new(x, "id", json_integer(h[i].id));
		json_object_set_new(x, "mailbox", cli_json_text(h[i].mailbox));
		json_object_set_new(x, "mailbox_name", cli_json_text(h[i].mailbox_name));
		json_object_set_new(x, "folder", cli_json_text(h[i].folder));
		json_object_set_new(x, "date", h[i].date > 0 ? json_string(date_text(h[i].date, d, sizeof(d), 1))
		                                             : json_null());
		json_object_set_new(x, "from", cli_json_text(h[i].from));
		json_object_set_new(x, "from_address", cli_json_text(h[i].from_address));
		json_object_set_new(x, "subject", cli_json_text(h[i].subject));
		json_object_set_new(x, "class", cli_json_text(h[i].message_class));
		json_object_set_new(x, "size", json_integer(h[i].size));
		json_object_set_new(x, "attachments", json_integer(h[i].attachments));
		json_array_append_new(arr, x);
	}
	json_dumpf(arr, stdout, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	putchar('\n');
	json_decref(arr);
}

/* Columns: id, date, mailbox, folder, sender, subject; the text ones
 * sanitized and cut to a width (the subject is the rest of the line). */
void cmd_print_hits(const tui_opts *o, const mbx_search_hit *h, size_t n)
{
	unsigned f = (o->ascii ? MBX_TEXT_ASCII : 0) | MBX_TEXT_ELLIPSIS;
	int wid = 1, wmb = 4, wfo = 6, wfr = 4;
	size_t i;

	for (i = 0; i < n; i++) {
		char id[24];
		int w;

		w = snprintf(id, sizeof(id), "%" PRId64, h[i].id);
		wid = w > wid ? w : wid;
		w = mbx_text_width(h[i].mailbox ? h[i].mailbox : "");
		wmb = w > wmb ? w : wmb;
		w = mbx_text_width(h[i].folder ? h[i].folder : "");
		wfo = w > wfo ? w : wfo;
		w = mbx_text_width(h[i].from ? h[i].from : "");
		wfr = w > wfr ? w : wfr;
	}
	wmb = wmb > 16 ? 16 : wmb;
	wfo = wfo > 28 ? 28 : wfo;
	wfr = wfr > 28 ? 28 : wfr;
	for (i = 0; i < n; i++) {
		char d[32];
		char *mb = mbx_text_clean(h[i].mailbox, wmb, f, NULL);
		char *fo = mbx_text_clean(h[i].folder, wfo, f, NULL);
		char *fr = mbx_text_clean(h[i].from, wfr, f, NULL);
		char *su = mbx_text_clean(h[i].subject, 200, f, NULL);

		printf("%*" PRId64 "  %-16s  %s%*s  %s%*s  %s%*s  %s\n", wid, h[i].id,
		       date_text(h[i].date, d, sizeof(d), 0),
		       mb, wmb - mbx_text_width(mb), "", fo, wfo - mbx_text_width(fo), "",
		       fr, wfr - mbx_text_width(fr), "", su);
		mbx_free(mb);
		mbx_free(fo);
		mbx_free(fr);
		mbx_free(su);
	}
}

/* --mailbox ALIAS -> ids. */
int cmd_mailbox_ids(mbx_store *st, const char *cmd, char **aliases, size_t n, int64_t **ids)
{
	size_t i;

	*ids = mbx_calloc(n ? n : 1, sizeof(**ids));
	for (i = 0; i < n; i++) {
		mbx_mailbox mb;

		if (mbx_store_mailbox_by_alias(st, aliases[i], &mb) < 0) {
			mbx_free(*ids);
			*ids = NULL;
			return cli_usage_error(cmd, "%s", mbx_error_last());
		}
		(*ids)[i] = mb.id;
		mbx_mailbox_clear(&mb);
	}
	return EXIT_OK;
}

int cmd_search(const tui_opts *o, int argc, char **argv)
{
	mbx_store *st = NULL;
	mbx_search *s = NULL;
	mbx_search_hit *h = NULL;
	char **aliases = NULL, **words = NULL, *text = NULL;
	int64_t *mb = NULL;
	size_t naliases = 0, nwords = 0, nh = 0, limit = DEFAULT_LIMIT, offset = 0;
	int json = o->json, count = 0, status = EXIT_OK, i, opts_done = 0;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!opts_done && strcmp(a, "--") == 0) {
			opts_done = 1;
		} else if (!opts_done && strcmp(a, "--json") == 0) {
			json = 1;
		} else if (!opts_done && strcmp(a, "--count") == 0) {
			count = 1;
		} else if (!opts_done && (strcmp(a, "--mailbox") == 0 || strcmp(a, "--limit") == 0 ||
		                          strcmp(a, "--offset") == 0)) {
			int64_t v;

			if (i + 1 >= argc) {
				status = cli_usage_error("search", "%s needs a value", a);
				goto out;
			}
			if (strcmp(a, "--mailbox") == 0) {
				aliases = mbx_reallocarray(aliases, naliases + 1, sizeof(*aliases));
				aliases[naliases++] = argv[++i];
				continue;
			}
			if ((cmd_parse_id(argv[i + 1], &v) < 0 && strcmp(argv[i + 1], "0") != 0)) {
				status = cli_usage_error("search", "%s needs a number, not '%s'", a, argv[i + 1]);
				goto out;
			}
			v = strcmp(argv[i + 1], "0") == 0 ? 0 : v;
			if (strcmp(a, "--limit") == 0)
				limit = (size_t)v;
			else
				offset = (size_t)v;
			i++;
		} else if (!opts_done && strncmp(a, "--", 2) == 0) {
			status = cli_usage_error("search", "unknown option '%s'", a);
			goto out;
		} else {
			words = mbx_reallocarray(words, nwords + 1, sizeof(*words));
			words[nwords++] = argv[i];
		}
	}
	if (nwords == 0) {
		status = cli_usage_error("search", "no query given");
		goto out;
	}
	text = cmd_join_args((int)nwords, words);
	if (mbx_store_open(&st, o->db_path, MBX_STORE_READONLY) < 0) {
		status = cli_fail(EXIT_USAGE, "%s", mbx_error_last());
		goto out;
	}
	status = cmd_mailbox_ids(st, "search", aliases, naliases, &mb);
	if (status == EXIT_OK)
		status = cmd_search_prepare(o, "search", st, text, mb, naliases, &s);
	if (status != EXIT_OK)
		goto out;
	if (count) {
		int64_t c = 0;

		if (mbx_search_count(s, &c) < 0) {
			status = cli_fail(EXIT_FINDINGS, "%s", mbx_error_last());
			goto out;
		}
		printf("%" PRId64 "\n", c);
		goto out;
	}
	/* one more than asked tells whether there are more */
	if (mbx_search_run(s, offset, limit ? limit + 1 : 0, &h, &nh) < 0) {
		status = cli_fail(EXIT_FINDINGS, "%s", mbx_error_last());
		goto out;
	}
	{
		size_t shown = limit && nh > limit ? limit : nh;

		if (json)
			print_json(h, shown);
		else
			cmd_print_hits(o, h, shown);
		if (limit && nh > limit)
			fprintf(stderr, "mbxrescue search: %zu hits shown, there are more (--limit N, "
			        "--offset N, --limit 0 for all, --count)\n", shown);
		else if (nh == 0 && !json)
			fprintf(stderr, "mbxrescue search: no messages match\n");
	}
out:
	mbx_search_hits_free(h, nh);
	mbx_search_free(s);
	mbx_store_free(st);
	mbx_free(mb);
	mbx_free(text);
	mbx_free(words);
	mbx_free(aliases);
	return status;
}

/* ---- show ----------------------------------------------------------------------- */

/* Multi-line text: each line sanitized, tabs as spaces, CRs dropped. */
static void put_lines(const tui_opts *o, const char *indent, const char *text)
{
	unsigned f = o->ascii ? MBX_TEXT_ASCII : 0;
	const char *p = text ? text : "";

	while (*p) {
		size_t n = strcspn(p, "\n"), i, k = 0;
		char *line = mbx_malloc(8 * n + 1), *c;

		for (i = 0; i < n; i++) {
			if (p[i] == '\r')
				continue;
			if (p[i] == '\t') {
				do
					line[k++] = ' ';
				while (k % 8);
				continue;
			}
			line[k++] = p[i];
		}
		line[k] = '\0';
		c = mbx_text_clean(line, -1, f, NULL);
		printf("%s%s\n", indent, c);
		mbx_free(c);
		mbx_free(line);
		p += n;
		if (*p == '\n')
			p++;
	}
}

static void put_field(const tui_opts *o, const char *name, const char *value)
{
	char *c = mbx_text_clean(value, -1, o->ascii ? MBX_TEXT_ASCII : 0, NULL);

	printf("%s: %s\n", name, c);
	mbx_free(c);
}

static char *person(const char *name, const char *addr)
{
	if (name && *name && addr && *addr && strcmp(name, addr) != 0)
		return mbx_asprintf("%s <%s>", name, addr);
	return mbx_strdup(name && *name ? name : addr ? addr : "");
}

static void put_recipients(const tui_opts *o, const mbx_message *m, mbx_recip_type t,
                           const char *label)
{
	char *all = NULL;
	size_t i;

	for (i = 0; i < m->n_recipients; i++) {
		char *p, *n;

		if (m->recipients[i].type != t)
			continue;
		p = person(m->recipients[i].name, m->recipients[i].address);
		n = all ? mbx_asprintf("%s, %s", all, p) : mbx_strdup(p);
		mbx_free(all);
		mbx_free(p);
		all = n;
	}
	if (all)
		put_field(o, label, all);
	mbx_free(all);
}

int cmd_show(const tui_opts *o, int argc, char **argv)
{
	mbx_store *st = NULL;
	mbx_message *m = NULL;
	mbx_search_hit h;
	int64_t id = 0;
	int headers = 0, status = EXIT_OK, i;
	char d[32], *text = NULL, *from;

	memset(&h, 0, sizeof(h));
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--headers") == 0)
			headers = 1;
		else if (id == 0 && cmd_parse_id(argv[i], &id) == 0)
			;
		else
			return cli_usage_error("show", "'%s' is not a message id (the first column of "
			                       "mbxrescue search)", argv[i]);
	}
	if (id == 0)
		return cli_usage_error("show", "which message? give its id");
	if (mbx_store_open(&st, o->db_path, MBX_STORE_READONLY) < 0)
		return cli_fail(EXIT_USAGE, "%s", mbx_error_last());
	if (mbx_store_begin_read(st) < 0 || mbx_store_search_hit_get(st, id, &h) < 0 ||
	    mbx_store_message_get(st, id, &m) < 0) {
		status = cli_fail(EXIT_USAGE, "%s", mbx_error_last());
		goto out;
	}
	mbx_store_commit(st);
	{
		char *where = mbx_asprintf("%s (%s), folder %s", h.mailbox, h.mailbox_name, h.folder);

		printf("Message %" PRId64 "\n", id);
		put_field(o, "Mailbox", where);
		mbx_free(where);
	}
	if (h.deleted_run) {
		char *why = mbx_asprintf("by delete-items run %" PRId64 " (mbxrescue delete-items --undo %"
		                         PRId64 " restores it)", h.deleted_run, h.deleted_run);

		put_field(o, "Deleted", why);
		mbx_free(why);
	}
	from = person(m->sender_name, m->sender_address);
	put_field(o, "From", from);
	mbx_free(from);
	put_recipients(o, m, MBX_RECIP_TO, "To");
	put_recipients(o, m, MBX_RECIP_CC, "Cc");
	put_recipients(o, m, MBX_RECIP_BCC, "Bcc");
	if (m->sent_time > 0)
		put_field(o, "Sent", date_text(m->sent_time, d, sizeof(d), 0));
	if (m->received_time > 0)
		put_field(o, "Received", date_text(m->received_time, d, sizeof(d), 0));
	put_field(o, "Subject", m->subject ? m->subject : "");
	put_field(o, "Class", m->message_class ? m->message_class : "IPM.Note");
	if (m->internet_message_id && *m->internet_message_id)
		put_field(o, "Message-ID", m->internet_message_id);
	if (m->n_attachments) {
		size_t k;

		printf("Attachments:\n");
		for (k = 0; k < m->n_attachments; k++) {
			const mbx_attachment *a = &m->attachments[k];
			char sz[16], *line;

			if (a->embedded)
				line = mbx_asprintf("  [message] %s", a->filename && *a->filename ? a->filename :
				                    a->embedded->subject ? a->embedded->subject : "");
			else
				line = mbx_asprintf("  %s (%s, %" PRId64 " bytes)", a->filename ? a->filename : "",
				                    mbx_text_size(a->size, sz, sizeof(sz)), a->size);
			put_lines(o, "", line);
			mbx_free(line);
		}
	}
	if (headers && m->transport_headers && *m->transport_headers) {
		printf("Headers:\n");
		put_lines(o, "  ", m->transport_headers);
	}
	printf("\n");
	text = mbx_message_text(m);
	put_lines(o, "", text);
out:
	mbx_free(text);
	mbx_search_hit_clear(&h);
	mbx_message_free(m);
	mbx_store_free(st);
	return status;
}

/* ---- reindex --------------------------------------------------------------------- */

static void reindex_progress(void *ud, int64_t done, int64_t total)
{
	(void)ud;
	fprintf(stderr, "\r\033[Kindexed %" PRId64 " of %" PRId64 " messages", done, total);
	fflush(stderr);
}

int cmd_reindex(const tui_opts *o, int argc, char **argv)
{
	mbx_store *st = NULL;
	mbx_reindex_opts ro;
	mbx_search_status ss;
	struct timespec t0, t1;
	int64_t n = 0;
	int rc;

	if (argc > 1)
		return cli_usage_error("reindex", "unexpected argument '%s'", argv[1]);
	if (mbx_store_open(&st, o->db_path, 0) < 0)
		return cli_fail(EXIT_USAGE, "%s", mbx_error_last());
	memset(&ro, 0, sizeof(ro));
	if (isatty(STDERR_FILENO))
		ro.progress = reindex_progress;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = mbx_store_reindex(st, &ro, &n);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (ro.progress)
		fputs("\r\033[K", stderr);
	if (rc < 0) {
		mbx_store_free(st);
		return cli_fail(EXIT_FINDINGS, "%s", mbx_error_last());
	}
	if (mbx_store_search_status(st, &ss) == 0)
		printf("Indexed %" PRId64 " messages in %.1f s; the index is built and kept up to date.\n",
		       n, (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	mbx_store_free(st);
	return EXIT_OK;
}
