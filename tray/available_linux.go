//go:build linux || freebsd || openbsd || netbsd

package tray

import (
	"fmt"

	"github.com/godbus/dbus/v5"

	"github.com/ssokeeper/ssokeeper/internal/sessionbus"
)

const watcher = "org.kde.StatusNotifierWatcher"

// Available reports whether a tray icon can be shown: it needs a D-Bus
// session bus and a StatusNotifierWatcher (a tray host) on it.
func Available() (ok bool, why string) {
	conn, err := privateBus()
	if err != nil {
		return false, err.Error()
	}
	defer conn.Close()
	var has bool
	if err := conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, watcher).Store(&has); err != nil {
		return false, fmt.Sprintf("could not ask the D-Bus session bus for a tray host (%v)", err)
	}
	if !has {
		return false, noHost
	}
	return true, ""
}

// busReady fails when there is no session bus, before systray is started:
// without one, systray.Quit panics.
func busReady() error {
	conn, err := privateBus()
	if err != nil {
		return err
	}
	return conn.Close()
}

// privateBus connects to the session bus without ever launching one
// (godbus would otherwise run dbus-launch and leave a daemon behind). It
// also records a discovered address, so systray's dbus.SessionBus() finds
// the same bus.
func privateBus() (*dbus.Conn, error) {
	conn, err := sessionbus.Dial()
	if err != nil {
		return nil, fmt.Errorf("no D-Bus session bus (%v): a tray icon needs one; start ssokeeper inside the desktop session", err)
	}
	return conn, nil
}
