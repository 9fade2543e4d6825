/*
 * core/store/store.c - the recovery server store: opening (with the checks that
 * keep a bad file untouched), transactions, the server, the directory,
 * the information store's mailboxes and folders, public folders,
 * permissions, the audit log and export jobs.  Messages are in
 * store_msg.c, the schema in schema.c.
 */
#include "config.h"
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/store_int.h"
#include "base/names.h"

/* ---- Small helpers ------------------------------------------------------ */

int store_bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (!v)
		return sqlite3_bind_null(s, i);
	return sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
}

char *store_col_str(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t ? mbx_strdup((const char *)t) : NULL;
}

int store_sqlerr(mbx_store *st, const char *what)
{
	int e = sqlite3_extended_errcode(st->db) & 0xff;
	const char *msg = sqlite3_errmsg(st->db);

	switch (e) {
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return mbx_error_set(MBX_ECORRUPT, "store file %s is corrupt (%s: %s); restore it "
		                     "from a backup", st->path, what, msg);
	case SQLITE_FULL:
		return mbx_error_set(MBX_ENOSPC, "store file %s: %s: the disk is full; free some "
		                     "space and try again", st->path, what);
	case SQLITE_READONLY:
		return mbx_error_set(MBX_EREADONLY, "store file %s is read-only (%s); make it and "
		                     "its directory writable", st->path, what);
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return mbx_error_set(MBX_EIO, "store file %s is busy (%s): another program is "
		                     "writing it; try again when it has finished", st->path, what);
	case SQLITE_CONSTRAINT:
		return mbx_error_set(MBX_EEXISTS, "store file %s: %s: %s", st->path, what, msg);
	case SQLITE_IOERR:
	case SQLITE_CANTOPEN:
		return mbx_error_set(MBX_EIO, "store file %s: %s: %s", st->path, what, msg);
	default:
		return mbx_error_set(MBX_ERROR, "store file %s: %s: %s", st->path, what, msg);
	}
}

/*
 * Step s to its end into a growing array of `size`-byte elements that
 * row() fills (zeroed first).  On an SQL error the partial array goes to
 * free_list() and the error names `what`.  s is finished in every case.
 */
typedef void (*store_row_fn)(sqlite3_stmt *s, void *elem);
typedef void (*store_list_free_fn)(void *v, size_t n);

static int store_collect(mbx_store *st, sqlite3_stmt *s, size_t size, store_row_fn row,
                         store_list_free_fn free_list, const char *what, void **out, size_t *n)
{
	char *v = NULL;
	size_t cnt = 0, cap = 0;
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (cnt == cap) {
			cap = cap ? cap * 2 : 32;
			v = mbx_reallocarray(v, cap, size);
		}
		memset(v + cnt * size, 0, size);
		row(s, v + cnt * size);
		cnt++;
	}
	if (rc != SQLITE_DONE) {
		rc = store_sqlerr(st, what);
		store_done(s);
		free_list(v, cnt);
		return rc;
	}
	store_done(s);
	*out = v;
	*n = cnt;
	return 0;
}

int store_exec(mbx_store *st, const char *sql)
{
	char *err = NULL;
	int rc;

	store_blob_release(st);
	if (sqlite3_exec(st->db, sql, NULL, NULL, &err) == SQLITE_OK)
		return 0;
	rc = store_sqlerr(st, err ? err : "running SQL");
	sqlite3_free(err);
	return rc;
}

int store_stmt(mbx_store *st, const char *sql, sqlite3_stmt **out)
{
	sqlite3_stmt *s = NULL;
	size_t i;

	/* A kept attachment blob is for consecutive reads only. */
	store_blob_release(st);
	for (i = 0; i < st->n_cache; i++) {
		if (st->cache[i].sql == sql) {
			*out = st->cache[i].stmt;
			return 0;
		}
	}
	if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) != SQLITE_OK) {
		*out = NULL;
		return store_sqlerr(st, "preparing a statement");
	}
	if (st->n_cache < STORE_STMT_CACHE) {
		st->cache[st->n_cache].sql = sql;
		st->cache[st->n_cache].stmt = s;
		st->n_cache++;
	} else {
		/* Never happens with the store's fixed set of statements; keep
		 * correctness anyway by evicting the oldest. */
		sqlite3_finalize(st->cache[0].stmt);
		memmove(&st->cache[0], &st->cache[1], sizeof(st->cache[0]) * (STORE_STMT_CACHE - 1));
		st->cache[STORE_STMT_CACHE - 1].sql = sql;
		st->cache[STORE_STMT_CACHE - 1].stmt = s;
	}
	*out = s;
	return 0;
}

void store_done(sqlite3_stmt *s)
{
	if (s) {
		sqlite3_reset(s);
		sqlite3_clear_bindings(s);
	}
}

/* Step a statement that returns no rows; resets it. */
static int step_done(mbx_store *st, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s) == SQLITE_DONE ? 0 : store_sqlerr(st, what);

	store_done(s);
	return rc;
}

char *store_dn_cn(const char *dn)
{
	const char *p, *last = NULL;

	if (!dn)
		return NULL;
	for (p = dn; *p; p++)
		if (p[0] == '/' && strncasecmp(p + 1, "cn=", 3) == 0)
			last = p + 4;
	if (!last || !*last)
		return NULL;
	return mbx_strndup(last, strcspn(last, "/"));
}

/* ---- Opening ------------------------------------------------------------ */

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * Look at the file before anything is written to it, so that nothing is
 * written to a file that is not ours: exists, regular (here, by its path),
 * and then (inspect_header) readable, an SQLite database of the size its
 * header says, an mbxrescue store, not of a newer schema, writable.
 */
static int inspect_path(const char *path, unsigned flags, int *exists, struct stat *sb)
{
	*exists = 0;
	if (stat(path, sb) != 0) {
		if (errno == ENOENT && (flags & MBX_STORE_CREATE))
			return 0;
		if (errno == ENOENT)
			return mbx_error_set(MBX_ENOTFOUND, "store file %s does not exist; check the "
			                     "path", path);
		return mbx_error_set(MBX_EIO, "can not read store file %s: %s; check the path and "
		                     "its permissions", path, strerror(errno));
	}
	*exists = 1;
	if (S_ISDIR(sb->st_mode))
		return mbx_error_set(MBX_EINVAL, "store file %s is a directory; give the path of "
		                     "the store file", path);
	if (!S_ISREG(sb->st_mode))
		return mbx_error_set(MBX_EINVAL, "store file %s is not a regular file", path);
	if (access(path, R_OK) != 0)
		return mbx_error_set(MBX_EIO, "can not read store file %s: %s; check its permissions",
		                     path, strerror(errno));
	return 0;
}

/*
 * The header is read through SQLite's own descriptor of the file, never
 * through one of ours: closing any descriptor of a file drops every POSIX
 * lock the process holds on it, and with them the locks of the other
 * connections this process has open on the store (a console with an
 * export's worker connections), so another process would take the
 * write-ahead log away from under them.
 */
static int pragma_u32(mbx_store *st, const char *sql, uint32_t *out)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return store_sqlerr(st, "reading");
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*out = (uint32_t)sqlite3_column_int64(s, 0);
		rc = 0;
	} else {
		rc = store_sqlerr(st, "reading");
	}
	sqlite3_finalize(s);
	return rc;
}

