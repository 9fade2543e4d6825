/*
 * tests/t_import_fuzz.c - a bad PST never crashes or hangs the importer
 * and never leaves part of itself in the store.  A few hundred mutations
 * of support.pst (truncations, bit flips, overwritten runs of bytes,
 * zeroed pages, garbage headers) are imported one after another into the
 * same store, within a time budget; each import either succeeds or fails
 * with a clear error naming the file, and a failed one leaves the mailbox
 * exactly as it was.  Then a damaged item is never stored as if it were
 * sound (issue 14.1): mutations inside the file's blocks are imported
 * into fresh stores, and every message stored must be one of the
 * original's, property for property (its bags, its recipients', its
 * attachments' with their data, its embedded messages'); the damaged
 * ones are counted instead.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <nettle/sha2.h>

#include "mbx/demo.h"
#include "mbx/import.h"
#include "mbx/store.h"
#include "tap.h"

#define MUTATIONS 300
#define BUDGET_SECONDS 40
#define SOUND_BUDGET_SECONDS 20
#if defined(__SANITIZE_ADDRESS__)
#define MIN_DONE 15    /* every reader child runs instrumented */
#define MIN_SOUND 10
#else
#define MIN_DONE 100
#define MIN_SOUND 40
#endif

typedef struct snap {
	int exists;
	int64_t folders, messages;
} snap;

static void snapshot(const char *db, snap *s)
{
	mbx_store *st;
	mbx_mailbox mb;
	mbx_folder *f;
	size_t n, i;

	memset(s, 0, sizeof(*s));
	if (mbx_store_open(&st, db, MBX_STORE_READONLY) < 0) {
		s->folders = -1;
		return;
	}
	if (mbx_store_mailbox_by_alias(st, "FUZZ", &mb) == 0) {
		s->exists = 1;
		if (mbx_store_folders(st, mb.id, &f, &n) == 0) {
			s->folders = (int64_t)n;
			for (i = 0; i < n; i++)
				s->messages += f[i].message_count;
			mbx_folders_free(f, n);
		}
		mbx_mailbox_clear(&mb);
	}
	mbx_store_free(st);
}

/* ---- Fingerprints of stored messages ---------------------------------------- */

typedef struct fp_set {
	char (*v)[65];
	size_t n;
} fp_set;

static void fp_bag(struct sha256_ctx *c, char tag, const mbx_props *b)
{
	unsigned char *buf = NULL;
	size_t len = 0, cap = 0;

	mbx_props_pack(b, &buf, &len, &cap);
	sha256_update(c, 1, (const uint8_t *)&tag);
	sha256_update(c, sizeof(len), (const uint8_t *)&len);
	sha256_update(c, len, buf);
	mbx_free(buf);
}

/* Everything of m the store keeps: bags, attachment data, embedded messages. */
static void fp_message(mbx_store *st, struct sha256_ctx *c, const mbx_message *m, int depth)
{
	size_t i;

	fp_bag(c, 'M', &m->bag);
	for (i = 0; i < m->n_recipients; i++)
		fp_bag(c, 'R', &m->recipients[i].bag);
	for (i = 0; i < m->n_attachments && depth < 16; i++) {
		const mbx_attachment *a = &m->attachments[i];
		unsigned char chunk[65536];
		int64_t off = 0;
		size_t got;

		fp_bag(c, 'A', &a->bag);
		while (off < a->size && mbx_store_attachment_read(st, a->id, off, chunk, sizeof(chunk), &got) == 0 &&
		       got) {
			sha256_update(c, got, chunk);
			off += (int64_t)got;
		}
		if (a->embedded)
			fp_message(st, c, a->embedded, depth + 1);
	}
}

/* The fingerprints of mailbox FUZZ's messages (hex); <0 when unreadable. */
static int fingerprints(const char *db, fp_set *out)
{
	mbx_store *st;
	mbx_mailbox mb;
	mbx_folder *f;
	size_t n, i;

	memset(out, 0, sizeof(*out));
	if (mbx_store_open(&st, db, MBX_STORE_READONLY) < 0)
		return -1;
	if (mbx_store_mailbox_by_alias(st, "FUZZ", &mb) < 0) {
		mbx_store_free(st);
		return 0;
	}
	if (mbx_store_folders(st, mb.id, &f, &n) == 0) {
		for (i = 0; i < n; i++) {
			mbx_msg_iter *it;
			mbx_message *m;

			if (mbx_store_messages(st, f[i].id, &it) < 0)
				continue;
			while (mbx_msg_iter_next(it, &m) == 1) {
				struct sha256_ctx c;
				uint8_t d[SHA256_DIGEST_SIZE];
				size_t k;

				sha256_init(&c);
				fp_message(st, &c, m, 0);
				sha256_digest(&c, sizeof(d), d);
				out->v = mbx_reallocarray(out->v, out->n + 1, sizeof(*out->v));
				for (k = 0; k < sizeof(d); k++)
					snprintf(out->v[out->n] + 2 * k, 3, "%02x", d[k]);
				out->n++;
				mbx_message_free(m);
			}
			mbx_msg_iter_free(it);
		}
		mbx_folders_free(f, n);
	}
	mbx_mailbox_clear(&mb);
	mbx_store_free(st);
	return 0;
}

