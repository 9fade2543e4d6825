/*
 * core/pstread/pstread_rcpt.c - a message's recipient table, read in the
 * libpst child.  libpst parses the table (subnode 0x692) but keeps only
 * the last row's values, so the rows are read here from the blocks libpst
 * hands out (pst_ff_getIDblock_dec): subnode B-tree, heap-on-node and
 * table context as [MS-PST] 2.2.2.8.3.3 and 2.3 describe them.  Every
 * offset is checked; on anything unexpected the caller falls back to the
 * display lists.  Runs only in the child process.
 */
#include "config.h"

#include <iconv.h>
#include <stdlib.h>
#include <string.h>

#include "mbx/pstdefs.h"
#include "pstread/pstread_int.h"

#define MAX_PAGES 4096

/* A node's data: one buffer per data block (heap pages). */
typedef struct rc_data {
	char *page[MAX_PAGES];
	size_t len[MAX_PAGES];
	size_t n;
} rc_data;

/* Where to find a node's subnodes: a subnode B-tree block of the file,
 * or a tree libpst already built (embedded messages). */
typedef struct rc_sub {
	pst_file *pf;
	uint64_t sl_bid;              /* 0: use id2 */
	const pst_id2_tree *id2;
} rc_sub;

static int rc_u16(const char *p, size_t len, size_t off, unsigned *v)
{
	if (off + 2 > len)
		return -1;
	*v = (unsigned)(unsigned char)p[off] | (unsigned)(unsigned char)p[off + 1] << 8;
	return 0;
}

static int rc_u32(const char *p, size_t len, size_t off, uint32_t *v)
{
	if (off + 4 > len)
		return -1;
	*v = (uint32_t)(unsigned char)p[off] | (uint32_t)(unsigned char)p[off + 1] << 8 |
	     (uint32_t)(unsigned char)p[off + 2] << 16 | (uint32_t)(unsigned char)p[off + 3] << 24;
	return 0;
}

static int rc_u64(const char *p, size_t len, size_t off, uint64_t *v)
{
	uint32_t lo, hi;

	if (rc_u32(p, len, off, &lo) < 0 || rc_u32(p, len, off + 4, &hi) < 0)
		return -1;
	*v = (uint64_t)hi << 32 | lo;
	return 0;
}

static size_t rc_block(pst_file *pf, uint64_t bid, char **buf)
{
	*buf = NULL;
	if (!bid || !pst_getID(pf, bid))
		return 0;
	return pst_ff_getIDblock_dec(pf, bid, buf);
}

/* The data blocks of bid in order (XBLOCK/XXBLOCK trees unrolled). */
static int rc_read_data(pst_file *pf, uint64_t bid, rc_data *d, int depth)
{
	char *buf;
	size_t len = rc_block(pf, bid, &buf), i, w = pf->do_read64 ? 8 : 4;
	unsigned cent;

	if (!len || depth > 2) {
		free(buf);
		return -1;
	}
	if (!(bid & PST_BID_INTERNAL)) {
		if (d->n >= MAX_PAGES) {
			free(buf);
			return -1;
		}
		d->page[d->n] = buf;
		d->len[d->n++] = len;
		return 0;
	}
	/* XBLOCK (level 1) or XXBLOCK (level 2): btype 1, cLevel, cEnt, lcbTotal, rgbid. */
	if (len < 8 || buf[0] != PST_XBLOCK_BTYPE || rc_u16(buf, len, 2, &cent) < 0) {
		free(buf);
		return -1;
	}
	for (i = 0; i < cent; i++) {
		uint64_t child;
		uint32_t c32;
		int rc = w == 8 ? rc_u64(buf, len, 8 + i * 8, &child) :
		                  (rc_u32(buf, len, 8 + i * 4, &c32) < 0 ? -1 : (child = c32, 0));
		if (rc < 0 || rc_read_data(pf, child, d, depth + 1) < 0) {
			free(buf);
			return -1;
		}
	}
	free(buf);
	return 0;
}

static void rc_data_free(rc_data *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		free(d->page[i]);
	d->n = 0;
}

