package session

import (
	"context"
	"errors"
	"time"

	"github.com/ssokeeper/ssokeeper/session/health"
	"github.com/ssokeeper/ssokeeper/session/store"
)

// Login signs the named session in interactively. At most one sign-in is
// pending per session: a second request joins the first and opens no
// browser. Sign-ins of different sessions are independent: one waiting for
// the person never holds up another.
//
// ctx is this caller's patience. When every caller waiting for a sign-in
// has gone (a CLI killed, its socket closed), the sign-in and its loopback
// listener are cancelled, and the next Login starts a fresh one with a
// fresh URL. A caller that waits for the agent's whole lifetime (the tray)
// lets it run to its own timeout.
//
// Only call Login because a person asked for it: it opens a browser.
func (m *Manager) Login(ctx context.Context, name string, req LoginRequest) error {
	s, err := m.get(name)
	if err != nil {
		return err
	}
	return m.join(ctx, &s.login, nil, req.Joined, true, func(ctx context.Context) error { return m.doLogin(ctx, s, req) })
}

// loginTimeoutFor is the time a sign-in may take: what the caller asked,
// else the default, never more than maxLoginTimeout (a flow, its loopback
// listener and its session lock must not be held for hours).
func loginTimeoutFor(asked time.Duration) time.Duration {
	if asked <= 0 {
		return loginTimeout
	}
	return min(asked, maxLoginTimeout)
}

func (m *Manager) doLogin(ctx context.Context, s *sess, req LoginRequest) error {
	if s.provErr != nil {
		return &Error{Session: s.name, Op: "cannot sign in", Err: s.provErr}
	}
	req.Timeout = loginTimeoutFor(req.Timeout)
	if s.cfg.Flow == "device" {
		req.Device = true
	}
	ctx, cancel := context.WithTimeout(ctx, req.Timeout+30*time.Second)
	defer cancel()
	// The session lock spans the whole sign-in: a process elsewhere that
	// wants to sign in too waits here instead of opening a second tab, and
	// then takes the result of the sign-in it waited for.
	asked := m.clk.Now()
	unlock, ok, err := store.TryLock(m.lockDir(), s.name)
	if err == nil && !ok {
		if req.Joined != nil {
			req.Joined()
		}
		unlock, err = store.Lock(ctx, m.lockDir(), s.name)
		if err == nil && m.signedInElsewhere(s, asked) {
			unlock()
			return nil
		}
	}
	if err != nil {
		return &Error{Session: s.name, Op: "another sign-in is still pending", Err: err}
	}
	defer unlock()

	show := req.ShowDeviceCode
	req.ShowDeviceCode = func(dc DeviceCode) {
		m.publish([]Event{{Kind: DeviceCodeShown, Session: s.name, DeviceCode: &dc}})
		if show != nil {
			show(dc)
		}
	}
	m.log.Info("sign-in started", "session", s.name, "device", req.Device)
	tok, err := s.prov.Login(ctx, req)
	if err != nil {
		err = health.ScrubError(err) // the IdP's words may quote a code or token
		m.log.Warn("sign-in failed", "session", s.name, "err", err)
		return &Error{Session: s.name, Op: "sign-in failed", Err: err}
	}
	var keyringErr error
	if tok.RefreshToken != "" {
		keyringErr = m.opts.Secrets.Set(s.name, keyRefreshToken, tok.RefreshToken)
	}
	m.keepIDToken(s, tok)
	now := m.clk.Now()
	m.signedIn(s, tok, keyringErr, now)
	m.persist(s)
	m.shareAccess(s)
	m.log.Info("signed in", "session", s.name, "refresh_token", tok.RefreshToken != "")
	m.publish([]Event{{Kind: LoginSucceeded, Session: s.name}})
	return nil
}

// Logout revokes the refresh token at the IdP when it can, deletes the
// session's secrets and marks it logged out.
func (m *Manager) Logout(ctx context.Context, name string) error {
	s, err := m.get(name)
	if err != nil {
		return err
	}
	unlock, err := store.Lock(ctx, m.lockDir(), s.name)
	if err != nil {
		return &Error{Session: name, Op: "could not lock the session", Err: err}
	}
	defer unlock()
	var revokeErr error
	rt, getErr := m.opts.Secrets.Get(s.name, keyRefreshToken)
	m.mu.Lock()
	if rt == "" {
		rt = s.rt
	}
	m.mu.Unlock()
	if rt != "" && s.prov != nil {
		health.Known.Add(s.name, rt)
		if err := s.prov.Revoke(ctx, rt); err != nil && !errors.Is(err, ErrNotSupported) {
			revokeErr = health.ScrubError(err)
			err = revokeErr
			m.log.Warn("revocation failed", "session", name, "err", err)
		}
	}
	if err := m.opts.Secrets.Delete(s.name, keyRefreshToken); err != nil {
		return &Error{Session: name, Op: "could not delete the refresh token from the keyring", Err: err}
	}
	if err := m.opts.Secrets.Delete(s.name, store.IDToken); err != nil {
		m.log.Warn("could not delete the kept ID token from the keyring", "session", name, "err", err)
	}
	if err := m.opts.Secrets.Delete(s.name, keySharedAccess); err != nil {
		m.log.Warn("could not delete the kept access token", "session", name, "err", err)
	}
	if rc, ok := s.prov.(interface{ RemoveCache() error }); ok {
		if err := rc.RemoveCache(); err != nil {
			m.log.Warn("could not remove the provider's token cache", "session", name, "err", err)
		}
	}
	m.signedOut(s)
	m.persist(s)
	m.publish(nil)
	m.log.Info("signed out", "session", name)
	if getErr != nil && !errors.Is(getErr, store.ErrNotFound) {
		return &Error{Session: name, Op: "signed out, but the keyring could not be read to revoke the token", Err: getErr}
	}
	if revokeErr != nil {
		return &Error{Session: name, Op: "signed out locally, but the identity provider did not confirm revocation", Err: revokeErr}
	}
	return nil
}

// signedInElsewhere adopts a sign-in another process completed while this
// one waited for the session's lock.
func (m *Manager) signedInElsewhere(s *sess, since time.Time) bool {
	st, err := store.LoadState(m.statePath())
	if err != nil {
		return false
	}
	rec, ok := st.Sessions[s.name]
	if !ok || !rec.HasRefreshToken || rec.SessionStartedAt.Before(since) {
		return false
	}
	m.mu.Lock()
	s.restore(rec, m.clk.Now()) // plans an immediate refresh for the access token
	s.rt, s.rtLoaded = "", false
	m.mu.Unlock()
	m.publish([]Event{{Kind: LoginSucceeded, Session: s.name}})
	m.replan()
	return true
}
