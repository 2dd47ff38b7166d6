package doctor

import (
	"fmt"
	"os/exec"
	"strings"

	"github.com/ssokeeper/ssokeeper/session/config"
)

// NameBrowser is the check of a session's own browser command.
const NameBrowser = "browser command found"

// Browser checks that the browser a session signs in with (its browser,
// the top-level one, or firefox for a firefox_container) can be run. ok is
// false when the session configures none: $BROWSER or the desktop's
// default browser is then used, as for every other program.
func Browser(cfg *config.Config, name string, lookPath func(string) (string, error)) (c Check, ok bool) {
	t := cfg.BrowserFor(name)
	argv := t.Command
	if len(argv) == 0 && t.Container == "" {
		return Check{}, false
	}
	key := "browser"
	if len(argv) == 0 {
		argv, key = []string{"firefox"}, "firefox_container"
	}
	path, err := lookPath(argv[0])
	if err != nil {
		return fail(NameBrowser, fmt.Sprintf("%q (from %s) cannot be run: %v", argv[0], key, err),
			"Install it, or set browser in the configuration to a command on your PATH (e.g. \"firefox -P work\")."), true
	}
	detail := path
	if len(argv) > 1 {
		detail += " " + strings.Join(argv[1:], " ")
	}
	if t.Container != "" {
		detail += fmt.Sprintf(", in the Firefox container %q (needs the \"Open external links in a container\" extension)", t.Container)
	}
	return pass(NameBrowser, detail), true
}

// lookPath is exec.LookPath, replaceable in tests.
var lookPath = exec.LookPath
