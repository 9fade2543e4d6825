/*
 * core/pstread/propchild.c - the child process of the property-level
 * reader (propread.c): reads a PST or OST with core/pstprop and streams
 * everything in it to the parent in the format of propwire.h -- the
 * store's bag, every folder with its bag, then every message of every
 * folder with its bag, recipient bags, attachment bags and data (in
 * chunks), embedded messages, and what could not be read.
 *
 * It runs in its own process because the file is not trusted: our reader
 * checks every block and bounds every walk, but a crash, a hang or an
 * allocation blow-up here must still never take the importer with it.
 *
 * Test hooks (for the tests of that isolation): MBX_TEST_PROPREAD_ABORT=N
 * aborts, MBX_TEST_PROPREAD_HANG=N stops making progress, and
 * MBX_TEST_PROPREAD_GARBAGE=N sends a record that breaks the format, at
 * the N-th message; MBX_TEST_PROPREAD_GROW=N allocates there until the
 * memory limit stops it.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mbx/pstprop.h"
#include "mbx/pstdefs.h"
#include "pstread/propwire.h"

typedef struct pv_out {
	int fd;
	size_t len;
	unsigned char buf[1 << 16];
} pv_out;

typedef struct pv_walk {
	mbx_pstprop *p;
	pv_out *o;
	size_t damage_sent;      /* entries of the reader's damage list sent so far */
	int64_t messages, damaged;
	int64_t hook_abort, hook_hang, hook_garbage, hook_grow;
	unsigned char *chunk;    /* PV_CHUNK bytes */
	unsigned char *pack;     /* a packed bag */
	size_t pack_len, pack_cap;
} pv_walk;

static void pv_write_all(int fd, const unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			_exit(PV_EXIT_PIPE);   /* the parent went away: nothing to save */
		p += k;
		n -= (size_t)k;
	}
}

static void pv_flush(pv_out *o)
{
	pv_write_all(o->fd, o->buf, o->len);
	o->len = 0;
}

