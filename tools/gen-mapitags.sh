#!/bin/sh
# tools/gen-mapitags.sh - write include/mbx/mapitags.h from the MAPI
# property list (columns: name, id, type name, type code, set name, set
# GUID), e.g.
#
#   tools/gen-mapitags.sh ../shared/reference/mapi-properties.csv > include/mbx/mapitags.h
#
# Plain POSIX sh, awk and sort (the output does not depend on the awk -
# mawk, gawk, the one true awk and busybox awk give the same bytes - or
# the locale); tests/t_pst_defs.sh checks that the committed header is
# what this script makes.  The naming rules are in the header it writes.
set -e
LC_ALL=C
export LC_ALL
if [ $# -ne 1 ] || [ ! -r "$1" ]; then
	echo "usage: $0 mapi-properties.csv > mapitags.h" >&2
	exit 2
fi
csv=$1
tmp=${TMPDIR:-/tmp}/gen-mapitags.$$
trap 'rm -f "$tmp.body" "$tmp.notes"' EXIT
: >"$tmp.notes"

# Pass 1: parse, check, merge spellings, name; every output line is
# "section TAB sort-key TAB text".  Sections: 1 property sets, 2 PidTag,
# 3 PidLid, 4 PidName; notes about the input go to $tmp.notes.
awk -F, -v notes="$tmp.notes" '
# notes are sorted by their key: the csv line, 0 for the whole input
function note(line, s) { printf "%06d %s\n", line, s >notes }
# PidTagMessageClass -> MESSAGE_CLASS; SMTPAddress -> SMTP_ADDRESS;
# Email1Address -> EMAIL1_ADDRESS; PUBLIC_STRINGS stays.
function snake(s,   i, n, c, p, q, out) {
	out = ""
	n = length(s)
	for (i = 1; i <= n; i++) {
		c = substr(s, i, 1)
		p = i > 1 ? substr(s, i - 1, 1) : ""
		q = substr(s, i + 1, 1)
		if (i > 1 && c ~ /[A-Z]/ && (p ~ /[a-z0-9]/ || (p ~ /[A-Z]/ && q ~ /[a-z]/)))
			out = out "_"
		out = out c
	}
	return toupper(out)
}
function upper_count(s,   n) { n = s; return gsub(/[A-Z]/, "", n) }
# "0x0037" -> "0x0037", "0x0000820d" -> "0x0000820D"; a decimal number
# ("17") is taken too, and noted; "" when neither.
function hexnorm(s, digits, what,   v) {
	if (s ~ /^[0-9]+$/) {
		v = s
		sub(/^0+/, "", v)   # some awks read a leading 0 as octal
		v = v + 0
		if (v >= 65536 * 65536)
			return ""
		note(NR, $1 ": " what " " s " is decimal: " sprintf("0x%0" digits "X", v) " used")
		return sprintf("0x%0" digits "X", v)
	}
	if (s !~ /^0[xX][0-9A-Fa-f]+$/ || length(s) != digits + 2)
		return ""
	return "0x" toupper(substr(s, 3))
}
# "00062002-0000-0000-C000-000000000046" -> PST byte order initializer
# text (Data1, Data2, Data3 little-endian, then Data4 as is); "" if the
# text is not 32 hex digits (dashes aside).
function guid_bytes(g,   h, i, order, out, b) {
	h = g
	gsub(/-/, "", h)
	if (h !~ /^[0-9A-Fa-f]+$/ || length(h) != 32)
		return ""
	h = toupper(h)
	split("4 3 2 1 6 5 8 7 9 10 11 12 13 14 15 16", order, " ")
	out = ""
	for (i = 1; i <= 16; i++) {
		b = substr(h, 2 * order[i] - 1, 2)
		out = out (i > 1 ? " " : "") b
	}
	return out
}
function set_cname(s,   u) {
	u = index(s, "_")
	if (u == 0)
		return "MBX_" snake(s)
	return "MBX_" toupper(substr(s, 1, u)) snake(substr(s, u + 1))
}
BEGIN {
	# type names as [MS-OXCDATA] 2.11.1 spells them -> type code
	split("integer16 0002 integer32 0003 floating32 0004 floating64 0005 currency 0006 " \
	      "floatingtime 0007 errorcode 000A boolean 000B object 000D embeddedtable 000D " \
	      "comobject 000D integer64 0014 string8 001E string 001F time 0040 guid 0048 " \
	      "serverid 00FB restriction 00FD ruleaction 00FE binary 0102 " \
	      "multipleinteger16 1002 multipleinteger32 1003 multiplefloating32 1004 " \
	      "multiplefloating64 1005 multiplecurrency 1006 multiplefloatingtime 1007 " \
	      "multipleinteger64 1014 multiplestring8 101E multiplestring 101F multipletime 1040 " \
	      "multipleguid 1048 multiplebinary 1102", t, " ")
	for (i = 1; i in t; i += 2)
		tcode[t[i]] = "0x" t[i + 1]
	split("0002 SHORT 0003 LONG 0004 FLOAT 0005 DOUBLE 0006 CURRENCY 0007 APPTIME 000A ERROR " \
	      "000B BOOLEAN 000D OBJECT 0014 I8 001E STRING8 001F UNICODE 0040 SYSTIME 0048 CLSID " \
	      "00FB SVREID 00FD SRESTRICT 00FE ACTIONS 0102 BINARY 1002 MV_SHORT 1003 MV_LONG " \
	      "1004 MV_FLOAT 1005 MV_DOUBLE 1006 MV_CURRENCY 1007 MV_APPTIME 1014 MV_I8 " \
	      "101E MV_STRING8 101F MV_UNICODE 1040 MV_SYSTIME 1048 MV_CLSID 1102 MV_BINARY", t, " ")
	for (i = 1; i in t; i += 2)
		ptname["0x" t[i]] = "MBX_PT_" t[i + 1]
	n = 0
}
{
	sub(/\r$/, "")
	if (NF == 0 || $0 ~ /^[ \t]*$/)
		next
	if (NF != 6) {
		note(NR, NF " columns, not 6: skipped")
		next
	}
	name = $1
	if (name ~ /^PidTag[A-Za-z0-9_]+$/) {
		kind = 2; base = substr(name, 7); id = hexnorm($2, 4, "id")
	} else if (name ~ /^PidLid[A-Za-z0-9_]+$/) {
		kind = 3; base = substr(name, 7); id = hexnorm($2, 8, "LID")
	} else if (name ~ /^PidName[A-Za-z0-9_]+$/) {
		kind = 4; base = substr(name, 8); id = "-"
	} else {
		note(NR, name ": not a PidTag, PidLid or PidName: skipped")
		next
	}
	if (id == "") {
		note(NR, name ": id " $2 " is not " (kind == 2 ? 4 : 8) " hex digits: skipped")
		next
	}
	code = hexnorm($4, 4, "type code")
	tn = tolower($3)
	sub(/^ptype?/, "", tn)
	if (code == "" && !(tn in tcode)) {
		note(NR, name ": type " $3 " " $4 " unknown: skipped")
		next
	}
	if (tn in tcode && tcode[tn] != code) {
		if (code != "")
			note(NR, name ": type code " $4 " disagrees with " $3 ": " tcode[tn] " used")
		code = tcode[tn]
	}
	set = $5
	if (kind != 2 && set == "") {
		note(NR, name ": no property set: skipped")
		next
	}
	if (set != "") {
		g = guid_bytes($6)
		if (g == "")
			note(NR, name ": GUID " $6 " of " set " is not 32 hex digits: ignored")
		else if (!((set, g) in gcount)) {
			gcount[set, g] = 1
			if (set in gl)
				gl[set] = gl[set] "|" g
			else
				gl[set] = g
		} else
			gcount[set, g]++
		sets[set] = 1
	}
	n++
	r_kind[n] = kind; r_name[n] = name; r_base[n] = base; r_id[n] = id; r_type[n] = code
	r_set[n] = set; r_line[n] = NR; r_alias[n] = ""
}
END {
	# 1. Property sets: the GUID most rows give (ties: the smallest).
	for (s in sets) {
		if (!(s in gl)) {
			note(0, s ": no usable GUID: no constant")
			continue
		}
		k = split(gl[s], c, "|")
		best = ""
		for (i = 1; i <= k; i++)
			if (best == "" || gcount[s, c[i]] > gcount[s, best] ||
			    (gcount[s, c[i]] == gcount[s, best] && c[i] < best))
				best = c[i]
		if (k > 1)
			note(0, s ": " k " different GUIDs: the one of " gcount[s, best] " rows used")
		psname[s] = set_cname(s)
		split(best, b, " ")
		str = ""; ini = ""
		for (i = 1; i <= 16; i++) {
			str = str "\\x" b[i]
			ini = ini (i > 1 ? ", " : "") "0x" b[i]
		}
		print "1\t" psname[s] "\t" sprintf("#define %-40s \"%s\"", psname[s], str)
		print "1\t" psname[s] "_BYTES\t" sprintf("#define %-40s { %s }", psname[s] "_BYTES", ini)
	}
	# 2. Spellings of one name that differ only in case and say the same
	# thing are one property: the spelling with the most capitals (then
	# the smallest) names it, the others are noted beside it.
	for (i = 1; i <= n; i++) {
		key = r_kind[i] SUBSEP tolower(r_name[i])
		same = 0
		k = split(spell[key], c, " ")
		for (a = 1; a <= k && !same; a++) {
			j = c[a] + 0
			if (r_kind[j] && r_id[i] == r_id[j] && r_type[i] == r_type[j] && r_set[i] == r_set[j])
				same = j
		}
		spell[key] = spell[key] " " i
		if (!same)
			continue   # the first spelling, or a different property: its own name
		j = same
		if (upper_count(r_name[i]) > upper_count(r_name[j]) ||
		    (upper_count(r_name[i]) == upper_count(r_name[j]) && r_name[i] < r_name[j])) {
			keep = i; drop = j
		} else {
			keep = j; drop = i
		}
		r_alias[keep] = r_alias[keep] (r_alias[keep] != "" ? ", " : "") r_name[drop] \
		                (r_alias[drop] != "" ? ", " r_alias[drop] : "")
		r_kind[drop] = 0
		note(r_line[drop], r_name[drop] " is " r_name[keep] " spelled otherwise: one name")
	}
	# 3. C names; two properties whose names give the same C name: the
	# smaller csv name keeps it, the others get _2, _3, ...
	for (i = 1; i <= n; i++) {
		if (!r_kind[i])
			continue
		cn[i] = snake(r_base[i])
		key = r_kind[i] SUBSEP cn[i]
		taken[key] = taken[key] " " i
	}
	for (key in taken) {
		k = split(taken[key], c, " ")
		if (k < 2)
			continue
		for (a = 1; a <= k; a++)            # order by csv name, then line
			for (b2 = a + 1; b2 <= k; b2++)
				if (r_name[c[b2]] < r_name[c[a]] ||
				    (r_name[c[b2]] == r_name[c[a]] && r_line[c[b2]] < r_line[c[a]])) {
					x = c[a]; c[a] = c[b2]; c[b2] = x
				}
		for (a = 2; a <= k; a++) {
			note(r_line[c[a]], r_name[c[a]] " and " r_name[c[1]] " give one C name: " \
			     cn[c[a]] "_" a " for the former")
			cn[c[a]] = cn[c[a]] "_" a
		}
	}
	for (i = 1; i <= n; i++) {
		if (!r_kind[i])
			continue
		tp = r_type[i] in ptname ? ptname[r_type[i]] : r_type[i]
		com = r_name[i] (r_alias[i] != "" ? " (also " r_alias[i] ")" : "")
		if (r_kind[i] == 2) {
			print "2\t" cn[i] "\t1\t" sprintf("#define %-56s %s /* %s */", "MBX_PID_TAG_" cn[i], r_id[i], com)
			print "2\t" cn[i] "\t2\t" sprintf("#define %-56s %s%s /* %s */", "MBX_TAG_" cn[i], r_id[i],
			                                  substr(r_type[i], 3), tp)
		} else if (r_kind[i] == 3) {
			print "3\t" cn[i] "\t1\t" sprintf("#define %-56s %s /* %s */", "MBX_LID_" cn[i], r_id[i], com)
			print "3\t" cn[i] "\t2\t" sprintf("#define %-56s %s", "MBX_LID_" cn[i] "_TYPE", tp)
			if (r_set[i] in psname)
				print "3\t" cn[i] "\t3\t" sprintf("#define %-56s %s", "MBX_LID_" cn[i] "_PSET", psname[r_set[i]])
		} else {
			print "4\t" cn[i] "\t1\t" sprintf("#define %-56s %s /* %s */", "MBX_NAME_" cn[i] "_TYPE", tp, com)
			if (r_set[i] in psname)
				print "4\t" cn[i] "\t2\t" sprintf("#define %-56s %s", "MBX_NAME_" cn[i] "_PSET", psname[r_set[i]])
		}
	}
}' "$csv" | sort -t "$(printf '\t')" -k1,1n -k2,2 -k3,3n >"$tmp.body"
# (a pipeline's status is sort's: an awk that failed shows as no output)
if [ ! -s "$tmp.body" ]; then
	echo "$0: no property read from $csv" >&2
	exit 1
fi

body() { awk -F '\t' -v s="$1" '$1 == s { print $NF }' "$tmp.body"; }

cat <<'HEAD'
/*
 * include/mbx/mapitags.h - MAPI property names ([MS-OXPROPS]).
 *
 * GENERATED by tools/gen-mapitags.sh from mapi-properties.csv: do not edit.
 * To regenerate (tests/t_pst_defs.sh checks that this file is current):
 *
 *   tools/gen-mapitags.sh ../shared/reference/mapi-properties.csv > include/mbx/mapitags.h
 *
 * Names.  <X> is the csv name without its Pid... prefix in UPPER_SNAKE_CASE
 * (a capital starts a word, so does the last capital of an acronym before
 * a lowercase letter): PidTagMessageClass -> MESSAGE_CLASS,
 * PidLidContactLinkSMTPAddressCache -> CONTACT_LINK_SMTP_ADDRESS_CACHE,
 * PidLidEmail1AddressType -> EMAIL1_ADDRESS_TYPE.
 *
 *   MBX_PT_<T>            a property type code ([MS-OXCDATA] 2.11.1), e.g.
 *                         MBX_PT_UNICODE 0x001F (PtypString)
 *   MBX_PID_TAG_<X>       a PidTag's property id, e.g. MBX_PID_TAG_SUBJECT 0x0037
 *   MBX_TAG_<X>           its property tag, (id << 16) | type, with the type
 *                         the csv gives: MBX_TAG_SUBJECT 0x0037001E (PtypString8)
 *                         and MBX_TAG_SUBJECT_W 0x0037001F (PidTagSubjectW)
 *   MBX_LID_<X>           a PidLid's LID (32 bits), with MBX_LID_<X>_TYPE its
 *                         type and MBX_LID_<X>_PSET its property set
 *   MBX_NAME_<X>_TYPE     a PidName's type and property set (_PSET); the csv
 *                         has no string names, so they are not here
 *   MBX_<SET>             a property set GUID (MBX_PSETID_APPOINTMENT,
 *                         MBX_PS_PUBLIC_STRINGS, ...) in the byte order a PST
 *                         stores it (Data1, Data2, Data3 little-endian, then
 *                         Data4), as a 16-byte string literal (no NUL is part
 *                         of the GUID); MBX_<SET>_BYTES is the same as a
 *                         brace initializer for unsigned char[16]
 *   MBX_PROP_TAG(id, type), MBX_PROP_ID(tag), MBX_PROP_TYPE(tag)
 *
 * Collisions.  Spellings of one name that differ only in case and give the
 * same id, type and set are one property, named after the spelling with
 * the most capitals (the others are noted beside it).  Two different
 * properties whose names give one C name: the smaller csv name (byte
 * order) keeps it, the others get _2, _3, ...  A type name the csv
 * contradicts with its type code wins over the code.  The notes below
 * list what this csv needed.
 *
 * Properties a PST needs that the csv lacks are in mbx/pstdefs.h.
 */
HEAD
if [ -s "$tmp.notes" ]; then
	echo '/*'
	echo ' * Notes on the input:'
	sort "$tmp.notes" | awk '{ k = $1; sub(/^0+/, "", k); sub(/^[0-9]+ /, ""); print " * " (k != "" ? "line " k ": " : "") $0 }' 
	echo ' */'
fi
cat <<'TYPES'
#ifndef MBX_MAPITAGS_H
#define MBX_MAPITAGS_H

#include <stdint.h>

#define MBX_PROP_TAG(id, type) ((uint32_t)(((uint32_t)(id) << 16) | ((uint32_t)(type) & 0xFFFFu)))
#define MBX_PROP_ID(tag)       ((uint16_t)((uint32_t)(tag) >> 16))
#define MBX_PROP_TYPE(tag)     ((uint16_t)((uint32_t)(tag) & 0xFFFFu))

/* ---- property types ([MS-OXCDATA] 2.11.1) ------------------------------ */
#define MBX_PT_UNSPECIFIED   0x0000   /* PtypUnspecified */
#define MBX_PT_NULL          0x0001   /* PtypNull */
#define MBX_PT_SHORT         0x0002   /* PtypInteger16 */
#define MBX_PT_LONG          0x0003   /* PtypInteger32 */
#define MBX_PT_FLOAT         0x0004   /* PtypFloating32 */
#define MBX_PT_DOUBLE        0x0005   /* PtypFloating64 */
#define MBX_PT_CURRENCY      0x0006   /* PtypCurrency */
#define MBX_PT_APPTIME       0x0007   /* PtypFloatingTime */
#define MBX_PT_ERROR         0x000A   /* PtypErrorCode */
#define MBX_PT_BOOLEAN       0x000B   /* PtypBoolean */
#define MBX_PT_OBJECT        0x000D   /* PtypObject, PtypEmbeddedTable */
#define MBX_PT_I8            0x0014   /* PtypInteger64 */
#define MBX_PT_STRING8       0x001E   /* PtypString8 */
#define MBX_PT_UNICODE       0x001F   /* PtypString */
#define MBX_PT_SYSTIME       0x0040   /* PtypTime */
#define MBX_PT_CLSID         0x0048   /* PtypGuid */
#define MBX_PT_SVREID        0x00FB   /* PtypServerId */
#define MBX_PT_SRESTRICT     0x00FD   /* PtypRestriction */
#define MBX_PT_ACTIONS       0x00FE   /* PtypRuleAction */
#define MBX_PT_BINARY        0x0102   /* PtypBinary */
#define MBX_PT_MV_FLAG       0x1000   /* multiple values of the type in the low bits */
#define MBX_PT_MV_INSTANCE   0x2000   /* one row per value (tables) */
#define MBX_PT_MV_SHORT      0x1002   /* PtypMultipleInteger16 */
#define MBX_PT_MV_LONG       0x1003   /* PtypMultipleInteger32 */
#define MBX_PT_MV_FLOAT      0x1004   /* PtypMultipleFloating32 */
#define MBX_PT_MV_DOUBLE     0x1005   /* PtypMultipleFloating64 */
#define MBX_PT_MV_CURRENCY   0x1006   /* PtypMultipleCurrency */
#define MBX_PT_MV_APPTIME    0x1007   /* PtypMultipleFloatingTime */
#define MBX_PT_MV_I8         0x1014   /* PtypMultipleInteger64 */
#define MBX_PT_MV_STRING8    0x101E   /* PtypMultipleString8 */
#define MBX_PT_MV_UNICODE    0x101F   /* PtypMultipleString */
#define MBX_PT_MV_SYSTIME    0x1040   /* PtypMultipleTime */
#define MBX_PT_MV_CLSID      0x1048   /* PtypMultipleGuid */
#define MBX_PT_MV_BINARY     0x1102   /* PtypMultipleBinary */
/* Other names of the same codes. */
#define MBX_PT_I2            MBX_PT_SHORT
#define MBX_PT_I4            MBX_PT_LONG
#define MBX_PT_R4            MBX_PT_FLOAT
#define MBX_PT_R8            MBX_PT_DOUBLE
#define MBX_PT_LONGLONG      MBX_PT_I8
#define MBX_PT_SERVERID      MBX_PT_SVREID

TYPES
echo '/* ---- property sets ------------------------------------------------------ */'
body 1
echo
echo '/* ---- PidTag: property ids and tags --------------------------------------- */'
body 2
echo
echo '/* ---- PidLid: named properties by LID -------------------------------------- */'
body 3
echo
echo '/* ---- PidName: named properties by string ---------------------------------- */'
body 4
echo
echo '#endif'
