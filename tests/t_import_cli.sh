#!/bin/sh
# tests/t_import_cli.sh - `mbxrescue import-pst` from the command line:
# usage errors, the Exmerge log lines and summary, --create and the
# orphaned mailbox it leaves, and bad PSTs (empty, truncated, garbage,
# zeroed B-trees): exit 2 with one clear error, the store unchanged.
# Damaged items (issue 14.1): a byte flipped in one message's block lists
# that message (folder, subject, what) and imports the others, exit 1;
# --bad-item-limit 0 keeps nothing; --skip-damaged exits 0; a damaged
# contents table keeps the items their nodes name.  The reader's child
# crashing, hanging or sending garbage (test hooks) leaves the store as it
# was.
. "$top_srcdir/tests/lib.sh"

PST="$MBX_SHARED/testdata/pst/support.pst"
[ -r "$PST" ] || skip_all "../shared/testdata/pst is not there"
DB=$(demo_db) || skip_all "can not create the demo store"

expect_status 2 "no file" "$MBX" --db "$DB" import-pst --mailbox X
expect_status 2 "no --mailbox" "$MBX" --db "$DB" import-pst "$PST"
check "says how to name the mailbox" grep -q -- "--mailbox ALIAS" "$T_TMP/err"
expect_status 2 "unknown mode" "$MBX" --db "$DB" import-pst "$PST" --mailbox X --mode overwrite
check "names the bad mode and the good ones" grep -q "unknown import mode 'overwrite': use copy, merge or replace" "$T_TMP/err"
expect_status 2 "unknown mailbox without --create" "$MBX" --db "$DB" import-pst "$PST" --mailbox NOBODY
check "suggests --create" grep -q -- "use --create" "$T_TMP/err"

expect_status 0 "import with --create" "$MBX" --db "$DB" import-pst "$PST" --mailbox RESTORED --create --log "$T_TMP/import.log" --log-level 2
check "Exmerge-style first line" grep -q "Merging data from file '$PST' to mailbox 'RESTORED' ('RESTORED') on server 'EXCH1'\." "$T_TMP/out"
check "summary line" grep -q "21 folders (21 new), 17 items imported, 0 skipped, 0 replaced, 0 damaged; 2 attachments, 3476 bytes" "$T_TMP/out"
check "Exmerge-style last line" grep -q "Successfully merged data from file '$PST' to mailbox 'RESTORED' ('RESTORED'): 21 folders, 17 items imported, 0 skipped, 0 replaced, 0 damaged\." "$T_TMP/out"
check "log file written" grep -q "Processing folder 'Sent Messages' (11 items)\." "$T_TMP/import.log"
check "log file lines carry a time" grep -q "^\[[0-9][0-9]:[0-9][0-9]:[0-9][0-9]\] Merging data" "$T_TMP/import.log"
check "the log file is private" test "$(stat -c %a "$T_TMP/import.log")" = 600
"$MBX" --db "$DB" check >"$T_TMP/check" 2>&1
check "check reports the new mailbox as orphaned" grep -q "orphaned-mailbox *RESTORED" "$T_TMP/check"
expect_status 0 "merge again" "$MBX" --db "$DB" import-pst "$PST" --mailbox RESTORED
check "merge again skips everything" grep -q "0 items imported, 17 skipped" "$T_TMP/out"

# Bad PSTs: one error each, exit 2, nothing of the file kept.
: >"$T_TMP/empty.pst"
head -c 20000 "$PST" >"$T_TMP/truncated.pst"
head -c 300000 /dev/urandom >"$T_TMP/garbage.pst"
# Zero the node and block B-tree pages near the end: no reader finds the message store.
size=$(wc -c <"$PST")
{ head -c $((size - 200000)) "$PST"; head -c 200000 /dev/zero; } >"$T_TMP/zeroed.pst"
for f in empty truncated garbage zeroed; do
	expect_status 2 "$f.pst is refused" "$MBX" --db "$DB" import-pst "$T_TMP/$f.pst" --mailbox RESTORED --mode copy --timeout 10
	check "$f.pst: the error names the file" grep -q "$f.pst: not a readable PST (" "$T_TMP/err"
	check "$f.pst: nothing written to the terminal by the reader" test "$(wc -l <"$T_TMP/err")" -eq 1
