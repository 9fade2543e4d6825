#!/bin/sh
# The key table (tui/ui_keys.c): the key bar, the help screen and the
# dispatch all come from it.  Every key on the bar, wide and at 80
# columns (both F2/a: the letter is there for terminals without F-keys),
# is an entry of the help; no main-screen key is listed twice; each
# letter on the bar opens what its F-key opens; keys the help names but
# the bar does not (h, ^L) work; a key that does nothing says so.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/t_tui_console_lib.sh"

DB=$(demo_db) || { echo "# can not create the demo store"; exit 1; }
set -f   # the keys are words: "F1/?" is no pattern

# The bar's keys, one a line: "F2/a" (wide), "F2" (narrow), "w".
bar_keys() { tr -s ' ' '\n' | sed -E -n 's#^(F[0-9]+/.|F[0-9]+|.)([A-Z][a-z]+)$#\1#p'; }
bar_line() { tm_cap | grep 'Quit' | tail -1; }
# The titles in the screen's borders ("+- Help "); a dialog's is the one
# that is not (a cut-off start of) a panel's title, taken with no dialog up.
titles() { tm_cap | grep -o -- '+- [A-Z][^-+]*'; }
dialog_title() {
	titles | awk 'NR == FNR { b[++n] = $0; next }
		{ for (i = 1; i <= n; i++) if (index(b[i], $0) == 1) next; print; exit }' "$T_TMP/panels.txt" -
}
# wait_dialog [gone]: poll until a dialog is up (or gone); prints its title.
wait_dialog() {
	i=0
	while [ "$i" -lt 100 ]; do
		t=$(dialog_title)
		if [ -n "$1" ]; then [ -z "$t" ] && return 0; else [ -n "$t" ] && { echo "$t"; return 0; }; fi
		sleep 0.05; i=$((i + 1))
	done
	return 1
}

tm_start 120 100 --ascii --db "$DB"
check "start screen" tm_wait "Mailbox Resources (" 10
check "the wide bar names F-key and letter" tm_wait "F10/qQuit" 2
wide=$(bar_line | bar_keys)
n_wide=$(printf '%s\n' "$wide" | grep -c .)
[ "$n_wide" -ge 8 ] && ok "the wide bar has its keys ($n_wide)" || not_ok "the wide bar has its keys ($n_wide)"
titles >"$T_TMP/panels.txt"
[ "$(grep -c . "$T_TMP/panels.txt")" -eq 3 ] && ok "three panel titles" || not_ok "three panel titles"

# The letter on the bar opens the same dialog as the F-key next to it.
for k in $wide; do
	case $k in F10/*|*/) continue ;; F*/*) ;; *) continue ;; esac
	f=${k%%/*}; l=${k#*/}
	tm_keys "$f"
	tf=$(wait_dialog) || tf="(none)"
	tm_keys Escape
	wait_dialog gone || { not_ok "$f: its dialog closes"; continue; }
	tm_keys -l "$l"
	tl=$(wait_dialog) || tl="(none)"
	tm_keys Escape
	wait_dialog gone || { not_ok "$l: its dialog closes"; continue; }
	[ "$tf" = "$tl" ] && [ "$tf" != "(none)" ] && ok "$l opens what $f opens ($tf)" ||
		not_ok "$l opens what $f opens ('$tl' vs '$tf')"
done

tm resize-window -x 80 -y 100
check "at 80 columns the bar names the F-key and its letter too" tm_wait "F10/qQuit" 5
check "with the short labels" tm_wait "wWalk" 5
[ "$(bar_line | wc -m)" -le 81 ] && ok "the bar fits 80 columns" || not_ok "the bar fits 80 columns"
narrow=$(bar_line | bar_keys)
n_narrow=$(printf '%s\n' "$narrow" | grep -c .)
[ "$n_narrow" -eq "$n_wide" ] && ok "the narrow bar has the same keys ($n_narrow)" ||
	not_ok "the narrow bar has the same keys ($n_narrow, wide $n_wide)"

# ^L repaints the whole screen: bytes written behind curses' back go away.
printf '\033[5;5HGARBLED-BY-TEST' >"$(tm display-message -p '#{pane_tty}')"
check "the terminal is garbled" tm_wait "GARBLED-BY-TEST" 5
tm_keys C-l
check "^L repaints the screen" tm_wait_gone "GARBLED-BY-TEST" 5

# h is on no bar; it opens the help, which fits 80x100 whole.
tm_keys h
check "h opens the help" tm_wait "this help" 5
check "the whole help is on screen" tm_wait "Options: --ascii" 5
# The help's lines inside the dialog (4 ASCII columns of border before it),
# then the key column (16 wide, after two spaces) of the main screen's
# entries: from "Actions" to "In dialogs".
tm_cap | cut -c5- >"$T_TMP/help.txt"
sed -n '/^Actions/,/^In dialogs/p' "$T_TMP/help.txt" |
	sed -n 's/^  \([^ ].\{15\}\).*/\1/p' | sed 's/ *$//' >"$T_TMP/keys.txt"
n=$(grep -c . "$T_TMP/keys.txt")
[ "$n" -ge 20 ] && ok "the help lists the main screen's keys ($n entries)" ||
	not_ok "the help lists the main screen's keys ($n entries)"
dup=$(tr -s ' ' '\n' <"$T_TMP/keys.txt" | grep . | sort | uniq -d | tr '\n' ' ')
[ -z "$dup" ] && ok "no main-screen key is listed twice" || not_ok "main-screen keys listed twice: $dup"

# help_has KEY [ALSO]: one help entry names KEY (and ALSO).
help_has() {
	awk -v a="$1" -v b="$2" '{ f = 0; g = (b == ""); for (i = 1; i <= NF; i++) { if ($i == a) f = 1; if ($i == b) g = 1 }
		if (f && g) found = 1 } END { exit !found }' "$T_TMP/keys.txt"
}
for k in $wide; do
	case $k in F*/*) f=${k%%/*}; l=${k#*/} ;; *) f=$k; l= ;; esac
	help_has "$f" "$l" && ok "the help has the bar's $k" || not_ok "the help has the bar's $k"
done
for k in $narrow; do
	case $k in F*/*) f=${k%%/*}; l=${k#*/} ;; *) f=$k; l= ;; esac
	help_has "$f" "$l" && ok "the help has the narrow bar's $k" || not_ok "the help has the narrow bar's $k"
done
check "help has h with F1" help_has F1 h
check "help has ^L" help_has "^L"
tm_keys Escape
check "help closes" tm_wait_gone "this help" 5
tm_keys Z
check "a key that does nothing says so" tm_wait "Z does nothing here: F1 help" 5
tm_keys q
check "q quits with status 0" tm_wait "EXIT=0" 10
done_testing
