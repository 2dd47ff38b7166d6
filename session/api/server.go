// Package api is the agent's local control API: HTTP+JSON over a Unix
// socket that only the user can reach. The CLI, scripts and tests speak
// it; a connection from another user is closed before a byte is read.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/ssokeeper/ssokeeper/session"
)

// Manager is what the API serves; *session.Manager implements it.
type Manager interface {
	Snapshot() session.Snapshot
	Refresh(ctx context.Context, name string) error
	Login(ctx context.Context, name string, req session.LoginRequest) error
	Logout(ctx context.Context, name string) error
	Token(ctx context.Context, name string, minValid time.Duration) (session.Tokens, error)
}

// Serve answers API requests on ln until ctx ends. Connections from
// other users are closed unanswered and logged to log; the rest are
// bounded in number, size and time (bounds.go).
func Serve(ctx context.Context, ln net.Listener, m Manager, log *slog.Logger) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	limited := newLimitListener(&peerCheckListener{Listener: ln, log: log}, maxConns)
	srv := newServer(ctx, m, log)
	srv.ConnState = limited.track
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(shut) //nolint:errcheck
	}()
	err := srv.Serve(limited)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

func newServer(ctx context.Context, m Manager, log *slog.Logger) *http.Server {
	h := &handler{m: m, log: log}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/status", h.status)
	mux.HandleFunc("POST /v1/sessions/{name}/refresh", h.refresh)
	mux.HandleFunc("POST /v1/sessions/{name}/logout", h.logout)
	mux.HandleFunc("POST /v1/sessions/{name}/login", h.login)
	mux.HandleFunc("GET /v1/sessions/{name}/token", h.token)
	return &http.Server{
		Handler:           bounded(mux),
		ReadHeaderTimeout: headerTimeout,
		ReadTimeout:       readTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
}

type handler struct {
	m   Manager
	log *slog.Logger
}

func (h *handler) status(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, h.m.Snapshot())
}

func (h *handler) refresh(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	err := h.m.Refresh(r.Context(), name)
	h.reply(w, name, err)
}

func (h *handler) logout(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	h.reply(w, name, h.m.Logout(r.Context(), name))
}

func (h *handler) token(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	minValid := time.Minute
	if v := r.URL.Query().Get("min_valid"); v != "" {
		d, err := time.ParseDuration(v)
		if err == nil && d < 0 {
			err = errors.New("must not be negative")
		}
		if err != nil {
			writeJSON(w, http.StatusBadRequest, ErrorReply{Error: "min_valid: " + err.Error(), Code: CodeBadRequest})
			return
		}
		minValid = d
	}
	tok, err := h.m.Token(r.Context(), name, minValid)
	if err != nil {
		h.reply(w, name, err)
		return
	}
	writeJSON(w, http.StatusOK, TokenReply{AccessToken: tok.AccessToken, TokenType: tok.TokenType,
		ExpiresAt: tok.Expiry.UTC(), IDToken: tok.IDToken})
}

// login streams the sign-in as JSON lines: the URL for the caller to open
// (only to the caller that started it), a device code, and the result. The
// caller opens the browser itself, in its own environment.
func (h *handler) login(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(http.StatusOK)
	events := make(chan LoginEvent, 8)
	send := func(ev LoginEvent) {
		select { // never block the sign-in on a caller that went away
		case events <- ev:
		default:
		}
	}
	done := make(chan error, 1)
	req := session.LoginRequest{
		Device: r.URL.Query().Get("device") == "1",
		OpenURL: func(url string) error {
			send(LoginEvent{OpenURL: url})
			return nil
		},
		ShowDeviceCode: func(dc session.DeviceCode) { send(LoginEvent{DeviceCode: &dc}) },
		Joined:         func() { send(LoginEvent{Joined: true}) },
	}
	if t := r.URL.Query().Get("timeout"); t != "" {
		if d, err := time.ParseDuration(t); err == nil {
			req.Timeout = min(d, maxLoginTimeout) // zero or less: the default
		}
	}
	go func() { done <- h.m.Login(r.Context(), name, req) }()
	enc := json.NewEncoder(w)
	// Each write has writeTimeout to be taken; between events a blank
	// line every heartbeatPeriod tells the caller the agent lives.
	emit := func(v any) {
		rc.SetWriteDeadline(time.Now().Add(writeTimeout)) //nolint:errcheck
		if v == nil {
			w.Write([]byte("\n")) //nolint:errcheck
		} else {
			enc.Encode(v) //nolint:errcheck
		}
		rc.Flush() //nolint:errcheck
	}
	beat := time.NewTicker(heartbeatPeriod)
	defer beat.Stop()
	for {
		select {
		case <-beat.C:
			emit(nil)
		case ev := <-events:
			emit(ev)
		case err := <-done:
			for len(events) > 0 {
				emit(<-events)
			}
			final := LoginEvent{Done: true}
			if err != nil {
				e := errorReply(err)
				final.Error = &e
			}
			if st, ok := h.m.Snapshot().Get(name); ok {
				final.Status = &st
			}
			emit(final)
			return
		}
	}
}

func (h *handler) reply(w http.ResponseWriter, name string, err error) {
	if err != nil {
		e := errorReply(err)
		writeJSON(w, e.httpStatus(), e)
		return
	}
	st, _ := h.m.Snapshot().Get(name)
	writeJSON(w, http.StatusOK, st)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v) //nolint:errcheck
}
