/*
 * core/adjust/rules.c - the adjuster's rules, one entry each: what the
 * command line, the console, the check and the plan iterate (KB Q182979,
 * Q163713).  The order is the plan's: the permissions rule counts the
 * accounts the create rule has just planned as known.
 */
#include "config.h"

#include "adjust/check_int.h"

static const mbx_adjust_rule rules[] = {
	{ "create-mailboxes", MBX_ADJ_CREATE_MAILBOXES, "--create-mailboxes", "Q163713",
	  "Create directory entries for mailboxes without one", MBX_CHANGE_CREATE_RECIPIENT,
	  check_orphans, plan_create, apply_create, undo_create },
	{ "rehome-public-folders", MBX_ADJ_REHOME_PUBLIC_FOLDERS, "--rehome-public-folders",
	  "Q182979", "Rehome public folders homed on unknown servers", MBX_CHANGE_REHOME_FOLDER,
	  check_unknown_pfs, plan_rehome, apply_rehome, undo_rehome },
	{ "remove-unknown-permissions", MBX_ADJ_REMOVE_UNKNOWN_PERMISSIONS,
	  "--remove-unknown-permissions", "Q182979", "Remove permissions of unknown accounts",
	  MBX_CHANGE_REMOVE_PERMISSION, check_unknown_perms, plan_permissions,
	  apply_remove_permission, undo_remove_permission },
};

const mbx_adjust_rule *mbx_adjust_rules(size_t *n)
{
	*n = sizeof(rules) / sizeof(rules[0]);
	return rules;
}
