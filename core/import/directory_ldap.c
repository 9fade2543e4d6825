/*
 * core/import/directory_ldap.c - recipients from a live directory server
 * (Active Directory, OpenLDAP) and the adjuster's entries back into one,
 * through libldap (mbx/import.h: mbx_directory_import_ldap,
 * mbx_directory_export_ldap).
 *
 * The import is a subtree search with RFC 2696 paged results: Active
 * Directory answers at most MaxPageSize (1,000) entries per request and
 * slapd its size limit, so only paging reads a whole directory.  A search
 * the server still cuts short (sizeLimitExceeded) fails, and nothing is
 * applied: a truncated directory would look like deleted recipients.
 * Entries go to the same mapping and the same one-transaction apply as
 * LDIF and CSV files (directory.c), a page at a time.
 *
 * Everything that can fail before the first entry (the URI, connecting,
 * TLS, the bind, the base DN) is checked before the store is touched, and
 * each failure gets one message naming the server and what to do.
 * libldap prints nothing of its own (dir_ldap_quiet).  The password is
 * only passed to the bind; it is never copied or shown.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

#include <lber.h>
#include <ldap.h>

#include "directory_int.h"
#include "mbx/text.h"

#define DL_TIMEOUT_DEFAULT 30
#define DL_PAGE_DEFAULT 500
#define DL_PAGE_MIN 50

/* Only what the mapping reads (directory.c, dir_map): a page of entries
 * stays small, and a 100,000-entry directory reads quickly. */
static char *dl_import_attrs[] = {
	"objectClass", "mailNickname", "sAMAccountName", "uid", "displayName", "cn", "mail",
	"legacyExchangeDN", "msExchMailboxGuid", "msExchHideFromAddressLists",
	"msExchHomeServerName", NULL
};

/* People (AD users and contacts are person too), groups and lists; not
 * AD's computer accounts (which are users too). */
#define DL_FILTER_DEFAULT "(&(|(objectClass=person)(objectClass=group)" \
	"(objectClass=groupOfNames)(objectClass=groupOfUniqueNames))(!(objectClass=computer)))"

typedef struct dl_conn {
	LDAP *ld;
	const mbx_ldap_opts *o;
	const char *uri;
	int timeout;             /* seconds */
	int page;                /* page size */
	int tls;                 /* ldaps:// or StartTLS */
} dl_conn;

void mbx_ldap_opts_init(mbx_ldap_opts *o)
{
	memset(o, 0, sizeof(*o));
}

const char *mbx_ldap_result_name(mbx_ldap_result r)
{
	switch (r) {
	case MBX_LDAP_ADDED: return "added";
	case MBX_LDAP_EXISTS: return "exists";
	case MBX_LDAP_DIFFERS: return "differs";
	case MBX_LDAP_FAILED: return "failed";
	}
	return "?";
}

void mbx_ldap_export_report_clear(mbx_ldap_export_report *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->n_entries; i++) {
		mbx_free(r->entries[i].dn);
		mbx_free(r->entries[i].detail);
	}
	mbx_free(r->entries);
	memset(r, 0, sizeof(*r));
}

/* ---- Connecting ------------------------------------------------------------ */

/* The server's own words about the last operation, or "". */
static char *dl_diag(LDAP *ld)
{
	char *d = NULL, *copy;

	if (!ld || ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &d) != LDAP_OPT_SUCCESS || !d)
		return mbx_strdup("");
	/* libldap's placeholder for "nothing more to say". */
	copy = mbx_strdup(strcmp(d, "(unknown error code)") == 0 ? "" : d);
	ldap_memfree(d);
	return copy;
}

/*
 * One message for an LDAP result code: the server, what happened (with
 * the server's diagnostic when it gave one) and what to do.  `what` says
 * which step failed ("connecting", "the bind", ...).
 */
