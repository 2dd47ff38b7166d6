package health

import (
	"context"
	"net/http"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/ssokeeper/ssokeeper/internal/testidp"
)

// A real OpenID Provider (zitadel/oidc's op) in the test process rejects
// refresh tokens, goes down, fails and hangs; Classify must tell which.
func TestClassifyRealOpenIDProvider(t *testing.T) {
	idp := testidp.Start(t, testidp.Options{})
	ctx := context.Background()
	cfg := &oauth2.Config{
		ClientID: idp.ClientID(),
		Endpoint: oauth2.Endpoint{
			AuthURL:   idp.Issuer() + "/authorize",
			TokenURL:  idp.Issuer() + "/oauth/token",
			AuthStyle: oauth2.AuthStyleInParams,
		},
		RedirectURL: "http://127.0.0.1:9/callback", // never visited: Authorize stops at the redirect
		Scopes:      []string{"openid", "offline_access"},
	}
	verifier := oauth2.GenerateVerifier()
	cb, err := idp.Authorize(ctx, cfg.AuthCodeURL("st4te", oauth2.S256ChallengeOption(verifier)))
	if err != nil {
		t.Fatal(err)
	}
	first, err := cfg.Exchange(ctx, cb.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil || first.RefreshToken == "" {
		t.Fatalf("sign-in: %v (refresh token issued: %v)", err, first != nil && first.RefreshToken != "")
	}
	rotated, err := cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: first.RefreshToken}).Token()
	if err != nil || rotated.RefreshToken == "" || rotated.RefreshToken == first.RefreshToken {
		t.Fatalf("first refresh: %v (want a rotated refresh token)", err)
	}
	quick := &http.Client{Timeout: 200 * time.Millisecond}

	t.Run("reused rotated refresh token", func(t *testing.T) {
		d := Classify(refreshConf(t, ctx, nil, cfg, first.RefreshToken))
		if d.Reason != RefreshTokenInvalid || !d.RefreshTokenDead() || d.Detail != "invalid_grant" {
			t.Errorf("got %+v, want a dead refresh_token_invalid with detail invalid_grant", d)
		}
	})
	t.Run("IdP failing with Retry-After", func(t *testing.T) {
		idp.FailWith(http.StatusServiceUnavailable, http.Header{"Retry-After": {"7"}, "Content-Type": {"text/plain"}}, "maintenance")
		defer idp.Clear()
		d := Classify(refreshConf(t, ctx, nil, cfg, rotated.RefreshToken))
		if d.Reason != IdPError || !d.Transient || d.RetryAfter != 7*time.Second || d.Detail != "HTTP 503 Service Unavailable: maintenance" {
			t.Errorf("got %+v, want a transient idp_error, retry after 7s", d)
		}
	})
	t.Run("IdP hangs", func(t *testing.T) {
		idp.SetHang(true)
		defer idp.Clear()
		wantUnreachable(t, refreshConf(t, ctx, quick, cfg, rotated.RefreshToken), "no answer from")
	})
	t.Run("IdP down", func(t *testing.T) {
		if err := idp.SetDown(true); err != nil {
			t.Fatal(err)
		}
		defer idp.Clear()
		wantUnreachable(t, refreshConf(t, ctx, quick, cfg, rotated.RefreshToken), "refused")
	})
	t.Run("refresh tokens revoked at the IdP", func(t *testing.T) {
		idp.RevokeAll()
		d := Classify(refreshConf(t, ctx, nil, cfg, rotated.RefreshToken))
		if d.Reason != RefreshTokenRevoked || !d.RefreshTokenDead() {
			t.Errorf("got %+v, want a dead refresh_token_revoked", d)
		}
	})
}
