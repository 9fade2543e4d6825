#!/bin/sh
# tests/t_import_props.sh - import-pst loses nothing (issues 12 and 18):
# every property of every object of the file's IPM subtree -- the message
# store, folders, messages, FAI messages, recipients, attachments and
# embedded messages -- is in the store's bags with the same bytes,
# compared line by line with `mbxrescue pst-dump` of the file
# (tests/PROPDUMP.md; tests/store-propdump writes the store's side, with
# the attachments' data as size and hash).  The shared files (support.pst,
# ansi-32bit.pst with its calendar item's named properties,
# outlook-empty.pst), a Unicode OST and 4 KiB-page OSTs made from
# support.pst (tests/pstprop-mk4k), and PSTs our writer exported from the
# demo server (embedded messages, appointments, contacts, tasks).  The
# retention per kind of object is printed (# lines).
. "$top_srcdir/tests/lib.sh"

SHARED="$MBX_SHARED/testdata/pst"
[ -r "$SHARED/support.pst" ] && [ -r "$SHARED/ansi-32bit.pst" ] && [ -r "$SHARED/outlook-empty.pst" ] ||
	skip_all "../shared/testdata/pst is not there"
DUMP="$top_builddir/tests/store-propdump"
MK4K="$top_builddir/tests/pstprop-mk4k"
TAB=$(printf '\t')

