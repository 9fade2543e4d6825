/*
 * core/base/rtf.c - compressed RTF ([MS-OXRTFCP]) and RTF/HTML reduced to
 * text (mbx/rtf.h).
 */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "mbx/props.h"
#include "mbx/rtf.h"
#include "mbx/text.h"

#define LZFU 0x75465A4Cu
#define MELA 0x414C454Du
#define DICT 4096u

/* [MS-OXRTFCP] 3.1.2.1: the dictionary starts with these 207 bytes. */
static const char prebuf[] =
	"{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss \\fmodern "
	"\\fscript \\fdecor MS Sans SerifSymbolArialTimes New RomanCourier{\\colortbl\\red0\\green0"
	"\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx";
#define PREBUF_LEN (sizeof(prebuf) - 1)

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

/* [MS-OXRTFCP] 3.1.3.2: the usual CRC-32 table, start 0, no final inversion. */
static uint32_t rtf_crc(const unsigned char *p, size_t n)
{
	return (uint32_t)crc32(0xFFFFFFFFul, p, (uInt)n) ^ 0xFFFFFFFFu;
}

int mbx_rtf_decompress(const void *value, size_t len, unsigned char **out, size_t *outlen)
{
	const unsigned char *v = value, *in, *end;
	unsigned char dict[DICT], *o;
	uint32_t compsize, rawsize, type, wpos;
	size_t n = 0;

	*out = NULL;
	*outlen = 0;
	if (len < 16)
		return mbx_error_set(MBX_ECORRUPT, "compressed RTF of %zu bytes is shorter than its header", len);
	compsize = le32(v);
	rawsize = le32(v + 4);
	type = le32(v + 8);
	if (compsize < 12 || compsize - 12 > len - 16)
		return mbx_error_set(MBX_ECORRUPT, "compressed RTF says it holds %u bytes, the value has %zu",
		                     compsize, len);
	if (rawsize > (1u << 30))
		return mbx_error_set(MBX_ECORRUPT, "compressed RTF says it expands to %u bytes", rawsize);
	in = v + 16;
	end = v + 4 + compsize;
	if (type == MELA) {
		size_t have = (size_t)(end - in);

		n = rawsize < have ? rawsize : have;
		o = mbx_malloc(n + 1);
		memcpy(o, in, n);
		o[n] = 0;
		*out = o;
		*outlen = n;
		return 0;
	}
	if (type != LZFU)
		return mbx_error_set(MBX_ECORRUPT, "compressed RTF of unknown type 0x%08x", type);
	if (rtf_crc(in, (size_t)(end - in)) != le32(v + 12))
		return mbx_error_set(MBX_ECORRUPT, "compressed RTF fails its CRC");
	memcpy(dict, prebuf, PREBUF_LEN);
	memset(dict + PREBUF_LEN, 0, DICT - PREBUF_LEN);
	wpos = PREBUF_LEN;
	o = mbx_malloc((size_t)rawsize + 1);
	while (in < end) {
		unsigned ctrl = *in++, bit;

		for (bit = 0; bit < 8; bit++) {
			if (in >= end)
				goto done;
			if (!(ctrl & (1u << bit))) {
				if (n >= rawsize)
					goto toolong;
				dict[wpos] = *in;
				o[n++] = *in++;
				wpos = (wpos + 1) % DICT;
			} else {
				unsigned ref, off, k, l;

				if (end - in < 2) {
					mbx_free(o);
					return mbx_error_set(MBX_ECORRUPT, "compressed RTF ends inside a reference");
				}
				ref = (unsigned)in[0] << 8 | in[1];
				in += 2;
				off = ref >> 4;
				l = (ref & 0xF) + 2;
				if (off == wpos)
					goto done;   /* the end marker */
				for (k = 0; k < l; k++) {
					unsigned char c = dict[(off + k) % DICT];

					if (n >= rawsize)
						goto toolong;
					o[n++] = c;
					dict[wpos] = c;
					wpos = (wpos + 1) % DICT;
				}
			}
		}
	}
done:
	o[n] = 0;
	*out = o;
	*outlen = n;
	return 0;
toolong:
	mbx_free(o);
	return mbx_error_set(MBX_ECORRUPT, "compressed RTF expands past its size of %u bytes", rawsize);
}

