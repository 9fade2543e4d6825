/*
 * core/pstread/pstread_child.c - the forked child of mbx_pstread_run: walks
 * a PST with libpst and streams folders and messages to the parent in the
 * format of pstwire.h.  It runs in its own process because libpst trusts
 * the file: a corrupt PST may crash it, loop or allocate without bound.
 *
 * Only this file includes libpst.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mbx/pstdefs.h"
#include "pstread/pstread_int.h"

/* MS-PST node id types (the low 5 bits of a NID). */
enum {
	PW_NID_FOLDER = PST_NID_TYPE_NORMAL_FOLDER, PW_NID_SEARCH_FOLDER = PST_NID_TYPE_SEARCH_FOLDER,
	PW_NID_MESSAGE = PST_NID_TYPE_NORMAL_MESSAGE, PW_NID_ASSOC_MESSAGE = PST_NID_TYPE_ASSOC_MESSAGE
};

typedef struct pw_out {
	int fd;
	size_t len;
	unsigned char buf[65536];
} pw_out;

typedef struct pw_walk {
	pst_file *pf;
	const mbx_pstread_opts *opts;
	pw_out *out;
	int64_t item_no;          /* items sent or skipped so far */
	int64_t item_limit;       /* a corrupt tree may loop: never more than this */
	int looped;
	uint64_t role_nid[MBX_ROLE_COUNT];  /* folders the message store names */
	int64_t folders, messages, attachments, bytes, skipped;
	int64_t file_size;        /* sizes only: data blocks must lie inside the file */
	int64_t ordinal;          /* split read: message-type items seen so far */
	int unsplit;              /* > 0: inside a subtree only this child walks */
} pw_walk;

/* Split read (opts->stripes > 1): 1 when this child parses the item d,
 * else it is another child's.  Items of folder NID types are everyone's
 * (every child sends every folder); the others take turns by their
 * ordinal in the walk, which is the same in every child as long as no
 * child walks into a subtree the others skip: an item of another type
 * that turns out to be a folder is walked whole by its one child
 * (w->unsplit). */
static int pw_mine(pw_walk *w, const pst_desc_tree *d)
{
	unsigned t = (unsigned)(d->d_id & PST_NID_TYPE_MASK);

	if (w->opts->stripes <= 1 || w->unsplit || t == PW_NID_FOLDER || t == PW_NID_SEARCH_FOLDER)
		return 1;
	return w->ordinal++ % w->opts->stripes == w->opts->stripe;
}

/* The parent went away (pipe closed) or the pipe broke: nothing to save. */
static void pw_die(void)
{
	_exit(3);
}

static void pw_write_all(int fd, const unsigned char *p, size_t n);

static void pw_flush(pw_out *o)
{
	pw_write_all(o->fd, o->buf, o->len);
	o->len = 0;
}

static void pw_write_all(int fd, const unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			pw_die();
		p += k;
		n -= (size_t)k;
	}
}

static void pw_bytes(pw_out *o, const void *p, size_t n)
{
	const unsigned char *s = p;

	if (n >= sizeof(o->buf)) {
		/* Attachment data: straight to the pipe, not through the buffer. */
		pw_flush(o);
		pw_write_all(o->fd, s, n);
		return;
	}

	while (n > 0) {
		size_t room = sizeof(o->buf) - o->len;
		size_t k = n < room ? n : room;
		memcpy(o->buf + o->len, s, k);
		o->len += k;
		s += k;
		n -= k;
		if (o->len == sizeof(o->buf))
			pw_flush(o);
	}
}

static void pw_u8(pw_out *o, unsigned v)
{
	unsigned char b = (unsigned char)v;
	pw_bytes(o, &b, 1);
}

static void pw_i64(pw_out *o, int64_t v)
{
	pw_bytes(o, &v, sizeof(v));
}

static void pw_strn(pw_out *o, const char *s, size_t n)
{
	uint32_t len;

	if (!s) {
		len = PW_NULL;
		pw_bytes(o, &len, sizeof(len));
		return;
	}
	if (n >= PW_NULL)
		n = PW_NULL - 1;
	len = (uint32_t)n;
	pw_bytes(o, &len, sizeof(len));
	pw_bytes(o, s, n);
}

static void pw_str(pw_out *o, const char *s)
{
	pw_strn(o, s, s ? strlen(s) : 0);
}

/* A libpst string as UTF-8 (libpst converts 8-bit strings with the item's
 * code page). */
