/*
 * core/base/props.c - property bags (mbx/props.h): keys, typed access,
 * value checks, UTF-16 and code page conversion, packing.
 */
#include "config.h"
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mbx/props.h"
#include "mbx/text.h"

#define MV_FLAG 0x1000u

/* ---- Types ------------------------------------------------------------------ */

static const struct {
	uint16_t type;
	uint8_t size;           /* fixed size, 0 variable */
	const char *name;
} types[] = {
	{ MBX_PT_SHORT, 2, "PtypInteger16" },
	{ MBX_PT_LONG, 4, "PtypInteger32" },
	{ MBX_PT_FLOAT, 4, "PtypFloating32" },
	{ MBX_PT_DOUBLE, 8, "PtypFloating64" },
	{ MBX_PT_CURRENCY, 8, "PtypCurrency" },
	{ MBX_PT_APPTIME, 8, "PtypFloatingTime" },
	{ MBX_PT_ERROR, 4, "PtypErrorCode" },
	{ MBX_PT_BOOLEAN, 1, "PtypBoolean" },
	{ MBX_PT_OBJECT, 0, "PtypObject" },
	{ MBX_PT_I8, 8, "PtypInteger64" },
	{ MBX_PT_STRING8, 0, "PtypString8" },
	{ MBX_PT_UNICODE, 0, "PtypString" },
	{ MBX_PT_SYSTIME, 8, "PtypTime" },
	{ MBX_PT_CLSID, 16, "PtypGuid" },
	{ MBX_PT_SVREID, 0, "PtypServerId" },
	{ MBX_PT_BINARY, 0, "PtypBinary" },
};

static int type_index(uint16_t type)
{
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i].type == type)
			return (int)i;
	return -1;
}

size_t mbx_proptype_size(uint16_t type)
{
	int i = type_index(type);

	return i < 0 ? 0 : types[i].size;
}

const char *mbx_proptype_name(uint16_t type)
{
	static _Thread_local char buf[32];
	int i = type_index((uint16_t)(type & ~MV_FLAG));

	if (i < 0) {
		snprintf(buf, sizeof(buf), "0x%04x", (unsigned)type);
		return buf;
	}
	if (type & MV_FLAG) {
		snprintf(buf, sizeof(buf), "PtypMultiple%s", types[i].name + 4);
		return buf;
	}
	return types[i].name;
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

int mbx_props_check_value(uint16_t type, const void *val, size_t len)
{
	const unsigned char *p = val;
	uint16_t base = (uint16_t)(type & ~MV_FLAG);
	int i = type_index(base);
	size_t size = i < 0 ? 0 : types[i].size;

	if (!(type & MV_FLAG)) {
		if (size && len != size)
			return mbx_error_set(MBX_EINVAL, "a %s value of %zu bytes (it has %zu)",
			                     mbx_proptype_name(type), len, size);
		if (base == MBX_PT_UNICODE && len % 2)
			return mbx_error_set(MBX_EINVAL, "a PtypString value of an odd number of bytes (%zu)", len);
		return 0;
	}
	if (i < 0)
		return 0;   /* unknown multi-valued type: kept as bytes */
	if (size) {
		if (len % size)
			return mbx_error_set(MBX_EINVAL, "a %s value of %zu bytes, not a multiple of %zu",
			                     mbx_proptype_name(type), len, size);
		return 0;
	}
	/* variable size: ulCount, ulCount offsets, then the values in order */
	if (len == 0)
		return 0;   /* written by some clients for an empty list */
	if (len < 4)
		return mbx_error_set(MBX_EINVAL, "a %s value of %zu bytes, too short for its count",
		                     mbx_proptype_name(type), len);
	{
		uint32_t n = le32(p), k, prev;

		if (n > (len - 4) / 4)
			return mbx_error_set(MBX_EINVAL, "a %s value of %zu bytes cannot hold %u values",
			                     mbx_proptype_name(type), len, n);
		prev = 4 + 4 * n;
		for (k = 0; k < n; k++) {
			uint32_t off = le32(p + 4 + 4 * k);

			if (off < prev || off > len)
				return mbx_error_set(MBX_EINVAL, "a %s value whose offset %u of value %u is "
				                     "outside %u-%zu", mbx_proptype_name(type), off, k, prev, len);
			prev = off;
		}
	}
	return 0;
}

/* ---- The bag ---------------------------------------------------------------- */

void mbx_props_init(mbx_props *b)
{
	memset(b, 0, sizeof(*b));
}

void mbx_props_clear(mbx_props *b)
{
	size_t i;

	if (!b)
		return;
	for (i = 0; i < b->nnames; i++)
		mbx_free(b->names[i].str);
	mbx_free(b->names);
	mbx_free(b->p);
	mbx_free(b->data);
	memset(b, 0, sizeof(*b));
}

void mbx_props_copy(mbx_props *dst, const mbx_props *src)
{
	size_t i;

	if (dst == src)
		return;
	mbx_props_clear(dst);
	if (src->n) {
		dst->p = mbx_reallocarray(NULL, src->n, sizeof(*dst->p));
		memcpy(dst->p, src->p, src->n * sizeof(*dst->p));
		dst->n = dst->cap = src->n;
	}
	if (src->nnames) {
		dst->names = mbx_reallocarray(NULL, src->nnames, sizeof(*dst->names));
		for (i = 0; i < src->nnames; i++) {
			dst->names[i] = src->names[i];
			dst->names[i].str = mbx_strdup(src->names[i].str);
		}
		dst->nnames = dst->capnames = src->nnames;
	}
	if (src->ndata) {
		dst->data = mbx_malloc(src->ndata);
		memcpy(dst->data, src->data, src->ndata);
		dst->ndata = dst->capdata = src->ndata;
		dst->dead = src->dead;
	}
}


mbx_propkey mbx_props_key(const mbx_props *b, size_t i)
{
	const mbx_prop *p = &b->p[i];
	mbx_propkey k = { p->id, NULL, 0, NULL };

	if (p->name) {
		const mbx_propname *nm = &b->names[p->name - 1];

		k.guid = nm->guid;
		k.lid = nm->lid;
		k.name = nm->str;
	}
	return k;
}

int mbx_propkey_named(const mbx_propkey *k)
{
	return k->guid != NULL;
}

int mbx_propkey_equal(const mbx_propkey *a, const mbx_propkey *b)
{
	if (!a->guid || !b->guid)
		return !a->guid && !b->guid && a->id == b->id;
	if (memcmp(a->guid, b->guid, 16) != 0)
		return 0;
	if (a->name || b->name)
		return a->name && b->name && strcmp(a->name, b->name) == 0;
	return a->lid == b->lid;
}

static void guid_text(const uint8_t *g, char out[39])
{
	snprintf(out, 39, "{%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X}",
	         g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9], g[10], g[11], g[12],
	         g[13], g[14], g[15]);
}

