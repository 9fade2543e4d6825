/*
 * tests/t_demo.c - the bundled demo server (core/demo/demo.c, mbx/demo.h)
 * read back through the store's API: what data/demo-server.md documents
 * (the organization, 12 store mailboxes of which 5 are orphaned, "Smith,
 * John"/JSmith among them, 13 directory entries, 13 folders a mailbox,
 * 518 messages with 24 FAI items, 20 attachments over 100 KB, the one
 * embedded message, 9 public folders, 17 permissions, the 17
 * inconsistencies `check` reports), that it is deterministic (two builds
 * hold the same content, byte for byte through the API), and the file
 * handling (replacing, 0600, no leftovers, bad paths, mbx_demo_is_demo).
 */
#include "config.h"

#include <dirent.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mbx/check.h"
#include "mbx/demo.h"
#include "mbx/store.h"
#include "tap.h"

static char tmpdir[] = "/tmp/t_demo.XXXXXX";

/* ---- A digest of everything the API gives, and counts on the way ------- */

typedef struct tally {
	struct sha256_ctx sha;
	mbx_store *st;
	int64_t folders, messages, fai, embedded, attachments, big_attachments, html, recipients;
	int64_t rcpt_type[4];      /* To, Cc, Bcc seen (index 1..3) */
	int64_t contacts_with_recipients, appointments_with_start, item_count_sum;
	int embedded_ok;           /* JSmith's forwarded contract, as documented */
} tally;

static void h_str(tally *t, const char *s)
{
	/* NULL and "" differ; every field ends with a separator */
	if (s)
		sha256_update(&t->sha, strlen(s) + 1, (const uint8_t *)s);
	else
		sha256_update(&t->sha, 1, (const uint8_t *)"\x01");
}

static void h_int(tally *t, int64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", (long long)v);
	h_str(t, buf);
}

static void h_message(tally *t, const mbx_message *m, int depth);

/* A bag by its packed form. */
static void h_bag(tally *t, const mbx_props *b)
{
	unsigned char *p = NULL;
	size_t len = 0, cap = 0;

	mbx_props_pack(b, &p, &len, &cap);
	h_int(t, (int64_t)len);
	sha256_update(&t->sha, len, p);
	mbx_free(p);
}

static void h_attachment(tally *t, const mbx_attachment *a, int depth)
{
	unsigned char buf[65536];
	int64_t off = 0;
	size_t got;

	h_str(t, a->filename);
	h_str(t, a->mime_type);
	h_int(t, a->size);
	t->attachments++;
	if (a->size > 100 * 1024)
		t->big_attachments++;
	if (a->embedded) {
		t->embedded++;
		h_message(t, a->embedded, depth + 1);
		return;
	}
	while (off < a->size) {
		if (mbx_store_attachment_read(t->st, a->id, off, buf, sizeof(buf), &got) < 0 || got == 0) {
			h_str(t, "short read");
			return;
		}
		sha256_update(&t->sha, got, buf);
		off += (int64_t)got;
	}
}

static void h_message(tally *t, const mbx_message *m, int depth)
{
	size_t i;

	h_int(t, depth);
	h_str(t, m->message_class);
	h_str(t, m->subject);
	h_str(t, m->sender_name);
	h_str(t, m->sender_address);
	h_str(t, m->sender_addrtype);
	h_int(t, m->sent_time);
	h_int(t, m->received_time);
	h_int(t, m->flags);
	h_int(t, m->flag_status);
	h_int(t, m->importance);
	h_int(t, m->associated);
	h_str(t, m->body);
	h_str(t, m->html_body);
	h_str(t, m->transport_headers);
	h_str(t, m->internet_message_id);
	h_int(t, m->size);
	h_str(t, m->content_hash);
	t->html += m->html_body != NULL;
	for (i = 0; i < m->n_recipients; i++) {
		h_int(t, m->recipients[i].type);
		h_str(t, m->recipients[i].name);
		h_str(t, m->recipients[i].address);
		h_str(t, m->recipients[i].addrtype);
		if (m->recipients[i].type >= MBX_RECIP_TO && m->recipients[i].type <= MBX_RECIP_BCC)
			t->rcpt_type[m->recipients[i].type]++;
	}
	t->recipients += (int64_t)m->n_recipients;
	h_bag(t, &m->bag);
	for (i = 0; i < m->n_recipients; i++)
		h_bag(t, &m->recipients[i].bag);
	for (i = 0; i < m->n_attachments; i++) {
		h_bag(t, &m->attachments[i].bag);
		h_attachment(t, &m->attachments[i], depth);
	}
}

