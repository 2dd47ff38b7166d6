package main

import (
	"context"
	"crypto/rand"
	"errors"
	"html/template"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/ssokeeper/ssokeeper/session"
)

// The control page lets the person break the demo on purpose. The tray
// menu has no room for demo buttons, so they live on a tiny web page on
// 127.0.0.1, behind a random path so other web pages cannot post to it.

// Controls is the control page's server.
type Controls struct {
	URL string // http://127.0.0.1:PORT/SECRET/
	srv *http.Server
}

// Serve starts the control page for d.
func (d *Demo) Serve() (*Controls, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	base := "/" + rand.Text()[:16] + "/"
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+base+"{$}", d.page)
	mux.HandleFunc("POST "+base+"{action}", d.act(base))
	c := &Controls{URL: "http://" + l.Addr().String() + base,
		srv: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}}
	go c.srv.Serve(l) //nolint:errcheck // ends with Close
	return c, nil
}

// Close stops the control page.
func (c *Controls) Close() error { return c.srv.Close() }

// Action runs one of the control page's buttons and says what happened.
func (d *Demo) Action(ctx context.Context, action string) (string, error) {
	switch action {
	case "revoke":
		d.IdP.RevokeAll()
		return "The IdP revoked the refresh token. The next refresh (within 30 s, or press Refresh now) gets invalid_grant: the session needs a sign-in and a notification says so.", nil
	case "down":
		d.setFault(func(f *faults) { f.Down = true })
		return "The IdP is down. The next refresh cannot connect: ssokeeper keeps the refresh token and retries with backoff.", d.IdP.SetDown(true)
	case "up":
		d.setFault(func(f *faults) { f.Down = false })
		return "The IdP is up again. The next retry succeeds.", d.IdP.SetDown(false)
	case "skew":
		d.IdP.SetDateOffset(10 * time.Minute)
		d.setFault(func(f *faults) { f.Skewed = true })
		return "The IdP's clock is 10 minutes ahead. After the next refresh ssokeeper reports clock skew.", nil
	case "unskew":
		d.IdP.SetDateOffset(0)
		d.setFault(func(f *faults) { f.Skewed = false })
		return "The IdP's clock is right again.", nil
	case "refresh":
		if err := d.Refresh(ctx); err != nil {
			return "The refresh failed (see the status below).", nil
		}
		return "Refreshed.", nil
	case "finish":
		return "Signed in.", d.FinishPending(ctx)
	case "signin":
		return "Signed in.", d.SignIn(ctx)
	}
	return "", errUnknownAction
}

var errUnknownAction = errors.New("unknown action")

func (d *Demo) act(base string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 90*time.Second)
		defer cancel()
		msg, err := d.Action(ctx, r.PathValue("action"))
		if err != nil {
			msg = "Failed: " + err.Error()
		}
		http.Redirect(w, r, base+"?msg="+url.QueryEscape(msg), http.StatusSeeOther)
	}
}

var pageTmpl = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>ssokeeper demo</title>
<meta http-equiv="refresh" content="5; url=.">
<style>body{font-family:sans-serif;max-width:46em;margin:2em auto}form{display:inline}
button{margin:.2em;padding:.4em .8em}td,th{text-align:left;padding:.2em .8em .2em 0}.msg{background:#eef;padding:.5em}</style>
</head><body>
<h1>ssokeeper demo</h1>
{{with .Msg}}<p class="msg">{{.}}</p>{{end}}
<p>Identity provider: <code>{{.Issuer}}</code>, user <b>{{.User}}</b>, password <b>{{.Password}}</b>.
Access tokens live one minute; ssokeeper refreshes them about every 30 seconds.</p>
<h2>Break things</h2>
<form method="post" action="revoke"><button>Revoke the session at the IdP</button></form>
{{if .Faults.Down}}<form method="post" action="up"><button>Bring the IdP up</button></form>
{{else}}<form method="post" action="down"><button>Take the IdP down</button></form>{{end}}
{{if .Faults.Skewed}}<form method="post" action="unskew"><button>Fix the IdP's clock</button></form>
{{else}}<form method="post" action="skew"><button>Skew the IdP's clock by 10 minutes</button></form>{{end}}
<form method="post" action="refresh"><button>Refresh now</button></form>
<h2>Repair</h2>
<p>Click <i>Sign in</i> in the notification or the tray menu: the browser opens the IdP's login page
(log in as {{.User}} / {{.Password}}).{{if .Pending}} A sign-in is waiting:
<a href="{{.Pending}}" target="_blank">open the login page</a> or
<form method="post" action="finish"><button>Finish the sign-in for me</button></form>{{end}}
Without a tray: <form method="post" action="signin"><button>Sign in again (no browser)</button></form></p>
<h2>Status</h2>
{{with .Err}}<p>{{.}}</p>{{end}}
{{with .Status}}<table>
<tr><th>state</th><td>{{.State}}{{with .Reason}} ({{.}}){{end}}</td></tr>
{{with .Message}}<tr><th>why</th><td>{{.}}</td></tr>{{end}}
{{with .Detail}}<tr><th>the IdP said</th><td>{{.}}</td></tr>{{end}}
{{with .Fix}}<tr><th>fix</th><td>{{.}}</td></tr>{{end}}
{{with .LastRefresh}}<tr><th>last refresh</th><td>{{.Local.Format "15:04:05"}}</td></tr>{{end}}
{{with .NextRefresh}}<tr><th>next refresh</th><td>{{.Local.Format "15:04:05"}}</td></tr>{{end}}
<tr><th>failures in a row</th><td>{{.ConsecutiveFailures}}</td></tr>
</table>{{end}}
<p>Refreshes served by the IdP: {{.Refreshes}}. The IdP is {{if .Faults.Down}}<b>down</b>{{else}}up{{end}}{{if .Faults.Skewed}}, its clock <b>10 minutes ahead</b>{{end}}.</p>
</body></html>`))

func (d *Demo) page(w http.ResponseWriter, r *http.Request) {
	data := struct {
		Msg, Issuer, User, Password, Pending, Err string
		Status                                    *session.Status
		Refreshes                                 int
		Faults                                    faults
	}{Faults: d.faults(), Msg: r.URL.Query().Get("msg"), Issuer: d.IdP.Issuer(), User: d.IdP.Username(),
		Password: d.IdP.Password(), Pending: d.Pending(), Refreshes: d.IdP.RefreshCount()}
	snap, err := d.Status(r.Context())
	if st, ok := snap.Get(sessionName); err == nil && ok {
		data.Status = &st
	} else if err != nil {
		data.Err = "The agent does not answer yet: " + err.Error()
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	pageTmpl.Execute(w, data) //nolint:errcheck
}

// faults are the IdP faults the person switched on.
type faults struct{ Down, Skewed bool }

func (d *Demo) faults() faults {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.on
}

func (d *Demo) setFault(change func(*faults)) {
	d.mu.Lock()
	change(&d.on)
	d.mu.Unlock()
}
