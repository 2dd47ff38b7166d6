package testidp

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
)

// OmitIDTokenOnRefresh makes refresh replies carry no id_token, as IdPs
// do that send one only at sign-in (until Clear).
func (p *IdP) OmitIDTokenOnRefresh(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fault.noIDOnRefresh = on
}

// withoutIDToken serves r with next and drops id_token from the JSON reply.
func withoutIDToken(w http.ResponseWriter, r *http.Request, next http.Handler) {
	rec := httptest.NewRecorder()
	next.ServeHTTP(rec, r)
	body := rec.Body.Bytes()
	var m map[string]any
	if rec.Code == http.StatusOK && json.Unmarshal(body, &m) == nil {
		delete(m, "id_token")
		body, _ = json.Marshal(m)
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(rec.Code)
	w.Write(body) //nolint:errcheck
}
