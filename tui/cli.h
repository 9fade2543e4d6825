/*
 * tui/cli.h - the batch command line (tui/cli.c): global options, the
 * command table and helpers the command handlers share.
 */
#ifndef MBX_CLI_H
#define MBX_CLI_H

#include "tui.h"

/* The whole program after setlocale: parse, dispatch, return an exit status. */
int cli_main(int argc, char **argv);

/* Print "usage: mbxrescue [--db PATH] CMD USAGE" for the named command to
 * stderr, preceded by "mbxrescue CMD: MESSAGE" when fmt is not NULL, and
 * return EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Print "mbxrescue: MESSAGE" to stderr (the message already names the
 * thing and what to do) and return `status`. */
int cli_fail(int status, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
