/*
 * core/pst/msg_folder.c - folders ([MS-PST] 2.4.4): the folder PC and its
 * hierarchy, contents and FAI contents tables, written at close when the
 * counts are known.  Contents rows are added as messages end (in
 * msg_message.c); the hierarchy rows come from the same parent NIDs the
 * NBT gets, so libpst (parent NIDs) and libpff (tables) see one tree.
 */
#include <string.h>

#include "mbx/common.h"
#include "pst/pst_int.h"

/* Column sets of the templates ([MS-PST] 2.4.4.4.1, 2.4.4.5.1, 2.4.4.6.1,
 * 2.4.8.6.2.1, 2.4.5.3.1, 2.4.6.1.1), as Outlook writes them. */
const uint32_t pst_hier_cols[] = {
	0x0E300102, 0x0E330014, 0x0E340102, 0x0E380003, 0x3001001F, 0x36020003, 0x36030003,
	0x360A000B, 0x3613001F, 0x66350003, 0x66360003,
};
const size_t pst_nhier_cols = sizeof(pst_hier_cols) / sizeof(pst_hier_cols[0]);

const uint32_t pst_contents_cols[] = {
	0x00170003, 0x001A001F, 0x00360003, 0x0037001F, 0x00390040, 0x0042001F, 0x0057000B,
	0x0058000B, 0x0070001F, 0x00710102, 0x0E03001F, 0x0E04001F, 0x0E060040, 0x0E070003,
	0x0E080003, 0x0E170003, 0x0E300102, 0x0E330014, 0x0E340102, 0x0E380003, 0x0E3C0102,
	0x0E3D0102, 0x10970003, 0x30080040, 0x30130102, 0x65C60003,
};
const size_t pst_ncontents_cols = sizeof(pst_contents_cols) / sizeof(pst_contents_cols[0]);

const uint32_t pst_assoc_cols[] = {
	0x001A001F, 0x0E070003, 0x0E170003, 0x3001001F, 0x6800001F, 0x6803000B, 0x68051003,
	0x682F001F, 0x70030003, 0x70040102, 0x70050102, 0x7006001F, 0x70070003,
};
const size_t pst_nassoc_cols = sizeof(pst_assoc_cols) / sizeof(pst_assoc_cols[0]);

const uint32_t pst_search_cols[] = {
	0x00170003, 0x001A001F, 0x00360003, 0x0037001F, 0x0042001F, 0x0057000B, 0x0058000B,
	0x0E03001F, 0x0E04001F, 0x0E05001F, 0x0E060040, 0x0E070003, 0x0E080003, 0x0E170003,
	0x0E2A000B, 0x30080040, 0x67F10003,
};
const size_t pst_nsearch_cols = sizeof(pst_search_cols) / sizeof(pst_search_cols[0]);

const uint32_t pst_recip_cols[] = {
	0x0C150003, 0x0E0F000B, 0x0FF90102, 0x0FFE0003, 0x0FFF0102, 0x3001001F, 0x3002001F,
	0x3003001F, 0x300B0102, 0x39000003, 0x39FF001F, 0x3A40000B,
};
const size_t pst_nrecip_cols = sizeof(pst_recip_cols) / sizeof(pst_recip_cols[0]);

const uint32_t pst_attach_cols[] = {
	0x0E200003, 0x3704001F, 0x37050003, 0x370B0003,
};
const size_t pst_nattach_cols = sizeof(pst_attach_cols) / sizeof(pst_attach_cols[0]);

pst_folder *pst_folder_find(mbx_pst *pst, uint32_t nid)
{
	size_t i;

	for (i = 0; i < pst->nfolders; i++)
		if (pst->folders[i]->nid == nid)
			return pst->folders[i];
	return NULL;
}

pst_folder *pst_folder_new(mbx_pst *pst, uint32_t nid, uint32_t parent, const char *name,
                           const char *klass)
{
	pst_folder *f = mbx_calloc(1, sizeof(*f));

	f->nid = nid;
	f->parent = parent;
	f->name = mbx_strdup(name);
	f->klass = mbx_strdup(klass);
	if (pst->nfolders == pst->afolders) {
		pst->afolders = pst->afolders ? pst->afolders * 2 : 16;
		pst->folders = mbx_reallocarray(pst->folders, pst->afolders, sizeof(*pst->folders));
	}
	pst->folders[pst->nfolders++] = f;
	return f;
}

static int is_child(const pst_folder *c, const pst_folder *f)
{
	return c != f && c->parent == f->nid;
}

