/*
 * mbx/props.h - property bags: every MAPI property of one object (a
 * message store, folder, message, recipient or attachment) as it was
 * found, so that nothing is lost between a PST read in, the store, and a
 * PST written out.
 *
 * A property is a key, a type and a value:
 *   - the key is a plain property id (0x0001-0x7FFF, e.g. 0x0037
 *     PidTagSubject) or a named property: a property set GUID (16 bytes in
 *     PST byte order, MBX_PSETID_*) with a numeric name (LID, e.g. 0x8216
 *     PidLidAppointmentRecur) or a string name (UTF-8).  Named properties
 *     are kept by name, never by the 0x8000+ id a file gave them: every
 *     output file maps them through its own name-to-ID map.
 *   - the type is a MAPI property type (MBX_PT_*, mbx/mapitags.h),
 *     multi-valued types included; unknown types are kept as they are.
 *   - the value is raw bytes, little-endian, in the form a PST stores it
 *     once its HNID is resolved:
 *       fixed size  PT_SHORT 2, PT_LONG/PT_FLOAT/PT_ERROR 4, PT_BOOLEAN 1,
 *                   PT_DOUBLE/PT_CURRENCY/PT_APPTIME/PT_I8/PT_SYSTIME 8
 *                   (FILETIME, 100 ns since 1601), PT_CLSID 16
 *       PT_UNICODE  UTF-16LE, no terminator
 *       PT_STRING8  8-bit text in the object's code page, no terminator
 *       PT_BINARY, PT_SVREID, PT_SERVERID, PT_OBJECT and unknown types:
 *                   the bytes
 *       multi-valued: [MS-PST] 2.3.3.4.2 (fixed-size: the values back to
 *                   back; variable-size: ulCount, rgulDataOffsets, data)
 *     mbx_props_check_value tells a value of the wrong size for its type.
 *
 * Ownership: an mbx_props is a value type owned by whoever holds it
 * (usually inside an mbx_message, mbx_folder, ...): init it, fill it,
 * release it with mbx_props_clear.  Keys, values and names handed in are
 * copied.  Pointers handed out (mbx_props_val, names) point into the bag
 * and stay valid until the bag is next changed or cleared.
 *
 * A bag holds each key at most once; mbx_props_set replaces.  The order
 * is the order of insertion (a PST sorts by id anyway).
 */
#ifndef MBX_PROPS_H
#define MBX_PROPS_H

#include "mbx/common.h"
#include "mbx/mapitags.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The key of a property.  Plain: id set, guid NULL.  Named: id 0, guid
 * set, and either name (string) or lid (numeric). */
typedef struct mbx_propkey {
	uint16_t id;
	const uint8_t *guid;    /* 16 bytes, PST byte order */
	uint32_t lid;
	const char *name;       /* UTF-8, NUL-terminated */
} mbx_propkey;

/* A plain key, e.g. MBX_KEY(MBX_PID_TAG_SUBJECT). */
#define MBX_KEY(pid) ((mbx_propkey){ (uint16_t)(pid), NULL, 0, NULL })
/* A numeric named key, e.g. MBX_LIDKEY(MBX_PSETID_APPOINTMENT, MBX_LID_APPOINTMENT_RECUR). */
#define MBX_LIDKEY(guid, lid) ((mbx_propkey){ 0, (const uint8_t *)(guid), (uint32_t)(lid), NULL })
/* A string named key, e.g. MBX_NAMEKEY(MBX_PS_INTERNET_HEADERS, "x-mailer"). */
#define MBX_NAMEKEY(guid, s) ((mbx_propkey){ 0, (const uint8_t *)(guid), 0, (s) })

/* One property as the bag keeps it; read it through the accessors. */
typedef struct mbx_prop {
	uint16_t id;            /* plain id, 0 when named */
	uint16_t type;          /* MBX_PT_* */
	uint32_t name;          /* named: 1 + index into the bag's names; 0 plain */
	uint32_t off, len;      /* the value: len bytes at off in the bag's data */
} mbx_prop;

