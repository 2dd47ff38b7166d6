package autostart

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestXDGEnableWritesValidEntry(t *testing.T) {
	home := t.TempDir()
	exe := fakeExe(t, filepath.Join(home, "My Apps"))
	m := mustManager(t, "linux", home, "", exe, nil)
	file := filepath.Join(home, ".config", "autostart", "ssokeeper.desktop")

	if st := mustStatus(t, m); st.Installed || st.Path != file {
		t.Fatalf("before enable: %+v", st)
	}
	for range 2 { // idempotent
		if err := m.Enable(); err != nil {
			t.Fatal(err)
		}
	}
	if got := dirNames(t, filepath.Dir(file)); !slices.Equal(got, []string{"ssokeeper.desktop"}) {
		t.Fatalf("autostart folder holds %v, want one entry", got)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	g := parseDesktop(t, data)["Desktop Entry"]
	want := map[string]string{
		"Type":                      "Application",
		"Name":                      "ssokeeper",
		"Exec":                      `"` + exe + `"`, // the path has a space
		"Icon":                      "io.ssokeeper.ssokeeper",
		"Terminal":                  "false",
		"X-GNOME-Autostart-enabled": "true",
	}
	for k, v := range want {
		if g[k] != v {
			t.Errorf("%s=%q, want %q", k, g[k], v)
		}
	}
	if g["Comment"] == "" {
		t.Error("no Comment")
	}
	st := mustStatus(t, m)
	if !st.Installed || !st.PointsHere || st.Command != `"`+exe+`"` {
		t.Fatalf("after enable: %+v", st)
	}
	if on, err := m.Enabled(); err != nil || !on {
		t.Fatalf("Enabled() = %v, %v", on, err)
	}
	if !strings.Contains(st.String(), "enabled") {
		t.Errorf("String() = %q", st)
	}

	out, err := exec.Command(requireTool(t, "desktop-file-validate"), file).CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Fatalf("desktop-file-validate: %v\n%s", err, out)
	}
}

func TestXDGDisable(t *testing.T) {
	home := t.TempDir()
	m := mustManager(t, "linux", home, "", fakeExe(t, home), nil)
	if err := m.Disable(); err != nil { // nothing there yet: fine
		t.Fatal(err)
	}
	if err := m.SetEnabled(true); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := m.SetEnabled(false); err != nil {
			t.Fatal(err)
		}
	}
	if st := mustStatus(t, m); st.Installed || st.PointsHere {
		t.Fatalf("after disable: %+v", st)
	}
	if on, _ := m.Enabled(); on {
		t.Fatal("Enabled() after disable")
	}
	if _, err := os.Stat(filepath.Join(home, ".config", "autostart", "ssokeeper.desktop")); !os.IsNotExist(err) {
		t.Fatalf("entry still there: %v", err)
	}
}

func TestXDGConfigHome(t *testing.T) {
	home, cfg := t.TempDir(), t.TempDir()
	m := mustManager(t, "freebsd", home, cfg, fakeExe(t, home), nil)
	if want := filepath.Join(cfg, "autostart", "ssokeeper.desktop"); m.e.where() != want {
		t.Fatalf("entry at %s, want %s", m.e.where(), want)
	}
	// A relative XDG_CONFIG_HOME is invalid by the spec and ignored.
	m = mustManager(t, "linux", home, "rel/cfg", fakeExe(t, home), nil)
	if want := filepath.Join(home, ".config", "autostart", "ssokeeper.desktop"); m.e.where() != want {
		t.Fatalf("entry at %s, want %s", m.e.where(), want)
	}
}

