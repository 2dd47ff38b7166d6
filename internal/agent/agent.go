// Package agent wires the long-running ssokeeper: configuration, keyring,
// session manager, control socket, notifications and (optionally) the tray.
package agent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"time"

	"github.com/ssokeeper/ssokeeper/internal/logging"
	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/api"
	"github.com/ssokeeper/ssokeeper/session/clock"
	"github.com/ssokeeper/ssokeeper/session/config"
	"github.com/ssokeeper/ssokeeper/session/health"
	"github.com/ssokeeper/ssokeeper/session/paths"
	"github.com/ssokeeper/ssokeeper/session/providers"
	"github.com/ssokeeper/ssokeeper/session/store"
)

// ErrAlreadyRunning means another agent runs for this user.
var ErrAlreadyRunning = errors.New("ssokeeper is already running for this user")

// Options configure the agent.
type Options struct {
	Verbose bool
	Stderr  io.Writer
	// OpenURL opens a browser for a sign-in the person asked for.
	OpenURL func(url string) error
	// Secrets overrides the OS keyring (tests, the demo).
	Secrets store.Secrets
	// Providers overrides the provider factory (the demo).
	Providers session.ProviderFactory
	// Clock overrides the real clock of the session manager (tests).
	Clock clock.Clock
}

// Agent is a running ssokeeper agent without its UI.
type Agent struct {
	Manager    *session.Manager
	Log        *slog.Logger
	ConfigPath string
	LogPath    string
	// Socket is where the control API listens; SocketRefused, when set,
	// says why the usual place was passed over.
	Socket        string
	SocketRefused error
	opts          Options
	closers       []func()
	wg            sync.WaitGroup
}

// Start takes the per-user agent lock, loads the configuration (writing a
// commented template on first run), builds the manager, and serves the
// control socket. It returns ErrAlreadyRunning when another agent runs.
func Start(ctx context.Context, opts Options) (*Agent, error) {
	stateDir, err := paths.StateDir()
	if err != nil {
		return nil, err
	}
	// A state folder on a read-only or full disk does not stop the agent:
	// state.json is a cache, the locks fall back to the runtime folder,
	// and the log goes to stderr.
	dirErr := paths.EnsureDir(stateDir)
	unlock, ok, err := store.LockAgent(stateDir)
	if err != nil {
		return nil, fmt.Errorf("cannot take the agent lock in %s: %w", stateDir, err)
	}
	if !ok {
		return nil, ErrAlreadyRunning
	}
	// The live heap of even fifty sessions is under a megabyte: collecting
	// at 50% growth keeps the resident size down at no noticeable cost.
	debug.SetGCPercent(50)
	a := &Agent{opts: opts, closers: []func(){unlock}}
	a.LogPath = filepath.Join(stateDir, logging.FileName)
	log, closer, err := logging.Open(a.LogPath, opts.Verbose, opts.Stderr)
	if err != nil {
		var w io.Writer = os.Stderr
		if opts.Stderr != nil {
			w = opts.Stderr
		}
		log = logging.New(w, slog.LevelInfo)
		log.Warn("cannot write the log file; logging to stderr", "err", err)
	} else {
		a.closers = append(a.closers, func() { closer.Close() })
	}
	if dirErr != nil {
		log.Warn("the state directory is not usable; sessions keep their state in memory", "dir", stateDir, "err", dirErr)
	}
	a.Log = log
	if a.ConfigPath, err = paths.ConfigFile(); err != nil {
		a.Close()
		return nil, err
	}
	cfg, cfgErr := a.loadConfig(true)
	secrets := opts.Secrets
	if secrets == nil {
		secrets = store.NewBackgroundKeyring(5 * time.Second)
	}
	factory := opts.Providers
	if factory == nil {
		factory = providers.New
	}
	a.Manager, err = session.New(session.Options{
		Config: cfg, Secrets: secrets, StateDir: stateDir, Providers: factory,
		Logger: log, Agent: true, Clock: opts.Clock,
	})
	if err != nil {
		a.Close()
		return nil, err
	}
	if cfgErr != nil {
		a.Manager.Reload(nil, cfgErr)
	}

	// Another user may have created the usual socket directory first: then
	// the agent listens at the fallback, where the command line looks too.
	ln, sock, refused, err := api.ListenDefault()
	api.LogRefused(log, refused, sock)
	a.Socket = sock
	if refused != nil {
		a.SocketRefused = refused
	}
	if err != nil {
		a.Close()
		return nil, fmt.Errorf("cannot listen on %s: %w", sock, err)
	}
	a.closers = append(a.closers, func() { ln.Close(); os.Remove(sock) })
	a.goRun(func() {
		if err := api.Serve(ctx, ln, a.Manager, log); err != nil {
			log.Error("control socket stopped", "err", err)
		}
	})
	a.goRun(func() { a.Manager.Run(ctx) }) //nolint:errcheck
	// Watch before Start returns, so an edit right after start is seen.
	if w, err := config.NewWatcher(a.ConfigPath); err != nil {
		log.Warn("not watching the configuration for changes", "err", err)
	} else {
		a.goRun(func() {
			err := w.Run(ctx, func() {
				cfg, err := a.loadConfig(false)
				if err != nil {
					log.Warn("configuration invalid; keeping the sessions as they were", "err", err)
				}
				a.Manager.Reload(cfg, err)
			})
			if err != nil && ctx.Err() == nil {
				log.Warn("stopped watching the configuration", "err", err)
			}
		})
	}
	// The desktop comes and goes in any order: sessions waiting for the
	// keyring or the network retry the moment it is back, not after
	// their backoff; after sleep every session is re-planned.
	a.goRun(func() { watchResume(ctx, func() { a.Manager.RetryNow() }, log) })
	a.goRun(func() { watchKeyring(ctx, func() { a.Manager.RetryNow(health.KeyringUnavailable) }, log) })
	a.goRun(func() {
		watchNetwork(ctx, func() { a.Manager.RetryNow(health.IdPUnreachable, health.TLSError) }, log)
	})
	log.Info("agent started", "config", a.ConfigPath, "socket", sock, "sessions", len(cfg.Sessions), "pid", os.Getpid())
	return a, nil
}

