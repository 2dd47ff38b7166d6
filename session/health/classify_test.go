package health

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/oauth2"
)

// replyCase is one real token-endpoint error reply, kept in testdata/ with
// the place it was found.
type replyCase struct {
	Source    string            `json:"source"`
	Status    int               `json:"status"`
	Headers   map[string]string `json:"headers"`
	Body      json.RawMessage   `json:"body"`
	BodyText  string            `json:"body_text"`
	Want      Reason            `json:"want"`
	Transient bool              `json:"transient"`
	Detail    string            `json:"detail"` // must appear in Diagnosis.Detail
}

func loadReplyCases(t *testing.T) map[string]replyCase {
	t.Helper()
	files, err := filepath.Glob("testdata/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no reply cases in testdata: %v", err)
	}
	cases := map[string]replyCase{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var c replyCase
		if err := json.Unmarshal(raw, &c); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if c.Source == "" || c.Status == 0 || c.Want == "" {
			t.Fatalf("%s: source, status and want are required", f)
		}
		cases[strings.TrimSuffix(filepath.Base(f), ".json")] = c
	}
	return cases
}

// serve answers every token request with handler h.
func serve(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// refresh redeems refreshToken at tokenURL through x/oauth2, as a provider
// does, and returns the error wrapped the way the manager wraps it.
func refresh(t *testing.T, client *http.Client, tokenURL, refreshToken string) error {
	t.Helper()
	return refreshCtx(t, context.Background(), client, tokenURL, refreshToken)
}

func refreshCtx(t *testing.T, ctx context.Context, client *http.Client, tokenURL, refreshToken string) error {
	t.Helper()
	conf := &oauth2.Config{
		ClientID: "ssokeeper",
		Endpoint: oauth2.Endpoint{TokenURL: tokenURL, AuthStyle: oauth2.AuthStyleInParams},
	}
	return refreshConf(t, ctx, client, conf, refreshToken)
}

func refreshConf(t *testing.T, ctx context.Context, client *http.Client, conf *oauth2.Config, refreshToken string) error {
	t.Helper()
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Second}
	}
	tokenURL := conf.Endpoint.TokenURL
	ctx = context.WithValue(ctx, oauth2.HTTPClient, client)
	_, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: refreshToken}).Token()
	if err == nil {
		t.Fatalf("refresh at %s succeeded, want an error", tokenURL)
	}
	return fmt.Errorf("refresh session %q: %w", "work", err)
}

func TestClassifyRealReplies(t *testing.T) {
	cases := loadReplyCases(t)
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		c, ok := cases[strings.TrimPrefix(r.URL.Path, "/")]
		if !ok || r.FormValue("grant_type") != "refresh_token" {
			http.Error(w, "unexpected request", http.StatusTeapot)
			return
		}
		for k, v := range c.Headers {
			w.Header().Set(k, v)
		}
		w.WriteHeader(c.Status)
		if c.BodyText != "" {
			fmt.Fprint(w, c.BodyText)
		} else {
			w.Write(c.Body)
		}
	})
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			d := Classify(refresh(t, nil, srv.URL+"/"+name, "rt-"+name))
			if d.Reason != c.Want {
				t.Errorf("reason = %q, want %q (detail %q; source %s)", d.Reason, c.Want, d.Detail, c.Source)
			}
			if d.Transient != c.Transient {
				t.Errorf("transient = %v, want %v", d.Transient, c.Transient)
			}
			if !strings.Contains(d.Detail, c.Detail) {
				t.Errorf("detail = %q, want it to contain %q", d.Detail, c.Detail)
			}
			checkDetailShape(t, d.Detail)
			if d.RetryAfter != 0 {
				t.Errorf("retry after = %v, want 0", d.RetryAfter)
			}
		})
	}
}

func checkDetailShape(t *testing.T, detail string) {
	t.Helper()
	if detail == "" {
		t.Error("detail is empty")
	}
	if n := utf8.RuneCountInString(detail); n > maxDetail {
		t.Errorf("detail has %d runes, want at most %d", n, maxDetail)
	}
	if strings.ContainsAny(detail, "\r\n\t") {
		t.Errorf("detail %q spans lines", detail)
	}
}

