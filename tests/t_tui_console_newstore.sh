#!/bin/sh
# The console on a --db path that does not exist: it offers to create the
# store (organization, site, server), refuses bad names in a message and
# asks again, creates nothing on Esc; an empty server shows how to load
# it instead of two empty panels; F6 takes a folder of PSTs, one mailbox
# per file, with progress per file and a summary.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/t_tui_console_lib.sh"

NEW="$T_TMP/srv/new.db"
tm_start 80 24 --db "$NEW"
check "offers to create the store" tm_wait "does not exist. Create a new, empty" 10
check "asks for the organization" tm_wait "Organization" 2
check "asks for the server" tm_wait "Server" 2
tm_keys Escape
check "Esc quits" tm_wait "EXIT=0" 10
check "saying nothing was created" grep -q "^mbxrescue: nothing was created at $NEW$" "$T_TMP/console.err"
check "and nothing is" test ! -e "$NEW" -a ! -e "$T_TMP/srv"

tm_start 80 24 --db "$NEW"
tm_wait "does not exist. Create a new, empty" 10
tm_keys -l "Contoso"
tm_keys Tab
tm_keys -l "HQ"
tm_keys Tab
tm_keys -l "EXCH 1"
tm_keys Enter
check "a bad server name is refused" tm_wait "The store was not created" 5
check "saying why" tm_wait "not a Windows computer" 2
check "nothing created yet" test ! -e "$NEW"
tm_keys Enter
check "the form again" tm_wait "Create a new, empty" 5
tm_keys Tab Tab
tm_keys C-u
tm_keys -l "EXCH1"
tm_keys Enter
check "an empty server: how to load it" tm_wait "This recovery server is empty." 10
check "F6 for PSTs, folders too" tm_wait "F6  import a .pst file, or a folder of" 2
check "the directory from the shell" tm_wait "import-directory users.ldif" 2
check "not two empty panels" tm_wait "Mailbox Resources (empty)" 2
check "the status line says it" tm_wait "An empty recovery server: F6 imports PSTs" 2
check "the header names the new server" tm_wait "Contoso / HQ / EXCH1" 2
check "the log says it was created" tm_wait "Created the recovery server 'EXCH1'" 2
check "the store file exists, private" test "$(stat -c %a "$NEW" 2>/dev/null)" = 600
check "in a private directory" test "$(stat -c %a "$T_TMP/srv")" = 700

SHARED="$MBX_SHARED/testdata/pst"
if [ -r "$SHARED/support.pst" ] && [ -r "$SHARED/ansi-32bit.pst" ]; then
	mkdir "$T_TMP/psts"
	cp "$SHARED/support.pst" "$SHARED/ansi-32bit.pst" "$T_TMP/psts/"
	cp "$SHARED/support.pst" "$T_TMP/psts/JSMITH.PST"
	tm_keys F6
	check "F6 opens the import form" tm_wait "PST file or folder" 5
	tm_keys C-u
	tm_keys -l "$T_TMP/psts"
	tm_keys Enter
	check "a folder: asks first" tm_wait "3 PST files in" 5
	tm_keys Enter
	check "a summary per file" tm_wait "Import finished" 20
	check "each into its own mailbox" tm_wait "JSMITH (new): 17 messages" 2
	tm_keys Escape
	check "the mailboxes are listed now" tm_wait "Mailbox Resources (3, 3 orphaned)" 5
	check "named after the message store" tm_wait "ANSI-32BIT" 2
	check "the log has the folder's line" tm_wait "3 files imported (35 messages)" 2
else
	echo "# $SHARED is not there: no PSTs imported"
fi
check "F10 quits" tm_quit

# A store init made: the start screen at once.
"$MBX" --db "$T_TMP/init.db" init --organization O --site S --server X >/dev/null 2>&1
tm_start 80 24 --db "$T_TMP/init.db"
check "an empty store from init: the start screen" tm_wait "This recovery server is empty." 10
check "F10 quits" tm_quit
# The demo is not empty: the panels as ever.
DB=$(demo_db)
tm_start 80 24 --db "$DB"
check "a store with mailboxes: the panels" tm_wait "Mailbox Resources (12" 10
check "no start screen there" tm_wait_gone "This recovery server is empty." 1
check "F10 quits" tm_quit
done_testing
