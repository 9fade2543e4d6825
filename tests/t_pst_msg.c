/*
 * tests/t_pst_msg.c - the PST writer's messaging layer (core/pst/msg_*.c
 * through mbx/pst.h): folders (nested, Unicode, a '/' in a name),
 * messages with recipients of each type, attachments in the heap, in one
 * block and in a data tree, embedded messages two deep with their own
 * recipients and attachments, FAI items, properties beside the fields
 * (a bag), in both
 * encodings; the calls refused in the wrong state or with bad input (a
 * second open message, a recipient type out of range, invalid UTF-8, an
 * attachment that is not open, an embedded message still open, close
 * with a message open) and that a refused call leaves
 * the file intact.  Every file is read back by the strict validator
 * (mbx_pstcheck_run) and by libpst (the isolated reader and
 * mbx_pst_describe), which must see exactly what was written.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mbx/pst.h"
#include "mbx/pstread.h"
#include "pstread/pstread.h"
#include "tap.h"

static char tmpdir[] = "/tmp/t_pst_msg.XXXXXX";

#define BIG_SIZE 100000     /* a data tree of several blocks */
#define MID_SIZE 5000       /* one data block */
#define MSGFLAG_READ 0x01
#define MSGFLAG_ASSOCIATED 0x40

static const unsigned char psetid_appointment[16] = {
	0x02, 0x20, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46 };

static unsigned char pattern(size_t i, unsigned seed)
{
	return (unsigned char)((i * 31 + seed * 7 + (i >> 8)) & 0xFF);
}

/* Write an attachment of n pattern bytes in chunks of `chunk`. */
static int attach(mbx_pst_msg *m, const char *name, size_t n, unsigned seed, size_t chunk)
{
	mbx_pst_attach_props ap = { name, "application/octet-stream", (int64_t)n, 0, NULL };
	unsigned char *buf = mbx_malloc(n ? n : 1);
	size_t i, off;
	int rc;

	for (i = 0; i < n; i++)
		buf[i] = pattern(i, seed);
	rc = mbx_pst_attach_begin(m, &ap);
	for (off = 0; rc == 0 && off < n; off += chunk)
		rc = mbx_pst_attach_write(m, buf + off, n - off < chunk ? n - off : chunk);
	if (rc == 0)
		rc = mbx_pst_attach_end(m);
	mbx_free(buf);
	return rc;
}

static void props_init(mbx_pst_message_props *p, const char *subject)
{
	memset(p, 0, sizeof(*p));
	p->subject = subject;
	p->sender_name = "Sender, Sam";
	p->sender_address = "sam@example.com";
	p->body = "Hello,\nthe body.\n";
	p->submit_time = 1700000000;
	p->delivery_time = 1700000060;
	p->importance = 1;
	p->flags = MSGFLAG_READ;
}

/* ---- Writing ------------------------------------------------------------ */

/* What the good file holds, for the readers to confirm. */
typedef struct written {
	int64_t size_m1;
	int64_t pst_size_before_close;
} written;

