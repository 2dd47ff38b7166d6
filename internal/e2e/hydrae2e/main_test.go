//go:build linux

package hydrae2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssokeeper/ssokeeper/internal/agent"
	"github.com/ssokeeper/ssokeeper/internal/cli"
	"github.com/ssokeeper/ssokeeper/internal/testkit"
	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/store"
)

// wait bounds every wait: long for a loaded 2-core CI machine.
const wait = time.Minute

// Environment of the fake browser: this test binary run as $BROWSER.
const (
	envBrowser    = "HYDRAE2E_AS_BROWSER" // "1": follow the URL, then exit
	envBrowserLog = "HYDRAE2E_BROWSER_LOG"
)

func TestMain(m *testing.M) {
	if os.Getenv(envBrowser) == "1" {
		os.Exit(browse(os.Args[len(os.Args)-1]))
	}
	code := m.Run()
	for _, d := range tempDirs {
		os.RemoveAll(d)
	}
	testkit.RemoveBinary()
	os.Exit(code)
}

// browse is the fake browser. The login app accepts everything, so a
// browser only follows Hydra's redirects, with cookies, to ssokeeper's
// loopback callback.
func browse(u string) int {
	if log := os.Getenv(envBrowserLog); log != "" {
		f, err := os.OpenFile(log, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
		if err == nil {
			fmt.Fprintln(f, u)
			f.Close()
		}
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: time.Minute}
	resp, err := c.Get(u)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fake browser:", err)
		return 1
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(os.Stderr, "fake browser: %s at %s\n", resp.Status, resp.Request.URL.Redacted())
		return 1
	}
	return 0
}

// rig is one person's world against Hydra: a client registered there, a
// configuration with one session, ssokeeper's paths in temporary
// directories, an in-memory keyring for agents in this process, and the
// fake browser as $BROWSER.
type rig struct {
	t        *testing.T
	name     string
	hydra    *hydra
	clientID string
	secrets  *store.Memory
	browsed  string // the fake browser's log: one line per URL opened
}

func newRig(t *testing.T, l lifespans) *rig {
	t.Helper()
	h := startHydra(t)
	r := &rig{t: t, name: "work", hydra: h, secrets: store.NewMemory()}
	r.clientID = h.newClient(l)
	dir := t.TempDir()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	r.browsed = filepath.Join(dir, "browser.log")
	t.Setenv("BROWSER", exe)
	t.Setenv(envBrowser, "1")
	t.Setenv(envBrowserLog, r.browsed)
	testkit.Isolate(t)
	r.writeConfig()
	return r
}

func (r *rig) writeConfig() {
	text := fmt.Sprintf(`[[session]]
name      = %q
provider  = "oidc"
issuer    = %q
client_id = %q
scopes    = ["openid", "offline_access"]
`, r.name, r.hydra.issuer, r.clientID)
	if err := os.WriteFile(os.Getenv("SSOKEEPER_CONFIG"), []byte(text), 0o600); err != nil {
		r.t.Fatal(err)
	}
}

// opened is how many times the browser was opened.
func (r *rig) opened() int {
	b, _ := os.ReadFile(r.browsed)
	return len(strings.Fields(string(b)))
}

// startAgent runs agent.Start in this process until the test ends or
// stop is called.
func (r *rig) startAgent() (stop func()) {
	r.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	a, err := agent.Start(ctx, agent.Options{Secrets: r.secrets, Stderr: &bytes.Buffer{}})
	if err != nil {
		cancel()
		r.t.Fatalf("agent: %v", err)
	}
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); a.Wait() }) }
	r.t.Cleanup(stop)
	return stop
}

// signIn signs in with `ssokeeper login` through the browser.
func (r *rig) signIn(run func(args ...string) result) {
	r.t.Helper()
	before := r.opened()
	res := run("login", r.name)
	if res.code != 0 || !strings.Contains(res.stderr, "Signed in to "+r.name) {
		r.t.Fatalf("login: %s", res)
	}
	if n := r.opened() - before; n != 1 {
		r.t.Fatalf("login opened the browser %d times, want 1", n)
	}
}

// refreshToken is the refresh token the in-process agent keeps.
func (r *rig) refreshToken() string {
	r.t.Helper()
	rt, err := r.secrets.Get(r.name, store.RefreshToken)
	if err != nil || rt == "" {
		r.t.Fatalf("no refresh token stored: %v", err)
	}
	return rt
}

// result is what one command-line run did.
type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d, stdout %d bytes, stderr %q", r.code, len(r.stdout), r.stderr)
}

// runCLI runs the command line in this process.
func runCLI(args ...string) result {
	var out, errb bytes.Buffer
	code := cli.Main(args, &cli.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Version: "e2e"})
	return result{out.String(), errb.String(), code}
}

// runBinary runs the ssokeeper binary: another process, as tools run it.
func runBinary(t *testing.T) func(args ...string) result {
	bin := testkit.Binary(t)
	return func(args ...string) result {
		var out, errb bytes.Buffer
		cmd := exec.Command(bin, args...)
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			code = -1
			errb.WriteString(err.Error())
		}
		return result{out.String(), errb.String(), code}
	}
}

// status reads the session's status as `status --json` prints it.
func status(t *testing.T, run func(args ...string) result, name string) session.Status {
	t.Helper()
	res := run("status", "--json")
	var snap session.Snapshot
	if err := json.Unmarshal([]byte(res.stdout), &snap); err != nil {
		t.Fatalf("status --json: %v; %s", err, res)
	}
	st, ok := snap.Get(name)
	if !ok {
		t.Fatalf("status --json: no session %q: %s", name, res.stdout)
	}
	return st
}

// awaitExpiry waits until exp, when an access token expires by the clock
// ssokeeper reads, has passed. A token that lives longer than a test's
// short lifespan means Hydra's expires_in was not what the test set up.
func awaitExpiry(t *testing.T, exp time.Time) {
	t.Helper()
	if left := time.Until(exp); left > 10*time.Second {
		t.Fatalf("the access token lives %s more, want the few seconds the client's lifespan says", left.Round(time.Second))
	}
	for !time.Now().After(exp) {
		time.Sleep(50 * time.Millisecond)
	}
}

func readLines(name string) ([]string, error) {
	b, err := os.ReadFile(name)
	return strings.Fields(string(b)), err
}
