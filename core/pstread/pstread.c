/*
 * core/pstread/pstread.c - the parent side of the isolated libpst reader
 * (core/pstread.h): forks the child (pstread_child.c), watches it with a
 * time limit, decodes its stream (pstwire.h) into mbx_pstread_folder and
 * mbx_message values and hands them to the callbacks.  Whatever the child
 * sends is checked like any outside input: a child that crashes, hangs,
 * runs out of memory or sends garbage gives one error naming the file.
 */
#include "config.h"

#include <errno.h>
#include <iconv.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mbx/text.h"
#include "pstread/child.h"
#include "pstread/pstwire.h"

/* Most recipients or attachments one message may have before the stream
 * counts as garbage. */
#define PR_MAX_ENTRIES 1000000

typedef struct pr_reader {
	mbx_child c;             /* the child: pid, output pipe, exit, silence limit */
	int req;                 /* requests to a kept child (socket), -1 none */
	int garbage;             /* the stream broke the format */
	int64_t file_size;       /* no attachment is larger than the file */
	size_t pos, len;
	unsigned char buf[65536];
} pr_reader;

typedef struct pr_folder {
	int64_t id;
	char *path;
} pr_folder;

typedef struct pr_state {
	const char *path;
	const mbx_pstread_opts *opts;
	const mbx_pstread_cb *cb;
	void *ud;
	pr_reader *r;
	pr_folder *folders;
	size_t n_folders, cap_folders;
	int64_t items;           /* folders, messages and skipped items received */
	mbx_pstread_stats st;
	int have_done;
	/* Attachment data buffers, reused from message to message: fresh
	 * large allocations for every attachment cost more than the copy. */
	char **pool;
	size_t *pool_cap;
	size_t n_pool, next_pool;
} pr_state;

void mbx_pstread_opts_init(mbx_pstread_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->timeout_seconds = 600;
	opts->max_memory = INT64_C(4) << 30;
	opts->want_data = 1;
	opts->want_bodies = 1;
}

/* The shared child helpers (child.h) do the waiting and reaping. */
static void pr_reap(pr_reader *r, int nohang)
{
	mbx_child_reap(&r->c, nohang);
}

static int pr_wait(pr_reader *r)
{
	return mbx_child_wait(&r->c);
}

