// Package notify shows desktop notifications for the manager's events: a
// session that needs sign-in (with a "Sign in" action where the OS allows
// it), a warning before a session's hard end, a confirmation after sign-in,
// and the device-flow code. It only reads updates and sends intents back;
// it never touches a token.
package notify

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/ssokeeper/ssokeeper/internal/browser"
	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/clock"
	"github.com/ssokeeper/ssokeeper/session/health"
)

// Actions is what a notification may ask for; the manager implements it.
type Actions interface{ Login(name string) }

// Options configures a Notifier. Every field is optional.
type Options struct {
	AppName  string // shown as the sender; default "ssokeeper"
	IconPath string // PNG on disk, may be empty
	Logger   *slog.Logger
	// OpenURL opens the device-flow page when the person clicks Open;
	// default: $BROWSER, else the OS default browser.
	OpenURL func(url string) error
	// OpenURLFor, when set, opens it instead with the session's own
	// browser (the page asks to sign in: the right profile matters).
	OpenURLFor func(session, url string) error
	// Clock times the grouping window; default the system clock.
	Clock clock.Clock
	// GroupWindow gathers failures arriving this close together into one
	// notification. Zero means 2 s; negative groups only the failures of
	// one Update.
	GroupWindow time.Duration
	// Presence, when set, holds notifications while the screen is locked
	// (see hold.go and WatchPresence).
	Presence Presence
}

// Notifier turns session updates into desktop notifications.
type Notifier struct {
	appName string
	log     *slog.Logger
	open    func(string) error
	clk     clock.Clock
	window  time.Duration
	tr      transport

	mu     sync.Mutex
	seq    int              // for Notice keys
	snap   session.Snapshot // newest, to skip sessions that no longer need sign-in
	logins chan message     // sign-in requests for Run's worker; nil outside Run

	presence Presence  // nil: never hold
	held     []message // waiting for the person to be back
	openFor  func(session, url string) error
}

// transport shows messages on one platform. show replaces the bubble shown
// earlier under the same key where the platform can.
type transport interface {
	show(m message) error
	close() error
}

// transportOptions is what every platform transport is built from.
type transportOptions struct {
	appName, icon string
	log           *slog.Logger
	onAction      func(message) // the person clicked the message's action
	// onServer shows again what a notification server that just started
	// should show; called from the transport's own goroutine.
	onServer func([]message)
}

// New returns a Notifier. It always returns a usable one: when the
// platform cannot show notifications (no D-Bus session bus), the Notifier
// writes them to the log and the error says why, for the caller to log once.
func New(opts Options) (*Notifier, error) {
	n := &Notifier{
		appName:  opts.AppName,
		log:      opts.Logger,
		open:     opts.OpenURL,
		clk:      opts.Clock,
		window:   opts.GroupWindow,
		presence: opts.Presence,
		openFor:  opts.OpenURLFor,
	}
	if n.appName == "" {
		n.appName = "ssokeeper"
	}
	if n.log == nil {
		n.log = slog.Default()
	}
	if n.open == nil {
		n.open = browser.Open
	}
	if n.clk == nil {
		n.clk = clock.Real{}
	}
	if n.window == 0 {
		n.window = 2 * time.Second
	}
	to := transportOptions{appName: n.appName, icon: opts.IconPath, log: n.log, onAction: n.act, onServer: n.showAgain}
	tr, err := newTransport(to)
	if err != nil {
		n.tr = logTransport{log: n.log}
		n.followPresence()
		return n, fmt.Errorf("desktop notifications are off, notices go to the log only: %w", err)
	}
	n.tr = tr
	n.followPresence()
	return n, nil
}

// Close releases the connection to the notification service.
func (n *Notifier) Close() error { return n.tr.close() }

// Notice sends a one-off notice (e.g. "no tray host found, running without
// an icon").
func (n *Notifier) Notice(title, body string) error {
	n.mu.Lock()
	n.seq++
	key := fmt.Sprintf("notice:%d", n.seq)
	n.mu.Unlock()
	return n.tr.show(message{key: key, title: title, body: body, urgency: normal})
}

