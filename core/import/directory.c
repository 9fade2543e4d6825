/*
 * core/import/directory.c - directory import (recipients from LDIF or CSV)
 * and export (LDIF of the recipients the adjuster created).
 *
 * An entry becomes a recipient like this: the kind from objectClass
 * (user/person -> mailbox, contact -> custom recipient, group -> list),
 * the alias from mailNickname, sAMAccountName or uid (else the first RDN
 * value), the display name from displayName (else cn), SMTP from mail,
 * and the link to a store mailbox from legacyExchangeDN or
 * msExchMailboxGuid.  The readers (LDIF, CSV, LDAP) hand entries over as
 * they read them; each is mapped and applied at once inside one
 * transaction, which is rolled back when any entry was malformed: one
 * malformed entry and nothing is applied, and a directory of 100,000
 * entries never sits in memory whole.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <lber.h>
#include <ldap.h>
#include <ldif.h>

#include "directory_int.h"
#include "mbx/text.h"

/* ---- Entry lists and reports ----------------------------------------- */

void dir_attr_add(dir_entry *e, const char *name, size_t name_len, const char *value,
                  size_t len, int64_t line)
{
	dir_attr *a;

	e->attrs = mbx_reallocarray(e->attrs, e->n_attrs + 1, sizeof(*e->attrs));
	a = &e->attrs[e->n_attrs++];
	a->name = mbx_strndup(name, name_len);
	a->value = mbx_malloc(len + 1);
	memcpy(a->value, value, len);
	a->value[len] = '\0';
	a->len = len;
	a->line = line;
}

dir_entry *dir_entry_new(dir_list *l, int64_t line, const char *dn, size_t dn_len)
{
	dir_entry *e;

	l->entries = mbx_reallocarray(l->entries, l->n + 1, sizeof(*l->entries));
	e = &l->entries[l->n++];
	memset(e, 0, sizeof(*e));
	e->line = line;
	e->dn = mbx_strndup(dn, dn_len);
	return e;
}

void dir_list_clear(dir_list *l)
{
	size_t i, j;

	for (i = 0; i < l->n; i++) {
		for (j = 0; j < l->entries[i].n_attrs; j++) {
			mbx_free(l->entries[i].attrs[j].name);
			mbx_free(l->entries[i].attrs[j].value);
		}
		mbx_free(l->entries[i].attrs);
		mbx_free(l->entries[i].dn);
	}
	mbx_free(l->entries);
	memset(l, 0, sizeof(*l));
}

/* ---- A small map from text (ASCII case ignored, as SQLite's NOCASE) -------- */

typedef struct dir_index {
	char **keys;
	int64_t *vals;
	size_t cap, n;
} dir_index;

static uint64_t dir_hash(const char *k)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *k; k++) {
		h ^= (unsigned char)tolower((unsigned char)*k);
		h *= 1099511628211ULL;
	}
	return h;
}

static size_t dir_index_slot(const dir_index *m, const char *k)
{
	size_t i = (size_t)dir_hash(k) & (m->cap - 1);

	while (m->keys[i] && strcasecmp(m->keys[i], k) != 0)
		i = (i + 1) & (m->cap - 1);
	return i;
}

static int dir_index_get(const dir_index *m, const char *k, int64_t *v)
{
	size_t i;

	if (!m->cap || !k)
		return 0;
	i = dir_index_slot(m, k);
	if (!m->keys[i])
		return 0;
	*v = m->vals[i];
	return 1;
}

/* Insert when absent (the first value stays). */
static void dir_index_put(dir_index *m, const char *k, int64_t v)
{
	size_t i;

	if (2 * (m->n + 1) > m->cap) {
		dir_index old = *m;
		size_t j;

		m->cap = old.cap ? old.cap * 2 : 64;
		m->keys = mbx_calloc(m->cap, sizeof(*m->keys));
		m->vals = mbx_calloc(m->cap, sizeof(*m->vals));
		for (j = 0; j < old.cap; j++) {
			if (old.keys[j]) {
				i = dir_index_slot(m, old.keys[j]);
				m->keys[i] = old.keys[j];
				m->vals[i] = old.vals[j];
			}
		}
		mbx_free(old.keys);
		mbx_free(old.vals);
	}
	i = dir_index_slot(m, k);
	if (m->keys[i])
		return;
	m->keys[i] = mbx_strdup(k);
	m->vals[i] = v;
	m->n++;
}

