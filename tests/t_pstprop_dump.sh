#!/bin/sh
# tests/t_pstprop_dump.sh - `mbxrescue pst-dump` (tests/PROPDUMP.md) and
# pst-check's word on OST files:
#   - the dump's form: five TAB-separated fields, the store first, an
#     object's properties sorted by key, hex up to 48 bytes then sha256
#     (every value in hex with --values), exit 0;
#   - exit 2 with one line for a file that is not a PST, a missing file and
#     usage errors; exit 1 with the damage on stderr, after the dump, for
#     a file with a damaged block;
#   - a Unicode OST and a 4 KiB-page OST dump like the PST they were made
#     from; pst-check says what they are;
#   - where tests/pstdump-pff (libpff's C API) exists: the same dump.
. "$top_srcdir/tests/lib.sh"
K="$top_builddir/tests/pstprop-mk4k"
W="$top_builddir/tests/t_pst_write"
[ -x "$K" ] && [ -x "$W" ] || skip_all "test programs not built"

"$W" attach "$T_TMP/a.pst" "$T_TMP/a.desc" 2>/dev/null || skip_all "t_pst_write failed"
expect_status 0 "pst-dump of a written PST exits 0" "$MBX" pst-dump "$T_TMP/a.pst"
cp "$T_TMP/out" "$T_TMP/a.dump"
check "every line has five TAB-separated fields" \
	sh -c '! awk -F"\t" "NF != 5 { bad = 1 } END { exit !bad }" "$0"' "$T_TMP/a.dump"
check "the store comes first" sh -c 'head -1 "$0" | grep -q "^store	0x"' "$T_TMP/a.dump"
check "keys, types and lengths are in the documented form" \
	sh -c '! grep -v -E "^[^	]*	(0x[0-9A-F]{4}|\{[0-9A-F-]{36}\}:(0x[0-9A-F]{4,8}|'"'"'.*'"'"'))	0x[0-9A-F]{4}	([0-9]+	([0-9a-f]*|sha256:[0-9a-f]{64})|-	unreadable: .*)$" "$0"' "$T_TMP/a.dump"
check "each object's properties are sorted by key" \
	sh -c 'awk -F"\t" "\$1 == o && \$2 < k { bad = 1 } { o = \$1; k = \$2 } END { exit bad }" "$0"' "$T_TMP/a.dump"
check "values over 48 bytes are hashed" grep -q '	sha256:[0-9a-f]\{64\}$' "$T_TMP/a.dump"
check "the attachment data is dumped as PidTagAttachDataBinary" \
	grep -q '/att#0	0x3701	0x0102	[0-9]*	' "$T_TMP/a.dump"
check "recipient rows are objects" grep -q '/msg#0/rcpt#0	0x3001	0x001F	' "$T_TMP/a.dump"
expect_status 0 "--values exits 0" "$MBX" pst-dump --values "$T_TMP/a.pst"
check "--values writes every value in hex" sh -c '! grep -q sha256: "$0" && test "$(wc -l <"$0")" -eq "$(wc -l <"$1")"' \
	"$T_TMP/out" "$T_TMP/a.dump"

printf 'not a PST at all\n' >"$T_TMP/notes.txt"
expect_status 2 "a text file: exit 2" "$MBX" pst-dump "$T_TMP/notes.txt"
check "  one line naming the file and what it is not" \
	sh -c 'test "$(wc -l <"$0")" -eq 1 && grep -q "notes.txt: not a PST or OST file" "$0" && test ! -s "$1"' \
	"$T_TMP/err" "$T_TMP/out"
expect_status 2 "a missing file: exit 2" "$MBX" pst-dump "$T_TMP/none.pst"
expect_status 2 "no file: exit 2" "$MBX" pst-dump
expect_status 2 "two files: exit 2" "$MBX" pst-dump "$T_TMP/a.pst" "$T_TMP/a.pst"
expect_status 2 "an unknown option: exit 2" "$MBX" pst-dump --bogus "$T_TMP/a.pst"
expect_status 0 "pst-dump --help" "$MBX" pst-dump --help
check "  shows the usage" grep -q 'pst-dump' "$T_TMP/out"
check "mbxrescue --help lists pst-dump" sh -c '"$0" --help | grep -q "pst-dump"' "$MBX"

# A damaged block: flip a byte at successive offsets of the data area of
# a copy until the dump finds damage (each try is a fresh copy).
found=0
for off in 20000 40000 60000 80000 100000 120000 140000 160000 180000 200000; do
	cp "$T_TMP/a.pst" "$T_TMP/bad.pst"
	printf '\377' | dd of="$T_TMP/bad.pst" bs=1 seek=$off conv=notrunc 2>/dev/null
	"$MBX" pst-dump "$T_TMP/bad.pst" >"$T_TMP/bad.dump" 2>"$T_TMP/bad.err"
	st=$?
	if [ $st -eq 1 ]; then found=1; break; fi
	[ $st -eq 0 ] || break
