/* tests/t_base_props.c - property bags (mbx/props.h): keys, typed access,
 * value checks, text conversion, packing and hostile packed input. */
#include "config.h"
#include <stdlib.h>
#include <string.h>

#include "mbx/props.h"
#include "tap.h"

static const uint8_t other_guid[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

static void test_keys(void)
{
	mbx_props b = MBX_PROPS_INIT;
	mbx_propkey subj = MBX_KEY(MBX_PID_TAG_SUBJECT);
	mbx_propkey recur = MBX_LIDKEY(MBX_PSETID_APPOINTMENT, MBX_LID_APPOINTMENT_RECUR);
	mbx_propkey recur_other = MBX_LIDKEY(other_guid, MBX_LID_APPOINTMENT_RECUR);
	mbx_propkey mailer = MBX_NAMEKEY(MBX_PS_INTERNET_HEADERS, "x-mailer");
	mbx_propkey mailer2 = MBX_NAMEKEY(MBX_PS_INTERNET_HEADERS, "X-Mailer");
	mbx_propkey bad = MBX_KEY(0x8001);
	uint32_t u = 0;
	char *s = NULL, *d;
	unsigned char blob[3] = { 1, 2, 3 };

	is_int(mbx_props_set_utf8(&b, &subj, "Quarterly report – Müller"), 0, "set a string");
	is_int(mbx_props_set(&b, &recur, MBX_PT_BINARY, blob, 3), 0, "set a LID-named blob");
	is_int(mbx_props_set(&b, &recur_other, MBX_PT_BINARY, blob, 2), 0, "same LID in another set");
	is_int(mbx_props_set_utf8(&b, &mailer, "Outlook"), 0, "set a string-named property");
	is_int(mbx_props_set_utf8(&b, &mailer2, "other"), 0, "string names are case-sensitive");
	is_int((int)b.n, 5, "five properties");
	is_int((int)b.nnames, 4, "four distinct names");
	is_int(mbx_props_set(&b, &bad, MBX_PT_LONG, "\0\0\0\0", 4), MBX_EINVAL, "0x8001 is not a plain id");
	is_int(mbx_props_utf8(&b, &subj, 0, &s), 0, "read the string back");
	is_str(s, "Quarterly report – Müller", "round trip through UTF-16");
	mbx_free(s);
	ok(mbx_props_get(&b, &recur)->len == 3 && mbx_props_get(&b, &recur_other)->len == 2,
	   "the two LIDs stay apart");
	is_int(mbx_props_u32(&b, &subj, &u), MBX_EINVAL, "a string is not an integer");
	is_int(mbx_props_u32(&b, &MBX_KEY(MBX_PID_TAG_IMPORTANCE), &u), MBX_ENOTFOUND, "absent");
	/* replace with a longer and a shorter value */
	is_int(mbx_props_set_utf8(&b, &subj, "A much longer subject than before, to move it"), 0, "replace longer");
	is_int(mbx_props_set_utf8(&b, &subj, "short"), 0, "replace shorter");
	mbx_props_utf8(&b, &subj, 0, &s);
	is_str(s, "short", "the last value wins");
	mbx_free(s);
	is_int((int)b.n, 5, "replacing adds nothing");
	{
		mbx_propkey k = mbx_props_key(&b, 3);

		ok(mbx_propkey_equal(&k, &mailer), "key of property 3 is x-mailer");
		d = mbx_propkey_describe(&k);
		is_str(d, "{00020386-0000-0000-C000-000000000046}:'x-mailer'", "describe a string name");
		mbx_free(d);
		k = mbx_props_key(&b, 1);
		d = mbx_propkey_describe(&k);
		is_str(d, "{00062002-0000-0000-C000-000000000046}:0x8216", "describe a LID");
		mbx_free(d);
	}
	is_int(mbx_props_remove(&b, &recur_other), 1, "remove");
	is_int(mbx_props_remove(&b, &recur_other), 0, "remove again");
	ok(mbx_props_get(&b, &recur) != NULL, "the other LID is still there");
	mbx_props_clear(&b);
	is_int((int)b.n, 0, "cleared");
	mbx_props_clear(&b);
}

static void test_types(void)
{
	mbx_props b = MBX_PROPS_INIT;
	mbx_propkey k = MBX_KEY(0x1234);
	int64_t v = 0;
	uint32_t u = 0;
	static const unsigned char mv_ok[] = { 2, 0, 0, 0, 12, 0, 0, 0, 14, 0, 0, 0, 'a', 0, 'b', 0 };
	static const unsigned char mv_bad[] = { 2, 0, 0, 0, 12, 0, 0, 0, 40, 0, 0, 0, 'a', 0, 'b', 0 };

	is_int(mbx_props_check_value(MBX_PT_LONG, "abc", 3), MBX_EINVAL, "LONG of 3 bytes");
	is_int(mbx_props_check_value(MBX_PT_SYSTIME, "abcdefgh", 8), 0, "SYSTIME of 8 bytes");
	is_int(mbx_props_check_value(MBX_PT_CLSID, "abcdefgh", 8), MBX_EINVAL, "CLSID of 8 bytes");
	is_int(mbx_props_check_value(MBX_PT_UNICODE, "abc", 3), MBX_EINVAL, "odd UTF-16");
	is_int(mbx_props_check_value(MBX_PT_MV_LONG, "abcdefgh", 8), 0, "two LONGs");
	is_int(mbx_props_check_value(MBX_PT_MV_LONG, "abcdefg", 7), MBX_EINVAL, "MV LONG of 7 bytes");
	is_int(mbx_props_check_value(MBX_PT_MV_UNICODE, mv_ok, sizeof(mv_ok)), 0, "MV string layout");
	is_int(mbx_props_check_value(MBX_PT_MV_UNICODE, mv_bad, sizeof(mv_bad)), MBX_EINVAL,
	       "MV string offset past the end");
	is_int(mbx_props_check_value(0x0ABC, "x", 1), 0, "unknown types are bytes");
	is_int(mbx_props_set_u32(&b, &k, MBX_PT_BOOLEAN, 7), 0, "boolean");
	is_int(mbx_props_u32(&b, &k, &u), 0, "read boolean");
	is_int(u, 1, "booleans are 0 or 1");
	is_int(mbx_props_get(&b, &k)->len, 1, "a boolean is one byte");
	is_int(mbx_props_set_u32(&b, &k, MBX_PT_LONG, 0xFFFFFFFEu), 0, "long");
	is_int(mbx_props_i64(&b, &k, &v), 0, "long as i64");
	is_int(v, -2, "PT_LONG is signed");
	is_int(mbx_props_set_time(&b, &k, 1000000000), 0, "time");
	is_int(mbx_props_time(&b, &k, &v), 0, "read time");
	is_int(v, 1000000000, "time round trip");
	is_int(mbx_props_i64(&b, &k, &v), 0, "time as FILETIME");
	ok((uint64_t)v == 126444736000000000ull, "FILETIME of 2001-09-09 01:46:40");
	is_str(mbx_proptype_name(MBX_PT_MV_UNICODE), "PtypMultipleString", "MV type name");
	is_str(mbx_proptype_name(0x0ABC), "0x0abc", "unknown type name");
	mbx_props_clear(&b);
}

static void test_text(void)
{
	unsigned char *w;
	size_t n;
	char *s;
	int exact = -1;
	static const unsigned char lone[] = { 'a', 0, 0x00, 0xD8, 'b', 0 };
	static const unsigned char cp1252[] = { 0x96, ' ', 'M', 0xFC, 'l', 'l', 'e', 'r', 0x81 };

	is_int(mbx_utf16_from_utf8("a😀", strlen("a😀"), &w, &n), 0, "to UTF-16");
	is_int((int)n, 6, "a surrogate pair");
	s = mbx_utf8_from_utf16(w, n, &exact);
	is_str(s, "a😀", "and back");
	is_int(exact, 1, "exact");
	mbx_free(s);
	mbx_free(w);
	is_int(mbx_utf16_from_utf8("\xff", 1, &w, &n), MBX_EINVAL, "invalid UTF-8 refused");
	s = mbx_utf8_from_utf16(lone, sizeof(lone), &exact);
	is_str(s, "a\xef\xbf\xbd" "b", "lone surrogate becomes U+FFFD");
	is_int(exact, 0, "and says so");
	mbx_free(s);
	s = mbx_utf8_from_codepage(cp1252, sizeof(cp1252), 1252);
	is_str(s, "– Müller\xef\xbf\xbd", "CP1252, an undefined byte becomes U+FFFD");
	mbx_free(s);
	s = mbx_utf8_from_codepage("\xe2\x80\x93", 3, 65001);
	is_str(s, "–", "65001 is UTF-8");
	mbx_free(s);
	s = mbx_utf8_from_codepage("\x82\xa0", 2, 932);
	is_str(s, "あ", "932 is Shift_JIS");
	mbx_free(s);
	is_str(mbx_codepage_charset(1252), "windows-1252", "charset of 1252");
	ok(mbx_codepage_charset(4242) == NULL, "unknown code page");
}

static void test_pack(void)
{
	mbx_props a = MBX_PROPS_INIT, b = MBX_PROPS_INIT, c = MBX_PROPS_INIT;
	mbx_propkey recur = MBX_LIDKEY(MBX_PSETID_APPOINTMENT, MBX_LID_APPOINTMENT_RECUR);
	mbx_propkey mailer = MBX_NAMEKEY(MBX_PS_INTERNET_HEADERS, "x-mailer");
	unsigned char *buf = NULL, *buf2 = NULL;
	size_t len = 0, cap = 0, len2 = 0, cap2 = 0, i, bad = 0;
	unsigned seed = 12345;

	mbx_props_set_utf8(&a, &MBX_KEY(MBX_PID_TAG_SUBJECT), "Lunch");
	mbx_props_set_u32(&a, &MBX_KEY(MBX_PID_TAG_IMPORTANCE), MBX_PT_LONG, 2);
	mbx_props_set(&a, &recur, MBX_PT_BINARY, "\x04\x30\x04\x30", 4);
	mbx_props_set_utf8(&a, &mailer, "Microsoft Outlook 16.0");
	mbx_props_set(&a, &MBX_KEY(0x7FFF), 0x0ABC, "odd", 3);
	mbx_props_remove(&a, &MBX_KEY(MBX_PID_TAG_IMPORTANCE));
	mbx_props_pack(&a, &buf, &len, &cap);
	is_int(mbx_props_unpack(&b, buf, len), 0, "unpack");
	is_int((int)b.n, 4, "four properties");
	mbx_props_pack(&b, &buf2, &len2, &cap2);
	ok(len == len2 && memcmp(buf, buf2, len) == 0, "pack(unpack(x)) == x");
	ok(mbx_props_get(&b, &mailer) != NULL && mbx_props_get(&b, &recur) != NULL, "names survive");
	mbx_props_copy(&c, &b);
	ok(c.n == b.n && mbx_props_get(&c, &mailer) != NULL, "copy");
	/* every truncation and many byte flips are refused or parsed, never a crash */
	for (i = 0; i < len; i++)
		if (mbx_props_unpack(&c, buf, i) != MBX_ECORRUPT)
			bad++;
	is_int((int)bad, 0, "every truncation is refused");
	for (i = 0; i < 20000; i++) {
		size_t at;

		memcpy(buf2, buf, len);
		seed = seed * 1103515245u + 12345u;
		at = (seed >> 8) % len;
		buf2[at] ^= (unsigned char)(1u << ((seed >> 4) % 8));
		if (mbx_props_unpack(&c, buf2, len) == 0) {
			size_t k;

			for (k = 0; k < c.n; k++)
				if (mbx_props_check_value(c.p[k].type, mbx_props_val(&c, &c.p[k]), c.p[k].len) != 0)
					bad++;
		} else if (c.n != 0) {
			bad++;
		}
	}
	is_int((int)bad, 0, "20,000 flipped bytes: refused or well-formed");
	is_int(mbx_props_unpack(&c, "XP1", 3), MBX_ECORRUPT, "bad mark");
	mbx_free(buf);
	mbx_free(buf2);
	mbx_props_clear(&a);
	mbx_props_clear(&b);
	mbx_props_clear(&c);
}

int main(void)
{
	test_keys();
	test_types();
	test_text();
	test_pack();
	return tap_done();
}
