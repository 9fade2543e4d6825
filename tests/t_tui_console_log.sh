#!/bin/sh
# The session log full screen (l): every line, wrapped (w cuts instead),
# scrolled, searched (/ text, n next, N previous); Esc back.  Then the
# console notices another program's change to the store (a batch adjust
# while it is open) and reads the lists again by itself; Ctrl-L reads
# them again too.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/t_tui_console_lib.sh"

DB=$(demo_db) || { echo "# can not create the demo store"; exit 1; }
TM_ENV="XDG_DATA_HOME='$T_TMP/xdg'"
tm_start 80 24 --db "$DB"
check "start screen" tm_wait "Mailbox Resources (" 10
check "the log pane names its key" tm_wait "l: full screen" 2
# An export of an orphan: the MSEMS lines, long ones, in the log.
tm_keys Home
tm_keys s
tm_wait "sorted by orphans first" 5
tm_keys Home e
tm_wait "Export mailboxes to PST" 5
tm_keys C-u
tm_keys -l "$T_TMP/out"
tm_keys Enter
check "the export ends" tm_wait "Export summary" 60
tm_keys Enter
tm_wait "Mailboxes without a directory entry" 5
tm_keys n
tm_keys l
check "l: the log full screen" tm_wait "Session log (" 5
check "lines are wrapped, not cut" tm_wait "lines, wrapped)" 2
check "a long line is whole: its end is on screen" tm_wait "Copy process aborted." 2
tm_keys w
check "w: cut at the edge" tm_wait "cut at the edge" 2
tm_keys w
tm_keys /
tm_keys -l "MSEMS"
check "/ searches" tm_wait "Search: MSEMS_" 2
tm_keys Enter
check "the match is on screen" tm_wait "Error configuring message service (MSEMS)" 2
tm_keys n
check "n: the next (or the same, wrapping)" tm_wait "MSEMS" 2
tm_keys /
tm_keys -l "no-such-text"
check "no match says so" tm_wait "no line holds" 2
tm_keys Escape
tm_keys Home
check "Home: the first line" tm_wait "console on server 'EXCH1'" 2
tm_keys End PageUp PageDown
tm_keys Escape
check "Esc: back" tm_wait_gone "Session log (" 5
check "the lists are back" tm_wait "Mailbox Resources (12, 5 orphaned)" 2

# Another program changes the store: the console notices by itself.
"$MBX" --db "$DB" adjust --create-mailboxes --yes </dev/null >"$T_TMP/adjust.out" 2>&1 ||
	"$MBX" --db "$DB" adjust --create-mailboxes </dev/null >"$T_TMP/adjust.out" 2>&1
check "a batch adjust ran" grep -q "pplied" "$T_TMP/adjust.out"
check "the console reads the lists again by itself" tm_wait "Mailbox Resources (12, 0 orphaned)" 10
check "and says why" tm_wait "changed by another program" 5
# Ctrl-L reads them again too (here: after a fix-up by another program).
"$MBX" --db "$DB" fix-recipient JSmith --account 'CONTOSO\jsmith' --unhide >/dev/null 2>&1
tm_keys C-l
check "Ctrl-L: read again, JSmith no longer needs attention" tm_wait "Recipients (18, 7 flagged)" 10
check "quit" tm_quit
done_testing
