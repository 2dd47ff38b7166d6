// Package dbustest starts a private D-Bus session bus for one test, so
// tray, notification and keyring tests never touch the desktop's bus.
package dbustest

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/godbus/dbus/v5"
)

// config is a session bus without service files: nothing (a desktop's
// notification daemon, a keyring) is started behind the test's back.
const config = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
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

// Bus is a dbus-daemon of the test's own.
type Bus struct {
	Addr string
	t    testing.TB
	dir  string
	cmd  *exec.Cmd
}

// Start starts a private session bus and points DBUS_SESSION_BUS_ADDRESS at
// it for the rest of the test. Without dbus-daemon the test is skipped,
// unless the harness requires D-Bus (SSOKEEPER_REQUIRE_DBUS=1).
func Start(t testing.TB) *Bus {
	t.Helper()
	if _, err := exec.LookPath("dbus-daemon"); err != nil {
		if os.Getenv("SSOKEEPER_REQUIRE_DBUS") == "1" {
			t.Fatal("dbus-daemon is not installed (Debian package dbus)")
		}
		t.Skip("dbus-daemon is not installed (Debian package dbus)")
	}
	// A short directory: socket paths are limited to about 100 bytes.
	dir, err := os.MkdirTemp("", "bus")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.WriteFile(filepath.Join(dir, "bus.conf"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	b := &Bus{t: t, dir: dir}
	b.Restart()
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", b.Addr)
	return b
}

// Restart stops the daemon, if it runs, and starts it again at the same
// address, as a session bus restarting under a running program.
func (b *Bus) Restart() {
	b.t.Helper()
	b.Stop()
	sock := filepath.Join(b.dir, "bus")
	os.Remove(sock)
	cmd := exec.Command("dbus-daemon", "--config-file="+filepath.Join(b.dir, "bus.conf"),
		"--nofork", "--nopidfile", "--address=unix:path="+sock, "--print-address=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.t.Fatalf("start dbus-daemon: %v", err)
	}
	b.t.Cleanup(b.Stop)
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		b.t.Fatalf("dbus-daemon printed no address: %v", err)
	}
	b.cmd, b.Addr = cmd, strings.TrimSpace(line)
}

// Stop ends the daemon.
func (b *Bus) Stop() {
	if b.cmd != nil {
		b.cmd.Process.Kill()
		b.cmd.Wait()
		b.cmd = nil
	}
}

// Connect returns a connection to the bus, closed when the test ends.
func (b *Bus) Connect() *dbus.Conn {
	b.t.Helper()
	conn, err := dbus.Connect(b.Addr)
	if err != nil {
		b.t.Fatalf("connect to the test bus: %v", err)
	}
	b.t.Cleanup(func() { conn.Close() })
	return conn
}
