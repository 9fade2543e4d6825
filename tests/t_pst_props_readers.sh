#!/bin/sh
# tests/t_pst_props_readers.sh - the PST writer writes property bags, read back by
# every reader (issue 12), and the recipients bug stays fixed:
#
#  - bags (tests/t_pst_props write bags): libpff's property dump
#    (tests/pstdump-pff) and ours (mbxrescue pst-dump) hold every property
#    of every bag exactly, the regenerated ones aside (t_pst_props compare);
#    libpst, pst-extractor, pffexport and pst-check --strict read the file
#    as described (tests/pst-compare.sh);
#  - recips: 1,000, 91, 38 recipients with attachments, and an embedded
#    message with 100: every reader (libpst's count of the 1,000 aside:
#    pst-compare.sh) and libpff's dump lists every recipient row;
#  - oldrows: the old row IDs make libpst read attachments twice, and
#    pst-check --strict names the layout [recipient-rowid-is-subnode];
#  - undefined: properties of a type [MS-PST] does not define: libpst,
#    pst-extractor and pst-check read the file, pst-dump reads the
#    properties as written; libpff refuses the objects holding them (a
#    reader limit, checked so that it is noticed if it goes);
#  - support.pst imported and exported again, and store mailboxes with 100
#    and 1,000 recipients and three attachments a message, export and verify.
. "$top_srcdir/tests/lib.sh"

w="$top_builddir/tests/t_pst_props"
dump="$top_builddir/tests/pstdump-pff"
compare="$top_srcdir/tests/pst-compare.sh"
[ -x "$w" ] || skip_all "tests/t_pst_props not built"
have_pff=0
[ -x "$dump" ] && have_pff=1

written() { # written SCENARIO: write it, say so
	if "$w" write "$1" "$T_TMP/$1.pst" "$T_TMP/$1.dump" "$T_TMP/$1.desc" >"$T_TMP/$1.out" 2>"$T_TMP/$1.err"; then
		ok "$1: written"
		return 0
	fi
	not_ok "$1: written ($(head -1 "$T_TMP/$1.err"))"
	return 1
}

dump_agrees() { # dump_agrees SCENARIO: libpff's dump against the bags
	if [ $have_pff -eq 0 ]; then
		ok "# SKIP $1: tests/pstdump-pff not built (libpff-dev)"
		return
	fi
	"$dump" "$T_TMP/$1.pst" >"$T_TMP/$1.pff" 2>"$T_TMP/$1.pff.err"
	check "$1: libpff reads every object" test ! -s "$T_TMP/$1.pff.err"
	canon_msgs "$T_TMP/$1.dump" >"$T_TMP/$1.dump.c"
	canon_msgs "$T_TMP/$1.pff" >"$T_TMP/$1.pff.c"
	if "$w" compare "$T_TMP/$1.dump.c" "$T_TMP/$1.pff.c" >"$T_TMP/$1.cmp"; then
		ok "$1: libpff reads every property as the bags hold it ($(tail -1 "$T_TMP/$1.cmp"))"
	else
		not_ok "$1: libpff reads every property as the bags hold it"
		sed 's/^/#   /' "$T_TMP/$1.cmp" | cut -c1-220 | head -40
	fi
}

ours_agree() { # ours_agree SCENARIO: mbxrescue pst-dump against the bags
	"$MBX" pst-dump "$T_TMP/$1.pst" >"$T_TMP/$1.ours" 2>"$T_TMP/$1.ours.err"
	check "$1: pst-dump reads every object" test ! -s "$T_TMP/$1.ours.err"
	if "$w" compare "$T_TMP/$1.dump" "$T_TMP/$1.ours" >"$T_TMP/$1.cmp2"; then
		ok "$1: pst-dump reads every property as the bags hold it ($(tail -1 "$T_TMP/$1.cmp2"))"
	else
		not_ok "$1: pst-dump reads every property as the bags hold it"
		sed 's/^/#   /' "$T_TMP/$1.cmp2" | cut -c1-220 | head -40
	fi
}

readers_agree() { # readers_agree SCENARIO: pst-compare.sh (PST_COMPARE_READERS as set)
	if bash "$compare" "$T_TMP/$1.pst" "$T_TMP/$1.desc" >"$T_TMP/$1.rd" 2>&1; then
		ok "$1: ${PST_COMPARE_READERS:-every reader} agree with what was written"
	else
		not_ok "$1: ${PST_COMPARE_READERS:-every reader} agree with what was written"
		cut -c1-220 "$T_TMP/$1.rd" | sed 's/^/#   /' | head -40
	fi
}

if written bags; then
	dump_agrees bags
	ours_agree bags
	readers_agree bags
	# the regenerated properties hold the new file's values
	if [ $have_pff -eq 1 ]; then
		grep -q '^store	0x67FF	0x0003	4	00000000$' "$T_TMP/bags.pff" &&
			ok "bags: the store's password is 0, not the bag's" ||
			not_ok "bags: the store's password is 0, not the bag's"
		grep -q '^folder:Top of Personal Folders/Bags	0x3602	0x0003	4	02000000$' "$T_TMP/bags.pff" &&
			ok "bags: the folder's content count is the new file's (2), not the bag's (99)" ||
			not_ok "bags: the folder's content count is the new file's (2), not the bag's (99)"
		if grep '	0x0FFF	' "$T_TMP/bags.pff" | grep -v '/rcpt#' | grep -q .; then
			not_ok "bags: no entry ID of the source store is written"
		else
			ok "bags: no entry ID of the source store is written"
		fi
		grep '^folder:Top of Personal Folders/Bags/msg#0	0x0E08	' "$T_TMP/bags.pff" | grep -qv '	39300000$' &&
			ok "bags: the message size is the new file's, not the bag's" ||
			not_ok "bags: the message size is the new file's, not the bag's"
	fi