static int dl_fail(dl_conn *c, int lrc, const char *what)
{
	char *diag = dl_diag(c->ld), *why;
	const char *todo;
	int code = MBX_EINVAL;

	switch (lrc) {
	case LDAP_SERVER_DOWN:
	case LDAP_CONNECT_ERROR:
		todo = c->tls ? (c->o->ca_file ? "check the host and port, that the server runs and "
		                 "offers TLS there, that --ca-file is the CA that signed its "
		                 "certificate and that the host is the name in it" :
		                 "check the host and port, that the server runs and offers TLS "
		                 "there, and that its certificate is trusted (--ca-file CA.pem)")
		              : "check the host and port, that the server runs, and that no "
		                "firewall is in the way";
		code = MBX_EIO;
		break;
	case LDAP_TIMEOUT:
		todo = "check the host and port and the network, or allow more time with --timeout";
		code = MBX_EIO;
		break;
	case LDAP_INVALID_CREDENTIALS:
		todo = "check --bind-dn and the password";
		break;
	case LDAP_INAPPROPRIATE_AUTH:
	case LDAP_UNWILLING_TO_PERFORM:
		todo = c->o->bind_dn ? "check --bind-dn and the password"
		                     : "the server does not allow anonymous searches: give "
		                       "--bind-dn DN and a password";
		break;
	case LDAP_CONFIDENTIALITY_REQUIRED:
	case LDAP_STRONG_AUTH_REQUIRED:
		todo = "the server requires an encrypted connection: use ldaps:// or --starttls";
		break;
	case LDAP_INSUFFICIENT_ACCESS:
		todo = "bind as an account that may read (or, for export, add) these entries";
		break;
	case LDAP_NO_SUCH_OBJECT:
		todo = "check --base";
		break;
	case LDAP_FILTER_ERROR:
		todo = "give an LDAP filter such as '(objectClass=user)' with --filter";
		break;
	case LDAP_SIZELIMIT_EXCEEDED:
	case LDAP_ADMINLIMIT_EXCEEDED:
		todo = "the server cut the search short even though it was paged; nothing was "
		       "applied: raise the server's limit for this account (slapd: limits "
		       "size.prtotal; Active Directory: MaxPageSize), bind as another account, or "
		       "narrow --base or --filter";
		break;
	case LDAP_REFERRAL:
		todo = "the server refers this base to another one: give that server (referrals "
		       "are not followed, they would take the bind's password elsewhere), e.g. a "
		       "global catalog or the domain's own controller";
		break;
	case LDAP_UNAVAILABLE_CRITICAL_EXTENSION:
		todo = "the server does not page search results (RFC 2696); export the directory "
		       "to LDIF (ldifde -f, slapcat) and import that file";
		break;
	default:
		todo = "check the server's log";
		break;
	}
	why = *diag ? mbx_asprintf("%s (%s)", ldap_err2string(lrc), diag)
	            : mbx_strdup(ldap_err2string(lrc));
	mbx_error_set(code, "%s: %s failed: %s; %s", c->uri, what, why, todo);
	mbx_free(why);
	mbx_free(diag);
	return code;
}

/* Anything after "scheme://host:port/": a DN, attributes, scope, filter. */
static int dl_uri_has_path(const char *uri)
{
	const char *p = strstr(uri, "://");

	if (!p)
		return 1;
	p += 3;
	p += strcspn(p, "/?#");
	if (*p == '/')
		p++;
	return *p != '\0';
}

/* "ldap[s]://HOST[:PORT][/]" and nothing more: the base, filter and
 * scope have their own options. */
