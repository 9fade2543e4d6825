/* tests/t_base_rtf.c - compressed RTF ([MS-OXRTFCP]) and RTF/HTML to text (mbx/rtf.h). */
#include "config.h"
#include <stdlib.h>
#include <string.h>

#include "mbx/rtf.h"
#include "tap.h"

/* [MS-OXRTFCP] 4.1.1: "{\rtf1\ansi\ansicpg1252\pard hello world}\r\n" as Outlook compresses it. */
static const unsigned char spec_example[] = {
	0x2d, 0x00, 0x00, 0x00, 0x2b, 0x00, 0x00, 0x00, 0x4c, 0x5a, 0x46, 0x75, 0xf1, 0xc5, 0xc7, 0xa7,
	0x03, 0x00, 0x0a, 0x00, 0x72, 0x63, 0x70, 0x67, 0x31, 0x32, 0x35, 0x42, 0x32, 0x0a, 0xf3, 0x20,
	0x68, 0x65, 0x6c, 0x09, 0x00, 0x20, 0x62, 0x77, 0x05, 0xb0, 0x6c, 0x64, 0x7d, 0x0a, 0x80, 0x0f,
	0xa0,
};

static void roundtrip(const char *rtf, size_t len, int compress, const char *what)
{
	unsigned char *c = NULL, *d = NULL;
	size_t cl = 0, dl = 0;

	mbx_rtf_compress(rtf, len, compress, &c, &cl);
	is_int(mbx_rtf_decompress(c, cl, &d, &dl), 0, "%s: decompresses", what);
	ok(dl == len && d && memcmp(d, rtf, len) == 0, "%s: the same bytes back", what);
	if (compress && len > 1000)
		ok(cl < len / 2, "%s: compressed to %zu of %zu bytes", what, cl, len);
	mbx_free(c);
	mbx_free(d);
}

static void text_is(const char *rtf, const char *want, const char *what)
{
	char *t = mbx_rtf_to_text(rtf, strlen(rtf));

	is_str(t, want, "%s", what);
	mbx_free(t);
}

static void html_is(const char *html, const char *want, const char *what)
{
	char *t = mbx_html_to_text(html, strlen(html));

	is_str(t, want, "%s", what);
	mbx_free(t);
}

int main(void)
{
	unsigned char *d = NULL, bad[sizeof(spec_example)];
	size_t dl = 0, i;
	char *big;
	unsigned seed = 7;
	int crashes = 0;

	is_int(mbx_rtf_decompress(spec_example, sizeof(spec_example), &d, &dl), 0, "the spec's example");
	is_str((char *)d, "{\\rtf1\\ansi\\ansicpg1252\\pard hello world}\r\n", "decompresses to its text");
	mbx_free(d);
	memcpy(bad, spec_example, sizeof(bad));
	bad[20] ^= 1;
	is_int(mbx_rtf_decompress(bad, sizeof(bad), &d, &dl), MBX_ECORRUPT, "a flipped byte fails the CRC");
	ok(d == NULL, "and gives nothing");
	is_int(mbx_rtf_decompress(spec_example, 10, &d, &dl), MBX_ECORRUPT, "shorter than a header");
	memcpy(bad, spec_example, sizeof(bad));
	bad[0] = 0xff;
	is_int(mbx_rtf_decompress(bad, sizeof(bad), &d, &dl), MBX_ECORRUPT, "a size past the value");

	roundtrip("{\\rtf1\\ansi\\ansicpg1252\\pard hello world}\r\n", 44, 1, "short");
	roundtrip("{\\rtf1\\ansi\\ansicpg1252\\pard hello world}\r\n", 44, 0, "MELA");
	roundtrip("", 0, 1, "empty");
	big = mbx_malloc(200001);
	for (i = 0; i < 200000; i++) {
		seed = seed * 1103515245u + 12345u;
		/* words from a small vocabulary, as text is */
		static const char *const words[] = { "\\par ", "the ", "mailbox ", "{\\b ", "} ",
		                                     "recovery ", "server ", "\\tab " };
		const char *w = words[(seed >> 16) % 8];
		size_t k;

		for (k = 0; w[k] && i < 200000; k++)
			big[i++] = w[k];
		i--;
	}
	roundtrip(big, 200000, 1, "200 KB of RTF-like text");
	memset(big, 'x', 100000);
	roundtrip(big, 100000, 1, "a long run");
	/* random bytes never crash the decompressor */
	for (i = 0; i < 5000; i++) {
		unsigned char junk[64];
		size_t k;

		for (k = 0; k < sizeof(junk); k++) {
			seed = seed * 1103515245u + 12345u;
			junk[k] = (unsigned char)(seed >> 16);
		}
		junk[0] = 60;
		junk[1] = 0;
		junk[2] = 0;
		junk[3] = 0;
		junk[4] = 0;
		junk[5] = 1;
		memcpy(junk + 8, "MELA", 4);
		if (i % 2)
			memcpy(junk + 8, "LZFu", 4);
		if (mbx_rtf_decompress(junk, sizeof(junk), &d, &dl) == 0)
			mbx_free(d);
		else if (d)
			crashes++;
	}
	is_int(crashes, 0, "5,000 random values: refused or decoded");
	mbx_free(big);

	text_is("{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0 Arial;}}{\\colortbl;\\red0\\green0\\blue0;}"
	        "\\pard Hello,\\par world\\tab!}", "Hello,\nworld\t!", "text without the tables");
	text_is("{\\rtf1\\ansi\\ansicpg1252 M\\'fcller \\endash  ok}", "Müller – ok", "\\'hh in 1252");
	text_is("{\\rtf1\\ansi\\ansicpg1251 \\'cf\\'f0\\'e8\\'e2\\'e5\\'f2}", "Привет", "\\'hh in 1251");
	text_is("{\\rtf1\\uc1 \\u30000?\\u20013? x}", "田中 x", "\\uN with its fallback skipped");
	text_is("{\\rtf1{\\*\\generator Riched20;}{\\*\\unknown junk}text}", "text", "\\* groups left out");
	text_is("{\\rtf1 a\\{b\\}c\\\\d}", "a{b}c\\d", "escaped braces");
	text_is("{\\rtf1\\ansi\\fromhtml1 {\\*\\htmltag64 <html>}{\\*\\htmltag <p>}Caf\\'e9 &amp; co"
	        "{\\*\\htmltag </p>}\\htmlrtf {\\b junk}\\htmlrtf0 {\\*\\htmltag <p>}next{\\*\\htmltag </p>}}",
	        "Café & co\nnext", "encapsulated HTML gives the HTML's text");
	text_is("{\\rtf1 unbalanced {{{ group", "unbalanced  group", "unbalanced groups");

	html_is("<html><head><title>t</title><style>p{}</style></head><body><p>One &amp; two</p>"
	        "<p>three&nbsp;four<br>five</p><script>x()</script></body></html>",
	        "One & two\nthree four\nfive", "HTML to text");
	html_is("a&#233;b&#x4E2D;&unknown;<!-- hidden -->c", "aéb中&unknown;c", "entities and comments");
	html_is("<table><tr><td>a</td><td>b</td></tr></table>", "a\tb", "table cells");
	return tap_done();
}
