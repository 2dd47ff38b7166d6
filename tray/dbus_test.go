//go:build linux

package tray

import (
	"bytes"
	"context"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/ssokeeper/ssokeeper/assets"
	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/clock"
	"github.com/ssokeeper/ssokeeper/session/health"
	"github.com/ssokeeper/ssokeeper/tray/traytest"
)

// fakeBackend records intents and lets the test push updates.
type fakeBackend struct {
	mu      sync.Mutex
	snap    session.Snapshot
	updates chan session.Update
	intents chan string
}

func newFakeBackend(s session.Snapshot) *fakeBackend {
	return &fakeBackend{snap: s, updates: make(chan session.Update, 8), intents: make(chan string, 16)}
}

func (f *fakeBackend) Subscribe() (<-chan session.Update, func()) { return f.updates, func() {} }
func (f *fakeBackend) Snapshot() session.Snapshot {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.snap
}
func (f *fakeBackend) Login(n string)   { f.intents <- "login " + n }
func (f *fakeBackend) Refresh(n string) { f.intents <- "refresh " + n }
func (f *fakeBackend) Logout(n string)  { f.intents <- "logout " + n }
func (f *fakeBackend) RefreshAll()      { f.intents <- "refresh-all" }

func (f *fakeBackend) push(s session.Snapshot) {
	f.mu.Lock()
	f.snap = s
	f.mu.Unlock()
	f.updates <- session.Update{Snapshot: s}
}

type fakeAutostart struct {
	mu sync.Mutex
	on bool
}

func (a *fakeAutostart) Enabled() (bool, error) { a.mu.Lock(); defer a.mu.Unlock(); return a.on, nil }
func (a *fakeAutostart) SetEnabled(on bool) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.on = on
	return nil
}

// item is the exported tray icon, read and clicked as a host does
// (traytest), with test-failing helpers.
type item struct{ traytest.Item }

func (it item) layout(t *testing.T) traytest.Node {
	t.Helper()
	n, err := it.Layout()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// waitFor polls the bus until ok holds: systray updates asynchronously.
func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !ok() {
		select {
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		case <-tick.C:
		}
	}
}

func (it item) waitMenu(t *testing.T, what string, ok func(labels []string, root traytest.Node) bool) traytest.Node {
	t.Helper()
	var root traytest.Node
	var err error
	deadline := time.After(5 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		root, err = it.Layout() // the item may not be exported yet
		if err == nil && ok(root.Labels(), root) {
			return root
		}
		select {
		case <-deadline:
			t.Fatalf("timed out waiting for %s (%v); the menu reads:\n%s", what, err, strings.Join(root.Labels(), "\n"))
		case <-tick.C:
		}
	}
}

// click clicks the entry at path; root is the layout the test just
// checked (the click reads the menu again, as a host does).
func (it item) click(t *testing.T, _ traytest.Node, path ...string) {
	t.Helper()
	if err := it.Click(path...); err != nil {
		t.Fatal(err)
	}
}

func (it item) prop(t *testing.T, name string) dbus.Variant {
	t.Helper()
	v, err := it.Conn.Object(it.Dest, "/StatusNotifierItem").GetProperty("org.kde.StatusNotifierItem." + name)
	if err != nil {
		t.Fatalf("property %s: %v", name, err)
	}
	return v
}

func (it item) iconIs(t *testing.T, k assets.Kind) bool {
	t.Helper()
	got, err := it.Icon()
	if err != nil {
		t.Fatal(err)
	}
	want, err := traytest.Pixels(assets.TrayIcon(k))
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Equal(got, want)
}

func (it item) tooltip(t *testing.T) string {
	t.Helper()
	tip, err := it.Tooltip()
	if err != nil {
		t.Fatal(err)
	}
	return tip
}

