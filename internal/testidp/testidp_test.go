package testidp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

func TestMain(m *testing.M) {
	RunAsBrowser()
	os.Exit(m.Run())
}

// callbackServer is a stand-in for the program's loopback listener.
func callbackServer(t *testing.T) (redirect string, got chan string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	got = make(chan string, 10)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.URL.RawQuery
		fmt.Fprint(w, "signed in")
	})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return "http://" + l.Addr().String() + "/callback", got
}

func oauthConfig(p *IdP, redirect string, scopes ...string) *oauth2.Config {
	return &oauth2.Config{
		ClientID: p.ClientID(),
		Endpoint: oauth2.Endpoint{
			AuthURL:       p.Issuer() + "/authorize",
			TokenURL:      p.Issuer() + "/oauth/token",
			DeviceAuthURL: p.Issuer() + "/device_authorization",
			AuthStyle:     oauth2.AuthStyleInParams,
		},
		RedirectURL: redirect,
		Scopes:      scopes,
	}
}

// signIn runs a PKCE sign-in through Authorize and returns the tokens.
func testSignIn(t *testing.T, p *IdP, scopes ...string) (*oauth2.Config, *oauth2.Token) {
	t.Helper()
	ctx := context.Background()
	redirect, _ := callbackServer(t)
	cfg := oauthConfig(p, redirect, scopes...)
	verifier := oauth2.GenerateVerifier()
	cb, err := p.Authorize(ctx, cfg.AuthCodeURL("st4te", oauth2.S256ChallengeOption(verifier)))
	if err != nil {
		t.Fatal(err)
	}
	if cb.Path != "/callback" || cb.Query().Get("state") != "st4te" || cb.Query().Get("code") == "" {
		t.Fatalf("callback = %s, want /callback with code and state", cb.Redacted())
	}
	tok, err := cfg.Exchange(ctx, cb.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	return cfg, tok
}

func refresh(cfg *oauth2.Config, rt string) (*oauth2.Token, error) {
	return cfg.TokenSource(context.Background(), &oauth2.Token{RefreshToken: rt}).Token()
}

func wantInvalidGrant(t *testing.T, err error) {
	t.Helper()
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != "invalid_grant" {
		t.Fatalf("err = %v, want invalid_grant", err)
	}
}

func TestDiscovery(t *testing.T) {
	p := Start(t, Options{})
	resp, err := http.Get(p.Issuer() + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var d map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"issuer":                        p.Issuer(),
		"token_endpoint":                p.Issuer() + "/oauth/token",
		"revocation_endpoint":           p.Issuer() + "/revoke",
		"device_authorization_endpoint": p.Issuer() + "/device_authorization",
	}
	for k, v := range want {
		if d[k] != v {
			t.Errorf("%s = %v, want %s", k, d[k], v)
		}
	}
}

func TestSignInRefreshRotation(t *testing.T) {
	p := Start(t, Options{AccessTokenLifetime: 30 * time.Second})
	cfg, tok := testSignIn(t, p, "openid", "offline_access")
	if tok.RefreshToken == "" || tok.Extra("id_token") == nil {
		t.Fatalf("sign-in gave no refresh or ID token")
	}
	if left := time.Until(tok.Expiry); left > 31*time.Second || left < 20*time.Second {
		t.Errorf("access token lives %v, want about 30s", left)
	}
	next, err := refresh(cfg, tok.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if next.RefreshToken == tok.RefreshToken {
		t.Error("refresh token was not rotated")
	}
	if p.RefreshCount() != 1 {
		t.Errorf("RefreshCount = %d, want 1", p.RefreshCount())
	}
	_, err = refresh(cfg, tok.RefreshToken)
	wantInvalidGrant(t, err)
}

// TestReuseRevokesFamily: with RevokeFamilyOnReuse, presenting a rotated
// refresh token again also kills the token it was rotated into; another
// sign-in's family is untouched. Without it, only the reused one fails.
func TestReuseRevokesFamily(t *testing.T) {
	for _, family := range []bool{true, false} {
		p := Start(t, Options{RevokeFamilyOnReuse: family})
		cfg, tok := testSignIn(t, p, "openid", "offline_access")
		_, other := testSignIn(t, p, "openid", "offline_access")
		next, err := refresh(cfg, tok.RefreshToken)
		if err != nil {
			t.Fatal(err)
		}
		if !p.RefreshTokenLive(next.RefreshToken) || p.RefreshTokenLive(tok.RefreshToken) {
			t.Fatal("after rotation the new token should be live and the old one not")
		}
		_, err = refresh(cfg, tok.RefreshToken)
		wantInvalidGrant(t, err)
		if p.ReuseCount() != 1 {
			t.Errorf("ReuseCount = %d, want 1", p.ReuseCount())
		}
		if got := p.RefreshTokenLive(next.RefreshToken); got == family {
			t.Errorf("family revocation %v: the rotated-into token live = %v", family, got)
		}
		if !p.RefreshTokenLive(other.RefreshToken) {
			t.Error("another sign-in's refresh token was revoked too")
		}
	}
}

func TestNoOfflineAccessNoRefreshToken(t *testing.T) {
	p := Start(t, Options{})
	_, tok := testSignIn(t, p, "openid")
	if tok.RefreshToken != "" {
		t.Error("refresh token issued without offline_access")
	}
}

func TestRefreshTokenLifetime(t *testing.T) {
	p := Start(t, Options{RefreshTokenLifetime: time.Nanosecond})
	cfg, tok := testSignIn(t, p, "openid", "offline_access")
	_, err := refresh(cfg, tok.RefreshToken)
	wantInvalidGrant(t, err)
}

func TestRevokeAll(t *testing.T) {
	p := Start(t, Options{})
	cfg, tok := testSignIn(t, p, "openid", "offline_access")
	p.RevokeAll()
	_, err := refresh(cfg, tok.RefreshToken)
	wantInvalidGrant(t, err)
	_, tok = testSignIn(t, p, "openid", "offline_access")
	if _, err := refresh(cfg, tok.RefreshToken); err != nil {
		t.Fatalf("token issued after RevokeAll: %v", err)
	}
}

func TestFailWith(t *testing.T) {
	p := Start(t, Options{})
	cfg, tok := testSignIn(t, p, "openid", "offline_access")
	p.FailWith(http.StatusServiceUnavailable, http.Header{"Retry-After": {"7"}}, "maintenance")
	_, err := refresh(cfg, tok.RefreshToken)
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.Response.StatusCode != 503 || re.Response.Header.Get("Retry-After") != "7" {
		t.Fatalf("err = %v, want 503 with Retry-After", err)
	}
	p.Clear()
	if _, err := refresh(cfg, tok.RefreshToken); err != nil {
		t.Fatalf("after Clear: %v", err)
	}
}

func TestSetDown(t *testing.T) {
	p := Start(t, Options{})
	cfg, tok := testSignIn(t, p, "openid", "offline_access")
	if err := p.SetDown(true); err != nil {
		t.Fatal(err)
	}
	_, err := refresh(cfg, tok.RefreshToken)
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("err = %v, want connection refused", err)
	}
	if err := p.SetDown(false); err != nil {
		t.Fatal(err)
	}
	if _, err := refresh(cfg, tok.RefreshToken); err != nil {
		t.Fatalf("back up: %v", err)
	}
}

func TestSetHang(t *testing.T) {
	p := Start(t, Options{})
	cfg, tok := testSignIn(t, p, "openid", "offline_access")
	p.SetHang(true)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want deadline exceeded", err)
	}
}

