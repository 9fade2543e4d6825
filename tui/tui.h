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

/*
 * One option (or argument) of a command, for its --help, the man page's
 * check, did-you-mean and "--out needs DIR".  Lists end with a NULL name.
 */
typedef struct cmd_opt {
	const char *name;      /* "--out"; "-q, --quiet" with a short form; an
	                        * argument ("FILE.pst...") when it has no "-" */
	const char *arg;       /* its value ("DIR"); "[RUN]" optional; NULL: none */
	const char *help;      /* what it does (sentences, wrapped when printed) */
} cmd_opt;

typedef struct cmd_entry {
	const char *name;
	const char *usage;     /* arguments after the name */
	const char *summary;   /* one line for --help */
	cmd_fn fn;
	int needs_db;          /* 1: resolve and check the store before calling;
	                        * CMD_DB_READ: the same, for a command that only
	                        * reads it (a read-only store will do) */
	/* Instead of usage, summary and opts (NULL there), for a command whose
	 * options come from a table: sets all three. */
	void (*describe)(const char **usage, const char **summary, const cmd_opt **opts);
	/* Its options and arguments, explained; NULL: the command checks its
	 * own (no did-you-mean for its options). */
	const cmd_opt *opts;
} cmd_entry;

/* The ncurses console (tui/console.c); returns an exit status. */
int console_main(const tui_opts *o);

#endif
