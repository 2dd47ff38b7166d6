package awssso

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ssokeeper/ssokeeper/session/awssso/ssooidctest"
	"github.com/ssokeeper/ssokeeper/session/config"
)

// testClock is a hand-moved wall clock shared by provider and server.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var start = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

type fixture struct {
	srv      *ssooidctest.Server
	p        *Provider
	clk      *testClock
	cacheDir string
	regDir   string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	srv := ssooidctest.New()
	t.Cleanup(srv.Close)
	clk := &testClock{t: start}
	srv.SetNow(clk.Now)
	dir := t.TempDir()
	f := &fixture{srv: srv, clk: clk, cacheDir: filepath.Join(dir, "sso", "cache"), regDir: filepath.Join(dir, "state", "aws-sso")}
	p, err := New(testSession(), Options{HTTPClient: srv.Client(), Now: clk.Now,
		CacheDir: f.cacheDir, Endpoint: srv.URL, RegistrationDir: f.regDir})
	if err != nil {
		t.Fatal(err)
	}
	f.p = p
	return f
}

func testSession() config.Session {
	return config.Session{Name: "aws-prod", Provider: ProviderName, SSOSession: "prod",
		StartURL: "https://d-1234567890.awsapps.com/start", Region: "eu-west-1"}
}

// seed writes a cache file as `aws sso login` leaves it, plus extra fields.
func (f *fixture) seed(t *testing.T, s ssooidctest.Session, extra map[string]any) {
	t.Helper()
	m := map[string]any{
		"startUrl":              "https://d-1234567890.awsapps.com/start",
		"region":                "eu-west-1",
		"accessToken":           s.AccessToken,
		"expiresAt":             f.clk.Now().Add(s.ExpiresIn).UTC().Format(timeFormat),
		"refreshToken":          s.RefreshToken,
		"clientId":              s.ClientID,
		"clientSecret":          s.ClientSecret,
		"registrationExpiresAt": s.RegistrationExpiresAt.UTC().Format(timeFormat),
	}
	for k, v := range extra {
		m[k] = v
	}
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	f.writeRaw(t, data)
}

func (f *fixture) writeRaw(t *testing.T, data []byte) {
	t.Helper()
	if err := os.MkdirAll(f.cacheDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(f.p.CacheFile(), data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// file reads the cache file as generic JSON.
func (f *fixture) file(t *testing.T) map[string]json.RawMessage {
	t.Helper()
	data, err := os.ReadFile(f.p.CacheFile())
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("cache file is not JSON: %v", err)
	}
	return m
}

func str(t *testing.T, m map[string]json.RawMessage, key string) string {
	t.Helper()
	var s string
	if err := json.Unmarshal(m[key], &s); err != nil {
		t.Fatalf("field %q: %v (raw %s)", key, err, m[key])
	}
	return s
}
