package health

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ssokeeper/ssokeeper/internal/testproxy"
)

// Each test refreshes through a real proxy on 127.0.0.1, as a user behind a
// corporate proxy does, and checks the diagnosis blames the proxy.

const (
	idpHost       = "idp.example.test"
	tokenURL      = "https://" + idpHost + "/token"
	proxyPassword = "s3cret-Proxy-pw"
)

// throughProxy returns a client whose requests go through proxyURL and
// trust roots, and makes Classify see that proxy as the environment's
// HTTPS_PROXY, as the agent's transport (ProxyFromEnvironment) does.
func throughProxy(t *testing.T, proxyURL string, roots *x509.CertPool, timeout time.Duration) *http.Client {
	t.Helper()
	u, err := url.Parse(proxyURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := http.ProxyURL(u)
	saved := proxyFromEnvironment
	proxyFromEnvironment = proxy
	t.Cleanup(func() { proxyFromEnvironment = saved })
	return &http.Client{
		Timeout:   timeout,
		Transport: &http.Transport{Proxy: proxy, TLSClientConfig: &tls.Config{RootCAs: roots}},
	}
}

// withPassword puts user:proxyPassword into a proxy URL.
func withPassword(proxyURL string) string {
	return strings.Replace(proxyURL, "http://", "http://alice:"+proxyPassword+"@", 1)
}

func caPool(t *testing.T, file string) *x509.CertPool {
	t.Helper()
	pem, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("%s holds no certificate", file)
	}
	return pool
}

// wantProxyDiagnosis checks a transient, retrying diagnosis that keeps
// the refresh token, names the proxy and never the proxy's password.
func wantProxyDiagnosis(t *testing.T, err error, reason Reason, detail ...string) Diagnosis {
	t.Helper()
	d := Classify(err)
	if d.Reason != reason || !d.Transient || d.RefreshTokenDead() || Describe(d.Reason).State != Retrying {
		t.Fatalf("got %+v for %v, want a transient %s that keeps retrying", d, err, reason)
	}
	for _, s := range detail {
		if !strings.Contains(d.Detail, s) {
			t.Errorf("detail = %q, want it to contain %q", d.Detail, s)
		}
	}
	if strings.Contains(d.Detail, proxyPassword) || strings.Contains(d.Detail, "alice") {
		t.Errorf("detail %q shows the proxy's user or password", d.Detail)
	}
	checkDetailShape(t, d.Detail)
	return d
}

func TestClassifyProxyRefusesHost(t *testing.T) {
	p := testproxy.Start(t, nil) // reaches no host: 403 Forbidden to every CONNECT
	client := throughProxy(t, withPassword(p.URL), nil, 5*time.Second)
	d := wantProxyDiagnosis(t, refresh(t, client, tokenURL, "rt"), IdPUnreachable,
		"the proxy "+p.URL+" (HTTPS_PROXY) refused to connect to "+idpHost+" (403 Forbidden)",
		"ask IT to allow it, or add it to NO_PROXY")
	if !p.Reached(idpHost) {
		t.Error("the request never reached the proxy")
	}
	if strings.HasPrefix(d.Detail, "Forbidden") {
		t.Errorf("detail %q words the proxy's refusal as the identity provider's", d.Detail)
	}
}

func TestClassifyProxyOwnReasonPhrase(t *testing.T) {
	proxy := serve(t, func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		buf.WriteString("HTTP/1.1 403 Blocked by policy: uncategorised site\r\nContent-Length: 0\r\n\r\n")
		buf.Flush()
	})
	client := throughProxy(t, proxy.URL, nil, 5*time.Second)
	wantProxyDiagnosis(t, refresh(t, client, tokenURL, "rt"), IdPUnreachable,
		"the proxy "+proxy.URL+" (HTTPS_PROXY) refused to connect to "+idpHost+" (Blocked by policy: uncategorised site)")
}

func TestClassifyProxyCannotReachIdP(t *testing.T) {
	// A proxy whose own way to the identity provider is down, as Squid
	// answers when it cannot resolve or reach the host.
	proxy := serve(t, func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "upstream unreachable", http.StatusBadGateway)
	})
	client := throughProxy(t, proxy.URL, nil, 5*time.Second)
	wantProxyDiagnosis(t, refresh(t, client, tokenURL, "rt"), IdPUnreachable,
		"the proxy "+proxy.URL+" (HTTPS_PROXY) could not connect to "+idpHost+" (502 Bad Gateway)")
}

