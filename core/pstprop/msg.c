/*
 * core/pstprop/msg.c - the messaging layer of the property-level reader
 * ([MS-PST] 2.4) and its public API (mbx/pstprop.h): the name-to-ID map,
 * the message store, the folder tree from the hierarchy tables, contents
 * tables, messages with their recipient and attachment tables, attachment
 * data streamed, embedded messages; and the damage list, where every
 * failure of a lower layer is put with the object that needed it.
 */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "mbx/common.h"
#include "mbx/props.h"
#include "pstprop_int.h"
#include "pstcheck/pstcheck.h"

/* PidTagAssocContentCount ([MS-OXPROPS]); not in the MAPI property list */
#define PID_ASSOC_CONTENT_COUNT 0x3617

static const uint8_t ps_mapi[16] = MBX_PS_MAPI_BYTES;
static const uint8_t ps_public_strings[16] = {
	0x29, 0x03, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46
};

/* ---- damage ---------------------------------------------------------------- */

void pp_damage(mbx_pstprop *p, const char *object, uint32_t nid, uint64_t bid, const char *fmt, ...)
{
	pp_damage_list *l = &p->damage;
	mbx_pstprop_damage *d;
	va_list ap;

	l->total++;
	if (l->n >= PP_DAMAGE_MAX)
		return;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->e = mbx_reallocarray(l->e, l->cap, sizeof(*l->e));
	}
	d = &l->e[l->n++];
	d->object = mbx_strdup(object);
	d->nid = nid;
	d->bid = bid;
	va_start(ap, fmt);
	d->what = mbx_vasprintf(fmt, ap);
	va_end(ap);
}

void pp_bag_clear(mbx_pstprop_bag *b)
{
	size_t i;

	mbx_props_clear(&b->props);
	for (i = 0; i < b->nbad; i++) {
		mbx_free(b->bad[i].name);
		mbx_free(b->bad[i].reason);
	}
	mbx_free(b->bad);
	memset(b, 0, sizeof(*b));
}

static void bad_add(mbx_pstprop_bag *b, uint16_t id, uint16_t type, const pp_name *nm, const char *reason)
{
	mbx_pstprop_bad *x;

	b->bad = mbx_reallocarray(b->bad, b->nbad + 1, sizeof(*b->bad));
	x = &b->bad[b->nbad++];
	memset(x, 0, sizeof(*x));
	x->id = id;
	x->type = type;
	if (nm && nm->set) {
		x->named = 1;
		memcpy(x->guid, nm->guid, 16);
		x->lid = nm->lid;
		x->name = mbx_strdup(nm->str);
	}
	x->reason = mbx_strdup(reason);
}

/* Report every unreadable property of a bag as damage of `object`. */
static void bag_report(mbx_pstprop *p, const mbx_pstprop_bag *b, size_t from, const char *object, uint32_t nid)
{
	size_t i;

	for (i = from; i < b->nbad; i++) {
		const mbx_pstprop_bad *x = &b->bad[i];
		mbx_propkey k = x->named ? (mbx_propkey){ 0, x->guid, x->lid, x->name } : MBX_KEY(x->id);
		char *key = x->named || x->id ? mbx_propkey_describe(&k) : mbx_strdup("0x0000");

		pp_damage(p, object, nid, 0, "property %s (type 0x%04X): %s", key, x->type, x->reason);
		mbx_free(key);
	}
}

/* ---- bags from raw properties --------------------------------------------- */

typedef struct bagger {
	mbx_pstprop *p;
	mbx_pstprop_bag *bag;
	/* attachments: where the data is */
	pp_raw data;          /* copy of the 0x3701 property (val copied to data_copy) */
	uint8_t *data_copy;
	int has_data;
} bagger;

static int bag_add(void *ud, pp_raw *r, const pp_why *why)
{
	bagger *g = ud;
	mbx_pstprop *p = g->p;
	const pp_name *nm = NULL;
	mbx_propkey k;
	int rc;

	if (r->id >= PST_NPID_FIRST) {
		size_t i = (size_t)r->id - PST_NPID_FIRST;

		if (i < p->nnames && p->names[i].set)
			nm = &p->names[i];
		else {
			bad_add(g->bag, r->id, r->type, NULL, "the id has no entry in the name-to-ID map");
			return 0;
		}
	}
	if (why) {
		bad_add(g->bag, r->id, r->type, nm, why->what);
		return 0;
	}
	if (r->id == MBX_PID_TAG_ATTACH_DATA_BINARY && g->data.id == 0 &&
	    (r->type == MBX_PT_BINARY || r->type == MBX_PT_OBJECT) && g->has_data >= 0) {
		/* attachments (has_data >= 0 marks an attachment bag): kept out */
		g->data = *r;
		g->data.own = NULL;
		if (!r->lazy) {
			g->data_copy = mbx_malloc(r->len ? r->len : 1);
			memcpy(g->data_copy, r->val, r->len);
			g->data.val = g->data_copy;
		}
		g->has_data = 1;
		return 0;
	}
	if (r->lazy)
		return 0;
	k = nm ? (mbx_propkey){ 0, nm->guid, nm->lid, nm->str } : MBX_KEY(r->id);
	rc = mbx_props_set(&g->bag->props, &k, r->type, r->val, r->len);
	if (rc < 0) {
		char reason[200];

		snprintf(reason, sizeof(reason), "%s", mbx_error_last());
		bad_add(g->bag, r->id, r->type, nm, reason);
	}
	return 0;
}

/* ---- name-to-ID map -------------------------------------------------------- */

typedef struct nmraw {
	uint8_t *v[5];
	uint32_t len[5];
} nmraw;

static int nm_collect(void *ud, pp_raw *r, const pp_why *why)
{
	nmraw *m = ud;

	if (!why && r->id >= MBX_PID_TAG_NAMEID_STREAM_GUID && r->id <= MBX_PID_TAG_NAMEID_STREAM_STRING &&
	    r->type == MBX_PT_BINARY && !m->v[r->id]) {
		m->v[r->id] = mbx_malloc(r->len ? r->len : 1);
		memcpy(m->v[r->id], r->val, r->len);
		m->len[r->id] = r->len;
	}
	return 0;
}

