//go:build linux

package tray

import (
	"strings"
	"testing"

	"github.com/godbus/dbus/v5"
)

func TestAvailableWithoutBus(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+t.TempDir()+"/no-bus")
	ok, why := Available()
	if ok || !strings.Contains(why, "no D-Bus session bus") {
		t.Errorf("Available() = %v, %q; want false, no D-Bus session bus", ok, why)
	}
	if err := busReady(); err == nil {
		t.Error("busReady() = nil without a bus")
	}
}

func TestAvailableNeedsATrayHost(t *testing.T) {
	privateSessionBus(t)
	conn, err := privateBus()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if ok, why := Available(); ok || !strings.Contains(why, "AppIndicator") {
		t.Errorf("with no watcher: Available() = %v, %q", ok, why)
	}
	// A tray host owns this name; owning it is all Available looks at.
	if r, err := conn.RequestName(watcher, dbus.NameFlagDoNotQueue); err != nil || r != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("could not own %s: %v %v", watcher, r, err)
	}
	defer conn.ReleaseName(watcher)
	if ok, why := Available(); !ok {
		t.Errorf("with a watcher: Available() = false, %q", why)
	}
}
