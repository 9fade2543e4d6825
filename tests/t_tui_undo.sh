#!/bin/sh
# tests/t_tui_undo.sh - the adjuster from the command line (issue 16): the
# plan names its functions, a terminal is asked (default No) unless --yes,
# a script is not; adjust --undo [RUN] and its refusals; audit [--json];
# list [mailboxes|recipients] [--orphans] [--json]; check --json's aliases.
. "$top_srcdir/tests/lib.sh"

has() { grep -qF -- "$2" "$1"; }
# On a pseudo-terminal, with INPUT typed: stdout+stderr to $T_TMP/tty.
on_tty() {
	input=$1; shift
	printf "$input" | script -qec "$*" /dev/null >"$T_TMP/tty" 2>&1
}
command -v script >/dev/null 2>&1 || skip_all "script(1) is not installed"
command -v jq >/dev/null 2>&1 && JQ=1 || JQ=

db=$(demo_db)
sum() { sqlite3 "$db" "SELECT (SELECT count(*) FROM recipient) || '/' || (SELECT group_concat(home_server, ',') FROM public_folder) || '/' || (SELECT count(*) FROM permission)"; }
have_sqlite=; command -v sqlite3 >/dev/null 2>&1 && have_sqlite=1

# The plan says which functions; with none named, that all are, and why that matters.
expect_status 0 "adjust --dry-run" "$MBX" --db "$db" adjust --dry-run
check "the plan names its functions" has "$T_TMP/out" "Functions: create-mailboxes (KB Q163713), rehome-public-folders (KB Q182979), remove-unknown-permissions (KB Q182979)"
check "and says no flag means all, the two KB Q182979 warns about too" has "$T_TMP/out" "No function flag was given, so all of them are included"
check "warns about the permissions too" has "$T_TMP/out" "permission entries of accounts this directory does not"
expect_status 0 "adjust --create-mailboxes --dry-run" "$MBX" --db "$db" adjust --create-mailboxes --dry-run
check "names only that function" has "$T_TMP/out" "Functions: create-mailboxes (KB Q163713)"
check "and does not say all" sh -c '! grep -q "No function flag" "$0"' "$T_TMP/out"

# At a terminal: asked, default No.
on_tty '\n' "'$MBX' --db '$db' adjust --create-mailboxes"
check "at a terminal adjust asks" has "$T_TMP/tty" "Apply 5 changes? [y/N]"
check "Enter is No: nothing changed" has "$T_TMP/tty" "Nothing was changed."
expect_status 0 "audit: no run yet" "$MBX" --db "$db" audit
check "says there is none" has "$T_TMP/out" "No consistency adjuster runs"
on_tty 'no\n' "'$MBX' --db '$db' adjust"
check "no function flag at a terminal: asks for all" has "$T_TMP/tty" "Apply all 11 changes? [y/N]"
check "no: nothing changed" has "$T_TMP/tty" "Nothing was changed."
on_tty 'y\n' "'$MBX' --db '$db' adjust --create-mailboxes"
check "y applies" has "$T_TMP/tty" "Applied 5 changes"
on_tty '' "'$MBX' --db '$db' adjust --rehome-public-folders --yes"
check "--yes applies without asking" sh -c 'grep -q "Applied 3 changes" "$0" && ! grep -q "\[y/N\]" "$0"' "$T_TMP/tty"
# Without a terminal: as scripts expect.
expect_status 0 "no terminal: applies at once" "$MBX" --db "$db" adjust --remove-unknown-permissions </dev/null
check "without asking" sh -c 'grep -q "Applied 3 changes" "$0" && ! grep -q "y/N" "$0"' "$T_TMP/out"

# audit: three runs, newest first, each undoable.
expect_status 0 "audit" "$MBX" --db "$db" audit
check "lists run 3 first" sh -c 'grep "^Run " "$0" | head -1 | grep -q "^Run 3 "' "$T_TMP/out"
check "with its changes" grep -q "create-recipient  *create directory entry JSmith" "$T_TMP/out"
check "and how to undo it" has "$T_TMP/out" "Can be undone: mbxrescue adjust --undo 1"
expect_status 0 "audit --json" "$MBX" --db "$db" audit --json
if [ -n "$JQ" ]; then
	check "audit --json: 3 runs" test "$(jq '.runs | length' "$T_TMP/out")" = 3
	check "run 1 created JSmith" test "$(jq -r '.runs[2].changes[] | select(.kind == "create-recipient") | .recipient.alias' "$T_TMP/out" | grep -c JSmith)" = 1
	check "run 2 rehomed Projects from EXCH9" test "$(jq -r '.runs[1].changes[] | select(.object == "Projects") | .from.server' "$T_TMP/out")" = EXCH9
fi
expect_status 0 "audit RUN" "$MBX" --db "$db" audit 2
check "shows that run" sh -c 'grep "^Run " "$0" | grep -q "^Run 2 " && test "$(grep -c "^Run " "$0")" = 1' "$T_TMP/out"
expect_status 2 "audit of an unknown run" "$MBX" --db "$db" audit 42
check "names it" has "$T_TMP/err" "no adjuster run 42"