/* JSmith's Inbox holds "FW: Contract draft v3" carrying the embedded
 * "Contract draft v3", which has its own attachment contract-v3.txt. */
static int is_forwarded_contract(tally *t, const mbx_message *m)
{
	const mbx_message *in;
	char buf[64] = "";
	size_t got = 0;

	if (!m->subject || strcmp(m->subject, "FW: Contract draft v3") != 0 || m->n_attachments != 1 ||
	    !(in = m->attachments[0].embedded))
		return 0;
	if (!in->subject || strcmp(in->subject, "Contract draft v3") != 0 || in->n_attachments != 1 ||
	    !in->attachments[0].filename || strcmp(in->attachments[0].filename, "contract-v3.txt") != 0 ||
	    in->n_recipients != 1 || strcmp(in->recipients[0].name, "Adams, Mary") != 0)
		return 0;
	if (mbx_store_attachment_read(t->st, in->attachments[0].id, 0, buf, sizeof(buf) - 1, &got) < 0)
		return 0;
	buf[got] = '\0';
	return strncmp(buf, "CONTRACT DRAFT v3\n", 18) == 0 && (int64_t)got == in->attachments[0].size;
}

static int walk_mailbox(tally *t, const mbx_mailbox *mb, int *paths_ok)
{
	static const char *const want_paths[] = {
		"Calendar", "Contacts", "Deleted Items", "Drafts", "Inbox", "Inbox/Projects",
		"Inbox/Projects/Archive 2025", "Inbox/Rechnungen", "Journal", "Notes", "Outbox",
		"Sent Items", "Tasks"
	};
	mbx_folder *f = NULL;
	size_t nf = 0, i, k;
	int rc;

	h_int(t, mb->id);
	h_str(t, mb->guid);
	h_str(t, mb->display_name);
	h_str(t, mb->legacy_dn);
	h_str(t, mb->alias);
	h_int(t, mb->item_count);
	h_int(t, mb->total_size);
	h_int(t, mb->last_logon);
	h_int(t, mb->created_time);
	h_int(t, mb->recipient_id);
	t->item_count_sum += mb->item_count;
	rc = mbx_store_folders(t->st, mb->id, &f, &nf);
	if (rc < 0)
		return rc;
	t->folders += (int64_t)nf;
	/* the 13 documented folders, each once */
	for (k = 0; k < sizeof(want_paths) / sizeof(want_paths[0]); k++) {
		int found = 0;

		for (i = 0; i < nf; i++)
			found += f[i].path && strcmp(f[i].path, want_paths[k]) == 0;
		if (found != 1)
			*paths_ok = 0;
	}
	for (i = 0; rc == 0 && i < nf; i++) {
		mbx_msg_iter *it = NULL;
		mbx_message *m;

		h_int(t, f[i].id);
		h_int(t, f[i].parent_id);
		h_str(t, f[i].name);
		h_str(t, f[i].container_class);
		h_int(t, f[i].role);
		h_int(t, f[i].message_count);
		h_int(t, f[i].unread_count);
		h_str(t, f[i].path);
		rc = mbx_store_messages(t->st, f[i].id, &it);
		while (rc == 0 && (rc = mbx_msg_iter_next(it, &m)) == 1) {
			rc = 0;
			t->messages++;
			t->fai += m->associated != 0;
			if (f[i].role == MBX_ROLE_CONTACTS && m->n_recipients)
				t->contacts_with_recipients++;
			if (f[i].role == MBX_ROLE_CALENDAR && !m->associated &&
			    mbx_props_get(&m->bag, &MBX_LIDKEY(MBX_PSETID_APPOINTMENT, 0x820D)))
				t->appointments_with_start++;
			if (mb->alias && strcmp(mb->alias, "JSmith") == 0 && f[i].role == MBX_ROLE_INBOX &&
			    is_forwarded_contract(t, m))
				t->embedded_ok++;
			h_message(t, m, 0);
			mbx_message_free(m);
		}
		mbx_msg_iter_free(it);
	}
	mbx_folders_free(f, nf);
	return rc < 0 ? rc : 0;
}

