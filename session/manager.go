package session

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"sync"
	"time"

	"github.com/ssokeeper/ssokeeper/session/clock"
	"github.com/ssokeeper/ssokeeper/session/config"
	"github.com/ssokeeper/ssokeeper/session/health"
	"github.com/ssokeeper/ssokeeper/session/store"
)

// ProviderDeps is what the manager hands a provider it creates.
type ProviderDeps struct {
	HTTPClient   *http.Client           // bounded in time; measures clock skew
	ClientSecret func() (string, error) // reads the keyring; nil when the client has none
	Now          func() time.Time       // the manager's clock
}

// ProviderFactory builds the Provider of one configured session.
type ProviderFactory func(s config.Session, deps ProviderDeps) (Provider, error)

// Options configures a Manager.
type Options struct {
	Config    *config.Config
	Secrets   store.Secrets
	StateDir  string // holds state.json and the lock files
	Providers ProviderFactory
	Clock     clock.Clock  // nil: the real clock
	Logger    *slog.Logger // nil: discard
	// Agent is true in the long-running agent: it plans refreshes and its
	// snapshots say the agent runs. A CLI without an agent leaves it false.
	Agent bool
	// HTTPTimeout bounds each request to an IdP (default 30 s).
	HTTPTimeout time.Duration
	// Seed makes jitter reproducible in tests (0: random).
	Seed uint64
}

// Manager owns every session: its tokens, its state and its refreshes.
// Everything else reads snapshots and sends intents.
type Manager struct {
	opts   Options
	clk    clock.Clock
	log    *slog.Logger
	skewOK time.Duration

	// runCtx is the agent's lifetime; refreshes run under it, not under a
	// caller's request, so one impatient caller cannot break a refresh that
	// others joined.
	runCtx context.Context

	stateMu sync.Mutex // serialises state.json writes in this process

	mu       sync.Mutex
	rnd      *rand.Rand
	sessions map[string]*sess
	order    []string
	cfgErr   string
	last     map[string]Status // as last published, for transitions
	subs     map[*subscriber]struct{}
	wake     chan struct{}
}

