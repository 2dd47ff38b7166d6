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
  awscli desktop-file-utils appstream libplist-utils dunst xvfb xfce4-panel
  gcc libc6-dev"
# (gcc, libc6-dev: cgo for the sqlite store of the Ory Hydra the e2e tests
# build from internal/e2e/hydra through the Go module proxy.)

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

# needs_hydra says whether the packages to test include the Ory Hydra
# end-to-end tests (internal/e2e/hydrae2e).
needs_hydra() {
	local p
	[ "$(patterns "$@")" = "" ] && return 0
	for p in $(patterns "$@"); do
		case "$p" in
		./... | ./internal/... | ./internal/e2e/... | *hydrae2e*) return 0 ;;
		esac
	done
	return 1
}

# build_hydra builds Ory Hydra from the nested module internal/e2e/hydra
# into $1 before the tests start: on a fresh machine that downloads and
# compiles for minutes, which must not count against go test's timeout.
# The tests use $SSOKEEPER_HYDRA_BIN (they build it themselves without it).
build_hydra() {
	local start=$SECONDS
	(cd internal/e2e/hydra && CGO_ENABLED=1 go build -tags sqlite,sqlite_omit_load_extension \
		-ldflags "-s -w" -o "$1/hydra" github.com/ory/hydra/v2) ||
		die "could not build Ory Hydra for the e2e tests (internal/e2e/hydra; needs the Go module proxy and gcc)"
	echo "$SCRIPT_NAME: built Ory Hydra in $((SECONDS - start))s" >&2
	export SSOKEEPER_HYDRA_BIN="$1/hydra"
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
if needs_hydra "$@"; then
	build_hydra "$tmp"
fi

status=0
SSOKEEPER_TEST_INSIDE_BUS=1 dbus-run-session -- bash "$script" "$@" || status=$?
exit $status
