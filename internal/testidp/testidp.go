// Package testidp runs a real OpenID Provider (zitadel/oidc's op package)
// on 127.0.0.1 inside a test process, with faults a test can switch on:
// the IdP down, error replies, a hanging token endpoint, a wrong Date
// header, every refresh token revoked.
//
// The IdP has one test user, a public native client (PKCE S256, loopback
// redirect http://127.0.0.1:ANY/callback, code + refresh + device grants)
// and a confidential client with a secret. It rotates refresh tokens (a
// reused one gives invalid_grant), serves /revoke, and issues a refresh
// token only when offline_access is asked for.
//
// Signing in like a person: Browse follows an authorization URL, submits
// the login form and fetches the loopback callback. Code that opens the
// browser by running $BROWSER can be pointed at a fake browser:
//
//	func TestMain(m *testing.M) {
//		testidp.RunAsBrowser() // the test binary acts as $BROWSER when asked to
//		os.Exit(m.Run())
//	}
//
//	func TestLogin(t *testing.T) {
//		idp := testidp.Start(t, testidp.Options{})
//		opened := idp.UseBrowser(t) // sets $BROWSER; opened() lists the URLs it was given
//		...
//	}
//
// Without a TestMain, build ./internal/testidp/fakebrowser and set $BROWSER
// to it with the environment from BrowserEnv.
package testidp

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"
)

// Options tune the IdP. Zero values take the defaults.
type Options struct {
	AccessTokenLifetime  time.Duration // default 1 minute
	RefreshTokenLifetime time.Duration // default 5 hours, as the example
	// PrefillLogin fills the login form with the test user (the demo).
	PrefillLogin bool
	// RevokeFamilyOnReuse makes a rotated refresh token presented again
	// revoke every token descended from the same sign-in, as Okta, Auth0
	// and Keycloak do to a family that may have leaked.
	RevokeFamilyOnReuse bool
}

// IdP is a running OpenID Provider. Its methods are safe for concurrent use.
type IdP struct {
	addr     string // 127.0.0.1:PORT, kept across SetDown
	issuer   string
	store    *store
	handler  http.Handler
	tokenURL string // path of the token endpoint, where faults apply
	native   *client
	conf     *client
	prefill  bool

	life   sync.Mutex // serialises SetDown and Close
	mu     sync.Mutex
	srv    *http.Server  // nil while down or closed
	downCh chan struct{} // closed when the server goes down, to end hangs
	closed bool
	fault  faults
	wg     sync.WaitGroup
}

const (
	loginPath  = "/login/username"
	devicePath = "/device"
)

// New starts an IdP on http://127.0.0.1:PORT. Close stops it.
func New(opts Options) (*IdP, error) {
	if opts.AccessTokenLifetime <= 0 {
		opts.AccessTokenLifetime = time.Minute
	}
	if opts.RefreshTokenLifetime <= 0 {
		opts.RefreshTokenLifetime = 5 * time.Hour
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("test IdP: cannot listen on 127.0.0.1: %w", err)
	}
	p := &IdP{
		addr:    l.Addr().String(),
		native:  &client{id: "ssokeeper-native-" + rand.Text()[:8]},
		conf:    &client{id: "ssokeeper-confidential-" + rand.Text()[:8], secret: rand.Text()},
		prefill: opts.PrefillLogin,
	}
	p.issuer = "http://" + p.addr
	u := users{&storage.User{
		ID: "user-1", Username: "alice", Password: "correct-horse-battery",
		FirstName: "Alice", LastName: "Example", Email: "alice@example.com",
		EmailVerified: true, PreferredLanguage: language.English,
	}}
	p.store = newStore(opts, u, p.native, p.conf)
	if err := p.buildHandler(); err != nil {
		l.Close()
		return nil, err
	}
	p.serve(l)
	return p, nil
}

