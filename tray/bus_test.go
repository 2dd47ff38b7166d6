//go:build linux

package tray

import (
	"bufio"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// privateSessionBus starts a dbus-daemon of the test's own and points
// DBUS_SESSION_BUS_ADDRESS at it, so tests that own names (a tray host)
// or read them cannot disturb, or be disturbed by, other packages' tests
// running at the same time on the shared session bus.
func privateSessionBus(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("dbus-daemon")
	if err != nil {
		if os.Getenv("SSOKEEPER_REQUIRE_DBUS") == "1" {
			t.Fatal("dbus-daemon is not installed (Debian package dbus)")
		}
		t.Skip("dbus-daemon is not installed (Debian package dbus)")
	}
	cmd := exec.Command(bin, "--session", "--nofork", "--print-address=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("dbus-daemon gave no address: %v", err)
	}
	addr = strings.TrimSpace(addr)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)
	return addr
}
