#!/bin/sh
# tests/t_tui_cli.sh - the batch command line: help, version, usage errors,
# the embedded demo copy, check / adjust / fix-recipient and their exit codes.
. "$top_srcdir/tests/lib.sh"

# has FILE TEXT: the file contains the fixed string
has() { grep -qF -- "$2" "$1"; }

expect_status 0 "--help exits 0" "$MBX" --help
check "--help lists the commands" has "$T_TMP/out" "fix-recipient ALIAS --account"
check "--help documents the exit codes" has "$T_TMP/out" "Exit status:"
expect_status 0 "--version exits 0" "$MBX" --version
check "--version prints the version" grep -q '^mbxrescue [0-9][0-9.]*$' "$T_TMP/out"
expect_status 2 "an unknown option is a usage error" "$MBX" --bogus
check "with the usage line" has "$T_TMP/err" "usage: mbxrescue"
expect_status 2 "an unknown command is a usage error" "$MBX" frobnicate
check "naming it" has "$T_TMP/err" "frobnicate"
expect_status 2 "--db without a path" "$MBX" --db
expect_status 0 "COMMAND --help" "$MBX" adjust --help
check "shows that command's usage" has "$T_TMP/out" "usage: mbxrescue [--db PATH] adjust [--dry-run]"
expect_status 2 "no command without a terminal" "$MBX" --db /nonexistent </dev/null
check "says the console needs a terminal" has "$T_TMP/err" "terminal"

# The embedded demo copy under XDG_DATA_HOME, created on first use.
XDG_DATA_HOME="$T_TMP/xdg"; export XDG_DATA_HOME
expect_status 1 "check on the default demo copy finds the inconsistencies" "$MBX" check
check "the demo copy was created" test -f "$T_TMP/xdg/mbxrescue/demo.db"
check "in a 0700 directory" test "$(stat -c %a "$T_TMP/xdg/mbxrescue")" = 700
check "the demo copy is 0600" test "$(stat -c %a "$T_TMP/xdg/mbxrescue/demo.db")" = 600
check "Smith, John is orphaned" grep -q 'orphaned-mailbox *Smith, John' "$T_TMP/out"
check "17 inconsistencies" has "$T_TMP/out" "17 inconsistencies, 0 warnings."
expect_status 0 "adjust on the default copy" "$MBX" adjust
expect_status 0 "--reset-demo recreates it" "$MBX" --reset-demo
expect_status 1 "check after the reset" "$MBX" check
check "finds the 17 again" has "$T_TMP/out" "17 inconsistencies"
unset XDG_DATA_HOME

db=$(demo_db)
check "a fresh demo copy with --db X --reset-demo" test -f "$db"
expect_status 1 "check: exit 1 on findings" "$MBX" --db "$db" check
cp "$T_TMP/out" "$T_TMP/check1"
expect_status 1 "check --json: exit 1" "$MBX" --db "$db" check --json
if command -v python3 >/dev/null 2>&1; then
	check "check --json is JSON with 5 orphans" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["consistent"] is False
assert d["counts"]["orphaned-mailbox"] == 5, d["counts"]
assert d["inconsistencies"] == 17
assert any(f["object"] == "Smith, John" for f in d["findings"])
' "$T_TMP/out"
else
	check "check --json names Smith, John" has "$T_TMP/out" '"object": "Smith, John"'
fi
expect_status 2 "check with a stray argument" "$MBX" --db "$db" check extra
expect_status 2 "check --bogus" "$MBX" --db "$db" check --bogus
check "prints check's usage line" has "$T_TMP/err" "usage: mbxrescue [--db PATH] check [--json]"

expect_status 0 "adjust --dry-run" "$MBX" --db "$db" adjust --dry-run
check "the plan creates JSmith" grep -q 'create-recipient.*directory entry JSmith ' "$T_TMP/out"
check "the plan shows Legal as SKIP" grep -q '^SKIP.*Legal' "$T_TMP/out"
check "says nothing changed" has "$T_TMP/out" "Dry run: nothing was changed."
check "warns about rehoming (KB Q182979)" has "$T_TMP/out" "WARNING (KB Q182979): 3 public folders will be rehomed"
expect_status 0 "no rehoming, no warning" "$MBX" --db "$db" adjust --dry-run --create-mailboxes
check "the create-only plan has no rehoming warning" sh -c "! grep -q Q182979 '$T_TMP/out'"
expect_status 1 "check after the dry run" "$MBX" --db "$db" check
check "finds the same" cmp -s "$T_TMP/out" "$T_TMP/check1"
expect_status 2 "--older-than needs a number" "$MBX" --db "$db" adjust --older-than abc
expect_status 2 "--older-than refuses negatives" "$MBX" --db "$db" adjust --older-than -3
expect_status 0 "--older-than 100000: nothing that old" "$MBX" --db "$db" adjust --older-than 100000
check "nothing to do" has "$T_TMP/out" "Nothing to do."
expect_status 0 "adjust --rehome-public-folders alone" "$MBX" --db "$db" adjust --rehome-public-folders
check "applied 3 changes" has "$T_TMP/out" "Applied 3 changes"
expect_status 0 "adjust (all functions)" "$MBX" --db "$db" adjust
check "applied 8 changes" has "$T_TMP/out" "Applied 8 changes"
expect_status 0 "adjust again" "$MBX" --db "$db" adjust
check "finds nothing to do" has "$T_TMP/out" "Nothing to do."
expect_status 1 "check: the adjuster leaves what it must" "$MBX" --db "$db" check
check "4 inconsistencies (missing mailboxes, Legal), 10 warnings" has "$T_TMP/out" "4 inconsistencies, 10 warnings."
check "no orphan left" sh -c "! grep -q orphaned-mailbox '$T_TMP/out'"

expect_status 2 "fix-recipient without an alias" "$MBX" --db "$db" fix-recipient --unhide
expect_status 2 "fix-recipient without anything to do" "$MBX" --db "$db" fix-recipient JSmith
expect_status 2 "fix-recipient with a bad account" "$MBX" --db "$db" fix-recipient JSmith --account jsmith
check "says how to write it" has "$T_TMP/err" 'DOMAIN\user'
expect_status 2 "fix-recipient of an unknown alias" "$MBX" --db "$db" fix-recipient Nobody --account 'CONTOSO\x'
check "names the alias" has "$T_TMP/err" "Nobody"
expect_status 0 "fix-recipient JSmith" "$MBX" --db "$db" fix-recipient JSmith --account 'CONTOSO\jsmith' --unhide
expect_status 1 "check" "$MBX" --db "$db" check
check "JSmith's warnings are gone" has "$T_TMP/out" "4 inconsistencies, 8 warnings."

# --reset-demo never replaces a file that is not a demo server.
echo "precious" > "$T_TMP/real.db"
expect_status 2 "--reset-demo refuses a file that is not a demo" "$MBX" --db "$T_TMP/real.db" --reset-demo
check "and leaves it alone" test "$(cat "$T_TMP/real.db")" = precious

done_testing