static int inspect_header(mbx_store *st, unsigned flags, const struct stat *sb)
{
	const char *path = st->path;
	unsigned char h[100];
	sqlite3_file *f = NULL;
	uint32_t page_size, pages, appid = 0, version = 0;
	int rc = 0, got;

	if (sqlite3_file_control(st->db, "main", SQLITE_FCNTL_FILE_POINTER, &f) != SQLITE_OK ||
	    !f || !f->pMethods)
		return mbx_error_set(MBX_EIO, "can not read store file %s; check its permissions",
		                     path);
	memset(h, 0, sizeof(h));
	got = f->pMethods->xRead(f, h, (int)sizeof(h), 0);
	if (got != SQLITE_OK && got != SQLITE_IOERR_SHORT_READ)
		return mbx_error_set(MBX_EIO, "can not read store file %s; check the disk and its "
		                     "permissions", path);
	if (got == SQLITE_IOERR_SHORT_READ || memcmp(h, "SQLite format 3", 16) != 0)
		return mbx_error_set(MBX_ECORRUPT, "%s is not an mbxrescue store (not an SQLite "
		                     "database); check the path given to --db", path);
	page_size = (uint32_t)h[16] << 8 | h[17];
	if (page_size == 1)
		page_size = 65536;
	pages = be32(h + 28);
	/* The page count is valid when the change counter matches. */
	if (be32(h + 24) == be32(h + 92) && pages &&
	    (uint64_t)sb->st_size < (uint64_t)page_size * pages)
		return mbx_error_set(MBX_ECORRUPT, "store file %s is truncated or corrupt (%jd of "
		                     "%" PRIu64 " bytes); restore it from a backup", path,
		                     (intmax_t)sb->st_size, (uint64_t)page_size * pages);
	/* The application id and schema version through SQLite, not from the
	 * bytes on disk: in WAL mode the newest header may still be in the log
	 * of a connection that has the store open (reading writes nothing). */
	if ((rc = pragma_u32(st, "PRAGMA application_id", &appid)) < 0 ||
	    (rc = pragma_u32(st, "PRAGMA user_version", &version)) < 0)
		return rc;
	if (appid != MBX_STORE_APP_ID)
		return mbx_error_set(MBX_ECORRUPT, "%s is an SQLite database of another program, "
		                     "not an mbxrescue store; check the path given to --db", path);
	if (version > (uint32_t)store_schema_latest())
		return mbx_error_set(MBX_ESCHEMA, "store file %s has schema version %u, newer than "
		                     "this mbxrescue knows (%d); use a newer mbxrescue", path,
		                     (unsigned)version, store_schema_latest());
	if (!(flags & MBX_STORE_READONLY)) {
		char *dir = mbx_strdup(path), *slash = strrchr(dir, '/');

		if (slash)
			*(slash == dir ? slash + 1 : slash) = '\0';
		/* Mode bits too: root passes access(W_OK) on a chmod 444 file. */
		if ((sb->st_mode & 0222) == 0 || access(path, W_OK) != 0)
			rc = mbx_error_set(MBX_EREADONLY, "store file %s is read-only; make it "
			                   "writable (chmod u+w) or work on a copy", path);
		else if (access(slash ? dir : ".", W_OK | X_OK) != 0)
			rc = mbx_error_set(MBX_EREADONLY, "the directory of store file %s is not "
			                   "writable (the store needs its journal next to it); make it "
			                   "writable or work on a copy", path);
		mbx_free(dir);
	}
	return rc;
}

static int configure(mbx_store *st, unsigned flags)
{
	int rc;

	sqlite3_busy_timeout(st->db, 5000);
	sqlite3_extended_result_codes(st->db, 1);
	rc = store_exec(st, "PRAGMA foreign_keys = ON");
	if (rc == 0 && !(flags & MBX_STORE_READONLY))
		rc = store_exec(st, "PRAGMA journal_mode = WAL");
	if (rc == 0)
		rc = store_exec(st, "PRAGMA synchronous = NORMAL");
	/* SQLite's default page cache: the big scans read each page once,
	 * and a larger cache only costs page faults.  No mmap either: an I/O
	 * error on a mapped page would be a SIGBUS, not an error message. */
	return rc;
}

