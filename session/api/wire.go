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
	switch {
	case errors.As(err, &unknown):
		return ErrorReply{Error: err.Error(), Code: CodeUnknownSession}
	case errors.As(err, &action):
		st := action.Status
		return ErrorReply{Error: err.Error(), Code: CodeNeedsAction, Status: &st}
	case errors.As(err, &refresh):
		return ErrorReply{Error: err.Error(), Code: CodeRefreshFailed}
	default:
		return ErrorReply{Error: err.Error(), Code: CodeFailed}
	}
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
