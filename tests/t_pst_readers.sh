#!/bin/sh
# tests/t_pst_readers.sh - the three independent PST describers (libpst,
# pst-extractor, pffexport) agree on support.pst after the documented
# normalizations, and tests/pst-compare.sh accepts a right description
# and rejects a wrong one with a readable diff.
. "$top_srcdir/tests/lib.sh"
pst=$MBX_SHARED/testdata/pst/support.pst
[ -f "$pst" ] || skip_all "no ../shared test data"
export LC_ALL=C
libpst=$top_builddir/tests/pstdesc-libpst
compare=$top_srcdir/tests/pst-compare.sh
have_js=0
command -v node >/dev/null 2>&1 && [ -d "$top_srcdir/tests/node/node_modules/pst-extractor" ] && have_js=1
have_pff=0
command -v pffexport >/dev/null 2>&1 && have_pff=1

check "libpst describer reads support.pst" sh -c '"$1" "$2" | sort >"$3"' sh "$libpst" "$pst" "$T_TMP/libpst"
[ "$(grep -c '^M	' "$T_TMP/libpst")" -eq 17 ] && ok "libpst: 17 messages" || not_ok "libpst: 17 messages"
grep -q '^A	Sent Messages	IMPORTANT: Support portal downtime for maintenance	ATT00001.htm	253	076137c705bb339aae637ae892b4641e424c9741b442e19abc8297aeaceb51f3$' "$T_TMP/libpst" &&
	ok "libpst: attachment name, size and SHA-256" || not_ok "libpst: attachment name, size and SHA-256"

# The pffexport subset, as pst-compare.sh normalizes it.
pff_norm() {
	awk -F'\t' 'BEGIN { OFS = "\t" }
		$2 ~ /\\\\\// { next }
		$1 != "F" && ($0 ~ /\\t|\\n|\\r/) { next }
		$1 == "M" { $6 = "?" }
		$1 == "A" { $4 = "?" }
		{ print }' "$1" | sed 's/[\xF0-\xF4][\x80-\xBF][\x80-\xBF][\x80-\xBF]/?/g' | sort
}
if [ $have_js -eq 1 ]; then
	check "pst-extractor describer reads support.pst" sh -c 'node "$1" "$2" | sort >"$3"' sh \
		"$top_srcdir/tests/node/pstdesc.js" "$pst" "$T_TMP/js"
	grep -v '^R	' "$T_TMP/js" >"$T_TMP/js.norec"
	check "libpst and pst-extractor agree (R records aside)" cmp -s "$T_TMP/libpst" "$T_TMP/js.norec"
	[ "$(grep -c '^R	' "$T_TMP/js")" -gt 1000 ] && ok "pst-extractor lists the recipients" || not_ok "pst-extractor lists the recipients"
	cp "$T_TMP/js" "$T_TMP/good.desc"
else
	echo "# pst-extractor not installed: skipping its checks"
fi
if [ $have_pff -eq 1 ]; then
	check "pffexport describer reads support.pst (no orphans)" sh -c 'bash "$1" "$2" >"$3"' sh \
		"$top_srcdir/tests/pstdesc-pff.sh" "$pst" "$T_TMP/pff.raw"
	pff_norm "$T_TMP/pff.raw" >"$T_TMP/pff"
	if [ $have_js -eq 1 ]; then
		pff_norm "$T_TMP/js" >"$T_TMP/js.pff"
		check "pffexport and pst-extractor agree on pffexport's subset" cmp -s "$T_TMP/pff" "$T_TMP/js.pff"
	else
		grep '^R	' "$T_TMP/pff.raw" | cat "$T_TMP/libpst" - | sort >"$T_TMP/good.desc"
	fi
	grep -v '^R	' "$T_TMP/pff" >"$T_TMP/pff.norec"
	pff_norm "$T_TMP/libpst" >"$T_TMP/libpst.pff"
	check "pffexport and libpst agree on their common subset" cmp -s "$T_TMP/pff.norec" "$T_TMP/libpst.pff"
else
	echo "# pffexport not installed: skipping its checks"
fi
[ -f "$T_TMP/good.desc" ] || cp "$T_TMP/libpst" "$T_TMP/good.desc"

# pst-compare.sh: a right description passes, a wrong one fails with a diff.
expect_status 0 "pst-compare accepts the right description" bash "$compare" --lenient "$pst" "$T_TMP/good.desc"
grep -q '^ok   libpst' "$T_TMP/out" && grep -q 'ok   pst-check' "$T_TMP/out" && ok "pst-compare reports each reader" ||
	{ not_ok "pst-compare reports each reader"; sed 's/^/#   /' "$T_TMP/out"; }
# The failing cases need only the fast readers.
PST_COMPARE_READERS="libpst pst-check"
export PST_COMPARE_READERS
sed 's/	Release 9\.1\.3	/	Release 9.1.X	/' "$T_TMP/good.desc" >"$T_TMP/bad.desc"
expect_status 1 "pst-compare rejects a wrong subject" bash "$compare" --lenient "$pst" "$T_TMP/bad.desc"
grep -q '^FAIL libpst disagrees' "$T_TMP/out" && grep -q '^     -M	Sent Messages	Release 9.1.X' "$T_TMP/out" &&
	grep -q '^     +M	Sent Messages	Release 9.1.3' "$T_TMP/out" && ok "the diff shows expected and found lines" ||
	{ not_ok "the diff shows expected and found lines"; sed 's/^/#   /' "$T_TMP/out" | head; }
grep -q '^skip pffexport: not selected' "$T_TMP/out" && ok "readers not run are reported" || not_ok "readers not run are reported"
grep -v '^F	Drafts	' "$T_TMP/good.desc" >"$T_TMP/nofolder.desc"
expect_status 1 "pst-compare rejects a missing folder" bash "$compare" --lenient "$pst" "$T_TMP/nofolder.desc"
expect_status 1 "without --lenient, pst-check --strict rejects Outlook's stale cbAMapFree" \
	bash "$compare" "$pst" "$T_TMP/good.desc"
grep -q '^FAIL pst-check --strict' "$T_TMP/out" && ok "pst-check failure shown" || not_ok "pst-check failure shown"
expect_status 2 "pst-compare usage error" bash "$compare" "$pst"
done_testing
