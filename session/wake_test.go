package session_test

import (
	"context"
	"errors"
	"testing"

	"github.com/ssokeeper/ssokeeper/internal/testidp"
	"github.com/ssokeeper/ssokeeper/session/health"
)

// The network comes back while a session waits out its backoff: it is
// refreshed at once, with no time passing on the clock.
func TestRetryNowSkipsTheBackoffWhenTheNetworkReturns(t *testing.T) {
	r := newRig(t, testidp.Options{})
	r.login("work")
	r.idp.SetDown(true)                       //nolint:errcheck
	r.m.Refresh(context.Background(), "work") //nolint:errcheck
	r.waitState("work", health.Retrying, health.IdPUnreachable)
	r.idp.SetDown(false) //nolint:errcheck

	// A wake for another cause leaves the backoff as it is.
	planned, _ := r.m.Snapshot().Get("work")
	r.m.RetryNow(health.KeyringUnavailable)
	if st, _ := r.m.Snapshot().Get("work"); st.NextRefresh == nil || !st.NextRefresh.Equal(*planned.NextRefresh) {
		t.Fatalf("a keyring wake moved the network retry: %v, planned %v", st.NextRefresh, planned.NextRefresh)
	}
	before := r.idp.RefreshCount()
	r.m.RetryNow(health.IdPUnreachable)
	r.refreshed("work", before)
}

// The keyring was locked at start: once it unlocks, the session reads its
// refresh token and is healthy without a sign-in and without waiting.
func TestRetryNowAfterKeyringUnlock(t *testing.T) {
	r := newRig(t, testidp.Options{})
	r.login("work")
	rt := r.refreshToken("work")
	r.secrets.SetFailure(errors.New("the keyring is locked"))
	r.restart()
	r.waitState("work", health.Degraded, health.KeyringUnavailable)
	r.secrets.SetFailure(nil)
	before := r.idp.RefreshCount()
	r.m.RetryNow(health.KeyringUnavailable)
	r.refreshed("work", before)
	if got := r.refreshToken("work"); got == "" || (got == rt && r.idp.RefreshCount() == before) {
		t.Fatal("no refresh token after the keyring came back")
	}
}
