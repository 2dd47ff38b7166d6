package awssso

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssokeeper/ssokeeper/session/config"
)

const sampleConfig = `# a sample ~/.aws/config
[default]
region = eu-west-1

[profile dev]
sso_session = prod
sso_account_id = 123456789012
sso_role_name = Admin
s3 =
  max_concurrent_requests = 20

[sso-session prod]
sso_start_url = https://d-1234567890.awsapps.com/start
sso_region    = eu-west-1
sso_registration_scopes = sso:account:access

; half done
[sso-session broken]
sso_start_url = https://d-999.awsapps.com/start

[sso-session my-sso]
sso_region=us-east-1
sso_start_url=https://my.awsapps.com/start#x
`

func writeConfig(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(p, []byte(sampleConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDiscoverHonoursAWSConfigFile(t *testing.T) {
	t.Setenv("AWS_CONFIG_FILE", writeConfig(t))
	got, err := Discover(ConfigPath())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("discovered %d sessions, want 2 (prod, my-sso): %+v", len(got), got)
	}
	want := []config.Session{
		{Name: "aws-prod", SSOSession: "prod", StartURL: "https://d-1234567890.awsapps.com/start", Region: "eu-west-1"},
		{Name: "aws-my-sso", SSOSession: "my-sso", StartURL: "https://my.awsapps.com/start#x", Region: "us-east-1"},
	}
	for i, w := range want {
		g := got[i]
		if g.Name != w.Name || g.SSOSession != w.SSOSession || g.StartURL != w.StartURL || g.Region != w.Region ||
			g.Provider != "aws-sso" || !g.Discovered || g.MaxSession != DefaultMaxSession {
			t.Errorf("session %d = %+v, want %+v", i, g, w)
		}
	}
	if s, err := Discover(filepath.Join(t.TempDir(), "none")); err != nil || s != nil {
		t.Errorf("missing file: %v, %v; want nothing and no error", s, err)
	}
}

func TestFill(t *testing.T) {
	path := writeConfig(t)
	s := config.Session{Name: "aws", SSOSession: "prod"}
	if err := Fill(&s, path); err != nil {
		t.Fatal(err)
	}
	if s.StartURL != "https://d-1234567890.awsapps.com/start" || s.Region != "eu-west-1" {
		t.Errorf("Fill gave %q %q", s.StartURL, s.Region)
	}
	s = config.Session{Name: "aws", SSOSession: "prod", Region: "us-west-2"}
	_ = Fill(&s, path)
	if s.Region != "us-west-2" {
		t.Error("Fill overwrote a configured region")
	}
	for _, tc := range []struct{ sso, want string }{
		{"nope", "has no [sso-session nope]"},
		{"broken", "[sso-session broken] at " + path + ":18 lacks"},
	} {
		s := config.Session{Name: "aws", SSOSession: tc.sso}
		err := Fill(&s, path)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
			t.Errorf("Fill(%s) = %v, want an error naming the file and %q", tc.sso, err, tc.want)
		}
	}
}
