package tray

import (
	"fmt"
	"time"

	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/health"
)

// signInAllTitle is the menu item that signs in every session that needs
// it; the manager runs the sign-ins one after another, one tab at a time.
const signInAllTitle = "Sign in to all that need it"

// SignInAllLabel is the "Sign in to all that need it" item's text, with
// the count when more than one session needs it; empty hides the item.
func (m Model) SignInAllLabel() string {
	n := 0
	for _, s := range m.Sessions {
		if s.NeedsLogin {
			n++
		}
	}
	switch n {
	case 0:
		return ""
	case 1:
		return signInAllTitle
	}
	return fmt.Sprintf("%s (%d)", signInAllTitle, n)
}

// signedInUntil is "signed in until 18:40" for a working session whose
// hard end is known and not yet near (near, the label already says
// "session ends in 9 min"); empty otherwise.
func signedInUntil(st session.Status, now time.Time) string {
	if st.SessionExpiresAt == nil || !st.SessionExpiresAt.After(now) || st.EndingSoon(now) ||
		st.State.NeedsAction() || st.State == health.LoggedOut {
		return ""
	}
	return "signed in until " + clockTime(*st.SessionExpiresAt, now)
}

// clockTime is t on the local clock, as briefly as is unambiguous from
// now: "18:40" today, "Thu 18:40" within the week, "9 Dec 18:40" later.
func clockTime(t, now time.Time) string { return clockTimeIn(t, now, time.Local) }

func clockTimeIn(t, now time.Time, loc *time.Location) string {
	t, now = t.In(loc), now.In(loc)
	y1, m1, d1 := t.Date()
	y2, m2, d2 := now.Date()
	switch {
	case y1 == y2 && m1 == m2 && d1 == d2:
		return t.Format("15:04")
	case t.Sub(now) < 6*24*time.Hour:
		return t.Format("Mon 15:04")
	}
	return t.Format("2 Jan 15:04")
}
