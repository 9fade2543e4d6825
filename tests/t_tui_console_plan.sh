#!/bin/sh
# F9 at 80x24: ONE plan before anything runs, nothing of it cut: the
# adjuster's changes, the mailboxes that will be exported, the
# destination (d: F5's form) and what happens to the PSTs already there
# (x cycles ask / skip / overwrite / keep); then one question.  With a PST
# already there and "ask", the question offers skip / overwrite / keep
# both; keep both renames the old file BASE-old.PST and writes the new one.
# F5 asks the same about PSTs already there.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/t_tui_console_lib.sh"

DB=$(demo_db) || { echo "# can not create the demo store"; exit 1; }
OUT="$T_TMP/dest"
XDG_DATA_HOME="$T_TMP/xdg"; export XDG_DATA_HOME
TM_ENV="XDG_DATA_HOME='$T_TMP/xdg'"
orphans() { "$MBX" --db "$DB" check 2>/dev/null | grep -c "orphaned-mailbox"; }
mkdir -p "$OUT" && chmod 700 "$OUT"
echo "an older export" >"$OUT/JSMITH.PST"

tm_start 80 24 --db "$DB"
check "start screen" tm_wait "Mailbox Resources (" 10
tm_keys F9
check "F9 shows the plan" tm_wait "Recover: the plan" 5
check "1: the adjuster, whole" tm_wait "create 5 directory entries for the orphaned mailboxes (KB" 2
check "2: the mailboxes, whole" tm_wait "Export 12 mailboxes (all: none is marked) to PST files, each read" 2
check "3: the destination" tm_wait "Destination: $T_TMP/pst" 2
check "4: the PSTs already there" tm_wait "PSTs already there: none" 2
check "the adjuster's changes are listed" tm_wait "create  Smith, John  alias JSmith" 2
tm_keys PageDown PageDown
check "and the mailboxes to export" tm_wait "Kowalski, Piotr (PKowalski)" 5
tm_keys Home
# d: the destination, as in F5.
tm_keys d
check "d opens F5's form" tm_wait "Export mailboxes to PST" 5
tm_keys C-u
tm_keys -l "$OUT"
tm_keys Enter
check "the plan names the new destination" tm_wait "Destination: $OUT" 5
check "and the PST already there" tm_wait "PSTs already there: 1 (JSMITH.PST): asked before it runs" 5
tm_keys x
check "x: skip" tm_wait "skip those mailboxes" 2
tm_keys x
check "x: overwrite" tm_wait "overwrite them" 2
tm_keys x
check "x: keep both" tm_wait "keep both (the old one renamed" 2
tm_keys x
check "x: ask again" tm_wait "asked before it runs" 2
[ "$(orphans)" -eq 5 ] && ok "nothing has changed yet" || not_ok "nothing has changed yet"
tm_keys Enter
check "one question, with the PSTs there" tm_wait "Run the recovery plan?" 5
check "it names them" tm_wait "(JSMITH.PST)" 2
check "skip, overwrite, keep both, cancel" tm_wait "Keep both" 2
tm_keys c
check "Cancel: back to the plan" tm_wait_gone "Run the recovery plan?" 5
[ "$(orphans)" -eq 5 ] && ok "still nothing changed" || not_ok "still nothing changed"
tm_keys Enter
tm_wait "Run the recovery plan?" 5
tm_keys k
check "keep both: it runs, then the summary" tm_wait "Export summary" 120
check "every mailbox exported" tm_wait "12 of 12 mailboxes exported and verified" 2
[ "$(orphans)" -eq 0 ] && ok "the adjuster ran" || not_ok "the adjuster ran"
grep -q "an older export" "$OUT/JSMITH-old.PST" 2>/dev/null && ok "the old PST was kept as JSMITH-old.PST" ||
	not_ok "the old PST was kept as JSMITH-old.PST"
expect_status 0 "the new JSMITH.PST is a verified PST" "$MBX" verify "$OUT/JSMITH.PST"
tm_keys Enter
check "the fix-up follows" tm_wait "Fix recreated recipients?" 10
tm_keys y
check "it proposes the domain the accounts use" tm_wait "NT domain" 5
check "CONTOSO, as the accounts spell it" sh -c "tmux -L '$TMUX_SOCK' -f /dev/null capture-pane -p | grep 'NT domain' | grep -q CONTOSO"
tm_keys Escape
tm_wait_gone "NT domain" 5

# F5 asks about the PSTs there too: skip leaves that mailbox out.
tm_keys Home
tm_keys F5
check "F5: the form" tm_wait "Export mailboxes to PST" 5
check "it has the PSTs-already-there field" tm_wait "PSTs already there" 2
tm_keys C-u
tm_keys -l "$OUT"
tm_keys Enter
check "a PST is there: F5 asks" tm_wait "PSTs already there" 5
check "skip / overwrite / keep both" tm_wait "Keep both" 2
tm_keys s
check "skip: nothing left to export" tm_wait "Nothing left to export" 10
tm_keys Enter
check "quit" tm_quit
done_testing
