package cli

import (
	"bytes"
	"testing"
	"time"

	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/health"
)

func TestStatusFormat(t *testing.T) {
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	end := now.Add(9*time.Hour + 40*time.Minute)
	sessions := []session.Status{
		{Name: "work", State: health.Healthy, SessionExpiresAt: &end},
		{Name: "aws", State: health.NeedsLogin, Reason: health.RefreshTokenRevoked},
	}
	tmpl, err := parseStatusFormat(`{{.Name}}:{{.State}}{{with .SessionLeft}} ({{.}}){{end}}{{if .Reason}} {{.Reason}}{{end}}`)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := printStatusFormat(&out, tmpl, sessions, now); err != nil {
		t.Fatal(err)
	}
	if want := "work:healthy (9h40m)\naws:needs_login refresh_token_revoked\n"; out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
	if _, err := parseStatusFormat("{{.State"); err == nil {
		t.Error("an unclosed action parsed")
	}
}