/* Find subnode nid below s: its data block and its own subnodes. */
static int rc_sub_find(const rc_sub *s, uint32_t nid, uint64_t *data, rc_sub *child, int depth)
{
	pst_file *pf = s->pf;
	size_t len, i, hdr, ent;
	unsigned cent;
	char *buf;
	int level, rc = -1;

	if (!s->sl_bid) {
		const pst_id2_tree *t;
		for (t = s->id2; t; t = t->next) {
			if ((uint32_t)t->id2 == nid && t->id) {
				*data = t->id->i_id;
				child->pf = pf;
				child->sl_bid = 0;
				child->id2 = t->child;
				return 0;
			}
		}
		return -1;
	}
	if (depth > 4)
		return -1;
	len = rc_block(pf, s->sl_bid, &buf);
	if (len < 4 || buf[0] != PST_SLBLOCK_BTYPE) {
		free(buf);
		return -1;
	}
	level = (unsigned char)buf[1];
	rc_u16(buf, len, 2, &cent);
	hdr = pf->do_read64 ? 8 : 4;
	ent = pf->do_read64 ? (level ? 16 : 24) : (level ? 8 : 12);
	for (i = 0; i < cent; i++) {
		size_t off = hdr + i * ent;
		uint64_t e_nid, a, b = 0;
		uint32_t t32;

		if (off + ent > len)
			break;
		if (pf->do_read64) {
			rc_u64(buf, len, off, &e_nid);
			rc_u64(buf, len, off + 8, &a);
			if (!level)
				rc_u64(buf, len, off + 16, &b);
		} else {
			rc_u32(buf, len, off, &t32);
			e_nid = t32;
			rc_u32(buf, len, off + 4, &t32);
			a = t32;
			if (!level) {
				rc_u32(buf, len, off + 8, &t32);
				b = t32;
			}
		}
		if (level) {
			/* SIENTRY: the last entry whose nid is not above ours. */
			uint64_t next_nid = 0;
			int last = i + 1 == cent || off + 2 * ent > len;
			if (!last) {
				if (pf->do_read64)
					rc_u64(buf, len, off + ent, &next_nid);
				else {
					rc_u32(buf, len, off + ent, &t32);
					next_nid = t32;
				}
			}
			if ((uint32_t)e_nid <= nid && (last || (uint32_t)next_nid > nid)) {
				rc_sub sub = { pf, a, NULL };
				rc = rc_sub_find(&sub, nid, data, child, depth + 1);
				break;
			}
		} else if ((uint32_t)e_nid == nid) {
			*data = a;
			child->pf = pf;
			child->sl_bid = b;
			child->id2 = NULL;
			rc = 0;
			break;
		}
	}
	free(buf);
	return rc;
}

/* An allocation of the heap: HID to bytes. */
static int rc_hid(const rc_data *hn, uint32_t hid, const char **p, size_t *n)
{
	unsigned idx = (hid >> 5) & 0x7FF, block = hid >> 16, ibhnpm, calloc_, start, end;
	const char *page;
	size_t len;

	if (PST_NID_TYPE(hid) != PST_NID_TYPE_HID || block >= hn->n || idx == 0)
		return -1;
	page = hn->page[block];
	len = hn->len[block];
	if (rc_u16(page, len, 0, &ibhnpm) < 0 || rc_u16(page, len, ibhnpm, &calloc_) < 0 ||
	    idx > calloc_ || rc_u16(page, len, ibhnpm + 4 + 2 * (idx - 1), &start) < 0 ||
	    rc_u16(page, len, ibhnpm + 4 + 2 * idx, &end) < 0 || end < start || end > len)
		return -1;
	*p = page + start;
	*n = end - start;
	return 0;
}

/* One converter per source encoding for the child's life (it is single-
 * threaded): iconv_open per string cost more than the reading itself. */
