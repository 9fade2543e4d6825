/*
 * bench/gen-synthetic.c - write a synthetic recovery server for the
 * check/adjust benchmark: N store mailboxes (10% orphaned), N directory
 * recipients, N/20 public folders (10% on an unknown site, some limited)
 * with three permission entries each (5% naming unknown accounts).
 *
 * usage: gen-synthetic OUT.db [MAILBOXES] [--content S]   (default 100000)
 *
 * --content S: every S-th mailbox (0, S, 2S, ...) gets an Inbox, Sent Items
 * and Deleted Items and 1-3 small messages (about 1 KB each), the others
 * no folders and no items: every mailbox then exports, small ones, as the
 * export's scale benchmark and test want (bench/bench-scale.sh,
 * tests/t_export_scale.sh).  Without it, mailboxes only have counts (the
 * check's benchmark).
 */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mbx/store.h"

#define BASE 1790812800LL
#define DAY 86400LL

static int fail(void)
{
	fprintf(stderr, "gen-synthetic: %s\n", mbx_error_last());
	return 1;
}

static int add_recipient(mbx_store *st, const char *display, const char *alias,
                         mbx_object_class cls, const char *home, const char *guid)
{
	mbx_recipient r;
	char dn[128], smtp[128], acct[128];
	int rc;

	memset(&r, 0, sizeof(r));
	snprintf(dn, sizeof(dn), "/o=Synth/ou=HQ/cn=Recipients/cn=%s", alias);
	snprintf(smtp, sizeof(smtp), "%s@synth.example", alias);
	snprintf(acct, sizeof(acct), "SYNTH\\%s", alias);
	r.display_name = (char *)display;
	r.alias = (char *)alias;
	r.dn = dn;
	r.smtp = smtp;
	r.home_server = (char *)home;
	r.primary_account = cls == MBX_OBJ_MAILBOX ? acct : NULL;
	r.object_class = cls;
	r.mailbox_guid = (char *)guid;
	rc = mbx_store_recipient_add(st, &r, NULL);
	return rc;
}

/* Folders and 1 + i % 3 small messages for mailbox i; *items and *bytes
 * get what it holds. */
static int add_content(mbx_store *st, int64_t mid, long i, int64_t *items, int64_t *bytes)
{
	static const char *const names[] = { "Inbox", "Sent Items", "Deleted Items" };
	static const mbx_folder_role roles[] = { MBX_ROLE_INBOX, MBX_ROLE_SENT, MBX_ROLE_DELETED };
	char subject[96], body[1024], sender[64];
	int64_t fid[3];
	mbx_msg_recipient rc;
	int k, rcode;

	for (k = 0; k < 3; k++) {
		mbx_folder f;

		memset(&f, 0, sizeof(f));
		f.mailbox_id = mid;
		f.name = (char *)names[k];
		f.role = roles[k];
		if ((rcode = mbx_store_folder_add(st, &f, &fid[k])) < 0)
			return rcode;
	}
	*items = 0;
	*bytes = 0;
	for (k = 0; k < 1 + i % 3; k++) {
		mbx_message m;
		int n;

		memset(&m, 0, sizeof(m));
		snprintf(subject, sizeof(subject), "Message %d of mailbox %06ld", k + 1, i);
		snprintf(sender, sizeof(sender), "U%06ld@synth.example", (i * 31 + k) % 100000);
		n = snprintf(body, sizeof(body), "Hello,\r\n\r\nthis is message %d of synthetic mailbox %06ld. ",
		             k + 1, i);
		while (n < 900)
			n += snprintf(body + n, sizeof(body) - (size_t)n, "The quick brown fox %d. ", n);
		memset(&rc, 0, sizeof(rc));
		rc.type = MBX_RECIP_TO;
		rc.name = "Synthetic User";
		rc.address = "user@synth.example";
		rc.addrtype = "SMTP";
		m.folder_id = fid[k % 2];
		m.subject = subject;
		m.sender_name = "Sender";
		m.sender_address = sender;
		m.sender_addrtype = "SMTP";
		m.body = body;
		m.sent_time = BASE - (i % 900) * DAY - k * 3600;
		m.received_time = m.sent_time + 60;
		m.flags = MBX_MSG_READ;
		m.importance = 1;
		m.size = n + 300;
		m.recipients = &rc;
		m.n_recipients = 1;
		if ((rcode = mbx_store_message_add(st, &m, NULL)) < 0)
			return rcode;
		++*items;
		*bytes += m.size;
	}
	return 0;
}

