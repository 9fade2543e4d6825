/* tests/t_base_query.c - the search query language (mbx/query.h): a table
 * of queries and the trees they give, and of malformed queries and where
 * their mistake is reported. */
#include "config.h"
#include <string.h>

#include "mbx/query.h"
#include "tap.h"

static const struct {
	const char *in, *want;
} good[] = {
	/* words, phrases, prefixes */
	{ "contract", "contract" },
	{ "Contract Renewal", "AND(Contract Renewal)" },
	{ "\"supply contract\"", "\"supply contract\"" },
	{ "contr*", "contr*" },
	{ "\"supply contr\"*", "\"supply contr\"*" },
	{ "10:30", "10:30" },
	{ "and or", "AND(and or)" },
	{ "O'Brien", "O'Brien" },
	{ "陈伟", "陈伟" },
	{ "陈伟\xe3\x80\x80会議", "AND(陈伟 会議)" },          /* ideographic space */
	{ "  spaced\tout\n ", "AND(spaced out)" },
	/* fields */
	{ "from:smith", "from:smith" },
	{ "FROM:\"John Smith\"", "from:\"John Smith\"" },
	{ "to:jsmith@contoso.com", "to:jsmith@contoso.com" },
	{ "subject:x body:y", "AND(subject:x body:y)" },
	{ "subject:contr*", "subject:contr*" },
	{ "attachment:report.pdf", "attachment:report.pdf" },
	{ "folder:Inbox/Projects", "folder:Inbox/Projects" },
	{ "folder:\"Inbox/Archive 2025\"", "folder:\"Inbox/Archive 2025\"" },
	{ "mailbox:JSmith", "mailbox:JSmith" },
	{ "has:attachment", "has:attachment" },
	{ "Has:Attachments", "has:attachment" },
	{ "class:Appointment", "class:Appointment" },
	{ "class:IPM.Note", "class:IPM.Note" },
	/* dates */
	{ "before:2024-01-31", "before:2024-01-31" },
	{ "before:2024/01/31", "before:2024-01-31" },
	{ "after:2024-02", "after:2024-02-01" },
	{ "after:2024", "after:2024-01-01" },
	{ "before:12/31/2003", "before:2003-12-31" },
	{ "before:31.12.2003", "before:2003-12-31" },
	{ "before:2024-02-29", "before:2024-02-29" },
	{ "after:\"2024-01-31 12:30\"", "after:2024-01-31T12:30:00" },
	{ "after:2024-01-31T12:30:15Z", "after:2024-01-31T12:30:15" },
	{ "before:1601-01-01", "before:1601-01-01" },
	/* operators */
	{ "a OR b", "OR(a b)" },
	{ "a OR b OR c", "OR(a b c)" },
	{ "a b OR c", "AND(a OR(b c))" },
	{ "a OR b c", "AND(OR(a b) c)" },
	{ "a AND b", "AND(a b)" },
	{ "a AND b OR c", "AND(a OR(b c))" },
	{ "-spam", "NOT(spam)" },
	{ "NOT spam", "NOT(spam)" },
	{ "--spam", "NOT(NOT(spam))" },
	{ "-\"buy now\"", "NOT(\"buy now\")" },
	{ "-from:x -has:attachment", "AND(NOT(from:x) NOT(has:attachment))" },
	{ "(a OR b) (c OR d)", "AND(OR(a b) OR(c d))" },
	{ "(a b) OR c", "OR(AND(a b) c)" },
	{ "a (b (c OR d))", "AND(a b OR(c d))" },
	{ "-(a OR b)", "NOT(OR(a b))" },
	{ "x(y)", "AND(x y)" },
	{ "from:bob OR has:attachment", "OR(from:bob has:attachment)" },
	{ "contract from:smith after:2003-01-01 -has:attachment folder:Inbox",
	  "AND(contract from:smith after:2003-01-01 NOT(has:attachment) folder:Inbox)" },
};

