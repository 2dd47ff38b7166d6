package api

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"

	"github.com/ssokeeper/ssokeeper/session/paths"
)

// SocketName is the socket's file name in the runtime directory.
const SocketName = "agent.sock"

// maxSocketPath is the longest Unix socket path every system takes
// (sun_path is 104 bytes on macOS and the BSDs, 108 on Linux).
const maxSocketPath = 103

// SocketPath is where the agent usually listens for this user: the
// runtime directory (paths.RuntimeDir). Places says where it listens when
// that directory is refused.
func SocketPath() (string, error) {
	dir, err := paths.RuntimeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, SocketName), nil
}

// FallbackSocketPath is where the agent listens when the usual runtime
// directory is refused: paths.FallbackRuntimeDir, in the user's home.
func FallbackSocketPath() (string, error) {
	dir, err := paths.FallbackRuntimeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, SocketName), nil
}

// Places lists the sockets a client tries, in order: the usual one, then
// the fallback. When the usual directory is refused (another user's, a
// symlink, open to others) it is left out and refused says why; the
// client never connects there.
func Places() (socks []string, refused *paths.UnsafeError, err error) {
	usual, err := SocketPath()
	if err != nil {
		return nil, nil, err
	}
	fallback, err := FallbackSocketPath()
	if err != nil {
		return nil, nil, err
	}
	if err := paths.CheckDir(filepath.Dir(usual)); errors.As(err, &refused) {
		return []string{fallback}, refused, nil
	}
	if fallback == usual {
		return []string{usual}, nil, nil
	}
	return []string{usual, fallback}, nil, nil
}

// ListenDefault listens where this user's agent belongs: the usual
// socket, or the fallback when the usual directory is refused (refused
// then says why, for the log). It returns the socket's path.
func ListenDefault() (ln net.Listener, path string, refused *paths.UnsafeError, err error) {
	if path, err = SocketPath(); err != nil {
		return nil, "", nil, err
	}
	ln, err = Listen(path)
	if !errors.As(err, &refused) || refused.Path != filepath.Dir(path) {
		return ln, path, nil, err
	}
	if path, err = FallbackSocketPath(); err != nil {
		return nil, "", refused, err
	}
	ln, err = Listen(path)
	return ln, path, refused, err
}

// Listen creates the socket at path, owner-only: the directory 0700 and
// checked (paths.EnsureDir), the socket 0600. A stale socket left by a
// crashed agent is replaced; the caller must hold the agent lock so a
// live one is never taken over. Serve checks each caller's user.
func Listen(path string) (net.Listener, error) {
	if len(path) > maxSocketPath {
		return nil, fmt.Errorf("the socket path %s is %d bytes, longer than the %d a Unix socket takes; set SSOKEEPER_RUNTIME_DIR to a shorter directory of your own", path, len(path), maxSocketPath)
	}
	if err := paths.EnsureDir(filepath.Dir(path)); err != nil {
		return nil, err
	}
	switch info, err := os.Lstat(path); {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, err
	case info.Mode().Type() != fs.ModeSocket:
		return nil, &paths.UnsafeError{Path: path, Problem: "it is not a socket; move it away"}
	default:
		os.Remove(path) //nolint:errcheck // Listen says why when it is still there
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, err
	}
	return ln, nil
}

// LogRefused records that the usual directory was passed over.
func LogRefused(log *slog.Logger, refused *paths.UnsafeError, path string) {
	if refused != nil {
		log.Warn("the usual control socket directory is refused; another user may be trying to pose as the agent",
			"refused", refused.Path, "problem", refused.Problem, "socket", path)
	}
}
