/*
 * tests/t_export_item_props.c - extra item properties (appointment, contact and
 * task details) end to end:
 *   - the content hash of a message without them is the one earlier
 *     versions gave (stores written then are merged against);
 *   - the store keeps every type, plain and named, in the message's bag; the
 *     typed setter refuses bad ones;
 *   - the demo's calendar, contacts and tasks hold details;
 *   - demo mailbox -> our PST -> libpst import: every detail comes back
 *     unchanged but the e-mail display names (0x8080/0x8090), which
 *     libpst 0.6 does not read (task details, which libpst reads but does
 *     not keep, come from the property context itself);
 *   - that import -> export -> import again: identical details.
 * The three readers' view of the PST is tests/t_export_item_readers.sh.
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
#include "mbx/pst.h"
#include "mbx/store.h"
#include "tap.h"
#include "test_util.h"

#include <libpst/libpst.h>

/* ---- the hash of a message without extra properties ----------------------- */

static void fixed_message(mbx_message *m, mbx_msg_recipient *r)
{
	memset(m, 0, sizeof(*m));
	memset(r, 0, sizeof(*r));
	r->type = MBX_RECIP_TO;
	r->name = "Smith, John";
	r->address = "jsmith@contoso.com";
	r->addrtype = "SMTP";
	m->message_class = "IPM.Appointment";
	m->subject = "Budget review";
	m->sender_name = "Adams, Mary";
	m->sender_address = "madams@contoso.com";
	m->sent_time = 1790812800;
	m->body = "Room 4";
	m->recipients = r;
	m->n_recipients = 1;
}

static void test_hash(void)
{
	mbx_message m;
	mbx_msg_recipient r;
	mbx_msg_prop p[2];
	char *h0, *h1, *h2;

	fixed_message(&m, &r);
	/* SHA-256 of the message's fields as the store has hashed them since
	 * schema 1, computed independently of this code. */
	h0 = mbx_message_hash(&m);
	is_str(h0, "f4df067e2454e1aaaf37b47567859caa6eee7a62dacfd01ff63261604139d5cc",
	       "a message without extra properties keeps the hash earlier versions gave it");
	mbx_message_bag_from_fields(&m);
	h1 = mbx_message_hash(&m);
	is_str(h1, h0, "and so does the bag its fields give");
	mbx_free(h1);
	mbx_props_clear(&m.bag);
	mbx_props_clear(&r.bag);
	memset(p, 0, sizeof(p));
	memcpy(p[0].guid, MBX_PSETID_APPOINTMENT, 16);
	p[0].id = 0x8208;
	p[0].type = MBX_PT_UNICODE;
	p[0].s = "Room 4.12";
	p[1].id = 0x3A16;
	p[1].type = MBX_PT_UNICODE;
	p[1].s = "Contoso";
	mbx_message_prop_set(&m, &p[0]);
	mbx_message_prop_set(&m, &p[1]);
	h1 = mbx_message_hash(&m);
	/* the same message and properties as schema 4 hashed them */
	is_str(h1, "7824383e72faac986623df910df355804136de1c2e54c1fd3a6dd4b814571c7d",
	       "extra properties change the hash, as they did before bags");
	ok(strcmp(h0, h1) != 0, "extra properties change the hash");
	mbx_props_clear(&m.bag);
	mbx_message_prop_set(&m, &p[1]);
	mbx_message_prop_set(&m, &p[0]);
	h2 = mbx_message_hash(&m);
	is_str(h2, h1, "the order of the properties does not");
	mbx_free(h2);
	mbx_message_bag_from_fields(&m);
	h2 = mbx_message_hash(&m);
	is_str(h2, h1, "nor the properties the fields give beside them");
	mbx_free(h2);
	p[1].s = "Fabrikam";
	mbx_message_prop_set(&m, &p[1]);
	h2 = mbx_message_hash(&m);
	ok(strcmp(h2, h1) != 0, "a different value does");
	mbx_props_clear(&m.bag);
	mbx_props_clear(&r.bag);
	mbx_free(h0);
	mbx_free(h1);
	mbx_free(h2);
}

