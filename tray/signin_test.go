package tray

import (
	"strings"
	"testing"
	"time"

	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/health"
)

func TestClockTime(t *testing.T) {
	loc := time.FixedZone("work", 2*3600)
	now := time.Date(2026, 12, 3, 9, 5, 0, 0, loc) // a Thursday
	for _, tt := range []struct {
		at   time.Time
		want string
	}{
		{time.Date(2026, 12, 3, 18, 40, 0, 0, loc), "18:40"},
		{time.Date(2026, 12, 3, 16, 40, 0, 0, time.UTC), "18:40"}, // shown on the local clock
		{time.Date(2026, 12, 4, 1, 30, 0, 0, loc), "Fri 01:30"},   // past midnight: not "01:30" today
		{time.Date(2026, 12, 8, 9, 0, 0, 0, loc), "Tue 09:00"},
		{time.Date(2026, 12, 20, 9, 0, 0, 0, loc), "20 Dec 09:00"},
	} {
		if got := clockTimeIn(tt.at, now, loc); got != tt.want {
			t.Errorf("clockTimeIn(%v) = %q, want %q", tt.at, got, tt.want)
		}
	}
}

func TestSignedInUntilAndSignInAll(t *testing.T) {
	end := now.Add(8 * time.Hour)
	ok := healthy("work", 12*time.Minute)
	ok.SessionExpiresAt = &end
	soon := healthy("aws", 12*time.Minute)
	soonEnd := now.Add(5 * time.Minute)
	soon.SessionExpiresAt = &soonEnd
	revoked := failing("home", health.RefreshTokenRevoked)
	revoked.SessionExpiresAt = &end
	ended := failing("old", health.SessionEnded)

	m := Render(session.Snapshot{Sessions: []session.Status{ok, soon, revoked, ended}}, now)
	want := []string{
		"work — OK, refreshes in 12 min, signed in until " + clockTime(end, now),
		"aws — OK, refreshes in 12 min, session ends in 5 min", // near: no second end time
		"home — sign-in needed: refresh token revoked",         // the end no longer holds
		"old — session ended",
	}
	for i, s := range m.Sessions {
		if s.Label != want[i] {
			t.Errorf("label %q, want %q", s.Label, want[i])
		}
	}
	if got := m.SignInAllLabel(); got != "Sign in to all that need it (2)" {
		t.Errorf("sign-in-all item %q with two sessions needing it", got)
	}
	if got := Render(session.Snapshot{Sessions: []session.Status{ok, revoked}}, now).SignInAllLabel(); got != signInAllTitle {
		t.Errorf("sign-in-all item %q with one session needing it", got)
	}
	revoked.LoginPending = true // already signing in: nothing more to start
	if got := Render(session.Snapshot{Sessions: []session.Status{ok, revoked}}, now).SignInAllLabel(); got != "" {
		t.Errorf("sign-in-all item %q while the only sign-in is pending, want hidden", got)
	}
	if strings.Contains(m.Sessions[0].Label, "session ends") {
		t.Errorf("a far end is told as a clock time, not a countdown: %q", m.Sessions[0].Label)
	}
}
