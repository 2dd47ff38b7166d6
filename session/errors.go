package session

import "errors"

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
