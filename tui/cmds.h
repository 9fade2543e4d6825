/*
 * tui/cmds.h - the batch subcommands' handlers.  Each lives in its own
 * tui/cmd_*.c file; tui/cli.c holds the table (name, usage, handler).
 */
#ifndef MBX_CMDS_H
#define MBX_CMDS_H

#include "tui.h"

/* tui/cmd_check.c */
int cmd_check(const tui_opts *o, int argc, char **argv);
int cmd_adjust(const tui_opts *o, int argc, char **argv);
/* adjust's usage and summary, from the adjuster's rules (static strings). */
void cmd_adjust_describe(const char **usage, const char **summary);
int cmd_fix_recipient(const tui_opts *o, int argc, char **argv);
/* tui/cmd_export.c */
int cmd_export(const tui_opts *o, int argc, char **argv);
int cmd_batch(const tui_opts *o, int argc, char **argv);
int cmd_verify(const tui_opts *o, int argc, char **argv);
/* tui/cmd_pstcheck.c */
int cmd_pst_check(const tui_opts *o, int argc, char **argv);
/* tui/cmd_pstdump.c */
int cmd_pst_dump(const tui_opts *o, int argc, char **argv);
/* tui/cmd_import.c */
int cmd_import_pst(const tui_opts *o, int argc, char **argv);
int cmd_import_directory(const tui_opts *o, int argc, char **argv);
int cmd_export_directory(const tui_opts *o, int argc, char **argv);

#endif