static void names_load(mbx_pstprop *p)
{
	const pp_nbt *n = pp_nbt_find(p, PST_NID_NAME_TO_ID_MAP);
	const char *obj = "name-to-ID map (NID 0x61)";
	pp_subs subs;
	pp_why why;
	nmraw m;
	uint32_t i, ne, bad = 0;
	int k;

	memset(&m, 0, sizeof(m));
	if (!n) {
		pp_damage(p, obj, PST_NID_NAME_TO_ID_MAP, 0, "node is missing: named properties can not be read");
		return;
	}
	if (pp_subs_load(p, n->bid_sub, &subs, &why) < 0) {
		pp_damage(p, obj, n->nid, why.bid, "%s", why.what);
		memset(&subs, 0, sizeof(subs));
	}
	if (pp_pc_read(p, n->bid_data, &subs, 0, nm_collect, &m, &why) < 0)
		pp_damage(p, obj, n->nid, why.bid, "%s", why.what);
	pp_subs_free(&subs);
	if (!m.v[MBX_PID_TAG_NAMEID_STREAM_ENTRY]) {
		pp_damage(p, obj, n->nid, 0, "no entry stream (PidTagNameidStreamEntry): named properties can not be read");
		goto out;
	}
	ne = m.len[MBX_PID_TAG_NAMEID_STREAM_ENTRY] / 8;
	for (i = 0; i < ne; i++) {
		const uint8_t *e = m.v[MBX_PID_TAG_NAMEID_STREAM_ENTRY] + 8 * i;
		uint32_t prop = pp_le32(e), idx = pp_le16(e + 6);
		unsigned wguid = pp_le16(e + 4) >> 1, isstr = pp_le16(e + 4) & 1;
		pp_name *nm;

		if (idx >= 0x8000 - 1) {
			bad++;
			continue;
		}
		if (idx >= p->nnames) {
			size_t old = p->nnames;

			p->nnames = idx + 1 > old * 2 ? idx + 1 : old * 2;
			if (p->nnames > 0x7FFF)
				p->nnames = 0x7FFF;
			p->names = mbx_reallocarray(p->names, p->nnames, sizeof(*p->names));
			memset(p->names + old, 0, (p->nnames - old) * sizeof(*p->names));
		}
		nm = &p->names[idx];
		if (nm->set)
			continue;   /* first wins */
		if (wguid == PST_NAMEID_GUID_MAPI)
			memcpy(nm->guid, ps_mapi, 16);
		else if (wguid == PST_NAMEID_GUID_PUBLIC_STRINGS)
			memcpy(nm->guid, ps_public_strings, 16);
		else if (wguid >= PST_NAMEID_GUID_FIRST) {
			uint64_t at = (uint64_t)(wguid - PST_NAMEID_GUID_FIRST) * 16;

			if (!m.v[MBX_PID_TAG_NAMEID_STREAM_GUID] || at + 16 > m.len[MBX_PID_TAG_NAMEID_STREAM_GUID]) {
				bad++;
				continue;
			}
			memcpy(nm->guid, m.v[MBX_PID_TAG_NAMEID_STREAM_GUID] + at, 16);
		}   /* wGuid 0: no property set; the GUID stays zero */
		if (isstr) {
			const uint8_t *s = m.v[MBX_PID_TAG_NAMEID_STREAM_STRING];
			uint32_t slen = m.len[MBX_PID_TAG_NAMEID_STREAM_STRING], len;
			char *u;

			if (!s || (uint64_t)prop + 4 > slen || (len = pp_le32(s + prop)) > slen - prop - 4 || len % 2) {
				bad++;
				memset(nm, 0, sizeof(*nm));
				continue;
			}
			u = mbx_utf8_from_utf16(s + prop + 4, len, NULL);
			nm->str = u;
		} else {
			nm->lid = prop;
		}
		nm->set = 1;
	}
	if (bad)
		pp_damage(p, obj, n->nid, 0, "%u entries point outside the GUID or string stream", bad);
out:
	for (k = 0; k < 5; k++)
		mbx_free(m.v[k]);
}

/* ---- objects --------------------------------------------------------------- */

/* Read a PC into bag; 0, or -1 (damage reported under object). */
static int pc_bag(mbx_pstprop *p, const char *object, uint32_t nid, uint64_t bid_data, const pp_subs *subs,
                  mbx_pstprop_bag *bag, bagger *g)
{
	bagger local;
	pp_why why;

	if (!g) {
		memset(&local, 0, sizeof(local));
		local.has_data = -1;
		g = &local;
	}
	g->p = p;
	g->bag = bag;
	if (pp_pc_read(p, bid_data, subs, g->has_data >= 0 ? MBX_PID_TAG_ATTACH_DATA_BINARY : 0, bag_add, g, &why) < 0) {
		pp_damage(p, object, nid, why.bid, "%s", why.what);
		return -1;
	}
	return 0;
}

static char *bag_text(const mbx_props *b, uint16_t id)
{
	mbx_propkey k = MBX_KEY(id);
	char *s = NULL;

	if (mbx_props_utf8(b, &k, 0, &s) < 0)
		return NULL;
	return s;
}

static uint32_t bag_u32(const mbx_props *b, uint16_t id)
{
	mbx_propkey k = MBX_KEY(id);
	uint32_t v = 0;

	if (mbx_props_u32(b, &k, &v) < 0)
		return 0;
	return v;
}

/* ---- folders --------------------------------------------------------------- */

typedef struct rowids {
	uint32_t *id;
	size_t n, cap;
} rowids;

static int rowid_add(void *ud, size_t i, const uint8_t *row)
{
	rowids *r = ud;

	(void)i;
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 64;
		r->id = mbx_reallocarray(r->id, r->cap, sizeof(*r->id));
	}
	r->id[r->n++] = pp_le32(row);
	return 0;
}

