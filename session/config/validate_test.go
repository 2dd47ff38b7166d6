package config

import (
	"strings"
	"testing"
)

// base is a valid session; cases append lines to it (lines 1–5).
const base = `[[session]]
name = "work"
provider = "oidc"
issuer = "https://id.example.com"
client_id = "c"
`

func TestProblems(t *testing.T) {
	type want struct {
		line  int
		field string
		text  string // part of the message
	}
	tests := []struct {
		name string
		toml string
		want []want
	}{
		{"syntax error", base + "scopes = [\"openid\",\nflow = \"x\"\n",
			[]want{{7, "", "TOML syntax error"}}},
		{"syntax error keeps secrets out", "a = 1\nclient_secret = hunter2secret\n",
			[]want{{2, "", "not valid TOML"}}},
		{"unknown key with suggestion", base + "clientid = \"x\"\n",
			[]want{{6, "clientid", "did you mean client_id?"}}},
		{"unknown key, camel case", base + "\nrefreshMargin = \"5m\"\n",
			[]want{{7, "refreshMargin", "did you mean refresh_margin?"}}},
		{"unknown key without suggestion", base + "colour = \"red\"\n",
			[]want{{6, "colour", "the known ones are name, provider"}}},
		{"unknown top-level key", "clock_skew = \"1m\"\n" + base,
			[]want{{1, "clock_skew", "did you mean clock_skew_tolerance?"}}},
		{"session not an array of tables", "[session]\nname = \"x\"\n",
			[]want{{1, "session", "[[session]] table"}}},
		{"duplicate name", base + "\n" + base,
			[]want{{8, "name", "already used by the session at line 2"}}},
		{"missing name and provider", "[[session]]\nclient_id = \"c\"\n",
			[]want{{1, "name", "missing"}, {1, "provider", "missing"}}},
		{"unknown provider", strings.Replace(base, `"oidc"`, `"azure"`, 1),
			[]want{{3, "provider", "use one of oidc, entra, okta, google, keycloak, auth0, aws-sso"}}},
		{"misspelt provider", strings.Replace(base, `"oidc"`, `"aws_sso"`, 1),
			[]want{{3, "provider", "did you mean aws-sso?"}}},
		{"unknown flow", base + "flow = \"web\"\n",
			[]want{{6, "flow", `unknown flow "web"`}}},
		{"name with a space", strings.Replace(base, `"work"`, `"my work"`, 1),
			[]want{{2, "name", "command line"}}},
		{"name like a flag", strings.Replace(base, `"work"`, `"-v"`, 1),
			[]want{{2, "name", "starting with a letter or digit"}}},
		{"plain http issuer", strings.Replace(base, "https://id.example.com", "http://id.example.com", 1),
			[]want{{4, "issuer", "plain http"}}},
		{"issuer with password", strings.Replace(base, "https://id.example.com", "https://u:pw@id.example.com", 1),
			[]want{{4, "issuer", "remove the user name and password"}}},
		{"issuer not a URL", strings.Replace(base, "https://id.example.com", "id.example.com", 1),
			[]want{{4, "issuer", "not a web address"}}},
		{"bad duration", base + "warn_before = \"15 minutes\"\nmax_session = 12\n",
			[]want{{6, "warn_before", "not a duration"}, {7, "max_session", "in quotes"}}},
		{"negative duration", base + "refresh_margin = \"-5m\"\n",
			[]want{{6, "refresh_margin", "negative"}}},
		{"refresh margin too long", base + "refresh_margin = \"2h\"\n",
			[]want{{6, "refresh_margin", "longer than any access token lives"}}},
		{"refresh margin over max session", base + "max_session = \"20m\"\nrefresh_margin = \"30m\"\n",
			[]want{{7, "refresh_margin", "shorter than max_session"}}},
		{"empty scopes", base + "scopes = []\n",
			[]want{{6, "scopes", "is empty"}}},
		{"scopes as one string", base + "scopes = \"openid profile\"\n",
			[]want{{6, "scopes", "list of words"}}},
		{"client secret in the file", base + "client_secret = \"s3cr3t-value\"\n",
			[]want{{6, "client_secret", "ssokeeper secret set work"}}},
		{"missing issuer", strings.Replace(base, "issuer = \"https://id.example.com\"\n", "", 1),
			[]want{{1, "issuer", "missing"}}},
		{"missing client_id", strings.Replace(base, "client_id = \"c\"\n", "", 1),
			[]want{{1, "client_id", "missing"}}},
		{"key of another provider", base + "tenant = \"contoso\"\n",
			[]want{{6, "tenant", "only used by provider entra"}}},
		{"okta without domain", "[[session]]\nname = \"o\"\nprovider = \"okta\"\nclient_id = \"c\"\n",
			[]want{{1, "domain", "missing"}}},
		{"okta domain with a path", "[[session]]\nname = \"o\"\nprovider = \"okta\"\nclient_id = \"c\"\ndomain = \"example.okta.com/oauth2\"\n",
			[]want{{5, "domain", "without a path"}}},
		{"keycloak without realm", "[[session]]\nname = \"k\"\nprovider = \"keycloak\"\nbase_url = \"https://id.example.com\"\nclient_id = \"c\"\n",
			[]want{{1, "realm", "missing"}}},
		{"google with offline_access", "[[session]]\nname = \"g\"\nprovider = \"google\"\nclient_id = \"c\"\nscopes = [\"openid\", \"offline_access\"]\n",
			[]want{{5, "scopes", "Google refuses offline_access"}}},
		{"aws-sso without sso_session, with client_id", "[[session]]\nname = \"a\"\nprovider = \"aws-sso\"\nclient_id = \"c\"\nregion = \"Ireland\"\n",
			[]want{{1, "sso_session", "missing"}, {4, "client_id", "not used by aws-sso"}, {5, "region", "not an AWS region"}}},
		{"aws cache option not a bool", "[[session]]\nname = \"a\"\nprovider = \"aws-sso\"\nsso_session = \"prod\"\n\naws_cache_refresh_token = \"no\"\n",
			[]want{{6, "aws_cache_refresh_token", "must be true"}}},
		{"aws cache option on an OIDC session", base + "aws_cache_refresh_token = false\n",
			[]want{{6, "aws_cache_refresh_token", "only used by provider aws-sso"}}},
		{"misspelt aws cache option", "[[session]]\nname = \"a\"\nprovider = \"aws-sso\"\nsso_session = \"prod\"\naws_cache_refreshtoken = false\n",
			[]want{{5, "aws_cache_refreshtoken", "did you mean aws_cache_refresh_token?"}}},
		{"reserved auth param", base + "[session.auth_params]\nprompt = \"login\"\nredirect_uri = \"http://x\"\n",
			[]want{{8, "auth_params.redirect_uri", "set by ssokeeper itself"}}},
		{"bad top-level values", "clock_skew_tolerance = \"0s\"\naws_discover = \"yes\"\n",
			[]want{{1, "clock_skew_tolerance", "more than 0"}, {2, "aws_discover", "true or false"}}},
		{"hosts with a scheme", base + "hosts = [\"https://git.example.com/\"]\n",
			[]want{{6, "hosts", "write only the host"}}},
		{"every problem, in line order", "[[session]]\nname = \"a\"\nprovider = \"oidc\"\nissuer = \"http://x\"\nflow = \"?\"\n\n[[session]]\nnam = \"b\"\n",
			[]want{{1, "client_id", "missing"}, {4, "issuer", "plain http"}, {5, "flow", ""},
				{7, "name", "missing"}, {7, "provider", "missing"}, {8, "nam", "did you mean name?"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, got := problems(t, tt.toml)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d problems, want %d:\n%s", len(got), len(tt.want), (&Error{got}).Error())
			}
			for i, w := range tt.want {
				g := got[i]
				if g.File != path || g.Line != w.line || g.Field != w.field || !strings.Contains(g.Message, w.text) {
					t.Errorf("problem %d = %s\nwant line %d, field %q, message containing %q", i, g, w.line, w.field, w.text)
				}
			}
		})
	}
}

