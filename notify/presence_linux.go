package notify

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/ssokeeper/ssokeeper/internal/sessionbus"
)

// What tells that the screen is locked, where the desktop has it.
const (
	logindName    = "org.freedesktop.login1"
	logindPath    = "/org/freedesktop/login1"
	logindManager = "org.freedesktop.login1.Manager"
	logindSession = "org.freedesktop.login1.Session"
	saverName     = "org.freedesktop.ScreenSaver"
	saverPath     = "/org/freedesktop/ScreenSaver"
	propsIface    = "org.freedesktop.DBus.Properties"
)

// presenceCallTimeout bounds each D-Bus call made while setting up.
const presenceCallTimeout = 5 * time.Second

// screenLock is a Presence read from logind's LockedHint of this login
// session (system bus) and org.freedesktop.ScreenSaver's ActiveChanged
// (session bus). Either may be missing; the screen counts as locked when
// either says so.
type screenLock struct {
	mu            sync.Mutex
	locked, saver bool
	changes       chan struct{}
	wg            sync.WaitGroup
}

// WatchPresence follows the screen lock until ctx ends. It returns nil
// when there is no bus to watch at all: notifications are then never
// held. A screensaver service that appears later is heard too (its signal
// is matched by interface, whoever sends it).
func WatchPresence(ctx context.Context, log *slog.Logger) Presence {
	p := &screenLock{changes: make(chan struct{}, 1)}
	errLogind := p.watchLogind(ctx, log)
	errSaver := p.watchScreenSaver(ctx)
	if errLogind != nil {
		log.Debug("screen lock: logind's LockedHint is not available", "err", errLogind)
	}
	if errSaver != nil {
		log.Debug("screen lock: no session bus for org.freedesktop.ScreenSaver", "err", errSaver)
	}
	if errLogind != nil && errSaver != nil {
		return nil
	}
	go func() { p.wg.Wait(); close(p.changes) }()
	return p
}

func (p *screenLock) Away() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.locked || p.saver
}

func (p *screenLock) Changes() <-chan struct{} { return p.changes }

func (p *screenLock) set(field *bool, v bool) {
	p.mu.Lock()
	changed := *field != v
	*field = v
	p.mu.Unlock()
	if changed {
		select {
		case p.changes <- struct{}{}:
		default: // a wake-up is already pending; Away is read then
		}
	}
}

func (p *screenLock) watchLogind(ctx context.Context, log *slog.Logger) error {
	conn, err := dbus.ConnectSystemBus() // a private connection
	if err != nil {
		return err
	}
	fail := func(err error) error { conn.Close(); return err }
	call := func(obj dbus.BusObject, method string, out any, args ...any) error {
		cctx, cancel := context.WithTimeout(ctx, presenceCallTimeout)
		defer cancel()
		return obj.CallWithContext(cctx, method, 0, args...).Store(out)
	}
	var owner string
	if err := call(conn.BusObject(), "org.freedesktop.DBus.GetNameOwner", &owner, logindName); err != nil {
		return fail(err)
	}
	path, err := sessionPath(conn, call)
	if err != nil {
		return fail(err)
	}
	sess := conn.Object(logindName, path)
	var locked bool
	if err := call(sess, propsIface+".Get", &locked, logindSession, "LockedHint"); err != nil {
		return fail(err)
	}
	p.set(&p.locked, locked)
	err = conn.AddMatchSignal(dbus.WithMatchSender(logindName), dbus.WithMatchObjectPath(path),
		dbus.WithMatchInterface(propsIface), dbus.WithMatchMember("PropertiesChanged"))
	if err != nil {
		return fail(err)
	}
	ch := make(chan *dbus.Signal, 8)
	conn.Signal(ch)
	p.follow(ctx, conn, ch, &p.locked, func(sig *dbus.Signal) {
		locked, known, reread := lockedHint(sig, owner, path)
		if reread {
			known = call(sess, propsIface+".Get", &locked, logindSession, "LockedHint") == nil
		}
		if known {
			p.set(&p.locked, locked)
		}
	})
	log.Debug("screen lock: following logind's LockedHint", "session", path)
	return nil
}

// lockedHint reads a PropertiesChanged signal of logind's session object.
// Only logind's own signals about our session count: a unicast signal
// from any other peer on the system bus is not a lock. reread: the
// property was invalidated without its value.
func lockedHint(sig *dbus.Signal, owner string, path dbus.ObjectPath) (locked, known, reread bool) {
	if sig.Sender != owner || sig.Path != path || sig.Name != propsIface+".PropertiesChanged" || len(sig.Body) < 3 {
		return false, false, false
	}
	if iface, _ := sig.Body[0].(string); iface != logindSession {
		return false, false, false
	}
	changed, _ := sig.Body[1].(map[string]dbus.Variant)
	if v, ok := changed["LockedHint"]; ok {
		locked, known = v.Value().(bool)
		return locked, known, false
	}
	inv, _ := sig.Body[2].([]string)
	return false, false, slices.Contains(inv, "LockedHint")
}

// sessionPath finds this process's logind session: by $XDG_SESSION_ID, by
// our PID, or logind's "auto" (the caller's session, or the user's display
// session).
func sessionPath(conn *dbus.Conn, call func(dbus.BusObject, string, any, ...any) error) (dbus.ObjectPath, error) {
	mgr := conn.Object(logindName, logindPath)
	var path dbus.ObjectPath
	var errs []error
	if id := os.Getenv("XDG_SESSION_ID"); id != "" {
		err := call(mgr, logindManager+".GetSession", &path, id)
		if err == nil {
			return path, nil
		}
		errs = append(errs, err)
	}
	err := call(mgr, logindManager+".GetSessionByPID", &path, uint32(os.Getpid()))
	if err == nil {
		return path, nil
	}
	errs = append(errs, err)
	if err = call(mgr, logindManager+".GetSession", &path, "auto"); err == nil {
		return path, nil
	}
	return "", errors.Join(append(errs, err)...)
}

func (p *screenLock) watchScreenSaver(ctx context.Context) error {
	conn, err := sessionbus.Dial()
	if err != nil {
		return err
	}
	err = conn.AddMatchSignal(dbus.WithMatchInterface(saverName), dbus.WithMatchMember("ActiveChanged"))
	if err != nil {
		conn.Close()
		return err
	}
	ch := make(chan *dbus.Signal, 8)
	conn.Signal(ch)
	cctx, cancel := context.WithTimeout(ctx, presenceCallTimeout)
	var active bool
	if conn.Object(saverName, saverPath).CallWithContext(cctx, saverName+".GetActive", 0).Store(&active) == nil {
		p.set(&p.saver, active)
	}
	cancel()
	p.follow(ctx, conn, ch, &p.saver, func(sig *dbus.Signal) {
		if sig.Name != saverName+".ActiveChanged" || len(sig.Body) != 1 {
			return
		}
		if b, ok := sig.Body[0].(bool); ok {
			p.set(&p.saver, b)
		}
	})
	return nil
}

// follow hands every signal to handle until ctx ends or the bus goes
// away, then closes conn. A source whose bus is gone no longer counts as
// locked: notifications are never held by a lock nobody can report over.
// (When ctx ends the agent is stopping: nothing is released then.)
func (p *screenLock) follow(ctx context.Context, conn *dbus.Conn, ch <-chan *dbus.Signal, field *bool, handle func(*dbus.Signal)) {
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		defer conn.Close()
		for {
			select {
			case <-ctx.Done():
				return
			case sig, ok := <-ch:
				if !ok {
					p.set(field, false)
					return
				}
				handle(sig)
			}
		}
	}()
}
