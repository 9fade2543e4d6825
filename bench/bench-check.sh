#!/bin/sh
# bench/bench-check.sh - time 'check' and a full 'adjust' on a synthetic
# recovery server (100,000 mailboxes, 100,000 recipients, 10% orphaned,
# 5,000 public folders).  Targets on a 2-core machine: check <= 0.5 s,
# adjust <= 2 s.  The reference is a plain copy of the store file, timed in
# the same run.
#
# usage (from a build directory): make bench/gen-synthetic mbxrescue &&
#        sh $(srcdir)/bench/bench-check.sh [MAILBOXES]
set -e
n=${1:-100000}
top_builddir=${top_builddir:-$(pwd)}
MBX=${MBX:-$top_builddir/mbxrescue}
GEN=${GEN:-$top_builddir/bench/gen-synthetic}
work=$(mktemp -d "${TMPDIR:-/tmp}/mbxbench.XXXXXX")
trap 'rm -rf "$work"' EXIT

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }'; }

"$GEN" "$work/synth.db" "$n"
size=$(wc -c < "$work/synth.db")

t0=$(now); cp "$work/synth.db" "$work/copy.db"; t1=$(now)
t_cp=$(elapsed "$t0" "$t1")

# CPU seconds (user+sys) of the last timed command, when GNU time is
# installed: wall time on a busy machine says more about the machine.
cpu() {
	if [ -s "$work/cpu" ]; then awk -F: '/^[0-9.]+:[0-9.]+$/ { printf " (cpu %.2f s)", $1 + $2 }' "$work/cpu"; fi
}
if [ -x /usr/bin/time ]; then T="/usr/bin/time -f %U:%S -o $work/cpu"; else T=; fi

# check: exit 1 is expected (the server has findings).
t0=$(now); $T "$MBX" --db "$work/copy.db" check > "$work/check.out" || [ $? -eq 1 ]; t1=$(now)
t_check=$(elapsed "$t0" "$t1"); c_check=$(cpu)
findings=$(tail -1 "$work/check.out")

t0=$(now); "$MBX" --db "$work/copy.db" check --json > /dev/null || [ $? -eq 1 ]; t1=$(now)
t_json=$(elapsed "$t0" "$t1")

t0=$(now); $T "$MBX" --db "$work/copy.db" adjust > "$work/adjust.out"; t1=$(now)
t_adjust=$(elapsed "$t0" "$t1"); c_adjust=$(cpu)
applied=$(grep '^Applied' "$work/adjust.out" || true)

t0=$(now); "$MBX" --db "$work/copy.db" check > /dev/null || [ $? -eq 1 ]; t1=$(now)
t_check2=$(elapsed "$t0" "$t1")

echo "store: $n mailboxes, $size bytes"
echo "cp of the store (reference): ${t_cp} s"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null), $(nproc 2>/dev/null) CPUs"
echo "check:              ${t_check} s${c_check}  ($findings)"
echo "check --json:       ${t_json} s"
echo "adjust (all):       ${t_adjust} s${c_adjust}  ($applied)"
echo "check after adjust: ${t_check2} s"
echo "ratios to cp: check $(ratio "$t_check" "$t_cp")x, adjust $(ratio "$t_adjust" "$t_cp")x"
