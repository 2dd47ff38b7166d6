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

// sessions is how every session command reaches the sessions: the
// running agent's socket, or, when no agent answers, a manager in this
// process. Commands hold one and do not care which.
type sessions struct {
	session.Sessions
	agent bool // the running agent answers; false: this process's manager
	close func() error
}

func (s *sessions) Close() error {
	if s.close != nil {
		return s.close()
	}
	return nil
}

// openSessions makes the one choice "agent or local under the lock": the
// agent when it answers, else a manager in this process, whose refreshes
// and sign-ins take the session's lock file, so two processes never spend
// the same refresh token.
func openSessions(ctx context.Context, e *Env, g *Globals) (*sessions, error) {
	if c, err := agentClient(e); err == nil {
		_, err := c.Status(ctx)
		if err == nil {
			return &sessions{Sessions: c, agent: true}, nil
		}
		if !errors.Is(err, api.ErrNoAgent) {
			return nil, err
		}
	}
	return openLocalSessions(e, g)
}

// openLocalSessions is a manager in this process, whatever the agent does.
func openLocalSessions(e *Env, g *Globals) (*sessions, error) {
	l, err := openLocal(e, g)
	if err != nil {
		return nil, err
	}
	return &sessions{Sessions: l.m, close: l.Close}, nil
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
