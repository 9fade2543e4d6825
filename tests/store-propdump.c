/*
 * tests/store-propdump.c - the property dump of tests/PROPDUMP.md for a
 * store mailbox, from the bags the store keeps: what `mbxrescue pst-dump`
 * writes for the PST the mailbox was imported from, object for object, so
 * that the two can be compared line by line.
 *
 *   tests/store-propdump DB ALIAS [TOP]
 *
 * Objects: `store` (the mailbox's bag), `folder:TOP/PATH` for each folder
 * (TOP defaults to "Top of Personal Folders", the IPM subtree's name; a
 * top-level folder named so -- where an import puts the items of the IPM
 * subtree itself -- is `folder:TOP`), `FOLDER/msg#I` and `FOLDER/fai#I`
 * (the folder's messages and associated messages in the order they were
 * stored), `MSG/rcpt#I`, `MSG/att#I` (with the attachment's data as the
 * line 0x3701, from the store's data: size and bytes or SHA-256), and
 * `ATT/msg` for embedded messages.  Properties sorted by key, values as
 * PROPDUMP.md says.
 */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <nettle/sha2.h>
#include "mbx/common.h"
#include "mbx/props.h"
#include "mbx/store.h"

#define HEX_MAX 48

typedef struct line {
	char *key, *rest;
} line;

typedef struct lines {
	line *e;
	size_t n, cap;
} lines;

static void add(lines *l, char *key, char *rest)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->e = mbx_reallocarray(l->e, l->cap, sizeof(*l->e));
	}
	l->e[l->n].key = key;
	l->e[l->n].rest = rest;
	l->n++;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(((const line *)a)->key, ((const line *)b)->key);
}

static char *hex(const uint8_t *v, size_t n)
{
	static const char d[] = "0123456789abcdef";
	char *s = mbx_malloc(2 * n + 1);
	size_t i;

	for (i = 0; i < n; i++) {
		s[2 * i] = d[v[i] >> 4];
		s[2 * i + 1] = d[v[i] & 15];
	}
	s[2 * n] = 0;
	return s;
}

static char *value(const uint8_t *v, size_t n)
{
	struct sha256_ctx c;
	uint8_t dg[SHA256_DIGEST_SIZE];
	char *h, *s;

	if (n <= HEX_MAX)
		return hex(v, n);
	sha256_init(&c);
	sha256_update(&c, n, v);
	sha256_digest(&c, sizeof(dg), dg);
	h = hex(dg, sizeof(dg));
	s = mbx_asprintf("sha256:%s", h);
	mbx_free(h);
	return s;
}

static void bag(lines *l, const mbx_props *b)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		mbx_propkey k = mbx_props_key(b, i);
		const mbx_prop *p = &b->p[i];
		char *v = value(mbx_props_val(b, p), p->len);

		add(l, mbx_propkey_describe(&k), mbx_asprintf("0x%04X\t%u\t%s", p->type, p->len, v));
		mbx_free(v);
	}
}

static void out(const char *obj, lines *l)
{
	size_t i;

	if (l->n)
		qsort(l->e, l->n, sizeof(*l->e), cmp);
	for (i = 0; i < l->n; i++) {
		printf("%s\t%s\t%s\n", obj, l->e[i].key, l->e[i].rest);
		mbx_free(l->e[i].key);
		mbx_free(l->e[i].rest);
	}
	l->n = 0;
}

static void data(mbx_store *st, const mbx_attachment *a, lines *l)
{
	struct sha256_ctx c;
	uint8_t *buf = mbx_malloc(65536), dg[SHA256_DIGEST_SIZE], small[HEX_MAX];
	int64_t off = 0;
	size_t got;
	char *v;

	sha256_init(&c);
	while (off < a->size && mbx_store_attachment_read(st, a->id, off, buf, 65536, &got) == 0 && got) {
		if (a->size <= HEX_MAX)
			memcpy(small + off, buf, got);
		sha256_update(&c, got, buf);
		off += (int64_t)got;
	}
	if (a->size <= HEX_MAX) {
		v = hex(small, (size_t)off);
	} else {
		char *h;

		sha256_digest(&c, sizeof(dg), dg);
		h = hex(dg, sizeof(dg));
		v = mbx_asprintf("sha256:%s", h);
		mbx_free(h);
	}
	add(l, mbx_strdup("0x3701"), mbx_asprintf("0x0102\t%lld\t%s", (long long)off, v));
	mbx_free(v);
	mbx_free(buf);
}

static void message(mbx_store *st, const char *obj, const mbx_message *m, lines *l)
{
	size_t i;

	bag(l, &m->bag);
	out(obj, l);
	for (i = 0; i < m->n_recipients; i++) {
		char *o = mbx_asprintf("%s/rcpt#%zu", obj, i);

		bag(l, &m->recipients[i].bag);
		out(o, l);
		mbx_free(o);
	}
	for (i = 0; i < m->n_attachments; i++) {
		const mbx_attachment *a = &m->attachments[i];
		char *o = mbx_asprintf("%s/att#%zu", obj, i);

		bag(l, &a->bag);
		if (!a->embedded)
			data(st, a, l);
		out(o, l);
		if (a->embedded) {
			char *e = mbx_asprintf("%s/msg", o);

			message(st, e, a->embedded, l);
			mbx_free(e);
		}
		mbx_free(o);
	}
}

int main(int argc, char **argv)
{
	const char *top = argc > 3 ? argv[3] : "Top of Personal Folders";
	mbx_store *st;
	mbx_mailbox mb;
	mbx_folder *f;
	lines l = { NULL, 0, 0 };
	size_t n, i;

	if (argc < 3) {
		fprintf(stderr, "usage: store-propdump DB ALIAS [TOP]\n");
		return 2;
	}
	if (mbx_store_open(&st, argv[1], MBX_STORE_READONLY) < 0 ||
	    mbx_store_mailbox_by_alias(st, argv[2], &mb) < 0 || mbx_store_folders(st, mb.id, &f, &n) < 0) {
		fprintf(stderr, "%s\n", mbx_error_last());
		return 2;
	}
	bag(&l, &mb.bag);
	out("store", &l);
	for (i = 0; i < n; i++) {
		mbx_msg_iter *it;
		mbx_message *m;
		char *fobj = f[i].parent_id == 0 && strcmp(f[i].path, top) == 0 ?
		             mbx_asprintf("folder:%s", top) : mbx_asprintf("folder:%s/%s", top, f[i].path);
		size_t k[2] = { 0, 0 };

		bag(&l, &f[i].bag);
		out(fobj, &l);
		if (mbx_store_messages(st, f[i].id, &it) == 0) {
			while (mbx_msg_iter_next(it, &m) == 1) {
				char *o = mbx_asprintf("%s/%s#%zu", fobj, m->associated ? "fai" : "msg",
				                       k[m->associated ? 1 : 0]++);

				message(st, o, m, &l);
				mbx_free(o);
				mbx_message_free(m);
			}
			mbx_msg_iter_free(it);
		}
		mbx_free(fobj);
	}
	mbx_free(l.e);
	mbx_folders_free(f, n);
	mbx_mailbox_clear(&mb);
	mbx_store_free(st);
	return 0;
}
