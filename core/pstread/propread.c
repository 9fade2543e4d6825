/*
 * core/pstread/propread.c - the parent side of the isolated property-level
 * reader (propread.h): starts the child (child.h, propchild.c), decodes
 * its stream (propwire.h) into bags, folders and messages, keeps
 * attachment data in bounded memory or a temporary file, and hands them
 * to the callbacks.  Whatever the child sends is checked like any outside
 * input: a child that crashes, hangs, runs out of memory or sends garbage
 * gives one error naming the file.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mbx/pstprop.h"
#include "pstread/child.h"
#include "pstread/propread.h"
#include "pstread/propwire.h"

/* Most recipients or attachments one message may have before the stream
 * counts as garbage. */
#define PV_MAX_ENTRIES 1000000
/* Largest packed bag accepted (the child's values are at most 256 MiB
 * each, PP_VALUE_MAX). */
#define PV_MAX_BAG (1u << 30)
/* Largest text (damage reports, subjects, descriptions). */
#define PV_MAX_TEXT (1u << 20)
#define PV_MEM_BUDGET ((size_t)8 << 20)

#define PV_ENV_CHILD "MBX_PROPREAD_CHILD"
#define PV_ENV_FILE "MBX_PROPREAD_FILE"

void mbx_propread_opts_init(mbx_propread_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->timeout_seconds = 600;
	o->max_memory = INT64_C(4) << 30;
	o->mem_budget = PV_MEM_BUDGET;
}

/* ---- the input: the child's pipe, or the spool file ------------------------ */

typedef struct pv_in {
	mbx_child c;
	int fd;                  /* c.fd, or the spool file */
	int file;                /* fd is the spool file: offsets are known */
	uint64_t fpos;           /* file: bytes read from fd so far */
	int garbage;             /* the stream broke the format */
	int ended;               /* no more input */
	size_t pos, len;
	unsigned char buf[1 << 16];
} pv_in;

static int in_fill(pv_in *r)
{
	ssize_t n;

	if (r->pos < r->len)
		return 0;
	r->pos = r->len = 0;
	if (r->ended)
		return -1;
	if (r->file) {
		do
			n = read(r->fd, r->buf, sizeof(r->buf));
		while (n < 0 && errno == EINTR);
	} else {
		n = mbx_child_read(&r->c, r->buf, sizeof(r->buf));
	}
	if (n <= 0) {
		r->ended = 1;
		return -1;
	}
	r->len = (size_t)n;
	r->fpos += (uint64_t)n;
	return 0;
}

static int in_read(pv_in *r, void *dst, size_t n)
{
	unsigned char *d = dst;

	while (n > 0) {
		size_t k;

		if (r->pos == r->len && n >= sizeof(r->buf) && !r->ended) {
			/* attachment data: straight into its place, not through buf */
			ssize_t got;

			if (r->file) {
				do
					got = read(r->fd, d, n);
				while (got < 0 && errno == EINTR);
			} else {
				got = mbx_child_read(&r->c, d, n);
			}
			if (got <= 0) {
				r->ended = 1;
				return -1;
			}
			r->fpos += (uint64_t)got;
			d += got;
			n -= (size_t)got;
			continue;
		}
		if (in_fill(r) < 0)
			return -1;
		k = r->len - r->pos;
		if (k > n)
			k = n;
		memcpy(d, r->buf + r->pos, k);
		r->pos += k;
		d += k;
		n -= k;
	}
	return 0;
}

/* The spool file's offset of the next byte. */
static uint64_t in_offset(const pv_in *r)
{
	return r->fpos - (r->len - r->pos);
}

/* Skip n bytes of the spool file. */
static int in_skip(pv_in *r, uint64_t n)
{
	size_t k = r->len - r->pos;
	off_t to;

	if (n <= k) {
		r->pos += (size_t)n;
		return 0;
	}
	n -= k;
	r->pos = r->len = 0;
	to = lseek(r->fd, (off_t)n, SEEK_CUR);
	if (to < 0)
		return -1;
	r->fpos = (uint64_t)to;
	return 0;
}

static int in_u8(pv_in *r, unsigned *v)
{
	unsigned char b;

	if (in_read(r, &b, 1) < 0)
		return -1;
	*v = b;
	return 0;
}

