//go:build linux || freebsd || openbsd || netbsd

package tray

import (
	"context"
	"log/slog"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/ssokeeper/ssokeeper/session/clock"
)

// noHost is what the person is told when no tray host appeared.
const noHost = "no system tray host on the D-Bus session bus (no " + watcher +
	"); on GNOME install and enable the AppIndicator extension"

// WatchHost follows the tray host (the StatusNotifierWatcher) until ctx
// ends or the session bus goes away. systray registers the icon with
// every host that appears, so the agent never decides "headless" at
// start: at login the panel often starts after it. When no host has been
// there for grace, missing is called, once per run; a host that comes and
// goes later (a panel restart) is only logged.
func WatchHost(ctx context.Context, clk clock.Clock, grace time.Duration, log *slog.Logger, missing func(why string)) {
	conn, err := privateBus()
	if err != nil {
		return
	}
	defer conn.Close()
	err = conn.AddMatchSignal(dbus.WithMatchSender("org.freedesktop.DBus"), dbus.WithMatchInterface("org.freedesktop.DBus"),
		dbus.WithMatchMember("NameOwnerChanged"), dbus.WithMatchArg(0, watcher))
	if err != nil {
		log.Warn("cannot follow the tray host; the icon still shows when one is there", "err", err)
		return
	}
	ch := make(chan *dbus.Signal, 8)
	conn.Signal(ch)
	var has bool
	if err := conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, watcher).Store(&has); err != nil {
		return
	}
	timer := clk.NewTimer(grace)
	defer timer.Stop()
	if has {
		timer.Stop()
	}
	told := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C():
			if !has && !told {
				told = true
				log.Warn("running without a tray icon until a tray host appears", "why", noHost)
				missing(noHost)
			}
		case sig, ok := <-ch:
			if !ok {
				return // the session bus went away
			}
			if len(sig.Body) != 3 || sig.Sender != "org.freedesktop.DBus" {
				continue
			}
			owner, _ := sig.Body[2].(string)
			switch {
			case owner != "" && !has:
				has = true
				timer.Stop()
				log.Info("a tray host appeared; showing the icon", "owner", owner)
			case owner == "" && has:
				has = false
				log.Info("the tray host went away; the icon comes back with it")
				if !told {
					timer.Reset(grace)
				}
			}
		}
	}
}
