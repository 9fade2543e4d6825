/*
 * core/store/store.c - the recovery server store: opening (with the checks that
 * keep a bad file untouched), transactions, bulk loading, internal settings
 * and the helpers the store's parts share (store_int.h).  The directory is
 * in store_dir.c, the information store in store_is.c and store_msg.c,
 * public folders in store_pub.c, the audit log in store_audit.c, export
 * jobs in store_jobs.c, the check's queries in store_check.c, the schema in
 * schema.c.
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
#include "store/search_int.h"
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

/* ---- Busy stores ------------------------------------------------------- */

/* One wait for every connection of the process (mbx_store_set_busy_timeout). */
static int busy_ms = MBX_STORE_BUSY_DEFAULT_MS;

void mbx_store_set_busy_timeout(int ms)
{
	__atomic_store_n(&busy_ms, ms < 0 ? 0 : ms, __ATOMIC_RELAXED);
}

int mbx_store_busy_timeout(void)
{
	return __atomic_load_n(&busy_ms, __ATOMIC_RELAXED);
}

/*
 * SQLite's own descriptor of `path`, found among the process's open files:
 * never a descriptor of ours, since closing any descriptor of a file drops
 * every POSIX lock the process holds on it (SQLite's locks).  -1 when
 * there is none to be found.
 */
