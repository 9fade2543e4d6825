#!/bin/sh
# tests/t_tui_init.sh - `mbxrescue --db PATH init`: a new, empty recovery
# server (0600 file, 0700 directories made as needed), what to do next,
# the refusal of an existing path (the file untouched), bad names, and the
# other commands on a path that does not exist pointing at init.
. "$top_srcdir/tests/lib.sh"

NEW="$T_TMP/rescue/2024/new.db"
umask 022
expect_status 0 "init a new store in directories that do not exist" "$MBX" --db "$NEW" init \
	--organization Contoso --site HQ --server EXCH1
check "the store file is private (0600)" test "$(stat -c %a "$NEW")" = 600
check "the directories made are private (0700)" test "$(stat -c %a "$T_TMP/rescue")$(stat -c %a "$T_TMP/rescue/2024")" = 700700
check "no temporary file left" test "$(ls -A "$T_TMP/rescue/2024" | grep -vc '^new\.db')" -eq 0
check "says what it created" grep -q "^  server EXCH1, site HQ, organization Contoso; SMTP addresses %a@hq.contoso.com$" "$T_TMP/out"
check "says to import PSTs next" grep -q "mbxrescue --db $NEW import-pst " "$T_TMP/out"
check "says to import the directory next" grep -q "mbxrescue --db $NEW import-directory " "$T_TMP/out"
expect_status 0 "the new server is consistent" "$MBX" --db "$NEW" check
check "and is the one named" grep -q "^Consistency check of EXCH1 (site HQ, organization Contoso)$" "$T_TMP/out"
"$MBX" --db "$NEW" check --json >"$T_TMP/json" 2>&1
check "with no mailboxes and no recipients to find" grep -q '"inconsistencies": 0' "$T_TMP/json"

sum=$(cksum <"$NEW")
expect_status 2 "init refuses an existing file" "$MBX" --db "$NEW" init --organization Other --site X --server Y
check "says so and what to do" grep -q "^mbxrescue: $NEW already exists; nothing was changed: open it with mbxrescue --db $NEW" "$T_TMP/err"
check "one line" test "$(wc -l <"$T_TMP/err")" -eq 1
check "the file is untouched" test "$(cksum <"$NEW")" = "$sum"
ln -s "$T_TMP/nowhere.db" "$T_TMP/dangling.db"
expect_status 2 "init refuses a dangling symbolic link" "$MBX" --db "$T_TMP/dangling.db" init --organization O --site S --server X
check "and does not follow it" test ! -e "$T_TMP/nowhere.db"
expect_status 2 "init refuses a directory" "$MBX" --db "$T_TMP/rescue/" init --organization O --site S --server X

# Bad names: exit 2, one line, nothing created.
bad() {
	desc=$1; shift
	expect_status 2 "$desc" "$MBX" --db "$T_TMP/bad/x.db" init "$@"
	check "$desc: one line (and the usage)" test "$(grep -vc '^usage: ' "$T_TMP/err")" -eq 1
	check "$desc: nothing created" test ! -e "$T_TMP/bad"
}
bad "an organization with '/'" --organization "Con/toso" --site HQ --server EXCH1
check "names the organization" grep -q "organization 'Con/toso'" "$T_TMP/err"
bad "a site with '='" --organization Contoso --site "H=Q" --server EXCH1
bad "a server name of 16 characters" --organization Contoso --site HQ --server ABCDEFGHIJKLMNOP
check "says what a server name is" grep -q "not a Windows computer name: give up to 15 letters" "$T_TMP/err"
bad "a server name with a space" --organization Contoso --site HQ --server "EXCH 1"
bad "an SMTP policy without @" --organization Contoso --site HQ --server EXCH1 --smtp-policy "%a"
bad "an SMTP policy without a field" --organization Contoso --site HQ --server EXCH1 --smtp-policy "x@contoso.com"
bad "an unknown % field" --organization Contoso --site HQ --server EXCH1 --smtp-policy "%x@contoso.com"
bad "no --server" --organization Contoso --site HQ
check "asks for all three" grep -q -- "--organization, --site and --server" "$T_TMP/err"
bad "an unknown option" --organization Contoso --site HQ --server EXCH1 --force
expect_status 2 "init without --db" env XDG_DATA_HOME="$T_TMP/xdg" "$MBX" init --organization Contoso --site HQ --server EXCH1
check "asks for --db" grep -q -- "--db PATH" "$T_TMP/err"

expect_status 0 "another policy, and names with spaces" "$MBX" --db "$T_TMP/two.db" init \
	--organization "Contoso Ltd." --site "Head Office" --server EXCH-02 --smtp-policy '%g.%s@contoso.com'
check "keeps the policy given" grep -q "SMTP addresses %g.%s@contoso.com$" "$T_TMP/out"
expect_status 0 "a relative path" sh -c "cd '$T_TMP' && '$MBX' --db rel.db init --organization C --site S --server X"
check "is created where it is run" test -f "$T_TMP/rel.db"

# The other commands on a path that does not exist: as before, but pointing at init.
for cmd in check "import-directory $T_TMP/none.ldif" "import-pst $T_TMP/none.pst --mailbox X --create" "adjust --dry-run"; do
	# shellcheck disable=SC2086
	expect_status 2 "$cmd on a missing store" "$MBX" --db "$T_TMP/missing.db" $cmd
	check "$cmd: says it does not exist and how to create it" grep -q "^mbxrescue: store file $T_TMP/missing.db does not exist; check the path, or create a new recovery server there: mbxrescue --db $T_TMP/missing.db init --organization ORG --site SITE --server NAME$" "$T_TMP/err"
	check "$cmd: creates nothing" test ! -e "$T_TMP/missing.db"
done

# A new server filled: a PST in, the adjuster, the SMTP policy at work.
PST="$MBX_SHARED/testdata/pst/support.pst"
if [ -r "$PST" ]; then
	expect_status 0 "a PST into the new server" "$MBX" --db "$NEW" import-pst "$PST" --mailbox Restored --create
	expect_status 1 "the new mailbox is orphaned" "$MBX" --db "$NEW" check
	check "as check says" grep -q "orphaned-mailbox *Restored" "$T_TMP/out"
	expect_status 0 "the adjuster creates its directory entry" "$MBX" --db "$NEW" adjust --create-mailboxes
	"$MBX" --db "$NEW" export-directory --created-by-adjuster >"$T_TMP/adj.ldif" 2>&1
	check "with an address from the default policy" grep -q "^mail: Restored@hq.contoso.com$" "$T_TMP/adj.ldif"
	check "below the new server's organization and site" grep -q "^dn: cn=Restored,cn=Recipients,ou=HQ,o=Contoso$" "$T_TMP/adj.ldif"
else
	echo "# $PST is not there: the new server is not filled"
fi
done_testing
