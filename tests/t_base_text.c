/* tests/t_base_text.c - the sanitizer and the width helpers (mbx/text.h). */
#include "config.h"
#include <locale.h>
#include <string.h>

#include "mbx/text.h"
#include "tap.h"

static void clean_is(const char *in, int max, unsigned flags, const char *want, int want_cols,
                     const char *what)
{
	int cols = -1;
	char *got = mbx_text_clean(in, max, flags, &cols);

	is_str(got, want, "%s", what);
	is_int(cols, want_cols, "%s: width", what);
	mbx_free(got);
}

int main(void)
{
	char buf[16];
	int utf8 = setlocale(LC_CTYPE, "C.UTF-8") != NULL;

	clean_is(NULL, -1, 0, "", 0, "NULL gives an empty string");
	clean_is("Smith, John", -1, 0, "Smith, John", 11, "plain ASCII unchanged");
	clean_is("a\tb\x1b[2Jc", -1, 0, "a^Ib^[[2Jc", 10, "C0 controls shown as ^X");
	clean_is("del\x7f", -1, 0, "del^?", 5, "DEL shown as ^?");
	clean_is("x\xc2\x85y", -1, 0, "x\\x85y", 6, "C1 controls shown as \\xNN");
	clean_is("bad\xff\xfe", -1, 0, "bad\xef\xbf\xbd\xef\xbf\xbd", 5, "invalid bytes become U+FFFD");
	clean_is("\xc0\xaf", -1, 0, "\xef\xbf\xbd\xef\xbf\xbd", 2, "overlong encodings are invalid");
	clean_is("\xed\xa0\x80", -1, 0, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 3, "surrogates are invalid");
	clean_is("abc\xe2\x80\xaegpj.exe", -1, 0, "abcgpj.exe", 10, "bidi override dropped");
	clean_is("Müller", -1, MBX_TEXT_ASCII, "M?ller", 6, "ASCII mode replaces non-ASCII");
	clean_is("abcdefgh", 5, 0, "abcde", 5, "cut to max columns");
	clean_is("abcdefgh", 5, MBX_TEXT_ELLIPSIS, "abcd\xe2\x80\xa6", 5, "ellipsis marks the cut");
	clean_is("abcdefgh", 5, MBX_TEXT_ELLIPSIS | MBX_TEXT_ASCII, "abcd~", 5, "ASCII ellipsis");
	clean_is("abcde", 5, MBX_TEXT_ELLIPSIS, "abcde", 5, "no ellipsis when it fits");
	clean_is("abc", 0, MBX_TEXT_ELLIPSIS, "", 0, "zero columns");
	if (utf8) {
		clean_is("田中 由紀", -1, 0, "田中 由紀", 9, "CJK counts two columns each");
		clean_is("田中由紀", 5, MBX_TEXT_ELLIPSIS, "田中\xe2\x80\xa6", 5,
		         "a wide character never straddles the limit");
		clean_is("e\xcc\x81t\xc3\xa9", -1, 0, "e\xcc\x81t\xc3\xa9", 3, "combining marks take no column");
		is_int(mbx_text_width("ليلى ناصر"), 9, "Arabic width");
		is_int(mbx_text_width("報告書.pdf"), 10, "mixed width");
	} else {
		diag("no C.UTF-8 locale: wide-character cases skipped");
	}
	is_int(mbx_text_width("a\xff" "b"), 3, "invalid bytes count one column");
	ok(mbx_utf8_valid("Jürgen 田中", strlen("Jürgen 田中")), "valid UTF-8");
	ok(!mbx_utf8_valid("\xe7\x94", 2), "truncated sequence is invalid");
	ok(!mbx_utf8_valid("\xf4\x90\x80\x80", 4), "beyond U+10FFFF is invalid");
	is_str(mbx_text_size(512, buf, sizeof(buf)), "512 B", "bytes");
	is_str(mbx_text_size(1468006, buf, sizeof(buf)), "1.4 MB", "megabytes");
	is_str(mbx_text_size(3221225472LL, buf, sizeof(buf)), "3.0 GB", "gigabytes");
	return tap_done();
}
