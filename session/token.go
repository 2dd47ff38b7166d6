package session

import (
	"context"
	"errors"
	"time"

	"github.com/ssokeeper/ssokeeper/session/health"
)

// Token returns an access token valid for at least minValid, refreshing
// first when needed (joining a refresh under way). When the session needs
// the person, it returns an *ActionError.
func (m *Manager) Token(ctx context.Context, name string, minValid time.Duration) (Tokens, error) {
	s, err := m.get(name)
	if err != nil {
		return Tokens{}, err
	}
	fresh := func(now time.Time) bool { // caller holds m.mu
		if s.access.AccessToken == "" {
			return false
		}
		if s.access.Expiry.Sub(now) >= minValid {
			return true
		}
		// Shorter than asked, but just obtained by a refresh that went
		// well: the freshest there will be. Never an expired token, and
		// never past a failure the caller must hear about.
		return justRefreshed(s.st.LastRefresh, now) && stillValid(s.access, now) && s.lastReason == health.None
	}
	m.adoptSharedAccess(s)
	m.mu.Lock()
	now := m.clk.Now()
	tok, ok := s.access, fresh(now)
	st := s.status(now, m.skewOK)
	// A refused session is tried again once its slow retry is due, also
	// without an agent to schedule it.
	retryDue := health.RetriesSlowly(st.Reason) && !s.st.NextRefresh.IsZero() && !now.Before(s.st.NextRefresh)
	m.mu.Unlock()
	if ok {
		return tok, nil
	}
	if (st.State.NeedsAction() && !retryDue) || st.State == health.LoggedOut {
		return Tokens{}, &ActionError{Status: st}
	}
	refreshErr := m.refresh(ctx, s, false, fresh)
	m.mu.Lock()
	now = m.clk.Now()
	tok = s.access
	m.mu.Unlock()
	var re *RefreshError
	if errors.As(refreshErr, &re) && re.Diagnosis.RefreshTokenDead() {
		return Tokens{}, &ActionError{Status: m.statusOf(s)}
	}
	// min-valid is what we aim for. A token that is still valid is what the
	// IdP gave (its lifetime may be shorter), or the best there is while it
	// is unreachable: tools keep working until it expires.
	if stillValid(tok, now) {
		return tok, nil
	}
	if refreshErr != nil {
		return Tokens{}, refreshErr
	}
	return Tokens{}, m.lastError(s)
}

// justRefreshed says a token obtained at last is the freshest there will be
// for now: an IdP whose tokens live shorter than --min-valid asks would
// otherwise be asked again on every call. So token callers cause at most
// one refresh per session per minRefreshInterval.
func justRefreshed(last, now time.Time) bool {
	age := now.Sub(last)
	return !last.IsZero() && age >= 0 && age < minRefreshInterval
}

func stillValid(t Tokens, now time.Time) bool {
	return t.AccessToken != "" && t.Expiry.Sub(now) >= time.Second
}

func (m *Manager) statusOf(s *sess) Status {
	m.mu.Lock()
	defer m.mu.Unlock()
	return s.status(m.clk.Now(), m.skewOK)
}

func (m *Manager) lastError(s *sess) error {
	st := m.statusOf(s)
	return &RefreshError{Session: s.name, Diagnosis: health.Diagnosis{Reason: st.Reason, Detail: st.Detail}}
}
