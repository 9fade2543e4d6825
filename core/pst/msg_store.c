/*
 * core/pst/msg_store.c - the writer's life cycle and the store-wide nodes
 * ([MS-PST] 2.4.3 message store, 2.4.7 name-to-ID map, 2.7 minimum PST):
 * templates, search management nodes and the fixed folders.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>

#include "mbx/common.h"
#include "pst/pst_int.h"

#define FIRST_FOLDER_INDEX  0x405    /* after the fixed folders */
/*
 * Message NID indexes are handed out downwards from here, folder indexes
 * upwards from FIRST_FOLDER_INDEX, and the two never meet (33 million
 * objects in one file; Outlook goes on above this index).  Falling
 * message NIDs do two things:
 *  - the NBT's message nodes come in falling order, so the NBT is written
 *    as it goes (ndb_btree.c) and the writer's memory stays flat;
 *  - libpst builds its node tree (pst_load_index, record_descriptor) in
 *    NID order and finds each node's parent by a depth-first walk of the
 *    tree built so far, which passes through every message already
 *    placed in a folder before the parent.  With rising NIDs (messages
 *    written folder after folder) that walk passed all the messages of
 *    the earlier folders: quadratic, 45 s of libpst for 200,000 messages
 *    in 10 folders.  Falling NIDs place the last folder's messages first,
 *    and the walk to each parent passes only folders (and the messages of
 *    folders libpst lists before it but that were written after it: the
 *    fixed-NID Deleted Items when its messages come late).
 */
#define MESSAGE_INDEX_TOP   (1u << 25)

void mbx_pst_opts_init(mbx_pst_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->crypt = MBX_PST_CRYPT_PERMUTE;
	opts->fsync = 1;
}

void pst_entryid(const mbx_pst *pst, uint32_t nid, unsigned char out[24])
{
	memset(out, 0, 4);
	memcpy(out + 4, pst->record_key, 16);
	pst_put32(out + 20, nid);
}

/* Seconds since 1970 to 100 ns since 1601. */
uint64_t pst_filetime(int64_t t)
{
	return (uint64_t)(t + 11644473600LL) * 10000000ull;
}

static int write_store(mbx_pst *pst)
{
	static const struct { uint16_t id; uint32_t nid; } eids[] = {
		{ MBX_PID_TAG_IPM_SUB_TREE_ENTRY_ID, PST_NID_IPM_SUBTREE },
		{ MBX_PID_TAG_IPM_WASTE_BASKET_ENTRY_ID, PST_NID_DELETED_ITEMS },
		{ MBX_PID_TAG_COMMON_VIEWS_ENTRY_ID, PST_NID_COMMON_VIEWS },
		{ MBX_PID_TAG_FINDER_ENTRY_ID, PST_NID_SEARCH_ROOT },
	};
	const mbx_props *b = pst->opts.store_props;
	pst_subnodes sn;
	pst_pc pc;
	uint64_t bid, bid_sub = 0;
	uint32_t next_sub = 1;
	size_t i;
	int rc = 0;

	memset(&sn, 0, sizeof(sn));
	pst_pc_init(&pc, &pst->ndb, &sn, &next_sub, pst->cd);
	/* the bag as given, but what names the source store */
	if (b)
		rc = pst_bag_write(pst, &pc, b, MBX_PST_OBJ_STORE, NULL, NULL, 0);
	if (rc == 0)
		rc = pst_pc_bin(&pc, MBX_PID_TAG_RECORD_KEY, MBX_PT_BINARY, pst->record_key, 16);
	if (rc == 0 && !pst_bag_has(b, MBX_PID_TAG_DISPLAY_NAME))
		rc = pst_pc_str(&pc, MBX_PID_TAG_DISPLAY_NAME,
		                pst->opts.display_name ? pst->opts.display_name : "Personal Folders",
		                "the store display name");
	/* FOLDER_IPM_SUBTREE_VALID | IPM_WASTEBASKET_VALID | FINDER_VALID |
	 * COMMON_VIEWS_VALID, as Outlook sets it */
	pst_pc_u32(&pc, MBX_PID_TAG_VALID_FOLDER_MASK, MBX_PT_LONG, 0xC9);
	for (i = 0; rc == 0 && i < sizeof(eids) / sizeof(eids[0]); i++) {
		unsigned char eid[24];

		pst_entryid(pst, eids[i].nid, eid);
		rc = pst_pc_bin(&pc, eids[i].id, MBX_PT_BINARY, eid, sizeof(eid));
	}
	pst_pc_u32(&pc, MBX_PID_TAG_PST_PASSWORD, MBX_PT_LONG, 0);   /* none */
	if (rc == 0)
		rc = pst_pc_finish(&pc, &bid, NULL);
	else
		pst_pc_free(&pc);
	if (rc == 0)
		rc = pst_subnodes_write(&pst->ndb, &sn, &bid_sub);
	pst_subnodes_free(&sn);
	if (rc == 0)
		pst_ndb_node_add(&pst->ndb, PST_NID_MESSAGE_STORE, bid, bid_sub, 0);
	return rc;
}

