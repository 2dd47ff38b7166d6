package doctor

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ssokeeper/ssokeeper/internal/autostart"
	"github.com/ssokeeper/ssokeeper/internal/words"
	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/api"
	"github.com/ssokeeper/ssokeeper/session/health"
)

const startAgentFix = "Start it with `ssokeeper` (or `ssokeeper run --headless`), and `ssokeeper autostart enable` to start it at every login."

// Agent asks the agent for its snapshot.
func Agent(ctx context.Context, s session.Sessions) (session.Snapshot, Check) {
	var snap session.Snapshot
	c := timed(func() Check {
		var err error
		snap, err = s.Status(ctx)
		switch {
		case errors.Is(err, api.ErrNoAgent):
			return fail(NameAgent, "the ssokeeper agent is not running, so nothing refreshes the sessions in the background", startAgentFix)
		case err != nil:
			return fail(NameAgent, "the agent did not answer: "+err.Error(),
				"Restart the agent (quit it from the tray or stop `ssokeeper run`, then start it again).")
		}
		return pass(NameAgent, "the agent answered")
	})
	return snap, c
}

// Autostart reports the start-at-login entry (autostart.Manager.Status).
func Autostart(st autostart.Status, err error) Check {
	switch {
	case err != nil:
		return fail(NameAutostart, err.Error(), "Run `ssokeeper autostart enable`.")
	case !st.Installed:
		return fail(NameAutostart, "no start-at-login entry ("+st.Path+")",
			"Run `ssokeeper autostart enable` so sessions are kept fresh from the moment you log in.")
	case !st.PointsHere:
		return fail(NameAutostart, fmt.Sprintf("%s starts %s, not this ssokeeper", st.Path, st.Command),
			"Run `ssokeeper autostart enable` to point it at this program.")
	}
	return pass(NameAutostart, st.Path)
}

// ClientTested reports a refresh made just now: err is its outcome and st
// the session's status after it.
func ClientTested(err error, st session.Status) Check {
	if err == nil {
		return pass(NameClient, "a refresh just now succeeded")
	}
	return lastFailure(st, err.Error(), "")
}

// ClientLast reports the last refresh the agent, or the stored state,
// knows of, without asking the identity provider.
func ClientLast(st session.Status, now time.Time) Check {
	retry := fmt.Sprintf(" Run `ssokeeper doctor %s --refresh` to test it now.", st.Name)
	switch {
	case st.ConsecutiveFailures > 0:
		return lastFailure(st, "", retry)
	case st.LastRefresh == nil:
		return warn(NameClient, "not known yet: no refresh or sign-in has happened", "Run `ssokeeper doctor "+st.Name+" --refresh` to test it now.")
	}
	return pass(NameClient, "the last refresh succeeded "+words.Span(now.Sub(*st.LastRefresh))+" ago")
}

// lastFailure words a failed refresh from the session's diagnosis. With
// no refresh token the client was never tested: a warning here, since the
// refresh token check fails already.
func lastFailure(st session.Status, errText, more string) Check {
	if st.Reason == health.None {
		return fail(NameClient, "the refresh failed: "+errText, "Run `ssokeeper status` for the session's diagnosis."+more)
	}
	info := health.Describe(st.Reason)
	if st.Reason == health.RefreshTokenMissing {
		return warn(NameClient, "not tested: there is no refresh token to test with", info.Fix)
	}
	detail := "the refresh failed: " + info.Title
	if st.ConsecutiveFailures > 1 {
		detail = fmt.Sprintf("the last %d refreshes failed: %s", st.ConsecutiveFailures, info.Title)
	}
	if st.Detail != "" {
		detail += " (" + st.Detail + ")"
	}
	if info.State.NeedsAction() && info.State != health.ConfigError {
		more = "" // the refresh token is gone: only a sign-in helps
	}
	return fail(NameClient, detail, info.Fix+more)
}
