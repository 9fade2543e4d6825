#!/bin/sh
# Granular recovery on the demo server (issue 17): `search` finds exactly
# what the store holds (tests/search-desc truth works it out without the
# index), newest first, as lines and as JSON; malformed queries get one
# message with a caret and exit 2; an index that is not built says so and
# `reindex` builds it; `show` prints a message sanitized; `export-items`
# writes exactly those messages into one PST that libpst and
# pst-extractor read back as the store holds them; `delete-items` lists,
# deletes (no longer searched, counted or exported), undoes and purges,
# with an audit record per item.
. "$top_srcdir/tests/lib.sh"
SD="$top_builddir/tests/search-desc"
DB=$(demo_db) || skip_all "cannot create the demo server"

# ---- the hit set of a word is what the store holds --------------------------
ids_of() { "$MBX" --db "$DB" search --limit 0 "$@" 2>/dev/null | awk '{ print $1 }' | sort -n; }
for w in contract maintenance ledger budget quarter notes 陈伟 議事録 由紀 التقرير ملاحظات Zürich; do
	"$SD" truth "$DB" "$w" > "$T_TMP/want"
	ids_of "$w" > "$T_TMP/got"
	n=$(wc -l < "$T_TMP/want")
	if [ "$n" -gt 0 ] && cmp -s "$T_TMP/want" "$T_TMP/got"; then
		ok "search $w: the $n messages that hold it"
	else
		not_ok "search $w: $(wc -l < "$T_TMP/got") hits, the store holds $n"
		diff "$T_TMP/want" "$T_TMP/got" | head -5 | sed 's/^/#   /'
	fi
done
check "a word in another case: the same hits" test "$(ids_of CONTRACT)" = "$(ids_of contract)"
check "diacritics folded: zurich finds Zürich" test "$(ids_of zurich)" = "$(ids_of Zürich)"
check "a phrase finds fewer than its words" \
	test "$(ids_of '"maintenance window"' | wc -l)" -le "$(ids_of maintenance | wc -l)"
check "--count agrees" test "$("$MBX" --db "$DB" search --count contract)" = "$(ids_of contract | wc -l)"

# ---- output ---------------------------------------------------------------------
expect_status 0 "search prints lines" "$MBX" --db "$DB" search --limit 5 contract
check "five lines" test "$(wc -l < "$T_TMP/out")" -eq 5
check "more hits are announced on stderr" grep -q "there are more" "$T_TMP/err"
check "each line: id, date, mailbox, folder, sender, subject" \
	grep -Eq '^ *[0-9]+  20[0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]  [A-Za-z]+ +[^ ].*Contract renewal$' "$T_TMP/out"
"$MBX" --db "$DB" search --limit 0 contract | awk '{ print $2 " " $3 }' > "$T_TMP/dates"
check "newest first" sh -c "sort -r '$T_TMP/dates' | cmp -s - '$T_TMP/dates'"
expect_status 0 "search --json" "$MBX" --db "$DB" search --json --limit 1000 contract
if command -v node >/dev/null 2>&1; then
	check "--json is a list of objects with id, mailbox, folder, date, from, subject" node -e '
		const h = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
		if (!Array.isArray(h) || h.length < 10) process.exit(1);
		for (const x of h) for (const k of ["id", "mailbox", "folder", "date", "from", "subject"])
			if (!(k in x)) process.exit(1);
		if (typeof h[0].id !== "number" || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(h[0].date)) process.exit(1);' "$T_TMP/out"
	check "--json holds every hit" test "$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).length)' "$T_TMP/out")" -eq "$(ids_of contract | wc -l)"
fi
expect_status 0 "--mailbox restricts" "$MBX" --db "$DB" search --limit 0 --mailbox WChen contract
check "only WChen's messages" sh -c "test -s '$T_TMP/out' && ! awk '{ print \$4 }' '$T_TMP/out' | grep -v '^WChen\$'"
check "mailbox: in the query is the same" test "$(ids_of 'contract mailbox:WChen')" = "$(ids_of --mailbox WChen contract)"
expect_status 2 "an unknown --mailbox is exit 2" "$MBX" --db "$DB" search --mailbox Nobody contract
expect_status 0 "no hits is exit 0" "$MBX" --db "$DB" search xyzzyplugh
check "and says so" grep -q "no messages match" "$T_TMP/err"

