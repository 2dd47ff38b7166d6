package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssokeeper/ssokeeper/internal/agent"
	"github.com/ssokeeper/ssokeeper/internal/testidp"
	"github.com/ssokeeper/ssokeeper/internal/testkit"
	"github.com/ssokeeper/ssokeeper/internal/toolcreds"
	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/api"
	"github.com/ssokeeper/ssokeeper/session/clock"
	"github.com/ssokeeper/ssokeeper/session/providers"
	"github.com/ssokeeper/ssokeeper/session/store"
)

// tokenRig is a real OpenID Provider on 127.0.0.1, a configuration with
// one session "work", and (once started) a real agent in this process
// with an in-memory keyring. The environment points every ssokeeper path
// at temporary directories, so CLI calls in this process and child
// processes alike find this agent.
type tokenRig struct {
	name    string
	t       *testing.T
	idp     *testidp.IdP
	secrets *store.Memory
	dir     string
	agent   *agent.Agent
	stop    func()
	clk     clock.Clock // the agent's; nil: the real clock
}

func newTokenRig(t *testing.T, hosts ...string) *tokenRig {
	t.Helper()
	return newNamedRig(t, "work", hosts...)
}

// newNamedRig is newTokenRig with another session name.
func newNamedRig(t *testing.T, name string, hosts ...string) *tokenRig {
	t.Helper()
	return newRig(t, name, time.Hour, hosts...)
}

// newRig is newTokenRig with another name and access-token lifetime (the
// test IdP's ID tokens live an hour).
func newRig(t *testing.T, name string, lifetime time.Duration, hosts ...string) *tokenRig {
	t.Helper()
	r := &tokenRig{
		name:    name,
		t:       t,
		idp:     testidp.Start(t, testidp.Options{AccessTokenLifetime: lifetime}),
		secrets: store.NewMemory(),
	}
	paths := testkit.Isolate(t)
	r.dir = paths.Dir
	cfg := paths.Config
	t.Setenv("KUBERNETES_EXEC_INFO", "")
	hostList, _ := json.Marshal(hosts)
	if hosts == nil {
		hostList = []byte("[]")
	}
	text := fmt.Sprintf(`[[session]]
name      = %q
provider  = "oidc"
issuer    = %q
client_id = %q
scopes    = ["openid", "offline_access", "profile"]
hosts     = %s
`, name, r.idp.Issuer(), r.idp.ClientID(), hostList)
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return r
}

// startAgent starts the agent; a second call after stopAgent is a restart
// over the same state and keyring.
func (r *tokenRig) startAgent() *agent.Agent {
	r.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	a, err := agent.Start(ctx, agent.Options{Secrets: r.secrets, Stderr: &bytes.Buffer{}, Clock: r.clk,
		OpenURL: func(string) error { return fmt.Errorf("no browser in this test") }})
	if err != nil {
		cancel()
		r.t.Fatalf("agent: %v", err)
	}
	r.agent = a
	r.stop = func() { cancel(); a.Wait() }
	r.t.Cleanup(r.stopAgent)
	return a
}

func (r *tokenRig) stopAgent() {
	if r.stop != nil {
		r.stop()
		r.stop, r.agent = nil, nil
	}
}

// login signs "work" in through the IdP's login form, as a person would.
func (r *tokenRig) login(m *session.Manager) {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := m.Login(ctx, r.name, session.LoginRequest{OpenURL: func(u string) error {
		go r.idp.Browse(ctx, u) //nolint:errcheck // the sign-in result tells
		return nil
	}})
	if err != nil {
		r.t.Fatalf("login: %v", err)
	}
}

// held is the token the agent holds now (it is valid for an hour).
func (r *tokenRig) held() session.Tokens {
	r.t.Helper()
	tok, err := r.agent.Manager.Token(context.Background(), r.name, 0)
	if err != nil {
		r.t.Fatal(err)
	}
	return tok
}