static int in_u16(pv_in *r, uint16_t *v)
{
	return in_read(r, v, sizeof(*v));
}

static int in_u32(pv_in *r, uint32_t *v)
{
	return in_read(r, v, sizeof(*v));
}

static int in_u64(pv_in *r, uint64_t *v)
{
	return in_read(r, v, sizeof(*v));
}

static int bad(pv_in *r)
{
	r->garbage = 1;
	return -1;
}

/* A string (valid UTF-8 made of whatever came); *out NULL when none. */
static int in_str(pv_in *r, char **out)
{
	uint32_t len;
	char *s;

	*out = NULL;
	if (in_u32(r, &len) < 0)
		return -1;
	if (len == PV_NULL)
		return 0;
	if (len > PV_MAX_TEXT)
		return bad(r);
	s = mbx_malloc((size_t)len + 1);
	if (in_read(r, s, len) < 0) {
		mbx_free(s);
		return -1;
	}
	s[len] = '\0';
	*out = s;
	return 0;
}

/* ---- attachment data -------------------------------------------------------- */

typedef struct pv_seg {
	uint64_t at;             /* offset in the source file */
	uint64_t len;
} pv_seg;

/* Where one attachment's data is. */
typedef struct pv_src {
	uint64_t size, got;      /* declared, and received so far */
	int mem;                 /* 1: in the message's memory arena at mem_off */
	size_t mem_off;
	int fd;                  /* else: segments of this file */
	pv_seg *seg;
	size_t nseg;
	size_t cur;              /* segment of the last read */
	uint64_t cur_base;       /* its first byte's offset in the data */
	const char *path;        /* for messages */
} pv_src;

static int src_read(void *ud, int64_t offset, void *buf, size_t len, size_t *got)
{
	pv_src *s = ud;
	size_t done = 0;

	*got = 0;
	if (offset < 0 || (uint64_t)offset > s->size)
		return mbx_error_set(MBX_EINVAL, "attachment data read at %lld of %llu bytes",
		                     (long long)offset, (unsigned long long)s->size);
	if (offset < (int64_t)s->cur_base) {
		s->cur = 0;
		s->cur_base = 0;
	}
	while (done < len && (uint64_t)offset + done < s->size) {
		uint64_t at = (uint64_t)offset + done, in, n;
		ssize_t k;

		while (s->cur < s->nseg && at >= s->cur_base + s->seg[s->cur].len) {
			s->cur_base += s->seg[s->cur].len;
			s->cur++;
		}
		if (s->cur >= s->nseg)
			break;
		in = at - s->cur_base;
		n = s->seg[s->cur].len - in;
		if (n > len - done)
			n = len - done;
		k = pread(s->fd, (char *)buf + done, (size_t)n, (off_t)(s->seg[s->cur].at + in));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return mbx_error_set(MBX_EIO, "%s: can not read back attachment data from the "
			                     "temporary file: %s", s->path, k < 0 ? strerror(errno) : "it is short");
		done += (size_t)k;
	}
	*got = done;
	return 0;
}

/* ---- the state of one read ---------------------------------------------------- */

typedef struct pv_dmg {
	mbx_propread_damage d;
	char *object, *what;
} pv_dmg;

typedef struct pv_state {
	const char *path;
	const mbx_propread_opts *opts;
	const mbx_propread_cb *cb;
	void *ud;
	pv_in *r;
	int64_t items;           /* folders and messages received */
	mbx_propread_stats st;
	int have_done, have_total, have_hello, have_store;
	char *fail;              /* PV_FAIL's reason */
	int ost;                 /* PV_HELLO said so */
	uint32_t *fnids;         /* the folders received */
	size_t nf, capf;
	/* one message */
	unsigned char *mem;      /* attachment data kept in memory */
	size_t mem_len, mem_cap;
	pv_src **srcs;
	size_t nsrc, capsrc;
	int spill;               /* temporary file for data beyond the budget, -1 none */
	uint64_t spill_len;
	pv_dmg *dmg;
	size_t ndmg, capdmg;
	int cb_rc;               /* a callback's non-zero value */
} pv_state;

static void dmg_clear(pv_state *s)
{
	size_t i;

	for (i = 0; i < s->ndmg; i++) {
		mbx_free(s->dmg[i].object);
		mbx_free(s->dmg[i].what);
	}
	s->ndmg = 0;
}

