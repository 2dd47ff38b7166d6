package agent_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ssokeeper/ssokeeper/internal/agent"
	"github.com/ssokeeper/ssokeeper/internal/testidp"
	"github.com/ssokeeper/ssokeeper/internal/testkit"
	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/api"
	"github.com/ssokeeper/ssokeeper/session/health"
	"github.com/ssokeeper/ssokeeper/session/store"
)

// isolate points every ssokeeper path at temporary folders.
func isolate(t *testing.T) (cfgPath, stateDir string) {
	t.Helper()
	p := testkit.Isolate(t)
	return p.Config, p.State
}

func writeConfig(t *testing.T, path string, p *testidp.IdP) {
	t.Helper()
	os.MkdirAll(filepath.Dir(path), 0o700) //nolint:errcheck
	cfg := "[[session]]\nname = \"work\"\nprovider = \"oidc\"\nissuer = \"" + p.Issuer() +
		"\"\nclient_id = \"" + p.ClientID() + "\"\nscopes = [\"openid\", \"offline_access\"]\n"
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestSecondAgentRefusedAndShutdownSavesState(t *testing.T) {
	cfgPath, stateDir := isolate(t)
	p := testidp.Start(t, testidp.Options{})
	writeConfig(t, cfgPath, p)
	secrets := store.NewMemory()

	ctx, cancel := context.WithCancel(context.Background())
	a, err := agent.Start(ctx, agent.Options{Secrets: secrets})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := agent.Start(ctx, agent.Options{Secrets: secrets}); !errors.Is(err, agent.ErrAlreadyRunning) {
		t.Fatalf("second agent: %v, want ErrAlreadyRunning", err)
	}

	sock, _ := api.SocketPath()
	c := api.NewClient(sock)
	lctx, lcancel := context.WithTimeout(ctx, 30*time.Second)
	defer lcancel()
	if err := c.Login(lctx, "work", session.LoginRequest{OpenURL: func(u string) error {
		go p.Browse(lctx, u) //nolint:errcheck
		return nil
	}}); err != nil {
		t.Fatal(err)
	}

	cancel() // what SIGTERM does
	a.Wait()
	if _, err := os.Stat(sock); !os.IsNotExist(err) {
		t.Errorf("socket left behind after shutdown: %v", err)
	}
	st, err := store.LoadState(filepath.Join(stateDir, "state.json"))
	if err != nil {
		t.Fatal(err)
	}
	work := st.Sessions["work"]
	if !work.HasRefreshToken || work.State != string(health.Healthy) || work.LastRefresh.IsZero() {
		t.Fatalf("state after shutdown: %+v", work)
	}

	// The lock was released: a new agent starts and resumes the session
	// with a refresh (access tokens are never persisted), no sign-in.
	before := p.RefreshCount()
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	a2, err := agent.Start(ctx2, agent.Options{Secrets: secrets})
	if err != nil {
		t.Fatal(err)
	}
	updates, stop := a2.Manager.Subscribe()
	defer stop()
	deadline := time.After(15 * time.Second)
	for {
		select {
		case u := <-updates:
			if s, ok := u.Snapshot.Get("work"); ok && s.State == health.Healthy && s.AccessExpiresAt != nil && s.AccessExpiresAt.After(time.Now()) && p.RefreshCount() > before {
				cancel2()
				a2.Wait()
				return
			}
		case <-deadline:
			s, _ := a2.Manager.Snapshot().Get("work")
			t.Fatalf("restarted agent did not resume the session: %+v", s)
		}
	}
}
