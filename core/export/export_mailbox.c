/* One mailbox: store folders and messages -> PST file(s), verified, renamed. */
#include "config.h"
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "mbx/pst.h"
#include "mbx/text.h"
#include "export_int.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

#define CHUNK (1024 * 1024)
#define BIG_ITEM (150LL * 1024 * 1024)   /* Microsoft 365 PST import limit */
#define DEEP_TREE 300                     /* same */
#define WRITEBACK_STEP (16LL * 1024 * 1024)
#define WRITEBACK_BEHIND (2LL * 1024 * 1024)

/* One PST file being written. */
typedef struct part {
	mbx_pst *pst;
	char *tmp;             /* DIR/BASE[-NNN].PST.tmp */
	char *final;           /* DIR/BASE[-NNN].PST */
	mbx_pst_nid *nids;     /* per store folder, 0 = not in the PST */
	exp_expect expect;
	exp_pexpect pexpect;   /* what our reader must read back, message by message */
	int64_t messages;
	int closed;
	int wb_fd;             /* the temporary read-only, to start its writeback; -1 none */
	int64_t wb_done;       /* writeback started up to here */
} part;

typedef struct wctx {
	exp_mailbox_job *job;
	mbx_folder *folders;
	size_t nf;
	int *selected, *written;
	char **pst_paths;      /* per store folder: its path in the PST */
	part *parts;
	size_t n_parts;
	unsigned char *buf;    /* attachment chunk */
	int64_t items_done, bytes_done;
	int64_t normal_seen;   /* non-FAI messages reached through the folder tree */
	mbx_props store_bag;   /* the message store's bag, as written */
	exp_data *data;        /* the data of the message being written, as written */
	size_t ndata, capdata;
	size_t dropped;        /* values left out: the wrong size for their type */
	exp_pstats pstats;
} wctx;

int exp_fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = 0;

	if (fd < 0)
		return mbx_error_set(MBX_EIO, "cannot open directory '%s': %s", dir, strerror(errno));
	if (fsync(fd) < 0 && errno != EINVAL)
		rc = mbx_error_set(MBX_EIO, "cannot fsync directory '%s': %s", dir, strerror(errno));
	close(fd);
	return rc;
}

void exp_remove_temporaries(const char *out_dir, const char *base)
{
	int k, misses = 0;

	/* Parts are numbered without gaps; allow one gap for safety. */
	for (k = 1; k < 1000 && misses < 2; k++) {
		char *name = exp_part_name(base, k);
		char *p = mbx_asprintf("%s/%s.tmp", out_dir, name);

		if (unlink(p) == 0)
			misses = 0;
		else
			misses++;
		mbx_free(p);
		mbx_free(name);
	}
}

static int cancelled(wctx *w)
{
	return w->job->cancelled && w->job->cancelled(w->job->ud);
}

/* Text for the writer must be valid UTF-8; the store should only hold
 * that, but a restored store may not: replace bad bytes, keep the rest. */
static const char *valid(const char *s, char **tmp)
{
	if (!s || mbx_utf8_valid(s, strlen(s)))
		return s;
	mbx_free(*tmp);
	*tmp = mbx_text_clean(s, -1, 0, NULL);
	return *tmp;
}

static int io_cause(int rc)
{
	return rc == MBX_EIO || rc == MBX_ENOSPC || rc == MBX_EREADONLY;
}

static int fail(wctx *w, int rc, mbx_export_cause cause, const char *fix)
{
	exp_mailbox_job *j = w->job;

	if (j->error)
		return rc;
	j->cause = cause;
	j->error = mbx_strdup(mbx_error_last());
	if (fix && !j->fix)
		j->fix = mbx_strdup(fix);
	return rc;
}

static int write_failed(wctx *w, int rc)
{
	if (rc == MBX_ECANCELLED)
		return fail(w, rc, MBX_EXP_CAUSE_CANCELLED, NULL);
	if (rc == MBX_ENOSPC)
		return fail(w, rc, MBX_EXP_CAUSE_IO, "free space in the output directory (or choose another "
		            "with --out) and run the export again with --resume");
	if (io_cause(rc))
		return fail(w, rc, MBX_EXP_CAUSE_IO, "make the output directory writable (or choose another "
		            "with --out) and run the export again with --resume");
	return fail(w, rc, MBX_EXP_CAUSE_OTHER, NULL);
}

/* ---- folders ------------------------------------------------------------- */

