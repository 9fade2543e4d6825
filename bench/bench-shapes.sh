#!/bin/sh
# bench/bench-shapes.sh - verified export of the three mailbox shapes of
# issue 15, each with its references in the same run:
#
#   small   200,000 messages, no attachments     (bench/gen-import DB 200000 0)
#   mixed   20,000 messages, 2,000 x 512 KiB      (bench/gen-import DB 20000 1000)
#   big     1 GiB of 1 MiB attachments           (tests/export-genmbx DB ... 1024 1024)
#
# From the build directory:
#   make mbxrescue bench/gen-import tests/export-genmbx && RUNS=3 sh $top_srcdir/bench/bench-shapes.sh [SHAPE...]
# (default: all three).  Per shape and round, back to back:
#   export       `mbxrescue export` (write, fsync, verification, rename): wall,
#                CPU (user+sys, children included), peak RSS;
#   write / verify  the same export split at the start of the libpst reader
#                child (strace -f -e execve: the first exec after the
#                program's own); write = start to that exec, verify = the rest;
#   verify-only  `mbxrescue verify PST` (the export's libpst check, split
#                across children as for big files), and with one child
#                (MBX_PSTREAD_CHILDREN=1);
#   cp+sync      cp of the PST and sync of the copy; readpst -q -o of it;
#   import       `mbxrescue import-pst PST --create` into a fresh store.
# Ratios are the export's to cp+sync and to readpst of the same round, and
# the import's to readpst.  Times are noisy on a shared machine: read the
# ratios of the same round, and the CPU times.
set -eu
RUNS=${RUNS:-3}
SHAPES=${*:-small mixed big}
B=$(pwd)
MBX=$B/mbxrescue
[ -x "$MBX" ] && [ -x "$B/bench/gen-import" ] && [ -x "$B/tests/export-genmbx" ] ||
	{ echo "build first: make mbxrescue bench/gen-import tests/export-genmbx" >&2; exit 2; }
command -v readpst >/dev/null || { echo "readpst (pst-utils) is needed" >&2; exit 2; }
HAVE_STRACE=0
command -v strace >/dev/null && HAVE_STRACE=1
W=${BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/bench-shapes.XXXXXX")}
trap 'rm -rf "$W"' EXIT

# t CMD...: "wall cpu rss_kib" of CMD (children included)
t() {
	/usr/bin/time -f "%e %U %S %M" -o "$W/time" "$@" >/dev/null 2>"$W/err" ||
		{ echo "failed: $*" >&2; tail -3 "$W/err" >&2; exit 1; }
	awk '{ printf "%s %.2f %d\n", $1, $2 + $3, $4 }' "$W/time"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b <= 0) b = 0.01; printf "%.2f", a / b }'; }

gen() { # gen SHAPE DB: make the store, print the mailbox alias
	case $1 in
	small) "$B/bench/gen-import" "$2" 200000 0 >/dev/null; echo BENCH ;;
	mixed) "$B/bench/gen-import" "$2" 20000 1000 >/dev/null; echo BENCH ;;
	big) "$B/tests/export-genmbx" "$2" Synth "Synthetic, Mailbox" 1024 1024 >/dev/null; echo Synth ;;
	*) echo "unknown shape $1 (small, mixed, big)" >&2; exit 2 ;;
	esac
}

