/*
 * tests/export-genmbx - add a synthetic mailbox to a store, for the export
 * tests and bench/bench-export.sh:
 *
 *   export-genmbx DB ALIAS DISPLAY NMSG ATT_KB [--orphan] [--fai N] [--deep N]
 *
 * The mailbox gets a directory entry with ALIAS (any bytes: hostile names
 * are the point) unless --orphan, folders Inbox, Deleted Items and
 * Inbox/Data, and NMSG messages spread over them, each with one attachment
 * of ATT_KB KiB of incompressible data (0: no attachment).  --fai adds N
 * associated items to the Inbox; --deep makes a chain of N nested folders
 * below Inbox holding one message at the bottom.
 */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mbx/store.h"

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

static int fail(const char *what)
{
	fprintf(stderr, "export-genmbx: %s: %s\n", what, mbx_error_last());
	return 1;
}

int main(int argc, char **argv)
{
	mbx_store *st;
	mbx_server_info si;
	mbx_recipient r;
	mbx_mailbox mb;
	mbx_folder f;
	int64_t mid, fid[3], deep_parent;
	long nmsg, attkb, i, fai = 0, deep = 0;
	int orphan = 0, a;
	uint64_t seed = 0x9E3779B97F4A7C15ULL;
	char guid[40], *dn;
	unsigned char *data = NULL;

	if (argc < 6) {
		fprintf(stderr, "usage: export-genmbx DB ALIAS DISPLAY NMSG ATT_KB [--orphan] [--fai N] [--deep N]\n");
		return 2;
	}
	nmsg = atol(argv[4]);
	attkb = atol(argv[5]);
	for (a = 6; a < argc; a++) {
		if (strcmp(argv[a], "--orphan") == 0)
			orphan = 1;
		else if (strcmp(argv[a], "--fai") == 0 && a + 1 < argc)
			fai = atol(argv[++a]);
		else if (strcmp(argv[a], "--deep") == 0 && a + 1 < argc)
			deep = atol(argv[++a]);
	}
	if (mbx_store_open(&st, argv[1], MBX_STORE_CREATE) < 0)
		return fail(argv[1]);
	memset(&si, 0, sizeof(si));
	if (mbx_store_server_get(st, &si) < 0 || !si.server) {
		mbx_server_info_clear(&si);
		si.organization = mbx_strdup("Contoso");
		si.site = mbx_strdup("HQ");
		si.server = mbx_strdup("EXCH1");
		si.smtp_policy = mbx_strdup("%a@contoso.com");
		if (mbx_store_server_set(st, &si) < 0)
			return fail("server");
	}
	{
		const unsigned char *p = (const unsigned char *)argv[2];

		for (; *p; p++)   /* FNV-1a of the alias: one GUID per alias */
			seed = (seed ^ *p) * 0x100000001b3ULL;
	}
	snprintf(guid, sizeof(guid), "%08llx-0000-4000-8000-%012llx",
	         (unsigned long long)(rnd(&seed) & 0xffffffffu),
	         (unsigned long long)(rnd(&seed) & 0xffffffffffffULL));
	/* The DN's cn must not contain '/', whatever the alias holds. */
	dn = mbx_asprintf("/o=%s/ou=%s/cn=Recipients/cn=gen%s", si.organization, si.site, guid);
	if (mbx_store_begin(st) < 0)
		return fail("begin");
	if (!orphan) {
		memset(&r, 0, sizeof(r));
		r.display_name = argv[3];
		r.alias = argv[2];
		r.dn = dn;
		r.smtp = mbx_asprintf("gen%s@contoso.com", guid);
		r.home_server = si.server;
		r.object_class = MBX_OBJ_MAILBOX;
		r.mailbox_guid = guid;
		r.legacy_dn = dn;
		if (mbx_store_recipient_add(st, &r, NULL) < 0)
			return fail("recipient");
		mbx_free(r.smtp);
	}
	memset(&mb, 0, sizeof(mb));
	mb.guid = guid;
	mb.display_name = argv[3];
	mb.legacy_dn = dn;
	mb.created_time = 1700000000;
	if (mbx_store_mailbox_add(st, &mb, &mid) < 0)
		return fail("mailbox");
	{
		static const char *names[] = { "Inbox", "Deleted Items", "Data" };
		static const mbx_folder_role roles[] = { MBX_ROLE_INBOX, MBX_ROLE_DELETED, MBX_ROLE_NONE };

		for (i = 0; i < 3; i++) {
			memset(&f, 0, sizeof(f));
			f.mailbox_id = mid;
			f.parent_id = i == 2 ? fid[0] : 0;
			f.name = (char *)names[i];
			f.container_class = "IPF.Note";
			f.role = roles[i];
			if (mbx_store_folder_add(st, &f, &fid[i]) < 0)
				return fail("folder");
		}
	}
	deep_parent = fid[0];
	for (i = 0; i < deep; i++) {
		char name[32];

		snprintf(name, sizeof(name), "Level %ld", i + 1);
		memset(&f, 0, sizeof(f));
		f.mailbox_id = mid;
		f.parent_id = deep_parent;
		f.name = name;
		f.container_class = "IPF.Note";
		if (mbx_store_folder_add(st, &f, &deep_parent) < 0)
			return fail("deep folder");
	}
	if (attkb > 0)
		data = malloc((size_t)attkb * 1024);
	for (i = 0; i < nmsg + fai + (deep ? 1 : 0); i++) {
		mbx_message m;
		mbx_msg_recipient rc = { MBX_RECIP_TO, "Receiver", "receiver@contoso.com", "SMTP", MBX_PROPS_INIT };
		mbx_attachment at;
		char subject[64], fname[64];
		size_t k;

		memset(&m, 0, sizeof(m));
		m.associated = i >= nmsg && i < nmsg + fai;
		if (i >= nmsg + fai)
			m.folder_id = deep_parent;
		else
			m.folder_id = m.associated ? fid[0] : fid[i % 3];
		snprintf(subject, sizeof(subject), "Synthetic message %ld", i + 1);
		m.message_class = m.associated ? "IPM.Microsoft.FolderDesign.NamedView" : "IPM.Note";
		m.subject = subject;
		m.sender_name = "Generator";
		m.sender_address = "generator@contoso.com";
		m.sender_addrtype = "SMTP";
		m.sent_time = 1700000000 + i * 3600;
		m.received_time = m.sent_time + 60;
		m.flags = MBX_MSG_READ | (m.associated ? MBX_MSG_ASSOCIATED : 0);
		m.importance = 1;
		m.body = "Synthetic body for the export tests.\r\n";
		m.size = 1000 + (attkb > 0 && !m.associated ? attkb * 1024 : 0);
		m.recipients = &rc;
		m.n_recipients = 1;
		if (attkb > 0 && !m.associated) {
			for (k = 0; k + 8 <= (size_t)attkb * 1024; k += 8) {
				uint64_t v = rnd(&seed);

				memcpy(data + k, &v, 8);
			}
			snprintf(fname, sizeof(fname), "data-%ld.bin", i + 1);
			memset(&at, 0, sizeof(at));
			at.filename = fname;
			at.mime_type = "application/octet-stream";
			at.size = attkb * 1024;
			at.data = data;
			m.attachments = &at;
			m.n_attachments = 1;
			m.flags |= MBX_MSG_HASATTACH;
		}
		if (mbx_store_message_add(st, &m, NULL) < 0)
			return fail("message");
	}
	if (mbx_store_mailbox_refresh_counts(st, mid) < 0 || mbx_store_commit(st) < 0)
		return fail("commit");
	free(data);
	mbx_free(dn);
	mbx_server_info_clear(&si);
	mbx_store_free(st);
	return 0;
}