/*
 * The name-to-ID map ([MS-PST] 2.4.7).  It starts as Outlook starts it:
 * PidLidBusyStatus (PSETID_Appointment, LID 0x8205) at 0x8000 (an old
 * libpff mis-reads a map that does not start there) and the string-named
 * "content-class" (PS_PUBLIC_STRINGS) at 0x8001, so that none of the
 * GUID, entry and string streams is empty (pst-extractor cannot read an
 * empty stream).  The named properties messages use follow from 0x8002 in
 * the order they were first used (numeric LIDs and string names of any
 * property set: a bag's named properties), and last comes "Keywords"
 * (PS_PUBLIC_STRINGS, PidNameKeywords), or when a bag used that name
 * another one nothing in the file uses: pst-extractor never reads the last
 * record of the entry stream.  Every
 * record's wPropIdx is its position in the stream.  Written at close,
 * when every name is known.
 */
static const unsigned char guid_ps_mapi[16] = MBX_PS_MAPI_BYTES;
static const unsigned char guid_ps_public_strings[16] = MBX_PS_PUBLIC_STRINGS_BYTES;
static const unsigned char guid_appointment[16] = MBX_PSETID_APPOINTMENT_BYTES;
#define NAMEID_BUCKETS 251u
#define NAMEID_MAX     0x7FFFu   /* NPIDs 0x8000-0xFFFE */

static uint32_t nameid_hash(const unsigned char guid[16], uint32_t lid, const char *name)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < 16; i++)
		h = (h ^ guid[i]) * 16777619u;
	if (name) {
		for (; *name; name++)
			h = (h ^ (unsigned char)*name) * 16777619u;
		h = (h ^ 0xFFu) * 16777619u;
	} else {
		for (i = 0; i < 4; i++)
			h = (h ^ ((lid >> (8 * i)) & 0xFFu)) * 16777619u;
	}
	return h;
}

static void nameid_slot_put(mbx_pst *pst, size_t idx)
{
	size_t mask = pst->nslots - 1, at = pst->names[idx].hash & mask;

	while (pst->nslot[at])
		at = (at + 1) & mask;
	pst->nslot[at] = (uint32_t)idx + 1;
}

static void nameid_push(mbx_pst *pst, const unsigned char guid[16], uint32_t lid, const char *name)
{
	pst_nameid *n;
	size_t i;

	if (pst->nnames == pst->anames) {
		pst->anames = pst->anames ? pst->anames * 2 : 32;
		pst->names = mbx_reallocarray(pst->names, pst->anames, sizeof(*pst->names));
	}
	n = &pst->names[pst->nnames++];
	memcpy(n->guid, guid, 16);
	n->lid = name ? 0 : lid;
	n->name = name ? mbx_strdup(name) : NULL;
	n->hash = nameid_hash(guid, lid, name);
	if (2 * pst->nnames > pst->nslots) {
		/* keep the table at most half full */
		mbx_free(pst->nslot);
		pst->nslots = pst->nslots ? pst->nslots * 2 : 64;
		pst->nslot = mbx_calloc(pst->nslots, sizeof(*pst->nslot));
		for (i = 0; i < pst->nnames; i++)
			nameid_slot_put(pst, i);
	} else {
		nameid_slot_put(pst, pst->nnames - 1);
	}
}

