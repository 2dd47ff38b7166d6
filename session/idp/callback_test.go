package idp

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/ssokeeper/ssokeeper/internal/testidp"
	"github.com/ssokeeper/ssokeeper/session"
)

// discoveryOnly serves an OpenID configuration without device or
// revocation endpoints and returns its issuer.
func discoveryOnly(t *testing.T) string {
	t.Helper()
	var issuer string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"issuer":%q,"authorization_endpoint":"%[1]s/auth","token_endpoint":"%[1]s/token","jwks_uri":"%[1]s/keys"}`, issuer)
	}))
	t.Cleanup(srv.Close)
	issuer = srv.URL
	return issuer
}

// TestCallbackRefusals: a wrong state and a non-loopback caller are
// refused, and the sign-in keeps waiting for the right reply.
func TestCallbackRefusals(t *testing.T) {
	idp := testidp.Start(t, testidp.Options{})
	p := newProvider(t, idp, offline, Options{})
	ctx := context.Background()
	type step struct {
		status int
		page   string
	}
	get := func(u string) step {
		resp, err := http.Get(u)
		if err != nil {
			return step{0, err.Error()}
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return step{resp.StatusCode, string(b)}
	}
	steps := make(chan step, 2)
	tok, err := p.Login(ctx, session.LoginRequest{Timeout: 30 * time.Second, OpenURL: func(u string) error {
		cb, err := idp.Authorize(ctx, u)
		if err != nil {
			return err
		}
		forged := *cb
		q := forged.Query()
		q.Set("state", "forged")
		forged.RawQuery = q.Encode()
		steps <- get(forged.String())
		steps <- get(cb.String())
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshToken == "" {
		t.Error("no refresh token")
	}
	want := []struct {
		status int
		text   string
	}{{http.StatusBadRequest, "another or an earlier sign-in"}, {http.StatusOK, "Signed in to work"}}
	for i, w := range want {
		if s := <-steps; s.status != w.status || !strings.Contains(s.page, w.text) {
			t.Errorf("reply %d: status %d, want %d with %q: %s", i, s.status, w.status, w.text, s.page)
		}
	}

	// A reload after success redeems nothing.
	c := &callback{p: p, state: "s", host: "example.com", finished: true, done: make(chan result, 1)}
	rec := httptest.NewRecorder()
	reload := httptest.NewRequest(http.MethodGet, "/callback?state=s&code=c", nil)
	reload.RemoteAddr = "127.0.0.1:40000"
	c.ServeHTTP(rec, reload)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "already finished") || len(c.done) != 0 {
		t.Errorf("reload: status %d: %s", rec.Code, rec.Body)
	}

	// A caller that is not on this computer never reaches the exchange.
	c = &callback{p: p, state: "s", host: "example.com", done: make(chan result, 1)}
	rec = httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/callback?state=s&code=c", nil)
	req.RemoteAddr = "192.0.2.7:51000"
	c.ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden || len(c.done) != 0 || c.finished {
		t.Errorf("non-loopback caller: status %d, finished %t", rec.Code, c.finished)
	}
}

// TestPKCEEnforced drives the token endpoint directly with the code the
// IdP issued for a sign-in: without or with a wrong verifier it is refused.
func TestPKCEEnforced(t *testing.T) {
	idp := testidp.Start(t, testidp.Options{})
	p := newProvider(t, idp, offline, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d, err := p.discover(ctx)
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 2)
	p.Login(ctx, session.LoginRequest{OpenURL: func(u string) error {
		defer cancel() // nothing more to wait for
		cb, err := idp.Authorize(ctx, u)
		if err != nil {
			return err
		}
		cfg := &oauth2.Config{ClientID: idp.ClientID(), Endpoint: d.endpoint,
			RedirectURL: "http://" + cb.Host + "/callback"}
		cfg.Endpoint.AuthStyle = oauth2.AuthStyleInParams
		code := cb.Query().Get("code")
		_, err1 := cfg.Exchange(context.Background(), code)
		_, err2 := cfg.Exchange(context.Background(), code, oauth2.VerifierOption(oauth2.GenerateVerifier()))
		errs <- err1
		errs <- err2
		return nil
	}})
	for i := range 2 {
		if err := <-errs; !isRetrieveError(err) {
			t.Errorf("exchange %d: err = %v, want the IdP to refuse it", i, err)
		}
	}
}

func TestFromLoopback(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:5000": true, "[::1]:5000": true, "127.0.0.2:1": true,
		"192.168.1.2:5000": false, "example.com:80": false, "garbage": false,
	} {
		if got := fromLoopback(addr); got != want {
			t.Errorf("fromLoopback(%q) = %t", addr, got)
		}
	}
}

func isRetrieveError(err error) bool {
	_, ok := err.(*oauth2.RetrieveError)
	return ok
}
