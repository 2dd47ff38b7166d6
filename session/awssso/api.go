package awssso

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"golang.org/x/oauth2"

	"github.com/ssokeeper/ssokeeper/session/health"
	"github.com/ssokeeper/ssokeeper/session/idpclient"
)

// tokenReply is CreateToken's answer.
type tokenReply struct {
	AccessToken  string  `json:"accessToken"`
	TokenType    string  `json:"tokenType"`
	ExpiresIn    seconds `json:"expiresIn"`
	RefreshToken string  `json:"refreshToken"`
	IDToken      string  `json:"idToken"`
}

// seconds is a lifetime as AWS (or something pretending to be AWS) sends
// it. It never fails to decode: a reply that carries a rotated refresh
// token must not be thrown away over an odd expiresIn. Unreadable is 0,
// which idpclient.Lifetime turns into its default.
type seconds int64

func (s *seconds) UnmarshalJSON(b []byte) error {
	n, _ := idpclient.Seconds(b)
	*s = seconds(n)
	return nil
}

// registerReply is RegisterClient's answer as the cache file keeps it.
type registerReply struct {
	ClientID              string `json:"clientId"`
	ClientSecret          string `json:"clientSecret"`
	ClientIDIssuedAt      int64  `json:"clientIdIssuedAt"`
	ClientSecretExpiresAt int64  `json:"clientSecretExpiresAt"`
}

type deviceReply struct {
	DeviceCode              string  `json:"deviceCode"`
	UserCode                string  `json:"userCode"`
	VerificationURI         string  `json:"verificationUri"`
	VerificationURIComplete string  `json:"verificationUriComplete"`
	ExpiresIn               seconds `json:"expiresIn"`
	Interval                seconds `json:"interval"`
}

// errorCodes maps the x-amzn-ErrorType of SSO OIDC to the OAuth error code
// AWS also puts in the body, for replies whose body lacks it.
var errorCodes = map[string]string{
	"InvalidGrantException":          "invalid_grant",
	"InvalidClientException":         "invalid_client",
	"UnauthorizedClientException":    "unauthorized_client",
	"ExpiredTokenException":          "expired_token",
	"AuthorizationPendingException":  "authorization_pending",
	"SlowDownException":              "slow_down",
	"AccessDeniedException":          "access_denied",
	"InternalServerException":        "server_error",
	"InvalidRequestException":        "invalid_request",
	"InvalidScopeException":          "invalid_scope",
	"UnsupportedGrantTypeException":  "unsupported_grant_type",
	"InvalidClientMetadataException": "invalid_client_metadata",
	"InvalidRedirectUriException":    "invalid_redirect_uri",
}

// post sends one unsigned SSO OIDC JSON request and decodes the reply into
// out. An error reply becomes an *oauth2.RetrieveError, which carries the
// response (status, Date header) and AWS's own words but never a token.
func (p *Provider) post(ctx context.Context, path string, in, out any) error {
	if m, ok := in.(map[string]string); ok {
		// Whatever AWS (or an impostor) says back, these never leave.
		health.Known.Add(p.s.Name+"/sso", m["clientSecret"], m["code"], m["codeVerifier"], m["deviceCode"])
	}
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.endpoint+path, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("AWS SSO OIDC endpoint %q is not a valid URL: %w", p.endpoint, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := p.client.Do(req)
	if err != nil {
		return fmt.Errorf("cannot reach AWS IAM Identity Center at %s: %w", p.endpoint, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body) // capped by idpclient
	if err != nil {
		return fmt.Errorf("reading the reply of AWS IAM Identity Center (%s%s): %w", p.endpoint, path, err)
	}
	if resp.StatusCode/100 != 2 {
		return replyError(resp, data)
	}
	if err := decodeReply(data, out); err != nil {
		// The body may hold tokens: keep it out of the error.
		return fmt.Errorf("AWS IAM Identity Center sent an unreadable reply to %s: %w",
			path, &oauth2.RetrieveError{Response: resp})
	}
	return nil
}

// decodeReply reads a 2xx reply into out. It is the token-reply parser
// (fuzzed): whatever the bytes, it returns an error or a value, and never
// the bytes themselves.
func decodeReply(data []byte, out any) error {
	return json.Unmarshal(data, out)
}

// replyError turns an SSO OIDC error reply into a RetrieveError. AWS sends
// {"error":"invalid_grant","error_description":"…"} and names the
// exception in x-amzn-ErrorType ("InvalidGrantException", maybe followed
// by ":" and a URL).
func replyError(resp *http.Response, data []byte) *oauth2.RetrieveError {
	var e struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
		Message     string `json:"message"`
	}
	_ = json.Unmarshal(data, &e)
	kind, _, _ := strings.Cut(resp.Header.Get("x-amzn-ErrorType"), ":")
	code := e.Error
	if code == "" {
		code = errorCodes[kind]
	}
	desc := e.Description
	if desc == "" {
		desc = e.Message
	}
	if kind != "" {
		desc = strings.TrimSpace(kind + ": " + desc)
	}
	return &oauth2.RetrieveError{Response: resp, Body: data, ErrorCode: code, ErrorDescription: desc}
}