static int write_good(const char *path, int crypt, written *w)
{
	mbx_pst_opts o;
	mbx_pst *pst = NULL;
	mbx_pst_msg *m = NULL, *e1 = NULL, *e2 = NULL;
	mbx_pst_nid inbox, projects, cal, slash, uni, bad;
	mbx_pst_message_props p, pe;
	mbx_pst_recipient r;
	mbx_props extra;
	int rc;

	mbx_pst_opts_init(&o);
	o.crypt = crypt;
	o.display_name = "Messaging test";
	rc = mbx_pst_create(&pst, path, &o);
	ok(rc == 0, "create (%s)", rc ? mbx_error_last() : crypt ? "compressible" : "no encoding");
	if (rc)
		return rc;
	ok(mbx_pst_top_folder(pst) != 0 && mbx_pst_deleted_items(pst) != 0 &&
	   mbx_pst_top_folder(pst) != mbx_pst_deleted_items(pst), "Top of Personal Folders and Deleted Items exist");

	/* folders */
	is_int(mbx_pst_folder_add(pst, mbx_pst_top_folder(pst), "Inbox", "IPF.Note", &inbox), 0, "folder Inbox");
	is_int(mbx_pst_folder_add(pst, inbox, "Projects", NULL, &projects), 0, "folder Inbox/Projects (class NULL)");
	is_int(mbx_pst_folder_add(pst, mbx_pst_top_folder(pst), "Calendar", "IPF.Appointment", &cal), 0,
	       "folder Calendar");
	is_int(mbx_pst_folder_add(pst, projects, "A/B", NULL, &slash), 0, "folder 'A/B' (a slash in the name)");
	is_int(mbx_pst_folder_add(pst, mbx_pst_top_folder(pst), "Übersicht 日本 عربي", NULL, &uni), 0,
	       "a Unicode folder name");
	is_int(mbx_pst_folder_add(pst, 0xDEAD, "X", NULL, &bad), MBX_EINVAL, "an unknown parent is refused");
	is_int(mbx_pst_folder_add(pst, inbox, NULL, NULL, &bad), MBX_EINVAL, "a folder without a name is refused");
	is_int(mbx_pst_folder_add(pst, inbox, "bad \xC3\x28", NULL, &bad), MBX_EINVAL,
	       "an invalid UTF-8 folder name is refused");

	/* M1: recipients of each type, three attachments, an embedded message
	 * carrying another embedded message */
	props_init(&p, "RE: Quarterly report");
	p.html_body = "<html><body><p>Hello</p></body></html>";
	p.transport_headers = "Received: by test\r\n";
	p.internet_message_id = "<m1@example.com>";
	rc = mbx_pst_message_begin(pst, inbox, &p, &m);
	is_int(rc, 0, "M1 begins in Inbox");
	if (rc)
		goto fail;
	{
		mbx_pst_msg *second = (mbx_pst_msg *)&second;

		props_init(&pe, "second");
		is_int(mbx_pst_message_begin(pst, projects, &pe, &second), MBX_EINVAL,
		       "a second open message is refused");
		ok(second == NULL && strstr(mbx_error_last(), "already open"), "*out is NULL, and the message says why: %s",
		   mbx_error_last());
	}
	r = (mbx_pst_recipient){ 1, "Alice Adams", "alice@example.com", NULL, NULL };
	is_int(mbx_pst_message_add_recipient(m, &r), 0, "To recipient");
	r = (mbx_pst_recipient){ 2, "Bob Brown", "bob@example.com", "SMTP", NULL };
	is_int(mbx_pst_message_add_recipient(m, &r), 0, "Cc recipient");
	r = (mbx_pst_recipient){ 3, "Carol Chen 陈", "/o=Contoso/cn=Recipients/cn=CChen", "EX", NULL };
	is_int(mbx_pst_message_add_recipient(m, &r), 0, "Bcc recipient (EX address)");
	r = (mbx_pst_recipient){ 0, "Zero", "zero@example.com", NULL, NULL };
	is_int(mbx_pst_message_add_recipient(m, &r), MBX_EINVAL, "recipient type 0 is refused");
	r.type = 4;
	is_int(mbx_pst_message_add_recipient(m, &r), MBX_EINVAL, "recipient type 4 is refused");
	ok(strstr(mbx_error_last(), "1 To, 2 Cc, 3 Bcc") != NULL, "naming the valid types: %s", mbx_error_last());
	r = (mbx_pst_recipient){ 1, "Bad \xFF name", "bad@example.com", NULL, NULL };
	is_int(mbx_pst_message_add_recipient(m, &r), MBX_EINVAL, "an invalid UTF-8 recipient name is refused");
	r = (mbx_pst_recipient){ 1, "Bad address", "bad\xED\xA0\x80@example.com", NULL, NULL };
	is_int(mbx_pst_message_add_recipient(m, &r), MBX_EINVAL, "a UTF-8 encoded surrogate in an address is refused");

	is_int(mbx_pst_attach_write(m, "x", 1), MBX_EINVAL, "attachment data without an open attachment is refused");
	is_int(mbx_pst_attach_end(m), MBX_EINVAL, "ending an attachment that is not open is refused");
	is_int(attach(m, "small.txt", 300, 1, 300), 0, "attachment small.txt (300 bytes, in the heap)");
	is_int(attach(m, "middle.bin", MID_SIZE, 2, 1000), 0, "attachment middle.bin (5000 bytes in 5 writes)");
	{
		mbx_pst_attach_props ap = { "big.bin", NULL, BIG_SIZE, 0, NULL };
		mbx_pst_attach_props badname = { "bad \xC0\xAF.bin", NULL, 1, 0, NULL };
		unsigned char *buf = mbx_malloc(BIG_SIZE);
		size_t i;

		for (i = 0; i < BIG_SIZE; i++)
			buf[i] = pattern(i, 3);
		is_int(mbx_pst_attach_begin(m, &badname), MBX_EINVAL, "an overlong UTF-8 attachment name is refused");
		is_int(mbx_pst_attach_begin(m, &ap), 0, "attachment big.bin begins");
		is_int(mbx_pst_attach_begin(m, &ap), MBX_EINVAL, "a second open attachment is refused");
		props_init(&pe, "inner");
		is_int(mbx_pst_attach_message_begin(m, "inner", &pe, &e1), MBX_EINVAL,
		       "an embedded message while an attachment is open is refused");
		is_int(mbx_pst_message_end(m, NULL), MBX_EINVAL, "ending the message with an attachment open is refused");
		is_int(mbx_pst_attach_write(m, buf, 40000), 0, "big.bin: 40000 bytes");
		is_int(mbx_pst_attach_write(m, buf + 40000, BIG_SIZE - 40000), 0, "big.bin: the other 60000");
		is_int(mbx_pst_attach_end(m), 0, "big.bin ends (a data tree)");
		mbx_free(buf);
	}
	props_init(&pe, "FW: Contract");
	pe.flags = 0;
	rc = mbx_pst_attach_message_begin(m, "Contract mail", &pe, &e1);
	is_int(rc, 0, "an embedded message begins");
	if (rc)
		goto fail;
	r = (mbx_pst_recipient){ 1, "Dave Diaz", "dave@example.com", NULL, NULL };
	is_int(mbx_pst_message_add_recipient(m, &r), MBX_EINVAL,
	       "the outer message takes no recipient while the embedded one is open");
	is_int(attach(m, "late.txt", 10, 9, 10), MBX_EINVAL, "nor an attachment");
	is_int(mbx_pst_message_end(m, NULL), MBX_EINVAL, "nor does it end");
	ok(strstr(mbx_error_last(), "embedded message is open") != NULL, "saying why: %s", mbx_error_last());
	is_int(mbx_pst_message_add_recipient(e1, &r), 0, "the embedded message's recipient");
	is_int(attach(e1, "contract.txt", 700, 4, 700), 0, "the embedded message's attachment contract.txt");
	props_init(&pe, "Original contract");
	rc = mbx_pst_attach_message_begin(e1, "Original", &pe, &e2);
	is_int(rc, 0, "an embedded message inside the embedded message");
	if (rc)
		goto fail;
	is_int(attach(e2, "deep.bin", MID_SIZE, 5, 4096), 0, "with its own attachment deep.bin");
	is_int(mbx_pst_message_end(e2, NULL), 0, "the innermost message ends");
	is_int(mbx_pst_message_end(e1, NULL), 0, "the embedded message ends");
	is_int(mbx_pst_message_end(m, &w->size_m1), 0, "M1 ends");
	ok(w->size_m1 > BIG_SIZE + MID_SIZE * 2, "M1's size covers its attachments (%lld bytes)",
	   (long long)w->size_m1);

	/* a message refused at begin leaves nothing open */
	props_init(&p, "bad \xED\xB0\x80 subject");
	m = (mbx_pst_msg *)&m;
	is_int(mbx_pst_message_begin(pst, inbox, &p, &m), MBX_EINVAL, "an invalid UTF-8 subject is refused");
	ok(m == NULL, "and no handle is given out");
	props_init(&p, "body");
	p.body = "overlong \xE0\x80\xAF";
	is_int(mbx_pst_message_begin(pst, inbox, &p, &m), MBX_EINVAL, "an invalid UTF-8 body is refused");
	is_int(mbx_pst_message_begin(pst, 0xDEAD, &p, &m), MBX_EINVAL, "an unknown folder is refused");

	/* properties beside the fields, in a bag: a plain one and two named */
	props_init(&p, "Meeting");
	p.message_class = "IPM.Appointment";
	mbx_props_init(&extra);
	mbx_props_set_utf8(&extra, &MBX_KEY(0x3A16), "Contoso");
	mbx_props_set_time(&extra, &MBX_LIDKEY(psetid_appointment, 0x820D), 1700003600);
	mbx_props_set_utf8(&extra, &MBX_LIDKEY(psetid_appointment, 0x8208), "Room 4.12");
	p.props = &extra;
	rc = mbx_pst_message_begin(pst, cal, &p, &m);
	mbx_props_clear(&extra);
	p.props = NULL;
	is_int(rc, 0, "an appointment with a plain and two named properties beside its fields begins");
	if (rc)
		goto fail;
	is_int(mbx_pst_message_end(m, NULL), 0, "and ends");

	/* FAI items: as the export writes them, flagged associated too */
	props_init(&p, "");
	p.message_class = "IPM.Configuration.View";
	p.associated = 1;
	p.flags = MSGFLAG_READ | MSGFLAG_ASSOCIATED;
	ok(mbx_pst_message_begin(pst, inbox, &p, &m) == 0 && mbx_pst_message_end(m, NULL) == 0,
	   "a FAI item in Inbox");
	ok(mbx_pst_message_begin(pst, cal, &p, &m) == 0 && mbx_pst_message_end(m, NULL) == 0,
	   "a FAI item in Calendar");

	/* plain messages elsewhere */
	props_init(&p, "Übersicht der Rechnungen 会議");
	p.flags = 0;
	ok(mbx_pst_message_begin(pst, projects, &p, &m) == 0 && mbx_pst_message_end(m, NULL) == 0,
	   "an unread message with a Unicode subject in Inbox/Projects");
	props_init(&p, "in the slash folder");
	ok(mbx_pst_message_begin(pst, slash, &p, &m) == 0 && attach(m, "x.txt", 1, 6, 1) == 0 &&
	   attach(m, "empty.txt", 0, 7, 1) == 0 && mbx_pst_message_end(m, NULL) == 0,
	   "a message with a 1-byte and an empty attachment in 'A/B'");
	props_init(&p, "deleted");
	ok(mbx_pst_message_begin(pst, mbx_pst_deleted_items(pst), &p, &m) == 0 && mbx_pst_message_end(m, NULL) == 0,
	   "a message in Deleted Items");

	/* close: not with a message open; then once */
	props_init(&p, "left open");
	ok(mbx_pst_message_begin(pst, uni, &p, &m) == 0, "a message in the Unicode folder begins");
	is_int(mbx_pst_close(pst), MBX_EINVAL, "close with a message open is refused");
	is_int(mbx_pst_message_end(m, NULL), 0, "the message ends");
	w->pst_size_before_close = mbx_pst_size(pst);
	ok(w->pst_size_before_close > BIG_SIZE, "mbx_pst_size counts what was written (%lld)",
	   (long long)w->pst_size_before_close);
	rc = mbx_pst_close(pst);
	is_int(rc, 0, "close (%s)", rc ? mbx_error_last() : "ok");
	is_int(mbx_pst_close(pst), MBX_EINVAL, "a second close is refused");
	mbx_pst_free(pst);
	return rc;
fail:
	diag("writing stopped: %s", mbx_error_last());
	mbx_pst_free(pst);
	return -1;
}

