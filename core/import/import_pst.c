/*
 * core/import/import_pst.c - PST files into store mailboxes (mbx/import.h),
 * Exmerge's step 2.  The file is read by the isolated libpst reader
 * (core/pstread/pstread.h); every folder and message of one file goes into the
 * store inside one transaction, committed only when the whole file was
 * read, so a corrupt file, a cancel or a store error leaves nothing.
 *
 * Folders are matched like Exmerge does: a special folder of the PST
 * (Inbox, Sent Items, ...) goes into the mailbox's folder of the same role
 * whatever its name; other folders by path, case-insensitively; missing
 * folders are created.
 */
#include "config.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "mbx/import.h"
#include "mbx/text.h"
#include "pstread/pstread.h"

typedef struct im_folder {
	char *path;              /* path in the mailbox */
	int64_t id;              /* store folder id */
	mbx_folder_role role;
	int64_t parent_id;
} im_folder;

typedef struct im_map {
	int64_t pst_id;
	int64_t store_id;
	char *path;              /* path in the PST, for progress and the log */
} im_map;

/* Shared between the import thread and the caller. */
struct mbx_import {
	mbx_import_opts opts;    /* strings owned (copied) */
	pthread_t thread;
	int started;
	pthread_mutex_t lock;
	mbx_import_progress prog;
	int cancel;              /* read and written with __atomic builtins */
	mbx_import_result result;
	int64_t t0;
};

/* One run: state of the import thread only. */
typedef struct im_run {
	mbx_import *im;          /* progress and cancel flag */
	const mbx_import_opts *opts;
	mbx_store *st;
	mbx_log *log;
	mbx_mailbox mbx;
	int64_t base_id;         /* folder below which the PST goes (0 = top) */
	char *base_path;         /* its path, NULL at the top */
	im_folder *folders;      /* the mailbox's folders, existing and new */
	size_t n_folders, cap_folders;
	im_map *map;             /* PST folder id -> store folder */
	size_t n_map, cap_map;
	int64_t root_items_id;   /* folder for messages at the PST's top, 0 = not yet */
	mbx_import_result *res;
	int bulk;                /* the store is in bulk mode: its file is written directly */
	int64_t wb_pending;      /* bytes added since writeback was last started */
	/* Set up by im_prepare (the store's part of the run): */
	mbx_server_info srv;
	int in_txn;
	int turn;                /* holds im_turn (opts->spool) */
	int prepared;            /* im_prepare has run */
	char *c_file, *c_name, *c_alias, *c_server;
	char *store_name;        /* the PST's message store display name, or NULL */
} im_run;

/* Imports with opts->spool take turns at the store: one writes while the
 * others read their files (SQLite has one writer per file). */
static pthread_mutex_t im_turn = PTHREAD_MUTEX_INITIALIZER;

static const char *const mode_names[] = { "copy", "merge", "replace" };

const char *mbx_import_mode_name(mbx_import_mode mode)
{
	if ((int)mode < 0 || (size_t)mode >= sizeof(mode_names) / sizeof(mode_names[0]))
		return "?";
	return mode_names[mode];
}

int mbx_import_mode_parse(const char *name, mbx_import_mode *out)
{
	size_t i;

	for (i = 0; name && i < sizeof(mode_names) / sizeof(mode_names[0]); i++) {
		if (strcasecmp(name, mode_names[i]) == 0) {
			*out = (mbx_import_mode)i;
			return 0;
		}
	}
	return mbx_error_set(MBX_EINVAL, "unknown import mode '%s': use copy, merge or replace",
	                     name ? name : "");
}

void mbx_import_opts_init(mbx_import_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->mode = MBX_IMPORT_MERGE;
	opts->log_level = MBX_LOG_MIN;
}

void mbx_import_result_clear(mbx_import_result *r)
{
	if (!r)
		return;
	mbx_free(r->error);
	mbx_free(r->alias);
	mbx_free(r->display_name);
	memset(r, 0, sizeof(*r));
}