static void dir_index_free(dir_index *m)
{
	size_t i;

	for (i = 0; i < m->cap; i++)
		mbx_free(m->keys[i]);
	mbx_free(m->keys);
	mbx_free(m->vals);
	memset(m, 0, sizeof(*m));
}

/* The import's state while a reader feeds it (dir_sink_flush). */
struct dir_sink {
	mbx_store *st;
	mbx_dir_report *rep;
	const char *where;       /* "line" (files) or "entry" (LDAP): what e->line counts */
	mbx_server_info srv;
	mbx_mailbox *mb;         /* the store's mailboxes, to link recipients to */
	size_t n_mb;
	dir_index by_guid, by_dn;  /* mailbox index by GUID and by legacy DN */
	dir_index aliases;         /* alias -> line of the entry that has it */
	int64_t entries;         /* entries handed over so far */
};

static void dir_quiet_print(const char *msg)
{
	(void)msg;
}

static void dir_quiet_init(void)
{
	int zero = 0;

	ber_set_option(NULL, LBER_OPT_LOG_PRINT_FN, (const void *)dir_quiet_print);
	ber_set_option(NULL, LBER_OPT_DEBUG_LEVEL, &zero);
	ldap_set_option(NULL, LDAP_OPT_DEBUG_LEVEL, &zero);
}

void dir_ldap_quiet(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, dir_quiet_init);
}

static mbx_dir_entry_report *dir_report_add(mbx_dir_report *rep, int64_t line,
                                            mbx_dir_action action, const char *alias)
{
	mbx_dir_entry_report *r;

	rep->entries = mbx_reallocarray(rep->entries, rep->n_entries + 1, sizeof(*rep->entries));
	r = &rep->entries[rep->n_entries++];
	memset(r, 0, sizeof(*r));
	r->line = line;
	r->action = action;
	r->alias = alias ? mbx_strdup(alias) : NULL;
	switch (action) {
	case MBX_DIR_CREATED: rep->created++; break;
	case MBX_DIR_UPDATED: rep->updated++; break;
	case MBX_DIR_SKIPPED: rep->skipped++; break;
	case MBX_DIR_ERROR: rep->errors++; break;
	}
	return r;
}

void dir_report_error(mbx_dir_report *rep, int64_t line, const char *fmt, ...)
{
	mbx_dir_entry_report *r = dir_report_add(rep, line, MBX_DIR_ERROR, NULL);
	va_list ap;

	va_start(ap, fmt);
	r->detail = mbx_vasprintf(fmt, ap);
	va_end(ap);
}

void mbx_dir_report_clear(mbx_dir_report *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->n_entries; i++) {
		mbx_free(r->entries[i].alias);
		mbx_free(r->entries[i].detail);
		mbx_free(r->entries[i].dn);
	}
	mbx_free(r->entries);
	memset(r, 0, sizeof(*r));
}

const char *mbx_dir_action_name(mbx_dir_action a)
{
	switch (a) {
	case MBX_DIR_CREATED: return "created";
	case MBX_DIR_UPDATED: return "updated";
	case MBX_DIR_SKIPPED: return "skipped";
	case MBX_DIR_ERROR: return "error";
	}
	return "?";
}

/* ---- From an entry to a recipient -------------------------------------- */

static const dir_attr *dir_get(const dir_entry *e, const char *name)
{
	size_t i;

	for (i = 0; i < e->n_attrs; i++)
		if (strcasecmp(e->attrs[i].name, name) == 0 && e->attrs[i].len > 0)
			return &e->attrs[i];
	return NULL;
}

static int dir_has_class(const dir_entry *e, const char *klass)
{
	size_t i;

	for (i = 0; i < e->n_attrs; i++)
		if (strcasecmp(e->attrs[i].name, "objectClass") == 0 &&
		    strcasecmp(e->attrs[i].value, klass) == 0)
			return 1;
	return 0;
}

