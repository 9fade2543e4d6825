/*
 * core/base/query.c - the search query language (mbx/query.h): a
 * recursive-descent parser from the text an administrator types to a
 * tree.  No SQL here; the store turns the tree into a query with bound
 * values (core/store/store_search.c).
 *
 * Grammar (OR binds tighter than AND, as in web search engines):
 *   query    := and_list END
 *   and_list := or_group ( [AND] or_group )*
 *   or_group := unary ( OR unary )*
 *   unary    := '-' unary | NOT unary | primary
 *   primary  := '(' and_list ')' | term
 *   term     := [field ':'] ( word | '"' phrase '"' ) ['*']
 */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "mbx/query.h"

#define MAX_DEPTH 64      /* nested groups and negations */
#define MAX_TERMS 256     /* terms in one query */

static const char *const field_names[MBX_QF_COUNT] = {
	"", "from", "to", "subject", "body", "attachment",
	"folder", "mailbox", "has", "before", "after", "class"
};

const char *mbx_query_field_name(mbx_query_field f)
{
	return (unsigned)f < MBX_QF_COUNT ? field_names[f] : "";
}

int mbx_query_field_indexed(mbx_query_field f)
{
	return f <= MBX_QF_ATTACHMENT;
}

size_t mbx_query_char_at(const char *text, size_t pos)
{
	size_t i, n = 1;

	/* one more for every character that starts before pos */
	for (i = 0; text && text[i] && i < pos; i++)
		if (((unsigned char)text[i] & 0xC0) != 0x80)
			n++;
	return n;
}

/* ---- Dates ----------------------------------------------------------------- */

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; H. Hinnant's). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static unsigned month_days(int y, unsigned m)
{
	static const unsigned days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : days[m - 1];
}

/* n digits at *p into *v; advances. */
static int digits(const char **p, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return -1;
		*v = *v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	return 0;
}

/* One or two digits. */
static int digits12(const char **p, int *v)
{
	if ((*p)[0] < '0' || (*p)[0] > '9')
		return -1;
	if ((*p)[1] >= '0' && (*p)[1] <= '9')
		return digits(p, 2, v);
	return digits(p, 1, v);
}

int mbx_query_parse_date(const char *s, int64_t *out)
{
	const char *p = s;
	int y = 0, m = 1, d = 1, hh = 0, mm = 0, ss = 0, a, b;

	if (!s || !*s)
		return mbx_error_set(MBX_EINVAL, "no date given");
	if (digits12(&p, &a) == 0 && (*p == '/' || *p == '.') && p - s <= 2) {
		/* MM/DD/YYYY (Exmerge) or DD.MM.YYYY */
		char sep = *p++;

		if (digits12(&p, &b) < 0 || *p++ != sep || digits(&p, 4, &y) < 0)
			goto bad;
		m = sep == '/' ? a : b;
		d = sep == '/' ? b : a;
	} else {
		p = s;
		if (digits(&p, 4, &y) < 0)
			goto bad;
		if (*p == '-' || *p == '/') {
			char sep = *p++;

			if (digits12(&p, &m) < 0)
				goto bad;
			if (*p == sep) {
				p++;
				if (digits12(&p, &d) < 0)
					goto bad;
			}
		}
	}
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		if (digits12(&p, &hh) < 0 || *p++ != ':' || digits(&p, 2, &mm) < 0)
			goto bad;
		if (*p == ':') {
			p++;
			if (digits(&p, 2, &ss) < 0)
				goto bad;
		}
		if (*p == 'Z' || *p == 'z')
			p++;
	}
	if (*p)
		goto bad;
	if (y < 1601 || y > 9999 || m < 1 || m > 12 || d < 1 || (unsigned)d > month_days(y, (unsigned)m) ||
	    hh > 23 || mm > 59 || ss > 59)
		return mbx_error_set(MBX_EINVAL, "'%s' is not a valid date", s);
	*out = days_from_civil(y, (unsigned)m, (unsigned)d) * 86400 + hh * 3600 + mm * 60 + ss;
	return 0;
