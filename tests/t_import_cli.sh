#!/bin/sh
# tests/t_import_cli.sh - `mbxrescue import-pst` from the command line:
# usage errors, the Exmerge log lines and summary, --create and the
# orphaned mailbox it leaves, and bad PSTs (empty, truncated, garbage,
# bit-flipped): exit 2 with one clear error, the store unchanged.
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
check "summary line" grep -q "21 folders (21 new), 17 items imported, 0 skipped, 0 replaced, 0 failed; 2 attachments, 3476 bytes" "$T_TMP/out"
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
# Zero the node and block B-tree pages near the end: libpst can not find the message store.
size=$(wc -c <"$PST")
{ head -c $((size - 200000)) "$PST"; head -c 200000 /dev/zero; } >"$T_TMP/zeroed.pst"
for f in empty truncated garbage zeroed; do
	expect_status 2 "$f.pst is refused" "$MBX" --db "$DB" import-pst "$T_TMP/$f.pst" --mailbox RESTORED --mode copy --timeout 10
	check "$f.pst: the error names the file" grep -q "$f.pst: not a readable PST (libpst stopped at item [0-9]*)" "$T_TMP/err"
	check "$f.pst: nothing written to the terminal by libpst" test "$(wc -l <"$T_TMP/err")" -eq 1
done
expect_status 0 "the mailbox is as before" "$MBX" --db "$DB" import-pst "$PST" --mailbox RESTORED
check "still exactly one copy of every item" grep -q "0 items imported, 17 skipped" "$T_TMP/out"
expect_status 2 "a bad file with --create makes no mailbox" "$MBX" --db "$DB" import-pst "$T_TMP/garbage.pst" --mailbox GHOST --create
"$MBX" --db "$DB" check >"$T_TMP/check" 2>&1
check "no mailbox GHOST" sh -c "! grep -q GHOST '$T_TMP/check'"
done_testing
