#!/bin/sh
# File names from hostile aliases: upper-cased, no path separators, no
# "..", no control characters, no device names, collisions numbered; and
# nothing written outside the output directory.
. "$top_srcdir/tests/lib.sh"
GEN="$top_builddir/tests/export-genmbx"
DB=$T_TMP/names.db
add() { "$GEN" "$DB" "$1" "$2" 1 1 || { not_ok "export-genmbx '$1'"; }; }
add "../../escape" "Escaper, One"
add "a/b" "Slash, One"
add 'A\B' "Backslash, One"
add "con" "Device, One"
add "LPT1" "Device, Two"
add "$(printf 'evil\033[2J\001name')" "Control, One"
add ".." "Dots, One"
add "a:b" "Colon, One"
add "$(printf 'm\303\274ller')" "Mueller, Umlaut"
OUT=$T_TMP/o
mkdir -p "$T_TMP/o"
expect_status 0 "export --all" "$MBX" --db "$DB" export --all --out "$OUT" --threads 3
cp "$T_TMP/out" "$T_TMP/run.out"
ls "$OUT" | grep -v '^mbxrescue.log$' | LC_ALL=C sort > "$T_TMP/names"
LC_ALL=C sort > "$T_TMP/want" <<EOF2
A_B.PST
A_B_2.PST
A_B_3.PST
CON_.PST
EVIL_[2J_NAME.PST
LPT1_.PST
MAILBOX.PST
_._ESCAPE.PST
$(printf 'M\303\274LLER.PST')
EOF2
if cmp -s "$T_TMP/want" "$T_TMP/names"; then ok "file names sanitized and collisions numbered"
else not_ok "file names"; diff "$T_TMP/want" "$T_TMP/names" | sed 's/^/#   /'; fi
check "nothing escaped the output directory" test ! -e "$T_TMP/escape.PST" -a ! -e "$T_TMP/ESCAPE.PST" -a ! -e "/ESCAPE.PST"
check "only regular files in the output directory" test -z "$(find "$OUT" -mindepth 1 ! -type f)"
check "no escape character reached the output" test "$(grep -c "$(printf '\033')" "$T_TMP/run.out")" -eq 0
check "the log shows the control characters visibly" grep -q 'evil^\[\[2J^Aname' "$OUT/mbxrescue.log"
# A later run of one mailbox keeps its name and never takes another's.
cp "$OUT/A_B.PST" "$T_TMP/ab.copy"
expect_status 0 "export of one colliding alias alone" "$MBX" --db "$DB" export "a/b" --out "$OUT"
check "it keeps the name the first run gave it" grep -q "to file '$OUT/A_B_3.PST'" "$T_TMP/out"
check "the other mailbox's A_B.PST is untouched" cmp -s "$OUT/A_B.PST" "$T_TMP/ab.copy"
check "no new file names" test "$(ls "$OUT" | grep -v '^mbxrescue.log$' | wc -l)" -eq 9
for f in "$OUT"/*.PST; do
	if "$MBX" verify "$f" >/dev/null 2>&1; then ok "readable: $(basename "$f")"; else not_ok "readable: $f"; fi
done
done_testing