char *mbx_propkey_describe(const mbx_propkey *k)
{
	char g[39];

	if (!k->guid)
		return mbx_asprintf("0x%04X", (unsigned)k->id);
	guid_text(k->guid, g);
	if (k->name) {
		char *clean = mbx_text_clean(k->name, 80, 0, NULL);
		char *s = mbx_asprintf("%s:'%s'", g, clean);

		mbx_free(clean);
		return s;
	}
	return mbx_asprintf("%s:0x%04X", g, (unsigned)k->lid);
}

static int key_valid(const mbx_propkey *k)
{
	if (!k->guid) {
		if (k->id == 0 || k->id >= 0x8000)
			return mbx_error_set(MBX_EINVAL, "property id 0x%04x is not a plain property id "
			                     "(0x0001-0x7FFF)", (unsigned)k->id);
		return 0;
	}
	if (k->name && !mbx_utf8_valid(k->name, strlen(k->name)))
		return mbx_error_set(MBX_EINVAL, "a named property's name is not valid UTF-8");
	return 0;
}

static int key_matches(const mbx_props *b, const mbx_prop *p, const mbx_propkey *k)
{
	const mbx_propname *nm;

	if (!k->guid)
		return p->name == 0 && p->id == k->id;
	if (p->name == 0)
		return 0;
	nm = &b->names[p->name - 1];
	if (memcmp(nm->guid, k->guid, 16) != 0)
		return 0;
	if (k->name || nm->str)
		return k->name && nm->str && strcmp(k->name, nm->str) == 0;
	return nm->lid == k->lid;
}

long mbx_props_find(const mbx_props *b, const mbx_propkey *k)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		if (key_matches(b, &b->p[i], k))
			return (long)i;
	return -1;
}

const mbx_prop *mbx_props_get(const mbx_props *b, const mbx_propkey *k)
{
	long i = mbx_props_find(b, k);

	return i < 0 ? NULL : &b->p[i];
}

