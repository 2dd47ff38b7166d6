//go:build linux || freebsd || openbsd || netbsd || dragonfly

package notify

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/ssokeeper/ssokeeper/internal/sessionbus"
)

// The freedesktop notification service.
const (
	fdoName  = "org.freedesktop.Notifications"
	fdoPath  = dbus.ObjectPath("/org/freedesktop/Notifications")
	fdoIface = "org.freedesktop.Notifications"
)

// desktopEntry names the desktop file packaging/linux installs, so the
// desktop shows the bubbles as ssokeeper's.
const desktopEntry = "io.ssokeeper.ssokeeper"

// callTimeout bounds every call to the notification server, so a hung
// server cannot stall the notifier.
const callTimeout = 5 * time.Second

// dbusTransport calls org.freedesktop.Notifications over a private
// connection. The shared dbus.SessionBus() is off limits: systray uses it,
// and servers that signal the sender directly (dunst) make systray's
// re-registration goroutine exit, so the icon would not come back after a
// panel restart.
type dbusTransport struct {
	transportOptions

	// mu is held across each Notify call and its bookkeeping, so an
	// ActionInvoked that arrives right after the reply finds its id.
	mu     sync.Mutex
	conn   *dbus.Conn         // nil or closed: connect on the next show
	closed bool               // by close: never connect again
	owner  string             // unique bus name of the server the ids belong to
	ids    map[string]uint32  // bubble key -> server id
	msgs   map[uint32]message // server id -> what it shows
	// pending holds what could not be shown (no server yet, or it was
	// restarting), newest per key, for the next server to show.
	pending []message
}

// maxPending bounds what waits for a notification server.
const maxPending = 16

func newTransport(o transportOptions) (transport, error) {
	t := &dbusTransport{transportOptions: o}
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.connectLocked(); err != nil {
		return nil, err
	}
	return t, nil
}

// connectLocked opens a private connection, without ever launching a bus
// (dbus-launch would leave a daemon behind), and listens for the server's
// signals on it. Ids of an earlier connection's server mean nothing now.
func (t *dbusTransport) connectLocked() error {
	conn, err := sessionbus.Dial()
	if err != nil {
		return fmt.Errorf("no D-Bus session bus (%v); run ssokeeper inside a desktop session, or set DBUS_SESSION_BUS_ADDRESS", err)
	}
	// Only the notification server may tell us a bubble was clicked.
	err = conn.AddMatchSignal(dbus.WithMatchSender(fdoName), dbus.WithMatchObjectPath(fdoPath), dbus.WithMatchInterface(fdoIface))
	if err != nil {
		conn.Close()
		return fmt.Errorf("could not listen for notification clicks on the D-Bus session bus: %w", err)
	}
	// A server that starts (late at login, or again after a crash) takes
	// over org.freedesktop.Notifications: show it what waited.
	err = conn.AddMatchSignal(dbus.WithMatchSender("org.freedesktop.DBus"), dbus.WithMatchInterface("org.freedesktop.DBus"),
		dbus.WithMatchMember("NameOwnerChanged"), dbus.WithMatchArg(0, fdoName))
	if err != nil {
		conn.Close()
		return fmt.Errorf("could not watch for the notification server on the D-Bus session bus: %w", err)
	}
	ch := make(chan *dbus.Signal, 16)
	conn.Signal(ch)
	go t.listen(conn, ch)
	t.conn = conn
	t.forgetAllLocked("")
	return nil
}

// forgetAllLocked drops every id: they belonged to another server.
func (t *dbusTransport) forgetAllLocked(owner string) {
	t.owner = owner
	t.ids = map[string]uint32{}
	t.msgs = map[uint32]message{}
}

func (t *dbusTransport) show(m message) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return errors.New("the notifier is closed")
	}
	err := t.notifyLocked(m)
	if err != nil && !isServerError(err) {
		// The bus went away (or restarted): connect again and retry once.
		if t.conn != nil {
			t.conn.Close()
		}
		if err = t.connectLocked(); err == nil {
			err = t.notifyLocked(m)
		}
	}
	t.keepLocked(m, err != nil)
	return err
}

// keepLocked remembers m for the next server when it was not shown, and
// forgets an older unshown message it replaces.
func (t *dbusTransport) keepLocked(m message, failed bool) {
	t.pending = slices.DeleteFunc(t.pending, func(p message) bool { return p.key == m.key })
	if failed {
		t.pending = append(t.pending, m)
		if len(t.pending) > maxPending {
			t.pending = t.pending[len(t.pending)-maxPending:]
		}
	}
}

// serverAppeared hands what the new server should show to onServer: the
// messages that were never shown, and the sign-in requests still open on
// a server that went away (their bubbles went with it).
func (t *dbusTransport) serverAppeared(conn *dbus.Conn, owner string) {
	t.mu.Lock()
	if conn != t.conn || t.closed || owner == t.owner {
		t.mu.Unlock()
		return
	}
	again := t.pending
	t.pending = nil
	ids := slices.Sorted(maps.Keys(t.msgs))
	for _, id := range ids {
		if m := t.msgs[id]; m.action == signIn && !slices.ContainsFunc(again, func(p message) bool { return p.key == m.key }) {
			again = append(again, m)
		}
	}
	t.mu.Unlock()
	t.log.Info("a desktop notification server started", "owner", owner, "to_show", len(again))
	if len(again) > 0 && t.onServer != nil {
		t.onServer(again)
	}
}

