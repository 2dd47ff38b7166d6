package session_test

import (
	"context"
	"errors"
	"net"
	"net/url"
	"testing"
	"time"

	"github.com/ssokeeper/ssokeeper/internal/testidp"
	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/config"
	"github.com/ssokeeper/ssokeeper/session/health"
)

// startSignIn starts a sign-in of name whose caller waits until ctx ends,
// and returns the URL it was given and the channel of its result. Nobody
// browses to the URL.
func startSignIn(t *testing.T, m *session.Manager, ctx context.Context, name string) (string, <-chan error) {
	t.Helper()
	urls := make(chan string, 1)
	res := make(chan error, 1)
	go func() {
		res <- m.Login(ctx, name, session.LoginRequest{OpenURL: func(u string) error { urls <- u; return nil }})
	}()
	select {
	case u := <-urls:
		return u, res
	case err := <-res:
		t.Fatalf("sign-in of %s ended before giving a URL: %v", name, err)
	case <-time.After(15 * time.Second):
		t.Fatalf("sign-in of %s gave no URL", name)
	}
	return "", nil
}

// listening says whether the loopback redirect listener of an
// authorization URL accepts connections.
func listening(t *testing.T, authURL string) bool {
	t.Helper()
	u, err := url.Parse(authURL)
	if err != nil {
		t.Fatal(err)
	}
	redirect, err := url.Parse(u.Query().Get("redirect_uri"))
	if err != nil || redirect.Host == "" {
		t.Fatalf("no loopback redirect in the authorization URL (%v)", err)
	}
	c, err := net.DialTimeout("tcp", redirect.Host, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// TestAbandonedSignInFreesItself: the only caller of a sign-in goes away
// (a killed CLI): the flow and its loopback listener end, and the next
// sign-in opens a fresh flow with a fresh URL that works.
func TestAbandonedSignInFreesItself(t *testing.T) {
	r := newRig(t, testidp.Options{})
	ctx, leave := context.WithCancel(context.Background())
	oldURL, res := startSignIn(t, r.m, ctx, "work")
	if !listening(t, oldURL) {
		t.Fatal("the loopback listener of a pending sign-in is not listening")
	}
	r.waitFor("work", "a pending sign-in", func(st session.Status) bool { return st.LoginPending })
	leave()
	if err := <-res; !errors.Is(err, context.Canceled) {
		t.Fatalf("the caller that left got %v", err)
	}
	// Judge by the manager's current state, not by the update in hand: the
	// channel may still hold one published before the sign-in started.
	r.waitFor("work", "the abandoned sign-in to end", func(session.Status) bool {
		st, _ := r.m.Snapshot().Get("work")
		return !st.LoginPending
	})
	if listening(t, oldURL) {
		t.Error("the abandoned sign-in's loopback listener still accepts connections")
	}

	ctx2, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	newURL, res := startSignIn(t, r.m, ctx2, "work")
	if newURL == oldURL {
		t.Fatal("the next sign-in reused the abandoned flow's URL")
	}
	if _, err := r.idp.Browse(ctx2, newURL); err != nil {
		t.Fatalf("browsing the fresh URL: %v", err)
	}
	if err := <-res; err != nil {
		t.Fatalf("the fresh sign-in: %v", err)
	}
	r.waitState("work", health.Healthy, health.None)
}

// TestSignInWithAPatientCallerOutlivesOthers: a sign-in the tray started
// (its caller waits for the agent's lifetime) is not cancelled when a CLI
// that joined it goes away.
func TestSignInWithAPatientCallerOutlivesOthers(t *testing.T) {
	r := newRig(t, testidp.Options{})
	tray, cancelTray := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancelTray()
	u, trayRes := startSignIn(t, r.m, tray, "work")
	cli, leave := context.WithCancel(context.Background())
	joined := make(chan struct{})
	cliRes := make(chan error, 1)
	go func() {
		cliRes <- r.m.Login(cli, "work", session.LoginRequest{
			OpenURL: func(string) error { t.Error("a joining caller got a URL"); return nil },
			Joined:  func() { close(joined) },
		})
	}()
	<-joined
	leave()
	<-cliRes
	if !listening(t, u) {
		t.Fatal("the sign-in stopped when one of its two callers left")
	}
	if _, err := r.idp.Browse(tray, u); err != nil {
		t.Fatal(err)
	}
	if err := <-trayRes; err != nil {
		t.Fatalf("the tray's sign-in: %v", err)
	}
}

// TestSignInsOfTwoSessionsAreIndependent: one session's sign-in waiting
// for the person does not hold up another's.
func TestSignInsOfTwoSessionsAreIndependent(t *testing.T) {
	r := newRig(t, testidp.Options{})
	r.cfg = &config.Config{Sessions: []config.Session{r.sessionConfig("work"), r.sessionConfig("home")}}
	r.m.Reload(r.cfg, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	startSignIn(t, r.m, ctx, "work") // never completed
	u, res := startSignIn(t, r.m, ctx, "home")
	if _, err := r.idp.Browse(ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := <-res; err != nil {
		t.Fatalf("home's sign-in while work's waits: %v", err)
	}
	r.waitState("home", health.Healthy, health.None)
}