/* ---- Reading back ------------------------------------------------------- */

typedef struct problems {
	int n;
	char first[256];
} problems;

static void on_problem(void *ud, const char *where, const char *problem)
{
	problems *p = ud;

	if (!p->n++)
		snprintf(p->first, sizeof(p->first), "%s: %s", where, problem);
}

/* What libpst read, through the isolated reader. */
typedef struct seen {
	int folders, messages, fai;
	int m1, m1_recips, m1_atts, m1_bytes_ok, m1_embedded, e1_ok, e2_ok;
	int appointment, appointment_props;
	int unicode_subject, unread, slash_msg, deleted, left_open;
	int64_t folder_inbox, folder_projects, folder_cal, folder_slash, folder_uni, folder_deleted;
	char paths[512];
} seen;

/* Lines of s sorted, joined again (readers list folders in their own
 * order); caller frees. */
static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *sorted_lines(const char *s, char sep)
{
	char *copy = mbx_strdup(s ? s : ""), *p, *out, *line[64];
	size_t n = 0, i, len = 0;

	for (p = copy; *p && n < 64;) {
		char *e = strchr(p, sep);

		line[n++] = p;
		if (!e)
			break;
		*e = '\0';
		p = e + 1;
	}
	qsort(line, n, sizeof(line[0]), cmp_str);
	out = mbx_malloc(strlen(s ? s : "") + 2);
	for (i = 0; i < n; i++) {
		memcpy(out + len, line[i], strlen(line[i]));
		len += strlen(line[i]);
		if (i + 1 < n || sep == '\n')
			out[len++] = sep;
	}
	out[len] = '\0';
	mbx_free(copy);
	return out;
}

