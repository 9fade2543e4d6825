/*
 * tests/export-verify DB ALIAS FILE.pst - the export's property-level
 * verification (core/export/verify_props.c) of FILE.pst against mailbox
 * ALIAS of the store DB, as the export runs it after writing: the message
 * store object, every folder of the mailbox that the file has (found by
 * path below its IPM subtree) and their messages in store order, every
 * property but the regenerated ones, attachment data by size and hash.
 * The differences the verification logs are printed (one a line, the
 * first 20) and its result last.  Exit 0 when the file holds exactly what
 * the store does, 1 when it differs, 2 when it could not be compared.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "mbx/pst.h"
#include "mbx/pstprop.h"
#include "mbx/store.h"
#include "export/export_int.h"
#include "pstread/pstread.h"

static void on_line(void *ud, int level, const char *line)
{
	(void)ud;
	(void)level;
	printf("%s\n", line);
}

static size_t parent_of(const mbx_folder *f, size_t i)
{
	size_t j;

	for (j = i; j-- > 0;)
		if (f[j].id == f[i].parent_id)
			return j;
	return (size_t)-1;
}

int main(int argc, char **argv)
{
	mbx_store *st = NULL;
	mbx_mailbox mb;
	mbx_folder *folders = NULL;
	size_t nf = 0, i, k;
	char **paths;
	mbx_pstprop *pp = NULL;
	exp_pexpect e;
	exp_pverify v;
	exp_pstats stats;
	mbx_log *log = NULL;
	mbx_props tmp;
	int rc;

	if (argc != 4) {
		fprintf(stderr, "usage: export-verify DB ALIAS FILE.pst\n");
		return 2;
	}
	memset(&mb, 0, sizeof(mb));
	memset(&e, 0, sizeof(e));
	memset(&stats, 0, sizeof(stats));
	if (mbx_store_open(&st, argv[1], MBX_STORE_READONLY) < 0 || mbx_store_mailbox_by_alias(st, argv[2], &mb) < 0 ||
	    mbx_store_folders(st, mb.id, &folders, &nf) < 0 || mbx_pstprop_open(&pp, argv[3], 0) < 0) {
		fprintf(stderr, "export-verify: %s\n", mbx_error_last());
		return 2;
	}
	mbx_log_open(&log, NULL, MBX_LOG_MIN, on_line, NULL);
	/* the bags as the export screens them */
	mbx_props_init(&tmp);
	if (exp_bag_screen(&mb.bag, NULL, "the message store", &tmp, NULL) == &tmp) {
		mbx_props_clear(&mb.bag);
		mb.bag = tmp;
		mbx_props_init(&tmp);
	}
	paths = mbx_calloc(nf ? nf : 1, sizeof(*paths));
	for (i = 0; i < nf; i++) {
		size_t p = parent_of(folders, i);

		paths[i] = mbx_pstread_path_join(p == (size_t)-1 ? "" : paths[p], folders[i].name ? folders[i].name : "");
		if (exp_bag_screen(&folders[i].bag, NULL, "a folder", &tmp, NULL) == &tmp) {
			mbx_props_clear(&folders[i].bag);
			folders[i].bag = tmp;
			mbx_props_init(&tmp);
		}
	}
	/* the file's folders below its IPM subtree (the root's first child), by path */
	for (i = 0; i < nf; i++) {
		for (k = 0; k < mbx_pstprop_folder_count(pp); k++) {
			const mbx_pstprop_folder *pf = mbx_pstprop_folder_at(pp, k);
			const char *slash = pf->depth >= 2 ? strchr(pf->path, '/') : NULL;

			while (slash && slash > pf->path && slash[-1] == '\\')
				slash = strchr(slash + 1, '/');
			if (slash && strcmp(slash + 1, paths[i]) == 0) {
				exp_pfolder *ef = exp_pexpect_folder(&e, i, pf->nid);
				mbx_msg_iter *it;
				mbx_message *m;

				if (mbx_store_messages(st, folders[i].id, &it) < 0)
					break;
				while (mbx_msg_iter_next(it, &m) > 0) {
					uint64_t d = 0;

					exp_store_digest(st, m, &d);
					exp_pexpect_add(ef, m->associated, m->id, d);
					mbx_message_free(m);
				}
				mbx_msg_iter_free(it);
				break;
			}
		}
	}
	memset(&v, 0, sizeof(v));
	v.path = argv[3];
	v.st = st;
	v.log = log;
	v.store_bag = &mb.bag;
	v.folders = folders;
	v.paths = paths;
	v.stats = &stats;
	rc = exp_verify_props(&v, &e);
	printf("%s: %lld folders, %lld messages compared: %s\n", argv[3], (long long)stats.folders,
	       (long long)stats.messages, rc == 0 ? "identical" : mbx_error_last());
	exp_pexpect_clear(&e);
	for (i = 0; i < nf; i++)
		mbx_free(paths[i]);
	mbx_free(paths);
	mbx_folders_free(folders, nf);
	mbx_mailbox_clear(&mb);
	mbx_pstprop_free(pp);
	mbx_store_free(st);
	mbx_log_free(log);
	return rc == 0 ? 0 : rc == MBX_ECORRUPT ? 1 : 2;
}
