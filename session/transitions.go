package session

import (
	"time"

	"github.com/ssokeeper/ssokeeper/session/health"
	"github.com/ssokeeper/ssokeeper/session/store"
)

// The transitions of a session's runtime state, one method each. Each is
// one critical section under m.mu and does no I/O: the keyring, the IdP,
// state.json and publishing stay with the operation that calls it
// (refresh.go, login.go), before or after. restore, at the end, is the
// one that fills a session from state.json when it is built (its caller
// holds the lock or owns the session alone).

// refreshed records a refresh that succeeded. keyringErr is the failure
// to store a rotated refresh token (it is then kept in memory, and
// saveUnsaved retries); cacheErr the provider's failure to write a cache
// other programs read (the AWS CLI's).
func (m *Manager) refreshed(s *sess, tok *Tokens, oldRT string, keyringErr, cacheErr error, now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if tok.RefreshToken != "" {
		s.rt, s.rtLoaded = tok.RefreshToken, true
		if keyringErr == nil && tok.RefreshToken != oldRT {
			s.rtUnsaved = false
		}
	}
	m.takeAccess(s, tok, now)
	s.st.LastRefresh = now
	s.st.ConsecutiveFailures = 0
	s.st.HasRefreshToken = true
	s.st.LoggedOut = false
	s.lastReason, s.detail = health.None, ""
	if cacheErr != nil {
		s.lastReason, s.detail = health.TokenCacheUnwritable, health.Redact(cacheErr.Error())
	}
	if keyringErr != nil {
		s.lastReason, s.detail = health.KeyringUnavailable, health.Redact(keyringErr.Error())
		s.rtUnsaved = true // kept in memory; saveUnsaved retries
	}
}

// refreshFailed records a failed refresh and plans the next try; discard
// says the refresh token is dead (already deleted from the keyring). It
// returns the failures in a row.
func (m *Manager) refreshFailed(s *sess, d health.Diagnosis, discard bool, now time.Time) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	s.st.ConsecutiveFailures++
	s.lastReason, s.detail = d.Reason, d.Detail
	if discard || d.Reason == health.RefreshTokenMissing {
		s.rt, s.rtLoaded = "", false
		s.st.HasRefreshToken = false
	}
	switch {
	case d.Transient:
		s.st.NextRefresh = now.Add(backoff(s.st.ConsecutiveFailures, d.RetryAfter, m.rnd))
	case health.RetriesSlowly(d.Reason):
		s.st.NextRefresh = now.Add(slowBackoff(s.st.ConsecutiveFailures, d.RetryAfter, m.rnd))
	default:
		s.st.NextRefresh = time.Time{}
	}
	return s.st.ConsecutiveFailures
}

// signedIn records an interactive sign-in: a new session from now.
// keyringErr is the failure to store its refresh token.
func (m *Manager) signedIn(s *sess, tok *Tokens, keyringErr error, now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s.st = store.SessionState{SessionStartedAt: now, LastRefresh: now}
	s.probe = false
	if s.cfg.MaxSession > 0 {
		s.st.SessionExpiresAt = now.Add(s.cfg.MaxSession)
	}
	s.rt, s.rtLoaded = tok.RefreshToken, tok.RefreshToken != ""
	s.st.HasRefreshToken = tok.RefreshToken != ""
	m.takeAccess(s, tok, now)
	s.lastReason, s.detail = health.None, ""
	switch {
	case tok.RefreshToken == "":
		s.lastReason = health.RefreshTokenMissing
		s.detail = "the identity provider issued no refresh token at sign-in"
		s.st.NextRefresh = s.access.Expiry
	case keyringErr != nil:
		s.lastReason, s.detail = health.KeyringUnavailable, health.Redact(keyringErr.Error())
		s.rtUnsaved = true
	}
}

// signedOut forgets every token and marks the session signed out.
func (m *Manager) signedOut(s *sess) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s.rt, s.rtLoaded = "", false
	s.access = Tokens{}
	s.idSaved, s.idLooked = "", false
	s.st = store.SessionState{LoggedOut: true}
	s.lastReason, s.detail = health.None, ""
}

// imported takes tokens another program wrote (see adoptImported), its
// refresh token already in the keyring. It reports whether the access
// token is fresh enough to skip a refresh, which also clears the last
// failure.
func (m *Manager) imported(s *sess, tok *Tokens, now time.Time) (fresh bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if tok.RefreshToken != "" {
		s.rt, s.rtLoaded = tok.RefreshToken, true
		s.st.HasRefreshToken = true
		s.probe = false
	}
	m.takeAccess(s, tok, now)
	fresh = s.access.Expiry.After(now) && s.st.NextRefresh.After(now)
	if fresh {
		s.lastReason, s.detail = health.None, ""
		s.st.LoggedOut = false
		s.st.ConsecutiveFailures = 0
	}
	return fresh
}

// keyringSaved records that rt, kept in memory while the keyring failed,
// is stored now, unless a newer token replaced it meanwhile.
func (m *Manager) keyringSaved(s *sess, rt string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if s.rt == rt {
		s.rtUnsaved = false
		if s.lastReason == health.KeyringUnavailable {
			s.lastReason, s.detail = health.None, ""
		}
	}
}

// takeAccess keeps a new access token and plans its refresh. Caller holds
// m.mu. Providers time expiries on the manager's clock (ProviderDeps.Now).
func (m *Manager) takeAccess(s *sess, tok *Tokens, now time.Time) {
	// Every token this session holds, and the ones it held before, are
	// scrubbed from logs, statuses and errors even if an IdP quotes them.
	health.Known.Add(s.name, tok.RefreshToken, tok.AccessToken, tok.IDToken)
	lifetime := time.Hour // an IdP that omits expires_in: assume an hour
	if !tok.Expiry.IsZero() {
		lifetime = tok.Expiry.Sub(now)
	}
	idToken := tok.IDToken
	if idToken == "" {
		idToken = s.access.IDToken // many IdPs send an ID token only at sign-in
	}
	s.access = Tokens{AccessToken: tok.AccessToken, TokenType: tok.TokenType, IDToken: idToken,
		Expiry: now.Add(lifetime)}
	if !tok.RefreshExpiry.IsZero() {
		end := tok.RefreshExpiry
		if s.st.SessionExpiresAt.IsZero() || end.Before(s.st.SessionExpiresAt) || s.cfg.MaxSession == 0 {
			s.st.SessionExpiresAt = end
		}
	}
	s.st.NextRefresh = nextRefresh(now, s.access.Expiry, s.cfg.RefreshMargin, m.rnd)
}

// restore takes the persisted state of an agent that ran before.
func (s *sess) restore(st store.SessionState, now time.Time) {
	s.st = st
	s.lastReason = health.Reason(st.Reason)
	s.detail = st.Detail
	s.access.Expiry = st.AccessExpiresAt // the time only: the token is gone
	// Access tokens are not persisted: a session with a refresh token is
	// refreshed at once, so a restart needs no sign-in.
	if st.LoggedOut {
		return
	}
	_, isImporter := s.prov.(Importer)
	s.adopt = isImporter
	if health.Describe(s.lastReason).State.NeedsAction() {
		return
	}
	s.probe = !st.HasRefreshToken
	s.st.NextRefresh = now
}