// cli runs the command line in this process.
func runCLI(stdin string, args ...string) (stdout, stderr string, code int) {
	var out, errb bytes.Buffer
	code = Main(args, &Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Version: "test"})
	return out.String(), errb.String(), code
}

func TestTokenFormatsViaAgent(t *testing.T) {
	r := newTokenRig(t)
	r.login(r.startAgent().Manager)
	held := r.held()
	before := r.idp.RefreshCount()
	exp := held.Expiry.UTC().Format(time.RFC3339)

	tests := []struct {
		args []string
		env  string // KUBERNETES_EXEC_INFO
		want string
	}{
		{[]string{"token", "work"}, "", held.AccessToken + "\n"},
		{[]string{"token", "--id-token", "work"}, "", held.IDToken + "\n"},
		{[]string{"token", "work", "--format", "header"}, "", "Authorization: Bearer " + held.AccessToken + "\n"},
		{[]string{"token", "work", "--format=json"}, "",
			`{"access_token":"` + held.AccessToken + `","token_type":"Bearer","expires_at":"` + exp + `","id_token":"` + held.IDToken + `"}` + "\n"},
		{[]string{"token", "work", "--format", "kubectl"}, "",
			`{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","spec":{},"status":{"token":"` + held.AccessToken + `","expirationTimestamp":"` + exp + `"}}` + "\n"},
		{[]string{"token", "work", "--format", "kubectl"}, `{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","spec":{"interactive":false}}`,
			`{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","spec":{},"status":{"token":"` + held.AccessToken + `","expirationTimestamp":"` + exp + `"}}` + "\n"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args[2:], " "), func(t *testing.T) {
			t.Setenv("KUBERNETES_EXEC_INFO", tt.env)
			out, errOut, code := runCLI("", tt.args...)
			if code != 0 || out != tt.want || errOut != "" {
				t.Errorf("exit %d\nstdout %q\nwant   %q\nstderr %q", code, out, tt.want, errOut)
			}
		})
	}
	if n := r.idp.RefreshCount(); n != before {
		t.Errorf("a valid token caused %d refreshes", n-before)
	}
}

// TestTokenIDTokenExpiresFirst: an ID token that expires before the access
// token is renewed by one refresh, and kubectl is told the ID token's end.
func TestTokenIDTokenExpiresFirst(t *testing.T) {
	r := newRig(t, "work", 2*time.Hour)
	r.login(r.startAgent().Manager)
	old := r.held()
	before := r.idp.RefreshCount()
	// The access token has two hours left, the ID token one.
	out, errOut, code := runCLI("", "token", "work", "--id-token", "--min-valid", "90m", "--format", "kubectl")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	var cred struct {
		Status struct {
			Token               string    `json:"token"`
			ExpirationTimestamp time.Time `json:"expirationTimestamp"`
		} `json:"status"`
	}
	if err := json.Unmarshal([]byte(out), &cred); err != nil {
		t.Fatal(err)
	}
	now := r.held()
	if cred.Status.Token == old.IDToken || cred.Status.Token != now.IDToken {
		t.Error("did not get the ID token of a new refresh")
	}
	if left := time.Until(cred.Status.ExpirationTimestamp); left > time.Hour+time.Minute || left < 55*time.Minute {
		t.Errorf("expirationTimestamp is %v away, want the ID token's hour", left.Round(time.Second))
	}
	if n := r.idp.RefreshCount() - before; n != 1 {
		t.Errorf("%d refreshes, want 1", n)
	}
}

