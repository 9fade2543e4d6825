#!/bin/sh
# tests/t_import_pstdir.sh - `import-pst DIR`: a folder of PST files into a
# new recovery server, one mailbox per file: aliases from the file names
# (sanitised, unique; split parts into one mailbox), display names from
# the files' message stores, --mailbox-map, parallel imports (spooled) and
# one at a time give the same store, a bad file fails alone (exit 1) and
# leaves nothing, a malformed map fails with its line (exit 2) and
# imports nothing.  Files: ../shared/testdata/pst and PSTs exported from
# the demo server.
. "$top_srcdir/tests/lib.sh"

SHARED="$MBX_SHARED/testdata/pst"
[ -r "$SHARED/support.pst" ] && [ -r "$SHARED/ansi-32bit.pst" ] && [ -r "$SHARED/outlook-empty.pst" ] ||
	skip_all "../shared/testdata/pst is not there"
DEMO=$(demo_db) || skip_all "can not create the demo store"
"$MBX" --db "$DEMO" export ASchmidt WChen --out "$T_TMP/exported" >/dev/null 2>&1 ||
	skip_all "can not export from the demo server"

P="$T_TMP/psts"
mkdir -p "$P/old"
cp "$SHARED/support.pst" "$SHARED/ansi-32bit.pst" "$SHARED/outlook-empty.pst" "$P/"
cp "$T_TMP/exported/ASCHMIDT.PST" "$T_TMP/exported/WCHEN.PST" "$P/"
cp "$SHARED/support.pst" "$P/john smith.pst"
cp "$SHARED/support.pst" "$P/old/ARCHIVE.PST"
cp "$SHARED/support.pst" "$P/.hidden.pst"
echo "not a pst" >"$P/notes.txt"
chmod 644 "$P"/*.pst "$P"/*.PST

newdb() { rm -f "$1" "$1-wal" "$1-shm"; "$MBX" --db "$1" init --organization Contoso --site HQ --server EXCH1 >/dev/null; }
mailboxes() { "$MBX" --db "$1" check 2>/dev/null | sed -n 's/^FINDING orphaned-mailbox *\(.*\)  (since .*/\1/p' | sort; }

DB="$T_TMP/new.db"
newdb "$DB"
expect_status 0 "a folder of PSTs into a new server" "$MBX" --db "$DB" import-pst "$P"
check "says how many and how many at a time" grep -q "^Importing 6 PST files, [0-9]* at a time: one store mailbox each$" "$T_TMP/out"
check "one summary line" grep -q "^6 files: 6 imported (121 items, 0 failed items; 6 new mailboxes), 0 failed, in " "$T_TMP/out"
check "a table row per file" test "$(grep -c "^$P/.* (new) " "$T_TMP/out")" -eq 6
check "the alias is the file name, upper-cased" grep -q "^$P/support.pst  *SUPPORT (new)  *17  *0 " "$T_TMP/out"
check "a space becomes '_'" grep -q "^$P/john smith.pst  *JOHN_SMITH (new)  *17 " "$T_TMP/out"
check "an exported PST" grep -q "^$P/ASCHMIDT.PST  *ASCHMIDT (new)  *43  *0 " "$T_TMP/out"
check "Exmerge-style log lines for each file" test "$(grep -c "Successfully merged data from file" "$T_TMP/out")" -eq 6
check "subfolders are not searched" sh -c "! grep -q ARCHIVE '$T_TMP/out'"
check "hidden files and other files are left out" sh -c "! grep -q 'hidden\|notes' '$T_TMP/out'"
mailboxes "$DB" >"$T_TMP/mb"
check "six mailboxes in the store" test "$(wc -l <"$T_TMP/mb")" -eq 6
check "named after the message store: Schmidt, Anna" grep -qx "Schmidt, Anna" "$T_TMP/mb"
check "named after the message store: Chen, Wei (陈伟)" grep -qx "Chen, Wei (陈伟)" "$T_TMP/mb"
"$MBX" --db "$DB" check >"$T_TMP/check" 2>&1
check "legacy DN from the alias" grep -q "/o=Contoso/ou=HQ/cn=Recipients/cn=JOHN_SMITH is in the information store" "$T_TMP/check"

