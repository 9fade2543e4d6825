/*
 * tests/t_import_pst.c - PST import into the store (mbx/import.h), checked
 * against libpst's own reading, an independent reader: `readpst -D -S -o
 * DIR` writes each message of a folder as DIR/STORE/PATH/N and its
 * attachments as N-NAME, in the order our reader delivers them.  Folder
 * and message counts, subjects and attachment bytes must match.  Then the
 * modes: merge twice adds nothing, replace overwrites, copy duplicates;
 * the Exmerge log line; the threaded API with progress and cancel; a
 * missing mailbox.  Then attachments larger than what the importer keeps
 * in memory (streamed through a temporary file, or from the spool file),
 * read from the pipe and spooled, byte for byte; and the reader's child
 * running out of its memory limit.
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mbx/demo.h"
#include "mbx/export.h"
#include "mbx/import.h"
#include "mbx/store.h"
#include "tap.h"

static char *tmpdir;

typedef struct logcap {
	char merging[1024];
	int lines;
} logcap;

static void on_log(void *ud, int level, const char *line)
{
	logcap *l = ud;

	(void)level;
	l->lines++;
	if (strstr(line, "Merging data from file"))
		snprintf(l->merging, sizeof(l->merging), "%s", line);
}

static char *slurp(const char *path, size_t *n)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;
	long len;

	*n = 0;
	if (!fp)
		return NULL;
	fseek(fp, 0, SEEK_END);
	len = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	buf = mbx_malloc((size_t)len + 1);
	*n = fread(buf, 1, (size_t)len, fp);
	buf[*n] = '\0';
	fclose(fp);
	return buf;
}

/* Files named only by digits in dir: the messages readpst wrote. */
static int64_t count_messages(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int64_t n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL) {
		const char *p = e->d_name;
		if (!*p)
			continue;
		while (isdigit((unsigned char)*p))
			p++;
		if (!*p && p != e->d_name)
			n++;
	}
	closedir(d);
	return n;
}

/* The subject readpst wrote: the first "Subject: " header of a message,
 * or the SUMMARY of an iCalendar event; NULL if none. */
static char *subject_of(const char *path)
{
	size_t n;
	char *text = slurp(path, &n), *p, *end, *s = NULL;

	if (!text)
		return NULL;
	for (p = text; *p; p = end + 1) {
		end = strchr(p, '\n');
		if (!end)
			break;
		/* Mail has a Subject header; readpst writes appointments as iCalendar. */
		size_t skip = strncmp(p, "Subject: ", 9) == 0 ? 9 : strncmp(p, "SUMMARY:", 8) == 0 ? 8 : 0;
		if (skip) {
			s = mbx_strndup(p + skip, (size_t)(end - p) - skip);
			if (*s && s[strlen(s) - 1] == '\r')
				s[strlen(s) - 1] = '\0';
			break;
		}
	}
	mbx_free(text);
	return s;
}

typedef struct cmp_stats {
	int64_t folders_checked, messages, subjects, attachments, bytes, mismatches;
} cmp_stats;

