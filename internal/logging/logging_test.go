package logging

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRedactsTokens(t *testing.T) {
	jwt := "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJkZW1vIiwiZXhwIjoxfQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
	opaque := "8xLOxBtZp8Q2lLJ4Fz0aRvN3kGSeYw7uH1mTq9cXbDdEfAgIjKoPs"
	var buf bytes.Buffer
	log := New(&buf, slog.LevelDebug)
	log.Info("refresh", "refresh_token", opaque, "detail", "invalid_grant: token "+opaque+" rejected",
		"err", errors.New("bad "+jwt), "path", "/home/user/.local/state/ssokeeper/state.json")
	out := buf.String()
	for _, secret := range []string{jwt, opaque} {
		if strings.Contains(out, secret) {
			t.Fatalf("log line leaks a token: %s", out)
		}
	}
	if !strings.Contains(out, "/home/user/.local/state/ssokeeper/state.json") {
		t.Errorf("a file path was redacted: %s", out)
	}
}

func TestRotatesAtCap(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	f, err := openCapped(path, 100)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	line := []byte(strings.Repeat("x", 59) + "\n")
	for range 3 {
		if _, err := f.Write(line); err != nil {
			t.Fatal(err)
		}
	}
	cur, _ := os.Stat(path)
	old, err := os.Stat(path + ".1")
	if err != nil {
		t.Fatalf("no rotated file: %v", err)
	}
	if cur.Size() > 100 || old.Size() > 100 {
		t.Errorf("sizes %d and %d exceed the cap of 100", cur.Size(), old.Size())
	}
	if cur.Mode().Perm() != 0o600 {
		t.Errorf("log mode %v, want 0600", cur.Mode().Perm())
	}
}
