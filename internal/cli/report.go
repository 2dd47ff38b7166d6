package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/api"
	"github.com/ssokeeper/ssokeeper/session/config"
)

// report prints an error for the person and returns the exit code. The
// one rule for the prefix: an error about one session starts with the
// session's name ("work: sign-in needed: …", the name said once); any
// other starts with "ssokeeper: ". Advice about commands is added here,
// not in the core, and on the same line, as tools show one line of a
// credential helper's stderr.
func report(e *Env, err error) int {
	var cerr *config.Error
	switch {
	case errors.As(err, &cerr):
		return configFailure(e, err)
	case isUnknownSession(err):
		fmt.Fprintf(e.Stderr, "ssokeeper: %v\nhint: `ssokeeper status` lists the session names; `ssokeeper config path` prints the file that defines them\n", err)
		return exitUsage
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(e.Stderr, "ssokeeper: interrupted")
		return exitAction
	}
	name := sessionOf(err)
	line := err.Error()
	if name == "" {
		line = "ssokeeper: " + line
	} else if h := advice(err, name); h != "" {
		if !strings.HasSuffix(line, ".") {
			line += "."
		}
		line += " " + h
	}
	fmt.Fprintln(e.Stderr, line)
	return exitAction
}

func isUnknownSession(err error) bool {
	var unknown *session.UnknownSessionError
	var remote *api.RemoteError
	return errors.As(err, &unknown) || (errors.As(err, &remote) && remote.Reply.Code == api.CodeUnknownSession)
}

// sessionOf names the session err is about, or "" when it is about none.
func sessionOf(err error) string {
	var action *session.ActionError
	var refresh *session.RefreshError
	var failed *session.Error
	var remote *api.RemoteError
	switch {
	case errors.As(err, &action):
		return action.Status.Name
	case errors.As(err, &refresh):
		return refresh.Session
	case errors.As(err, &failed):
		return failed.Session
	case errors.As(err, &remote):
		return remote.Reply.Session
	}
	return ""
}

// advice is what the person can run about err, in the CLI's words.
func advice(err error, name string) string {
	var action *session.ActionError
	var remote *api.RemoteError
	needsSignIn := errors.As(err, &action) && action.NeedsSignIn() ||
		errors.As(err, &remote) && remote.Reply.Status != nil && remote.Reply.Status.NeedsSignIn()
	switch {
	case needsSignIn:
		return fmt.Sprintf("Click the ssokeeper icon or run `ssokeeper login %s`.", name)
	case errors.Is(err, session.ErrNoBrowser), errors.Is(err, session.ErrDeviceCodeExpired):
		return fmt.Sprintf("Run `ssokeeper login %s --device`.", name)
	case errors.Is(err, session.ErrNoClientSecret):
		return fmt.Sprintf("Store it with `ssokeeper secret set %s`.", name)
	}
	return ""
}
