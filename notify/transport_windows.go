//go:build windows

package notify

import (
	"fmt"
	"strings"
	"sync"

	toast "git.sr.ht/~jackmordaunt/go-toast"
)

// toastGUID names ssokeeper's activation callback to Windows; it must stay
// the same from release to release.
const toastGUID = "{3B8D2C61-5E0A-4C55-9F2D-6A1E7C4B9D20}"

// toastTransport shows Windows toasts. A toast with an action has a button
// (and a click on the toast itself) that comes back through the activation
// callback. Windows has no replaces_id: each message is a new toast.
type toastTransport struct {
	transportOptions

	mu   sync.Mutex
	seq  int
	msgs map[string]message // activation argument -> message
}

func newTransport(o transportOptions) (transport, error) {
	t := &toastTransport{transportOptions: o, msgs: map[string]message{}}
	err := toast.SetAppData(toast.AppData{AppID: o.appName, GUID: toastGUID, IconPath: o.icon})
	if err != nil {
		return nil, fmt.Errorf("could not register %s for Windows notifications: %w", o.appName, err)
	}
	toast.SetActivationCallback(t.activated)
	return t, nil
}

func (t *toastTransport) show(m message) error {
	n := toast.Notification{
		AppID: t.appName,
		Title: cdata(m.title),
		Body:  cdata(m.body),
		Icon:  t.icon,
	}
	if m.action != noAction {
		t.mu.Lock()
		t.seq++
		// The argument goes into an XML attribute: keep it plain.
		arg := fmt.Sprintf("ssokeeper-%d", t.seq)
		t.msgs[arg] = m
		t.mu.Unlock()
		n.ActivationType = toast.Foreground
		n.ActivationArguments = arg
		n.Actions = []toast.Action{{Type: toast.Foreground, Content: m.label(), Arguments: arg}}
	}
	if err := n.Push(); err != nil {
		return fmt.Errorf("Windows did not show the notification: %w", err)
	}
	return nil
}

func (t *toastTransport) activated(args string, _ []toast.UserData) {
	t.mu.Lock()
	m, ok := t.msgs[args]
	delete(t.msgs, args) // one click, one sign-in
	t.mu.Unlock()
	if ok {
		t.onAction(m)
	}
}

// cdata keeps text inside the toast template's CDATA sections.
func cdata(s string) string { return strings.ReplaceAll(s, "]]>", "]] >") }

func (t *toastTransport) close() error { return nil }
