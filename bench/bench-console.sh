#!/bin/sh
# bench/bench-console.sh - the console on the synthetic recovery server
# (100,000 mailboxes) at 80x24, on a pseudo-terminal (bench/pty-keys):
#   - time to the first full screen (target <= 0.3 s), and until the full
#     lists are loaded behind it
#   - key press to the end of the redraw while moving down the list and
#     while the list scrolls (target <= 50 ms)
#   - bytes written to the terminal for one line of movement / scrolling
#     (each press of j moves one line; target <= 100 bytes per scrolled line)
#   - the same while an export of every mailbox runs in the background
#     (F9's plan run on a copy with messages in every 100th mailbox, the
#     progress window sent back with Enter): key to redraw <= 50 ms
# The reference is `less` on a 100,000-line file, measured the same way in
# the same run.  While the export runs the console writes on its own too
# (the progress in the log pane's title, the log's new lines): key to
# redraw is then the time to the first byte after the press (its answer
# comes first), beside the time until the output is quiet.  Not a test.
#
# usage (from a build directory):
#   make bench/gen-synthetic bench/pty-keys mbxrescue &&
#   sh $(srcdir)/bench/bench-console.sh [MAILBOXES]
set -e
n=${1:-100000}
top_builddir=${top_builddir:-$(pwd)}
MBX=${MBX:-$top_builddir/mbxrescue}
GEN=${GEN:-$top_builddir/bench/gen-synthetic}
PTY=${PTY:-$top_builddir/bench/pty-keys}
command -v less >/dev/null || { echo "bench-console: less is needed (the reference)" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/mbxbench.XXXXXX")
trap 'rm -rf "$work"' EXIT
export LC_ALL=${LC_ALL:-C.UTF-8} TERM=${BENCH_TERM:-xterm-256color}
export XDG_DATA_HOME="$work/xdg"   # the console's run records
unset NO_COLOR

"$GEN" "$work/synth.db" "$n" >/dev/null
seq 1 "$n" | sed 's/^/line /' >"$work/lines.txt"
: >"$work/empty.db"

# 10 presses of j move the cursor inside the first page (12 rows at 80x24);
# the next 30 scroll the view a line each.
# The console shows the first page at once and reads the full lists on a
# thread; the measured presses start once it says it has them (the offer
# of the walkthrough replaces "Reading ...").  A second run presses at once,
# during the loading: moves within the first page are answered meanwhile.
PTY_KEYS_SETTLED="guided walkthrough" \
	"$PTY" 80 24 Quit j 10 30 -- "$MBX" --db "$work/synth.db" >"$work/console.txt"
"$PTY" 80 24 Quit j 10 0 -- "$MBX" --db "$work/synth.db" >"$work/eager.txt"
"$PTY" 80 24 "line 23" j 10 30 -- less "$work/lines.txt" >"$work/less.txt"
# During an export: F9 (kf9 of xterm), its plan, Yes, the window sent to
# the background once the export runs.
"$GEN" "$work/busy.db" "$n" --content 100 >/dev/null
PTY_KEYS_SETTLED="guided walkthrough" \
PTY_KEYS_PRE='\e[20~::Recover: the plan;;\r::Run the recovery plan?;;y::Overall;;\r::p: progress' \
	"$PTY" 80 24 Quit j 10 30 -- "$MBX" --db "$work/busy.db" >"$work/busy.txt"
done_pst=$(ls "$work/pst" 2>/dev/null | grep -c 'PST$' || true)
"$MBX" --db "$work/small.db" --reset-demo >/dev/null 2>&1
"$PTY" 80 24 Quit j 10 0 -- "$MBX" --db "$work/small.db" >"$work/small.txt"

v() { awk -v k="$1" '$1 == k { print $2 }' "$2"; }
echo "console, $n mailboxes, 80x24, TERM=$TERM"
echo "first full screen:        $(v first_ms "$work/console.txt") ms  (demo store, 12 mailboxes: $(v first_ms "$work/small.txt") ms; less: $(v first_ms "$work/less.txt") ms)"
echo "full lists loaded:        $(v settled_ms "$work/console.txt") ms after start"
echo "key to redraw, cursor:    mean $(v move_ms_mean "$work/console.txt") ms, max $(v move_ms_max "$work/console.txt") ms"
echo "  pressed while loading:  mean $(v move_ms_mean "$work/eager.txt") ms, max $(v move_ms_max "$work/eager.txt") ms"
echo "key to redraw, scrolling: mean $(v scroll_ms_mean "$work/console.txt") ms, max $(v scroll_ms_max "$work/console.txt") ms  (less: mean $(v scroll_ms_mean "$work/less.txt") ms)"
echo "bytes per line, cursor:   median $(v move_bytes_median "$work/console.txt"), mean $(v move_bytes_mean "$work/console.txt")"
echo "bytes per line, scroll:   median $(v scroll_bytes_median "$work/console.txt"), mean $(v scroll_bytes_mean "$work/console.txt")  (less: $(v scroll_bytes_mean "$work/less.txt"))"
echo "while an export of all $n mailboxes runs in the background ($done_pst PSTs written by the end):"
echo "key to its answer, cursor:    mean $(v move_first_ms_mean "$work/busy.txt") ms, max $(v move_first_ms_max "$work/busy.txt") ms  (to quiet, progress lines included: mean $(v move_ms_mean "$work/busy.txt") ms)"
echo "key to its answer, scrolling: mean $(v scroll_first_ms_mean "$work/busy.txt") ms, max $(v scroll_first_ms_max "$work/busy.txt") ms  (to quiet: mean $(v scroll_ms_mean "$work/busy.txt") ms)"
echo "bytes per line, scroll:   median $(v scroll_bytes_median "$work/busy.txt"), mean $(v scroll_bytes_mean "$work/busy.txt")  (the progress title's digits and the log pane's new lines included)"
