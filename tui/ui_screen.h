/*
 * tui/ui_screen.h - the console's screen state and the screen layer:
 * layout, the one place that handles KEY_RESIZE, the "terminal too small"
 * screen, colours/ASCII, the header, key bar and log pane.
 *
 * One `ui` exists per console run (console_main owns it); every ui_*
 * function takes it explicitly.  Only the UI thread touches curses; the
 * export's worker threads and the import's thread reach the UI solely
 * through ui_ring (a mutex-protected ring the mbx_log callback fills with
 * log lines) and the core's progress snapshot, which the UI thread polls
 * (mbx_export_progress_get, mbx_import_progress_get): no progress callback
 * runs UI code.
 */
#ifndef MBX_UI_SCREEN_H
#define MBX_UI_SCREEN_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1   /* wget_wch, wide-character forms */
#endif
#include <curses.h>
#include <panel.h>

#include "mbx/store.h"
#include "mbx/log.h"
#include "tui.h"

#define UI_MIN_ROWS 24
#define UI_TICK_MS 200
/* How long after Esc a digit still makes it an F-key (Esc 5 = F5). */
#define UI_ESC_DIGIT_MS 200
#define UI_MIN_COLS 80
#define UI_MAX_LAYERS 8
#define UI_NONE ((size_t)-1)
/* ui_getkey's flag on a character beyond U+00FF (value in the low bits). */
#define UI_WCHAR 0x40000000

typedef struct ui ui;

/* Colour pairs (attributes only when colours are off). */
enum {
	UI_C_NORMAL = 0,
	UI_C_HEADER = 1,
	UI_C_ORPHAN,
	UI_C_WARN,
	UI_C_KEY,
	UI_C_KEYLABEL,
	UI_C_TITLE,
	UI_C_OK,
	UI_C_BAR,
	UI_C_COUNT
};

/* Log lines handed over from worker threads (the UI drains them). */
typedef struct ui_ring {
	pthread_mutex_t mu;
	char **lines;          /* cap slots, each owned */
	size_t cap, head, count;
	uint64_t seq;          /* bumps on every push: "something new" */
} ui_ring;

/* A scrollable list: positions index `order`, which indexes the data. */
typedef struct ui_list {
	size_t n;
	size_t *order;
	size_t *pos;           /* inverse of order: position of each data index */
	size_t sel, top;
	int sort;
} ui_list;

/* A dialog on top of the screen: redrawn after a resize. */
typedef struct ui_layer {
	void (*draw)(ui *u, void *ud);
	void *ud;
} ui_layer;

/* Recipient flags computed from the data. */
enum {
	UI_R_NO_MAILBOX = MBX_RCPT_NO_MAILBOX,   /* mailbox homed here, not in the store */
	UI_R_HIDDEN = MBX_RCPT_HIDDEN,           /* recreated, still hidden */
	UI_R_NO_ACCOUNT = MBX_RCPT_NO_ACCOUNT    /* recreated, no primary account */
};

/* What the last export left behind (for the walkthrough and summary). */
typedef struct ui_export_summary {
	char *out_dir;
	size_t total, verified, failed, no_dir_entry;
	size_t n_cancelled;    /* not copied: the run was cancelled */
	char **lines;          /* one per mailbox, for the summary */
	size_t n_lines;
	char **psts;           /* every final PST path */
	size_t n_psts;
	int cancelled;
} ui_export_summary;

struct ui_job;      /* the export running in the background (ui_export.c) */
struct ui_watch;    /* noticing other writers (ui_watch.c) */

struct ui {
	const tui_opts *o;
	mbx_store *st;
	mbx_store *wst;        /* the worker threads' connection (ui_work.h) */
	mbx_server_info srv;
	char *db_name;         /* the store's file name for the header (its path: o->db_path) */

	/* Data. */
	mbx_mailbox *mb;
	size_t n_mb, n_orphans;
	mbx_recipient *rc;
	size_t n_rc;
	/* Counts the screen shows: n_mb / n_rc once loaded; the whole store's
	 * while only the first page is (`first_page`, see ui_data_load_first). */
	size_t total_mb, total_rc;
	int first_page;
	char *first_link;      /* first page: the first mailbox's recipient's name */
	struct ui_loader *loader;  /* loading the full lists meanwhile, or NULL */
	int reload_again;      /* the store changed while the loader read it */
	mbx_store_stamp stamp; /* of the store when the lists were read */
	size_t *rc_of_mb;      /* recipient index of each mailbox, UI_NONE */
	size_t *mb_of_rc;      /* mailbox index of each recipient, UI_NONE */
	unsigned char *mark;   /* Space marks, per mailbox */
	size_t n_marked;
	unsigned char *rflags; /* UI_R_* per recipient */
	size_t n_flagged;      /* recipients with any rflags: the title counts them */
	ui_list lm, lr;
	int focus;             /* 0 mailboxes, 1 recipients */

