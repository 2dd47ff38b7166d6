package session_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssokeeper/ssokeeper/internal/testidp"
	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/config"
	"github.com/ssokeeper/ssokeeper/session/health"
	"github.com/ssokeeper/ssokeeper/session/providers"
	"github.com/ssokeeper/ssokeeper/session/store"
)

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
			r.freshUpdates()
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