static int dl_check_uri(const char *uri, int *tls)
{
	LDAPURLDesc *lud = NULL;
	int rc;

	if (!uri || !*uri)
		return mbx_error_set(MBX_EINVAL, "no LDAP server given: name it as ldap://HOST[:PORT] "
		                     "or ldaps://HOST[:PORT]");
	rc = ldap_url_parse(uri, &lud);
	if (rc != LDAP_URL_SUCCESS)
		return mbx_error_set(MBX_EINVAL, "'%s' is not an LDAP URI: give ldap://HOST[:PORT] or "
		                     "ldaps://HOST[:PORT]", uri);
	rc = 0;
	if (strcasecmp(lud->lud_scheme, "ldap") != 0 && strcasecmp(lud->lud_scheme, "ldaps") != 0)
		rc = mbx_error_set(MBX_EINVAL, "'%s': only ldap:// and ldaps:// servers are supported",
		                   uri);
	else if (!lud->lud_host || !*lud->lud_host)
		rc = mbx_error_set(MBX_EINVAL, "'%s' names no host: give ldap://HOST[:PORT]", uri);
	else if ((lud->lud_dn && *lud->lud_dn) || lud->lud_attrs || lud->lud_filter ||
	         lud->lud_exts || dl_uri_has_path(uri))
		rc = mbx_error_set(MBX_EINVAL, "'%s': give only the server in the URI "
		                   "(ldap://HOST[:PORT]) and the base with --base, the filter with "
		                   "--filter", uri);
	else if (lud->lud_port < 0 || lud->lud_port > 65535)
		rc = mbx_error_set(MBX_EINVAL, "'%s': the port must be 1 to 65535", uri);
	*tls = strcasecmp(lud->lud_scheme, "ldaps") == 0;
	ldap_free_urldesc(lud);
	return rc;
}

static int dl_set(dl_conn *c, int opt, const void *v, const char *name)
{
	if (ldap_set_option(c->ld, opt, v) != LDAP_OPT_SUCCESS)
		return mbx_error_set(MBX_ERROR, "%s: libldap refused the option %s", c->uri, name);
	return 0;
}

static void dl_close(dl_conn *c)
{
	if (c->ld)
		ldap_unbind_ext_s(c->ld, NULL, NULL);
	c->ld = NULL;
}

