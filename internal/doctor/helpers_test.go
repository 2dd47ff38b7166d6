package doctor_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssokeeper/ssokeeper/internal/agent"
	"github.com/ssokeeper/ssokeeper/internal/autostart"
	"github.com/ssokeeper/ssokeeper/internal/doctor"
	"github.com/ssokeeper/ssokeeper/internal/testidp"
	"github.com/ssokeeper/ssokeeper/internal/testkit"
	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/api"
	"github.com/ssokeeper/ssokeeper/session/paths"
	"github.com/ssokeeper/ssokeeper/session/providers"
	"github.com/ssokeeper/ssokeeper/session/store"
)

// fixture is a temporary ssokeeper home (config, state, socket, XDG
// autostart folder) next to a real OpenID Provider on 127.0.0.1, with an
// in-memory keyring shared by the agent, local managers and doctor.
type fixture struct {
	t       *testing.T
	idp     *testidp.IdP
	secrets *store.Memory
	dir     string
	cfgPath string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	paths := testkit.Isolate(t)
	f := &fixture{t: t, idp: testidp.Start(t, testidp.Options{}), secrets: store.NewMemory(), dir: paths.Dir, cfgPath: paths.Config}
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(f.dir, "xdg"))
	f.writeConfig(f.idp.ClientID(), "")
	return f
}

// writeConfig writes one oidc session "work"; extra is added to its table.
func (f *fixture) writeConfig(clientID, extra string) {
	f.t.Helper()
	text := fmt.Sprintf("[[session]]\nname = \"work\"\nprovider = \"oidc\"\nissuer = %q\nclient_id = %q\n%s",
		f.idp.Issuer(), clientID, extra)
	if err := os.WriteFile(f.cfgPath, []byte(text), 0o600); err != nil {
		f.t.Fatal(err)
	}
}

// enableAutostart writes the XDG entry for this test binary, as
// `ssokeeper autostart enable` would for an installed one.
func (f *fixture) enableAutostart(exe string) {
	f.t.Helper()
	dir := filepath.Join(f.dir, "xdg", "autostart")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		f.t.Fatal(err)
	}
	entry := "[Desktop Entry]\nType=Application\nName=ssokeeper\nExec=" + exe + "\n"
	if err := os.WriteFile(filepath.Join(dir, "ssokeeper.desktop"), []byte(entry), 0o644); err != nil {
		f.t.Fatal(err)
	}
}

func testExe(t *testing.T) string {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	exe, err = filepath.EvalSymlinks(exe)
	if err != nil {
		t.Fatal(err)
	}
	return exe
}

// localManager is a manager without an agent, as the CLI opens one.
func (f *fixture) localManager() *session.Manager {
	f.t.Helper()
	cfg, err := providers.LoadConfig(f.cfgPath)
	if err != nil {
		f.t.Fatal(err)
	}
	state, _ := paths.StateDir()
	if err := paths.EnsureDir(state); err != nil {
		f.t.Fatal(err)
	}
	m, err := session.New(session.Options{Config: cfg, Secrets: f.secrets, StateDir: state,
		Providers: providers.New, HTTPTimeout: 5 * time.Second})
	if err != nil {
		f.t.Fatal(err)
	}
	return m
}

// signIn signs "work" in through the IdP's login form.
func (f *fixture) signIn(m *session.Manager) {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := m.Login(ctx, "work", session.LoginRequest{OpenURL: func(u string) error {
		go f.idp.Browse(ctx, u) //nolint:errcheck // the sign-in's result tells
		return nil
	}})
	if err != nil {
		f.t.Fatalf("sign-in: %v", err)
	}
}

// startAgent runs the real agent over the fixture until the test ends.
func (f *fixture) startAgent() *agent.Agent {
	f.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	a, err := agent.Start(ctx, agent.Options{Secrets: f.secrets, Providers: providers.New,
		OpenURL: func(string) error { return nil }})
	if err != nil {
		cancel()
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { cancel(); a.Wait() })
	return a
}

// input is what the CLI hands doctor, over the fixture.
func (f *fixture) input(refresh bool) doctor.Input {
	sock, err := api.SocketPath()
	if err != nil {
		f.t.Fatal(err)
	}
	return doctor.Input{
		ConfigPath: f.cfgPath,
		Load:       providers.LoadConfig,
		Refresh:    refresh,
		Secrets:    f.secrets,
		Agent:      api.NewClient(sock),
		OpenLocal: func() (session.Sessions, func(), error) {
			return f.localManager(), func() {}, nil
		},
		Autostart: func() (autostart.Status, error) {
			m, err := autostart.New()
			if err != nil {
				return autostart.Status{}, err
			}
			return m.Status()
		},
	}
}

func (f *fixture) run(in doctor.Input) doctor.Report {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rep, err := doctor.Run(ctx, in)
	if err != nil {
		f.t.Fatal(err)
	}
	f.assertNoSecrets(rep)
	return rep
}

// assertNoSecrets fails when any stored secret shows in the report.
func (f *fixture) assertNoSecrets(rep doctor.Report) {
	f.t.Helper()
	b, _ := json.Marshal(rep)
	for k, v := range f.secrets.Snapshot() {
		if len(v) >= 4 && strings.Contains(string(b), v) {
			f.t.Errorf("the report shows the secret %s", k)
		}
	}
}

// check returns the named check of session "work".
func check(t *testing.T, rep doctor.Report, name string) doctor.Check {
	t.Helper()
	if len(rep.Sessions) != 1 {
		t.Fatalf("want one session in the report, got %d: %+v", len(rep.Sessions), rep)
	}
	for _, c := range rep.Sessions[0].Checks {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no check %q in %+v", name, rep.Sessions[0].Checks)
	return doctor.Check{}
}

func wantFail(t *testing.T, c doctor.Check, detail, fix string) {
	t.Helper()
	if c.OK {
		t.Errorf("%s: want ✗, got ✓ (%s)", c.Name, c.Detail)
	}
	if !strings.Contains(c.Detail, detail) {
		t.Errorf("%s: detail %q does not mention %q", c.Name, c.Detail, detail)
	}
	if !strings.Contains(c.Fix, fix) {
		t.Errorf("%s: fix %q does not mention %q", c.Name, c.Fix, fix)
	}
}

func wantPass(t *testing.T, c doctor.Check) {
	t.Helper()
	if !c.OK || c.Warn {
		t.Errorf("%s: want ✓, got ok=%v warn=%v: %s (fix: %s)", c.Name, c.OK, c.Warn, c.Detail, c.Fix)
	}
}
