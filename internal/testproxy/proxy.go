// Package testproxy is an HTTPS proxy on loopback for tests, shaped like a
// corporate one: it tunnels CONNECT only for the hosts it knows, ends TLS
// itself with a certificate from a throw-away CA (TLS inspection), and can
// ask for credentials (407).
package testproxy

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

// Proxy is a TLS-inspecting HTTPS proxy: it answers CONNECT for the hosts
// it knows, ends TLS itself with a certificate from its own CA, and serves
// the handler of that host behind it. Other hosts get 403 Forbidden.
type Proxy struct {
	URL    string // http://127.0.0.1:PORT, for HTTPS_PROXY
	CAFile string // the CA certificate (PEM), for SSL_CERT_FILE

	hosts map[string]http.Handler
	inner *http.Server
	conns chan net.Conn

	mu        sync.Mutex
	connected []string // host:port of every CONNECT, in order
	auth      string   // the Proxy-Authorization a CONNECT needs; "" for none
}

// Start serves hosts (host name → handler) until the test ends.
func Start(t testing.TB, hosts map[string]http.Handler) *Proxy {
	t.Helper()
	names := make([]string, 0, len(hosts))
	for h := range hosts {
		names = append(names, h)
	}
	slices.Sort(names)
	if len(names) == 0 {
		names = []string{"nothing.example.test"}
	}
	cert, caPEM := ThrowAwayCA(t, names)
	p := &Proxy{
		CAFile: filepath.Join(t.TempDir(), "proxy-ca.pem"),
		hosts:  hosts,
		conns:  make(chan net.Conn),
	}
	if err := os.WriteFile(p.CAFile, caPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	// The decrypted side: one http.Server fed the connections CONNECT
	// opened, routing by Host like the real internet.
	p.inner = &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			host, _, err := net.SplitHostPort(r.Host)
			if err != nil {
				host = r.Host
			}
			if h := p.hosts[host]; h != nil {
				h.ServeHTTP(w, r)
				return
			}
			http.Error(w, "no such host behind this proxy", http.StatusBadGateway)
		}),
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{cert}},
		ReadHeaderTimeout: 10 * time.Second,
		// A client that does not trust the CA hangs up: expected here.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	l := &chanListener{conns: p.conns, done: make(chan struct{})}
	go p.inner.ServeTLS(l, "", "")

	outer, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.URL = "http://" + outer.Addr().String()
	front := &http.Server{Handler: http.HandlerFunc(p.connect), ReadHeaderTimeout: 10 * time.Second}
	go front.Serve(outer)
	t.Cleanup(func() {
		front.Close()
		p.inner.Close()
		l.Close()
	})
	return p
}

// RequireAuth makes the proxy answer 407 Proxy Authentication Required to
// a CONNECT without these Basic credentials, as an authenticating
// corporate proxy does.
func (p *Proxy) RequireAuth(user, password string) {
	r, _ := http.NewRequest(http.MethodGet, "/", nil)
	r.SetBasicAuth(user, password)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.auth = r.Header.Get("Authorization")
}

func (p *Proxy) connect(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodConnect {
		http.Error(w, "this proxy only tunnels (CONNECT)", http.StatusMethodNotAllowed)
		return
	}
	p.mu.Lock()
	p.connected = append(p.connected, r.Host)
	auth := p.auth
	p.mu.Unlock()
	if auth != "" && r.Header.Get("Proxy-Authorization") != auth {
		w.Header().Set("Proxy-Authenticate", `Basic realm="corporate proxy"`)
		http.Error(w, "sign in to the proxy", http.StatusProxyAuthRequired)
		return
	}
	host, port, err := net.SplitHostPort(r.Host)
	if err != nil || port != "443" || p.hosts[host] == nil {
		http.Error(w, "this proxy does not reach "+r.Host, http.StatusForbidden)
		return
	}
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		return
	}
	if _, err := conn.Write([]byte("HTTP/1.1 200 Connection established\r\n\r\n")); err != nil {
		conn.Close()
		return
	}
	p.conns <- conn
}

// Reached reports whether a CONNECT asked for host:443.
func (p *Proxy) Reached(host string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Contains(p.connected, host+":443")
}

// chanListener hands the inner server the proxy's hijacked connections.
type chanListener struct {
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func (l *chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *chanListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *chanListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }

// ThrowAwayCA makes a CA ("CN=Corporate Proxy CA (test)") for this test run
// and one certificate for names signed by it; it returns the certificate
// and the CA in PEM.
func ThrowAwayCA(t testing.TB, names []string) (tls.Certificate, []byte) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	ca := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "Corporate Proxy CA (test)", Organization: []string{"ssokeeper tests"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ = x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: names[0]},
		DNSNames:     names,
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, leaf, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key},
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
}
