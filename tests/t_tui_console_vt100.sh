#!/bin/sh
# A new admin over SSH: 80x24, TERM=vt100, NO_COLOR, LANG=C.  The F-keys
# work although vt100's description has no F5, F9 or F10 (the console
# knows the sequences terminals send), Esc+digit is F1-F10 everywhere
# (mc's way), the bar names the letter of every F-key, an unknown key
# says so, the too-small screen quits on q, F10 and Esc 0, and nothing
# essential is cut at 80 columns: the status hint, the adjuster's keys
# (Esc), the titles, the store's file name, YYYY-MM-DD dates.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/t_tui_console_lib.sh"

DB=$(demo_db) || { echo "# can not create the demo store"; exit 1; }
TM_ENV="TERM=vt100 NO_COLOR=1 LANG=C LC_ALL=C XDG_DATA_HOME='$T_TMP/xdg'"
start() { tm_start 80 24 --db "$DB"; tm_wait "Mailbox Resources (" 10; }

check "start at 80x24 under TERM=vt100, NO_COLOR, LANG=C" start
check "the whole status hint" tm_wait "5 orphaned mailboxes (Exmerge fails): w guided walkthrough, F9 recover" 2
check "the header names the store's file" tm_wait "demo.db" 2
tm_cap | head -1 | grep -q "$T_TMP" && not_ok "the header does not spend itself on the path" ||
	ok "the header does not spend itself on the path"
check "Recipients' title whole" tm_wait "Recipients (13, 3 flagged)" 2
check "dates are YYYY-MM-DD" tm_wait "2026-09-30" 2
tm_cap | grep -q " 26-09-30" && not_ok "no short dates" || ok "no short dates"
check "the bar names F-key and letter" tm_wait "F5/eExport" 2
check "F9 with its letter" tm_wait "F9/rRecover" 2

# The F-keys as the terminal sends them.
tm_keys F5
check "F5 opens the export dialog" tm_wait "Export mailboxes to PST" 5
tm_keys Escape
check "Esc closes it" tm_wait_gone "Export mailboxes to PST" 5
tm_keys F9
check "F9 opens the plan" tm_wait "Recover: the plan" 5
tm_keys Escape
check "Esc leaves it" tm_wait_gone "Recover: the plan" 5

# Esc+digit, wherever a key is read.
tm_keys Escape 1
check "Esc 1: help" tm_wait "this help" 5
tm_keys Escape
tm_wait_gone "this help" 5
tm_keys Escape 2
check "Esc 2: the adjuster" tm_wait "Consistency adjuster (DS/IS)" 10
check "its key line is whole at 80 columns, Esc included" tm_wait "Esc cancel" 2
tm_keys Escape 0
check "Esc 0 (F10) leaves the adjuster" tm_wait_gone "Consistency adjuster (DS/IS)" 5
tm_keys Escape 5
check "Esc 5: export" tm_wait "Export mailboxes to PST" 5
tm_keys Escape
tm_wait_gone "Export mailboxes to PST" 5
tm_keys Escape 9
check "Esc 9: recover" tm_wait "Recover: the plan" 5
tm_keys Escape
tm_wait_gone "Recover: the plan" 5
# A slow Esc, then the digit: the main screen waits for it.
tm_keys Escape
check "a lone Esc says a digit may follow" tm_wait "Esc: a digit now is an F-key" 2
sleep 0.5
tm_keys 1
check "and the digit is the F-key" tm_wait "this help" 5
tm_keys Escape
tm_wait_gone "this help" 5
tm_keys Z
check "an unknown key gets a hint" tm_wait "Z does nothing here: F1 help" 2
tm_keys Escape 0
check "Esc 0 quits" tm_wait "EXIT=0" 10

# The too-small screen quits on q, F10 and Esc 0.
for k in q F10 "Escape 0"; do
	start
	tm resize-window -x 60 -y 20
	tm_wait "terminal too small" 5
	check "the too-small screen names how to quit" tm_wait "q, F10 or Esc 0: quit" 2
	tm_keys $k
	check "too small: $k quits" tm_wait "EXIT=0" 10
done
done_testing
