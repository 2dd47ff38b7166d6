package session

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/ssokeeper/ssokeeper/session/health"
)

func TestRefreshMargin(t *testing.T) {
	for _, tc := range []struct {
		configured, lifetime, want time.Duration
	}{
		{0, time.Hour, 10 * time.Minute},              // 20% = 12 min, capped at 10
		{0, 20 * time.Minute, 4 * time.Minute},        // 20%
		{0, 3 * time.Minute, time.Minute},             // 20% = 36 s, at least 1 min
		{0, time.Minute, 30 * time.Second},            // never more than half the lifetime
		{5 * time.Minute, time.Hour, 5 * time.Minute}, // configured wins
		{50 * time.Minute, time.Hour, 30 * time.Minute},
	} {
		if got := refreshMargin(tc.configured, tc.lifetime); got != tc.want {
			t.Errorf("refreshMargin(%v, %v) = %v, want %v", tc.configured, tc.lifetime, got, tc.want)
		}
	}
}

func TestNextRefreshJitterStaysInsideMargin(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	issued := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	expiry := issued.Add(time.Hour)
	seen := map[time.Time]bool{}
	for range 100 {
		next := nextRefresh(issued, expiry, 0, rnd)
		if next.After(expiry.Add(-10*time.Minute)) || next.Before(expiry.Add(-11*time.Minute)) {
			t.Fatalf("next refresh %v outside [expiry-11m, expiry-10m]", next.Sub(issued))
		}
		seen[next] = true
	}
	if len(seen) < 50 {
		t.Errorf("only %d distinct refresh times out of 100: jitter missing", len(seen))
	}
}

func TestBackoff(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	prev := time.Duration(0)
	for failures := 1; failures <= 12; failures++ {
		d := backoff(failures, 0, nil)
		if d < prev {
			t.Errorf("backoff(%d) = %v shrank from %v", failures, d, prev)
		}
		prev = d
	}
	if prev != maxBackoff {
		t.Errorf("backoff caps at %v, want %v", prev, maxBackoff)
	}
	if d := backoff(1, 0, nil); d != firstBackoff {
		t.Errorf("first backoff %v, want %v", d, firstBackoff)
	}
	if d := backoff(1, 2*time.Minute, rnd); d != 2*time.Minute {
		t.Errorf("Retry-After of 2m not honoured: %v", d)
	}
	for range 50 {
		d := backoff(3, 0, rnd) // 20 s ± 20%
		if d < 16*time.Second || d > 24*time.Second {
			t.Fatalf("jittered backoff %v outside 16–24 s", d)
		}
	}
}

func TestEvaluate(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	valid := now.Add(30 * time.Minute)
	for _, tc := range []struct {
		name   string
		in     evalInput
		state  health.State
		reason health.Reason
	}{
		{"healthy", evalInput{hasRefreshToken: true, accessExpiry: valid}, health.Healthy, health.None},
		{"refreshing", evalInput{hasRefreshToken: true, accessExpiry: valid, refreshing: true}, health.Refreshing, health.None},
		{"logged out wins", evalInput{loggedOut: true, lastReason: health.IdPError}, health.LoggedOut, health.LoggedOutByUser},
		{"config error", evalInput{configReason: health.ConfigInvalid, hasRefreshToken: true}, health.ConfigError, health.ConfigInvalid},
		{"session ended", evalInput{hasRefreshToken: true, accessExpiry: valid, sessionEnd: now}, health.Expired, health.SessionEnded},
		{"revoked", evalInput{lastReason: health.RefreshTokenRevoked}, health.NeedsLogin, health.RefreshTokenRevoked},
		{"unreachable", evalInput{hasRefreshToken: true, lastReason: health.IdPUnreachable}, health.Retrying, health.IdPUnreachable},
		{"retry in flight", evalInput{hasRefreshToken: true, lastReason: health.IdPError, refreshing: true}, health.Refreshing, health.IdPError},
		{"keyring", evalInput{hasRefreshToken: true, lastReason: health.KeyringUnavailable}, health.Degraded, health.KeyringUnavailable},
		{"no refresh token, token expired", evalInput{accessExpiry: now.Add(-time.Second)}, health.NeedsLogin, health.RefreshTokenMissing},
		{"state lost, keyring not asked yet", evalInput{probing: true}, health.Refreshing, health.None},
		{"state lost, keyring has none", evalInput{probing: true, lastReason: health.RefreshTokenMissing}, health.NeedsLogin, health.RefreshTokenMissing},
		{"no refresh token, token valid", evalInput{accessExpiry: valid}, health.Healthy, health.None},
		{"skew beyond tolerance", evalInput{hasRefreshToken: true, accessExpiry: valid, skew: -10 * time.Minute, skewTolerance: 2 * time.Minute}, health.Degraded, health.ClockSkew},
		{"skew within tolerance", evalInput{hasRefreshToken: true, accessExpiry: valid, skew: time.Minute, skewTolerance: 2 * time.Minute}, health.Healthy, health.None},
	} {
		tc.in.now = now
		state, reason := evaluate(tc.in)
		if state != tc.state || reason != tc.reason {
			t.Errorf("%s: evaluate = %s/%q, want %s/%q", tc.name, state, reason, tc.state, tc.reason)
		}
	}
}

// TestNextRefreshFloorAndCap: a lifetime that is absent, zero, negative or
// tiny never plans a refresh in the past or sooner than the minimum
// interval; a huge one is capped.
func TestNextRefreshFloorAndCap(t *testing.T) {
	rnd := rand.New(rand.NewPCG(5, 6))
	issued := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name     string
		lifetime time.Duration
		margin   time.Duration
		want     time.Duration // from issued; -1: anything in the floor..cap range
	}{
		{"zero", 0, 0, minRefreshInterval},
		{"negative", -time.Hour, 0, minRefreshInterval},
		{"one second", time.Second, 0, minRefreshInterval},
		{"margin longer than lifetime", 40 * time.Second, 5 * time.Minute, minRefreshInterval},
		{"ten years", 10 * 365 * 24 * time.Hour, 0, maxPlanAhead},
		{"an hour", time.Hour, 0, -1},
	} {
		for range 20 {
			got := nextRefresh(issued, issued.Add(tc.lifetime), tc.margin, rnd).Sub(issued)
			if got < minRefreshInterval || got > maxPlanAhead {
				t.Fatalf("%s: refresh planned %v after issue, outside [%v, %v]", tc.name, got, minRefreshInterval, maxPlanAhead)
			}
			if tc.want >= 0 && got != tc.want {
				t.Fatalf("%s: refresh planned %v after issue, want %v", tc.name, got, tc.want)
			}
		}
	}
}

func TestLoginTimeoutIsCapped(t *testing.T) {
	for asked, want := range map[time.Duration]time.Duration{
		0:               loginTimeout,
		-time.Minute:    loginTimeout,
		2 * time.Minute: 2 * time.Minute,
		24 * time.Hour:  maxLoginTimeout,
		maxLoginTimeout: maxLoginTimeout,
		1 << 62:         maxLoginTimeout,
	} {
		if got := loginTimeoutFor(asked); got != want {
			t.Errorf("loginTimeoutFor(%v) = %v, want %v", asked, got, want)
		}
	}
}
