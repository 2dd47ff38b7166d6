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
	Keyring      Keyring                // the session's part of the keyring, for what a provider keeps itself
}

// Keyring is one session's part of the OS keyring (a store.Secrets bound
// to the session's name).
type Keyring interface {
	Get(key string) (string, error) // wraps store.ErrNotFound when absent
	Set(key, value string) error
	Delete(key string) error
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
	// ops counts the operations in flight (join); stopping, set when Run
	// ends, starts no more. Both guarded by mu (ops.Add only under it).
	ops      sync.WaitGroup
	stopping bool

	stateMu sync.Mutex // serialises state.json writes in this process
	// stateFailing: the last write of state.json failed (guarded by stateMu).
	stateFailing bool

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
	m.apply(opts.Config, m.loadState())
	if !opts.Agent {
		m.askKeyring()
	}
	m.mu.Lock()
	m.last = m.statusesLocked()
	m.mu.Unlock()
	return m, nil
}

// askKeyring settles, for a CLI without an agent, what state.json could
// not say: whether the keyring holds a session's refresh token. (The agent
// refreshes such sessions at once instead.) Without it, `status` would show
// them refreshing when nothing refreshes.
func (m *Manager) askKeyring() {
	m.mu.Lock()
	var unsure []*sess
	for _, s := range m.sessions {
		if s.probe {
			unsure = append(unsure, s)
		}
	}
	m.mu.Unlock()
	for _, s := range unsure {
		rt, err := m.opts.Secrets.Get(s.name, keyRefreshToken)
		m.mu.Lock()
		switch {
		case err == nil && rt != "":
			s.probe, s.st.HasRefreshToken = false, true // refreshed when a token is asked for
		case err == nil || errors.Is(err, store.ErrNotFound):
			s.probe = false // needs a sign-in
		default:
			s.lastReason, s.detail = health.KeyringUnavailable, health.Redact(err.Error())
		}
		m.mu.Unlock()
	}
}

// lifetime is the context refreshes and sign-ins run under.
func (m *Manager) lifetime() context.Context {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.runCtx
}

// opContext bounds a refresh or an adoption by d, but not by the agent's
// lifetime: a refresh cancelled at shutdown may already have rotated the
// refresh token at the IdP, and its reply then holds the only valid copy.
func (m *Manager) opContext(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(m.lifetime()), d)
}

// finishInFlight starts no new operation and waits, at most limit, for
// those in flight: refreshes store what they got before the agent exits.
// Sign-ins end on their own, as the agent's lifetime has ended.
func (m *Manager) finishInFlight(limit time.Duration) {
	m.mu.Lock()
	m.stopping = true
	m.mu.Unlock()
	done := make(chan struct{})
	go func() { m.ops.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(limit): // real time: a safety net, also under a fake clock
		m.log.Warn("stopping with a refresh still in flight", "waited", limit)
	}
}

func (m *Manager) statePath() string { return filepath.Join(m.opts.StateDir, "state.json") }

// loadState reads state.json. It is a cache: a lost or corrupt file gives
// an empty state, and every session with a refresh token in the keyring is
// then refreshed from there. A corrupt file is kept aside for a person to
// look at, and reported once.
func (m *Manager) loadState() *store.State {
	st, err := store.LoadState(m.statePath())
	if errors.Is(err, store.ErrCorruptState) {
		aside, moveErr := store.SetAside(m.statePath(), m.clk.Now())
		if moveErr != nil {
			m.log.Warn("state file corrupt and could not be kept aside; sessions are rebuilt from the keyring", "err", err, "move_err", moveErr)
		} else {
			m.log.Warn("state file corrupt; kept aside, sessions are rebuilt from the keyring", "err", err, "kept_as", aside)
		}
	} else if err != nil {
		m.log.Warn("state file unreadable; sessions are rebuilt from the keyring", "err", err)
	}
	return st
}

// apply installs a configuration: new sessions are added, removed ones
// dropped, changed ones rebuilt around their runtime state. A session new
// to this manager takes its record in st, when st has one.
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
			s.runState = old.runState // all of it: see sess
			if _, ok := s.prov.(Importer); ok && !s.st.LoggedOut {
				s.adopt = true
			}
			if s.lastReason == health.ClientMisconfigured && s.st.HasRefreshToken {
				// The client settings changed: try them at once.
				s.lastReason, s.detail = health.None, ""
				s.st.NextRefresh = m.clk.Now()
			}
		} else {
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
	s := &sess{name: c.Name, cfg: c, meter: &skewMeter{}, runState: &runState{}}
	deps := ProviderDeps{
		HTTPClient: newIdPClient(s.meter, m.opts.HTTPTimeout),
		Now:        m.clk.Now,
		Keyring:    sessionKeyring{m.opts.Secrets, c.Name},
	}
	if c.ClientSecret {
		name := c.Name
		deps.ClientSecret = func() (string, error) {
			v, err := m.opts.Secrets.Get(name, "client_secret")
			if errors.Is(err, store.ErrNotFound) {
				return "", ErrNoClientSecret
			}
			health.Known.Add(name+"/client", v)
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
	// A session added back (or the file restored after being emptied)
	// takes its record from state.json, or probes the keyring.
	m.apply(cfg, m.loadState())
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

// sessionKeyring binds the keyring to one session's name.
type sessionKeyring struct {
	secrets store.Secrets
	name    string
}

func (k sessionKeyring) Get(key string) (string, error) { return k.secrets.Get(k.name, key) }
func (k sessionKeyring) Set(key, value string) error    { return k.secrets.Set(k.name, key, value) }
func (k sessionKeyring) Delete(key string) error        { return k.secrets.Delete(k.name, key) }

func sameConfig(a, b config.Session) bool {
	a.Line, b.Line = 0, 0
	return fmt.Sprint(a) == fmt.Sprint(b)
}
