package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/ssokeeper/ssokeeper/internal/logging"
	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/api"
	"github.com/ssokeeper/ssokeeper/session/config"
	"github.com/ssokeeper/ssokeeper/session/paths"
	"github.com/ssokeeper/ssokeeper/session/providers"
	"github.com/ssokeeper/ssokeeper/session/store"
)

// keyringTimeout bounds every keyring call: a Secret Service waiting on an
// unlock prompt must not hang the CLI or the agent.
const keyringTimeout = 5 * time.Second

// agentClient returns a client for the running agent's socket. When the
// usual socket directory is refused (another user made it, or it is a
// symlink or open to others) it says so in one line and the client looks
// only at the fallback, where this user's agent then listens.
func agentClient(e *Env) (*api.Client, error) {
	socks, refused, err := api.Places()
	if err != nil {
		return nil, err
	}
	if refused != nil && !e.refusalSaid {
		e.refusalSaid = true
		fmt.Fprintf(e.Stderr, "ssokeeper: %v; another user may be posing as the agent, so ssokeeper looks only at %s\n", refused, socks[0])
	}
	return api.NewClient(socks...), nil
}

// sessions is how every session command reaches the sessions, and the
// one place that chooses "the agent, or a manager here under the lock":
// each call goes to the running agent's socket and, when no agent
// answers there, to a manager in this process, opened then. Its refreshes
// and sign-ins take the session's lock file, so two processes never spend
// the same refresh token. Commands hold one and do not care which answers.
type sessions struct {
	e     *Env
	g     *Globals
	agent *api.Client // nil: do not ask the agent (none, or it stalled)
	local *local      // opened at the first call the agent did not answer
	// viaAgent: the last call was answered by the agent.
	viaAgent bool
}

var _ session.Sessions = (*sessions)(nil)

// openSessions returns the sessions of the running agent or, without one,
// of this process. Nothing is asked or opened until the first call.
func openSessions(e *Env, g *Globals) *sessions {
	s := &sessions{e: e, g: g}
	if c, err := agentClient(e); err == nil {
		s.agent = c
	}
	return s
}

// openLocalSessions is a manager in this process, whatever the agent does.
func openLocalSessions(e *Env, g *Globals) *sessions { return &sessions{e: e, g: g} }

// Close releases the local manager, if one was opened.
func (s *sessions) Close() error {
	if s.local != nil {
		return s.local.Close()
	}
	return nil
}

// via runs call on the agent, or locally when no agent answers.
func via[T any](s *sessions, call func(session.Sessions) (T, error)) (T, error) {
	if s.agent != nil {
		v, err := call(s.agent)
		if !errors.Is(err, api.ErrNoAgent) {
			s.viaAgent = true
			return v, err
		}
		s.agent = nil // not running: ask this process from now on
	}
	s.viaAgent = false
	if s.local == nil {
		l, err := openLocal(s.e, s.g)
		if err != nil {
			var zero T
			return zero, err
		}
		s.local = l
	}
	return call(s.local.m)
}

func (s *sessions) Status(ctx context.Context) (session.Snapshot, error) {
	return via(s, func(x session.Sessions) (session.Snapshot, error) { return x.Status(ctx) })
}

func (s *sessions) Refresh(ctx context.Context, name string) error {
	_, err := via(s, func(x session.Sessions) (struct{}, error) { return struct{}{}, x.Refresh(ctx, name) })
	return err
}

func (s *sessions) Login(ctx context.Context, name string, req session.LoginRequest) error {
	_, err := via(s, func(x session.Sessions) (struct{}, error) { return struct{}{}, x.Login(ctx, name, req) })
	return err
}

func (s *sessions) Logout(ctx context.Context, name string) error {
	_, err := via(s, func(x session.Sessions) (struct{}, error) { return struct{}{}, x.Logout(ctx, name) })
	return err
}

func (s *sessions) Token(ctx context.Context, name string, minValid time.Duration) (session.Tokens, error) {
	return via(s, func(x session.Sessions) (session.Tokens, error) { return x.Token(ctx, name, minValid) })
}

// local is the session package used directly, when no agent runs. Its
// refreshes take the session's lock file, so two processes never spend the
// same refresh token.
type local struct {
	m   *session.Manager
	cfg *config.Config
	log *slog.Logger
	cl  func() error
}

func (l *local) Close() error {
	if l.cl != nil {
		return l.cl()
	}
	return nil
}

// openLocal loads the configuration and builds a manager that does not
// plan refreshes (the agent does that).
func openLocal(e *Env, g *Globals) (*local, error) {
	path, err := configPath()
	if err != nil {
		return nil, err
	}
	cfg, err := providers.LoadConfig(path)
	if errors.Is(err, fs.ErrNotExist) {
		cfg = &config.Config{Path: path}
	} else if err != nil {
		return nil, err
	}
	stateDir, err := paths.StateDir()
	if err != nil {
		return nil, err
	}
	// A read-only or full disk still gives tokens: state.json is a cache
	// and the locks fall back to the runtime folder.
	paths.EnsureDir(stateDir) //nolint:errcheck // the manager warns when it cannot write
	log, closer, err := logging.Open(filepath.Join(stateDir, logging.FileName), g.Verbose, e.Stderr)
	if err != nil {
		log, closer = logging.Discard(), nil
	}
	m, err := session.New(session.Options{
		Config:    cfg,
		Secrets:   store.NewKeyring(keyringTimeout),
		StateDir:  stateDir,
		Providers: providers.New,
		Logger:    log.With("process", "cli"),
	})
	if err != nil {
		return nil, err
	}
	l := &local{m: m, cfg: cfg, log: log}
	if closer != nil {
		l.cl = closer.Close
	}
	return l, nil
}

// sessionArg takes the one NAME argument of a session command, or prints
// the usage.
func sessionArg(e *Env, pos []string, cmd string) (string, bool) {
	if len(pos) != 1 {
		fmt.Fprintf(e.Stderr, "usage: ssokeeper %s NAME\n", cmd)
		fmt.Fprintln(e.Stderr, "hint: `ssokeeper status` lists the session names")
		return "", false
	}
	return pos[0], true
}

// noAgentNote is printed when a command ran without the agent.
func noAgentNote(e *Env) {
	fmt.Fprintln(e.Stderr, "note: the ssokeeper agent is not running, so sessions are not refreshed in the background; start it with `ssokeeper` (or `ssokeeper run --headless`), or enable `ssokeeper autostart enable`")
}
