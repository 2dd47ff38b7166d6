package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCommandsWorkWithUnusableStateFolder: the state folder cannot be
// created (a file is in the way; this fails for root too, unlike a mode):
// the agent still starts, and status, token and doctor keep working, with
// doctor naming the state file problem as a warning.
func TestCommandsWorkWithUnusableStateFolder(t *testing.T) {
	r := doctorRig(t)
	r.enableAutostart()
	blocker := filepath.Join(r.dir, "blocker")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SSOKEEPER_STATE_DIR", filepath.Join(blocker, "state"))
	r.login(r.startAgent().Manager)
	held := r.held()

	out, errOut, code := runCLI("", "status")
	if code != exitOK || !strings.Contains(out, "work") {
		t.Errorf("status: exit %d\n%s%s", code, out, errOut)
	}
	out, errOut, code = runCLI("", "token", "work")
	if code != exitOK || strings.TrimSpace(out) != held.AccessToken {
		t.Errorf("token: exit %d, %s", code, errOut)
	}
	out, errOut, code = runCLI("", "doctor", "work")
	if code != exitOK || !strings.Contains(out, "! state file") || strings.Contains(out, "✗") {
		t.Errorf("doctor: exit %d, want 0 with a warning on the state file\n%s%s", code, out, errOut)
	}
	r.assertNoSecret(out + errOut)
}