static int fp_has(const fp_set *s, const char *h)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->v[i], h) == 0)
			return 1;
	return 0;
}

/* A new empty store at db with FUZZ imported from pst: the result's code. */
static int import_fresh(const char *db, const char *pst, mbx_import_result *r)
{
	mbx_server_info info;
	mbx_import_opts o;
	char *wal = mbx_asprintf("%s-wal", db), *shm = mbx_asprintf("%s-shm", db);

	unlink(db);
	unlink(wal);
	unlink(shm);
	mbx_free(wal);
	mbx_free(shm);
	memset(&info, 0, sizeof(info));
	info.organization = "Contoso";
	info.site = "HQ";
	info.server = "EXCH1";
	if (mbx_store_init(db, &info) < 0) {
		memset(r, 0, sizeof(*r));
		return -1;
	}
	mbx_import_opts_init(&o);
	o.db_path = db;
	o.pst_path = pst;
	o.alias = "FUZZ";
	o.create = 1;
	o.mode = MBX_IMPORT_COPY;
	o.timeout_seconds = 5;
	o.max_memory = INT64_C(512) << 20;
	return mbx_import_run(&o, r);
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rnd(void)
{
	/* xorshift64*: reproducible mutations, no dependence on rand(). */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ull;
}

/* One mutation of orig into buf; returns the new length. */
static size_t mutate(const unsigned char *orig, size_t n, unsigned char *buf, int i, const char **kind)
{
	size_t len = n, k, pos, run;

	memcpy(buf, orig, n);
	switch (i % 6) {
	case 0:
		*kind = "truncated";
		len = (size_t)(rnd() % n);
		break;
	case 1:
		*kind = "bit flips";
		for (k = 0, run = 1 + rnd() % 64; k < run; k++)
			buf[rnd() % n] ^= (unsigned char)(1u << (rnd() % 8));
		break;
	case 2:
		*kind = "garbage run";
		pos = (size_t)(rnd() % n);
		run = 1 + (size_t)(rnd() % 4096);
		for (k = pos; k < n && k < pos + run; k++)
			buf[k] = (unsigned char)rnd();
		break;
	case 3:
		*kind = "zeroed page";
		pos = (size_t)(rnd() % (n / 512)) * 512;
		memset(buf + pos, 0, n - pos < 512 ? n - pos : 512);
		break;
	case 4:
		*kind = "header bytes";
		for (k = 0, run = 1 + rnd() % 8; k < run; k++)
			buf[rnd() % 564] = (unsigned char)rnd();
		break;
	default:
		*kind = "random file";
		len = 512 + (size_t)(rnd() % 65536);
		for (k = 0; k < len && k < n; k++)
			buf[k] = (unsigned char)rnd();
		if (len > n)
			len = n;
		break;
	}
	return len;
}

int main(void)
{
	const char *sh = getenv("MBX_SHARED");
	char tmpl[] = "/tmp/t_import_fuzz.XXXXXX", *dir, *db, *pst, *src;
	unsigned char *orig, *buf;
	snap prev;
	size_t n;
	FILE *fp;
	time_t t0 = time(NULL);
	int i, done = 0, hung = 0, crashed = 0, passed = 0, failed = 0, unclear = 0, changed = 0, wrong_ok = 0;

	if (!sh)
		tap_skip_all("MBX_SHARED is not set");
	src = mbx_asprintf("%s/testdata/pst/support.pst", sh);
	fp = fopen(src, "rb");
	if (!fp)
		tap_skip_all("../shared/testdata/pst/support.pst is not there");
	fseek(fp, 0, SEEK_END);
	n = (size_t)ftell(fp);
	fseek(fp, 0, SEEK_SET);
	orig = mbx_malloc(n);
	buf = mbx_malloc(n);
	if (fread(orig, 1, n, fp) != n)
		tap_skip_all("can not read support.pst");
	fclose(fp);

	dir = mkdtemp(tmpl);
	if (!dir)
		tap_skip_all("no temporary directory");
	db = mbx_asprintf("%s/fuzz.db", dir);
	pst = mbx_asprintf("%s/mutant.pst", dir);
	ok(mbx_demo_create(db) == 0, "a demo store");
	snapshot(db, &prev);

	for (i = 0; i < MUTATIONS && time(NULL) - t0 < BUDGET_SECONDS; i++) {
		mbx_import_opts o;
		mbx_import_result r;
		snap before, after;
		const char *kind = "";
		size_t len = mutate(orig, n, buf, i, &kind);
		int rc;

		fp = fopen(pst, "wb");
		if (!fp || (len && fwrite(buf, 1, len, fp) != len)) {
			ok(0, "write mutation %d", i);
			break;
		}
		fclose(fp);
		before = prev;
		mbx_import_opts_init(&o);
		o.db_path = db;
		o.pst_path = pst;
		o.alias = "FUZZ";
		o.create = 1;
		o.mode = MBX_IMPORT_MERGE;
		o.timeout_seconds = 2;
		o.max_memory = INT64_C(512) << 20;
		rc = mbx_import_run(&o, &r);
		snapshot(db, &after);
		prev = after;
		done++;
		if (rc == 0) {
			passed++;
			/* read to the end: everything it read is there. */
			if (after.messages != before.messages + r.imported)
				wrong_ok++;
		} else {
			failed++;
			if (r.error && strstr(r.error, "made no progress"))
				hung++;
			else if (r.error && strstr(r.error, "crashed"))
				crashed++;
			if (!r.error || !strstr(r.error, "mutant.pst")) {
				unclear++;
				diag("mutation %d (%s): unclear error '%s'", i, kind, r.error ? r.error : "");
			}
			if (before.exists != after.exists || before.folders != after.folders ||
			    before.messages != after.messages) {
				changed++;
				diag("mutation %d (%s): the store changed on failure", i, kind);
			}
		}
		mbx_import_result_clear(&r);
	}
	diag("%d mutations in %lld s: %d imported, %d refused (the reader crashed on %d, hung on %d)",
	     done, (long long)(time(NULL) - t0), passed, failed, crashed, hung);
	ok(done >= MIN_DONE, "at least %d mutations ran within the budget (%d)", MIN_DONE, done);
	ok(failed > 0, "some mutations were refused");
	is_int(unclear, 0, "every refusal names the file");
	is_int(changed, 0, "a refused file leaves the store unchanged");
	is_int(wrong_ok, 0, "an accepted file is imported completely");
	{
		snap s;
		snapshot(db, &s);
		ok(s.folders >= 0, "the store still opens");
	}

	/* No damaged item is stored as if it were sound. */
	{
		char *fdb = mbx_asprintf("%s/fresh.db", dir);
		fp_set ref, got;
		mbx_import_result r;
		int64_t damaged = 0, stored = 0, partial = 0, alien = 0, runs = 0;
		time_t t1 = time(NULL);
		size_t k;

		fp = fopen(pst, "wb");
		if (fp) {
			fwrite(orig, 1, n, fp);
			fclose(fp);
		}
		ok(import_fresh(fdb, pst, &r) == 0 && r.imported == 17 && r.damaged == 0,
		   "the original: 17 items, none damaged");
		mbx_import_result_clear(&r);
		fingerprints(fdb, &ref);
		is_int((int64_t)ref.n, 17, "17 fingerprints of sound items");
		for (i = 0; time(NULL) - t1 < SOUND_BUDGET_SECONDS && i < 400; i++) {
			size_t pos, run, j;

			/* a few bytes changed somewhere past the header */
			memcpy(buf, orig, n);
			for (j = 0, run = 1 + rnd() % 4; j < run; j++) {
				pos = 4096 + (size_t)(rnd() % (n - 4096));
				buf[pos] ^= (unsigned char)(1 + rnd() % 255);
			}
			fp = fopen(pst, "wb");
			if (!fp || fwrite(buf, 1, n, fp) != n) {
				if (fp)
					fclose(fp);
				break;
			}
			fclose(fp);
			runs++;
			if (import_fresh(fdb, pst, &r) == 0) {
				damaged += r.damaged;
				stored += r.imported;
				partial += r.damaged > 0;
				fingerprints(fdb, &got);
				for (k = 0; k < got.n; k++) {
					if (!fp_has(&ref, got.v[k])) {
						alien++;
						diag("mutation %d: a stored item is not one of the original's", i);
					}
				}
				mbx_free(got.v);
			}
			mbx_import_result_clear(&r);
		}
		diag("%lld mutations in blocks: %lld items stored, %lld damaged items left out (in %lld "
		     "files)", (long long)runs, (long long)stored, (long long)damaged, (long long)partial);
		ok(runs >= MIN_SOUND, "at least %d such mutations ran (%lld)", MIN_SOUND, (long long)runs);
		ok(damaged > 0, "damaged items were found and left out");
		is_int(alien, 0, "every item stored is one of the original's, property for property");
		mbx_free(ref.v);
		mbx_free(fdb);
	}
	{
		char *cmd = mbx_asprintf("rm -rf '%s'", dir);
		if (system(cmd) != 0)
			diag("could not remove %s", dir);
		mbx_free(cmd);
	}
	mbx_free(db);
	mbx_free(pst);
	mbx_free(src);
	mbx_free(orig);
	mbx_free(buf);
	return tap_done();
}
