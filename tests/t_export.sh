#!/bin/sh
# Export end to end on the demo server: KB Q265438 before the adjuster,
# every mailbox exported and verified after it, read back by libpst
# (mbxrescue verify, readpst), libpff (pffexport) and, when the readers'
# comparison script exists, by every reader against the store's description.
. "$top_srcdir/tests/lib.sh"
DESC="$top_builddir/tests/export-desc"
PDESC="$top_builddir/tests/props-desc"
DB=$(demo_db) || skip_all "cannot create the demo server"
OUT=$T_TMP/o
TS='\[[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\]'

# ---- KB Q265438: no directory entry ---------------------------------------
expect_status 1 "JSmith without a directory entry fails" "$MBX" --db "$DB" export JSmith --out "$OUT"
cp "$T_TMP/out" "$T_TMP/kb.out"; cp "$T_TMP/err" "$T_TMP/kb.err"
cat > "$T_TMP/kb.want" <<W
Copying data from mailbox 'Smith, John' ('JSmith') on Server 'EXCH1' to file '$OUT/JSMITH.PST'.
Error configuring message service (MSEMS) (UNKNOWN ERROR) (CMapiSession::CreateEMSPSTProfile)
Errors encountered. Copy process aborted.
0 mailboxes successfully processed. 1 errors encountered. 0 cancelled. R mailboxes/s
W
# Every line starts with the real time "[HH:MM:SS] "; the rest is exact
# but for the rate (R) of the summary.
kb_match() {
	[ "$(grep -Evc "^$TS " "$1")" -eq 0 ] || return 1
	sed -e 's/^\[[0-9:]*\] //' -e 's/ [0-9.]* mailboxes\/s$/ R mailboxes\/s/' "$1" | cmp -s - "$T_TMP/kb.want"
}
check "exactly the three Exmerge lines (and the run summary) on stdout" kb_match "$T_TMP/kb.out"
check "the same lines in DIR/mbxrescue.log" kb_match "$OUT/mbxrescue.log"
check "stderr names the cause and the fix" \
	grep -q "no directory entry for this mailbox; to fix: run the DS/IS consistency adjuster with create-mailboxes (mbxrescue adjust --create-mailboxes)" "$T_TMP/kb.err"
check "no PST and no temporary left behind" test -z "$(ls "$OUT" | grep -v '^mbxrescue.log$')"
check "output directory is 0700" test "$(stat -c %a "$OUT")" = 700
check "log file is 0600" test "$(stat -c %a "$OUT/mbxrescue.log")" = 600

# ---- after the adjuster ---------------------------------------------------
expect_status 0 "adjust --create-mailboxes" "$MBX" --db "$DB" adjust --create-mailboxes
expect_status 0 "JSmith exports after the adjuster" "$MBX" --db "$DB" export JSmith --out "$OUT"
check "success line names mailbox, alias and file" grep -Eq \
	"^$TS Successfully completed copying mailbox 'Smith, John' \('JSmith'\) to file '$OUT/JSMITH.PST'\$" "$T_TMP/out"
check "summary line" grep -Eq "^$TS 1 mailboxes successfully processed\. 0 errors encountered\. 0 cancelled\. [0-9]+\.[0-9] mailboxes/s\$" "$T_TMP/out"
check "JSMITH.PST is 0600" test "$(stat -c %a "$OUT/JSMITH.PST")" = 600
check "no temporary left" test -z "$(ls "$OUT" | grep -v -e '^mbxrescue.log$' -e '^JSMITH.PST$')"
expect_status 0 "mbxrescue verify reads it" "$MBX" verify "$OUT/JSMITH.PST"
check "verify lists Deleted Items once (the mailbox's maps onto the PST's own)" \
	test "$(grep -c '^Deleted Items ' "$T_TMP/out")" -eq 1

# ---- every mailbox --------------------------------------------------------
ALL=$T_TMP/all
expect_status 0 "export --all with 2 threads" "$MBX" --db "$DB" export --all --out "$ALL" --threads 2
cp "$T_TMP/out" "$T_TMP/all.out"
n=$(ls "$ALL" | grep -c '\.PST$')
check "12 PST files" test "$n" -eq 12
check "12 mailboxes successfully processed" grep -q "12 mailboxes successfully processed. 0 errors encountered" "$T_TMP/all.out"

