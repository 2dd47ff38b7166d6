package doctor_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssokeeper/ssokeeper/internal/agent"
	"github.com/ssokeeper/ssokeeper/internal/testidp"
	"github.com/ssokeeper/ssokeeper/session/providers"
	"github.com/ssokeeper/ssokeeper/session/store"
)

// First run: with no configuration the agent writes the commented template
// and runs with no session; a session written into the file appears
// without a restart.
func TestFirstRunTemplateThenSessionWithoutRestart(t *testing.T) {
	idp := testidp.Start(t, testidp.Options{})
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config", "ssokeeper", "config.toml") // the folder does not exist yet
	t.Setenv("SSOKEEPER_CONFIG", cfgPath)
	t.Setenv("SSOKEEPER_STATE_DIR", filepath.Join(dir, "state"))
	run, err := os.MkdirTemp("", "doc") // short: a socket path is limited
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(run) })
	t.Setenv("SSOKEEPER_RUNTIME_DIR", run)

	ctx, cancel := context.WithCancel(context.Background())
	a, err := agent.Start(ctx, agent.Options{Secrets: store.NewMemory(), Providers: providers.New,
		OpenURL: func(string) error { return nil }})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); a.Wait() })
	updates, unsubscribe := a.Manager.Subscribe()
	defer unsubscribe()

	tmpl, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatalf("no template at first run: %v", err)
	}
	if !strings.Contains(string(tmpl), "ssokeeper config validate") {
		t.Errorf("the file at %s is not the commented template:\n%s", cfgPath, tmpl)
	}
	if cfg, err := providers.LoadConfig(cfgPath); err != nil || len(cfg.Sessions) != 0 {
		t.Fatalf("template: %v, want it to load with no session", err)
	}
	if snap := a.Manager.Snapshot(); len(snap.Sessions) != 0 || snap.ConfigError != "" {
		t.Fatalf("first snapshot: %+v, want no session and no error", snap)
	}

	session := fmt.Sprintf("%s\n[[session]]\nname = \"work\"\nprovider = \"oidc\"\nissuer = %q\nclient_id = %q\n",
		tmpl, idp.Issuer(), idp.ClientID())
	write := func() {
		if err := os.WriteFile(cfgPath, []byte(session), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write()
	// The agent's file watcher starts in the background and says nothing
	// when it is ready, so a write made before may go unseen: write again
	// now and then until the agent reports the session.
	again := time.NewTicker(500 * time.Millisecond)
	defer again.Stop()
	deadline := time.After(15 * time.Second)
	for {
		select {
		case u := <-updates:
			if st, ok := u.Snapshot.Get("work"); ok {
				if st.Provider != "oidc" || u.Snapshot.ConfigError != "" {
					t.Errorf("new session: %+v, config error %q", st, u.Snapshot.ConfigError)
				}
				return
			}
		case <-again.C:
			write()
		case <-deadline:
			t.Fatalf("the session written into the file never appeared: %+v", a.Manager.Snapshot())
		}
	}
}
