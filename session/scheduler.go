package session

import (
	"context"
	"time"

	"github.com/ssokeeper/ssokeeper/session/clock"
	"github.com/ssokeeper/ssokeeper/session/health"
)

// Run plans and runs refreshes until ctx ends, then saves the state. Only
// the agent calls Run; a CLI uses the manager's methods directly.
func (m *Manager) Run(ctx context.Context) error {
	m.mu.Lock()
	m.runCtx = ctx
	m.mu.Unlock()
	defer func() {
		m.finishInFlight(2*m.opts.HTTPTimeout + 5*time.Second)
		m.persistAll()
	}()

	due := m.clk.NewTimer(time.Hour)
	defer due.Stop()
	// The watchdog notices sleep: Go timers stop while the machine is
	// suspended, the wall clock does not. Every period it compares the
	// two and re-plans every session after a jump.
	watch := m.clk.NewTimer(jumpCheckPeriod)
	defer watch.Stop()
	lastWall := m.clk.Now().Round(0)

	m.tick(ctx, due)
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-m.wake:
		case <-due.C():
		case <-watch.C():
			now := m.clk.Now().Round(0)
			gap := now.Sub(lastWall) - jumpCheckPeriod
			lastWall = now
			watch.Reset(jumpCheckPeriod)
			if gap <= jumpThreshold && gap >= -jumpThreshold {
				continue // no jump: nothing to re-plan, and no one to wake
			}
			m.log.Info("wall clock jumped (sleep or clock change); re-planning every session", "by", gap.Round(time.Second))
		}
		m.tick(ctx, due)
	}
}

// Wake makes the scheduler re-plan at once (resume from sleep, network up).
func (m *Manager) Wake() { m.replan() }

func (m *Manager) replan() {
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// tick starts every refresh that is due, sends ending-soon warnings and
// session-end transitions, and sets the timer for the next deadline.
func (m *Manager) tick(ctx context.Context, due clock.Timer) {
	m.saveUnsaved()
	now := m.clk.Now()
	var start, adopt []*sess
	var events []Event
	next := now.Add(time.Hour)
	m.mu.Lock()
	for _, name := range m.order {
		s := m.sessions[name]
		st := s.status(now, m.skewOK)
		if s.adopt && s.refreshing == nil && s.login == nil {
			s.adopt = false
			if st.State.NeedsAction() && s.prov != nil {
				adopt = append(adopt, s) // the others adopt when they refresh
			}
		}
		waits := st.State.NeedsAction() && !health.RetriesSlowly(st.Reason)
		if waits || st.State == health.LoggedOut || s.prov == nil {
			continue
		}
		if r := s.st.NextRefresh; !r.IsZero() && s.refreshing == nil && s.login == nil {
			if !r.After(now) {
				start = append(start, s)
			} else if r.Before(next) {
				next = r
			}
		}
		if s.rtUnsaved {
			next = earliest(next, now.Add(jumpCheckPeriod)) // try the keyring again
		}
		if end := s.st.SessionExpiresAt; !end.IsZero() {
			warn := s.cfg.Warn()
			switch {
			case !now.Before(end): // expired: nothing more to plan
			case !now.Before(end.Add(-warn)):
				if !s.warnedEnd.Equal(end) {
					s.warnedEnd = end
					events = append(events, Event{Kind: EndingSoon, Session: s.name})
				}
				next = earliest(next, end)
			default:
				next = earliest(next, end.Add(-warn))
			}
		}
	}
	m.mu.Unlock()
	// Publishing on every wake-up keeps times and expiry-based states
	// (a session that just ended) current; wake-ups are rare.
	m.publish(events)
	for _, s := range adopt {
		go m.join(ctx, &s.refreshing, nil, nil, false, func(context.Context) error { return m.adopt(s) }) //nolint:errcheck // recorded in the session's state
	}
	for _, s := range start {
		notDue := func(now time.Time) bool { return s.st.NextRefresh.After(now) }
		go m.refresh(ctx, s, false, notDue) //nolint:errcheck // recorded in the session's state
	}
	// The clock may have moved since now was read (a long tick, a fake
	// clock in tests): set the timer from a fresh reading, and tick again
	// at once if next passed before the timer was armed.
	due.Reset(max(next.Sub(m.clk.Now()), 0))
	if !m.clk.Now().Before(next) {
		m.replan()
	}
}

func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