/* A named property's name as the bag keeps it. */
typedef struct mbx_propname {
	uint8_t guid[16];
	uint32_t lid;           /* when str is NULL */
	char *str;              /* string name, or NULL */
} mbx_propname;

typedef struct mbx_props {
	mbx_prop *p;            /* the properties, in insertion order */
	size_t n, cap;
	mbx_propname *names;    /* distinct names used by named properties */
	size_t nnames, capnames;
	unsigned char *data;    /* every value back to back */
	size_t ndata, capdata;
	size_t dead;            /* bytes of data no property uses any more */
} mbx_props;

#define MBX_PROPS_INIT { NULL, 0, 0, NULL, 0, 0, NULL, 0, 0, 0 }

void mbx_props_init(mbx_props *b);
/* Release what b owns and leave it empty (an empty bag needs no clear). */
void mbx_props_clear(mbx_props *b);
/* Replace dst's contents with a copy of src. */
void mbx_props_copy(mbx_props *dst, const mbx_props *src);

/* ---- Keys ----------------------------------------------------------------- */

/* The key of property i (pointers into b). */
mbx_propkey mbx_props_key(const mbx_props *b, size_t i);
int mbx_propkey_named(const mbx_propkey *k);
/* 1 when a and b name the same property (string names compare exactly,
 * as MAPI does; GUIDs bytewise). */
int mbx_propkey_equal(const mbx_propkey *a, const mbx_propkey *b);
/* A key for people and logs: "0x0037 PidTagSubject", "{00062002-...}:0x8216",
 * "{00020386-...}:'x-mailer'" (caller frees). */
char *mbx_propkey_describe(const mbx_propkey *k);

/* The [MS-OXPROPS] name of k ("PidTagSubject", "PidLidAppointmentRecur")
 * when the MAPI property list knows it, else NULL (static). */
const char *mbx_propkey_name(const mbx_propkey *k);

/* ---- Reading -------------------------------------------------------------- */

/* Index of the property with key k, or -1. */
long mbx_props_find(const mbx_props *b, const mbx_propkey *k);
/* The property with key k, or NULL. */
const mbx_prop *mbx_props_get(const mbx_props *b, const mbx_propkey *k);
const unsigned char *mbx_props_val(const mbx_props *b, const mbx_prop *p);

/*
 * Typed reads: 0 and *out set, MBX_ENOTFOUND when absent, MBX_EINVAL when
 * the property has another type or a value of the wrong size.
 *   _u32    PT_LONG, PT_ERROR, PT_SHORT (widened), PT_BOOLEAN (0/1)
 *   _i64    PT_I8, PT_CURRENCY, PT_SYSTIME (the raw FILETIME), and the _u32 types
 *   _time   PT_SYSTIME as Unix seconds (rounded down)
 *   _utf8   PT_UNICODE, or PT_STRING8 decoded with `codepage` (0: 1252);
 *           caller frees *out; invalid UTF-16 becomes U+FFFD
 */
int mbx_props_u32(const mbx_props *b, const mbx_propkey *k, uint32_t *out);
int mbx_props_i64(const mbx_props *b, const mbx_propkey *k, int64_t *out);
int mbx_props_time(const mbx_props *b, const mbx_propkey *k, int64_t *out);
int mbx_props_utf8(const mbx_props *b, const mbx_propkey *k, unsigned codepage, char **out);

/* ---- Writing -------------------------------------------------------------- */

/* Set (add or replace) property k to a copy of len bytes at val.  Fails
 * with MBX_EINVAL for a bad key (plain id 0 or >= 0x8000, named with
 * neither a LID nor a name) or a value of the wrong size for its type. */
