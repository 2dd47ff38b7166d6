package session_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssokeeper/ssokeeper/internal/logging"
	"github.com/ssokeeper/ssokeeper/internal/testidp"
	"github.com/ssokeeper/ssokeeper/internal/testkit"
	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/clock"
	"github.com/ssokeeper/ssokeeper/session/config"
	"github.com/ssokeeper/ssokeeper/session/health"
	"github.com/ssokeeper/ssokeeper/session/providers"
	"github.com/ssokeeper/ssokeeper/session/store"
)

// rig is a manager on a fake clock, talking to a real OpenID Provider on
// 127.0.0.1, with an in-memory keyring whose faults a test can switch on.
type rig struct {
	t       *testing.T
	idp     *testidp.IdP
	clk     *clock.Fake
	secrets *store.Memory
	keys    store.Secrets // what the manager uses: secrets, or the real keyring
	dir     string
	cfg     *config.Config
	m       *session.Manager
	updates <-chan session.Update
	logBuf  *testkit.LogBuffer
	tokens  []string // every token the IdP handed out, for the log check
	cancel  context.CancelFunc
	done    chan struct{}
}

func newRig(t *testing.T, opts testidp.Options) *rig {
	t.Helper()
	r := bareRig(t, opts)
	r.cfg = &config.Config{Sessions: []config.Session{r.sessionConfig("work")}}
	r.start()
	return r
}

// bareRig is a rig with no configuration and no manager started yet.
func bareRig(t *testing.T, opts testidp.Options) *rig {
	t.Helper()
	r := &rig{
		t:       t,
		idp:     testidp.Start(t, opts),
		clk:     clock.NewFake(time.Now()),
		secrets: store.NewMemory(),
		dir:     t.TempDir(),
		logBuf:  &testkit.LogBuffer{},
	}
	r.keys = r.secrets
	return r
}

func (r *rig) sessionConfig(name string) config.Session {
	return config.Session{
		Name: name, Provider: "oidc", Issuer: r.idp.Issuer(), ClientID: r.idp.ClientID(),
		Scopes: []string{"openid", "offline_access", "profile"}, Flow: "browser",
	}
}

// start builds a manager over the rig's state and runs it.
func (r *rig) start() {
	r.t.Helper()
	m, err := session.New(session.Options{
		Config: r.cfg, Secrets: r.keys, StateDir: r.dir, Providers: providers.New,
		Clock: r.clk, Logger: logging.New(r.logBuf, slog.LevelDebug), Agent: true,
		HTTPTimeout: 2 * time.Second, Seed: 1,
	})
	if err != nil {
		r.t.Fatal(err)
	}
	r.m = m
	var cancelSub func()
	r.updates, cancelSub = m.Subscribe()
	ctx, cancel := context.WithCancel(context.Background())
	r.done = make(chan struct{})
	go func() {
		defer close(r.done)
		m.Run(ctx)
	}()
	r.cancel = func() { cancel(); <-r.done; cancelSub() }
	r.t.Cleanup(r.stop)
}

func (r *rig) stop() {
	if r.cancel != nil {
		r.cancel()
		r.cancel = nil
	}
}

// restart stops the manager and starts a new one over the same state and
// keyring, as an agent restart does.
func (r *rig) restart() {
	r.stop()
	r.start()
}

// login signs "work" in through the IdP's login form.
func (r *rig) login(name string) {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := r.m.Login(ctx, name, session.LoginRequest{OpenURL: func(u string) error {
		go r.idp.Browse(ctx, u) //nolint:errcheck // the sign-in result tells
		return nil
	}})
	if err != nil {
		r.t.Fatalf("login: %v", err)
	}
	r.remember(name)
}

func (r *rig) remember(name string) {
	if tok, err := r.m.Token(context.Background(), name, 0); err == nil {
		r.tokens = append(r.tokens, tok.AccessToken, tok.IDToken)
	}
	if rt, err := r.keys.Get(name, store.RefreshToken); err == nil {
		r.tokens = append(r.tokens, rt)
	}
}

