#!/bin/sh
# tests/t_pstcheck_cli.sh - `mbxrescue pst-check`: exit statuses, output format,
# real Outlook files clean, damaged copies reported (see t_pstcheck.c for
# the validator's problems in detail).
. "$top_srcdir/tests/lib.sh"
pstdir=$MBX_SHARED/testdata/pst
[ -f "$pstdir/support.pst" ] || skip_all "no ../shared test data"

expect_status 0 "outlook-empty.pst is clean" "$MBX" pst-check "$pstdir/outlook-empty.pst"
grep -q 'outlook-empty.pst: 0 problems, 0 warnings, 0 notes; 11 pages, 31 blocks, 47 nodes, 5 folders' "$T_TMP/out" &&
	ok "summary line with counts" || { not_ok "summary line with counts"; sed 's/^/#   /' "$T_TMP/out"; }
expect_status 0 "support.pst is clean" "$MBX" pst-check "$pstdir/support.pst"
grep -q 'support.pst: header: warning: cbAMapFree is 1002752 but the AMaps show 96448 bytes free' "$T_TMP/out" &&
	ok "support.pst's stale cbAMapFree shown as a warning" || not_ok "support.pst's stale cbAMapFree shown as a warning"
expect_status 1 "--strict counts warnings" "$MBX" pst-check --strict "$pstdir/support.pst"
expect_status 0 "two files at once" "$MBX" pst-check -q "$pstdir/outlook-empty.pst" "$pstdir/support.pst"
[ "$(grep -c ' problems, ' "$T_TMP/out")" -eq 2 ] && ok "one summary per file" || not_ok "one summary per file"

expect_status 2 "ANSI file: exit 2" "$MBX" pst-check "$pstdir/ansi-32bit.pst"
grep -q 'ansi-32bit.pst: ANSI PST: only Unicode files are checked' "$T_TMP/err" &&
	ok "ANSI file: clear message" || not_ok "ANSI file: clear message"
expect_status 2 "missing file: exit 2" "$MBX" pst-check "$T_TMP/none.pst"
grep -q 'none.pst' "$T_TMP/err" && ok "missing file named" || not_ok "missing file named"
expect_status 2 "no file given: usage error" "$MBX" pst-check
printf 'not a pst at all\n' >"$T_TMP/text.pst"
expect_status 2 "a text file: exit 2" "$MBX" pst-check "$T_TMP/text.pst"
grep -q 'text.pst: not a PST file' "$T_TMP/err" && ok "text file: not a PST" || not_ok "text file: not a PST"

# A byte flipped in the last data block of support.pst (at 0x4400 + 3 AMap
# intervals, past the map pages) and the page CRC left alone: problems, exit 1.
cp "$pstdir/outlook-empty.pst" "$T_TMP/bad.pst" && chmod u+w "$T_TMP/bad.pst"
printf '\377\377\377\377' | dd of="$T_TMP/bad.pst" bs=1 seek=$((0x4400 + 40)) conv=notrunc 2>/dev/null
expect_status 1 "damaged AMap: exit 1" "$MBX" pst-check "$T_TMP/bad.pst"
grep -q 'bad.pst: AMap page at 0x4400: page CRC' "$T_TMP/out" && ok "damage located as where: what" ||
	{ not_ok "damage located as where: what"; sed 's/^/#   /' "$T_TMP/out" | head -5; }
head -c 100000 "$pstdir/support.pst" >"$T_TMP/short.pst"
"$MBX" pst-check "$T_TMP/short.pst" >"$T_TMP/out" 2>&1
st=$?
{ [ $st -eq 1 ] || [ $st -eq 2 ]; } && grep -q 'short.pst' "$T_TMP/out" && ok "truncated file: exit $st, named" ||
	not_ok "truncated file (exit $st)"
done_testing
