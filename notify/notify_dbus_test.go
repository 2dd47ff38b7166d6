//go:build linux || freebsd || openbsd || netbsd || dragonfly

package notify

import (
	"bytes"
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/clock"
	"github.com/ssokeeper/ssokeeper/session/health"
)

// fakeActions records sign-ins in the order they were asked for.
type fakeActions struct{ logins chan string }

func newActions() *fakeActions        { return &fakeActions{logins: make(chan string, 16)} }
func (a *fakeActions) Login(n string) { a.logins <- n }

func (a *fakeActions) want(t *testing.T, names ...string) {
	t.Helper()
	for _, n := range names {
		select {
		case got := <-a.logins:
			if got != n {
				t.Fatalf("Login(%q), want Login(%q)", got, n)
			}
		case <-time.After(wait):
			t.Fatalf("Login(%q) was never called", n)
		}
	}
}

// syncLog is a log buffer safe to read while the notifier writes.
type syncLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *syncLog) Write(p []byte) (int, error) { l.mu.Lock(); defer l.mu.Unlock(); return l.b.Write(p) }
func (l *syncLog) String() string              { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// running is a Notifier in Run, fed by the test.
type running struct {
	n       *Notifier
	updates chan session.Update
	actions *fakeActions
	done    chan struct{}
	log     *syncLog
	states  map[string]session.Status // for the snapshots send makes
	order   []string                  // sessions in first-seen order, as a config lists them
}

func run(t *testing.T, opts Options) *running {
	t.Helper()
	r := &running{updates: make(chan session.Update), actions: newActions(), done: make(chan struct{}), log: &syncLog{},
		states: map[string]session.Status{}}
	if opts.GroupWindow == 0 {
		opts.GroupWindow = -1 // group per Update unless the test times a window
	}
	opts.Logger = slog.New(slog.NewTextHandler(r.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	n, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	r.n = n
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		defer close(r.done)
		n.Run(ctx, r.updates, r.actions)
	}()
	t.Cleanup(func() {
		cancel()
		<-r.done
		n.Close()
	})
	return r
}

// send hands an update to Run, with a snapshot that holds every session
// the test has mentioned, as the manager's does. The next send returns
// only once Run has handled this one, since the channel is unbuffered.
func (r *running) send(t *testing.T, events ...session.Event) {
	t.Helper()
	for _, ev := range events {
		st := ev.Status
		st.Name = ev.Session
		if ev.Kind == session.StateChanged {
			st.State = ev.To
		} else if _, ok := r.states[ev.Session]; ok {
			continue
		}
		if st.State == "" {
			st.State = health.Healthy
		}
		if _, seen := r.states[ev.Session]; !seen {
			r.order = append(r.order, ev.Session)
		}
		r.states[ev.Session] = st
	}
	// The manager's snapshots list sessions in configuration order: keep
	// one fixed order here too (a map's would change from run to run).
	var snap session.Snapshot
	for _, name := range r.order {
		snap.Sessions = append(snap.Sessions, r.states[name])
	}
	r.sendSnap(t, snap, events...)
}

func (r *running) sendSnap(t *testing.T, snap session.Snapshot, events ...session.Event) {
	t.Helper()
	select {
	case r.updates <- session.Update{Snapshot: snap, Events: events}:
	case <-time.After(wait):
		t.Fatal("Run does not take updates")
	}
}

func snapshot(states map[string]health.State) session.Snapshot {
	var s session.Snapshot
	for n, st := range states {
		s.Sessions = append(s.Sessions, session.Status{Name: n, State: st})
	}
	return s
}

func TestSignInFromNotification(t *testing.T) {
	startBus(t)
	srv := startServer(t, "actions", "body")
	r := run(t, Options{IconPath: "/usr/share/icons/ssokeeper.png"})

	r.send(t, changed("work", health.RefreshTokenRevoked))
	c := srv.call(t)
	if c.summary != "work: sign-in needed: refresh token revoked" || c.app != "ssokeeper" || c.icon != "/usr/share/icons/ssokeeper.png" || c.replaces != 0 {
		t.Errorf("got %+v", c)
	}
	if !strings.Contains(c.body, health.Describe(health.RefreshTokenRevoked).Fix) {
		t.Errorf("body lacks the fix: %q", c.body)
	}
	if want := []string{"default", "", "signin", "Sign in"}; !slices.Equal(c.actions, want) {
		t.Errorf("actions %q, want %q", c.actions, want)
	}
	if c.hints["urgency"].Value() != byte(normal) || c.hints["desktop-entry"].Value() != desktopEntry {
		t.Errorf("hints %v", c.hints)
	}
	srv.click(t, c.id, "signin")
	r.actions.want(t, "work")

	// Retries of the same incident stay quiet; the next bubble is the
	// confirmation, and it replaces the failure bubble.
	r.send(t, retrying("work"))
	r.send(t, changed("work", health.RefreshTokenRevoked))
	r.send(t, healthy("work"), loggedIn("work"))
	ok := srv.call(t)
	if ok.summary != "work: signed in" || ok.replaces != c.id || len(ok.actions) != 0 {
		t.Errorf("confirmation %+v, want one replacing %d without actions", ok, c.id)
	}
}

func TestGroupedSignIn(t *testing.T) {
	startBus(t)
	srv := startServer(t, "actions", "body")
	r := run(t, Options{})

	r.send(t, changed("work", health.RefreshTokenRevoked), changed("aws-prod", health.SSOSessionExpired),
		changed("git", health.RefreshTokenExpired), changed("kube", health.RefreshTokenInvalid))
	c := srv.call(t)
	if c.summary != "4 sessions need sign-in: work, aws-prod, git, kube" {
		t.Errorf("summary %q", c.summary)
	}
	// kube was repaired elsewhere before the click: it is skipped.
	r.sendSnap(t, snapshot(map[string]health.State{"work": health.NeedsLogin, "aws-prod": health.NeedsLogin, "git": health.Expired, "kube": health.Healthy}))
	r.sendSnap(t, snapshot(map[string]health.State{"work": health.NeedsLogin, "aws-prod": health.NeedsLogin, "git": health.Expired, "kube": health.Healthy}))
	srv.click(t, c.id, "default")
	r.actions.want(t, "work", "aws-prod", "git")

	// A second click on the same bubble does nothing; a click on another
	// one works, so Login's next call tells which clicks counted.
	srv.click(t, c.id, "signin")
	srv.closed(t, c.id)
	r.send(t, changed("solo", health.RefreshTokenRevoked))
	solo := srv.call(t)
	srv.click(t, solo.id, "signin")
	r.actions.want(t, "solo")
}

func TestClosedNotificationIgnoresClicks(t *testing.T) {
	startBus(t)
	srv := startServer(t, "actions")
	r := run(t, Options{})

	r.send(t, changed("a", health.RefreshTokenRevoked))
	a := srv.call(t)
	r.send(t, changed("b", health.ClientMisconfigured))
	b := srv.call(t)
	if len(b.actions) != 0 || !strings.Contains(b.body, "client_id") {
		t.Errorf("config error: actions %q body %q", b.actions, b.body)
	}
	r.send(t, changed("c", health.RefreshTokenRevoked))
	c := srv.call(t)
	srv.closed(t, a.id)
	srv.click(t, a.id, "signin")  // closed: ignored
	srv.click(t, b.id, "default") // no action: ignored
	srv.click(t, c.id, "bogus")   // unknown key: ignored
	srv.click(t, c.id, "signin")
	r.actions.want(t, "c")
}

func TestNoActionsCapability(t *testing.T) {
	startBus(t)
	srv := startServer(t, "body", "body-markup")
	r := run(t, Options{AppName: "ssokeeper-test"})

	ev := changed("work", health.RefreshTokenRevoked)
	ev.Status.Detail = "AADSTS50173: grant <revoked> & gone"
	r.send(t, ev)
	c := srv.call(t)
	if len(c.actions) != 0 {
		t.Errorf("actions %q offered to a server without them", c.actions)
	}
	if !strings.HasSuffix(c.body, "Click the ssokeeper-test icon to sign in.") {
		t.Errorf("body lacks the tray hint: %q", c.body)
	}
	if !strings.Contains(c.body, "grant &lt;revoked&gt; &amp; gone") {
		t.Errorf("body not escaped for markup: %q", c.body)
	}
}

func TestEndingSoonAndDeviceCode(t *testing.T) {
	startBus(t)
	srv := startServer(t, "actions")
	opened := make(chan string, 1)
	r := run(t, Options{OpenURL: func(u string) error { opened <- u; return nil }})

	r.send(t, endingSoon("work", 15*time.Minute))
	c := srv.call(t)
	if c.summary != "work: session ends in 15 min" {
		t.Errorf("summary %q", c.summary)
	}
	srv.click(t, c.id, "signin")
	r.actions.want(t, "work") // healthy, but its end is near

	dc := &session.DeviceCode{UserCode: "ABCD-EFGH", VerificationURI: "https://id.example.com/device",
		VerificationURIComplete: "https://id.example.com/device?code=ABCD-EFGH"}
	r.send(t, session.Event{Kind: session.DeviceCodeShown, Session: "work", DeviceCode: dc})
	d := srv.call(t)
	if !strings.Contains(d.body, "Enter code ABCD-EFGH at https://id.example.com/device") || !slices.Contains(d.actions, "open") {
		t.Errorf("device code bubble %+v", d)
	}
	srv.click(t, d.id, "open")
	select {
	case u := <-opened:
		if u != dc.VerificationURIComplete {
			t.Errorf("opened %q", u)
		}
	case <-time.After(wait):
		t.Fatal("Open did not open the page")
	}
}

func TestGroupingWindow(t *testing.T) {
	startBus(t)
	srv := startServer(t, "actions")
	clk := clock.NewFake(t0)
	clk.TimerSet = make(chan time.Duration, 4)
	r := run(t, Options{Clock: clk, GroupWindow: 2 * time.Second})

	r.send(t, changed("work", health.RefreshTokenRevoked))
	select {
	case <-clk.TimerSet:
	case <-time.After(wait):
		t.Fatal("no grouping window started")
	}
	select {
	case c := <-srv.calls:
		t.Fatalf("shown before the window ended: %q", c.summary)
	default:
	}
	r.send(t, changed("git", health.RefreshTokenExpired))
	r.send(t) // Run has handled git once it takes this one
	clk.Advance(2 * time.Second)
	if c := srv.call(t); c.summary != "2 sessions need sign-in: work, git" {
		t.Errorf("summary %q", c.summary)
	}
}

func TestServerAbsent(t *testing.T) {
	startBus(t)
	r := run(t, Options{})
	err := r.n.Notice("no tray host", "running without an icon")
	if err == nil || !strings.Contains(err.Error(), "org.freedesktop.Notifications") {
		t.Fatalf("Notice without a server: %v", err)
	}
	r.send(t, changed("work", health.RefreshTokenRevoked))
	close(r.updates)
	<-r.done
	if !strings.Contains(r.log.String(), "desktop notification not shown") {
		t.Errorf("the failure was not logged: %s", r.log.String())
	}
}

func TestNoSessionBus(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/ssokeeper-test-bus")
	var log syncLog
	n, err := New(Options{Logger: slog.New(slog.NewTextHandler(&log, nil))})
	if err == nil || !strings.Contains(err.Error(), "no D-Bus session bus") {
		t.Fatalf("New without a bus: err %v", err)
	}
	if err := n.Notice("hello", "world"); err != nil {
		t.Errorf("Notice on the log fallback: %v", err)
	}
	if !strings.Contains(log.String(), "hello") {
		t.Errorf("notice not logged: %s", log.String())
	}
}

func TestReconnect(t *testing.T) {
	bus := startBus(t)
	srv := startServer(t, "actions")
	r := run(t, Options{})
	if err := r.n.Notice("one", ""); err != nil {
		t.Fatal(err)
	}
	srv.call(t)

	bus.Restart() // the session bus restarts, at the same address
	srv = startServer(t, "actions")
	if err := r.n.Notice("two", ""); err != nil {
		t.Fatalf("Notice after the bus restarted: %v", err)
	}
	if c := srv.call(t); c.summary != "two" {
		t.Errorf("summary %q", c.summary)
	}
	// Clicks still arrive on the new connection.
	r.send(t, changed("work", health.RefreshTokenRevoked))
	c := srv.call(t)
	srv.click(t, c.id, "signin")
	r.actions.want(t, "work")
}

// TestClicksOnlyFromTheServer: any program on the bus can send signals;
// only the notification server's count.
func TestClicksOnlyFromTheServer(t *testing.T) {
	startBus(t)
	srv := startServer(t, "actions")
	r := run(t, Options{})
	r.send(t, changed("a", health.RefreshTokenRevoked))
	a := srv.call(t)

	impostor, err := dbus.SessionBusPrivateNoAutoStartup()
	if err == nil {
		if err = impostor.Auth(nil); err == nil {
			err = impostor.Hello()
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	defer impostor.Close()
	if err := impostor.Emit(fdoPath, fdoIface+".ActionInvoked", a.id, "signin"); err != nil {
		t.Fatal(err)
	}
	// A signal addressed to the notifier passes any match rule.
	to := r.n.tr.(*dbusTransport).conn.Names()[0]
	sig := &dbus.Message{Type: dbus.TypeSignal, Headers: map[dbus.HeaderField]dbus.Variant{
		dbus.FieldPath:        dbus.MakeVariant(fdoPath),
		dbus.FieldInterface:   dbus.MakeVariant(fdoIface),
		dbus.FieldMember:      dbus.MakeVariant("ActionInvoked"),
		dbus.FieldDestination: dbus.MakeVariant(to),
		dbus.FieldSignature:   dbus.MakeVariant(dbus.SignatureOf(a.id, "")),
	}, Body: []any{a.id, "signin"}}
	if call := impostor.Send(sig, nil); call.Err != nil {
		t.Fatal(call.Err)
	}
	// A round trip: the bus has routed the impostor's signals before it
	// answers, so they reach the notifier before the server's click.
	var id string
	if err := impostor.BusObject().Call("org.freedesktop.DBus.GetId", 0).Store(&id); err != nil {
		t.Fatal(err)
	}

	r.send(t, changed("b", health.RefreshTokenRevoked))
	b := srv.call(t)
	srv.click(t, b.id, "signin")
	r.actions.want(t, "b")
}
