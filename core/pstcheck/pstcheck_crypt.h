/* core/pstcheck/pstcheck_crypt.h - the [MS-PST] 5.1 substitution tables. */
#ifndef MBX_PSTCHECK_CRYPT_H
#define MBX_PSTCHECK_CRYPT_H
#include <stdint.h>
/* mpbbR at 0, mpbbS at 256, mpbbI at 512. */
extern const uint8_t pc_crypt_table[768];
#endif