static int64_t im_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* An outside string made safe for the log. */
static char *im_clean(const char *s)
{
	return mbx_text_clean(s ? s : "", 160, MBX_TEXT_ELLIPSIS, NULL);
}

/* ---- Progress ------------------------------------------------------------ */

static void im_progress(im_run *run, const char *folder, int64_t total, int64_t done,
                        int64_t bytes)
{
	mbx_import *im = run->im;

	if (!im)
		return;
	pthread_mutex_lock(&im->lock);
	if (total >= 0)
		im->prog.items_total = total;
	if (folder) {
		snprintf(im->prog.folder, sizeof(im->prog.folder), "%s", folder);
		im->prog.folders_done = run->res->folders;
	}
	im->prog.items_done += done;
	im->prog.bytes_done += bytes;
	im->prog.imported = run->res->imported;
	im->prog.skipped = run->res->skipped;
	im->prog.replaced = run->res->replaced;
	im->prog.failed = run->res->failed;
	im->prog.elapsed_seconds = (double)(im_now_ms() - im->t0) / 1000.0;
	pthread_mutex_unlock(&im->lock);
}

static int im_cancelled(im_run *run)
{
	return run->im && __atomic_load_n(&run->im->cancel, __ATOMIC_RELAXED);
}

/* ---- The target mailbox and its folders ---------------------------------- */

static void im_guid(char out[37])
{
	unsigned char b[16];
	size_t got = 0;

	while (got < sizeof(b)) {
		ssize_t n = getrandom(b + got, sizeof(b) - got, 0);
		if (n > 0)
			got += (size_t)n;
	}
	b[6] = (unsigned char)((b[6] & 0x0F) | 0x40);   /* version 4 */
	b[8] = (unsigned char)((b[8] & 0x3F) | 0x80);   /* RFC 4122 variant */
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	         b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
	         b[10], b[11], b[12], b[13], b[14], b[15]);
}

static int im_create_mailbox(im_run *run, const mbx_server_info *srv)
{
	mbx_mailbox m;
	char guid[37];
	char *dn;
	int64_t id;
	int rc;

	for (const char *p = run->opts->alias; *p; p++) {
		if ((unsigned char)*p < 0x21 || *p == '/' || *p == ',' || *p == '=' || *p == '"')
			return mbx_error_set(MBX_EINVAL, "alias '%s' can not be a mailbox name: use "
			                     "letters, digits, '.', '-' or '_'", run->opts->alias);
	}
	im_guid(guid);
	dn = mbx_asprintf("/o=%s/ou=%s/cn=Recipients/cn=%s", srv->organization ? srv->organization : "",
	                  srv->site ? srv->site : "", run->opts->alias);
	memset(&m, 0, sizeof(m));
	m.guid = guid;
	m.display_name = (char *)(run->opts->display_name && *run->opts->display_name ?
	                          run->opts->display_name : run->opts->alias);
	m.legacy_dn = dn;
	m.created_time = (int64_t)time(NULL);
	rc = mbx_store_mailbox_add(run->st, &m, &id);
	mbx_free(dn);
	if (rc < 0)
		return rc;
	run->res->mailbox_created = 1;
	rc = mbx_store_audit(run->st, "mbxrescue", "create-mailbox", run->opts->alias,
	                     "created by import-pst --create, without a directory entry");
	if (rc < 0)
		return rc;
	return mbx_store_mailbox_by_id(run->st, id, &run->mbx);
}

static im_folder *im_folder_by_path(im_run *run, const char *path)
{
	size_t i;

	for (i = 0; i < run->n_folders; i++)
		if (strcasecmp(run->folders[i].path, path) == 0)
			return &run->folders[i];
	return NULL;
}