/* ---- the store ------------------------------------------------------------ */

static int64_t count_rows(mbx_store *st, int64_t folder)
{
	mbx_msg_iter *it;
	mbx_message *m;
	int64_t n = 0;

	if (mbx_store_messages(st, folder, &it) < 0)
		return -1;
	while (mbx_msg_iter_next(it, &m) == 1) {
		n++;
		mbx_message_free(m);
	}
	mbx_msg_iter_free(it);
	return n;
}

static int same_prop(const mbx_msg_prop *a, const mbx_msg_prop *b)
{
	if (memcmp(a->guid, b->guid, 16) != 0 || a->id != b->id || a->type != b->type)
		return 0;
	if (a->type == MBX_PT_UNICODE)
		return strcmp(a->s ? a->s : "", b->s ? b->s : "") == 0;
	if (a->type == MBX_PT_DOUBLE)
		return a->d == b->d;
	return a->i == b->i;
}

static void test_store(const char *dir)
{
	char *path = mbx_asprintf("%s/props.db", dir);
	mbx_store *st;
	mbx_mailbox mb;
	mbx_folder f;
	mbx_message m, *back = NULL;
	mbx_msg_iter *it;
	int64_t mid, fid, id = 0;
	size_t i;
	int rc, same;

	if (!ok(mbx_store_open(&st, path, MBX_STORE_CREATE) == 0, "a new store")) {
		mbx_free(path);
		return;
	}
	memset(&mb, 0, sizeof(mb));
	mb.guid = "6f1c0000-2b7d-4c1e-9a55-000000000001";
	mb.display_name = "Props";
	mb.legacy_dn = "/o=Contoso/ou=HQ/cn=Recipients/cn=Props";
	memset(&f, 0, sizeof(f));
	rc = mbx_store_mailbox_add(st, &mb, &mid);
	f.mailbox_id = mid;
	f.name = "Calendar";
	f.container_class = "IPF.Appointment";
	f.role = MBX_ROLE_CALENDAR;
	if (rc == 0)
		rc = mbx_store_folder_add(st, &f, &fid);
	ok(rc == 0, "a mailbox and a folder");

	memset(&m, 0, sizeof(m));
	m.folder_id = fid;
	m.message_class = "IPM.Appointment";
	m.subject = "Planning";
	{
		static const struct { const char *guid; uint32_t id; uint16_t type; int64_t i; double d;
		                      const char *s; } def[] = {
			{ MBX_PSETID_APPOINTMENT, 0x820D, MBX_PT_SYSTIME, 1790848800, 0, NULL },
			{ MBX_PSETID_APPOINTMENT, 0x8208, MBX_PT_UNICODE, 0, 0, "Salle Lumière" },
			{ MBX_PSETID_APPOINTMENT, 0x8205, MBX_PT_LONG, 2, 0, NULL },
			{ MBX_PSETID_APPOINTMENT, 0x8215, MBX_PT_BOOLEAN, 1, 0, NULL },
			{ MBX_PSETID_TASK, 0x8102, MBX_PT_DOUBLE, 0, 0.25, NULL },
			{ NULL, 0x3A16, MBX_PT_UNICODE, 0, 0, "Contoso 会社" },
		};

		rc = 0;
		for (i = 0; i < sizeof(def) / sizeof(def[0]); i++) {
			mbx_msg_prop p;

			memset(&p, 0, sizeof(p));
			if (def[i].guid)
				memcpy(p.guid, def[i].guid, 16);
			p.id = def[i].id;
			p.type = def[i].type;
			p.i = def[i].i;
			p.d = def[i].d;
			p.s = (char *)def[i].s;
			rc |= mbx_message_prop_set(&m, &p);
		}
		is_int(rc, 0, "six typed properties set in the bag");
	}
	is_int(mbx_store_message_add(st, &m, &id), 0, "a message with six properties of five types");
	if (mbx_store_message_get(st, id, &back) == 0) {
		mbx_msg_prop *a, *b, p;
		size_t na, nb;

		mbx_message_props_extra(&m, &a, &na);
		mbx_message_props_extra(back, &b, &nb);
		same = na == 6 && nb == na;
		for (i = 0; same && i < na; i++)
			same = same_prop(&a[i], &b[i]);
		ok(same, "read back: the same properties, values and order");
		mbx_msg_props_free(a, na);
		mbx_msg_props_free(b, nb);
		ok(mbx_message_prop_get(back, NULL, 0x3A16, &p) == 0 && !mbx_msg_prop_named(&p) &&
		   p.s && strcmp(p.s, "Contoso 会社") == 0, "a plain property is found by id");
		mbx_msg_prop_clear(&p);
		ok(mbx_message_prop_get(back, MBX_PSETID_APPOINTMENT, 0x8205, &p) == 0 && p.i == 2 &&
		   mbx_message_prop_get(back, MBX_PSETID_TASK, 0x8205, &p) == MBX_ENOTFOUND,
		   "a named property by set and LID");
		ok(back->bag.n > 6 && mbx_props_get(&back->bag, &MBX_KEY(MBX_PID_TAG_SUBJECT)),
		   "the bag holds what the fields give besides (%zu properties)", back->bag.n);
		{
			char *h = mbx_message_hash(&m);

			is_str(back->content_hash, h, "the stored hash counts the properties");
			mbx_free(h);
		}
		mbx_message_free(back);
	} else {
		ok(0, "the message reads back");
	}
	if (mbx_store_messages(st, fid, &it) == 0) {
		mbx_msg_prop *x = NULL;
		size_t nx = 0;

		rc = mbx_msg_iter_next(it, &back);
		if (rc == 1)
			mbx_message_props_extra(back, &x, &nx);
		ok(rc == 1 && nx == 6, "the iterator loads them too");
		mbx_msg_props_free(x, nx);
		if (rc == 1)
			mbx_message_free(back);
		mbx_msg_iter_free(it);
	}

	/* Bad properties: the typed setter refuses them (a bag takes any
	 * type: mbx_props_set). */
	{
		mbx_msg_prop p, q;
		size_t n0 = m.bag.n;

		memset(&p, 0, sizeof(p));
		p.id = 0x3A16;
		p.type = 0x0102;
		is_int(mbx_message_prop_set(&m, &p), MBX_EINVAL, "a binary property is refused by the typed setter");
		p.type = MBX_PT_LONG;
		p.id = 0x8083;
		is_int(mbx_message_prop_set(&m, &p), MBX_EINVAL, "a plain id of 0x8000 or more is refused");
		memcpy(p.guid, MBX_PSETID_APPOINTMENT, 16);
		p.id = 0x8205;
		p.i = 3;
		ok(mbx_message_prop_set(&m, &p) == 0 && m.bag.n == n0 &&
		   mbx_message_prop_get(&m, MBX_PSETID_APPOINTMENT, 0x8205, &q) == 0 && q.i == 3,
		   "the same property again replaces it");
	}
	is_int(count_rows(st, fid), 1, "and nothing of them is in the store");
	m.folder_id = 0;
	m.message_class = NULL;
	m.subject = NULL;
	mbx_message_clear(&m);
	ok(m.bag.n == 0 && m.bag.p == NULL && m.bag.data == NULL,
	   "mbx_message_clear frees and zeroes the bag");
	is_int(mbx_store_message_delete(st, id), 0, "the message deletes");
	mbx_store_free(st);
	mbx_free(path);
}

