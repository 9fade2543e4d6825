/*
 * core/pstcheck/reader.c - the validator's reader core: bounded file
 * access, problem reporting, CRC and signatures, block decoding, and the
 * data trees and subnode lists the upper layers read through.
 */
#include "config.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "mbx/common.h"
#include "mbx/crc.h"
#include "pstcheck.h"
#include "pstcheck_crypt.h"

/* kind: 0 problem, 1 note, 2 warning (see pc_warn). */
static void report(pc_ctx *c, int note, const char *where, const char *fmt, va_list ap)
{
	char *what, *line;
	uint64_t shown;

	if (note)
		c->notes++;
	else
		c->st->problems++;
	shown = c->st->problems + c->notes;
	if (shown > PC_MAX_PROBLEMS_SHOWN) {
		if (shown == PC_MAX_PROBLEMS_SHOWN + 1 && c->cb)
			c->cb(c->ud, c->path, "note: too many problems, the rest are counted only");
		return;
	}
	if (!c->cb)
		return;
	what = mbx_vasprintf(fmt, ap);
	line = note ? mbx_asprintf("%s: %s", note == 2 ? "warning" : "note", what) : what;
	c->cb(c->ud, where, line);
	if (line != what)
		mbx_free(line);
	mbx_free(what);
}

void pc_warn(pc_ctx *c, const char *where, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(c, 2, where, fmt, ap);
	va_end(ap);
}

void pc_problem(pc_ctx *c, const char *where, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(c, 0, where, fmt, ap);
	va_end(ap);
}

void pc_note(pc_ctx *c, const char *where, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(c, 1, where, fmt, ap);
	va_end(ap);
}

/* Read n bytes at off; -1 when the range is outside the file (not reported
 * here: the caller names the structure) or on an I/O error (fatal). */
int pc_pread(pc_ctx *c, uint64_t off, void *buf, size_t n)
{
	size_t done = 0;

	if (off > c->size || n > c->size - off)
		return -1;
	while (done < n) {
		ssize_t r = pread(c->fd, (uint8_t *)buf + done, n - done, (off_t)(off + done));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			c->fatal = 1;
			mbx_error_set(MBX_EIO, "%s: read error at offset %llu: %s", c->path,
			              (unsigned long long)(off + done), r < 0 ? strerror(errno) : "file shrank");
			return -1;
		}
		done += (size_t)r;
	}
	return 0;
}

uint32_t pc_crc(const void *buf, size_t n)
{
	/* [MS-PST] 5.3: the usual CRC-32 table, seed 0, no final inversion;
	 * the writer's definition (mbx/crc.h). */
	return mbx_pst_crc(buf, n);
}

uint16_t pc_sig(uint64_t ib, uint64_t bid)
{
	uint64_t x = ib ^ bid;
	uint32_t y = (uint32_t)x;

	return (uint16_t)((y >> 16) ^ (y & 0xFFFF));
}

uint16_t pc_le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
uint32_t pc_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
uint64_t pc_le64(const uint8_t *p) { return (uint64_t)pc_le32(p) | (uint64_t)pc_le32(p + 4) << 32; }

void pc_decode(pc_ctx *c, uint8_t *data, size_t n, uint64_t bid)
{
	const uint8_t *r = pc_crypt_table, *s = pc_crypt_table + 256, *inv = pc_crypt_table + 512;
	size_t i;

	if (c->crypt == 1) {
		for (i = 0; i < n; i++)
			data[i] = inv[data[i]];
	} else if (c->crypt == 2) {
		uint32_t key = (uint32_t)bid;
		uint16_t w = (uint16_t)(key ^ (key >> 16));

		for (i = 0; i < n; i++, w++) {
			uint8_t b = data[i];

			b = (uint8_t)(b + (uint8_t)w);
			b = r[b];
			b = (uint8_t)(b + (uint8_t)(w >> 8));
			b = s[b];
			b = (uint8_t)(b - (uint8_t)(w >> 8));
			b = inv[b];
			data[i] = (uint8_t)(b - (uint8_t)w);
		}
	}
}