/* Everything of the store at path into t (digest and counts). */
static int walk(const char *path, tally *t, unsigned char digest[SHA256_DIGEST_SIZE])
{
	mbx_server_info si;
	mbx_recipient *r = NULL;
	mbx_mailbox *mb = NULL;
	mbx_public_folder *pf = NULL;
	mbx_permission *pm = NULL;
	size_t nr = 0, nm = 0, npf = 0, np = 0, i;
	int rc, paths_ok = 1;

	memset(t, 0, sizeof(*t));
	sha256_init(&t->sha);
	rc = mbx_store_open(&t->st, path, MBX_STORE_READONLY);
	if (rc < 0)
		return rc;
	memset(&si, 0, sizeof(si));
	rc = mbx_store_server_get(t->st, &si);
	if (rc == 0) {
		h_str(t, si.organization);
		h_str(t, si.site);
		h_str(t, si.server);
		h_str(t, si.smtp_policy);
		mbx_server_info_clear(&si);
		rc = mbx_store_recipients(t->st, &r, &nr);
	}
	for (i = 0; rc == 0 && i < nr; i++) {
		h_int(t, r[i].id);
		h_str(t, r[i].display_name);
		h_str(t, r[i].alias);
		h_str(t, r[i].dn);
		h_str(t, r[i].smtp);
		h_str(t, r[i].home_server);
		h_str(t, r[i].primary_account);
		h_int(t, r[i].object_class);
		h_int(t, r[i].hidden);
		h_int(t, r[i].created_by_adjuster);
		h_int(t, r[i].created_time);
		h_str(t, r[i].mailbox_guid);
		h_str(t, r[i].legacy_dn);
	}
	if (rc == 0)
		rc = mbx_store_mailboxes(t->st, &mb, &nm);
	for (i = 0; rc == 0 && i < nm; i++)
		rc = walk_mailbox(t, &mb[i], &paths_ok);
	if (rc == 0)
		rc = mbx_store_public_folders(t->st, &pf, &npf);
	for (i = 0; rc == 0 && i < npf; i++) {
		h_int(t, pf[i].id);
		h_int(t, pf[i].parent_id);
		h_str(t, pf[i].name);
		h_str(t, pf[i].path);
		h_str(t, pf[i].home_server);
		h_str(t, pf[i].home_site);
		h_int(t, pf[i].limit_admin_access);
		h_int(t, pf[i].modified_time);
	}
	if (rc == 0)
		rc = mbx_store_permissions(t->st, &pm, &np);
	for (i = 0; rc == 0 && i < np; i++) {
		h_int(t, pm[i].folder_id);
		h_str(t, pm[i].account);
		h_str(t, pm[i].rights);
		h_int(t, pm[i].granted_time);
	}
	sha256_digest(&t->sha, SHA256_DIGEST_SIZE, digest);
	mbx_recipients_free(r, nr);
	mbx_mailboxes_free(mb, nm);
	mbx_public_folders_free(pf, npf);
	mbx_permissions_free(pm, np);
	mbx_store_free(t->st);
	t->st = NULL;
	if (rc == 0 && !paths_ok)
		rc = mbx_error_set(MBX_ECORRUPT, "a mailbox lacks one of the 13 documented folders");
	return rc;
}

/* ---- The documented contents ------------------------------------------- */

static int in_list(const char *s, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; s && i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return 1;
	return 0;
}

