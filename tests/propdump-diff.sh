#!/bin/sh
# tests/propdump-diff.sh [--ipm] A.dump B.dump - compare two property dumps
# (tests/PROPDUMP.md: `mbxrescue pst-dump`, tests/pstdump-pff) of an
# original and its copy, leaving out only the properties our writer
# regenerates (`mbxrescue pst-dump --regenerated`: kind, key, type).
#
# Prints the differing lines ("-" only in A, "+" only in B) and exits 0
# when there are none, 1 when there are, 2 on a usage error.  MBX names
# the mbxrescue binary (default: mbxrescue in PATH).
#
# --ipm: only the message store and what is below the IPM subtree (the
# root folder's child with the most lines below it), its own name written
# "IPM_SUBTREE" in both: what an import into a mailbox keeps (a mailbox's
# folders are the subtree's; the root folder, the subtree's own folder
# object, search folders and the root's other children are not imported).
#
# The kind of an object comes from its name: store; .../rcpt#N a
# recipient; .../att#N an attachment; .../msg#N, .../fai#N and
# .../att#N/msg a message; any other folder:... a folder (a folder whose
# own name is "msg#3" would be taken for a message).
set -eu
LC_ALL=C
export LC_ALL
ipm=0
if [ "${1:-}" = --ipm ]; then
	ipm=1
	shift
fi
if [ $# -ne 2 ] || [ ! -r "$1" ] || [ ! -r "$2" ]; then
	echo "usage: $0 [--ipm] A.dump B.dump" >&2
	exit 2
fi
MBX=${MBX:-mbxrescue}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/propdump-diff.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
"$MBX" pst-dump --regenerated > "$tmp/regen" || { echo "$0: $MBX pst-dump --regenerated failed" >&2; exit 2; }
for f in 1 2; do
	eval "src=\${$f}"
	top=
	if [ "$ipm" = 1 ]; then
		# the root's child with the most lines below it ("\/" is an escaped "/")
		top=$(awk -F'\t' '$1 ~ /^folder:/ {
			o = substr($1, 8); gsub(/\\\\/, "\001", o); gsub(/\\\//, "\002", o)
			if (index(o, "/")) n[substr(o, 1, index(o, "/") - 1)]++ }
			END { for (t in n) if (n[t] > best) { best = n[t]; b = t }
			      gsub(/\002/, "\\/", b); gsub(/\001/, "\\\\", b); print b }' "$src")
	fi
	TOP=$top awk -F'\t' -v OFS='\t' -v regen="$tmp/regen" -v ipm="$ipm" '
	BEGIN {
		top = ENVIRON["TOP"]
		while ((getline l < regen) > 0) {
			split(l, r, "\t")
			R[r[1] SUBSEP r[2] SUBSEP r[3]] = 1
		}
	}
	function kind(o) {
		if (o == "store") return "store"
		if (o ~ /\/rcpt#[0-9]+$/) return "recipient"
		if (o ~ /\/att#[0-9]+$/) return "attachment"
		if (o ~ /\/(msg|fai)#[0-9]+$/ || o ~ /\/att#[0-9]+\/msg$/) return "message"
		return "folder"
	}
	{
		k = kind($1)
		if ((k SUBSEP $2 SUBSEP "0x0000") in R || (k SUBSEP $2 SUBSEP $3) in R)
			next
		if (ipm && $1 != "store") {
			p = "folder:" top "/"
			if (substr($1, 1, length(p)) != p)
				next
			$1 = "folder:IPM_SUBTREE/" substr($1, length(p) + 1)
		}
		print
	}' "$src" > "$tmp/$f"
done
if cmp -s "$tmp/1" "$tmp/2"; then
	exit 0
fi
diff "$tmp/1" "$tmp/2" | sed -n 's/^< /- /p; s/^> /+ /p'
exit 1