static int data_ok(const mbx_attachment *a, size_t n, unsigned seed)
{
	const unsigned char *d = a->data;
	size_t i;

	if ((size_t)a->size != n || (n && !d))
		return 0;
	for (i = 0; i < n; i++)
		if (d[i] != pattern(i, seed))
			return 0;
	return 1;
}

static const mbx_attachment *att_named(const mbx_message *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->n_attachments; i++)
		if (m->attachments[i].filename && strcmp(m->attachments[i].filename, name) == 0)
			return &m->attachments[i];
	return NULL;
}

static int on_folder(void *ud, const mbx_pstread_folder *f)
{
	seen *s = ud;
	size_t l = strlen(s->paths);

	s->folders++;
	snprintf(s->paths + l, sizeof(s->paths) - l, "%s%s", l ? "|" : "", f->path ? f->path : "?");
	if (f->path && strcmp(f->path, "Inbox") == 0)
		s->folder_inbox = f->id;
	else if (f->path && strcmp(f->path, "Inbox/Projects") == 0)
		s->folder_projects = f->id;
	else if (f->path && strcmp(f->path, "Calendar") == 0)
		s->folder_cal = f->id;
	else if (f->name && strcmp(f->name, "A/B") == 0)
		s->folder_slash = f->id;
	else if (f->name && strcmp(f->name, "Übersicht 日本 عربي") == 0)
		s->folder_uni = f->id;
	else if (f->role == MBX_ROLE_DELETED)
		s->folder_deleted = f->id;
	return 0;
}