/* Index of (guid, lid | name) in the map, or -1. */
static long nameid_find(const mbx_pst *pst, const unsigned char guid[16], uint32_t lid, const char *name)
{
	uint32_t h = nameid_hash(guid, lid, name);
	size_t mask, at;

	if (!pst->nslots)
		return -1;
	mask = pst->nslots - 1;
	for (at = h & mask; pst->nslot[at]; at = (at + 1) & mask) {
		const pst_nameid *n = &pst->names[pst->nslot[at] - 1];

		if (n->hash != h || memcmp(n->guid, guid, 16) != 0)
			continue;
		if (name ? n->name && strcmp(n->name, name) == 0 : !n->name && n->lid == lid)
			return (long)(pst->nslot[at] - 1);
	}
	return -1;
}

static int nameid_get(mbx_pst *pst, const unsigned char guid[16], uint32_t lid, const char *name,
                      uint16_t *npid)
{
	long i = nameid_find(pst, guid, lid, name);

	if (i < 0) {
		/* one index stays free for the closing record */
		if (pst->nnames + 1 >= NAMEID_MAX)
			return mbx_error_set(MBX_ELIMIT, "more than %u different named properties in %s",
			                     NAMEID_MAX - 1, pst->path);
		if (name) {
			unsigned char *w;
			size_t wl;
			int rc = pst_utf16(pst->cd, name, &w, &wl, "a property name");

			mbx_free(w);
			if (rc)
				return rc;
			if (wl == 0)
				return mbx_error_set(MBX_EINVAL, "a named property with an empty string name in %s",
				                     pst->path);
		}
		nameid_push(pst, guid, lid, name);
		i = (long)pst->nnames - 1;
	}
	*npid = (uint16_t)(PST_NPID_FIRST + i);
	return 0;
}

int pst_nameid_get(mbx_pst *pst, const unsigned char guid[16], uint32_t lid, uint16_t *npid)
{
	return nameid_get(pst, guid, lid, NULL, npid);
}

int pst_nameid_get_name(mbx_pst *pst, const unsigned char guid[16], const char *name, uint16_t *npid)
{
	return nameid_get(pst, guid, 0, name, npid);
}

int pst_key_id(mbx_pst *pst, const mbx_propkey *k, uint16_t *id)
{
	if (!k->guid) {
		if (k->id == 0 || k->id >= PST_NPID_FIRST)
			return mbx_error_set(MBX_EINVAL, "property id 0x%04x in %s: a plain property id is 0x0001-0x7FFF",
			                     (unsigned)k->id, pst->path);
		*id = k->id;
		return 0;
	}
	return k->name ? nameid_get(pst, k->guid, 0, k->name, id) : nameid_get(pst, k->guid, k->lid, NULL, id);
}

static void nameid_entry(unsigned char e[8], uint32_t id, uint16_t guid_idx, int string, uint16_t idx)
{
	pst_put32(e, id);
	pst_put16(e + 4, (uint16_t)((guid_idx << 1) | (string ? 1 : 0)));
	pst_put16(e + 6, idx);
}

/* wGuid of a property set: 1 PS_MAPI, 2 PS_PUBLIC_STRINGS, else 3 + its
 * index in the GUID stream (added when new): PST_NAMEID_GUID_*. */
static uint16_t nameid_guid_index(unsigned char **gs, size_t *ng, const unsigned char guid[16])
{
	size_t i;

	if (memcmp(guid, guid_ps_mapi, 16) == 0)
		return PST_NAMEID_GUID_MAPI;
	if (memcmp(guid, guid_ps_public_strings, 16) == 0)
		return PST_NAMEID_GUID_PUBLIC_STRINGS;
	for (i = 0; i < *ng; i++)
		if (memcmp(*gs + 16 * i, guid, 16) == 0)
			return (uint16_t)(PST_NAMEID_GUID_FIRST + i);
	*gs = mbx_realloc(*gs, 16 * (*ng + 1));
	memcpy(*gs + 16 * *ng, guid, 16);
	return (uint16_t)(PST_NAMEID_GUID_FIRST + (*ng)++);
}