static void test_directory(mbx_store *st)
{
	static const char *const orphans[] = { "JSmith", "JMueller", "YTanaka", "RGarcia", "LNasser" };
	mbx_server_info si;
	mbx_mailbox *mb = NULL, js;
	mbx_recipient *r = NULL;
	mbx_store_links *links = NULL;
	mbx_links_counts lc;
	size_t nm = 0, nr = 0, i, n_orphans = 0, orphans_named = 0, custom = 0, lists = 0, exch2 = 0;

	memset(&si, 0, sizeof(si));
	ok(mbx_store_server_get(st, &si) == 0, "the server's identity reads back");
	ok(si.organization && strcmp(si.organization, "Contoso") == 0 && si.site && strcmp(si.site, "HQ") == 0 &&
	   si.server && strcmp(si.server, "EXCH1") == 0, "Contoso / HQ / EXCH1");
	is_str(si.smtp_policy, "%a@contoso.com", "SMTP policy %%a@contoso.com");
	mbx_server_info_clear(&si);
	ok(mbx_store_known_server(st, "EXCH2", "HQ") == 1 && mbx_store_known_server(st, "LONDON1", "EUROPE") == 1,
	   "the directory knows EXCH2 (HQ) and LONDON1 (EUROPE)");
	ok(mbx_store_known_server(st, "NYC-EX01", "NEWYORK") == 0 && mbx_store_known_server(st, "EXCH9", "HQ") == 0,
	   "but not NYC-EX01 (NEWYORK) nor EXCH9 (HQ)");

	ok(mbx_store_mailboxes(st, &mb, &nm) == 0, "mailboxes listed");
	is_int(nm, 12, "12 store mailboxes");
	for (i = 0; i < nm; i++) {
		if (mb[i].recipient_id == 0) {
			n_orphans++;
			orphans_named += in_list(mb[i].alias, orphans, 5);
		}
	}
	is_int(n_orphans, 5, "5 of them orphaned (no directory entry)");
	is_int(orphans_named, 5, "García, Müller, Nasser, Smith and Tanaka");
	memset(&js, 0, sizeof(js));
	ok(mbx_store_mailbox_by_alias(st, "JSmith", &js) == 0 && js.display_name &&
	   strcmp(js.display_name, "Smith, John") == 0 && js.recipient_id == 0,
	   "\"Smith, John\" is JSmith, orphaned");
	is_str(js.legacy_dn, "/o=Contoso/ou=HQ/cn=Recipients/cn=JSmith", "with the documented legacy DN");
	is_int(js.created_time, mbx_demo_base_time() - 400 * 86400LL, "and 400 days old");
	mbx_mailbox_clear(&js);
	mbx_mailboxes_free(mb, nm);

	ok(mbx_store_links_load(st, &links) == 0, "links load");
	mbx_store_links_counts(links, &lc);
	ok(lc.mailboxes == 12 && lc.orphans == 5 && lc.recipients == 13,
	   "links: 12 mailboxes, 5 orphans, 13 directory entries (%zu, %zu, %zu)", lc.mailboxes, lc.orphans,
	   lc.recipients);
	mbx_store_links_free(links);

	ok(mbx_store_recipients(st, &r, &nr) == 0, "recipients listed");
	is_int(nr, 13, "13 directory entries: 11 mailboxes, a custom recipient, a list");
	for (i = 0; i < nr; i++) {
		custom += r[i].object_class == MBX_OBJ_CUSTOM && strcmp(r[i].alias, "LegalExt") == 0;
		lists += r[i].object_class == MBX_OBJ_DISTLIST && strcmp(r[i].alias, "AllStaff") == 0;
		exch2 += r[i].home_server && strcmp(r[i].home_server, "EXCH2") == 0;
		if (in_list(r[i].alias, orphans, 5))
			orphans_named = 99;
	}
	ok(custom == 1 && lists == 1, "LegalExt is a custom recipient, AllStaff a distribution list");
	is_int(exch2, 1, "one mailbox (KJones) is homed on EXCH2");
	ok(orphans_named != 99, "no orphan has a directory entry");
	mbx_recipients_free(r, nr);
}

static void test_public_folders(mbx_store *st)
{
	static const char *const paths[] = {
		"Company", "Company/Announcements", "Company/HR Policies", "Sales", "Sales/Leads", "Legal",
		"Projects", "Europe", "Europe/Événements"
	};
	mbx_public_folder *pf = NULL;
	mbx_permission *pm = NULL;
	size_t npf = 0, np = 0, i, found = 0, legal_limited = 0, nyc = 0;

	ok(mbx_store_public_folders(st, &pf, &npf) == 0, "public folders listed");
	is_int(npf, 9, "9 public folders");
	for (i = 0; i < npf; i++) {
		found += in_list(pf[i].path, paths, 9);
		if (strcmp(pf[i].path, "Legal") == 0 && pf[i].limit_admin_access)
			legal_limited++;
		nyc += pf[i].home_server && strcmp(pf[i].home_server, "NYC-EX01") == 0;
	}
	is_int(found, 9, "at the documented paths");
	is_int(legal_limited, 1, "Legal limits administrative access");
	is_int(nyc, 3, "Sales, Sales/Leads and Legal are homed on NYC-EX01");
	ok(mbx_store_permissions(st, &pm, &np) == 0, "permissions listed");
	is_int(np, 17, "17 permission entries");
	mbx_public_folders_free(pf, npf);
	mbx_permissions_free(pm, np);
}

