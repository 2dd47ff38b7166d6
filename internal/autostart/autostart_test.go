package autostart

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// fakeExe creates an executable file to stand for the running binary.
func fakeExe(t *testing.T, dir string) string {
	t.Helper()
	exe := filepath.Join(dir, "ssokeeper")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return exe
}

func mustManager(t *testing.T, goos, home, xdg, exe string, reg runKey) *Manager {
	t.Helper()
	m, err := newManager(goos, home, xdg, exe, reg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func mustStatus(t *testing.T, m *Manager) Status {
	t.Helper()
	st, err := m.Status()
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// dirNames lists a folder, so tests see stray temp files too.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// requireTool finds a validator; it skips without one unless
// SSOKEEPER_REQUIRE_TOOLS=1, where a missing tool fails the test.
func requireTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("SSOKEEPER_REQUIRE_TOOLS") == "1" {
			t.Fatalf("%s is missing (SSOKEEPER_REQUIRE_TOOLS=1)", name)
		}
		t.Skipf("%s not installed", name)
	}
	return p
}

// parseDesktop is a test-side reader of a desktop file: group → key → value.
func parseDesktop(t *testing.T, data []byte) map[string]map[string]string {
	t.Helper()
	groups := map[string]map[string]string{}
	var cur map[string]string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			cur = map[string]string{}
			groups[line[1:len(line)-1]] = cur
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || cur == nil {
				t.Fatalf("bad desktop line %q", line)
			}
			if _, dup := cur[k]; dup {
				t.Fatalf("duplicate key %q", k)
			}
			cur[k] = v
		}
	}
	return groups
}

func TestUnsupportedSystem(t *testing.T) {
	_, err := newManager("plan9", t.TempDir(), "", "/bin/ssokeeper", nil)
	if err == nil || !strings.Contains(err.Error(), "plan9") {
		t.Fatalf("err = %v, want one naming plan9", err)
	}
	if _, err := newManager("windows", `C:\Users\a`, "", `C:\ssokeeper.exe`, nil); err == nil {
		t.Fatal("windows without a registry: want an error")
	}
}

func TestNewUsesThisBinary(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	t.Setenv("XDG_CONFIG_HOME", "")
	m, err := New()
	if err != nil {
		t.Fatal(err)
	}
	self, _ := os.Executable()
	self, _ = filepath.EvalSymlinks(self)
	if m.exe != self || !filepath.IsAbs(m.exe) {
		t.Fatalf("exe = %q, want %q", m.exe, self)
	}
}

func TestGoRunBuildIsRefused(t *testing.T) {
	home := t.TempDir()
	exe := filepath.Join(os.TempDir(), "go-build123", "b001", "exe", "ssokeeper")
	m := mustManager(t, "linux", home, "", exe, nil)
	err := m.Enable()
	if err == nil || !strings.Contains(err.Error(), "go run") {
		t.Fatalf("err = %v, want the go run hint", err)
	}
	if _, err := os.Stat(filepath.Join(home, ".config", "autostart")); !os.IsNotExist(err) {
		t.Fatal("an entry was written for a temporary build")
	}
}
