// Package config reads ssokeeper's TOML configuration, fills in what each
// provider preset knows, and reports every problem with its file and line.
package config

import "time"

// Config is the whole configuration file.
type Config struct {
	Path     string    // the file it was read from
	Sessions []Session // in file order
	// ClockSkewTolerance is how far the local clock may differ from an
	// IdP's before a session is reported as clock_skew (default 2m).
	ClockSkewTolerance time.Duration
	// AWSDiscover: add every [sso-session …] of ~/.aws/config as a session.
	AWSDiscover bool
	// Browser is the default command that opens sign-in pages, split into
	// its arguments (the URL is appended); nil: $BROWSER or the desktop's.
	Browser []string
}

// Session is one [[session]] table, after presets were applied.
type Session struct {
	Line int // line of its [[session]] header, for messages

	Name     string
	Provider string // oidc | entra | okta | google | keycloak | auth0 | aws-sso
	Issuer   string // resolved issuer URL (presets fill it in)
	ClientID string
	// ClientSecret is true when the client needs a secret; the secret itself
	// lives in the keyring (`ssokeeper secret set NAME`), never in the file.
	ClientSecret bool
	Scopes       []string
	// AuthParams are extra authorization-request parameters
	// (Google: access_type=offline, prompt=consent; Auth0: audience).
	AuthParams map[string]string
	Flow       string // browser | device

	RefreshMargin time.Duration // 0: 20% of the token lifetime, 1m..10m
	WarnBefore    time.Duration // default 15m
	MaxSession    time.Duration // 0: unknown (aws-sso: 8h)

	// Provider-specific inputs, kept for display and doctor.
	Tenant     string // entra
	Domain     string // okta org URL or auth0 domain
	AuthServer string // okta authorization server ("default")
	BaseURL    string // keycloak; github and gitlab (Enterprise Server, self-managed)
	Realm      string // keycloak
	Audience   string // auth0

	// AWS IAM Identity Center.
	SSOSession string
	StartURL   string
	Region     string
	// OmitAWSCacheSecrets (aws_cache_refresh_token = false) writes the AWS
	// CLI's cache file without refreshToken and clientSecret: no refresh
	// token in a plain file, but the AWS CLI cannot refresh on its own
	// while ssokeeper is not running. The zero value keeps the AWS CLI's
	// own format, as `aws sso login` writes it.
	OmitAWSCacheSecrets bool

	// Hosts are the git hosts (e.g. "git.example.com") whose HTTPS
	// credentials this session provides through `ssokeeper git-credential`.
	Hosts []string
	// Discovered is true for sessions found in ~/.aws/config.
	Discovered bool

	// Browser is the command that opens this session's sign-in page, split
	// into its arguments (the URL is appended); nil: the top-level default.
	Browser []string
	// FirefoxContainer opens the sign-in page in this Firefox container
	// (ext+container: URLs, see internal/browser).
	FirefoxContainer string
	// LoginHint is the account to sign in as; it is sent as login_hint
	// (and is in AuthParams).
	LoginHint string
}
