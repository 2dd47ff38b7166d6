//go:build linux || freebsd || openbsd || netbsd || dragonfly

package notify

import (
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/ssokeeper/ssokeeper/internal/dbustest"
	"github.com/ssokeeper/ssokeeper/internal/sessionbus"
)

// wait bounds every wait on a channel: long enough for a loaded CI
// machine, short enough to fail fast.
const wait = 10 * time.Second

// startBus starts a private session bus (no service files: no real
// notification server is started behind a test's back) and points
// DBUS_SESSION_BUS_ADDRESS at it.
func startBus(t *testing.T) *dbustest.Bus { return dbustest.Start(t) }

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
	conn, err := sessionbus.Dial()
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
