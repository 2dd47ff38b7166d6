// Package awssso keeps AWS IAM Identity Center (AWS SSO) sessions alive.
// It refreshes the token of an [sso-session] through SSO OIDC and keeps
// the AWS CLI's cache file (~/.aws/sso/cache/<sha1(name)>.json) current,
// so the AWS CLI and SDKs always find a valid token and never need to
// refresh on their own.
package awssso

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"time"

	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/config"
	"github.com/ssokeeper/ssokeeper/session/idpclient"
	"github.com/ssokeeper/ssokeeper/session/paths"
)

// ProviderName is the provider of AWS IAM Identity Center sessions.
const ProviderName = "aws-sso"

// DefaultMaxSession is IAM Identity Center's default session duration.
const DefaultMaxSession = 8 * time.Hour

// Options are the inputs of New; the zero value works.
type Options struct {
	HTTPClient *http.Client     // from the manager (timeouts, Date-header measurement)
	Now        func() time.Time // default time.Now
	CacheDir   string           // default ~/.aws/sso/cache (as the AWS CLI)
	// Endpoint of SSO OIDC; default $AWS_ENDPOINT_URL_SSO_OIDC, else
	// $AWS_ENDPOINT_URL, else https://oidc.{region}.amazonaws.com.
	Endpoint string
	// RegistrationDir keeps ssokeeper's own copy of the client registration,
	// so a refresh still works when the AWS CLI's file is gone.
	// Default: paths.StateDir()/aws-sso.
	RegistrationDir string
	// Keyring keeps that copy (its client secret is a secret); nil: the
	// file in RegistrationDir (doctor and tests).
	Keyring Keyring
}

// Provider implements session.Provider and session.Importer for one
// IAM Identity Center session. Like every Provider it is used by one
// goroutine at a time.
type Provider struct {
	s         config.Session
	client    *http.Client
	now       func() time.Time
	endpoint  string
	cachePath string
	regPath   string
	keyring   Keyring
	mu        sync.Mutex
	cacheErr  error         // last cache-file write failure (see CacheError)
	reg       *registration // our copy as last read from or written to the keyring
	regLoaded bool
	// wait pauses between device-flow polls; tests replace it.
	wait func(ctx context.Context, d time.Duration) error
}

var (
	_ session.Provider = (*Provider)(nil)
	_ session.Importer = (*Provider)(nil)
)

var regionRE = regexp.MustCompile(`^[a-z0-9-]+$`)

// New returns the provider of an aws-sso session. A session without
// start_url or region gets them from its [sso-session] in ~/.aws/config.
func New(s config.Session, opts Options) (*Provider, error) {
	if s.SSOSession == "" {
		return nil, errors.New("sso_session is not set: name the [sso-session NAME] of ~/.aws/config it uses")
	}
	if s.StartURL == "" || s.Region == "" {
		if err := Fill(&s, ConfigPath()); err != nil {
			return nil, err
		}
	}
	if !regionRE.MatchString(s.Region) {
		return nil, fmt.Errorf("region %q is not an AWS region name (like eu-west-1)", s.Region)
	}
	if s.MaxSession == 0 {
		s.MaxSession = DefaultMaxSession
	}
	p := &Provider{s: s, client: opts.HTTPClient, now: opts.Now, endpoint: opts.Endpoint, wait: sleepCtx, keyring: opts.Keyring}
	if p.client == nil {
		p.client = &http.Client{Timeout: 30 * time.Second}
	}
	// Every SSO OIDC request carries a client secret, a code, a device
	// code or a refresh token: never follow a redirect; cap replies.
	p.client = idpclient.ForSecrets(p.client)
	if p.now == nil {
		p.now = time.Now
	}
	if p.endpoint == "" {
		p.endpoint = endpointFromEnv(s.Region)
	}
	dir := opts.CacheDir
	if dir == "" {
		var err error
		if dir, err = DefaultCacheDir(); err != nil {
			return nil, err
		}
	}
	p.cachePath = CachePath(dir, s.SSOSession)
	regDir := opts.RegistrationDir
	if regDir == "" {
		state, err := paths.StateDir()
		if err != nil {
			return nil, fmt.Errorf("cannot find ssokeeper's state folder: %w", err)
		}
		regDir = filepath.Join(state, "aws-sso")
	}
	p.regPath = CachePath(regDir, s.SSOSession)
	return p, nil
}

// endpointFromEnv follows the AWS SDKs: a service-specific endpoint
// variable, then the global one, then the regional default.
func endpointFromEnv(region string) string {
	for _, v := range []string{"AWS_ENDPOINT_URL_SSO_OIDC", "AWS_ENDPOINT_URL"} {
		if e := os.Getenv(v); e != "" {
			return e
		}
	}
	return "https://oidc." + region + ".amazonaws.com"
}

// CacheFile is the AWS CLI cache file this provider keeps.
func (p *Provider) CacheFile() string { return p.cachePath }

// Endpoint is the SSO OIDC endpoint in use (for doctor).
func (p *Provider) Endpoint() string { return p.endpoint }

// Revoke: SSO OIDC has no revocation of refresh tokens.
func (p *Provider) Revoke(ctx context.Context, refreshToken string) error {
	return session.ErrNotSupported
}

// RemoveCache deletes the AWS CLI's cache file of this session, for a
// logout that should also sign the AWS CLI out. A missing file is fine.
func (p *Provider) RemoveCache() error {
	if err := os.Remove(p.cachePath); err != nil && !isNotExist(err) {
		return fmt.Errorf("cannot delete the AWS CLI's token cache %s: %w", p.cachePath, err)
	}
	return nil
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
