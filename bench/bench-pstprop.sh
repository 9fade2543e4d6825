#!/bin/sh
# bench/bench-pstprop.sh - the property-level reader (core/pstprop) against
# the other readers of the same file, in the same run: every property of
# every object read by bench/pstprop-read, the whole dump (pst-dump >
# /dev/null), the strict validator (pst-check) and libpst's readpst -q -o;
# with LIBPFF=1 also libpff's dump (tests/pstdump-pff, slow on big folders).
#
# From the build directory:
#   make mbxrescue bench/gen-import bench/pstprop-read && RUNS=3 sh $top_srcdir/bench/bench-pstprop.sh [MESSAGES | FILE.pst]
# (default 200000 messages in one folder, no attachments: bench-import's
# mailbox exported by our writer).  Wall, CPU and peak RSS of the best of RUNS.
set -e
RUNS=${RUNS:-3}
ARG=${1:-200000}
B=${BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/bench-pstprop.XXXXXX")}
trap 'rm -rf "$B/readpst" "$B/gen"' EXIT
MBX=${MBX:-./mbxrescue}

if [ -f "$ARG" ]; then
	PST=$ARG
else
	mkdir -p "$B/gen"
	./bench/gen-import "$B/gen/bench.db" "$ARG" 0 >/dev/null
	"$MBX" --db "$B/gen/bench.db" export BENCH --out "$B/pst" >/dev/null
	PST="$B/pst/BENCH.PST"
fi
echo "PST: $PST, $(wc -c <"$PST") bytes"
cat "$PST" >/dev/null

# run NAME CMD...: best wall, CPU and peak RSS over RUNS
run() {
	name=$1; shift
	bw=999999 bc=0 bm=0
	for i in $(seq 1 "$RUNS"); do
		rm -rf "$B/readpst"; mkdir "$B/readpst"
		/usr/bin/time -f "%e %U %S %M" -o "$B/time" "$@" >/dev/null 2>"$B/err" || true
		read -r wall usr sys rss <"$B/time"
		if [ "$(echo "$wall < $bw" | bc)" = 1 ]; then bw=$wall bc=$(echo "$usr + $sys" | bc) bm=$rss; fi
	done
	printf '%-28s %8s s wall %8s s CPU %8s MB peak RSS\n' "$name" "$bw" "$bc" "$((bm / 1024))"
}
echo "load average $(cut -d' ' -f1-3 /proc/loadavg), best of $RUNS"
run "pstprop-read (every prop)" ./bench/pstprop-read "$PST"
run "pst-dump >/dev/null" "$MBX" pst-dump "$PST"
run "pst-check" "$MBX" pst-check -q "$PST"
run "readpst -q -o" readpst -q -o "$B/readpst" "$PST"
if [ "${LIBPFF:-0}" = 1 ] && [ -x tests/pstdump-pff ]; then
	run "tests/pstdump-pff (libpff)" tests/pstdump-pff "$PST"
fi
./bench/pstprop-read "$PST"
