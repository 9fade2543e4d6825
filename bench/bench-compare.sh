#!/bin/sh
# bench/bench-compare.sh BEFORE_BUILD [AFTER_BUILD] - the export and import
# benchmarks of two builds in one run (issue 12: the export that writes
# and verifies every property must stay within 20 % of the one before it),
# and the store size per message each build gives.
#
#   git worktree add /tmp/before COMMIT  (or a clone), build it there, then
#   sh $top_srcdir/bench/bench-compare.sh /tmp/before [.]
#
# Both builds need `make mbxrescue tests/export-genmbx bench/gen-import`.
# Runs, alternating so that a busy machine hurts both alike:
#   bench/bench-export.sh SIZE_MB (default 512) with RUNS (default 3)
#   bench/bench-import.sh MESSAGES ATTACHMENT_MB (default 20000 500) with RUNS
# each from its own build directory with its own scripts, then prints the
# summary lines of each side by side.  Store size per message: the demo
# server after `adjust --create-mailboxes`, and the store a PST import
# makes (the bench-import PST imported into a new store), each from its
# build, in bytes of the store file per message.
set -eu
BEFORE=$(cd "$1" && pwd)
AFTER=$(cd "${2:-.}" && pwd)
SIZE_MB=${SIZE_MB:-512}
MSGS=${MSGS:-20000}
ATT_MB=${ATT_MB:-500}
RUNS=${RUNS:-3}
export RUNS
W=$(mktemp -d "${TMPDIR:-/tmp}/bench-compare.XXXXXX")
trap 'rm -rf "$W"' EXIT

for side in BEFORE AFTER; do
	eval "dir=\$$side"
	for p in mbxrescue tests/export-genmbx bench/gen-import; do
		[ -x "$dir/$p" ] || { echo "$dir: build $p first" >&2; exit 2; }
	done
done
echo "before: $BEFORE ($(git -C "$BEFORE" rev-parse --short HEAD 2>/dev/null || echo ?))"
echo "after:  $AFTER ($(git -C "$AFTER" rev-parse --short HEAD 2>/dev/null || echo ?))"
echo "$(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"

for side in BEFORE AFTER; do
	eval "dir=\$$side"
	echo "== export, $side"
	(cd "$dir" && sh bench/bench-export.sh "$SIZE_MB") >"$W/export.$side" 2>&1 || { cat "$W/export.$side"; exit 1; }
	sed -n '/^summary/,$p' "$W/export.$side"
done
for side in BEFORE AFTER; do
	eval "dir=\$$side"
	echo "== import, $side"
	(cd "$dir" && MBX=./mbxrescue sh bench/bench-import.sh "$MSGS" "$ATT_MB") >"$W/import.$side" 2>&1 ||
		{ cat "$W/import.$side"; exit 1; }
	grep -e '^PST:' -e '^best of' -e '^ratio' "$W/import.$side"
done

# store size per message
for side in BEFORE AFTER; do
	eval "dir=\$$side"
	"$dir/mbxrescue" --db "$W/demo.$side.db" --reset-demo >/dev/null
	"$dir/mbxrescue" --db "$W/demo.$side.db" adjust --create-mailboxes >/dev/null
	sqlite3 "$W/demo.$side.db" "PRAGMA wal_checkpoint(TRUNCATE); VACUUM;" >/dev/null
	m=$(sqlite3 "$W/demo.$side.db" "SELECT count(*) FROM message")
	s=$(wc -c <"$W/demo.$side.db")
	echo "store size, demo server, $side: $s bytes, $m messages: $((s / m)) bytes a message"
	"$dir/bench/gen-import" "$W/src.$side.db" 2000 20 >/dev/null
	"$dir/mbxrescue" --db "$W/src.$side.db" export BENCH --out "$W/pst.$side" >/dev/null
	"$dir/mbxrescue" --db "$W/back.$side.db" init --organization Contoso --site HQ --server EXCH1 >/dev/null
	"$dir/mbxrescue" --db "$W/back.$side.db" import-pst "$W/pst.$side/BENCH.PST" --mailbox BACK --create >/dev/null
	sqlite3 "$W/back.$side.db" "PRAGMA wal_checkpoint(TRUNCATE); VACUUM;" >/dev/null
	m=$(sqlite3 "$W/back.$side.db" "SELECT count(*) FROM message")
	s=$(wc -c <"$W/back.$side.db")
	a=$(sqlite3 "$W/back.$side.db" "SELECT coalesce(sum(size), 0) FROM attachment")
	echo "store size, PST import of 2,000 messages, $side: $s bytes ($a of attachment data), $m messages: $(((s - a) / m)) bytes a message beside the attachment data"
done
