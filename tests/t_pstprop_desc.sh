#!/bin/sh
# tests/t_pstprop_desc.sh - the property-level reader (core/pstprop) reads
# what was written and what the other readers read:
#   - every writer scenario of tests/t_pst_write: its description through
#     our reader (tests/pstdesc-pstprop, recipients included) equals what
#     the writer program wrote, and so does the same file laid out as a
#     4 KiB-page OST with compressed blocks (tests/pstprop-mk4k);
#   - the demo export (every mailbox; Mary Adams' appointments, contacts
#     and tasks with their named properties: the P records);
#   - the shared PSTs (Outlook's empty file, support.pst, the ANSI calendar
#     file): the same folders, messages, attachments and details as libpst,
#     and the recipient counts libpst reports.
. "$top_srcdir/tests/lib.sh"
D="$top_builddir/tests/pstdesc-pstprop"
W="$top_builddir/tests/t_pst_write"
K="$top_builddir/tests/pstprop-mk4k"
L="$top_builddir/tests/pstdesc-libpst"
[ -x "$D" ] && [ -x "$W" ] && [ -x "$K" ] || skip_all "test programs not built"

desc() { PSTDESC_DETAILS=1 "$D" "$1" 2>"$T_TMP/derr" | LC_ALL=C sort; }

for s in empty demo plain unicode attach deep embedded fai long longrecip recips many; do
	if ! "$W" "$s" "$T_TMP/$s.pst" "$T_TMP/$s.desc" 2>"$T_TMP/$s.err"; then
		not_ok "$s: written ($(head -1 "$T_TMP/$s.err"))"
		continue
	fi
	LC_ALL=C sort "$T_TMP/$s.desc" >"$T_TMP/$s.want"
	desc "$T_TMP/$s.pst" >"$T_TMP/$s.got"
	if diff "$T_TMP/$s.want" "$T_TMP/$s.got" >"$T_TMP/$s.diff"; then
		ok "$s: our reader reads back what was written ($(wc -l <"$T_TMP/$s.got") records)"
	else
		not_ok "$s: our reader reads back what was written"
		head -10 "$T_TMP/$s.diff" | sed 's/^/#   /'
	fi
	"$K" "$T_TMP/$s.pst" "$T_TMP/$s.ost" 2>"$T_TMP/$s.kerr"
	desc "$T_TMP/$s.ost" >"$T_TMP/$s.kgot"
	check "$s: the same as a 4 KiB-page OST" cmp -s "$T_TMP/$s.want" "$T_TMP/$s.kgot"
	"$MBX" pst-dump "$T_TMP/$s.pst" >"$T_TMP/$s.dump" 2>"$T_TMP/$s.derr"
	st=$?
	"$MBX" pst-dump "$T_TMP/$s.ost" >"$T_TMP/$s.kdump" 2>&1
	check "$s: pst-dump exits 0, the dumps of the PST and the OST are equal" \
		sh -c '[ "$0" -eq 0 ] && cmp -s "$1" "$2"' "$st" "$T_TMP/$s.dump" "$T_TMP/$s.kdump"
done

# The demo export: every mailbox, and the details of Mary Adams'.
DB=$(demo_db) || skip_all "cannot create the demo server"
"$MBX" --db "$DB" adjust --create-mailboxes >/dev/null 2>&1
if "$MBX" --db "$DB" export --all --out "$T_TMP/o" >/dev/null 2>&1; then
	ok "the demo server exports"
	n=0 bad=0
	# ALIAS and file from the log: ... ('ALIAS') to file '.../NAME.PST'
	sed -n "s/.*Successfully completed copying mailbox '.*' ('\([^']*\)') to file '\(.*\)'$/\1 \2/p" \
		"$T_TMP/o/mbxrescue.log" >"$T_TMP/list"
	while read -r a pst; do
		{ "$top_builddir/tests/export-desc" "$DB" "$a"; "$top_builddir/tests/props-desc" "$DB" "$a"; } 2>/dev/null |
			LC_ALL=C sort >"$T_TMP/want"
		desc "$pst" >"$T_TMP/got"
		n=$((n + 1))
		if ! diff "$T_TMP/want" "$T_TMP/got" >"$T_TMP/diff"; then
			bad=$((bad + 1))
			echo "# $a:"; head -6 "$T_TMP/diff" | sed 's/^/#   /'
		fi
	done <"$T_TMP/list"
	check "every exported mailbox reads back as the store describes it ($n files, $bad differ)" test "$bad" -eq 0 -a "$n" -ge 12
	desc "$T_TMP/o/MADAMS.PST" >"$T_TMP/madams"
	check "Mary Adams' appointments: start, end, location and busy status (named properties)" \
		test "$(grep -c '^P	Calendar	[^	]*	start	20' "$T_TMP/madams")" -eq 3
	check "her tasks: due date and percent complete" test "$(grep -c '^P	Tasks	[^	]*	percent	' "$T_TMP/madams")" -eq 2