func expectIntent(t *testing.T, b *fakeBackend, want string) {
	t.Helper()
	select {
	case got := <-b.intents:
		if got != want {
			t.Fatalf("backend got %q, want %q", got, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("backend never got %q", want)
	}
}

func contains(labels []string, want ...string) bool {
	for _, w := range want {
		found := false
		for _, l := range labels {
			found = found || l == w
		}
		if !found {
			return false
		}
	}
	return true
}

func sessionCount(labels []string) int {
	n := 0
	for _, l := range labels {
		if strings.Contains(l, " — ") && !strings.HasPrefix(l, ">") {
			n++
		}
	}
	return n
}

// The tray runs once per process (systray's globals), so one test walks
// through everything in order, talking to it over the real session bus
// exactly as a tray host does.
// trayRan: systray's state is global, so Run works once per test binary.
var trayRan atomic.Bool

func TestTrayOverDBus(t *testing.T) {
	if raceDetector {
		t.Skip("fyne.io/systray races with its own D-Bus handlers; run this test without -race")
	}
	if trayRan.Swap(true) {
		t.Skip("the tray starts once per process (fyne.io/systray); this test ran already (-count > 1)")
	}
	// systray connects with dbus.SessionBus(), which follows the address.
	conn, err := dbus.Connect(privateSessionBus(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	fc := clock.NewFake(now)
	fc.TimerSet = make(chan time.Duration, 100)
	next := func(d time.Duration) *time.Time { t := fc.Now().Add(d); return &t }
	work := failing("work", health.RefreshTokenRevoked)
	home := session.Status{Name: "home", State: health.Healthy, NextRefresh: next(12 * time.Minute)}
	b := newFakeBackend(session.Snapshot{Sessions: []session.Status{work, home}})
	as := &fakeAutostart{}
	opened := make(chan string, 4)
	quit := make(chan struct{})
	opts := Options{
		ConfigPath: "/cfg/config.toml", LogPath: "/state/ssokeeper.log",
		Open:      func(p string) error { opened <- p; return nil },
		Autostart: as,
		Quit:      func() { close(quit) },
		Clock:     fc,
	}
	ran := make(chan error, 1)
	go func() { ran <- Run(context.Background(), b, opts) }()

	it := item{traytest.Item{Conn: conn, Dest: traytest.ItemName(os.Getpid())}}
	root := it.waitMenu(t, "the first snapshot in the menu", func(l []string, _ traytest.Node) bool {
		return contains(l, "work — sign-in needed: refresh token revoked", "home — OK, refreshes in 12 min",
			">Sign in", ">Sign out", ">Fix: Sign in again; if this keeps happening, ask your IT",
			"Refresh all", "Start at login", "Open configuration", "Open log", "Quit")
	})
	if !it.iconIs(t, assets.Action) {
		t.Error("icon is not the action-needed icon")
	}
	if tip := it.tooltip(t); tip != "work: sign-in needed; 1 other OK" {
		t.Errorf("tooltip %q", tip)
	}
	if v := it.prop(t, "ItemIsMenu").Value(); v != false {
		t.Errorf("ItemIsMenu = %v: a click must reach the tray, not open the menu", v)
	}

	t.Run("click Sign in", func(t *testing.T) {
		it.click(t, root, "work —", "Sign in")
		expectIntent(t, b, "login work")
		it.click(t, root, "home —", "Refresh now")
		expectIntent(t, b, "refresh home")
		it.click(t, root, "home —", "Sign out")
		expectIntent(t, b, "logout home")
		it.click(t, root, "Refresh all")
		expectIntent(t, b, "refresh-all")
	})

	t.Run("click on the icon signs in who needs it", func(t *testing.T) {
		aws := failing("aws", health.SessionEnded)
		b.push(session.Snapshot{Sessions: []session.Status{work, home, aws}})
		it.waitMenu(t, "three sessions", func(l []string, _ traytest.Node) bool { return contains(l, "aws — session ended") })
		if err := it.Activate(); err != nil {
			t.Fatal(err)
		}
		expectIntent(t, b, "login work")
		expectIntent(t, b, "login aws")
	})

	t.Run("Sign in to all that need it", func(t *testing.T) {
		root := it.waitMenu(t, "the sign-in-all item", func(l []string, _ traytest.Node) bool {
			return contains(l, "Sign in to all that need it (2)")
		})
		it.click(t, root, "Sign in to all that need it (2)")
		expectIntent(t, b, "login work")
		expectIntent(t, b, "login aws")
	})

	t.Run("icon and labels follow health", func(t *testing.T) {
		ok := session.Status{Name: "work", State: health.Healthy, NextRefresh: next(30 * time.Minute)}
		b.push(session.Snapshot{Sessions: []session.Status{ok, home}})
		it.waitMenu(t, "work healthy", func(l []string, _ traytest.Node) bool {
			return contains(l, "work — OK, refreshes in 30 min") && sessionCount(l) == 2
		})
		// The tray sets the icon before the tooltip; reading the icon only
		// once the tooltip changed avoids a data race inside systray.
		waitFor(t, "the OK tooltip", func() bool { return it.tooltip(t) == "2 sessions OK" })
		if !it.iconIs(t, assets.OK) {
			t.Error("icon is not the OK icon")
		}

		// With nobody to sign in, a click on the icon starts nothing: the
		// next intent the backend sees is the one clicked after it.
		if err := it.Activate(); err != nil {
			t.Fatal(err)
		}
		it.click(t, it.layout(t), "Refresh all")
		expectIntent(t, b, "refresh-all")

		retry := failing("work", health.IdPUnreachable)
		retry.NextRefresh = next(40 * time.Second)
		b.push(session.Snapshot{Sessions: []session.Status{retry, home}})
		waitFor(t, "the retrying tooltip", func() bool { return it.tooltip(t) == "work: retrying; 1 other OK" })
		if !it.iconIs(t, assets.Attention) {
			t.Error("icon is not the attention icon")
		}
	})

	t.Run("sessions added and removed leave no stale items", func(t *testing.T) {
		var many []session.Status
		for _, n := range []string{"a", "b", "c", "d", "e"} {
			many = append(many, session.Status{Name: n, State: health.Healthy, NextRefresh: next(time.Hour)})
		}
		b.push(session.Snapshot{Sessions: many})
		root := it.waitMenu(t, "five sessions", func(l []string, _ traytest.Node) bool {
			// After a rebuild systray serves one level first (for GTK hosts).
			return sessionCount(l) == 5 && contains(l, "e — OK, refreshes in 1 h", ">Sign in")
		})
		labels := root.Labels()
		if labels[len(labels)-1] != "Quit" || strings.Contains(strings.Join(labels, "\n"), "work") {
			t.Errorf("menu after growing:\n%s", strings.Join(labels, "\n"))
		}
		it.click(t, root, "e —", "Sign in")
		expectIntent(t, b, "login e")

		b.push(session.Snapshot{Sessions: many[3:4]})
		root = it.waitMenu(t, "one session", func(l []string, _ traytest.Node) bool { return sessionCount(l) == 1 })
		for _, l := range root.Labels() {
			for _, gone := range []string{"a —", "b —", "c —", "e —"} {
				if strings.HasPrefix(l, gone) {
					t.Errorf("stale item %q", l)
				}
			}
		}
		it.click(t, root, "d —", "Sign in")
		expectIntent(t, b, "login d")

		b.push(session.Snapshot{})
		root = it.waitMenu(t, "no sessions", func(l []string, _ traytest.Node) bool {
			return sessionCount(l) == 1 && contains(l, "No sessions — open configuration")
		})
		waitFor(t, "the no-sessions tooltip", func() bool { return it.tooltip(t) == "No sessions — open configuration" })
		if !it.iconIs(t, assets.NoSessions) {
			t.Error("icon is not the no-sessions icon")
		}
		it.click(t, root, "No sessions")
		if p := <-opened; p != opts.ConfigPath {
			t.Errorf("opened %q", p)
		}
	})

	t.Run("relative times tick", func(t *testing.T) {
		b.push(session.Snapshot{Sessions: []session.Status{home}})
		it.waitMenu(t, "home", func(l []string, _ traytest.Node) bool { return contains(l, "home — OK, refreshes in 12 min") })
		<-fc.TimerSet // the loop has planned its minute tick
		fc.Advance(time.Minute)
		it.waitMenu(t, "a minute later", func(l []string, _ traytest.Node) bool { return contains(l, "home — OK, refreshes in 11 min") })
	})

	t.Run("open files and autostart", func(t *testing.T) {
		root := it.layout(t)
		it.click(t, root, "Open log")
		if p := <-opened; p != opts.LogPath {
			t.Errorf("opened %q", p)
		}
		it.click(t, root, "Start at login")
		waitFor(t, "the checkbox", func() bool {
			n, _ := it.layout(t).Find("Start at login")
			return n.Toggle == 1
		})
		if on, _ := as.Enabled(); !on {
			t.Error("autostart not enabled")
		}
	})

	t.Run("quit", func(t *testing.T) {
		it.click(t, it.layout(t), "Quit")
		select {
		case err := <-ran:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Run did not return after Quit")
		}
		select {
		case <-quit:
		default:
			t.Error("Options.Quit was not called")
		}
		if err := Run(context.Background(), b, opts); err == nil {
			t.Error("a second Run should fail")
		}
	})
}