const unsigned char *mbx_props_val(const mbx_props *b, const mbx_prop *p)
{
	return b->data ? b->data + p->off : (const unsigned char *)"";
}

static uint32_t name_index(mbx_props *b, const mbx_propkey *k)
{
	size_t i;
	mbx_propname *nm;

	for (i = 0; i < b->nnames; i++) {
		nm = &b->names[i];
		if (memcmp(nm->guid, k->guid, 16) == 0 &&
		    ((k->name || nm->str) ? (k->name && nm->str && strcmp(k->name, nm->str) == 0)
		                          : nm->lid == k->lid))
			return (uint32_t)i + 1;
	}
	if (b->nnames == b->capnames) {
		b->capnames = b->capnames ? 2 * b->capnames : 8;
		b->names = mbx_reallocarray(b->names, b->capnames, sizeof(*b->names));
	}
	nm = &b->names[b->nnames++];
	memcpy(nm->guid, k->guid, 16);
	nm->lid = k->name ? 0 : k->lid;
	nm->str = mbx_strdup(k->name);
	return (uint32_t)b->nnames;
}

/* Drop the values no property uses when they are more than half. */
static void compact(mbx_props *b)
{
	unsigned char *d;
	size_t i, at = 0;

	if (b->dead < 4096 || b->dead < b->ndata / 2)
		return;
	d = mbx_malloc(b->ndata - b->dead + 1);
	for (i = 0; i < b->n; i++) {
		memcpy(d + at, b->data + b->p[i].off, b->p[i].len);
		b->p[i].off = (uint32_t)at;
		at += b->p[i].len;
	}
	mbx_free(b->data);
	b->data = d;
	b->ndata = at;
	b->capdata = b->ndata - 0 + 1;
	b->dead = 0;
}

static uint32_t data_add(mbx_props *b, const void *val, size_t len)
{
	size_t off = b->ndata;

	if (len > UINT32_MAX - off)
		abort();   /* a bag over 4 GB: callers keep big values out (attachments) */
	if (b->ndata + len > b->capdata) {
		size_t cap = b->capdata ? b->capdata : 256;

		while (cap < b->ndata + len)
			cap *= 2;
		b->data = mbx_realloc(b->data, cap);
		b->capdata = cap;
	}
	if (len)
		memcpy(b->data + off, val, len);
	b->ndata += len;
	return (uint32_t)off;
}

static int props_set(mbx_props *b, const mbx_propkey *k, uint16_t type, const void *val, size_t len,
                     int check);

int mbx_props_set(mbx_props *b, const mbx_propkey *k, uint16_t type, const void *val, size_t len)
{
	return props_set(b, k, type, val, len, 1);
}

int mbx_props_set_raw(mbx_props *b, const mbx_propkey *k, uint16_t type, const void *val, size_t len)
{
	return props_set(b, k, type, val, len, 0);
}

static int props_set(mbx_props *b, const mbx_propkey *k, uint16_t type, const void *val, size_t len,
                     int check)
{
	long i;
	mbx_prop *p;
	int rc = key_valid(k);

	if (rc)
		return rc;
	rc = check ? mbx_props_check_value(type, val, len) : 0;
	if (rc)
		return rc;
	if (len > UINT32_MAX / 2)
		return mbx_error_set(MBX_ELIMIT, "a property value of %zu bytes", len);
	i = mbx_props_find(b, k);
	if (i >= 0) {
		p = &b->p[i];
		if (len <= p->len) {   /* in place */
			if (len)
				memmove(b->data + p->off, val, len);
			b->dead += p->len - len;
			p->len = (uint32_t)len;
			p->type = type;
			return 0;
		}
		b->dead += p->len;
	} else {
		if (b->n == b->cap) {
			b->cap = b->cap ? 2 * b->cap : 16;
			b->p = mbx_reallocarray(b->p, b->cap, sizeof(*b->p));
		}
		p = &b->p[b->n++];
		p->id = k->guid ? 0 : k->id;
		p->name = k->guid ? name_index(b, k) : 0;
	}
	/* val may point into b->data: copy it out before the buffer moves */
	if (val && b->data && (const unsigned char *)val >= b->data &&
	    (const unsigned char *)val < b->data + b->capdata) {
		unsigned char *tmp = mbx_malloc(len ? len : 1);
		uint32_t off;

		memcpy(tmp, val, len);
		off = data_add(b, tmp, len);
		mbx_free(tmp);
		p = i >= 0 ? &b->p[i] : &b->p[b->n - 1];
		p->off = off;
	} else {
		uint32_t off = data_add(b, val, len);

		p = i >= 0 ? &b->p[i] : &b->p[b->n - 1];
		p->off = off;
	}
	p->len = (uint32_t)len;
	p->type = type;
	compact(b);
	return 0;
}

