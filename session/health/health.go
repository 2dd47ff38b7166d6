// Package health names the states a session can be in and the causes of
// failure, and carries the words the user is shown for each cause. Status,
// the tray, notifications and doctor all take their text from here.
package health

// State is the health of one session.
type State string

const (
	Healthy     State = "healthy"
	Refreshing  State = "refreshing"
	Retrying    State = "retrying"
	Degraded    State = "degraded"
	NeedsLogin  State = "needs_login"
	Expired     State = "expired"
	ConfigError State = "config_error"
	LoggedOut   State = "logged_out"
)

// NeedsAction reports whether the person must do something (sign in, fix
// the configuration) before the session works again.
func (s State) NeedsAction() bool {
	return s == NeedsLogin || s == Expired || s == ConfigError
}

// Reason is a stable snake_case cause code. The empty Reason means healthy.
type Reason string

const (
	None                Reason = ""
	RefreshTokenExpired Reason = "refresh_token_expired"
	RefreshTokenRevoked Reason = "refresh_token_revoked"
	RefreshTokenInvalid Reason = "refresh_token_invalid"
	RefreshTokenMissing Reason = "refresh_token_missing"
	SSOSessionExpired   Reason = "sso_session_expired"
	InteractionRequired Reason = "interaction_required"
	ClockSkew           Reason = "clock_skew"
	IdPUnreachable      Reason = "idp_unreachable"
	IdPError            Reason = "idp_error"
	TLSError            Reason = "tls_error"
	ClientMisconfigured Reason = "client_misconfigured"
	KeyringUnavailable  Reason = "keyring_unavailable"
	ConfigInvalid       Reason = "config_invalid"
	LoggedOutByUser     Reason = "logged_out"
	SessionEnded        Reason = "session_ended"
	// IdPRefused: a definite answer (a 4xx with an error code or text) that
	// no table here names. The refresh token is kept and tried again
	// slowly: the cause may be a setting, the account or the IdP itself.
	IdPRefused Reason = "idp_refused"
	// AccountDisabled and PasswordExpired: the IdP names the account, not
	// the token, as the cause.
	AccountDisabled Reason = "account_disabled"
	PasswordExpired Reason = "password_expired"
	// TokenCacheUnwritable: refreshed, but the AWS CLI's cache file could
	// not be written, so the AWS CLI still sees the old token.
	TokenCacheUnwritable Reason = "token_cache_unwritable"
)

// Info is what the person is told about a Reason.
type Info struct {
	State   State  // the state a session with this reason is in
	Title   string // short, for menus: "sign-in needed: refresh token revoked"
	Message string // one sentence: what happened
	Fix     string // one sentence: what to do
}

var reasons = map[Reason]Info{
	None: {State: Healthy},
	RefreshTokenExpired: {NeedsLogin, "sign-in needed: refresh token expired",
		"The identity provider says the refresh token has expired (its lifetime or inactivity limit ran out).",
		"Sign in again."},
	RefreshTokenRevoked: {NeedsLogin, "sign-in needed: refresh token revoked",
		"The identity provider revoked the refresh token (a password change, a security policy or an administrator).",
		"Sign in again; if this keeps happening, ask your IT team why sessions are being revoked."},
	RefreshTokenInvalid: {NeedsLogin, "sign-in needed: refresh token rejected",
		"The identity provider rejected the refresh token without saying why (invalid_grant).",
		"Sign in again."},
	RefreshTokenMissing: {NeedsLogin, "sign-in needed: no refresh token",
		"There is no refresh token for this session: none is stored, or the identity provider issued none.",
		"Sign in; if this comes back after every sign-in, add the \"offline_access\" scope (Google: access_type=offline) to the session."},
	SSOSessionExpired: {NeedsLogin, "sign-in needed: SSO session ended",
		"The single-sign-on session at the identity provider timed out, so it no longer accepts the refresh token.",
		"Sign in again; your identity provider's session timeout decides how often this happens."},
	InteractionRequired: {NeedsLogin, "sign-in needed: interaction required",
		"The identity provider requires you to sign in interactively (for example multi-factor authentication).",
		"Sign in again in the browser."},
	ClockSkew: {Degraded, "clock is off",
		"This computer's clock differs from the identity provider's, so tokens look expired or not yet valid.",
		"Synchronise the clock with NTP (for example `timedatectl set-ntp true`)."},
	IdPUnreachable: {Retrying, "identity provider unreachable",
		"The identity provider cannot be reached (DNS, connection or timeout); the refresh token is kept.",
		"Nothing to do: ssokeeper retries with backoff. Check the network or VPN if this lasts."},
	IdPError: {Retrying, "identity provider failing",
		"The identity provider answered with an error or an unreadable reply; the refresh token is kept.",
		"Nothing to do: ssokeeper retries. If this lasts, check the identity provider's status page."},
	TLSError: {Retrying, "TLS certificate problem",
		"The identity provider's TLS certificate was not accepted.",
		"If a corporate proxy inspects TLS, add its CA certificate to the system trust store (or set SSL_CERT_FILE)."},
	ClientMisconfigured: {ConfigError, "client misconfigured",
		"The identity provider rejected the client (client_id or client_secret wrong, expired or not allowed this grant).",
		"Fix client_id / client_secret for this session in the configuration (`ssokeeper config path`)."},
	KeyringUnavailable: {Degraded, "keyring unavailable",
		"The system keyring (Secret Service, macOS Keychain or Windows Credential Manager) did not answer or is locked.",
		"Unlock the keyring, or install and start a Secret Service such as gnome-keyring or KeePassXC."},
	ConfigInvalid: {ConfigError, "configuration invalid",
		"The configuration for this session is invalid.",
		"Run `ssokeeper config validate` and fix the file and line it names."},
	LoggedOutByUser: {LoggedOut, "signed out",
		"You signed out of this session.",
		"Sign in when you want to use it again."},
	IdPRefused: {NeedsLogin, "identity provider refused the refresh",
		"The identity provider refused to refresh this session with an answer ssokeeper does not know (its code and text are shown); the refresh token is kept.",
		"Check the session's scopes, resource and audience in the configuration (`ssokeeper config path`), or show the identity provider's answer to your IT team; then sign in again. ssokeeper tries the refresh again every few hours."},
	AccountDisabled: {NeedsLogin, "sign-in needed: account disabled",
		"The identity provider says your account is disabled, locked or deleted, so it refuses to refresh the session.",
		"Ask your IT team to unlock or re-enable your account, then sign in again."},
	PasswordExpired: {NeedsLogin, "sign-in needed: password expired",
		"The identity provider says your account's password has expired or must be changed.",
		"Sign in again and change your password when the identity provider asks (or where your IT team says)."},
	TokenCacheUnwritable: {Degraded, "AWS CLI cache not written",
		"The session was refreshed, but the AWS CLI's token cache (~/.aws/sso/cache) could not be written, so the AWS CLI still sees the old token.",
		"Make ~/.aws/sso/cache writable by you (ssokeeper writes its files with mode 0600); ssokeeper writes it again at the next refresh."},
	SessionEnded: {Expired, "session ended",
		"The session reached its maximum lifetime and can no longer be refreshed.",
		"Sign in again."},
}

// Describe returns the text for a reason. Unknown reasons describe
// themselves as an identity provider error.
func Describe(r Reason) Info {
	if info, ok := reasons[r]; ok {
		return info
	}
	return reasons[IdPError]
}

// Reasons lists every known reason except None, for tests and docs.
func Reasons() []Reason {
	out := make([]Reason, 0, len(reasons))
	for r := range reasons {
		if r != None {
			out = append(out, r)
		}
	}
	return out
}
