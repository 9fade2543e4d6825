#!/bin/sh
# tests/t_pst_e2e.sh - write PSTs through the writer API (tests/t_pst_write)
# and prove each with the independent readers of tests/pst-compare.sh
# (libpst, pst-extractor, pffexport) and `mbxrescue pst-check --strict`,
# against the description the writer program made of what it wrote.
. "$top_srcdir/tests/lib.sh"

w="$top_builddir/tests/t_pst_write"
[ -x "$w" ] || skip_all "tests/t_pst_write not built"
[ -f "$top_srcdir/tests/pst-compare.sh" ] || skip_all "tests/pst-compare.sh missing"

# Small scenarios: every reader.  The big ones below use the readers that
# scale: pst-extractor re-reads the whole recipient table for every
# recipient (about a second each) and the pffexport description script
# walks one directory a message, both far over a test's time there.
for s in empty demo plain unicode attach deep embedded fai long; do
	if ! "$w" "$s" "$T_TMP/$s.pst" "$T_TMP/$s.desc" 2>"$T_TMP/$s.err"; then
		not_ok "$s: written ($(head -1 "$T_TMP/$s.err"))"
		continue
	fi
	ok "$s: written"
	check "$s: mode 0600" test "$(stat -c %a "$T_TMP/$s.pst")" = 600
	check "$s: no temporary file left" test ! -e "$T_TMP/$s.pst.tmp"
	if bash "$top_srcdir/tests/pst-compare.sh" "$T_TMP/$s.pst" "$T_TMP/$s.desc" >"$T_TMP/$s.cmp" 2>&1; then
		ok "$s: every reader agrees with what was written"
	else
		not_ok "$s: every reader agrees with what was written"
		sed 's/^/#   /' "$T_TMP/$s.cmp" | head -40
	fi
done

# A recipient name over 3,580 bytes is a subnode of the recipient table:
# pst-extractor never resolves subnode cells of recipient rows (its
# PSTRecipient has no subnode list), so it is left out here.
s=longrecip
if "$w" $s "$T_TMP/$s.pst" "$T_TMP/$s.desc" 2>"$T_TMP/$s.err"; then
	ok "$s: written"
	if PST_COMPARE_READERS="libpst pffexport pst-check" bash "$top_srcdir/tests/pst-compare.sh" \
	   "$T_TMP/$s.pst" "$T_TMP/$s.desc" >"$T_TMP/$s.cmp" 2>&1; then
		ok "$s: libpst, pffexport and pst-check --strict agree with what was written"
	else
		not_ok "$s: libpst, pffexport and pst-check --strict agree with what was written"
		cut -c1-200 "$T_TMP/$s.cmp" | sed 's/^/#   /' | head -40
	fi
else
	not_ok "$s: written ($(head -1 "$T_TMP/$s.err"))"
fi

# big ones: libpst and pst-check in full, pffexport by counts
libpst_check() {
	if "$top_builddir/tests/pstdesc-libpst" "$T_TMP/$1.pst" 2>/dev/null | LC_ALL=C sort >"$T_TMP/$1.libpst" &&
	   grep -v '^R	' "$T_TMP/$1.desc" | LC_ALL=C sort | diff - "$T_TMP/$1.libpst" >"$T_TMP/$1.diff"; then
		ok "$1: libpst agrees with what was written"
	else
		not_ok "$1: libpst agrees with what was written"
		head -10 "$T_TMP/$1.diff" | sed 's/^/#   /'
	fi
	check "$1: pst-check --strict is clean" sh -c '"$0" pst-check -q --strict "$1" >/dev/null' "$MBX" "$T_TMP/$1.pst"
}

s=many
if "$w" $s "$T_TMP/$s.pst" "$T_TMP/$s.desc" 2>"$T_TMP/$s.err"; then
	ok "$s: written"
	libpst_check $s
	js="$top_srcdir/tests/node/pstdesc.js"
	if command -v node >/dev/null 2>&1 && [ -d "$top_srcdir/tests/node/node_modules/pst-extractor" ]; then
		node "$js" "$T_TMP/$s.pst" 2>/dev/null | LC_ALL=C sort >"$T_TMP/$s.js"
		check "$s: pst-extractor agrees with what was written" cmp -s "$T_TMP/$s.js" "$(LC_ALL=C sort "$T_TMP/$s.desc" >"$T_TMP/$s.sd"; echo "$T_TMP/$s.sd")"
	fi
	rm -rf "$T_TMP/pff" "$T_TMP/pff.export"
	if command -v pffexport >/dev/null 2>&1; then
		pffexport -q -t "$T_TMP/pff" "$T_TMP/$s.pst" >/dev/null 2>&1
		n=$(ls "$T_TMP"/pff.export/*/Bulk | wc -l)
		check "$s: pffexport exports 2,000 messages ($n)" test "$n" -eq 2000
	fi
else
	not_ok "$s: written ($(head -1 "$T_TMP/$s.err"))"
fi

# libpst 0.6 reads no recipient row of a table over 447 rows (its row
# index then has an index level, as [MS-PST] 2.3.2 requires): it is
# compared on everything but the recipient count; pffexport counts them.
s=recips
if "$w" $s "$T_TMP/$s.pst" "$T_TMP/$s.desc" 2>"$T_TMP/$s.err"; then
	ok "$s: written"
	awk -F'\t' 'BEGIN { OFS = "\t" } $1 == "M" { $8 = "?" } $1 != "R" { print }' "$T_TMP/$s.desc" >"$T_TMP/$s.d2"
	mv "$T_TMP/$s.d2" "$T_TMP/$s.desc"
	"$top_builddir/tests/pstdesc-libpst" "$T_TMP/$s.pst" 2>/dev/null |
		awk -F'\t' 'BEGIN { OFS = "\t" } $1 == "M" { $8 = "?" } { print }' >"$T_TMP/$s.l2"
	check "$s: libpst agrees (but the recipient count)" \
		cmp -s "$(LC_ALL=C sort "$T_TMP/$s.desc" >"$T_TMP/$s.a"; echo "$T_TMP/$s.a")" \
		"$(LC_ALL=C sort "$T_TMP/$s.l2" >"$T_TMP/$s.b"; echo "$T_TMP/$s.b")"
	check "$s: pst-check --strict is clean" sh -c '"$0" pst-check -q --strict "$1" >/dev/null' "$MBX" "$T_TMP/$s.pst"
	rm -rf "$T_TMP/pff" "$T_TMP/pff.export"
	if pffexport -q -t "$T_TMP/pff" "$T_TMP/$s.pst" >/dev/null 2>&1; then
		n=$(grep -c '^Display name:' "$T_TMP"/pff.export/*/Announcements/Message00001/Recipients.txt)
		check "$s: pffexport lists 1,000 recipients ($n)" test "$n" -eq 1000
	else
		ok "# SKIP pffexport not installed"
	fi
else
	not_ok "$s: written ($(head -1 "$T_TMP/$s.err"))"
fi
done_testing
