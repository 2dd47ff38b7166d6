// Package tray shows the session manager's snapshots as a tray icon and
// menu, and sends the person's clicks back as intents. It is a client:
// it never refreshes a token or touches the keyring.
package tray

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"fyne.io/systray"

	"github.com/ssokeeper/ssokeeper/assets"
	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/clock"
)

// Backend is the session manager as the tray sees it.
type Backend interface {
	Subscribe() (updates <-chan session.Update, cancel func())
	Snapshot() session.Snapshot
	Login(name string) // asynchronous; a backend with LoginInTurn([]string) signs a batch in one at a time
	Refresh(name string)
	Logout(name string)
	RefreshAll()
}

// Autostart turns starting at login on and off.
type Autostart interface {
	Enabled() (bool, error)
	SetEnabled(bool) error
}

// Options are what the menu needs beyond the sessions.
type Options struct {
	ConfigPath, LogPath string
	Open                func(pathOrURL string) error // opens a file with the desktop's default app
	Autostart           Autostart                    // nil hides "Start at login"
	Quit                func()                       // called on "Quit" after the tray is removed
	Logger              *slog.Logger

	// Clock drives the relative times in the menu; nil is the real clock.
	Clock clock.Clock
}

var started atomic.Bool

// Run shows the tray and blocks until Quit or ctx ends. Call from main,
// once per process (systray holds global state; on macOS it must own the
// main thread). It fails at once when no tray can be shown at all (no
// D-Bus session bus); use Available to also spot a missing tray host.
func Run(ctx context.Context, b Backend, opts Options) error {
	if err := busReady(); err != nil {
		return err
	}
	if !started.CompareAndSwap(false, true) {
		return errors.New("the tray can be started only once per process")
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Clock == nil {
		opts.Clock = clock.Real{}
	}
	t := &tray{b: b, opts: opts, clicks: make(chan action), done: make(chan struct{})}
	t.menu = menu{clicks: t.clicks, done: t.done}

	updates, cancel := b.Subscribe()
	defer cancel()

	// Set before Run: systray exports these when it registers, while later
	// changes can be lost in a race inside the library until the next tick.
	t.snap = b.Snapshot()
	t.model = t.render()
	systray.SetTitle("ssokeeper")
	systray.SetTooltip(t.model.Tooltip)
	systray.SetTemplateIcon(assets.TemplateIcon(t.model.Icon), assets.TrayIcon(t.model.Icon))
	// Before Run: on Linux this decides whether a click activates the
	// item or opens the menu.
	systray.SetOnTapped(func() { t.send(action{kind: actTap}) })

	var quit atomic.Bool
	systray.Run(func() {
		t.menu.apply(t.model, opts.Autostart != nil)
		t.syncAutostart()
		go func() {
			quit.Store(t.loop(ctx, updates))
			systray.Quit()
		}()
	}, nil)
	close(t.done)
	if quit.Load() && opts.Quit != nil {
		opts.Quit()
	}
	return nil
}

type tray struct {
	b      Backend
	opts   Options
	menu   menu
	clicks chan action
	done   chan struct{}
	snap   session.Snapshot
	model  Model // what is shown; only the loop touches it after start
}

// send hands a click from a systray goroutine to the loop.
func (t *tray) send(a action) {
	select {
	case t.clicks <- a:
	case <-t.done:
	}
}

func (t *tray) render() Model {
	return Render(t.snap, t.opts.Clock.Now())
}

// loop applies snapshots and clicks until Quit (true) or ctx ends.
func (t *tray) loop(ctx context.Context, updates <-chan session.Update) bool {
	// Relative times ("in 12 min") need a redraw now and then.
	tick := t.opts.Clock.NewTimer(time.Minute)
	defer tick.Stop()
	healed := false
	for {
		select {
		case <-ctx.Done():
			return false
		case u, ok := <-updates:
			if !ok {
				updates = nil
				continue
			}
			t.snap = u.Snapshot
			t.show(false)
		case <-tick.C():
			tick.Reset(time.Minute)
			t.show(!healed)
			healed = true
		case a := <-t.clicks:
			if a.kind == actQuit {
				return true
			}
			t.do(a)
		}
	}
}

// show redraws. force sets icon and tooltip even when unchanged, once, to
// heal a value lost while systray was registering; not more often, as
// systray's SetIcon races with a host reading the icon.
func (t *tray) show(force bool) {
	old := t.model
	t.model = t.render()
	if t.menu.apply(t.model, t.opts.Autostart != nil) {
		t.syncAutostart()
	}
	if force || t.model.Icon != old.Icon {
		systray.SetTemplateIcon(assets.TemplateIcon(t.model.Icon), assets.TrayIcon(t.model.Icon))
	}
	if force || t.model.Tooltip != old.Tooltip {
		systray.SetTooltip(t.model.Tooltip)
	}
}