int mbx_props_set_u32(mbx_props *b, const mbx_propkey *k, uint16_t type, uint32_t v)
{
	unsigned char buf[4];

	switch (type) {
	case MBX_PT_BOOLEAN:
		buf[0] = v ? 1 : 0;
		return mbx_props_set(b, k, type, buf, 1);
	case MBX_PT_SHORT:
		buf[0] = (unsigned char)v;
		buf[1] = (unsigned char)(v >> 8);
		return mbx_props_set(b, k, type, buf, 2);
	case MBX_PT_LONG:
	case MBX_PT_ERROR:
		put32(buf, v);
		return mbx_props_set(b, k, type, buf, 4);
	default:
		return mbx_error_set(MBX_EINVAL, "mbx_props_set_u32 on a %s property", mbx_proptype_name(type));
	}
}

int mbx_props_set_i64(mbx_props *b, const mbx_propkey *k, uint16_t type, int64_t v)
{
	unsigned char buf[8];

	if (mbx_proptype_size(type) != 8)
		return mbx_error_set(MBX_EINVAL, "mbx_props_set_i64 on a %s property", mbx_proptype_name(type));
	put32(buf, (uint32_t)(uint64_t)v);
	put32(buf + 4, (uint32_t)((uint64_t)v >> 32));
	return mbx_props_set(b, k, type, buf, 8);
}

int mbx_props_set_time(mbx_props *b, const mbx_propkey *k, int64_t unix_seconds)
{
	return mbx_props_set_i64(b, k, MBX_PT_SYSTIME, (int64_t)mbx_filetime_from_unix(unix_seconds));
}

int mbx_props_set_utf8(mbx_props *b, const mbx_propkey *k, const char *s)
{
	unsigned char *w;
	size_t n;
	int rc = mbx_utf16_from_utf8(s ? s : "", s ? strlen(s) : 0, &w, &n);

	if (rc)
		return rc;
	rc = mbx_props_set(b, k, MBX_PT_UNICODE, w, n);
	mbx_free(w);
	return rc;
}

void mbx_props_remove_at(mbx_props *b, size_t i)
{
	b->dead += b->p[i].len;
	memmove(&b->p[i], &b->p[i + 1], (b->n - i - 1) * sizeof(*b->p));
	b->n--;
}

int mbx_props_remove(mbx_props *b, const mbx_propkey *k)
{
	long i = mbx_props_find(b, k);

	if (i < 0)
		return 0;
	mbx_props_remove_at(b, (size_t)i);
	return 1;
}

/* ---- Typed reads ------------------------------------------------------------ */

static const mbx_prop *get_typed(const mbx_props *b, const mbx_propkey *k)
{
	const mbx_prop *p = mbx_props_get(b, k);

	if (!p) {
		mbx_error_set(MBX_ENOTFOUND, "no such property");
		return NULL;
	}
	return p;
}

int mbx_props_u32(const mbx_props *b, const mbx_propkey *k, uint32_t *out)
{
	const mbx_prop *p = get_typed(b, k);
	const unsigned char *v;

	if (!p)
		return MBX_ENOTFOUND;
	v = mbx_props_val(b, p);
	switch (p->type) {
	case MBX_PT_LONG:
	case MBX_PT_ERROR:
		if (p->len != 4)
			break;
		*out = le32(v);
		return 0;
	case MBX_PT_SHORT:
		if (p->len != 2)
			break;
		*out = (uint32_t)(v[0] | v[1] << 8);
		return 0;
	case MBX_PT_BOOLEAN:
		if (p->len != 1)
			break;
		*out = v[0] ? 1 : 0;
		return 0;
	default:
		break;
	}
	return mbx_error_set(MBX_EINVAL, "property has type %s, not a 32-bit integer",
	                     mbx_proptype_name(p->type));
}

