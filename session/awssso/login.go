package awssso

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/health"
	"golang.org/x/oauth2"
)

const (
	clientName   = "ssokeeper"
	accessScope  = "sso:account:access"
	callbackPath = "/oauth/callback"
	// registeredRedirect is the redirect URI given at registration; AWS
	// accepts any port of a loopback redirect, as RFC 8252 asks.
	registeredRedirect = "http://127.0.0.1" + callbackPath
	deviceGrant        = "urn:ietf:params:oauth:grant-type:device_code"
)

// Login signs in like `aws sso login`: it registers a client when no
// usable registration exists, then runs the authorization code flow with
// PKCE on a loopback listener, or the device flow when req.Device is set.
// The AWS CLI's cache file is written before Login returns, so `aws` works
// at once.
func (p *Provider) Login(ctx context.Context, req session.LoginRequest) (*session.Tokens, error) {
	timeout := req.Timeout
	if timeout <= 0 {
		timeout = 5 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	flow := "browser"
	if req.Device {
		flow = "device"
	}
	start := p.now()
	reg, err := p.registrationFor(ctx, flow, start)
	if err != nil {
		return nil, p.loginError(ctx, timeout, "registering ssokeeper with IAM Identity Center", err)
	}
	var reply tokenReply
	if req.Device {
		reply, err = p.deviceLogin(ctx, reg, req)
	} else {
		reply, err = p.browserLogin(ctx, reg, req)
	}
	if err != nil {
		if isInvalidClient(err) {
			p.forgetRegistration(reg) // the next try registers anew
		}
		return nil, p.loginError(ctx, timeout, "signing in to IAM Identity Center", err)
	}
	old, _ := p.readOwnCache() // keep the CLI's other fields if it reads
	return p.finish(reply, "", reg, old, start.Add(p.s.MaxSession))
}

func (p *Provider) loginError(ctx context.Context, timeout time.Duration, step string, err error) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("%w: nobody finished it within %v; start it again: %w", session.ErrLoginTimedOut, timeout, err)
	}
	return fmt.Errorf("%s: %w", step, err)
}

// registrationFor returns a registration for flow that outlives a session
// started now, registering a new client when there is none (or it would
// expire before the session does).
func (p *Provider) registrationFor(ctx context.Context, flow string, now time.Time) (*registration, error) {
	if own := p.loadRegistration(); own != nil && own.Flow == flow &&
		own.expiry().After(now.Add(p.s.MaxSession)) {
		return own, nil
	}
	in := map[string]any{
		"clientName": clientName,
		"clientType": "public",
		"scopes":     []string{accessScope},
		"issuerUrl":  p.s.StartURL,
	}
	if flow == "browser" {
		in["grantTypes"] = []string{"authorization_code", "refresh_token"}
		in["redirectUris"] = []string{registeredRedirect}
	} else {
		in["grantTypes"] = []string{deviceGrant, "refresh_token"}
	}
	var out registerReply
	if err := p.post(ctx, "/client/register", in, &out); err != nil {
		return nil, err
	}
	health.Known.Add(p.s.Name+"/sso", out.ClientSecret)
	if out.ClientID == "" || out.ClientSecret == "" {
		return nil, errors.New("IAM Identity Center registered no client (clientId or clientSecret missing in its reply)")
	}
	exp := time.Unix(out.ClientSecretExpiresAt, 0)
	if out.ClientSecretExpiresAt == 0 {
		exp = now.Add(90 * 24 * time.Hour) // AWS's documented lifetime
	}
	reg := &registration{ClientID: out.ClientID, ClientSecret: out.ClientSecret,
		ExpiresAt: exp.UTC().Format(timeFormat), Flow: flow}
	_ = p.saveRegistration(reg) // best effort: finish saves it again
	return reg, nil
}

// deviceLogin runs StartDeviceAuthorization and polls CreateToken.
func (p *Provider) deviceLogin(ctx context.Context, reg *registration, req session.LoginRequest) (tokenReply, error) {
	var d deviceReply
	err := p.post(ctx, "/device_authorization", map[string]string{
		"clientId": reg.ClientID, "clientSecret": reg.ClientSecret, "startUrl": p.s.StartURL,
	}, &d)
	if err != nil {
		return tokenReply{}, err
	}
	// A device code lives 10 minutes at AWS; bound what a reply claims,
	// and the polling interval, so a hostile reply cannot stall sign-in.
	if d.ExpiresIn <= 0 || d.ExpiresIn > 1800 {
		d.ExpiresIn = 600
	}
	d.Interval = min(d.Interval, 60)
	code := session.DeviceCode{
		UserCode:                d.UserCode,
		VerificationURI:         d.VerificationURI,
		VerificationURIComplete: d.VerificationURIComplete,
		ExpiresAt:               p.now().Add(time.Duration(d.ExpiresIn) * time.Second),
	}
	if err := showDeviceCode(req, code); err != nil {
		return tokenReply{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, time.Duration(d.ExpiresIn)*time.Second)
	defer cancel()
	interval := time.Duration(d.Interval) * time.Second
	if interval <= 0 {
		interval = 5 * time.Second
	}
	for {
		if err := p.wait(ctx, interval); err != nil {
			return tokenReply{}, fmt.Errorf("waiting for the code to be entered at %s: %w", d.VerificationURI, err)
		}
		var reply tokenReply
		err := p.post(ctx, "/token", map[string]string{
			"grantType": deviceGrant, "clientId": reg.ClientID, "clientSecret": reg.ClientSecret, "deviceCode": d.DeviceCode,
		}, &reply)
		var re *oauth2.RetrieveError
		if !errors.As(err, &re) {
			return reply, err // nil, or a network error
		}
		switch re.ErrorCode {
		case "authorization_pending":
		case "slow_down":
			interval += 5 * time.Second // RFC 8628 §3.5
		case "expired_token":
			return tokenReply{}, fmt.Errorf("%w at %s; start the sign-in again: %w", session.ErrDeviceCodeExpired, d.VerificationURI, err)
		case "access_denied":
			return tokenReply{}, fmt.Errorf("the sign-in was denied in the browser: %w", err)
		default:
			return tokenReply{}, err
		}
	}
}

// showDeviceCode tells the person the code, and opens the page where it
// is entered when a browser can be opened (as `aws sso login` does).
func showDeviceCode(req session.LoginRequest, code session.DeviceCode) error {
	if req.ShowDeviceCode == nil && req.OpenURL == nil {
		return errors.New("no way to show the device code: this sign-in needs a terminal or the tray")
	}
	if req.ShowDeviceCode != nil {
		req.ShowDeviceCode(code)
	}
	if req.OpenURL != nil {
		u := code.VerificationURIComplete
		if u == "" {
			u = code.VerificationURI
		}
		if err := req.OpenURL(u); err != nil && req.ShowDeviceCode == nil {
			return fmt.Errorf("cannot open the browser at %s: %w", code.VerificationURI, err)
		}
	}
	return nil
}
