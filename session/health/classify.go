package health

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode"

	"golang.org/x/oauth2"
)

// Diagnosis is what went wrong with a refresh or a sign-in.
type Diagnosis struct {
	Reason Reason
	// Detail is the identity provider's own words (or the network's), trimmed
	// to about 300 characters, with anything that looks like a token removed.
	Detail string
	// Transient: keep the refresh token and retry with backoff. False: the
	// answer is definite and retrying the same request will not help.
	Transient bool
	// RetryAfter is the wait the server asked for (Retry-After on 429/5xx,
	// or the device flow's slow_down); zero when it asked for none.
	RetryAfter time.Duration
}

// RefreshTokenDead reports whether the refresh token can be thrown away:
// only a definite answer whose reason needs a new sign-in kills it. A
// misconfigured client or an unknown failure keeps it.
func (d Diagnosis) RefreshTokenDead() bool {
	return !d.Transient && Describe(d.Reason).State == NeedsLogin
}

// Reasoner is implemented by errors that already know their cause (the
// token store's keyring errors, the configuration's errors), so the manager
// can hand Classify every error it meets.
type Reasoner interface {
	Reason() Reason
}

// maxDetail bounds Detail: enough for an Entra message with its trace ID.
const maxDetail = 300

// Classify diagnoses the error of a refresh or a sign-in. It reads
// *oauth2.RetrieveError (also behind wrapping), network and TLS errors, and
// errors that implement Reasoner. Anything it does not recognise is an
// idp_error and transient, so an unknown failure never costs a refresh token.
func Classify(err error) Diagnosis {
	if err == nil {
		return Diagnosis{}
	}
	var rs Reasoner
	if errors.As(err, &rs) {
		return diagnose(rs.Reason(), err.Error())
	}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		return classifyReply(re)
	}
	if d, ok := classifyTLS(err); ok {
		return d
	}
	if d, ok := classifyNetwork(err); ok {
		return d
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "refresh token is not set"), // x/oauth2's tokenRefresher
		strings.Contains(msg, "no refresh token"):
		return diagnose(RefreshTokenMissing, "no refresh token is stored for this session")
	case strings.Contains(msg, "unexpected EOF"): // x/oauth2 flattens body read errors with %v
		return diagnose(IdPUnreachable, "the connection closed before the identity provider's reply was complete")
	case strings.Contains(msg, "missing access_token"):
		return diagnose(IdPError, "the identity provider's reply had no access_token")
	}
	return diagnose(IdPError, stripQueries(msg))
}

func diagnose(r Reason, detail string) Diagnosis {
	return Diagnosis{Reason: r, Detail: clean(detail), Transient: transient(r)}
}

// transient lists the reasons that keep the refresh token and retry. Clock
// skew is among them: the token is fine, the local clock is not.
func transient(r Reason) bool {
	switch r {
	case ClockSkew, IdPUnreachable, IdPError, TLSError, KeyringUnavailable:
		return true
	}
	return false
}

// classifyReply reads an OAuth error reply from the token endpoint.
func classifyReply(re *oauth2.RetrieveError) Diagnosis {
	status, header := 0, http.Header{}
	if re.Response != nil {
		status, header = re.Response.StatusCode, re.Response.Header
	}
	code, desc := re.ErrorCode, re.ErrorDescription
	if code == "" { // JSON served as text/plain is parsed by x/oauth2 as a query string
		code, desc = parseErrorJSON(re.Body)
	}
	exception := awsException(header)
	if code == "" {
		code = awsErrorCodes[exception]
	}
	code = strings.ToLower(strings.TrimSpace(code))

	d := diagnose(replyReason(status, code, desc, exception), replyDetail(re, code, desc, exception))
	if d.Reason == IdPError && (status == http.StatusTooManyRequests || status >= 500) {
		d.RetryAfter = retryAfter(header)
	}
	if code == "slow_down" && d.RetryAfter == 0 {
		d.RetryAfter = 5 * time.Second // RFC 8628 3.5: add 5 seconds to the polling interval
	}
	return d
}

