package awssso

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/idpclient"
)

// ErrCacheWrite wraps a failure to write the AWS CLI's cache file after a
// successful refresh or sign-in (see CacheError).
var ErrCacheWrite = errors.New("cannot write the AWS CLI's token cache")

// CacheError is the failure of the last write of the AWS CLI's cache file,
// nil when it succeeded, for status and doctor. Refresh and Login still
// return their tokens when only that write fails: the refresh token may
// have been rotated, and losing it would end the session; the next
// refresh writes the file again. It may be called from any goroutine.
func (p *Provider) CacheError() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cacheErr
}

// Import reads the AWS CLI's cache file, so a session someone started with
// `aws sso login` is adopted without another sign-in. A missing file gives
// an error wrapping fs.ErrNotExist.
func (p *Provider) Import() (*session.Tokens, error) {
	c, err := p.readOwnCache()
	if err != nil {
		return nil, p.cacheReadError(err)
	}
	access, expiry := c.str("accessToken"), c.time("expiresAt")
	if access == "" || expiry.IsZero() {
		return nil, fmt.Errorf("the AWS CLI's token cache %s has no accessToken or expiresAt; sign in again", p.cachePath)
	}
	if reg := fileRegistration(c); reg != nil && !reg.expired(p.now()) {
		// Keep a copy: the CLI may delete its file while the refresh
		// token we adopt still needs this client.
		_ = p.saveRegistration(reg)
	}
	return &session.Tokens{
		AccessToken:  access,
		TokenType:    "Bearer",
		RefreshToken: c.str("refreshToken"),
		Expiry:       expiry,
	}, nil
}

func (p *Provider) cacheReadError(err error) error {
	switch {
	case isNotExist(err):
		return fmt.Errorf("no AWS CLI token cache at %s (sign in with ssokeeper or `aws sso login --sso-session %s`): %w", p.cachePath, p.s.SSOSession, err)
	case errors.Is(err, errPartial):
		return fmt.Errorf("the AWS CLI's token cache %s is incomplete (probably being written); ssokeeper will try again: %w", p.cachePath, err)
	case errors.Is(err, errForeign), errors.Is(err, errNotRegular):
		return fmt.Errorf("the AWS CLI's token cache %s is not this session's; ssokeeper replaces it at the next refresh: %w", p.cachePath, err)
	}
	return fmt.Errorf("cannot read the AWS CLI's token cache %s: %w", p.cachePath, err)
}

// Refresh redeems the refresh token with SSO OIDC CreateToken and writes the
// new token to the AWS CLI's cache file before it returns.
func (p *Provider) Refresh(ctx context.Context, refreshToken string) (*session.Tokens, error) {
	if refreshToken == "" {
		return nil, errors.New("no refresh token to refresh with; sign in again")
	}
	c, err := p.readOwnCache()
	switch {
	case err == nil || isNotExist(err):
	case errors.Is(err, errPartial) && beingWritten(p.cachePath):
		// Most likely the AWS CLI is writing it at this instant: a
		// transient error, file untouched; the retry reads it whole.
		return nil, p.cacheReadError(err)
	default:
		// Garbage, empty for good, a symlink, another start URL, or not
		// readable at all: nothing in it is usable. Refresh with our own
		// copy of the registration and write a valid file in its place.
		c = nil
	}
	reg, err := p.pickRegistration(c, refreshToken)
	if err != nil {
		return nil, err // transient: the refresh token is kept
	}
	if reg == nil {
		return nil, noRegistration(p.cachePath)
	}
	if reg.expired(p.now()) {
		return nil, registrationExpired(reg)
	}
	var reply tokenReply
	err = p.post(ctx, "/token", map[string]string{
		"grantType":    "refresh_token",
		"clientId":     reg.ClientID,
		"clientSecret": reg.ClientSecret,
		"refreshToken": refreshToken,
	}, &reply)
	if err != nil {
		if isInvalidClient(err) {
			p.forgetRegistration(reg)
		}
		return nil, clientRejected(fmt.Errorf("refreshing the IAM Identity Center token: %w", err))
	}
	return p.finish(reply, refreshToken, reg, c, time.Time{})
}

