package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/ssokeeper/ssokeeper/internal/toolcreds"
	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/api"
)

const tokenHelp = `Print a valid token of session NAME on stdout, and nothing else. Asks the
running agent; without one, refreshes here under the session's lock file.
When the session needs you (sign in, fix the configuration) it prints one
line saying why on stderr, nothing on stdout, and exits 1.

Formats:
  raw      the token and a newline (the default)
  json     {"access_token","token_type","expires_at","id_token"}
  header   Authorization: Bearer <token>
  kubectl  a client.authentication.k8s.io ExecCredential (v1, or the version
           kubectl asks for in $KUBERNETES_EXEC_INFO)

kubectl: Kubernetes' OIDC authentication checks the ID token, so use
--id-token. In ~/.kube/config:

  users:
  - name: work
    user:
      exec:
        apiVersion: client.authentication.k8s.io/v1
        command: ssokeeper
        args: [token, work, --format, kubectl, --id-token]
        interactiveMode: Never

curl: curl -H "$(ssokeeper token work --format header)" https://api.example.com/`

func cmdToken(ctx context.Context, e *Env, g *Globals, args []string) int {
	fs := newFlags(e, "token", "NAME [--format raw|json|header|kubectl] [--min-valid 60s] [--id-token]", indent(tokenHelp))
	format := fs.String("format", "raw", "raw, json, header or kubectl")
	minValid := fs.Duration("min-valid", time.Minute, "refresh first unless the token stays valid this long")
	useID := fs.Bool("id-token", false, "print the OpenID Connect ID token instead of the access token (what Kubernetes OIDC expects)")
	pos, code, ok := parse(fs, args, e)
	if !ok {
		return code
	}
	name, ok := sessionArg(e, pos, "token")
	if !ok {
		return exitUsage
	}
	f, err := toolcreds.ParseFormat(*format)
	if err != nil {
		fmt.Fprintf(e.Stderr, "ssokeeper token: %v\n", err)
		return exitUsage
	}
	if *minValid < 0 {
		fmt.Fprintln(e.Stderr, "ssokeeper token: --min-valid must not be negative")
		return exitUsage
	}
	tok, err := fetchToken(ctx, e, g, name, *minValid, *useID)
	if err != nil {
		return report(e, err)
	}
	out, err := toolcreds.Render(tok, toolcreds.Output{Format: f, UseIDToken: *useID, ExecInfo: os.Getenv("KUBERNETES_EXEC_INFO")})
	if err != nil {
		fmt.Fprintf(e.Stderr, "%s: %v\n", name, err)
		return exitAction
	}
	if _, err := e.Stdout.Write(out); err != nil {
		return exitAction
	}
	return exitOK
}

// fetchToken gets a token valid for minValid from the running agent or,
// without one, this process (its refresh takes the session's lock file, so
// no two processes spend one refresh token).
func fetchToken(ctx context.Context, e *Env, g *Globals, name string, minValid time.Duration, useID bool) (toolcreds.Token, error) {
	s := openSessions(e, g)
	defer s.Close()
	tok, err := freshToken(ctx, s, name, minValid, useID)
	var stalled *api.StalledError
	if !s.viaAgent || !errors.As(err, &stalled) {
		return tok, err
	}
	l := withoutStalledAgent(e, g, stalled)
	defer l.Close()
	return freshToken(ctx, l, name, minValid, useID)
}

// withoutStalledAgent says the agent did not answer and opens this
// process's own manager: the session's lock file keeps this process and
// the agent from spending the same refresh token.
func withoutStalledAgent(e *Env, g *Globals, stalled *api.StalledError) *sessions {
	fmt.Fprintf(e.Stderr, "ssokeeper: %v\nssokeeper: getting the token without the agent\n", stalled)
	return openLocalSessions(e, g)
}

// freshToken gets a token. The manager keeps the access token valid; an ID
// token may expire earlier, so when it would, it refreshes once more.
func freshToken(ctx context.Context, s session.Sessions, name string, minValid time.Duration, useID bool) (toolcreds.Token, error) {
	tok, err := token(ctx, s, name, minValid)
	if err != nil || !useID {
		return tok, err
	}
	if tok.IDToken != "" {
		exp, err := toolcreds.IDTokenExpiry(tok.IDToken)
		if err != nil || time.Until(exp) >= minValid {
			return tok, nil
		}
		if err := s.Refresh(ctx, name); err != nil {
			return toolcreds.Token{}, err
		}
		if tok, err = token(ctx, s, name, minValid); err != nil || tok.IDToken != "" {
			return tok, err
		}
	}
	return toolcreds.Token{}, fmt.Errorf("%s: the identity provider sent no ID token with its last reply, so --id-token has nothing to print. Check that the session's scopes include \"openid\", or use the access token (drop --id-token)", name)
}

func token(ctx context.Context, s session.Sessions, name string, minValid time.Duration) (toolcreds.Token, error) {
	t, err := s.Token(ctx, name, minValid)
	return toolcreds.Token{AccessToken: t.AccessToken, TokenType: t.TokenType, Expiry: t.Expiry, IDToken: t.IDToken}, err
}

// indent lines up a help text under the first line that newFlags indents.
func indent(help string) string {
	lines := strings.Split(help, "\n")
	for i := 1; i < len(lines); i++ {
		if lines[i] != "" {
			lines[i] = "  " + lines[i]
		}
	}
	return strings.Join(lines, "\n") + "\n"
}
