#!/bin/sh
# tests/t_tui_man.sh - the manual and the help (issue 16): doc/mbxrescue.1
# formats without a warning, names every command and every option the
# command table has (so the two can not drift apart); COMMAND --help
# explains every option; an unknown command or option gets the closest
# one; a missing option value is named.
. "$top_srcdir/tests/lib.sh"

has() { grep -qF -- "$2" "$1"; }
man1="$top_srcdir/doc/mbxrescue.1"

if command -v groff >/dev/null 2>&1; then
	check "groff -mandoc -ww formats the manual without a warning" \
		sh -c 'groff -mandoc -Tutf8 -ww "$0" >/dev/null 2>"$1" && ! test -s "$1"' "$man1" "$T_TMP/groff.err"
	[ -s "$T_TMP/groff.err" ] && sed 's/^/# /' "$T_TMP/groff.err"
fi
if command -v man >/dev/null 2>&1; then
	check "man -l reads it" sh -c 'MANWIDTH=80 man -l "$0" 2>/dev/null | grep -q "EXIT STATUS"' "$man1"
fi
# The source with \- as -, for looking names up.
sed 's/\\-/-/g' "$man1" >"$T_TMP/man.txt"
for s in NAME SYNOPSIS DESCRIPTION COMMANDS "EXIT STATUS" ENVIRONMENT FILES EXAMPLES; do
	check "the manual has $s" grep -q "^\.S[HS] \"*$s" "$T_TMP/man.txt"
done

expect_status 0 "--help" "$MBX" --help
sed -n '/^Commands:/,/^$/p' "$T_TMP/out" | sed -n 's/^  \([a-z][a-z-]*\).*/\1/p' >"$T_TMP/commands"
check "--help lists at least the 14 commands" test "$(wc -l <"$T_TMP/commands")" -ge 14
while read -r c; do
	check "the manual has a section for '$c'" grep -q "^\.SS \"$c\( \|\"\)" "$T_TMP/man.txt"
	"$MBX" "$c" --help >"$T_TMP/help" 2>&1
	check "$c --help exits 0 with its usage" has "$T_TMP/help" "usage: mbxrescue [--db PATH] $c"
	# Every option the table explains is in the manual.
	sed -n 's/^  \(-[^ ]*\).*/\1/p; s/^  -[a-zA-Z], \(--[^ ]*\).*/\1/p' "$T_TMP/help" | sort -u >"$T_TMP/opts"
	while read -r opt; do
		check "$c: the manual names $opt" grep -qF -- "$opt" "$T_TMP/man.txt"
	done <"$T_TMP/opts"
done <"$T_TMP/commands"
for g in --db --wait --reset-demo --ascii --no-color --help --version; do
	check "the manual names the global option $g" grep -qF -- "$g" "$T_TMP/man.txt"
done
for e in XDG_DATA_HOME NO_COLOR MBX_LDAP_PASSWORD; do
	check "the manual names $e" has "$T_TMP/man.txt" "$e"
done

# COMMAND --help explains each option, not only the usage line.
expect_status 0 "export --help" "$MBX" export --help
check "explains --resume" has "$T_TMP/out" "skip the mailboxes an earlier run into DIR verified"
check "explains --quiet" has "$T_TMP/out" "no progress bar on the terminal"
expect_status 0 "adjust --help" "$MBX" adjust --help
check "explains --undo" has "$T_TMP/out" "revert adjuster run RUN (default: the last"
check "explains each rule's option from the rule table" has "$T_TMP/out" "Remove permissions of unknown accounts (KB Q182979)"
expect_status 0 "import-directory --help" "$MBX" import-directory --help
check "explains the LDAP options" has "$T_TMP/out" "--password-file FILE"

# Did you mean.
expect_status 2 "exprot" "$MBX" exprot
check "suggests export" has "$T_TMP/err" "unknown command 'exprot'; did you mean 'export'?"
expect_status 2 "ajdust" "$MBX" ajdust
check "suggests adjust" has "$T_TMP/err" "did you mean 'adjust'?"
expect_status 2 "frobnicate" "$MBX" frobnicate
check "suggests nothing far off" sh -c '! grep -q "did you mean" "$0"' "$T_TMP/err"
expect_status 2 "export --ot" "$MBX" export --all --ot /tmp/x
check "suggests --out" has "$T_TMP/err" "unknown option '--ot'; did you mean '--out'?"
expect_status 2 "adjust --creat-mailboxes" "$MBX" adjust --creat-mailboxes
check "suggests the rule's option" has "$T_TMP/err" "did you mean '--create-mailboxes'?"
expect_status 2 "--dbb" "$MBX" --dbb x check
check "suggests --db" has "$T_TMP/err" "did you mean '--db'?"
# Missing values.
expect_status 2 "export --out with no value" "$MBX" export --all --out
check "says --out needs DIR" has "$T_TMP/err" "option --out needs a value, DIR: the output directory"
expect_status 2 "export --out followed by an option" "$MBX" export --out --all
check "says the value is missing, not '--all'" has "$T_TMP/err" "not the option '--all'"
expect_status 2 "import-pst --mailbox with no value" "$MBX" import-pst x.pst --mailbox
check "says --mailbox needs ALIAS" has "$T_TMP/err" "option --mailbox needs a value, ALIAS"
expect_status 2 "batch -F with no value" "$MBX" batch -F
check "says -F needs ExMerge.ini" has "$T_TMP/err" "option -F needs a value, ExMerge.ini"
expect_status 2 "--db with no value" "$MBX" --db
check "says --db needs PATH" has "$T_TMP/err" "option --db needs a value: PATH"
expect_status 2 "a flag with a value" "$MBX" check --json=yes
check "says it takes none" has "$T_TMP/err" "option --json takes no value"
done_testing