static void pv_bytes(pv_out *o, const void *p, size_t n)
{
	const unsigned char *s = p;

	if (n >= sizeof(o->buf) / 2) {
		/* attachment data: straight to the pipe */
		pv_flush(o);
		pv_write_all(o->fd, s, n);
		return;
	}
	if (o->len + n > sizeof(o->buf))
		pv_flush(o);
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

static void pv_u8(pv_out *o, unsigned v)
{
	unsigned char b = (unsigned char)v;

	pv_bytes(o, &b, 1);
}

static void pv_u16(pv_out *o, uint16_t v)
{
	pv_bytes(o, &v, sizeof(v));
}

static void pv_u32(pv_out *o, uint32_t v)
{
	pv_bytes(o, &v, sizeof(v));
}

static void pv_u64(pv_out *o, uint64_t v)
{
	pv_bytes(o, &v, sizeof(v));
}

static void pv_str(pv_out *o, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (!s) {
		pv_u32(o, PV_NULL);
		return;
	}
	if (n >= PV_NULL)
		n = PV_NULL - 1;
	pv_u32(o, (uint32_t)n);
	pv_bytes(o, s, n);
}

static void pv_bag(pv_walk *w, const mbx_props *b)
{
	w->pack_len = 0;
	mbx_props_pack(b, &w->pack, &w->pack_len, &w->pack_cap);
	pv_u32(w->o, (uint32_t)w->pack_len);
	pv_bytes(w->o, w->pack, w->pack_len);
}

/* The damage reports from `from` on (the reader's list, in order found). */
static void pv_damage(pv_walk *w, size_t from, int scope, uint32_t scope_nid)
{
	size_t i, n = mbx_pstprop_damage_count(w->p);

	for (i = from; i < n; i++) {
		const mbx_pstprop_damage *d = mbx_pstprop_damage_at(w->p, i);

		pv_u8(w->o, PV_DAMAGE);
		pv_u8(w->o, (unsigned)scope);
		pv_u32(w->o, scope_nid);
		pv_str(w->o, d->object);
		pv_u32(w->o, d->nid);
		pv_u64(w->o, d->bid);
		pv_str(w->o, d->what);
	}
	if (n > w->damage_sent)
		w->damage_sent = n;
}

static int64_t pv_hook(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? strtoll(v, NULL, 10) : 0;
}

/* The test hooks, at the n-th message. */
static void pv_hooks(pv_walk *w, int64_t n)
{
	if (w->hook_abort == n) {
		pv_flush(w->o);
		abort();
	}
	if (w->hook_hang == n) {
		pv_flush(w->o);
		for (;;)
			pause();
	}
	if (w->hook_garbage == n) {
		pv_u8(w->o, 0xEE);
		pv_flush(w->o);
	}
	if (w->hook_grow == n) {
		pv_flush(w->o);
		for (;;) {
			char *p = malloc(1 << 20);

			if (!p)
				abort();
			memset(p, 1, 1 << 20);
		}
	}
}

/* The subject a report names a message by: its bag's, else its row's. */
static char *pv_subject(pv_walk *w, const mbx_pstprop_msg *m, int depth)
{
	mbx_propkey k = MBX_KEY(MBX_PID_TAG_SUBJECT);
	char *s = NULL;

	if (mbx_props_utf8(&m->bag.props, &k, 0, &s) == 0 && s) {
		if (s[0] == 1 && s[1])
			memmove(s, s + 2, strlen(s + 2) + 1);
		return s;
	}
	mbx_free(s);
	return depth == 0 ? mbx_pstprop_row_subject(w->p, m->nid) : NULL;
}

/* An attachment's data, chunk by chunk; 1 when it came whole. */
static int pv_data(pv_walk *w, const mbx_pstprop_attach *a)
{
	uint64_t off = 0;
	int whole = 1;

	while (off < a->data_size) {
		size_t want = a->data_size - off < PV_CHUNK ? (size_t)(a->data_size - off) : PV_CHUNK;
		size_t got = 0;

		if (mbx_pstprop_attach_read(w->p, a, off, w->chunk, want, &got) < 0) {
			whole = 0;
			break;
		}
		if (got == 0)
			break;
		pv_u8(w->o, PV_DATA);
		pv_u32(w->o, (uint32_t)got);
		pv_bytes(w->o, w->chunk, got);
		off += got;
	}
	if (off != a->data_size)
		whole = 0;
	pv_u8(w->o, PV_DATA_END);
	pv_u8(w->o, (unsigned)whole);
	return whole;
}

/* A message's body (propwire.h); returns 1 when it (or anything in it)
 * was damaged.  The damage reports found meanwhile go out with it (scope
 * the top-level message nid), always before its PV_END. */
static int pv_body(pv_walk *w, const mbx_pstprop_msg *m, uint32_t top, int depth)
{
	int damaged = m->damaged;
	char *subject;
	size_t i;

	pv_damage(w, w->damage_sent, PV_SCOPE_MESSAGE, top);
	pv_u8(w->o, PV_BAG);
	pv_bag(w, &m->bag.props);
	if (!damaged) {
		for (i = 0; i < m->nrcpt; i++) {
			pv_u8(w->o, PV_RCPT);
			pv_bag(w, &m->rcpt[i].props);
		}
		for (i = 0; i < m->natt; i++) {
			const mbx_pstprop_attach *a = &m->att[i];

			pv_u8(w->o, PV_ATT);
			pv_u32(w->o, a->method);
			pv_u16(w->o, a->data_type);
			pv_u64(w->o, a->data_type ? a->data_size : 0);
			pv_bag(w, &a->bag.props);
			if (a->data_type && !pv_data(w, a))
				damaged = 1;
			if (a->embedded) {
				pv_u8(w->o, PV_EMB);
				if (pv_body(w, a->embedded, top, depth + 1))
					damaged = 1;
			}
		}
	}
	subject = damaged ? pv_subject(w, m, depth) : NULL;
	pv_damage(w, w->damage_sent, PV_SCOPE_MESSAGE, top);
	pv_u8(w->o, PV_END);
	pv_u8(w->o, (unsigned)damaged);
	pv_str(w->o, subject);
	mbx_free(subject);
	return damaged;
}

static void pv_message(pv_walk *w, uint32_t folder, uint32_t nid, int assoc)
{
	mbx_pstprop_msg *m = NULL;

	w->messages++;
	pv_hooks(w, w->messages);
	pv_u8(w->o, PV_MSG);
	pv_u32(w->o, folder);
	pv_u32(w->o, nid);
	pv_u8(w->o, (unsigned)assoc);
	if (mbx_pstprop_message_read(w->p, nid, &m) < 0 || !m) {
		/* a row that names no message node */
		mbx_props empty = MBX_PROPS_INIT;
		char *what = mbx_asprintf("contents table row names 0x%x, which is not a message", nid);

		pv_u8(w->o, PV_DAMAGE);
		pv_u8(w->o, PV_SCOPE_MESSAGE);
		pv_u32(w->o, nid);
		pv_str(w->o, "(contents table)");
		pv_u32(w->o, nid);
		pv_u64(w->o, 0);
		pv_str(w->o, what);
		mbx_free(what);
		pv_u8(w->o, PV_BAG);
		pv_bag(w, &empty);
		pv_u8(w->o, PV_END);
		pv_u8(w->o, 1);
		pv_str(w->o, NULL);
		w->damaged++;
		return;
	}
	if (pv_body(w, m, nid, 0))
		w->damaged++;
	mbx_pstprop_message_free(m);
}

/* The folder a damage report of the open belongs to: the folder whose
 * node (or one of whose tables) it names; 0 for the file's own. */
static uint32_t pv_damage_folder(mbx_pstprop *p, const mbx_pstprop_damage *d)
{
	size_t i, n = mbx_pstprop_folder_count(p);

	if (!d->nid)
		return 0;
	for (i = 0; i < n; i++) {
		const mbx_pstprop_folder *f = mbx_pstprop_folder_at(p, i);

		if (f->nid == d->nid || (f->nid >> 5) == (d->nid >> 5))
			return f->nid;
	}
	return 0;
}

int mbx_propread_child(const char *path, int fd)
{
	static pv_out out;   /* off the stack; this process is single-threaded */
	const mbx_pstprop_info *info;
	const mbx_pstprop_bag *sb;
	mbx_pstprop *p = NULL;
	pv_walk w;
	size_t i, nf, nd;
	int64_t total = 0;
	uint8_t *from_open;
	int assoc;

	memset(&w, 0, sizeof(w));
	out.fd = fd;
	out.len = 0;
	w.o = &out;
	w.hook_abort = pv_hook("MBX_TEST_PROPREAD_ABORT");
	w.hook_hang = pv_hook("MBX_TEST_PROPREAD_HANG");
	w.hook_garbage = pv_hook("MBX_TEST_PROPREAD_GARBAGE");
	w.hook_grow = pv_hook("MBX_TEST_PROPREAD_GROW");
	if (mbx_pstprop_open(&p, path, 0) < 0) {
		pv_u8(&out, PV_FAIL);
		pv_str(&out, mbx_error_last());
		pv_flush(&out);
		return PV_EXIT_OPEN;
	}
	w.p = p;
	w.chunk = mbx_malloc(PV_CHUNK);
	info = mbx_pstprop_info_get(p);
	pv_u8(&out, PV_HELLO);
	pv_u8(&out, (unsigned)info->format);
	pv_u8(&out, (unsigned)info->ost);
	pv_u16(&out, (uint16_t)info->wver);
	pv_u16(&out, (uint16_t)info->wver_client);
	pv_u8(&out, info->crypt);
	pv_str(&out, info->description);
	pv_str(&out, info->note);
	sb = mbx_pstprop_store_bag(p);
	pv_u8(&out, PV_STORE);
	pv_bag(&w, &sb->props);
	pv_u32(&out, (uint32_t)sb->nbad);

	/* What the open found: the file's own first, each folder's after it. */
	nd = mbx_pstprop_damage_count(p);
	nf = mbx_pstprop_folder_count(p);
	from_open = mbx_calloc(nd ? nd : 1, 1);
	for (i = 0; i < nd; i++) {
		const mbx_pstprop_damage *d = mbx_pstprop_damage_at(p, i);
		uint32_t f = pv_damage_folder(p, d);

		from_open[i] = f != 0;
		if (f)
			continue;
		pv_u8(&out, PV_DAMAGE);
		pv_u8(&out, PV_SCOPE_FILE);
		pv_u32(&out, 0);
		pv_str(&out, d->object);
		pv_u32(&out, d->nid);
		pv_u64(&out, d->bid);
		pv_str(&out, d->what);
	}
	for (i = 0; i < nf; i++) {
		const mbx_pstprop_folder *f = mbx_pstprop_folder_at(p, i);
		size_t k;

		pv_u8(&out, PV_FOLDER);
		pv_u32(&out, f->nid);
		pv_u32(&out, f->parent);
		pv_u8(&out, (unsigned)f->kind);
		pv_u8(&out, (unsigned)(f->damaged != 0));
		pv_u32(&out, f->depth);
		pv_u32(&out, (uint32_t)f->nsub);
		pv_u32(&out, (uint32_t)f->nmsg);
		pv_u32(&out, (uint32_t)f->nfai);
		pv_bag(&w, &f->bag.props);
		for (k = 0; k < nd; k++) {
			const mbx_pstprop_damage *d = mbx_pstprop_damage_at(p, k);

			if (!from_open[k] || pv_damage_folder(p, d) != f->nid)
				continue;
			pv_u8(&out, PV_DAMAGE);
			pv_u8(&out, PV_SCOPE_FOLDER);
			pv_u32(&out, f->nid);
			pv_str(&out, d->object);
			pv_u32(&out, d->nid);
			pv_u64(&out, d->bid);
			pv_str(&out, d->what);
		}
		if (f->kind != MBX_PSTPROP_FOLDER_SEARCH)
			total += (int64_t)f->nmsg + (int64_t)f->nfai;
	}
	mbx_free(from_open);
	w.damage_sent = nd;
	pv_u8(&out, PV_TOTAL);
	pv_u64(&out, (uint64_t)total);

	for (i = 0; i < nf; i++) {
		const mbx_pstprop_folder *f = mbx_pstprop_folder_at(p, i);
		uint32_t fnid = f->nid;

		if (f->kind == MBX_PSTPROP_FOLDER_SEARCH)
			continue;
		for (assoc = 0; assoc < 2; assoc++) {
			uint32_t *nids = NULL;
			size_t n = 0, k;

			size_t before = mbx_pstprop_damage_count(p);

			mbx_pstprop_folder_contents(p, fnid, assoc, &nids, &n);
			/* a table damaged half way: reported, and its rows read before */
			pv_damage(&w, w.damage_sent, PV_SCOPE_FOLDER, fnid);
			for (k = 0; k < n; k++)
				pv_message(&w, fnid, nids[k], assoc);
			if (mbx_pstprop_folder_at(p, i)->damaged || mbx_pstprop_damage_count(p) > before) {
				/* what the damaged table lost: the folder's messages by
				 * their nodes' parent */
				uint32_t *more = NULL;
				size_t nm = 0;

				mbx_pstprop_folder_unlisted(p, fnid, assoc, nids, n, &more, &nm);
				for (k = 0; k < nm; k++)
					pv_message(&w, fnid, more[k], assoc | PV_MSG_UNLISTED);
				mbx_free(more);
			}
			mbx_free(nids);
		}
	}
	pv_damage(&w, w.damage_sent, PV_SCOPE_FILE, 0);
	pv_u8(&out, PV_DONE);
	pv_u64(&out, (uint64_t)nf);
	pv_u64(&out, (uint64_t)w.messages);
	pv_u64(&out, (uint64_t)w.damaged);
	pv_u64(&out, (uint64_t)mbx_pstprop_damage_count(p));
	pv_flush(&out);
	mbx_free(w.chunk);
	mbx_free(w.pack);
	mbx_pstprop_free(p);
	return 0;
}