func TestSetDateOffset(t *testing.T) {
	p := Start(t, Options{})
	p.SetDateOffset(-time.Hour)
	resp, err := http.Get(p.Issuer() + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	date, err := http.ParseTime(resp.Header.Get("Date"))
	if err != nil {
		t.Fatal(err)
	}
	if off := time.Until(date); off > -59*time.Minute || off < -61*time.Minute {
		t.Errorf("Date is off by %v, want -1h", off)
	}
}

func TestDeviceFlow(t *testing.T) {
	p := Start(t, Options{})
	ctx := context.Background()
	cfg := oauthConfig(p, "", "openid", "offline_access")
	da, err := cfg.DeviceAuth(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.ApproveDevice(ctx, da.UserCode); err != nil {
		t.Fatal(err)
	}
	tok, err := cfg.DeviceAccessToken(ctx, da)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := refresh(cfg, tok.RefreshToken); err != nil {
		t.Fatalf("refresh of a device-flow token: %v", err)
	}
}

func TestBrowseWrongPassword(t *testing.T) {
	p := Start(t, Options{})
	redirect, got := callbackServer(t)
	cfg := oauthConfig(p, redirect, "openid")
	u := cfg.AuthCodeURL("s", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))
	if _, err := Browse(context.Background(), u, p.Username(), "wrong"); err == nil {
		t.Fatal("sign-in with a wrong password succeeded")
	}
	if len(got) != 0 {
		t.Error("callback was reached")
	}
}

// TestFakeBrowser runs $BROWSER as the program would, for the browser and
// the device flow.
func TestFakeBrowser(t *testing.T) {
	p := Start(t, Options{})
	opened := p.UseBrowser(t)
	redirect, got := callbackServer(t)
	cfg := oauthConfig(p, redirect, "openid")
	u := cfg.AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))
	if out, err := exec.Command(os.Getenv("BROWSER"), u).CombinedOutput(); err != nil {
		t.Fatalf("$BROWSER: %v: %s", err, out)
	}
	if q := <-got; !strings.Contains(q, "code=") {
		t.Errorf("callback query %q has no code", q)
	}

	da, err := cfg.DeviceAuth(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(os.Getenv("BROWSER"), da.VerificationURIComplete).CombinedOutput(); err != nil {
		t.Fatalf("$BROWSER device: %v: %s", err, out)
	}
	if _, err := cfg.DeviceAccessToken(context.Background(), da); err != nil {
		t.Fatal(err)
	}
	if n := len(opened()); n != 2 {
		t.Errorf("browser opened %d times, want 2", n)
	}
}

// TestFakeBrowserCommand builds ./fakebrowser, the $BROWSER for tests
// without a TestMain, and signs in with it.
func TestFakeBrowserCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	p := Start(t, Options{})
	bin := t.TempDir() + "/fakebrowser"
	if out, err := exec.Command("go", "build", "-o", bin, "./fakebrowser").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v: %s", err, out)
	}
	redirect, got := callbackServer(t)
	cfg := oauthConfig(p, redirect, "openid")
	cmd := exec.Command(bin, cfg.AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
	cmd.Env = append(os.Environ(), p.BrowserEnv()...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("fakebrowser: %v: %s", err, out)
	}
	if q := <-got; !strings.Contains(q, "code=") {
		t.Errorf("callback query %q has no code", q)
	}
}

func TestPrefillLogin(t *testing.T) {
	for _, prefill := range []bool{false, true} {
		p := Start(t, Options{PrefillLogin: prefill})
		resp, err := http.Get(p.Issuer() + loginPath + "?authRequestID=x")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		has := strings.Contains(string(body), `value="`+p.Username()+`"`)
		if has != prefill {
			t.Errorf("PrefillLogin=%v: form pre-filled = %v", prefill, has)
		}
	}
}
