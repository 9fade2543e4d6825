/*
 * bench/pstprop-read.c - read every property of every object of a PST with
 * the property-level reader (mbx/pstprop.h), attachment data included, and
 * print what was read and how long it took: the reader's own speed, with
 * no dump formatting.  Usage: bench/pstprop-read FILE.pst
 */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "mbx/common.h"
#include "mbx/pstprop.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

typedef struct tally {
	unsigned long long msgs, props, rcpts, atts, bytes;
} tally;

static void msg(mbx_pstprop *p, const mbx_pstprop_msg *m, tally *t, unsigned char *buf)
{
	size_t i;

	t->msgs++;
	t->props += m->bag.props.n;
	t->rcpts += m->nrcpt;
	for (i = 0; i < m->nrcpt; i++)
		t->props += m->rcpt[i].props.n;
	for (i = 0; i < m->natt; i++) {
		uint64_t off = 0;
		size_t got;

		t->atts++;
		t->props += m->att[i].bag.props.n;
		while (mbx_pstprop_attach_read(p, &m->att[i], off, buf, 65536, &got) == 0 && got)
			off += got;
		t->bytes += off;
		if (m->att[i].embedded)
			msg(p, m->att[i].embedded, t, buf);
	}
}

int main(int argc, char **argv)
{
	mbx_pstprop *p;
	double t0 = now(), t1;
	tally t = { 0, 0, 0, 0, 0 };
	unsigned char *buf = mbx_malloc(65536);
	size_t f, i;
	int a;

	if (argc != 2) {
		fprintf(stderr, "usage: %s FILE.pst\n", argv[0]);
		return 2;
	}
	if (mbx_pstprop_open(&p, argv[1], 0) < 0) {
		fprintf(stderr, "%s\n", mbx_error_last());
		return 2;
	}
	t1 = now();
	for (f = 0; f < mbx_pstprop_folder_count(p); f++) {
		const mbx_pstprop_folder *fo = mbx_pstprop_folder_at(p, f);
		uint32_t nid = fo->nid;

		t.props += fo->bag.props.n;
		for (a = 0; a < 2; a++) {
			uint32_t *nids;
			size_t n;

			mbx_pstprop_folder_contents(p, nid, a, &nids, &n);
			for (i = 0; i < n; i++) {
				mbx_pstprop_msg *m;

				if (mbx_pstprop_message_read(p, nids[i], &m) == 0) {
					msg(p, m, &t, buf);
					mbx_pstprop_message_free(m);
				}
			}
			mbx_free(nids);
		}
	}
	printf("%s: %s; open %.2f s, all read in %.2f s: %zu folders, %llu messages, %llu recipients, %llu attachments "
	       "(%llu bytes), %llu properties, %zu damage reports\n", argv[1], mbx_pstprop_info_get(p)->description,
	       t1 - t0, now() - t0, mbx_pstprop_folder_count(p), t.msgs, t.rcpts, t.atts, t.bytes, t.props,
	       mbx_pstprop_damage_count(p));
	mbx_pstprop_free(p);
	mbx_free(buf);
	return 0;
}
