package doctor

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/ssokeeper/ssokeeper/internal/autostart"
	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/awssso"
	"github.com/ssokeeper/ssokeeper/session/config"
	"github.com/ssokeeper/ssokeeper/session/store"
)

// Input is everything Run looks at, explicit so tests can swap each part.
type Input struct {
	ConfigPath string
	// Load reads the configuration (providers.LoadConfig); nil: config.Load.
	Load    func(path string) (*config.Config, error)
	Name    string // check only this session; "" for every one
	Refresh bool   // test the client with a real refresh (the person asked)
	Secrets store.Secrets
	HTTP    *http.Client // for discovery; nil: NewHTTPClient()
	// Agent is the running agent's socket client (*api.Client); its
	// Status answers api.ErrNoAgent when none runs. Doctor asks it
	// itself, rather than taking whichever sessions the CLI would, because
	// an absent agent is one of the things it reports.
	Agent session.Sessions
	// OpenLocal opens a session manager in this process, used when no
	// agent runs; close releases it.
	OpenLocal func() (s session.Sessions, close func(), err error)
	// Autostart reports the start-at-login entry; nil skips that check.
	Autostart func() (autostart.Status, error)
	// StateFile is state.json; "" skips its check.
	StateFile string
	// AWSEndpoint names an aws-sso session's SSO OIDC endpoint; nil: the
	// awssso provider's.
	AWSEndpoint func(config.Session) (string, error)
}

// Report is the outcome of Run.
type Report struct {
	// Checks are the ones about ssokeeper as a whole: the configuration,
	// the keyring, the agent and the start-at-login entry.
	Checks []Check
	// Sessions has every check of each session, the shared ones included,
	// in the order doctor prints them.
	Sessions []SessionReport
}

// SessionReport is the checks of one session.
type SessionReport struct {
	Name     string
	Provider string
	Checks   []Check
}

// ConfigOK reports whether the configuration loaded.
func (r Report) ConfigOK() bool { return len(r.Checks) > 0 && r.Checks[0].OK }

// OK reports whether every check passed (warnings pass).
func (r Report) OK() bool {
	for _, c := range r.Checks {
		if !c.OK {
			return false
		}
	}
	for _, s := range r.Sessions {
		for _, c := range s.Checks {
			if !c.OK {
				return false
			}
		}
	}
	return true
}

// refreshTimeout bounds a --refresh test (the manager retries nothing
// within one refresh, but discovery and the token request both count).
const refreshTimeout = 90 * time.Second

// Run checks the sessions. It stops after the configuration check when the
// configuration does not load, and returns *session.UnknownSessionError
// when in.Name is not configured.
func Run(ctx context.Context, in Input) (Report, error) {
	r := run{in: defaults(in)}
	var cc Check
	r.cfg, cc = Config(r.in.ConfigPath, r.in.Load)
	rep := Report{Checks: []Check{cc}}
	if r.cfg == nil {
		return rep, nil
	}
	list, err := pick(r.cfg, r.in.Name)
	if err != nil {
		return rep, err
	}
	r.config = cc
	kc := Keyring(r.in.Secrets)
	snap, ac := Agent(ctx, r.in.Agent)
	closeSrc := r.source(ctx, ac.OK, snap)
	defer closeSrc()
	r.after = []Check{ac}
	if r.in.Autostart != nil {
		r.after = append(r.after, Autostart(r.in.Autostart()))
	}
	if r.in.StateFile != "" {
		r.after = append(r.after, StateFile(r.in.StateFile))
	}
	rep.Checks = append(append(rep.Checks, kc), r.after...)
	r.keyring = kc
	for _, s := range list {
		rep.Sessions = append(rep.Sessions, r.session(ctx, s))
	}
	return rep, nil
}

// run is one doctor run: its inputs and what every session shares.
type run struct {
	in      Input
	cfg     *config.Config
	src     session.Sessions // the agent, or a manager of this process
	snap    session.Snapshot
	srcErr  error // why src cannot be used
	config  Check // the configuration's, first in every session
	keyring Check
	after   []Check
}

