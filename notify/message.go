package notify

// action is what a notification offers to do when clicked.
type action int

const (
	noAction action = iota
	signIn          // "Sign in": Actions.Login for each of message.sessions
	openURL         // "Open": open message.url in the browser
)

// urgency follows the freedesktop notification spec (low, normal, critical).
type urgency byte

const (
	low urgency = iota
	normal
)

// message is one notification bubble, independent of how it is shown.
type message struct {
	// key identifies the bubble: a later message with the same key
	// replaces it (Linux replaces_id) instead of adding a second one.
	key      string
	title    string
	body     string
	action   action
	sessions []string // signed in one after another by Sign in; for Open, whose page it is
	// anyState signs in even a session that is healthy now (the warning
	// before a session's hard end); otherwise only sessions that still
	// need action are signed in.
	anyState bool
	url      string // opened by the Open action
	urgency  urgency
}

// label is the button text for the message's action.
func (m message) label() string {
	switch m.action {
	case signIn:
		return "Sign in"
	case openURL:
		return "Open"
	}
	return ""
}

// withClickHint returns the body for a transport that cannot offer the
// action as a button: the person is sent to the tray icon instead.
func (m message) withClickHint(appName string) string {
	if m.action != signIn {
		return m.body
	}
	hint := "Click the " + appName + " icon to sign in."
	if m.body == "" {
		return hint
	}
	return m.body + "\n" + hint
}
