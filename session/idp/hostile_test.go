package idp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssokeeper/ssokeeper/internal/testidp"
	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/config"
	"github.com/ssokeeper/ssokeeper/session/health"
	"github.com/ssokeeper/ssokeeper/session/idpclient"
)

// thief is a second loopback listener a hostile IdP redirects to; it
// records every body that reaches it.
type thief struct {
	*httptest.Server
	mu     sync.Mutex
	bodies []string
}

func startThief(t *testing.T) *thief {
	th := &thief{}
	th.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		th.mu.Lock()
		th.bodies = append(th.bodies, r.Method+" "+r.URL.Path+" "+string(b))
		th.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"access_token":"stolen","token_type":"Bearer","expires_in":3600}`)
	}))
	t.Cleanup(th.Close)
	return th
}

func (th *thief) got() []string {
	th.mu.Lock()
	defer th.mu.Unlock()
	return append([]string(nil), th.bodies...)
}

// hostileIdP serves discovery and answers the token and revocation
// endpoints with redirect to the thief.
func hostileIdP(t *testing.T, status int, to string) string {
	var issuer string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/.well-known/openid-configuration":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"issuer":%q,"authorization_endpoint":"%[1]s/auth","token_endpoint":"%[1]s/token",`+
				`"revocation_endpoint":"%[1]s/revoke","device_authorization_endpoint":"%[1]s/device","jwks_uri":"%[1]s/keys"}`, issuer)
		default:
			http.Redirect(w, r, to+r.URL.Path+"?code=leak", status)
		}
	}))
	t.Cleanup(srv.Close)
	issuer = srv.URL
	return issuer
}

func hostileProvider(t *testing.T, issuer string) *Provider {
	t.Helper()
	p, err := New(config.Session{Name: "work", Provider: "oidc", Issuer: issuer, ClientID: "ssokeeper", Scopes: []string{"openid"}},
		Options{HTTPClient: &http.Client{Timeout: 5 * time.Second}, ClientSecret: func() (string, error) { return "s3cret-client", nil }})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// A token, revocation or device request answered with 307/308 is not
// re-posted to the Location: the second listener never hears of it, and
// the diagnosis is a transient idp_error naming the Location.
func TestSecretRequestsNeverFollowRedirects(t *testing.T) {
	for _, status := range []int{http.StatusTemporaryRedirect, http.StatusPermanentRedirect, http.StatusFound} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			th := startThief(t)
			p := hostileProvider(t, hostileIdP(t, status, th.URL))
			ctx := context.Background()

			_, err := p.Refresh(ctx, "rt-secret-0123456789")
			wantRedirectDiagnosis(t, err, th.URL+"/token")
			err = p.Revoke(ctx, "rt-secret-0123456789")
			var re *idpclient.RedirectError
			if !errors.As(err, &re) {
				t.Errorf("revoke: err = %v, want a refused redirect", err)
			}
			_, err = p.loginDevice(ctx, sessionLoginRequest())
			if !errors.As(err, &re) {
				t.Errorf("device sign-in: err = %v, want a refused redirect", err)
			}
			if got := th.got(); len(got) != 0 {
				t.Fatalf("the redirect target received %q", got)
			}
		})
	}
}

func sessionLoginRequest() session.LoginRequest {
	return session.LoginRequest{ShowDeviceCode: func(session.DeviceCode) {}}
}

func wantRedirectDiagnosis(t *testing.T, err error, location string) {
	t.Helper()
	d := health.Classify(err)
	if d.Reason != health.IdPError || !d.Transient || d.RefreshTokenDead() {
		t.Errorf("got %+v, want a transient idp_error that keeps the refresh token", d)
	}
	if !strings.Contains(d.Detail, location) || strings.Contains(d.Detail, "leak") {
		t.Errorf("detail %q: want the Location %s named, without its query", d.Detail, location)
	}
}