static int on_message(void *ud, int64_t folder_id, const mbx_message *m)
{
	seen *s = ud;
	const char *subj = m->subject ? m->subject : "";

	s->messages++;
	if (m->associated) {
		s->fai += (folder_id == s->folder_inbox || folder_id == s->folder_cal) &&
		          m->message_class && strcmp(m->message_class, "IPM.Configuration.View") == 0;
		return 0;
	}
	if (strcmp(subj, "RE: Quarterly report") == 0 && folder_id == s->folder_inbox) {
		const mbx_attachment *a;

		s->m1++;
		s->m1_recips = m->n_recipients == 3 && m->recipients[0].type == MBX_RECIP_TO &&
		               strcmp(m->recipients[0].name, "Alice Adams") == 0 &&
		               strcmp(m->recipients[0].address, "alice@example.com") == 0 &&
		               m->recipients[1].type == MBX_RECIP_CC && strcmp(m->recipients[1].name, "Bob Brown") == 0 &&
		               m->recipients[2].type == MBX_RECIP_BCC &&
		               strcmp(m->recipients[2].name, "Carol Chen 陈") == 0;
		s->m1_atts = (int)m->n_attachments;
		s->m1_bytes_ok = (a = att_named(m, "small.txt")) && data_ok(a, 300, 1) &&
		                 (a = att_named(m, "middle.bin")) && data_ok(a, MID_SIZE, 2) &&
		                 (a = att_named(m, "big.bin")) && data_ok(a, BIG_SIZE, 3);
		if ((a = att_named(m, "Contract mail")) && a->embedded) {
			const mbx_message *e1 = a->embedded, *e2;

			s->m1_embedded = 1;
			s->e1_ok = e1->subject && strcmp(e1->subject, "FW: Contract") == 0 && e1->n_recipients == 1 &&
			           strcmp(e1->recipients[0].name, "Dave Diaz") == 0 && e1->n_attachments == 2 &&
			           (a = att_named(e1, "contract.txt")) && data_ok(a, 700, 4);
			a = att_named(e1, "Original");
			e2 = a ? a->embedded : NULL;
			s->e2_ok = e2 && e2->subject && strcmp(e2->subject, "Original contract") == 0 &&
			           e2->n_attachments == 1 && (a = att_named(e2, "deep.bin")) && data_ok(a, MID_SIZE, 5);
		}
	} else if (strcmp(subj, "Meeting") == 0 && folder_id == s->folder_cal) {
		mbx_msg_prop start, where;
		int have_start = mbx_message_prop_get(m, psetid_appointment, 0x820D, &start) == 0;
		int have_where = mbx_message_prop_get(m, psetid_appointment, 0x8208, &where) == 0;

		s->appointment++;
		s->appointment_props = m->message_class && strcmp(m->message_class, "IPM.Appointment") == 0 &&
		                       have_start && start.i == 1700003600 && have_where && where.s &&
		                       strcmp(where.s, "Room 4.12") == 0;
		mbx_msg_prop_clear(&start);
		mbx_msg_prop_clear(&where);
	} else if (strcmp(subj, "Übersicht der Rechnungen 会議") == 0 && folder_id == s->folder_projects) {
		s->unicode_subject++;
		s->unread = !(m->flags & MSGFLAG_READ);
	} else if (strcmp(subj, "in the slash folder") == 0 && folder_id == s->folder_slash) {
		const mbx_attachment *a = att_named(m, "x.txt"), *b = att_named(m, "empty.txt");

		s->slash_msg = m->n_attachments == 2 && a && data_ok(a, 1, 6) && b && b->size == 0;
	} else if (strcmp(subj, "deleted") == 0 && folder_id == s->folder_deleted) {
		s->deleted++;
	} else if (strcmp(subj, "left open") == 0 && folder_id == s->folder_uni) {
		s->left_open++;
	}
	return 0;
}

