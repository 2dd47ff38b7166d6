package testidp

import (
	"context"
	"html/template"
	"net/http"
)

// loginUI is the IdP's sign-in page and device-code page: plain HTML forms
// that a person, or the fake browser, fills in.
type loginUI struct {
	store    *store
	callback func(context.Context, string) string
	prefill  bool // fill in the test user's name and password (the demo)
}

var pages = template.Must(template.New("login").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Test IdP sign-in</title></head><body>
<h1>Sign in to the test IdP</h1>
<p style="color:red">{{.Error}}</p>
<form method="POST" action="{{.Action}}">
<input type="hidden" name="id" value="{{.ID}}">
{{if .Device}}<label>Code <input name="user_code" value="{{.UserCode}}"></label>{{end}}
<label>Username <input name="username" autocomplete="username" value="{{.User}}"></label>
<label>Password <input name="password" type="password" autocomplete="current-password" value="{{.Password}}"></label>
<button type="submit">Sign in</button>
</form></body></html>`))

type page struct {
	Action, ID, UserCode, Error string
	User, Password              string // pre-filled, for the demo
	Device                      bool
}

func (ui *loginUI) page(p page) page {
	if ui.prefill {
		p.User, p.Password = ui.store.users.user.Username, ui.store.users.user.Password
	}
	return p
}

func (ui *loginUI) login(w http.ResponseWriter, r *http.Request) {
	id := r.FormValue("authRequestID")
	if r.Method != http.MethodPost {
		pages.Execute(w, ui.page(page{Action: loginPath, ID: id}))
		return
	}
	id = r.PostFormValue("id")
	if err := ui.store.CheckUsernamePassword(r.PostFormValue("username"), r.PostFormValue("password"), id); err != nil {
		w.WriteHeader(http.StatusUnauthorized)
		pages.Execute(w, ui.page(page{Action: loginPath, ID: id, Error: err.Error()}))
		return
	}
	http.Redirect(w, r, ui.callback(r.Context(), id), http.StatusFound)
}

func (ui *loginUI) device(w http.ResponseWriter, r *http.Request) {
	code := r.FormValue("user_code")
	p := ui.page(page{Action: devicePath, UserCode: code, Device: true})
	if r.Method != http.MethodPost {
		pages.Execute(w, p)
		return
	}
	err := ui.store.CheckUsernamePasswordSimple(r.PostFormValue("username"), r.PostFormValue("password"))
	if err == nil {
		err = ui.approve(r.Context(), code)
	}
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		p.Error = err.Error()
		pages.Execute(w, p)
		return
	}
	w.Write([]byte("Device approved. You can return to your device."))
}

// approve completes a device authorization as the test user. It stores the
// user's ID as subject (the example's UI stored the username).
func (ui *loginUI) approve(ctx context.Context, code string) error {
	if _, err := ui.store.GetDeviceAuthorizationByUserCode(ctx, code); err != nil {
		return err
	}
	return ui.store.CompleteDeviceAuthorization(ctx, code, ui.store.users.user.ID)
}
