/*
 * core/pst/ltp_bth.c - B-tree-on-heap ([MS-PST] 2.3.2).  Records are
 * packed into leaf allocations of at most 3,580 bytes; when there is more
 * than one leaf, index levels of (first key, HID) records are added until
 * one allocation holds the top.
 */
#include <string.h>

#include "mbx/common.h"
#include "pst/pst_int.h"

/* Pack n records of rs bytes into allocations; hids/keys of each out. */
static int level_write(pst_heap *h, const unsigned char *recs, size_t n, size_t rs, size_t cbkey,
                       unsigned char **next, size_t *nnext)
{
	size_t per = PST_HEAP_ALLOC_MAX / rs, i, cnt = (n + per - 1) / per;
	unsigned char *up = mbx_malloc(cnt * (cbkey + 4) + 1);
	int rc = 0;

	for (i = 0; rc == 0 && i < cnt; i++) {
		size_t first = i * per, m = n - first < per ? n - first : per;
		uint32_t hid;

		rc = pst_heap_alloc(h, recs + first * rs, m * rs, &hid);
		memcpy(up + i * (cbkey + 4), recs + first * rs, cbkey);
		pst_put32(up + i * (cbkey + 4) + cbkey, hid);
	}
	*next = up;
	*nnext = cnt;
	return rc;
}

int pst_bth_build(pst_heap *h, uint8_t cbkey, uint8_t cbent, const unsigned char *recs,
                  size_t n, uint32_t hdr)
{
	unsigned char head[8];
	unsigned char *cur = NULL;
	size_t ncur = n, rs = (size_t)cbkey + cbent;
	uint8_t levels = 0;
	uint32_t root = 0;
	int rc = 0;

	if (n > 0) {
		const unsigned char *in = recs;

		for (;;) {
			unsigned char *next;
			size_t nnext;

			rc = level_write(h, in, ncur, rs, cbkey, &next, &nnext);
			mbx_free(cur);
			cur = next;
			if (rc || nnext == 1)
				break;
			/* another index level over these allocations */
			levels++;
			in = cur;
			ncur = nnext;
			rs = (size_t)cbkey + 4;
		}
		if (rc == 0)
			root = pst_get32(cur + cbkey);
		mbx_free(cur);
	}
	if (rc)
		return rc;
	head[0] = PST_BTYPE_BTH;
	head[1] = cbkey;
	head[2] = cbent;
	head[3] = levels;
	pst_put32(head + 4, root);
	return pst_heap_patch(h, hdr, head, sizeof(head));
}

/* The sizes of the allocations pst_bth_build makes for n records, in the
 * order it makes them (the header is reserved before); returns their
 * count (at most max). */
size_t pst_bth_alloc_sizes(uint8_t cbkey, uint8_t cbent, size_t n, size_t *sizes, size_t max)
{
	size_t rs = (size_t)cbkey + cbent, k = 0;

	while (n > 0) {
		size_t per = PST_HEAP_ALLOC_MAX / rs, cnt = (n + per - 1) / per, i;

		for (i = 0; i < cnt && k < max; i++)
			sizes[k++] = (i + 1 < cnt ? per : n - i * per) * rs;
		if (cnt == 1)
			break;
		n = cnt;
		rs = (size_t)cbkey + 4;
	}
	return k;
}
