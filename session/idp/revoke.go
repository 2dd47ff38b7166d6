package idp

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/oauth2"

	"github.com/ssokeeper/ssokeeper/session"
)

// Revoke revokes refreshToken at the IdP's revocation endpoint (RFC 7009).
// It returns session.ErrNotSupported when discovery names none.
func (p *Provider) Revoke(ctx context.Context, refreshToken string) error {
	d, err := p.discover(ctx)
	if err != nil {
		return err
	}
	if d.revokeURL == "" {
		return fmt.Errorf("%s has no revocation endpoint: %w", p.s.Issuer, session.ErrNotSupported)
	}
	cfg, err := p.config(d, "")
	if err != nil {
		return err
	}
	form := url.Values{"token": {refreshToken}, "token_type_hint": {"refresh_token"}}
	if cfg.ClientSecret == "" {
		form.Set("client_id", cfg.ClientID)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.revokeURL, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("revocation endpoint: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if cfg.ClientSecret != "" {
		// RFC 6749 section 2.3.1: both parts form-encoded before Basic.
		req.SetBasicAuth(url.QueryEscape(cfg.ClientID), url.QueryEscape(cfg.ClientSecret))
	}
	resp, err := p.secrets.Do(req)
	if err != nil {
		return fmt.Errorf("revoke at %s failed: %w", p.s.Issuer, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10)) // the error text only
	if resp.StatusCode == http.StatusOK {
		return nil
	}
	re := &oauth2.RetrieveError{Response: resp, Body: body}
	var e struct {
		Code string `json:"error"`
		Desc string `json:"error_description"`
	}
	if json.Unmarshal(body, &e) == nil {
		re.ErrorCode, re.ErrorDescription = e.Code, e.Desc
	}
	return fmt.Errorf("the IdP refused to revoke the refresh token: %w", re)
}