static void read_good(const char *path, const written *w, const mbx_pstcheck_stats *empty)
{
	mbx_pstcheck_stats cs;
	mbx_pstread_opts o;
	mbx_pstread_cb cb = { on_folder, on_message, NULL };
	mbx_pstread_stats st;
	problems pr;
	seen s;
	char *desc = NULL, *tmp, *sorted;
	struct stat sb;
	int rc;

	tmp = mbx_asprintf("%s.tmp", path);
	memset(&sb, 0, sizeof(sb));
	rc = stat(path, &sb);
	ok(rc == 0 && access(tmp, F_OK) != 0, "the file is under its final name, no .tmp left");
	mbx_free(tmp);

	memset(&pr, 0, sizeof(pr));
	rc = mbx_pstcheck_run(path, on_problem, &pr, &cs);
	ok(rc == 0, "the strict validator reads it (%s)", rc ? mbx_error_last() : "ok");
	ok(pr.n == 0 && cs.problems == 0, "and finds no problem (%s)", pr.n ? pr.first : "none");
	is_int(cs.folders, empty->folders + 5, "validator: the 5 folders added to those of an empty file");
	is_int(cs.messages, 8, "validator: 8 messages in folders (2 of them FAI)");
	is_int(cs.attachments, 9, "validator: 9 attachments (M1: 3 + embedded, in it 1 + embedded, in that 1; 2 in 'A/B')");
	ok(cs.file_size == (uint64_t)sb.st_size, "validator: the file size (%llu)", (unsigned long long)cs.file_size);
	ok(cs.file_size >= (uint64_t)w->pst_size_before_close, "closing only added to what mbx_pst_size counted");

	memset(&s, 0, sizeof(s));
	memset(&st, 0, sizeof(st));
	mbx_pstread_opts_init(&o);
	o.timeout_seconds = 60;
	rc = mbx_pstread_run(path, &o, &cb, &s, &st);
	ok(rc == 0, "libpst reads it (%s)", rc ? mbx_error_last() : "ok");
	is_str(st.store_name, "Messaging test", "libpst: the store's display name");
	ok(st.skipped == 0 && st.damaged == 0, "libpst: nothing skipped or damaged");
	is_int(st.folders, 6, "libpst: 6 folders (the 5 added and Deleted Items)");
	sorted = sorted_lines(s.paths, '|');
	is_str(sorted, "Calendar|Deleted Items|Inbox|Inbox/Projects|Inbox/Projects/A/B|"
	       "Übersicht 日本 عربي", "libpst: the folder paths");
	mbx_free(sorted);
	is_int(s.messages, 8, "libpst: 8 messages");
	is_int(s.fai, 2, "libpst: both FAI items, associated, in their folders");
	is_int(s.m1, 1, "libpst: M1 in Inbox");
	ok(s.m1_recips, "libpst: M1's To, Cc and Bcc recipients, names and addresses");
	is_int(s.m1_atts, 4, "libpst: M1 has 4 attachments");
	ok(s.m1_bytes_ok, "libpst: heap, block and data-tree attachments byte for byte");
	ok(s.m1_embedded && s.e1_ok, "libpst: the embedded message, its recipient and attachment");
	ok(s.e2_ok, "libpst: the embedded message inside it, with its attachment");
	ok(s.appointment == 1 && s.appointment_props, "libpst: the appointment with its named extras");
	ok(s.unicode_subject == 1 && s.unread, "libpst: the Unicode subject, unread, in Inbox/Projects");
	ok(s.slash_msg, "libpst: the 1-byte and the empty attachment in 'A/B'");
	ok(s.deleted == 1 && s.left_open == 1, "libpst: the messages in Deleted Items and the Unicode folder");
	mbx_free(st.store_name);

	rc = mbx_pst_describe(path, &desc);
	ok(rc == 0 && desc, "mbx_pst_describe reads it (%s)", rc ? mbx_error_last() : "ok");
	/* messages with FAI; attachments with embedded ones (not their own);
	 * bytes of by-value attachments */
	sorted = sorted_lines(desc, '\n');
	is_str(sorted,
	       "Calendar\t2\t0\t0\n"
	       "Deleted Items\t1\t0\t0\n"
	       "Inbox\t2\t4\t105300\n"
	       "Inbox/Projects\t1\t0\t0\n"
	       "Inbox/Projects/A\\/B\t1\t2\t1\n"
	       "Übersicht 日本 عربي\t1\t0\t0\n",
	       "mbx_pst_describe: per folder, '/' in a name escaped");
	mbx_free(sorted);
	mbx_free(desc);
}

