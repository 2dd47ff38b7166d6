//go:build linux

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ssokeeper/ssokeeper/internal/testidp"
	"github.com/ssokeeper/ssokeeper/notify/notifytest"
)

// twoAccounts writes a configuration with a work and a personal session
// at the rig's IdP, each with its own browser command (this test binary
// as the stand-in browser, which records its argv), and returns the file
// that receives each run's argv.
func twoAccounts(t *testing.T, r *rig) (argvLog string) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	argvLog = filepath.Join(t.TempDir(), "argv.log")
	t.Setenv(testidp.EnvArgvLog, argvLog)
	text := fmt.Sprintf(`browser = "'%[1]s' --default-browser"

[[session]]
name       = "work"
provider   = "oidc"
issuer     = %[2]q
client_id  = %[3]q
login_hint = "alice@work.example"
browser    = "'%[1]s' --profile-directory=\"Profile 2\""

[[session]]
name      = "personal"
provider  = "oidc"
issuer    = %[2]q
client_id = %[3]q
firefox_container = "Personal & Home"
`, exe, r.idp.Issuer(), r.idp.ClientID())
	if err := os.WriteFile(os.Getenv("SSOKEEPER_CONFIG"), []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return argvLog
}

func argvRuns(t *testing.T, name string) [][]string {
	t.Helper()
	data, _ := os.ReadFile(name)
	var runs [][]string
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if line == "" {
			continue
		}
		var argv []string
		if err := json.Unmarshal([]byte(line), &argv); err != nil {
			t.Fatalf("argv log %q: %v", line, err)
		}
		runs = append(runs, argv)
	}
	return runs
}

// TestBrowserAccountAndNeededSignIns: each session opens its own browser
// command with the sign-in URL last (the personal one in its Firefox
// container), the work session asks for its account with login_hint;
// `login --if-needed` opens nothing for a healthy session, and
// `login --all-needed` signs in what needs it, one after another.
func TestBrowserAccountAndNeededSignIns(t *testing.T) {
	r := newRig(t, "work")
	argvLog := twoAccounts(t, r)
	r.startAgent()

	// Both sessions need a sign-in: --if-needed signs work in.
	if res := runCLI("login", "work", "--if-needed"); res.code != 0 || !strings.Contains(res.stderr, "Signed in to work") {
		t.Fatalf("login work --if-needed: %s", res)
	}
	runs := argvRuns(t, argvLog)
	if len(runs) != 1 {
		t.Fatalf("the browser ran %d times, want once: %q", len(runs), runs)
	}
	if argv := runs[0]; len(argv) != 2 || argv[0] != "--profile-directory=Profile 2" {
		t.Errorf("work's browser got %q, want [--profile-directory=Profile 2 URL]", argv)
	}
	authURL, err := url.Parse(runs[0][len(runs[0])-1])
	if err != nil {
		t.Fatal(err)
	}
	if hint := authURL.Query().Get("login_hint"); hint != "alice@work.example" {
		t.Errorf("the sign-in URL carries login_hint %q, want alice@work.example", hint)
	}

	// Healthy now: --if-needed exits 0 at once, silently, and opens nothing.
	if res := runCLI("login", "work", "--if-needed"); res.code != 0 || res.stderr != "" {
		t.Errorf("login work --if-needed on a healthy session: %s", res)
	}
	if n := len(argvRuns(t, argvLog)); n != 1 {
		t.Errorf("--if-needed on a healthy session opened the browser (%d runs)", n)
	}

	// Only personal needs signing in now.
	res := runCLI("login", "--all-needed")
	if res.code != 0 || !strings.Contains(res.stderr, "Signing in to personal, one at a time") ||
		!strings.Contains(res.stderr, "Signed in to personal") || strings.Contains(res.stderr, "Signed in to work") {
		t.Fatalf("login --all-needed: %s", res)
	}
	runs = argvRuns(t, argvLog)
	if len(runs) != 2 {
		t.Fatalf("the browser ran %d times, want twice: %q", len(runs), runs)
	}
	argv := runs[1]
	if len(argv) != 2 || argv[0] != "--default-browser" {
		t.Fatalf("personal's browser got %q, want the top-level default with one URL", argv)
	}
	rest, ok := strings.CutPrefix(argv[1], "ext+container:")
	q, err := url.ParseQuery(rest)
	if !ok || err != nil || q.Get("name") != "Personal & Home" || !strings.HasPrefix(q.Get("url"), r.idp.Issuer()) {
		t.Errorf("personal's URL %q is not an ext+container: URL for its container and the IdP", argv[1])
	}
	if got := status(t, "personal"); got.State != "healthy" {
		t.Errorf("personal after --all-needed: %s/%s", got.State, got.Reason)
	}
	if res := runCLI("login", "--all-needed"); res.code != 0 || !strings.Contains(res.stderr, "No session needs signing in") {
		t.Errorf("login --all-needed with nothing to do: %s", res)
	}

	// The prompt line, through the agent.
	res = runCLI("status", "work", "--format", "{{.Name}} {{.State}} {{.AccessLeft}}|{{.SessionLeft}}")
	if res.code != 0 || !regexp.MustCompile(`^work healthy (59m|1h)\|\n$`).MatchString(res.stdout) {
		t.Errorf("status work --format: %s, stdout %q", res, res.stdout)
	}
	res = runCLI("status", "--format", "{{.Name}}")
	if got := strings.Fields(res.stdout); !slices.Equal(got, []string{"work", "personal"}) {
		t.Errorf("status --format for every session printed %q", res.stdout)
	}
	if res := runCLI("status", "work", "--format", "{{.Nope}}"); res.code != 2 || !strings.Contains(res.stderr, "Nope") {
		t.Errorf("status --format with an unknown field: %s", res)
	}
}

