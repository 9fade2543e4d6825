/*
 * core/import/import_pst.c - PST and OST files into store mailboxes
 * (mbx/import.h), Exmerge's step 2.  The file is read by our
 * property-level reader in a child process (core/pstread/propread.h);
 * every folder and message of one file goes into the store, bags and
 * all, inside one transaction, committed only when the whole file was
 * read, so a corrupt file, a cancel or a store error leaves nothing.
 * Damaged items are left out and listed (mbx/import.h, "Damaged items").
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
#include "mbx/pstprop.h"
#include "mbx/text.h"
#include "pstread/propread.h"
#include "pstread/propwire.h"

#include "import_int.h"

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
	opts->bad_item_limit = MBX_IMPORT_ANY_DAMAGE;
}

void mbx_import_result_clear(mbx_import_result *r)
{
	if (!r)
		return;
	size_t i;

	mbx_free(r->error);
	mbx_free(r->alias);
	mbx_free(r->display_name);
	mbx_free(r->format);
	for (i = 0; i < r->n_damage; i++) {
		mbx_free(r->damage[i].folder);
		mbx_free(r->damage[i].subject);
		mbx_free(r->damage[i].what);
	}
	mbx_free(r->damage);
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
	im->prog.damaged = run->res->damaged;
	im->prog.failed = run->res->damaged;
	im->prog.elapsed_seconds = (double)(im_now_ms() - im->t0) / 1000.0;
	pthread_mutex_unlock(&im->lock);
}

static int im_cancelled(im_run *run)
{
	return run->im && __atomic_load_n(&run->im->cancel, __ATOMIC_RELAXED);
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

static int im_on_info(void *ud, const mbx_propread_info *info)
{
	im_run *run = ud;
	char *d = im_clean(info->description);

	mbx_free(run->res->format);
	run->res->format = mbx_strdup(info->description);
	mbx_log_write(run->log, MBX_LOG_MED, "File '%s': %s%s%s.", run->c_file, d,
	              info->note ? "; " : "", info->note ? info->note : "");
	mbx_free(d);
	return im_cancelled(run) ? MBX_ECANCELLED : 0;
}

/* The NID an entry id names (its last 4 bytes: [MS-PST] 2.4.3.2), 0 when
 * the property is not one. */
static uint32_t im_entry_nid(const mbx_props *b, uint16_t id)
{
	mbx_propkey k = MBX_KEY(id);
	const mbx_prop *p = mbx_props_get(b, &k);
	const unsigned char *v;

	if (!p || p->type != MBX_PT_BINARY || p->len != 24)
		return 0;
	v = mbx_props_val(b, p);
	return (uint32_t)v[20] | (uint32_t)v[21] << 8 | (uint32_t)v[22] << 16 | (uint32_t)v[23] << 24;
}

static int im_on_store(void *ud, const mbx_props *bag, uint32_t unreadable)
{
	im_run *run = ud;
	mbx_propkey k = MBX_KEY(MBX_PID_TAG_DISPLAY_NAME);

	(void)unreadable;   /* reported as damage of the file */
	mbx_props_copy(&run->store_bag, bag);
	run->have_store = 1;
	mbx_free(run->store_name);
	run->store_name = NULL;
	if (mbx_props_utf8(bag, &k, 0, &run->store_name) < 0) {
		mbx_free(run->store_name);
		run->store_name = NULL;
	}
	run->ipm_nid = im_entry_nid(bag, MBX_PID_TAG_IPM_SUB_TREE_ENTRY_ID);
	run->role_nid[MBX_ROLE_DELETED] = im_entry_nid(bag, MBX_PID_TAG_IPM_WASTE_BASKET_ENTRY_ID);
	run->role_nid[MBX_ROLE_SENT] = im_entry_nid(bag, MBX_PID_TAG_IPM_SENT_MAIL_ENTRY_ID);
	run->role_nid[MBX_ROLE_OUTBOX] = im_entry_nid(bag, MBX_PID_TAG_IPM_OUTBOX_ENTRY_ID);
	return im_cancelled(run) ? MBX_ECANCELLED : 0;
}