func TestTokenMinValidRefreshes(t *testing.T) {
	r := newTokenRig(t)
	clk := clock.NewFake(time.Now())
	r.clk = clk
	r.login(r.startAgent().Manager)
	old := r.held().AccessToken
	before := r.idp.RefreshCount()
	// Moments after the sign-in its token is the freshest there is, even
	// for --min-valid 2h: no refresh.
	out, errOut, code := runCLI("", "token", "work", "--min-valid", "2h")
	if code != 0 || strings.TrimSpace(out) != old || r.idp.RefreshCount() != before {
		t.Fatalf("right after sign-in: exit %d, stderr %q, same token %v, %d refreshes",
			code, errOut, strings.TrimSpace(out) == old, r.idp.RefreshCount()-before)
	}
	// 31 s later the token lives an hour: asking for two forces a refresh,
	// and what the IdP gives (an hour) is what is handed out.
	clk.Advance(31 * time.Second)
	out, errOut, code = runCLI("", "token", "work", "--min-valid", "2h")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if got := strings.TrimSpace(out); got == old || got != r.held().AccessToken {
		t.Errorf("got the old token or not the one the agent holds")
	}
	if n := r.idp.RefreshCount() - before; n != 1 {
		t.Errorf("%d refreshes, want 1", n)
	}
}

// assertOneLine checks what a failed token call printed: nothing on
// stdout, one line on stderr with every wanted part, no token anywhere.
func assertOneLine(t *testing.T, out, errOut string, secrets []string, want ...string) {
	t.Helper()
	if out != "" {
		t.Errorf("stdout has %d bytes, want nothing", len(out))
	}
	if strings.Count(errOut, "\n") != 1 || !strings.HasSuffix(errOut, "\n") {
		t.Errorf("stderr %q, want exactly one line", errOut)
	}
	for _, w := range want {
		if !strings.Contains(errOut, w) {
			t.Errorf("stderr %q lacks %q", errOut, w)
		}
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(errOut, s) {
			t.Errorf("stderr shows a token")
		}
	}
}

func TestTokenNeedsSignIn(t *testing.T) {
	r := newTokenRig(t)
	clk := clock.NewFake(time.Now())
	r.clk = clk
	r.login(r.startAgent().Manager)
	held := r.held()
	rt, _ := r.secrets.Get("work", store.RefreshToken)
	r.idp.RevokeAll()
	clk.Advance(31 * time.Second) // past the 30 s in which a new token is handed out as it is
	out, errOut, code := runCLI("", "token", "work", "--min-valid", "2h")
	if code != exitAction {
		t.Errorf("exit %d, want %d", code, exitAction)
	}
	assertOneLine(t, out, errOut, []string{held.AccessToken, held.IDToken, rt},
		"work: sign-in needed", "ssokeeper login work")
	// The access token the agent still holds stays usable until it
	// expires: tools keep working while the tray asks for a sign-in.
	out, _, code = runCLI("", "token", "work")
	if code != 0 || strings.TrimSpace(out) != held.AccessToken {
		t.Errorf("the still-valid token: exit %d", code)
	}
}

func TestTokenIdPDownWithoutValidToken(t *testing.T) {
	r := newTokenRig(t)
	r.login(r.startAgent().Manager)
	// Access tokens are never persisted: a restarted agent has none and
	// must refresh, which fails while the IdP is down.
	r.stopAgent()
	if err := r.idp.SetDown(true); err != nil {
		t.Fatal(err)
	}
	r.startAgent()
	out, errOut, code := runCLI("", "token", "work")
	if code != exitAction {
		t.Errorf("exit %d, want %d", code, exitAction)
	}
	assertOneLine(t, out, errOut, nil, "work: ", "unreachable")
	// The refresh token survives a transient failure: once the IdP is
	// back, the same command works without a sign-in.
	if err := r.idp.Clear(); err != nil {
		t.Fatal(err)
	}
	out, errOut, code = runCLI("", "token", "work")
	if code != 0 || strings.TrimSpace(out) != r.held().AccessToken {
		t.Errorf("after the IdP came back: exit %d, stderr %q", code, errOut)
	}
}

