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
	MBX_TAG_REPL_ITEMID, MBX_TAG_REPL_CHANGENUM, MBX_TAG_REPL_VERSION_HISTORY,
	MBX_TAG_REPL_FLAGS, MBX_TAG_DISPLAY_NAME_W, MBX_TAG_CONTENT_COUNT,
	MBX_TAG_CONTENT_UNREAD_COUNT, MBX_TAG_SUBFOLDERS, MBX_TAG_CONTAINER_CLASS_W,
	MBX_TAG_PST_HIDDEN_COUNT, MBX_TAG_PST_HIDDEN_UNREAD,
};
const size_t pst_nhier_cols = sizeof(pst_hier_cols) / sizeof(pst_hier_cols[0]);

const uint32_t pst_contents_cols[] = {
	MBX_TAG_IMPORTANCE, MBX_TAG_MESSAGE_CLASS_W, MBX_TAG_SENSITIVITY, MBX_TAG_SUBJECT_W,
	MBX_TAG_CLIENT_SUBMIT_TIME, MBX_TAG_SENT_REPRESENTING_NAME_W, MBX_TAG_MESSAGE_TO_ME,
	MBX_TAG_MESSAGE_CC_ME, MBX_TAG_CONVERSATION_TOPIC_W, MBX_TAG_CONVERSATION_INDEX,
	MBX_TAG_DISPLAY_CC_W, MBX_TAG_DISPLAY_TO_W, MBX_TAG_MESSAGE_DELIVERY_TIME,
	MBX_TAG_MESSAGE_FLAGS, MBX_TAG_MESSAGE_SIZE, MBX_TAG_MESSAGE_STATUS, MBX_TAG_REPL_ITEMID,
	MBX_TAG_REPL_CHANGENUM, MBX_TAG_REPL_VERSION_HISTORY, MBX_TAG_REPL_FLAGS,
	MBX_TAG_REPL_COPIEDFROM_VERSIONHISTORY, MBX_TAG_REPL_COPIEDFROM_ITEMID,
	MBX_TAG_ITEM_TEMPORARY_FLAGS, MBX_TAG_LAST_MODIFICATION_TIME, MBX_TAG_CONVERSATION_ID,
	MBX_TAG_SECURE_SUBMIT_FLAGS,
};
const size_t pst_ncontents_cols = sizeof(pst_contents_cols) / sizeof(pst_contents_cols[0]);

const uint32_t pst_assoc_cols[] = {
	MBX_TAG_MESSAGE_CLASS_W, MBX_TAG_MESSAGE_FLAGS, MBX_TAG_MESSAGE_STATUS,
	MBX_TAG_DISPLAY_NAME_W, MBX_TAG_OFFLINE_ADDRESS_BOOK_NAME,
	MBX_TAG_SEND_OUTLOOK_RECALL_REPORT, MBX_TAG_OFFLINE_ADDRESS_BOOK_TRUNCATED_PROPERTIES,
	MBX_TAG_MAPI_FORM_COMPOSE_COMMAND, MBX_TAG_VIEW_DESCRIPTOR_FLAGS,
	MBX_TAG_VIEW_DESCRIPTOR_LINK_TO, MBX_TAG_VIEW_DESCRIPTOR_VIEW_FOLDER,
	MBX_TAG_VIEW_DESCRIPTOR_NAME, MBX_TAG_VIEW_DESCRIPTOR_VERSION,
};
const size_t pst_nassoc_cols = sizeof(pst_assoc_cols) / sizeof(pst_assoc_cols[0]);

