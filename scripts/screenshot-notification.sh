#!/usr/bin/env bash
# Takes docs/notification-sign-in.png, a real screenshot of a failure
# notification with its Sign in button: a virtual X display (Xvfb), a real
# notification server that draws action buttons (xfce4-notifyd), the real
# notifier fed one failure (notify/internal/demo), and ImageMagick's import.
#
# Needs (Debian): xvfb xfce4-notifyd x11-utils imagemagick dbus
# fonts-dejavu-core adwaita-icon-theme.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/notification-sign-in.png}

if [ -z "${SCREENSHOT_WORK:-}" ]; then
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
	go build -o "$work/demo" ./notify/internal/demo # before HOME moves Go's caches
	cp assets/app/ssokeeper-48.png "$work/icon.png"
	export SCREENSHOT_WORK=$work HOME=$work XDG_CONFIG_HOME=$work/config XDG_CACHE_HOME=$work/cache
	# A private session bus, so nothing here touches the desktop's own.
	dbus-run-session -- "$0" "$@"
	exit
fi

work=$SCREENSHOT_WORK
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

export DISPLAY=:78
Xvfb "$DISPLAY" -screen 0 1024x400x24 -nolisten tcp &
pids+=($!)
for _ in $(seq 100); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done

notifyd=$(ls /usr/lib/*/xfce4/notifyd/xfce4-notifyd | head -1)
"$notifyd" >"$work/notifyd.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
	busctl --user status org.freedesktop.Notifications >/dev/null 2>&1 && break
	sleep 0.1
done

"$work/demo" "$work/icon.png" >"$work/demo.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q "notification sent" "$work/demo.log" && break; sleep 0.1; done
sleep 2 # the server fades the bubble in; there is nothing to wait on

import -window root "$work/shot.png"
mkdir -p "$(dirname "$out")"
# Keep the bubble (top right); paint the bare root window a desktop grey.
convert "$work/shot.png" -fill '#5b6770' -opaque black -crop 460x236+570+0 +repage "$out"
echo "wrote $out"