static void test_check(mbx_store *st)
{
	mbx_findings *f = NULL;
	int64_t per[MBX_FIND_KIND_COUNT] = { 0 };
	size_t i, warnings = 0, smith = 0;

	ok(mbx_check_run(st, &f) == 0 && f, "the consistency check runs");
	if (!f)
		return;
	is_int(f->count, 17, "17 inconsistencies");
	for (i = 0; i < f->count; i++) {
		if (f->items[i].kind < MBX_FIND_KIND_COUNT)
			per[f->items[i].kind]++;
		warnings += mbx_finding_is_warning(f->items[i].kind);
		if (f->items[i].kind == MBX_FIND_ORPHAN_MAILBOX && f->items[i].object &&
		    strstr(f->items[i].object, "Smith, John"))
			smith++;
	}
	ok(per[MBX_FIND_ORPHAN_MAILBOX] == 5 && per[MBX_FIND_MISSING_MAILBOX] == 3 &&
	   per[MBX_FIND_PF_UNKNOWN_HOME] == 4 && per[MBX_FIND_UNKNOWN_PERMISSION] == 5,
	   "5 orphaned, 3 missing mailboxes, 4 public folders on unknown homes, 5 unknown accounts");
	is_int(warnings, 0, "no warnings before the adjuster ran");
	is_int(smith, 1, "\"Smith, John\" is one of the orphans found");
	mbx_findings_free(f);
}

static void test_contents(const tally *t)
{
	is_int(t->folders, 12 * 13, "13 folders in each of the 12 mailboxes");
	is_int(t->messages, 517, "517 messages in folders");
	is_int(t->messages + t->embedded, 518, "518 messages in all, with the embedded one");
	is_int(t->fai, 24, "24 of them folder-associated items (2 a mailbox)");
	is_int(t->embedded, 1, "one embedded message");
	is_int(t->embedded_ok, 1, "John Smith's forwarded contract carries it, with its own attachment");
	is_int(t->big_attachments, 20, "20 attachments over 100 KB");
	ok(t->attachments > t->big_attachments + 20, "and small text attachments (%lld in all)",
	   (long long)t->attachments);
	/* "two in three" carry HTML as well: every message whose number is
	 * not a multiple of 3, FAI items included, and the forwarded one */
	is_int(t->html, 329, "329 messages carry HTML as well (about two in three)");
	ok(t->rcpt_type[MBX_RECIP_TO] > 0 && t->rcpt_type[MBX_RECIP_CC] > 0 && t->rcpt_type[MBX_RECIP_BCC] > 0,
	   "To, Cc and Bcc recipients (%lld, %lld, %lld)", (long long)t->rcpt_type[1],
	   (long long)t->rcpt_type[2], (long long)t->rcpt_type[3]);
	is_int(t->contacts_with_recipients, 0, "contacts have no recipients");
	is_int(t->appointments_with_start, 12 * 3, "every appointment has a start");
	is_int(t->item_count_sum, 517 - 24, "the mailboxes' item counts add up to the normal messages");
}

/* ---- Files -------------------------------------------------------------- */

