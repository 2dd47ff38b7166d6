// Package testkit is the test harness the session, CLI and end-to-end
// tests share: the built binary, a log buffer, and the rule for a missing
// desktop part. The real parts themselves live beside it: an OpenID
// Provider (internal/testidp), a private session bus and keyring
// (internal/dbustest), a config file and agent (each package's rig, built
// from these).
package testkit

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/godbus/dbus/v5"
)

// Missing skips t because a part of the desktop is not there (why), or
// fails it when the harness promised every part: scripts/test.sh sets
// SSOKEEPER_REQUIRE_DBUS=1 and installs what CI needs.
func Missing(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("SSOKEEPER_REQUIRE_DBUS") == "1" {
		t.Fatalf("SSOKEEPER_REQUIRE_DBUS=1 but %s; run the tests with bash scripts/test.sh", why)
	}
	t.Skipf("%s; run the tests with bash scripts/test.sh (Debian packages dbus, gnome-keyring)", why)
}

// NeedSecretService calls Missing unless a Secret Service answers on the
// session bus. It never lets godbus start a bus or a service.
func NeedSecretService(t testing.TB) {
	t.Helper()
	conn, err := dbus.SessionBusPrivateNoAutoStartup()
	if err == nil {
		defer conn.Close()
		if err = conn.Auth(nil); err == nil {
			err = conn.Hello()
		}
	}
	var has bool
	if err == nil {
		// NameHasOwner never starts a service.
		err = conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, "org.freedesktop.secrets").Store(&has)
	}
	switch {
	case err != nil:
		Missing(t, fmt.Sprintf("no D-Bus session bus (%v)", err))
	case !has:
		Missing(t, "no Secret Service (org.freedesktop.secrets) on the session bus")
	}
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// Binary builds the ssokeeper binary once per test process and returns
// its path; the package's TestMain calls RemoveBinary.
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "ssokeeper-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "ssokeeper")
		goCmd := filepath.Join(runtime.GOROOT(), "bin", "go")
		out, err := exec.Command(goCmd, "build", "-o", binPath, "github.com/ssokeeper/ssokeeper").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// RemoveBinary removes what Binary built, if it built anything.
func RemoveBinary() {
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
}

// LogBuffer collects a logger's output for a test to read while the
// logger still writes.
type LogBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