func replyReason(status int, code, desc, exception string) Reason {
	if status == http.StatusTooManyRequests || status >= 500 {
		return IdPError
	}
	// Entra's AADSTS number says more than its error code: AADSTS70043
	// comes as invalid_grant or interaction_required, for one.
	if r, ok := entraReason(desc); ok {
		return r
	}
	text := strings.ToLower(desc)
	if clockSkewText.MatchString(text) {
		return ClockSkew
	}
	switch code {
	case "invalid_grant":
		if exception == "InvalidGrantException" {
			// AWS IAM Identity Center answers this, with a generic text,
			// when the SSO session behind the refresh token has ended.
			return SSOSessionExpired
		}
		return grantReason(text)
	case "expired_token": // AWS ExpiredTokenException; RFC 8628 device code
		return SSOSessionExpired
	case "interaction_required", "login_required", "consent_required",
		"account_selection_required", "mfa_required", "authorization_pending":
		return InteractionRequired
	case "access_denied":
		if status == http.StatusUnauthorized { // Auth0 answers a wrong client secret this way
			return ClientMisconfigured
		}
		return InteractionRequired
	case "invalid_scope":
		if strings.Contains(text, "consent") { // Keycloak: "Client no longer has requested consent from user"
			return InteractionRequired
		}
		return ClientMisconfigured
	case "invalid_request":
		if exception == "InvalidRequestRegionException" {
			return ConfigInvalid // the session's region is wrong
		}
		return ClientMisconfigured
	case "invalid_client", "unauthorized_client", "unsupported_grant_type",
		"deleted_client", "invalid_client_metadata", "invalid_redirect_uri":
		return ClientMisconfigured
	}
	return IdPError
}

// grantReason tells apart the invalid_grant texts of the common IdPs.
// Order matters: "Session not active" names the session, "expired or
// revoked" (Google) and "invalid or expired" (Okta) name expiry first.
func grantReason(text string) Reason {
	switch {
	case containsAny(text, "session not active", "user session not found", "invalid_rapt",
		"reauth related error", "session expired", "session has expired", "session is expired",
		"session timed out", "sso session"):
		return SSOSessionExpired
	case containsAny(text, "expired or revoked", "invalid or expired"):
		return RefreshTokenExpired
	case containsAny(text, "revoked", "stale", "doesn't have required client", "reuse",
		"user disabled", "password", "issued before the", "no longer valid"):
		return RefreshTokenRevoked
	case containsAny(text, "expired", "not active", "inactiv"):
		return RefreshTokenExpired
	}
	return RefreshTokenInvalid
}

// entraCodes maps Microsoft Entra AADSTS numbers to reasons
// (learn.microsoft.com/entra/identity-platform/reference-error-codes).
var entraCodes = map[string]Reason{
	"70008":   RefreshTokenExpired, // ExpiredOrRevokedGrant: expired due to inactivity
	"700082":  RefreshTokenExpired, // ExpiredOrRevokedGrantInactiveToken
	"700084":  RefreshTokenExpired, // SPA refresh token: fixed 24-hour lifetime
	"50173":   RefreshTokenRevoked, // FreshTokenNeeded: revoked (password change, admin)
	"50133":   RefreshTokenRevoked, // SessionInvalidDueToPasswordChange
	"50057":   RefreshTokenRevoked, // UserDisabled
	"700003":  RefreshTokenRevoked, // device object deleted from the tenant
	"70043":   SSOSessionExpired,   // sign-in frequency (Conditional Access)
	"50132":   SSOSessionExpired,   // SsoArtifactInvalidOrExpired
	"50076":   InteractionRequired, // MFA required
	"50079":   InteractionRequired, // MFA enrolment required
	"50078":   InteractionRequired, // presented MFA expired
	"50074":   InteractionRequired, // strong authentication required
	"50158":   InteractionRequired, // external security challenge
	"50055":   InteractionRequired, // password expired
	"50135":   InteractionRequired, // password change required (account risk)
	"53003":   InteractionRequired, // blocked by Conditional Access
	"65001":   InteractionRequired, // consent missing
	"700024":  ClockSkew,           // client assertion not within its valid time range
	"500133":  ClockSkew,           // assertion not within its valid time range
	"700016":  ClientMisconfigured, // application not found in the directory
	"7000215": ClientMisconfigured, // invalid client secret
	"7000218": ClientMisconfigured, // client_secret or client_assertion required
	"7000222": ClientMisconfigured, // client secret expired
	"7000112": ClientMisconfigured, // application disabled
	"700025":  ClientMisconfigured, // public client must not send a secret
	"9002327": ClientMisconfigured, // SPA tokens need cross-origin redemption
	"9002326": ClientMisconfigured, // cross-origin redemption only for SPA clients
	"50011":   ClientMisconfigured, // redirect URI mismatch
}