static size_t parent_of(const wctx *w, size_t i)
{
	size_t j;

	for (j = i; j-- > 0;)
		if (w->folders[j].id == w->folders[i].parent_id)
			return j;
	return (size_t)-1;
}

/* PST paths.  The mailbox's top-level Deleted Items becomes the PST's
 * own Deleted Items folder, with the mailbox folder's properties (its
 * name among them, in whatever language the store has it). */
static void compute_paths(wctx *w)
{
	size_t i;

	w->pst_paths = mbx_calloc(w->nf ? w->nf : 1, sizeof(char *));
	for (i = 0; i < w->nf; i++) {
		size_t p = parent_of(w, i);
		const char *name = w->folders[i].name && *w->folders[i].name ? w->folders[i].name : "(no name)";

		w->pst_paths[i] = mbx_pstread_path_join(p == (size_t)-1 ? "" : w->pst_paths[p], name);
	}
}

/* The bags as the file gets them: values of the wrong size for their type
 * are reported and left out, here, once, so that the writer and the
 * verification see the same bag. */
static void screen(wctx *w, mbx_props *b, const char *item)
{
	mbx_props tmp;

	mbx_props_init(&tmp);
	if (exp_bag_screen(b, w->job->log, item, &tmp, &w->dropped) == &tmp) {
		mbx_props_clear(b);
		*b = tmp;
	}
}

static void screen_message(wctx *w, mbx_message *m, const char *where, int depth)
{
	char *subj = mbx_text_clean(m->subject ? m->subject : "", 60, 0, NULL);
	char *item = mbx_asprintf("item '%s' %s", subj, where);
	size_t i;

	screen(w, &m->bag, item);
	for (i = 0; i < m->n_recipients; i++) {
		char *r = mbx_asprintf("recipient %zu of %s", i + 1, item);

		screen(w, &m->recipients[i].bag, r);
		mbx_free(r);
	}
	for (i = 0; i < m->n_attachments; i++) {
		char *a = mbx_asprintf("attachment %zu of %s", i + 1, item);

		screen(w, &m->attachments[i].bag, a);
		mbx_free(a);
		if (m->attachments[i].embedded && depth < 64) {
			char *in = mbx_asprintf("attached to %s", item);

			screen_message(w, m->attachments[i].embedded, in, depth + 1);
			mbx_free(in);
		}
	}
	mbx_free(item);
	mbx_free(subj);
}

static int create_folders(wctx *w, part *pt)
{
	mbx_pst_nid top = mbx_pst_top_folder(pt->pst);
	int have_deleted = 0;
	size_t i;
	int rc;

	for (i = 0; i < w->nf; i++) {
		const mbx_folder *f = &w->folders[i];
		size_t p = parent_of(w, i);
		char *t1 = NULL, *t2 = NULL;

		if (!w->written[i])
			continue;
		if (p == (size_t)-1 && f->role == MBX_ROLE_DELETED && !have_deleted) {
			pt->nids[i] = mbx_pst_deleted_items(pt->pst);
			have_deleted = 1;
			rc = f->bag.n ? mbx_pst_folder_set_props(pt->pst, pt->nids[i], &f->bag) : 0;
		} else {
			rc = mbx_pst_folder_add_props(pt->pst, p == (size_t)-1 ? top : pt->nids[p],
			                              valid(f->name && *f->name ? f->name : "(no name)", &t1),
			                              valid(f->container_class, &t2), f->bag.n ? &f->bag : NULL,
			                              &pt->nids[i]);
		}
		mbx_free(t1);
		mbx_free(t2);
		if (rc < 0)
			return mbx_error_prefix(rc, "folder '%s'", w->pst_paths[i]);
		exp_expect_folder_at(&pt->expect, w->pst_paths[i]);
		exp_pexpect_folder(&pt->pexpect, i, pt->nids[i]);
	}
	return 0;
}

