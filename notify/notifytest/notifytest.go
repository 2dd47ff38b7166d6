// Package notifytest is a fake org.freedesktop.Notifications server for
// tests: it serves the interface on a D-Bus connection the test owns,
// records every Notify call, and sends ActionInvoked and
// NotificationClosed as a real server does when the person clicks.
package notifytest

import (
	"fmt"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"
)

// The freedesktop notification service.
const (
	Name  = "org.freedesktop.Notifications"
	Path  = dbus.ObjectPath("/org/freedesktop/Notifications")
	Iface = "org.freedesktop.Notifications"
)

// Call is one Notify call as the server received it.
type Call struct {
	App, Icon, Summary, Body string
	Replaces, ID             uint32
	Actions                  []string
	Hints                    map[string]dbus.Variant
}

// Server serves org.freedesktop.Notifications on one connection.
type Server struct {
	conn  *dbus.Conn
	caps  []string
	calls chan Call

	mu   sync.Mutex
	next uint32
}

// Start exports the server on conn and takes the well-known name. caps
// are what GetCapabilities answers ("actions" to offer buttons, "body").
func Start(conn *dbus.Conn, caps ...string) (*Server, error) {
	s := &Server{conn: conn, caps: caps, calls: make(chan Call, 64)}
	if err := conn.Export(server{s}, Path, Iface); err != nil {
		return nil, fmt.Errorf("notifytest: export: %w", err)
	}
	reply, err := conn.RequestName(Name, dbus.NameFlagDoNotQueue)
	if err != nil {
		return nil, fmt.Errorf("notifytest: request %s: %w", Name, err)
	}
	if reply != dbus.RequestNameReplyPrimaryOwner {
		return nil, fmt.Errorf("notifytest: %s is owned by another connection", Name)
	}
	return s, nil
}

// Calls delivers every Notify call in the order received.
func (s *Server) Calls() <-chan Call { return s.calls }

// Next waits up to timeout for the next Notify call.
func (s *Server) Next(timeout time.Duration) (Call, error) {
	select {
	case c := <-s.calls:
		return c, nil
	case <-time.After(timeout):
		return Call{}, fmt.Errorf("notifytest: no notification was shown within %v", timeout)
	}
}

// Click emits ActionInvoked(id, key), as a server does when the person
// clicks an action ("default" is the bubble itself).
func (s *Server) Click(id uint32, key string) error {
	return s.conn.Emit(Path, Iface+".ActionInvoked", id, key)
}

// Dismiss emits NotificationClosed(id, 2): the person closed the bubble.
func (s *Server) Dismiss(id uint32) error {
	return s.conn.Emit(Path, Iface+".NotificationClosed", id, uint32(2))
}

// server holds the exported methods only, so no helper above is callable
// over the bus.
type server struct{ s *Server }

func (v server) GetCapabilities() ([]string, *dbus.Error) { return v.s.caps, nil }

func (v server) GetServerInformation() (string, string, string, string, *dbus.Error) {
	return "notifytest", "ssokeeper", "1", "1.2", nil
}

func (v server) Notify(app string, replaces uint32, icon, summary, body string, actions []string,
	hints map[string]dbus.Variant, timeout int32) (uint32, *dbus.Error) {
	s := v.s
	s.mu.Lock()
	id := replaces
	if id == 0 {
		s.next++
		id = s.next
	}
	s.mu.Unlock()
	c := Call{App: app, Icon: icon, Summary: summary, Body: body, Replaces: replaces, ID: id, Actions: actions, Hints: hints}
	select {
	case s.calls <- c:
	default:
		return 0, dbus.MakeFailedError(fmt.Errorf("notifytest: more than %d notifications nobody read", cap(s.calls)))
	}
	return id, nil
}

func (v server) CloseNotification(id uint32) *dbus.Error { return nil }
