//go:build linux

// Package desktop plays a desktop login in the wrong order, and a day of
// restarts, against the real agent binary and real desktop parts.
package desktop

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ssokeeper/ssokeeper/internal/dbustest"
	"github.com/ssokeeper/ssokeeper/internal/testidp"
	"github.com/ssokeeper/ssokeeper/internal/testkit"
)

func TestMain(m *testing.M) {
	testidp.RunAsBrowser() // exits here when this binary is $BROWSER
	code := m.Run()
	testkit.RemoveBinary()
	os.Exit(code)
}

// TestLoginInTheWrongOrder: the agent starts first, before the keyring
// (then locked), the tray host, the notification server and the network;
// later the notification server and the panel restart, and the session
// ends with SIGHUP or the session bus going away. At each step: the icon
// is registered, notifications are delivered, the session is healthy and
// no refresh token is lost (no sign-in beyond the ones clicked).
func TestLoginInTheWrongOrder(t *testing.T) {
	need(t, "dbus-daemon", "gnome-keyring-daemon", "Xvfb", "dunst", "dunstctl", "xfce4-panel")
	bus := dbustest.Start(t) // no service files: nothing starts behind the test's back
	conn := bus.Connect()
	startXvfb(t)
	paths := testkit.Isolate(t)
	dir, cfg, run := paths.Dir, paths.Config, paths.Runtime
	t.Setenv("HOME", dir) // the panel's and dunst's settings
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, ".config"))
	t.Setenv("XDG_RUNTIME_DIR", run)
	idp := testidp.Start(t, testidp.Options{AccessTokenLifetime: time.Hour})
	opened := idp.UseBrowser(t)
	if err := os.WriteFile(cfg, []byte(testkit.SessionTOML("work", idp.Issuer(), idp.ClientID())), 0o600); err != nil {
		t.Fatal(err)
	}
	bin := testkit.Binary(t)
	keyring := dbustest.NewKeyring(t, bus)

	// Yesterday: signed in, with the keyring unlocked and no agent.
	keyring.Start(false)
	if out, err := exec.Command(bin, "login", "work").CombinedOutput(); err != nil {
		t.Fatalf("login: %v %s", err, out)
	}
	keyring.Stop()
	signIns := len(opened())
	var agent *proc
	strict := true // needs_login would mean a lost refresh token
	wantState := func(state, reason string) {
		t.Helper()
		defer func() {
			if t.Failed() && agent != nil {
				t.Logf("agent output:\n%s", agent.out)
				log, _ := os.ReadFile(filepath.Join(dir, "state", "ssokeeper.log"))
				t.Logf("agent log:\n%s", log)
			}
		}()
		waitUntil(t, "work "+state+"/"+reason, func() bool {
			st := status(t, "work")
			if strict && st.State == "needs_login" && state != "needs_login" {
				t.Fatalf("work needs a sign-in (%s): a refresh token was lost", st.Reason)
			}
			return st.State == state && (reason == "*" || st.Reason == reason)
		})
	}

	// This morning, in the wrong order: the agent comes first.
	idp.SetDown(true) //nolint:errcheck // the network is not up yet
	agent = start(t, bin)
	wantState("degraded", "keyring_unavailable")

	keyring.Start(true) // the keyring daemon starts, locked
	panel := startPanel(t, conn)
	waitUntil(t, "the icon to register with the late panel", func() bool { return iconRegistered(conn, agent.cmd.Process.Pid) })
	if st := status(t, "work"); st.Reason != "keyring_unavailable" {
		t.Fatalf("with the keyring locked: %+v", st)
	}

	keyring.Unlock() // the person types the password
	wantState("retrying", "idp_unreachable")

	idp.SetDown(false) //nolint:errcheck // the network comes up
	networkUp(t, bin)
	wantState("healthy", "")

	// An incident while no notification server runs: shown once it comes.
	strict = false // from here on the test revokes the session itself
	idp.RevokeAll()
	exec.Command(bin, "refresh", "work").Run() //nolint:errcheck // fails: revoked
	wantState("needs_login", "refresh_token_revoked")
	waitUntil(t, "the agent to find no notification server", func() bool {
		log, _ := os.ReadFile(filepath.Join(dir, "state", "ssokeeper.log"))
		return strings.Contains(string(log), "desktop notification not shown")
	})
	dunst := startDunst(t, conn, dir)
	waitUntil(t, "the waiting incident to be shown", func() bool { return displayed(t) == 1 })
	if out, err := exec.Command("dunstctl", "action", "0").CombinedOutput(); err != nil {
		t.Fatalf("dunstctl action: %v %s", err, out)
	}
	wantState("healthy", "")
	signIns++
	log, _ := os.ReadFile(filepath.Join(dir, "state", "ssokeeper.log"))
	if !strings.Contains(string(log), "to_show=1") {
		t.Errorf("the waiting incident was not handed to the new server:\n%s", log)
	}
	if n := displayed(t); n > 1 {
		t.Errorf("dunst shows %d notifications, want the incident once (then replaced by the confirmation)", n)
	}

	// The notification server restarts: the next incident reaches the new
	// one, and its Sign in works there.
	dunst.stop()
	dunst = startDunst(t, conn, dir)
	idp.RevokeAll()
	exec.Command(bin, "refresh", "work").Run() //nolint:errcheck
	waitUntil(t, "the incident on the new server", func() bool { return displayed(t) == 1 })
	if out, err := exec.Command("dunstctl", "action", "0").CombinedOutput(); err != nil {
		t.Fatalf("dunstctl action: %v %s", err, out)
	}
	wantState("healthy", "")
	signIns++

	// The panel restarts: the icon comes back.
	stopPanel(t, conn, panel)
	panel = startPanel(t, conn)
	waitUntil(t, "the icon back after a panel restart", func() bool { return iconRegistered(conn, agent.cmd.Process.Pid) })

	strict = true

	// The session ends, by SIGTERM (systemd), SIGHUP, or the session bus
	// going away: each a clean stop, state saved; the next login resumes
	// with the stored refresh token, without a sign-in.
	for _, end := range []struct {
		name string
		do   func()
	}{
		{"SIGTERM", func() { agent.cmd.Process.Signal(syscall.SIGTERM) }}, //nolint:errcheck
		{"SIGHUP", func() { agent.cmd.Process.Signal(syscall.SIGHUP) }},   //nolint:errcheck
		{"the session bus going away", bus.Stop},
	} {
		stopWith(t, agent, end.name, end.do)
		if end.name == "the session bus going away" {
			break
		}
		before := idp.RefreshCount()
		agent = start(t, bin)
		waitUntil(t, "a refresh with the stored token after "+end.name, func() bool { return idp.RefreshCount() > before })
		wantState("healthy", "")
		waitUntil(t, "the icon of the new agent", func() bool { return iconRegistered(conn, agent.cmd.Process.Pid) })
		if n := len(opened()); n != signIns {
			t.Fatalf("after %s the browser was opened %d times, want %d (only for the clicks)", end.name, n, signIns)
		}
	}
}

