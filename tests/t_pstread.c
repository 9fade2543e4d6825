/*
 * tests/t_pstread.c - the isolated libpst reader (core/pstread/pstread.h): the
 * shared test PSTs read completely with the counts libpst gives; a
 * callback's stop value comes back; bad files give the one error format;
 * several threads read at once.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pstread/pstread.h"
#include "tap.h"

typedef struct counts {
	int64_t folders, messages, attachments, bytes, recipients;
	int64_t stop_after;      /* >0: return 42 from the nth message */
	int64_t total;
	int saw_drafts, saw_role_deleted, saw_appointment;
	char first_subject[128];
} counts;

static int on_folder(void *ud, const mbx_pstread_folder *f)
{
	counts *c = ud;

	c->folders++;
	if (f->path && strcmp(f->path, "Drafts") == 0 && f->role == MBX_ROLE_DRAFTS)
		c->saw_drafts = 1;
	if (f->role == MBX_ROLE_DELETED)
		c->saw_role_deleted = 1;
	return 0;
}

static int on_message(void *ud, int64_t folder_id, const mbx_message *m)
{
	counts *c = ud;
	size_t i;

	c->messages++;
	if (m->folder_id != folder_id)
		return -100;
	for (i = 0; i < m->n_attachments; i++) {
		c->attachments++;
		c->bytes += m->attachments[i].size;
		if (m->attachments[i].size > 0 && !m->attachments[i].data)
			return -101;
	}
	c->recipients += (int64_t)m->n_recipients;
	if (m->message_class && strcmp(m->message_class, "IPM.Appointment") == 0)
		c->saw_appointment = 1;
	if (!c->first_subject[0] && m->subject)
		snprintf(c->first_subject, sizeof(c->first_subject), "%s", m->subject);
	if (c->stop_after && c->messages == c->stop_after)
		return 42;
	return 0;
}

static int on_total(void *ud, int64_t n)
{
	((counts *)ud)->total = n;
	return 0;
}

static int read_file(const char *path, counts *c, mbx_pstread_stats *st)
{
	mbx_pstread_opts o;
	mbx_pstread_cb cb = { on_folder, on_message, on_total };

	mbx_pstread_opts_init(&o);
	o.timeout_seconds = 20;
	return mbx_pstread_run(path, &o, &cb, c, st);
}

static char *shared_file(const char *name)
{
	const char *sh = getenv("MBX_SHARED");
	char *p;

	if (!sh)
		return NULL;
	p = mbx_asprintf("%s/testdata/pst/%s", sh, name);
	if (access(p, R_OK) != 0) {
		mbx_free(p);
		return NULL;
	}
	return p;
}

typedef struct thr {
	const char *path;
	counts c;
	mbx_pstread_stats st;
	int rc;
	char error[512];
} thr;

static void *thread_main(void *arg)
{
	thr *t = arg;

	t->rc = read_file(t->path, &t->c, &t->st);
	snprintf(t->error, sizeof(t->error), "%s", mbx_error_last());
	return NULL;
}

static void write_bytes(const char *path, const void *p, size_t n)
{
	FILE *fp = fopen(path, "wb");

	if (fp) {
		if (n)
			fwrite(p, 1, n, fp);
		fclose(fp);
	}
}

