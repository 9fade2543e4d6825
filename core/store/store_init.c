/*
 * core/store/store_init.c - a new, empty recovery server (mbx_store_init),
 * and naming a mailbox a PST import created after the file's own name
 * (mbx_store_mailbox_set_display_name).
 *
 * A new store is written under a hidden temporary name next to its final
 * one and moved into place only when complete, without replacing anything
 * (renameat2 RENAME_NOREPLACE, else link): a file that appeared meanwhile
 * is never overwritten, and a failure leaves nothing behind.
 */
#define _GNU_SOURCE 1
#include "config.h"
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mbx/text.h"
#include "store/store_int.h"

/* Organization and site: parts of every legacy DN (/o=ORG/ou=SITE/...). */
static int init_check_name(const char *what, const char *v, const char *option)
{
	size_t n = v ? strlen(v) : 0, i;

	if (n == 0)
		return mbx_error_set(MBX_EINVAL, "no %s given: name it with %s", what, option);
	if (n > 64)
		return mbx_error_set(MBX_EINVAL, "the %s '%s' is longer than 64 bytes; give a shorter "
		                     "one with %s", what, v, option);
	if (!mbx_utf8_valid(v, n))
		return mbx_error_set(MBX_EINVAL, "the %s given with %s is not UTF-8 text", what, option);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];
		if (c < 0x20 || c == 0x7f || c == '/' || c == '=')
			return mbx_error_set(MBX_EINVAL, "the %s '%s' has a character a legacy Exchange DN "
			                     "can not hold ('/', '=' or a control character); give "
			                     "another with %s", what, v, option);
	}
	if (v[0] == ' ' || v[n - 1] == ' ')
		return mbx_error_set(MBX_EINVAL, "the %s '%s' starts or ends with a space; give it "
		                     "without with %s", what, v, option);
	return 0;
}

/* The server: a Windows computer name (NetBIOS: up to 15 characters). */
static int init_check_server(const char *v)
{
	size_t n = v ? strlen(v) : 0, i;

	if (n == 0)
		return mbx_error_set(MBX_EINVAL, "no server name given: name it with --server NAME "
		                     "(the Exchange server the store was restored from, e.g. EXCH1)");
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)v[i]) && v[i] != '-' && v[i] != '_')
			break;
	if (n > 15 || i < n)
		return mbx_error_set(MBX_EINVAL, "the server name '%s' is not a Windows computer name: "
		                     "give up to 15 letters, digits, '-' or '_' with --server", v);
	return 0;
}

/* An SMTP address policy: LOCAL@DOMAIN with %a (alias), %g (given name),
 * %s (surname), %% and nothing else after a '%'. */
static int init_check_policy(const char *p)
{
	const char *at = strchr(p, '@'), *c;
	int fields = 0;

	for (c = p; *c; c++) {
		if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f)
			break;
		if (*c != '%')
			continue;
		if (c[1] == 'a' || c[1] == 'g' || c[1] == 's')
			fields++;
		else if (c[1] != '%')
			break;
		c++;
	}
	if (*c || !at || at == p || !at[1] || strchr(at + 1, '@') || strchr(at, '%') || !fields)
		return mbx_error_set(MBX_EINVAL, "the SMTP policy '%s' is not an address pattern: give "
		                     "LOCAL@DOMAIN with %%a (alias), %%g (given name) or %%s (surname) "
		                     "in LOCAL, e.g. %%a@contoso.com", p);
	return 0;
}

/* Exchange 5.5's default site address: alias@SITE.ORGANIZATION.com, the
 * names lower-cased with everything but letters, digits and '-' dropped. */
static char *init_default_policy(const char *org, const char *site)
{
	char *out = mbx_malloc(strlen(org) + strlen(site) + 16), *o = out;
	const char *parts[2] = { site, org };
	size_t i;

	o += sprintf(o, "%%a@");
	for (i = 0; i < 2; i++) {
		const char *c;
		char *start = o;

		for (c = parts[i]; *c; c++)
			if (isalnum((unsigned char)*c) || (*c == '-' && o > start))
				*o++ = (char)tolower((unsigned char)*c);
		while (o > start && o[-1] == '-')
			o--;
		if (o > start)
			*o++ = '.';
	}
	strcpy(o, "com");
	if (strcmp(out, "%a@com") == 0) {
		mbx_free(out);
		out = mbx_strdup("%a@example.com");
	}
	return out;
}

/* mkdir -p: the missing directories (0700: they will hold other people's
 * mail), the first one created in *first (to remove on failure). */
static int init_mkdirs(const char *dir, char **first)
{
	char *p = mbx_strdup(dir), *s;
	struct stat sb;
	int rc = 0;

	*first = NULL;
	for (s = p + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;

			*s = '\0';
			if (stat(p, &sb) == 0) {
				if (!S_ISDIR(sb.st_mode)) {
					rc = mbx_error_set(MBX_EINVAL, "%s is not a directory; give a store "
					                   "path in a directory", p);
					break;
				}
			} else if (mkdir(p, 0700) == 0) {
				if (!*first)
					*first = mbx_strdup(p);
			} else if (errno != EEXIST) {
				rc = mbx_error_set(MBX_EIO, "can not create the directory %s: %s; create it "
				                   "or choose another path", p, strerror(errno));
				break;
			}
			*s = c;
			if (c == '\0')
				break;
		}
	}
	mbx_free(p);
	return rc;
}

/* Remove the directories init_mkdirs made, deepest first (only if empty). */
static void init_rmdirs(const char *dir, const char *first)
{
	char *p = mbx_strdup(dir), *slash;

	while (strlen(p) >= strlen(first)) {
		if (rmdir(p) != 0)
			break;
		slash = strrchr(p, '/');
		if (!slash || slash == p)
			break;
		*slash = '\0';
	}
	mbx_free(p);
}

