//go:build unix

package api_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssokeeper/ssokeeper/internal/logging"
	"github.com/ssokeeper/ssokeeper/internal/testidp"
	"github.com/ssokeeper/ssokeeper/internal/testkit"
	"github.com/ssokeeper/ssokeeper/internal/testuser"
	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/api"
	"github.com/ssokeeper/ssokeeper/session/config"
	"github.com/ssokeeper/ssokeeper/session/health"
	"github.com/ssokeeper/ssokeeper/session/paths"
	"github.com/ssokeeper/ssokeeper/session/providers"
	"github.com/ssokeeper/ssokeeper/session/store"
)

// TestMain lets this test binary act as a client from another user (the
// peer-credential test re-runs it as a second local user), or as a hostile agent
// run by another user (trust_test.go).
func TestMain(m *testing.M) {
	testuser.RunFakeAgentIfAsked()
	if sock := os.Getenv("API_TEST_DIAL"); sock != "" {
		c, err := net.Dial("unix", sock)
		if err != nil {
			os.Exit(3)
		}
		c.Write([]byte("GET /v1/status HTTP/1.0\r\n\r\n")) //nolint:errcheck
		buf := make([]byte, 64)
		n, _ := c.Read(buf)
		if n > 0 {
			os.Exit(0) // got an answer: the agent talked to another user
		}
		os.Exit(4) // closed without a word
	}
	os.Exit(m.Run())
}

type served struct {
	log    *testkit.LogBuffer // the agent's log
	idp    *testidp.IdP
	m      *session.Manager
	client *api.Client
	sock   string
}

func serve(t *testing.T) *served {
	t.Helper()
	p := testidp.Start(t, testidp.Options{})
	cfg := &config.Config{Sessions: []config.Session{{
		Name: "work", Provider: "oidc", Issuer: p.Issuer(), ClientID: p.ClientID(),
		Scopes: []string{"openid", "offline_access"}, Flow: "browser",
	}}}
	m, err := session.New(session.Options{Config: cfg, Secrets: store.NewMemory(), StateDir: t.TempDir(),
		Providers: providers.New, Agent: true})
	if err != nil {
		t.Fatal(err)
	}
	// Unix socket paths are short (about 100 bytes): t.TempDir can be too long.
	dir, err := os.MkdirTemp("", "ssk")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "run", api.SocketName)
	ln, err := api.Listen(sock)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	log := &testkit.LogBuffer{}
	go func() { api.Serve(ctx, ln, m, logging.New(log, slog.LevelDebug)); close(done) }() //nolint:errcheck
	t.Cleanup(func() { cancel(); <-done })
	return &served{log: log, idp: p, m: m, client: api.NewClient(sock), sock: sock}
}

func TestSocketIsOwnerOnly(t *testing.T) {
	s := serve(t)
	info, err := os.Stat(s.sock)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("socket mode %v, want 0600", info.Mode().Perm())
	}
	dir, _ := os.Stat(filepath.Dir(s.sock))
	if dir.Mode().Perm() != 0o700 {
		t.Errorf("socket directory mode %v, want 0700", dir.Mode().Perm())
	}
}

