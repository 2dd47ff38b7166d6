//go:build linux

package presets

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/ssokeeper/ssokeeper/internal/testkit"
)

// A client ID as each IdP spells them.
const (
	entraClient    = "11111111-2222-3333-4444-555555555555"
	oktaClient     = "0oa1b2c3d4e5f6g7h8i9"
	googleClient   = "123456789012-presets.apps.googleusercontent.com"
	auth0Client    = "aBcDeFgHiJkLmNoPqRsTuVwXyZ012345"
	keycloakClient = "ssokeeper"
	auth0Audience  = "https://api.example.com"
)

// idps are the fake IdPs of one test, reachable through one proxy.
type idps struct {
	entra, okta, google, auth0, keycloak *op
	proxy                                *proxy
}

func startIdPs(t *testing.T) *idps {
	t.Helper()
	i := &idps{
		entra:    newOP(t, entraClient, entra(entraClient)),
		okta:     newOP(t, oktaClient, okta()),
		google:   newOP(t, googleClient, google()),
		auth0:    newOP(t, auth0Client, auth0(auth0Audience)),
		keycloak: newOP(t, keycloakClient, keycloak()),
	}
	i.proxy = startProxy(t, map[string]http.Handler{
		entraHost:               i.entra,
		oktaHost:                i.okta,
		"accounts.google.com":   i.google,
		"oauth2.googleapis.com": i.google,
		"www.googleapis.com":    i.google,
		auth0Host:               i.auth0,
		keycloakHost:            i.keycloak,
	})
	return i
}

// preset is one session as the README tells a user to write it.
type preset struct {
	name   string
	config string // the [[session]] table after its name
	op     func(*idps) *op
	// sends: authorization-request parameters the preset must send;
	// "scope" lists scopes that must be in it, "-scope" scopes that must not.
	sends map[string]string
	// tenant: what doctor must say about an entra session's tenant.
	tenant string
}

var presets = []preset{
	{name: "presets-entra-domain", config: `provider = "entra"
tenant = "contoso.onmicrosoft.com"
client_id = "` + entraClient + `"`,
		op: func(i *idps) *op { return i.entra }, sends: map[string]string{"scope": "openid offline_access"},
		tenant: `tenant "contoso.onmicrosoft.com" resolves to tenant ID ` + tenantID},
	{name: "presets-entra-id", config: `provider = "entra"
tenant = "` + tenantID + `"
client_id = "` + entraClient + `"`,
		op: func(i *idps) *op { return i.entra }, sends: map[string]string{"scope": "openid offline_access"},
		tenant: "tenant ID " + tenantID},
	{name: "presets-entra-common", config: `provider = "entra"
tenant = "common"
client_id = "` + entraClient + `"`,
		op: func(i *idps) *op { return i.entra }, sends: map[string]string{"scope": "openid offline_access"},
		tenant: `tenant "common": each account's own tenant ID`},
	{name: "presets-entra-organizations", config: `provider = "entra"
client_id = "` + entraClient + `"`, // organizations is the default
		op: func(i *idps) *op { return i.entra }, sends: map[string]string{"scope": "openid offline_access"},
		tenant: `tenant "organizations": each account's own tenant ID`},
	{name: "presets-entra-consumers", config: `provider = "entra"
tenant = "consumers"
client_id = "` + entraClient + `"`,
		op: func(i *idps) *op { return i.entra }, sends: map[string]string{"scope": "openid offline_access"},
		tenant: `tenant "consumers" resolves to tenant ID ` + consumersTenantID},
	{name: "presets-okta-org", config: `provider = "okta"
domain = "` + oktaHost + `"
client_id = "` + oktaClient + `"`,
		op: func(i *idps) *op { return i.okta }, sends: map[string]string{"scope": "openid offline_access"}},
	{name: "presets-okta", config: `provider = "okta"
domain = "` + oktaHost + `"
auth_server = "default"
client_id = "` + oktaClient + `"`,
		op: func(i *idps) *op { return i.okta }, sends: map[string]string{"scope": "openid offline_access"}},
	{name: "presets-google", config: `provider = "google"
client_id = "` + googleClient + `"
client_secret = true`,
		op: func(i *idps) *op { return i.google },
		sends: map[string]string{"scope": "openid", "-scope": "offline_access",
			"access_type": "offline", "prompt": "consent"}},
	{name: "presets-auth0", config: `provider = "auth0"
domain = "` + auth0Host + `"
audience = "` + auth0Audience + `"
client_id = "` + auth0Client + `"`,
		op: func(i *idps) *op { return i.auth0 }, sends: map[string]string{"scope": "openid offline_access", "audience": auth0Audience}},
	{name: "presets-keycloak", config: `provider = "keycloak"
base_url = "https://` + keycloakHost + `"
realm = "main"
client_id = "` + keycloakClient + `"`,
		op: func(i *idps) *op { return i.keycloak }, sends: map[string]string{"scope": "openid"}},
}

func presetNamed(t *testing.T, name string) preset {
	for _, p := range presets {
		if p.name == name {
			return p
		}
	}
	t.Fatalf("no preset %s", name)
	return preset{}
}

func configOf(ps []preset) string {
	var b strings.Builder
	for _, p := range ps {
		fmt.Fprintf(&b, "[[session]]\nname = %q\n%s\n\n", p.name, p.config)
	}
	return b.String()
}

