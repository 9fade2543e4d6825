/*
 * core/pstcheck/pstcheck.h - internals of the strict PST validator
 * (mbxrescue pst-check), layered like [MS-PST]:
 *
 *   reader.c     file access, problem reporting, CRC, decoding, blocks,
 *                data trees and subnode lists as the upper layers see them
 *   ndb.c        header, every block, data trees, subnode trees, refcounts
 *   btree.c      the NBT and BBT pages
 *   amap.c       AMap/PMap/FMap/FPMap/DList pages against what is in use
 *   ltp.c        heap-on-node, BTH, property and table contexts
 *   messaging.c  minimum PST nodes, folders, messages, attachments
 *
 * Written from MS-PST.md; every offset read from the file is bounds-checked
 * and every tree walk is depth-limited and remembers what it visited, so a
 * hostile file gives problems, not crashes or runaway allocation.
 * Only Unicode files (wVer >= 23) are checked.
 */
#ifndef MBX_PSTCHECK_INT_H
#define MBX_PSTCHECK_INT_H

#include <stddef.h>
#include <stdint.h>
#include "mbx/pst.h"
#include "mbx/pstdefs.h"

/* Format constants (PST_*: sizes, page and NID types, header offsets),
 * property names (MBX_PID_TAG_*, MBX_PT_*) and NIDs are in mbx/pstdefs.h. */
#define PC_MAX_PROBLEMS_SHOWN 2000

/* One leaf BBT entry, plus what the checker learned about the block. */
typedef struct pc_bbt {
	uint64_t bid;        /* as stored (bit 0 should be 0) */
	uint64_t ib;
	uint16_t cb;
	uint16_t cref;
	uint32_t refs;       /* references found (NBT, SLENTRY, SIENTRY, XBLOCK) */
	uint8_t bad;         /* 1: the block itself failed its checks */
	uint8_t walked;      /* 1: its structure (XBLOCK, SLBLOCK, ...) was checked */
	uint8_t dup;         /* 1: a second BBT entry with the same BID */
} pc_bbt;

/* One leaf NBT entry. */
typedef struct pc_nbt {
	uint32_t nid;
	uint32_t parent;
	uint64_t bid_data;
	uint64_t bid_sub;
} pc_nbt;

/* A byte range in use (a page or a block), for the AMap comparison. */
typedef struct pc_extent {
	uint64_t ib;
	uint32_t size;
	uint8_t kind;        /* 0 block, else the page type */
} pc_extent;

/* An open-addressing set of 64-bit keys (visited pages, HIDs, ...). */
typedef struct pc_set {
	uint64_t *slot;
	size_t cap, n;
} pc_set;

typedef struct pc_ctx {
	const char *path;
	int fd;
	uint64_t size;           /* the file's real size */
	int fatal;               /* I/O error: stop, report as unreadable */

	uint8_t hdr[PST_HEADER_SIZE];
	uint16_t wver;
	uint8_t crypt;
	uint64_t eof, amap_last, amap_free, pmap_free;
	uint64_t nbt_bid, nbt_ib, bbt_bid, bbt_ib;
	uint8_t amap_valid;
	uint64_t bid_next_b, bid_next_p;

	mbx_pstcheck_fn cb;
	void *ud;
	mbx_pstcheck_stats *st;
	uint64_t notes;

	pc_bbt *bbt;             /* sorted by bid once the BBT was read */
	size_t nbbt, abbt;
	pc_nbt *nbt;             /* sorted by nid */
	size_t nnbt, anbt;
	pc_extent *ext;          /* pages and blocks in use */
	size_t next, aext;
} pc_ctx;

/* A node's data stream as the LTP sees it: its data blocks, decoded. */
typedef struct pc_data {
	uint8_t **blk;
	uint16_t *cb;
	size_t n;
	uint64_t total;
} pc_data;

/* A node's subnodes, flattened from its SLBLOCK/SIBLOCK tree. */
typedef struct pc_sub {
	uint32_t nid;
	uint64_t bid_data;
	uint64_t bid_sub;
} pc_sub;