// waitFor waits for an update whose session status satisfies ok. The
// deadline only guards against a hang; nothing sleeps.
func (r *rig) waitFor(name, what string, ok func(session.Status) bool) session.Status {
	r.t.Helper()
	if st, found := r.m.Snapshot().Get(name); found && ok(st) {
		return st
	}
	deadline := time.After(15 * time.Second)
	for {
		select {
		case u := <-r.updates:
			if st, found := u.Snapshot.Get(name); found && ok(st) {
				return st
			}
		case <-deadline:
			st, _ := r.m.Snapshot().Get(name)
			r.t.Fatalf("timed out waiting for %s: %s is %s/%s (%s)", what, name, st.State, st.Reason, st.Detail)
		}
	}
}

func (r *rig) waitState(name string, state health.State, reason health.Reason) session.Status {
	r.t.Helper()
	return r.waitFor(name, string(state)+"/"+string(reason), func(st session.Status) bool {
		return st.State == state && st.Reason == reason
	})
}

// advanceTo moves the fake clock to the session's planned refresh.
func (r *rig) advanceToRefresh(name string) {
	r.t.Helper()
	st, _ := r.m.Snapshot().Get(name)
	if st.NextRefresh == nil {
		r.t.Fatalf("%s has no planned refresh (%s/%s)", name, st.State, st.Reason)
	}
	r.clk.Advance(st.NextRefresh.Sub(r.clk.Now()) + time.Second)
}

func (r *rig) refreshToken(name string) string {
	rt, _ := r.keys.Get(name, store.RefreshToken)
	return rt
}

func (r *rig) refreshed(name string, before int) {
	r.t.Helper()
	r.waitFor(name, "a refresh", func(st session.Status) bool {
		return r.idp.RefreshCount() > before && st.State == health.Healthy
	})
}

func TestRefreshesBeforeExpiryAndPersistsRotation(t *testing.T) {
	r := newRig(t, testidp.Options{AccessTokenLifetime: 10 * time.Minute})
	r.login("work")
	st := r.waitState("work", health.Healthy, health.None)
	if st.AccessExpiresAt == nil || st.NextRefresh == nil {
		t.Fatalf("healthy session without times: %+v", st)
	}
	if lead := st.AccessExpiresAt.Sub(*st.NextRefresh); lead < 2*time.Minute || lead > 2*time.Minute+15*time.Second {
		t.Errorf("refresh planned %v before expiry, want 20%% of 10 min (+jitter)", lead)
	}
	oldRT := r.refreshToken("work")
	before := r.idp.RefreshCount()
	r.advanceToRefresh("work")
	r.refreshed("work", before)
	newRT := r.refreshToken("work")
	if newRT == "" || newRT == oldRT {
		t.Fatalf("rotated refresh token not stored (old == new: %v)", newRT == oldRT)
	}
	r.remember("work")
	// The old refresh token is dead at the IdP (rotation): only the stored
	// one keeps the session alive, so a second cycle proves it was saved.
	before = r.idp.RefreshCount()
	r.advanceToRefresh("work")
	r.refreshed("work", before)
	r.remember("work")
	r.assertNoTokenInLog()
}

