#!/bin/sh
# bench/bench-pst.sh [MESSAGES] - the PST writer benchmark.  From the build
# directory, after `make bench/pst-bench`:
#   sh $(top_srcdir)/bench/bench-pst.sh          # 50,000 messages, ~1 GB
# Writes the synthetic mailbox, then in the same run times `cp` of the
# resulting file and `readpst -o` reading it back, and prints the writer's
# MB/s, messages/s, peak RSS and its time as a ratio of both.
# Targets: <= 3x cp, <= 1x readpst, >= 5,000 messages/s, <= 64 MB RSS.
set -e
n=${1:-50000}
b=${BENCH_DIR:-${TMPDIR:-/tmp}}/pst-bench.$$
mkdir -p "$b"
trap 'rm -rf "$b"' EXIT
now() { date +%s.%N; }

sync
t0=$(now)
out=$(./bench/pst-bench "$b/bench.pst" "$n")
t1=$(now)
sync
t2=$(now)
cp "$b/bench.pst" "$b/copy.pst"
sync
t3=$(now)
mkdir "$b/readpst"
readpst -q -o "$b/readpst" "$b/bench.pst" >/dev/null 2>&1 || echo "readpst exited $?" >&2
t4=$(now)
echo "$out"
awk -v w0="$t0" -v w1="$t1" -v c0="$t2" -v c1="$t3" -v r0="$t3" -v r1="$t4" -v size="$(stat -c %s "$b/bench.pst")" 'BEGIN {
	w = w1 - w0; c = c1 - c0; r = r1 - r0
	printf "file %.0f MB: write %.2f s, cp %.2f s, readpst %.2f s\n", size / 1048576, w, c, r
	printf "ratio to cp %.2fx (target <= 3), to readpst %.2fx (target <= 1)\n", w / c, w / r
}'
