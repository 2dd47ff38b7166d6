package doctor_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ssokeeper/ssokeeper/internal/doctor"
	"github.com/ssokeeper/ssokeeper/session/config"
)

func TestClock(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 300e6, time.UTC)
	date := func(d time.Duration) time.Time { return now.Add(d).Truncate(time.Second) }
	for _, tc := range []struct {
		name   string
		probe  doctor.Probe
		ok     bool
		detail string
	}{
		{"same", doctor.Probe{Local: now, Date: date(0)}, true, "within a second of"},
		{"ahead within", doctor.Probe{Local: now, Date: date(-90 * time.Second)}, true, "90 s ahead of"},
		{"ahead beyond", doctor.Probe{Local: now, Date: date(-3 * time.Minute)}, false, "180 s ahead of"},
		{"behind beyond", doctor.Probe{Local: now, Date: date(10 * time.Minute)}, false, "600 s behind"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := doctor.Clock(tc.probe, 2*time.Minute)
			if tc.ok {
				wantPass(t, c)
			} else {
				wantFail(t, c, tc.detail, "NTP")
			}
			if !strings.Contains(c.Detail, tc.detail) {
				t.Errorf("detail %q, want %q", c.Detail, tc.detail)
			}
		})
	}
	if c := doctor.Clock(doctor.Probe{}, 0); !c.OK || !c.Warn {
		t.Errorf("unmeasured clock: want a warning, got %+v", c)
	}
}

func TestScopes(t *testing.T) {
	for _, tc := range []struct {
		s    config.Session
		warn bool
	}{
		{config.Session{Provider: "oidc", Scopes: []string{"openid", "offline_access"}}, false},
		{config.Session{Provider: "keycloak", Scopes: []string{"openid", "profile"}}, true},
		{config.Session{Provider: "google", AuthParams: map[string]string{"access_type": "offline"}}, false},
		{config.Session{Provider: "google", AuthParams: map[string]string{"access_type": "online"}}, true},
		{config.Session{Provider: "aws-sso"}, false},
	} {
		c := doctor.Scopes(tc.s)
		if !c.OK || c.Warn != tc.warn {
			t.Errorf("%s %v %v: ok=%v warn=%v (%s), want warn=%v", tc.s.Provider, tc.s.Scopes, tc.s.AuthParams, c.OK, c.Warn, c.Detail, tc.warn)
		}
	}
}

func TestDiscoveryNamesTheCertificateProblem(t *testing.T) {
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	defer srv.Close()
	c, _ := doctor.Discovery(context.Background(), doctor.NewHTTPClient(), config.Session{Issuer: srv.URL})
	wantFail(t, c, "an authority this computer does not trust", "CA certificate")
}

func TestDiscoveryWrongIssuer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/realms/main/.well-known/openid-configuration" {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(`{"issuer":"https://id.example.com/realms/main","token_endpoint":"https://id.example.com/token"}`))
	}))
	defer srv.Close()
	hc := doctor.NewHTTPClient()
	c, p := doctor.Discovery(context.Background(), hc, config.Session{Issuer: srv.URL + "/realms/main"})
	wantFail(t, c, `names the issuer "https://id.example.com/realms/main"`, `issuer = "https://id.example.com/realms/main"`)
	if p.Date.IsZero() {
		t.Error("no Date read from the reply")
	}
	c, _ = doctor.Discovery(context.Background(), hc, config.Session{Issuer: srv.URL + "/realms/typo"})
	wantFail(t, c, "404 Not Found", "issuer address is probably wrong")
}

func TestAWSEndpoint(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler()) // SSO OIDC answers GET / with an error: reachable
	c, _ := doctor.Endpoint(context.Background(), doctor.NewHTTPClient(), srv.URL)
	wantPass(t, c)
	srv.Close()
	c, _ = doctor.Endpoint(context.Background(), doctor.NewHTTPClient(), srv.URL)
	wantFail(t, c, "refused", "network")
}

// An aws-sso session is checked at its SSO OIDC endpoint, which the AWS
// SDKs' own variable points at a loopback server here.
func TestRunChecksTheAWSEndpoint(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	t.Setenv("AWS_ENDPOINT_URL_SSO_OIDC", srv.URL)
	t.Setenv("SSOKEEPER_STATE_DIR", t.TempDir())
	cfg := &config.Config{Sessions: []config.Session{{Name: "aws", Provider: "aws-sso", SSOSession: "prod",
		StartURL: "https://d-1234567890.awsapps.com/start", Region: "eu-west-1"}}}
	f := newFixture(t)
	in := f.input(false)
	in.Load = func(string) (*config.Config, error) { return cfg, nil }
	in.OpenLocal = nil
	rep, err := doctor.Run(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	c := rep.Sessions[0].Checks[1]
	wantPass(t, c)
	if !strings.Contains(c.Detail, srv.URL) {
		t.Errorf("detail %q does not name the endpoint %s", c.Detail, srv.URL)
	}
	wantPass(t, rep.Sessions[0].Checks[2]) // the clock, from the endpoint's Date
	wantFail(t, rep.Sessions[0].Checks[5], "the agent is not running", "")
}

// toLoopback sends every request to srv, whatever its host: doctor asks
// login.microsoftonline.com, a loopback server answers.
type toLoopback struct{ srv *httptest.Server }

func (l toLoopback) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.URL.Scheme, r.URL.Host = "http", strings.TrimPrefix(l.srv.URL, "http://")
	return http.DefaultTransport.RoundTrip(r)
}

// TestDiscoveryEntraTenant: doctor checks an Entra document's issuer by
// Microsoft's rules and shows the tenant ID a domain resolves to.
func TestDiscoveryEntraTenant(t *testing.T) {
	const tid = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	issuers := map[string]string{ // discovery path → issuer it names
		"/contoso.onmicrosoft.com/v2.0": "https://login.microsoftonline.com/" + tid + "/v2.0",
		"/" + tid + "/v2.0":             "https://login.microsoftonline.com/" + tid + "/v2.0",
		"/organizations/v2.0":           "https://login.microsoftonline.com/{tenantid}/v2.0",
		"/fabrikam.com/v2.0":            "https://login.evil.example/" + tid + "/v2.0",
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		iss, ok := issuers[strings.TrimSuffix(r.URL.Path, "/.well-known/openid-configuration")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(`{"issuer":"` + iss + `","token_endpoint":"https://login.microsoftonline.com/x/oauth2/v2.0/token"}`))
	}))
	defer srv.Close()
	hc := &http.Client{Transport: toLoopback{srv}}
	entra := func(tenant string) config.Session {
		return config.Session{Provider: "entra", Tenant: tenant, Issuer: "https://login.microsoftonline.com/" + tenant + "/v2.0"}
	}
	for tenant, want := range map[string]string{
		"contoso.onmicrosoft.com": `tenant "contoso.onmicrosoft.com" resolves to tenant ID ` + tid,
		tid:                       "; tenant ID " + tid,
		"organizations":           `tenant "organizations": each account's own tenant ID`,
	} {
		c, _ := doctor.Discovery(context.Background(), hc, entra(tenant))
		wantPass(t, c)
		if !strings.Contains(c.Detail, want) {
			t.Errorf("tenant %s: detail %q does not say %q", tenant, c.Detail, want)
		}
	}
	c, _ := doctor.Discovery(context.Background(), hc, entra("fabrikam.com"))
	wantFail(t, c, "not an Entra tenant's issuer", `tenant = "contoso.onmicrosoft.com"`)
}