expect_status 0 "the same folder again" "$MBX" --db "$DB" import-pst "$P"
check "merges: nothing new" grep -q "^6 files: 6 imported (0 items, 0 failed items; 0 new mailboxes), 0 failed" "$T_TMP/out"
check "still six mailboxes" test "$(mailboxes "$DB" | wc -l)" -eq 6

# One at a time (no spool) gives the same store as side by side.
DB1="$T_TMP/one.db"
newdb "$DB1"
expect_status 0 "--threads 1" "$MBX" --db "$DB1" import-pst "$P" --threads 1
check "one at a time" grep -q "^Importing 6 PST files, 1 at a time" "$T_TMP/out"
check "the same mailboxes" test "$(mailboxes "$DB1")" = "$(mailboxes "$DB")"
check "the same counts" grep -q "^6 files: 6 imported (121 items, 0 failed items; 6 new mailboxes)" "$T_TMP/out"
check "the table names every file once" test "$(grep -c "^$P/" "$T_TMP/out")" -eq 6

# A bad file among good ones: it fails alone, exit 1, nothing of it stays.
B="$T_TMP/withbad"
mkdir "$B"
cp "$SHARED/support.pst" "$B/GOOD.PST"
head -c 200000 /dev/urandom >"$B/BROKEN.PST"
head -c 20000 "$SHARED/support.pst" >"$B/TRUNCATED.PST"
DB2="$T_TMP/bad.db"
newdb "$DB2"
expect_status 1 "a folder with broken files" "$MBX" --db "$DB2" import-pst "$B"
check "the good file is imported" grep -q "^$B/GOOD.PST  *GOOD (new)  *17 " "$T_TMP/out"
check "each bad file has its error" test "$(grep -c "^    error: $B/.*: not a readable PST" "$T_TMP/out")" -eq 2
check "the summary counts them" grep -q "^3 files: 1 imported (17 items, 0 failed items; 1 new mailbox), 2 failed" "$T_TMP/out"
check "only the good file's mailbox exists" test "$(mailboxes "$DB2")" = "support"
check "libpst wrote nothing to the terminal" test ! -s "$T_TMP/err"

# Split parts (export --max-pst-size) and names that collide.
S="$T_TMP/split"
mkdir "$S"
cp "$P/ASCHMIDT.PST" "$S/ASCHMIDT.PST"
cp "$P/ASCHMIDT.PST" "$S/ASCHMIDT-002.PST"
cp "$SHARED/ansi-32bit.pst" "$S/a b.pst"
cp "$SHARED/ansi-32bit.pst" "$S/A_B.PST"
cp "$SHARED/ansi-32bit.pst" "$S/con.pst"
DB3="$T_TMP/split.db"
newdb "$DB3"
expect_status 0 "split parts and colliding names" "$MBX" --db "$DB3" import-pst "$S"
check "ALIAS-002.PST goes into ALIAS's mailbox" test "$(grep -c "^$S/ASCHMIDT.*PST  *ASCHMIDT" "$T_TMP/out")" -eq 2
check "once: the part merges into it" grep -q "(46 items, 0 failed items; 4 new mailboxes)" "$T_TMP/out"
check "colliding names get _2" grep -q "^$S/a b.pst  *A_B_2 (new) " "$T_TMP/out"
check "a Windows device name is not an alias" grep -q "^$S/con.pst  *CON_ (new) " "$T_TMP/out"