static int write_nameid(mbx_pst *pst)
{
	unsigned char *guids = NULL, *entries, *strings = NULL, *hashed;
	size_t ng = 0, ns = 0, n, i, b;
	uint16_t *bucket;
	uint32_t next_sub = 1;
	pst_subnodes sn;
	pst_pc pc;
	uint64_t bid, bid_sub = 0;
	int rc;

	/* the closing record: a name nothing in the file uses */
	if (nameid_find(pst, guid_ps_public_strings, 0, "Keywords") < 0) {
		nameid_push(pst, guid_ps_public_strings, 0, "Keywords");
	} else {
		char unused[48];
		unsigned k = 0;

		do
			snprintf(unused, sizeof(unused), "mbxrescue-unused-%u", k++);
		while (nameid_find(pst, guid_ps_public_strings, 0, unused) >= 0);
		nameid_push(pst, guid_ps_public_strings, 0, unused);
	}
	n = pst->nnames;
	entries = mbx_malloc(8 * n);
	hashed = mbx_malloc(8 * n);
	bucket = mbx_malloc(n * sizeof(*bucket));
	for (i = 0; i < n; i++) {
		const pst_nameid *e = &pst->names[i];
		uint16_t g = nameid_guid_index(&guids, &ng, e->guid);

		if (e->name) {
			/* the string stream: 4-byte length, the UTF-16LE name,
			 * padded to 4 bytes; the entry points at the length */
			unsigned char *w = NULL;
			size_t wl = 0, need;
			uint32_t crc;

			rc = pst_utf16(pst->cd, e->name, &w, &wl, "a property name");   /* checked when added */
			if (rc) {
				mbx_free(guids);
				mbx_free(entries);
				mbx_free(strings);
				mbx_free(hashed);
				mbx_free(bucket);
				return rc;
			}
			need = (4 + wl + 3) & ~(size_t)3;
			strings = mbx_realloc(strings, ns + need);
			memset(strings + ns, 0, need);
			pst_put32(strings + ns, (uint32_t)wl);
			memcpy(strings + ns + 4, w, wl);
			crc = pst_crc(w, wl);
			mbx_free(w);
			nameid_entry(entries + 8 * i, (uint32_t)ns, g, 1, (uint16_t)i);
			/* in a bucket a string name is known by its CRC-32 */
			nameid_entry(hashed + 8 * i, crc, g, 1, (uint16_t)i);
			bucket[i] = (uint16_t)((crc ^ (((uint32_t)g << 1) | 1u)) % NAMEID_BUCKETS);
			ns += need;
		} else {
			nameid_entry(entries + 8 * i, e->lid, g, 0, (uint16_t)i);
			memcpy(hashed + 8 * i, entries + 8 * i, 8);
			bucket[i] = (uint16_t)((e->lid ^ ((uint32_t)g << 1)) % NAMEID_BUCKETS);
		}
	}
	memset(&sn, 0, sizeof(sn));
	pst_pc_init(&pc, &pst->ndb, &sn, &next_sub, pst->cd);
	pst_pc_u32(&pc, MBX_PID_TAG_NAMEID_BUCKET_COUNT, MBX_PT_LONG, NAMEID_BUCKETS);
	rc = pst_pc_bin(&pc, MBX_PID_TAG_NAMEID_STREAM_GUID, MBX_PT_BINARY, guids, 16 * ng);
	if (rc == 0)
		rc = pst_pc_bin(&pc, MBX_PID_TAG_NAMEID_STREAM_ENTRY, MBX_PT_BINARY, entries, 8 * n);
	if (rc == 0)
		rc = pst_pc_bin(&pc, MBX_PID_TAG_NAMEID_STREAM_STRING, MBX_PT_BINARY, strings, ns);
	/* the hash buckets: one property per non-empty bucket */
	for (b = 0; rc == 0 && b < NAMEID_BUCKETS; b++) {
		unsigned char *recs = NULL;
		size_t nr = 0;

		for (i = 0; i < n; i++) {
			if (bucket[i] != b)
				continue;
			recs = mbx_realloc(recs, 8 * (nr + 1));
			memcpy(recs + 8 * nr++, hashed + 8 * i, 8);
		}
		if (nr)
			rc = pst_pc_bin(&pc, (uint16_t)(MBX_PID_TAG_NAMEID_BUCKET_BASE + b), MBX_PT_BINARY, recs, 8 * nr);
		mbx_free(recs);
	}
	if (rc == 0)
		rc = pst_pc_finish(&pc, &bid, NULL);
	else
		pst_pc_free(&pc);
	if (rc == 0)
		rc = pst_subnodes_write(&pst->ndb, &sn, &bid_sub);
	pst_subnodes_free(&sn);
	mbx_free(guids);
	mbx_free(entries);
	mbx_free(strings);
	mbx_free(hashed);
	mbx_free(bucket);
	if (rc == 0)
		pst_ndb_node_add(&pst->ndb, PST_NID_NAME_TO_ID_MAP, bid, bid_sub, 0);
	return rc;
}

