#!/bin/sh
# bench/bench-console.sh - the console on the synthetic recovery server
# (100,000 mailboxes): time to the first full screen (target <= 0.3 s),
# keypress-to-redraw while scrolling (<= 50 ms), and bytes written to the
# terminal for one line of scrolling (<= 200 bytes).  Measured through
# tmux (capture-pane for the screen, pipe-pane for the bytes); the
# reference is `less` on a 100,000-line file, timed the same way in the
# same run.  Not a test.
#
# usage (from a build directory): make bench/gen-synthetic mbxrescue &&
#        sh $(srcdir)/bench/bench-console.sh [MAILBOXES]
set -e
n=${1:-100000}
top_builddir=${top_builddir:-$(pwd)}
MBX=${MBX:-$top_builddir/mbxrescue}
GEN=${GEN:-$top_builddir/bench/gen-synthetic}
command -v tmux >/dev/null || { echo "bench-console: tmux is needed" >&2; exit 2; }
command -v less >/dev/null || { echo "bench-console: less is needed (the reference)" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/mbxbench.XXXXXX")
sock="mbxbench$$"
nsock=0
tm() { tmux -L "$sock" -f /dev/null "$@"; }
trap 'tm kill-server >/dev/null 2>&1; rm -rf "$work"' EXIT
export LC_ALL=${LC_ALL:-C.UTF-8}

now() { date +%s%N; }
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) / 1e6 }'; }

"$GEN" "$work/synth.db" "$n" >/dev/null
seq 1 "$n" | sed 's/^/line /' >"$work/lines.txt"

# start CMD READY: launch CMD in a fresh 80x24 server; ms until the screen shows READY.
start() {
	tm kill-server >/dev/null 2>&1 || true
	nsock=$((nsock + 1)); sock="mbxbench$$-$nsock"   # a dying server can not race us
	t0=$(now)
	tm new-session -d -x 80 -y 24 "$1"
	until tm capture-pane -p 2>/dev/null | grep -F -q -- "$2"; do :; done
	t1=$(now)
	ms "$t0" "$t1"
}
# keys KEY COUNT PATTERN_SCRIPT: mean ms from send-keys until the screen changes.
redraw_ms() {
	key=$1; count=$2; total=0; i=0
	while [ "$i" -lt "$count" ]; do
		before=$(tm capture-pane -p | cksum)
		t0=$(now)
		tm send-keys "$key"
		while [ "$(tm capture-pane -p | cksum)" = "$before" ]; do :; done
		t1=$(now)
		total=$((total + t1 - t0)); i=$((i + 1))
	done
	awk -v t="$total" -v c="$count" 'BEGIN { printf "%.1f", t / c / 1e6 }'
}
# bytes KEY: bytes the application wrote for one KEY (pipe-pane).
bytes() {
	: >"$work/pipe.out"
	tm pipe-pane -o "cat >>'$work/pipe.out'"
	sleep 0.3
	before=$(tm capture-pane -p | cksum)
	tm send-keys "$1"
	while [ "$(tm capture-pane -p | cksum)" = "$before" ]; do :; done
	sleep 0.3
	tm pipe-pane
	wc -c <"$work/pipe.out" | tr -d ' '
}

t_first=$(start "$MBX --db '$work/synth.db'" "F10Quit")
tm capture-pane -p | grep -q "Mailbox Resources ($n," || { echo "bench-console: the console did not show $n mailboxes" >&2; exit 1; }
t_move=$(redraw_ms Down 50)
b_move=$(bytes Down)
# Scroll the view: the cursor is on the last visible row, Down moves every row.
tm send-keys NPage; sleep 0.3
b_scroll=$(bytes Down)
t_scroll=$(redraw_ms Down 20)
tm send-keys F10
t_ref=$(start "less '$work/lines.txt'" "line 1")
t_ref_move=$(redraw_ms j 50)
b_ref=$(bytes j)

echo "console on $n mailboxes, 80x24, tmux $(tmux -V | cut -d' ' -f2)"
echo "first full screen:            ${t_first} ms   (less on $n lines: ${t_ref} ms)"
echo "keypress to redraw (Down):    ${t_move} ms   (view scrolling: ${t_scroll} ms; less j: ${t_ref_move} ms)"
echo "bytes for one line (cursor):  ${b_move}"
echo "bytes for one line (view):    ${b_scroll}   (less j: ${b_ref})"