static int im_on_folder(void *ud, const mbx_propread_folder *f)
{
	im_run *run = ud;
	im_pfolder *p;

	if (im_cancelled(run))
		return MBX_ECANCELLED;
	if (run->n_pf == run->cap_pf) {
		run->cap_pf = run->cap_pf ? run->cap_pf * 2 : 64;
		run->pf = mbx_reallocarray(run->pf, run->cap_pf, sizeof(*run->pf));
	}
	p = &run->pf[run->n_pf++];
	memset(p, 0, sizeof(*p));
	p->nid = f->nid;
	p->parent = f->parent;
	p->kind = f->kind;
	p->damaged = f->damaged;
	p->nmsg = f->nmsg;
	p->nfai = f->nfai;
	mbx_props_copy(&p->bag, f->bag);
	return 0;
}

static im_pfolder *im_pf_find(im_run *run, uint32_t nid)
{
	size_t i;

	if (run->last_pf < run->n_pf && run->pf[run->last_pf].nid == nid)
		return &run->pf[run->last_pf];
	for (i = 0; i < run->n_pf; i++) {
		if (run->pf[i].nid == nid) {
			run->last_pf = i;
			return &run->pf[i];
		}
	}
	return NULL;
}

static char *im_pf_name(const im_pfolder *p)
{
	mbx_propkey k = MBX_KEY(MBX_PID_TAG_DISPLAY_NAME);
	char *name = NULL;

	if (mbx_props_utf8(&p->bag, &k, 0, &name) < 0 || !name || !*name) {
		mbx_free(name);
		name = mbx_strdup("");
	}
	return name;
}

/* The IPM subtree: the folder the message store names, else the root's
 * child Outlook names so, else the root itself. */
static uint32_t im_ipm(im_run *run)
{
	static const char *const names[] = { "Top of Personal Folders", "Top of Outlook data file",
		"Top of Information Store", "IPM_SUBTREE" };
	size_t i, k;

	if (run->ipm_nid) {
		im_pfolder *p = im_pf_find(run, run->ipm_nid);

		if (p && p->kind == MBX_PSTPROP_FOLDER_NORMAL)
			return run->ipm_nid;
	}
	for (i = 1; i < run->n_pf; i++) {
		char *name;
		int hit = 0;

		if (run->pf[i].parent != run->pf[0].nid || run->pf[i].kind != MBX_PSTPROP_FOLDER_NORMAL)
			continue;
		name = im_pf_name(&run->pf[i]);
		for (k = 0; k < sizeof(names) / sizeof(names[0]); k++)
			hit |= strcasecmp(name, names[k]) == 0;
		mbx_free(name);
		if (hit)
			return run->pf[i].nid;
	}
	return run->n_pf ? run->pf[0].nid : 0;
}

/* A damaged folder's entry (made once; its reports added to it). */
static mbx_import_damage *im_folder_damage(im_run *run, im_pfolder *p)
{
	if (!p->damage_entry) {
		const char *label = p->path && *p->path ? p->path :
		                    p->kind == MBX_PSTPROP_FOLDER_ROOT ? "(root folder)" :
		                    "Top of Personal Folders";
		mbx_import_damage *d = im_damage_add(run, label, NULL, 0);
		char *c = im_clean(label);

		p->damage_entry = (int)run->res->n_damage;
		im_damage_count(run, 0);
		mbx_log_write(run->log, MBX_LOG_MIN, "Error reading folder '%s' (MAPI_E_CORRUPT_DATA): "
		              "what of it could be read is imported.", c);
		mbx_free(c);
		return d;
	}
	return &run->res->damage[p->damage_entry - 1];
}