static int sqlite_fd_of(const char *path)
{
	struct stat want, sb;
	struct dirent *e;
	DIR *d;
	int fd = -1;

	if (stat(path, &want) != 0 || !(d = opendir("/proc/self/fd")))
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

/* The process holding a write lock on byte `at` of the file, 0 when none
 * (or when it is this process: its own locks never conflict). */
static pid_t lock_holder(const char *path, off_t at)
{
	struct flock fl;
	int fd = sqlite_fd_of(path);

	if (fd < 0)
		return 0;
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = at;
	fl.l_len = 1;
	if (fcntl(fd, F_GETLK, &fl) < 0 || fl.l_type == F_UNLCK)
		return 0;
	return fl.l_pid;
}

/* "mbxrescue --db x.db import-pst f.pst (PID 123)", or NULL. */
static char *process_name(pid_t pid)
{
	char path[64], buf[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/cmdline", (long)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return mbx_asprintf("a process (PID %ld)", (long)pid);
	buf[n] = '\0';
	for (ssize_t i = 0; i < n - 1; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	return mbx_asprintf("%s%s (PID %ld)", buf, n == (ssize_t)sizeof(buf) - 1 ? "..." : "",
	                    (long)pid);
}

/*
 * Who writes the store: asked of the kernel's lock table rather than
 * recorded in a file or row, so it can never be stale (a killed writer's
 * locks go with it) and names any program, sqlite3(1) included.  The
 * writer holds SQLite's RESERVED byte of the store file (rollback journal,
 * as a bulk import runs) or the WAL write lock in the -shm file.
 */
static char *store_writer(const mbx_store *st)
{
	char *shm;
	pid_t pid = lock_holder(st->path, (off_t)0x40000001);   /* RESERVED_BYTE */

	if (!pid) {
		shm = mbx_asprintf("%s-shm", st->path);
		pid = lock_holder(shm, 120);                         /* WAL_WRITE_LOCK */
		mbx_free(shm);
	}
	return pid ? process_name(pid) : NULL;
}

static int is_disk_full(int e)
{
	return e == ENOSPC || e == EDQUOT || e == EFBIG;
}

int store_bind_blob(sqlite3_stmt *s, int i, const store_blob *b)
{
	if (!b->len)
		return sqlite3_bind_null(s, i);
	return sqlite3_bind_blob64(s, i, b->p, (sqlite3_uint64)b->len, SQLITE_STATIC);
}

void store_col_blob(sqlite3_stmt *s, int i, store_blob *out)
{
	const void *p = sqlite3_column_blob(s, i);
	size_t n = (size_t)sqlite3_column_bytes(s, i);

	out->len = 0;
	if (!p || !n)
		return;
	if (out->cap < n) {
		out->p = mbx_realloc(out->p, n);
		out->cap = n;
	}
	memcpy(out->p, p, n);
	out->len = n;
}

int store_sqlerr(mbx_store *st, const char *what)
{
	int e = sqlite3_extended_errcode(st->db) & 0xff;
	int sys = sqlite3_system_errno(st->db);
	const char *msg = sqlite3_errmsg(st->db);

	if ((e == SQLITE_IOERR || e == SQLITE_CANTOPEN) && is_disk_full(sys))
		e = SQLITE_FULL;
	switch (e) {
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return mbx_error_set(MBX_ECORRUPT, "store file %s is corrupt (%s: %s); restore it "
		                     "from a backup", st->path, what, msg);
	case SQLITE_FULL:
		if (sys == EFBIG)
			return mbx_error_set(MBX_ENOSPC, "store file %s: %s: the file size limit is "
			                     "reached (ulimit -f); raise it and try again", st->path, what);
		return mbx_error_set(MBX_ENOSPC, "store file %s: %s: the disk is full (the store "
		                     "needs room beside it for its -wal and -shm files too); free "
		                     "some space and try again", st->path, what);
	case SQLITE_READONLY:
		return mbx_error_set(MBX_EREADONLY, "store file %s is read-only (%s); make it and "
		                     "its directory writable", st->path, what);
	case SQLITE_BUSY:
	case SQLITE_LOCKED: {
		char *who = store_writer(st);
		int secs = (mbx_store_busy_timeout() + 999) / 1000;
		int rc = mbx_error_set(MBX_EBUSY, "store file %s is busy: %s is writing it (%s; "
		                       "waited %d s): try again when it has finished, or wait "
		                       "longer with --wait SECONDS", st->path,
		                       who ? who : "another program, or another task of this one",
		                       what, secs);

		mbx_free(who);
		return rc;
	}
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
int store_collect(mbx_store *st, sqlite3_stmt *s, size_t size, store_row_fn row,
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

static double mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int store_exec(mbx_store *st, const char *sql)
{
	double deadline = mono_ms() + mbx_store_busy_timeout();
	char *err = NULL;
	int rc;

	store_blob_release(st);
	for (;;) {
		if (sqlite3_exec(st->db, sql, NULL, NULL, &err) == SQLITE_OK)
			return 0;
		/* Some busy cases skip SQLite's busy handler and fail at once:
		 * changing the journal mode while another process loads in bulk
		 * (rollback journal), a lock that would deadlock.  Outside a
		 * transaction nothing is held, so wait here the same time. */
		if ((sqlite3_errcode(st->db) & 0xff) != SQLITE_BUSY || !sqlite3_get_autocommit(st->db) ||
		    mono_ms() >= deadline)
			break;
		sqlite3_free(err);
		err = NULL;
		usleep(20 * 1000);
	}
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

int store_step_done(mbx_store *st, sqlite3_stmt *s, const char *what)
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

/*
 * Put rows read in rowid order into the order of `k` (sorted name keys),
 * in place: one cycle of the permutation at a time, so that 10 MB of rows
 * are not copied to a second array.  Spoils k[].row.
 */
void store_rows_reorder(void *v, size_t n, size_t size, name_key *k)
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

/* The store file and its directory (for the -wal and -shm files) are
 * writable by us. */
static int writable(const char *path, const struct stat *sb)
{
	char *dir = mbx_strdup(path), *slash = strrchr(dir, '/');
	int ok;

	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	/* Mode bits too: root passes access(W_OK) on a chmod 444 file. */
	ok = (sb->st_mode & 0222) != 0 && access(path, W_OK) == 0 &&
	     access(slash ? dir : ".", W_OK | X_OK) == 0;
	mbx_free(dir);
	return ok;
}

static int configure(mbx_store *st, unsigned flags)
{
	int rc;

	sqlite3_busy_timeout(st->db, mbx_store_busy_timeout());
	sqlite3_extended_result_codes(st->db, 1);
	rc = store_exec(st, "PRAGMA foreign_keys = ON");
	if (rc == 0 && (flags & MBX_STORE_READONLY))
		rc = store_exec(st, "PRAGMA query_only = 1");
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
	st->legacy_props = -1;
	do
		sqlite3_randomness((int)sizeof(st->handle_id), &st->handle_id);
	while (st->handle_id == 0);
	/* A read-only open of a file we may write is a read-write connection
	 * that refuses writes (query_only, in configure): only such a one, as
	 * the last to close, checkpoints the WAL and removes the -wal and
	 * -shm files; a read-only connection would leave them behind. */
	oflags = (flags & MBX_STORE_READONLY) && !writable(path, &sb) ? SQLITE_OPEN_READONLY
	                                                               : SQLITE_OPEN_READWRITE;
	if (sqlite3_open_v2(path, &st->db, oflags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		rc = store_sqlerr(st, "opening");
		goto fail;
	}
	/* Reading the header waits for writers like every later statement. */
	sqlite3_busy_timeout(st->db, mbx_store_busy_timeout());
	/* The search index's tokenizer, before any statement touches it
	 * (the schema's migrations included). */
	if (store_tok_register(st->db) != SQLITE_OK) {
		rc = mbx_error_set(MBX_ERROR, "this SQLite has no FTS5 full-text search, which "
		                   "mbxrescue needs; install the Debian package libsqlite3-0");
		goto fail;
	}
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
	store_search_free(st);
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

int mbx_store_begin_read(mbx_store *st)
{
	int rc;

	/* Deferred: takes no lock until the first read, never the write lock. */
	if (st->txn_depth == 0) {
		rc = store_exec(st, "BEGIN");
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
		store_search_discard(st);
		store_exec(st, "ROLLBACK");
		st->txn_failed = 0;
		return mbx_error_set(MBX_ERROR, "store file %s: an inner step failed, nothing was "
		                     "changed", st->path);
	}
	/* the messages added in the transaction go into the search index
	 * now, in date order (store_search.c) */
	if (store_search_flush(st) < 0) {
		int rc = mbx_error_prefix(MBX_ERROR, "saving the changes");

		store_exec(st, "ROLLBACK");
		return rc;
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
	store_search_discard(st);
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

void mbx_store_writeback(mbx_store *st)
{
#ifdef SYNC_FILE_RANGE_WRITE
	int fd = st ? sqlite_fd_of(st->path) : -1;

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
	return store_step_done(st, s, "saving a setting");
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
