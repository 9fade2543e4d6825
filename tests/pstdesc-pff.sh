#!/bin/bash
# tests/pstdesc-pff.sh FILE.pst - describe a PST as libpff's pffexport
# (Debian pff-tools) exports it, in the format of tests/PSTDESC.md
# (unsorted: pipe through LC_ALL=C sort).
#
# pffexport -m all -f all writes a directory per folder and per item
# (MessageNNNNN/ with OutlookHeaders.txt, Message.txt, Recipients.txt,
# Attachments/N_name); libpff builds the tree from the folders' hierarchy
# and contents tables.  What it can not give, so the comparison
# (tests/pst-compare.sh) normalizes the expected description the same way:
#   - the message class (not exported): written "?" in M records;
#   - text with a line break or a tab (subjects, names, file names): the
#     text files hold one value per line, so such M/R/A/E records can not be
#     parsed back; pst-compare.sh drops them from both sides;
#   - folder names are directory names: a name with "/" can not be
#     represented, and such folders are dropped from both sides;
#   - recipient types other than To/CC/BCC are written as pffexport names them.
#   - characters outside the BMP: Debian's libpff (20180714) decodes UTF-16
#     surrogate pairs wrongly; pst-compare.sh writes them "?" on both sides,
#     and a body holding one is written "~" here (not compared).
# Body SHA-256 is of Message.txt (the plain body as stored, UTF-8).
#
# Exit 0 ok; 2 when pffexport fails; 3 when pffexport recovered orphan or
# deleted items (a PST we write must have none); 77 when pffexport is absent.
set -u
pst=${1:?usage: pstdesc-pff.sh FILE.pst}
command -v pffexport >/dev/null 2>&1 || { echo "pstdesc-pff.sh: pffexport not installed (Debian pff-tools)" >&2; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pstdesc-pff.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
if ! pffexport -q -m all -f all -t "$tmp/x" "$pst" >"$tmp/log" 2>&1; then
	echo "pstdesc-pff.sh: pffexport failed on $pst:" >&2
	sed 's/^/  /' "$tmp/log" >&2
	exit 2
fi
status=0
# Debian's libpff also complains about items it can not type outside the
# IPM subtree (it does on outlook-empty.pst, written by Outlook): shown, not
# fatal.  Recovered or orphan items are: a PST we write has no deleted data.
if grep -qi 'unable\|error' "$tmp/log"; then
	echo "pstdesc-pff.sh: note: pffexport reported errors on $pst:" >&2
	grep -i 'unable\|error' "$tmp/log" | head -20 | sed 's/^/  /' >&2
fi
for kind in orphans recovered; do
	if [ -d "$tmp/x.$kind" ] && [ -n "$(ls -A "$tmp/x.$kind")" ]; then
		echo "pstdesc-pff.sh: pffexport found $kind items in $pst: $(ls "$tmp/x.$kind" | tr '\n' ' ')" >&2
		status=3
	fi
done
root="$tmp/x.export"
top="$root/Top of Personal Folders"
if [ ! -d "$top" ]; then
	# The IPM subtree under another name: the one folder that is not a search root.
	top=
	for d in "$root"/*/; do
		case ${d%/} in */"Search Root"|*/"SPAM Search Folder"*) ;; *) top=${d%/} ;; esac
	done
	[ -n "$top" ] || { echo "pstdesc-pff.sh: no Top of Personal Folders in the export of $pst" >&2; exit 2; }
fi

