package session_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ssokeeper/ssokeeper/internal/testidp"
	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/config"
	"github.com/ssokeeper/ssokeeper/session/health"
	"github.com/ssokeeper/ssokeeper/session/providers"
	"github.com/ssokeeper/ssokeeper/session/store"
)

// realKeyring returns the Secret Service the test harness runs, behind a
// switch that makes it refuse writes. It skips (or fails, under
// scripts/test.sh) when there is none.
func realKeyring(t *testing.T) *faultyKeyring {
	t.Helper()
	missing := func(why string) {
		if os.Getenv("SSOKEEPER_REQUIRE_DBUS") == "1" {
			t.Fatalf("SSOKEEPER_REQUIRE_DBUS=1 but %s", why)
		}
		t.Skipf("%s; run through scripts/test.sh", why)
	}
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		missing("no D-Bus session bus")
	}
	k := store.NewKeyring(5 * time.Second)
	if _, err := k.Get("ssokeeper-test-probe", "probe"); !errors.Is(err, store.ErrNotFound) {
		missing(fmt.Sprintf("the Secret Service does not work: %v", err))
	}
	return &faultyKeyring{Secrets: k}
}

// faultyKeyring is the real keyring, except that writes fail while
// refuseWrites is set, as a keyring locked mid-run does.
type faultyKeyring struct {
	store.Secrets
	refuseWrites atomic.Bool
}

func (k *faultyKeyring) Set(session, key, value string) error {
	if k.refuseWrites.Load() {
		return fmt.Errorf("%w: the keyring is locked (injected)", store.ErrUnavailable)
	}
	return k.Secrets.Set(session, key, value)
}

// newKeyringRig is a rig whose manager uses the real keyring, with one
// session of a name no other test uses.
func newKeyringRig(t *testing.T, opts testidp.Options) (*rig, string, *faultyKeyring) {
	t.Helper()
	k := realKeyring(t)
	name := fmt.Sprintf("work-%d", rand.Uint32())
	t.Cleanup(func() {
		for _, key := range []string{store.RefreshToken, store.IDToken} {
			k.Secrets.Delete(name, key) //nolint:errcheck
		}
	})
	r := newRig(t, opts)
	r.stop()
	r.keys = k
	r.cfg = &config.Config{Sessions: []config.Session{r.sessionConfig(name)}}
	r.start()
	return r, name, k
}

// healedWithoutSignIn waits until name is healthy after a refresh at the
// IdP, and fails if any update on the way said it needs a sign-in.
func (r *rig) healedWithoutSignIn(name string, before int) {
	r.t.Helper()
	deadline := time.After(15 * time.Second)
	check := func(u session.Update) bool {
		for _, ev := range u.Events {
			if ev.Session == name && ev.Kind == session.StateChanged && (ev.To.NeedsAction() || ev.To == health.LoggedOut) {
				r.t.Fatalf("%s went %s (%s) on the way: a person would have been asked to sign in", name, ev.To, ev.Reason)
			}
		}
		st, _ := u.Snapshot.Get(name)
		if st.State.NeedsAction() {
			r.t.Fatalf("%s shown as %s/%s on the way", name, st.State, st.Reason)
		}
		return st.State == health.Healthy && r.idp.RefreshCount() > before
	}
	for {
		select {
		case u := <-r.updates:
			if check(u) {
				return
			}
		case <-deadline:
			st, _ := r.m.Snapshot().Get(name)
			r.t.Fatalf("%s not healthy in time: %s/%s (%s)", name, st.State, st.Reason, st.Detail)
		}
	}
}

func TestLostStateRefreshesFromKeyring(t *testing.T) {
	for _, tc := range []struct {
		name    string
		damage  func(t *testing.T, path, session string)
		corrupt bool
	}{
		{"missing", func(t *testing.T, path, _ string) { os.Remove(path) }, false},
		{"empty", func(t *testing.T, path, _ string) { os.WriteFile(path, nil, 0o600) }, true},
		{"truncated", func(t *testing.T, path, _ string) {
			data, _ := os.ReadFile(path)
			os.WriteFile(path, data[:len(data)/2], 0o600)
		}, true},
		{"garbage", func(t *testing.T, path, _ string) { os.WriteFile(path, []byte("\x00\xffnot json{{"), 0o600) }, true},
		{"lacks the session", func(t *testing.T, path, name string) {
			data, _ := os.ReadFile(path)
			os.WriteFile(path, []byte(strings.ReplaceAll(string(data), `"`+name+`"`, `"someone-else"`)), 0o600)
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, name, _ := newKeyringRig(t, testidp.Options{})
			r.login(name)
			r.waitState(name, health.Healthy, health.None)
			r.stop()
			path := filepath.Join(r.dir, "state.json")
			tc.damage(t, path, name)
			before := r.idp.RefreshCount()
			r.start()
			r.healedWithoutSignIn(name, before)
			if tok, err := r.m.Token(context.Background(), name, 0); err != nil || tok.AccessToken == "" {
				t.Fatalf("no token after the state was lost: %v", err)
			}
			aside, _ := filepath.Glob(path + ".corrupt-*")
			if tc.corrupt != (len(aside) == 1) {
				t.Errorf("corrupt files kept aside: %v, want one: %v", aside, tc.corrupt)
			}
			if n := strings.Count(r.logBuf.String(), "state file corrupt"); tc.corrupt != (n == 1) {
				t.Errorf("the log reports the corrupt state file %d times, want once: %v", n, tc.corrupt)
			}
			// The state file is rebuilt and says the session is kept.
			st, err := store.LoadState(path)
			if err != nil || !st.Sessions[name].HasRefreshToken {
				t.Errorf("state.json not rebuilt: %v %+v", err, st.Sessions[name])
			}
		})
	}
}

