package autostart

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// unitName is the systemd user unit packaging/linux installs and
// `autostart enable --systemd` writes.
const unitName = "ssokeeper.service"

// SystemdUnit is the systemd user unit that runs exe with the graphical
// session: started once the session is up (the tray host and the
// notification server come with it, or soon after: the agent follows
// them), stopped with SIGTERM when it ends. packaging/linux/ssokeeper.service
// is SystemdUnit("/usr/bin/ssokeeper").
func SystemdUnit(exe string) string {
	return `[Unit]
Description=ssokeeper: keeps your single sign-on sessions signed in
Documentation=man:ssokeeper(1)
PartOf=graphical-session.target
After=graphical-session.target

[Service]
ExecStart=` + systemdQuote(exe) + `
# SIGTERM lets refreshes in flight finish and saves the state.
TimeoutStopSec=70
Restart=on-failure
RestartSec=5
# Exit 1: another ssokeeper already runs for this user (say, from the XDG
# autostart entry); starting it again would not help.
RestartPreventExitStatus=1

[Install]
WantedBy=graphical-session.target
`
}

// systemdQuote quotes a path for ExecStart when it needs it.
func systemdQuote(s string) string {
	if !strings.ContainsAny(s, " \t\"'\\$%;") {
		return s
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, `$`, `$$`, `%`, `%%`)
	return `"` + r.Replace(s) + `"`
}

// systemdUnit is the unit in ~/.config/systemd/user, enabled by the link
// in graphical-session.target.wants (what `systemctl --user enable` makes).
type systemdUnit struct{ dir string }

func (u systemdUnit) file() string { return filepath.Join(u.dir, unitName) }
func (u systemdUnit) link() string {
	return filepath.Join(u.dir, "graphical-session.target.wants", unitName)
}
func (u systemdUnit) where() string { return u.file() }

func (u systemdUnit) write(exe string) error {
	if err := writeFile(u.file(), []byte(SystemdUnit(exe))); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(u.link()), 0o755); err != nil {
		return err
	}
	if target, err := os.Readlink(u.link()); err == nil && target == u.file() {
		return nil
	}
	removeFile(u.link()) //nolint:errcheck // replaced just below
	if err := os.Symlink(u.file(), u.link()); err != nil {
		return err
	}
	daemonReload()
	return nil
}

func (u systemdUnit) remove() error {
	if err := removeFile(u.link()); err != nil {
		return err
	}
	if err := removeFile(u.file()); err != nil {
		return err
	}
	daemonReload()
	return nil
}

func (u systemdUnit) read() (command, program string, found bool, err error) {
	if _, err := os.Lstat(u.link()); errors.Is(err, os.ErrNotExist) {
		return "", "", false, nil // not enabled
	}
	data, err := os.ReadFile(u.file())
	if errors.Is(err, os.ErrNotExist) {
		return "", "", false, nil
	}
	if err != nil {
		return "", "", false, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "ExecStart="); ok {
			args, err := splitExec(strings.ReplaceAll(strings.ReplaceAll(v, "$$", "$"), "%%", "%"))
			if err != nil || len(args) == 0 {
				return v, "", true, fmt.Errorf("unreadable ExecStart line %q", v)
			}
			return v, args[0], true, nil
		}
	}
	return "", "", true, errors.New("the unit has no ExecStart line")
}

// daemonReload tells a running systemd user manager about the change, so
// `systemctl --user status ssokeeper` is right at once; without one the
// next login reads the files anyway.
func daemonReload() {
	if !SystemdUserSession() {
		return
	}
	exec.Command("systemctl", "--user", "daemon-reload").Run() //nolint:errcheck
}

// SystemdUserSession reports whether this login runs a systemd user
// manager (its private socket exists in the runtime directory).
func SystemdUserSession() bool {
	dir := os.Getenv("XDG_RUNTIME_DIR")
	if dir == "" {
		return false
	}
	_, err := os.Stat(filepath.Join(dir, "systemd", "private"))
	return err == nil
}
