package config

import (
	"slices"
	"strings"
	"testing"
)

func TestBrowserAndLoginHint(t *testing.T) {
	cfg := mustLoad(t, `browser = "firefox -P default"

[[session]]
name      = "work"
provider  = "google"
client_id = "w.apps.googleusercontent.com"
login_hint = "me@work.example"
browser   = "chromium --profile-directory='Profile 2'"

[[session]]
name      = "personal"
provider  = "google"
client_id = "p.apps.googleusercontent.com"
firefox_container = "Personal"

[[session]]
name      = "aws"
provider  = "aws-sso"
sso_session = "prod"
start_url = "https://d-1234567890.awsapps.com/start"
region    = "eu-west-1"
`)
	work, _ := cfg.Session("work")
	if work.AuthParams["login_hint"] != "me@work.example" {
		t.Errorf("work sends login_hint %q", work.AuthParams["login_hint"])
	}
	if work.AuthParams["prompt"] != "consent" {
		t.Errorf("work has a login_hint, so no account chooser: prompt = %q", work.AuthParams["prompt"])
	}
	personal, _ := cfg.Session("personal")
	if personal.AuthParams["prompt"] != "consent select_account" {
		t.Errorf("personal shares Google with work and has no login_hint: prompt = %q, want the chooser too", personal.AuthParams["prompt"])
	}
	if got := cfg.BrowserFor("work"); !slices.Equal(got.Command, []string{"chromium", "--profile-directory=Profile 2"}) || got.Container != "" {
		t.Errorf("work opens with %+v", got)
	}
	if got := cfg.BrowserFor("personal"); !slices.Equal(got.Command, []string{"firefox", "-P", "default"}) || got.Container != "Personal" {
		t.Errorf("personal opens with %+v, want the default browser in its container", got)
	}
	if got := cfg.BrowserFor("aws"); !slices.Equal(got.Command, []string{"firefox", "-P", "default"}) {
		t.Errorf("aws opens with %+v, want the top-level default", got)
	}
}

func TestSelectAccountOnlyWhenAccountsShareAnIdP(t *testing.T) {
	cfg := mustLoad(t, `[[session]]
name      = "office"
provider  = "entra"
client_id = "a"

[[session]]
name      = "other"
provider  = "entra"
tenant    = "contoso.onmicrosoft.com"
client_id = "b"

[[session]]
name      = "g"
provider  = "google"
client_id = "g.apps.googleusercontent.com"
`)
	for _, name := range []string{"office", "other"} {
		s, _ := cfg.Session(name)
		if _, ok := s.AuthParams["prompt"]; ok {
			t.Errorf("%s is alone at its issuer, yet prompt = %q", name, s.AuthParams["prompt"])
		}
	}
	g, _ := cfg.Session("g")
	if g.AuthParams["prompt"] != "consent" {
		t.Errorf("a single Google session keeps prompt=consent, got %q", g.AuthParams["prompt"])
	}

	cfg = mustLoad(t, `[[session]]
name      = "work"
provider  = "entra"
client_id = "a"

[[session]]
name      = "test"
provider  = "entra"
client_id = "a"
auth_params = { prompt = "login" }

[[session]]
name      = "admin"
provider  = "entra"
client_id = "a"
login_hint = "admin@contoso.example"
`)
	want := map[string]string{"work": "select_account", "test": "login", "admin": ""}
	for name, prompt := range want {
		s, _ := cfg.Session(name)
		if s.AuthParams["prompt"] != prompt {
			t.Errorf("%s: prompt = %q, want %q", name, s.AuthParams["prompt"], prompt)
		}
	}
}

func TestBrowserProblems(t *testing.T) {
	_, probs := problems(t, `browser = "firefox 'unclosed"

[[session]]
name      = "work"
provider  = "oidc"
issuer    = "https://id.example.com"
client_id = "x"
browser   = ["firefox"]
login_hint = "a@b"
auth_params = { login_hint = "c@d" }

[[session]]
name        = "aws"
provider    = "aws-sso"
sso_session = "prod"
login_hint  = "me"
`)
	want := []struct {
		line  int
		field string
		says  string
	}{
		{1, "browser", "unclosed ' quote"},
		{8, "browser", "must be a command in quotes"},
		{9, "login_hint", "also set in auth_params"},
		{16, "login_hint", "not used by aws-sso"},
	}
	if len(probs) != len(want) {
		t.Fatalf("problems: %v", probs)
	}
	for i, w := range want {
		p := probs[i]
		if p.Line != w.line || p.Field != w.field || !strings.Contains(p.Message, w.says) {
			t.Errorf("problem %d = %v, want line %d %s: …%s…", i, p, w.line, w.field, w.says)
		}
	}
}