func TestInvalidGrantNeedsLoginAndDiscardsToken(t *testing.T) {
	r := newRig(t, testidp.Options{})
	r.login("work")
	r.idp.RevokeAll()
	err := r.m.Refresh(context.Background(), "work")
	var re *session.RefreshError
	if !errors.As(err, &re) {
		t.Fatalf("refresh error %v, want a RefreshError", err)
	}
	st := r.waitFor("work", "needs_login", func(st session.Status) bool { return st.State == health.NeedsLogin })
	if st.Reason != health.RefreshTokenRevoked {
		t.Errorf("reason %q (%s), want refresh_token_revoked", st.Reason, st.Detail)
	}
	if st.Message == "" || st.Fix == "" {
		t.Errorf("needs_login without message or fix: %+v", st)
	}
	if rt := r.refreshToken("work"); rt != "" {
		t.Error("a rejected refresh token was kept in the keyring")
	}
	if st.NextRefresh != nil {
		t.Error("a session that needs sign-in still plans refreshes")
	}
	// Asking again keeps the cause, not "no refresh token".
	r.m.Refresh(context.Background(), "work") //nolint:errcheck
	if again, _ := r.m.Snapshot().Get("work"); again.Reason != st.Reason {
		t.Errorf("a second refresh changed the reason from %q to %q", st.Reason, again.Reason)
	}
	// Signing in repairs it.
	r.login("work")
	r.waitState("work", health.Healthy, health.None)
}

func TestTransientFailuresKeepTokenAndRecover(t *testing.T) {
	for _, tc := range []struct {
		name       string
		fault      func(*testidp.IdP)
		reason     health.Reason
		minBackoff time.Duration
	}{
		{"5xx", func(p *testidp.IdP) { p.FailWith(503, nil, "<html>down for maintenance</html>") }, health.IdPError, 0},
		{"429 with Retry-After", func(p *testidp.IdP) {
			p.FailWith(429, http.Header{"Retry-After": {"120"}}, `{"error":"slow_down"}`)
		}, health.IdPError, 120 * time.Second},
		{"timeout", func(p *testidp.IdP) { p.SetHang(true) }, health.IdPUnreachable, 0},
		{"connection refused", func(p *testidp.IdP) { p.SetDown(true) }, health.IdPUnreachable, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, testidp.Options{})
			r.login("work")
			rt := r.refreshToken("work")
			tc.fault(r.idp)
			r.m.Refresh(context.Background(), "work") //nolint:errcheck
			st := r.waitState("work", health.Retrying, tc.reason)
			if got := r.refreshToken("work"); got != rt {
				t.Fatal("a transient failure changed or dropped the refresh token")
			}
			if st.ConsecutiveFailures != 1 || st.NextRefresh == nil {
				t.Fatalf("want one failure and a planned retry, got %+v", st)
			}
			// Status times are whole seconds: allow one for rounding.
			if wait := st.NextRefresh.Sub(r.clk.Now()); wait < tc.minBackoff-time.Second {
				t.Errorf("retry in %v, want at least %v", wait, tc.minBackoff)
			}
			if err := r.idp.Clear(); err != nil {
				t.Fatal(err)
			}
			before := r.idp.RefreshCount()
			r.advanceToRefresh("work")
			r.refreshed("work", before)
			if st, _ := r.m.Snapshot().Get("work"); st.ConsecutiveFailures != 0 {
				t.Errorf("failures not reset after success: %d", st.ConsecutiveFailures)
			}
		})
	}
}

func TestRejectedClientSecretIsConfigError(t *testing.T) {
	r := newRig(t, testidp.Options{})
	id, secret := r.idp.ConfidentialClient()
	c := r.sessionConfig("work")
	c.ClientID, c.ClientSecret = id, true
	r.cfg.Sessions = []config.Session{c}
	r.restart()
	if err := r.secrets.Set("work", store.ClientSecret, secret); err != nil {
		t.Fatal(err)
	}
	r.login("work")
	rt := r.refreshToken("work")
	// The client secret expires (Entra AADSTS7000222) or is rotated by an
	// admin: the IdP now rejects the client, not the refresh token.
	r.secrets.Set("work", store.ClientSecret, "an-old-secret") //nolint:errcheck
	r.m.Refresh(context.Background(), "work")                  //nolint:errcheck
	st := r.waitFor("work", "config_error", func(st session.Status) bool { return st.State == health.ConfigError })
	if st.Reason != health.ClientMisconfigured {
		t.Errorf("reason %q (%s), want client_misconfigured", st.Reason, st.Detail)
	}
	if r.refreshToken("work") != rt {
		t.Error("a client error discarded the refresh token; fixing the secret would need a sign-in")
	}
}

