//go:build linux

package hydrae2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// hydraModule is the nested module that names Hydra as a tool.
const hydraModule = "../hydra"

// hydraTags: Hydra's in-memory store is sqlite, behind build tags (cgo).
const hydraTags = "sqlite,sqlite_omit_load_extension"

// subject is the user the login app signs in.
const subject = "alice"

var (
	hydraOnce sync.Once
	hydraBin  string
	hydraErr  error
	tempDirs  []string // removed by TestMain
)

// buildHydra builds Hydra once per test run, unless scripts/test.sh built
// it already ($SSOKEEPER_HYDRA_BIN). The Go build cache keeps the compiled
// packages, so only the first build on a machine is slow; a later run
// only links. Without the toolchain it needs (gcc for cgo, the module
// proxy) the test skips, or fails under scripts/test.sh.
func buildHydra(t *testing.T) string {
	t.Helper()
	hydraOnce.Do(func() {
		if bin := os.Getenv("SSOKEEPER_HYDRA_BIN"); bin != "" { // built by scripts/test.sh
			if _, hydraErr = os.Stat(bin); hydraErr == nil {
				hydraBin = bin
			}
			return
		}
		if _, err := exec.LookPath("gcc"); err != nil {
			hydraErr = errors.New("gcc is not installed (Hydra's sqlite store needs cgo; Debian packages gcc, libc6-dev)")
			return
		}
		dir, err := os.MkdirTemp("", "hydra-bin")
		if err != nil {
			hydraErr = err
			return
		}
		tempDirs = append(tempDirs, dir)
		bin := filepath.Join(dir, "hydra")
		goCmd := filepath.Join(runtime.GOROOT(), "bin", "go")
		start := time.Now()
		cmd := exec.Command(goCmd, "build", "-tags", hydraTags, "-ldflags", "-s -w", "-o", bin, "github.com/ory/hydra/v2")
		cmd.Dir = hydraModule
		cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			hydraErr = fmt.Errorf("go build of Ory Hydra in internal/e2e/hydra: %v\n%s", err, out)
			return
		}
		fmt.Fprintf(os.Stderr, "hydrae2e: built Ory Hydra in %s\n", time.Since(start).Round(100*time.Millisecond))
		hydraBin = bin
	})
	if hydraErr != nil {
		if os.Getenv("SSOKEEPER_REQUIRE_TOOLS") == "1" {
			t.Fatal(hydraErr)
		}
		t.Skipf("%v; run the tests with bash scripts/test.sh", hydraErr)
	}
	return hydraBin
}

// hydra is one Hydra server with its own memory store, the login and
// consent app, and a proxy in front of its public port that sees every
// token request.
type hydra struct {
	t      *testing.T
	issuer string // the proxy: Hydra's issuer URL
	admin  string
	proxy  *tokenProxy
	http   *http.Client
}

// startHydra starts Hydra. Its ports are picked free just before it
// binds them; when another process takes one meanwhile, it tries again.
func startHydra(t *testing.T) *hydra {
	t.Helper()
	bin := buildHydra(t)
	h := &hydra{t: t, http: &http.Client{Timeout: 30 * time.Second}}
	h.proxy = newTokenProxy(t)
	h.issuer = h.proxy.srv.URL
	app := httptest.NewServer(h.loginApp())
	t.Cleanup(app.Close)
	var err error
	for range 3 {
		if err = h.run(bin, app.URL); err == nil {
			return h
		}
	}
	t.Fatal(err)
	return nil
}

func (h *hydra) run(bin, appURL string) error {
	t := h.t
	public, admin := freePort(t), freePort(t)
	h.admin = "http://127.0.0.1:" + admin
	logFile := filepath.Join(t.TempDir(), "hydra.log")
	out, err := os.Create(logFile)
	if err != nil {
		return err
	}
	defer out.Close()
	cmd := exec.Command(bin, "serve", "all", "--dev")
	cmd.Env = append(os.Environ(),
		"DSN=memory",
		"LOG_LEVEL=info",
		"SECRETS_SYSTEM=ssokeeper-e2e-secret-of-32-chars-or-more",
		"SERVE_PUBLIC_HOST=127.0.0.1", "SERVE_PUBLIC_PORT="+public,
		"SERVE_ADMIN_HOST=127.0.0.1", "SERVE_ADMIN_PORT="+admin,
		"URLS_SELF_ISSUER="+h.issuer,
		"URLS_LOGIN="+appURL+"/login",
		"URLS_CONSENT="+appURL+"/consent",
		"OAUTH2_PKCE_ENFORCED_FOR_PUBLIC_CLIENTS=true",
		"TTL_REFRESH_TOKEN=24h",
	)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	stop := func() { cmd.Process.Kill(); <-exited }
	// Hydra is a separate process: ask it until it says it is ready.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		resp, err := h.http.Get(h.admin + "/health/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case <-exited:
			log, _ := os.ReadFile(logFile)
			return fmt.Errorf("hydra exited at start:\n%s", log)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			stop()
			log, _ := os.ReadFile(logFile)
			return fmt.Errorf("hydra was not ready within 2 minutes:\n%s", log)
		}
	}
	h.proxy.setTarget("http://127.0.0.1:" + public)
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			log, _ := os.ReadFile(logFile)
			t.Logf("hydra's log:\n%s", tail(string(log), 4000))
		}
	})
	return nil
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port
}