static im_folder *im_folder_by_role(im_run *run, mbx_folder_role role)
{
	size_t i;

	for (i = 0; role != MBX_ROLE_NONE && i < run->n_folders; i++)
		if (run->folders[i].role == role && run->folders[i].parent_id == 0)
			return &run->folders[i];
	return NULL;
}

static void im_folder_remember(im_run *run, const char *path, int64_t id, mbx_folder_role role,
                               int64_t parent_id)
{
	im_folder *f;

	if (run->n_folders == run->cap_folders) {
		run->cap_folders = run->cap_folders ? run->cap_folders * 2 : 64;
		run->folders = mbx_reallocarray(run->folders, run->cap_folders, sizeof(*run->folders));
	}
	f = &run->folders[run->n_folders++];
	f->path = mbx_strdup(path);
	f->id = id;
	f->role = role;
	f->parent_id = parent_id;
}

static int im_load_folders(im_run *run)
{
	mbx_folder *f;
	size_t n, i;
	int rc = mbx_store_folders(run->st, run->mbx.id, &f, &n);

	if (rc < 0)
		return rc;
	for (i = 0; i < n; i++)
		im_folder_remember(run, f[i].path, f[i].id, f[i].role, f[i].parent_id);
	mbx_folders_free(f, n);
	return 0;
}

/* The folder at `path` below parent_id, created when missing. */
static int im_folder_get(im_run *run, int64_t parent_id, const char *parent_path, const char *name,
                         const char *klass, mbx_folder_role role, int64_t *out_id)
{
	char *path = parent_path ? mbx_asprintf("%s/%s", parent_path, name) : mbx_strdup(name);
	im_folder *have = im_folder_by_path(run, path);
	mbx_folder f;
	int rc = 0;

	if (have) {
		*out_id = have->id;
		goto out;
	}
	/* A role names one folder of a mailbox. */
	if (role != MBX_ROLE_NONE && (parent_id != 0 || im_folder_by_role(run, role)))
		role = MBX_ROLE_NONE;
	memset(&f, 0, sizeof(f));
	f.mailbox_id = run->mbx.id;
	f.parent_id = parent_id;
	f.name = (char *)name;
	f.container_class = (char *)(klass && *klass ? klass : "IPF.Note");
	f.role = role;
	rc = mbx_store_folder_add(run->st, &f, out_id);
	if (rc < 0)
		goto out;
	im_folder_remember(run, path, *out_id, role, parent_id);
	run->res->folders_created++;
out:
	mbx_free(path);
	return rc;
}

/* The --folder path: each part found or created below the top. */
static int im_base(im_run *run)
{
	const char *p = run->opts->folder;
	int64_t parent = 0;
	char *path = NULL;
	int rc = 0;

	while (p && *p) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);
		if (len > 0) {
			char *name = mbx_strndup(p, len);
			int64_t id;
			rc = im_folder_get(run, parent, path, name, "IPF.Note", MBX_ROLE_NONE, &id);
			if (rc == 0) {
				char *np = path ? mbx_asprintf("%s/%s", path, name) : mbx_strdup(name);
				mbx_free(path);
				path = np;
				parent = id;
			}
			mbx_free(name);
			if (rc < 0)
				break;
		}
		p = slash ? slash + 1 : NULL;
	}
	run->base_id = parent;
	run->base_path = path;
	return rc;
}

static im_map *im_map_find(im_run *run, int64_t pst_id)
{
	size_t i;

	for (i = run->n_map; i > 0; i--)
		if (run->map[i - 1].pst_id == pst_id)
			return &run->map[i - 1];
	return NULL;
}

/* ---- Reader callbacks ----------------------------------------------------- */

/* A spooled read: the store's part comes with the first callback (the
 * whole file has been read by then), in the store's turn. */
static int im_prepare(im_run *run);

static int im_ready(im_run *run)
{
	if (run->prepared)
		return 0;
	if (im_cancelled(run))
		return MBX_ECANCELLED;
	run->prepared = 1;
	return im_prepare(run);
}