int mbx_props_set(mbx_props *b, const mbx_propkey *k, uint16_t type, const void *val, size_t len);
int mbx_props_set_u32(mbx_props *b, const mbx_propkey *k, uint16_t type, uint32_t v);  /* LONG, ERROR, BOOLEAN, SHORT */
int mbx_props_set_i64(mbx_props *b, const mbx_propkey *k, uint16_t type, int64_t v);   /* I8, CURRENCY, SYSTIME, DOUBLE bits */
int mbx_props_set_time(mbx_props *b, const mbx_propkey *k, int64_t unix_seconds);      /* PT_SYSTIME */
/* PT_UNICODE from UTF-8; MBX_EINVAL when s is not valid UTF-8. */
int mbx_props_set_utf8(mbx_props *b, const mbx_propkey *k, const char *s);
/* mbx_props_set without the value check: a value of the wrong size for
 * its type goes in as it is (the store keeping a damaged store's values;
 * nothing else should). */
int mbx_props_set_raw(mbx_props *b, const mbx_propkey *k, uint16_t type, const void *val, size_t len);
/* Remove k; 1 when it was there, 0 when not. */
int mbx_props_remove(mbx_props *b, const mbx_propkey *k);
/* Remove property i (indexes after it shift down). */
void mbx_props_remove_at(mbx_props *b, size_t i);

/* ---- Checks and conversions ------------------------------------------------ */

/* 0 when len bytes are a well-formed value of `type` (fixed-size types
 * have their size, multi-valued ones a consistent layout), else
 * MBX_EINVAL with a message naming the type and the size. */
int mbx_props_check_value(uint16_t type, const void *val, size_t len);
/* The size of a fixed-size type, 0 for variable-size and unknown types. */
size_t mbx_proptype_size(uint16_t type);
/* "PtypString", "PtypInteger32", ... or "0x%04x" (static or thread-local). */
const char *mbx_proptype_name(uint16_t type);

/* UTF-8 -> UTF-16LE (*out caller frees, *outlen bytes); MBX_EINVAL on
 * invalid UTF-8. */
int mbx_utf16_from_utf8(const char *s, size_t len, unsigned char **out, size_t *outlen);
/* UTF-16LE -> UTF-8 (caller frees, NUL-terminated); unpaired surrogates
 * become U+FFFD; *exact (may be NULL) is 0 when that happened, so the
 * text does not convert back to the same bytes. */
char *mbx_utf8_from_utf16(const void *p, size_t len, int *exact);
/* 8-bit text in Windows code page cp (1252, 1251, 932, 65001, ...) ->
 * UTF-8 (caller frees); an unknown code page is read as 1252. */
char *mbx_utf8_from_codepage(const void *p, size_t len, unsigned cp);
/* The IANA charset name of a Windows code page ("windows-1252", "utf-8",
 * "shift_jis", ...) or NULL when unknown. */
const char *mbx_codepage_charset(unsigned cp);

/* FILETIME (100 ns since 1601) <-> Unix seconds. */
int64_t mbx_filetime_to_unix(uint64_t ft);
uint64_t mbx_filetime_from_unix(int64_t t);

/* ---- Packing (the store and the reader's wire keep bags this way) -------- */

/*
 * A bag as one byte string, and back.  mbx_props_pack appends to *buf
 * (grown with mbx_realloc; *len and *cap updated).  mbx_props_unpack
 * replaces b's contents; a malformed or truncated string is MBX_ECORRUPT
 * and leaves b empty.  The format is versioned and little-endian:
 * "MP1", the name table, then the properties.
 */
void mbx_props_pack(const mbx_props *b, unsigned char **buf, size_t *len, size_t *cap);
/* The same for some of b's properties: property i when sel[i] is 1, with
 * an empty value when it is 2, not at all when 0 (sel NULL: all), in
 * order; what mbx_props_pack gives for a bag of only those. */
void mbx_props_pack_sel(const mbx_props *b, const unsigned char *sel, unsigned char **buf, size_t *len,
                        size_t *cap);
int mbx_props_unpack(mbx_props *b, const void *p, size_t len);
/* The same, but a value of the wrong size for its type (what a damaged
 * store may hold) is kept as it is rather than failing the bag; *bad (may
 * be NULL) counts them.  For the store's own column: whoever writes such
 * a bag out screens it (mbx_props_check_value), the export reports and
 * leaves them out. */
int mbx_props_unpack_keep(mbx_props *b, const void *p, size_t len, size_t *bad);

#ifdef __cplusplus
}
#endif
#endif