# Escape a text field as tests/PSTDESC.md says (pure bash: this runs for
# every field of every item).
esc() {
	local s=$1 out= c i
	s=${s//\\/\\\\}
	s=${s//$'\t'/\\t}
	s=${s//$'\n'/\\n}
	s=${s//$'\r'/\\r}
	if [[ $s == *[$'\x01'-$'\x1f'$'\x7f']* ]]; then
		for ((i = 0; i < ${#s}; i++)); do
			c=${s:i:1}
			if [[ $c == [$'\x01'-$'\x1f'$'\x7f'] ]]; then
				printf -v c '\\x%02X' "'$c"
			fi
			out+=$c
		done
		s=$out
	fi
	printf '%s' "$s"
}

# Read pffexport's "Name:<tabs>value" lines of OutlookHeaders.txt into H_*.
headers() {
	local line key val
	H_subject= H_sname= H_semail= H_rname= H_remail=
	[ -f "$1/OutlookHeaders.txt" ] || return 0
	while IFS= read -r line || [ -n "$line" ]; do
		line=${line%$'\r'}
		key=${line%%:*}
		val=${line#*:}
		val=${val#"${val%%[!$'\t']*}"}
		case $key in
		Subject) H_subject=$val ;;
		"Sender name") H_sname=$val ;;
		"Sender email address") H_semail=$val ;;
		"Sent representing name") H_rname=$val ;;
		"Sent representing email address") H_remail=$val ;;
		esac
	done <"$1/OutlookHeaders.txt"
	[ -n "$H_sname" ] || H_sname=$H_rname
	[ -n "$H_semail" ] || H_semail=$H_remail
}

is_item() {
	[ -f "$1/OutlookHeaders.txt" ] || [ -f "$1/Recipients.txt" ] || [ -f "$1/ConversationIndex.txt" ]
}

sha_file() {
	sha256sum <"$1" | cut -d' ' -f1
}

nrecipients() {
	if [ -f "$1/Recipients.txt" ]; then grep -c '^Display name:' "$1/Recipients.txt"; else echo 0; fi
}

nattachments() {
	if [ -d "$1/Attachments" ]; then find "$1/Attachments" -mindepth 1 -maxdepth 1 | wc -l; else echo 0; fi
}

item() {
	local d=$1 path=$2 subj body a name base esubj em e
	headers "$d"
	subj=$H_subject
	if [ ! -f "$d/Message.txt" ]; then
		body=-
	elif LC_ALL=C grep -q $'[\xF0-\xF4]' "$d/Message.txt"; then
		body="~"   # outside the BMP: libpff decodes such text wrongly
	else
		body=$(sha_file "$d/Message.txt")
	fi
	printf 'M\t%s\t%s\t%s\t%s\t?\t%s\t%s\t%s\n' "$(esc "$path")" "$(esc "$subj")" "$(esc "$H_sname")" \
		"$(esc "$H_semail")" "$body" "$(nrecipients "$d")" "$(nattachments "$d")"
	if [ -f "$d/Recipients.txt" ]; then
		LC_ALL=C awk -F'\t+' -v path="$(esc "$path")" -v subj="$(esc "$subj")" '
			function flush() { if (have) { t = tolower(type); print "R\t" path "\t" subj "\t" t "\t" name "\t" email }; have = 0; name = email = type = "" }
			function e(x) { gsub(/\\/, "\\\\", x); return x }
			/^Display name:/ { flush(); have = 1; name = e($2) }
			/^Email address:/ { email = e($2) }
			/^Recipient type:/ { type = $2 }
			END { flush() }' "$d/Recipients.txt" | sed 's/\r//g'
	fi
	[ -d "$d/Attachments" ] || return 0
	for a in "$d/Attachments"/*; do
		[ -e "$a" ] || continue
		base=${a##*/}
		name=${base#*_}
		if [ -d "$a" ]; then
			# An embedded message: AttachmentNNNNN/MessageNNNNN/, an item
			# directory of its own.
			em=$a
			for e in "$a"/*/; do
				if [ -d "$e" ] && is_item "${e%/}"; then em=${e%/}; break; fi
			done
			headers "$em"
			esubj=$H_subject
			printf 'E\t%s\t%s\t%s\t%s\t%s\n' "$(esc "$path")" "$(esc "$subj")" "$(esc "$esubj")" \
				"$(nrecipients "$em")" "$(nattachments "$em")"
		else
			printf 'A\t%s\t%s\t%s\t%s\t%s\n' "$(esc "$path")" "$(esc "$subj")" "$(esc "$name")" \
				"$(stat -c %s "$a")" "$(sha_file "$a")"
		fi
	done
}

folder() {
	local dir=$1 path=$2 d n=0 name sub
	for d in "$dir"/*/; do
		[ -d "$d" ] || continue
		is_item "${d%/}" && n=$((n + 1))
	done
	[ -z "$path" ] || printf 'F\t%s\t%s\n' "$(esc "$path")" "$n"
	for d in "$dir"/*/; do
		[ -d "$d" ] || continue
		d=${d%/}
		name=${d##*/}
		if is_item "$d"; then
			item "$d" "$path"
		else
			# "\" in a name gets a backslash, like tests/export-desc.
			sub=${name//\\/\\\\}
			folder "$d" "${path:+$path/}$sub"
		fi
	done
}

folder "$top" ""
exit $status
