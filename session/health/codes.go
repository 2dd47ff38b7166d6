// Error codes and texts of identity providers that do not keep to RFC 6749
// section 5.2: their own codes, errors about the account rather than the
// token, and the RFC's own definition of invalid_grant echoed as the text.

package health

import (
	"regexp"
	"strings"
)

// providerCodes maps error codes outside RFC 6749 to reasons. Sources:
// GitHub "Troubleshooting OAuth app access token request errors" and
// "Refreshing user access tokens"; Slack's oauth.v2.access errors (HTTP
// 200 with "ok":false); Salesforce's OAuth 2.0 token endpoint errors;
// RFC 6749 and RFC 6750 codes some servers send from the token endpoint.
var providerCodes = map[string]Reason{
	// Transient by definition (RFC 6749 4.1.2.1; Slack, Salesforce).
	"server_error":            IdPError,
	"temporarily_unavailable": IdPError,
	"slow_down":               IdPError, // RFC 8628: poll more slowly
	"ratelimited":             IdPError,
	"rate_limit_exceeded":     IdPError,
	"fatal_error":             IdPError,
	"internal_error":          IdPError,
	"service_unavailable":     IdPError,
	"request_timeout":         IdPError,

	"invalid_token":         RefreshTokenInvalid, // RFC 6750, sent by some token endpoints
	"bad_refresh_token":     RefreshTokenInvalid, // GitHub: "The refresh token passed is incorrect or expired"
	"invalid_refresh_token": RefreshTokenInvalid, // Slack
	"token_revoked":         RefreshTokenRevoked, // Slack
	"token_expired":         RefreshTokenExpired, // Slack
	"bad_verification_code": InteractionRequired, // GitHub: the sign-in code is wrong or expired
	"incorrect_device_code": InteractionRequired, // GitHub device flow

	"account_inactive": AccountDisabled, // Slack: a deleted user or workspace
	"inactive_user":    AccountDisabled, // Salesforce
	"inactive_org":     AccountDisabled, // Salesforce: the organisation is locked or closed
	"user_disabled":    AccountDisabled,
	"user_locked":      AccountDisabled,
	"account_disabled": AccountDisabled,
	"account_locked":   AccountDisabled,
	"password_expired": PasswordExpired,

	"incorrect_client_credentials": ClientMisconfigured, // GitHub
	"redirect_uri_mismatch":        ClientMisconfigured, // GitHub, Google
	"device_flow_disabled":         ClientMisconfigured, // GitHub
	"invalid_client_id":            ClientMisconfigured, // Slack, Salesforce
	"bad_client_secret":            ClientMisconfigured, // Slack
	"invalid_grant_type":           ClientMisconfigured, // Slack
	"bad_redirect_uri":             ClientMisconfigured, // Slack
}

// accountText matches errors that name the account as the cause.
var (
	accountText  = regexp.MustCompile(`\b(user|account|member|organi[sz]ation|org)\b[^.;]{0,30}\b(is |was |has been )?(disabled|locked|deleted|deactivated|suspended|inactive|not active|blocked|frozen|not found|does not exist|doesn't exist|no longer exists)\b|\b(disabled|locked|deleted|deactivated|suspended|inactive|blocked)( (user|account|member))\b|\blocked out\b`)
	passwordText = regexp.MustCompile(`password (has |is )?expired|expired password|password must be changed|must change (your |the )?password|password (change|reset) (is )?required|password needs to be (changed|reset)`)
)

// accountReason tells account-level refusals: the account is disabled,
// locked or deleted, or its password expired.
func accountReason(text string) (Reason, bool) {
	switch {
	case passwordText.MatchString(text):
		return PasswordExpired, true
	case accountText.MatchString(text):
		return AccountDisabled, true
	}
	return "", false
}

// namesRefreshToken reports whether an error's text is about the grant,
// so servers that send it under another code (Dex invalid_request,
// Atlassian unauthorized_client) are read as invalid_grant.
func namesRefreshToken(text string) bool {
	return containsAny(text, "refresh token", "refresh_token", "refreshtoken", "authorization grant", "invalid grant")
}

// rfcGrantText is RFC 6749's definition of invalid_grant, which Ory
// Hydra (fosite), GitLab (Doorkeeper) and others send as the text, with
// their own hint, if any, after it. It names every cause at once
// ("invalid, expired, revoked…"), so only the hint tells which.
var rfcGrantText = regexp.MustCompile(`(?i)the provided authorization grant( \(e\.g\., authorization code, resource owner credentials\))?( or refresh token)? is invalid, expired, revoked, does not match the redirection uri used in the authorization request, or was issued to another client\.?`)

// catchAllText lists every cause at once in other words ("invalid,
// expired, or revoked"): it says as little as a bare invalid_grant.
func catchAllText(text string) bool {
	return containsAny(text, "invalid, expired, or revoked", "invalid, expired or revoked", "invalid, expired, revoked")
}

func stripRFCText(desc string) string {
	return strings.TrimSpace(rfcGrantText.ReplaceAllString(desc, ""))
}