static void srcs_clear(pv_state *s)
{
	size_t i;

	for (i = 0; i < s->nsrc; i++) {
		mbx_free(s->srcs[i]->seg);
		mbx_free(s->srcs[i]);
	}
	s->nsrc = 0;
	s->mem_len = 0;
	s->spill_len = 0;
}

/* A PV_DAMAGE record (its tag read). */
static int rd_damage(pv_state *s, pv_dmg *out)
{
	pv_in *r = s->r;
	unsigned scope;

	memset(out, 0, sizeof(*out));
	if (in_u8(r, &scope) < 0 || in_u32(r, &out->d.scope_nid) < 0 || in_str(r, &out->object) < 0 ||
	    in_u32(r, &out->d.nid) < 0 || in_u64(r, &out->d.bid) < 0 || in_str(r, &out->what) < 0)
		goto fail;
	if (scope > PV_SCOPE_MESSAGE || !out->what) {
		bad(r);
		goto fail;
	}
	out->d.scope = (int)scope;
	if (!out->object)
		out->object = mbx_strdup("");
	out->d.object = out->object;
	out->d.what = out->what;
	s->st.damage_reports++;
	return 0;
fail:
	mbx_free(out->object);
	mbx_free(out->what);
	memset(out, 0, sizeof(*out));
	return -1;
}

static int rd_bag(pv_state *s, mbx_props *b)
{
	pv_in *r = s->r;
	uint32_t len;
	unsigned char *p;
	int rc;

	if (in_u32(r, &len) < 0)
		return -1;
	if (len > PV_MAX_BAG)
		return bad(r);
	p = mbx_malloc(len ? len : 1);
	if (in_read(r, p, len) < 0) {
		mbx_free(p);
		return -1;
	}
	rc = mbx_props_unpack(b, p, len);
	mbx_free(p);
	return rc < 0 ? bad(r) : 0;
}

static int folder_known(const pv_state *s, uint32_t nid)
{
	size_t i;

	for (i = s->nf; i > 0; i--)
		if (s->fnids[i - 1] == nid)
			return 1;
	return 0;
}

/* The data of attachment `src` (its PV_ATT read): PV_DATA ... PV_DATA_END.
 * *whole 0 when the child could not read it all. */
static int rd_data(pv_state *s, pv_src *src, int *whole)
{
	pv_in *r = s->r;
	unsigned tag, w;

	for (;;) {
		uint32_t len;

		if (in_u8(r, &tag) < 0)
			return -1;
		if (tag == PV_DATA_END) {
			if (in_u8(r, &w) < 0)
				return -1;
			if (w > 1 || (w == 1 && src->got != src->size))
				return bad(r);
			*whole = (int)w;
			return 0;
		}
		if (tag != PV_DATA || in_u32(r, &len) < 0)
			return tag != PV_DATA ? bad(r) : -1;
		if (len == 0 || len > PV_CHUNK || len > src->size - src->got)
			return bad(r);
		if (src->mem) {
			if (in_read(r, s->mem + src->mem_off + src->got, len) < 0)
				return -1;
		} else {
			uint64_t at;

			if (r->file) {
				/* spooled: the bytes are in the spool file already */
				at = in_offset(r);
				if (in_skip(r, len) < 0)
					return -1;
			} else {
				unsigned char *tmp;
				size_t off = 0;

				at = s->spill_len;
				tmp = mbx_malloc(len);
				if (in_read(r, tmp, len) < 0) {
					mbx_free(tmp);
					return -1;
				}
				while (off < len) {
					ssize_t k = pwrite(s->spill, tmp + off, len - off, (off_t)(at + off));

					if (k < 0 && errno == EINTR)
						continue;
					if (k <= 0) {
						int e = errno;

						mbx_free(tmp);
						return mbx_error_set(e == ENOSPC ? MBX_ENOSPC : MBX_EIO, "%s: can not keep "
						                     "attachment data in a temporary file: %s; free some "
						                     "space in TMPDIR or set it elsewhere", s->path,
						                     strerror(e));
					}
					off += (size_t)k;
				}
				mbx_free(tmp);
				s->spill_len += len;
			}
			if (src->nseg && src->seg[src->nseg - 1].at + src->seg[src->nseg - 1].len == at) {
				src->seg[src->nseg - 1].len += len;
			} else {
				src->seg = mbx_reallocarray(src->seg, src->nseg + 1, sizeof(*src->seg));
				src->seg[src->nseg].at = at;
				src->seg[src->nseg].len = len;
				src->nseg++;
			}
		}
		src->got += len;
		s->st.attachment_bytes += len;
	}
}

