// Package ssooidctest is an in-process AWS IAM Identity Center OIDC
// service (SSO OIDC) on 127.0.0.1 for tests: RegisterClient,
// StartDeviceAuthorization, CreateToken and the /authorize page, with the
// JSON shapes, status codes and x-amzn-ErrorType header AWS documents.
// It can end sessions (InvalidGrantException), rotate refresh tokens and
// fail with 5xx.
package ssooidctest

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"time"
)

// Request is one call the server received, token-free.
type Request struct {
	Path      string
	GrantType string // for /token
	ClientID  string
}

// Server is a fake SSO OIDC service. Its knobs may be set before or
// between requests through its methods.
type Server struct {
	*httptest.Server

	mu sync.Mutex
	// AccessTTL is the expiresIn of issued access tokens (default 1h).
	accessTTL time.Duration
	// regTTL is the lifetime of client registrations (default 90 days).
	regTTL   time.Duration
	rotate   bool
	fail     int // fail this many next requests with 500
	slowDown int // answer this many next device polls with slow_down
	deny     bool
	now      func() time.Time

	clients  map[string]*client
	codes    map[string]*authCode
	devices  map[string]*device // by device code
	refresh  map[string]*grant  // by refresh token
	access   map[string]*grant  // by access token
	requests []Request
}

type client struct {
	secret       string
	expiresAt    time.Time
	grantTypes   []string
	redirectURIs []string
}

type authCode struct {
	clientID, redirectURI, challenge string
}

type device struct {
	clientID, userCode string
	approved, denied   bool
	expiresAt          time.Time
}

// grant is one signed-in session: all tokens issued from one sign-in.
type grant struct {
	clientID string
	ended    bool
}

// New starts a server on 127.0.0.1; Close it when done.
func New() *Server {
	s := &Server{
		accessTTL: time.Hour,
		regTTL:    90 * 24 * time.Hour,
		now:       time.Now,
		clients:   map[string]*client{},
		codes:     map[string]*authCode{},
		devices:   map[string]*device{},
		refresh:   map[string]*grant{},
		access:    map[string]*grant{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /client/register", s.register)
	mux.HandleFunc("POST /device_authorization", s.deviceAuthorization)
	mux.HandleFunc("POST /token", s.token)
	mux.HandleFunc("GET /authorize", s.authorize)
	mux.HandleFunc("GET /device", s.approveDevice)
	s.Server = httptest.NewServer(s.failing(mux))
	return s
}

// SetAccessTTL sets the expiresIn of access tokens issued from now on.
func (s *Server) SetAccessTTL(d time.Duration) { s.mu.Lock(); s.accessTTL = d; s.mu.Unlock() }

// SetRegistrationTTL sets the lifetime of clients registered from now on.
func (s *Server) SetRegistrationTTL(d time.Duration) { s.mu.Lock(); s.regTTL = d; s.mu.Unlock() }

// SetRotate makes refresh return a new refresh token and retire the old
// one (reusing it gives InvalidGrantException).
func (s *Server) SetRotate(on bool) { s.mu.Lock(); s.rotate = on; s.mu.Unlock() }

// SetNow sets the server's clock (registration expiry, device codes).
func (s *Server) SetNow(now func() time.Time) { s.mu.Lock(); s.now = now; s.mu.Unlock() }

// FailNext makes the next n requests fail with 500 InternalServerException.
func (s *Server) FailNext(n int) { s.mu.Lock(); s.fail = n; s.mu.Unlock() }

// SlowDownNext answers the next n device-code polls with SlowDownException.
func (s *Server) SlowDownNext(n int) { s.mu.Lock(); s.slowDown = n; s.mu.Unlock() }

// DenyAuthorize makes /authorize and device approval deny the sign-in.
func (s *Server) DenyAuthorize(on bool) { s.mu.Lock(); s.deny = on; s.mu.Unlock() }

// ExpireSessions ends every session, as an Identity Center session timeout
// does: their refresh tokens now give InvalidGrantException.
func (s *Server) ExpireSessions() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, g := range s.refresh {
		g.ended = true
	}
}

// Requests returns every request received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Count returns how many requests went to path (and, for /token, used
// grantType when it is not empty).
func (s *Server) Count(path, grantType string) int {
	n := 0
	for _, r := range s.Requests() {
		if r.Path == path && (grantType == "" || r.GrantType == grantType) {
			n++
		}
	}
	return n
}

// ValidAccessToken reports whether tok was issued here and its session
// has not ended (for a fake portal or API in tests).
func (s *Server) ValidAccessToken(tok string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.access[tok]
	return ok && !g.ended
}

// Session is a signed-in session made without a browser, for tests that
// start from a cache file or keyring that already holds tokens.
type Session struct {
	ClientID, ClientSecret string
	RegistrationExpiresAt  time.Time
	AccessToken            string
	RefreshToken           string
	ExpiresIn              time.Duration
}

// NewSession registers a client and signs a session in directly.
func (s *Server) NewSession() Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, c := s.addClientLocked([]string{"authorization_code", "refresh_token"}, nil)
	g := &grant{clientID: id}
	access, refresh := random("at"), random("rt")
	s.access[access] = g
	s.refresh[refresh] = g
	return Session{ClientID: id, ClientSecret: c.secret, RegistrationExpiresAt: c.expiresAt,
		AccessToken: access, RefreshToken: refresh, ExpiresIn: s.accessTTL}
}

