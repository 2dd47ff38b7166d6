package cli

import (
	"os"

	"github.com/ssokeeper/ssokeeper/internal/browser"
	"github.com/ssokeeper/ssokeeper/session/config"
	"github.com/ssokeeper/ssokeeper/session/providers"
)

// OpenBrowser opens url with $BROWSER or the desktop's default browser.
func OpenBrowser(url string) error { return browser.Open(url) }

// sessionBrowser opens the named session's sign-in pages as the
// configuration says (its browser, the top-level default, its Firefox
// container), else like OpenBrowser. cfg may be nil.
func sessionBrowser(cfg *config.Config, name string) func(url string) error {
	if cfg == nil {
		return OpenBrowser
	}
	return cfg.BrowserFor(name).Open
}

// loadConfigQuietly reads the configuration for the browser settings
// only; nil when it cannot be read (the agent or the sign-in reports why).
func loadConfigQuietly() *config.Config {
	path, err := configPath()
	if err != nil {
		return nil
	}
	cfg, err := providers.LoadConfig(path)
	if err != nil {
		return nil
	}
	return cfg
}

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