/* 1 mailbox, 2 custom recipient, 3 list, 0 not a recipient. */
static int dir_kind(const dir_entry *e, mbx_object_class *out)
{
	static const char *const mailbox[] = { "user", "person", "organizationalPerson",
		"inetOrgPerson", "mailbox", "posixAccount" };
	static const char *const custom[] = { "contact", "mailRecipient", "remote-address" };
	static const char *const list[] = { "group", "groupOfNames", "groupOfUniqueNames",
		"distribution-list" };
	size_t i;

	/* Most specific first: AD contacts are also "person". */
	for (i = 0; i < sizeof(list) / sizeof(list[0]); i++)
		if (dir_has_class(e, list[i])) {
			*out = MBX_OBJ_DISTLIST;
			return 3;
		}
	for (i = 0; i < sizeof(custom) / sizeof(custom[0]); i++)
		if (dir_has_class(e, custom[i])) {
			*out = MBX_OBJ_CUSTOM;
			return 2;
		}
	for (i = 0; i < sizeof(mailbox) / sizeof(mailbox[0]); i++)
		if (dir_has_class(e, mailbox[i])) {
			*out = MBX_OBJ_MAILBOX;
			return 1;
		}
	return 0;
}

/* The value of the first RDN ("cn=John Smith,ou=..." -> "John Smith"). */
static char *dir_rdn_value(const char *dn)
{
	const char *eq = strchr(dn, '=');
	const char *end;

	if (!eq)
		return NULL;
	end = eq + 1;
	while (*end && *end != ',') {
		if (*end == '\\' && end[1])
			end++;
		end++;
	}
	return end > eq + 1 ? mbx_strndup(eq + 1, (size_t)(end - eq - 1)) : NULL;
}

/* The NetBIOS-style domain from the first DC= of a DN, upper-cased. */
static char *dir_domain(const char *dn)
{
	const char *p = dn;

	while ((p = strchr(p, '=')) != NULL) {
		const char *start = p;
		while (start > dn && start[-1] != ',' && start[-1] != ' ')
			start--;
		if (p - start == 2 && strncasecmp(start, "dc", 2) == 0) {
			const char *end = p + 1;
			char *d, *c;
			while (*end && *end != ',')
				end++;
			d = mbx_strndup(p + 1, (size_t)(end - p - 1));
			for (c = d; *c; c++)
				*c = (char)toupper((unsigned char)*c);
			return d;
		}
		p++;
	}
	return NULL;
}

/* msExchMailboxGuid: 16 bytes as AD stores it (first three fields little
 * endian), or already GUID text. */
static char *dir_guid(const dir_attr *a)
{
	const unsigned char *b = (const unsigned char *)a->value;
	const char *s = a->value;
	size_t len = a->len, i;
	char *g;

	if (len == 16)
		return mbx_asprintf("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		                    b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], b[8], b[9],
		                    b[10], b[11], b[12], b[13], b[14], b[15]);
	if (len == 38 && s[0] == '{' && s[37] == '}') {
		s++;
		len = 36;
	}
	if (len != 36)
		return NULL;
	for (i = 0; i < 36; i++) {
		int dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return NULL;
	}
	g = mbx_strndup(s, 36);
	for (i = 0; i < 36; i++)
		g[i] = (char)tolower((unsigned char)g[i]);
	return g;
}

/* The last "cn=" of an X.500 DN ("/o=../cn=Servers/cn=EXCH1" -> EXCH1). */
static char *dir_last_cn(const char *dn)
{
	const char *p, *last = NULL;

	for (p = dn; *p; p++)
		if ((p == dn || p[-1] == '/' || p[-1] == ',') && strncasecmp(p, "cn=", 3) == 0)
			last = p + 3;
	if (!last || !*last)
		return NULL;
	return mbx_strndup(last, strcspn(last, "/,"));
}

static int dir_valid_text(const dir_attr *a)
{
	return a && strlen(a->value) == a->len && mbx_utf8_valid(a->value, a->len);
}