static const char *pw_utf8(pst_item *item, pst_string *s)
{
	if (!s->str)
		return NULL;
	pst_convert_utf8_null(item, s);
	return s->str;
}

static void pw_field_str(pw_out *o, unsigned field, const char *s)
{
	if (!s)
		return;
	pw_u8(o, PW_STR);
	pw_u8(o, field);
	pw_str(o, s);
}

static void pw_field_int(pw_out *o, unsigned field, int64_t v)
{
	pw_u8(o, PW_INT);
	pw_u8(o, field);
	pw_i64(o, v);
}

/* FILETIME (100 ns since 1601) to Unix seconds, rounding down. */
static int64_t pw_time(const FILETIME *ft)
{
	uint64_t t;
	int64_t secs;

	if (!ft)
		return 0;
	t = ((uint64_t)ft->dwHighDateTime << 32) | ft->dwLowDateTime;
	secs = (int64_t)(t / 10000000u);
	return secs - INT64_C(11644473600);
}

/* libpst reads the recipient table (0x692) into attachment records that
 * carry no attachment properties; real attachments always have a method,
 * data or a data block. */
static int pw_is_attachment(const pst_item_attach *a)
{
	return a->method != PST_ATTACH_NONE || a->data.data || a->i_id;
}

/* Send the names of a "a; b; c" display list as recipients of `type`. */
static size_t pw_recipient_list(pw_out *o, unsigned type, const char *list)
{
	size_t n = 0;
	const char *p = list;

	while (p && *p) {
		const char *end = strchr(p, ';');
		const char *stop = end ? end : p + strlen(p);
		while (p < stop && (*p == ' ' || *p == '\t'))
			p++;
		const char *e = stop;
		while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (e > p) {
			pw_u8(o, PW_RCP);
			pw_u8(o, type);
			pw_strn(o, p, (size_t)(e - p));
			pw_str(o, NULL);
			pw_str(o, NULL);
			n++;
		}
		p = end ? end + 1 : NULL;
	}
	return n;
}

/*
 * Recipients: libpst keeps only the display lists (PR_DISPLAY_TO/CC/BCC)
 * and, overwritten row after row, the last recipient row's name, address
 * type and address.  With exactly one recipient that row is the whole
 * table, so its address is sent too.
 */
static void pw_recipients(pw_out *o, pst_item *item, size_t rows)
{
	pst_item_email *e = item->email;
	const char *to, *cc, *bcc;

	if (!e)
		return;
	to = pw_utf8(item, &e->sentto_address);
	cc = pw_utf8(item, &e->cc_address);
	bcc = pw_utf8(item, &e->bcc_address);
	if (rows == 1 && item->type != PST_TYPE_CONTACT && item->contact && item->contact->address1.str) {
		const char *name = pw_utf8(item, &item->file_as);
		unsigned type = (to && *to) ? MBX_RECIP_TO : (cc && *cc) ? MBX_RECIP_CC :
		                (bcc && *bcc) ? MBX_RECIP_BCC : MBX_RECIP_TO;
		pw_u8(o, PW_RCP);
		pw_u8(o, type);
		pw_str(o, name);
		pw_str(o, pw_utf8(item, &item->contact->address1));
		pw_str(o, pw_utf8(item, &item->contact->address1_transport));
		return;
	}
	pw_recipient_list(o, MBX_RECIP_TO, to);
	pw_recipient_list(o, MBX_RECIP_CC, cc);
	pw_recipient_list(o, MBX_RECIP_BCC, bcc);
}

/* ---- Appointment, contact and task details (PW_PROP) --------------------- */

static const unsigned char pw_psetid_appointment[16] = MBX_PSETID_APPOINTMENT_BYTES;
static const unsigned char pw_psetid_address[16] = MBX_PSETID_ADDRESS_BYTES;
static const unsigned char pw_psetid_common[16] = MBX_PSETID_COMMON_BYTES;

static void pw_prop_head(pw_out *o, const unsigned char *guid, uint32_t id, uint16_t type)
{
	static const unsigned char plain[16];

	pw_u8(o, PW_PROP);
	pw_bytes(o, guid ? guid : plain, 16);
	pw_bytes(o, &id, sizeof(id));
	pw_bytes(o, &type, sizeof(type));
}

static void pw_prop_str(pw_out *o, pst_item *item, const unsigned char *guid, uint32_t id, pst_string *s)
{
	const char *v = pw_utf8(item, s);

	if (!v)
		return;
	pw_prop_head(o, guid, id, MBX_PT_UNICODE);
	pw_str(o, v);
}

