package notify

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/prop"

	"github.com/ssokeeper/ssokeeper/internal/dbustest"
	"github.com/ssokeeper/ssokeeper/internal/sessionbus"
	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/health"
)

// fakeDesktop is a stand-in logind (on a private "system" bus) and a
// stand-in screensaver (on the private session bus).
type fakeDesktop struct {
	system  *dbustest.Bus
	session *prop.Properties // the logind session's properties
	saver   *dbus.Conn
	active  bool
}

const fakeSessionPath = dbus.ObjectPath("/org/freedesktop/login1/session/_42")

type fakeLogind struct{}

func (fakeLogind) GetSession(id string) (dbus.ObjectPath, *dbus.Error) { return fakeSessionPath, nil }
func (fakeLogind) GetSessionByPID(pid uint32) (dbus.ObjectPath, *dbus.Error) {
	return fakeSessionPath, nil
}

type fakeSaver struct{ d *fakeDesktop }

func (s fakeSaver) GetActive() (bool, *dbus.Error) { return s.d.active, nil }

// startDesktop starts both buses and both stand-ins, the screen unlocked.
func startDesktop(t *testing.T) *fakeDesktop {
	t.Helper()
	system := dbustest.Start(t)
	dbustest.Start(t) // the session bus: DBUS_SESSION_BUS_ADDRESS points here now
	t.Setenv("DBUS_SYSTEM_BUS_ADDRESS", system.Addr)

	sys, err := dbus.Connect(system.Addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sys.Close() })
	d := &fakeDesktop{system: system}
	if err := sys.Export(fakeLogind{}, logindPath, logindManager); err != nil {
		t.Fatal(err)
	}
	d.session, err = prop.Export(sys, fakeSessionPath, prop.Map{
		logindSession: {"LockedHint": {Value: false, Writable: true, Emit: prop.EmitTrue}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if r, err := sys.RequestName(logindName, dbus.NameFlagDoNotQueue); err != nil || r != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("fake logind: %v %v", r, err)
	}

	d.saver, err = sessionbus.Dial()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.saver.Close() })
	if err := d.saver.Export(fakeSaver{d}, saverPath, saverName); err != nil {
		t.Fatal(err)
	}
	if r, err := d.saver.RequestName(saverName, dbus.NameFlagDoNotQueue); err != nil || r != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("fake screensaver: %v %v", r, err)
	}
	return d
}

func (d *fakeDesktop) lock(on bool) { d.session.SetMust(logindSession, "LockedHint", on) }

func (d *fakeDesktop) screensaver(t *testing.T, on bool) {
	t.Helper()
	d.active = on
	if err := d.saver.Emit(saverPath, saverName+".ActiveChanged", on); err != nil {
		t.Fatal(err)
	}
}

// awaitAway waits until p reports away == want.
func awaitAway(t *testing.T, p Presence, want bool) {
	t.Helper()
	deadline := time.After(wait)
	for p.Away() != want {
		select {
		case <-p.Changes():
		case <-deadline:
			t.Fatalf("Away() stayed %v", !want)
		}
	}
}

func watch(t *testing.T) Presence {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	p := WatchPresence(ctx, slog.New(slog.DiscardHandler))
	if p == nil {
		t.Fatal("WatchPresence found neither logind nor a session bus")
	}
	return p
}

func TestPresenceFollowsLogindAndScreenSaver(t *testing.T) {
	d := startDesktop(t)
	d.lock(true) // already locked when the agent starts
	p := watch(t)
	if !p.Away() {
		t.Fatal("LockedHint is true, yet not away")
	}
	d.lock(false)
	awaitAway(t, p, false)
	d.screensaver(t, true)
	awaitAway(t, p, true)
	d.screensaver(t, false)
	awaitAway(t, p, false)
	d.lock(true)
	awaitAway(t, p, true)
	d.lock(false)
	awaitAway(t, p, false)
}

// TestPresenceForgetsALockWhoseBusIsGone: logind's bus goes away while
// the screen is locked; nobody can report the unlock any more, so the
// held notifications must not wait for it forever.
func TestPresenceForgetsALockWhoseBusIsGone(t *testing.T) {
	d := startDesktop(t)
	d.lock(true)
	p := watch(t)
	awaitAway(t, p, true)
	d.system.Stop()
	awaitAway(t, p, false)
}