static int write_template(mbx_pst *pst, uint32_t nid, const uint32_t *cols, size_t ncols)
{
	pst_tc tc;
	uint64_t bd, bs;
	int rc;

	pst_tc_init(&tc, &pst->ndb, cols, ncols, pst->cd);
	rc = pst_tc_finish(&tc, PST_NID(PST_NID_TYPE_LTP, 1), &bd, &bs, NULL);
	if (rc == 0)
		pst_ndb_node_add(&pst->ndb, nid, bd, bs, 0);
	return rc;
}

/* The spam search folder's search criteria object: one property. */
static int write_sco(mbx_pst *pst)
{
	pst_subnodes sn;
	pst_pc pc;
	uint64_t bid;
	uint32_t next_sub = 1;
	int rc;

	memset(&sn, 0, sizeof(sn));
	pst_pc_init(&pc, &pst->ndb, &sn, &next_sub, pst->cd);
	pst_pc_u32(&pc, MBX_PID_TAG_UNNAMED_660B, MBX_PT_LONG, 0);
	rc = pst_pc_finish(&pc, &bid, NULL);
	pst_subnodes_free(&sn);
	if (rc == 0)
		pst_ndb_node_add(&pst->ndb, PST_NID_SPAM_SEARCH_CRITERIA_OBJECT, bid, 0, 0);
	return rc;
}

int pst_store_begin(mbx_pst *pst)
{
	pst_folder *f;
	int rc;

	if (getrandom(pst->record_key, sizeof(pst->record_key), 0) != (ssize_t)sizeof(pst->record_key))
		return mbx_error_set(MBX_EIO, "cannot get random bytes for the store's record key: %s",
		                     strerror(errno));
	pst_folder_new(pst, PST_NID_ROOT_FOLDER, PST_NID_ROOT_FOLDER, "", NULL);
	pst_folder_new(pst, PST_NID_IPM_SUBTREE, PST_NID_ROOT_FOLDER, "Top of Personal Folders", NULL);
	pst_folder_new(pst, PST_NID_SEARCH_ROOT, PST_NID_ROOT_FOLDER, "Search Root", NULL);
	f = pst_folder_new(pst, PST_NID_SPAM_SEARCH_FOLDER, PST_NID_ROOT_FOLDER, "SPAM Search Folder 2", NULL);
	f->search = 1;
	pst_folder_new(pst, PST_NID_COMMON_VIEWS, PST_NID_ROOT_FOLDER, "IPM_COMMON_VIEWS", NULL);
	pst_folder_new(pst, PST_NID_DELETED_ITEMS, PST_NID_IPM_SUBTREE, "Deleted Items", "IPF.Note");
	pst->next_folder = FIRST_FOLDER_INDEX;
	pst->next_message = MESSAGE_INDEX_TOP;

	nameid_push(pst, guid_appointment, MBX_LID_BUSY_STATUS, NULL);
	nameid_push(pst, guid_ps_public_strings, 0, "content-class");
	rc = write_store(pst);
	if (rc == 0)
		rc = write_template(pst, PST_NID_HIERARCHY_TABLE_TEMPLATE, pst_hier_cols, pst_nhier_cols);
	if (rc == 0)
		rc = write_template(pst, PST_NID_CONTENTS_TABLE_TEMPLATE, pst_contents_cols, pst_ncontents_cols);
	if (rc == 0)
		rc = write_template(pst, PST_NID_ASSOC_CONTENTS_TABLE_TEMPLATE, pst_assoc_cols, pst_nassoc_cols);
	if (rc == 0)
		rc = write_template(pst, PST_NID_SEARCH_CONTENTS_TABLE_TEMPLATE, pst_search_cols, pst_nsearch_cols);
	if (rc == 0)
		rc = write_template(pst, PST_NID_ATTACHMENT_TABLE, pst_attach_cols, pst_nattach_cols);
	if (rc == 0)
		rc = write_template(pst, PST_NID_RECIPIENT_TABLE, pst_recip_cols, pst_nrecip_cols);
	if (rc == 0)
		rc = write_sco(pst);
	if (rc)
		return rc;
	/* empty queues: the search management queue, the search activity
	 * list and the spam folder's search update queue */
	pst_ndb_node_add(&pst->ndb, PST_NID_SEARCH_MANAGEMENT_QUEUE, 0, 0, 0);
	pst_ndb_node_add(&pst->ndb, PST_NID_SEARCH_ACTIVITY_LIST, 0, 0, 0);
	pst_ndb_node_add(&pst->ndb, PST_NID_SPAM_SEARCH_UPDATE_QUEUE, 0, 0, 0);
	return 0;
}

