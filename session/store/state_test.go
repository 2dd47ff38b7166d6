package store

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestLoadStateMissing(t *testing.T) {
	s, err := LoadState(filepath.Join(t.TempDir(), "state.json"))
	if err != nil || s.Version != StateVersion || s.Sessions == nil || len(s.Sessions) != 0 {
		t.Fatalf("LoadState of a missing file = %+v, %v; want an empty state", s, err)
	}
}

func TestStateRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new", "ssokeeper", "state.json")
	at := time.Date(2026, 12, 1, 9, 30, 0, 123456789, time.UTC)
	want := &State{
		Version:          StateVersion,
		ClockSkewSeconds: -2.5,
		UpdatedAt:        at,
		Sessions: map[string]SessionState{
			"work": {
				Provider: "entra", State: "needs_login", Reason: "refresh_token_revoked", Detail: "AADSTS50173",
				AccessExpiresAt: at.Add(time.Hour), SessionStartedAt: at.Add(-time.Hour),
				SessionExpiresAt: at.Add(8 * time.Hour), LastRefresh: at, LastAttempt: at,
				NextRefresh: at.Add(50 * time.Minute), ConsecutiveFailures: 3, HasRefreshToken: true,
			},
			"aws": {Provider: "aws-sso", State: "logged_out", LoggedOut: true},
		},
	}
	if err := SaveState(path, want); err != nil {
		t.Fatal(err)
	}
	got, err := LoadState(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, want)
	}

	data, _ := os.ReadFile(path)
	for _, want := range []string{`"access_expires_at": "2026-12-01T10:30:00.123456789Z"`, `"consecutive_failures": 0`, `"logged_out": true`} {
		if !strings.Contains(string(data), want) {
			t.Errorf("state.json lacks %s:\n%s", want, data)
		}
	}
	// Unknown times are left out, not written as year 1.
	if strings.Count(string(data), "last_refresh") != 1 {
		t.Errorf("a zero time was written:\n%s", data)
	}

	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("state.json mode %v, want 0600", fi.Mode().Perm())
	}
	if fi, _ := os.Stat(filepath.Dir(path)); fi.Mode().Perm() != 0o700 {
		t.Errorf("state directory mode %v, want 0700", fi.Mode().Perm())
	}
}

func TestSaveStateReplacesAtomically(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	if err := os.WriteFile(path, []byte(`{"version":1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	before, _ := os.Stat(path)

	s := NewState()
	s.Sessions["work"] = SessionState{Provider: "oidc", State: "healthy"}
	if err := SaveState(path, s); err != nil {
		t.Fatal(err)
	}

	after, _ := os.Stat(path)
	if os.SameFile(before, after) {
		t.Error("SaveState rewrote the file in place; want a new file renamed over it")
	}
	if after.Mode().Perm() != 0o600 {
		t.Errorf("mode %v after replacing a 0644 file, want 0600", after.Mode().Perm())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
	if got, err := LoadState(path); err != nil || got.Sessions["work"].State != "healthy" {
		t.Errorf("LoadState after replace = %+v, %v", got, err)
	}
}

func TestLoadStateCorrupt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	os.WriteFile(path, []byte(`{"version":1,"sessions":{"work":`), 0o600)
	s, err := LoadState(path)
	if err == nil {
		t.Fatal("LoadState of a truncated file: no error")
	}
	if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "rebuild") {
		t.Errorf("error %q should name the file and say it will be rebuilt", err)
	}
	if s == nil || s.Sessions == nil || len(s.Sessions) != 0 {
		t.Errorf("LoadState of a corrupt file returned %+v; want an empty state to carry on with", s)
	}
}

func TestSaveStateError(t *testing.T) {
	file := filepath.Join(t.TempDir(), "not-a-dir")
	os.WriteFile(file, nil, 0o600)
	path := filepath.Join(file, "state.json")
	err := SaveState(path, NewState())
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("SaveState under a file: %v; want an error naming %s", err, path)
	}
}