static char *rc_convert(const char *p, size_t n, const char *from)
{
	static iconv_t cd_u16 = (iconv_t)-1, cd_8 = (iconv_t)-1;
	int u16 = strcmp(from, "UTF-16LE") == 0;
	iconv_t *slot = u16 ? &cd_u16 : &cd_8;
	char *in = (char *)p, *out, *o;
	size_t inleft = n, outleft = n * 3 + 4;

	if (*slot == (iconv_t)-1)
		*slot = iconv_open("UTF-8", from);
	if (*slot == (iconv_t)-1)
		return NULL;
	iconv(*slot, NULL, NULL, NULL, NULL);   /* initial state */
	out = o = malloc(outleft);
	if (!out || iconv(*slot, &in, &inleft, &o, &outleft) == (size_t)-1) {
		free(out);
		return NULL;
	}
	*o = '\0';
	return out;
}

/* A variable-size cell (HNID): in the heap, or in a subnode of the table. */
static char *rc_string(const rc_data *hn, const rc_sub *sub, uint32_t hnid, unsigned ptype)
{
	const char *from = ptype == MBX_PT_UNICODE ? "UTF-16LE" : "CP1252";
	const char *p;
	size_t n;
	char *s = NULL;

	if (hnid == 0)
		return strdup("");
	if (PST_NID_TYPE(hnid) == PST_NID_TYPE_HID) {
		if (rc_hid(hn, hnid, &p, &n) < 0)
			return NULL;
		return rc_convert(p, n, from);
	} else {
		uint64_t bid;
		rc_sub child;
		rc_data d;
		size_t i, total = 0;
		char *all;

		d.n = 0;   /* rc_data_free looks at [0, n) only: no 64 KiB memset */
		if (rc_sub_find(sub, hnid, &bid, &child, 0) < 0 || rc_read_data(sub->pf, bid, &d, 0) < 0) {
			rc_data_free(&d);
			return NULL;
		}
		for (i = 0; i < d.n; i++)
			total += d.len[i];
		all = malloc(total + 1);
		if (all) {
			total = 0;
			for (i = 0; i < d.n; i++) {
				memcpy(all + total, d.page[i], d.len[i]);
				total += d.len[i];
			}
			s = rc_convert(all, total, from);
			free(all);
		}
		rc_data_free(&d);
		return s;
	}
}

typedef struct rc_col {
	uint32_t tag;
	unsigned ib, cb, ibit;
	int present;
} rc_col;

static void rc_free_list(pw_rcpt *r, size_t n)
{
	size_t i;

	for (i = 0; r && i < n; i++) {
		free(r[i].name);
		free(r[i].addr);
		free(r[i].addrtype);
	}
	free(r);
}

