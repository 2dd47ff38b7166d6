package session

import (
	"context"
	"errors"
	"time"

	"github.com/ssokeeper/ssokeeper/session/health"
	"github.com/ssokeeper/ssokeeper/session/store"
)

const keyRefreshToken = store.RefreshToken

// Refresh refreshes the named session now, or joins the refresh already
// under way. It returns the diagnosis of a failure as an error.
func (m *Manager) Refresh(ctx context.Context, name string) error {
	s, err := m.get(name)
	if err != nil {
		return err
	}
	return m.refresh(ctx, s, true, nil)
}

// refresh runs one refresh of s, joining one in flight. With force false
// (the scheduler, token requests) a token that another process already
// refreshed is kept. done, checked under the same lock that starts a
// refresh, says the need was met meanwhile (a refresh that just finished),
// so two callers never refresh twice in a row.
func (m *Manager) refresh(ctx context.Context, s *sess, force bool, done func(now time.Time) bool) error {
	var skip func() bool
	if done != nil {
		skip = func() bool { return done(m.clk.Now()) }
	}
	return m.join(ctx, &s.refreshing, skip, nil, false, func(context.Context) error { return m.doRefresh(s, force, skip) })
}

// doRefresh is the refresh itself. Only one runs per session in this
// process, and the session's lock file keeps other processes out; skip,
// checked again once the lock is held, says another process met the need
// while this one waited (a CLI without an agent that just refreshed).
func (m *Manager) doRefresh(s *sess, force bool, skip func() bool) error {
	if s.provErr != nil {
		return &Error{Session: s.name, Err: s.provErr}
	}
	ctx, cancel := m.opContext(2 * m.opts.HTTPTimeout)
	defer cancel()
	m.mu.Lock()
	probing := s.probe
	m.mu.Unlock()
	if _, isImporter := s.prov.(Importer); probing && !isImporter {
		// Ask the keyring first, without the lock: a session that was
		// never signed in must not hold up a sign-in waiting for it, nor
		// callers joining it.
		if _, err := m.refreshToken(ctx, s); err != nil {
			return err
		}
	}
	unlock, err := store.Lock(ctx, m.lockDir(), s.name)
	if err != nil {
		return &Error{Session: s.name, Op: "could not lock the session for refresh", Err: err}
	}
	defer unlock()

	if !force && skip != nil {
		m.adoptSharedAccess(s)
		m.mu.Lock()
		met := skip()
		m.mu.Unlock()
		if met {
			return nil
		}
	}
	if m.adoptImported(s) && !force {
		return nil
	}
	rt, err := m.refreshToken(ctx, s)
	if err != nil {
		return err
	}
	m.mu.Lock()
	s.st.LastAttempt = m.clk.Now()
	m.mu.Unlock()
	m.log.Debug("refreshing", "session", s.name)
	tok, err := s.prov.Refresh(ctx, rt)
	if err != nil {
		return m.failed(s, health.Classify(err), err)
	}
	return m.succeeded(s, tok, rt)
}

// refreshToken returns the session's refresh token from memory or the
// keyring. A missing token and a keyring failure are recorded.
func (m *Manager) refreshToken(ctx context.Context, s *sess) (string, error) {
	m.mu.Lock()
	rt, loaded := s.rt, s.rtLoaded
	m.mu.Unlock()
	if loaded && rt != "" {
		return rt, nil
	}
	rt, err := m.opts.Secrets.Get(s.name, keyRefreshToken)
	switch {
	case errors.Is(err, store.ErrNotFound) || (err == nil && rt == ""):
		d := health.Diagnosis{Reason: health.RefreshTokenMissing}
		m.mu.Lock()
		s.probe = false // the keyring answered: there is none
		if health.Describe(s.lastReason).State == health.NeedsLogin {
			// Keep the cause that took the token away ("revoked"): "missing"
			// would hide why the person must sign in.
			d = health.Diagnosis{Reason: s.lastReason, Detail: s.detail}
		}
		m.mu.Unlock()
		return "", m.failed(s, d, err)
	case err != nil:
		return "", m.failed(s, health.Diagnosis{Reason: health.KeyringUnavailable, Transient: true, Detail: health.Redact(err.Error())}, err)
	}
	health.Known.Add(s.name, rt) // scrubbed from every text from now on
	m.mu.Lock()
	s.rt, s.rtLoaded = rt, true
	s.st.HasRefreshToken = true
	s.probe = false
	m.mu.Unlock()
	return rt, nil
}

