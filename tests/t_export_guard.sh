#!/bin/sh
# Outputs guarded (issue 14): one export at a time per output directory
# (a second says at once who holds it, exits 2 and touches nothing);
# outputs never follow symbolic links (the export's log, import-pst --log);
# an output directory other users may write to and that is not ours is
# refused unless --force-out-dir; a file size limit (ulimit -f) is an
# error like a full disk, not death by SIGXFSZ; a read-only store is fine
# for the commands that only read it, and those leave no -wal/-shm files;
# a full store disk says so; the reader child's program can be named
# (MBX_READER_EXE).
. "$top_srcdir/tests/lib.sh"
GEN="$top_builddir/tests/export-genmbx"
DB=$(demo_db) || skip_all "cannot create the demo server"
"$MBX" --db "$DB" adjust --create-mailboxes > /dev/null 2>&1 || skip_all "adjust failed"
"$GEN" "$DB" ZBig "Zz Big, Mailbox" 80 512 || skip_all "export-genmbx failed"
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
listing() { (cd "$1" && stat -c '%n %s %Y.%y %a' . * .mbxrescue.lock && cksum < mbxrescue.log) 2>&1; }

# ---- two exports into one directory -------------------------------------------
O=$T_TMP/o
"$MBX" --db "$DB" export ZBig --out "$O" --threads 1 > "$T_TMP/a.out" 2>&1 &
pid=$!
i=0
while [ $i -lt 1500 ] && [ ! -e "$O/ZBIG.PST.tmp" ]; do sleep 0.01; i=$((i + 1)); done
kill -STOP $pid
# stopped for sure (a write in flight ends first), and its last writes seen
i=0
while [ $i -lt 100 ] && [ "$(cut -d' ' -f3 /proc/$pid/stat 2>/dev/null)" != T ]; do sleep 0.01; i=$((i + 1)); done
sleep 0.2
listing "$O" > "$T_TMP/before"
t0=$(now_ms)
expect_status 2 "a second export into the same directory is refused" "$MBX" --db "$DB" export --all --out "$O"
ms=$(( $(now_ms) - t0 ))
check "at once ($ms ms)" test "$ms" -lt 3000
check "it names the process that holds the directory" grep -q "output directory '$O' is in use by another export: PID $pid [^ ]*mbxrescue .*export ZBig" "$T_TMP/err"
listing "$O" > "$T_TMP/after"
if cmp -s "$T_TMP/before" "$T_TMP/after"; then ok "and touched nothing there (files, times, log)"
else not_ok "and touched nothing there (files, times, log)"; diff "$T_TMP/before" "$T_TMP/after" | sed 's/^/#   /'; fi
kill -CONT $pid
wait $pid
check "the first export finishes (status $?)" test -f "$O/ZBIG.PST"
expect_status 0 "once it is done, the directory is free again" "$MBX" --db "$DB" export JSmith --out "$O"

# Overlapping pairs: each either runs or is refused at once; the directory
# ends complete and verified every time.
p=0 bad=0
while [ $p -lt 5 ]; do
	P=$T_TMP/pair$p
	"$MBX" --db "$DB" export --all --out "$P" > "$T_TMP/p1" 2>&1 &
	a=$!
	sleep "0.0$((p * 2))"
	"$MBX" --db "$DB" export --all --out "$P" --resume > "$T_TMP/p2" 2>&1 &
	b=$!
	wait $a; sa=$?
	wait $b; sb=$?
	case "$sa.$sb" in
	0.0|0.2|2.0) ;;
	*) bad=$((bad + 1)); echo "# pair $p: exit $sa and $sb"; tail -2 "$T_TMP/p1" "$T_TMP/p2" | sed 's/^/#   /' ;;
	esac
	if [ "$(ls "$P" | grep -c '\.PST$')" -ne 13 ] || [ -n "$(ls "$P" | grep -e '\.tmp$' -e unverified)" ] ||
	   ! (cd "$P" && "$MBX" pst-check -q *.PST > /dev/null 2>&1); then
		bad=$((bad + 1)); echo "# pair $p: the directory is not complete"
	fi
	p=$((p + 1))
done
check "5 overlapping pairs of exports into one directory: no failure, complete results" test "$bad" -eq 0

# ---- outputs never follow symbolic links -----------------------------------------
echo "precious" > "$T_TMP/victim"
L=$T_TMP/l
mkdir -m 700 "$L"
ln -s "$T_TMP/victim" "$L/mbxrescue.log"
expect_status 2 "an export whose log is a symbolic link is refused" "$MBX" --db "$DB" export JSmith --out "$L"
check "it says why" grep -q "log file '$L/mbxrescue.log' is a symbolic link: refusing to follow it" "$T_TMP/err"
check "the file it points to is untouched" test "$(cat "$T_TMP/victim")" = precious
check "no PST written" test -z "$(ls "$L" | grep PST)"
cnt=$(sqlite3 "$DB" "SELECT count(*) FROM mailbox" 2>/dev/null || echo x)
ln -s "$T_TMP/victim" "$T_TMP/import.log"
expect_status 2 "import-pst --log to a symbolic link is refused" \
	"$MBX" --db "$DB" import-pst "$O/ZBIG.PST" --mailbox New1 --create --log "$T_TMP/import.log"