/* The RowIDs of table node tnid, in row order; -1 with damage reported. */
static int table_rowids(mbx_pstprop *p, const char *object, uint32_t tnid, rowids *r, size_t *count_only)
{
	const pp_nbt *n = pp_nbt_find(p, tnid);
	pp_subs subs;
	pp_tc t;
	pp_why why;
	int rc = 0;

	memset(r, 0, sizeof(*r));
	if (!n) {
		pp_damage(p, object, tnid, 0, "table node 0x%x is missing", tnid);
		return -1;
	}
	if (pp_subs_load(p, n->bid_sub, &subs, &why) < 0) {
		pp_damage(p, object, tnid, why.bid, "table 0x%x: %s", tnid, why.what);
		return -1;
	}
	if (pp_tc_open(p, n->bid_data, &subs, &t, &why) < 0) {
		pp_damage(p, object, tnid, why.bid, "table 0x%x: %s", tnid, why.what);
		pp_subs_free(&subs);
		return -1;
	}
	if (count_only)
		*count_only = t.nrows;
	else if (pp_tc_rows(p, &t, rowid_add, r, &why) < 0) {
		pp_damage(p, object, tnid, why.bid, "table 0x%x: %s (%zu rows read)", tnid, why.what, r->n);
		rc = -1;
	}
	pp_tc_free(&t);
	pp_subs_free(&subs);
	return rc;
}

/* A name as a path element (tests/PROPDUMP.md): '/' and '\\' escaped with
 * '\\', control characters written \\xNN. */
static char *path_escape(const char *name)
{
	size_t n = strlen(name), i, k = 0;
	char *o = mbx_malloc(4 * n + 1);

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c == '/' || c == '\\') {
			o[k++] = '\\';
			o[k++] = (char)c;
		} else if (c < 0x20) {
			k += (size_t)sprintf(o + k, "\\x%02x", c);
		} else {
			o[k++] = (char)c;
		}
	}
	o[k] = 0;
	return o;
}

typedef struct ftree {
	pc_set seen;
} ftree;

/* Folders still to load: depth first, children in table order, without
 * recursion (a tree may be thousands of levels deep). */
typedef struct fpending {
	uint32_t nid, parent;
	unsigned depth;
	char *path;
} fpending;

typedef struct fstack {
	fpending *e;
	size_t n, cap;
} fstack;

static void fstack_push(fstack *s, uint32_t nid, uint32_t parent, unsigned depth, char *path)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->e = mbx_reallocarray(s->e, s->cap, sizeof(*s->e));
	}
	s->e[s->n].nid = nid;
	s->e[s->n].parent = parent;
	s->e[s->n].depth = depth;
	s->e[s->n].path = path;
	s->n++;
}

/* Load one folder; its children go onto the stack (last first, so that
 * they come off in table order). */
static void folder_load(mbx_pstprop *p, ftree *ft, fstack *todo, uint32_t nid, uint32_t parent, unsigned depth,
                        const char *path)
{
	size_t first = todo->n;
	const pp_nbt *n = pp_nbt_find(p, nid);
	mbx_pstprop_folder *f;
	size_t fi, i;
	pp_subs subs;
	pp_why why;
	char *obj;
	rowids kids;

	if (!pc_set_add(&ft->seen, nid)) {
		pp_damage(p, path, nid, 0, "folder 0x%x is listed twice in the hierarchy (a cycle)", nid);
		return;
	}
	p->folders = mbx_reallocarray(p->folders, p->nfolders + 1, sizeof(*p->folders));
	fi = p->nfolders++;
	f = &p->folders[fi];
	memset(f, 0, sizeof(*f));
	f->nid = nid;
	f->parent = parent;
	f->depth = depth;
	f->kind = nid == PST_NID_ROOT_FOLDER ? MBX_PSTPROP_FOLDER_ROOT :
	          PST_NID_TYPE(nid) == PST_NID_TYPE_SEARCH_FOLDER ? MBX_PSTPROP_FOLDER_SEARCH : MBX_PSTPROP_FOLDER_NORMAL;
	f->path = mbx_strdup(path);
	obj = mbx_asprintf("folder '%s' (NID 0x%x)", *path ? path : "(root)", nid);
	if (!n) {
		pp_damage(p, obj, nid, 0, "folder node is missing from the NBT");
		f->damaged = 1;
		f->name = mbx_strdup("");
		mbx_free(obj);
		return;
	}
	if (pp_subs_load(p, n->bid_sub, &subs, &why) < 0) {
		pp_damage(p, obj, nid, why.bid, "subnodes: %s", why.what);
		memset(&subs, 0, sizeof(subs));
		f->damaged = 1;
	}
	if (pc_bag(p, obj, nid, n->bid_data, &subs, &f->bag, NULL) < 0)
		f->damaged = 1;
	pp_subs_free(&subs);
	bag_report(p, &f->bag, 0, obj, nid);
	if (f->bag.nbad)
		f->damaged = 1;
	f->name = bag_text(&f->bag.props, MBX_PID_TAG_DISPLAY_NAME);
	if (!f->name)
		f->name = mbx_strdup("");
	f->content_count = bag_u32(&f->bag.props, MBX_PID_TAG_CONTENT_COUNT);
	f->unread_count = bag_u32(&f->bag.props, MBX_PID_TAG_CONTENT_UNREAD_COUNT);
	f->assoc_count = bag_u32(&f->bag.props, PID_ASSOC_CONTENT_COUNT);
	if (f->kind == MBX_PSTPROP_FOLDER_SEARCH) {
		mbx_free(obj);
		return;
	}
	if (table_rowids(p, obj, PST_NID_WITH_TYPE(nid, PST_NID_TYPE_CONTENTS_TABLE), &kids, &f->nmsg) < 0)
		p->folders[fi].damaged = 1;
	f = &p->folders[fi];
	if (table_rowids(p, obj, PST_NID_WITH_TYPE(nid, PST_NID_TYPE_ASSOC_CONTENTS_TABLE), &kids, &f->nfai) < 0)
		f->damaged = 1;
	if (table_rowids(p, obj, PST_NID_WITH_TYPE(nid, PST_NID_TYPE_HIERARCHY_TABLE), &kids, NULL) < 0)
		f->damaged = 1;
	f->nsub = kids.n;
	if (depth + 1 >= PP_FOLDER_DEPTH && kids.n) {
		pp_damage(p, obj, nid, 0, "folders nested more than %d deep: the deeper ones are left out", PP_FOLDER_DEPTH);
		kids.n = 0;
		p->folders[fi].damaged = 1;
	}
	mbx_free(obj);
	/* Children in table order; same-named siblings get #k (k >= 2). */
	{
		char **seen_names = mbx_calloc(kids.n ? kids.n : 1, sizeof(*seen_names));
		size_t nseen = 0;

		for (i = 0; i < kids.n; i++) {
			const pp_nbt *cn = pp_nbt_find(p, kids.id[i]);
			char *cname = NULL, *esc, *cpath;
			size_t j, same = 1;

			/* the child's name, read ahead for its path */
			if (cn) {
				pp_subs cs;
				mbx_pstprop_bag tmp;
				bagger g;
				pp_why w2;

				memset(&tmp, 0, sizeof(tmp));
				memset(&g, 0, sizeof(g));
				g.has_data = -1;
				g.p = p;
				g.bag = &tmp;
				if (pp_subs_load(p, cn->bid_sub, &cs, &w2) == 0) {
					if (pp_pc_read(p, cn->bid_data, &cs, 0, bag_add, &g, &w2) == 0)
						cname = bag_text(&tmp.props, MBX_PID_TAG_DISPLAY_NAME);
					pp_subs_free(&cs);
				}
				pp_bag_clear(&tmp);
			}
			if (!cname)
				cname = mbx_strdup("");
			esc = path_escape(cname);
			for (j = 0; j < nseen; j++)
				if (strcmp(seen_names[j], esc) == 0)
					same++;
			seen_names[nseen++] = mbx_strdup(esc);
			if (same > 1) {
				char *t = mbx_asprintf("%s#%zu", esc, same);

				mbx_free(esc);
				esc = t;
			}
			cpath = *path ? mbx_asprintf("%s/%s", path, esc) : mbx_strdup(esc);
			fstack_push(todo, kids.id[i], nid, depth + 1, cpath);
			mbx_free(esc);
			mbx_free(cname);
		}
		for (i = 0; i < nseen; i++)
			mbx_free(seen_names[i]);
		mbx_free(seen_names);
	}
	mbx_free(kids.id);
	/* reversed: the first child on top */
	for (i = first; i < first + (todo->n - first) / 2; i++) {
		fpending t = todo->e[i];

		todo->e[i] = todo->e[todo->n - 1 - (i - first)];
		todo->e[todo->n - 1 - (i - first)] = t;
	}
}