/* Connect, TLS, bind: everything that needs the server but no entry. */
static int dl_open(dl_conn *c, const mbx_ldap_opts *o)
{
	struct timeval tv;
	struct berval cred = { 0, NULL };
	int v3 = LDAP_VERSION3, demand = LDAP_OPT_X_TLS_DEMAND, is_server = 0, lrc, rc;

	memset(c, 0, sizeof(*c));
	c->o = o;
	c->uri = o->uri ? o->uri : "";
	c->timeout = o->timeout_seconds > 0 ? o->timeout_seconds : DL_TIMEOUT_DEFAULT;
	c->page = o->page_size > 0 ? o->page_size : DL_PAGE_DEFAULT;
	dir_ldap_quiet();
	if ((rc = dl_check_uri(o->uri, &c->tls)) < 0)
		return rc;
	if (o->starttls && c->tls)
		return mbx_error_set(MBX_EINVAL, "%s: --starttls is for ldap:// servers; an ldaps:// "
		                     "connection is encrypted already", c->uri);
	c->tls |= o->starttls;
	if (!o->base || !*o->base)
		return mbx_error_set(MBX_EINVAL, "%s: no base DN: give --base DN (for example "
		                     "dc=contoso,dc=com)", c->uri);
	if (o->bind_dn && *o->bind_dn && (!o->password || !*o->password))
		return mbx_error_set(MBX_EINVAL, "%s: no password for %s: a bind DN with an empty "
		                     "password is an anonymous bind (RFC 4513); give the password",
		                     c->uri, o->bind_dn);
	if (ldap_is_ldap_url(c->uri) == 0 ||
	    (lrc = ldap_initialize(&c->ld, c->uri)) != LDAP_SUCCESS || !c->ld)
		return mbx_error_set(MBX_EINVAL, "'%s' is not an LDAP URI: give ldap://HOST[:PORT] or "
		                     "ldaps://HOST[:PORT]", c->uri);
	tv.tv_sec = c->timeout;
	tv.tv_usec = 0;
	if ((rc = dl_set(c, LDAP_OPT_PROTOCOL_VERSION, &v3, "protocol version 3")) < 0 ||
	    /* Referrals would take the bind's password to other servers. */
	    (rc = dl_set(c, LDAP_OPT_REFERRALS, LDAP_OPT_OFF, "no referrals")) < 0 ||
	    (rc = dl_set(c, LDAP_OPT_NETWORK_TIMEOUT, &tv, "network timeout")) < 0 ||
	    (rc = dl_set(c, LDAP_OPT_TIMEOUT, &tv, "timeout")) < 0)
		goto fail;
	if (c->tls) {
		/* Certificates are checked whatever ldap.conf says (TLS_REQCERT). */
		if ((rc = dl_set(c, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand, "TLS certificate check")) < 0)
			goto fail;
		if (o->ca_file && *o->ca_file) {
			FILE *fp = fopen(o->ca_file, "r");

			if (!fp) {
				rc = mbx_error_set(MBX_EINVAL, "%s: can not read the CA file %s; give a PEM "
				                   "file of the CA certificates to trust", c->uri, o->ca_file);
				goto fail;
			}
			fclose(fp);
			if ((rc = dl_set(c, LDAP_OPT_X_TLS_CACERTFILE, o->ca_file, "CA file")) < 0)
				goto fail;
		}
		/* The options above apply to a new TLS context of this handle. */
		lrc = ldap_set_option(c->ld, LDAP_OPT_X_TLS_NEWCTX, &is_server);
		if (lrc != LDAP_OPT_SUCCESS) {
			rc = mbx_error_set(MBX_EINVAL, "%s: can not set up TLS%s%s; check the file",
			                   c->uri, o->ca_file ? " with the CA file " : "",
			                   o->ca_file ? o->ca_file : "");
			goto fail;
		}
	}
	if (o->starttls) {
		lrc = ldap_start_tls_s(c->ld, NULL, NULL);
		if (lrc != LDAP_SUCCESS) {
			char *diag = dl_diag(c->ld);
			rc = mbx_error_set(MBX_EINVAL, "%s: StartTLS failed: %s%s%s%s; the server does not "
			                   "offer TLS on this port, or its certificate is not trusted "
			                   "(%s)", c->uri, ldap_err2string(lrc), *diag ? " (" : "", diag,
			                   *diag ? ")" : "", o->ca_file ? "is the --ca-file the CA that "
			                   "signed it, and the host the name in it?" : "give its CA "
			                   "with --ca-file CA.pem");
			mbx_free(diag);
			goto fail;
		}
	}
	/* Always an explicit bind (anonymous too): an unreachable server or a
	 * TLS failure shows here, before the store is touched. */
	if (o->bind_dn && *o->bind_dn) {
		cred.bv_val = (char *)o->password;
		cred.bv_len = strlen(o->password);
	}
	lrc = ldap_sasl_bind_s(c->ld, o->bind_dn && *o->bind_dn ? o->bind_dn : "", LDAP_SASL_SIMPLE,
	                       &cred, NULL, NULL, NULL);
	if (lrc != LDAP_SUCCESS) {
		rc = dl_fail(c, lrc, lrc == LDAP_SERVER_DOWN || lrc == LDAP_CONNECT_ERROR ||
		             lrc == LDAP_TIMEOUT ? (c->tls ? "connecting (TLS)" : "connecting") :
		             o->bind_dn && *o->bind_dn ? "the bind" : "the anonymous bind");
		goto fail;
	}
	return 0;
fail:
	dl_close(c);
	return rc;
}

/* The base entry must exist: a search below a missing one would read as
 * an empty directory.  With the import's filter, so that a malformed one
 * fails here too (filter NULL: any). */