static int im_on_total(void *ud, int64_t messages)
{
	im_run *run = ud;
	int rc = im_ready(run);

	if (rc < 0)
		return rc;

	im_progress(run, NULL, messages, 0, 0);
	return im_cancelled(run) ? MBX_ECANCELLED : 0;
}

static int im_on_folder(void *ud, const mbx_pstread_folder *pf)
{
	im_run *run = ud;
	im_map *parent = pf->parent_id ? im_map_find(run, pf->parent_id) : NULL;
	int64_t parent_id = parent ? parent->store_id : run->base_id;
	const char *parent_path = NULL;
	im_folder *target = NULL;
	char *name, *clean;
	int64_t id;
	size_t i;
	int rc;

	if (im_cancelled(run))
		return MBX_ECANCELLED;
	/* The mailbox path of the parent. */
	for (i = 0; i < run->n_folders; i++)
		if (run->folders[i].id == parent_id)
			parent_path = run->folders[i].path;
	name = mbx_strdup(pf->name && *pf->name ? pf->name : "(no name)");
	for (char *c = name; *c; c++)
		if (*c == '/')
			*c = '_';    /* '/' separates path parts */
	/* Special folders map by role, whatever their name in either language. */
	if (pf->role != MBX_ROLE_NONE && parent_id == 0)
		target = im_folder_by_role(run, pf->role);
	if (target) {
		id = target->id;
		rc = 0;
	} else {
		rc = im_folder_get(run, parent_id, parent_path, name, pf->container_class, pf->role, &id);
	}
	mbx_free(name);
	if (rc < 0)
		return rc;
	if (run->n_map == run->cap_map) {
		run->cap_map = run->cap_map ? run->cap_map * 2 : 64;
		run->map = mbx_reallocarray(run->map, run->cap_map, sizeof(*run->map));
	}
	run->map[run->n_map].pst_id = pf->id;
	run->map[run->n_map].store_id = id;
	run->map[run->n_map].path = mbx_strdup(pf->path);
	run->n_map++;
	run->res->folders++;
	clean = im_clean(pf->path);
	mbx_log_write(run->log, MBX_LOG_MED, "Processing folder '%s' (%lld items).", clean,
	              (long long)pf->item_count);
	mbx_free(clean);
	im_progress(run, pf->path, -1, 0, 0);
	return 0;
}

static int64_t im_att_bytes(const mbx_message *m, int depth)
{
	int64_t n = 0;
	size_t i;

	for (i = 0; i < m->n_attachments && depth < 16; i++) {
		n += m->attachments[i].size;
		if (m->attachments[i].embedded)
			n += im_att_bytes(m->attachments[i].embedded, depth + 1);
	}
	return n;
}

/*
 * Start the kernel writing the store file's new pages while the import
 * goes on: a bulk load writes the whole file (a gigabyte for a large PST)
 * that the commit's fsync would otherwise wait for at once.  Only a hint:
 * the commit still makes everything durable.
 */
#define IM_WRITEBACK_STEP (32LL << 20)

static void im_writeback(im_run *run, int64_t bytes)
{
	if (!run->bulk)
		return;
	run->wb_pending += bytes;
	if (run->wb_pending < IM_WRITEBACK_STEP)
		return;
	run->wb_pending = 0;
	mbx_store_writeback(run->st);
}

/* Messages directly below the PST's top have no folder in the mailbox. */
static int im_root_folder(im_run *run, int64_t *out)
{
	int rc = 0;

	if (!run->root_items_id) {
		if (run->base_id)
			run->root_items_id = run->base_id;
		else
			rc = im_folder_get(run, 0, NULL, "Top of Personal Folders", "IPF.Note",
			                   MBX_ROLE_NONE, &run->root_items_id);
	}
	*out = run->root_items_id;
	return rc;
}