int mbx_store_open(mbx_store **out, const char *path, unsigned flags)
{
	mbx_store *st = NULL;
	struct stat sb;
	int exists, rc, oflags, v;

	*out = NULL;
	if (!path || !*path)
		return mbx_error_set(MBX_EINVAL, "no store file given");
	rc = inspect_path(path, flags, &exists, &sb);
	if (rc < 0)
		return rc;
	if (!exists) {
		/* Create it ourselves so that it is 0600 from the start. */
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

		if (fd < 0)
			return mbx_error_set(MBX_EIO, "can not create store file %s: %s", path,
			                     strerror(errno));
		close(fd);
	}
	st = mbx_calloc(1, sizeof(*st));
	st->path = mbx_strdup(path);
	do
		sqlite3_randomness((int)sizeof(st->handle_id), &st->handle_id);
	while (st->handle_id == 0);
	oflags = (flags & MBX_STORE_READONLY) ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
	if (sqlite3_open_v2(path, &st->db, oflags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		rc = store_sqlerr(st, "opening");
		goto fail;
	}
	/* Reading the header waits for writers like every later statement. */
	sqlite3_busy_timeout(st->db, 5000);
	if (exists && (rc = inspect_header(st, flags, &sb)) < 0)
		goto fail;
	/* New stores get 64 KiB pages: attachments live in the store, and
	 * bulk loads and exports move them in whole pages (16 times fewer
	 * reads and writes than SQLite's 4 KiB).  Set before anything is
	 * written; existing stores keep theirs. */
	if (!exists && (rc = store_exec(st, "PRAGMA page_size = 65536")) < 0)
		goto fail;
	rc = configure(st, flags);
	if (rc < 0)
		goto fail;
	v = mbx_store_schema_version(st);
	if (v < 0) {
		rc = v;
		goto fail;
	}
	/* The header can lag behind a journal a newer program left. */
	if (v > store_schema_latest()) {
		rc = mbx_error_set(MBX_ESCHEMA, "store file %s has schema version %d, newer than "
		                   "this mbxrescue knows (%d); use a newer mbxrescue", path, v,
		                   store_schema_latest());
		goto fail;
	}
	if (v < store_schema_latest()) {
		if (flags & MBX_STORE_READONLY) {
			rc = mbx_error_set(MBX_ESCHEMA, "store file %s has the older schema version %d; "
			                   "open it once for writing to upgrade it", path, v);
			goto fail;
		}
		rc = store_migrate(st, store_schema_latest());
		if (rc < 0)
			goto fail;
	}
	*out = st;
	return 0;
fail:
	mbx_store_free(st);
	if (!exists)
		unlink(path);
	return rc;
}

void mbx_store_free(mbx_store *st)
{
	size_t i;

	if (!st)
		return;
	mbx_store_bulk_end(st);
	store_blob_release(st);
	for (i = 0; i < st->n_cache; i++)
		sqlite3_finalize(st->cache[i].stmt);
	if (st->db)
		sqlite3_close(st->db);
	mbx_free(st->path);
	mbx_free(st);
}

const char *mbx_store_path(const mbx_store *st)
{
	return st->path;
}

int mbx_store_schema_version(mbx_store *st)
{
	sqlite3_stmt *s;
	int rc, v;

	rc = store_stmt(st, "PRAGMA user_version", &s);
	if (rc < 0)
		return rc;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	else
		v = store_sqlerr(st, "reading the schema version");
	store_done(s);
	return v;
}

/* ---- Transactions ------------------------------------------------------- */

int mbx_store_begin(mbx_store *st)
{
	int rc;

	if (st->txn_depth == 0) {
		rc = store_exec(st, "BEGIN IMMEDIATE");
		if (rc < 0)
			return rc;
		st->txn_failed = 0;
	}
	st->txn_depth++;
	return 0;
}

int mbx_store_commit(mbx_store *st)
{
	if (st->txn_depth <= 0)
		return mbx_error_set(MBX_EINVAL, "commit without a transaction");
	if (--st->txn_depth > 0)
		return 0;
	if (st->txn_failed) {
		store_exec(st, "ROLLBACK");
		st->txn_failed = 0;
		return mbx_error_set(MBX_ERROR, "store file %s: an inner step failed, nothing was "
		                     "changed", st->path);
	}
	if (store_exec(st, "COMMIT") < 0) {
		int rc = mbx_error_prefix(MBX_EIO, "saving the changes");

		if (!sqlite3_get_autocommit(st->db))
			store_exec(st, "ROLLBACK");
		return rc;
	}
	return 0;
}

int mbx_store_rollback(mbx_store *st)
{
	if (st->txn_depth <= 0)
		return 0;
	if (--st->txn_depth > 0) {
		st->txn_failed = 1;
		return 0;
	}
	st->txn_failed = 0;
	store_blob_release(st);
	if (sqlite3_get_autocommit(st->db))
		return 0;
	{
		/* Keep the caller's error message: the rollback is the cleanup. */
		char *keep = mbx_strdup(mbx_error_last());
		int rc = store_exec(st, "ROLLBACK");

		mbx_error_set(MBX_ERROR, "%s", keep);
		mbx_free(keep);
		return rc;
	}
}

/* ---- Bulk loading ------------------------------------------------------- */

/*
 * SQLite's own descriptor of the store file, found among the process's
 * open files: never a descriptor of ours, since closing any descriptor of
 * the file would drop every POSIX lock the process holds on it (SQLite's
 * locks).  -1 when there is none to be found.
 */
static int store_file_fd(const mbx_store *st)
{
	struct stat want, sb;
	struct dirent *e;
	DIR *d;
	int fd = -1;

	if (stat(st->path, &want) != 0 || !(d = opendir("/proc/self/fd")))
		return -1;
	while (fd < 0 && (e = readdir(d))) {
		char *end;
		long n = strtol(e->d_name, &end, 10);

		if (end == e->d_name || *end || n < 0 || n > INT_MAX || n == dirfd(d))
			continue;
		if (fstat((int)n, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_dev == want.st_dev &&
		    sb.st_ino == want.st_ino)
			fd = (int)n;
	}
	closedir(d);
	return fd;
}

void mbx_store_writeback(mbx_store *st)
{
#ifdef SYNC_FILE_RANGE_WRITE
	int fd = st ? store_file_fd(st) : -1;

	if (fd >= 0)
		(void)sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
#else
	(void)st;
#endif
}

int mbx_store_bulk_begin(mbx_store *st)
{
	sqlite3_stmt *s;
	const char *mode;
	int on = 0;

	if (st->bulk || st->txn_depth > 0)
		return 0;
	/* Leaving WAL needs the only connection; otherwise SQLite keeps WAL
	 * and says so (or fails busy): either way, carry on in WAL. */
	if (store_stmt(st, "PRAGMA journal_mode = DELETE", &s) < 0) {
		mbx_error_clear();
		return 0;
	}
	if (sqlite3_step(s) == SQLITE_ROW) {
		mode = (const char *)sqlite3_column_text(s, 0);
		on = mode && strcasecmp(mode, "delete") == 0;
	}
	store_done(s);
	if (!on) {
		mbx_error_clear();
		return 0;
	}
	st->bulk = 1;
	/* A rollback journal is only crash-safe with full syncs. */
	if (store_exec(st, "PRAGMA synchronous = FULL") < 0) {
		int rc = mbx_error_prefix(MBX_EIO, "preparing a bulk load");

		mbx_store_bulk_end(st);
		return rc;
	}
	return 1;
}

void mbx_store_bulk_end(mbx_store *st)
{
	char *keep;

	if (!st || !st->bulk)
		return;
	st->bulk = 0;
	/* The caller's error (a failed import) outlives this cleanup; should
	 * WAL not come back now, the next mbx_store_open restores it. */
	keep = mbx_strdup(mbx_error_last());
	store_exec(st, "PRAGMA journal_mode = WAL");
	store_exec(st, "PRAGMA synchronous = NORMAL");
	mbx_error_set(MBX_ERROR, "%s", keep);
	mbx_free(keep);
}

/* ---- Meta --------------------------------------------------------------- */

int store_meta_set(mbx_store *st, const char *key, const char *value)
{
	sqlite3_stmt *s;
	int rc = store_stmt(st, "INSERT INTO meta (key, value) VALUES (?1, ?2) "
	                        "ON CONFLICT (key) DO UPDATE SET value = excluded.value", &s);

	if (rc < 0)
		return rc;
	store_bind_text(s, 1, key);
	store_bind_text(s, 2, value);
	return step_done(st, s, "saving a setting");
}

int store_meta_get(mbx_store *st, const char *key, char **out)
{
	sqlite3_stmt *s;
	int rc = store_stmt(st, "SELECT value FROM meta WHERE key = ?1", &s);

	*out = NULL;
	if (rc < 0)
		return rc;
	store_bind_text(s, 1, key);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*out = store_col_str(s, 0);
	rc = (rc == SQLITE_ROW || rc == SQLITE_DONE) ? 0 : store_sqlerr(st, "reading a setting");
	store_done(s);
	return rc;
}

/* ---- The server --------------------------------------------------------- */

int mbx_store_server_get(mbx_store *st, mbx_server_info *out)
{
	sqlite3_stmt *s;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = store_stmt(st, "SELECT organization, site, server, smtp_policy FROM server "
	                    "WHERE id = 1", &s);
	if (rc < 0)
		return rc;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		out->organization = store_col_str(s, 0);
		out->site = store_col_str(s, 1);
		out->server = store_col_str(s, 2);
		out->smtp_policy = store_col_str(s, 3);
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = mbx_error_set(MBX_ENOTFOUND, "store file %s names no server (organization, "
		                   "site, server); it is not a complete recovery server", st->path);
	} else {
		rc = store_sqlerr(st, "reading the server");
	}
	store_done(s);
	return rc;
}

int mbx_store_server_set(mbx_store *st, const mbx_server_info *info)
{
	sqlite3_stmt *s;
	int rc;

	if (!info->organization || !info->site || !info->server || !info->smtp_policy)
		return mbx_error_set(MBX_EINVAL, "the server needs an organization, a site, a name "
		                     "and an SMTP policy");
	rc = store_stmt(st, "INSERT INTO server (id, organization, site, server, smtp_policy) "
	                    "VALUES (1, ?1, ?2, ?3, ?4) ON CONFLICT (id) DO UPDATE SET "
	                    "organization = excluded.organization, site = excluded.site, "
	                    "server = excluded.server, smtp_policy = excluded.smtp_policy", &s);
	if (rc < 0)
		return rc;
	store_bind_text(s, 1, info->organization);
	store_bind_text(s, 2, info->site);
	store_bind_text(s, 3, info->server);
	store_bind_text(s, 4, info->smtp_policy);
	return step_done(st, s, "saving the server");
}

void mbx_server_info_clear(mbx_server_info *info)
{
	if (!info)
		return;
	mbx_free(info->organization);
	mbx_free(info->site);
	mbx_free(info->server);
	mbx_free(info->smtp_policy);
	memset(info, 0, sizeof(*info));
}

int mbx_store_known_server_add(mbx_store *st, const char *server, const char *site)
{
	sqlite3_stmt *s;
	int rc = store_stmt(st, "INSERT OR IGNORE INTO known_server (server, site) VALUES (?1, ?2)",
	                    &s);

	if (rc < 0)
		return rc;
	store_bind_text(s, 1, server);
	store_bind_text(s, 2, site);
	return step_done(st, s, "adding a known server");
}

int mbx_store_known_server(mbx_store *st, const char *server, const char *site)
{
	sqlite3_stmt *s;
	int rc = store_stmt(st, "SELECT EXISTS (SELECT 1 FROM server WHERE server = ?1 "
	                        "COLLATE NOCASE AND site = ?2 COLLATE NOCASE) OR EXISTS "
	                        "(SELECT 1 FROM known_server WHERE server = ?1 AND site = ?2)", &s);

	if (rc < 0)
		return rc;
	store_bind_text(s, 1, server);
	store_bind_text(s, 2, site);
	if (sqlite3_step(s) == SQLITE_ROW)
		rc = sqlite3_column_int(s, 0) ? 1 : 0;
	else
		rc = store_sqlerr(st, "looking up a server");
	store_done(s);
	return rc;
}

/* ---- Recipients --------------------------------------------------------- */

#define RECIPIENT_COLS STORE_RECIPIENT_COLS

void store_recipient_row(sqlite3_stmt *s, mbx_recipient *r)
{
	r->id = sqlite3_column_int64(s, 0);
	r->display_name = store_col_str(s, 1);
	r->alias = store_col_str(s, 2);
	r->dn = store_col_str(s, 3);
	r->smtp = store_col_str(s, 4);
	r->home_server = store_col_str(s, 5);
	r->primary_account = store_col_str(s, 6);
	r->object_class = (mbx_object_class)sqlite3_column_int(s, 7);
	r->hidden = sqlite3_column_int(s, 8);
	r->created_by_adjuster = sqlite3_column_int(s, 9);
	r->created_time = sqlite3_column_int64(s, 10);
	r->mailbox_guid = store_col_str(s, 11);
	r->legacy_dn = store_col_str(s, 12);
}

/*
 * How many rows to make room for before a full-table read: the largest
 * rowid, which is the row count unless rows were deleted, and is found in
 * one b-tree descent.  Growing 10 MB arrays by doubling copied them
 * repeatedly.  Capped: a stray huge rowid must not reserve gigabytes.
 */
size_t store_rows_hint(mbx_store *st, const char *sql)
{
	sqlite3_stmt *s;
	size_t n = 0;

	if (store_stmt(st, sql, &s) < 0) {
		mbx_error_clear();
		return 0;
	}
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int64(s, 0) > 0)
		n = (size_t)sqlite3_column_int64(s, 0);
	store_done(s);
	return n < ((size_t)1 << 22) ? n : (size_t)1 << 22;
}