static int pr_fill(pr_reader *r)
{
	if (r->pos < r->len)
		return 0;
	r->pos = r->len = 0;
	for (;;) {
		ssize_t n;
		if (pr_wait(r) < 0)
			return -1;
		n = read(r->c.fd, r->buf, sizeof(r->buf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return -1;
		r->len = (size_t)n;
		return 0;
	}
}

static int pr_read(pr_reader *r, void *dst, size_t n)
{
	unsigned char *d = dst;

	while (n > 0) {
		size_t k;
		if (r->pos == r->len && n >= sizeof(r->buf)) {
			/* Large data (attachments) straight from the pipe. */
			ssize_t got;
			if (pr_wait(r) < 0)
				return -1;
			got = read(r->c.fd, d, n);
			if (got < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (got <= 0)
				return -1;
			d += got;
			n -= (size_t)got;
			continue;
		}
		if (pr_fill(r) < 0)
			return -1;
		k = r->len - r->pos;
		if (k > n)
			k = n;
		memcpy(d, r->buf + r->pos, k);
		r->pos += k;
		d += k;
		n -= k;
	}
	return 0;
}

static int pr_u8(pr_reader *r, unsigned *v)
{
	unsigned char b;

	if (pr_read(r, &b, 1) < 0)
		return -1;
	*v = b;
	return 0;
}

static int pr_i64(pr_reader *r, int64_t *v)
{
	return pr_read(r, v, sizeof(*v));
}

/* Make text valid UTF-8: libpst leaves 8-bit strings it could not convert
 * as they were; those are Windows code page 1252 in practice. */
static char *pr_to_utf8(char *s, size_t len)
{
	const char *from[] = { "CP1252", "ISO-8859-1" };
	size_t i;

	if (mbx_utf8_valid(s, len))
		return s;
	for (i = 0; i < sizeof(from) / sizeof(from[0]); i++) {
		iconv_t cd = iconv_open("UTF-8", from[i]);
		char *in = s, *out, *o;
		size_t inleft = len, outleft = len * 3 + 1;

		if (cd == (iconv_t)-1)
			continue;
		out = o = mbx_malloc(outleft);
		if (iconv(cd, &in, &inleft, &o, &outleft) != (size_t)-1) {
			*o = '\0';
			iconv_close(cd);
			mbx_free(s);
			return out;
		}
		iconv_close(cd);
		mbx_free(out);
	}
	/* Not reached in practice (ISO-8859-1 maps every byte); keep the
	 * promise of valid UTF-8 anyway. */
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 0x80)
			s[i] = '?';
	return s;
}

/* A string; *out NULL when the child sent none. */
static int pr_str(pr_reader *r, char **out)
{
	uint32_t len;
	char *s;

	*out = NULL;
	if (pr_read(r, &len, sizeof(len)) < 0)
		return -1;
	if (len == PW_NULL)
		return 0;
	if ((int64_t)len > r->file_size * 4 + 1024) {
		/* Text can not be much larger than the file it came from. */
		r->garbage = 1;
		return -1;
	}
	s = mbx_malloc((size_t)len + 1);
	if (pr_read(r, s, len) < 0) {
		mbx_free(s);
		return -1;
	}
	s[len] = '\0';
	if (strlen(s) != len)
		len = (uint32_t)strlen(s);   /* a NUL inside: keep the text before it */
	*out = pr_to_utf8(s, len);
	return 0;
}

static char **pr_str_field(mbx_message *m, unsigned field)
{
	switch (field) {
	case PW_F_CLASS: return &m->message_class;
	case PW_F_SUBJECT: return &m->subject;
	case PW_F_SENDER_NAME: return &m->sender_name;
	case PW_F_SENDER_ADDR: return &m->sender_address;
	case PW_F_SENDER_TYPE: return &m->sender_addrtype;
	case PW_F_BODY: return &m->body;
	case PW_F_HTML: return &m->html_body;
	case PW_F_HEADERS: return &m->transport_headers;
	case PW_F_MSGID: return &m->internet_message_id;
	default: return NULL;
	}
}

static int pr_int_field(mbx_message *m, unsigned field, int64_t v)
{
	switch (field) {
	case PW_F_SENT: m->sent_time = v; break;
	case PW_F_RECEIVED: m->received_time = v; break;
	case PW_F_FLAGS:
		m->flags = (uint32_t)v & 0x7F;
		m->associated = (v & MBX_MSG_ASSOCIATED) != 0;
		break;
	case PW_F_IMPORTANCE: m->importance = (v >= 0 && v <= 2) ? (int)v : 1; break;
	case PW_F_SIZE: m->size = v > 0 ? v : 0; break;
	case PW_F_FLAG_STATUS: m->flag_status = (v >= 0 && v <= 2) ? (int)v : 0; break;
	default: return -1;
	}
	return 0;
}

static int pr_recipient(pr_reader *r, mbx_message *m)
{
	mbx_msg_recipient *rc;
	unsigned type;

	if (m->n_recipients >= PR_MAX_ENTRIES || pr_u8(r, &type) < 0)
		return -1;
	if (type < MBX_RECIP_TO || type > MBX_RECIP_BCC) {
		r->garbage = 1;
		return -1;
	}
	m->recipients = mbx_reallocarray(m->recipients, m->n_recipients + 1, sizeof(*rc));
	rc = &m->recipients[m->n_recipients++];
	memset(rc, 0, sizeof(*rc));
	rc->type = (mbx_recip_type)type;
	if (pr_str(r, &rc->name) < 0 || pr_str(r, &rc->address) < 0 || pr_str(r, &rc->addrtype) < 0)
		return -1;
	return 0;
}

static int pr_attachment(pr_reader *r, mbx_message *m, pr_state *s)
{
	mbx_attachment *a;
	unsigned has_data;
	int64_t size;

	if (m->n_attachments >= PR_MAX_ENTRIES)
		return -1;
	m->attachments = mbx_reallocarray(m->attachments, m->n_attachments + 1, sizeof(*a));
	a = &m->attachments[m->n_attachments++];
	memset(a, 0, sizeof(*a));
	if (pr_str(r, &a->filename) < 0 || pr_str(r, &a->mime_type) < 0 ||
	    pr_i64(r, &size) < 0 || pr_u8(r, &has_data) < 0)
		return -1;
	if (size < 0 || size > r->file_size || has_data > 1) {
		r->garbage = 1;
		return -1;
	}
	a->size = size;
	if (has_data && size > 0) {
		size_t i = s->next_pool++;
		if (i == s->n_pool) {
			s->pool = mbx_reallocarray(s->pool, s->n_pool + 1, sizeof(*s->pool));
			s->pool_cap = mbx_reallocarray(s->pool_cap, s->n_pool + 1, sizeof(*s->pool_cap));
			s->pool[i] = NULL;
			s->pool_cap[i] = 0;
			s->n_pool++;
		}
		if (s->pool_cap[i] < (size_t)size) {
			mbx_free(s->pool[i]);
			s->pool[i] = mbx_malloc((size_t)size);
			s->pool_cap[i] = (size_t)size;
		}
		if (pr_read(r, s->pool[i], (size_t)size) < 0)
			return -1;
		a->data = s->pool[i];
	}
	s->st.attachments++;
	s->st.attachment_bytes += size;
	return 0;
}

/* One extra property (PW_PROP) into the message's bag, beside its
 * fields; checked like any outside input. */
static int pr_prop(pr_reader *r, mbx_message *m)
{
	static const uint8_t plain[16];
	mbx_msg_prop p;
	uint32_t id;
	uint16_t type;
	int rc = 0;

	memset(&p, 0, sizeof(p));
	if (m->bag.n >= PR_MAX_ENTRIES || pr_read(r, p.guid, sizeof(p.guid)) < 0 ||
	    pr_read(r, &id, sizeof(id)) < 0 || pr_read(r, &type, sizeof(type)) < 0)
		return -1;
	if ((type != MBX_PT_LONG && type != MBX_PT_DOUBLE && type != MBX_PT_BOOLEAN &&
	     type != MBX_PT_UNICODE && type != MBX_PT_SYSTIME) ||
	    (memcmp(p.guid, plain, 16) == 0 && (id == 0 || id >= 0x8000))) {
		r->garbage = 1;
		return -1;
	}
	p.id = id;
	p.type = type;
	if (type == MBX_PT_UNICODE) {
		rc = pr_str(r, &p.s);
		/* a bag holds UTF-16: what libpst gave that is not UTF-8 is
		 * cleaned here, as the export cleaned it before bags */
		if (rc == 0 && p.s && !mbx_utf8_valid(p.s, strlen(p.s))) {
			char *clean = mbx_text_clean(p.s, -1, 0, NULL);

			mbx_free(p.s);
			p.s = clean;
		}
	} else if (type == MBX_PT_DOUBLE)
		rc = pr_read(r, &p.d, sizeof(p.d));
	else
		rc = pr_i64(r, &p.i);
	/* The same property twice: the bag keeps the last. */
	if (rc == 0 && mbx_message_prop_set(m, &p) < 0) {
		r->garbage = 1;
		rc = -1;
	}
	mbx_free(p.s);
	return rc < 0 ? -1 : 0;
}

/* Fields of a message up to its PW_END. */
static int pr_message(pr_reader *r, mbx_message *m, pr_state *s, int depth)
{
	unsigned tag, field;

	m->importance = 1;
	for (;;) {
		if (pr_u8(r, &tag) < 0)
			return -1;
		switch (tag) {
		case PW_END:
			return 0;
		case PW_STR: {
			char **dst, *v;
			if (pr_u8(r, &field) < 0 || pr_str(r, &v) < 0)
				return -1;
			dst = pr_str_field(m, field);
			if (!dst) {
				mbx_free(v);
				r->garbage = 1;
				return -1;
			}
			mbx_free(*dst);
			*dst = v;
			break;
		}
		case PW_INT: {
			int64_t v;
			if (pr_u8(r, &field) < 0 || pr_i64(r, &v) < 0)
				return -1;
			if (pr_int_field(m, field, v) < 0) {
				r->garbage = 1;
				return -1;
			}
			break;
		}
		case PW_RCP:
			if (pr_recipient(r, m) < 0)
				return -1;
			break;
		case PW_ATT:
			if (pr_attachment(r, m, s) < 0)
				return -1;
			break;
		case PW_PROP:
			if (pr_prop(r, m) < 0)
				return -1;
			break;
		case PW_BAD:
			if (m->n_attachments == 0 || m->attachments[m->n_attachments - 1].size != 0) {
				r->garbage = 1;
				return -1;
			}
			s->st.damaged++;
			break;
		case PW_EMB: {
			mbx_attachment *a;
			if (depth >= PW_MAX_DEPTH || m->n_attachments == 0 ||
			    m->attachments[m->n_attachments - 1].embedded) {
				r->garbage = 1;
				return -1;
			}
			a = &m->attachments[m->n_attachments - 1];
			a->embedded = mbx_calloc(1, sizeof(*a->embedded));
			if (pr_message(r, a->embedded, s, depth + 1) < 0)
				return -1;
			break;
		}
		default:
			r->garbage = 1;
			return -1;
		}
	}
}

static pr_folder *pr_folder_find(pr_state *s, int64_t id)
{
	size_t i;

	/* Children follow their parents closely: search from the end. */
	for (i = s->n_folders; i > 0; i--)
		if (s->folders[i - 1].id == id)
			return &s->folders[i - 1];
	return NULL;
}

static int pr_on_folder(pr_state *s, int *cb_rc)
{
	pr_reader *r = s->r;
	mbx_pstread_folder f;
	char *name = NULL, *klass = NULL, *path = NULL;
	pr_folder *parent = NULL;
	int64_t role;
	int rc = -1;

	memset(&f, 0, sizeof(f));
	if (pr_i64(r, &f.id) < 0 || pr_i64(r, &f.parent_id) < 0 || pr_i64(r, &f.item_count) < 0 ||
	    pr_str(r, &name) < 0 || pr_str(r, &klass) < 0 || pr_i64(r, &role) < 0)
		goto out;
	if (role < 0 || role >= MBX_ROLE_COUNT) {
		r->garbage = 1;
		goto out;
	}
	if (f.id == 0 || pr_folder_find(s, f.id) ||
	    (f.parent_id != 0 && !(parent = pr_folder_find(s, f.parent_id)))) {
		r->garbage = 1;
		goto out;
	}
	if (!name)
		name = mbx_strdup("");
	path = parent ? mbx_asprintf("%s/%s", parent->path, name) : mbx_strdup(name);
	f.name = name;
	f.container_class = klass;
	f.path = path;
	/* The store object names Deleted Items, Sent Items and the Outbox in
	 * any language; the others are recognized by their English names. */
	f.role = role ? (mbx_folder_role)role :
	         f.parent_id == 0 ? mbx_folder_role_parse(name) : MBX_ROLE_NONE;
	if (f.item_count < 0)
		f.item_count = 0;
	if (s->n_folders == s->cap_folders) {
		s->cap_folders = s->cap_folders ? s->cap_folders * 2 : 64;
		s->folders = mbx_reallocarray(s->folders, s->cap_folders, sizeof(*s->folders));
	}
	s->folders[s->n_folders].id = f.id;
	s->folders[s->n_folders].path = path;
	s->n_folders++;
	path = NULL;
	s->items++;
	s->st.folders++;
	if (s->cb && s->cb->folder)
		*cb_rc = s->cb->folder(s->ud, &f);
	rc = 0;
out:
	mbx_free(name);
	mbx_free(klass);
	mbx_free(path);
	return rc;
}

/* 0 read (the callback's value in *cb_rc), -1 stream error. */
static int pr_on_message(pr_state *s, int *cb_rc)
{
	pr_reader *r = s->r;
	mbx_message m;
	int64_t folder_id, item_no;
	int rc = -1;

	memset(&m, 0, sizeof(m));
	if (pr_i64(r, &folder_id) < 0 || pr_i64(r, &item_no) < 0)
		goto out;
	if (folder_id != 0 && !pr_folder_find(s, folder_id)) {
		r->garbage = 1;
		goto out;
	}
	s->next_pool = 0;
	if (pr_message(r, &m, s, 0) < 0)
		goto out;
	m.id = item_no;
	m.folder_id = folder_id;
	s->items++;
	s->st.messages++;
	rc = 0;
	if (s->cb && s->cb->message)
		*cb_rc = s->cb->message(s->ud, folder_id, &m);
out:
	/* Attachment data belongs to the reader's pool (pr_state): the
	 * message does not own it, and mbx_message_clear leaves it. */
	mbx_message_clear(&m);
	return rc;
}

/* Read records until PW_DONE; 0 done, -1 stream ended or broke, or the
 * callback's non-zero value in *cb_rc. */
static int pr_loop(pr_state *s, int *cb_rc)
{
	pr_reader *r = s->r;
	unsigned tag;

	for (;;) {
		if (pr_u8(r, &tag) < 0)
			return -1;
		switch (tag) {
		case PW_STORE: {
			char *name;
			if (pr_str(r, &name) < 0)
				return -1;
			mbx_free(s->st.store_name);
			s->st.store_name = name;
			break;
		}
		case PW_TOTAL: {
			int64_t n;
			if (pr_i64(r, &n) < 0)
				return -1;
			if (n < 0) {
				r->garbage = 1;
				return -1;
			}
			if (s->cb && s->cb->total && (*cb_rc = s->cb->total(s->ud, n)) != 0)
				return 0;
			break;
		}
		case PW_FOLDER:
			if (pr_on_folder(s, cb_rc) < 0)
				return -1;
			if (*cb_rc != 0)
				return 0;
			break;
		case PW_MSG:
			if (pr_on_message(s, cb_rc) < 0)
				return -1;
			if (*cb_rc != 0)
				return 0;
			break;
		case PW_SKIP: {
			int64_t n;
			if (pr_i64(r, &n) < 0)
				return -1;
			s->items++;
			s->st.skipped++;
			break;
		}
		case PW_DONE: {
			int64_t v[5];
			if (pr_read(r, v, sizeof(v)) < 0)
				return -1;
			if (v[0] != s->st.folders || v[1] != s->st.messages ||
			    v[2] != s->st.attachments || v[3] != s->st.attachment_bytes ||
			    v[4] != s->st.skipped) {
				r->garbage = 1;
				return -1;
			}
			s->have_done = 1;
			return 0;
		}
		default:
			r->garbage = 1;
			return -1;
		}
	}
}

/*
 * Keep the child's whole output in an unlinked temporary file, reap the
 * child, and read from the file from now on (mbx_pstread_opts.spool).
 * 0, or <0 with the error set (the child's failure is the caller's to
 * report: r->c.status).
 */
static int pr_spool(pr_state *s)
{
	pr_reader *r = s->r;
	int fd, rc;

	rc = mbx_child_spool(&r->c, r->buf, sizeof(r->buf), s->path, &fd);
	if (rc < 0) {
		kill(r->c.pid, SIGKILL);
		pr_reap(r, 0);
		return rc;
	}
	if (r->c.timed_out) {
		kill(r->c.pid, SIGKILL);
		pr_reap(r, 0);
		close(fd);
		return 0;
	}
	pr_reap(r, 0);
	close(r->c.fd);
	r->c.fd = fd;
	r->pos = r->len = 0;
	if (lseek(fd, 0, SEEK_SET) != 0)
		return mbx_error_set(MBX_EIO, "%s: can not read back the temporary file: %s", s->path,
		                     strerror(errno));
	return 0;
}

static const char *pr_child_why(int code)
{
	switch (code) {
	case 10: return "libpst can not open it: no PST header, or a format version libpst does not read";
	case 11: return "its index B-trees are unreadable";
	case 12: return "its message store object is unreadable";
	case 13: return "it has no Top of Personal Folders";
	case 14: return "its folder tree loops";
	case 3: return "the reader's output pipe broke";
	case 4: return "the reader could not start";
	case 5: return "the reader ran out of memory";
	default: return "libpst gave up";
	}
}

static int pr_error(pr_state *s)
{
	pr_reader *r = s->r;
	char why[160];

	if (r->c.timed_out)
		snprintf(why, sizeof(why), "libpst made no progress for %d s", r->c.timeout_ms / 1000);
	else if (r->garbage)
		snprintf(why, sizeof(why), "the reader sent malformed data");
	else if (r->c.exited && WIFSIGNALED(r->c.status))
		snprintf(why, sizeof(why), "libpst crashed (%s)", strsignal(WTERMSIG(r->c.status)));
	else if (r->c.exited && WIFEXITED(r->c.status) && WEXITSTATUS(r->c.status) != 0)
		snprintf(why, sizeof(why), "%s", pr_child_why(WEXITSTATUS(r->c.status)));
	else
		snprintf(why, sizeof(why), "the reader stopped early (out of memory?)");
	return mbx_error_set(MBX_ECORRUPT,
		"%s: not a readable PST (libpst stopped at item %lld); %s. "
		"Check the file with `mbxrescue pst-check`, or repair it with scanpst.exe",
		s->path, (long long)s->items + 1, why);
}

/*
 * The child is a fresh process image: after fork() it execs this very
 * program (/proc/self/exe, or MBX_READER_EXE), whose constructor below
 * runs the reader.  A forked copy of a multi-threaded parent could inherit
 * a lock another thread held at fork time (iconv's, the sanitizers'
 * allocator) and hang in libpst's first iconv_open or malloc; a new image
 * holds none.  Only when exec is impossible (no /proc) does the forked
 * copy read itself.
 *
 * Starting that image costs more than reading a small PST (the dynamic
 * loader maps some 30 libraries): a caller that reads many files asks
 * (keep_reader) for its child to stay, and the child then serves one
 * request after the other, each "u32 length, path, u8 want_data, u8
 * want_bodies" on fd 4, answered on fd 3 as the first one was.
 */
#define PR_ENV_CHILD "MBX_PSTREAD_CHILD"
#define PR_ENV_FILE "MBX_PSTREAD_FILE"
#define PR_ENV_OPTS "MBX_PSTREAD_OPTS"
#define PR_REQ_FD MBX_CHILD_REQ_FD
/* A kept child reads this many files, then a fresh one takes over (what
 * libpst does not give back stays bounded). */
#define PR_KEEP_USES 200

static int pr_read_full(int fd, void *buf, size_t n)
{
	unsigned char *p = buf;

	while (n > 0) {
		ssize_t got = read(fd, p, n);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return -1;
		p += got;
		n -= (size_t)got;
	}
	return 0;
}

/* The child's further requests; returns when the parent hangs up. */
static int pr_serve(void)
{
	static char path[PATH_MAX + 1];
	mbx_pstread_opts opts;
	unsigned char flags[2];
	uint32_t len;
	int rc;

	for (;;) {
		if (pr_read_full(PR_REQ_FD, &len, sizeof(len)) < 0)
			return 0;
		if (len == 0 || len > PATH_MAX || pr_read_full(PR_REQ_FD, path, len) < 0 ||
		    pr_read_full(PR_REQ_FD, flags, sizeof(flags)) < 0)
			return 4;
		path[len] = '\0';
		mbx_pstread_opts_init(&opts);
		opts.want_data = flags[0] == 1;
		opts.want_bodies = flags[1] == 1;
		rc = mbx_pstread_child(path, &opts, 3);
		if (rc != 0)
			return rc;
	}
}

static void pr_exec_entry(void) __attribute__((constructor));
static void pr_exec_entry(void)
{
	const char *flag = getenv(PR_ENV_CHILD), *file, *o;
	mbx_pstread_opts opts;
	int rc;

	if (!flag || (strcmp(flag, "1") != 0 && strcmp(flag, "serve") != 0))
		return;
	file = getenv(PR_ENV_FILE);
	o = getenv(PR_ENV_OPTS);
	if (!file || !o || strlen(o) < 2)
		_exit(4);
	mbx_pstread_opts_init(&opts);
	opts.want_data = o[0] == '1';
	opts.want_bodies = o[1] == '1';
	if (sscanf(o + 2, "%d/%d", &opts.stripe, &opts.stripes) != 2 || opts.stripes < 1 ||
	    opts.stripe < 0 || opts.stripe >= opts.stripes)
		_exit(4);
	rc = mbx_pstread_child(file, &opts, 3);
	if (rc == 0 && strcmp(flag, "serve") == 0)
		rc = pr_serve();
	_exit(rc);
}

/* The environment of the exec'd child, built before fork (allocation
 * after fork is what this avoids). */
static char **pr_child_env(const char *path, const mbx_pstread_opts *opts, int serve)
{
	extern char **environ;
	size_t n = 0, k = 0, i;
	char **env;
	int tunables = 0;

	while (environ && environ[n])
		n++;
	env = mbx_calloc(n + 5, sizeof(*env));
	for (i = 0; i < n; i++) {
		if (strncmp(environ[i], "MBX_PSTREAD_", 12) != 0)
			env[k++] = environ[i];
		if (strncmp(environ[i], "GLIBC_TUNABLES=", 15) == 0)
			tunables = 1;
	}
	/* libpst allocates and frees a few hundred small pieces per item
	 * (malloc and free were a quarter of the child's time): a deeper
	 * per-thread cache keeps them out of the allocator's slow paths
	 * (user time of the child -15 % on 200,000 messages).  The caller's
	 * own GLIBC_TUNABLES, if any, is left as it is. */
	if (!tunables)
		env[k++] = mbx_strdup("GLIBC_TUNABLES=glibc.malloc.tcache_count=4096");
	env[k++] = mbx_strdup(serve ? PR_ENV_CHILD "=serve" : PR_ENV_CHILD "=1");
	env[k++] = mbx_asprintf(PR_ENV_FILE "=%s", path);
	env[k++] = mbx_asprintf(PR_ENV_OPTS "=%d%d%d/%d", opts->want_data ? 1 : 0, opts->want_bodies ? 1 : 0,
	                        opts->stripes > 1 ? opts->stripe : 0, opts->stripes > 1 ? opts->stripes : 1);
	env[k] = NULL;
	return env;
}

static void pr_child_env_free(char **env)
{
	size_t n = 0;

	while (env[n])
		n++;
	/* The last three are ours, and the GLIBC_TUNABLES before them when
	 * environ has none; the others belong to environ. */
	if (n >= 3) {
		extern char **environ;
		size_t i;
		int theirs = 0;

		mbx_free(env[n - 1]);
		mbx_free(env[n - 2]);
		mbx_free(env[n - 3]);
		for (i = 0; environ && environ[i]; i++)
			theirs |= strncmp(environ[i], "GLIBC_TUNABLES=", 15) == 0;
		if (n >= 4 && !theirs && strncmp(env[n - 4], "GLIBC_TUNABLES=", 15) == 0)
			mbx_free(env[n - 4]);
	}
	mbx_free(env);
}

/*
 * The program the child execs: this one, or MBX_READER_EXE when set (the
 * same binary, named so that a tool can follow it: valgrind
 * --trace-children=yes runs the program it is given, not /proc/self/exe,
 * so the reader is checked too; see README, Testing).
 */
static const char *pr_exe(void)
{
	return mbx_child_exe();
}

/* The forked child: never returns. */
static void pr_child(const char *path, const mbx_pstread_opts *opts, int fd, int req,
                     int64_t max_memory, char **env, const char *exe)
{
	static char arg0[] = "mbxrescue-pstread";
	char *argv[] = { arg0, NULL };

	/* The pipe at fd 3, the requests (when kept) at fd 4, nothing else
	 * (libpst must never write to the terminal), the memory limit. */
	mbx_child_prepare(fd, req, max_memory);
	fd = MBX_CHILD_OUT_FD;
	execve(exe, argv, env);
	if (req >= 0) {
		int rc = mbx_pstread_child(path, opts, fd);

		_exit(rc == 0 ? pr_serve() : rc);
	}
	_exit(mbx_pstread_child(path, opts, fd));
}

/* ---- children kept between reads ----------------------------------------- */

typedef struct pr_kept {
	pr_reader *r;
	int want_data, want_bodies;
	int64_t max_memory;
	int uses;
} pr_kept;

static pthread_key_t kept_key;
static pthread_once_t kept_once = PTHREAD_ONCE_INIT;

static void pr_discard(pr_reader *r)
{
	if (!r)
		return;
	if (r->req >= 0)
		close(r->req);     /* an idle child takes that as its end */
	if (!r->c.exited)
		kill(r->c.pid, SIGKILL);
	pr_reap(r, 0);
	close(r->c.fd);
	mbx_free(r);
}

/* An idle kept child: hung up on, it ends by itself (and a tool that
 * watches it, valgrind, can say its last word); killed only if it does
 * not within 10 s. */
static void pr_retire(pr_reader *r)
{
	int i;

	if (!r)
		return;
	if (r->req >= 0) {
		close(r->req);
		r->req = -1;
	}
	for (i = 0; i < 1000 && !r->c.exited; i++) {
		pr_reap(r, 1);
		if (!r->c.exited)
			usleep(i < 10 ? 1000 : 10000);
	}
	pr_discard(r);
}

static void kept_destroy(void *p)
{
	pr_kept *k = p;

	pr_retire(k->r);
	mbx_free(k);
}

static void kept_init(void)
{
	pthread_key_create(&kept_key, kept_destroy);
}

void mbx_pstread_release(void)
{
	pr_kept *k;

	pthread_once(&kept_once, kept_init);
	k = pthread_getspecific(kept_key);
	if (k) {
		pthread_setspecific(kept_key, NULL);
		kept_destroy(k);
	}
}

/* The calling thread's kept child for these options, alive, or NULL. */
static pr_reader *kept_take(const mbx_pstread_opts *o, int *uses)
{
	pr_kept *k;
	pr_reader *r;

	pthread_once(&kept_once, kept_init);
	k = pthread_getspecific(kept_key);
	if (!k || !k->r)
		return NULL;
	r = k->r;
	k->r = NULL;
	pr_reap(r, 1);
	if (r->c.exited || k->want_data != o->want_data || k->want_bodies != o->want_bodies ||
	    k->max_memory != o->max_memory || k->uses >= PR_KEEP_USES) {
		pr_retire(r);
		return NULL;
	}
	*uses = k->uses;
	return r;
}

static void kept_put(pr_reader *r, const mbx_pstread_opts *o, int uses)
{
	pr_kept *k = pthread_getspecific(kept_key);

	if (!k) {
		k = mbx_calloc(1, sizeof(*k));
		pthread_setspecific(kept_key, k);
	}
	pr_retire(k->r);
	k->r = r;
	k->want_data = o->want_data;
	k->want_bodies = o->want_bodies;
	k->max_memory = o->max_memory;
	k->uses = uses;
}

/* The next file for a kept child; 0 sent. */
static int pr_request(pr_reader *r, const char *path, const mbx_pstread_opts *o)
{
	size_t len = strlen(path), n = sizeof(uint32_t) + len + 2, off = 0;
	unsigned char *msg;
	uint32_t l32 = (uint32_t)len;
	int rc = 0;

	if (len == 0 || len > PATH_MAX)
		return -1;
	msg = mbx_malloc(n);
	memcpy(msg, &l32, sizeof(l32));
	memcpy(msg + sizeof(l32), path, len);
	msg[n - 2] = o->want_data ? 1 : 0;
	msg[n - 1] = o->want_bodies ? 1 : 0;
	while (off < n) {
		/* A socket, so that a child gone meanwhile is EPIPE, not SIGPIPE. */
		ssize_t w = send(r->req, msg + off, n - off, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rc = -1;
			break;
		}
		off += (size_t)w;
	}
	mbx_free(msg);
	return rc;
}

/* A new child for path; *out its reader. */
static int pr_spawn(const char *path, const mbx_pstread_opts *opts, pr_reader **out)
{
	int fds[2] = { -1, -1 }, req[2] = { -1, -1 };
	pr_reader *r;
	char **env;
	const char *exe;
	int rc;

	*out = NULL;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return mbx_error_set(MBX_EIO, "%s: can not start the PST reader: %s", path, strerror(errno));
	if (opts->keep_reader && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, req) < 0) {
		rc = mbx_error_set(MBX_EIO, "%s: can not start the PST reader: %s", path, strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return rc;
	}
	/* A larger pipe: fewer wake-ups while attachments stream through. */
	(void)fcntl(fds[0], F_SETPIPE_SZ, 1 << 20);
	r = mbx_calloc(1, sizeof(*r));
	r->c.fd = fds[0];
	r->req = req[0];
	env = pr_child_env(path, opts, opts->keep_reader);
	exe = pr_exe();
	/* Flush our stdio so the child can not write our buffers twice. */
	fflush(NULL);
	r->c.pid = fork();
	if (r->c.pid < 0) {
		rc = mbx_error_set(MBX_EIO, "%s: can not start the PST reader: %s", path, strerror(errno));
		close(fds[0]);
		close(fds[1]);
		if (req[0] >= 0) {
			close(req[0]);
			close(req[1]);
		}
		pr_child_env_free(env);
		mbx_free(r);
		return rc;
	}
	if (r->c.pid == 0) {
		close(fds[0]);
		if (req[0] >= 0)
			close(req[0]);
		pr_child(path, opts, fds[1], req[1], opts->max_memory, env, exe);
	}
	close(fds[1]);
	if (req[1] >= 0)
		close(req[1]);
	pr_child_env_free(env);
	*out = r;
	return 0;
}

int mbx_pstread_run(const char *path, const mbx_pstread_opts *opts_in, const mbx_pstread_cb *cb,
                    void *ud, mbx_pstread_stats *stats)
{
	mbx_pstread_opts opts;
	pr_state s;
	pr_reader *r = NULL;
	struct stat sb;
	int rc = 0, cb_rc = 0, uses = 0;
	size_t i;

	memset(&s, 0, sizeof(s));
	if (stats)
		memset(stats, 0, sizeof(*stats));
	if (opts_in)
		opts = *opts_in;
	else
		mbx_pstread_opts_init(&opts);
	if (opts.timeout_seconds <= 0)
		opts.timeout_seconds = 600;
	if (opts.max_memory <= 0)
		opts.max_memory = INT64_C(4) << 30;
	/* A spooled read waits for the child's end: no child to keep; nor a
	 * child of a split read (its stripe is fixed at its start). */
	if (opts.spool || opts.stripes > 1)
		opts.keep_reader = 0;

	if (stat(path, &sb) < 0)
		return mbx_error_set(errno == ENOENT ? MBX_ENOTFOUND : MBX_EIO,
		                     "%s: %s", path, strerror(errno));
	if (!S_ISREG(sb.st_mode))
		return mbx_error_set(MBX_EINVAL, "%s: not a regular file; give the path of a .pst file", path);
	if (access(path, R_OK) < 0)
		return mbx_error_set(MBX_EIO, "%s: %s", path, strerror(errno));
	if (sb.st_size == 0)
		return mbx_error_set(MBX_ECORRUPT,
			"%s: not a readable PST (libpst stopped at item 1); the file is empty", path);

	if (opts.keep_reader && (r = kept_take(&opts, &uses)) && pr_request(r, path, &opts) < 0) {
		pr_discard(r);
		r = NULL;
	}
	if (!r) {
		uses = 0;
		rc = pr_spawn(path, &opts, &r);
		if (rc < 0)
			return rc;
	}
	r->pos = r->len = 0;
	r->c.timed_out = r->garbage = 0;
	r->file_size = (int64_t)sb.st_size;
	r->c.timeout_ms = opts.timeout_seconds * 1000;

	s.path = path;
	s.opts = &opts;
	s.cb = cb;
	s.ud = ud;
	s.r = r;
	if (opts.spool) {
		if ((rc = pr_spool(&s)) < 0)
			goto out;
		if (r->c.timed_out || !WIFEXITED(r->c.status) || WEXITSTATUS(r->c.status) != 0) {
			/* Read what there is without callbacks: the error names the item. */
			s.cb = NULL;
			(void)pr_loop(&s, &cb_rc);
			rc = pr_error(&s);
			goto out;
		}
	}
	if (pr_loop(&s, &cb_rc) < 0 || (!s.have_done && cb_rc == 0)) {
		if (!r->c.exited)
			kill(r->c.pid, SIGKILL);
		pr_reap(r, 0);
		rc = pr_error(&s);
		goto out;
	}
	if (cb_rc != 0) {
		/* The caller stopped the read: end the child now (a spooled
		 * read's child is gone already: its pid may be another's). */
		if (!r->c.exited)
			kill(r->c.pid, SIGKILL);
		pr_reap(r, 0);
		rc = cb_rc;
		goto out;
	}
	if (opts.keep_reader) {
		/* The whole stream arrived: the child waits for the next file. */
		kept_put(r, &opts, uses + 1);
		r = NULL;
		goto out;
	}
	pr_reap(r, 0);
	if (!WIFEXITED(r->c.status) || WEXITSTATUS(r->c.status) != 0) {
		rc = pr_error(&s);
		goto out;
	}
out:
	if (r) {
		if (!r->c.exited)
			kill(r->c.pid, SIGKILL);
		pr_discard(r);
	}
	for (i = 0; i < s.n_folders; i++)
		mbx_free(s.folders[i].path);
	mbx_free(s.folders);
	for (i = 0; i < s.n_pool; i++)
		mbx_free(s.pool[i]);
	mbx_free(s.pool);
	mbx_free(s.pool_cap);
	if (stats)
		*stats = s.st;
	else
		mbx_free(s.st.store_name);
	return rc;
}