/* The temporary file of attachment data beyond the budget (pipe mode). */
static int spill_open(pv_state *s)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	if (s->spill >= 0)
		return 0;
	if (!dir || !*dir)
		dir = "/tmp";
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0) {
		char *tmpl = mbx_asprintf("%s/mbxrescue-att.XXXXXX", dir);

		fd = mkostemp(tmpl, O_CLOEXEC);
		if (fd >= 0)
			unlink(tmpl);
		mbx_free(tmpl);
	}
	if (fd < 0)
		return mbx_error_set(MBX_EIO, "%s: can not create a temporary file in %s: %s; set TMPDIR "
		                     "to a writable directory", s->path, dir, strerror(errno));
	s->spill = fd;
	return 0;
}

/* An attachment (its PV_ATT tag read) and its data.  While the message is
 * read, a->data_ud holds 1 + the index of its data's source in s->srcs
 * (resolve_data makes that data or data_read once the message is whole). */
static int rd_attachment(pv_state *s, mbx_message *m, int *damaged)
{
	pv_in *r = s->r;
	mbx_attachment *a;
	uint32_t method;
	uint16_t dtype;
	uint64_t size;

	if (m->n_attachments >= PV_MAX_ENTRIES)
		return bad(r);
	if (in_u32(r, &method) < 0 || in_u16(r, &dtype) < 0 || in_u64(r, &size) < 0)
		return -1;
	if ((dtype == 0 && size != 0) || size > (UINT64_C(1) << 40))
		return bad(r);
	m->attachments = mbx_reallocarray(m->attachments, m->n_attachments + 1, sizeof(*a));
	a = &m->attachments[m->n_attachments++];
	memset(a, 0, sizeof(*a));
	if (rd_bag(s, &a->bag) < 0)
		return -1;
	s->st.attachments++;
	if (dtype) {
		pv_src *src = mbx_calloc(1, sizeof(*src));
		int whole = 0, rc;

		src->size = size;
		src->fd = -1;
		src->path = s->path;
		if (s->nsrc == s->capsrc) {
			s->capsrc = s->capsrc ? 2 * s->capsrc : 16;
			s->srcs = mbx_reallocarray(s->srcs, s->capsrc, sizeof(*s->srcs));
		}
		s->srcs[s->nsrc++] = src;
		a->data_ud = (void *)(uintptr_t)s->nsrc;   /* resolved at the message's end */
		a->size = (int64_t)size;
		if (s->mem_len + size <= s->opts->mem_budget) {
			src->mem = 1;
			src->mem_off = s->mem_len;
			s->mem_len += (size_t)size;
			if (s->mem_len > s->mem_cap) {
				s->mem_cap = s->mem_len > 2 * s->mem_cap ? s->mem_len : 2 * s->mem_cap;
				s->mem = mbx_realloc(s->mem, s->mem_cap);
			}
		} else if (r->file) {
			src->fd = r->fd;
		} else {
			if ((rc = spill_open(s)) < 0)
				return rc;
			src->fd = s->spill;
		}
		if ((rc = rd_data(s, src, &whole)) < 0)
			return rc;
		if (!whole)
			*damaged = 1;
	}
	(void)method;   /* the bag has it */
	return 0;
}

/* A message body up to its PV_END (propwire.h); damage records on the way
 * go to s->dmg. */
