// Package browser opens URLs and files for the person: the one place that
// knows $BROWSER and each desktop's opener.
package browser

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
)

// Open opens url with $BROWSER (a command that takes the URL as its last
// argument) or the desktop's default browser. It waits only for the
// launcher to start, not for the browser.
func Open(url string) error {
	if b := strings.Fields(os.Getenv("BROWSER")); len(b) > 0 {
		return start(exec.Command(b[0], append(b[1:], url)...))
	}
	return OpenFile(url)
}

// OpenFile opens a file or URL with the desktop's default application.
func OpenFile(target string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", target)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", target)
	default:
		cmd = exec.Command("xdg-open", target)
	}
	return start(cmd)
}

func start(cmd *exec.Cmd) error {
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("%s: %w", cmd.Path, err)
	}
	go cmd.Wait() //nolint:errcheck // reap the launcher; the browser outlives it
	return nil
}

// CanShow reports whether a browser can plausibly be shown to the person:
// $BROWSER is set, or a desktop session exists and this is not a bare SSH
// login.
func CanShow() bool {
	if os.Getenv("BROWSER") != "" {
		return true
	}
	switch runtime.GOOS {
	case "darwin", "windows":
		return os.Getenv("SSH_CONNECTION") == ""
	default:
		return os.Getenv("DISPLAY") != "" || os.Getenv("WAYLAND_DISPLAY") != ""
	}
}
