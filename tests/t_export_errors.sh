#!/bin/sh
# Bad input and a hostile output directory: a clear error, the right exit
# status, and nothing lost (no partial PST, the store untouched, the mailbox
# not marked verified so --resume redoes it).
. "$top_srcdir/tests/lib.sh"
GEN="$top_builddir/tests/export-genmbx"
DB=$(demo_db) || skip_all "cannot create the demo server"
"$MBX" --db "$DB" adjust --create-mailboxes >/dev/null 2>&1 || skip_all "adjust failed"
"$GEN" "$DB" Fat "Fat, Mailbox" 20 256 || skip_all "export-genmbx failed"

# ---- usage and input errors -------------------------------------------------
expect_status 2 "no mailboxes named" "$MBX" --db "$DB" export --out "$T_TMP/u"
expect_status 2 "no --out" "$MBX" --db "$DB" export --all
expect_status 2 "--all and aliases together" "$MBX" --db "$DB" export --all JSmith --out "$T_TMP/u"
expect_status 2 "unknown alias" "$MBX" --db "$DB" export NoSuchUser --out "$T_TMP/u"
check "the unknown alias is named" grep -q "no mailbox 'NoSuchUser'" "$T_TMP/err"
check "nothing created for an unknown alias" test ! -e "$T_TMP/u"
expect_status 2 "bad --threads" "$MBX" --db "$DB" export --all --out "$T_TMP/u" --threads 0
expect_status 2 "bad --log-level" "$MBX" --db "$DB" export --all --out "$T_TMP/u" --log-level 5
expect_status 2 "missing --mailbox-list file" "$MBX" --db "$DB" export --mailbox-list "$T_TMP/none.txt" --out "$T_TMP/u"
printf '/o=Contoso/ou=HQ/cn=Recipients/cn=JSmith\n# comment\nMAdams\n' > "$T_TMP/list.txt"
expect_status 0 "--mailbox-list with a DN and an alias" "$MBX" --db "$DB" export --mailbox-list "$T_TMP/list.txt" --out "$T_TMP/l"
check "both listed mailboxes exported" test -f "$T_TMP/l/JSMITH.PST" -a -f "$T_TMP/l/MADAMS.PST"
check "only those" test "$(ls "$T_TMP/l" | grep -c PST)" -eq 2
touch "$T_TMP/file"
expect_status 2 "--out naming a file" "$MBX" --db "$DB" export JSmith --out "$T_TMP/file"
check "says it is not a directory" grep -q "is not a directory" "$T_TMP/err"
expect_status 2 "verify of a file that is not a PST" "$MBX" verify "$T_TMP/list.txt"
expect_status 2 "verify without a file" "$MBX" verify

# ---- read-only output directory ------------------------------------------------
RO=$T_TMP/ro
mkdir -p "$RO"
ro_ready=0
if [ "$(id -u)" -ne 0 ]; then
	chmod 0500 "$RO" && ro_ready=1
elif mount --bind "$RO" "$RO" 2>/dev/null; then
	if mount -o remount,bind,ro "$RO" 2>/dev/null; then ro_ready=1; else umount "$RO"; fi
fi
if [ $ro_ready -eq 1 ]; then
	expect_status 2 "read-only output directory" "$MBX" --db "$DB" export JSmith --out "$RO"
	check "clear error: not writable" grep -q "output directory '$RO' is not writable" "$T_TMP/err"
	expect_status 2 "read-only parent: cannot create the output directory" "$MBX" --db "$DB" export JSmith --out "$RO/sub"
	check "clear error names the directory" grep -q "cannot create output directory '$RO/sub'" "$T_TMP/err"
	if [ "$(id -u)" -ne 0 ]; then chmod 0700 "$RO"; else umount "$RO"; fi
else
	echo "ok $((t_n + 1)) # SKIP read-only directory: running as root without mount permission"
	t_n=$((t_n + 1))
fi

# ---- full output directory -----------------------------------------------------
FULL=$T_TMP/full
mkdir -p "$FULL"
how=""
if [ "$(id -u)" -eq 0 ] && mount -t tmpfs -o size=1m tmpfs "$FULL" 2>/dev/null; then
	how=tmpfs
	"$MBX" --db "$DB" export Fat JSmith --out "$FULL" --threads 1 > "$T_TMP/out" 2> "$T_TMP/err"
	st=$?
else
	# The same condition without root: the file size limit (EFBIG).
	how="ulimit -f"
	(trap '' XFSZ; ulimit -f 1024; exec "$MBX" --db "$DB" export Fat JSmith --out "$FULL" --threads 1) \
		> "$T_TMP/out" 2> "$T_TMP/err"
	st=$?
fi
check "full directory ($how): exit 1, some failed ($st)" test "$st" -eq 1
check "the error says what to do" grep -q "free space in the output directory" "$T_TMP/err"
check "no partial PST or temporary for the failed mailbox" test -z "$(ls "$FULL" | grep '^FAT')"
check "the small mailbox still made it" test -f "$FULL/JSMITH.PST"
check "the run summary counts the error" grep -q "1 mailboxes successfully processed. 1 errors encountered" "$T_TMP/out"
[ "$how" = tmpfs ] && mount -o remount,size=64m "$FULL"
expect_status 0 "--resume with space finishes the failed mailbox" "$MBX" --db "$DB" export Fat JSmith --out "$FULL" --resume
check "it skipped the verified one" grep -q "Skipping mailbox 'Smith, John'" "$T_TMP/out"
check "FAT.PST now written" test -f "$FULL/FAT.PST"
[ "$how" = tmpfs ] && umount "$FULL"
done_testing
