package session

import (
	"errors"

	"github.com/ssokeeper/ssokeeper/session/store"
)

// keepIDToken makes tok carry an ID token across restarts. Many IdPs send
// one only at sign-in, and access tokens are never written to disk, so the
// last ID token is kept in the keyring (chunked when long, like refresh
// tokens): a new one is stored, a reply without one gets the stored one.
// A keyring failure here costs only --id-token until the next reply with
// one, so it is logged, not fatal. Call it without m.mu held.
func (m *Manager) keepIDToken(s *sess, tok *Tokens) {
	m.mu.Lock()
	saved, inMemory, looked := s.idSaved, s.access.IDToken, s.idLooked
	m.mu.Unlock()
	switch {
	case tok.IDToken != "" && tok.IDToken != saved:
		if err := m.opts.Secrets.Set(s.name, store.IDToken, tok.IDToken); err != nil {
			m.log.Warn("could not keep the ID token in the keyring; `token --id-token` needs a refresh after a restart", "session", s.name, "err", err)
			return
		}
		m.mu.Lock()
		s.idSaved = tok.IDToken
		m.mu.Unlock()
	case tok.IDToken == "" && inMemory == "" && !looked:
		id, err := m.opts.Secrets.Get(s.name, store.IDToken)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			m.log.Warn("could not read the kept ID token from the keyring", "session", s.name, "err", err)
			return // asked again at the next refresh
		}
		tok.IDToken = id
		m.mu.Lock()
		s.idSaved, s.idLooked = id, true // asked once: AWS sessions have none
		m.mu.Unlock()
	}
}