echo "mbxrescue bench-shapes: $(nproc) CPUs, RUNS=$RUNS, shapes: $SHAPES"
for shape in $SHAPES; do
	db=$W/$shape.db
	alias=$(gen "$shape" "$db")
	sync
	for r in $(seq 1 "$RUNS"); do
		out=$W/out-$shape
		rm -rf "$out"
		load=$(cut -d' ' -f1 /proc/loadavg)
		set -- $(t "$MBX" --db "$db" export "$alias" --out "$out" --log-level 3)
		ex_w=$1 ex_c=$2 ex_m=$3
		pst=$(ls "$out"/*.PST | head -1)
		size=$(du -cb "$out"/*.PST | tail -1 | cut -f1)
		msgs=$(sqlite3 "$db" "SELECT count(*) FROM message" 2>/dev/null || echo 0)
		wr="-" vf="-"
		if [ $HAVE_STRACE = 1 ]; then
			# the same export again, traced for the reader child's start
			rm -rf "$out"
			strace -f -qq -ttt -e trace=execve -o "$W/strace" "$MBX" --db "$db" export "$alias" \
				--out "$out" >/dev/null 2>&1
			end=$(date +%s.%N)
			set -- $(awk '/execve\(/ && !/resumed/ && !/ = -1/ { n++; if (n == 1) s = $2; if (n == 2) { v = $2; exit } }
				END { print s, v }' "$W/strace")
			if [ $# -eq 2 ]; then
				wr=$(awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }')
				vf=$(awk -v a="$2" -v b="$end" 'BEGIN { printf "%.2f", b - a }')
			fi
		fi
		cat "$pst" >/dev/null
		set -- $(t "$MBX" verify "$pst"); v_w=$1 v_c=$2
		set -- $(MBX_PSTREAD_CHILDREN=1 t "$MBX" verify "$pst"); v1_w=$1 v1_c=$2
		rm -rf "$W/cp"; mkdir "$W/cp"
		set -- $(t sh -c "cp '$pst' '$W/cp/' && sync '$W/cp/'*"); cp_w=$1
		rm -rf "$W/cp" "$W/rp"; mkdir "$W/rp"
		set -- $(t readpst -q -o "$W/rp" "$pst"); rp_w=$1 rp_c=$2
		rm -rf "$W/rp" "$W/back.db" "$W/back.db-wal" "$W/back.db-shm"
		"$MBX" --db "$W/back.db" --reset-demo >/dev/null
		sync
		set -- $(t "$MBX" --db "$W/back.db" import-pst "$pst" --mailbox BACK --create --log-level 0)
		im_w=$1 im_c=$2 im_m=$3
		echo "$shape round $r (load $load): $(awk -v s="$size" 'BEGIN { printf "%.0f MB", s / 1e6 }'), $msgs messages"
		echo "  export      $ex_w s wall, $ex_c s CPU, peak RSS $((ex_m / 1024)) MB;" \
		     "$(awk -v m="$msgs" -v w="$ex_w" 'BEGIN { if (w <= 0) w = 0.01; printf "%.0f", m / w }') messages/s;" \
		     "x$(ratio "$ex_w" "$cp_w") cp+sync, x$(ratio "$ex_w" "$rp_w") readpst -o"
		echo "    of which  write $wr s, verification $vf s (traced run)"
		echo "  verify-only $v_w s wall, $v_c s CPU (split for big files); one child $v1_w s wall, $v1_c s CPU"
		echo "  cp+sync     $cp_w s; readpst -q -o $rp_w s wall, $rp_c s CPU"
		echo "  import      $im_w s wall, $im_c s CPU, peak RSS $((im_m / 1024)) MB; x$(ratio "$im_w" "$rp_w") readpst -o"
		echo "$shape $ex_w $cp_w $rp_w $im_w $v_w" >>"$W/results"
	done
	rm -rf "$W/out-$shape" "$db" "$db-wal" "$db-shm"
done
echo "best of $RUNS per shape (wall): export, and the ratios of that round"
awk '{ if (!($1 in b) || $2 < b[$1]) { b[$1] = $2; c[$1] = $3; p[$1] = $4; i[$1] = $5; v[$1] = $6 }
       if (!($1 in o)) o[$1] = n++ }
     END { for (k in b) printf "%-6s export %6.2f s  x%.2f cp+sync  x%.2f readpst  verify-only %6.2f s  import x%.2f readpst\n",
           k, b[k], b[k] / (c[k] > 0 ? c[k] : 0.01), b[k] / (p[k] > 0 ? p[k] : 0.01), v[k], i[k] / (p[k] > 0 ? p[k] : 0.01) }' "$W/results"
