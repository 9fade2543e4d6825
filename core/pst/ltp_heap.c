/*
 * core/pst/ltp_heap.c - heap-on-node ([MS-PST] 2.3.1).
 *
 * Allocations are appended to the current block; a full block is written
 * at once, except block 0 (HNHDR) and the HNBITMAPHDR blocks (8, 136,
 * 264, ...), which hold fill levels of later blocks and are written at
 * finish.  So a heap of any size costs one block of memory plus one per
 * 128 blocks, and an allocation is O(1).  Allocations never change once
 * made: callers build their structures bottom-up.
 */
#include <string.h>

#include "mbx/common.h"
#include "pst/pst_int.h"

#define MAX_ALLOCS 2047u   /* hidIndex has 11 bits */

static int is_bitmap(size_t idx)
{
	return idx >= 8 && (idx - 8) % 128 == 0;
}

static size_t hdr_size(size_t idx)
{
	return idx == 0 ? 12 : is_bitmap(idx) ? 66 : 2;
}

static uint8_t fill_level(size_t free_bytes)
{
	static const uint16_t lim[] = { 3584, 2560, 2048, 1792, 1536, 1280, 1024, 768,
	                                512, 256, 128, 64, 32, 16, 8 };
	uint8_t i;

	for (i = 0; i < 15; i++)
		if (free_bytes >= lim[i])
			return i;
	return 15;
}

static void block_start(pst_heap *h, size_t idx)
{
	h->cur_idx = idx;
	h->cur_len = hdr_size(idx);
	h->nalloc = 0;
	memset(h->cur, 0, h->cur_len);
}

void pst_heap_init(pst_heap *h, pst_ndb *ndb, uint8_t client_sig)
{
	memset(h, 0, sizeof(*h));
	h->ndb = ndb;
	h->client_sig = client_sig;
	h->cur = mbx_malloc(PST_BLOCK_DATA);
	h->offs = mbx_malloc((MAX_ALLOCS + 1) * sizeof(*h->offs));
	block_start(h, 0);
}

/* Put the page map after the allocations; returns the block size. */
static size_t block_seal(pst_heap *h)
{
	size_t ibm = (h->cur_len + 1) & ~(size_t)1, i;

	if (ibm > h->cur_len)
		h->cur[h->cur_len] = 0;
	pst_put16(h->cur, (uint16_t)ibm);
	pst_put16(h->cur + ibm, (uint16_t)h->nalloc);
	pst_put16(h->cur + ibm + 2, 0);
	h->offs[h->nalloc] = (uint16_t)h->cur_len;
	for (i = 0; i <= h->nalloc; i++)
		pst_put16(h->cur + ibm + 4 + 2 * i, h->offs[i]);
	return ibm + 4 + 2 * (h->nalloc + 1);
}

static void set_fill(pst_heap *h, size_t idx, uint8_t lvl)
{
	if (idx >= h->nfill) {
		size_t n = h->nfill ? h->nfill * 2 : 16;

		while (n <= idx)
			n *= 2;
		h->fill = mbx_realloc(h->fill, n);
		memset(h->fill + h->nfill, 0, n - h->nfill);
		h->nfill = n;
	}
	h->fill[idx] = lvl;
}

static int block_close(pst_heap *h)
{
	size_t size = block_seal(h);

	set_fill(h, h->cur_idx, fill_level(PST_BLOCK_DATA - size));
	if (h->cur_idx == 0 || is_bitmap(h->cur_idx)) {
		pst_heap_keep *k;

		h->keep = mbx_reallocarray(h->keep, h->nkeep + 1, sizeof(*h->keep));
		k = &h->keep[h->nkeep++];
		k->idx = pst_dtree_reserve(&h->dt);
		k->data = mbx_malloc(size);
		memcpy(k->data, h->cur, size);
		k->len = size;
		return 0;
	}
	return pst_dtree_add(h->ndb, &h->dt, h->cur, size);
}

int pst_heap_alloc(pst_heap *h, const void *p, size_t len, uint32_t *hid)
{
	/* Packed: readers take an allocation's size from the next offset, so
	 * a pad byte would become data (only the page map is 2-aligned). */
	size_t at = h->cur_len;
	int rc;

	if (len > PST_HEAP_ALLOC_MAX)
		return mbx_error_set(MBX_ERROR, "PST writer: heap allocation of %zu bytes", len);
	if (((at + len + 1) & ~(size_t)1) + 4 + 2 * (h->nalloc + 2) > PST_BLOCK_DATA ||
	    h->nalloc + 1 > MAX_ALLOCS) {
		rc = block_close(h);
		if (rc)
			return rc;
		if (h->cur_idx + 1 > 0xFFFF)
			return mbx_error_set(MBX_ELIMIT, "a table or property list over 65,535 heap blocks in %s",
			                     h->ndb->path);
		block_start(h, h->cur_idx + 1);
		at = h->cur_len;
	}
	if (at > h->cur_len)
		h->cur[h->cur_len] = 0;
	memcpy(h->cur + at, p, len);
	h->offs[h->nalloc++] = (uint16_t)at;
	h->cur_len = at + len;
	*hid = ((uint32_t)h->cur_idx << 16) | ((uint32_t)h->nalloc << 5);
	return 0;
}