/* The rows of one table context. */
static int rc_rows(const rc_data *hn, const rc_sub *sub, pw_rcpt **out, size_t *n_out)
{
	enum { C_TYPE, C_NAME, C_ADDRTYPE, C_EMAIL, C_SMTP, C_N };
	static const unsigned ids[C_N] = { MBX_PID_TAG_RECIPIENT_TYPE, MBX_PID_TAG_DISPLAY_NAME,
		MBX_PID_TAG_ADDRESS_TYPE, MBX_PID_TAG_EMAIL_ADDRESS, MBX_PID_TAG_SMTP_ADDRESS };
	const char *page0 = hn->page[0], *tci;
	size_t len0 = hn->len[0], tlen, i;
	uint32_t root, hnid_rows, tag;
	unsigned ccols, rowsize = 0, ceb_off = 0, ib = 0, cb, ibit;
	rc_col col[C_N];
	rc_data rows;
	pw_rcpt *list = NULL;
	size_t n = 0, cap = 0, b;
	int k, rc = -1;

	memset(col, 0, sizeof(col));
	rows.n = 0;
	/* HNHDR: ibHnpm, bSig 0xEC, bClientSig 0x7C (a table), hidUserRoot. */
	if (len0 < 8 || (unsigned char)page0[2] != PST_HN_SIG || (unsigned char)page0[3] != PST_BTYPE_TC ||
	    rc_u32(page0, len0, 4, &root) < 0 || rc_hid(hn, root, &tci, &tlen) < 0 || tlen < 22 ||
	    (unsigned char)tci[0] != PST_BTYPE_TC)
		return -1;
	ccols = (unsigned char)tci[1];
	rc_u16(tci, tlen, 6, &ceb_off);     /* TCI_1b: end of the 1-byte columns = CEB start */
	rc_u16(tci, tlen, 8, &rowsize);     /* TCI_bm: the row size */
	rc_u32(tci, tlen, 14, &hnid_rows);
	if (tlen < 22 + 8 * (size_t)ccols || rowsize == 0 || ceb_off + (ccols + 7) / 8 > rowsize)
		return -1;
	for (i = 0; i < ccols; i++) {
		rc_u32(tci, tlen, 22 + 8 * i, &tag);
		rc_u16(tci, tlen, 22 + 8 * i + 4, &ib);
		cb = (unsigned char)tci[22 + 8 * i + 6];
		ibit = (unsigned char)tci[22 + 8 * i + 7];
		for (k = 0; k < C_N; k++) {
			if (MBX_PROP_ID(tag) == ids[k] && ib + cb <= rowsize && ibit < ccols) {
				col[k].tag = tag;
				col[k].ib = ib;
				col[k].cb = cb;
				col[k].ibit = ibit;
				col[k].present = 1;
			}
		}
	}
	if (hnid_rows == 0) {
		*out = NULL;
		*n_out = 0;
		return 0;
	}
	if (PST_NID_TYPE(hnid_rows) == PST_NID_TYPE_HID) {
		const char *p;
		size_t plen;
		if (rc_hid(hn, hnid_rows, &p, &plen) < 0)
			return -1;
		rows.page[0] = malloc(plen ? plen : 1);
		if (!rows.page[0])
			return -1;
		memcpy(rows.page[0], p, plen);
		rows.len[0] = plen;
		rows.n = 1;
	} else {
		uint64_t bid;
		rc_sub child;
		if (rc_sub_find(sub, hnid_rows, &bid, &child, 0) < 0 ||
		    rc_read_data(sub->pf, bid, &rows, 0) < 0)
			goto out;
	}
	for (b = 0; b < rows.n; b++) {
		size_t off;
		for (off = 0; off + rowsize <= rows.len[b]; off += rowsize) {
			const char *row = rows.page[b] + off;
			pw_rcpt r;
			uint32_t v;

			memset(&r, 0, sizeof(r));
			r.type = MBX_RECIP_TO;
			for (k = 0; k < C_N; k++) {
				unsigned ptype = MBX_PROP_TYPE(col[k].tag);
				if (!col[k].present ||
				    !((unsigned char)row[ceb_off + col[k].ibit / 8] & (0x80u >> (col[k].ibit % 8))))
					continue;
				if (rc_u32(row, rowsize, col[k].ib, &v) < 0)
					continue;
				if (k == C_TYPE) {
					if ((v & 0xFF) >= MBX_RECIP_TO && (v & 0xFF) <= MBX_RECIP_BCC)
						r.type = (int)(v & 0xFF);
					continue;
				}
				if (ptype != MBX_PT_UNICODE && ptype != MBX_PT_STRING8)
					continue;
				{
					char *s = rc_string(hn, sub, v, ptype);
					char **dst = k == C_NAME ? &r.name : k == C_ADDRTYPE ? &r.addrtype :
					             k == C_EMAIL ? &r.addr : NULL;
					if (k == C_SMTP) {
						/* Only when there is no other address. */
						if (!r.addr && s && *s) {
							r.addr = s;
							if (!r.addrtype)
								r.addrtype = strdup("SMTP");
							s = NULL;
						}
						free(s);
						continue;
					}
					if (dst) {
						free(*dst);
						*dst = s;
					} else {
						free(s);
					}
				}
			}
			if (n == cap) {
				pw_rcpt *nl;
				cap = cap ? cap * 2 : 8;
				nl = realloc(list, cap * sizeof(*list));
				if (!nl) {
					free(r.name);
					free(r.addr);
					free(r.addrtype);
					goto out;
				}
				list = nl;
			}
			list[n++] = r;
		}
	}
	*out = list;
	*n_out = n;
	list = NULL;
	n = 0;
	rc = 0;
out:
	rc_free_list(list, n);
	rc_data_free(&rows);
	return rc;
}

