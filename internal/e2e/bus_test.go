//go:build linux

package e2e

import (
	"testing"

	"github.com/godbus/dbus/v5"

	"github.com/ssokeeper/ssokeeper/internal/dbustest"
)

// privateBus starts a dbus-daemon of the test's own, points
// DBUS_SESSION_BUS_ADDRESS at it, and returns a connection to it.
func privateBus(t *testing.T) *dbus.Conn { return dbustest.Start(t).Connect() }