const uint32_t pst_search_cols[] = {
	MBX_TAG_IMPORTANCE, MBX_TAG_MESSAGE_CLASS_W, MBX_TAG_SENSITIVITY, MBX_TAG_SUBJECT_W,
	MBX_TAG_SENT_REPRESENTING_NAME_W, MBX_TAG_MESSAGE_TO_ME, MBX_TAG_MESSAGE_CC_ME,
	MBX_TAG_DISPLAY_CC_W, MBX_TAG_DISPLAY_TO_W, MBX_TAG_PARENT_DISPLAY_W,
	MBX_TAG_MESSAGE_DELIVERY_TIME, MBX_TAG_MESSAGE_FLAGS, MBX_TAG_MESSAGE_SIZE,
	MBX_TAG_MESSAGE_STATUS, MBX_TAG_EXCHANGE_REMOTE_HEADER, MBX_TAG_LAST_MODIFICATION_TIME,
	MBX_TAG_LTP_PARENT_NID,
};
const size_t pst_nsearch_cols = sizeof(pst_search_cols) / sizeof(pst_search_cols[0]);

const uint32_t pst_recip_cols[] = {
	MBX_TAG_RECIPIENT_TYPE, MBX_TAG_RESPONSIBILITY, MBX_TAG_RECORD_KEY, MBX_TAG_OBJECT_TYPE,
	MBX_TAG_ENTRY_ID, MBX_TAG_DISPLAY_NAME_W, MBX_TAG_ADDRESS_TYPE, MBX_TAG_EMAIL_ADDRESS_W,
	MBX_TAG_SEARCH_KEY, MBX_TAG_DISPLAY_TYPE, MBX_TAG_7_BIT_DISPLAY_NAME,
	MBX_TAG_SEND_RICH_INFO,
};
const size_t pst_nrecip_cols = sizeof(pst_recip_cols) / sizeof(pst_recip_cols[0]);

