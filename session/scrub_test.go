package session_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssokeeper/ssokeeper/internal/dbustest"
	"github.com/ssokeeper/ssokeeper/internal/logging"
	"github.com/ssokeeper/ssokeeper/notify"
	"github.com/ssokeeper/ssokeeper/notify/notifytest"
	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/config"
	"github.com/ssokeeper/ssokeeper/session/health"
	"github.com/ssokeeper/ssokeeper/session/providers"
	"github.com/ssokeeper/ssokeeper/session/store"
)

// echoingIdP signs in at once (its /auth redirects straight back with a
// code) and answers every refresh with an invalid_grant that quotes the
// refresh token, the access token and the sign-in code it was given.
func echoingIdP(t *testing.T, refreshToken, accessToken, code string) string {
	t.Helper()
	var issuer string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/.well-known/openid-configuration":
			fmt.Fprintf(w, `{"issuer":%q,"authorization_endpoint":"%[1]s/auth","token_endpoint":"%[1]s/token","jwks_uri":"%[1]s/keys"}`, issuer)
		case "/auth":
			q := r.URL.Query()
			http.Redirect(w, r, q.Get("redirect_uri")+"?"+url.Values{"code": {code}, "state": {q.Get("state")}}.Encode(), http.StatusFound)
		case "/token":
			if r.FormValue("grant_type") == "authorization_code" {
				json.NewEncoder(w).Encode(map[string]any{"access_token": accessToken, "refresh_token": refreshToken,
					"token_type": "Bearer", "expires_in": 3600})
				return
			}
			w.WriteHeader(http.StatusBadRequest)
			json.NewEncoder(w).Encode(map[string]string{"error": "invalid_grant", "error_description": fmt.Sprintf(
				"Refresh token %s is not valid for access token %s (code %s)", r.FormValue("refresh_token"), accessToken, code)})
		}
	}))
	t.Cleanup(srv.Close)
	issuer = srv.URL
	return issuer
}

// An IdP that quotes the session's secrets back in its error reply gets
// none of them into the status JSON, state.json, the log file, the refresh
// error or the notification, whatever their shape: a short hex token is
// caught only by exact scrubbing, a JWT by both.
func TestIdPEchoedSecretsNeverLeave(t *testing.T) {
	bus := dbustest.Start(t)
	srv, err := notifytest.Start(bus.Connect(), "actions", "body")
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string][3]string{ // refresh token, access token, code
		"short hex": {"9f86d081884c7d659a2feaa0", "0a1b2c3d4e5f60718293a4b5", "c0de4c0de5c0de6"},
		"jwt": {"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ3b3JrIiwiZXhwIjo5OTk5OTk5OTk5fQ.c2lnbmF0dXJlLXJlZnJlc2g",
			"eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJhcGkifQ.YWNjZXNzLXNpZ25hdHVyZQ", "c0de-jwt-case"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			rt, at, code := c[0], c[1], c[2]
			dir := t.TempDir()
			logPath := filepath.Join(dir, logging.FileName)
			log, closer, err := logging.Open(logPath, false, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer closer.Close()
			cfg := &config.Config{Sessions: []config.Session{{Name: "work", Provider: "oidc",
				Issuer: echoingIdP(t, rt, at, code), ClientID: "ssokeeper", Scopes: []string{"offline_access"}, Flow: "browser"}}}
			m, err := session.New(session.Options{Config: cfg, Secrets: store.NewMemory(), StateDir: dir,
				Providers: providers.New, Logger: log, Agent: true, HTTPTimeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			n, err := notify.New(notify.Options{Logger: log})
			if err != nil {
				t.Fatal(err)
			}
			defer n.Close()
			updates, unsubscribe := m.Subscribe()
			defer unsubscribe()
			go n.Run(ctx, updates, noActions{})
			runDone := make(chan struct{})
			go func() { m.Run(ctx); close(runDone) }() //nolint:errcheck
			defer func() { cancel(); <-runDone }()     // Run saves state.json in dir as it ends

			open := func(u string) error {
				resp, err := http.Get(u)
				if err == nil {
					resp.Body.Close()
				}
				return err
			}
			if err := m.Login(ctx, "work", session.LoginRequest{OpenURL: open, Timeout: 30 * time.Second}); err != nil {
				t.Fatal(err)
			}
			refreshErr := m.Refresh(ctx, "work")
			if refreshErr == nil {
				t.Fatal("refresh succeeded, want the IdP's rejection")
			}
			snap, _ := json.Marshal(m.Snapshot())
			st := m.Snapshot().Sessions
			var detail string
			for _, s := range st {
				detail = s.Detail
			}
			if detail == "" || !strings.Contains(detail, "[redacted]") {
				t.Errorf("status detail %q: want the IdP's words with the secrets redacted", detail)
			}
			var note notifytest.Call
			for note.Summary == "" || strings.HasSuffix(note.Summary, "signed in") {
				if note, err = srv.Next(20 * time.Second); err != nil {
					t.Fatalf("no failure notification: %v", err)
				}
			}
			state, _ := os.ReadFile(filepath.Join(dir, "state.json"))
			logText, _ := os.ReadFile(logPath)
			outputs := map[string]string{
				"status JSON": string(snap), "state.json": string(state), "log file": string(logText),
				"refresh error": refreshErr.Error(), "notification": note.Summary + "\n" + note.Body,
			}
			if len(state) == 0 || len(logText) == 0 {
				t.Fatalf("state.json (%d bytes) or the log (%d bytes) is empty", len(state), len(logText))
			}
			for where, text := range outputs {
				for _, secret := range []string{rt, at, code} {
					if strings.Contains(text, secret) {
						t.Errorf("%s contains the secret %q:\n%s", where, secret, text)
					}
				}
			}
			if !strings.Contains(string(state), health.Describe(health.RefreshTokenInvalid).Title) &&
				!strings.Contains(string(state), string(health.RefreshTokenInvalid)) {
				t.Errorf("state.json does not record the failure: %s", state)
			}
		})
	}
}

type noActions struct{}

func (noActions) Login(string) {}
