package session

import (
	"encoding/json"
	"time"
)

// keySharedAccess holds, in the keyring beside the refresh token, the
// access token a CLI without an agent obtained last. Without it every
// `token` call of such a CLI (kubectl runs one per command) would refresh
// at the IdP. The agent keeps its tokens in memory and writes none.
const keySharedAccess = "access_token"

// sharedAccess is the keyring value: the token and when it was obtained.
type sharedAccess struct {
	AccessToken string    `json:"access_token"`
	TokenType   string    `json:"token_type,omitempty"`
	IDToken     string    `json:"id_token,omitempty"`
	Expiry      time.Time `json:"expiry"`
	Obtained    time.Time `json:"obtained"`
}

// shareAccess stores the session's access token for the next CLI. Only a
// CLI without an agent does; a keyring failure costs one refresh later.
func (m *Manager) shareAccess(s *sess) {
	if m.opts.Agent {
		return
	}
	m.mu.Lock()
	v := sharedAccess{AccessToken: s.access.AccessToken, TokenType: s.access.TokenType,
		IDToken: s.access.IDToken, Expiry: s.access.Expiry, Obtained: s.st.LastRefresh}
	m.mu.Unlock()
	b, err := json.Marshal(v)
	if err == nil && v.AccessToken != "" {
		err = m.opts.Secrets.Set(s.name, keySharedAccess, string(b))
	}
	if err != nil {
		m.log.Debug("could not keep the access token for the next command", "session", s.name, "err", err)
	}
}

// adoptSharedAccess takes the access token another CLI stored, when it is
// newer than the one in memory. Only a CLI without an agent reads it; call
// it before deciding to refresh, and again under the session's lock (the
// CLI that held the lock may just have refreshed).
func (m *Manager) adoptSharedAccess(s *sess) {
	if m.opts.Agent {
		return
	}
	raw, err := m.opts.Secrets.Get(s.name, keySharedAccess)
	if err != nil {
		return
	}
	var v sharedAccess
	if json.Unmarshal([]byte(raw), &v) != nil || v.AccessToken == "" {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if s.st.LoggedOut || (s.access.AccessToken != "" && !v.Obtained.After(s.st.LastRefresh)) {
		return
	}
	s.access = Tokens{AccessToken: v.AccessToken, TokenType: v.TokenType, IDToken: v.IDToken, Expiry: v.Expiry}
	if v.Obtained.After(s.st.LastRefresh) {
		s.st.LastRefresh = v.Obtained
	}
}
