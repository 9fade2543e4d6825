#!/bin/sh
# bench/bench-search.sh - the search index (issue 17) on a generated store:
# index build speed (`mbxrescue reindex`), index size against the store,
# query latency for a rare word, a common word and a phrase (first page of
# 50 hits, and --json of 1,000 hits), peak RSS; then the tokenizers
# compared on a multilingual corpus (bench/search-tokenizers).
#
# From the build directory:
#   make bench/gen-search bench/search-tokenizers mbxrescue && \
#     RUNS=5 sh $top_srcdir/bench/bench-search.sh [MESSAGES [MAILBOXES]]
# (defaults 1000000 messages over 1000 mailboxes; about 2.5 GB in $TMPDIR).
# Targets: build >= 20,000 messages/s, first page <= 50 ms, --json of 1,000
# hits <= 200 ms, peak RSS <= 64 MB.  BENCH_DIR keeps the store for reuse
# (and skips generating it when BENCH_DIR/search.db exists).
set -e
RUNS=${RUNS:-5}
MSGS=${1:-1000000}
MBXS=${2:-1000}
MBX=${MBX:-./mbxrescue}
if [ -n "$BENCH_DIR" ]; then
	B=$BENCH_DIR
	mkdir -p "$B"
else
	B=$(mktemp -d "${TMPDIR:-/tmp}/bench-search.XXXXXX")
	trap 'rm -rf "$B"' EXIT
fi
DB=$B/search.db
now_ms() { date +%s%3N; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

if [ ! -f "$DB" ]; then
	echo "generating $MSGS messages in $MBXS mailboxes (load $(load))"
	/usr/bin/time -f "%e s wall, %U s user, %S s sys, peak RSS %M KB" ./bench/gen-search "$DB" "$MSGS" "$MBXS"
fi
echo "store: $(du -m "$DB" | cut -f1) MB"

# ---- the index build ---------------------------------------------------------------
echo "reindex (load $(load))"
/usr/bin/time -f "%e %U %S %M" -o "$B/time" "$MBX" --db "$DB" reindex
read -r wall usr sys rss < "$B/time"
echo "reindex: $wall s wall, $usr s user, $sys s sys, peak RSS $rss KB;" \
	"$(echo "$MSGS / $wall" | bc) messages/s wall, $(echo "$MSGS / ($usr + $sys)" | bc) messages/s CPU"
if command -v sqlite3 >/dev/null 2>&1; then
	sqlite3 "$DB" "SELECT 'index: ' || ((SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'search%' OR name = 'sqlite_autoindex_search_doc_1') / 1048576) || ' MB (search_fts ' || ((SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'search_fts%') / 1048576) || ' MB, search_doc ' || ((SELECT sum(pgsize) FROM dbstat WHERE name IN ('search_doc', 'sqlite_autoindex_search_doc_1')) / 1048576) || ' MB) in a ' || ((SELECT page_count * page_size FROM pragma_page_count, pragma_page_size) / 1048576) || ' MB store file; the messages (rows, recipients, attachments, their indexes) ' || ((SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'message%' OR name LIKE 'attachment%') / 1048576) || ' MB'" 2>/dev/null || echo "(sqlite3 has no dbstat: sizes not measured)"
fi

# ---- queries ------------------------------------------------------------------------
# q NAME ARGS...: best and median of RUNS runs (whole process: open, query,
# print), hits, peak RSS
q() {
	name=$1; shift
	"$MBX" --db "$DB" search "$@" > "$B/q.out" 2>/dev/null
	hits=$(grep -c . "$B/q.out" || true)
	for i in $(seq 1 "$RUNS"); do
		t0=$(now_ms)
		"$MBX" --db "$DB" search "$@" > /dev/null 2>&1
		t1=$(now_ms)
		echo $((t1 - t0))
	done | sort -n > "$B/times"
	best=$(head -1 "$B/times")
	median=$(sed -n "$(( (RUNS + 1) / 2 ))p" "$B/times")
	/usr/bin/time -f "%M" -o "$B/rss" "$MBX" --db "$DB" search "$@" > /dev/null 2>&1
	printf '%-44s %5s ms best %5s ms median  %5s lines  %6s KB peak\n' "$name" "$best" "$median" "$hits" "$(cat "$B/rss")"
}
echo "queries, best and median of $RUNS (load $(load)):"
count() { "$MBX" --db "$DB" search --count "$@"; }
echo "  hits: rare $(count quixoticfrobnicate), common $(count the), phrase $(count '"supply contract"')"
q "startup: --help (reference)" --help
q "rare word, first page (50)" --limit 50 quixoticfrobnicate
q "common word, first page (50)" --limit 50 the
q "phrase, first page (50)" --limit 50 '"supply contract"'
q "two words and a filter, first page (50)" --limit 50 'supply contract has:attachment'
q "common word in one mailbox, first page (50)" --limit 50 'the mailbox:user00042'
q "rare word --json (all)" --json --limit 1000 quixoticfrobnicate
q "common word --json 1,000" --json --limit 1000 the
q "phrase --json 1,000" --json --limit 1000 '"supply contract"'
q "common word --count" --count the

# ---- tokenizers ---------------------------------------------------------------------
if [ -x ./bench/search-tokenizers ]; then
	echo "tokenizers (load $(load)):"
	./bench/search-tokenizers 100000 "$B"
fi