int pp_messaging_open(mbx_pstprop *p)
{
	const pp_nbt *n;
	ftree ft;

	names_load(p);
	n = pp_nbt_find(p, PST_NID_MESSAGE_STORE);
	if (!n) {
		pp_damage(p, "message store (NID 0x21)", PST_NID_MESSAGE_STORE, 0, "node is missing from the NBT");
	} else {
		pp_subs subs;
		pp_why why;

		if (pp_subs_load(p, n->bid_sub, &subs, &why) < 0) {
			pp_damage(p, "message store (NID 0x21)", n->nid, why.bid, "subnodes: %s", why.what);
			memset(&subs, 0, sizeof(subs));
		}
		pc_bag(p, "message store (NID 0x21)", n->nid, n->bid_data, &subs, &p->store, NULL);
		pp_subs_free(&subs);
		bag_report(p, &p->store, 0, "message store (NID 0x21)", n->nid);
	}
	pc_set_init(&ft.seen);
	{
		fstack todo = { NULL, 0, 0 };

		fstack_push(&todo, PST_NID_ROOT_FOLDER, PST_NID_ROOT_FOLDER, 0, mbx_strdup(""));
		while (todo.n) {
			fpending f = todo.e[--todo.n];

			folder_load(p, &ft, &todo, f.nid, f.parent, f.depth, f.path);
			mbx_free(f.path);
		}
		mbx_free(todo.e);
	}
	pc_set_free(&ft.seen);
	{
		size_t i, j;

		/* insertion sort of the indexes by NID (NIDs are unique: the tree
		 * walk refuses a folder twice); folders are few */
		p->fsorted = mbx_calloc(p->nfolders ? p->nfolders : 1, sizeof(*p->fsorted));
		for (i = 0; i < p->nfolders; i++) {
			for (j = i; j > 0 && p->folders[p->fsorted[j - 1]].nid > p->folders[i].nid; j--)
				p->fsorted[j] = p->fsorted[j - 1];
			p->fsorted[j] = i;
		}
	}
	return 0;
}

void pp_messaging_free(mbx_pstprop *p)
{
	size_t i;

	pp_bag_clear(&p->store);
	for (i = 0; i < p->nfolders; i++) {
		mbx_free(p->folders[i].name);
		mbx_free(p->folders[i].path);
		pp_bag_clear(&p->folders[i].bag);
	}
	mbx_free(p->folders);
	mbx_free(p->fsorted);
	for (i = 0; i < p->nnames; i++)
		mbx_free(p->names[i].str);
	mbx_free(p->names);
	for (i = 0; i < p->damage.n; i++) {
		mbx_free(p->damage.e[i].object);
		mbx_free(p->damage.e[i].what);
	}
	mbx_free(p->damage.e);
}

/* ---- messages -------------------------------------------------------------- */

/* Where an attachment's data is. */
typedef struct att_data {
	uint8_t *inl;          /* data held in the attachment's heap (or empty) */
	size_t inl_len;
	uint64_t bid;          /* else the data tree */
	int leaves_loaded;
	uint64_t *bids;
	uint32_t *sizes;
	uint64_t *starts;
	size_t nb;
	size_t cached;         /* block index in cbuf, or (size_t)-1 */
	uint8_t *cbuf;
	uint32_t ccb;
	char *object;
	uint32_t nid;
} att_data;

static void att_data_free(att_data *d)
{
	if (!d)
		return;
	mbx_free(d->inl);
	mbx_free(d->bids);
	mbx_free(d->sizes);
	mbx_free(d->starts);
	mbx_free(d->cbuf);
	mbx_free(d->object);
	mbx_free(d);
}