done
expect_status 0 "the mailbox is as before" "$MBX" --db "$DB" import-pst "$PST" --mailbox RESTORED
check "still exactly one copy of every item" grep -q "0 items imported, 17 skipped" "$T_TMP/out"
expect_status 2 "a bad file with --create makes no mailbox" "$MBX" --db "$DB" import-pst "$T_TMP/garbage.pst" --mailbox GHOST --create
"$MBX" --db "$DB" check >"$T_TMP/check" 2>&1
check "no mailbox GHOST" sh -c "! grep -q GHOST '$T_TMP/check'"
expect_status 2 "empty.pst again" "$MBX" --db "$DB" import-pst "$T_TMP/empty.pst" --mailbox RESTORED
check "the empty file: said so" grep -q "empty.pst: not a readable PST (reader stopped at item 0); the file is empty" "$T_TMP/err"
expect_status 2 "garbage.pst again" "$MBX" --db "$DB" import-pst "$T_TMP/garbage.pst" --mailbox RESTORED
check "garbage: the reader's reason" grep -q "garbage.pst: not a readable PST (reader stopped at item 0); not a PST or OST file (no !BDN signature at the start)" "$T_TMP/err"
expect_status 2 "zeroed.pst again" "$MBX" --db "$DB" import-pst "$T_TMP/zeroed.pst" --mailbox RESTORED
check "zeroed: no folder can be read, and why" grep -q "zeroed.pst: not a readable PST (no folder can be read); table 0x[0-9a-f]*: block 0x[0-9a-f]* is not in the BBT" "$T_TMP/err"

# ---- Damaged items (issue 14.1) ---------------------------------------------
BLOCK="$top_builddir/tests/pst-block"
# flip FILE OFFSET: one byte of FILE inverted
flip() { b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' '); printf "\\$(printf %03o $((255 - b)))" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null; }
where=$("$BLOCK" "$PST" "Protect your identity")
check "pst-block finds the message" sh -c "echo '$where' | grep -q ' Top of Personal Folders/Sent Messages\$'"
set -- $where
cp "$PST" "$T_TMP/damaged.pst"
chmod u+w "$T_TMP/damaged.pst"
flip "$T_TMP/damaged.pst" $(($2 + $3 / 2))
"$MBX" pst-check "$T_TMP/damaged.pst" >"$T_TMP/pstcheck" 2>&1
check "pst-check sees the damage" grep -q "message NID $1" "$T_TMP/pstcheck"
expect_status 1 "a damaged item: exit 1" "$MBX" --db "$DB" import-pst "$T_TMP/damaged.pst" --mailbox DAMAGED --create --log "$T_TMP/damaged.log"
check "it is listed with folder, subject and what" grep -q "^  Sent Messages: 'Protect your identity': block 0x[0-9a-f]* at 0x[0-9a-f]*: CRC 0x[0-9a-f]* does not match its data" "$T_TMP/out"
check "the list says how many" grep -q "damaged.pst: 1 damaged item not imported, 0 damaged folders:" "$T_TMP/out"
check "the others are imported" grep -q "21 folders (21 new), 16 items imported, 0 skipped, 0 replaced, 1 damaged;" "$T_TMP/out"
check "Exmerge-style error line" grep -q "Error copying message 'Protect your identity' in folder 'Sent Messages': block .*(MAPI_E_CORRUPT_DATA)\. The item was not imported\." "$T_TMP/damaged.log"
check "Exmerge-style last line counts it" grep -q "Merged data from file '.*damaged.pst' to mailbox 'DAMAGED' ('DAMAGED') with errors: 21 folders, 16 items imported, 0 skipped, 0 replaced, 1 damaged (not imported), 0 damaged folders\." "$T_TMP/damaged.log"
expect_status 0 "the sound file merged into it" "$MBX" --db "$DB" import-pst "$PST" --mailbox DAMAGED
check "adds just the damaged one: it was not stored, the others were" grep -q "1 items imported, 16 skipped" "$T_TMP/out"
expect_status 1 "--bad-item-limit 0" "$MBX" --db "$DB" import-pst "$T_TMP/damaged.pst" --mailbox LIMIT0 --create --bad-item-limit 0
check "says nothing was imported" grep -q "damaged.pst: 1 damaged item and 0 damaged folders, more than the bad item limit (0): nothing of the file was imported" "$T_TMP/err"
check "still lists it" grep -q "^  Sent Messages: 'Protect your identity': " "$T_TMP/out"
"$MBX" --db "$DB" check >"$T_TMP/check" 2>&1
check "rolled back: no mailbox LIMIT0" sh -c "! grep -q LIMIT0 '$T_TMP/check'"
expect_status 0 "--bad-item-limit 1: within the limit, exit 0" "$MBX" --db "$DB" import-pst "$T_TMP/damaged.pst" --mailbox LIMIT1 --create --bad-item-limit 1
check "--bad-item-limit 1: listed, the others imported" sh -c "grep -q \"^  Sent Messages: 'Protect your identity'\" '$T_TMP/out' && grep -q '16 items imported' '$T_TMP/out'"
expect_status 0 "--skip-damaged: exit 0" "$MBX" --db "$DB" import-pst "$T_TMP/damaged.pst" --mailbox SKIPPED --create --skip-damaged
check "--skip-damaged: still listed" grep -q "^  Sent Messages: 'Protect your identity': " "$T_TMP/out"
expect_status 2 "--bad-item-limit 51 needs --accept-large-data-loss" "$MBX" --db "$DB" import-pst "$T_TMP/damaged.pst" --mailbox X --create --bad-item-limit 51
check "says so" grep -q "needs --accept-large-data-loss" "$T_TMP/err"
expect_status 0 "--bad-item-limit unlimited --accept-large-data-loss" "$MBX" --db "$DB" import-pst "$T_TMP/damaged.pst" --mailbox UNLIMITED --create --bad-item-limit unlimited --accept-large-data-loss
expect_status 2 "--skip-damaged with --bad-item-limit" "$MBX" --db "$DB" import-pst "$T_TMP/damaged.pst" --mailbox X --create --skip-damaged --bad-item-limit 3
expect_status 2 "--bad-item-limit -1" "$MBX" --db "$DB" import-pst "$T_TMP/damaged.pst" --mailbox X --create --bad-item-limit -1

