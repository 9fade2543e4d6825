/*
 * core/pstprop/pstprop_int.h - internals of the property-level reader
 * (mbx/pstprop.h), layered like [MS-PST]:
 *
 *   ndb.c   the file: header (ANSI, Unicode, 4 KiB-page OST), the NBT and
 *           BBT loaded as sorted arrays, blocks read and checked (trailer,
 *           signature, CRC, decoding, inflation), data trees and subnode trees
 *   ltp.c   heap-on-node, BTH, property contexts into bags, table contexts
 *   msg.c   name-to-ID map, message store, folders, contents tables,
 *           messages, recipients, attachments, embedded messages
 *   dump.c  the dump of tests/PROPDUMP.md
 *
 * Lower layers never report damage themselves: they fill a pp_why with the
 * block and the reason, and the messaging layer, which knows the object
 * (folder, message and subject), puts it on the damage list.
 */
#ifndef MBX_PSTPROP_INT_H
#define MBX_PSTPROP_INT_H

#include <stddef.h>
#include <stdint.h>
#include "mbx/pstprop.h"
#include "mbx/pstdefs.h"

#define PP_DAMAGE_MAX      10000     /* damage reports kept (more are counted) */
#define PP_VALUE_MAX       (256u << 20) /* largest property value loaded into a bag */
#define PP_HEAP_MAX        (64u << 20)  /* largest heap-on-node (8 KB blocks: 8192 of them) */
#define PP_SUBNODES_MAX    (1u << 20)   /* subnodes of one node */
#define PP_EMBED_DEPTH     16           /* embedded messages in embedded messages */
#define PP_FOLDER_DEPTH    4096         /* as the store reads (MBX_FOLDER_DEPTH_MAX) */
#define PP_BT_DEPTH        10

/* Why something could not be read: the block, and what is wrong. */
typedef struct pp_why {
	uint64_t bid;
	char what[200];
} pp_why;

/* A BBT leaf entry: BID and (ib << 16 | cb). */
typedef struct pp_bbt {
	uint64_t bid;
	uint64_t ibcb;
} pp_bbt;

typedef struct pp_nbt {
	uint32_t nid, parent;
	uint64_t bid_data, bid_sub;
} pp_nbt;

/* Node data read whole: blocks back to back in buf, block k at off[k]. */
typedef struct pp_data {
	uint8_t *buf;
	size_t len, cap;
	uint32_t *off;          /* n + 1 entries: off[n] == len */
	size_t n, capn;
} pp_data;

typedef struct pp_sub {
	uint32_t nid;
	uint64_t bid_data, bid_sub;
} pp_sub;

typedef struct pp_subs {
	pp_sub *e;
	size_t n;
} pp_subs;

/* The name-to-ID map: one entry per NPID - 0x8000. */
typedef struct pp_name {
	uint8_t set;            /* 1 when the file has this NPID */
	uint8_t guid[16];
	uint32_t lid;
	char *str;              /* string name (UTF-8) or NULL */
} pp_name;

typedef struct pp_damage_list {
	mbx_pstprop_damage *e;
	size_t n, cap;
	uint64_t total;
} pp_damage_list;

struct mbx_pstprop {
	char *path;
	int fd;
	uint64_t size;
	mbx_pstprop_info info;
	char desc[96];
	/* format */
	int ansi, k4;
	unsigned page, page_crc, bt_area, bt_meta;   /* page size, CRC'd bytes, entries area, where cEnt is */
	unsigned trailer, align, block_max;
	uint8_t crypt;
	uint64_t nbt_bid, nbt_ib, bbt_bid, bbt_ib;
	/* B-trees */
	pp_bbt *bbt;
	size_t nbbt;
	pp_nbt *nbt;
	size_t nnbt;
	/* scratch for one raw block */
	uint8_t *raw;
	/* name map */
	pp_name *names;
	size_t nnames;
	/* messaging */
	mbx_pstprop_bag store;
	mbx_pstprop_folder *folders;
	size_t nfolders;
	size_t *fsorted;        /* folder indexes by NID, for mbx_pstprop_folder_find */
	pp_damage_list damage;
};

