package config

import (
	"net/url"
	"strings"
)

// GitHubBase and GitLabBase are the public instances; base_url names an
// Enterprise Server or a self-managed GitLab instead.
const (
	GitHubBase = "https://github.com"
	GitLabBase = "https://gitlab.com"
)

// githubPreset: GitHub is OAuth 2.0 without OpenID Connect (no discovery,
// no ID token), so the issuer only names the instance and the idp package
// knows its endpoints. GitHub App user tokens expire after 8 hours and
// their refresh tokens (6 months) rotate on every use; the web flow needs
// the app's client secret, the device flow does not.
func githubPreset(t table, s *Session) {
	base := gitBase(t, s, GitHubBase)
	oauthPreset(t, s, base, nil)
	if !t.has("client_secret") && s.Flow != "device" {
		s.ClientSecret = true
	}
	gitHosts(t, s, base)
}

// gitlabPreset: GitLab is an OpenID Provider whose refresh tokens always
// come (it knows no offline_access, and refuses unknown scopes) and rotate
// on every use; access tokens live 2 hours. The scopes let git push and
// pull over HTTPS with the token.
func gitlabPreset(t table, s *Session) {
	base := gitBase(t, s, GitLabBase)
	oauthPreset(t, s, base, []string{"openid", "read_repository", "write_repository"})
	gitHosts(t, s, base)
}

// gitBase reads base_url (an Enterprise or self-managed instance) or
// returns the public instance.
func gitBase(t table, s *Session, public string) string {
	if !t.has("base_url") {
		return public
	}
	s.BaseURL = strings.TrimRight(t.str("base_url"), "/")
	if msg := checkURL(s.BaseURL); msg != "" {
		t.add("base_url", msg)
		return ""
	}
	return s.BaseURL
}

// gitHosts makes the instance's own host the git host when the file names
// none, so the git credential helper works without more configuration.
func gitHosts(t table, s *Session, base string) {
	if t.has("hosts") || base == "" {
		return
	}
	if u, err := url.Parse(base); err == nil && u.Hostname() != "" {
		s.Hosts = []string{strings.ToLower(u.Hostname())}
	}
}
