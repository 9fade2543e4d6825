/*
 * include/mbx/pstdefs.h - constants of the PST file format ([MS-PST]),
 * shared by the writer (core/pst), the validator (core/pstcheck) and the
 * libpst reader (core/pstread), so that the three name every tag, node
 * and signature alike.
 *
 * Where the names come from:
 *   - MAPI property ids, tags, LIDs, property sets and type codes
 *     (MBX_PID_TAG_*, MBX_TAG_*, MBX_LID_*, MBX_PSETID_*, MBX_PT_*) are in
 *     mbx/mapitags.h, GENERATED from the MAPI property list; regenerate it
 *     with
 *         tools/gen-mapitags.sh ../shared/reference/mapi-properties.csv > include/mbx/mapitags.h
 *     (tests/t_pst_defs.sh fails when the committed header is stale).  Its
 *     top comment gives the naming rules.
 *   - Properties a PST uses that the list lacks are below, in "Properties
 *     not in the MAPI property list", each with its source.
 *   - PST format constants are PST_*, named after [MS-PST]'s friendly names
 *     (NID_TYPE_NORMAL_FOLDER -> PST_NID_TYPE_NORMAL_FOLDER, bTypePC ->
 *     PST_BTYPE_PC, ...); MAPI property values (message flags, attach
 *     methods, recipient types) are MBX_* after the MAPI names.
 * This header only defines constants: nothing here changes what is
 * written or how it is checked.
 */
#ifndef MBX_PSTDEFS_H
#define MBX_PSTDEFS_H

#include <stdint.h>
#include "mbx/mapitags.h"

/* ---- NDB: sizes ([MS-PST] 2.2.2) --------------------------------------- */
#define PST_HEADER_SIZE     564u       /* Unicode HEADER (2.2.2.6) */
#define PST_PAGE            512u       /* every page (2.2.2.7) */
#define PST_PAGE_DATA       496u       /* a page without its PAGETRAILER */
#define PST_TRAILER         16u        /* BLOCKTRAILER and PAGETRAILER (Unicode) */
#define PST_BLOCK_ALIGN     64u        /* blocks start and end on 64 bytes (2.2.2.8) */
#define PST_BLOCK_MAX       8192u      /* a block with its trailer */
#define PST_BLOCK_DATA      8176u      /* data bytes in one block */
#define PST_DLIST_IB        0x4200u    /* the DList page, if any (2.2.2.7.4) */
#define PST_AMAP_FIRST      0x4400u    /* the first AMap page (2.2.2.7.2) */
#define PST_AMAP_SPAN       253952u    /* bytes an AMap covers: 496 * 8 * 64 */
#define PST_XBLOCK_MAX      1021u      /* BIDs in an XBLOCK: (8176 - 8) / 8 */
#define PST_SL_MAX          340u       /* SLENTRYs in an SLBLOCK: (8176 - 8) / 24 */
#define PST_SI_MAX          510u       /* SIENTRYs in an SIBLOCK: (8176 - 8) / 16 */
#define PST_BT_ENTRIES      20         /* 24-byte BTENTRYs/BBTENTRYs in a BT page */
#define PST_HEAP_ALLOC_MAX  3580u      /* largest heap allocation (2.3.1) */