static void pw_prop_int(pw_out *o, const unsigned char *guid, uint32_t id, uint16_t type, int64_t v)
{
	pw_prop_head(o, guid, id, type);
	pw_i64(o, v);
}

static int pw_class_is(const pst_item *item, const char *prefix)
{
	return item->ascii_type && strncasecmp(item->ascii_type, prefix, strlen(prefix)) == 0;
}

/*
 * What libpst 0.6 exposes of an appointment: start and end (with the
 * duration they imply), location, busy status, all day, and the reminder
 * (PSETID_Common, on any item that has one).  libpst can not tell a false
 * or zero value from an absent one: busy status and all day are sent for
 * appointments and meetings only, the reminder only when set.
 */
static void pw_appointment_props(pw_out *o, pst_item *item)
{
	pst_item_appointment *a = item->appointment;
	int calendar = pw_class_is(item, "IPM.Appointment") || pw_class_is(item, "IPM.Schedule.Meeting");

	if (!a)
		return;
	if (a->start)
		pw_prop_int(o, pw_psetid_appointment, MBX_LID_APPOINTMENT_START_WHOLE, MBX_PT_SYSTIME, pw_time(a->start));
	if (a->end)
		pw_prop_int(o, pw_psetid_appointment, MBX_LID_APPOINTMENT_END_WHOLE, MBX_PT_SYSTIME, pw_time(a->end));
	if (a->start && a->end && calendar)
		pw_prop_int(o, pw_psetid_appointment, MBX_LID_APPOINTMENT_DURATION, MBX_PT_LONG,
		            (pw_time(a->end) - pw_time(a->start)) / 60);
	pw_prop_str(o, item, pw_psetid_appointment, MBX_LID_LOCATION, &a->location);
	if (calendar) {
		pw_prop_int(o, pw_psetid_appointment, MBX_LID_BUSY_STATUS, MBX_PT_LONG, a->showas);
		pw_prop_int(o, pw_psetid_appointment, MBX_LID_APPOINTMENT_SUB_TYPE, MBX_PT_BOOLEAN, a->all_day != 0);
	}
	if (a->alarm) {
		pw_prop_int(o, pw_psetid_common, MBX_LID_REMINDER_SET, MBX_PT_BOOLEAN, 1);
		pw_prop_int(o, pw_psetid_common, MBX_LID_REMINDER_DELTA, MBX_PT_LONG, a->alarm_minutes);
		if (a->reminder)
			pw_prop_int(o, pw_psetid_common, MBX_LID_REMINDER_SIGNAL_TIME, MBX_PT_SYSTIME, pw_time(a->reminder));
	}
}

/* A contact's names, organization, e-mail addresses, phones and postal
 * addresses as libpst names them (tags from [MS-OXOCNTC]). */