#define RECIPIENT_ROWS_HINT "SELECT max(id) FROM recipient"
#define MAILBOX_ROWS_HINT "SELECT max(id) FROM mailbox"

/*
 * Put rows read in rowid order into the order of `k` (sorted name keys),
 * in place: one cycle of the permutation at a time, so that 10 MB of rows
 * are not copied to a second array.  Spoils k[].row.
 */
static void rows_reorder(void *v, size_t n, size_t size, name_key *k)
{
	unsigned char *base = v, *tmp = mbx_malloc(size);
	size_t i, j, from;

	for (i = 0; i < n; i++) {
		if (k[i].row == SIZE_MAX)
			continue;
		memcpy(tmp, base + i * size, size);
		for (j = i; (from = k[j].row) != i; j = from) {
			memcpy(base + j * size, base + from * size, size);
			k[j].row = SIZE_MAX;
		}
		memcpy(base + j * size, tmp, size);
		k[j].row = SIZE_MAX;
	}
	mbx_free(tmp);
}

int mbx_store_recipients(mbx_store *st, mbx_recipient **out, size_t *n)
{
	sqlite3_stmt *s;
	mbx_recipient *v = NULL;
	name_key *k = NULL;
	size_t cnt = 0, cap = 0, i;
	int rc;

	*out = NULL;
	*n = 0;
	cap = store_rows_hint(st, RECIPIENT_ROWS_HINT);
	if (cap)
		v = mbx_reallocarray(NULL, cap, sizeof(*v));
	/* In rowid order, sorted by name here (see name_key). */
	rc = store_stmt(st, "SELECT " RECIPIENT_COLS " FROM recipient ORDER BY id", &s);
	if (rc < 0)
		return rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (cnt == cap) {
			cap = cap ? cap * 2 : 64;
			v = mbx_reallocarray(v, cap, sizeof(*v));
		}
		memset(&v[cnt], 0, sizeof(v[cnt]));
		store_recipient_row(s, &v[cnt++]);
	}
	if (rc != SQLITE_DONE) {
		rc = store_sqlerr(st, "reading the recipients");
		store_done(s);
		mbx_recipients_free(v, cnt);
		return rc;
	}
	store_done(s);
	k = mbx_reallocarray(NULL, cnt ? cnt : 1, sizeof(*k));
	for (i = 0; i < cnt; i++)
		name_key_set(&k[i], v[i].display_name, v[i].id, i);
	name_keys_sort(k, cnt);
	rows_reorder(v, cnt, sizeof(*v), k);
	*out = v;
	*n = cnt;
	mbx_free(k);
	return 0;
}

void mbx_recipient_clear(mbx_recipient *r)
{
	if (!r)
		return;
	mbx_free(r->display_name);
	mbx_free(r->alias);
	mbx_free(r->dn);
	mbx_free(r->smtp);
	mbx_free(r->home_server);
	mbx_free(r->primary_account);
	mbx_free(r->mailbox_guid);
	mbx_free(r->legacy_dn);
	memset(r, 0, sizeof(*r));
}

void mbx_recipients_free(mbx_recipient *r, size_t n)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < n; i++)
		mbx_recipient_clear(&r[i]);
	mbx_free(r);
}

int mbx_store_recipient_by_alias(mbx_store *st, const char *alias, mbx_recipient *out)
{
	sqlite3_stmt *s;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = store_stmt(st, "SELECT " RECIPIENT_COLS " FROM recipient WHERE alias = ?1", &s);
	if (rc < 0)
		return rc;
	store_bind_text(s, 1, alias);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		store_recipient_row(s, out);
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = mbx_error_set(MBX_ENOTFOUND, "no recipient with alias '%s' in the directory",
		                   alias);
	} else {
		rc = store_sqlerr(st, "reading a recipient");
	}
	store_done(s);
	return rc;
}

static void bind_recipient(sqlite3_stmt *s, const mbx_recipient *r)
{
	store_bind_text(s, 1, r->display_name);
	store_bind_text(s, 2, r->alias);
	store_bind_text(s, 3, r->dn);
	store_bind_text(s, 4, r->smtp);
	store_bind_text(s, 5, r->home_server);
	store_bind_text(s, 6, r->primary_account && *r->primary_account ? r->primary_account : NULL);
	sqlite3_bind_int(s, 7, (int)r->object_class);
	sqlite3_bind_int(s, 8, r->hidden ? 1 : 0);
	sqlite3_bind_int(s, 9, r->created_by_adjuster ? 1 : 0);
	sqlite3_bind_int64(s, 10, r->created_time);
	store_bind_text(s, 11, r->mailbox_guid);
	store_bind_text(s, 12, r->legacy_dn);
}

static int check_recipient(const mbx_recipient *r)
{
	if (!r->display_name || !*r->display_name || !r->alias || !*r->alias || !r->dn || !*r->dn)
		return mbx_error_set(MBX_EINVAL, "a recipient needs a display name, an alias and a "
		                     "distinguished name");
	if ((int)r->object_class < 0 || r->object_class > MBX_OBJ_DISTLIST)
		return mbx_error_set(MBX_EINVAL, "recipient '%s': unknown object class %d", r->alias,
		                     (int)r->object_class);
	return 0;
}

