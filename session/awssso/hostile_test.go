package awssso

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/awssso/ssooidctest"
	"github.com/ssokeeper/ssokeeper/session/health"
	"github.com/ssokeeper/ssokeeper/session/idpclient"
)

// hostileFixture is a provider whose SSO OIDC endpoint is h, with a cache
// file holding a refresh token and a registration.
func hostileFixture(t *testing.T, h http.HandlerFunc) (*fixture, ssooidctest.Session) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	clk := &testClock{t: start}
	dir := t.TempDir()
	f := &fixture{clk: clk, cacheDir: filepath.Join(dir, "cache"), regDir: filepath.Join(dir, "reg")}
	p, err := New(testSession(), Options{HTTPClient: &http.Client{Timeout: 5 * time.Second}, Now: clk.Now,
		CacheDir: f.cacheDir, Endpoint: srv.URL, RegistrationDir: f.regDir})
	if err != nil {
		t.Fatal(err)
	}
	f.p = p
	s := ssooidctest.Session{AccessToken: "old-access", RefreshToken: "aorAAAArefresh-0123456789", ClientID: "cid",
		ClientSecret: "client-secret-0123456789", ExpiresIn: time.Minute, RegistrationExpiresAt: start.Add(30 * 24 * time.Hour)}
	f.seed(t, s, nil)
	return f, s
}

// SSO OIDC requests all carry a secret: a 307/308 is never followed.
func TestRefreshNeverFollowsRedirects(t *testing.T) {
	var mu sync.Mutex
	var stolen []string
	thief := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		stolen = append(stolen, string(b))
		mu.Unlock()
	}))
	t.Cleanup(thief.Close)
	for _, status := range []int{http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		f, _ := hostileFixture(t, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, thief.URL+r.URL.Path, status)
		})
		_, err := f.p.Refresh(context.Background(), "aorAAAArefresh-0123456789")
		var re *idpclient.RedirectError
		if !errors.As(err, &re) || re.Status != status {
			t.Fatalf("%d: err = %v, want a refused redirect", status, err)
		}
		d := health.Classify(err)
		if d.Reason != health.IdPError || !d.Transient || !strings.Contains(d.Detail, thief.URL+"/token") {
			t.Errorf("%d: diagnosis %+v, want a transient idp_error naming the Location", status, d)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(stolen) != 0 {
		t.Fatalf("the redirect target received %q", stolen)
	}
}

// An expiresIn that is absent, zero, negative, unreadable or absurd still
// gives a usable token (its rotated refresh token is kept) with a sane
// lifetime.
func TestRefreshOddExpiresIn(t *testing.T) {
	tests := []struct {
		expiresIn string
		want      time.Duration
	}{
		{``, idpclient.DefaultLifetime},
		{`,"expiresIn":0`, idpclient.DefaultLifetime},
		{`,"expiresIn":-50`, idpclient.DefaultLifetime},
		{`,"expiresIn":"soon"`, idpclient.DefaultLifetime},
		{`,"expiresIn":{"s":1}`, idpclient.DefaultLifetime},
		{`,"expiresIn":"1800"`, 30 * time.Minute},
		{`,"expiresIn":1800.5`, 30 * time.Minute},
		{`,"expiresIn":99999999999999`, idpclient.MaxLifetime},
		{`,"expiresIn":1e300`, idpclient.MaxLifetime},
	}
	for _, tt := range tests {
		f, _ := hostileFixture(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"accessToken":"new-access","tokenType":"Bearer","refreshToken":"rotated-refresh"%s}`, tt.expiresIn)
		})
		tok, err := f.p.Refresh(context.Background(), "aorAAAArefresh-0123456789")
		if err != nil {
			t.Errorf("%q: %v", tt.expiresIn, err)
			continue
		}
		if got := tok.Expiry.Sub(start); got != tt.want || tok.RefreshToken != "rotated-refresh" {
			t.Errorf("%q: lifetime %v (refresh token %q), want %v and the rotated token", tt.expiresIn, got, tok.RefreshToken, tt.want)
		}
	}
}

// Callbacks without the state, with a wrong one, or addressed to another
// Host (DNS rebinding) are ignored; the real sign-in then succeeds.
func TestBrowserLoginCannotBeJammed(t *testing.T) {
	f := newFixture(t)
	b := newBrowser()
	b.before = func(u string) {
		auth, _ := url.Parse(u)
		redirect, _ := url.Parse(auth.Query().Get("redirect_uri"))
		state := auth.Query().Get("state")
		for _, c := range []struct {
			query, host string
			want        int
		}{
			{"code=forged", "", http.StatusBadRequest},
			{"code=forged&state=wrong", "", http.StatusBadRequest},
			{"code=forged&state=" + url.QueryEscape(state), "attacker.example:" + redirect.Port(), http.StatusMisdirectedRequest},
			{"error=access_denied&state=" + url.QueryEscape(state), "localhost:" + redirect.Port(), http.StatusMisdirectedRequest},
		} {
			req, _ := http.NewRequest(http.MethodGet, redirect.String()+"?"+c.query, nil)
			if c.host != "" {
				req.Host = c.host
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				continue
			}
			resp.Body.Close()
			if resp.StatusCode != c.want {
				t.Errorf("callback %q (Host %q) answered %s, want %d", c.query, c.host, resp.Status, c.want)
			}
		}
	}
	tok, err := f.p.Login(context.Background(), session.LoginRequest{OpenURL: b.open, Timeout: 20 * time.Second})
	if err != nil {
		t.Fatalf("sign-in after the jamming attempts: %v (page %q)", err, <-b.pages)
	}
	if page := <-b.pages; !strings.HasPrefix(page, "200") || tok.RefreshToken == "" {
		t.Errorf("browser page %q, refresh token issued %t", page, tok.RefreshToken != "")
	}
}

// aws_cache_refresh_token = false: after a refresh the AWS CLI's file has
// the access token but neither the refresh token nor the client secret
// (also not those `aws sso login` wrote), and refreshing keeps working
// from ssokeeper's own copy of the registration.
func TestCacheWithoutSecrets(t *testing.T) {
	srv := ssooidctest.New()
	t.Cleanup(srv.Close)
	clk := &testClock{t: start}
	srv.SetNow(clk.Now)
	srv.SetRotate(true)
	dir := t.TempDir()
	cfg := testSession()
	cfg.OmitAWSCacheSecrets = true
	p, err := New(cfg, Options{HTTPClient: srv.Client(), Now: clk.Now, Endpoint: srv.URL,
		CacheDir: filepath.Join(dir, "cache"), RegistrationDir: filepath.Join(dir, "reg")})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{srv: srv, p: p, clk: clk, cacheDir: filepath.Join(dir, "cache")}
	s := srv.NewSession()
	f.seed(t, s, map[string]any{"custom": "kept"})

	rt := s.RefreshToken
	for i := range 2 {
		tok, err := p.Refresh(context.Background(), rt)
		if err != nil {
			t.Fatalf("refresh %d: %v", i, err)
		}
		m := f.file(t)
		for _, k := range []string{"refreshToken", "clientSecret"} {
			if _, ok := m[k]; ok {
				t.Errorf("refresh %d: the cache file still has %s", i, k)
			}
		}
		if str(t, m, "accessToken") != tok.AccessToken || str(t, m, "custom") != "kept" || str(t, m, "clientId") == "" {
			t.Errorf("refresh %d: the cache file lacks the access token or other fields: %v", i, m)
		}
		rt = tok.RefreshToken
	}
}
