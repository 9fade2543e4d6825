/*
 * core/pstread/propwire.h - the byte stream the property-level reader's
 * child process (propchild.c) sends to its parent (propread.c).  Both
 * ends are the same binary, so integers travel in host byte order.  The
 * parent checks every record like any outside input.
 *
 * Every record starts with one tag byte.  str: a u32 length (PV_NULL: no
 * string) and that many bytes, no terminator.  bag: a u32 length and
 * mbx_props_pack's bytes (mbx/props.h), checked by mbx_props_unpack.
 *
 *   PV_FAIL    str reason                  the file could not be opened (then exit 10)
 *   PV_HELLO   u8 format, u8 ost, u16 wver, u16 wver_client, u8 crypt,
 *              str description, str note   the file (mbx_pstprop_info)
 *   PV_STORE   bag, u32 unreadable         the message store object
 *   PV_FOLDER  u32 nid, u32 parent, u8 kind, u8 damaged, u32 depth,
 *              u32 nsub, u32 nmsg, u32 nfai, bag
 *                                          every folder, depth first in hierarchy
 *                                          order (the root first), before any message
 *   PV_TOTAL   i64 messages                rows of every non-search folder's contents
 *                                          and associated contents tables
 *   PV_MSG     u32 folder, u32 nid, u8 assoc
 *                                          a message of the folder's contents table
 *                                          (assoc 0) or associated contents table
 *                                          (1), in table order; then its body.
 *                                          assoc | PV_MSG_UNLISTED: a message the
 *                                          folder's damaged table does not list,
 *                                          found by its node's parent (after the
 *                                          table's rows)
 *   body:      PV_BAG bag                  the message's properties (always first)
 *              PV_RCPT bag                 a recipient row, in table order
 *              PV_ATT u32 method, u16 data_type, u64 data_size, bag
 *                                          an attachment (table order), then, when
 *                                          data_type is not 0, its data:
 *                PV_DATA u32 len, bytes    at most PV_CHUNK bytes each, in order
 *                PV_DATA_END u8 whole      1: data_size bytes were sent and read
 *                                          without damage; 0: the data is damaged
 *                PV_EMB body               the embedded message (method 5)
 *              PV_END u8 damaged, str subject
 *                                          the (embedded) message ends; subject:
 *                                          the best known (its bag's, else its
 *                                          contents table row's), for reports
 *   PV_DAMAGE  u8 scope, u32 scope_nid, str object, u32 nid, u64 bid, str what
 *                                          something could not be read: scope
 *                                          PV_SCOPE_FILE (the header, name map, store),
 *                                          PV_SCOPE_FOLDER (folder scope_nid: its
 *                                          properties or tables), PV_SCOPE_MESSAGE (the
 *                                          message being sent: comes before its PV_END)
 *   PV_DONE    i64 folders, i64 messages, i64 damaged messages, u64 damage reports
 *
 * A damaged message (PV_END damaged 1) is sent with its bag (what could
 * be read of it) but without its recipients and attachments when the
 * reader knew it was damaged before they were sent.
 */
#ifndef MBX_PROPWIRE_H
#define MBX_PROPWIRE_H

#include <stdint.h>

#define PV_NULL UINT32_C(0xFFFFFFFF)
/* Attachment data per PV_DATA record at most. */
#define PV_CHUNK (256u << 10)
/* Deepest nesting of embedded messages either end accepts (the reader's own
 * limit is 16). */
#define PV_MAX_DEPTH 32

enum {
	PV_FAIL = '!',
	PV_HELLO = 'H',
	PV_STORE = 'S',
	PV_FOLDER = 'F',
	PV_TOTAL = 'T',
	PV_MSG = 'M',
	PV_BAG = 'B',
	PV_RCPT = 'R',
	PV_ATT = 'A',
	PV_DATA = 'D',
	PV_DATA_END = 'd',
	PV_EMB = 'E',
	PV_END = 'm',
	PV_DAMAGE = 'X',
	PV_DONE = 'Z'
};

enum { PV_SCOPE_FILE = 0, PV_SCOPE_FOLDER = 1, PV_SCOPE_MESSAGE = 2 };
#define PV_MSG_UNLISTED 2

/* Exit statuses of the child beside 0. */
enum { PV_EXIT_OPEN = 10, PV_EXIT_PIPE = 3, PV_EXIT_START = 4 };

/*
 * The child: read `path` with the property-level reader and write the
 * stream to fd.  Returns the process exit status (0 when the whole file
 * was sent).  Call only in the child process.
 */
int mbx_propread_child(const char *path, int fd);

#endif
