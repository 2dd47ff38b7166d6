package cli

import (
	"bytes"
	"net"
	"net/http"
	"net/http/cgi"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssokeeper/ssokeeper/session/clock"
)

// gitServer serves bare repositories with `git http-backend` on
// 127.0.0.1, asking for Basic auth: a request passes only with user and
// the token that the want function (see expect) returns at that moment.
type gitServer struct {
	URL  string // http://127.0.0.1:PORT
	Host string // 127.0.0.1:PORT
	mu   sync.Mutex
	want func() string
	seen []string // passwords received
}

// expect sets the function that says which password is valid.
func (gs *gitServer) expect(want func() string) {
	gs.mu.Lock()
	defer gs.mu.Unlock()
	gs.want = want
}

func (gs *gitServer) valid(p string) bool {
	gs.mu.Lock()
	gs.seen = append(gs.seen, p)
	want := gs.want
	gs.mu.Unlock()
	return want != nil && p != "" && p == want()
}

func startGitServer(t *testing.T, user string) *gitServer {
	t.Helper()
	git := needTool(t, "git", "git")
	root := t.TempDir()
	seed := filepath.Join(t.TempDir(), "seed")
	runGit(t, "", git, "init", "-q", "-b", "main", seed)
	if err := os.WriteFile(filepath.Join(seed, "README"), []byte("hello from the test server\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	runGit(t, seed, git, "add", "README")
	runGit(t, seed, git, "-c", "user.name=Test", "-c", "user.email=test@example.com", "commit", "-q", "-m", "first")
	runGit(t, "", git, "clone", "-q", "--bare", seed, filepath.Join(root, "repo.git"))
	execPath, err := exec.Command(git, "--exec-path").Output()
	if err != nil {
		t.Fatal(err)
	}
	backend := &cgi.Handler{
		Path: filepath.Join(strings.TrimSpace(string(execPath)), "git-http-backend"),
		Env:  []string{"GIT_PROJECT_ROOT=" + root, "GIT_HTTP_EXPORT_ALL=1"},
	}
	gs := &gitServer{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		if !ok || !gs.valid(p) || u != user {
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			http.Error(w, "authentication required", http.StatusUnauthorized)
			return
		}
		backend.ServeHTTP(w, r)
	})}
	go srv.Serve(ln) //nolint:errcheck
	t.Cleanup(func() { srv.Close() })
	gs.Host = ln.Addr().String()
	gs.URL = "http://" + gs.Host
	return gs
}

func (gs *gitServer) passwords() []string {
	gs.mu.Lock()
	defer gs.mu.Unlock()
	return append([]string(nil), gs.seen...)
}

