/*
 * core/pstprop/dump.c - the property dump of tests/PROPDUMP.md: every
 * property of every object, one line each, objects in walk order and the
 * properties of an object sorted by key.
 */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <nettle/sha2.h>
#include "mbx/common.h"
#include "mbx/props.h"
#include "mbx/text.h"
#include "pstprop_int.h"

#define HEX_MAX 48

typedef struct dline {
	char *key;
	char *rest;     /* TYPE \t LEN \t VALUE */
} dline;

typedef struct dlines {
	dline *e;
	size_t n, cap;
} dlines;

static void line_add(dlines *l, char *key, char *rest)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->e = mbx_reallocarray(l->e, l->cap, sizeof(*l->e));
	}
	l->e[l->n].key = key;
	l->e[l->n].rest = rest;
	l->n++;
}

static int line_cmp(const void *a, const void *b)
{
	return strcmp(((const dline *)a)->key, ((const dline *)b)->key);
}

static char *hex(const uint8_t *v, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	char *s = mbx_malloc(2 * n + 1);
	size_t i;

	for (i = 0; i < n; i++) {
		s[2 * i] = digits[v[i] >> 4];
		s[2 * i + 1] = digits[v[i] & 15];
	}
	s[2 * n] = 0;
	return s;
}

static char *value_text(const uint8_t *v, size_t n, unsigned flags)
{
	struct sha256_ctx c;
	uint8_t d[SHA256_DIGEST_SIZE];
	char *h, *s;

	if (n <= HEX_MAX || (flags & MBX_PSTPROP_DUMP_VALUES))
		return hex(v, n);
	sha256_init(&c);
	sha256_update(&c, n, v);
	sha256_digest(&c, sizeof(d), d);
	h = hex(d, sizeof(d));
	s = mbx_asprintf("sha256:%s", h);
	mbx_free(h);
	return s;
}

static void bag_lines(const mbx_pstprop_bag *b, dlines *l, unsigned flags)
{
	size_t i;

	for (i = 0; i < b->props.n; i++) {
		mbx_propkey k = mbx_props_key(&b->props, i);
		const mbx_prop *p = &b->props.p[i];
		char *v = value_text(mbx_props_val(&b->props, p), p->len, flags);

		line_add(l, mbx_propkey_describe(&k), mbx_asprintf("0x%04X\t%u\t%s", p->type, p->len, v));
		mbx_free(v);
	}
	for (i = 0; i < b->nbad; i++) {
		const mbx_pstprop_bad *x = &b->bad[i];
		mbx_propkey k = x->named ? (mbx_propkey){ 0, x->guid, x->lid, x->name } : MBX_KEY(x->id);
		char *r = mbx_text_clean(x->reason, -1, 0, NULL);

		line_add(l, mbx_propkey_describe(&k), mbx_asprintf("0x%04X\t-\tunreadable: %s", x->type, r));
		mbx_free(r);
	}
}

/* The attachment data line, its bytes streamed. */
static void data_line(mbx_pstprop *p, const mbx_pstprop_attach *a, dlines *l, unsigned flags)
{
	struct sha256_ctx c;
	uint8_t *buf = mbx_malloc(65536), d[SHA256_DIGEST_SIZE];
	uint64_t off = 0;
	size_t got;
	int bad = 0;
	char *v;
	unsigned char *all = NULL;
	int small = a->data_size <= HEX_MAX || (flags & MBX_PSTPROP_DUMP_VALUES);

	if (small)
		all = mbx_malloc(a->data_size ? (size_t)a->data_size : 1);
	sha256_init(&c);
	while (off < a->data_size) {
		if (mbx_pstprop_attach_read(p, a, off, buf, 65536, &got) < 0) {
			bad = 1;
			break;
		}
		if (got == 0)
			break;
		if (small)
			memcpy(all + off, buf, got);
		sha256_update(&c, got, buf);
		off += got;
	}
	if (bad || off != a->data_size) {
		line_add(l, mbx_strdup("0x3701"), mbx_asprintf("0x%04X\t-\tunreadable: %s", a->data_type,
		                                                 bad ? "a block of the data is damaged" :
		                                                 "the data is shorter than its size"));
	} else {
		if (small) {
			v = hex(all, (size_t)a->data_size);
		} else {
			char *h;

			sha256_digest(&c, sizeof(d), d);
			h = hex(d, sizeof(d));
			v = mbx_asprintf("sha256:%s", h);
			mbx_free(h);
		}
		line_add(l, mbx_strdup("0x3701"), mbx_asprintf("0x%04X\t%llu\t%s", a->data_type,
		                                                 (unsigned long long)a->data_size, v));
		mbx_free(v);
	}
	mbx_free(all);
	mbx_free(buf);
}

