package cli

import (
	"os"

	"github.com/ssokeeper/ssokeeper/internal/browser"
)

// OpenBrowser opens url with $BROWSER or the desktop's default browser.
func OpenBrowser(url string) error { return browser.Open(url) }

// OpenFile opens a file (the configuration, the log) with the desktop's
// default application.
func OpenFile(path string) error { return browser.OpenFile(path) }

func canShowBrowser() bool { return browser.CanShow() }

func writeFileIfChanged(path string, data []byte) error {
	if old, err := os.ReadFile(path); err == nil && string(old) == string(data) {
		return nil
	}
	return os.WriteFile(path, data, 0o600)
}