typedef struct obuf {
	unsigned char *p;
	size_t n, cap;
} obuf;

static void ob_put(obuf *b, const void *p, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;

		while (b->n + n + 1 > cap)
			cap *= 2;
		b->p = mbx_realloc(b->p, cap);
		b->cap = cap;
	}
	memcpy(b->p + b->n, p, n);
	b->n += n;
	b->p[b->n] = 0;
}

static void ob_byte(obuf *b, unsigned char c)
{
	ob_put(b, &c, 1);
}

/*
 * LZFu the simple way: the text is the dictionary's stream (the 207
 * prefix bytes, then the input); a match is looked for among earlier
 * positions with the same first two bytes (hash chains, bounded) that the
 * 4,096-byte ring still holds and that do not overlap the bytes being
 * written, so every reader decodes it the same way.
 */
void mbx_rtf_compress(const void *rtf, size_t len, int compress, unsigned char **out, size_t *outlen)
{
	obuf b = { NULL, 0, 0 };
	unsigned char hdr[16];

	memset(hdr, 0, sizeof(hdr));
	ob_put(&b, hdr, sizeof(hdr));
	if (!compress) {
		ob_put(&b, rtf, len);
		put32(b.p, (uint32_t)(len + 12));
		put32(b.p + 4, (uint32_t)len);
		put32(b.p + 8, MELA);
		put32(b.p + 12, 0);
	} else {
		size_t total = PREBUF_LEN + len, i = PREBUF_LEN, ctrl_at = 0;
		unsigned char *s = mbx_malloc(total + 1), tok[2];
		int *head = mbx_malloc(65536 * sizeof(int)), *prev = mbx_malloc((total + 1) * sizeof(int));
		unsigned nt = 8, ctrl = 0;
		size_t k;

		memcpy(s, prebuf, PREBUF_LEN);
		memcpy(s + PREBUF_LEN, rtf, len);
		for (k = 0; k < 65536; k++)
			head[k] = -1;
		for (k = 0; k + 1 < PREBUF_LEN; k++) {
			unsigned h = (unsigned)s[k] << 8 | s[k + 1];

			prev[k] = head[h];
			head[h] = (int)k;
		}
		while (i <= total) {
			size_t best = 0, best_at = 0;

			if (nt == 8) {
				if (ctrl_at)
					b.p[ctrl_at] = (unsigned char)ctrl;
				ctrl_at = b.n;
				ob_byte(&b, 0);
				ctrl = 0;
				nt = 0;
			}
			if (i == total) {   /* the end marker: a reference to the write position */
				unsigned ref = (unsigned)(i % DICT) << 4;

				ctrl |= 1u << nt++;
				tok[0] = (unsigned char)(ref >> 8);
				tok[1] = (unsigned char)ref;
				ob_put(&b, tok, 2);
				break;
			}
			if (i + 1 < total) {
				int c = head[(unsigned)s[i] << 8 | s[i + 1]], tries = 0;

				for (; c >= 0 && tries < 64; c = prev[c], tries++) {
					size_t at = (size_t)c, l = 0, max = total - i;

					if (i - at >= DICT)
						break;   /* the ring no longer holds it */
					if (max > 17)
						max = 17;
					if (max > i - at)
						max = i - at;   /* no overlap with what is written */
					while (l < max && s[at + l] == s[i + l])
						l++;
					if (l > best) {
						best = l;
						best_at = at;
						if (l == 17)
							break;
					}
				}
			}
			if (best >= 2) {
				unsigned ref = (unsigned)(best_at % DICT) << 4 | (unsigned)(best - 2);

				ctrl |= 1u << nt++;
				tok[0] = (unsigned char)(ref >> 8);
				tok[1] = (unsigned char)ref;
				ob_put(&b, tok, 2);
			} else {
				nt++;
				ob_byte(&b, s[i]);
				best = 1;
			}
			for (k = 0; k < best; k++, i++) {
				if (i + 1 < total) {
					unsigned h = (unsigned)s[i] << 8 | s[i + 1];

					prev[i] = head[h];
					head[h] = (int)i;
				}
			}
		}
		b.p[ctrl_at] = (unsigned char)ctrl;
		mbx_free(s);
		mbx_free(head);
		mbx_free(prev);
		put32(b.p, (uint32_t)(b.n - 4));
		put32(b.p + 4, (uint32_t)len);
		put32(b.p + 8, LZFU);
		put32(b.p + 12, rtf_crc(b.p + 16, b.n - 16));
	}
	*out = b.p;
	*outlen = b.n;
}

