package doctor

import (
	"errors"
	"strings"
	"testing"

	"github.com/ssokeeper/ssokeeper/session/config"
)

func TestBrowserCheck(t *testing.T) {
	cfg := &config.Config{Sessions: []config.Session{
		{Name: "plain"},
		{Name: "work", Browser: []string{"chromium", "--profile-directory=Profile 2"}},
		{Name: "home", FirefoxContainer: "Personal"},
		{Name: "broken", Browser: []string{"no-such-browser"}},
	}}
	look := func(name string) (string, error) {
		switch name {
		case "chromium", "firefox":
			return "/usr/bin/" + name, nil
		}
		return "", errors.New("executable file not found in $PATH")
	}
	if _, ok := Browser(cfg, "plain", look); ok {
		t.Error("a session without browser settings got a browser check")
	}
	c, _ := Browser(cfg, "work", look)
	if !c.OK || c.Detail != "/usr/bin/chromium --profile-directory=Profile 2" {
		t.Errorf("work: %+v", c)
	}
	c, _ = Browser(cfg, "home", look)
	if !c.OK || !strings.HasPrefix(c.Detail, "/usr/bin/firefox, in the Firefox container \"Personal\"") {
		t.Errorf("home: %+v", c)
	}
	c, _ = Browser(cfg, "broken", look)
	if c.OK || !strings.Contains(c.Detail, `"no-such-browser" (from browser) cannot be run`) || !strings.Contains(c.Fix, "set browser") {
		t.Errorf("broken: %+v", c)
	}
}