// succeeded records a refresh. A rotated refresh token is stored before the
// new access token is handed out: if the keyring fails, the new token is
// kept in memory and the session is degraded, never lost.
func (m *Manager) succeeded(s *sess, tok *Tokens, oldRT string) error {
	var keyringErr error
	if tok.RefreshToken != "" && tok.RefreshToken != oldRT {
		keyringErr = m.opts.Secrets.Set(s.name, keyRefreshToken, tok.RefreshToken)
	}
	m.keepIDToken(s, tok)
	var cacheErr error
	if cw, ok := s.prov.(interface{ CacheError() error }); ok {
		cacheErr = cw.CacheError()
	}
	now := m.clk.Now()
	m.refreshed(s, tok, oldRT, keyringErr, cacheErr, now)
	m.persist(s)
	m.shareAccess(s)
	m.log.Info("refreshed", "session", s.name, "expires_in", tok.Expiry.Sub(now).Round(time.Second))
	return nil
}

// failed records a failed refresh. Only a definite rejection discards the
// refresh token; anything transient keeps it and retries with backoff.
func (m *Manager) failed(s *sess, d health.Diagnosis, cause error) error {
	now := m.clk.Now()
	discard := d.RefreshTokenDead() && d.Reason != health.RefreshTokenMissing
	if discard {
		if err := m.opts.Secrets.Delete(s.name, keyRefreshToken); err != nil {
			m.log.Warn("could not delete the rejected refresh token", "session", s.name, "err", err)
		}
	}
	failures := m.refreshFailed(s, d, discard, now)
	m.persist(s)
	m.log.Warn("refresh failed", "session", s.name, "reason", d.Reason, "detail", d.Detail,
		"transient", d.Transient, "failures", failures)
	return &RefreshError{Session: s.name, Diagnosis: d, cause: cause}
}

// adopt looks, under the session's lock, for a session another program
// signed in (see adoptImported).
func (m *Manager) adopt(s *sess) error {
	ctx, cancel := m.opContext(m.opts.HTTPTimeout)
	defer cancel()
	unlock, err := store.Lock(ctx, m.lockDir(), s.name)
	if err != nil {
		return err
	}
	defer unlock()
	m.adoptImported(s)
	return nil
}

// adoptImported takes tokens another program wrote (the AWS CLI's cache)
// when they are newer than ours. It reports whether the adopted access
// token is fresh enough to skip a refresh.
func (m *Manager) adoptImported(s *sess) bool {
	imp, ok := s.prov.(Importer)
	if !ok {
		return false
	}
	tok, err := imp.Import()
	if err != nil || tok == nil || tok.AccessToken == "" {
		return false
	}
	now := m.clk.Now()
	m.mu.Lock()
	// Newer than the token we hold; with none in memory (a restart), not
	// older than the last one we had (its expiry survives in state.json,
	// to the second as the cache file has it; zero when that was lost).
	newer := tok.Expiry.After(s.access.Expiry)
	if s.access.AccessToken == "" {
		newer = !tok.Expiry.Before(s.access.Expiry.Add(-time.Second))
	}
	needsPerson := health.Describe(s.lastReason).State.NeedsAction()
	m.mu.Unlock()
	if !newer {
		return false
	}
	if !tok.Expiry.After(now) {
		// An expired cache is only worth its refresh token, and only when
		// ours is gone and we were going to refresh anyway: the keyring's
		// may be newer (a rotated one the cache write missed), and a
		// session that needs a sign-in would just take a dead token.
		if needsPerson || tok.RefreshToken == "" {
			return false
		}
		if _, err := m.opts.Secrets.Get(s.name, keyRefreshToken); !errors.Is(err, store.ErrNotFound) {
			return false
		}
	}
	if tok.RefreshToken != "" {
		if err := m.opts.Secrets.Set(s.name, keyRefreshToken, tok.RefreshToken); err != nil {
			m.log.Warn("could not store the imported refresh token", "session", s.name, "err", err)
		}
	}
	m.keepIDToken(s, tok)
	fresh := m.imported(s, tok, now)
	m.persist(s)
	m.log.Info("adopted the tokens another program wrote", "session", s.name, "fresh", fresh)
	return fresh
}

// saveUnsaved stores refresh tokens that only live in memory because the
// keyring failed when they arrived. A rotated token that is never stored
// would be lost at the next restart, and with it the session.
func (m *Manager) saveUnsaved() {
	m.mu.Lock()
	var todo []*sess
	for _, s := range m.sessions {
		if s.rtUnsaved && s.rt != "" {
			todo = append(todo, s)
		}
	}
	m.mu.Unlock()
	for _, s := range todo {
		m.mu.Lock()
		rt := s.rt
		m.mu.Unlock()
		if err := m.opts.Secrets.Set(s.name, keyRefreshToken, rt); err != nil {
			continue
		}
		m.keyringSaved(s, rt)
		m.log.Info("stored the refresh token the keyring refused earlier", "session", s.name)
		m.persist(s)
	}
}
