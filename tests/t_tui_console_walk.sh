#!/bin/sh
# The guided recovery walkthrough on the demo: the symptom is a real
# failing export with its MSEMS lines, the cause lists the orphans, the
# resolution runs the adjuster, then export, verify and Done; it can be
# left and resumed, and goes back and forward.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/t_tui_console_lib.sh"

DB=$(demo_db) || { echo "# can not create the demo store"; exit 1; }
tm_start 100 30 --db "$DB"
check "start screen offers the walkthrough" tm_wait "w guided walkthrough" 10
tm_keys w
check "step 1: symptom" tm_wait "step 1 of 6 - Symptom" 5
tm_keys Enter
check "step 1 shows the real MSEMS line of a failed export" tm_wait "Error configuring message service (MSEMS)" 60
check "step 1 shows the result" tm_wait "Result: FAILED" 5
tm_keys n
check "step 2: cause" tm_wait "step 2 of 6 - Cause" 5
check "the cause lists the orphans" tm_wait "5 of 12 mailboxes are orphaned" 5
tm_keys p
check "back to step 1" tm_wait "step 1 of 6 - Symptom" 5
tm_keys Right Right
check "forward to step 3" tm_wait "step 3 of 6 - Resolution" 5
# Leave and resume.
tm_keys Escape
check "the walkthrough can be left" tm_wait_gone "Recovery walkthrough" 5
tm_keys w
check "w resumes at step 3" tm_wait "step 3 of 6 - Resolution" 5
tm_keys Enter
check "step 3 opens the adjuster" tm_wait "Consistency adjuster (DS/IS)" 5
tm_keys Enter
tm_wait "Apply the adjuster?" 5
tm_keys Left Enter
check "the fix-up is offered after the adjuster" tm_wait "Fix recreated recipients?" 10
tm_keys n
check "step 4: export" tm_wait "step 4 of 6 - Export" 5
tm_keys Enter
check "the export dialog" tm_wait "Export mailboxes to PST" 5
tm_keys C-u
tm_keys -l "$T_TMP/walk-out"
tm_keys Enter
check "step 5: verify" tm_wait "step 5 of 6 - Verify" 120
tm_keys Enter
check "PSTs read back" tm_wait "Read back now:" 60
tm_keys n
check "step 6: done" tm_wait "step 6 of 6 - Done" 5
check "Done says what was fixed" tm_wait "5 orphaned mailboxes before, 0 now" 2
check "Done says where the PSTs are" tm_wait "$T_TMP/walk-out" 2
check "Done lists next steps" tm_wait "Next steps" 2
tm_keys Enter
check "Enter on Done closes" tm_wait_gone "Recovery walkthrough" 5
check "the panels show no orphan" tm_wait "(12, 0 orphaned)" 2
check "quit" tm_quit
done_testing
