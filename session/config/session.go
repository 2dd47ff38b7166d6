package config

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

var sessionKeys = []string{
	"name", "provider", "issuer", "client_id", "client_secret", "scopes", "flow",
	"refresh_margin", "warn_before", "max_session", "tenant", "domain", "auth_server",
	"base_url", "realm", "audience", "auth_params", "sso_session", "start_url", "region", "hosts",
	"browser", "firefox_container", "login_hint",
	"aws_cache_refresh_token",
}

// onlyFor names the providers that use a provider-specific key.
var onlyFor = map[string][]string{
	"tenant":      {"entra"},
	"domain":      {"okta", "auth0"},
	"auth_server": {"okta"},
	"base_url":    {"keycloak", "github", "gitlab"},
	"realm":       {"keycloak"},
	"audience":    {"auth0"},
	"sso_session": {"aws-sso"},
	"start_url":   {"aws-sso"},
	"region":      {"aws-sso"},

	"aws_cache_refresh_token": {"aws-sso"},
}

// notForAWS are keys an aws-sso session cannot use: ssokeeper registers its
// own client with IAM Identity Center, as the AWS CLI does.
var notForAWS = []string{"issuer", "client_id", "client_secret", "auth_params", "login_hint"}

// DefaultWarnBefore is how long before a session ends the person is warned.
const DefaultWarnBefore = 15 * time.Minute

// Warn is the session's warn_before, or DefaultWarnBefore when it has none
// (a session built in code rather than loaded from a file).
func (s Session) Warn() time.Duration {
	if s.WarnBefore > 0 {
		return s.WarnBefore
	}
	return DefaultWarnBefore
}

// maxRefreshMargin bounds refresh_margin: access tokens rarely live longer
// than an hour, so a longer margin would refresh without pause.
const maxRefreshMargin = time.Hour

var validName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// table reads the keys of one [[session]] table, reporting wrong types.
type table struct {
	c   *checker
	raw map[string]any
	at  sessionPlaces
}

func (t table) has(key string) bool { _, ok := t.raw[key]; return ok }

func (t table) add(key, msg string) { t.c.add(t.at.line(key), key, msg) }

func (t table) str(key string) string {
	v, ok := t.raw[key]
	if !ok {
		return ""
	}
	s, ok := v.(string)
	if !ok {
		t.add(key, "must be a string in quotes")
		return ""
	}
	if strings.TrimSpace(s) == "" {
		t.add(key, "is empty; fill it in or remove the line")
	}
	return strings.TrimSpace(s)
}

func (t table) strs(key string) []string {
	v, ok := t.raw[key]
	if !ok {
		return nil
	}
	list, ok := v.([]any)
	if !ok {
		t.add(key, `must be a list of words in quotes, e.g. ["a", "b"]`)
		return nil
	}
	out := make([]string, 0, len(list))
	for _, e := range list {
		s, ok := e.(string)
		if !ok || strings.TrimSpace(s) == "" || strings.ContainsAny(s, " \t") {
			out = nil
			break
		}
		out = append(out, s)
	}
	if out == nil {
		t.add(key, `must be a list of words in quotes, e.g. ["a", "b"]`)
	}
	return out
}

func (t table) dur(key string) time.Duration {
	v, ok := t.raw[key]
	if !ok {
		return 0
	}
	d, _ := t.c.duration(t.at.line(key), key, v)
	return d
}

// session reads one [[session]] table and applies its provider's preset.
// ok is false when its name is unusable (so duplicates are not checked).
func (c *checker) session(raw map[string]any, at sessionPlaces) (s Session, ok bool) {
	t := table{c: c, raw: raw, at: at}
	s = Session{Line: at.header, Flow: "browser", WarnBefore: DefaultWarnBefore}

	s.Name = t.str("name")
	switch {
	case !t.has("name"):
		t.add("name", `missing; add name = "work" (a short name for the CLI and the tray)`)
	case s.Name != "" && (!validName.MatchString(s.Name) || len(s.Name) > 64):
		t.add("name", fmt.Sprintf("%q cannot be typed safely on a command line; use up to 64 letters, digits, '-', '_' or '.', starting with a letter or digit", s.Name))
	default:
		ok = s.Name != ""
	}

	s.Provider = t.str("provider")
	p, known := presets[s.Provider]
	switch {
	case !t.has("provider"):
		t.add("provider", "missing; add provider = \"oidc\" (or one of "+strings.Join(Providers(), ", ")+")")
	case s.Provider != "" && !known:
		msg := fmt.Sprintf("unknown provider %q; use one of %s", s.Provider, strings.Join(Providers(), ", "))
		if g := suggest(s.Provider, Providers()); g != "" {
			msg = fmt.Sprintf("unknown provider %q; did you mean %s? The providers are %s", s.Provider, g, strings.Join(Providers(), ", "))
		}
		t.add("provider", msg)
	}

	for _, key := range byLine(raw, at.keys) {
		switch {
		case !slices.Contains(sessionKeys, key):
			c.unknown(at.line(key), key, sessionKeys, "a [[session]]")
		case known && onlyFor[key] != nil && !slices.Contains(onlyFor[key], s.Provider):
			t.add(key, fmt.Sprintf("is only used by provider %s, not %s; remove it",
				strings.Join(onlyFor[key], " and "), s.Provider))
		case s.Provider == "aws-sso" && slices.Contains(notForAWS, key):
			t.add(key, "is not used by aws-sso sessions (ssokeeper registers its own client with IAM Identity Center); remove it")
		}
	}

	c.common(t, &s)
	if known {
		p(t, &s)
	}
	c.limits(t, &s)
	return s, ok
}

