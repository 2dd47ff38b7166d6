package awssso

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/awssso/ssooidctest"
)

// TestAWSCLIUsesCacheWithoutRefreshing runs the real AWS CLI (Debian's
// awscli: botocore) on the cache file ssokeeper wrote, and checks that it
// uses the token as it is. All of the CLI's HTTPS goes through a CONNECT
// proxy on 127.0.0.1 to a fake AWS (SSO portal, STS, SSO OIDC) whose
// certificate the CLI trusts through AWS_CA_BUNDLE; nothing leaves the
// machine.
func TestAWSCLIUsesCacheWithoutRefreshing(t *testing.T) {
	t.Parallel()
	c := newCLIFixture(t, time.Hour)
	c.run(t)
	if got := c.fake.bearer(); got != c.tok.AccessToken {
		t.Errorf("the SSO portal got a bearer token that is not the access token ssokeeper wrote (got %d bytes)", len(got))
	}
	if n := c.srv.Count("/token", "refresh_token"); n != c.refreshes {
		t.Errorf("the AWS CLI refreshed the token itself (%d refreshes), though ssokeeper's was valid", n-c.refreshes)
	}
	for _, h := range c.fake.hosts() {
		if strings.HasPrefix(h, "oidc.") {
			t.Errorf("the AWS CLI contacted SSO OIDC (%s): it did not accept the cached token", h)
		}
	}
}

// TestAWSCLIRefreshesFromOurFile checks the other side: a token inside the
// CLI's 15-minute window is refreshed by the CLI from the fields ssokeeper
// wrote (so they are all there and well formed), and ssokeeper imports
// what the CLI wrote back.
func TestAWSCLIRefreshesFromOurFile(t *testing.T) {
	t.Parallel()
	c := newCLIFixture(t, 10*time.Minute)
	c.run(t)
	if n := c.srv.Count("/token", "refresh_token"); n != c.refreshes+1 {
		t.Fatalf("the AWS CLI made %d refreshes, want 1: the cache file lacks what it needs to refresh", n-c.refreshes)
	}
	got, err := c.p.Import()
	if err != nil {
		t.Fatal(err)
	}
	if got.AccessToken == c.tok.AccessToken || got.AccessToken != c.fake.bearer() {
		t.Error("Import does not return the token the AWS CLI refreshed and used")
	}
}

type cliFixture struct {
	*fixture
	aws       string
	home      string
	fake      *fakeAWS
	tok       *session.Tokens
	refreshes int
}

// newCLIFixture signs in and refreshes once, as the agent would, with
// access tokens lasting ttl: the file the CLI reads is the one the
// refresh wrote.
func newCLIFixture(t *testing.T, ttl time.Duration) *cliFixture {
	t.Helper()
	aws := findAWSCLI(t)
	f := newFixture(t)
	f.clk.t = time.Now().UTC() // the CLI checks expiresAt on the real clock
	f.srv.SetAccessTTL(ttl)
	home := t.TempDir()
	f.cacheDir = filepath.Join(home, ".aws", "sso", "cache")
	p, err := New(testSession(), Options{HTTPClient: f.srv.Client(), Now: f.clk.Now,
		CacheDir: f.cacheDir, Endpoint: f.srv.URL, RegistrationDir: filepath.Join(home, "state")})
	if err != nil {
		t.Fatal(err)
	}
	f.p = p
	tok, err := p.Login(context.Background(), session.LoginRequest{OpenURL: newBrowser().open})
	if err != nil {
		t.Fatal(err)
	}
	if tok, err = p.Refresh(context.Background(), tok.RefreshToken); err != nil {
		t.Fatal(err)
	}
	return &cliFixture{fixture: f, aws: aws, home: home, fake: startFakeAWS(t, f.srv), tok: tok,
		refreshes: f.srv.Count("/token", "refresh_token")}
}

// run runs `aws sts get-caller-identity` with a profile of the session.
func (c *cliFixture) run(t *testing.T) {
	t.Helper()
	cfg := filepath.Join(c.home, "config")
	writeFile(t, cfg, `[profile p]
sso_session = prod
sso_account_id = 123456789012
sso_role_name = Admin
region = eu-west-1

[sso-session prod]
sso_start_url = https://d-1234567890.awsapps.com/start
sso_region = eu-west-1
sso_registration_scopes = sso:account:access
`)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.aws, "sts", "get-caller-identity", "--profile", "p", "--output", "json")
	cmd.Env = awsEnv(c.aws, map[string]string{
		"HOME":                        c.home,
		"AWS_CONFIG_FILE":             cfg,
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(c.home, "credentials"),
		"AWS_CA_BUNDLE":               c.fake.caFile,
		"HTTPS_PROXY":                 c.fake.proxyURL,
		"https_proxy":                 c.fake.proxyURL,
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_PAGER":                   "",
	})
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s sts get-caller-identity: %v\n%s\nproxied hosts: %v", c.aws, err, out, c.fake.hosts())
	}
	var id struct{ Arn, Account string }
	if err := json.Unmarshal(out, &id); err != nil || id.Account != "123456789012" {
		t.Fatalf("aws printed %s (%v)", out, err)
	}
	if !c.fake.stsSignedWithPortalKey() {
		t.Error("STS was not called with the role credentials from the SSO portal")
	}
}

