/*
 * tests/desc_msg.c - one message of the store in the description format of
 * tests/PSTDESC.md (M, R, E and A lines), shared by export-desc and
 * search-desc: what a PST written from the store must hold.
 */
#include "config.h"
#include <nettle/sha2.h>
#include <stdio.h>
#include <string.h>
#include "mbx/store.h"
#include "test_util.h"
#include "desc_msg.h"

static void sha256_hex(const void *data, size_t len, char out[65])
{
	struct sha256_ctx c;
	uint8_t d[SHA256_DIGEST_SIZE];
	int i;

	sha256_init(&c);
	sha256_update(&c, len, data);
	sha256_digest(&c, sizeof(d), d);
	for (i = 0; i < SHA256_DIGEST_SIZE; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

static void attachment_sha(mbx_store *st, const mbx_attachment *a, char out[65])
{
	struct sha256_ctx c;
	uint8_t d[SHA256_DIGEST_SIZE];
	static unsigned char buf[1 << 16];
	int64_t off = 0;
	int i;

	sha256_init(&c);
	while (off < a->size) {
		size_t got = 0;

		if (mbx_store_attachment_read(st, a->id, off, buf, sizeof(buf), &got) < 0 || got == 0)
			break;
		sha256_update(&c, got, buf);
		off += (int64_t)got;
	}
	sha256_digest(&c, sizeof(d), d);
	for (i = 0; i < SHA256_DIGEST_SIZE; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

static const char *rtype(mbx_recip_type t)
{
	return t == MBX_RECIP_CC ? "cc" : t == MBX_RECIP_BCC ? "bcc" : "to";
}

void test_describe_message(mbx_store *st, const char *path, const mbx_message *m)
{
	char hex[65];
	size_t i;

	fputs("M\t", stdout);
	test_put_text(path);
	putchar('\t');
	test_put_text(m->subject);
	putchar('\t');
	test_put_text(m->sender_name);
	putchar('\t');
	test_put_text(m->sender_address);
	putchar('\t');
	test_put_text(m->message_class ? m->message_class : "IPM.Note");
	if (m->body && *m->body) {
		sha256_hex(m->body, strlen(m->body), hex);
		printf("\t%s", hex);
	} else {
		fputs("\t-", stdout);
	}
	printf("\t%zu\t%zu\n", m->n_recipients, m->n_attachments);
	for (i = 0; i < m->n_recipients; i++) {
		fputs("R\t", stdout);
		test_put_text(path);
		putchar('\t');
		test_put_text(m->subject);
		printf("\t%s\t", rtype(m->recipients[i].type));
		test_put_text(m->recipients[i].name);
		putchar('\t');
		test_put_text(m->recipients[i].address);
		putchar('\n');
	}
	for (i = 0; i < m->n_attachments; i++) {
		const mbx_attachment *a = &m->attachments[i];

		if (a->embedded) {
			fputs("E\t", stdout);
			test_put_text(path);
			putchar('\t');
			test_put_text(m->subject);
			putchar('\t');
			test_put_text(a->embedded->subject);
			printf("\t%zu\t%zu\n", a->embedded->n_recipients, a->embedded->n_attachments);
			continue;
		}
		attachment_sha(st, a, hex);
		fputs("A\t", stdout);
		test_put_text(path);
		putchar('\t');
		test_put_text(m->subject);
		putchar('\t');
		test_put_text(a->filename);
		printf("\t%lld\t%s\n", (long long)a->size, hex);
	}
}
