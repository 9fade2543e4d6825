/*
 * core/store/schema.c - the store's schema as a list of migrations.  Migration
 * N takes a file from PRAGMA user_version N-1 to N; a new program version
 * only ever appends to the list.
 */
#include "config.h"
#include <stdio.h>
#include "store/store_int.h"

static const char *const migrations[] = {
	/* 1: the recovery server. */
	"CREATE TABLE meta ("
	"  key TEXT PRIMARY KEY,"
	"  value TEXT);"
	"CREATE TABLE server ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  organization TEXT NOT NULL,"
	"  site TEXT NOT NULL,"
	"  server TEXT NOT NULL,"
	"  smtp_policy TEXT NOT NULL);"
	"CREATE TABLE known_server ("
	"  id INTEGER PRIMARY KEY,"
	"  server TEXT NOT NULL COLLATE NOCASE,"
	"  site TEXT NOT NULL COLLATE NOCASE,"
	"  UNIQUE (server, site));"
	/* The directory: Recipients. */
	"CREATE TABLE recipient ("
	"  id INTEGER PRIMARY KEY,"
	"  display_name TEXT NOT NULL,"
	"  alias TEXT NOT NULL COLLATE NOCASE UNIQUE,"
	"  dn TEXT NOT NULL COLLATE NOCASE UNIQUE,"
	"  smtp TEXT COLLATE NOCASE,"
	"  home_server TEXT COLLATE NOCASE,"
	"  primary_account TEXT,"
	"  object_class INTEGER NOT NULL DEFAULT 0 CHECK (object_class BETWEEN 0 AND 2),"
	"  hidden INTEGER NOT NULL DEFAULT 0,"
	"  created_by_adjuster INTEGER NOT NULL DEFAULT 0,"
	"  created_time INTEGER NOT NULL DEFAULT 0,"
	"  mailbox_guid TEXT COLLATE NOCASE,"
	"  legacy_dn TEXT COLLATE NOCASE);"
	/* The information store: Mailbox Resources. */
	"CREATE TABLE mailbox ("
	"  id INTEGER PRIMARY KEY,"
	"  guid TEXT NOT NULL COLLATE NOCASE UNIQUE,"
	"  display_name TEXT NOT NULL,"
	"  legacy_dn TEXT NOT NULL COLLATE NOCASE,"
	"  item_count INTEGER NOT NULL DEFAULT 0,"
	"  total_size INTEGER NOT NULL DEFAULT 0,"
	"  last_logon INTEGER NOT NULL DEFAULT 0,"
	"  created_time INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE folder ("
	"  id INTEGER PRIMARY KEY,"
	"  mailbox_id INTEGER NOT NULL REFERENCES mailbox(id) ON DELETE CASCADE,"
	"  parent_id INTEGER REFERENCES folder(id) ON DELETE CASCADE,"
	"  name TEXT NOT NULL,"
	"  container_class TEXT NOT NULL DEFAULT 'IPF.Note',"
	"  role INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX folder_mailbox ON folder(mailbox_id, parent_id);"
	/* folder_id NULL: an embedded message, reached from its attachment. */
	"CREATE TABLE message ("
	"  id INTEGER PRIMARY KEY,"
	"  folder_id INTEGER REFERENCES folder(id) ON DELETE CASCADE,"
	"  message_class TEXT NOT NULL DEFAULT 'IPM.Note',"
	"  subject TEXT,"
	"  sender_name TEXT,"
	"  sender_address TEXT,"
	"  sender_addrtype TEXT,"
	"  sent_time INTEGER NOT NULL DEFAULT 0,"
	"  received_time INTEGER NOT NULL DEFAULT 0,"
	"  flags INTEGER NOT NULL DEFAULT 0,"
	"  flag_status INTEGER NOT NULL DEFAULT 0,"
	"  importance INTEGER NOT NULL DEFAULT 1,"
	"  associated INTEGER NOT NULL DEFAULT 0,"
	"  body TEXT,"
	"  html_body TEXT,"
	"  transport_headers TEXT,"
	"  internet_message_id TEXT,"
	"  size INTEGER NOT NULL DEFAULT 0,"
	"  content_hash TEXT NOT NULL);"
	"CREATE INDEX message_folder ON message(folder_id);"
	"CREATE INDEX message_msgid ON message(folder_id, internet_message_id);"
	"CREATE INDEX message_hash ON message(folder_id, content_hash);"
	"CREATE TABLE message_recipient ("
	"  id INTEGER PRIMARY KEY,"
	"  message_id INTEGER NOT NULL REFERENCES message(id) ON DELETE CASCADE,"
	"  type INTEGER NOT NULL CHECK (type BETWEEN 1 AND 3),"
	"  name TEXT,"
	"  address TEXT,"
	"  addrtype TEXT);"
	"CREATE INDEX message_recipient_message ON message_recipient(message_id);"
	"CREATE TABLE attachment ("
	"  id INTEGER PRIMARY KEY,"
	"  message_id INTEGER NOT NULL REFERENCES message(id) ON DELETE CASCADE,"
	"  seq INTEGER NOT NULL,"
	"  filename TEXT,"
	"  mime_type TEXT,"
	"  size INTEGER NOT NULL DEFAULT 0,"
	"  data BLOB,"
	"  embedded_id INTEGER REFERENCES message(id) ON DELETE SET NULL);"
	"CREATE INDEX attachment_message ON attachment(message_id, seq);"
	"CREATE INDEX attachment_embedded ON attachment(embedded_id);"
	/* Public folders. */
	"CREATE TABLE public_folder ("
	"  id INTEGER PRIMARY KEY,"
	"  parent_id INTEGER REFERENCES public_folder(id) ON DELETE CASCADE,"
	"  name TEXT NOT NULL,"
	"  home_server TEXT NOT NULL COLLATE NOCASE,"
	"  home_site TEXT NOT NULL COLLATE NOCASE,"
	"  limit_admin_access INTEGER NOT NULL DEFAULT 0,"
	"  modified_time INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX public_folder_parent ON public_folder(parent_id);"
	"CREATE TABLE permission ("
	"  id INTEGER PRIMARY KEY,"
	"  folder_id INTEGER NOT NULL REFERENCES public_folder(id) ON DELETE CASCADE,"
	"  account TEXT NOT NULL COLLATE NOCASE,"
	"  rights TEXT NOT NULL,"
	"  granted_time INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX permission_folder ON permission(folder_id);"
	"CREATE TABLE audit ("
	"  id INTEGER PRIMARY KEY,"
	"  time INTEGER NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  action TEXT NOT NULL,"
	"  object TEXT,"
	"  detail TEXT);"
	"CREATE TABLE export_job ("
	"  id INTEGER PRIMARY KEY,"
	"  out_dir TEXT NOT NULL,"
	"  mailbox_id INTEGER NOT NULL REFERENCES mailbox(id) ON DELETE CASCADE,"
	"  state INTEGER NOT NULL DEFAULT 0,"
	"  temp_path TEXT,"
	"  final_path TEXT,"
	"  error TEXT,"
	"  updated_time INTEGER NOT NULL DEFAULT 0,"
	"  UNIQUE (out_dir, mailbox_id));",

	/* 2: indexes for linking store mailboxes and directory entries, so
	 * that the check stays one indexed pass on 100,000 mailboxes. */
	"CREATE INDEX recipient_guid ON recipient(mailbox_guid);"
	"CREATE INDEX recipient_legacy_dn ON recipient(legacy_dn);"
	"CREATE INDEX recipient_home ON recipient(home_server, object_class);"
	"CREATE INDEX recipient_smtp ON recipient(smtp);"
	"CREATE INDEX mailbox_legacy_dn ON mailbox(legacy_dn);"
	"CREATE INDEX mailbox_name ON mailbox(display_name COLLATE NOCASE);",

	/* 3: the console's first screen reads the first page of Recipients by
	 * name through this index instead of sorting the whole directory. */
	"CREATE INDEX recipient_name ON recipient(display_name COLLATE NOCASE);",

	/* 4: extra item properties (appointment, contact and task details),
	 * one row per MAPI property: guid NULL for a plain property, else the
	 * property set ("00062002-0000-0000-C000-000000000046") and prop_id
	 * its LID; value an INTEGER, REAL or TEXT by type. */
	"CREATE TABLE message_prop ("
	"  id INTEGER PRIMARY KEY,"
	"  message_id INTEGER NOT NULL REFERENCES message(id) ON DELETE CASCADE,"
	"  guid TEXT,"
	"  prop_id INTEGER NOT NULL,"
	"  type INTEGER NOT NULL,"
	"  value);"
	"CREATE INDEX message_prop_message ON message_prop(message_id);",

	/* 5: every property of every object (issue 12).  props is NULL (the
	 * bag is what the first-class columns give) or a flags byte and
	 * mbx_props_pack's bytes (core/store/store_bag.c): the first-class
	 * columns stay for the console, the filters and the check.  Rows of
	 * message_prop (schema 4) are read into the bags of their messages and
	 * never written again. */
	"ALTER TABLE mailbox ADD COLUMN props BLOB;"
	"ALTER TABLE folder ADD COLUMN props BLOB;"
	"ALTER TABLE message ADD COLUMN props BLOB;"
	"ALTER TABLE message_recipient ADD COLUMN props BLOB;"
	"ALTER TABLE attachment ADD COLUMN props BLOB;",

	/* scale/reliability: (1) a mailbox by alias in one index lookup, for
	 * lists of 10,000s: cn is the last component of the legacy DN when it
	 * is /cn=X, X ASCII-lowered (as NOCASE folds), e.g. 'jsmith' for
	 * /o=Org/ou=Site/cn=Recipients/cn=JSmith.  A generated column, so
	 * SQLite keeps it right on every insert and update, whoever makes them.
	 * L is the position of the last '/': rtrim drops every character but
	 * '/' from the end.  (2) What an export's final files were when they
	 * were verified, one line "SIZE MTIME_NS SHA256" per part, so that
	 * --resume trusts the files, not the job table. */
	"ALTER TABLE mailbox ADD COLUMN cn TEXT GENERATED ALWAYS AS ("
	"  CASE WHEN instr(legacy_dn, '/') > 0"
	"   AND lower(substr(legacy_dn, length(rtrim(legacy_dn, replace(legacy_dn, '/', ''))) + 1, 3)) = 'cn='"
	"   AND length(legacy_dn) > length(rtrim(legacy_dn, replace(legacy_dn, '/', ''))) + 3"
	"  THEN lower(substr(legacy_dn, length(rtrim(legacy_dn, replace(legacy_dn, '/', ''))) + 4)) END)"
	"  VIRTUAL;"
	"CREATE INDEX mailbox_cn ON mailbox(cn);"
	"ALTER TABLE export_job ADD COLUMN final_check TEXT;",

	/* audit/undo (issue 16): the adjuster's runs, and on every audit row of
	 * a run its run, the id of the row it changed and that row before and
	 * after the change (JSON objects the adjuster writes, core/adjust/
	 * undo.c), so that a run can be undone exactly.  undo_of: this run
	 * undid run undo_of (UNIQUE: a run is undone at most once). */
	"CREATE TABLE adjust_run ("
	"  id INTEGER PRIMARY KEY,"
	"  time INTEGER NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  functions INTEGER NOT NULL DEFAULT 0,"
	"  undo_of INTEGER UNIQUE REFERENCES adjust_run(id),"
	"  summary TEXT);"
	"ALTER TABLE audit ADD COLUMN run_id INTEGER REFERENCES adjust_run(id);"
	"ALTER TABLE audit ADD COLUMN object_id INTEGER;"
	"ALTER TABLE audit ADD COLUMN before_image TEXT;"
	"ALTER TABLE audit ADD COLUMN after_image TEXT;"
	"CREATE INDEX audit_run ON audit(run_id);",

	/* search (issue 17): the full-text index of the messages of folders
	 * (core/store/store_search.c: search_fts contentless with the "mbx"
	 * tokenizer, search_doc its rowid as date-ordered key -> message),
	 * items deleted with undo (store_items.c: a deleted message keeps its
	 * row with folder_id NULL, deleted_item says where it was, and its
	 * search_doc row is marked held: a search finds search_doc's rows
	 * that are not), and
	 * folders by parent for folder: queries.  A store without messages
	 * has its (empty) index built; one with messages gets it from
	 * `mbxrescue reindex`. */
	"CREATE VIRTUAL TABLE search_fts USING fts5(subject, sender, rcpt, body, attach, "
	"  content='', columnsize=0, tokenize='mbx');"
	"INSERT INTO search_fts (search_fts, rank) VALUES ('hashsize', 8388608);"
	"INSERT INTO search_fts (search_fts, rank) VALUES ('pgsz', 64000);"
	"CREATE TABLE search_doc ("
	"  key INTEGER PRIMARY KEY,"
	"  message_id INTEGER NOT NULL UNIQUE REFERENCES message(id) ON DELETE CASCADE,"
	"  held INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE delete_run ("
	"  id INTEGER PRIMARY KEY,"
	"  time INTEGER NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  query TEXT,"
	"  items INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE deleted_item ("
	"  message_id INTEGER PRIMARY KEY REFERENCES message(id) ON DELETE CASCADE,"
	"  run INTEGER NOT NULL REFERENCES delete_run(id),"
	"  folder_id INTEGER NOT NULL,"
	"  mailbox_id INTEGER NOT NULL,"
	"  time INTEGER NOT NULL);"
	"CREATE INDEX deleted_item_run ON deleted_item(run);"
	"CREATE INDEX folder_parent ON folder(parent_id);"
	"INSERT INTO meta (key, value) SELECT 'search_index', 'mbx-1' "
	"  WHERE NOT EXISTS (SELECT 1 FROM message);",
};