/* ---- RTF to text ------------------------------------------------------------ */

/* Destinations whose text is not the document's text. */
static const char *const skip_dest[] = {
	"fonttbl", "colortbl", "stylesheet", "info", "pict", "object", "header", "headerl",
	"headerr", "headerf", "footer", "footerl", "footerr", "footerf", "listtable",
	"listoverridetable", "rsidtbl", "generator", "xmlnstbl", "themedata",
	"colorschememapping", "datastore", "latentstyles", "pgdsctbl", "revtbl", "fldinst",
	"filetbl", "mmathPr", "defchp", "defpap", "operator", "author", "title", "subject",
	"company", "bkmkstart", "bkmkend", "objdata", "field-instruction-placeholder", NULL
};

typedef struct rtfst {
	int skip;            /* inside a destination left out */
	int uc;              /* characters to skip after \uN */
	int htmltag;         /* inside \*\htmltag (encapsulated HTML markup) */
	int htmlrtf;         /* \htmlrtf: RTF-only text of encapsulated HTML */
} rtfst;

typedef struct rtfctx {
	obuf out;
	obuf bytes;          /* \'hh bytes not yet decoded */
	unsigned cp;
	int fromhtml;
} rtfctx;

static void flush_bytes(rtfctx *x)
{
	char *s;

	if (!x->bytes.n)
		return;
	s = mbx_utf8_from_codepage(x->bytes.p, x->bytes.n, x->cp);
	ob_put(&x->out, s, strlen(s));
	mbx_free(s);
	x->bytes.n = 0;
}

static void put_cp(rtfctx *x, uint32_t c)
{
	char u[4];
	size_t n;

	flush_bytes(x);
	if (c < 0x80) {
		u[0] = (char)c;
		n = 1;
	} else if (c < 0x800) {
		u[0] = (char)(0xC0 | c >> 6);
		u[1] = (char)(0x80 | (c & 0x3F));
		n = 2;
	} else if (c < 0x10000) {
		if (c >= 0xD800 && c <= 0xDFFF)
			c = 0xFFFD;
		u[0] = (char)(0xE0 | c >> 12);
		u[1] = (char)(0x80 | ((c >> 6) & 0x3F));
		u[2] = (char)(0x80 | (c & 0x3F));
		n = 3;
	} else {
		u[0] = (char)(0xF0 | c >> 18);
		u[1] = (char)(0x80 | ((c >> 12) & 0x3F));
		u[2] = (char)(0x80 | ((c >> 6) & 0x3F));
		u[3] = (char)(0x80 | (c & 0x3F));
		n = 4;
	}
	ob_put(&x->out, u, n);
}

static int visible(const rtfst *st, const rtfctx *x)
{
	if (st->skip)
		return 0;
	if (x->fromhtml)
		return st->htmltag || !st->htmlrtf;
	return 1;
}