static int rd_body(pv_state *s, mbx_message *m, int depth, int *damaged, char **subject)
{
	pv_in *r = s->r;
	int have_bag = 0, rc;
	unsigned tag, d;

	*subject = NULL;
	for (;;) {
		if (in_u8(r, &tag) < 0)
			return -1;
		switch (tag) {
		case PV_DAMAGE:
			if (s->ndmg == s->capdmg) {
				s->capdmg = s->capdmg ? 2 * s->capdmg : 8;
				s->dmg = mbx_reallocarray(s->dmg, s->capdmg, sizeof(*s->dmg));
			}
			if (rd_damage(s, &s->dmg[s->ndmg]) < 0)
				return -1;
			if (s->dmg[s->ndmg].d.scope != PV_SCOPE_MESSAGE) {
				mbx_free(s->dmg[s->ndmg].object);
				mbx_free(s->dmg[s->ndmg].what);
				return bad(r);
			}
			s->ndmg++;
			break;
		case PV_BAG:
			if (have_bag || rd_bag(s, &m->bag) < 0)
				return have_bag ? bad(r) : -1;
			have_bag = 1;
			break;
		case PV_RCPT: {
			mbx_msg_recipient *rc_;

			if (!have_bag || m->n_recipients >= PV_MAX_ENTRIES)
				return bad(r);
			m->recipients = mbx_reallocarray(m->recipients, m->n_recipients + 1, sizeof(*rc_));
			rc_ = &m->recipients[m->n_recipients++];
			memset(rc_, 0, sizeof(*rc_));
			if (rd_bag(s, &rc_->bag) < 0)
				return -1;
			break;
		}
		case PV_ATT:
			if (!have_bag)
				return bad(r);
			if ((rc = rd_attachment(s, m, damaged)) < 0)
				return rc;
			break;
		case PV_EMB: {
			mbx_attachment *a;
			char *sub = NULL;
			int edmg = 0;

			if (!have_bag || m->n_attachments == 0 || depth + 1 >= PV_MAX_DEPTH)
				return bad(r);
			a = &m->attachments[m->n_attachments - 1];
			if (a->embedded || a->data_ud)
				return bad(r);
			a->embedded = mbx_calloc(1, sizeof(*a->embedded));
			rc = rd_body(s, a->embedded, depth + 1, &edmg, &sub);
			mbx_free(sub);
			if (rc < 0)
				return rc;
			if (edmg)
				*damaged = 1;
			break;
		}
		case PV_END:
			if (!have_bag || in_u8(r, &d) < 0)
				return !have_bag ? bad(r) : -1;
			if (d > 1)
				return bad(r);
			if (d)
				*damaged = 1;
			return in_str(r, subject);
		default:
			return bad(r);
		}
	}
}

/* Attachment sources into data / data_read, now that the arena stays put. */
static void resolve_data(pv_state *s, mbx_message *m, int depth)
{
	size_t i;

	for (i = 0; i < m->n_attachments && depth < PV_MAX_DEPTH; i++) {
		mbx_attachment *a = &m->attachments[i];

		if (a->data_ud) {
			pv_src *src = s->srcs[(uintptr_t)a->data_ud - 1];

			a->data_ud = NULL;
			if (src->mem) {
				a->data = src->size ? s->mem + src->mem_off : NULL;
			} else {
				a->data_read = src_read;
				a->data_ud = src;
			}
		}
		if (a->embedded)
			resolve_data(s, a->embedded, depth + 1);
	}
}

static int on_message(pv_state *s)
{
	pv_in *r = s->r;
	mbx_propread_msg pm;
	mbx_message m;
	uint32_t folder, nid;
	unsigned assoc;
	char *subject = NULL;
	int damaged = 0, rc = -1;
	size_t i;
	mbx_propread_damage *dv = NULL;

	memset(&m, 0, sizeof(m));
	dmg_clear(s);
	srcs_clear(s);
	if (in_u32(r, &folder) < 0 || in_u32(r, &nid) < 0 || in_u8(r, &assoc) < 0)
		return -1;
	if (!s->have_total || assoc > (1 | PV_MSG_UNLISTED) || !folder_known(s, folder))
		return bad(r);
	if (rd_body(s, &m, 0, &damaged, &subject) < 0)
		goto out;
	s->items++;
	s->st.messages++;
	if (damaged)
		s->st.damaged_messages++;
	resolve_data(s, &m, 0);
	rc = 0;
	if (s->cb && s->cb->message) {
		memset(&pm, 0, sizeof(pm));
		pm.folder = folder;
		pm.nid = nid;
		pm.assoc = (int)(assoc & 1);
		pm.unlisted = (assoc & PV_MSG_UNLISTED) != 0;
		pm.damaged = damaged;
		pm.subject = subject;
		dv = mbx_calloc(s->ndmg ? s->ndmg : 1, sizeof(*dv));
		for (i = 0; i < s->ndmg; i++)
			dv[i] = s->dmg[i].d;
		pm.damage = dv;
		pm.n_damage = s->ndmg;
		pm.m = &m;
		s->cb_rc = s->cb->message(s->ud, &pm);
	}
out:
	mbx_free(dv);
	mbx_free(subject);
	/* Attachment data belongs to the reader (arena, sources): the message
	 * does not own it, and mbx_message_clear leaves it. */
	mbx_message_clear(&m);
	dmg_clear(s);
	srcs_clear(s);
	return rc;
}