int mbx_store_recipient_add(mbx_store *st, const mbx_recipient *r, int64_t *out_id)
{
	sqlite3_stmt *s;
	int rc = check_recipient(r);

	if (rc < 0)
		return rc;
	rc = store_stmt(st, "INSERT INTO recipient (display_name, alias, dn, smtp, home_server, "
	                    "primary_account, object_class, hidden, created_by_adjuster, "
	                    "created_time, mailbox_guid, legacy_dn) VALUES "
	                    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)", &s);
	if (rc < 0)
		return rc;
	bind_recipient(s, r);
	if (sqlite3_step(s) != SQLITE_DONE) {
		rc = store_sqlerr(st, "adding a recipient");
		if (rc == MBX_EEXISTS)
			rc = mbx_error_set(MBX_EEXISTS, "a recipient with alias '%s' or DN %s is already "
			                   "in the directory", r->alias, r->dn);
		store_done(s);
		return rc;
	}
	store_done(s);
	if (out_id)
		*out_id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int mbx_store_recipient_update(mbx_store *st, const mbx_recipient *r)
{
	sqlite3_stmt *s;
	int rc = check_recipient(r);

	if (rc < 0)
		return rc;
	rc = store_stmt(st, "UPDATE recipient SET display_name = ?1, alias = ?2, dn = ?3, "
	                    "smtp = ?4, home_server = ?5, primary_account = ?6, object_class = ?7, "
	                    "hidden = ?8, created_by_adjuster = ?9, created_time = ?10, "
	                    "mailbox_guid = ?11, legacy_dn = ?12 WHERE id = ?13", &s);
	if (rc < 0)
		return rc;
	bind_recipient(s, r);
	sqlite3_bind_int64(s, 13, r->id);
	rc = step_done(st, s, "updating a recipient");
	if (rc == 0 && sqlite3_changes(st->db) == 0)
		rc = mbx_error_set(MBX_ENOTFOUND, "recipient '%s' is no longer in the directory",
		                   r->alias);
	return rc;
}

/* ---- Mailboxes ---------------------------------------------------------- */

/*
 * The link from a store mailbox to its directory entry: a mailbox-recipient
 * with the mailbox's GUID, else one whose legacy DN or DN is the mailbox's
 * legacy DN.  Each alternative is one index lookup (schema 2).
 */
#define MAILBOX_SELECT \
	"SELECT m.id, m.guid, m.display_name, m.legacy_dn, m.item_count, m.total_size, " \
	"m.last_logon, m.created_time, r.id, r.alias FROM mailbox m " \
	"LEFT JOIN recipient r ON r.id = COALESCE(" \
	"(SELECT x.id FROM recipient x WHERE x.mailbox_guid = m.guid AND x.object_class = 0), " \
	"(SELECT x.id FROM recipient x WHERE x.legacy_dn = m.legacy_dn AND x.object_class = 0), " \
	"(SELECT x.id FROM recipient x WHERE x.dn = m.legacy_dn AND x.object_class = 0)) "

/* Columns 0-7 of MAILBOX_SELECT and of the plain mailbox scan. */
void store_mailbox_cols(sqlite3_stmt *s, mbx_mailbox *m)
{
	m->id = sqlite3_column_int64(s, 0);
	m->guid = store_col_str(s, 1);
	m->display_name = store_col_str(s, 2);
	m->legacy_dn = store_col_str(s, 3);
	m->item_count = sqlite3_column_int64(s, 4);
	m->total_size = sqlite3_column_int64(s, 5);
	m->last_logon = sqlite3_column_int64(s, 6);
	m->created_time = sqlite3_column_int64(s, 7);
}

/* An unlinked mailbox's alias: the cn of its legacy DN, else its GUID. */
void store_mailbox_alias_fallback(mbx_mailbox *m)
{
	if (!m->alias)
		m->alias = store_dn_cn(m->legacy_dn);
	if (!m->alias)
		m->alias = mbx_strdup(m->guid);
}

static void mailbox_row(sqlite3_stmt *s, mbx_mailbox *m)
{
	store_mailbox_cols(s, m);
	m->recipient_id = sqlite3_column_int64(s, 8);
	m->alias = store_col_str(s, 9);
	store_mailbox_alias_fallback(m);
}

/*
 * mbx_store_mailboxes resolves the same link as MAILBOX_SELECT for all
 * mailboxes at once, the way the check does (base/names.h): both tables
 * read once in rowid order, fingerprints sorted and merged.  Three kinds of
 * link, in order of preference; a fingerprint's idx is row * STORE_LINK_KINDS +
 * kind on both sides, and equal tags make equal kinds meet.
 */
/* The directory's side: mailbox-recipients in id order. */
typedef struct link_dir {
	int64_t *id;
	size_t *alias_off;     /* into `alias`, NUL-separated: one block */
	char *alias;
	size_t n, cap, alias_len, alias_cap;
	fplist fp;
} link_dir;

static void link_dir_free(link_dir *d)
{
	mbx_free(d->id);
	mbx_free(d->alias_off);
	mbx_free(d->alias);
	fplist_free(&d->fp);
}

static int link_dir_read(mbx_store *st, link_dir *d)
{
	sqlite3_stmt *s;
	int rc;

	rc = store_stmt(st, "SELECT id, mailbox_guid, legacy_dn, dn, alias FROM recipient "
	                    "WHERE object_class = 0 ORDER BY id", &s);
	if (rc < 0)
		return rc;
	d->cap = store_rows_hint(st, RECIPIENT_ROWS_HINT);
	if (d->cap) {
		d->id = mbx_reallocarray(NULL, d->cap, sizeof(*d->id));
		d->alias_off = mbx_reallocarray(NULL, d->cap, sizeof(*d->alias_off));
		fplist_reserve(&d->fp, d->cap * STORE_LINK_KINDS);
		d->alias_cap = d->cap * 16;
		d->alias = mbx_malloc(d->alias_cap);
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *alias = (const char *)sqlite3_column_text(s, 4);
		size_t len = (size_t)sqlite3_column_bytes(s, 4);

		if (d->n >= UINT32_MAX / STORE_LINK_KINDS) {
			rc = mbx_error_set(MBX_ELIMIT, "more than %u recipients",
			                   (unsigned)(UINT32_MAX / STORE_LINK_KINDS));
			break;
		}
		if (d->n == d->cap) {
			d->cap = d->cap ? d->cap * 2 : 1024;
			d->id = mbx_reallocarray(d->id, d->cap, sizeof(*d->id));
			d->alias_off = mbx_reallocarray(d->alias_off, d->cap, sizeof(*d->alias_off));
		}
		while (d->alias_len + len + 1 > d->alias_cap) {
			d->alias_cap = d->alias_cap ? d->alias_cap * 2 : 65536;
			d->alias = mbx_realloc(d->alias, d->alias_cap);
		}
		memcpy(d->alias + d->alias_len, alias ? alias : "", len);
		d->alias[d->alias_len + len] = '\0';
		d->alias_off[d->n] = d->alias_len;
		d->alias_len += len + 1;
		d->id[d->n] = sqlite3_column_int64(s, 0);
		store_link_fp(&d->fp, STORE_LINK_GUID, s, 1, d->n);
		store_link_fp(&d->fp, STORE_LINK_LEGACY_DN, s, 2, d->n);
		store_link_fp(&d->fp, STORE_LINK_DN, s, 3, d->n);
		d->n++;
	}
	rc = rc == SQLITE_DONE ? 0 : (rc < 0 ? rc : store_sqlerr(st, "reading the directory"));
	store_done(s);
	return rc;
}

/* The store's side, in id order, with their fingerprints. */
static int link_mailboxes_read(mbx_store *st, mbx_mailbox **out, size_t *n, fplist *fp)
{
	sqlite3_stmt *s;
	mbx_mailbox *v = NULL;
	size_t cnt = 0, cap = 0;
	int rc;

	rc = store_stmt(st, "SELECT id, guid, display_name, legacy_dn, item_count, total_size, "
	                    "last_logon, created_time FROM mailbox ORDER BY id", &s);
	if (rc < 0)
		return rc;
	cap = store_rows_hint(st, MAILBOX_ROWS_HINT);
	if (cap) {
		v = mbx_reallocarray(NULL, cap, sizeof(*v));
		fplist_reserve(fp, cap * STORE_LINK_KINDS);
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (cnt >= UINT32_MAX / STORE_LINK_KINDS) {
			rc = mbx_error_set(MBX_ELIMIT, "more than %u mailboxes",
			                   (unsigned)(UINT32_MAX / STORE_LINK_KINDS));
			break;
		}
		if (cnt == cap) {
			cap = cap ? cap * 2 : 64;
			v = mbx_reallocarray(v, cap, sizeof(*v));
		}
		memset(&v[cnt], 0, sizeof(v[cnt]));
		store_mailbox_cols(s, &v[cnt]);
		store_link_fp(fp, STORE_LINK_GUID, s, 1, cnt);
		store_link_fp(fp, STORE_LINK_LEGACY_DN, s, 3, cnt);
		store_link_fp(fp, STORE_LINK_DN, s, 3, cnt);
		cnt++;
	}
	rc = rc == SQLITE_DONE ? 0 : (rc < 0 ? rc : store_sqlerr(st, "reading the mailboxes"));
	store_done(s);
	*out = v;
	*n = cnt;
	return rc;
}

int mbx_store_mailboxes(mbx_store *st, mbx_mailbox **out, size_t *n)
{
	link_dir d = { 0 };
	fplist mfp = { 0 }, scratch = { 0 };
	mbx_mailbox *v = NULL;
	name_key *k = NULL;
	uint32_t *row = NULL;
	size_t cnt = 0, i;
	int rc;

	*out = NULL;
	*n = 0;
	rc = link_dir_read(st, &d);
	if (rc < 0)
		goto out;
	rc = link_mailboxes_read(st, &v, &cnt, &mfp);
	if (rc < 0)
		goto out;
	fplist_sort(&d.fp, &scratch);
	fplist_sort(&mfp, &scratch);
	row = store_link_resolve(&d.fp, &mfp, cnt);
	k = mbx_reallocarray(NULL, cnt ? cnt : 1, sizeof(*k));
	for (i = 0; i < cnt; i++) {
		if (row[i] != STORE_LINK_NONE) {
			v[i].recipient_id = d.id[row[i]];
			v[i].alias = mbx_strdup(d.alias + d.alias_off[row[i]]);
		}
		store_mailbox_alias_fallback(&v[i]);
		name_key_set(&k[i], v[i].display_name, v[i].id, i);
	}
	name_keys_sort(k, cnt);
	rows_reorder(v, cnt, sizeof(*v), k);
out:
	link_dir_free(&d);
	fplist_free(&mfp);
	fplist_free(&scratch);
	mbx_free(row);
	mbx_free(k);
	if (rc < 0) {
		mbx_mailboxes_free(v, cnt);
		return rc;
	}
	*out = v;
	*n = cnt;
	return 0;
}

void mbx_mailbox_clear(mbx_mailbox *m)
{
	if (!m)
		return;
	mbx_free(m->guid);
	mbx_free(m->display_name);
	mbx_free(m->legacy_dn);
	mbx_free(m->alias);
	memset(m, 0, sizeof(*m));
}

void mbx_mailboxes_free(mbx_mailbox *m, size_t n)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < n; i++)
		mbx_mailbox_clear(&m[i]);
	mbx_free(m);
}