// New builds a manager from the configuration and the stored state. It
// does no network I/O.
func New(opts Options) (*Manager, error) {
	if opts.Clock == nil {
		opts.Clock = clock.Real{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.HTTPTimeout <= 0 {
		opts.HTTPTimeout = refreshTimeout
	}
	if opts.Config == nil {
		opts.Config = &config.Config{}
	}
	seed := opts.Seed
	if seed == 0 {
		seed = rand.Uint64()
	}
	m := &Manager{
		opts:     opts,
		clk:      opts.Clock,
		log:      opts.Logger,
		runCtx:   context.Background(),
		rnd:      rand.New(rand.NewPCG(seed, seed^0x5eed)),
		sessions: map[string]*sess{},
		last:     map[string]Status{},
		subs:     map[*subscriber]struct{}{},
		wake:     make(chan struct{}, 1),
	}
	st, err := store.LoadState(m.statePath())
	if err != nil {
		m.log.Warn("state file unreadable; starting afresh", "err", err)
		st = &store.State{}
	}
	m.apply(opts.Config, st)
	m.mu.Lock()
	m.last = m.statusesLocked()
	m.mu.Unlock()
	return m, nil
}

// lifetime is the context refreshes and sign-ins run under.
func (m *Manager) lifetime() context.Context {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.runCtx
}

func (m *Manager) statePath() string { return filepath.Join(m.opts.StateDir, "state.json") }

// apply installs a configuration: new sessions are added, removed ones
// dropped, changed ones rebuilt. Stored state is kept for every name.
func (m *Manager) apply(cfg *config.Config, st *store.State) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.skewOK = cfg.ClockSkewTolerance
	if m.skewOK <= 0 {
		m.skewOK = defaultSkewTol
	}
	keep := map[string]bool{}
	m.order = m.order[:0]
	for _, c := range cfg.Sessions {
		keep[c.Name] = true
		m.order = append(m.order, c.Name)
		old := m.sessions[c.Name]
		if old != nil && sameConfig(old.cfg, c) {
			continue
		}
		s := m.newSess(c)
		if old != nil {
			s.st, s.access, s.lastReason, s.detail = old.st, old.access, old.lastReason, old.detail
			s.rt, s.rtLoaded = old.rt, old.rtLoaded
			if s.lastReason == health.ClientMisconfigured && s.st.HasRefreshToken {
				// The client settings changed: try them at once.
				s.lastReason, s.detail = health.None, ""
				s.st.NextRefresh = m.clk.Now()
			}
		} else if st != nil {
			s.restore(st.Sessions[c.Name], m.clk.Now())
		}
		m.sessions[c.Name] = s
	}
	for name := range m.sessions {
		if !keep[name] {
			delete(m.sessions, name)
		}
	}
}

func (m *Manager) newSess(c config.Session) *sess {
	s := &sess{name: c.Name, cfg: c, meter: &skewMeter{}}
	deps := ProviderDeps{
		HTTPClient: newIdPClient(s.meter, m.opts.HTTPTimeout),
		Now:        m.clk.Now,
	}
	if c.ClientSecret {
		name := c.Name
		deps.ClientSecret = func() (string, error) {
			v, err := m.opts.Secrets.Get(name, "client_secret")
			if errors.Is(err, store.ErrNotFound) {
				return "", fmt.Errorf("no client secret stored for %s: run `ssokeeper secret set %s`", name, name)
			}
			return v, err
		}
	}
	if m.opts.Providers == nil {
		s.provErr = errors.New("no provider factory")
	} else if p, err := m.opts.Providers(c, deps); err != nil {
		s.provErr = err
	} else {
		s.prov = p
	}
	return s
}

// Reload installs a new configuration, keeping the state of every session
// that is still configured. A nil config with err records a config error.
func (m *Manager) Reload(cfg *config.Config, err error) {
	if err != nil {
		m.mu.Lock()
		m.cfgErr = err.Error()
		m.mu.Unlock()
		m.publish(nil)
		return
	}
	m.mu.Lock()
	m.cfgErr = ""
	m.opts.Config = cfg
	m.mu.Unlock()
	m.apply(cfg, nil)
	m.mu.Lock()
	for _, s := range m.sessions {
		if s.access.AccessToken == "" && s.st.HasRefreshToken && s.st.NextRefresh.IsZero() {
			s.st.NextRefresh = m.clk.Now()
		}
	}
	m.mu.Unlock()
	m.publish(nil)
	m.replan()
}

// Config returns the configuration in use.
func (m *Manager) Config() *config.Config {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.opts.Config
}

func (m *Manager) get(name string) (*sess, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sessions[name]
	if !ok {
		return nil, &UnknownSessionError{Name: name, Known: append([]string(nil), m.order...)}
	}
	return s, nil
}

// UnknownSessionError names a session that is not configured.
type UnknownSessionError struct {
	Name  string
	Known []string
}

func (e *UnknownSessionError) Error() string {
	if len(e.Known) == 0 {
		return fmt.Sprintf("no session named %q: the configuration has no sessions yet (see `ssokeeper config path`)", e.Name)
	}
	return fmt.Sprintf("no session named %q; configured sessions: %v", e.Name, e.Known)
}

// ActionError is returned when a session cannot give out a token until the
// person acts (signs in, fixes the configuration).
type ActionError struct{ Status Status }

func (e *ActionError) Error() string {
	st := e.Status
	info := health.Describe(st.Reason)
	what := info.Title
	if what == "" {
		what = string(st.State)
	}
	switch st.State {
	case health.ConfigError:
		return fmt.Sprintf("%s: %s. %s", st.Name, what, info.Fix)
	case health.NeedsLogin, health.Expired, health.LoggedOut:
		return fmt.Sprintf("%s: %s. Click the ssokeeper icon or run `ssokeeper login %s`.", st.Name, what, st.Name)
	default:
		return fmt.Sprintf("%s: no valid token (%s). %s", st.Name, what, info.Fix)
	}
}

func sameConfig(a, b config.Session) bool {
	a.Line, b.Line = 0, 0
	return fmt.Sprint(a) == fmt.Sprint(b)
}