static const struct {
	const char *in;
	size_t chr;            /* the character reported (1-based) */
	const char *msg;       /* part of the message */
} bad[] = {
	{ "", 1, "empty query" },
	{ "   ", 4, "empty query" },
	{ "form:bob", 1, "unknown field 'form:'" },
	{ "http://example.com", 1, "unknown field 'http:'" },
	{ "a \"b c", 3, "never closed" },
	{ "a \"\"", 3, "empty phrase" },
	{ "a \" \"", 3, "empty phrase" },
	{ "\"abc\"def", 6, "a space is missing after the closing quote" },
	{ "from:", 1, "from: needs a value" },
	{ "from: bob", 1, "from: needs a value" },
	{ "subject:(x)", 1, "subject: needs a value" },
	{ "a OR", 3, "OR needs a term after it" },
	{ "a OR OR b", 3, "OR needs a term after it" },
	{ "OR a", 1, "OR needs a term before it" },
	{ "a AND", 3, "AND needs a term after it" },
	{ "AND a", 1, "AND needs a term before it" },
	{ "(a b", 1, "never closed" },
	{ "a (b (c)", 3, "never closed" },
	{ "a b)", 4, "')' without a '('" },
	{ ")", 1, "')' without a '('" },
	{ "()", 1, "empty parentheses" },
	{ "- a", 1, "'-' must be followed directly" },
	{ "a -", 3, "'-' must be followed directly" },
	{ "NOT", 1, "NOT needs something to leave out" },
	{ "a NOT)", 3, "NOT needs something to leave out" },
	{ "has:pdf", 5, "has: knows only has:attachment" },
	{ "before:yesterday", 8, "is not a date" },
	{ "before:2024-02-30", 8, "not a valid date" },
	{ "after:2023-02-29", 7, "not a valid date" },
	{ "after:1600-12-31", 7, "not a valid date" },
	{ "after:2024-13", 7, "not a valid date" },
	{ "after:\"2024-01-01 25:00\"", 7, "not a valid date" },
	{ "folder:Inbox*", 8, "'*' works on words, not on folder:" },
	{ "mailbox:js*", 9, "'*' works on words, not on mailbox:" },
	{ "*", 1, "'*' must end a word" },
	{ "会議 form:x", 4, "unknown field 'form:'" },
	{ "ليلى \"ناصر", 6, "never closed" },
};

int main(void)
{
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		mbx_query *q = NULL;
		size_t pos = 99;
		int rc = mbx_query_parse(good[i].in, &q, &pos);
		char *d = rc == 0 ? mbx_query_describe(q) : NULL;

		if (!is_str(d, good[i].want, "parse [%s]", good[i].in) && rc < 0)
			diag("%s", mbx_error_last());
		mbx_free(d);
		mbx_query_free(q);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		mbx_query *q = (mbx_query *)1;
		size_t pos = 0;
		int rc = mbx_query_parse(bad[i].in, &q, &pos);
		char want[64];

		ok(rc == MBX_EINVAL && q == NULL, "malformed [%s] is MBX_EINVAL", bad[i].in);
		snprintf(want, sizeof(want), "at character %zu: ", bad[i].chr);
		if (bad[i].in[0] && strspn(bad[i].in, " ") != strlen(bad[i].in))
			ok(strstr(mbx_error_last(), want) != NULL, "[%s] points at character %zu: %s",
			   bad[i].in, bad[i].chr, mbx_error_last());
		ok(strstr(mbx_error_last(), bad[i].msg) != NULL, "[%s] says '%s'", bad[i].in, bad[i].msg);
		is_int(mbx_query_char_at(bad[i].in, pos), bad[i].chr, "[%s] err_pos is that character",
		       bad[i].in);
	}
	/* limits: depth and number of terms */
	{
		char deep[400], many[2000];
		mbx_query *q = NULL;
		size_t k = 0, pos;

		for (i = 0; i < 70; i++)
			deep[k++] = '(';
		deep[k++] = 'a';
		for (i = 0; i < 70; i++)
			deep[k++] = ')';
		deep[k] = '\0';
		ok(mbx_query_parse(deep, &q, &pos) == MBX_EINVAL && strstr(mbx_error_last(), "nested more than"),
		   "70 nested groups are refused");
		for (i = 0, k = 0; i < 300; i++)
			k += (size_t)sprintf(many + k, "w%zu ", i);
		ok(mbx_query_parse(many, &q, &pos) == MBX_EINVAL && strstr(mbx_error_last(), "more than 256 terms"),
		   "300 terms are refused");
		for (i = 0, k = 0; i < 200; i++)
			k += (size_t)sprintf(many + k, "w%zu ", i);
		ok(mbx_query_parse(many, &q, &pos) == 0, "200 terms are fine");
		mbx_query_free(q);
	}
	/* the tree's parts */
	{
		mbx_query *q = NULL;

		ok(mbx_query_parse("after:2024-01-02 \"a b\"* x", &q, NULL) == 0 && q->n_kids == 3, "three kids");
		is_int(q->kids[0]->field, MBX_QF_AFTER, "after: field");
		is_int(q->kids[0]->time, 1704153600, "after: Unix seconds (UTC)");
		ok(q->kids[1]->phrase && q->kids[1]->prefix && strcmp(q->kids[1]->text, "a b") == 0,
		   "a quoted prefix phrase");
		is_int(q->kids[2]->pos, 24, "positions are byte offsets");
		ok(mbx_query_field_indexed(MBX_QF_ATTACHMENT) && !mbx_query_field_indexed(MBX_QF_FOLDER),
		   "indexed fields and filters");
		mbx_query_free(q);
		mbx_query_free(NULL);
	}
	return tap_done();
}
