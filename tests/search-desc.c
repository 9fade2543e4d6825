/*
 * tests/search-desc - what the search and export-items tests expect,
 * worked out from the store without the search index:
 *
 *   search-desc truth DB WORD
 *       the ids of the messages of folders (not FAI) holding WORD in their
 *       subject, sender, recipients, body (plain, else HTML's text) or
 *       attachment names, one a line, ascending.  An ASCII word matches
 *       case-insensitively between characters that are not letters or
 *       digits (any non-ASCII byte counting as a letter); a word of other
 *       scripts matches as a substring (Chinese, Japanese) or as a whole
 *       word between spaces and punctuation (anything else).  Written
 *       apart from the index's tokenizer on purpose.
 *
 *   search-desc desc DB ID...
 *       the description (tests/PSTDESC.md, unsorted) of the PST that
 *       `mbxrescue export-items ID...` must write: folders "MAILBOX
 *       DISPLAY NAME/folder path", the messages with their recipients and
 *       attachments, and the PST's own Deleted Items.
 */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mbx/rtf.h"
#include "mbx/search.h"
#include "mbx/store.h"
#include "desc_msg.h"
#include "pstread/pstread.h"
#include "test_util.h"

/* ---- truth ------------------------------------------------------------------ */

static int ascii_word(const char *w)
{
	for (; *w; w++)
		if ((unsigned char)*w >= 0x80)
			return 0;
	return 1;
}

static int is_cjk_text(const char *w)
{
	/* a three-byte UTF-8 sequence in U+3040..U+9FFF */
	const unsigned char *u = (const unsigned char *)w;

	return u[0] >= 0xE3 && u[0] <= 0xE9;
}

