package toolcreds

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// jwtWithExp builds an unsigned JWT-shaped string carrying exp.
func jwtWithExp(exp time.Time) string {
	enc := base64.RawURLEncoding.EncodeToString
	payload, _ := json.Marshal(map[string]any{"sub": "user-1", "exp": exp.Unix()})
	return enc([]byte(`{"alg":"RS256"}`)) + "." + enc(payload) + ".c2ln"
}

func TestRender(t *testing.T) {
	exp := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	idEarly := jwtWithExp(exp.Add(-10 * time.Minute))
	idLate := jwtWithExp(exp.Add(time.Hour))
	tok := Token{AccessToken: "at-123", TokenType: "bearer", Expiry: exp, IDToken: idEarly}
	tests := []struct {
		name string
		tok  Token
		out  Output
		want string
	}{
		{"raw", tok, Output{Format: Raw}, "at-123\n"},
		{"default is raw", tok, Output{}, "at-123\n"},
		{"raw id token", tok, Output{Format: Raw, UseIDToken: true}, idEarly + "\n"},
		{"header normalises bearer", tok, Output{Format: Header}, "Authorization: Bearer at-123\n"},
		{"header keeps another scheme", Token{AccessToken: "x", TokenType: "DPoP"}, Output{Format: Header}, "Authorization: DPoP x\n"},
		{"header id token is bearer", Token{AccessToken: "x", TokenType: "DPoP", IDToken: idEarly}, Output{Format: Header, UseIDToken: true}, "Authorization: Bearer " + idEarly + "\n"},
		{"json", tok, Output{Format: JSON},
			`{"access_token":"at-123","token_type":"Bearer","expires_at":"2026-12-01T10:00:00Z","id_token":"` + idEarly + `"}` + "\n"},
		{"json without id token", Token{AccessToken: "a", Expiry: exp}, Output{Format: JSON},
			`{"access_token":"a","token_type":"Bearer","expires_at":"2026-12-01T10:00:00Z"}` + "\n"},
		{"kubectl v1 by default", tok, Output{Format: Kubectl},
			`{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","spec":{},"status":{"token":"at-123","expirationTimestamp":"2026-12-01T10:00:00Z"}}` + "\n"},
		{"kubectl v1beta1 from exec info", tok, Output{Format: Kubectl, ExecInfo: `{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1","spec":{"interactive":false}}`},
			`{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","spec":{},"status":{"token":"at-123","expirationTimestamp":"2026-12-01T10:00:00Z"}}` + "\n"},
		{"kubectl id token expires with its exp claim", tok, Output{Format: Kubectl, UseIDToken: true},
			`{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","spec":{},"status":{"token":"` + idEarly + `","expirationTimestamp":"2026-12-01T09:50:00Z"}}` + "\n"},
		{"kubectl id token never outlives the access token", Token{AccessToken: "a", Expiry: exp, IDToken: idLate}, Output{Format: Kubectl, UseIDToken: true},
			`{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","spec":{},"status":{"token":"` + idLate + `","expirationTimestamp":"2026-12-01T10:00:00Z"}}` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Render(tt.tok, tt.out)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestRenderErrors(t *testing.T) {
	tests := []struct {
		name string
		tok  Token
		out  Output
		want string
	}{
		{"no id token", Token{AccessToken: "secret-at"}, Output{UseIDToken: true}, "no ID token"},
		{"line break", Token{AccessToken: "secret\nat"}, Output{}, "line break"},
		{"unknown kubectl version", Token{AccessToken: "secret-at"}, Output{Format: Kubectl, ExecInfo: `{"apiVersion":"client.authentication.k8s.io/v2"}`}, "v2"},
		{"bad exec info", Token{AccessToken: "secret-at"}, Output{Format: Kubectl, ExecInfo: `{`}, "KUBERNETES_EXEC_INFO"},
		{"unknown format", Token{AccessToken: "secret-at"}, Output{Format: "yaml"}, "yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Render(tt.tok, tt.out)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("the error shows the token: %v", err)
			}
		})
	}
	if _, err := Render(Token{}, Output{UseIDToken: true}); !errors.Is(err, ErrNoIDToken) {
		t.Errorf("got %v, want ErrNoIDToken", err)
	}
}

func TestParseFormat(t *testing.T) {
	for _, s := range []string{"raw", "json", "header", "kubectl"} {
		if f, err := ParseFormat(s); err != nil || string(f) != s {
			t.Errorf("ParseFormat(%q) = %q, %v", s, f, err)
		}
	}
	if _, err := ParseFormat("Raw"); err == nil || !strings.Contains(err.Error(), "raw, json, header or kubectl") {
		t.Errorf("ParseFormat(Raw) error %v, want the list of formats", err)
	}
}

func TestExecAPIVersion(t *testing.T) {
	tests := []struct{ info, want string }{
		{"", ExecV1},
		{`{"kind":"ExecCredential","spec":{}}`, ExecV1},
		{`{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential"}`, ExecV1},
		{`{"apiVersion":"client.authentication.k8s.io/v1beta1"}`, ExecV1beta1},
	}
	for _, tt := range tests {
		if got, err := ExecAPIVersion(tt.info); err != nil || got != tt.want {
			t.Errorf("ExecAPIVersion(%s) = %q, %v; want %q", tt.info, got, err, tt.want)
		}
	}
}

func TestIDTokenExpiry(t *testing.T) {
	exp := time.Unix(1800000000, 0)
	if got, err := IDTokenExpiry(jwtWithExp(exp)); err != nil || !got.Equal(exp) {
		t.Errorf("got %v, %v; want %v", got, err, exp)
	}
	enc := base64.RawURLEncoding.EncodeToString
	for name, jwt := range map[string]string{
		"not a jwt":    "opaque-token",
		"bad base64":   "a.!!!.c",
		"not json":     "a." + enc([]byte("nope")) + ".c",
		"no exp":       "a." + enc([]byte(`{"sub":"x"}`)) + ".c",
		"exp a string": "a." + enc([]byte(`{"exp":"soon"}`)) + ".c",
	} {
		if _, err := IDTokenExpiry(jwt); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