static int im_on_message(void *ud, int64_t folder_id, const mbx_message *in)
{
	im_run *run = ud;
	im_map *f = folder_id ? im_map_find(run, folder_id) : NULL;
	mbx_message m = *in;
	const char *verb = "imported";
	char *hash = NULL;
	int64_t found = 0;
	int64_t bytes = im_att_bytes(in, 0);
	int rc;

	if (im_cancelled(run))
		return MBX_ECANCELLED;
	if (f) {
		m.folder_id = f->store_id;
	} else {
		rc = im_root_folder(run, &m.folder_id);
		if (rc < 0)
			return rc;
	}
	m.id = 0;
	m.content_hash = NULL;
	if (run->opts->mode != MBX_IMPORT_COPY) {
		/* An internet message id names a message; only without one does
		 * the content decide (hashing every attachment costs time). */
		if (!m.internet_message_id || !*m.internet_message_id)
			hash = mbx_message_hash(&m);
		rc = mbx_store_message_find(run->st, m.folder_id, m.internet_message_id, hash, &found);
		if (rc < 0)
			goto out;
	}
	if (found && run->opts->mode == MBX_IMPORT_MERGE) {
		run->res->skipped++;
		verb = "skipped (already in the mailbox)";
	} else {
		if (found) {
			rc = mbx_store_message_delete(run->st, found);
			if (rc < 0)
				goto out;
		}
		rc = mbx_store_message_add(run->st, &m, NULL);
		if (rc < 0) {
			char *subject = im_clean(m.subject);
			mbx_error_prefix(rc, "message '%s'", subject);
			mbx_free(subject);
			goto out;
		}
		if (found) {
			run->res->replaced++;
			verb = "replaced";
		} else {
			run->res->imported++;
		}
		run->res->attachments += (int64_t)m.n_attachments;
		run->res->bytes += bytes;
		im_writeback(run, bytes + 4096);
	}
	if (mbx_log_level(run->log) >= MBX_LOG_MAX) {
		char *subject = im_clean(m.subject);
		mbx_log_write(run->log, MBX_LOG_MAX, "Item '%s' %s.", subject, verb);
		mbx_free(subject);
	}
	im_progress(run, NULL, -1, 1, bytes);
	rc = 0;
out:
	mbx_free(hash);
	return rc;
}

/* ---- One file -------------------------------------------------------------- */

static void im_run_clear(im_run *run)
{
	size_t i;

	for (i = 0; i < run->n_folders; i++)
		mbx_free(run->folders[i].path);
	mbx_free(run->folders);
	for (i = 0; i < run->n_map; i++)
		mbx_free(run->map[i].path);
	mbx_free(run->map);
	mbx_free(run->base_path);
	mbx_mailbox_clear(&run->mbx);
}

/* The store's part before the first folder: connection, transaction,
 * the target mailbox and its folders.  For a spooled read this runs when
 * the whole file has been read (im_on_spooled), in the store's turn. */
static int im_prepare(im_run *run)
{
	const mbx_import_opts *opts = run->opts;
	mbx_import_result *res = run->res;
	int rc;

	if (opts->spool) {
		pthread_mutex_lock(&im_turn);
		run->turn = 1;
	}
	rc = mbx_store_open(&run->st, opts->db_path, 0);
	if (rc < 0)
		return rc;
	rc = mbx_store_server_get(run->st, &run->srv);
	if (rc < 0)
		return rc;
	/* One big, mostly appending transaction: written once, not via the WAL. */
	rc = mbx_store_bulk_begin(run->st);
	if (rc < 0)
		return rc;
	run->bulk = rc == 1;   /* new pages go to the store file itself (not a WAL) */
	rc = mbx_store_begin(run->st);
	if (rc < 0)
		return rc;
	run->in_txn = 1;
	rc = mbx_store_mailbox_by_alias(run->st, opts->alias, &run->mbx);
	if (rc == MBX_ENOTFOUND && opts->create)
		rc = im_create_mailbox(run, &run->srv);
	else if (rc == MBX_ENOTFOUND)
		rc = mbx_error_set(MBX_ENOTFOUND, "no mailbox '%s' in the information store: check the "
		                   "alias, or use --create to make a new store mailbox", opts->alias);
	if (rc < 0)
		return rc;
	res->mailbox_id = run->mbx.id;

	run->c_name = im_clean(run->mbx.display_name);
	if (run->mbx.alias) {
		mbx_free(run->c_alias);
		run->c_alias = im_clean(run->mbx.alias);
	}
	run->c_server = im_clean(run->srv.server);
	mbx_log_write(run->log, MBX_LOG_MIN, "Merging data from file '%s' to mailbox '%s' ('%s') "
	              "on server '%s'.", run->c_file, run->c_name, run->c_alias, run->c_server);
	mbx_log_write(run->log, MBX_LOG_MED, "Import method: %s.", mbx_import_mode_name(opts->mode));
	rc = im_load_folders(run);
	if (rc == 0)
		rc = im_base(run);
	return rc;
}