int store_schema_latest(void)
{
	return (int)(sizeof(migrations) / sizeof(migrations[0]));
}

int mbx_store_schema_latest(void)
{
	return store_schema_latest();
}

int store_migrate(mbx_store *st, int target)
{
	char pragma[64];
	int v, rc;

	if (target > store_schema_latest())
		return mbx_error_set(MBX_EINVAL, "schema version %d is unknown", target);
	v = mbx_store_schema_version(st);
	if (v < 0)
		return v;
	if (v >= target)
		return 0;
	rc = mbx_store_begin(st);
	if (rc < 0)
		return rc;
	for (; v < target; v++) {
		rc = store_exec(st, migrations[v]);
		if (rc < 0) {
			mbx_error_prefix(rc, "%s: upgrading the schema to version %d", st->path, v + 1);
			goto fail;
		}
	}
	/* PRAGMA takes no bound parameters; both values are integers of ours. */
	snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", target);
	rc = store_exec(st, pragma);
	if (rc == 0) {
		snprintf(pragma, sizeof(pragma), "PRAGMA application_id = %d", MBX_STORE_APP_ID);
		rc = store_exec(st, pragma);
	}
	if (rc < 0)
		goto fail;
	return mbx_store_commit(st);
fail:
	mbx_store_rollback(st);
	return rc;
}
