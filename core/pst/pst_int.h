/*
 * core/pst/pst_int.h - internals of the Unicode PST writer, layer by layer
 * as [MS-PST] describes them:
 *
 *   NDB  ndb_io.c      buffered sequential output, the only place that writes
 *        ndb_amap.c    space allocation, AMap/PMap/FMap/FPMap pages
 *        ndb_block.c   CRC, permutation, data blocks with trailer
 *        ndb_xblock.c  data trees (XBLOCK/XXBLOCK) and byte streams
 *        ndb_subnode.c subnode B-trees (SLBLOCK/SIBLOCK)
 *        ndb_btree.c   BBT and NBT pages of any depth
 *        ndb_header.c  the file header and its CRCs
 *   LTP  ltp_heap.c    heap-on-node, streamed block by block
 *        ltp_bth.c     B-tree-on-heap with index levels
 *        ltp_pc.c      property contexts
 *        ltp_tc.c      table contexts, row matrix streamed block by block
 *   MSG  msg_store.c, msg_folder.c, msg_message.c, utf16.c
 *
 * Space is handed out by a bump allocator, so the file is written front
 * to back; only AMap pages (when their interval is full) and the header
 * (at close) are written behind the current end.
 */
#ifndef MBX_PST_INT_H
#define MBX_PST_INT_H

#include <stdint.h>
#include <stddef.h>
#include <iconv.h>
#include "mbx/pst.h"
#include "mbx/pstdefs.h"

/* Format constants (PST_*), property names (MBX_PID_TAG_*, MBX_TAG_*,
 * MBX_PT_*, ...) and node ids (PST_NID_*) are in mbx/pstdefs.h. */

/* Properties [MS-PST] 2.5.2 names that the MAPI property list lacks. */
#ifndef MBX_PID_TAG_STORE_RECORD_KEY
#define MBX_PID_TAG_STORE_RECORD_KEY    0x0FFA   /* PidTagStoreRecordKey, PtypBinary */
#endif
#ifndef MBX_PID_TAG_ASSOC_CONTENT_COUNT
#define MBX_PID_TAG_ASSOC_CONTENT_COUNT 0x3617   /* PidTagAssociatedContentCount, PtypInteger32 */
#endif

/* The first subnode NID index of a message (its attachments, values over
 * 3,580 bytes, embedded messages), as Outlook numbers them: every subnode
 * NID is then 0x8000 or more, above the row IDs of any recipient table
 * under 32,768 rows (libpst looks a recipient's row ID up among the
 * message's subnodes, see msg_message.c). */
#define PST_SUBNODE_FIRST 0x400u