// finish turns a CreateToken reply into Tokens, writing the cache file
// first. old is the cache file read before the call (may be nil);
// sessionEnd is the end of the session when known.
func (p *Provider) finish(reply tokenReply, usedRefresh string, reg *registration, old *cacheFile, sessionEnd time.Time) (*session.Tokens, error) {
	if reply.AccessToken == "" {
		return nil, errors.New("IAM Identity Center answered without an access token; ssokeeper will try again")
	}
	if reply.TokenType == "" {
		reply.TokenType = "Bearer"
	}
	// Whole seconds: the file has no more, and the two must agree.
	// Absent, zero, negative or unreadable gets a short default; absurd is capped.
	expiry := p.now().Truncate(time.Second).Add(idpclient.Lifetime(int64(reply.ExpiresIn)))
	keep := reply.RefreshToken
	if keep == "" {
		keep = usedRefresh
	}
	tok := &session.Tokens{
		AccessToken:   reply.AccessToken,
		TokenType:     reply.TokenType,
		RefreshToken:  reply.RefreshToken,
		IDToken:       reply.IDToken,
		Expiry:        expiry,
		RefreshExpiry: sessionEnd,
	}
	_ = p.saveRegistration(reg)
	err := p.writeTokens(old, reply.AccessToken, keep, expiry, reg)
	if err != nil {
		err = fmt.Errorf("%w %s (the AWS CLI will use an older token until ssokeeper writes it): %w", ErrCacheWrite, p.cachePath, err)
	}
	p.mu.Lock()
	p.cacheErr = err
	p.mu.Unlock()
	return tok, nil
}

// writeTokens rewrites the cache file with every field the AWS CLI and
// SDKs need, keeping the fields it does not know.
func (p *Provider) writeTokens(old *cacheFile, access, refresh string, expiry time.Time, reg *registration) error {
	// Re-read just before writing, to keep what the CLI may have added
	// meanwhile; fall back to what was read before the call.
	c, err := p.readOwnCache()
	if err != nil {
		c = old
	}
	if c == nil {
		c = &cacheFile{}
	}
	if c.Fields == nil {
		c.Fields = map[string]json.RawMessage{}
	}
	c.set("startUrl", p.s.StartURL)
	c.set("region", p.s.Region)
	c.set("accessToken", access)
	c.setTime("expiresAt", expiry)
	c.set("clientId", reg.ClientID)
	c.set("registrationExpiresAt", reg.ExpiresAt)
	if p.s.OmitAWSCacheSecrets {
		// aws_cache_refresh_token = false: the secrets stay in ssokeeper's
		// keeping only, also those `aws sso login` wrote here before. The
		// AWS CLI then uses the access token and never refreshes itself.
		delete(c.Fields, "refreshToken")
		delete(c.Fields, "clientSecret")
		return writeCacheFile(p.cachePath, c)
	}
	if refresh != "" {
		c.set("refreshToken", refresh)
	}
	c.set("clientSecret", reg.ClientSecret)
	return writeCacheFile(p.cachePath, c)
}

// readOwnCache reads the cache file, refusing one for another start URL.
func (p *Provider) readOwnCache() (*cacheFile, error) {
	c, err := readCache(p.cachePath)
	if err != nil {
		return nil, err
	}
	if u := c.str("startUrl"); u != "" && u != p.s.StartURL {
		return nil, fmt.Errorf("%w (%s, not %s): %s", errForeign, u, p.s.StartURL, p.cachePath)
	}
	return c, nil
}

// writeCacheFile is writeCache; tests replace it to make the write fail.
var writeCacheFile = writeCache