void mbx_pstprop_message_free(mbx_pstprop_msg *m)
{
	size_t i;

	if (!m)
		return;
	pp_bag_clear(&m->bag);
	for (i = 0; i < m->nrcpt; i++)
		pp_bag_clear(&m->rcpt[i]);
	mbx_free(m->rcpt);
	for (i = 0; i < m->natt; i++) {
		pp_bag_clear(&m->att[i].bag);
		mbx_pstprop_message_free(m->att[i].embedded);
		att_data_free(m->att[i].priv);
	}
	mbx_free(m->att);
	mbx_free(m);
}

typedef struct rcpt_rows {
	mbx_pstprop *p;
	pp_tc *t;
	mbx_pstprop_msg *m;
} rcpt_rows;

static int rcpt_row(void *ud, size_t i, const uint8_t *row)
{
	rcpt_rows *r = ud;
	bagger g;

	(void)i;
	r->m->rcpt = mbx_reallocarray(r->m->rcpt, r->m->nrcpt + 1, sizeof(*r->m->rcpt));
	memset(&r->m->rcpt[r->m->nrcpt], 0, sizeof(*r->m->rcpt));
	memset(&g, 0, sizeof(g));
	g.p = r->p;
	g.bag = &r->m->rcpt[r->m->nrcpt];
	g.has_data = -1;
	r->m->nrcpt++;
	return pp_tc_cells(r->p, r->t, row, bag_add, &g);
}

/* A subject for people: without the "\x01" + count prefix marker
 * ([MS-OXCMSG] 2.2.1.46), at most 80 bytes. */
static char *subject_clean(char *subj)
{
	if (subj && subj[0] == 1 && subj[1])
		memmove(subj, subj + 2, strlen(subj + 2) + 1);
	if (subj && strlen(subj) > 80)
		subj[80] = 0;
	return subj;
}

/* A message's name in damage reports, made only when something is
 * reported: "folder 'Inbox', message 0x200024 'Budget'". */
typedef struct mname {
	const char *prefix;        /* given, or from the folder */
	const mbx_pstprop_folder *f;
	uint32_t parent;
	uint32_t nid;
	const mbx_props *bag;
	char *subj;                /* from the contents table, when the bag has none */
	char *pre, *s;
} mname;

static const char *mname_get(mname *n)
{
	char *subj;

	if (n->s)
		return n->s;
	if (!n->prefix) {
		n->pre = n->f ? mbx_asprintf("folder '%s'", *n->f->path ? n->f->path : "(root)") :
		         mbx_asprintf("folder 0x%x", n->parent);
		n->prefix = n->pre;
	}
	subj = subject_clean(n->bag ? bag_text(n->bag, MBX_PID_TAG_SUBJECT) : NULL);
	if (subj)
		n->s = mbx_asprintf("%s, message 0x%x '%s'", n->prefix, n->nid, subj);
	else if (n->subj)
		n->s = mbx_asprintf("%s, message 0x%x '%s' (subject from the contents table)", n->prefix, n->nid, n->subj);
	else
		n->s = mbx_asprintf("%s, message 0x%x", n->prefix, n->nid);
	mbx_free(subj);
	return n->s;
}

static void mname_free(mname *n)
{
	mbx_free(n->subj);
	mbx_free(n->pre);
	mbx_free(n->s);
}

/* A subject from the contents table row of a message whose own PC is damaged. */
typedef struct subj_find {
	mbx_pstprop *p;
	pp_tc *t;
	uint32_t nid;
	char *subj;
} subj_find;

static int subj_cell(void *ud, pp_raw *r, const pp_why *why)
{
	subj_find *s = ud;

	if (!why && !s->subj && r->id == MBX_PID_TAG_SUBJECT && r->val) {
		if (r->type == MBX_PT_UNICODE)
			s->subj = mbx_utf8_from_utf16(r->val, r->len & ~1u, NULL);
		else if (r->type == MBX_PT_STRING8)
			s->subj = mbx_utf8_from_codepage(r->val, r->len, 1252);
	}
	return 0;
}

static int subj_row(void *ud, size_t i, const uint8_t *row)
{
	subj_find *s = ud;

	(void)i;
	if (pp_le32(row) != s->nid)
		return 0;
	pp_tc_cells(s->p, s->t, row, subj_cell, s);
	return 1;   /* stop */
}

static char *subject_from_table(mbx_pstprop *p, uint32_t folder, uint32_t nid)
{
	int k;

	for (k = 0; k < 2; k++) {
		const pp_nbt *n = pp_nbt_find(p, PST_NID_WITH_TYPE(folder, k ? PST_NID_TYPE_ASSOC_CONTENTS_TABLE :
		                                                   PST_NID_TYPE_CONTENTS_TABLE));
		pp_subs subs;
		pp_tc t;
		pp_why why;
		subj_find s;

		if (!n || pp_subs_load(p, n->bid_sub, &subs, &why) < 0)
			continue;
		if (pp_tc_open(p, n->bid_data, &subs, &t, &why) == 0) {
			memset(&s, 0, sizeof(s));
			s.p = p;
			s.t = &t;
			s.nid = nid;
			pp_tc_rows(p, &t, subj_row, &s, &why);
			pp_tc_free(&t);
			if (s.subj) {
				pp_subs_free(&subs);
				return s.subj;
			}
		}
		pp_subs_free(&subs);
	}
	return NULL;
}

static mbx_pstprop_msg *msg_load(mbx_pstprop *p, mname *nm, uint64_t bid_data, uint64_t bid_sub, int depth);

