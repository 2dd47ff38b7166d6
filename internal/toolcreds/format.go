// Package toolcreds turns a session's token into what other tools read:
// a raw token, JSON, an HTTP header, a Kubernetes ExecCredential, or an
// answer in git's credential-helper protocol. It is pure: no I/O besides
// the reader and writer it is handed.
package toolcreds

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Token is a session's token as a tool receives it.
type Token struct {
	AccessToken string
	TokenType   string // "Bearer" when empty
	Expiry      time.Time
	IDToken     string // empty when the IdP issued none
}

// Format is an output format of `ssokeeper token`.
type Format string

// The formats of `ssokeeper token --format`.
const (
	Raw     Format = "raw"
	JSON    Format = "json"
	Header  Format = "header"
	Kubectl Format = "kubectl"
)

// ParseFormat checks a --format value.
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case Raw, JSON, Header, Kubectl:
		return f, nil
	}
	return "", fmt.Errorf("unknown format %q: use raw, json, header or kubectl", s)
}

// Output says how to render a token.
type Output struct {
	Format Format
	// UseIDToken prints the ID token instead of the access token (raw,
	// header, kubectl; json always carries both).
	UseIDToken bool
	// ExecInfo is $KUBERNETES_EXEC_INFO, which says the ExecCredential
	// version kubectl wants.
	ExecInfo string
}

// ErrNoIDToken means an ID token was asked for and the IdP issued none.
var ErrNoIDToken = errors.New("the identity provider issued no ID token")

// Render returns what `ssokeeper token` prints on stdout.
func Render(t Token, o Output) ([]byte, error) {
	value, expiry, err := chosen(t, o.UseIDToken)
	if err != nil {
		return nil, err
	}
	if strings.ContainsAny(value, "\r\n") {
		return nil, errors.New("the token contains a line break; refusing to print it")
	}
	switch o.Format {
	case Raw, "":
		return []byte(value + "\n"), nil
	case Header:
		typ := bearer(t.TokenType)
		if o.UseIDToken {
			typ = "Bearer"
		}
		return []byte("Authorization: " + typ + " " + value + "\n"), nil
	case JSON:
		return jsonLine(jsonToken{AccessToken: t.AccessToken, TokenType: bearer(t.TokenType),
			ExpiresAt: rfc3339(t.Expiry), IDToken: t.IDToken})
	case Kubectl:
		return ExecCredential(value, expiry, o.ExecInfo)
	}
	return nil, fmt.Errorf("unknown format %q", o.Format)
}

// chosen returns the token to print and when it expires.
func chosen(t Token, useID bool) (string, time.Time, error) {
	if !useID {
		return t.AccessToken, t.Expiry, nil
	}
	if t.IDToken == "" {
		return "", time.Time{}, ErrNoIDToken
	}
	exp, err := IDTokenExpiry(t.IDToken)
	if err != nil || (!t.Expiry.IsZero() && t.Expiry.Before(exp)) {
		exp = t.Expiry // never promise more than the session itself knows
	}
	return t.IDToken, exp, nil
}

// bearer normalises the token type: IdPs answer "bearer" or "Bearer", and
// servers compare the scheme case-insensitively but people read "Bearer".
func bearer(typ string) string {
	if typ == "" || strings.EqualFold(typ, "bearer") {
		return "Bearer"
	}
	return typ
}

type jsonToken struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresAt   string `json:"expires_at,omitempty"`
	IDToken     string `json:"id_token,omitempty"`
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func jsonLine(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
