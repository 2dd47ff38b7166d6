package doctor_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssokeeper/ssokeeper/internal/doctor"
	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/store"
)

func TestStateFileReportsCorruptCopy(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	wantPass(t, doctor.StateFile(path)) // none yet: fine

	os.WriteFile(path, []byte(`{"version":1,"sessions":{"work":`), 0o600)
	if c := doctor.StateFile(path); !c.Warn || !strings.Contains(c.Detail, "corrupt") {
		t.Errorf("a corrupt state.json before the agent saw it: %+v", c)
	}
	// The manager keeps it aside when it starts; doctor then names the copy.
	if _, err := session.New(session.Options{Secrets: store.NewMemory(), StateDir: dir}); err != nil {
		t.Fatal(err)
	}
	aside := store.CorruptFiles(path)
	if len(aside) != 1 {
		t.Fatalf("corrupt copies kept: %v, want one", aside)
	}
	c := doctor.StateFile(path)
	if !c.OK || !c.Warn || !strings.Contains(c.Detail, filepath.Base(aside[0])) || c.Fix == "" {
		t.Errorf("doctor after the copy was kept aside: %+v; want a warning naming %s", c, filepath.Base(aside[0]))
	}
}
