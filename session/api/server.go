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
	"os"
	"path/filepath"
	"time"

	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/paths"
)

// SocketName is the socket's file name in the runtime directory.
const SocketName = "agent.sock"

// SocketPath is where the agent listens for this user.
func SocketPath() (string, error) {
	dir, err := paths.RuntimeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, SocketName), nil
}

// Manager is what the API serves; *session.Manager implements it.
type Manager interface {
	Snapshot() session.Snapshot
	Refresh(ctx context.Context, name string) error
	Login(ctx context.Context, name string, req session.LoginRequest) error
	Logout(ctx context.Context, name string) error
	Token(ctx context.Context, name string, minValid time.Duration) (session.Tokens, error)
}

// Listen creates the socket at path, owner-only: the directory 0700, the
// socket 0600. A stale socket left by a crashed agent is replaced; the
// caller must hold the agent lock so a live one is never taken over.
func Listen(path string) (net.Listener, error) {
	if err := paths.EnsureDir(filepath.Dir(path)); err != nil {
		return nil, err
	}
	_ = os.Remove(path)
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, err
	}
	return peerCheckListener{ln}, nil
}

// Serve answers API requests on ln until ctx ends.
func Serve(ctx context.Context, ln net.Listener, m Manager, log *slog.Logger) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := &handler{m: m, log: log}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/status", h.status)
	mux.HandleFunc("POST /v1/sessions/{name}/refresh", h.refresh)
	mux.HandleFunc("POST /v1/sessions/{name}/logout", h.logout)
	mux.HandleFunc("POST /v1/sessions/{name}/login", h.login)
	mux.HandleFunc("GET /v1/sessions/{name}/token", h.token)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second,
		BaseContext: func(net.Listener) context.Context { return ctx }}
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(shut) //nolint:errcheck
	}()
	err := srv.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
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
			req.Timeout = d
		}
	}
	go func() { done <- h.m.Login(r.Context(), name, req) }()
	enc := json.NewEncoder(w)
	flush := func() {
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
	}
	for {
		select {
		case ev := <-events:
			enc.Encode(ev) //nolint:errcheck
			flush()
		case err := <-done:
			for len(events) > 0 {
				enc.Encode(<-events) //nolint:errcheck
			}
			final := LoginEvent{Done: true}
			if err != nil {
				e := errorReply(err)
				final.Error = &e
			}
			if st, ok := h.m.Snapshot().Get(name); ok {
				final.Status = &st
			}
			enc.Encode(final) //nolint:errcheck
			flush()
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
