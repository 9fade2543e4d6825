#!/bin/bash
# tests/pstdesc-pff.sh FILE.pst - describe a PST as libpff's pffexport
# (Debian pff-tools) exports it, in the format of tests/PSTDESC.md
# (unsorted: pipe through LC_ALL=C sort).
#
# pffexport -m all -f all writes a directory per folder and per item, named
# after the kind libpff gives the item from its message class: MessageNNNNN/
# (e-mail and classes it does not type) holds OutlookHeaders.txt;
# AppointmentNNNNN/, ContactNNNNN/, TaskNNNNN/, NoteNNNNN/ (sticky notes),
# ActivityNNNNN/ (journal), MeetingNNNNN/, DistributionListNNNNN/,
# DocumentNNNNN/ and RSS feeds hold Appointment.txt, Contact.txt, ... whose
# first section ("Message:", up to the first empty line) has the same
# "Name:<tabs>value" lines as OutlookHeaders.txt (subject, sender name and
# address), followed by the kind's own section and, for some, the body.
# Beside it: Message.txt (plain body), Recipients.txt, Attachments/N_name.
# libpff builds the tree from the folders' hierarchy and contents tables.
# What it can not give, so the comparison (tests/pst-compare.sh) normalizes
# the expected description the same way:
#   - the message class (not exported; the directory name only tells the
#     kind): written "?" in M records;
#   - the body of an appointment: pffexport writes no Message.txt and no
#     "Body:" section for one (also on Outlook's own files, e.g.
#     ansi-32bit.pst): written "~" (not compared);
#   - attachment file names: pffexport rewrites characters such as "@" in
#     them; pst-compare.sh writes them "?" on both sides;
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
# With PSTDESC_DETAILS=1 in the environment also P records (item details),
# from the kind's own section: "Appointment:" (start, end, location, busy
# status), "Contact:" (file under, names, company, job title, e-mail
# addresses 1-3, phones) and "Task:" (start and due dates, percent).
#
# Exit 0 ok; 2 when pffexport fails; 3 when pffexport recovered orphan or
# deleted items (a PST we write must have none); 77 when pffexport is absent.
set -u
export LC_ALL=C   # bytes, not characters, in every pattern below
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

# Escape a text field as tests/PSTDESC.md says, into REPLY (pure bash, no
# subshell: this runs for every field of every item).
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
	REPLY=$s
}

# The file holding an item's "Message:" section: OutlookHeaders.txt for an
# e-mail (IPM.Note and classes libpff does not type), else the file named
# after the kind libpff gives the item (IPM.Appointment -> Appointment.txt,
# IPM.Contact, IPM.Task, IPM.StickyNote -> Note.txt, IPM.Activity (journal)
# -> Activity.txt, meeting requests, distribution lists, documents, RSS).
HDR_FILES="OutlookHeaders.txt Appointment.txt Contact.txt Task.txt Note.txt
Activity.txt Meeting.txt DistributionList.txt Document.txt Feed.txt"

# The header file of item directory $1 into REPLY; 1 when it has none.
header_file() {
	local f
	for f in $HDR_FILES; do
		if [ -f "$1/$f" ]; then REPLY=$1/$f; return 0; fi
	done
	REPLY=
	return 1
}

# Read the "Name:<tabs>value" lines of the item's "Message:" section into
# H_*.  The section ends at the first empty line: the kind files go on
# with their own section and the body, whose lines must not be read as
# headers.
headers() {
	local line key val hf
	H_subject= H_sname= H_semail= H_rname= H_remail=
	header_file "$1" || return 0
	hf=$REPLY
	while IFS= read -r line || [ -n "$line" ]; do
		line=${line%$'\r'}
		[ -n "$line" ] || break
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
	done <"$hf"
	[ -n "$H_sname" ] || H_sname=$H_rname
	[ -n "$H_semail" ] || H_semail=$H_remail
}

# Recipients of an item: R_count, and R_lines (R records) when $2 is set.
recipients() {
	local line key val name= email= type= have=0 p=$2 sj=$3
	R_count=0 R_lines=
	[ -f "$1/Recipients.txt" ] || return 0
	while IFS= read -r line || [ -n "$line" ]; do
		line=${line%$'\r'}
		key=${line%%:*}
		val=${line#*:}
		val=${val#"${val%%[!$'\t']*}"}
		case $key in
		"Display name")
			[ $have -eq 1 ] && recipient_line "$p" "$sj" "$type" "$name" "$email"
			have=1 name=$val email= type=
			R_count=$((R_count + 1)) ;;
		"Email address") email=$val ;;
		"Recipient type") type=$val ;;
		esac
	done <"$1/Recipients.txt"
	[ $have -eq 1 ] && recipient_line "$p" "$sj" "$type" "$name" "$email"
	return 0
}

recipient_line() {
	local t=${3,,} n e
	esc "$4"; n=$REPLY
	esc "$5"; e=$REPLY
	R_lines+="R"$'\t'"$1"$'\t'"$2"$'\t'"$t"$'\t'"$n"$'\t'"$e"$'\n'
}

# 1 when a file holds a UTF-8 lead byte of a character outside the BMP.
has_astral() {
	local txt
	IFS= read -r -d '' txt <"$1"
	[[ $txt == *[$'\xF0'-$'\xF4']* ]]
}

is_item() {
	header_file "$1" || [ -f "$1/Recipients.txt" ] || [ -f "$1/ConversationIndex.txt" ]
}

