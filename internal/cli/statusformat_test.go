package cli

import (
	"bytes"
	"testing"
	"time"

	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/health"
)

func TestShortLeft(t *testing.T) {
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		in   time.Duration
		want string
	}{
		{-time.Hour, "0s"}, {0, "0s"}, {40 * time.Second, "40s"}, {12*time.Minute + 59*time.Second, "12m"},
		{time.Hour, "1h"}, {7*time.Hour + 42*time.Minute + 30*time.Second, "7h42m"},
		{50 * time.Hour, "2d2h"}, {90 * 24 * time.Hour, "90d"},
	} {
		at := now.Add(tt.in)
		if got := shortLeft(&at, now); got != tt.want {
			t.Errorf("shortLeft(now%+v) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := shortLeft(nil, now); got != "" {
		t.Errorf("unknown end: %q, want empty", got)
	}
}

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
