package doctor

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"runtime"

	"github.com/ssokeeper/ssokeeper/session/health"
)

// tlsWords words a certificate the identity provider's connection was
// refused for. Behind a TLS-inspecting corporate proxy the certificate is
// the proxy's, signed by a CA this computer does not trust yet: say who
// signed it, that the proxy probably inspects TLS, and what SSL_CERT_FILE
// holds.
func tlsWords(u, detail string, err error) (string, string) {
	var ua x509.UnknownAuthorityError
	if !errors.As(err, &ua) || ua.Cert == nil {
		return detail + viaProxy(u, ""), health.Describe(health.TLSError).Fix
	}
	detail = fmt.Sprintf("the certificate presented for %s was issued by %q, an authority this computer does not trust", hostOf(u), ua.Cert.Issuer.String())
	fix := "Something between this computer and the identity provider (a proxy or security software) shows its own certificates: ask your IT team for its CA certificate (PEM) and " + trustCA()
	if proxyFor(u) != "" {
		fix = "Ask your IT team for the proxy's CA certificate (PEM) and " + trustCA()
	}
	if file := os.Getenv("SSL_CERT_FILE"); file != "" && certFileCounts() {
		fix += " " + certFileState(file)
	}
	return detail + viaProxy(u, ", which probably inspects TLS"), fix
}

// trustCA says how to make this computer trust a CA certificate.
func trustCA() string {
	switch runtime.GOOS {
	case "darwin":
		return "add it to the System keychain in Keychain Access, set to Always Trust; then restart the agent."
	case "windows":
		return "import it into the Windows certificate store (Trusted Root Certification Authorities); then restart the agent."
	}
	return "add it to the system trust store (on Debian/Ubuntu: copy it to /usr/local/share/ca-certificates/ and run update-ca-certificates), or set SSL_CERT_FILE to a PEM file that holds it; then restart the agent."
}

// certFileCounts reports whether Go reads SSL_CERT_FILE here: on macOS
// and Windows it asks the system's verifier instead.
func certFileCounts() bool { return runtime.GOOS != "darwin" && runtime.GOOS != "windows" }

// proxyWords words a request the proxy itself failed: it did not answer,
// or it refused to connect to the identity provider. net/http words both
// as if the identity provider had.
func proxyWords(u string, err error) (detail, fix string, ok bool) {
	proxy := proxyFor(u)
	if proxy == "" {
		return "", "", false
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "proxyconnect" {
		return fmt.Sprintf("the proxy %s (HTTPS_PROXY) does not answer: %v", proxy, op.Err),
			"Check HTTPS_PROXY: the proxy must run and be reachable from this computer (ask your IT team for its address), or unset it if you need none.", true
	}
	// A CONNECT the proxy answered with an error status comes back as
	// a plain errors.New of the status text ("Forbidden").
	var ue *url.Error
	if errors.As(err, &ue) && reflect.TypeOf(ue.Err) == reflect.TypeOf(errors.New("")) {
		host := hostOf(u)
		return fmt.Sprintf("the proxy %s (HTTPS_PROXY) refused to connect to %s: %v", proxy, host, ue.Err),
			fmt.Sprintf("The proxy does not let this computer reach the identity provider: ask your IT team to allow %s, or add it to NO_PROXY if it is reachable without the proxy.", host), true
	}
	return "", "", false
}

// viaProxy says which proxy a request to u went through ("" for none).
func viaProxy(u, more string) string {
	if proxy := proxyFor(u); proxy != "" {
		return fmt.Sprintf("; the connection went through the proxy %s (HTTPS_PROXY)%s", proxy, more)
	}
	return ""
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
