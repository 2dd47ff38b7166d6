package autostart

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The packaged unit is the one `autostart enable --systemd` writes, for
// /usr/bin/ssokeeper: one text, kept in one place.
func TestPackagedUnitIsSystemdUnit(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "packaging", "linux", "ssokeeper.service"))
	if err != nil {
		t.Fatal(err)
	}
	if want := SystemdUnit("/usr/bin/ssokeeper"); string(data) != want {
		t.Errorf("packaging/linux/ssokeeper.service differs from SystemdUnit; write it with:\n%s", want)
	}
	for _, line := range []string{"PartOf=graphical-session.target", "After=graphical-session.target", "WantedBy=graphical-session.target"} {
		if !strings.Contains(string(data), "\n"+line+"\n") {
			t.Errorf("the unit lacks %s", line)
		}
	}
}

// enable --systemd writes the unit and its wants link and removes the
// XDG entry, so ssokeeper starts once; status and disable follow it.
func TestSystemdEnableReplacesTheXDGEntry(t *testing.T) {
	home := t.TempDir()
	run := t.TempDir()
	t.Setenv("XDG_RUNTIME_DIR", run)
	exe := fakeExe(t, filepath.Join(home, "My $Apps"))
	m := mustManager(t, "linux", home, "", exe, nil)
	if err := m.Enable(); err != nil { // XDG first
		t.Fatal(err)
	}
	xdg := filepath.Join(home, ".config", "autostart", "ssokeeper.desktop")
	if err := m.UseSystemd(); err == nil || !strings.Contains(err.Error(), "no systemd user session") {
		t.Fatalf("UseSystemd without systemd: %v", err)
	}
	os.MkdirAll(filepath.Join(run, "systemd"), 0o700)                  //nolint:errcheck
	os.WriteFile(filepath.Join(run, "systemd", "private"), nil, 0o600) //nolint:errcheck
	if err := m.UseSystemd(); err != nil {
		t.Fatal(err)
	}
	if err := m.Enable(); err != nil {
		t.Fatal(err)
	}
	unit := filepath.Join(home, ".config", "systemd", "user", "ssokeeper.service")
	link := filepath.Join(home, ".config", "systemd", "user", "graphical-session.target.wants", "ssokeeper.service")
	if target, err := os.Readlink(link); err != nil || target != unit {
		t.Fatalf("wants link: %q, %v", target, err)
	}
	if _, err := os.Stat(xdg); !os.IsNotExist(err) {
		t.Errorf("the XDG entry is still there: ssokeeper would start twice (%v)", err)
	}
	// A new manager (the next `autostart status`, the tray) finds the unit.
	m = mustManager(t, "linux", home, "", exe, nil)
	if st := mustStatus(t, m); !st.Installed || !st.PointsHere || st.Path != unit {
		t.Fatalf("status: %+v", st)
	}
	if err := m.Disable(); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{unit, link, xdg} {
		if _, err := os.Lstat(f); !os.IsNotExist(err) {
			t.Errorf("%s left after disable (%v)", f, err)
		}
	}
}
