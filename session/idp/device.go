package idp

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/oauth2"

	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/health"
)

// loginDevice runs the device-authorization flow (RFC 8628). x/oauth2
// polls as the IdP asks (interval, slow_down) until the person approves,
// denies, or the code expires.
func (p *Provider) loginDevice(ctx context.Context, req session.LoginRequest) (*session.Tokens, error) {
	d, err := p.discover(ctx)
	if err != nil {
		return nil, err
	}
	if d.endpoint.DeviceAuthURL == "" {
		return nil, fmt.Errorf("%s offers no device sign-in (no device_authorization_endpoint); sign in with the browser instead: %w", p.s.Issuer, session.ErrNotSupported)
	}
	cfg, err := p.config(d, "")
	if err != nil {
		return nil, err
	}
	var opts []oauth2.AuthCodeOption
	for k, v := range p.authParams() {
		if k != "prompt" && k != "access_type" { // browser-only parameters
			opts = append(opts, oauth2.SetAuthURLParam(k, v))
		}
	}
	hctx := p.withClient(ctx)
	da, err := cfg.DeviceAuth(hctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("cannot start the device sign-in at %s: %w", p.s.Issuer, err)
	}
	health.Known.Add(p.s.Name+"/sign-in", da.DeviceCode)
	if req.ShowDeviceCode != nil {
		req.ShowDeviceCode(session.DeviceCode{
			UserCode:                da.UserCode,
			VerificationURI:         da.VerificationURI,
			VerificationURIComplete: da.VerificationURIComplete,
			ExpiresAt:               da.Expiry,
		})
	}
	if req.OpenURL != nil {
		u := da.VerificationURIComplete
		if u == "" {
			u = da.VerificationURI
		}
		go req.OpenURL(u) // best effort: the code is shown either way
	}
	tok, err := cfg.DeviceAccessToken(hctx, da)
	if err != nil {
		return nil, p.deviceError(ctx, err)
	}
	t := p.tokens(tok)
	if err := p.verifyIDToken(hctx, d, t, ""); err != nil {
		return nil, err
	}
	return t, nil
}

func (p *Provider) deviceError(ctx context.Context, err error) error {
	expired := fmt.Errorf("%w; start the sign-in again: %w", session.ErrDeviceCodeExpired, err)
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
		return expired // x/oauth2 stops polling at the code's expiry
	}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		switch re.ErrorCode {
		case "expired_token":
			return expired
		case "access_denied":
			return fmt.Errorf("the sign-in was denied at the identity provider: %w", err)
		}
	}
	return fmt.Errorf("device sign-in failed: %w", err)
}