static void header_info(mbx_pst *pst, pst_header_info *hi)
{
	const uint32_t *max = pst->ndb.nid_next;   /* highest index used + 1 */
	size_t i;

	memset(hi, 0, sizeof(*hi));
	/* rgnid: the next free index of each NID type, never below Outlook's */
	for (i = 0; i < 32; i++)
		hi->rgnid[i] = max[i] > 0x400 ? max[i] : 0x400;
	if (hi->rgnid[PST_NID_TYPE_NORMAL_FOLDER] < pst->next_folder)
		hi->rgnid[PST_NID_TYPE_NORMAL_FOLDER] = pst->next_folder;
	if (hi->rgnid[PST_NID_TYPE_SEARCH_FOLDER] < 0x4000)
		hi->rgnid[PST_NID_TYPE_SEARCH_FOLDER] = 0x4000;
	if (hi->rgnid[PST_NID_TYPE_ASSOC_MESSAGE] < 0x8000)
		hi->rgnid[PST_NID_TYPE_ASSOC_MESSAGE] = 0x8000;
	hi->unique = 0x10;
	hi->crypt = pst->ndb.crypt;
}

static int write_header(mbx_pst *pst, const pst_header_info *hi)
{
	unsigned char h[PST_HEADER_SIZE];

	pst_header_build(h, hi);
	return pst_io_write(&pst->ndb, 0, h, sizeof(h));
}

int mbx_pst_create(mbx_pst **out, const char *path, const mbx_pst_opts *opts)
{
	mbx_pst *pst;
	pst_header_info hi;
	int rc;

	*out = NULL;
	if (!path || !*path)
		return mbx_error_set(MBX_EINVAL, "no PST file name given");
	pst = mbx_calloc(1, sizeof(*pst));
	pst->ndb.fd = -1;
	pst->cd = (iconv_t)-1;
	if (opts)
		pst->opts = *opts;
	else
		mbx_pst_opts_init(&pst->opts);
	if (pst->opts.crypt != MBX_PST_CRYPT_NONE && pst->opts.crypt != MBX_PST_CRYPT_PERMUTE) {
		mbx_pst_free(pst);
		return mbx_error_set(MBX_EINVAL, "unknown PST encoding %d for %s (0 none, 1 compressible)",
		                     opts->crypt, path);
	}
	pst->opts.display_name = NULL;   /* the caller's string and bag: used below only */
	pst->opts.store_props = NULL;
	pst->ndb.crypt = pst->opts.crypt;
	pst->path = mbx_strdup(path);
	pst->tmp = pst->opts.keep_temp ? mbx_strdup(path) : mbx_asprintf("%s.tmp", path);
	pst->cd = pst_utf16_open();
	if (pst->cd == (iconv_t)-1) {
		mbx_pst_free(pst);
		return mbx_error_set(MBX_ERROR, "iconv cannot convert UTF-8 to UTF-16LE on this system");
	}
	rc = pst_io_open(&pst->ndb, pst->tmp);
	if (rc == 0) {
		/* a header that says "not valid yet" until close */
		header_info(pst, &hi);
		rc = write_header(pst, &hi);
	}
	if (rc == 0)
		rc = pst_amap_init(&pst->ndb);
	if (rc == 0) {
		pst->opts.display_name = opts ? opts->display_name : NULL;
		pst->opts.store_props = opts ? opts->store_props : NULL;
		rc = pst_store_begin(pst);
		pst->opts.display_name = NULL;
		pst->opts.store_props = NULL;
	}
	if (rc) {
		mbx_pst_free(pst);
		return rc;
	}
	*out = pst;
	return 0;
}