# ---- malformed queries -------------------------------------------------------------
expect_status 2 "a misspelt field is exit 2" "$MBX" --db "$DB" search 'contract form:smith'
check "one message with the position" grep -q "malformed query at character 10: unknown field 'form:'" "$T_TMP/err"
printf '  contract form:smith\n           ^\n' >"$T_TMP/caret"
check "the query and a caret under the mistake" sh -c "sed -n 2,3p '$T_TMP/err' | cmp -s - '$T_TMP/caret'"
expect_status 2 "an unclosed quote is exit 2" "$MBX" --db "$DB" search '"supply contract'
check "it says where" grep -q "at character 1: this quote is never closed" "$T_TMP/err"
expect_status 2 "a bad date is exit 2" "$MBX" --db "$DB" search 'before:2026-02-30'
expect_status 2 "an unknown mailbox: is exit 2" "$MBX" --db "$DB" search 'mailbox:Nobody'
check "with a caret" grep -q '^  \^' "$T_TMP/err"
expect_status 2 "OR with nothing after it is exit 2" "$MBX" --db "$DB" search 'contract OR'
expect_status 2 "no query is exit 2" "$MBX" --db "$DB" search

# ---- an index that is not built ----------------------------------------------------
if command -v sqlite3 >/dev/null 2>&1; then
	cp "$DB" "$T_TMP/old.db"
	sqlite3 "$T_TMP/old.db" "DELETE FROM meta WHERE key = 'search_index'; DELETE FROM search_doc;" 2>/dev/null
	expect_status 2 "search on a store whose index is not built is exit 2" "$MBX" --db "$T_TMP/old.db" search contract
	check "and says to run reindex" grep -q "search index is not built.*mbxrescue reindex" "$T_TMP/err"
	expect_status 0 "reindex" "$MBX" --db "$T_TMP/old.db" reindex
	check "it says how many" grep -Eq "^Indexed 493 messages in [0-9.]+ s" "$T_TMP/out"
	check "the same hits afterwards" test "$("$MBX" --db "$T_TMP/old.db" search --limit 0 contract | awk '{print $1}' | sort -n)" = "$(ids_of contract)"
else
	echo "# sqlite3 not installed: the not-built index is not tested"
fi

# ---- show ---------------------------------------------------------------------------
id=$(ids_of '"Contract renewal" has:attachment' | head -1)
expect_status 0 "show $id" "$MBX" --db "$DB" show "$id"
check "where it is" grep -Eq '^Mailbox: [A-Za-z]+ \(.*\), folder .+' "$T_TMP/out"
check "its headers" sh -c "grep -q '^From: ' '$T_TMP/out' && grep -q '^To: ' '$T_TMP/out' && grep -q '^Subject: Re: Contract renewal' '$T_TMP/out'"
check "its attachments with sizes" grep -Eq '^  .+ \([0-9.]+ [KM]?B, [0-9]+ bytes\)$' "$T_TMP/out"
check "and its body" grep -q "^--" "$T_TMP/out"
expect_status 2 "show of no message is exit 2" "$MBX" --db "$DB" show 999999
expect_status 2 "show of a non-number is exit 2" "$MBX" --db "$DB" show abc

# Hostile text reaches no terminal: an escape sequence and a bidi override
# in a subject, body and sender.
if command -v sqlite3 >/dev/null 2>&1; then
	sqlite3 "$DB" "UPDATE message SET subject = 'evil' || char(27) || ']0;owned' || char(7) || ' subject' || char(8238) || 'txt.exe', body = 'evil body ' || char(27) || '[2J' || char(13) || 'cleared', sender_name = 'evil' || char(27) || '[31m sender' WHERE id = $id" 2>/dev/null
	"$MBX" --db "$DB" reindex >/dev/null
	expect_status 0 "search finds the hostile message" "$MBX" --db "$DB" search evil
	check "no escape byte reaches the terminal (search)" sh -c "! grep -q \"\$(printf '\\033')\" '$T_TMP/out' && grep -q 'evil^\\[\\]0;owned^G subject' '$T_TMP/out'"
	expect_status 0 "show the hostile message" "$MBX" --db "$DB" show "$id"
	check "no escape byte reaches the terminal (show)" sh -c "! grep -q \"\$(printf '\\033')\" '$T_TMP/out' && ! grep -q \"\$(printf '\\342\\200\\256')\" '$T_TMP/out'"
	expect_status 0 "search --json of it" "$MBX" --db "$DB" search --json evil
	check "no escape byte in the JSON either" sh -c "! grep -q \"\$(printf '\\033')\" '$T_TMP/out'"