/* One folder of the mailbox for a folder of the file (parents come first). */
static int im_place(im_run *run, im_pfolder *p, im_pfolder *parent)
{
	mbx_folder f;
	mbx_folder_role role = MBX_ROLE_NONE;
	int64_t parent_id = parent && parent->what == IM_FOLDER ? parent->store_id : run->base_id;
	const char *parent_path = NULL;
	im_folder *target = NULL, *have;
	char *name = im_pf_name(p), *path, *clean;
	size_t i;
	int rc = 0, at_top = parent_id == run->base_id && (!parent || parent->what != IM_FOLDER);

	if (!*name) {
		mbx_free(name);
		name = mbx_strdup("(no name)");
	}
	for (char *c = name; *c; c++)
		if (*c == '/')
			*c = '_';    /* '/' separates path parts */
	p->path = parent && parent->what == IM_FOLDER ? mbx_asprintf("%s/%s", parent->path, name) :
	          mbx_strdup(name);
	for (i = 1; i < MBX_ROLE_COUNT; i++)
		if (run->role_nid[i] && run->role_nid[i] == p->nid)
			role = (mbx_folder_role)i;
	if (role == MBX_ROLE_NONE && at_top)
		role = mbx_folder_role_parse(name);
	for (i = 0; i < run->n_folders; i++)
		if (run->folders[i].id == parent_id)
			parent_path = run->folders[i].path;
	/* Special folders map by role, whatever their name in either language. */
	if (role != MBX_ROLE_NONE && parent_id == 0)
		target = im_folder_by_role(run, role);
	path = parent_path ? mbx_asprintf("%s/%s", parent_path, name) : mbx_strdup(name);
	if (!target && (have = im_folder_by_path(run, path)) != NULL)
		target = have;
	if (target) {
		p->store_id = target->id;
	} else {
		/* A role names one folder of a mailbox. */
		if (role != MBX_ROLE_NONE && (parent_id != 0 || im_folder_by_role(run, role)))
			role = MBX_ROLE_NONE;
		memset(&f, 0, sizeof(f));
		f.mailbox_id = run->mbx.id;
		f.parent_id = parent_id;
		f.bag = p->bag;          /* borrowed: the whole bag */
		mbx_folder_fields_from_bag(&f);
		mbx_free(f.name);
		f.name = name;
		if (!f.container_class || !*f.container_class) {
			mbx_free(f.container_class);
			f.container_class = mbx_strdup("IPF.Note");
		}
		f.role = role;
		rc = mbx_store_folder_add(run->st, &f, &p->store_id);
		mbx_free(f.container_class);
		if (rc == 0) {
			im_folder_remember(run, path, p->store_id, role, parent_id);
			run->res->folders_created++;
		}
	}
	p->what = IM_FOLDER;
	run->res->folders++;
	clean = im_clean(p->path);
	mbx_log_write(run->log, MBX_LOG_MED, "Processing folder '%s' (%lld items).", clean,
	              (long long)p->nmsg + p->nfai);
	mbx_free(clean);
	im_progress(run, p->path, -1, 0, 0);
	mbx_free(path);
	mbx_free(name);
	return rc;
}

/* Every folder of the file has come: decide what becomes of each, and
 * make the mailbox's folders, parents first, in the file's order. */
