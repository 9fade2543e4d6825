/*
 * core/pst/msg_regen.c - the properties the writer regenerates for the new
 * file instead of copying them from an object's property bag: one table,
 * read by the writer (msg_*.c), by `mbxrescue pst-dump --regenerated` and
 * by the property-level comparisons of an original and its copy.
 *
 * Everything else in a bag is written as given.  The rules:
 *   ALWAYS    the writer always writes its own value (the bag's is ignored)
 *   PRESENT   the writer writes its own value when the bag has the property
 *   DROPPED   never written: the value names an object of the source store
 *             (an entry ID holds the store's record key, which every file
 *             has its own of); the PST provider calculates these ([MS-PST]
 *             2.5.2, SPGET_EID, SPGET_PARENTEID, SPGET_STOREEID,
 *             SPGET_UIDRESOURCE)
 *   ADJUSTED  the bag's value with some bits set by the writer
 */
#include <string.h>

#include "mbx/common.h"
#include "pst/pst_int.h"

#define R(kind, id, type, name, rule, value) { kind, id, type, name, rule, value }

static const mbx_pst_regen regen[] = {
	/* the message store (NID 0x21) */
	R(MBX_PST_OBJ_STORE, MBX_PID_TAG_RECORD_KEY, 0, "PidTagRecordKey", MBX_PST_REGEN_ALWAYS,
	  "16 new random bytes: the new store's provider UID, part of every entry ID in the file"),
	R(MBX_PST_OBJ_STORE, MBX_PID_TAG_VALID_FOLDER_MASK, 0, "PidTagValidFolderMask", MBX_PST_REGEN_ALWAYS,
	  "0xC9: the four folder entry IDs below are valid"),
	R(MBX_PST_OBJ_STORE, MBX_PID_TAG_IPM_SUB_TREE_ENTRY_ID, 0, "PidTagIpmSubTreeEntryId", MBX_PST_REGEN_ALWAYS,
	  "entry ID of the new Top of Personal Folders (NID 0x8022)"),
	R(MBX_PST_OBJ_STORE, MBX_PID_TAG_IPM_WASTE_BASKET_ENTRY_ID, 0, "PidTagIpmWastebasketEntryId",
	  MBX_PST_REGEN_ALWAYS, "entry ID of the new Deleted Items (NID 0x8062)"),
	R(MBX_PST_OBJ_STORE, MBX_PID_TAG_FINDER_ENTRY_ID, 0, "PidTagFinderEntryId", MBX_PST_REGEN_ALWAYS,
	  "entry ID of the new Search Root (NID 0x8042)"),
	R(MBX_PST_OBJ_STORE, MBX_PID_TAG_COMMON_VIEWS_ENTRY_ID, 0, "PidTagCommonViewsEntryId", MBX_PST_REGEN_ALWAYS,
	  "entry ID of the new IPM_COMMON_VIEWS (NID 0x8082)"),
	R(MBX_PST_OBJ_STORE, MBX_PID_TAG_IPM_OUTBOX_ENTRY_ID, 0, "PidTagIpmOutboxEntryId", MBX_PST_REGEN_DROPPED,
	  "left out: it names a folder of the source store"),
	R(MBX_PST_OBJ_STORE, MBX_PID_TAG_IPM_SENT_MAIL_ENTRY_ID, 0, "PidTagIpmSentMailEntryId", MBX_PST_REGEN_DROPPED,
	  "left out: it names a folder of the source store"),
	R(MBX_PST_OBJ_STORE, MBX_PID_TAG_VIEWS_ENTRY_ID, 0, "PidTagViewsEntryId", MBX_PST_REGEN_DROPPED,
	  "left out: it names a folder of the source store"),
	R(MBX_PST_OBJ_STORE, MBX_PID_TAG_ENTRY_ID, 0, "PidTagEntryId", MBX_PST_REGEN_DROPPED,
	  "left out: the source store's entry ID"),
	R(MBX_PST_OBJ_STORE, MBX_PID_TAG_STORE_ENTRY_ID, 0, "PidTagStoreEntryId", MBX_PST_REGEN_DROPPED,
	  "left out: calculated by the PST provider (SPGET_STOREEID)"),
	R(MBX_PST_OBJ_STORE, MBX_PID_TAG_STORE_RECORD_KEY, 0, "PidTagStoreRecordKey", MBX_PST_REGEN_DROPPED,
	  "left out: calculated by the PST provider (SPGET_UIDRESOURCE)"),
	R(MBX_PST_OBJ_STORE, MBX_PID_TAG_PST_PASSWORD, 0, "PidTagPstPassword", MBX_PST_REGEN_ALWAYS,
	  "0: the new file has no password"),
	/* folders */
	R(MBX_PST_OBJ_FOLDER, MBX_PID_TAG_CONTENT_COUNT, 0, "PidTagContentCount", MBX_PST_REGEN_ALWAYS,
	  "the folder's normal messages in the new file"),
	R(MBX_PST_OBJ_FOLDER, MBX_PID_TAG_CONTENT_UNREAD_COUNT, 0, "PidTagContentUnreadCount", MBX_PST_REGEN_ALWAYS,
	  "those of them without MSGFLAG_READ"),
	R(MBX_PST_OBJ_FOLDER, MBX_PID_TAG_SUBFOLDERS, 0, "PidTagSubfolders", MBX_PST_REGEN_ALWAYS,
	  "1 when the folder has subfolders in the new file"),
	R(MBX_PST_OBJ_FOLDER, MBX_PID_TAG_ASSOC_CONTENT_COUNT, 0, "PidTagAssociatedContentCount",
	  MBX_PST_REGEN_PRESENT, "the folder's FAI messages in the new file"),
	R(MBX_PST_OBJ_FOLDER, MBX_PID_TAG_ENTRY_ID, 0, "PidTagEntryId", MBX_PST_REGEN_DROPPED,
	  "left out: calculated from the NID (SPGET_EID)"),
	R(MBX_PST_OBJ_FOLDER, MBX_PID_TAG_PARENT_ENTRY_ID, 0, "PidTagParentEntryId", MBX_PST_REGEN_DROPPED,
	  "left out: calculated from the parent NID (SPGET_PARENTEID)"),
	R(MBX_PST_OBJ_FOLDER, MBX_PID_TAG_STORE_ENTRY_ID, 0, "PidTagStoreEntryId", MBX_PST_REGEN_DROPPED,
	  "left out: calculated by the PST provider (SPGET_STOREEID)"),
	R(MBX_PST_OBJ_FOLDER, MBX_PID_TAG_STORE_RECORD_KEY, 0, "PidTagStoreRecordKey", MBX_PST_REGEN_DROPPED,
	  "left out: calculated by the PST provider (SPGET_UIDRESOURCE)"),
	/* messages: top-level, FAI and embedded */
	R(MBX_PST_OBJ_MESSAGE, MBX_PID_TAG_MESSAGE_SIZE, 0, "PidTagMessageSize", MBX_PST_REGEN_ALWAYS,
	  "bytes of the message's node and all its subnodes in the new file"),
	R(MBX_PST_OBJ_MESSAGE, MBX_PID_TAG_MESSAGE_FLAGS, 0, "PidTagMessageFlags", MBX_PST_REGEN_ADJUSTED,
	  "the given flags with MSGFLAG_HASATTACH (0x10) set when the message has attachments in the new file "
	  "and cleared when it has none"),
	R(MBX_PST_OBJ_MESSAGE, MBX_PID_TAG_HAS_ATTACHMENTS, 0, "PidTagHasAttachments", MBX_PST_REGEN_PRESENT,
	  "1 when the message has attachments in the new file"),
	R(MBX_PST_OBJ_MESSAGE, MBX_PID_TAG_ENTRY_ID, 0, "PidTagEntryId", MBX_PST_REGEN_DROPPED,
	  "left out: calculated from the NID (SPGET_EID)"),
	R(MBX_PST_OBJ_MESSAGE, MBX_PID_TAG_PARENT_ENTRY_ID, 0, "PidTagParentEntryId", MBX_PST_REGEN_DROPPED,
	  "left out: calculated from the parent NID (SPGET_PARENTEID)"),
	R(MBX_PST_OBJ_MESSAGE, MBX_PID_TAG_STORE_ENTRY_ID, 0, "PidTagStoreEntryId", MBX_PST_REGEN_DROPPED,
	  "left out: calculated by the PST provider (SPGET_STOREEID)"),
	R(MBX_PST_OBJ_MESSAGE, MBX_PID_TAG_STORE_RECORD_KEY, 0, "PidTagStoreRecordKey", MBX_PST_REGEN_DROPPED,
	  "left out: calculated by the PST provider (SPGET_UIDRESOURCE)"),
	/* recipients: rows of the recipient table */
	R(MBX_PST_OBJ_RECIPIENT, MBX_PID_TAG_LTP_ROW_ID, 0, "PidTagLtpRowId", MBX_PST_REGEN_ALWAYS,
	  "the row's dwRowID: 0, 1, 2, ... skipping every NID of the message's subnodes"),
	R(MBX_PST_OBJ_RECIPIENT, MBX_PID_TAG_LTP_ROW_VER, 0, "PidTagLtpRowVer", MBX_PST_REGEN_ALWAYS,
	  "the row's version: its position + 1"),
	/* attachments */
	R(MBX_PST_OBJ_ATTACHMENT, MBX_PID_TAG_ATTACH_SIZE, 0, "PidTagAttachSize", MBX_PST_REGEN_ALWAYS,
	  "bytes of the attachment's node and all its subnodes in the new file"),
	R(MBX_PST_OBJ_ATTACHMENT, MBX_PID_TAG_ATTACH_DATA_OBJECT, MBX_PT_OBJECT, "PidTagAttachDataObject",
	  MBX_PST_REGEN_ALWAYS, "of an embedded message (method 5): the NID and size of its subnode"),
};

