package awssso

import (
	"context"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/awssso/ssooidctest"
	"github.com/ssokeeper/ssokeeper/session/health"
	"golang.org/x/oauth2"
)

func TestCachePathMatchesAWSCLI(t *testing.T) {
	// sha1("prod") as botocore's SSOTokenLoader computes the cache key.
	got := CachePath("/c", "prod")
	if want := "/c/f6c433acac2a27cc06a0625896fe3e540a275ac9.json"; got != want {
		t.Fatalf("CachePath = %s, want %s", got, want)
	}
}

func TestRefreshRewritesCacheFileAtomically(t *testing.T) {
	f := newFixture(t)
	s := f.srv.NewSession()
	f.seed(t, s, map[string]any{"someFutureField": map[string]any{"nested": []int{1, 2}}})
	before, _ := os.Stat(f.p.CacheFile())
	f.clk.Add(41 * time.Minute)

	tok, err := f.p.Refresh(context.Background(), s.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken == s.AccessToken || !f.srv.ValidAccessToken(tok.AccessToken) {
		t.Fatal("refresh did not return a new access token issued by the server")
	}
	wantExp := start.Add(41*time.Minute + time.Hour)
	if !tok.Expiry.Equal(wantExp) {
		t.Errorf("Expiry = %v, want %v", tok.Expiry, wantExp)
	}
	if tok.RefreshToken != "" {
		t.Errorf("server kept the refresh token, but Tokens.RefreshToken is set")
	}

	m := f.file(t)
	want := map[string]string{
		"startUrl":              "https://d-1234567890.awsapps.com/start",
		"region":                "eu-west-1",
		"accessToken":           tok.AccessToken,
		"expiresAt":             "2026-12-01T10:41:00Z",
		"refreshToken":          s.RefreshToken,
		"clientId":              s.ClientID,
		"clientSecret":          s.ClientSecret,
		"registrationExpiresAt": s.RegistrationExpiresAt.UTC().Format("2006-01-02T15:04:05Z"),
	}
	for k, v := range want {
		if got := str(t, m, k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if got := string(m["someFutureField"]); got != `{"nested":[1,2]}` {
		t.Errorf("unknown field not kept: %s", got)
	}

	after, err := os.Stat(f.p.CacheFile())
	if err != nil {
		t.Fatal(err)
	}
	if after.Mode().Perm() != 0o600 {
		t.Errorf("cache file mode %v, want 0600", after.Mode().Perm())
	}
	if os.SameFile(before, after) {
		t.Error("cache file was rewritten in place, not replaced by rename")
	}
	entries, _ := os.ReadDir(f.cacheDir)
	if len(entries) != 1 {
		t.Errorf("cache folder holds %d files, want only the cache file (temp file left?)", len(entries))
	}
}

func TestRefreshCreatesFolderOwnerOnly(t *testing.T) {
	f := newFixture(t)
	s := f.srv.NewSession()
	f.seed(t, s, nil)
	if _, err := f.p.Import(); err != nil { // keeps a copy of the registration
		t.Fatal(err)
	}
	if err := os.RemoveAll(f.cacheDir); err != nil {
		t.Fatal(err)
	}
	// The AWS CLI's file is gone (aws sso logout, a wiped folder): our own
	// copy of the registration still lets the refresh token work.
	tok, err := f.p.Refresh(context.Background(), s.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(f.cacheDir)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o700 {
		t.Errorf("cache folder mode %v, want 0700", st.Mode().Perm())
	}
	m := f.file(t)
	if str(t, m, "accessToken") != tok.AccessToken || str(t, m, "clientSecret") != s.ClientSecret {
		t.Error("recreated cache file lacks the new token or the registration")
	}
}

func TestRefreshPersistsRotatedRefreshToken(t *testing.T) {
	f := newFixture(t)
	f.srv.SetRotate(true)
	s := f.srv.NewSession()
	f.seed(t, s, nil)

	tok, err := f.p.Refresh(context.Background(), s.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshToken == "" || tok.RefreshToken == s.RefreshToken {
		t.Fatal("rotated refresh token not returned")
	}
	if got := str(t, f.file(t), "refreshToken"); got != tok.RefreshToken {
		t.Fatal("cache file does not hold the rotated refresh token")
	}
	if _, err := f.p.Refresh(context.Background(), tok.RefreshToken); err != nil {
		t.Fatalf("refresh with the rotated token: %v", err)
	}
	_, err = f.p.Refresh(context.Background(), s.RefreshToken)
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != "invalid_grant" {
		t.Fatalf("reusing a retired refresh token: got %v, want invalid_grant", err)
	}
}

func TestRefreshEndedSessionIsInvalidGrant(t *testing.T) {
	f := newFixture(t)
	s := f.srv.NewSession()
	f.seed(t, s, nil)
	orig, _ := os.ReadFile(f.p.CacheFile())
	f.srv.ExpireSessions()

	_, err := f.p.Refresh(context.Background(), s.RefreshToken)
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		t.Fatalf("got %T %v, want a *oauth2.RetrieveError", err, err)
	}
	if re.ErrorCode != "invalid_grant" || re.Response == nil || re.Response.StatusCode != http.StatusBadRequest ||
		re.Response.Header.Get("x-amzn-ErrorType") != "InvalidGrantException" {
		t.Fatalf("RetrieveError = code %q status %v, want invalid_grant / 400 / InvalidGrantException", re.ErrorCode, re.Response)
	}
	if !strings.Contains(re.ErrorDescription, "InvalidGrantException") {
		t.Errorf("description %q does not name the exception", re.ErrorDescription)
	}
	assertNoSecrets(t, err.Error(), s)
	if d := health.Classify(err); d.Reason != health.SSOSessionExpired || !d.RefreshTokenDead() {
		t.Errorf("Classify = %+v, want sso_session_expired (needs login)", d)
	}
	if now, _ := os.ReadFile(f.p.CacheFile()); string(now) != string(orig) {
		t.Error("a failed refresh changed the cache file")
	}
}

func TestRefreshServerErrorIsTransient(t *testing.T) {
	f := newFixture(t)
	s := f.srv.NewSession()
	f.seed(t, s, nil)
	f.srv.FailNext(1)
	_, err := f.p.Refresh(context.Background(), s.RefreshToken)
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.Response.StatusCode != 500 || re.ErrorCode != "server_error" {
		t.Fatalf("got %v, want a 500 RetrieveError with server_error", err)
	}
	assertNoSecrets(t, err.Error(), s)
	if d := health.Classify(err); d.Reason != health.IdPError || !d.Transient {
		t.Errorf("Classify = %+v, want a transient idp_error", d)
	}
	// The next try works: nothing was thrown away.
	if _, err := f.p.Refresh(context.Background(), s.RefreshToken); err != nil {
		t.Fatal(err)
	}
}

func TestRefreshWrongClientIsInvalidClient(t *testing.T) {
	f := newFixture(t)
	s := f.srv.NewSession()
	s.ClientSecret = "not-the-secret"
	f.seed(t, s, nil)
	_, err := f.p.Refresh(context.Background(), s.RefreshToken)
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != "invalid_client" || re.Response.StatusCode != http.StatusUnauthorized {
		t.Fatalf("got %v, want invalid_client / 401", err)
	}
	assertNoSecrets(t, err.Error(), s)
}

func TestRefreshKeepsHalfWrittenFile(t *testing.T) {
	f := newFixture(t)
	s := f.srv.NewSession()
	half := []byte(`{"startUrl": "https://d-1234567890.awsapps.com/start", "region": "eu-west-1", "accessTo`)
	f.writeRaw(t, half)

	_, err := f.p.Refresh(context.Background(), s.RefreshToken)
	if err == nil {
		t.Fatal("refresh over a half-written cache file succeeded")
	}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		t.Fatalf("a half-written file must be a transient error, not an IdP answer: %v", err)
	}
	if !strings.Contains(err.Error(), f.p.CacheFile()) {
		t.Errorf("error %q does not name the file", err)
	}
	if d := health.Classify(err); !d.Transient {
		t.Errorf("Classify = %+v, want transient: the refresh token must be kept", d)
	}
	if got, _ := os.ReadFile(f.p.CacheFile()); string(got) != string(half) {
		t.Fatal("the half-written file was overwritten")
	}
	if n := f.srv.Count("/token", ""); n != 0 {
		t.Fatalf("%d token requests despite an unreadable cache file", n)
	}
	if _, err := f.p.Import(); err == nil {
		t.Fatal("Import of a half-written file succeeded")
	}
}

func TestRefreshExpiredRegistrationNeedsSignIn(t *testing.T) {
	f := newFixture(t)
	s := f.srv.NewSession()
	s.RegistrationExpiresAt = start.Add(-time.Minute)
	f.seed(t, s, nil)
	_, err := f.p.Refresh(context.Background(), s.RefreshToken)
	if !errors.Is(err, ErrRegistrationExpired) || !strings.Contains(err.Error(), "sign in again") {
		t.Fatalf("got %v, want ErrRegistrationExpired telling to sign in again", err)
	}
	if d := health.Classify(err); d.Reason != health.RefreshTokenExpired || !d.RefreshTokenDead() {
		t.Errorf("Classify = %+v, want refresh_token_expired (needs login)", d)
	}
	if n := f.srv.Count("/token", ""); n != 0 {
		t.Fatalf("%d token requests with an expired registration", n)
	}
}

func TestRefreshRejectedClientNeedsSignIn(t *testing.T) {
	f := newFixture(t)
	s := f.srv.NewSession()
	f.seed(t, s, nil)
	if _, err := f.p.Import(); err != nil { // our copy of the registration
		t.Fatal(err)
	}
	f.clk.Add(91 * 24 * time.Hour) // the server expired it; our clock says otherwise
	f.p.now = func() time.Time { return start }
	_, err := f.p.Refresh(context.Background(), s.RefreshToken)
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != "invalid_client" {
		t.Fatalf("got %v, want the server's invalid_client", err)
	}
	// ssokeeper registers its own client: nothing to fix in a config file.
	if d := health.Classify(err); d.Reason == health.ClientMisconfigured || !d.RefreshTokenDead() {
		t.Errorf("Classify = %+v, want a reason that asks for a new sign-in", d)
	}
	if f.p.loadRegistration() != nil {
		t.Error("a rejected registration is still kept for the next sign-in")
	}
}

func TestImportAdoptsAWSCLISession(t *testing.T) {
	f := newFixture(t)
	if _, err := f.p.Import(); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Import without a file: %v, want fs.ErrNotExist", err)
	}
	s := f.srv.NewSession()
	f.seed(t, s, nil)
	tok, err := f.p.Import()
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken != s.AccessToken || tok.RefreshToken != s.RefreshToken || !tok.Expiry.Equal(start.Add(time.Hour)) {
		t.Fatalf("Import = %+v", tok.Expiry)
	}
}

func TestRevokeAndRemoveCache(t *testing.T) {
	f := newFixture(t)
	if err := f.p.Revoke(context.Background(), "x"); !errors.Is(err, session.ErrNotSupported) {
		t.Fatalf("Revoke = %v", err)
	}
	f.seed(t, f.srv.NewSession(), nil)
	if err := f.p.RemoveCache(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(f.p.CacheFile()); !errors.Is(err, fs.ErrNotExist) {
		t.Fatal("cache file still there")
	}
	if err := f.p.RemoveCache(); err != nil {
		t.Fatalf("second RemoveCache: %v", err)
	}
}

func TestEndpointFromEnvironment(t *testing.T) {
	t.Setenv("AWS_ENDPOINT_URL", "")
	t.Setenv("AWS_ENDPOINT_URL_SSO_OIDC", "")
	p, err := New(testSession(), Options{CacheDir: t.TempDir(), RegistrationDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if p.Endpoint() != "https://oidc.eu-west-1.amazonaws.com" {
		t.Errorf("default endpoint %s", p.Endpoint())
	}
	t.Setenv("AWS_ENDPOINT_URL_SSO_OIDC", "http://127.0.0.1:9")
	p, _ = New(testSession(), Options{CacheDir: t.TempDir(), RegistrationDir: t.TempDir()})
	if p.Endpoint() != "http://127.0.0.1:9" {
		t.Errorf("AWS_ENDPOINT_URL_SSO_OIDC not honoured: %s", p.Endpoint())
	}
	bad := testSession()
	bad.Region = "eu-west-1.evil.example/"
	if _, err := New(bad, Options{CacheDir: t.TempDir()}); err == nil {
		t.Error("a region that is no region name was accepted")
	}
}

func assertNoSecrets(t *testing.T, msg string, s ssooidctest.Session) {
	t.Helper()
	for _, secret := range []string{s.AccessToken, s.RefreshToken, s.ClientSecret} {
		if secret != "" && strings.Contains(msg, secret) {
			t.Fatalf("error message contains a secret: %q", msg)
		}
	}
}

func TestRefreshWaitsForFileBeingWritten(t *testing.T) {
	f := newFixture(t)
	s := f.srv.NewSession()
	full := s.CacheJSON("https://d-1234567890.awsapps.com/start", "eu-west-1", start)
	f.writeRaw(t, full[:len(full)/2])
	partialRead = func(attempt int) {
		if attempt == 1 { // the CLI finishes writing after two reads
			f.writeRaw(t, full)
		}
	}
	t.Cleanup(func() { partialRead = nil })
	if _, err := f.p.Refresh(context.Background(), s.RefreshToken); err != nil {
		t.Fatalf("refresh after the file was completed: %v", err)
	}
	if exp := f.p.RegistrationExpiry(); !exp.Equal(s.RegistrationExpiresAt) {
		t.Errorf("RegistrationExpiry = %v, want %v", exp, s.RegistrationExpiresAt)
	}
}

func TestRefreshKeepsTokensWhenCacheCannotBeWritten(t *testing.T) {
	f := newFixture(t)
	f.srv.SetRotate(true)
	s := f.srv.NewSession()
	f.seed(t, s, nil)
	writeCacheFile = func(string, *cacheFile) error { return fs.ErrPermission }
	t.Cleanup(func() { writeCacheFile = writeCache })

	tok, err := f.p.Refresh(context.Background(), s.RefreshToken)
	if err != nil || tok.RefreshToken == "" {
		t.Fatalf("refresh = %v: the rotated refresh token must come back even when the file cannot be written", err)
	}
	if !errors.Is(f.p.CacheError(), ErrCacheWrite) || !strings.Contains(f.p.CacheError().Error(), f.p.CacheFile()) {
		t.Fatalf("CacheError = %v, want ErrCacheWrite naming the file", f.p.CacheError())
	}
	writeCacheFile = writeCache
	if _, err := f.p.Refresh(context.Background(), tok.RefreshToken); err != nil || f.p.CacheError() != nil {
		t.Fatalf("next refresh: %v, CacheError %v; want both nil", err, f.p.CacheError())
	}
}