bad:
	return mbx_error_set(MBX_EINVAL, "'%s' is not a date (use YYYY-MM-DD, YYYY-MM, YYYY, "
	                     "MM/DD/YYYY or \"YYYY-MM-DD HH:MM\")", s);
}

/* ---- Nodes ------------------------------------------------------------------- */

void mbx_query_free(mbx_query *q)
{
	size_t i;

	if (!q)
		return;
	for (i = 0; i < q->n_kids; i++)
		mbx_query_free(q->kids[i]);
	mbx_free(q->kids);
	mbx_free(q->text);
	mbx_free(q);
}

static mbx_query *node(mbx_query_op op, size_t pos)
{
	mbx_query *q = mbx_calloc(1, sizeof(*q));

	q->op = op;
	q->pos = pos;
	return q;
}

/* Add kid to parent (an AND or OR), taking a kid of the same operator
 * apart so that the tree stays flat. */
static void add_kid(mbx_query *parent, mbx_query *kid)
{
	size_t i;

	if (kid->op == parent->op && parent->op != MBX_QOP_NOT) {
		for (i = 0; i < kid->n_kids; i++)
			add_kid(parent, kid->kids[i]);
		kid->n_kids = 0;
		mbx_query_free(kid);
		return;
	}
	parent->kids = mbx_reallocarray(parent->kids, parent->n_kids + 1, sizeof(*parent->kids));
	parent->kids[parent->n_kids++] = kid;
}

/* ---- Lexing -------------------------------------------------------------------- */

typedef struct parser {
	const char *s;
	size_t i;
	int err;               /* the first error's code, 0 none */
	size_t err_pos;
	int depth;
	size_t terms;
} parser;