int mbx_props_i64(const mbx_props *b, const mbx_propkey *k, int64_t *out)
{
	const mbx_prop *p = get_typed(b, k);
	const unsigned char *v;
	uint32_t u;

	if (!p)
		return MBX_ENOTFOUND;
	v = mbx_props_val(b, p);
	if ((p->type == MBX_PT_I8 || p->type == MBX_PT_CURRENCY || p->type == MBX_PT_SYSTIME) &&
	    p->len == 8) {
		*out = (int64_t)((uint64_t)le32(v) | (uint64_t)le32(v + 4) << 32);
		return 0;
	}
	if (mbx_props_u32(b, k, &u) == 0) {
		*out = p->type == MBX_PT_LONG ? (int64_t)(int32_t)u : (int64_t)u;
		return 0;
	}
	return mbx_error_set(MBX_EINVAL, "property has type %s, not an integer",
	                     mbx_proptype_name(p->type));
}

int64_t mbx_filetime_to_unix(uint64_t ft)
{
	/* 11,644,473,600 s between 1601-01-01 and 1970-01-01 */
	return (int64_t)(ft / 10000000ull) - 11644473600ll;
}

uint64_t mbx_filetime_from_unix(int64_t t)
{
	if (t < -11644473600ll)
		return 0;
	return (uint64_t)(t + 11644473600ll) * 10000000ull;
}

int mbx_props_time(const mbx_props *b, const mbx_propkey *k, int64_t *out)
{
	const mbx_prop *p = get_typed(b, k);
	int64_t ft;

	if (!p)
		return MBX_ENOTFOUND;
	if (p->type != MBX_PT_SYSTIME || p->len != 8)
		return mbx_error_set(MBX_EINVAL, "property has type %s, not a time",
		                     mbx_proptype_name(p->type));
	mbx_props_i64(b, k, &ft);
	*out = mbx_filetime_to_unix((uint64_t)ft);
	return 0;
}

int mbx_props_utf8(const mbx_props *b, const mbx_propkey *k, unsigned codepage, char **out)
{
	const mbx_prop *p = get_typed(b, k);

	*out = NULL;
	if (!p)
		return MBX_ENOTFOUND;
	if (p->type == MBX_PT_UNICODE) {
		*out = mbx_utf8_from_utf16(mbx_props_val(b, p), p->len, NULL);
		return 0;
	}
	if (p->type == MBX_PT_STRING8) {
		*out = mbx_utf8_from_codepage(mbx_props_val(b, p), p->len, codepage ? codepage : 1252);
		return 0;
	}
	return mbx_error_set(MBX_EINVAL, "property has type %s, not a string", mbx_proptype_name(p->type));
}

/* ---- Text ------------------------------------------------------------------- */

int mbx_utf16_from_utf8(const char *s, size_t len, unsigned char **out, size_t *outlen)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned char *w;
	size_t i = 0, o = 0;

	*out = NULL;
	*outlen = 0;
	if (!mbx_utf8_valid(s, len))
		return mbx_error_set(MBX_EINVAL, "text is not valid UTF-8");
	w = mbx_malloc(2 * len + 2);   /* every UTF-8 byte gives at most one UTF-16 unit */
	while (i < len) {
		uint32_t c = p[i];
		size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4, k;

		if (n > 1) {
			c &= 0xFFu >> (n + 1);
			for (k = 1; k < n; k++)
				c = (c << 6) | (p[i + k] & 0x3F);
		}
		i += n;
		if (c >= 0x10000) {
			c -= 0x10000;
			w[o++] = (unsigned char)((0xD800 | (c >> 10)) & 0xFF);
			w[o++] = (unsigned char)((0xD800 | (c >> 10)) >> 8);
			c = 0xDC00 | (c & 0x3FF);
		}
		w[o++] = (unsigned char)(c & 0xFF);
		w[o++] = (unsigned char)(c >> 8);
	}
	*out = w;
	*outlen = o;
	return 0;
}

