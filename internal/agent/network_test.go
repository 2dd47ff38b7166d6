//go:build linux

package agent

import (
	"context"
	"log/slog"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/ssokeeper/ssokeeper/internal/dbustest"
)

// fakeNM stands in for NetworkManager, which cannot run here: it owns the
// name on a bus used as the system bus and emits StateChanged.
type fakeNM struct{ conn *dbus.Conn }

func (n fakeNM) state(t *testing.T, s uint32) {
	t.Helper()
	if err := n.conn.Emit("/org/freedesktop/NetworkManager", "org.freedesktop.NetworkManager.StateChanged", s); err != nil {
		t.Fatal(err)
	}
}

func TestNetworkManagerConnectedRetries(t *testing.T) {
	bus := dbustest.Start(t)
	t.Setenv("DBUS_SYSTEM_BUS_ADDRESS", bus.Addr)
	nm := fakeNM{bus.Connect()}
	if r, err := nm.conn.RequestName("org.freedesktop.NetworkManager", dbus.NameFlagDoNotQueue); err != nil || r != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("own NetworkManager's name: %v %v", r, err)
	}
	ups := make(chan struct{}, 8)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan bool)
	go func() { done <- watchNetworkManager(ctx, func() { ups <- struct{}{} }, slog.Default()) }()
	defer func() {
		cancel()
		if !<-done {
			t.Error("watchNetworkManager did not find NetworkManager")
		}
	}()
	// The watcher subscribes asynchronously: repeat until it is seen. At
	// login the network comes up after the agent: the first connected
	// state wakes the sessions.
	deadline := time.After(15 * time.Second)
	for {
		nm.state(t, 70) // NM_STATE_CONNECTED_GLOBAL
		select {
		case <-ups:
			return
		case <-time.After(100 * time.Millisecond):
		case <-deadline:
			t.Fatal("NetworkManager connecting did not retry the sessions")
		}
	}
}

// Without NetworkManager, a route the kernel adds (a link up, DHCP, a VPN)
// retries the sessions once the burst settles.
func TestNetlinkRouteChangeRetries(t *testing.T) {
	if _, err := exec.LookPath("ip"); err != nil || os.Geteuid() != 0 {
		t.Skip("needs root and ip (iproute2) to add a route")
	}
	ups := make(chan struct{}, 8)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); watchNetlink(ctx, func() { ups <- struct{}{} }, slog.Default()) }()
	defer func() { cancel(); <-done }()
	route := []string{"127.77.0.0/16", "dev", "lo"}
	deadline := time.After(15 * time.Second)
	for {
		// A route on loopback only: nothing else on the machine notices.
		if out, err := exec.Command("ip", append([]string{"route", "add"}, route...)...).CombinedOutput(); err != nil {
			t.Skipf("cannot add a route here: %v %s", err, out)
		}
		exec.Command("ip", append([]string{"route", "del"}, route...)...).Run() //nolint:errcheck
		select {
		case <-ups:
			return
		case <-time.After(3 * settle):
		case <-deadline:
			t.Fatal("a new route did not retry the sessions")
		}
	}
}