/* Fill r from e; 0 ok, 1 not a recipient (why in *skip), -1 error reported. */
static int dir_map(const dir_entry *e, const mbx_server_info *srv, mbx_recipient *r,
                   char **skip, mbx_dir_report *rep)
{
	static const char *const text_attrs[] = { "mail", "displayName", "cn", "mailNickname",
		"sAMAccountName", "uid", "legacyExchangeDN" };
	const dir_attr *a;
	mbx_object_class oc;
	size_t i;

	memset(r, 0, sizeof(*r));
	/* AD computer accounts are users (and persons) too. */
	if (dir_has_class(e, "computer")) {
		*skip = mbx_strdup("not a recipient (objectClass computer)");
		return 1;
	}
	if (!dir_kind(e, &oc)) {
		const dir_attr *c = dir_get(e, "objectClass");
		*skip = mbx_asprintf("not a recipient (objectClass %s)", c ? c->value : "missing");
		return 1;
	}
	for (i = 0; i < sizeof(text_attrs) / sizeof(text_attrs[0]); i++) {
		a = dir_get(e, text_attrs[i]);
		if (a && !dir_valid_text(a)) {
			dir_report_error(rep, a->line, "%s is not UTF-8 text", text_attrs[i]);
			return -1;
		}
	}
	r->object_class = oc;
	if ((a = dir_get(e, "mailNickname")) || (a = dir_get(e, "sAMAccountName")) ||
	    (a = dir_get(e, "uid")))
		r->alias = mbx_strdup(a->value);
	else
		r->alias = dir_rdn_value(e->dn);
	if (!r->alias || !*r->alias) {
		dir_report_error(rep, e->line, "entry '%s' has no alias (mailNickname, sAMAccountName "
		                 "or uid) and no RDN value", e->dn);
		return -1;
	}
	for (const char *c = r->alias; *c; c++) {
		if ((unsigned char)*c < 0x20 || *c == '/' || *c == ',' || *c == '=') {
			dir_report_error(rep, e->line, "alias '%s' of entry '%s' has a character an "
			                 "Exchange alias can not have", r->alias, e->dn);
			return -1;
		}
	}
	if ((a = dir_get(e, "displayName")) || (a = dir_get(e, "cn")))
		r->display_name = mbx_strdup(a->value);
	else
		r->display_name = mbx_strdup(r->alias);
	if ((a = dir_get(e, "mail")))
		r->smtp = mbx_strdup(a->value);
	if ((a = dir_get(e, "legacyExchangeDN")))
		r->legacy_dn = mbx_strdup(a->value);
	if ((a = dir_get(e, "msExchMailboxGuid"))) {
		r->mailbox_guid = dir_guid(a);
		if (!r->mailbox_guid) {
			dir_report_error(rep, a->line, "msExchMailboxGuid is neither 16 bytes nor GUID text");
			return -1;
		}
	}
	if ((a = dir_get(e, "msExchHideFromAddressLists")))
		r->hidden = strcasecmp(a->value, "TRUE") == 0;
	if ((a = dir_get(e, "sAMAccountName"))) {
		char *dom = dir_domain(e->dn);
		r->primary_account = dom ? mbx_asprintf("%s\\%s", dom, a->value) : mbx_strdup(a->value);
		mbx_free(dom);
	}
	if (oc == MBX_OBJ_MAILBOX) {
		if ((a = dir_get(e, "msExchHomeServerName")))
			r->home_server = dir_last_cn(a->value);
		if (!r->home_server)
			r->home_server = mbx_strdup(srv->server ? srv->server : "");
	}
	/* The Exchange directory name; a legacyExchangeDN is exactly that. */
	r->dn = r->legacy_dn ? mbx_strdup(r->legacy_dn) :
	        mbx_asprintf("/o=%s/ou=%s/cn=Recipients/cn=%s", srv->organization ? srv->organization : "",
	                     srv->site ? srv->site : "", r->alias);
	return 0;
}

/* The store mailbox this recipient belongs to: by GUID, else legacy DN
 * (given, else the directory name); 0 when none. */