/* Fill levels: 4 bits a block, the even block in the low nibble. */
static void put_fill(const pst_heap *h, unsigned char *dst, size_t first, size_t count)
{
	size_t i;

	memset(dst, 0, (count + 1) / 2);
	for (i = 0; i < count; i++) {
		uint8_t lvl = first + i < h->nfill && first + i <= h->cur_idx ? h->fill[first + i] : 0;

		dst[i / 2] |= (unsigned char)(i % 2 ? lvl << 4 : lvl);
	}
}

int pst_heap_finish(pst_heap *h, uint32_t hid_user_root, uint64_t *bid, uint64_t *bytes)
{
	size_t i;
	int rc = block_close(h);

	for (i = 0; rc == 0 && i < h->nkeep; i++) {
		pst_heap_keep *k = &h->keep[i];
		uint64_t b;

		if (k->idx == 0) {
			k->data[2] = PST_HN_SIG;
			k->data[3] = h->client_sig;
			pst_put32(k->data + 4, hid_user_root);
			put_fill(h, k->data + 8, 0, 8);
		} else {
			put_fill(h, k->data + 2, k->idx, 128);
		}
		rc = pst_block_write(h->ndb, k->data, k->len, 0, &b);
		if (rc == 0)
			pst_dtree_set(&h->dt, k->idx, b, k->len);
	}
	if (bytes)
		*bytes = h->dt.total;
	if (rc == 0)
		rc = pst_dtree_finish(h->ndb, &h->dt, bid);
	pst_heap_free(h);
	return rc;
}

void pst_heap_free(pst_heap *h)
{
	size_t i;

	for (i = 0; i < h->nkeep; i++)
		mbx_free(h->keep[i].data);
	mbx_free(h->keep);
	mbx_free(h->cur);
	mbx_free(h->offs);
	mbx_free(h->fill);
	pst_dtree_free(&h->dt);
	memset(h, 0, sizeof(*h));
}

/*
 * The heap's size in bytes if these allocations were made now, without
 * making them: a message's size property is inside the BTH that is
 * written last, yet must equal the size of the whole node.
 */
uint64_t pst_heap_size_after(const pst_heap *h, const size_t *lens, size_t n)
{
	uint64_t total = h->dt.total;
	size_t i, cur_len = h->cur_len, nalloc = h->nalloc, idx = h->cur_idx;

	for (i = 0; i < h->nkeep; i++)
		total += h->keep[i].len;
	for (i = 0; i < n; i++) {
		size_t at = cur_len;   /* packed, as pst_heap_alloc */

		if (((at + lens[i] + 1) & ~(size_t)1) + 4 + 2 * (nalloc + 2) > PST_BLOCK_DATA ||
		    nalloc + 1 > MAX_ALLOCS) {
			total += ((cur_len + 1) & ~(size_t)1) + 4 + 2 * (nalloc + 1);
			idx++;
			cur_len = hdr_size(idx);
			nalloc = 0;
			at = cur_len;
		}
		cur_len = at + lens[i];
		nalloc++;
	}
	return total + (((cur_len + 1) & ~(size_t)1) + 4 + 2 * (nalloc + 1));
}

/* Where allocation hid is, when its block is still in memory (the block
 * being filled, block 0, an HNBITMAPHDR block); NULL otherwise. */
static unsigned char *find_alloc(pst_heap *h, uint32_t hid, size_t *len)
{
	size_t idx = hid >> 16, i = (hid >> 5) & 0x7FF, k;

	if (i == 0)
		return NULL;
	if (idx == h->cur_idx && i <= h->nalloc) {
		size_t end = i < h->nalloc ? h->offs[i] : h->cur_len;

		*len = end - h->offs[i - 1];
		return h->cur + h->offs[i - 1];
	}
	for (k = 0; k < h->nkeep; k++) {
		unsigned char *b = h->keep[k].data;
		size_t ibm = pst_get16(b);

		if (h->keep[k].idx != idx || i > pst_get16(b + ibm))
			continue;
		*len = (size_t)(pst_get16(b + ibm + 4 + 2 * i) - pst_get16(b + ibm + 2 + 2 * i));
		return b + pst_get16(b + ibm + 2 + 2 * i);
	}
	return NULL;
}

/*
 * Fill an allocation reserved earlier.  Readers (pst-extractor) expect a
 * PC's BTH header and a TC's row index header at HID 0x20, the first
 * allocation, which can only be written last: block 0 stays in memory
 * until finish, so it can be.
 */
int pst_heap_patch(pst_heap *h, uint32_t hid, const void *p, size_t len)
{
	size_t have = 0;
	unsigned char *at = find_alloc(h, hid, &have);

	if (!at || have != len)
		return mbx_error_set(MBX_ERROR, "PST writer: cannot fill heap allocation 0x%x", hid);
	memcpy(at, p, len);
	return 0;
}