/* ---- NDB: the Unicode HEADER and ROOT ([MS-PST] 2.2.2.5, 2.2.2.6) ------ */
#define PST_HDR_MAGIC            "!BDN"  /* dwMagic, 4 bytes at 0 */
#define PST_HDR_CRC_PARTIAL      4       /* dwCRCPartial: CRC of 471 bytes from 8 */
#define PST_HDR_CRC_PARTIAL_LEN  471
#define PST_HDR_MAGIC_CLIENT     8       /* wMagicClient */
#define PST_HDR_VER              10      /* wVer */
#define PST_HDR_VER_CLIENT       12      /* wVerClient */
#define PST_HDR_PLATFORM_CREATE  14      /* bPlatformCreate */
#define PST_HDR_PLATFORM_ACCESS  15      /* bPlatformAccess */
#define PST_HDR_BID_UNUSED       24      /* bidUnused */
#define PST_HDR_BID_NEXT_P       32      /* bidNextP */
#define PST_HDR_UNIQUE           40      /* dwUnique */
#define PST_HDR_RGNID            44      /* rgnid[32] */
#define PST_HDR_FILE_EOF         184     /* ROOT (at 180): ibFileEof */
#define PST_HDR_AMAP_LAST        192     /* ROOT: ibAMapLast */
#define PST_HDR_AMAP_FREE        200     /* ROOT: cbAMapFree */
#define PST_HDR_PMAP_FREE        208     /* ROOT: cbPMapFree */
#define PST_HDR_NBT_BID          216     /* ROOT: BREFNBT.bid */
#define PST_HDR_NBT_IB           224     /* ROOT: BREFNBT.ib */
#define PST_HDR_BBT_BID          232     /* ROOT: BREFBBT.bid */
#define PST_HDR_BBT_IB           240     /* ROOT: BREFBBT.ib */
#define PST_HDR_AMAP_VALID       248     /* ROOT: fAMapValid */
#define PST_HDR_RGBFM            256     /* rgbFM, 128 bytes of 0xFF */
#define PST_HDR_RGBFP            384     /* rgbFP, 128 bytes of 0xFF */
#define PST_HDR_SENTINEL         512     /* bSentinel */
#define PST_HDR_CRYPT            513     /* bCryptMethod */
#define PST_HDR_BID_NEXT_B       516     /* bidNextB */
#define PST_HDR_CRC_FULL         524     /* dwCRCFull: CRC of 516 bytes from 8 */
#define PST_HDR_CRC_FULL_LEN     516
#define PST_MAGIC_CLIENT         0x4D53  /* wMagicClient "SM" */
#define PST_VER_UNICODE          23      /* wVer of a Unicode file */
#define PST_VER_CLIENT           19      /* wVerClient */
#define PST_PLATFORM             0x01    /* bPlatformCreate, bPlatformAccess */
#define PST_SENTINEL             0x80    /* bSentinel */
#define PST_AMAP_INVALID         0x00    /* fAMapValid: rebuild the AMaps */
#define PST_AMAP_VALID2          0x02    /* fAMapValid: VALID_AMAP2 */
/* bCryptMethod (2.2.2.6) */
#define PST_CRYPT_NONE           0x00    /* NDB_CRYPT_NONE */
#define PST_CRYPT_PERMUTE        0x01    /* NDB_CRYPT_PERMUTE ("compressible") */
#define PST_CRYPT_CYCLIC         0x02    /* NDB_CRYPT_CYCLIC */
#define PST_CRYPT_EDPCRYPTED     0x10    /* NDB_CRYPT_EDPCRYPTED */

/* ---- NDB: pages and blocks ([MS-PST] 2.2.2.7, 2.2.2.8) ----------------- */
/* PAGETRAILER.ptype */
#define PST_PTYPE_BBT    0x80
#define PST_PTYPE_NBT    0x81
#define PST_PTYPE_FMAP   0x82
#define PST_PTYPE_PMAP   0x83
#define PST_PTYPE_AMAP   0x84
#define PST_PTYPE_FPMAP  0x85
#define PST_PTYPE_DL     0x86
/* btype of XBLOCK/XXBLOCK (cLevel 1/2) and of SLBLOCK/SIBLOCK (cLevel 0/1) */
#define PST_XBLOCK_BTYPE   0x01
#define PST_SLBLOCK_BTYPE  0x02
/* BID: bit 1 (the second lowest) marks an internal block; block BIDs step by 4 */
#define PST_BID_INTERNAL   0x2u

