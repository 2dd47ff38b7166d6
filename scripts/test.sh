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
  awscli desktop-file-utils appstream libplist-utils dunst xvfb xfce4-panel"

# How long to wait for the keyring daemon to own org.freedesktop.secrets.
KEYRING_WAIT_SECONDS=10

SCRIPT_NAME=scripts/test.sh
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

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
	start_keyring

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
need_go
install_packages
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ssokeeper-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
throwaway_home "$tmp"

status=0
SSOKEEPER_TEST_INSIDE_BUS=1 dbus-run-session -- bash "$script" "$@" || status=$?
exit $status
