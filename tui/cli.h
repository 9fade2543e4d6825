/*
 * tui/cli.h - the batch command line (tui/cli.c): global options, the
 * command table and helpers the command handlers share.
 */
#ifndef MBX_CLI_H
#define MBX_CLI_H

#include <stddef.h>
#include <stdint.h>
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

/* ---- What the command handlers share ----------------------------------- */

/* Who the audit log names: the login (SUDO_USER, USER), else the user id's
 * name, else "mbxrescue".  Static storage or the environment's. */
const char *cli_actor(void);

/* Exit status for a failed core call: bad input (a corrupt or unusable
 * store, an unknown name) is EXIT_USAGE, anything else EXIT_FINDINGS. */
int cli_status_of(int rc);

/* Print s (NULL: nothing) to stdout through the sanitizer (--ascii kept). */
void cli_put(const tui_opts *o, const char *s);

/* t (Unix seconds) as "YYYY-MM-DD HH:MM UTC" in buf ("unknown time" when
 * t <= 0); returns buf. */
const char *cli_when(int64_t t, char *buf, size_t len);

/* A JSON string of s through the sanitizer (NULL gives ""); a new
 * reference, for json_object_set_new. */
struct json_t *cli_json_text(const char *s);

#endif
