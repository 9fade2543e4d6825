#!/bin/sh
# tests/t_export_item_readers.sh - appointment, contact and task details survive the
# export: the demo mailbox of Mary Adams exported to PST is read back by
# libpst, pst-extractor and pffexport (tests/pst-compare.sh with the P
# records of tests/PSTDESC.md), and a wrong detail is caught.
. "$top_srcdir/tests/lib.sh"
DESC="$top_builddir/tests/export-desc"
PDESC="$top_builddir/tests/props-desc"
[ -x "$DESC" ] && [ -x "$PDESC" ] || skip_all "tests/export-desc or tests/props-desc not built"
DB=$(demo_db) || skip_all "cannot create the demo server"
OUT=$T_TMP/o

expect_status 0 "MAdams exports" "$MBX" --db "$DB" export MAdams --out "$OUT"
pst=$OUT/MADAMS.PST
{ "$DESC" "$DB" MAdams; "$PDESC" "$DB" MAdams; } | LC_ALL=C sort >"$T_TMP/want"
count() { grep -c "^P	[^	]*	[^	]*	$1	" "$T_TMP/want"; }
check "the store describes 3 appointments (start, end, location, busy)" \
	test "$(count start)" -eq 3 -a "$(count end)" -eq 3 -a "$(count location)" -eq 3 -a "$(count busy)" -eq 3
check "the store describes 3 contacts (e-mail, company, phones)" \
	test "$(count email1)" -eq 3 -a "$(count company)" -eq 3 -a "$(count business-phone)" -eq 3
check "the store describes 2 tasks (start, due, percent)" \
	test "$(count task-due)" -eq 2 -a "$(count percent)" -eq 2 -a "$(count task-start)" -eq 2

if bash "$top_srcdir/tests/pst-compare.sh" "$pst" "$T_TMP/want" >"$T_TMP/cmp" 2>&1; then
	ok "every reader gives back every detail: $(grep '^ok' "$T_TMP/cmp" | cut -c6- | cut -d: -f1 | tr '\n' ' ')"
else
	not_ok "every reader gives back every detail"
	sed 's/^/#   /' "$T_TMP/cmp" | head -40
fi
grep '^skip' "$T_TMP/cmp" | sed 's/^/# /'

# Each reader really printed details (not only agreed on none).
PSTDESC_DETAILS=1 "$top_builddir/tests/pstdesc-libpst" "$pst" >"$T_TMP/libpst" 2>/dev/null
check "libpst reads start, end and location" grep -q '^P	Calendar	[^	]*	location	' "$T_TMP/libpst"
check "libpst reads the contacts' e-mail addresses and companies" \
	sh -c 'grep -q "^P	Contacts	[^	]*	email1	.*@" "$1" && grep -q "^P	Contacts	[^	]*	company	" "$1"' sh "$T_TMP/libpst"
if command -v node >/dev/null 2>&1 && [ -d "$top_srcdir/tests/node/node_modules/pst-extractor" ]; then
	PSTDESC_DETAILS=1 node "$top_srcdir/tests/node/pstdesc.js" "$pst" >"$T_TMP/js" 2>/dev/null
	check "pst-extractor reads task due dates and percent complete" \
		sh -c 'grep -q "^P	Tasks	[^	]*	task-due	2026-" "$1" && grep -q "^P	Tasks	[^	]*	percent	" "$1"' sh "$T_TMP/js"
fi
if command -v pffexport >/dev/null 2>&1; then
	PSTDESC_DETAILS=1 bash "$top_srcdir/tests/pstdesc-pff.sh" "$pst" >"$T_TMP/pff" 2>/dev/null
	check "pffexport reads task due dates and percent complete" \
		sh -c 'grep -q "^P	Tasks	[^	]*	task-due	2026-" "$1" && grep -q "^P	Tasks	[^	]*	percent	" "$1"' sh "$T_TMP/pff"
	check "pffexport reads appointment locations" grep -q '^P	Calendar	[^	]*	location	' "$T_TMP/pff"
fi

# A wrong location and a wrong percent are caught (libpst and pst-extractor).
awk -F'\t' 'BEGIN { OFS = "\t" } $1 == "P" && $4 == "location" && !done { $5 = "Nowhere"; done = 1 } { print }' \
	"$T_TMP/want" >"$T_TMP/bad"
PST_COMPARE_READERS="libpst pst-check"
export PST_COMPARE_READERS
expect_status 1 "pst-compare rejects a wrong location" bash "$top_srcdir/tests/pst-compare.sh" "$pst" "$T_TMP/bad"
check "the diff names the location" grep -q 'location	Nowhere' "$T_TMP/out"
awk -F'\t' 'BEGIN { OFS = "\t" } $1 == "P" && $4 == "percent" && !done { $5 = "42"; done = 1 } { print }' \
	"$T_TMP/want" >"$T_TMP/bad2"
if command -v node >/dev/null 2>&1 && [ -d "$top_srcdir/tests/node/node_modules/pst-extractor" ]; then
	PST_COMPARE_READERS="pst-extractor"
	expect_status 1 "pst-compare rejects a wrong percent complete" \
		bash "$top_srcdir/tests/pst-compare.sh" "$pst" "$T_TMP/bad2"
	check "the diff names the percent" grep -q 'percent	42' "$T_TMP/out"
fi
done_testing
