# tools/gen-mapinames.awk - the names of include/mbx/mapitags.h as C
# tables (the build makes core/base/mapinames.inc from it; see
# core/base/propnames.c):
#   TAG(0x0037, "PidTagSubject")
#   LID(0x00008216, MBX_PSETID_APPOINTMENT, "PidLidAppointmentRecur")
# A property id the header names twice keeps its first name.
/^#define MBX_PID_TAG_[A-Z0-9_]+[ \t]+0x[0-9A-Fa-f]+[ \t]+\/\* Pid/ {
	if (!($3 in tag)) {
		tag[$3] = 1
		printf "TAG(%s, \"%s\")\n", $3, $5
	}
	next
}
/^#define MBX_LID_[A-Z0-9_]+[ \t]+0x[0-9A-Fa-f]+[ \t]+\/\* Pid/ {
	lidmacro = $2; lid = $3; lidname = $5
	next
}
/^#define MBX_LID_[A-Z0-9_]+_PSET[ \t]/ {
	if ($2 == lidmacro "_PSET")
		printf "LID(%s, %s, \"%s\")\n", lid, $3, lidname
	next
}
