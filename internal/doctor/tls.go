package doctor

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
)

// tlsWords words a certificate the identity provider's connection was
// refused for. Behind a TLS-inspecting corporate proxy the certificate is
// the proxy's, signed by a CA this computer does not trust yet: say which
// proxy was used, who signed the certificate, and what SSL_CERT_FILE holds.
func tlsWords(u, detail string, err error) (string, string) {
	var ua x509.UnknownAuthorityError
	if errors.As(err, &ua) && ua.Cert != nil {
		detail = fmt.Sprintf("the certificate presented for %s was issued by %q, an authority this computer does not trust", hostOf(u), ua.Cert.Issuer.String())
	}
	if proxy := proxyFor(u); proxy != "" {
		detail += fmt.Sprintf("; the connection went through the proxy %s (HTTPS_PROXY), which probably inspects TLS", proxy)
	}
	fix := "Ask your IT team for the proxy's CA certificate (PEM) and add it to the system trust store (on Debian/Ubuntu: copy it to /usr/local/share/ca-certificates/ and run update-ca-certificates), or set SSL_CERT_FILE to a bundle that holds it and the usual CAs; then restart the agent."
	if file := os.Getenv("SSL_CERT_FILE"); file != "" {
		fix += " " + certFileState(file)
	}
	return detail, fix
}

func hostOf(u string) string {
	if p, err := url.Parse(u); err == nil && p.Host != "" {
		return p.Host
	}
	return u
}

// proxyFor names the proxy the environment picks for u ("" for none).
func proxyFor(u string) string {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return ""
	}
	p, err := http.ProxyFromEnvironment(req)
	if err != nil || p == nil {
		return ""
	}
	return p.Redacted()
}

// certFileState says why the CA bundle SSL_CERT_FILE names did not help.
// Go reads only that file then (besides the system's certificate folder).
func certFileState(file string) string {
	data, err := os.ReadFile(file)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Sprintf("SSL_CERT_FILE=%s does not exist, so it is ignored.", file)
	case err != nil:
		return fmt.Sprintf("SSL_CERT_FILE=%s cannot be read: %v.", file, err)
	case !x509.NewCertPool().AppendCertsFromPEM(data):
		return fmt.Sprintf("SSL_CERT_FILE=%s holds no PEM certificate.", file)
	}
	return fmt.Sprintf("SSL_CERT_FILE=%s is read, but does not hold the CA that issued this certificate.", file)
}
