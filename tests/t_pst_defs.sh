#!/bin/sh
# tests/t_pst_defs.sh - include/mbx/mapitags.h is what tools/gen-mapitags.sh
# makes of ../shared/reference/mapi-properties.csv (regenerate it when this
# fails: see the top of include/mbx/pstdefs.h), the generator's rules for
# odd input hold, and the writer names its property tags instead of
# spelling them in hex.
. "$top_srcdir/tests/lib.sh"
csv=$MBX_SHARED/reference/mapi-properties.csv
gen=$top_srcdir/tools/gen-mapitags.sh
[ -r "$csv" ] || skip_all "no ../shared/reference/mapi-properties.csv"

if sh "$gen" "$csv" >"$T_TMP/mapitags.h" 2>"$T_TMP/gen.err"; then
	ok "the generator runs"
else
	not_ok "the generator runs"
	sed 's/^/#   /' "$T_TMP/gen.err" | head -5
fi
if diff -u "$top_srcdir/include/mbx/mapitags.h" "$T_TMP/mapitags.h" >"$T_TMP/diff"; then
	ok "include/mbx/mapitags.h is current"
else
	not_ok "include/mbx/mapitags.h is current (tools/gen-mapitags.sh $csv > include/mbx/mapitags.h)"
	sed 's/^/#   /' "$T_TMP/diff" | head -20
fi
LC_ALL=C.UTF-8 sh "$gen" "$csv" >"$T_TMP/again.h" 2>/dev/null
check "the same in another locale" cmp -s "$T_TMP/mapitags.h" "$T_TMP/again.h"
grep -q '^#define MBX_PID_TAG_SUBJECT  *0x0037 ' "$T_TMP/mapitags.h" &&
	grep -q '^#define MBX_TAG_SUBJECT_W  *0x0037001F ' "$T_TMP/mapitags.h" &&
	grep -q '^#define MBX_LID_APPOINTMENT_START_WHOLE  *0x0000820D ' "$T_TMP/mapitags.h" &&
	grep -q '^#define MBX_PSETID_APPOINTMENT  *"\\x02\\x20\\x06\\x00' "$T_TMP/mapitags.h" &&
	ok "names and values as documented" || not_ok "names and values as documented"

# The generator's rules on a small list with the odd cases it must settle.
cat >"$T_TMP/odd.csv" <<'EOF'
PidTagOddOne,0x6001,PtypInteger32,0x0003,,
PidTagOddone,0x6001,PtypInteger32,0x0003,,
PidTagABCDef,0x6002,PtypString,0x001f,,
PidTagAbcDef,0x6003,PtypBinary,0x0102,,
PidTagAbcDEF,0x6004,PtypBinary,0x0102,,
PidLidOddTyped,0x00008001,PtypInteger32,0x0004,PSETID_Odd,00062002-0000-0000-C000-000000000046
PidLidOddDecimal,17,PtypBoolean,0x000B,PSETID_Odd,00062002-0000-0000-C000-000000000046
PidLidOddBadGuid,0x00008002,PtypTime,0x0040,PSETID_Odd,00062002-0000-0000-C000-0000000000
PidTagOddBadId,0x60,PtypInteger32,0x0003,,
NotAProperty,0x6005,PtypInteger32,0x0003,,
EOF
if sh "$gen" "$T_TMP/odd.csv" >"$T_TMP/odd.h" 2>"$T_TMP/odd.err"; then
	ok "odd input: the generator runs"
else
	not_ok "odd input: the generator runs"
fi
grep -q '^#define MBX_PID_TAG_ODD_ONE  *0x6001 /\* PidTagOddOne (also PidTagOddone) \*/' "$T_TMP/odd.h" &&
	! grep -q 'ODDONE' "$T_TMP/odd.h" &&
	ok "odd input: spellings that differ in case only are one name" ||
	not_ok "odd input: spellings that differ in case only are one name"
# ABCDef, AbcDEF and AbcDef (byte order) all give ABC_DEF: the first keeps it
grep -q '^#define MBX_PID_TAG_ABC_DEF  *0x6002 ' "$T_TMP/odd.h" &&
	grep -q '^#define MBX_PID_TAG_ABC_DEF_2  *0x6004 ' "$T_TMP/odd.h" &&
	grep -q '^#define MBX_PID_TAG_ABC_DEF_3  *0x6003 ' "$T_TMP/odd.h" &&
	ok "odd input: one C name for three properties: _2, _3 in csv name order" ||
	not_ok "odd input: one C name for three properties: _2, _3 in csv name order"
grep -q '^#define MBX_LID_ODD_TYPED_TYPE  *MBX_PT_LONG$' "$T_TMP/odd.h" &&
	ok "odd input: the type name wins over a contradicting code" ||
	not_ok "odd input: the type name wins over a contradicting code"
grep -q '^#define MBX_LID_ODD_DECIMAL  *0x00000011 ' "$T_TMP/odd.h" &&
	ok "odd input: a decimal LID is taken" || not_ok "odd input: a decimal LID is taken"
grep -q '^#define MBX_PSETID_ODD  *"\\x02\\x20\\x06\\x00' "$T_TMP/odd.h" &&
	grep -q 'not 32 hex digits: ignored' "$T_TMP/odd.h" &&
	ok "odd input: a malformed GUID is noted and the good one used" ||
	not_ok "odd input: a malformed GUID is noted and the good one used"
! grep -q 'ODD_BAD_ID\|NOT_A_PROPERTY\|6005' "$T_TMP/odd.h" &&
	grep -q 'PidTagOddBadId: id 0x60 is not 4 hex digits: skipped' "$T_TMP/odd.h" &&
	ok "odd input: rows that can not be named are noted, not defined" ||
	not_ok "odd input: rows that can not be named are noted, not defined"
sh "$gen" "$T_TMP/odd.csv" | cmp -s - "$T_TMP/odd.h" && ok "odd input: the same output twice" ||
	not_ok "odd input: the same output twice"

# The writer spells no property tag in hex (comments aside).
if grep -nE 'pst_(pc|tc)_[a-z0-9_]+\([^,]+, *0x' "$top_srcdir"/core/pst/*.c >"$T_TMP/raw"; then
	not_ok "no property call in core/pst names its tag in hex"
	sed 's/^/#   /' "$T_TMP/raw" | head
else
	ok "no property call in core/pst names its tag in hex"
fi
if sed 's,/\*.*\*/,,' "$top_srcdir"/core/pst/msg_*.c "$top_srcdir"/core/pst/ltp_*.c |
   grep -nE '\b0x[0-9A-Fa-f]{8}\b' | grep -v '0xFFFFFFFF' >"$T_TMP/raw"; then
	not_ok "no 32-bit tag in hex in core/pst's messaging and LTP files"
	sed 's/^/#   /' "$T_TMP/raw" | head
else
	ok "no 32-bit tag in hex in core/pst's messaging and LTP files"
fi
done_testing