static int on_folder(pv_state *s)
{
	pv_in *r = s->r;
	mbx_propread_folder f;
	mbx_props bag = MBX_PROPS_INIT;
	unsigned kind, damaged;
	int rc = -1;

	memset(&f, 0, sizeof(f));
	if (in_u32(r, &f.nid) < 0 || in_u32(r, &f.parent) < 0 || in_u8(r, &kind) < 0 ||
	    in_u8(r, &damaged) < 0 || in_u32(r, &f.depth) < 0 || in_u32(r, &f.nsub) < 0 ||
	    in_u32(r, &f.nmsg) < 0 || in_u32(r, &f.nfai) < 0 || rd_bag(s, &bag) < 0)
		goto out;
	if (s->have_total || kind > 2 || damaged > 1 || folder_known(s, f.nid) ||
	    (s->nf == 0 ? f.depth != 0 : (f.depth == 0 || !folder_known(s, f.parent)))) {
		bad(r);
		goto out;
	}
	f.kind = (int)kind;
	f.damaged = (int)damaged;
	f.bag = &bag;
	if (s->nf == s->capf) {
		s->capf = s->capf ? 2 * s->capf : 64;
		s->fnids = mbx_reallocarray(s->fnids, s->capf, sizeof(*s->fnids));
	}
	s->fnids[s->nf++] = f.nid;
	s->items++;
	s->st.folders++;
	rc = 0;
	if (s->cb && s->cb->folder)
		s->cb_rc = s->cb->folder(s->ud, &f);
out:
	mbx_props_clear(&bag);
	return rc;
}

/* Records until PV_DONE: 0 done (or stopped by a callback: s->cb_rc), -1
 * the stream ended or broke. */
static int loop(pv_state *s)
{
	pv_in *r = s->r;
	unsigned tag;

	for (;;) {
		if (s->cb_rc)
			return 0;
		if (in_u8(r, &tag) < 0)
			return -1;
		switch (tag) {
		case PV_FAIL:
			if (s->have_hello || s->fail || in_str(r, &s->fail) < 0)
				return s->have_hello || s->fail ? bad(r) : -1;
			if (!s->fail)
				return bad(r);
			return -1;   /* the child exits now */
		case PV_HELLO: {
			mbx_propread_info info;
			unsigned fmt, ost, crypt;
			uint16_t v, vc;
			char *desc = NULL, *note = NULL;

			if (s->have_hello)
				return bad(r);
			if (in_u8(r, &fmt) < 0 || in_u8(r, &ost) < 0 || in_u16(r, &v) < 0 || in_u16(r, &vc) < 0 ||
			    in_u8(r, &crypt) < 0 || in_str(r, &desc) < 0 || in_str(r, &note) < 0) {
				mbx_free(desc);
				mbx_free(note);
				return -1;
			}
			s->have_hello = 1;
			s->ost = ost != 0;
			memset(&info, 0, sizeof(info));
			info.format = (int)fmt;
			info.ost = s->ost;
			info.wver = v;
			info.wver_client = vc;
			info.crypt = crypt;
			info.description = desc ? desc : "";
			info.note = note;
			if (s->cb && s->cb->info)
				s->cb_rc = s->cb->info(s->ud, &info);
			mbx_free(desc);
			mbx_free(note);
			break;
		}
		case PV_STORE: {
			mbx_props bag = MBX_PROPS_INIT;
			uint32_t nbad;

			if (!s->have_hello || s->have_store)
				return bad(r);
			if (rd_bag(s, &bag) < 0 || in_u32(r, &nbad) < 0) {
				mbx_props_clear(&bag);
				return -1;
			}
			s->have_store = 1;
			if (s->cb && s->cb->store)
				s->cb_rc = s->cb->store(s->ud, &bag, nbad);
			mbx_props_clear(&bag);
			break;
		}
		case PV_FOLDER:
			if (!s->have_store)
				return bad(r);
			if (on_folder(s) < 0)
				return -1;
			break;
		case PV_TOTAL: {
			uint64_t n;

			if (!s->have_store || s->have_total || in_u64(r, &n) < 0)
				return s->have_total || !s->have_store ? bad(r) : -1;
			if (n > (UINT64_C(1) << 40))
				return bad(r);
			s->have_total = 1;
			if (s->cb && s->cb->total)
				s->cb_rc = s->cb->total(s->ud, (int64_t)n);
			break;
		}
		case PV_MSG:
			if (on_message(s) < 0)
				return -1;
			break;
		case PV_DAMAGE: {
			pv_dmg d;

			if (!s->have_hello || rd_damage(s, &d) < 0)
				return !s->have_hello ? bad(r) : -1;
			if (d.d.scope == PV_SCOPE_MESSAGE ||
			    (d.d.scope == PV_SCOPE_FOLDER && !folder_known(s, d.d.scope_nid))) {
				mbx_free(d.object);
				mbx_free(d.what);
				return bad(r);
			}
			if (s->cb && s->cb->damage)
				s->cb_rc = s->cb->damage(s->ud, &d.d);
			mbx_free(d.object);
			mbx_free(d.what);
			break;
		}
		case PV_DONE: {
			uint64_t v[4];

			if (!s->have_total || in_read(r, v, sizeof(v)) < 0)
				return !s->have_total ? bad(r) : -1;
			if ((int64_t)v[0] != s->st.folders || (int64_t)v[1] != s->st.messages ||
			    (int64_t)v[2] != s->st.damaged_messages)
				return bad(r);
			s->have_done = 1;
			return 0;
		}
		default:
			return bad(r);
		}
	}
}