func TestClassifyRetryAfter(t *testing.T) {
	date := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		status     int
		header     map[string]string
		body       string
		want       Reason
		retryAfter time.Duration
		detail     string
	}{
		{"503 seconds", 503, map[string]string{"Retry-After": "120"}, "", IdPError, 2 * time.Minute, "HTTP 503 Service Unavailable: no readable OAuth reply"},
		{"429 http date", 429, map[string]string{
			"Date":        date.Format(http.TimeFormat),
			"Retry-After": date.Add(90 * time.Second).Format(http.TimeFormat),
		}, `{"error":"temporarily_unavailable","error_description":"Too many requests"}`, IdPError, 90 * time.Second, "HTTP 429 Too Many Requests: temporarily_unavailable: Too many requests"},
		{"429 date in the past", 429, map[string]string{
			"Date":        date.Format(http.TimeFormat),
			"Retry-After": date.Add(-time.Minute).Format(http.TimeFormat),
		}, "", IdPError, 0, "HTTP 429"},
		{"429 absurd seconds capped", 429, map[string]string{"Retry-After": "99999999999"}, "", IdPError, 24 * time.Hour, "HTTP 429"},
		{"500 without header", 500, nil, "upstream failed", IdPError, 0, "HTTP 500 Internal Server Error: upstream failed"},
		{"400 ignores header", 400, map[string]string{"Retry-After": "30"}, `{"error":"invalid_grant"}`, RefreshTokenInvalid, 0, "invalid_grant"},
		// botocore sso-oidc service-2.json SlowDownException: HTTP 400, error slow_down.
		{"aws slow down", 400, map[string]string{"x-amzn-ErrorType": "SlowDownException"}, `{"error":"slow_down"}`, IdPError, 5 * time.Second, "slow_down (SlowDownException)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tt.status)
				fmt.Fprint(w, tt.body)
			})
			d := Classify(refresh(t, nil, srv.URL, "rt"))
			if d.Reason != tt.want || d.RetryAfter != tt.retryAfter {
				t.Errorf("got %q retry after %v, want %q retry after %v", d.Reason, d.RetryAfter, tt.want, tt.retryAfter)
			}
			if d.Transient != (tt.want == IdPError) {
				t.Errorf("transient = %v", d.Transient)
			}
			if !strings.Contains(d.Detail, tt.detail) {
				t.Errorf("detail = %q, want it to contain %q", d.Detail, tt.detail)
			}
		})
	}
}

func TestClassifyUnusableSuccessReplies(t *testing.T) {
	tests := []struct {
		name, ctype, body, detail string
	}{
		// A captive portal or SSO proxy answers 200 with its own page.
		{"html login page", "text/html", "<html><title>Sign in to the network</title></html>", "cannot parse json"},
		{"no access token", "application/json", `{"token_type":"Bearer"}`, "no access_token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tt.ctype)
				fmt.Fprint(w, tt.body)
			})
			d := Classify(refresh(t, nil, srv.URL, "rt"))
			if d.Reason != IdPError || !d.Transient || d.RefreshTokenDead() {
				t.Errorf("got %+v, want a transient idp_error that keeps the token", d)
			}
			if !strings.Contains(d.Detail, tt.detail) {
				t.Errorf("detail = %q, want it to contain %q", d.Detail, tt.detail)
			}
		})
	}
}

func TestClassifyNoRefreshToken(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		t.Error("the token endpoint must not be called without a refresh token")
	})
	d := Classify(refresh(t, nil, srv.URL, ""))
	if d.Reason != RefreshTokenMissing || d.Transient || !d.RefreshTokenDead() {
		t.Errorf("got %+v, want a definite refresh_token_missing", d)
	}
}