const mbx_pst_regen *mbx_pst_regenerated_list(size_t *n)
{
	*n = sizeof(regen) / sizeof(regen[0]);
	return regen;
}

const mbx_pst_regen *pst_regen_find(int kind, uint16_t id, uint16_t type)
{
	size_t i;

	for (i = 0; i < sizeof(regen) / sizeof(regen[0]); i++)
		if (regen[i].kind == kind && regen[i].id == id &&
		    (regen[i].type == 0 || type == 0 || regen[i].type == type))
			return &regen[i];
	return NULL;
}

int mbx_pst_regenerated_type(int kind, const mbx_propkey *k, uint16_t type)
{
	const mbx_pst_regen *r;

	if (!k || k->guid)
		return 0;   /* named properties are always written as given */
	r = pst_regen_find(kind, k->id, type);
	return r ? r->rule : 0;
}

int mbx_pst_regenerated(int kind, const mbx_propkey *k)
{
	size_t i;

	if (!k || k->guid)
		return 0;
	for (i = 0; i < sizeof(regen) / sizeof(regen[0]); i++)
		if (regen[i].kind == kind && regen[i].id == k->id && regen[i].type == 0)
			return regen[i].rule;
	return 0;
}

const char *mbx_pst_object_kind_name(int kind)
{
	switch (kind) {
	case MBX_PST_OBJ_STORE: return "store";
	case MBX_PST_OBJ_FOLDER: return "folder";
	case MBX_PST_OBJ_MESSAGE: return "message";
	case MBX_PST_OBJ_RECIPIENT: return "recipient";
	case MBX_PST_OBJ_ATTACHMENT: return "attachment";
	default: return "?";
	}
}

const char *mbx_pst_regen_rule_name(int rule)
{
	switch (rule) {
	case MBX_PST_REGEN_ALWAYS: return "always";
	case MBX_PST_REGEN_PRESENT: return "when present";
	case MBX_PST_REGEN_DROPPED: return "dropped";
	case MBX_PST_REGEN_ADJUSTED: return "adjusted";
	default: return "-";
	}
}
