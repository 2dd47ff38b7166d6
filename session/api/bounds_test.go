//go:build unix

package api

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/health"
)

// secretToken is what fakeManager hands out; only a token request may
// carry it back.
const secretToken = "fake-access-token-0123456789abcdef"

// fakeManager stands in for the session manager where the test is about
// the socket, not the sessions. hold, when set, blocks Token until it is
// closed (a refresh waiting on a slow IdP).
type fakeManager struct {
	hold         chan struct{}
	tokenCalls   atomic.Int32
	loginCalls   atomic.Int32
	refreshCalls atomic.Int32
	logoutCalls  atomic.Int32
}

func (f *fakeManager) Snapshot() session.Snapshot {
	return session.Snapshot{AgentRunning: true, Sessions: []session.Status{{Name: "work", State: health.Healthy}}}
}

func (f *fakeManager) known(name string) error {
	if name != "work" {
		return &session.UnknownSessionError{Name: name, Known: []string{"work"}}
	}
	return nil
}

func (f *fakeManager) Refresh(ctx context.Context, name string) error {
	f.refreshCalls.Add(1)
	return f.known(name)
}

func (f *fakeManager) Login(ctx context.Context, name string, req session.LoginRequest) error {
	f.loginCalls.Add(1)
	if err := f.known(name); err != nil {
		return err
	}
	if req.OpenURL != nil {
		req.OpenURL("http://127.0.0.1:1/authorize?state=x") //nolint:errcheck
	}
	if f.hold != nil {
		<-f.hold
	}
	return nil
}

func (f *fakeManager) Logout(ctx context.Context, name string) error {
	f.logoutCalls.Add(1)
	return f.known(name)
}

func (f *fakeManager) Token(ctx context.Context, name string, minValid time.Duration) (session.Tokens, error) {
	f.tokenCalls.Add(1)
	if err := f.known(name); err != nil {
		return session.Tokens{}, err
	}
	if f.hold != nil {
		select {
		case <-f.hold:
		case <-ctx.Done():
			return session.Tokens{}, ctx.Err()
		}
	}
	return session.Tokens{AccessToken: secretToken, TokenType: "Bearer", Expiry: time.Now().Add(time.Hour)}, nil
}

// privateDir is a short (socket paths are short) owner-only directory.
func privateDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "ska")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return filepath.Join(dir, "run")
}

// serveFake serves m on a fresh socket until the test ends.
func serveFake(t testing.TB, m Manager) (sock string) {
	t.Helper()
	sock = filepath.Join(privateDir(t), SocketName)
	ln, err := Listen(sock)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { Serve(ctx, ln, m, nil); close(done) }() //nolint:errcheck
	t.Cleanup(func() { cancel(); <-done })
	return sock
}

// TestIdleAndSlowClientsDoNotBlock: 300 connections that never send a
// byte and 30 that stall halfway through their headers do not keep
// status or token from answering, and the server closes every one of them.
func TestIdleAndSlowClientsDoNotBlock(t *testing.T) {
	sock := serveFake(t, &fakeManager{})
	var hogs []net.Conn
	t.Cleanup(func() {
		for _, c := range hogs {
			c.Close()
		}
	})
	for i := range 330 {
		c, err := net.Dial("unix", sock)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		if i >= 300 {
			fmt.Fprint(c, "GET /v1/status HTTP/1.1\r\nHost: agent\r\nX-Slow: ")
		}
		hogs = append(hogs, c)
	}
	start := time.Now()
	c := NewClient(sock)
	ctx := context.Background()
	if snap, err := c.Status(ctx); err != nil || !snap.AgentRunning {
		t.Fatalf("status with 330 idle or slow connections open: %+v, %v", snap, err)
	}
	if tok, err := c.Token(ctx, "work", time.Minute); err != nil || tok.AccessToken != secretToken {
		t.Fatalf("token with 330 idle or slow connections open: %v", err)
	}
	t.Logf("status and token answered %v after 330 idle or slow connections", time.Since(start).Round(time.Millisecond))

	// Each idle or slow connection is closed by the server (made room
	// for, or out of time for its headers), never held for good.
	deadline := time.Now().Add(time.Minute)
	for i, c := range hogs {
		c.SetReadDeadline(deadline) //nolint:errcheck
		buf := make([]byte, 512)
		for {
			_, err := c.Read(buf)
			if err == nil {
				continue // a 408 for the slow ones
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("connection %d is still open a minute later", i)
			}
			break
		}
	}
}

