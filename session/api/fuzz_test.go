//go:build unix

package api

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// FuzzAPIRequest sends arbitrary bytes to a real server on a real socket.
// Whatever arrives, the server answers or hangs up in bounded time, keeps
// serving, hands a token only to a GET of a token path, and starts a
// sign-in only for a POST of a login path. The seeds run in every
// `go test`; CI also fuzzes for a few seconds (.ci/run).
func FuzzAPIRequest(f *testing.F) {
	for _, seed := range []string{
		"GET /v1/status HTTP/1.1\r\nHost: agent\r\n\r\n",
		"GET /v1/sessions/work/token?min_valid=1m0s HTTP/1.1\r\nHost: agent\r\n\r\n",
		"GET /v1/sessions/work/token?min_valid=forever HTTP/1.1\r\nHost: agent\r\n\r\n",
		"POST /v1/sessions/work/token HTTP/1.1\r\nHost: agent\r\n\r\n",
		"POST /v1/sessions/work/login?device=1&timeout=1s HTTP/1.1\r\nHost: agent\r\n\r\n",
		"POST /v1/sessions/nope/refresh HTTP/1.1\r\nHost: agent\r\nContent-Length: 5\r\n\r\nhello",
		"POST /v1/sessions/work/logout HTTP/1.1\r\nHost: agent\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
		"GET /v1/sessions/../sessions/work/token HTTP/1.1\r\nHost: agent\r\n\r\n",
		"GET /v1/sessions/%2e%2e/token HTTP/1.1\r\nHost: agent\r\n\r\n",
		"GET /v1/status HTTP/1.1\r\nHost: agent\r\n\r\nGET /v1/sessions/work/token HTTP/1.1\r\nHost: agent\r\n\r\n",
		"GET /v1/status HTTP/1.0\r\n\r\n",
		"GET /v1/status\r\n\r\n",
		"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03",
		"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
		"GET /v1/status HTTP/1.1\r\nHost: agent\r\nExpect: 100-continue\r\nContent-Length: 10\r\n\r\n",
		"GET /v1/status HTTP/1.1\r\nHost: agent\r\nX: " + strings.Repeat("a", 20<<10) + "\r\n\r\n",
	} {
		f.Add([]byte(seed))
	}
	m := &fakeManager{}
	sock := serveFake(f, m)
	client := NewClient(sock)
	f.Fuzz(func(t *testing.T, raw []byte) {
		logins := m.loginCalls.Load()
		conn, err := net.Dial("unix", sock)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(20 * time.Second)) //nolint:errcheck
		go func() {
			conn.Write(raw)                   //nolint:errcheck // the server may hang up first
			conn.(*net.UnixConn).CloseWrite() //nolint:errcheck
		}()
		reply, err := io.ReadAll(conn)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("the server neither answered nor hung up on %q", raw)
		}
		asked := parseRequests(raw)
		if bytes.Contains(reply, []byte(secretToken)) && !asked("GET", "/token") {
			t.Fatalf("a token went out for %q:\n%s", raw, reply)
		}
		if m.loginCalls.Load() != logins && !asked("POST", "/login") {
			t.Fatalf("a sign-in started for %q", raw)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if _, err := client.Status(ctx); err != nil {
			t.Fatalf("status after %q: %v", raw, err)
		}
	})
}

// parseRequests reads raw as net/http does and reports whether any request
// in it has the method and a path with the suffix.
func parseRequests(raw []byte) func(method, suffix string) bool {
	type req struct{ method, path string }
	var reqs []req
	br := bufio.NewReader(bytes.NewReader(raw))
	for {
		r, err := http.ReadRequest(br)
		if err != nil {
			break
		}
		reqs = append(reqs, req{r.Method, r.URL.Path})
		io.Copy(io.Discard, r.Body) //nolint:errcheck
	}
	return func(method, suffix string) bool {
		for _, r := range reqs {
			if r.method == method && strings.HasSuffix(r.path, suffix) {
				return true
			}
		}
		return false
	}
}