func (p *IdP) buildHandler() error {
	var key [32]byte
	rand.Read(key[:])
	cfg := &op.Config{
		CryptoKey:             key,
		CodeMethodS256:        true,
		AuthMethodPost:        true,
		GrantTypeRefreshToken: true,
		SupportedUILocales:    []language.Tag{language.English},
		DeviceAuthorization: op.DeviceAuthorizationConfig{
			Lifetime:     5 * time.Minute,
			PollInterval: time.Second, // the smallest RFC 8628 allows: keeps device tests fast
			UserFormPath: devicePath,
			UserCode:     op.UserCodeBase20,
		},
	}
	prov, err := op.NewProvider(cfg, p.store, op.StaticIssuer(p.issuer), op.WithAllowInsecure())
	if err != nil {
		return fmt.Errorf("test IdP: %w", err)
	}
	p.tokenURL = prov.TokenEndpoint().Relative()
	ui := &loginUI{store: p.store, callback: op.AuthCallbackURL(prov), prefill: p.prefill}
	mux := http.NewServeMux()
	mux.Handle(loginPath, op.NewIssuerInterceptor(prov.IssuerFromRequest).Handler(http.HandlerFunc(ui.login)))
	mux.HandleFunc(devicePath, ui.device)
	mux.Handle("/", prov)
	p.handler = p.withFaults(mux)
	return nil
}

// serve runs a fresh http.Server on l (a closed server cannot be reused).
func (p *IdP) serve(l net.Listener) {
	srv := &http.Server{
		Handler:           p.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	// No keep-alive: every request connects anew, so SetDown is seen as
	// "connection refused" at once rather than as a dropped pooled connection.
	srv.SetKeepAlivesEnabled(false)
	p.mu.Lock()
	p.srv = srv
	p.downCh = make(chan struct{})
	p.mu.Unlock()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		srv.Serve(l)
	}()
}

// Issuer is the IdP's issuer URL, http://127.0.0.1:PORT.
func (p *IdP) Issuer() string { return p.issuer }

// ClientID is the public native client: PKCE required, redirect
// http://127.0.0.1:ANY/callback, grants code, refresh_token and device_code.
func (p *IdP) ClientID() string { return p.native.id }

// ConfidentialClient is a client that authenticates with a secret (basic
// or post), with the same redirect and grants.
func (p *IdP) ConfidentialClient() (id, secret string) { return p.conf.id, p.conf.secret }

// Username and Password are the test user's credentials.
func (p *IdP) Username() string { return p.store.users.user.Username }
func (p *IdP) Password() string { return p.store.users.user.Password }

// Subject is the test user's subject (sub claim).
func (p *IdP) Subject() string { return p.store.users.user.ID }

// SetDown closes the listener and every connection, so clients get
// "connection refused"; SetDown(false) serves again on the same port.
func (p *IdP) SetDown(down bool) error {
	p.life.Lock()
	defer p.life.Unlock()
	p.mu.Lock()
	srv, closed := p.srv, p.closed
	if down && srv != nil {
		p.srv = nil
		close(p.downCh)
	}
	p.mu.Unlock()
	switch {
	case closed:
		return errors.New("test IdP: already closed")
	case down && srv != nil:
		srv.Close()
		p.wg.Wait()
	case !down && srv == nil:
		l, err := net.Listen("tcp", p.addr)
		if err != nil {
			return fmt.Errorf("test IdP: cannot listen again on %s: %w", p.addr, err)
		}
		p.serve(l)
	}
	return nil
}

// RevokeAll invalidates every refresh token issued so far: the next
// refresh answers invalid_grant. Tokens issued later are valid.
func (p *IdP) RevokeAll() { p.store.revokeAll() }

// RefreshCount is the number of refresh_token grants served successfully.
func (p *IdP) RefreshCount() int { return p.store.refreshCount() }

// RefreshTokenLive says whether the IdP would accept rt now (neither
// rotated, revoked nor expired).
func (p *IdP) RefreshTokenLive(rt string) bool { return p.store.isLive(rt) }

// ReuseCount is the number of rotated refresh tokens presented again.
func (p *IdP) ReuseCount() int { return p.store.reuseCount() }

// Close stops the IdP and waits for its server to end.
func (p *IdP) Close() error {
	err := p.SetDown(true)
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	return err
}
