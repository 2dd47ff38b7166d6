package traytest

import (
	"fmt"

	"github.com/godbus/dbus/v5"
)

const (
	watcherName = "org.kde.StatusNotifierWatcher"
	watcherPath = dbus.ObjectPath("/StatusNotifierWatcher")
)

// Watcher is a minimal org.kde.StatusNotifierWatcher: enough for a
// program to see a tray host, and for the test to learn when an item
// registered.
type Watcher struct {
	registered chan Registration
}

// Registration is one RegisterStatusNotifierItem call.
type Registration struct {
	Sender  string // the item's unique bus name
	Service string // what it passed: a bus name or an object path
}

// StartWatcher serves the watcher on conn and takes its well-known name.
func StartWatcher(conn *dbus.Conn) (*Watcher, error) {
	w := &Watcher{registered: make(chan Registration, 16)}
	if err := conn.Export(watcher{w}, watcherPath, watcherName); err != nil {
		return nil, fmt.Errorf("traytest: export the watcher: %w", err)
	}
	reply, err := conn.RequestName(watcherName, dbus.NameFlagDoNotQueue)
	if err != nil {
		return nil, fmt.Errorf("traytest: request %s: %w", watcherName, err)
	}
	if reply != dbus.RequestNameReplyPrimaryOwner {
		return nil, fmt.Errorf("traytest: %s is owned by another connection", watcherName)
	}
	return w, nil
}

// Registered delivers each item registration.
func (w *Watcher) Registered() <-chan Registration { return w.registered }

type watcher struct{ w *Watcher }

func (v watcher) RegisterStatusNotifierItem(sender dbus.Sender, service string) *dbus.Error {
	select {
	case v.w.registered <- Registration{Sender: string(sender), Service: service}:
	default: // nobody reads: a host would not block the item either
	}
	return nil
}

func (v watcher) RegisterStatusNotifierHost(service string) *dbus.Error { return nil }