static void attach_load(mbx_pstprop *p, mbx_pstprop_msg *m, mname *nm, const pp_subs *subs, uint32_t anid,
                        size_t ai, int depth)
{
	mbx_pstprop_attach *a = &m->att[ai];
	const pp_sub *s = pp_subs_find(subs, anid);
	char *obj = NULL;   /* its name, made when needed (AOBJ) */
#define AOBJ() (obj ? obj : (obj = mbx_asprintf("%s, attachment #%zu (subnode 0x%x)", mname_get(nm), ai, anid)))
	pp_subs asubs;
	pp_why why;
	bagger g;
	att_data *d;

	memset(a, 0, sizeof(*a));
	a->nid = anid;
	if (!s) {
		pp_damage(p, AOBJ(), anid, 0, "attachment subnode 0x%x does not exist", anid);
		m->damaged = 1;
		mbx_free(obj);
		return;
	}
	if (pp_subs_load(p, s->bid_sub, &asubs, &why) < 0) {
		pp_damage(p, AOBJ(), anid, why.bid, "subnodes: %s", why.what);
		memset(&asubs, 0, sizeof(asubs));
		m->damaged = 1;
	}
	memset(&g, 0, sizeof(g));
	if (pc_bag(p, AOBJ(), anid, s->bid_data, &asubs, &a->bag, &g) < 0)
		m->damaged = 1;
	a->method = bag_u32(&a->bag.props, MBX_PID_TAG_ATTACH_METHOD);
	if (g.has_data == 1) {
		d = mbx_calloc(1, sizeof(*d));
		d->cached = (size_t)-1;
		d->object = mbx_strdup(AOBJ());
		d->nid = anid;
		a->data_type = g.data.type;
		if (g.data.type == MBX_PT_OBJECT && !g.data.lazy) {
			/* a reference: (NID, size) of a subnode of the attachment */
			const pp_sub *os = g.data.len >= 8 ? pp_subs_find(&asubs, pp_le32(g.data.val)) : NULL;

			if (!os) {
				pp_damage(p, AOBJ(), anid, 0, "PidTagAttachDataObject refers to subnode 0x%x, which does not exist",
				          g.data.len >= 4 ? pp_le32(g.data.val) : 0);
				m->damaged = 1;
				a->data_type = 0;
			} else if (a->method == MBX_ATTACH_EMBEDDED_MSG) {
				a->data_type = 0;
				if (depth + 1 >= PP_EMBED_DEPTH) {
					pp_damage(p, AOBJ(), anid, 0, "embedded messages nested more than %d deep", PP_EMBED_DEPTH);
					m->damaged = 1;
				} else {
					char *eobj = mbx_asprintf("%s, embedded", AOBJ());
					mname en;

					memset(&en, 0, sizeof(en));
					en.prefix = eobj;
					en.nid = os->nid;
					a->embedded = msg_load(p, &en, os->bid_data, os->bid_sub, depth + 1);
					if (a->embedded->damaged)
						m->damaged = 1;
					mname_free(&en);
					mbx_free(eobj);
				}
			} else {
				d->bid = os->bid_data;
			}
		} else if (g.data.lazy) {
			d->bid = g.data.sub->bid_data;
		} else {
			d->inl = g.data_copy;
			g.data_copy = NULL;
			d->inl_len = g.data.len;
			a->data_size = g.data.len;
		}
		if (d->bid && pp_data_size(p, d->bid, &a->data_size, &why) < 0) {
			pp_damage(p, AOBJ(), anid, why.bid, "attachment data: %s", why.what);
			m->damaged = 1;
		}
		if (a->data_type)
			a->priv = d;
		else
			att_data_free(d);
	}
	mbx_free(g.data_copy);
	pp_subs_free(&asubs);
	if (a->bag.nbad) {
		bag_report(p, &a->bag, 0, AOBJ(), anid);
		m->damaged = 1;
	}
	mbx_free(obj);
#undef AOBJ
}

static mbx_pstprop_msg *msg_load(mbx_pstprop *p, mname *nm, uint64_t bid_data, uint64_t bid_sub, int depth)
{
	mbx_pstprop_msg *m = mbx_calloc(1, sizeof(*m));
	uint32_t nid = nm->nid;
	pp_subs subs;
	pp_why why;
	const pp_sub *t;
	uint64_t ndamage = p->damage.total;
	size_t i;
	int pc_ok;

	m->nid = nid;
	nm->bag = &m->bag.props;
	/* reported unnamed first: the name needs the subject, known after the PC */
	if (pp_subs_load(p, bid_sub, &subs, &why) < 0) {
		pp_damage(p, "", nid, why.bid, "subnodes: %s", why.what);
		memset(&subs, 0, sizeof(subs));
		m->damaged = 1;
	}
	pc_ok = pc_bag(p, "", nid, bid_data, &subs, &m->bag, NULL) == 0;
	if (!pc_ok) {
		m->damaged = 1;
		if (nm->parent && !nm->prefix)
			nm->subj = subject_clean(subject_from_table(p, nm->parent, nid));
	}
	if (p->damage.total != ndamage) {
		for (i = ndamage < p->damage.n ? (size_t)ndamage : p->damage.n; i < p->damage.n; i++) {
			mbx_free(p->damage.e[i].object);
			p->damage.e[i].object = mbx_strdup(mname_get(nm));
		}
	}
	if (m->bag.nbad) {
		bag_report(p, &m->bag, 0, mname_get(nm), nid);
		m->damaged = 1;
	}
	if ((t = pp_subs_find(&subs, PST_NID_RECIPIENT_TABLE)) != NULL) {
		pp_subs rsubs;
		pp_tc tc;

		if (pp_subs_load(p, t->bid_sub, &rsubs, &why) < 0) {
			pp_damage(p, mname_get(nm), nid, why.bid, "recipient table subnodes: %s", why.what);
			memset(&rsubs, 0, sizeof(rsubs));
			m->damaged = 1;
		}
		if (pp_tc_open(p, t->bid_data, &rsubs, &tc, &why) < 0) {
			pp_damage(p, mname_get(nm), nid, why.bid, "recipient table: %s", why.what);
			m->damaged = 1;
		} else {
			rcpt_rows rr = { p, &tc, m };

			if (pp_tc_rows(p, &tc, rcpt_row, &rr, &why) < 0) {
				pp_damage(p, mname_get(nm), nid, why.bid, "recipient table: %s", why.what);
				m->damaged = 1;
			}
			pp_tc_free(&tc);
		}
		pp_subs_free(&rsubs);
		for (i = 0; i < m->nrcpt; i++) {
			if (m->rcpt[i].nbad) {
				char *ro = mbx_asprintf("%s, recipient #%zu", mname_get(nm), i);

				bag_report(p, &m->rcpt[i], 0, ro, nid);
				mbx_free(ro);
				m->damaged = 1;
			}
		}
	}
	if ((t = pp_subs_find(&subs, PST_NID_ATTACHMENT_TABLE)) != NULL) {
		rowids r;
		pp_subs tsubs;
		pp_tc tc;

		memset(&r, 0, sizeof(r));
		if (pp_subs_load(p, t->bid_sub, &tsubs, &why) < 0) {
			pp_damage(p, mname_get(nm), nid, why.bid, "attachment table subnodes: %s", why.what);
			memset(&tsubs, 0, sizeof(tsubs));
			m->damaged = 1;
		}
		if (pp_tc_open(p, t->bid_data, &tsubs, &tc, &why) < 0) {
			pp_damage(p, mname_get(nm), nid, why.bid, "attachment table: %s", why.what);
			m->damaged = 1;
		} else {
			if (pp_tc_rows(p, &tc, rowid_add, &r, &why) < 0) {
				pp_damage(p, mname_get(nm), nid, why.bid, "attachment table: %s", why.what);
				m->damaged = 1;
			}
			pp_tc_free(&tc);
		}
		pp_subs_free(&tsubs);
		m->att = mbx_calloc(r.n ? r.n : 1, sizeof(*m->att));
		m->natt = r.n;
		for (i = 0; i < r.n; i++)
			attach_load(p, m, nm, &subs, r.id[i], i, depth);
		mbx_free(r.id);
	}
	pp_subs_free(&subs);
	return m;
}

