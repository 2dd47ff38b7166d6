package doctor

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/ssokeeper/ssokeeper/session/config"
	"github.com/ssokeeper/ssokeeper/session/health"
	"github.com/ssokeeper/ssokeeper/session/idp"
)

// Probe is what one reply of the identity provider says about its clock.
type Probe struct {
	Date  time.Time // the reply's Date header; zero without a reply
	Local time.Time // this computer's clock when the reply arrived
}

// NewHTTPClient is the bounded client doctor uses: an IdP that does not
// answer must not hang the command.
func NewHTTPClient() *http.Client {
	return &http.Client{Timeout: 10 * time.Second}
}

// Discovery fetches the session's OpenID configuration and checks it names
// the configured issuer. The Probe feeds the clock check.
func Discovery(ctx context.Context, hc *http.Client, s config.Session) (Check, Probe) {
	u := strings.TrimSuffix(s.Issuer, "/") + "/.well-known/openid-configuration"
	r, err := get(ctx, hc, u)
	if err != nil {
		return unreachable(u, r, err), r.probe
	}
	c := func() Check {
		if r.status != http.StatusOK {
			return fail(NameDiscovery, fmt.Sprintf("%s answered %s in %d ms", u, r.statusText, ms(r.took)), statusFix(r.status))
		}
		var doc struct {
			Issuer        string `json:"issuer"`
			TokenEndpoint string `json:"token_endpoint"`
		}
		if json.Unmarshal(r.body, &doc) != nil || doc.TokenEndpoint == "" {
			return fail(NameDiscovery, fmt.Sprintf("%s did not answer with an OpenID configuration (content type %q)", u, r.contentType),
				"Check the issuer address in the configuration; a proxy or a login page may be answering instead of the identity provider.")
		}
		answered := fmt.Sprintf("%s answered in %d ms", u, ms(r.took))
		if s.Provider == "entra" {
			return entraTenant(s, doc.Issuer, answered)
		}
		if doc.Issuer != s.Issuer {
			return fail(NameDiscovery, fmt.Sprintf("the OpenID configuration names the issuer %q, but the configuration says %q", doc.Issuer, s.Issuer),
				fmt.Sprintf("Set issuer = %q for this session (the identity provider checks it exactly, trailing slash included).", doc.Issuer))
		}
		return pass(NameDiscovery, answered)
	}()
	c.Duration = r.took
	return c, r.probe
}

// entraTenant checks an Entra document's issuer as sign-in does and names
// the tenant ID it resolves to: people know their tenant by its domain,
// while Entra's pages and error messages name it by ID.
func entraTenant(s config.Session, issuer, answered string) Check {
	t, err := idp.ResolveEntraTenant(s.Issuer, issuer)
	if err != nil {
		return fail(NameDiscovery, err.Error(),
			`Set tenant to your tenant's ID or domain (e.g. tenant = "contoso.onmicrosoft.com"), or to "organizations", "common" or "consumers".`)
	}
	switch {
	case t.Multi():
		return pass(NameDiscovery, fmt.Sprintf("%s; tenant %q: each account's own tenant ID (the ID token's tid claim)", answered, t.Name))
	case t.ID == "":
		return pass(NameDiscovery, answered)
	case !strings.EqualFold(t.Name, t.ID):
		return pass(NameDiscovery, fmt.Sprintf("%s; tenant %q resolves to tenant ID %s", answered, t.Name, t.ID))
	}
	return pass(NameDiscovery, answered+"; tenant ID "+t.ID)
}

// Endpoint checks that the AWS SSO OIDC endpoint answers at all: any HTTP
// reply below 500 means it is reachable (it has no discovery document).
func Endpoint(ctx context.Context, hc *http.Client, endpoint string) (Check, Probe) {
	r, err := get(ctx, hc, endpoint)
	if err != nil {
		return unreachable(endpoint, r, err), r.probe
	}
	c := pass(NameDiscovery, fmt.Sprintf("SSO OIDC endpoint %s answered (%s) in %d ms", endpoint, r.statusText, ms(r.took)))
	if r.status >= 500 {
		c = fail(NameDiscovery, fmt.Sprintf("SSO OIDC endpoint %s answered %s in %d ms", endpoint, r.statusText, ms(r.took)), statusFix(r.status))
	}
	c.Duration = r.took
	return c, r.probe
}

