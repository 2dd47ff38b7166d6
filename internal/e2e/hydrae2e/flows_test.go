//go:build linux

package hydrae2e

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ssokeeper/ssokeeper/internal/testkit"
	"github.com/ssokeeper/ssokeeper/session/health"
)

// TestSignInWithPKCE: `ssokeeper login` signs in at Hydra through the
// browser with PKCE (S256; Hydra is set to refuse public clients without
// it), and the session hands out Hydra's access token.
func TestSignInWithPKCE(t *testing.T) {
	r := newRig(t, lifespans{CodeAccess: "1h"})
	r.startAgent()
	r.signIn(runCLI)

	b, _ := readLines(r.browsed)
	auth, err := url.Parse(b[0])
	if err != nil || !strings.HasPrefix(b[0], r.hydra.issuer+"/oauth2/auth?") {
		t.Fatalf("the browser opened %q, want Hydra's authorization endpoint", b[0])
	}
	q := auth.Query()
	if q.Get("code_challenge_method") != "S256" || len(q.Get("code_challenge")) != 43 || q.Get("state") == "" || q.Get("nonce") == "" {
		t.Errorf("authorization request lacks PKCE S256, state or nonce: %q", q)
	}
	if st := status(t, runCLI, r.name); st.State != health.Healthy {
		t.Errorf("after sign-in: %s/%s %s", st.State, st.Reason, st.Detail)
	}
	res := runCLI("token", r.name)
	if res.code != 0 || !r.hydra.active(strings.TrimSpace(res.stdout)) {
		t.Errorf("token: %s (want an access token Hydra's introspection calls active)", res)
	}
	if !r.hydra.active(r.refreshToken()) {
		t.Error("Hydra's introspection says the stored refresh token is inactive")
	}
}

// TestBackgroundRotations: tokens live 4 s and tools ask for tokens all
// the time, so the session is refreshed again and again (by the callers
// each time the token runs out, and by the agent's schedule, at most once
// per 30 s of its own), always by the agent. Hydra rotates the
// refresh token on every use and revokes the chain when an old one is
// used again, so twelve refreshes without a refusal prove one writer.
func TestBackgroundRotations(t *testing.T) {
	r := newRig(t, lifespans{CodeAccess: "4s", RefreshAccess: "4s"})
	r.startAgent()
	r.signIn(runCLI)
	first := r.refreshToken()

	ctx, cancel := context.WithTimeout(context.Background(), 3*wait)
	defer cancel()
	var calls atomic.Int32
	done := make(chan struct{})
	tool := runBinary(t) // processes, as tools are: each call's connection ends with it
	for range 4 {        // tools asking while the agent refreshes
		go func() {
			defer func() { done <- struct{}{} }()
			for ctx.Err() == nil {
				calls.Add(1)
				if res := tool("token", r.name, "--min-valid", "1s"); res.code != 0 {
					t.Errorf("token during rotations: %s", res)
					return
				}
			}
		}()
	}
	r.hydra.proxy.awaitRefreshes(t, ctx, 12)
	cancel()
	for range 4 {
		<-done
	}
	t.Logf("%d token calls during the rotations", calls.Load())
	if st := status(t, runCLI, r.name); st.State != health.Healthy && st.State != health.Refreshing {
		t.Errorf("after the rotations: %s/%s %s", st.State, st.Reason, st.Detail)
	}
	last := r.refreshToken()
	if last == first || r.hydra.active(first) || !r.hydra.active(last) {
		t.Errorf("want the first refresh token rotated away (inactive) and the stored one active")
	}
}

// TestConcurrentTokenCallsWithAgent: 100 `token` calls at once for a
// session whose access token has expired cause one refresh at Hydra, and
// all get its token.
func TestConcurrentTokenCallsWithAgent(t *testing.T) {
	// The sign-in's token lives 5 s (Hydra answers expires_in 4 or 5; a
	// lifespan of 1 s gets expires_in 0, which ssokeeper reads as "not
	// said"). The calls start once it has expired, so none can use it, and
	// well before the agent's own refresh, planned no sooner than 30 s
	// after the sign-in: the calls cause the refresh. The refreshed token
	// lives an hour.
	r := newRig(t, lifespans{CodeAccess: "5s", RefreshAccess: "1h"})
	r.startAgent()
	r.signIn(runCLI)
	st := status(t, runCLI, r.name)
	if st.AccessExpiresAt == nil {
		t.Fatalf("no access token after the sign-in: %s/%s", st.State, st.Reason)
	}
	awaitExpiry(t, *st.AccessExpiresAt)
	if n, _ := r.hydra.proxy.counts(); n != 0 {
		t.Fatalf("the agent refreshed %d times before the calls, want none yet (more than 30 s since the sign-in?)", n)
	}

	results := testkit.Concurrently(100, func() result { return runCLI("token", r.name) })
	checkTokens(t, r, results)
	if n, failures := r.hydra.proxy.counts(); n != 1 || len(failures) > 0 {
		t.Errorf("Hydra granted %d refreshes and refused %q, want exactly one refresh", n, failures)
	}
}

// checkTokens: every call printed the same access token, active at Hydra.
func checkTokens(t *testing.T, r *rig, results []result) {
	t.Helper()
	tokens := map[string]int{}
	for i, res := range results {
		if res.code != 0 || strings.TrimSpace(res.stdout) == "" {
			t.Errorf("token call %d: %s", i, res)
			continue
		}
		tokens[strings.TrimSpace(res.stdout)]++
	}
	if len(tokens) != 1 {
		t.Errorf("the calls printed %d different access tokens, want one", len(tokens))
	}
	for tok := range tokens {
		if !r.hydra.active(tok) {
			t.Errorf("a token handed out is not active at Hydra")
		}
	}
}