/* ---- NDB: node ids ([MS-PST] 2.2.2.1, 2.4.1) --------------------------- */
/* nidType, the low 5 bits of a NID */
#define PST_NID_TYPE_HID                    0x00
#define PST_NID_TYPE_INTERNAL               0x01
#define PST_NID_TYPE_NORMAL_FOLDER          0x02
#define PST_NID_TYPE_SEARCH_FOLDER          0x03
#define PST_NID_TYPE_NORMAL_MESSAGE         0x04
#define PST_NID_TYPE_ATTACHMENT             0x05
#define PST_NID_TYPE_SEARCH_UPDATE_QUEUE    0x06
#define PST_NID_TYPE_SEARCH_CRITERIA_OBJECT 0x07
#define PST_NID_TYPE_ASSOC_MESSAGE          0x08
#define PST_NID_TYPE_CONTENTS_TABLE_INDEX   0x0A
#define PST_NID_TYPE_RECEIVE_FOLDER_TABLE   0x0B
#define PST_NID_TYPE_OUTGOING_QUEUE_TABLE   0x0C
#define PST_NID_TYPE_HIERARCHY_TABLE        0x0D
#define PST_NID_TYPE_CONTENTS_TABLE         0x0E
#define PST_NID_TYPE_ASSOC_CONTENTS_TABLE   0x0F
#define PST_NID_TYPE_SEARCH_CONTENTS_TABLE  0x10
#define PST_NID_TYPE_ATTACHMENT_TABLE       0x11
#define PST_NID_TYPE_RECIPIENT_TABLE        0x12
#define PST_NID_TYPE_SEARCH_TABLE_INDEX     0x13
#define PST_NID_TYPE_LTP                    0x1F
#define PST_NID_TYPE_MASK                   0x1Fu
#define PST_NID(type, idx)          ((uint32_t)(((uint32_t)(idx) << 5) | (type)))
#define PST_NID_TYPE(nid)           ((uint32_t)(nid) & PST_NID_TYPE_MASK)
#define PST_NID_INDEX(nid)          ((uint32_t)(nid) >> 5)
/* The node of another type with the same index: a folder's tables. */
#define PST_NID_WITH_TYPE(nid, type) (((uint32_t)(nid) & ~PST_NID_TYPE_MASK) | (type))

/* Special NIDs (2.4.1) */
#define PST_NID_MESSAGE_STORE                0x21
#define PST_NID_NAME_TO_ID_MAP               0x61
#define PST_NID_NORMAL_FOLDER_TEMPLATE       0xA1
#define PST_NID_SEARCH_FOLDER_TEMPLATE       0xC1
#define PST_NID_ROOT_FOLDER                  0x122
#define PST_NID_SEARCH_MANAGEMENT_QUEUE      0x1E1
#define PST_NID_SEARCH_ACTIVITY_LIST         0x201
#define PST_NID_RESERVED1                    0x241
#define PST_NID_SEARCH_DOMAIN_OBJECT         0x261
#define PST_NID_SEARCH_GATHERER_QUEUE        0x281
#define PST_NID_SEARCH_GATHERER_DESCRIPTOR   0x2A1
#define PST_NID_RESERVED2                    0x2E1
#define PST_NID_RESERVED3                    0x301
#define PST_NID_SEARCH_GATHERER_FOLDER_QUEUE 0x321
/* Fixed NIDs of the minimum PST (2.7.1) */
#define PST_NID_HIERARCHY_TABLE_TEMPLATE       0x60D
#define PST_NID_CONTENTS_TABLE_TEMPLATE        0x60E
#define PST_NID_ASSOC_CONTENTS_TABLE_TEMPLATE  0x60F
#define PST_NID_SEARCH_CONTENTS_TABLE_TEMPLATE 0x610
#define PST_NID_ATTACHMENT_TABLE               0x671  /* template, and a message's subnode */
#define PST_NID_RECIPIENT_TABLE                0x692  /* template, and a message's subnode */
/* Sample NIDs of the minimum PST (2.7.1) that Outlook's own files use too */
#define PST_NID_SPAM_SEARCH_FOLDER             0x2223
#define PST_NID_SPAM_SEARCH_UPDATE_QUEUE       0x2226 /* its search update queue */
#define PST_NID_SPAM_SEARCH_CRITERIA_OBJECT    0x2227 /* its search criteria object */
#define PST_NID_IPM_SUBTREE                    0x8022 /* "Top of Personal Folders" */
#define PST_NID_SEARCH_ROOT                    0x8042 /* "Search Root" */
#define PST_NID_DELETED_ITEMS                  0x8062
/* IPM_COMMON_VIEWS: not in [MS-PST]; Outlook's empty file has it */
#define PST_NID_COMMON_VIEWS                   0x8082

