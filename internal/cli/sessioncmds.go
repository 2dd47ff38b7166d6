package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/ssokeeper/ssokeeper/session"
)

func cmdLogin(ctx context.Context, e *Env, g *Globals, args []string) int {
	fs := newFlags(e, "login", "NAME [--device] [--if-needed] | --all-needed", "Sign a session in. Opens the session's browser (its `browser`, the top-level one, $BROWSER or the desktop's); with --device, or when no browser can be shown, prints a code to enter on another device.")
	device := fs.Bool("device", false, "use the device-code flow (no browser on this machine)")
	timeout := fs.Duration("timeout", 5*time.Minute, "give up after this long (at most 15m)")
	ifNeeded := fs.Bool("if-needed", false, "sign in only when the session cannot be refreshed; exit 0 at once when it can")
	allNeeded := fs.Bool("all-needed", false, "sign in every session that needs it, one browser tab at a time")
	pos, code, ok := parse(fs, args, e)
	if !ok {
		return code
	}
	if *allNeeded {
		if len(pos) != 0 || *ifNeeded {
			fmt.Fprintln(e.Stderr, "usage: ssokeeper login --all-needed (without a NAME or --if-needed)")
			return exitUsage
		}
		return loginAllNeeded(ctx, e, g, []string{"--timeout", timeout.String(), "--device=" + fmt.Sprint(*device)})
	}
	name, ok := sessionArg(e, pos, "login")
	if !ok {
		return exitUsage
	}
	if *ifNeeded {
		if code, done := loginIfNeeded(ctx, e, g, name); done {
			return code
		}
	}
	if !*device && !canShowBrowser() {
		fmt.Fprintln(e.Stderr, "No browser can be shown here (no display, or an SSH session): using the device-code flow.")
		*device = true
	}
	open := sessionBrowser(loadConfigQuietly(), name)
	openURL := func(url string) error {
		fmt.Fprintf(e.Stderr, "Opening your browser to sign in to %s.\nIf it does not open, visit:\n  %s\n", name, url)
		if err := open(url); err != nil {
			fmt.Fprintf(e.Stderr, "(could not open a browser: %v)\n", err)
		}
		return nil
	}
	showCode := func(dc session.DeviceCode) {
		fmt.Fprintf(e.Stderr, "To sign in to %s, visit %s and enter the code:\n\n    %s\n\n", name, dc.VerificationURI, dc.UserCode)
		if dc.VerificationURIComplete != "" {
			fmt.Fprintf(e.Stderr, "(or open %s)\n", dc.VerificationURIComplete)
		}
	}
	joined := func() {
		fmt.Fprintf(e.Stderr, "A sign-in for %s is already pending (in the browser or another terminal); waiting for it to finish.\n", name)
	}

	s := openSessions(e, g)
	defer s.Close()
	err := s.Login(ctx, name, session.LoginRequest{
		Device: *device, OpenURL: openURL, ShowDeviceCode: showCode, Timeout: *timeout, Joined: joined,
	})
	code = loginResult(e, name, err)
	if code == exitOK && !s.viaAgent {
		noAgentNote(e)
	}
	return code
}

func loginResult(e *Env, name string, err error) int {
	if err != nil {
		return report(e, err)
	}
	fmt.Fprintf(e.Stderr, "Signed in to %s.\n", name)
	return exitOK
}

func cmdLogout(ctx context.Context, e *Env, g *Globals, args []string) int {
	return simpleSessionCmd(ctx, e, g, args, "logout",
		"Sign a session out: revoke its refresh token at the identity provider and delete it from the keyring.",
		session.Sessions.Logout, "Signed out of %s.\n")
}

func cmdRefresh(ctx context.Context, e *Env, g *Globals, args []string) int {
	return simpleSessionCmd(ctx, e, g, args, "refresh", "Refresh a session's tokens now.",
		session.Sessions.Refresh, "Refreshed %s.\n")
}

// simpleSessionCmd runs a one-session command through the agent, or
// locally when no agent runs.
func simpleSessionCmd(ctx context.Context, e *Env, g *Globals, args []string, name, summary string,
	op func(session.Sessions, context.Context, string) error, done string) int {
	fs := newFlags(e, name, "NAME", summary)
	pos, code, ok := parse(fs, args, e)
	if !ok {
		return code
	}
	sess, ok := sessionArg(e, pos, name)
	if !ok {
		return exitUsage
	}
	s := openSessions(e, g)
	defer s.Close()
	if err := op(s, ctx, sess); err != nil {
		return report(e, err)
	}
	fmt.Fprintf(e.Stderr, done, sess)
	return exitOK
}
