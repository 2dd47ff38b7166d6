package awssso

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/ssokeeper/ssokeeper/internal/testkit"
	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/clock"
	"github.com/ssokeeper/ssokeeper/session/config"
	"github.com/ssokeeper/ssokeeper/session/health"
	"github.com/ssokeeper/ssokeeper/session/store"
)

// agentRig runs a session manager (as the agent does) over the fixture's
// SSO OIDC server and cache folder, with the real keyring.
type agentRig struct {
	t        *testing.T
	f        *fixture
	clk      *clock.Fake
	keys     store.Secrets
	stateDir string
	name     string
	cfg      *config.Config
	m        *session.Manager
	updates  <-chan session.Update
	stop     func()
}

func newAgentRig(t *testing.T) *agentRig {
	t.Helper()
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		testkit.Missing(t, "no D-Bus session bus")
	}
	keys := store.NewKeyring(5 * time.Second)
	if _, err := keys.Get("ssokeeper-test-probe", "probe"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the Secret Service does not work: %v", err)
	}
	f := newFixture(t)
	// Tokens' lifetimes are read against the real clock: run near it.
	clk := clock.NewFake(time.Now())
	f.clk.t = clk.Now()
	f.srv.SetNow(clk.Now)
	r := &agentRig{t: t, f: f, clk: clk, keys: keys, stateDir: t.TempDir(), name: fmt.Sprintf("aws-%d", rand.Uint32())}
	t.Cleanup(func() { keys.Delete(r.name, store.RefreshToken) }) //nolint:errcheck
	c := testSession()
	c.Name = r.name
	r.cfg = &config.Config{Sessions: []config.Session{c}}
	return r
}

func (r *agentRig) start(cfg *config.Config) {
	r.t.Helper()
	m, err := session.New(session.Options{
		Config: cfg, Secrets: r.keys, StateDir: r.stateDir, Clock: r.clk, Agent: true, Seed: 1,
		Providers: func(s config.Session, deps session.ProviderDeps) (session.Provider, error) {
			return New(s, Options{HTTPClient: deps.HTTPClient, Now: deps.Now, CacheDir: r.f.cacheDir,
				Endpoint: r.f.srv.URL, RegistrationDir: r.f.regDir})
		},
	})
	if err != nil {
		r.t.Fatal(err)
	}
	r.m = m
	updates, unsub := m.Subscribe()
	r.updates = updates
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); m.Run(ctx) }()
	r.stop = func() { cancel(); <-done; unsub() }
	r.t.Cleanup(func() {
		if r.stop != nil {
			r.stop()
		}
	})
}

func (r *agentRig) restart(cfg *config.Config) {
	r.stop()
	r.stop = nil
	r.start(cfg)
}

// wait waits for an update where the session satisfies ok; no sleeping.
func (r *agentRig) wait(what string, ok func(session.Status) bool) session.Status {
	r.t.Helper()
	if st, found := r.m.Snapshot().Get(r.name); found && ok(st) {
		return st
	}
	deadline := time.After(15 * time.Second)
	for {
		select {
		case u := <-r.updates:
			if st, found := u.Snapshot.Get(r.name); found && ok(st) {
				return st
			}
		case <-deadline:
			st, _ := r.m.Snapshot().Get(r.name)
			r.t.Fatalf("timed out waiting for %s: %s/%s (%s)", what, st.State, st.Reason, st.Detail)
		}
	}
}

func healthy(st session.Status) bool { return st.State == health.Healthy }