// TestRevokedAtHydra: an administrator revokes the user's sessions at
// Hydra; the next refresh needs a sign-in, keeps nothing, and tools are
// told to sign in. Hydra deletes revoked tokens, so all it can say is
// "The refresh token is malformed or not valid" after RFC 6749's catch-all
// text: refresh_token_invalid, the rejection whose cause is not stated.
func TestRevokedAtHydra(t *testing.T) {
	r := newRig(t, lifespans{CodeAccess: "1h", RefreshAccess: "1h"})
	r.startAgent()
	r.signIn(runCLI)
	rt := r.refreshToken()

	r.hydra.revokeUser()
	if r.hydra.active(rt) {
		t.Fatal("the refresh token is still active after the admin revoked the user's sessions")
	}
	if res := runCLI("refresh", r.name); res.code != 1 {
		t.Errorf("refresh after revocation: %s, want exit 1", res)
	}
	_, failures := r.hydra.proxy.counts()
	t.Logf("Hydra's reply to the revoked refresh token: %q", failures)
	st := status(t, runCLI, r.name)
	if st.State != health.NeedsLogin || st.Reason != health.RefreshTokenInvalid || st.Detail != "invalid_grant: The refresh token is malformed or not valid." {
		t.Errorf("after revocation: %s/%s (%s), want needs_login/refresh_token_invalid with Hydra's hint", st.State, st.Reason, st.Detail)
	}
	if _, err := r.secrets.Get(r.name, "refresh_token"); err == nil {
		t.Error("the revoked refresh token is still in the keyring")
	}
	res := runCLI("token", r.name, "--min-valid", "2h")
	if res.code != 1 || res.stdout != "" || !strings.Contains(res.stderr, health.Describe(health.RefreshTokenInvalid).Title) || !strings.Contains(res.stderr, "ssokeeper login "+r.name) {
		t.Errorf("token after revocation: %s", res)
	}
	r.signIn(runCLI) // and one sign-in repairs it
	if st := status(t, runCLI, r.name); st.State != health.Healthy {
		t.Errorf("after signing in again: %s/%s", st.State, st.Reason)
	}
}

// TestLogoutRevokesAtHydra: `ssokeeper logout` revokes the refresh token at
// Hydra (RFC 7009), as Hydra's introspection confirms, and forgets it.
func TestLogoutRevokesAtHydra(t *testing.T) {
	r := newRig(t, lifespans{CodeAccess: "1h"})
	r.startAgent()
	r.signIn(runCLI)
	rt := r.refreshToken()
	if !r.hydra.active(rt) {
		t.Fatal("the refresh token is inactive before logout")
	}
	if res := runCLI("logout", r.name); res.code != 0 {
		t.Fatalf("logout: %s", res)
	}
	if r.hydra.active(rt) {
		t.Error("Hydra's introspection says the refresh token is still active after logout")
	}
	if _, err := r.secrets.Get(r.name, "refresh_token"); err == nil {
		t.Error("the refresh token is still in the keyring after logout")
	}
	if st := status(t, runCLI, r.name); st.State != health.LoggedOut {
		t.Errorf("after logout: %s/%s", st.State, st.Reason)
	}
}

// TestRefreshTokenExpiredAtHydra: the refresh token from the sign-in lives
// one second at Hydra; the refresh after it says it expired.
func TestRefreshTokenExpiredAtHydra(t *testing.T) {
	r := newRig(t, lifespans{CodeAccess: "1h", CodeRefresh: "1s"})
	r.startAgent()
	r.signIn(runCLI)
	rt := r.refreshToken()
	deadline := time.Now().Add(wait)
	for r.hydra.active(rt) { // Hydra's clock decides when it has expired
		if time.Now().After(deadline) {
			t.Fatal("the refresh token is still active at Hydra")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if res := runCLI("refresh", r.name); res.code != 1 {
		t.Errorf("refresh with the expired refresh token: %s, want exit 1", res)
	}
	_, failures := r.hydra.proxy.counts()
	t.Logf("Hydra's reply to the expired refresh token: %q", failures)
	st := status(t, runCLI, r.name)
	if st.State != health.NeedsLogin || st.Reason != health.RefreshTokenExpired || st.Detail != "invalid_grant: The refresh token expired." {
		t.Errorf("after expiry: %s/%s (%s), want needs_login/refresh_token_expired", st.State, st.Reason, st.Detail)
	}
}

// TestClientDeletedAtHydra: an administrator deletes ssokeeper's client at
// Hydra. The refresh is refused for the client, not the token: the
// session asks for the configuration to be fixed and keeps the token.
func TestClientDeletedAtHydra(t *testing.T) {
	r := newRig(t, lifespans{CodeAccess: "1h"})
	r.startAgent()
	r.signIn(runCLI)
	rt := r.refreshToken()
	r.hydra.call(http.MethodDelete, "/admin/clients/"+url.PathEscape(r.clientID), nil, nil)
	if res := runCLI("refresh", r.name); res.code == 0 {
		t.Errorf("refresh with a deleted client: %s, want a failure", res)
	}
	_, failures := r.hydra.proxy.counts()
	t.Logf("Hydra's reply for a deleted client: %q", failures)
	st := status(t, runCLI, r.name)
	if st.State != health.ConfigError || st.Reason != health.ClientMisconfigured {
		t.Errorf("after the client was deleted: %s/%s (%s), want config_error/client_misconfigured", st.State, st.Reason, st.Detail)
	}
	if got, _ := r.secrets.Get(r.name, "refresh_token"); got != rt {
		t.Error("a refusal of the client discarded the refresh token")
	}
}
