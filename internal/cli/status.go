package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/ssokeeper/ssokeeper/internal/words"
	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/health"
)

func cmdStatus(ctx context.Context, e *Env, g *Globals, args []string) int {
	fs := newFlags(e, "status", "[NAME] [--json | --format TEMPLATE]", "Show every session's health (or NAME's). Exit 1 when a session needs you.")
	asJSON := fs.Bool("json", false, "print JSON: {\"sessions\":[…],\"clock_skew_seconds\":…}")
	format := fs.String("format", "", "print each session through a Go template, e.g. '{{.State}} {{.SessionLeft}}' (fields: the JSON ones by Go name, plus AccessLeft and SessionLeft)")
	pos, code, ok := parse(fs, args, e)
	if !ok {
		return code
	}
	if len(pos) > 1 || (*asJSON && *format != "") {
		fmt.Fprintln(e.Stderr, "usage: ssokeeper status [NAME] [--json | --format TEMPLATE]")
		return exitUsage
	}
	tmpl, err := parseStatusFormat(*format)
	if err != nil {
		fmt.Fprintf(e.Stderr, "ssokeeper: --format: %v\n", err)
		return exitUsage
	}
	snap, err := currentSnapshot(ctx, e, g)
	if err != nil {
		return report(e, err)
	}
	if len(pos) == 1 {
		st, ok := snap.Get(pos[0])
		if !ok {
			fmt.Fprintf(e.Stderr, "ssokeeper: no session is called %q\nhint: `ssokeeper status` lists the session names\n", pos[0])
			return exitUsage
		}
		snap.Sessions = []session.Status{st}
	}
	if *format != "" {
		if err := printStatusFormat(e.Stdout, tmpl, snap.Sessions, time.Now()); err != nil {
			fmt.Fprintf(e.Stderr, "ssokeeper: %v\n", err)
			return exitUsage
		}
	} else if *asJSON {
		enc := json.NewEncoder(e.Stdout)
		enc.SetIndent("", "  ")
		enc.Encode(snap) //nolint:errcheck
	} else {
		printStatus(e.Stdout, snap, time.Now())
		if !snap.AgentRunning {
			noAgentNote(e)
		}
	}
	for _, st := range snap.Sessions {
		if st.State.NeedsAction() {
			return exitAction
		}
	}
	return exitOK
}

// currentSnapshot asks the agent, or reads the stored state without one.
func currentSnapshot(ctx context.Context, e *Env, g *Globals) (session.Snapshot, error) {
	s := openSessions(e, g)
	defer s.Close()
	return s.Status(ctx)
}

func printStatus(w io.Writer, snap session.Snapshot, now time.Time) {
	if snap.ConfigError != "" {
		fmt.Fprintf(w, "configuration error:\n%s\n\n", snap.ConfigError)
	}
	if len(snap.Sessions) == 0 {
		fmt.Fprintln(w, "No sessions configured. Add one to the file `ssokeeper config path` prints (see README).")
		return
	}
	for _, st := range snap.Sessions {
		fmt.Fprintf(w, "%s (%s): %s\n", st.Name, st.Provider, Summary(st, now))
		if st.State != health.Healthy && st.State != health.Refreshing && st.Message != "" {
			fmt.Fprintf(w, "    %s\n", st.Message)
			if st.Detail != "" {
				fmt.Fprintf(w, "    %s%s\n", health.DetailIntro(st.Reason), st.Detail)
			}
			fmt.Fprintf(w, "    Fix: %s\n", st.Fix)
		}
	}
	if skew := time.Duration(snap.ClockSkewSeconds * float64(time.Second)); skew > 30*time.Second || skew < -30*time.Second {
		fmt.Fprintf(w, "clock: this computer is %s off the identity provider's clock\n", skew.Round(time.Second))
	}
}

// Summary is one line about a session: "OK, refreshes in 12 min".
func Summary(st session.Status, now time.Time) string {
	switch st.State {
	case health.Healthy:
		s := "OK"
		if st.NextRefresh != nil {
			s += ", refreshes " + words.When(*st.NextRefresh, now)
		}
		if st.SessionExpiresAt != nil {
			s += ", session ends " + words.When(*st.SessionExpiresAt, now)
		}
		return s
	case health.Refreshing:
		return "refreshing…"
	case health.Retrying:
		s := "retrying (" + st.Title() + ")"
		if st.NextRefresh != nil {
			s += ", next try " + words.When(*st.NextRefresh, now)
		}
		return s
	case health.LoggedOut:
		return "signed out"
	default:
		return st.Title()
	}
}
