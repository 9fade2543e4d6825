#!/bin/sh
# Export filters, each on its own: what lands in the PST (read back with
# libpst by `mbxrescue verify`) must be what the store holds after the same
# filter (tests/export-desc), and the filter must have had an effect.
. "$top_srcdir/tests/lib.sh"
DESC="$top_builddir/tests/export-desc"
GEN="$top_builddir/tests/export-genmbx"
DB=$(demo_db) || skip_all "cannot create the demo server"
"$MBX" --db "$DB" adjust --create-mailboxes >/dev/null 2>&1 || skip_all "adjust failed"
# Synthetic mailbox: sent at 1700000000 + i*3600, received 60 s later.
"$GEN" "$DB" Gen "Generated, Mailbox" 6 4 --fai 2 || skip_all "export-genmbx failed"

verify_counts() {
	"$MBX" verify "$1" | sed '1,2d;$d' |
		awk '{ b=$NF; a=$(NF-1); m=$(NF-2); $NF=""; $(NF-1)=""; $(NF-2)="";
		       sub(/[ ]+$/, ""); printf "%s\t%s\t%s\t%s\n", $0, m, a, b }' | LC_ALL=C sort
}
total() { awk -F '\t' '{ n += $2 } END { print n + 0 }' "$1"; }
"$DESC" --counts "$DB" JSmith | LC_ALL=C sort > "$T_TMP/all.JSmith"
"$DESC" --counts "$DB" Gen | LC_ALL=C sort > "$T_TMP/all.Gen"

n=0
# run_case NAME ALIAS "EXPORT OPTIONS" "DESC OPTIONS"
run_case() {
	name=$1 alias=$2 eopts=$3 dopts=$4
	n=$((n + 1))
	dir=$T_TMP/case$n
	# shellcheck disable=SC2086
	if ! eval "\"\$MBX\" --db \"\$DB\" export \"\$alias\" --out \"\$dir\" --log-level 2 $eopts" > "$T_TMP/log$n" 2>&1; then
		not_ok "$name: export failed"; sed 's/^/#   /' "$T_TMP/log$n" | head -5; return
	fi
	eval "\"\$DESC\" --counts \"\$DB\" \"\$alias\" $dopts" | LC_ALL=C sort > "$T_TMP/want$n"
	f=$dir/$(echo "$alias" | tr a-z A-Z).PST
	verify_counts "$f" > "$T_TMP/got$n"
	if cmp -s "$T_TMP/want$n" "$T_TMP/got$n"; then ok "$name: the PST holds exactly what the filter selects"
	else not_ok "$name: PST differs from the filtered store"; diff "$T_TMP/want$n" "$T_TMP/got$n" | sed 's/^/#   /' | head -10; fi
	w=$(total "$T_TMP/want$n"); a=$(total "$T_TMP/all.$alias")
	check "$name: the filter selects some but not all ($w of $a)" test "$w" -gt 0 -a "$w" -lt "$a"
	check "$name: the filter is recorded in the log" grep -q "Filter: " "$dir/mbxrescue.log"
}

run_case "received from" JSmith "--from 2026-03-01" "--from 2026-03-01"
run_case "received to" JSmith "--to 2026-06-01" "--to 2026-06-01"
run_case "received range" JSmith "--from 2026-03-01 --to 06/01/2026" "--from 2026-03-01 --to 2026-06-01"
run_case "sent from (date field)" Gen "--from '2023-11-14 22:13:30' --date-field sent" \
	"--from '2023-11-14 22:13:30' --date-field sent"
run_case "include Inbox with subfolders" JSmith "--include-folder Inbox" "--include Inbox"
run_case "include Inbox without subfolders" JSmith "--include-folder Inbox/" "--include Inbox/"
run_case "include a subfolder by path" JSmith "--include-folder 'Inbox/Projects'" "--include 'Inbox/Projects'"
run_case "exclude a subtree" JSmith "--exclude-folder Inbox/Projects" "--exclude Inbox/Projects"
run_case "exclude two folders" JSmith "--exclude-folder Calendar --exclude-folder 'Sent Items'" \
	"--exclude Calendar --exclude 'Sent Items'"
run_case "subject contains" JSmith "--subject 'contract'" "--subject 'contract'"
run_case "attachment glob" JSmith "--attachment '*.pdf'" "--attachment '*.pdf'"
run_case "message class prefix" JSmith "--class IPM.Appointment" "--class IPM.Appointment"
run_case "no associated items" Gen "--no-associated" "--no-associated"

# The date field matters: 60 s between sent and received.
r=$("$DESC" --counts "$DB" Gen --from '2023-11-14 22:13:30' | LC_ALL=C sort > "$T_TMP/recv"; total "$T_TMP/recv")
s=$(total "$T_TMP/want4")
check "received and sent dates select differently ($r vs $s)" test "$r" -ne "$s"

# Bad filter arguments are usage errors, before anything is written.
expect_status 2 "bad --from" "$MBX" --db "$DB" export JSmith --out "$T_TMP/bad" --from 2026-13-01
expect_status 2 "bad --date-field" "$MBX" --db "$DB" export JSmith --out "$T_TMP/bad" --date-field created
expect_status 2 "--from after --to" "$MBX" --db "$DB" export JSmith --out "$T_TMP/bad" --from 2026-05-01 --to 2026-01-01
check "nothing written for usage errors" test ! -e "$T_TMP/bad"
done_testing
