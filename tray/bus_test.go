//go:build linux

package tray

import (
	"testing"

	"github.com/ssokeeper/ssokeeper/internal/dbustest"
)

// privateSessionBus starts a dbus-daemon of the test's own and points
// DBUS_SESSION_BUS_ADDRESS at it, so tests that own names (a tray host)
// or read them cannot disturb, or be disturbed by, other packages' tests.
func privateSessionBus(t *testing.T) string { return dbustest.Start(t).Addr }