fi

# ---- export-items ---------------------------------------------------------------------
Q='contract OR 陈伟 OR التقرير'
ids_of "$Q" > "$T_TMP/x.ids"
n=$(wc -l < "$T_TMP/x.ids")
expect_status 0 "export-items --search ($n messages)" "$MBX" --db "$DB" export-items --search "$Q" --out "$T_TMP/x/items.pst"
check "the file is there, 0600" test "$(stat -c %a "$T_TMP/x/items.pst")" = 600
check "no temporary left" test ! -e "$T_TMP/x/items.pst.tmp"
check "its Exmerge-format log beside it" grep -Eq "^\[[0-9:]{8}\] [0-9]+ mailboxes successfully processed\. 0 errors encountered$" "$T_TMP/x/items.log"
check "the log names each mailbox the Exmerge way" grep -q "Copying data from mailbox 'Chen, Wei (陈伟)' ('WChen') on Server 'EXCH1' to file" "$T_TMP/x/items.log"
# shellcheck disable=SC2046
"$SD" desc "$DB" $(cat "$T_TMP/x.ids") | LC_ALL=C sort > "$T_TMP/x.desc"
check "the description holds exactly the $n messages" test "$(grep -c '^M	' "$T_TMP/x.desc")" -eq "$n"
if PST_COMPARE_READERS=${SEARCH_COMPARE_READERS:-libpst pst-extractor pst-check} \
   timeout 60 bash "$top_srcdir/tests/pst-compare.sh" "$T_TMP/x/items.pst" "$T_TMP/x.desc" > "$T_TMP/cmp" 2>&1; then
	ok "libpst and pst-extractor read exactly those messages under MAILBOX/FOLDER: $(grep '^ok' "$T_TMP/cmp" | cut -c4- | cut -d: -f1 | tr '\n' ' ')"
else
	not_ok "a reader differs from what export-items had to write"; sed 's/^/#   /' "$T_TMP/cmp" | head -20
fi
grep '^skip' "$T_TMP/cmp" | sed 's/^/# /'
expect_status 0 "export-items by id" "$MBX" --db "$DB" export-items "$(head -1 "$T_TMP/x.ids")" "$(tail -1 "$T_TMP/x.ids")" --out "$T_TMP/y.pst"
check "two messages" test "$("$MBX" verify "$T_TMP/y.pst" | awk 'NR > 2 { s += $(NF-2) } END { print s }')" -eq 2
check "its log is y.log" test -s "$T_TMP/y.log"
expect_status 2 "export-items of no message is exit 2" "$MBX" --db "$DB" export-items 999999 --out "$T_TMP/z.pst"
check "and leaves no file" test ! -e "$T_TMP/z.pst"
expect_status 1 "export-items of a query matching nothing is exit 1" "$MBX" --db "$DB" export-items --search xyzzyplugh --out "$T_TMP/z.pst"
expect_status 2 "export-items without --out is exit 2" "$MBX" --db "$DB" export-items 1