/* ---- LTP ([MS-PST] 2.3) ------------------------------------------------ */
#define PST_HN_SIG          0xEC   /* HNHDR.bSig */
/* HNHDR.bClientSig and BTHHEADER.bType (2.3.1.2) */
#define PST_BTYPE_RESERVED1 0x6C
#define PST_BTYPE_TC        0x7C   /* table context */
#define PST_BTYPE_RESERVED2 0x8C
#define PST_BTYPE_RESERVED3 0x9C
#define PST_BTYPE_RESERVED4 0xA5
#define PST_BTYPE_RESERVED5 0xAC
#define PST_BTYPE_BTH       0xB5   /* BTree-on-Heap */
#define PST_BTYPE_PC        0xBC   /* property context */
#define PST_BTYPE_RESERVED6 0xCC

/* ---- Properties not in the MAPI property list -------------------------- */
/* The name-to-ID map's properties ([MS-PST] 2.1, 2.4.7) */
#ifndef MBX_PID_TAG_NAMEID_BUCKET_COUNT
#define MBX_PID_TAG_NAMEID_BUCKET_COUNT  0x0001   /* PidTagNameidBucketCount, PtypInteger32 */
#endif
#ifndef MBX_PID_TAG_NAMEID_STREAM_GUID
#define MBX_PID_TAG_NAMEID_STREAM_GUID   0x0002   /* PidTagNameidStreamGuid, PtypBinary */
#endif
#ifndef MBX_PID_TAG_NAMEID_STREAM_ENTRY
#define MBX_PID_TAG_NAMEID_STREAM_ENTRY  0x0003   /* PidTagNameidStreamEntry, PtypBinary */
#endif
#ifndef MBX_PID_TAG_NAMEID_STREAM_STRING
#define MBX_PID_TAG_NAMEID_STREAM_STRING 0x0004   /* PidTagNameidStreamString, PtypBinary */
#endif
#ifndef MBX_PID_TAG_NAMEID_BUCKET_BASE
#define MBX_PID_TAG_NAMEID_BUCKET_BASE   0x1000   /* PidTagNameidBucketBase: bucket n is 0x1000 + n */
#endif
/* [MS-PST] 2.1 calls 0x67FF PidTagPstPassword; the list PidTagLtpPstPassword */
#ifndef MBX_PID_TAG_PST_PASSWORD
#define MBX_PID_TAG_PST_PASSWORD         MBX_PID_TAG_LTP_PST_PASSWORD
#endif
/* Replication columns of the hierarchy and contents tables ([MS-PST]
 * 2.4.4.4.1, 2.4.4.5.1).  [MS-PST] types PidTagReplItemid PtypInteger32,
 * but the column sets the writer copies from Outlook's templates carry it
 * as PtypBinary: MBX_TAG_REPL_ITEMID is that tag. */
#ifndef MBX_PID_TAG_REPL_ITEMID
#define MBX_PID_TAG_REPL_ITEMID                     0x0E30
#define MBX_TAG_REPL_ITEMID                         0x0E300102
#endif
#ifndef MBX_PID_TAG_REPL_CHANGENUM
#define MBX_PID_TAG_REPL_CHANGENUM                  0x0E33
#define MBX_TAG_REPL_CHANGENUM                      0x0E330014
#endif
#ifndef MBX_PID_TAG_REPL_VERSION_HISTORY
#define MBX_PID_TAG_REPL_VERSION_HISTORY            0x0E34
#define MBX_TAG_REPL_VERSION_HISTORY                0x0E340102
#endif
#ifndef MBX_PID_TAG_REPL_FLAGS
#define MBX_PID_TAG_REPL_FLAGS                      0x0E38
#define MBX_TAG_REPL_FLAGS                          0x0E380003
#endif
#ifndef MBX_PID_TAG_REPL_COPIEDFROM_VERSIONHISTORY
#define MBX_PID_TAG_REPL_COPIEDFROM_VERSIONHISTORY  0x0E3C
#define MBX_TAG_REPL_COPIEDFROM_VERSIONHISTORY      0x0E3C0102
#endif
#ifndef MBX_PID_TAG_REPL_COPIEDFROM_ITEMID
#define MBX_PID_TAG_REPL_COPIEDFROM_ITEMID          0x0E3D
#define MBX_TAG_REPL_COPIEDFROM_ITEMID              0x0E3D0102
#endif
/* PidTagExchangeRemoteHeader, a column of the search contents table
 * ([MS-PST] 2.4.8.6.2.1) */