// Discovery follows a redirect on the same host, and refuses one to
// another host.
func TestDiscoveryRedirects(t *testing.T) {
	th := startThief(t)
	var issuer string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/same/.well-known/openid-configuration":
			http.Redirect(w, r, "/real/.well-known/openid-configuration", http.StatusFound)
		case "/real/.well-known/openid-configuration":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"issuer":%q,"authorization_endpoint":"%[1]s/auth","token_endpoint":"%[1]s/token","jwks_uri":"%[1]s/keys"}`, issuer+"/same")
		default:
			http.Redirect(w, r, th.URL+r.URL.Path, http.StatusFound)
		}
	}))
	t.Cleanup(srv.Close)
	issuer = srv.URL
	if _, err := hostileProvider(t, issuer+"/same").discover(context.Background()); err != nil {
		t.Errorf("same-host redirect: %v", err)
	}
	_, err := hostileProvider(t, issuer+"/other").discover(context.Background())
	var re *idpclient.RedirectError
	if !errors.As(err, &re) || !re.SameHost || !strings.Contains(err.Error(), th.URL) {
		t.Errorf("cross-host redirect: err = %v, want it refused naming %s", err, th.URL)
	}
	if got := th.got(); len(got) != 0 {
		t.Errorf("the other host received %q", got)
	}
}

// A discovery document, a JWKS or a token reply larger than
// idpclient.MaxReply is refused with a clear error, never read whole.
func TestHugeRepliesAreRefused(t *testing.T) {
	huge := func(w http.ResponseWriter, prefix string) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, prefix)
		chunk := strings.Repeat("x", 64<<10)
		for range 64 { // 4 MiB
			if _, err := io.WriteString(w, chunk); err != nil {
				return
			}
		}
	}
	var issuer string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/big/.well-known/openid-configuration":
			huge(w, `{"issuer":"`)
		case "/ok/.well-known/openid-configuration":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"issuer":%q,"authorization_endpoint":"%[1]s/auth","token_endpoint":"%[1]s/token","jwks_uri":"%[1]s/keys"}`, issuer+"/ok")
		case "/ok/token":
			huge(w, `{"access_token":"`)
		}
	}))
	t.Cleanup(srv.Close)
	issuer = srv.URL
	_, err := hostileProvider(t, issuer+"/big").discover(context.Background())
	if err == nil || !strings.Contains(err.Error(), "larger than 512 KiB") { // go-oidc flattens it with %v
		t.Errorf("huge discovery document: err = %v, want it refused as too large", err)
	}
	_, err = hostileProvider(t, issuer+"/ok").Refresh(context.Background(), "rt")
	d := health.Classify(err)
	if d.Reason != health.IdPError || !d.Transient || !strings.Contains(d.Detail, "larger than 512 KiB") {
		t.Errorf("huge token reply: got %+v, want a transient idp_error saying the reply is too large", d)
	}
}

// An expires_in that is absent, zero, negative, non-numeric or absurd
// gives a sane lifetime, and the reply (with its rotated refresh token)
// is kept rather than failing to parse.
func TestOddExpiresIn(t *testing.T) {
	tests := []struct {
		expiresIn string
		want      time.Duration
	}{
		{``, idpclient.DefaultLifetime},
		{`,"expires_in":0`, idpclient.DefaultLifetime},
		{`,"expires_in":-3600`, idpclient.DefaultLifetime},
		{`,"expires_in":"soon"`, idpclient.DefaultLifetime},
		{`,"expires_in":null`, idpclient.DefaultLifetime},
		{`,"expires_in":[1]`, idpclient.DefaultLifetime},
		{`,"expires_in":"600"`, 10 * time.Minute},
		{`,"expires_in":600.9`, 10 * time.Minute},
		{`,"expires_in":31536000`, idpclient.MaxLifetime},
		{`,"expires_in":1e300`, idpclient.MaxLifetime},
	}
	var reply string
	var issuer string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/token" {
			fmt.Fprintf(w, `{"access_token":"at","token_type":"Bearer","refresh_token":"rotated"%s}`, reply)
			return
		}
		fmt.Fprintf(w, `{"issuer":%q,"authorization_endpoint":"%[1]s/auth","token_endpoint":"%[1]s/token","jwks_uri":"%[1]s/keys"}`, issuer)
	}))
	t.Cleanup(srv.Close)
	issuer = srv.URL
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	p, err := New(config.Session{Name: "work", Provider: "oidc", Issuer: issuer, ClientID: "c"}, Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		reply = tt.expiresIn
		tok, err := p.Refresh(context.Background(), "rt")
		if err != nil {
			t.Errorf("%q: %v", tt.expiresIn, err)
			continue
		}
		if got := tok.Expiry.Sub(now); got != tt.want || tok.RefreshToken != "rotated" {
			t.Errorf("%q: lifetime %v, refresh token %q; want %v and the rotated token", tt.expiresIn, got, tok.RefreshToken, tt.want)
		}
	}
}