static int mailbox_one(mbx_store *st, sqlite3_stmt *s, mbx_mailbox *out, const char *what)
{
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW) {
		mailbox_row(s, out);
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = mbx_error_set(MBX_ENOTFOUND, "no mailbox %s in the information store", what);
	} else {
		rc = store_sqlerr(st, "reading a mailbox");
	}
	store_done(s);
	return rc;
}

/* A LIKE pattern "%PREFIXtext" with text's wildcards escaped by '\\'. */
static char *like_suffix(const char *prefix, const char *text)
{
	size_t n = strlen(prefix) + 2 * strlen(text) + 2, k = 0;
	char *p = mbx_malloc(n);
	const char *c;

	p[k++] = '%';
	for (c = prefix; *c; c++)
		p[k++] = *c;
	for (c = text; *c; c++) {
		if (*c == '%' || *c == '_' || *c == '\\')
			p[k++] = '\\';
		p[k++] = *c;
	}
	p[k] = '\0';
	return p;
}

int mbx_store_mailbox_by_alias(mbx_store *st, const char *alias, mbx_mailbox *out)
{
	sqlite3_stmt *s;
	char *what, *pattern;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!alias || !*alias)
		return mbx_error_set(MBX_EINVAL, "no mailbox alias given");
	/* The directory alias first; then the cn of the legacy DN, which is
	 * all an orphaned mailbox has. */
	rc = store_stmt(st, MAILBOX_SELECT "WHERE r.alias = ?1 COLLATE NOCASE "
	                    "OR m.legacy_dn LIKE ?2 ESCAPE '\\' "
	                    "ORDER BY (r.alias = ?1 COLLATE NOCASE) DESC, m.id LIMIT 1", &s);
	if (rc < 0)
		return rc;
	store_bind_text(s, 1, alias);
	pattern = like_suffix("/cn=", alias);
	store_bind_text(s, 2, pattern);
	mbx_free(pattern);
	what = mbx_asprintf("with alias '%s'", alias);
	rc = mailbox_one(st, s, out, what);
	mbx_free(what);
	/* LIKE treats _ and % as wildcards: confirm the cn really matches. */
	if (rc == 0 && strcasecmp(out->alias, alias) != 0) {
		char *cn = store_dn_cn(out->legacy_dn);
		int same = cn && strcasecmp(cn, alias) == 0;

		mbx_free(cn);
		if (!same) {
			mbx_mailbox_clear(out);
			rc = mbx_error_set(MBX_ENOTFOUND, "no mailbox with alias '%s' in the "
			                   "information store", alias);
		}
	}
	return rc;
}

int mbx_store_mailbox_by_id(mbx_store *st, int64_t id, mbx_mailbox *out)
{
	sqlite3_stmt *s;
	char what[48];
	int rc;

	memset(out, 0, sizeof(*out));
	rc = store_stmt(st, MAILBOX_SELECT "WHERE m.id = ?1", &s);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, id);
	snprintf(what, sizeof(what), "with id %" PRId64, id);
	return mailbox_one(st, s, out, what);
}

int mbx_store_mailbox_add(mbx_store *st, const mbx_mailbox *m, int64_t *out_id)
{
	sqlite3_stmt *s;
	int rc;

	if (!m->guid || !*m->guid || !m->display_name || !m->legacy_dn)
		return mbx_error_set(MBX_EINVAL, "a mailbox needs a GUID, a display name and a "
		                     "legacy DN");
	rc = store_stmt(st, "INSERT INTO mailbox (guid, display_name, legacy_dn, item_count, "
	                    "total_size, last_logon, created_time) VALUES "
	                    "(?1, ?2, ?3, ?4, ?5, ?6, ?7)", &s);
	if (rc < 0)
		return rc;
	store_bind_text(s, 1, m->guid);
	store_bind_text(s, 2, m->display_name);
	store_bind_text(s, 3, m->legacy_dn);
	sqlite3_bind_int64(s, 4, m->item_count);
	sqlite3_bind_int64(s, 5, m->total_size);
	sqlite3_bind_int64(s, 6, m->last_logon);
	sqlite3_bind_int64(s, 7, m->created_time);
	if (sqlite3_step(s) != SQLITE_DONE) {
		rc = store_sqlerr(st, "adding a mailbox");
		if (rc == MBX_EEXISTS)
			rc = mbx_error_set(MBX_EEXISTS, "a mailbox with GUID %s is already in the "
			                   "information store", m->guid);
		store_done(s);
		return rc;
	}
	store_done(s);
	if (out_id)
		*out_id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int mbx_store_mailbox_refresh_counts(mbx_store *st, int64_t mailbox_id)
{
	sqlite3_stmt *s;
	int rc = store_stmt(st, "UPDATE mailbox SET "
	                        "item_count = (SELECT count(*) FROM message g JOIN folder f "
	                        "ON f.id = g.folder_id WHERE f.mailbox_id = ?1 AND g.associated = 0), "
	                        "total_size = (SELECT coalesce(sum(g.size), 0) FROM message g "
	                        "JOIN folder f ON f.id = g.folder_id WHERE f.mailbox_id = ?1) "
	                        "WHERE id = ?1", &s);

	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, mailbox_id);
	return step_done(st, s, "counting a mailbox's messages");
}

/* ---- Folders ------------------------------------------------------------ */

static const char *const role_names[MBX_ROLE_COUNT] = {
	"", "Inbox", "Outbox", "Sent Items", "Deleted Items", "Drafts", "Calendar",
	"Contacts", "Tasks", "Notes", "Journal"
};

const char *mbx_folder_role_name(mbx_folder_role role)
{
	if ((int)role <= 0 || role >= MBX_ROLE_COUNT)
		return "";
	return role_names[role];
}

mbx_folder_role mbx_folder_role_parse(const char *name)
{
	int i;

	for (i = 1; name && i < MBX_ROLE_COUNT; i++)
		if (strcasecmp(name, role_names[i]) == 0)
			return (mbx_folder_role)i;
	return MBX_ROLE_NONE;
}

void mbx_folders_free(mbx_folder *f, size_t n)
{
	size_t i;

	if (!f)
		return;
	for (i = 0; i < n; i++) {
		mbx_free(f[i].name);
		mbx_free(f[i].container_class);
		mbx_free(f[i].path);
	}
	mbx_free(f);
}