int pw_read_recipients(pst_file *pf, const pst_desc_tree *d, const pst_id2_tree *id2,
                       pw_rcpt **out, size_t *n)
{
	rc_sub top, table;
	rc_data hn;
	uint64_t bid;
	int rc;

	*out = NULL;
	*n = 0;
	memset(&top, 0, sizeof(top));
	top.pf = pf;
	if (d) {
		if (!d->assoc_tree)
			return -1;
		top.sl_bid = d->assoc_tree->i_id;
	} else {
		top.id2 = id2;
	}
	if (rc_sub_find(&top, PST_NID_RECIPIENT_TABLE, &bid, &table, 0) < 0)
		return -1;
	hn.n = 0;
	if (rc_read_data(pf, bid, &hn, 0) < 0 || hn.n == 0) {
		rc_data_free(&hn);
		return -1;
	}
	rc = rc_rows(&hn, &table, out, n);
	rc_data_free(&hn);
	return rc;
}

void pw_rcpt_free(pw_rcpt *r, size_t n)
{
	rc_free_list(r, n);
}

/*
 * Values of a message's own property context, for the properties libpst
 * reads but does not keep (task details): a PC of one BTH level ([MS-PST]
 * 2.3.3; the writers we know make no other for a message's few hundred
 * properties).  Every offset is checked; -1 when the PC is not as
 * described.
 */
int pw_read_pc_values(pst_file *pf, const pst_desc_tree *d, const uint16_t *ids, size_t n_ids,
                      pw_pcval *out)
{
	const char *page0, *bth, *recs, *v;
	size_t len0, blen, rlen, vlen, i, k;
	uint32_t root, hid_root;
	rc_data hn;
	int rc = -1;

	memset(out, 0, n_ids * sizeof(*out));
	if (!d || !d->desc)
		return -1;
	hn.n = 0;
	if (rc_read_data(pf, d->desc->i_id, &hn, 0) < 0 || hn.n == 0)
		goto out;
	page0 = hn.page[0];
	len0 = hn.len[0];
	/* HNHDR with bClientSig 0xBC (a PC); BTHHEADER: bType 0xB5, cbKey 2,
	 * cbEnt 6, bIdxLevels 0, hidRoot. */
	if (len0 < 8 || (unsigned char)page0[2] != PST_HN_SIG || (unsigned char)page0[3] != PST_BTYPE_PC ||
	    rc_u32(page0, len0, 4, &root) < 0 || rc_hid(&hn, root, &bth, &blen) < 0 || blen < 8 ||
	    (unsigned char)bth[0] != PST_BTYPE_BTH || bth[1] != 2 || bth[2] != 6 || bth[3] != 0 ||
	    rc_u32(bth, blen, 4, &hid_root) < 0)
		goto out;
	if (hid_root == 0) {
		rc = 0;   /* no properties at all */
		goto out;
	}
	if (rc_hid(&hn, hid_root, &recs, &rlen) < 0 || rlen % 8)
		goto out;
	for (i = 0; i + 8 <= rlen; i += 8) {
		unsigned id, type;
		uint32_t val;

		if (rc_u16(recs, rlen, i, &id) < 0 || rc_u16(recs, rlen, i + 2, &type) < 0 ||
		    rc_u32(recs, rlen, i + 4, &val) < 0)
			goto out;
		for (k = 0; k < n_ids; k++) {
			if (ids[k] != id)
				continue;
			out[k].type = type;
			if (type == MBX_PT_LONG || type == MBX_PT_BOOLEAN) {          /* inline */
				out[k].found = 1;
				out[k].u64 = type == MBX_PT_BOOLEAN ? (val & 0xFF) : val;
			} else if (type == MBX_PT_DOUBLE || type == MBX_PT_SYSTIME || type == MBX_PT_I8) {
				/* 8 bytes in the heap */
				uint64_t x;

				if (rc_hid(&hn, val, &v, &vlen) == 0 && vlen == 8 && rc_u64(v, vlen, 0, &x) == 0) {
					out[k].found = 1;
					out[k].u64 = x;
				}
			}
		}
	}
	rc = 0;
out:
	rc_data_free(&hn);
	return rc;
}
