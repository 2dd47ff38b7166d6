package session

import (
	"context"
	"time"

	"github.com/ssokeeper/ssokeeper/session/config"
	"github.com/ssokeeper/ssokeeper/session/health"
	"github.com/ssokeeper/ssokeeper/session/store"
)

// sess is one session: what its configuration made (provider, HTTP client)
// and, apart, its runtime state. A configuration reload builds a new sess
// around the same *runState, so nothing learnt at runtime is lost to it:
// not an unsaved rotated token, not a diagnosis, not the result of a
// refresh that was in flight during the reload.
type sess struct {
	name    string
	cfg     config.Session
	prov    Provider
	provErr error
	meter   *skewMeter
	*runState
}

// runState is everything a session learns while it runs. Guarded by
// Manager.mu; the refresh token itself is only touched by the goroutine
// doing the session's one in-flight operation.
type runState struct {
	st         store.SessionState // persisted part
	access     Tokens             // in memory only; RefreshToken unused here
	lastReason health.Reason
	detail     string
	refreshing *call     // the refresh in flight, joined by later callers
	login      *call     // the sign-in pending, joined by later callers
	warnedEnd  time.Time // the session end an ending-soon warning was sent for

	rt        string // cached refresh token
	rtLoaded  bool
	rtUnsaved bool   // rt is newer than the keyring's copy (the keyring failed)
	idSaved   string // the ID token the keyring holds, as far as this process knows
	idLooked  bool   // the keyring was asked for a kept ID token once

	// probe: state.json said nothing about a refresh token (lost, corrupt,
	// or a session new to it). The keyring is the truth: look there at once
	// instead of asking the person to sign in.
	probe bool
	// adopt: at start or after a config change, look once for a session
	// another program signed in (the AWS CLI's cache), even if this one
	// needs a sign-in.
	adopt bool
}

// call is one in-flight operation that later callers wait on.
type call struct {
	done chan struct{}
	err  error
	// waiters counts the callers waiting on done; cancel, set for an
	// operation that is only worth running while someone waits (a
	// sign-in), stops it once the last one has gone. Guarded by m.mu.
	waiters   int
	cancel    context.CancelFunc
	abandoned bool
}

// join runs op as the one operation in flight in *slot (a field of a
// session, guarded by m.mu), or waits for the one already there; joined is
// told when it waits. skip, checked under the same lock before starting,
// says the need was met meanwhile. op runs under the agent's lifetime, to
// its end even when ctx, this caller's patience, ends first — unless
// abandonable, when it is cancelled as soon as no caller waits any more.
// A caller that finds an abandoned operation waits for it to end and
// starts afresh.
func (m *Manager) join(ctx context.Context, slot **call, skip func() bool, joined func(), abandonable bool, op func(ctx context.Context) error) error {
	m.mu.Lock()
	c := *slot
	for c != nil && c.abandoned {
		m.mu.Unlock()
		select {
		case <-c.done:
		case <-ctx.Done():
			return ctx.Err()
		}
		m.mu.Lock()
		c = *slot
	}
	switch {
	case c == nil && skip != nil && skip():
		m.mu.Unlock()
		return nil
	case c == nil && m.stopping:
		m.mu.Unlock()
		return ErrStopping
	case c == nil:
		m.ops.Add(1)
		c = &call{done: make(chan struct{})}
		opCtx := m.runCtx
		if abandonable {
			opCtx, c.cancel = context.WithCancel(opCtx)
		}
		c.waiters = 1
		*slot = c
		m.mu.Unlock()
		m.publish(nil)
		go func() {
			defer m.ops.Done()
			c.err = op(opCtx)
			m.mu.Lock()
			*slot = nil
			m.mu.Unlock()
			if c.cancel != nil {
				c.cancel()
			}
			close(c.done)
			m.publish(nil)
			m.replan()
		}()
	default:
		c.waiters++
		m.mu.Unlock()
		if joined != nil {
			joined()
		}
	}
	select {
	case <-c.done:
		return c.err
	case <-ctx.Done():
		m.mu.Lock()
		c.waiters--
		if c.waiters == 0 && c.cancel != nil && !c.abandoned {
			c.abandoned = true
			c.cancel()
		}
		m.mu.Unlock()
		return ctx.Err()
	}
}

// status computes the session's Status. Caller holds Manager.mu.
func (s *sess) status(now time.Time, skewTol time.Duration) Status {
	skew, _ := s.meter.get()
	cfgReason := health.None
	if s.provErr != nil {
		cfgReason = health.ConfigInvalid
	}
	state, reason := evaluate(evalInput{
		now:             now,
		loggedOut:       s.st.LoggedOut,
		configReason:    cfgReason,
		lastReason:      s.lastReason,
		hasRefreshToken: s.st.HasRefreshToken,
		probing:         s.probe,
		accessExpiry:    s.access.Expiry,
		sessionEnd:      s.st.SessionExpiresAt,
		refreshing:      s.refreshing != nil,
		skew:            skew,
		skewTolerance:   skewTol,
	})
	info := health.Describe(reason)
	st := Status{
		Name:                s.name,
		Provider:            s.cfg.Provider,
		State:               state,
		Reason:              reason,
		Message:             info.Message,
		Fix:                 info.Fix,
		AccessExpiresAt:     timePtr(s.access.Expiry),
		SessionExpiresAt:    timePtr(s.st.SessionExpiresAt),
		WarnAt:              warnAt(s.st.SessionExpiresAt, s.cfg.Warn()),
		LastRefresh:         timePtr(s.st.LastRefresh),
		ConsecutiveFailures: s.st.ConsecutiveFailures,
		LoginPending:        s.login != nil,
	}
	if s.provErr != nil {
		st.Detail = s.provErr.Error()
	} else if reason == s.lastReason {
		st.Detail = s.detail
	}
	if reason == health.ClockSkew {
		st.Detail = "local clock is " + skewWords(skew) + " than the identity provider's"
	}
	if (!state.NeedsAction() || health.RetriesSlowly(reason)) && state != health.LoggedOut {
		st.NextRefresh = timePtr(s.st.NextRefresh)
	}
	return st
}

func skewWords(d time.Duration) string {
	if d < 0 {
		return (-d).String() + " slower"
	}
	return d.String() + " faster"
}

// warnAt is when a session that ends at end starts ending soon.
func warnAt(end time.Time, warn time.Duration) *time.Time {
	if end.IsZero() {
		return nil
	}
	return timePtr(end.Add(-warn))
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC().Round(time.Second)
	return &t
}

// persisted returns the state to save. Caller holds Manager.mu.
func (s *sess) persisted() store.SessionState {
	st := s.st
	st.Provider = s.cfg.Provider
	st.Reason = string(s.lastReason)
	st.Detail = s.detail
	st.AccessExpiresAt = s.access.Expiry
	return st
}