/* Compare one store folder with readpst's directory for it. */
static void compare_folder(mbx_store *st, const mbx_folder *f, const char *dir, cmp_stats *cs)
{
	mbx_msg_iter *it;
	mbx_message *m;
	int64_t k = 0;

	if (mbx_store_messages(st, f->id, &it) < 0) {
		cs->mismatches++;
		return;
	}
	while (mbx_msg_iter_next(it, &m) == 1) {
		char *path, *subj;
		size_t i;

		if (m->associated) {
			mbx_message_free(m);
			continue;
		}
		k++;
		path = mbx_asprintf("%s/%lld", dir, (long long)k);
		subj = subject_of(path);
		if (subj && !strstr(subj, "=?") && m->subject) {
			cs->subjects++;
			if (strcmp(subj, m->subject) != 0) {
				diag("%s: subject '%s' in readpst, '%s' imported", path, subj, m->subject);
				cs->mismatches++;
			}
		}
		mbx_free(subj);
		for (i = 0; i < m->n_attachments; i++) {
			const mbx_attachment *a = &m->attachments[i];
			char *ap, *want, *got;
			size_t wn, gn = 0;

			if (a->embedded || !a->filename)
				continue;
			ap = mbx_asprintf("%s-%s", path, a->filename);
			want = slurp(ap, &wn);
			got = mbx_malloc((size_t)a->size + 1);
			if (a->size > 0)
				mbx_store_attachment_read(st, a->id, 0, got, (size_t)a->size, &gn);
			cs->attachments++;
			cs->bytes += (int64_t)gn;
			if (!want || wn != gn || memcmp(want, got, gn) != 0) {
				diag("%s: %zu bytes in readpst, %zu imported", ap, want ? wn : 0, gn);
				cs->mismatches++;
			}
			mbx_free(want);
			mbx_free(got);
			mbx_free(ap);
		}
		mbx_free(path);
		mbx_message_free(m);
	}
	mbx_msg_iter_free(it);
	if (count_messages(dir) != k) {
		diag("%s: %lld messages in readpst, %lld imported", dir, (long long)count_messages(dir),
		     (long long)k);
		cs->mismatches++;
	}
	cs->messages += k;
	cs->folders_checked++;
}

static int64_t mailbox_messages(const char *db, const char *alias)
{
	mbx_store *st;
	mbx_folder *f;
	size_t n, i;
	mbx_mailbox mb;
	int64_t total = 0;

	if (mbx_store_open(&st, db, MBX_STORE_READONLY) < 0)
		return -1;
	if (mbx_store_mailbox_by_alias(st, alias, &mb) < 0) {
		mbx_store_free(st);
		return 0;
	}
	if (mbx_store_folders(st, mb.id, &f, &n) == 0) {
		for (i = 0; i < n; i++)
			total += f[i].message_count;
		mbx_folders_free(f, n);
	}
	mbx_mailbox_clear(&mb);
	mbx_store_free(st);
	return total;
}

