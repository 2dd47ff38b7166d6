package notify

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/health"
)

var t0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

func changed(name string, reason health.Reason) session.Event {
	state := health.Describe(reason).State
	return session.Event{Kind: session.StateChanged, Session: name, To: state, Reason: reason,
		Status: session.Status{Name: name, State: state, Reason: reason}, At: t0}
}

func retrying(name string) session.Event { return changed(name, health.IdPUnreachable) }
func healthy(name string) session.Event  { return changed(name, health.None) }
func loggedIn(name string) session.Event {
	return session.Event{Kind: session.LoginSucceeded, Session: name, At: t0}
}

func endingSoon(name string, left time.Duration) session.Event {
	end := t0.Add(left)
	return session.Event{Kind: session.EndingSoon, Session: name, At: t0,
		Status: session.Status{Name: name, State: health.Healthy, SessionExpiresAt: &end}}
}

// step feeds events to the policy (and flushes when flush is set) and
// lists what must be shown, by key and title.
type step struct {
	events []session.Event
	flush  bool
	want   []want
}

type want struct {
	key, title string
	action     action
	sessions   []string
}

func TestPolicy(t *testing.T) {
	revoked := func(n string) session.Event { return changed(n, health.RefreshTokenRevoked) }
	cases := []struct {
		name  string
		steps []step
	}{
		{"a failure is shown once per incident", []step{
			{events: []session.Event{revoked("work")}, flush: true, want: []want{
				{"session:work", "work: sign-in needed: refresh token revoked", signIn, []string{"work"}}}},
			{events: []session.Event{retrying("work"), revoked("work")}, flush: true},
			{events: []session.Event{revoked("work"), revoked("work")}, flush: true},
		}},
		{"again after healthy in between", []step{
			{events: []session.Event{revoked("work")}, flush: true, want: []want{{"session:work", "work: sign-in needed: refresh token revoked", signIn, []string{"work"}}}},
			{events: []session.Event{healthy("work"), revoked("work")}, flush: true, want: []want{{"session:work", "work: sign-in needed: refresh token revoked", signIn, []string{"work"}}}},
		}},
		{"again when the reason changes, in the same bubble", []step{
			{events: []session.Event{revoked("work")}, flush: true, want: []want{{"session:work", "work: sign-in needed: refresh token revoked", signIn, []string{"work"}}}},
			{events: []session.Event{changed("work", health.SessionEnded)}, flush: true, want: []want{{"session:work", "work: session ended", signIn, []string{"work"}}}},
		}},
		{"config error has no sign-in action", []step{
			{events: []session.Event{changed("work", health.ClientMisconfigured)}, flush: true, want: []want{{"session:work", "work: client misconfigured", noAction, nil}}},
		}},
		{"non-action states are not shown", []step{
			{events: []session.Event{retrying("work"), changed("work", health.ClockSkew), changed("work", health.KeyringUnavailable)}, flush: true},
		}},
		{"failures healed before the flush are not shown", []step{
			{events: []session.Event{revoked("work"), healthy("work")}, flush: true},
		}},
		{"several failures are grouped", []step{
			{events: []session.Event{revoked("work"), changed("aws-prod", health.SSOSessionExpired)}},
			{events: []session.Event{changed("git", health.RefreshTokenExpired), changed("cfg", health.ConfigInvalid)}, flush: true, want: []want{
				{"session:cfg", "cfg: configuration invalid", noAction, nil},
				{"group:1", "3 sessions need sign-in: work, aws-prod, git", signIn, []string{"work", "aws-prod", "git"}}}},
			// Signing in one updates the group bubble with the rest.
			{events: []session.Event{healthy("work"), loggedIn("work")}, want: []want{
				{"group:1", "work: signed in", signIn, []string{"aws-prod", "git"}}}},
			{events: []session.Event{loggedIn("aws-prod")}, want: []want{{"group:1", "aws-prod: signed in", signIn, []string{"git"}}}},
			{events: []session.Event{loggedIn("git")}, want: []want{{"group:1", "git: signed in", noAction, nil}}},
		}},
		{"login replaces the failure bubble", []step{
			{events: []session.Event{revoked("work")}, flush: true, want: []want{{"session:work", "work: sign-in needed: refresh token revoked", signIn, []string{"work"}}}},
			{events: []session.Event{loggedIn("work")}, want: []want{{"session:work", "work: signed in", noAction, nil}}},
			// A new failure after the sign-in is a new incident.
			{events: []session.Event{revoked("work")}, flush: true, want: []want{{"session:work", "work: sign-in needed: refresh token revoked", signIn, []string{"work"}}}},
		}},
		{"ending soon warns once per session end", []step{
			{events: []session.Event{endingSoon("work", 15*time.Minute)}, want: []want{{"session:work", "work: session ends in 15 min", signIn, []string{"work"}}}},
			{events: []session.Event{endingSoon("work", 15*time.Minute)}},
			{events: []session.Event{endingSoon("work", 90*time.Minute+time.Second)}, want: []want{{"session:work", "work: session ends in 1 h 31 min", signIn, []string{"work"}}}},
		}},
		{"device code", []step{
			{events: []session.Event{{Kind: session.DeviceCodeShown, Session: "work", DeviceCode: &session.DeviceCode{
				UserCode: "ABCD-EFGH", VerificationURI: "https://id.example.com/device"}}},
				want: []want{{"session:work", "work: sign in with code ABCD-EFGH", openURL, []string{"work"}}}},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := newPolicy(func() time.Time { return t0 })
			for i, s := range c.steps {
				got := p.events(s.events)
				if s.flush {
					got = append(got, p.flush()...)
				}
				if len(got) != len(s.want) {
					t.Fatalf("step %d: got %d notifications %v, want %d", i, len(got), titles(got), len(s.want))
				}
				for j, w := range s.want {
					g := got[j]
					if g.key != w.key || g.title != w.title || g.action != w.action || !slices.Equal(g.sessions, w.sessions) {
						t.Errorf("step %d: got {%s %q %v %v}, want %v", i, g.key, g.title, g.action, g.sessions, w)
					}
				}
			}
		})
	}
}

