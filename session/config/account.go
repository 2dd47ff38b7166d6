package config

import (
	"fmt"
	"strings"

	"github.com/ssokeeper/ssokeeper/internal/browser"
)

// This file holds the keys that pick the browser and the account a
// session signs in with: browser, firefox_container and login_hint.

// account reads a session's browser, firefox_container and login_hint.
func (c *checker) account(t table, s *Session) {
	if v, ok := t.raw["browser"]; ok {
		s.Browser = c.browserCommand(t.at.line("browser"), "browser", v)
	}
	s.FirefoxContainer = t.str("firefox_container")
	s.LoginHint = t.str("login_hint")
	if s.LoginHint == "" {
		return
	}
	if _, dup := s.AuthParams["login_hint"]; dup {
		t.add("login_hint", "is also set in auth_params; keep one of the two")
		return
	}
	if s.AuthParams == nil {
		s.AuthParams = map[string]string{}
	}
	s.AuthParams["login_hint"] = s.LoginHint
}

// browserCommand checks a browser command and splits it into arguments.
func (c *checker) browserCommand(line int, key string, v any) []string {
	cmd, ok := v.(string)
	if !ok {
		c.add(line, key, `must be a command in quotes, e.g. browser = "firefox -P work" (the sign-in URL is added as its last argument)`)
		return nil
	}
	argv, err := browser.Split(cmd)
	if err != nil {
		c.add(line, key, fmt.Sprintf("%s; write a command as you would in a shell, e.g. %s", err,
			`browser = "chromium --profile-directory='Profile 2'"`))
		return nil
	}
	return argv
}

// setsPrompt reports whether a raw [[session]] table sets auth_params.prompt.
func setsPrompt(raw map[string]any) bool {
	p, _ := raw["auth_params"].(map[string]any)
	_, ok := p["prompt"]
	return ok
}

// chooseAccounts asks Google and Entra to show their account chooser
// (prompt=select_account) for a session without login_hint when another
// session signs in at the same identity provider: with a work and a
// personal account signed in to the browser, the IdP would otherwise
// silently pick whichever it considers current. A session with login_hint
// needs no chooser (Google then selects the matching signed-in account;
// Entra refuses login_hint together with select_account), and a prompt the
// person set in auth_params is kept as written.
func chooseAccounts(sessions []Session, ownPrompt []bool) {
	sameIdP := map[string]int{}
	for _, s := range sessions {
		if s.Provider == "google" || s.Provider == "entra" {
			sameIdP[s.Provider+" "+s.Issuer]++
		}
	}
	for i := range sessions {
		s := &sessions[i]
		if sameIdP[s.Provider+" "+s.Issuer] < 2 || s.LoginHint != "" || ownPrompt[i] {
			continue
		}
		prompt := "select_account"
		if p := s.AuthParams["prompt"]; p != "" && !strings.Contains(p, prompt) {
			prompt = p + " " + prompt // Google takes a space-separated list: keep consent
		}
		params := make(map[string]string, len(s.AuthParams)+1)
		for k, v := range s.AuthParams {
			params[k] = v
		}
		params["prompt"] = prompt
		s.AuthParams = params
	}
}

// BrowserFor says how to open the named session's sign-in page: its own
// browser command or the top-level default, and its Firefox container.
func (c *Config) BrowserFor(name string) browser.Target {
	t := browser.Target{Command: c.Browser}
	if s, ok := c.Session(name); ok {
		if s.Browser != nil {
			t.Command = s.Browser
		}
		t.Container = s.FirefoxContainer
	}
	return t
}