func TestProblemsNeverShowSecrets(t *testing.T) {
	for _, text := range []string{
		base + "client_secret = \"s3cr3t-value\"\n",
		base + "client_secret = s3cr3t-value\n",
		base + "client_secret = \"s3cr3t-value\n",
		strings.Replace(base, "https://id.example.com", "https://me:s3cr3t-value@id.example.com", 1),
		strings.Replace(base, "https://id.example.com", "ftp://me:s3cr3t-value@id.example.com", 1),
		base + "password = \"s3cr3t-value\"\n",
		base + "[session.auth_params]\nclient_secret = \"s3cr3t-value\"\n",
	} {
		_, got := problems(t, text)
		if msg := (&Error{got}).Error(); strings.Contains(msg, "s3cr3t") {
			t.Errorf("the error shows the secret:\n%s", msg)
		}
	}
}

func TestSuggest(t *testing.T) {
	for typo, want := range map[string]string{
		"clientId": "client_id", "client-secret": "client_secret", "isuer": "issuer",
		"scope": "scopes", "baseurl": "base_url", "sso_sesion": "sso_session",
		"refresh": "refresh_margin", "colour": "", "x": "",
	} {
		if got := suggest(typo, sessionKeys); got != want {
			t.Errorf("suggest(%q) = %q, want %q", typo, got, want)
		}
	}
}

func TestAWSCacheRefreshToken(t *testing.T) {
	aws := "[[session]]\nname = \"a\"\nprovider = \"aws-sso\"\nsso_session = \"prod\"\n"
	for text, omit := range map[string]bool{
		aws: false, aws + "aws_cache_refresh_token = true\n": false, aws + "aws_cache_refresh_token = false\n": true,
	} {
		if got := mustLoad(t, text).Sessions[0].OmitAWSCacheSecrets; got != omit {
			t.Errorf("%q: OmitAWSCacheSecrets = %t, want %t", text, got, omit)
		}
	}
}