const uint32_t pst_attach_cols[] = {
	MBX_TAG_ATTACH_SIZE, MBX_TAG_ATTACH_FILENAME_W, MBX_TAG_ATTACH_METHOD,
	MBX_TAG_RENDERING_POSITION,
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
	f->name = name ? mbx_strdup(name) : NULL;
	f->klass = klass ? mbx_strdup(klass) : NULL;
	mbx_props_init(&f->bag);
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

/* One property of a folder: to its PC (when pc), and to its hierarchy
 * table row (when row and the table has the column). */
static int emit(pst_pc *pc, pst_rowvals *row, uint16_t id, uint16_t type, const void *v, size_t len)
{
	size_t c;
	int rc = pc ? pst_pc_prop(pc, id, type, v, len) : 0;

	for (c = 0; rc == 0 && row && c < pst_nhier_cols; c++)
		if (MBX_PROP_ID(pst_hier_cols[c]) == id) {
			pst_rowvals_set(row, id, type, v, len);
			break;
		}
	return rc;
}

static int emit_u32(pst_pc *pc, pst_rowvals *row, uint16_t id, uint16_t type, uint32_t v)
{
	unsigned char b[4];

	pst_put32(b, v);
	return emit(pc, row, id, type, b, type == MBX_PT_BOOLEAN ? 1 : 4);
}

static int emit_str(mbx_pst *pst, pst_pc *pc, pst_rowvals *row, uint16_t id, const char *utf8, const char *what)
{
	unsigned char *w;
	size_t wl;
	int rc;

	if (!utf8)
		return 0;
	rc = pst_utf16(pst->cd, utf8, &w, &wl, what);
	if (rc == 0)
		rc = emit(pc, row, id, MBX_PT_UNICODE, w, wl);
	mbx_free(w);
	return rc;
}

/* Every property of folder f: its bag but what is regenerated, the
 * counts of this file, and the fields for what the bag lacks. */
static int folder_props(mbx_pst *pst, const pst_folder *f, pst_pc *pc, pst_rowvals *row)
{
	const mbx_props *b = &f->bag;
	int rc = 0;

	if (b->n)
		rc = pst_bag_write(pst, pc, b, MBX_PST_OBJ_FOLDER, row, pst_hier_cols, pst_nhier_cols);
	if (rc == 0 && !pst_bag_has(b, MBX_PID_TAG_DISPLAY_NAME))
		rc = emit_str(pst, pc, row, MBX_PID_TAG_DISPLAY_NAME, f->name, "the folder name");
	if (rc == 0)
		rc = emit_u32(pc, row, MBX_PID_TAG_CONTENT_COUNT, MBX_PT_LONG, f->count);
	if (rc == 0)
		rc = emit_u32(pc, row, MBX_PID_TAG_CONTENT_UNREAD_COUNT, MBX_PT_LONG, f->unread);
	if (rc == 0)
		rc = emit_u32(pc, row, MBX_PID_TAG_SUBFOLDERS, MBX_PT_BOOLEAN, f->nsub > 0);
	if (pst->opts.bags_whole && b->n) {
		/* a whole bag: nothing of the fields beside it */
	} else if (rc == 0 && !pst_bag_has(b, MBX_PID_TAG_CONTAINER_CLASS))
		rc = emit_str(pst, pc, row, MBX_PID_TAG_CONTAINER_CLASS, f->klass, "the folder class");
	if (rc == 0 && !(pst->opts.bags_whole && b->n) && !pst_bag_has(b, MBX_PID_TAG_COMMENT))
		rc = emit_str(pst, pc, row, MBX_PID_TAG_COMMENT, f->comment, "the folder comment");
	if (rc == 0 && pst_bag_has(b, MBX_PID_TAG_ASSOC_CONTENT_COUNT))
		rc = emit_u32(pc, row, MBX_PID_TAG_ASSOC_CONTENT_COUNT, MBX_PT_LONG, f->fai_count);
	return rc;
}

/* The code page of a folder's PtypString8 values. */
static unsigned folder_cp(const pst_folder *f)
{
	mbx_propkey k = MBX_KEY(MBX_PID_TAG_MESSAGE_CODEPAGE);
	uint32_t cp = 0;

	return f->bag.n && mbx_props_u32(&f->bag, &k, &cp) == 0 && cp ? cp : 1252;
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
	rc = folder_props(pst, f, &pc, NULL);
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
		pst_rowvals row;

		if (!is_child(c, f))
			continue;
		/* the row repeats the child's own values */
		memset(&row, 0, sizeof(row));
		rc = folder_props(pst, c, NULL, &row);
		pst_tc_row_begin(&tc, c->nid);
		if (rc == 0)
			rc = pst_tc_row_fill(&tc, &row, folder_cp(c));
		if (rc == 0)
			rc = pst_tc_row_end(&tc);
		pst_rowvals_free(&row);
	}
	if (rc) {
		pst_tc_free(&tc);
		return rc;
	}
	rc = pst_tc_finish(&tc, PST_NID(PST_NID_TYPE_LTP, 1), &bd, &bs, NULL);
	if (rc == 0)
		pst_ndb_node_add(&pst->ndb, PST_NID_WITH_TYPE(f->nid, PST_NID_TYPE_HIERARCHY_TABLE), bd, bs, 0);
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
	uint32_t base = f->nid & ~PST_NID_TYPE_MASK;   /* the folder's nodes: base | type */
	int rc = folder_pc(pst, f);

	if (f->search) {
		/* a search folder: its contents table is a search contents
		 * table; no hierarchy or FAI table */
		pst_tc *none = NULL;

		return rc ? rc : table(pst, &none, pst_search_cols, pst_nsearch_cols,
		                       base | PST_NID_TYPE_SEARCH_CONTENTS_TABLE);
	}
	if (rc == 0)
		rc = hierarchy(pst, f);
	if (rc == 0)
		rc = table(pst, &f->contents, pst_contents_cols, pst_ncontents_cols,
		           base | PST_NID_TYPE_CONTENTS_TABLE);
	if (rc == 0)
		rc = table(pst, &f->assoc, pst_assoc_cols, pst_nassoc_cols,
		           base | PST_NID_TYPE_ASSOC_CONTENTS_TABLE);
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
		mbx_props_clear(&f->bag);
		mbx_free(f);
	}
	mbx_free(pst->folders);
	pst->folders = NULL;
	pst->nfolders = pst->afolders = 0;
}
