package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"time"

	"github.com/ssokeeper/ssokeeper/internal/toolcreds"
	"github.com/ssokeeper/ssokeeper/session/config"
)

const gitCredHelp = `git credential helper: git asks it for the password of an HTTPS host, and
it answers with a fresh access token of the session whose "hosts" list has
that host. Git never stores the token (store and erase do nothing).

  git config --global credential.https://git.example.com.helper "!ssokeeper git-credential"

and in the session's config:  hosts = ["git.example.com"]

The user name is "oauth2", which GitLab expects with an OAuth access token
(Gitea and Forgejo accept any user name with one); a user name in the remote
URL wins, e.g. https://x-token-auth@bitbucket.org/team/repo.git for Bitbucket.
Plain http is served only for loopback hosts (127.0.0.1, ::1, localhost).

For a host no session lists it prints nothing, and git asks its next helper.
When the session needs you, it prints one line saying why on stderr and exits
1; git then goes on to its next helper or prompt.`

func cmdGitCredential(ctx context.Context, e *Env, g *Globals, args []string) int {
	fs := newFlags(e, "git-credential", "get|store|erase", indent(gitCredHelp))
	minValid := fs.Duration("min-valid", time.Minute, "refresh first unless the token stays valid this long")
	pos, code, ok := parse(fs, args, e)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		fmt.Fprintln(e.Stderr, "usage: ssokeeper git-credential get|store|erase (git runs it; see `ssokeeper git-credential --help`)")
		return exitUsage
	}
	switch pos[0] {
	case "get":
	case "store", "erase":
		// Tokens are short-lived and ssokeeper keeps them fresh: nothing
		// to store, nothing to forget. Read the input so git can write it.
		io.Copy(io.Discard, e.Stdin) //nolint:errcheck
		return exitOK
	default:
		fmt.Fprintf(e.Stderr, "ssokeeper git-credential: unknown operation %q; git uses get, store and erase\n", pos[0])
		return exitUsage
	}
	req, err := toolcreds.ReadGitRequest(e.Stdin)
	if err != nil {
		fmt.Fprintf(e.Stderr, "ssokeeper git-credential: %v\n", err)
		return exitUsage
	}
	sessions, err := gitSessions()
	if err != nil {
		fmt.Fprintf(e.Stderr, "ssokeeper git-credential: the configuration has errors, so no token is given to git; run `ssokeeper config validate` (%v)\n", oneLine(err))
		return exitUsage
	}
	s, ok := toolcreds.MatchGitHost(req, sessions)
	if !ok {
		if req.Protocol == "http" {
			if s, ok := toolcreds.MatchGitHost(toolcreds.GitRequest{Protocol: "https", Host: req.Host}, sessions); ok {
				fmt.Fprintf(e.Stderr, "ssokeeper: not sending the %s token to %s over plain http; use an https:// remote URL\n", s.Name, req.Host)
			}
		}
		return exitOK // not ours: git asks its next helper
	}
	tok, err := fetchToken(ctx, e, g, s.Name, *minValid, false)
	if err != nil {
		return report(e, err)
	}
	if err := toolcreds.WriteGitCredential(e.Stdout, toolcreds.GitUsername(req), tok.AccessToken, tok.Expiry); err != nil {
		fmt.Fprintf(e.Stderr, "%s: %v\n", s.Name, err)
		return exitAction
	}
	return exitOK
}

// gitSessions reads the configured sessions. No configuration file means
// no sessions: git runs this helper for every host, configured or not.
func gitSessions() ([]config.Session, error) {
	path, err := configPath()
	if err != nil {
		return nil, err
	}
	cfg, err := config.Load(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return cfg.Sessions, nil
}

// oneLine joins a multi-line error (a config.Error lists every problem).
func oneLine(err error) string {
	var cerr *config.Error
	if errors.As(err, &cerr) && len(cerr.Problems) > 0 {
		msg := cerr.Problems[0].String()
		if n := len(cerr.Problems) - 1; n > 0 {
			msg += fmt.Sprintf(" (and %d more)", n)
		}
		return msg
	}
	return err.Error()
}
