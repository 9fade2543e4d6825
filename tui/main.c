/* mbxrescue: the entry point.  Everything else is in tui/cli.c. */
#include "config.h"
#include <locale.h>
#include "cli.h"

int main(int argc, char **argv)
{
	/* wcwidth and the console need the user's UTF-8 locale. */
	setlocale(LC_ALL, "");
	return cli_main(argc, argv);
}
