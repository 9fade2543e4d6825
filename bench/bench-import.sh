#!/bin/sh
# bench/bench-import.sh - PST import speed against libpst's own readpst on
# the same file, in the same run (issue 6: target import <= 1.5 x readpst -o).
#
# From the build directory:
#   make bench/gen-import mbxrescue && RUNS=3 sh $top_srcdir/bench/bench-import.sh [MESSAGES [ATTACHMENT_MB]]
# (defaults 20000 messages, 1000 MB of attachments: a PST of about 1 GB).
# The mailbox is exported to a PST with our writer, then that PST is read by
# `readpst -q -D -o DIR` and imported by `mbxrescue import-pst --create` into
# a fresh demo store.  Wall and CPU time (user+sys, the libpst child
# included) are reported for RUNS (default 3) alternating rounds, each with
# its own ratio and the load average, then the best of each.
set -e
RUNS=${RUNS:-3}
MSGS=${1:-20000}
ATT_MB=${2:-1000}
B=${BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/bench-import.XXXXXX")}
trap 'rm -rf "$B"' EXIT
MBX=${MBX:-./mbxrescue}
now() { date +%s.%N; }

./bench/gen-import "$B/bench.db" "$MSGS" "$ATT_MB"
t0=$(now)
"$MBX" --db "$B/bench.db" export BENCH --out "$B/pst" >/dev/null
t1=$(now)
PST="$B/pst/BENCH.PST"
size=$(wc -c <"$PST")
echo "PST: $PST, $size bytes (written in $(echo "$t1 - $t0" | bc) s)"

# Warm the page cache for both readers alike; best of RUNS runs each,
# alternating, so that a busy machine hurts both the same way.
cat "$PST" >/dev/null
# run NAME CMD...: wall and CPU (user+sys, children included) seconds
run() {
	name=$1; shift
	/usr/bin/time -f "%e %U %S" -o "$B/time" "$@" >/dev/null 2>"$B/err" || { cat "$B/err"; exit 1; }
	read -r wall usr sys <"$B/time"
	cpu=$(echo "$usr + $sys" | bc)
	echo "$name: ${wall} s wall, ${cpu} s CPU"
	eval "${name}_wall=\$wall ${name}_cpu=\$cpu"
}
best() { echo "if ($1 < $2) $1 else $2" | bc; }
rp_w=999999 rp_c=999999 im_w=999999 im_c=999999
for i in $(seq 1 "$RUNS"); do
	echo "round $i of $RUNS, load average $(cut -d' ' -f1-3 /proc/loadavg)"
	rm -rf "$B/readpst"; mkdir "$B/readpst"
	sync
	run readpst readpst -q -D -o "$B/readpst" "$PST"
	rp_w=$(best "$readpst_wall" "$rp_w"); rp_c=$(best "$readpst_cpu" "$rp_c")
	# A small fresh store as the target (the demo server), nothing of an
	# earlier run still being written back to disk.
	rm -f "$B/back.db" "$B/back.db-wal" "$B/back.db-shm"
	"$MBX" --db "$B/back.db" --reset-demo >/dev/null
	sync
	run import "$MBX" --db "$B/back.db" import-pst "$PST" --mailbox BACK --create --log-level 0
	im_w=$(best "$import_wall" "$im_w"); im_c=$(best "$import_cpu" "$im_c")
	echo "  this round: import/readpst wall $(echo "scale=2; $import_wall / $readpst_wall" | bc), CPU $(echo "scale=2; $import_cpu / $readpst_cpu" | bc)"
done
rm -rf "$B/readpst"
"$MBX" --db "$B/back.db" import-pst "$PST" --mailbox BACK | tail -1

echo "best of $RUNS: readpst -o ${rp_w} s wall (${rp_c} s CPU); import-pst ${im_w} s wall (${im_c} s CPU)"
echo "ratio import/readpst: wall $(echo "scale=2; $im_w / $rp_w" | bc), CPU $(echo "scale=2; $im_c / $rp_c" | bc)  (target <= 1.5)"