check "the file it points to is untouched" test "$(cat "$T_TMP/victim")" = precious
check "nothing imported" test "$(sqlite3 "$DB" "SELECT count(*) FROM mailbox" 2>/dev/null || echo x)" = "$cnt"
expect_status 2 "a --log that is a directory is refused" "$MBX" --db "$DB" export JSmith --out "$L" --log "$T_TMP"

# ---- a directory others may write to ---------------------------------------------
if [ "$(id -u)" -eq 0 ] && id nobody > /dev/null 2>&1; then
	W=$T_TMP/world
	mkdir "$W" && chown nobody "$W" && chmod 777 "$W"
	expect_status 2 "a world-writable output directory of another user is refused" \
		"$MBX" --db "$DB" export JSmith --out "$W"
	check "it says why and what to do" grep -q "is writable by everyone and belongs to user $(id -u nobody), not to you: .*--force-out-dir" "$T_TMP/err"
	check "nothing written there" test -z "$(ls -A "$W")"
	expect_status 0 "--force-out-dir uses it anyway" "$MBX" --db "$DB" export JSmith --out "$W" --force-out-dir
else
	ok "# SKIP other users' directories need root"
fi

# ---- a file size limit --------------------------------------------------------------
F=$T_TMP/fsize
# 8 MB (dash counts 512-byte blocks, bash 1024-byte ones: at least 4 MB
# either way, well under ZBIG.PST's 40 MB, well over the log and the WAL's
# first frames).
sh -c "ulimit -f 16384 && exec '$MBX' --db '$DB' export ZBig --out '$F'" > "$T_TMP/out" 2> "$T_TMP/err"
st=$?
check "over ulimit -f the export fails like a full disk (status $st, not 153 = SIGXFSZ)" test "$st" -eq 1
check "it says so" grep -q "File too large" "$T_TMP/err"
check "nothing half-written is left" test -z "$(ls "$F" | grep PST)"
expect_status 0 "without the limit --resume finishes it" "$MBX" --db "$DB" export ZBig --out "$F" --resume

# ---- read-only stores, no leftovers ---------------------------------------------------
R=$T_TMP/ro.db
cp "$DB" "$R"
chmod 444 "$R"
"$MBX" --db "$R" check > /dev/null 2> "$T_TMP/err"
st=$?
check "check works on a read-only store (status $st)" test "$st" -le 1
"$MBX" --db "$R" export-directory --created-by-adjuster > /dev/null 2> "$T_TMP/err"
check "export-directory too (status $?)" test "$(cat "$T_TMP/err")" = ""
rm -f "$R" "$R-wal" "$R-shm"
W2=$T_TMP/w.db
cp "$DB" "$W2"
"$MBX" --db "$W2" export-directory --created-by-adjuster > /dev/null
check "export-directory leaves no -wal or -shm file" test ! -e "$W2-wal" -a ! -e "$W2-shm"
"$MBX" --db "$W2" check > /dev/null
check "nor does check" test ! -e "$W2-wal" -a ! -e "$W2-shm"

# ---- the store's disk is full ---------------------------------------------------------
if [ "$(id -u)" -eq 0 ] && command -v unshare > /dev/null 2>&1 &&
   unshare -m sh -c "mount -t tmpfs -o size=1m tmpfs '$T_TMP'" 2> /dev/null; then
	cp "$DB" "$T_TMP/full.db"
	size=$(( ($(stat -c %s "$DB") / 1048576 + 2) * 1048576 ))
	unshare -m sh -c "mkdir -p '$T_TMP/mnt' && mount -t tmpfs -o size=$size tmpfs '$T_TMP/mnt' &&
		cp '$T_TMP/full.db' '$T_TMP/mnt/s.db' &&
		fallocate -l \$(( \$(df -B1 --output=avail '$T_TMP/mnt' | tail -1) - 8192 )) '$T_TMP/mnt/fill' &&
		'$MBX' --db '$T_TMP/mnt/s.db' check" > "$T_TMP/out" 2> "$T_TMP/err"
	check "a store disk with 8 KB free says the disk is full (status $?)" grep -q "the disk is full" "$T_TMP/err"
else
	ok "# SKIP a small tmpfs needs root and a mount namespace"
fi

# ---- the reader's program ---------------------------------------------------------------
MBX_READER_EXE=$MBX "$MBX" verify "$O/JSMITH.PST" > /dev/null 2>&1
check "MBX_READER_EXE names the reader's program (status $?)" test $? -eq 0
MBX_READER_EXE=/nonexistent/program "$MBX" verify "$O/JSMITH.PST" > /dev/null 2>&1
check "a reader program that can not run: the forked copy reads (status $?)" test $? -eq 0
done_testing