func TestClockSkewFromDateHeader(t *testing.T) {
	r := newRig(t, testidp.Options{})
	r.login("work")
	r.idp.SetDateOffset(-10 * time.Minute)    // the IdP is 10 min behind: we are ahead
	r.m.Refresh(context.Background(), "work") //nolint:errcheck
	st := r.waitState("work", health.Degraded, health.ClockSkew)
	if !strings.Contains(st.Detail, "10m") {
		t.Errorf("detail %q does not show the measured offset", st.Detail)
	}
	if skew := r.m.Snapshot().ClockSkewSeconds; skew < 590 || skew > 610 {
		t.Errorf("clock_skew_seconds = %v, want about 600", skew)
	}
	r.idp.SetDateOffset(0)
	r.m.Refresh(context.Background(), "work") //nolint:errcheck
	r.waitState("work", health.Healthy, health.None)
}

func TestKeyringFailureIsDegradedAndLosesNothing(t *testing.T) {
	r := newRig(t, testidp.Options{})
	r.login("work")
	rt := r.refreshToken("work")
	// The keyring fails before the restart: the restarted manager's first
	// refresh (due at once) must read the keyring, which does not answer.
	// (Failing it after the restart raced with that first refresh.)
	r.secrets.SetFailure(errors.New("org.freedesktop.secrets did not answer"))
	r.restart()                               // forget the cached refresh token: the next refresh must read the keyring
	r.m.Refresh(context.Background(), "work") //nolint:errcheck
	st := r.waitState("work", health.Degraded, health.KeyringUnavailable)
	if st.NextRefresh == nil {
		t.Error("no retry planned while the keyring is unavailable")
	}
	r.secrets.SetFailure(nil)
	if r.refreshToken("work") != rt {
		t.Fatal("the refresh token was lost while the keyring was failing")
	}
	before := r.idp.RefreshCount()
	r.advanceToRefresh("work")
	r.refreshed("work", before)
}

func TestRotatedTokenSurvivesAKeyringFailure(t *testing.T) {
	// Tokens live 10 min, so no refresh is due while the test waits: only
	// the retry of the keyring can store the new token.
	r := newRig(t, testidp.Options{AccessTokenLifetime: 10 * time.Minute})
	r.login("work")
	old := r.refreshToken("work")
	// The IdP rotates the refresh token while the keyring refuses writes:
	// the new token lives only in memory for now.
	r.secrets.SetFailure(errors.New("the keyring is locked"))
	r.m.Refresh(context.Background(), "work") //nolint:errcheck
	r.waitState("work", health.Degraded, health.KeyringUnavailable)
	r.secrets.SetFailure(nil)
	if r.refreshToken("work") != old {
		t.Fatal("the keyring changed while it was failing")
	}
	// The scheduler tries the keyring again and stores the new token.
	r.clk.Advance(31 * time.Second)
	before := r.idp.RefreshCount()
	r.waitState("work", health.Healthy, health.None)
	if rt := r.refreshToken("work"); rt == "" || rt == old {
		t.Fatal("the rotated refresh token never reached the keyring")
	}
	if r.idp.RefreshCount() != before {
		t.Fatal("a refresh, not the keyring retry, stored the token")
	}
	// A restart forgets memory: only the stored token can carry on.
	before = r.idp.RefreshCount()
	r.restart()
	r.refreshed("work", before)
}

func TestWallClockJumpRefreshesAtOnce(t *testing.T) {
	r := newRig(t, testidp.Options{AccessTokenLifetime: time.Hour})
	r.login("work")
	r.waitState("work", health.Healthy, health.None)
	before := r.idp.RefreshCount()
	// The machine sleeps 8 hours: the wall clock moves, timers do not.
	r.clk.Sleep(8 * time.Hour)
	// The watchdog's next tick (30 s of awake time) notices the jump.
	r.clk.Advance(30 * time.Second)
	r.refreshed("work", before)
}

