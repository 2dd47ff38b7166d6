package dbustest

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// Keyring is a gnome-keyring-daemon of the test's own on a Bus, whose
// login keyring has the password "pw".
type Keyring struct {
	t   testing.TB
	bus *Bus
	dir string
	cmd *exec.Cmd
}

// NewKeyring prepares a login keyring on b without leaving a daemon
// running: Start runs one, locked or unlocked.
func NewKeyring(t testing.TB, b *Bus) *Keyring {
	t.Helper()
	if _, err := exec.LookPath("gnome-keyring-daemon"); err != nil {
		if os.Getenv("SSOKEEPER_REQUIRE_DBUS") == "1" {
			t.Fatal("gnome-keyring-daemon is not installed (Debian package gnome-keyring)")
		}
		t.Skip("gnome-keyring-daemon is not installed (Debian package gnome-keyring)")
	}
	dir, err := os.MkdirTemp("", "kr") // the control socket's path must stay short
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	k := &Keyring{t: t, bus: b, dir: dir}
	// --unlock with a password creates the login keyring with it.
	k.Start(false)
	k.Stop()
	return k
}

// Start runs the daemon and waits until it owns org.freedesktop.secrets;
// locked leaves the login keyring locked, as at a login without PAM.
func (k *Keyring) Start(locked bool) {
	k.t.Helper()
	k.Stop()
	args := []string{"--foreground", "--components=secrets"}
	if !locked {
		args = append(args, "--unlock")
	}
	cmd := exec.Command("gnome-keyring-daemon", args...)
	cmd.Env = append(os.Environ(), "DBUS_SESSION_BUS_ADDRESS="+k.bus.Addr, "HOME="+k.dir,
		"XDG_DATA_HOME="+filepath.Join(k.dir, "data"), "XDG_RUNTIME_DIR="+k.dir)
	if !locked {
		stdin, err := cmd.StdinPipe()
		if err != nil {
			k.t.Fatal(err)
		}
		go func() { stdin.Write([]byte("pw")); stdin.Close() }() //nolint:errcheck
	}
	if err := cmd.Start(); err != nil {
		k.t.Fatalf("start gnome-keyring-daemon: %v", err)
	}
	k.cmd = cmd
	k.t.Cleanup(k.Stop)
	conn := k.connect()
	defer conn.Close()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var has bool
		conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, "org.freedesktop.secrets").Store(&has) //nolint:errcheck
		if has {
			return
		}
		if time.Now().After(deadline) {
			k.t.Fatal("gnome-keyring-daemon did not own org.freedesktop.secrets within 15 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop ends the daemon, if it runs.
func (k *Keyring) Stop() {
	if k.cmd != nil {
		k.cmd.Process.Kill()
		k.cmd.Wait()
		k.cmd = nil
	}
}

// Unlock unlocks the login keyring with its password, as PAM or the
// person typing it into the desktop's prompt does.
func (k *Keyring) Unlock() {
	k.t.Helper()
	conn := k.connect()
	defer conn.Close()
	svc := conn.Object("org.freedesktop.secrets", "/org/freedesktop/secrets")
	var out dbus.Variant
	var session dbus.ObjectPath
	if err := svc.Call("org.freedesktop.Secret.Service.OpenSession", 0, "plain", dbus.MakeVariant("")).Store(&out, &session); err != nil {
		k.t.Fatalf("keyring: open session: %v", err)
	}
	secret := struct {
		Session     dbus.ObjectPath
		Params      []byte
		Value       []byte
		ContentType string
	}{session, []byte{}, []byte("pw"), "text/plain"}
	err := svc.Call("org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface.UnlockWithMasterPassword", 0,
		dbus.ObjectPath("/org/freedesktop/secrets/collection/login"), secret).Err
	if err != nil {
		k.t.Fatalf("keyring: unlock: %v", err)
	}
}

func (k *Keyring) connect() *dbus.Conn {
	k.t.Helper()
	conn, err := dbus.Connect(k.bus.Addr)
	if err != nil {
		k.t.Fatalf("connect to the test bus: %v", err)
	}
	return conn
}