func TestXDGStaleEntry(t *testing.T) {
	home := t.TempDir()
	old := fakeExe(t, filepath.Join(home, "old"))
	if err := mustManager(t, "linux", home, "", old, nil).Enable(); err != nil {
		t.Fatal(err)
	}
	os.Remove(old) // the old copy was deleted after an upgrade
	m := mustManager(t, "linux", home, "", fakeExe(t, filepath.Join(home, "new")), nil)
	st := mustStatus(t, m)
	if !st.Installed || st.PointsHere || st.Command != old {
		t.Fatalf("stale: %+v", st)
	}
	if s := st.String(); !strings.Contains(s, "points at "+old) || !strings.Contains(s, "ssokeeper autostart enable") {
		t.Errorf("String() = %q", s)
	}
	if on, _ := m.Enabled(); on {
		t.Fatal("a stale entry counts as enabled")
	}
	if err := m.Enable(); err != nil {
		t.Fatal(err)
	}
	if st := mustStatus(t, m); !st.PointsHere {
		t.Fatalf("after re-enable: %+v", st)
	}
}

func TestXDGSymlinkPointsHere(t *testing.T) {
	home := t.TempDir()
	exe := fakeExe(t, filepath.Join(home, "opt"))
	link := filepath.Join(home, "ssokeeper-link")
	if err := os.Symlink(exe, link); err != nil {
		t.Fatal(err)
	}
	writeEntry(t, home, "[Desktop Entry]\nType=Application\nName=x\nExec="+link+" run\n")
	st := mustStatus(t, mustManager(t, "linux", home, "", exe, nil))
	if !st.Installed || !st.PointsHere {
		t.Fatalf("symlinked entry: %+v", st)
	}
}

func writeEntry(t *testing.T, home, content string) {
	t.Helper()
	dir := filepath.Join(home, ".config", "autostart")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ssokeeper.desktop"), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A desktop's settings switch an entry off without deleting it.
func TestXDGSwitchedOffEntry(t *testing.T) {
	for _, line := range []string{"Hidden=true", "X-GNOME-Autostart-enabled=false"} {
		home := t.TempDir()
		exe := fakeExe(t, home)
		writeEntry(t, home, "[Desktop Entry]\nType=Application\nName=ssokeeper\nExec="+exe+"\n"+line+"\n")
		m := mustManager(t, "linux", home, "", exe, nil)
		if st := mustStatus(t, m); st.Installed {
			t.Fatalf("%s: %+v", line, st)
		}
		if err := m.Enable(); err != nil {
			t.Fatal(err)
		}
		if on, _ := m.Enabled(); !on {
			t.Fatalf("%s: enable did not switch it on", line)
		}
	}
}

func TestXDGBrokenEntry(t *testing.T) {
	home := t.TempDir()
	writeEntry(t, home, "[Desktop Entry]\nType=Application\nExec=\"/unclosed\n")
	_, err := mustManager(t, "linux", home, "", fakeExe(t, home), nil).Status()
	if err == nil || !strings.Contains(err.Error(), "autostart enable") {
		t.Fatalf("err = %v, want a hint to rewrite it", err)
	}
}

// Exec lines follow the Desktop Entry spec: quoting, then string escapes.
func TestExecQuoting(t *testing.T) {
	cases := []struct{ exe, line string }{
		{"/usr/bin/ssokeeper", "/usr/bin/ssokeeper"},
		{"/opt/My Apps/ssokeeper", `"/opt/My Apps/ssokeeper"`},
		{"/opt/50%/ssokeeper", "/opt/50%%/ssokeeper"},
		{`/opt/a$b"c/ssokeeper`, `"/opt/a\\$b\\"c/ssokeeper"`},
		{`/opt/back\slash/ssokeeper`, `"/opt/back\\\\slash/ssokeeper"`},
	}
	for _, c := range cases {
		if got := escapeString(quoteExecArg(c.exe)); got != c.line {
			t.Errorf("Exec for %q = %s, want %s", c.exe, got, c.line)
		}
		args, err := splitExec(unescapeString(c.line))
		if err != nil || len(args) != 1 || args[0] != c.exe {
			t.Errorf("reading %s = %q, %v; want %q", c.line, args, err, c.exe)
		}
	}
}
