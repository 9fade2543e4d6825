/*
 * core/pst/msg_bag.c - what the messaging layer shares for property bags:
 * looking a plain id up in a caller's bag, and the values an object keeps
 * for its row in a table, so that the row repeats them exactly.
 */
#include <pthread.h>
#include <string.h>

#include "mbx/common.h"
#include "pst/pst_int.h"

int pst_bag_has(const mbx_props *b, uint16_t id)
{
	size_t i;

	if (!b)
		return 0;
	for (i = 0; i < b->n; i++)
		if (b->p[i].name == 0 && b->p[i].id == id)
			return 1;
	return 0;
}

void pst_rowvals_set(pst_rowvals *r, uint16_t id, uint16_t type, const void *v, size_t len)
{
	pst_rowval *x = NULL;
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->v[i].id == id) {
			x = &r->v[i];   /* its old bytes stay unused: rows are small */
			break;
		}
	if (!x) {
		if (r->n == r->cap) {
			r->cap = r->cap ? r->cap * 2 : 32;
			r->v = mbx_reallocarray(r->v, r->cap, sizeof(*r->v));
		}
		x = &r->v[r->n++];
		x->id = id;
	}
	if (r->ndata + len > r->capdata) {
		size_t cap = r->capdata ? r->capdata : 1024;

		while (r->ndata + len > cap)
			cap *= 2;
		r->data = mbx_realloc(r->data, cap);
		r->capdata = cap;
	}
	x->type = type;
	x->len = (uint32_t)len;
	x->off = r->ndata;
	if (len)
		memcpy(r->data + r->ndata, v, len);
	r->ndata += len;
}

const pst_rowval *pst_rowvals_get(const pst_rowvals *r, uint16_t id)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->v[i].id == id)
			return &r->v[i];
	return NULL;
}

void pst_rowvals_free(pst_rowvals *r)
{
	mbx_free(r->v);
	mbx_free(r->data);
	memset(r, 0, sizeof(*r));
}

/* Which property ids are columns of a contents or FAI contents table: a
 * bit each, made once. */
static uint8_t contents_ids[0x10000 / 8];
static pthread_once_t contents_once = PTHREAD_ONCE_INIT;

static void contents_ids_make(void)
{
	size_t i;

	for (i = 0; i < pst_ncontents_cols; i++)
		contents_ids[MBX_PROP_ID(pst_contents_cols[i]) / 8] |= (uint8_t)(1u << (MBX_PROP_ID(pst_contents_cols[i]) % 8));
	for (i = 0; i < pst_nassoc_cols; i++)
		contents_ids[MBX_PROP_ID(pst_assoc_cols[i]) / 8] |= (uint8_t)(1u << (MBX_PROP_ID(pst_assoc_cols[i]) % 8));
}

int pst_contents_col(uint16_t id)
{
	pthread_once(&contents_once, contents_ids_make);
	return (contents_ids[id / 8] >> (id % 8)) & 1;
}

int pst_tc_row_fill(pst_tc *tc, const pst_rowvals *r, unsigned cp)
{
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < r->n; i++) {
		const pst_rowval *x = &r->v[i];
		uint32_t tag = MBX_PROP_TAG(x->id, x->type);

		const unsigned char *v = r->data + x->off;

		if (x->type != MBX_PT_STRING8 || pst_tc_has(tc, tag)) {
			rc = pst_tc_cell(tc, tag, v, x->len);   /* nothing without the column */
		} else if (pst_tc_has(tc, MBX_PROP_TAG(x->id, MBX_PT_UNICODE))) {
			/* the table's column is Unicode: the same text */
			char *u = mbx_utf8_from_codepage(v, x->len, cp);
			unsigned char *w = NULL;
			size_t wl = 0;

			rc = mbx_utf16_from_utf8(u, strlen(u), &w, &wl);
			if (rc == 0)
				rc = pst_tc_cell(tc, MBX_PROP_TAG(x->id, MBX_PT_UNICODE), w, wl);
			mbx_free(w);
			mbx_free(u);
		}
	}
	return rc;
}

int pst_bag_write(mbx_pst *pst, pst_pc *pc, const mbx_props *b, int kind, pst_rowvals *row,
                  const uint32_t *cols, size_t ncols)
{
	size_t i, c;
	int rc = 0;

	for (i = 0; rc == 0 && i < b->n; i++) {
		const mbx_prop *p = &b->p[i];
		const unsigned char *v = mbx_props_val(b, p);
		mbx_propkey k = mbx_props_key(b, i);
		uint16_t id;

		if (p->name == 0 && pst_regen_find(kind, p->id, p->type))
			continue;
		rc = pst_key_id(pst, &k, &id);
		if (rc == 0 && pc)
			rc = pst_pc_prop(pc, id, p->type, v, p->len);
		for (c = 0; rc == 0 && row && c < ncols; c++)
			if (MBX_PROP_ID(cols[c]) == id) {
				pst_rowvals_set(row, id, p->type, v, p->len);
				break;
			}
	}
	return rc;
}