static int im_on_total(void *ud, int64_t messages)
{
	im_run *run = ud;
	uint32_t ipm;
	size_t i;
	int rc = im_ready(run);

	(void)messages;
	if (rc < 0)
		return rc;
	ipm = im_ipm(run);
	for (i = 0; i < run->n_pf && rc == 0; i++) {
		im_pfolder *p = &run->pf[i];
		im_pfolder *parent = i ? im_pf_find(run, p->parent) : NULL;

		if (im_cancelled(run))
			return MBX_ECANCELLED;
		if (p->nid == ipm || (i == 0 && p->kind == MBX_PSTPROP_FOLDER_ROOT)) {
			p->what = IM_TOP;
			p->path = mbx_strdup("");
			if (p->nid == ipm)
				run->top_bag = &p->bag;
		} else if (p->kind == MBX_PSTPROP_FOLDER_SEARCH || !parent ||
		           (parent->what == IM_SKIP) ||
		           (parent->what == IM_TOP && parent->nid != ipm)) {
			/* search folders; the root's other children and theirs */
			char *name = im_pf_name(p), *c;

			if (!*name) {
				mbx_free(name);
				name = mbx_asprintf("(NID 0x%x)", p->nid);
			}
			p->what = IM_SKIP;
			p->path = parent && parent->what == IM_SKIP && parent->path ?
			          mbx_asprintf("%s/%s", parent->path, name) : mbx_strdup(name);
			run->res->outside += (int64_t)p->nmsg + p->nfai;
			c = im_clean(p->path);
			if (p->kind == MBX_PSTPROP_FOLDER_SEARCH)
				mbx_log_write(run->log, MBX_LOG_MED, "Search folder '%s' is not imported (a saved "
				              "search: its results are items of other folders).", c);
			else
				mbx_log_write(run->log, p->nmsg ? MBX_LOG_MIN : MBX_LOG_MED, "Folder '%s' is "
				              "outside the IPM subtree (%lld items, %lld associated): not imported.",
				              c, (long long)p->nmsg, (long long)p->nfai);
			mbx_free(c);
			mbx_free(name);
			continue;
		} else {
			rc = im_place(run, p, parent);
		}
		if (rc == 0 && p->what != IM_SKIP)
			run->total += (int64_t)p->nmsg + p->nfai;
	}
	if (rc < 0)
		return rc;
	/* Nothing below the top because the top is damaged: the file's folder
	 * tree can not be read, there is nothing to import. */
	{
		im_pfolder *top = im_pf_find(run, ipm);

		if (top && !top->damaged && run->n_pf && run->pf[0].damaged && run->n_pf == 1)
			top = &run->pf[0];
		if (!top && run->n_pf)
			top = &run->pf[0];
		if (!top || (top->damaged && run->res->folders == 0 && top->nmsg + top->nfai == 0)) {
			char *why = top && top->pending ? im_clean(top->pending) :
			            mbx_strdup("no root folder");

			rc = mbx_error_set(MBX_ECORRUPT, "%s: not a readable PST (no folder can be read); "
			                   "%s. Check the file with `mbxrescue pst-check`, or repair it with "
			                   "scanpst.exe", run->opts->pst_path, why);
			mbx_free(why);
			return rc;
		}
	}
	/* Folders the reader found damaged while opening the file. */
	for (i = 0; i < run->n_pf; i++) {
		im_pfolder *p = &run->pf[i];

		if (p->damaged && p->what == IM_SKIP) {
			/* not imported, so not counted; but said */
			char *c = im_clean(p->path), *w = im_clean(p->pending ? p->pending : "damaged");

			mbx_log_write(run->log, MBX_LOG_MIN, "Error reading folder '%s', which is not "
			              "imported: %s (MAPI_E_CORRUPT_DATA).", c, w);
			mbx_free(c);
			mbx_free(w);
		}
		if (!p->damaged || p->what == IM_SKIP)
			continue;
		im_damage_what(im_folder_damage(run, p), p->pending ? p->pending :
		               "its properties or tables could not be read whole");
	}
	im_progress(run, NULL, run->total, 0, 0);
	return im_cancelled(run) ? MBX_ECANCELLED : 0;
}