static int dl_check_base(dl_conn *c, const char *filter)
{
	static char *no_attrs[] = { LDAP_NO_ATTRS, NULL };
	struct timeval tv = { c->timeout, 0 };
	LDAPMessage *res = NULL;
	char *matched = NULL;
	int lrc, err = LDAP_SUCCESS, rc = 0;

	lrc = ldap_search_ext_s(c->ld, c->o->base, LDAP_SCOPE_BASE,
	                        filter ? filter : "(objectClass=*)", no_attrs, 0, NULL, NULL, &tv, 1,
	                        &res);
	if (res && ldap_parse_result(c->ld, res, &err, &matched, NULL, NULL, NULL, 0) == LDAP_SUCCESS)
		lrc = err;
	if (lrc == LDAP_NO_SUCH_OBJECT) {
		rc = mbx_error_set(MBX_EINVAL, "%s: the base DN '%s' does not exist on the server%s%s%s; "
		                   "check --base", c->uri, c->o->base,
		                   matched && *matched ? " (it has '" : "",
		                   matched && *matched ? matched : "", matched && *matched ? "')" : "");
	} else if (lrc == LDAP_INVALID_DN_SYNTAX) {
		rc = mbx_error_set(MBX_EINVAL, "%s: '%s' is not a DN; give --base as "
		                   "dc=contoso,dc=com or ou=Users,dc=contoso,dc=com", c->uri,
		                   c->o->base);
	} else if (lrc == LDAP_FILTER_ERROR) {
		rc = mbx_error_set(MBX_EINVAL, "%s: malformed filter '%s'; give an LDAP filter such as "
		                   "'(objectClass=user)' with --filter", c->uri, filter ? filter : "");
	} else if (lrc != LDAP_SUCCESS) {
		rc = dl_fail(c, lrc, "reading the base DN");
	}
	ldap_memfree(matched);
	ldap_msgfree(res);
	return rc;
}

/* ---- Import -------------------------------------------------------------------- */

typedef struct dl_import {
	dl_conn c;
	const char *filter;
	int64_t n;               /* entries read */
} dl_import;

/* The entries of one page into l. */
static void dl_entries(dl_import *im, LDAPMessage *res, dir_list *l)
{
	LDAPMessage *m;

	for (m = ldap_first_entry(im->c.ld, res); m; m = ldap_next_entry(im->c.ld, m)) {
		BerElement *ber = NULL;
		char *dn = ldap_get_dn(im->c.ld, m), *a;
		dir_entry *e;

		im->n++;
		e = dir_entry_new(l, im->n, dn ? dn : "", dn ? strlen(dn) : 0);
		ldap_memfree(dn);
		for (a = ldap_first_attribute(im->c.ld, m, &ber); a;
		     a = ldap_next_attribute(im->c.ld, m, ber)) {
			struct berval **v = ldap_get_values_len(im->c.ld, m, a);
			size_t i;

			for (i = 0; v && v[i]; i++)
				dir_attr_add(e, a, strlen(a), v[i]->bv_val ? v[i]->bv_val : "",
				             v[i]->bv_len, im->n);
			ldap_value_free_len(v);
			ldap_memfree(a);
		}
		ber_free(ber, 0);
	}
}

/* One paged request; *res is the answer (caller frees). */
static int dl_page(dl_import *im, struct berval *cookie, LDAPMessage **res, int *err)
{
	struct timeval tv = { im->c.timeout, 0 };
	LDAPControl *pc = NULL, *ctrls[2] = { NULL, NULL };
	int lrc;

	*res = NULL;
	/* Critical: a server that can not page must fail, not truncate. */
	lrc = ldap_create_page_control(im->c.ld, (ber_int_t)im->c.page, cookie, 1, &pc);
	if (lrc != LDAP_SUCCESS)
		return dl_fail(&im->c, lrc, "preparing the paged search");
	ctrls[0] = pc;
	lrc = ldap_search_ext_s(im->c.ld, im->c.o->base, LDAP_SCOPE_SUBTREE, im->filter,
	                        dl_import_attrs, 0, ctrls, NULL, &tv, LDAP_NO_LIMIT, res);
	ldap_control_free(pc);
	*err = lrc;
	if (*res) {
		int e2 = LDAP_SUCCESS;
		if (ldap_parse_result(im->c.ld, *res, &e2, NULL, NULL, NULL, NULL, 0) == LDAP_SUCCESS)
			*err = e2;
	}
	return 0;
}

