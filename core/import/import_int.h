/*
 * core/import/import_int.h - what the parts of the PST import share: the
 * folders of the file and of the target mailbox, the run's state
 * (import_pst.c), the target mailbox, its folders and the damage list
 * (import_folders.c).  Internal to core/import.
 */
#ifndef MBX_IMPORT_INT_H
#define MBX_IMPORT_INT_H
#include <pthread.h>
#include <stdint.h>
#include "mbx/import.h"
#include "mbx/log.h"
#include "mbx/props.h"
#include "mbx/pstprop.h"
#include "mbx/store.h"

typedef struct im_folder {
	char *path;              /* path in the mailbox */
	int64_t id;              /* store folder id */
	mbx_folder_role role;
	int64_t parent_id;
} im_folder;

/* What becomes of a folder of the file. */
enum {
	IM_SKIP = 0,             /* not imported (search folder, outside the IPM subtree) */
	IM_TOP,                  /* the root or the IPM subtree: its items go to the top folder */
	IM_FOLDER                /* a folder of the mailbox */
};

/* A folder of the file, as read (kept until all have come). */
typedef struct im_pfolder {
	uint32_t nid, parent;
	int kind;                /* MBX_PSTPROP_FOLDER_* */
	int damaged;
	uint32_t nmsg, nfai;
	mbx_props bag;
	/* decided once all folders are known */
	int what;                /* IM_* */
	int64_t store_id;        /* IM_FOLDER: the store folder */
	char *path;              /* below the IPM subtree ("Inbox/Projects"), or as the
	                          * reader names it for folders outside it */
	int damage_entry;        /* 1 + its entry in the result's damage list, 0 none */
	char *pending;           /* damage reported before it was placed */
	int64_t recovered;       /* items its damaged table does not list, found by their nodes */
} im_pfolder;
/* Shared between the import thread and the caller. */
struct mbx_import {
	mbx_import_opts opts;    /* strings owned (copied) */
	pthread_t thread;
	int started;
	pthread_mutex_t lock;
	mbx_import_progress prog;
	int cancel;              /* read and written with __atomic builtins */
	mbx_import_result result;
	int64_t t0;
};

/* One run: state of the import thread only. */
typedef struct im_run {
	mbx_import *im;          /* progress and cancel flag */
	const mbx_import_opts *opts;
	mbx_store *st;
	mbx_log *log;
	mbx_mailbox mbx;
	int64_t base_id;         /* folder below which the PST goes (0 = top) */
	char *base_path;         /* its path, NULL at the top */
	im_folder *folders;      /* the mailbox's folders, existing and new */
	size_t n_folders, cap_folders;
	im_pfolder *pf;          /* the file's folders, in the reader's order */
	size_t n_pf, cap_pf;
	size_t last_pf;          /* the folder of the last message (they come folder by folder) */
	int64_t root_items_id;   /* folder for messages at the PST's top, 0 = not yet */
	const mbx_props *top_bag;/* the IPM subtree's bag, for that folder */
	mbx_import_result *res;
	int bulk;                /* the store is in bulk mode: its file is written directly */
	int64_t wb_pending;      /* bytes added since writeback was last started */
	/* Set up by im_prepare (the store's part of the run): */
	mbx_server_info srv;
	int in_txn;
	int turn;                /* holds im_turn (opts->spool) */
	int prepared;            /* im_prepare has run */
	char *c_file, *c_name, *c_alias, *c_server;
	/* From the file: */
	mbx_props store_bag;     /* its message store object */
	int have_store;
	char *store_name;        /* the message store's display name, or NULL */
	uint32_t ipm_nid;        /* the IPM subtree (PidTagIpmSubTreeEntryId), 0 = unknown */
	uint32_t role_nid[MBX_ROLE_COUNT];  /* folders the message store names */
	int64_t total;           /* items of the imported folders */
	int over;                /* more damaged than the limit: nothing more is stored */
} im_run;

/* ---- import_folders.c: the target mailbox and its folders --------------- */

/* Create the store mailbox opts->alias (--create): 0 or <0 with the error set. */
int im_create_mailbox(im_run *run, const mbx_server_info *srv);
/* A folder of the target mailbox by path (case-insensitive) or role; NULL none. */
im_folder *im_folder_by_path(im_run *run, const char *path);
im_folder *im_folder_by_role(im_run *run, mbx_folder_role role);
/* Note a folder of the mailbox (existing or new) for the lookups above. */
void im_folder_remember(im_run *run, const char *path, int64_t id, mbx_folder_role role, int64_t parent_id);
/* Load the mailbox's folders: 0 or <0. */
int im_load_folders(im_run *run);
/* Find or create the folder the file goes below (opts->folder): 0 or <0. */
int im_base(im_run *run);
/* Add an entry to the result's damage list (folder, subject copied); what
 * is filled in by im_damage_what; counted by im_damage_count. */
mbx_import_damage *im_damage_add(im_run *run, const char *folder, const char *subject, int is_item);
void im_damage_what(mbx_import_damage *d, const char *what);
void im_damage_count(im_run *run, int is_item);

#endif
