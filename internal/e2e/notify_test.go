//go:build linux

package e2e

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ssokeeper/ssokeeper/notify/notifytest"
	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/health"
)

// nextCall waits for the next notification.
func nextCall(t *testing.T, srv *notifytest.Server) notifytest.Call {
	t.Helper()
	c, err := srv.Next(wait)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// untilSignedIn skips notifications until the confirmation of a sign-in
// (the first start may announce the session that was never signed in).
func untilSignedIn(t *testing.T, srv *notifytest.Server, name string) notifytest.Call {
	t.Helper()
	for {
		if c := nextCall(t, srv); c.Summary == name+": signed in" {
			return c
		}
	}
}

// status reads one session from `ssokeeper status --json`.
func status(t *testing.T, name string) session.Status {
	t.Helper()
	res := runCLI("status", "--json")
	var snap session.Snapshot
	if err := json.Unmarshal([]byte(res.stdout), &snap); err != nil {
		t.Fatalf("status --json: %v; %s", err, res)
	}
	st, ok := snap.Get(name)
	if !ok || !snap.AgentRunning {
		t.Fatalf("status --json: session %q missing or agent not running: %s", name, res.stdout)
	}
	return st
}

// revoke revokes every refresh token at the IdP and refreshes through the
// agent (Manager.Refresh), which must fail with a sign-in-needed reason
// that the command line names. It returns that reason.
func revoke(t *testing.T, r *rig) health.Reason {
	t.Helper()
	r.idp.RevokeAll()
	res := runCLI("refresh", r.name)
	st := status(t, r.name)
	// The test IdP's invalid_grant states no cause: refresh_token_invalid.
	if st.State != health.NeedsLogin || !health.Describe(st.Reason).State.NeedsAction() {
		t.Fatalf("status after the refresh of a revoked token: %s/%s", st.State, st.Reason)
	}
	info := health.Describe(st.Reason)
	if res.code != 1 || !strings.Contains(res.stderr, r.name+": "+info.Title) || !strings.Contains(res.stderr, info.Fix) {
		t.Fatalf("refresh of a revoked session: %s", res)
	}
	return st.Reason
}

// checkFailure checks a failure notification: it names the session, the
// reason and the fix, and offers "Sign in".
func checkFailure(t *testing.T, c notifytest.Call, name string, reason health.Reason) {
	t.Helper()
	info := health.Describe(reason)
	if c.Summary != name+": "+info.Title {
		t.Errorf("summary %q, want %q", c.Summary, name+": "+info.Title)
	}
	if !strings.Contains(c.Body, info.Message) || !strings.Contains(c.Body, info.Fix) {
		t.Errorf("body lacks the cause or the fix: %q", c.Body)
	}
	if !slices.Contains(c.Actions, "signin") || !slices.Contains(c.Actions, "Sign in") {
		t.Errorf("actions %q offer no Sign in", c.Actions)
	}
}

// TestSignInFromNotification: the IdP revokes the refresh token; a refresh
// fails; one notification says why with "Sign in"; its click opens the
// browser once, the session is healthy, and a confirmation replaces the
// failure bubble. The agent runs as `ssokeeper run --headless` does.
func TestSignInFromNotification(t *testing.T) {
	conn := privateBus(t)
	srv, err := notifytest.Start(conn, "actions", "body")
	if err != nil {
		t.Fatal(err)
	}
	r := newRig(t, "work")
	ctx, cancel := context.WithCancel(context.Background())
	_, exited := r.runAgent(ctx, false)
	defer func() {
		cancel()
		select {
		case code := <-exited:
			if code != 0 {
				t.Errorf("RunAgent returned %d after cancel, want 0", code)
			}
		case <-time.After(wait):
			t.Error("RunAgent did not return after cancel")
		}
	}()

	r.signIn()
	untilSignedIn(t, srv, "work")

	reason := revoke(t, r)
	failure := nextCall(t, srv)
	checkFailure(t, failure, "work", reason)

	before := len(r.opened())
	if err := srv.Click(failure.ID, "signin"); err != nil {
		t.Fatal(err)
	}
	// The next bubble is the confirmation, in place of the failure: the
	// failure was shown once.
	ok := nextCall(t, srv)
	if ok.Summary != "work: signed in" || ok.Replaces != failure.ID || len(ok.Actions) != 0 {
		t.Errorf("after the click: %q replacing %d with actions %q; want \"work: signed in\" replacing %d without actions",
			ok.Summary, ok.Replaces, ok.Actions, failure.ID)
	}
	if n := len(r.opened()) - before; n != 1 {
		t.Errorf("the click opened the browser %d times, want 1", n)
	}
	if st := status(t, "work"); st.State != health.Healthy {
		t.Errorf("status after the sign-in: %s/%s", st.State, st.Reason)
	}
	if res := runCLI("token", "work"); res.code != 0 || res.stdout == "" {
		t.Errorf("token after the sign-in: %s", res)
	}
}
