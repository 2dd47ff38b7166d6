package session

import (
	"math/rand/v2"
	"time"

	"github.com/ssokeeper/ssokeeper/session/health"
)

// Defaults of the refresh policy.
const (
	minMargin       = time.Minute
	maxMargin       = 10 * time.Minute
	firstBackoff    = 5 * time.Second
	maxBackoff      = 5 * time.Minute
	firstSlowRetry  = time.Hour // a definite refusal no table names
	maxSlowRetry    = 8 * time.Hour
	defaultSkewTol  = 2 * time.Minute
	loginTimeout    = 5 * time.Minute
	maxLoginTimeout = 15 * time.Minute // device codes of Entra and AWS live 15 min at most
	refreshTimeout  = 30 * time.Second
	jumpCheckPeriod = 30 * time.Second // also bounds wake-ups: 2 a minute
	jumpThreshold   = 10 * time.Second

	// minRefreshInterval is the least time between two refreshes of one
	// session that the scheduler plans, and the age under which a token is
	// handed to `token` callers as it is, whatever --min-valid asks: an
	// IdP issuing short or nonsense lifetimes gets at most two refreshes
	// a minute per session, never a loop.
	minRefreshInterval = 30 * time.Second
	// maxPlanAhead caps how far ahead a refresh is planned, so a lifetime
	// of years (or a garbled one) still sees the IdP twice a day.
	maxPlanAhead = 12 * time.Hour
)

// refreshMargin is how long before expiry a token is refreshed: the
// configured margin, else 20% of its lifetime clamped to 1–10 minutes; never
// more than half the lifetime, so short-lived tokens do not refresh in a
// loop.
func refreshMargin(configured, lifetime time.Duration) time.Duration {
	m := configured
	if m <= 0 {
		m = min(max(lifetime/5, minMargin), maxMargin)
	}
	if lifetime > 0 && m > lifetime/2 {
		m = lifetime / 2
	}
	return m
}

// nextRefresh plans the refresh of a token issued at issued that expires at
// expiry. Jitter of up to a tenth of the margin spreads sessions issued
// together, so fifty sessions do not hit one IdP in the same second. The
// plan is never sooner than minRefreshInterval after issued (a lifetime
// that is absent, zero, negative or tiny does not plan a refresh in the
// past) nor later than maxPlanAhead.
func nextRefresh(issued, expiry time.Time, configured time.Duration, rnd *rand.Rand) time.Time {
	margin := refreshMargin(configured, expiry.Sub(issued))
	jitter := time.Duration(0)
	if j := int64(margin / 10); j > 0 && rnd != nil {
		jitter = time.Duration(rnd.Int64N(j))
	}
	at := expiry.Add(-margin - jitter)
	if earliest := issued.Add(minRefreshInterval); at.Before(earliest) {
		return earliest
	}
	if latest := issued.Add(maxPlanAhead); at.After(latest) {
		return latest
	}
	return at
}

// backoff is the wait before retry number failures (1-based): exponential
// from 5 s, capped at 5 min, with ±20% jitter, and never shorter than what
// the IdP asked for in Retry-After.
func backoff(failures int, retryAfter time.Duration, rnd *rand.Rand) time.Duration {
	return doubling(firstBackoff, maxBackoff, failures, retryAfter, rnd)
}

// slowBackoff is the wait after a definite refusal that keeps the refresh
// token (health.RetriesSlowly): an hour, doubling up to 8 hours, with the
// same jitter and Retry-After floor as backoff. Slow enough never to
// hammer an IdP that said no; soon enough to recover by itself when the
// cause passes.
func slowBackoff(failures int, retryAfter time.Duration, rnd *rand.Rand) time.Duration {
	return doubling(firstSlowRetry, maxSlowRetry, failures, retryAfter, rnd)
}

// doubling is first doubled per failure after the first, capped at most,
// with ±20% jitter (rnd nil: none), and never shorter than retryAfter.
func doubling(first, most time.Duration, failures int, retryAfter time.Duration, rnd *rand.Rand) time.Duration {
	d := first
	for i := 1; i < failures && d < most; i++ {
		d *= 2
	}
	d = min(d, most)
	if rnd != nil {
		spread := int64(d / 5)
		d += time.Duration(rnd.Int64N(2*spread+1) - spread)
	}
	return max(d, retryAfter)
}

// evalInput is everything the health of one session depends on.
type evalInput struct {
	now             time.Time
	loggedOut       bool
	configReason    health.Reason // a configuration problem of this session
	lastReason      health.Reason // the diagnosis of the last failure, None after success
	hasRefreshToken bool
	probing         bool // the keyring has not been asked for a refresh token yet
	accessExpiry    time.Time
	sessionEnd      time.Time // zero when unknown
	refreshing      bool
	skew            time.Duration
	skewTolerance   time.Duration
}

// evaluate turns a session's inputs into its state and reason. It is the
// only place that decides health, so no view can say "OK" after expiry.
func evaluate(in evalInput) (health.State, health.Reason) {
	switch {
	case in.loggedOut:
		return health.LoggedOut, health.LoggedOutByUser
	case in.configReason != health.None:
		return health.Describe(in.configReason).State, in.configReason
	case !in.sessionEnd.IsZero() && !in.now.Before(in.sessionEnd):
		return health.Expired, health.SessionEnded
	}
	if in.lastReason != health.None {
		info := health.Describe(in.lastReason)
		if in.refreshing && info.State == health.Retrying {
			return health.Refreshing, in.lastReason
		}
		return info.State, in.lastReason
	}
	accessValid := in.accessExpiry.After(in.now)
	if !in.hasRefreshToken && !accessValid {
		if in.probing {
			// Not known to be missing: state.json was lost or never knew.
			// The keyring is asked at once; until it answers, say so.
			return health.Refreshing, health.None
		}
		return health.NeedsLogin, health.RefreshTokenMissing
	}
	if in.skewTolerance > 0 && (in.skew > in.skewTolerance || -in.skew > in.skewTolerance) {
		return health.Degraded, health.ClockSkew
	}
	if in.refreshing {
		return health.Refreshing, health.None
	}
	return health.Healthy, health.None
}
