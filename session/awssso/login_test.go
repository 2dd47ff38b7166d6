package awssso

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ssokeeper/ssokeeper/session"
	"golang.org/x/oauth2"
)

// browser is a fake browser: it loads a URL the way a person's browser
// would (following redirects to the loopback callback) without blocking
// the caller, and hands back the final page.
type browser struct {
	pages chan string
	// before, when set, is loaded first (an attacker's or stale callback).
	before func(authURL string)
}

func newBrowser() *browser { return &browser{pages: make(chan string, 4)} }

func (b *browser) open(u string) error {
	go func() {
		if b.before != nil {
			b.before(u)
		}
		resp, err := http.Get(u)
		if err != nil {
			b.pages <- "error: " + err.Error()
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		b.pages <- resp.Status + " " + string(body)
	}()
	return nil
}

func TestBrowserLoginWritesCacheAndReusesRegistration(t *testing.T) {
	f := newFixture(t)
	b := newBrowser()
	var authURL string
	b.before = func(u string) {
		authURL = u
		// A callback with the wrong state is refused and does not end
		// the sign-in.
		q, _ := url.Parse(u)
		redirect := q.Query().Get("redirect_uri")
		resp, err := http.Get(redirect + "?code=forged&state=wrong")
		if err != nil {
			t.Error(err)
			return
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("forged callback answered %s, want 400", resp.Status)
		}
	}
	tok, err := f.p.Login(context.Background(), session.LoginRequest{OpenURL: b.open})
	if err != nil {
		t.Fatal(err)
	}
	if page := <-b.pages; !strings.HasPrefix(page, "200") || !strings.Contains(page, "Signed in") {
		t.Errorf("browser page after sign-in: %q", page)
	}
	u, _ := url.Parse(authURL)
	q := u.Query()
	if u.Path != "/authorize" || q.Get("code_challenge_method") != "S256" || q.Get("scopes") != "sso:account:access" ||
		!strings.HasPrefix(q.Get("redirect_uri"), "http://127.0.0.1:") || !strings.HasSuffix(q.Get("redirect_uri"), "/oauth/callback") {
		t.Errorf("authorize URL %s", authURL)
	}
	if tok.RefreshToken == "" || !f.srv.ValidAccessToken(tok.AccessToken) {
		t.Fatal("sign-in gave no refresh token or an unknown access token")
	}
	if want := start.Add(DefaultMaxSession); !tok.RefreshExpiry.Equal(want) {
		t.Errorf("RefreshExpiry = %v, want session start + 8h = %v", tok.RefreshExpiry, want)
	}
	m := f.file(t)
	for _, k := range []string{"startUrl", "region", "accessToken", "expiresAt", "refreshToken", "clientId", "clientSecret", "registrationExpiresAt"} {
		if str(t, m, k) == "" {
			t.Errorf("cache file lacks %s after sign-in", k)
		}
	}
	if str(t, m, "accessToken") != tok.AccessToken || str(t, m, "refreshToken") != tok.RefreshToken {
		t.Error("cache file does not hold the signed-in tokens")
	}
	if got := str(t, m, "clientId"); got != q.Get("client_id") {
		t.Error("cache file's clientId is not the registered client")
	}

	// The refresh token works, and a second sign-in reuses the client.
	if _, err := f.p.Refresh(context.Background(), tok.RefreshToken); err != nil {
		t.Fatal(err)
	}
	if _, err := f.p.Login(context.Background(), session.LoginRequest{OpenURL: newBrowser().open}); err != nil {
		t.Fatal(err)
	}
	if n := f.srv.Count("/client/register", ""); n != 1 {
		t.Errorf("%d client registrations for two sign-ins, want 1", n)
	}
}

func TestLoginRenewsExpiringRegistration(t *testing.T) {
	f := newFixture(t)
	f.srv.SetRegistrationTTL(2 * time.Hour) // shorter than the 8h session
	for range 2 {
		if _, err := f.p.Login(context.Background(), session.LoginRequest{OpenURL: newBrowser().open}); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.srv.Count("/client/register", ""); n != 2 {
		t.Errorf("%d registrations, want a new one at each sign-in while it would expire within the session", n)
	}
}

func TestBrowserLoginDenied(t *testing.T) {
	f := newFixture(t)
	f.srv.DenyAuthorize(true)
	b := newBrowser()
	_, err := f.p.Login(context.Background(), session.LoginRequest{OpenURL: b.open})
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != "access_denied" {
		t.Fatalf("got %v, want access_denied", err)
	}
	if page := <-b.pages; !strings.Contains(page, "failed") {
		t.Errorf("page after a denied sign-in: %q", page)
	}
}

func TestBrowserLoginTimesOut(t *testing.T) {
	f := newFixture(t)
	never := func(string) error { return nil } // the person never comes back
	_, err := f.p.Login(context.Background(), session.LoginRequest{OpenURL: never, Timeout: 50 * time.Millisecond})
	if !errors.Is(err, session.ErrLoginTimedOut) || !strings.Contains(err.Error(), "nobody finished it within") {
		t.Fatalf("got %v, want a timeout that says so", err)
	}
}

func TestDeviceLoginHonoursSlowDown(t *testing.T) {
	f := newFixture(t)
	f.srv.SlowDownNext(1)
	var shown session.DeviceCode
	var waits []time.Duration
	f.p.wait = func(ctx context.Context, d time.Duration) error {
		waits = append(waits, d)
		if len(waits) == 3 { // the person enters the code now
			resp, err := http.Get(shown.VerificationURIComplete)
			if err != nil {
				return err
			}
			resp.Body.Close()
		}
		return nil
	}
	tok, err := f.p.Login(context.Background(), session.LoginRequest{Device: true,
		ShowDeviceCode: func(c session.DeviceCode) { shown = c }})
	if err != nil {
		t.Fatal(err)
	}
	if shown.UserCode == "" || !strings.Contains(shown.VerificationURIComplete, shown.UserCode) {
		t.Errorf("device code shown: %+v", shown)
	}
	want := []time.Duration{time.Second, 6 * time.Second, 6 * time.Second}
	if len(waits) != len(want) || waits[0] != want[0] || waits[1] != want[1] || waits[2] != want[2] {
		t.Errorf("poll waits %v, want %v (interval, then +5s after slow_down)", waits, want)
	}
	if got := str(t, f.file(t), "refreshToken"); got == "" || got != tok.RefreshToken {
		t.Error("device sign-in did not write its refresh token to the cache file")
	}
	if n := f.srv.Count("/token", deviceGrant); n != 3 {
		t.Errorf("%d device polls, want 3", n)
	}
}

func TestDeviceLoginCodeExpires(t *testing.T) {
	f := newFixture(t)
	f.p.wait = func(ctx context.Context, d time.Duration) error {
		f.clk.Add(11 * time.Minute) // nobody entered the code in time
		return nil
	}
	_, err := f.p.Login(context.Background(), session.LoginRequest{Device: true, ShowDeviceCode: func(session.DeviceCode) {}})
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != "expired_token" || !strings.Contains(err.Error(), "start the sign-in again") {
		t.Fatalf("got %v, want expired_token with advice", err)
	}
}
