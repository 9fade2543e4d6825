#!/bin/sh
# bench/bench-ldap.sh - a real recovery server in (issue 18):
#  1. import-directory from a live slapd: ENTRIES users (default 100,000)
#     through a server that answers 500 entries per request (paged), into
#     a new store; wall time and peak RSS (/usr/bin/time -v), against
#     ldapsearch reading the same pages.  Targets: <= 15 s, <= 64 MB.
#  2. import-pst DIR: FILES PSTs (default 100) into a new store, files/s
#     and MB/s, against `readpst -o` of the same files in the same run
#     (one at a time, and two at a time with xargs -P 2).
#
# From the build directory:
#   make bench/gen-import mbxrescue && sh $top_srcdir/bench/bench-ldap.sh [ENTRIES [FILES]]
# PST_MSGS / PST_ATT_MB: each PST's messages and attachment megabytes
# (default 300 and 2: about 3 MB per file).  BENCH_DIR keeps the files.
set -e
ENTRIES=${1:-100000}
FILES=${2:-100}
PST_MSGS=${PST_MSGS:-300}
PST_ATT_MB=${PST_ATT_MB:-2}
MBX=${MBX:-./mbxrescue}
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
T_TMP=${BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/bench-ldap.XXXXXX")}
mkdir -p "$T_TMP"
skip_all() { echo "bench-ldap: $*" >&2; exit 77; }
. "$top_srcdir/tests/ldap/lib.sh"
trap 'slapd_stop_all; [ -n "$BENCH_DIR" ] || rm -rf "$T_TMP"' EXIT
trap 'exit 1' INT TERM HUP
[ -x /usr/bin/time ] || skip_all "/usr/bin/time is not installed (Debian: time)"

# tv FILE: "wall_s user_s sys_s maxrss_kb" from /usr/bin/time -v output.
tv() {
	awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); w = 0; for (i = 1; i <= n; i++) w = w * 60 + p[i] }
		/User time/ { u = $2 } /System time/ { s = $2 } /Maximum resident/ { m = $2 }
		END { printf "%.2f %.2f %.2f %d\n", w, u, s, m }' "$1"
}

echo "== 1. import-directory: $ENTRIES entries from slapd (500 per request, paged)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
ldap_gen_users "$ENTRIES" >"$T_TMP/users.ldif"
slapd_start bench "$T_TMP/users.ldif" || skip_all "slapd does not start"
BASE="ou=Users,$LDAP_SUFFIX"
/usr/bin/time -v ldapsearch -x -LLL -H "$SLAPD_URL" -b "$BASE" -E pr=500/noprompt \
	'(objectClass=person)' 1.1 >/dev/null 2>"$T_TMP/t.ls"
read -r w u s m <<EOF
$(tv "$T_TMP/t.ls")
EOF
echo "ldapsearch -E pr=500 (DNs only):      ${w} s wall, $(echo "$u + $s" | bc) s CPU, ${m} KB peak RSS"
"$MBX" --db "$T_TMP/ldap.db" init --organization Bench --site HQ --server EXCH1 >/dev/null
/usr/bin/time -v "$MBX" --db "$T_TMP/ldap.db" import-directory "$SLAPD_URL" --base "$BASE" \
	>"$T_TMP/out.ldap" 2>"$T_TMP/t.im"
tail -1 "$T_TMP/out.ldap"
read -r w u s m <<EOF
$(tv "$T_TMP/t.im")
EOF
echo "import-directory (new store):         ${w} s wall, $(echo "$u + $s" | bc) s CPU, ${m} KB peak RSS  (targets 15 s, 65536 KB)"
/usr/bin/time -v "$MBX" --db "$T_TMP/ldap.db" import-directory "$SLAPD_URL" --base "$BASE" \
	>"$T_TMP/out.ldap" 2>"$T_TMP/t.im2"
tail -1 "$T_TMP/out.ldap"
read -r w u s m <<EOF
$(tv "$T_TMP/t.im2")
EOF
echo "import-directory again (all unchanged): ${w} s wall, $(echo "$u + $s" | bc) s CPU, ${m} KB peak RSS"
slapd_stop bench
rm -f "$T_TMP/users.ldif" "$T_TMP/ldap.db"*

echo
echo "== 2. import-pst DIR: $FILES PSTs of $PST_MSGS messages and $PST_ATT_MB MB of attachments each"
[ -x ./bench/gen-import ] || skip_all "build bench/gen-import first (make bench/gen-import)"
command -v readpst >/dev/null 2>&1 || skip_all "readpst is not installed (pst-utils)"
./bench/gen-import "$T_TMP/src.db" "$PST_MSGS" "$PST_ATT_MB" >/dev/null
"$MBX" --db "$T_TMP/src.db" export BENCH --out "$T_TMP/one" >/dev/null
mkdir "$T_TMP/psts"
i=1
while [ "$i" -le "$FILES" ]; do
	cp "$T_TMP/one/BENCH.PST" "$T_TMP/psts/$(printf 'MBX%03d.PST' "$i")"
	i=$((i + 1))
done
rm -rf "$T_TMP/one" "$T_TMP/src.db"*
bytes=$(cat "$T_TMP/psts"/*.PST | wc -c)
mb=$(echo "scale=1; $bytes / 1048576" | bc)
echo "$FILES files, $mb MB; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
cat "$T_TMP/psts"/*.PST >/dev/null
rate() { echo "$(echo "scale=1; $FILES / $1" | bc) files/s, $(echo "scale=1; $mb / $1" | bc) MB/s"; }
run_readpst() {
	rm -rf "$T_TMP/rp"; mkdir "$T_TMP/rp"
	sync
	/usr/bin/time -v sh -c "ls '$T_TMP/psts'/*.PST | xargs -P $1 -I{} sh -c 'd=\"$T_TMP/rp/\$(basename {})\"; mkdir \"\$d\" && readpst -q -D -o \"\$d\" {} >/dev/null 2>&1'" 2>"$T_TMP/t.rp"
	read -r w u s m <<EOF
$(tv "$T_TMP/t.rp")
EOF
	echo "readpst -o, $1 at a time:           ${w} s wall, $(echo "$u + $s" | bc) s CPU; $(rate "$w")"
}
run_import() {
	rm -f "$T_TMP/pst.db"*
	"$MBX" --db "$T_TMP/pst.db" init --organization Bench --site HQ --server EXCH1 >/dev/null
	sync
	/usr/bin/time -v "$MBX" --db "$T_TMP/pst.db" import-pst "$T_TMP/psts" --threads "$1" --log-level 0 \
		>"$T_TMP/out.pst" 2>"$T_TMP/t.ip"
	read -r w u s m <<EOF
$(tv "$T_TMP/t.ip")
EOF
	echo "import-pst DIR --threads $1:         ${w} s wall, $(echo "$u + $s" | bc) s CPU, ${m} KB peak RSS; $(rate "$w")"
	tail -1 "$T_TMP/out.pst" | sed 's/^/    /'
}
run_readpst 1
run_import 1
run_readpst 2
run_import 2
rm -rf "$T_TMP/rp"