static int64_t dir_link(dir_sink *s, mbx_recipient *r)
{
	const mbx_mailbox *m;
	int64_t i;

	if (r->mailbox_guid && dir_index_get(&s->by_guid, r->mailbox_guid, &i)) {
		m = &s->mb[i];
		if (!r->legacy_dn)
			r->legacy_dn = mbx_strdup(m->legacy_dn);
		return m->id;
	}
	if (dir_index_get(&s->by_dn, r->legacy_dn ? r->legacy_dn : r->dn, &i)) {
		m = &s->mb[i];
		if (!r->legacy_dn)
			r->legacy_dn = mbx_strdup(m->legacy_dn);
		/* The restored store is the truth about its mailboxes: a GUID
		 * from the file that names no store mailbox is replaced. */
		mbx_free(r->mailbox_guid);
		r->mailbox_guid = mbx_strdup(m->guid);
		return m->id;
	}
	return 0;
}

static int dir_str_differs(const char *a, const char *b)
{
	if (!a || !*a)
		return 0;          /* the file does not say: keep what is there */
	return !b || strcmp(a, b) != 0;
}

/* Merge the file's values into `have`; the names of the fields changed. */
static char *dir_merge(mbx_recipient *have, const mbx_recipient *r)
{
	char buf[256] = "";
	struct { const char *name; char **dst; const char *src; } f[] = {
		{ "display name", &have->display_name, r->display_name },
		{ "SMTP address", &have->smtp, r->smtp },
		{ "primary account", &have->primary_account, r->primary_account },
		{ "mailbox GUID", &have->mailbox_guid, r->mailbox_guid },
		{ "legacy DN", &have->legacy_dn, r->legacy_dn },
		{ "home server", &have->home_server, r->home_server },
	};
	size_t i;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		if (!dir_str_differs(f[i].src, *f[i].dst))
			continue;
		mbx_free(*f[i].dst);
		*f[i].dst = mbx_strdup(f[i].src);
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s", *buf ? ", " : "",
		         f[i].name);
	}
	if (have->hidden != r->hidden) {
		have->hidden = r->hidden;
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%shidden", *buf ? ", " : "");
	}
	return *buf ? mbx_strdup(buf) : NULL;
}

static int dir_apply_one(dir_sink *s, const dir_entry *e, mbx_recipient *r, int64_t mailbox_id)
{
	mbx_store *st = s->st;
	mbx_dir_report *rep = s->rep;
	mbx_recipient have;
	mbx_dir_entry_report *er;
	int rc = mbx_store_recipient_by_alias(st, r->alias, &have);

	if (rc == MBX_ENOTFOUND) {
		int64_t id;
		r->created_time = 0;
		rc = mbx_store_recipient_add(st, r, &id);
		if (rc == MBX_EEXISTS) {
			/* A malformed entry, not a broken store: reported like one. */
			dir_report_error(rep, e->line, "entry '%s': its directory name '%s' is already "
			                 "used by another recipient (two entries with one "
			                 "legacyExchangeDN?)", e->dn, r->dn);
			return 0;
		}
		if (rc < 0)
			return mbx_error_prefix(rc, "%s %lld, entry '%s'", s->where, (long long)e->line,
			                        e->dn);
		er = dir_report_add(rep, e->line, MBX_DIR_CREATED, r->alias);
		er->mailbox_id = mailbox_id;
		er->detail = mailbox_id ? mbx_asprintf("linked to store mailbox %s", r->legacy_dn)
		                        : mbx_strdup("no store mailbox");
		return mbx_store_audit(st, "mbxrescue", "import-recipient", r->alias, e->dn);
	}
	if (rc < 0)
		return rc;
	{
		char *changed = dir_merge(&have, r);
		if (!changed) {
			er = dir_report_add(rep, e->line, MBX_DIR_SKIPPED, r->alias);
			er->detail = mbx_strdup("unchanged");
			er->mailbox_id = mailbox_id;
		} else {
			rc = mbx_store_recipient_update(st, &have);
			if (rc == MBX_EEXISTS) {
				dir_report_error(rep, e->line, "entry '%s': its new values clash with another "
				                 "recipient (%s)", e->dn, changed);
				rc = 0;
			} else {
				if (rc == 0)
					rc = mbx_store_audit(st, "mbxrescue", "update-recipient", r->alias,
					                     changed);
				if (rc == 0) {
					er = dir_report_add(rep, e->line, MBX_DIR_UPDATED, r->alias);
					er->detail = changed;
					er->mailbox_id = mailbox_id;
					changed = NULL;
				}
			}
		}
		mbx_free(changed);
	}
	mbx_recipient_clear(&have);
	return rc;
}

