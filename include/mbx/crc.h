/*
 * mbx/crc.h - the CRC of [MS-PST] 5.3: CRC-32 (IEEE 802.3, reflected,
 * polynomial 0xEDB88320) with initial value 0 and no final inversion,
 * i.e. zlib's crc32 without its pre- and post-inversion.  The writer
 * (core/pst), the validator (core/pstcheck) and the property reader
 * (core/pstprop) all use this one definition.
 *
 * Built with Intel ISA-L (Debian libisal-dev, found by configure) it runs
 * crc32_gzip_refl, which folds with PCLMULQDQ (VPCLMULQDQ where the CPU
 * has it) at many GB/s; without it, zlib's crc32.  Both compute the same
 * value (tests/t_pst_ndb compares them at every length and alignment).
 */
#ifndef MBX_CRC_H
#define MBX_CRC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

uint32_t mbx_pst_crc(const void *p, size_t n);
/* The same with zlib whatever the build (the tests' reference). */
uint32_t mbx_pst_crc_zlib(const void *p, size_t n);
/* "ISA-L" or "zlib": what mbx_pst_crc runs on. */
const char *mbx_pst_crc_impl(void);

#ifdef __cplusplus
}
#endif

#endif
