# tests/t_tui_console_lib.sh - helpers for the console's tmux tests (sourced
# after tests/lib.sh).  Each test runs its own tmux server, named after its
# pid, so tests can run in parallel; the server dies with the test.
command -v tmux >/dev/null 2>&1 || skip_all "tmux is not installed"
TMUX_SOCK="mbxtest$$"
tm_n=0
unset TMUX
tm() { tmux -L "$TMUX_SOCK" -f /dev/null "$@"; }
# Kill this test's servers and remove their sockets.
t_cleanup() {
	i=1
	while [ "$i" -le "$tm_n" ]; do
		tmux -L "mbxtest$$-$i" -f /dev/null kill-server >/dev/null 2>&1
		rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/mbxtest$$-$i"
		i=$((i + 1))
	done
	rm -rf "$T_TMP"
}

# tm_start COLS ROWS ARGS...: the console with ARGS (TM_ENV: VAR=VALUE
# words put before it); the pane stays after exit and shows "EXIT=N".
tm_start() {
	cols=$1; rows=$2; shift 2
	# A new server (socket) for each start: a dying one can not race it.
	tm kill-server >/dev/null 2>&1
	rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$TMUX_SOCK"
	tm_n=$((tm_n + 1)); TMUX_SOCK="mbxtest$$-$tm_n"
	printf '%s\n' "#!/bin/sh" "${TM_ENV:+$TM_ENV }\"$MBX\" $* 2>\"$T_TMP/console.err\"" \
		"echo \"EXIT=\$?\"" "sleep 600" >"$T_TMP/run.sh"
	tm new-session -d -x "$cols" -y "$rows" "sh '$T_TMP/run.sh'" || return 1
	tm set-option -g status off >/dev/null 2>&1
	tm set-window-option -g aggressive-resize off >/dev/null 2>&1
	return 0
}
tm_cap() { tm capture-pane -p; }
tm_keys() { tm send-keys "$@"; }
# tm_wait TEXT [SECONDS]: poll the screen until it shows TEXT (fixed string).
tm_wait() {
	want=$1; secs=${2:-10}; i=0
	while [ "$i" -lt $((secs * 20)) ]; do
		tm_cap 2>/dev/null | grep -F -q -- "$want" && return 0
		sleep 0.05; i=$((i + 1))
	done
	echo "# timed out waiting for: $want"; tm_cap | sed 's/^/#   | /'
	return 1
}
# tm_wait_gone TEXT [SECONDS]: poll until the screen no longer shows TEXT.
tm_wait_gone() {
	want=$1; secs=${2:-10}; i=0
	while [ "$i" -lt $((secs * 20)) ]; do
		tm_cap 2>/dev/null | grep -F -q -- "$want" || return 0
		sleep 0.05; i=$((i + 1))
	done
	echo "# still on screen after ${secs}s: $want"; tm_cap | sed 's/^/#   | /'
	return 1
}
# tm_quit: quit the console and check it exited 0.
tm_quit() { tm_keys F10; tm_wait "EXIT=0" 10; }