int main(void)
{
	char *support = shared_file("support.pst"), *ansi = shared_file("ansi-32bit.pst");
	counts c;
	mbx_pstread_stats st;
	char tmpl[] = "/tmp/t_pstread.XXXXXX", *dir, *bad;
	thr t[4];
	pthread_t tids[4];
	int rc, i;

	if (!support || !ansi)
		tap_skip_all("../shared/testdata/pst is not there");

	memset(&c, 0, sizeof(c));
	rc = read_file(support, &c, &st);
	is_int(rc, 0, "support.pst is read completely");
	is_int(st.folders, 21, "support.pst: 21 folders (as libpst sees them)");
	is_int(st.messages, 17, "support.pst: 17 messages");
	is_int(st.attachments, 2, "support.pst: 2 attachments (not the recipient rows)");
	is_int(st.attachment_bytes, 3476, "support.pst: 3476 attachment bytes");
	is_int(c.folders, st.folders, "folder callback once per folder");
	is_int(c.messages, st.messages, "message callback once per message");
	is_int(c.total, st.messages, "the total announced first matches");
	ok(c.recipients > 0, "recipients come from the display lists");
	ok(c.saw_drafts, "Drafts is recognized as the drafts folder");
	ok(c.saw_role_deleted, "the message store names Deleted Items");
	is_str(st.store_name, "support", "store name");
	is_str(c.first_subject, "Desktop exploits suspension notice", "first subject");
	mbx_free(st.store_name);

	memset(&c, 0, sizeof(c));
	rc = read_file(ansi, &c, &st);
	is_int(rc, 0, "ansi-32bit.pst (32-bit ANSI) is read completely");
	is_int(st.folders, 2, "ansi-32bit.pst: 2 folders");
	is_int(st.messages, 1, "ansi-32bit.pst: 1 message");
	ok(c.saw_appointment, "its message is an appointment");
	is_str(c.first_subject, "Updated: Olympus training for new hires", "ANSI subject as UTF-8");
	mbx_free(st.store_name);

	memset(&c, 0, sizeof(c));
	c.stop_after = 3;
	rc = read_file(support, &c, &st);
	is_int(rc, 42, "a callback's non-zero value stops the read and is returned");
	is_int(c.messages, 3, "no message after the stop");
	mbx_free(st.store_name);

	/* Several reads at once: one child each. */
	for (i = 0; i < 4; i++) {
		memset(&t[i], 0, sizeof(t[i]));
		t[i].path = i % 2 ? ansi : support;
		pthread_create(&tids[i], NULL, thread_main, &t[i]);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(tids[i], NULL);
		if (!ok(t[i].rc == 0 && t[i].st.messages == (i % 2 ? 1 : 17),
		        "thread %d read its file completely", i))
			diag("rc %d, %lld messages: %s", t[i].rc, (long long)t[i].st.messages, t[i].error);
		mbx_free(t[i].st.store_name);
	}

	/* A split read (mbx_pstread_tally_run_split): the same folders and
	 * counts as one child's, whatever the number of children. */
	{
		static const int ns[] = { 2, 3, 5, 20 };
		mbx_pstread_tally one, split;
		mbx_pstread_stats s1, s2;
		size_t k, f;

		memset(&one, 0, sizeof(one));
		one.strict = 1;
		rc = mbx_pstread_tally_run(&one, support, NULL, &s1);
		is_int(rc, 0, "support.pst tallied by one child");
		for (k = 0; k < sizeof(ns) / sizeof(ns[0]); k++) {
			int same = 1;

			memset(&split, 0, sizeof(split));
			split.strict = 1;
			rc = mbx_pstread_tally_run_split(&split, support, NULL, ns[k], &s2);
			is_int(rc, 0, "support.pst tallied by %d children", ns[k]);
			same = split.n == one.n;
			for (f = 0; same && f < one.n; f++)
				same = split.folders[f].id == one.folders[f].id &&
				       strcmp(split.folders[f].path, one.folders[f].path) == 0 &&
				       memcmp(&split.folders[f].got, &one.folders[f].got, sizeof(one.folders[f].got)) == 0;
			ok(same, "%d children: the same %zu folders with the same counts", ns[k], one.n);
			ok(s2.folders == s1.folders && s2.messages == s1.messages && s2.attachments == s1.attachments &&
			   s2.attachment_bytes == s1.attachment_bytes && s2.skipped == s1.skipped,
			   "%d children: the same totals (%lld messages)", ns[k], (long long)s2.messages);
			is_str(s2.store_name, s1.store_name, "%d children: the store's name", ns[k]);
			mbx_free(s2.store_name);
			mbx_pstread_tally_clear(&split);
		}
		mbx_free(s1.store_name);
		mbx_pstread_tally_clear(&one);
	}

	/* Bad files: one error naming the file, "not a readable PST". */
	dir = mkdtemp(tmpl);
	if (!dir)
		return tap_done();
	bad = mbx_asprintf("%s/bad.pst", dir);
	write_bytes(bad, "", 0);
	memset(&c, 0, sizeof(c));
	rc = read_file(bad, &c, &st);
	is_int(rc, MBX_ECORRUPT, "an empty file is not a PST");
	ok(strstr(mbx_error_last(), "bad.pst: not a readable PST (libpst stopped at item 1)") != NULL,
	   "the error names the file and the item: %s", mbx_error_last());
	mbx_free(st.store_name);
	{
		mbx_pstread_tally split;

		memset(&split, 0, sizeof(split));
		rc = mbx_pstread_tally_run_split(&split, bad, NULL, 3, NULL);
		is_int(rc, MBX_ECORRUPT, "split read: an empty file is not a PST");
		ok(strstr(mbx_error_last(), "bad.pst: not a readable PST") != NULL,
		   "split read: the error of a child, with the file's name: %s", mbx_error_last());
		mbx_pstread_tally_clear(&split);
	}
	{
		char garbage[70000];
		unsigned v = 12345;
		size_t k;

		for (k = 0; k < sizeof(garbage); k++) {
			v = v * 1103515245u + 12345u;
			garbage[k] = (char)(v >> 16);
		}
		write_bytes(bad, garbage, sizeof(garbage));
		memset(&c, 0, sizeof(c));
		rc = read_file(bad, &c, &st);
		is_int(rc, MBX_ECORRUPT, "random bytes are not a PST");
		ok(strstr(mbx_error_last(), "not a readable PST") != NULL, "%s", mbx_error_last());
		mbx_free(st.store_name);
	}
	{
		FILE *in = fopen(support, "rb");
		char *buf = mbx_malloc(5000);
		size_t n = in ? fread(buf, 1, 5000, in) : 0;

		if (in)
			fclose(in);
		write_bytes(bad, buf, n);
		memset(&c, 0, sizeof(c));
		rc = read_file(bad, &c, &st);
		is_int(rc, MBX_ECORRUPT, "a PST cut after 5000 bytes is refused");
		ok(strstr(mbx_error_last(), "not a readable PST") != NULL, "%s", mbx_error_last());
		mbx_free(st.store_name);
		mbx_free(buf);
	}
	rc = read_file("/nonexistent/x.pst", &c, &st);
	is_int(rc, MBX_ENOTFOUND, "a missing file is MBX_ENOTFOUND");
	rc = read_file(dir, &c, &st);
	is_int(rc, MBX_EINVAL, "a directory is refused");
	unlink(bad);
	rmdir(dir);
	mbx_free(bad);
	mbx_free(support);
	mbx_free(ansi);
	return tap_done();
}
