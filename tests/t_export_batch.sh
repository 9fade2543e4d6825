#!/bin/sh
# batch -F ExMerge.ini: Exmerge's keys drive the export (and the import
# step), ignored keys are named with their line, malformed files fail with
# the line number and change nothing.
. "$top_srcdir/tests/lib.sh"
DESC="$top_builddir/tests/export-desc"
DB=$(demo_db) || skip_all "cannot create the demo server"
"$MBX" --db "$DB" adjust --create-mailboxes >/dev/null 2>&1 || skip_all "adjust failed"
W=$T_TMP/w
mkdir -p "$W"
printf '/o=Contoso/ou=HQ/cn=Recipients/cn=JSmith\r\nMAdams\r\n' > "$W/mailboxes.txt"
cat > "$W/ExMerge.ini" <<'EOF2'
; EXMERGE.INI written for the test
[EXMERGE]
MergeAction = 0
SourceServerName = EXCH1
DataDirectoryName = pst
LogFileName = exmerge.log
LoggingLevel = 2
SelectMessageStartDate = 03/01/2026 00:00:00
FileContainingListOfMailboxes = mailboxes.txt
FoldersProcessed = 2
ApplyFolderFilterToSubFolders = 1
CopyFolderPermissions = 1
[Folders]
Folder = Calendar
Folder = Inbox/Projects
EOF2
expect_status 0 "batch -F ExMerge.ini exports" "$MBX" --db "$DB" batch -F "$W/ExMerge.ini"
check "ignored keys named with their line" \
	grep -q "ignoring keys that do not apply here: SourceServerName (line 4), CopyFolderPermissions (line 12)" "$T_TMP/err"
check "DataDirectoryName relative to the ini" test -f "$W/pst/JSMITH.PST" -a -f "$W/pst/MADAMS.PST"
check "only the listed mailboxes" test "$(ls "$W/pst" | grep -c PST)" -eq 2
check "LogFileName used" grep -q "Successfully completed copying mailbox 'Smith, John'" "$W/exmerge.log"
check "LoggingLevel 2 records the filters" grep -q "Filter: exclude folder 'Inbox/Projects' and its subfolders" "$W/exmerge.log"
verify_counts() {
	"$MBX" verify "$1" | sed '1,2d;$d' |
		awk '{ b=$NF; a=$(NF-1); m=$(NF-2); $NF=""; $(NF-1)=""; $(NF-2)="";
		       sub(/[ ]+$/, ""); printf "%s\t%s\t%s\t%s\n", $0, m, a, b }' | LC_ALL=C sort
}
"$DESC" --counts "$DB" JSmith --from 2026-03-01 --exclude Calendar --exclude Inbox/Projects | LC_ALL=C sort > "$T_TMP/want"
verify_counts "$W/pst/JSMITH.PST" > "$T_TMP/got"
if cmp -s "$T_TMP/want" "$T_TMP/got"; then ok "dates and folder sections applied"
else not_ok "filters from the ini"; diff "$T_TMP/want" "$T_TMP/got" | sed 's/^/#   /' | head; fi

# Step 2 (MergeAction=1): the PST files back into their mailboxes (merge).
cat > "$W/import.ini" <<'EOF2'
[EXMERGE]
MergeAction = 1
DataDirectoryName = pst
FileContainingListOfMailboxes = mailboxes.txt
DataImportMethod = 1
EOF2
expect_status 0 "MergeAction=1 merges the files into the mailboxes" "$MBX" --db "$DB" batch -F "$W/import.ini"
check "Exmerge's merge line" grep -q "Merging data from file '$W/pst/JSMITH.PST' to mailbox 'Smith, John' ('JSmith') on server 'EXCH1'." "$T_TMP/out"
check "merge finds every item already there" grep -q "Successfully completed merging data from file '$W/pst/MADAMS.PST' to mailbox 'Adams, Mary' (0 items added" "$T_TMP/out"
rm "$W/pst/MADAMS.PST"
expect_status 1 "a missing PST file is an error for that mailbox" "$MBX" --db "$DB" batch -F "$W/import.ini"
check "Exmerge's not-found line" grep -q "Error. File '$W/pst/MADAMS.PST' not found. Cannot merge data into mailbox for user 'Adams, Mary' ('MAdams')." "$T_TMP/out"

# Malformed files: exit 2, the line named, nothing written.
bad() {
	printf "$2" > "$W/bad.ini"
	expect_status 2 "$1" "$MBX" --db "$DB" batch -F "$W/bad.ini"
	check "$1: error names line $3" grep -q "bad.ini line $3:" "$T_TMP/err"
}
bad "not an ini line" '[EXMERGE]\nDataDirectoryName = bad\nthis line is wrong\n' 3
bad "unterminated section" '[EXMERGE\nDataDirectoryName = bad\n' 1
bad "bad LoggingLevel" '[EXMERGE]\nDataDirectoryName = bad\nLoggingLevel = high\n' 3
bad "bad date" '[EXMERGE]\nDataDirectoryName = bad\nSelectMessageEndDate = 31/12/2026\n' 3
bad "Windows path" '[EXMERGE]\nDataDirectoryName = C:\\EXMERGEDATA\n' 2
check "nothing written by malformed files" test ! -e "$W/bad"
expect_status 2 "missing -F" "$MBX" --db "$DB" batch
expect_status 2 "missing ini file" "$MBX" --db "$DB" batch -F "$W/none.ini"
done_testing
