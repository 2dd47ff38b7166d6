// Package autostart starts ssokeeper when the user logs in: an XDG autostart
// entry on Linux and the BSDs, a LaunchAgent on macOS, and the per-user Run
// registry value on Windows. Each entry runs this binary by its absolute path.
package autostart

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/ssokeeper/ssokeeper/internal/atomicfile"
)

// Status says what starts at login.
type Status struct {
	Installed  bool   // an active entry exists
	Path       string // the entry's file or registry value
	Command    string // what it runs, as the entry states it
	PointsHere bool   // it runs this binary
}

// String is the one-line answer for `ssokeeper autostart status`.
func (s Status) String() string {
	switch {
	case !s.Installed:
		return fmt.Sprintf("not enabled (%s); run `ssokeeper autostart enable` to start ssokeeper at login", s.Path)
	case s.PointsHere:
		return fmt.Sprintf("enabled: %s runs %s at login", s.Path, s.Command)
	default:
		return fmt.Sprintf("installed, but %s points at %s; run `ssokeeper autostart enable` to update it", s.Path, s.Command)
	}
}

// entry is one system's way of starting a program at login.
type entry interface {
	where() string
	// read returns the command and its program; found is false when there is
	// no active entry.
	read() (command, program string, found bool, err error)
	write(exe string) error
	remove() error
}

// Manager installs and inspects the login entry for one binary.
type Manager struct {
	goos   string
	exe    string // absolute, symlinks resolved
	e      entry
	others []entry // other ways this system starts ssokeeper; at most one is kept
}

// New returns the Manager for the current user and the running executable.
func New() (*Manager, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("start at login: cannot find this program's path: %w", err)
	}
	if exe, err = filepath.EvalSymlinks(exe); err != nil {
		return nil, fmt.Errorf("start at login: cannot resolve this program's path: %w", err)
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return nil, fmt.Errorf("start at login: cannot find your home folder: %w", err)
	}
	return newManager(runtime.GOOS, home, os.Getenv("XDG_CONFIG_HOME"), exe, systemRunKey())
}

// newManager is New with every input explicit, so tests can pick the system.
func newManager(goos, home, xdgConfig, exe string, reg runKey) (*Manager, error) {
	m := &Manager{goos: goos, exe: exe}
	switch goos {
	case "linux", "freebsd", "openbsd", "netbsd", "dragonfly", "illumos", "solaris":
		dir := filepath.Join(home, ".config")
		if filepath.IsAbs(xdgConfig) { // the XDG spec says to ignore relative values
			dir = xdgConfig
		}
		xdg := xdgEntry{file: filepath.Join(dir, "autostart", "ssokeeper.desktop")}
		unit := systemdUnit{dir: filepath.Join(dir, "systemd", "user")}
		m.e, m.others = entry(xdg), []entry{unit}
		if _, err := os.Lstat(unit.link()); err == nil { // enabled with --systemd
			m.e, m.others = unit, []entry{xdg}
		}
	case "darwin":
		m.e = launchAgent{file: filepath.Join(home, "Library", "LaunchAgents", agentLabel+".plist")}
	case "windows":
		if reg == nil {
			return nil, errors.New("start at login: the Windows registry is not available in this build")
		}
		m.e = runValue{key: reg}
	default:
		return nil, fmt.Errorf("start at login is not supported on %s; start ssokeeper from your session's startup settings", goos)
	}
	return m, nil
}

// UseSystemd makes Enable write a systemd user unit, started with the
// graphical session, instead of an XDG autostart entry. It fails where
// this login has no systemd user manager.
func (m *Manager) UseSystemd() error {
	for i, e := range m.others {
		if u, ok := e.(systemdUnit); ok {
			if !SystemdUserSession() {
				return errors.New("start at login: this login has no systemd user session ($XDG_RUNTIME_DIR/systemd/private is missing); run `ssokeeper autostart enable` for an XDG autostart entry instead")
			}
			m.others[i], m.e = m.e, u
			return nil
		}
	}
	if _, ok := m.e.(systemdUnit); ok {
		return nil
	}
	return fmt.Errorf("start at login with systemd is for Linux; on %s run `ssokeeper autostart enable`", m.goos)
}

// Enable installs or updates the entry so it runs this binary, and
// removes the other kind (XDG or systemd), so ssokeeper starts once.
// Calling it again changes nothing.
func (m *Manager) Enable() error {
	if strings.Contains(m.exe, string(filepath.Separator)+"go-build") {
		return fmt.Errorf("start at login: %s is a temporary build from `go run`; install ssokeeper and run `ssokeeper autostart enable` from the installed program", m.exe)
	}
	if err := m.e.write(m.exe); err != nil {
		return fmt.Errorf("start at login: cannot write %s: %w", m.e.where(), err)
	}
	return m.removeOthers()
}

func (m *Manager) removeOthers() error {
	for _, e := range m.others {
		if err := e.remove(); err != nil {
			return fmt.Errorf("start at login: cannot remove %s: %w", e.where(), err)
		}
	}
	return nil
}

// Disable removes the entry; an absent entry is fine.
func (m *Manager) Disable() error {
	if err := m.e.remove(); err != nil {
		return fmt.Errorf("start at login: cannot remove %s: %w", m.e.where(), err)
	}
	return m.removeOthers()
}

// Status reports the entry and whether it runs this binary.
func (m *Manager) Status() (Status, error) {
	st := Status{Path: m.e.where()}
	cmd, prog, found, err := m.e.read()
	if err != nil {
		return st, fmt.Errorf("start at login: cannot read %s: %w; run `ssokeeper autostart enable` to rewrite it", st.Path, err)
	}
	st.Installed, st.Command = found, cmd
	st.PointsHere = found && m.samePath(prog)
	return st, nil
}

// Enabled says whether this binary starts at login (the tray's checkbox).
// An entry for another copy of ssokeeper counts as not enabled, so ticking
// the box points it here.
func (m *Manager) Enabled() (bool, error) {
	st, err := m.Status()
	return st.Installed && st.PointsHere, err
}

// SetEnabled enables or disables starting at login.
func (m *Manager) SetEnabled(on bool) error {
	if on {
		return m.Enable()
	}
	return m.Disable()
}

func (m *Manager) samePath(prog string) bool {
	if prog == "" {
		return false
	}
	eq := func(a, b string) bool { return filepath.Clean(a) == filepath.Clean(b) }
	if m.goos == "windows" { // Windows paths ignore case
		eq = strings.EqualFold
	}
	if eq(prog, m.exe) {
		return true
	}
	// A symlink to this binary (say /usr/local/bin/ssokeeper) is this binary too.
	real, err := filepath.EvalSymlinks(prog)
	return err == nil && eq(real, m.exe)
}

// writeFile replaces file atomically, so a crash never leaves half an entry.
func writeFile(file string, data []byte) error {
	if old, err := os.ReadFile(file); err == nil && string(old) == string(data) {
		return nil
	}
	return atomicfile.Write(file, data, 0o644)
}

// removeFile deletes file; one already gone is fine.
func removeFile(file string) error {
	if err := os.Remove(file); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}
