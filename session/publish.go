package session

import (
	"sync"
	"time"

	"github.com/ssokeeper/ssokeeper/session/health"
)

// Snapshot returns the current state of every session.
func (m *Manager) Snapshot() Snapshot {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.snapshotLocked()
}

func (m *Manager) snapshotLocked() Snapshot {
	now := m.clk.Now()
	snap := Snapshot{At: now, AgentRunning: m.opts.Agent, ConfigError: m.cfgErr}
	var newest time.Time
	for _, name := range m.order {
		s := m.sessions[name]
		snap.Sessions = append(snap.Sessions, s.status(now, m.skewOK))
		if off, ok := s.meter.get(); ok && s.st.LastAttempt.After(newest) {
			newest = s.st.LastAttempt
			snap.ClockSkewSeconds = off.Seconds()
		}
	}
	if snap.Sessions == nil {
		snap.Sessions = []Status{}
	}
	return snap
}

func (m *Manager) statusesLocked() map[string]Status {
	now := m.clk.Now()
	out := make(map[string]Status, len(m.sessions))
	for name, s := range m.sessions {
		out[name] = s.status(now, m.skewOK)
	}
	return out
}

// publish sends the new snapshot, with a StateChanged event for every
// session whose state or reason changed and the extra events given, to
// every subscriber.
func (m *Manager) publish(extra []Event) {
	m.mu.Lock()
	snap := m.snapshotLocked()
	var events []Event
	for _, st := range snap.Sessions {
		prev, seen := m.last[st.Name]
		if !seen {
			prev = Status{State: health.Healthy}
		}
		if prev.State != st.State || prev.Reason != st.Reason {
			events = append(events, Event{Kind: StateChanged, Session: st.Name,
				From: prev.State, To: st.State, Reason: st.Reason, Status: st, At: snap.At})
		}
	}
	m.last = make(map[string]Status, len(snap.Sessions))
	for _, st := range snap.Sessions {
		m.last[st.Name] = st
	}
	for i := range extra {
		if st, ok := snap.Get(extra[i].Session); ok {
			extra[i].Status = st
			extra[i].To = st.State
		}
		extra[i].At = snap.At
	}
	events = append(events, extra...)
	subs := make([]*subscriber, 0, len(m.subs))
	for sub := range m.subs {
		subs = append(subs, sub)
	}
	m.mu.Unlock()
	for _, ev := range events {
		if ev.Kind == StateChanged {
			m.log.Info("session state changed", "session", ev.Session, "from", ev.From, "to", ev.To, "reason", ev.Reason)
		}
	}
	for _, sub := range subs {
		sub.offer(Update{Snapshot: snap, Events: events})
	}
}

// Subscribe returns a channel of updates, starting with the current
// snapshot, and a function that ends the subscription. A slow reader gets
// the newest snapshot and every event it missed in its next update.
func (m *Manager) Subscribe() (<-chan Update, func()) {
	sub := &subscriber{out: make(chan Update), kick: make(chan struct{}, 1), done: make(chan struct{})}
	m.mu.Lock()
	m.subs[sub] = struct{}{}
	sub.pending = &Update{Snapshot: m.snapshotLocked()}
	m.mu.Unlock()
	sub.kick <- struct{}{}
	go sub.forward()
	var once sync.Once
	return sub.out, func() {
		once.Do(func() {
			m.mu.Lock()
			delete(m.subs, sub)
			m.mu.Unlock()
			close(sub.done)
		})
	}
}

type subscriber struct {
	mu      sync.Mutex
	pending *Update
	kick    chan struct{}
	out     chan Update
	done    chan struct{}
}

func (s *subscriber) offer(u Update) {
	s.mu.Lock()
	if s.pending == nil {
		s.pending = &u
	} else {
		s.pending.Snapshot = u.Snapshot
		s.pending.Events = append(s.pending.Events, u.Events...)
	}
	s.mu.Unlock()
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

func (s *subscriber) forward() {
	defer close(s.out)
	for {
		select {
		case <-s.done:
			return
		case <-s.kick:
		}
		s.mu.Lock()
		u := s.pending
		s.pending = nil
		s.mu.Unlock()
		if u == nil {
			continue
		}
		select {
		case s.out <- *u:
		case <-s.done:
			return
		}
	}
}
