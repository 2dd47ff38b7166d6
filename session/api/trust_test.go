//go:build linux

package api

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssokeeper/ssokeeper/internal/testuser"
	"github.com/ssokeeper/ssokeeper/session/paths"
)

// sharedDir is a directory like /tmp: everyone may create in it, and
// the sticky bit keeps each one's entries their own.
func sharedDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "skt")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o1777); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestForeignRuntimeDirIsRefused: another user created the socket's
// directory first and serves a hostile agent in it. The client never
// connects there, and says which directory and why; the agent listens at
// the fallback, and the client finds it there.
func TestForeignRuntimeDirIsRefused(t *testing.T) {
	u := testuser.Create(t)
	usualDir := filepath.Join(sharedDir(t), "run")
	usual := filepath.Join(usualDir, SocketName)
	u.StartFakeAgent(t, usual, true)
	t.Setenv("SSOKEEPER_RUNTIME_DIR", usualDir)
	t.Setenv("SSOKEEPER_STATE_DIR", filepath.Join(filepath.Dir(privateDir(t)), "state"))

	// A client pointed straight at it refuses the directory.
	tok, err := NewClient(usual).Token(context.Background(), "work", time.Minute)
	var unsafe *paths.UnsafeError
	if !errors.As(err, &unsafe) || unsafe.Path != usualDir || !strings.Contains(unsafe.Problem, "uid") {
		t.Fatalf("token from another user's directory: %v, want it refused naming %s and its owner", err, usualDir)
	}
	if tok.AccessToken != "" || strings.Contains(err.Error(), testuser.Stolen) {
		t.Fatalf("the hostile agent's answer got through: %+v, %v", tok, err)
	}

	// The agent passes over it and listens at the fallback.
	ln, sock, refused, err := ListenDefault()
	if err != nil {
		t.Fatal(err)
	}
	fallback, _ := FallbackSocketPath()
	if sock != fallback || refused == nil || refused.Path != usualDir {
		t.Fatalf("agent listens at %s (refused %v), want the fallback %s", sock, refused, fallback)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { Serve(ctx, ln, &fakeManager{}, nil); close(done) }() //nolint:errcheck
	t.Cleanup(func() { cancel(); <-done })

	// The default client looks only at the fallback, and gets our token.
	socks, refused, err := Places()
	if err != nil || len(socks) != 1 || socks[0] != fallback || refused == nil {
		t.Fatalf("places: %v, refused %v, %v; want only %s", socks, refused, err, fallback)
	}
	tok, err = NewClient(socks...).Token(context.Background(), "work", time.Minute)
	if err != nil || tok.AccessToken != secretToken {
		t.Fatalf("token from our own agent at the fallback: %+v, %v", tok, err)
	}
}

// TestClientChecksWhoServes: should a socket in our own private
// directory be served by another user's process (a race, a root
// mistake), the client hangs up on it: the peer's credentials decide.
func TestClientChecksWhoServes(t *testing.T) {
	u := testuser.Create(t)
	dir := privateDir(t)
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
		os.Chmod(d, 0o777) //nolint:errcheck // for the other user to bind, then closed again
	}
	sock := filepath.Join(dir, SocketName)
	u.StartFakeAgent(t, sock, false)
	for _, d := range []string{filepath.Dir(dir), dir} {
		os.Chmod(d, 0o700) //nolint:errcheck
	}
	// The socket is the other user's: refused before connecting.
	_, err := NewClient(sock).Status(context.Background())
	var unsafe *paths.UnsafeError
	if !errors.As(err, &unsafe) || unsafe.Path != sock || !strings.Contains(unsafe.Problem, "uid") {
		t.Fatalf("status through another user's socket: %v, want it refused", err)
	}
	// Made ours (as root may), it is still served by the other user.
	if err := os.Lchown(sock, os.Getuid(), os.Getgid()); err != nil {
		t.Fatal(err)
	}

	snap, err := NewClient(sock).Status(context.Background())
	var foreign *ForeignAgentError
	if !errors.As(err, &foreign) || foreign.UID != u.UID {
		t.Fatalf("status from another user's process: %+v, %v; want a ForeignAgentError naming uid %d", snap, err, u.UID)
	}
	if len(snap.Sessions) != 0 || strings.Contains(err.Error(), testuser.Stolen) {
		t.Fatalf("the hostile agent's answer got through: %+v, %v", snap, err)
	}
	if !strings.Contains(err.Error(), sock) {
		t.Errorf("the error does not name the socket: %v", err)
	}
}
