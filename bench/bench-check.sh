#!/bin/sh
# bench/bench-check.sh - time 'check' and a full 'adjust' on a synthetic
# recovery server (100,000 mailboxes, 100,000 recipients, 10% orphaned,
# 5,000 public folders).  Targets on a 2-core machine: check <= 0.5 s,
# adjust <= 2 s.  The reference is a plain copy of the store file, timed in
# the same run.  Prints a Markdown section ready for BENCHMARKS.md.
#
# usage (from a build directory): make bench/gen-synthetic mbxrescue &&
#        sh $(srcdir)/bench/bench-check.sh [MAILBOXES]
# RUNS=N (default 3): each figure is the best of N runs (wall and CPU
# separately), since other programs on the machine only ever add time.
set -e
n=${1:-100000}
runs=${RUNS:-3}
top_builddir=${top_builddir:-$(pwd)}
MBX=${MBX:-$top_builddir/mbxrescue}
GEN=${GEN:-$top_builddir/bench/gen-synthetic}
work=$(mktemp -d "${TMPDIR:-/tmp}/mbxbench.XXXXXX")
trap 'rm -rf "$work"' EXIT

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }'; }
min() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || (b != "" && b + 0 < a + 0)) print b; else print a }'; }

# CPU seconds (user+sys) of a command, from GNU time when installed: on a
# busy machine the wall time says more about the machine than the program.
if [ -x /usr/bin/time ]; then T="/usr/bin/time -f %U:%S -o $work/cpu"; else T=; fi
cpu_of() {
	if [ -n "$T" ] && [ -s "$work/cpu" ]; then
		awk -F: '/^[0-9.]+:[0-9.]+$/ { printf "%.2f", $1 + $2 }' "$work/cpu"
	else
		echo "n/a"
	fi
}

# timed NAME COMMAND...: run it, keep the best wall (w_NAME) and CPU (c_NAME).
# Exit status 1 is fine ('check' on a server with findings).
timed() {
	name=$1
	shift
	rm -f "$work/cpu"
	t0=$(now)
	$T "$@" > "$work/$name.out" || [ $? -eq 1 ]
	t1=$(now)
	eval "w_$name=\$(min \"\$w_$name\" $(elapsed "$t0" "$t1"))"
	eval "c_$name=\$(min \"\$c_$name\" $(cpu_of))"
}

"$GEN" "$work/synth.db" "$n" > "$work/gen.out"
size=$(wc -c < "$work/synth.db")
load=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")

i=0
while [ "$i" -lt "$runs" ]; do
	rm -f "$work/copy.db" "$work/copy.db-wal" "$work/copy.db-shm"
	timed cp cp "$work/synth.db" "$work/copy.db"
	timed check "$MBX" --db "$work/copy.db" check
	timed json "$MBX" --db "$work/copy.db" check --json
	timed adjust "$MBX" --db "$work/copy.db" adjust
	timed check2 "$MBX" --db "$work/copy.db" check
	i=$((i + 1))
done
findings=$(tail -1 "$work/check.out")
applied=$(grep '^Applied' "$work/adjust.out" | sed 's/ (recorded in the audit log)//' || true)
after=$(tail -1 "$work/check2.out")

row() { # label wall cpu
	printf '| %s | %s | %s | %sx |\n' "$1" "$2" "$3" "$(ratio "$2" "$w_cp")"
}

echo "### check and adjust on a synthetic server ($n mailboxes)"
echo
echo "Command, in the build directory (configured with default flags):" \
     "\`make bench/gen-synthetic mbxrescue && RUNS=$runs sh $0 $n\`"
echo
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc 2>/dev/null || echo '?') CPUs," \
     "load average $load; mbxrescue $("$MBX" --version | sed 's/^mbxrescue //')," \
     "SQLite $(sqlite3 --version 2>/dev/null | cut -d' ' -f1 || echo '?')."
echo "Store: $(sed 's/^[^:]*: //' "$work/gen.out"); $size bytes."
echo "Best of $runs runs (wall and CPU = user+sys each the best); the ratio is wall time" \
     "over the wall time of \`cp\` of the store file in the same run."
echo
echo "| what | wall (s) | CPU (s) | ratio to cp |"
echo "|---|---|---|---|"
row "cp of the store file (reference)" "$w_cp" "$c_cp"
row "check ($findings)" "$w_check" "$c_check"
row "check --json" "$w_json" "$c_json"
row "adjust, all three functions ($applied)" "$w_adjust" "$c_adjust"
row "check after adjust ($after)" "$w_check2" "$c_check2"
echo
echo "Targets on a 2-core machine: check <= 0.5 s, adjust <= 2 s."