// TestPresetsAtTheirRealHostnames: for every preset, sign in (the
// authorization request carries the preset's quirks), refresh (twice: a
// rotated refresh token was stored), hand out the new access token, and
// diagnose the IdP's real reply to a dead refresh token; all through a
// TLS-inspecting proxy, as a user behind one would.
func TestPresetsAtTheirRealHostnames(t *testing.T) {
	testkit.NeedSecretService(t)
	i := startIdPs(t)
	m := newMachine(t, i.proxy, configOf(presets))
	// The README's step for a client with a secret (Google's desktop clients).
	if r := m.run(googleSecret+"\n", "secret", "set", "presets-google"); r.code != 0 {
		t.Fatalf("secret set: %s", r)
	}
	for _, p := range presets {
		t.Run(p.name, func(t *testing.T) {
			o := p.op(i)
			if r := m.run("", "login", p.name); r.code != 0 || !strings.Contains(r.stderr, "Signed in to "+p.name) {
				t.Fatalf("login: %s", r)
			}
			before := o.seen()
			checkSends(t, before.authQueries[len(before.authQueries)-1], p.sends)

			for n := 1; n <= 2; n++ {
				if r := m.run("", "refresh", p.name); r.code != 0 {
					t.Fatalf("refresh %d: %s", n, r)
				}
			}
			if n := o.seen().refreshes - before.refreshes; n != 2 {
				t.Errorf("the IdP redeemed %d refresh tokens, want 2", n)
			}
			// A new process holds no access token: it refreshes once more.
			r := m.run("", "token", p.name)
			if issued := o.seen().lastToken; r.code != 0 || strings.TrimSpace(r.stdout) != issued {
				t.Errorf("token: %s; want the access token the IdP issued last, %q", r, issued)
			}

			if p.tenant != "" {
				if c := doctorCheck(t, m, p.name, "identity provider reachable"); !c.OK || !strings.Contains(c.Detail, p.tenant) {
					t.Errorf("doctor: %+v; want it to say %q", c, p.tenant)
				}
			}

			for _, host := range hostsOf(o) {
				if !i.proxy.Reached(host) {
					t.Errorf("the proxy was never asked for %s", host)
				}
			}

			o.setRevoked(true)
			defer o.setRevoked(false)
			want := readReply(t, o.shape.revoked).Want
			if r := m.run("", "refresh", p.name); r.code != 1 {
				t.Errorf("refresh with a dead refresh token: %s; want exit 1", r)
			}
			if s := statusOf(t, m, p.name); s.Reason != want || s.State != "needs_login" {
				t.Errorf("after %s: state %q reason %q, want needs_login %q (%s)", o.shape.revoked, s.State, s.Reason, want, s.Message)
			}
		})
	}
	// No command ever printed a refresh token.
	for _, o := range []*op{i.entra, i.okta, i.google, i.auth0, i.keycloak} {
		for _, rt := range o.seen().refreshTokens {
			for _, out := range *m.printed {
				if strings.Contains(out, rt) {
					t.Fatalf("a refresh token (%.6s…) was printed by a command", rt)
				}
			}
		}
	}
}

// hostsOf lists the hosts an IdP's discovery documents name.
func hostsOf(o *op) []string {
	var hosts []string
	for _, tn := range o.shape.tenants {
		for _, k := range []string{"authorization_endpoint", "token_endpoint", "jwks_uri"} {
			if u, err := url.Parse(tn.doc[k].(string)); err == nil && !slices.Contains(hosts, u.Host) {
				hosts = append(hosts, u.Host)
			}
		}
	}
	return hosts
}

// checkSends checks an authorization request against a preset's quirks.
func checkSends(t *testing.T, q url.Values, sends map[string]string) {
	t.Helper()
	for k, v := range sends {
		switch k {
		case "scope":
			for _, s := range strings.Fields(v) {
				if !slices.Contains(scopes(q), s) {
					t.Errorf("scope %q lacks %s", q.Get("scope"), s)
				}
			}
		case "-scope":
			if slices.Contains(scopes(q), v) {
				t.Errorf("scope %q has %s", q.Get("scope"), v)
			}
		default:
			if q.Get(k) != v {
				t.Errorf("authorization request: %s = %q, want %q", k, q.Get(k), v)
			}
		}
	}
}

type sessionStatus struct {
	Name, State, Reason, Message, Detail string
}

func statusOf(t *testing.T, m *machine, name string) sessionStatus {
	t.Helper()
	r := m.run("", "status", "--json")
	var st struct{ Sessions []sessionStatus }
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil {
		t.Fatalf("status --json: %v (%s)", err, r)
	}
	for _, s := range st.Sessions {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("status --json has no session %s: %s", name, r)
	return sessionStatus{}
}

type check struct {
	Name, Detail, Fix string
	OK                bool
}

// doctorCheck runs `doctor --json name` and returns the check called what.
func doctorCheck(t *testing.T, m *machine, name, what string) check {
	t.Helper()
	r := m.run("", "doctor", "--json", name)
	var rep struct {
		Sessions []struct {
			Name   string
			Checks []check
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("doctor --json: %v (%s)", err, r)
	}
	for _, s := range rep.Sessions {
		for _, c := range s.Checks {
			if s.Name == name && c.Name == what {
				return c
			}
		}
	}
	t.Fatalf("doctor has no check %q for %s: %s", what, name, r)
	return check{}
}
