#!/usr/bin/env bash
# Whole-process latency of `ssokeeper token NAME`: median and p90 over
# many runs, with the agent running (the path kubectl and git take) and
# without one (each call refreshes at the IdP and reads the keyring).
#
#   bash bench/token-latency.sh [-n 200] [-n-noagent 50]
#
# It builds ssokeeper, then runs bench/tokenlatency (a real OpenID
# Provider and a real agent on 127.0.0.1) inside a private D-Bus session
# with an unlocked gnome-keyring, so the no-agent case has a keyring and
# the person's own keyring is never touched. Without dbus-run-session or
# gnome-keyring it measures the agent cases only.
set -euo pipefail

if [ "${SSOKEEPER_BENCH_INSIDE_BUS:-}" = 1 ]; then
	printf pw | gnome-keyring-daemon --foreground --unlock --components=secrets >"$HOME/keyring.log" 2>&1 &
	keyring_pid=$!
	trap 'kill "$keyring_pid" 2>/dev/null || true' EXIT
	# Wait until the daemon owns the name, or D-Bus may start a second,
	# locked one that hangs.
	for _ in $(seq 100); do
		dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
			org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null |
			grep -q 'boolean true' && break
		sleep 0.1
	done
	exec go run ./bench/tokenlatency -bin "$BENCH_BIN" -floor "$(dirname "$BENCH_BIN")/gofloor" "$@"
fi

cd "$(dirname "$0")/.."
command -v go >/dev/null || export PATH="$PATH:/usr/local/go/bin"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ssokeeper-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export BENCH_BIN="$tmp/ssokeeper"
go build -o "$BENCH_BIN" .
go build -o "$tmp/gofloor" ./bench/gofloor

# Keep Go's caches where they are; give the keyring a throw-away HOME.
export GOPATH GOMODCACHE GOCACHE GOENV
GOPATH=$(go env GOPATH) GOMODCACHE=$(go env GOMODCACHE) GOCACHE=$(go env GOCACHE) GOENV=$(go env GOENV)
export HOME="$tmp/home" XDG_RUNTIME_DIR="$tmp/run"
mkdir -p "$HOME" "$XDG_RUNTIME_DIR" && chmod 700 "$HOME" "$XDG_RUNTIME_DIR"
unset SSOKEEPER_CONFIG SSOKEEPER_STATE_DIR SSOKEEPER_RUNTIME_DIR

if command -v dbus-run-session >/dev/null && command -v gnome-keyring-daemon >/dev/null; then
	unset DBUS_SESSION_BUS_ADDRESS
	SSOKEEPER_BENCH_INSIDE_BUS=1 dbus-run-session -- bash "$(pwd)/bench/token-latency.sh" "$@"
else
	echo "note: dbus-run-session or gnome-keyring missing: timing the agent cases only" >&2
	go run ./bench/tokenlatency -bin "$BENCH_BIN" -floor "$tmp/gofloor" "$@"
fi
