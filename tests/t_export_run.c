/* The export API the console uses: start, progress snapshots from another
 * thread, cancel within a second with no partial file, results with cause
 * and fix, the log callback on worker threads. */
#include "config.h"
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "mbx/export.h"
#include "mbx/store.h"
#include "tap.h"

static char tmpdir[] = "/tmp/t_export_run.XXXXXX";

typedef struct logrec {
	pthread_mutex_t lock;
	int lines;
	int saw_kb;
} logrec;

static void on_log(void *ud, int level, const char *line)
{
	logrec *r = ud;

	(void)level;
	pthread_mutex_lock(&r->lock);
	r->lines++;
	if (strstr(line, "(CMapiSession::CreateEMSPSTProfile)"))
		r->saw_kb = 1;
	pthread_mutex_unlock(&r->lock);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A mailbox with nmsg messages of att_kb KiB attachments; linked to a
 * directory entry unless orphan. */
static int add_mailbox(mbx_store *st, const char *alias, const char *display, int nmsg, int att_kb,
                       int orphan)
{
	char *dn = mbx_asprintf("/o=Contoso/ou=HQ/cn=Recipients/cn=%s", alias);
	char *guid = mbx_asprintf("%08x-1111-4111-8111-000000000000", (unsigned)strlen(display) * 7919u);
	unsigned char *data = mbx_malloc((size_t)att_kb * 1024 + 1);
	mbx_recipient r;
	mbx_mailbox mb;
	mbx_folder f;
	int64_t mid, fid;
	int i, rc = 0;
	size_t k;

	memset(&mb, 0, sizeof(mb));
	mb.guid = guid;
	mb.display_name = (char *)display;
	mb.legacy_dn = dn;
	if (!orphan) {
		memset(&r, 0, sizeof(r));
		r.display_name = (char *)display;
		r.alias = (char *)alias;
		r.dn = dn;
		r.smtp = "x@contoso.com";
		r.home_server = "EXCH1";
		r.mailbox_guid = guid;
		r.legacy_dn = dn;
		rc = mbx_store_recipient_add(st, &r, NULL);
	}
	if (rc == 0)
		rc = mbx_store_mailbox_add(st, &mb, &mid);
	memset(&f, 0, sizeof(f));
	f.mailbox_id = mid;
	f.name = "Inbox";
	f.role = MBX_ROLE_INBOX;
	if (rc == 0)
		rc = mbx_store_folder_add(st, &f, &fid);
	for (k = 0; k < (size_t)att_kb * 1024; k++)
		data[k] = (unsigned char)(k * 2654435761u >> 13);
	for (i = 0; rc == 0 && i < nmsg; i++) {
		mbx_message m;
		mbx_attachment a;

		memset(&m, 0, sizeof(m));
		memset(&a, 0, sizeof(a));
		m.folder_id = fid;
		m.subject = "Test";
		m.received_time = 1700000000 + i;
		m.size = att_kb * 1024 + 500;
		a.filename = "blob.bin";
		a.size = att_kb * 1024;
		a.data = data;
		m.attachments = &a;
		m.n_attachments = att_kb > 0;
		rc = mbx_store_message_add(st, &m, NULL);
	}
	if (rc == 0)
		rc = mbx_store_mailbox_refresh_counts(st, mid);
	mbx_free(data);
	mbx_free(dn);
	mbx_free(guid);
	return rc;
}

static int count_files(const char *dir, const char *except)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && strcmp(e->d_name, except) != 0)
			n++;
	closedir(d);
	return n;
}

