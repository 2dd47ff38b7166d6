//go:build linux || freebsd || openbsd || netbsd || dragonfly

package notify

import (
	"testing"

	"github.com/ssokeeper/ssokeeper/session/health"
)

// At login the agent often starts before the notification server: what
// happened meanwhile is shown once the server comes, each incident once,
// and only while it is still open.
func TestLateServerShowsWhatWaited(t *testing.T) {
	startBus(t)
	r := run(t, Options{})
	if err := r.n.Notice("no tray host", "running without an icon"); err == nil {
		t.Fatal("Notice succeeded with no notification server")
	}
	r.send(t, changed("work", health.RefreshTokenRevoked))
	r.send(t, changed("fixed", health.RefreshTokenRevoked))
	r.send(t, healthy("fixed")) // repaired before any server came

	srv := startServer(t, "actions")
	notice, incident := srv.call(t), srv.call(t)
	if notice.summary != "no tray host" {
		t.Errorf("first shown %q, want the notice", notice.summary)
	}
	if len(incident.actions) == 0 {
		t.Fatalf("the incident has no Sign in action: %+v", incident)
	}
	srv.click(t, incident.id, "signin")
	r.actions.want(t, "work")
	// Anything shown before this marker was shown once too often.
	if err := r.n.Notice("marker", ""); err != nil {
		t.Fatal(err)
	}
	if c := srv.call(t); c.summary != "marker" {
		t.Fatalf("shown more than what waited (a repaired session, or twice): %q %q", c.summary, c.body)
	}
}

// A notification server that restarts loses its bubbles: an open sign-in
// request is shown again on the new one, and its Sign in works there.
func TestRestartedServerShowsOpenSignInAgain(t *testing.T) {
	startBus(t)
	old := startServer(t, "actions")
	r := run(t, Options{})
	r.send(t, changed("work", health.SSOSessionExpired))
	first := old.call(t)
	old.conn.Close() // the server crashes

	srv := startServer(t, "actions")
	again := srv.call(t)
	if again.summary != first.summary || len(again.actions) == 0 {
		t.Fatalf("shown on the new server: %+v, want %+v", again, first)
	}
	srv.click(t, again.id, "signin")
	r.actions.want(t, "work")
}