func TestRestartResumesWithoutSignIn(t *testing.T) {
	r := newRig(t, testidp.Options{})
	r.cfg.Sessions = append(r.cfg.Sessions, r.sessionConfig("other"))
	r.restart()
	r.login("work")
	r.login("other")
	before := r.idp.RefreshCount()
	r.restart()
	for _, name := range []string{"work", "other"} {
		r.waitFor(name, "resumed", func(st session.Status) bool {
			return st.State == health.Healthy && st.AccessExpiresAt != nil && st.AccessExpiresAt.After(r.clk.Now())
		})
		tok, err := r.m.Token(context.Background(), name, 0)
		if err != nil || tok.AccessToken == "" {
			t.Fatalf("%s: no token after restart: %v", name, err)
		}
	}
	if got := r.idp.RefreshCount() - before; got != 2 {
		t.Errorf("restart made %d refreshes, want 2 (one per session)", got)
	}
}

func TestLoginJoinsPendingSignIn(t *testing.T) {
	r := newRig(t, testidp.Options{})
	var mu sync.Mutex
	opened := 0
	release := make(chan struct{})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	joined := make(chan struct{}, 10)
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- r.m.Login(ctx, "work", session.LoginRequest{
				OpenURL: func(u string) error {
					mu.Lock()
					opened++
					mu.Unlock()
					go func() { <-release; r.idp.Browse(ctx, u) }() //nolint:errcheck
					return nil
				},
				Joined: func() { joined <- struct{}{} },
			})
		}()
	}
	for range 9 { // every other request joins the first before it completes
		select {
		case <-joined:
		case <-ctx.Done():
			t.Fatal("requests did not join the pending sign-in")
		}
	}
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if opened != 1 {
		t.Errorf("the browser was opened %d times, want 1", opened)
	}
}

func TestNoRefreshTokenSaysWhy(t *testing.T) {
	r := newRig(t, testidp.Options{})
	c := r.sessionConfig("work")
	c.Scopes = []string{"openid", "profile"} // no offline_access
	r.cfg.Sessions = []config.Session{c}
	r.restart()
	r.login("work")
	st := r.waitState("work", health.NeedsLogin, health.RefreshTokenMissing)
	if !strings.Contains(st.Fix, "offline_access") {
		t.Errorf("fix %q does not name offline_access", st.Fix)
	}
	if _, err := r.m.Token(context.Background(), "work", 0); err != nil {
		t.Errorf("the access token from the sign-in is still valid but not handed out: %v", err)
	}
}

func TestLogoutRevokesAndForgets(t *testing.T) {
	r := newRig(t, testidp.Options{})
	r.login("work")
	if err := r.m.Logout(context.Background(), "work"); err != nil {
		t.Fatal(err)
	}
	st := r.waitState("work", health.LoggedOut, health.LoggedOutByUser)
	if st.NextRefresh != nil {
		t.Error("a signed-out session still plans refreshes")
	}
	if len(r.secrets.Snapshot()) != 0 {
		t.Errorf("secrets left after logout: %d", len(r.secrets.Snapshot()))
	}
	_, err := r.m.Token(context.Background(), "work", 0)
	var ae *session.ActionError
	if !errors.As(err, &ae) {
		t.Fatalf("token after logout: %v, want an ActionError", err)
	}
}

func (r *rig) assertNoTokenInLog() {
	r.t.Helper()
	log := r.logBuf.String()
	if !strings.Contains(log, "refreshed") {
		r.t.Fatalf("the log has no refresh in it; the check would prove nothing:\n%s", log)
	}
	for _, tok := range r.tokens {
		if tok != "" && strings.Contains(log, tok) {
			r.t.Fatalf("a token appears in the log")
		}
	}
	if len(r.tokens) < 4 {
		r.t.Fatalf("only %d tokens collected; the log check would prove little", len(r.tokens))
	}
}