// jam sends u with the Host header host and returns the status.
func jam(t *testing.T, u, host string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Errorf("GET %s: %v", u, err)
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// Callbacks without the state, with a wrong one, or addressed to another
// Host (DNS rebinding) are ignored and do not end the sign-in; the real
// one then succeeds, and a replay of it redeems nothing.
func TestSignInCannotBeJammed(t *testing.T) {
	idp := testidp.Start(t, testidp.Options{})
	p := newProvider(t, idp, offline, Options{})
	ctx := context.Background()
	replay := make(chan int, 1)
	tok, err := p.Login(ctx, session.LoginRequest{Timeout: 30 * time.Second, OpenURL: func(u string) error {
		cb, err := idp.Authorize(ctx, u)
		if err != nil {
			return err
		}
		q := cb.Query()
		noState, wrongState := *cb, *cb
		q.Del("state")
		noState.RawQuery = q.Encode()
		q.Set("state", "forged")
		wrongState.RawQuery = q.Encode()
		for _, c := range []struct {
			u, host string
			want    int
		}{
			{noState.String(), "", http.StatusBadRequest},
			{wrongState.String(), "", http.StatusBadRequest},
			{cb.String(), "attacker.example:" + cb.Port(), http.StatusMisdirectedRequest},
			{cb.String(), "localhost:" + cb.Port(), http.StatusMisdirectedRequest},
		} {
			if got := jam(t, c.u, c.host); got != c.want {
				t.Errorf("callback %s (Host %q) answered %d, want %d", c.u, c.host, got, c.want)
			}
		}
		if got := jam(t, cb.String(), ""); got != http.StatusOK {
			t.Errorf("the real callback answered %d", got)
		}
		status := 0 // the listener may already be closed
		if resp, err := http.Get(cb.String()); err == nil {
			resp.Body.Close()
			status = resp.StatusCode
		}
		replay <- status
		return nil
	}})
	if err != nil {
		t.Fatalf("sign-in after the jamming attempts: %v", err)
	}
	if tok.RefreshToken == "" {
		t.Error("no refresh token")
	}
	if got := <-replay; got != http.StatusOK && got != 0 {
		// 200 "already finished", or the listener is already closed.
		t.Errorf("replayed callback answered %d", got)
	}
}

// BenchmarkEndlessDiscovery measures what an IdP that streams an endless
// discovery document costs the agent: B/op stays near the 512 KiB cap.
func BenchmarkEndlessDiscovery(b *testing.B) {
	chunk := strings.Repeat("x", 64<<10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"issuer":"`)
		for {
			if _, err := io.WriteString(w, chunk); err != nil {
				return
			}
		}
	}))
	b.Cleanup(srv.Close)
	b.ReportAllocs()
	for b.Loop() {
		p, _ := New(config.Session{Name: "work", Provider: "oidc", Issuer: srv.URL, ClientID: "c"}, Options{})
		if _, err := p.discover(context.Background()); err == nil {
			b.Fatal("an endless document was accepted")
		}
	}
}