// reply is what get keeps of an HTTP reply.
type reply struct {
	status      int
	statusText  string
	contentType string
	body        []byte
	probe       Probe
	took        time.Duration
}

func get(ctx context.Context, hc *http.Client, u string) (reply, error) {
	var r reply
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return r, err
	}
	resp, err := hc.Do(req)
	r.took = time.Since(start)
	if err != nil {
		return r, err
	}
	defer resp.Body.Close()
	r.probe = Probe{Local: time.Now()}
	r.probe.Date, _ = http.ParseTime(resp.Header.Get("Date"))
	r.status, r.statusText, r.contentType = resp.StatusCode, resp.Status, resp.Header.Get("Content-Type")
	r.body, err = io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	r.took = time.Since(start)
	return r, err
}

// unreachable words a failed request with health.Classify, which names
// DNS, connection, timeout and certificate problems.
func unreachable(u string, r reply, err error) Check {
	d := health.Classify(err)
	detail, fix := d.Detail, networkFix(d.Reason)
	if f, ok := health.FindProxyFault(err); ok {
		detail, fix = f.String(), proxyFix(f)
	} else if d.Reason == health.TLSError {
		detail, fix = tlsWords(u, d.Detail, err)
	} else if d.Reason != health.IdPUnreachable { // health names the proxy of a network failure itself
		detail += viaProxy(u, "")
	}
	c := fail(NameDiscovery, fmt.Sprintf("%s: %s (after %d ms)", u, detail, ms(r.took)), fix)
	c.Duration = r.took
	return c
}

func networkFix(r health.Reason) string {
	switch r {
	case health.TLSError:
		return health.Describe(health.TLSError).Fix
	case health.IdPUnreachable:
		return "Check the address in the configuration for typos, then the network, proxy or VPN; the identity provider must be reachable from this computer."
	}
	return health.Describe(r).Fix
}

func statusFix(status int) string {
	switch {
	case status == http.StatusNotFound:
		return "The issuer address is probably wrong: check issuer (or tenant, domain, realm) in the configuration; {issuer}/.well-known/openid-configuration must be the identity provider's OpenID configuration."
	case status == http.StatusTooManyRequests || status >= 500:
		return health.Describe(health.IdPError).Fix
	case status == http.StatusUnauthorized || status == http.StatusForbidden || status == http.StatusProxyAuthRequired:
		return "Something between this computer and the identity provider (a proxy or firewall) refuses the request; check the proxy settings (HTTPS_PROXY) or ask your IT team."
	}
	return "Check the issuer address in the configuration."
}

// Clock compares this computer's clock with the identity provider's Date
// header. Beyond tolerance, tokens look expired or not yet valid.
func Clock(p Probe, tolerance time.Duration) Check {
	if tolerance <= 0 {
		tolerance = config.DefaultClockSkewTolerance
	}
	if p.Date.IsZero() {
		return warn(NameClock, "not measured: the identity provider sent no reply with a Date header",
			"Fix the check above; doctor measures the clock from the identity provider's reply.")
	}
	// Date is the IdP's time cut down to the second: on average it was
	// half a second later than Date says.
	off := p.Local.Sub(p.Date.Add(500 * time.Millisecond)).Round(time.Second)
	words := fmt.Sprintf("this computer's clock is %s the identity provider's (tolerance %d s)", offsetWords(off), int(tolerance.Seconds()))
	if off > tolerance || off < -tolerance {
		return fail(NameClock, words, health.Describe(health.ClockSkew).Fix)
	}
	return pass(NameClock, words)
}

func offsetWords(off time.Duration) string {
	s := int(off.Seconds())
	switch {
	case s > 0:
		return fmt.Sprintf("%d s ahead of", s)
	case s < 0:
		return fmt.Sprintf("%d s behind", -s)
	}
	return "within a second of"
}