static void folder_row(sqlite3_stmt *s, void *elem)
{
	mbx_folder *f = elem;

	f->id = sqlite3_column_int64(s, 0);
	f->mailbox_id = sqlite3_column_int64(s, 1);
	f->parent_id = sqlite3_column_int64(s, 2);
	f->name = store_col_str(s, 3);
	f->container_class = store_col_str(s, 4);
	f->role = (mbx_folder_role)sqlite3_column_int(s, 5);
	f->message_count = sqlite3_column_int64(s, 6);
	f->unread_count = sqlite3_column_int64(s, 7);
}

static void folders_free_v(void *v, size_t n)
{
	mbx_folders_free(v, n);
}

/* Depth-first order and paths, from the flat list sorted by name. */
static void folders_order(mbx_folder *in, size_t n, int64_t parent, const char *prefix,
                          mbx_folder *out, size_t *k, int depth)
{
	size_t i;

	/* Each folder is taken once (its name moves out), so a cycle in the
	 * parent links is never entered; the bound only keeps the recursion
	 * off the end of the stack on a pathological chain.  Real trees stop
	 * far earlier (Microsoft 365 import refuses 300 levels). */
	if (depth > MBX_FOLDER_DEPTH_MAX)
		return;
	for (i = 0; i < n; i++) {
		if (in[i].parent_id != parent || !in[i].name)
			continue;
		out[*k] = in[i];
		out[*k].path = prefix ? mbx_asprintf("%s/%s", prefix, in[i].name)
		                      : mbx_strdup(in[i].name);
		in[i].name = NULL;         /* moved */
		in[i].container_class = NULL;
		(*k)++;
		folders_order(in, n, out[*k - 1].id, out[*k - 1].path, out, k, depth + 1);
	}
}

int mbx_store_folders(mbx_store *st, int64_t mailbox_id, mbx_folder **out, size_t *n)
{
	sqlite3_stmt *s;
	mbx_folder *v = NULL, *ordered;
	size_t cnt = 0, k = 0;
	int rc;

	*out = NULL;
	*n = 0;
	rc = store_stmt(st, "SELECT f.id, f.mailbox_id, coalesce(f.parent_id, 0), f.name, "
	                    "f.container_class, f.role, "
	                    "(SELECT count(*) FROM message g WHERE g.folder_id = f.id), "
	                    "(SELECT count(*) FROM message g WHERE g.folder_id = f.id "
	                    "AND g.associated = 0 AND (g.flags & 1) = 0) "
	                    "FROM folder f WHERE f.mailbox_id = ?1 ORDER BY f.name COLLATE NOCASE, f.id",
	                &s);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, mailbox_id);
	rc = store_collect(st, s, sizeof(*v), folder_row, folders_free_v, "reading the folders",
	                   (void **)&v, &cnt);
	if (rc < 0)
		return rc;
	ordered = mbx_calloc(cnt ? cnt : 1, sizeof(*ordered));
	folders_order(v, cnt, 0, NULL, ordered, &k, 0);
	mbx_folders_free(v, cnt);
	*out = ordered;
	*n = k;
	return 0;
}

int mbx_store_folder_add(mbx_store *st, const mbx_folder *f, int64_t *out_id)
{
	sqlite3_stmt *s;
	int rc;

	if (!f->name || !*f->name)
		return mbx_error_set(MBX_EINVAL, "a folder needs a name");
	rc = store_stmt(st, "INSERT INTO folder (mailbox_id, parent_id, name, container_class, role) "
	                    "VALUES (?1, ?2, ?3, ?4, ?5)", &s);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, f->mailbox_id);
	if (f->parent_id)
		sqlite3_bind_int64(s, 2, f->parent_id);
	else
		sqlite3_bind_null(s, 2);
	store_bind_text(s, 3, f->name);
	store_bind_text(s, 4, f->container_class ? f->container_class : "IPF.Note");
	sqlite3_bind_int(s, 5, (int)f->role);
	rc = step_done(st, s, "adding a folder");
	if (rc == 0 && out_id)
		*out_id = sqlite3_last_insert_rowid(st->db);
	return rc;
}

/* ---- Public folders and permissions ------------------------------------- */

void mbx_public_folders_free(mbx_public_folder *f, size_t n)
{
	size_t i;

	if (!f)
		return;
	for (i = 0; i < n; i++) {
		mbx_free(f[i].name);
		mbx_free(f[i].path);
		mbx_free(f[i].home_server);
		mbx_free(f[i].home_site);
	}
	mbx_free(f);
}

static void public_folder_row(sqlite3_stmt *s, void *elem)
{
	mbx_public_folder *f = elem;

	f->id = sqlite3_column_int64(s, 0);
	f->parent_id = sqlite3_column_int64(s, 1);
	f->name = store_col_str(s, 2);
	f->path = store_col_str(s, 3);
	f->home_server = store_col_str(s, 4);
	f->home_site = store_col_str(s, 5);
	f->limit_admin_access = sqlite3_column_int(s, 6);
	f->modified_time = sqlite3_column_int64(s, 7);
}

static void public_folders_free_v(void *v, size_t n)
{
	mbx_public_folders_free(v, n);
}

int mbx_store_public_folders(mbx_store *st, mbx_public_folder **out, size_t *n)
{
	sqlite3_stmt *s;
	int rc;

	*out = NULL;
	*n = 0;
	/* Paths by a recursive walk from the top, ordered by path. */
	rc = store_stmt(st, "WITH RECURSIVE t(id, path) AS ("
	                    " SELECT id, name FROM public_folder WHERE parent_id IS NULL"
	                    " UNION ALL SELECT p.id, t.path || '/' || p.name FROM public_folder p"
	                    " JOIN t ON p.parent_id = t.id) "
	                    "SELECT p.id, coalesce(p.parent_id, 0), p.name, t.path, p.home_server, "
	                    "p.home_site, p.limit_admin_access, p.modified_time "
	                    "FROM public_folder p JOIN t ON t.id = p.id ORDER BY t.path, p.id", &s);
	if (rc < 0)
		return rc;
	return store_collect(st, s, sizeof(**out), public_folder_row, public_folders_free_v,
	                     "reading the public folders", (void **)out, n);
}

int mbx_store_public_folder_add(mbx_store *st, const mbx_public_folder *f, int64_t *out_id)
{
	sqlite3_stmt *s;
	int rc;

	if (!f->name || !*f->name || !f->home_server || !f->home_site)
		return mbx_error_set(MBX_EINVAL, "a public folder needs a name, a home server and "
		                     "a home site");
	rc = store_stmt(st, "INSERT INTO public_folder (parent_id, name, home_server, home_site, "
	                    "limit_admin_access, modified_time) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", &s);
	if (rc < 0)
		return rc;
	if (f->parent_id)
		sqlite3_bind_int64(s, 1, f->parent_id);
	store_bind_text(s, 2, f->name);
	store_bind_text(s, 3, f->home_server);
	store_bind_text(s, 4, f->home_site);
	sqlite3_bind_int(s, 5, f->limit_admin_access ? 1 : 0);
	sqlite3_bind_int64(s, 6, f->modified_time);
	rc = step_done(st, s, "adding a public folder");
	if (rc == 0 && out_id)
		*out_id = sqlite3_last_insert_rowid(st->db);
	return rc;
}

int mbx_store_public_folder_rehome(mbx_store *st, int64_t id, const char *server, const char *site)
{
	sqlite3_stmt *s;
	int rc = store_stmt(st, "UPDATE public_folder SET home_server = ?1, home_site = ?2 "
	                        "WHERE id = ?3", &s);

	if (rc < 0)
		return rc;
	store_bind_text(s, 1, server);
	store_bind_text(s, 2, site);
	sqlite3_bind_int64(s, 3, id);
	rc = step_done(st, s, "rehoming a public folder");
	if (rc == 0 && sqlite3_changes(st->db) == 0)
		rc = mbx_error_set(MBX_ENOTFOUND, "public folder %" PRId64 " no longer exists", id);
	return rc;
}

void mbx_permissions_free(mbx_permission *p, size_t n)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < n; i++) {
		mbx_free(p[i].account);
		mbx_free(p[i].rights);
	}
	mbx_free(p);
}

