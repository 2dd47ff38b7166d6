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
	// Agent is the running agent's API (ViaAgent); its Status answers
	// api.ErrNoAgent when none runs.
	Agent Sessions
	// OpenLocal opens a session manager in this process (ViaManager), used
	// when no agent runs; close releases it.
	OpenLocal func() (s Sessions, close func(), err error)
	// Autostart reports the start-at-login entry; nil skips that check.
	Autostart func() (autostart.Status, error)
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
	in = defaults(in)
	cfg, cc := Config(in.ConfigPath, in.Load)
	rep := Report{Checks: []Check{cc}}
	if cfg == nil {
		return rep, nil
	}
	list, err := pick(cfg, in.Name)
	if err != nil {
		return rep, err
	}

	shared := []Check{Keyring(in.Secrets)}
	snap, ac := Agent(ctx, in.Agent)
	shared = append(shared, ac)
	src, srcErr := in.Agent, error(nil)
	if !ac.OK && in.OpenLocal == nil {
		srcErr = errors.New("the agent is not running")
	} else if !ac.OK {
		var closeLocal func()
		src, closeLocal, srcErr = in.OpenLocal()
		if srcErr == nil {
			defer closeLocal()
			snap, srcErr = src.Status(ctx)
		}
	}
	if in.Autostart != nil {
		shared = append(shared, Autostart(in.Autostart()))
	}
	rep.Checks = append(rep.Checks, shared...)

	for _, s := range list {
		disc, probe := reach(ctx, in, s)
		rt := RefreshToken(in.Secrets, s.Name)
		var client Check
		if srcErr != nil {
			client = fail(NameClient, "cannot read the session's state: "+srcErr.Error(), "Fix the problem above and run doctor again.")
		} else {
			// With no refresh token a refresh tests nothing, and would
			// replace the session's diagnosis (say, revoked) by "missing".
			refresh := in.Refresh && rt.Detail != noRefreshToken+s.Name
			client = clientCheck(ctx, src, snap, s.Name, refresh)
		}
		checks := []Check{cc, disc, Clock(probe, cfg.ClockSkewTolerance), shared[0], rt, client, Scopes(s)}
		rep.Sessions = append(rep.Sessions, SessionReport{
			Name: s.Name, Provider: s.Provider, Checks: append(checks, shared[1:]...),
		})
	}
	return rep, nil
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
func clientCheck(ctx context.Context, src Sessions, snap session.Snapshot, name string, refresh bool) Check {
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