/* ---- ndb.c ---------------------------------------------------------------- */
uint16_t pp_le16(const uint8_t *p);
uint32_t pp_le32(const uint8_t *p);
uint64_t pp_le64(const uint8_t *p);
int pp_ndb_open(mbx_pstprop *p);                 /* header and B-trees; <0 with mbx_error_set */
const pp_nbt *pp_nbt_find(const mbx_pstprop *p, uint32_t nid);
/* One block, checked and decoded; out holds p->block_max bytes; 0 or -1 with why. */
int pp_block_read(mbx_pstprop *p, uint64_t bid, uint8_t *out, uint32_t *cb, pp_why *why);
/* Walk the data blocks under bid in order (data block, XBLOCK, XXBLOCK). */
typedef int (*pp_block_fn)(void *ud, uint64_t bid, const uint8_t *data, uint32_t cb);
int pp_data_walk(mbx_pstprop *p, uint64_t bid, pp_block_fn fn, void *ud, pp_why *why);
/* The leaf BIDs under bid (and their sizes) without reading the data. */
int pp_data_leaves(mbx_pstprop *p, uint64_t bid, uint64_t **bids, uint32_t **sizes, size_t *n, pp_why *why);
/* The bytes of the data tree under bid (a block's size, or an XBLOCK's lcbTotal). */
int pp_data_size(mbx_pstprop *p, uint64_t bid, uint64_t *size, pp_why *why);
int pp_data_load(mbx_pstprop *p, uint64_t bid, size_t max, pp_data *d, pp_why *why);
void pp_data_free(pp_data *d);
int pp_subs_load(mbx_pstprop *p, uint64_t bid, pp_subs *s, pp_why *why);
void pp_subs_free(pp_subs *s);
const pp_sub *pp_subs_find(const pp_subs *s, uint32_t nid);
void pp_why_set(pp_why *w, uint64_t bid, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- ltp.c ---------------------------------------------------------------- */
typedef struct pp_hn {
	pp_data d;
	uint8_t client;
	uint32_t root;
} pp_hn;

int pp_hn_open(mbx_pstprop *p, uint64_t bid, pp_hn *h, pp_why *why);
void pp_hn_free(pp_hn *h);
int pp_hn_get(const pp_hn *h, uint32_t hid, const uint8_t **ptr, uint32_t *size);

/* A raw property as a PC or TC row has it, before names are mapped. */
typedef struct pp_raw {
	uint16_t id, type;
	const uint8_t *val;     /* NULL when unreadable (reason in why) */
	uint32_t len;
	uint8_t *own;           /* set when val was loaded from a subnode (freed by the caller) */
	uint32_t hnid;          /* where a variable-size value is (0: inline or empty) */
	const pp_sub *sub;      /* lazy: the subnode holding the value (not loaded) */
	int lazy;               /* 1: the value was not loaded (see pp_pc_read's lazy_id) */
} pp_raw;

typedef int (*pp_prop_fn)(void *ud, pp_raw *r, const pp_why *bad);

/* Every property of the PC in bid_data (subnodes subs), in BTH order.  A
 * property with id lazy_id (0: none) whose value is in a subnode is not
 * loaded: it comes with lazy set and sub pointing at the subnode. */
int pp_pc_read(mbx_pstprop *p, uint64_t bid_data, const pp_subs *subs, uint16_t lazy_id, pp_prop_fn fn, void *ud,
               pp_why *why);

typedef struct pp_col {
	uint32_t tag;
	uint16_t ib;
	uint8_t cb, ibit;
} pp_col;

typedef struct pp_tc {
	pp_hn hn;
	const pp_subs *subs;
	pp_col *col;
	unsigned ncols, rowsize, ceb;
	uint32_t hnid_rows;
	size_t nrows;           /* from the RowIndex */
} pp_tc;

int pp_tc_open(mbx_pstprop *p, uint64_t bid_data, const pp_subs *subs, pp_tc *t, pp_why *why);
void pp_tc_free(pp_tc *t);
/* Each row in row-matrix order (at most t->nrows rows). */
typedef int (*pp_row_fn)(void *ud, size_t i, const uint8_t *row);
int pp_tc_rows(mbx_pstprop *p, pp_tc *t, pp_row_fn fn, void *ud, pp_why *why);
/* The cells present in a row, as properties. */
int pp_tc_cells(mbx_pstprop *p, pp_tc *t, const uint8_t *row, pp_prop_fn fn, void *ud);

/* ---- msg.c ---------------------------------------------------------------- */
void pp_damage(mbx_pstprop *p, const char *object, uint32_t nid, uint64_t bid, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
int pp_messaging_open(mbx_pstprop *p);
void pp_messaging_free(mbx_pstprop *p);
void pp_bag_clear(mbx_pstprop_bag *b);

#endif