// The IdP echoes the refresh token it was sent; none may reach Detail.
func TestDetailNeverHoldsTheRefreshToken(t *testing.T) {
	tokens := map[string]string{
		// Keycloak refresh tokens are JWTs.
		"jwt": "eyJhbGciOiJIUzUxMiIsInR5cCIgOiAiSldUIn0.eyJleHAiOjE3NjQ1ODAwMDAsImp0aSI6IjRmNWQifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ",
		// Google refresh tokens start "1//".
		"google": "1//0gKx7Qm2Yb9HfCgYIARAAGBASNwF-L9IrZt4pN0aWq3vXhJk5sD8e",
		// Auth0 rotating refresh tokens start "v1.".
		"auth0": "v1.MRrTq9wZbXhJ2kLm4nPq6sTu8vWx0yZa1bC3dE5fG7hI9jK",
		// AWS SSO OIDC refresh tokens are long base64 with ':' separators.
		"aws":    "aorAAAAAGlXq3ZbY8nV2cT4kR6mP0wS1uE5dF7gH9jK:MGUCMQDx7vN2pQ4rS6tU8wY0zA1bC3dE5",
		"base64": "Zq3Xw9YbV7uT5sR1pO8nM6lK4jH2gF0dSaQwErTyUiO",
		"hex":    "fe8dfc8820159e3ec9038cb677094a66df8e09c841458617d54232cf2f4359bd",
	}
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]string{
			"error":             "invalid_grant",
			"error_description": "Refresh token " + r.FormValue("refresh_token") + " was revoked",
		})
	})
	for name, rt := range tokens {
		t.Run(name, func(t *testing.T) {
			d := Classify(refresh(t, nil, srv.URL, rt))
			if d.Reason != RefreshTokenRevoked {
				t.Errorf("reason = %q, want %q", d.Reason, RefreshTokenRevoked)
			}
			for _, part := range strings.Split(rt, ":") {
				if strings.Contains(d.Detail, part) {
					t.Errorf("detail %q contains the refresh token", d.Detail)
				}
			}
			if !strings.Contains(d.Detail, "[redacted]") {
				t.Errorf("detail %q does not mark the redaction", d.Detail)
			}
		})
	}
}

func TestRedact(t *testing.T) {
	keep := []string{
		"AADSTS700082: The refresh token has expired due to inactivity.",
		"Trace ID: 6e94ade5-10de-4d67-909a-14d845813500",
		"issued on 2020-02-26T21:52:54.2810613Z",
		"see https://login.microsoftonline.com/error?code=700082",
		"https://login.microsoftonline.com/organizations/oauth2/v2.0/token",
		"Client no longer has requested consent from user",
	}
	for _, s := range keep {
		if got := Redact(s); got != s {
			t.Errorf("Redact(%q) = %q, want it unchanged", s, got)
		}
	}
	// A UUID-shaped token (zitadel issues those) is only caught when named.
	rt := "0b5e0a36-7f6b-4c55-9f59-0c1b0c1e6f42"
	if got := Redact("token "+rt+" reused", rt); strings.Contains(got, rt) {
		t.Errorf("Redact with the secret kept it: %q", got)
	}
}

func TestDetailIsTrimmed(t *testing.T) {
	long := strings.Repeat("The identity provider is very sorry. ", 30)
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]string{"error": "invalid_grant", "error_description": long})
	})
	d := Classify(refresh(t, nil, srv.URL, "rt"))
	checkDetailShape(t, d.Detail)
	if !strings.HasSuffix(d.Detail, "…") || !strings.HasPrefix(d.Detail, "invalid_grant: The identity provider") {
		t.Errorf("detail = %q, want the start of the text ending in …", d.Detail)
	}
}

type reasonedError struct {
	reason Reason
	msg    string
}

func (e reasonedError) Error() string  { return e.msg }
func (e reasonedError) Reason() Reason { return e.reason }

func TestClassifyReasoner(t *testing.T) {
	err := fmt.Errorf("save refresh token: %w", reasonedError{KeyringUnavailable, "secret service: org.freedesktop.secrets did not answer within 5s"})
	d := Classify(err)
	if d.Reason != KeyringUnavailable || !d.Transient || d.RefreshTokenDead() {
		t.Errorf("got %+v, want a transient keyring_unavailable", d)
	}
	if !strings.Contains(d.Detail, "org.freedesktop.secrets did not answer") {
		t.Errorf("detail = %q", d.Detail)
	}
	d = Classify(reasonedError{ConfigInvalid, "config.toml:3: unknown provider \"okat\""})
	if d.Reason != ConfigInvalid || d.Transient {
		t.Errorf("got %+v, want a definite config_invalid", d)
	}
}

