package idp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/config"
	"github.com/ssokeeper/ssokeeper/session/health"
)

// GitHub has no OpenID configuration: the provider uses its fixed
// endpoints, reads its form-encoded replies (HTTP 200 even for errors),
// keeps the 6-month refresh token's end, and has nothing to revoke with.
func TestGitHubRefresh(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/login/oauth/access_token" || r.FormValue("grant_type") != "refresh_token" || r.FormValue("client_secret") != "s3cret" {
			http.Error(w, "unexpected request", http.StatusTeapot)
			return
		}
		w.Header().Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		if r.FormValue("refresh_token") != "ghr_good" {
			fmt.Fprint(w, "error=bad_refresh_token&error_description=The+refresh+token+passed+is+incorrect+or+expired.")
			return
		}
		fmt.Fprint(w, "access_token=ghu_new&expires_in=28800&refresh_token=ghr_next&refresh_token_expires_in=15811200&scope=&token_type=bearer")
	}))
	defer srv.Close()
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	p, err := New(config.Session{Name: "gh", Provider: "github", Issuer: srv.URL, ClientID: "Iv23li"},
		Options{ClientSecret: func() (string, error) { return "s3cret", nil }, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := p.Refresh(context.Background(), "ghr_good")
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken != "ghu_new" || tok.RefreshToken != "ghr_next" || !tok.Expiry.Equal(now.Add(8*time.Hour)) ||
		!tok.RefreshExpiry.Equal(now.Add(15811200*time.Second)) {
		t.Errorf("got %q %q expiry %v refresh expiry %v", tok.AccessToken, tok.RefreshToken, tok.Expiry, tok.RefreshExpiry)
	}
	_, err = p.Refresh(context.Background(), "ghr_spent")
	if d := health.Classify(err); d.Reason != health.RefreshTokenInvalid || d.Detail != "bad_refresh_token: The refresh token passed is incorrect or expired." {
		t.Errorf("spent refresh token: %+v", d)
	}
	if err := p.Revoke(context.Background(), "ghr_next"); !errors.Is(err, session.ErrNotSupported) {
		t.Errorf("revoke: %v, want ErrNotSupported", err)
	}
}