func TestSessionAddedBackRefreshesFromKeyring(t *testing.T) {
	for _, tc := range []struct {
		name      string
		dropState bool // state.json lost while the session was out of the config
	}{{"config emptied and restored", false}, {"removed, state lost, added back", true}} {
		t.Run(tc.name, func(t *testing.T) {
			r, name, _ := newKeyringRig(t, testidp.Options{})
			r.login(name)
			r.waitState(name, health.Healthy, health.None)
			full := r.cfg
			r.m.Reload(&config.Config{}, nil)
			if _, ok := r.m.Snapshot().Get(name); ok {
				t.Fatal("the session stayed after it left the config")
			}
			if tc.dropState {
				os.Remove(filepath.Join(r.dir, "state.json"))
			}
			before := r.idp.RefreshCount()
			r.m.Reload(full, nil)
			r.healedWithoutSignIn(name, before)
		})
	}
}

func TestNothingInKeyringStillNeedsSignIn(t *testing.T) {
	// The probe must not hide a session that really needs a person.
	r, name, _ := newKeyringRig(t, testidp.Options{})
	st := r.waitState(name, health.NeedsLogin, health.RefreshTokenMissing)
	if st.Fix == "" {
		t.Error("needs_login without a fix")
	}
	if r.idp.RefreshCount() != 0 {
		t.Error("the IdP was asked without a refresh token")
	}
}

func TestReloadBetweenKeyringRefusalAndRetryKeepsRotatedToken(t *testing.T) {
	for _, change := range []bool{false, true} {
		t.Run(fmt.Sprintf("config changed=%v", change), func(t *testing.T) {
			// Tokens live 10 min: only the keyring retry can store the
			// rotated token while the test waits.
			r, name, k := newKeyringRig(t, testidp.Options{AccessTokenLifetime: 10 * time.Minute})
			r.login(name)
			old := r.refreshToken(name)
			k.refuseWrites.Store(true)
			r.m.Refresh(context.Background(), name) //nolint:errcheck
			r.waitState(name, health.Degraded, health.KeyringUnavailable)
			// The config is reloaded while the rotated token lives only in
			// memory.
			cfg := &config.Config{Sessions: append([]config.Session(nil), r.cfg.Sessions...)}
			if change {
				cfg.Sessions[0].WarnBefore = 20 * time.Minute
			}
			r.m.Reload(cfg, nil)
			if st, _ := r.m.Snapshot().Get(name); st.Reason != health.KeyringUnavailable {
				t.Fatalf("the reload lost the diagnosis: %s/%s", st.State, st.Reason)
			}
			k.refuseWrites.Store(false)
			before := r.idp.RefreshCount()
			r.clk.Advance(31 * time.Second)
			r.waitState(name, health.Healthy, health.None)
			if rt := r.refreshToken(name); rt == "" || rt == old {
				t.Fatal("the rotated refresh token never reached the keyring after the reload")
			}
			if r.idp.RefreshCount() != before {
				t.Fatal("a refresh, not the keyring retry, stored the token")
			}
			// A restart forgets memory: only the stored token carries on.
			before = r.idp.RefreshCount()
			r.restart()
			r.healedWithoutSignIn(name, before)
		})
	}
}

func TestIDTokenAfterRestart(t *testing.T) {
	r, name, _ := newKeyringRig(t, testidp.Options{})
	r.login(name)
	tok, err := r.m.Token(context.Background(), name, 0)
	if err != nil || tok.IDToken == "" {
		t.Fatalf("no ID token after sign-in: %v", err)
	}
	before := r.idp.RefreshCount()
	r.restart()
	r.healedWithoutSignIn(name, before)
	tok, err = r.m.Token(context.Background(), name, 0)
	if err != nil || tok.IDToken == "" {
		t.Fatalf("no ID token after a restart: %v", err)
	}
}

