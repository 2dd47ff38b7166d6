// Package session is the core of ssokeeper: it owns every session's tokens
// and state, refreshes them before they expire, diagnoses failures, and
// publishes immutable snapshots for the tray, the notifier and the CLI.
package session

import (
	"context"
	"errors"
	"time"

	"github.com/ssokeeper/ssokeeper/session/config"
	"github.com/ssokeeper/ssokeeper/session/health"
)

// Tokens is what an identity provider hands out at sign-in or refresh.
// Tokens are secrets: never log, print or wrap them into errors.
type Tokens struct {
	AccessToken  string
	TokenType    string // usually "Bearer"
	RefreshToken string // empty: the IdP kept the old one (or issued none at sign-in)
	IDToken      string
	// Expiry is when the access token expires, on the manager's clock:
	// providers compute it from expires_in with ProviderDeps.Now, never
	// with time.Now, so a fake clock in tests and the manager's plans agree.
	Expiry time.Time
	// RefreshExpiry is when the refresh token or SSO session ends, when the
	// IdP says so (refresh_expires_in, AWS session end), on the same clock.
	// Zero when unknown.
	RefreshExpiry time.Time
}

// Provider talks to one identity provider on behalf of one session.
// Implementations must be safe for use by one goroutine at a time; the
// manager never calls a session's provider concurrently.
type Provider interface {
	// Refresh redeems a refresh token. Errors from the IdP are returned
	// as *oauth2.RetrieveError (or wrap one) so health.Classify can read
	// them; network errors are returned as they come.
	Refresh(ctx context.Context, refreshToken string) (*Tokens, error)
	// Login signs the person in interactively.
	Login(ctx context.Context, req LoginRequest) (*Tokens, error)
	// Revoke revokes a refresh token at the IdP (RFC 7009). It returns
	// ErrNotSupported when the IdP has no revocation endpoint.
	Revoke(ctx context.Context, refreshToken string) error
}

// ErrNotSupported is returned by a Provider for an operation its IdP lacks.
var ErrNotSupported = errors.New("not supported by this identity provider")

// ErrStopping is returned for an operation asked of an agent that is
// stopping: it starts no new refresh or sign-in.
var ErrStopping = errors.New("ssokeeper is stopping")

// LoginRequest says how an interactive sign-in may reach the person.
type LoginRequest struct {
	Device bool // use the device-authorization flow
	// OpenURL shows a URL to the person (opens the browser). Called only
	// because a person asked to sign in.
	OpenURL func(url string) error
	// ShowDeviceCode tells the person the code to enter (device flow).
	ShowDeviceCode func(DeviceCode)
	// Timeout bounds the whole sign-in; zero means 5 minutes.
	Timeout time.Duration
	// Joined, when set, is called if this request joined a sign-in that
	// was already pending (and so opens no browser of its own).
	Joined func()
}

// DeviceCode is what the person needs for the device flow.
type DeviceCode struct {
	UserCode                string
	VerificationURI         string
	VerificationURIComplete string
	ExpiresAt               time.Time
}

// Snapshot is an immutable picture of every session. Never modify one you
// received; the manager shares it between subscribers.
type Snapshot struct {
	Sessions []Status `json:"sessions"`
	// ClockSkewSeconds is the local clock minus the IdPs' clocks, as last
	// measured (positive: this computer is ahead).
	ClockSkewSeconds float64   `json:"clock_skew_seconds"`
	At               time.Time `json:"-"`
	AgentRunning     bool      `json:"agent_running"`
	ConfigError      string    `json:"config_error,omitempty"`
}

// Status is the health of one session, as `status --json` prints it.
type Status struct {
	Name                string        `json:"name"`
	Provider            string        `json:"provider"`
	State               health.State  `json:"state"`
	Reason              health.Reason `json:"reason"`
	Message             string        `json:"message"`
	Fix                 string        `json:"fix"`
	Detail              string        `json:"detail,omitempty"` // the IdP's own words, token-free
	AccessExpiresAt     *time.Time    `json:"access_expires_at"`
	SessionExpiresAt    *time.Time    `json:"session_expires_at"`
	LastRefresh         *time.Time    `json:"last_refresh"`
	NextRefresh         *time.Time    `json:"next_refresh"`
	ConsecutiveFailures int           `json:"consecutive_failures"`
	LoginPending        bool          `json:"login_pending,omitempty"`
	// WarnAt is when the session starts "ending soon": its hard end less
	// its warn_before. Nil when the end is unknown.
	WarnAt *time.Time `json:"warn_at,omitempty"`
}

// Title is the session's reason in a few words, the title line every view
// shows: "sign-in needed: refresh token revoked"; empty when healthy.
func (s Status) Title() string { return health.Describe(s.Reason).Title }

// NeedsSignIn reports whether a sign-in is what repairs the session
// (signed out, expired, or the refresh token is gone).
func (s Status) NeedsSignIn() bool {
	return s.State == health.NeedsLogin || s.State == health.Expired || s.State == health.LoggedOut
}

// EndingSoon reports whether a working session's hard end is within its
// warn_before at now: the tray turns to attention and says when it ends.
func (s Status) EndingSoon(now time.Time) bool {
	if s.SessionExpiresAt == nil || s.State.NeedsAction() || s.State == health.LoggedOut {
		return false
	}
	warnAt := s.SessionExpiresAt.Add(-config.DefaultWarnBefore) // a status from an older agent
	if s.WarnAt != nil {
		warnAt = *s.WarnAt
	}
	return !now.Before(warnAt)
}

// Get returns the status of the named session.
func (s Snapshot) Get(name string) (Status, bool) {
	for _, st := range s.Sessions {
		if st.Name == name {
			return st, true
		}
	}
	return Status{}, false
}

// EventKind says what happened.
type EventKind string

const (
	// StateChanged: a session moved from one state or reason to another.
	StateChanged EventKind = "state_changed"
	// EndingSoon: the session's hard end is within warn_before.
	EndingSoon EventKind = "ending_soon"
	// LoginSucceeded: an interactive sign-in repaired the session.
	LoginSucceeded EventKind = "login_succeeded"
	// DeviceCodeShown: a device-flow sign-in waits for the person.
	DeviceCodeShown EventKind = "device_code"
)

// Event is a transition the UI may want to tell the person about.
type Event struct {
	Kind       EventKind
	Session    string
	From, To   health.State
	Reason     health.Reason
	Status     Status      // the session after the event
	DeviceCode *DeviceCode // for DeviceCodeShown
	At         time.Time
}

// Update is what a subscriber receives: the newest snapshot and every
// event since the previous update (events are never dropped).
type Update struct {
	Snapshot Snapshot
	Events   []Event
}

// Importer is implemented by providers whose tokens may also be written by
// another program (the AWS CLI's SSO cache). The manager calls Import at
// start and before a refresh, and adopts the result when it is newer.
type Importer interface {
	Import() (*Tokens, error)
}
