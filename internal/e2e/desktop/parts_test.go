//go:build linux

package desktop

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/ssokeeper/ssokeeper/internal/testkit"
)

// wait bounds every wait: long for a loaded 2-core CI machine.
const wait = 60 * time.Second

// need fails (under scripts/test.sh) or skips when a program is missing.
func need(t *testing.T, bins ...string) {
	t.Helper()
	for _, b := range bins {
		if _, err := exec.LookPath(b); err != nil {
			why := fmt.Sprintf("%s not found (Debian packages: dbus gnome-keyring xvfb dunst xfce4-panel)", b)
			testkit.Missing(t, why)
		}
	}
}

// waitUntil polls cond until it holds; the bound only guards a hang.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// proc is a helper process the test starts and stops.
type proc struct {
	cmd  *exec.Cmd
	done chan struct{} // closed once it exited
	err  error
	out  *syncBuf
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func start(t *testing.T, name string, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(name, args...), done: make(chan struct{}), out: &syncBuf{}}
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { p.stop() })
	return p
}

// stop ends the process with SIGTERM (SIGKILL after 10 s).
func (p *proc) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM) //nolint:errcheck
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill() //nolint:errcheck
		<-p.done
	}
}

// startXvfb starts a virtual X display and points DISPLAY at it. Xvfb
// picks a free display number and writes it to fd 3 once it accepts
// clients.
func startXvfb(t *testing.T) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	p := &proc{cmd: exec.Command("Xvfb", "-displayfd", "3", "-nolisten", "tcp", "-screen", "0", "1024x600x24"),
		done: make(chan struct{}), out: &syncBuf{}}
	p.cmd.ExtraFiles = []*os.File{w}
	p.cmd.Stderr = p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(p.stop)
	w.Close()
	display := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(r).ReadString('\n')
		display <- strings.TrimSpace(line)
	}()
	select {
	case d := <-display:
		if d == "" {
			<-p.done
			t.Fatalf("Xvfb exited (%v): %s", p.err, p.out)
		}
		t.Setenv("DISPLAY", ":"+d)
	case <-time.After(wait):
		t.Fatal("Xvfb did not start")
	}
}

// hasOwner says whether a name is owned on the test bus.
func hasOwner(conn *dbus.Conn, name string) bool {
	var has bool
	conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, name).Store(&has) //nolint:errcheck
	return has
}

// startDunst runs a real notification server on the display.
func startDunst(t *testing.T, conn *dbus.Conn, dir string) *proc {
	t.Helper()
	conf := filepath.Join(dir, "dunstrc")
	os.WriteFile(conf, nil, 0o600) //nolint:errcheck // dunst's defaults
	p := start(t, "dunst", "-config", conf)
	waitUntil(t, "dunst to own org.freedesktop.Notifications", func() bool { return hasOwner(conn, "org.freedesktop.Notifications") })
	return p
}

// displayed returns how many notifications dunst shows now.
func displayed(t *testing.T) int {
	out, err := exec.Command("dunstctl", "count", "displayed").Output()
	if err != nil {
		t.Fatalf("dunstctl count: %v", err)
	}
	var n int
	fmt.Sscan(string(out), &n) //nolint:errcheck
	return n
}

// startPanel runs xfce4-panel, whose status tray plugin is the
// StatusNotifierWatcher, with xfconfd (not D-Bus activated on the test bus).
func startPanel(t *testing.T, conn *dbus.Conn) *proc {
	t.Helper()
	if !hasOwner(conn, "org.xfce.Xfconf") {
		matches, _ := filepath.Glob("/usr/lib/*/xfce4/xfconf/xfconfd")
		if len(matches) == 0 {
			t.Fatal("xfconfd not found (Debian package xfconf, pulled in by xfce4-panel)")
		}
		start(t, matches[0])
		waitUntil(t, "xfconfd", func() bool { return hasOwner(conn, "org.xfce.Xfconf") })
	}
	p := start(t, "xfce4-panel", "--disable-wm-check")
	waitUntil(t, "xfce4-panel's tray to own org.kde.StatusNotifierWatcher", func() bool {
		return hasOwner(conn, "org.kde.StatusNotifierWatcher")
	})
	return p
}

// stopPanel ends xfce4-panel (its tray plugin runs in a process of its
// own, which goes with it) and waits for the tray host to be gone.
func stopPanel(t *testing.T, conn *dbus.Conn, p *proc) {
	t.Helper()
	exec.Command("xfce4-panel", "--quit").Run() //nolint:errcheck
	p.stop()
	waitUntil(t, "the tray host to go away", func() bool { return !hasOwner(conn, "org.kde.StatusNotifierWatcher") })
}

// iconRegistered says whether the agent's item is registered with the
// tray host.
func iconRegistered(conn *dbus.Conn, agentPID int) bool {
	var owner string
	item := fmt.Sprintf("org.kde.StatusNotifierItem-%d-1", agentPID)
	if conn.BusObject().Call("org.freedesktop.DBus.GetNameOwner", 0, item).Store(&owner) != nil {
		return false
	}
	v, err := conn.Object("org.kde.StatusNotifierWatcher", "/StatusNotifierWatcher").
		GetProperty("org.kde.StatusNotifierWatcher.RegisteredStatusNotifierItems")
	if err != nil {
		return false
	}
	items, _ := v.Value().([]string)
	for _, it := range items {
		if strings.HasPrefix(it, owner) || strings.HasPrefix(it, item) {
			return true
		}
	}
	return false
}

// sessionStatus is `ssokeeper status --json` for one session.
type sessionStatus struct {
	State  string `json:"state"`
	Reason string `json:"reason"`
}

func status(t *testing.T, name string) sessionStatus {
	t.Helper()
	out, _ := exec.Command(testkit.Binary(t), "status", "--json").Output() // exit 1 when one needs you
	var st struct {
		Sessions []struct {
			Name string `json:"name"`
			sessionStatus
		} `json:"sessions"`
	}
	if err := json.Unmarshal(out, &st); err != nil {
		return sessionStatus{State: "unknown", Reason: string(out)}
	}
	for _, s := range st.Sessions {
		if s.Name == name {
			return s.sessionStatus
		}
	}
	return sessionStatus{State: "absent"}
}
