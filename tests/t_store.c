/* tests/t_store.c - the store: schema and migrations, opening bad files,
 * the directory, mailboxes, folders, messages (attachments, embedded
 * messages, streaming reads), public folders, audit log, export jobs,
 * nested transactions. */
#include "config.h"
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sqlite3.h>

#include "mbx/demo.h"
#include "mbx/store.h"
#include "store/store_int.h"
#include "tap.h"

static char dir[] = "/tmp/t_store.XXXXXX";

static char *tmp(const char *name)
{
	return mbx_asprintf("%s/%s", dir, name);
}

static int sql_int(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	int v = -1;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

/* The text of the first column of the first row, caller frees. */
static char *sql_text(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	char *v = NULL;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		v = mbx_strdup((const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

static void demo_deterministic(void)
{
	static const char q[] = "SELECT group_concat(x, '|') FROM (SELECT id || content_hash || "
	                        "received_time || flags AS x FROM message ORDER BY id)";
	char *a = tmp("det-a.db"), *b = tmp("det-b.db"), *ta, *tb;

	ok(mbx_demo_create(a) == 0 && mbx_demo_create(b) == 0, "build the demo twice");
	ta = sql_text(a, q);
	tb = sql_text(b, q);
	ok(ta && tb && strcmp(ta, tb) == 0, "the same messages, hashes, times and flags");
	is_int(sql_int(a, "SELECT count(*) FROM message"), 518, "518 messages");
	is_int(sql_int(a, "SELECT count(*) FROM message WHERE associated = 1"), 24, "24 of them FAI");
	is_int(sql_int(a, "SELECT count(*) FROM message WHERE html_body IS NOT NULL"), 329,
	       "with HTML bodies");
	ok(sql_int(a, "SELECT count(*) FROM message WHERE subject GLOB '*[一-龥]*'") > 0 &&
	   sql_int(a, "SELECT count(*) FROM message WHERE body LIKE '%تقرير%' OR subject LIKE '%تقرير%'") > 0,
	   "CJK and Arabic text");
	is_int(sql_int(a, "SELECT max(created_time) FROM mailbox"), (int)(mbx_demo_base_time() - 3 * 86400),
	       "times count back from the fixed base");
	mbx_free(ta);
	mbx_free(tb);
	mbx_free(a);
	mbx_free(b);
}

static void write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	if (f) {
		fwrite(p, 1, n, f);
		fclose(f);
	}
}

static void schema(void)
{
	char *path = tmp("v1.db");
	mbx_store raw, *st = NULL;
	struct stat sb;
	size_t i;

	/* A file at schema version 1, as an older mbxrescue left it. */
	memset(&raw, 0, sizeof(raw));
	raw.path = path;
	ok(sqlite3_open(path, &raw.db) == SQLITE_OK, "create a raw file");
	ok(store_migrate(&raw, 1) == 0, "bring it to schema 1");
	for (i = 0; i < raw.n_cache; i++)
		sqlite3_finalize(raw.cache[i].stmt);
	ok(sqlite3_close(raw.db) == SQLITE_OK, "close it");
	is_int(sql_int(path, "PRAGMA user_version"), 1, "it is at version 1");
	is_int(sql_int(path, "SELECT count(*) FROM sqlite_master WHERE name = 'recipient_guid'"), 0,
	       "without the version 2 indexes");
	ok(mbx_store_open(&st, path, MBX_STORE_READONLY) == MBX_ESCHEMA,
	   "read-only open refuses to leave an old schema unmigrated");
	ok(mbx_store_open(&st, path, 0) == 0, "open migrates");
	is_int(mbx_store_schema_version(st), mbx_store_schema_latest(), "to the latest version");
	ok(mbx_store_schema_latest() >= 8, "which is 8 or later");
	mbx_store_free(st);
	is_int(sql_int(path, "SELECT count(*) FROM sqlite_master WHERE name = 'adjust_run'"), 1,
	       "with the adjuster runs of the audit/undo migration");
	is_int(sql_int(path, "SELECT count(*) FROM sqlite_master WHERE name = 'recipient_guid'"), 1,
	       "the version 2 indexes exist");
	is_int(sql_int(path, "SELECT count(*) FROM sqlite_master WHERE name = 'message_prop'"), 1,
	       "the version 4 property table exists");
	is_int(sql_int(path, "PRAGMA application_id"), MBX_STORE_APP_ID, "marked as an mbxrescue store");
	is_int(sql_int(path, "SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = 'wal'"), 1,
	       "in WAL mode");
	mbx_free(path);

	path = tmp("new.db");
	ok(mbx_store_open(&st, path, MBX_STORE_CREATE) == 0, "create a new store");
	ok(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600, "created 0600");
	ok(sqlite3_get_autocommit(st->db), "no transaction left open");
	mbx_store_free(st);
	mbx_free(path);
}

static void bad_files(void)
{
	mbx_store *st = NULL;
	char *path, *demo = tmp("demo.db");
	struct stat before, after;
	char junk[4096];
	int fd;

	path = tmp("missing.db");
	ok(mbx_store_open(&st, path, 0) == MBX_ENOTFOUND, "missing file: not found");
	ok(strstr(mbx_error_last(), path) != NULL, "the message names the file");
	ok(access(path, F_OK) != 0, "and it was not created");
	mbx_free(path);

	path = tmp("garbage.db");
	memset(junk, 'x', sizeof(junk));
	write_file(path, junk, sizeof(junk));
	ok(mbx_store_open(&st, path, 0) == MBX_ECORRUPT, "garbage: refused");
	ok(strstr(mbx_error_last(), "not an mbxrescue store") != NULL, "says it is not a store: %s",
	   mbx_error_last());
	mbx_free(path);

	path = tmp("empty.db");
	write_file(path, "", 0);
	ok(mbx_store_open(&st, path, 0) == MBX_ECORRUPT, "empty file: refused");
	mbx_free(path);

	ok(mbx_demo_create(demo) == 0, "build the demo");
	ok(mbx_demo_is_demo(demo) == 1, "it says it is a demo");

	/* Truncated: half the file. */
	path = tmp("trunc.db");
	{
		FILE *in = fopen(demo, "rb");
		char *buf;
		long n;

		fseek(in, 0, SEEK_END);
		n = ftell(in);
		rewind(in);
		buf = mbx_malloc((size_t)n);
		if (fread(buf, 1, (size_t)n, in) != (size_t)n)
			diag("short read");
		fclose(in);
		write_file(path, buf, (size_t)n / 2);
		mbx_free(buf);
	}
	stat(path, &before);
	ok(mbx_store_open(&st, path, 0) == MBX_ECORRUPT, "truncated store: refused");
	ok(strstr(mbx_error_last(), "truncated") != NULL, "says truncated: %s", mbx_error_last());
	stat(path, &after);
	ok(before.st_size == after.st_size && before.st_mtime == after.st_mtime, "not modified");
	mbx_free(path);

	/* Another program's SQLite database. */
	path = tmp("other.db");
	{
		sqlite3 *db;

		sqlite3_open(path, &db);
		sqlite3_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES (1);", NULL, NULL, NULL);
		sqlite3_close(db);
	}
	ok(mbx_store_open(&st, path, 0) == MBX_ECORRUPT, "another program's database: refused");
	ok(strstr(mbx_error_last(), "another program") != NULL, "says so: %s", mbx_error_last());
	ok(mbx_demo_is_demo(path) < 0, "and it is not a demo");
	mbx_free(path);

	/* Newer schema. */
	path = tmp("newer.db");
	ok(mbx_demo_create(path) == 0, "another demo");
	{
		sqlite3 *db;

		sqlite3_open(path, &db);
		sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL);
		sqlite3_close(db);
	}
	ok(mbx_store_open(&st, path, 0) == MBX_ESCHEMA, "newer schema: refused");
	ok(strstr(mbx_error_last(), "newer") != NULL, "says newer: %s", mbx_error_last());
	is_int(sql_int(path, "PRAGMA user_version"), 99, "not modified");
	mbx_free(path);

	/* Read-only file (mode bits, so that root is refused too). */
	path = tmp("ro.db");
	ok(mbx_demo_create(path) == 0, "a third demo");
	chmod(path, 0444);
	ok(mbx_store_open(&st, path, 0) == MBX_EREADONLY, "read-only file: refused for writing");
	ok(strstr(mbx_error_last(), "read-only") != NULL, "says read-only: %s", mbx_error_last());
	ok(mbx_store_open(&st, path, MBX_STORE_READONLY) == 0, "but opens read-only");
	mbx_store_free(st);
	st = NULL;
	chmod(path, 0600);
	mbx_free(path);

	ok(mbx_store_open(&st, dir, 0) == MBX_EINVAL, "a directory: refused");
	fd = open(demo, O_RDONLY);
	ok(fd >= 0, "demo still readable");
	close(fd);
	mbx_free(demo);
}

static void directory_and_mailboxes(void)
{
	char *path = tmp("dir.db");
	mbx_store *st = NULL;
	mbx_recipient *rv = NULL, r;
	mbx_mailbox *mv = NULL, mb;
	mbx_server_info si;
	size_t n, i, orphans = 0;
	int64_t id;

	ok(mbx_demo_create(path) == 0 && mbx_store_open(&st, path, 0) == 0, "open a demo");
	ok(mbx_store_server_get(st, &si) == 0, "server");
	is_str(si.server, "EXCH1", "server EXCH1");
	is_str(si.smtp_policy, "%a@contoso.com", "SMTP policy");
	mbx_server_info_clear(&si);
	is_int(mbx_store_known_server(st, "exch2", "hq"), 1, "EXCH2 in HQ is known");
	is_int(mbx_store_known_server(st, "EXCH1", "HQ"), 1, "this server is known");
	is_int(mbx_store_known_server(st, "NYC-EX01", "NEWYORK"), 0, "NYC-EX01 is not");
	ok(mbx_store_recipients(st, &rv, &n) == 0, "list recipients");
	is_int(n, 13, "11 mailbox entries, a custom recipient and a list");
	is_str(n ? rv[0].display_name : NULL, "Adams, Mary", "ordered by display name");
	mbx_recipients_free(rv, n);
	ok(mbx_store_mailboxes(st, &mv, &n) == 0, "list mailboxes");
	is_int(n, 12, "12 store mailboxes");
	for (i = 0; i < n; i++)
		orphans += mv[i].recipient_id == 0;
	is_int(orphans, 5, "5 of them orphaned");
	for (i = 0; i < n; i++)
		if (!strcmp(mv[i].display_name, "Chen, Wei (陈伟)"))
			break;
	ok(i < n && mv[i].recipient_id > 0, "linked by DN alone (Chen, Wei)");
	for (i = 0; i < n; i++)
		if (!strcmp(mv[i].display_name, "Smith, John"))
			break;
	ok(i < n && mv[i].recipient_id == 0, "Smith, John is orphaned");
	is_str(i < n ? mv[i].alias : NULL, "JSmith", "an orphan's alias is its legacy DN's cn");
	ok(i < n && mv[i].item_count > 30 && mv[i].total_size > 100000, "with items and a size");
	mbx_mailboxes_free(mv, n);
	ok(mbx_store_mailbox_by_alias(st, "JSMITH", &mb) == 0, "orphan by alias, any case");
	is_str(mb.display_name, "Smith, John", "found Smith, John");
	mbx_mailbox_clear(&mb);
	ok(mbx_store_mailbox_by_alias(st, "J%", &mb) == MBX_ENOTFOUND, "LIKE wildcards are not aliases");
	ok(mbx_store_mailbox_by_alias(st, "MAdams", &mb) == 0 && mb.recipient_id > 0, "linked by alias");
	mbx_mailbox_clear(&mb);

	memset(&r, 0, sizeof(r));
	r.display_name = "Dup";
	r.alias = "madams";
	r.dn = "/o=x/cn=dup";
	ok(mbx_store_recipient_add(st, &r, &id) == MBX_EEXISTS, "duplicate alias refused");
	ok(strstr(mbx_error_last(), "madams") != NULL, "naming it");
	r.alias = "";
	ok(mbx_store_recipient_add(st, &r, &id) == MBX_EINVAL, "empty alias refused");
	mbx_store_free(st);
	mbx_free(path);
}

static void messages(void)
{
	char *path = tmp("msg.db");
	mbx_store *st = NULL;
	mbx_mailbox mb;
	mbx_folder *fv = NULL, f;
	mbx_msg_iter *it = NULL;
	mbx_message *m = NULL, nm, inner;
	mbx_attachment att[2];
	mbx_msg_recipient rc[2] = { { MBX_RECIP_TO, "Ann", "ann@x.example", "SMTP", MBX_PROPS_INIT },
	                            { MBX_RECIP_BCC, "Bob", "bob@x.example", NULL, MBX_PROPS_INIT } };
	size_t n, i, got, total, big = 0;
	int64_t inbox = 0, fid, mid, found, embedded_att = 0;
	unsigned char *data, chunk[7000];
	int r, nmsg = 0, big_ok;
	char *h1, *h2;

	ok(mbx_demo_create(path) == 0 && mbx_store_open(&st, path, 0) == 0, "open a demo");
	ok(mbx_store_mailbox_by_alias(st, "JSmith", &mb) == 0, "JSmith's mailbox");
	ok(mbx_store_folders(st, mb.id, &fv, &n) == 0, "folders");
	is_int(n, 13, "13 folders");
	for (i = 0; i < n; i++)
		if (fv[i].role == MBX_ROLE_INBOX)
			inbox = fv[i].id;
	/* source order: the demo adds Inbox first, its subfolders after the
	 * top-level ones, Rechnungen after Projects */
	ok(n > 4 && !strcmp(fv[0].path, "Inbox") && !strcmp(fv[1].path, "Inbox/Projects") &&
	   !strcmp(fv[2].path, "Inbox/Projects/Archive 2025") && !strcmp(fv[3].path, "Inbox/Rechnungen") &&
	   !strcmp(fv[4].path, "Outbox"), "in the order they were added, depth first");
	for (i = 0; i < n; i++)
		if (!strcmp(fv[i].path, "Inbox/Projects/Archive 2025"))
			break;
	ok(i < n && i > 0 && !strcmp(fv[i - 1].path, "Inbox/Projects"), "children after parents, with paths");
	mbx_folders_free(fv, n);
	is_str(mbx_folder_role_name(MBX_ROLE_SENT), "Sent Items", "role names");
	is_int(mbx_folder_role_parse("deleted items"), MBX_ROLE_DELETED, "role parse");
	is_int(mbx_folder_role_parse("Projects"), MBX_ROLE_NONE, "not a role");

	ok(mbx_store_messages(st, inbox, &it) == 0, "iterate the Inbox");
	while ((r = mbx_msg_iter_next(it, &m)) == 1) {
		nmsg++;
		for (i = 0; i < m->n_attachments; i++) {
			if (m->attachments[i].embedded)
				embedded_att = m->attachments[i].id;
			if (m->attachments[i].size > 100 * 1024)
				big++;
		}
		if (m->n_attachments && m->attachments[0].embedded) {
			ok(!strcmp(m->attachments[0].embedded->subject, "Contract draft v3"),
			   "the embedded message is loaded");
			ok(m->attachments[0].embedded->n_attachments == 1,
			   "with its own attachment");
		}
		mbx_message_free(m);
	}
	is_int(r, 0, "iteration ends cleanly");
	mbx_msg_iter_free(it);
	is_int(nmsg, 16, "14 messages, a FAI item and the forwarded contract");
	ok(embedded_att > 0, "the embedded message's attachment was seen");
	diag("%zu attachments over 100 KB in the Inbox", big);

	/* Round trip of a message with two attachments, one embedded. */
	memset(&f, 0, sizeof(f));
	f.mailbox_id = mb.id;
	f.parent_id = inbox;
	f.name = "Test";
	ok(mbx_store_folder_add(st, &f, &fid) == 0, "add a folder");
	data = mbx_malloc(300000);
	for (i = 0; i < 300000; i++)
		data[i] = (unsigned char)(i * 7 + 3);
	memset(&inner, 0, sizeof(inner));
	inner.subject = "inner";
	inner.body = "inner body";
	memset(att, 0, sizeof(att));
	att[0].filename = "data.bin";
	att[0].mime_type = "application/octet-stream";
	att[0].size = 300000;
	att[0].data = data;
	att[1].filename = "inner";
	att[1].embedded = &inner;
	memset(&nm, 0, sizeof(nm));
	nm.folder_id = fid;
	nm.subject = "Ünïcödé 件名 موضوع";
	nm.sender_name = "Ann";
	nm.sender_address = "ann@x.example";
	nm.sent_time = 1000;
	nm.received_time = 2000;
	nm.flags = MBX_MSG_READ;
	nm.importance = 2;
	nm.body = "plain";
	nm.html_body = "<p>html</p>";
	nm.internet_message_id = "<t1@x>";
	nm.recipients = rc;
	nm.n_recipients = 2;
	nm.attachments = att;
	nm.n_attachments = 2;
	ok(mbx_store_message_add(st, &nm, &mid) == 0, "add a message");
	ok(mbx_store_message_get(st, mid, &m) == 0, "read it back");
	is_str(m->subject, nm.subject, "subject");
	is_str(m->html_body, "<p>html</p>", "HTML body");
	ok(m->flags & MBX_MSG_HASATTACH, "has-attachments flag set");
	is_int(m->n_recipients, 2, "two recipients");
	is_str(m->recipients[1].addrtype, "SMTP", "address type defaults to SMTP");
	is_int(m->recipients[1].type, MBX_RECIP_BCC, "Bcc kept");
	is_int(m->n_attachments, 2, "two attachments");
	ok(m->attachments[1].embedded && !strcmp(m->attachments[1].embedded->body, "inner body"),
	   "embedded message round trip");
	h1 = mbx_message_hash(&nm);
	is_str(m->content_hash, h1, "content hash as computed");
	ok(strlen(h1) == 64, "SHA-256 hex");
	/* Stream the attachment in odd-sized chunks. */
	total = 0;
	big_ok = 1;
	do {
		if (mbx_store_attachment_read(st, m->attachments[0].id, (int64_t)total, chunk,
		                              sizeof(chunk), &got) < 0) {
			big_ok = 0;
			break;
		}
		if (memcmp(chunk, data + total, got) != 0)
			big_ok = 0;
		total += got;
	} while (got > 0);
	ok(big_ok && total == 300000, "attachment streamed back exactly (%zu bytes)", total);
	ok(mbx_store_attachment_read(st, 999999, 0, chunk, 10, &got) == MBX_ENOTFOUND,
	   "unknown attachment");
	ok(sql_int(path, "SELECT count(*) FROM attachment WHERE size > 102400") >= 10,
	   "the demo has attachments over 100 KB");
	mbx_message_free(m);
	ok(mbx_store_message_find(st, fid, "<t1@x>", NULL, &found) == 0 && found == mid,
	   "find by internet message id");
	ok(mbx_store_message_find(st, fid, "<nope@x>", h1, &found) == 0 && found == mid,
	   "find by content hash");
	nm.flags = 0;
	nm.received_time = 99;
	h2 = mbx_message_hash(&nm);
	is_str(h2, h1, "read state and delivery time do not change the hash");
	mbx_free(h2);
	nm.body = "other";
	h2 = mbx_message_hash(&nm);
	ok(strcmp(h1, h2) != 0, "the body does");
	mbx_free(h2);
	mbx_free(h1);
	ok(mbx_store_message_delete(st, mid) == 0, "delete it");
	ok(mbx_store_message_get(st, mid, &m) == MBX_ENOTFOUND, "gone");
	is_int(sql_int(path, "SELECT count(*) FROM message WHERE folder_id IS NULL"), 1,
	       "its embedded message went with it (the demo's stays)");
	ok(mbx_store_message_delete(st, mid) == MBX_ENOTFOUND, "deleting twice: not found");
	ok(mbx_store_mailbox_refresh_counts(st, mb.id) == 0, "refresh counts");
	mbx_free(data);
	mbx_mailbox_clear(&mb);
	mbx_store_free(st);
	mbx_free(path);
}

static void public_audit_jobs(void)
{
	char *path = tmp("pf.db");
	mbx_store *st = NULL;
	mbx_public_folder *pv = NULL;
	mbx_permission *ev = NULL;
	mbx_audit_entry *av = NULL;
	mbx_job *jv = NULL;
	mbx_mailbox mb;
	mbx_recipient r;
	size_t n, i;
	int64_t j1, j2;

	ok(mbx_demo_create(path) == 0 && mbx_store_open(&st, path, 0) == 0, "open a demo");
	ok(mbx_store_public_folders(st, &pv, &n) == 0, "public folders");
	is_int(n, 9, "9 public folders");
	for (i = 0; i < n; i++)
		if (!strcmp(pv[i].path, "Sales/Leads"))
			break;
	ok(i < n && !strcmp(pv[i].home_server, "NYC-EX01"), "paths and homes");
	ok(mbx_store_public_folder_rehome(st, pv[i].id, "EXCH1", "HQ") == 0, "rehome");
	ok(mbx_store_public_folder_rehome(st, 9999, "EXCH1", "HQ") == MBX_ENOTFOUND, "rehome unknown");
	mbx_public_folders_free(pv, n);
	ok(mbx_store_permissions(st, &ev, &n) == 0 && n == 17, "17 permission entries");
	ok(mbx_store_permission_delete(st, ev[0].id) == 0, "delete one");
	ok(mbx_store_permission_delete(st, ev[0].id) == MBX_ENOTFOUND, "twice: not found");
	mbx_permissions_free(ev, n);

	ok(mbx_store_audit(st, "me", "test", "obj", "detail 1") == 0 &&
	   mbx_store_audit(st, "me", "test", "obj", "detail 2") == 0, "audit two entries");
	ok(mbx_store_audit_list(st, 1, &av, &n) == 0 && n == 1 && !strcmp(av[0].detail, "detail 2"),
	   "newest first, limited");
	mbx_audit_free(av, n);

	ok(mbx_store_mailbox_by_alias(st, "MAdams", &mb) == 0, "a mailbox");
	ok(mbx_store_job_upsert(st, "/out", mb.id, &j1) == 0, "job");
	ok(mbx_store_job_set(st, j1, MBX_JOB_FAILED, "/out/x.tmp", NULL, "disk full") == 0, "fail it");
	ok(mbx_store_job_upsert(st, "/out", mb.id, &j2) == 0 && j1 == j2, "upsert keeps the id");
	ok(mbx_store_jobs(st, "/out", &jv, &n) == 0 && n == 1 && jv[0].state == MBX_JOB_QUEUED &&
	   !jv[0].error, "and resets it");
	mbx_jobs_free(jv, n);
	mbx_mailbox_clear(&mb);

	/* Nested transactions: an inner rollback undoes the outer one too. */
	ok(mbx_store_begin(st) == 0 && mbx_store_begin(st) == 0, "nested begin");
	ok(mbx_store_recipient_by_alias(st, "MAdams", &r) == 0, "read");
	mbx_free(r.display_name);
	r.display_name = mbx_strdup("Changed");
	ok(mbx_store_recipient_update(st, &r) == 0, "update inside");
	mbx_recipient_clear(&r);
	ok(mbx_store_rollback(st) == 0, "inner rollback");
	ok(mbx_store_commit(st) < 0, "outer commit refuses");
	ok(mbx_store_recipient_by_alias(st, "MAdams", &r) == 0 && !strcmp(r.display_name, "Adams, Mary"),
	   "nothing was changed");
	mbx_recipient_clear(&r);
	mbx_store_free(st);
	mbx_free(path);
}

int main(void)
{
	char *cmd;

	if (!mkdtemp(dir))
		return 99;
	schema();
	demo_deterministic();
	bad_files();
	directory_and_mailboxes();
	messages();
	public_audit_jobs();
	cmd = mbx_asprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
	mbx_free(cmd);
	return tap_done();
}
