/*
 * core/pst/ndb_header.c - the Unicode HEADER ([MS-PST] 2.2.2.6), 564
 * bytes at offset 0, with the ROOT at 180 and its two CRCs (offsets:
 * PST_HDR_* in mbx/pstdefs.h).
 */
#include <string.h>

#include "mbx/common.h"
#include "pst/pst_int.h"

void pst_header_build(unsigned char h[PST_HEADER_SIZE], const pst_header_info *hi)
{
	size_t i;

	memset(h, 0, PST_HEADER_SIZE);
	memcpy(h, PST_HDR_MAGIC, 4);
	pst_put16(h + PST_HDR_MAGIC_CLIENT, PST_MAGIC_CLIENT);
	pst_put16(h + PST_HDR_VER, PST_VER_UNICODE);   /* what readers accept */
	pst_put16(h + PST_HDR_VER_CLIENT, PST_VER_CLIENT);
	h[PST_HDR_PLATFORM_CREATE] = PST_PLATFORM;
	h[PST_HDR_PLATFORM_ACCESS] = PST_PLATFORM;
	pst_put64(h + PST_HDR_BID_UNUSED, 0);
	pst_put64(h + PST_HDR_BID_NEXT_P, hi->next_pbid);
	pst_put32(h + PST_HDR_UNIQUE, hi->unique);
	for (i = 0; i < 32; i++)
		pst_put32(h + PST_HDR_RGNID + 4 * i, hi->rgnid[i]);
	/* ROOT */
	pst_put64(h + PST_HDR_FILE_EOF, hi->file_eof);
	pst_put64(h + PST_HDR_AMAP_LAST, hi->amap_last);
	pst_put64(h + PST_HDR_AMAP_FREE, hi->amap_free);
	pst_put64(h + PST_HDR_PMAP_FREE, 0);   /* PMaps say "all used" */
	pst_put64(h + PST_HDR_NBT_BID, hi->nbt_bid);
	pst_put64(h + PST_HDR_NBT_IB, hi->nbt_ib);
	pst_put64(h + PST_HDR_BBT_BID, hi->bbt_bid);
	pst_put64(h + PST_HDR_BBT_IB, hi->bbt_ib);
	h[PST_HDR_AMAP_VALID] = hi->amap_valid ? PST_AMAP_VALID2 : PST_AMAP_INVALID;
	memset(h + PST_HDR_RGBFM, 0xFF, 128);   /* deprecated */
	memset(h + PST_HDR_RGBFP, 0xFF, 128);   /* deprecated */
	h[PST_HDR_SENTINEL] = PST_SENTINEL;
	h[PST_HDR_CRYPT] = (unsigned char)(hi->crypt == MBX_PST_CRYPT_PERMUTE ? PST_CRYPT_PERMUTE : PST_CRYPT_NONE);
	pst_put64(h + PST_HDR_BID_NEXT_B, hi->next_bid);
	pst_put32(h + PST_HDR_CRC_PARTIAL, pst_crc(h + PST_HDR_MAGIC_CLIENT, PST_HDR_CRC_PARTIAL_LEN));
	pst_put32(h + PST_HDR_CRC_FULL, pst_crc(h + PST_HDR_MAGIC_CLIENT, PST_HDR_CRC_FULL_LEN));
}