var entraCode = regexp.MustCompile(`AADSTS(\d+)`)

func entraReason(desc string) (Reason, bool) {
	m := entraCode.FindStringSubmatch(desc)
	if m == nil {
		return "", false
	}
	r, ok := entraCodes[m[1]]
	return r, ok
}

// clockSkewText matches the rejections a wrong local clock causes: JWT
// iat/nbf checks and "not yet valid" style texts.
var clockSkewText = regexp.MustCompile(`clock skew|issued in the future|used before issued|not yet valid|not within its valid time range|\b(iat|nbf)\b`)

// awsErrorCodes maps AWS SSO OIDC exception names (botocore
// data/sso-oidc/2019-06-10/service-2.json) to their OAuth error codes.
var awsErrorCodes = map[string]string{
	"InvalidGrantException":          "invalid_grant",
	"ExpiredTokenException":          "expired_token",
	"InvalidClientException":         "invalid_client",
	"UnauthorizedClientException":    "unauthorized_client",
	"UnsupportedGrantTypeException":  "unsupported_grant_type",
	"InvalidScopeException":          "invalid_scope",
	"InvalidRequestException":        "invalid_request",
	"InvalidRequestRegionException":  "invalid_request",
	"AccessDeniedException":          "access_denied",
	"AuthorizationPendingException":  "authorization_pending",
	"SlowDownException":              "slow_down",
	"InternalServerException":        "server_error",
	"InvalidClientMetadataException": "invalid_client_metadata",
	"InvalidRedirectUriException":    "invalid_redirect_uri",
}

// awsException reads x-amzn-ErrorType, e.g.
// "InvalidGrantException:http://internal.amazon.com/coral/com.amazonaws.sso.oidc/".
func awsException(h http.Header) string {
	name, _, _ := strings.Cut(h.Get("X-Amzn-Errortype"), ":")
	return strings.TrimSpace(name)
}

func parseErrorJSON(body []byte) (code, desc string) {
	var v struct {
		Error json.RawMessage `json:"error"`
		Desc  string          `json:"error_description"`
	}
	if json.Unmarshal(body, &v) != nil {
		return "", ""
	}
	_ = json.Unmarshal(v.Error, &code) // "error" may be an object on non-OAuth APIs
	return code, v.Desc
}

func replyDetail(re *oauth2.RetrieveError, code, desc, exception string) string {
	var b strings.Builder
	status := 0
	if re.Response != nil {
		status = re.Response.StatusCode
	}
	if code == "" || status == http.StatusTooManyRequests || status >= 500 {
		b.WriteString("HTTP " + statusText(re.Response))
		if code == "" {
			b.WriteString(bodySummary(re))
			return b.String()
		}
		b.WriteString(": ")
	}
	b.WriteString(code)
	if exception != "" {
		b.WriteString(" (" + exception + ")")
		desc = strings.TrimPrefix(desc, exception+": ") // some clients already prefix it
	}
	if desc != "" {
		b.WriteString(": " + desc)
	}
	return b.String()
}

func statusText(r *http.Response) string {
	if r == nil {
		return "reply"
	}
	if r.Status != "" {
		return r.Status
	}
	return strconv.Itoa(r.StatusCode) + " " + http.StatusText(r.StatusCode)
}