/* ---- little-endian helpers -------------------------------------------- */
static inline void pst_put16(unsigned char *p, uint16_t v) { p[0] = (unsigned char)v; p[1] = (unsigned char)(v >> 8); }
static inline void pst_put32(unsigned char *p, uint32_t v) { pst_put16(p, (uint16_t)v); pst_put16(p + 2, (uint16_t)(v >> 16)); }
static inline void pst_put64(unsigned char *p, uint64_t v) { pst_put32(p, (uint32_t)v); pst_put32(p + 4, (uint32_t)(v >> 32)); }
static inline uint16_t pst_get16(const unsigned char *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t pst_get32(const unsigned char *p) { return pst_get16(p) | ((uint32_t)pst_get16(p + 2) << 16); }
static inline uint64_t pst_get64(const unsigned char *p) { return pst_get32(p) | ((uint64_t)pst_get32(p + 4) << 32); }

/* ---- NDB ----------------------------------------------------------------- */

typedef struct pst_bbt_ent {
	uint64_t bid;
	uint64_t ib;
	uint16_t cb;
	uint16_t cref;
} pst_bbt_ent;

/* A reference to a B-tree page: its first key and BREF. */
typedef struct pst_bt_ref {
	uint64_t key, bid, ib;
} pst_bt_ref;

#define PST_BBT_LEAF  PST_BT_ENTRIES   /* BBTENTRYs of 24 bytes in a page */
#define PST_BT_FANOUT PST_BT_ENTRIES   /* BTENTRYs of 24 bytes in an index page */
/* Leaf pages go out in runs of this many, back to back: one alignment
 * gap between 64-byte blocks and a 512-byte page per run, not per page. */
#define PST_BBT_BATCH 32
#define PST_BT_LEVELS 16   /* index levels 1..15: 20^15 leaves, beyond any file */

typedef struct pst_nbt_ent {
	uint32_t nid;
	uint32_t parent;
	uint64_t bid_data;
	uint64_t bid_sub;
} pst_nbt_ent;

/* A B-tree written as its leaves come, in key order (rising for the BBT,
 * falling for the NBT): per level up to 20 refs to the pages below; a
 * full level goes out as a page and its ref one level up.  Memory stays
 * bounded whatever the size. */
typedef struct pst_bt_stream {
	int falling;                 /* 1: keys arrive falling (the NBT) */
	pst_bt_ref up[PST_BT_LEVELS][PST_BT_FANOUT];   /* [L]: refs to level L-1 pages */
	size_t nup[PST_BT_LEVELS];
	uint64_t pages[PST_BT_LEVELS];   /* pages written at each level */
} pst_bt_stream;

/* NBT leaf pages hold 15 NBTENTRYs of 32 bytes. */
#define PST_NBT_LEAF 15

typedef struct pst_ndb {
	int fd;
	char *path;                  /* the file being written, for messages */
	int err;                     /* sticky: first failure, later calls return it */
	int crypt;
	/* output buffer: bytes [buf_off, buf_off + buf_len) not yet written */
	unsigned char *buf;
	size_t buf_len, buf_cap;
	uint64_t buf_off;
	/* allocation */
	uint64_t eof;                /* first byte not allocated */
	uint64_t amap_ib;            /* the current AMap interval's first byte */
	unsigned char amap[PST_PAGE_DATA];
	uint64_t amap_free;          /* free bytes of finished intervals */
	uint64_t amap_last;          /* ib of the last AMap page */
	uint64_t next_bid;           /* next block BID (steps of 4) */
	uint64_t next_pbid;          /* next page BID */
	/* The BBT is written as blocks come (BIDs rise, so entries arrive
	 * sorted): leaf pages of 20 entries (PST_BBT_BATCH at a time), then
	 * per level up to 20 refs to the pages below, so memory stays
	 * bounded whatever the size. */
	pst_bbt_ent bbt_leaf[PST_BBT_BATCH * PST_BBT_LEAF];
	size_t bbt_nleaf;
	pst_bt_stream bbt_s;
	uint64_t nbbt;               /* blocks recorded */
	/* Test hook: called with every BBT entry as recorded, if set. */
	void (*bbt_hook)(void *ctx, const pst_bbt_ent *e);
	void *bbt_hook_ctx;
	/* The NBT is written the same way, with falling keys.  Message NIDs
	 * are handed out downwards (msg_store.c: libpst then builds its node
	 * tree in time linear in the messages, see there), and a message's
	 * node is added at its end, one top-level message at a time, so
	 * message nodes come falling and go out as they come.  Every other
	 * node (store, folders and their tables: a few per folder) is kept
	 * in nbt, sorted at close and written below the messages, whose NIDs
	 * must all be above them. */
	pst_nbt_ent nbt_leaf[PST_BBT_BATCH * PST_NBT_LEAF];   /* falling */
	size_t nbt_nleaf;
	pst_bt_stream nbt_s;
	uint32_t nbt_low;            /* lowest NID streamed so far; 0: none yet */
	uint64_t nnodes;             /* nodes recorded, streamed or kept */
	pst_nbt_ent *nbt;            /* the kept nodes, sorted at close */
	size_t nnbt, anbt;
	uint32_t nid_next[32];       /* per NID type: highest index recorded + 1 */
} pst_ndb;

/* ndb_io.c */
int pst_io_open(pst_ndb *ndb, const char *path);
int pst_io_write(pst_ndb *ndb, uint64_t ib, const void *p, size_t len);
int pst_io_flush(pst_ndb *ndb);
int pst_io_fail(pst_ndb *ndb, int err, const char *what);
int pst_io_close(pst_ndb *ndb, int do_fsync);

/* ndb_amap.c */
int pst_amap_init(pst_ndb *ndb);
int pst_amap_alloc(pst_ndb *ndb, uint32_t size, uint32_t align, uint64_t *ib);
int pst_amap_finish(pst_ndb *ndb, uint64_t *file_eof);
void pst_amap_layout(uint64_t interval, int *pmap, int *fmap, int *fpmap);
int pst_page_write(pst_ndb *ndb, uint64_t ib, unsigned char *page, uint8_t ptype, uint64_t bid);

/* ndb_block.c */
uint32_t pst_crc(const void *p, size_t n);
void pst_permute(unsigned char *p, size_t n, int encode);
uint16_t pst_sig(uint64_t ib, uint64_t bid);
int pst_block_write(pst_ndb *ndb, const void *data, size_t cb, int internal, uint64_t *bid);
/* Record a node for the NBT (message nodes: see pst_nbt_stream_add). */
int pst_ndb_node_add(pst_ndb *ndb, uint32_t nid, uint64_t bid_data, uint64_t bid_sub, uint32_t parent);

/* ndb_xblock.c: a data tree built as blocks come */
typedef struct pst_dtree {
	uint64_t *bids;
	uint16_t *sizes;             /* cb of every block */
	size_t n, cap;
	uint64_t total;              /* bytes of data in all blocks */
} pst_dtree;
int pst_dtree_add(pst_ndb *ndb, pst_dtree *dt, const void *p, size_t len);
size_t pst_dtree_reserve(pst_dtree *dt);
void pst_dtree_set(pst_dtree *dt, size_t idx, uint64_t bid, size_t len);
int pst_dtree_finish(pst_ndb *ndb, pst_dtree *dt, uint64_t *bid);
void pst_dtree_free(pst_dtree *dt);

/* A byte stream cut into full blocks: attachment data, long values. */
typedef struct pst_dstream {
	pst_dtree dt;
	unsigned char *buf;          /* PST_BLOCK_DATA bytes */
	size_t len;
} pst_dstream;
int pst_dstream_write(pst_ndb *ndb, pst_dstream *ds, const void *p, size_t len);
int pst_dstream_finish(pst_ndb *ndb, pst_dstream *ds, uint64_t *bid, uint64_t *total);
void pst_dstream_free(pst_dstream *ds);

/* ndb_subnode.c */
typedef struct pst_snent {
	uint32_t nid;
	uint64_t bid_data;
	uint64_t bid_sub;
} pst_snent;
typedef struct pst_subnodes {
	pst_snent *e;
	size_t n, cap;
	uint64_t bytes;              /* data bytes of the subnodes, for sizes */
} pst_subnodes;
void pst_subnodes_add(pst_subnodes *sn, uint32_t nid, uint64_t bid_data, uint64_t bid_sub, uint64_t bytes);
int pst_subnodes_write(pst_ndb *ndb, pst_subnodes *sn, uint64_t *bid);
void pst_subnodes_free(pst_subnodes *sn);

/* ndb_btree.c */
int pst_btree_write(pst_ndb *ndb, int nbt, uint64_t *root_bid, uint64_t *root_ib);
int pst_bbt_add(pst_ndb *ndb, uint64_t bid, uint64_t ib, uint16_t cb);
/* A message node (NID type normal or associated message), below every
 * message node recorded before: written out as it comes. */
int pst_nbt_stream_add(pst_ndb *ndb, const pst_nbt_ent *e);

/* ndb_header.c */
typedef struct pst_header_info {
	uint64_t file_eof, amap_last, amap_free;
	uint64_t nbt_bid, nbt_ib, bbt_bid, bbt_ib;
	uint64_t next_bid, next_pbid;
	uint32_t rgnid[32];
	uint32_t unique;
	int amap_valid;
	int crypt;
} pst_header_info;
void pst_header_build(unsigned char hdr[PST_HEADER_SIZE], const pst_header_info *hi);

/* ---- LTP ----------------------------------------------------------------- */

typedef struct pst_heap_keep {
	size_t idx;                  /* block index in the heap */
	unsigned char *data;
	size_t len;
} pst_heap_keep;

typedef struct pst_heap {
	pst_ndb *ndb;
	uint8_t client_sig;          /* PST_BTYPE_PC, PST_BTYPE_TC */
	pst_dtree dt;                /* finished blocks (kept ones reserved) */
	unsigned char *cur;          /* block being filled */
	size_t cur_len;              /* bytes of header + allocations */
	uint16_t *offs;              /* allocation offsets in cur (+ end) */
	size_t nalloc;
	size_t cur_idx;              /* index of cur in the heap */
	pst_heap_keep *keep;         /* block 0 and HNBITMAPHDR blocks */
	size_t nkeep;
	uint8_t *fill;               /* fill level of every block */
	size_t nfill;
} pst_heap;

void pst_heap_init(pst_heap *h, pst_ndb *ndb, uint8_t client_sig);
int pst_heap_alloc(pst_heap *h, const void *p, size_t len, uint32_t *hid);
int pst_heap_finish(pst_heap *h, uint32_t hid_user_root, uint64_t *bid, uint64_t *bytes);
void pst_heap_free(pst_heap *h);
uint64_t pst_heap_size_after(const pst_heap *h, const size_t *lens, size_t n);
int pst_heap_patch(pst_heap *h, uint32_t hid, const void *p, size_t len);

/* ltp_bth.c: recs are n sorted records of cbkey + cbent bytes; the
 * BTHHEADER goes to hdr, an 8-byte allocation reserved earlier. */
int pst_bth_build(pst_heap *h, uint8_t cbkey, uint8_t cbent, const unsigned char *recs,
                  size_t n, uint32_t hdr);
size_t pst_bth_alloc_sizes(uint8_t cbkey, uint8_t cbent, size_t n, size_t *sizes, size_t max);

/* ltp_pc.c */
typedef struct pst_prop {
	uint16_t id;
	uint16_t type;
	uint32_t val;
	uint32_t seq;                /* order of setting: the last setting wins */
} pst_prop;

typedef struct pst_pc {
	pst_heap heap;
	pst_subnodes *sn;            /* where values over 3,580 bytes go */
	uint32_t *next_sub;          /* counter for their NIDs */
	pst_prop *p;
	size_t n, cap;
	uint32_t seq;                /* properties set so far */
	uint32_t hdr;                /* the BTHHEADER, HID 0x20 */
	iconv_t cd;
} pst_pc;

void pst_pc_init(pst_pc *pc, pst_ndb *ndb, pst_subnodes *sn, uint32_t *next_sub, iconv_t cd);
void pst_pc_u32(pst_pc *pc, uint16_t id, uint16_t type, uint32_t v);
int pst_pc_i64(pst_pc *pc, uint16_t id, uint16_t type, uint64_t v);
int pst_pc_bin(pst_pc *pc, uint16_t id, uint16_t type, const void *p, size_t len);
int pst_pc_str(pst_pc *pc, uint16_t id, const char *utf8, const char *what);
void pst_pc_hnid(pst_pc *pc, uint16_t id, uint16_t type, uint32_t hnid);
/* Any property from its raw value (mbx/props.h): types of 4 bytes or less
 * inline, PtypObject as a subnode with an (NID, size) reference in the
 * heap, everything else (unknown types too) in the heap or, over 3,580
 * bytes, in a subnode. */
int pst_pc_prop(pst_pc *pc, uint16_t id, uint16_t type, const void *val, size_t len);
int pst_pc_finish(pst_pc *pc, uint64_t *bid, uint64_t *bytes);
/* The same, setting property size_id (PtypInteger32) to the node's size:
 * this heap plus `extra` bytes of subnodes. */
int pst_pc_finish_sized(pst_pc *pc, uint16_t size_id, uint64_t extra, uint64_t *bid, uint64_t *bytes);
void pst_pc_free(pst_pc *pc);

/* ltp_tc.c */
typedef struct pst_tccol {
	uint32_t tag;
	uint16_t ib;
	uint8_t cb;
	uint8_t bit;
} pst_tccol;

typedef struct pst_tc {
	pst_heap heap;
	pst_tccol *cols;
	size_t ncols;
	uint16_t rgib[4];
	size_t rows_per_block;
	unsigned char *rows;         /* rows of the block being filled */
	size_t nrows_cur;
	pst_dtree rows_dt;           /* full row blocks */
	uint32_t nrows;
	uint32_t *rowids;            /* dwRowID of every row, in row order */
	size_t arows;
	unsigned char *row;          /* the row being built */
	uint32_t ri_hdr, info_hid;   /* row index BTHHEADER (0x20), TCINFO (0x40) */
	iconv_t cd;
	pst_subnodes sn;             /* cells over 3,580 bytes, one subnode each */
	uint32_t *next_sub;          /* their NID counter; NULL: next_sub_own */
	uint32_t next_sub_own;       /* starts at 2: index 1 is the row matrix */
} pst_tc;

void pst_tc_init(pst_tc *tc, pst_ndb *ndb, const uint32_t *tags, size_t ntags, iconv_t cd);
void pst_tc_row_begin(pst_tc *tc, uint32_t rowid);
void pst_tc_u32(pst_tc *tc, uint32_t tag, uint32_t v);
void pst_tc_i64(pst_tc *tc, uint32_t tag, uint64_t v);
int pst_tc_bin(pst_tc *tc, uint32_t tag, const void *p, size_t len);
int pst_tc_str(pst_tc *tc, uint32_t tag, const char *utf8);
/* Any cell from its raw value: fixed-size types of 8 bytes or less in the
 * row, all else by HNID.  A value whose size does not fit its column's
 * type is left out. */
int pst_tc_cell(pst_tc *tc, uint32_t tag, const void *val, size_t len);
/* 1 when the table has a column with this tag. */
int pst_tc_has(const pst_tc *tc, uint32_t tag);
int pst_tc_row_end(pst_tc *tc);
/* rows_nid: the subnode NID for a row matrix too big for the heap; when
 * tc->next_sub is set (a table inside a message) it must come from that
 * counter, else it must be LTP index 1 (long cells count from 2). */
int pst_tc_finish(pst_tc *tc, uint32_t rows_nid, uint64_t *bid_data, uint64_t *bid_sub, uint64_t *bytes);
void pst_tc_free(pst_tc *tc);

/* utf16.c */
iconv_t pst_utf16_open(void);
int pst_utf16(iconv_t cd, const char *utf8, unsigned char **out, size_t *outlen, const char *what);

/* ---- messaging ----------------------------------------------------------- */

/* Values of one object kept for its row in a table (contents, hierarchy,
 * attachment table): the row repeats them exactly. */
typedef struct pst_rowval {
	uint16_t id, type;
	uint32_t len;
	size_t off;                  /* in pst_rowvals.data */
} pst_rowval;
typedef struct pst_rowvals {
	pst_rowval *v;
	size_t n, cap;
	unsigned char *data;         /* the values back to back */
	size_t ndata, capdata;
} pst_rowvals;

typedef struct pst_folder {
	uint32_t nid;
	uint32_t parent;
	char *name;
	char *klass;
	char *comment;
	uint32_t count, unread, nsub;
	uint32_t fai_count;
	pst_tc *contents;            /* NULL until the first message */
	pst_tc *assoc;
	int search;                  /* a search folder (its own kind of tables) */
	mbx_props bag;               /* the folder's properties (a copy), maybe empty */
} pst_folder;

/* One named property of the name-to-ID map ([MS-PST] 2.4.7): its NPID is
 * 0x8000 + its index in mbx_pst.names. */
typedef struct pst_nameid {
	unsigned char guid[16];      /* property set */
	uint32_t lid;                /* numeric name (name == NULL) */
	char *name;                  /* a string name (UTF-8, owned), or NULL */
	uint32_t hash;
} pst_nameid;

struct mbx_pst {
	pst_ndb ndb;
	char *path;                  /* the final name */
	char *tmp;                   /* name while writing */
	mbx_pst_opts opts;
	iconv_t cd;
	unsigned char record_key[16];
	pst_folder **folders;
	size_t nfolders, afolders;
	uint32_t next_folder;        /* NID indexes */
	uint32_t next_message;
	mbx_pst_msg *open;           /* the open top-level message */
	int closed;
	pst_nameid *names;           /* the name-to-ID map, written at close */
	size_t nnames, anames;
	uint32_t *nslot;             /* open hash of names: index + 1, 0 empty */
	size_t nslots;
	/* Test hook: 1 writes the layout libpst misreads (subnode NIDs from
	 * index 1, recipient row IDs 0, 1, 2, ... whatever the subnodes), for
	 * the tests that show pst-check reports it. */
	int test_old_rowids;
};

/* msg_store.c */
/* The NPID (0x8000 + index) of the named property (guid, lid) or (guid,
 * name: UTF-8), added to the map when new. */
int pst_nameid_get(mbx_pst *pst, const unsigned char guid[16], uint32_t lid, uint16_t *npid);
int pst_nameid_get_name(mbx_pst *pst, const unsigned char guid[16], const char *name, uint16_t *npid);
/* The property id of key k in this file: its id when plain, else its NPID. */
int pst_key_id(mbx_pst *pst, const mbx_propkey *k, uint16_t *id);
int pst_store_begin(mbx_pst *pst);
int pst_store_finish(mbx_pst *pst);
void pst_entryid(const mbx_pst *pst, uint32_t nid, unsigned char out[24]);

/* msg_folder.c */
pst_folder *pst_folder_find(mbx_pst *pst, uint32_t nid);
pst_folder *pst_folder_new(mbx_pst *pst, uint32_t nid, uint32_t parent, const char *name,
                           const char *klass);
/* Write the properties of a bag of an object of this kind (MBX_PST_OBJ_*)
 * to pc, but those the writer regenerates; row (may be NULL) gets a copy
 * of those whose id is in cols (ncols tags). */
int pst_bag_write(mbx_pst *pst, pst_pc *pc, const mbx_props *b, int kind, pst_rowvals *row,
                  const uint32_t *cols, size_t ncols);
int pst_folders_finish(mbx_pst *pst);
void pst_folders_free(mbx_pst *pst);
extern const uint32_t pst_contents_cols[];
extern const size_t pst_ncontents_cols;
extern const uint32_t pst_assoc_cols[];
extern const size_t pst_nassoc_cols;
extern const uint32_t pst_hier_cols[];
extern const size_t pst_nhier_cols;
extern const uint32_t pst_search_cols[];
extern const size_t pst_nsearch_cols;
extern const uint32_t pst_recip_cols[];
extern const size_t pst_nrecip_cols;
extern const uint32_t pst_attach_cols[];
extern const size_t pst_nattach_cols;

/* msg_message.c */
void pst_msg_free_all(mbx_pst_msg *msg);

/* msg_regen.c: the entry of the regenerated list for (kind, id, type), or NULL. */
const mbx_pst_regen *pst_regen_find(int kind, uint16_t id, uint16_t type);

void pst_rowvals_set(pst_rowvals *r, uint16_t id, uint16_t type, const void *v, size_t len);
const pst_rowval *pst_rowvals_get(const pst_rowvals *r, uint16_t id);
void pst_rowvals_free(pst_rowvals *r);
/* Fill the row being built with every value of r that has a column
 * (same tag; PtypString8 values fill PtypString columns, decoded with
 * code page cp). */
int pst_tc_row_fill(pst_tc *tc, const pst_rowvals *r, unsigned cp);
/* 1 when the (caller's) bag b has plain property id. */
int pst_bag_has(const mbx_props *b, uint16_t id);
/* 1 when property id is a column of a contents or FAI contents table. */
int pst_contents_col(uint16_t id);

uint64_t pst_filetime(int64_t unix_seconds);

#endif
