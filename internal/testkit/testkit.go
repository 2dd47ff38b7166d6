// Package testkit is the test harness the session, CLI and end-to-end
// tests share: private paths and a config file (Isolate, SessionTOML), the
// built binary, a log buffer, and the rule for a missing desktop part.
// The real parts it goes with live beside it: an OpenID Provider
// (internal/testidp), a private session bus and keyring
// (internal/dbustest); each package's rig (agent in process or as a
// child) is a few lines on top.
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

// Paths are the places ssokeeper uses, made private to one test.
type Paths struct {
	Dir     string // a temporary folder the others are in (but Runtime)
	Config  string // the configuration file ($SSOKEEPER_CONFIG), not written yet
	State   string // the state folder ($SSOKEEPER_STATE_DIR)
	Runtime string // the control socket's folder ($SSOKEEPER_RUNTIME_DIR)
}

// Isolate points ssokeeper's configuration, state and socket at folders
// of this test, for this process and the ones it starts.
func Isolate(t testing.TB) Paths {
	t.Helper()
	dir := t.TempDir()
	// A socket's path must stay under about 100 bytes; t.TempDir() can be
	// longer.
	run, err := os.MkdirTemp("", "ssk")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(run) })
	p := Paths{Dir: dir, Config: filepath.Join(dir, "config.toml"), State: filepath.Join(dir, "state"), Runtime: run}
	t.Setenv("SSOKEEPER_CONFIG", p.Config)
	t.Setenv("SSOKEEPER_STATE_DIR", p.State)
	t.Setenv("SSOKEEPER_RUNTIME_DIR", p.Runtime)
	return p
}

// SessionTOML is the configuration of one OpenID Connect session at an
// issuer, with a refresh token (offline_access).
func SessionTOML(name, issuer, clientID string) string {
	return fmt.Sprintf("[[session]]\nname = %q\nprovider = \"oidc\"\nissuer = %q\nclient_id = %q\nscopes = [\"openid\", \"offline_access\"]\n",
		name, issuer, clientID)
}

// Concurrently runs f n times at once and returns the results in order.
func Concurrently[T any](n int, f func() T) []T {
	out := make([]T, n)
	var wg sync.WaitGroup
	for i := range out {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = f()
		}()
	}
	wg.Wait()
	return out
}