func runGit(t *testing.T, dir, git string, args ...string) {
	t.Helper()
	cmd := exec.Command(git, args...)
	cmd.Dir = dir
	cmd.Env = gitEnv(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

// gitEnv keeps git away from the person's configuration and terminal.
func gitEnv(t *testing.T) []string {
	return append(os.Environ(), "HOME="+t.TempDir(), "GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_TERMINAL_PROMPT=0", "GIT_ASKPASS=", "SSH_ASKPASS=")
}

// cloneWithHelper clones url with only ssokeeper as credential helper,
// given args after `git-credential`.
func cloneWithHelper(t *testing.T, bin, url string, args ...string) (string, string, error) {
	helper := "!" + bin + " git-credential " + strings.Join(args, " ")
	dest := filepath.Join(t.TempDir(), "clone")
	cmd := exec.Command("git", "-c", "credential.helper=", "-c", "credential.helper="+helper, "clone", "-q", url, dest)
	cmd.Env = gitEnv(t)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	return dest, stderr.String(), err
}

func TestGitCloneWithToken(t *testing.T) {
	bin := buildBinary(t)
	gs := startGitServer(t, "oauth2")
	r := newTokenRig(t, gs.Host)
	m := r.startAgent().Manager
	r.login(m)
	gs.expect(func() string {
		tok, _ := m.Token(t.Context(), "work", 0) // no refresh: valid for an hour
		return tok.AccessToken
	})

	dest, stderr, err := cloneWithHelper(t, bin, gs.URL+"/repo.git")
	if err != nil {
		t.Fatalf("git clone: %v\n%s", err, stderr)
	}
	if b, err := os.ReadFile(filepath.Join(dest, "README")); err != nil || !strings.Contains(string(b), "hello") {
		t.Errorf("the clone lacks README: %v", err)
	}
	got := gs.passwords()
	if len(got) == 0 || got[len(got)-1] != r.held().AccessToken {
		t.Errorf("the git server did not receive the token the agent holds")
	}
}

func TestGitCloneNeedsSignIn(t *testing.T) {
	bin := buildBinary(t)
	gs := startGitServer(t, "oauth2")
	gs.expect(func() string { return "never" })
	r := newTokenRig(t, gs.Host)
	clk := clock.NewFake(time.Now())
	r.clk = clk
	r.login(r.startAgent().Manager)
	r.idp.RevokeAll()
	clk.Advance(31 * time.Second) // past the 30 s in which a new token is handed out as it is
	if _, err := r.agent.Manager.Token(t.Context(), "work", 2*time.Hour); err == nil {
		t.Fatal("the revoked session still refreshed")
	}
	held := r.held().AccessToken
	// Now the session needs a sign-in, but its access token is still
	// valid: git gets it. Ask for more than it has left to see the failure.
	_, stderr, err := cloneWithHelper(t, bin, gs.URL+"/repo.git", "--min-valid", "2h")
	if err == nil {
		t.Fatal("git clone succeeded")
	}
	// git shows the helper's stderr, then goes on (here: no prompt allowed).
	if !strings.Contains(stderr, "work: sign-in needed") || !strings.Contains(stderr, "ssokeeper login work") {
		t.Errorf("git's output lacks the diagnosis:\n%s", stderr)
	}
	if strings.Contains(stderr, held) {
		t.Error("git's output shows the token")
	}
	if n := len(gs.passwords()); n != 0 {
		t.Errorf("git sent %d passwords; the helper gave it none", n)
	}
}

func TestGitCredentialProtocol(t *testing.T) {
	r := newTokenRig(t, "git.example.com", "127.0.0.1:3000")
	r.login(r.startAgent().Manager)
	tok := r.held()
	tests := []struct {
		name, op, in string
		wantOut      string // "" means nothing
		wantCode     int
		wantErr      string
	}{
		{"https host", "get", "protocol=https\nhost=git.example.com\npath=team/repo.git\n\n",
			"username=oauth2\npassword=" + tok.AccessToken + "\n", 0, ""},
		{"URL user kept", "get", "protocol=https\nhost=git.example.com\nusername=x-token-auth\n\n",
			"username=x-token-auth\npassword=" + tok.AccessToken + "\n", 0, ""},
		{"http to loopback", "get", "protocol=http\nhost=127.0.0.1:3000\n\n",
			"username=oauth2\npassword=" + tok.AccessToken + "\n", 0, ""},
		{"another host: nothing, git asks on", "get", "protocol=https\nhost=github.com\n\n", "", 0, ""},
		{"plain http to a remote host: nothing, and why", "get", "protocol=http\nhost=git.example.com\n\n", "", 0, "over plain http"},
		{"store does nothing", "store", "protocol=https\nhost=git.example.com\nusername=oauth2\npassword=x\n\n", "", 0, ""},
		{"erase does nothing", "erase", "protocol=https\nhost=git.example.com\n\n", "", 0, ""},
		{"unknown operation", "list", "", "", exitUsage, "unknown operation"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := runCLI(tt.in, "git-credential", tt.op)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d (stderr %q)", code, tt.wantCode, errOut)
			}
			// The answer carries the expiry for git 2.41+; check the rest.
			out, _, _ = strings.Cut(out, "password_expiry_utc=")
			if out != tt.wantOut {
				t.Errorf("stdout differs from the wanted answer (%d bytes, want %d)", len(out), len(tt.wantOut))
			}
			if !strings.Contains(errOut, tt.wantErr) || (tt.wantErr == "" && errOut != "") {
				t.Errorf("stderr %q, want %q", errOut, tt.wantErr)
			}
		})
	}
}

func TestGitCredentialWithoutConfig(t *testing.T) {
	t.Setenv("SSOKEEPER_CONFIG", filepath.Join(t.TempDir(), "none.toml"))
	out, errOut, code := runCLI("protocol=https\nhost=git.example.com\n\n", "git-credential", "get")
	if code != 0 || out != "" || errOut != "" {
		t.Errorf("exit %d, stdout %q, stderr %q; want a silent 0", code, out, errOut)
	}
}