/* A mailbox this import created keeps the PST's message store object as
 * its bag (libpst gives its display name), whatever name the mailbox got. */
static int im_store_bag(im_run *run, const char *store_name)
{
	mbx_propkey k = MBX_KEY(MBX_PID_TAG_DISPLAY_NAME);
	mbx_props bag;
	char *clean = NULL;
	int rc;

	if (!mbx_utf8_valid(store_name, strlen(store_name)))
		store_name = clean = mbx_text_clean(store_name, -1, 0, NULL);
	mbx_props_init(&bag);
	rc = mbx_props_set_utf8(&bag, &k, store_name);
	if (rc == 0)
		rc = mbx_store_mailbox_bag_set(run->st, run->mbx.id, &bag);
	mbx_props_clear(&bag);
	mbx_free(clean);
	return rc;
}

static int im_read(im_run *run)
{
	mbx_pstread_opts ro;
	mbx_pstread_cb cb;
	mbx_pstread_stats stats;
	int rc;

	mbx_pstread_opts_init(&ro);
	ro.timeout_seconds = run->opts->timeout_seconds;
	if (run->opts->max_memory > 0)
		ro.max_memory = run->opts->max_memory;
	ro.want_data = 1;
	ro.want_bodies = 1;
	memset(&cb, 0, sizeof(cb));
	cb.folder = im_on_folder;
	cb.message = im_on_message;
	cb.total = im_on_total;
	ro.spool = run->opts->spool;
	rc = mbx_pstread_run(run->opts->pst_path, &ro, &cb, run, &stats);
	run->res->failed += stats.skipped;
	run->store_name = stats.store_name;
	return rc;
}

/* The message store's name, when it is the mailbox's own and not what
 * Outlook calls every PST. */
static int im_store_name_usable(const char *name)
{
	static const char *const generic[] = { "Personal Folders", "Outlook Data File",
		"Outlook", "Archive Folders", "Archives", "Archive", "Top of Personal Folders",
		"Mailbox", "Offline Folders", "Exchange Offline Folders" };
	size_t i, n = name ? strlen(name) : 0;

	if (n == 0 || n > 256 || !mbx_utf8_valid(name, n))
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)name[i] < 0x20)
			return 0;
	for (i = 0; i < sizeof(generic) / sizeof(generic[0]); i++)
		if (strcasecmp(name, generic[i]) == 0)
			return 0;
	return 1;
}

