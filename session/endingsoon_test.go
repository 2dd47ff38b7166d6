package session_test

import (
	"testing"
	"time"

	"github.com/ssokeeper/ssokeeper/internal/testidp"
	"github.com/ssokeeper/ssokeeper/session"
)

// TestWarnAtComesFromTheSessionsWarnBefore: the core carries when a session
// starts ending soon, from its own warn_before, so no view needs the
// configuration; and the ending-soon event fires then, not before.
func TestWarnAtComesFromTheSessionsWarnBefore(t *testing.T) {
	r := newRig(t, testidp.Options{AccessTokenLifetime: 10 * time.Minute})
	r.stop()
	r.cfg.Sessions[0].MaxSession = 2 * time.Hour
	r.cfg.Sessions[0].WarnBefore = 40 * time.Minute
	r.start()
	r.login("work")

	st, _ := r.m.Snapshot().Get("work")
	if st.SessionExpiresAt == nil || st.WarnAt == nil {
		t.Fatalf("session end %v, warn at %v: want both", st.SessionExpiresAt, st.WarnAt)
	}
	if got := st.SessionExpiresAt.Sub(*st.WarnAt); got != 40*time.Minute {
		t.Errorf("warn at %v before the end, want warn_before's 40m", got)
	}
	if st.EndingSoon(r.clk.Now()) || !st.EndingSoon(*st.WarnAt) {
		t.Errorf("EndingSoon: %v now, %v at WarnAt; want false, true", st.EndingSoon(r.clk.Now()), st.EndingSoon(*st.WarnAt))
	}

	r.clk.Advance(st.WarnAt.Sub(r.clk.Now()) + time.Second)
	deadline := time.After(15 * time.Second)
	for {
		select {
		case u := <-r.updates:
			for _, ev := range u.Events {
				if ev.Kind == session.EndingSoon && ev.Session == "work" {
					return
				}
			}
		case <-deadline:
			t.Fatal("no ending-soon event after WarnAt")
		}
	}
}