func TestClassifyUnknownErrorKeepsToken(t *testing.T) {
	if d := Classify(nil); d != (Diagnosis{}) {
		t.Errorf("Classify(nil) = %+v, want the zero Diagnosis", d)
	}
	d := Classify(errors.New(`oidc: get "https://id.example.com/.well-known/openid-configuration?code=secretcode": odd failure`))
	if d.Reason != IdPError || !d.Transient || d.RefreshTokenDead() {
		t.Errorf("got %+v, want a transient idp_error", d)
	}
	if strings.Contains(d.Detail, "secretcode") {
		t.Errorf("detail %q keeps a URL query", d.Detail)
	}
}

// Every reason Classify can return must have words for the person.
func TestEveryReasonIsDescribed(t *testing.T) {
	got := map[Reason]bool{
		IdPUnreachable: true, TLSError: true, RefreshTokenMissing: true,
		Classify(errors.New("x")).Reason: true,
	}
	for _, r := range entraCodes {
		got[r] = true
	}
	codes := []string{"", "unknown_code", "invalid_grant", "expired_token", "interaction_required",
		"login_required", "consent_required", "account_selection_required", "mfa_required",
		"authorization_pending", "access_denied", "invalid_scope", "invalid_request",
		"invalid_client", "unauthorized_client", "unsupported_grant_type", "deleted_client",
		"slow_down", "server_error", "temporarily_unavailable"}
	for _, c := range awsErrorCodes {
		codes = append(codes, c)
	}
	texts := []string{"", "consent", "iat", "Session not active", "expired or revoked", "Stale token", "expired"}
	for _, code := range codes {
		for _, status := range []int{400, 401, 429, 503} {
			for _, text := range texts {
				for _, exc := range []string{"", "InvalidGrantException", "InvalidRequestRegionException"} {
					got[replyReason(status, code, text, exc)] = true
				}
			}
		}
	}
	for _, r := range Reasons() {
		got[r] = true
	}
	for r := range got {
		info, ok := reasons[r]
		if !ok || info.Title == "" || info.Message == "" || info.Fix == "" {
			t.Errorf("reason %q has no title, message or fix in the reason table: %+v", r, info)
		}
	}
}

// Providers also build RetrieveErrors themselves: from a browser callback
// (no HTTP response) or from an AWS reply whose description they prefix.
func TestClassifyProviderBuiltErrors(t *testing.T) {
	awsHeader := http.Header{"X-Amzn-Errortype": {"InvalidGrantException:http://internal.amazon.com/coral/com.amazonaws.sso.oidc/"}}
	tests := []struct {
		name   string
		err    *oauth2.RetrieveError
		want   Reason
		detail string
	}{
		{"callback access_denied", &oauth2.RetrieveError{ErrorCode: "access_denied", ErrorDescription: "The user denied the request"},
			InteractionRequired, "access_denied: The user denied the request"},
		{"callback login_required", &oauth2.RetrieveError{ErrorCode: "login_required"}, InteractionRequired, "login_required"},
		{"aws prefixed description", &oauth2.RetrieveError{
			Response:         &http.Response{StatusCode: 400, Status: "400 Bad Request", Header: awsHeader},
			ErrorCode:        "invalid_grant",
			ErrorDescription: "InvalidGrantException: Invalid refresh token provided",
		}, SSOSessionExpired, "invalid_grant (InvalidGrantException): Invalid refresh token provided"},
		{"registration expired", &oauth2.RetrieveError{ErrorCode: "invalid_grant",
			ErrorDescription: "ssokeeper's client registration with IAM Identity Center expired at 2026-03-01T00:00:00Z; sign in again to renew it"},
			RefreshTokenExpired, "invalid_grant: ssokeeper's client registration with IAM Identity Center expired at 2026-03-01T00:00:00Z; sign in again to renew it"},
		{"unreadable 200", &oauth2.RetrieveError{Response: &http.Response{StatusCode: 200, Status: "200 OK", Header: http.Header{}}},
			IdPError, "HTTP 200 OK: no readable OAuth reply"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Classify(fmt.Errorf("session %q: %w", "aws", tt.err))
			if d.Reason != tt.want || d.Detail != tt.detail {
				t.Errorf("got %q %q, want %q %q", d.Reason, d.Detail, tt.want, tt.detail)
			}
		})
	}
}