/* Report lines in source order (a stable order: line, then action). */
static int dir_report_cmp(const void *a, const void *b)
{
	const mbx_dir_entry_report *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return (int)x->action - (int)y->action;
}

/* One entry: mapped, checked against the entries before it, applied. */
static int dir_one(dir_sink *s, const dir_entry *e)
{
	mbx_recipient r;
	char *skip = NULL;
	int64_t prev, link;
	int m, rc = 0;

	m = dir_map(e, &s->srv, &r, &skip, s->rep);
	if (m == 1) {
		mbx_dir_entry_report *er = dir_report_add(s->rep, e->line, MBX_DIR_SKIPPED, NULL);
		er->detail = skip;
		goto out;
	}
	if (m < 0)
		goto out;
	if (dir_index_get(&s->aliases, r.alias, &prev)) {
		dir_report_error(s->rep, e->line, "alias '%s' is already used by the entry at %s %lld",
		                 r.alias, s->where, (long long)prev);
		goto out;
	}
	dir_index_put(&s->aliases, r.alias, e->line);
	link = dir_link(s, &r);
	rc = dir_apply_one(s, e, &r, link);
out:
	mbx_recipient_clear(&r);
	return rc;
}

int dir_sink_flush(dir_sink *s, dir_list *l)
{
	size_t i, k, first;
	int rc = 0;

	for (i = 0; i < l->n && rc == 0; i++) {
		first = s->rep->n_entries;
		rc = dir_one(s, &l->entries[i]);
		for (k = first; k < s->rep->n_entries; k++)
			if (!s->rep->entries[k].dn)
				s->rep->entries[k].dn = mbx_strdup(l->entries[i].dn);
		s->entries++;
	}
	dir_list_clear(l);
	return rc;
}

/* Keep only the error lines: nothing else happened. */
static void dir_report_errors_only(mbx_dir_report *r)
{
	size_t i, k = 0;

	for (i = 0; i < r->n_entries; i++) {
		if (r->entries[i].action == MBX_DIR_ERROR) {
			r->entries[k++] = r->entries[i];
		} else {
			mbx_free(r->entries[i].alias);
			mbx_free(r->entries[i].detail);
			mbx_free(r->entries[i].dn);
		}
	}
	r->n_entries = k;
	r->created = r->updated = r->skipped = 0;
}

int dir_import_run(mbx_store *st, const char *source, dir_reader_fn read, void *ud, int dry_run,
                   mbx_dir_report *out)
{
	dir_sink s;
	size_t i;
	int in_txn = 0, rc;

	memset(out, 0, sizeof(*out));
	memset(&s, 0, sizeof(s));
	s.st = st;
	s.rep = out;
	s.where = strncasecmp(source, "ldap", 4) == 0 && strstr(source, "://") ? "entry" : "line";
	dir_ldap_quiet();
	rc = mbx_store_server_get(st, &s.srv);
	if (rc == 0)
		rc = mbx_store_mailboxes(st, &s.mb, &s.n_mb);
	if (rc < 0)
		goto out;
	/* Insert-if-absent in the store's order: the first mailbox wins, as a
	 * scan of the list would find it. */
	for (i = 0; i < s.n_mb; i++) {
		if (s.mb[i].guid && *s.mb[i].guid)
			dir_index_put(&s.by_guid, s.mb[i].guid, (int64_t)i);
		if (s.mb[i].legacy_dn && *s.mb[i].legacy_dn)
			dir_index_put(&s.by_dn, s.mb[i].legacy_dn, (int64_t)i);
	}
	rc = mbx_store_begin(st);
	if (rc < 0)
		goto out;
	in_txn = 1;
	rc = read(ud, &s, out);
	if (rc < 0)
		goto out;
	if (out->errors) {
		rc = mbx_error_set(MBX_EINVAL, "%s: %lld malformed entr%s; nothing was applied: correct "
		                   "the %ss listed and import again", source, (long long)out->errors,
		                   out->errors == 1 ? "y" : "ies",
		                   strcmp(s.where, "line") == 0 ? "line" : "entrie");
		goto out;
	}
	in_txn = 0;
	if (dry_run) {
		mbx_store_rollback(st);
	} else {
		rc = mbx_store_commit(st);
		out->applied = rc == 0;
	}
out:
	if (in_txn)
		mbx_store_rollback(st);
	if (rc < 0)
		dir_report_errors_only(out);
	if (out->n_entries > 1)
		qsort(out->entries, out->n_entries, sizeof(*out->entries), dir_report_cmp);
	mbx_mailboxes_free(s.mb, s.n_mb);
	mbx_server_info_clear(&s.srv);
	dir_index_free(&s.by_guid);
	dir_index_free(&s.by_dn);
	dir_index_free(&s.aliases);
	return rc;
}