static int im_do(mbx_import *im, const mbx_import_opts *opts, mbx_import_result *res)
{
	im_run run;
	int64_t t0 = im_now_ms();
	int rc;

	memset(&run, 0, sizeof(run));
	memset(res, 0, sizeof(*res));
	run.im = im;
	run.opts = opts;
	run.res = res;
	res->alias = mbx_strdup(opts->alias);
	run.c_file = im_clean(opts->pst_path);
	run.c_alias = im_clean(opts->alias);

	rc = mbx_log_open(&run.log, opts->log_path, opts->log_level, opts->log_cb, opts->log_ud);
	if (rc < 0)
		goto out;
	/* Spooled: libpst reads the whole file first; the store comes after. */
	if (!opts->spool)
		rc = im_ready(&run);
	if (rc == 0)
		rc = im_read(&run);
	if (rc == 0)
		rc = im_ready(&run);   /* (a spooled read always calls `total` first) */
	if (rc == 0)
		rc = mbx_store_mailbox_refresh_counts(run.st, run.mbx.id);
	if (rc == 0 && res->mailbox_created && run.store_name)
		rc = im_store_bag(&run, run.store_name);
	if (rc == 0 && res->mailbox_created && opts->name_from_pst &&
	    im_store_name_usable(run.store_name)) {
		rc = mbx_store_mailbox_set_display_name(run.st, run.mbx.id, run.store_name);
		if (rc == 0) {
			mbx_free(run.mbx.display_name);
			run.mbx.display_name = mbx_strdup(run.store_name);
			mbx_free(run.c_name);
			run.c_name = im_clean(run.store_name);
		}
	}
	if (rc == 0) {
		char *detail = mbx_asprintf("file %s, mode %s: %lld folders, %lld imported, %lld skipped, "
		                            "%lld replaced, %lld failed", opts->pst_path,
		                            mbx_import_mode_name(opts->mode), (long long)res->folders,
		                            (long long)res->imported, (long long)res->skipped,
		                            (long long)res->replaced, (long long)res->failed);
		rc = mbx_store_audit(run.st, "mbxrescue", "import-pst", opts->alias, detail);
		mbx_free(detail);
	}
	if (rc == 0) {
		run.in_txn = 0;
		rc = mbx_store_commit(run.st);
	}
out:
	if (run.in_txn)
		mbx_store_rollback(run.st);
	mbx_store_bulk_end(run.st);
	res->status = rc;
	res->seconds = (double)(im_now_ms() - t0) / 1000.0;
	if (rc < 0) {
		res->error = mbx_strdup(mbx_error_last());
		res->mailbox_created = 0;
		if (run.log) {
			char *why = mbx_text_clean(res->error, -1, 0, NULL);
			mbx_log_write(run.log, MBX_LOG_MIN, "Error merging data from file '%s' to mailbox "
			              "'%s': %s. Nothing from this file was kept.",
			              run.c_file, run.c_alias, why);
			mbx_free(why);
		}
	} else {
		res->display_name = mbx_strdup(run.mbx.display_name);
		mbx_log_write(run.log, MBX_LOG_MIN, "Successfully merged data from file '%s' to mailbox "
		              "'%s' ('%s'): %lld folders, %lld items imported, %lld skipped, %lld "
		              "replaced, %lld failed.", run.c_file, run.c_name, run.c_alias,
		              (long long)res->folders, (long long)res->imported,
		              (long long)res->skipped, (long long)res->replaced, (long long)res->failed);
	}
	mbx_free(run.c_file);
	mbx_free(run.c_name);
	mbx_free(run.c_alias);
	mbx_free(run.c_server);
	mbx_free(run.store_name);
	mbx_server_info_clear(&run.srv);
	im_run_clear(&run);
	mbx_store_free(run.st);
	if (run.turn)
		pthread_mutex_unlock(&im_turn);
	mbx_log_free(run.log);
	if (rc < 0)
		mbx_error_set(rc, "%s", res->error);
	return rc;
}

static int im_check_opts(const mbx_import_opts *opts)
{
	if (!opts || !opts->db_path || !*opts->db_path)
		return mbx_error_set(MBX_EINVAL, "no store file given for the import");
	if (!opts->pst_path || !*opts->pst_path)
		return mbx_error_set(MBX_EINVAL, "no PST file given: name the .pst to import");
	if (!opts->alias || !*opts->alias)
		return mbx_error_set(MBX_EINVAL, "no target mailbox given: use --mailbox ALIAS");
	if ((int)opts->mode < MBX_IMPORT_COPY || opts->mode > MBX_IMPORT_REPLACE)
		return mbx_error_set(MBX_EINVAL, "unknown import mode %d", (int)opts->mode);
	return 0;
}

