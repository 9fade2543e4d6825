/*
 * tui/cmd_pstdump.c - `mbxrescue pst-dump FILE [--values]`: every property
 * of every object of a PST or OST file (core/pstprop), in the dump format
 * of tests/PROPDUMP.md, on stdout.  What could not be read is listed on
 * stderr ("FILE: object: what").  Exit 0 when everything was read, 1 when
 * some item was damaged (after dumping the rest), 2 when the file is not a
 * PST/OST or can not be opened (or on a usage error).  `pst-dump
 * --regenerated` lists the properties our writer regenerates instead of
 * copying (mbx_pst_regenerated_list), as tests/propdump-diff.sh reads them.
 */
#include "config.h"
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "mbx/common.h"
#include "mbx/pst.h"
#include "mbx/pstprop.h"
#include "mbx/text.h"
#include "cli.h"
#include "cmds.h"

/* The properties the writer regenerates, one a line: KIND, KEY (as a dump
 * has it), TYPE (0x0000: any), RULE, NAME, what the new file holds. */
static int regenerated(void)
{
	size_t n, i;
	const mbx_pst_regen *r = mbx_pst_regenerated_list(&n);

	for (i = 0; i < n; i++)
		printf("%s\t0x%04X\t0x%04X\t%s\t%s\t%s\n", mbx_pst_object_kind_name(r[i].kind), (unsigned)r[i].id,
		       (unsigned)r[i].type, mbx_pst_regen_rule_name(r[i].rule), r[i].name, r[i].value);
	return fflush(stdout) == 0 && !ferror(stdout) ? EXIT_OK : EXIT_USAGE;
}

int cmd_pst_dump(const tui_opts *opts, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "values", no_argument, NULL, 'v' },
		{ "regenerated", no_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	int regen = 0;
	unsigned flags = 0, fl = opts->ascii ? MBX_TEXT_ASCII : 0;
	mbx_pstprop *p;
	int ch, rc;
	size_t i;

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (ch == 'v')
			flags |= MBX_PSTPROP_DUMP_VALUES;
		else if (ch == 'r')
			regen = 1;
		else
			return cli_usage_error("pst-dump", NULL);
	}
	if (regen) {
		if (optind < argc || flags)
			return cli_usage_error("pst-dump", "--regenerated takes no file");
		return regenerated();
	}
	if (optind >= argc)
		return cli_usage_error("pst-dump", "no PST file given");
	if (optind + 1 < argc)
		return cli_usage_error("pst-dump", "one file at a time");
	if (mbx_pstprop_open(&p, argv[optind], 0) < 0) {
		char *msg = mbx_text_clean(mbx_error_last(), -1, fl, NULL);

		cli_fail(EXIT_USAGE, "%s", msg);
		mbx_free(msg);
		return EXIT_USAGE;
	}
	if (mbx_pstprop_info_get(p)->note) {
		char *f = mbx_text_clean(argv[optind], -1, fl, NULL);

		fprintf(stderr, "%s: note: %s\n", f, mbx_pstprop_info_get(p)->note);
		mbx_free(f);
	}
	rc = mbx_pstprop_dump(p, stdout, flags);
	if (rc < 0) {
		cli_fail(EXIT_USAGE, "%s", mbx_error_last());
		mbx_pstprop_free(p);
		return EXIT_USAGE;
	}
	for (i = 0; i < mbx_pstprop_damage_count(p); i++) {
		const mbx_pstprop_damage *d = mbx_pstprop_damage_at(p, i);
		char *f = mbx_text_clean(argv[optind], -1, fl, NULL), *o = mbx_text_clean(d->object, -1, fl, NULL),
		     *w = mbx_text_clean(d->what, -1, fl, NULL);

		fprintf(stderr, "%s: %s: %s\n", f, o, w);
		mbx_free(f);
		mbx_free(o);
		mbx_free(w);
	}
	mbx_pstprop_free(p);
	return rc ? EXIT_FINDINGS : EXIT_OK;
}