func TestTokenUsageErrors(t *testing.T) {
	r := newTokenRig(t)
	r.startAgent()
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"unknown session", []string{"token", "nope"}, []string{`"nope"`, "work"}},
		{"no name", []string{"token"}, []string{"usage: ssokeeper token NAME"}},
		{"bad format", []string{"token", "work", "--format", "yaml"}, []string{"raw, json, header or kubectl"}},
		{"negative min-valid", []string{"token", "work", "--min-valid", "-1s"}, []string{"--min-valid"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := runCLI("", tt.args...)
			if code != exitUsage || out != "" {
				t.Errorf("exit %d, stdout %q; want %d and nothing", code, out, exitUsage)
			}
			for _, w := range tt.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr %q lacks %q", errOut, w)
				}
			}
		})
	}
}

// TestTokenStormInProcess: 200 callers of a session whose token is due
// cause one refresh at the IdP and all get its token.
func TestTokenStormInProcess(t *testing.T) {
	r := newTokenRig(t)
	clk := clock.NewFake(time.Now())
	cfg, err := providers.LoadConfig(os.Getenv("SSOKEEPER_CONFIG"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := session.New(session.Options{Config: cfg, Secrets: r.secrets, StateDir: t.TempDir(),
		Providers: providers.New, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	r.login(m)
	old, err := m.Token(context.Background(), "work", 0)
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Hour - 30*time.Second) // 30 s left: due for --min-valid 60s
	got := storm(t, r.idp, r.idp.RefreshCount(), func(ctx context.Context) (string, error) {
		tok, err := m.Token(ctx, "work", time.Minute)
		return tok.AccessToken, err
	})
	if got == old.AccessToken {
		t.Error("the storm got the old token")
	}
}

// TestTokenStormViaAgent: the same through the agent's socket. A restarted
// agent has no access token, so the first callers find it due.
func TestTokenStormViaAgent(t *testing.T) {
	r := newTokenRig(t)
	r.login(r.startAgent().Manager)
	r.stopAgent()
	// The restarted agent's scheduler refreshes at once too: count from
	// before it starts, as one refresh shared with the storm.
	before := r.idp.RefreshCount()
	r.startAgent()
	sock, err := api.SocketPath()
	if err != nil {
		t.Fatal(err)
	}
	c := api.NewClient(sock)
	storm(t, r.idp, before, func(ctx context.Context) (string, error) {
		tok, err := c.Token(ctx, "work", time.Minute)
		return tok.AccessToken, err
	})
}

// storm runs get from 200 goroutines at once. It checks that the IdP
// served exactly one refresh since before and every caller got the same
// token, and returns that token.
func storm(t *testing.T, idp *testidp.IdP, before int, get func(context.Context) (string, error)) string {
	t.Helper()
	const n = 200
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tokens := make([]string, n)
	errs := make([]error, n)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range n {
		done.Add(1)
		go func() {
			defer done.Done()
			start.Wait()
			tokens[i], errs[i] = get(ctx)
		}()
	}
	start.Done()
	done.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("caller %d: %v", i, errs[i])
		}
		if tokens[i] == "" || tokens[i] != tokens[0] {
			t.Fatalf("caller %d got another token than caller 0", i)
		}
	}
	if got := idp.RefreshCount() - before; got != 1 {
		t.Errorf("%d concurrent callers caused %d refreshes at the IdP, want 1", n, got)
	}
	return tokens[0]
}

// binDir holds the program built for this test run, removed at the end.
var binDir string

// ssokeeperBinary builds the program once per test run.
var ssokeeperBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "ssokeeper-bin")
	if err != nil {
		return "", err
	}
	binDir = dir
	bin := filepath.Join(dir, "ssokeeper")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = filepath.Join("..", "..")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

func buildBinary(t *testing.T) string {
	t.Helper()
	bin, err := ssokeeperBinary()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// needTool finds a program the test drives, skipping when it is missing
// unless the test harness requires every real part.
func needTool(t *testing.T, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		testkit.Missing(t, fmt.Sprintf("%s is not installed (Debian package %s)", name, pkg))
	}
	return p
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// kubeAPI is a minimal Kubernetes API server over TLS on 127.0.0.1: it
// answers the pod list and records every bearer token it was sent.
func kubeAPI(t *testing.T) (*httptest.Server, func() []string) {
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		mu.Lock()
		seen = append(seen, strings.TrimPrefix(auth, "Bearer "))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if !strings.HasPrefix(auth, "Bearer ") {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Unauthorized","code":401}`)
			return
		}
		if r.URL.Path != "/api/v1/namespaces/default/pods" {
			http.NotFound(w, r)
			return
		}
		io.WriteString(w, `{"kind":"PodList","apiVersion":"v1","metadata":{},"items":[]}`)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), seen...)
	}
}

