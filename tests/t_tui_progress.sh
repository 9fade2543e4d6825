#!/bin/sh
# tests/t_tui_progress.sh - the progress bar of export and import-pst
# (issue 16): on a terminal (a pty from script(1)) a bar with mailboxes,
# items, MB/s on stderr, the line left clean at the end; nothing of it
# when stderr is not a terminal, or with --quiet.
. "$top_srcdir/tests/lib.sh"

command -v script >/dev/null 2>&1 || skip_all "script(1) is not installed"
ESC=$(printf '\033')
db=$(demo_db)

# Everything the pty got, stdout and stderr together.
on_tty() { script -qec "$*" /dev/null </dev/null >"$T_TMP/tty" 2>&1; }
bar_drawn() { grep -q "mailboxes .*items .*MB/s" "$1"; }
# The last bar is followed by the erase sequence (\r ESC [K).
ends_clean() {
	tr '\r' '\n' <"$1" | awk -v e="$ESC" '/MB\/s/ { bar = NR } index($0, e "[K") == 1 && NR > bar { clean = NR } END { exit !(bar && clean > bar) }'
}

on_tty "'$MBX' --db '$db' export --all --threads 1 --out '$T_TMP/pst1'"
check "export on a terminal draws the bar" bar_drawn "$T_TMP/tty"
check "with a bar and a percentage" grep -q '\[[#.]*\] *[0-9]*%' "$T_TMP/tty"
check "the bar's line is erased at the end" ends_clean "$T_TMP/tty"
check "the export's summary still comes" grep -q "mailboxes successfully processed" "$T_TMP/tty"

"$MBX" --db "$db" export --all --threads 1 --out "$T_TMP/pst2" >"$T_TMP/out" 2>"$T_TMP/err"
check "no bar when stderr is not a terminal" sh -c '! grep -q "MB/s" "$0" && ! grep -q "$1" "$0"' "$T_TMP/err" "$ESC"
check "nor on stdout" sh -c '! grep -q "MB/s" "$0"' "$T_TMP/out"

on_tty "'$MBX' --db '$db' export --all --quiet --out '$T_TMP/pst3'"
check "export --quiet on a terminal: no bar" sh -c '! grep -q "MB/s" "$0"' "$T_TMP/tty"

pst=$(ls "$T_TMP"/pst2/*.PST | head -1)
on_tty "'$MBX' --db '$db' import-pst '$pst' --mailbox NewBox1 --create"
check "import-pst on a terminal draws the bar" bar_drawn "$T_TMP/tty"
check "its line is erased at the end" ends_clean "$T_TMP/tty"
check "and the import's line follows" grep -q "NewBox1 (new store mailbox" "$T_TMP/tty"
"$MBX" --db "$db" import-pst "$pst" --mailbox NewBox2 --create >"$T_TMP/out" 2>"$T_TMP/err"
check "import-pst with no terminal: no bar" sh -c '! grep -q "MB/s" "$0" "$1"' "$T_TMP/err" "$T_TMP/out"
on_tty "'$MBX' --db '$db' import-pst '$pst' --mailbox NewBox3 --create -q"
check "import-pst -q: no bar" sh -c '! grep -q "MB/s" "$0"' "$T_TMP/tty"
done_testing