done
check "a damaged block: exit 1" test $found -eq 1
check "  the damage on stderr names the file, the object and the block" \
	grep -q "bad.pst: .*block 0x[0-9a-f]* at 0x[0-9a-f]*: " "$T_TMP/bad.err"
check "  the rest is still dumped" test "$(wc -l <"$T_TMP/bad.dump")" -gt 50

# OST files
"$K" --unicode-ost "$T_TMP/a.pst" "$T_TMP/u.ost"
"$K" "$T_TMP/a.pst" "$T_TMP/k.ost"
expect_status 0 "a Unicode OST dumps" "$MBX" pst-dump "$T_TMP/u.ost"
check "  like the PST it was made from" cmp -s "$T_TMP/out" "$T_TMP/a.dump"
expect_status 0 "a 4 KiB-page OST dumps" "$MBX" pst-dump "$T_TMP/k.ost"
check "  like the PST it was made from" cmp -s "$T_TMP/out" "$T_TMP/a.dump"
expect_status 2 "pst-check on a 4 KiB-page OST: exit 2" "$MBX" pst-check "$T_TMP/k.ost"
check "  it says what the file is and what reads it" \
	sh -c 'test "$(wc -l <"$0")" -eq 1 && grep -q "an OST file with 4 KiB pages (Outlook 2013 and later)" "$0" && grep -q "pst-dump" "$0"' "$T_TMP/err"
expect_status 0 "pst-check on a Unicode OST: no problem" "$MBX" pst-check -q "$T_TMP/u.ost"
check "  a note says it is an OST" sh -c '"$0" pst-check "$1" | grep -q "note: an OST file"' "$MBX" "$T_TMP/u.ost"

# libpff's reading of the same files (tests/pstdump-pff).  Two things of
# libpff's own are allowed for, nothing else:
#   - sibling folders come in NID order from libpff, in hierarchy-table row
#     order from us (tests/PROPDUMP.md): the dumps are compared sorted; a
#     folder's messages likewise (our writer hands out message NIDs
#     falling): they are numbered by content first (canon_msgs, lib.sh);
#   - libpff ignores a recipient row's cell existence bitmap ([MS-PST]
#     2.3.4.4.1) and lists absent cells as present and empty (a 0-length
#     value, or 0): such lines of a rcpt# object that we do not have are
#     dropped from libpff's dump.
# Not compared: the "unicode" scenario, whose folder names have characters
# outside the BMP, which this libpff (20180714) turns into other characters
# in its UTF-8 folder names; and support.pst laid out with 4 KiB pages,
# where libpff reads no recipient table whose rows are in a subnode (the
# same file with 512-byte pages it reads; whether the difference is
# libpff's or our constructed layout's, only a real Outlook 2013 OST could
# tell).
P="$top_builddir/tests/pstdump-pff"
pff_same() {
	"$MBX" pst-dump "$1" 2>/dev/null >"$T_TMP/ours.raw"
	canon_msgs "$T_TMP/ours.raw" | LC_ALL=C sort >"$T_TMP/ours"
	"$P" "$1" 2>/dev/null >"$T_TMP/pff.raw"
	canon_msgs "$T_TMP/pff.raw" | LC_ALL=C sort |
		awk -F'\t' 'NR == FNR { have[$1 FS $2] = 1; next }
		     $1 ~ /\/rcpt#[0-9]+$/ && !(($1 FS $2) in have) && ($4 == 0 || $5 ~ /^0+$/) { next } { print }' \
		"$T_TMP/ours" - >"$T_TMP/pff"
	if diff "$T_TMP/pff" "$T_TMP/ours" >"$T_TMP/pffdiff"; then
		ok "$2: pst-dump equals tests/pstdump-pff ($(wc -l <"$T_TMP/ours") lines)"
	else
		not_ok "$2: pst-dump equals tests/pstdump-pff"
		head -10 "$T_TMP/pffdiff" | cut -c1-200 | sed 's/^/#   /'
	fi
}
if [ -x "$P" ]; then
	S="$MBX_SHARED/testdata/pst"
	for f in outlook-empty support ansi-32bit; do
		[ -f "$S/$f.pst" ] && pff_same "$S/$f.pst" "$f.pst"
	done
	for s in attach embedded demo fai deep long longrecip recips; do
		"$W" $s "$T_TMP/$s.pst" "$T_TMP/$s.desc" 2>/dev/null && pff_same "$T_TMP/$s.pst" "written $s"
	done
	pff_same "$T_TMP/k.ost" "written attach as a 4 KiB-page OST"
else
	echo "# tests/pstdump-pff not built: libpff comparison skipped"
fi
done_testing
