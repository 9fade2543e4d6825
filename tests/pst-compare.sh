#!/bin/bash
# tests/pst-compare.sh [--lenient] FILE.pst EXPECTED.desc
#
# Prove a PST with three independent readers and our validator: describe
# FILE.pst with libpst (tests/pstdesc-libpst), pst-extractor
# (tests/node/pstdesc.js) and pffexport (tests/pstdesc-pff.sh), compare each
# description with EXPECTED.desc (tests/PSTDESC.md), and run
# `mbxrescue pst-check --strict` (--lenient: without --strict, for files
# Outlook wrote).  Prints one line per reader and a diff for each that
# disagrees.  Exit 0 only when every reader that ran agrees and pst-check is
# clean; 1 otherwise; 2 on a usage error.  A reader that is not installed
# (node/npm, pffexport) is reported and skipped.
#
# P records (item details of appointments, contacts and tasks) are compared
# when EXPECTED.desc has any: the describers then run with PSTDESC_DETAILS=1.
#
# What each reader is compared on (the expected side is normalized the same way):
#   libpst         everything but R records (libpst has no recipient rows; the
#                  recipient count comes from its per-row entries), the
#                  recipient count of a message with more than 447 recipients
#                  (libpst 0.6.76 reads no row of a table whose row index
#                  needs an index level: it counts 0) and the P records
#                  task-start, task-due and percent (libpst 0.6 reads no task
#                  property)
#   pst-extractor  everything
#   pffexport      M message class as "?", A file names as "?" (pffexport
#                  rewrites characters such as "@" in file names), appointment
#                  bodies not compared (pffexport exports none), characters
#                  outside the BMP as "?" and bodies holding them not compared
#                  (Debian's libpff 20180714 decodes surrogate pairs wrongly), no
#                  record whose text holds a TAB or line break or whose folder
#                  name holds "/" (the export can not represent them); it must
#                  also report no orphan or recovered items
#
# Environment: MBX (the mbxrescue binary), top_builddir / top_srcdir
# (default: this script's directory's parent); PST_COMPARE_READERS (default
# "libpst pst-extractor pffexport pst-check") to run only some of them.
set -u
here=$(cd "$(dirname "$0")" && pwd)
srcdir=${top_srcdir:-$(dirname "$here")}
builddir=${top_builddir:-$srcdir}
mbx=${MBX:-$builddir/mbxrescue}
strict=--strict
if [ "${1:-}" = --lenient ]; then
	strict=
	shift
fi
if [ $# -ne 2 ] || [ ! -f "$1" ] || [ ! -f "$2" ]; then
	echo "usage: pst-compare.sh [--lenient] FILE.pst EXPECTED.desc (both must exist)" >&2
	exit 2
fi
pst=$1
expected=$2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pst-compare.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export LC_ALL=C
sort "$expected" >"$tmp/expected"
if grep -q '^P	' "$tmp/expected"; then
	PSTDESC_DETAILS=1
	export PSTDESC_DETAILS
else
	unset PSTDESC_DETAILS
fi
failed=0
ran=0
readers=${PST_COMPARE_READERS:-libpst pst-extractor pffexport pst-check}
want() {
	case " $readers " in *" $1 "*) return 0 ;; esac
	echo "skip $1: not selected (PST_COMPARE_READERS)"
	return 1
}

# diff_reader NAME EXPECTED ACTUAL: print the verdict, and the diff when they differ.
diff_reader() {
	if diff -u --label "expected" --label "$1" "$2" "$3" >"$tmp/diff"; then
		echo "ok   $1: $(wc -l <"$3") records agree"
	else
		echo "FAIL $1 disagrees with $(basename "$expected") (- expected, + $1):"
		grep '^[-+][^-+]' "$tmp/diff" | head -40 | sed 's/^/     /'
		n=$(grep -c '^[-+][^-+]' "$tmp/diff")
		[ "$n" -le 40 ] || echo "     ... $((n - 40)) more differing lines"
		failed=1
	fi
}

# 1. libpst
libpst=$builddir/tests/pstdesc-libpst
if ! want libpst; then
	:
