/*
 * core/pstread/pstwire.h - the byte stream the libpst child process sends
 * to its parent (core/pstread/pstread.c).  Both ends are the same binary,
 * so integers travel in host byte order.
 *
 * Every record starts with one tag byte.  Strings are a uint32 length
 * (PW_NULL = no string) followed by that many bytes, no terminator.
 *
 *   PW_STORE  str name                              the message store's name
 *   PW_TOTAL  i64 messages                          messages below the top folder
 *   PW_FOLDER i64 id, i64 parent, i64 items, str name, str container class,
 *             i64 role (MBX_ROLE_* the message store object gives it)
 *   PW_MSG    i64 folder id, i64 item number        a message begins
 *   PW_EMB                                          an embedded message begins
 *                                                   (of the last attachment)
 *   PW_STR    u8 field, str                         a text field (PW_F_*)
 *   PW_INT    u8 field, i64                         a number field (PW_F_*)
 *   PW_RCP    u8 type, str name, str addr, str addrtype
 *   PW_ATT    str filename, str mime, i64 size, u8 has_data, [size bytes]
 *   PW_PROP   16 bytes property set (all zero: a plain property), u32 id,
 *             u16 type (MBX_PT_*), value: str (UNICODE), double (DOUBLE)
 *             or i64 (LONG, BOOLEAN, SYSTIME as Unix seconds)
 *   PW_BAD                                          sizes only: the data of the
 *                                                   attachment just sent can
 *                                                   not be read back whole
 *   PW_END                                          the message (or embedded
 *                                                   message) ends
 *   PW_SKIP   i64 item number                       libpst could not parse it
 *   PW_DONE   i64 folders, messages, attachments, bytes, skipped
 */
#ifndef MBX_PSTWIRE_H
#define MBX_PSTWIRE_H

#include <stdint.h>

#include "pstread/pstread.h"

#define PW_NULL UINT32_C(0xFFFFFFFF)

enum {
	PW_STORE = 'S',
	PW_TOTAL = 'T',
	PW_FOLDER = 'F',
	PW_MSG = 'M',
	PW_EMB = 'E',
	PW_STR = 's',
	PW_INT = 'i',
	PW_RCP = 'R',
	PW_ATT = 'A',
	PW_PROP = 'P',
	PW_BAD = 'B',
	PW_END = 'm',
	PW_SKIP = 'K',
	PW_DONE = 'Z'
};

/* Fields of PW_STR and PW_INT. */
enum {
	PW_F_CLASS = 1, PW_F_SUBJECT, PW_F_SENDER_NAME, PW_F_SENDER_ADDR, PW_F_SENDER_TYPE,
	PW_F_BODY, PW_F_HTML, PW_F_HEADERS, PW_F_MSGID,
	PW_F_SENT = 32, PW_F_RECEIVED, PW_F_FLAGS, PW_F_IMPORTANCE, PW_F_SIZE, PW_F_FLAG_STATUS
};

/* Deepest nesting of embedded messages either end accepts. */
#define PW_MAX_DEPTH 16
/* Deepest folder level walked; past it the tree is taken to loop (a
 * corrupt file).  Same bound as the store's (MBX_FOLDER_DEPTH_MAX). */
#define PW_MAX_FOLDER_DEPTH MBX_FOLDER_DEPTH_MAX

/*
 * The child: read `path` with libpst and write the stream to fd.  Returns
 * the process exit status (0 when the whole file was sent).  Never returns
 * to the caller's normal flow in the parent: call only in the forked child.
 */
int mbx_pstread_child(const char *path, const mbx_pstread_opts *opts, int fd);

#endif
