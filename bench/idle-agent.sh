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

die() {
	echo "bench/idle-agent.sh: $*" >&2
	exit 2
}

install_packages() {
	local missing=() p
	for p in $DEB_PACKAGES; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		die "missing Debian packages: ${missing[*]}; install them with: sudo apt-get install -y --no-install-recommends ${missing[*]}"
	fi
	echo "bench/idle-agent.sh: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get -o DPkg::Lock::Timeout=300 update -q >/dev/null
	apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}

# inside_bus runs in the private bus that dbus-run-session made.
inside_bus() {
	printf pw | gnome-keyring-daemon --foreground --unlock --components=secrets >"$HOME/keyring.log" 2>&1 &
	keyring_pid=$!
	trap 'kill "$keyring_pid" 2>/dev/null || true' EXIT

	# Wait until the daemon owns the name: asking earlier would make D-Bus
	# activate a second, locked daemon that hangs the run.
	local deadline=$((SECONDS + KEYRING_WAIT_SECONDS))
	until dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
		org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'; do
		if [ $SECONDS -ge $deadline ] || ! kill -0 "$keyring_pid" 2>/dev/null; then
			echo "bench/idle-agent.sh: gnome-keyring-daemon did not provide org.freedesktop.secrets within ${KEYRING_WAIT_SECONDS}s; its log:" >&2
			cat "$HOME/keyring.log" >&2
			exit 2
		fi
		sleep 0.1
	done
	"$BENCH_BIN" "$@"
}

# outside_bus builds the benchmark, makes a throw-away HOME and runs
# this script again inside a private session bus. Everything is in
# functions so bash has read the whole file before it runs any of it.
outside_bus() {
	local script # tmp stays global: the EXIT trap removes it
	script="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
	cd "$(dirname "$script")/.."
	command -v go >/dev/null || export PATH="$PATH:/usr/local/go/bin"
	command -v go >/dev/null || die "go is not installed or not on PATH (expected /usr/local/go/bin/go)"
	install_packages

	# Keep Go's caches at their real places, then point HOME and the XDG
	# directories at a temporary folder.
	export GOPATH GOMODCACHE GOCACHE GOENV
	GOPATH=$(go env GOPATH)
	GOMODCACHE=$(go env GOMODCACHE)
	GOCACHE=$(go env GOCACHE)
	GOENV=$(go env GOENV)

	tmp=$(mktemp -d "${TMPDIR:-/tmp}/ssokeeper-bench.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	export BENCH_BIN="$tmp/idle"
	go build -o "$BENCH_BIN" ./bench/idle

	export HOME="$tmp/home"
	export XDG_CONFIG_HOME="$HOME/.config" XDG_DATA_HOME="$HOME/.local/share"
	export XDG_STATE_HOME="$HOME/.local/state" XDG_CACHE_HOME="$HOME/.cache"
	export XDG_RUNTIME_DIR="$tmp/run"
	mkdir -p "$HOME" "$XDG_RUNTIME_DIR"
	chmod 700 "$HOME" "$XDG_RUNTIME_DIR"
	unset DBUS_SESSION_BUS_ADDRESS SSOKEEPER_CONFIG SSOKEEPER_STATE_DIR SSOKEEPER_RUNTIME_DIR BROWSER GODEBUG GOGC GOMEMLIMIT

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
