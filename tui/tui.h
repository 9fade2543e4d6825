/*
 * tui/tui.h - what the parts of the mbxrescue binary share: the global
 * options and the command-handler signature.  The binary uses only the
 * public headers of the core (include/mbx/).
 */
#ifndef MBX_TUI_H
#define MBX_TUI_H

/* Exit statuses (documented in --help and README). */
enum {
	EXIT_OK = 0,
	EXIT_FINDINGS = 1,   /* findings, or some items failed */
	EXIT_USAGE = 2       /* usage or input error */
};

/* cmd_entry.needs_db of a command that only reads the store. */
#define CMD_DB_READ 2

typedef struct tui_opts {
	const char *db_path;   /* the store file (resolved: --db or the demo copy) */
	int db_is_demo;        /* 1 when db_path is the embedded demo copy */
	int ascii;             /* --ascii */
	int no_color;          /* --no-color or NO_COLOR set and non-empty */
	int json;              /* --json where a command supports it */
} tui_opts;

/* A batch command: argv[0] is the command name; returns an exit status. */
typedef int (*cmd_fn)(const tui_opts *o, int argc, char **argv);

typedef struct cmd_entry {
	const char *name;
	const char *usage;     /* arguments after the name */
	const char *summary;   /* one line for --help */
	cmd_fn fn;
	int needs_db;          /* 1: resolve and check the store before calling;
	                        * CMD_DB_READ: the same, for a command that only
	                        * reads it (a read-only store will do) */
	/* Instead of usage and summary (NULL there), for a command whose
	 * options come from a table: sets both. */
	void (*describe)(const char **usage, const char **summary);
} cmd_entry;

/* The ncurses console (tui/console.c); returns an exit status. */
int console_main(const tui_opts *o);

#endif