/* ---- the writer's name-to-ID map ------------------------------------------ */

static void count_problem(void *ud, const char *where, const char *problem)
{
	diag("pst-check: %s: %s", where, problem);
	(*(int *)ud)++;
}

/* libpst's view of the map: NPID -> LID, for the numeric names. */
static uint32_t libpst_lid(const pst_file *pf, uint32_t npid)
{
	const pst_x_attrib_ll *x;

	for (x = pf->x_head; x; x = x->next)
		if (x->map == npid && x->mytype == PST_MAP_ATTRIB)
			return *(const uint32_t *)x->data;
	return 0;
}

static void test_writer(const char *dir)
{
	/* a property set of our own, beside the well-known ones */
	static const unsigned char own_set[16] = {
		0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF, 0x01 };
	enum { N_OWN = 600, PER_MSG = 300 };
	char *path = mbx_asprintf("%s/names.pst", dir);
	mbx_pst *pst = NULL;
	mbx_pst_msg *msg;
	mbx_pst_message_props mp;
	mbx_props x1, x2;
	mbx_pst_nid folder;
	mbx_pstcheck_stats stats;
	pst_file pf;
	int problems = 0, rc, i, lids_ok = 1;

	/* 600 names of a set of our own over two messages (then two of
	 * PSETID_Appointment): the map's streams outgrow its heap */
	mbx_props_init(&x1);
	mbx_props_init(&x2);
	for (i = 0; i < N_OWN; i++)
		mbx_props_set_u32(i < PER_MSG ? &x1 : &x2, &MBX_LIDKEY(own_set, 0x9000u + (uint32_t)i), MBX_PT_LONG,
		                  (uint32_t)i);
	/* PidLidBusyStatus: the map's first entry */
	mbx_props_set_u32(&x2, &MBX_LIDKEY(MBX_PSETID_APPOINTMENT, 0x8205), MBX_PT_LONG, 3);
	mbx_props_set_utf8(&x2, &MBX_LIDKEY(MBX_PSETID_APPOINTMENT, 0x8208), "Room 1");
	rc = mbx_pst_create(&pst, path, NULL);
	if (rc == 0)
		rc = mbx_pst_folder_add(pst, mbx_pst_top_folder(pst), "Calendar", "IPF.Appointment", &folder);
	ok(rc == 0, "a PST with a calendar");
	memset(&mp, 0, sizeof(mp));
	mp.message_class = "IPM.Appointment";
	mp.subject = "Many names";
	mp.props = &x1;
	if (rc == 0)
		rc = mbx_pst_message_begin(pst, folder, &mp, &msg);
	if (rc == 0)
		rc = mbx_pst_message_end(msg, NULL);
	mp.props = &x2;
	mp.subject = "Many names 2";
	if (rc == 0)
		rc = mbx_pst_message_begin(pst, folder, &mp, &msg);
	if (rc == 0)
		rc = mbx_pst_message_end(msg, NULL);
	mbx_props_clear(&x1);
	mbx_props_clear(&x2);
	is_int(rc, 0, "two messages with %d named properties", N_OWN + 2);
	if (rc == 0)
		rc = mbx_pst_close(pst);
	is_int(rc, 0, "the file closes (a name-to-ID map too large for its heap)");
	mbx_pst_free(pst);
	rc = mbx_pstcheck_run(path, count_problem, &problems, &stats);
	ok(rc == 0 && problems == 0, "pst-check finds no problem");
	if (pst_open(&pf, path, NULL) == 0 && pst_load_index(&pf) == 0 && pst_load_extended_attributes(&pf)) {
		is_int(libpst_lid(&pf, 0x8000), 0x8205, "libpst: 0x8000 is PidLidBusyStatus, as Outlook starts");
		for (i = 0; i < N_OWN; i++)
			if (libpst_lid(&pf, 0x8002u + (uint32_t)i) != 0x9000u + (uint32_t)i)
				lids_ok = 0;
		ok(lids_ok, "libpst: the %d names follow from 0x8002 in the order used", (int)N_OWN);
		is_int(libpst_lid(&pf, 0x8002u + N_OWN), 0x8208, "libpst: then PidLidLocation");
		pst_close(&pf);
	} else {
		ok(0, "libpst reads the name-to-ID map");
	}
	mbx_free(path);
}

