/*
 * core/pstcheck/messaging.c - the messaging layer ([MS-PST] 2.4, 2.7): the
 * minimum PST nodes, the message store and name-to-ID map, every folder's
 * hierarchy / contents / FAI contents table against the NBT nodes whose
 * nidParent is that folder (both directions: libpst builds the tree from
 * nidParent, libpff from the tables), messages with their recipient and
 * attachment tables, attachments and embedded messages.
 */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mbx/common.h"
#include "pstcheck.h"

#define EMBED_MAX_DEPTH 16

/* [MS-PST] 2.7.1 */
static const uint32_t required_nids[] = {
	PST_NID_MESSAGE_STORE, PST_NID_NAME_TO_ID_MAP, PST_NID_ROOT_FOLDER,
	PST_NID_WITH_TYPE(PST_NID_ROOT_FOLDER, PST_NID_TYPE_HIERARCHY_TABLE),
	PST_NID_WITH_TYPE(PST_NID_ROOT_FOLDER, PST_NID_TYPE_CONTENTS_TABLE),
	PST_NID_WITH_TYPE(PST_NID_ROOT_FOLDER, PST_NID_TYPE_ASSOC_CONTENTS_TABLE),
	PST_NID_SEARCH_MANAGEMENT_QUEUE, PST_NID_SEARCH_ACTIVITY_LIST,
	PST_NID_HIERARCHY_TABLE_TEMPLATE, PST_NID_CONTENTS_TABLE_TEMPLATE,
	PST_NID_ASSOC_CONTENTS_TABLE_TEMPLATE, PST_NID_SEARCH_CONTENTS_TABLE_TEMPLATE,
	PST_NID_ATTACHMENT_TABLE, PST_NID_RECIPIENT_TABLE
};

/* The children each folder should list, from the NBT's nidParent. */
typedef struct kids {
	uint32_t parent, nid;
} kids;