// CacheJSON is the AWS CLI cache file `aws sso login` would leave for
// this session, signed in at now.
func (s Session) CacheJSON(startURL, region string, now time.Time) []byte {
	const layout = "2006-01-02T15:04:05Z"
	data, _ := json.Marshal(map[string]string{
		"startUrl":              startURL,
		"region":                region,
		"accessToken":           s.AccessToken,
		"expiresAt":             now.Add(s.ExpiresIn).UTC().Format(layout),
		"refreshToken":          s.RefreshToken,
		"clientId":              s.ClientID,
		"clientSecret":          s.ClientSecret,
		"registrationExpiresAt": s.RegistrationExpiresAt.UTC().Format(layout),
	})
	return data
}

func (s *Server) addClientLocked(grants, redirects []string) (string, *client) {
	id := random("client")
	c := &client{secret: random("secret"), expiresAt: s.now().Add(s.regTTL).Truncate(time.Second),
		grantTypes: grants, redirectURIs: redirects}
	s.clients[id] = c
	return id, c
}

// failing answers 500 while FailNext is in force and logs every request.
func (s *Server) failing(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		fail := s.fail > 0
		if fail {
			s.fail--
		}
		s.mu.Unlock()
		if fail {
			s.log(Request{Path: r.URL.Path})
			awsError(w, http.StatusInternalServerError, "InternalServerException", "server_error", "An internal error occurred.")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) log(r Request) {
	s.mu.Lock()
	s.requests = append(s.requests, r)
	s.mu.Unlock()
}

// awsError writes an SSO OIDC error as AWS does: the status of the
// exception, its name in x-amzn-ErrorType, and an OAuth-style body.
func awsError(w http.ResponseWriter, status int, exception, code, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("x-amzn-ErrorType", exception)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
}

func reply(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(v); err != nil {
		awsError(w, http.StatusBadRequest, "InvalidRequestException", "invalid_request", "The request body is not valid JSON.")
		return false
	}
	return true
}

func random(prefix string) string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b)
}

func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// loopbackMatch compares redirect URIs as RFC 8252 asks for loopback
// ones: scheme, host and path, any port.
func loopbackMatch(registered, got string) bool {
	a, err1 := url.Parse(registered)
	b, err2 := url.Parse(got)
	return err1 == nil && err2 == nil && a.Scheme == b.Scheme &&
		a.Hostname() == b.Hostname() && a.Path == b.Path
}