char *mbx_rtf_to_text(const void *rtf, size_t len)
{
	const unsigned char *p = rtf, *end = p + len;
	rtfst stack[256], st = { 0, 1, 0, 0 };
	size_t depth = 0, overflow = 0;
	int skipchars = 0, group_start = 0;
	rtfctx x = { { NULL, 0, 0 }, { NULL, 0, 0 }, 1252, 0 };
	char *text;

	ob_put(&x.out, "", 0);
	while (p < end) {
		unsigned char c = *p;

		if (c == '{') {
			if (depth < sizeof(stack) / sizeof(stack[0]))
				stack[depth++] = st;
			else
				overflow++;
			group_start = 1;
			p++;
			continue;
		}
		if (c == '}') {
			flush_bytes(&x);
			if (overflow)
				overflow--;
			else if (depth)
				st = stack[--depth];
			group_start = 0;
			p++;
			continue;
		}
		if (c == '\\' && p + 1 < end) {
			const unsigned char *w = p + 1;
			char word[32];
			size_t wl = 0;
			long param = 0;
			int has_param = 0, neg = 0;

			if (*w == '\'' && p + 3 < end) {   /* \'hh */
				char hex[3] = { (char)p[2], (char)p[3], 0 };
				char *e;
				long b = strtol(hex, &e, 16);

				p += 4;
				if (skipchars > 0) {
					skipchars--;
					continue;
				}
				if (*e == 0 && visible(&st, &x))
					ob_byte(&x.bytes, (unsigned char)b);
				group_start = 0;
				continue;
			}
			if (!((*w >= 'a' && *w <= 'z') || (*w >= 'A' && *w <= 'Z'))) {   /* control symbol */
				p += 2;
				if (*w == '*') {
					/* an ignorable destination, unless it is \htmltag */
					if (group_start)
						st.skip = 1;
					continue;   /* group_start stays set for the word after it */
				}
				if (!visible(&st, &x))
					continue;
				if (*w == '~')
					put_cp(&x, 0xA0);
				else if (*w == '_')
					put_cp(&x, '-');
				else if (*w == '\\' || *w == '{' || *w == '}')
					put_cp(&x, *w);
				else if (*w == '\n' || *w == '\r')
					put_cp(&x, '\n');
				group_start = 0;
				continue;
			}
			while (w < end && ((*w >= 'a' && *w <= 'z') || (*w >= 'A' && *w <= 'Z'))) {
				if (wl < sizeof(word) - 1)
					word[wl++] = (char)*w;
				w++;
			}
			word[wl] = 0;
			if (w < end && *w == '-') {
				neg = 1;
				w++;
			}
			while (w < end && *w >= '0' && *w <= '9') {
				if (param < 100000000)
					param = param * 10 + (*w - '0');
				has_param = 1;
				w++;
			}
			if (neg)
				param = -param;
			if (w < end && *w == ' ')
				w++;
			p = w;
			if (group_start) {
				size_t k;

				for (k = 0; skip_dest[k]; k++)
					if (strcmp(word, skip_dest[k]) == 0)
						st.skip = 1;
			}
			group_start = 0;
			if (strcmp(word, "fromhtml") == 0) {
				x.fromhtml = 1;
			} else if (strcmp(word, "htmltag") == 0) {
				st.htmltag = 1;
				st.skip = depth && !overflow ? stack[depth - 1].skip : st.skip;
			} else if (strcmp(word, "htmlrtf") == 0) {
				st.htmlrtf = !has_param || param != 0;
			} else if (strcmp(word, "ansicpg") == 0 && has_param && param > 0) {
				flush_bytes(&x);
				x.cp = (unsigned)param;
			} else if (strcmp(word, "uc") == 0 && has_param) {
				st.uc = (int)(param < 0 ? 0 : param > 10 ? 10 : param);
			} else if (strcmp(word, "u") == 0 && has_param) {
				if (visible(&st, &x))
					put_cp(&x, (uint32_t)(param < 0 ? param + 65536 : param));
				skipchars = st.uc;
			} else if (visible(&st, &x)) {
				if (strcmp(word, "par") == 0 || strcmp(word, "line") == 0 ||
				    strcmp(word, "sect") == 0 || strcmp(word, "page") == 0 ||
				    strcmp(word, "row") == 0)
					put_cp(&x, '\n');
				else if (strcmp(word, "tab") == 0 || strcmp(word, "cell") == 0)
					put_cp(&x, '\t');
				else if (strcmp(word, "emdash") == 0)
					put_cp(&x, 0x2014);
				else if (strcmp(word, "endash") == 0)
					put_cp(&x, 0x2013);
				else if (strcmp(word, "bullet") == 0)
					put_cp(&x, 0x2022);
				else if (strcmp(word, "lquote") == 0)
					put_cp(&x, 0x2018);
				else if (strcmp(word, "rquote") == 0)
					put_cp(&x, 0x2019);
				else if (strcmp(word, "ldblquote") == 0)
					put_cp(&x, 0x201C);
				else if (strcmp(word, "rdblquote") == 0)
					put_cp(&x, 0x201D);
			}
			continue;
		}
		p++;
		group_start = 0;
		if (c == '\r' || c == '\n')
			continue;
		if (skipchars > 0) {
			skipchars--;
			continue;
		}
		if (visible(&st, &x)) {
			if (c < 0x80) {
				flush_bytes(&x);
				ob_byte(&x.out, c);
			} else {
				ob_byte(&x.bytes, c);
			}
		}
	}
	flush_bytes(&x);
	mbx_free(x.bytes.p);
	if (x.fromhtml) {
		text = mbx_html_to_text((const char *)x.out.p, x.out.n);
		mbx_free(x.out.p);
		return text;
	}
	text = (char *)x.out.p;
	if (!mbx_utf8_valid(text, x.out.n)) {
		char *clean = mbx_text_clean(text, -1, 0, NULL);

		mbx_free(text);
		return clean;
	}
	return text;
}

