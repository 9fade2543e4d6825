/*
 * mbx/query.h - the search query language an administrator types, parsed
 * into a tree (core/base/query.c: pure C, no SQL).  The store runs a tree
 * (mbx/search.h): every word and phrase becomes a quoted phrase of an
 * FTS5 query, every filter an SQL condition with bound values; nothing of
 * the text is ever pasted into SQL or into FTS5's query syntax.
 *
 * The language:
 *   contract                a word, anywhere: subject, sender (name and
 *                           address), recipients, body, attachment names
 *   "supply contract"       an exact phrase
 *   contr*                  a word starting with "contr"
 *   from:WORD|"PHRASE"      sender name or address      (from:smith,
 *   to:...                  any recipient (To, Cc, Bcc)  from:"John Smith",
 *   subject:...             subject                       to:jsmith@contoso.com)
 *   body:...                body text
 *   attachment:NAME         attachment file names (and the subjects of
 *                           attached messages): attachment:report.pdf
 *   folder:PATH             in folder PATH or below it: a path from the
 *                           mailbox's top ("Inbox/Projects"), or one name
 *                           found at any depth ("Projects"); well-known
 *                           folders (Inbox, Sent Items, Deleted Items, ...)
 *                           also by their English name in any language
 *   mailbox:ALIAS           in the mailbox with this alias
 *   has:attachment          with at least one attachment
 *   before:DATE after:DATE  the message date (received, else sent; UTC):
 *                           before the start of DATE / on or after it.
 *                           DATE is YYYY-MM-DD, YYYY/MM/DD, YYYY-MM, YYYY,
 *                           MM/DD/YYYY (Exmerge's), or with a time
 *                           "YYYY-MM-DD HH:MM[:SS]" (quoted) or
 *                           YYYY-MM-DDTHH:MM[:SS]
 *   class:CLASS             message class CLASS or below it
 *                           (class:IPM.Note also finds IPM.Note.SMIME);
 *                           without a dot, "IPM." is put in front
 *                           (class:Appointment)
 *   a b                     both (AND is implied; "AND" may be written)
 *   a OR b                  either; OR binds tighter than AND, so
 *                           `invoice contract OR agreement` is invoice
 *                           AND (contract OR agreement)
 *   -a  NOT a               not a (any term, filter or group)
 *   ( ... )                 grouping
 * AND, OR and NOT are operators only in capitals.  Field names are
 * case-insensitive.  Words are matched as the index tokenizes them:
 * case and diacritics folded, Chinese, Japanese and Korean by character
 * pairs (so a two-character name is found inside a longer run), Arabic
 * without its vowel marks and tatweel.
 *
 * Ownership: mbx_query_parse hands the caller a tree it frees with
 * mbx_query_free (NULL is a no-op); strings in it belong to the tree.
 */
#ifndef MBX_QUERY_H
#define MBX_QUERY_H

#include "mbx/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum mbx_query_op {
	MBX_QOP_TERM = 0,   /* a word, phrase or filter (field, text) */
	MBX_QOP_AND,        /* every kid */
	MBX_QOP_OR,         /* any kid */
	MBX_QOP_NOT         /* not its one kid */
} mbx_query_op;

typedef enum mbx_query_field {
	/* words and phrases, looked up in the full-text index */
	MBX_QF_TEXT = 0,        /* any indexed column */
	MBX_QF_FROM,
	MBX_QF_TO,
	MBX_QF_SUBJECT,
	MBX_QF_BODY,
	MBX_QF_ATTACHMENT,
	/* filters, on the messages' fields */
	MBX_QF_FOLDER,
	MBX_QF_MAILBOX,
	MBX_QF_HAS_ATTACHMENT,
	MBX_QF_BEFORE,
	MBX_QF_AFTER,
	MBX_QF_CLASS,
	MBX_QF_COUNT
} mbx_query_field;

typedef struct mbx_query mbx_query;

struct mbx_query {
	mbx_query_op op;
	/* MBX_QOP_TERM */
	mbx_query_field field;
	char *text;            /* the word, phrase, path, alias or class as typed
	                        * (unquoted; NULL for has:attachment) */
	int phrase;            /* given in quotes */
	int prefix;            /* a word given with a trailing '*' (not in text) */
	int64_t time;          /* BEFORE, AFTER: Unix seconds (UTC) */
	size_t pos;            /* byte offset in the query text where it starts */
	/* AND, OR (two or more), NOT (one) */
	mbx_query **kids;
	size_t n_kids;
};

/*
 * Parse `text`.  0 and *out set; a malformed query is MBX_EINVAL with one
 * message naming the mistake and where it is ("at character 12: unknown
 * field 'form:' ..."), *out NULL and *err_pos (may be NULL) the byte
 * offset of the mistake in text (for a caret under it).
 */
int mbx_query_parse(const char *text, mbx_query **out, size_t *err_pos);
void mbx_query_free(mbx_query *q);

/* 1 for the fields looked up in the full-text index (TEXT .. ATTACHMENT). */
int mbx_query_field_indexed(mbx_query_field f);
/* The field's name as typed ("from", "has", ...; "" for TEXT). */
const char *mbx_query_field_name(mbx_query_field f);
/* The character (1-based, counting UTF-8 characters) at byte offset pos. */
size_t mbx_query_char_at(const char *text, size_t pos);

/*
 * The tree in a canonical one-line form, for tests and logs (caller
 * frees): AND(a OR(from:"b c" subject:d*) NOT(has:attachment)
 * before:2024-01-01).
 */
char *mbx_query_describe(const mbx_query *q);

/* Parse a DATE of the language (above) to Unix seconds; 0 or MBX_EINVAL. */
int mbx_query_parse_date(const char *s, int64_t *out);

#ifdef __cplusplus
}
#endif
#endif