/* Import `pst` into a new mailbox and compare it with readpst's output. */
static void check_file(const char *pst, const char *name, int64_t want_folders)
{
	char *db = mbx_asprintf("%s/%s.db", tmpdir, name);
	char *out = mbx_asprintf("%s/%s.readpst", tmpdir, name);
	char *cmd;
	mbx_import_opts o;
	mbx_import_result r;
	mbx_store *st;
	mbx_mailbox mb;
	mbx_folder *f;
	size_t n, i;
	cmp_stats cs;
	logcap lc;
	char *store_name = NULL;
	int rc;

	memset(&cs, 0, sizeof(cs));
	memset(&lc, 0, sizeof(lc));
	ok(mbx_demo_create(db) == 0, "%s: a fresh demo store", name);
	mbx_import_opts_init(&o);
	o.db_path = db;
	o.pst_path = pst;
	o.alias = "IMPORTED";
	o.create = 1;
	o.display_name = "Imported, Mailbox";
	o.log_cb = on_log;
	o.log_ud = &lc;
	rc = mbx_import_run(&o, &r);
	is_int(rc, 0, "%s: imported (%s)", name, r.error ? r.error : "ok");
	is_int(r.folders, want_folders, "%s: every folder", name);
	ok(r.mailbox_created, "%s: --create made the store mailbox", name);
	cmd = mbx_asprintf("The log says \"Merging data from file '%s' to mailbox 'Imported, Mailbox' "
	                   "('IMPORTED') on server 'EXCH1'.\"", pst);
	ok(strstr(lc.merging, "Merging data from file '") && strstr(lc.merging, "' to mailbox "
	   "'Imported, Mailbox' ('IMPORTED') on server 'EXCH1'."), "%s", cmd);
	mbx_free(cmd);

	mkdir(out, 0700);
	/* -j 0: no worker processes; by default readpst may still be writing
	 * in a child when it returns, and the count below would race it. */
	cmd = mbx_asprintf("readpst -q -j 0 -D -S -o '%s' '%s' >/dev/null 2>&1", out, pst);
	rc = system(cmd);
	mbx_free(cmd);
	ok(rc == 0, "%s: readpst read it", name);

	if (mbx_store_open(&st, db, MBX_STORE_READONLY) == 0 &&
	    mbx_store_mailbox_by_alias(st, "IMPORTED", &mb) == 0) {
		ok(mb.recipient_id == 0, "%s: the new mailbox has no directory entry (orphaned)", name);
		mbx_free(store_name);
		store_name = NULL;
		rc = mbx_props_utf8(&mb.bag, &MBX_KEY(MBX_PID_TAG_DISPLAY_NAME), 0, &store_name);
		ok(rc == 0 && strcmp(mb.display_name, "Imported, Mailbox") == 0,
		   "%s: the mailbox keeps the PST's store name '%s' in its bag, beside its own", name,
		   store_name ? store_name : "");
		if (mbx_store_folders(st, mb.id, &f, &n) == 0) {
			/* readpst names its top directory after the message store. */
			DIR *d = opendir(out);
			struct dirent *e;
			char *top = NULL;

			while (d && (e = readdir(d)) != NULL)
				if (e->d_name[0] != '.')
					top = mbx_asprintf("%s/%s", out, e->d_name);
			if (d)
				closedir(d);
			is_str(top ? strrchr(top, '/') + 1 : NULL, store_name,
			       "%s: the name readpst gives its top directory", name);
			is_int((int64_t)n, want_folders, "%s: the mailbox has the folders", name);
			for (i = 0; top && i < n; i++) {
				char *dir = mbx_asprintf("%s/%s", top, f[i].path);
				compare_folder(st, &f[i], dir, &cs);
				mbx_free(dir);
			}
			mbx_free(top);
			mbx_folders_free(f, n);
		}
		is_int(cs.messages, r.imported - 0, "%s: as many messages as readpst wrote (%lld)", name,
		       (long long)cs.messages);
		ok(cs.subjects > 0, "%s: %lld subjects compared", name, (long long)cs.subjects);
		is_int(cs.mismatches, 0, "%s: subjects, counts and %lld attachments (%lld bytes) as "
		       "libpst reads them", name, (long long)cs.attachments, (long long)cs.bytes);
		mbx_mailbox_clear(&mb);
		mbx_store_free(st);
	} else {
		ok(0, "%s: the imported mailbox is there", name);
	}
	mbx_free(store_name);
	mbx_import_result_clear(&r);
	cmd = mbx_asprintf("rm -rf '%s'", out);
	if (system(cmd) != 0)
		diag("could not remove %s", out);
	mbx_free(cmd);
	mbx_free(out);
	mbx_free(db);
}

