#!/usr/bin/env bash
# The idle-agent benchmark (README numbers come from exactly this):
#
#   bash bench/idle-agent.sh [flags]
#
# It measures `ssokeeper run --headless` holding 50 signed-in sessions
# against the in-process test OpenID Provider: resident memory and
# wake-ups per minute while no refresh is due, and prints a table. It runs
# inside a private D-Bus session bus with an unlocked gnome-keyring and a
# throw-away HOME, so it never touches the real user's keyring or files.
#
# Wake-ups are counted with perf when it works here (Debian package
# linux-perf, not installed by this script); without it the table shows
# only context switches, which a Go program makes a dozen of per wake-up.
#
# Flags (see `go run ./bench/idle -h`): -sessions 50, -settle 20s,
# -window 240s, -sample 5s, -v (progress and per-thread switches),
# -perf=false (skip perf), -baseline (also measure minimal Go
# programs for comparison), -keep (keep the agent's log and gctrace).
set -euo pipefail

DEB_PACKAGES="dbus gnome-keyring"
KEYRING_WAIT_SECONDS=10

SCRIPT_NAME=bench/idle-agent.sh
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"

# inside_bus runs in the private bus that dbus-run-session made.
inside_bus() {
	start_keyring
	"$BENCH_BIN" "$@"
}

# outside_bus builds the benchmark, makes a throw-away HOME and runs
# this script again inside a private session bus. Everything is in
# functions so bash has read the whole file before it runs any of it.
outside_bus() {
	local script # tmp stays global: the EXIT trap removes it
	script="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
	cd "$(dirname "$script")/.."
	need_go
	install_packages

	tmp=$(mktemp -d "${TMPDIR:-/tmp}/ssokeeper-bench.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	export BENCH_BIN="$tmp/idle"
	go build -o "$BENCH_BIN" ./bench/idle

	throwaway_home "$tmp"
	unset BROWSER GODEBUG GOGC GOMEMLIMIT

	# A session bus that starts no services on demand: without a notification
	# server the agent's notifications fail at once, instead of D-Bus trying a
	# notification daemon that cannot show anything here.
	cat >"$tmp/bus.conf" <<'EOF'
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF
	# dbus-daemon complains that it may not raise its fd limit; it needs none.
	SSOKEEPER_BENCH_INSIDE_BUS=1 dbus-run-session --config-file="$tmp/bus.conf" -- bash "$script" "$@" \
		2> >(grep -v --line-buffered 'Failed to set fd limit' >&2)
}

if [ "${SSOKEEPER_BENCH_INSIDE_BUS:-}" = 1 ]; then inside_bus "$@"; else outside_bus "$@"; fi; exit