// Run consumes updates until ctx ends or the channel closes. Sign-in
// actions clicked while Run runs call actions.Login, one session after
// another, on a goroutine of their own.
func (n *Notifier) Run(ctx context.Context, updates <-chan session.Update, actions Actions) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	logins := make(chan message, 8)
	n.mu.Lock()
	n.logins = logins
	n.mu.Unlock()
	defer func() {
		n.mu.Lock()
		n.logins = nil
		n.mu.Unlock()
	}()
	go n.signIn(ctx, logins, actions)

	pol := newPolicy(n.clk.Now)
	first := true
	var timer clock.Timer
	var due <-chan time.Time // the grouping window's end, nil when none runs
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return
		case <-due:
			due = nil
			n.show(pol.flush())
		case u, ok := <-updates:
			if !ok {
				n.show(pol.flush())
				return
			}
			n.mu.Lock()
			n.snap = u.Snapshot
			n.mu.Unlock()
			if first {
				pol.seed(u.Snapshot)
				first = false
			}
			n.show(pol.events(u.Events))
			pol.prune(u.Snapshot)
			switch {
			case !pol.hasPending() || due != nil:
			case n.window < 0:
				n.show(pol.flush())
			case timer == nil:
				timer = n.clk.NewTimer(n.window)
				due = timer.C()
			default:
				timer.Reset(n.window)
				due = timer.C()
			}
		}
	}
}

func (n *Notifier) show(msgs []message) {
	for _, m := range n.holdWhileAway(msgs) {
		if err := n.tr.show(m); err != nil {
			n.log.Warn("desktop notification not shown", "title", m.title, "err", err)
			continue
		}
		n.log.Debug("desktop notification shown", "title", m.title)
	}
}

// showAgain shows, on a notification server that just started, what
// waited for one: each incident once, and only while it is still open (a
// session repaired meanwhile asks for nothing).
func (n *Notifier) showAgain(msgs []message) {
	var still []message
	for _, m := range msgs {
		if m.action == signIn && !m.anyState && !slices.ContainsFunc(m.sessions, func(s string) bool { return n.wantsLogin(s, false) }) {
			continue
		}
		still = append(still, m)
	}
	n.show(still)
}

// act runs a clicked action. It is called from the transport's goroutine
// and must not block it.
func (n *Notifier) act(m message) {
	switch m.action {
	case openURL:
		go func() {
			open := n.open
			if n.openFor != nil && len(m.sessions) == 1 {
				open = func(u string) error { return n.openFor(m.sessions[0], u) }
			}
			if err := open(m.url); err != nil {
				n.log.Warn("could not open the sign-in page in the browser; open it by hand", "url", m.url, "err", err)
			}
		}()
	case signIn:
		n.mu.Lock()
		defer n.mu.Unlock()
		if n.logins == nil {
			n.log.Info("sign-in clicked in a notification while the agent is stopping; ignored")
			return
		}
		select {
		case n.logins <- m:
		default:
			n.log.Info("sign-in clicked while many sign-ins wait; ignored")
		}
	}
}

// signIn signs in the sessions of each clicked message, one after another
// where the actions can (LoginInTurn).
// It asks the newest snapshot first, so a session repaired meanwhile (or
// already signing in) does not open a browser window for nothing.
func (n *Notifier) signIn(ctx context.Context, logins <-chan message, actions Actions) {
	for {
		select {
		case <-ctx.Done():
			return
		case m := <-logins:
			var names []string
			for _, name := range m.sessions {
				if n.wantsLogin(name, m.anyState) {
					names = append(names, name)
				}
			}
			if q, ok := actions.(interface{ LoginInTurn([]string) }); ok && len(names) > 1 {
				q.LoginInTurn(names) // one tab at a time
				continue
			}
			for _, name := range names {
				actions.Login(name)
			}
		}
	}
}

func (n *Notifier) wantsLogin(name string, anyState bool) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	st, ok := n.snap.Get(name)
	if !ok || st.LoginPending {
		return false
	}
	return anyState || st.State != health.Healthy
}
