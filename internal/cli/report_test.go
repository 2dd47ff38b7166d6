package cli

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/api"
	"github.com/ssokeeper/ssokeeper/session/health"
)

// TestReportWordsCoreErrors: the core's errors carry facts; the CLI adds
// the advice, names a session once and first, and prefixes every other
// error with "ssokeeper: ". Local and agent errors read alike.
func TestReportWordsCoreErrors(t *testing.T) {
	revoked := session.Status{Name: "work", State: health.NeedsLogin, Reason: health.RefreshTokenRevoked}
	noBrowser := &session.Error{Session: "work", Op: "sign-in failed",
		Err: fmt.Errorf("%w; sign in with the device flow", session.ErrNoBrowser)}
	tests := []struct {
		name string
		err  error
		code int
		want string
	}{
		{"needs sign-in", &session.ActionError{Status: revoked}, exitAction,
			"work: " + health.Describe(health.RefreshTokenRevoked).Title + ". Click the ssokeeper icon or run `ssokeeper login work`.\n"},
		{"needs sign-in, from the agent", &api.RemoteError{Reply: api.ErrorReply{
			Error: (&session.ActionError{Status: revoked}).Error(), Code: api.CodeNeedsAction, Status: &revoked, Session: "work"}}, exitAction,
			"work: " + health.Describe(health.RefreshTokenRevoked).Title + ". Click the ssokeeper icon or run `ssokeeper login work`.\n"},
		{"no browser", noBrowser, exitAction,
			"work: sign-in failed: no browser can be opened here; sign in with the device flow. Run `ssokeeper login work --device`.\n"},
		{"no browser, from the agent", &api.RemoteError{Reply: api.ErrorReply{
			Error: noBrowser.Error(), Code: api.CodeFailed, Session: "work", Kind: session.KindOf(noBrowser)}}, exitAction,
			"work: sign-in failed: no browser can be opened here; sign in with the device flow. Run `ssokeeper login work --device`.\n"},
		{"about no session", errors.New("cannot create the state directory /x: permission denied"), exitAction,
			"ssokeeper: cannot create the state directory /x: permission denied\n"},
		{"unknown session", &session.UnknownSessionError{Name: "play", Known: []string{"work"}}, exitUsage,
			"ssokeeper: no session named \"play\"; configured sessions: [work]\nhint: `ssokeeper status` lists the session names; `ssokeeper config path` prints the file that defines them\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			code := report(&Env{Stderr: &stderr}, tt.err)
			if code != tt.code || stderr.String() != tt.want {
				t.Errorf("exit %d, stderr\n%q\nwant %d and\n%q", code, stderr.String(), tt.code, tt.want)
			}
			if strings.Contains(stderr.String(), `session "work"`) || strings.Count(stderr.String(), "work:") > 1 {
				t.Errorf("the session is named more than once: %q", stderr.String())
			}
		})
	}
}
