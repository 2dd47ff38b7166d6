package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

const full = `# every provider once
clock_skew_tolerance = "30s"
aws_discover = true

[[session]]
name = "work"
provider = "oidc"
issuer = "https://id.example.com/realms/main"
client_id = "ssokeeper"
scopes = [
  "openid",
  "offline_access",
]
flow = "device"
refresh_margin = "5m"
warn_before = "30m"
max_session = "12h"
hosts = ["git.example.com", "Gitlab.Example.com:8443"]

[[session]]
name = "office"
provider = "entra"
tenant = "11111111-2222-3333-4444-555555555555"
client_id = "aaaa"

[[session]]
name = "okta.dev"
provider = "okta"
domain = "dev-1.okta.com"
auth_server = "default"
client_id = "0oa"
client_secret = true

[[session]]
name = "google"
provider = "google"
client_id = "x.apps.googleusercontent.com"

[[session]]
name = "kc_local"
provider = "keycloak"
base_url = "http://127.0.0.1:8080"
realm = "demo"
client_id = "ssokeeper"
[session.auth_params]
kc_idp_hint = "github"

[[session]]
name = "auth0"
provider = "auth0"
domain = "example.us.auth0.com"
client_id = "abc"
audience = "https://api.example.com"

[[session]]
name = "aws-prod"
provider = "aws-sso"
sso_session = "prod"
start_url = "https://d-1234567890.awsapps.com/start"
region = "eu-west-1"
`

func TestLoadFull(t *testing.T) {
	cfg := mustLoad(t, full)
	if cfg.ClockSkewTolerance != 30*time.Second || !cfg.AWSDiscover {
		t.Errorf("ClockSkewTolerance, AWSDiscover = %v, %v; want 30s, true", cfg.ClockSkewTolerance, cfg.AWSDiscover)
	}
	var names []string
	var lines []int
	for _, s := range cfg.Sessions {
		names = append(names, s.Name)
		lines = append(lines, s.Line)
	}
	if want := []string{"work", "office", "okta.dev", "google", "kc_local", "auth0", "aws-prod"}; !slices.Equal(names, want) {
		t.Errorf("sessions = %q, want %q", names, want)
	}
	if want := []int{5, 20, 26, 34, 39, 48, 55}; !slices.Equal(lines, want) {
		t.Errorf("session lines = %v, want %v", lines, want)
	}

	work, ok := cfg.Session("work")
	if !ok {
		t.Fatal(`Session("work") not found`)
	}
	if work.Flow != "device" || work.RefreshMargin != 5*time.Minute || work.WarnBefore != 30*time.Minute ||
		work.MaxSession != 12*time.Hour || !slices.Equal(work.Scopes, []string{"openid", "offline_access"}) ||
		!slices.Equal(work.Hosts, []string{"git.example.com", "gitlab.example.com:8443"}) {
		t.Errorf("work = %+v", work)
	}
	if s, _ := cfg.Session("okta.dev"); !s.ClientSecret || s.Issuer != "https://dev-1.okta.com/oauth2/default" {
		t.Errorf("okta.dev = %+v", s)
	}
	if s, _ := cfg.Session("kc_local"); s.Issuer != "http://127.0.0.1:8080/realms/demo" || s.AuthParams["kc_idp_hint"] != "github" {
		t.Errorf("kc_local = %+v", s)
	}
	if s, _ := cfg.Session("aws-prod"); s.SSOSession != "prod" || s.Region != "eu-west-1" || s.Issuer != "" {
		t.Errorf("aws-prod = %+v", s)
	}
	if _, ok := cfg.Session("nope"); ok {
		t.Error(`Session("nope") found`)
	}
}

func TestLoadDefaults(t *testing.T) {
	cfg := mustLoad(t, "")
	if len(cfg.Sessions) != 0 || cfg.ClockSkewTolerance != 2*time.Minute || cfg.AWSDiscover {
		t.Errorf("empty config = %+v", cfg)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "none.toml"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load = %v, want fs.ErrNotExist", err)
	}
	if err := Validate(filepath.Join(t.TempDir(), "none.toml")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Validate = %v, want fs.ErrNotExist", err)
	}
}

// Strings, comments and the other ways TOML can spell a key must not
// throw the line numbers off.
func TestLinesSurviveTrickyTOML(t *testing.T) {
	text := `[[session]] # client_id = "in a comment"
name = """
client_id = "in a string"
"""
"provider" = "oidc"
issuer = 'https://id.example.com/ flow = x'
auth_params.prompt = "login"
scopes = ["openid", "flow = \"x\""]

[[session]]
name = "b"
provider = "oidc"
issuer = "https://id.example.com"
auth_params = { prompt = "login", nonce = "n" }
client_id = "c"
"flow" = "web"
`
	_, got := problems(t, text)
	want := []string{
		":1: client_id: missing",
		":2: name: ", // the name itself is a problem
		":8: scopes: must be a list of words",
		":14: auth_params.nonce: is set by ssokeeper",
		":16: flow: unknown flow",
	}
	if len(got) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%s", len(got), len(want), (&Error{got}).Error())
	}
	for i, w := range want {
		if !strings.Contains(got[i].String(), w) {
			t.Errorf("problem %d = %s\nwant it to contain %s", i, got[i], w)
		}
	}
}

func TestTemplate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ssokeeper", "config.toml")
	if err := WriteTemplate(path); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path)
	if err != nil || len(cfg.Sessions) != 0 {
		t.Fatalf("the template loads as %+v, %v; want no sessions", cfg, err)
	}
	for p, want := range map[string]fs.FileMode{path: 0o600, filepath.Dir(path): 0o700 | fs.ModeDir} {
		if fi, err := os.Stat(p); err != nil || fi.Mode() != want {
			t.Errorf("%s: mode %v, %v; want %v", p, fi.Mode(), err, want)
		}
	}

	if err := os.WriteFile(path, []byte("# mine\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteTemplate(path); !errors.Is(err, fs.ErrExist) {
		t.Errorf("WriteTemplate over a file = %v, want fs.ErrExist", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "# mine\n" {
		t.Errorf("WriteTemplate changed an existing file to %q", b)
	}
}

// Every example in the template must load once uncommented, so that a
// person who follows its advice gets a working file.
func TestTemplateExamplesLoad(t *testing.T) {
	uncommented := regexp.MustCompile(`(?m)^#([^ #\n-])`).ReplaceAllString(string(template), "$1")
	cfg := mustLoad(t, uncommented)
	var providers []string
	for _, s := range cfg.Sessions {
		providers = append(providers, s.Provider)
	}
	if !slices.Equal(providers, Providers()) {
		t.Errorf("the template's examples use %q, want one of each of %q", providers, Providers())
	}
}
