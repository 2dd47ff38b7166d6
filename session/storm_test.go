package session_test

import (
	"context"
	"testing"
	"time"

	"github.com/ssokeeper/ssokeeper/internal/testidp"
	"github.com/ssokeeper/ssokeeper/session/health"
)

// TestShortTokensNoStorm: the IdP issues 60-second tokens and every caller
// asks for 60 s of validity (the CLI's default --min-valid). A token
// obtained moments ago is the freshest there is: calls share it, and token
// callers cause at most one refresh per session per 30 s.
func TestShortTokensNoStorm(t *testing.T) {
	r := newRig(t, testidp.Options{AccessTokenLifetime: time.Minute})
	r.login("work")
	r.waitState("work", health.Healthy, health.None)
	ctx := context.Background()
	calls := func(n int) string {
		t.Helper()
		var tok string
		for range n {
			got, err := r.m.Token(ctx, "work", time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			tok = got.AccessToken
		}
		return tok
	}

	before := r.idp.RefreshCount()
	first := calls(100)
	if n := r.idp.RefreshCount() - before; n != 0 {
		t.Fatalf("100 token calls just after sign-in caused %d refreshes, want 0", n)
	}
	r.clk.Advance(20 * time.Second)
	if calls(100) != first {
		t.Error("20 s after sign-in the callers did not get the sign-in's token")
	}
	if n := r.idp.RefreshCount() - before; n != 0 {
		t.Fatalf("100 token calls 20 s after sign-in caused %d refreshes, want 0", n)
	}

	// 31 s after sign-in the token is no longer fresh: one refresh (the
	// scheduler's, joined or followed), then its token is shared again.
	r.clk.Advance(11 * time.Second)
	second := calls(100)
	if second == first {
		t.Error("31 s after sign-in the callers still got the sign-in's token")
	}
	r.waitState("work", health.Healthy, health.None)
	if n := r.idp.RefreshCount() - before; n != 1 {
		t.Fatalf("a 31 s window of token calls caused %d refreshes, want 1", n)
	}
	calls(100)
	if n := r.idp.RefreshCount() - before; n != 1 {
		t.Fatalf("token calls right after a refresh caused %d more, want 0", n-1)
	}
}
