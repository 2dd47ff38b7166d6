package doctor

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
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
	if _, ok := health.ProxyFor(u); ok {
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

// proxyFix says what to do about a proxy that failed the request (its
// detail comes from health, as in status and the tray).
func proxyFix(f health.ProxyFault) string {
	switch {
	case !f.Answered:
		return fmt.Sprintf("Check %s: the proxy must run and be reachable from this computer (ask your IT team for its address), or unset it if you need none.", f.Proxy.Var)
	case f.Status == http.StatusProxyAuthRequired:
		return fmt.Sprintf("Put your proxy user and password in %s (http://user:password@host:port, special characters percent-encoded), or add %s to NO_PROXY if it is reachable without the proxy.", f.Proxy.Var, f.Target)
	case f.Status >= 500:
		return fmt.Sprintf("Check the identity provider's status page; if it is up, ask your IT team why the proxy cannot reach %s.", f.Target)
	}
	return fmt.Sprintf("The proxy does not let this computer reach the identity provider: ask your IT team to allow %s, or add it to NO_PROXY if it is reachable without the proxy.", f.Target)
}

// viaProxy says which proxy a request to u went through ("" for none).
func viaProxy(u, more string) string {
	if via := health.ViaProxy(u); via != "" {
		return via + more
	}
	return ""
}

func hostOf(u string) string {
	if p, err := url.Parse(u); err == nil && p.Host != "" {
		return p.Host
	}
	return u
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
