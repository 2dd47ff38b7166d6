//go:build linux

package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ssokeeper/ssokeeper/internal/agent"
	"github.com/ssokeeper/ssokeeper/internal/cli"
	"github.com/ssokeeper/ssokeeper/internal/testkit"
	"github.com/ssokeeper/ssokeeper/notify"
	"github.com/ssokeeper/ssokeeper/notify/notifytest"
	"github.com/ssokeeper/ssokeeper/session/clock"
	"github.com/ssokeeper/ssokeeper/session/health"
)

// tokenFails checks that every `token` call failed as a tool expects:
// exit 1, nothing on stdout, one line on stderr that names the session,
// why, and how to sign in.
func tokenFails(t *testing.T, results []result, info health.Info) {
	t.Helper()
	for i, res := range results {
		if res.code != 1 || res.stdout != "" || strings.Count(res.stderr, "\n") != 1 ||
			!strings.HasPrefix(res.stderr, "work: "+info.Title) || !strings.Contains(res.stderr, "ssokeeper login work") {
			t.Errorf("token call %d: %s", i, res)
		}
	}
}

// TestIncidentNotifiesOnce: however many `token` calls fail on a session
// that needs sign-in, the person gets one notification. The notifier runs
// as run.go wires it, on a fake clock so the test sees every grouping
// window it opens: each new incident opens one.
func TestIncidentNotifiesOnce(t *testing.T) {
	conn := privateBus(t)
	srv, err := notifytest.Start(conn, "actions", "body")
	if err != nil {
		t.Fatal(err)
	}
	r := newRig(t, "work")
	agentClock := clock.NewFake(time.Now())
	r.clk = agentClock
	a := r.startAgent()
	r.signIn()
	agentClock.Advance(31 * time.Second) // past the 30 s in which a new token is handed out as it is

	clk := clock.NewFake(time.Now())
	clk.TimerSet = make(chan time.Duration, 64)
	n, err := notify.New(notify.Options{Logger: a.Log, OpenURL: cli.OpenBrowser, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	updates, unsubscribe := a.Manager.Subscribe()
	ran := make(chan struct{})
	go func() {
		defer close(ran)
		n.Run(ctx, updates, agent.Intents{Ctx: ctx, M: a.Manager, Log: a.Log, OpenURL: cli.OpenBrowser})
	}()
	t.Cleanup(func() { cancel(); <-ran; unsubscribe(); n.Close() })

	// The access token stays valid for an hour, and a still-valid token
	// is served; asking for two hours makes every call need a refresh.
	r.idp.RevokeAll()
	token := func() result { return runCLI("token", "work", "--min-valid", "2h") }
	first := testkit.Concurrently(20, token)
	st := status(t, "work")
	if st.State != health.NeedsLogin {
		t.Fatalf("after the token calls the session is %s/%s, want needs_login", st.State, st.Reason)
	}
	info := health.Describe(st.Reason)
	tokenFails(t, first, info)

	select {
	case <-clk.TimerSet: // the incident waits for others to group with
	case <-time.After(wait):
		t.Fatal("the notifier never planned the failure notification")
	}
	clk.Advance(2 * time.Second)
	failure := nextCall(t, srv)
	checkFailure(t, failure, "work", st.Reason)

	// More failures of the same incident: token calls, a forced refresh
	// (which finds no refresh token left).
	tokenFails(t, testkit.Concurrently(20, token), info)
	if res := runCLI("refresh", "work"); res.code != 1 {
		t.Errorf("refresh: %s", res)
	}
	if now := status(t, "work"); now.State != st.State || now.Reason != st.Reason {
		t.Errorf("after a forced refresh the session is %s/%s, want %s/%s", now.State, now.Reason, st.State, st.Reason)
	}

	// Signing in from the bubble gives the confirmation next, in its place:
	// nothing was shown in between, and no new incident was opened.
	if err := srv.Click(failure.ID, "signin"); err != nil {
		t.Fatal(err)
	}
	ok := nextCall(t, srv)
	if ok.Summary != "work: signed in" || ok.Replaces != failure.ID {
		t.Errorf("after the click: %q replacing %d, want \"work: signed in\" replacing %d", ok.Summary, ok.Replaces, failure.ID)
	}
	select {
	case d := <-clk.TimerSet:
		t.Errorf("a second incident was opened after the first was shown (window until %v)", d)
	default:
	}
	if got := len(r.opened()); got != 2 {
		t.Errorf("the browser was opened %d times, want 2 (the first sign-in and the click)", got)
	}
}
