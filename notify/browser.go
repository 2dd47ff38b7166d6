package notify

import (
	"os"
	"os/exec"
	"runtime"
	"strings"
)

// openBrowser opens url with $BROWSER (a command that receives the URL as
// its last argument) or the OS default browser.
func openBrowser(url string) error {
	var cmd *exec.Cmd
	if b := strings.Fields(os.Getenv("BROWSER")); len(b) > 0 {
		cmd = exec.Command(b[0], append(b[1:], url)...)
	} else {
		switch runtime.GOOS {
		case "darwin":
			cmd = exec.Command("open", url)
		case "windows":
			cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", url)
		default:
			cmd = exec.Command("xdg-open", url)
		}
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	go cmd.Wait() // reap it; the browser outlives us
	return nil
}