/* ---- public API ------------------------------------------------------------ */

int mbx_pstprop_open(mbx_pstprop **out, const char *path, unsigned flags)
{
	mbx_pstprop *p;
	struct stat sb;
	int rc;

	(void)flags;
	*out = NULL;
	p = mbx_calloc(1, sizeof(*p));
	p->path = mbx_strdup(path);
	p->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (p->fd < 0) {
		rc = mbx_error_set(errno == ENOENT ? MBX_ENOTFOUND : MBX_EIO, "%s: can not open: %s", path, strerror(errno));
		goto fail;
	}
	if (fstat(p->fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		rc = mbx_error_set(MBX_EINVAL, "%s: not a regular file: give the path of a .pst or .ost file", path);
		goto fail;
	}
	p->size = (uint64_t)sb.st_size;
	p->info.size = p->size;
	if ((rc = pp_ndb_open(p)) < 0)
		goto fail;
	pp_messaging_open(p);
	*out = p;
	return 0;
fail:
	mbx_pstprop_free(p);
	return rc;
}

void mbx_pstprop_free(mbx_pstprop *p)
{
	if (!p)
		return;
	pp_messaging_free(p);
	if (p->fd > 0)
		close(p->fd);
	mbx_free(p->bbt);
	mbx_free(p->nbt);
	mbx_free(p->raw);
	mbx_free(p->path);
	mbx_free(p);
}

const mbx_pstprop_info *mbx_pstprop_info_get(const mbx_pstprop *p)
{
	return &p->info;
}

const mbx_pstprop_bag *mbx_pstprop_store_bag(const mbx_pstprop *p)
{
	return &p->store;
}

size_t mbx_pstprop_folder_count(const mbx_pstprop *p)
{
	return p->nfolders;
}

const mbx_pstprop_folder *mbx_pstprop_folder_at(const mbx_pstprop *p, size_t i)
{
	return i < p->nfolders ? &p->folders[i] : NULL;
}

const mbx_pstprop_folder *mbx_pstprop_folder_find(const mbx_pstprop *p, uint32_t nid)
{
	size_t lo = 0, hi = p->fsorted ? p->nfolders : 0, i;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const mbx_pstprop_folder *f = &p->folders[p->fsorted[mid]];

		if (f->nid == nid)
			return f;
		if (f->nid < nid)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!p->fsorted)   /* while the tree is read */
		for (i = 0; i < p->nfolders; i++)
			if (p->folders[i].nid == nid)
				return &p->folders[i];
	return NULL;
}

int mbx_pstprop_folder_contents(mbx_pstprop *p, uint32_t folder_nid, int assoc, uint32_t **nids, size_t *n)
{
	const mbx_pstprop_folder *f = mbx_pstprop_folder_find(p, folder_nid);
	rowids r;
	char *obj;

	*nids = NULL;
	*n = 0;
	if (!f)
		return mbx_error_set(MBX_ENOTFOUND, "%s: folder 0x%x is not in the folder tree", p->path, folder_nid);
	if (f->kind == MBX_PSTPROP_FOLDER_SEARCH)
		return 0;
	obj = mbx_asprintf("folder '%s' (NID 0x%x)", *f->path ? f->path : "(root)", f->nid);
	table_rowids(p, obj, PST_NID_WITH_TYPE(folder_nid, assoc ? PST_NID_TYPE_ASSOC_CONTENTS_TABLE :
	                                       PST_NID_TYPE_CONTENTS_TABLE), &r, NULL);
	mbx_free(obj);
	*nids = r.id;
	*n = r.n;
	return 0;
}

int mbx_pstprop_message_read(mbx_pstprop *p, uint32_t nid, mbx_pstprop_msg **out)
{
	const pp_nbt *n = pp_nbt_find(p, nid);
	mname nm;

	*out = NULL;
	if (PST_NID_TYPE(nid) != PST_NID_TYPE_NORMAL_MESSAGE && PST_NID_TYPE(nid) != PST_NID_TYPE_ASSOC_MESSAGE)
		return mbx_error_set(MBX_EINVAL, "%s: 0x%x is not a message NID", p->path, nid);
	memset(&nm, 0, sizeof(nm));
	nm.nid = nid;
	if (!n) {
		mbx_pstprop_msg *m = mbx_calloc(1, sizeof(*m));

		m->nid = nid;
		m->damaged = 1;
		pp_damage(p, "(no folder)", nid, 0, "message 0x%x is listed in a contents table but missing from the NBT",
		          nid);
		*out = m;
		return 0;
	}
	nm.parent = n->parent;
	nm.f = mbx_pstprop_folder_find(p, n->parent);
	*out = msg_load(p, &nm, n->bid_data, n->bid_sub, 0);
	mname_free(&nm);
	return 0;
}