/* ---- demo, export, import ------------------------------------------------- */

typedef struct buf {
	char **v;
	size_t n;
} buf;

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* libpst 0.6 does not read these: left out of what an import must give. */
static int libpst_blind(const mbx_msg_prop *p)
{
	return memcmp(p->guid, MBX_PSETID_ADDRESS, 16) == 0 && (p->id == 0x8080 || p->id == 0x8090);
}

/* One line per property: folder, subject, sent time, set, id, type, value. */
static void describe(const char *path, const mbx_message *m, int only_libpst, buf *b,
                     int64_t *n_with_props)
{
	mbx_msg_prop *x;
	size_t i, nx;

	mbx_message_props_extra(m, &x, &nx);
	if (nx)
		(*n_with_props)++;
	for (i = 0; i < nx; i++) {
		const mbx_msg_prop *p = &x[i];
		char *s;

		if (only_libpst && libpst_blind(p))
			continue;
		if (p->type == MBX_PT_UNICODE)
			s = mbx_asprintf("%s|%s|%lld|%02x%02x|%04x|%u|%s", path, m->subject ? m->subject : "",
			                 (long long)m->sent_time, p->guid[0], p->guid[1], (unsigned)p->id,
			                 (unsigned)p->type, p->s ? p->s : "");
		else if (p->type == MBX_PT_DOUBLE)
			s = mbx_asprintf("%s|%s|%lld|%02x%02x|%04x|%u|%.6f", path, m->subject ? m->subject : "",
			                 (long long)m->sent_time, p->guid[0], p->guid[1], (unsigned)p->id,
			                 (unsigned)p->type, p->d);
		else
			s = mbx_asprintf("%s|%s|%lld|%02x%02x|%04x|%u|%lld", path, m->subject ? m->subject : "",
			                 (long long)m->sent_time, p->guid[0], p->guid[1], (unsigned)p->id,
			                 (unsigned)p->type, (long long)p->i);
		b->v = mbx_reallocarray(b->v, b->n + 1, sizeof(*b->v));
		b->v[b->n++] = s;
	}
	mbx_msg_props_free(x, nx);
}

