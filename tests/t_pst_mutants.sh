#!/bin/sh
# Bad PST files through the commands that read them: a fixed corpus of
# mutants (MBX_MUTANTS, default 200; `make check-long`: 2,000), made
# deterministically from a seed (tests/pst-mutate) out of the shared PST
# files ($MBX_SHARED/testdata/pst) and one PST exported from the demo
# server.  Each goes through pst-check, verify and import-pst:
#   - every command ends with one of its documented statuses (pst-check
#     0 clean, 1 problems, 2 unreadable; verify 0 or 2; import-pst 0, 1 or
#     2) within its time limit: no crash, no hang, no signal;
#   - a refusal names the file;
#   - an import that is refused (2) leaves the store exactly as it was
#     (sqlite3 .sha3sum, a hash of every table's content, before and after);
#     each mutant is imported into a fresh copy of the same store.
. "$top_srcdir/tests/lib.sh"
MUT="$top_builddir/tests/pst-mutate"
N=${MBX_MUTANTS:-200}
SEED=${MBX_MUTANT_SEED:-20241202}
SRC=${MBX_SHARED:-/nonexistent}/testdata/pst
[ -d "$SRC" ] || skip_all "$SRC is not there"
command -v sqlite3 > /dev/null 2>&1 || skip_all "the sqlite3 command is not installed"
DB=$(demo_db) || skip_all "cannot create the demo server"
"$MBX" --db "$DB" adjust --create-mailboxes > /dev/null 2>&1 || skip_all "adjust failed"
"$MBX" --db "$DB" export JSmith --out "$T_TMP/e" > /dev/null 2>&1 || skip_all "export failed"
set -- "$SRC"/*.pst "$T_TMP/e/JSMITH.PST"
nsrc=$#
[ "$nsrc" -ge 2 ] || skip_all "no shared PST files in $SRC"
t0=$(date +%s)
BASE=$T_TMP/base.db
sqlite3 "$DB" "VACUUM INTO '$BASE'" || skip_all "cannot copy the store"
hash=$(sqlite3 "$BASE" .sha3sum)
nmb=$(sqlite3 "$BASE" "SELECT count(*) FROM mailbox")
M=$T_TMP/mutant.pst
i=0
pc0=0 pc1=0 pc2=0 v0=0 v2=0 im0=0 im1=0 im2=0
badstatus=0 unnamed=0 changed=0 grown=0
while [ $i -lt "$N" ]; do
	k=$((i % nsrc + 1))
	eval "src=\${$k}"
	kind=$("$MUT" "$SEED" "$i" "$src" "$M") || { not_ok "pst-mutate $i"; break; }
	what="mutant $i of $(basename "$src") ($kind)"

	timeout 60 "$MBX" pst-check -q "$M" > "$T_TMP/o1" 2> "$T_TMP/e1"
	s=$?
	case $s in
	0) pc0=$((pc0 + 1)) ;;
	1) pc1=$((pc1 + 1)) ;;
	2) pc2=$((pc2 + 1))
	   grep -q "mutant.pst" "$T_TMP/e1" || { unnamed=$((unnamed + 1)); echo "# $what: pst-check: $(head -1 "$T_TMP/e1")"; } ;;
	*) badstatus=$((badstatus + 1)); echo "# $what: pst-check exited $s" ;;
	esac

	timeout 60 "$MBX" verify "$M" > "$T_TMP/o2" 2> "$T_TMP/e2"
	s=$?
	case $s in
	0) v0=$((v0 + 1)) ;;
	2) v2=$((v2 + 1))
	   grep -q "mutant.pst" "$T_TMP/e2" || { unnamed=$((unnamed + 1)); echo "# $what: verify: $(head -1 "$T_TMP/e2")"; } ;;
	*) badstatus=$((badstatus + 1)); echo "# $what: verify exited $s" ;;
	esac

	rm -f "$DB" "$DB-wal" "$DB-shm" "$DB-journal"
	cp "$BASE" "$DB"
	timeout 60 "$MBX" --db "$DB" import-pst "$M" --mailbox MUTANT --create --timeout 5 \
		> "$T_TMP/o3" 2> "$T_TMP/e3"
	s=$?
	case $s in
	0|1)
		[ $s -eq 0 ] && im0=$((im0 + 1)) || im1=$((im1 + 1))
		[ "$(sqlite3 "$DB" "SELECT count(*) FROM mailbox")" -eq $((nmb + 1)) ] ||
			{ grown=$((grown + 1)); echo "# $what: import-pst said yes, no new mailbox"; } ;;
	2)
		im2=$((im2 + 1))
		grep -q "mutant.pst" "$T_TMP/e3" || { unnamed=$((unnamed + 1)); echo "# $what: import-pst: $(head -1 "$T_TMP/e3")"; }
		[ "$(sqlite3 "$DB" .sha3sum)" = "$hash" ] ||
			{ changed=$((changed + 1)); echo "# $what: a refused import changed the store"; }
		[ "$(sqlite3 "$DB" 'PRAGMA integrity_check')" = ok ] ||
			{ changed=$((changed + 1)); echo "# $what: the store is damaged"; } ;;
	*) badstatus=$((badstatus + 1)); echo "# $what: import-pst exited $s" ;;
	esac
	i=$((i + 1))
done
echo "# $i mutants of $nsrc files (seed $SEED) in $(( $(date +%s) - t0 )) s"
echo "# pst-check: $pc0 clean, $pc1 with problems, $pc2 unreadable; verify: $v0 read, $v2 refused;" \
     "import-pst: $im0 imported, $im1 imported in part, $im2 refused"
check "$N mutants went through pst-check, verify and import-pst" test "$i" -eq "$N"
check "every command ended with a documented status (no crash, hang or signal)" test "$badstatus" -eq 0
check "every refusal names the file" test "$unnamed" -eq 0
check "a refused import leaves the store exactly as it was" test "$changed" -eq 0
check "an accepted import added its mailbox" test "$grown" -eq 0
check "some mutants were refused by each command" test "$pc2" -gt 0 -a "$v2" -gt 0 -a "$im2" -gt 0
done_testing
