package awssso

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/health"
	"golang.org/x/oauth2"
)

// callback is what the browser brought back to the loopback listener.
type callback struct {
	code string
	err  error
	done chan error // the outcome of the code exchange, for the page
}

// browserLogin runs the authorization code flow with PKCE: a listener on
// 127.0.0.1:0 receives the code at /oauth/callback.
func (p *Provider) browserLogin(ctx context.Context, reg *registration, req session.LoginRequest) (tokenReply, error) {
	if req.OpenURL == nil {
		return tokenReply{}, fmt.Errorf("%w; sign in with the device flow", session.ErrNoBrowser)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return tokenReply{}, fmt.Errorf("cannot listen on 127.0.0.1 for the sign-in callback: %w", err)
	}
	redirect := fmt.Sprintf("http://127.0.0.1:%d%s", ln.Addr().(*net.TCPAddr).Port, callbackPath)
	state := randomString()
	verifier := oauth2.GenerateVerifier()
	health.Known.Add(p.s.Name+"/sso", verifier)

	got := make(chan callback, 1)
	srv := &http.Server{Handler: callbackHandler(ctx, ln.Addr().String(), state, got), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer func() {
		// Let the handler finish the page it is writing; bounded.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}()

	authURL := p.endpoint + "/authorize?" + url.Values{
		"response_type":         {"code"},
		"client_id":             {reg.ClientID},
		"redirect_uri":          {redirect},
		"state":                 {state},
		"code_challenge":        {oauth2.S256ChallengeFromVerifier(verifier)},
		"code_challenge_method": {"S256"},
		"scopes":                {accessScope},
	}.Encode()
	if err := req.OpenURL(authURL); err != nil {
		return tokenReply{}, fmt.Errorf("cannot open the browser: %w", err)
	}

	var cb callback
	select {
	case cb = <-got:
	case <-ctx.Done():
		return tokenReply{}, fmt.Errorf("no answer from the browser: %w", ctx.Err())
	}
	if cb.err != nil {
		cb.done <- cb.err
		return tokenReply{}, cb.err
	}
	var reply tokenReply
	err = p.post(ctx, "/token", map[string]string{
		"grantType":    "authorization_code",
		"clientId":     reg.ClientID,
		"clientSecret": reg.ClientSecret,
		"code":         cb.code,
		"redirectUri":  redirect,
		"codeVerifier": verifier,
	}, &reply)
	cb.done <- err
	return reply, err
}

// callbackHandler accepts the first callback from this machine, addressed
// to bound (the address it listens on), that carries our state; anything
// else gets a page and is ignored, so a forged or stale link cannot end
// the real sign-in.
func callbackHandler(ctx context.Context, bound, state string, got chan<- callback) http.Handler {
	var once sync.Once
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != callbackPath {
			http.NotFound(w, r)
			return
		}
		peer, _, _ := net.SplitHostPort(r.RemoteAddr)
		if ip := net.ParseIP(peer); ip == nil || !ip.IsLoopback() {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		if r.Host != bound { // DNS rebinding: a web page under a name of its own
			http.Error(w, "misdirected request", http.StatusMisdirectedRequest)
			return
		}
		q := r.URL.Query()
		if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(state)) != 1 {
			page(w, http.StatusBadRequest, "This sign-in link is not the one ssokeeper is waiting for.",
				"Start the sign-in again from ssokeeper.")
			return
		}
		cb := callback{code: q.Get("code"), done: make(chan error, 1)}
		if e := q.Get("error"); e != "" {
			cb.err = &oauth2.RetrieveError{ErrorCode: e, ErrorDescription: q.Get("error_description")}
		} else if cb.code == "" {
			cb.err = errors.New("the browser came back without an authorization code")
		}
		first := false
		once.Do(func() { first = true; got <- cb }) // got has room for one
		if !first {
			page(w, http.StatusConflict, "This sign-in was already answered.", "You can close this tab.")
			return
		}
		var err error
		select {
		case err = <-cb.done:
		case <-ctx.Done():
			err = ctx.Err()
		}
		if err != nil {
			page(w, http.StatusBadRequest, "Sign-in to AWS IAM Identity Center failed.",
				"ssokeeper shows why; start the sign-in again from ssokeeper.")
			return
		}
		page(w, http.StatusOK, "Signed in to AWS IAM Identity Center.", "You can close this tab; the AWS CLI works again.")
	})
}

var pageTmpl = template.Must(template.New("page").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>ssokeeper</title></head>
<body style="font-family:sans-serif;margin:3em"><h1>{{.Title}}</h1><p>{{.Text}}</p></body></html>
`))

func page(w http.ResponseWriter, status int, title, text string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = pageTmpl.Execute(w, struct{ Title, Text string }{title, text})
}

func randomString() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