typedef struct props_all {
	int only_libpst;
	buf b;
	int64_t *n_items;
} props_all;

static void describe_one(void *ud, const char *path, mbx_message *m)
{
	props_all *p = ud;

	describe(path, m, p->only_libpst, &p->b, p->n_items);
}

/* Every property of a mailbox's messages, sorted; *n_items: items with any. */
static buf describe_mailbox(mbx_store *st, const char *alias, int only_libpst, int64_t *n_items)
{
	props_all p = { only_libpst, { NULL, 0 }, n_items };

	*n_items = 0;
	test_each_message(st, alias, describe_one, &p);
	if (p.b.n)
		qsort(p.b.v, p.b.n, sizeof(*p.b.v), cmp_str);
	return p.b;
}

static void buf_free(buf *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		mbx_free(b->v[i]);
	mbx_free(b->v);
}

static int same_lists(const buf *a, const buf *b)
{
	size_t i;

	if (a->n != b->n) {
		diag("%zu against %zu properties", a->n, b->n);
		return 0;
	}
	for (i = 0; i < a->n; i++) {
		if (strcmp(a->v[i], b->v[i]) != 0) {
			diag("before: %s", a->v[i]);
			diag("after:  %s", b->v[i]);
			return 0;
		}
	}
	return 1;
}