static void pw_contact_props(pw_out *o, pst_item *item)
{
	pst_item_contact *c = item->contact;
	const struct {
		const unsigned char *guid;
		uint32_t id;
		size_t off;
	} f[] = {
		{ NULL, MBX_PID_TAG_GIVEN_NAME, offsetof(pst_item_contact, first_name) },
		{ NULL, MBX_PID_TAG_MIDDLE_NAME, offsetof(pst_item_contact, middle_name) },
		{ NULL, MBX_PID_TAG_SURNAME, offsetof(pst_item_contact, surname) },
		{ NULL, MBX_PID_TAG_DISPLAY_NAME_PREFIX, offsetof(pst_item_contact, display_name_prefix) },
		{ NULL, MBX_PID_TAG_GENERATION, offsetof(pst_item_contact, suffix) },
		{ NULL, MBX_PID_TAG_NICKNAME, offsetof(pst_item_contact, nickname) },
		{ NULL, MBX_PID_TAG_COMPANY_NAME, offsetof(pst_item_contact, company_name) },
		{ NULL, MBX_PID_TAG_TITLE, offsetof(pst_item_contact, job_title) },
		{ NULL, MBX_PID_TAG_DEPARTMENT_NAME, offsetof(pst_item_contact, department) },
		{ NULL, MBX_PID_TAG_OFFICE_LOCATION, offsetof(pst_item_contact, office_loc) },
		{ NULL, MBX_PID_TAG_BUSINESS_TELEPHONE_NUMBER, offsetof(pst_item_contact, business_phone) },
		{ NULL, MBX_PID_TAG_BUSINESS2_TELEPHONE_NUMBER, offsetof(pst_item_contact, business_phone2) },
		{ NULL, MBX_PID_TAG_HOME_TELEPHONE_NUMBER, offsetof(pst_item_contact, home_phone) },
		{ NULL, MBX_PID_TAG_HOME2_TELEPHONE_NUMBER, offsetof(pst_item_contact, home_phone2) },
		{ NULL, MBX_PID_TAG_MOBILE_TELEPHONE_NUMBER, offsetof(pst_item_contact, mobile_phone) },
		{ NULL, MBX_PID_TAG_PRIMARY_TELEPHONE_NUMBER, offsetof(pst_item_contact, primary_phone) },
		{ NULL, MBX_PID_TAG_COMPANY_MAIN_TELEPHONE_NUMBER, offsetof(pst_item_contact, company_main_phone) },
		{ NULL, MBX_PID_TAG_BUSINESS_FAX_NUMBER, offsetof(pst_item_contact, business_fax) },
		{ NULL, MBX_PID_TAG_HOME_FAX_NUMBER, offsetof(pst_item_contact, home_fax) },
		{ NULL, MBX_PID_TAG_PAGER_TELEPHONE_NUMBER, offsetof(pst_item_contact, pager_phone) },
		{ NULL, MBX_PID_TAG_STREET_ADDRESS, offsetof(pst_item_contact, business_street) },
		{ NULL, MBX_PID_TAG_LOCALITY, offsetof(pst_item_contact, business_city) },
		{ NULL, MBX_PID_TAG_STATE_OR_PROVINCE, offsetof(pst_item_contact, business_state) },
		{ NULL, MBX_PID_TAG_POSTAL_CODE, offsetof(pst_item_contact, business_postal_code) },
		{ NULL, MBX_PID_TAG_COUNTRY, offsetof(pst_item_contact, business_country) },
		{ NULL, MBX_PID_TAG_HOME_ADDRESS_STREET, offsetof(pst_item_contact, home_street) },
		{ NULL, MBX_PID_TAG_HOME_ADDRESS_CITY, offsetof(pst_item_contact, home_city) },
		{ NULL, MBX_PID_TAG_HOME_ADDRESS_STATE_OR_PROVINCE, offsetof(pst_item_contact, home_state) },
		{ NULL, MBX_PID_TAG_HOME_ADDRESS_POSTAL_CODE, offsetof(pst_item_contact, home_postal_code) },
		{ NULL, MBX_PID_TAG_HOME_ADDRESS_COUNTRY, offsetof(pst_item_contact, home_country) },
		{ NULL, MBX_PID_TAG_BUSINESS_HOME_PAGE, offsetof(pst_item_contact, business_homepage) },
		{ NULL, MBX_PID_TAG_PERSONAL_HOME_PAGE, offsetof(pst_item_contact, personal_homepage) },
		{ pw_psetid_address, MBX_LID_FILE_UNDER, offsetof(pst_item_contact, fullname) },
		{ pw_psetid_address, MBX_LID_HOME_ADDRESS, offsetof(pst_item_contact, home_address) },
		{ pw_psetid_address, MBX_LID_WORK_ADDRESS, offsetof(pst_item_contact, business_address) },
		{ pw_psetid_address, MBX_LID_EMAIL1_ADDRESS_TYPE, offsetof(pst_item_contact, address1_transport) },
		{ pw_psetid_address, MBX_LID_EMAIL1_EMAIL_ADDRESS, offsetof(pst_item_contact, address1) },
		{ pw_psetid_address, MBX_LID_EMAIL1_ORIGINAL_DISPLAY_NAME, offsetof(pst_item_contact, address1_desc) },
		{ pw_psetid_address, MBX_LID_EMAIL2_ADDRESS_TYPE, offsetof(pst_item_contact, address2_transport) },
		{ pw_psetid_address, MBX_LID_EMAIL2_EMAIL_ADDRESS, offsetof(pst_item_contact, address2) },
		{ pw_psetid_address, MBX_LID_EMAIL2_ORIGINAL_DISPLAY_NAME, offsetof(pst_item_contact, address2_desc) },
		{ pw_psetid_address, MBX_LID_EMAIL3_ADDRESS_TYPE, offsetof(pst_item_contact, address3_transport) },
		{ pw_psetid_address, MBX_LID_EMAIL3_EMAIL_ADDRESS, offsetof(pst_item_contact, address3) },
		{ pw_psetid_address, MBX_LID_EMAIL3_ORIGINAL_DISPLAY_NAME, offsetof(pst_item_contact, address3_desc) },
	};
	size_t i;

	if (!c)
		return;
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		pw_prop_str(o, item, f[i].guid, f[i].id, (pst_string *)((char *)c + f[i].off));
}