// networkUp makes the agent see the network come up: a route added on
// loopback (the netlink path, as root); else, as a person would, asks for
// a refresh.
func networkUp(t *testing.T, bin string) {
	t.Helper()
	route := []string{"127.78.0.0/16", "dev", "lo"}
	if os.Geteuid() == 0 && exec.Command("ip", append([]string{"route", "add"}, route...)...).Run() == nil {
		exec.Command("ip", append([]string{"route", "del"}, route...)...).Run() //nolint:errcheck
		return
	}
	exec.Command(bin, "refresh", "work").Run() //nolint:errcheck
}

// stopWith ends the agent by end(), and checks it stops cleanly and soon.
func stopWith(t *testing.T, agent *proc, what string, end func()) {
	t.Helper()
	began := time.Now()
	end()
	select {
	case <-agent.done:
		t.Logf("stopped on %s in %v", what, time.Since(began).Round(time.Millisecond))
	case <-time.After(20 * time.Second):
		t.Fatalf("the agent did not stop on %s: %s", what, agent.out)
	}
	if agent.err != nil {
		t.Fatalf("on %s the agent exited with %v: %s", what, agent.err, agent.out)
	}
	if out := agent.out.String(); strings.Contains(out, "panic") {
		t.Fatalf("the agent panicked:\n%s", out)
	}
}