int main(int argc, char **argv)
{
	mbx_server_info si = { "Synth", "HQ", "EXCH1", "%a@synth.example" };
	mbx_store *st = NULL;
	long n = argc > 2 ? atol(argv[2]) : 100000, i, npf, extra, content = -1;
	int64_t *pf;
	char name[96], alias[64], guid[64], ldn[128];

	if (argc == 5 && strcmp(argv[3], "--content") == 0)
		content = atol(argv[4]);
	if (argc < 2 || n < 20 || (argc > 3 && content < 1)) {
		fprintf(stderr, "usage: gen-synthetic OUT.db [MAILBOXES (>= 20)] [--content S]\n");
		return 2;
	}
	unlink(argv[1]);
	/* One transaction, written once (not through the WAL) */
	if (mbx_store_open(&st, argv[1], MBX_STORE_CREATE) < 0 || mbx_store_bulk_begin(st) < 0 ||
	    mbx_store_begin(st) < 0)
		return fail();
	if (mbx_store_server_set(st, &si) < 0 || mbx_store_known_server_add(st, "EXCH1", "HQ") < 0 ||
	    mbx_store_known_server_add(st, "EXCH2", "HQ") < 0)
		return fail();
	for (i = 0; i < n; i++) {
		mbx_mailbox mb;
		int64_t mid;

		snprintf(alias, sizeof(alias), "U%06ld", i);
		snprintf(name, sizeof(name), "User %06ld, Synthetic", i);
		snprintf(guid, sizeof(guid), "00000000-0000-4000-8000-%012ld", i);
		snprintf(ldn, sizeof(ldn), "/o=Synth/ou=HQ/cn=Recipients/cn=%s", alias);
		memset(&mb, 0, sizeof(mb));
		mb.guid = guid;
		mb.display_name = name;
		mb.legacy_dn = ldn;
		mb.item_count = content < 0 ? i % 500 : 0;
		mb.total_size = content < 0 ? (i % 500) * 20000 : 0;
		mb.created_time = BASE - (i % 1000) * DAY;
		if (mbx_store_mailbox_add(st, &mb, &mid) < 0)
			return fail();
		if (content > 0 && i % content == 0 && (add_content(st, mid, i, &mb.item_count, &mb.total_size) < 0 ||
		                    mbx_store_mailbox_refresh_counts(st, mid) < 0))
			return fail();
		/* Every tenth mailbox is orphaned; the rest are linked by GUID
		 * or, every other one, by DN alone. */
		if (i % 10 != 0 &&
		    add_recipient(st, name, alias, MBX_OBJ_MAILBOX, "EXCH1", i % 2 ? guid : NULL) < 0)
			return fail();
	}
	/* The remaining 10% of the directory: custom recipients, lists and
	 * a few mailboxes homed here with no store mailbox. */
	extra = n / 10;
	for (i = 0; i < extra; i++) {
		mbx_object_class cls = i % 10 == 0 ? MBX_OBJ_MAILBOX : i % 10 == 1 ? MBX_OBJ_DISTLIST
		                                                                   : MBX_OBJ_CUSTOM;

		snprintf(alias, sizeof(alias), "X%06ld", i);
		snprintf(name, sizeof(name), "Extra %06ld", i);
		if (add_recipient(st, name, alias, cls, cls == MBX_OBJ_MAILBOX ? "EXCH1" : NULL,
		                  NULL) < 0)
			return fail();
	}
	npf = n / 20;
	pf = calloc((size_t)npf, sizeof(*pf));
	for (i = 0; i < npf; i++) {
		mbx_public_folder f;
		mbx_permission p;
		int k;

		memset(&f, 0, sizeof(f));
		snprintf(name, sizeof(name), "Folder %05ld", i);
		f.name = name;
		f.parent_id = i >= 50 ? pf[i % 50] : 0;
		f.home_server = i % 10 == 3 ? "FAR-EX01" : "EXCH1";
		f.home_site = i % 10 == 3 ? "FARAWAY" : "HQ";
		f.limit_admin_access = i % 100 == 3;
		f.modified_time = BASE - (i % 700) * DAY;
		if (mbx_store_public_folder_add(st, &f, &pf[i]) < 0)
			return fail();
		for (k = 0; k < 3; k++) {
			memset(&p, 0, sizeof(p));
			p.folder_id = pf[i];
			if (k == 0)
				snprintf(alias, sizeof(alias), "Default");
			else if ((i * 3 + k) % 20 == 0)
				snprintf(alias, sizeof(alias), "Gone%06ld", i);
			else
				snprintf(alias, sizeof(alias), "U%06ld", (i * 7 + k) % n);
			p.account = alias;
			p.rights = k == 0 ? "Reviewer" : "Editor";
			p.granted_time = BASE - (i % 400) * DAY;
			if (mbx_store_permission_add(st, &p, NULL) < 0)
				return fail();
		}
	}
	free(pf);
	if (mbx_store_commit(st) < 0)
		return fail();
	mbx_store_free(st);
	if (content > 0)
		printf("%s: %ld mailboxes (%ld orphaned, %ld with 1-3 messages, the others empty), %ld "
		       "recipients, %ld public folders\n", argv[1], n, (n + 9) / 10, (n + content - 1) / content,
		       n - (n + 9) / 10 + extra, npf);
	else
		printf("%s: %ld mailboxes (%ld orphaned), %ld recipients, %ld public folders\n", argv[1], n,
		       (n + 9) / 10, n - (n + 9) / 10 + extra, npf);
	return 0;
}
