package config

import (
	"fmt"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// preset checks a provider's own keys and fills in what it knows. Values
// written in the file (issuer, scopes, auth_params) win.
type preset func(t table, s *Session)

var presets = map[string]preset{
	"oidc":     oidcPreset,
	"entra":    entraPreset,
	"okta":     oktaPreset,
	"google":   googlePreset,
	"keycloak": keycloakPreset,
	"auth0":    auth0Preset,
	"aws-sso":  awsPreset,
	"github":   githubPreset,
	"gitlab":   gitlabPreset,
}

// Providers lists the provider names a session may use, in the order the
// documentation presents them.
func Providers() []string {
	return []string{"oidc", "entra", "okta", "google", "keycloak", "auth0", "aws-sso", "github", "gitlab"}
}

// DefaultAWSMaxSession is IAM Identity Center's default session length.
const DefaultAWSMaxSession = 8 * time.Hour

// DefaultAWSRefreshMargin: the AWS CLI refreshes its SSO token itself in
// the last 15 minutes (rotating the refresh token behind our back);
// refreshing 20 minutes ahead keeps it from ever needing to.
const DefaultAWSRefreshMargin = 20 * time.Minute

var defaultScopes = []string{"openid", "profile", "offline_access"}

func oidcPreset(t table, s *Session) {
	if !t.has("issuer") {
		t.add("issuer", `missing; add the identity provider's issuer URL, e.g. issuer = "https://id.example.com"`)
	}
	oauthPreset(t, s, "", []string{"openid", "offline_access", "profile"})
}

func entraPreset(t table, s *Session) {
	tenant := "organizations"
	if t.has("tenant") {
		tenant = t.str("tenant")
		if tenant != "" && !regexp.MustCompile(`^[A-Za-z0-9.-]+$`).MatchString(tenant) {
			t.add("tenant", fmt.Sprintf("%q is not a tenant; use the tenant ID, a domain such as contoso.onmicrosoft.com, or \"organizations\", \"common\" or \"consumers\"", tenant))
		}
	}
	s.Tenant = tenant
	oauthPreset(t, s, "https://login.microsoftonline.com/"+tenant+"/v2.0", defaultScopes)
}

func oktaPreset(t table, s *Session) {
	s.AuthServer = t.str("auth_server")
	if s.AuthServer != "" && strings.ContainsAny(s.AuthServer, "/?#") {
		t.add("auth_server", fmt.Sprintf("%q is not an authorization server ID; write only its ID, e.g. \"default\"", s.AuthServer))
	}
	issuer := ""
	if origin := domain(t, s, "example.okta.com"); origin != "" {
		issuer = origin
		if s.AuthServer != "" {
			issuer += "/oauth2/" + url.PathEscape(s.AuthServer)
		}
	}
	oauthPreset(t, s, issuer, defaultScopes)
}

func googlePreset(t table, s *Session) {
	oauthPreset(t, s, "https://accounts.google.com", []string{"openid", "email", "profile"})
	if slices.Contains(s.Scopes, "offline_access") {
		t.add("scopes", "Google refuses offline_access; remove it (the google preset asks for a refresh token with access_type=offline)")
	}
	params := map[string]string{"access_type": "offline", "prompt": "consent"}
	for k, v := range s.AuthParams {
		params[k] = v
	}
	s.AuthParams = params
	if !t.has("client_secret") {
		s.ClientSecret = true // Google's desktop clients have one
	}
}

func keycloakPreset(t table, s *Session) {
	s.Realm = t.str("realm")
	issuer := ""
	if t.has("base_url") {
		s.BaseURL = strings.TrimRight(t.str("base_url"), "/")
		if msg := checkURL(s.BaseURL); msg != "" && s.BaseURL != "" {
			t.add("base_url", msg)
		} else if s.Realm != "" {
			issuer = s.BaseURL + "/realms/" + url.PathEscape(s.Realm)
		}
	}
	if !t.has("issuer") {
		if !t.has("base_url") {
			t.add("base_url", `missing; add the Keycloak server's address, e.g. base_url = "https://id.example.com"`)
		}
		if !t.has("realm") {
			t.add("realm", `missing; add the realm's name, e.g. realm = "main"`)
		}
	}
	oauthPreset(t, s, issuer, defaultScopes)
}

func auth0Preset(t table, s *Session) {
	issuer := ""
	if origin := domain(t, s, "example.eu.auth0.com"); origin != "" {
		issuer = origin + "/" // Auth0 issuers end with a slash
	}
	oauthPreset(t, s, issuer, defaultScopes)
	s.Audience = t.str("audience")
	if s.Audience != "" {
		if s.AuthParams == nil {
			s.AuthParams = map[string]string{}
		}
		if _, set := s.AuthParams["audience"]; !set {
			s.AuthParams["audience"] = s.Audience
		}
	}
}

var awsRegion = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)

