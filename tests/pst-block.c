/*
 * tests/pst-block.c - where a message of a PST lives, for tests that
 * damage one item on purpose: finds the first message (top-level, normal
 * or FAI) whose subject contains TEXT and prints its NID, the file offset
 * and size of its property context's first data block, and its folder.
 *
 *   tests/pst-block FILE.pst TEXT
 *     -> "NID OFFSET SIZE FOLDER" (exit 0), or exit 1 when there is none
 *   tests/pst-block FILE.pst --contents PATH
 *     -> the same for the contents table of the folder PATH (as pst-dump
 *        names it, without "folder:")
 *
 * Flipping a byte inside [OFFSET, OFFSET + SIZE) breaks that block's CRC
 * (the 16- or 24-byte trailer follows the data): only that message is
 * damaged.
 */
#include "config.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mbx/common.h"
#include "mbx/props.h"
#include "mbx/pstprop.h"
#include "pstprop/pstprop_int.h"

static const pp_bbt *find_block(const mbx_pstprop *p, uint64_t bid)
{
	size_t lo = 0, hi = p->nbbt;

	bid &= ~(uint64_t)1;   /* the low bit is a reference count flag in some writers */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint64_t b = p->bbt[mid].bid & ~(uint64_t)1;

		if (b == bid)
			return &p->bbt[mid];
		if (b < bid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	mbx_pstprop *p;
	size_t fi, i;
	int assoc;

	if (argc == 4 && strcmp(argv[2], "--contents") == 0) {
		if (mbx_pstprop_open(&p, argv[1], 0) < 0) {
			fprintf(stderr, "%s\n", mbx_error_last());
			return 2;
		}
		for (fi = 0; fi < mbx_pstprop_folder_count(p); fi++) {
			const mbx_pstprop_folder *f = mbx_pstprop_folder_at(p, fi);
			uint32_t tnid = PST_NID_WITH_TYPE(f->nid, PST_NID_TYPE_CONTENTS_TABLE);
			const pp_nbt *nb = pp_nbt_find(p, tnid);
			const pp_bbt *b = nb ? find_block(p, nb->bid_data) : NULL;

			if (strcmp(f->path, argv[3]) == 0 && b) {
				printf("0x%x %" PRIu64 " %u %s\n", tnid, b->ibcb >> 16, (unsigned)(b->ibcb & 0xFFFF),
				       f->path);
				mbx_pstprop_free(p);
				return 0;
			}
		}
		mbx_pstprop_free(p);
		return 1;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: pst-block FILE.pst TEXT | FILE.pst --contents PATH\n");
		return 2;
	}
	if (mbx_pstprop_open(&p, argv[1], 0) < 0) {
		fprintf(stderr, "%s\n", mbx_error_last());
		return 2;
	}
	for (fi = 0; fi < mbx_pstprop_folder_count(p); fi++) {
		const mbx_pstprop_folder *f = mbx_pstprop_folder_at(p, fi);

		for (assoc = 0; assoc < 2; assoc++) {
			uint32_t *nids;
			size_t n;

			if (mbx_pstprop_folder_contents(p, f->nid, assoc, &nids, &n) < 0)
				continue;
			for (i = 0; i < n; i++) {
				mbx_pstprop_msg *m;
				mbx_propkey k = MBX_KEY(MBX_PID_TAG_SUBJECT);
				char *subj = NULL;

				if (mbx_pstprop_message_read(p, nids[i], &m) < 0)
					continue;
				if (mbx_props_utf8(&m->bag.props, &k, 0, &subj) == 0 && subj &&
				    strstr(subj, argv[2])) {
					const pp_nbt *nb = pp_nbt_find(p, nids[i]);
					const pp_bbt *b = nb ? find_block(p, nb->bid_data) : NULL;

					if (b) {
						printf("0x%x %" PRIu64 " %u %s\n", nids[i], b->ibcb >> 16,
						       (unsigned)(b->ibcb & 0xFFFF), f->path);
						mbx_free(subj);
						mbx_pstprop_message_free(m);
						mbx_free(nids);
						mbx_pstprop_free(p);
						return 0;
					}
				}
				mbx_free(subj);
				mbx_pstprop_message_free(m);
			}
			mbx_free(nids);
			f = mbx_pstprop_folder_at(p, fi);
		}
	}
	mbx_pstprop_free(p);
	return 1;
}
