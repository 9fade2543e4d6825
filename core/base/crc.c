/*
 * core/base/crc.c - the PST CRC (mbx/crc.h): ISA-L when the build found
 * it, zlib otherwise.  The zlib version is kept as the tests' reference
 * either way, so the fallback costs nothing to maintain.
 */
#include "config.h"

#include <zlib.h>
#ifdef HAVE_ISAL
#include <isa-l/crc.h>
#endif

#include "mbx/crc.h"

uint32_t mbx_pst_crc_zlib(const void *p, size_t n)
{
	uLong c = 0xFFFFFFFFul;

	while (n > 0) {
		uInt chunk = n > 0x40000000u ? 0x40000000u : (uInt)n;

		c = crc32(c, p, chunk);
		p = (const unsigned char *)p + chunk;
		n -= chunk;
	}
	return (uint32_t)(c ^ 0xFFFFFFFFul);
}

#ifdef HAVE_ISAL
/* crc32_gzip_refl inverts on entry and exit like zlib: starting from all
 * ones and inverting the result gives the raw CRC with initial value 0. */
uint32_t mbx_pst_crc(const void *p, size_t n)
{
	uint32_t c = 0xFFFFFFFFu;

	while (n > 0) {
		uint64_t chunk = n > 0x40000000u ? 0x40000000u : n;

		c = crc32_gzip_refl(c, (const unsigned char *)p, chunk);
		p = (const unsigned char *)p + chunk;
		n -= (size_t)chunk;
	}
	return c ^ 0xFFFFFFFFu;
}

const char *mbx_pst_crc_impl(void)
{
	return "ISA-L";
}
#else
uint32_t mbx_pst_crc(const void *p, size_t n)
{
	return mbx_pst_crc_zlib(p, n);
}

const char *mbx_pst_crc_impl(void)
{
	return "zlib";
}
#endif