// kubeconfig writes a kubeconfig whose user runs `ssokeeper token`.
func kubeconfig(t *testing.T, srv *httptest.Server, bin, apiVersion string, args ...string) string {
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	argList, _ := json.Marshal(args)
	text := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: %s
    certificate-authority-data: %s
users:
- name: work
  user:
    exec:
      apiVersion: %s
      command: %s
      args: %s
      interactiveMode: Never
contexts:
- name: test
  context: {cluster: test, user: work}
current-context: test
`, srv.URL, base64.StdEncoding.EncodeToString(ca), apiVersion, bin, argList)
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// kubectlSpeaksV1 reports whether kubectl knows ExecCredential v1 (1.22+).
func kubectlSpeaksV1(t *testing.T, kubectl string) bool {
	out, err := exec.Command(kubectl, "version", "--client", "-o", "json").Output()
	if err != nil {
		t.Fatalf("kubectl version: %v", err)
	}
	var v struct {
		ClientVersion struct{ Major, Minor string } `json:"clientVersion"`
	}
	json.Unmarshal(out, &v) //nolint:errcheck
	minor, _ := strconv.Atoi(strings.TrimRight(v.ClientVersion.Minor, "+"))
	return v.ClientVersion.Major != "1" || minor >= 22
}

func TestKubectlExecPlugin(t *testing.T) {
	kubectl := needTool(t, "kubectl", "kubernetes-client")
	bin := buildBinary(t)
	r := newTokenRig(t)
	r.login(r.startAgent().Manager)
	held := r.held()
	srv, seen := kubeAPI(t)

	versions := []string{toolcreds.ExecV1beta1}
	if kubectlSpeaksV1(t, kubectl) {
		versions = append(versions, toolcreds.ExecV1)
	}
	for _, v := range versions {
		for _, idToken := range []bool{false, true} {
			args := []string{"token", "work", "--format", "kubectl"}
			want := held.AccessToken
			if idToken {
				args, want = append(args, "--id-token"), held.IDToken
			}
			t.Run(fmt.Sprintf("%s id-token=%v", v, idToken), func(t *testing.T) {
				cmd := exec.Command(kubectl, "get", "--raw", "/api/v1/namespaces/default/pods")
				// The plugin inherits kubectl's environment: the SSOKEEPER_*
				// paths that lead to this test's agent.
				cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig(t, srv, bin, v, args...), "HOME="+t.TempDir())
				var stderr bytes.Buffer
				cmd.Stderr = &stderr
				out, err := cmd.Output()
				if err != nil {
					t.Fatalf("kubectl: %v\n%s", err, stderr.String())
				}
				if !strings.Contains(string(out), `"PodList"`) {
					t.Errorf("kubectl printed %q", out)
				}
				got := seen()
				if len(got) == 0 || got[len(got)-1] != want {
					t.Errorf("the API server did not receive the token the agent holds")
				}
			})
		}
	}
}

func TestKubectlNeedsSignIn(t *testing.T) {
	kubectl := needTool(t, "kubectl", "kubernetes-client")
	bin := buildBinary(t)
	r := newTokenRig(t)
	clk := clock.NewFake(time.Now())
	r.clk = clk
	r.login(r.startAgent().Manager)
	r.idp.RevokeAll()
	clk.Advance(31 * time.Second) // past the 30 s in which a new token is handed out as it is
	srv, seen := kubeAPI(t)
	cfg := kubeconfig(t, srv, bin, toolcreds.ExecV1beta1, "token", "work", "--format", "kubectl", "--min-valid", "2h")
	cmd := exec.Command(kubectl, "get", "--raw", "/api/v1/namespaces/default/pods")
	cmd.Env = append(os.Environ(), "KUBECONFIG="+cfg, "HOME="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("kubectl succeeded without a valid session: %s", out)
	}
	// kubectl passes the plugin's stderr through: the person reads why.
	if !strings.Contains(string(out), "work: sign-in needed") || !strings.Contains(string(out), "ssokeeper login work") {
		t.Errorf("kubectl output lacks the diagnosis:\n%s", out)
	}
	if len(seen()) != 0 {
		t.Errorf("the API server was called %d times without a credential", len(seen()))
	}
}

// realKeyring returns the OS keyring, skipping the test when there is no
// Secret Service unless the test harness requires one.
func realKeyring(t *testing.T) store.Secrets {
	t.Helper()
	k := store.NewKeyring(5 * time.Second)
	_, err := k.Get("ssokeeper-test-probe", store.RefreshToken)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		testkit.Missing(t, fmt.Sprintf("no Secret Service: %v", err))
	}
	return k
}

// TestTokenWithoutAgent: with no agent, `token` refreshes itself, under the
// session's lock file, with the refresh token from the OS keyring, and
// keeps the access token there for the next process. Five processes at
// once then refresh no more: with a token valid long enough, none does;
// asking for more validity than the IdP gives (--min-valid 2h against
// 1-hour tokens), the first refreshes and the others, after waiting for
// its lock, take the token it just obtained (at most one refresh per
// 30 s) — none spends a refresh token another already rotated.
func TestTokenWithoutAgent(t *testing.T) {
	keyring := realKeyring(t)
	bin := buildBinary(t)
	// A name of its own: never touch a real session's keyring entry.
	r := newNamedRig(t, "ssokeeper-test-"+strconv.Itoa(os.Getpid()))
	r.login(r.startAgent().Manager)
	rt, err := r.secrets.Get(r.name, store.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	r.stopAgent()
	if err := keyring.Set(r.name, store.RefreshToken, rt); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		keyring.Delete(r.name, store.RefreshToken)
		keyring.Delete(r.name, "access_token") // kept for the next process
	})

	before := r.idp.RefreshCount()
	out, errOut, code := runCLI("", "token", r.name)
	if code != 0 || errOut != "" || len(strings.TrimSpace(out)) < 20 {
		t.Fatalf("exit %d, stderr %q, stdout %d bytes", code, errOut, len(out))
	}
	if n := r.idp.RefreshCount() - before; n != 1 {
		t.Errorf("%d refreshes, want 1", n)
	}
	if now, _ := keyring.Get(r.name, store.RefreshToken); now == rt || now == "" {
		t.Error("the rotated refresh token was not stored in the keyring")
	}

	const n = 5
	concurrently := func(args ...string) int {
		t.Helper()
		before := r.idp.RefreshCount()
		errs := make(chan error, n)
		for range n {
			go func() {
				cmd := exec.Command(bin, append([]string{"token", r.name}, args...)...)
				var stderr bytes.Buffer
				cmd.Stderr = &stderr
				out, err := cmd.Output()
				if err == nil && len(bytes.TrimSpace(out)) < 20 {
					err = fmt.Errorf("no token printed")
				}
				if err != nil {
					err = fmt.Errorf("%v: %s", err, stderr.String())
				}
				errs <- err
			}()
		}
		for range n {
			if err := <-errs; err != nil {
				t.Errorf("a concurrent token process failed: %v", err)
			}
		}
		return r.idp.RefreshCount() - before
	}
	if got := concurrently(); got != 0 {
		t.Errorf("%d refreshes for %d processes without an agent while the kept token is valid, want 0", got, n)
	}
	if got := concurrently("--min-valid", "2h"); got > 1 {
		t.Errorf("%d refreshes for %d processes asking --min-valid 2h of 1-hour tokens, want at most 1", got, n)
	}
}