char *mbx_utf8_from_utf16(const void *v, size_t len, int *exact)
{
	const unsigned char *p = v;
	size_t n = len / 2, i, o = 0;
	char *s = mbx_malloc(3 * n + 4);
	int ok = (len % 2) == 0;

	for (i = 0; i < n; i++) {
		uint32_t c = (uint32_t)(p[2 * i] | p[2 * i + 1] << 8);

		if (c >= 0xD800 && c <= 0xDBFF && i + 1 < n) {
			uint32_t d = (uint32_t)(p[2 * i + 2] | p[2 * i + 3] << 8);

			if (d >= 0xDC00 && d <= 0xDFFF) {
				c = 0x10000 + ((c - 0xD800) << 10) + (d - 0xDC00);
				i++;
			} else {
				c = 0xFFFD;
				ok = 0;
			}
		} else if (c >= 0xD800 && c <= 0xDFFF) {
			c = 0xFFFD;
			ok = 0;
		}
		if (c < 0x80) {
			s[o++] = (char)c;
		} else if (c < 0x800) {
			s[o++] = (char)(0xC0 | c >> 6);
			s[o++] = (char)(0x80 | (c & 0x3F));
		} else if (c < 0x10000) {
			s[o++] = (char)(0xE0 | c >> 12);
			s[o++] = (char)(0x80 | ((c >> 6) & 0x3F));
			s[o++] = (char)(0x80 | (c & 0x3F));
		} else {
			s[o++] = (char)(0xF0 | c >> 18);
			s[o++] = (char)(0x80 | ((c >> 12) & 0x3F));
			s[o++] = (char)(0x80 | ((c >> 6) & 0x3F));
			s[o++] = (char)(0x80 | (c & 0x3F));
		}
	}
	s[o] = 0;
	if (exact)
		*exact = ok;
	return s;
}

static const struct {
	unsigned cp;
	const char *charset;    /* IANA name, what a <meta> says */
	const char *iconv;      /* glibc's name */
} codepages[] = {
	{ 65001, "utf-8", "UTF-8" },
	{ 1252, "windows-1252", "CP1252" }, { 1250, "windows-1250", "CP1250" },
	{ 1251, "windows-1251", "CP1251" }, { 1253, "windows-1253", "CP1253" },
	{ 1254, "windows-1254", "CP1254" }, { 1255, "windows-1255", "CP1255" },
	{ 1256, "windows-1256", "CP1256" }, { 1257, "windows-1257", "CP1257" },
	{ 1258, "windows-1258", "CP1258" }, { 874, "windows-874", "CP874" },
	{ 932, "shift_jis", "CP932" }, { 936, "gb2312", "CP936" }, { 949, "ks_c_5601-1987", "CP949" },
	{ 950, "big5", "CP950" }, { 20127, "us-ascii", "ASCII" }, { 20866, "koi8-r", "KOI8-R" },
	{ 21866, "koi8-u", "KOI8-U" }, { 28591, "iso-8859-1", "ISO-8859-1" },
	{ 28592, "iso-8859-2", "ISO-8859-2" }, { 28595, "iso-8859-5", "ISO-8859-5" },
	{ 28597, "iso-8859-7", "ISO-8859-7" }, { 28599, "iso-8859-9", "ISO-8859-9" },
	{ 28605, "iso-8859-15", "ISO-8859-15" }, { 50220, "iso-2022-jp", "ISO-2022-JP" },
	{ 51932, "euc-jp", "EUC-JP" }, { 51949, "euc-kr", "EUC-KR" }, { 52936, "hz-gb-2312", "HZ" },
	{ 54936, "gb18030", "GB18030" }, { 1200, "utf-16", "UTF-16LE" }, { 20932, "euc-jp", "EUC-JP" },
};

static int cp_index(unsigned cp)
{
	size_t i;

	for (i = 0; i < sizeof(codepages) / sizeof(codepages[0]); i++)
		if (codepages[i].cp == cp)
			return (int)i;
	return -1;
}

const char *mbx_codepage_charset(unsigned cp)
{
	int i = cp_index(cp);

	return i < 0 ? NULL : codepages[i].charset;
}

char *mbx_utf8_from_codepage(const void *v, size_t len, unsigned cp)
{
	int i = cp_index(cp);
	const char *from = i < 0 ? "CP1252" : codepages[i].iconv;
	char *in = (char *)v, *out, *o;
	size_t inleft = len, outcap = 4 * len + 8, outleft;
	iconv_t cd;

	if (cp == 65001 && mbx_utf8_valid(v, len))
		return mbx_strndup(v, len);
	cd = iconv_open("UTF-8", from);
	if (cd == (iconv_t)-1)
		cd = iconv_open("UTF-8", "CP1252");
	out = mbx_malloc(outcap);
	o = out;
	outleft = outcap - 1;
	while (inleft > 0) {
		size_t r = cd == (iconv_t)-1 ? (size_t)-1 : iconv(cd, &in, &inleft, &o, &outleft);

		if (r != (size_t)-1)
			break;
		if (errno == E2BIG || outleft < 4)
			break;   /* cannot happen: 4 bytes out per byte in is enough */
		/* an undefined or truncated byte: U+FFFD, go on after it */
		*o++ = (char)0xEF;
		*o++ = (char)0xBF;
		*o++ = (char)0xBD;
		outleft -= 3;
		in++;
		inleft--;
		if (cd != (iconv_t)-1)
			iconv(cd, NULL, NULL, NULL, NULL);
	}
	*o = 0;
	if (cd != (iconv_t)-1)
		iconv_close(cd);
	/* text must be valid UTF-8 from here on, whatever iconv made of it */
	if (!mbx_utf8_valid(out, (size_t)(o - out))) {
		char *clean = mbx_text_clean(out, -1, 0, NULL);

		mbx_free(out);
		return clean;
	}
	return out;
}