// TestAdoptsAWSCLILoginAtStart: a session someone signed in with
// `aws sso login` is adopted when the agent starts, when the config gains
// the session, and when it needed a sign-in before — no refresh, no click.
func TestAdoptsAWSCLILoginAtStart(t *testing.T) {
	for _, how := range []string{"agent start", "config change", "needed sign-in before"} {
		t.Run(how, func(t *testing.T) {
			r := newAgentRig(t)
			switch how {
			case "agent start":
				r.f.seed(t, r.f.srv.NewSession(), nil)
				r.start(r.cfg)
			case "config change":
				r.start(&config.Config{})
				r.f.seed(t, r.f.srv.NewSession(), nil)
				r.m.Reload(r.cfg, nil)
			case "needed sign-in before":
				r.start(r.cfg)
				r.wait("needs_login", func(st session.Status) bool { return st.State == health.NeedsLogin })
				r.f.seed(t, r.f.srv.NewSession(), nil) // the person ran `aws sso login`
				r.restart(r.cfg)
			}
			st := r.wait("adopted", healthy)
			if st.AccessExpiresAt == nil || !st.AccessExpiresAt.After(r.clk.Now()) {
				t.Errorf("adopted without the cache's expiry: %+v", st.AccessExpiresAt)
			}
			if n := r.f.srv.Count("/token", ""); n != 0 {
				t.Errorf("%d token requests: adoption needs none", n)
			}
			if rt, err := r.keys.Get(r.name, store.RefreshToken); err != nil || rt == "" {
				t.Errorf("the adopted refresh token is not in the keyring: %v", err)
			}
		})
	}
}

// TestBadCacheFileDoesNotBlockSession: with the cache file turned to
// garbage while the agent was away, the agent refreshes from the keyring's
// refresh token and its own registration, and rewrites a valid file.
func TestBadCacheFileDoesNotBlockSession(t *testing.T) {
	r := newAgentRig(t)
	r.f.seed(t, r.f.srv.NewSession(), nil)
	r.start(r.cfg)
	r.wait("adopted", healthy)
	r.stop()
	r.stop = nil
	r.f.writeRaw(t, []byte("{garbage"))
	old := time.Now().Add(-time.Minute)
	os.Chtimes(r.f.p.CacheFile(), old, old)
	r.start(r.cfg)
	r.wait("refreshed", func(st session.Status) bool {
		return healthy(st) && r.f.srv.Count("/token", "") > 0
	})
	if _, err := r.f.p.Import(); err != nil {
		t.Fatalf("the cache file was not repaired: %v", err)
	}

	// With nothing to refresh with (no registration of ours either), the
	// session needs a sign-in and stops retrying.
	r.stop()
	r.stop = nil
	os.RemoveAll(r.f.regDir)
	r.f.writeRaw(t, []byte("{garbage"))
	os.Chtimes(r.f.p.CacheFile(), old, old)
	r.start(r.cfg)
	st := r.wait("needs_login", func(st session.Status) bool { return st.State == health.NeedsLogin })
	if st.NextRefresh != nil || st.Fix == "" {
		t.Errorf("a session with nothing to refresh with: next refresh %v, fix %q; want none and a fix", st.NextRefresh, st.Fix)
	}
}

// TestStaleCacheDoesNotReplaceRotatedToken: the cache file holds an expired
// token and a refresh token the IdP has since rotated away (the agent's
// write of the file was lost), and state.json is gone. The agent must
// refresh with the keyring's token, not adopt the file's dead one.
func TestStaleCacheDoesNotReplaceRotatedToken(t *testing.T) {
	r := newAgentRig(t)
	r.f.srv.SetRotate(true)
	s := r.f.srv.NewSession()
	r.f.seed(t, s, nil)
	r.start(r.cfg)
	r.wait("adopted", healthy)
	if err := r.m.Refresh(context.Background(), r.name); err != nil {
		t.Fatal(err)
	}
	rotated, _ := r.keys.Get(r.name, store.RefreshToken)
	if rotated == "" || rotated == s.RefreshToken {
		t.Fatal("the refresh did not rotate the refresh token")
	}
	r.stop()
	r.stop = nil
	s.ExpiresIn = -time.Minute // the file as it was before the rotation, now expired
	r.f.seed(t, s, nil)
	os.Remove(r.stateDir + "/state.json")
	before := r.f.srv.Count("/token", "")
	r.start(r.cfg)
	r.wait("refreshed with the keyring's token", func(st session.Status) bool {
		return healthy(st) && r.f.srv.Count("/token", "") > before
	})
	if rt, _ := r.keys.Get(r.name, store.RefreshToken); rt == s.RefreshToken {
		t.Fatal("the dead refresh token of the stale cache file replaced the keyring's")
	}
}
