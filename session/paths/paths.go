// Package paths says where ssokeeper keeps its files on each system.
package paths

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
)

const app = "ssokeeper"

// ConfigFile is the configuration in use: $SSOKEEPER_CONFIG, else
// os.UserConfigDir()/ssokeeper/config.toml.
func ConfigFile() (string, error) {
	if p := os.Getenv("SSOKEEPER_CONFIG"); p != "" {
		return filepath.Abs(p)
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, app, "config.toml"), nil
}

// StateDir holds non-secret state (state.json), locks and the log:
// $XDG_STATE_HOME/ssokeeper (default ~/.local/state/ssokeeper) on Linux,
// the user cache/config area elsewhere. $SSOKEEPER_STATE_DIR overrides.
func StateDir() (string, error) {
	if p := os.Getenv("SSOKEEPER_STATE_DIR"); p != "" {
		return filepath.Abs(p)
	}
	switch runtime.GOOS {
	case "linux", "freebsd", "openbsd", "netbsd":
		if x := os.Getenv("XDG_STATE_HOME"); x != "" {
			return filepath.Join(x, app), nil
		}
		home, err := os.UserHomeDir()
		if err != nil {
			return "", err
		}
		return filepath.Join(home, ".local", "state", app), nil
	case "darwin":
		home, err := os.UserHomeDir()
		if err != nil {
			return "", err
		}
		return filepath.Join(home, "Library", "Application Support", app), nil
	default: // windows
		dir, err := os.UserCacheDir() // %LocalAppData%
		if err != nil {
			return "", err
		}
		return filepath.Join(dir, app), nil
	}
}

// RuntimeDir usually holds the agent's control socket:
// $SSOKEEPER_RUNTIME_DIR, else $XDG_RUNTIME_DIR/ssokeeper (a per-user
// 0700 tmpfs), else $TMPDIR/ssokeeper-UID on Unix (shared: another user
// may create it first, hence FallbackRuntimeDir), the state directory on
// Windows.
func RuntimeDir() (string, error) {
	if p := os.Getenv("SSOKEEPER_RUNTIME_DIR"); p != "" {
		return filepath.Abs(p)
	}
	if x := os.Getenv("XDG_RUNTIME_DIR"); x != "" && runtime.GOOS != "windows" {
		return filepath.Join(x, app), nil
	}
	if runtime.GOOS != "windows" {
		// Unix socket paths are limited to about 100 bytes; /tmp keeps it short.
		return filepath.Join(os.TempDir(), app+"-"+strconv.Itoa(os.Getuid())), nil
	}
	return StateDir()
}

// FallbackRuntimeDir holds the control socket when RuntimeDir is refused
// (another user created it first, or it is a symlink or open to others):
// "run" in the state directory, which lives in the user's home.
func FallbackRuntimeDir() (string, error) {
	dir, err := StateDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "run"), nil
}