// TestIDTokenKeptAcrossRestart: an IdP that sends an ID token only at
// sign-in; after a restart `token --id-token` still has one, from the
// keyring, without a new sign-in.
func TestIDTokenKeptAcrossRestart(t *testing.T) {
	r, name, _ := newKeyringRig(t, testidp.Options{})
	r.idp.OmitIDTokenOnRefresh(true)
	r.login(name)
	first, err := r.m.Token(context.Background(), name, 0)
	if err != nil || first.IDToken == "" {
		t.Fatalf("no ID token after sign-in: %v", err)
	}
	before := r.idp.RefreshCount()
	r.restart()
	r.healedWithoutSignIn(name, before)
	tok, err := r.m.Token(context.Background(), name, 0)
	if err != nil || tok.IDToken != first.IDToken {
		t.Fatalf("after a restart and a refresh without an ID token: %v, ID token kept: %v", err, tok.IDToken == first.IDToken)
	}
	if !strings.Contains(r.logBuf.String(), "refreshed") || strings.Contains(r.logBuf.String(), first.IDToken) {
		t.Fatal("the log holds the ID token, or no refresh happened")
	}
	// Sign-out forgets it.
	if err := r.m.Logout(context.Background(), name); err != nil {
		t.Fatal(err)
	}
	if _, err := r.keys.Get(name, store.IDToken); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the ID token stayed in the keyring after sign-out: %v", err)
	}
}

// TestUnwritableStateKeepsWorking: with state.json that cannot be written
// (a full disk, a directory in its place) or a state folder that cannot be
// created at all (read-only, or a file in the way — both fail for root
// too), sign-in, refresh and tokens go on with the state in memory, the
// locks fall back to the runtime folder, and the log warns once, not once
// per write.
func TestUnwritableStateKeepsWorking(t *testing.T) {
	for _, how := range []string{"state.json is a directory", "state folder under a file"} {
		t.Run(how, func(t *testing.T) {
			t.Setenv("SSOKEEPER_RUNTIME_DIR", t.TempDir())
			r, name, _ := newKeyringRig(t, testidp.Options{AccessTokenLifetime: 10 * time.Minute})
			r.stop()
			switch how {
			case "state.json is a directory":
				os.Remove(filepath.Join(r.dir, "state.json"))
				if err := os.Mkdir(filepath.Join(r.dir, "state.json"), 0o700); err != nil {
					t.Fatal(err)
				}
			default:
				blocker := filepath.Join(r.dir, "blocker")
				if err := os.WriteFile(blocker, nil, 0o600); err != nil {
					t.Fatal(err)
				}
				r.dir = filepath.Join(blocker, "state")
			}
			r.start()
			r.login(name)
			for range 3 {
				before := r.idp.RefreshCount()
				r.advanceToRefresh(name)
				r.refreshed(name, before)
			}
			if tok, err := r.m.Token(context.Background(), name, 0); err != nil || tok.AccessToken == "" {
				t.Fatalf("no token with an unwritable state: %v", err)
			}
			if st, _ := r.m.Snapshot().Get(name); st.State != health.Healthy || st.LastRefresh == nil {
				t.Errorf("status with an unwritable state: %+v", st)
			}
			if n := strings.Count(r.logBuf.String(), "cannot save the state file"); n != 1 {
				t.Errorf("the log warns %d times about the state file, want once:\n%s", n, r.logBuf.String())
			}
			// A restart with nothing on disk still resumes from the keyring.
			before := r.idp.RefreshCount()
			r.restart()
			r.healedWithoutSignIn(name, before)
		})
	}
}

// TestCLIWithLostStateAsksKeyring: a CLI without an agent, with state.json
// lost, shows a session whose refresh token is in the keyring as usable and
// gives a token, and one with none as needing a sign-in — not "refreshing".
func TestCLIWithLostStateAsksKeyring(t *testing.T) {
	r, name, k := newKeyringRig(t, testidp.Options{})
	r.login(name)
	r.stop()
	os.Remove(filepath.Join(r.dir, "state.json"))
	other := r.sessionConfig(name + "-never")
	cfg := &config.Config{Sessions: append(append([]config.Session(nil), r.cfg.Sessions...), other)}
	m, err := session.New(session.Options{Config: cfg, Secrets: k, StateDir: r.dir, Providers: providers.New, Clock: r.clk})
	if err != nil {
		t.Fatal(err)
	}
	snap := m.Snapshot()
	if st, _ := snap.Get(name); st.State != health.Healthy {
		t.Errorf("signed-in session with state lost, in a CLI: %s/%s", st.State, st.Reason)
	}
	if st, _ := snap.Get(other.Name); st.State != health.NeedsLogin {
		t.Errorf("never signed in, in a CLI: %s/%s, want needs_login", st.State, st.Reason)
	}
	if tok, err := m.Token(context.Background(), name, 0); err != nil || tok.AccessToken == "" {
		t.Fatalf("CLI token with state lost: %v", err)
	}
}
