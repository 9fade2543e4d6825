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
