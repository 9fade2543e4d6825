#!/bin/sh
# bench/bench-retention.sh - property retention of round trips (issue 12):
# a PST imported into a new store mailbox (import-pst --create), given a
# directory entry (adjust --create-mailboxes) and exported again; both
# files dumped with `mbxrescue pst-dump` and compared with
# tests/propdump-diff.sh.  For each kind of object: the properties of the
# original that the copy holds with the same bytes / the properties of the
# original, the regenerated ones left out (`pst-dump --regenerated`).  Two
# scopes: what an import keeps (--ipm: the message store and everything
# below the top folder) and the whole file.
#
# From the build directory:
#   make mbxrescue tests/pst-richsource && sh $top_srcdir/bench/bench-retention.sh [FILE.pst...]
# Default files: ../shared/testdata/pst/{support,ansi-32bit,outlook-empty}.pst
# and the rich source of tests/pst-richsource.
set -eu
MBX=${MBX:-$(pwd)/mbxrescue}
here=$(cd "$(dirname "$0")" && pwd)
srcdir=$(dirname "$here")
DIFF="$srcdir/tests/propdump-diff.sh"
W=$(mktemp -d "${TMPDIR:-/tmp}/bench-retention.XXXXXX")
trap 'rm -rf "$W"' EXIT
export MBX
if [ $# -eq 0 ]; then
	for f in support ansi-32bit outlook-empty; do
		[ -r "$srcdir/../shared/testdata/pst/$f.pst" ] && set -- "$@" "$srcdir/../shared/testdata/pst/$f.pst"
	done
	./tests/pst-richsource "$W/rich-source.pst" && set -- "$@" "$W/rich-source.pst"
fi

# count DIFF-OUTPUT: "kind count" of its "-" lines
count() {
	awk -F '\t' '
	function kind(o) {
		if (o == "store") return "store"
		if (o ~ /\/rcpt#[0-9]+$/) return "recipient"
		if (o ~ /\/att#[0-9]+$/) return "attachment"
		if (o ~ /\/att#[0-9]+\/msg$/) return "embedded message"
		if (o ~ /\/fai#[0-9]+$/) return "FAI message"
		if (o ~ /\/msg#[0-9]+$/) return "message"
		return "folder"
	}
	substr($1, 1, 2) == "- " { n[kind(substr($1, 3))]++ }
	END { for (k in n) print k "\t" n[k] }' "$1"
}

printf '%-22s %-8s %-17s %9s %9s %8s\n' file scope kind kept original retained
for f in "$@"; do
	name=$(basename "$f" .pst | tr -cd 'A-Za-z0-9')
	db="$W/$name.db"
	"$MBX" --db "$db" init --organization Contoso --site HQ --server EXCH1 >/dev/null
	"$MBX" --db "$db" import-pst "$f" --mailbox "$name" --create >/dev/null 2>&1 || { echo "$f: import failed" >&2; continue; }
	"$MBX" --db "$db" adjust --create-mailboxes >/dev/null 2>&1
	"$MBX" --db "$db" export "$name" --out "$W/$name" >/dev/null 2>&1 || { echo "$f: export failed" >&2; continue; }
	"$MBX" pst-dump "$f" >"$W/a" 2>/dev/null || true
	"$MBX" pst-dump "$W/$name/$(echo "$name" | tr a-z A-Z).PST" >"$W/b"
	for scope in --ipm whole; do
		opt=$scope
		[ "$scope" = whole ] && opt=
		sh "$DIFF" $opt "$W/a" /dev/null >"$W/all" || true
		sh "$DIFF" $opt "$W/a" "$W/b" >"$W/diff" || true
		count "$W/all" >"$W/n.all"
		count "$W/diff" >"$W/n.lost"
		awk -F '\t' -v file="$(basename "$f")" -v scope="${scope#--}" '
			FILENAME == ARGV[1] { lost[$1] = $2; next }
			{ k = $1; n = $2; printf "%-22s %-8s %-17s %9d %9d %7.1f%%\n", file, scope, k, n - lost[k], n,
			  100 * (n - lost[k]) / n }' "$W/n.lost" "$W/n.all" | sort -k3
	done
done