/* ---- Packing ---------------------------------------------------------------- */

/*
 * "MP1", varint nnames, names (16 guid bytes, then varint lid*2 for a
 * LID or varint len*2+1 and the UTF-8 for a string), varint nprops, then
 * per property: varint (name index, 0 plain), u16 id when plain, u16
 * type, varint len, the value.
 */
static void buf_need(unsigned char **buf, size_t *len, size_t *cap, size_t more)
{
	if (*len + more <= *cap)
		return;
	while (*len + more > *cap)
		*cap = *cap ? 2 * *cap : 256;
	*buf = mbx_realloc(*buf, *cap);
}

static void put_varint(unsigned char **buf, size_t *len, size_t *cap, uint64_t v)
{
	buf_need(buf, len, cap, 10);
	while (v >= 0x80) {
		(*buf)[(*len)++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	(*buf)[(*len)++] = (unsigned char)v;
}

static void put_bytes(unsigned char **buf, size_t *len, size_t *cap, const void *p, size_t n)
{
	buf_need(buf, len, cap, n);
	if (n)
		memcpy(*buf + *len, p, n);
	*len += n;
}

void mbx_props_pack(const mbx_props *b, unsigned char **buf, size_t *len, size_t *cap)
{
	mbx_props_pack_sel(b, NULL, buf, len, cap);
}

void mbx_props_pack_sel(const mbx_props *b, const unsigned char *sel, unsigned char **buf, size_t *len,
                        size_t *cap)
{
	size_t i, n = 0;
	unsigned char t[4];
	uint32_t *used = NULL, nused = 0;

	/* only the names still in use, renumbered */
	if (b->nnames) {
		used = mbx_calloc(b->nnames, sizeof(*used));
		for (i = 0; i < b->n; i++)
			if (b->p[i].name && (!sel || sel[i]) && !used[b->p[i].name - 1])
				used[b->p[i].name - 1] = ++nused;
	}
	for (i = 0; i < b->n; i++)
		n += !sel || sel[i];
	put_bytes(buf, len, cap, "MP1", 3);
	put_varint(buf, len, cap, nused);
	for (i = 0; i < b->nnames; i++) {
		const mbx_propname *nm = &b->names[i];

		if (!used[i])
			continue;
		put_bytes(buf, len, cap, nm->guid, 16);
		if (nm->str) {
			size_t sl = strlen(nm->str);

			put_varint(buf, len, cap, (uint64_t)sl * 2 + 1);
			put_bytes(buf, len, cap, nm->str, sl);
		} else {
			put_varint(buf, len, cap, (uint64_t)nm->lid * 2);
		}
	}
	/* names are written in index order, so renumber by rank */
	if (nused) {
		uint32_t r = 0;

		for (i = 0; i < b->nnames; i++)
			if (used[i])
				used[i] = ++r;
	}
	put_varint(buf, len, cap, n);
	for (i = 0; i < b->n; i++) {
		const mbx_prop *p = &b->p[i];
		int empty = sel && sel[i] == 2;

		if (sel && !sel[i])
			continue;
		put_varint(buf, len, cap, p->name ? used[p->name - 1] : 0);
		if (!p->name) {
			t[0] = (unsigned char)p->id;
			t[1] = (unsigned char)(p->id >> 8);
			put_bytes(buf, len, cap, t, 2);
		}
		t[0] = (unsigned char)p->type;
		t[1] = (unsigned char)(p->type >> 8);
		put_bytes(buf, len, cap, t, 2);
		put_varint(buf, len, cap, empty ? 0 : p->len);
		if (!empty)
			put_bytes(buf, len, cap, b->data + p->off, p->len);
	}
	mbx_free(used);
}

typedef struct rd {
	const unsigned char *p;
	size_t len, at;
	int bad;
} rd;

static uint64_t get_varint(rd *r)
{
	uint64_t v = 0;
	unsigned shift = 0;

	while (r->at < r->len && shift < 64) {
		unsigned char c = r->p[r->at++];

		v |= (uint64_t)(c & 0x7F) << shift;
		if (!(c & 0x80))
			return v;
		shift += 7;
	}
	r->bad = 1;
	return 0;
}

static const unsigned char *get_bytes(rd *r, uint64_t n)
{
	const unsigned char *p;

	if (r->bad || n > r->len - r->at) {
		r->bad = 1;
		return NULL;
	}
	p = r->p + r->at;
	r->at += (size_t)n;
	return p;
}

static int unpack(mbx_props *b, const void *data, size_t len, size_t *kept_bad);

int mbx_props_unpack(mbx_props *b, const void *data, size_t len)
{
	return unpack(b, data, len, NULL);
}

int mbx_props_unpack_keep(mbx_props *b, const void *data, size_t len, size_t *bad)
{
	size_t n = 0;
	int rc = unpack(b, data, len, &n);

	if (bad)
		*bad = n;
	return rc;
}

static int unpack(mbx_props *b, const void *data, size_t len, size_t *kept_bad)
{
	rd r = { data, len, 0, 0 };
	uint64_t nnames, nprops, i;
	const unsigned char *m;

	mbx_props_clear(b);
	m = get_bytes(&r, 3);
	if (!m || memcmp(m, "MP1", 3) != 0)
		return mbx_error_set(MBX_ECORRUPT, "a property bag does not start with its mark");
	nnames = get_varint(&r);
	if (r.bad || nnames > len / 17)
		goto bad;
	for (i = 0; i < nnames; i++) {
		const unsigned char *g = get_bytes(&r, 16);
		uint64_t v = get_varint(&r);
		mbx_propname *nm;

		if (r.bad)
			goto bad;
		if (b->nnames == b->capnames) {
			b->capnames = b->capnames ? 2 * b->capnames : 8;
			b->names = mbx_reallocarray(b->names, b->capnames, sizeof(*b->names));
		}
		nm = &b->names[b->nnames++];
		memset(nm, 0, sizeof(*nm));
		memcpy(nm->guid, g, 16);
		if (v & 1) {
			const unsigned char *s = get_bytes(&r, v >> 1);

			if (!s || memchr(s, 0, (size_t)(v >> 1)) || !mbx_utf8_valid((const char *)s, (size_t)(v >> 1)))
				goto bad;
			nm->str = mbx_strndup((const char *)s, (size_t)(v >> 1));
		} else {
			if ((v >> 1) > UINT32_MAX)
				goto bad;
			nm->lid = (uint32_t)(v >> 1);
		}
	}
	nprops = get_varint(&r);
	if (r.bad || nprops > len / 4)
		goto bad;
	if (nprops) {
		b->p = mbx_reallocarray(NULL, (size_t)nprops, sizeof(*b->p));
		b->cap = (size_t)nprops;
	}
	for (i = 0; i < nprops; i++) {
		uint64_t name = get_varint(&r), vlen;
		const unsigned char *t, *v;
		mbx_prop *p;

		if (r.bad || name > nnames)
			goto bad;
		p = &b->p[b->n];
		memset(p, 0, sizeof(*p));
		p->name = (uint32_t)name;
		if (!name) {
			t = get_bytes(&r, 2);
			if (!t)
				goto bad;
			p->id = (uint16_t)(t[0] | t[1] << 8);
			if (p->id == 0 || p->id >= 0x8000)
				goto bad;
		}
		t = get_bytes(&r, 2);
		vlen = get_varint(&r);
		v = get_bytes(&r, vlen);
		if (!t || !v || vlen > UINT32_MAX / 2)
			goto bad;
		p->type = (uint16_t)(t[0] | t[1] << 8);
		if (mbx_props_check_value(p->type, v, (size_t)vlen) != 0) {
			if (!kept_bad)
				goto bad;
			(*kept_bad)++;
		}
		p->off = data_add(b, v, (size_t)vlen);
		p->len = (uint32_t)vlen;
		b->n++;
	}
	if (r.at != len)
		goto bad;
	return 0;
bad:
	mbx_props_clear(b);
	return mbx_error_set(MBX_ECORRUPT, "a property bag is malformed or truncated");
}