typedef struct pc_subs {
	pc_sub *e;
	size_t n;
} pc_subs;

/* ---- reader.c ----------------------------------------------------------- */
void pc_problem(pc_ctx *c, const char *where, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void pc_note(pc_ctx *c, const char *where, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A deviation from the spec that files written by Outlook itself show and
 * that Outlook tolerates (e.g. a stale cbAMapFree): reported as
 * "warning: ...", not counted as a problem; `pst-check --strict` counts it. */
void pc_warn(pc_ctx *c, const char *where, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int pc_pread(pc_ctx *c, uint64_t off, void *buf, size_t n);
uint32_t pc_crc(const void *buf, size_t n);
uint16_t pc_sig(uint64_t ib, uint64_t bid);
uint16_t pc_le16(const uint8_t *p);
uint32_t pc_le32(const uint8_t *p);
uint64_t pc_le64(const uint8_t *p);
void pc_decode(pc_ctx *c, uint8_t *data, size_t n, uint64_t bid);
pc_bbt *pc_bbt_find(pc_ctx *c, uint64_t bid);
pc_nbt *pc_nbt_find(pc_ctx *c, uint32_t nid);
void pc_extent_add(pc_ctx *c, uint64_t ib, uint32_t size, uint8_t kind);
/* Read a block's data (decoded when it is an external block); buf holds
 * PST_BLOCK_MAX bytes.  Silent: the NDB pass reported bad blocks already. */
int pc_block_get(pc_ctx *c, uint64_t bid, uint8_t *buf, uint16_t *cb);
/* A node's data tree as a list of decoded data blocks (at most max_bytes). */
int pc_data_load(pc_ctx *c, uint64_t bid, uint64_t max_bytes, pc_data *d);
void pc_data_free(pc_data *d);
/* A subnode tree as a list sorted by NID. */
int pc_subs_load(pc_ctx *c, uint64_t bid, pc_subs *s);
void pc_subs_free(pc_subs *s);
const pc_sub *pc_subs_find(const pc_subs *s, uint32_t nid);

void pc_set_init(pc_set *s);
int pc_set_add(pc_set *s, uint64_t key);   /* 1 added, 0 already there */
void pc_set_free(pc_set *s);

/* ---- ndb.c / btree.c / amap.c -------------------------------------------- */
int pc_header_check(pc_ctx *c);            /* <0: not a checkable PST */
void pc_btrees_read(pc_ctx *c);
void pc_blocks_check(pc_ctx *c);
void pc_trees_check(pc_ctx *c);
void pc_refcounts_check(pc_ctx *c);
void pc_amap_check(pc_ctx *c);

/* ---- ltp.c --------------------------------------------------------------- */
/* A property read from a PC. */
typedef struct pc_prop {
	uint16_t id, type;
	uint32_t value;      /* inline value or HNID */
	const uint8_t *data; /* heap data when stored in the heap, else NULL */
	uint32_t size;
} pc_prop;

typedef struct pc_pcx {
	pc_prop *p;
	size_t n;
	pc_data data;        /* keeps the heap the props point into */
} pc_pcx;

/* Check the PC in (bid_data, subs) and load its properties.  0 ok (even
 * with problems), <0 when the PC could not be read at all. */
int pc_pc_load(pc_ctx *c, const char *where, uint64_t bid_data, const pc_subs *subs, pc_pcx *pc);
void pc_pc_free(pc_pcx *pc);
const pc_prop *pc_pc_get(const pc_pcx *pc, uint16_t id);

/* Check the TC in (bid_data, subs); row_ids gets the RowIDs of its rows
 * (caller frees), may be NULL. */
int pc_tc_check(pc_ctx *c, const char *where, uint64_t bid_data, const pc_subs *subs,
                uint32_t **row_ids, size_t *nrows);

/* ---- messaging.c --------------------------------------------------------- */
void pc_messaging_check(pc_ctx *c);

#endif
