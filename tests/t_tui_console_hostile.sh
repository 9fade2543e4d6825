#!/bin/sh
# Hostile display names (escape sequences, invalid UTF-8, 200-character
# names, CJK, combining marks, right-to-left text, tabs) reach the screen
# sanitized: no escape sequence is obeyed, and the columns stay aligned.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/t_tui_console_lib.sh"

MK="$top_builddir/tests/t_tui_console_mkstore"
[ -x "$MK" ] || skip_all "tests/t_tui_console_mkstore not built"
DB="$T_TMP/hostile.db"
check "hostile store built" "$MK" hostile "$DB"

for mode in utf8 ascii; do
	if [ "$mode" = ascii ]; then tm_start 100 30 --ascii --db "$DB"; else tm_start 100 30 --db "$DB"; fi
	tm pipe-pane -o "cat >>'$T_TMP/raw-$mode.out'"
	check "$mode: start screen" tm_wait "Mailbox Resources (" 10
	# Scroll through everything once (both panels) so every name is drawn.
	tm_keys End Home Tab End Home Tab
	sleep 0.3
	tm_cap >"$T_TMP/screen-$mode.txt"
	title=$(tm display-message -p '#{pane_title}')
	case $title in *PWNED*) not_ok "$mode: OSC title sequence not obeyed ($title)";;
	*) ok "$mode: OSC title sequence not obeyed";; esac
	check "$mode: escape characters shown visibly" grep -q '\^\[' "$T_TMP/screen-$mode.txt"
	check "$mode: the OSC text is visible, not swallowed" grep -q 'PWNED' "$T_TMP/screen-$mode.txt"
	check "$mode: SGR text visible" grep -q 'ALERT' "$T_TMP/screen-$mode.txt"
	check "$mode: clear-screen sequence did not clear the header" grep -q 'HOST1' "$T_TMP/screen-$mode.txt"
	check "$mode: 200-character name truncated" grep -q 'WWWWWW' "$T_TMP/screen-$mode.txt"
	# The raw output must not carry the names' own sequences.
	if LC_ALL=C grep -q "$(printf '\033')]0;PWNED" "$T_TMP/raw-$mode.out" ||
	   LC_ALL=C grep -q "$(printf '\033')\[2J$(printf '\033')\[H Screen" "$T_TMP/raw-$mode.out"; then
		not_ok "$mode: no raw escape sequence from the data in the output"
	else
		ok "$mode: no raw escape sequence from the data in the output"
	fi
	# Alignment: every panel row has the panels' meeting point at the
	# same display column, whatever the names hold.
	"$MK" columns "$T_TMP/screen-$mode.txt" | sed -n '3,16p' | sort -u >"$T_TMP/cols-$mode"
	if [ "$(wc -l <"$T_TMP/cols-$mode")" -eq 1 ] && [ "$(cat "$T_TMP/cols-$mode")" -gt 0 ]; then
		ok "$mode: columns aligned (panels meet at column $(cat "$T_TMP/cols-$mode"))"
	else
		not_ok "$mode: columns aligned"; sed 's/^/#   /' "$T_TMP/cols-$mode"; sed 's/^/#   | /' "$T_TMP/screen-$mode.txt"
	fi
	# No line is wider than the terminal (a wrapped line would break rows).
	max=$("$MK" widths "$T_TMP/screen-$mode.txt" | sort -n | tail -1)
	[ "$max" -le 100 ] && ok "$mode: no line wider than the terminal ($max)" ||
		not_ok "$mode: no line wider than the terminal ($max)"
	tm_keys Enter
	check "$mode: details of a hostile mailbox open" tm_wait "Mailbox details" 5
	tm_keys Escape
	check "$mode: quit" tm_quit
done
done_testing