pc_bbt *pc_bbt_find(pc_ctx *c, uint64_t bid)
{
	size_t lo = 0, hi = c->nbbt;

	bid &= ~(uint64_t)1;   /* the reserved bit is ignored for look-ups */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint64_t k = c->bbt[mid].bid & ~(uint64_t)1;

		if (k == bid)
			return &c->bbt[mid];
		if (k < bid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

pc_nbt *pc_nbt_find(pc_ctx *c, uint32_t nid)
{
	size_t lo = 0, hi = c->nnbt;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->nbt[mid].nid == nid)
			return &c->nbt[mid];
		if (c->nbt[mid].nid < nid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void pc_extent_add(pc_ctx *c, uint64_t ib, uint32_t size, uint8_t kind)
{
	if (c->next == c->aext) {
		c->aext = c->aext ? c->aext * 2 : 1024;
		c->ext = mbx_reallocarray(c->ext, c->aext, sizeof(*c->ext));
	}
	c->ext[c->next].ib = ib;
	c->ext[c->next].size = size;
	c->ext[c->next].kind = kind;
	c->next++;
}

int pc_block_get(pc_ctx *c, uint64_t bid, uint8_t *buf, uint16_t *cb)
{
	pc_bbt *b = pc_bbt_find(c, bid);

	if (!b || b->bad || b->cb > PST_BLOCK_DATA)
		return -1;
	if (pc_pread(c, b->ib, buf, b->cb) < 0)
		return -1;
	if (!(b->bid & 2))
		pc_decode(c, buf, b->cb, b->bid);
	*cb = b->cb;
	return 0;
}

static void data_push(pc_data *d, const uint8_t *buf, uint16_t cb)
{
	d->blk = mbx_reallocarray(d->blk, d->n + 1, sizeof(*d->blk));
	d->cb = mbx_reallocarray(d->cb, d->n + 1, sizeof(*d->cb));
	d->blk[d->n] = mbx_malloc(cb ? cb : 1);
	memcpy(d->blk[d->n], buf, cb);
	d->cb[d->n] = cb;
	d->n++;
	d->total += cb;
}

/* Collect the data blocks under bid (data block, XBLOCK or XXBLOCK).  The
 * NDB pass checked the trees' shape; this only refuses what it can not
 * follow (depth limit, missing blocks, size limit). */
static int data_walk(pc_ctx *c, uint64_t bid, int depth, uint64_t max, pc_data *d)
{
	uint8_t buf[PST_BLOCK_MAX];
	uint16_t cb, n, i;

	if (pc_block_get(c, bid, buf, &cb) < 0)
		return -1;
	if (!(bid & 2)) {
		if (d->total + cb > max)
			return -1;
		data_push(d, buf, cb);
		return 0;
	}
	if (depth >= 2 || cb < 8 || buf[0] != 1 || buf[1] < 1 || buf[1] > 2)
		return -1;
	n = pc_le16(buf + 2);
	if (8u + 8u * n > cb)
		return -1;
	for (i = 0; i < n; i++) {
		uint64_t child = pc_le64(buf + 8 + 8 * i);

		if (buf[1] == 2 && !(child & 2))
			return -1;
		if (buf[1] == 1 && (child & 2))
			return -1;
		if (data_walk(c, child, depth + 1, max, d) < 0)
			return -1;
	}
	return 0;
}

int pc_data_load(pc_ctx *c, uint64_t bid, uint64_t max_bytes, pc_data *d)
{
	memset(d, 0, sizeof(*d));
	if (data_walk(c, bid, 0, max_bytes, d) < 0) {
		pc_data_free(d);
		return -1;
	}
	return 0;
}

void pc_data_free(pc_data *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		mbx_free(d->blk[i]);
	mbx_free(d->blk);
	mbx_free(d->cb);
	memset(d, 0, sizeof(*d));
}

static int subs_walk(pc_ctx *c, uint64_t bid, int depth, pc_subs *s)
{
	uint8_t buf[PST_BLOCK_MAX];
	uint16_t cb, n, i;

	if (depth > 1 || !(bid & 2) || pc_block_get(c, bid, buf, &cb) < 0 || cb < 8 || buf[0] != 2)
		return -1;
	n = pc_le16(buf + 2);
	if (buf[1] == 0) {
		if (8u + 24u * n > cb)
			return -1;
		s->e = mbx_reallocarray(s->e, s->n + n, sizeof(*s->e));
		for (i = 0; i < n; i++) {
			const uint8_t *p = buf + 8 + 24 * i;

			s->e[s->n].nid = pc_le32(p);
			s->e[s->n].bid_data = pc_le64(p + 8);
			s->e[s->n].bid_sub = pc_le64(p + 16);
			s->n++;
		}
		return 0;
	}
	if (buf[1] != 1 || 8u + 16u * n > cb)
		return -1;
	for (i = 0; i < n; i++)
		if (subs_walk(c, pc_le64(buf + 8 + 16 * i + 8), depth + 1, s) < 0)
			return -1;
	return 0;
}

static int sub_cmp(const void *a, const void *b)
{
	uint32_t x = ((const pc_sub *)a)->nid, y = ((const pc_sub *)b)->nid;

	return x < y ? -1 : x > y;
}

int pc_subs_load(pc_ctx *c, uint64_t bid, pc_subs *s)
{
	memset(s, 0, sizeof(*s));
	if (!bid)
		return 0;
	if (subs_walk(c, bid, 0, s) < 0) {
		pc_subs_free(s);
		return -1;
	}
	if (s->n)
		qsort(s->e, s->n, sizeof(*s->e), sub_cmp);
	return 0;
}

void pc_subs_free(pc_subs *s)
{
	mbx_free(s->e);
	memset(s, 0, sizeof(*s));
}

const pc_sub *pc_subs_find(const pc_subs *s, uint32_t nid)
{
	size_t lo = 0, hi = s ? s->n : 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->e[mid].nid == nid)
			return &s->e[mid];
		if (s->e[mid].nid < nid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* ---- a small hash set ---------------------------------------------------- */

void pc_set_init(pc_set *s)
{
	memset(s, 0, sizeof(*s));
}

static size_t set_hash(uint64_t k, size_t cap)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	return (size_t)(k & (cap - 1));
}

int pc_set_add(pc_set *s, uint64_t key)
{
	size_t i;

	key++;   /* slot value 0 means empty */
	if (!key)
		key = 1;
	if ((s->n + 1) * 2 > s->cap) {
		pc_set old = *s;
		size_t j;

		s->cap = old.cap ? old.cap * 2 : 64;
		s->slot = mbx_calloc(s->cap, sizeof(*s->slot));
		s->n = 0;
		for (j = 0; j < old.cap; j++) {
			if (!old.slot[j])
				continue;
			i = set_hash(old.slot[j], s->cap);
			while (s->slot[i])
				i = (i + 1) & (s->cap - 1);
			s->slot[i] = old.slot[j];
			s->n++;
		}
		mbx_free(old.slot);
	}
	i = set_hash(key, s->cap);
	while (s->slot[i]) {
		if (s->slot[i] == key)
			return 0;
		i = (i + 1) & (s->cap - 1);
	}
	s->slot[i] = key;
	s->n++;
	return 1;
}

void pc_set_free(pc_set *s)
{
	mbx_free(s->slot);
	memset(s, 0, sizeof(*s));
}