static int im_on_damage(void *ud, const mbx_propread_damage *d)
{
	im_run *run = ud;
	im_pfolder *p = d->scope == PV_SCOPE_FOLDER ? im_pf_find(run, d->scope_nid) : NULL;
	char *what;

	if (d->scope == PV_SCOPE_FOLDER) {
		/* before the folders are placed (the open's reports): folded in at
		 * im_on_total through the folder's damaged flag; later ones (a
		 * contents table) here */
		if (!p)
			return 0;
		if (!p->path) {
			char *t = p->pending ? mbx_asprintf("%s; %s", p->pending, d->what) : mbx_strdup(d->what);

			mbx_free(p->pending);
			p->pending = t;
			p->damaged = 1;
			return 0;
		}
		if (p->what == IM_SKIP) {
			char *c = im_clean(p->path), *w = im_clean(d->what);

			mbx_log_write(run->log, MBX_LOG_MIN, "Error reading folder '%s', which is not "
			              "imported: %s (MAPI_E_CORRUPT_DATA).", c, w);
			mbx_free(c);
			mbx_free(w);
			return 0;
		}
		im_damage_what(im_folder_damage(run, p), d->what);
		return 0;
	}
	/* the file's own structures */
	what = mbx_asprintf("%s: %s", d->object, d->what);
	im_damage_what(im_damage_add(run, "", NULL, 0), what);
	im_damage_count(run, 0);
	{
		char *c = im_clean(what);

		mbx_log_write(run->log, MBX_LOG_MIN, "Error reading file '%s': %s (MAPI_E_CORRUPT_DATA).",
		              run->c_file, c);
		mbx_free(c);
	}
	mbx_free(what);
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

/* Messages directly below the PST's top have no folder in the mailbox:
 * "Top of Personal Folders" (with the IPM subtree's bag), or --folder. */
static int im_root_folder(im_run *run, int64_t *out)
{
	int rc = 0;

	if (!run->root_items_id) {
		if (run->base_id) {
			run->root_items_id = run->base_id;
		} else {
			im_folder *have = im_folder_by_path(run, "Top of Personal Folders");

			if (have) {
				run->root_items_id = have->id;
			} else {
				mbx_folder f;

				memset(&f, 0, sizeof(f));
				f.mailbox_id = run->mbx.id;
				if (run->top_bag)
					f.bag = *run->top_bag;   /* borrowed */
				f.name = "Top of Personal Folders";
				f.container_class = "IPF.Note";
				rc = mbx_store_folder_add(run->st, &f, &run->root_items_id);
				if (rc == 0) {
					im_folder_remember(run, "Top of Personal Folders", run->root_items_id,
					                   MBX_ROLE_NONE, 0);
					run->res->folders_created++;
				}
			}
		}
	}
	*out = run->root_items_id;
	return rc;
}

/* PidTagMessageSize (or its 64-bit form), 0 when absent. */
static int64_t im_size(const mbx_props *b)
{
	mbx_propkey k = MBX_KEY(MBX_PID_TAG_MESSAGE_SIZE);
	int64_t v = 0;

	if (mbx_props_i64(b, &k, &v) < 0 || v < 0)
		v = 0;
	return v;
}

/* A damaged item: listed and logged, never stored. */
static void im_damaged_item(im_run *run, const im_pfolder *p, const mbx_propread_msg *pm)
{
	mbx_import_damage *d = im_damage_add(run, p->path, pm->subject ? pm->subject : "", 1);
	char *cf, *cs, *cw;
	size_t i;

	d->associated = pm->assoc;
	for (i = 0; i < pm->n_damage && i < 4; i++)
		im_damage_what(d, pm->damage[i].what);
	if (pm->n_damage > 4) {
		char *more = mbx_asprintf("and %zu more", pm->n_damage - 4);

		im_damage_what(d, more);
		mbx_free(more);
	}
	if (!d->what)
		im_damage_what(d, "part of it could not be read");
	im_damage_count(run, 1);
	cf = im_clean(*p->path ? p->path : "Top of Personal Folders");
	cs = im_clean(d->subject);
	cw = im_clean(d->what);
	mbx_log_write(run->log, MBX_LOG_MIN, "Error copying %smessage '%s' in folder '%s': %s "
	              "(MAPI_E_CORRUPT_DATA). The item was not imported.", pm->assoc ? "associated " : "",
	              cs, cf, cw);
	mbx_free(cf);
	mbx_free(cs);
	mbx_free(cw);
}

/* Derive the fields of m and its parts from their bags. */
static void im_fields(mbx_message *m, int assoc)
{
	mbx_message_fields_from_bag(m);
	if (assoc)
		m->associated = 1;
	m->size = im_size(&m->bag);
}

static int im_on_message(void *ud, mbx_propread_msg *pm)
{
	im_run *run = ud;
	im_pfolder *p = im_pf_find(run, pm->folder);
	mbx_message *m = pm->m;
	const char *verb = "imported";
	char *hash = NULL;
	int64_t found = 0, bytes;
	int rc;

	if (im_cancelled(run))
		return MBX_ECANCELLED;
	if (!p || p->what == IM_SKIP) {
		if (p && pm->damaged) {
			char *c = im_clean(p->path), *w = im_clean(pm->n_damage ? pm->damage[0].what : "");

			mbx_log_write(run->log, MBX_LOG_MIN, "Error reading a message in folder '%s', which is "
			              "not imported: %s (MAPI_E_CORRUPT_DATA).", c, w);
			mbx_free(c);
			mbx_free(w);
		}
		im_progress(run, NULL, -1, 0, 0);
		return 0;
	}
	if (pm->damaged) {
		im_damaged_item(run, p, pm);
		im_progress(run, NULL, -1, 1, 0);
		return 0;
	}
	if (run->over) {
		/* the file will not be kept: nothing more to store */
		im_progress(run, NULL, -1, 1, 0);
		return 0;
	}
	if (pm->unlisted) {
		run->res->recovered++;
		p->recovered++;
	}
	im_fields(m, pm->assoc);
	bytes = im_att_bytes(m, 0);
	if (p->what == IM_FOLDER) {
		m->folder_id = p->store_id;
	} else {
		rc = im_root_folder(run, &m->folder_id);
		if (rc < 0)
			return rc;
	}
	m->id = 0;
	m->content_hash = NULL;
	if (run->opts->mode != MBX_IMPORT_COPY) {
		/* An internet message id names a message; only without one does
		 * the content decide (hashing every attachment costs time). */
		if (!m->internet_message_id || !*m->internet_message_id)
			hash = mbx_message_hash(m);
		rc = mbx_store_message_find(run->st, m->folder_id, m->internet_message_id, hash, &found);
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
		rc = mbx_store_message_add_hashed(run->st, m, hash, NULL);
		if (rc < 0) {
			char *subject = im_clean(m->subject);
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
		run->res->attachments += (int64_t)m->n_attachments;
		run->res->bytes += bytes;
		im_writeback(run, bytes + 4096);
	}
	if (mbx_log_level(run->log) >= MBX_LOG_MAX) {
		char *subject = im_clean(m->subject);
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
	for (i = 0; i < run->n_pf; i++) {
		mbx_props_clear(&run->pf[i].bag);
		mbx_free(run->pf[i].path);
		mbx_free(run->pf[i].pending);
	}
	mbx_free(run->pf);
	mbx_props_clear(&run->store_bag);
	mbx_free(run->base_path);
	mbx_mailbox_clear(&run->mbx);
}

/* The store's part before the first folder: connection, transaction,
 * the target mailbox and its folders.  For a spooled read this runs when
 * the whole file has been read (at its first callback), in the store's
 * turn. */
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

/* A mailbox this import created keeps the file's message store object as
 * its bag (its display name and every other property), whatever name the
 * mailbox got. */
static int im_store_bag(im_run *run)
{
	return mbx_store_mailbox_bag_set(run->st, run->mbx.id, &run->store_bag);
}

static int im_read(im_run *run)
{
	mbx_propread_opts ro;
	mbx_propread_cb cb;
	mbx_propread_stats stats;

	mbx_propread_opts_init(&ro);
	ro.timeout_seconds = run->opts->timeout_seconds;
	if (run->opts->max_memory > 0)
		ro.max_memory = run->opts->max_memory;
	ro.spool = run->opts->spool;
	memset(&cb, 0, sizeof(cb));
	cb.info = im_on_info;
	cb.store = im_on_store;
	cb.folder = im_on_folder;
	cb.total = im_on_total;
	cb.message = im_on_message;
	cb.damage = im_on_damage;
	return mbx_propread_run(run->opts->pst_path, &ro, &cb, run, &stats);
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
	/* Spooled: the reader reads the whole file first; the store comes after. */
	if (!opts->spool)
		rc = im_ready(&run);
	if (rc == 0)
		rc = im_read(&run);
	if (rc == 0)
		rc = im_ready(&run);   /* (a spooled read always calls `total` first) */
	if (rc == 0) {
		/* A damaged folder's entry says what of it was found anyway. */
		size_t i;

		for (i = 0; i < run.n_pf; i++) {
			im_pfolder *p = &run.pf[i];
			char *t, *c;

			if (!p->recovered || !p->damage_entry)
				continue;
			t = mbx_asprintf("%lld item%s its table does not list found by %s node%s and imported",
			                 (long long)p->recovered, p->recovered == 1 ? "" : "s",
			                 p->recovered == 1 ? "its" : "their", p->recovered == 1 ? "" : "s");
			im_damage_what(&res->damage[p->damage_entry - 1], t);
			c = im_clean(*p->path ? p->path : "Top of Personal Folders");
			mbx_log_write(run.log, MBX_LOG_MIN, "Folder '%s': %s.", c, t);
			mbx_free(c);
			mbx_free(t);
		}
	}
	if (rc == 0 && run.over)
		rc = mbx_error_set(MBX_ELIMIT, "%s: %lld damaged item%s and %lld damaged folder%s, more "
		                   "than the bad item limit (%lld)", opts->pst_path, (long long)res->damaged,
		                   res->damaged == 1 ? "" : "s", (long long)res->damaged_folders,
		                   res->damaged_folders == 1 ? "" : "s", (long long)opts->bad_item_limit);
	if (rc == 0)
		rc = mbx_store_mailbox_refresh_counts(run.st, run.mbx.id);
	if (rc == 0 && res->mailbox_created && run.have_store)
		rc = im_store_bag(&run);
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
		                            "%lld replaced, %lld damaged, %lld damaged folders",
		                            opts->pst_path, mbx_import_mode_name(opts->mode),
		                            (long long)res->folders, (long long)res->imported,
		                            (long long)res->skipped, (long long)res->replaced,
		                            (long long)res->damaged, (long long)res->damaged_folders);
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
	} else if (res->damaged || res->damaged_folders) {
		res->display_name = mbx_strdup(run.mbx.display_name);
		mbx_log_write(run.log, MBX_LOG_MIN, "Merged data from file '%s' to mailbox '%s' ('%s') "
		              "with errors: %lld folders, %lld items imported, %lld skipped, %lld "
		              "replaced, %lld damaged (not imported), %lld damaged folder%s.", run.c_file,
		              run.c_name, run.c_alias, (long long)res->folders, (long long)res->imported,
		              (long long)res->skipped, (long long)res->replaced, (long long)res->damaged,
		              (long long)res->damaged_folders, res->damaged_folders == 1 ? "" : "s");
	} else {
		res->display_name = mbx_strdup(run.mbx.display_name);
		mbx_log_write(run.log, MBX_LOG_MIN, "Successfully merged data from file '%s' to mailbox "
		              "'%s' ('%s'): %lld folders, %lld items imported, %lld skipped, %lld "
		              "replaced, 0 damaged.", run.c_file, run.c_name, run.c_alias,
		              (long long)res->folders, (long long)res->imported,
		              (long long)res->skipped, (long long)res->replaced);
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
	if (opts->bad_item_limit < MBX_IMPORT_ANY_DAMAGE)
		return mbx_error_set(MBX_EINVAL, "bad item limit %lld: give a number of items, or "
		                     "MBX_IMPORT_ANY_DAMAGE", (long long)opts->bad_item_limit);
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
		out->format = im_dup(im->result.format);
		out->damage = NULL;
		if (im->result.n_damage) {
			size_t i;

			out->damage = mbx_calloc(im->result.n_damage, sizeof(*out->damage));
			for (i = 0; i < im->result.n_damage; i++) {
				out->damage[i] = im->result.damage[i];
				out->damage[i].folder = im_dup(im->result.damage[i].folder);
				out->damage[i].subject = im_dup(im->result.damage[i].subject);
				out->damage[i].what = im_dup(im->result.damage[i].what);
			}
		}
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