static const unsigned char pw_psetid_task[16] = MBX_PSETID_TASK_BYTES;

/* The NPID the file's name-to-ID map gives a numeric name (libpst keeps
 * the LIDs, not their sets: 0x81xx are PSETID_Task's alone); 0 if none. */
static uint16_t pw_npid(const pst_file *pf, uint32_t lid)
{
	const pst_x_attrib_ll *x;

	for (x = pf->x_head; x; x = x->next)
		if (x->mytype == PST_MAP_ATTRIB && x->data && *(const uint32_t *)x->data == lid &&
		    x->map >= PST_NPID_FIRST && x->map <= 0xFFFF)
			return (uint16_t)x->map;
	return 0;
}

/* FILETIME bits to Unix seconds, rounding down. */
static int64_t pw_time_bits(uint64_t t)
{
	return (int64_t)(t / 10000000u) - INT64_C(11644473600);
}

/*
 * Task details: libpst 0.6 reads but keeps none of them, so they come
 * from the message's property context directly (top-level messages).
 */
static void pw_task_props(pw_walk *w, pst_item *item, const pst_desc_tree *d)
{
	static const struct {
		uint32_t lid;
		uint16_t type;
	} f[] = {
		{ MBX_LID_TASK_START_DATE, MBX_PT_SYSTIME },
		{ MBX_LID_TASK_DUE_DATE, MBX_PT_SYSTIME },
		{ MBX_LID_TASK_DATE_COMPLETED, MBX_PT_SYSTIME },
		{ MBX_LID_TASK_STATUS, MBX_PT_LONG },
		{ MBX_LID_PERCENT_COMPLETE, MBX_PT_DOUBLE },
		{ MBX_LID_TASK_COMPLETE, MBX_PT_BOOLEAN },
	};
	enum { N = sizeof(f) / sizeof(f[0]) };
	uint16_t ids[N];
	pw_pcval v[N];
	size_t i;

	if (!d || !pw_class_is(item, "IPM.Task"))
		return;
	for (i = 0; i < N; i++)
		ids[i] = pw_npid(w->pf, f[i].lid);
	if (pw_read_pc_values(w->pf, d, ids, N, v) < 0)
		return;
	for (i = 0; i < N; i++) {
		if (!ids[i] || !v[i].found || v[i].type != f[i].type)
			continue;
		pw_prop_head(w->out, pw_psetid_task, f[i].lid, f[i].type);
		if (f[i].type == MBX_PT_DOUBLE) {
			double x;

			memcpy(&x, &v[i].u64, sizeof(x));
			pw_bytes(w->out, &x, sizeof(x));
		} else if (f[i].type == MBX_PT_SYSTIME) {
			pw_i64(w->out, pw_time_bits(v[i].u64));
		} else {
			pw_i64(w->out, f[i].type == MBX_PT_BOOLEAN ? v[i].u64 != 0 : (int64_t)(int32_t)v[i].u64);
		}
	}
}

static void pw_item_props(pw_out *o, pst_item *item)
{
	pw_appointment_props(o, item);
	/* libpst also files a message's recipient row (0x3003) as a contact
	 * address: only contacts' contact fields are theirs. */
	if (item->type == PST_TYPE_CONTACT || pw_class_is(item, "IPM.Contact"))
		pw_contact_props(o, item);
}

static void pw_message_body(pw_walk *w, pst_item *item, const pst_desc_tree *d,
                            const pst_id2_tree *id2, int depth);

static void pw_embedded(pw_walk *w, pst_item_attach *a, int depth)
{
	pst_desc_tree d;
	pst_item *sub;

	if (depth >= PW_MAX_DEPTH)
		return;
	memset(&d, 0, sizeof(d));
	d.desc = pst_getID(w->pf, a->i_id);
	if (!d.desc)
		return;
	sub = pst_parse_item(w->pf, &d, a->id2_head);
	if (!sub)
		return;
	pw_u8(w->out, PW_EMB);
	pw_message_body(w, sub, NULL, a->id2_head, depth + 1);
	pw_u8(w->out, PW_END);
	pst_freeItem(sub);
}

static uint64_t pw_le(const unsigned char *p, size_t n)
{
	uint64_t v = 0;

	while (n-- > 0)
		v = v << 8 | p[n];
	return v;
}

