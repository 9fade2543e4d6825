/*
 * tests/export-desc - what an exported PST must hold, computed from the
 * store (not from the PST), for the export tests:
 *
 *   export-desc [--counts] DB ALIAS [--from DATE] [--to DATE] [--date-field sent]
 *   export-desc --counts-each DB ALIASFILE [filters]
 *               [--include PATH[/]] [--exclude PATH[/]] [--subject TEXT]
 *               [--attachment GLOB] [--class PREFIX] [--no-associated]
 *
 * Default output: the description of tests/PSTDESC.md (unsorted; pipe it
 * through LC_ALL=C sort).  --counts: one line per folder in the format of
 * mbx_pst_describe / `mbxrescue verify`: path, messages (FAI included),
 * attachments (embedded included), attachment bytes.
 */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mbx/export.h"
#include "mbx/store.h"
#include "test_util.h"
#include "export/export_int.h"
#include "desc_msg.h"

static void add_sel(mbx_folder_sel **v, size_t *n, char *path)
{
	size_t len = strlen(path);
	int subtree = 1;

	if (len > 1 && path[len - 1] == '/') {
		path[len - 1] = '\0';
		subtree = 0;
	}
	*v = realloc(*v, (*n + 1) * sizeof(**v));
	(*v)[*n].path = path;
	(*v)[*n].subtree = subtree;
	(*n)++;
}

typedef struct counts {
	int64_t msgs, atts, bytes;
} counts;

/* The description (or counts) of one mailbox under filter f. */
static int describe(mbx_store *st, const char *alias, const mbx_export_filter *fp, int counts_mode)
{
	mbx_export_filter f = *fp;
	mbx_mailbox mb;
	mbx_folder *fo = NULL;
	size_t nf = 0, i;
	int *sel, *wr, have_deleted = 0;
	char **paths;
	counts *cnt;

	if (mbx_store_mailbox_by_alias(st, alias, &mb) < 0 ||
	    mbx_store_folders(st, mb.id, &fo, &nf) < 0) {
		fprintf(stderr, "export-desc: %s\n", mbx_error_last());
		return 1;
	}
	sel = calloc(nf + 1, sizeof(int));
	wr = calloc(nf + 1, sizeof(int));
	paths = calloc(nf + 1, sizeof(char *));
	cnt = calloc(nf + 1, sizeof(counts));
	exp_filter_folders(&f, fo, nf, sel, wr);
	for (i = 0; i < nf; i++) {
		size_t p;
		const char *name = fo[i].name;

		for (p = i; p-- > 0;)
			if (fo[p].id == fo[i].parent_id)
				break;
		if (fo[i].parent_id == 0 && fo[i].role == MBX_ROLE_DELETED) {
			name = "Deleted Items";
			if (wr[i])
				have_deleted = 1;
		}
		paths[i] = mbx_pstread_path_join(fo[i].parent_id ? paths[p] : "", name);
	}
	for (i = 0; i < nf; i++) {
		mbx_msg_iter *it;
		mbx_message *m;
		int64_t normal = 0;
		size_t k;

		if (!wr[i])
			continue;
		if (sel[i] && mbx_store_messages(st, fo[i].id, &it) == 0) {
			while (mbx_msg_iter_next(it, &m) > 0) {
				if (exp_filter_message(&f, m)) {
					cnt[i].msgs++;
					cnt[i].atts += (int64_t)m->n_attachments;
					for (k = 0; k < m->n_attachments; k++)
						if (!m->attachments[k].embedded)
							cnt[i].bytes += m->attachments[k].size;
					if (!m->associated) {
						normal++;
						if (!counts_mode)
							test_describe_message(st, paths[i], m);
					}
				}
				mbx_message_free(m);
			}
			mbx_msg_iter_free(it);
		}
		if (counts_mode) {
			printf("%s\t%lld\t%lld\t%lld\n", paths[i], (long long)cnt[i].msgs,
			       (long long)cnt[i].atts, (long long)cnt[i].bytes);
		} else {
			fputs("F\t", stdout);
			test_put_text(paths[i]);
			printf("\t%lld\n", (long long)normal);
		}
	}
	/* Every PST has a Deleted Items folder. */
	if (!have_deleted)
		printf(counts_mode ? "Deleted Items\t0\t0\t0\n" : "F\tDeleted Items\t0\n");
	for (i = 0; i < nf; i++)
		mbx_free(paths[i]);
	free(paths);
	free(sel);
	free(wr);
	free(cnt);
	mbx_folders_free(fo, nf);
	mbx_mailbox_clear(&mb);
	return 0;
}

int main(int argc, char **argv)
{
	mbx_export_filter f;
	mbx_folder_sel *inc = NULL, *exc = NULL;
	mbx_store *st = NULL;
	size_t i;
	int counts_mode = 0, a = 1, each = 0, rc = 0;

	memset(&f, 0, sizeof(f));
	if (a < argc && strcmp(argv[a], "--counts") == 0) {
		counts_mode = 1;
		a++;
	} else if (a < argc && strcmp(argv[a], "--counts-each") == 0) {
		/* DB FILE: the counts of every alias in FILE (one a line), each
		 * after a line "== ALIAS": one process for thousands of them. */
		counts_mode = each = 1;
		a++;
	}
	if (argc - a < 2) {
		fprintf(stderr, "usage: export-desc [--counts] DB ALIAS [filters]\n");
		return 2;
	}
	for (i = (size_t)a + 2; i < (size_t)argc; i++) {
		const char *o = argv[i];
		char *v = i + 1 < (size_t)argc ? argv[i + 1] : NULL;

		if (strcmp(o, "--no-associated") == 0) {
			f.no_associated = 1;
			continue;
		}
		if (strcmp(o, "--date-field") == 0 && v) {
			f.date_field = strcmp(v, "sent") == 0 ? MBX_DATE_SENT : MBX_DATE_RECEIVED;
		} else if (strcmp(o, "--from") == 0 && v) {
			if (mbx_export_parse_date(v, 0, &f.from) < 0)
				return 2;
		} else if (strcmp(o, "--to") == 0 && v) {
			if (mbx_export_parse_date(v, 1, &f.to) < 0)
				return 2;
		} else if (strcmp(o, "--include") == 0 && v) {
			add_sel(&inc, &f.n_include, v);
		} else if (strcmp(o, "--exclude") == 0 && v) {
			add_sel(&exc, &f.n_exclude, v);
		} else if (strcmp(o, "--subject") == 0 && v) {
			f.subject = v;
		} else if (strcmp(o, "--attachment") == 0 && v) {
			f.attachment_glob = v;
		} else if (strcmp(o, "--class") == 0 && v) {
			f.class_prefix = v;
		} else {
			fprintf(stderr, "export-desc: bad option %s\n", o);
			return 2;
		}
		i++;
	}
	f.include = inc;
	f.exclude = exc;
	if (mbx_store_open(&st, argv[a], MBX_STORE_READONLY) < 0) {
		fprintf(stderr, "export-desc: %s\n", mbx_error_last());
		return 1;
	}
	if (each) {
		FILE *fp = fopen(argv[a + 1], "r");
		char line[512];

		if (!fp) {
			perror(argv[a + 1]);
			return 2;
		}
		while (rc == 0 && fgets(line, sizeof(line), fp)) {
			line[strcspn(line, "\r\n")] = '\0';
			if (!*line)
				continue;
			printf("== %s\n", line);
			rc = describe(st, line, &f, 1);
		}
		fclose(fp);
	} else {
		rc = describe(st, argv[a + 1], &f, counts_mode);
	}
	free(inc);
	free(exc);
	mbx_store_free(st);
	return rc;
}
