/*
 * core/import/import_folders.c - the import's target: the store mailbox
 * (created with --create), its folders looked up by path and role, the
 * folder the file goes below, and the list of damaged items and folders.
 */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include "mbx/text.h"
#include "import_int.h"

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

int im_create_mailbox(im_run *run, const mbx_server_info *srv)
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

im_folder *im_folder_by_path(im_run *run, const char *path)
{
	size_t i;

	for (i = 0; i < run->n_folders; i++)
		if (strcasecmp(run->folders[i].path, path) == 0)
			return &run->folders[i];
	return NULL;
}

im_folder *im_folder_by_role(im_run *run, mbx_folder_role role)
{
	size_t i;

	for (i = 0; role != MBX_ROLE_NONE && i < run->n_folders; i++)
		if (run->folders[i].role == role && run->folders[i].parent_id == 0)
			return &run->folders[i];
	return NULL;
}

void im_folder_remember(im_run *run, const char *path, int64_t id, mbx_folder_role role,
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

int im_load_folders(im_run *run)
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
int im_base(im_run *run)
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

/* ---- Damage ------------------------------------------------------------------ */

mbx_import_damage *im_damage_add(im_run *run, const char *folder, const char *subject,
                                        int is_item)
{
	mbx_import_result *res = run->res;
	mbx_import_damage *d;

	if (res->n_damage % 64 == 0)
		res->damage = mbx_reallocarray(res->damage, res->n_damage + 64, sizeof(*res->damage));
	d = &res->damage[res->n_damage++];
	memset(d, 0, sizeof(*d));
	d->folder = mbx_strdup(folder ? folder : "");
	d->subject = subject ? mbx_strdup(subject) : NULL;
	d->is_item = is_item;
	return d;
}

/* Add "what" to an entry's text ("a; b"); at most a few of them, each once. */
void im_damage_what(mbx_import_damage *d, const char *what)
{
	char *clean = mbx_text_clean(what ? what : "damaged", 300, MBX_TEXT_ELLIPSIS, NULL);

	if (!d->what) {
		d->what = clean;
		return;
	}
	if (strlen(d->what) < 600 && !strstr(d->what, clean)) {
		char *t = mbx_asprintf("%s; %s", d->what, clean);

		mbx_free(d->what);
		d->what = t;
	}
	mbx_free(clean);
}

/* One more damaged item or folder; past the limit nothing more is stored. */
void im_damage_count(im_run *run, int is_item)
{
	mbx_import_result *res = run->res;

	if (is_item) {
		res->damaged++;
		res->failed = res->damaged;
	} else {
		res->damaged_folders++;
	}
	if (run->opts->bad_item_limit >= 0 && !run->over &&
	    res->damaged + res->damaged_folders > run->opts->bad_item_limit) {
		run->over = 1;
		res->limit_exceeded = 1;
		mbx_log_write(run->log, MBX_LOG_MIN, "More items are damaged than the bad item limit "
		              "(%lld): nothing from file '%s' will be kept; reading on to list them.",
		              (long long)run->opts->bad_item_limit, run->c_file);
	}
}