func TestLockedHintOnlyFromLogind(t *testing.T) {
	const owner = ":1.7"
	changed := func(sender string, path dbus.ObjectPath, iface string, props map[string]dbus.Variant, inv []string) *dbus.Signal {
		return &dbus.Signal{Sender: sender, Path: path, Name: propsIface + ".PropertiesChanged",
			Body: []any{iface, props, inv}}
	}
	locked := map[string]dbus.Variant{"LockedHint": dbus.MakeVariant(true)}
	for _, tt := range []struct {
		name                  string
		sig                   *dbus.Signal
		locked, known, reread bool
	}{
		{"logind locks", changed(owner, fakeSessionPath, logindSession, locked, nil), true, true, false},
		{"logind unlocks", changed(owner, fakeSessionPath, logindSession, map[string]dbus.Variant{"LockedHint": dbus.MakeVariant(false)}, nil), false, true, false},
		{"another peer", changed(":1.99", fakeSessionPath, logindSession, locked, nil), false, false, false},
		{"another session", changed(owner, "/org/freedesktop/login1/session/_7", logindSession, locked, nil), false, false, false},
		{"another interface", changed(owner, fakeSessionPath, "org.example.Other", locked, nil), false, false, false},
		{"another property", changed(owner, fakeSessionPath, logindSession, map[string]dbus.Variant{"Active": dbus.MakeVariant(true)}, nil), false, false, false},
		{"invalidated", changed(owner, fakeSessionPath, logindSession, nil, []string{"LockedHint"}), false, false, true},
		{"not a bool", changed(owner, fakeSessionPath, logindSession, map[string]dbus.Variant{"LockedHint": dbus.MakeVariant("yes")}, nil), false, false, false},
		{"short body", &dbus.Signal{Sender: owner, Path: fakeSessionPath, Name: propsIface + ".PropertiesChanged", Body: []any{logindSession}}, false, false, false},
	} {
		l, k, r := lockedHint(tt.sig, owner, fakeSessionPath)
		if l != tt.locked || k != tt.known || r != tt.reread {
			t.Errorf("%s: lockedHint = %v %v %v, want %v %v %v", tt.name, l, k, r, tt.locked, tt.known, tt.reread)
		}
	}
}

// TestNotificationWaitsForUnlock: a sign-in-needed notification raised
// while the screen is locked is shown once, when it is unlocked; one for a
// session repaired meanwhile is not shown at all.
func TestNotificationWaitsForUnlock(t *testing.T) {
	d := startDesktop(t)
	srv := startServer(t, "actions", "body")
	d.lock(true)
	p := watch(t)
	r := run(t, Options{Presence: p})

	r.send(t, changed("work", health.RefreshTokenRevoked))
	r.send(t, changed("home", health.SSOSessionExpired))
	r.send(t, retrying("work"))
	r.send(t, changed("work", health.RefreshTokenRevoked))
	r.send(t, changed("aws", health.RefreshTokenExpired))
	r.send(t, healthy("aws")) // repaired behind the lock (a terminal, a retry)
	r.send(t, changed("office", health.RefreshTokenExpired))
	r.send(t, loggedIn("office"))                          // signed in over SSH: no "signed in" for a bubble never shown
	r.send(t, changed("last", health.InteractionRequired)) // held last: shown last
	r.send(t)                                              // Run handled everything above
	select {
	case c := <-srv.calls:
		t.Fatalf("shown behind the lock screen: %+v", c)
	default:
	}

	d.lock(false)
	// Released in the order held, so everything shown comes before "last".
	var got []string
	for len(got) == 0 || !strings.HasPrefix(got[len(got)-1], "last:") {
		got = append(got, srv.call(t).summary)
	}
	want := []string{"work: sign-in needed: refresh token revoked", "home: sign-in needed: SSO session ended",
		"last: " + health.Describe(health.InteractionRequired).Title}
	if !slices.Equal(got, want) {
		t.Errorf("after unlock:\n%q\nwant each once, in order:\n%q", got, want)
	}
	awaitAway(t, p, false)
	r.send(t) // nothing more comes
	select {
	case c := <-srv.calls:
		t.Errorf("a third notification after unlock: %+v", c)
	default:
	}
}

// TestDeviceCodeOpensInTheSessionsBrowser: Open on a device-code bubble
// goes to the session's own browser when the agent gives one.
func TestDeviceCodeOpensInTheSessionsBrowser(t *testing.T) {
	startBus(t)
	srv := startServer(t, "actions")
	opened := make(chan string, 1)
	r := run(t, Options{
		OpenURL:    func(u string) error { t.Errorf("opened %q in the default browser", u); return nil },
		OpenURLFor: func(name, u string) error { opened <- name + " " + u; return nil },
	})
	dc := &session.DeviceCode{UserCode: "ABCD-EFGH", VerificationURI: "https://id.example.com/device"}
	r.send(t, session.Event{Kind: session.DeviceCodeShown, Session: "personal", DeviceCode: dc})
	srv.click(t, srv.call(t).id, "open")
	select {
	case got := <-opened:
		if got != "personal https://id.example.com/device" {
			t.Errorf("opened %q", got)
		}
	case <-time.After(wait):
		t.Fatal("Open did not open the page")
	}
}