static int dl_read(void *ud, dir_sink *sink, mbx_dir_report *rep)
{
	dl_import *im = ud;
	struct berval cookie = { 0, NULL };
	dir_list l = { NULL, 0 };
	int rc = 0, first = 1;

	(void)rep;
	do {
		LDAPMessage *res = NULL;
		LDAPControl **rctrls = NULL, *pr;
		int err = LDAP_SUCCESS;

		if ((rc = dl_page(im, &cookie, &res, &err)) < 0)
			break;
		/* A page size over the server's limit (slapd size.pr): smaller. */
		if (first && err == LDAP_ADMINLIMIT_EXCEEDED && im->c.page > DL_PAGE_MIN) {
			ldap_msgfree(res);
			im->c.page /= 2;
			continue;
		}
		if (err != LDAP_SUCCESS) {
			ldap_msgfree(res);
			if (err == LDAP_SIZELIMIT_EXCEEDED)
				rc = mbx_error_set(MBX_EINVAL, "%s: the server stopped the search after %lld "
				                   "entries (size limit exceeded) although it was paged; "
				                   "nothing was applied: raise the server's limit for this "
				                   "account (slapd: limits size.prtotal; Active Directory: "
				                   "MaxPageSize), bind as another account, or narrow --base "
				                   "or --filter", im->c.uri, (long long)im->n);
			else
				rc = dl_fail(&im->c, err, "the search");
			break;
		}
		first = 0;
		dl_entries(im, res, &l);
		rc = dir_sink_flush(sink, &l);
		ber_memfree(cookie.bv_val);
		cookie.bv_val = NULL;
		cookie.bv_len = 0;
		/* The next page's cookie; none (or empty) after the last page. */
		if (ldap_parse_result(im->c.ld, res, &err, NULL, NULL, NULL, &rctrls, 0) ==
		    LDAP_SUCCESS && rctrls &&
		    (pr = ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, rctrls, NULL)) != NULL) {
			ber_int_t count;

			if (ldap_parse_pageresponse_control(im->c.ld, pr, &count, &cookie) != LDAP_SUCCESS) {
				cookie.bv_val = NULL;
				cookie.bv_len = 0;
			}
		}
		ldap_controls_free(rctrls);
		ldap_msgfree(res);
	} while (rc == 0 && (first || cookie.bv_len > 0));
	ber_memfree(cookie.bv_val);
	dir_list_clear(&l);
	return rc;
}

int mbx_directory_import_ldap(mbx_store *st, const mbx_ldap_opts *o, int dry_run,
                              mbx_dir_report *out)
{
	dl_import im;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&im, 0, sizeof(im));
	rc = dl_open(&im.c, o);
	if (rc < 0)
		return rc;
	im.filter = o->filter && *o->filter ? o->filter : DL_FILTER_DEFAULT;
	if (im.filter[0] != '(')
		rc = mbx_error_set(MBX_EINVAL, "%s: malformed filter '%s': an LDAP filter is in "
		                   "parentheses, such as '(objectClass=user)'", im.c.uri, im.filter);
	if (rc == 0)
		rc = dl_check_base(&im.c, im.filter);
	if (rc == 0)
		rc = dir_import_run(st, im.c.uri, dl_read, &im, dry_run, out);
	dl_close(&im.c);
	return rc;
}

/* ---- Export -------------------------------------------------------------------- */

