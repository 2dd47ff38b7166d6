package cli

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/ssokeeper/ssokeeper/assets"
	"github.com/ssokeeper/ssokeeper/internal/agent"
	"github.com/ssokeeper/ssokeeper/internal/autostart"
	"github.com/ssokeeper/ssokeeper/notify"
	"github.com/ssokeeper/ssokeeper/session/clock"
	"github.com/ssokeeper/ssokeeper/tray"
)

func cmdRun(ctx context.Context, e *Env, g *Globals, args []string) int {
	fs := newFlags(e, "run", "[--headless]", "Run the agent: keep every session fresh, serve `token` and `status`, notify when something needs you.")
	headless := fs.Bool("headless", false, "no tray icon (notifications still work)")
	if _, code, ok := parse(fs, args, e); !ok {
		return code
	}
	return RunAgent(ctx, e, g, agent.Options{}, !*headless)
}

// RunAgent runs the agent until ctx ends or the person quits from the
// tray. With withTray, the tray runs on the calling goroutine (main's: the
// tray must own the main thread on macOS).
func RunAgent(ctx context.Context, e *Env, g *Globals, opts agent.Options, withTray bool) int {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	opts.Verbose, opts.Stderr = g.Verbose, e.Stderr
	perSession := opts.OpenURL == nil // not the demo's or a test's own opener
	if opts.OpenURL == nil {
		opts.OpenURL = OpenBrowser
	}
	a, err := agent.Start(ctx, opts)
	if errors.Is(err, agent.ErrAlreadyRunning) {
		fmt.Fprintln(e.Stderr, "ssokeeper is already running for this user: nothing more to start (see `ssokeeper status`).")
		return exitAction
	}
	if err != nil {
		return report(e, err)
	}
	defer a.Wait()
	defer cancel()
	if a.SocketRefused != nil {
		fmt.Fprintf(e.Stderr, "ssokeeper: %v; listening at %s instead\n", a.SocketRefused, a.Socket)
	}
	go agent.WatchSessionBus(ctx, a.Log, cancel) // logout ends the session bus

	if len(a.Manager.Snapshot().Sessions) == 0 {
		fmt.Fprintf(e.Stderr, "No sessions configured yet: add one to %s (it has commented examples for each provider).\nssokeeper picks up the change at once; check it with `ssokeeper config validate`.\n", a.ConfigPath)
	}
	intents := agent.Intents{Ctx: ctx, M: a.Manager, Log: a.Log, OpenURL: opts.OpenURL}
	if perSession {
		intents.OpenURLFor = func(name, url string) error {
			return sessionBrowser(a.Manager.Config(), name)(url)
		}
	}
	icon := writeIcon(a)
	n, nerr := notify.New(notify.Options{Logger: a.Log, IconPath: icon, OpenURL: opts.OpenURL,
		OpenURLFor: intents.OpenURLFor, Presence: notify.WatchPresence(ctx, a.Log)})
	if nerr != nil {
		a.Log.Warn("notifications", "err", nerr)
		fmt.Fprintf(e.Stderr, "ssokeeper: %v\n", nerr)
	}
	defer n.Close()
	updates, unsubscribe := a.Manager.Subscribe()
	defer unsubscribe()
	go n.Run(ctx, updates, intents)

	if withTray {
		// Never decide "headless" at start: at login the panel often
		// comes after the agent, and systray registers with it then.
		go tray.WatchHost(ctx, clock.Real{}, trayHostGrace, a.Log, func(why string) {
			fmt.Fprintf(e.Stderr, "ssokeeper: no tray icon yet: %s\n", why)
			n.Notice("ssokeeper runs without a tray icon", why+". Sessions are still kept fresh, and the icon appears when a tray host starts; meanwhile use `ssokeeper status`.") //nolint:errcheck
		})
		var auto tray.Autostart
		if m, err := autostart.New(); err == nil {
			auto = m
		}
		err := tray.Run(ctx, intents, tray.Options{
			ConfigPath: a.ConfigPath, LogPath: a.LogPath, Open: OpenFile,
			Autostart: auto, Quit: cancel, Logger: a.Log,
		})
		if err != nil {
			a.Log.Warn("running without a tray icon", "err", err)
			fmt.Fprintf(e.Stderr, "ssokeeper: running without a tray icon: %v\n", err)
			runHeadless(ctx, e, a)
		}
		cancel()
	} else {
		runHeadless(ctx, e, a)
	}
	a.Log.Info("agent stopping")
	return exitOK
}

// runHeadless waits for the end of the agent with no tray.
func runHeadless(ctx context.Context, e *Env, a *agent.Agent) {
	fmt.Fprintf(e.Stderr, "ssokeeper agent running (log: %s). Stop it with Ctrl-C.\n", a.LogPath)
	<-ctx.Done()
}

// trayHostGrace is how long the desktop has to start a tray host before
// the person is told there is none (panels start within seconds of login).
const trayHostGrace = 30 * time.Second

// writeIcon puts the app icon on disk for notification servers, which
// take a path.
func writeIcon(a *agent.Agent) string {
	path := filepath.Join(filepath.Dir(a.LogPath), "ssokeeper.png")
	if err := writeFileIfChanged(path, assets.AppIconPNG(64)); err != nil {
		return ""
	}
	return path
}