# kind OBJECT: the kind of object a dump line is about
kinds() {
	awk -F '\t' '{
		o = $1; k = "store"
		if (o ~ /\/att#[0-9]+\/msg/) { sub(/.*\/att#[0-9]+\/msg/, "", o); k = "embedded " }
		else k = ""
		if ($1 == "store") k = "store"
		else if (o ~ /\/rcpt#[0-9]+$/) k = k "recipient"
		else if (o ~ /\/att#[0-9]+$/) k = k "attachment"
		else if (o ~ /\/fai#[0-9]+$/) k = k "fai"
		else if (o ~ /\/msg#[0-9]+$/ || o == "") k = k "message"
		else k = "folder"
		print k
	}'
}

# compare NAME FILE: import FILE into a new store, compare its dump with the store's
compare() {
	name=$1 file=$2
	db="$T_TMP/$name.db"
	rm -f "$db"
	"$MBX" --db "$db" init --organization Contoso --site HQ --server EXCH1 >/dev/null
	expect_status 0 "$name: imported" "$MBX" --db "$db" import-pst "$file" --mailbox BACK --create
	"$MBX" pst-dump "$file" >"$T_TMP/$name.all"
	top=$(grep -o "^folder:[^/$TAB]*/" "$T_TMP/$name.all" | sort -u)
	check "$name: one IPM subtree ($top)" test "$(echo "$top" | wc -l)" -eq 1
	top=${top#folder:}
	top=${top%/}
	# the objects the import keeps: the store, everything below the IPM subtree
	grep -e "^store$TAB" -e "^folder:$top/" "$T_TMP/$name.all" | LC_ALL=C sort >"$T_TMP/$name.src"
	"$DUMP" "$db" BACK "$top" | LC_ALL=C sort >"$T_TMP/$name.st"
	LC_ALL=C comm -23 "$T_TMP/$name.src" "$T_TMP/$name.st" >"$T_TMP/$name.missing"
	LC_ALL=C comm -13 "$T_TMP/$name.src" "$T_TMP/$name.st" >"$T_TMP/$name.extra"
	check "$name: every property in the store with its bytes ($(wc -l <"$T_TMP/$name.src") of $(wc -l <"$T_TMP/$name.all") lines are below the IPM subtree or the store's)" \
		test ! -s "$T_TMP/$name.missing"
	head -5 "$T_TMP/$name.missing" | sed 's/^/#   missing: /'
	check "$name: nothing the file does not have" test ! -s "$T_TMP/$name.extra"
	head -5 "$T_TMP/$name.extra" | sed 's/^/#   extra: /'
	# retention per kind: properties in the store / in the file
	kinds <"$T_TMP/$name.src" | sort | uniq -c >"$T_TMP/$name.ksrc"
	cut -f1 "$T_TMP/$name.missing" | kinds | sort | uniq -c >"$T_TMP/$name.kmiss"
	while read -r n kind; do
		miss=$(awk -v k="$kind" '{ c = $1; $1 = ""; sub(/^ /, ""); if ($0 == k) print c }' "$T_TMP/$name.kmiss")
		echo "# $name: $kind: $((n - ${miss:-0})) / $n properties"
	done <"$T_TMP/$name.ksrc"
	# what is not imported, and why: the root folder, the IPM subtree's own
	# folder object, search folders and the root's other children
	echo "# $name: not imported: $(grep -v -e "^store$TAB" -e "^folder:$top/" "$T_TMP/$name.all" | cut -f1 | sort -u | tr '\n' ',' | sed 's/,$//')"
}

compare support "$SHARED/support.pst"
compare ansi "$SHARED/ansi-32bit.pst"
check "ansi: the calendar item's named properties are in the store" \
	grep -q "^folder:Top of Personal Folders/Calendar/msg#0$TAB{00062002-0000-0000-C000-000000000046}:0x820D$TAB" "$T_TMP/ansi.st"
compare empty "$SHARED/outlook-empty.pst"
check "empty: the store object (its display name) is the mailbox's bag" grep -q "^store${TAB}0x3001$TAB" "$T_TMP/empty.st"

# OST files (issue 18)
"$MK4K" --unicode-ost "$SHARED/support.pst" "$T_TMP/unicode.ost" &&
	"$MK4K" "$SHARED/support.pst" "$T_TMP/k4.ost" &&
	"$MK4K" "$SHARED/support.pst" "$T_TMP/k4i.ost" --compress-internal ||
	not_ok "pstprop-mk4k makes the OST files"
compare unicode-ost "$T_TMP/unicode.ost"
compare k4-ost "$T_TMP/k4.ost"
compare k4-internal-ost "$T_TMP/k4i.ost"
"$MBX" --db "$T_TMP/k4-ost.db" check >/dev/null 2>&1
expect_status 0 "an OST merges into its mailbox again" "$MBX" --db "$T_TMP/k4-ost.db" import-pst "$T_TMP/unicode.ost" --mailbox BACK
check "an OST and the PST it came from are the same items: all skipped" grep -q "0 items imported, 17 skipped" "$T_TMP/out"

# OSTs that can not be read: the reason named
cp "$T_TMP/unicode.ost" "$T_TMP/wip.ost"
printf '\020' | dd of="$T_TMP/wip.ost" bs=1 seek=513 conv=notrunc 2>/dev/null
expect_status 2 "an OST encrypted with Windows Information Protection is refused" \
	"$MBX" --db "$T_TMP/k4-ost.db" import-pst "$T_TMP/wip.ost" --mailbox WIP --create
check "and the reason named" grep -q "wip.ost: not a readable OST (reader stopped at item 0); its data is encrypted with Windows Information Protection (bCryptMethod 0x10" "$T_TMP/err"
head -c 300000 "$T_TMP/k4.ost" >"$T_TMP/short.ost"
expect_status 2 "a truncated 4 KiB-page OST is refused" \
	"$MBX" --db "$T_TMP/k4-ost.db" import-pst "$T_TMP/short.ost" --mailbox SHORT --create
check "and the reason named" grep -q "short.ost: not a readable OST (reader stopped at item 0); the root of the NBT is unreadable (page lies outside the file" "$T_TMP/err"

# What our writer exports from the demo server: embedded messages,
# appointments, contacts, tasks, HTML bodies.
DEMO=$(demo_db) || skip_all "can not create the demo store"
# JSmith (the embedded message) is orphaned: the adjuster gives him a directory entry first
"$MBX" --db "$DEMO" adjust --create-mailboxes >/dev/null 2>&1
"$MBX" --db "$DEMO" export MAdams JSmith WChen --out "$T_TMP/exported" >/dev/null 2>&1
for f in "$T_TMP"/exported/*.PST; do
	[ -e "$f" ] || { not_ok "the demo exports"; break; }
	b=$(basename "$f" .PST)
	compare "demo-$b" "$f"
done
check "an embedded message's properties were compared" sh -c "grep -q '/att#[0-9]*/msg$TAB' '$T_TMP'/demo-*.src"
done_testing