static mbx_ldap_export_entry *dl_result(mbx_ldap_export_report *r, const char *dn,
                                        mbx_ldap_result res, char *detail)
{
	mbx_ldap_export_entry *e;

	r->entries = mbx_reallocarray(r->entries, r->n_entries + 1, sizeof(*r->entries));
	e = &r->entries[r->n_entries++];
	e->dn = mbx_strdup(dn);
	e->result = res;
	e->detail = detail;
	switch (res) {
	case MBX_LDAP_ADDED: r->added++; break;
	case MBX_LDAP_EXISTS: r->exists++; break;
	case MBX_LDAP_DIFFERS: r->differs++; break;
	case MBX_LDAP_FAILED: r->failed++; break;
	}
	return e;
}

/* The entry's attributes as LDAPMods, values grouped by name (in order). */
static LDAPMod **dl_mods(const dir_entry *e)
{
	LDAPMod **mods = mbx_calloc(e->n_attrs + 1, sizeof(*mods));
	size_t i, j, n = 0;

	for (i = 0; i < e->n_attrs; i++) {
		LDAPMod *m = NULL;
		size_t k = 0;

		for (j = 0; j < n; j++)
			if (strcasecmp(mods[j]->mod_type, e->attrs[i].name) == 0)
				m = mods[j];
		if (!m) {
			m = mbx_calloc(1, sizeof(*m));
			m->mod_op = LDAP_MOD_ADD | LDAP_MOD_BVALUES;
			m->mod_type = e->attrs[i].name;
			mods[n++] = m;
		}
		while (m->mod_bvalues && m->mod_bvalues[k])
			k++;
		m->mod_bvalues = mbx_reallocarray(m->mod_bvalues, k + 2, sizeof(*m->mod_bvalues));
		m->mod_bvalues[k] = mbx_calloc(1, sizeof(struct berval));
		m->mod_bvalues[k]->bv_val = e->attrs[i].value;
		m->mod_bvalues[k]->bv_len = e->attrs[i].len;
		m->mod_bvalues[k + 1] = NULL;
	}
	return mods;
}

static void dl_mods_free(LDAPMod **mods)
{
	size_t i, k;

	for (i = 0; mods && mods[i]; i++) {
		for (k = 0; mods[i]->mod_bvalues && mods[i]->mod_bvalues[k]; k++)
			mbx_free(mods[i]->mod_bvalues[k]);
		mbx_free(mods[i]->mod_bvalues);
		mbx_free(mods[i]);
	}
	mbx_free(mods);
}

