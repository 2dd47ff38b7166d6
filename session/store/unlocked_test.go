//go:build linux

package store

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ssokeeper/ssokeeper/internal/dbustest"
)

// The agent never opens an unlock prompt: while the keyring is missing or
// locked its calls fail at once, and work once it is unlocked.
func TestBackgroundKeyringWaitsForTheUnlock(t *testing.T) {
	bus := dbustest.Start(t)
	k := dbustest.NewKeyring(t, bus)
	secrets := NewBackgroundKeyring(10 * time.Second)

	_, err := secrets.Get("work", RefreshToken)
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "no Secret Service runs") {
		t.Fatalf("no keyring running: %v", err)
	}
	k.Start(true)
	err = secrets.Set("work", RefreshToken, "rt-1")
	// Our own check answers, not go-keyring's unlock prompt.
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "the keyring is locked") {
		t.Fatalf("locked keyring: %v", err)
	}
	k.Unlock()
	if err := secrets.Set("work", RefreshToken, "rt-1"); err != nil {
		t.Fatalf("after unlock: %v", err)
	}
	if v, err := secrets.Get("work", RefreshToken); err != nil || v != "rt-1" {
		t.Fatalf("after unlock: %q, %v", v, err)
	}
}