// common reads the keys every provider shares.
func (c *checker) common(t table, s *Session) {
	s.ClientID = t.str("client_id")
	switch v := t.raw["client_secret"].(type) {
	case nil:
	case bool:
		s.ClientSecret = v
	case string:
		// Never echo v: it is probably the secret itself.
		t.add("client_secret", fmt.Sprintf("secrets never go into this file; write client_secret = true "+
			"and store the secret in the keyring with `ssokeeper secret set %s`", cmp.Or(s.Name, "NAME")))
	default:
		t.add("client_secret", "must be true (the client needs a secret, kept in the keyring) or false")
	}
	if t.has("scopes") {
		s.Scopes = t.strs("scopes")
		if v, _ := t.raw["scopes"].([]any); v != nil && len(v) == 0 {
			t.add("scopes", `is empty; list at least "openid", or remove the line for the provider's default`)
		}
	}
	if f := t.str("flow"); f != "" {
		if f != "browser" && f != "device" {
			t.add("flow", fmt.Sprintf("unknown flow %q; use \"browser\" (sign in through this computer's browser) or \"device\" (enter a code on another device)", f))
		} else {
			s.Flow = f
		}
	}
	s.RefreshMargin = t.dur("refresh_margin")
	if t.has("warn_before") {
		s.WarnBefore = t.dur("warn_before")
	}
	s.MaxSession = t.dur("max_session")
	s.AuthParams = c.authParams(t)
	c.account(t, s)
	for _, h := range t.strs("hosts") {
		if strings.Contains(h, "/") || strings.Contains(h, "@") {
			t.add("hosts", fmt.Sprintf("%q is not a host name; write only the host, e.g. \"git.example.com\"", h))
			continue
		}
		s.Hosts = append(s.Hosts, strings.ToLower(h))
	}
}

// reservedParams are set by ssokeeper itself in every authorization request
// (client_secret never is: it would land in the browser's history).
var reservedParams = []string{"response_type", "client_id", "client_secret", "redirect_uri",
	"scope", "state", "code_challenge", "code_challenge_method", "nonce"}

func (c *checker) authParams(t table) map[string]string {
	v, ok := t.raw["auth_params"]
	if !ok {
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		t.add("auth_params", `must be a table, e.g. auth_params = { prompt = "consent" }`)
		return nil
	}
	out := map[string]string{}
	for _, k := range byLine(m, prefixed(t.at.keys, "auth_params.")) {
		field := "auth_params." + k
		s, ok := m[k].(string)
		switch {
		case !ok:
			c.add(t.at.line(field), field, "must be a string in quotes")
		case slices.Contains(reservedParams, k):
			c.add(t.at.line(field), field, "is set by ssokeeper itself; remove it (use scopes or client_id for those)")
		default:
			out[k] = s
		}
	}
	return out
}

// prefixed returns the entries of m under prefix, with the prefix removed.
func prefixed(m map[string]int, prefix string) map[string]int {
	out := map[string]int{}
	for k, v := range m {
		if rest, ok := strings.CutPrefix(k, prefix); ok {
			out[rest] = v
		}
	}
	return out
}

// limits checks durations against each other, once presets filled them in.
func (c *checker) limits(t table, s *Session) {
	if s.RefreshMargin >= maxRefreshMargin {
		t.add("refresh_margin", "is longer than any access token lives, so ssokeeper would refresh without pause; use a few minutes, e.g. \"5m\", or remove it for the automatic margin")
	} else if s.MaxSession > 0 && s.RefreshMargin >= s.MaxSession {
		t.add("refresh_margin", fmt.Sprintf("must be shorter than max_session (%s); use e.g. \"5m\"", s.MaxSession))
	}
	if s.MaxSession > 0 && s.WarnBefore >= s.MaxSession && t.has("warn_before") {
		t.add("warn_before", fmt.Sprintf("must be shorter than max_session (%s), or the warning would show all the time", s.MaxSession))
	}
}
