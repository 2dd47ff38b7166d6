package session

import (
	"context"
	"errors"
	"time"

	"github.com/ssokeeper/ssokeeper/session/store"
)

func (m *Manager) lockDir() string { return m.opts.StateDir }

// persist writes the session's non-secret state. Several processes (the
// agent, or CLIs when no agent runs) may share state.json, so each write
// re-reads the file and replaces only this session, under a lock file.
// state.json is a cache: when it cannot be written (read-only or full
// disk) the state lives on in memory, and the log says so once.
func (m *Manager) persist(s *sess) {
	m.mu.Lock()
	recs := map[string]store.SessionState{s.name: m.record(s)}
	now := m.clk.Now()
	skew, measured := s.meter.get()
	m.mu.Unlock()

	m.stateMu.Lock()
	defer m.stateMu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	unlock, err := store.LockState(ctx, m.lockDir())
	if err != nil {
		m.stateUnwritable(err)
		return
	}
	defer unlock()
	st, err := store.LoadState(m.statePath())
	if errors.Is(err, store.ErrCorruptState) {
		// Corrupted since it was read at start: keep it aside as then, and
		// write every session this process knows.
		if aside, err := store.SetAside(m.statePath(), now); err == nil {
			m.log.Warn("state file corrupt; kept aside and rewritten", "kept_as", aside)
		}
		m.mu.Lock()
		for name, other := range m.sessions {
			recs[name] = m.record(other)
		}
		m.mu.Unlock()
	}
	st.Version = store.StateVersion
	for name, rec := range recs {
		st.Sessions[name] = rec
	}
	st.UpdatedAt = now
	if measured {
		st.ClockSkewSeconds = skew.Seconds()
	}
	if err := store.SaveState(m.statePath(), st); err != nil {
		m.stateUnwritable(err)
		return
	}
	if m.stateFailing {
		m.stateFailing = false
		m.log.Info("the state file can be written again", "file", m.statePath())
	}
}

// record is what state.json keeps of s. Caller holds m.mu.
func (m *Manager) record(s *sess) store.SessionState {
	rec := s.persisted()
	rec.State = string(s.status(m.clk.Now(), m.skewOK).State)
	return rec
}

// stateUnwritable warns once per run of failures: with a read-only or full
// disk every refresh would otherwise log the same line. Caller holds
// m.stateMu.
func (m *Manager) stateUnwritable(err error) {
	if m.stateFailing {
		m.log.Debug("state file still not writable", "err", err)
		return
	}
	m.stateFailing = true
	m.log.Warn("cannot save the state file; sessions keep working with their state in memory, and their refresh tokens are in the keyring", "err", err)
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