// isServerError reports whether err came from the other end of a working
// connection (an error reply, or a server too slow to answer), as opposed
// to a broken connection.
func isServerError(err error) bool {
	var e dbus.Error
	var pe *dbus.Error
	return errors.As(err, &e) || errors.As(err, &pe) || errors.Is(err, context.DeadlineExceeded)
}

func (t *dbusTransport) notifyLocked(m message) error {
	if t.conn == nil || !t.conn.Connected() {
		return errors.New("the D-Bus session bus connection is closed")
	}
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	obj := t.conn.Object(fdoName, fdoPath)
	var caps []string
	if err := obj.CallWithContext(ctx, fdoIface+".GetCapabilities", 0).Store(&caps); err != nil {
		return noServer(err)
	}
	// Clicks count only from the server that showed the bubble (any
	// program on the bus can send a signal), and ids from an earlier
	// server mean nothing to this one.
	var owner string
	if err := t.conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.GetNameOwner", 0, fdoName).Store(&owner); err != nil {
		return noServer(err)
	}
	if owner != t.owner {
		t.forgetAllLocked(owner)
	}
	body := m.body
	var actions []string
	if m.action != noAction && slices.Contains(caps, "actions") {
		// "default" is a click on the bubble itself: it does the same.
		// No label: servers that draw every action as a button
		// (xfce4-notifyd) would show two "Sign in" buttons.
		actions = []string{"default", "", actionKey(m), m.label()}
	} else {
		body = m.withClickHint(t.appName)
	}
	if slices.Contains(caps, "body-markup") {
		body = markupEscaper.Replace(body)
	}
	hints := map[string]dbus.Variant{
		"urgency":       dbus.MakeVariant(byte(m.urgency)),
		"desktop-entry": dbus.MakeVariant(desktopEntry),
	}
	replaces := t.ids[m.key]
	var id uint32
	err := obj.CallWithContext(ctx, fdoIface+".Notify", 0,
		t.appName, replaces, t.icon, m.title, body, actions, hints, int32(-1)).Store(&id)
	if err != nil {
		return noServer(err)
	}
	delete(t.msgs, replaces)
	t.ids[m.key] = id
	if actions == nil {
		m.action = noAction // nothing to click: ignore stray signals
	}
	t.msgs[id] = m
	return nil
}

func noServer(err error) error {
	return fmt.Errorf("the desktop notification service (%s) did not answer on the session bus: %w; start your desktop's notification daemon (for example dunst, mako or the one of GNOME or KDE)", fdoName, err)
}

func actionKey(m message) string {
	if m.action == openURL {
		return "open"
	}
	return "signin"
}

// markupEscaper escapes text for servers that read the body as markup.
var markupEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// listen handles ActionInvoked and NotificationClosed until conn closes.
func (t *dbusTransport) listen(conn *dbus.Conn, ch <-chan *dbus.Signal) {
	for sig := range ch {
		if sig.Name == "org.freedesktop.DBus.NameOwnerChanged" {
			if name, owner := nameOwnerChange(sig); name == fdoName && owner != "" && sig.Sender == "org.freedesktop.DBus" {
				go t.serverAppeared(conn, owner) // shows, which needs the lock listen must not hold up
			}
			continue
		}
		if len(sig.Body) < 2 {
			continue
		}
		id, _ := sig.Body[0].(uint32)
		t.mu.Lock()
		m, ok := t.msgs[id]
		if conn != t.conn || sig.Sender != t.owner {
			ok = false
		}
		switch sig.Name {
		case fdoIface + ".ActionInvoked":
			key, _ := sig.Body[1].(string)
			ok = ok && m.action != noAction && (key == "default" || key == actionKey(m))
			if ok {
				// One click, one sign-in. The id stays, so the
				// confirmation still replaces a resident bubble.
				consumed := m
				consumed.action = noAction
				t.msgs[id] = consumed
			}
		case fdoIface + ".NotificationClosed":
			if ok {
				t.forgetLocked(id, m)
			}
			ok = false
		default:
			ok = false
		}
		t.mu.Unlock()
		if ok {
			t.onAction(m)
		}
	}
}

// nameOwnerChange reads NameOwnerChanged(name, old, new).
func nameOwnerChange(sig *dbus.Signal) (name, owner string) {
	if len(sig.Body) != 3 {
		return "", ""
	}
	name, _ = sig.Body[0].(string)
	owner, _ = sig.Body[2].(string)
	return name, owner
}

func (t *dbusTransport) forgetLocked(id uint32, m message) {
	delete(t.msgs, id)
	if t.ids[m.key] == id {
		delete(t.ids, m.key)
	}
}

func (t *dbusTransport) close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.closed = true
	if t.conn == nil {
		return nil
	}
	err := t.conn.Close()
	t.conn = nil
	return err
}