// TestRequestSizeCaps: headers over 16 KiB and any sizeable or chunked
// body are refused before a handler runs.
func TestRequestSizeCaps(t *testing.T) {
	m := &fakeManager{}
	sock := serveFake(t, m)
	for _, tc := range []struct {
		name, req string
		want      int
	}{
		{"huge header", "GET /v1/sessions/work/token HTTP/1.1\r\nHost: a\r\nX-Big: " + strings.Repeat("a", 40<<10) + "\r\n\r\n", http.StatusRequestHeaderFieldsTooLarge},
		{"big body", "POST /v1/sessions/work/refresh HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000\r\n\r\n", http.StatusRequestEntityTooLarge},
		{"chunked body", "POST /v1/sessions/work/refresh HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", http.StatusRequestEntityTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := net.Dial("unix", sock)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(30 * time.Second)) //nolint:errcheck
			go fmt.Fprint(c, tc.req)                        //nolint:errcheck
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.want {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.want)
			}
		})
	}
	if n := m.tokenCalls.Load() + m.refreshCalls.Load(); n != 0 {
		t.Errorf("the manager was called %d times for refused requests", n)
	}
}

// TestHeartbeatsAndSilence: a token call that waits longer than the
// client's silence limit (a refresh on a slow IdP) still answers, since
// the agent sends heartbeats; an agent that says nothing at all (stopped)
// is given up on after the silence limit with a StalledError.
func TestHeartbeatsAndSilence(t *testing.T) {
	oldSilence, oldBeat := silenceLimit, heartbeatPeriod
	silenceLimit, heartbeatPeriod = 2*time.Second, 100*time.Millisecond
	t.Cleanup(func() { silenceLimit, heartbeatPeriod = oldSilence, oldBeat })

	m := &fakeManager{hold: make(chan struct{})}
	c := NewClient(serveFake(t, m))
	go func() {
		time.Sleep(2 * silenceLimit) // the slow IdP: here a sleep is the fault itself
		close(m.hold)
	}()
	if tok, err := c.Token(context.Background(), "work", time.Minute); err != nil || tok.AccessToken != secretToken {
		t.Fatalf("token that took twice the silence limit: %v", err)
	}
	// The same for a sign-in, whose reply streams: blank lines keep it.
	m = &fakeManager{hold: make(chan struct{})}
	c = NewClient(serveFake(t, m))
	go func() {
		time.Sleep(2 * silenceLimit)
		close(m.hold)
	}()
	var opened []string
	final, err := c.login(context.Background(), "work", false, time.Minute, func(ev LoginEvent) { opened = append(opened, ev.OpenURL) })
	if err != nil || !final.Done || len(opened) != 1 {
		t.Fatalf("sign-in that took twice the silence limit: %+v, %v (opened %q)", final, err, opened)
	}

	// A listener that takes connections and never answers: what a stopped
	// agent's socket does (the kernel still accepts).
	sock := filepath.Join(privateDir(t), SocketName)
	ln, err := Listen(sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	start := time.Now()
	_, err = NewClient(sock).Status(context.Background())
	var stalled *StalledError
	if !errors.As(err, &stalled) || stalled.Socket != sock {
		t.Fatalf("status of a silent agent: %v, want a StalledError naming %s", err, sock)
	}
	if took := time.Since(start); took > 10*silenceLimit {
		t.Errorf("gave up after %v, want about %v", took, silenceLimit)
	}
	if !strings.Contains(err.Error(), "did not answer within") || !strings.Contains(err.Error(), "kill -CONT") {
		t.Errorf("message: %v", err)
	}
}

// TestPendingBytes: a connection whose request waits unread is not taken
// for an idle one.
func TestPendingBytes(t *testing.T) {
	sock := filepath.Join(privateDir(t), "p.sock")
	ln, err := Listen(sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	server, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	if n := pendingBytes(server); n != 0 {
		t.Errorf("nothing sent, pendingBytes %d", n)
	}
	fmt.Fprint(client, "GET /v1/status HTTP/1.1\r\n\r\n")
	if n := pendingBytes(server); n != 27 {
		t.Errorf("27 bytes sent, pendingBytes %d", n)
	}
}

// TestRefusalsAreLoggedSparingly: a loop of refused connections writes
// one log line a minute, which counts the others, so it cannot flush
// the log's history out.
func TestRefusalsAreLoggedSparingly(t *testing.T) {
	var buf strings.Builder
	l := &peerCheckListener{log: slog.New(slog.NewTextHandler(&buf, nil))}
	for range 100 {
		l.refused(4242, nil)
	}
	if n := strings.Count(buf.String(), "refused a control connection"); n != 1 {
		t.Fatalf("%d log lines for 100 refusals in a row, want 1:\n%s", n, buf.String())
	}
	l.lastLogged = l.lastLogged.Add(-refusalLogPeriod)
	l.refused(4242, nil)
	if !strings.Contains(buf.String(), "refused_since_last_line=99") {
		t.Errorf("the next line does not count the 99 unlogged:\n%s", buf.String())
	}
}
