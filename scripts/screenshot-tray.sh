#!/usr/bin/env bash
# Takes docs/tray-menu.png, a real screenshot of the tray menu: a virtual X
# display (Xvfb), xfce4-panel (its status tray hosts StatusNotifierItems and
# draws their dbusmenu with GTK), the demo tray with made-up sessions
# (tray/internal/demo), a right-click on the icon with xdotool, and
# ImageMagick's import.
#
# Needs (Debian): xvfb xfce4-panel xfconf xdotool imagemagick dbus
# fonts-dejavu-core adwaita-icon-theme.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/tray-menu.png}

if [ -z "${SCREENSHOT_WORK:-}" ]; then
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
	go build -o "$work/demo" ./tray/internal/demo # before HOME moves Go's caches
	# A throwaway home, set before the private session bus starts so the
	# services it activates (xfconfd) read the panel layout below.
	export SCREENSHOT_WORK=$work HOME=$work XDG_CONFIG_HOME=$work/config XDG_CACHE_HOME=$work/cache
	mkdir -p "$XDG_CONFIG_HOME/xfce4/xfconf/xfce-perchannel-xml"
	# One panel along the top: an expanding separator, then the status tray.
	cat >"$XDG_CONFIG_HOME/xfce4/xfconf/xfce-perchannel-xml/xfce4-panel.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<channel name="xfce4-panel" version="1.0">
  <property name="configver" type="int" value="2"/>
  <property name="panels" type="array">
    <value type="int" value="1"/>
    <property name="panel-1" type="empty">
      <property name="position" type="string" value="p=6;x=0;y=0"/>
      <property name="length" type="uint" value="100"/>
      <property name="position-locked" type="bool" value="true"/>
      <property name="size" type="uint" value="30"/>
      <property name="icon-size" type="uint" value="22"/>
      <property name="plugin-ids" type="array">
        <value type="int" value="1"/>
        <value type="int" value="2"/>
      </property>
    </property>
  </property>
  <property name="plugins" type="empty">
    <property name="plugin-1" type="string" value="separator">
      <property name="expand" type="bool" value="true"/>
      <property name="style" type="uint" value="0"/>
    </property>
    <property name="plugin-2" type="string" value="systray">
      <property name="icon-size" type="uint" value="22"/>
      <property name="square-icons" type="bool" value="true"/>
    </property>
  </property>
</channel>
XML
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

export DISPLAY=:77
Xvfb "$DISPLAY" -screen 0 1280x480x24 -nolisten tcp &
pids+=($!)
for _ in $(seq 100); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done

xfce4-panel --disable-wm-check >"$work/panel.log" 2>&1 &
pids+=($!)
# The status tray owns the watcher name once it is up.
for _ in $(seq 100); do
	busctl --user status org.kde.StatusNotifierWatcher >/dev/null 2>&1 && break
	sleep 0.1
done

"$work/demo" >"$work/demo.log" 2>&1 &
pids+=($!)

# Wait until the panel shows our icon: the tray host reads the menu once
# the item is registered.
for _ in $(seq 100); do
	busctl --user list 2>/dev/null | grep -q "org.kde.StatusNotifierItem-" && break
	sleep 0.1
done
sleep 2 # the panel draws the icon asynchronously; nothing to wait on

# The tray sits at the right end of the panel (the widest panel window):
# right-click its icon.
win=$(for w in $(xdotool search --class xfce4-panel); do
	eval "$(xdotool getwindowgeometry --shell "$w")"
	echo "$WIDTH $w"
done | sort -n | tail -1 | cut -d' ' -f2)
eval "$(xdotool getwindowgeometry --shell "$win")"
px=$X py=$Y pw=$WIDTH ph=$HEIGHT
ix=$((px + pw - 16)) iy=$((py + ph / 2))
xdotool mousemove "$ix" "$iy" click 3
sleep 1 # GTK opens menus on its own time; there is no event to wait on
# Menu rows are 25 px: hover the third session ("github") to open its
# submenu (actions and diagnosis), then point at its "Sign in".
row=25 top=$((py + ph + 19))
xdotool mousemove $((ix - 250)) $((top + 2 * row))
sleep 1
xdotool mousemove $((ix - 700)) $((top + 2 * row))
sleep 1

import -window root "$work/shot.png"
mkdir -p "$(dirname "$out")"
# Keep the panel's right part and the menus; paint the bare root window
# (black) a desktop grey.
convert "$work/shot.png" -fill '#5b6770' -opaque black -crop 1100x330+180+0 +repage "$out"
echo "wrote $out"