static int dir_is_csv(const char *path)
{
	const char *dot = strrchr(path, '.');
	FILE *fp;
	char head[256];
	size_t n;

	if (dot && strcasecmp(dot, ".csv") == 0)
		return 1;
	if (dot && (strcasecmp(dot, ".ldif") == 0 || strcasecmp(dot, ".ldf") == 0))
		return 0;
	/* No telling extension: LDIF starts with "dn:", "version:" or a comment. */
	fp = fopen(path, "r");
	if (!fp)
		return 0;
	n = fread(head, 1, sizeof(head) - 1, fp);
	fclose(fp);
	head[n] = '\0';
	return !(strncasecmp(head, "dn:", 3) == 0 || strncasecmp(head, "version:", 8) == 0 ||
	         head[0] == '#');
}

static int dir_read_file(void *ud, dir_sink *sink, mbx_dir_report *rep)
{
	const char *path = ud;

	return dir_is_csv(path) ? dir_read_csv(path, sink, rep) : dir_read_ldif(path, sink, rep);
}

int mbx_directory_import(mbx_store *st, const char *path, int dry_run, mbx_dir_report *out)
{
	FILE *fp;

	/* A file that can not be opened fails before the store is touched. */
	fp = fopen(path, "r");
	if (!fp) {
		memset(out, 0, sizeof(*out));
		return mbx_error_set(errno == ENOENT ? MBX_ENOTFOUND : MBX_EIO, "%s: %s", path,
		                     strerror(errno));
	}
	fclose(fp);
	return dir_import_run(st, path, dir_read_file, (void *)path, dry_run, out);
}

/* ---- Export ----------------------------------------------------------------- */

/* Append one LDIF line (ldif_put: base64 and folding as LDIF needs). */
static void ld_put(char **buf, size_t *len, int type, const char *name, const char *val)
{
	char *s = ldif_put(type, name, val, val ? (ber_len_t)strlen(val) : 0);
	size_t n;

	if (!s)
		return;
	n = strlen(s);
	*buf = mbx_realloc(*buf, *len + n + 1);
	memcpy(*buf + *len, s, n + 1);
	*len += n;
	ber_memfree(s);
}

/* An RDN value escaped as RFC 4514 wants. */
static char *dn_escape(const char *v)
{
	size_t n = strlen(v), i, k = 0;
	char *out = mbx_malloc(3 * n + 1);

	for (i = 0; i < n; i++) {
		char c = v[i];
		if (strchr(",+\"\\<>;=", c) || (i == 0 && (c == ' ' || c == '#')) ||
		    (i == n - 1 && c == ' '))
			out[k++] = '\\';
		out[k++] = c;
	}
	out[k] = '\0';
	return out;
}

static void dir_attr_put(dir_entry *e, const char *name, const char *value)
{
	dir_attr_add(e, name, strlen(name), value, strlen(value), e->line);
}

