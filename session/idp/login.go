package idp

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/ssokeeper/ssokeeper/session"
)

// ErrTimedOut is wrapped by Login when nobody finished the sign-in in time.
var ErrTimedOut = session.ErrLoginTimedOut

const defaultLoginTimeout = 5 * time.Minute

// Login signs the person in: with the browser, or with the device flow
// when req.Device is set. It returns the tokens with RefreshToken empty
// when the IdP issued none.
func (p *Provider) Login(ctx context.Context, req session.LoginRequest) (*session.Tokens, error) {
	timeout := req.Timeout
	if timeout <= 0 {
		timeout = defaultLoginTimeout
	}
	lctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var t *session.Tokens
	var err error
	if req.Device {
		t, err = p.loginDevice(lctx, req)
	} else {
		t, err = p.loginBrowser(lctx, req)
	}
	if err != nil && ctx.Err() == nil && errors.Is(lctx.Err(), context.DeadlineExceeded) {
		return nil, fmt.Errorf("%w: nobody finished it within %v; start it again", ErrTimedOut, timeout)
	}
	return t, err
}

// loginBrowser runs the authorization-code flow with PKCE (S256), state
// and nonce, redirecting to a loopback listener on 127.0.0.1 (RFC 8252).
func (p *Provider) loginBrowser(ctx context.Context, req session.LoginRequest) (*session.Tokens, error) {
	if req.OpenURL == nil {
		return nil, fmt.Errorf("%w; sign in with the device flow", session.ErrNoBrowser)
	}
	d, err := p.discover(ctx)
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("cannot listen on 127.0.0.1 for the sign-in reply: %w", err)
	}
	cfg, err := p.config(d, "http://"+l.Addr().String()+"/callback")
	if err != nil {
		l.Close()
		return nil, err
	}
	cb := &callback{
		p: p, ctx: p.withClient(ctx), cfg: cfg, disc: d,
		state: rand.Text(), nonce: rand.Text(), pkce: oauth2.GenerateVerifier(), host: l.Addr().String(),
		done: make(chan result, 1),
	}
	srv := &http.Server{Handler: cb, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(l)
	defer func() {
		// Let the page just written reach the browser, then stop.
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if srv.Shutdown(sctx) != nil {
			srv.Close()
		}
		// Shutdown closes only the listeners Serve has taken up: one
		// cancelled before Serve's goroutine ran would stay open.
		l.Close()
	}()

	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(cb.pkce), oidc.Nonce(cb.nonce)}
	for k, v := range p.authParams() {
		opts = append(opts, oauth2.SetAuthURLParam(k, v))
	}
	// A $BROWSER command may run until the browser quits: do not wait
	// for it before waiting for the reply.
	opened := make(chan error, 1)
	authURL := cfg.AuthCodeURL(cb.state, opts...)
	go func() { opened <- req.OpenURL(authURL) }()
	for {
		select {
		case err := <-opened:
			if err != nil {
				return nil, fmt.Errorf("%w (%w); set $BROWSER or sign in with the device flow", session.ErrNoBrowser, err)
			}
			opened = nil
		case r := <-cb.done:
			return r.tokens, r.err
		case <-ctx.Done():
			return nil, fmt.Errorf("sign-in stopped: %w", ctx.Err())
		}
	}
}

// verifyIDToken checks the ID token's signature, issuer, audience and
// expiry and, when nonce is set, its nonce.
func (p *Provider) verifyIDToken(ctx context.Context, d *discovery, t *session.Tokens, nonce string) error {
	if t.IDToken == "" {
		if slices.Contains(p.s.Scopes, oidc.ScopeOpenID) {
			return errors.New("the IdP sent no ID token although the openid scope was asked for")
		}
		return nil
	}
	if d.verifier == nil { // GitHub: OAuth 2.0 without OpenID Connect
		return fmt.Errorf("%s sent an ID token, but it has no OpenID configuration to check it with; remove the openid scope", p.s.Issuer)
	}
	id, err := d.verifier.Verify(ctx, t.IDToken)
	if err != nil {
		return fmt.Errorf("the ID token from %s is not valid: %w", p.s.Issuer, err)
	}
	if d.entra != nil {
		if err := d.entra.check(id); err != nil {
			return fmt.Errorf("the ID token from %s is refused: %w; sign in again, or set tenant to your tenant ID", p.s.Issuer, err)
		}
	}
	if nonce != "" && id.Nonce != nonce {
		return fmt.Errorf("the ID token from %s does not carry this sign-in's nonce (a replayed or foreign reply); sign in again", p.s.Issuer)
	}
	return nil
}
