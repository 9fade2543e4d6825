#!/bin/sh
# Resizing: below 80x24 the console shows the too-small screen, and it
# recovers when enlarged -- on the main screen, inside a dialog, and inside
# the help; keys pressed while too small do nothing.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/t_tui_console_lib.sh"

DB=$(demo_db) || { echo "# can not create the demo store"; exit 1; }
tm_start 80 24 --db "$DB"
check "start screen at 80x24" tm_wait "Mailbox Resources (" 10
tm resize-window -x 60 -y 20
check "60x20 shows the too-small screen" tm_wait "terminal too small (need 80x24)" 5
check "the panels are gone" tm_wait_gone "Mailbox Resources (" 2
tm_keys a
sleep 0.3
check "keys do nothing while too small" tm_wait "terminal too small" 1
tm resize-window -x 100 -y 30
check "100x30 recovers the panels" tm_wait "Mailbox Resources (" 5
check "the too-small screen is gone" tm_wait_gone "terminal too small" 2
w=$(tm_cap | grep "Mailbox Resources" | head -1 | wc -m)
[ "$w" -ge 95 ] && ok "the screen uses the new width ($w)" || not_ok "the screen uses the new width ($w)"
check "the key bar is on the last line" sh -c "tmux -L '$TMUX_SOCK' -f /dev/null capture-pane -p | sed -n 30p | grep -q F10/qQuit"
# Inside a dialog: the adjuster is redrawn after each resize.
tm_keys F2
check "adjuster open" tm_wait "Consistency adjuster (DS/IS)" 5
tm resize-window -x 70 -y 22
check "too small inside the dialog" tm_wait "terminal too small" 5
tm resize-window -x 90 -y 26
check "the dialog comes back" tm_wait "Consistency adjuster (DS/IS)" 5
check "with its plan" tm_wait "create " 2
check "centred on the new screen" sh -c "tmux -L '$TMUX_SOCK' -f /dev/null capture-pane -p | grep -q '^ Contoso'"
tm_keys Escape
check "dialog closes" tm_wait_gone "Consistency adjuster (DS/IS)" 5
# Many resizes in a row, ending large.
for s in 81x24 120x40 79x23 80x24 132x43; do
	tm resize-window -x "${s%x*}" -y "${s#*x}"
	sleep 0.05
done
check "after a burst of resizes the screen is whole" tm_wait "Mailbox Resources (" 5
check "and not too small" tm_wait_gone "terminal too small" 2
check "quit" tm_quit
done_testing
