#!/usr/bin/env bash
# The test command of ssokeeper (README and CI run exactly this):
#
#   bash scripts/test.sh [packages] [go test flags]     packages default to ./...
#
# It installs the Debian packages the tests need when missing, then runs
# go vet and go test inside a private D-Bus session bus with an unlocked
# gnome-keyring and a throw-away HOME, so tests never touch the real user's
# keyring or files. Tests that need D-Bus or the Secret Service fail instead
# of skipping here (SSOKEEPER_REQUIRE_DBUS=1).
set -euo pipefail

# Debian packages the tests need, one list: add yours here.
DEB_PACKAGES="dbus gnome-keyring libsecret-tools git ca-certificates
  awscli desktop-file-utils appstream libplist-utils dunst xvfb"

# How long to wait for the keyring daemon to own org.freedesktop.secrets.
KEYRING_WAIT_SECONDS=10

die() {
	echo "scripts/test.sh: $*" >&2
	exit 2
}

install_packages() {
	local missing=() p
	for p in $DEB_PACKAGES; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "scripts/test.sh: missing Debian packages: ${missing[*]}" >&2
		echo "install them with: sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
		exit 2
	fi
	echo "scripts/test.sh: installing ${missing[*]}" >&2
	# Lock::Timeout waits for another apt run instead of failing at once.
	export DEBIAN_FRONTEND=noninteractive
	apt-get -o DPkg::Lock::Timeout=300 update -q >/dev/null
	apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}

# Package patterns among the arguments (the rest are go test flags); go vet
# checks the same packages that go test runs.
patterns() {
	local a
	for a in "$@"; do
		case "$a" in
		. | ./* | ../* | github.com/ssokeeper/*) echo "$a" ;;
		esac
	done
}

# inside_bus runs in the private bus that dbus-run-session made.
inside_bus() {
	printf pw | gnome-keyring-daemon --foreground --unlock --components=secrets >"$HOME/keyring.log" 2>&1 &
	local keyring_pid=$!
	trap 'kill "$keyring_pid" 2>/dev/null || true' EXIT

	# Wait until the daemon owns the name; a test that asks earlier would make
	# D-Bus activate a second, locked daemon that hangs. NameHasOwner itself
	# never activates anything.
	local deadline=$((SECONDS + KEYRING_WAIT_SECONDS))
	until dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
		org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'; do
		if [ $SECONDS -ge $deadline ] || ! kill -0 "$keyring_pid" 2>/dev/null; then
			echo "scripts/test.sh: gnome-keyring-daemon did not provide org.freedesktop.secrets within ${KEYRING_WAIT_SECONDS}s; its log:" >&2
			cat "$HOME/keyring.log" >&2
			exit 2
		fi
		sleep 0.1
	done

	# Here every real part is installed: a test that would skip fails instead.
	export SSOKEEPER_REQUIRE_DBUS=1 SSOKEEPER_REQUIRE_AWSCLI=1 SSOKEEPER_REQUIRE_TOOLS=1
	local pkgs
	mapfile -t pkgs < <(patterns "$@")
	[ ${#pkgs[@]} -gt 0 ] || pkgs=(./...)
	local args=("$@")
	[ "$(patterns "$@")" != "" ] || args+=(./...)

	local vet=0 test=0
	go vet "${pkgs[@]}" || vet=$?
	go test -count=1 "${args[@]}" || test=$?
	[ $test -ne 0 ] && exit $test
	exit $vet
}

if [ "${SSOKEEPER_TEST_INSIDE_BUS:-}" = 1 ]; then
	inside_bus "$@"
fi

script="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
cd "$(dirname "$script")/.."
command -v go >/dev/null || export PATH="$PATH:/usr/local/go/bin"
command -v go >/dev/null || die "go is not installed or not on PATH (expected /usr/local/go/bin/go)"
install_packages

# Keep Go's module and build caches (and its settings file) at their real
# places, then point HOME and the XDG directories at a temporary folder.
export GOPATH GOMODCACHE GOCACHE GOENV
GOPATH=$(go env GOPATH)
GOMODCACHE=$(go env GOMODCACHE)
GOCACHE=$(go env GOCACHE)
GOENV=$(go env GOENV)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ssokeeper-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export HOME="$tmp/home"
export XDG_CONFIG_HOME="$HOME/.config" XDG_DATA_HOME="$HOME/.local/share"
export XDG_STATE_HOME="$HOME/.local/state" XDG_CACHE_HOME="$HOME/.cache"
export XDG_RUNTIME_DIR="$tmp/run"
mkdir -p "$HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$HOME" "$XDG_RUNTIME_DIR"
unset DBUS_SESSION_BUS_ADDRESS SSOKEEPER_CONFIG SSOKEEPER_STATE_DIR SSOKEEPER_RUNTIME_DIR

status=0
SSOKEEPER_TEST_INSIDE_BUS=1 dbus-run-session -- bash "$script" "$@" || status=$?
exit $status
