#!/bin/sh
# Interrupted exports (issue 14): an export killed with SIGKILL at
# MBX_KILLS points spread over its run (default 10; `make check-long`: 50),
# each time finished by --resume, which leaves every mailbox's PST
# complete, named, verified (pst-check, libpst counts against the store)
# and no temporary behind.  --resume trusts the files, not its job table:
# a final PST truncated, changed in place (same size and time) or removed
# after its run is exported again, and the log says why.  SIGHUP (an SSH
# session dropping) is a clean cancel that --resume finishes.
. "$top_srcdir/tests/lib.sh"
DESC="$top_builddir/tests/export-desc"
GEN="$top_builddir/tests/export-genmbx"
KILLS=${MBX_KILLS:-10}
DB=$(demo_db) || skip_all "cannot create the demo server"
"$MBX" --db "$DB" adjust --create-mailboxes > /dev/null 2>&1 || skip_all "adjust failed"
# A 9 MB mailbox, so that some kills land in the middle of a file.
"$GEN" "$DB" Mid "Mid, Mailbox" 24 384 || skip_all "export-genmbx failed"
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# What every run must end with: the store's counts of each mailbox, and
# the files verify reads back ("ALIAS<TAB>FOLDER<TAB>M<TAB>A<TAB>B", sorted).
REF=$T_TMP/ref
t0=$(now_ms)
"$MBX" --db "$DB" export --all --out "$REF" > /dev/null 2>&1 || skip_all "reference export failed"
full_ms=$(( $(now_ms) - t0 ))
ls "$REF" | grep '\.PST$' | sed 's/\.PST$//' | LC_ALL=C sort > "$T_TMP/names"
nmb=$(wc -l < "$T_TMP/names")
"$DESC" --counts-each "$DB" "$T_TMP/names" |
	awk -F'\t' '/^== / { a = substr($0, 4); next } { printf "%s\t%s\n", a, $0 }' | LC_ALL=C sort > "$T_TMP/want"
counts_of() {
	(cd "$1" && "$MBX" verify *.PST) 2>/dev/null | awk -F'\t' '
		/^[^ ]*\.PST:$/ { a = $0; sub(/\.PST:$/, "", a); next }
		/^FOLDER / || / folders, .* readable by libpst$/ { next }
		{ n = split($0, f, / +/); name = f[1]; for (i = 2; i <= n - 3; i++) name = name " " f[i]
		  printf "%s\t%s\t%s\t%s\t%s\n", a, name, f[n-2], f[n-1], f[n] }' | LC_ALL=C sort
}
counts_of "$REF" > "$T_TMP/refgot"
check "reference: $nmb mailboxes exported in $full_ms ms, as the store holds them" cmp -s "$T_TMP/want" "$T_TMP/refgot"

# complete DIR: every mailbox's PST, nothing half-done, all verified
complete() {
	d=$1
	[ "$(ls "$d" | grep -c '\.PST$')" -eq "$nmb" ] || { echo "#   $(ls "$d" | grep -c '\.PST$') PST files"; return 1; }
	[ -z "$(ls "$d" | grep -e '\.tmp$' -e '\.unverified$')" ] || { echo "#   leftovers: $(ls "$d" | grep -e tmp -e unverified)"; return 1; }
	(cd "$d" && "$MBX" pst-check -q *.PST > /dev/null 2>&1) || { echo "#   pst-check failed"; return 1; }
	counts_of "$d" > "$T_TMP/got"
	cmp -s "$T_TMP/want" "$T_TMP/got" || { diff "$T_TMP/want" "$T_TMP/got" | head -3 | sed 's/^/#   /'; return 1; }
}

# ---- SIGKILL at points spread over the run, then --resume ---------------------
# The delays walk over 0 .. 1.3 times the reference run (a prime step
# spreads them), plus a little for the program's start.
r=0 bad=0 resumed_skips=0
while [ $r -lt "$KILLS" ]; do
	d=$T_TMP/k$r
	delay=$(( (r * 37 % 100) * (full_ms + 40) * 13 / 1000 ))
	"$MBX" --db "$DB" export --all --out "$d" --threads 2 > "$T_TMP/kill.out" 2>&1 &
	pid=$!
	sleep "$(awk -v m="$delay" 'BEGIN { printf "%.3f", m / 1000 }')"
	kill -KILL $pid 2>/dev/null
	wait $pid 2>/dev/null
	if ! "$MBX" --db "$DB" export --all --out "$d" --resume --threads 2 > "$T_TMP/resume.out" 2>&1; then
		bad=$((bad + 1))
		echo "# kill $r after $delay ms: --resume failed:"; tail -3 "$T_TMP/resume.out" | sed 's/^/#   /'
	elif ! complete "$d"; then
		bad=$((bad + 1))
		echo "# kill $r after $delay ms: the directory is not complete"
	fi
	resumed_skips=$((resumed_skips + $(grep -c 'Skipping mailbox' "$T_TMP/resume.out")))
	rm -rf "$d"
	r=$((r + 1))
