package store

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/godbus/dbus/v5"

	"github.com/ssokeeper/ssokeeper/internal/sessionbus"
)

// The Secret Service on the session bus.
const (
	secretsName       = "org.freedesktop.secrets"
	secretsPath       = dbus.ObjectPath("/org/freedesktop/secrets")
	loginCollection   = dbus.ObjectPath("/org/freedesktop/secrets/collection/login")
	defaultCollection = dbus.ObjectPath("/org/freedesktop/secrets/aliases/default")
)

// errNoService says why the agent does not ask the keyring.
var errNoService = fmt.Errorf("no Secret Service runs (nothing owns %s on the session bus); ssokeeper carries on as soon as one starts", secretsName)

// KeyringCollection returns the collection go-keyring keeps secrets in,
// as go-keyring picks it: the "login" collection, else the default alias.
func KeyringCollection(conn *dbus.Conn) dbus.ObjectPath {
	v, err := conn.Object(secretsName, secretsPath).GetProperty("org.freedesktop.Secret.Service.Collections")
	if paths, ok := v.Value().([]dbus.ObjectPath); err == nil && ok && slices.Contains(paths, loginCollection) {
		return loginCollection
	}
	return defaultCollection
}

func activatable(conn *dbus.Conn) bool {
	var names []string
	return conn.BusObject().Call("org.freedesktop.DBus.ListActivatableNames", 0).Store(&names) == nil && slices.Contains(names, secretsName)
}

// KeyringState asks, on conn and without starting or prompting anything,
// whether the Secret Service runs and whether go-keyring's collection is
// locked. known is false when that cannot be told (no such collection).
func KeyringState(conn *dbus.Conn) (running, locked, known bool) {
	if err := conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, secretsName).Store(&running); err != nil || !running {
		return false, false, err == nil
	}
	v, err := conn.Object(secretsName, KeyringCollection(conn)).GetProperty("org.freedesktop.Secret.Collection.Locked")
	if err != nil {
		return true, false, false
	}
	locked, known = v.Value().(bool)
	return true, locked, known
}

// checkUnlocked fails, without calling go-keyring, when the Secret
// Service is not running (and cannot be started on demand) or the
// collection is locked. go-keyring would otherwise open an unlock prompt
// and wait on the shared session-bus connection; if the keyring is then
// unlocked another way the prompt may never end, and every later call
// queues behind it (DESIGN.md). The agent waits for the unlock instead.
func checkUnlocked() error {
	conn, err := sessionbus.Dial()
	if err != nil {
		return nil // go-keyring reports the missing bus itself
	}
	defer conn.Close()
	running, locked, known := KeyringState(conn)
	if !running && known && activatable(conn) {
		// Started on demand (the desktop's choice): start it here, so a
		// locked keyring is seen before go-keyring would prompt.
		ctx, cancel := context.WithTimeout(context.Background(), DefaultTimeout)
		defer cancel()
		conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.StartServiceByName", 0, secretsName, uint32(0)) //nolint:errcheck // checked just below
		running, locked, known = KeyringState(conn)
	}
	switch {
	case !running && known:
		return errNoService
	case locked:
		return errors.New("the keyring is locked; ssokeeper carries on as soon as it is unlocked (at login with your password, or in Passwords and Keys)")
	}
	return nil
}
