// Package idpclient hardens the HTTP clients that talk to identity
// providers. A request that carries a refresh token, a code, a client
// secret or a device code never follows a redirect: a 3xx becomes a
// *RedirectError naming the Location, and the body is never re-posted
// elsewhere. Discovery and JWKS may follow redirects on the same host only.
// Every reply body is capped at MaxReply bytes, so a huge or endless
// document cannot grow the agent.
package idpclient

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/ssokeeper/ssokeeper/session/health"
)

// MaxReply bounds every reply body read from an identity provider. Real
// token, discovery and JWKS replies are a few kilobytes; it stays below
// x/oauth2's own 1 MiB cut so an oversized token reply is named as such
// instead of being truncated into "cannot parse json".
const MaxReply = 512 << 10

// ErrTooLarge is the read error of a reply body longer than MaxReply.
var ErrTooLarge = fmt.Errorf("the identity provider's reply is larger than %d KiB; ssokeeper stopped reading it", MaxReply>>10)

// RedirectError is a redirect that was not followed.
type RedirectError struct {
	Status   int
	From     string // host of the request
	Location string // where the IdP pointed, without query or fragment
	SameHost bool   // true: only a cross-host redirect was refused
}

func (e *RedirectError) Error() string {
	if e.SameHost {
		return fmt.Sprintf("the identity provider at %s answered %d with a redirect to another host, %s; ssokeeper follows discovery redirects on the same host only: set the issuer to the final address",
			e.From, e.Status, e.Location)
	}
	return fmt.Sprintf("the identity provider at %s answered %d with a redirect to %s; ssokeeper never sends a refresh token, code or secret to a redirected address: check the issuer or endpoint in the configuration",
		e.From, e.Status, e.Location)
}

// Reason makes health.Classify diagnose a refused redirect as idp_error:
// transient, so the refresh token is kept.
func (e *RedirectError) Reason() health.Reason { return health.IdPError }

// Detail is the diagnosis text, without the request URL around it.
func (e *RedirectError) Detail() string { return e.Error() }

// ForSecrets returns a copy of c for requests that carry a secret: no
// redirects, capped reply bodies, and token replies whose expires_in is
// unusable repaired (see repairExpiresIn).
func ForSecrets(c *http.Client) *http.Client {
	h := clone(c)
	h.Transport = capped{base: h.Transport, repair: true}
	h.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		return &RedirectError{Status: statusOf(req), From: via[0].URL.Host, Location: where(req.URL)}
	}
	return h
}

// ForDiscovery returns a copy of c for discovery and JWKS: redirects on
// the same host (scheme downgrades refused), capped reply bodies.
func ForDiscovery(c *http.Client) *http.Client {
	h := clone(c)
	h.Transport = capped{base: h.Transport}
	h.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		first := via[0].URL
		if req.URL.Host != first.Host || (first.Scheme == "https" && req.URL.Scheme != "https") {
			return &RedirectError{Status: statusOf(req), From: first.Host, Location: where(req.URL), SameHost: true}
		}
		if len(via) >= 5 {
			return errors.New("the identity provider redirected discovery more than 5 times")
		}
		return nil
	}
	return h
}

func clone(c *http.Client) *http.Client {
	if c == nil {
		c = &http.Client{}
	}
	h := *c
	if h.Transport == nil {
		h.Transport = http.DefaultTransport
	}
	if cp, ok := h.Transport.(capped); ok { // already hardened: do not stack
		h.Transport = cp.base
	}
	return &h
}

// statusOf reads the status of the redirect being followed.
func statusOf(req *http.Request) int {
	if req.Response != nil {
		return req.Response.StatusCode
	}
	return 0
}

// where names a redirect target without its query, which could carry a
// code or token.
func where(u *url.URL) string {
	v := *u
	v.RawQuery, v.Fragment, v.User = "", "", nil
	return v.String()
}

// capped caps every reply body at MaxReply.
type capped struct {
	base   http.RoundTripper
	repair bool
}

func (t capped) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	resp.Body = &limitedBody{rc: resp.Body, left: MaxReply}
	if t.repair && resp.StatusCode/100 == 2 && strings.Contains(resp.Header.Get("Content-Type"), "json") {
		repairExpiresIn(resp)
	}
	return resp, nil
}

// limitedBody fails a read past its limit instead of truncating quietly.
type limitedBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One byte more tells a body of exactly MaxReply from a longer one.
		var one [1]byte
		if n, _ := b.rc.Read(one[:]); n > 0 {
			return 0, ErrTooLarge
		}
		return 0, io.EOF
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }
