//go:build linux

package agent_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssokeeper/ssokeeper/internal/agent"
	"github.com/ssokeeper/ssokeeper/internal/dbustest"
	"github.com/ssokeeper/ssokeeper/internal/testidp"
	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/api"
	"github.com/ssokeeper/ssokeeper/session/health"
)

// At login the keyring may be locked, or not running yet, when the agent
// starts. Sessions wait (degraded) and are healthy on their own once it
// is unlocked: no sign-in, no needs_login, no token lost.
func TestKeyringLockedAtStartThenUnlocked(t *testing.T) {
	for _, locked := range []bool{true, false} {
		name := "not running"
		if locked {
			name = "locked"
		}
		t.Run(name, func(t *testing.T) {
			cfgPath, stateDir := isolate(t)
			bus := dbustest.Start(t)
			k := dbustest.NewKeyring(t, bus)
			p := testidp.Start(t, testidp.Options{AccessTokenLifetime: time.Hour})
			writeConfig(t, cfgPath, p)

			// Yesterday: signed in with an unlocked keyring.
			k.Start(false)
			ctx, cancel := context.WithCancel(context.Background())
			a, err := agent.Start(ctx, agent.Options{})
			if err != nil {
				t.Fatal(err)
			}
			sock, _ := api.SocketPath()
			lctx, lcancel := context.WithTimeout(ctx, 30*time.Second)
			defer lcancel()
			if err := api.NewClient(sock).Login(lctx, "work", session.LoginRequest{OpenURL: func(u string) error {
				go p.Browse(lctx, u) //nolint:errcheck
				return nil
			}}); err != nil {
				t.Fatal(err)
			}
			cancel()
			a.Wait()

			// This morning: the agent starts before the keyring is usable.
			if locked {
				k.Start(true)
			} else {
				k.Stop()
			}
			ctx, cancel = context.WithCancel(context.Background())
			defer cancel()
			a, err = agent.Start(ctx, agent.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Wait()
			defer cancel()
			updates, stop := a.Manager.Subscribe()
			defer stop()
			waitWork(t, a, updates, "keyring_unavailable", func(s session.Status) bool {
				return s.State == health.Degraded && s.Reason == health.KeyringUnavailable
			})
			before := p.RefreshCount()
			if locked {
				k.Unlock()
			} else {
				k.Start(false)
			}
			waitWork(t, a, updates, "healthy", func(s session.Status) bool {
				return s.State == health.Healthy && p.RefreshCount() > before
			})
			log, _ := os.ReadFile(filepath.Join(stateDir, "ssokeeper.log"))
			if !bytes.Contains(log, []byte("the keyring is available")) {
				t.Errorf("the agent did not notice the keyring; the log:\n%s", log)
			}
			today := string(log[bytes.LastIndex(log, []byte("agent started")):])
			if strings.Contains(today, "needs_login") {
				t.Errorf("a sign-in was asked for while the keyring was locked:\n%s", log)
			}
		})
	}
}

// waitWork waits for "work" to satisfy ok, failing on needs_login.
func waitWork(t *testing.T, a *agent.Agent, updates <-chan session.Update, what string, ok func(session.Status) bool) {
	t.Helper()
	if s, found := a.Manager.Snapshot().Get("work"); found && ok(s) {
		return
	}
	deadline := time.After(30 * time.Second)
	for {
		select {
		case u := <-updates:
			s, _ := u.Snapshot.Get("work")
			if s.State == health.NeedsLogin {
				t.Fatalf("work needs a sign-in: %s (%s)", s.Reason, s.Detail)
			}
			if ok(s) {
				return
			}
		case <-deadline:
			s, _ := a.Manager.Snapshot().Get("work")
			t.Fatalf("work never %s: %s/%s (%s)", what, s.State, s.Reason, s.Detail)
		}
	}
}