/* Append "; " and text to *s. */
static void dl_cat(char **s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void dl_cat(char **s, const char *fmt, ...)
{
	va_list ap;
	char *add, *t;

	va_start(ap, fmt);
	add = mbx_vasprintf(fmt, ap);
	va_end(ap);
	t = *s ? mbx_asprintf("%s; %s", *s, add) : mbx_strdup(add);
	mbx_free(add);
	mbx_free(*s);
	*s = t;
}

/* An entry that exists: *detail NULL when it has every value we would
 * add (ignoring case), else what differs. */
static int dl_compare(dl_conn *c, const dir_entry *e, LDAPMod **mods, char **detail)
{
	struct timeval tv = { c->timeout, 0 };
	LDAPMessage *res = NULL, *m;
	char **names;
	size_t i, j, k, n = 0;
	int lrc;

	*detail = NULL;
	for (n = 0; mods[n]; n++)
		;
	names = mbx_calloc(n + 1, sizeof(*names));
	for (i = 0; i < n; i++)
		names[i] = mods[i]->mod_type;
	lrc = ldap_search_ext_s(c->ld, e->dn, LDAP_SCOPE_BASE, "(objectClass=*)", names, 0, NULL,
	                        NULL, &tv, 1, &res);
	mbx_free(names);
	m = res ? ldap_first_entry(c->ld, res) : NULL;
	if (lrc != LDAP_SUCCESS || !m) {
		ldap_msgfree(res);
		return dl_fail(c, lrc == LDAP_SUCCESS ? LDAP_NO_SUCH_OBJECT : lrc,
		               "reading an existing entry");
	}
	for (i = 0; i < n; i++) {
		struct berval **have = ldap_get_values_len(c->ld, m, mods[i]->mod_type);

		for (k = 0; mods[i]->mod_bvalues[k]; k++) {
			const struct berval *want = mods[i]->mod_bvalues[k];
			int found = 0;

			for (j = 0; have && have[j] && !found; j++)
				found = have[j]->bv_len == want->bv_len &&
				        strncasecmp(have[j]->bv_val, want->bv_val, want->bv_len) == 0;
			if (found)
				continue;
			if (!have || !have[0])
				dl_cat(detail, "%s is missing there, '%s' here", mods[i]->mod_type,
				       want->bv_val);
			else if (!have[1] && strcasecmp(mods[i]->mod_type, "objectClass") != 0)
				dl_cat(detail, "%s is '%.*s' there, '%s' here", mods[i]->mod_type,
				       (int)(have[0]->bv_len > 200 ? 200 : have[0]->bv_len),
				       have[0]->bv_val, want->bv_val);
			else
				dl_cat(detail, "%s has no value '%s' there", mods[i]->mod_type, want->bv_val);
		}
		ldap_value_free_len(have);
	}
	ldap_msgfree(res);
	return 0;
}

/* Connection-level failures stop the export; others are the entry's. */
static int dl_fatal(int lrc)
{
	return lrc == LDAP_SERVER_DOWN || lrc == LDAP_CONNECT_ERROR || lrc == LDAP_TIMEOUT ||
	       lrc == LDAP_LOCAL_ERROR || lrc == LDAP_ENCODING_ERROR || lrc == LDAP_DECODING_ERROR;
}

/* The server will not take any entry from this bind. */
static int dl_refused(int lrc)
{
	return lrc == LDAP_STRONG_AUTH_REQUIRED || lrc == LDAP_CONFIDENTIALITY_REQUIRED ||
	       lrc == LDAP_INSUFFICIENT_ACCESS || lrc == LDAP_UNWILLING_TO_PERFORM;
}

int mbx_directory_export_ldap(mbx_store *st, const mbx_ldap_opts *o, mbx_ldap_export_report *out)
{
	dl_conn c;
	dir_list l = { NULL, 0 };
	char *server = NULL;
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = dl_open(&c, o);
	if (rc < 0)
		return rc;
	rc = dl_check_base(&c, NULL);
	if (rc == 0)
		rc = dir_export_entries(st, o->base, &l, &server);
	for (i = 0; rc == 0 && i < l.n; i++) {
		const dir_entry *e = &l.entries[i];
		LDAPMod **mods = dl_mods(e);
		char *detail = NULL, *diag;
		int lrc = ldap_add_ext_s(c.ld, e->dn, mods, NULL, NULL);

		if (lrc == LDAP_SUCCESS) {
			dl_result(out, e->dn, MBX_LDAP_ADDED, NULL);
		} else if (lrc == LDAP_ALREADY_EXISTS) {
			rc = dl_compare(&c, e, mods, &detail);
			if (rc == 0)
				dl_result(out, e->dn, detail ? MBX_LDAP_DIFFERS : MBX_LDAP_EXISTS, detail);
		} else if (dl_fatal(lrc) || (out->n_entries == 0 && dl_refused(lrc))) {
			/* Lost the server, or it takes nothing from this account. */
			rc = dl_fail(&c, lrc, "adding an entry");
			if (out->n_entries)
				mbx_error_prefix(rc, "after %zu of %zu entries", out->n_entries, l.n);
		} else {
			diag = dl_diag(c.ld);
			dl_result(out, e->dn, MBX_LDAP_FAILED,
			          *diag ? mbx_asprintf("%s (%s)", ldap_err2string(lrc), diag)
			                : mbx_strdup(ldap_err2string(lrc)));
			mbx_free(diag);
		}
		dl_mods_free(mods);
	}
	mbx_free(server);
	dir_list_clear(&l);
	dl_close(&c);
	return rc;
}