static void init_unlink_all(const char *path)
{
	static const char *const ext[] = { "", "-wal", "-shm", "-journal" };
	size_t i;

	for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		char *f = mbx_asprintf("%s%s", path, ext[i]);
		unlink(f);
		mbx_free(f);
	}
}

/* Move tmp to path unless path exists. */
static int init_place(const char *tmp, const char *path)
{
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno == EEXIST)
		return mbx_error_set(MBX_EEXISTS, "%s already exists (it appeared meanwhile); nothing "
		                     "was changed", path);
	if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
		return mbx_error_set(MBX_EIO, "can not move the new store to %s: %s", path,
		                     strerror(errno));
	/* A file system without RENAME_NOREPLACE: link() does not replace either. */
	if (link(tmp, path) != 0)
		return mbx_error_set(errno == EEXIST ? MBX_EEXISTS : MBX_EIO, "can not create %s: %s",
		                     path, errno == EEXIST ? "it appeared meanwhile; nothing was changed"
		                                           : strerror(errno));
	unlink(tmp);
	return 0;
}

static void init_sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

int mbx_store_init(const char *path, const mbx_server_info *info)
{
	mbx_server_info si;
	mbx_store *st = NULL;
	struct stat sb;
	char *dir, *base, *slash, *tmp = NULL, *made = NULL, *detail;
	int rc, fd;

	if (!path || !*path)
		return mbx_error_set(MBX_EINVAL, "no store file given: name the new one with --db PATH");
	if ((rc = init_check_name("organization", info->organization, "--organization ORG")) < 0 ||
	    (rc = init_check_name("site", info->site, "--site SITE")) < 0 ||
	    (rc = init_check_server(info->server)) < 0)
		return rc;
	if (info->smtp_policy && *info->smtp_policy && (rc = init_check_policy(info->smtp_policy)) < 0)
		return rc;
	if (lstat(path, &sb) == 0)
		return mbx_error_set(MBX_EEXISTS, "%s already exists; nothing was changed: open it with "
		                     "mbxrescue --db %s, or give a new path for a new recovery server",
		                     path, path);
	if (errno != ENOENT)
		return mbx_error_set(MBX_EIO, "can not create %s: %s", path, strerror(errno));
	slash = strrchr(path, '/');
	if (slash && slash[1] == '\0')
		return mbx_error_set(MBX_EINVAL, "%s names a directory; give the path of the store "
		                     "file, e.g. %srescue.db", path, path);
	if (!slash) {
		dir = mbx_strdup(".");
		base = mbx_strdup(path);
	} else {
		dir = slash == path ? mbx_strdup("/") : mbx_strndup(path, (size_t)(slash - path));
		base = mbx_strdup(slash + 1);
	}
	rc = init_mkdirs(dir, &made);
	if (rc < 0)
		goto out;
	tmp = mbx_asprintf("%s/.%s.new-XXXXXX", dir, base);
	fd = mkstemp(tmp);
	if (fd < 0) {
		rc = mbx_error_set(MBX_EIO, "can not create a file in %s: %s; check the directory's "
		                   "permissions", dir, strerror(errno));
		mbx_free(tmp);
		tmp = NULL;
		goto out;
	}
	close(fd);
	unlink(tmp);   /* mbx_store_open creates it itself, 0600 */
	rc = mbx_store_open(&st, tmp, MBX_STORE_CREATE);
	if (rc < 0)
		goto out;
	si = *info;
	si.smtp_policy = info->smtp_policy && *info->smtp_policy ? info->smtp_policy :
	                 init_default_policy(info->organization, info->site);
	rc = mbx_store_begin(st);
	if (rc == 0)
		rc = mbx_store_server_set(st, &si);
	detail = mbx_asprintf("new recovery server: organization %s, site %s, SMTP policy %s",
	                      si.organization, si.site, si.smtp_policy);
	if (rc == 0)
		rc = mbx_store_audit(st, "mbxrescue", "create-server", si.server, detail);
	mbx_free(detail);
	if (si.smtp_policy != info->smtp_policy)
		mbx_free(si.smtp_policy);
	if (rc == 0)
		rc = mbx_store_commit(st);
	else
		mbx_store_rollback(st);
	/* Closing checkpoints the log into the file and removes it. */
	mbx_store_free(st);
	st = NULL;
	if (rc == 0)
		rc = init_place(tmp, path);
	if (rc == 0)
		init_sync_dir(dir);
out:
	if (tmp)
		init_unlink_all(tmp);
	if (rc < 0 && made)
		init_rmdirs(dir, made);
	mbx_free(tmp);
	mbx_free(made);
	mbx_free(base);
	mbx_free(dir);
	return rc;
}

int mbx_store_mailbox_set_display_name(mbx_store *st, int64_t id, const char *name)
{
	sqlite3_stmt *s;
	int rc;

	if (!name || !*name)
		return mbx_error_set(MBX_EINVAL, "a mailbox needs a display name");
	rc = store_stmt(st, "UPDATE mailbox SET display_name = ?1 WHERE id = ?2", &s);
	if (rc < 0)
		return rc;
	store_bind_text(s, 1, name);
	sqlite3_bind_int64(s, 2, id);
	rc = sqlite3_step(s) == SQLITE_DONE ? 0 : store_sqlerr(st, "renaming a mailbox");
	if (rc == 0 && sqlite3_changes(st->db) == 0)
		rc = mbx_error_set(MBX_ENOTFOUND, "mailbox %lld is not in the information store",
		                   (long long)id);
	store_done(s);
	return rc;
}
