/*
 * tests/pst-mutate - one deterministic mutation of a PST file, for the
 * bad-input tests (tests/t_pst_mutants.sh):
 *
 *   pst-mutate SEED N IN OUT
 *
 * writes mutation number N of IN (under SEED) to OUT (created 0600) and
 * prints its kind: a truncation, bit flips, a run of garbage, a zeroed
 * 512-byte block, damaged header bytes, two blocks swapped, a block copied
 * over another, or a file of random bytes.  The same SEED, N and IN give
 * the same OUT on every machine (xorshift64*, no libc rand).
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static uint64_t state;

static uint64_t rnd(void)
{
	state ^= state >> 12;
	state ^= state << 25;
	state ^= state >> 27;
	return state * 2685821657736338717ull;
}

int main(int argc, char **argv)
{
	unsigned char *buf, tmp[512];
	const char *kind;
	size_t n, len, k, pos, run, other;
	struct stat sb;
	FILE *fp;
	int fd;
	long idx;

	if (argc != 5) {
		fprintf(stderr, "usage: pst-mutate SEED N IN OUT\n");
		return 2;
	}
	idx = atol(argv[2]);
	state = (uint64_t)strtoull(argv[1], NULL, 0) * 0x9E3779B97F4A7C15ull + (uint64_t)idx * 0xBF58476D1CE4E5B9ull + 1;
	for (k = 0; k < 8; k++)
		rnd();
	fp = fopen(argv[3], "rb");
	if (!fp || fstat(fileno(fp), &sb) < 0 || sb.st_size < 1024) {
		fprintf(stderr, "pst-mutate: cannot read %s (or it is under 1 KB)\n", argv[3]);
		return 2;
	}
	n = (size_t)sb.st_size;
	buf = malloc(n);
	if (!buf || fread(buf, 1, n, fp) != n) {
		fprintf(stderr, "pst-mutate: cannot read %s\n", argv[3]);
		return 2;
	}
	fclose(fp);
	len = n;
	switch (idx % 8) {
	case 0:
		kind = "truncated";
		len = (size_t)(rnd() % n);
		break;
	case 1:
		kind = "bit flips";
		for (k = 0, run = 1 + rnd() % 64; k < run; k++)
			buf[rnd() % n] ^= (unsigned char)(1u << (rnd() % 8));
		break;
	case 2:
		kind = "garbage run";
		pos = (size_t)(rnd() % n);
		run = 1 + (size_t)(rnd() % 4096);
		for (k = pos; k < n && k < pos + run; k++)
			buf[k] = (unsigned char)rnd();
		break;
	case 3:
		kind = "zeroed block";
		pos = (size_t)(rnd() % (n / 512)) * 512;
		memset(buf + pos, 0, n - pos < 512 ? n - pos : 512);
		break;
	case 4:
		kind = "header bytes";
		for (k = 0, run = 1 + rnd() % 8; k < run; k++)
			buf[rnd() % 564] = (unsigned char)rnd();
		break;
	case 5:
		kind = "blocks swapped";
		pos = (size_t)(rnd() % (n / 512)) * 512;
		other = (size_t)(rnd() % (n / 512)) * 512;
		if (pos + 512 <= n && other + 512 <= n) {
			memcpy(tmp, buf + pos, 512);
			memcpy(buf + pos, buf + other, 512);
			memcpy(buf + other, tmp, 512);
		}
		break;
	case 6:
		kind = "block copied";
		pos = (size_t)(rnd() % (n / 512)) * 512;
		other = (size_t)(rnd() % (n / 512)) * 512;
		if (pos + 512 <= n && other + 512 <= n)
			memmove(buf + pos, buf + other, 512);
		break;
	default:
		kind = "random bytes";
		len = 512 + (size_t)(rnd() % 65536);
		if (len > n)
			len = n;
		for (k = 0; k < len; k++)
			buf[k] = (unsigned char)rnd();
		break;
	}
	fd = open(argv[4], O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || (len && write(fd, buf, len) != (ssize_t)len) || close(fd) < 0) {
		perror(argv[4]);
		return 2;
	}
	printf("%s\n", kind);
	free(buf);
	return 0;
}
