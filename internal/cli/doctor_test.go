package cli

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssokeeper/ssokeeper/internal/testkit"
	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/providers"
	"github.com/ssokeeper/ssokeeper/session/store"
)

// doctorRig is tokenRig with doctor's keyring pointed at the agent's
// in-memory one and a temporary XDG autostart folder.
func doctorRig(t *testing.T) *tokenRig {
	r := newTokenRig(t)
	old := doctorSecrets
	doctorSecrets = func() store.Secrets { return r.secrets }
	t.Cleanup(func() { doctorSecrets = old })
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(r.dir, "xdg"))
	return r
}

// enableAutostart writes the XDG entry for this test binary, as
// `ssokeeper autostart enable` does for an installed one.
func (r *tokenRig) enableAutostart() {
	r.t.Helper()
	exe, err := os.Executable()
	if err == nil {
		exe, err = filepath.EvalSymlinks(exe)
	}
	if err != nil {
		r.t.Fatal(err)
	}
	dir := filepath.Join(r.dir, "xdg", "autostart")
	os.MkdirAll(dir, 0o755)
	entry := "[Desktop Entry]\nType=Application\nName=ssokeeper\nExec=" + exe + "\n"
	if err := os.WriteFile(filepath.Join(dir, "ssokeeper.desktop"), []byte(entry), 0o644); err != nil {
		r.t.Fatal(err)
	}
}

func (r *tokenRig) assertNoSecret(out string) {
	r.t.Helper()
	for k, v := range r.secrets.Snapshot() {
		if strings.Contains(out, v) {
			r.t.Errorf("doctor printed the secret %s", k)
		}
	}
}

func TestDoctorAllPass(t *testing.T) {
	r := doctorRig(t)
	r.enableAutostart()
	r.login(r.startAgent().Manager)
	out, errOut, code := runCLI("", "doctor", "work", "--refresh")
	if code != exitOK {
		t.Fatalf("exit %d, want 0\n%s%s", code, out, errOut)
	}
	r.assertNoSecret(out + errOut)
	for _, line := range []string{"work (oidc)", "✓ configuration valid", "✓ identity provider reachable",
		"✓ clock agrees with the identity provider", "✓ keyring reachable and unlocked", "✓ refresh token stored",
		"✓ client accepted by the identity provider: a refresh just now succeeded", "✓ scopes ask for a refresh token",
		"✓ agent running", "✓ starts at login"} {
		if !strings.Contains(out, line) {
			t.Errorf("output lacks %q:\n%s", line, out)
		}
	}
	if strings.Contains(out, "✗") || strings.Contains(out, "fix:") {
		t.Errorf("a check failed:\n%s", out)
	}
}

func TestDoctorJSONWithTheIdPDown(t *testing.T) {
	r := doctorRig(t)
	r.login(r.startAgent().Manager)
	r.idp.SetDown(true)
	out, errOut, code := runCLI("", "doctor", "--json")
	if code != exitAction {
		t.Fatalf("exit %d, want 1\n%s%s", code, out, errOut)
	}
	r.assertNoSecret(out + errOut)
	var got struct {
		Sessions []struct {
			Name   string
			Checks []struct {
				Name       string `json:"name"`
				OK         bool   `json:"ok"`
				Detail     string `json:"detail"`
				Fix        string `json:"fix"`
				DurationMS *int64 `json:"duration_ms"`
			}
		}
		OK *bool `json:"ok"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if got.OK == nil || *got.OK || len(got.Sessions) != 1 || got.Sessions[0].Name != "work" {
		t.Fatalf("want ok false and session work, got %s", out)
	}
	var reach, autostart bool
	for _, c := range got.Sessions[0].Checks {
		if c.DurationMS == nil {
			t.Errorf("%s: no duration_ms", c.Name)
		}
		switch c.Name {
		case "identity provider reachable":
			reach = !c.OK && strings.Contains(c.Detail, "refused") && c.Fix != ""
		case "starts at login":
			autostart = !c.OK && strings.Contains(c.Fix, "ssokeeper autostart enable")
		}
	}
	if !reach || !autostart {
		t.Errorf("want reachability and autostart to fail with fixes:\n%s", out)
	}
}

func TestDoctorConfigError(t *testing.T) {
	r := doctorRig(t)
	cfg := os.Getenv("SSOKEEPER_CONFIG")
	os.WriteFile(cfg, []byte("[[session]]\nname = \"work\"\nprovider = \"oidcc\"\n"), 0o600)
	out, _, code := runCLI("", "doctor")
	if code != exitUsage {
		t.Fatalf("exit %d, want 2\n%s", code, out)
	}
	if !strings.Contains(out, "✗ configuration valid") || !strings.Contains(out, "config.toml:3: provider") ||
		strings.Contains(out, "identity provider reachable") {
		t.Errorf("want the problems and nothing else:\n%s", out)
	}
	_ = r
}

func TestDoctorUnknownSession(t *testing.T) {
	doctorRig(t)
	_, errOut, code := runCLI("", "doctor", "play")
	if code != exitUsage || !strings.Contains(errOut, `"play"`) || !strings.Contains(errOut, "work") {
		t.Errorf("exit %d, stderr %q: want 2 naming play and the configured sessions", code, errOut)
	}
}

// Without an agent, doctor reads the real keyring and refreshes through a
// manager of its own process (the session's lock file keeps others out).
func TestDoctorWithoutAgentRealKeyring(t *testing.T) {
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		testkit.Missing(t, "no D-Bus session bus")
	}
	r := newTokenRig(t)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(r.dir, "xdg"))
	// A name of its own: never touch a real session's keyring entry.
	name := "doctor-test-" + rand.Text()[:8]
	cfg := os.Getenv("SSOKEEPER_CONFIG")
	text := fmt.Sprintf("[[session]]\nname = %q\nprovider = \"oidc\"\nissuer = %q\nclient_id = %q\n", name, r.idp.Issuer(), r.idp.ClientID())
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	keyring := store.NewKeyring(5 * time.Second)
	t.Cleanup(func() { keyring.Delete(name, store.RefreshToken) })
	conf, err := providers.LoadConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	m, err := session.New(session.Options{Config: conf, Secrets: keyring, StateDir: os.Getenv("SSOKEEPER_STATE_DIR"), Providers: providers.New})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err = m.Login(ctx, name, session.LoginRequest{OpenURL: func(u string) error {
		go r.idp.Browse(ctx, u) //nolint:errcheck // the sign-in's result tells
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	rt, _ := keyring.Get(name, store.RefreshToken)
	before := r.idp.RefreshCount()

	out, errOut, code := runCLI("", "doctor", name, "--refresh")
	if code != exitAction {
		t.Errorf("exit %d, want 1 (no agent, no autostart)", code)
	}
	if rt != "" && strings.Contains(out+errOut, rt) {
		t.Error("doctor printed the refresh token")
	}
	for _, line := range []string{"✓ keyring reachable and unlocked", "✓ refresh token stored",
		"✓ client accepted by the identity provider: a refresh just now succeeded", "✗ agent running"} {
		if !strings.Contains(out, line) {
			t.Errorf("output lacks %q:\n%s", line, out)
		}
	}
	if r.idp.RefreshCount() != before+1 {
		t.Errorf("%d refreshes at the IdP, want 1", r.idp.RefreshCount()-before)
	}
}