fi

if written recips; then
	readers_agree recips
	if [ $have_pff -eq 1 ]; then
		"$dump" "$T_TMP/recips.pst" 2>/dev/null | awk -F'\t' '$2 == "0x3001" && $1 ~ /rcpt#/' >"$T_TMP/recips.names"
		n=$(wc -l <"$T_TMP/recips.names")
		check "recips: libpff reads all 1,269 recipient rows ($n)" test "$n" -eq 1269
	fi
	n=$("$MBX" pst-dump "$T_TMP/recips.pst" 2>/dev/null | awk -F'\t' '$2 == "0x3001" && $1 ~ /rcpt#/' | wc -l)
	check "recips: pst-dump reads all 1,269 recipient rows ($n)" test "$n" -eq 1269
	"$MBX" verify "$T_TMP/recips.pst" >"$T_TMP/recips.verify" 2>&1
	check "recips: the libpst reader counts 9 attachments, none twice" \
		grep -q '^Announcements  *4  *9 ' "$T_TMP/recips.verify"
fi

if written oldrows; then
	PST_COMPARE_READERS=libpst bash "$compare" "$T_TMP/oldrows.pst" "$T_TMP/oldrows.desc" >"$T_TMP/old.rd" 2>&1
	check "oldrows: libpst reads an attachment twice (the bug)" \
		grep -q '^     +M	Announcements	Thirty-eight recipients	.*	37	2$' "$T_TMP/old.rd"
	"$MBX" pst-check -q --strict "$T_TMP/oldrows.pst" >"$T_TMP/old.check" 2>&1
	st=$?
	check "oldrows: pst-check --strict fails (exit $st)" test $st -eq 1
	check "oldrows: ... naming the layout" \
		grep -q 'recipient table: warning: \[recipient-rowid-is-subnode\] row 37 has row ID 0x25, the NID of an attachment subnode' "$T_TMP/old.check"
	"$MBX" pst-check -q "$T_TMP/oldrows.pst" >/dev/null 2>&1
	check "oldrows: ... a warning, not a problem without --strict" test $? -eq 0
fi

if written undefined; then
	PST_COMPARE_READERS="libpst pst-extractor pst-check" readers_agree undefined
	"$MBX" pst-dump "$T_TMP/undefined.pst" 2>/dev/null | awk -F'\t' '$3 == "0x0033"' | LC_ALL=C sort >"$T_TMP/u.ours"
	check "undefined: pst-dump reads them as written" \
		sh -c 'LC_ALL=C sort "$1" | cmp -s - "$2"' sh "$T_TMP/undefined.dump" "$T_TMP/u.ours"
	if [ $have_pff -eq 1 ]; then
		"$dump" "$T_TMP/undefined.pst" >/dev/null 2>"$T_TMP/undefined.err"
		check "undefined: libpff refuses the message holding them (a reader limit)" \
			grep -q 'Undefined/msg#0: it has no property context' "$T_TMP/undefined.err"
	fi
fi

# support.pst: import it, export it, verified (the issue's reproduction)
pst=$MBX_SHARED/testdata/pst/support.pst
if [ -f "$pst" ]; then
	db=$T_TMP/s.db
	"$MBX" --db "$db" --reset-demo >/dev/null 2>&1
	"$MBX" --db "$db" import-pst "$pst" --mailbox S --create >/dev/null 2>&1
	"$MBX" --db "$db" adjust --create-mailboxes >/dev/null 2>&1
	expect_status 0 "support.pst imported and exported again: exit 0" "$MBX" --db "$db" export S --out "$T_TMP/s"
	check "support.pst: the export verified (S.PST, no .unverified)" \
		sh -c 'test -f "$1/S.PST" && ! ls "$1" | grep -q unverified' sh "$T_TMP/s"
	check "support.pst: pst-check --strict is clean" sh -c '"$0" pst-check -q --strict "$1" >/dev/null' "$MBX" "$T_TMP/s/S.PST"
else
	ok "# SKIP no ../shared test data"
fi

# store mailboxes with many recipients and several attachments a message
gen=$top_builddir/tests/export-genmbx
if [ -x "$gen" ]; then
	db=$T_TMP/g.db
	"$gen" "$db" MID "Mid, Recipients" 3 4 --recipients 100 --attachments 3 &&
		"$gen" "$db" BIG "Big, Recipients" 3 4 --recipients 1000 --attachments 3
	expect_status 0 "100 and 1,000 recipients with 3 attachments: export and verify" \
		"$MBX" --db "$db" export MID BIG --out "$T_TMP/g"
	for a in MID BIG; do
		check "$a: pst-check --strict is clean" sh -c '"$0" pst-check -q --strict "$1" >/dev/null' "$MBX" "$T_TMP/g/$a.PST"
	done
fi
done_testing