int main(void)
{
	char *db, *out, *out2;
	mbx_store *st = NULL;
	mbx_server_info si = { "Contoso", "HQ", "EXCH1", "%a@contoso.com" };
	mbx_export_opts o;
	mbx_export *ex = NULL;
	mbx_export_progress p;
	mbx_export_mailbox_progress per[4];
	const mbx_export_result *res;
	size_t nres = 0, nper = 0;
	const char *big[] = { "Big" };
	const char *nobody[] = { "Nobody" };
	logrec lr;
	int rc, polls = 0, torn = 0, saw_running = 0;
	double t0, waited;
	struct stat sb;

	if (!mkdtemp(tmpdir))
		tap_skip_all("no temporary directory");
	db = mbx_asprintf("%s/store.db", tmpdir);
	out = mbx_asprintf("%s/out", tmpdir);
	out2 = mbx_asprintf("%s/out2", tmpdir);
	if (mbx_store_open(&st, db, MBX_STORE_CREATE) < 0 || mbx_store_server_set(st, &si) < 0 ||
	    mbx_store_begin(st) < 0 ||
	    add_mailbox(st, "Big", "Big, Mailbox", 80, 512, 0) < 0 ||
	    add_mailbox(st, "Orphan", "Orphan, Mailbox", 2, 1, 1) < 0 ||
	    mbx_store_commit(st) < 0) {
		printf("# setup: %s\n", mbx_error_last());
		tap_skip_all("cannot build the test store");
	}
	mbx_store_free(st);
	pthread_mutex_init(&lr.lock, NULL);
	lr.lines = lr.saw_kb = 0;

	mbx_export_opts_init(&o);
	o.db_path = db;
	o.out_dir = out;
	o.log_cb = on_log;
	o.log_ud = &lr;
	o.threads = 2;

	rc = mbx_export_start(&ex, &o, nobody, 1);
	ok(rc == MBX_ENOTFOUND && ex == NULL, "unknown alias fails before any thread starts");
	ok(strstr(mbx_error_last(), "Nobody") != NULL, "and names it: %s", mbx_error_last());
	ok(stat(out, &sb) < 0, "nothing created for it");

	/* ---- a whole run, polled like the console does ---- */
	rc = mbx_export_start(&ex, &o, NULL, 0);
	ok(rc == 0, "export of every mailbox starts (%s)", rc ? mbx_error_last() : "ok");
	if (rc == 0) {
		do {
			mbx_export_progress_get(ex, &p, per, 4, &nper);
			polls++;
			if (p.bytes_done > p.bytes_total || p.items_done > p.items_total ||
			    p.mailboxes_done > p.mailboxes_total || nper != 2)
				torn++;
			if (per[0].state == MBX_EXP_RUNNING || per[1].state == MBX_EXP_RUNNING)
				saw_running = 1;
			usleep(2000);
		} while (!p.finished && p.mailboxes_done < p.mailboxes_total);
		rc = mbx_export_wait(ex);
		is_int(rc, 1, "wait: 1 because the orphaned mailbox failed");
		mbx_export_progress_get(ex, &p, per, 4, &nper);
		ok(p.finished && p.mailboxes_done == 2 && p.mailboxes_failed == 1, "overall progress at the end");
		ok(per[0].items_done == per[0].items_total && per[0].items_total == 80 &&
		   per[0].bytes_done == per[0].bytes_total && per[0].bytes_total > 40000000,
		   "Big: items and bytes complete (%lld of %lld bytes)", (long long)per[0].bytes_done,
		   (long long)per[0].bytes_total);
		ok(per[0].state == MBX_EXP_DONE && per[1].state == MBX_EXP_FAILED, "per-mailbox states");
		is_int(torn, 0, "%d snapshots, none inconsistent", polls);
		ok(saw_running, "a snapshot showed a mailbox running");
		ok(mbx_export_results(ex, &res, &nres) == 0 && nres == 2, "two results");
		if (nres == 2) {
			/* mailboxes come in display-name order: Big, Orphan */
			is_str(res[0].alias, "Big", "first result is Big");
			ok(res[0].state == MBX_EXP_DONE && res[0].verified && res[0].n_paths == 1 &&
			   res[0].items == 80 && res[0].attachments == 80 && res[0].folders == 1,
			   "Big: done, verified, one file, 80 items");
			if (res[0].n_paths == 1)
				ok(strstr(res[0].paths[0], "/out/BIG.PST") != NULL, "path %s", res[0].paths[0]);
			ok(res[1].state == MBX_EXP_FAILED && res[1].cause == MBX_EXP_CAUSE_NO_DIRECTORY_ENTRY,
			   "Orphan: failed, no directory entry");
			is_str(res[1].error, "no directory entry for this mailbox", "error text");
			is_str(res[1].fix, "run the DS/IS consistency adjuster with create-mailboxes "
			       "(mbxrescue adjust --create-mailboxes)", "fix text");
			is_int(res[1].n_paths, 0, "no file for it");
		}
		ok(lr.saw_kb && lr.lines >= 5, "log callback got the lines (%d) from the workers", lr.lines);
		is_str(mbx_export_state_name(MBX_EXP_CANCELLED), "cancelled", "state names");
		mbx_export_free(ex);
	}
	ok(stat(out, &sb) == 0 && (sb.st_mode & 0777) == 0700, "output directory 0700");

	/* ---- cancel ---- */
	o.out_dir = out2;
	o.threads = 1;
	rc = mbx_export_start(&ex, &o, big, 1);
	ok(rc == 0, "second export starts");
	if (rc == 0) {
		t0 = now();
		do {
			mbx_export_progress_get(ex, &p, NULL, 0, NULL);
			usleep(1000);
		} while (p.items_done < 5 && !p.finished && now() - t0 < 20);
		ok(!p.finished, "cancelled while running (%lld items done)", (long long)p.items_done);
		t0 = now();
		mbx_export_cancel(ex);
		rc = mbx_export_wait(ex);
		waited = now() - t0;
		ok(waited < 1.0, "workers stopped within a second (%.3f s)", waited);
		is_int(rc, 1, "wait reports the cancelled mailbox");
		if (mbx_export_results(ex, &res, &nres) == 0 && nres == 1)
			ok(res[0].state == MBX_EXP_CANCELLED && res[0].cause == MBX_EXP_CAUSE_CANCELLED,
			   "result: cancelled");
		is_int(count_files(out2, "mbxrescue.log"), 0, "no PST and no temporary left");
		mbx_export_free(ex);
	}
	/* free without wait cancels and joins */
	rc = mbx_export_start(&ex, &o, big, 1);
	ok(rc == 0, "third export starts");
	mbx_export_free(ex);
	ok(1, "free of a running export returns");
	is_int(count_files(out2, "mbxrescue.log"), 0, "and leaves no partial file");

	{
		char *cmd = mbx_asprintf("rm -rf '%s'", tmpdir);

		if (system(cmd) != 0)
			diag("could not remove %s", tmpdir);
		mbx_free(cmd);
	}
	mbx_free(db);
	mbx_free(out);
	mbx_free(out2);
	return tap_done();
}
