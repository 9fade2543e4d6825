# tests/lib.sh - helpers for shell tests (sourced).  TAP-style output;
# the exit status decides: 0 pass, 1 fail, 77 skip.
: "${MBX:?run through make check}"
t_n=0
t_failed=0
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/mbxtest.XXXXXX")
trap 't_cleanup' EXIT
t_cleanup() { rm -rf "$T_TMP"; }

ok() { t_n=$((t_n + 1)); echo "ok $t_n - $*"; }
not_ok() { t_n=$((t_n + 1)); t_failed=$((t_failed + 1)); echo "not ok $t_n - $*"; }
# check DESCRIPTION COMMAND...: passes when COMMAND succeeds
check() { d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }
# expect_status N DESCRIPTION COMMAND...: passes when COMMAND exits with N
expect_status() {
	want=$1; d=$2; shift 2
	"$@" >"$T_TMP/out" 2>"$T_TMP/err"; got=$?
	if [ "$got" -eq "$want" ]; then ok "$d"; else not_ok "$d (exit $got, want $want)"; sed 's/^/#   /' "$T_TMP/err" | head -5; fi
}
skip_all() { echo "1..0 # SKIP $*"; exit 77; }
done_testing() { echo "1..$t_n"; [ "$t_failed" -eq 0 ] || { echo "# $t_failed of $t_n failed"; exit 1; }; exit 0; }
# A fresh copy of the demo server for this test.
demo_db() { "$MBX" --db "$T_TMP/demo.db" --reset-demo >/dev/null 2>&1 && echo "$T_TMP/demo.db"; }
# canon_msgs DUMP: a property dump (tests/PROPDUMP.md) with each folder's
# msg#N and fai#N objects numbered by the sorted values of a few of their
# own properties (class, subject, sender, times, Message-ID) instead of by
# position.  Readers list a folder's messages in different orders
# (pst-dump: contents-table rows; libpff: NIDs, which the writer hands out
# falling); the messages themselves must still be the same.
canon_msgs() {
	awk -F'\t' '$1 ~ /\/(msg|fai)#[0-9]+$/ && $2 ~ /^0x(001A|0037|0039|0042|0C1A|0E06|1035)$/ {
		p = $1; sub(/#[0-9]+$/, "", p); print $1 "\t" p "\t" $2 "\002" $3 "\002" $4 "\002" $5 }' "$1" |
		LC_ALL=C sort >"$1.cg"
	awk -F'\t' '{ if (!($1 in par)) { par[$1] = $2; n++; ord[n] = $1 } sig[$1] = sig[$1] "\001" $3 }
		END { for (i = 1; i <= n; i++) print par[ord[i]] "\t" sig[ord[i]] "\t" ord[i] }' "$1.cg" |
		LC_ALL=C sort | awk -F'\t' '{ print $3 "\t" $1 "#" (k[$1]++) }' >"$1.cm"
	awk -F'\t' -v OFS='\t' 'NR == FNR { to[$1] = $2; next }
		{ if (match($1, /\/(msg|fai)#[0-9]+/)) { g = substr($1, 1, RSTART + RLENGTH - 1);
		  if (g in to) $1 = to[g] substr($1, RSTART + RLENGTH) } print }' "$1.cm" "$1"
	rm -f "$1.cg" "$1.cm"
}