int mbx_import_run(const mbx_import_opts *opts, mbx_import_result *result)
{
	mbx_import_result local;
	int rc = im_check_opts(opts);

	if (!result)
		result = &local;
	if (rc < 0) {
		memset(result, 0, sizeof(*result));
		result->status = rc;
		result->error = mbx_strdup(mbx_error_last());
	} else {
		rc = im_do(NULL, opts, result);
	}
	if (result == &local)
		mbx_import_result_clear(&local);
	return rc;
}

/* ---- On a thread ------------------------------------------------------------ */

static char *im_dup(const char *s)
{
	return s ? mbx_strdup(s) : NULL;
}

static void *im_thread(void *arg)
{
	mbx_import *im = arg;

	im_do(im, &im->opts, &im->result);
	pthread_mutex_lock(&im->lock);
	im->prog.finished = 1;
	im->prog.elapsed_seconds = (double)(im_now_ms() - im->t0) / 1000.0;
	pthread_mutex_unlock(&im->lock);
	return NULL;
}

int mbx_import_start(mbx_import **out, const mbx_import_opts *opts)
{
	mbx_import *im;
	int rc = im_check_opts(opts);

	*out = NULL;
	if (rc < 0)
		return rc;
	im = mbx_calloc(1, sizeof(*im));
	im->opts = *opts;
	im->opts.db_path = im_dup(opts->db_path);
	im->opts.pst_path = im_dup(opts->pst_path);
	im->opts.alias = im_dup(opts->alias);
	im->opts.display_name = im_dup(opts->display_name);
	im->opts.folder = im_dup(opts->folder);
	im->opts.log_path = im_dup(opts->log_path);
	im->prog.items_total = -1;
	im->t0 = im_now_ms();
	pthread_mutex_init(&im->lock, NULL);
	if (pthread_create(&im->thread, NULL, im_thread, im) != 0) {
		mbx_import_free(im);
		return mbx_error_set(MBX_ERROR, "can not start the import thread");
	}
	im->started = 1;
	*out = im;
	return 0;
}

void mbx_import_progress_get(mbx_import *im, mbx_import_progress *out)
{
	pthread_mutex_lock(&im->lock);
	*out = im->prog;
	if (!im->prog.finished)
		out->elapsed_seconds = (double)(im_now_ms() - im->t0) / 1000.0;
	pthread_mutex_unlock(&im->lock);
}

void mbx_import_cancel(mbx_import *im)
{
	if (im)
		__atomic_store_n(&im->cancel, 1, __ATOMIC_RELAXED);
}

int mbx_import_wait(mbx_import *im, mbx_import_result *out)
{
	if (im->started) {
		pthread_join(im->thread, NULL);
		im->started = 0;
	}
	if (out) {
		*out = im->result;
		out->error = im_dup(im->result.error);
		out->alias = im_dup(im->result.alias);
		out->display_name = im_dup(im->result.display_name);
	}
	if (im->result.status < 0)
		mbx_error_set(im->result.status, "%s", im->result.error ? im->result.error : "");
	return im->result.status;
}

void mbx_import_free(mbx_import *im)
{
	if (!im)
		return;
	if (im->started) {
		mbx_import_cancel(im);
		pthread_join(im->thread, NULL);
	}
	mbx_import_result_clear(&im->result);
	mbx_free((char *)im->opts.db_path);
	mbx_free((char *)im->opts.pst_path);
	mbx_free((char *)im->opts.alias);
	mbx_free((char *)im->opts.display_name);
	mbx_free((char *)im->opts.folder);
	mbx_free((char *)im->opts.log_path);
	pthread_mutex_destroy(&im->lock);
	mbx_free(im);
}