// TestOtherUserIsRefused checks the second guard, the peer's UID: with the
// socket's mode opened up on purpose, a process of a second local user
// connects and must be closed on without an answer, and the refusal is
// logged. Needs root to create the user.
func TestOtherUserIsRefused(t *testing.T) {
	u := testuser.Create(t)
	s := serve(t)
	os.Chmod(s.sock, 0o777)                             //nolint:errcheck
	os.Chmod(filepath.Dir(s.sock), 0o777)               //nolint:errcheck
	os.Chmod(filepath.Dir(filepath.Dir(s.sock)), 0o777) //nolint:errcheck
	cmd := u.Command(t, []string{"API_TEST_DIAL=" + s.sock})
	var err error
	err = cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("the other user's client got an answer (err %v)", err)
	}
	if code := exit.ExitCode(); code != 4 {
		t.Fatalf("client exit %d, want 4 (connection closed unanswered); 3 means it could not connect at all", code)
	}
	// The refusal is in the agent's log, naming the other user.
	if log := s.log.String(); !strings.Contains(log, "refused a control connection from another user") || !strings.Contains(log, fmt.Sprintf("uid=%d", u.UID)) {
		t.Errorf("the log does not record the refused connection:\n%s", log)
	}
	// The owner's client refuses the directory while others may use it,
	// and is served once it is private again.
	var unsafe *paths.UnsafeError
	if _, err := s.client.Status(context.Background()); !errors.As(err, &unsafe) {
		t.Fatalf("status through a directory open to others: %v, want it refused", err)
	}
	os.Chmod(filepath.Dir(s.sock), 0o700) //nolint:errcheck
	if _, err := s.client.Status(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestLoginTokenRefreshLogoutOverSocket(t *testing.T) {
	s := serve(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// Before sign-in: token answers needs_action with the status.
	_, err := s.client.Token(ctx, "work", time.Minute)
	var re *api.RemoteError
	if !errors.As(err, &re) || re.Reply.Code != api.CodeNeedsAction || re.Reply.Status == nil {
		t.Fatalf("token before sign-in: %v, want needs_action with a status", err)
	}

	err = s.client.Login(ctx, "work", session.LoginRequest{OpenURL: func(u string) error {
		go s.idp.Browse(ctx, u) //nolint:errcheck
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := s.m.Snapshot().Get("work"); st.State != health.Healthy {
		t.Fatalf("after sign-in: %+v", st)
	}

	tok, err := s.client.Token(ctx, "work", time.Second)
	if err != nil || tok.AccessToken == "" || tok.Expiry.Before(time.Now()) {
		t.Fatalf("token: %+v, %v", tok, err)
	}
	before := s.idp.RefreshCount()
	if err := s.client.Refresh(ctx, "work"); err != nil {
		t.Fatal(err)
	}
	if s.idp.RefreshCount() != before+1 {
		t.Error("refresh over the socket did not reach the IdP")
	}
	tok2, _ := s.client.Token(ctx, "work", time.Second)
	if tok2.AccessToken == tok.AccessToken {
		t.Error("token after refresh is the old one")
	}
	snap, err := s.client.Status(ctx)
	if err != nil || !snap.AgentRunning || len(snap.Sessions) != 1 {
		t.Fatalf("status: %+v, %v", snap, err)
	}
	if err := s.client.Logout(ctx, "work"); err != nil {
		t.Fatal(err)
	}
	if st, _ := s.m.Snapshot().Get("work"); st.State != health.LoggedOut {
		t.Errorf("after logout: %s", st.State)
	}
}

func TestUnknownSessionAndNoAgent(t *testing.T) {
	s := serve(t)
	err := s.client.Refresh(context.Background(), "nope")
	var re *api.RemoteError
	if !errors.As(err, &re) || re.Reply.Code != api.CodeUnknownSession {
		t.Fatalf("unknown session: %v", err)
	}
	empty := t.TempDir() + "/run"
	if err := os.Mkdir(empty, 0o700); err != nil {
		t.Fatal(err)
	}
	gone := api.NewClient(filepath.Join(empty, "none.sock"))
	if _, err := gone.Status(context.Background()); !errors.Is(err, api.ErrNoAgent) {
		t.Fatalf("no socket: %v, want ErrNoAgent", err)
	}
}

// TestClosedLoginConnectionCancelsSignIn: a CLI killed while it waits for a
// sign-in closes its socket; the agent then ends the flow (no sign-in stays
// pending), and the next login over the socket gets a fresh URL.
func TestClosedLoginConnectionCancelsSignIn(t *testing.T) {
	s := serve(t)
	first := make(chan string, 1)
	ctx, kill := context.WithCancel(context.Background())
	go s.client.Login(ctx, "work", session.LoginRequest{Timeout: time.Hour, OpenURL: func(u string) error { //nolint:errcheck
		first <- u
		return nil
	}})
	var old string
	select {
	case old = <-first:
	case <-time.After(15 * time.Second):
		t.Fatal("no URL from the agent")
	}
	kill() // the connection closes, as when the CLI dies
	deadline := time.Now().Add(15 * time.Second)
	for {
		st, _ := s.m.Snapshot().Get("work")
		if !st.LoginPending {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the sign-in stayed pending after its only caller's connection closed")
		}
		time.Sleep(10 * time.Millisecond) // polls a snapshot; no ordering depends on it
	}

	ctx2, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var fresh string
	err := s.client.Login(ctx2, "work", session.LoginRequest{OpenURL: func(u string) error {
		fresh = u
		go s.idp.Browse(ctx2, u) //nolint:errcheck
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if fresh == "" || fresh == old {
		t.Errorf("the next login got URL %q, want a fresh one", fresh)
	}
	if st, _ := s.m.Snapshot().Get("work"); st.State != health.Healthy {
		t.Fatalf("after sign-in: %+v", st)
	}
}
