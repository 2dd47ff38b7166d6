#!/usr/bin/env bash
# Builds what ssokeeper ships from Linux, into dist/:
#   dist/linux_amd64/ssokeeper, dist/linux_arm64/ssokeeper,
#   dist/windows_amd64/ssokeeper.exe (GUI subsystem, icon and version info),
#   the .deb and .rpm for amd64 and arm64, SHA256SUMS and VERSION;
# then vets the darwin code that builds without cgo (the macOS tray needs
# cgo and a Mac: see packaging/macos/README.md).
# Usage: bash scripts/dist.sh   (VERSION=1.2.3 to override git describe)
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
step() { echo "dist: [$((SECONDS - start))s] $*"; }

NFPM=github.com/goreleaser/nfpm/v2/cmd/nfpm@v2.45.2
WINRES=github.com/tc-hib/go-winres@v0.3.3

VERSION=${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo 0.0.0-dev)}

# dpkg and rpm want a version that starts with a number and sorts sensibly:
# v1.2.3 → 1.2.3, v1.2.3-4-gabc → 1.2.3+git.4.gabc, abc1234-dirty → 0.0.0+git.abc1234.dirty
pkg_version() {
	local v=${1#v} base rest
	if [[ $v =~ ^([0-9]+\.[0-9]+\.[0-9]+)(-(.*))?$ ]]; then
		base=${BASH_REMATCH[1]} rest=${BASH_REMATCH[3]}
	else
		base=0.0.0 rest=$v
	fi
	rest=${rest//[^A-Za-z0-9.]/.}
	if [[ -n $rest ]]; then echo "$base+git.$rest"; else echo "$base"; fi
}
PKG_VERSION=$(pkg_version "$VERSION")
echo "dist: ssokeeper $VERSION (package version $PKG_VERSION)"

if ! grep -qs '^package main' ./*.go; then
	echo "dist: no main package at the repository root (main.go); nothing to build" >&2
	exit 1
fi

rm -rf dist
mkdir -p dist
tools=$(mktemp -d)
trap 'rm -rf "$tools"; rm -f rsrc_windows_*.syso' EXIT

step "install nfpm and go-winres"
# The packaging tools come from the Go module proxy, outside go.mod.
GOBIN=$tools go install "$NFPM"
GOBIN=$tools go install "$WINRES"

# Reproducible packages: file times from the last commit.
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
ldflags="-s -w -X main.version=$VERSION"

for target in linux/amd64 linux/arm64; do
	goarch=${target#*/}
	step "build $target"
	CGO_ENABLED=0 GOOS=linux GOARCH=$goarch \
		go build -trimpath -ldflags "$ldflags" -o "dist/linux_$goarch/ssokeeper" .
done

step "build windows/amd64"
# The .syso (icon, version info, manifest) is linked into package main.
"$tools/go-winres" make --in packaging/windows/winres.json --arch amd64 \
	--product-version "$VERSION" --file-version "${PKG_VERSION%%+*}.0"
CGO_ENABLED=0 GOOS=windows GOARCH=amd64 \
	go build -trimpath -ldflags "$ldflags -H=windowsgui" -o dist/windows_amd64/ssokeeper.exe .
rm -f rsrc_windows_*.syso

for goarch in amd64 arm64; do
	for packager in deb rpm; do
		step "package $packager $goarch"
		GOARCH=$goarch PKG_VERSION=$PKG_VERSION BINARY=dist/linux_$goarch/ssokeeper \
			"$tools/nfpm" package --config packaging/nfpm.yaml --packager "$packager" --target dist/ >/dev/null
	done
done

echo "$VERSION" >dist/VERSION
(cd dist && sha256sum linux_*/ssokeeper windows_*/ssokeeper.exe ./*.deb ./*.rpm >SHA256SUMS)

# Vet for darwin what builds without cgo: packages that import fyne.io/systray
# (the tray, and main through it) need cgo there and are skipped, and so are
# packages with no darwin files at all (go list marks them ERR).
export GOOS=darwin GOARCH=arm64 CGO_ENABLED=0
deps=$(go list -e -f '{{.ImportPath}}{{if .Error}} ERR{{end}} {{join .Deps " "}}' ./...)
darwin=$(awk '!/fyne\.io\/systray/ && $2 != "ERR" {print $1}' <<<"$deps")
skipped=$(awk '/fyne\.io\/systray/ || $2 == "ERR" {printf " %s", $1}' <<<"$deps")
step "vet darwin/arm64 without cgo; skipped:${skipped:- none}"
# shellcheck disable=SC2086 # one package per word
go vet $darwin
unset GOOS GOARCH CGO_ENABLED

ls -l dist/*.deb dist/*.rpm
echo "dist: done in $((SECONDS - start))s"