// loadConfig reads the configuration, writing the template on first run
// (only at start: a file the person deleted later stays deleted). On error
// it returns an empty configuration and the error.
func (a *Agent) loadConfig(firstRun bool) (*config.Config, error) {
	cfg, err := providers.LoadConfig(a.ConfigPath)
	if errors.Is(err, fs.ErrNotExist) && firstRun {
		if werr := config.WriteTemplate(a.ConfigPath); werr != nil {
			a.Log.Warn("could not write the configuration template", "file", a.ConfigPath, "err", werr)
		} else {
			a.Log.Info("first run: wrote a commented configuration template", "file", a.ConfigPath)
		}
		cfg, err = providers.LoadConfig(a.ConfigPath)
	}
	if errors.Is(err, fs.ErrNotExist) {
		return &config.Config{Path: a.ConfigPath}, nil
	}
	if err != nil {
		return &config.Config{Path: a.ConfigPath}, err
	}
	return cfg, nil
}

func (a *Agent) goRun(f func()) {
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		f()
	}()
}

// Wait blocks until every part stopped (after ctx ended), then releases
// the socket and the lock.
func (a *Agent) Wait() {
	a.wg.Wait()
	a.Close()
}

// Close releases what Start took, last first.
func (a *Agent) Close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i]()
	}
	a.closers = nil
}

// Intents adapts the sessions to the UI's asynchronous intents: the tray
// and notifications fire them and watch the snapshots for the outcome.
type Intents struct {
	Ctx     context.Context
	M       session.Published // the agent's manager
	Log     *slog.Logger
	OpenURL func(string) error
	// OpenURLFor, when set, opens the named session's sign-in page instead
	// of OpenURL (with the session's own browser, profile or container).
	OpenURLFor func(name, url string) error
}

func (i Intents) Subscribe() (<-chan session.Update, func()) { return i.M.Subscribe() }
func (i Intents) Snapshot() session.Snapshot                 { return i.M.Snapshot() }

// Login starts a sign-in the person asked for (a click).
func (i Intents) Login(name string) {
	go func() {
		err := i.M.Login(i.Ctx, name, session.LoginRequest{OpenURL: i.opener(name)})
		if err != nil {
			i.Log.Warn("sign-in failed", "session", name, "err", err)
		}
	}()
}

// LoginInTurn signs in each named session in order, one after another,
// so a batch ("Sign in to all that need it", a grouped notification) opens
// one browser tab at a time. A session that works again by its turn (a
// retry, a sign-in from a terminal) is skipped.
func (i Intents) LoginInTurn(names []string) {
	go func() {
		for _, name := range names {
			if i.Ctx.Err() != nil {
				return
			}
			if st, ok := i.M.Snapshot().Get(name); ok && st.State == health.Healthy {
				continue
			}
			if err := i.M.Login(i.Ctx, name, session.LoginRequest{OpenURL: i.opener(name)}); err != nil {
				i.Log.Warn("sign-in failed", "session", name, "err", err)
			}
		}
	}()
}

func (i Intents) opener(name string) func(string) error {
	if i.OpenURLFor == nil {
		return i.OpenURL
	}
	return func(url string) error { return i.OpenURLFor(name, url) }
}

func (i Intents) Refresh(name string) {
	go i.M.Refresh(i.Ctx, name) //nolint:errcheck // the outcome shows in the snapshot
}

func (i Intents) Logout(name string) {
	go func() {
		if err := i.M.Logout(i.Ctx, name); err != nil {
			i.Log.Warn("sign-out", "session", name, "err", err)
		}
	}()
}

func (i Intents) RefreshAll() {
	for _, st := range i.M.Snapshot().Sessions {
		if !st.State.NeedsAction() {
			i.Refresh(st.Name)
		}
	}
}
