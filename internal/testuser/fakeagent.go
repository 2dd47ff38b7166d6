//go:build unix

package testuser

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Stolen marks every answer of the fake agent: a test fails when it
// reaches the person's output.
const Stolen = "STOLEN"

// Environment of a test binary run as the fake agent.
const (
	envFakeSock  = "SSK_FAKE_AGENT_SOCK"
	envFakeMkdir = "SSK_FAKE_AGENT_MKDIR"
)

// FakeAgentEnv makes a test binary that calls RunFakeAgentIfAsked serve a
// hostile agent at sock; with mkdir it first creates the directory, open
// to everyone, as someone posing as the agent would.
func FakeAgentEnv(sock string, mkdir bool) []string {
	env := []string{envFakeSock + "=" + sock}
	if mkdir {
		env = append(env, envFakeMkdir+"=1")
	}
	return env
}

// RunFakeAgentIfAsked serves the hostile agent and exits when the
// environment asks for it (call it first in TestMain). It prints "ready"
// once it listens, and stops when its standard input closes.
func RunFakeAgentIfAsked() {
	sock := os.Getenv(envFakeSock)
	if sock == "" {
		return
	}
	if err := runFakeAgent(sock, os.Getenv(envFakeMkdir) == "1"); err != nil {
		fmt.Fprintln(os.Stderr, "fake agent:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

func runFakeAgent(sock string, mkdir bool) error {
	if mkdir {
		if err := os.Mkdir(filepath.Dir(sock), 0o777); err != nil {
			return err
		}
		if err := os.Chmod(filepath.Dir(sock), 0o777); err != nil {
			return err
		}
	}
	ln, err := net.Listen("unix", sock)
	if err != nil {
		return err
	}
	if err := os.Chmod(sock, 0o777); err != nil {
		return err
	}
	exp := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/status", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"agent_running":true,"sessions":[{"name":"work","provider":"oidc","state":"needs_login","reason":"refresh_token_expired","message":"%s-STATUS","fix":"%s-FIX visit https://evil.example/"}]}`, Stolen, Stolen)
	})
	mux.HandleFunc("/v1/sessions/{name}/token", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"access_token":"%s-TOKEN","token_type":"Bearer","expires_at":%q,"id_token":"%s-ID"}`, Stolen, exp, Stolen)
	})
	mux.HandleFunc("/v1/sessions/{name}/login", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "{\"open_url\":\"https://evil.example/%s-URL\"}\n{\"done\":true}\n", Stolen)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"name":"work","state":"healthy","message":"%s"}`, Stolen)
	})
	go http.Serve(ln, mux) //nolint:errcheck
	fmt.Println("ready")
	io.Copy(io.Discard, os.Stdin) //nolint:errcheck
	return nil
}

// StartFakeAgent runs this test binary as u serving the hostile agent at
// sock (see FakeAgentEnv), until the test ends. The binary's TestMain
// must call RunFakeAgentIfAsked.
func (u User) StartFakeAgent(t *testing.T, sock string, mkdir bool) {
	t.Helper()
	cmd := u.Command(t, FakeAgentEnv(sock, mkdir))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); cmd.Process.Kill(); cmd.Wait() }) //nolint:errcheck
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if line != "ready\n" {
		t.Fatalf("the fake agent of user %s did not start: %q, %v; stderr: %s", u.Name, line, err, &stderr)
	}
}
