package testidp

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// store wraps the example storage to add what tests need: short access
// tokens, a refresh-token lifetime, RevokeAll, a refresh counter, our own
// clients, and two fixes to the example's device flow (it stores the
// username as subject, and its refresh tokens lack the application ID).
type store struct {
	*storage.Storage
	users   users
	clients map[string]*client
	opts    Options

	mu       sync.Mutex
	live     map[string]time.Time // refresh token -> expiry; absent means revoked or rotated
	revoked  map[string]bool      // refresh tokens revoked (not rotated), to say so
	family   map[string]string    // refresh token -> the first token of its sign-in
	refreshs int
	reuses   int // rotated refresh tokens presented again
}

func newStore(opts Options, u users, clients ...*client) *store {
	exists := map[string]*storage.Client{} // the example only checks these exist
	s := &store{users: u, clients: map[string]*client{}, opts: opts, live: map[string]time.Time{}, revoked: map[string]bool{}, family: map[string]string{}}
	for _, c := range clients {
		exists[c.id] = storage.NativeClient(c.id)
		s.clients[c.id] = c
	}
	s.Storage = storage.NewStorageWithClients(u, exists)
	return s
}

func (s *store) GetClientByClientID(_ context.Context, id string) (op.Client, error) {
	c, ok := s.clients[id]
	if !ok {
		// What a conforming IdP answers (RFC 6749 5.2): invalid_client.
		return nil, oidc.ErrInvalidClient().WithDescription("client not found")
	}
	return c, nil
}

func (s *store) AuthorizeClientIDSecret(_ context.Context, id, secret string) error {
	c, ok := s.clients[id]
	if !ok || c.secret == "" || c.secret != secret {
		return errors.New("invalid client secret")
	}
	return nil
}

func (s *store) CreateAccessToken(ctx context.Context, req op.TokenRequest) (string, time.Time, error) {
	id, _, err := s.Storage.CreateAccessToken(ctx, req)
	return id, time.Now().Add(s.opts.AccessTokenLifetime), err
}

func (s *store) CreateAccessAndRefreshTokens(ctx context.Context, req op.TokenRequest, current string) (string, string, time.Time, error) {
	if d, ok := req.(*op.DeviceAuthorizationState); ok {
		// The example loses the client ID of device-flow refresh tokens,
		// which makes every later refresh fail; hand it a request that keeps it.
		req = storage.RefreshTokenRequestFromBusiness(&storage.RefreshToken{
			ApplicationID: d.ClientID, UserID: d.Subject, Audience: d.GetAudience(),
			Scopes: d.Scopes, AuthTime: d.AuthTime, AMR: d.AMR,
		})
	}
	id, rt, _, err := s.Storage.CreateAccessAndRefreshTokens(ctx, req, current)
	if err != nil {
		return "", "", time.Time{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.family[rt] = rt
	if current != "" {
		delete(s.live, current)
		s.refreshs++
		if f, ok := s.family[current]; ok {
			s.family[rt] = f
		}
	}
	s.live[rt] = time.Now().Add(s.opts.RefreshTokenLifetime)
	return id, rt, time.Now().Add(s.opts.AccessTokenLifetime), nil
}

func (s *store) TokenRequestByRefreshToken(ctx context.Context, rt string) (op.RefreshTokenRequest, error) {
	s.mu.Lock()
	exp, ok := s.live[rt]
	if f, known := s.family[rt]; !ok && known && !s.revoked[rt] {
		// A rotated token presented again: someone may have stolen it.
		s.reuses++
		if s.opts.RevokeFamilyOnReuse {
			for live := range s.live {
				if s.family[live] == f {
					delete(s.live, live)
					s.revoked[live] = true
				}
			}
		}
	}
	s.mu.Unlock()
	if !ok {
		return nil, errors.New("refresh token revoked or already used")
	}
	if time.Now().After(exp) {
		return nil, errors.New("refresh token expired")
	}
	return s.Storage.TokenRequestByRefreshToken(ctx, rt)
}

func (s *store) RevokeToken(ctx context.Context, token, userID, clientID string) *oidc.Error {
	if err := s.Storage.RevokeToken(ctx, token, userID, clientID); err != nil {
		return err
	}
	s.mu.Lock()
	delete(s.live, token)
	s.revoked[token] = true
	s.mu.Unlock()
	return nil
}

func (s *store) revokeAll() {
	s.mu.Lock()
	for rt := range s.live {
		s.revoked[rt] = true
	}
	clear(s.live)
	s.mu.Unlock()
}

// isLive says whether a refresh token would be accepted now.
func (s *store) isLive(rt string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.live[rt]
	return ok && time.Now().Before(exp)
}

func (s *store) reuseCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reuses
}

func (s *store) refreshCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refreshs
}

// users is the IdP's single test user.
type users struct{ user *storage.User }

func (u users) GetUserByID(id string) *storage.User {
	if id == u.user.ID {
		return u.user
	}
	return nil
}

func (u users) GetUserByUsername(name string) *storage.User {
	if name == u.user.Username {
		return u.user
	}
	return nil
}

func (u users) ExampleClientID() string { return storage.ServiceUserID }

// refreshProblem says why a refresh token is refused, in the words of an
// error_description, for a token revoked or expired; "" otherwise (a good
// token, or a reused rotated one, which gets zitadel's bare invalid_grant).
// zitadel's op drops such descriptions; real IdPs send them, and the
// classifier reads them.
func (s *store) refreshProblem(rt string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, live := s.live[rt]
	switch {
	case s.revoked[rt]:
		return "The refresh token was revoked"
	case live && time.Now().After(exp):
		return "The refresh token has expired"
	}
	return ""
}
