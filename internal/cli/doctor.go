package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/ssokeeper/ssokeeper/internal/autostart"
	"github.com/ssokeeper/ssokeeper/internal/doctor"
	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/providers"
	"github.com/ssokeeper/ssokeeper/session/store"
)

// doctorSecrets is the keyring doctor checks; tests swap in memory.
var doctorSecrets = func() store.Secrets { return store.NewKeyring(keyringTimeout) }

func cmdDoctor(ctx context.Context, e *Env, g *Globals, args []string) int {
	fs := newFlags(e, "doctor", "[NAME] [--refresh] [--json]",
		"Check every part a session depends on: configuration, identity provider, clock, keyring, refresh token, client, scopes, agent and start at login. Exit 0 when all pass, 1 when something needs you, 2 for a configuration error.")
	refresh := fs.Bool("refresh", false, "test the client with a real refresh now")
	asJSON := fs.Bool("json", false, `print JSON: {"sessions":[{"name","checks":[{"name","ok","detail","fix","duration_ms"}]}],"ok":…}`)
	pos, code, ok := parse(fs, args, e)
	if !ok {
		return code
	}
	if len(pos) > 1 {
		fs.Usage()
		return exitUsage
	}
	in, err := doctorInput(e, g)
	if err != nil {
		return report(e, err)
	}
	if len(pos) == 1 {
		in.Name = pos[0]
	}
	in.Refresh = *refresh
	rep, err := doctor.Run(ctx, in)
	var unknown *session.UnknownSessionError
	if errors.As(err, &unknown) {
		fmt.Fprintf(e.Stderr, "ssokeeper: %v\n", err)
		return exitUsage
	} else if err != nil {
		return report(e, err)
	}
	if *asJSON {
		printDoctorJSON(e.Stdout, rep)
	} else {
		printDoctor(e.Stdout, rep)
	}
	switch {
	case !rep.ConfigOK():
		return exitUsage
	case !rep.OK() || len(rep.Sessions) == 0:
		return exitAction
	}
	return exitOK
}

// doctorInput wires the real parts: the keyring, the agent's socket, this
// process's own manager when no agent runs, and the autostart entry.
func doctorInput(e *Env, g *Globals) (doctor.Input, error) {
	path, err := configPath()
	if err != nil {
		return doctor.Input{}, err
	}
	c, err := agentClient(e)
	if err != nil {
		return doctor.Input{}, err
	}
	statePath, _ := store.StatePath() // "": no state check
	return doctor.Input{
		ConfigPath: path,
		StateFile:  statePath,
		Load:       providers.LoadConfig,
		Secrets:    doctorSecrets(),
		Agent:      c,
		OpenLocal: func() (session.Sessions, func(), error) {
			l, err := openLocal(e, g)
			if err != nil {
				return nil, nil, err
			}
			return l.m, func() { l.Close() }, nil
		},
		Autostart: func() (autostart.Status, error) {
			m, err := autostart.New()
			if err != nil {
				return autostart.Status{}, err
			}
			return m.Status()
		},
	}, nil
}

// printDoctor prints one line per check, and a fix line under each ✗ and !.
func printDoctor(w io.Writer, rep doctor.Report) {
	if !rep.ConfigOK() || len(rep.Sessions) == 0 {
		fmt.Fprintln(w, "ssokeeper")
		printChecks(w, rep.Checks)
		if rep.ConfigOK() {
			fmt.Fprintln(w, "No sessions configured: add one to the file `ssokeeper config path` prints (see README), then run doctor again.")
		}
		return
	}
	for i, s := range rep.Sessions {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "%s (%s)\n", s.Name, s.Provider)
		printChecks(w, s.Checks)
	}
}

func printChecks(w io.Writer, checks []doctor.Check) {
	for _, c := range checks {
		mark := "✓"
		switch {
		case !c.OK:
			mark = "✗"
		case c.Warn:
			mark = "!"
		}
		lines := strings.Split(c.Detail, "\n")
		if len(lines) == 1 && lines[0] != "" {
			fmt.Fprintf(w, "  %s %s: %s\n", mark, c.Name, lines[0])
		} else {
			// Configuration problems: one file:line per line.
			fmt.Fprintf(w, "  %s %s\n", mark, c.Name)
			for _, l := range lines {
				if l != "" {
					fmt.Fprintf(w, "      %s\n", l)
				}
			}
		}
		if (!c.OK || c.Warn) && c.Fix != "" {
			fmt.Fprintf(w, "      fix: %s\n", c.Fix)
		}
	}
}

type jsonCheck struct {
	Name       string `json:"name"`
	OK         bool   `json:"ok"`
	Warn       bool   `json:"warn,omitempty"`
	Detail     string `json:"detail"`
	Fix        string `json:"fix"`
	DurationMS int64  `json:"duration_ms"`
}

type jsonSession struct {
	Name     string      `json:"name"`
	Provider string      `json:"provider"`
	Checks   []jsonCheck `json:"checks"`
}

func printDoctorJSON(w io.Writer, rep doctor.Report) {
	out := struct {
		Sessions []jsonSession `json:"sessions"`
		Checks   []jsonCheck   `json:"checks"` // not about one session: config, keyring, agent, autostart
		OK       bool          `json:"ok"`
	}{Sessions: []jsonSession{}, Checks: jsonChecks(rep.Checks), OK: rep.OK() && len(rep.Sessions) > 0}
	for _, s := range rep.Sessions {
		out.Sessions = append(out.Sessions, jsonSession{Name: s.Name, Provider: s.Provider, Checks: jsonChecks(s.Checks)})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(out) //nolint:errcheck
}

func jsonChecks(checks []doctor.Check) []jsonCheck {
	out := make([]jsonCheck, len(checks))
	for i, c := range checks {
		out[i] = jsonCheck{Name: c.Name, OK: c.OK, Warn: c.Warn, Detail: c.Detail, Fix: c.Fix, DurationMS: c.Duration.Milliseconds()}
	}
	return out
}
