// Package idp is the session.Provider for OpenID Connect identity
// providers (generic OIDC, Entra, Okta, Google, Keycloak, Auth0): refresh,
// revoke, and interactive sign-in with the browser (authorization code +
// PKCE on a loopback redirect, RFC 8252) or the device flow (RFC 8628).
//
// Discovery happens on first use and is cached once it succeeds, so an IdP
// that is down when the agent starts fails only the calls made while it
// is down.
package idp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/config"
	"github.com/ssokeeper/ssokeeper/session/health"
	"github.com/ssokeeper/ssokeeper/session/idpclient"
)

// Options are the provider's dependencies.
type Options struct {
	// HTTPClient is used for discovery, token, revocation and JWKS
	// requests. nil: a client with a 30 s timeout.
	HTTPClient *http.Client
	// ClientSecret reads the client secret (from the keyring); nil for
	// public clients.
	ClientSecret func() (string, error)
	// Now is the clock for token expiry; nil: time.Now.
	Now func() time.Time
}

// Provider talks to one session's OpenID Provider.
type Provider struct {
	s    config.Session
	opts Options
	// secrets carries requests with a refresh token, code, client secret
	// or device code: it never follows a redirect. disc reads discovery
	// and JWKS: same-host redirects only. Both cap reply sizes.
	secrets, discHTTP *http.Client

	mu   sync.Mutex
	disc *discovery // nil until discovery succeeded
}

type discovery struct {
	endpoint  oauth2.Endpoint
	revokeURL string
	verifier  *oidc.IDTokenVerifier // checks signature, issuer, audience, expiry
	entra     *EntraTenant          // an entra session's tenant; nil for others
}

var _ session.Provider = (*Provider)(nil)

// idTokenLeeway is how far past its expiry an ID token is still accepted,
// for a small clock difference between this computer and the IdP.
const idTokenLeeway = 2 * time.Minute

