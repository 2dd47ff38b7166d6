// The replies of identity providers: OAuth error bodies, HTTP statuses,
// Entra AADSTS codes and AWS exception names, mapped to reasons.

package health

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

func classifyReply(re *oauth2.RetrieveError) Diagnosis {
	status, header := 0, http.Header{}
	if re.Response != nil {
		status, header = re.Response.StatusCode, re.Response.Header
	}
	code, desc := re.ErrorCode, re.ErrorDescription
	if code == "" { // JSON served as text/plain is parsed by x/oauth2 as a query string
		if c, d := parseErrorJSON(re.Body); c != "" || d != "" {
			code, desc = c, d
		}
	}
	desc = stripRFCText(desc)
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
	if r, ok := providerCodes[code]; ok {
		return r
	}
	switch code {
	case "invalid_grant":
		if exception == "InvalidGrantException" {
			// AWS IAM Identity Center answers this, with a generic text,
			// when the SSO session behind the refresh token has ended.
			return SSOSessionExpired
		}
		return grantReason(text)
	case "":
		// Only an error_description (or an error object's message).
		if text == "" {
			return IdPError // nothing readable
		}
		if r, ok := accountReason(text); ok {
			return r
		}
		if namesRefreshToken(text) {
			return grantReason(text)
		}
		return IdPRefused
	case "expired_token": // AWS ExpiredTokenException; RFC 8628 device code
		return SSOSessionExpired
	case "interaction_required", "login_required", "consent_required",
		"account_selection_required", "mfa_required", "authorization_pending":
		return InteractionRequired
	case "access_denied":
		if r, ok := accountReason(text); ok {
			return r
		}
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
		if namesRefreshToken(text) { // Dex: "Refresh token is invalid or has already been claimed…"
			return grantReason(text)
		}
		return ClientMisconfigured
	case "unauthorized_client":
		if namesRefreshToken(text) { // Atlassian: "refresh_token is invalid"
			return grantReason(text)
		}
		return ClientMisconfigured
	case "invalid_client", "unsupported_grant_type",
		"deleted_client", "invalid_client_metadata", "invalid_redirect_uri":
		return ClientMisconfigured
	}
	// A code no table names is still a definite answer: not transient, and
	// not a reason to throw the refresh token away.
	if r, ok := accountReason(text); ok {
		return r
	}
	return IdPRefused
}

// grantReason tells apart the invalid_grant texts of the common IdPs.
// Order matters: "Session not active" names the session, "expired or
// revoked" (Google) and "invalid or expired" (Okta) name expiry first.
func grantReason(text string) Reason {
	if containsAny(text, "session not active", "user session not found", "invalid_rapt",
		"reauth related error", "session expired", "session has expired", "session is expired",
		"session timed out", "sso session") {
		return SSOSessionExpired
	}
	if r, ok := accountReason(text); ok {
		return r
	}
	switch {
	case catchAllText(text):
		return RefreshTokenInvalid
	case containsAny(text, "expired or revoked", "invalid or expired"):
		return RefreshTokenExpired
	case containsAny(text, "revoked", "stale", "doesn't have required client", "reuse", "already used",
		"password", "issued before the", "no longer valid"):
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
	"50057":   AccountDisabled,     // UserDisabled
	"50053":   AccountDisabled,     // IdsLocked: account locked
	"50034":   AccountDisabled,     // UserAccountNotFound: deleted from the directory
	"50144":   PasswordExpired,     // the user's Active Directory password has expired
	"700003":  RefreshTokenRevoked, // device object deleted from the tenant
	"70043":   SSOSessionExpired,   // sign-in frequency (Conditional Access)
	"50132":   SSOSessionExpired,   // SsoArtifactInvalidOrExpired
	"50076":   InteractionRequired, // MFA required
	"50079":   InteractionRequired, // MFA enrolment required
	"50078":   InteractionRequired, // presented MFA expired
	"50074":   InteractionRequired, // strong authentication required
	"50158":   InteractionRequired, // external security challenge
	"50055":   PasswordExpired,     // InvalidPasswordExpiredPassword
	"50135":   PasswordExpired,     // password change required (account risk)
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

// parseErrorJSON reads an error body x/oauth2 could not: JSON served as
// text/plain, or an "error" that is an object ({"error":{"message":…}}, as
// Google's and other non-OAuth APIs answer), or a bare "message".
func parseErrorJSON(body []byte) (code, desc string) {
	var v struct {
		Error   json.RawMessage `json:"error"`
		Desc    string          `json:"error_description"`
		Message string          `json:"message"`
	}
	if json.Unmarshal(body, &v) != nil {
		return "", ""
	}
	if json.Unmarshal(v.Error, &code) != nil {
		var obj struct {
			Message string `json:"message"`
			Status  string `json:"status"`
		}
		if json.Unmarshal(v.Error, &obj) == nil && v.Desc == "" {
			v.Desc = strings.TrimSpace(obj.Status + " " + obj.Message)
		}
	}
	if v.Desc == "" {
		v.Desc = v.Message
	}
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
		if code == "" && desc != "" {
			return b.String() + ": " + desc
		}
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