func findAWSCLI(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("SSOKEEPER_AWSCLI"); p != "" { // another aws to try
		return p
	}
	if _, err := os.Stat("/usr/bin/aws"); err == nil {
		return "/usr/bin/aws"
	}
	if p, err := exec.LookPath("aws"); err == nil {
		return p
	}
	if os.Getenv("SSOKEEPER_REQUIRE_AWSCLI") == "1" {
		t.Fatal("no aws binary found and SSOKEEPER_REQUIRE_AWSCLI=1: install Debian's awscli package")
	}
	t.Skip("no aws binary (install Debian's awscli package to run this test)")
	return ""
}

// awsEnv is the environment without any AWS or proxy setting of the
// person running the tests, plus set.
func awsEnv(aws string, set map[string]string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "AWS_") || strings.EqualFold(k, "HTTPS_PROXY") || strings.EqualFold(k, "HTTP_PROXY") ||
			strings.EqualFold(k, "NO_PROXY") || strings.EqualFold(k, "ALL_PROXY") || k == "HOME" {
			continue
		}
		env = append(env, kv)
	}
	// A pyenv shim finds its Python under $HOME/.pyenv unless told.
	if i := strings.Index(aws, "/.pyenv/"); i >= 0 && os.Getenv("PYENV_ROOT") == "" {
		env = append(env, "PYENV_ROOT="+aws[:i+len("/.pyenv")])
	}
	for k, v := range set {
		env = append(env, k+"="+v)
	}
	return env
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// fakeAWS is an HTTPS server standing in for the AWS endpoints the CLI
// uses, reached through a CONNECT proxy that records each host.
type fakeAWS struct {
	caFile, proxyURL string

	mu        sync.Mutex
	connected []string
	gotBearer string
	stsAuth   string
	keyID     string
}

func (f *fakeAWS) hosts() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.connected...)
}
func (f *fakeAWS) bearer() string { f.mu.Lock(); defer f.mu.Unlock(); return f.gotBearer }
func (f *fakeAWS) stsSignedWithPortalKey() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.keyID != "" && strings.Contains(f.stsAuth, "Credential="+f.keyID+"/")
}

func startFakeAWS(t *testing.T, oidc *ssooidctest.Server) *fakeAWS {
	t.Helper()
	f := &fakeAWS{keyID: "ASIAFAKEKEYFORTESTS1"}
	caPEM, leaf := testCerts(t, "portal.sso.eu-west-1.amazonaws.com", "oidc.eu-west-1.amazonaws.com",
		"sts.eu-west-1.amazonaws.com", "sts.amazonaws.com")
	f.caFile = filepath.Join(t.TempDir(), "ca.pem")
	writeFile(t, f.caFile, string(caPEM))

	oidcURL, _ := url.Parse(oidc.URL)
	toOIDC := httputil.NewSingleHostReverseProxy(oidcURL)
	api := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.Host, "oidc."):
			toOIDC.ServeHTTP(w, r)
		case r.URL.Path == "/federation/credentials": // SSO portal GetRoleCredentials
			f.mu.Lock()
			f.gotBearer = r.Header.Get("x-amz-sso_bearer_token")
			f.mu.Unlock()
			if r.URL.Query().Get("role_name") != "Admin" || r.URL.Query().Get("account_id") != "123456789012" {
				http.Error(w, `{"message":"unknown role"}`, http.StatusForbidden)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"roleCredentials":{"accessKeyId":%q,"secretAccessKey":"fake-secret","sessionToken":"fake-session","expiration":%d}}`,
				f.keyID, time.Now().Add(time.Hour).UnixMilli())
		case strings.HasPrefix(r.Host, "sts."): // STS GetCallerIdentity
			f.mu.Lock()
			f.stsAuth = r.Header.Get("Authorization")
			f.mu.Unlock()
			w.Header().Set("Content-Type", "text/xml")
			io.WriteString(w, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>`+
				`<Arn>arn:aws:sts::123456789012:assumed-role/Admin/test</Arn><UserId>AROAFAKE:test</UserId><Account>123456789012</Account>`+
				`</GetCallerIdentityResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>`)
		default:
			http.NotFound(w, r)
		}
	}))
	api.TLS = &tls.Config{Certificates: []tls.Certificate{leaf}}
	api.StartTLS()
	t.Cleanup(api.Close)

	// The proxy tunnels every CONNECT to the fake, whatever host was asked.
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodConnect {
			http.Error(w, "only CONNECT", http.StatusMethodNotAllowed)
			return
		}
		f.mu.Lock()
		f.connected = append(f.connected, r.Host)
		f.mu.Unlock()
		up, err := net.Dial("tcp", api.Listener.Addr().String())
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			up.Close()
			return
		}
		io.WriteString(conn, "HTTP/1.1 200 Connection Established\r\n\r\n")
		go func() { io.Copy(up, buf); up.Close() }()
		io.Copy(conn, up)
		conn.Close()
	}))
	t.Cleanup(proxy.Close)
	f.proxyURL = proxy.URL
	return f
}

// testCerts makes a CA and a server certificate for names.
func testCerts(t *testing.T, names ...string) (caPEM []byte, leaf tls.Certificate) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ssokeeper test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: names[0]}, DNSNames: names,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}
