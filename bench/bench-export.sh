#!/bin/sh
# bench/bench-export.sh - export throughput (issue 4).
#
#   make mbxrescue tests/export-genmbx && RUNS=3 sh $(top_srcdir)/bench/bench-export.sh [SIZE_MB]
#
# From the build directory.  Exports (a) every demo mailbox (after the
# adjuster) and (b) one synthetic mailbox of SIZE_MB (default 1024) MiB of
# 1 MiB attachments in a store of its own, each with 1 and 2 threads.  An export includes the fsync and
# the read-back verification with libpst.  Reference runs in the same
# invocation: `cp` of the produced PSTs followed by `sync FILES` (the export
# fsyncs too), and `readpst -o` reading them back.
# Prints store MB/s, messages/s, peak RSS, and the ratios export/cp and
# export/readpst, for each of RUNS rounds (default 3; each round times the
# export and its references back to back, with the load average), then per
# case the best time and the range of the ratios over the rounds.
set -eu
MB=${1:-1024}
RUNS=${RUNS:-3}
B=$(pwd)
MBX=$B/mbxrescue
GEN=$B/tests/export-genmbx
[ -x "$MBX" ] && [ -x "$GEN" ] || { echo "build first: make mbxrescue tests/export-genmbx" >&2; exit 2; }
command -v readpst >/dev/null || { echo "readpst (pst-utils) is needed" >&2; exit 2; }
W=$(mktemp -d "${TMPDIR:-/tmp}/bench-export.XXXXXX")
trap 'rm -rf "$W"' EXIT
DB=$W/bench.db
"$MBX" --db "$DB" --reset-demo >/dev/null
"$MBX" --db "$DB" adjust --create-mailboxes >/dev/null
DEMO=$(sqlite3 "$DB" "SELECT count(*) FROM mailbox")
echo "generating a synthetic mailbox of $MB MiB..."
SDB=$W/synth.db
"$GEN" "$SDB" Synth "Synthetic, Mailbox" "$MB" 1024
sync   # start every run with the store written out

# secs CMD...: wall seconds of CMD; peak RSS (KiB) of it in $W/rss
secs() {
	/usr/bin/time -f "%e %M" -o "$W/time" "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; cat "$W/time" >&2; exit 1; }
	cut -d' ' -f2 "$W/time" > "$W/rss"
	cut -d' ' -f1 "$W/time"
}
# bytes and messages the store holds for the mailboxes of a run
store_bytes() { sqlite3 "$1" "SELECT sum(total_size) FROM mailbox"; }
store_msgs() { sqlite3 "$1" "SELECT count(*) FROM message"; }

run() { # run NAME DB THREADS EXPORT-ARGS...
	name=$1 db=$2 th=$3
	shift 3
	out=$W/out-$name-$th
	t=$(secs "$MBX" --db "$db" export "$@" --out "$out" --threads "$th")
	rss=$(cat "$W/rss")
	bytes=$(store_bytes "$db")
	msgs=$(store_msgs "$db")
	pst=$(du -cb "$out"/*.PST | tail -1 | cut -f1)
	# cp with the same durability as the export (fsync of every file)
	tcp=$(secs sh -c "cp -r '$out' '$W/cp-$name-$th' && sync '$W/cp-$name-$th'/*.PST")
	mkdir -p "$W/rp-$name-$th"
	trp=$(secs sh -c "for f in '$out'/*.PST; do readpst -q -o '$W/rp-$name-$th' \"\$f\" || exit 1; done")
	rm -rf "$W/cp-$name-$th" "$W/rp-$name-$th"
	echo "$name $th $t $tcp $trp" >> "$W/results"
	awk -v n="$name" -v th="$th" -v t="$t" -v b="$bytes" -v m="$msgs" -v p="$pst" -v r="$rss" \
	    -v c="$tcp" -v rp="$trp" 'BEGIN {
		if (t <= 0) t = 0.01; if (c <= 0) c = 0.01; if (rp <= 0) rp = 0.01;
		printf "%-6s threads=%d  %7.1f MB store -> %7.1f MB PST in %6.2f s: %7.1f MB/s, %8.0f msgs/s, peak RSS %6.1f MB | cp+sync %5.2f s (x%.1f) | readpst %6.2f s (x%.2f)\n",
		       n, th, b / 1e6, p / 1e6, t, b / 1e6 / t, m / t, r / 1024, c, t / c, rp, t / rp }'
	rm -rf "$out"
	sync
}
echo "mbxrescue $("$MBX" --version 2>/dev/null | head -1); $(nproc) CPUs; $DEMO demo mailboxes + 1 synthetic"
for r in $(seq 1 "$RUNS"); do
	echo "round $r of $RUNS, load average $(cut -d' ' -f1-3 /proc/loadavg)"
	for th in 1 2; do run demo "$DB" $th --all; done
	for th in 1 2; do run synth "$SDB" $th Synth; done
done
echo "summary over $RUNS rounds (ratios are each round's export / reference of the same round):"
awk '{
	k = $1 " threads=" $2; t = $3; c = ($4 > 0 ? $4 : 0.01); p = ($5 > 0 ? $5 : 0.01)
	if (!(k in best)) { order[n++] = k; best[k] = t; cmin[k] = cmax[k] = t / c; pmin[k] = pmax[k] = t / p }
	if (t < best[k]) best[k] = t
	if (t / c < cmin[k]) cmin[k] = t / c; if (t / c > cmax[k]) cmax[k] = t / c
	if (t / p < pmin[k]) pmin[k] = t / p; if (t / p > pmax[k]) pmax[k] = t / p
} END {
	for (i = 0; i < n; i++) { k = order[i]
		printf "%-16s best %6.2f s | export/cp+sync x%.1f-x%.1f | export/readpst x%.2f-x%.2f\n",
		       k, best[k], cmin[k], cmax[k], pmin[k], pmax[k] }
}' "$W/results"
