package testidp

import (
	"encoding/json"
	"net/http"
	"sync"
	"time"
)

// faults are switched on by tests and applied in front of the OP.
type faults struct {
	failStatus    int
	failHeader    http.Header
	failBody      string
	dateOffset    time.Duration
	hang          bool
	noIDOnRefresh bool // see OmitIDTokenOnRefresh
	// hold, when set, keeps refresh requests waiting until it is closed;
	// arrived hears of each one (see HoldRefreshes).
	hold, arrived chan struct{}
}

// HoldRefreshes makes refresh requests wait, after they arrived and
// before the OP answers them, until release is called: a test can act
// while a refresh is in flight. arrived receives once per held request.
func (p *IdP) HoldRefreshes() (arrived <-chan struct{}, release func()) {
	hold, got := make(chan struct{}), make(chan struct{}, 16)
	p.mu.Lock()
	p.fault.hold, p.fault.arrived = hold, got
	p.mu.Unlock()
	var once sync.Once
	return got, func() {
		once.Do(func() {
			p.mu.Lock()
			p.fault.hold, p.fault.arrived = nil, nil
			p.mu.Unlock()
			close(hold)
		})
	}
}

// FailWith makes every token-endpoint request answer status, header and
// body (until Clear), e.g. 503 or 400 with an invalid_grant JSON body.
func (p *IdP) FailWith(status int, header http.Header, body string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fault.failStatus, p.fault.failHeader, p.fault.failBody = status, header.Clone(), body
}

// SetDateOffset makes every reply's Date header off by d (positive: the
// IdP's clock is ahead of ours).
func (p *IdP) SetDateOffset(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fault.dateOffset = d
}

// SetHang makes the token endpoint never answer: each request waits until
// its context ends (the client gave up) or the IdP goes down.
func (p *IdP) SetHang(hang bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fault.hang = hang
}

// Clear removes every fault and brings the IdP back up if it was down.
// Revoked refresh tokens stay revoked.
func (p *IdP) Clear() error {
	p.mu.Lock()
	p.fault = faults{}
	p.mu.Unlock()
	return p.SetDown(false)
}

func (p *IdP) withFaults(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		f, down := p.fault, p.downCh
		p.mu.Unlock()
		// net/http only adds a Date header when the handler set none.
		w.Header().Set("Date", time.Now().Add(f.dateOffset).UTC().Format(http.TimeFormat))
		if r.URL.Path != p.tokenURL {
			next.ServeHTTP(w, r)
			return
		}
		if f.hang {
			select {
			case <-r.Context().Done():
			case <-down:
			}
			return
		}
		if f.failStatus != 0 {
			for k, v := range f.failHeader {
				w.Header()[k] = v
			}
			w.WriteHeader(f.failStatus)
			w.Write([]byte(f.failBody))
			return
		}
		if r.Method == http.MethodPost && r.ParseForm() == nil && r.PostForm.Get("grant_type") == "refresh_token" {
			if f.hold != nil {
				select {
				case f.arrived <- struct{}{}:
				default:
				}
				<-f.hold // answered even if the client gave up meanwhile, as real IdPs do
			}
			if why := p.store.refreshProblem(r.PostForm.Get("refresh_token")); why != "" {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadRequest)
				json.NewEncoder(w).Encode(map[string]string{"error": "invalid_grant", "error_description": why}) //nolint:errcheck
				return
			}
			if f.noIDOnRefresh {
				withoutIDToken(w, r, next)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}
