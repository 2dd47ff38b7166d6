package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/ssokeeper/ssokeeper/session"
)

// Error codes of ErrorReply.
const (
	CodeUnknownSession = "unknown_session"
	CodeNeedsAction    = "needs_action"
	CodeRefreshFailed  = "refresh_failed"
	CodeBadRequest     = "bad_request"
	CodeFailed         = "failed"
)

// ErrorReply is the body of every failed request.
type ErrorReply struct {
	Error  string          `json:"error"`
	Code   string          `json:"code"`
	Status *session.Status `json:"status,omitempty"`
	// Session names the session the error is about (its text starts
	// with the name); Kind is session.KindOf the error, so the CLI can
	// advise on it as on a local one.
	Session string `json:"session,omitempty"`
	Kind    string `json:"kind,omitempty"`
}

func (e ErrorReply) httpStatus() int {
	switch e.Code {
	case CodeUnknownSession:
		return http.StatusNotFound
	case CodeNeedsAction:
		return http.StatusConflict
	case CodeBadRequest:
		return http.StatusBadRequest
	default:
		return http.StatusBadGateway
	}
}

func errorReply(err error) ErrorReply {
	var unknown *session.UnknownSessionError
	var action *session.ActionError
	var refresh *session.RefreshError
	var failed *session.Error
	e := ErrorReply{Error: err.Error(), Code: CodeFailed, Kind: session.KindOf(err)}
	switch {
	case errors.As(err, &unknown):
		e.Code = CodeUnknownSession
	case errors.As(err, &action):
		st := action.Status
		e.Code, e.Status, e.Session = CodeNeedsAction, &st, st.Name
	case errors.As(err, &refresh):
		e.Code, e.Session = CodeRefreshFailed, refresh.Session
	case errors.As(err, &failed):
		e.Session = failed.Session
	}
	return e
}

// TokenReply carries a token to the CLI.
type TokenReply struct {
	AccessToken string    `json:"access_token"`
	TokenType   string    `json:"token_type"`
	ExpiresAt   time.Time `json:"expires_at"`
	IDToken     string    `json:"id_token,omitempty"`
}

// LoginEvent is one line of a streamed sign-in.
type LoginEvent struct {
	OpenURL    string              `json:"open_url,omitempty"`
	DeviceCode *session.DeviceCode `json:"device_code,omitempty"`
	Joined     bool                `json:"joined,omitempty"`
	Done       bool                `json:"done,omitempty"`
	Error      *ErrorReply         `json:"error,omitempty"`
	Status     *session.Status     `json:"status,omitempty"`
}
