package notify

import "github.com/ssokeeper/ssokeeper/session/health"

// Presence tells whether the person is at the screen. While it is locked
// (a machine waking from a long sleep wakes locked), notifications wait
// and are shown once the person is back, instead of piling up behind the
// lock screen. See WatchPresence.
type Presence interface {
	// Away reports whether the screen is locked now.
	Away() bool
	// Changes receives a value after Away may have changed; it is closed
	// when the watch ends.
	Changes() <-chan struct{}
}

// holdWhileAway returns the messages to show now and keeps the others
// until the person is back: a later message with the same key replaces a
// held one, so each bubble shows once. A device-flow code is never held:
// someone is signing in, so someone is there.
func (n *Notifier) holdWhileAway(msgs []message) []message {
	if n.presence == nil || len(msgs) == 0 || !n.presence.Away() {
		return msgs
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	var now []message
	for _, m := range msgs {
		if m.action == openURL {
			now = append(now, m)
			continue
		}
		replaced := false
		for i := range n.held {
			if n.held[i].key == m.key {
				n.held[i], replaced = m, true
			}
		}
		if !replaced {
			n.held = append(n.held, m)
		}
		n.log.Debug("desktop notification held until the screen is unlocked", "title", m.title)
	}
	return now
}

// followPresence shows the held messages whenever the person comes back,
// on a goroutine of its own, until the presence watch ends.
func (n *Notifier) followPresence() {
	if n.presence == nil {
		return
	}
	go func() {
		for range n.presence.Changes() {
			if !n.presence.Away() {
				n.show(n.release())
			}
		}
	}()
}

// release takes the held messages, without the sessions that no longer
// need signing in (the person may have signed in from a terminal, or a
// retry succeeded, while the screen was locked), and without
// confirmations ("signed in"): they answer a bubble that was never shown.
func (n *Notifier) release() []message {
	n.mu.Lock()
	defer n.mu.Unlock()
	held := n.held
	n.held = nil
	var out []message
	for _, m := range held {
		if m.urgency == low {
			continue
		}
		if m.action == signIn && !m.anyState {
			var still []string
			for _, name := range m.sessions {
				if st, ok := n.snap.Get(name); ok && st.State.NeedsAction() && st.State != health.ConfigError {
					still = append(still, name)
				}
			}
			if len(still) == 0 {
				continue
			}
			m.sessions = still
		}
		out = append(out, m)
	}
	return out
}