static int folder_pc(mbx_pst *pst, pst_folder *f)
{
	pst_subnodes sn;
	pst_pc pc;
	uint64_t bid, bid_sub = 0;
	uint32_t next_sub = 1;
	int rc;

	memset(&sn, 0, sizeof(sn));
	pst_pc_init(&pc, &pst->ndb, &sn, &next_sub, pst->cd);
	rc = pst_pc_str(&pc, 0x3001, f->name, "the folder name");
	pst_pc_u32(&pc, 0x3602, PT_LONG, f->count);
	pst_pc_u32(&pc, 0x3603, PT_LONG, f->unread);
	pst_pc_u32(&pc, 0x360A, PT_BOOLEAN, f->nsub > 0);
	if (rc == 0 && f->klass)
		rc = pst_pc_str(&pc, 0x3613, f->klass, "the folder class");
	if (rc == 0 && f->comment)
		rc = pst_pc_str(&pc, 0x3004, f->comment, "the folder comment");
	if (rc == 0)
		rc = pst_pc_finish(&pc, &bid, NULL);
	else
		pst_pc_free(&pc);
	if (rc == 0)
		rc = pst_subnodes_write(&pst->ndb, &sn, &bid_sub);
	pst_subnodes_free(&sn);
	if (rc == 0)
		pst_ndb_node_add(&pst->ndb, f->nid, bid, bid_sub, f->parent);
	return rc;
}

static int hierarchy(mbx_pst *pst, pst_folder *f)
{
	pst_tc tc;
	uint64_t bd, bs;
	size_t i;
	int rc = 0;

	pst_tc_init(&tc, &pst->ndb, pst_hier_cols, pst_nhier_cols, pst->cd);
	for (i = 0; rc == 0 && i < pst->nfolders; i++) {
		pst_folder *c = pst->folders[i];

		if (!is_child(c, f))
			continue;
		pst_tc_row_begin(&tc, c->nid);
		rc = pst_tc_str(&tc, 0x3001001F, c->name);
		pst_tc_u32(&tc, 0x36020003, c->count);
		pst_tc_u32(&tc, 0x36030003, c->unread);
		pst_tc_u32(&tc, 0x360A000B, c->nsub > 0);
		if (rc == 0 && c->klass)
			rc = pst_tc_str(&tc, 0x3613001F, c->klass);
		if (rc == 0)
			rc = pst_tc_row_end(&tc);
	}
	if (rc) {
		pst_tc_free(&tc);
		return rc;
	}
	rc = pst_tc_finish(&tc, PST_NID(PST_NID_TYPE_LTP, 1), &bd, &bs, NULL);
	if (rc == 0)
		pst_ndb_node_add(&pst->ndb, (f->nid & ~0x1Fu) | PST_NID_TYPE_HIERARCHY_TABLE, bd, bs, 0);
	return rc;
}

/* Write a table kept while messages came (or an empty one) as node nid. */
static int table(mbx_pst *pst, pst_tc **tcp, const uint32_t *cols, size_t ncols, uint32_t nid)
{
	pst_tc *tc = *tcp;
	uint64_t bd, bs;
	int rc;

	if (!tc) {
		tc = mbx_malloc(sizeof(*tc));
		pst_tc_init(tc, &pst->ndb, cols, ncols, pst->cd);
	}
	rc = pst_tc_finish(tc, PST_NID(PST_NID_TYPE_LTP, 1), &bd, &bs, NULL);
	mbx_free(tc);
	*tcp = NULL;
	if (rc == 0)
		pst_ndb_node_add(&pst->ndb, nid, bd, bs, 0);
	return rc;
}

static int folder_finish(mbx_pst *pst, pst_folder *f)
{
	uint32_t base = f->nid & ~0x1Fu;
	int rc = folder_pc(pst, f);

	if (f->search) {
		/* a search folder: its contents table is a search contents
		 * table (NID type 0x10); no hierarchy or FAI table */
		pst_tc *none = NULL;

		return rc ? rc : table(pst, &none, pst_search_cols, pst_nsearch_cols, base | 0x10);
	}
	if (rc == 0)
		rc = hierarchy(pst, f);
	if (rc == 0)
		rc = table(pst, &f->contents, pst_contents_cols, pst_ncontents_cols,
		           base | PST_NID_TYPE_CONTENTS_TABLE);
	if (rc == 0)
		rc = table(pst, &f->assoc, pst_assoc_cols, pst_nassoc_cols, base | PST_NID_TYPE_ASSOC_CONTENTS);
	return rc;
}

int pst_folders_finish(mbx_pst *pst)
{
	size_t i, j;
	int rc = 0;

	for (i = 0; i < pst->nfolders; i++) {
		pst->folders[i]->nsub = 0;
		for (j = 0; j < pst->nfolders; j++)
			if (is_child(pst->folders[j], pst->folders[i]))
				pst->folders[i]->nsub++;
	}
	for (i = 0; rc == 0 && i < pst->nfolders; i++)
		rc = folder_finish(pst, pst->folders[i]);
	return rc;
}

void pst_folders_free(mbx_pst *pst)
{
	size_t i;

	for (i = 0; i < pst->nfolders; i++) {
		pst_folder *f = pst->folders[i];

		if (f->contents) {
			pst_tc_free(f->contents);
			mbx_free(f->contents);
		}
		if (f->assoc) {
			pst_tc_free(f->assoc);
			mbx_free(f->assoc);
		}
		mbx_free(f->name);
		mbx_free(f->klass);
		mbx_free(f->comment);
		mbx_free(f);
	}
	mbx_free(pst->folders);
	pst->folders = NULL;
	pst->nfolders = pst->afolders = 0;
}
