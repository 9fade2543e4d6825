#!/bin/sh
# Two writers on one store (issue 14): every writer waits for the other the
# same time (--wait SECONDS, default 10 s) and then says "store ... is busy:
# PROGRAM (PID N) is writing it" naming the process that holds SQLite's
# write lock (asked of the kernel's lock table, so it is never stale),
# whether another mbxrescue or any other program; a refused writer leaves
# the store as it was.  Imports started together all succeed (one used to
# fail within 50 ms: the journal-mode switch skipped SQLite's busy wait).
. "$top_srcdir/tests/lib.sh"
command -v sqlite3 > /dev/null 2>&1 || skip_all "the sqlite3 command is not installed"
DB=$(demo_db) || skip_all "cannot create the demo server"
"$MBX" --db "$DB" adjust --create-mailboxes > /dev/null 2>&1 || skip_all "adjust failed"
"$MBX" --db "$DB" export JSmith --out "$T_TMP/e" > /dev/null 2>&1 || skip_all "export failed"
"$top_builddir/tests/export-genmbx" "$DB" ZBig "Zz Big, Mailbox" 80 512 || skip_all "export-genmbx failed"
"$MBX" --db "$DB" export ZBig --out "$T_TMP/e" > /dev/null 2>&1 || skip_all "export failed"
PST=$T_TMP/e/JSMITH.PST
BIG=$T_TMP/e/ZBIG.PST
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
mailboxes() { sqlite3 "$DB" "SELECT count(*) FROM mailbox"; }

# ---- another program holds the write lock ----------------------------------------
(echo "BEGIN IMMEDIATE; UPDATE meta SET value = value WHERE 0;"; sleep 4; echo "COMMIT;") | sqlite3 "$DB" &
holder=$!
sleep 0.5
spid=$(pgrep -P $holder sqlite3 || echo $holder)
n0=$(mailboxes 2>/dev/null)
t0=$(now_ms)
expect_status 2 "import-pst --wait 1 while sqlite3 writes the store gives up" \
	"$MBX" --db "$DB" --wait 1 import-pst "$PST" --mailbox Busy1 --create
ms=$(( $(now_ms) - t0 ))
check "after waiting about a second ($ms ms)" test "$ms" -ge 900 -a "$ms" -lt 4000
check "it names the writer" grep -q "is busy: sqlite3 [^ ]* *(PID $spid) is writing it" "$T_TMP/err"
check "and says what to do" grep -q "wait longer with --wait SECONDS" "$T_TMP/err"
sed 's/^/#   /' "$T_TMP/err"
t0=$(now_ms)
expect_status 0 "with the default wait (10 s) it waits for the writer and imports" \
	"$MBX" --db "$DB" import-pst "$PST" --mailbox Busy2 --create
ms=$(( $(now_ms) - t0 ))
check "it waited for the writer ($ms ms)" test "$ms" -ge 1500
wait $holder
check "only the second import is in the store" test "$(mailboxes)" -eq $((n0 + 1))
expect_status 2 "--wait takes seconds" "$MBX" --db "$DB" --wait soon check

# ---- another mbxrescue: a bulk import stopped in its transaction ------------------------
n1=$(mailboxes)
"$MBX" --db "$DB" import-pst "$BIG" --mailbox Bulk --create > "$T_TMP/bulk.out" 2>&1 &
bulk=$!
kill -STOP $bulk
i=0
# in its transaction: the rollback journal of the bulk load exists
while [ $i -lt 3000 ] && [ ! -e "$DB-journal" ]; do
	kill -CONT $bulk; sleep 0.005; kill -STOP $bulk; i=$((i + 1))
done
check "the bulk import is in its transaction" test -e "$DB-journal"
expect_status 2 "a second import-pst --wait 1 gives up" \
	"$MBX" --db "$DB" --wait 1 import-pst "$PST" --mailbox Busy3 --create
check "naming the mbxrescue import that writes" grep -q "is busy: [^ ]*mbxrescue --db [^ ]* import-pst [^ ]*ZBIG.PST --mailbox Bulk --create (PID $bulk) is writing it" "$T_TMP/err"
sed 's/^/#   /' "$T_TMP/err"
"$MBX" --db "$DB" --wait 60 import-pst "$PST" --mailbox Busy4 --create > "$T_TMP/w.out" 2>&1 &
waiter=$!
sleep 0.3
kill -CONT $bulk
wait $bulk
check "the bulk import finishes (status $?)" test $? -eq 0
wait $waiter
check "the waiting one then imports (status $?)" test $? -eq 0
check "both are in the store, the refused one is not" test "$(mailboxes)" -eq $((n1 + 2))

# ---- imports started together ---------------------------------------------------------
r=0 bad=0
while [ $r -lt 3 ]; do
	pids=
	for k in 1 2 3 4; do
		"$MBX" --db "$DB" import-pst "$PST" --mailbox "Together$r$k" --create > "$T_TMP/t$k" 2>&1 &
		pids="$pids $!"
	done
	for p in $pids; do
		wait $p || { bad=$((bad + 1)); }
	done
	r=$((r + 1))
done
check "12 imports in 3 rounds of 4 started together: every one succeeds" test "$bad" -eq 0
check "the store passes sqlite's integrity check" test "$(sqlite3 "$DB" 'PRAGMA integrity_check')" = ok
done_testing