# ---- delete-items -----------------------------------------------------------------------
Q='subject:"Server maintenance window"'
ids_of "$Q" > "$T_TMP/d.ids"
n=$(wc -l < "$T_TMP/d.ids")
expect_status 0 "delete-items --dry-run" "$MBX" --db "$DB" delete-items --search "$Q" --dry-run
check "lists the $n items first" test "$(grep -c 'Server maintenance window' "$T_TMP/out")" -eq "$n"
check "and changes nothing" test "$(ids_of "$Q" | wc -l)" -eq "$n"
count_madams() { "$MBX" --db "$DB" search --count 'mailbox:MAdams'; }
before=$(count_madams)
in_madams=$("$MBX" --db "$DB" search --count "$Q mailbox:MAdams")
expect_status 0 "delete-items --search" "$MBX" --db "$DB" delete-items --search "$Q"
check "lists them, then says the run and how to undo" sh -c "test \$(grep -c 'Server maintenance window' '$T_TMP/out') -eq $n && grep -q '^Deleted $n items as run 1; undo with: mbxrescue delete-items --undo 1' '$T_TMP/out'"
check "no longer found" test -z "$(ids_of "$Q")"
check "MAdams counts $in_madams fewer" test "$(count_madams)" -eq "$((before - in_madams))"
if command -v sqlite3 >/dev/null 2>&1; then
	check "an audit record per item" test "$(sqlite3 "$DB" "SELECT count(*) FROM audit WHERE action = 'delete-item' AND detail LIKE 'run 1: mailbox %'")" -eq "$n"
	check "the mailbox's item count" test "$(sqlite3 "$DB" "SELECT item_count FROM mailbox WHERE legacy_dn LIKE '%cn=MAdams'")" -eq \
		"$(sqlite3 "$DB" "SELECT count(*) FROM message g JOIN folder f ON f.id = g.folder_id JOIN mailbox m ON m.id = f.mailbox_id WHERE m.legacy_dn LIKE '%cn=MAdams' AND g.associated = 0")"
fi
expect_status 0 "export MAdams after the delete" "$MBX" --db "$DB" export MAdams --out "$T_TMP/e"
total=$("$MBX" verify "$T_TMP/e/MADAMS.PST" | awk 'NR > 2 { s += $(NF-2) } END { print s }')
if command -v sqlite3 >/dev/null 2>&1; then
	held=$(sqlite3 "$DB" "SELECT count(*) FROM deleted_item d JOIN mailbox m ON m.id = d.mailbox_id WHERE m.legacy_dn LIKE '%cn=MAdams'")
	left=$(sqlite3 "$DB" "SELECT count(*) FROM message g JOIN folder f ON f.id = g.folder_id JOIN mailbox m ON m.id = f.mailbox_id WHERE m.legacy_dn LIKE '%cn=MAdams'")
	check "the $held deleted items are not exported ($total messages in the PST, $left in MAdams' folders)" \
		test "$held" -gt 0 -a "$total" -eq "$left"
fi
expect_status 0 "show of a deleted item still works" "$MBX" --db "$DB" show "$(head -1 "$T_TMP/d.ids")"
check "and says it is deleted" grep -q "^Deleted: by delete-items run 1" "$T_TMP/out"
expect_status 2 "export-items of a deleted item is exit 2" "$MBX" --db "$DB" export-items "$(head -1 "$T_TMP/d.ids")" --out "$T_TMP/w.pst"
check "it says to undo first" grep -q "delete-items --undo 1" "$T_TMP/err"
expect_status 2 "deleting it again is exit 2" "$MBX" --db "$DB" delete-items "$(head -1 "$T_TMP/d.ids")"
expect_status 0 "delete-items --list" "$MBX" --db "$DB" delete-items --list
check "the run, its items and what chose them" grep -Eq "^run 1  [0-9-]+ [0-9:]+  [^ ]+  $n items, $n held  subject:\"Server maintenance window\"" "$T_TMP/out"
expect_status 0 "delete-items --undo" "$MBX" --db "$DB" delete-items --undo
check "restores them" test "$(ids_of "$Q")" = "$(cat "$T_TMP/d.ids")"
check "MAdams counts them again" test "$(count_madams)" -eq "$before"
expect_status 1 "nothing more to undo is exit 1" "$MBX" --db "$DB" delete-items --undo
first=$(head -1 "$T_TMP/d.ids")
expect_status 0 "delete one by id" "$MBX" --db "$DB" delete-items "$first"
expect_status 0 "purge --dry-run" "$MBX" --db "$DB" delete-items --purge --dry-run
check "lists what would go" grep -q "Would purge 1 items" "$T_TMP/out"
expect_status 0 "purge" "$MBX" --db "$DB" delete-items --purge
check "it is gone for good" sh -c "! '$MBX' --db '$DB' show $first >/dev/null 2>&1"
expect_status 1 "and can not be undone" "$MBX" --db "$DB" delete-items --undo 2
check "the others are still found" test "$(ids_of "$Q" | wc -l)" -eq "$((n - 1))"
expect_status 2 "delete-items with nothing to delete is exit 2" "$MBX" --db "$DB" delete-items
expect_status 2 "delete-items --undo with --search is exit 2" "$MBX" --db "$DB" delete-items --undo --search x
done_testing
