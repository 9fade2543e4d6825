#!/bin/sh
# Interrupted exports: a run killed with SIGKILL in the middle of a file is
# finished by --resume (verified mailboxes skipped, the stale temporary
# removed); a run cancelled with SIGTERM stops at once and leaves no file.
. "$top_srcdir/tests/lib.sh"
DESC="$top_builddir/tests/export-desc"
GEN="$top_builddir/tests/export-genmbx"
DB=$(demo_db) || skip_all "cannot create the demo server"
"$MBX" --db "$DB" adjust --create-mailboxes >/dev/null 2>&1 || skip_all "adjust failed"
# 40 MB, sorted last ("Zz"), so the demo mailboxes are done before it.
"$GEN" "$DB" ZBig "Zz Big, Mailbox" 80 512 || skip_all "export-genmbx failed"

# step_until PID FILE: let the stopped export PID run in slices of 10 ms
# until FILE exists and holds at least 4 MB, and leave it stopped there
# (max 30 s of slices).  However fast the export, it is caught mid-file.
step_until() {
	i=0
	while [ $i -lt 3000 ]; do
		if [ -f "$2" ] && [ "$(stat -c %s "$2" 2>/dev/null || echo 0)" -ge 4194304 ]; then return 0; fi
		kill -CONT "$1" 2>/dev/null || return 1
		sleep 0.01
		kill -STOP "$1" 2>/dev/null || return 1
		i=$((i + 1))
	done
	return 1
}
verify_counts() {
	"$MBX" verify "$1" | sed '1,2d;$d' |
		awk '{ b=$NF; a=$(NF-1); m=$(NF-2); $NF=""; $(NF-1)=""; $(NF-2)="";
		       sub(/[ ]+$/, ""); printf "%s\t%s\t%s\t%s\n", $0, m, a, b }' | LC_ALL=C sort
}

# ---- SIGKILL, then --resume -------------------------------------------------
O=$T_TMP/o
"$MBX" --db "$DB" export --all --out "$O" --threads 1 > "$T_TMP/run1" 2>&1 &
pid=$!
kill -STOP $pid
if step_until $pid "$O/ZBIG.PST.tmp"; then
	kill -KILL $pid
	wait $pid 2>/dev/null
	ok "killed with SIGKILL while ZBIG.PST.tmp was half written"
else
	kill -KILL $pid 2>/dev/null
	not_ok "ZBIG.PST.tmp never appeared"
fi
check "no final ZBIG.PST after the kill" test ! -e "$O/ZBIG.PST"
check "the temporary is still there (the kill left it)" test -e "$O/ZBIG.PST.tmp"
ndone=$(ls "$O" | grep -c '\.PST$')
check "the 12 demo mailboxes were done before the kill ($ndone)" test "$ndone" -eq 12
stamp=$(stat -c %Y.%s "$O/JSMITH.PST")
expect_status 0 "export --all --resume finishes" "$MBX" --db "$DB" export --all --out "$O" --resume --threads 2
check "12 verified mailboxes skipped" test "$(grep -c 'Skipping mailbox .*verified by an earlier run' "$T_TMP/out")" -eq 12
check "13 mailboxes successfully processed" grep -q "13 mailboxes successfully processed. 0 errors encountered" "$T_TMP/out"
check "JSMITH.PST was not rewritten" test "$(stat -c %Y.%s "$O/JSMITH.PST")" = "$stamp"
check "ZBIG.PST written" test -f "$O/ZBIG.PST"
check "no temporary left" test -z "$(ls "$O" | grep '\.tmp$')"
"$DESC" --counts "$DB" ZBig | LC_ALL=C sort > "$T_TMP/want"
verify_counts "$O/ZBIG.PST" > "$T_TMP/got"
if cmp -s "$T_TMP/want" "$T_TMP/got"; then ok "ZBIG.PST holds the whole mailbox"
else not_ok "ZBIG.PST differs from the store"; diff "$T_TMP/want" "$T_TMP/got" | sed 's/^/#   /' | head; fi
expect_status 0 "a second --resume has nothing to do" "$MBX" --db "$DB" export --all --out "$O" --resume
check "all 13 skipped" test "$(grep -c 'Skipping mailbox' "$T_TMP/out")" -eq 13

# ---- SIGTERM cancels ----------------------------------------------------------
C=$T_TMP/c
"$MBX" --db "$DB" export ZBig --out "$C" --threads 1 > "$T_TMP/run2" 2>&1 &
pid=$!
kill -STOP $pid
if step_until $pid "$C/ZBIG.PST.tmp"; then
	t0=$(date +%s%N)
	kill -TERM $pid
	kill -CONT $pid
	wait $pid
	st=$?
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	check "cancelled run exits 1 (status $st)" test "$st" -eq 1
	check "stopped within a second (${ms} ms)" test "$ms" -lt 1500
	check "log says cancelled" grep -q "cancelled; no file was left behind" "$T_TMP/run2"
else
	kill -KILL $pid 2>/dev/null
	not_ok "ZBIG.PST.tmp never appeared (cancel)"
fi
check "no PST and no temporary after cancel" test -z "$(ls "$C" | grep -v '^mbxrescue.log$')"
check "the cancelled mailbox is not verified: --resume exports it" \
	sh -c "'$MBX' --db '$DB' export ZBig --out '$C' --resume >/dev/null 2>&1 && test -f '$C/ZBIG.PST'"
done_testing
