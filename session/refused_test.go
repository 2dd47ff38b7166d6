package session_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ssokeeper/ssokeeper/internal/logging"
	"github.com/ssokeeper/ssokeeper/internal/testidp"
	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/health"
	"github.com/ssokeeper/ssokeeper/session/providers"
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
	// Tools are told at once, with the IdP's words, and cause no request.
	_, err := r.m.Token(context.Background(), "work", 2*time.Hour)
	var ae *session.ActionError
	if !errors.As(err, &ae) || !strings.Contains(err.Error(), "invalid_target: The requested resource") {
		t.Errorf("token: %v, want an ActionError naming the IdP's answer", err)
	}

	r.restart()
	st = r.waitState("work", health.NeedsLogin, health.IdPRefused)
	if st.NextRefresh == nil || !st.NextRefresh.Equal(planned) {
		t.Errorf("after a restart the next try is %v, want %v", st.NextRefresh, planned)
	}

	// The slow retry fails again: the same incident, so no state change a
	// notifier would announce anew, and the next wait doubles.
	for drained := false; !drained; {
		select {
		case <-r.updates:
		default:
			drained = true
		}
	}
	r.advanceToRefresh("work")
	deadline := time.After(15 * time.Second)
	for again := false; !again; {
		select {
		case u := <-r.updates:
			for _, ev := range u.Events {
				if ev.Kind == session.StateChanged && ev.Session == "work" {
					t.Errorf("the slow retry changed the state: %s -> %s/%s", ev.From, ev.To, ev.Reason)
				}
			}
			st, _ = u.Snapshot.Get("work")
			again = st.ConsecutiveFailures == 2
		case <-deadline:
			t.Fatal("the slow retry did not happen")
		}
	}
	if st.State != health.NeedsLogin || st.Reason != health.IdPRefused || st.NextRefresh == nil {
		t.Fatalf("after the second refusal: %+v", st)
	}
	if wait := st.NextRefresh.Sub(r.clk.Now()); wait < 96*time.Minute-time.Second || wait > 144*time.Minute+time.Second {
		t.Errorf("second wait %v, want about two hours", wait)
	}

	// The cause passes at the IdP: the slow retry heals the session alone.
	if err := r.idp.Clear(); err != nil {
		t.Fatal(err)
	}
	before := r.idp.RefreshCount()
	r.advanceToRefresh("work")
	r.refreshed("work", before)
}

// Without an agent nothing schedules the slow retry: a token request
// makes it once it is due, and not before.
func TestUnknownRefusalRetriedByTokenWhenDue(t *testing.T) {
	r := newRig(t, testidp.Options{})
	r.login("work")
	r.stop()
	// The command line's manager: no Run, so no scheduler.
	m, err := session.New(session.Options{
		Config: r.cfg, Secrets: r.secrets, StateDir: r.dir, Providers: providers.New,
		Clock: r.clk, Logger: logging.New(r.logBuf, slog.LevelDebug), HTTPTimeout: 2 * time.Second, Seed: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	r.m = m
	r.idp.FailWith(http.StatusBadRequest, http.Header{"Content-Type": {"application/json"}}, `{"error":"invalid_target"}`)
	r.m.Refresh(context.Background(), "work") //nolint:errcheck
	st, _ := r.m.Snapshot().Get("work")
	if st.Reason != health.IdPRefused || st.NextRefresh == nil {
		t.Fatalf("after the refusal: %+v", st)
	}
	if err := r.idp.Clear(); err != nil {
		t.Fatal(err)
	}
	before := r.idp.RefreshCount()
	if _, err := r.m.Token(context.Background(), "work", 2*time.Hour); err == nil || r.idp.RefreshCount() != before {
		t.Fatalf("token before the retry is due: err %v, %d refreshes; want an error and none", err, r.idp.RefreshCount()-before)
	}
	r.clk.Advance(st.NextRefresh.Sub(r.clk.Now()) + time.Second)
	if _, err := r.m.Token(context.Background(), "work", time.Minute); err != nil || r.idp.RefreshCount() != before+1 {
		t.Fatalf("token once the retry is due: err %v, %d refreshes; want a token from one refresh", err, r.idp.RefreshCount()-before)
	}
}
