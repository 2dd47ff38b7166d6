//go:build linux

package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssokeeper/ssokeeper/internal/agent"
	"github.com/ssokeeper/ssokeeper/internal/cli"
	"github.com/ssokeeper/ssokeeper/internal/testidp"
	"github.com/ssokeeper/ssokeeper/internal/testkit"
	"github.com/ssokeeper/ssokeeper/internal/testuser"
	"github.com/ssokeeper/ssokeeper/session/clock"
	"github.com/ssokeeper/ssokeeper/session/store"
)

// wait bounds every wait: long for a loaded 2-core CI machine, short
// enough to fail fast.
const wait = 15 * time.Second

// envGate, when set, makes the fake browser GET this URL before it signs
// in, so a test decides when the first sign-in may finish.
const envGate = "E2E_BROWSER_GATE"

func TestMain(m *testing.M) {
	testuser.RunFakeAgentIfAsked() // exits here when run as another user's hostile agent
	if os.Getenv("TESTIDP_AS_BROWSER") == "1" {
		if gate := os.Getenv(envGate); gate != "" {
			passGate(gate)
		}
	}
	testidp.RunAsBrowser() // exits here when this binary is $BROWSER
	code := m.Run()
	testkit.RemoveBinary()
	os.Exit(code)
}

func passGate(url string) {
	c := &http.Client{Timeout: time.Minute}
	resp, err := c.Get(url)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fake browser: gate:", err)
		os.Exit(1)
	}
	resp.Body.Close()
}

// rig is one person's world: a test IdP, a configuration with one
// session, ssokeeper's paths in temporary directories, an in-memory
// keyring for agents in this process, and $BROWSER set to the fake
// browser. Child processes inherit the environment.
type rig struct {
	t       *testing.T
	name    string
	idp     *testidp.IdP
	opened  func() []string // URLs the browser was opened with
	secrets *store.Memory
	clk     clock.Clock // the agent's; nil: the real clock
}

func newRig(t *testing.T, name string) *rig {
	t.Helper()
	r := &rig{
		t:    t,
		name: name,
		// An hour: the agent plans no refresh during the test.
		idp:     testidp.Start(t, testidp.Options{AccessTokenLifetime: time.Hour}),
		secrets: store.NewMemory(),
	}
	r.opened = r.idp.UseBrowser(t)
	cfg := testkit.Isolate(t).Config
	text := fmt.Sprintf(`[[session]]
name      = %q
provider  = "oidc"
issuer    = %q
client_id = %q
scopes    = ["openid", "offline_access", "profile"]
`, name, r.idp.Issuer(), r.idp.ClientID())
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return r
}

// startAgent runs agent.Start in this process until the test ends.
func (r *rig) startAgent() *agent.Agent {
	r.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	a, err := agent.Start(ctx, agent.Options{Secrets: r.secrets, Stderr: &bytes.Buffer{}, Clock: r.clk})
	if err != nil {
		cancel()
		r.t.Fatalf("agent: %v", err)
	}
	r.t.Cleanup(func() { cancel(); a.Wait() })
	return a
}

// runAgent runs the agent as `ssokeeper run` does (cli.RunAgent: agent,
// notifier, and the tray when withTray) until the test ends. It returns
// once the control socket answers, and a channel with RunAgent's exit code.
func (r *rig) runAgent(ctx context.Context, withTray bool) (stderr *watchWriter, code <-chan int) {
	r.t.Helper()
	stderr = newWatchWriter()
	done := make(chan int, 1)
	env := &cli.Env{Stdin: strings.NewReader(""), Stdout: &bytes.Buffer{}, Stderr: stderr, Version: "e2e"}
	go func() {
		done <- cli.RunAgent(ctx, env, &cli.Globals{}, agent.Options{Secrets: r.secrets}, withTray)
	}()
	// Printed once the agent serves its socket and the notifier runs.
	select {
	case <-stderr.seen("ssokeeper agent running"):
	case c := <-done:
		r.t.Fatalf("the agent stopped at once (exit %d): %s", c, stderr)
	case <-time.After(wait):
		r.t.Fatalf("the agent did not start: %s", stderr)
	}
	return stderr, done
}

// signIn signs the session in with `ssokeeper login`, through the
// browser, and checks it worked.
func (r *rig) signIn() {
	r.t.Helper()
	before := len(r.opened())
	res := runCLI("login", r.name)
	if res.code != 0 || !strings.Contains(res.stderr, "Signed in to "+r.name) {
		r.t.Fatalf("login: %s", res)
	}
	if n := len(r.opened()) - before; n != 1 {
		r.t.Fatalf("login opened the browser %d times, want 1", n)
	}
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
	return runCLIWith(&bytes.Buffer{}, args...)
}

func runCLIWith(stderr interface {
	Write([]byte) (int, error)
	String() string
}, args ...string) result {
	var out bytes.Buffer
	code := cli.Main(args, &cli.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: stderr, Version: "e2e"})
	return result{out.String(), stderr.String(), code}
}

// watchWriter collects output and tells when a text appeared in it.
type watchWriter struct {
	mu      sync.Mutex
	b       bytes.Buffer
	waiters []waiter
}

type waiter struct {
	text string
	ch   chan struct{}
}

func newWatchWriter() *watchWriter { return &watchWriter{} }

func (w *watchWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.b.Write(p)
	w.wakeLocked()
	return n, err
}

func (w *watchWriter) wakeLocked() {
	rest := w.waiters[:0]
	for _, wt := range w.waiters {
		if strings.Contains(w.b.String(), wt.text) {
			close(wt.ch)
		} else {
			rest = append(rest, wt)
		}
	}
	w.waiters = rest
}

func (w *watchWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// seen returns a channel closed once text has been written.
func (w *watchWriter) seen(text string) <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	wt := waiter{text, make(chan struct{})}
	w.waiters = append(w.waiters, wt)
	w.wakeLocked()
	return wt.ch
}

// await waits for ch or fails the test after wait.
func await(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(wait):
		t.Fatalf("timed out waiting for %s", what)
	}
}
