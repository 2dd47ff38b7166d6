package session

import (
	"errors"
	"fmt"

	"github.com/ssokeeper/ssokeeper/session/health"
)

// The core's errors carry facts, not advice about commands: which session,
// what failed, a reason or one of the kinds below. The CLI, the tray and
// the notifier word the advice (`ssokeeper login NAME --device`, a menu
// item) for their own person.

// Error is a failed operation on one session. Its text names the session
// once, first: "work: sign-in failed: the sign-in timed out …"; the cause
// below it (a provider's error) does not name it again.
type Error struct {
	Session string
	Op      string // what failed, in a few words: "sign-in failed"; may be empty
	Err     error
}

func (e *Error) Error() string {
	if e.Op == "" {
		return e.Session + ": " + e.Err.Error()
	}
	return e.Session + ": " + e.Op + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Kinds of failure a view may advise on, wrapped by providers and the
// manager. Each has a stable code so it survives the agent's socket.
var (
	ErrLoginTimedOut     = errors.New("the sign-in timed out")
	ErrNoBrowser         = errors.New("no browser can be opened here")
	ErrDeviceCodeExpired = errors.New("the device code expired before it was entered")
	ErrNoClientSecret    = errors.New("no client secret is stored in the keyring")
)

var kinds = map[string]error{
	"login_timed_out":     ErrLoginTimedOut,
	"no_browser":          ErrNoBrowser,
	"device_code_expired": ErrDeviceCodeExpired,
	"no_client_secret":    ErrNoClientSecret,
}

// KindOf returns the code of the first kind err wraps, or "".
func KindOf(err error) string {
	for code, kind := range kinds {
		if errors.Is(err, kind) {
			return code
		}
	}
	return ""
}

// Kind returns the error of a code KindOf gave, or nil.
func Kind(code string) error { return kinds[code] }

// UnknownSessionError names a session that is not configured.
type UnknownSessionError struct {
	Name  string
	Known []string
}

func (e *UnknownSessionError) Error() string {
	if len(e.Known) == 0 {
		return fmt.Sprintf("no session named %q: the configuration has no sessions yet", e.Name)
	}
	return fmt.Sprintf("no session named %q; configured sessions: %v", e.Name, e.Known)
}

// ActionError is returned when a session cannot give out a token until the
// person acts (signs in, fixes the configuration). Its text says what is
// wrong; how to sign in is the view's to say (NeedsSignIn tells when).
type ActionError struct{ Status Status }

func (e *ActionError) Error() string {
	st := e.Status
	info := health.Describe(st.Reason)
	what := info.Title
	if what == "" {
		what = string(st.State)
	}
	if health.RetriesSlowly(st.Reason) {
		// What is known is the IdP's own answer: show it with the fix.
		return fmt.Sprintf("%s: %s (%s). %s", st.Name, what, st.Detail, info.Fix)
	}
	switch {
	case st.State == health.ConfigError:
		return fmt.Sprintf("%s: %s. %s", st.Name, what, info.Fix)
	case e.NeedsSignIn():
		return fmt.Sprintf("%s: %s.", st.Name, what)
	default:
		return fmt.Sprintf("%s: no valid token (%s). %s", st.Name, what, info.Fix)
	}
}

// NeedsSignIn reports whether a sign-in repairs the session.
func (e *ActionError) NeedsSignIn() bool { return e.Status.NeedsSignIn() }

// RefreshError is a failed refresh with its diagnosis.
type RefreshError struct {
	Session   string
	Diagnosis health.Diagnosis
	cause     error
}

func (e *RefreshError) Error() string {
	info := health.Describe(e.Diagnosis.Reason)
	msg := fmt.Sprintf("%s: %s: %s", e.Session, info.Title, info.Message)
	if e.Diagnosis.Detail != "" {
		msg += " (" + e.Diagnosis.Detail + ")"
	}
	return msg + " " + info.Fix
}

func (e *RefreshError) Unwrap() error { return e.cause }