static int leftovers(void)
{
	DIR *d = opendir(tmpdir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (strstr(e->d_name, ".new-"))
			n++;
	closedir(d);
	return n;
}

int main(void)
{
	char *a, *b, *other, *bad;
	unsigned char da[SHA256_DIGEST_SIZE], db[SHA256_DIGEST_SIZE], dc[SHA256_DIGEST_SIZE];
	mbx_store *st = NULL;
	struct stat sb;
	struct tm tm;
	time_t base;
	tally t, t2;
	int rc;

	if (!mkdtemp(tmpdir))
		tap_skip_all("no temporary directory");
	a = mbx_asprintf("%s/a.db", tmpdir);
	b = mbx_asprintf("%s/b.db", tmpdir);
	other = mbx_asprintf("%s/other.db", tmpdir);
	bad = mbx_asprintf("%s/no/such/dir/demo.db", tmpdir);

	base = (time_t)mbx_demo_base_time();
	gmtime_r(&base, &tm);
	ok(tm.tm_year == 126 && tm.tm_mon == 9 && tm.tm_mday == 1 && tm.tm_hour == 0 && tm.tm_min == 0,
	   "the demo's clock is 2026-10-01 00:00 UTC");

	rc = mbx_demo_create(a);
	ok(rc == 0, "the demo server is built (%s)", rc ? mbx_error_last() : "ok");
	memset(&sb, 0, sizeof(sb));
	rc = stat(a, &sb);
	ok(rc == 0 && (sb.st_mode & 0777) == 0600, "the file is 0600 (%03o)", (unsigned)(sb.st_mode & 0777));
	is_int(leftovers(), 0, "no temporary file is left");
	is_int(mbx_demo_is_demo(a), 1, "mbx_demo_is_demo knows it");

	ok(mbx_store_open(&st, a, MBX_STORE_READONLY) == 0, "it opens as a store");
	if (st) {
		test_directory(st);
		test_public_folders(st);
		test_check(st);
		mbx_store_free(st);
	}
	rc = walk(a, &t, da);
	ok(rc == 0, "the whole demo reads back through the API (%s)", rc ? mbx_error_last() : "ok");
	test_contents(&t);

	/* deterministic */
	rc = mbx_demo_create(b);
	ok(rc == 0 && walk(b, &t2, db) == 0, "built a second time, elsewhere");
	ok(memcmp(da, db, sizeof(da)) == 0, "both hold the same content (every field and attachment byte)");
	ok(t2.messages == t.messages && t2.attachments == t.attachments && t2.recipients == t.recipients,
	   "and the same counts");
	/* the digest has teeth: one change (the first message of the first
	 * mailbox's first folder in id order deleted) and it differs */
	st = NULL;
	rc = mbx_store_open(&st, b, 0);
	if (rc == 0) {
		mbx_mailbox *mb = NULL;
		mbx_folder *f = NULL;
		mbx_msg_iter *it = NULL;
		mbx_message *m = NULL;
		size_t nm = 0, nf = 0;

		rc = mbx_store_mailboxes(st, &mb, &nm);
		if (rc == 0 && nm)
			rc = mbx_store_folders(st, mb[0].id, &f, &nf);
		if (rc == 0 && nf)
			rc = mbx_store_messages(st, f[0].id, &it);
		if (rc == 0 && it && mbx_msg_iter_next(it, &m) == 1)
			rc = mbx_store_message_delete(st, m->id);
		else
			rc = -1;
		mbx_message_free(m);
		mbx_msg_iter_free(it);
		mbx_folders_free(f, nf);
		mbx_mailboxes_free(mb, nm);
		mbx_store_free(st);
	}
	ok(rc == 0 && walk(b, &t2, db) == 0 && memcmp(da, db, sizeof(da)) != 0 && t2.messages == t.messages - 1,
	   "a store with one message less gives another digest");
	/* over an existing file: replaced, same content */
	rc = mbx_demo_create(a);
	ok(rc == 0 && walk(a, &t2, dc) == 0 && memcmp(da, dc, sizeof(da)) == 0,
	   "rebuilt over itself: replaced by the same content");
	is_int(leftovers(), 0, "still no temporary file");

	/* not demos, and bad paths */
	st = NULL;
	ok(mbx_store_open(&st, other, MBX_STORE_CREATE) == 0, "an ordinary store");
	mbx_store_free(st);
	is_int(mbx_demo_is_demo(other), 0, "is not a demo");
	ok(mbx_demo_is_demo(bad) < 0, "a missing file is an error (%s)", mbx_error_last());
	is_int(mbx_demo_create(NULL), MBX_EINVAL, "no path: MBX_EINVAL");
	is_int(mbx_demo_create(""), MBX_EINVAL, "empty path: MBX_EINVAL");
	rc = mbx_demo_create(bad);
	ok(rc < 0 && strstr(mbx_error_last(), bad), "a missing directory fails, naming the file (%s)",
	   mbx_error_last());
	ok(access(bad, F_OK) != 0, "and leaves nothing");

	mbx_free(a);
	mbx_free(b);
	mbx_free(other);
	mbx_free(bad);
	{
		char *cmd = mbx_asprintf("rm -rf '%s'", tmpdir);

		if (system(cmd) != 0)
			diag("could not remove %s", tmpdir);
		mbx_free(cmd);
	}
	return tap_done();
}
