package session

import (
	"slices"

	"github.com/ssokeeper/ssokeeper/session/health"
)

// RetryNow makes every session that waits out a backoff for one of reasons
// due at once, then wakes the scheduler: what it waited for has just come
// back (the network, the keyring). With no reasons, every session waiting
// on any transient failure is retried (resume from sleep). Sessions that
// need the person, or that wait for the IdP's Retry-After, are left alone.
func (m *Manager) RetryNow(reasons ...health.Reason) {
	now := m.clk.Now()
	m.mu.Lock()
	n := 0
	for _, s := range m.sessions {
		r := s.lastReason
		// ConsecutiveFailures: a session degraded by a keyring that
		// refused a rotated token is not in backoff (tick stores it).
		if r == health.None || s.st.ConsecutiveFailures == 0 || s.st.NextRefresh.IsZero() || !s.st.NextRefresh.After(now) {
			continue
		}
		if len(reasons) > 0 && !slices.Contains(reasons, r) {
			continue
		}
		if len(reasons) == 0 && health.Describe(r).State == health.NeedsLogin {
			continue
		}
		if r == health.IdPError {
			continue // the IdP itself is failing, maybe with Retry-After: keep the backoff
		}
		s.st.NextRefresh = now
		n++
	}
	m.mu.Unlock()
	if n > 0 {
		m.log.Info("retrying now", "sessions", n, "reasons", reasons)
	}
	m.replan()
}