static void check_modes(const char *pst)
{
	char *db = mbx_asprintf("%s/modes.db", tmpdir);
	mbx_import_opts o;
	mbx_import_result r;
	int64_t base;
	int rc;

	mbx_demo_create(db);
	mbx_import_opts_init(&o);
	o.db_path = db;
	o.pst_path = pst;
	o.alias = "MODES";
	o.create = 1;
	o.mode = MBX_IMPORT_MERGE;
	rc = mbx_import_run(&o, &r);
	is_int(rc, 0, "merge into a new mailbox");
	base = mailbox_messages(db, "MODES");
	is_int(base, r.imported, "the mailbox holds what was imported (%lld)", (long long)base);
	mbx_import_result_clear(&r);

	o.create = 0;
	rc = mbx_import_run(&o, &r);
	is_int(rc, 0, "merge the same file again");
	is_int(r.imported, 0, "merge twice: nothing imported the second time");
	is_int(r.skipped, base, "merge twice: every item skipped");
	is_int(mailbox_messages(db, "MODES"), base, "merge twice: no duplicates");
	mbx_import_result_clear(&r);

	o.mode = MBX_IMPORT_REPLACE;
	rc = mbx_import_run(&o, &r);
	is_int(rc, 0, "replace");
	is_int(r.replaced, base, "replace: every item overwritten");
	is_int(mailbox_messages(db, "MODES"), base, "replace: still no duplicates");
	mbx_import_result_clear(&r);

	o.mode = MBX_IMPORT_COPY;
	o.folder = "Restored/Copy";
	rc = mbx_import_run(&o, &r);
	is_int(rc, 0, "copy below --folder Restored/Copy");
	is_int(r.imported, base, "copy: everything added");
	ok(r.folders_created >= 2, "copy: the --folder path and the PST's folders were created");
	is_int(mailbox_messages(db, "MODES"), 2 * base, "copy: the mailbox holds both");
	mbx_import_result_clear(&r);

	o.alias = "NOSUCHBOX";
	o.folder = NULL;
	rc = mbx_import_run(&o, &r);
	is_int(rc, MBX_ENOTFOUND, "a missing mailbox without --create is refused");
	ok(r.error && strstr(r.error, "--create"), "the error says what to do: %s",
	   r.error ? r.error : "");
	mbx_import_result_clear(&r);

	/* The threaded API: progress, then a result. */
	{
		mbx_import *im;
		mbx_import_progress p;

		o.alias = "THREADED";
		o.create = 1;
		o.mode = MBX_IMPORT_MERGE;
		rc = mbx_import_start(&im, &o);
		is_int(rc, 0, "mbx_import_start");
		if (rc == 0) {
			rc = mbx_import_wait(im, &r);
			is_int(rc, 0, "the import thread finished");
			mbx_import_progress_get(im, &p);
			ok(p.finished, "progress says finished");
			is_int(p.items_done, base, "progress counted every item");
			is_int(p.items_total, base, "progress knew the total");
			mbx_import_result_clear(&r);
			mbx_import_free(im);
		}
		/* Cancelled before it starts reading: nothing of the file stays. */
		o.alias = "CANCELLED";
		rc = mbx_import_start(&im, &o);
		if (rc == 0) {
			mbx_import_cancel(im);
			rc = mbx_import_wait(im, &r);
			ok(rc == MBX_ECANCELLED || rc == 0, "cancel: stopped or already done");
			if (rc == MBX_ECANCELLED)
				is_int(mailbox_messages(db, "CANCELLED"), 0, "cancel: nothing kept (not even "
				       "the created mailbox's items)");
			mbx_import_result_clear(&r);
			mbx_import_free(im);
		}
	}
	mbx_free(db);
}

/* A deterministic byte pattern for attachment k. */
static void pattern(unsigned char *p, size_t n, unsigned k)
{
	uint32_t x = 2463534242u + k;
	size_t i;

	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (unsigned char)x;
	}
}

/* Attachments larger than the importer's memory budget (8 MiB a message):
 * exported by our writer, imported back read from the pipe and spooled,
 * byte for byte. */