mbx_pst_nid mbx_pst_top_folder(const mbx_pst *pst)
{
	(void)pst;
	return PST_NID_IPM_SUBTREE;
}

mbx_pst_nid mbx_pst_root_folder(const mbx_pst *pst)
{
	(void)pst;
	return PST_NID_ROOT_FOLDER;
}

mbx_pst_nid mbx_pst_search_root(const mbx_pst *pst)
{
	(void)pst;
	return PST_NID_SEARCH_ROOT;
}

mbx_pst_nid mbx_pst_common_views(const mbx_pst *pst)
{
	(void)pst;
	return PST_NID_COMMON_VIEWS;
}

mbx_pst_nid mbx_pst_deleted_items(const mbx_pst *pst)
{
	(void)pst;
	return PST_NID_DELETED_ITEMS;
}

int mbx_pst_folder_add_props(mbx_pst *pst, mbx_pst_nid parent, const char *name,
                             const char *container_class, const mbx_props *props, mbx_pst_nid *out)
{
	pst_folder *p = pst_folder_find(pst, parent);
	const char *label = name ? name : "(no name)";
	unsigned char *w;
	size_t wl, i;
	int rc;

	if (pst->ndb.err)
		return pst->ndb.err;
	if (!p || p->search || parent == PST_NID_ROOT_FOLDER)
		return mbx_error_set(MBX_EINVAL, "folder %s: parent 0x%x is not a folder of %s", label, parent,
		                     pst->path);
	if (!name && !pst_bag_has(props, MBX_PID_TAG_DISPLAY_NAME))
		return mbx_error_set(MBX_EINVAL, "a folder without a name in %s", pst->path);
	rc = name ? pst_utf16(pst->cd, name, &w, &wl, "the folder name") : 0;
	if (name)
		mbx_free(w);
	if (rc == 0 && container_class) {
		rc = pst_utf16(pst->cd, container_class, &w, &wl, "the folder class");
		mbx_free(w);
	}
	/* the bag's names get their NPIDs now, in the order they come */
	for (i = 0; rc == 0 && props && i < props->n; i++) {
		mbx_propkey k = mbx_props_key(props, i);
		uint16_t id;

		rc = pst_key_id(pst, &k, &id);
	}
	if (rc)
		return rc;
	if (pst->next_folder >= pst->next_message)
		return mbx_error_set(MBX_ELIMIT, "too many folders in %s", pst->path);
	p = pst_folder_new(pst, PST_NID(PST_NID_TYPE_NORMAL_FOLDER, pst->next_folder++), parent, name,
	                   container_class ? container_class : "IPF.Note");
	if (props)
		mbx_props_copy(&p->bag, props);
	if (out)
		*out = p->nid;
	return 0;
}

int mbx_pst_folder_set_props(mbx_pst *pst, mbx_pst_nid nid, const mbx_props *props)
{
	pst_folder *f = pst_folder_find(pst, nid);
	size_t i;
	int rc = 0;

	if (pst->ndb.err)
		return pst->ndb.err;
	if (!f)
		return mbx_error_set(MBX_EINVAL, "0x%x is not a folder of %s", nid, pst->path);
	if (f->search && props && props->n)
		return mbx_error_set(MBX_EINVAL, "the search folder 0x%x of %s takes no properties", nid,
		                     pst->path);
	/* the bag's names get their NPIDs now, in the order they come */
	for (i = 0; rc == 0 && props && i < props->n; i++) {
		mbx_propkey k = mbx_props_key(props, i);
		uint16_t id;

		rc = pst_key_id(pst, &k, &id);
	}
	if (rc)
		return rc;
	if (props)
		mbx_props_copy(&f->bag, props);
	else
		mbx_props_clear(&f->bag);
	return 0;
}

