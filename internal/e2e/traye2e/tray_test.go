//go:build linux

package traye2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/ssokeeper/ssokeeper/assets"
	"github.com/ssokeeper/ssokeeper/internal/agent"
	"github.com/ssokeeper/ssokeeper/internal/cli"
	"github.com/ssokeeper/ssokeeper/internal/dbustest"
	"github.com/ssokeeper/ssokeeper/internal/testidp"
	"github.com/ssokeeper/ssokeeper/internal/testkit"
	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/health"
	"github.com/ssokeeper/ssokeeper/session/store"
	"github.com/ssokeeper/ssokeeper/tray/traytest"
)

const wait = 15 * time.Second

// trayStarted: systray has run in this process.
var trayStarted atomic.Bool

func TestMain(m *testing.M) {
	testidp.RunAsBrowser() // exits here when this binary is $BROWSER
	os.Exit(m.Run())
}

// TestSignInFromTray: the IdP revokes the refresh token and a refresh
// fails; the tray shows the session needs sign-in with the action icon;
// a click on its "Sign in" opens the browser once, and the tray is back
// to OK.
func TestSignInFromTray(t *testing.T) {
	if raceDetector {
		t.Skip("fyne.io/systray races with its own D-Bus handlers; run this test without -race")
	}
	if trayStarted.Swap(true) {
		t.Skip("the tray starts once per process (fyne.io/systray); this test ran already (-count > 1)")
	}
	conn := privateBus(t)
	host, err := traytest.StartWatcher(conn)
	if err != nil {
		t.Fatal(err)
	}
	idp := testidp.Start(t, testidp.Options{AccessTokenLifetime: time.Hour})
	opened := idp.UseBrowser(t)
	setUp(t, idp)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr testkit.LogBuffer
	exited := make(chan int, 1)
	go func() {
		env := &cli.Env{Stdin: strings.NewReader(""), Stdout: &bytes.Buffer{}, Stderr: &stderr, Version: "e2e"}
		exited <- cli.RunAgent(ctx, env, &cli.Globals{}, agent.Options{Secrets: store.NewMemory()}, true)
	}()
	select {
	case <-host.Registered(): // the agent serves its socket before the tray starts
	case code := <-exited:
		t.Fatalf("the agent stopped (exit %d): %s", code, stderr.String())
	case <-time.After(wait):
		t.Fatalf("the tray never registered with the tray host: %s", stderr.String())
	}
	it := traytest.Item{Conn: conn, Dest: traytest.ItemName(os.Getpid())}
	sigs, stop, err := it.Signals()
	if err != nil {
		t.Fatal(err)
	}
	defer stop()

	if res := runCLI("login", "work"); res.code != 0 {
		t.Fatalf("login: %s", res)
	}
	healthy := func(l []string) bool { return has(l, "work — OK") }
	waitTray(t, it, sigs, "work OK", assets.OK, healthy)

	idp.RevokeAll()
	if res := runCLI("refresh", "work"); res.code != 1 {
		t.Fatalf("refresh of a revoked session: %s", res)
	}
	// The menu names the reason the agent diagnosed (the test IdP's
	// invalid_grant states no cause) and offers Sign in.
	var snap session.Snapshot
	res := runCLI("status", "--json")
	if err := json.Unmarshal([]byte(res.stdout), &snap); err != nil || len(snap.Sessions) != 1 ||
		snap.Sessions[0].State != health.NeedsLogin {
		t.Fatalf("status --json (%v): %s", err, res.stdout)
	}
	label := "work — " + health.Describe(snap.Sessions[0].Reason).Title
	broken := func(l []string) bool { return slices.Contains(l, label) && slices.Contains(l, ">Sign in") }
	waitTray(t, it, sigs, fmt.Sprintf("%q with Sign in", label), assets.Action, broken)

	before := len(opened())
	if err := it.Click("work —", "Sign in"); err != nil {
		t.Fatal(err)
	}
	waitTray(t, it, sigs, "work OK after the click", assets.OK, healthy)
	if n := len(opened()) - before; n != 1 {
		t.Errorf("the click opened the browser %d times, want 1", n)
	}

	cancel()
	select {
	case code := <-exited:
		if code != 0 {
			t.Errorf("RunAgent returned %d, want 0", code)
		}
	case <-time.After(wait):
		t.Fatal("RunAgent did not return after cancel")
	}
}

// has reports whether a label starts with prefix.
func has(labels []string, prefix string) bool {
	for _, l := range labels {
		if strings.HasPrefix(l, prefix) {
			return true
		}
	}
	return false
}

// waitTray waits until the menu satisfies ok and the icon is icon,
// reading the item again whenever it signals a change. It returns the
// labels.
func waitTray(t *testing.T, it traytest.Item, sigs <-chan *dbus.Signal, what string, icon assets.Kind, ok func([]string) bool) []string {
	t.Helper()
	want, err := traytest.Pixels(assets.TrayIcon(icon))
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.After(wait)
	var labels []string
	for {
		var root traytest.Node
		root, err = it.Layout()
		labels = root.Labels()
		if err == nil && ok(labels) {
			// The tray sets the icon after the menu: wait for it too.
			if px, err := it.Icon(); err == nil && bytes.Equal(px, want) {
				return labels
			}
		}
		select {
		case <-sigs:
		case <-deadline:
			t.Fatalf("timed out waiting for %s (icon %v; %v); the menu reads:\n%s", what, icon, err, strings.Join(labels, "\n"))
		}
	}
}

// setUp points ssokeeper's configuration, state and socket at temporary
// places, with one session "work" at idp.
func setUp(t *testing.T, idp *testidp.IdP) {
	t.Helper()
	paths := testkit.Isolate(t)
	cfg := paths.Config
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(paths.Dir, "xdg")) // autostart looks here
	text := fmt.Sprintf(`[[session]]
name      = "work"
provider  = "oidc"
issuer    = %q
client_id = %q
scopes    = ["openid", "offline_access", "profile"]
`, idp.Issuer(), idp.ClientID())
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d, stderr %q", r.code, r.stderr)
}

func runCLI(args ...string) result {
	var out, errb bytes.Buffer
	code := cli.Main(args, &cli.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Version: "e2e"})
	return result{out.String(), errb.String(), code}
}

// privateBus starts a dbus-daemon of the test's own, points
// DBUS_SESSION_BUS_ADDRESS at it and connects to it.
func privateBus(t *testing.T) *dbus.Conn { return dbustest.Start(t).Connect() }