// New makes the provider of session s. It does no network I/O.
func New(s config.Session, opts Options) (*Provider, error) {
	if s.Issuer == "" {
		return nil, errors.New("no issuer URL: set issuer (or the preset's tenant, domain or realm) in the config")
	}
	if s.ClientID == "" {
		return nil, errors.New("no client_id: set client_id in the config")
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Provider{s: s, opts: opts,
		secrets: idpclient.ForSecrets(opts.HTTPClient), discHTTP: idpclient.ForDiscovery(opts.HTTPClient)}, nil
}

// withClient makes x/oauth2 use the client for requests that carry secrets.
func (p *Provider) withClient(ctx context.Context) context.Context {
	return oidc.ClientContext(ctx, p.secrets)
}

// discover reads the IdP's OpenID configuration once, retrying on the next
// call after a failure.
func (p *Provider) discover(ctx context.Context) (*discovery, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.disc != nil {
		return p.disc, nil
	}
	if p.s.Provider == "github" {
		p.disc = githubDiscovery(p.s.Issuer)
		return p.disc, nil
	}
	dctx := oidc.ClientContext(ctx, p.discHTTP) // the key set keeps it for JWKS
	entra := p.s.Provider == "entra"
	if entra {
		// Checked below by Microsoft's rules (ResolveEntraTenant).
		dctx = oidc.InsecureIssuerURLContext(dctx, p.s.Issuer)
	}
	op, err := oidc.NewProvider(dctx, p.s.Issuer)
	if err != nil {
		return nil, fmt.Errorf("cannot read the OpenID configuration of %s: %w", p.s.Issuer, err)
	}
	var extra struct {
		Issuer string `json:"issuer"`
		Revoke string `json:"revocation_endpoint"`
	}
	if err := op.Claims(&extra); err != nil {
		return nil, fmt.Errorf("the OpenID configuration of %s does not parse: %w", p.s.Issuer, err)
	}
	now := p.opts.Now
	vc := &oidc.Config{
		ClientID: p.s.ClientID,
		Now:      func() time.Time { return now().Add(-idTokenLeeway) },
	}
	d := &discovery{endpoint: op.Endpoint(), revokeURL: extra.Revoke}
	if entra {
		t, err := ResolveEntraTenant(p.s.Issuer, extra.Issuer)
		if err != nil {
			return nil, err
		}
		d.entra = &t
		vc.SkipIssuerCheck = t.Multi() // EntraTenant.check compares iss with tid
		if !t.Multi() && t.Issuer() != p.s.Issuer {
			// ID tokens carry the tenant's issuer, not the configured one.
			var pc oidc.ProviderConfig
			if err := op.Claims(&pc); err != nil {
				return nil, fmt.Errorf("the OpenID configuration of %s does not parse: %w", p.s.Issuer, err)
			}
			pc.IssuerURL = t.Issuer()
			op = pc.NewProvider(dctx)
		}
	}
	d.verifier = op.Verifier(vc)
	p.disc = d
	return p.disc, nil
}

// config is the OAuth2 client configuration; redirect may be empty.
func (p *Provider) config(d *discovery, redirect string) (*oauth2.Config, error) {
	c := &oauth2.Config{
		ClientID:    p.s.ClientID,
		Endpoint:    d.endpoint,
		RedirectURL: redirect,
		Scopes:      p.s.Scopes,
	}
	// Public clients must send client_id in the body; with a secret,
	// x/oauth2 tries HTTP Basic first and then the body.
	c.Endpoint.AuthStyle = oauth2.AuthStyleInParams
	if p.opts.ClientSecret != nil {
		secret, err := p.opts.ClientSecret()
		if err != nil {
			return nil, fmt.Errorf("cannot read the client secret: %w", err)
		}
		c.ClientSecret = secret
		health.Known.Add(p.s.Name+"/client", secret)
		c.Endpoint.AuthStyle = oauth2.AuthStyleAutoDetect
	}
	return c, nil
}

// Refresh redeems refreshToken. The scope is left out, which RFC 6749
// (section 6) defines as the scope originally granted.
func (p *Provider) Refresh(ctx context.Context, refreshToken string) (*session.Tokens, error) {
	d, err := p.discover(ctx)
	if err != nil {
		return nil, err
	}
	cfg, err := p.config(d, "")
	if err != nil {
		return nil, err
	}
	tok, err := cfg.TokenSource(p.withClient(ctx), &oauth2.Token{RefreshToken: refreshToken}).Token()
	if err != nil {
		return nil, fmt.Errorf("refresh at %s failed: %w", p.s.Issuer, err)
	}
	t := p.tokens(tok)
	if t.RefreshToken == refreshToken {
		t.RefreshToken = "" // not rotated: x/oauth2 copied the old one in
	}
	return t, nil
}

// tokens converts an x/oauth2 token, timing expiries on our clock.
func (p *Provider) tokens(tok *oauth2.Token) *session.Tokens {
	now := p.opts.Now()
	t := &session.Tokens{
		AccessToken:  tok.AccessToken,
		TokenType:    tok.Type(),
		RefreshToken: tok.RefreshToken,
		Expiry:       tok.Expiry,
	}
	// expires_in as sent (x/oauth2 keeps it even when <= 0), made sane:
	// absent or unusable gets a short default, absurd is capped.
	secs := tok.ExpiresIn
	if secs == 0 && !tok.Expiry.IsZero() { // a form-encoded reply: x/oauth2 set Expiry only
		secs = int64(time.Until(tok.Expiry).Round(time.Second) / time.Second)
	}
	t.Expiry = now.Add(idpclient.Lifetime(secs))
	if id, ok := tok.Extra("id_token").(string); ok {
		t.IDToken = id
	}
	// Keycloak says how long the refresh token (SSO session) lives; 0
	// means no limit (offline tokens). GitHub names it differently.
	rsecs := number(tok.Extra("refresh_expires_in"))
	if rsecs == 0 {
		rsecs = number(tok.Extra("refresh_token_expires_in"))
	}
	if rsecs > 0 {
		t.RefreshExpiry = now.Add(time.Duration(min(rsecs, maxSessionSecs)) * time.Second)
	}
	return t
}

// maxSessionSecs caps a refresh_expires_in (a year): beyond, the Duration
// arithmetic would overflow and no real SSO session lasts longer.
const maxSessionSecs = 366 * 24 * 3600

func number(v any) int64 {
	switch n := v.(type) {
	case float64:
		return int64(min(max(n, 0), maxSessionSecs))
	case int64: // x/oauth2 parses numbers of form-encoded replies
		return min(max(n, 0), maxSessionSecs)
	case string:
		i, _ := strconv.ParseInt(n, 10, 64)
		return i
	}
	return 0
}

// authParams are the extra authorization-request parameters: the config's,
// over the defaults of the presets that need them.
func (p *Provider) authParams() map[string]string {
	m := map[string]string{}
	switch p.s.Provider {
	case "google": // Google issues refresh tokens only with these
		m["access_type"] = "offline"
		m["prompt"] = "consent"
	case "auth0":
		if p.s.Audience != "" {
			m["audience"] = p.s.Audience
		}
	}
	for k, v := range p.s.AuthParams {
		m[k] = v
	}
	return m
}