#ifndef MBX_PID_TAG_EXCHANGE_REMOTE_HEADER
#define MBX_PID_TAG_EXCHANGE_REMOTE_HEADER          0x0E2A
#define MBX_TAG_EXCHANGE_REMOTE_HEADER              0x0E2A000B
#endif
/* The one property (PtypInteger32, 0) the writer puts in the spam search
 * folder's search criteria object; neither [MS-PST] nor [MS-OXPROPS]
 * names it. */
#define MBX_PID_TAG_UNNAMED_660B                    0x660B
/* PS_MAPI ([MS-OXPROPS] 1.3.2), wGuid 1 of the name-to-ID map ([MS-PST] 2.4.7.1) */
#ifndef MBX_PS_MAPI
#define MBX_PS_MAPI       "\x28\x03\x02\x00\x00\x00\x00\x00\xC0\x00\x00\x00\x00\x00\x00\x46"
#define MBX_PS_MAPI_BYTES { 0x28, 0x03, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46 }
#endif
/* Named properties have ids from 0x8000 ([MS-PST] 2.4.7): NPID = 0x8000 + wPropIdx */
#define PST_NPID_FIRST                  0x8000
/* wGuid of NAMEID records ([MS-PST] 2.4.7.1): 1 PS_MAPI, 2 PS_PUBLIC_STRINGS,
 * else 3 + the GUID's index in the GUID stream */
#define PST_NAMEID_GUID_MAPI            1
#define PST_NAMEID_GUID_PUBLIC_STRINGS  2
#define PST_NAMEID_GUID_FIRST           3

/* ---- MAPI property values ---------------------------------------------- */
/* PidTagMessageFlags ([MS-OXCMSG] 2.2.1.6) */
#define MBX_MSGFLAG_READ          0x0001   /* mfRead */
#define MBX_MSGFLAG_UNMODIFIED    0x0002   /* mfUnmodified */
#define MBX_MSGFLAG_SUBMITTED     0x0004   /* mfSubmitted */
#define MBX_MSGFLAG_UNSENT        0x0008   /* mfUnsent */
#define MBX_MSGFLAG_HASATTACH     0x0010   /* mfHasAttach */
#define MBX_MSGFLAG_FROMME        0x0020   /* mfFromMe */
#define MBX_MSGFLAG_ASSOCIATED    0x0040   /* mfFAI */
#define MBX_MSGFLAG_RESEND        0x0080   /* mfResend */
#define MBX_MSGFLAG_NOTIFYREAD    0x0100   /* mfNotifyRead */
#define MBX_MSGFLAG_NOTIFYUNREAD  0x0200   /* mfNotifyUnread */
#define MBX_MSGFLAG_EVERREAD      0x0400   /* mfEverRead */
#define MBX_MSGFLAG_INTERNET      0x2000   /* mfInternet */
#define MBX_MSGFLAG_UNTRUSTED     0x8000   /* mfUntrusted */
/* PidTagAttachMethod ([MS-OXCMSG] 2.2.2.9) */
#define MBX_ATTACH_NONE             0   /* afNone */
#define MBX_ATTACH_BY_VALUE         1   /* afByValue: data in PidTagAttachDataBinary */
#define MBX_ATTACH_BY_REFERENCE     2   /* afByReference */
#define MBX_ATTACH_BY_REF_ONLY      4   /* afByReferenceOnly */
#define MBX_ATTACH_EMBEDDED_MSG     5   /* afEmbeddedMessage: PidTagAttachDataObject */
#define MBX_ATTACH_OLE              6   /* afStorage */
#define MBX_ATTACH_BY_WEB_REFERENCE 7   /* afByWebReference */
/* PidTagRecipientType ([MS-OXOMSG]) */
#define MBX_MAPI_ORIG  0
#define MBX_MAPI_TO    1
#define MBX_MAPI_CC    2
#define MBX_MAPI_BCC   3
/* PidTagObjectType and PidTagDisplayType of a recipient ([MS-OXPROPS];
 * MAPI_MAILUSER, DT_MAILUSER) */
#define MBX_MAPI_MAILUSER  6
#define MBX_DT_MAILUSER    0

#endif
