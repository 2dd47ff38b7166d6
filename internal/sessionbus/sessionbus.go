// Package sessionbus opens private connections to the D-Bus session bus.
// Private, because systray owns the shared dbus.SessionBus() and a
// notification server that signals the sender directly (dunst) makes
// systray's re-registration goroutine exit.
package sessionbus

import "github.com/godbus/dbus/v5"

// Dial connects and authenticates a private connection to the session bus,
// without ever launching a bus (godbus would otherwise run dbus-launch
// and leave a daemon behind).
func Dial() (*dbus.Conn, error) {
	conn, err := dbus.SessionBusPrivateNoAutoStartup()
	if err != nil {
		return nil, err
	}
	if err = conn.Auth(nil); err == nil {
		err = conn.Hello()
	}
	if err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}