# Undo: the last run by default; a refusal names what is in the way.
expect_status 0 "adjust --undo --dry-run" "$MBX" --db "$db" adjust --undo --dry-run
check "undoes run 3 by default" has "$T_TMP/out" "Run 3 of"
check "three permissions to put back" has "$T_TMP/out" "3 changes to revert."
on_tty '\n' "'$MBX' --db '$db' adjust --undo"
check "at a terminal the undo asks" has "$T_TMP/tty" "Revert run 3? [y/N]"
expect_status 0 "adjust --undo (no terminal)" "$MBX" --db "$db" adjust --undo </dev/null
check "run 3 undone, as run 4" has "$T_TMP/out" "Run 3 undone: 3 changes reverted, recorded in the audit log as run 4."
expect_status 2 "undo of an undone run" "$MBX" --db "$db" adjust --undo 3
check "says so" has "$T_TMP/err" "was undone already, by run 4"
expect_status 2 "undo of an undo" "$MBX" --db "$db" adjust --undo 4
check "says an undo is not undone" has "$T_TMP/err" "an undo is not undone"
expect_status 2 "--undo of a run that is no number" "$MBX" --db "$db" adjust --undo x
expect_status 2 "--undo with a function flag" "$MBX" --db "$db" adjust --undo 1 --create-mailboxes
expect_status 2 "--undo of an unknown run" "$MBX" --db "$db" adjust --undo 99
# A later change: fix-recipient on a recipient run 1 created.
expect_status 0 "fix-recipient JSmith" "$MBX" --db "$db" fix-recipient JSmith --account 'CONTOSO\jsmith' --unhide
[ -n "$have_sqlite" ] && before=$(sum)
expect_status 1 "undo of run 1 refused" "$MBX" --db "$db" adjust --undo 1
check "the blocked change is named with why" has "$T_TMP/out" "recipient 'JSmith', which run 1 created, has been changed since (primary account, hidden"
check "the refusal says nothing was changed" has "$T_TMP/err" "nothing was changed"
[ -n "$have_sqlite" ] && check "and nothing was" test "$(sum)" = "$before"
expect_status 0 "audit shows the blocker" "$MBX" --db "$db" audit 1
check "marked !" has "$T_TMP/out" "! recipient 'JSmith'"
check "can not be undone now" has "$T_TMP/out" "Can not be undone now: 1 of its changes"
expect_status 0 "run 2 can still be undone by number" "$MBX" --db "$db" adjust --undo 2 --yes
expect_status 1 "check: the rehomed folders are unknown again" "$MBX" --db "$db" check

# list
db2=$(demo_db)
expect_status 0 "list" "$MBX" --db "$db2" list
check "the mailboxes, Smith's orphaned" grep -q '^JSmith .*none (orphaned)' "$T_TMP/out"
expect_status 0 "list --orphans" "$MBX" --db "$db2" list mailboxes --orphans
check "5 orphans" has "$T_TMP/out" "5 mailboxes without a directory entry."
expect_status 0 "list recipients --orphans" "$MBX" --db "$db2" list recipients --orphans
check "3 without a store mailbox" has "$T_TMP/out" "3 recipients homed here without a store mailbox."
expect_status 2 "list of something else" "$MBX" --db "$db2" list servers
check "says what it lists" has "$T_TMP/err" "list mailboxes or recipients, not 'servers'"
expect_status 0 "list --orphans --json" "$MBX" --db "$db2" list --orphans --json
if [ -n "$JQ" ]; then
	check "list --json: 5 orphaned mailboxes" test "$(jq '[.[] | select(.orphaned)] | length' "$T_TMP/out")" = 5
	check "with their aliases" test "$(jq -r '.[].alias' "$T_TMP/out" | grep -c '^JSmith$')" = 1
	expect_status 0 "list recipients --json" "$MBX" --db "$db2" list recipients --json
	check "recipients with no_mailbox" test "$(jq '[.[] | select(.no_mailbox)] | length' "$T_TMP/out")" = 3
	# check --json: every finding's alias
	expect_status 1 "check --json" "$MBX" --db "$db2" check --json
	check "each finding has an alias field" test "$(jq '[.findings[] | has("alias")] | all' "$T_TMP/out")" = true
	check "the orphan Smith, John has alias JSmith" test "$(jq -r '.findings[] | select(.object == "Smith, John") | .alias' "$T_TMP/out")" = JSmith
	check "a missing mailbox has its alias" test "$(jq -r '.findings[] | select(.kind == "missing-mailbox") | .alias' "$T_TMP/out" | grep -c '^PWilson$')" = 1
	check "a public folder has none" test "$(jq -r '.findings[] | select(.kind == "public-folder-unknown-home") | .alias' "$T_TMP/out" | sort -u)" = null
else
	expect_status 1 "check --json" "$MBX" --db "$db2" check --json
	check "check --json has aliases" has "$T_TMP/out" '"alias": "JSmith"'
fi
done_testing
