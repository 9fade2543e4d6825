#!/bin/sh
# tests/t_tui_badinput.sh - bad store files: one clear error line naming the
# file, exit status 2, and the file untouched.
. "$top_srcdir/tests/lib.sh"

has() { grep -qF -- "$2" "$1"; }
one_line() { test "$(wc -l < "$T_TMP/err")" -eq 1; }
sum() { cksum < "$1"; }

db=$(demo_db)
check "a demo copy" test -f "$db"

f="$T_TMP/missing.db"
expect_status 2 "missing file" "$MBX" --db "$f" check
check "one line" one_line
check "names the file" has "$T_TMP/err" "$f"
check "is not created" test ! -e "$f"

f="$T_TMP/$(printf 'x\033[31mred')"
expect_status 2 "missing file with a control character in its name" "$MBX" --db "$f" check
check "the name is shown sanitized" has "$T_TMP/err" "x^[[31mred"
check "no raw escape reaches the terminal" sh -c "! grep -q \"\$(printf '\\033')\" '$T_TMP/err'"

expect_status 2 "a directory" "$MBX" --db "$T_TMP" check
check "one line" one_line

f="$T_TMP/garbage.db"
head -c 20000 /dev/urandom > "$f"; before=$(sum "$f")
expect_status 2 "garbage file" "$MBX" --db "$f" adjust
check "says it is not a store" has "$T_TMP/err" "is not an mbxrescue store"
check "one line" one_line
check "untouched" test "$(sum "$f")" = "$before"

f="$T_TMP/text.db"
echo "SQLite format 3" > "$f"; before=$(sum "$f")
expect_status 2 "a short file" "$MBX" --db "$f" check
check "untouched" test "$(sum "$f")" = "$before"

f="$T_TMP/trunc.db"
size=$(wc -c < "$db")
head -c $((size / 2)) "$db" > "$f"; before=$(sum "$f")
expect_status 2 "truncated store" "$MBX" --db "$f" check
check "says truncated" has "$T_TMP/err" "truncated"
check "names the file" has "$T_TMP/err" "$f"
check "one line" one_line
check "untouched" test "$(sum "$f")" = "$before"

f="$T_TMP/pages.db"
cp "$db" "$f"
# Pages 2-11 (after the header page) zeroed: the tables the check reads first.
# The page size is in the header (bytes 16-17, big-endian; 1 means 65536).
psz=$(od -An -j16 -N2 -tu1 "$f" | awk '{ p = $1 * 256 + $2; print p == 1 ? 65536 : p }')
dd if=/dev/zero of="$f" bs="$psz" seek=1 count=10 conv=notrunc 2>/dev/null
before=$(sum "$f")
expect_status 2 "store with zeroed pages" "$MBX" --db "$f" check
check "says corrupt" has "$T_TMP/err" "corrupt"
check "one line" one_line
check "untouched" test "$(sum "$f")" = "$before"

f="$T_TMP/newer.db"
cp "$db" "$f"
# PRAGMA user_version lives at offset 60 of the header (big-endian): 99.
printf '\000\000\000\143' | dd of="$f" bs=1 seek=60 conv=notrunc 2>/dev/null
before=$(sum "$f")
expect_status 2 "newer schema" "$MBX" --db "$f" adjust
check "says newer" has "$T_TMP/err" "newer than this mbxrescue"
check "one line" one_line
check "untouched" test "$(sum "$f")" = "$before"

f="$T_TMP/ro.db"
cp "$db" "$f"; chmod 444 "$f"; before=$(sum "$f")
expect_status 2 "read-only file" "$MBX" --db "$f" adjust
check "says read-only" has "$T_TMP/err" "read-only"
check "one line" one_line
check "untouched" test "$(sum "$f")" = "$before"
chmod 600 "$f"

f="$T_TMP/unreadable.db"
cp "$db" "$f"; chmod 000 "$f"
if [ "$(id -u)" -eq 0 ]; then
	ok "# SKIP unreadable file: root reads any file"
else
	expect_status 2 "unreadable file" "$MBX" --db "$f" check
	check "says it can not read" has "$T_TMP/err" "can not read"
	check "one line" one_line
fi
chmod 600 "$f"

mkdir "$T_TMP/rodir"; cp "$db" "$T_TMP/rodir/x.db"; chmod 555 "$T_TMP/rodir"
if [ "$(id -u)" -eq 0 ]; then
	ok "# SKIP read-only directory: root writes anywhere"
else
	expect_status 2 "store in a read-only directory" "$MBX" --db "$T_TMP/rodir/x.db" check
	check "says the directory is not writable" has "$T_TMP/err" "directory"
fi
chmod 755 "$T_TMP/rodir"

expect_status 2 "a bad flag" "$MBX" --db "$db" adjust --frobnicate
check "gets the usage line" has "$T_TMP/err" "usage: mbxrescue [--db PATH] adjust"

done_testing