/* ---- HTML to text ----------------------------------------------------------- */

static const struct {
	const char *name;
	uint32_t cp;
} entities[] = {
	{ "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' }, { "apos", '\'' },
	{ "nbsp", 0xA0 }, { "ndash", 0x2013 }, { "mdash", 0x2014 }, { "hellip", 0x2026 },
	{ "lsquo", 0x2018 }, { "rsquo", 0x2019 }, { "ldquo", 0x201C }, { "rdquo", 0x201D },
	{ "bull", 0x2022 }, { "middot", 0xB7 }, { "copy", 0xA9 }, { "reg", 0xAE },
	{ "trade", 0x2122 }, { "euro", 0x20AC }, { "pound", 0xA3 }, { "yen", 0xA5 },
	{ "cent", 0xA2 }, { "sect", 0xA7 }, { "deg", 0xB0 }, { "laquo", 0xAB }, { "raquo", 0xBB },
	{ "auml", 0xE4 }, { "ouml", 0xF6 }, { "uuml", 0xFC }, { "Auml", 0xC4 }, { "Ouml", 0xD6 },
	{ "Uuml", 0xDC }, { "szlig", 0xDF }, { "eacute", 0xE9 }, { "egrave", 0xE8 },
	{ "agrave", 0xE0 }, { "aacute", 0xE1 }, { "ccedil", 0xE7 }, { "ntilde", 0xF1 },
	{ "oacute", 0xF3 }, { "iacute", 0xED }, { "uacute", 0xFA }, { "times", 0xD7 },
};

static int tag_is(const char *t, size_t n, const char *name)
{
	size_t k = strlen(name);

	if (n < k)
		return 0;
	if (strncasecmp(t, name, k) != 0)
		return 0;
	return n == k || t[k] == ' ' || t[k] == '>' || t[k] == '/' || t[k] == '\t' ||
	       t[k] == '\n' || t[k] == '\r';
}

static void put_utf8cp(obuf *o, uint32_t c)
{
	rtfctx x = { { NULL, 0, 0 }, { NULL, 0, 0 }, 65001, 0 };

	x.out = *o;
	put_cp(&x, c);
	*o = x.out;
}

char *mbx_html_to_text(const char *html, size_t len)
{
	const char *p = html, *end = html + len;
	obuf o = { NULL, 0, 0 };
	int space = 1;            /* the last output was white space */
	const char *hide = NULL;  /* inside <script>/<style>/<head>/<title>: its name */
	char *text;

	ob_put(&o, "", 0);
	while (p < end) {
		if (*p == '<') {
			const char *t = p + 1, *gt;
			int closing = 0;
			size_t n;

			if (end - p >= 4 && memcmp(p, "<!--", 4) == 0) {
				const char *e = p + 4;

				while (e + 2 < end && memcmp(e, "-->", 3) != 0)
					e++;
				p = e + 3 <= end ? e + 3 : end;
				continue;
			}
			gt = memchr(p, '>', (size_t)(end - p));
			if (!gt)
				break;
			if (*t == '/') {
				closing = 1;
				t++;
			}
			n = (size_t)(gt - t);
			p = gt + 1;
			if (hide) {
				if (closing && tag_is(t, n, hide))
					hide = NULL;
				continue;
			}
			if (!closing && (tag_is(t, n, "script") || tag_is(t, n, "style") ||
			                 tag_is(t, n, "head") || tag_is(t, n, "title"))) {
				hide = tag_is(t, n, "script") ? "script" : tag_is(t, n, "style") ? "style" :
				       tag_is(t, n, "head") ? "head" : "title";
				continue;
			}
			if (tag_is(t, n, "br") || tag_is(t, n, "p") || tag_is(t, n, "div") ||
			    tag_is(t, n, "tr") || tag_is(t, n, "li") || tag_is(t, n, "h1") ||
			    tag_is(t, n, "h2") || tag_is(t, n, "h3") || tag_is(t, n, "h4") ||
			    tag_is(t, n, "table") || tag_is(t, n, "blockquote")) {
				if (o.n && o.p[o.n - 1] != '\n')
					ob_byte(&o, '\n');
				space = 1;
			} else if (!closing && (tag_is(t, n, "td") || tag_is(t, n, "th"))) {
				if (!space) {
					ob_byte(&o, '\t');
					space = 1;
				}
			}
			continue;
		}
		if (hide) {
			p++;
			continue;
		}
		if (*p == '&') {
			const char *semi = memchr(p, ';', (size_t)(end - p) < 12 ? (size_t)(end - p) : 12);
			uint32_t c = 0;

			if (semi) {
				if (p[1] == '#') {
					c = (uint32_t)(p[2] == 'x' || p[2] == 'X' ? strtoul(p + 3, NULL, 16)
					                                          : strtoul(p + 2, NULL, 10));
				} else {
					size_t k;

					for (k = 0; k < sizeof(entities) / sizeof(entities[0]); k++)
						if (strlen(entities[k].name) == (size_t)(semi - p - 1) &&
						    memcmp(entities[k].name, p + 1, (size_t)(semi - p - 1)) == 0)
							c = entities[k].cp;
				}
			}
			if (c && c < 0x110000) {
				if (c == 0xA0 || c == ' ') {
					if (!space)
						ob_byte(&o, ' ');
					space = 1;
				} else {
					put_utf8cp(&o, c);
					space = 0;
				}
				p = semi + 1;
				continue;
			}
		}
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
			if (!space)
				ob_byte(&o, ' ');
			space = 1;
			p++;
			continue;
		}
		ob_byte(&o, (unsigned char)*p++);
		space = 0;
	}
	/* trailing white space of lines and of the text */
	text = (char *)o.p;
	{
		size_t i, w = 0;

		for (i = 0; i < o.n; i++) {
			if (text[i] == '\n')
				while (w > 0 && text[w - 1] == ' ')
					w--;
			text[w++] = text[i];
		}
		while (w > 0 && (text[w - 1] == ' ' || text[w - 1] == '\n'))
			w--;
		text[w] = 0;
		o.n = w;
	}
	if (!mbx_utf8_valid(text, o.n)) {
		char *clean = mbx_text_clean(text, -1, 0, NULL);

		mbx_free(text);
		return clean;
	}
	return text;
}
