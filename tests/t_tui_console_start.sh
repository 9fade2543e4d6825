#!/bin/sh
# The console's start screen: both panel titles and the demo's orphan
# count; --ascii draws no line-drawing characters; not a terminal: refuse.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/t_tui_console_lib.sh"

DB=$(demo_db) || { echo "# can not create the demo store"; exit 1; }
# The orphan count the core reports, to compare with the screen.
ORPHANS=$("$MBX" --db "$DB" check 2>/dev/null | grep -c -i "orphaned-mailbox")
[ "$ORPHANS" -gt 0 ] && ok "the demo has orphaned mailboxes ($ORPHANS)" ||
	not_ok "the demo has orphaned mailboxes (check reported $ORPHANS)"

tm_start 80 24 --db "$DB"
check "start screen shows Mailbox Resources with the orphan count" \
	tm_wait "Mailbox Resources (" 10
check "title counts the orphans" tm_wait "$ORPHANS orphaned)" 2
check "start screen shows Recipients" tm_wait "Recipients (" 2
check "header names the server" tm_wait "EXCH1" 2
check "the log pane shows this session" tm_wait "Log (this session" 2
check "the key bar shows F10 and q Quit" tm_wait "F10/qQuit" 2
n=$(tm_cap | grep -c '!')
[ "$n" -ge "$ORPHANS" ] && ok "orphans carry the ! marker ($n)" || not_ok "orphans carry the ! marker ($n < $ORPHANS)"
tm_keys '?'
check "? opens the help" tm_wait "this help" 5
tm_keys End
check "help scrolls to the last group" tm_wait "Markers" 5
tm_keys Escape
check "help closes" tm_wait_gone "this help" 5
tm_keys /
tm_keys -l "kowal"
check "/ shows what is searched" tm_wait "Search: kowal" 5
tm_keys Enter
check "/ found the mailbox" tm_wait "> recipient Kowalski, Piotr" 5
check "its recipient is marked '>' in Recipients" tm_wait ">Kowalski, Pio" 2
tm_keys /
tm_keys -l "田中"
tm_keys Enter
check "the orphan's info line says it has no directory entry" tm_wait "! NO directory entry" 5
tm_keys Enter
check "/ found the CJK name (details)" tm_wait "Display name:  Tanaka, Yuki (田中 由紀)" 5
check "details say why it is orphaned" tm_wait "Directory:     NONE" 2
tm_keys Escape
tm_wait_gone "Mailbox details" 5
tm_keys /
tm_keys -l "kowal"
tm_keys Enter
tm_wait "> recipient Kowalski" 5
tm_keys Tab
check "Tab moves to Recipients, the link follows" tm_wait "> mailbox Kowalski, Piotr" 5
tm_keys Tab s
check "s cycles the sort" tm_wait "sorted by orphans first" 5
tm_keys '*'
check "* marks every orphan" tm_wait "5 marked in all" 5
tm_keys Enter
check "Enter shows details with folders" tm_wait "Folders (" 5
tm_keys Escape
check "q quits with status 0" tm_quit

# NO_COLOR: monochrome, no colour escapes at all.
TM_ENV="NO_COLOR=1" tm_start 80 24 --db "$DB"
tm pipe-pane -o "cat >>'$T_TMP/mono.out'"
tm_wait "Mailbox Resources (" 10
tm_keys F2
tm_wait "Consistency adjuster" 5
tm_keys Escape
tm_wait_gone "Consistency adjuster" 5
sleep 0.2
check "NO_COLOR: output recorded" test -s "$T_TMP/mono.out"
if LC_ALL=C grep -q "$(printf '\033')\[[0-9;]*3[0-7][;m]\|$(printf '\033')\[[0-9;]*4[0-7][;m]\|38;5;" "$T_TMP/mono.out"; then
	not_ok "NO_COLOR: no colour escapes"
else
	ok "NO_COLOR: no colour escapes"
fi
check "NO_COLOR: orphans still marked with !" tm_wait "! " 2
check "NO_COLOR quits" tm_quit

# --ascii: no line-drawing characters on screen or in the raw output.
tm_start 80 24 --ascii --db "$DB"
tm pipe-pane -o "cat >>'$T_TMP/raw.out'"
tm_wait "Mailbox Resources (" 10
tm_keys F1
tm_wait "this help" 5
tm_keys Escape
tm_wait_gone "this help" 5
tm_cap >"$T_TMP/ascii.txt"
if grep -q "$(printf '\342\224')\|$(printf '\342\225')" "$T_TMP/ascii.txt"; then
	not_ok "--ascii screen has no box-drawing characters"
else
	ok "--ascii screen has no box-drawing characters"
fi
check "--ascii draws ASCII borders" grep -q '^+-' "$T_TMP/ascii.txt"
sleep 0.2
check "raw terminal output was recorded" test -s "$T_TMP/raw.out"
if LC_ALL=C grep -q "$(printf '\016')\|$(printf '\033')(0\|$(printf '\342\224')" "$T_TMP/raw.out"; then
	not_ok "--ascii output has no alternate-charset or line-drawing bytes"
else
	ok "--ascii output has no alternate-charset or line-drawing bytes"
fi
check "--ascii quits" tm_quit

# Not a terminal: one line pointing to the batch commands, exit 2.
"$MBX" --db "$DB" </dev/null >"$T_TMP/pipe.out" 2>"$T_TMP/pipe.err"
st=$?
[ "$st" -eq 2 ] && ok "stdin not a terminal: exit 2" || not_ok "stdin not a terminal: exit 2 (got $st)"
script_st=$( ( "$MBX" --db "$DB" 2>"$T_TMP/pipe2.err"; echo $? >"$T_TMP/st" ) | cat; cat "$T_TMP/st")
[ "$script_st" = 2 ] && ok "stdout piped: exit 2" || not_ok "stdout piped: exit 2 (got $script_st)"
[ "$(wc -l <"$T_TMP/pipe2.err")" -eq 1 ] && ok "refusal is one line" || not_ok "refusal is one line"
check "refusal points to the batch commands" grep -q -- "--help" "$T_TMP/pipe2.err"
[ ! -s "$T_TMP/pipe.out" ] && ok "nothing drawn on a pipe" || not_ok "nothing drawn on a pipe"
done_testing
