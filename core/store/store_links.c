/*
 * core/store/store_links.c - the link from store mailboxes to directory entries
 * (by GUID, else legacy DN, else DN), resolved for whole tables at once by
 * sorting and merging fingerprints (base/names.h), and the text-free
 * snapshot of those links that lets the console draw its first screen
 * before the full lists are loaded (mbx_store_links in mbx/store.h).
 */
#include "config.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "store/store_int.h"

static const char link_tag[STORE_LINK_KINDS] = { 'g', 'l', 'n' };

void store_link_fp(fplist *l, int kind, sqlite3_stmt *s, int col, size_t row)
{
	const char *v = (const char *)sqlite3_column_text(s, col);

	if (v)
		fplist_add(l, link_tag[kind], v, (size_t)sqlite3_column_bytes(s, col),
		           (uint32_t)(row * STORE_LINK_KINDS + (size_t)kind));
}

/* A run of equal fingerprints: each mailbox entry keeps the lowest
 * recipient row (the lowest id, as an index lookup would find). */
static void link_pick(const fingerprint *mb, size_t nmb, const fingerprint *rc, size_t nrc,
                      void *arg)
{
	uint32_t *best = arg, lo = STORE_LINK_NONE;
	size_t k;

	for (k = 0; k < nrc; k++)
		if (rc[k].idx / STORE_LINK_KINDS < lo)
			lo = rc[k].idx / STORE_LINK_KINDS;
	for (k = 0; k < nmb; k++)
		if (lo < best[mb[k].idx])
			best[mb[k].idx] = lo;
}

uint32_t *store_link_resolve(const fplist *dir, const fplist *mb, size_t n_mb)
{
	uint32_t *best, *row;
	size_t i;
	int kind;

	best = mbx_reallocarray(NULL, n_mb ? n_mb * STORE_LINK_KINDS : 1, sizeof(*best));
	for (i = 0; i < n_mb * STORE_LINK_KINDS; i++)
		best[i] = STORE_LINK_NONE;
	fplist_join(mb, dir, link_pick, best);
	row = mbx_reallocarray(NULL, n_mb ? n_mb : 1, sizeof(*row));
	for (i = 0; i < n_mb; i++) {
		row[i] = STORE_LINK_NONE;
		for (kind = 0; kind < STORE_LINK_KINDS; kind++)
			if (best[i * STORE_LINK_KINDS + (size_t)kind] != STORE_LINK_NONE) {
				row[i] = best[i * STORE_LINK_KINDS + (size_t)kind];
				break;
			}
	}
	mbx_free(best);
	return row;
}

/* ---- the snapshot ---------------------------------------------------------- */

struct mbx_store_links {
	int64_t *mb_id;        /* ascending */
	int64_t *mb_rcpt;      /* linked recipient id, 0 = orphaned */
	size_t n_mb;
	int64_t *rc_id;        /* ascending */
	unsigned char *rc_flags;
	size_t n_rc;
	size_t orphans, flagged;
};

void mbx_store_links_free(mbx_store_links *l)
{
	if (!l)
		return;
	mbx_free(l->mb_id);
	mbx_free(l->mb_rcpt);
	mbx_free(l->rc_id);
	mbx_free(l->rc_flags);
	mbx_free(l);
}

/* The directory side: every recipient's id and what its flags need; the
 * fingerprints of the mailbox-recipients (by row, `rc_row` maps a
 * fingerprint row back to the recipient's index). */
typedef struct dir_side {
	unsigned char *local;  /* a mailbox-recipient homed on this server */
	uint32_t *rc_row;
	size_t n_mbx, cap;
	fplist fp;
} dir_side;

static void resize(mbx_store_links *l, dir_side *d, size_t *cap, size_t want)
{
	*cap = want;
	l->rc_id = mbx_reallocarray(l->rc_id, *cap, sizeof(*l->rc_id));
	l->rc_flags = mbx_reallocarray(l->rc_flags, *cap, 1);
	d->local = mbx_reallocarray(d->local, *cap, 1);
	d->rc_row = mbx_reallocarray(d->rc_row, *cap, sizeof(*d->rc_row));
}

