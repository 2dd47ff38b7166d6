//go:build linux

package presets

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ssokeeper/ssokeeper/internal/testkit"
)

// envAsBrowser: "1" when this test binary runs as ssokeeper's $BROWSER.
const envAsBrowser = "PRESETS_AS_BROWSER"

func TestMain(m *testing.M) {
	if os.Getenv(envAsBrowser) == "1" {
		os.Exit(browse(os.Args[len(os.Args)-1]))
	}
	code := m.Run()
	testkit.RemoveBinary()
	os.Exit(code)
}

// browse is the person at the browser, already signed in at the IdP: it
// follows the authorization URL's redirects (through HTTPS_PROXY, trusting
// SSL_CERT_FILE, like ssokeeper) to ssokeeper's page on 127.0.0.1.
func browse(u string) int {
	c := &http.Client{Timeout: time.Minute}
	resp, err := c.Get(u)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fake browser:", err)
		return 1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(os.Stderr, "fake browser: %s: %s\n", resp.Status, body)
		return 1
	}
	return 0
}

// machine is a user's computer behind a TLS-inspecting proxy: the
// environment every ssokeeper run gets.
type machine struct {
	t       *testing.T
	bin     string
	env     []string
	printed *[]string // everything every run printed
}

// proxyEnv is every variable that picks a proxy or a CA bundle; the test
// sets its own.
var proxyEnv = []string{"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy",
	"ALL_PROXY", "all_proxy", "SSL_CERT_FILE", "SSL_CERT_DIR", "BROWSER"}

func newMachine(t *testing.T, p *proxy, config string) *machine {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(cfg, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	run, err := os.MkdirTemp("", "presets") // the socket path must stay short
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(run) })
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(proxyEnv, k) {
			env = append(env, kv)
		}
	}
	env = append(env,
		"HTTPS_PROXY="+p.URL,
		"SSL_CERT_FILE="+p.CAFile,
		"BROWSER="+exe, envAsBrowser+"=1",
		"SSOKEEPER_CONFIG="+cfg,
		"SSOKEEPER_STATE_DIR="+filepath.Join(dir, "state"),
		"SSOKEEPER_RUNTIME_DIR="+run,
	)
	return &machine{t: t, bin: testkit.Binary(t), env: env, printed: new([]string)}
}

// with returns the machine with some variables changed ("K=V") or
// removed ("K").
func (m *machine) with(changes ...string) *machine {
	env := slices.Clone(m.env)
	for _, c := range changes {
		k, _, set := strings.Cut(c, "=")
		kept := env[:0]
		for _, kv := range env {
			if ek, _, _ := strings.Cut(kv, "="); ek != k {
				kept = append(kept, kv)
			}
		}
		env = kept
		if set {
			env = append(env, c)
		}
	}
	return &machine{t: m.t, bin: m.bin, env: env, printed: m.printed}
}

type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
}

// run runs ssokeeper with args (and stdin), bounded in time: a sign-in that
// hangs fails the test instead of waiting out its 5 minutes.
func (m *machine) run(stdin string, args ...string) result {
	m.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, m.bin, args...)
	cmd.Env = m.env
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{out.String(), errb.String(), cmd.ProcessState.ExitCode()}
	*m.printed = append(*m.printed, r.stdout, r.stderr)
	if err != nil && r.code <= 0 {
		m.t.Fatalf("ssokeeper %s: %v (%s)", strings.Join(args, " "), err, r)
	}
	return r
}