/*
 * Bytes of the data tree at bid without reading its data: a data block's
 * size from libpst's block index; an XBLOCK (level 1) or XXBLOCK (level 2,
 * top only) read with libpst and its children summed.  `want` is the
 * level bid must have: 0 a data block, 1 an XBLOCK, -1 either at the top.
 * -1 when libpst could not read the tree back whole: a block missing from
 * the index, a data block (with its trailer) outside the file, a page that
 * is not an XBLOCK, or children that do not add up to its lcbTotal
 * ([MS-PST] 2.2.2.8.3.2).  libpst itself would read such data short.
 */
static int64_t pw_tree_size(pw_walk *w, uint64_t bid, int want)
{
	pst_index_ll *rec = pst_getID(w->pf, bid);
	size_t idw = w->pf->do_read64 ? 8 : 4, len, i;
	uint64_t trailer = w->pf->do_read64 ? 16 : 12;
	unsigned char *p;
	char *buf = NULL;
	unsigned level, count;
	int64_t sum = 0, total;

	if (!rec)
		return -1;
	if (!(bid & PST_BID_INTERNAL)) {
		if (want > 0 || rec->offset > (uint64_t)w->file_size ||
		    rec->size + trailer > (uint64_t)w->file_size - rec->offset)
			return -1;
		return (int64_t)(rec->inflated_size > rec->size ? rec->inflated_size : rec->size);
	}
	if (want == 0)
		return -1;
	len = pst_ff_getIDblock_dec(w->pf, bid, &buf);
	p = (unsigned char *)buf;
	if (!p || len < 8 || len != rec->size || p[0] != PST_XBLOCK_BTYPE || p[1] < 1 || p[1] > 2 ||
	    (want == 1 && p[1] != 1)) {
		free(buf);
		return -1;
	}
	level = p[1];
	count = (unsigned)pw_le(p + 2, 2);
	total = (int64_t)pw_le(p + 4, 4);
	if (8 + (size_t)count * idw > len) {
		free(buf);
		return -1;
	}
	for (i = 0; i < count && sum >= 0; i++) {
		int64_t s = pw_tree_size(w, pw_le(p + 8 + i * idw, idw), level == 2 ? 1 : 0);
		sum = s < 0 ? -1 : sum + s;
	}
	free(buf);
	return sum == total ? sum : -1;
}

/* Sizes only (verification): the attachment's size as pst_attach_to_mem
 * would return it, without reading the data; -1 when it would come back
 * short. */
static int64_t pw_attach_size(pw_walk *w, const pst_item_attach *a)
{
	if (a->data.data)
		return (int64_t)a->data.size;
	if (a->i_id == 0 || a->i_id == (uint64_t)-1)
		return 0;
	return pw_tree_size(w, a->i_id, -1);
}

static void pw_attachment(pw_walk *w, pst_item *item, pst_item_attach *a, int depth)
{
	const char *name = pw_utf8(item, &a->filename2);
	pst_binary bin = { 0, NULL };
	int64_t size = 0;

	if (!name)
		name = pw_utf8(item, &a->filename1);
	if (a->method != PST_ATTACH_EMBEDDED) {
		if (w->opts->want_data) {
			bin = pst_attach_to_mem(w->pf, a);
			size = (int64_t)bin.size;
		} else {
			size = pw_attach_size(w, a);
		}
	}
	pw_u8(w->out, PW_ATT);
	pw_str(w->out, name);
	pw_str(w->out, pw_utf8(item, &a->mimetype));
	pw_i64(w->out, size < 0 ? 0 : size);
	pw_u8(w->out, w->opts->want_data ? 1 : 0);
	if (w->opts->want_data && bin.size)
		pw_bytes(w->out, bin.data, bin.size);
	free(bin.data);
	if (size < 0)
		pw_u8(w->out, PW_BAD);   /* its data can not be read back */
	w->attachments++;
	w->bytes += size < 0 ? 0 : size;
	if (a->method == PST_ATTACH_EMBEDDED)
		pw_embedded(w, a, depth);
}

/* The fields of one message (top-level or embedded), up to but not
 * including its PW_END. */
