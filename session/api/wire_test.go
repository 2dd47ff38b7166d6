package api

import (
	"errors"
	"fmt"
	"testing"

	"github.com/ssokeeper/ssokeeper/session"
)

// TestErrorKindSurvivesTheSocket: an error the agent reports is read by
// the CLI as the local one would be: about which session, and of which
// kind, so the CLI words the same advice either way.
func TestErrorKindSurvivesTheSocket(t *testing.T) {
	local := &session.Error{Session: "work", Op: "sign-in failed",
		Err: fmt.Errorf("%w; sign in with the device flow", session.ErrNoBrowser)}
	reply := errorReply(local)
	if reply.Session != "work" || reply.Kind != "no_browser" || reply.Error != local.Error() {
		t.Fatalf("reply %+v", reply)
	}
	remote := error(&RemoteError{Reply: reply})
	if !errors.Is(remote, session.ErrNoBrowser) || errors.Is(remote, session.ErrLoginTimedOut) {
		t.Errorf("errors.Is over the socket: no_browser %v, timed out %v",
			errors.Is(remote, session.ErrNoBrowser), errors.Is(remote, session.ErrLoginTimedOut))
	}
	if plain := errorReply(errors.New("disk full")); plain.Session != "" || plain.Kind != "" {
		t.Errorf("an error about no session: %+v", plain)
	}
	if (&RemoteError{}).Unwrap() != nil {
		t.Error("a reply without a kind unwraps to something")
	}
}