static int wordch(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

/* Separators for whole words of other scripts: ASCII non-alphanumerics,
 * and the Arabic comma, semicolon and question mark. */
static size_t sep_len(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	if (!*u)
		return 0;
	if (*u < 0x80)
		return wordch(*u) ? 0 : 1;
	if (u[0] == 0xD8 && u[1] == 0x8C)   /* U+060C */
		return 2;
	if (u[0] == 0xD8 && (u[1] == 0x9B || u[1] == 0x9F))
		return 2;
	return 0;
}

static int holds(const char *text, const char *w)
{
	size_t n = strlen(w);
	const char *p;

	if (!text || !*text)
		return 0;
	if (ascii_word(w)) {
		for (p = text; *p; p++)
			if (strncasecmp(p, w, n) == 0 && (p == text || !wordch((unsigned char)p[-1])) &&
			    !wordch((unsigned char)p[n]))
				return 1;
		return 0;
	}
	if (is_cjk_text(w))
		return strstr(text, w) != NULL;
	for (p = text; (p = strstr(p, w)) != NULL; p++)
		if ((p == text || sep_len(p - 1) || (p >= text + 2 && sep_len(p - 2) == 2)) &&
		    (!p[n] || sep_len(p + n)))
			return 1;
	return 0;
}

static int message_holds(const mbx_message *m, const char *w)
{
	size_t i;
	int r = 0;

	if (holds(m->subject, w) || holds(m->sender_name, w) || holds(m->sender_address, w))
		return 1;
	for (i = 0; i < m->n_recipients; i++)
		if (holds(m->recipients[i].name, w) || holds(m->recipients[i].address, w))
			return 1;
	for (i = 0; i < m->n_attachments; i++)
		if (holds(m->attachments[i].filename, w) ||
		    (m->attachments[i].embedded && !m->attachments[i].filename &&
		     holds(m->attachments[i].embedded->subject, w)))
			return 1;
	if (m->body && *m->body)
		return holds(m->body, w);
	if (m->html_body && *m->html_body) {
		char *t = mbx_html_to_text(m->html_body, strlen(m->html_body));

		r = holds(t, w);
		mbx_free(t);
	}
	return r;
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static int truth(mbx_store *st, const char *w)
{
	mbx_mailbox *mb = NULL;
	size_t nmb = 0, i, j, n = 0;
	int64_t *ids = NULL;

	if (mbx_store_mailboxes(st, &mb, &nmb) < 0)
		return 1;
	for (i = 0; i < nmb; i++) {
		mbx_folder *f = NULL;
		size_t nf = 0;

		if (mbx_store_folders(st, mb[i].id, &f, &nf) < 0)
			return 1;
		for (j = 0; j < nf; j++) {
			mbx_msg_iter *it;
			mbx_message *m;

			if (mbx_store_messages(st, f[j].id, &it) < 0)
				return 1;
			while (mbx_msg_iter_next(it, &m) > 0) {
				if (!m->associated && message_holds(m, w)) {
					ids = realloc(ids, (n + 1) * sizeof(*ids));
					ids[n++] = m->id;
				}
				mbx_message_free(m);
			}
			mbx_msg_iter_free(it);
		}
		mbx_folders_free(f, nf);
	}
	qsort(ids, n, sizeof(*ids), cmp64);
	for (i = 0; i < n; i++)
		printf("%lld\n", (long long)ids[i]);
	free(ids);
	mbx_mailboxes_free(mb, nmb);
	return 0;
}

/* ---- desc -------------------------------------------------------------------- */

/* A PST folder the export creates, and its messages. */
typedef struct dfolder {
	char *path;
	long msgs;
} dfolder;

static dfolder *folders;
static size_t nfolders;

static size_t folder_at(const char *path)
{
	size_t i;

	for (i = 0; i < nfolders; i++)
		if (strcmp(folders[i].path, path) == 0)
			return i;
	folders = realloc(folders, (nfolders + 1) * sizeof(*folders));
	folders[nfolders].path = strdup(path);
	folders[nfolders].msgs = 0;
	return nfolders++;
}

/* The PST path of store folder id of mailbox top `top`; creates the
 * records of its ancestors. */
static char *pst_path(const char *top, const mbx_folder *f, size_t nf, int64_t id)
{
	size_t i;

	for (i = 0; i < nf; i++)
		if (f[i].id == id)
			break;
	if (i == nf)
		return NULL;
	{
		char *parent = f[i].parent_id ? pst_path(top, f, nf, f[i].parent_id)
		                              : mbx_pstread_path_join("", top);
		char *p = mbx_pstread_path_join(parent, f[i].name);

		folder_at(parent);
		mbx_free(parent);
		folder_at(p);
		return p;
	}
}

static int desc(mbx_store *st, char **argv, int argc)
{
	int i;
	size_t k;

	for (i = 0; i < argc; i++) {
		int64_t id = atoll(argv[i]);
		mbx_search_hit h;
		mbx_folder *f = NULL;
		size_t nf = 0;
		mbx_message *m = NULL;
		char *path;

		if (mbx_store_search_hit_get(st, id, &h) < 0 || mbx_store_folders(st, h.mailbox_id, &f, &nf) < 0 ||
		    mbx_store_message_get(st, id, &m) < 0)
			return 1;
		path = pst_path(h.mailbox_name, f, nf, h.folder_id);
		if (!path)
			return 1;
		folders[folder_at(path)].msgs++;
		test_describe_message(st, path, m);
		mbx_free(path);
		mbx_message_free(m);
		mbx_folders_free(f, nf);
		mbx_search_hit_clear(&h);
	}
	folder_at("Deleted Items");
	for (k = 0; k < nfolders; k++) {
		fputs("F\t", stdout);
		test_put_text(folders[k].path);
		printf("\t%ld\n", folders[k].msgs);
		free(folders[k].path);
	}
	free(folders);
	return 0;
}

int main(int argc, char **argv)
{
	mbx_store *st = NULL;
	int rc;

	if (argc < 4 || (strcmp(argv[1], "truth") != 0 && strcmp(argv[1], "desc") != 0)) {
		fprintf(stderr, "usage: search-desc truth DB WORD | desc DB ID...\n");
		return 2;
	}
	if (mbx_store_open(&st, argv[2], MBX_STORE_READONLY) < 0) {
		fprintf(stderr, "search-desc: %s\n", mbx_error_last());
		return 1;
	}
	rc = strcmp(argv[1], "truth") == 0 ? truth(st, argv[3]) : desc(st, argv + 3, argc - 3);
	if (rc)
		fprintf(stderr, "search-desc: %s\n", mbx_error_last());
	mbx_store_free(st);
	return rc;
}