static int lines_out(FILE *fp, const char *obj, dlines *l)
{
	size_t i;
	int rc = 0;

	if (l->n)
		qsort(l->e, l->n, sizeof(*l->e), line_cmp);
	for (i = 0; i < l->n; i++) {
		if (fprintf(fp, "%s\t%s\t%s\n", obj, l->e[i].key, l->e[i].rest) < 0)
			rc = -1;
		mbx_free(l->e[i].key);
		mbx_free(l->e[i].rest);
	}
	mbx_free(l->e);
	memset(l, 0, sizeof(*l));
	return rc;
}

static int dump_msg(mbx_pstprop *p, FILE *fp, const char *obj, const mbx_pstprop_msg *m, unsigned flags)
{
	dlines l = { NULL, 0, 0 };
	size_t i;
	int rc;

	bag_lines(&m->bag, &l, flags);
	rc = lines_out(fp, obj, &l);
	for (i = 0; i < m->nrcpt; i++) {
		char *o = mbx_asprintf("%s/rcpt#%zu", obj, i);

		bag_lines(&m->rcpt[i], &l, flags);
		rc |= lines_out(fp, o, &l);
		mbx_free(o);
	}
	for (i = 0; i < m->natt; i++) {
		const mbx_pstprop_attach *a = &m->att[i];
		char *o = mbx_asprintf("%s/att#%zu", obj, i);

		bag_lines(&a->bag, &l, flags);
		/* PtypObject data (OLE storage) is a node reference, like an
		 * embedded message's: left out, as tests/PROPDUMP.md says */
		if (a->data_type == MBX_PT_BINARY)
			data_line(p, a, &l, flags);
		rc |= lines_out(fp, o, &l);
		if (a->embedded) {
			char *e = mbx_asprintf("%s/msg", o);

			rc |= dump_msg(p, fp, e, a->embedded, flags);
			mbx_free(e);
		}
		mbx_free(o);
	}
	return rc;
}

int mbx_pstprop_dump(mbx_pstprop *p, FILE *fp, unsigned flags)
{
	dlines l = { NULL, 0, 0 };
	size_t fi, i;
	int rc = 0, assoc;

	bag_lines(&p->store, &l, flags);
	rc |= lines_out(fp, "store", &l);
	for (fi = 0; fi < p->nfolders; fi++) {
		const mbx_pstprop_folder *f = &p->folders[fi];
		char *fobj = mbx_asprintf("folder:%s", f->path);

		bag_lines(&f->bag, &l, flags);
		rc |= lines_out(fp, fobj, &l);
		for (assoc = 0; assoc < 2 && f->kind != MBX_PSTPROP_FOLDER_SEARCH; assoc++) {
			uint32_t *nids;
			size_t n;

			mbx_pstprop_folder_contents(p, f->nid, assoc, &nids, &n);
			for (i = 0; i < n; i++) {
				mbx_pstprop_msg *m;
				char *o = mbx_asprintf("%s/%s#%zu", fobj, assoc ? "fai" : "msg", i);

				if (mbx_pstprop_message_read(p, nids[i], &m) == 0) {
					rc |= dump_msg(p, fp, o, m, flags);
					mbx_pstprop_message_free(m);
				}
				mbx_free(o);
			}
			mbx_free(nids);
			f = &p->folders[fi];
		}
		mbx_free(fobj);
	}
	if (fflush(fp) != 0 || ferror(fp) || rc)
		return mbx_error_set(MBX_EIO, "writing the dump of %s failed", p->path);
	return p->damage.total ? 1 : 0;
}
