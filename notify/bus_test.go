//go:build linux || freebsd || openbsd || netbsd || dragonfly

package notify

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// wait bounds every wait on a channel: long enough for a loaded CI
// machine, short enough to fail fast.
const wait = 10 * time.Second

// busConfig is a session bus without service files: no notification
// server (dunst, if installed) is started behind a test's back.
const busConfig = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`

// testBus is a private dbus-daemon for one test.
type testBus struct {
	t    *testing.T
	dir  string
	addr string
	cmd  *exec.Cmd
}

// startBus starts a private session bus and points DBUS_SESSION_BUS_ADDRESS
// at it. Without dbus-daemon the test is skipped, unless the harness says
// D-Bus is required (SSOKEEPER_REQUIRE_DBUS=1).
func startBus(t *testing.T) *testBus {
	t.Helper()
	if _, err := exec.LookPath("dbus-daemon"); err != nil {
		if os.Getenv("SSOKEEPER_REQUIRE_DBUS") == "1" {
			t.Fatalf("dbus-daemon not found (install Debian package dbus): %v", err)
		}
		t.Skip("dbus-daemon not found; install Debian package dbus")
	}
	// A short directory: socket paths are limited to about 100 bytes.
	dir, err := os.MkdirTemp("", "notify-bus")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	b := &testBus{t: t, dir: dir}
	b.start()
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", b.addr)
	return b
}

func (b *testBus) start() {
	b.t.Helper()
	sock := filepath.Join(b.dir, "bus")
	os.Remove(sock)
	conf := filepath.Join(b.dir, "bus.conf")
	if err := os.WriteFile(conf, []byte(busConfig), 0o600); err != nil {
		b.t.Fatal(err)
	}
	cmd := exec.Command("dbus-daemon", "--config-file="+conf, "--nofork", "--nopidfile", "--address=unix:path="+sock, "--print-address=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.t.Fatalf("start dbus-daemon: %v", err)
	}
	b.t.Cleanup(b.stop)
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		b.t.Fatalf("dbus-daemon printed no address: %v", err)
	}
	b.cmd, b.addr = cmd, strings.TrimSpace(line)
}

func (b *testBus) stop() {
	if b.cmd != nil {
		b.cmd.Process.Kill()
		b.cmd.Wait()
		b.cmd = nil
	}
}

// fakeServer serves org.freedesktop.Notifications on the test bus and
// captures every Notify call.
type fakeServer struct {
	conn  *dbus.Conn
	caps  []string
	calls chan notifyCall

	mu   sync.Mutex
	next uint32
}

type notifyCall struct {
	app, icon, summary, body string
	replaces, id             uint32
	actions                  []string
	hints                    map[string]dbus.Variant
}

func startServer(t *testing.T, caps ...string) *fakeServer {
	t.Helper()
	conn, err := dbus.SessionBusPrivateNoAutoStartup()
	if err == nil {
		if err = conn.Auth(nil); err == nil {
			err = conn.Hello()
		}
	}
	if err != nil {
		t.Fatalf("fake notification server: connect: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	s := &fakeServer{conn: conn, caps: caps, calls: make(chan notifyCall, 32)}
	if err := conn.Export(s, fdoPath, fdoIface); err != nil {
		t.Fatal(err)
	}
	reply, err := conn.RequestName(fdoName, dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("fake notification server: request name: %v %v", reply, err)
	}
	return s
}

func (s *fakeServer) GetCapabilities() ([]string, *dbus.Error) { return s.caps, nil }

func (s *fakeServer) GetServerInformation() (string, string, string, string, *dbus.Error) {
	return "fake", "ssokeeper", "1", "1.2", nil
}

func (s *fakeServer) Notify(app string, replaces uint32, icon, summary, body string, actions []string, hints map[string]dbus.Variant, timeout int32) (uint32, *dbus.Error) {
	s.mu.Lock()
	id := replaces
	if id == 0 {
		s.next++
		id = s.next
	}
	s.mu.Unlock()
	s.calls <- notifyCall{app: app, icon: icon, summary: summary, body: body, replaces: replaces, id: id, actions: actions, hints: hints}
	return id, nil
}

func (s *fakeServer) CloseNotification(id uint32) *dbus.Error { return nil }

// next returns the next Notify call.
func (s *fakeServer) call(t *testing.T) notifyCall {
	t.Helper()
	select {
	case c := <-s.calls:
		return c
	case <-time.After(wait):
		t.Fatal("no notification was shown")
		return notifyCall{}
	}
}

// click emits ActionInvoked as a server does when the person clicks.
func (s *fakeServer) click(t *testing.T, id uint32, key string) {
	t.Helper()
	if err := s.conn.Emit(fdoPath, fdoIface+".ActionInvoked", id, key); err != nil {
		t.Fatal(err)
	}
}

func (s *fakeServer) closed(t *testing.T, id uint32) {
	t.Helper()
	if err := s.conn.Emit(fdoPath, fdoIface+".NotificationClosed", id, uint32(2)); err != nil {
		t.Fatal(err)
	}
}