static void check_large(void)
{
	static const size_t sizes[] = { (size_t)20 << 20, (size_t)5 << 20, (size_t)5 << 20, 1000 };
	char *db = mbx_asprintf("%s/large.db", tmpdir), *out = mbx_asprintf("%s/large", tmpdir);
	unsigned char *data[4], *back;
	mbx_store *st;
	mbx_mailbox mb;
	mbx_folder *f;
	size_t n, i, k;
	int spool;

	ok(mbx_demo_create(db) == 0, "large: a demo store");
	if (mbx_store_open(&st, db, 0) < 0 || mbx_store_mailbox_by_alias(st, "MAdams", &mb) < 0 ||
	    mbx_store_folders(st, mb.id, &f, &n) < 0 || n == 0) {
		ok(0, "large: MAdams' folders");
		return;
	}
	{
		mbx_message m;
		mbx_attachment a[4];
		mbx_msg_recipient r;

		memset(&m, 0, sizeof(m));
		memset(a, 0, sizeof(a));
		memset(&r, 0, sizeof(r));
		m.folder_id = f[0].id;
		m.message_class = "IPM.Note";
		m.subject = "Four attachments, 30 MB";
		m.sender_name = "Adams, Mary";
		m.sender_address = "madams@example.com";
		m.sender_addrtype = "SMTP";
		m.sent_time = 1000000000;
		m.received_time = 1000000060;
		m.body = "large attachments";
		m.internet_message_id = "<large@example.com>";
		r.type = MBX_RECIP_TO;
		r.name = "Smith, John";
		r.address = "jsmith@example.com";
		m.recipients = &r;
		m.n_recipients = 1;
		for (k = 0; k < 4; k++) {
			data[k] = mbx_malloc(sizes[k]);
			pattern(data[k], sizes[k], (unsigned)k);
			a[k].filename = k == 0 ? "big.bin" : k == 3 ? "small.txt" : k == 1 ? "five-a.bin" : "five-b.bin";
			a[k].mime_type = "application/octet-stream";
			a[k].size = (int64_t)sizes[k];
			a[k].data = data[k];
		}
		m.attachments = a;
		m.n_attachments = 4;
		ok(mbx_store_message_add(st, &m, NULL) == 0, "large: a message with 20, 5, 5 MiB and 1000 "
		   "bytes of attachments");
	}
	mbx_folders_free(f, n);
	mbx_mailbox_clear(&mb);
	mbx_store_free(st);
	{
		mbx_export_opts eo;
		mbx_export *ex = NULL;
		const mbx_export_result *res;
		const char *aliases[1] = { "MAdams" };
		size_t nres = 0;
		char *pst = NULL;

		mbx_export_opts_init(&eo);
		eo.db_path = db;
		eo.out_dir = out;
		eo.threads = 1;
		eo.log_level = MBX_LOG_NONE;
		if (mbx_export_run(&eo, aliases, 1, &ex) == 0 && mbx_export_results(ex, &res, &nres) == 0 &&
		    nres == 1 && res[0].n_paths == 1)
			pst = mbx_strdup(res[0].paths[0]);
		mbx_export_free(ex);
		ok(pst != NULL, "large: exported by our writer");
		back = mbx_malloc(sizes[0]);
		for (spool = 0; pst && spool < 2; spool++) {
			mbx_import_opts o;
			mbx_import_result r;
			const char *alias = spool ? "LARGESPOOL" : "LARGEPIPE";
			int found = 0, rc;

			mbx_import_opts_init(&o);
			o.db_path = db;
			o.pst_path = pst;
			o.alias = alias;
			o.create = 1;
			o.spool = spool;
			rc = mbx_import_run(&o, &r);
			is_int(rc, 0, "large, %s: imported (%s)", spool ? "spooled" : "piped",
			       r.error ? r.error : "ok");
			mbx_import_result_clear(&r);
			if (mbx_store_open(&st, db, MBX_STORE_READONLY) == 0 &&
			    mbx_store_mailbox_by_alias(st, alias, &mb) == 0 &&
			    mbx_store_folders(st, mb.id, &f, &n) == 0) {
				for (i = 0; i < n; i++) {
					mbx_msg_iter *it;
					mbx_message *m;

					if (mbx_store_messages(st, f[i].id, &it) < 0)
						continue;
					while (mbx_msg_iter_next(it, &m) == 1) {
						if (m->subject && strcmp(m->subject, "Four attachments, 30 MB") == 0) {
							int same = m->n_attachments == 4;

							for (k = 0; same && k < 4; k++) {
								int64_t off = 0;
								size_t got = 0;

								same = m->attachments[k].size == (int64_t)sizes[k];
								while (same && off < m->attachments[k].size &&
								       mbx_store_attachment_read(st, m->attachments[k].id, off,
								                                 back + off, 1 << 20, &got) == 0 && got)
									off += (int64_t)got;
								same = same && off == (int64_t)sizes[k] &&
								       memcmp(back, data[k], sizes[k]) == 0;
								/* the bag too (a streamed attachment's props
								 * column is written after its data) */
								{
									char *fn = NULL;

									same = same && mbx_props_utf8(&m->attachments[k].bag,
									       &MBX_KEY(MBX_PID_TAG_ATTACH_LONG_FILENAME), 0, &fn) == 0 &&
									       fn && m->attachments[k].filename &&
									       strcmp(fn, m->attachments[k].filename) == 0 &&
									       mbx_props_get(&m->attachments[k].bag,
									                     &MBX_KEY(MBX_PID_TAG_ATTACH_METHOD)) != NULL;
									mbx_free(fn);
								}
							}
							found = 1;
							ok(same, "large, %s: every attachment byte for byte, with its bag",
							   spool ? "spooled" : "piped");
						}
						mbx_message_free(m);
					}
					mbx_msg_iter_free(it);
				}
				mbx_folders_free(f, n);
				mbx_mailbox_clear(&mb);
			}
			mbx_store_free(st);
			ok(found, "large, %s: the message is there", spool ? "spooled" : "piped");
		}
		mbx_free(back);
		mbx_free(pst);
	}
	for (k = 0; k < 4; k++)
		mbx_free(data[k]);
	mbx_free(db);
	mbx_free(out);
}

