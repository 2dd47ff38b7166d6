//go:build linux

package presets

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssokeeper/ssokeeper/internal/testkit"
)

// TestProxyCAMissing: behind a TLS-inspecting proxy whose CA this computer
// does not trust, doctor names the certificate's issuer, the proxy and
// what SSL_CERT_FILE holds; a refresh is diagnosed tls_error and keeps
// the refresh token, so the session works again once the CA is trusted.
func TestProxyCAMissing(t *testing.T) {
	testkit.NeedSecretService(t)
	i := startIdPs(t)
	okta := presetNamed(t, "presets-okta")
	m := newMachine(t, i.proxy, configOf([]preset{okta}))
	if r := m.run("", "login", okta.name); r.code != 0 {
		t.Fatalf("login: %s", r)
	}

	otherCA := filepath.Join(t.TempDir(), "other.pem")
	_, pem := throwAwayCA(t, []string{"example.org"})
	if err := os.WriteFile(otherCA, pem, 0o600); err != nil {
		t.Fatal(err)
	}
	notPEM := filepath.Join(t.TempDir(), "ca.der")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		env, fix string
	}{
		{"SSL_CERT_FILE", "add it to the system trust store"},
		{"SSL_CERT_FILE=/nonexistent/ca.pem", "SSL_CERT_FILE=/nonexistent/ca.pem does not exist"},
		{"SSL_CERT_FILE=" + notPEM, "holds no PEM certificate"},
		{"SSL_CERT_FILE=" + otherCA, "does not hold the CA that issued this certificate"},
	} {
		c := c
		t.Run(c.env, func(t *testing.T) {
			got := doctorCheck(t, m.with(c.env), okta.name, "identity provider reachable")
			for _, want := range []string{"the certificate presented for " + oktaHost + ` was issued by "CN=Corporate Proxy CA (test)`, "an authority this computer does not trust",
				"through the proxy " + i.proxy.URL + " (HTTPS_PROXY)"} {
				if got.OK || !strings.Contains(got.Detail, want) {
					t.Errorf("doctor detail %q (ok %t) does not say %q", got.Detail, got.OK, want)
				}
			}
			if !strings.Contains(got.Fix, c.fix) || !strings.Contains(got.Fix, "SSL_CERT_FILE") {
				t.Errorf("doctor fix %q does not say %q", got.Fix, c.fix)
			}
		})
	}

	if r := m.with("SSL_CERT_FILE").run("", "refresh", okta.name); r.code == 0 {
		t.Errorf("refresh without the proxy's CA: %s; want a failure", r)
	}
	want := "the proxy " + i.proxy.URL + " (HTTPS_PROXY) is configured, so it probably inspects TLS"
	if s := statusOf(t, m, okta.name); s.Reason != "tls_error" || !strings.Contains(s.Detail, `issued by "CN=Corporate Proxy CA (test)"`) || !strings.Contains(s.Detail, want) {
		t.Errorf("after a refresh without the proxy's CA: state %q reason %q detail %q, want tls_error naming the issuer and %q", s.State, s.Reason, s.Detail, want)
	}
	if r := m.run("", "refresh", okta.name); r.code != 0 {
		t.Errorf("refresh once the CA is trusted again: %s; the refresh token must have been kept", r)
	}
}

// TestProxyFailures: doctor blames the proxy, not the identity provider,
// when the proxy refuses the IdP's host or does not answer at all.
func TestProxyFailures(t *testing.T) {
	i := startIdPs(t)
	m := newMachine(t, i.proxy, `[[session]]
name = "blocked"
provider = "keycloak"
base_url = "https://blocked.example.com"
realm = "main"
client_id = "c"
`)
	c := doctorCheck(t, m, "blocked", "identity provider reachable")
	if c.OK || !strings.Contains(c.Detail, "the proxy "+i.proxy.URL+" (HTTPS_PROXY) refused to connect to blocked.example.com (403 Forbidden)") ||
		!strings.Contains(c.Fix, "ask your IT team to allow blocked.example.com, or add it to NO_PROXY") {
		t.Errorf("proxy refuses the host: %+v", c)
	}
	c = doctorCheck(t, m.with("HTTPS_PROXY=http://127.0.0.1:1"), "blocked", "identity provider reachable")
	if c.OK || !strings.Contains(c.Detail, "the proxy http://127.0.0.1:1 (HTTPS_PROXY) is not answering (connection refused)") || !strings.Contains(c.Fix, "Check HTTPS_PROXY") {
		t.Errorf("proxy down: %+v", c)
	}
}

// TestProxyLiveDiagnosis: a refresh the proxy fails is diagnosed as the
// proxy's fault in status (retrying, refresh token kept), in words that
// name the proxy and never its password; with the right credentials in
// HTTPS_PROXY the refresh goes through.
func TestProxyLiveDiagnosis(t *testing.T) {
	testkit.NeedSecretService(t)
	i := startIdPs(t)
	okta := presetNamed(t, "presets-okta")
	m := newMachine(t, i.proxy, configOf([]preset{okta}))
	if r := m.run("", "login", okta.name); r.code != 0 {
		t.Fatalf("login: %s", r)
	}
	const password = "Pr0xy-pa55word"
	i.proxy.RequireAuth("alice", password)
	withUser := func(pw string) string {
		return "HTTPS_PROXY=" + strings.Replace(i.proxy.URL, "http://", "http://alice:"+pw+"@", 1)
	}
	for _, c := range []struct {
		name, env, detail string
	}{
		{"no credentials", "HTTPS_PROXY=" + i.proxy.URL,
			"the proxy " + i.proxy.URL + " (HTTPS_PROXY) needs authentication (407) for " + oktaHost},
		{"wrong password", withUser("wrong-" + password),
			"the proxy " + i.proxy.URL + " (HTTPS_PROXY) rejected its user:password (407) for " + oktaHost},
		{"proxy down", "HTTPS_PROXY=http://alice:" + password + "@127.0.0.1:1",
			"the proxy http://127.0.0.1:1 (HTTPS_PROXY) is not answering (connection refused)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if r := m.with(c.env).run("", "refresh", okta.name); r.code == 0 {
				t.Fatalf("refresh: %s; want a failure", r)
			}
			s := statusOf(t, m, okta.name)
			if s.Reason != "idp_unreachable" || s.State != "retrying" || !strings.Contains(s.Detail, c.detail) {
				t.Errorf("status: state %q reason %q detail %q; want retrying, idp_unreachable, %q", s.State, s.Reason, s.Detail, c.detail)
			}
			if text := m.run("", "status").stdout; !strings.Contains(text, "The connection failed: "+c.detail) {
				t.Errorf("status does not say %q:\n%s", "The connection failed: "+c.detail, text)
			}
		})
	}
	if r := m.with(withUser(password)).run("", "refresh", okta.name); r.code != 0 {
		t.Errorf("refresh with the proxy's credentials: %s; the refresh token must have been kept", r)
	}
	for _, out := range *m.printed {
		if strings.Contains(out, password) {
			t.Errorf("the proxy's password was printed: %s", out)
		}
	}
}
