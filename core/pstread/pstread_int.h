/*
 * core/pstread/pstread_int.h - what the parts of the libpst child process
 * share (pstread_child.c, pstread_rcpt.c).  Only the child includes libpst.
 */
#ifndef MBX_PSTREAD_INT_H
#define MBX_PSTREAD_INT_H

#include <libpst/libpst.h>

#include "pstread/pstwire.h"

/* One row of a recipient table; strings malloc'ed UTF-8, may be NULL. */
typedef struct pw_rcpt {
	int type;                /* MBX_RECIP_* */
	char *name;
	char *addr;
	char *addrtype;
} pw_rcpt;

/*
 * Read a message's recipient table: of a top-level message from its node
 * (d), of an embedded one from the subnode tree libpst built (id2).
 * 0 and the rows (free with pw_rcpt_free), or -1 when the table is
 * missing or not as [MS-PST] describes it.
 */
int pw_read_recipients(pst_file *pf, const pst_desc_tree *d, const pst_id2_tree *id2,
                       pw_rcpt **out, size_t *n);
void pw_rcpt_free(pw_rcpt *r, size_t n);

/* One value of a property context: found, its type, its bits (inline
 * values zero-extended; 8-byte values as stored). */
typedef struct pw_pcval {
	int found;
	unsigned type;
	uint64_t u64;
} pw_pcval;

/*
 * Read the properties ids[0..n_ids) of a top-level message's own property
 * context (node d) into out[]: what libpst reads but does not keep.
 * 0 (found flags set), or -1 when the node is not a PC as [MS-PST]
 * describes it.
 */
int pw_read_pc_values(pst_file *pf, const pst_desc_tree *d, const uint16_t *ids, size_t n_ids,
                      pw_pcval *out);

#endif
