package testkit

import (
	"os"
	"strings"
	"sync"
	"testing"
)

// TestIsolate: every path ssokeeper reads from the environment is the
// test's own, and the socket's folder is short enough for a Unix socket.
func TestIsolate(t *testing.T) {
	p := Isolate(t)
	for env, want := range map[string]string{"SSOKEEPER_CONFIG": p.Config, "SSOKEEPER_STATE_DIR": p.State, "SSOKEEPER_RUNTIME_DIR": p.Runtime} {
		if got := os.Getenv(env); got != want || !strings.HasPrefix(want, os.TempDir()) {
			t.Errorf("%s = %q, want %q under %s", env, got, want, os.TempDir())
		}
	}
	if n := len(p.Runtime + "/ssokeeper.sock"); n > 100 {
		t.Errorf("the socket path is %d bytes: too long for a Unix socket", n)
	}
}

func TestLogBufferTakesConcurrentWrites(t *testing.T) {
	var b LogBuffer
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				b.Write([]byte("x\n")) //nolint:errcheck
				_ = b.String()
			}
		}()
	}
	wg.Wait()
	if n := strings.Count(b.String(), "x\n"); n != 800 {
		t.Errorf("%d lines, want 800", n)
	}
}

func TestSessionTOML(t *testing.T) {
	got := SessionTOML("work", "https://id.example.com", "ssokeeper")
	for _, want := range []string{`name = "work"`, `issuer = "https://id.example.com"`, `client_id = "ssokeeper"`, `"offline_access"`} {
		if !strings.Contains(got, want) {
			t.Errorf("%q lacks %s", got, want)
		}
	}
}
