/*
 * bench/gen-import.c - a recovery server with one large mailbox for the
 * import benchmark (bench/bench-import.sh): the mailbox is exported to a
 * PST by mbxrescue, then that PST is imported again and timed against
 * readpst on the same file.
 *
 * usage: gen-import OUT.db [MESSAGES [ATTACHMENT_MB]]   (default 20000, 1000)
 *
 * Mailbox BENCH (with its directory entry) gets MESSAGES messages over ten
 * folders, each with a body of about 1 KB and three recipients; every
 * tenth message carries an attachment of incompressible bytes, sized so
 * that all attachments together are ATTACHMENT_MB megabytes.
 */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mbx/store.h"

#define BASE 1790812800LL

static int fail(void)
{
	fprintf(stderr, "gen-import: %s\n", mbx_error_last());
	return 1;
}

int main(int argc, char **argv)
{
	static const char *const folders[] = { "Inbox", "Sent Items", "Deleted Items", "Drafts",
		"Projects", "Projects/2024", "Projects/2025", "Customers", "Customers/North",
		"Archive" };
	static const int parent[10] = { -1, -1, -1, -1, -1, 4, 4, -1, 7, -1 };
	mbx_server_info si = { "Bench", "HQ", "EXCH1", "%a@bench.example" };
	mbx_store *st = NULL;
	mbx_recipient r;
	mbx_mailbox mb;
	long n = argc > 2 ? atol(argv[2]) : 20000, i;
	long mb_total = argc > 3 ? atol(argv[3]) : 1000;
	int64_t mbx_id, fid[10], att_size;
	mbx_msg_recipient rc[3];
	unsigned char *data;
	uint64_t x = 88172645463325252ull;
	char body[1200];
	size_t k;

	if (argc < 2 || n < 10 || mb_total < 0) {
		fprintf(stderr, "usage: gen-import OUT.db [MESSAGES (>= 10) [ATTACHMENT_MB]]\n");
		return 2;
	}
	att_size = mb_total * 1048576 / (n / 10);
	data = malloc((size_t)att_size + 1);
	if (!data)
		return 1;
	unlink(argv[1]);
	if (mbx_store_open(&st, argv[1], MBX_STORE_CREATE) < 0 || mbx_store_begin(st) < 0 ||
	    mbx_store_server_set(st, &si) < 0)
		return fail();
	memset(&mb, 0, sizeof(mb));
	mb.guid = "b3c1e5d2-0000-4000-8000-0000000be7c4";
	mb.display_name = "Bench, Mailbox";
	mb.legacy_dn = "/o=Bench/ou=HQ/cn=Recipients/cn=BENCH";
	mb.created_time = BASE;
	if (mbx_store_mailbox_add(st, &mb, &mbx_id) < 0)
		return fail();
	memset(&r, 0, sizeof(r));
	r.display_name = "Bench, Mailbox";
	r.alias = "BENCH";
	r.dn = "/o=Bench/ou=HQ/cn=Recipients/cn=BENCH";
	r.smtp = "bench@bench.example";
	r.home_server = "EXCH1";
	r.primary_account = "BENCH\\bench";
	r.mailbox_guid = mb.guid;
	r.legacy_dn = mb.legacy_dn;
	if (mbx_store_recipient_add(st, &r, NULL) < 0)
		return fail();
	for (k = 0; k < 10; k++) {
		mbx_folder f;
		const char *slash = strrchr(folders[k], '/');

		memset(&f, 0, sizeof(f));
		f.mailbox_id = mbx_id;
		f.parent_id = parent[k] >= 0 ? fid[parent[k]] : 0;
		f.name = (char *)(slash ? slash + 1 : folders[k]);
		f.container_class = "IPF.Note";
		f.role = mbx_folder_role_parse(f.name);
		if (mbx_store_folder_add(st, &f, &fid[k]) < 0)
			return fail();
	}
	for (k = 0; k < sizeof(body) - 1; k++)
		body[k] = "Quarterly figures and the notes from Monday's meeting. "[k % 56];
	body[sizeof(body) - 1] = '\0';
	rc[0] = (mbx_msg_recipient){ MBX_RECIP_TO, "Bench, Mailbox", "bench@bench.example", "SMTP", MBX_PROPS_INIT };
	rc[1] = (mbx_msg_recipient){ MBX_RECIP_TO, "Müller, Jürgen", "jmueller@bench.example", "SMTP", MBX_PROPS_INIT };
	rc[2] = (mbx_msg_recipient){ MBX_RECIP_CC, "田中 由紀", "ytanaka@bench.example", "SMTP", MBX_PROPS_INIT };
	for (i = 0; i < n; i++) {
		mbx_message m;
		mbx_attachment a;
		char subject[96], msgid[96], fname[64];

		memset(&m, 0, sizeof(m));
		snprintf(subject, sizeof(subject), "Bench message %ld – Übersicht", i);
		snprintf(msgid, sizeof(msgid), "<bench.%ld@bench.example>", i);
		m.folder_id = fid[i % 10];
		m.message_class = "IPM.Note";
		m.subject = subject;
		m.sender_name = "Sender, Some";
		m.sender_address = "sender@bench.example";
		m.sender_addrtype = "SMTP";
		m.sent_time = BASE - i * 600;
		m.received_time = m.sent_time + 30;
		m.flags = i % 3 ? MBX_MSG_READ : 0;
		m.importance = 1;
		m.body = body;
		m.internet_message_id = msgid;
		m.recipients = rc;
		m.n_recipients = 3;
		if (i % 10 == 0 && att_size > 0) {
			for (k = 0; k < (size_t)att_size; k++) {
				x ^= x << 13;
				x ^= x >> 7;
				x ^= x << 17;
				data[k] = (unsigned char)x;
			}
			snprintf(fname, sizeof(fname), "report-%ld.bin", i);
			memset(&a, 0, sizeof(a));
			a.filename = fname;
			a.mime_type = "application/octet-stream";
			a.size = att_size;
			a.data = data;
			m.attachments = &a;
			m.n_attachments = 1;
			m.flags |= MBX_MSG_HASATTACH;
		}
		if (mbx_store_message_add(st, &m, NULL) < 0)
			return fail();
	}
	if (mbx_store_mailbox_refresh_counts(st, mbx_id) < 0 || mbx_store_commit(st) < 0)
		return fail();
	mbx_store_free(st);
	free(data);
	printf("%s: mailbox BENCH, %ld messages, %ld attachments of %lld bytes\n", argv[1], n, n / 10,
	       (long long)att_size);
	return 0;
}
