package health

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// Each test makes x/oauth2 meet a real TLS failure on 127.0.0.1.

func wantTLSError(t *testing.T, err error, detail ...string) {
	t.Helper()
	d := Classify(err)
	if d.Reason != TLSError || !d.Transient || d.RefreshTokenDead() {
		t.Fatalf("got %+v for %v, want a transient tls_error", d, err)
	}
	for _, s := range detail {
		if !strings.Contains(d.Detail, s) {
			t.Errorf("detail = %q, want it to contain %q", d.Detail, s)
		}
	}
	checkDetailShape(t, d.Detail)
}

func tlsServer(t *testing.T, cert *tls.Certificate) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("the token request must not get through a failed handshake")
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the handshake errors are expected
	if cert != nil {
		srv.TLS = &tls.Config{Certificates: []tls.Certificate{*cert}}
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

func tlsClient(roots *x509.CertPool, serverName string) *http.Client {
	return &http.Client{
		Timeout:   5 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, ServerName: serverName}},
	}
}

// selfSigned makes a certificate for id.example.test valid in [from, until).
func selfSigned(t *testing.T, from, until time.Time) (*tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "id.example.test"},
		DNSNames:              []string{"id.example.test"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:             from,
		NotAfter:              until,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, roots
}

func TestClassifyUnknownAuthority(t *testing.T) {
	srv := tlsServer(t, nil)
	client := tlsClient(x509.NewCertPool(), "") // trusts nothing, like a missing corporate CA
	wantTLSError(t, refresh(t, client, srv.URL, "rt"), "signed by unknown authority", "TLS-inspecting proxy?")
}

func TestClassifyHostnameMismatch(t *testing.T) {
	srv := tlsServer(t, nil)
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	client := tlsClient(roots, "id.corp.example")
	wantTLSError(t, refresh(t, client, srv.URL, "rt"), "certificate is valid for example.com", "not id.corp.example")
}

func TestClassifyExpiredCertificate(t *testing.T) {
	until := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	cert, roots := selfSigned(t, until.AddDate(-1, 0, 0), until)
	srv := tlsServer(t, cert)
	wantTLSError(t, refresh(t, tlsClient(roots, "id.example.test"), srv.URL, "rt"),
		"certificate for id.example.test expired on 2025-03-01T12:00:00Z")
}

func TestClassifyNotYetValidCertificate(t *testing.T) {
	from := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
	cert, roots := selfSigned(t, from, from.AddDate(1, 0, 0))
	srv := tlsServer(t, cert)
	wantTLSError(t, refresh(t, tlsClient(roots, "id.example.test"), srv.URL, "rt"),
		"certificate for id.example.test is not valid until "+from.Format(time.RFC3339), "clock")
}

func TestClassifyPlainHTTPOnHTTPSURL(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {})
	url := strings.Replace(srv.URL, "http://", "https://", 1)
	wantTLSError(t, refresh(t, nil, url, "rt"), "did not answer in TLS")
}