static int open_part(wctx *w)
{
	exp_mailbox_job *j = w->job;
	mbx_pst_opts o;
	part *pt;
	char *name;
	int rc;

	w->parts = mbx_reallocarray(w->parts, w->n_parts + 1, sizeof(*w->parts));
	pt = &w->parts[w->n_parts++];
	memset(pt, 0, sizeof(*pt));
	name = exp_part_name(j->base, (int)w->n_parts);
	pt->final = mbx_asprintf("%s/%s", j->out_dir, name);
	pt->tmp = mbx_asprintf("%s.tmp", pt->final);
	mbx_free(name);
	pt->nids = mbx_calloc(w->nf ? w->nf : 1, sizeof(*pt->nids));
	pt->wb_fd = -1;
	unlink(pt->tmp);

	mbx_pst_opts_init(&o);
	o.crypt = j->crypt;
	o.display_name = j->mb->display_name;
	o.store_props = w->store_bag.n ? &w->store_bag : NULL;
	o.bags_whole = 1;   /* loads give every object its complete bag */
	o.fsync = 0;       /* sync_parts, beside the verification */
	o.keep_temp = 1;   /* we name the temporary, verify, then rename */
	rc = mbx_pst_create(&pt->pst, pt->tmp, &o);
	if (rc < 0)
		return rc;
	pt->wb_fd = open(pt->tmp, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	/* PST files hold mail: owner only, whatever the umask. */
	if (chmod(pt->tmp, 0600) < 0)
		return mbx_error_set(MBX_EIO, "cannot chmod '%s': %s", pt->tmp, strerror(errno));
	return create_folders(w, pt);
}

static int close_part(wctx *w, part *pt)
{
	int rc;

	if (pt->closed)
		return 0;
	rc = mbx_pst_close(pt->pst);
	pt->closed = 1;
	if (rc < 0)
		return mbx_error_prefix(rc, "PST file '%s'", pt->tmp);
	mbx_log_write(w->job->log, MBX_LOG_MAX, "Wrote %lld messages to '%s'",
	              (long long)pt->messages, pt->tmp);
	return 0;
}

/* ---- messages ------------------------------------------------------------ */

/* The writer's view of a message: its bag, and the fields for what the
 * bag lacks (loads give complete bags: nothing, as a rule). */
static void fill_props(const mbx_message *m, mbx_pst_message_props *p, char **tmp)
{
	memset(p, 0, sizeof(*p));
	p->props = m->bag.n ? &m->bag : NULL;
	p->message_class = valid(m->message_class, &tmp[0]);
	p->subject = valid(m->subject, &tmp[1]);
	p->sender_name = valid(m->sender_name, &tmp[2]);
	p->sender_address = valid(m->sender_address, &tmp[3]);
	p->sender_addrtype = valid(m->sender_addrtype, &tmp[4]);
	p->body = valid(m->body, &tmp[5]);
	p->html_body = valid(m->html_body, &tmp[6]);
	p->transport_headers = valid(m->transport_headers, &tmp[7]);
	p->internet_message_id = valid(m->internet_message_id, &tmp[8]);
	p->submit_time = m->sent_time;
	p->delivery_time = m->received_time;
	p->flags = m->flags;
	p->importance = m->importance;
	p->flag_status = m->flag_status;
	p->associated = m->associated;
}

#define N_TMP 9

static void free_tmp(char **tmp, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		mbx_free(tmp[i]);
}

static int write_content(wctx *w, mbx_pst_msg *pm, const mbx_message *m, int depth);

static void data_add(wctx *w, const exp_data *d)
{
	if (w->ndata == w->capdata) {
		w->capdata = w->capdata ? 2 * w->capdata : 16;
		w->data = mbx_reallocarray(w->data, w->capdata, sizeof(*w->data));
	}
	w->data[w->ndata++] = *d;
}

static int write_attachment(wctx *w, mbx_pst_msg *pm, const mbx_attachment *a, int depth)
{
	mbx_pst_attach_props ap;
	char *t1 = NULL, *t2 = NULL;
	exp_hash h;
	exp_data d;
	int64_t off = 0;
	int rc;

	memset(&ap, 0, sizeof(ap));
	ap.props = a->bag.n ? &a->bag : NULL;
	if (a->embedded) {
		mbx_pst_message_props p;
		char *tmp[N_TMP] = { 0 };
		mbx_pst_msg *em;

		fill_props(a->embedded, &p, tmp);
		ap.filename = valid(a->filename ? a->filename : a->embedded->subject, &t1);
		rc = mbx_pst_attach_message_begin_props(pm, &ap, &p, &em);
		free_tmp(tmp, N_TMP);
		mbx_free(t1);
		if (rc < 0)
			return rc;
		rc = write_content(w, em, a->embedded, depth + 1);
		if (rc < 0)
			return rc;
		return mbx_pst_message_end(em, NULL);
	}
	ap.filename = valid(a->filename, &t1);
	ap.mime_type = valid(a->mime_type, &t2);
	ap.size = a->size;
	rc = mbx_pst_attach_begin(pm, &ap);
	mbx_free(t1);
	mbx_free(t2);
	if (rc < 0)
		return rc;
	exp_hash_init(&h, 0);
	while (off < a->size) {
		size_t want = a->size - off > CHUNK ? CHUNK : (size_t)(a->size - off);
		size_t got = 0;

		if (cancelled(w))
			return mbx_error_set(MBX_ECANCELLED, "cancelled");
		rc = mbx_store_attachment_read(w->job->st, a->id, off, w->buf, want, &got);
		if (rc < 0)
			return rc;
		if (got == 0)
			return mbx_error_set(MBX_ECORRUPT, "attachment '%s' ends at %lld of %lld bytes in the store",
			                     a->filename ? a->filename : "", (long long)off, (long long)a->size);
		rc = mbx_pst_attach_write(pm, w->buf, got);
		if (rc < 0)
			return rc;
		exp_hash_update(&h, w->buf, got);
		off += (int64_t)got;
		exp_gate_yield();
	}
	/* what the verification reads back: the bytes as they went out */
	d.present = exp_data_present(a);
	d.size = off;
	d.hash = exp_hash_final(&h);
	data_add(w, &d);
	return mbx_pst_attach_end(pm);
}

/* Recipients and attachments of a (possibly embedded) message. */
static int write_content(wctx *w, mbx_pst_msg *pm, const mbx_message *m, int depth)
{
	size_t i;
	int rc;

	if (depth > 64)
		return mbx_error_set(MBX_ELIMIT, "embedded messages nested more than 64 deep");
	for (i = 0; i < m->n_recipients; i++) {
		const mbx_msg_recipient *r = &m->recipients[i];
		mbx_pst_recipient pr;
		char *t[3] = { 0 };

		memset(&pr, 0, sizeof(pr));
		pr.type = (int)r->type;
		pr.name = valid(r->name, &t[0]);
		pr.address = valid(r->address, &t[1]);
		pr.addrtype = valid(r->addrtype, &t[2]);
		pr.props = r->bag.n ? &r->bag : NULL;
		rc = mbx_pst_message_add_recipient(pm, &pr);
		free_tmp(t, 3);
		if (rc < 0)
			return rc;
	}
	for (i = 0; i < m->n_attachments; i++) {
		rc = write_attachment(w, pm, &m->attachments[i], depth);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int64_t estimate(const mbx_message *m)
{
	int64_t est = 1024;
	size_t i;

	if (m->body)
		est += 2 * (int64_t)strlen(m->body);   /* UTF-16 */
	if (m->html_body)
		est += (int64_t)strlen(m->html_body);
	if (m->transport_headers)
		est += 2 * (int64_t)strlen(m->transport_headers);
	for (i = 0; i < m->n_attachments; i++)
		est += m->attachments[i].embedded ? estimate(m->attachments[i].embedded)
		                                  : m->attachments[i].size + 512;
	return est > m->size ? est : m->size;
}

static int write_message(wctx *w, size_t fi, const mbx_message *m)
{
	exp_mailbox_job *j = w->job;
	part *pt = &w->parts[w->n_parts - 1];
	int64_t est = estimate(m);
	mbx_pst_message_props p;
	char *tmp[N_TMP] = { 0 };
	mbx_pst_msg_info info;
	mbx_pst_msg *pm;
	size_t i, k;
	int rc;

	if (est > BIG_ITEM)
		mbx_log_write(j->log, MBX_LOG_MIN, "Warning: item '%s' in folder '%s' of mailbox '%s' is %lld MB: "
		              "Microsoft 365 PST import refuses items over 150 MB",
		              m->subject ? m->subject : "", w->pst_paths[fi], j->mb->display_name,
		              (long long)(est >> 20));
	/* Split by whole messages; the reserve covers the tables and B-trees
	 * that closing the file adds. */
	if (j->max_pst_size > 0 && pt->messages > 0 &&
	    mbx_pst_size(pt->pst) + est > j->max_pst_size - j->max_pst_size / 8) {
		rc = close_part(w, pt);
		if (rc < 0)
			return rc;
		rc = open_part(w);
		if (rc < 0)
			return rc;
		pt = &w->parts[w->n_parts - 1];
		mbx_log_write(j->log, MBX_LOG_MED, "Continuing mailbox '%s' in file '%s'",
		              j->mb->display_name, pt->final);
	}
	fill_props(m, &p, tmp);
	rc = mbx_pst_message_begin(pt->pst, pt->nids[fi], &p, &pm);
	free_tmp(tmp, N_TMP);
	if (rc < 0)
		return rc;
	w->ndata = 0;
	rc = write_content(w, pm, m, 0);
	if (rc < 0)
		return rc;
	rc = mbx_pst_message_end_info(pm, &info);
	if (rc < 0)
		return rc;
	pt->messages++;
	exp_pexpect_add(exp_pexpect_folder(&pt->pexpect, fi, pt->nids[fi]), m->associated, m->id,
	                exp_message_digest(m, w->data, w->ndata));
	/* what the verification must read back: the walk it counts with */
	k = exp_expect_folder_at(&pt->expect, w->pst_paths[fi]);
	if (info.subnode_levels > 1 && m->n_attachments) {
		/* libpst reads one level of a subnode tree: it sees the message
		 * without its attachments, which our reader alone verifies */
		mbx_message bare = *m;

		bare.n_attachments = 0;
		mbx_pstread_count_message(&pt->expect.folders[k].want, &bare);
		mbx_log_write(j->log, MBX_LOG_MED, "Item '%s' in folder '%s' has %zu attachments: more subnodes "
		              "than libpst reads, its attachments are verified by our reader alone",
		              m->subject ? m->subject : "", w->pst_paths[fi], m->n_attachments);
	} else {
		mbx_pstread_count_message(&pt->expect.folders[k].want, m);
	}
	j->items++;
	j->bytes += m->size;
	for (i = 0; i < m->n_attachments; i++)
		j->attachments++;
	mbx_log_write(j->log, MBX_LOG_MAX, "Copied message '%s' in folder '%s'",
	              m->subject ? m->subject : "", w->pst_paths[fi]);
	return 0;
}

/*
 * Start writing the part's finished pages to disk while the export goes
 * on (the kernel would keep a whole 1 GB file dirty until the fsync after
 * close, which then waits for all of it).  Only a hint: that fsync
 * (sync_parts) still makes the file durable before it is renamed.
 */
static void start_writeback(part *pt)
{
#ifdef SYNC_FILE_RANGE_WRITE
	int64_t size;

	if (pt->wb_fd < 0 || pt->closed)
		return;
	size = mbx_pst_size(pt->pst);
	if (size - pt->wb_done < WRITEBACK_STEP)
		return;
	/* The writer's last megabyte may still sit in its buffer: start
	 * the next range a little before this one's end. */
	(void)sync_file_range(pt->wb_fd, (off_t)pt->wb_done, (off_t)(size - pt->wb_done),
	                      SYNC_FILE_RANGE_WRITE);
	pt->wb_done = size - WRITEBACK_BEHIND;
#else
	(void)pt;
#endif
}

static int copy_folder(wctx *w, size_t fi)
{
	exp_mailbox_job *j = w->job;
	mbx_msg_iter *it = NULL;
	mbx_message *m = NULL;
	int64_t copied = 0, skipped = 0;
	int rc;

	rc = mbx_store_messages(j->st, w->folders[fi].id, &it);
	if (rc < 0)
		return rc;
	while ((rc = mbx_msg_iter_next(it, &m)) > 0) {
		if (cancelled(w)) {
			rc = mbx_error_set(MBX_ECANCELLED, "cancelled");
			break;
		}
		if (!m->associated)
			w->normal_seen++;
		if (exp_filter_message(j->filter, m)) {
			char *where = mbx_asprintf("in folder '%s'", w->pst_paths[fi]);

			screen_message(w, m, where, 0);
			mbx_free(where);
			rc = write_message(w, fi, m);
			if (rc < 0)
				break;
			start_writeback(&w->parts[w->n_parts - 1]);
			copied++;
		} else {
			skipped++;
		}
		w->items_done++;
		w->bytes_done += m->size;
		if (j->progress)
			j->progress(j->ud, w->items_done, w->bytes_done);
		mbx_message_free(m);
		m = NULL;
		exp_gate_yield();
	}
	mbx_message_free(m);
	mbx_msg_iter_free(it);
	if (rc < 0)
		return rc;
	mbx_log_write(j->log, MBX_LOG_MED, "Folder '%s': %lld items copied, %lld skipped by the filters",
	              w->pst_paths[fi], (long long)copied, (long long)skipped);
	return 0;
}

/* ---- the whole mailbox ---------------------------------------------------- */

static int verify_cancel(void *ud)
{
	exp_mailbox_job *j = ud;

	return j->cancelled && j->cancelled(j->ud);
}

/* 1 when folder i is root or below it (root (size_t)-1: never). */
static int in_subtree(const wctx *w, size_t i, size_t root)
{
	size_t depth = 0;

	while (root != (size_t)-1 && i != (size_t)-1 && depth++ <= MBX_FOLDER_DEPTH_MAX) {
		if (i == root)
			return 1;
		i = parent_of(w, i);
	}
	return 0;
}

static int write_all(wctx *w)
{
	exp_mailbox_job *j = w->job;
	int warned_depth = 0, pass;
	int64_t total = 0;
	size_t i, deleted = (size_t)-1;
	int rc;

	/* the message store's properties: a list of mailboxes leaves them out */
	if (j->mb->bag.n) {
		mbx_props_copy(&w->store_bag, &j->mb->bag);
	} else {
		mbx_mailbox full;

		memset(&full, 0, sizeof(full));
		rc = mbx_store_mailbox_by_id(j->st, j->mb->id, &full);
		if (rc < 0)
			return rc;
		w->store_bag = full.bag;
		mbx_props_init(&full.bag);
		mbx_mailbox_clear(&full);
	}
	screen(w, &w->store_bag, "the message store");
	rc = mbx_store_folders(j->st, j->mb->id, &w->folders, &w->nf);
	if (rc < 0)
		return rc;
	w->selected = mbx_calloc(w->nf ? w->nf : 1, sizeof(int));
	w->written = mbx_calloc(w->nf ? w->nf : 1, sizeof(int));
	exp_filter_folders(j->filter, w->folders, w->nf, w->selected, w->written);
	compute_paths(w);
	for (i = 0; i < w->nf; i++) {
		char *item = mbx_asprintf("folder '%s'", w->pst_paths[i]);

		screen(w, &w->folders[i].bag, item);
		mbx_free(item);
	}
	for (i = 0; i < w->nf; i++) {
		if (w->written[i] && !warned_depth &&
		    exp_folder_depth(w->folders, w->nf, i) >= DEEP_TREE) {
			mbx_log_write(j->log, MBX_LOG_MIN, "Warning: mailbox '%s' has folders %d or more levels "
			              "deep: Microsoft 365 PST import refuses them", j->mb->display_name, DEEP_TREE);
			warned_depth = 1;
		}
		if (w->written[i])
			j->folders++;
		if (w->selected[i])
			total += w->folders[i].message_count;
	}
	if (j->total)
		j->total(j->ud, total);
	for (i = 0; i < w->nf && deleted == (size_t)-1; i++)
		if (w->written[i] && w->folders[i].role == MBX_ROLE_DELETED && parent_of(w, i) == (size_t)-1)
			deleted = i;
	rc = open_part(w);
	if (rc < 0)
		return rc;
	/* The PST's Deleted Items has a fixed NID that libpst lists before
	 * every other folder: its subtree goes first, so that the writer's
	 * falling message NIDs put the messages in libpst's own folder order
	 * and its node tree loads in linear time (core/pst/msg_store.c). */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < w->nf; i++) {
			if (!w->selected[i] || in_subtree(w, i, deleted) != (pass == 0))
				continue;
			rc = copy_folder(w, i);
			if (rc < 0)
				return rc;
		}
	}
	/* Nothing lost: every item the store counts for the mailbox must have
	 * been reached through its folder tree (a folder whose parent is
	 * missing, or a tree deeper than the store reads, would hide some). */
	if (j->filter->n_include == 0 && j->filter->n_exclude == 0 && w->normal_seen < j->mb->item_count) {
		j->fix = mbx_strdup("check the mailbox's folders with `mbxrescue check`; the store still "
		                    "holds every item");
		return mbx_error_set(MBX_ECORRUPT, "the store counts %lld items in mailbox '%s' but only %lld "
		                     "are reachable through its folder tree", (long long)j->mb->item_count,
		                     j->mb->display_name, (long long)w->normal_seen);
	}
	return close_part(w, &w->parts[w->n_parts - 1]);
}

static int verify_all(wctx *w)
{
	exp_mailbox_job *j = w->job;
	double t0, t_props = 0, t_libpst = 0;
	size_t k;
	int rc = 0;

	if (j->verifying)
		j->verifying(j->ud);
	for (k = 0; k < w->n_parts && rc == 0; k++) {
		exp_pverify v;

		/* every property, with our reader, in this process (no fork) */
		memset(&v, 0, sizeof(v));
		v.path = w->parts[k].tmp;
		v.st = j->st;
		v.log = j->log;
		v.store_bag = &w->store_bag;
		v.folders = w->folders;
		v.paths = w->pst_paths;
		v.cancelled = verify_cancel;
		v.ud = j;
		v.yield = exp_gate_yield;
		v.stats = &w->pstats;
		t0 = now();
		rc = exp_verify_props(&v, &w->parts[k].pexpect);
		t_props += now() - t0;
		if (rc < 0)
			break;
		/* libpst, the independent reader: out of the gate, our own fork
		 * must not wait for ourselves */
		t0 = now();
		exp_gate_leave();
		exp_verify_lock();
		rc = exp_verify(w->parts[k].tmp, &w->parts[k].expect, verify_cancel, j);
		exp_verify_unlock();
		exp_gate_enter();
		t_libpst += now() - t0;
	}
	mbx_log_write(j->log, MBX_LOG_MAX, "Verification of mailbox '%s': every property of %lld folders and "
	              "%lld messages read back in %.2f s, libpst in %.2f s%s", j->mb->display_name,
	              (long long)w->pstats.folders, (long long)w->pstats.messages, t_props, t_libpst,
	              rc < 0 ? " (failed)" : "");
	return rc;
}

/*
 * The parts reach the disk on a thread of their own while verification
 * reads them back (from the page cache, as it would after an fsync too):
 * what matters is kept, no part gets its final name before it is both
 * durable and verified.
 */
typedef struct part_sync {
	wctx *w;
	pthread_t thread;
	int started;
	int err;               /* errno of the first failure */
	size_t bad;            /* its part */
	char *check;           /* every part's fingerprint, a line each */
} part_sync;

/* fsync each part, then take its fingerprint for --resume (the file is
 * in the page cache: hashing it costs no disk reads). */
static void *sync_main(void *arg)
{
	part_sync *ps = arg;
	size_t k;

	for (k = 0; k < ps->w->n_parts && !ps->err; k++) {
		part *pt = &ps->w->parts[k];
		int fd = pt->wb_fd >= 0 ? pt->wb_fd : open(pt->tmp, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		char *fp = NULL, *all;

		if (fd < 0 || fsync(fd) < 0) {
			ps->err = errno ? errno : EIO;
			ps->bad = k;
		} else if (exp_file_fingerprint(fd, pt->tmp, NULL, NULL, &fp) < 0) {
			ps->err = EIO;
			ps->bad = k;
		} else {
			all = mbx_asprintf("%s%s\n", ps->check ? ps->check : "", fp);
			mbx_free(ps->check);
			ps->check = all;
		}
		mbx_free(fp);
		if (fd >= 0 && fd != pt->wb_fd)
			close(fd);
	}
	return NULL;
}

static void sync_parts_start(wctx *w, part_sync *ps)
{
	memset(ps, 0, sizeof(*ps));
	ps->w = w;
	ps->started = pthread_create(&ps->thread, NULL, sync_main, ps) == 0;
	if (!ps->started)
		sync_main(ps);   /* no thread to be had: here, first */
}

static int sync_parts_finish(part_sync *ps)
{
	if (ps->started)
		pthread_join(ps->thread, NULL);
	ps->started = 0;
	if (!ps->err)
		return 0;
	mbx_free(ps->check);
	ps->check = NULL;
	return mbx_error_set(ps->err == ENOSPC || ps->err == EDQUOT ? MBX_ENOSPC : MBX_EIO,
	                     "cannot write '%s' to disk: %s%s", ps->w->parts[ps->bad].tmp,
	                     strerror(ps->err), ps->err == ENOSPC || ps->err == EDQUOT ?
	                     " (free some space or choose another output directory)" : "");
}

/* Verified: give the parts their final names, then make that durable. */
static int rename_all(wctx *w)
{
	exp_mailbox_job *j = w->job;
	size_t k;

	for (k = 0; k < w->n_parts; k++)
		if (rename(w->parts[k].tmp, w->parts[k].final) < 0)
			return mbx_error_set(errno == ENOSPC ? MBX_ENOSPC : MBX_EIO, "cannot rename '%s' to '%s': %s",
			                     w->parts[k].tmp, w->parts[k].final, strerror(errno));
	/* A stale part of an earlier, longer split would look like ours. */
	for (k = w->n_parts + 1; k < 1000; k++) {
		char *name = exp_part_name(j->base, (int)k);
		char *p = mbx_asprintf("%s/%s", j->out_dir, name);
		int gone = unlink(p) < 0;

		mbx_free(p);
		mbx_free(name);
		if (gone)
			break;
	}
	j->paths = mbx_calloc(w->n_parts, sizeof(char *));
	for (k = 0; k < w->n_parts; k++)
		j->paths[k] = mbx_strdup(w->parts[k].final);
	j->n_paths = w->n_parts;
	return exp_fsync_dir(j->out_dir);
}

/* Verification failed: keep the file for inspection under a name that
 * says so, never under the final name. */
static void mark_unverified(wctx *w)
{
	size_t k;

	for (k = 0; k < w->n_parts; k++) {
		char *bad = mbx_asprintf("%s.unverified", w->parts[k].final);

		if (rename(w->parts[k].tmp, bad) < 0)
			unlink(w->parts[k].tmp);
		mbx_free(bad);
	}
	exp_fsync_dir(w->job->out_dir);
}

static void cleanup(wctx *w, int remove_tmp)
{
	size_t k, i;

	for (k = 0; k < w->n_parts; k++) {
		part *pt = &w->parts[k];

		mbx_pst_free(pt->pst);
		if (pt->wb_fd >= 0)
			close(pt->wb_fd);
		if (remove_tmp)
			unlink(pt->tmp);
		mbx_free(pt->tmp);
		mbx_free(pt->final);
		mbx_free(pt->nids);
		exp_expect_clear(&pt->expect);
		exp_pexpect_clear(&pt->pexpect);
	}
	mbx_free(w->parts);
	if (w->pst_paths)
		for (i = 0; i < w->nf; i++)
			mbx_free(w->pst_paths[i]);
	mbx_free(w->pst_paths);
	mbx_folders_free(w->folders, w->nf);
	mbx_free(w->selected);
	mbx_free(w->written);
	mbx_free(w->buf);
	mbx_free(w->data);
	mbx_props_clear(&w->store_bag);
}

int exp_mailbox_export(exp_mailbox_job *job)
{
	wctx w;
	part_sync ps;
	int rc, src;

	memset(&w, 0, sizeof(w));
	w.job = job;
	w.buf = mbx_malloc(CHUNK);
	rc = write_all(&w);
	if (rc < 0) {
		write_failed(&w, rc);
		cleanup(&w, 1);
		return rc;
	}
	sync_parts_start(&w, &ps);
	rc = verify_all(&w);
	src = sync_parts_finish(&ps);
	if (src < 0) {
		write_failed(&w, src);
		cleanup(&w, 1);
		return src;
	}
	if (rc < 0)
		mbx_free(ps.check);
	if (rc == MBX_ECANCELLED) {
		fail(&w, rc, MBX_EXP_CAUSE_CANCELLED, NULL);
		cleanup(&w, 1);
		return rc;
	}
	if (rc < 0) {
		fail(&w, rc, MBX_EXP_CAUSE_VERIFY, "keep the .unverified file for inspection, run "
		     "`mbxrescue pst-check` on it and report the problem; the store still holds the mail");
		mark_unverified(&w);
		cleanup(&w, 1);
		return rc;
	}
	job->verified = 1;
	rc = rename_all(&w);
	if (rc < 0)
		write_failed(&w, rc);
	else
		job->check = ps.check;
	if (rc < 0)
		mbx_free(ps.check);
	cleanup(&w, 1);
	return rc;
}

/* ---- export_items.c's way in ---------------------------------------------- */

/*
 * One message, its recipients, attachments and embedded messages, into
 * folder `folder` of pst, as write_message writes a mailbox's: what
 * export-items (export_items.c) puts into its one file.  job gives the
 * store (attachment data), the cancel callback and its ud; buf is a
 * CHUNK-sized buffer (EXP_ITEM_BUF).
 */
int exp_item_write(exp_mailbox_job *job, mbx_pst *pst, mbx_pst_nid folder, const mbx_message *m,
                   unsigned char *buf)
{
	mbx_pst_message_props p;
	char *tmp[N_TMP] = { 0 };
	mbx_pst_msg *pm;
	wctx w;
	int rc;

	memset(&w, 0, sizeof(w));
	w.job = job;
	w.buf = buf;
	fill_props(m, &p, tmp);
	rc = mbx_pst_message_begin(pst, folder, &p, &pm);
	free_tmp(tmp, N_TMP);
	if (rc < 0)
		return rc;
	rc = write_content(&w, pm, m, 0);
	if (rc < 0)
		return rc;
	return mbx_pst_message_end(pm, NULL);
}