func TestClassifyProxyNeedsAuthentication(t *testing.T) {
	idp := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"error":"invalid_grant","error_description":"Token is not active"}`))
	})
	p := testproxy.Start(t, map[string]http.Handler{idpHost: idp})
	p.RequireAuth("alice", proxyPassword)
	roots := caPool(t, p.CAFile)

	t.Run("no credentials", func(t *testing.T) {
		client := throughProxy(t, p.URL, roots, 5*time.Second)
		wantProxyDiagnosis(t, refresh(t, client, tokenURL, "rt"), IdPUnreachable,
			"the proxy "+p.URL+" (HTTPS_PROXY) needs authentication (407) for "+idpHost,
			"put user:password@ in it, or add "+idpHost+" to NO_PROXY")
	})
	t.Run("wrong password", func(t *testing.T) {
		client := throughProxy(t, strings.Replace(p.URL, "http://", "http://alice:wrong-"+proxyPassword+"@", 1), roots, 5*time.Second)
		wantProxyDiagnosis(t, refresh(t, client, tokenURL, "rt"), IdPUnreachable,
			"the proxy "+p.URL+" (HTTPS_PROXY) rejected its user:password (407) for "+idpHost, "fix it (percent-encode)")
	})
	t.Run("right password", func(t *testing.T) {
		// Through the proxy, the identity provider's own answer is read.
		client := throughProxy(t, withPassword(p.URL), roots, 5*time.Second)
		if d := Classify(refresh(t, client, tokenURL, "rt")); d.Reason == IdPUnreachable || !strings.Contains(d.Detail, "Token is not active") {
			t.Errorf("got %+v, want the identity provider's invalid_grant", d)
		}
	})
}

func TestClassifyProxyDown(t *testing.T) {
	ln := listen(t)
	proxyURL := "http://" + ln.Addr().String()
	ln.Close() // nothing listens there any more
	client := throughProxy(t, withPassword(proxyURL), nil, 5*time.Second)
	wantProxyDiagnosis(t, refresh(t, client, tokenURL, "rt"), IdPUnreachable,
		"the proxy "+proxyURL+" (HTTPS_PROXY) is not answering (connection refused), so "+idpHost+" cannot be reached")
}

func TestClassifyProxySilent(t *testing.T) {
	proxyURL := "http://" + silentServer(t) // takes the connection, never answers CONNECT
	client := throughProxy(t, withPassword(proxyURL), nil, 100*time.Millisecond)
	wantProxyDiagnosis(t, refresh(t, client, tokenURL, "rt"), IdPUnreachable,
		"no answer from "+idpHost+" in time; the connection goes through the proxy "+proxyURL+" (HTTPS_PROXY)")
}

// TestClassifyProxyBlackHoled: a proxy address that swallows the TCP
// handshake (a firewall dropping packets) until the dialer's timeout.
// Loopback always answers, so the dialer fails as it then would.
func TestClassifyProxyBlackHoled(t *testing.T) {
	proxyURL := "http://192.0.2.1:3128" // TEST-NET-1, never dialled here
	client := throughProxy(t, withPassword(proxyURL), nil, 5*time.Second)
	client.Transport.(*http.Transport).DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		return nil, &net.OpError{Op: "dial", Net: network, Err: os.ErrDeadlineExceeded}
	}
	wantProxyDiagnosis(t, refresh(t, client, tokenURL, "rt"), IdPUnreachable,
		"the proxy "+proxyURL+" (HTTPS_PROXY) is not answering (no answer in time), so "+idpHost+" cannot be reached")
}

func TestClassifyProxyInspectsTLS(t *testing.T) {
	p := testproxy.Start(t, map[string]http.Handler{idpHost: http.NotFoundHandler()})
	client := throughProxy(t, withPassword(p.URL), x509.NewCertPool(), 5*time.Second) // the proxy's CA is not trusted
	wantProxyDiagnosis(t, refresh(t, client, tokenURL, "rt"), TLSError,
		`certificate for `+idpHost+` issued by "CN=Corporate Proxy CA (test)"`,
		"the proxy "+p.URL+" (HTTPS_PROXY) is configured, so it probably inspects TLS",
		"add its CA with SSL_CERT_FILE or the system store")
}

// TestClassifyProxyPasswordScrubbed: net/http quotes HTTPS_PROXY whole,
// password included, when it cannot parse it; the diagnosis never does.
// (net/http reads the environment once per process, so the error is
// built here as net/http builds it.)
func TestClassifyProxyPasswordScrubbed(t *testing.T) {
	t.Setenv("HTTPS_PROXY", "http://alice:"+proxyPassword+"%zz@proxy.example.test:3128")
	err := &url.Error{Op: "Post", URL: tokenURL, Err: errors.New(`invalid proxy address "http://alice:` + proxyPassword +
		`%zz@proxy.example.test:3128": parse "http://alice:` + proxyPassword + `%zz@proxy.example.test:3128": invalid URL escape "%zz"`)}
	d := wantProxyDiagnosis(t, err, IdPUnreachable, "HTTPS_PROXY (or HTTP_PROXY) is not a valid proxy address")
	if d.Detail == "" {
		t.Fatal("no detail")
	}
	// Any other text that quotes it is scrubbed as well.
	d = Classify(errors.New("something quoted " + os.Getenv("HTTPS_PROXY")))
	if strings.Contains(d.Detail, proxyPassword) || strings.Contains(d.Detail, "alice:") {
		t.Errorf("detail %q shows the proxy's password", d.Detail)
	}
}