func titles(ms []message) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.title)
	}
	return out
}

func TestFailureTextCarriesMessageAndFix(t *testing.T) {
	for _, r := range health.Reasons() {
		info := health.Describe(r)
		if !info.State.NeedsAction() {
			continue
		}
		p := newPolicy(time.Now)
		p.events([]session.Event{changed("work", r)})
		ms := p.flush()
		if len(ms) != 1 {
			t.Fatalf("%s: got %d notifications", r, len(ms))
		}
		if !strings.Contains(ms[0].body, info.Message) || !strings.Contains(ms[0].body, info.Fix) {
			t.Errorf("%s: body %q lacks the message or the fix", r, ms[0].body)
		}
	}
}

func TestDetail(t *testing.T) {
	ev := changed("work", health.RefreshTokenRevoked)
	ev.Status.Detail = "AADSTS50173: The provided grant has expired\ndue to it being revoked."
	p := newPolicy(time.Now)
	p.events([]session.Event{ev})
	body := p.flush()[0].body
	if !strings.Contains(body, "AADSTS50173: The provided grant has expired due to it being revoked.") {
		t.Errorf("short detail missing or not on one line: %q", body)
	}

	ev.Status.Detail = strings.Repeat("Trace ID: abc, Correlation ID: def. ", 10)
	p = newPolicy(time.Now)
	p.events([]session.Event{ev})
	if body := p.flush()[0].body; strings.Contains(body, "Trace ID") {
		t.Errorf("long detail quoted: %q", body)
	}
}

// TestNoTokenInText feeds token-looking values through every field the
// policy reads and checks that none reaches a notification.
func TestNoTokenInText(t *testing.T) {
	secrets := []string{
		"eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ3b3JrIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ",
		"1//0gLpQk7mZ9vX2rT5yU8wB3cD6eF9hJ2kL5nP8qS1tV4",
		"8xLOxBtZp8-refresh-token_value-2f7a9c1e3b5d",
	}
	var events []session.Event
	for i, r := range []health.Reason{health.RefreshTokenInvalid, health.ClientMisconfigured, health.InteractionRequired} {
		ev := changed([]string{"a", "b", "c"}[i], r)
		ev.Status.Detail = "invalid_grant: refresh token " + secrets[i] + " is invalid"
		events = append(events, ev)
	}
	p := newPolicy(time.Now)
	ms := append(p.events(events), p.flush()...)
	ms = append(ms, p.loginSucceeded("a"))
	if len(ms) < 3 {
		t.Fatalf("got %d notifications", len(ms))
	}
	for _, m := range ms {
		for _, s := range secrets {
			if strings.Contains(m.title+m.body+m.url, s) {
				t.Errorf("notification %q carries a token: %q", m.title, m.body)
			}
		}
	}
}

func TestDeviceCodeOpensOnlyWebURLs(t *testing.T) {
	p := newPolicy(time.Now)
	ev := session.Event{Kind: session.DeviceCodeShown, Session: "work", DeviceCode: &session.DeviceCode{
		UserCode: "ABCD-EFGH", VerificationURI: "https://id.example.com/device",
		VerificationURIComplete: "https://id.example.com/device?user_code=ABCD-EFGH"}}
	m := p.events([]session.Event{ev})[0]
	if m.url != ev.DeviceCode.VerificationURIComplete || m.body != "Enter code ABCD-EFGH at https://id.example.com/device" {
		t.Errorf("got url %q body %q", m.url, m.body)
	}
	ev.DeviceCode.VerificationURIComplete = "file:///etc/passwd"
	if m := p.events([]session.Event{ev})[0]; m.action != noAction {
		t.Errorf("a file: URL got the Open action")
	}
}

// TestSeed: sessions that already need action when the notifier subscribes
// are shown once, and their later StateChanged does not repeat them.
func TestSeed(t *testing.T) {
	p := newPolicy(time.Now)
	p.seed(session.Snapshot{Sessions: []session.Status{
		{Name: "ok", State: health.Healthy},
		{Name: "work", State: health.NeedsLogin, Reason: health.RefreshTokenExpired},
	}})
	ms := p.flush()
	if len(ms) != 1 || ms[0].title != "work: sign-in needed: refresh token expired" {
		t.Fatalf("got %v", titles(ms))
	}
	p.events([]session.Event{changed("work", health.RefreshTokenExpired)})
	if ms := p.flush(); len(ms) != 0 {
		t.Errorf("shown again: %v", titles(ms))
	}
}

// TestPrune: a session removed from the configuration and added again
// under the same name is a new incident.
func TestPrune(t *testing.T) {
	p := newPolicy(time.Now)
	p.events([]session.Event{changed("work", health.RefreshTokenRevoked)})
	if ms := p.flush(); len(ms) != 1 {
		t.Fatalf("got %v", titles(ms))
	}
	p.prune(session.Snapshot{})
	p.events([]session.Event{changed("work", health.RefreshTokenRevoked)})
	if ms := p.flush(); len(ms) != 1 {
		t.Errorf("re-added session not shown: %v", titles(ms))
	}
}
