package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/ssokeeper/ssokeeper/session/health"
)

// loginIfNeeded is `login NAME --if-needed`: it asks the agent (or the
// stored state) how the session is, without calling the identity
// provider, and returns done=true with exit 0 when no sign-in is needed.
// Quiet on success: shell profiles and scripts call it.
func loginIfNeeded(ctx context.Context, e *Env, g *Globals, name string) (code int, done bool) {
	s := openSessions(e, g)
	defer s.Close()
	snap, err := s.Status(ctx)
	if err != nil {
		return report(e, err), true
	}
	st, ok := snap.Get(name)
	if ok && st.State == health.Refreshing && s.viaAgent {
		// Not known yet (the agent is asking the keyring or the IdP right
		// now): join that refresh, then read the answer, instead of guessing.
		s.Refresh(ctx, name) //nolint:errcheck // the state below says how it went
		if after, err := s.Status(ctx); err == nil {
			st, ok = after.Get(name)
		}
	}
	if !ok || st.NeedsSignIn() || st.State == health.ConfigError {
		return 0, false // sign in, or let login say what is wrong
	}
	return exitOK, true
}

// loginAllNeeded is `login --all-needed`: it signs in every session that
// needs it, one after another, so only one browser tab is open at a time.
// flags are login's own flags, passed on to each sign-in.
func loginAllNeeded(ctx context.Context, e *Env, g *Globals, flags []string) int {
	snap, err := currentSnapshot(ctx, e, g)
	if err != nil {
		return report(e, err)
	}
	var names []string
	for _, st := range snap.Sessions {
		if st.NeedsSignIn() {
			names = append(names, st.Name)
		}
	}
	if len(names) == 0 {
		fmt.Fprintln(e.Stderr, "No session needs signing in.")
		return exitOK
	}
	fmt.Fprintf(e.Stderr, "Signing in to %s, one at a time.\n", strings.Join(names, ", "))
	code := exitOK
	for _, name := range names {
		if ctx.Err() != nil {
			return report(e, ctx.Err())
		}
		if c := cmdLogin(ctx, e, g, append([]string{name}, flags...)); c != exitOK {
			code = max(code, c)
		}
	}
	return code
}
