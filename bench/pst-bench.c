/*
 * bench/pst-bench - write a synthetic mailbox with the PST writer and
 * report its speed and peak memory (not a test: see bench/bench-pst.sh).
 *
 *   pst-bench OUT.pst [MESSAGES [ATTACH_EVERY]]
 *
 * 50,000 messages by default, bodies of 0.5-10.5 KB, an attachment of
 * 4-60 KB every 3rd message (about 1 GB in all), 20 folders, 1-5
 * recipients; all from a fixed seed, so every run writes the same file.
 * Text and data are slices of pools made once, so that the time measured
 * is the writer's, not the generator's.
 * Prints: messages, bytes, seconds, MB/s, messages/s, peak RSS (KB).
 */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include "mbx/pst.h"

static uint32_t rnd(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(*s >> 33);
}

static int die(const char *what)
{
	fprintf(stderr, "pst-bench: %s: %s\n", what, mbx_error_last());
	return 1;
}

int main(int argc, char **argv)
{
	static const char words[][10] = { "report", "meeting", "budget", "server", "mailbox", "restore",
	                                  "quarter", "schedule", "backup", "invoice", "project", "update" };
	long nmsg = argc > 2 ? atol(argv[2]) : 50000, every = argc > 3 ? atol(argv[3]) : 3, i;
	char *pool = malloc(1 << 20), *body = malloc(512 + 10000 + 1);
	unsigned char *att = malloc(1 << 20);
	mbx_pst_nid folders[20];
	uint64_t seed = 42;
	struct timespec t0, t1;
	struct rusage ru;
	mbx_pst_opts o;
	mbx_pst *pst;
	double secs;
	int64_t size;

	if (argc < 2) {
		fprintf(stderr, "usage: pst-bench OUT.pst [MESSAGES [ATTACH_EVERY]]\n");
		return 2;
	}
	for (i = 0; i < (1 << 20); i++) {
		uint32_t r = rnd(&seed);

		pool[i] = (char)(r % 7 == 0 ? ' ' : 'a' + r % 26);
		att[i] = (unsigned char)(r >> 8);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	mbx_pst_opts_init(&o);
	o.display_name = "Benchmark mailbox";
	if (mbx_pst_create(&pst, argv[1], &o))
		return die("create");
	for (i = 0; i < 20; i++) {
		char name[32];

		snprintf(name, sizeof(name), "Folder %02ld", i);
		if (mbx_pst_folder_add(pst, i < 5 ? mbx_pst_top_folder(pst) : folders[i % 5], name, NULL, &folders[i]))
			return die("folder");
	}
	for (i = 0; i < nmsg; i++) {
		mbx_pst_message_props p;
		mbx_pst_msg *m;
		char subject[96], sender[64];
		size_t blen = 512 + rnd(&seed) % 10000;
		uint32_t r, nrec = 1 + rnd(&seed) % 5;

		memcpy(body, pool + rnd(&seed) % ((1 << 20) - blen), blen);
		body[blen] = 0;
		snprintf(subject, sizeof(subject), "%s %s #%ld", words[rnd(&seed) % 12], words[rnd(&seed) % 12], i);
		snprintf(sender, sizeof(sender), "user%u@example.com", rnd(&seed) % 1000);
		memset(&p, 0, sizeof(p));
		p.subject = subject;
		p.sender_name = sender;
		p.sender_address = sender;
		p.body = body;
		p.submit_time = 1500000000 + i * 60;
		p.delivery_time = p.submit_time + 5;
		p.importance = 1;
		p.flags = i % 4 ? 1 : 0;
		if (mbx_pst_message_begin(pst, folders[rnd(&seed) % 20], &p, &m))
			return die("message");
		for (r = 0; r < nrec; r++) {
			char addr[64];
			mbx_pst_recipient rc = { 1 + (int)(r % 3), addr, addr, NULL, NULL };

			snprintf(addr, sizeof(addr), "rcpt%u@example.com", rnd(&seed) % 5000);
			if (mbx_pst_message_add_recipient(m, &rc))
				return die("recipient");
		}
		if (every > 0 && i % every == 0) {
			mbx_pst_attach_props ap = { "attachment.bin", "application/octet-stream", -1, 0, NULL };
			size_t left = 4096 + rnd(&seed) % (56 * 1024);

			if (mbx_pst_attach_begin(m, &ap))
				return die("attachment");
			while (left > 0) {
				size_t n = left < 16384 ? left : 16384;

				if (mbx_pst_attach_write(m, att + rnd(&seed) % ((1 << 20) - n), n))
					return die("attachment data");
				left -= n;
			}
			if (mbx_pst_attach_end(m))
				return die("attachment end");
		}
		if (mbx_pst_message_end(m, NULL))
			return die("message end");
	}
	size = mbx_pst_size(pst);
	if (mbx_pst_close(pst))
		return die("close");
	mbx_pst_free(pst);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	getrusage(RUSAGE_SELF, &ru);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("messages %ld bytes %lld seconds %.2f MB/s %.1f messages/s %.0f peak_rss_kb %ld\n", nmsg,
	       (long long)size, secs, (double)size / 1048576.0 / secs, (double)nmsg / secs, ru.ru_maxrss);
	free(pool);
	free(body);
	free(att);
	return 0;
}