func awsPreset(t table, s *Session) {
	s.SSOSession = t.str("sso_session")
	if !t.has("sso_session") {
		t.add("sso_session", `missing; add the name of the [sso-session NAME] in ~/.aws/config, e.g. sso_session = "prod"`)
	}
	if t.has("start_url") {
		s.StartURL = t.str("start_url")
		if msg := checkURL(s.StartURL); msg != "" && s.StartURL != "" {
			t.add("start_url", msg)
		}
	}
	if t.has("region") {
		s.Region = t.str("region")
		if s.Region != "" && !awsRegion.MatchString(s.Region) {
			t.add("region", fmt.Sprintf("%q is not an AWS region; write e.g. \"eu-west-1\"", s.Region))
		}
	}
	switch v := t.raw["aws_cache_refresh_token"].(type) {
	case nil:
	case bool:
		s.OmitAWSCacheSecrets = !v
	default:
		t.add("aws_cache_refresh_token", "must be true (the AWS CLI's cache keeps the refresh token and client secret, "+
			"so `aws` can refresh without ssokeeper) or false (only ssokeeper refreshes; no refresh token in a plain file)")
	}
	if s.MaxSession == 0 {
		s.MaxSession = DefaultAWSMaxSession
	}
	if s.RefreshMargin == 0 {
		s.RefreshMargin = DefaultAWSRefreshMargin
	}
}

// oauthPreset applies what every OpenID Connect provider shares: the
// issuer (from the file, else the preset's), client_id and default scopes.
func oauthPreset(t table, s *Session, issuer string, scopes []string) {
	if t.has("issuer") {
		issuer = t.str("issuer")
		if msg := checkURL(issuer); msg != "" && issuer != "" {
			t.add("issuer", msg)
		} else if u, _ := url.Parse(issuer); u != nil && (u.RawQuery != "" || u.Fragment != "") {
			t.add("issuer", "an issuer URL has no ?query or #fragment; remove them")
		}
	}
	s.Issuer = issuer
	if !t.has("client_id") {
		t.add("client_id", `missing; add the client ID registered for ssokeeper at the identity provider, e.g. client_id = "ssokeeper"`)
	}
	if !t.has("scopes") {
		s.Scopes = slices.Clone(scopes)
	}
}

// domain reads the domain key (a host name, or an origin URL for tests),
// checks it and returns the origin it names, without a trailing slash.
func domain(t table, s *Session, example string) string {
	if !t.has("domain") {
		if !t.has("issuer") {
			t.add("domain", fmt.Sprintf(`missing; add your organisation's domain, e.g. domain = %q`, example))
		}
		return ""
	}
	s.Domain = t.str("domain")
	if s.Domain == "" {
		return ""
	}
	origin := strings.TrimRight(s.Domain, "/")
	if !strings.Contains(origin, "://") {
		origin = "https://" + origin
	}
	if msg := checkURL(origin); msg != "" {
		t.add("domain", msg)
		return ""
	}
	if u, _ := url.Parse(origin); u.Path != "" || u.RawQuery != "" {
		t.add("domain", fmt.Sprintf("write only the domain, e.g. %q, without a path", example))
		return ""
	}
	return origin
}

// checkURL says what is wrong with an identity provider's URL, or "".
// Plain http is allowed only on this computer (tests and the demo).
func checkURL(raw string) string {
	u, err := url.Parse(raw)
	if strings.Contains(raw, "@") || (err == nil && u.User != nil) {
		return "remove the user name and password from the address; secrets never go into this file"
	}
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Sprintf("%q is not a web address; write it in full, e.g. \"https://id.example.com\"", raw)
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return fmt.Sprintf("%q uses plain http, which would send tokens unencrypted; use https:// (plain http is only allowed for 127.0.0.1, ::1 and localhost)", raw)
	}
	return ""
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}