/* ---- spooling ---------------------------------------------------------------- */

/* The child's whole output into an unlinked temporary file; then read from
 * it.  0, or <0 with the error set (the child's own failure is the
 * caller's to report). */
static int spool(pv_state *s)
{
	pv_in *r = s->r;
	int fd, rc;

	rc = mbx_child_spool(&r->c, r->buf, sizeof(r->buf), s->path, &fd);
	if (rc < 0)
		return rc;
	if (!r->c.timed_out)
		mbx_child_finish(&r->c);   /* its output ended: it is exiting */
	mbx_child_end(&r->c);   /* reaped (killed first when it timed out) */
	r->fd = fd;
	r->file = 1;
	r->pos = r->len = 0;
	r->fpos = 0;
	r->ended = 0;
	if (lseek(fd, 0, SEEK_SET) != 0)
		return mbx_error_set(MBX_EIO, "%s: can not read back the temporary file: %s", s->path,
		                     strerror(errno));
	return 0;
}

/* ---- errors -------------------------------------------------------------------- */

static int is_ost_name(const char *path)
{
	size_t n = strlen(path);

	return n >= 4 && strcasecmp(path + n - 4, ".ost") == 0;
}

static int read_error(pv_state *s)
{
	const char *kind = s->ost || is_ost_name(s->path) ? "OST" : "PST";
	char why[512];

	if (s->fail) {
		/* The reader's own reason, without the path it starts with. */
		const char *reason = s->fail;
		size_t n = strlen(s->path);

		if (strncmp(reason, s->path, n) == 0 && reason[n] == ':' && reason[n + 1] == ' ')
			reason += n + 2;
		snprintf(why, sizeof(why), "%s", reason);
	} else if (s->r->garbage) {
		snprintf(why, sizeof(why), "the reader sent malformed data");
	} else {
		mbx_child_why(&s->r->c, s->opts->max_memory, why, sizeof(why));
	}
	return mbx_error_set(MBX_ECORRUPT, "%s: not a readable %s (reader stopped at item %lld); %s. "
	                     "Check the file with `mbxrescue pst-check`%s", s->path, kind,
	                     (long long)s->items + (s->fail ? 0 : 1), why,
	                     s->ost || is_ost_name(s->path) ? "" : ", or repair it with scanpst.exe");
}

/* ---- the child's entry ------------------------------------------------------------- */