static void pw_message_body(pw_walk *w, pst_item *item, const pst_desc_tree *d,
                            const pst_id2_tree *id2, int depth)
{
	pw_out *o = w->out;
	pst_item_email *e = item->email;
	pst_item_attach *a;
	size_t rows = 0, n_table = 0;
	pw_rcpt *table = NULL;
	const char *s;

	pw_field_str(o, PW_F_CLASS, item->ascii_type);
	pw_field_str(o, PW_F_SUBJECT, pw_utf8(item, &item->subject));
	pw_field_int(o, PW_F_FLAGS, item->flags);
	pw_field_int(o, PW_F_SIZE, item->message_size);
	if (e) {
		s = pw_utf8(item, &e->outlook_sender_name);
		pw_field_str(o, PW_F_SENDER_NAME, s ? s : pw_utf8(item, &e->outlook_sender_name2));
		s = pw_utf8(item, &e->sender_address);
		if (s) {
			pw_field_str(o, PW_F_SENDER_ADDR, s);
			pw_field_str(o, PW_F_SENDER_TYPE, pw_utf8(item, &e->sender_access));
		} else {
			pw_field_str(o, PW_F_SENDER_ADDR, pw_utf8(item, &e->sender2_address));
			pw_field_str(o, PW_F_SENDER_TYPE, pw_utf8(item, &e->sender2_access));
		}
		if (e->sent_date)
			pw_field_int(o, PW_F_SENT, pw_time(e->sent_date));
		if (e->arrival_date)
			pw_field_int(o, PW_F_RECEIVED, pw_time(e->arrival_date));
		pw_field_int(o, PW_F_IMPORTANCE, e->importance);
		pw_field_str(o, PW_F_MSGID, pw_utf8(item, &e->messageid));
		if (w->opts->want_bodies) {
			pw_field_str(o, PW_F_HTML, pw_utf8(item, &e->htmlbody));
			pw_field_str(o, PW_F_HEADERS, pw_utf8(item, &e->header));
		}
	} else {
		pw_field_int(o, PW_F_IMPORTANCE, 1);
	}
	if (w->opts->want_bodies)
		pw_field_str(o, PW_F_BODY, pw_utf8(item, &item->body));
	pw_item_props(o, item);
	pw_task_props(w, item, d);
	for (a = item->attach; a; a = a->next)
		if (!pw_is_attachment(a))
			rows++;
	if (rows > 0 && pw_read_recipients(w->pf, d, id2, &table, &n_table) == 0 && n_table == rows) {
		size_t i;
		for (i = 0; i < n_table; i++) {
			pw_u8(o, PW_RCP);
			pw_u8(o, (unsigned)table[i].type);
			pw_str(o, table[i].name);
			pw_str(o, table[i].addr);
			pw_str(o, table[i].addrtype);
		}
	} else {
		pw_recipients(o, item, rows);
	}
	pw_rcpt_free(table, n_table);
	/* libpst lists the attachment table's rows last first: send them in
	 * table order (the order Outlook shows them). */
	{
		size_t n_att = 0, i;
		pst_item_attach **v;

		for (a = item->attach; a; a = a->next)
			if (pw_is_attachment(a))
				n_att++;
		v = n_att ? malloc(n_att * sizeof(*v)) : NULL;
		if (n_att && !v)
			_exit(5);
		i = n_att;
		for (a = item->attach; a; a = a->next)
			if (pw_is_attachment(a))
				v[--i] = a;
		for (i = 0; i < n_att; i++)
			pw_attachment(w, item, v[i], depth);
		free(v);
	}
}

static void pw_folder(pw_walk *w, pst_item *item, pst_desc_tree *d, int64_t parent)
{
	int64_t role = MBX_ROLE_NONE;
	int i;

	for (i = 1; i < MBX_ROLE_COUNT; i++)
		if (w->role_nid[i] && w->role_nid[i] == d->d_id)
			role = i;
	pw_u8(w->out, PW_FOLDER);
	pw_i64(w->out, (int64_t)d->d_id);
	pw_i64(w->out, parent);
	pw_i64(w->out, item->folder ? item->folder->item_count : 0);
	pw_str(w->out, pw_utf8(item, &item->file_as));
	pw_str(w->out, item->ascii_type);
	pw_i64(w->out, role);
	w->folders++;
}

/* Messages below d, from the node tree alone (nothing parsed). */
static int64_t pw_count(const pst_desc_tree *first, int depth, int64_t limit)
{
	const pst_desc_tree *d;
	int64_t n = 0, seen = 0;

	if (depth > PW_MAX_FOLDER_DEPTH)
		return 0;
	for (d = first; d && seen < limit; d = d->next, seen++) {
		unsigned t = (unsigned)(d->d_id & PST_NID_TYPE_MASK);
		if (t == PW_NID_MESSAGE || t == PW_NID_ASSOC_MESSAGE)
			n++;
		else if (t == PW_NID_FOLDER && d->child)
			n += pw_count(d->child, depth + 1, limit);
	}
	return n;
}

