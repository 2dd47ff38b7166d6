package session

import (
	"context"
	"path/filepath"
	"time"

	"github.com/ssokeeper/ssokeeper/session/store"
)

func (m *Manager) lockDir() string { return m.opts.StateDir }

// persist writes the session's non-secret state. Several processes (the
// agent, or CLIs when no agent runs) may share state.json, so each write
// re-reads the file and replaces only this session, under a lock file.
func (m *Manager) persist(s *sess) {
	m.mu.Lock()
	now := m.clk.Now()
	rec := s.persisted()
	rec.State = string(s.status(now, m.skewOK).State)
	skew, measured := s.meter.get()
	m.mu.Unlock()

	m.stateMu.Lock()
	defer m.stateMu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	unlock, err := store.LockState(ctx, m.lockDir())
	if err != nil {
		m.log.Warn("could not lock the state file", "err", err)
		return
	}
	defer unlock()
	st, err := store.LoadState(m.statePath())
	if err != nil {
		st = &store.State{}
	}
	if st.Sessions == nil {
		st.Sessions = map[string]store.SessionState{}
	}
	st.Version = 1
	st.Sessions[s.name] = rec
	st.UpdatedAt = now
	if measured {
		st.ClockSkewSeconds = skew.Seconds()
	}
	if err := store.SaveState(m.statePath(), st); err != nil {
		m.log.Warn("could not save state", "file", filepath.Base(m.statePath()), "err", err)
	}
}

// persistAll saves every session (at shutdown).
func (m *Manager) persistAll() {
	m.saveUnsaved()
	m.mu.Lock()
	all := make([]*sess, 0, len(m.sessions))
	for _, s := range m.sessions {
		all = append(all, s)
	}
	m.mu.Unlock()
	for _, s := range all {
		m.persist(s)
	}
}