# --mailbox-map: explicit aliases and display names.
cat >"$T_TMP/map.csv" <<'EOF'
file,alias,display name
support.pst,support.team,"Support, Team"
john smith.pst,JSmith,"Smith, John ""JS"""
WCHEN.PST,WChen
EOF
DB4="$T_TMP/map.db"
newdb "$DB4"
expect_status 0 "with --mailbox-map" "$MBX" --db "$DB4" import-pst "$P" --mailbox-map "$T_TMP/map.csv"
check "the map's alias" grep -q "^$P/support.pst  *support.team (new) " "$T_TMP/out"
check "the map's alias for a file with a space" grep -q "^$P/john smith.pst  *JSmith (new) " "$T_TMP/out"
mailboxes "$DB4" >"$T_TMP/mb4"
check "the map's display name" grep -qx "Support, Team" "$T_TMP/mb4"
check "quotes in the display name" grep -qx 'Smith, John "JS"' "$T_TMP/mb4"
check "no display name in the map: the message store's" grep -qx "Chen, Wei (陈伟)" "$T_TMP/mb4"
check "files the map does not name: from the file name" grep -q "^$P/ASCHMIDT.PST  *ASCHMIDT (new) " "$T_TMP/out"

# A malformed map: exit 2, one line with the map's line, nothing imported.
badmap() {
	desc=$1 line=$2 text=$3
	DB5="$T_TMP/map5.db"
	newdb "$DB5"
	expect_status 2 "map: $desc" "$MBX" --db "$DB5" import-pst "$P" --mailbox-map "$T_TMP/bad.csv"
	check "map: $desc: names line $line" grep -q "^mbxrescue: $T_TMP/bad.csv:$line: $text" "$T_TMP/err"
	check "map: $desc: one line" test "$(wc -l <"$T_TMP/err")" -eq 1
	check "map: $desc: nothing imported" test -z "$(mailboxes "$DB5")"
}
printf 'file,alias\nsupport.pst,Two Words\n' >"$T_TMP/bad.csv"
badmap "an alias with a space" 2 "'Two Words' can not be a mailbox alias"
printf 'support.pst,A\nnothere.pst,B\n' >"$T_TMP/bad.csv"
badmap "a file not being imported" 2 "'nothere.pst' is not among the files being imported"
printf 'support.pst,A\nWCHEN.PST,B\nsupport.pst,C\n' >"$T_TMP/bad.csv"
badmap "a file named twice" 3 "support.pst is named already on line 1"
printf 'support.pst,A,B,C\n' >"$T_TMP/bad.csv"
badmap "four fields" 1 "4 fields; give file,alias\[,display name\]"
printf 'support.pst,A\n"WCHEN.PST,B\n' >"$T_TMP/bad.csv"
badmap "an unterminated quote" 2 "malformed CSV"
printf 'support.pst,,Name\n' >"$T_TMP/bad.csv"
badmap "an empty alias" 1 "'' can not be a mailbox alias"
expect_status 2 "a map that is not there" "$MBX" --db "$DB" import-pst "$P" --mailbox-map "$T_TMP/none.csv"

# Usage.
expect_status 2 "--mailbox with a folder" "$MBX" --db "$DB" import-pst "$P" --mailbox X
check "says why" grep -q -- "--mailbox names the mailbox of one file" "$T_TMP/err"
expect_status 2 "--display-name with a folder" "$MBX" --db "$DB" import-pst "$P" --display-name X
expect_status 2 "--threads 0" "$MBX" --db "$DB" import-pst "$P" --threads 0
mkdir "$T_TMP/empty"
expect_status 2 "a folder without PSTs" "$MBX" --db "$DB" import-pst "$T_TMP/empty"
check "says so, and that subfolders are not searched" grep -q "no .pst or .ost files in $T_TMP/empty (its subfolders are not searched" "$T_TMP/err"
expect_status 2 "a path that is not there" "$MBX" --db "$DB" import-pst "$P" "$T_TMP/nothere"
# The same file twice (itself and through its folder) is imported once.
DB6="$T_TMP/twice.db"
newdb "$DB6"
expect_status 0 "a file and its folder" "$MBX" --db "$DB6" import-pst "$P/support.pst" "$P"
check "six files, not seven" grep -q "^6 files: 6 imported" "$T_TMP/out"
done_testing