static int att_leaves(mbx_pstprop *p, att_data *d)
{
	pp_why why;
	size_t i;

	if (d->leaves_loaded)
		return d->leaves_loaded > 0 ? 0 : -1;
	if (pp_data_leaves(p, d->bid, &d->bids, &d->sizes, &d->nb, &why) < 0) {
		pp_damage(p, d->object, d->nid, why.bid, "attachment data: %s", why.what);
		d->leaves_loaded = -1;
		return -1;
	}
	d->starts = mbx_calloc(d->nb + 1, sizeof(*d->starts));
	for (i = 0; i < d->nb; i++)
		d->starts[i + 1] = d->starts[i] + d->sizes[i];
	d->leaves_loaded = 1;
	return 0;
}

int mbx_pstprop_attach_read(mbx_pstprop *p, const mbx_pstprop_attach *a, uint64_t offset, void *buf, size_t len,
                            size_t *got)
{
	att_data *d = a->priv;
	size_t done = 0;

	*got = 0;
	if (!d)
		return 0;
	if (!d->bid) {
		if (offset < d->inl_len) {
			done = d->inl_len - (size_t)offset < len ? d->inl_len - (size_t)offset : len;
			memcpy(buf, d->inl + offset, done);
		}
		*got = done;
		return 0;
	}
	if (att_leaves(p, d) < 0)
		return mbx_error_set(MBX_ECORRUPT, "%s: %s: attachment data is damaged", p->path, d->object);
	while (done < len) {
		size_t lo = 0, hi = d->nb, k;
		uint64_t at = offset + done;
		pp_why why;
		uint32_t in, n;

		if (at >= d->starts[d->nb])
			break;
		while (lo + 1 < hi) {   /* the last block starting at or before `at` */
			size_t mid = lo + (hi - lo) / 2;

			if (d->starts[mid] <= at)
				lo = mid;
			else
				hi = mid;
		}
		k = lo;
		if (d->cached != k && at == d->starts[k] && len - done >= p->block_max) {
			/* a whole block wanted, and room for the largest one (what
			 * pp_block_read may write): decoded straight into buf, not cached */
			uint32_t cb;

			if (pp_block_read(p, d->bids[k], (uint8_t *)buf + done, &cb, &why) < 0) {
				pp_damage(p, d->object, d->nid, why.bid, "attachment data: %s", why.what);
				*got = done;
				return mbx_error_set(MBX_ECORRUPT, "%s: %s: attachment data block 0x%llx is damaged: %s", p->path,
				                     d->object, (unsigned long long)why.bid, why.what);
			}
			if (cb != d->sizes[k]) {
				pp_damage(p, d->object, d->nid, d->bids[k], "attachment data block holds %u bytes, expected %u",
				          cb, d->sizes[k]);
				*got = done;
				return mbx_error_set(MBX_ECORRUPT, "%s: %s: attachment data block 0x%llx is damaged", p->path,
				                     d->object, (unsigned long long)d->bids[k]);
			}
			done += cb;
			continue;
		}
		if (d->cached != k) {
			if (!d->cbuf)
				d->cbuf = mbx_malloc(p->block_max);
			d->cached = (size_t)-1;
			if (pp_block_read(p, d->bids[k], d->cbuf, &d->ccb, &why) < 0) {
				pp_damage(p, d->object, d->nid, why.bid, "attachment data: %s", why.what);
				*got = done;
				return mbx_error_set(MBX_ECORRUPT, "%s: %s: attachment data block 0x%llx is damaged: %s", p->path,
				                     d->object, (unsigned long long)why.bid, why.what);
			}
			if (d->ccb != d->sizes[k]) {
				pp_damage(p, d->object, d->nid, d->bids[k], "attachment data block holds %u bytes, expected %u",
				          d->ccb, d->sizes[k]);
				*got = done;
				return mbx_error_set(MBX_ECORRUPT, "%s: %s: attachment data block 0x%llx is damaged", p->path,
				                     d->object, (unsigned long long)d->bids[k]);
			}
			d->cached = k;
		}
		in = (uint32_t)(at - d->starts[k]);
		n = d->ccb - in;
		if (n > len - done)
			n = (uint32_t)(len - done);
		memcpy((uint8_t *)buf + done, d->cbuf + in, n);
		done += n;
	}
	*got = done;
	return 0;
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int mbx_pstprop_folder_unlisted(mbx_pstprop *p, uint32_t folder_nid, int assoc, const uint32_t *have, size_t n,
                                uint32_t **out, size_t *nout)
{
	uint32_t *sorted = mbx_malloc((n ? n : 1) * sizeof(*sorted));
	unsigned type = assoc ? PST_NID_TYPE_ASSOC_MESSAGE : PST_NID_TYPE_NORMAL_MESSAGE;
	size_t i, k = 0, cap = 0;

	*out = NULL;
	*nout = 0;
	if (n)
		memcpy(sorted, have, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), u32_cmp);
	for (i = 0; i < p->nnbt; i++) {
		const pp_nbt *e = &p->nbt[i];

		if (e->parent != folder_nid || PST_NID_TYPE(e->nid) != type)
			continue;
		if (n && bsearch(&e->nid, sorted, n, sizeof(*sorted), u32_cmp))
			continue;
		if (k == cap) {
			cap = cap ? 2 * cap : 16;
			*out = mbx_reallocarray(*out, cap, sizeof(**out));
		}
		(*out)[k++] = e->nid;
	}
	mbx_free(sorted);
	*nout = k;
	return 0;
}

char *mbx_pstprop_row_subject(mbx_pstprop *p, uint32_t nid)
{
	const pp_nbt *n = pp_nbt_find(p, nid);

	return n ? subject_clean(subject_from_table(p, n->parent, nid)) : NULL;
}

size_t mbx_pstprop_damage_count(const mbx_pstprop *p)
{
	return p->damage.n;
}

const mbx_pstprop_damage *mbx_pstprop_damage_at(const mbx_pstprop *p, size_t i)
{
	return i < p->damage.n ? &p->damage.e[i] : NULL;
}
