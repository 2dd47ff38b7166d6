package providers_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/awssso"
	"github.com/ssokeeper/ssokeeper/session/awssso/ssooidctest"
	"github.com/ssokeeper/ssokeeper/session/health"
	"github.com/ssokeeper/ssokeeper/session/providers"
	"github.com/ssokeeper/ssokeeper/session/store"
)

// TestAWSSessionDiscoveredAdoptedAndKeptFresh runs an AWS IAM Identity
// Center session through the whole core: discovered from ~/.aws/config,
// adopted from the cache file `aws sso login` left (no sign-in), refreshed
// through SSO OIDC on 127.0.0.1, and the cache file rewritten for the CLI.
func TestAWSSessionDiscoveredAdoptedAndKeptFresh(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("SSOKEEPER_STATE_DIR", filepath.Join(home, "state"))
	srv := ssooidctest.New()
	defer srv.Close()
	srv.SetRotate(true)
	t.Setenv("AWS_ENDPOINT_URL_SSO_OIDC", srv.URL)

	awsConfig := filepath.Join(home, "aws-config")
	t.Setenv("AWS_CONFIG_FILE", awsConfig)
	const startURL = "https://d-1234567890.awsapps.com/start"
	os.WriteFile(awsConfig, []byte("[sso-session prod]\nsso_start_url = "+startURL+ //nolint:errcheck
		"\nsso_region = eu-west-1\nsso_registration_scopes = sso:account:access\n\n[profile p]\nsso_session = prod\n"), 0o600)
	cfgPath := filepath.Join(home, "config.toml")
	os.WriteFile(cfgPath, []byte("aws_discover = true\n"), 0o600) //nolint:errcheck

	cfg, err := providers.LoadConfig(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Sessions) != 1 || cfg.Sessions[0].Name != "aws-prod" || cfg.Sessions[0].Provider != "aws-sso" {
		t.Fatalf("discovered sessions: %+v", cfg.Sessions)
	}

	// The person ran `aws sso login` before ssokeeper was installed.
	cacheDir := filepath.Join(home, ".aws", "sso", "cache")
	os.MkdirAll(cacheDir, 0o700) //nolint:errcheck
	signedIn := srv.NewSession()
	cacheFile := awssso.CachePath(cacheDir, "prod")
	os.WriteFile(cacheFile, signedIn.CacheJSON(startURL, "eu-west-1", time.Now()), 0o600) //nolint:errcheck

	secrets := store.NewMemory()
	m, err := session.New(session.Options{Config: cfg, Secrets: secrets, StateDir: filepath.Join(home, "state"),
		Providers: providers.New, Agent: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := m.Refresh(ctx, "aws-prod"); err != nil {
		t.Fatalf("refresh of the adopted session: %v", err)
	}
	st, _ := m.Snapshot().Get("aws-prod")
	if st.State != health.Healthy {
		t.Fatalf("aws-prod is %s/%s (%s)", st.State, st.Reason, st.Detail)
	}
	if got := srv.Count("/token", "refresh_token"); got != 1 {
		t.Errorf("%d refreshes at SSO OIDC, want 1", got)
	}
	var cache map[string]any
	data, _ := os.ReadFile(cacheFile)
	if err := json.Unmarshal(data, &cache); err != nil {
		t.Fatal(err)
	}
	tok, err := m.Token(ctx, "aws-prod", 0)
	if err != nil {
		t.Fatal(err)
	}
	if cache["accessToken"] != tok.AccessToken || cache["accessToken"] == signedIn.AccessToken {
		t.Error("the AWS CLI's cache does not hold the refreshed access token")
	}
	if rt, _ := secrets.Get("aws-prod", store.RefreshToken); rt == "" || rt != cache["refreshToken"] {
		t.Error("the rotated refresh token is not the same in the keyring and the AWS CLI cache")
	}
	if st.NextRefresh == nil || st.AccessExpiresAt.Sub(*st.NextRefresh) < 15*time.Minute {
		t.Errorf("next refresh %v is inside the AWS CLI's own 15-minute window (expiry %v)", st.NextRefresh, st.AccessExpiresAt)
	}

	// The Identity Center session ends: sign-in needed, with the reason.
	srv.ExpireSessions()
	m.Refresh(ctx, "aws-prod") //nolint:errcheck
	st, _ = m.Snapshot().Get("aws-prod")
	if st.State != health.NeedsLogin || st.Reason != health.SSOSessionExpired {
		t.Fatalf("after the session ended: %s/%s, want needs_login/sso_session_expired", st.State, st.Reason)
	}
}
