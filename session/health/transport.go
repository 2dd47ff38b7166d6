// Network and TLS failures: the IdP could not be reached or trusted.

package health

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"
)

func classifyTLS(err error) (Diagnosis, bool) {
	var (
		hostErr    x509.HostnameError
		invalidErr x509.CertificateInvalidError
		authErr    x509.UnknownAuthorityError
		verifyErr  *tls.CertificateVerificationError
		recordErr  tls.RecordHeaderError
		alertErr   tls.AlertError
	)
	var detail string
	switch {
	case errors.As(err, &hostErr):
		detail = fmt.Sprintf("certificate is valid for %s, not %s", certNames(hostErr.Certificate), hostErr.Host)
	case errors.As(err, &invalidErr):
		detail = invalidCertDetail(invalidErr)
	case errors.As(err, &authErr):
		detail = unknownAuthorityDetail(err, authErr.Cert)
	case errors.As(err, &verifyErr):
		detail = "certificate not accepted: " + verifyErr.Err.Error()
	case errors.As(err, &recordErr), errors.Is(err, http.ErrSchemeMismatch):
		detail = "the server did not answer in TLS (an https:// URL pointing at a plain HTTP port?)"
	case errors.As(err, &alertErr):
		detail = "the server refused the TLS handshake (" + alertErr.Error() + ")"
	default:
		return Diagnosis{}, false
	}
	return diagnose(TLSError, detail), true
}

// unknownAuthorityDetail names who issued a certificate nobody here
// trusts; with a proxy configured, that is most likely the proxy itself.
func unknownAuthorityDetail(err error, c *x509.Certificate) string {
	p, viaProxy := ProxyFor(urlOf(err))
	switch {
	case c != nil && viaProxy:
		return fmt.Sprintf("certificate for %s issued by %q; %s is configured, so it probably inspects TLS: add its CA with SSL_CERT_FILE or the system store",
			certName(c), issuerName(c), p)
	case c != nil:
		return fmt.Sprintf("certificate for %s signed by unknown authority %q (a TLS-inspecting proxy?)", certName(c), c.Issuer.CommonName)
	case viaProxy:
		return fmt.Sprintf("certificate signed by unknown authority; %s is configured, so it probably inspects TLS: add its CA with SSL_CERT_FILE or the system store", p)
	}
	return "certificate signed by unknown authority (a TLS-inspecting proxy?)"
}

// issuerName is short enough for a Detail: the issuer's CN when it has one.
func issuerName(c *x509.Certificate) string {
	if c.Issuer.CommonName != "" {
		return "CN=" + c.Issuer.CommonName
	}
	return c.Issuer.String()
}

func invalidCertDetail(e x509.CertificateInvalidError) string {
	if e.Reason != x509.Expired || e.Cert == nil {
		return "certificate not accepted: " + e.Error()
	}
	// x509 says "current time X is before Y" for a certificate not yet valid.
	if strings.Contains(e.Detail, "is before") {
		return fmt.Sprintf("certificate for %s is not valid until %s (or this computer's clock is behind)",
			certName(e.Cert), e.Cert.NotBefore.UTC().Format(time.RFC3339))
	}
	return fmt.Sprintf("certificate for %s expired on %s (or this computer's clock is ahead)",
		certName(e.Cert), e.Cert.NotAfter.UTC().Format(time.RFC3339))
}

func certName(c *x509.Certificate) string {
	if len(c.DNSNames) > 0 {
		return c.DNSNames[0]
	}
	if c.Subject.CommonName != "" {
		return c.Subject.CommonName
	}
	return certNames(c)
}

func certNames(c *x509.Certificate) string {
	if c == nil {
		return "other names"
	}
	names := append([]string{}, c.DNSNames...)
	for _, ip := range c.IPAddresses {
		names = append(names, ip.String())
	}
	if len(names) == 0 && c.Subject.CommonName != "" {
		names = append(names, c.Subject.CommonName)
	}
	if len(names) == 0 {
		return "no names"
	}
	return strings.Join(names, ", ")
}

// DetailIntro introduces a Detail to a person. A network, TLS or proxy
// failure is not the identity provider's answer: it may never have seen
// the request.
func DetailIntro(r Reason) string {
	if r == IdPUnreachable || r == TLSError {
		return "The connection failed: "
	}
	return "The identity provider said: "
}

// classifyNetwork recognises failures to reach the identity provider.
func classifyNetwork(err error) (Diagnosis, bool) {
	var (
		dnsErr *net.DNSError
		opErr  *net.OpError
		netErr net.Error
	)
	if d, ok := classifyProxy(err); ok {
		return d, true
	}
	host := hostOf(err)
	var detail string
	switch {
	case errors.As(err, &dnsErr):
		detail = fmt.Sprintf("cannot resolve %s: %s", dnsErr.Name, dnsErr.Err)
	case errors.Is(err, syscall.ECONNREFUSED):
		detail = fmt.Sprintf("connection to %s refused (nothing listens there)", host)
	case errors.Is(err, syscall.ECONNRESET):
		detail = fmt.Sprintf("connection to %s was reset", host)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded),
		errors.As(err, &netErr) && netErr.Timeout():
		detail = fmt.Sprintf("no answer from %s in time", host)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		detail = fmt.Sprintf("the connection to %s closed before the reply was complete", host)
	case errors.As(err, &opErr):
		detail = fmt.Sprintf("cannot reach %s: %v", host, opErr.Err)
	default:
		return Diagnosis{}, false
	}
	return diagnose(IdPUnreachable, detail+ViaProxy(urlOf(err))), true
}

// urlOf is the URL a request failed for ("" if the error does not say).
func urlOf(err error) string {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		return urlErr.URL
	}
	return ""
}

// hostOf names the server an error is about, never the full URL (whose
// query could carry a code or a token).
func hostOf(err error) string {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		if u, perr := url.Parse(urlErr.URL); perr == nil && u.Host != "" {
			return u.Host
		}
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Addr != nil {
		return opErr.Addr.String()
	}
	return "the identity provider"
}