var htmlTitle = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)

// bodySummary says what came instead of an OAuth error: a proxy's HTML
// page (by its title), some text, or nothing.
func bodySummary(re *oauth2.RetrieveError) string {
	body := strings.TrimSpace(string(re.Body))
	ctype := ""
	if re.Response != nil {
		ctype = re.Response.Header.Get("Content-Type")
	}
	switch {
	case body == "":
		return ": no readable OAuth reply"
	case strings.Contains(ctype, "html") || strings.HasPrefix(strings.ToLower(body), "<"):
		if m := htmlTitle.FindStringSubmatch(body); m != nil {
			return fmt.Sprintf(": an HTML page %q instead of an OAuth reply", strings.TrimSpace(m[1]))
		}
		return ": an HTML page instead of an OAuth reply"
	}
	return ": " + body
}

// retryAfter reads Retry-After in seconds or as an HTTP date. A date is
// measured against the reply's own Date header when it has one, so a wrong
// local clock does not distort the wait. Waits are capped at a day.
func retryAfter(h http.Header) time.Duration {
	const maxWait = 24 * time.Hour
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		return clampWait(time.Duration(min(max(secs, 0), int64(maxWait/time.Second))) * time.Second)
	}
	at, err := http.ParseTime(v)
	if err != nil {
		return 0
	}
	now := time.Now()
	if date, err := http.ParseTime(h.Get("Date")); err == nil {
		now = date
	}
	return clampWait(at.Sub(now))
}

func clampWait(d time.Duration) time.Duration {
	return min(max(d, 0), 24*time.Hour)
}

// classifyTLS names the certificate problem behind a TLS failure.
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
		detail = "certificate signed by unknown authority (a TLS-inspecting proxy?)"
		if c := authErr.Cert; c != nil {
			detail = fmt.Sprintf("certificate for %s signed by unknown authority %q (a TLS-inspecting proxy?)",
				certName(c), c.Issuer.CommonName)
		}
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

// classifyNetwork recognises failures to reach the identity provider.
func classifyNetwork(err error) (Diagnosis, bool) {
	var (
		dnsErr *net.DNSError
		opErr  *net.OpError
		netErr net.Error
	)
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
	return diagnose(IdPUnreachable, detail), true
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

// Redact removes the given secrets, and anything that looks like a JWT or
// a long opaque token, from text meant for a person or a log.
func Redact(text string, secrets ...string) string {
	for _, s := range secrets {
		if len(s) >= 4 {
			text = strings.ReplaceAll(text, s, "[redacted]")
		}
	}
	return tokenRun.ReplaceAllStringFunc(text, func(run string) string {
		if looksLikeToken(run) {
			return "[redacted]"
		}
		return run
	})
}

var (
	tokenRun = regexp.MustCompile(`[A-Za-z0-9._~+/=-]{20,}`)
	uuid     = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	queries  = regexp.MustCompile(`\?[^\s"']*`)
)

// looksLikeToken keeps words, URLs, timestamps and UUIDs (Entra's trace
// and correlation IDs help IT) and catches base64, base64url and hex runs.
func looksLikeToken(run string) bool {
	if strings.HasPrefix(run, "eyJ") { // a JWT's base64url header
		return true
	}
	if uuid.MatchString(run) {
		return false
	}
	var digit, upper, lower bool
	for _, r := range run {
		digit = digit || unicode.IsDigit(r)
		upper = upper || unicode.IsUpper(r)
		lower = lower || unicode.IsLower(r)
	}
	if digit && upper && lower {
		return true
	}
	return len(run) >= 32 && digit && (upper || lower) && !strings.ContainsAny(run, "./")
}

func stripQueries(s string) string { return queries.ReplaceAllString(s, "?…") }

// clean makes a Detail: one line, no tokens, at most maxDetail runes.
func clean(s string) string {
	s = Redact(strings.Join(strings.Fields(s), " "))
	if r := []rune(s); len(r) > maxDetail {
		s = strings.TrimSpace(string(r[:maxDetail-1])) + "…"
	}
	return s
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