int dir_export_entries(mbx_store *st, const char *base_dn, dir_list *out, char **server)
{
	mbx_recipient *r = NULL;
	mbx_server_info srv;
	size_t n = 0, i;
	char *base;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&srv, 0, sizeof(srv));
	*server = NULL;
	rc = mbx_store_server_get(st, &srv);
	if (rc == 0)
		rc = mbx_store_recipients(st, &r, &n);
	if (rc < 0) {
		mbx_server_info_clear(&srv);
		return rc;
	}
	if (base_dn && *base_dn) {
		base = mbx_strdup(base_dn);
	} else {
		char *site = dn_escape(srv.site ? srv.site : "");
		char *org = dn_escape(srv.organization ? srv.organization : "");
		base = mbx_asprintf("cn=Recipients,ou=%s,o=%s", site, org);
		mbx_free(site);
		mbx_free(org);
	}
	for (i = 0; i < n; i++) {
		char *rdn, *dn, *sn, *note;
		const char *space, *comma;
		dir_entry *e;

		if (!r[i].created_by_adjuster)
			continue;
		rdn = dn_escape(r[i].alias);
		dn = mbx_asprintf("cn=%s,%s", rdn, base);
		e = dir_entry_new(out, (int64_t)out->n + 1, dn, strlen(dn));
		dir_attr_put(e, "objectClass", "top");
		dir_attr_put(e, "objectClass", "person");
		dir_attr_put(e, "objectClass", "organizationalPerson");
		dir_attr_put(e, "objectClass", "inetOrgPerson");
		dir_attr_put(e, "cn", r[i].alias);
		/* person requires a surname: "Surname, Given" as Exchange shows
		 * names, else the last word of the display name. */
		comma = r[i].display_name ? strstr(r[i].display_name, ", ") : NULL;
		space = r[i].display_name ? strrchr(r[i].display_name, ' ') : NULL;
		if (comma && comma > r[i].display_name)
			sn = mbx_strndup(r[i].display_name, (size_t)(comma - r[i].display_name));
		else
			sn = mbx_strdup(space && space[1] ? space + 1 :
			                r[i].display_name && *r[i].display_name ? r[i].display_name :
			                r[i].alias);
		dir_attr_put(e, "sn", sn);
		mbx_free(sn);
		dir_attr_put(e, "uid", r[i].alias);
		if (r[i].display_name && *r[i].display_name)
			dir_attr_put(e, "displayName", r[i].display_name);
		if (r[i].smtp && *r[i].smtp)
			dir_attr_put(e, "mail", r[i].smtp);
		note = mbx_asprintf("Exchange mailbox %s; legacyExchangeDN %s; mailbox GUID %s; home "
		                    "server %s", r[i].alias, r[i].legacy_dn ? r[i].legacy_dn : r[i].dn,
		                    r[i].mailbox_guid ? r[i].mailbox_guid : "none",
		                    r[i].home_server ? r[i].home_server : "none");
		dir_attr_put(e, "description", note);
		mbx_free(note);
		mbx_free(rdn);
		mbx_free(dn);
	}
	*server = mbx_strdup(srv.server ? srv.server : "?");
	mbx_free(base);
	mbx_recipients_free(r, n);
	mbx_server_info_clear(&srv);
	return 0;
}

int mbx_directory_export(mbx_store *st, const char *base_dn, char **out, size_t *n_out)
{
	dir_list l;
	char *buf, *server = NULL, *head;
	size_t len = 0, i, j;
	int rc;

	*out = NULL;
	*n_out = 0;
	rc = dir_export_entries(st, base_dn, &l, &server);
	if (rc < 0)
		return rc;
	buf = mbx_strdup("");
	head = mbx_asprintf("Recipients the DS/IS consistency adjuster created on server %s, "
	                    "written by mbxrescue %s.  Apply with: ldapadd -f FILE, or "
	                    "ldifde -i -f FILE", server, mbx_version());
	ld_put(&buf, &len, LDIF_PUT_COMMENT, NULL, head);
	mbx_free(head);
	ld_put(&buf, &len, LDIF_PUT_VALUE, "version", "1");
	for (i = 0; i < l.n; i++) {
		buf = mbx_realloc(buf, len + 2);
		buf[len++] = '\n';
		buf[len] = '\0';
		ld_put(&buf, &len, LDIF_PUT_VALUE, "dn", l.entries[i].dn);
		ld_put(&buf, &len, LDIF_PUT_VALUE, "changetype", "add");
		for (j = 0; j < l.entries[i].n_attrs; j++)
			ld_put(&buf, &len, LDIF_PUT_VALUE, l.entries[i].attrs[j].name,
			       l.entries[i].attrs[j].value);
	}
	*out = buf;
	*n_out = l.n;
	mbx_free(server);
	dir_list_clear(&l);
	return 0;
}
