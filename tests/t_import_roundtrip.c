/*
 * tests/t_import_roundtrip.c - demo mailboxes -> our PST writer (export) ->
 * import (our property-level reader) into new mailboxes -> the same content: per folder path,
 * the same messages with the same class, subject, sender, dates, bodies,
 * recipients (type, name, address), attachments (names and bytes) and
 * embedded messages.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mbx/check.h"
#include "mbx/demo.h"
#include "mbx/export.h"
#include "mbx/import.h"
#include "mbx/store.h"
#include "tap.h"
#include "test_util.h"

typedef struct buf {
	char *s;
	size_t len, cap;
} buf;

static void put(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(buf *b, const char *fmt, ...)
{
	va_list ap;
	char *s;
	size_t n;

	va_start(ap, fmt);
	s = mbx_vasprintf(fmt, ap);
	va_end(ap);
	n = strlen(s);
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = mbx_realloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, s, n + 1);
	b->len += n;
	mbx_free(s);
}

static const char *nz(const char *s)
{
	return s ? s : "";
}

/* FNV-1a of an attachment's bytes as the store holds them. */
static uint64_t att_sum(mbx_store *st, const mbx_attachment *a, int64_t *bytes)
{
	uint64_t h = 1469598103934665603ull;
	char chunk[65536];
	int64_t off = 0;
	size_t got, i;

	*bytes = 0;
	while (off < a->size && mbx_store_attachment_read(st, a->id, off, chunk, sizeof(chunk), &got) == 0 &&
	       got > 0) {
		for (i = 0; i < got; i++)
			h = (h ^ (unsigned char)chunk[i]) * 1099511628211ull;
		off += (int64_t)got;
	}
	*bytes = off;
	return h;
}

static int64_t embedded_seen;