int mbx_pst_folder_add(mbx_pst *pst, mbx_pst_nid parent, const char *name,
                       const char *container_class, mbx_pst_nid *out)
{
	return mbx_pst_folder_add_props(pst, parent, name, container_class, NULL, out);
}

int64_t mbx_pst_size(const mbx_pst *pst)
{
	return (int64_t)pst->ndb.eof;
}

static int sync_dir(const char *path)
{
	char *copy = mbx_strdup(path);
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;

	if (fd < 0 || fsync(fd) < 0)
		rc = mbx_error_set(MBX_EIO, "cannot flush the directory of %s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	mbx_free(copy);
	return rc;
}

int mbx_pst_close(mbx_pst *pst)
{
	pst_header_info hi;
	uint64_t eof;
	int rc;

	if (pst->closed)
		return mbx_error_set(MBX_EINVAL, "%s is already closed", pst->path);
	if (pst->ndb.err)
		return pst->ndb.err;   /* the first failure, whose message was set then */
	if (pst->open)
		return mbx_error_set(MBX_EINVAL, "a message is still open in %s: end it first", pst->path);
	/* the folders first: the name-to-ID map has every name then */
	rc = pst_folders_finish(pst);
	if (rc == 0)
		rc = write_nameid(pst);
	header_info(pst, &hi);
	if (rc == 0)
		rc = pst_btree_write(&pst->ndb, 1, &hi.nbt_bid, &hi.nbt_ib);
	if (rc == 0)
		rc = pst_btree_write(&pst->ndb, 0, &hi.bbt_bid, &hi.bbt_ib);
	if (rc == 0)
		rc = pst_amap_finish(&pst->ndb, &eof);
	if (rc == 0)
		rc = pst_io_flush(&pst->ndb);
	if (rc == 0 && ftruncate(pst->ndb.fd, (off_t)eof) < 0)
		rc = pst_io_fail(&pst->ndb, errno, "cannot extend");
	if (rc == 0) {
		hi.file_eof = eof;
		hi.amap_last = pst->ndb.amap_last;
		hi.amap_free = pst->ndb.amap_free;
		hi.next_bid = pst->ndb.next_bid;
		hi.next_pbid = pst->ndb.next_pbid;
		hi.amap_valid = 1;
		rc = write_header(pst, &hi);
	}
	if (rc == 0)
		rc = pst_io_close(&pst->ndb, pst->opts.fsync);
	if (rc == 0 && !pst->opts.keep_temp && rename(pst->tmp, pst->path) < 0)
		rc = mbx_error_set(MBX_EIO, "cannot rename %s to %s: %s", pst->tmp, pst->path, strerror(errno));
	if (rc == 0 && pst->opts.fsync)
		rc = sync_dir(pst->path);
	if (rc)
		return rc;
	pst->closed = 1;
	return 0;
}

void mbx_pst_free(mbx_pst *pst)
{
	size_t i;

	if (!pst)
		return;
	if (pst->open)
		pst_msg_free_all(pst->open);
	if (pst->ndb.fd >= 0)
		close(pst->ndb.fd);
	if (!pst->closed && pst->tmp && pst->ndb.path)
		unlink(pst->tmp);
	pst_folders_free(pst);
	for (i = 0; i < pst->nnames; i++)
		mbx_free(pst->names[i].name);
	mbx_free(pst->names);
	mbx_free(pst->nslot);
	if (pst->cd != (iconv_t)-1)
		iconv_close(pst->cd);
	mbx_free(pst->ndb.buf);
	mbx_free(pst->ndb.nbt);
	mbx_free(pst->ndb.path);
	mbx_free(pst->path);
	mbx_free(pst->tmp);
	mbx_free(pst);
}
