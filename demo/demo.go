package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/ssokeeper/ssokeeper/internal/agent"
	"github.com/ssokeeper/ssokeeper/internal/testidp"
	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/api"
	"github.com/ssokeeper/ssokeeper/session/paths"
	"github.com/ssokeeper/ssokeeper/session/providers"
	"github.com/ssokeeper/ssokeeper/session/store"
)

// sessionName is the demo's one session.
const sessionName = "demo"

// Demo is an OpenID Provider on loopback, a configuration with one session
// whose tokens live a minute, and a temporary home for ssokeeper's files.
type Demo struct {
	IdP     *testidp.IdP
	Dir     string // config, state and socket; removed by Close
	Secrets store.Secrets
	// KeyringNote says which keyring holds the demo's refresh token.
	KeyringNote string
	// OpenBrowser shows a URL to the person; nil in headless mode.
	OpenBrowser func(url string) error

	mu      sync.Mutex
	pending string      // the sign-in URL the agent last asked to open
	opened  chan string // gets each such URL, for tests (never blocks)
	on      faults      // shown on the control page
	env     map[string]string
	oldEnv  map[string]*string
}

// Setup starts the IdP, makes the temporary home, points ssokeeper at it
// through the environment (so the person's own configuration, state and
// agent are never touched) and writes the demo session's configuration.
func Setup() (*Demo, error) {
	dir, err := os.MkdirTemp("", "ssokeeper-demo-")
	if err != nil {
		return nil, err
	}
	idp, err := testidp.New(testidp.Options{AccessTokenLifetime: time.Minute, PrefillLogin: true})
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	d := &Demo{IdP: idp, Dir: dir, oldEnv: map[string]*string{}, opened: make(chan string, 1)}
	d.env = map[string]string{
		"SSOKEEPER_CONFIG":      filepath.Join(dir, "config.toml"),
		"SSOKEEPER_STATE_DIR":   filepath.Join(dir, "state"),
		"SSOKEEPER_RUNTIME_DIR": filepath.Join(dir, "run"),
	}
	for k, v := range d.env {
		if old, ok := os.LookupEnv(k); ok {
			d.oldEnv[k] = &old
		} else {
			d.oldEnv[k] = nil
		}
		os.Setenv(k, v)
	}
	cfg := fmt.Sprintf(`# The ssokeeper demo: one session at an OpenID Provider on this computer.
[[session]]
name      = %q
provider  = "oidc"
issuer    = %q
client_id = %q
`, sessionName, idp.Issuer(), idp.ClientID())
	if err := os.WriteFile(d.env["SSOKEEPER_CONFIG"], []byte(cfg), 0o600); err != nil {
		d.Close()
		return nil, err
	}
	d.Secrets, d.KeyringNote = pickSecrets()
	return d, nil
}

// pickSecrets uses the system keyring when it answers and holds no
// refresh token of a real session called "demo"; else memory.
func pickSecrets() (store.Secrets, string) {
	k := store.NewKeyring(3 * time.Second)
	_, err := k.Get(sessionName, store.RefreshToken)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return k, "the system keyring (the demo's entry is deleted at exit)"
	case err == nil:
		return store.NewMemory(), "memory: the system keyring already holds a session called \"demo\", which the demo leaves alone"
	default:
		return store.NewMemory(), "memory: the system keyring does not answer here (`ssokeeper doctor` says why)"
	}
}

// Env lists the variables that point ssokeeper at the demo, for the
// person's other terminal.
func (d *Demo) Env() map[string]string { return d.env }

// AgentOptions are the agent's options for the demo.
func (d *Demo) AgentOptions() agent.Options {
	return agent.Options{Secrets: d.Secrets, Providers: providers.New, OpenURL: d.openURL}
}

// openURL is called when the person clicks Sign in in the tray or a
// notification: the browser shows the IdP's login page, and the control
// page offers to finish it.
func (d *Demo) openURL(u string) error {
	d.mu.Lock()
	d.pending = u
	d.mu.Unlock()
	select {
	case d.opened <- u:
	default:
	}
	fmt.Fprintf(os.Stderr, "\nSign-in started: log in as %s / %s in the browser, or press \"Finish the sign-in for me\" on the control page.\n",
		d.IdP.Username(), d.IdP.Password())
	if d.OpenBrowser == nil || d.OpenBrowser(u) != nil {
		fmt.Fprintf(os.Stderr, "Login page: %s\n", u)
	}
	return nil // the control page can finish the sign-in either way
}

// Pending returns the sign-in URL waiting for the person, if any.
func (d *Demo) Pending() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.pending
}

// SignInFirst signs the demo session in before the agent starts, with a
// manager of this process and the fake browser, so the agent refreshes at
// once when it starts.
func (d *Demo) SignInFirst(ctx context.Context) error {
	cfg, err := providers.LoadConfig(d.env["SSOKEEPER_CONFIG"])
	if err != nil {
		return err
	}
	if err := paths.EnsureDir(d.env["SSOKEEPER_STATE_DIR"]); err != nil {
		return err
	}
	m, err := session.New(session.Options{Config: cfg, Secrets: d.Secrets,
		StateDir: d.env["SSOKEEPER_STATE_DIR"], Providers: providers.New})
	if err != nil {
		return err
	}
	return m.Login(ctx, sessionName, session.LoginRequest{OpenURL: d.browse(ctx), Timeout: time.Minute})
}

// SignIn signs in again through the running agent, with the fake browser.
func (d *Demo) SignIn(ctx context.Context) error {
	c, err := d.agent()
	if err != nil {
		return err
	}
	return c.Login(ctx, sessionName, session.LoginRequest{OpenURL: d.browse(ctx), Timeout: time.Minute})
}

// FinishPending signs in as the test user at the URL the agent opened.
func (d *Demo) FinishPending(ctx context.Context) error {
	u := d.Pending()
	if u == "" {
		return errors.New("no sign-in is waiting; click Sign in in the tray or the notification first")
	}
	if _, err := d.IdP.Browse(ctx, u); err != nil {
		return err
	}
	d.mu.Lock()
	if d.pending == u {
		d.pending = ""
	}
	d.mu.Unlock()
	return nil
}

// browse is a LoginRequest.OpenURL that signs in with the fake browser.
func (d *Demo) browse(ctx context.Context) func(string) error {
	return func(u string) error {
		go d.IdP.Browse(ctx, u) //nolint:errcheck // the sign-in's result tells
		return nil
	}
}

// Refresh asks the agent to refresh the demo session now.
func (d *Demo) Refresh(ctx context.Context) error {
	c, err := d.agent()
	if err != nil {
		return err
	}
	return c.Refresh(ctx, sessionName)
}

// Status is the agent's snapshot.
func (d *Demo) Status(ctx context.Context) (session.Snapshot, error) {
	c, err := d.agent()
	if err != nil {
		return session.Snapshot{}, err
	}
	return c.Status(ctx)
}

func (d *Demo) agent() (*api.Client, error) {
	sock, err := api.SocketPath()
	if err != nil {
		return nil, err
	}
	return api.NewClient(sock), nil
}

// Close stops the IdP, deletes the demo's keyring entry and files, and
// restores the environment.
func (d *Demo) Close() {
	d.IdP.Close()
	if d.Secrets != nil {
		d.Secrets.Delete(sessionName, store.RefreshToken) //nolint:errcheck // best effort
	}
	os.RemoveAll(d.Dir)
	for k, v := range d.oldEnv {
		if v == nil {
			os.Unsetenv(k)
		} else {
			os.Setenv(k, *v)
		}
	}
}
