/*
 * core/pst/ndb_block.c - blocks ([MS-PST] 2.2.2.8): CRC (5.3), the
 * permutative encoding (5.1), signatures, and writing a block with its
 * trailer.  Every block written is recorded for the BBT (ndb_btree.c).
 */
#include <string.h>

#include "mbx/common.h"
#include "mbx/crc.h"
#include "pst/pst_int.h"

/* [MS-PST] 5.3: the one definition of mbx/crc.h (ISA-L or zlib). */
uint32_t pst_crc(const void *p, size_t n)
{
	return mbx_pst_crc(p, n);
}

/* mpbbCrypt of [MS-PST] 5.1: the first 256 bytes encode. */
static const unsigned char crypt_enc[256] = {
	65, 54, 19, 98, 168, 33, 110, 187, 244, 22, 204, 4, 127, 100, 232, 93,
	30, 242, 203, 42, 116, 197, 94, 53, 210, 149, 71, 158, 150, 45, 154, 136,
	76, 125, 132, 63, 219, 172, 49, 182, 72, 95, 246, 196, 216, 57, 139, 231,
	35, 59, 56, 142, 200, 193, 223, 37, 177, 32, 165, 70, 96, 78, 156, 251,
	170, 211, 86, 81, 69, 124, 85, 0, 7, 201, 43, 157, 133, 155, 9, 160,
	143, 173, 179, 15, 99, 171, 137, 75, 215, 167, 21, 90, 113, 102, 66, 191,
	38, 74, 107, 152, 250, 234, 119, 83, 178, 112, 5, 44, 253, 89, 58, 134,
	126, 206, 6, 235, 130, 120, 87, 199, 141, 67, 175, 180, 28, 212, 91, 205,
	226, 233, 39, 79, 195, 8, 114, 128, 207, 176, 239, 245, 40, 109, 190, 48,
	77, 52, 146, 213, 14, 60, 34, 50, 229, 228, 249, 159, 194, 209, 10, 129,
	18, 225, 238, 145, 131, 118, 227, 151, 230, 97, 138, 23, 121, 164, 183, 220,
	144, 122, 92, 140, 2, 166, 202, 105, 222, 80, 26, 17, 147, 185, 82, 135,
	88, 252, 237, 29, 55, 73, 27, 106, 224, 41, 51, 153, 189, 108, 217, 148,
	243, 64, 84, 111, 240, 198, 115, 184, 214, 62, 101, 24, 68, 31, 221, 103,
	16, 241, 12, 25, 236, 174, 3, 161, 20, 123, 169, 11, 255, 248, 163, 192,
	162, 1, 247, 46, 188, 36, 104, 117, 13, 254, 186, 47, 181, 208, 218, 61,
};

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define PST_HAVE_VBMI 1

/*
 * The encoding 64 bytes at a time where the CPU has AVX-512 VBMI: two
 * 128-entry byte lookups (vpermi2b, the low 7 bits of each byte) and a
 * blend on the top bit.  A third of an export's time went into the byte
 * loop below; this does the same in a few instructions per 64 bytes.
 */
__attribute__((target("avx512f,avx512bw,avx512vbmi")))
static size_t permute_vbmi(unsigned char *p, size_t n)
{
	const __m512i t0 = _mm512_loadu_si512((const void *)crypt_enc);
	const __m512i t1 = _mm512_loadu_si512((const void *)(crypt_enc + 64));
	const __m512i t2 = _mm512_loadu_si512((const void *)(crypt_enc + 128));
	const __m512i t3 = _mm512_loadu_si512((const void *)(crypt_enc + 192));
	size_t i;

	for (i = 0; i + 64 <= n; i += 64) {
		__m512i x = _mm512_loadu_si512((const void *)(p + i));
		__m512i lo = _mm512_permutex2var_epi8(t0, x, t1);
		__m512i hi = _mm512_permutex2var_epi8(t2, x, t3);

		_mm512_storeu_si512((void *)(p + i), _mm512_mask_blend_epi8(_mm512_movepi8_mask(x), lo, hi));
	}
	return i;
}
#endif

void pst_permute(unsigned char *p, size_t n, int encode)
{
	size_t i = 0;

	if (encode) {
#ifdef PST_HAVE_VBMI
		if (n >= 64 && __builtin_cpu_supports("avx512vbmi"))
			i = permute_vbmi(p, n);
#endif
		for (; i < n; i++)
			p[i] = crypt_enc[p[i]];
	} else {
		unsigned char dec[256];

		for (i = 0; i < 256; i++)
			dec[crypt_enc[i]] = (unsigned char)i;
		for (i = 0; i < n; i++)
			p[i] = dec[p[i]];
	}
}

uint16_t pst_sig(uint64_t ib, uint64_t bid)
{
	uint64_t x = ib ^ bid;

	return (uint16_t)((uint16_t)(x >> 16) ^ (uint16_t)x);
}

/*
 * Write one block of cb data bytes: data blocks are encoded with the
 * file's method, internal blocks (XBLOCK, SLBLOCK...) never are.
 */
int pst_block_write(pst_ndb *ndb, const void *data, size_t cb, int internal, uint64_t *bid)
{
	unsigned char blk[PST_BLOCK_MAX];
	uint32_t size = (uint32_t)((cb + PST_TRAILER + 63) & ~(size_t)63);
	unsigned char *t;
	uint64_t ib;
	int rc;

	if (cb > PST_BLOCK_DATA)
		return mbx_error_set(MBX_ERROR, "PST writer: block of %zu bytes", cb);
	rc = pst_amap_alloc(ndb, size, 64, &ib);
	if (rc)
		return rc;
	*bid = ndb->next_bid | (internal ? 2u : 0u);
	ndb->next_bid += 4;
	memcpy(blk, data, cb);
	if (!internal && ndb->crypt == MBX_PST_CRYPT_PERMUTE)
		pst_permute(blk, cb, 1);
	memset(blk + cb, 0, size - cb - PST_TRAILER);
	t = blk + size - PST_TRAILER;
	pst_put16(t, (uint16_t)cb);
	pst_put16(t + 2, pst_sig(ib, *bid));
	pst_put32(t + 4, pst_crc(blk, cb));
	pst_put64(t + 8, *bid);
	rc = pst_io_write(ndb, ib, blk, size);
	return rc ? rc : pst_bbt_add(ndb, *bid, ib, (uint16_t)cb);
}

int pst_ndb_node_add(pst_ndb *ndb, uint32_t nid, uint64_t bid_data, uint64_t bid_sub, uint32_t parent)
{
	uint32_t t = PST_NID_TYPE(nid), next = PST_NID_INDEX(nid) + 1;
	pst_nbt_ent *e, one;

	if (next > ndb->nid_next[t])
		ndb->nid_next[t] = next;
	ndb->nnodes++;
	if (t == PST_NID_TYPE_NORMAL_MESSAGE || t == PST_NID_TYPE_ASSOC_MESSAGE) {
		one.nid = nid;
		one.parent = parent;
		one.bid_data = bid_data;
		one.bid_sub = bid_sub;
		return pst_nbt_stream_add(ndb, &one);
	}
	if (ndb->nnbt == ndb->anbt) {
		ndb->anbt = ndb->anbt ? ndb->anbt * 2 : 256;
		ndb->nbt = mbx_reallocarray(ndb->nbt, ndb->anbt, sizeof(*ndb->nbt));
	}
	e = &ndb->nbt[ndb->nnbt++];
	e->nid = nid;
	e->parent = parent;
	e->bid_data = bid_data;
	e->bid_sub = bid_sub;
	return ndb->err;
}