static void permission_row(sqlite3_stmt *s, void *elem)
{
	mbx_permission *p = elem;

	p->id = sqlite3_column_int64(s, 0);
	p->folder_id = sqlite3_column_int64(s, 1);
	p->account = store_col_str(s, 2);
	p->rights = store_col_str(s, 3);
	p->granted_time = sqlite3_column_int64(s, 4);
}

static void permissions_free_v(void *v, size_t n)
{
	mbx_permissions_free(v, n);
}

int mbx_store_permissions(mbx_store *st, mbx_permission **out, size_t *n)
{
	sqlite3_stmt *s;
	int rc;

	*out = NULL;
	*n = 0;
	rc = store_stmt(st, "SELECT id, folder_id, account, rights, granted_time FROM permission "
	                    "ORDER BY folder_id, id", &s);
	if (rc < 0)
		return rc;
	return store_collect(st, s, sizeof(**out), permission_row, permissions_free_v,
	                     "reading the permissions", (void **)out, n);
}

int mbx_store_permission_add(mbx_store *st, const mbx_permission *p, int64_t *out_id)
{
	sqlite3_stmt *s;
	int rc;

	if (!p->account || !*p->account || !p->rights)
		return mbx_error_set(MBX_EINVAL, "a permission entry needs an account and rights");
	rc = store_stmt(st, "INSERT INTO permission (folder_id, account, rights, granted_time) "
	                    "VALUES (?1, ?2, ?3, ?4)", &s);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, p->folder_id);
	store_bind_text(s, 2, p->account);
	store_bind_text(s, 3, p->rights);
	sqlite3_bind_int64(s, 4, p->granted_time);
	rc = step_done(st, s, "adding a permission entry");
	if (rc == 0 && out_id)
		*out_id = sqlite3_last_insert_rowid(st->db);
	return rc;
}

int mbx_store_permission_delete(mbx_store *st, int64_t id)
{
	sqlite3_stmt *s;
	int rc = store_stmt(st, "DELETE FROM permission WHERE id = ?1", &s);

	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, id);
	rc = step_done(st, s, "removing a permission entry");
	if (rc == 0 && sqlite3_changes(st->db) == 0)
		rc = mbx_error_set(MBX_ENOTFOUND, "permission entry %" PRId64 " no longer exists", id);
	return rc;
}

/* ---- Audit log ---------------------------------------------------------- */

int mbx_store_audit(mbx_store *st, const char *actor, const char *action,
                    const char *object, const char *detail)
{
	sqlite3_stmt *s;
	int rc = store_stmt(st, "INSERT INTO audit (time, actor, action, object, detail) "
	                        "VALUES (?1, ?2, ?3, ?4, ?5)", &s);

	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, (int64_t)time(NULL));
	store_bind_text(s, 2, actor ? actor : "mbxrescue");
	store_bind_text(s, 3, action ? action : "");
	store_bind_text(s, 4, object);
	store_bind_text(s, 5, detail);
	return step_done(st, s, "writing the audit log");
}

static void audit_row(sqlite3_stmt *s, void *elem)
{
	mbx_audit_entry *e = elem;

	e->id = sqlite3_column_int64(s, 0);
	e->time = sqlite3_column_int64(s, 1);
	e->actor = store_col_str(s, 2);
	e->action = store_col_str(s, 3);
	e->object = store_col_str(s, 4);
	e->detail = store_col_str(s, 5);
}

static void audit_free_v(void *v, size_t n)
{
	mbx_audit_free(v, n);
}

int mbx_store_audit_list(mbx_store *st, size_t limit, mbx_audit_entry **out, size_t *n)
{
	sqlite3_stmt *s;
	int rc;

	*out = NULL;
	*n = 0;
	rc = store_stmt(st, "SELECT id, time, actor, action, object, detail FROM audit "
	                    "ORDER BY id DESC LIMIT ?1", &s);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, limit ? (int64_t)limit : -1);
	return store_collect(st, s, sizeof(**out), audit_row, audit_free_v,
	                     "reading the audit log", (void **)out, n);
}

void mbx_audit_free(mbx_audit_entry *e, size_t n)
{
	size_t i;

	if (!e)
		return;
	for (i = 0; i < n; i++) {
		mbx_free(e[i].actor);
		mbx_free(e[i].action);
		mbx_free(e[i].object);
		mbx_free(e[i].detail);
	}
	mbx_free(e);
}

/* ---- Export jobs -------------------------------------------------------- */

int mbx_store_job_upsert(mbx_store *st, const char *out_dir, int64_t mailbox_id, int64_t *out_id)
{
	sqlite3_stmt *s;
	int rc;

	rc = store_stmt(st, "INSERT INTO export_job (out_dir, mailbox_id, state, updated_time) "
	                    "VALUES (?1, ?2, 0, ?3) ON CONFLICT (out_dir, mailbox_id) DO UPDATE SET "
	                    "state = 0, temp_path = NULL, final_path = NULL, error = NULL, "
	                    "updated_time = excluded.updated_time RETURNING id", &s);
	if (rc < 0)
		return rc;
	store_bind_text(s, 1, out_dir);
	sqlite3_bind_int64(s, 2, mailbox_id);
	sqlite3_bind_int64(s, 3, (int64_t)time(NULL));
	if (sqlite3_step(s) == SQLITE_ROW) {
		if (out_id)
			*out_id = sqlite3_column_int64(s, 0);
		rc = 0;
	} else {
		rc = store_sqlerr(st, "recording an export job");
	}
	store_done(s);
	return rc;
}

int mbx_store_job_set(mbx_store *st, int64_t job_id, mbx_job_state state,
                      const char *temp_path, const char *final_path, const char *error)
{
	sqlite3_stmt *s;
	int rc = store_stmt(st, "UPDATE export_job SET state = ?1, temp_path = ?2, final_path = ?3, "
	                        "error = ?4, updated_time = ?5 WHERE id = ?6", &s);

	if (rc < 0)
		return rc;
	sqlite3_bind_int(s, 1, (int)state);
	store_bind_text(s, 2, temp_path);
	store_bind_text(s, 3, final_path);
	store_bind_text(s, 4, error);
	sqlite3_bind_int64(s, 5, (int64_t)time(NULL));
	sqlite3_bind_int64(s, 6, job_id);
	rc = step_done(st, s, "updating an export job");
	if (rc == 0 && sqlite3_changes(st->db) == 0)
		rc = mbx_error_set(MBX_ENOTFOUND, "export job %" PRId64 " does not exist", job_id);
	return rc;
}

static void job_row(sqlite3_stmt *s, void *elem)
{
	mbx_job *j = elem;

	j->id = sqlite3_column_int64(s, 0);
	j->out_dir = store_col_str(s, 1);
	j->mailbox_id = sqlite3_column_int64(s, 2);
	j->state = (mbx_job_state)sqlite3_column_int(s, 3);
	j->temp_path = store_col_str(s, 4);
	j->final_path = store_col_str(s, 5);
	j->error = store_col_str(s, 6);
	j->updated_time = sqlite3_column_int64(s, 7);
}

static void jobs_free_v(void *v, size_t n)
{
	mbx_jobs_free(v, n);
}

int mbx_store_jobs(mbx_store *st, const char *out_dir, mbx_job **out, size_t *n)
{
	sqlite3_stmt *s;
	int rc;

	*out = NULL;
	*n = 0;
	rc = store_stmt(st, "SELECT id, out_dir, mailbox_id, state, temp_path, final_path, error, "
	                    "updated_time FROM export_job WHERE out_dir = ?1 ORDER BY id", &s);
	if (rc < 0)
		return rc;
	store_bind_text(s, 1, out_dir);
	return store_collect(st, s, sizeof(**out), job_row, jobs_free_v,
	                     "reading export jobs", (void **)out, n);
}

void mbx_jobs_free(mbx_job *j, size_t n)
{
	size_t i;

	if (!j)
		return;
	for (i = 0; i < n; i++) {
		mbx_free(j[i].out_dir);
		mbx_free(j[i].temp_path);
		mbx_free(j[i].final_path);
		mbx_free(j[i].error);
	}
	mbx_free(j);
}