static int read_directory(mbx_store *st, const char *server, mbx_store_links *l, dir_side *d)
{
	sqlite3_stmt *s;
	size_t cap = 0;
	int rc;

	rc = store_stmt(st, "SELECT id, object_class, mailbox_guid, legacy_dn, dn, home_server, "
	                    "hidden, primary_account, created_by_adjuster FROM recipient ORDER BY id",
	                &s);
	if (rc < 0)
		return rc;
	cap = store_rows_hint(st, STORE_RECIPIENT_ROWS_HINT);
	if (cap) {
		resize(l, d, &cap, cap);
		fplist_reserve(&d->fp, cap * STORE_LINK_KINDS);
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *home = (const char *)sqlite3_column_text(s, 5);
		const char *acct = (const char *)sqlite3_column_text(s, 7);
		int created = sqlite3_column_int(s, 8);
		size_t i = l->n_rc;

		if (i >= UINT32_MAX / STORE_LINK_KINDS) {
			rc = mbx_error_set(MBX_ELIMIT, "more than %u recipients",
			                   (unsigned)(UINT32_MAX / STORE_LINK_KINDS));
			break;
		}
		if (i == cap)
			resize(l, d, &cap, cap ? cap * 2 : 1024);
		l->rc_id[i] = sqlite3_column_int64(s, 0);
		l->rc_flags[i] = 0;
		if (created && sqlite3_column_int(s, 6))
			l->rc_flags[i] |= MBX_RCPT_HIDDEN;
		if (created && (!acct || !acct[0]))
			l->rc_flags[i] |= MBX_RCPT_NO_ACCOUNT;
		d->local[i] = 0;
		if (sqlite3_column_int(s, 1) == MBX_OBJ_MAILBOX) {
			d->local[i] = home && server && strcasecmp(home, server) == 0;
			d->rc_row[d->n_mbx] = (uint32_t)i;
			store_link_fp(&d->fp, STORE_LINK_GUID, s, 2, d->n_mbx);
			store_link_fp(&d->fp, STORE_LINK_LEGACY_DN, s, 3, d->n_mbx);
			store_link_fp(&d->fp, STORE_LINK_DN, s, 4, d->n_mbx);
			d->n_mbx++;
		}
		l->n_rc++;
	}
	rc = rc == SQLITE_DONE ? 0 : (rc < 0 ? rc : store_sqlerr(st, "reading the directory"));
	store_done(s);
	return rc;
}

static int read_mailboxes(mbx_store *st, mbx_store_links *l, fplist *fp)
{
	sqlite3_stmt *s;
	size_t cap;
	int rc;

	rc = store_stmt(st, "SELECT id, guid, legacy_dn FROM mailbox ORDER BY id", &s);
	if (rc < 0)
		return rc;
	cap = store_rows_hint(st, STORE_MAILBOX_ROWS_HINT);
	if (cap) {
		l->mb_id = mbx_reallocarray(NULL, cap, sizeof(*l->mb_id));
		fplist_reserve(fp, cap * STORE_LINK_KINDS);
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (l->n_mb >= UINT32_MAX / STORE_LINK_KINDS) {
			rc = mbx_error_set(MBX_ELIMIT, "more than %u mailboxes",
			                   (unsigned)(UINT32_MAX / STORE_LINK_KINDS));
			break;
		}
		if (l->n_mb == cap) {
			cap = cap ? cap * 2 : 1024;
			l->mb_id = mbx_reallocarray(l->mb_id, cap, sizeof(*l->mb_id));
		}
		l->mb_id[l->n_mb] = sqlite3_column_int64(s, 0);
		store_link_fp(fp, STORE_LINK_GUID, s, 1, l->n_mb);
		store_link_fp(fp, STORE_LINK_LEGACY_DN, s, 2, l->n_mb);
		store_link_fp(fp, STORE_LINK_DN, s, 2, l->n_mb);
		l->n_mb++;
	}
	rc = rc == SQLITE_DONE ? 0 : (rc < 0 ? rc : store_sqlerr(st, "reading the mailboxes"));
	store_done(s);
	return rc;
}