// TestNotificationSignInUsesSessionBrowser: "Sign in" on a notification
// (the agent's own sign-in, not the command line's) opens each session's
// own browser command, container and account too.
func TestNotificationSignInUsesSessionBrowser(t *testing.T) {
	conn := privateBus(t)
	srv, err := notifytest.Start(conn, "actions", "body")
	if err != nil {
		t.Fatal(err)
	}
	r := newRig(t, "work")
	argvLog := twoAccounts(t, r)
	ctx, cancel := context.WithCancel(context.Background())
	_, exited := r.runAgent(ctx, false)
	defer func() { cancel(); <-exited }()

	if res := runCLI("login", "--all-needed"); res.code != 0 {
		t.Fatalf("login --all-needed: %s", res)
	}
	for signedIn := map[string]bool{}; !signedIn["work"] || !signedIn["personal"]; {
		if name, ok := strings.CutSuffix(nextCall(t, srv).Summary, ": signed in"); ok {
			signedIn[name] = true
		}
	}
	reason := revoke(t, r) // refreshes work only
	failure := nextCall(t, srv)
	checkFailure(t, failure, "work", reason)
	if err := srv.Click(failure.ID, "signin"); err != nil {
		t.Fatal(err)
	}
	untilSignedIn(t, srv, "work")
	runs := argvRuns(t, argvLog)
	if len(runs) != 3 {
		t.Fatalf("the browser ran %d times, want 3 (one per session, then the click): %q", len(runs), runs)
	}
	var work, personal int
	for _, argv := range runs {
		switch {
		case len(argv) != 2:
			t.Errorf("browser argv %q: want one option and the URL", argv)
		case argv[0] == "--profile-directory=Profile 2" && strings.Contains(argv[1], "login_hint=alice%40work.example"):
			work++
		case argv[0] == "--default-browser" && strings.HasPrefix(argv[1], "ext+container:name=Personal+%26+Home&url="):
			personal++
		default:
			t.Errorf("browser argv %q is neither work's nor personal's", argv)
		}
	}
	if work != 2 || personal != 1 || !strings.HasPrefix(runs[2][0], "--profile-directory") {
		t.Errorf("work's browser ran %d times (want 2, the click's last), personal's %d (want 1)", work, personal)
	}
}
