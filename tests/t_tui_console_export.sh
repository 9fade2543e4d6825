#!/bin/sh
# Export from the console: F5 on marked mailboxes writes PSTs that
# `mbxrescue verify` accepts, with a summary of each PST's verification;
# exporting an orphaned mailbox shows Exmerge's MSEMS lines in the log
# pane, then the console explains why (naming its keys) and offers the
# adjuster; F9 shows its plan and asks once.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/t_tui_console_lib.sh"

DB=$(demo_db) || { echo "# can not create the demo store"; exit 1; }
OUT="$T_TMP/pst-out"
orphans_now() { "$MBX" --db "$DB" check 2>/dev/null | grep -c "orphaned-mailbox"; }
tm_start 100 30 --db "$DB"
check "start screen" tm_wait "Mailbox Resources (" 10
# Sort orphans first: the last rows are mailboxes with a directory entry.
tm_keys s
check "s sorts orphans first" tm_wait "sorted by orphans first" 5
tm_keys End Space Up Up Space
check "two mailboxes marked" tm_wait "[2 marked]" 5
tm_keys F5
check "F5 opens the export dialog" tm_wait "Export mailboxes to PST" 5
check "the default destination is shown" tm_wait "$T_TMP/pst" 2
tm_keys C-u
tm_keys -l "$OUT"
tm_keys Enter
check "the export summary appears" tm_wait "Export summary" 60
check "both PSTs exported and verified" tm_wait "2 of 2 mailboxes exported and verified" 2
check "the summary shows each PST's verification" tm_wait "with libpst: identical" 2
tm_keys Enter
check "summary closes" tm_wait_gone "Export summary" 5
n=$(ls "$OUT"/*.PST 2>/dev/null | wc -l)
[ "$n" -eq 2 ] && ok "two PST files written" || not_ok "two PST files written (found $n)"
for f in "$OUT"/*.PST; do
	[ -f "$f" ] || continue
	expect_status 0 "mbxrescue verify accepts $(basename "$f")" "$MBX" verify "$f"
done
check "the export log lines reach the log pane" tm_wait "successfully processed" 5

# An orphaned mailbox: Home is the first orphan in this order.
tm_keys u Home
tm_wait "NO directory entry" 5
tm_keys e
check "export dialog again" tm_wait "Export mailboxes to PST" 5
tm_keys C-u
tm_keys -l "$OUT"
tm_keys Enter
check "summary shows the failure" tm_wait "FAILED" 60
check "the fix it names is the console's key" tm_wait "press F2" 2
tm_keys Enter
check "the console explains why and offers the adjuster" tm_wait "Mailboxes without a directory entry" 5
check "the log pane shows the MSEMS line" tm_wait "Error configuring message service (MSEMS)" 2
tm_keys y
check "yes opens the adjuster" tm_wait "Consistency adjuster (DS/IS)" 5
tm_keys Escape
check "adjuster left" tm_wait_gone "Consistency adjuster (DS/IS)" 5
n=$(ls "$OUT"/*.PST 2>/dev/null | wc -l)
[ "$n" -eq 2 ] && ok "no PST for the orphan" || not_ok "no PST for the orphan ($n files)"

# F9: one plan first (the adjuster's changes, the mailboxes, the
# destination, the PSTs already there), one question, then the adjuster
# and the export of every mailbox (none is marked) to the default
# destination; a resize while the export runs is taken in stride.
tm_keys F9
check "F9 shows the plan" tm_wait "Recover: the plan" 5
check "the plan names the adjuster's changes" tm_wait "create 5 directory entries" 2
check "and lists them" tm_wait "create  Smith, John" 2
check "the plan names the mailboxes to export" tm_wait "Export 12 mailboxes" 2
check "the plan names the destination" tm_wait "Destination: $T_TMP/pst" 2
check "and what happens to PSTs already there" tm_wait "PSTs already there" 2
[ "$(orphans_now)" -eq 5 ] && ok "nothing has changed yet" || not_ok "nothing has changed yet"
tm_keys Enter
check "one question" tm_wait "Run the recovery plan?" 5
tm_keys Left Enter
tm resize-window -x 60 -y 20
tm_wait "terminal too small" 5
tm resize-window -x 100 -y 30
check "the recovery export ends with its summary" tm_wait "Export summary" 120
check "every mailbox exported and verified" tm_wait "12 of 12 mailboxes exported and verified" 2
n=$(ls "$T_TMP/pst"/*.PST 2>/dev/null | wc -l)
[ "$n" -eq 12 ] && ok "12 PSTs in the default destination next to the store" ||
	not_ok "12 PSTs in the default destination next to the store (found $n)"
tm_keys Enter
check "fix-up offered" tm_wait "Fix recreated recipients?" 10
tm_keys n
check "no orphan left" tm_wait "(12, 0 orphaned)" 5

# F6: import an exported PST into a new mailbox (Exmerge step 2); the
# store gains a mailbox without a directory entry.
tm_keys F6
check "F6 opens the import dialog" tm_wait "Import a PST into a mailbox" 5
tm_keys C-u
tm_keys -l "$T_TMP/pst/ASCHMIDT.PST"
tm_keys Tab C-u
tm_keys -l "Restored1"
tm_keys Enter
check "the import finishes" tm_wait "Import finished" 60
check "it reports the items imported" tm_wait "43 messages imported" 2
tm_keys Enter
check "the new mailbox is in Mailbox Resources, orphaned" tm_wait "(13, 1 orphaned)" 5
check "the import lines reach the log pane" tm_wait "imported into mailbox Restored1" 2
"$MBX" --db "$DB" check >"$T_TMP/check2.out" 2>&1
check "the store agrees: Restored1 has no directory entry" grep -q "orphaned-mailbox.*Restored1\|Restored1.*orphan" "$T_TMP/check2.out"
check "quit" tm_quit
done_testing