/* The mailbox side on a thread of its own, over its own connection: the
 * two table scans with their hashing and sorting are the whole cost, and
 * they are independent until the join. */
typedef struct mb_side {
	const char *path;
	mbx_store_links *l;
	fplist fp;
	int rc;
	char err[512];
} mb_side;

static void *mb_side_main(void *arg)
{
	mb_side *m = arg;
	mbx_store *st = NULL;
	fplist scratch = { 0 };

	m->rc = mbx_store_open(&st, m->path, MBX_STORE_READONLY);
	if (m->rc == 0)
		m->rc = read_mailboxes(st, m->l, &m->fp);
	if (m->rc == 0)
		fplist_sort(&m->fp, &scratch);
	else
		snprintf(m->err, sizeof(m->err), "%s", mbx_error_last());
	fplist_free(&scratch);
	mbx_store_free(st);
	return NULL;
}

int mbx_store_links_load(mbx_store *st, mbx_store_links **out)
{
	mbx_store_links *l = mbx_calloc(1, sizeof(*l));
	mbx_server_info srv = { 0 };
	dir_side d = { 0 };
	fplist scratch = { 0 };
	mb_side m = { .path = mbx_store_path(st), .l = l };
	pthread_t th;
	int threaded;
	uint32_t *row = NULL;
	size_t i;
	int rc;

	*out = NULL;
	rc = mbx_store_server_get(st, &srv);
	if (rc == MBX_ENOTFOUND) {
		mbx_error_clear();
		rc = 0;
	}
	if (rc < 0)
		goto out;
	threaded = pthread_create(&th, NULL, mb_side_main, &m) == 0;
	rc = read_directory(st, srv.server, l, &d);
	if (rc == 0)
		fplist_sort(&d.fp, &scratch);
	if (threaded) {
		pthread_join(th, NULL);
	} else {   /* no thread to be had: the same work here */
		m.rc = read_mailboxes(st, l, &m.fp);
		if (m.rc == 0)
			fplist_sort(&m.fp, &scratch);
		else
			snprintf(m.err, sizeof(m.err), "%s", mbx_error_last());
	}
	if (rc == 0 && m.rc < 0)
		rc = mbx_error_set(m.rc, "%s", m.err);
	if (rc < 0)
		goto out;
	row = store_link_resolve(&d.fp, &m.fp, l->n_mb);
	l->mb_rcpt = mbx_reallocarray(NULL, l->n_mb ? l->n_mb : 1, sizeof(*l->mb_rcpt));
	for (i = 0; i < l->n_mb; i++) {
		if (row[i] == STORE_LINK_NONE) {
			l->mb_rcpt[i] = 0;
			l->orphans++;
			continue;
		}
		l->mb_rcpt[i] = l->rc_id[d.rc_row[row[i]]];
		d.local[d.rc_row[row[i]]] = 0;   /* it has its store mailbox */
	}
	for (i = 0; i < l->n_rc; i++) {
		if (d.local[i])
			l->rc_flags[i] |= MBX_RCPT_NO_MAILBOX;
		l->flagged += l->rc_flags[i] != 0;
	}
out:
	mbx_server_info_clear(&srv);
	mbx_free(d.local);
	mbx_free(d.rc_row);
	fplist_free(&d.fp);
	fplist_free(&m.fp);
	fplist_free(&scratch);
	mbx_free(row);
	if (rc < 0) {
		mbx_store_links_free(l);
		return rc;
	}
	*out = l;
	return 0;
}

void mbx_store_links_counts(const mbx_store_links *l, mbx_links_counts *out)
{
	memset(out, 0, sizeof(*out));
	if (!l)
		return;
	out->mailboxes = l->n_mb;
	out->orphans = l->orphans;
	out->recipients = l->n_rc;
	out->flagged = l->flagged;
}

