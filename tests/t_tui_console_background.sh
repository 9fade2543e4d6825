#!/bin/sh
# Long work in the console on a 100,000-mailbox server at 80x24 (issue 13):
# F9's plan is up within 2 s and the progress window within 2 s of the
# answer; the export runs in the background while the lists stay
# browsable with its progress in the log pane's title; p brings the
# window back; Esc there asks first (No: it goes on), and Yes cancels
# within 1 s with no .tmp left.  The cancelled run is offered for resume
# at the next start and resumes; F10 asks before it quits a running
# export; SIGHUP stops one cleanly (exit 1, no .tmp), and a declined
# resume is offered again by F5.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/t_tui_console_lib.sh"

GEN="$top_builddir/bench/gen-synthetic"
[ -x "$GEN" ] || skip_all "bench/gen-synthetic not built"
DB="$T_TMP/big.db"
OUT="$T_TMP/pst"
check "a 100,000-mailbox server (every 100th with messages)" \
	sh -c "'$GEN' '$DB' 100000 --content 100 >/dev/null"
# The run record goes where this test looks.
XDG_DATA_HOME="$T_TMP/xdg"; export XDG_DATA_HOME
TM_ENV="XDG_DATA_HOME='$T_TMP/xdg'"

ms() { date +%s%3N; }
# within MS TEXT: the screen shows TEXT within MS milliseconds of $t0.
within() {
	lim=$1; want=$2
	while :; do
		tm_cap | grep -F -q -- "$want" && break
		[ $(($(ms) - t0)) -gt 20000 ] && break
		sleep 0.02
	done
	el=$(($(ms) - t0))
	tm_cap | grep -F -q -- "$want" || { echo "# never saw: $want"; tm_cap | sed 's/^/#   | /'; return 1; }
	echo "# $want after $el ms (limit $lim)"
	[ "$el" -le "$lim" ]
}
no_tmp() { [ -z "$(ls "$OUT" 2>/dev/null | grep '\.tmp$')" ]; }
title() { tm_cap | grep -o 'Recover [0-9]*/100000' | head -1; }

tm_start 80 24 --db "$DB"
check "the lists are in" tm_wait "guided walkthrough" 30
t0=$(ms); tm_keys F9
check "F9: the plan within 2 s" within 2000 "Recover: the plan"
check "it names the 10000 directory entries" tm_wait "create 10000 directory entries" 2
check "and the 100000 mailboxes" tm_wait "Export 100000 mailboxes" 2
tm_keys Enter
check "one question" tm_wait "Run the recovery plan?" 5
t0=$(ms); tm_keys Left Enter
check "the progress window within 2 s of the answer" within 2000 "Recover"
check "the adjuster first" tm_wait "Step" 2
check "then the export" tm_wait "Step 2 of 2: Exporting 100000 mailboxes" 60

# Back to the lists while it runs.
tm_keys Enter
check "Enter leaves the window" tm_wait_gone "Step 2 of 2" 5
check "the lists are there" tm_wait "Mailbox Resources (" 2
check "the progress is in the log pane's title" tm_wait "- p: progress" 5
a=$(title); sleep 1.5; b=$(title)
[ -n "$a" ] && [ "$a" != "$b" ] && ok "it moves ($a, then $b)" || not_ok "it moves ($a, then $b)"
check "the adjuster's changes are read in meanwhile" tm_wait "(100000, 0 orphaned)" 60
tm_keys End
check "the lists answer keys: End" tm_wait "User 099999" 5
tm_keys Home
check "Home" tm_wait "User 000000" 5

# p: the window again; Esc asks, No goes on, Yes cancels.
tm_keys p
check "p brings the window back" tm_wait "Step 2 of 2" 5
tm_keys Escape
check "Esc asks before it cancels" tm_wait "Cancel the export?" 2
tm_keys n
check "No: it goes on" tm_wait_gone "Cancel the export?" 2
check "the window is still up" tm_wait "Step 2 of 2" 2
tm_keys Escape
tm_wait "Cancel the export?" 2
t0=$(ms); tm_keys y
check "Yes: cancelled within 1 s (its summary)" within 1000 "Export summary"
check "no .tmp is left" no_tmp
check "the summary counts what was not copied" tm_wait "not copied (cancelled)" 2
tm_keys Enter
check "the fix-up follows the adjuster" tm_wait "Fix recreated recipients?" 20
tm_keys n
check "q quits" tm_quit
n1=$(ls "$OUT"/*.PST 2>/dev/null | wc -l)

# The next start offers to resume; it does.
tm_start 80 24 --db "$DB"
check "the next start offers to resume" tm_wait "Resume the export?" 30
tm_keys Enter
check "it resumes" tm_wait "Export (resumed)" 10
tm_keys Enter
sleep 2
tm_keys F10
check "F10 asks before it stops a running export" tm_wait "An export is running. Quit anyway?" 5
tm_keys y
check "then quits (exit 1: an export was cancelled)" tm_wait "EXIT=1" 10
check "no .tmp is left" no_tmp
n2=$(ls "$OUT"/*.PST 2>/dev/null | wc -l)
[ "$n2" -gt "$n1" ] && ok "the resumed run went on ($n1 PSTs, then $n2)" ||
	not_ok "the resumed run went on ($n1 PSTs, then $n2)"
grep -q "skipped\|verified by an earlier run\|Resum" "$OUT/mbxrescue.log" &&
	ok "the log says it resumed" || not_ok "the log says it resumed"

# SIGHUP (an SSH session that drops) stops it cleanly.
tm_start 80 24 --db "$DB"
check "offered again" tm_wait "Resume the export?" 30
tm_keys Enter
check "resumed again" tm_wait "Export (resumed)" 10
sleep 1
pid=$(tm display-message -p '#{pane_pid}')
cpid=$(pgrep -P "$pid" -f "big.db" | head -1)
[ -n "$cpid" ] && kill -HUP "$cpid"
check "SIGHUP: it stops (exit 1)" tm_wait "EXIT=1" 10
check "no .tmp is left" no_tmp

# Declined at the start: F5 offers it again (and No there forgets it).
tm_start 80 24 --db "$DB"
check "offered at the start" tm_wait "Resume the export?" 30
tm_keys n
check "declined: F5 offers it again, it says" tm_wait "Not resumed: F5 offers it again" 5
tm_keys F5
check "F5 offers it" tm_wait "Resume the export?" 5
tm_keys n
check "No: the export dialog" tm_wait "Export mailboxes to PST" 5
tm_keys Escape
tm_wait_gone "Export mailboxes to PST" 5
check "quit" tm_quit
tm_start 80 24 --db "$DB"
check "the start screen" tm_wait "Mailbox Resources (" 30
sleep 2
tm_cap | grep -q "Resume the export?" && not_ok "a forgotten run is not offered" ||
	ok "a forgotten run is not offered"
check "quit" tm_quit
done_testing