/* Export alias to dir, import the PST as back (created); 0 ok. */
static int export_import(const char *db, const char *dir, const char *alias, const char *back)
{
	mbx_export_opts eo;
	mbx_export *ex = NULL;
	const mbx_export_result *res;
	mbx_import_opts io;
	mbx_import_result ir;
	const char *aliases[1] = { alias };
	size_t nres = 0;
	int rc;

	mbx_export_opts_init(&eo);
	eo.db_path = db;
	eo.out_dir = dir;
	eo.threads = 1;
	eo.log_level = MBX_LOG_NONE;
	rc = mbx_export_run(&eo, aliases, 1, &ex);
	if (ex)
		mbx_export_results(ex, &res, &nres);
	if (rc != 0 || nres != 1 || res[0].n_paths != 1) {
		diag("export of %s: %s", alias, nres == 1 && res[0].error ? res[0].error :
		     rc != 0 ? mbx_error_last() : "no file");
		mbx_export_free(ex);
		return -1;
	}
	mbx_import_opts_init(&io);
	io.db_path = db;
	io.pst_path = res[0].paths[0];
	io.alias = back;
	io.create = 1;
	rc = mbx_import_run(&io, &ir);
	if (rc != 0)
		diag("import of %s: %s", res[0].paths[0], ir.error ? ir.error : "?");
	mbx_import_result_clear(&ir);
	mbx_export_free(ex);
	return rc;
}

static void test_roundtrip(const char *dir)
{
	char *db = mbx_asprintf("%s/demo.db", dir), *out = mbx_asprintf("%s/pst", dir);
	char *out2 = mbx_asprintf("%s/pst2", dir);
	mbx_store *st;
	buf orig, orig_all, back, back2;
	int64_t n_orig = 0, n_back = 0, n_back2 = 0;

	if (!ok(mbx_demo_create(db) == 0, "a demo store"))
		goto out;
	if (mbx_store_open(&st, db, MBX_STORE_READONLY) == 0) {
		orig_all = describe_mailbox(st, "MAdams", 0, &n_orig);
		is_int(n_orig, 8, "the demo's 3 appointments, 3 contacts and 2 tasks have details");
		ok(orig_all.n > 60, "%zu properties in all", orig_all.n);
		buf_free(&orig_all);
		mbx_store_free(st);
	}
	is_int(export_import(db, out, "MAdams", "MAdamsBack"), 0,
	       "MAdams exports to our PST and imports back through our property-level reader");
	if (mbx_store_open(&st, db, MBX_STORE_READONLY) == 0) {
		/* the import keeps every property now, those libpst 0.6 does not
		 * read (PidLidEmail1/2 display names) too */
		orig = describe_mailbox(st, "MAdams", 0, &n_orig);
		back = describe_mailbox(st, "MAdamsBack", 0, &n_back);
		is_int(n_back, 8, "the appointments, contacts and tasks come back with details");
		ok(same_lists(&orig, &back), "every detail comes back unchanged (%zu)", back.n);
		buf_free(&orig);
		mbx_store_free(st);
	} else {
		back.v = NULL;
		back.n = 0;
	}
	ok(test_adjust_create_mailboxes(db) == 0, "the adjuster gives the imported mailbox a directory entry");
	is_int(export_import(db, out2, "MAdamsBack", "MAdamsBack2"), 0, "which exports and imports again");
	if (mbx_store_open(&st, db, MBX_STORE_READONLY) == 0) {
		back2 = describe_mailbox(st, "MAdamsBack2", 0, &n_back2);
		ok(n_back2 == n_back && same_lists(&back, &back2),
		   "PST -> import -> export -> import: identical details");
		buf_free(&back2);
		mbx_store_free(st);
	}
	buf_free(&back);
out:
	mbx_free(db);
	mbx_free(out);
	mbx_free(out2);
}

int main(void)
{
	char tmpl[] = "/tmp/t_item_props.XXXXXX", *dir, *cmd;

	dir = mkdtemp(tmpl);
	if (!dir)
		tap_skip_all("no temporary directory");
	test_hash();
	test_store(dir);
	test_writer(dir);
	test_roundtrip(dir);
	cmd = mbx_asprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
	mbx_free(cmd);
	return tap_done();
}