# SHA-256 and size of every exported file, in two calls for the whole export.
declare -A SHA SIZE
while IFS= read -r -d '' line; do
	SIZE[${line#*$'\t'}]=${line%%$'\t'*}
done < <(find "$root" -type f -printf '%s\t%p\0')
while IFS= read -r line; do
	# sha256sum prefixes names holding "\" or a newline with "\": leave those to sha_file.
	case $line in \\*) continue ;; esac
	SHA[${line#*  }]=${line%%  *}
done < <(find "$root" -type f \( -name Message.txt -o -path '*/Attachments/*' \) -print0 | xargs -0 -r sha256sum)

sha_file() {
	if [ -n "${SHA[$1]+x}" ]; then
		REPLY=${SHA[$1]}
	else
		REPLY=$(sha256sum <"$1" | cut -d' ' -f1)
	fi
}

nattachments() {
	local att=("$1"/Attachments/*)
	REPLY=0
	[ -e "${att[0]}" ] && REPLY=${#att[@]}
	return 0
}

# "Sep 22, 2026 15:00:00.000000000 UTC" -> "2026-09-22 15:00:00" (REPLY).
pff_time() {
	local m d y t months=JanFebMarAprMayJunJulAugSepOctNovDec i
	read -r m d y t _ <<<"$1"
	d=${d%,}
	i=${months%%"$m"*}
	i=$(( ${#i} / 3 + 1 ))
	printf -v REPLY '%04d-%02d-%02d %s' "$y" "$i" "$((10#$d))" "${t%%.*}"
}

# P records of item directory $1 (escaped path $2, subject $3).
details() {
	local f kind line key val out=
	for f in Appointment Contact Task; do
		[ -f "$1/$f.txt" ] && kind=$f && break
	done
	[ -n "${kind:-}" ] || return 0
	local in=0
	while IFS= read -r line || [ -n "$line" ]; do
		line=${line%$'\r'}
		if [ $in -eq 0 ]; then
			[ "$line" = "$kind:" ] && in=1
			continue
		fi
		[ -n "$line" ] || break
		key=${line%%:*}
		val=${line#*:}
		val=${val#"${val%%[!$'\t']*}"}
		[ -n "$val" ] || continue
		case $kind:$key in
		"Appointment:Start time") pff_time "$val"; key=start val=$REPLY ;;
		"Appointment:End time") pff_time "$val"; key=end val=$REPLY ;;
		"Appointment:Location") key=location ;;
		"Appointment:Busy status") key=busy val=$((val)) ;;
		"Contact:File under") key=file-as ;;
		"Contact:Given name") key=given ;;
		"Contact:Surname") key=surname ;;
		"Contact:Company name") key=company ;;
		"Contact:Job title") key=title ;;
		"Contact:Email address 1") key=email1 ;;
		"Contact:Email address 2") key=email2 ;;
		"Contact:Email address 3") key=email3 ;;
		"Contact:Business phone number 1") key=business-phone ;;
		"Contact:Home phone number") key=home-phone ;;
		"Contact:Mobile phone number") key=mobile-phone ;;
		"Task:Start date") pff_time "$val"; key=task-start val=$REPLY ;;
		"Task:Due date") pff_time "$val"; key=task-due val=$REPLY ;;
		"Task:Percentage complete") key=percent val=$(awk -v v="$val" 'BEGIN { printf "%d", v * 100 + 0.5 }') ;;
		*) continue ;;
		esac
		esc "$val"
		out+="P"$'\t'"$2"$'\t'"$3"$'\t'"$key"$'\t'"$REPLY"$'\n'
	done <"$1/$kind.txt"
	printf '%s' "$out"
}

item() {
	local d=$1 path=$2 ep subj body a name base esubj em e natt
	esc "$path"; ep=$REPLY
	headers "$d"
	esc "$H_subject"; subj=$REPLY
	if [ -f "$d/Appointment.txt" ] && [ ! -f "$d/Message.txt" ]; then
		body="~"   # pffexport writes no body for an appointment
	elif [ ! -f "$d/Message.txt" ]; then
		body=-
	elif has_astral "$d/Message.txt"; then
		body="~"   # outside the BMP: libpff decodes such text wrongly
	else
		sha_file "$d/Message.txt"; body=$REPLY
	fi
	recipients "$d" "$ep" "$subj"
	nattachments "$d"; natt=$REPLY
	esc "$H_sname"; local sn=$REPLY
	esc "$H_semail"; local se=$REPLY
	printf 'M\t%s\t%s\t%s\t%s\t?\t%s\t%s\t%s\n' "$ep" "$subj" "$sn" "$se" "$body" "$R_count" "$natt"
	[ "${PSTDESC_DETAILS:-}" = 1 ] && details "$d" "$ep" "$subj"
	printf '%s' "$R_lines"
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
			esc "$H_subject"; esubj=$REPLY
			recipients "$em" "" ""
			nattachments "$em"
			printf 'E\t%s\t%s\t%s\t%s\t%s\n' "$ep" "$subj" "$esubj" "$R_count" "$REPLY"
		else
			esc "$name"; name=$REPLY
			sha_file "$a"
			printf 'A\t%s\t%s\t%s\t%s\t%s\n' "$ep" "$subj" "$name" "${SIZE[$a]:-0}" "$REPLY"
		fi
	done
}

folder() {
	local dir=$1 path=$2 d n=0 name sub
	for d in "$dir"/*/; do
		[ -d "$d" ] || continue
		is_item "${d%/}" && n=$((n + 1))
	done
	if [ -n "$path" ]; then
		esc "$path"
		printf 'F\t%s\t%s\n' "$REPLY" "$n"
	fi
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