/* A canonical text of what must survive the round trip. */
static void describe(mbx_store *st, const mbx_message *m, buf *b, int depth)
{
	size_t i;

	put(b, "%*sclass=%s subject=%s from=%s <%s> sent=%lld received=%lld msgid=%s\n", depth * 2, "",
	    nz(m->message_class), nz(m->subject), nz(m->sender_name), nz(m->sender_address),
	    (long long)m->sent_time, (long long)m->received_time, nz(m->internet_message_id));
	put(b, "%*sbody=[%s]\n%*shtml=[%s]\n", depth * 2, "", nz(m->body), depth * 2, "", nz(m->html_body));
	for (i = 0; i < m->n_recipients; i++)
		put(b, "%*srecipient %d %s <%s>\n", depth * 2, "", (int)m->recipients[i].type,
		    nz(m->recipients[i].name), nz(m->recipients[i].address));
	for (i = 0; i < m->n_attachments; i++) {
		const mbx_attachment *a = &m->attachments[i];
		int64_t bytes;
		uint64_t sum = a->embedded ? 0 : att_sum(st, a, &bytes);

		if (a->embedded) {
			embedded_seen++;
			put(b, "%*sattachment (embedded message)\n", depth * 2, "");
			describe(st, a->embedded, b, depth + 1);
		} else {
			put(b, "%*sattachment %s %lld bytes fnv %016llx\n", depth * 2, "", nz(a->filename),
			    (long long)bytes, (unsigned long long)sum);
		}
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

typedef struct desc_all {
	mbx_store *st;
	char **v;
	size_t cnt;
	int64_t *attachments;
} desc_all;

static void describe_one(void *ud, const char *path, mbx_message *m)
{
	desc_all *d = ud;
	buf b = { NULL, 0, 0 };

	put(&b, "folder=%s\n", path);
	describe(d->st, m, &b, 1);
	*d->attachments += (int64_t)m->n_attachments;
	d->v = mbx_reallocarray(d->v, d->cnt + 1, sizeof(*d->v));
	d->v[d->cnt++] = b.s;
}

/* Every message of a mailbox described, keyed by folder path, sorted. */
static char **describe_mailbox(mbx_store *st, const char *alias, size_t *n_out, int64_t *attachments)
{
	desc_all d = { st, NULL, 0, attachments };

	*n_out = 0;
	if (test_each_message(st, alias, describe_one, &d) < 0)
		return NULL;
	qsort(d.v, d.cnt, sizeof(*d.v), cmp_str);
	*n_out = d.cnt;
	return d.v;
}

static void free_list(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		mbx_free(v[i]);
	mbx_free(v);
}

static void roundtrip(const char *db, const char *dir, const char *alias)
{
	mbx_export_opts eo;
	mbx_export *ex = NULL;
	const mbx_export_result *res;
	mbx_import_opts io;
	mbx_import_result ir;
	mbx_store *st;
	const char *aliases[1] = { alias };
	char *back = mbx_asprintf("%s_BACK", alias);
	char **a = NULL, **b = NULL;
	size_t na = 0, nb = 0, nres = 0, i;
	int64_t atts_a = 0, atts_b = 0;
	int rc, same;

	mbx_export_opts_init(&eo);
	eo.db_path = db;
	eo.out_dir = dir;
	eo.threads = 1;
	eo.log_level = MBX_LOG_NONE;
	rc = mbx_export_run(&eo, aliases, 1, &ex);
	if (ex)
		mbx_export_results(ex, &res, &nres);
	if (!ok(rc == 0 && nres == 1 && res[0].n_paths == 1, "%s: exported to a verified PST (%s)",
	        alias, rc == 0 ? "ok" : mbx_error_last())) {
		mbx_export_free(ex);
		mbx_free(back);
		return;
	}

	mbx_import_opts_init(&io);
	io.db_path = db;
	io.pst_path = res[0].paths[0];
	io.alias = back;
	io.create = 1;
	rc = mbx_import_run(&io, &ir);
	is_int(rc, 0, "%s: the PST imports into a new mailbox (%s)", alias, ir.error ? ir.error : "ok");
	mbx_import_result_clear(&ir);

	if (mbx_store_open(&st, db, MBX_STORE_READONLY) == 0) {
		a = describe_mailbox(st, alias, &na, &atts_a);
		b = describe_mailbox(st, back, &nb, &atts_b);
		is_int(nb, na, "%s: as many messages after the round trip (%zu)", alias, na);
		is_int(atts_b, atts_a, "%s: as many attachments (%lld)", alias, (long long)atts_a);
		same = na == nb;
		for (i = 0; same && i < na; i++) {
			if (strcmp(a[i], b[i]) != 0) {
				diag("before:\n%s", a[i]);
				diag("after:\n%s", b[i]);
				same = 0;
			}
		}
		ok(same, "%s: folders, subjects, senders, dates, bodies, recipients and attachment "
		   "bytes are identical", alias);
		free_list(a, na);
		free_list(b, nb);
		mbx_store_free(st);
	}
	mbx_export_free(ex);
	mbx_free(back);
}

int main(void)
{
	char tmpl[] = "/tmp/t_import_rt.XXXXXX", *dir, *db, *out, *cmd;

	dir = mkdtemp(tmpl);
	if (!dir)
		tap_skip_all("no temporary directory");
	db = mbx_asprintf("%s/rt.db", dir);
	out = mbx_asprintf("%s/pst", dir);
	ok(mbx_demo_create(db) == 0, "a demo store");
	/* Mailboxes with a directory entry (the export needs one), with
	 * attachments, non-ASCII text and many folders. */
	roundtrip(db, out, "ASchmidt");
	roundtrip(db, out, "WChen");
	/* JSmith's mailbox holds an embedded message but is orphaned: the
	 * adjuster gives it the directory entry the export needs. */
	ok(test_adjust_create_mailboxes(db) == 0,
	   "the adjuster created the missing directory entries");
	roundtrip(db, out, "JSmith");
	ok(embedded_seen >= 2, "embedded messages were compared (%lld)", (long long)embedded_seen);
	cmd = mbx_asprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
	mbx_free(cmd);
	mbx_free(db);
	mbx_free(out);
	return tap_done();
}