static int fail(parser *p, size_t pos, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(parser *p, size_t pos, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (p->err)
		return p->err;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p->err = MBX_EINVAL;
	p->err_pos = pos;
	return mbx_error_set(MBX_EINVAL, "malformed query at character %zu: %s",
	                     mbx_query_char_at(p->s, pos), msg);
}

/* Bytes of white space at s: ASCII blanks, NO-BREAK SPACE, IDEOGRAPHIC SPACE. */
static size_t space_len(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	if (*u == ' ' || *u == '\t' || *u == '\n' || *u == '\r' || *u == '\f' || *u == '\v')
		return 1;
	if (u[0] == 0xC2 && u[1] == 0xA0)
		return 2;
	if (u[0] == 0xE3 && u[1] == 0x80 && u[2] == 0x80)
		return 3;
	return 0;
}

static void skip_space(parser *p)
{
	size_t n;

	while ((n = space_len(p->s + p->i)) > 0)
		p->i += n;
}

/* Where a bare word ends. */
static int word_end(const char *s)
{
	return !*s || *s == '(' || *s == ')' || *s == '"' || space_len(s) > 0;
}

typedef enum { T_END, T_LPAREN, T_RPAREN, T_AND, T_OR, T_NOT, T_MINUS, T_ATOM } tok;

static int keyword_at(const char *s, const char *kw)
{
	size_t n = strlen(kw);

	return strncmp(s, kw, n) == 0 && word_end(s + n);
}

/* The kind of token at the current position (after white space). */
static tok peek(parser *p)
{
	const char *s;

	skip_space(p);
	s = p->s + p->i;
	if (!*s)
		return T_END;
	if (*s == '(')
		return T_LPAREN;
	if (*s == ')')
		return T_RPAREN;
	if (*s == '-')
		return T_MINUS;
	if (keyword_at(s, "AND"))
		return T_AND;
	if (keyword_at(s, "OR"))
		return T_OR;
	if (keyword_at(s, "NOT"))
		return T_NOT;
	return T_ATOM;
}

/* ---- Terms ------------------------------------------------------------------------ */

static const char field_list[] = "from, to, subject, body, attachment, folder, mailbox, has, "
                                 "before, after, class";

/* A quoted phrase at p->i (on the opening quote): its text (caller frees). */
static char *read_phrase(parser *p)
{
	size_t open = p->i;
	const char *start = p->s + p->i + 1, *close = strchr(start, '"');
	char *t;
	size_t k;

	if (!close) {
		fail(p, open, "this quote is never closed; add the closing '\"'");
		return NULL;
	}
	t = mbx_strndup(start, (size_t)(close - start));
	p->i = (size_t)(close - p->s) + 1;
	for (k = 0; t[k] && space_len(t + k) > 0; k++)
		;
	if (!t[k]) {
		mbx_free(t);
		fail(p, open, "an empty phrase \"\"; put words between the quotes");
		return NULL;
	}
	return t;
}

/* A bare word at p->i (caller frees). */
static char *read_word(parser *p)
{
	size_t start = p->i;

	while (!word_end(p->s + p->i))
		p->i++;
	return mbx_strndup(p->s + start, p->i - start);
}

/* field ':' at s: its length with the colon, and which field, or 0 when
 * s does not start with letters and a colon; -1 for letters and a colon
 * naming no field. */
static int field_at(const char *s, mbx_query_field *f)
{
	size_t n = 0;
	int i;

	while ((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z'))
		n++;
	if (n == 0 || s[n] != ':')
		return 0;
	for (i = 1; i < MBX_QF_COUNT; i++)
		if (strlen(field_names[i]) == n && strncasecmp(s, field_names[i], n) == 0) {
			*f = (mbx_query_field)i;
			return (int)n + 1;
		}
	return -1;
}

static mbx_query *term(parser *p)
{
	size_t pos = p->i, vpos;
	mbx_query_field f = MBX_QF_TEXT;
	const char *s = p->s + p->i;
	mbx_query *q;
	char *text;
	int flen, phrase = 0, prefix = 0;

	if (++p->terms > MAX_TERMS) {
		fail(p, pos, "more than %d terms; search for fewer at a time", MAX_TERMS);
		return NULL;
	}
	flen = *s == '"' ? 0 : field_at(s, &f);
	if (flen < 0) {
		size_t n = strcspn(s, ":");

		fail(p, pos, "unknown field '%.*s:' (the fields are %s; to search for text with a colon, "
		     "put it in quotes)", (int)n, s, field_list);
		return NULL;
	}
	p->i += (size_t)flen;
	vpos = p->i;
	if (p->s[p->i] == '"') {
		text = read_phrase(p);
		if (!text)
			return NULL;
		phrase = 1;
		if (p->s[p->i] == '*') {
			prefix = 1;
			p->i++;
		}
		if (!word_end(p->s + p->i)) {
			fail(p, p->i, "a space is missing after the closing quote");
			mbx_free(text);
			return NULL;
		}
	} else {
		text = read_word(p);
		if (!*text) {
			mbx_free(text);
			if (flen > 0)
				fail(p, pos, "%s: needs a value (%s:WORD or %s:\"SOME WORDS\")",
				     field_names[f], field_names[f], field_names[f]);
			else
				fail(p, pos, "nothing to search for here");
			return NULL;
		}
		{
			size_t n = strlen(text);

			if (text[n - 1] == '*') {
				while (n > 0 && text[n - 1] == '*')
					text[--n] = '\0';
				if (n == 0) {
					mbx_free(text);
					fail(p, vpos, "'*' must end a word (contr* finds contract, contractor, ...)");
					return NULL;
				}
				prefix = 1;
			}
		}
	}
	if (prefix && !mbx_query_field_indexed(f)) {
		mbx_free(text);
		fail(p, vpos, "'*' works on words, not on %s:", field_names[f]);
		return NULL;
	}
	q = node(MBX_QOP_TERM, pos);
	q->field = f;
	q->phrase = phrase;
	q->prefix = prefix;
	q->text = text;
	switch (f) {
	case MBX_QF_HAS_ATTACHMENT:
		if (strcasecmp(text, "attachment") != 0 && strcasecmp(text, "attachments") != 0) {
			fail(p, vpos, "has: knows only has:attachment");
			mbx_query_free(q);
			return NULL;
		}
		mbx_free(q->text);
		q->text = NULL;
		break;
	case MBX_QF_BEFORE:
	case MBX_QF_AFTER:
		if (mbx_query_parse_date(text, &q->time) < 0) {
			char *why = mbx_strdup(mbx_error_last());

			fail(p, vpos, "%s", why);
			mbx_free(why);
			mbx_query_free(q);
			return NULL;
		}
		break;
	default:
		break;
	}
	return q;
}

/* ---- Grammar ----------------------------------------------------------------------- */

static mbx_query *and_list(parser *p);

static mbx_query *unary(parser *p)
{
	size_t pos;
	mbx_query *q, *kid;
	tok t = peek(p);

	pos = p->i;
	switch (t) {
	case T_MINUS:
	case T_NOT:
		p->i += t == T_MINUS ? 1 : 3;
		if (t == T_MINUS && (space_len(p->s + p->i) > 0 || !p->s[p->i])) {
			fail(p, pos, "'-' must be followed directly by what to leave out (-word, -from:name)");
			return NULL;
		}
		if (++p->depth > MAX_DEPTH) {
			fail(p, pos, "nested more than %d deep", MAX_DEPTH);
			return NULL;
		}
		t = peek(p);
		if (t == T_END || t == T_RPAREN || t == T_AND || t == T_OR) {
			fail(p, pos, "%s needs something to leave out after it", t == T_MINUS ? "'-'" : "NOT");
			return NULL;
		}
		kid = unary(p);
		p->depth--;
		if (!kid)
			return NULL;
		q = node(MBX_QOP_NOT, pos);
		add_kid(q, kid);
		return q;
	case T_LPAREN:
		p->i++;
		if (++p->depth > MAX_DEPTH) {
			fail(p, pos, "nested more than %d deep", MAX_DEPTH);
			return NULL;
		}
		if (peek(p) == T_RPAREN) {
			fail(p, pos, "empty parentheses");
			return NULL;
		}
		q = and_list(p);
		p->depth--;
		if (!q)
			return NULL;
		if (peek(p) != T_RPAREN) {
			mbx_query_free(q);
			fail(p, pos, "this '(' is never closed; add the ')'");
			return NULL;
		}
		p->i++;
		return q;
	case T_RPAREN:
		fail(p, pos, "')' without a '(' before it");
		return NULL;
	case T_AND:
	case T_OR:
		fail(p, pos, "%s needs a term before it", t == T_AND ? "AND" : "OR");
		return NULL;
	case T_END:
		fail(p, pos, "the query ends where a term is expected");
		return NULL;
	default:
		return term(p);
	}
}

static mbx_query *or_group(parser *p)
{
	mbx_query *q = unary(p), *or = NULL, *kid;

	while (q || or) {
		size_t pos;
		tok t = peek(p);

		if (t != T_OR)
			break;
		pos = p->i;
		p->i += 2;
		t = peek(p);
		if (t == T_END || t == T_RPAREN || t == T_AND || t == T_OR) {
			fail(p, pos, "OR needs a term after it");
			mbx_query_free(q);
			mbx_query_free(or);
			return NULL;
		}
		if (!or) {
			or = node(MBX_QOP_OR, q->pos);
			add_kid(or, q);
		}
		kid = unary(p);
		if (!kid) {
			mbx_query_free(or);
			return NULL;
		}
		add_kid(or, kid);
		q = NULL;
	}
	return or ? or : q;
}

static mbx_query *and_list(parser *p)
{
	mbx_query *q = or_group(p), *and = NULL, *kid;

	if (!q)
		return NULL;
	for (;;) {
		tok t = peek(p);
		size_t pos = p->i;

		if (t == T_END || t == T_RPAREN)
			break;
		if (t == T_AND) {
			p->i += 3;
			t = peek(p);
			if (t == T_END || t == T_RPAREN || t == T_AND || t == T_OR) {
				fail(p, pos, "AND needs a term after it");
				goto bad;
			}
		}
		kid = or_group(p);
		if (!kid)
			goto bad;
		if (!and) {
			and = node(MBX_QOP_AND, q->pos);
			add_kid(and, q);
			q = NULL;
		}
		add_kid(and, kid);
	}
	return and ? and : q;
bad:
	mbx_query_free(q);
	mbx_query_free(and);
	return NULL;
}

int mbx_query_parse(const char *text, mbx_query **out, size_t *err_pos)
{
	parser p;
	mbx_query *q;

	*out = NULL;
	if (err_pos)
		*err_pos = 0;
	memset(&p, 0, sizeof(p));
	p.s = text ? text : "";
	if (peek(&p) == T_END) {
		if (err_pos)
			*err_pos = p.i;
		return mbx_error_set(MBX_EINVAL, "empty query: give words to search for (or filters "
		                     "such as from:NAME, has:attachment)");
	}
	q = and_list(&p);
	if (q && peek(&p) == T_RPAREN) {
		fail(&p, p.i, "')' without a '(' before it");
		mbx_query_free(q);
		q = NULL;
	}
	if (!q) {
		if (err_pos)
			*err_pos = p.err_pos;
		return p.err ? p.err : mbx_error_set(MBX_EINVAL, "malformed query");
	}
	*out = q;
	return 0;
}

/* ---- Describe ---------------------------------------------------------------------- */

typedef struct sbuf {
	char *p;
	size_t n, cap;
} sbuf;

static void put(sbuf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		b->cap = (b->n + n + 1) * 2;
		b->p = mbx_realloc(b->p, b->cap);
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static void puts_(sbuf *b, const char *s)
{
	put(b, s, strlen(s));
}

static void describe(sbuf *b, const mbx_query *q)
{
	size_t i;

	if (q->op != MBX_QOP_TERM) {
		puts_(b, q->op == MBX_QOP_AND ? "AND(" : q->op == MBX_QOP_OR ? "OR(" : "NOT(");
		for (i = 0; i < q->n_kids; i++) {
			if (i)
				puts_(b, " ");
			describe(b, q->kids[i]);
		}
		puts_(b, ")");
		return;
	}
	if (q->field != MBX_QF_TEXT) {
		puts_(b, field_names[q->field]);
		puts_(b, ":");
	}
	if (q->field == MBX_QF_HAS_ATTACHMENT) {
		puts_(b, "attachment");
	} else if (q->field == MBX_QF_BEFORE || q->field == MBX_QF_AFTER) {
		char d[64];
		int64_t days = q->time >= 0 ? q->time / 86400 : -((-q->time + 86399) / 86400);
		int64_t sec = q->time - days * 86400, z = days + 719468, era, y;
		unsigned doe, yoe, doy, mp, dd, mm;

		/* civil_from_days */
		era = (z >= 0 ? z : z - 146096) / 146097;
		doe = (unsigned)(z - era * 146097);
		yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
		y = (int64_t)yoe + era * 400;
		doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
		mp = (5 * doy + 2) / 153;
		dd = doy - (153 * mp + 2) / 5 + 1;
		mm = mp < 10 ? mp + 3 : mp - 9;
		y += mm <= 2;
		if (sec)
			snprintf(d, sizeof(d), "%04lld-%02u-%02uT%02d:%02d:%02d", (long long)y, mm, dd,
			         (int)(sec / 3600), (int)(sec / 60 % 60), (int)(sec % 60));
		else
			snprintf(d, sizeof(d), "%04lld-%02u-%02u", (long long)y, mm, dd);
		puts_(b, d);
	} else if (q->phrase || strchr(q->text, ' ')) {
		puts_(b, "\"");
		puts_(b, q->text);
		puts_(b, "\"");
	} else {
		puts_(b, q->text);
	}
	if (q->prefix)
		puts_(b, "*");
}

char *mbx_query_describe(const mbx_query *q)
{
	sbuf b = { NULL, 0, 0 };

	put(&b, "", 0);
	if (q)
		describe(&b, q);
	return b.p;
}