static void pv_exec_entry(void) __attribute__((constructor));
static void pv_exec_entry(void)
{
	const char *flag = getenv(PV_ENV_CHILD), *file;

	if (!flag || strcmp(flag, "1") != 0)
		return;
	file = getenv(PV_ENV_FILE);
	if (!file || !*file)
		_exit(PV_EXIT_START);
	_exit(mbx_propread_child(file, MBX_CHILD_OUT_FD));
}

static int fallback(void *ud, int fd)
{
	return mbx_propread_child(ud, fd);
}

int mbx_propread_run(const char *path, const mbx_propread_opts *opts_in, const mbx_propread_cb *cb,
                     void *ud, mbx_propread_stats *stats)
{
	mbx_propread_opts opts;
	pv_state s;
	pv_in *r;
	struct stat sb;
	char *add[2];
	char **env;
	int rc;

	memset(&s, 0, sizeof(s));
	if (stats)
		memset(stats, 0, sizeof(*stats));
	if (opts_in)
		opts = *opts_in;
	else
		mbx_propread_opts_init(&opts);
	if (opts.timeout_seconds <= 0)
		opts.timeout_seconds = 600;
	if (opts.max_memory <= 0)
		opts.max_memory = INT64_C(4) << 30;
	if (opts.mem_budget == 0)
		opts.mem_budget = PV_MEM_BUDGET;

	if (stat(path, &sb) < 0)
		return mbx_error_set(errno == ENOENT ? MBX_ENOTFOUND : MBX_EIO, "%s: %s", path, strerror(errno));
	if (!S_ISREG(sb.st_mode))
		return mbx_error_set(MBX_EINVAL, "%s: not a regular file; give the path of a .pst or .ost file",
		                     path);
	if (access(path, R_OK) < 0)
		return mbx_error_set(MBX_EIO, "%s: %s", path, strerror(errno));
	if (sb.st_size == 0)
		return mbx_error_set(MBX_ECORRUPT, "%s: not a readable %s (reader stopped at item 0); the file "
		                     "is empty", path, is_ost_name(path) ? "OST" : "PST");

	r = mbx_calloc(1, sizeof(*r));
	add[0] = mbx_strdup(PV_ENV_CHILD "=1");
	add[1] = mbx_asprintf(PV_ENV_FILE "=%s", path);
	env = mbx_child_env("MBX_PROPREAD_", (const char *const *)add, 2);
	mbx_free(add[0]);
	mbx_free(add[1]);
	rc = mbx_child_start(&r->c, path, "mbxrescue-propread", env, opts.max_memory,
	                     opts.timeout_seconds, 1 << 20, fallback, (void *)path);
	mbx_child_env_free(env);
	if (rc < 0) {
		mbx_free(r);
		return rc;
	}
	r->fd = r->c.fd;
	s.path = path;
	s.opts = &opts;
	s.cb = cb;
	s.ud = ud;
	s.r = r;
	s.spill = -1;
	if (opts.spool) {
		if ((rc = spool(&s)) < 0)
			goto out;
		if (!mbx_child_ok(&r->c)) {
			/* Read what there is without callbacks: the error names the item. */
			s.cb = NULL;
			(void)loop(&s);
			rc = read_error(&s);
			goto out;
		}
	}
	if (loop(&s) < 0 || (!s.have_done && !s.cb_rc)) {
		if (!r->file) {
			/* its output ended by itself: it is exiting, its status says why */
			if (r->ended && !r->garbage && !r->c.timed_out && !s.fail)
				mbx_child_finish(&r->c);
			mbx_child_end(&r->c);
		}
		rc = read_error(&s);
		goto out;
	}
	if (s.cb_rc) {
		rc = s.cb_rc;
		goto out;
	}
	if (!r->file) {
		/* Everything came: the child ends by itself now. */
		mbx_child_finish(&r->c);
		if (!mbx_child_ok(&r->c)) {
			rc = read_error(&s);
			goto out;
		}
	}
	rc = 0;
out:
	if (r->file)
		close(r->fd);
	mbx_child_end(&r->c);
	if (s.spill >= 0)
		close(s.spill);
	dmg_clear(&s);
	srcs_clear(&s);
	mbx_free(s.dmg);
	mbx_free(s.srcs);
	mbx_free(s.mem);
	mbx_free(s.fnids);
	mbx_free(s.fail);
	if (stats)
		*stats = s.st;
	mbx_free(r);
	return rc;
}