// call sends JSON to Hydra's admin API and decodes the JSON reply.
func (h *hydra) call(method, path string, in, out any) {
	h.t.Helper()
	if err := h.do(method, path, in, out); err != nil {
		h.t.Fatal(err)
	}
}

func (h *hydra) do(method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, h.admin+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := h.http.Do(req)
	if err != nil {
		return fmt.Errorf("hydra admin %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("hydra admin %s %s: %s: %s", method, path, resp.Status, raw)
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}

// lifespans are a client's token lifetimes, as Hydra's durations ("30s").
type lifespans struct {
	CodeAccess    string `json:"authorization_code_grant_access_token_lifespan,omitempty"`
	RefreshAccess string `json:"refresh_token_grant_access_token_lifespan,omitempty"`
	CodeRefresh   string `json:"authorization_code_grant_refresh_token_lifespan,omitempty"`
}

// newClient registers a public client, as ssokeeper is one: PKCE, no
// secret, redirects to 127.0.0.1 (Hydra matches loopback on any port).
func (h *hydra) newClient(l lifespans) string {
	h.t.Helper()
	in := map[string]any{
		"client_name":                "ssokeeper e2e",
		"grant_types":                []string{"authorization_code", "refresh_token"},
		"response_types":             []string{"code"},
		"scope":                      "openid offline_access",
		"redirect_uris":              []string{"http://127.0.0.1/callback"},
		"token_endpoint_auth_method": "none",
	}
	if l.CodeAccess != "" {
		in["authorization_code_grant_access_token_lifespan"] = l.CodeAccess
	}
	if l.RefreshAccess != "" {
		in["refresh_token_grant_access_token_lifespan"] = l.RefreshAccess
	}
	if l.CodeRefresh != "" {
		in["authorization_code_grant_refresh_token_lifespan"] = l.CodeRefresh
	}
	var out struct {
		ClientID string `json:"client_id"`
	}
	h.call(http.MethodPost, "/admin/clients", in, &out)
	return out.ClientID
}

// setLifespans changes a client's token lifetimes.
func (h *hydra) setLifespans(clientID string, l lifespans) {
	h.t.Helper()
	h.call(http.MethodPut, "/admin/clients/"+url.PathEscape(clientID)+"/lifespans", l, nil)
}

// revokeUser revokes every consent session of the test user at Hydra, and
// with them every token issued to them: what an administrator does.
func (h *hydra) revokeUser() {
	h.t.Helper()
	h.call(http.MethodDelete, "/admin/oauth2/auth/sessions/consent?subject="+subject+"&all=true", nil, nil)
}

// active asks Hydra's introspection whether a token is still active.
func (h *hydra) active(token string) bool {
	h.t.Helper()
	resp, err := h.http.PostForm(h.admin+"/admin/oauth2/introspect", url.Values{"token": {token}})
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Active    bool   `json:"active"`
		TokenType string `json:"token_use"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		h.t.Fatalf("introspect: %s: %v", resp.Status, err)
	}
	return out.Active
}

// loginApp is the login and consent UI Hydra lacks: it accepts every
// request for the test user, granting the scopes asked for.
func (h *hydra) loginApp() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		ch := url.QueryEscape(r.URL.Query().Get("login_challenge"))
		var out struct {
			RedirectTo string `json:"redirect_to"`
		}
		if err := h.do(http.MethodPut, "/admin/oauth2/auth/requests/login/accept?login_challenge="+ch,
			map[string]any{"subject": subject}, &out); err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		http.Redirect(w, r, out.RedirectTo, http.StatusFound)
	})
	mux.HandleFunc("/consent", func(w http.ResponseWriter, r *http.Request) {
		ch := url.QueryEscape(r.URL.Query().Get("consent_challenge"))
		var req struct {
			Scope    []string `json:"requested_scope"`
			Audience []string `json:"requested_access_token_audience"`
		}
		var out struct {
			RedirectTo string `json:"redirect_to"`
		}
		err := h.do(http.MethodGet, "/admin/oauth2/auth/requests/consent?consent_challenge="+ch, nil, &req)
		if err == nil {
			err = h.do(http.MethodPut, "/admin/oauth2/auth/requests/consent/accept?consent_challenge="+ch,
				map[string]any{"grant_scope": req.Scope, "grant_access_token_audience": req.Audience}, &out)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		http.Redirect(w, r, out.RedirectTo, http.StatusFound)
	})
	return mux
}

// tokenProxy forwards Hydra's public port and watches refresh requests:
// it counts them, keeps Hydra's error replies, and can hold one.
type tokenProxy struct {
	t   *testing.T
	srv *httptest.Server

	mu        sync.Mutex
	target    *httputil.ReverseProxy
	refreshes int           // refresh requests Hydra answered 200
	failures  []string      // Hydra's error replies to refresh requests: "400 {…}"
	hold      func() bool   // when set, each refresh request asks it whether to go on to Hydra
	changed   chan struct{} // closed (and replaced) when a refresh is counted
}

func newTokenProxy(t *testing.T) *tokenProxy {
	p := &tokenProxy{t: t, changed: make(chan struct{})}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *tokenProxy) setTarget(u string) {
	target, _ := url.Parse(u)
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) {
		// A 502 of the proxy itself is not Hydra's: say why it happened.
		p.t.Logf("token proxy: %s %s: %v", r.Method, r.URL.Path, err)
		http.Error(w, "token proxy: "+err.Error(), http.StatusBadGateway)
	}
	p.mu.Lock()
	p.target = rp
	p.mu.Unlock()
}

func (p *tokenProxy) serve(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	target, hold := p.target, p.hold
	p.mu.Unlock()
	if target == nil {
		http.Error(w, "hydra is not started yet", http.StatusServiceUnavailable)
		return
	}
	refresh := false
	if r.Method == http.MethodPost && r.URL.Path == "/oauth2/token" {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
		r.Body = io.NopCloser(bytes.NewReader(body))
		form, _ := url.ParseQuery(string(body))
		refresh = form.Get("grant_type") == "refresh_token"
	}
	if !refresh {
		target.ServeHTTP(w, r)
		return
	}
	if hold != nil && !hold() {
		http.Error(w, "dropped by the test", http.StatusBadGateway)
		return
	}
	// A request that left its client goes on to Hydra even when the client
	// is gone meanwhile (killed): as on a real network, Hydra may still
	// have received it.
	rec := httptest.NewRecorder()
	target.ServeHTTP(rec, r.WithContext(context.WithoutCancel(r.Context())))
	p.mu.Lock()
	if rec.Code == http.StatusOK {
		p.refreshes++
	} else {
		p.failures = append(p.failures, fmt.Sprintf("%d %s", rec.Code, strings.TrimSpace(rec.Body.String())))
	}
	close(p.changed)
	p.changed = make(chan struct{})
	p.mu.Unlock()
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	w.Write(rec.Body.Bytes())
}

// counts returns the refreshes Hydra granted and the error replies.
func (p *tokenProxy) counts() (int, []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.refreshes, append([]string(nil), p.failures...)
}

// holdRefreshes makes every refresh request wait for f, which says
// whether it goes on to Hydra or is dropped.
func (p *tokenProxy) holdRefreshes(f func() bool) {
	p.mu.Lock()
	p.hold = f
	p.mu.Unlock()
}

// awaitRefreshes waits until Hydra granted at least n refreshes, failing
// on the first refresh it refused.
func (p *tokenProxy) awaitRefreshes(t *testing.T, ctx context.Context, n int) {
	t.Helper()
	for {
		p.mu.Lock()
		got, failures, changed := p.refreshes, len(p.failures), p.changed
		p.mu.Unlock()
		if failures > 0 {
			_, all := p.counts()
			t.Fatalf("hydra refused a refresh after %d granted: %q", got, all)
		}
		if got >= n {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("hydra granted %d refreshes, want %d", got, n)
		case <-changed:
		}
	}
}