/* The reader's child allocating past its limit: an error, nothing kept. */
static void check_memory_limit(const char *pst)
{
#if defined(__SANITIZE_ADDRESS__)
	(void)pst;
	diag("AddressSanitizer: the child has no memory limit, not tried");
#else
	char *db = mbx_asprintf("%s/grow.db", tmpdir);
	mbx_import_opts o;
	mbx_import_result r;
	int rc;

	mbx_demo_create(db);
	setenv("MBX_TEST_PROPREAD_GROW", "3", 1);
	mbx_import_opts_init(&o);
	o.db_path = db;
	o.pst_path = pst;
	o.alias = "GROWN";
	o.create = 1;
	o.max_memory = INT64_C(256) << 20;
	o.timeout_seconds = 60;
	rc = mbx_import_run(&o, &r);
	unsetenv("MBX_TEST_PROPREAD_GROW");
	is_int(rc, MBX_ECORRUPT, "a reader that grows past its 256 MiB is stopped");
	ok(r.error && strstr(r.error, "not a readable PST (reader stopped at item") &&
	   strstr(r.error, "256 MiB"), "and the error says so: %s", r.error ? r.error : "");
	is_int(mailbox_messages(db, "GROWN"), 0, "nothing kept");
	mbx_import_result_clear(&r);
	mbx_free(db);
#endif
}

int main(void)
{
	const char *sh = getenv("MBX_SHARED");
	char tmpl[] = "/tmp/t_import_pst.XXXXXX";
	char *support, *ansi, *cmd;

	if (!sh)
		tap_skip_all("MBX_SHARED is not set");
	support = mbx_asprintf("%s/testdata/pst/support.pst", sh);
	ansi = mbx_asprintf("%s/testdata/pst/ansi-32bit.pst", sh);
	if (access(support, R_OK) != 0 || access(ansi, R_OK) != 0)
		tap_skip_all("../shared/testdata/pst is not there");
	if (system("readpst -V >/dev/null 2>&1") != 0)
		tap_skip_all("readpst (pst-utils) is not installed");
	tmpdir = mkdtemp(tmpl);
	if (!tmpdir)
		tap_skip_all("no temporary directory");

	check_file(support, "support", 21);
	check_file(ansi, "ansi-32bit", 2);
	check_modes(support);
	check_large();
	check_memory_limit(support);

	cmd = mbx_asprintf("rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		diag("could not remove %s", tmpdir);
	mbx_free(cmd);
	mbx_free(support);
	mbx_free(ansi);
	return tap_done();
}