/* Index of `id` in an ascending array, or n. */
static size_t find_id(const int64_t *v, size_t n, int64_t id)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && v[lo] == id ? lo : n;
}

int64_t mbx_store_links_recipient_of(const mbx_store_links *l, int64_t mailbox_id)
{
	size_t i;

	if (!l)
		return 0;
	i = find_id(l->mb_id, l->n_mb, mailbox_id);
	return i < l->n_mb ? l->mb_rcpt[i] : 0;
}

unsigned mbx_store_links_flags(const mbx_store_links *l, int64_t recipient_id)
{
	size_t i;

	if (!l)
		return 0;
	i = find_id(l->rc_id, l->n_rc, recipient_id);
	return i < l->n_rc ? l->rc_flags[i] : 0;
}

/* ---- first pages ----------------------------------------------------------- */

static int recipient_alias(mbx_store *st, int64_t id, char **out)
{
	sqlite3_stmt *s;
	int rc = store_stmt(st, "SELECT alias FROM recipient WHERE id = ?", &s);

	*out = NULL;
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*out = store_col_str(s, 0);
	rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_sqlerr(st, "reading a recipient");
	store_done(s);
	return rc;
}

int mbx_store_mailboxes_first_page(mbx_store *st, const mbx_store_links *links, size_t limit,
                                   mbx_mailbox **out, size_t *n)
{
	sqlite3_stmt *s;
	mbx_mailbox *v = mbx_calloc(limit ? limit : 1, sizeof(*v));
	size_t cnt = 0;
	int rc;

	*out = NULL;
	*n = 0;
	/* The same order as mbx_store_mailboxes' name keys: SQLite's NOCASE,
	 * then id; the mailbox_name index holds it (rowid is its tail). */
	rc = store_stmt(st, "SELECT id, guid, display_name, legacy_dn, item_count, total_size, "
	                    "last_logon, created_time FROM mailbox "
	                    "ORDER BY display_name COLLATE NOCASE, id LIMIT ?", &s);
	if (rc < 0)
		goto out;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)limit);
	while (cnt < limit && (rc = sqlite3_step(s)) == SQLITE_ROW)
		store_mailbox_cols(s, &v[cnt++]);
	rc = cnt == limit || rc == SQLITE_DONE ? 0 : store_sqlerr(st, "reading the mailboxes");
	store_done(s);
	for (size_t i = 0; rc == 0 && i < cnt; i++) {
		v[i].recipient_id = mbx_store_links_recipient_of(links, v[i].id);
		if (v[i].recipient_id)
			rc = recipient_alias(st, v[i].recipient_id, &v[i].alias);
		store_mailbox_alias_fallback(&v[i]);
	}
out:
	if (rc < 0) {
		mbx_mailboxes_free(v, cnt);
		return rc;
	}
	*out = v;
	*n = cnt;
	return 0;
}

int mbx_store_recipients_first_page(mbx_store *st, size_t limit, mbx_recipient **out, size_t *n)
{
	sqlite3_stmt *s;
	mbx_recipient *v = mbx_calloc(limit ? limit : 1, sizeof(*v));
	size_t cnt = 0;
	int rc;

	*out = NULL;
	*n = 0;
	rc = store_stmt(st, "SELECT " STORE_RECIPIENT_COLS " FROM recipient "
	                    "ORDER BY display_name COLLATE NOCASE, id LIMIT ?", &s);
	if (rc < 0) {
		mbx_free(v);
		return rc;
	}
	sqlite3_bind_int64(s, 1, (sqlite3_int64)limit);
	while (cnt < limit && (rc = sqlite3_step(s)) == SQLITE_ROW)
		store_recipient_row(s, &v[cnt++]);
	rc = cnt == limit || rc == SQLITE_DONE ? 0 : store_sqlerr(st, "reading the recipients");
	store_done(s);
	if (rc < 0) {
		mbx_recipients_free(v, cnt);
		return rc;
	}
	*out = v;
	*n = cnt;
	return 0;
}