static void pw_walk_children(pw_walk *w, pst_desc_tree *first, int64_t parent, int depth)
{
	pst_desc_tree *d;

	if (depth > PW_MAX_FOLDER_DEPTH) {
		w->looped = 1;
		return;
	}
	for (d = first; d; d = d->next) {
		pst_item *item;
		unsigned nid_type;

		if (!d->desc)
			continue;
		if (++w->item_no > w->item_limit) {
			w->looped = 1;
			return;
		}
		if (!pw_mine(w, d))
			continue;
		item = pst_parse_item(w->pf, d, NULL);
		if (!item) {
			pw_u8(w->out, PW_SKIP);
			pw_i64(w->out, w->item_no);
			w->skipped++;
			continue;
		}
		nid_type = (unsigned)(d->d_id & PST_NID_TYPE_MASK);
		if (nid_type == PW_NID_SEARCH_FOLDER) {
			/* Search folders hold no items of their own. */
			pst_freeItem(item);
			continue;
		}
		if (item->folder || nid_type == PW_NID_FOLDER) {
			int alone = w->opts->stripes > 1 && nid_type != PW_NID_FOLDER;

			pw_folder(w, item, d, parent);
			pst_freeItem(item);
			w->unsplit += alone;
			if (d->child)
				pw_walk_children(w, d->child, (int64_t)d->d_id, depth + 1);
			w->unsplit -= alone;
			if (w->looped)
				return;
			continue;
		}
		pw_u8(w->out, PW_MSG);
		pw_i64(w->out, parent);
		pw_i64(w->out, w->item_no);
		pw_message_body(w, item, d, NULL, 0);
		pw_u8(w->out, PW_END);
		w->messages++;
		pst_freeItem(item);
	}
}

int mbx_pstread_child(const char *path, const mbx_pstread_opts *opts, int fd)
{
	static pw_out out;   /* 64 KiB: off the stack, and this process is single-threaded */
	pst_file pf;
	pst_item *root;
	pst_desc_tree *top;
	pw_walk w;

	memset(&w, 0, sizeof(w));
	out.fd = fd;
	out.len = 0;
	w.out = &out;
	w.opts = opts;
	w.pf = &pf;
	/* 8-bit (ANSI) strings without a code page of their own are Western. */
	if (pst_open(&pf, path, "windows-1252") != 0)
		return 10;
	if (pst_load_index(&pf) != 0)
		return 11;
	{
		struct stat sb;
		w.file_size = fstat(fileno(pf.fp), &sb) == 0 ? (int64_t)sb.st_size : 0;
	}
	pst_load_extended_attributes(&pf);
	/* Every item needs at least one block: more items than blocks means
	 * libpst is going round a loop in a damaged tree. */
	w.item_limit = (int64_t)pf.i_count + 16;
	root = pst_parse_item(&pf, pf.d_head, NULL);
	if (!root)
		return 12;
	if (root->message_store) {
		pst_item_message_store *ms = root->message_store;
		if (ms->deleted_items_folder)
			w.role_nid[MBX_ROLE_DELETED] = ms->deleted_items_folder->id;
		if (ms->sent_items_folder)
			w.role_nid[MBX_ROLE_SENT] = ms->sent_items_folder->id;
		if (ms->default_outbox_folder)
			w.role_nid[MBX_ROLE_OUTBOX] = ms->default_outbox_folder->id;
	}
	top = pst_getTopOfFolders(&pf, root);
	if (!top) {
		pst_freeItem(root);
		return 13;
	}
	pw_u8(&out, PW_STORE);
	pw_str(&out, pw_utf8(root, &root->file_as));
	pw_u8(&out, PW_TOTAL);
	pw_i64(&out, pw_count(top->child, 0, w.item_limit));
	pw_walk_children(&w, top->child, 0, 0);
	pst_freeItem(root);
	if (w.looped) {
		pw_flush(&out);
		return 14;
	}
	pw_u8(&out, PW_DONE);
	pw_i64(&out, w.folders);
	pw_i64(&out, w.messages);
	pw_i64(&out, w.attachments);
	pw_i64(&out, w.bytes);
	pw_i64(&out, w.skipped);
	pw_flush(&out);
	pst_close(&pf);
	return 0;
}