/* ---- main --------------------------------------------------------------- */

int main(void)
{
	char *empty = NULL, *good = NULL, *dropped = NULL, *desc = NULL, *tmp;
	mbx_pstcheck_stats es;
	mbx_pst_opts o;
	mbx_pst *pst = NULL;
	mbx_pst_msg *m = NULL;
	mbx_pst_message_props p;
	written w;
	problems pr;
	int crypt, rc;

	if (!mkdtemp(tmpdir))
		tap_skip_all("no temporary directory");

	/* an empty file: what every PST has */
	empty = mbx_asprintf("%s/empty.pst", tmpdir);
	mbx_pst_opts_init(&o);
	ok(mbx_pst_create(&pst, empty, &o) == 0 && mbx_pst_close(pst) == 0, "an empty PST is written");
	mbx_pst_free(pst);
	memset(&pr, 0, sizeof(pr));
	memset(&es, 0, sizeof(es));
	rc = mbx_pstcheck_run(empty, on_problem, &pr, &es);
	ok(rc == 0 && pr.n == 0 && es.messages == 0 && es.attachments == 0 && es.folders >= 3,
	   "the validator: no problem, no message, %llu folders (%s)", (unsigned long long)es.folders,
	   pr.n ? pr.first : "clean");
	rc = mbx_pst_describe(empty, &desc);
	ok(rc == 0, "libpst reads the empty file");
	is_str((const char *)desc, "Deleted Items\t0\t0\t0\n", "libpst sees Deleted Items, empty");
	mbx_free(desc);

	/* a writer freed without close leaves nothing */
	dropped = mbx_asprintf("%s/dropped.pst", tmpdir);
	tmp = mbx_asprintf("%s.tmp", dropped);
	pst = NULL;
	ok(mbx_pst_create(&pst, dropped, &o) == 0 && access(tmp, F_OK) == 0, "a writer works under NAME.tmp");
	props_init(&p, "never closed");
	ok(mbx_pst_message_begin(pst, mbx_pst_top_folder(pst), &p, &m) == 0, "a message begins");
	mbx_pst_free(pst);
	ok(access(tmp, F_OK) != 0 && access(dropped, F_OK) != 0,
	   "freed with a message open and without close: no file, no temporary");
	mbx_free(tmp);

	for (crypt = MBX_PST_CRYPT_NONE; crypt <= MBX_PST_CRYPT_PERMUTE; crypt++) {
		diag("---- encoding: %s", crypt ? "compressible (permute)" : "none");
		good = mbx_asprintf("%s/good-%d.pst", tmpdir, crypt);
		memset(&w, 0, sizeof(w));
		if (write_good(good, crypt, &w) == 0)
			read_good(good, &w, &es);
		else
			ok(0, "the file was not written: nothing to read back");
		mbx_free(good);
	}

	mbx_free(empty);
	mbx_free(dropped);
	{
		char *cmd = mbx_asprintf("rm -rf '%s'", tmpdir);

		if (system(cmd) != 0)
			diag("could not remove %s", tmpdir);
		mbx_free(cmd);
	}
	return tap_done();
}
