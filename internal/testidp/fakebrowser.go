package testidp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// Environment of the fake browser (RunAsBrowser and ./fakebrowser).
const (
	envAsBrowser = "TESTIDP_AS_BROWSER" // "1": this test binary is $BROWSER
	envUser      = "TESTIDP_USER"
	envPassword  = "TESTIDP_PASSWORD"
	envLog       = "TESTIDP_BROWSER_LOG" // optional: a file that gets one line per URL opened
	// EnvArgvLog optionally names a file that gets each run's whole argv
	// (without the program name) as one JSON array per line.
	EnvArgvLog = "TESTIDP_BROWSER_ARGV_LOG"
)

var browserReady bool

// Start is New for tests: it fails t on error and closes the IdP when the
// test ends.
func Start(t testing.TB, opts Options) *IdP {
	t.Helper()
	p, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// RunAsBrowser must be the first call of TestMain in packages that use
// UseBrowser. When the test binary was started as $BROWSER, it signs in
// at the URL (its last argument) and exits; otherwise it returns at once.
func RunAsBrowser() {
	if os.Getenv(envAsBrowser) != "1" {
		browserReady = true
		return
	}
	os.Exit(BrowserMain(os.Args[1:]))
}

// BrowserMain is the fake browser: it signs in at the last argument with
// the user and password from the environment (see BrowserEnv) and returns
// the exit code.
func BrowserMain(args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "fake browser: no URL given")
		return 2
	}
	if name := os.Getenv(EnvArgvLog); name != "" {
		line, _ := json.Marshal(args)
		if err := appendLine(name, string(line)); err != nil {
			fmt.Fprintln(os.Stderr, "fake browser:", err)
			return 1
		}
	}
	u := containerTarget(args[len(args)-1])
	if name := os.Getenv(envLog); name != "" {
		if err := appendLine(name, u); err != nil {
			fmt.Fprintln(os.Stderr, "fake browser:", err)
			return 1
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := Browse(ctx, u, os.Getenv(envUser), os.Getenv(envPassword)); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// containerTarget unwraps an ext+container: URL as Firefox's "Open external
// links in a container" extension does: the page is its url parameter.
func containerTarget(u string) string {
	rest, ok := strings.CutPrefix(u, "ext+container:")
	if !ok {
		return u
	}
	q, err := url.ParseQuery(rest)
	if err != nil || q.Get("name") == "" {
		return u // left as is: the sign-in then fails visibly
	}
	return q.Get("url")
}

// BrowserEnv is the environment the fake browser needs to sign in as the
// test user, for a $BROWSER built from ./fakebrowser.
func (p *IdP) BrowserEnv() []string {
	return []string{envUser + "=" + p.Username(), envPassword + "=" + p.Password()}
}

// UseBrowser points $BROWSER at this test binary acting as a fake browser
// that signs in as p's test user (TestMain must call RunAsBrowser). The
// returned function lists the URLs the browser was opened with so far.
func (p *IdP) UseBrowser(t testing.TB) (opened func() []string) {
	t.Helper()
	if !browserReady {
		t.Fatal("testidp.UseBrowser needs testidp.RunAsBrowser() at the start of TestMain")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	log := t.TempDir() + "/browser.log"
	t.Setenv("BROWSER", exe)
	t.Setenv(envAsBrowser, "1")
	t.Setenv(envLog, log)
	for _, kv := range p.BrowserEnv() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	return func() []string { return readLines(log) }
}

var logMu sync.Mutex

func appendLine(name, line string) error {
	logMu.Lock()
	defer logMu.Unlock()
	f, err := os.OpenFile(name, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	_, err = f.WriteString(line + "\n")
	return errors.Join(err, f.Close())
}

func readLines(name string) []string {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil
	}
	return strings.Fields(string(b))
}
