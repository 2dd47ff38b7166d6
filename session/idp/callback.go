package idp

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"sync"

	"golang.org/x/oauth2"

	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/health"
)

// callback serves the loopback redirect. It redeems the code itself, so
// the page it shows says whether sign-in worked, and it hands the result
// to Login through done.
type callback struct {
	p                  *Provider
	ctx                context.Context // the sign-in's, with our HTTP client
	cfg                *oauth2.Config
	disc               *discovery
	state, nonce, pkce string
	host               string // the address it listens on, as the redirect URI names it

	mu       sync.Mutex
	finished bool
	done     chan result // buffered: the handler never waits for Login
}

type result struct {
	tokens *session.Tokens
	err    error
}

func (c *callback) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/callback" {
		http.NotFound(w, r)
		return
	}
	if !fromLoopback(r.RemoteAddr) {
		c.page(w, http.StatusForbidden, "Sign-in reply refused",
			"This reply did not come from this computer.", "")
		return
	}
	if r.Host != c.host {
		// DNS rebinding: a web page that resolved its own name to
		// 127.0.0.1 reaches us under that name. The IdP's redirect
		// always names the address we bound.
		c.page(w, http.StatusMisdirectedRequest, "Sign-in reply refused",
			"This reply was not addressed to ssokeeper's sign-in address.", "")
		return
	}
	q := r.URL.Query()
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(c.state)) != 1 {
		// Not our sign-in (an old tab, or a forged link): keep waiting.
		c.page(w, http.StatusBadRequest, "Sign-in reply refused",
			"This reply belongs to another or an earlier sign-in.",
			"Close this tab and finish the sign-in in the newest tab, or start it again from ssokeeper.")
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.finished {
		c.page(w, http.StatusOK, "Already done", "This sign-in has already finished.", "You can close this tab.")
		return
	}
	c.finished = true
	t, err := c.redeem(q)
	err = health.ScrubError(err) // the page and Login's error may quote the IdP
	if err != nil {
		c.page(w, http.StatusBadGateway, "Sign-in to "+c.p.s.Name+" failed", err.Error(),
			"Close this tab and try again; if it fails again, run `ssokeeper doctor "+c.p.s.Name+"`.")
	} else {
		c.page(w, http.StatusOK, "Signed in to "+c.p.s.Name, "ssokeeper keeps this session fresh from now on.", "You can close this tab.")
	}
	c.done <- result{t, err}
}

func (c *callback) redeem(q map[string][]string) (*session.Tokens, error) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	if e := get("error"); e != "" {
		msg := e
		if d := get("error_description"); d != "" {
			msg += ": " + d
		}
		return nil, fmt.Errorf("the identity provider refused the sign-in (%s)%s", msg, entraSignInHint(c.p.s, msg))
	}
	code := get("code")
	health.Known.Add(c.p.s.Name+"/sign-in", code, c.pkce)
	if code == "" {
		return nil, errors.New("the identity provider's reply has no authorization code")
	}
	tok, err := c.cfg.Exchange(c.ctx, code, oauth2.VerifierOption(c.pkce))
	if err != nil {
		return nil, fmt.Errorf("the identity provider did not accept the sign-in code: %w", err)
	}
	t := c.p.tokens(tok)
	if err := c.p.verifyIDToken(c.ctx, c.disc, t, c.nonce); err != nil {
		return nil, err
	}
	return t, nil
}

func fromLoopback(remoteAddr string) bool {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

var pageTmpl = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}} · ssokeeper</title>
<style>body{font-family:system-ui,sans-serif;max-width:36em;margin:4em auto;padding:0 1em;line-height:1.5}</style>
</head><body><h1>{{.Title}}</h1><p>{{.Text}}</p>{{if .Next}}<p><strong>{{.Next}}</strong></p>{{end}}</body></html>
`))

func (c *callback) page(w http.ResponseWriter, status int, title, text, next string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	pageTmpl.Execute(w, struct{ Title, Text, Next string }{title, text, next})
}