static int kids_cmp(const void *a, const void *b)
{
	const kids *x = a, *y = b;

	if (x->parent != y->parent)
		return x->parent < y->parent ? -1 : 1;
	return x->nid < y->nid ? -1 : x->nid > y->nid;
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

typedef struct msg_ctx {
	kids *sub, *msg, *fai;   /* sorted (parent, nid) */
	size_t nsub, nmsg, nfai;
} msg_ctx;

/* The children of parent in a sorted kids array. */
static const kids *kids_of(const kids *k, size_t n, uint32_t parent, size_t *count)
{
	size_t lo = 0, hi = n, a;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (k[mid].parent < parent)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (a = lo; a < n && k[a].parent == parent; a++)
		;
	*count = a - lo;
	return k + lo;
}

static void kids_push(kids **k, size_t *n, uint32_t parent, uint32_t nid)
{
	*k = mbx_reallocarray(*k, *n + 1, sizeof(**k));
	(*k)[*n].parent = parent;
	(*k)[*n].nid = nid;
	(*n)++;
}

/* Compare a table's RowIDs with the nodes that name the folder as parent. */
static void rows_vs_kids(pc_ctx *c, const char *where, const char *table, uint32_t *rows, size_t nrows,
                         const kids *k, size_t nk)
{
	size_t i = 0, j = 0;

	if (nrows)
		qsort(rows, nrows, sizeof(*rows), u32_cmp);
	while (i < nrows || j < nk) {
		if (j >= nk || (i < nrows && rows[i] < k[j].nid)) {
			pc_problem(c, where, "%s row 0x%x has no node with this folder as parent", table, rows[i]);
			i++;
		} else if (i >= nrows || k[j].nid < rows[i]) {
			pc_problem(c, where, "node 0x%x names this folder as parent but is not in its %s", k[j].nid, table);
			j++;
		} else {
			if (i + 1 < nrows && rows[i + 1] == rows[i])
				pc_problem(c, where, "%s lists 0x%x twice", table, rows[i]);
			i++;
			j++;
		}
	}
}

static const pc_prop *need(pc_ctx *c, const char *where, const pc_pcx *pc, uint16_t id, uint16_t type,
                           const char *name)
{
	const pc_prop *p = pc_pc_get(pc, id);

	if (!p)
		pc_problem(c, where, "required property %s (0x%04x) is missing", name, id);
	else if (p->type != type && !(type == MBX_PT_UNICODE && p->type == MBX_PT_STRING8))
		pc_problem(c, where, "property %s has type 0x%04x, expected 0x%04x", name, p->type, type);
	else
		return p;
	return NULL;
}

/* A folder's table node: check it and compare its rows with the NBT. */
static void folder_table(pc_ctx *c, const char *where, uint32_t nid, int ntype, const char *table,
                         const kids *k, size_t nk, size_t *nrows_out)
{
	const pc_nbt *t = pc_nbt_find(c, PST_NID_WITH_TYPE(nid, (uint32_t)ntype));
	char tw[64];
	pc_subs subs;
	uint32_t *rows = NULL;
	size_t nrows = 0;

	*nrows_out = 0;
	if (!t) {
		pc_problem(c, where, "folder has no %s node 0x%x", table, PST_NID_WITH_TYPE(nid, (uint32_t)ntype));
		return;
	}
	snprintf(tw, sizeof(tw), "NID 0x%x (%s)", t->nid, table);
	if (pc_subs_load(c, t->bid_sub, &subs) < 0)
		pc_problem(c, tw, "subnode tree can not be read");
	if (pc_tc_check(c, tw, t->bid_data, &subs, &rows, &nrows) == 0)
		rows_vs_kids(c, where, table, rows, nrows, k, nk);
	*nrows_out = nrows;
	mbx_free(rows);
	pc_subs_free(&subs);
}

static void folder_check(pc_ctx *c, msg_ctx *m, const pc_nbt *n)
{
	char where[48];
	pc_subs subs;
	pc_pcx pc;
	const pc_prop *p;
	const kids *k;
	size_t nk, nrows, nsubk;
	const pc_nbt *par;

	snprintf(where, sizeof(where), "folder NID 0x%x", n->nid);
	c->st->folders++;
	if (n->nid == PST_NID_ROOT_FOLDER) {
		if (n->parent != PST_NID_ROOT_FOLDER)
			pc_problem(c, where, "root folder's nidParent is 0x%x, expected itself", n->parent);
	} else if (!(par = pc_nbt_find(c, n->parent)) || PST_NID_TYPE(par->nid) != PST_NID_TYPE_NORMAL_FOLDER) {
		pc_problem(c, where, "nidParent 0x%x is not a folder", n->parent);
	}
	if (pc_subs_load(c, n->bid_sub, &subs) < 0)
		pc_problem(c, where, "subnode tree can not be read");
	if (pc_pc_load(c, where, n->bid_data, &subs, &pc) == 0) {
		need(c, where, &pc, MBX_PID_TAG_DISPLAY_NAME, MBX_PT_UNICODE, "PidTagDisplayName");
		k = kids_of(m->msg, m->nmsg, n->nid, &nk);
		folder_table(c, where, n->nid, PST_NID_TYPE_CONTENTS_TABLE, "contents table", k, nk, &nrows);
		/* Content counts are calculated properties (MS-PST 2.5.2.2): Outlook
		 * may leave them out, but when present they must be right. */
		if ((p = pc_pc_get(&pc, MBX_PID_TAG_CONTENT_COUNT)) && p->type == MBX_PT_LONG && p->value != nk)
			pc_problem(c, where, "PidTagContentCount is %u but the folder holds %zu messages", p->value, nk);
		k = kids_of(m->sub, m->nsub, n->nid, &nsubk);
		folder_table(c, where, n->nid, PST_NID_TYPE_HIERARCHY_TABLE, "hierarchy table", k, nsubk, &nrows);
		if ((p = pc_pc_get(&pc, MBX_PID_TAG_SUBFOLDERS)) && p->type == MBX_PT_BOOLEAN &&
		    !!(p->value & 0xFF) != (nsubk > 0))
			pc_problem(c, where, "PidTagSubfolders is %u but the folder has %zu subfolders", p->value & 0xFF,
			           nsubk);
		k = kids_of(m->fai, m->nfai, n->nid, &nk);
		folder_table(c, where, n->nid, PST_NID_TYPE_ASSOC_CONTENTS_TABLE, "FAI contents table", k, nk, &nrows);
		pc_pc_free(&pc);
	}
	pc_subs_free(&subs);
}

/* Sum of the bytes of a node: its data tree and all its subnodes' data,
 * nested subnodes (attachment data, embedded messages) included. */
static uint64_t node_bytes(pc_ctx *c, uint64_t bid_data, const pc_subs *subs, int depth)
{
	const pc_bbt *b = pc_bbt_find(c, bid_data);
	uint8_t buf[PST_BLOCK_MAX];
	uint16_t cb;
	uint64_t total = 0;
	size_t i;

	if (b && !(bid_data & 2))
		total += b->cb;
	else if (b && pc_block_get(c, bid_data, buf, &cb) == 0 && cb >= 8)
		total += pc_le32(buf + 4);
	for (i = 0; subs && i < subs->n && depth < EMBED_MAX_DEPTH; i++) {
		pc_subs inner;

		if (pc_subs_load(c, subs->e[i].bid_sub, &inner) < 0)
			continue;
		total += node_bytes(c, subs->e[i].bid_data, &inner, depth + 1);
		pc_subs_free(&inner);
	}
	return total;
}

static void message_check(pc_ctx *c, const char *where, uint64_t bid_data, uint64_t bid_sub, int depth);

static void attachment_check(pc_ctx *c, const char *mwhere, const pc_sub *a, int depth)
{
	char where[160];
	pc_subs subs;
	pc_pcx pc;
	const pc_prop *p;

	snprintf(where, sizeof(where), "%s: attachment 0x%x", mwhere, a->nid);
	c->st->attachments++;
	if (pc_subs_load(c, a->bid_sub, &subs) < 0)
		pc_problem(c, where, "subnode tree can not be read");
	if (pc_pc_load(c, where, a->bid_data, &subs, &pc) == 0) {
		p = pc_pc_get(&pc, MBX_PID_TAG_ATTACH_METHOD);
		if (p && p->value == MBX_ATTACH_EMBEDDED_MSG) {
			const pc_prop *o = pc_pc_get(&pc, MBX_PID_TAG_ATTACH_DATA_OBJECT);
			const pc_sub *e;

			if (!o || o->type != MBX_PT_OBJECT || !o->data || o->size != 8)
				pc_problem(c, where, "embedded message (method 5) without a PtypObject PidTagAttachDataObject");
			else if ((e = pc_subs_find(&subs, pc_le32(o->data))) != NULL) {
				char ew[200];

				snprintf(ew, sizeof(ew), "%s: embedded message", where);
				message_check(c, ew, e->bid_data, e->bid_sub, depth + 1);
			}
		}
		pc_pc_free(&pc);
	}
	pc_subs_free(&subs);
}

static void message_check(pc_ctx *c, const char *where, uint64_t bid_data, uint64_t bid_sub, int depth)
{
	pc_subs subs;
	pc_pcx pc;
	const pc_prop *p;
	const pc_sub *t;
	size_t i;

	if (depth > EMBED_MAX_DEPTH) {
		pc_problem(c, where, "messages embedded more than %d deep", EMBED_MAX_DEPTH);
		return;
	}
	if (pc_subs_load(c, bid_sub, &subs) < 0)
		pc_problem(c, where, "subnode tree can not be read");
	if (pc_pc_load(c, where, bid_data, &subs, &pc) < 0)
		goto out;
	need(c, where, &pc, MBX_PID_TAG_MESSAGE_CLASS, MBX_PT_UNICODE, "PidTagMessageClass");
	need(c, where, &pc, MBX_PID_TAG_MESSAGE_FLAGS, MBX_PT_LONG, "PidTagMessageFlags");
	if ((p = need(c, where, &pc, MBX_PID_TAG_MESSAGE_SIZE, MBX_PT_LONG, "PidTagMessageSize")) != NULL) {
		uint64_t bytes = node_bytes(c, bid_data, &subs, 0);

		if (p->value == 0 || p->value > c->size)
			pc_problem(c, where, "PidTagMessageSize %u is implausible (the message's node holds %llu bytes)",
			           p->value, (unsigned long long)bytes);
		else if (p->value < bytes / 2 || p->value > bytes * 2 + 4096)
			/* Outlook's sizes run about 1-2 KB under the bytes the node holds. */
			pc_warn(c, where, "PidTagMessageSize %u is far from the %llu bytes the message's node holds",
			        p->value, (unsigned long long)bytes);
	}
	/* The recipient table (required) and the attachment table. */
	if (!(t = pc_subs_find(&subs, PST_NID_RECIPIENT_TABLE)))
		pc_problem(c, where, "message has no recipient table (subnode 0x692)");
	else {
		char tw[200];
		pc_subs s2;

		snprintf(tw, sizeof(tw), "%s: recipient table", where);

		if (pc_subs_load(c, t->bid_sub, &s2) == 0) {
			pc_tc_check(c, tw, t->bid_data, &s2, NULL, NULL);
			pc_subs_free(&s2);
		}
	}
	if ((t = pc_subs_find(&subs, PST_NID_ATTACHMENT_TABLE)) != NULL) {
		char tw[200];
		pc_subs s2;
		uint32_t *rows = NULL;
		size_t nrows = 0, nk = 0;
		kids *k = NULL;

		snprintf(tw, sizeof(tw), "%s: attachment table", where);
		if (pc_subs_load(c, t->bid_sub, &s2) == 0) {
			if (pc_tc_check(c, tw, t->bid_data, &s2, &rows, &nrows) == 0) {
				for (i = 0; i < subs.n; i++)
					if (PST_NID_TYPE(subs.e[i].nid) == PST_NID_TYPE_ATTACHMENT)
						kids_push(&k, &nk, 0, subs.e[i].nid);
				rows_vs_kids(c, where, "attachment table", rows, nrows, k, nk);
			}
			pc_subs_free(&s2);
		}
		mbx_free(rows);
		mbx_free(k);
	}
	for (i = 0; i < subs.n; i++)
		if (PST_NID_TYPE(subs.e[i].nid) == PST_NID_TYPE_ATTACHMENT) {
			if (!pc_subs_find(&subs, PST_NID_ATTACHMENT_TABLE))
				pc_problem(c, where, "attachment subnode 0x%x but no attachment table", subs.e[i].nid);
			attachment_check(c, where, &subs.e[i], depth);
		}
	pc_pc_free(&pc);
out:
	pc_subs_free(&subs);
}

static void store_check(pc_ctx *c)
{
	const pc_nbt *n = pc_nbt_find(c, PST_NID_MESSAGE_STORE);
	const char *where = "message store NID 0x21";
	pc_subs subs;
	pc_pcx pc;
	const pc_prop *rk, *p;
	static const struct { uint16_t id; const char *name; } eids[] = {
		{ MBX_PID_TAG_IPM_SUB_TREE_ENTRY_ID, "PidTagIpmSubTreeEntryId" },
		{ MBX_PID_TAG_IPM_WASTE_BASKET_ENTRY_ID, "PidTagIpmWastebasketEntryId" },
		{ MBX_PID_TAG_FINDER_ENTRY_ID, "PidTagFinderEntryId" },
	};
	size_t i;

	if (!n)
		return;
	if (pc_subs_load(c, n->bid_sub, &subs) < 0)
		pc_problem(c, where, "subnode tree can not be read");
	if (pc_pc_load(c, where, n->bid_data, &subs, &pc) == 0) {
		need(c, where, &pc, MBX_PID_TAG_DISPLAY_NAME, MBX_PT_UNICODE, "PidTagDisplayName");
		rk = need(c, where, &pc, MBX_PID_TAG_RECORD_KEY, MBX_PT_BINARY, "PidTagRecordKey");
		if (rk && (!rk->data || rk->size != 16))
			pc_problem(c, where, "PidTagRecordKey is not 16 bytes in the heap");
		for (i = 0; i < sizeof(eids) / sizeof(eids[0]); i++) {
			const pc_nbt *f;
			uint32_t nid;

			if (!(p = need(c, where, &pc, eids[i].id, MBX_PT_BINARY, eids[i].name)))
				continue;
			if (!p->data || p->size != 24) {
				pc_problem(c, where, "%s is not a 24-byte EntryID", eids[i].name);
				continue;
			}
			nid = pc_le32(p->data + 20);
			if (rk && rk->data && rk->size == 16 && memcmp(p->data + 4, rk->data, 16) != 0)
				pc_problem(c, where, "%s does not carry the store's record key", eids[i].name);
			f = pc_nbt_find(c, nid);
			if (!f || PST_NID_TYPE(nid) != PST_NID_TYPE_NORMAL_FOLDER)
				pc_problem(c, where, "%s names NID 0x%x, which is not a folder", eids[i].name, nid);
			else if (eids[i].id != MBX_PID_TAG_IPM_WASTE_BASKET_ENTRY_ID && f->parent != PST_NID_ROOT_FOLDER)
				pc_problem(c, where, "%s folder 0x%x is not a child of the root folder", eids[i].name, nid);
		}
		pc_pc_free(&pc);
	}
	pc_subs_free(&subs);

	n = pc_nbt_find(c, PST_NID_NAME_TO_ID_MAP);
	if (n && pc_subs_load(c, n->bid_sub, &subs) == 0) {
		if (pc_pc_load(c, "name-to-ID map NID 0x61", n->bid_data, &subs, &pc) == 0) {
			need(c, "name-to-ID map NID 0x61", &pc, MBX_PID_TAG_NAMEID_BUCKET_COUNT, MBX_PT_LONG,
			     "PidTagNameidBucketCount");
			pc_pc_free(&pc);
		}
		pc_subs_free(&subs);
	}
}

/* A table node that is not one of a folder's three tables. */
static void lone_table(pc_ctx *c, const pc_nbt *n)
{
	char where[48];
	pc_subs subs;
	size_t nrows = 0;
	uint32_t *rows = NULL;

	snprintf(where, sizeof(where), "table NID 0x%x", n->nid);
	if (pc_subs_load(c, n->bid_sub, &subs) < 0)
		pc_problem(c, where, "subnode tree can not be read");
	if (pc_tc_check(c, where, n->bid_data, &subs, &rows, &nrows) == 0 && nrows &&
	    (n->nid == PST_NID_HIERARCHY_TABLE_TEMPLATE || n->nid == PST_NID_CONTENTS_TABLE_TEMPLATE ||
	     n->nid == PST_NID_ASSOC_CONTENTS_TABLE_TEMPLATE || n->nid == PST_NID_SEARCH_CONTENTS_TABLE_TEMPLATE ||
	     n->nid == PST_NID_ATTACHMENT_TABLE || n->nid == PST_NID_RECIPIENT_TABLE))
		pc_problem(c, where, "template table has %zu rows, expected none", nrows);
	mbx_free(rows);
	pc_subs_free(&subs);
}

void pc_messaging_check(pc_ctx *c)
{
	msg_ctx m;
	size_t i;

	memset(&m, 0, sizeof(m));
	for (i = 0; i < sizeof(required_nids) / sizeof(required_nids[0]); i++)
		if (!pc_nbt_find(c, required_nids[i])) {
			char where[32];

			snprintf(where, sizeof(where), "NID 0x%x", required_nids[i]);
			pc_problem(c, where, "mandatory node (MS-PST 2.7.1) is missing");
		}
	for (i = 0; i < c->nnbt; i++) {
		const pc_nbt *n = &c->nbt[i];

		switch (PST_NID_TYPE(n->nid)) {
		case PST_NID_TYPE_NORMAL_FOLDER:
		case PST_NID_TYPE_SEARCH_FOLDER:
			if (n->nid != n->parent)
				kids_push(&m.sub, &m.nsub, n->parent, n->nid);
			break;
		case PST_NID_TYPE_NORMAL_MESSAGE:
			kids_push(&m.msg, &m.nmsg, n->parent, n->nid);
			break;
		case PST_NID_TYPE_ASSOC_MESSAGE:
			kids_push(&m.fai, &m.nfai, n->parent, n->nid);
			break;
		}
	}
	if (m.nsub)
		qsort(m.sub, m.nsub, sizeof(*m.sub), kids_cmp);
	if (m.nmsg)
		qsort(m.msg, m.nmsg, sizeof(*m.msg), kids_cmp);
	if (m.nfai)
		qsort(m.fai, m.nfai, sizeof(*m.fai), kids_cmp);
	store_check(c);
	for (i = 0; i < c->nnbt && !c->fatal; i++) {
		const pc_nbt *n = &c->nbt[i], *f;
		char where[48];

		switch (PST_NID_TYPE(n->nid)) {
		case PST_NID_TYPE_NORMAL_FOLDER:
			folder_check(c, &m, n);
			break;
		case PST_NID_TYPE_SEARCH_FOLDER: {
			pc_subs subs;
			pc_pcx pc;

			snprintf(where, sizeof(where), "search folder NID 0x%x", n->nid);
			if (pc_subs_load(c, n->bid_sub, &subs) < 0)
				pc_problem(c, where, "subnode tree can not be read");
			if (pc_pc_load(c, where, n->bid_data, &subs, &pc) == 0)
				pc_pc_free(&pc);
			pc_subs_free(&subs);
			break;
		}
		case PST_NID_TYPE_NORMAL_MESSAGE:
		case PST_NID_TYPE_ASSOC_MESSAGE:
			snprintf(where, sizeof(where), "message NID 0x%x", n->nid);
			c->st->messages++;
			f = pc_nbt_find(c, n->parent);
			if (!f || (PST_NID_TYPE(f->nid) != PST_NID_TYPE_NORMAL_FOLDER &&
			           PST_NID_TYPE(f->nid) != PST_NID_TYPE_SEARCH_FOLDER))
				pc_problem(c, where, "nidParent 0x%x is not a folder", n->parent);
			message_check(c, where, n->bid_data, n->bid_sub, 0);
			break;
		case PST_NID_TYPE_HIERARCHY_TABLE:
		case PST_NID_TYPE_CONTENTS_TABLE:
		case PST_NID_TYPE_ASSOC_CONTENTS_TABLE:
			f = pc_nbt_find(c, PST_NID_WITH_TYPE(n->nid, PST_NID_TYPE_NORMAL_FOLDER));
			if (!f)
				lone_table(c, n);
			break;
		case PST_NID_TYPE_SEARCH_CONTENTS_TABLE:
		case PST_NID_TYPE_ATTACHMENT_TABLE:
		case PST_NID_TYPE_RECIPIENT_TABLE:
			lone_table(c, n);
			break;
		}
	}
	mbx_free(m.sub);
	mbx_free(m.msg);
	mbx_free(m.fai);
}
