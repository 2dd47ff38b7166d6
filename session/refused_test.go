package session_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ssokeeper/ssokeeper/internal/testidp"
	"github.com/ssokeeper/ssokeeper/session/health"
)

// An error code no table names (RFC 8707 invalid_target here) is a
// definite answer: the session asks for attention with the IdP's own
// words, keeps its refresh token, and tries again hours later, not in
// the transient 5 s..5 min loop, across a restart too.
func TestUnknownRefusalKeepsTokenAndRetriesSlowly(t *testing.T) {
	r := newRig(t, testidp.Options{})
	r.login("work")
	rt := r.refreshToken("work")
	r.idp.FailWith(http.StatusBadRequest, http.Header{"Content-Type": {"application/json"}},
		`{"error":"invalid_target","error_description":"The requested resource is not allowed for this client"}`)
	r.m.Refresh(context.Background(), "work") //nolint:errcheck
	st := r.waitState("work", health.NeedsLogin, health.IdPRefused)
	if !strings.Contains(st.Detail, "invalid_target: The requested resource is not allowed") {
		t.Errorf("detail %q does not carry the IdP's code and text", st.Detail)
	}
	if r.refreshToken("work") != rt {
		t.Fatal("an unknown refusal discarded the refresh token")
	}
	if st.NextRefresh == nil {
		t.Fatal("no retry planned")
	}
	// An hour ±20%; status times are whole seconds.
	if wait := st.NextRefresh.Sub(r.clk.Now()); wait < 48*time.Minute-time.Second || wait > 72*time.Minute+time.Second {
		t.Errorf("next try in %v, want about an hour", wait)
	}
	planned := *st.NextRefresh

	r.restart()
	st = r.waitState("work", health.NeedsLogin, health.IdPRefused)
	if st.NextRefresh == nil || !st.NextRefresh.Equal(planned) {
		t.Errorf("after a restart the next try is %v, want %v", st.NextRefresh, planned)
	}

	// The cause passes at the IdP: the slow retry heals the session alone.
	if err := r.idp.Clear(); err != nil {
		t.Fatal(err)
	}
	before := r.idp.RefreshCount()
	r.advanceToRefresh("work")
	r.refreshed("work", before)
}