elif [ -x "$libpst" ]; then
	if "$libpst" "$pst" >"$tmp/libpst.raw" 2>"$tmp/libpst.err"; then
		# messages of over 447 recipients: their count is not compared
		awk -F'\t' 'BEGIN { OFS = "\t" }
			NR == FNR { if ($1 == "M" && $8 + 0 > 447) big[$2 FS $3] = 1; next }
			$1 == "M" && (($2 FS $3) in big) { $8 = "?" }
			{ print }' "$tmp/expected" "$tmp/libpst.raw" | sort >"$tmp/libpst"
		awk -F'\t' 'BEGIN { OFS = "\t" } $1 == "R" { next }
			$1 == "P" && ($4 == "task-start" || $4 == "task-due" || $4 == "percent") { next }
			$1 == "M" && $8 + 0 > 447 { $8 = "?" }
			{ print }' \
			"$tmp/expected" >"$tmp/expected.libpst"
		diff_reader libpst "$tmp/expected.libpst" "$tmp/libpst"
	else
		echo "FAIL libpst could not read $pst: $(head -3 "$tmp/libpst.err")"
		failed=1
	fi
	ran=$((ran + 1))
else
	echo "skip libpst: $libpst not built (make check builds it)"
fi

# 2. pst-extractor (npm)
js=$srcdir/tests/node/pstdesc.js
if ! want pst-extractor; then
	:
elif ! command -v node >/dev/null 2>&1; then
	echo "skip pst-extractor: node is not installed"
elif [ ! -d "$srcdir/tests/node/node_modules/pst-extractor" ]; then
	echo "skip pst-extractor: not installed (cd tests/node && npm install)"
else
	node "$js" "$pst" >"$tmp/js.raw" 2>"$tmp/js.err"
	rc=$?
	if [ $rc -eq 0 ]; then
		sort "$tmp/js.raw" >"$tmp/js"
		diff_reader pst-extractor "$tmp/expected" "$tmp/js"
	else
		echo "FAIL pst-extractor could not read $pst (exit $rc): $(head -3 "$tmp/js.err")"
		failed=1
	fi
	ran=$((ran + 1))
fi

# 3. pffexport
pff_norm() {
	# The subset pffexport can show (see the header).
	awk -F'\t' 'BEGIN { OFS = "\t" }
		$2 ~ /\\\\\// { next }
		$1 != "F" && ($0 ~ /\\t|\\n|\\r/) { next }
		$1 == "M" { $6 = "?" }
		$1 == "A" { $4 = "?" }
		{ print }' "$1" | sed 's/[\xF0-\xF4][\x80-\xBF][\x80-\xBF][\x80-\xBF]/?/g' | sort
}
# pstdesc-pff.sh writes "~" for a body with characters outside the BMP
# (Debian's libpff decodes them wrongly): the expected body is not compared there.
pff_bodies() {
	awk -F'\t' 'BEGIN { OFS = "\t" }
		NR == FNR { if ($1 == "M" && $7 == "~") skip[$2 FS $3] = 1; next }
		$1 == "M" && (($2 FS $3) in skip) { $7 = "~" }
		{ print }' "$1" "$2" | sort
}
if ! want pffexport; then
	:
elif ! command -v pffexport >/dev/null 2>&1; then
	echo "skip pffexport: not installed (Debian pff-tools)"
else
	bash "$srcdir/tests/pstdesc-pff.sh" "$pst" >"$tmp/pff.raw" 2>"$tmp/pff.err"
	rc=$?
	if [ $rc -eq 0 ]; then
		pff_norm "$tmp/pff.raw" >"$tmp/pff"
		pff_norm "$tmp/expected" >"$tmp/expected.pff0"
		pff_bodies "$tmp/pff" "$tmp/expected.pff0" >"$tmp/expected.pff"
		diff_reader pffexport "$tmp/expected.pff" "$tmp/pff"
	else
		echo "FAIL pffexport (exit $rc): $(head -5 "$tmp/pff.err" | tr '\n' ' ')"
		failed=1
	fi
	ran=$((ran + 1))
fi

# 4. our validator
if ! want pst-check; then
	:
elif [ -x "$mbx" ]; then
	# shellcheck disable=SC2086
	"$mbx" pst-check -q $strict "$pst" >"$tmp/check" 2>&1
	rc=$?
	if [ $rc -eq 0 ]; then
		echo "ok   pst-check${strict:+ $strict}: $(tail -1 "$tmp/check" | sed 's/^.*\.pst: //')"
	else
		echo "FAIL pst-check${strict:+ $strict} (exit $rc):"
		head -40 "$tmp/check" | sed 's/^/     /'
		failed=1
	fi
	ran=$((ran + 1))
else
	echo "FAIL pst-check: $mbx is not built"
	failed=1
fi

if [ $failed -ne 0 ]; then
	echo "pst-compare: $pst does NOT match $(basename "$expected")"
	exit 1
fi
echo "pst-compare: $pst matches $(basename "$expected") ($ran checks)"
exit 0