# verify's table -> "path<TAB>messages<TAB>attachments<TAB>bytes", sorted
verify_counts() {
	"$MBX" verify "$1" | sed '1,2d;$d' |
		awk '{ b=$NF; a=$(NF-1); m=$(NF-2); $NF=""; $(NF-1)=""; $(NF-2)="";
		       sub(/[ ]+$/, ""); printf "%s\t%s\t%s\t%s\n", $0, m, a, b }' | LC_ALL=C sort
}
for alias in ADubois ASchmidt DBrown JMueller JSmith LNasser MAdams OHaddad PKowalski RGarcia WChen YTanaka; do
	f=$ALL/$(echo "$alias" | tr a-z A-Z).PST
	"$DESC" --counts "$DB" "$alias" | LC_ALL=C sort > "$T_TMP/want.$alias"
	verify_counts "$f" > "$T_TMP/got.$alias"
	if cmp -s "$T_TMP/want.$alias" "$T_TMP/got.$alias"; then ok "$alias: libpst sees every folder, message and attachment of the store"
	else not_ok "$alias: libpst's counts differ from the store's"; diff "$T_TMP/want.$alias" "$T_TMP/got.$alias" | sed 's/^/#   /' | head -10; fi
	if "$MBX" pst-check -q "$f" >/dev/null 2>&1; then ok "$alias: pst-check finds no problem"
	else not_ok "$alias: pst-check reports problems"; fi
done

# readpst names its output directory after the store's display name.
mkdir -p "$T_TMP/readpst"
if readpst -q -j 0 -r -o "$T_TMP/readpst" "$ALL/JSMITH.PST" >/dev/null 2>&1; then
	check "store display name is the mailbox display name (readpst)" test -d "$T_TMP/readpst/Smith, John"
	check "readpst finds the Inbox/Projects/Archive 2025 folder" test -d "$T_TMP/readpst/Smith, John/Inbox/Projects/Archive 2025"
else
	not_ok "readpst reads JSMITH.PST"
fi
if command -v pffexport >/dev/null 2>&1; then
	if (cd "$T_TMP" && pffexport -q -t pff "$ALL/JSMITH.PST" >/dev/null 2>&1); then
		m=$(find "$T_TMP/pff.export/Top of Personal Folders" -regextype posix-extended \
			-regex '.*/[A-Z][a-z]+[0-9]{5}' -not -path '*/Attachments/*' | wc -l)
		want=$("$DESC" "$DB" JSmith | awk -F '\t' '$1 == "F" { n += $3 } END { print n }')
		check "pffexport finds every message of JSMITH.PST ($m of $want)" test "$m" -eq "$want"
	else
		not_ok "pffexport reads JSMITH.PST"
	fi
fi
# Every reader against the description written from the store (tests/PSTDESC.md):
# libpst, pst-extractor, pffexport (on the subset its export can show, listed
# in tests/pstdesc-pff.sh) and pst-check, on every mailbox: each holds mail,
# appointments, contacts, tasks, notes and journal entries, with their details.
# EXPORT_COMPARE_READERS narrows the readers (PST_COMPARE_READERS syntax).
if [ -x "$top_srcdir/tests/pst-compare.sh" ] || [ -f "$top_srcdir/tests/pst-compare.sh" ]; then
	for alias in ADubois ASchmidt DBrown JMueller JSmith LNasser MAdams OHaddad PKowalski RGarcia WChen YTanaka; do
		f=$ALL/$(echo "$alias" | tr a-z A-Z).PST
		# With the item details (P records) of its appointments, contacts and tasks.
		{ "$DESC" "$DB" "$alias"; "$PDESC" "$DB" "$alias"; } | LC_ALL=C sort > "$T_TMP/$alias.desc"
		if PST_COMPARE_READERS=${EXPORT_COMPARE_READERS:-libpst pst-extractor pffexport pst-check} \
		   timeout 40 bash "$top_srcdir/tests/pst-compare.sh" "$f" "$T_TMP/$alias.desc" > "$T_TMP/cmp.$alias" 2>&1; then
			ok "$alias: every reader reads exactly what the store holds: $(grep '^ok' "$T_TMP/cmp.$alias" | cut -c6- | cut -d: -f1 | tr '\n' ' ')agree"
		else
			not_ok "$alias: a reader differs from the store's description"; sed 's/^/#   /' "$T_TMP/cmp.$alias" | head -20
		fi
		# A reader that is not installed is skipped by pst-compare.sh; say so.
		grep '^skip' "$T_TMP/cmp.$alias" | sed 's/^/# /'
	done
	check "the comparison covered item details (MAdams: appointments, contacts, tasks)" \
		test "$(grep -c '^P	' "$T_TMP/MAdams.desc")" -gt 20
else
	echo "# tests/pst-compare.sh not present: cross-reader comparison not run"
fi
done_testing
