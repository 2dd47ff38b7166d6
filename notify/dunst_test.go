//go:build linux || freebsd || openbsd || netbsd || dragonfly

package notify

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/ssokeeper/ssokeeper/session/health"
)

// startDunst runs a real notification server, dunst, on a virtual X
// display (Xvfb) on the test bus. Without dunst or Xvfb the test is
// skipped: the fake server tests cover the protocol; this one checks a
// real server agrees.
func startDunst(t *testing.T) {
	t.Helper()
	for _, bin := range []string{"dunst", "dunstctl", "Xvfb"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("%s not found (Debian packages dunst, xvfb)", bin)
		}
	}
	t.Setenv("DISPLAY", startXvfb(t))

	// Watch for dunst to own the name instead of polling.
	conn, err := dbus.SessionBusPrivateNoAutoStartup()
	if err == nil {
		if err = conn.Auth(nil); err == nil {
			err = conn.Hello()
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.AddMatchSignal(dbus.WithMatchInterface("org.freedesktop.DBus"), dbus.WithMatchMember("NameOwnerChanged"), dbus.WithMatchArg(0, fdoName)); err != nil {
		t.Fatal(err)
	}
	owned := make(chan *dbus.Signal, 4)
	conn.Signal(owned)

	conf := filepath.Join(t.TempDir(), "dunstrc") // empty: dunst's defaults
	if err := os.WriteFile(conf, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	d := startProc(t, exec.Command("dunst", "-config", conf))
	select {
	case <-owned:
	case <-d.done:
		t.Fatalf("dunst exited (%v): %s", d.err, d.stderr.String())
	case <-time.After(wait):
		t.Fatal("dunst did not take org.freedesktop.Notifications")
	}
}

// startXvfb starts a virtual X display and returns its name. Xvfb picks
// a free display number and writes it to fd 3 once it accepts clients.
func startXvfb(t *testing.T) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cmd := exec.Command("Xvfb", "-displayfd", "3", "-nolisten", "tcp", "-screen", "0", "640x480x24")
	cmd.ExtraFiles = []*os.File{w}
	x := startProc(t, cmd)
	w.Close()
	// Read the whole line: Xvfb writes the number and the newline apart,
	// and dies if the pipe is closed in between. Read aside: a child of
	// Xvfb may hold the pipe open after Xvfb dies.
	display := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(r).ReadString('\n')
		display <- strings.TrimSpace(line)
	}()
	select {
	case d := <-display:
		if d != "" {
			return ":" + d
		}
		<-x.done
	case <-x.done:
	case <-time.After(wait):
		t.Fatal("Xvfb did not start")
	}
	t.Fatalf("Xvfb exited (%v): %s", x.err, x.stderr.String())
	return ""
}

// proc is a helper process that a test's cleanup stops.
type proc struct {
	done   chan struct{} // closed when it has exited
	err    error         // its exit, once done
	stderr bytes.Buffer  // read only once done
}

func startProc(t *testing.T, cmd *exec.Cmd) *proc {
	t.Helper()
	p := &proc{done: make(chan struct{})}
	cmd.Stderr = &p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", cmd.Path, err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	// SIGTERM first: Xvfb then removes its socket and lock file.
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// dunstHistory returns the summaries dunst has shown, newest first.
func dunstHistory(t *testing.T) []string {
	t.Helper()
	if out, err := exec.Command("dunstctl", "close-all").CombinedOutput(); err != nil {
		t.Fatalf("dunstctl close-all: %v %s", err, out)
	}
	out, err := exec.Command("dunstctl", "history").Output()
	if err != nil {
		t.Fatalf("dunstctl history: %v", err)
	}
	var h struct {
		Data [][]struct {
			Summary struct{ Data string } `json:"summary"`
		} `json:"data"`
	}
	if err := json.Unmarshal(out, &h); err != nil {
		t.Fatalf("dunstctl history: %v: %s", err, out)
	}
	var sums []string
	for _, list := range h.Data {
		for _, n := range list {
			sums = append(sums, n.Summary.Data)
		}
	}
	return sums
}

func TestRealServer(t *testing.T) {
	startBus(t)
	startDunst(t)
	r := run(t, Options{})

	r.send(t, changed("work", health.RefreshTokenRevoked))
	r.send(t) // Run has shown it once it takes this one

	// dunst's default action is our "default" one: Sign in.
	if out, err := exec.Command("dunstctl", "action", "0").CombinedOutput(); err != nil {
		t.Fatalf("dunstctl action: %v %s", err, out)
	}
	r.actions.want(t, "work")

	r.send(t, healthy("work"), loggedIn("work"))
	r.send(t)
	got := dunstHistory(t)
	if len(got) == 0 || got[0] != "work: signed in" {
		t.Errorf("dunst showed %q, want the confirmation last", got)
	}
}
