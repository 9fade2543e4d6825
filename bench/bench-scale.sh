#!/bin/sh
# bench/bench-scale.sh - export on a 100,000-mailbox server (issue 13):
# time to the first PST, mailboxes/s of `export --all` over its first
# SECONDS (default 60), the time of `export --mailbox-list` with 2,000 and
# with 10,000 aliases end to end, and the peak RSS of each run
# (/usr/bin/time -v).  Targets on 2 cores: first PST <= 1 s; 2,000 listed
# mailboxes <= 30 s; >= 100 small mailboxes/s; peak RSS <= 64 MB.
#
# The server is bench/gen-synthetic's, every mailbox with 1-3 small
# messages (--content 1; about a minute to generate), after
# `adjust --create-mailboxes` (10% of the mailboxes were orphaned).  The
# lists take every 50th (10th) mailbox in an order that jumps all over the
# store.  Prints a Markdown section.
#
# usage (from a build directory): make bench/gen-synthetic mbxrescue &&
#        sh $(srcdir)/bench/bench-scale.sh [MAILBOXES [SECONDS]]
# DB=FILE reuses a server generated (and adjusted) before.
set -e
n=${1:-100000}
secs=${2:-60}
top_builddir=${top_builddir:-$(pwd)}
MBX=${MBX:-$top_builddir/mbxrescue}
GEN=${GEN:-$top_builddir/bench/gen-synthetic}
work=$(mktemp -d "${TMPDIR:-/tmp}/mbxscale.XXXXXX")
trap 'rm -rf "$work"' EXIT
[ -x /usr/bin/time ] || { echo "bench-scale: needs GNU time (/usr/bin/time)" >&2; exit 2; }

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
load() { cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?"; }
rss_of() { awk -F': ' '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$1"; }

if [ -n "$DB" ]; then
	db=$DB
	gen="(given: $DB)"
else
	db=$work/s.db
	t0=$(now_ms)
	gen=$("$GEN" "$db" "$n" --content 1)
	"$MBX" --db "$db" adjust --create-mailboxes > /dev/null
	gen="$gen; generated and adjusted in $(( ($(now_ms) - t0) / 1000 )) s"
fi

# run NAME ARGS...: an export in the background under /usr/bin/time -v;
# sets first_NAME (ms to the first PST in $work/NAME) and pid.
start() {
	name=$1
	shift
	rm -rf "$work/$name"
	t_start=$(now_ms)
	/usr/bin/time -v -o "$work/$name.time" "$MBX" --db "$db" export "$@" --out "$work/$name" \
		> "$work/$name.log" 2>&1 &
	pid=$!
	first=
	while kill -0 $pid 2>/dev/null; do
		if ls "$work/$name" 2>/dev/null | grep -q '\.PST$'; then
			first=$(( $(now_ms) - t_start ))
			break
		fi
		sleep 0.005
	done
	eval "first_$name=\${first:-n/a}"
}

# export --all for SECONDS, then Ctrl-C
load_all=$(load)
start all --all
sleep "$secs"
# GNU time ignores SIGINT: the export is its child.
kill -INT "$(pgrep -P $pid | head -1)" 2>/dev/null || kill -INT $pid 2>/dev/null || true
t_int=$(now_ms)
wait $pid || true
stop_all=$(( $(now_ms) - t_int ))
done_all=$(ls "$work/all" 2>/dev/null | grep -c '\.PST$' || true)
rate_all=$(sed -n 's/.* \([0-9.]*\) mailboxes\/s$/\1/p' "$work/all.log" | tail -1)
summary_all=$(grep 'successfully processed' "$work/all.log" | tail -1 | sed 's/^\[[0-9:]*\] //')
rss_all=$(rss_of "$work/all.time")

# (n >= 10,000: every alias different)
awk -v n="$n" 'BEGIN { s = int(n / 2000); if (s < 1) s = 1
	for (k = 0; k < 2000; k++) printf "U%06d\n", (k * 1237) % 2000 * s }' > "$work/l2k.txt"
awk -v n="$n" 'BEGIN { s = int(n / 10000); if (s < 1) s = 1
	for (k = 0; k < 10000; k++) printf "U%06d\n", (k * 1237) % 10000 * s }' > "$work/l10k.txt"
for L in l2k l10k; do
	eval "load_$L=\"$(load)\""
	start "$L" --mailbox-list "$work/$L.txt"
	wait $pid || true
	eval "ms_$L=$(( $(now_ms) - t_start ))"
	eval "rate_$L=$(sed -n 's/.* \([0-9.]*\) mailboxes\/s$/\1/p' "$work/$L.log" | tail -1)"
	eval "rss_$L=$(rss_of "$work/$L.time")"
	eval "sum_$L=\"$(grep 'successfully processed' "$work/$L.log" | tail -1 | sed 's/^\[[0-9:]*\] //')\""
done

echo "### Export on a ${n}-mailbox server"
echo
echo "Command, in the build directory: \`make bench/gen-synthetic mbxrescue && sh $0 $n $secs\`"
echo
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc 2>/dev/null || echo '?') CPUs; mbxrescue" \
     "$("$MBX" --version | sed 's/^mbxrescue //'), default threads (one per CPU)."
echo "Server: $gen."
echo
echo "| run | load at start | first PST | wall | mailboxes/s | peak RSS | summary |"
echo "|---|---|---|---|---|---|---|"
echo "| \`export --all\`, Ctrl-C after ${secs} s ($done_all PSTs; stopped $stop_all ms after the signal) | $load_all | ${first_all} ms | ${secs} s | $rate_all | ${rss_all} MB | $summary_all |"
echo "| \`export --mailbox-list\` of 2,000 | $load_l2k | ${first_l2k} ms | $(awk -v m="$ms_l2k" 'BEGIN { printf "%.1f", m / 1000 }') s | $rate_l2k | ${rss_l2k} MB | $sum_l2k |"
echo "| \`export --mailbox-list\` of 10,000 | $load_l10k | ${first_l10k} ms | $(awk -v m="$ms_l10k" 'BEGIN { printf "%.1f", m / 1000 }') s | $rate_l10k | ${rss_l10k} MB | $sum_l10k |"
echo
echo "Targets on 2 cores: first PST <= 1 s; 2,000 listed mailboxes <= 30 s; >= 100 small" \
     "mailboxes/s; peak RSS <= 64 MB."
