/*
 * core/pst/ndb_header.c - the Unicode HEADER ([MS-PST] 2.2.2.6), 564
 * bytes at offset 0, with the ROOT at 180 and its two CRCs.
 */
#include <string.h>

#include "mbx/common.h"
#include "pst/pst_int.h"

void pst_header_build(unsigned char h[564], const pst_header_info *hi)
{
	size_t i;

	memset(h, 0, 564);
	memcpy(h, "!BDN", 4);
	pst_put16(h + 8, 0x4D53);          /* wMagicClient "SM" */
	pst_put16(h + 10, 23);             /* wVer: Unicode, what readers accept */
	pst_put16(h + 12, 19);             /* wVerClient */
	h[14] = 0x01;                      /* bPlatformCreate */
	h[15] = 0x01;                      /* bPlatformAccess */
	pst_put64(h + 24, 0);              /* bidUnused */
	pst_put64(h + 32, hi->next_pbid);  /* bidNextP */
	pst_put32(h + 40, hi->unique);     /* dwUnique */
	for (i = 0; i < 32; i++)
		pst_put32(h + 44 + 4 * i, hi->rgnid[i]);
	/* ROOT */
	pst_put64(h + 184, hi->file_eof);
	pst_put64(h + 192, hi->amap_last);
	pst_put64(h + 200, hi->amap_free);
	pst_put64(h + 208, 0);             /* cbPMapFree: PMaps say "all used" */
	pst_put64(h + 216, hi->nbt_bid);
	pst_put64(h + 224, hi->nbt_ib);
	pst_put64(h + 232, hi->bbt_bid);
	pst_put64(h + 240, hi->bbt_ib);
	h[248] = hi->amap_valid ? 0x02 : 0x00;  /* VALID_AMAP2 */
	memset(h + 256, 0xFF, 128);        /* rgbFM, deprecated */
	memset(h + 384, 0xFF, 128);        /* rgbFP, deprecated */
	h[512] = 0x80;                     /* bSentinel */
	h[513] = (unsigned char)(hi->crypt == MBX_PST_CRYPT_PERMUTE ? 0x01 : 0x00);
	pst_put64(h + 516, hi->next_bid);  /* bidNextB */
	pst_put32(h + 4, pst_crc(h + 8, 471));
	pst_put32(h + 524, pst_crc(h + 8, 516));
}
