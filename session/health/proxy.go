// The proxy between this computer and the identity provider: net/http
// words its failures as if the identity provider had failed.

package health

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"strings"
	"syscall"
)

// proxyFromEnvironment picks the proxy as the agent's transport does. A
// variable so tests can name the proxy they set on their transport:
// net/http reads the environment only once per process.
var proxyFromEnvironment = http.ProxyFromEnvironment

// Proxy is the proxy a request goes through, named without its userinfo.
type Proxy struct {
	URL string // scheme://host:port, never the user or password
	Var string // the variable that sets it: HTTPS_PROXY or HTTP_PROXY
	// WithCredentials: the variable carries a user and password.
	WithCredentials bool
}

func (p Proxy) String() string { return fmt.Sprintf("the proxy %s (%s)", p.URL, p.Var) }

// ProxyFor names the proxy the environment (HTTPS_PROXY, HTTP_PROXY,
// NO_PROXY) picks for a request to rawURL; ok is false for none.
func ProxyFor(rawURL string) (p Proxy, ok bool) {
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		return Proxy{}, false
	}
	u, err := proxyFromEnvironment(req)
	if err != nil || u == nil {
		return Proxy{}, false
	}
	p = Proxy{URL: (&url.URL{Scheme: u.Scheme, Host: u.Host}).String(), Var: "HTTP_PROXY", WithCredentials: u.User != nil}
	if req.URL.Scheme == "https" {
		p.Var = "HTTPS_PROXY"
	}
	return p, true
}

// ViaProxy says which proxy a request to rawURL goes through, as a clause
// to append to a detail ("" for none).
func ViaProxy(rawURL string) string {
	if p, ok := ProxyFor(rawURL); ok {
		return "; the connection goes through " + p.String()
	}
	return ""
}

// ProxyFault is a failure of the proxy itself: it did not answer, or it
// answered CONNECT with an error status.
type ProxyFault struct {
	Proxy  Proxy
	Target string // the host the request was for
	Status int    // the proxy's status for CONNECT; 0 if unknown or no answer
	Text   string // the proxy's reason phrase, or why it did not answer
	// Answered: the proxy replied to CONNECT (with an error status).
	Answered bool
}

// FindProxyFault recognises a failure of the proxy in an error of net/http.
func FindProxyFault(err error) (ProxyFault, bool) {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return ProxyFault{}, false
	}
	p, ok := ProxyFor(ue.URL)
	if !ok {
		return ProxyFault{}, false
	}
	f := ProxyFault{Proxy: p, Target: targetHost(ue.URL)}
	var op *net.OpError
	switch {
	case errors.As(err, &op) && op.Op == "proxyconnect":
		f.Text = unansweredWhy(op.Err)
	case connectRefusal(ue.Err):
		f.Answered, f.Text = true, ue.Err.Error()
		f.Status = statusOf(f.Text)
	default:
		return ProxyFault{}, false
	}
	return f, true
}

// connectRefusal reports whether err is what net/http returns for a
// non-200 reply to CONNECT: a bare errors.New of the reason phrase.
func connectRefusal(err error) bool {
	if err == nil || reflect.TypeOf(err) != reflect.TypeOf(errors.New("")) {
		return false
	}
	text := err.Error() // net/http's own messages start with "net/http" or "http:", or quote
	return text != "" && !strings.HasPrefix(text, "net/http") && !strings.HasPrefix(text, "http:") && !strings.Contains(text, `"`)
}

// statusOf finds the status code of a standard reason phrase (0 if none).
func statusOf(text string) int {
	for code := 100; code < 600; code++ {
		if s := http.StatusText(code); s != "" && strings.EqualFold(s, text) {
			return code
		}
	}
	return 0
}

func unansweredWhy(err error) string {
	var dnsErr *net.DNSError
	var netErr net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.As(err, &dnsErr):
		return "cannot resolve " + dnsErr.Name
	case errors.As(err, &netErr) && netErr.Timeout():
		return "no answer in time"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	}
	return "cannot connect"
}

func targetHost(rawURL string) string {
	if u, err := url.Parse(rawURL); err == nil && u.Hostname() != "" {
		return u.Hostname()
	}
	return "the identity provider"
}

// String words the fault for a person: the proxy, what it did, and what
// to do when only the proxy's settings can fix it. Short enough for a
// notification (160 runes) with common names.
func (f ProxyFault) String() string {
	status := f.Text
	if f.Status != 0 {
		status = fmt.Sprintf("%d %s", f.Status, f.Text)
	}
	switch {
	case !f.Answered:
		return fmt.Sprintf("%s is not answering (%s), so %s cannot be reached", f.Proxy, f.Text, f.Target)
	case f.Status == http.StatusProxyAuthRequired && f.Proxy.WithCredentials:
		return fmt.Sprintf("%s rejected its user:password (407) for %s: fix it (percent-encode) or add %s to NO_PROXY", f.Proxy, f.Target, f.Target)
	case f.Status == http.StatusProxyAuthRequired:
		return fmt.Sprintf("%s needs authentication (407) for %s: put user:password@ in it, or add %s to NO_PROXY", f.Proxy, f.Target, f.Target)
	case f.Status >= 500:
		return fmt.Sprintf("%s could not connect to %s (%s): the identity provider or the proxy's way to it is down", f.Proxy, f.Target, status)
	}
	return fmt.Sprintf("%s refused to connect to %s (%s): ask IT to allow it, or add it to NO_PROXY", f.Proxy, f.Target, status)
}

// classifyProxy diagnoses a failure of the proxy: idp_unreachable, which
// retries and keeps the refresh token, in words that name the proxy.
func classifyProxy(err error) (Diagnosis, bool) {
	if f, ok := FindProxyFault(err); ok {
		return diagnose(IdPUnreachable, f.String()), true
	}
	if strings.Contains(err.Error(), "invalid proxy address") {
		// net/http quotes the whole variable, password included.
		return diagnose(IdPUnreachable, "HTTPS_PROXY (or HTTP_PROXY) is not a valid proxy address: correct it (http://user:password@host:port, the password percent-encoded) or unset it"), true
	}
	return Diagnosis{}, false
}

// scrubProxyCredentials removes the user and password of the proxy
// variables from text: net/http quotes them in some errors.
func scrubProxyCredentials(text string) string {
	for _, name := range []string{"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"} {
		v := os.Getenv(name)
		_, rest, found := strings.Cut(v, "://")
		if !found {
			rest = v
		}
		at := strings.LastIndex(rest, "@")
		if at < 0 {
			continue
		}
		userinfo := rest[:at]
		secrets := []string{userinfo}
		if _, password, ok := strings.Cut(userinfo, ":"); ok {
			secrets = append(secrets, password)
			if plain, err := url.PathUnescape(password); err == nil {
				secrets = append(secrets, plain)
			}
		}
		for _, s := range secrets {
			if len(s) >= 4 {
				text = strings.ReplaceAll(text, s, "[redacted]")
			}
		}
	}
	return text
}
