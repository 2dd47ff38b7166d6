package session_test

import (
	"context"
	"testing"
	"time"

	"github.com/ssokeeper/ssokeeper/internal/testidp"
)

// TestShutdownLetsARefreshInFlightFinish: the agent is told to stop
// (SIGTERM) while a refresh is at the IdP. The IdP rotates the refresh
// token whether or not the client still listens, so the stop waits for the
// reply and stores the rotated token: the next start refreshes with it,
// no sign-in needed.
func TestShutdownLetsARefreshInFlightFinish(t *testing.T) {
	r := newRig(t, testidp.Options{AccessTokenLifetime: time.Hour, RevokeFamilyOnReuse: true})
	r.login("work")
	old := r.refreshToken("work")

	arrived, release := r.idp.HoldRefreshes()
	defer release()
	go r.m.Refresh(context.Background(), "work") //nolint:errcheck // the keyring tells
	select {
	case <-arrived:
	case <-time.After(30 * time.Second):
		t.Fatal("the refresh never reached the IdP")
	}
	stopped := make(chan struct{})
	go func() { r.stop(); close(stopped) }()
	// Give the stop its chance to cut the refresh short, as a cancelled
	// context would, before the IdP answers.
	select {
	case <-stopped:
		t.Fatal("the agent stopped with a refresh still at the IdP")
	case <-time.After(200 * time.Millisecond):
	}
	release()
	select {
	case <-stopped:
	case <-time.After(30 * time.Second):
		t.Fatal("the agent did not stop once the refresh ended")
	}
	rt := r.refreshToken("work")
	if rt == old || !r.idp.RefreshTokenLive(rt) {
		t.Fatalf("the rotated refresh token was not stored (stored one live: %v, unchanged: %v)", r.idp.RefreshTokenLive(rt), rt == old)
	}
	before := r.idp.RefreshCount()
	r.start()
	r.refreshed("work", before)
}