# A damaged contents table: the folder is listed, its items found by their nodes.
set -- $("$BLOCK" "$PST" --contents "Top of Personal Folders/Sent Messages")
cp "$PST" "$T_TMP/table.pst"
chmod u+w "$T_TMP/table.pst"
flip "$T_TMP/table.pst" $(($2 + $3 / 2))
expect_status 1 "a damaged contents table: exit 1" "$MBX" --db "$DB" import-pst "$T_TMP/table.pst" --mailbox TABLE --create
check "the folder is listed" grep -q "^  Sent Messages (folder): table $1: block .*CRC.*; 11 items its table does not list found by their nodes and imported" "$T_TMP/out"
check "every item is imported" grep -q "17 items imported, 0 skipped, 0 replaced, 1 damaged;" "$T_TMP/out"

# A folder of files with a damaged one: listed under its file, exit 1.
mkdir "$T_TMP/dir"
cp "$T_TMP/damaged.pst" "$PST" "$T_TMP/dir/"
DB2="$T_TMP/dir.db"
"$MBX" --db "$DB2" init --organization Contoso --site HQ --server EXCH1 >/dev/null
expect_status 1 "a folder with a damaged file" "$MBX" --db "$DB2" import-pst "$T_TMP/dir"
check "its damaged item is listed under it" grep -q "^  Sent Messages: 'Protect your identity': " "$T_TMP/out"
check "the summary counts it" grep -q "^2 files: 2 imported (33 items, 1 damaged; 2 new mailboxes), 0 failed" "$T_TMP/out"
expect_status 0 "the same with --skip-damaged" "$MBX" --db "$DB2" import-pst "$T_TMP/dir" --skip-damaged

# ---- The reader's child stops (test hooks): the store stays as it was -------
for hook in ABORT HANG GARBAGE; do
	expect_status 2 "the reader: $hook at the 5th item" env MBX_TEST_PROPREAD_$hook=5 "$MBX" --db "$DB" import-pst "$PST" --mailbox CRASH$hook --create --timeout 2
	check "$hook: one error line" test "$(wc -l <"$T_TMP/err")" -eq 1
done
expect_status 2 "abort again" env MBX_TEST_PROPREAD_ABORT=5 "$MBX" --db "$DB" import-pst "$PST" --mailbox RESTORED --mode copy
# 25 folders and 4 messages came before the 5th message
check "abort: the crash named, at its item" grep -q "support.pst: not a readable PST (reader stopped at item 30); the reader crashed (Aborted" "$T_TMP/err"
expect_status 2 "hang again" env MBX_TEST_PROPREAD_HANG=3 "$MBX" --db "$DB" import-pst "$PST" --mailbox RESTORED --mode copy --timeout 1
check "hang: the silence named" grep -q "the reader made no progress for 1 s" "$T_TMP/err"
expect_status 2 "garbage again" env MBX_TEST_PROPREAD_GARBAGE=3 "$MBX" --db "$DB" import-pst "$PST" --mailbox RESTORED --mode copy
check "garbage: said so" grep -q "the reader sent malformed data" "$T_TMP/err"
"$MBX" --db "$DB" check >"$T_TMP/check" 2>&1
check "no mailbox of a stopped read" sh -c "! grep -q CRASH '$T_TMP/check'"
expect_status 0 "RESTORED is as it was" "$MBX" --db "$DB" import-pst "$PST" --mailbox RESTORED
check "still exactly one copy of every item after the stopped copies" grep -q "0 items imported, 17 skipped" "$T_TMP/out"
done_testing
