#!/usr/bin/env bash
# Checks what scripts/dist.sh built, as a user would get it: installs the
# amd64 .deb with dpkg, runs ssokeeper from it, checks the launcher, the
# AppStream metadata and the icons landed and validate, tries start at login
# for a throwaway user, then purges the package. Needs root (CI is root).
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "check-dist: FAIL: $*" >&2; exit 1; }

[[ $(id -u) == 0 ]] || fail "run as root: it installs the .deb with dpkg -i"
[[ -f dist/VERSION ]] || fail "dist/ is empty; run bash scripts/dist.sh first"
VERSION=$(cat dist/VERSION)

# The validators (desktop-file-utils, appstream) and readers of binaries
# (file, binutils' strings), from Debian.
for tool in desktop-file-validate appstreamcli file strings; do
	if ! command -v "$tool" >/dev/null; then
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			desktop-file-utils appstream file binutils >/dev/null
		break
	fi
done

shopt -s nullglob
debs=(dist/ssokeeper_*_amd64.deb)
[[ ${#debs[@]} == 1 ]] || fail "want one amd64 .deb in dist/, found ${#debs[@]}"
deb=${debs[0]}
for want in arm64.deb x86_64.rpm aarch64.rpm; do
	files=(dist/*"$want")
	[[ ${#files[@]} == 1 ]] || fail "want one *$want in dist/, found ${#files[@]}"
done
[[ $(dpkg-deb --field dist/ssokeeper_*_arm64.deb Architecture) == arm64 ]] || fail "the arm64 .deb is not for arm64"
exe=dist/windows_amd64/ssokeeper.exe
file "$exe" | grep -q 'PE32+ executable (GUI) x86-64' ||
	fail "$exe is not a 64-bit Windows GUI program: $(file "$exe")"
# The version resource holds UTF-16 strings: OriginalFilename, ProductVersion.
strings -el "$exe" | grep -qx 'ssokeeper.exe' || fail "$exe has no version resource (go-winres)"
strings -el "$exe" | grep -qxF "$VERSION" || fail "$exe's version resource does not name $VERSION"

echo "check-dist: install $deb"
dpkg -i "$deb" >/dev/null
trap 'dpkg --purge ssokeeper >/dev/null' EXIT

out=$(/usr/bin/ssokeeper --version)
[[ $out == *"$VERSION"* ]] || fail "ssokeeper --version said '$out', want it to name $VERSION"
echo "check-dist: ssokeeper --version: $out"

app=io.ssokeeper.ssokeeper
for f in /usr/share/applications/$app.desktop /usr/share/metainfo/$app.metainfo.xml \
	/usr/share/icons/hicolor/scalable/apps/$app.svg /usr/share/man/man1/ssokeeper.1 \
	/usr/lib/systemd/user/ssokeeper.service; do
	[[ -s $f ]] || fail "$f is missing from the package"
done
for n in 16 22 24 32 48 64 128 256; do
	icon=/usr/share/icons/hicolor/${n}x${n}/apps/$app.png
	[[ -s $icon ]] || fail "$icon is missing from the package"
	file "$icon" | grep -q "PNG image data, $n x $n" || fail "$icon is not a ${n}x${n} PNG"
done
desktop-file-validate /usr/share/applications/$app.desktop
appstreamcli validate --no-net /usr/share/metainfo/$app.metainfo.xml

# Start at login for a throwaway user: the entry runs the installed binary.
home=$(mktemp -d)
trap 'rm -rf "$home"; dpkg --purge ssokeeper >/dev/null' EXIT
as_user() { HOME=$home XDG_CONFIG_HOME=$home/.config /usr/bin/ssokeeper "$@"; }
as_user autostart enable
entry=$home/.config/autostart/ssokeeper.desktop
grep -qx 'Exec=/usr/bin/ssokeeper' "$entry" || fail "$entry does not run /usr/bin/ssokeeper: $(cat "$entry")"
desktop-file-validate "$entry"
as_user autostart status
as_user autostart disable
[[ ! -e $entry ]] || fail "autostart disable left $entry"

dpkg --purge ssokeeper >/dev/null
trap 'rm -rf "$home"' EXIT
[[ ! -e /usr/bin/ssokeeper ]] || fail "dpkg --purge left /usr/bin/ssokeeper"
echo "check-dist: ok"