// source picks where sessions are read and refreshed: the agent when it
// runs, else a manager of this process. It returns what releases it.
func (r *run) source(ctx context.Context, agentOK bool, snap session.Snapshot) (close func()) {
	r.src, r.snap = r.in.Agent, snap
	switch {
	case agentOK:
		return func() {}
	case r.in.OpenLocal == nil:
		r.srcErr = errors.New("the agent is not running")
		return func() {}
	}
	src, closeLocal, err := r.in.OpenLocal()
	if err != nil {
		r.srcErr = err
		return func() {}
	}
	r.src = src
	r.snap, r.srcErr = src.Status(ctx)
	return closeLocal
}

// session runs the checks of one session, in the order doctor prints them.
func (r *run) session(ctx context.Context, s config.Session) SessionReport {
	disc, probe := reach(ctx, r.in, s)
	rt := RefreshToken(r.in.Secrets, s.Name)
	var client Check
	if r.srcErr != nil {
		client = fail(NameClient, "cannot read the session's state: "+r.srcErr.Error(), "Fix the problem above and run doctor again.")
	} else {
		// With no refresh token a refresh tests nothing, and would
		// replace the session's diagnosis (say, revoked) by "missing".
		refresh := r.in.Refresh && rt.Detail != noRefreshToken+s.Name
		client = clientCheck(ctx, r.src, r.snap, s.Name, refresh)
	}
	checks := []Check{r.config, disc, Clock(probe, r.cfg.ClockSkewTolerance), r.keyring, rt, client, Scopes(s)}
	if b, ok := Browser(r.cfg, s.Name, lookPath); ok {
		checks = append(checks, b)
	}
	checks = append(checks, r.after...)
	return SessionReport{Name: s.Name, Provider: s.Provider, Checks: checks}
}

func defaults(in Input) Input {
	if in.Load == nil {
		in.Load = config.Load
	}
	if in.HTTP == nil {
		in.HTTP = NewHTTPClient()
	}
	if in.AWSEndpoint == nil {
		in.AWSEndpoint = func(s config.Session) (string, error) {
			p, err := awssso.New(s, awssso.Options{})
			if err != nil {
				return "", err
			}
			return p.Endpoint(), nil
		}
	}
	return in
}

// pick returns the sessions to check.
func pick(cfg *config.Config, name string) ([]config.Session, error) {
	if name == "" {
		return cfg.Sessions, nil
	}
	if s, ok := cfg.Session(name); ok {
		return []config.Session{s}, nil
	}
	known := make([]string, len(cfg.Sessions))
	for i, s := range cfg.Sessions {
		known[i] = s.Name
	}
	return nil, &session.UnknownSessionError{Name: name, Known: known}
}

// reach checks the identity provider answers: its OpenID configuration,
// or for aws-sso the SSO OIDC endpoint.
func reach(ctx context.Context, in Input, s config.Session) (Check, Probe) {
	if s.Provider != awssso.ProviderName {
		return Discovery(ctx, in.HTTP, s)
	}
	endpoint, err := in.AWSEndpoint(s)
	if err != nil {
		return fail(NameDiscovery, err.Error(), "Fix the session in the configuration (`ssokeeper config validate`)."), Probe{}
	}
	return Endpoint(ctx, in.HTTP, endpoint)
}

// clientCheck tests the client with a real refresh, or reports the last one.
func clientCheck(ctx context.Context, src session.Sessions, snap session.Snapshot, name string, refresh bool) Check {
	return timed(func() Check {
		if !refresh {
			st, ok := snap.Get(name)
			if !ok {
				return warn(NameClient, "the agent does not know this session yet",
					"The agent reloads the configuration when the file changes; check the log if it does not, or restart it.")
			}
			return ClientLast(st, time.Now())
		}
		ctx, cancel := context.WithTimeout(ctx, refreshTimeout)
		defer cancel()
		err := src.Refresh(ctx, name)
		after, serr := src.Status(ctx)
		st, ok := after.Get(name)
		if serr != nil || !ok {
			st = session.Status{Name: name}
		}
		return ClientTested(err, st)
	})
}
