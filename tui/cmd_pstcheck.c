/*
 * tui/cmd_pstcheck.c - `mbxrescue pst-check [-q] FILE...`: the strict PST
 * validator.  Each problem is printed "FILE: where: what"; notes (things
 * the format allows but that deserve a look, such as leaked blocks) are
 * printed the same way with "note:" and do not count as problems.  Exit 0
 * when every file is clean, 1 when a file has problems, 2 when a file can
 * not be read as a PST at all (or on a usage error).
 */
#include "config.h"
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "mbx/common.h"
#include "mbx/pst.h"
#include "mbx/text.h"
#include "cli.h"
#include "cmds.h"

typedef struct pst_out {
	const char *file;
	int quiet;
	int ascii;
	uint64_t notes, warnings;
} pst_out;

static void show(void *ud, const char *where, const char *what)
{
	pst_out *o = ud;
	unsigned fl = o->ascii ? MBX_TEXT_ASCII : 0;
	char *f, *w, *p;
	int is_note = strncmp(what, "note: ", 6) == 0;

	if (is_note)
		o->notes++;
	if (strncmp(what, "warning: ", 9) == 0)
		o->warnings++;
	if (o->quiet && is_note)
		return;
	f = mbx_text_clean(o->file, -1, fl, NULL);
	w = mbx_text_clean(where, -1, fl, NULL);
	p = mbx_text_clean(what, -1, fl, NULL);
	printf("%s: %s: %s\n", f, w, p);
	mbx_free(f);
	mbx_free(w);
	mbx_free(p);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int check_one(const tui_opts *opts, const char *file, int quiet, int strict)
{
	pst_out o;
	mbx_pstcheck_stats st;
	double t0 = now();
	char *f;
	int rc;

	memset(&o, 0, sizeof(o));
	o.file = file;
	o.quiet = quiet;
	o.ascii = opts->ascii;
	rc = mbx_pstcheck_run(file, show, &o, &st);
	fflush(stdout);
	if (rc < 0) {
		char *msg = mbx_text_clean(mbx_error_last(), -1, opts->ascii ? MBX_TEXT_ASCII : 0, NULL);

		cli_fail(EXIT_USAGE, "%s", msg);
		mbx_free(msg);
		return EXIT_USAGE;
	}
	f = mbx_text_clean(file, -1, opts->ascii ? MBX_TEXT_ASCII : 0, NULL);
	if (strict)
		st.problems += o.warnings;
	printf("%s: %llu problem%s, %llu warning%s, %llu note%s; %llu pages, %llu blocks, %llu nodes, %llu folders, "
	       "%llu messages, %llu attachments, %llu bytes checked in %.2f s\n",
	       f, (unsigned long long)st.problems, st.problems == 1 ? "" : "s",
	       (unsigned long long)o.warnings, o.warnings == 1 ? "" : "s",
	       (unsigned long long)o.notes, o.notes == 1 ? "" : "s", (unsigned long long)st.pages,
	       (unsigned long long)st.blocks, (unsigned long long)st.nodes, (unsigned long long)st.folders,
	       (unsigned long long)st.messages, (unsigned long long)st.attachments,
	       (unsigned long long)st.file_size, now() - t0);
	mbx_free(f);
	return st.problems ? EXIT_FINDINGS : EXIT_OK;
}

int cmd_pst_check(const tui_opts *opts, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "strict", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	int ch, quiet = 0, strict = 0, status = EXIT_OK, i;

	while ((ch = getopt_long(argc, argv, "q", longopts, NULL)) != -1) {
		if (ch == 'q')
			quiet = 1;
		else if (ch == 's')
			strict = 1;
		else
			return cli_usage_error("pst-check", NULL);
	}
	if (optind >= argc)
		return cli_usage_error("pst-check", "no PST file given");
	for (i = optind; i < argc; i++) {
		int r = check_one(opts, argv[i], quiet, strict);

		if (r > status)
			status = r;
	}
	return status;
}