	/* Screen. */
	int rows, cols, small;
	int ascii, color, utf8;
	WINDOW *w_hdr, *w_left, *w_right, *w_log, *w_bar;
	PANEL *p_base[5];      /* the five windows above, bottom of the deck */
	WINDOW *w_small;       /* "terminal too small", top of the deck */
	PANEL *p_small;
	int list_rows;         /* rows of data inside each panel */
	int log_rows;
	ui_layer layers[UI_MAX_LAYERS];
	int n_layers;
	int full_redraw;       /* next frame redraws every window */

	/* Incremental search. */
	int searching;
	char search[128];
	size_t search_start;   /* position to return to on Esc */

	/* One line of news in the key bar's place (cleared on next key). */
	char status[256];

	/* Keys: one read ahead (after an Esc that no digit followed), and an
	 * Esc on the main screen waiting for its digit (Esc 1 .. Esc 0 are
	 * F1 .. F10, mc's way, for terminals without function keys). */
	int has_pending, pending_r;
	wint_t pending_wc;
	int esc_pending;
	/* While something runs in the background, ui_getkey calls this
	 * every UI_TICK_MS whatever dialog waits for a key (the export's
	 * status line); it must not change the data the dialogs use. */
	void (*tick)(ui *u);
	struct ui_job *job;
	struct ui_watch *watch;

	/* Log pane. */
	ui_ring ring;
	char **log;            /* lines drained from the ring (owned) */
	size_t n_log, log_cap;
	size_t log_scroll;     /* lines scrolled back from the newest */
	mbx_log *slog;         /* the session's own Exmerge-format lines */

	/* Export results, walkthrough position. */
	ui_export_summary last_export;
	int walk_step;         /* 0 = never started */
	int walk_adjusted;     /* the adjuster was applied this session */
	size_t walk_orphans_before;
	char **walk_sym;       /* step 1: the real log lines of the failed export */
	size_t n_walk_sym;
	char **walk_ver;       /* step 5: each PST read back now */
	size_t n_walk_ver;
	int walk_exported;
	int quit;
	int reload;            /* read the lists again (Ctrl-L; the store changed) */
	int reload_note;       /* say so once they are in: another program changed it */
	int resume_pending;    /* offer the unfinished run once the lists are in */
};

/* ---- ui_screen.c ---- */
int ui_screen_init(ui *u);
void ui_screen_end(ui *u);
/* Compute the layout for the current terminal size and (re)create windows. */
void ui_layout(ui *u);
/* Draw everything (base screen and the dialog layers) and flush once. */
void ui_redraw(ui *u);
/* Flush changed cells only (wnoutrefresh + update_panels + doupdate). */
void ui_flush(ui *u);
/*
 * Read one key with a timeout in ms (<0 blocks).  KEY_RESIZE is handled
 * here and only here: relayout, the too-small screen until the terminal is
 * large enough again, and a redraw of the base screen and every layer;
 * then KEY_RESIZE is returned so a dialog can recompute its own sizes.
 * Returns ERR on timeout, a KEY_* code, a character below 256, or
 * UI_WCHAR | the character.
 */
int ui_getkey(ui *u, int timeout_ms);
/*
 * Keys that work on every terminal: ui_screen_init teaches curses the
 * usual escape sequences of F1..F12, PgUp/PgDn, Home/End, Insert/Delete
 * and S-Tab that the terminal's description lacks (TERM=vt100 has no F5,
 * yet the emulator sends it), and ui_getkey turns Esc followed within
 * UI_ESC_DIGIT_MS by a digit into F1..F10 (Esc 0 = F10; Alt+digit too).
 * On the too-small screen q, F10 and Esc 0 quit.
 *
 * Quitting: once u->quit is set (F10, a quit from the too-small screen,
 * SIGHUP, SIGTERM or SIGINT) ui_getkey returns Esc at once, so every
 * dialog closes and the main loop ends; loops that do not close on Esc
 * (progress views) check u->quit.
 */
/* Install the handlers of SIGHUP, SIGTERM and SIGINT (before initscr). */
void ui_signals_init(void);
/* The signal that asked to quit, 0 when none. */
int ui_signal_caught(void);
void ui_push_layer(ui *u, void (*draw)(ui *, void *), void *ud);
void ui_pop_layer(ui *u);
/* A colour pair + attribute for role `c` (A_* only when monochrome). */
chtype ui_attr(const ui *u, int c);
/* Draw a border (ASCII or line drawing) with a title. */
void ui_box(ui *u, WINDOW *w, const char *title, int active);
/* Horizontal line of `n` cells at (y, x). */
void ui_hline(ui *u, WINDOW *w, int y, int x, int n);
void ui_status(ui *u, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ui_draw_header(ui *u);
void ui_draw_bar(ui *u);
void ui_draw_log(ui *u);
/* The store file's name (the last part of its path), for titles. */
const char *ui_base_name(const char *path);

/* ---- the session log (ui_screen.c) ---- */
int ui_ring_init(ui_ring *r, size_t cap);
void ui_ring_free(ui_ring *r);
/* Thread-safe: copy `line` into the ring (drops the oldest when full). */
void ui_ring_push(ui_ring *r, const char *line);
/* mbx_log_fn adapter: ud is a ui_ring. */
void ui_ring_log_cb(void *ud, int level, const char *line);
/* Move lines from the ring to the log pane; 1 when there were any. */
int ui_log_drain(ui *u);

#endif