else
	not_ok "the demo server exports"
fi

# The shared PSTs: what libpst reads, and counts.
S="$MBX_SHARED/testdata/pst"
if [ -f "$S/support.pst" ] && [ -x "$L" ]; then
	for f in outlook-empty support ansi-32bit; do
		desc "$S/$f.pst" >"$T_TMP/$f.pp"
		PSTDESC_DETAILS=1 "$L" "$S/$f.pst" 2>/dev/null | LC_ALL=C sort >"$T_TMP/$f.lp"
		if grep -v '^R	' "$T_TMP/$f.pp" | diff - "$T_TMP/$f.lp" >"$T_TMP/$f.diff"; then
			ok "$f.pst: folders, messages, attachments and details as libpst reads them"
		else
			not_ok "$f.pst: folders, messages, attachments and details as libpst reads them"
			head -10 "$T_TMP/$f.diff" | sed 's/^/#   /'
		fi
	done
	check "support.pst: 21 folders, 17 messages, 1,073 recipient rows, 2 attachments" \
		test "$(grep -c '^F' "$T_TMP/support.pp")" -eq 21 -a "$(grep -c '^M' "$T_TMP/support.pp")" -eq 17 \
		-a "$(grep -c '^R' "$T_TMP/support.pp")" -eq 1073 -a "$(grep -c '^A' "$T_TMP/support.pp")" -eq 2
	check "ansi-32bit.pst: the calendar item's PidLidAppointmentStartWhole" \
		grep -q '^P	Calendar	Updated: Olympus training for new hires	start	2004-08-19 18:30:00$' "$T_TMP/ansi-32bit.pp"
	check "ansi-32bit.pst: its 7 recipient rows (4 to, 3 cc)" \
		test "$(grep -c '^R	Calendar	[^	]*	to	' "$T_TMP/ansi-32bit.pp")" -eq 4 -a \
		"$(grep -c '^R	Calendar	[^	]*	cc	' "$T_TMP/ansi-32bit.pp")" -eq 3
	"$MBX" pst-dump "$S/ansi-32bit.pst" >"$T_TMP/ansi.dump"
	check "pst-dump names the ANSI named property by set and LID" \
		grep -q '^folder:Top of Personal Folders/Calendar/msg#0	{00062002-0000-0000-C000-000000000046}:0x820D	0x0040	8	00c40f891a86c401$' "$T_TMP/ansi.dump"
	"$MBX" pst-dump "$S/support.pst" >"$T_TMP/support.dump"
	check "pst-dump: support.pst store, folder and message lines" \
		sh -c 'grep -q "^store	0x3001	0x001F	" "$0" && grep -q "^folder:Top of Personal Folders/Sent Messages	0x3001	0x001F	" "$0" && test "$(cut -f1 "$0" | grep -c "/msg#[0-9]*$" | head -1)" -gt 0' "$T_TMP/support.dump"
	if command -v pffexport >/dev/null 2>&1; then
		for f in support ansi-32bit; do
			rm -rf "$T_TMP/pff" "$T_TMP/pff.export"
			pffexport -q -t "$T_TMP/pff" "$S/$f.pst" >/dev/null 2>&1
			n=$(find "$T_TMP/pff.export" -type d | grep -c -E '/(Message|Appointment|Contact|Task|Meeting|Note|Activity|Distribution list)[0-9]{5}$')
			check "$f.pst: pffexport exports as many messages as we read ($n)" \
				test "$n" -eq "$(grep -c '^M' "$T_TMP/$f.pp")"
		done
	fi
else
	echo "# shared PSTs absent: skipped"
fi
done_testing