done
check "$KILLS exports killed with SIGKILL at points over their run, each finished by --resume" test "$bad" -eq 0
echo "# the --resume runs skipped $resumed_skips mailboxes verified before their kill"
check "some kills came after some mailboxes were done" test "$resumed_skips" -gt 0

# ---- files that changed after their run ----------------------------------------------
C=$T_TMP/changed
"$MBX" --db "$DB" export --all --out "$C" > /dev/null 2>&1
size=$(stat -c %s "$C/JSMITH.PST")
truncate -s $((size / 2)) "$C/JSMITH.PST"
cp -p "$C/MADAMS.PST" "$T_TMP/stamp"
printf 'not what was verified' | dd of="$C/MADAMS.PST" bs=1 seek=70000 conv=notrunc 2>/dev/null
touch -r "$T_TMP/stamp" "$C/MADAMS.PST"
rm "$C/WCHEN.PST"
check "MADAMS.PST kept its size and time" test "$(stat -c %s.%Y "$C/MADAMS.PST")" = "$(stat -c %s.%Y "$T_TMP/stamp")"
expect_status 0 "--resume after the files changed" "$MBX" --db "$DB" export --all --out "$C" --resume
check "the truncated file is exported again, and the log says why" grep -q \
	"Mailbox 'Smith, John' ('JSmith') was verified by an earlier run, but '$C/JSMITH.PST' is $((size / 2)) bytes, not the $size it had when it was verified: exporting it again" "$T_TMP/out"
check "the file changed in place is exported again" grep -q "but the content of '$C/MADAMS.PST' changed since it was verified: exporting it again" "$T_TMP/out"
check "the removed file is exported again" grep -q "but '$C/WCHEN.PST' is gone: exporting it again" "$T_TMP/out"
check "the $((nmb - 3)) unchanged ones are skipped" test "$(grep -c "Skipping mailbox .*the file is unchanged" "$T_TMP/out")" -eq $((nmb - 3))
check "three mailboxes copied again" test "$(grep -c "Successfully completed copying" "$T_TMP/out")" -eq 3
check "the directory is complete and verified again" complete "$C"
expect_status 0 "a second --resume skips them all" "$MBX" --db "$DB" export --all --out "$C" --resume
check "all $nmb skipped" test "$(grep -c "Skipping mailbox" "$T_TMP/out")" -eq "$nmb"

# ---- SIGHUP ----------------------------------------------------------------------------
"$GEN" "$DB" ZBig "Zz Big, Mailbox" 80 512 || skip_all "export-genmbx failed"
H=$T_TMP/hup
"$MBX" --db "$DB" export ZBig --out "$H" --threads 1 > "$T_TMP/hup.out" 2> "$T_TMP/hup.err" &
pid=$!
i=0
while [ $i -lt 1500 ] && [ "$(stat -c %s "$H/ZBIG.PST.tmp" 2>/dev/null || echo 0)" -lt 2000000 ]; do sleep 0.01; i=$((i + 1)); done
t0=$(now_ms)
kill -HUP $pid
wait $pid
st=$?
ms=$(( $(now_ms) - t0 ))
check "SIGHUP cancels: exit 1 (status $st), not death by the signal" test "$st" -eq 1
check "within 1.5 s ($ms ms)" test "$ms" -lt 1500
check "the log says it was cancelled and how to finish" sh -c "grep -q 'cancelled; no file was left behind' '$T_TMP/hup.out' &&
	grep -q 'run the same export again with --resume' '$T_TMP/hup.out'"
check "counted as cancelled, not as an error" grep -q "0 errors encountered. 1 cancelled" "$T_TMP/hup.out"
check "nothing half-written is left" test -z "$(ls "$H" | grep -e PST)"
expect_status 0 "--resume finishes it" "$MBX" --db "$DB" export ZBig --out "$H" --resume
check "ZBIG.PST passes pst-check" "$MBX" pst-check -q "$H/ZBIG.PST"
done_testing
